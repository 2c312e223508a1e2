//! The body of every pv-grub fuzz target, by name. Shared by the cargo-fuzz binaries and by
//! `pvgrub/tests/fuzz_corpora.rs`, which replays the saved corpora on the host.

#[path = "boot.rs"]
mod boot;

/// Every target name, as used for `fuzz_targets/NAME.rs` and `corpus/NAME/`.
#[allow(dead_code)] // read by the corpus replay test; each fuzz binary runs one target
pub const TARGETS: &[&str] = &[
    "menu_lst", "grub_cfg", "mbr", "gpt", "ext4", "fat", "iso9660", "elf", "bzimage", "gzip",
    "bzip2", "lzma", "xz", "lzo", "lz4", "zstd", "boot",
];

/// Counts the heap, so that each input's peak can be held to [`heap_budget`]. (libFuzzer's
/// own buffers and in-memory corpus are C++ allocations and not counted.)
#[global_allocator]
static HEAP: peak_alloc::PeakAlloc = peak_alloc::PeakAlloc;

/// The most heap one input of `len` bytes may use at once: the largest kernel bounds the
/// targets allow (the `boot` target: 32 MiB of output, an 8 MiB window and a 1 MiB initrd)
/// plus 8 times the input (the disk copied once, caches, a parsed menu).
fn heap_budget(len: usize) -> usize {
    (48 << 20) + 8 * len
}

/// Runs the target `name` on `data`. Parsers must return errors, never panic or hang, and an
/// input's heap peak stays within [`heap_budget`]. Every log record is formatted and [`shown`].
#[allow(dead_code)] // the fuzz binaries' entry; the corpus replay test calls `measured`
pub fn run(name: &str, data: &[u8]) {
    measured(name, data);
}

/// [`run`], returning the input's heap peak in bytes.
pub fn measured(name: &str, data: &[u8]) -> usize {
    if log::set_logger(&ShownLogger).is_ok() {
        log::set_max_level(log::LevelFilter::Trace);
    }
    let base = HEAP.current_usage();
    HEAP.reset_peak_usage();
    dispatch(name, data);
    let peak = HEAP.peak_usage().saturating_sub(base);
    assert!(
        peak <= heap_budget(data.len()),
        "{name}: heap peak {peak} bytes for a {}-byte input, over the budget of {}",
        data.len(),
        heap_budget(data.len())
    );
    peak
}

/// The target `name`'s work on `data`.
fn dispatch(name: &str, data: &[u8]) {
    match name {
        "menu_lst" => menu(data, pvgrub::menu::MenuFormat::MenuLst),
        "grub_cfg" => menu(data, pvgrub::menu::MenuFormat::GrubCfg),
        "mbr" | "gpt" => partition_table(data),
        "ext4" => filesystem(pvgrub::fs::Ext4Fs::open(disk(data))),
        "fat" => filesystem(pvgrub::fs::FatFs::open(disk(data))),
        "iso9660" => filesystem(pvgrub::fs::IsoFs::open(disk(data))),
        "elf" | "bzimage" => kernel_image(data),
        "gzip" => decompress(pvgrub::decompress::Compression::Gzip, data),
        "bzip2" => decompress(pvgrub::decompress::Compression::Bzip2, data),
        "lzma" => decompress(pvgrub::decompress::Compression::Lzma, data),
        "xz" => decompress(pvgrub::decompress::Compression::Xz, data),
        "lzo" => decompress(pvgrub::decompress::Compression::Lzo, data),
        "lz4" => decompress(pvgrub::decompress::Compression::Lz4, data),
        "zstd" => decompress(pvgrub::decompress::Compression::Zstd, data),
        "boot" => boot::run(data),
        _ => panic!("unknown fuzz target {name}"),
    }
}

/// Checks that `message` (an error, a log record, a name from the disk) is shown safely:
/// nothing in its `Display` is a control or invisible character (see `pvgrub::text`).
fn shown(message: &dyn std::fmt::Display) {
    let text = message.to_string();
    let escaped = pvgrub::text::escape_controls(&text).to_string();
    assert_eq!(text, escaped, "shown unescaped");
}

/// A logger that formats every record and checks it is [`shown`] escaped.
struct ShownLogger;

impl log::Log for ShownLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        shown(record.args());
    }
    fn flush(&self) {}
}

/// menu_lst, grub_cfg: parse a menu, pick the entries to boot, render every entry, and read
/// the first line as a pv-grub command line and the data as saved-default files.
fn menu(data: &[u8], format: pvgrub::menu::MenuFormat) {
    use pvgrub::menu::{grubenv_saved_entry, saved_default_value, Menu, MenuLocation};
    let first_line = data.split(|&b| b == b'\n').next().unwrap_or(data);
    if let Ok(location) = MenuLocation::from_cmdline(first_line, data.len().is_multiple_of(2)) {
        let _ = (
            location.to_string(),
            location.format(),
            location.needs_dhcp(),
        );
    }
    let saved = saved_default_value(data);
    let env_saved = grubenv_saved_entry(data);
    if let Ok(menu) = Menu::parse(data, format) {
        let order = menu.boot_order(saved);
        assert!(order.iter().all(|&i| i < menu.entries.len()));
        assert_eq!(menu.default_index(saved), order.first().copied());
        if let Some(name) = env_saved {
            let _ = menu.find_entry(&name);
        }
        for entry in &menu.entries {
            let _ = (
                entry.title.len(),
                entry.root.as_ref().map(|d| d.to_string()),
            );
            let _ = (entry.kernel.as_ref().map(|k| k.to_string()), entry.initrd());
            let _ = (entry.title.to_string(), entry.args.to_string());
            let _: Vec<String> = entry.initrds.iter().map(|f| f.to_string()).collect();
            let _ = entry.modules.iter().count() + entry.submenus().count();
            let _ = menu.find_entry(&entry.title);
        }
    }
}

