//! Boot menus: GRUB legacy `menu.lst` and the subset of GRUB 2 `grub.cfg` that pygrub reads,
//! both parsed into one model, [`Menu`].
//!
//! The text comes from an untrusted guest disk or network, so parsing is bounded (at most
//! [`MAX_MENU_BYTES`] of input, memory linear in the input, no recursion driven by the input)
//! and reports malformed text as a [`MenuError`] carrying its line number. Commands that do
//! not apply to a PV guest (`color`, `serial`, `splashimage`, `insmod`, ...) are accepted and
//! ignored with a log message, as GRUB and pygrub do.
//!
//! Where to find the menu is decided from the guest's command line by [`MenuLocation`].

mod device;
mod error;
mod grubcfg;
mod legacy;
mod location;
mod saved;
mod select;

pub use device::{Device, FilePath};
pub use error::{DeviceError, MenuError, MenuErrorKind};
pub use location::{MenuLocation, MenuLocationError, DEFAULT_MENU_PATH};
pub use saved::{grubenv_saved_entry, saved_default_path, saved_default_value};

use alloc::string::String;
use alloc::vec::Vec;

/// The largest menu file we parse, in bytes (pygrub reads at most 1 MiB as well).
pub const MAX_MENU_BYTES: usize = 1024 * 1024;

/// Where pygrub looks for a menu on a guest partition, in its order of preference (its
/// extlinux/isolinux paths left out), with the syntax each file is written in.
pub const SEARCH_PATHS: &[(&str, MenuFormat)] = &[
    ("/boot/grub/grub.cfg", MenuFormat::GrubCfg),
    ("/grub/grub.cfg", MenuFormat::GrubCfg),
    ("/boot/grub2/grub.cfg", MenuFormat::GrubCfg),
    ("/grub2/grub.cfg", MenuFormat::GrubCfg),
    ("/boot/grub/menu.lst", MenuFormat::MenuLst),
    ("/boot/grub/grub.conf", MenuFormat::MenuLst),
    ("/grub/menu.lst", MenuFormat::MenuLst),
    ("/grub/grub.conf", MenuFormat::MenuLst),
];

/// The syntax a menu file is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuFormat {
    /// GRUB legacy (0.97) `menu.lst` / `grub.conf`, what pv-grub reads.
    MenuLst,
    /// GRUB 2 `grub.cfg`, the subset pygrub reads.
    GrubCfg,
}

impl MenuFormat {
    /// The format pygrub would use for a file of this name: `*.cfg` is GRUB 2, the rest legacy.
    pub fn from_path(path: &str) -> MenuFormat {
        if path.ends_with(".cfg") {
            MenuFormat::GrubCfg
        } else {
            MenuFormat::MenuLst
        }
    }
}

/// Which entry the menu asks to boot, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultEntry {
    /// An index into [`Menu::entries`] (for `grub.cfg`, a title, id or `a>b` path that was
    /// found is stored resolved to its index).
    Index(usize),
    /// `default saved` (menu.lst) or `set default="${saved_entry}"` (grub.cfg): the entry
    /// recorded on disk, see [`saved_default_value`] and [`grubenv_saved_entry`].
    Saved,
    /// A `grub.cfg` title, id or path that names no entry: GRUB 2 then boots entry 0.
    Named(String),
}

/// One bootable menu entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The title shown in the menu.
    pub title: String,
    /// The `--id` of a `grub.cfg` menuentry, if it has one.
    pub id: Option<String>,
    /// Titles of the `grub.cfg` submenus this entry sits in, outermost first.
    pub submenus: Vec<String>,
    /// The root device in effect for the kernel (`root`/`rootnoverify`, `set root=`).
    /// `None`: not set by the menu; the device the menu was read from applies.
    pub root: Option<Device>,
    /// The kernel to load. Its device is the one written, else the root in effect.
    pub kernel: Option<FilePath>,
    /// The kernel command line.
    pub args: String,
    /// Initial ramdisks, in order (GRUB 2's `initrd` takes several, loaded back to back).
    pub initrds: Vec<FilePath>,
    /// Multiboot modules (`module` in menu.lst) with their command lines.
    pub modules: Vec<(FilePath, String)>,
    /// The entry has `savedefault`.
    pub savedefault: bool,
    /// The entry asks for a password before it boots (`password`/`lock` in menu.lst).
    pub locked: bool,
    /// Where the entry sits among the menu's items, outermost first (grub.cfg numbering).
    position: Vec<Position>,
}

/// An entry's place at one menu level: its index among the items there and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Position {
    index: usize,
    id: Option<String>,
}

impl Entry {
    fn new(title: String) -> Entry {
        Entry {
            title,
            id: None,
            submenus: Vec::new(),
            root: None,
            kernel: None,
            args: String::new(),
            initrds: Vec::new(),
            modules: Vec::new(),
            savedefault: false,
            locked: false,
            position: Vec::new(),
        }
    }

    /// The first initrd, the one a single-initrd loader uses.
    pub fn initrd(&self) -> Option<&FilePath> {
        self.initrds.first()
    }
}

/// A parsed boot menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Menu {
    /// The syntax it was parsed from.
    pub format: MenuFormat,
    /// The entries, in menu order (grub.cfg submenus flattened in place).
    pub entries: Vec<Entry>,
    /// The default entry as the menu states it.
    pub default: DefaultEntry,
    /// Entries to try, in order, when booting the default fails (at most 8, no repeats).
    pub fallback: Vec<usize>,
    /// Seconds before the default boots; `None` waits for the user (GRUB's `-1`/unset).
    pub timeout: Option<u32>,
    /// `hiddenmenu` was given.
    pub hidden: bool,
    /// A global `password` was given (it guards editing, not booting the default).
    pub password: bool,
}

impl Menu {
    fn empty(format: MenuFormat) -> Menu {
        Menu {
            format,
            entries: Vec::new(),
            default: DefaultEntry::Index(0),
            fallback: Vec::new(),
            timeout: None,
            hidden: false,
            password: false,
        }
    }

    /// Parses `text` written in `format`.
    pub fn parse(text: &[u8], format: MenuFormat) -> Result<Menu, MenuError> {
        if text.len() > MAX_MENU_BYTES {
            return Err(MenuError {
                line: 0,
                kind: MenuErrorKind::TooLarge { size: text.len() },
            });
        }
        match format {
            MenuFormat::MenuLst => legacy::parse(text),
            MenuFormat::GrubCfg => grubcfg::parse(text),
        }
    }

    /// Parses a GRUB legacy `menu.lst`.
    pub fn parse_menu_lst(text: &[u8]) -> Result<Menu, MenuError> {
        Menu::parse(text, MenuFormat::MenuLst)
    }

    /// Parses a GRUB 2 `grub.cfg`.
    pub fn parse_grub_cfg(text: &[u8]) -> Result<Menu, MenuError> {
        Menu::parse(text, MenuFormat::GrubCfg)
    }
}
