//! Device names, `(hd0,0)` in GRUB legacy and `(hd0,msdos1)` in GRUB 2, and paths on them.

use super::error::DeviceError;
use alloc::string::{String, ToString};
use core::fmt;

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
    Other(String),
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
            Device::Other(name) => write!(f, "({name})"),
        }
    }
}

/// Parses a number as GRUB legacy does (`safe_parse_maxint`): decimal, or hex after `0x`,
/// at most `i32::MAX`. Returns the value and the text after it.
pub(super) fn grub_number(s: &str) -> Option<(u32, &str)> {
    let (digits, radix) = match s.get(..2) {
        Some("0x") | Some("0X") => (s.get(2..).unwrap_or(""), 16),
        _ => (s, 10),
    };
    let end = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    let (num, rest) = digits.split_at(end);
    if num.is_empty() {
        return None;
    }
    let value = u32::from_str_radix(num, radix).ok()?;
    (value <= i32::MAX as u32).then_some((value, rest))
}

impl Device {
    /// Parses the inside of a GRUB legacy device name (`hd0`, `hd0,1`, `hd0,1,a`, `nd`;
    /// `fd0` and `cd` become [`Device::Other`]).
    pub(super) fn parse_legacy(inner: &str) -> Result<Device, DeviceError> {
        if inner == "nd" {
            return Ok(Device::Network);
        }
        // Floppies and CD-ROMs are valid names that pv-grub has no device for.
        let floppy = inner.strip_prefix("fd").and_then(grub_number);
        if inner == "cd" || floppy.is_some_and(|(_, rest)| rest.is_empty()) {
            return Ok(Device::Other(inner.to_string()));
        }
        let Some(rest) = inner.strip_prefix("hd") else {
            return Err(if inner.is_empty() {
                DeviceError::Empty
            } else {
                DeviceError::UnknownKind
            });
        };
        let (drive, rest) = grub_number(rest).ok_or(DeviceError::BadDrive)?;
        let Some(rest) = rest.strip_prefix(',') else {
            return match rest {
                "" => Ok(Device::Disk {
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
        let rest = rest.strip_prefix(',').unwrap_or(rest);
        let mut chars = rest.chars();
        let bsd_slice = match (chars.next(), chars.next()) {
            (None, _) => None,
            (Some(c @ 'a'..='h'), None) => Some(c),
            _ => return Err(DeviceError::BadPartition),
        };
        Ok(Device::Disk {
            drive,
            partition: Some(partition),
            bsd_slice,
        })
    }

    /// Parses a GRUB 2 device name, with or without its parentheses (`hd0,msdos1`,
    /// `(hd0,gpt2)`, `hd0,1`, `xen/xvda,1`). Names it cannot map become [`Device::Other`].
    pub(super) fn parse_grub2(name: &str) -> Result<Device, DeviceError> {
        let inner = match name.strip_prefix('(') {
            Some(rest) => rest.strip_suffix(')').ok_or(DeviceError::Unclosed)?,
            None => name,
        };
        if inner.is_empty() {
            return Err(DeviceError::Empty);
        }
        let other = || Device::Other(inner.to_string());
        let mut parts = inner.split(',');
        let disk = parts.next().unwrap_or("");
        let drive = if let Some(n) = disk.strip_prefix("hd") {
            match super::select::parse_decimal(n).and_then(|n| u32::try_from(n).ok()) {
                Some(n) => n,
                None => return Ok(other()),
            }
        } else if let Some(letter) = disk.strip_prefix("xen/xvd") {
            match letter.as_bytes() {
                [c @ b'a'..=b'z'] => u32::from(c - b'a'),
                _ => return Ok(other()),
            }
        } else {
            return Ok(other());
        };
        let partition = match parts.next() {
            None => None,
            Some(p) => {
                let digits = p
                    .strip_prefix("msdos")
                    .or_else(|| p.strip_prefix("gpt"))
                    .unwrap_or(p);
                match super::select::parse_decimal(digits) {
                    Some(0) => return Err(DeviceError::BadPartition),
                    Some(n) => Some(u32::try_from(n - 1).map_err(|_| DeviceError::BadPartition)?),
                    None => return Ok(other()),
                }
            }
        };
        let bsd_slice = match parts.next() {
            None => None,
            Some(s) => match s.strip_prefix("bsd").and_then(super::select::parse_decimal) {
                Some(n @ 1..=8) => char::from_u32('a' as u32 + n as u32 - 1),
                _ => return Ok(other()),
            },
        };
        if parts.next().is_some() {
            return Ok(other());
        }
        Ok(Device::Disk {
            drive,
            partition,
            bsd_slice,
        })
    }
}

/// A file named by a menu: an optional device, then the path on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePath {
    /// The device written before the path, else the root in effect; `None` if neither:
    /// the device the menu was read from applies.
    pub device: Option<Device>,
    /// The path on the device, e.g. `/boot/vmlinuz` (may be a GRUB blocklist like `+1`).
    pub path: String,
}

impl fmt::Display for FilePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.device {
            write!(f, "{d}")?;
        }
        f.write_str(&self.path)
    }
}

/// Splits `(device)path` into the text inside the parentheses and the path.
pub(super) fn split_device(word: &str) -> Result<(Option<&str>, &str), DeviceError> {
    match word.strip_prefix('(') {
        None => Ok((None, word)),
        Some(rest) => {
            let close = rest.find(')').ok_or(DeviceError::Unclosed)?;
            Ok((rest.get(..close), rest.get(close + 1..).unwrap_or("")))
        }
    }
}
