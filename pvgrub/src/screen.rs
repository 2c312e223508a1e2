//! The boot menu on the console, as a pure state machine: keys in, a screen and a decision
//! out. The guest feeds it keys and one [`Input::Tick`] a second, writes what
//! [`Screen::render`] returns, and boots what [`Screen::input`] says.
//!
//! As GRUB legacy does it: the default entry is highlighted and a countdown runs; arrow keys
//! (or `j`/`k`) move the highlight, Enter boots it, `e` edits its kernel command line
//! (Enter boots the edited line, Esc goes back), and any key stops the countdown (Esc does
//! nothing else). A menu without a timeout waits for a key; `hiddenmenu` and timeout 0 are
//! for the caller, which boots at once without showing anything ([`Screen::boots_at_once`]).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use crate::menu::Menu;
use crate::text::escape;

/// Longest command line the editor takes (start_info holds 1023 bytes).
pub const MAX_CMDLINE: usize = 1023;

/// What the user did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Previous entry (Up).
    Up,
    /// Next entry (Down).
    Down,
    /// Boot (Enter).
    Select,
    /// Stop the countdown; leave the editor (Esc).
    Back,
    /// A printable byte: typed in the editor; outside it `k` is Up, `j` Down, `e` edits.
    Char(u8),
    /// Erase the last byte (in the editor).
    Backspace,
    /// A second went by.
    Tick,
}

/// What to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Keep showing the menu (redraw it).
    Stay,
    /// Boot entry `entry` with this kernel command line.
    Boot {
        /// The entry's index in the menu.
        entry: usize,
        /// Its kernel command line, as edited.
        cmdline: Vec<u8>,
    },
}

/// The menu's state.
#[derive(Debug, Clone)]
pub struct Screen {
    title: String,
    entries: Vec<String>,
    cmdlines: Vec<Vec<u8>>,
    selected: usize,
    countdown: Option<u32>,
    hidden: bool,
    editing: Option<Vec<u8>>,
}

impl Screen {
    /// The menu `menu` read from `source` (shown in the title), `default` highlighted, each
    /// entry's command line followed by `extra` (the rest of the domain's `extra=`).
    pub fn new(menu: &Menu, source: &str, default: usize, extra: &[u8]) -> Self {
        let mut entries = Vec::new();
        let mut cmdlines = Vec::new();
        for e in menu.entries.iter() {
            entries.push(alloc::format!("{}", e.title));
            let mut line = e.args.as_bytes().to_vec();
            if !extra.is_empty() {
                if !line.is_empty() {
                    line.push(b' ');
                }
                line.extend_from_slice(extra);
            }
            cmdlines.push(line);
        }
        let selected = default.min(entries.len().saturating_sub(1));
        Self {
            title: alloc::format!("pv-grub: {source}"),
            entries,
            cmdlines,
            selected,
            countdown: menu.timeout,
            hidden: menu.hidden,
            editing: None,
        }
    }

    /// Whether the default boots with no menu shown (`hiddenmenu`, or timeout 0).
    pub fn boots_at_once(&self) -> bool {
        self.hidden || self.countdown == Some(0)
    }

    /// The highlighted entry.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The command line entry `entry` boots with (as edited so far).
    pub fn cmdline(&self, entry: usize) -> &[u8] {
        self.cmdlines.get(entry).map_or(&[], Vec::as_slice)
    }

    fn boot(&mut self) -> Decision {
        // Shown again (the entry failed), the menu waits for the user.
        self.countdown = None;
        Decision::Boot {
            entry: self.selected,
            cmdline: self.cmdline(self.selected).to_vec(),
        }
    }

    /// Takes one input.
    pub fn input(&mut self, input: Input) -> Decision {
        if input != Input::Tick {
            self.countdown = None;
        }
        if let Some(line) = &mut self.editing {
            match input {
                Input::Char(b) if line.len() < MAX_CMDLINE && (0x20..0x7f).contains(&b) => {
                    line.push(b)
                }
                Input::Backspace => {
                    line.pop();
                }
                Input::Back => self.editing = None,
                Input::Select => {
                    if let (Some(line), Some(slot)) =
                        (self.editing.take(), self.cmdlines.get_mut(self.selected))
                    {
                        *slot = line;
                    }
                    return self.boot();
                }
                _ => {}
            }
            return Decision::Stay;
        }
        match input {
            Input::Up | Input::Char(b'k') => self.selected = self.selected.saturating_sub(1),
            Input::Down | Input::Char(b'j') => {
                self.selected = (self.selected + 1).min(self.entries.len().saturating_sub(1))
            }
            Input::Select if !self.entries.is_empty() => return self.boot(),
            Input::Char(b'e') if !self.entries.is_empty() => {
                self.editing = Some(self.cmdline(self.selected).to_vec())
            }
            Input::Tick => match self.countdown {
                Some(0 | 1) => return self.boot(),
                Some(n) => self.countdown = Some(n - 1),
                None => {}
            },
            _ => {}
        }
        Decision::Stay
    }

