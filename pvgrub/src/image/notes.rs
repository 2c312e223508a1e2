//! Xen's ELF notes (owner "Xen", types from xen/include/public/elfnote.h), typed.

use super::ImageError;
use alloc::string::String;

/// The note types Xen defines.
mod kind {
    pub const ENTRY: u32 = 1;
    pub const HYPERCALL_PAGE: u32 = 2;
    pub const VIRT_BASE: u32 = 3;
    pub const PADDR_OFFSET: u32 = 4;
    pub const XEN_VERSION: u32 = 5;
    pub const GUEST_OS: u32 = 6;
    pub const GUEST_VERSION: u32 = 7;
    pub const LOADER: u32 = 8;
    pub const PAE_MODE: u32 = 9;
    pub const FEATURES: u32 = 10;
    pub const BSD_SYMTAB: u32 = 11;
    pub const HV_START_LOW: u32 = 12;
    pub const L1_MFN_VALID: u32 = 13;
    pub const SUSPEND_CANCEL: u32 = 14;
    pub const INIT_P2M: u32 = 15;
    pub const MOD_START_PFN: u32 = 16;
    pub const SUPPORTED_FEATURES: u32 = 17;
    pub const PHYS32_ENTRY: u32 = 18;
}

/// The name of Xen note type `t` (`XEN_ELFNOTE_` left off), if Xen defines it.
pub(super) fn note_name(t: u32) -> Option<&'static str> {
    const NAMES: [&str; 18] = [
        "ENTRY",
        "HYPERCALL_PAGE",
        "VIRT_BASE",
        "PADDR_OFFSET",
        "XEN_VERSION",
        "GUEST_OS",
        "GUEST_VERSION",
        "LOADER",
        "PAE_MODE",
        "FEATURES",
        "BSD_SYMTAB",
        "HV_START_LOW",
        "L1_MFN_VALID",
        "SUSPEND_CANCEL",
        "INIT_P2M",
        "MOD_START_PFN",
        "SUPPORTED_FEATURES",
        "PHYS32_ENTRY",
    ];
    NAMES
        .get(usize::try_from(t.checked_sub(kind::ENTRY)?).ok()?)
        .copied()
}

/// Where the notes were found, in the order Xen looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoteSource {
    /// `PT_NOTE` program headers.
    #[default]
    Segments,
    /// `SHT_NOTE` sections (used only when no note segment has a Xen note).
    Sections,
    /// The legacy `__xen_guest` section string, `GUEST_OS=linux,XEN_VER=xen-3.0,...`.
    GuestInfo,
}

/// The `L1_MFN_VALID` note: which PTE bits mark an L1 entry as holding a valid MFN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L1MfnValid {
    /// Bits to test.
    pub mask: u64,
    /// Value they must have.
    pub value: u64,
}

/// Xen feature flags (XENFEAT_* bit numbers) a kernel declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeatureBits {
    /// Features the kernel can use (FEATURES names, `!` or not, and SUPPORTED_FEATURES).
    pub supported: u32,
    /// Features the kernel requires (`!name` in FEATURES).
    pub required: u32,
}

/// The feature names Xen's FEATURES string parser knows, with their XENFEAT_* bit.
const FEATURE_NAMES: [(&str, u32); 7] = [
    ("writable_page_tables", 0),
    ("writable_descriptor_tables", 1),
    ("auto_translated_physmap", 2),
    ("supervisor_mode_kernel", 3),
    ("pae_pgdir_above_4gb", 4),
    ("hvm_callback_vector", 8),
    ("dom0", 11),
];

impl FeatureBits {
    /// Adds the features of a FEATURES string (`name|!name|...`), as Xen reads it: an
    /// unknown name is ignored unless it is required, which is an error.
    pub(super) fn add_names(&mut self, list: &str) -> Result<(), ImageError> {
        for token in list.split('|').filter(|t| !t.is_empty()) {
            let (name, required) = match token.strip_prefix('!') {
                Some(name) => (name, true),
                None => (token, false),
            };
            match FEATURE_NAMES.iter().find(|(n, _)| *n == name) {
                Some(&(_, bit)) => {
                    self.supported |= 1 << bit;
                    if required {
                        self.required |= 1 << bit;
                    }
                }
                None if required => return Err(ImageError::UnknownRequiredFeature),
                None => {}
            }
        }
        Ok(())
    }
}

