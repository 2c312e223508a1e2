//! pv-grub.gz: the PV-GRUB replacement. Runs as the guest's kernel (`kernel = "pv-grub.gz"`),
//! finds the GRUB menu (on the guest's disks, in the ramdisk, or by pygrub's search), loads
//! the chosen entry's kernel and initrd, and boots them in this same domain.
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

use alloc::string::String;
use alloc::vec::Vec;

use minios::println;
use pvgrub::boot::{Disks, FoundMenu};
use pvgrub::image::Limits;
use pvgrub::menu::{Device, Menu, MenuFormat, MenuLocation, Text, DEFAULT_MENU_PATH};
use pvgrub::text::escape;

use disks::Vbd;

minios::main!(async main);

/// The biggest initrd read.
const MAX_INITRD: usize = 1 << 30;

async fn main() {
    println!("pv-grub: minios-rs PV-GRUB");
    let vbds = match disks::open_all().await {
        Ok(v) => v,
        Err(e) => {
            println!("pv-grub: {e}");
            Vec::new()
        }
    };
    let mut disks = Disks::new(vbds.clone());
    let cmdline = minios::cmdline();
    let ramdisk = minios::ramdisk();
    let found = match find_menu(&mut disks, cmdline, ramdisk) {
        Ok(found) => found,
        Err(e) => return fail(&e),
    };
    let menu = match Menu::parse(&found.text, found.format) {
        Ok(menu) => menu,
        Err(e) => {
            return fail(&alloc::format!(
                "{}{}: {e}",
                found.device,
                escape(found.path.as_bytes())
            ))
        }
    };
    let extra = extra_args(cmdline);
    let saved = disks.saved_entry(&found, &menu);
    show(&menu, &found);
    for index in menu.boot_order(saved) {
        match boot_entry(&mut disks, &vbds, &found, &menu, index, extra) {
            Ok(()) => {}
            Err(e) => println!("pv-grub: entry {index}: {e}"),
        }
    }
    fail("no entry of the menu could be booted")
}

/// Says why nothing boots, and ends the domain cleanly.
fn fail(why: &str) {
    println!("pv-grub: {why}");
    println!("pv-grub: nothing to boot; powering off");
}

/// The words of `extra` after the menu path: appended to every kernel command line.
fn extra_args(cmdline: &str) -> &str {
    let t = cmdline.trim_start();
    if t.starts_with('(') || t.starts_with("--vtpm-label=") {
        let mut rest = t;
        for _ in 0..1 + usize::from(t.starts_with("--vtpm-label=")) {
            rest = rest.trim_start();
            rest = rest.find(char::is_whitespace).map_or("", |i| &rest[i..]);
        }
        rest.trim()
    } else {
        ""
    }
}

/// Finds the menu the command line and ramdisk name (pvgrub's `MenuLocation` rules), or by
/// pygrub's search of every disk when no place is named.
fn find_menu(
    disks: &mut Disks<Vbd>,
    cmdline: &str,
    ramdisk: Option<&'static [u8]>,
) -> Result<FoundMenu, String> {
    let location = MenuLocation::from_cmdline(cmdline, ramdisk.is_some())
        .map_err(|e| alloc::format!("extra={cmdline:?}: {e}"))?;
    match location {
        MenuLocation::Disk { device, path } => disks
            .read_menu(&device, &path)
            .map_err(|e| alloc::format!("cannot read the menu: {e}")),
        MenuLocation::Ramdisk => {
            let text = ramdisk.unwrap_or_default().to_vec();
            println!("pv-grub: the ramdisk is the menu ({} bytes)", text.len());
            let format = if text.windows(9).any(|w| w == b"menuentry") {
                MenuFormat::GrubCfg
            } else {
                MenuFormat::MenuLst
            };
            Ok(FoundMenu {
                device: default_root(),
                path: Text::from(&b"(ramdisk)"[..]),
                format,
                text,
                passed_over: Vec::new(),
            })
        }
        MenuLocation::Network { path } => Err(alloc::format!(
            "(nd){}: TFTP menus are not built into this pv-grub yet",
            escape(path.as_bytes())
        )),
        MenuLocation::Dhcp => {
            println!(
                "pv-grub: no menu named (extra and ramdisk empty); searching the disks as pygrub \
                 does"
            );
            disks.search_menu().map_err(|e| {
                alloc::format!(
                    "no menu on any disk ({e}); pv-grub's default is {DEFAULT_MENU_PATH}"
                )
            })
        }
    }
}

/// `(hd0,0)`: the root of a menu that came from the ramdisk.
fn default_root() -> Device {
    Device::Disk {
        drive: 0,
        partition: Some(0),
        bsd_slice: None,
    }
}

/// Prints the menu on the console.
fn show(menu: &Menu, found: &FoundMenu) {
    println!(
        "pv-grub: menu {}{} ({} entries)",
        found.device,
        escape(found.path.as_bytes()),
        menu.entries.len()
    );
    for (i, e) in menu.entries.iter().enumerate() {
        println!("pv-grub:   {i}: {}", e.title);
    }
}

/// Loads entry `index` and boots it; returns only if it cannot be booted.
fn boot_entry(
    disks: &mut Disks<Vbd>,
    vbds: &[Vbd],
    found: &FoundMenu,
    menu: &Menu,
    index: usize,
    extra: &str,
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
    println!("pv-grub: kernel {kernel} {}", entry.args);
    let loaded = disks
        .load_kernel(&root, kernel, &Limits::DEFAULT)
        .map_err(|e| alloc::format!("kernel: {e}"))?;
    let module = match entry.initrd() {
        Some(file) => {
            let data = disks
                .read_entry_file(&root, &file, MAX_INITRD)
                .map_err(|e| alloc::format!("initrd: cannot read {e}"))?;
            println!("pv-grub: initrd {file} ({} bytes)", data.len());
            Some(data)
        }
        None => None,
    };
    let mut cmdline: Vec<u8> = entry.args.as_bytes().to_vec();
    if !extra.is_empty() {
        cmdline.push(b' ');
        cmdline.extend_from_slice(extra.as_bytes());
    }
    for v in vbds {
        v.close();
    }
    Err(boot::boot(loaded.image, module, &cmdline))
}
