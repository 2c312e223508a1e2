//! Issue 10, DHCP renewal: the tftptest image (tests/images/tftptest, word `hold=`) keeps
//! its vif up while dom0's busybox udhcpd gives it a short lease ([`LEASE_S`]; udhcpd's
//! `min_lease`, 60 s by default, bounds only a lease time the client asks for, and smoltcp
//! asks for none, so `opt lease` is what the guest gets), then stops the server.
//!
//! Verdicts come from dom0: its capture of every DHCP packet on xenbr0
//! (tests/rig/peers/dhcp_capture.c: dom0 has no tcpdump) shows the guest's renewals after
//! the first ACK, unicast to the server at T1 = lease/2, each acknowledged; dom0 pings the
//! guest after the first lease's end; once udhcpd is stopped the capture shows the guest
//! rebinding by broadcast and discovering again after the lease ran out, the guest's console
//! says the lease was lost (minios::net's warning), dom0's ping then fails and the guest's
//! `lease/address` node is empty.
//!
//! The test also saves the OFFER and ACKs udhcpd sent (options 66, 67, 150 and the `sname`
//! and `file` fields) as the host tests' fixtures: in its scratch directory always, and over
//! `minios/src/net/bootp/udhcpd-*.bin` when run with `RIG_DHCP_FIXTURES=update`.

use std::path::Path;
use std::time::Duration;

use rig_tests::rig::{GuestSpec, Outcome, Reason, RigError};
use rig_tests::{build_peer, check, image, Ctx, Needs, Test, TestError, Xenstored};

/// A short lease renewed while the guest lives, then one that ends without renewal.
pub const RENEWAL: Test = Test {
    name: "dhcp_lease_renewal_and_expiry",
    needs: Needs::Rig(&[Xenstored::C]),
    images: &["tftptest"],
    run: renewal,
};

/// udhcpd's lease, seconds: T1 10 s, T2 17.5 s (RFC 2131's defaults, as smoltcp takes them).
const LEASE_S: u64 = 20;
/// GRUB's config-file path, served as option 150.
const MENU: &str = "(nd)/menu.lst";
/// The server, on xenbr0.
const SERVER: &str = "10.0.2.2";

/// dom0's side (LEASE_S and MENU_HEX are filled in).
const DURING: &str = concat!(include_str!("udhcpd.sh"), include_str!("dhcp_during.sh"));

/// One DHCP packet dom0 captured on xenbr0.
#[derive(Debug)]
struct Cap {
    t: u64,
    out: bool,
    kind: String,
    dmac: String,
    src: String,
    dst: String,
    ciaddr: String,
    yiaddr: String,
    chaddr: String,
    bytes: Vec<u8>,
}

impl Cap {
    /// A `cap t=...` line of dhcp-capture.
    fn parse(line: &str) -> Option<Cap> {
        let rest = line.strip_prefix("during: cap t=")?;
        let field = |k: &str| -> Option<String> {
            let v = rest.split(' ').find_map(|w| w.strip_prefix(k))?;
            Some(v.to_string())
        };
        let hex = field("hex=")?;
        let bytes = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        Some(Cap {
            t: rest.split(' ').next()?.parse().ok()?,
            out: field("dir=")? == "out",
            kind: field("type=")?,
            dmac: field("dmac=")?,
            src: field("src=")?,
            dst: field("dst=")?,
            ciaddr: field("ciaddr=")?,
            yiaddr: field("yiaddr=")?,
            chaddr: field("chaddr=")?,
            bytes,
        })
    }

    fn show(&self) -> String {
        format!(
            "t={} {} {} {}->{} dmac={} ciaddr={} yiaddr={}",
            self.t,
            if self.out { "out" } else { "in" },
            self.kind,
            self.src,
            self.dst,
            self.dmac,
            self.ciaddr,
            self.yiaddr
        )
    }
}

/// The rest of dom0's first line `during: PREFIX...`.
fn line<'a>(dur: &'a str, prefix: &str) -> Option<&'a str> {
    dur.lines()
        .find_map(|l| l.strip_prefix("during: ")?.strip_prefix(prefix))
}

