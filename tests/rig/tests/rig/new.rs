//! Issue 13, `cargo xtask new`: a stubdom made from each template (Rust, C, wasm), as a crate
//! of its own in a scratch directory, builds with `cargo xtask build DIR/NAME` and boots: it
//! greets, reads its name from xenstore and obeys `xl shutdown`.

use std::time::Duration;

use rig_tests::rig::{GuestSpec, RigError};
use rig_tests::{check, Ctx, Needs, Test, TestError, Xenstored};

use xtask::new::Lang;

use crate::net::run_to_poweroff;

/// New stubdoms in each language, untouched, on real Xen.
pub const NEW_BOOTS: Test = Test {
    name: "xtask_new_stubdom_boots",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &[],
    run: new_boots,
};

const DURING: &str = r#"
for _ in $(seq 600); do
    grep -q 'NAME: my domain is' "$RIG_CONSOLE" 2>/dev/null && break
    sleep 0.1
done
echo "during: name=$RIG_DOMNAME"
xl shutdown -w "$RIG_DOMID"
echo "during: xl-rc=$?"
"#;

fn new_boots(cx: &mut Ctx) -> Result<(), TestError> {
    let dir = cx.scratch()?;
    for (stub, lang, greeting) in [
        ("mystub", Lang::Rust, "hello from a new minios stubdom"),
        ("mycstub", Lang::C, "hello from a new minios stubdom in C"),
        (
            "mywstub",
            Lang::Wasm,
            "hello from a new minios stubdom in WebAssembly",
        ),
    ] {
        let made = xtask::new::create(stub, Some(&dir), lang).map_err(RigError::Build)?;
        let image = xtask::build::build(&[made.display().to_string()])
            .map_err(RigError::Build)?
            .remove(0);
        eprintln!(
            "    {lang:?}: image {} bytes",
            std::fs::metadata(&image).map_or(0, |m| m.len())
        );
        let spec = GuestSpec {
            during: Some(DURING.replace("NAME", stub)),
            timeout: Duration::from_secs(120),
            ..GuestSpec::new(image)
        };
        let (con, dur, both) = run_to_poweroff(cx, &spec, |l| l.contains("stub: "))?;
        let name = dur
            .lines()
            .find_map(|l| l.strip_prefix("during: name="))
            .unwrap_or("?");
        check!(
            con.contains(&format!("{stub}: {greeting}"))
                && con.contains(&format!("{stub}: my domain is {name}")),
            "the new {lang:?} stubdom did not greet and name its domain ({name}):\n{both}"
        );
    }
    Ok(())
}
