//! Properties of every layout pvgrub::layout makes: areas do not overlap and fit in the
//! domain, everything the kernel needs is inside the initial mapping, and walking the
//! page-table plan like the MMU does maps each page of `virt_base..v_end` (and of the p2m
//! list at INIT_P2M) to the right pfn, with the page tables read-only.

use std::collections::HashMap;

use proptest::prelude::*;
use pvgrub::layout::{
    Area, DomainConfig, KernelPlacement, Layout, LayoutError, PAGE_SIZE, SIF_MOD_START_PFN,
};

fn inputs() -> impl Strategy<Value = (KernelPlacement, DomainConfig)> {
    let base = prop_oneof![
        Just(0u64),
        Just(0xffff_ffff_8000_0000u64),
        Just(0xffff_8800_0000_0000u64),
        (1u64..0x8_0000).prop_map(|p| p << 12),
    ];
    (
        base,
        (0u64..0x4000).prop_map(|p| p << 12),
        1u64..0x200_0000,
        prop::option::of(prop_oneof![
            Just(0x80_0000_0000u64),
            (1u64..0x10_0000).prop_map(|p| p << 12)
        ]),
        any::<bool>(),
        prop::option::of(0u64..0x100_0000),
        256u64..0x8_0000,
        any::<u32>(),
    )
        .prop_map(
            |(virt_base, off, size, init_p2m, msp, module_len, nr_pages, flags)| {
                let kernel = KernelPlacement {
                    virt_base,
                    start: virt_base + off,
                    end: virt_base + off + size,
                    entry: virt_base + off,
                    hypercall_page: None,
                    p2m_base: init_p2m,
                    unmapped_module: msp,
                };
                let dom = DomainConfig {
                    nr_pages,
                    module_len,
                    flags: flags & !SIF_MOD_START_PFN,
                };
                (kernel, dom)
            },
        )
}

/// Translates `va` through the plan from the L4 at `cr3`: the pfn and the entry's flags.
fn walk(tables: &HashMap<u64, [u64; 512]>, cr3: u64, va: u64) -> Option<(u64, u64)> {
    let mut pfn = cr3;
    let mut flags = 0;
    for level in (0..4).rev() {
        let index = (va >> (12 + 9 * level)) & 511;
        let entry = tables.get(&pfn)?[index as usize];
        if entry & 1 == 0 {
            return None;
        }
        pfn = entry >> 12;
        flags = entry & 0xfff;
    }
    Some((pfn, flags))
}

