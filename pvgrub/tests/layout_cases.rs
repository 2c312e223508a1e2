//! pvgrub::layout on cases worked out by hand from libxenguest 4.17's algorithm
//! (xg_dom_core.c `xc_dom_build_image`, xg_dom_x86.c `count_pgtables`, `alloc_pgtables_pv`,
//! `alloc_p2m_list_x86_64`, `start_info_x86_64`). layout_peer.rs checks the same against the
//! builder itself; these pin the numbers down in a readable form.

use pvgrub::layout::{
    builder_module_len, Area, DomainConfig, KernelPlacement, Layout, LayoutError, StartInfoRuntime,
    SIF_MOD_START_PFN, SIF_VIRT_P2M_4TOOLS, START_INFO_MAGIC,
};

/// Debian 12's kernel (linux-image-6.1.0-*-amd64), from `readelf -n -l` of the vmlinux in its
/// bzImage: VIRT_BASE 0xffffffff80000000, PADDR_OFFSET 0, loadable paddrs 0x1000000..0x4a00000
/// (so 0xffffffff81000000..0xffffffff84a00000), ENTRY, INIT_P2M 0x8000000000,
/// MOD_START_PFN 1, no HYPERCALL_PAGE.
fn debian() -> KernelPlacement {
    KernelPlacement {
        virt_base: 0xffff_ffff_8000_0000,
        start: 0xffff_ffff_8100_0000,
        end: 0xffff_ffff_84a0_0000,
        entry: 0xffff_ffff_8307_91c0,
        hypercall_page: None,
        p2m_base: Some(0x80_0000_0000),
        unmapped_module: true,
    }
}

#[test]
fn debian_kernel_512m_with_initrd() {
    let kernel = debian();
    let dom = DomainConfig {
        nr_pages: 131072,
        module_len: Some(5_000_000),
        flags: SIF_VIRT_P2M_4TOOLS,
    };
    let l = Layout::new(&kernel, &dom).unwrap();
    // 16 MiB of padding (pfns 0..0x1000), then the 58 MiB kernel.
    assert_eq!((l.kernel.pfn, l.kernel.pages), (0x1000, 0x3a00));
    // MOD_START_PFN and INIT_P2M: neither module nor p2m list here.
    assert_eq!(
        (l.start_info_pfn, l.xenstore_pfn, l.console_pfn),
        (0x4a00, 0x4a01, 0x4a02)
    );
    // Mapping end: 0x4a03 pages + 129 (stack, 512 KiB) rounded up to 4 MiB = 0x4c00 pages;
    // tables: 1 L4, 1 L3, 1 L2, 38 L1 (0x4c00 pages / 512); 0x4a03 + 41 + 129 fits.
    assert_eq!((l.page_tables.pfn, l.page_tables.pages), (0x4a03, 41));
    assert_eq!(l.stack_pfn, 0x4a2c);
    assert_eq!(l.v_end, 0xffff_ffff_84c0_0000);
    // Then the module (1221 pages) and the p2m list: 256 pages and 1 L3, 1 L2, 1 L1.
    let m = l.module.unwrap();
    assert_eq!((m.pfn, m.pages), (0x4c00, 1221));
    assert_eq!(
        (l.p2m.pfn, l.p2m.pages, l.p2m.vstart),
        (0x50c5, 259, 0x80_0000_0000)
    );
    assert_eq!(l.pfn_end, 0x51c8);

    let si = l.start_info;
    assert_eq!(si.nr_pages, 131072);
    assert_eq!(si.flags, SIF_VIRT_P2M_4TOOLS | SIF_MOD_START_PFN);
    assert_eq!((si.pt_base, si.nr_pt_frames), (0xffff_ffff_84a0_3000, 41));
    assert_eq!(si.mfn_list, 0x80_0000_0000);
    assert_eq!((si.mod_start, si.mod_len), (0x4c00, 1221 * 4096));
    assert_eq!((si.first_p2m_pfn, si.nr_p2m_frames), (0x50c5, 259));
    assert_eq!(l.stack_top(), 0xffff_ffff_84a2_d000);
    assert_eq!(l.start_info_vaddr(), 0xffff_ffff_84a0_0000);
    assert_eq!(l.cr3_pfn(), 0x4a03);

    let plan = l.page_table_plan();
    assert_eq!(plan.len(), 41 + 3);
    let table = |pfn| plan.iter().find(|t| t.pfn == pfn).unwrap();
    // L4: slot 511 (0xffffff80_00000000) -> the L3, slot 1 (0x80_0000_0000) -> p2m's L3.
    let l4 = table(0x4a03);
    assert_eq!(l4.level, 4);
    let slots: Vec<_> = l4
        .entries
        .iter()
        .map(|r| (r.index, r.count, r.pfn, r.flags))
        .collect();
    assert_eq!(slots, [(1, 1, 0x51c5, 0x67), (511, 1, 0x4a04, 0x67)]);
    // L3 slot 510 (0xffffffff_80000000) -> the L2; L2 slots 0..38 -> the L1s.
    assert_eq!(table(0x4a04).entries[0].index, 510);
    let l2 = &table(0x4a05).entries;
    assert_eq!((l2[0].index, l2[0].count, l2[0].pfn), (0, 38, 0x4a06));
    // The L1s map pfns 0..0x4c00, the page tables read-only.
    let first_l1 = table(0x4a06);
    assert_eq!(first_l1.vaddr, 0xffff_ffff_8000_0000);
    assert_eq!(
        (first_l1.entries[0].pfn, first_l1.entries[0].flags),
        (0, 0x23)
    );
    let ro = table(0x4a06 + 0x4a03 / 512);
    let ro_run = ro.entries.iter().find(|r| r.flags == 0x21).unwrap();
    assert_eq!((ro_run.pfn, ro_run.count), (0x4a03, 41));
    // The p2m list's L1 maps its 256 pages.
    let p2m_l1 = &table(0x51c7).entries;
    assert_eq!(
        (p2m_l1[0].index, p2m_l1[0].count, p2m_l1[0].pfn),
        (0, 256, 0x50c5)
    );
}

