//! What a TFTP transfer can fail with, in words a person can act on.

use core::fmt;
use core::net::IpAddr;

use super::text::Size;
pub use super::text::Text;
use super::wire::{ErrorCode, Opcode, TftpOption};

/// Why a datagram is not a well-formed TFTP packet (or could not be written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireError {
    /// Shorter than its opcode and fixed fields.
    Truncated,
    /// An opcode RFC 1350 and RFC 2347 do not define.
    UnknownOpcode(u16),
    /// A string (file name, mode, option) without its terminating NUL.
    MissingNul,
    /// An option name without a value.
    OptionWithoutValue,
    /// Bytes after the end of a fixed-size packet.
    TrailingBytes,
    /// A string to write holds a NUL.
    NulInString,
    /// The packet does not fit the buffer given.
    BufferTooSmall,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated => f.write_str("the packet is shorter than its fixed fields"),
            Self::UnknownOpcode(n) => write!(f, "unknown opcode {n}"),
            Self::MissingNul => f.write_str("a string is not terminated by a NUL byte"),
            Self::OptionWithoutValue => f.write_str("an option has no value"),
            Self::TrailingBytes => f.write_str("bytes follow the end of the packet"),
            Self::NulInString => f.write_str("a string holds a NUL byte"),
            Self::BufferTooSmall => f.write_str("the packet does not fit its buffer"),
        }
    }
}

/// Why the client refused the server's OACK (it sent ERROR 8, RFC 2347).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// An option the client did not ask for.
    NotAsked(Text),
    /// An option named twice.
    Duplicate(TftpOption),
    /// A value that is not a decimal number.
    NotANumber(TftpOption, Text),
    /// A value larger than the client asked for (`blksize`, `windowsize`).
    Larger {
        /// The option.
        option: TftpOption,
        /// The server's value.
        value: u64,
        /// The value asked for.
        asked: u64,
    },
    /// A `timeout` other than the one asked for (RFC 2349: it must match).
    Changed {
        /// The server's value.
        value: u64,
        /// The value asked for.
        asked: u64,
    },
    /// A value below the option's range (`blksize` under 8, `windowsize` 0).
    TooSmall(TftpOption, u64),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAsked(name) => write!(f, "option \"{name}\", which we did not ask for"),
            Self::Duplicate(o) => write!(f, "option {} twice", o.name()),
            Self::NotANumber(o, v) => write!(f, "{} \"{v}\", not a number", o.name()),
            Self::Larger {
                option,
                value,
                asked,
            } => write!(
                f,
                "{} {value}, larger than the {asked} we asked for",
                option.name()
            ),
            Self::Changed { value, asked } => {
                write!(f, "timeout {value}, not the {asked} we asked for")
            }
            Self::TooSmall(o, v) => write!(f, "{} {v}, below the smallest allowed", o.name()),
        }
    }
}

/// How the server broke RFC 1350 (the client sent ERROR 4 and stopped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation {
    /// A malformed packet.
    Malformed(WireError),
    /// A packet a server never sends, or not at this point of the transfer.
    Unexpected(Opcode),
    /// DATA with another block than 1 as the first answer to the request.
    FirstBlock(u16),
    /// A DATA packet longer than the block size agreed.
    BlockTooLong {
        /// Data bytes in the packet.
        len: usize,
        /// The block size agreed.
        blksize: u16,
    },
    /// The file ended at another size than the server announced in `tsize`.
    SizeMismatch {
        /// The size announced.
        announced: u64,
        /// The bytes received.
        received: u64,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(e) => write!(f, "a malformed packet ({e})"),
            Self::Unexpected(op) => write!(f, "an unexpected {} packet", op.name()),
            Self::FirstBlock(b) => write!(f, "DATA block {b} as its first answer, not block 1"),
            Self::BlockTooLong { len, blksize } => write!(
                f,
                "a block of {len} bytes, more than the {blksize}-byte block size agreed"
            ),
            Self::SizeMismatch {
                announced,
                received,
            } => write!(f, "{received} bytes after announcing {announced} (tsize)"),
        }
    }
}

/// A request the client cannot make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    /// The file name is empty or holds a NUL byte.
    BadName,
    /// The request would be longer than the 512 bytes RFC 2347 allows.
    NameTooLong {
        /// The file name's length.
        len: usize,
        /// The longest name that fits with the options asked for.
        max: usize,
    },
    /// An option value outside its range (blksize 8..=65464, windowsize, timeout, tries 1 up).
    OutOfRange(&'static str),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadName => f.write_str("the file name is empty or holds a NUL byte"),
            Self::NameTooLong { len, max } => write!(
                f,
                "the file name is {len} bytes; at most {max} fit in a request with these options"
            ),
            Self::OutOfRange(what) => write!(f, "{what} is out of range"),
        }
    }
}

/// Why a TFTP transfer failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TftpError {
    /// The server sent an ERROR packet.
    Server {
        /// The server.
        server: IpAddr,
        /// Its error code.
        code: ErrorCode,
        /// Its message.
        message: Text,
    },
    /// The server stopped answering: the same packet went unanswered `tries` times.
    NoAnswer {
        /// The server.
        server: IpAddr,
        /// How many times the packet was sent.
        tries: u8,
    },
    /// The file is larger than the caller's cap (announced in `tsize`, or data past it).
    TooLarge {
        /// The caller's cap in bytes.
        max: u64,
        /// The size the server announced, if it did.
        announced: Option<u64>,
    },
    /// The server's OACK was refused (ERROR 8 sent).
    Refused {
        /// The server.
        server: IpAddr,
        /// What was wrong with it.
        why: Refusal,
    },
    /// The server broke the protocol (ERROR 4 sent, unless it was the size at the end).
    Protocol {
        /// The server.
        server: IpAddr,
        /// How.
        what: Violation,
    },
    /// This side stopped the transfer ([`Client::abort`](super::Client::abort)).
    Aborted {
        /// The code sent to the server.
        code: ErrorCode,
        /// The message sent.
        message: Text,
    },
    /// The request itself is invalid.
    Config(ConfigError),
}

impl fmt::Display for TftpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Server {
                server,
                code,
                message,
            } => {
                write!(f, "the TFTP server {server} says: ")?;
                match code.text() {
                    Some(text) if message.as_bytes().is_empty() => f.write_str(text)?,
                    _ => write!(f, "{message}")?,
                }
                write!(f, " (code {})", code.0)
            }
            Self::NoAnswer { server, tries } => write!(
                f,
                "the transfer stopped: no answer from {server} after {tries} tries"
            ),
            Self::TooLarge { max, announced } => {
                write!(
                    f,
                    "the file is larger than the {} this caller allows",
                    Size(*max)
                )?;
                match announced {
                    Some(n) => write!(f, " (the server announced {n} bytes)"),
                    None => Ok(()),
                }
            }
            Self::Refused { server, why } => write!(
                f,
                "the TFTP server {server} answered with options we cannot accept: {why}"
            ),
            Self::Protocol { server, what } => {
                write!(
                    f,
                    "the TFTP server {server} broke the protocol: it sent {what}"
                )
            }
            Self::Aborted { code, message } => write!(
                f,
                "the transfer was stopped on this side: {message} (code {} sent to the server)",
                code.0
            ),
            Self::Config(e) => write!(f, "the TFTP request is invalid: {e}"),
        }
    }
}

impl From<ConfigError> for TftpError {
    fn from(e: ConfigError) -> Self {
        Self::Config(e)
    }
}
