//! Issue 3 (second half), control: examples/xsls lists its home like dom0's `xenstore-ls`,
//! idles without burning CPU, and obeys `xl shutdown` / `xl reboot` with the matching reason.

use std::time::Duration;

use rig_tests::rig::{GuestSpec, Outcome, Reason};
use rig_tests::{check, image, Ctx, Needs, Test, TestError, Xenstored};

/// xsls under `xl shutdown`: listing, idle CPU, exit message, poweroff within 5 s.
pub const XSLS_SHUTDOWN: Test = Test {
    name: "xsls_lists_home_like_xenstore_ls_and_obeys_xl_shutdown",
    needs: Needs::Rig(&[Xenstored::C, Xenstored::Ocaml]),
    images: &["xsls"],
    run: xsls_shutdown,
};

/// xsls under `xl reboot`: exit message and reboot reason.
pub const XSLS_REBOOT: Test = Test {
    name: "xsls_obeys_xl_reboot",
    needs: Needs::Rig(&[Xenstored::C, Xenstored::Ocaml]),
    images: &["xsls"],
    run: xsls_reboot,
};

/// dom0's side: wait for xsls to idle, take `xenstore-ls` of its home, sample its CPU time
/// over 10 s, then send the request (`xl ACTION -w`, which returns once the domain stopped)
/// and time it.
const DURING: &str = r#"
set -u
c=$RIG_CONSOLE
for _ in $(seq 1200); do grep -q 'xsls: idle' "$c" 2>/dev/null && break; sleep 0.1; done
grep -q 'xsls: idle' "$c" || { echo "during: xsls never idled"; exit 1; }
echo "during: ls-begin"
xenstore-ls "/local/domain/$RIG_DOMID"
echo "during: ls-end"
cpu() { xl list "$RIG_DOMID" | awk 'NR == 2 { print $6 }'; }
if [ "${IDLE_CHECK:-1}" = 1 ]; then
    t0=$(cpu); sleep 10; t1=$(cpu)
    echo "during: idle-cpu t0=$t0 t1=$t1"
fi
# Times in ms since the request, from bash's clock (no fork per sample).
now() { local t=${EPOCHREALTIME/./}; echo $(((t - start) / 1000)); }
start=${EPOCHREALTIME/./}
( for _ in $(seq 1500); do
      grep -q 'xsls: exiting' "$c" && { echo "during: said-ms=$(now)"; break; }
      sleep 0.02
  done ) &
xl ACTION -w "$RIG_DOMID"
echo "during: xl-rc=$? stop-ms=$(now)"
wait
"#;

/// `(depth, name, value)` of each `name = "value"` line, depth = leading spaces.
fn entries(text: &str) -> Vec<(usize, String, String)> {
    text.lines()
        .filter_map(|l| {
            let depth = l.len() - l.trim_start_matches(' ').len();
            let (name, value) = l.trim_start_matches(' ').split_once(" = ")?;
            let value = value.strip_prefix('"')?.strip_suffix('"')?;
            Some((depth, name.to_string(), value.to_string()))
        })
        .collect()
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).map_or(text.len(), |i| i + start.len());
    let to = text[from..].find(end).map_or(text.len(), |i| from + i);
    &text[from..to]
}

fn run_xsls(cx: &mut Ctx, action: &str, idle: bool) -> Result<(String, String), TestError> {
    let during = DURING
        .replace("ACTION", action)
        .replace("${IDLE_CHECK:-1}", if idle { "1" } else { "0" });
    let spec = GuestSpec {
        during: Some(during),
        timeout: Duration::from_secs(240),
        ..GuestSpec::new(image("xsls"))
    };
    let run = cx.rig()?.run_guest(&spec)?;
    let con = run.console.clone();
    let dur = run.during_output.clone().unwrap_or_default();
    let want = if action == "reboot" {
        Reason::Reboot
    } else {
        Reason::Poweroff
    };
    check!(
        run.outcome == Outcome::Shutdown(want),
        "outcome {} (wanted {want:?});\nconsole:\n{con}\nduring:\n{dur}\nxl:\n{}",
        run.outcome,
        run.log
    );
    let request = if action == "reboot" {
        "reboot"
    } else {
        "poweroff"
    };
    let said = format!("xsls: exiting: the toolstack asked for {request}");
    check!(con.contains(&said), "no `{said}` on the console:\n{con}");
    Ok((con, dur))
}

/// `xl ACTION -w` returned (the domain had stopped) within 5 s of the request.
fn check_stop_time(action: &str, dur: &str) -> Result<(), TestError> {
    let ms = |key: &str| -> Option<u64> {
        dur.lines()
            .find_map(|l| Some(l.split_once(key)?.1))
            .and_then(|r| r.split(' ').next()?.parse().ok())
    };
    let (stop, said) = (ms("stop-ms="), ms("said-ms="));
    eprintln!("    xl {action} -w: returned after {stop:?} ms; xsls said why after {said:?} ms");
    check!(
        stop.is_some_and(|ms| ms < 5000),
        "xl {action} took {stop:?} ms (limit 5000);\nduring:\n{dur}"
    );
    Ok(())
}

fn xsls_shutdown(cx: &mut Ctx) -> Result<(), TestError> {
    let (con, dur) = run_xsls(cx, "shutdown", true)?;
    // The listing, compared entry by entry with xenstore-ls (same order, depth, values).
    let ours = entries(between(&con, "xsls: /local/domain/", "xsls: idle"));
    let theirs = entries(between(&dur, "during: ls-begin", "during: ls-end"));
    check!(
        !theirs.is_empty() && ours == theirs,
        "xsls and xenstore-ls differ;\nxsls:\n{con}\nxenstore-ls:\n{dur}"
    );
    eprintln!("    listing: {} nodes match xenstore-ls", ours.len());
    // Idle: CPU time (xl list, 0.1 s resolution) does not grow over 10 s.
    let idle = dur
        .lines()
        .find_map(|l| l.strip_prefix("during: idle-cpu "))
        .unwrap_or("");
    let t = |k: &str| -> Option<f64> {
        idle.split(' ')
            .find_map(|w| w.strip_prefix(k))
            .and_then(|v| v.parse().ok())
    };
    let (t0, t1) = (t("t0="), t("t1="));
    check!(
        matches!((t0, t1), (Some(a), Some(b)) if b - a < 0.05),
        "CPU time while idle grew: {idle:?};\nduring:\n{dur}"
    );
    eprintln!("    idle 10 s: CPU time {t0:?} -> {t1:?} s");
    check_stop_time("shutdown", &dur)
}

fn xsls_reboot(cx: &mut Ctx) -> Result<(), TestError> {
    let (_, dur) = run_xsls(cx, "reboot", false)?;
    check_stop_time("reboot", &dur)
}