/// The time (`t=MS`) on dom0's line `during: PREFIX...`.
fn ms(dur: &str, prefix: &str) -> Option<u64> {
    line(dur, prefix)?
        .split(' ')
        .find_map(|w| w.strip_prefix("t="))?
        .parse()
        .ok()
}

/// Saves a captured packet as a fixture (`udhcpd-NAME.bin`) in `dir`.
fn save(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), TestError> {
    let path = dir.join(format!("udhcpd-{name}.bin"));
    std::fs::write(&path, bytes).map_err(|e| RigError::io(path.display(), e))?;
    Ok(())
}

fn renewal(cx: &mut Ctx) -> Result<(), TestError> {
    let dir = cx.scratch()?;
    let peer = build_peer(&dir, "dhcp_capture.c", "dhcp-capture", &[])?;
    let files = cx.rig()?.share().join("files/dhcp");
    std::fs::create_dir_all(&files).map_err(|e| RigError::io(files.display(), e))?;
    std::fs::copy(&peer, files.join("dhcp-capture"))
        .map_err(|e| RigError::io(peer.display(), e))?;
    let hex: String = MENU.bytes().map(|b| format!("{b:02x}")).collect();
    let during = DURING
        .replace("LEASE_S", &LEASE_S.to_string())
        .replace("MENU_HEX", &hex);
    let spec = GuestSpec {
        vif: true,
        extra: Some("dhcp dhcp-limit=120 hold=300".into()),
        during: Some(during),
        timeout: Duration::from_secs(420),
        ..GuestSpec::new(image("tftptest"))
    };
    let run = cx.rig()?.run_guest(&spec)?;
    let (con, dur) = (&run.console, run.during_output.clone().unwrap_or_default());
    for line in con
        .lines()
        .filter(|l| l.contains("tftptest:") || l.contains("net:"))
    {
        eprintln!("    {line}");
    }
    eprintln!("    guest run {:.1} s", run.wall.as_secs_f64());
    check!(
        run.outcome == Outcome::Shutdown(Reason::Poweroff)
            && con.contains("tftptest: done closed failed=0 stuck=0 handshake=true"),
        "outcome {} (want poweroff after a clean close);\nconsole:\n{con}\nduring:\n{dur}",
        run.outcome
    );
    let mac = line(&dur, "mac ").unwrap_or("<none>");
    let caps: Vec<Cap> = dur.lines().filter_map(Cap::parse).collect();
    let ours: Vec<&Cap> = caps.iter().filter(|c| c.chaddr == mac).collect();
    for c in &ours {
        eprintln!("    cap {}", c.show());
    }
    let sent = |kind: &'static str| ours.iter().filter(move |c| c.out && c.kind == kind);
    let offer = sent("OFFER").next();
    let ack1 = sent("ACK").next();
    let (Some(offer), Some(ack1)) = (offer, ack1) else {
        return Err(TestError::Check(format!(
            "dom0 saw no OFFER and ACK to {mac}:\n{dur}\n{con}"
        )));
    };
    let addr = ack1.yiaddr.clone();
    let stopped = ms(&dur, "udhcpd-stopped").unwrap_or(u64::MAX);
    let lease_ms = LEASE_S * 1000;

    // (a) Renewals while the server runs (requests with ciaddr set, RFC 2131 4.3.2: not a
    // late repeat of the first request): unicast from the lease's address to the server,
    // the first at T1, each acknowledged by a unicast ACK.
    let requests = |from: u64, to: u64| {
        ours.iter().filter(move |c| {
            !c.out && c.kind == "REQUEST" && c.t > from && c.t < to && c.ciaddr != "0.0.0.0"
        })
    };
    let renewals: Vec<&&Cap> = requests(ack1.t, stopped).collect();
    check!(
        !renewals.is_empty(),
        "no DHCPREQUEST from {mac} after the first ACK (t={}):\n{dur}",
        ack1.t
    );
    for r in &renewals {
        check!(
            r.src == addr && r.ciaddr == addr && r.dst == SERVER && r.dmac != "ff:ff:ff:ff:ff:ff",
            "a renewal is not unicast from {addr} to {SERVER}: {}",
            r.show()
        );
        check!(
            sent("ACK").any(|a| a.t >= r.t && a.t < stopped && a.dst == addr && a.ciaddr == addr),
            "udhcpd did not acknowledge the renewal {} by unicast",
            r.show()
        );
    }
    let t1 = renewals[0].t - ack1.t;
    check!(
        (lease_ms / 2 - 1000..lease_ms / 2 + 5000).contains(&t1),
        "the first renewal came {t1} ms after the first ACK (T1 = {} ms)",
        lease_ms / 2
    );
    let ping1 = ms(&dur, "ping1-start").unwrap_or(0);
    check!(
        line(&dur, "ping1-rc=") == Some("0") && ping1 > ack1.t + lease_ms,
        "dom0 could not ping the guest at t={ping1}, past its first lease (ACK at t={} + \
         {lease_ms} ms):\n{dur}",
        ack1.t
    );
    // (b) The server stopped: rebinding by broadcast at T2, the lease lost at its end
    // (counted from the last ACK), discovering again; dom0's ping fails.
    let last_ack = sent("ACK").filter(|a| a.t < stopped).map(|a| a.t).max();
    let last_ack = last_ack.unwrap_or(ack1.t);
    let rebinds = requests(stopped, u64::MAX)
        .filter(|r| r.dst == "255.255.255.255" && r.ciaddr == addr)
        .count();
    let lost = ms(&dur, "lost").unwrap_or(0);
    let end = last_ack + lease_ms;
    check!(
        rebinds > 0
            && sent("ACK").all(|a| a.t < stopped)
            && (end.saturating_sub(1000)..end + 15_000).contains(&lost),
        "after udhcpd stopped (t={stopped}): {rebinds} rebinding requests, the guest lost its \
         lease at t={lost} (want the lease's end, t={end}):\n{dur}\n{con}"
    );
    check!(
        ours.iter()
            .any(|c| !c.out && c.kind == "DISCOVER" && c.t + 1000 > end),
        "the guest did not discover again after its lease ended:\n{dur}"
    );
    let node = |k: &str| {
        dur.lines()
            .filter_map(|l| l.strip_prefix("during: node "))
            .find_map(|l| {
                l.split_once(&format!("/data/tftptest/{k} = "))?
                    .1
                    .strip_prefix('"')
            })
            .and_then(|v| v.strip_suffix('"'))
            .map(str::to_string)
    };
    check!(
        line(&dur, "ping2-rc=").is_some_and(|rc| rc != "0")
            && node("lease/address").as_deref() == Some(""),
        "after the lease's end dom0 still reached the guest, or its lease/address is {:?}:\n{dur}",
        node("lease/address")
    );
    // The lease's fields, as udhcpd was configured (options 66 and 67 over sname and file).
    for (k, want) in [
        ("lease-s", LEASE_S.to_string()),
        ("tftp-server", SERVER.into()),
        ("boot-file", "pvgrub.elf".into()),
        ("config-file", MENU.into()),
        ("next-server", SERVER.into()),
    ] {
        let got = node(&format!("lease/{k}"));
        check!(
            got.as_deref() == Some(want.as_str()),
            "lease/{k} is {got:?}, want {want:?}"
        );
    }
    eprintln!(
        "    {} renewals, T1 {t1} ms, lost {} ms after the last ACK, {rebinds} rebinding",
        renewals.len(),
        lost - last_ack
    );
    // The fixtures.
    let renew_ack = sent("ACK").find(|a| a.t > ack1.t && a.ciaddr == addr);
    let mut keep = vec![("offer", offer), ("ack", ack1)];
    keep.extend(renew_ack.map(|a| ("renew-ack", a)));
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../minios/src/net/bootp");
    let update = std::env::var("RIG_DHCP_FIXTURES").is_ok_and(|v| v == "update");
    for (name, c) in keep {
        save(&dir, name, &c.bytes)?;
        if update {
            save(&tree, name, &c.bytes)?;
            eprintln!("    wrote {}/udhcpd-{name}.bin", tree.display());
        }
    }
    Ok(())
}
