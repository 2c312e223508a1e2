//! The Rust side of the ABI layout test: every mirrored struct with all its fields, and
//! every constant, keyed by C names.

use minios::abi::{self, xs_wire::XsdSockmsgType};
use std::mem::{align_of, offset_of, size_of, size_of_val};
use zerocopy::FromZeros;

/// One field of a Rust struct, named by its C path.
pub struct Field {
    pub c: String,
    pub off: usize,
    pub size: usize,
}

/// A Rust struct and the C struct it mirrors.
pub struct Layout {
    pub c: &'static str,
    pub rust: &'static str,
    pub size: usize,
    pub align: usize,
    pub fields: Vec<Field>,
}

/// The C path of a Rust field path: an explicit override, or the path without `r#`.
fn c_path(rust: &str, c_override: &[&str]) -> String {
    match c_override.first() {
        Some(c) => (*c).to_owned(),
        None => rust.replace(' ', "").replace("r#", ""),
    }
}

/// `c_struct => RustType { field, nested.field as "c.path", ... }`, all fields of the Rust
/// struct (explicit padding included, as `_padN`).
macro_rules! layouts {
    ($($c:ident => $t:ty { $($f:ident $(. $g:ident)* $(as $cf:literal)?),* $(,)? })*) => {{
        let mut v = Vec::new();
        $({
            let z = <$t as FromZeros>::new_zeroed();
            let fields = vec![$(Field {
                c: c_path(stringify!($f $(. $g)*), &[$($cf)?]),
                off: offset_of!($t, $f $(. $g)*),
                size: size_of_val(&z.$f $(. $g)*),
            }),*];
            v.push(Layout {
                c: stringify!($c),
                rust: stringify!($t),
                size: size_of::<$t>(),
                align: align_of::<$t>(),
                fields,
            });
        })*
        v
    }};
}

/// `v; "C prefix"; module => [CONST, ...]`: constants of `minios::abi::module` whose C name
/// is the prefix and the Rust name, compared case-insensitively.
macro_rules! consts {
    ($v:ident; $m:ident => [$($n:ident),* $(,)?]) => {
        consts!($v; ""; $m => [$($n),*])
    };
    ($v:ident; $p:literal; $m:ident => [$($n:ident),* $(,)?]) => {
        $($v.push((format!("{}{}", $p, stringify!($n)), abi::$m::$n as i128));)*
    };
}

