//! Device names, `(hd0,0)` in GRUB legacy and `(hd0,msdos1)` in GRUB 2, and paths on them.

use super::error::DeviceError;
use super::select::parse_decimal;
use super::text::Text;
use core::fmt;
use core::ops::Range;

/// A device as a menu names it. Partitions are numbered from 0 as in GRUB legacy
/// (`(hd0,0)` is the first partition; GRUB 2's `(hd0,msdos1)` is stored the same way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Device {
    /// A disk, `hdN`: the Nth virtual block device of the guest, by device id.
    Disk {
        /// Disk number (`hd0` is the first vbd).
        drive: u32,
        /// Partition number from 0 (`None`: the whole disk).
        partition: Option<u32>,
        /// BSD slice letter within the partition (`'a'`..=`'h'`), as in `(hd0,2,a)`.
        bsd_slice: Option<char>,
    },
    /// The network, `(nd)`: files come over TFTP.
    Network,
    /// A device this loader has no equivalent for (menu.lst `fd0`, `cd`; grub.cfg
    /// `lvmid/...`, `md/0`, ...), kept by name so that booting from it fails cleanly.
    Other(Text),
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Disk {
                drive,
                partition,
                bsd_slice,
            } => {
                write!(f, "(hd{drive}")?;
                if let Some(p) = partition {
                    write!(f, ",{p}")?;
                }
                if let Some(s) = bsd_slice {
                    write!(f, ",{s}")?;
                }
                f.write_str(")")
            }
            Device::Network => f.write_str("(nd)"),
            // Text displays escaped.
            Device::Other(name) => write!(f, "({name})"),
        }
    }
}

/// Parses a number as GRUB legacy does (`safe_parse_maxint`): decimal, or hex after `0x`,
/// at most `i32::MAX`. Returns the value and the bytes after it.
pub(super) fn grub_number(s: &[u8]) -> Option<(u32, &[u8])> {
    let (digits, radix) = match s {
        [b'0', b'x' | b'X', rest @ ..] => (rest, 16),
        _ => (s, 10),
    };
    let end = digits
        .iter()
        .position(|&c| !char::from(c).is_digit(radix))
        .unwrap_or(digits.len());
    let (num, rest) = digits.split_at(end);
    if num.is_empty() {
        return None;
    }
    let mut value: u32 = 0;
    for &d in num {
        let d = char::from(d).to_digit(radix)?;
        value = value.checked_mul(radix)?.checked_add(d)?;
    }
    (value <= i32::MAX as u32).then_some((value, rest))
}

/// A device name as parsed, before it is stored: [`Device`] with the name of an
/// [`Device::Other`] given as its range in the bytes parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Parsed {
    /// [`Device::Disk`].
    Disk {
        drive: u32,
        partition: Option<u32>,
        bsd_slice: Option<char>,
    },
    /// [`Device::Network`].
    Network,
    /// [`Device::Other`], its name being `name[range]`.
    Other(Range<usize>),
}

impl Parsed {
    /// The device, an [`Device::Other`] name taken from `name` (the bytes parsed).
    pub(super) fn device(self, name: &Text) -> Device {
        match self {
            Parsed::Disk {
                drive,
                partition,
                bsd_slice,
            } => Device::Disk {
                drive,
                partition,
                bsd_slice,
            },
            Parsed::Network => Device::Network,
            Parsed::Other(r) => Device::Other(name.slice(r.start, r.end)),
        }
    }
}

