//! Consoles: the primary console (output and input on start_info's ring, served by
//! xenconsoled) and the secondary ones, `device/console/N` for N >= 1 (consfront, served by
//! the domain's QEMU in dom0: a device model's save and restore streams, or the guest's PV
//! channels).
//!
//! Every console is the same page (`xencons_interface`): one byte-ring implementation
//! ([`Reader`], [`Writer`]) serves them all. Input has a raw mode (bytes as they come) and a
//! line mode ([`LineEditor`]: echo and editing); [`KeyDecoder`] turns bytes into keys for
//! menus.
//!
//! The backend is untrusted: indices it breaks are a [`ConsoleError::Ring`] for that console.
//! Reads and writes wait on the console's event channel and are cancel-safe; bound them with
//! [`crate::time::timeout`] where the backend may never answer.

mod keys;
mod line;
mod stream;

#[cfg(target_os = "none")]
mod front;
#[cfg(target_os = "none")]
mod primary;

#[cfg(test)]
mod tests;

pub use keys::{Key, KeyDecoder, Keys, MenuKey};
pub use line::LineEditor;
pub use stream::{Reader, Signal, Writer};

#[cfg(target_os = "none")]
pub use front::{secondary, Console};
#[cfg(target_os = "none")]
#[doc(hidden)]
pub use primary::_print;
#[cfg(target_os = "none")]
pub(crate) use primary::{init, write_unlocked};
#[cfg(target_os = "none")]
pub use primary::{input, write, Input, PortSignal};

use crate::events::EventError;
use crate::grant::GrantError;
use crate::ring::RingError;
use crate::xenbus::XenbusError;

/// What a console operation can fail with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsoleError {
    /// The backend broke the ring's indices; the console is unusable.
    Ring(RingError),
    /// The xenbus handshake or a xenstore request failed.
    Xenbus(XenbusError),
    /// The ring page could not be allocated or granted.
    Grant(GrantError),
    /// The event channel could not be set up.
    Event(EventError),
    /// There is no `device/console/N` with this id (or name).
    NoSuchConsole(alloc::string::String),
    /// Console 0 is the primary console; consfront serves N >= 1.
    PrimaryIsNotSecondary,
    /// The primary console's input already has an owner ([`input`] was called and that
    /// handle is alive).
    InputTaken,
    /// The primary console is not set up (before boot finished), or its port is invalid.
    NoPrimary,
}

impl core::fmt::Display for ConsoleError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Ring(e) => write!(f, "the console backend broke the ring: {e}"),
            Self::Xenbus(e) => write!(f, "console handshake: {e}"),
            Self::Grant(e) => write!(f, "console ring page: {e}"),
            Self::Event(e) => write!(f, "console event channel: {e}"),
            Self::NoSuchConsole(c) => write!(f, "no console {c} under device/console"),
            Self::PrimaryIsNotSecondary => {
                f.write_str("console 0 is the primary console; secondary consoles start at 1")
            }
            Self::InputTaken => f.write_str("the primary console's input is already in use"),
            Self::NoPrimary => f.write_str("the primary console is not set up"),
        }
    }
}

impl core::error::Error for ConsoleError {}

impl From<RingError> for ConsoleError {
    fn from(e: RingError) -> Self {
        Self::Ring(e)
    }
}

impl From<XenbusError> for ConsoleError {
    fn from(e: XenbusError) -> Self {
        Self::Xenbus(e)
    }
}

impl From<EventError> for ConsoleError {
    fn from(e: EventError) -> Self {
        Self::Event(e)
    }
}

impl From<GrantError> for ConsoleError {
    fn from(e: GrantError) -> Self {
        Self::Grant(e)
    }
}
