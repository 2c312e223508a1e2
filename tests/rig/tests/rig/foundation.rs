//! Issue 2's "must show": hello powers off with its greeting, a panic is reported as a crash
//! with its text and location, and Xen's readnotes lists our ELF notes.

use std::process::Command;

use rig_tests::rig::{GuestSpec, Outcome, Reason};
use rig_tests::{check, elf, image, output_of, Ctx, Needs, Test, TestError, Xenstored};

/// readnotes (xen-utils-4.17, run on the host) lists every note of hello.gz.
pub const READNOTES: Test = Test {
    name: "readnotes_lists_hello_notes",
    needs: Needs::Host,
    images: &["hello"],
    run: readnotes,
};

/// hello on real Xen: greeting, domid, command line, poweroff (under both xenstoreds).
pub const HELLO: Test = Test {
    name: "hello_prints_greeting_and_powers_off",
    needs: Needs::Rig(&[Xenstored::C, Xenstored::Ocaml]),
    images: &["hello"],
    run: hello,
};

/// The panic image: crash, with the panic message and its source location on the console.
pub const PANIC: Test = Test {
    name: "panic_is_reported_as_crash",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["panic"],
    run: panic,
};

fn readnotes(cx: &mut Ctx) -> Result<(), TestError> {
    let image = image("hello");
    let out = output_of(cx.bootset().xen_tool("readnotes")?.arg(&image))?;
    let note = |key: &str| -> Option<String> {
        out.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == key).then(|| v.trim().to_string())
        })
    };
    for key in [
        "GUEST_OS",
        "XEN_VERSION",
        "LOADER",
        "VIRT_BASE",
        "PADDR_OFFSET",
        "ENTRY",
        "HYPERCALL_PAGE",
        "FEATURES",
    ] {
        check!(note(key).is_some(), "readnotes does not list {key}:\n{out}");
    }
    check!(
        note("XEN_VERSION").as_deref() == Some("xen-3.0"),
        "XEN_VERSION is not xen-3.0:\n{out}"
    );
    check!(
        note("LOADER").as_deref() == Some("generic"),
        "LOADER is not generic:\n{out}"
    );
    // ENTRY agrees with the entry point binutils reads from the same (unzipped) ELF.
    let header = output_of(Command::new("readelf").arg("-h").arg(elf("hello")))?;
    let elf_entry = header
        .lines()
        .find_map(|l| l.trim().strip_prefix("Entry point address:"))
        .and_then(|v| parse_number(v.trim()));
    let note_entry = note("ENTRY").and_then(|v| parse_number(v.split_whitespace().next()?));
    check!(
        elf_entry.is_some() && elf_entry == note_entry,
        "ENTRY note {note_entry:?} differs from the ELF entry {elf_entry:?}:\n{out}"
    );
    Ok(())
}

/// `0x1f` or `31`.
fn parse_number(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

fn hello(cx: &mut Ctx) -> Result<(), TestError> {
    let extra = "rig-test-cmdline 42";
    let spec = GuestSpec {
        extra: Some(extra.into()),
        ..GuestSpec::new(image("hello"))
    };
    let run = cx.rig()?.run_guest(&spec)?;
    let console = &run.console;
    check!(
        console.contains("Hello from minios"),
        "no greeting on the console:\n{console}"
    );
    check!(
        run.outcome == Outcome::Shutdown(Reason::Poweroff),
        "outcome is {}, not poweroff; console:\n{console}\nxl:\n{}",
        run.outcome,
        run.log
    );
    check!(
        console.contains(extra),
        "the command line {extra:?} is not on the console:\n{console}"
    );
    let domid = run.domid.map(|d| d.to_string());
    let domid_line = console.lines().find(|l| l.contains("domid"));
    check!(
        domid.is_some()
            && domid_line.is_some_and(|l| l
                .split(|c: char| !c.is_ascii_digit())
                .any(|w| Some(w) == domid.as_deref())),
        "the console's domid line {domid_line:?} does not show xl's domid {domid:?}"
    );
    Ok(())
}

fn panic(cx: &mut Ctx) -> Result<(), TestError> {
    let run = cx.rig()?.run_guest(&GuestSpec::new(image("panic")))?;
    let console = &run.console;
    check!(
        run.outcome == Outcome::Shutdown(Reason::Crash),
        "outcome is {}, not crash; console:\n{console}\nxl:\n{}",
        run.outcome,
        run.log
    );
    check!(
        console.contains("minios test panic"),
        "the panic message is not on the console:\n{console}"
    );
    // The location: the line of the image's source that panics.
    let src_path = xtask::build::root().join("tests/images/panic/src/main.rs");
    let src = std::fs::read_to_string(&src_path)
        .map_err(|e| xtask::rig::RigError::io(src_path.display(), e))?;
    let line = src
        .lines()
        .position(|l| l.contains("panic!(\"minios test panic\")"))
        .map(|i| i + 1);
    check!(
        line.is_some(),
        "no panic! call found in {}",
        src_path.display()
    );
    let location = format!("main.rs:{}", line.unwrap_or(0));
    check!(
        console.contains(&location),
        "the panic location {location} is not on the console:\n{console}"
    );
    Ok(())
}
