//! `pvgrub-probe DISK [MENU_PATH] [--json]`: what pv-grub would boot from a disk image.

fn main() {
    eprintln!("pvgrub-probe: not built yet");
    std::process::exit(2);
}
