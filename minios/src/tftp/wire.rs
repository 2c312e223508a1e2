//! TFTP packets: RRQ/WRQ, DATA, ACK, ERROR (RFC 1350) and OACK with options (RFC 2347).
//!
//! Parsing follows smoltcp's wire style: [`Packet::new_checked`] checks a datagram once and
//! returns borrowed fields; nothing after that can fail or panic ([`OptionList::iter`] walks
//! pairs that were checked). The `emit_*` functions write a packet at the start of a caller
//! buffer and return its length, or [`WireError::BufferTooSmall`].

pub use super::error::WireError;
pub use emit::{emit_ack, emit_data, emit_error, emit_oack, emit_rrq};

mod emit;

/// The block size of a transfer without the `blksize` option (RFC 1350).
pub const DEFAULT_BLKSIZE: u16 = 512;
/// The smallest and largest block sizes RFC 2348 allows.
pub const BLKSIZE_RANGE: core::ops::RangeInclusive<u16> = 8..=65464;
/// The largest request (RRQ with its options) a client should send (RFC 2347).
pub const MAX_REQUEST: usize = 512;
/// The transfer mode this client asks for: bytes as they are.
pub const MODE_OCTET: &str = "octet";

/// The opcode of a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opcode {
    /// Read request (1).
    Rrq,
    /// Write request (2).
    Wrq,
    /// A block of data (3).
    Data,
    /// Acknowledgement of a block (4).
    Ack,
    /// An error that ends the transfer (5).
    Error,
    /// Option acknowledgement (6, RFC 2347).
    Oack,
}

impl Opcode {
    /// The name RFC 1350 and RFC 2347 use.
    pub fn name(self) -> &'static str {
        match self {
            Opcode::Rrq => "RRQ",
            Opcode::Wrq => "WRQ",
            Opcode::Data => "DATA",
            Opcode::Ack => "ACK",
            Opcode::Error => "ERROR",
            Opcode::Oack => "OACK",
        }
    }
}

/// An error code of an ERROR packet (RFC 1350 section 5, and 8 from RFC 2347).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode(pub u16);

impl ErrorCode {
    /// Not defined, see the message.
    pub const NOT_DEFINED: ErrorCode = ErrorCode(0);
    /// File not found.
    pub const FILE_NOT_FOUND: ErrorCode = ErrorCode(1);
    /// Access violation.
    pub const ACCESS_VIOLATION: ErrorCode = ErrorCode(2);
    /// Disk full or allocation exceeded.
    pub const DISK_FULL: ErrorCode = ErrorCode(3);
    /// Illegal TFTP operation.
    pub const ILLEGAL_OPERATION: ErrorCode = ErrorCode(4);
    /// Unknown transfer ID.
    pub const UNKNOWN_TID: ErrorCode = ErrorCode(5);
    /// File already exists.
    pub const FILE_EXISTS: ErrorCode = ErrorCode(6);
    /// No such user.
    pub const NO_SUCH_USER: ErrorCode = ErrorCode(7);
    /// The transfer ends because of the option negotiation (RFC 2347).
    pub const OPTION_REFUSED: ErrorCode = ErrorCode(8);

    /// The meaning of the code in the RFCs (`None` for codes they do not define).
    pub fn text(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "Not defined",
            1 => "File not found",
            2 => "Access violation",
            3 => "Disk full or allocation exceeded",
            4 => "Illegal TFTP operation",
            5 => "Unknown transfer ID",
            6 => "File already exists",
            7 => "No such user",
            8 => "Option negotiation refused",
            _ => return None,
        })
    }
}

/// The options this client knows (RFC 2348, 2349, 7440).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TftpOption {
    /// Block size (RFC 2348).
    Blksize,
    /// Retransmission timeout in seconds (RFC 2349).
    Timeout,
    /// Transfer size in bytes (RFC 2349).
    Tsize,
    /// Blocks sent per acknowledgement (RFC 7440).
    Windowsize,
}

impl TftpOption {
    /// Every option, in the order a request lists them.
    pub const ALL: [TftpOption; 4] = [Self::Blksize, Self::Windowsize, Self::Timeout, Self::Tsize];

    /// The option's name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            Self::Blksize => "blksize",
            Self::Timeout => "timeout",
            Self::Tsize => "tsize",
            Self::Windowsize => "windowsize",
        }
    }

    /// The option named `name` (option names are case-insensitive, RFC 2347).
    pub fn from_name(name: &[u8]) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|o| o.name().as_bytes().eq_ignore_ascii_case(name))
    }
}

