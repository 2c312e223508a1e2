//! pv-grub boots Debian's kernel in a 128 MiB domain: loading it (streamed from a file,
//! unpacked as read) must fit in what such a domain's heap has. Measured on Debian's
//! bzImage (xz payload, 32 MiB dictionary) and on the whole vmlinux compressed by each tool
//! at Linux's own settings (image_support::tool). The formats whose decoder keeps a window
//! apart from the output need the window on top of the ELF: `lzma -9` (64 MiB) and
//! `zstd -22 --ultra` (a window as large as the file) do not fit 128 MiB; their budget is
//! the ELF, the window and 32 MiB.

mod budget;
mod image_support;

use image_support as s;
use pvgrub::decompress::Compression;
use pvgrub::image::{load_from, Limits};
use pvgrub::io::Source;

/// A file read front to back, as pv-grub reads one from a disk.
struct FileSource(std::fs::File);

impl Source for FileSource {
    type Error = std::io::Error;

    fn read(&mut self, buf: &mut [u8]) -> Result<usize, std::io::Error> {
        std::io::Read::read(&mut self.0, buf)
    }
}

/// The most heap one load may take: pv-grub's heap in a 128 MiB domain (118 MiB once the
/// frame pool kept only 8 MiB) less the disk cache and the rest of pv-grub (2 MiB).
const BUDGET: usize = 116 << 20;

fn peak_of(path: &std::path::Path) -> usize {
    let file = std::fs::File::open(path).unwrap();
    let len = file.metadata().unwrap().len();
    let (image, cost) = budget::measure(|| load_from(FileSource(file), len, &Limits::DEFAULT));
    let image = image.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    eprintln!(
        "{}: ELF {} bytes, heap peak {} MiB",
        path.display(),
        image.elf.len(),
        cost.peak_heap >> 20
    );
    cost.peak_heap
}

#[test]
fn debian_kernel_loads_within_a_128m_domain() {
    let _only = budget::exclusive();
    let peak = peak_of(&s::vmlinuz_path());
    assert!(
        peak <= BUDGET,
        "Debian's bzImage: peak {} MiB over {} MiB",
        peak >> 20,
        BUDGET >> 20
    );
    for c in Compression::ALL.iter().copied() {
        let budget = match c {
            Compression::Lzma | Compression::Zstd => (66 + 64 + 32) << 20,
            _ => BUDGET,
        };
        let peak = peak_of(&s::compressed_vmlinux(c));
        assert!(
            peak <= budget,
            "{}: peak {} MiB over {} MiB",
            c.name(),
            peak >> 20,
            budget >> 20
        );
    }
}
