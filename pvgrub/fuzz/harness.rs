//! The body of every pv-grub fuzz target, by name. Shared by the cargo-fuzz binaries and by
//! `pvgrub/tests/fuzz_corpora.rs`, which replays the saved corpora on the host.

/// Every target name, as used for `fuzz_targets/NAME.rs` and `corpus/NAME/`.
pub const TARGETS: &[&str] = &["menu_lst", "grub_cfg"];

/// Runs the target `name` on `data`. Parsers must return errors, never panic or hang.
pub fn run(name: &str, data: &[u8]) {
    match name {
        "menu_lst" => menu(data, pvgrub::menu::MenuFormat::MenuLst),
        "grub_cfg" => menu(data, pvgrub::menu::MenuFormat::GrubCfg),
        _ => panic!("unknown fuzz target {name}"),
    }
}

/// menu_lst, grub_cfg: parse a menu, pick the entries to boot, render every entry, and read
/// the first line as a pv-grub command line and the data as saved-default files.
fn menu(data: &[u8], format: pvgrub::menu::MenuFormat) {
    use pvgrub::menu::{grubenv_saved_entry, saved_default_value, Menu, MenuLocation};
    let first_line = data.split(|&b| b == b'\n').next().unwrap_or(data);
    if let Ok(cmdline) = core::str::from_utf8(first_line) {
        if let Ok(location) = MenuLocation::from_cmdline(cmdline, data.len().is_multiple_of(2)) {
            let _ = (
                location.to_string(),
                location.format(),
                location.needs_dhcp(),
            );
        }
    }
    let saved = saved_default_value(data);
    let env_saved = grubenv_saved_entry(data);
    if let Ok(menu) = Menu::parse(data, format) {
        let order = menu.boot_order(saved);
        assert!(order.iter().all(|&i| i < menu.entries.len()));
        assert_eq!(menu.default_index(saved), order.first().copied());
        if let Some(name) = env_saved {
            let _ = menu.find_entry(&name);
        }
        for entry in &menu.entries {
            let _ = (
                entry.title.len(),
                entry.root.as_ref().map(|d| d.to_string()),
            );
            let _ = (entry.kernel.as_ref().map(|k| k.to_string()), entry.initrd());
            let _ = menu.find_entry(&entry.title);
        }
    }
}
