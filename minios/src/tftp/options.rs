//! What the client asks for ([`Options`]), and checking the server's OACK against it.

use super::error::{ConfigError, Refusal, TftpError};
use super::text::Text;
use super::wire::{self, OptionList, TftpOption, BLKSIZE_RANGE, DEFAULT_BLKSIZE};

/// What a client asks the server for, and its own limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The block size to ask for (RFC 2348), 8..=65464; 512 asks nothing.
    pub blksize: u16,
    /// The window size to ask for (RFC 7440), 1 up; 1 asks nothing.
    pub windowsize: u16,
    /// The retransmission timeout in seconds (1..=255), asked of the server with RFC 2349's
    /// `timeout` option when `Some`; when `None` nothing is asked and the client waits
    /// [`DEFAULT_TIMEOUT_S`] before its first retransmission.
    pub timeout_s: Option<u8>,
    /// Ask for the file's size (RFC 2349 `tsize`), to refuse a file over `max_size` at once.
    pub want_tsize: bool,
    /// The largest file the caller accepts, in bytes.
    pub max_size: u64,
    /// How many times one packet is sent (the first send included) before the transfer
    /// fails with [`TftpError::NoAnswer`]; the wait doubles after each (up to 16 times the
    /// timeout).
    pub tries: u8,
}

/// The retransmission timeout when no `timeout` option is asked for.
pub const DEFAULT_TIMEOUT_S: u8 = 1;

impl Default for Options {
    /// Blocks that fit an Ethernet frame (1468 bytes), a window of 8, a 1 s timeout, `tsize`,
    /// at most 64 MiB, 5 tries.
    fn default() -> Self {
        Options {
            blksize: 1468,
            windowsize: 8,
            timeout_s: Some(1),
            want_tsize: true,
            max_size: 64 << 20,
            tries: 5,
        }
    }
}

impl Options {
    /// A plain RFC 1350 transfer: no options asked, 512-byte blocks, one block per ACK.
    pub fn plain(max_size: u64) -> Self {
        Options {
            blksize: DEFAULT_BLKSIZE,
            windowsize: 1,
            timeout_s: None,
            want_tsize: false,
            max_size,
            tries: 5,
        }
    }

    /// Checks the ranges.
    pub(super) fn check(&self) -> Result<(), ConfigError> {
        if !BLKSIZE_RANGE.contains(&self.blksize) {
            return Err(ConfigError::OutOfRange("blksize (8 to 65464)"));
        }
        if self.windowsize == 0 {
            return Err(ConfigError::OutOfRange("windowsize (1 up)"));
        }
        if self.timeout_s == Some(0) {
            return Err(ConfigError::OutOfRange("timeout (1 to 255 s)"));
        }
        if self.tries == 0 {
            return Err(ConfigError::OutOfRange("tries (1 up)"));
        }
        Ok(())
    }

    /// The value asked for `option`, if it is asked for at all.
    pub(super) fn asked(&self, option: TftpOption) -> Option<u64> {
        match option {
            TftpOption::Blksize => (self.blksize != DEFAULT_BLKSIZE).then_some(self.blksize.into()),
            TftpOption::Windowsize => (self.windowsize != 1).then_some(self.windowsize.into()),
            TftpOption::Timeout => self.timeout_s.map(u64::from),
            TftpOption::Tsize => self.want_tsize.then_some(0),
        }
    }

    /// The options of the request, in [`TftpOption::ALL`] order, and how many there are.
    pub(super) fn request(&self) -> ([(TftpOption, u64); 4], usize) {
        let mut out = [(TftpOption::Tsize, 0); 4];
        let mut n = 0;
        for option in TftpOption::ALL {
            if let Some(value) = self.asked(option) {
                out[n] = (option, value);
                n += 1;
            }
        }
        (out, n)
    }

    /// The base retransmission timeout in seconds.
    pub(super) fn timeout(&self) -> u8 {
        self.timeout_s.unwrap_or(DEFAULT_TIMEOUT_S)
    }
}

/// What the transfer runs with: the server's answer to the options, or RFC 1350's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    /// Bytes per block.
    pub blksize: u16,
    /// Blocks per acknowledgement.
    pub windowsize: u16,
    /// The file's size, if the server announced it.
    pub tsize: Option<u64>,
}

impl Default for Negotiated {
    /// RFC 1350: 512-byte blocks, each acknowledged, size unknown.
    fn default() -> Self {
        Negotiated {
            blksize: DEFAULT_BLKSIZE,
            windowsize: 1,
            tsize: None,
        }
    }
}

/// Why an OACK is refused: the options are wrong, or the announced file is too large.
pub(super) enum OackError {
    Refused(Refusal),
    TooLarge(TftpError),
}

impl Negotiated {
    /// Checks the server's OACK against what `asked` asked for (RFC 2347: only options
    /// asked for, each once, values no larger than asked; RFC 2349: the same timeout).
    pub(super) fn from_oack(asked: &Options, oack: OptionList<'_>) -> Result<Self, OackError> {
        let refuse = |why| Err(OackError::Refused(why));
        let mut neg = Negotiated::default();
        let mut seen = [false; 4];
        for (name, value) in oack.iter() {
            let Some((option, asked_value)) =
                TftpOption::from_name(name).and_then(|o| Some((o, asked.asked(o)?)))
            else {
                return refuse(Refusal::NotAsked(Text::new(name)));
            };
            let index = TftpOption::ALL
                .iter()
                .position(|&o| o == option)
                .unwrap_or(0);
            if core::mem::replace(&mut seen[index], true) {
                return refuse(Refusal::Duplicate(option));
            }
            let Some(v) = wire::parse_number(value) else {
                return refuse(Refusal::NotANumber(option, Text::new(value)));
            };
            let larger = Refusal::Larger {
                option,
                value: v,
                asked: asked_value,
            };
            match option {
                TftpOption::Blksize | TftpOption::Windowsize if v > asked_value => {
                    return refuse(larger)
                }
                TftpOption::Blksize if v < u64::from(*BLKSIZE_RANGE.start()) => {
                    return refuse(Refusal::TooSmall(option, v))
                }
                TftpOption::Windowsize if v == 0 => return refuse(Refusal::TooSmall(option, v)),
                // Within u16: no larger than the u16 asked for.
                TftpOption::Blksize => neg.blksize = v as u16,
                TftpOption::Windowsize => neg.windowsize = v as u16,
                TftpOption::Timeout if v != asked_value => {
                    return refuse(Refusal::Changed {
                        value: v,
                        asked: asked_value,
                    })
                }
                TftpOption::Timeout => {}
                TftpOption::Tsize if v > asked.max_size => {
                    return Err(OackError::TooLarge(TftpError::TooLarge {
                        max: asked.max_size,
                        announced: Some(v),
                    }))
                }
                TftpOption::Tsize => neg.tsize = Some(v),
            }
        }
        Ok(neg)
    }
}