/// A decimal option value (ASCII digits only, at most `u64::MAX`).
pub fn parse_number(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |n, &d| {
        let digit = char::from(d).to_digit(10)?;
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// The options of a request or an OACK: NUL-terminated names and values, checked to pair up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionList<'a>(&'a [u8]);

impl<'a> OptionList<'a> {
    /// Checks that `b` is a sequence of NUL-terminated strings of even count.
    pub fn new_checked(b: &'a [u8]) -> Result<Self, WireError> {
        if b.last().is_some_and(|&last| last != 0) {
            return Err(WireError::MissingNul);
        }
        if b.iter().filter(|&&c| c == 0).count() % 2 != 0 {
            return Err(WireError::OptionWithoutValue);
        }
        Ok(Self(b))
    }

    /// Whether there are no options.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The (name, value) pairs, as they are on the wire.
    pub fn iter(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> {
        let mut strings = self.0.split(|&c| c == 0);
        core::iter::from_fn(move || {
            let name = strings.next()?;
            let value = strings.next()?;
            Some((name, value))
        })
    }
}

/// A checked packet: each variant holds the fields of one opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packet<'a> {
    /// RRQ or WRQ: file name, mode and options.
    Request {
        /// WRQ rather than RRQ.
        write: bool,
        /// The file name (without its NUL).
        filename: &'a [u8],
        /// The mode, e.g. `octet` (without its NUL).
        mode: &'a [u8],
        /// The options after the mode.
        options: OptionList<'a>,
    },
    /// DATA: block number and up to a block size of bytes.
    Data {
        /// The block number (1 for the first block, wrapping to 0 after 65535).
        block: u16,
        /// The block's bytes.
        data: &'a [u8],
    },
    /// ACK of a block (0 acknowledges an OACK).
    Ack {
        /// The block acknowledged.
        block: u16,
    },
    /// ERROR: code and message. A message without its NUL runs to the end of the packet
    /// (the code is still the best news we have of why the transfer ended).
    Error {
        /// The error code.
        code: ErrorCode,
        /// The message (without its NUL; not checked to be text).
        message: &'a [u8],
    },
    /// OACK: the options the server accepted, with its values.
    Oack {
        /// The accepted options.
        options: OptionList<'a>,
    },
}

/// Splits off a NUL-terminated string.
fn c_str(b: &[u8]) -> Result<(&[u8], &[u8]), WireError> {
    let end = b
        .iter()
        .position(|&c| c == 0)
        .ok_or(WireError::MissingNul)?;
    let (s, rest) = b.split_at(end);
    Ok((s, rest.get(1..).unwrap_or_default()))
}

/// Splits off a big-endian 16-bit number.
fn be16(b: &[u8]) -> Result<(u16, &[u8]), WireError> {
    match b {
        [h, l, rest @ ..] => Ok((u16::from_be_bytes([*h, *l]), rest)),
        _ => Err(WireError::Truncated),
    }
}

impl<'a> Packet<'a> {
    /// Parses and checks a datagram.
    pub fn new_checked(b: &'a [u8]) -> Result<Self, WireError> {
        let (op, rest) = be16(b)?;
        match op {
            1 | 2 => {
                let (filename, rest) = c_str(rest)?;
                let (mode, rest) = c_str(rest)?;
                Ok(Packet::Request {
                    write: op == 2,
                    filename,
                    mode,
                    options: OptionList::new_checked(rest)?,
                })
            }
            3 => {
                let (block, data) = be16(rest)?;
                Ok(Packet::Data { block, data })
            }
            4 => match be16(rest)? {
                (block, []) => Ok(Packet::Ack { block }),
                _ => Err(WireError::TrailingBytes),
            },
            5 => {
                let (code, rest) = be16(rest)?;
                let message = c_str(rest).map_or(rest, |(m, _)| m);
                Ok(Packet::Error {
                    code: ErrorCode(code),
                    message,
                })
            }
            6 => Ok(Packet::Oack {
                options: OptionList::new_checked(rest)?,
            }),
            n => Err(WireError::UnknownOpcode(n)),
        }
    }

    /// The packet's opcode.
    pub fn opcode(&self) -> Opcode {
        match self {
            Packet::Request { write: false, .. } => Opcode::Rrq,
            Packet::Request { write: true, .. } => Opcode::Wrq,
            Packet::Data { .. } => Opcode::Data,
            Packet::Ack { .. } => Opcode::Ack,
            Packet::Error { .. } => Opcode::Error,
            Packet::Oack { .. } => Opcode::Oack,
        }
    }
}
