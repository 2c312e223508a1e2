//! The probe's report as text (like `pygrub -l`) or as one JSON object.
//!
//! Whatever came from the disk (titles, arguments, paths, device names, note strings, error
//! texts quoting them) is shown escaped ([`pvgrub::text`]): in the text report, and in the
//! JSON's strings too (a byte that is not UTF-8 is `\xff` there), so that neither a terminal
//! nor a tool reading the JSON gets a control character.

use std::fmt::Write;

use pvgrub::image::{NoteSource, XenNotes};
use pvgrub::layout::{Layout, Segment};
use pvgrub::menu::{Device, Entry, FilePath, MenuFormat};
use pvgrub::text::{escape, escape_controls};
use serde_json::{json, Value};

use crate::error::ProbeError;
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

/// Most entries listed: the report stays linear in the menu, whatever it holds.
pub const MAX_SHOWN_ENTRIES: usize = 256;
/// Most bytes of one untrusted field shown (a title, arguments, a path, a device name);
/// the rest is counted. With [`MAX_SHOWN_ENTRIES`] this bounds the report, where a menu
/// whose 20,000 entries share one 500 KiB root would otherwise print gigabytes.
pub const MAX_SHOWN_FIELD: usize = 1024;

/// Untrusted bytes as shown: escaped, cut after [`MAX_SHOWN_FIELD`] bytes.
fn shown_bytes(b: &[u8]) -> String {
    match b.get(..MAX_SHOWN_FIELD) {
        Some(head) if b.len() > MAX_SHOWN_FIELD => {
            format!("{}... ({} bytes in all)", escape(head), b.len())
        }
        _ => escape(b).to_string(),
    }
}

/// Untrusted text (a note string) as shown.
fn shown(s: &str) -> String {
    shown_bytes(s.as_bytes())
}

fn text(v: &Option<String>) -> Value {
    v.as_deref()
        .map_or(Value::Null, |s| Value::String(shown(s)))
}

/// A device's name as shown, `(hd0,1)`: a name the menu wrote for a device pv-grub does not
/// have is quoted with its controls escaped.
pub fn device_name(d: &Device) -> String {
    match d {
        Device::Other(name) => format!("({})", shown_bytes(name.as_bytes())),
        d => d.to_string(),
    }
}

/// `path` on `device` as shown, `(hd0,0)/boot/vmlinuz`: the path escaped.
pub fn file_name(device: Option<&Device>, path: &[u8]) -> String {
    let device = device.map(device_name).unwrap_or_default();
    format!("{device}{}", shown_bytes(path))
}

/// A file an entry names, as shown.
fn entry_file(p: &FilePath) -> String {
    file_name(p.device.as_ref(), p.path.as_bytes())
}

/// An error's text as shown: what it quotes from the disk is escaped by the error's
/// `Display`; anything that was not has its controls escaped here.
/// Errors are cut after 8 KiB (an error quoting a 500 KiB device name is still read).
pub fn error_text(e: &dyn std::error::Error) -> String {
    let text = escape_controls(&e.to_string()).to_string();
    const MAX: usize = 8 << 10;
    if text.len() <= MAX {
        return text;
    }
    let mut cut = MAX;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}... ({} bytes in all)", &text[..cut], text.len())
}

