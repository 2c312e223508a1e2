//! Issue 10, DHCP and TFTP: the tftptest image (tests/images/tftptest) against dom0's
//! servers on the bridge xenbr0: busybox udhcpd (DHCP, with option 150 as GRUB's string),
//! dnsmasq (TFTP only, 10.0.2.2), tftpd-hpa (10.0.2.3) and our peer tftp_window
//! (tests/rig/peers/tftp_window.c, 10.0.2.4: the only one offering RFC 7440's windowsize;
//! Debian 12's dnsmasq 2.90 and tftpd-hpa 5.2 answer blksize and tsize only). Lock-step
//! transfers cost a round trip per block (8-25 ms under a loaded TCG), so the files are
//! sized per server to keep the run in minutes. Verdicts come from dom0: the
//! lease fields and each file's sha256, size and blocks as the guest wrote them to
//! xenstore, against what dom0 configured and computed itself; the servers' own error
//! text; and a transfer cut by dom0 killing its server.

use std::collections::HashMap;
use std::time::Duration;

use rig_tests::rig::{GuestSpec, Outcome, Reason, RigError};
use rig_tests::{build_peer, check, image, Ctx, Needs, Test, TestError, Xenstored};

/// DHCP, then five reads in one guest run (see [`GETS`]).
pub const DHCP_AND_TFTP: Test = Test {
    name: "tftp_dhcp_lease_and_transfers",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["tftptest"],
    run: dhcp_and_tftp,
};

/// The files dom0 makes (name, bytes): 32 MiB for the windowed transfer and the plain one
/// (65536 blocks of 512 bytes and an empty last one: block numbers wrap past 65535); 4 MiB is
/// as many blocks of 64 bytes, windowed; 1 MiB for dnsmasq.
const FILES: &[(&str, u64)] = &[
    ("big.bin", 32 << 20),
    ("wrap.bin", 4 << 20),
    ("small.bin", 1 << 20),
];
/// GRUB's config-file path, served as option 150.
const MENU: &str = "(nd)/menu.lst";

/// A read: what it shows, the get= word, and for a good one its file, block count and
/// the negotiated line's start.
struct Get {
    what: &'static str,
    word: &'static str,
    good: Option<(&'static str, u64, &'static str)>,
}

/// Windows of 16: a burst of 64 small packets overflowed the vif's queue in dom0 under load
/// (netback's is 32 packets) and every loss at a window's end costs a 1 s timeout.
const GETS: &[Get] = &[
    Get {
        what: "tftp_window, blksize 1468 + windowsize 16",
        word: "10.0.2.4:big.bin:windowsize=16",
        good: Some((
            "big.bin",
            (32 << 20) / 1468 + 1,
            "blksize=1468 windowsize=16 ",
        )),
    },
    Get {
        what: "tftp_window, blksize 64 + windowsize 16, 65537 blocks",
        word: "10.0.2.4:wrap.bin:blksize=64:windowsize=16",
        good: Some(("wrap.bin", (4 << 20) / 64 + 1, "blksize=64 windowsize=16 ")),
    },
    Get {
        what: "dnsmasq, blksize 1468 (+ windowsize 8 asked, not offered)",
        word: "10.0.2.2:small.bin",
        good: Some((
            "small.bin",
            (1 << 20) / 1468 + 1,
            "blksize=1468 windowsize=1 ",
        )),
    },
    Get {
        what: "tftpd-hpa, plain 512-byte blocks, 65537 blocks",
        word: "10.0.2.3:big.bin:plain",
        good: Some((
            "big.bin",
            (32 << 20) / 512 + 1,
            "blksize=512 windowsize=1 tsize=none",
        )),
    },
    Get {
        what: "dnsmasq, a missing file",
        word: "10.0.2.2:nosuch.bin",
        good: None,
    },
    Get {
        what: "tftpd-hpa killed mid-transfer",
        word: "10.0.2.3:wrap.bin:plain:tries=3",
        good: None,
    },
];
/// The read during which dom0 kills tftpd-hpa.
const KILLED: usize = 5;

/// dom0's side (the words FILE_LIST, MENU_HEX and KILLED are filled in).
const DURING: &str = concat!(include_str!("udhcpd.sh"), include_str!("tftp_during.sh"));

