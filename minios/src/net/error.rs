//! What configuring or running the network stack can fail with.

use alloc::string::String;
use core::fmt;

use crate::netfront::features::BadOverride;
use crate::netfront::NetError;

/// A malformed `ip=` or `dhcp` word on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// `ip=` is not `A.B.C.D/N` or `A.B.C.D/N,G.W.A.Y` (the word is kept).
    BadStatic(String),
    /// The address is not a unicast address of its network (or the prefix is 0 or 32 with a
    /// gateway outside it).
    NotUsable(String),
    /// Both `dhcp` and `ip=` were given.
    Both,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadStatic(w) => write!(
                f,
                "\"{w}\" is not ip=A.B.C.D/N or ip=A.B.C.D/N,GATEWAY (such as \
                 ip=10.0.2.15/24,10.0.2.2)"
            ),
            Self::NotUsable(w) => write!(
                f,
                "\"{w}\": the address must be a unicast host address of its network, and the \
                 gateway inside that network"
            ),
            Self::Both => f.write_str("the command line has both dhcp and ip=: give one"),
        }
    }
}

impl core::error::Error for ConfigError {}

/// Why the stack could not be brought up or stopped working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StackError {
    /// The command line's addressing is malformed.
    Config(ConfigError),
    /// The command line has neither `dhcp` nor `ip=`.
    NoAddressing,
    /// A `net.*` switch of the command line is malformed.
    Switch(BadOverride),
    /// There is no vif in our xenstore directory (`device/vif`).
    NoDevice,
    /// Opening the vif failed, or it stopped working.
    Net(NetError),
    /// No DHCP server gave us a lease in time.
    NoLease {
        /// The vif (`device/vif/0`).
        node: String,
        /// How long we tried, in seconds.
        secs: u64,
    },
    /// The vif went away (its backend closed or it was detached).
    Gone,
}

impl fmt::Display for StackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config(e) => write!(f, "{e}"),
            Self::NoAddressing => f.write_str(
                "the command line says neither dhcp nor ip=A.B.C.D/N[,GATEWAY]: add one",
            ),
            Self::Switch(e) => write!(f, "{e}"),
            Self::NoDevice => f.write_str("no network device (add vif=[...] to the domain)"),
            Self::Net(e) => write!(f, "{e}"),
            Self::NoLease { node, secs } => write!(
                f,
                "no DHCP lease on {node} after {secs} s (no server offered an address, or \
                 none acknowledged our request): is a DHCP server on the vif's bridge?"
            ),
            Self::Gone => f.write_str("the network device went away (backend closed or detached)"),
        }
    }
}

impl core::error::Error for StackError {}

impl From<ConfigError> for StackError {
    fn from(e: ConfigError) -> Self {
        Self::Config(e)
    }
}

impl From<NetError> for StackError {
    fn from(e: NetError) -> Self {
        Self::Net(e)
    }
}
