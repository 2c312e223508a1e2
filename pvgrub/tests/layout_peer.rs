//! pvgrub::layout against Xen's own domain builder: Debian's libxenguest 4.17 (package
//! libxen-dev) runs on the host in `layout_support/peer.c`, on the same kernels (Debian's
//! real vmlinuz, and ELF kernels written here with chosen notes), memory sizes, modules and
//! command lines. Every segment, pfn, page-table entry and start_info byte must be equal.

#[path = "layout_support/elf.rs"]
mod elf;
#[path = "image_support/fetch.rs"]
mod fetch;
#[path = "layout_support/peer.rs"]
mod peer;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use elf::{Desc, XenElf};
use proptest::prelude::*;
use pvgrub::image;
use pvgrub::layout::{
    builder_module_len, DomainConfig, KernelPlacement, Layout, SIF_VIRT_P2M_4TOOLS,
};

const LINUX_BASE: u64 = 0xffff_ffff_8000_0000;

/// A Xen note: type and value.
type Note = (u32, Desc);
/// pvgrub::image's view of a kernel file.
type Placed = Result<KernelPlacement, String>;

/// Writes `bytes` to a fresh file in the scratch directory.
fn write_scratch(name: &str, bytes: &[u8]) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let path = peer::scratch().join(format!("{}-{n}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

/// What pvgrub::image makes of a kernel file.
fn placement(kernel: &[u8]) -> Placed {
    let image = image::load(kernel, &image::Limits::DEFAULT).map_err(|e| e.to_string())?;
    Ok(KernelPlacement::from_image(&image))
}

/// Our layout, with the module length as the builder places it.
fn ours(kernel: &Placed, module: Option<&Path>, nr_pages: u64) -> Result<Layout, String> {
    let module_len = module.map(|m| builder_module_len(&std::fs::read(m).unwrap()));
    let dom = DomainConfig {
        nr_pages,
        module_len,
        flags: SIF_VIRT_P2M_4TOOLS,
    };
    Layout::new(kernel.as_ref()?, &dom).map_err(|e| e.to_string())
}

/// Runs both on a kernel file (`placed` is pvgrub::image's view of it) and compares; returns
/// whether the domain could be built.
fn check(
    (kernel, placed): (&Path, &Placed),
    module: Option<&Path>,
    nr_pages: u64,
    cmdline: &str,
) -> bool {
    let peer = peer::run(kernel, module, nr_pages, cmdline);
    let ours = ours(placed, module, nr_pages);
    match (&peer, &ours) {
        (Ok(p), Ok(o)) => {
            peer::assert_same(p, o, cmdline);
            true
        }
        (Err(_), Err(_)) => false,
        (Err(e), Ok(o)) => panic!("libxenguest refused ({e}) but we laid out {o:#x?}"),
        (Ok(_), Err(e)) => panic!("libxenguest built the domain but we refused: {e}"),
    }
}

fn real_vmlinuz() -> PathBuf {
    fetch::kernel_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("..")).join("vmlinuz")
}

#[test]
fn debian_vmlinuz_matches_libxenguest() {
    let kernel = real_vmlinuz();
    let placed = placement(&std::fs::read(&kernel).unwrap());
    // What Debian 12's kernel asks for (the modern Linux notes).
    let p = placed.as_ref().unwrap();
    assert_eq!(p.virt_base, LINUX_BASE);
    assert!(p.unmapped_module && p.p2m_base.is_some());

    let raw: Vec<u8> = (0..5_000_000u32).map(|i| (i % 253) as u8).collect();
    let raw_path = write_scratch("initrd", &raw);
    let gz = Command::new("gzip")
        .arg("-kc")
        .arg(&raw_path)
        .output()
        .unwrap();
    assert!(gz.status.success(), "gzip must be installed");
    let gz_path = write_scratch("initrd.gz", &gz.stdout);
    let cmdline = "root=/dev/xvda1 ro console=hvc0 quiet";
    let (raw, gz) = (Some(raw_path.as_path()), Some(gz_path.as_path()));
    // Half the kernel's own size (whatever this kernel's is), then 128 MiB to 4 GiB.
    let kernel_pages = (p.end - p.start) / 4096;
    let runs = [
        (kernel_pages / 2, raw),
        (32768, None),
        (32768, gz),
        (131072, raw),
        (524288, gz),
        (1 << 20, None),
    ];
    for &(nr_pages, module) in &runs {
        let built = check((&kernel, &placed), module, nr_pages, cmdline);
        // Less memory than the kernel can never do; twice the kernel and its module (5 MB)
        // always does. In between, libxenguest decides, and check() holds us to it.
        if nr_pages < kernel_pages {
            assert!(
                !built,
                "{nr_pages} pages built a {kernel_pages}-page kernel"
            );
        }
        if nr_pages >= 2 * kernel_pages + 2048 {
            assert!(
                built,
                "{nr_pages} pages failed a {kernel_pages}-page kernel"
            );
        }
    }
}

/// Writes a kernel file with these notes; returns it with pvgrub::image's view of it.
fn synthetic(vaddr: u64, paddr: u64, memsz: u64, extra: &[Note]) -> (PathBuf, Placed) {
    let bytes = XenElf::linux_like(vaddr, paddr, memsz, extra).build();
    (write_scratch("kernel", &bytes), placement(&bytes))
}

#[test]
fn chosen_kernels_match_libxenguest() {
    use elf::{ENTRY, HYPERCALL_PAGE, INIT_P2M, MOD_START_PFN, PADDR_OFFSET, VIRT_BASE};
    let initrd = write_scratch("initrd", &vec![0x55; 3 << 20]);
    let gz = Command::new("gzip")
        .arg("-kc")
        .arg(&initrd)
        .output()
        .unwrap();
    assert!(gz.status.success(), "gzip must be installed");
    let initrd_gz = write_scratch("initrd.gz", &gz.stdout);
    let long_cmdline = "x".repeat(1500);
    let cases: Vec<(&str, (PathBuf, Placed))> = vec![
        // Mini-OS: linked at 0, no VIRT_BASE, hypercall page inside.
        (
            "minios",
            synthetic(0, 0, 0x2_3456, &[(HYPERCALL_PAGE, Desc::U64(0x2000))]),
        ),
        // Older Linux: mapped p2m and module, hypercall page.
        (
            "linux-2.6",
            synthetic(
                LINUX_BASE + 0x20_0000,
                0x20_0000,
                0x80_1234,
                &[
                    (VIRT_BASE, Desc::U64(LINUX_BASE)),
                    (PADDR_OFFSET, Desc::U64(0)),
                    (ENTRY, Desc::U64(LINUX_BASE + 0x20_0000)),
                    (HYPERCALL_PAGE, Desc::U64(LINUX_BASE + 0x20_1000)),
                ],
            ),
        ),
        // PADDR_OFFSET equal to VIRT_BASE (physical addresses are the virtual ones).
        (
            "paddr=vaddr",
            synthetic(
                LINUX_BASE + 0x100_0000,
                LINUX_BASE + 0x100_0000,
                0x30_0000,
                &[
                    (VIRT_BASE, Desc::U64(LINUX_BASE)),
                    (PADDR_OFFSET, Desc::U64(LINUX_BASE)),
                ],
            ),
        ),
        // Modern Linux notes on a kernel not 2 MiB aligned.
        (
            "modern",
            synthetic(
                LINUX_BASE + 0x12_3000,
                0x12_3000,
                0x41_0001,
                &[
                    (VIRT_BASE, Desc::U64(LINUX_BASE)),
                    (INIT_P2M, Desc::U64(0x80_0000_0000)),
                    (MOD_START_PFN, Desc::U64(1)),
                ],
            ),
        ),
        // INIT_P2M not page aligned, and INIT_P2M above VIRT_BASE: both ignored.
        (
            "p2m-unaligned",
            synthetic(
                0x40_0000,
                0,
                0x10_0000,
                &[
                    (VIRT_BASE, Desc::U64(0x40_0000)),
                    (INIT_P2M, Desc::U64(0x1234)),
                ],
            ),
        ),
        (
            "p2m-above",
            synthetic(
                0x40_0000,
                0,
                0x10_0000,
                &[
                    (VIRT_BASE, Desc::U64(0x40_0000)),
                    (INIT_P2M, Desc::U64(0x8000_0000)),
                ],
            ),
        ),
        // The p2m list in the range of the initial mapping's L1: the builder fails.
        (
            "p2m-in-initial-l1",
            synthetic(
                0x2_7000,
                0,
                0x1000,
                &[
                    (VIRT_BASE, Desc::U64(0x2_7000)),
                    (INIT_P2M, Desc::U64(0x1000)),
                ],
            ),
        ),
        // A low VIRT_BASE with the p2m list just below it, sharing its L3 and L2 tables.
        (
            "p2m-shares-tables",
            synthetic(
                0x4000_0000,
                0,
                0x20_0000,
                &[
                    (VIRT_BASE, Desc::U64(0x4000_0000)),
                    (INIT_P2M, Desc::U64(0x3000_0000)),
                ],
            ),
        ),
    ];
    for (name, (kernel, placed)) in &cases {
        let cmdlines = ["", "console=hvc0", long_cmdline.as_str()];
        for nr_pages in [2048, 16384, 262144] {
            let modules = [None, Some(initrd.as_path()), Some(initrd_gz.as_path())];
            for (module, cmdline) in modules.into_iter().zip(cmdlines) {
                eprintln!("{name}: {nr_pages} pages, module {module:?}");
                check((kernel, placed), module, nr_pages, cmdline);
            }
        }
    }
}

/// The end of the initial mapping moves in 4 MiB steps, when the kernel plus the tables, the
/// stack and 512 KiB of padding cross a boundary: one page more or less in any of those
/// shows at such an edge. Find edges by growing the kernel a page at a time, then check the
/// page before, at and after each edge against the builder.
#[test]
fn mapping_end_edges_match_libxenguest() {
    use elf::{INIT_P2M, MOD_START_PFN, VIRT_BASE};
    let initrd = write_scratch("initrd", &vec![0x55; 0x12_3456]);
    let modern = [
        (VIRT_BASE, Desc::U64(LINUX_BASE)),
        (INIT_P2M, Desc::U64(0x80_0000_0000)),
        (MOD_START_PFN, Desc::U64(1)),
    ];
    let old = [(VIRT_BASE, Desc::U64(LINUX_BASE))];
    let configs: [(&[Note], Option<&Path>, u64); 4] = [
        (&modern, None, 65536),
        (&modern, Some(&initrd), 262144),
        (&old, None, 65536),
        (&old, Some(&initrd), 262144),
    ];
    for (extra, module, nr_pages) in configs {
        let v_end_for = |memsz: u64| {
            let image = XenElf::linux_like(LINUX_BASE + 0x100_0000, 0x100_0000, memsz, extra);
            ours(&placement(&image.build()), module, nr_pages)
                .unwrap()
                .v_end
        };
        let mut edges = Vec::new();
        let mut memsz = 0x40_0000;
        let mut last = v_end_for(memsz);
        while edges.len() < 3 {
            memsz += 0x1000;
            let v_end = v_end_for(memsz);
            if v_end != last {
                edges.push(memsz);
                last = v_end;
            }
        }
        for edge in edges {
            for memsz in [edge - 0x1000, edge - 1, edge, edge + 0x1000] {
                let (kernel, placed) = synthetic(LINUX_BASE + 0x100_0000, 0x100_0000, memsz, extra);
                assert!(check((&kernel, &placed), module, nr_pages, "console=hvc0"));
            }
        }
    }
}

/// Parameters of a random kernel and domain.
#[derive(Debug, Clone)]
struct Case {
    virt_base: u64,
    kernel_off: u64,
    memsz: u64,
    paddr_is_vaddr: bool,
    entry_off: u64,
    hypercall_off: Option<u64>,
    init_p2m: Option<u64>,
    mod_start_pfn: bool,
    module_len: Option<u64>,
    nr_pages: u64,
}

fn cases() -> impl Strategy<Value = Case> {
    let base = prop_oneof![
        Just(0u64),
        Just(LINUX_BASE),
        Just(0xffff_8800_0000_0000u64),
        (1u64..0x4_0000).prop_map(|p| p << 12),
        (1u64..0x80_0000).prop_map(|p| p << 21),
    ];
    (
        base,
        (0u64..0x4000).prop_map(|p| p << 12),
        0x1000u64..0x300_0000,
        any::<bool>(),
        any::<(u64, Option<u64>)>(),
        prop_oneof![
            Just(None),
            Just(Some(0x80_0000_0000u64)),
            any::<u64>().prop_map(Some)
        ],
        any::<bool>(),
        prop::option::of(1u64..0x80_0000),
        prop_oneof![256u64..0x4000, 0x4000u64..0x10_0000],
    )
        .prop_map(
            |(
                virt_base,
                kernel_off,
                memsz,
                paddr_is_vaddr,
                (e, hc),
                p2m,
                msp,
                module_len,
                nr_pages,
            )| {
                Case {
                    virt_base,
                    kernel_off,
                    memsz,
                    paddr_is_vaddr,
                    entry_off: e % memsz,
                    hypercall_off: hc.map(|h| (h % memsz) & !0xfff),
                    // Mostly below VIRT_BASE (used), sometimes anywhere (ignored or refused).
                    init_p2m: p2m.map(|p| match virt_base {
                        0 => p,
                        b if p % 4 != 0 => (p % b) & !0xfff,
                        _ => p & !0xfff,
                    }),
                    mod_start_pfn: msp,
                    module_len,
                    nr_pages,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_kernels_match_libxenguest(c in cases()) {
        use elf::{ENTRY, HYPERCALL_PAGE, INIT_P2M, MOD_START_PFN, PADDR_OFFSET, VIRT_BASE};
        let vaddr = c.virt_base.wrapping_add(c.kernel_off);
        let (paddr, paddr_offset) = if c.paddr_is_vaddr { (vaddr, c.virt_base) } else { (c.kernel_off, 0) };
        let mut extra = vec![
            (VIRT_BASE, Desc::U64(c.virt_base)),
            (PADDR_OFFSET, Desc::U64(paddr_offset)),
            (ENTRY, Desc::U64(vaddr + c.entry_off)),
        ];
        if let Some(h) = c.hypercall_off {
            extra.push((HYPERCALL_PAGE, Desc::U64(vaddr + h)));
        }
        if let Some(p) = c.init_p2m {
            extra.push((INIT_P2M, Desc::U64(p)));
        }
        extra.push((MOD_START_PFN, Desc::U64(u64::from(c.mod_start_pfn))));
        let (kernel, placed) = synthetic(vaddr, paddr, c.memsz, &extra);
        let module = c.module_len.map(|len| write_scratch("module", &vec![0x55; len as usize]));
        check((&kernel, &placed), module.as_deref(), c.nr_pages, "console=hvc0");
        std::fs::remove_file(kernel).unwrap();
        if let Some(m) = module {
            std::fs::remove_file(m).unwrap();
        }
    }
}
