//! Issue 9, consoles: the contest image (tests/images/contest) against dom0's real peers.
//! - Console input: dom0 types a line into `xl console` (run under script(1), which gives
//!   it a terminal); the guest echoes it on its console (xenconsoled's log shows the echo
//!   right after the prompt) and stores what it read in xenstore (dom0 reads it back).
//! - Secondary consoles: two PV channels (`device/console/1` and `2`, served by the QEMU
//!   libxl starts for the domain, each a pty in dom0). dom0 writes 1 MiB into one and
//!   compares its sha256 with the guest's; the guest writes 16 MiB of a fixed pattern into
//!   the other and dom0 hashes what arrives (as it reads it, and the file it wrote it to),
//!   compared with the host's hash of the pattern and the guest's hash of what it wrote;
//!   dom0 grants it credit per 256 KiB (QEMU 7.2 drops the middle of its buffer past 1 MiB
//!   when its pty's reader falls behind).
//!   Flow control both ways: the guest reads nothing until QEMU filled its input ring (QEMU
//!   must hold back what dom0 wrote), and counts the 4 KiB chunks it wrote that found the
//!   output ring still full (it wrote faster than QEMU drained). Throughputs both ways are
//!   printed (measured by the guest).

use std::process::Command;
use std::time::Duration;

use rig_tests::rig::{GuestSpec, Outcome, Reason, RigError};
use rig_tests::{check, image, output_of, Ctx, Needs, Test, TestError, Xenstored};

/// Console input through `xl console`, and 1 MiB in / 16 MiB out over PV channels.
pub const CONTEST: Test = Test {
    name: "console_input_and_pv_channels_through_qemu",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["contest"],
    run: contest,
};

/// What dom0 types.
const LINE: &str = "hello from dom0: consoles work";
/// Bytes the guest writes on the save channel.
const SAVE_LEN: usize = 16 << 20;
/// Bytes dom0 writes on the restore channel.
const RESTORE_LEN: usize = 1 << 20;
/// The save pattern's seed (tests/images/contest computes the same stream).
const SEED: u32 = 0x2545_f491;
/// Bytes the guest sends per credit byte from dom0 (tests/images/contest).
const WINDOW: usize = 256 << 10;

/// xl 4.17 gives the first channel devid 0 (fixed upstream in 2025: xl_parse's
/// ARRAY_EXTEND_INIT overwrote libxl's -1), which libxl refuses as a primary console ("Primary
/// console has invalid configuration") and skips; the next two become `device/console/1`
/// and `2`, the numbers a device model's save and restore streams have.
const XL_CONFIG: &str = r#"channel = [ "name=org.minios.skipped-by-xl-4.17,connection=pty", "name=org.minios.save,connection=pty", "name=org.minios.restore,connection=pty" ]
"#;

/// dom0's side. Every wait is a bounded poll on a condition.
const DURING: &str = r#"
set -u
d=/local/domain/$RIG_DOMID
files=/share/files/contest
poll() { # TRIES COMMAND...: runs COMMAND every 0.1 s until it succeeds
    local n=$1; shift
    for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
    return 1
}
has() { grep -q "$2" "$1" 2>/dev/null; }
xs_has() { xenstore-read "$1" >/dev/null 2>&1; }

# (a) type a line into xl console, run under script(1) so that it has a terminal.
mkfifo /tmp/contest-in
exec 3<>/tmp/contest-in
script -q -c "xl console $RIG_DOMNAME" /dev/null </tmp/contest-in >/tmp/contest-xl.out 2>&1 &
poll 1200 has /tmp/contest-xl.out 'type a line>' || { echo "during: no prompt"; cat /tmp/contest-xl.out; exit 1; }
printf '%s\r' "$LINE" >&3
poll 600 xs_has $d/data/contest/line || { echo "during: no line in xenstore"; exit 1; }
echo "during: line=$(xenstore-read $d/data/contest/line)"
echo "during: xl-console-saw-echo=$(grep -c "type a line> $LINE" /tmp/contest-xl.out)"

