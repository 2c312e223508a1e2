//! Saved default entries: GRUB legacy's `default` file beside the menu, GRUB 2's `grubenv`.

use super::device::grub_number;
use super::text::Text;
use alloc::vec::Vec;

/// The file pv-grub reads the saved entry from for a menu at `menu_path`: `default` in the
/// same directory (`(hd0,0)/boot/grub/menu.lst` -> `(hd0,0)/boot/grub/default`).
pub fn saved_default_path(menu_path: impl AsRef<[u8]>) -> Text {
    let menu_path = menu_path.as_ref();
    let dir_end = menu_path
        .iter()
        .rposition(|&b| b == b'/')
        .map_or(0, |i| i + 1);
    let mut path = Vec::from(menu_path.get(..dir_end).unwrap_or(&[]));
    path.extend_from_slice(b"default");
    Text::from(path)
}

/// The entry number recorded in a GRUB legacy `default` file, read as pv-grub reads it: the
/// first 9 bytes, the number after a `:` if there is one (`savedefault --once` writes
/// `prev:next`), else at the start.
pub fn saved_default_value(file: &[u8]) -> Option<usize> {
    let head = file.get(..9).unwrap_or(file);
    let head = head.split(|&b| b == 0).next().unwrap_or(head);
    let text = match head.iter().position(|&b| b == b':') {
        Some(i) => head.get(i + 1..).unwrap_or(&[]),
        None => head,
    };
    grub_number(text).map(|(n, _)| n as usize)
}

/// The `saved_entry` variable of a GRUB 2 environment block (`/boot/grub/grubenv`), which
/// `grub-set-default`/`grub-reboot` write: a title, id, `>`-path or number, for
/// [`super::Menu::find_entry`], as bytes (`\\` and `\n` escapes undone).
pub fn grubenv_saved_entry(file: &[u8]) -> Option<Text> {
    let mut lines = file.split(|&b| b == b'\n');
    if lines.next() != Some(b"# GRUB Environment Block") {
        return None;
    }
    let raw = lines.find_map(|l| l.strip_prefix(b"saved_entry="))?;
    let mut value = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter();
    while let Some(&b) = bytes.next() {
        match b {
            b'\\' => match bytes.next() {
                Some(b'n') => value.push(b'\n'),
                Some(&other) => value.push(other),
                None => {}
            },
            b => value.push(b),
        }
    }
    Some(Text::from(value))
}