pub fn rust_layouts() -> Vec<Layout> {
    use abi::{arch_x86::*, blkif::*, console::*, event_channel::*, grant_table::*};
    use abi::{memory::*, netif::*, ring::*, sched::*, vchan::*, vcpu::*, xen::*, xs_wire::*};
    layouts! {
        trap_info => TrapInfo { vector, flags, cs, _pad0, address }
        arch_vcpu_info => ArchVcpuInfo { cr2, pad }
        arch_shared_info => ArchSharedInfo { max_pfn, pfn_to_mfn_frame_list_list, nmi_reason,
            p2m_cr3, p2m_vaddr, p2m_generation }
        mmu_update => MmuUpdate { ptr, val }
        mmuext_op => MmuextOp { cmd, _pad0, arg1, arg2 }
        multicall_entry => MulticallEntry { op, result, args }
        vcpu_time_info => VcpuTimeInfo { version, pad0, tsc_timestamp, system_time,
            tsc_to_system_mul, tsc_shift, flags, pad1 }
        vcpu_info => VcpuInfo { evtchn_upcall_pending, evtchn_upcall_mask, _pad0,
            evtchn_pending_sel, arch, time }
        shared_info => SharedInfo { vcpu_info, evtchn_pending, evtchn_mask, wc_version, wc_sec,
            wc_nsec, wc_sec_hi, arch }
        start_info => StartInfo { magic, nr_pages, shared_info, flags, _pad0, store_mfn,
            store_evtchn, _pad1, console, console.mfn as "console.domU.mfn",
            console.evtchn as "console.domU.evtchn", pt_base, nr_pt_frames, mfn_list,
            mod_start, mod_len, cmd_line, first_p2m_pfn, nr_p2m_frames }
        xencons_interface => XenconsInterface { r#in, out, in_cons, in_prod, out_cons, out_prod }
        evtchn_alloc_unbound => EvtchnAllocUnbound { dom, remote_dom, port }
        evtchn_bind_interdomain => EvtchnBindInterdomain { remote_dom, _pad0, remote_port,
            local_port }
        evtchn_bind_virq => EvtchnBindVirq { virq, vcpu, port }
        evtchn_bind_ipi => EvtchnBindIpi { vcpu, port }
        evtchn_close => EvtchnClose { port }
        evtchn_send => EvtchnSend { port }
        evtchn_unmask => EvtchnUnmask { port }
        evtchn_bind_vcpu => EvtchnBindVcpu { port, vcpu }
        evtchn_status => EvtchnStatus { dom, _pad0, port, status, vcpu, u }
        sched_shutdown => SchedShutdown { reason }
        sched_poll => SchedPoll { ports, nr_ports, _pad0, timeout }
        sched_remote_shutdown => SchedRemoteShutdown { domain_id, _pad0, reason }
        sched_watchdog => SchedWatchdog { id, timeout }
        vcpu_set_singleshot_timer => VcpuSetSingleshotTimer { timeout_abs_ns, flags, _pad0 }
        vcpu_set_periodic_timer => VcpuSetPeriodicTimer { period_ns }
        vcpu_register_vcpu_info => VcpuRegisterVcpuInfo { mfn, offset, rsvd }
        vcpu_runstate_info => VcpuRunstateInfo { state, _pad0, state_entry_time, time }
        vcpu_register_runstate_memory_area => VcpuRegisterRunstateMemoryArea { addr }
        grant_entry_v1 => GrantEntryV1 { flags, domid, frame }
        gnttab_map_grant_ref => GnttabMapGrantRef { host_addr, flags, r#ref, dom, status,
            handle, dev_bus_addr }
        gnttab_unmap_grant_ref => GnttabUnmapGrantRef { host_addr, dev_bus_addr, handle,
            status, _pad0 }
        gnttab_setup_table => GnttabSetupTable { dom, _pad0, nr_frames, status, _pad1,
            frame_list }
        gnttab_transfer => GnttabTransfer { mfn, domid, _pad0, r#ref, status, _pad1 }
        gnttab_copy_ptr => GnttabCopyPtr { u, domid, offset, _pad0 }
        gnttab_copy => GnttabCopy { source, dest, len, flags, status, _pad0 }
        gnttab_query_size => GnttabQuerySize { dom, _pad0, nr_frames, max_nr_frames, status,
            _pad1 }
        xen_memory_reservation => XenMemoryReservation { extent_start, nr_extents,
            extent_order, mem_flags, domid, _pad0 }
        xen_memory_exchange => XenMemoryExchange { r#in, out, nr_exchanged }
        xen_add_to_physmap => XenAddToPhysmap { domid, size, space, idx, gpfn }
        xen_remove_from_physmap => XenRemoveFromPhysmap { domid, _pad0, gpfn }
        xen_machphys_mapping => XenMachphysMapping { v_start, v_end, max_mfn }
        xen_memory_map => XenMemoryMap { nr_entries, _pad0, buffer }
        xsd_sockmsg => XsdSockmsg { r#type, req_id, tx_id, len }
        xenstore_domain_interface => XenstoreDomainInterface { req, rsp, req_cons, req_prod,
            rsp_cons, rsp_prod, server_features, connection, error }
        blkif_sring => SringHeader { req_prod, req_event, rsp_prod, rsp_event, pvt, __pad }
        blkif_request_segment => BlkifRequestSegment { gref, first_sect, last_sect, _pad0 }
        blkif_request => BlkifRequest { operation, nr_segments, handle, _pad0, id,
            sector_number, seg }
        blkif_request_discard => BlkifRequestDiscard { operation, flag, handle, _pad0, id,
            sector_number, nr_sectors }
        blkif_request_indirect => BlkifRequestIndirect { operation, indirect_op, nr_segments,
            _pad0, id, sector_number, handle, _pad1, indirect_grefs, _pad2 }
        blkif_response => BlkifResponse { id, operation, _pad0, status, _pad1 }
        netif_tx_request => NetifTxRequest { gref, offset, flags, id, size }
        netif_extra_info => NetifExtraInfo { r#type, flags, u }
        netif_tx_response => NetifTxResponse { id, status }
        netif_rx_request => NetifRxRequest { id, pad, gref }
        netif_rx_response => NetifRxResponse { id, offset, flags, status }
        ring_shared => RingShared { cons, prod }
        vchan_interface => VchanInterface { left, right, left_order, right_order, cli_live,
            srv_live, cli_notify, srv_notify }
    }
}

pub fn rust_consts() -> Vec<(String, i128)> {
    let mut v = Vec::new();
    consts!(v; arch_x86 => [XEN_LEGACY_MAX_VCPUS, FLAT_RING3_CS64, FLAT_RING3_DS64,
        FLAT_RING3_SS64, FLAT_KERNEL_CS64, FLAT_KERNEL_SS64]);
    consts!(v; "__"; arch_x86 => [HYPERVISOR_VIRT_START, HYPERVISOR_VIRT_END]);
    consts!(v; "__HYPERVISOR_"; hypercall => [SET_TRAP_TABLE, MMU_UPDATE, SET_GDT,
        STACK_SWITCH, SET_CALLBACKS, FPU_TASKSWITCH, SCHED_OP_COMPAT, PLATFORM_OP,
        SET_DEBUGREG, GET_DEBUGREG, UPDATE_DESCRIPTOR, MEMORY_OP, MULTICALL, UPDATE_VA_MAPPING,
        SET_TIMER_OP, EVENT_CHANNEL_OP_COMPAT, XEN_VERSION, CONSOLE_IO, PHYSDEV_OP_COMPAT,
        GRANT_TABLE_OP, VM_ASSIST, UPDATE_VA_MAPPING_OTHERDOMAIN, IRET, VCPU_OP,
        SET_SEGMENT_BASE, MMUEXT_OP, XSM_OP, NMI_OP, SCHED_OP, CALLBACK_OP, XENOPROF_OP,
        EVENT_CHANNEL_OP, PHYSDEV_OP, HVM_OP, SYSCTL, DOMCTL, KEXEC_OP, TMEM_OP, ARGO_OP,
        XENPMU_OP, DM_OP, HYPFS_OP, ARCH_0]);
    consts!(v; hypercall => [CONSOLEIO_WRITE, CONSOLEIO_READ]);
    consts!(v; xen => [XEN_INTERFACE_VERSION, DOMID_SELF, DOMID_FIRST_RESERVED, DOMID_IO,
        DOMID_XEN, DOMID_COW, DOMID_INVALID, DOMID_IDLE, DOMID_MASK, VIRQ_TIMER, VIRQ_DEBUG,
        VIRQ_CONSOLE, VIRQ_DOM_EXC, VIRQ_TBUF, VIRQ_DEBUGGER, VIRQ_XENOPROF, VIRQ_CON_RING,
        VIRQ_PCPU_STATE, VIRQ_MEM_EVENT, VIRQ_ARGO, VIRQ_ENOMEM, VIRQ_XENPMU, VIRQ_ARCH_0,
        VIRQ_MCA, NR_VIRQS, MMU_NORMAL_PT_UPDATE, MMU_MACHPHYS_UPDATE, MMU_PT_UPDATE_PRESERVE_AD,
        MMU_PT_UPDATE_NO_TRANSLATE, MMUEXT_PIN_L1_TABLE, MMUEXT_PIN_L2_TABLE,
        MMUEXT_PIN_L3_TABLE, MMUEXT_PIN_L4_TABLE, MMUEXT_UNPIN_TABLE, MMUEXT_NEW_BASEPTR,
        MMUEXT_TLB_FLUSH_LOCAL, MMUEXT_INVLPG_LOCAL, MMUEXT_TLB_FLUSH_MULTI, MMUEXT_INVLPG_MULTI,
        MMUEXT_TLB_FLUSH_ALL, MMUEXT_INVLPG_ALL, MMUEXT_FLUSH_CACHE, MMUEXT_SET_LDT,
        MMUEXT_NEW_USER_BASEPTR, MMUEXT_CLEAR_PAGE, MMUEXT_COPY_PAGE, MMUEXT_FLUSH_CACHE_GLOBAL,
        MMUEXT_MARK_SUPER, MMUEXT_UNMARK_SUPER, UVMF_NONE, UVMF_TLB_FLUSH, UVMF_INVLPG,
        UVMF_LOCAL, UVMF_ALL, VMASST_CMD_ENABLE, VMASST_CMD_DISABLE,
        VMASST_TYPE_WRITABLE_PAGETABLES, VMASST_TYPE_RUNSTATE_UPDATE_FLAG,
        VMASST_TYPE_M2P_STRICT, XEN_PVCLOCK_TSC_STABLE_BIT, XEN_PVCLOCK_GUEST_STOPPED,
        SIF_PRIVILEGED, SIF_INITDOMAIN, SIF_MULTIBOOT_MOD, SIF_MOD_START_PFN,
        SIF_VIRT_P2M_4TOOLS, SIF_PM_MASK, MAX_GUEST_CMDLINE]);
    consts!(v; console => [XENCONS_IN_SIZE, XENCONS_OUT_SIZE]);
    consts!(v; event_channel => [EVTCHN_2L_NR_CHANNELS, EVTCHNOP_BIND_INTERDOMAIN,
        EVTCHNOP_BIND_VIRQ, EVTCHNOP_BIND_PIRQ, EVTCHNOP_CLOSE, EVTCHNOP_SEND, EVTCHNOP_STATUS,
        EVTCHNOP_ALLOC_UNBOUND, EVTCHNOP_BIND_IPI, EVTCHNOP_BIND_VCPU, EVTCHNOP_UNMASK,
        EVTCHNOP_RESET, EVTCHNOP_INIT_CONTROL, EVTCHNOP_EXPAND_ARRAY, EVTCHNOP_SET_PRIORITY,
        EVTCHNSTAT_CLOSED, EVTCHNSTAT_UNBOUND, EVTCHNSTAT_INTERDOMAIN, EVTCHNSTAT_PIRQ,
        EVTCHNSTAT_VIRQ, EVTCHNSTAT_IPI]);
    consts!(v; sched => [SCHEDOP_YIELD, SCHEDOP_BLOCK, SCHEDOP_SHUTDOWN, SCHEDOP_POLL,
        SCHEDOP_REMOTE_SHUTDOWN, SCHEDOP_SHUTDOWN_CODE, SCHEDOP_WATCHDOG, SCHEDOP_PIN_OVERRIDE,
        SHUTDOWN_POWEROFF, SHUTDOWN_REBOOT, SHUTDOWN_SUSPEND, SHUTDOWN_CRASH, SHUTDOWN_WATCHDOG,
        SHUTDOWN_SOFT_RESET]);
    consts!(v; vcpu => [VCPUOP_INITIALISE, VCPUOP_UP, VCPUOP_DOWN, VCPUOP_IS_UP,
        VCPUOP_GET_RUNSTATE_INFO, VCPUOP_REGISTER_RUNSTATE_MEMORY_AREA,
        VCPUOP_SET_PERIODIC_TIMER, VCPUOP_STOP_PERIODIC_TIMER, VCPUOP_SET_SINGLESHOT_TIMER,
        VCPUOP_STOP_SINGLESHOT_TIMER, VCPUOP_REGISTER_VCPU_INFO, VCPUOP_SEND_NMI,
        VCPUOP_GET_PHYSID, VCPUOP_REGISTER_VCPU_TIME_MEMORY_AREA, VCPU_SSHOTTMR_FUTURE,
        RUNSTATE_RUNNING, RUNSTATE_RUNNABLE, RUNSTATE_BLOCKED, RUNSTATE_OFFLINE]);
    consts!(v; grant_table => [GNTTAB_NR_RESERVED_ENTRIES, GNTTAB_RESERVED_CONSOLE,
        GNTTAB_RESERVED_XENSTORE, GTF_INVALID, GTF_PERMIT_ACCESS, GTF_ACCEPT_TRANSFER,
        GTF_TRANSITIVE, GTF_TYPE_MASK, GTF_READONLY, GTF_READING, GTF_WRITING, GTF_PWT, GTF_PCD,
        GTF_PAT, GTF_SUB_PAGE, GTF_TRANSFER_COMMITTED, GTF_TRANSFER_COMPLETED,
        GNTTABOP_MAP_GRANT_REF, GNTTABOP_UNMAP_GRANT_REF, GNTTABOP_SETUP_TABLE,
        GNTTABOP_DUMP_TABLE, GNTTABOP_TRANSFER, GNTTABOP_COPY, GNTTABOP_QUERY_SIZE,
        GNTTABOP_UNMAP_AND_REPLACE, GNTTABOP_SET_VERSION, GNTTABOP_GET_STATUS_FRAMES,
        GNTTABOP_GET_VERSION, GNTTABOP_SWAP_GRANT_REF, GNTTABOP_CACHE_FLUSH, GNTMAP_DEVICE_MAP,
        GNTMAP_HOST_MAP, GNTMAP_READONLY, GNTMAP_APPLICATION_MAP, GNTMAP_CONTAINS_PTE,
        GNTCOPY_SOURCE_GREF, GNTCOPY_DEST_GREF, GNTST_OKAY, GNTST_GENERAL_ERROR,
        GNTST_BAD_DOMAIN, GNTST_BAD_GNTREF, GNTST_BAD_HANDLE, GNTST_BAD_VIRT_ADDR,
        GNTST_BAD_DEV_ADDR, GNTST_NO_DEVICE_SPACE, GNTST_PERMISSION_DENIED, GNTST_BAD_PAGE,
        GNTST_BAD_COPY_ARG, GNTST_ADDRESS_TOO_BIG, GNTST_EAGAIN, GNTST_NO_SPACE]);
    consts!(v; memory => [XENMEM_INCREASE_RESERVATION, XENMEM_DECREASE_RESERVATION,
        XENMEM_MAXIMUM_RAM_PAGE, XENMEM_CURRENT_RESERVATION, XENMEM_MAXIMUM_RESERVATION,
        XENMEM_MACHPHYS_MFN_LIST, XENMEM_POPULATE_PHYSMAP, XENMEM_ADD_TO_PHYSMAP,
        XENMEM_MEMORY_MAP, XENMEM_MACHINE_MEMORY_MAP, XENMEM_EXCHANGE, XENMEM_MACHPHYS_MAPPING,
        XENMEM_SET_MEMORY_MAP, XENMEM_MAXIMUM_GPFN, XENMEM_REMOVE_FROM_PHYSMAP,
        XENMEM_ADD_TO_PHYSMAP_BATCH, XENMAPSPACE_SHARED_INFO, XENMAPSPACE_GRANT_TABLE,
        XENMAPSPACE_GMFN, XENMAPSPACE_GMFN_RANGE, XENMAPSPACE_GMFN_FOREIGN,
        XENMAPSPACE_DEV_MMIO, XENMAPIDX_GRANT_TABLE_STATUS, XENMEMF_POPULATE_ON_DEMAND]);
    v.push((
        "XENMEMF_ADDRESS_BITS_32".into(),
        abi::memory::xenmemf_address_bits(32).into(),
    ));
    consts!(v; elfnote => [XEN_ELFNOTE_INFO, XEN_ELFNOTE_ENTRY, XEN_ELFNOTE_HYPERCALL_PAGE,
        XEN_ELFNOTE_VIRT_BASE, XEN_ELFNOTE_PADDR_OFFSET, XEN_ELFNOTE_XEN_VERSION,
        XEN_ELFNOTE_GUEST_OS, XEN_ELFNOTE_GUEST_VERSION, XEN_ELFNOTE_LOADER,
        XEN_ELFNOTE_PAE_MODE, XEN_ELFNOTE_FEATURES, XEN_ELFNOTE_BSD_SYMTAB,
        XEN_ELFNOTE_HV_START_LOW, XEN_ELFNOTE_L1_MFN_VALID, XEN_ELFNOTE_SUSPEND_CANCEL,
        XEN_ELFNOTE_INIT_P2M, XEN_ELFNOTE_MOD_START_PFN, XEN_ELFNOTE_SUPPORTED_FEATURES,
        XEN_ELFNOTE_PHYS32_ENTRY, XEN_ELFNOTE_MAX, XEN_ELFNOTE_CRASH_INFO,
        XEN_ELFNOTE_CRASH_REGS, XEN_ELFNOTE_DUMPCORE_NONE, XEN_ELFNOTE_DUMPCORE_HEADER,
        XEN_ELFNOTE_DUMPCORE_XEN_VERSION, XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION]);
    consts!(v; xs_wire => [XS_TYPE_COUNT, XS_WATCH_PATH, XS_WATCH_TOKEN, XENSTORE_RING_SIZE,
        XENSTORE_PAYLOAD_MAX, XENSTORE_ABS_PATH_MAX, XENSTORE_REL_PATH_MAX,
        XENSTORE_SERVER_FEATURE_RECONNECTION, XENSTORE_SERVER_FEATURE_ERROR,
        XENSTORE_CONNECTED, XENSTORE_RECONNECT, XENSTORE_ERROR_NONE, XENSTORE_ERROR_COMM,
        XENSTORE_ERROR_RINGIDX, XENSTORE_ERROR_PROTO]);
    v.extend(xs_types().into_iter().map(|(c, t)| (c, t.into())));
    consts!(v; ring => [SRING_ENTRIES_OFFSET]);
    consts!(v; blkif => [BLKIF_SRING_ENTRY_SIZE, BLKIF_RING_SIZE, BLKIF_OP_READ,
        BLKIF_OP_WRITE, BLKIF_OP_WRITE_BARRIER, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_RESERVED_1,
        BLKIF_OP_DISCARD, BLKIF_OP_INDIRECT, BLKIF_MAX_SEGMENTS_PER_REQUEST,
        BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST, BLKIF_DISCARD_SECURE, BLKIF_RSP_EOPNOTSUPP,
        BLKIF_RSP_ERROR, BLKIF_RSP_OKAY, VDISK_CDROM, VDISK_REMOVABLE, VDISK_READONLY]);
    consts!(v; netif => [NETIF_TX_SRING_ENTRY_SIZE, NETIF_RX_SRING_ENTRY_SIZE,
        NETIF_TX_RING_SIZE, NETIF_RX_RING_SIZE, XEN_NETIF_NR_SLOTS_MIN, XEN_NETIF_MAX_TX_SIZE,
        NETTXF_CSUM_BLANK, NETTXF_DATA_VALIDATED, NETTXF_MORE_DATA, NETTXF_EXTRA_INFO,
        NETRXF_DATA_VALIDATED, NETRXF_CSUM_BLANK, NETRXF_MORE_DATA, NETRXF_EXTRA_INFO,
        NETRXF_GSO_PREFIX, XEN_NETIF_EXTRA_TYPE_NONE, XEN_NETIF_EXTRA_TYPE_GSO,
        XEN_NETIF_EXTRA_TYPE_MCAST_ADD, XEN_NETIF_EXTRA_TYPE_MCAST_DEL,
        XEN_NETIF_EXTRA_TYPE_HASH, XEN_NETIF_EXTRA_FLAG_MORE, XEN_NETIF_GSO_TYPE_NONE,
        XEN_NETIF_GSO_TYPE_TCPV4, XEN_NETIF_GSO_TYPE_TCPV6, NETIF_RSP_DROPPED, NETIF_RSP_ERROR,
        NETIF_RSP_OKAY, NETIF_RSP_NULL]);
    consts!(v; vchan => [VCHAN_NOTIFY_WRITE, VCHAN_NOTIFY_READ]);
    v.push((
        "VCHAN_GRANTS_OFFSET".into(),
        size_of::<abi::VchanInterface>() as i128,
    ));
    v
}

/// Every value `XsdSockmsgType` accepts, with the C name derived from its variant name
/// (`GetDomainPath` is `XS_GET_DOMAIN_PATH`).
pub fn xs_types() -> Vec<(String, u32)> {
    let c_name = |t: XsdSockmsgType| {
        let mut name = String::from("XS");
        for ch in format!("{t:?}").chars() {
            if ch.is_ascii_uppercase() {
                name.push('_');
            }
            name.push(ch.to_ascii_uppercase());
        }
        name
    };
    (0..=0x1_0000u32)
        .filter_map(|v| XsdSockmsgType::try_from(v).ok().map(|t| (c_name(t), v)))
        .collect()
}
