//! `pvgrub-probe DISK [MENU_PATH] [--json] [--memory MIB] [-q | -v | -vv]`: what pv-grub
//! would boot from a disk image.
//!
//! Like `pygrub -l`, with pv-grub's own parsers: finds the menu (at `MENU_PATH`, a GRUB file
//! name as in xl's `extra=`, e.g. `(hd0,0)/boot/grub/menu.lst`; else pygrub's search of
//! `/boot/grub/grub.cfg`, ..., `/boot/grub/menu.lst`, ... on each partition), lists its
//! entries, picks the default as pv-grub does, and reads that entry's kernel: format,
//! compression and Xen notes. `--json` prints one object with `entries`, `default` and
//! `kernel`. `--memory MIB` adds the layout (pfns, page tables, start_info) Xen's domain
//! builder would give that kernel and its initrd in a domain of that size.
//!
//! What pvgrub warns about while it reads the disk (a corrupt primary GPT header and the
//! backup used instead, logical partitions past the limit, partitions the menu search passed
//! over, menu commands ignored) is printed on stderr as `pvgrub-probe: warning: ...`; `-v`
//! adds info messages, `-vv` debug ones, `-q` leaves warnings out (errors are still printed).
//!
//! Exit status: 0 when the default kernel is bootable, 1 when the disk, the menu or the
//! kernel is not (the report is still printed if there is a menu), 2 for bad arguments.
//! Errors are printed as text (their `Display`), on stderr and in `--json` error fields.
//!
//! Everything read from the disk is printed escaped ([`pvgrub::text`]): on stdout, on stderr
//! and in the JSON's strings, a control character or a byte that is not UTF-8 is shown as
//! `\x1b`, `\xff`, ..., so a hostile disk cannot drive the terminal of whoever runs the probe.
#![forbid(unsafe_code)]

mod error;
mod file_disk;
mod logger;
mod output;
mod probe;

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::ExitCode;

use pvgrub::text::escape;

use crate::error::ProbeError;

const USAGE: &str = "usage: pvgrub-probe DISK [MENU_PATH] [--json] [--memory MIB] [-q | -v | -vv]";

const HELP: &str = "\
What pv-grub would boot from the disk image (or block device) DISK.
  MENU_PATH     the menu, a GRUB file name as in xl's extra=, e.g.
                (hd0,0)/boot/grub/menu.lst (default: pygrub's search of the partitions)
  --json        print the report as one JSON object
  --memory MIB  also lay out a domain of MIB MiB for the default entry's kernel
  -q, --quiet   print no warnings, only errors
  -v, -vv       also print info (-v), and debug (-vv), messages
Exit status: 0 if the default entry can be booted, 1 if not, 2 for bad arguments.";

/// The command line.
struct Args {
    disk: PathBuf,
    menu_path: Option<String>,
    json: bool,
    memory_mib: Option<u64>,
    /// -1 with `-q`, 1 with `-v`, 2 with `-vv`, ...
    verbosity: i32,
}

/// An argument as shown in a message: escaped.
fn shown(arg: &OsString) -> String {
    escape(arg.as_bytes()).to_string()
}

fn parse_args() -> Result<Args, String> {
    let mut json = false;
    let mut memory_mib = None;
    let mut verbosity = 0;
    let mut words = Vec::new();
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_bytes() {
            b"--json" => json = true,
            b"--memory" => {
                let mib = args.next().ok_or("--memory needs a size in MiB")?;
                let size = mib.to_str().and_then(|m| m.parse().ok());
                memory_mib = Some(size.ok_or_else(|| format!("bad memory size {}", shown(&mib)))?);
            }
            b"-q" | b"--quiet" => verbosity -= 1,
            b"--verbose" => verbosity += 1,
            [b'-', b'v', rest @ ..] if rest.iter().all(|&b| b == b'v') => {
                verbosity += i32::try_from(rest.len() + 1).unwrap_or(i32::MAX);
            }
            b"-h" | b"--help" => return Err(String::new()),
            [b'-', _, ..] => return Err(format!("unknown option {}", shown(&arg))),
            _ => words.push(arg),
        }
    }
    let mut words = words.into_iter();
    let disk = words.next().ok_or("no DISK given")?;
    let menu_path = words
        .next()
        .map(|p| {
            p.into_string()
                .map_err(|p| format!("MENU_PATH {} is not UTF-8", shown(&p)))
        })
        .transpose()?;
    if words.next().is_some() {
        return Err("too many arguments".into());
    }
    Ok(Args {
        disk: disk.into(),
        menu_path,
        json,
        memory_mib,
        verbosity,
    })
}

/// Prints `message` about the disk on stderr: `pvgrub-probe: DISK: message`.
fn disk_error(args: &Args, message: &str) {
    eprintln!(
        "pvgrub-probe: {}: {message}",
        escape(args.disk.as_os_str().as_bytes())
    );
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) if e.is_empty() => {
            println!("{USAGE}\n{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("pvgrub-probe: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    logger::init(logger::level(args.verbosity));
    let report = match probe::probe(&args.disk, args.menu_path.as_deref(), args.memory_mib) {
        Ok(r) => r,
        // Its text names the disk already.
        Err(e @ ProbeError::Open(..)) => {
            eprintln!("pvgrub-probe: {}", output::error_text(&e));
            return ExitCode::from(1);
        }
        Err(e) => {
            disk_error(&args, &output::error_text(&e));
            return ExitCode::from(1);
        }
    };
    if args.json {
        println!("{}", output::json(&report));
    } else {
        print!("{}", output::text_report(&report));
    }
    if let Some(Err(e)) = &report.layout {
        disk_error(&args, &output::error_text(e));
        return ExitCode::from(1);
    }
    match &report.kernel {
        Some(Ok(_)) => ExitCode::SUCCESS,
        Some(Err(e)) => {
            disk_error(&args, &output::error_text(e));
            ExitCode::from(1)
        }
        None => {
            disk_error(
                &args,
                &format!("{}: the menu has no entries", report.menu_at),
            );
            ExitCode::from(1)
        }
    }
}
