//! The `bootp` target: any bytes as a DHCP server's answer through `minios::net::bootp`
//! (the checked packet, the options of every area, the `sname` and `file` fields, and the
//! [`Lease`] built from them). No panic, and every answer is what an independent reading
//! gives: smoltcp's own option walker (`DhcpPacket::options`) over the options field and,
//! as option 52 says, over `file` and `sname` laid into a packet of their own; the fields
//! and `siaddr` read by offset.

use minios::net::bootp::{code, Bootp, BootpError};
use minios::net::Lease;
use smoltcp::wire::{DhcpPacket, Ipv4Address, Ipv4Cidr};

/// RFC 951's fixed fields end at 236; the magic cookie follows.
const COOKIE: std::ops::Range<usize> = 236..240;
const SNAME: std::ops::Range<usize> = 44..108;
const FILE: std::ops::Range<usize> = 108..236;

/// The (code, value) options of an area, as smoltcp walks them (PAD skipped, up to END or a
/// piece that runs past the area).
fn walk(area: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut buf = vec![0u8; COOKIE.end];
    buf.extend_from_slice(area);
    let p = DhcpPacket::new_unchecked(&buf[..]);
    p.options().map(|o| (o.kind, o.data.to_vec())).collect()
}

/// A string field: up to its first NUL, lossy UTF-8, empty is none.
fn field(b: &[u8]) -> Option<String> {
    let b = &b[..b.iter().position(|&x| x == 0).unwrap_or(b.len())];
    (!b.is_empty()).then(|| String::from_utf8_lossy(b).into_owned())
}

/// A string option: trailing NULs dropped, lossy UTF-8, empty is none.
fn text(v: &[u8]) -> Option<String> {
    let end = v.iter().rposition(|&x| x != 0).map_or(0, |i| i + 1);
    (end > 0).then(|| String::from_utf8_lossy(&v[..end]).into_owned())
}

fn lease(data: &[u8]) -> Lease {
    let a = Ipv4Address::new(10, 0, 2, 100);
    let s = Ipv4Address::new(10, 0, 2, 2);
    Lease::new(Ipv4Cidr::new(a, 24), Some(s), &[s], s, data)
}

/// bootp: see the module's doc.
pub fn packet(data: &[u8]) {
    let p = match Bootp::new_checked(data) {
        Ok(p) => p,
        Err(e) => {
            match e {
                BootpError::Truncated => assert!(data.len() < COOKIE.end),
                BootpError::NoCookie => assert!(data[COOKIE] != [99, 130, 83, 99]),
            }
            let l = lease(data);
            assert!(l.next_server.is_none() && l.config_file.is_none());
            assert!(l.tftp_server.is_none() && l.boot_file.is_none() && l.lease_time.is_none());
            return;
        }
    };
    assert!(data.len() >= COOKIE.end && data[COOKIE] == [99, 130, 83, 99]);
    let main = walk(&data[COOKIE.end..]);
    let overload = main
        .iter()
        .find(|(c, _)| *c == code::OVERLOAD)
        .and_then(|(_, v)| v.first().copied())
        .unwrap_or(0);
    let mut all = main;
    if overload & 1 != 0 {
        all.extend(walk(&data[FILE]));
    }
    if overload & 2 != 0 {
        all.extend(walk(&data[SNAME]));
    }
    let want = |c: u8| -> Option<Vec<u8>> {
        let mut v = all.iter().filter(|(k, _)| *k == c).peekable();
        v.peek()?;
        Some(v.flat_map(|(_, v)| v.iter().copied()).collect())
    };
    // Every code present, the boot ones, and one the input picks.
    let mut codes: Vec<u8> = all.iter().map(|(c, _)| *c).collect();
    codes.extend([
        code::PAD,
        code::END,
        code::LEASE_TIME,
        code::OVERLOAD,
        code::TFTP_SERVER,
        code::BOOT_FILE,
        code::CONFIG_FILE,
        data[0],
    ]);
    codes.sort_unstable();
    codes.dedup();
    let mut total = 0;
    for c in codes {
        let got = p.option(c);
        assert_eq!(got, want(c), "option {c}");
        total += got.map_or(0, |v| v.len());
    }
    assert!(
        total <= data.len(),
        "option values are pieces of the packet"
    );
    let file = (overload & 1 == 0).then(|| field(&data[FILE])).flatten();
    let sname = (overload & 2 == 0).then(|| field(&data[SNAME])).flatten();
    assert_eq!(p.file_field(), file);
    assert_eq!(p.sname_field(), sname);
    let siaddr = Ipv4Address::from(<[u8; 4]>::try_from(&data[20..24]).expect("4 bytes"));
    assert_eq!(
        p.next_server(),
        (!siaddr.is_unspecified()).then_some(siaddr)
    );

    let l = lease(data);
    let opt = |c| want(c).as_deref().and_then(text);
    assert_eq!(l.next_server, p.next_server());
    assert_eq!(l.config_file, opt(code::CONFIG_FILE));
    assert_eq!(l.tftp_server, opt(code::TFTP_SERVER).or(sname));
    assert_eq!(l.boot_file, opt(code::BOOT_FILE).or(file));
    let secs = want(code::LEASE_TIME)
        .and_then(|v| <[u8; 4]>::try_from(v).ok())
        .map(u32::from_be_bytes)
        .filter(|&s| s != u32::MAX);
    assert_eq!(l.lease_time.map(|d| d.as_secs()), secs.map(u64::from));
}