#[test]
fn debian_kernel_does_not_fit_in_32m() {
    let kernel = debian();
    let dom = DomainConfig {
        nr_pages: 8192,
        module_len: None,
        flags: 0,
    };
    assert_eq!(
        Layout::new(&kernel, &dom),
        Err(LayoutError::DoesNotFit {
            area: Area::Kernel,
            pages: 0x3a00,
            free: 0x1000
        })
    );
}

/// Mini-OS: linked at 0, no VIRT_BASE, mapped p2m list, a hypercall page.
fn minios() -> KernelPlacement {
    KernelPlacement {
        virt_base: 0,
        start: 0,
        end: 0x2_3456,
        entry: 0,
        hypercall_page: Some(0x2000),
        p2m_base: None,
        unmapped_module: false,
    }
}

#[test]
fn minios_needs_4m() {
    let kernel = minios();
    let dom = |nr_pages| DomainConfig {
        nr_pages,
        module_len: None,
        flags: 0,
    };
    let l = Layout::new(&kernel, &dom(1024)).unwrap();
    assert_eq!((l.kernel.pfn, l.kernel.pages), (0, 36));
    assert_eq!(l.hypercall_page_pfn, Some(2));
    // 1024 entries of 8 bytes: 2 pages, mapped right after the kernel.
    assert_eq!((l.p2m.pfn, l.p2m.pages, l.p2m.vstart), (36, 2, 36 * 4096));
    assert_eq!(
        (l.start_info_pfn, l.xenstore_pfn, l.console_pfn),
        (38, 39, 40)
    );
    // 0..4 MiB: 1 L4, 1 L3, 1 L2, 2 L1.
    assert_eq!((l.page_tables.pfn, l.page_tables.pages), (41, 5));
    assert_eq!(l.stack_pfn, 46);
    assert_eq!(l.v_end, 0x40_0000);
    assert_eq!(l.pfn_end, 1024);
    assert_eq!(l.start_info.flags, 0);
    assert_eq!((l.start_info.mod_start, l.start_info.mod_len), (0, 0));
    assert_eq!(l.start_info.first_p2m_pfn, 0);
    // With 3 MiB the 4 MiB initial mapping is bigger than the domain (what `xl create`
    // reports for Mini-OS with memory=3).
    assert_eq!(
        Layout::new(&kernel, &dom(768)),
        Err(LayoutError::MappingTooLarge {
            area: Area::InitialMapping,
            last_pfn: 1023,
            nr_pages: 768
        })
    );
}

#[test]
fn mapped_module_gives_its_address_and_length() {
    let kernel = KernelPlacement {
        unmapped_module: false,
        p2m_base: None,
        ..debian()
    };
    let dom = DomainConfig {
        nr_pages: 65536,
        module_len: Some(10_000),
        flags: 0,
    };
    let l = Layout::new(&kernel, &dom).unwrap();
    // Module after the kernel (3 pages), then 128 pages of p2m list, then the pages.
    assert_eq!(l.start_info.mod_start, 0xffff_ffff_84a0_0000);
    assert_eq!(l.start_info.mod_len, 10_000);
    assert_eq!((l.p2m.pfn, l.p2m.pages), (0x4a03, 128));
    assert_eq!(l.start_info.mfn_list, 0xffff_ffff_84a0_3000);
    assert_eq!(l.start_info_pfn, 0x4a83);
    assert_eq!(l.start_info.flags & SIF_MOD_START_PFN, 0);
}

