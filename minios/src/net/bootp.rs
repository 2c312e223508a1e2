//! Reading a DHCP server's answer (a BOOTP packet, RFC 951 and 2131) for what a network boot
//! needs: next-server (`siaddr`), options 66 (TFTP server name), 67 (boot file), 150 (GRUB's
//! config-file path, a string such as `(nd)/menu.lst`), 51 (lease time), and the `sname`
//! and `file` fields, with option overload (52) and long options split in pieces (RFC 3396).
//!
//! smoltcp's `dhcpv4` socket hands over its whole receive buffer, the packet first: the
//! options are read up to their END (255) and never past the buffer. Parsing follows
//! smoltcp's wire style: [`Bootp::new_checked`] checks the fixed part once; the accessors
//! cannot fail or panic on any bytes.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use smoltcp::wire::{Ipv4Address, Ipv4Cidr};

/// The fixed part: op .. file (236 bytes), then the magic cookie.
const FIXED: usize = 236;
const COOKIE: [u8; 4] = [99, 130, 83, 99];
const OPTIONS: usize = FIXED + COOKIE.len();
const SIADDR: usize = 20;
const SNAME: core::ops::Range<usize> = 44..108;
const FILE: core::ops::Range<usize> = 108..236;

/// Option codes read here.
pub mod code {
    /// Padding.
    pub const PAD: u8 = 0;
    /// IP address lease time (seconds, u32).
    pub const LEASE_TIME: u8 = 51;
    /// Option overload: 1 `file`, 2 `sname`, 3 both carry options.
    pub const OVERLOAD: u8 = 52;
    /// TFTP server name (RFC 2132).
    pub const TFTP_SERVER: u8 = 66;
    /// Boot file name (RFC 2132).
    pub const BOOT_FILE: u8 = 67;
    /// GRUB's configuration file path (a string; Cisco's TFTP server address list elsewhere).
    pub const CONFIG_FILE: u8 = 150;
    /// End of the options.
    pub const END: u8 = 255;
}

/// Why bytes are not a DHCP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootpError {
    /// Shorter than the fixed BOOTP fields and the magic cookie.
    Truncated,
    /// The magic cookie (99.130.83.99) is missing: BOOTP without DHCP options.
    NoCookie,
}

impl fmt::Display for BootpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated => f.write_str("the DHCP packet is shorter than its fixed fields"),
            Self::NoCookie => f.write_str("the DHCP packet lacks the options' magic cookie"),
        }
    }
}

/// A checked DHCP packet.
#[derive(Debug, Clone, Copy)]
pub struct Bootp<'a> {
    bytes: &'a [u8],
}

impl<'a> Bootp<'a> {
    /// Checks the fixed fields and the magic cookie.
    pub fn new_checked(bytes: &'a [u8]) -> Result<Self, BootpError> {
        match bytes.get(FIXED..OPTIONS) {
            None => Err(BootpError::Truncated),
            Some(c) if c != COOKIE => Err(BootpError::NoCookie),
            Some(_) => Ok(Bootp { bytes }),
        }
    }

    /// `siaddr`, the next server (the TFTP server, as a rule); `None` when 0.0.0.0.
    pub fn next_server(&self) -> Option<Ipv4Address> {
        let a = self.bytes.get(SIADDR..SIADDR + 4)?;
        let a = Ipv4Address::new(a[0], a[1], a[2], a[3]);
        (!a.is_unspecified()).then_some(a)
    }

    /// The value of option `code`: the pieces of every instance joined (RFC 3396), from the
    /// options field, then `file`, then `sname` as option 52 says. `None` if absent.
    pub fn option(&self, code: u8) -> Option<Vec<u8>> {
        let mut out: Option<Vec<u8>> = None;
        for (c, v) in self.all_options() {
            if c == code {
                out.get_or_insert_with(Vec::new).extend_from_slice(v);
            }
        }
        out
    }

