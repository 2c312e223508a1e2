//! pv-grub.gz: the PV-GRUB replacement. Runs as the guest's kernel (`kernel = "pv-grub.gz"`),
//! finds the GRUB menu (on the guest's disks, in the ramdisk, over TFTP, or by pygrub's
//! search), shows it on the console, loads the chosen entry's kernel and initrd, and boots
//! them in this same domain.
//!
//! Where the menu comes from is pvgrub's `MenuLocation` (the first word of `extra`); the
//! rest of `extra` is appended to the kernel command line of every entry. Everything read
//! is parsed by pvgrub's pure core; this binary is the glue to minios.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

mod boot;
mod disks;
mod handover;
mod menu;
mod net;
mod sources;

use alloc::string::String;
use alloc::vec::Vec;

use minios::println;
use minios::time::Instant;
use pvgrub::menu::Menu;
use pvgrub::screen::Screen;

use sources::{Named, Sources};

minios::main!(async main);

/// Frames the frame pool keeps (8 MiB, for the vbds' and vifs' rings and buffers); the rest
/// goes to the heap, which holds the unpacked kernel and the decompressor's window.
const POOL_FRAMES: usize = 2048;

async fn main() {
    let start = Instant::now();
    println!("pv-grub: minios-rs PV-GRUB");
    let moved = minios::mm::give_to_heap(POOL_FRAMES);
    log::info!("{moved} frames moved from the frame pool to the heap");
    let cmdline = minios::cmdline();
    let mut src = Sources::open().await;
    let found = match src.find_menu(cmdline, minios::ramdisk()).await {
        Ok(found) => found,
        Err(e) => return fail(&e),
    };
    let source = found.name();
    println!(
        "pv-grub: times: menu-ms={} (from start to the menu read)",
        Instant::now().duration_since(start).as_millis()
    );
    let menu = match Menu::parse(&found.text, found.format) {
        Ok(menu) => menu,
        Err(e) => return fail(&alloc::format!("{source}: {e}")),
    };
    let saved = src.saved_entry(&found, &menu);
    let order = menu.boot_order(saved);
    let Some(&default) = order.first() else {
        return fail(&alloc::format!("{source}: the menu has no entries"));
    };
    let extra = extra_args(cmdline);
    let mut screen = Screen::new(&menu, &source, default, extra.as_bytes());
    let interactive = !screen.boots_at_once();
    if !interactive {
        println!("pv-grub: menu {source} ({} entries)", menu.entries.len());
        for (i, e) in menu.entries.iter().enumerate() {
            println!("pv-grub:   {i}: {}", e.title);
        }
    }
    loop {
        let (first, first_cmdline) = if interactive {
            menu::choose(&mut screen).await
        } else {
            (default, screen.cmdline(default).to_vec())
        };
        // The chosen entry, then the menu's fallbacks.
        let fallbacks = order.iter().skip(1).copied().filter(|&i| i != first);
        for index in core::iter::once(first).chain(fallbacks) {
            let line = if index == first {
                first_cmdline.clone()
            } else {
                screen.cmdline(index).to_vec()
            };
            if let Err(e) = boot_entry(&mut src, &found, &menu, index, &line).await {
                println!("pv-grub: entry {index}: {e}");
            }
            if src.closed() {
                return fail("the devices are closed after a failed switch");
            }
        }
        if !interactive {
            break;
        }
        println!("pv-grub: no entry could be booted; back to the menu in 5 s");
        minios::time::sleep(minios::time::Duration::from_secs(5)).await;
    }
    fail("no entry of the menu could be booted")
}

/// Says why nothing boots; main then returns and the domain powers off cleanly.
fn fail(why: &str) {
    println!("pv-grub: {why}");
    println!("pv-grub: nothing to boot; powering off");
}

/// The words of `extra` after the menu path (and a leading `--vtpm-label=`): appended to
/// every kernel command line.
fn extra_args(cmdline: &str) -> &str {
    let mut rest = cmdline.trim_start();
    if let Some(r) = rest.strip_prefix("--vtpm-label=") {
        rest = r
            .find(char::is_whitespace)
            .map_or("", |i| &r[i..])
            .trim_start();
    }
    if rest.starts_with('(') {
        rest = rest.find(char::is_whitespace).map_or("", |i| &rest[i..]);
    }
    rest.trim()
}

/// Loads entry `index` and boots it with `cmdline`; returns only if it cannot be booted.
async fn boot_entry(
    src: &mut Sources,
    found: &sources::Found,
    menu: &Menu,
    index: usize,
    cmdline: &[u8],
) -> Result<(), String> {
    let entry = menu.entries.get(index).ok_or("no such entry")?;
    if entry.locked || menu.password {
        return Err("the entry is protected by a password, which pv-grub does not ask for".into());
    }
    if entry.savedefault {
        println!("pv-grub: savedefault ignored: pv-grub does not write the guest's disk");
    }
    let kernel = entry.kernel.as_ref().ok_or("the entry names no kernel")?;
    let root = entry.root.clone().unwrap_or_else(|| found.device.clone());
    println!("pv-grub: booting {index}: {}", entry.title);
    println!("pv-grub: kernel {kernel} {}", pvgrub::text::escape(cmdline));
    let t0 = Instant::now();
    let image = src.load_kernel(&root, kernel).await?;
    let t1 = Instant::now();
    let module: Option<Vec<u8>> = match entry.initrd() {
        Some(file) => Some(src.read_file(&root, &file).await?),
        None => None,
    };
    let t2 = Instant::now();
    src.close().await;
    println!(
        "pv-grub: times: kernel-ms={} initrd-ms={} close-ms={} (reading and unpacking, \
         closing the devices)",
        t1.duration_since(t0).as_millis(),
        t2.duration_since(t1).as_millis(),
        Instant::now().duration_since(t2).as_millis()
    );
    Err(boot::boot(image, module, cmdline))
}
