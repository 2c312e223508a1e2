//! Writes small x86_64 ELF kernels with Xen notes, for tests that need a kernel Xen's loader
//! accepts (the layout peer test, pvgrub-probe's end-to-end test).
#![allow(dead_code)]

/// Xen ELF note types (xen/include/public/elfnote.h).
pub const ENTRY: u32 = 1;
pub const HYPERCALL_PAGE: u32 = 2;
pub const VIRT_BASE: u32 = 3;
pub const PADDR_OFFSET: u32 = 4;
pub const XEN_VERSION: u32 = 5;
pub const GUEST_OS: u32 = 6;
pub const GUEST_VERSION: u32 = 7;
pub const LOADER: u32 = 8;
pub const FEATURES: u32 = 10;
pub const INIT_P2M: u32 = 15;
pub const MOD_START_PFN: u32 = 16;

/// A note's value.
#[derive(Clone, Debug)]
pub enum Desc {
    /// A NUL-terminated string.
    Str(String),
    /// A little-endian 64-bit number.
    U64(u64),
}

/// A loadable segment.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    pub vaddr: u64,
    pub paddr: u64,
    pub filesz: u64,
    pub memsz: u64,
}

/// An ELF64 executable: its entry, loadable segments (with `filesz` bytes of a pattern each)
/// and one PT_NOTE of "Xen" notes.
#[derive(Clone, Debug)]
pub struct XenElf {
    pub e_entry: u64,
    pub loads: Vec<Load>,
    pub notes: Vec<(u32, Desc)>,
}

impl XenElf {
    /// A kernel of `memsz` bytes at physical `paddr`, with the notes every PV kernel has
    /// (XEN_VERSION, GUEST_OS, LOADER) and `extra`.
    pub fn linux_like(vaddr: u64, paddr: u64, memsz: u64, extra: &[(u32, Desc)]) -> Self {
        let mut notes = vec![
            (GUEST_OS, Desc::Str("linux".into())),
            (GUEST_VERSION, Desc::Str("2.6".into())),
            (XEN_VERSION, Desc::Str("xen-3.0".into())),
            (LOADER, Desc::Str("generic".into())),
        ];
        notes.extend(extra.iter().cloned());
        XenElf {
            e_entry: vaddr,
            loads: vec![Load {
                vaddr,
                paddr,
                filesz: memsz.min(0x3000),
                memsz,
            }],
            notes,
        }
    }

    /// The file's bytes.
    pub fn build(&self) -> Vec<u8> {
        let mut notes = Vec::new();
        for (ty, desc) in &self.notes {
            let d = match desc {
                Desc::Str(s) => {
                    let mut v = s.as_bytes().to_vec();
                    v.push(0);
                    v
                }
                Desc::U64(n) => n.to_le_bytes().to_vec(),
            };
            notes.extend_from_slice(&4u32.to_le_bytes());
            notes.extend_from_slice(&(d.len() as u32).to_le_bytes());
            notes.extend_from_slice(&ty.to_le_bytes());
            notes.extend_from_slice(b"Xen\0");
            notes.extend_from_slice(&d);
            while notes.len() % 4 != 0 {
                notes.push(0);
            }
        }
        let phnum = self.loads.len() + 1;
        let notes_off = 64 + 56 * phnum as u64;
        let mut data_off = (notes_off + notes.len() as u64).next_multiple_of(0x1000);
        let mut out = Vec::new();
        // ELF header.
        out.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
        out.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
        out.extend_from_slice(&62u16.to_le_bytes()); // EM_X86_64
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&self.e_entry.to_le_bytes());
        out.extend_from_slice(&64u64.to_le_bytes()); // e_phoff
        out.extend_from_slice(&0u64.to_le_bytes()); // e_shoff
        out.extend_from_slice(&0u32.to_le_bytes()); // e_flags
        for v in [64u16, 56, phnum as u16, 64, 0, 0] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        let mut phdr = |ty: u32, flags: u32, off: u64, l: Load, align: u64| {
            out.extend_from_slice(&ty.to_le_bytes());
            out.extend_from_slice(&flags.to_le_bytes());
            for v in [off, l.vaddr, l.paddr, l.filesz, l.memsz, align] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        };
        let mut offsets = Vec::new();
        for l in &self.loads {
            phdr(1, 7, data_off, *l, 0x1000);
            offsets.push(data_off);
            data_off = (data_off + l.filesz).next_multiple_of(0x1000);
        }
        let n = notes.len() as u64;
        let note = Load {
            vaddr: 0,
            paddr: 0,
            filesz: n,
            memsz: n,
        };
        phdr(4, 4, notes_off, note, 4);
        out.extend_from_slice(&notes);
        for (l, off) in self.loads.iter().zip(offsets) {
            out.resize(off as usize, 0);
            out.extend((0..l.filesz).map(|i| (i % 251) as u8));
        }
        out
    }
}
