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

/// The files dom0 makes (name, bytes): 32 MiB for the windowed transfer; 4 MiB is 65536
/// blocks of 64 bytes and an empty last one (block numbers wrap past 65535); 1 MiB for the
/// lock-step servers.
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

const GETS: &[Get] = &[
    Get {
        what: "tftp_window, blksize 1468 + windowsize 32",
        word: "10.0.2.4:big.bin:windowsize=32",
        good: Some((
            "big.bin",
            (32 << 20) / 1468 + 1,
            "blksize=1468 windowsize=32 ",
        )),
    },
    Get {
        what: "tftp_window, blksize 64 + windowsize 64, 65537 blocks",
        word: "10.0.2.4:wrap.bin:blksize=64:windowsize=64",
        good: Some(("wrap.bin", (4 << 20) / 64 + 1, "blksize=64 windowsize=64 ")),
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
        what: "tftpd-hpa, plain 512-byte blocks",
        word: "10.0.2.3:small.bin:plain",
        good: Some((
            "small.bin",
            (1 << 20) / 512 + 1,
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

const DURING: &str = r#"
set -u
d=/local/domain/$RIG_DOMID
t=/tmp/tftp-test
rm -rf $t; mkdir -p $t/root
ip addr add 10.0.2.2/24 dev xenbr0 2>/dev/null
ip addr add 10.0.2.3/24 dev xenbr0 2>/dev/null
ip addr add 10.0.2.4/24 dev xenbr0 2>/dev/null
for f in FILE_LIST; do
    head -c ${f#*=} /dev/urandom >$t/root/${f%=*}
    echo "during: sha256 ${f%=*} $(sha256sum <$t/root/${f%=*} | cut -d' ' -f1)"
done
cat >$t/udhcpd.conf <<EOC
start 10.0.2.100
end 10.0.2.110
interface xenbr0
lease_file $t/udhcpd.leases
siaddr 10.0.2.2
opt subnet 255.255.255.0
opt router 10.0.2.2
opt dns 10.0.2.2
opt lease 3600
opt tftp 10.0.2.2
opt bootfile pvgrub.elf
option 0x96 MENU_HEX
EOC
: >$t/udhcpd.leases
dnsmasq -k -C /dev/null --port=0 --enable-tftp --tftp-root=$t/root --listen-address=10.0.2.2 \
    --bind-interfaces --user=root --group=root --log-facility=$t/dnsmasq.log \
    --pid-file=$t/dnsmasq.pid &
dnsmasq_pid=$!
in.tftpd -L -u root -a 10.0.2.3:69 -s $t/root >$t/tftpd.log 2>&1 &
tftpd_pid=$!
/share/files/tftp/tftp-window 10.0.2.4 $t/root >$t/window.log 2>&1 &
window_pid=$!
udhcpd -f -a 100 $t/udhcpd.conf >$t/udhcpd.log 2>&1 &
udhcpd_pid=$!
st() { xenstore-read "$d/data/tftptest/$1" 2>/dev/null; }
# Polling with a builtin nap, once a second: process starts are slow in dom0 under TCG and
# would take time from the transfers.
exec {nap_fd}<> <(:)
nap() { read -r -t "$1" -u "$nap_fd" _ || true; }
# Bounded: the guest's reads take at most a few minutes.
for _ in $(seq 300); do
    [[ $(st KILLED/state) == running* || $(st state) == finished* ]] && break
    nap 1
done
# Once the transfer has moved data (tftpd-hpa's child has read 256 KiB of the file), kill it.
for _ in $(seq 600); do
    child=$(pgrep -P $tftpd_pid | head -1)
    if [[ -n $child ]]; then
        r=$(sed -n 's/^rchar: //p' /proc/$child/io 2>/dev/null)
        [[ ${r:-0} -gt 262144 ]] && break
    fi
    [[ $(st state) == finished* ]] && break
    nap 0.2
done
echo "during: killing tftpd-hpa (child ${child:-none} read ${r:-0} bytes)"
kill -9 ${child:-} $tftpd_pid 2>/dev/null
for _ in $(seq 300); do
    [[ $(st state) == finished* ]] && break
    nap 1
done
xenstore-ls -f "$d/data/tftptest" | sed 's/^/during: node /'
xenstore-write "$d/data/tftptest/dom0" done
kill $dnsmasq_pid $udhcpd_pid $window_pid 2>/dev/null
sed 's/^/during: dnsmasq-log /' $t/dnsmasq.log
sed 's/^/during: udhcpd-log /' $t/udhcpd.log
sed 's/^/during: window-log /' $t/window.log
ip addr del 10.0.2.3/24 dev xenbr0 2>/dev/null
ip addr del 10.0.2.4/24 dev xenbr0 2>/dev/null
rm -rf $t
"#;

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
        extra: Some(format!("dhcp {}", gets.join(" "))),
        during: Some(during),
        timeout: Duration::from_secs(400),
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
    // (c) A missing file: dnsmasq's own words, in xenstore and on the console.
    let err = get("3/error");
    check!(
        err.starts_with("the TFTP server 10.0.2.2 says: ")
            && err.contains("nosuch.bin")
            && err.ends_with("(code 1)")
            && con.contains(err),
        "the missing file's error is {err:?} (want dnsmasq's text with code 1, on the console too)"
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
