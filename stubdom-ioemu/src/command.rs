//! The traditional (Mini-OS-style) control protocol of seed 001: libxl writes `parameter`,
//! then `command`, under `/local/domain/<stub>/device-model/<target>/`, and waits for the
//! command's result in `state`; for saves it also drives `logdirty/cmd` and waits for
//! `logdirty/ret`.
//!
//! [`Command::parse`] checks what libxl wrote; [`Control`] turns a command into the state to
//! write, asking a [`Machine`] (the device model) to do the work. Pure: the guest wires it to
//! xenstore and the devices, the tests to a fake.

use alloc::string::{String, ToString};
use core::fmt;

#[cfg(test)]
mod tests;

/// A PCI device address as libxl passes it: `DDDD:BB:DD.F[@VSLOT]` then options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PciDevice {
    /// PCI segment.
    pub domain: u16,
    /// Bus.
    pub bus: u8,
    /// Device (slot), below 32.
    pub device: u8,
    /// Function, below 8.
    pub function: u8,
    /// The guest slot asked for (`@VSLOT`), if any.
    pub vslot: Option<u8>,
    /// `msitranslate=N`.
    pub msitranslate: bool,
    /// `power_mgmt=N`.
    pub power_mgmt: bool,
}

/// A command libxl wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `pci-ins`: hot-plug a passed-through device.
    PciIns(PciDevice),
    /// `pci-rem`: hot-unplug it.
    PciRem(PciDevice),
    /// `save`: write the device state to console 1 and pause.
    Save,
    /// `continue`: run again (after `save`, or after `-loadvm` restored the state).
    Continue,
}

/// What is wrong with a command libxl wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandError {
    /// A command seed 001 does not define.
    Unknown(String),
    /// `pci-ins`/`pci-rem` with a parameter that is not a PCI address.
    BadPci(String),
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown(c) => write!(f, "unknown device-model command {c:?}"),
            Self::BadPci(p) => write!(
                f,
                "{p:?} is not a PCI device (DDDD:BB:DD.F[@VSLOT][,msitranslate=N][,power_mgmt=N])"
            ),
        }
    }
}

fn hex<T: TryFrom<u32>>(s: &str, max: u32) -> Option<T> {
    let v = u32::from_str_radix(s, 16).ok().filter(|&v| v <= max)?;
    T::try_from(v).ok()
}

impl PciDevice {
    /// Parses libxl's `pci-ins`/`pci-rem` parameter.
    pub fn parse(param: &str) -> Result<Self, CommandError> {
        let bad = || CommandError::BadPci(param.into());
        let mut parts = param.trim().split(',');
        let addr = parts.next().ok_or_else(bad)?;
        let (bdf, vslot) = match addr.split_once('@') {
            Some((bdf, v)) => (bdf, Some(hex(v, 31).ok_or_else(bad)?)),
            None => (addr, None),
        };
        let (domain, rest) = bdf.split_once(':').ok_or_else(bad)?;
        let (bus, rest) = rest.split_once(':').ok_or_else(bad)?;
        let (device, function) = rest.split_once('.').ok_or_else(bad)?;
        let mut d = PciDevice {
            domain: hex(domain, 0xffff).ok_or_else(bad)?,
            bus: hex(bus, 0xff).ok_or_else(bad)?,
            device: hex(device, 31).ok_or_else(bad)?,
            function: hex(function, 7).ok_or_else(bad)?,
            vslot,
            msitranslate: false,
            power_mgmt: false,
        };
        for opt in parts {
            let (k, v) = opt.split_once('=').ok_or_else(bad)?;
            let on = match v {
                "0" => false,
                "1" => true,
                _ => return Err(bad()),
            };
            match k {
                "msitranslate" => d.msitranslate = on,
                "power_mgmt" => d.power_mgmt = on,
                _ => return Err(bad()),
            }
        }
        Ok(d)
    }
}

