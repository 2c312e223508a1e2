//! `pvgrub-probe DISK [MENU_PATH] [--json]`: what pv-grub would boot from a disk image.
//!
//! Like `pygrub -l`, with pv-grub's own parsers: finds the menu (at `MENU_PATH`, a GRUB file
//! name as in xl's `extra=`, e.g. `(hd0,0)/boot/grub/menu.lst`; else pygrub's search of
//! `/boot/grub/grub.cfg`, ..., `/boot/grub/menu.lst`, ... on each partition), lists its
//! entries, picks the default as pv-grub does, and reads that entry's kernel: format,
//! compression and Xen notes. `--json` prints one object with `entries`, `default` and
//! `kernel`. `--memory MIB` adds the layout (pfns, page tables, start_info) Xen's domain
//! builder would give that kernel and its initrd in a domain of that size.
//!
//! Exit status: 0 when the default kernel is bootable, 1 when the disk, the menu or the
//! kernel is not (the report is still printed if there is a menu), 2 for bad arguments.
//! Errors are printed as text (their `Display`), on stderr and in `--json` error fields.
#![forbid(unsafe_code)]

mod error;
mod file_disk;
mod output;
mod probe;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: pvgrub-probe DISK [MENU_PATH] [--json] [--memory MIB]";

/// The command line.
struct Args {
    disk: PathBuf,
    menu_path: Option<String>,
    json: bool,
    memory_mib: Option<u64>,
}

fn parse_args() -> Result<Args, String> {
    let mut json = false;
    let mut memory_mib = None;
    let mut words = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => json = true,
            "--memory" => {
                let mib = args.next().ok_or("--memory needs a size in MiB")?;
                let mib = mib.parse().map_err(|_| format!("bad memory size {mib}"))?;
                memory_mib = Some(mib);
            }
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            _ => words.push(arg),
        }
    }
    let mut words = words.into_iter();
    let disk = words.next().ok_or("no DISK given")?;
    let menu_path = words.next();
    if words.next().is_some() {
        return Err("too many arguments".into());
    }
    Ok(Args {
        disk: disk.into(),
        menu_path,
        json,
        memory_mib,
    })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("pvgrub-probe: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let report = match probe::probe(&args.disk, args.menu_path.as_deref(), args.memory_mib) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("pvgrub-probe: {}: {e}", args.disk.display());
            return ExitCode::from(1);
        }
    };
    if args.json {
        println!("{}", output::json(&report));
    } else {
        print!("{}", output::text_report(&report));
    }
    if let Some(Err(e)) = &report.layout {
        eprintln!("pvgrub-probe: {}: {e}", args.disk.display());
        return ExitCode::from(1);
    }
    match &report.kernel {
        Some(Ok(_)) => ExitCode::SUCCESS,
        Some(Err(e)) => {
            eprintln!("pvgrub-probe: {}: {e}", args.disk.display());
            ExitCode::from(1)
        }
        None => {
            eprintln!(
                "pvgrub-probe: {}: the menu has no entries",
                args.disk.display()
            );
            ExitCode::from(1)
        }
    }
}
