//! Saved default entries: GRUB legacy's `default` file beside the menu, GRUB 2's `grubenv`.

use super::device::grub_number;
use alloc::string::String;

/// The file pv-grub reads the saved entry from for a menu at `menu_path`: `default` in the
/// same directory (`(hd0,0)/boot/grub/menu.lst` -> `(hd0,0)/boot/grub/default`).
pub fn saved_default_path(menu_path: &str) -> String {
    let dir_end = menu_path.rfind('/').map_or(0, |i| i + 1);
    let mut path = String::from(menu_path.get(..dir_end).unwrap_or(""));
    path.push_str("default");
    path
}

/// The entry number recorded in a GRUB legacy `default` file, read as pv-grub reads it: the
/// first 9 bytes, the number after a `:` if there is one (`savedefault --once` writes
/// `prev:next`), else at the start.
pub fn saved_default_value(file: &[u8]) -> Option<usize> {
    let head = file.get(..9).unwrap_or(file);
    let head = head.split(|&b| b == 0).next().unwrap_or(head);
    let text = core::str::from_utf8(head).ok()?;
    let text = text
        .find(':')
        .map_or(text, |i| text.get(i + 1..).unwrap_or(""));
    grub_number(text).map(|(n, _)| n as usize)
}

/// The `saved_entry` variable of a GRUB 2 environment block (`/boot/grub/grubenv`), which
/// `grub-set-default`/`grub-reboot` write: a title, id, `>`-path or number, for
/// [`super::Menu::find_entry`].
pub fn grubenv_saved_entry(file: &[u8]) -> Option<String> {
    let text = core::str::from_utf8(file).ok()?;
    let mut lines = text.split('\n');
    if lines.next() != Some("# GRUB Environment Block") {
        return None;
    }
    let raw = lines.find_map(|l| l.strip_prefix("saved_entry="))?;
    let mut value = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('n') => value.push('\n'),
                Some(other) => value.push(other),
                None => {}
            },
            (c, false) => value.push(c),
        }
    }
    Some(value)
}