    /// The whole screen: clear, title, entries (the highlighted one in reverse video), help
    /// and the countdown, or the editor.
    pub fn render(&self) -> String {
        let mut s = String::from("\x1b[2J\x1b[H");
        let _ = write!(s, "{}\r\n\r\n", self.title);
        if let Some(line) = &self.editing {
            let _ = write!(
                s,
                "Kernel command line of entry {} (Enter boots it, Esc goes back):\r\n\r\n> {}",
                self.selected,
                escape(line)
            );
            return s;
        }
        for (i, title) in self.entries.iter().enumerate() {
            if i == self.selected {
                let _ = write!(s, "\x1b[7m > {i}: {title} \x1b[0m\r\n");
            } else {
                let _ = write!(s, "   {i}: {title}\r\n");
            }
        }
        s.push_str("\r\nUp/Down or j/k choose, Enter boots, e edits the command line.\r\n");
        if let Some(n) = self.countdown {
            let _ = write!(
                s,
                "Booting entry {} in {n} s (Esc stops the countdown).\r\n",
                self.selected
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::menu::{Menu, MenuFormat};

    const MENU: &[u8] = b"default 1\ntimeout 3\ntitle A\nkernel /a one\ntitle B\nkernel /b two\ntitle C\nkernel /c three\n";

    fn screen() -> Screen {
        let menu = Menu::parse(MENU, MenuFormat::MenuLst).unwrap();
        Screen::new(&menu, "(hd0,0)/menu.lst", 1, b"x=1")
    }

    fn boot(entry: usize, cmdline: &[u8]) -> Decision {
        Decision::Boot {
            entry,
            cmdline: cmdline.to_vec(),
        }
    }

    #[test]
    fn the_countdown_boots_the_default() {
        let mut s = screen();
        assert!(!s.boots_at_once());
        assert!(s.render().contains("Booting entry 1 in 3 s"));
        assert_eq!(s.input(Input::Tick), Decision::Stay);
        assert_eq!(s.input(Input::Tick), Decision::Stay);
        assert_eq!(s.input(Input::Tick), boot(1, b"two x=1"));
    }

    #[test]
    fn a_key_stops_the_countdown_and_keys_move_and_boot() {
        let mut s = screen();
        assert_eq!(s.input(Input::Back), Decision::Stay);
        for _ in 0..10 {
            assert_eq!(s.input(Input::Tick), Decision::Stay);
        }
        assert!(!s.render().contains("Booting entry"));
        s.input(Input::Down);
        s.input(Input::Char(b'j'));
        assert_eq!(s.selected(), 2);
        assert!(s.render().contains("\x1b[7m > 2: C"));
        s.input(Input::Char(b'k'));
        assert_eq!(s.input(Input::Select), boot(1, b"two x=1"));
    }

    #[test]
    fn the_editor_changes_the_command_line() {
        let mut s = screen();
        s.input(Input::Down);
        s.input(Input::Char(b'e'));
        assert!(s.render().contains("> three x=1"));
        for _ in 0..3 {
            s.input(Input::Backspace);
        }
        // j, k and e are text in the editor; control bytes are not.
        for b in b"y=2 jke\x01" {
            s.input(Input::Char(*b));
        }
        assert_eq!(s.input(Input::Select), boot(2, b"three y=2 jke"));
        // Esc leaves the editor without keeping the edit.
        s.input(Input::Char(b'e'));
        s.input(Input::Char(b'z'));
        s.input(Input::Back);
        assert_eq!(s.input(Input::Select), boot(2, b"three y=2 jke"));
    }

    #[test]
    fn timeout_0_and_hiddenmenu_boot_at_once() {
        let m = Menu::parse(b"timeout 0\ntitle A\nkernel /a\n", MenuFormat::MenuLst).unwrap();
        assert!(Screen::new(&m, "m", 0, b"").boots_at_once());
        let m = Menu::parse(b"hiddenmenu\ntitle A\nkernel /a\n", MenuFormat::MenuLst).unwrap();
        assert!(Screen::new(&m, "m", 0, b"").boots_at_once());
    }
}
