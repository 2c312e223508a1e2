//! The xenstore message format (`io/xs_wire.h`): a 16-byte header (`xsd_sockmsg`) and up to
//! [`PAYLOAD_MAX`] payload bytes.
//!
//! Parsing follows smoltcp's wire style: [`Header::parse`] and [`Message::new_checked`] check
//! a buffer once; the accessors after that cannot panic. Payload parsers return
//! [`WireError`] on anything malformed. Nothing here allocates more than the payload it is
//! given, and payloads are bounded by [`PAYLOAD_MAX`].

use alloc::string::String;
use alloc::vec::Vec;

use super::error::{Errno, WireError, XsError};
use crate::abi::xen::DomId;
use crate::abi::xs_wire::{XsdSockmsgType, XENSTORE_PAYLOAD_MAX};

/// Size of the message header.
pub const HEADER_LEN: usize = 16;
/// The largest payload xenstored sends or accepts (`XENSTORE_PAYLOAD_MAX`).
pub const PAYLOAD_MAX: usize = XENSTORE_PAYLOAD_MAX;

fn word(b: &[u8], i: usize) -> u32 {
    match b.get(i * 4..i * 4 + 4) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

/// A message header: type, request id, transaction id, payload length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Message type (an [`XsdSockmsgType`] number; unknown numbers are kept as they are).
    pub kind: u32,
    /// Request id, echoed in the reply.
    pub req_id: u32,
    /// Transaction id (0 outside transactions).
    pub tx_id: u32,
    /// Payload bytes that follow.
    pub len: u32,
}

impl Header {
    /// Encodes the header.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0; HEADER_LEN];
        let words = [self.kind, self.req_id, self.tx_id, self.len];
        for (chunk, v) in b.chunks_exact_mut(4).zip(words) {
            chunk.copy_from_slice(&v.to_le_bytes());
        }
        b
    }

    /// Decodes a header. The payload length is not checked here (see [`Header::check`]):
    /// a reader that meets an oversized message can still skip it and stay in step.
    pub fn parse(b: &[u8; HEADER_LEN]) -> Self {
        Self {
            kind: word(b, 0),
            req_id: word(b, 1),
            tx_id: word(b, 2),
            len: word(b, 3),
        }
    }

    /// Checks the payload length against [`PAYLOAD_MAX`].
    pub fn check(&self) -> Result<(), WireError> {
        if self.len as usize > PAYLOAD_MAX {
            Err(WireError::PayloadTooLong(self.len))
        } else {
            Ok(())
        }
    }
}

/// A complete message (header and payload) in a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    header: Header,
    payload: &'a [u8],
}

impl<'a> Message<'a> {
    /// Checks that `buf` holds exactly one message with a payload of at most
    /// [`PAYLOAD_MAX`] bytes.
    pub fn new_checked(buf: &'a [u8]) -> Result<Self, WireError> {
        let (head, payload) = buf
            .split_first_chunk::<HEADER_LEN>()
            .ok_or(WireError::Truncated)?;
        Self::from_parts(Header::parse(head), payload)
    }

    /// Checks that `payload` is the whole payload `header` announces.
    pub fn from_parts(header: Header, payload: &'a [u8]) -> Result<Self, WireError> {
        header.check()?;
        if payload.len() != header.len as usize {
            return Err(WireError::Truncated);
        }
        Ok(Self { header, payload })
    }

    /// The header.
    pub fn header(&self) -> Header {
        self.header
    }

    /// The message type, if it is one we know.
    pub fn msg_type(&self) -> Option<XsdSockmsgType> {
        XsdSockmsgType::try_from(self.header.kind).ok()
    }

    /// The payload.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
}

/// The NUL-separated fields of a payload. A final NUL terminates the last field rather than
/// starting an empty one; an empty payload has no fields.
pub fn fields(payload: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = payload.strip_suffix(&[0]).unwrap_or(payload);
    body.split(|&b| b == 0).filter(move |_| !payload.is_empty())
}

fn text(b: &[u8]) -> Result<&str, WireError> {
    core::str::from_utf8(b).map_err(|_| WireError::NotUtf8)
}

/// The errno an `XS_ERROR` payload names.
pub fn parse_error(payload: &[u8]) -> Errno {
    Errno::from_name(fields(payload).next().unwrap_or(&[]))
}

/// The children listed by an `XS_DIRECTORY` reply.
pub fn parse_directory(payload: &[u8]) -> Result<Vec<String>, WireError> {
    fields(payload)
        .filter(|f| !f.is_empty())
        .map(|f| text(f).map(String::from))
        .collect()
}

/// The (path, token) of an `XS_WATCH_EVENT`.
pub fn parse_watch_event(payload: &[u8]) -> Result<(&str, &str), WireError> {
    let mut f = fields(payload);
    match (f.next(), f.next()) {
        (Some(path), Some(token)) => Ok((text(path)?, text(token)?)),
        _ => Err(WireError::MissingField),
    }
}

/// A decimal number such as a transaction id or a domid.
pub fn parse_number(payload: &[u8]) -> Result<u32, WireError> {
    let digits = fields(payload).next().ok_or(WireError::MissingField)?;
    if digits.is_empty() || digits.len() > 10 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(WireError::BadNumber);
    }
    digits.iter().try_fold(0u32, |n, d| {
        n.checked_mul(10)
            .and_then(|n| n.checked_add(u32::from(d - b'0')))
            .ok_or(WireError::BadNumber)
    })
}

/// What a domain may do with a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Neither read nor write (`n`).
    None,
    /// Read (`r`).
    Read,
    /// Write (`w`).
    Write,
    /// Read and write (`b`).
    Both,
}