fn entry_json(e: &Entry) -> Value {
    json!({
        "title": shown_bytes(e.title.as_bytes()),
        "root": e.root.as_ref().map(device_name),
        "kernel": e.kernel.as_ref().map(entry_file),
        "initrd": e.initrd().as_ref().map(entry_file),
        "args": shown_bytes(e.args.as_bytes()),
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

fn segment_json(s: &Segment) -> Value {
    json!({ "pfn": s.pfn, "pages": s.pages, "vstart": hex(Some(s.vstart)), "len": s.len })
}

fn layout_json(l: &Layout) -> Value {
    let si = &l.start_info;
    json!({
        "nr_pages": l.nr_pages,
        "virt_base": hex(Some(l.virt_base)),
        "v_end": hex(Some(l.v_end)),
        "pfn_end": l.pfn_end,
        "kernel": segment_json(&l.kernel),
        "module": l.module.as_ref().map(segment_json),
        "p2m": segment_json(&l.p2m),
        "start_info_pfn": l.start_info_pfn,
        "xenstore_pfn": l.xenstore_pfn,
        "console_pfn": l.console_pfn,
        "page_tables": segment_json(&l.page_tables),
        "stack_pfn": l.stack_pfn,
        "hypercall_page_pfn": l.hypercall_page_pfn,
        "entry": hex(Some(l.entry)),
        "stack_top": hex(Some(l.stack_top())),
        "start_info_vaddr": hex(Some(l.start_info_vaddr())),
        "start_info": {
            "nr_pages": si.nr_pages,
            "flags": si.flags,
            "pt_base": hex(Some(si.pt_base)),
            "nr_pt_frames": si.nr_pt_frames,
            "mfn_list": hex(Some(si.mfn_list)),
            "mod_start": hex(Some(si.mod_start)),
            "mod_len": si.mod_len,
            "first_p2m_pfn": si.first_p2m_pfn,
            "nr_p2m_frames": si.nr_p2m_frames,
        },
    })
}

fn error_json(e: &ProbeError) -> Value {
    json!({ "error": error_text(e) })
}

/// The report as one JSON object: `menu`, `menu_format`, `entries`, `default`, `kernel`, and
/// `layout` when a memory size was given.
pub fn json(r: &Report) -> Value {
    let kernel = match &r.kernel {
        None => Value::Null,
        Some(Ok(k)) => kernel_json(k),
        Some(Err(e)) => error_json(e),
    };
    let mut out = json!({
        "menu": r.menu_at,
        "menu_format": format_name(r.menu.format),
        "entries": r.menu.entries.iter().take(MAX_SHOWN_ENTRIES).map(|e| entry_json(&e)).collect::<Vec<_>>(),
        "entry_count": r.menu.entries.len(),
        "default": r.default,
        "kernel": kernel,
    });
    if let Some(layout) = &r.layout {
        out["layout"] = layout.as_ref().map_or_else(error_json, layout_json);
    }
    out
}

/// The report as text.
pub fn text_report(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "menu: {} ({})", r.menu_at, format_name(r.menu.format));
    for (i, e) in r.menu.entries.iter().enumerate().take(MAX_SHOWN_ENTRIES) {
        let mark = if Some(i) == r.default { '*' } else { ' ' };
        let _ = writeln!(out, "{mark}{i}: {}", shown_bytes(e.title.as_bytes()));
        if let Some(root) = &e.root {
            let _ = writeln!(out, "    root:   {}", device_name(root));
        }
        if let Some(k) = &e.kernel {
            let _ = writeln!(out, "    kernel: {}", entry_file(k));
        }
        if !e.args.is_empty() {
            let _ = writeln!(out, "    args:   {}", shown_bytes(e.args.as_bytes()));
        }
        if let Some(i) = e.initrd() {
            let _ = writeln!(out, "    initrd: {}", entry_file(&i));
        }
    }
    if let Some(more) = r.menu.entries.len().checked_sub(MAX_SHOWN_ENTRIES) {
        if more > 0 {
            let _ = writeln!(out, "... and {more} more entries");
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
            let _ = writeln!(out, "kernel: cannot boot: {}", error_text(e));
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
    match &r.layout {
        None => {}
        Some(Err(e)) => {
            // The line says "layout:" already, as the text of ProbeError::Layout does.
            let e: &dyn std::error::Error = match e {
                ProbeError::Layout(e) => e,
                e => e,
            };
            let _ = writeln!(out, "layout: {}", error_text(e));
        }
        Some(Ok(l)) => layout_text(&mut out, l),
    }
    out
}

fn layout_text(out: &mut String, l: &Layout) {
    let _ = writeln!(
        out,
        "layout: {} pages, initial mapping {:#x}..{:#x}",
        l.nr_pages, l.virt_base, l.v_end
    );
    for (area, seg) in l.areas() {
        let _ = writeln!(out, "    pfn {:#8x} +{:#6x}  {area}", seg.pfn, seg.pages);
    }
    let si = &l.start_info;
    let _ = writeln!(
        out,
        "    start_info: flags {:#x} pt_base {:#x} nr_pt_frames {} mfn_list {:#x} mod_start {:#x} mod_len {:#x}",
        si.flags, si.pt_base, si.nr_pt_frames, si.mfn_list, si.mod_start, si.mod_len
    );
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
            let _ = writeln!(out, "    {name}: {}", shown(v));
        }
    }
}
