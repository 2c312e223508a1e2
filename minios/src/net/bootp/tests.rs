//! The BOOTP/DHCP reader against packets busybox udhcpd sent in the rig (captured), packets
//! built here for what udhcpd never sends (RFC 3396 pieces, option overload), and hostile
//! bytes.

use super::*;

const OUR: Ipv4Address = Ipv4Address::new(10, 0, 2, 100);
const SERVER: Ipv4Address = Ipv4Address::new(10, 0, 2, 2);

/// A DHCPACK: the fixed fields (siaddr, sname, file given), the cookie, `options`, and the
/// zero padding busybox adds up to its fixed packet size.
fn ack(siaddr: [u8; 4], sname: &[u8], file: &[u8], options: &[u8]) -> Vec<u8> {
    let mut p = vec![0u8; OPTIONS];
    p[..4].copy_from_slice(&[2, 1, 6, 0]); // BOOTREPLY, Ethernet, 6-byte MAC, 0 hops
    p[4..8].copy_from_slice(&[0x12, 0x34, 0x56, 0x78]);
    p[16..20].copy_from_slice(&OUR.octets());
    p[SIADDR..SIADDR + 4].copy_from_slice(&siaddr);
    p[28..34].copy_from_slice(&[0x00, 0x16, 0x3e, 0x01, 0x02, 0x03]);
    p[SNAME.start..SNAME.start + sname.len()].copy_from_slice(sname);
    p[FILE.start..FILE.start + file.len()].copy_from_slice(file);
    p[FIXED..OPTIONS].copy_from_slice(&COOKIE);
    p.extend_from_slice(options);
    p.resize(p.len().max(548), 0);
    p
}

/// udhcpd's options: message type, server id, lease time, then the configured ones in order.
fn udhcpd_options(extra: &[u8]) -> Vec<u8> {
    let mut o = vec![53, 1, 5, 54, 4, 10, 0, 2, 2, 51, 4, 0, 0, 0x0e, 0x10];
    o.extend_from_slice(&[1, 4, 255, 255, 255, 0, 3, 4, 10, 0, 2, 2, 6, 4, 10, 0, 2, 2]);
    o.extend_from_slice(extra);
    o.push(code::END);
    o
}

fn lease(p: &[u8]) -> Lease {
    Lease::new(Ipv4Cidr::new(OUR, 24), Some(SERVER), &[SERVER], SERVER, p)
}

/// What dom0's busybox udhcpd (Debian 12's 1.35) sent the guest in the rig test
/// `dhcp_lease_renewal_and_expiry`, captured on xenbr0 (the BOOTP packet, as smoltcp hands
/// it over): configured with siaddr 10.0.2.2, sname `rig-sname`, boot_file `file-field.elf`,
/// a 20 s lease, options 66 `10.0.2.2`, 67 `pvgrub.elf` and 150 `(nd)/menu.lst`. The README
/// says how to capture them again.
const UDHCPD_OFFER: &[u8] = include_bytes!("udhcpd-offer.bin");
/// The ACK of the first request (broadcast, `ciaddr` 0).
const UDHCPD_ACK: &[u8] = include_bytes!("udhcpd-ack.bin");
/// The ACK of the first renewal (unicast to the lease's address, in `ciaddr`).
const UDHCPD_RENEW_ACK: &[u8] = include_bytes!("udhcpd-renew-ack.bin");

#[test]
fn udhcpd_captured_packets() {
    for (p, kind) in [(UDHCPD_OFFER, 2), (UDHCPD_ACK, 5), (UDHCPD_RENEW_ACK, 5)] {
        let b = Bootp::new_checked(p).expect("a DHCP packet");
        assert_eq!(b.option(53), Some(vec![kind]));
        assert_eq!(b.option(54), Some(SERVER.octets().to_vec()));
        assert_eq!(b.next_server(), Some(SERVER));
        assert_eq!(b.sname_field().as_deref(), Some("rig-sname"));
        assert_eq!(b.file_field().as_deref(), Some("file-field.elf"));
        let l = lease(p);
        // Options 66 and 67 win over the sname and file fields.
        assert_eq!(l.tftp_server.as_deref(), Some("10.0.2.2"));
        assert_eq!(l.boot_file.as_deref(), Some("pvgrub.elf"));
        assert_eq!(l.config_file.as_deref(), Some("(nd)/menu.lst"));
        assert_eq!(l.lease_time, Some(Duration::from_secs(20)));
        assert_eq!(l.next_server, Some(SERVER));
    }
    let yiaddr = &UDHCPD_ACK[16..20];
    assert_eq!(&UDHCPD_RENEW_ACK[12..16], yiaddr, "the renewal's ciaddr");
    assert_eq!(&UDHCPD_ACK[12..16], &[0; 4]);
}

/// smoltcp copies each packet over the start of its receive buffer: what an earlier packet
/// left past this one's END is not read.
#[test]
fn udhcpd_ack_over_a_stale_buffer() {
    let mut buf = vec![0xa5; 1536];
    let mut longer = UDHCPD_OFFER.to_vec();
    longer.truncate(longer.len() - 1); // drop END ...
    longer.extend_from_slice(&[code::BOOT_FILE, 3, b'o', b'l', b'd', code::END]);
    buf[..longer.len()].copy_from_slice(&longer);
    buf[..UDHCPD_ACK.len()].copy_from_slice(UDHCPD_ACK);
    assert_eq!(lease(&buf), lease(UDHCPD_ACK));
    assert_eq!(lease(&buf).boot_file.as_deref(), Some("pvgrub.elf"));
}

