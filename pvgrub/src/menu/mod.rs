//! Boot menus: GRUB legacy `menu.lst` and the subset of GRUB 2 `grub.cfg` that pygrub reads,
//! both parsed into one model, [`Menu`].
//!
//! The text comes from an untrusted guest disk or network, so parsing is bounded (at most
//! [`MAX_MENU_BYTES`] of input, no recursion driven by the input) and reports malformed text
//! as a [`MenuError`] carrying its line number. Memory is linear in the input with a small
//! constant: what entries keep is stored once in one buffer of exactly the needed size, and
//! what many entries inherit (a root, submenu titles) is referred to, never copied (the
//! private `store` module explains how); lookups by name use an index ([`Menu::find_entry`]).
//! Commands that do not apply to a PV guest (`color`, `serial`, `splashimage`, `insmod`,
//! ...) are accepted and ignored with a log message, as GRUB and pygrub do.
//!
//! Titles, arguments and paths are bytes ([`Text`]): kept exactly (a kernel whose name is not
//! UTF-8 is still found), shown escaped, in errors and log messages too.
//!
//! Where to find the menu is decided from the guest's command line by [`MenuLocation`].

/// Logs at `$level`, in the parsing run that keeps only (the counting run is silent, so each
/// message appears once).
macro_rules! note {
    ($store:expr, $level:ident, $($arg:tt)+) => {
        if $store.keeps() {
            log::$level!($($arg)+)
        }
    };
}

mod device;
mod entry;
mod error;
mod files;
mod find;
mod grubcfg;
mod legacy;
mod location;
mod saved;
mod scan;
mod select;
mod store;
mod text;

pub use device::{Device, FilePath};
pub use entry::{Entries, Entry, Iter};
pub use error::{DeviceError, MenuError, MenuErrorKind};
pub use files::{Files, FilesIter, Modules};
pub use location::{MenuLocation, MenuLocationError, DEFAULT_MENU_PATH};
pub use saved::{grubenv_saved_entry, saved_default_path, saved_default_value};
pub use text::Text;

use alloc::rc::Rc;
use alloc::vec::Vec;
use store::Store;

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
    pub fn from_path(path: impl AsRef<[u8]>) -> MenuFormat {
        if path.as_ref().ends_with(b".cfg") {
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
    Named(Text),
}

/// A parsed boot menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Menu {
    /// The syntax it was parsed from.
    pub format: MenuFormat,
    /// The entries, in menu order (grub.cfg submenus flattened in place), read on demand
    /// out of one shared buffer.
    pub entries: Entries,
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
            entries: Entries::new(Rc::new(Vec::new()), Vec::new()),
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
        // A first run counts what the entries keep, the second keeps it in a buffer of
        // exactly that size (see `store`).
        let counted = Menu::run(text, format, Store::counting())?.0;
        let (store, mut menu, names) = Menu::run(text, format, Store::sized(counted.sizes()))?;
        let (arena, records) = store.finish();
        menu.entries = Entries::new(arena, records);
        if let Some(names) = names {
            grubcfg::resolve(&mut menu, names);
        }
        Ok(menu)
    }

    fn run(
        text: &[u8],
        format: MenuFormat,
        store: Store,
    ) -> Result<(Store, Menu, Option<grubcfg::Names>), MenuError> {
        match format {
            MenuFormat::MenuLst => legacy::parse(text, store).map(|(s, m)| (s, m, None)),
            MenuFormat::GrubCfg => grubcfg::parse(text, store).map(|(s, m, n)| (s, m, Some(n))),
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
