//! The device model's arguments as libxl 4.17 writes them: one string in
//! `/vm/<uuid>/image/dmargs` (the traditional protocol) or one argument per key in
//! `/vm/<uuid>/image/dm-argv/NNN` (the Linux-stubdom protocol), in QEMU's option syntax.
//!
//! [`DmArgs::parse`] checks every option once: an option libxl passes and the stub uses
//! lands in a typed field; one it accepts without acting on it (a display, sound, USB) is
//! listed in [`DmArgs::ignored`]; one it does not know is listed in [`DmArgs::unknown`], so
//! the stub reports both by name on its log console and never drops one silently. A value
//! that is missing or malformed is a [`DmArgsError`].

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

#[cfg(test)]
mod tests;

/// Whether an option takes a value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Arity {
    Flag,
    Value,
}

/// The options libxl 4.17 passes (libxl_dm.c, both argument builders) that the stub does not
/// act on itself: accepted and reported as ignored.
const IGNORED: &[(&str, Arity)] = &[
    ("-vnc", Arity::Value),
    ("-vncunused", Arity::Flag),
    ("-nographic", Arity::Flag),
    ("-sdl", Arity::Flag),
    ("-disable-opengl", Arity::Flag),
    ("-k", Arity::Value),
    ("-videoram", Arity::Value),
    ("-std-vga", Arity::Flag),
    ("-usb", Arity::Flag),
    ("-usbdevice", Arity::Value),
    ("-soundhw", Arity::Value),
    ("-gfx_passthru", Arity::Flag),
    ("-chardev", Arity::Value),
    ("-mon", Arity::Value),
    ("-no-shutdown", Arity::Flag),
    ("-nodefaults", Arity::Flag),
    ("-no-user-config", Arity::Flag),
    ("-display", Arity::Value),
    ("-global", Arity::Value),
    ("-spice", Arity::Value),
    ("-xen-attach", Arity::Flag),
    ("-runas", Arity::Value),
    ("-sandbox", Arity::Value),
    ("-S", Arity::Flag),
];

/// A disk libxl gave the device model (`-drive`, or a traditional `-hda`..`-hdd`/`-cdrom`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drive {
    /// What the device model reads: in a stub domain one of its own vbds (`/dev/xvda`).
    pub file: String,
    /// The interface (`ide`, `scsi`, `none`...).
    pub interface: String,
    /// The unit on that interface.
    pub index: Option<u32>,
    /// A CD-ROM rather than a disk.
    pub cdrom: bool,
    /// Read-only.
    pub read_only: bool,
}

/// What the device model's arguments say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DmArgs {
    /// The guest the stub serves (`-d` or `-xen-domid`).
    pub target: Option<u32>,
    /// The guest's name (`-domain-name` or `-name`).
    pub name: Option<String>,
    /// The machine (`-M` or `-machine`, its first field): `xenfv` for an HVM guest.
    pub machine: Option<String>,
    /// The guest's serial ports in order (`-serial`).
    pub serials: Vec<String>,
    /// `-vga` (none, std, cirrus...).
    pub vga: Option<String>,
    /// The boot order (`-boot c`, `-boot order=cd`).
    pub boot: Option<String>,
    /// `-acpi` (traditional; the new builder puts it in `-machine`).
    pub acpi: bool,
    /// vCPUs (`-vcpus N` or `-smp N,...`).
    pub vcpus: Option<u32>,
    /// Available vCPUs as a bitmap (`-vcpu_avail 0x01`).
    pub vcpu_avail: Option<u64>,
    /// Memory in MiB (`-m`).
    pub memory_mib: Option<u64>,
    /// The disks.
    pub drives: Vec<Drive>,
    /// Network options in order (`-net`, `-netdev`), as given.
    pub nets: Vec<String>,
    /// Devices (`-device`), as given.
    pub devices: Vec<String>,
    /// Restore from this saved state (`-loadvm FILE`, traditional).
    pub loadvm: Option<String>,
    /// Restore from this stream (`-incoming ARG`, the Linux-stubdom protocol).
    pub incoming: Option<String>,
    /// Options accepted and not acted on, by name.
    pub ignored: Vec<String>,
    /// Options the stub does not know, by name, with their position.
    pub unknown: Vec<String>,
}

/// Why the arguments cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DmArgsError {
    /// The option needs a value and is last.
    MissingValue(String),
    /// The option's value is not what it should be.
    BadValue {
        /// The option.
        option: String,
        /// Its value.
        value: String,
    },
    /// A word that is not an option where an option was expected.
    Stray(String),
    /// A `dm-argv` key that is not a number.
    BadKey(String),
}

impl fmt::Display for DmArgsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingValue(o) => write!(f, "device model option {o} needs a value"),
            Self::BadValue { option, value } => {
                write!(f, "device model option {option} has a bad value {value:?}")
            }
            Self::Stray(w) => write!(f, "device model argument {w:?} is not an option"),
            Self::BadKey(k) => write!(f, "image/dm-argv/{k} is not a numbered argument"),
        }
    }
}

fn number(option: &str, value: &str) -> Result<u64, DmArgsError> {
    let v = value.trim();
    let parsed = match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse(),
    };
    parsed.map_err(|_| DmArgsError::BadValue {
        option: option.into(),
        value: value.into(),
    })
}

fn small(option: &str, value: &str) -> Result<u32, DmArgsError> {
    u32::try_from(number(option, value)?).map_err(|_| DmArgsError::BadValue {
        option: option.into(),
        value: value.into(),
    })
}

/// `key=value` fields of a QEMU option value (a bare first field is `("", field)`).
fn fields(value: &str) -> impl Iterator<Item = (&str, &str)> {
    value
        .split(',')
        .filter(|f| !f.is_empty())
        .map(|f| f.split_once('=').unwrap_or(("", f)))
}