# (b), (c): the channels' ptys, by name.
tty_of() { # NAME: prints the pty of the channel called NAME
    local id
    for id in $(xenstore-list $d/device/console); do
        if [[ $(xenstore-read $d/device/console/$id/name 2>/dev/null) == "$1" ]]; then
            xenstore-read $d/device/console/$id/tty
            return
        fi
    done
}
save=$(tty_of org.minios.save) restore=$(tty_of org.minios.restore)
echo "during: save-tty=$save restore-tty=$restore"
[[ -c $save && -c $restore ]] || exit 1
poll 1200 xs_has $d/data/contest/connected || { echo "during: channels not connected"; exit 1; }
# Who serves the channels: the QEMU libxl started for this domain, and its backend nodes.
for f in /proc/[0-9]*/cmdline; do
    c=$(tr '\0' ' ' 2>/dev/null <"$f") || continue
    [[ $c == *qemu-system-i386*"-xen-domid $RIG_DOMID "* ]] && echo "during: qemu=$c"
done
for id in 1 2; do
    echo "during: console-$id=$(xenstore-read $d/device/console/$id/name) backend-state=$(xenstore-read /local/domain/0/backend/console/$RIG_DOMID/$id/state)"
done

exec 5<>"$save" 6<>"$restore"
echo "during: restore-sha256-dom0=$(sha256sum <$files/restore.bin | cut -d' ' -f1)"
cat $files/restore.bin >&6
poll 1200 xs_has $d/data/contest/restore-sha256 || { echo "during: no restore sha256"; exit 1; }
echo "during: restore-sha256-guest=$(xenstore-read $d/data/contest/restore-sha256)"

# One credit byte per WINDOW bytes (the guest's side says why); each window bounded. The
# stream is hashed as it arrives and in the file it was written to.
got=0
while (( got < SAVE_LEN )); do
    printf G >&5
    timeout 120 head -c $WINDOW <&5 || break
    got=$((got + WINDOW))
done | tee /tmp/contest-save.bin | sha256sum | cut -d' ' -f1 >/tmp/contest-save.stream
echo "during: save-bytes=$(stat -c %s /tmp/contest-save.bin)"
echo "during: save-sha256=$(sha256sum </tmp/contest-save.bin | cut -d' ' -f1)"
echo "during: save-stream-sha256=$(cat /tmp/contest-save.stream)"
cp /tmp/contest-save.bin $files/save-got.bin
poll 1200 xs_has $d/data/contest/save-ms || echo "during: no save-ms"
for k in restore-ms save-ms restore-ring-full save-ring-full save-sha256 error; do
    echo "during: guest-$k=$(xenstore-read $d/data/contest/$k 2>/dev/null)"
done
# Last: the guest powers off once it sees this.
xenstore-write $d/data/contest/save-done 1
kill %1 2>/dev/null
"#;

/// The save pattern: xorshift32 words, little-endian.
fn save_pattern() -> Vec<u8> {
    let mut x = SEED;
    let mut out = Vec::with_capacity(SAVE_LEN);
    while out.len() < SAVE_LEN {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out
}

/// Where the bytes dom0 got differ from the pattern, in 4 KiB blocks (the guest's writes).
fn diagnose(got: &[u8], want: &[u8]) {
    let bad: Vec<usize> = (0..want.len().min(got.len()))
        .step_by(4096)
        .filter(|&i| got[i..(i + 4096).min(got.len())] != want[i..i + 4096])
        .collect();
    eprintln!(
        "    save stream: {} of {} 4 KiB blocks differ, first at {:?}",
        bad.len(),
        want.len() / 4096,
        &bad[..bad.len().min(12)]
    );
    for &i in bad.iter().take(3) {
        let block = &got[i..(i + 4096).min(got.len())];
        let diff: Vec<usize> = (0..block.len())
            .filter(|&k| block[k] != want[i + k])
            .collect();
        let head = &block[..block.len().min(32)];
        let elsewhere = want.windows(32).position(|w| w == head);
        eprintln!(
            "    block {i}: bytes {}..={} differ ({}), starts {head:02x?}, found in the pattern at {elsewhere:?}",
            diff[0],
            diff[diff.len() - 1],
            diff.len()
        );
    }
}

fn sha256_of(path: &std::path::Path) -> Result<String, TestError> {
    let out = output_of(Command::new("sha256sum").arg(path))?;
    Ok(out
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string())
}

fn value<'a>(out: &'a str, key: &str) -> Option<&'a str> {
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("during: {key}=")))
}

