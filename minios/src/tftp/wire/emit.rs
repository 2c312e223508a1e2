//! Writing packets at the start of a caller buffer.

use super::{ErrorCode, TftpOption, WireError, MODE_OCTET};

/// Writes pieces into a buffer, or fails with [`WireError::BufferTooSmall`].
struct Writer<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> Writer<'b> {
    fn new(buf: &'b mut [u8], op: u16) -> Result<Self, WireError> {
        let mut w = Writer { buf, len: 0 };
        w.put(&op.to_be_bytes())?;
        Ok(w)
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), WireError> {
        let end = self.len + bytes.len();
        let dst = self
            .buf
            .get_mut(self.len..end)
            .ok_or(WireError::BufferTooSmall)?;
        dst.copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    /// `s` and its NUL; `s` must not hold a NUL itself.
    fn put_c_str(&mut self, s: &[u8]) -> Result<(), WireError> {
        if s.contains(&0) {
            return Err(WireError::NulInString);
        }
        self.put(s)?;
        self.put(&[0])
    }
}

/// Writes an RRQ for `filename` in octet mode with numeric `options`.
pub fn emit_rrq(
    buf: &mut [u8],
    filename: &[u8],
    options: &[(TftpOption, u64)],
) -> Result<usize, WireError> {
    let mut w = Writer::new(buf, 1)?;
    w.put_c_str(filename)?;
    w.put_c_str(MODE_OCTET.as_bytes())?;
    for (option, value) in options {
        w.put_c_str(option.name().as_bytes())?;
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut v = *value;
        loop {
            at -= 1;
            digits[at] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        w.put_c_str(&digits[at..])?;
    }
    Ok(w.len)
}

/// Writes a DATA packet.
pub fn emit_data(buf: &mut [u8], block: u16, data: &[u8]) -> Result<usize, WireError> {
    let mut w = Writer::new(buf, 3)?;
    w.put(&block.to_be_bytes())?;
    w.put(data)?;
    Ok(w.len)
}

/// Writes an ACK packet.
pub fn emit_ack(buf: &mut [u8], block: u16) -> Result<usize, WireError> {
    let mut w = Writer::new(buf, 4)?;
    w.put(&block.to_be_bytes())?;
    Ok(w.len)
}

/// Writes an ERROR packet.
pub fn emit_error(buf: &mut [u8], code: ErrorCode, message: &[u8]) -> Result<usize, WireError> {
    let mut w = Writer::new(buf, 5)?;
    w.put(&code.0.to_be_bytes())?;
    w.put_c_str(message)?;
    Ok(w.len)
}

/// Writes an OACK with the (name, value) pairs given, as they are.
pub fn emit_oack(buf: &mut [u8], options: &[(&[u8], &[u8])]) -> Result<usize, WireError> {
    let mut w = Writer::new(buf, 6)?;
    for (name, value) in options {
        w.put_c_str(name)?;
        w.put_c_str(value)?;
    }
    Ok(w.len)
}