fn drive(option: &str, value: &str) -> Result<Drive, DmArgsError> {
    let mut d = Drive {
        file: String::new(),
        interface: "ide".into(),
        index: None,
        cdrom: false,
        read_only: false,
    };
    for (k, v) in fields(value) {
        match k {
            "file" => d.file = v.into(),
            "if" => d.interface = v.into(),
            "index" => d.index = Some(small(option, v)?),
            "media" => d.cdrom = v == "cdrom",
            "readonly" => d.read_only = matches!(v, "on" | "yes" | "true"),
            _ => {}
        }
    }
    Ok(d)
}

/// A traditional `-hda FILE` .. `-hdd`, `-cdrom FILE`.
fn legacy_drive(option: &str, file: &str) -> Option<Drive> {
    let index = match option {
        "-hda" => 0,
        "-hdb" => 1,
        "-hdc" | "-cdrom" => 2,
        "-hdd" => 3,
        _ => return None,
    };
    Some(Drive {
        file: file.into(),
        interface: "ide".into(),
        index: Some(index),
        cdrom: option == "-cdrom",
        read_only: option == "-cdrom",
    })
}

/// QEMU accepts `--option` for `-option`.
fn canonical(word: &str) -> Option<&str> {
    if word.starts_with("--") {
        Some(&word[1..])
    } else if word.starts_with('-') && word.len() > 1 {
        Some(word)
    } else {
        None
    }
}

/// Options the stub acts on, with their arity.
fn used(option: &str) -> Option<Arity> {
    Some(match option {
        "-acpi" => Arity::Flag,
        "-d" | "-xen-domid" | "-domain-name" | "-name" | "-M" | "-machine" | "-serial" | "-vga"
        | "-boot" | "-vcpus" | "-smp" | "-vcpu_avail" | "-m" | "-drive" | "-hda" | "-hdb"
        | "-hdc" | "-hdd" | "-cdrom" | "-net" | "-netdev" | "-device" | "-loadvm" | "-incoming" => {
            Arity::Value
        }
        _ => return None,
    })
}

impl DmArgs {
    /// Parses the traditional `image/dmargs` string (arguments separated by spaces).
    pub fn from_dmargs(dmargs: &str) -> Result<Self, DmArgsError> {
        Self::parse(dmargs.split_whitespace())
    }

    /// Parses `image/dm-argv`'s `(key, value)` pairs, in the numeric order of their keys
    /// (xenstore lists them in any order).
    pub fn from_dm_argv<'a>(
        entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, DmArgsError> {
        let mut numbered = Vec::new();
        for (k, v) in entries {
            let n: u32 = k.parse().map_err(|_| DmArgsError::BadKey(k.into()))?;
            numbered.push((n, v));
        }
        numbered.sort_by_key(|&(n, _)| n);
        // libxl's first argument is the device model's path, not an option.
        let mut words = numbered.into_iter().map(|(_, v)| v).peekable();
        if words.peek().is_some_and(|w| canonical(w).is_none()) {
            words.next();
        }
        Self::parse(words)
    }

    /// Parses arguments one word each.
    pub fn parse<'a>(words: impl IntoIterator<Item = &'a str>) -> Result<Self, DmArgsError> {
        let mut a = DmArgs::default();
        let mut words = words.into_iter();
        while let Some(word) = words.next() {
            let option = canonical(word).ok_or_else(|| DmArgsError::Stray(word.into()))?;
            let arity = used(option).or_else(|| {
                IGNORED
                    .iter()
                    .find(|(name, _)| *name == option)
                    .map(|&(_, arity)| arity)
            });
            let Some(arity) = arity else {
                a.unknown.push(option.to_string());
                continue;
            };
            let value = match arity {
                Arity::Flag => "",
                Arity::Value => words
                    .next()
                    .ok_or_else(|| DmArgsError::MissingValue(option.into()))?,
            };
            a.apply(option, value)?;
        }
        Ok(a)
    }

    fn apply(&mut self, option: &str, value: &str) -> Result<(), DmArgsError> {
        match option {
            "-d" | "-xen-domid" => self.target = Some(small(option, value)?),
            "-domain-name" | "-name" => self.name = Some(value.into()),
            "-M" | "-machine" => self.machine = value.split(',').next().map(String::from),
            "-serial" => self.serials.push(value.into()),
            "-vga" => self.vga = Some(value.into()),
            "-boot" => {
                let order = fields(value)
                    .find(|&(k, _)| k.is_empty() || k == "order")
                    .map(|(_, v)| v);
                self.boot = Some(order.unwrap_or(value).into());
            }
            "-acpi" => self.acpi = true,
            "-vcpus" => self.vcpus = Some(small(option, value)?),
            "-smp" => {
                let n = fields(value)
                    .find(|&(k, _)| k.is_empty() || k == "cpus")
                    .map_or(value, |(_, v)| v);
                self.vcpus = Some(small(option, n)?);
            }
            "-vcpu_avail" => self.vcpu_avail = Some(number(option, value)?),
            "-m" => {
                let size = fields(value)
                    .find(|&(k, _)| k.is_empty() || k == "size")
                    .map_or(value, |(_, v)| v);
                self.memory_mib = Some(number(option, size.trim_end_matches(['M', 'm']))?);
            }
            "-drive" => self.drives.push(drive(option, value)?),
            "-net" | "-netdev" => self.nets.push(value.into()),
            "-device" => self.devices.push(value.into()),
            "-loadvm" => self.loadvm = Some(value.into()),
            "-incoming" => self.incoming = Some(value.into()),
            other => match legacy_drive(other, value) {
                Some(d) => self.drives.push(d),
                None => self.ignored.push(other.into()),
            },
        }
        Ok(())
    }
}