/// Parses the inside of a GRUB legacy device name (`hd0`, `hd0,1`, `hd0,1,a`, `nd`;
/// `fd0` and `cd` become [`Device::Other`]).
pub(super) fn parse_legacy(inner: &[u8]) -> Result<Parsed, DeviceError> {
    if inner == b"nd" {
        return Ok(Parsed::Network);
    }
    // Floppies and CD-ROMs are valid names that pv-grub has no device for.
    let floppy = inner.strip_prefix(b"fd").and_then(grub_number);
    if inner == b"cd" || floppy.is_some_and(|(_, rest)| rest.is_empty()) {
        return Ok(Parsed::Other(0..inner.len()));
    }
    let Some(rest) = inner.strip_prefix(b"hd") else {
        return Err(if inner.is_empty() {
            DeviceError::Empty
        } else {
            DeviceError::UnknownKind
        });
    };
    let (drive, rest) = grub_number(rest).ok_or(DeviceError::BadDrive)?;
    let Some(rest) = rest.strip_prefix(b",") else {
        return match rest {
            [] => Ok(Parsed::Disk {
                drive,
                partition: None,
                bsd_slice: None,
            }),
            _ => Err(DeviceError::BadDrive),
        };
    };
    // GRUB legacy: partitions 0..=254, then an optional `,` and BSD slice letter.
    let (partition, rest) = grub_number(rest).ok_or(DeviceError::BadPartition)?;
    if partition > 254 {
        return Err(DeviceError::BadPartition);
    }
    let rest = rest.strip_prefix(b",").unwrap_or(rest);
    let bsd_slice = match rest {
        [] => None,
        [c @ b'a'..=b'h'] => Some(char::from(*c)),
        _ => return Err(DeviceError::BadPartition),
    };
    Ok(Parsed::Disk {
        drive,
        partition: Some(partition),
        bsd_slice,
    })
}

/// Parses a GRUB 2 device name, with or without its parentheses (`hd0,msdos1`,
/// `(hd0,gpt2)`, `hd0,1`, `xen/xvda,1`). Names it cannot map become [`Device::Other`].
pub(super) fn parse_grub2(name: &[u8]) -> Result<Parsed, DeviceError> {
    let (from, inner) = match name.strip_prefix(b"(") {
        Some(rest) => (1, rest.strip_suffix(b")").ok_or(DeviceError::Unclosed)?),
        None => (0, name),
    };
    if inner.is_empty() {
        return Err(DeviceError::Empty);
    }
    let other = Parsed::Other(from..from + inner.len());
    let mut parts = inner.split(|&b| b == b',');
    let disk = parts.next().unwrap_or(&[]);
    let drive = if let Some(n) = disk.strip_prefix(b"hd") {
        match parse_decimal(n).and_then(|n| u32::try_from(n).ok()) {
            Some(n) => n,
            None => return Ok(other),
        }
    } else if let Some([c @ b'a'..=b'z']) = disk.strip_prefix(b"xen/xvd") {
        u32::from(c - b'a')
    } else {
        return Ok(other);
    };
    let partition = match parts.next() {
        None => None,
        Some(p) => {
            let digits = p
                .strip_prefix(b"msdos")
                .or_else(|| p.strip_prefix(b"gpt"))
                .unwrap_or(p);
            match parse_decimal(digits) {
                Some(0) => return Err(DeviceError::BadPartition),
                Some(n) => Some(u32::try_from(n - 1).map_err(|_| DeviceError::BadPartition)?),
                None => return Ok(other),
            }
        }
    };
    let bsd_slice = match parts.next() {
        None => None,
        Some(s) => match s.strip_prefix(b"bsd").and_then(parse_decimal) {
            Some(n @ 1..=8) => char::from_u32('a' as u32 + n as u32 - 1),
            _ => return Ok(other),
        },
    };
    if parts.next().is_some() {
        return Ok(other);
    }
    Ok(Parsed::Disk {
        drive,
        partition,
        bsd_slice,
    })
}

/// A file named by a menu: an optional device, then the path on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePath {
    /// The device written before the path, else the root in effect; `None` if neither:
    /// the device the menu was read from applies.
    pub device: Option<Device>,
    /// The path on the device, e.g. `/boot/vmlinuz` (may be a GRUB blocklist like `+1`),
    /// exactly as the menu wrote it.
    pub path: Text,
}

impl fmt::Display for FilePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.device {
            write!(f, "{d}")?;
        }
        write!(f, "{}", self.path)
    }
}

/// Splits `(device)path` into the range of the text inside the parentheses (if any) and
/// the range of the path.
pub(super) fn split_device(
    word: &[u8],
) -> Result<(Option<Range<usize>>, Range<usize>), DeviceError> {
    if word.first() != Some(&b'(') {
        return Ok((None, 0..word.len()));
    }
    let close = word
        .iter()
        .position(|&b| b == b')')
        .ok_or(DeviceError::Unclosed)?;
    Ok((Some(1..close), close + 1..word.len()))
}
