//! The boot menu on the guest console: pvgrub's [`Screen`] driven by the console's keys and
//! a one-second tick.

use alloc::vec::Vec;

use minios::console::{self, Key};
use minios::time::{self, Duration};
use pvgrub::screen::{Decision, Input, Screen};

/// Shows the menu until the user (or the countdown) picks an entry; returns it and its
/// command line. Without console input, the highlighted entry is booted.
pub async fn choose(screen: &mut Screen) -> (usize, Vec<u8>) {
    let mut input = match console::input() {
        Ok(input) => input,
        Err(e) => {
            minios::println!("pv-grub: no console input ({e}); booting the default");
            let entry = screen.selected();
            return (entry, screen.cmdline(entry).to_vec());
        }
    };
    loop {
        console::write(screen.render().as_bytes());
        let event = match time::timeout(Duration::from_secs(1), input.read_key()).await {
            Err(_) => Input::Tick,
            Ok(Ok(key)) => match to_input(key) {
                Some(i) => i,
                None => continue,
            },
            Ok(Err(e)) => {
                minios::println!(
                    "pv-grub: console input failed ({e}); booting the highlighted entry"
                );
                Input::Select
            }
        };
        if let Decision::Boot { entry, cmdline } = screen.input(event) {
            console::write(b"\x1b[2J\x1b[H");
            return (entry, cmdline);
        }
    }
}

/// The menu's input for a key, if it has one.
fn to_input(key: Key) -> Option<Input> {
    Some(match key {
        Key::Up => Input::Up,
        Key::Down => Input::Down,
        Key::Enter => Input::Select,
        Key::Esc => Input::Back,
        Key::Backspace => Input::Backspace,
        Key::Char(b) => Input::Char(b),
        _ => return None,
    })
}
