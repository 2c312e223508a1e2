//! Booting a loaded kernel in this domain: its layout (as `xl create` would make it), its
//! pages, its page tables, p2m and start_info, then minios's kexec switch.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use minios::kexec::{Builder, ExecSpec, Fixed};
use minios::time::Instant;
use pvgrub::image::KernelImage;
use pvgrub::layout::{
    DomainConfig, KernelPlacement, Layout, PageSource, StartInfoRuntime, PAGE_SIZE,
    SIF_VIRT_P2M_4TOOLS,
};

const PAGE: usize = PAGE_SIZE as usize;

/// Boots `kernel` with `module` as its initrd and `cmdline`. Returns only if the kernel
/// cannot be booted, saying why; the domain then goes on as it was.
pub fn boot(kernel: KernelImage<'static>, module: Option<Vec<u8>>, cmdline: &[u8]) -> String {
    match try_boot(kernel, module, cmdline) {
        Ok(e) | Err(e) => e,
    }
}

fn try_boot(
    kernel: KernelImage<'static>,
    module: Option<Vec<u8>>,
    cmdline: &[u8],
) -> Result<String, String> {
    let t0 = Instant::now();
    let mut b = Builder::new();
    let nr_pages = b.nr_pages() as u64;
    let domain = DomainConfig {
        nr_pages,
        module_len: module.as_ref().map(|m| m.len() as u64),
        flags: SIF_VIRT_P2M_4TOOLS,
    };
    let layout = Layout::new(&KernelPlacement::from_image(&kernel), &domain).map_err(|e| {
        format!(
            "the kernel does not fit in this domain's {} MiB: {e}",
            nr_pages >> 8
        )
    })?;
    log::info!(
        "layout: kernel at pfn {:#x}+{:#x}, initial mapping to {:#x}, {} pfns used of {nr_pages}",
        layout.kernel.pfn,
        layout.kernel.pages,
        layout.v_end,
        layout.pfn_end
    );
    let pages = layout.kernel_pages(&kernel);
    let elf = b.add_buffer(kernel.elf.into_owned());
    let fail = |e: minios::kexec::KexecError| format!("cannot set up the kernel's pages: {e}");
    for (pfn, source) in pages {
        match source {
            PageSource::Elf { offset } => b
                .use_buffer_page(pfn as usize, elf, offset / PAGE)
                .map_err(fail)?,
            PageSource::Parts(parts) => {
                let mut page = [0u8; PAGE];
                let bytes = b.buffer_mut(elf).unwrap_or_default();
                for p in parts {
                    if let Some(src) = bytes.get(p.offset..p.offset + p.len) {
                        page[p.at..p.at + p.len].copy_from_slice(src);
                    }
                }
                b.new_page(pfn as usize)
                    .map_err(fail)?
                    .copy_from_slice(&page);
            }
        }
    }
    if let (Some(m), Some(seg)) = (module, layout.module) {
        let buf = b.add_buffer(m);
        for i in 0..seg.pages {
            b.use_buffer_page((seg.pfn + i) as usize, buf, i as usize)
                .map_err(fail)?;
        }
    }
    for pfn in layout.p2m_list_pfns() {
        b.new_page(pfn as usize).map_err(fail)?;
    }
    b.new_page(layout.start_info_pfn as usize).map_err(fail)?;
    let tables = layout.page_table_plan();
    for t in &tables {
        b.new_page(t.pfn as usize).map_err(fail)?;
    }
    let mfns = b
        .plan(Fixed {
            mapped_end: ((layout.v_end - layout.virt_base) / PAGE_SIZE) as usize,
            stack_pfn: layout.stack_pfn as usize,
            xenstore_pfn: layout.xenstore_pfn as usize,
            console_pfn: layout.console_pfn as usize,
        })
        .map_err(fail)?;

    // The p2m list: 512 entries a page.
    for (i, pfn) in layout.p2m_list_pfns().enumerate() {
        let page = b.page_mut(pfn as usize).ok_or("p2m page missing")?;
        for (slot, mfn) in page.chunks_exact_mut(8).zip(mfns.iter().skip(i * 512)) {
            slot.copy_from_slice(&mfn.to_le_bytes());
        }
    }
    for t in &tables {
        let page = b.page_mut(t.pfn as usize).ok_or("table page missing")?;
        for run in &t.entries {
            for k in 0..u64::from(run.count) {
                let index = usize::from(run.index) + k as usize;
                let mfn = mfns
                    .get((run.pfn + k) as usize)
                    .ok_or("a table maps a pfn outside the domain")?;
                let entry = (mfn << 12) | run.flags;
                page[index * 8..index * 8 + 8].copy_from_slice(&entry.to_le_bytes());
            }
        }
    }
    let si = minios::start_info();
    let rt = StartInfoRuntime {
        shared_info_mfn: si.shared_info >> 12,
        store_mfn: si.store_mfn,
        store_evtchn: si.store_evtchn,
        console_mfn: si.console.mfn,
        console_evtchn: si.console.evtchn,
    };
    let bytes = layout.start_info.encode(&rt, cmdline);
    b.page_mut(layout.start_info_pfn as usize)
        .ok_or("start_info page missing")?[..bytes.len()]
        .copy_from_slice(&bytes);

    // The top-level table first.
    let mut table_pfns: Vec<usize> = tables.iter().map(|t| t.pfn as usize).collect();
    let top = layout.cr3_pfn() as usize;
    table_pfns.retain(|&p| p != top);
    table_pfns.insert(0, top);
    let spec = ExecSpec {
        tables: &table_pfns,
        hypercall_pfn: layout.hypercall_page_pfn.map(|p| p as usize),
        virt_base: layout.virt_base,
        entry: layout.entry,
        start_info_va: layout.start_info_vaddr(),
    };
    minios::println!(
        "pv-grub: times: setup-ms={} (pages, page tables, p2m, start_info); starting the kernel",
        Instant::now().duration_since(t0).as_millis()
    );
    Ok(format!("cannot start the kernel: {}", b.exec(&spec)))
}
