//! The x86 Linux boot protocol's setup header (Documentation/arch/x86/boot.rst), as far as
//! a PV loader needs it: where the compressed payload is, and what it declares.

use super::ImageError;

/// `HdrS` at 0x202 marks a bzImage.
const MAGIC_OFFSET: usize = 0x202;
/// The header fields up to `init_size` (protocol 2.10+); older headers are shorter.
pub(super) const HEADER_END: usize = 0x264;
/// Protocol 2.08 added `payload_offset`/`payload_length`.
pub(super) const MIN_VERSION: u16 = 0x0208;

/// The setup header of a bzImage, checked against the file it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetupHeader {
    /// Size of the real-mode setup code in 512-byte sectors (the boot sector excluded).
    pub setup_sects: u8,
    /// Boot protocol version, e.g. 0x020f for 2.15.
    pub version: u16,
    /// `loadflags` (bit 0: loaded high).
    pub loadflags: u8,
    /// `xloadflags` (2.12+: bit 0 XLF_KERNEL_64, bit 1 can be above 4G, ...); 0 if older.
    pub xloadflags: u16,
    /// Offset of the payload from the start of the protected-mode code.
    pub payload_offset: u32,
    /// Length of the payload, including the 4-byte uncompressed size Linux appends.
    pub payload_length: u32,
    /// Memory the kernel needs while it decompresses itself (2.10+; 0 if older).
    pub init_size: u32,
    /// Offset of the kernel version string from 0x200 (0 if none).
    pub kernel_version: u16,
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([byte(b, at), byte(b, at + 1)])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from(le16(b, at)) | u32::from(le16(b, at + 2)) << 16
}

fn byte(b: &[u8], at: usize) -> u8 {
    b.get(at).copied().unwrap_or(0)
}

impl SetupHeader {
    /// Whether `data` carries the `HdrS` magic of a bzImage.
    pub fn is_bzimage(data: &[u8]) -> bool {
        data.get(MAGIC_OFFSET..MAGIC_OFFSET + 4) == Some(b"HdrS")
    }

    /// Reads and checks the header of a bzImage: protocol 2.08 or later, payload inside
    /// the file and at least 4 bytes long.
    pub fn parse(data: &[u8]) -> Result<SetupHeader, ImageError> {
        SetupHeader::parse_head(data, data.len() as u64)
    }

    /// As [`SetupHeader::parse`], from the first bytes of a bzImage of `file_len` bytes (the
    /// header's first 0x264 bytes suffice).
    pub(super) fn parse_head(data: &[u8], file_len: u64) -> Result<SetupHeader, ImageError> {
        if !SetupHeader::is_bzimage(data) {
            return Err(ImageError::UnknownFormat);
        }
        if data.len() < HEADER_END {
            return Err(ImageError::BadSetupHeader);
        }
        let version = le16(data, 0x206);
        if version < MIN_VERSION {
            return Err(ImageError::BootProtocolTooOld(version));
        }
        let hdr = SetupHeader {
            setup_sects: byte(data, 0x1f1),
            version,
            loadflags: byte(data, 0x211),
            xloadflags: if version >= 0x020c {
                le16(data, 0x236)
            } else {
                0
            },
            payload_offset: le32(data, 0x248),
            payload_length: le32(data, 0x24c),
            init_size: if version >= 0x020a {
                le32(data, 0x260)
            } else {
                0
            },
            kernel_version: le16(data, 0x20e),
        };
        let start = hdr.payload_start();
        let end = start + u64::from(hdr.payload_length);
        if hdr.payload_length < 4 || end > file_len {
            return Err(ImageError::BadSetupHeader);
        }
        Ok(hdr)
    }

    /// File offset of the payload: the setup sectors and boot sector, then
    /// `payload_offset` (as Xen computes it, with no special case for `setup_sects == 0`).
    pub fn payload_start(&self) -> u64 {
        (u64::from(self.setup_sects) + 1) * 512 + u64::from(self.payload_offset)
    }

    /// The payload: the compressed stream and, in its last 4 bytes, the uncompressed size.
    pub fn payload<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        let start = usize::try_from(self.payload_start()).unwrap_or(usize::MAX);
        let len = usize::try_from(self.payload_length).unwrap_or(usize::MAX);
        data.get(start..start.saturating_add(len))
            .unwrap_or_default()
    }

    /// The kernel version string (`6.1.0-... (builder) #1 SMP ...`), if the header points at
    /// a NUL-terminated UTF-8 one.
    pub fn version_string<'a>(&self, data: &'a [u8]) -> Option<&'a str> {
        if self.kernel_version == 0 {
            return None;
        }
        let start = 0x200 + usize::from(self.kernel_version);
        let rest = data.get(start..)?;
        let len = rest.iter().take(256).position(|&b| b == 0)?;
        core::str::from_utf8(rest.get(..len)?).ok()
    }
}