#[test]
fn refuses_what_the_builder_cannot_use() {
    let dom = DomainConfig {
        nr_pages: 65536,
        module_len: None,
        flags: 0,
    };
    let mut kernel = minios();
    kernel.hypercall_page = Some(0x10_0000);
    assert_eq!(
        Layout::new(&kernel, &dom),
        Err(LayoutError::HypercallPageOutsideKernel { vaddr: 0x10_0000 })
    );
    let mut kernel = minios();
    kernel.virt_base = 0x800;
    kernel.start = 0x800;
    kernel.hypercall_page = None;
    assert_eq!(
        Layout::new(&kernel, &dom),
        Err(LayoutError::Unaligned { addr: 0x800 })
    );
    let mut kernel = debian();
    kernel.start += 0x10;
    assert_eq!(
        Layout::new(&kernel, &dom),
        Err(LayoutError::Unaligned {
            addr: 0xffff_ffff_8100_0010
        })
    );
    // A p2m list at INIT_P2M running into the kernel's mapping.
    let mut kernel = debian();
    kernel.p2m_base = Some(kernel.virt_base - 0x1000);
    assert_eq!(
        Layout::new(&kernel, &dom),
        Err(LayoutError::OverlappingMappings)
    );
    // A p2m list at INIT_P2M inside the range of the initial mapping's first L1 table: it
    // would need no table of its own, which the builder cannot handle.
    let kernel = KernelPlacement {
        virt_base: 0x2_7000,
        start: 0x2_7000,
        end: 0x2_8000,
        entry: 0x2_7000,
        hypercall_page: None,
        p2m_base: Some(0x1000),
        unmapped_module: false,
    };
    assert_eq!(
        Layout::new(
            &kernel,
            &DomainConfig {
                nr_pages: 1000,
                ..dom
            }
        ),
        Err(LayoutError::P2mWithoutTables)
    );
    // A kernel that ends at the top of the address space.
    let mut kernel = debian();
    kernel.end = u64::MAX - 0xfff;
    let big = DomainConfig {
        nr_pages: 1 << 20,
        ..dom
    };
    assert_eq!(Layout::new(&kernel, &big), Err(LayoutError::Overflow));
}

#[test]
fn module_length_as_the_builder_places_it() {
    assert_eq!(builder_module_len(b"plain data"), 10);
    assert_eq!(builder_module_len(&[0x1f, 0x8b, 0, 0, 0]), 5);
    // gzip magic and a trailer announcing 1000 bytes: 1000 + 16.
    let gz = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0xe8, 0x03, 0, 0];
    assert_eq!(builder_module_len(&gz), 1016);
    // A trailer over 1 GiB is not believed.
    let huge = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 1, 0, 0, 0x40];
    assert_eq!(builder_module_len(&huge), 12);
}

#[test]
fn start_info_bytes() {
    let kernel = minios();
    let dom = DomainConfig {
        nr_pages: 1024,
        module_len: None,
        flags: 0,
    };
    let l = Layout::new(&kernel, &dom).unwrap();
    let rt = StartInfoRuntime {
        shared_info_mfn: 0xabc,
        store_mfn: 0x111,
        store_evtchn: 2,
        console_mfn: 0x222,
        console_evtchn: 1,
    };
    let long = [b'a'; 2000];
    let bytes = l.start_info.encode(&rt, &long);
    let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    assert_eq!(&bytes[..START_INFO_MAGIC.len()], START_INFO_MAGIC);
    assert_eq!(u64_at(32), 1024);
    assert_eq!(u64_at(40), 0xabc000);
    assert_eq!(u64_at(56), 0x111);
    assert_eq!(u64_at(72), 0x222);
    assert_eq!(u64_at(88), 41 * 4096);
    assert_eq!(u64_at(96), 5);
    // The command line is cut at 1023 bytes and NUL terminated.
    assert!(bytes[128..128 + 1023].iter().all(|&b| b == b'a'));
    assert_eq!(bytes[128 + 1023], 0);
    let cut = l.start_info.encode(&rt, b"ro\0junk");
    assert_eq!(&cut[128..134], b"ro\0\0\0\0");
}