    /// Every option, in order, over the areas that carry options.
    fn all_options(&self) -> impl Iterator<Item = (u8, &'a [u8])> + '_ {
        let main = self.bytes.get(OPTIONS..).unwrap_or_default();
        let overload = self.overload();
        let area = |r: core::ops::Range<usize>, bit: u8| {
            let b = if overload & bit != 0 {
                self.bytes.get(r).unwrap_or_default()
            } else {
                &[]
            };
            Options(b)
        };
        Options(main).chain(area(FILE, 1)).chain(area(SNAME, 2))
    }

    /// The `file` field as a string, unless option 52 gives it to options.
    pub fn file_field(&self) -> Option<String> {
        self.field(FILE, 1)
    }

    /// The `sname` field as a string, unless option 52 gives it to options.
    pub fn sname_field(&self) -> Option<String> {
        self.field(SNAME, 2)
    }

    /// Option 52 (in the options field only, RFC 2132): which fields carry options.
    fn overload(&self) -> u8 {
        let main = self.bytes.get(OPTIONS..).unwrap_or_default();
        Options(main)
            .find(|&(c, _)| c == code::OVERLOAD)
            .and_then(|(_, v)| v.first().copied())
            .unwrap_or(0)
    }

    fn field(&self, r: core::ops::Range<usize>, bit: u8) -> Option<String> {
        if self.overload() & bit != 0 {
            return None;
        }
        let b = self.bytes.get(r)?;
        let end = b.iter().position(|&x| x == 0).unwrap_or(b.len());
        text(&b[..end])
    }
}

/// The options of one area: `code len value` triples, PAD skipped, up to END or a piece that
/// would run past the area (what follows is not trusted).
struct Options<'a>(&'a [u8]);

impl<'a> Iterator for Options<'a> {
    type Item = (u8, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (&c, rest) = self.0.split_first()?;
            match c {
                code::PAD => self.0 = rest,
                code::END => {
                    self.0 = &[];
                    return None;
                }
                _ => {
                    let Some((&len, rest)) = rest.split_first() else {
                        self.0 = &[];
                        return None;
                    };
                    let Some((v, rest)) = rest.split_at_checked(usize::from(len)) else {
                        self.0 = &[];
                        return None;
                    };
                    self.0 = rest;
                    return Some((c, v));
                }
            }
        }
    }
}

/// A string option or field: trailing NULs dropped (some servers count one), empty is none,
/// bytes that are not UTF-8 replaced.
fn text(b: &[u8]) -> Option<String> {
    let end = b.iter().rposition(|&x| x != 0).map_or(0, |i| i + 1);
    let b = &b[..end];
    (!b.is_empty()).then(|| String::from_utf8_lossy(b).into_owned())
}

/// What a DHCP server gave us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// Our address and its network's prefix length.
    pub address: Ipv4Cidr,
    /// The default gateway (option 3).
    pub router: Option<Ipv4Address>,
    /// DNS servers (option 6).
    pub dns_servers: Vec<Ipv4Address>,
    /// The DHCP server (its identifier, option 54).
    pub server: Ipv4Address,
    /// The next server (`siaddr`), where a network boot fetches its files.
    pub next_server: Option<Ipv4Address>,
    /// The TFTP server's name (option 66, else the `sname` field).
    pub tftp_server: Option<String>,
    /// The boot file (option 67, else the `file` field).
    pub boot_file: Option<String>,
    /// GRUB's config-file path (option 150 as a string, such as `(nd)/menu.lst`).
    pub config_file: Option<String>,
    /// How long the lease lasts (option 51); `None` if the server did not say or said
    /// "infinite" (0xffffffff).
    pub lease_time: Option<Duration>,
}

impl Lease {
    /// A lease from what smoltcp checked (address, router, DNS, server) and the packet's
    /// bytes (`packet`: the ACK, possibly followed by stale bytes; an unreadable packet
    /// leaves the boot fields empty).
    pub fn new(
        address: Ipv4Cidr,
        router: Option<Ipv4Address>,
        dns_servers: &[Ipv4Address],
        server: Ipv4Address,
        packet: &[u8],
    ) -> Lease {
        let mut lease = Lease {
            address,
            router,
            dns_servers: dns_servers.to_vec(),
            server,
            next_server: None,
            tftp_server: None,
            boot_file: None,
            config_file: None,
            lease_time: None,
        };
        let Ok(p) = Bootp::new_checked(packet) else {
            return lease;
        };
        let string = |c| p.option(c).as_deref().and_then(text);
        lease.next_server = p.next_server();
        lease.tftp_server = string(code::TFTP_SERVER).or_else(|| p.sname_field());
        lease.boot_file = string(code::BOOT_FILE).or_else(|| p.file_field());
        lease.config_file = string(code::CONFIG_FILE);
        lease.lease_time = p
            .option(code::LEASE_TIME)
            .and_then(|v| <[u8; 4]>::try_from(v.as_slice()).ok())
            .map(u32::from_be_bytes)
            .filter(|&s| s != u32::MAX)
            .map(|s| Duration::from_secs(s.into()));
        lease
    }
}

#[cfg(test)]
mod tests;
