//! Issue 13, the wasm stubdom (`examples/wasm-stubdom`): a WebAssembly module from the
//! ramdisk, written in AssemblyScript (examples/wasm-stubdom/modules/assemblyscript, compiled
//! here with the npm package's `asc`), prints with its domain's name, counts down with
//! timers, reacts to a xenstore node dom0 writes (dom0 reads the answer) and exits with the
//! code it chose (5, the length of dom0's word); modules that trap or outgrow the memory limit are reported and the domain
//! powers off cleanly.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rig_tests::rig::{GuestSpec, Outcome, Reason, RigError};
use rig_tests::{check, image, output_of, Ctx, Needs, Test, TestError, Xenstored};

/// The AssemblyScript module from the ramdisk.
pub const ASSEMBLYSCRIPT: Test = Test {
    name: "wasm_stubdom_assemblyscript_module_from_ramdisk",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["wasm-stubdom"],
    run: assemblyscript,
};

/// Modules that trap and that outgrow their memory.
pub const FAILING: Test = Test {
    name: "wasm_stubdom_trap_and_memory_limit",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["wasm-stubdom"],
    run: failing,
};

/// The AssemblyScript compiler, pinned: npm's registry keeps every version.
const ASC: &str = "assemblyscript@0.27.37";

fn modules() -> PathBuf {
    xtask::build::root().join("examples/wasm-stubdom/modules")
}

/// Compiles hello.ts with AssemblyScript's `asc` (installed with npm into the scratch dir).
fn assemblyscript_module(dir: &Path) -> Result<PathBuf, TestError> {
    output_of(
        std::process::Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(dir)
            .arg(ASC),
    )?;
    let out = dir.join("hello.wasm");
    output_of(
        std::process::Command::new(dir.join("node_modules/.bin/asc"))
            .arg(modules().join("assemblyscript/hello.ts"))
            .args(["--runtime", "stub", "--use", "abort=", "-O2", "-o"])
            .arg(&out),
    )?;
    Ok(out)
}

fn wat_module(dir: &Path, name: &str) -> Result<PathBuf, TestError> {
    let src = modules().join(format!("{name}.wat"));
    let wasm = wat::parse_file(&src).map_err(|e| RigError::Build(format!("{name}.wat: {e}")))?;
    let out = dir.join(format!("{name}.wasm"));
    std::fs::write(&out, wasm).map_err(|e| RigError::io(out.display(), e))?;
    Ok(out)
}

const DURING: &str = r#"
d=/local/domain/$RIG_DOMID
for _ in $(seq 600); do
    grep -q 'as: 1' "$RIG_CONSOLE" 2>/dev/null && break
    sleep 0.1
done
echo "during: name=$RIG_DOMNAME"
xenstore-write "$d/data/wasm/poke" hello
for _ in $(seq 300); do
    r=$(xenstore-read "$d/data/wasm/reply" 2>/dev/null) && break
    sleep 0.05
done
echo "during: reply=$r"
"#;

fn assemblyscript(cx: &mut Ctx) -> Result<(), TestError> {
    let dir = cx.scratch()?;
    let module = assemblyscript_module(&dir)?;
    let spec = GuestSpec {
        ramdisk: Some(module),
        during: Some(DURING.to_string()),
        timeout: Duration::from_secs(120),
        ..GuestSpec::new(image("wasm-stubdom"))
    };
    let run = cx.rig()?.run_guest(&spec)?;
    let (con, dur) = (run.console, run.during_output.unwrap_or_default());
    for l in con.lines().chain(dur.lines()) {
        eprintln!("    {l}");
    }
    let both = format!("during:\n{dur}\nconsole:\n{con}");
    let name = dur
        .lines()
        .find_map(|l| l.strip_prefix("during: name="))
        .unwrap_or("?");
    check!(
        con.contains("from the ramdisk")
            && con.contains(&format!("as: hello from AssemblyScript in {name}"))
            && con.contains("as: 3")
            && con.contains("as: 1"),
        "the AssemblyScript module did not greet with its domain's name and count down:\n{both}"
    );
    check!(
        dur.contains("during: reply=as got hello"),
        "dom0 did not read the module's answer to its poke:\n{both}"
    );
    check!(
        con.contains("the module exited with code 5")
            && run.outcome == Outcome::Shutdown(Reason::Poweroff),
        "the stubdom did not report exit code 5 and power off ({}):\n{both}",
        run.outcome
    );
    Ok(())
}

fn failing(cx: &mut Ctx) -> Result<(), TestError> {
    let dir = cx.scratch()?;
    for (name, said, error) in [
        ("trap", "wasm: about to trap", "the module trapped"),
        ("grow", "wasm: growing by 64 MiB", "the module trapped"),
    ] {
        let spec = GuestSpec {
            ramdisk: Some(wat_module(&dir, name)?),
            timeout: Duration::from_secs(60),
            ..GuestSpec::new(image("wasm-stubdom"))
        };
        let run = cx.rig()?.run_guest(&spec)?;
        let con = run.console;
        let line = con
            .lines()
            .find(|l| l.contains("wasm-stubdom: ERROR"))
            .unwrap_or("");
        eprintln!("    {name}: {line}");
        check!(
            con.contains(said)
                && line.contains(error)
                && !con.contains("panicked")
                && run.outcome == Outcome::Shutdown(Reason::Poweroff),
            "{name}.wat: want its own line, then `{error}` and a clean poweroff ({}):\n{con}",
            run.outcome
        );
    }
    Ok(())
}