/// The guest's xenstore nodes under `data/tftptest`, as dom0 listed them (relative keys).
fn nodes(dur: &str) -> HashMap<String, String> {
    dur.lines()
        .filter_map(|l| l.strip_prefix("during: node /local/domain/"))
        .filter_map(|l| {
            let (path, value) = l.split_once(" = ")?;
            let key = path.split_once("/data/tftptest/")?.1;
            let value = value.strip_prefix('"')?.strip_suffix('"')?;
            Some((key.to_string(), value.to_string()))
        })
        .collect()
}

fn dhcp_and_tftp(cx: &mut Ctx) -> Result<(), TestError> {
    let dir = cx.scratch()?;
    let peer = build_peer(&dir, "tftp_window.c", "tftp-window", &[])?;
    let files = cx.rig()?.share().join("files/tftp");
    std::fs::create_dir_all(&files).map_err(|e| RigError::io(files.display(), e))?;
    std::fs::copy(&peer, files.join("tftp-window")).map_err(|e| RigError::io(peer.display(), e))?;
    let hex: String = MENU.bytes().map(|b| format!("{b:02x}")).collect();
    let list: Vec<String> = FILES.iter().map(|(f, n)| format!("{f}={n}")).collect();
    let during = DURING
        .replace("FILE_LIST", &list.join(" "))
        .replace("MENU_HEX", &hex)
        .replace("KILLED", &KILLED.to_string());
    let gets: Vec<String> = GETS.iter().map(|g| format!("get={}", g.word)).collect();
    let spec = GuestSpec {
        vif: true,
        // dom0 makes the files and their sha256 before it starts udhcpd: under load that
        // took 20 s of the guest's wait for a lease.
        extra: Some(format!("dhcp dhcp-limit=120 {}", gets.join(" "))),
        during: Some(during),
        timeout: Duration::from_secs(900),
        ..GuestSpec::new(image("tftptest"))
    };
    let run = cx.rig()?.run_guest(&spec)?;
    for line in run.console.lines().filter(|l| l.contains("tftptest:")) {
        eprintln!("    {line}");
    }
    let (con, dur) = (&run.console, run.during_output.clone().unwrap_or_default());
    eprintln!("    guest run {:.1} s", run.wall.as_secs_f64());
    check!(
        run.outcome == Outcome::Shutdown(Reason::Poweroff),
        "outcome {} (want poweroff);\nconsole:\n{con}\nduring:\n{dur}\nxl:\n{}",
        run.outcome,
        run.log
    );
    let n = nodes(&dur);
    let get = |k: &str| n.get(k).map(String::as_str).unwrap_or("<missing>");
    check!(
        get("state") == "finished closed failed=0 stuck=0 handshake=true",
        "the guest did not finish and close its vif cleanly: state {};\n{con}\n{dur}",
        get("state")
    );
    // (a) The lease, as udhcpd was configured.
    for (k, want) in [
        ("config-file", MENU),
        ("router", "10.0.2.2"),
        ("next-server", "10.0.2.2"),
        ("server", "10.0.2.2"),
        ("dns", "10.0.2.2"),
        ("tftp-server", "10.0.2.2"),
        ("boot-file", "pvgrub.elf"),
        ("lease-s", "3600"),
    ] {
        check!(
            get(&format!("lease/{k}")) == want,
            "lease/{k} is {:?}, want {want:?}:\n{dur}",
            get(&format!("lease/{k}"))
        );
    }
    let addr = get("lease/address");
    check!(
        addr.starts_with("10.0.2.1") && addr.ends_with("/24"),
        "lease/address {addr} is not in udhcpd's 10.0.2.100-110 pool"
    );
    // (b) The files, intact, against the sha256 dom0 computed.
    let sha = |f: &str| {
        dur.lines()
            .find_map(|l| l.strip_prefix(&format!("during: sha256 {f} ")))
            .unwrap_or("<dom0 computed none>")
            .to_string()
    };
    for (i, g) in GETS.iter().enumerate() {
        let Some((file, blocks, neg)) = g.good else {
            continue;
        };
        let size = FILES.iter().find(|(f, _)| *f == file).map_or(0, |f| f.1);
        let k = |key: &str| get(&format!("{i}/{key}")).to_string();
        check!(
            k("sha256") == sha(file) && k("size") == size.to_string(),
            "{}: sha256 {} size {} (dom0's {file}: {}, {size} bytes); error {:?}",
            g.what,
            k("sha256"),
            k("size"),
            sha(file),
            k("error")
        );
        check!(
            k("blocks") == blocks.to_string() && k("negotiated").starts_with(neg),
            "{}: {} blocks, negotiated {} (want {blocks} blocks, {neg:?})",
            g.what,
            k("blocks"),
            k("negotiated")
        );
    }
    // (c) A missing file: dnsmasq's own words (as it logged them), in xenstore and on the
    // console.
    let err = get("4/error");
    let words = err
        .strip_prefix("the TFTP server 10.0.2.2 says: ")
        .and_then(|m| m.strip_suffix(" (code 1)"))
        .unwrap_or("<not the server's words>");
    check!(
        words.contains("nosuch.bin")
            && dur
                .lines()
                .any(|l| l.starts_with("during: dnsmasq-log ") && l.contains(words))
            && con.contains(err),
        "the missing file's error is {err:?}: want dnsmasq's logged text with code 1, on the \
         console too:\n{dur}"
    );
    // (c) The killed server: no answer after 3 tries, bounded, and the guest went on.
    let err = get(&format!("{KILLED}/error"));
    let ms: u64 = get(&format!("{KILLED}/ms")).parse().unwrap_or(u64::MAX);
    check!(
        err == "the transfer stopped: no answer from 10.0.2.3 after 3 tries"
            && dur.contains("during: killing tftpd-hpa (child ")
            && ms < 120_000,
        "the killed transfer ended with {err:?} after {ms} ms:\n{dur}"
    );
    for (i, g) in GETS.iter().enumerate() {
        let ms: u64 = get(&format!("{i}/ms")).parse().unwrap_or(0);
        let size: u64 = get(&format!("{i}/size")).parse().unwrap_or(0);
        eprintln!(
            "    {}: {ms} ms, {:.0} KiB/s, {}",
            g.what,
            size as f64 / 1024.0 / (ms.max(1) as f64 / 1000.0),
            get(&format!("{i}/negotiated"))
        );
    }
    Ok(())
}

