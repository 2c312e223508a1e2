//! Issue 13, the C stubdom (`examples/c-stubdom`, C compiled by Debian's gcc on minios's C
//! API): dom0 measures "Hello, world!" about 2 s after the stubdom said it sleeps, reads back
//! the name the stubdom read from xenstore, fires the watch it waits on, writes a random word
//! into sector 1 of its disk (through the loop device blkback serves) and checks the stubdom
//! read exactly that; the stubdom's event channel to itself fires; then the domain powers
//! itself off.

use std::time::Duration;

use rig_tests::rig::{GuestSpec, Outcome, Reason, RigError};
use rig_tests::{check, image, Ctx, Needs, Test, TestError, Xenstored};

use crate::echo::field;

/// The C stubdom against xenstored, blkback and xenconsoled.
pub const C_STUBDOM: Test = Test {
    name: "c_stubdom_hello_name_watch_sector",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["c-stubdom"],
    run: c_stubdom,
};

const DURING: &str = r#"
set -u
d=/local/domain/$RIG_DOMID
ms() { echo $(( $(date +%s%N) / 1000000 )); }
got() { xenstore-read "$d/data/c-stubdom/$1" 2>/dev/null; }
wait_state() { # STATE: up to 60 s
    for _ in $(seq 600); do
        [ "$(got state)" = "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
on_console() { # TEXT TRIES: poll the console log every 20 ms
    local i
    for i in $(seq "$2"); do
        grep -qF "$1" "$RIG_CONSOLE" 2>/dev/null && return 0
        sleep 0.02
    done
    return 1
}
# The script starts before the domain is unpaused; xenstore shows the guest's write at once
# (the console log can lag while xl console attaches). The guest wrote state=sleeping after
# the last read that did not see it began (prev) and before the one that did ended (seen).
prev=$(ms) seen=''
for _ in $(seq 3000); do
    t=$(ms)
    if [ "$(got state)" = sleeping ]; then
        seen=$(ms)
        break
    fi
    prev=$t
    sleep 0.02
done
on_console 'Hello, world!' 500 && h=$(ms) &&
    echo "during: hello after-ms=$((h - seen))..$((h - prev))"
wait_state watching
word=dom0-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
be=$(xenstore-read "$d/device/vbd/51712/backend")
dev=$(xenstore-read "$be/params")
# conv=sync pads the block to 512 bytes with NULs; fsync pushes it through the loop device.
printf '%s\n' "$word" | dd of="$dev" bs=512 seek=1 conv=notrunc,sync,fsync 2>/dev/null
echo "during: poke word=$word name=$RIG_DOMNAME"
xenstore-write "$d/data/c-stubdom/poke" "$word"
wait_state done
echo "during: reported name=$(got name) poked=$(got poked) sector=$(got sector)" \
    "slept-ms=$(got slept-ms)"
xenstore-write "$d/data/c-stubdom/checked" yes
"#;

fn c_stubdom(cx: &mut Ctx) -> Result<(), TestError> {
    let dir = cx.scratch()?;
    let disk = dir.join("c-stubdom.img");
    std::fs::write(&disk, vec![0u8; 1 << 20]).map_err(|e| RigError::io(disk.display(), e))?;
    let spec = GuestSpec {
        disks: vec![disk],
        disks_in_ram: true,
        during: Some(DURING.to_string()),
        timeout: Duration::from_secs(180),
        ..GuestSpec::new(image("c-stubdom"))
    };
    let run = cx.rig()?.run_guest(&spec)?;
    let (con, dur) = (run.console, run.during_output.unwrap_or_default());
    for l in con.lines().chain(dur.lines()) {
        eprintln!("    {l}");
    }
    let both = format!("during:\n{dur}\nconsole:\n{con}");
    // dom0's window for the time from state=sleeping to Hello in the console log: its low
    // end is late by a poll (a xenstore-read under TCG), its high end an upper bound. A 2 s
    // sleep lies in it, give or take dom0's clock against the guest's (seen 12 ms short
    // under TCG): hence 1900.
    let window = field(&dur, "hello", "after-ms").unwrap_or("?");
    let (lo, hi) = window.split_once("..").unwrap_or(("0", "0"));
    let (lo, hi): (u64, u64) = (lo.parse().unwrap_or(0), hi.parse().unwrap_or(0));
    check!(
        hi >= 1900 && (1000..2500).contains(&lo),
        "dom0 did not see Hello, world! about 2 s after the guest said it sleeps ({window} ms):\n{both}"
    );
    let word = field(&dur, "poke", "word").unwrap_or("?");
    let name = field(&dur, "poke", "name").unwrap_or("?");
    check!(
        word.starts_with("dom0-") && name != "?",
        "dom0's script did not get to the poke:\n{both}"
    );
    check!(
        con.contains(&format!("c-stubdom: my name is {name}"))
            && field(&dur, "reported", "name") == Some(name),
        "the stubdom did not read its xenstore name {name}:\n{both}"
    );
    check!(
        con.contains(&format!("c-stubdom: dom0 poked: {word}"))
            && field(&dur, "reported", "poked") == Some(word),
        "the stubdom did not see dom0's poke {word} through its watch:\n{both}"
    );
    check!(
        con.contains(&format!("c-stubdom: sector 1 says: {word}"))
            && field(&dur, "reported", "sector") == Some(word),
        "the stubdom did not read the word dom0 wrote into sector 1:\n{both}"
    );
    check!(
        con.lines()
            .any(|l| l.starts_with("c-stubdom: event channel") && l.ends_with(": fired")),
        "the stubdom's event channel to itself (through Xen) did not fire:\n{both}"
    );
    let slept: u64 = field(&dur, "reported", "slept-ms")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    check!(
        (2000..2100).contains(&slept),
        "the stubdom's own clock disagrees about sleep(2): {slept} ms:\n{both}"
    );
    check!(
        run.outcome == Outcome::Shutdown(Reason::Poweroff)
            && con.contains("c-stubdom: dom0 checked my answers")
            && con.contains("c-stubdom: done"),
        "the stubdom did not power off cleanly ({}):\n{both}",
        run.outcome
    );
    Ok(())
}