fn check(l: &Layout) {
    // Areas: disjoint, in pfn order, inside the domain.
    let areas: Vec<(Area, _)> = l.areas().collect();
    for pair in areas.windows(2) {
        let ((a, x), (b, y)) = (pair[0], pair[1]);
        assert!(x.pfn_end() <= y.pfn, "{a} {x:?} overlaps {b} {y:?}");
    }
    assert!(l.pfn_end <= l.nr_pages);
    assert!(areas.iter().all(|(_, s)| s.pfn_end() <= l.pfn_end));

    // The initial mapping: 4 MiB aligned, holds what the kernel needs plus 512 KiB.
    assert_eq!(l.v_end % (4 << 20), 0);
    let mapped_pages = (l.v_end - l.virt_base) / PAGE_SIZE;
    assert!(mapped_pages <= l.nr_pages);
    assert!(l.stack_pfn + 1 + 128 <= mapped_pages);
    let module_mapped = l.start_info.flags & SIF_MOD_START_PFN == 0;
    for (area, seg) in &areas {
        let must_be_mapped = match area {
            Area::Module => module_mapped,
            Area::P2m => l.start_info.first_p2m_pfn == 0,
            _ => true,
        };
        if must_be_mapped {
            assert!(seg.pfn_end() <= mapped_pages, "{area} outside the mapping");
            assert_eq!(
                seg.vstart,
                l.virt_base + seg.pfn * PAGE_SIZE,
                "{area} vstart"
            );
        } else {
            assert!(seg.pfn >= mapped_pages, "{area} inside the mapping");
        }
    }

    // The plan, as memory with mfn = pfn.
    let plan = l.page_table_plan();
    let mut tables = HashMap::new();
    for t in &plan {
        let mut page = [0u64; 512];
        t.fill(|pfn| pfn, &mut page);
        assert!(page.iter().any(|&e| e != 0), "empty table at {:#x}", t.pfn);
        assert!(tables.insert(t.pfn, page).is_none());
    }
    let is_table = |pfn| tables.contains_key(&pfn);
    let initial_tables = plan
        .iter()
        .filter(|t| l.page_tables.contains_pfn(t.pfn))
        .count();
    assert_eq!(initial_tables as u64, l.start_info.nr_pt_frames);
    assert_eq!(tables[&l.cr3_pfn()].len(), 512);
    for t in &plan {
        assert!(l.page_tables.contains_pfn(t.pfn) || l.p2m.contains_pfn(t.pfn));
    }
    for page in 0..mapped_pages {
        let va = l.virt_base + page * PAGE_SIZE;
        let (pfn, flags) = walk(&tables, l.cr3_pfn(), va).expect("mapped");
        assert_eq!(pfn, page, "va {va:#x}");
        assert_eq!(
            flags & 2 == 0,
            is_table(pfn),
            "writable bit of pfn {pfn:#x}"
        );
    }
    if l.start_info.first_p2m_pfn != 0 {
        let list_pages = (l.nr_pages * 8).div_ceil(PAGE_SIZE);
        assert_eq!(l.p2m.pfn, l.start_info.first_p2m_pfn);
        assert_eq!(l.p2m.pages, l.start_info.nr_p2m_frames);
        for i in 0..list_pages {
            let va = l.start_info.mfn_list + i * PAGE_SIZE;
            assert_eq!(
                walk(&tables, l.cr3_pfn(), va).map(|m| m.0),
                Some(l.p2m.pfn + i)
            );
        }
        // Nothing else is mapped right after the list.
        let after = l.start_info.mfn_list + list_pages * PAGE_SIZE;
        if !after.is_multiple_of(2 << 20) {
            assert_eq!(walk(&tables, l.cr3_pfn(), after), None);
        }
    }
    // What the kernel is told.
    let si = l.start_info;
    assert_eq!(si.pt_base, l.virt_base + l.page_tables.pfn * PAGE_SIZE);
    assert_eq!(si.mfn_list, l.p2m.vstart);
    match l.module {
        Some(m) if module_mapped => assert_eq!((si.mod_start, si.mod_len), (m.vstart, m.len)),
        Some(m) => assert_eq!((si.mod_start, si.mod_len), (m.pfn, m.pages * PAGE_SIZE)),
        None => assert_eq!((si.mod_start, si.mod_len), (0, 0)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn layouts_are_sound((kernel, dom) in inputs()) {
        match Layout::new(&kernel, &dom) {
            Ok(l) => check(&l),
            // Refused only when something does not fit, or when the p2m list at INIT_P2M
            // would run into the initial mapping or sit in the range of its L1 tables.
            Err(LayoutError::DoesNotFit { pages, free, .. }) => prop_assert!(pages > free),
            Err(LayoutError::MappingTooLarge { last_pfn, nr_pages, .. }) => {
                prop_assert!(last_pfn >= nr_pages)
            }
            Err(LayoutError::OverlappingMappings) => {
                let base = kernel.p2m_base.unwrap();
                prop_assert!(base + dom.nr_pages * 8 > kernel.virt_base);
            }
            Err(LayoutError::P2mWithoutTables) => {
                let base = kernel.p2m_base.unwrap();
                prop_assert!(kernel.virt_base - base < 2 << 20, "far apart yet shared tables");
            }
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
    }
}
