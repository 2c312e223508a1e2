//! The rig tests: `cargo test -p rig-tests [-- FILTER... | --list]`.
//!
//! To add a test: write `fn NAME(cx: &mut Ctx) -> Result<(), TestError>` in a module here and
//! list it in [`ALL`] with the images it needs and the xenstored flavours it runs under.
#![forbid(unsafe_code)]

mod blk;
mod console;
mod control;
mod cstub;
mod dhcp;
mod echo;
mod events;
mod foundation;
mod grants;
mod net;
mod new;
mod pvgrub;
mod smoke;
mod tftp;
mod vchan;
mod wasm;
mod xenstore;

use std::process::ExitCode;

use rig_tests::Test;

/// Every rig test, in the order they run (host tests first, then per rig boot).
const ALL: &[Test] = &[
    foundation::READNOTES,
    foundation::HELLO,
    new::NEW_BOOTS,
    wasm::ASSEMBLYSCRIPT,
    wasm::FAILING,
    cstub::C_STUBDOM,
    foundation::PANIC,
    smoke::JOBS,
    smoke::DISK_VIF_DURING,
    smoke::REBOOT,
    smoke::TIMEOUT,
    smoke::XL_CONSOLE,
    smoke::XL_CRASH_RETRY,
    smoke::XL_CONFIG_PRESERVE,
    smoke::BOOT_WATCHDOG,
    events::EVENTS,
    control::XSLS_SHUTDOWN,
    control::XSLS_REBOOT,
    xenstore::XSTEST,
    grants::GNTTEST,
    console::CONTEST,
    blk::PATTERN,
    blk::PATTERN_NO_INDIRECT,
    blk::PATTERN_NO_PERSISTENT,
    blk::PATTERN_ONE_PAGE_RING,
    blk::PATTERN_ONE_QUEUE,
    blk::READONLY,
    blk::CDROM,
    blk::DISCARD,
    blk::DETACH,
    net::PING_UDP_ECHO,
    net::DETACH,
    net::TWO_VIFS,
    echo::TCP_64M_AND_UDP,
    echo::DETACH,
    tftp::DHCP_AND_TFTP,
    tftp::DHCP_NO_SERVER,
    dhcp::RENEWAL,
    vchan::SERVER_SMALLEST,
    vchan::SERVER_LARGEST,
    vchan::CLIENT,
    vchan::CLIENT_LARGEST,
    vchan::CLIENT_HOSTILE_NODES,
    vchan::QMP_EXAMPLE,
    pvgrub::EXT4_MBR,
    pvgrub::MEM_128,
    pvgrub::MEM_2G_2CPU,
    pvgrub::GPT,
    pvgrub::WHOLE,
    pvgrub::FAT,
    pvgrub::ISO,
    pvgrub::RAMDISK,
    pvgrub::SEARCH,
    pvgrub::FALLBACK,
    pvgrub::SYNTAX,
    pvgrub::MISSING_MENU,
    pvgrub::CORRUPT_FS,
    pvgrub::TOO_LITTLE_MEMORY,
    pvgrub::INTERACTIVE,
    pvgrub::TFTP_ND,
    pvgrub::OPTION_150,
    pvgrub::FRONTENDS,
    pvgrub::BZ_GZIP,
    pvgrub::BZ_BZIP2,
    pvgrub::BZ_LZMA,
    pvgrub::BZ_LZO,
    pvgrub::BZ_LZ4,
    pvgrub::BZ_ZSTD,
    pvgrub::ELF,
    pvgrub::ELF_GZIP,
    pvgrub::ELF_ZSTD,
];

fn main() -> ExitCode {
    rig_tests::run_all(ALL)
}