/// The captured ACK with its options 66 and 67 renamed (to 224, a site-specific code): the
/// sname and file fields stand in.
#[test]
fn udhcpd_fields_without_options() {
    let mut p = UDHCPD_ACK.to_vec();
    let mut i = OPTIONS;
    while let Some(&c) = p.get(i) {
        match c {
            code::PAD => i += 1,
            code::END => break,
            _ => {
                if c == code::TFTP_SERVER || c == code::BOOT_FILE {
                    p[i] = 224;
                }
                i += 2 + usize::from(p[i + 1]);
            }
        }
    }
    let l = lease(&p);
    assert_eq!(l.tftp_server.as_deref(), Some("rig-sname"));
    assert_eq!(l.boot_file.as_deref(), Some("file-field.elf"));
    assert_eq!(l.config_file.as_deref(), Some("(nd)/menu.lst"));
}

#[test]
fn fields_stand_in_for_options() {
    let p = ack(
        [0; 4],
        b"tftp.example\0",
        b"boot/kernel\0junk",
        &udhcpd_options(&[]),
    );
    let l = lease(&p);
    assert_eq!(l.next_server, None);
    assert_eq!(l.tftp_server.as_deref(), Some("tftp.example"));
    assert_eq!(l.boot_file.as_deref(), Some("boot/kernel"));
    assert_eq!(l.config_file, None);
}

#[test]
fn long_option_in_pieces_and_overload() {
    // Option 150 split in two pieces (RFC 3396), the second in the file field (overload 1).
    let mut file = vec![code::CONFIG_FILE, 5];
    file.extend_from_slice(b"u.lst");
    file.push(code::END);
    let mut extra = vec![code::OVERLOAD, 1, 1, code::CONFIG_FILE, 8];
    extra.extend_from_slice(b"(nd)/men");
    let p = ack([0; 4], b"", &file, &udhcpd_options(&extra));
    let l = lease(&p);
    assert_eq!(l.config_file.as_deref(), Some("(nd)/menu.lst"));
    assert_eq!(l.boot_file, None, "the file field holds options");
}

#[test]
fn trailing_nul_and_stale_bytes_after_end() {
    let mut extra = vec![code::CONFIG_FILE, 6];
    extra.extend_from_slice(b"a.lst\0");
    let mut p = ack([0; 4], b"", b"", &udhcpd_options(&extra));
    // What an earlier, longer packet left in smoltcp's buffer after END.
    p.extend_from_slice(&[code::BOOT_FILE, 3, b'o', b'l', b'd']);
    let l = lease(&p);
    assert_eq!(l.config_file.as_deref(), Some("a.lst"));
    assert_eq!(l.boot_file, None);
}

#[test]
fn infinite_and_malformed_lease_time() {
    let o = |t: &[u8]| {
        let mut o = vec![53, 1, 5, code::LEASE_TIME, t.len() as u8];
        o.extend_from_slice(t);
        o.push(code::END);
        lease(&ack([0; 4], b"", b"", &o)).lease_time
    };
    assert_eq!(o(&[0xff; 4]), None);
    assert_eq!(o(&[0, 0, 1]), None);
    assert_eq!(o(&[0, 0, 0, 60]), Some(Duration::from_secs(60)));
}

#[test]
fn not_dhcp() {
    assert_eq!(
        Bootp::new_checked(&[0; 10]).err(),
        Some(BootpError::Truncated)
    );
    assert_eq!(
        Bootp::new_checked(&[0; 300]).err(),
        Some(BootpError::NoCookie)
    );
    let l = lease(&[0; 300]);
    assert_eq!((l.next_server, l.config_file), (None, None));
}

#[test]
fn truncated_options_stop_the_area() {
    let mut p = ack([0; 4], b"", b"", &[]);
    p.truncate(OPTIONS);
    p.extend_from_slice(&[code::CONFIG_FILE, 200, b'x']);
    assert_eq!(lease(&p).config_file, None);
    p.truncate(OPTIONS);
    p.push(code::CONFIG_FILE);
    assert_eq!(lease(&p).config_file, None);
}

/// Every prefix and many mutations of udhcpd's captured ACK and of a packet with overload:
/// no panic, and the reader never returns more bytes than the packet has.
#[test]
fn hostile_bytes_never_panic() {
    let mut extra = vec![code::OVERLOAD, 1, 3, code::CONFIG_FILE, 13];
    extra.extend_from_slice(b"(nd)/menu.lst");
    let overload = ack([10, 0, 2, 2], b"", b"", &udhcpd_options(&extra));
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for base in [UDHCPD_ACK, &overload] {
        for n in 0..=base.len() {
            let l = lease(&base[..n]);
            assert!(l.config_file.as_ref().is_none_or(|s| s.len() <= n));
        }
        for _ in 0..20_000 {
            let mut p = base.to_vec();
            for _ in 0..8 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let i = (seed % p.len() as u64) as usize;
                p[i] = (seed >> 32) as u8;
            }
            let l = lease(&p);
            let total = p.len();
            for s in [&l.config_file, &l.boot_file, &l.tftp_server]
                .into_iter()
                .flatten()
            {
                assert!(s.len() <= total * 3);
            }
        }
    }
}