/// A disk holding a copy of the fuzz input (ext4-view wants a device it can own).
fn disk(data: &[u8]) -> pvgrub::disk::MemDisk {
    pvgrub::disk::MemDisk::new(data.to_vec())
}

/// mbr, gpt: read the partition table (both targets enter here; the protective MBR decides,
/// and their seed corpora differ), locate partitions 0-7 with 512- and 4096-byte sectors, and
/// probe each window for a filesystem.
fn partition_table(data: &[u8]) {
    use pvgrub::disk::{locate, BlockDevice, MemDisk, Partition, PartitionTable};
    for sector_size in [512, 4096] {
        let Some(mut disk) = MemDisk::with_sector_size(data, sector_size) else {
            continue;
        };
        if let Ok(table) = PartitionTable::read(&mut disk) {
            for entry in table.entries() {
                let _ = (table.get(entry.number), entry.window().end());
            }
        }
        for number in 0..8 {
            if let Ok(window) = locate(&mut disk, Some(number)) {
                assert!(window.end().is_some_and(|end| end <= disk.size()));
                let mut part = Partition::new(&mut disk, window).expect("located window fits");
                let _ = pvgrub::fs::probe(&mut part);
            }
        }
    }
}

/// ext4, fat, iso9660: mount, then list and read a bounded part of the tree (three levels,
/// a few hundred operations, files capped at 1 MiB) plus the paths pv-grub looks for.
fn filesystem<F: pvgrub::fs::FileSystem>(mounted: Result<F, pvgrub::fs::FsError>) {
    const CAP: usize = 1 << 20;
    let Ok(mut fs) = mounted else { return };
    let mut budget = 300u32;
    let mut dirs = vec![(b"/".to_vec(), 0u32)];
    while let Some((dir, depth)) = dirs.pop() {
        let Ok(entries) = fs.read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                return;
            }
            let mut path = dir.clone();
            if !path.ends_with(b"/") {
                path.push(b'/');
            }
            path.extend_from_slice(&entry.name);
            match entry.kind {
                pvgrub::fs::NodeKind::Dir if depth < 3 => dirs.push((path, depth + 1)),
                _ => read_checked(&mut fs, &path, CAP),
            }
        }
    }
    for path in [
        &b"/boot/grub/menu.lst"[..],
        b"/boot/grub/grub.cfg",
        b"/boot/vmlinuz.link",
        b"vmlinuz",
    ] {
        read_checked(&mut fs, path, CAP);
    }
}

/// Reads `path`; a successful read must agree with the metadata and the cap.
fn read_checked<F: pvgrub::fs::FileSystem>(fs: &mut F, path: &[u8], cap: usize) {
    if let Ok(bytes) = fs.read_file(path, cap) {
        assert!(bytes.len() <= cap);
        if let Ok(meta) = fs.metadata(path) {
            assert_eq!(
                meta.len,
                bytes.len() as u64,
                "{}",
                pvgrub::text::escape(path)
            );
        }
    }
}

/// Small bounds for the kernel-image and decompressor targets: every input stays fast.
const IMAGE_LIMITS: pvgrub::image::Limits = pvgrub::image::Limits {
    decompress: pvgrub::decompress::Limits {
        max_output: 4 << 20,
        max_window: 4 << 20,
    },
    max_span: 64 << 20,
};

/// elf, bzimage: load a kernel file (ELF, bzImage or compressed ELF; the seed corpora differ)
/// and check what a loaded image promises: segments inside the ELF, entry inside the kernel.
fn kernel_image(data: &[u8]) {
    let Ok(k) = pvgrub::image::load(data, &IMAGE_LIMITS) else {
        return;
    };
    check_kernel(&k, &IMAGE_LIMITS);
    if let Some(setup) = k.setup {
        let _ = setup.version_string(data);
    }
}

/// What a loaded image promises: segments inside the ELF, entry inside the kernel, the span
/// within `limits`.
fn check_kernel(k: &pvgrub::image::KernelImage<'_>, limits: &pvgrub::image::Limits) {
    for seg in &k.segments {
        assert_eq!(k.segment_bytes(seg).len() as u64, seg.filesz);
        assert!(seg.filesz <= seg.memsz);
    }
    let p = k.params;
    assert!(p.virt_kstart <= p.virt_entry && p.virt_entry <= p.virt_kend);
    assert!(p.paddr_end - p.paddr_start <= limits.max_span);
}

/// gzip ... zstd: decode one stream within small limits; output never exceeds the cap.
fn decompress(format: pvgrub::decompress::Compression, data: &[u8]) {
    let limits = IMAGE_LIMITS.decompress;
    if let Ok(out) = pvgrub::decompress::decompress(format, data, &limits) {
        assert!(out.len() <= limits.max_output);
    }
}