/// DHCP with no server on the bridge: a typed error after the bounded wait, and a clean end.
pub const DHCP_NO_SERVER: Test = Test {
    name: "tftp_dhcp_no_server",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["tftptest"],
    run: dhcp_no_server,
};

/// How long the guest waits for a lease.
const NO_SERVER_LIMIT_S: u64 = 8;

fn dhcp_no_server(cx: &mut Ctx) -> Result<(), TestError> {
    let during = r#"
d=/local/domain/$RIG_DOMID
exec {nap_fd}<> <(:)
for _ in $(seq 120); do
    s=$(xenstore-read "$d/data/tftptest/state" 2>/dev/null)
    [[ $s == finished* ]] && break
    read -r -t 1 -u "$nap_fd" _ || true
done
echo "during: state $s"
xenstore-write "$d/data/tftptest/dom0" done
"#;
    let spec = GuestSpec {
        vif: true,
        extra: Some(format!("dhcp dhcp-limit={NO_SERVER_LIMIT_S}")),
        during: Some(during.into()),
        timeout: Duration::from_secs(120),
        ..GuestSpec::new(image("tftptest"))
    };
    let run = cx.rig()?.run_guest(&spec)?;
    let (con, dur) = (&run.console, run.during_output.clone().unwrap_or_default());
    eprintln!("    guest run {:.1} s", run.wall.as_secs_f64());
    let want = format!(
        "during: state finished error: no DHCP lease on device/vif/0 after {NO_SERVER_LIMIT_S} s"
    );
    check!(
        run.outcome == Outcome::Shutdown(Reason::Poweroff) && dur.contains(&want),
        "outcome {}, want poweroff and {want:?}:\n{dur}\n{con}",
        run.outcome
    );
    Ok(())
}
