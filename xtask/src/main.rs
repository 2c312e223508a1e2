//! `cargo xtask`: the project's build and run driver.
//!
//! - `cargo xtask build NAME | --all`: build guest images into `target/images/NAME.gz`.
//! - `cargo xtask run NAME [...]`: boot an image on the Xen-in-QEMU rig (or `--host` Xen).
//! - `cargo xtask new NAME [--path DIR]`: a new stubdom crate that builds and boots as is.
//! - `cargo xtask check`: the static checks (unsafe-code audit, rustfmt, clippy).
//! - `cargo xtask test`: the checks, the host tests, the rig tests.
//! - `cargo xtask bench blk`: blkfront against Linux's on the rig (`target/bench/blk.md`).
//! - `cargo xtask bench tftp`: TFTP with options against plain, per dom0 server
//!   (`target/bench/tftp.md`).
//! - `cargo xtask bench tcp [--linux-only]`: TCP echo throughput of the echo stubdom against
//!   a Linux PV domU with socat, per netfront feature (`target/bench/tcp.md`).
#![forbid(unsafe_code)]

use xtask::{bench, build, check, rig};

use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage:\n  cargo xtask build NAME | --all\n  cargo xtask run NAME [--disk IMG] [--ramdisk FILE] [--extra STR] [--xl-config FILE] [--host]\n  cargo xtask new NAME [--path DIR] [--lang rust]\n  cargo xtask check\n  cargo xtask test\n  cargo xtask bench blk | tftp | tcp [--linux-only]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((cmd, rest)) = args.split_first() else {
        return usage();
    };
    let result = match cmd.as_str() {
        "build" => build::cmd(rest),
        "run" => rig::cli::run(rest).map_err(|e| e.to_string()),
        "check" => check::cmd(rest).map_err(|e| e.to_string()),
        "test" => rig::cli::test(rest).map_err(|e| e.to_string()),
        "bench" => bench::cmd(rest),
        "new" => xtask::new::cmd(rest),
        _ => return usage(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