fn contest(cx: &mut Ctx) -> Result<(), TestError> {
    let dir = cx.scratch()?;
    let pattern = dir.join("save-expected.bin");
    std::fs::write(&pattern, save_pattern()).map_err(|e| RigError::io(pattern.display(), e))?;
    let want_save = sha256_of(&pattern)?;
    let rig = cx.rig()?;
    let files = rig.share().join("files/contest");
    std::fs::create_dir_all(&files).map_err(|e| RigError::io(files.display(), e))?;
    // Not the save pattern: a different stream for the other direction.
    let restore: Vec<u8> = (0..RESTORE_LEN as u64)
        .map(|i| (i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as u8 ^ (i as u8))
        .collect();
    let restore_path = files.join("restore.bin");
    std::fs::write(&restore_path, restore).map_err(|e| RigError::io(files.display(), e))?;
    let during = format!("LINE='{LINE}'\nSAVE_LEN={SAVE_LEN}\nWINDOW={WINDOW}\n{DURING}");
    let spec = GuestSpec {
        xl_config: Some(XL_CONFIG.into()),
        during: Some(during),
        timeout: Duration::from_secs(900),
        ..GuestSpec::new(image("contest"))
    };
    let run = rig.run_guest(&spec)?;
    if run.outcome != Outcome::Shutdown(Reason::Poweroff) {
        // The device model's own account (libxl logs QEMU's output there).
        let r = rig.job(
            "tail -n 40 /var/log/xen/qemu-dm-*.log",
            Duration::from_secs(30),
        )?;
        eprintln!("    qemu-dm log:\n{}", r.output);
    }
    let con = &run.console;
    let dur = run.during_output.clone().unwrap_or_default();
    for line in dur
        .lines()
        .chain(con.lines().filter(|l| l.contains("contest:")))
    {
        eprintln!("    {line}");
    }
    check!(
        run.outcome == Outcome::Shutdown(Reason::Poweroff) && con.contains("contest: done"),
        "outcome {};\nconsole:\n{con}\nduring:\n{dur}\nxl:\n{}",
        run.outcome,
        run.log
    );
    check!(
        value(&dur, "line") == Some(LINE),
        "the guest's xenstore node does not hold the typed line:\n{dur}"
    );
    check!(
        con.contains(&format!("type a line> {LINE}\r")),
        "the guest did not echo the line after its prompt (xenconsoled's log):\n{con}"
    );
    let guest = value(&dur, "restore-sha256-guest");
    check!(
        guest.is_some() && guest == value(&dur, "restore-sha256-dom0"),
        "the guest's sha256 of the 1 MiB dom0 sent differs from dom0's:\n{dur}"
    );
    check!(
        value(&dur, "guest-save-sha256") == Some(&want_save),
        "the guest did not hand its ring the pattern (its own sha256 differs):\n{dur}"
    );
    if value(&dur, "save-sha256") != Some(&want_save) {
        let got = std::fs::read(files.join("save-got.bin")).unwrap_or_default();
        let kept = dir.join("save-got.bin");
        let _ = std::fs::write(&kept, &got);
        eprintln!("    save stream: dom0's copy kept in {}", kept.display());
        diagnose(&got, &save_pattern());
    }
    check!(
        value(&dur, "save-bytes") == Some(&SAVE_LEN.to_string())
            && value(&dur, "save-stream-sha256") == Some(&want_save)
            && value(&dur, "save-sha256") == Some(&want_save),
        "the 16 MiB the guest wrote did not arrive intact, in the stream dom0 read or in the file it \
         wrote (want sha256 {want_save}):\n{dur}"
    );
    check!(
        value(&dur, "qemu").is_some_and(|c| c.contains("xenpv"))
            && value(&dur, "console-1") == Some("org.minios.save backend-state=4")
            && value(&dur, "console-2") == Some("org.minios.restore backend-state=4"),
        "the channels are not device/console/1 and 2 served (Connected) by the domain's QEMU:\n{dur}"
    );
    let count = |key: &str| value(&dur, key).and_then(|v| v.parse::<u32>().ok());
    check!(
        count("guest-restore-ring-full").is_some_and(|n| n > 0)
            && count("guest-save-ring-full").is_some_and(|n| n > 0),
        "flow control was not exercised both ways (a ring never found full):\n{dur}"
    );
    let mbps = |key: &str, len: usize| {
        value(&dur, key)
            .and_then(|ms| ms.parse::<f64>().ok())
            .map(|ms| {
                format!(
                    "{:.2} MiB/s ({ms} ms)",
                    len as f64 / (1 << 20) as f64 / (ms / 1000.0)
                )
            })
            .unwrap_or_else(|| "unknown".into())
    };
    eprintln!(
        "    throughput: guest->dom0 {}, dom0->guest {}; xl create {:?}",
        mbps("guest-save-ms", SAVE_LEN),
        mbps("guest-restore-ms", RESTORE_LEN),
        run.create
    );
    Ok(())
}
