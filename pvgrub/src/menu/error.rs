//! Typed errors of the menu parsers.

use core::fmt;

/// A menu that cannot be parsed, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuError {
    /// 1-based line number where the problem is (0 when it is about the whole file).
    pub line: usize,
    /// What is wrong.
    pub kind: MenuErrorKind,
}

/// What is wrong with a menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuErrorKind {
    /// The file is larger than [`super::MAX_MENU_BYTES`].
    TooLarge {
        /// Its size in bytes.
        size: usize,
    },
    /// A device name in a `root` command or a path is malformed.
    BadDevice(DeviceError),
    /// A `'` or `"` string is not closed before the end of the file (grub.cfg).
    UnterminatedQuote,
    /// A `{` block is still open at the end of the file (grub.cfg; line of its opening).
    UnclosedBlock,
    /// A `}` with no open block (grub.cfg).
    UnexpectedCloseBrace,
    /// A `{` where no block can start (grub.cfg).
    UnexpectedOpenBrace,
    /// A `menuentry`, `submenu` or `function` not followed by `{` (grub.cfg).
    MissingOpenBrace,
    /// A `menuentry` or `submenu` with no title (grub.cfg).
    MissingTitle,
    /// A `menuentry` inside a `menuentry` (grub.cfg; pygrub rejects it too).
    NestedMenuentry,
    /// Blocks nested deeper than the parser allows (grub.cfg).
    TooDeep,
}

/// What is wrong with a device name such as `(hd0,1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceError {
    /// `(` without a matching `)`.
    Unclosed,
    /// Not a device name: empty, or not starting with `(` where one is required.
    Empty,
    /// Not a drive kind GRUB knows (`hd`, `nd`, `fd`, `cd`).
    UnknownKind,
    /// The drive number is missing or not a number.
    BadDrive,
    /// The partition is missing, not a number, out of range or followed by junk.
    BadPartition,
}

impl fmt::Display for DeviceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeviceError::Unclosed => "device name without its closing ')'",
            DeviceError::Empty => "missing device name (or one not starting with '(')",
            DeviceError::UnknownKind => "unknown drive kind in device name (not hd, nd, fd or cd)",
            DeviceError::BadDrive => "bad or missing drive number in device name",
            DeviceError::BadPartition => "bad partition number in device name",
        })
    }
}

impl core::error::Error for DeviceError {}

impl fmt::Display for MenuErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MenuErrorKind::TooLarge { size } => write!(
                f,
                "menu of {size} bytes is larger than the {}-byte limit",
                super::MAX_MENU_BYTES
            ),
            MenuErrorKind::BadDevice(e) => write!(f, "{e}"),
            MenuErrorKind::UnterminatedQuote => {
                f.write_str("quoted string not closed before the end of the file")
            }
            MenuErrorKind::UnclosedBlock => f.write_str("'{' block opened here is never closed"),
            MenuErrorKind::UnexpectedCloseBrace => f.write_str("'}' without an open block"),
            MenuErrorKind::UnexpectedOpenBrace => f.write_str("'{' where no block can start"),
            MenuErrorKind::MissingOpenBrace => {
                f.write_str("menuentry, submenu or function not followed by '{'")
            }
            MenuErrorKind::MissingTitle => f.write_str("menuentry or submenu without a title"),
            MenuErrorKind::NestedMenuentry => f.write_str("menuentry inside a menuentry"),
            MenuErrorKind::TooDeep => {
                write!(f, "blocks nested deeper than {}", super::grubcfg::MAX_DEPTH)
            }
        }
    }
}

impl core::error::Error for MenuErrorKind {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            MenuErrorKind::BadDevice(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for MenuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "{}", self.kind),
            line => write!(f, "line {line}: {}", self.kind),
        }
    }
}

impl core::error::Error for MenuError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        self.kind.source()
    }
}
