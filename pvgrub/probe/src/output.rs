//! The probe's report as text (like `pygrub -l`) or as one JSON object.

use std::fmt::Write;

use pvgrub::image::{NoteSource, XenNotes};
use pvgrub::menu::{Entry, MenuFormat};
use serde_json::{json, Value};

use crate::probe::{KernelReport, Report};

fn format_name(f: MenuFormat) -> &'static str {
    match f {
        MenuFormat::MenuLst => "menu.lst",
        MenuFormat::GrubCfg => "grub.cfg",
    }
}

fn hex(v: Option<u64>) -> Value {
    v.map_or(Value::Null, |v| Value::String(format!("{v:#x}")))
}

fn text(v: &Option<String>) -> Value {
    v.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

fn entry_json(e: &Entry) -> Value {
    json!({
        "title": e.title,
        "root": e.root.as_ref().map(ToString::to_string),
        "kernel": e.kernel.as_ref().map(ToString::to_string),
        "initrd": e.initrd().map(ToString::to_string),
        "args": e.args,
    })
}

fn notes_json(n: &XenNotes) -> Value {
    let source = match n.source {
        NoteSource::Segments => "note-segments",
        NoteSource::Sections => "note-sections",
        NoteSource::GuestInfo => "__xen_guest",
    };
    json!({
        "source": source,
        "entry": hex(n.entry),
        "hypercall_page": hex(n.hypercall_page),
        "virt_base": hex(n.virt_base),
        "paddr_offset": hex(n.paddr_offset),
        "xen_version": text(&n.xen_version),
        "guest_os": text(&n.guest_os),
        "guest_version": text(&n.guest_version),
        "loader": text(&n.loader),
        "pae_mode": text(&n.pae_mode),
        "features": text(&n.features),
        "supported_features": hex(n.supported_features.map(u64::from)),
        "bsd_symtab": n.bsd_symtab,
        "hv_start_low": hex(n.hv_start_low),
        "suspend_cancel": hex(n.suspend_cancel),
        "init_p2m": hex(n.init_p2m),
        "mod_start_pfn": hex(n.mod_start_pfn),
        "phys32_entry": hex(n.phys32_entry),
    })
}

fn kernel_json(k: &KernelReport) -> Value {
    json!({
        "file": k.file,
        "size": k.size,
        "format": k.format.name(),
        "compression": k.compression.map(|c| c.name()),
        "notes": notes_json(&k.notes),
        "virt_kstart": hex(Some(k.params.virt_kstart)),
        "virt_kend": hex(Some(k.params.virt_kend)),
        "virt_entry": hex(Some(k.params.virt_entry)),
    })
}

/// The report as one JSON object: `menu`, `menu_format`, `entries`, `default`, `kernel`.
pub fn json(r: &Report) -> Value {
    let kernel = match &r.kernel {
        None => Value::Null,
        Some(Ok(k)) => kernel_json(k),
        Some(Err(e)) => json!({ "error": e.to_string() }),
    };
    json!({
        "menu": r.menu_at,
        "menu_format": format_name(r.menu.format),
        "entries": r.menu.entries.iter().map(entry_json).collect::<Vec<_>>(),
        "default": r.default,
        "kernel": kernel,
    })
}

/// The report as text.
pub fn text_report(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "menu: {} ({})", r.menu_at, format_name(r.menu.format));
    for (i, e) in r.menu.entries.iter().enumerate() {
        let mark = if Some(i) == r.default { '*' } else { ' ' };
        let _ = writeln!(out, "{mark}{i}: {}", e.title);
        if let Some(root) = &e.root {
            let _ = writeln!(out, "    root:   {root}");
        }
        if let Some(k) = &e.kernel {
            let _ = writeln!(out, "    kernel: {k}");
        }
        if !e.args.is_empty() {
            let _ = writeln!(out, "    args:   {}", e.args);
        }
        if let Some(i) = e.initrd() {
            let _ = writeln!(out, "    initrd: {i}");
        }
    }
    match r.default {
        Some(i) => {
            let _ = writeln!(out, "default: {i}");
        }
        None => out.push_str("default: none (no entries)\n"),
    }
    match &r.kernel {
        None => {}
        Some(Err(e)) => {
            let _ = writeln!(out, "kernel: cannot boot: {e}");
        }
        Some(Ok(k)) => {
            let compression = k.compression.map_or("none", |c| c.name());
            let _ = writeln!(
                out,
                "kernel: {} ({} bytes): {}, compression {compression}",
                k.file,
                k.size,
                k.format.name()
            );
            notes_text(&mut out, &k.notes);
        }
    }
    out
}

fn notes_text(out: &mut String, n: &XenNotes) {
    let nums = [
        ("VIRT_BASE", n.virt_base),
        ("PADDR_OFFSET", n.paddr_offset),
        ("ENTRY", n.entry),
        ("HYPERCALL_PAGE", n.hypercall_page),
        ("INIT_P2M", n.init_p2m),
        ("MOD_START_PFN", n.mod_start_pfn),
        ("HV_START_LOW", n.hv_start_low),
        ("PHYS32_ENTRY", n.phys32_entry),
    ];
    for (name, v) in nums {
        if let Some(v) = v {
            let _ = writeln!(out, "    {name}: {v:#x}");
        }
    }
    let texts = [
        ("XEN_VERSION", &n.xen_version),
        ("GUEST_OS", &n.guest_os),
        ("GUEST_VERSION", &n.guest_version),
        ("LOADER", &n.loader),
        ("PAE_MODE", &n.pae_mode),
        ("FEATURES", &n.features),
    ];
    for (name, v) in texts {
        if let Some(v) = v {
            let _ = writeln!(out, "    {name}: {v}");
        }
    }
}