impl Command {
    /// Parses `command` (and its `parameter`, read before it).
    pub fn parse(command: &str, parameter: &str) -> Result<Self, CommandError> {
        match command.trim() {
            "pci-ins" => PciDevice::parse(parameter).map(Command::PciIns),
            "pci-rem" => PciDevice::parse(parameter).map(Command::PciRem),
            "save" => Ok(Command::Save),
            "continue" => Ok(Command::Continue),
            other => Err(CommandError::Unknown(other.into())),
        }
    }
}

/// The device model, as the protocol drives it.
pub trait Machine {
    /// Inserts a passed-through device; its guest devfn, or why not.
    fn pci_insert(&mut self, dev: &PciDevice) -> Result<u8, String>;
    /// Removes a passed-through device.
    fn pci_remove(&mut self, dev: &PciDevice) -> Result<(), String>;
    /// Stops the guest's devices and writes their state to the save stream (console 1).
    fn save(&mut self) -> Result<(), String>;
    /// Runs the devices again.
    fn resume(&mut self);
    /// Turns dirty-page logging of the guest's memory on or off (for a save).
    fn log_dirty(&mut self, on: bool) -> Result<(), String>;
}

/// What to write back after a command: `state`, and for `pci-ins` the guest devfn in
/// `parameter` (`0x%x`, libxl reads it back).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The new `state`.
    pub state: &'static str,
    /// The new `parameter`, if any.
    pub parameter: Option<String>,
    /// A line for the log console, if any.
    pub log: Option<String>,
}

impl Reply {
    fn state(state: &'static str) -> Self {
        Self {
            state,
            parameter: None,
            log: None,
        }
    }

    fn failed(state: &'static str, why: impl fmt::Display) -> Self {
        Self {
            state,
            parameter: None,
            log: Some(why.to_string()),
        }
    }
}

/// The state written for a command the stub could not parse: libxl never sends one, so no
/// value is defined; this one is not a success state of any command.
pub const FAILED: &str = "command-failed";

/// The failure state of `command`: its own where the protocol has one, else [`FAILED`].
fn failure(command: &str) -> &'static str {
    match command.trim() {
        "pci-ins" => "pci-insert-failed",
        "pci-rem" => "pci-remove-failed",
        "save" => "save-failed",
        _ => FAILED,
    }
}

/// The protocol's side of the device model: one command at a time.
#[derive(Debug, Default)]
pub struct Control {
    paused: bool,
}

impl Control {
    /// A device model that is running.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the devices are paused (after `save`, until `continue`).
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Carries out `command` (with `parameter`) on `m`.
    pub fn handle(&mut self, m: &mut impl Machine, command: &str, parameter: &str) -> Reply {
        let cmd = match Command::parse(command, parameter) {
            Ok(c) => c,
            Err(e) => return Reply::failed(failure(command), e),
        };
        match cmd {
            Command::PciIns(d) => match m.pci_insert(&d) {
                Ok(devfn) => Reply {
                    state: "pci-inserted",
                    parameter: Some(alloc::format!("0x{devfn:x}")),
                    log: None,
                },
                Err(why) => Reply::failed(failure("pci-ins"), why),
            },
            Command::PciRem(d) => match m.pci_remove(&d) {
                Ok(()) => Reply::state("pci-removed"),
                Err(why) => Reply::failed(failure("pci-rem"), why),
            },
            Command::Save => match m.save() {
                Ok(()) => {
                    self.paused = true;
                    Reply::state("paused")
                }
                Err(why) => Reply::failed(failure("save"), why),
            },
            Command::Continue => {
                if self.paused {
                    m.resume();
                    self.paused = false;
                }
                Reply::state("running")
            }
        }
    }

    /// Answers `logdirty/cmd` (`enable` or `disable`): the value for `logdirty/ret`, which
    /// libxl compares with what it asked, and a log line when it failed.
    pub fn log_dirty(&mut self, m: &mut impl Machine, cmd: &str) -> (&'static str, Option<String>) {
        let on = match cmd.trim() {
            "enable" => true,
            "disable" => false,
            other => {
                return (
                    "error",
                    Some(alloc::format!("unknown logdirty command {other:?}")),
                )
            }
        };
        match m.log_dirty(on) {
            Ok(()) => (if on { "enable" } else { "disable" }, None),
            Err(why) => ("error", Some(why)),
        }
    }
}