/// One entry of a node's permission list. The first entry names the owner (who may do
/// anything) and the access of every domain not listed after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Perm {
    /// The domain.
    pub domid: DomId,
    /// Its access.
    pub access: Access,
}

impl Perm {
    /// Parses one permission such as `r0` or `b5`.
    pub fn parse(b: &[u8]) -> Result<Self, WireError> {
        let (&c, id) = b.split_first().ok_or(WireError::BadPerm)?;
        let access = match c {
            b'n' => Access::None,
            b'r' => Access::Read,
            b'w' => Access::Write,
            b'b' => Access::Both,
            _ => return Err(WireError::BadPerm),
        };
        let domid = parse_number(id).map_err(|_| WireError::BadPerm)?;
        let domid = DomId::try_from(domid).map_err(|_| WireError::BadPerm)?;
        Ok(Self { domid, access })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.push(match self.access {
            Access::None => b'n',
            Access::Read => b'r',
            Access::Write => b'w',
            Access::Both => b'b',
        });
        push_decimal(out, u32::from(self.domid));
    }
}

/// The permission list of an `XS_GET_PERMS` reply.
pub fn parse_perms(payload: &[u8]) -> Result<Vec<Perm>, WireError> {
    fields(payload).map(Perm::parse).collect()
}

fn push_decimal(out: &mut Vec<u8>, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// A request to xenstored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request<'a> {
    /// Read a node's value.
    Read(&'a str),
    /// Write a node's value (creating it and missing parents).
    Write(&'a str, &'a [u8]),
    /// Create a node (and missing parents) with an empty value if it does not exist.
    Mkdir(&'a str),
    /// Remove a node and its subtree.
    Rm(&'a str),
    /// List a node's children.
    Directory(&'a str),
    /// Read a node's permissions.
    GetPerms(&'a str),
    /// Set a node's permissions.
    SetPerms(&'a str, &'a [Perm]),
    /// Watch a path (and its subtree) with a token.
    Watch(&'a str, &'a str),
    /// Remove a watch.
    Unwatch(&'a str, &'a str),
    /// Start a transaction.
    TransactionStart,
    /// End a transaction: commit (`true`) or abort.
    TransactionEnd(bool),
    /// Ask for a domain's home path (`/local/domain/<domid>`).
    GetDomainPath(DomId),
}

fn push_str(out: &mut Vec<u8>, s: &str) -> Result<(), XsError> {
    if s.is_empty() || s.as_bytes().contains(&0) {
        return Err(XsError::Errno(Errno::EINVAL));
    }
    out.extend_from_slice(s.as_bytes());
    out.push(0);
    Ok(())
}

impl Request<'_> {
    /// The message type.
    pub fn kind(&self) -> XsdSockmsgType {
        use XsdSockmsgType as T;
        match self {
            Self::Read(_) => T::Read,
            Self::Write(..) => T::Write,
            Self::Mkdir(_) => T::Mkdir,
            Self::Rm(_) => T::Rm,
            Self::Directory(_) => T::Directory,
            Self::GetPerms(_) => T::GetPerms,
            Self::SetPerms(..) => T::SetPerms,
            Self::Watch(..) => T::Watch,
            Self::Unwatch(..) => T::Unwatch,
            Self::TransactionStart => T::TransactionStart,
            Self::TransactionEnd(_) => T::TransactionEnd,
            Self::GetDomainPath(_) => T::GetDomainPath,
        }
    }

    /// Encodes the message. Paths and tokens must be non-empty and free of NUL bytes
    /// (`EINVAL`); the payload must fit in [`PAYLOAD_MAX`] bytes (`E2BIG`).
    pub fn encode(&self, req_id: u32, tx_id: u32) -> Result<Vec<u8>, XsError> {
        let mut msg = Vec::from([0u8; HEADER_LEN]);
        match *self {
            Self::Read(p) | Self::Mkdir(p) | Self::Rm(p) | Self::Directory(p) => {
                push_str(&mut msg, p)?
            }
            Self::GetPerms(p) => push_str(&mut msg, p)?,
            Self::Write(p, value) => {
                push_str(&mut msg, p)?;
                if value.len() > PAYLOAD_MAX {
                    return Err(XsError::Errno(Errno::E2BIG));
                }
                msg.extend_from_slice(value);
            }
            Self::SetPerms(p, perms) => {
                push_str(&mut msg, p)?;
                if perms.is_empty() || perms.len() > PAYLOAD_MAX {
                    return Err(XsError::Errno(Errno::EINVAL));
                }
                for perm in perms {
                    perm.encode(&mut msg);
                    msg.push(0);
                }
            }
            Self::Watch(p, token) | Self::Unwatch(p, token) => {
                push_str(&mut msg, p)?;
                push_str(&mut msg, token)?;
            }
            Self::TransactionStart => msg.push(0),
            Self::TransactionEnd(commit) => {
                msg.extend_from_slice(if commit { b"T\0" } else { b"F\0" })
            }
            Self::GetDomainPath(domid) => {
                push_decimal(&mut msg, u32::from(domid));
                msg.push(0);
            }
        }
        let len = msg.len() - HEADER_LEN;
        if len > PAYLOAD_MAX {
            return Err(XsError::Errno(Errno::E2BIG));
        }
        let header = Header {
            kind: self.kind().into(),
            req_id,
            tx_id,
            len: len as u32,
        };
        msg[..HEADER_LEN].copy_from_slice(&header.to_bytes());
        Ok(msg)
    }
}