/// The Xen notes of a kernel; `None` where the kernel has no such note.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct XenNotes {
    /// Where they came from.
    pub source: NoteSource,
    /// ENTRY: virtual entry address.
    pub entry: Option<u64>,
    /// HYPERCALL_PAGE: virtual address of the page to fill with hypercall stubs.
    pub hypercall_page: Option<u64>,
    /// VIRT_BASE: virtual address the kernel's pseudo-physical 0 maps to.
    pub virt_base: Option<u64>,
    /// PADDR_OFFSET: subtracted from ELF paddrs before adding VIRT_BASE.
    pub paddr_offset: Option<u64>,
    /// XEN_VERSION, e.g. `xen-3.0`.
    pub xen_version: Option<String>,
    /// GUEST_OS, e.g. `linux`.
    pub guest_os: Option<String>,
    /// GUEST_VERSION, e.g. `2.6`.
    pub guest_version: Option<String>,
    /// LOADER, e.g. `generic`.
    pub loader: Option<String>,
    /// PAE_MODE, e.g. `yes`.
    pub pae_mode: Option<String>,
    /// FEATURES, the raw `|`-separated string.
    pub features: Option<String>,
    /// The features, parsed, with SUPPORTED_FEATURES added.
    pub feature_bits: FeatureBits,
    /// BSD_SYMTAB is `yes` (or the flag in `__xen_guest`).
    pub bsd_symtab: bool,
    /// HV_START_LOW: lowest address the hypervisor reserves (32-bit guests).
    pub hv_start_low: Option<u64>,
    /// L1_MFN_VALID.
    pub l1_mfn_valid: Option<L1MfnValid>,
    /// SUSPEND_CANCEL.
    pub suspend_cancel: Option<u64>,
    /// INIT_P2M: virtual address where the kernel wants its p2m list mapped.
    pub init_p2m: Option<u64>,
    /// MOD_START_PFN: non-zero if start_info's mod_start is a PFN (initrd not mapped).
    pub mod_start_pfn: Option<u64>,
    /// SUPPORTED_FEATURES: the raw bitmap (also folded into `feature_bits`).
    pub supported_features: Option<u32>,
    /// PHYS32_ENTRY: the PVH entry point.
    pub phys32_entry: Option<u64>,
}

impl XenNotes {
    /// Records one note of owner "Xen". Unknown types are ignored, as Xen does.
    pub(super) fn add(&mut self, note_type: u32, desc: &[u8]) -> Result<(), ImageError> {
        let bad = ImageError::BadNote(note_type);
        let num = || numeric(desc).ok_or(bad);
        let text = || string(desc).ok_or(bad);
        match note_type {
            kind::ENTRY => self.entry = Some(num()?),
            kind::HYPERCALL_PAGE => self.hypercall_page = Some(num()?),
            kind::VIRT_BASE => self.virt_base = Some(num()?),
            kind::PADDR_OFFSET => self.paddr_offset = Some(num()?),
            kind::HV_START_LOW => self.hv_start_low = Some(num()?),
            kind::SUSPEND_CANCEL => self.suspend_cancel = Some(num()?),
            kind::INIT_P2M => self.init_p2m = Some(num()?),
            kind::MOD_START_PFN => self.mod_start_pfn = Some(num()?),
            kind::PHYS32_ENTRY => self.phys32_entry = Some(num()?),
            kind::XEN_VERSION => self.xen_version = Some(text()?),
            kind::GUEST_OS => self.guest_os = Some(text()?),
            kind::GUEST_VERSION => self.guest_version = Some(text()?),
            kind::LOADER => self.loader = Some(text()?),
            kind::PAE_MODE => self.pae_mode = Some(text()?),
            kind::BSD_SYMTAB => self.bsd_symtab = text()? == "yes",
            kind::FEATURES => {
                let list = text()?;
                self.feature_bits.add_names(&list)?;
                self.features = Some(list);
            }
            kind::SUPPORTED_FEATURES => {
                // Xen reads the first 32-bit word (XENFEAT_NR_SUBMAPS is 1).
                let word = desc.get(..4).and_then(|w| w.try_into().ok()).ok_or(bad)?;
                let bits = u32::from_le_bytes(word);
                self.feature_bits.supported |= bits;
                self.supported_features = Some(bits);
            }
            kind::L1_MFN_VALID => self.l1_mfn_valid = Some(l1_mfn_valid(desc).ok_or(bad)?),
            _ => {}
        }
        Ok(())
    }
}

/// A numeric note: a little-endian value of 1, 2, 4 or 8 bytes.
fn numeric(desc: &[u8]) -> Option<u64> {
    if ![1, 2, 4, 8].contains(&desc.len()) {
        return None;
    }
    let mut le = [0u8; 8];
    le.get_mut(..desc.len())?.copy_from_slice(desc);
    Some(u64::from_le_bytes(le))
}

/// A string note: UTF-8 bytes up to the first NUL or the end of the descriptor (Linux writes
/// FEATURES with `.ascii`: the padding after the descriptor ends the string for Xen).
fn string(desc: &[u8]) -> Option<String> {
    let end = desc.iter().position(|&b| b == 0).unwrap_or(desc.len());
    let s = core::str::from_utf8(desc.get(..end)?).ok()?;
    Some(String::from(s))
}

/// L1_MFN_VALID: a mask and a value, as two 64-bit or two 32-bit words.
fn l1_mfn_valid(desc: &[u8]) -> Option<L1MfnValid> {
    let word = match desc.len() {
        16 => 8,
        8 => 4,
        _ => return None,
    };
    Some(L1MfnValid {
        mask: numeric(desc.get(..word)?)?,
        value: numeric(desc.get(word..)?)?,
    })
}
