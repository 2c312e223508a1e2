//! The xenstore message format: a 16-byte header (`xsd_sockmsg`) and a payload.

use alloc::string::String;
use alloc::vec::Vec;

/// `XS_READ`: read a key's value.
pub const XS_READ: u32 = 2;
/// `XS_ERROR`: the reply carries an errno name.
pub const XS_ERROR: u32 = 16;
/// The largest payload xenstored accepts (XENSTORE_PAYLOAD_MAX).
pub const PAYLOAD_MAX: usize = 4096;
/// Size of the message header.
pub const HEADER_LEN: usize = 16;

/// A message header: type, request id, transaction id, payload length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Message type (XS_*).
    pub kind: u32,
    /// Request id, echoed in the reply.
    pub req_id: u32,
    /// Transaction id (0 outside transactions).
    pub tx_id: u32,
    /// Payload bytes that follow.
    pub len: u32,
}

/// What a xenstore request can fail with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XsError {
    /// xenstored answered XS_ERROR with this errno name (e.g. "ENOENT").
    Errno(String),
    /// The reply was malformed (bad length, wrong type, not UTF-8).
    Malformed,
    /// The request does not fit in one message.
    TooBig,
}

impl Header {
    /// Encodes the header.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0; HEADER_LEN];
        for (i, v) in [self.kind, self.req_id, self.tx_id, self.len]
            .into_iter()
            .enumerate()
        {
            b[i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
        }
        b
    }

    /// Decodes and checks a header: the payload length must be at most [`PAYLOAD_MAX`].
    pub fn parse(b: &[u8; HEADER_LEN]) -> Result<Self, XsError> {
        let w = |i: usize| u32::from_le_bytes([b[i * 4], b[i * 4 + 1], b[i * 4 + 2], b[i * 4 + 3]]);
        let h = Self {
            kind: w(0),
            req_id: w(1),
            tx_id: w(2),
            len: w(3),
        };
        if h.len as usize > PAYLOAD_MAX {
            return Err(XsError::Malformed);
        }
        Ok(h)
    }
}

/// Builds an XS_READ request for `path`.
pub fn read_request(req_id: u32, path: &str) -> Result<Vec<u8>, XsError> {
    if path.len() + 1 > PAYLOAD_MAX {
        return Err(XsError::TooBig);
    }
    let h = Header {
        kind: XS_READ,
        req_id,
        tx_id: 0,
        len: path.len() as u32 + 1,
    };
    let mut msg = Vec::with_capacity(HEADER_LEN + path.len() + 1);
    msg.extend_from_slice(&h.to_bytes());
    msg.extend_from_slice(path.as_bytes());
    msg.push(0);
    Ok(msg)
}

/// Interprets the reply to a read: the value, or the error xenstored reported.
pub fn read_reply(h: &Header, payload: &[u8]) -> Result<String, XsError> {
    let text = core::str::from_utf8(payload).map_err(|_| XsError::Malformed)?;
    match h.kind {
        XS_ERROR => Err(XsError::Errno(String::from(text.trim_end_matches('\0')))),
        XS_READ => Ok(String::from(text)),
        _ => Err(XsError::Malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_rejects_oversized_payloads() {
        let h = Header {
            kind: XS_READ,
            req_id: 7,
            tx_id: 0,
            len: 6,
        };
        assert_eq!(Header::parse(&h.to_bytes()), Ok(h));
        let big = Header {
            len: PAYLOAD_MAX as u32 + 1,
            ..h
        };
        assert_eq!(Header::parse(&big.to_bytes()), Err(XsError::Malformed));
    }

    #[test]
    fn read_request_is_header_then_nul_terminated_path() {
        let m = read_request(3, "domid").unwrap();
        assert_eq!(&m[..4], &XS_READ.to_le_bytes());
        assert_eq!(&m[4..8], &3u32.to_le_bytes());
        assert_eq!(&m[12..16], &6u32.to_le_bytes());
        assert_eq!(&m[16..], b"domid\0");
    }

    #[test]
    fn read_reply_maps_errors() {
        let err = Header {
            kind: XS_ERROR,
            req_id: 1,
            tx_id: 0,
            len: 7,
        };
        assert_eq!(
            read_reply(&err, b"ENOENT\0"),
            Err(XsError::Errno("ENOENT".into()))
        );
        let ok = Header {
            kind: XS_READ,
            len: 1,
            ..err
        };
        assert_eq!(read_reply(&ok, b"5"), Ok("5".into()));
        assert_eq!(read_reply(&ok, &[0xff]), Err(XsError::Malformed));
        let odd = Header { kind: 99, ..ok };
        assert_eq!(read_reply(&odd, b"5"), Err(XsError::Malformed));
    }
}
