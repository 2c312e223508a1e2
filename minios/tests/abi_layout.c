/*
 * Prints the layout of Xen's public ABI as the C compiler sees it in the installed
 * headers (Debian libxen-dev), for tests/abi_layout.rs to compare with minios::abi.
 *
 * Output lines (one fact each, space separated):
 *   S <struct> <size> <align>
 *   F <struct> <field path> <offset> <size>
 *   K <constant> <value as unsigned 64-bit>
 *   Q <constant> <string value>
 *   E <index> <errno> <name>          (xsd_errors[] of xs_wire.h)
 *   B <name> <hex bytes>              (a struct filled through its C union views)
 */
#define __XEN_INTERFACE_VERSION__ 0x00040e00

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/arch-x86/xen-mca.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/elfnote.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>
#include <xen/io/ring.h>
#include <xen/io/blkif.h>
#include <xen/io/netif.h>
#include <xen/io/libxenvchan.h>

#define STR_(x) #x
#define STR(x) STR_(x)
/* S and F work on the struct named by the macro T, set before each group. */
#define S() printf("S %s %zu %zu\n", STR(T), sizeof(struct T), _Alignof(struct T));
#define F(f)                                                                     \
    printf("F %s %s %zu %zu\n", STR(T), #f, offsetof(struct T, f),              \
           sizeof(((struct T *)0)->f));
#define K(c) printf("K %s %llu\n", #c, (unsigned long long)(c));
#define KN(name, v) printf("K %s %llu\n", #name, (unsigned long long)(v));
#define Q(c) printf("Q %s %s\n", #c, c);

static void dump(const char *name, const void *p, size_t n)
{
    const unsigned char *b = p;
    printf("B %s ", name);
    for (size_t i = 0; i < n; i++)
        printf("%02x", b[i]);
    printf("\n");
}

static void layouts(void)
{
#define T trap_info
    S() F(vector) F(flags) F(cs) F(address)
#undef T
#define T arch_vcpu_info
    S() F(cr2) F(pad)
#undef T
#define T arch_shared_info
    S() F(max_pfn) F(pfn_to_mfn_frame_list_list) F(nmi_reason) F(p2m_cr3) F(p2m_vaddr)
    F(p2m_generation)
#undef T
#define T mmu_update
    S() F(ptr) F(val)
#undef T
#define T mmuext_op
    S() F(cmd) F(arg1) F(arg2)
#undef T
#define T multicall_entry
    S() F(op) F(result) F(args)
#undef T
#define T vcpu_time_info
    S() F(version) F(pad0) F(tsc_timestamp) F(system_time) F(tsc_to_system_mul)
    F(tsc_shift) F(flags) F(pad1)
#undef T
#define T vcpu_info
    S() F(evtchn_upcall_pending) F(evtchn_upcall_mask) F(evtchn_pending_sel) F(arch) F(time)
#undef T
#define T shared_info
    S() F(vcpu_info) F(evtchn_pending) F(evtchn_mask) F(wc_version) F(wc_sec) F(wc_nsec)
    F(wc_sec_hi) F(arch)
#undef T
#define T start_info
    S() F(magic) F(nr_pages) F(shared_info) F(flags) F(store_mfn) F(store_evtchn)
    F(console) F(console.domU.mfn) F(console.domU.evtchn) F(pt_base) F(nr_pt_frames)
    F(mfn_list) F(mod_start) F(mod_len) F(cmd_line) F(first_p2m_pfn) F(nr_p2m_frames)
#undef T
#define T xencons_interface
    S() F(in) F(out) F(in_cons) F(in_prod) F(out_cons) F(out_prod)
#undef T
#define T evtchn_alloc_unbound
    S() F(dom) F(remote_dom) F(port)
#undef T
#define T evtchn_bind_interdomain
    S() F(remote_dom) F(remote_port) F(local_port)
#undef T
#define T evtchn_bind_virq
    S() F(virq) F(vcpu) F(port)
#undef T
#define T evtchn_bind_ipi
    S() F(vcpu) F(port)
#undef T
#define T evtchn_close
    S() F(port)
#undef T
#define T evtchn_send
    S() F(port)
#undef T
#define T evtchn_unmask
    S() F(port)
#undef T
#define T evtchn_bind_vcpu
    S() F(port) F(vcpu)
#undef T
#define T evtchn_status
    S() F(dom) F(port) F(status) F(vcpu) F(u)
#undef T
#define T sched_shutdown
    S() F(reason)
#undef T
#define T sched_poll
    S() F(ports) F(nr_ports) F(timeout)
#undef T
#define T sched_remote_shutdown
    S() F(domain_id) F(reason)
#undef T
#define T sched_watchdog
    S() F(id) F(timeout)
#undef T
#define T vcpu_set_singleshot_timer
    S() F(timeout_abs_ns) F(flags)
#undef T
#define T vcpu_set_periodic_timer
    S() F(period_ns)
#undef T
#define T vcpu_register_vcpu_info
    S() F(mfn) F(offset) F(rsvd)
#undef T
#define T vcpu_runstate_info
    S() F(state) F(state_entry_time) F(time)
#undef T
#define T vcpu_register_runstate_memory_area
    S() F(addr)
#undef T
#define T grant_entry_v1
    S() F(flags) F(domid) F(frame)
#undef T
#define T gnttab_map_grant_ref
    S() F(host_addr) F(flags) F(ref) F(dom) F(status) F(handle) F(dev_bus_addr)
#undef T
#define T gnttab_unmap_grant_ref
    S() F(host_addr) F(dev_bus_addr) F(handle) F(status)
#undef T
#define T gnttab_setup_table
    S() F(dom) F(nr_frames) F(status) F(frame_list)
#undef T
#define T gnttab_transfer
    S() F(mfn) F(domid) F(ref) F(status)
#undef T
#define T gnttab_copy_ptr
    S() F(u) F(domid) F(offset)
#undef T
#define T gnttab_copy
    S() F(source) F(dest) F(len) F(flags) F(status)
#undef T
#define T gnttab_query_size
    S() F(dom) F(nr_frames) F(max_nr_frames) F(status)
#undef T
#define T xen_memory_reservation
    S() F(extent_start) F(nr_extents) F(extent_order) F(mem_flags) F(domid)
#undef T
#define T xen_memory_exchange
    S() F(in) F(out) F(nr_exchanged)
#undef T
#define T xen_add_to_physmap
    S() F(domid) F(size) F(space) F(idx) F(gpfn)
#undef T
#define T xen_remove_from_physmap
    S() F(domid) F(gpfn)
#undef T
#define T xen_machphys_mapping
    S() F(v_start) F(v_end) F(max_mfn)
#undef T
#define T xen_memory_map
    S() F(nr_entries) F(buffer)
#undef T
#define T xsd_sockmsg
    S() F(type) F(req_id) F(tx_id) F(len)
#undef T
#define T xenstore_domain_interface
    S() F(req) F(rsp) F(req_cons) F(req_prod) F(rsp_cons) F(rsp_prod) F(server_features)
    F(connection) F(error)
#undef T
    /* The ring header alone: everything before the entries, aligned like RING_IDX. */
    printf("S blkif_sring %zu %zu\n", offsetof(struct blkif_sring, ring), _Alignof(RING_IDX));
#define T blkif_sring
    F(req_prod) F(req_event) F(rsp_prod) F(rsp_event) F(pvt) F(__pad)
#undef T
#define T blkif_request_segment
    S() F(gref) F(first_sect) F(last_sect)
#undef T
#define T blkif_request
    S() F(operation) F(nr_segments) F(handle) F(id) F(sector_number) F(seg)
#undef T
#define T blkif_request_discard
    S() F(operation) F(flag) F(handle) F(id) F(sector_number) F(nr_sectors)
#undef T
#define T blkif_request_indirect
    S() F(operation) F(indirect_op) F(nr_segments) F(id) F(sector_number) F(handle)
    F(indirect_grefs)
#undef T
#define T blkif_response
    S() F(id) F(operation) F(status)
#undef T
#define T netif_tx_request
    S() F(gref) F(offset) F(flags) F(id) F(size)
#undef T
#define T netif_extra_info
    S() F(type) F(flags) F(u)
#undef T
#define T netif_tx_response
    S() F(id) F(status)
#undef T
#define T netif_rx_request
    S() F(id) F(pad) F(gref)
#undef T
#define T netif_rx_response
    S() F(id) F(offset) F(flags) F(status)
#undef T
#define T ring_shared
    S() F(cons) F(prod)
#undef T
#define T vchan_interface
    S() F(left) F(right) F(left_order) F(right_order) F(cli_live) F(srv_live) F(cli_notify)
    F(srv_notify)
#undef T
}

static void constants(void)
{
    /* arch-x86 */
    K(XEN_LEGACY_MAX_VCPUS) K(__HYPERVISOR_VIRT_START) K(__HYPERVISOR_VIRT_END)
    K(FLAT_RING3_CS64) K(FLAT_RING3_DS64) K(FLAT_RING3_SS64) K(FLAT_KERNEL_CS64)
    K(FLAT_KERNEL_SS64)
    /* hypercalls */
    K(__HYPERVISOR_set_trap_table) K(__HYPERVISOR_mmu_update) K(__HYPERVISOR_set_gdt)
    K(__HYPERVISOR_stack_switch) K(__HYPERVISOR_set_callbacks) K(__HYPERVISOR_fpu_taskswitch)
    K(__HYPERVISOR_sched_op_compat) K(__HYPERVISOR_platform_op) K(__HYPERVISOR_set_debugreg)
    K(__HYPERVISOR_get_debugreg) K(__HYPERVISOR_update_descriptor) K(__HYPERVISOR_memory_op)
    K(__HYPERVISOR_multicall) K(__HYPERVISOR_update_va_mapping) K(__HYPERVISOR_set_timer_op)
    K(__HYPERVISOR_event_channel_op_compat) K(__HYPERVISOR_xen_version)
    K(__HYPERVISOR_console_io) K(__HYPERVISOR_physdev_op_compat)
    K(__HYPERVISOR_grant_table_op) K(__HYPERVISOR_vm_assist)
    K(__HYPERVISOR_update_va_mapping_otherdomain) K(__HYPERVISOR_iret) K(__HYPERVISOR_vcpu_op)
    K(__HYPERVISOR_set_segment_base) K(__HYPERVISOR_mmuext_op) K(__HYPERVISOR_xsm_op)
    K(__HYPERVISOR_nmi_op) K(__HYPERVISOR_sched_op) K(__HYPERVISOR_callback_op)
    K(__HYPERVISOR_xenoprof_op) K(__HYPERVISOR_event_channel_op) K(__HYPERVISOR_physdev_op)
    K(__HYPERVISOR_hvm_op) K(__HYPERVISOR_sysctl) K(__HYPERVISOR_domctl)
    K(__HYPERVISOR_kexec_op) K(__HYPERVISOR_tmem_op) K(__HYPERVISOR_argo_op)
    K(__HYPERVISOR_xenpmu_op) K(__HYPERVISOR_dm_op) K(__HYPERVISOR_hypfs_op)
    K(__HYPERVISOR_arch_0) K(CONSOLEIO_write) K(CONSOLEIO_read)
    /* xen.h */
    KN(XEN_INTERFACE_VERSION, __XEN_LATEST_INTERFACE_VERSION__)
    K(DOMID_SELF) K(DOMID_FIRST_RESERVED) K(DOMID_IO) K(DOMID_XEN) K(DOMID_COW)
    K(DOMID_INVALID) K(DOMID_IDLE) K(DOMID_MASK)
    K(VIRQ_TIMER) K(VIRQ_DEBUG) K(VIRQ_CONSOLE) K(VIRQ_DOM_EXC) K(VIRQ_TBUF) K(VIRQ_DEBUGGER)
    K(VIRQ_XENOPROF) K(VIRQ_CON_RING) K(VIRQ_PCPU_STATE) K(VIRQ_MEM_EVENT) K(VIRQ_ARGO)
    K(VIRQ_ENOMEM) K(VIRQ_XENPMU) K(VIRQ_ARCH_0) K(VIRQ_MCA) K(NR_VIRQS)
    K(MMU_NORMAL_PT_UPDATE) K(MMU_MACHPHYS_UPDATE) K(MMU_PT_UPDATE_PRESERVE_AD)
    K(MMU_PT_UPDATE_NO_TRANSLATE)
    K(MMUEXT_PIN_L1_TABLE) K(MMUEXT_PIN_L2_TABLE) K(MMUEXT_PIN_L3_TABLE)
    K(MMUEXT_PIN_L4_TABLE) K(MMUEXT_UNPIN_TABLE) K(MMUEXT_NEW_BASEPTR)
    K(MMUEXT_TLB_FLUSH_LOCAL) K(MMUEXT_INVLPG_LOCAL) K(MMUEXT_TLB_FLUSH_MULTI)
    K(MMUEXT_INVLPG_MULTI) K(MMUEXT_TLB_FLUSH_ALL) K(MMUEXT_INVLPG_ALL) K(MMUEXT_FLUSH_CACHE)
    K(MMUEXT_SET_LDT) K(MMUEXT_NEW_USER_BASEPTR) K(MMUEXT_CLEAR_PAGE) K(MMUEXT_COPY_PAGE)
    K(MMUEXT_FLUSH_CACHE_GLOBAL) K(MMUEXT_MARK_SUPER) K(MMUEXT_UNMARK_SUPER)
    K(UVMF_NONE) K(UVMF_TLB_FLUSH) K(UVMF_INVLPG) K(UVMF_LOCAL) K(UVMF_ALL)
    K(VMASST_CMD_enable) K(VMASST_CMD_disable) K(VMASST_TYPE_writable_pagetables)
    K(VMASST_TYPE_runstate_update_flag) K(VMASST_TYPE_m2p_strict)
    K(XEN_PVCLOCK_TSC_STABLE_BIT) K(XEN_PVCLOCK_GUEST_STOPPED)
    K(SIF_PRIVILEGED) K(SIF_INITDOMAIN) K(SIF_MULTIBOOT_MOD) K(SIF_MOD_START_PFN)
    K(SIF_VIRT_P2M_4TOOLS) K(SIF_PM_MASK) K(MAX_GUEST_CMDLINE)
    /* console */
    KN(XENCONS_IN_SIZE, sizeof(((struct xencons_interface *)0)->in))
    KN(XENCONS_OUT_SIZE, sizeof(((struct xencons_interface *)0)->out))
    /* event_channel.h */
    K(EVTCHN_2L_NR_CHANNELS)
    K(EVTCHNOP_bind_interdomain) K(EVTCHNOP_bind_virq) K(EVTCHNOP_bind_pirq) K(EVTCHNOP_close)
    K(EVTCHNOP_send) K(EVTCHNOP_status) K(EVTCHNOP_alloc_unbound) K(EVTCHNOP_bind_ipi)
    K(EVTCHNOP_bind_vcpu) K(EVTCHNOP_unmask) K(EVTCHNOP_reset) K(EVTCHNOP_init_control)
    K(EVTCHNOP_expand_array) K(EVTCHNOP_set_priority)
    K(EVTCHNSTAT_closed) K(EVTCHNSTAT_unbound) K(EVTCHNSTAT_interdomain) K(EVTCHNSTAT_pirq)
    K(EVTCHNSTAT_virq) K(EVTCHNSTAT_ipi)
    /* sched.h */
    K(SCHEDOP_yield) K(SCHEDOP_block) K(SCHEDOP_shutdown) K(SCHEDOP_poll)
    K(SCHEDOP_remote_shutdown) K(SCHEDOP_shutdown_code) K(SCHEDOP_watchdog)
    K(SCHEDOP_pin_override)
    K(SHUTDOWN_poweroff) K(SHUTDOWN_reboot) K(SHUTDOWN_suspend) K(SHUTDOWN_crash)
    K(SHUTDOWN_watchdog) K(SHUTDOWN_soft_reset)
    /* vcpu.h */
    K(VCPUOP_initialise) K(VCPUOP_up) K(VCPUOP_down) K(VCPUOP_is_up)
    K(VCPUOP_get_runstate_info) K(VCPUOP_register_runstate_memory_area)
    K(VCPUOP_set_periodic_timer) K(VCPUOP_stop_periodic_timer) K(VCPUOP_set_singleshot_timer)
    K(VCPUOP_stop_singleshot_timer) K(VCPUOP_register_vcpu_info) K(VCPUOP_send_nmi)
    K(VCPUOP_get_physid) K(VCPUOP_register_vcpu_time_memory_area) K(VCPU_SSHOTTMR_future)
    K(RUNSTATE_running) K(RUNSTATE_runnable) K(RUNSTATE_blocked) K(RUNSTATE_offline)
    /* grant_table.h */
    K(GNTTAB_NR_RESERVED_ENTRIES) K(GNTTAB_RESERVED_CONSOLE) K(GNTTAB_RESERVED_XENSTORE)
    K(GTF_invalid) K(GTF_permit_access) K(GTF_accept_transfer) K(GTF_transitive)
    K(GTF_type_mask) K(GTF_readonly) K(GTF_reading) K(GTF_writing) K(GTF_PWT) K(GTF_PCD)
    K(GTF_PAT) K(GTF_sub_page) K(GTF_transfer_committed) K(GTF_transfer_completed)
    K(GNTTABOP_map_grant_ref) K(GNTTABOP_unmap_grant_ref) K(GNTTABOP_setup_table)
    K(GNTTABOP_dump_table) K(GNTTABOP_transfer) K(GNTTABOP_copy) K(GNTTABOP_query_size)
    K(GNTTABOP_unmap_and_replace) K(GNTTABOP_set_version) K(GNTTABOP_get_status_frames)
    K(GNTTABOP_get_version) K(GNTTABOP_swap_grant_ref) K(GNTTABOP_cache_flush)
    K(GNTMAP_device_map) K(GNTMAP_host_map) K(GNTMAP_readonly) K(GNTMAP_application_map)
    K(GNTMAP_contains_pte) K(GNTCOPY_source_gref) K(GNTCOPY_dest_gref)
    K(GNTST_okay) K(GNTST_general_error) K(GNTST_bad_domain) K(GNTST_bad_gntref)
    K(GNTST_bad_handle) K(GNTST_bad_virt_addr) K(GNTST_bad_dev_addr) K(GNTST_no_device_space)
    K(GNTST_permission_denied) K(GNTST_bad_page) K(GNTST_bad_copy_arg)
    K(GNTST_address_too_big) K(GNTST_eagain) K(GNTST_no_space)
    /* memory.h */
    K(XENMEM_increase_reservation) K(XENMEM_decrease_reservation) K(XENMEM_maximum_ram_page)
    K(XENMEM_current_reservation) K(XENMEM_maximum_reservation) K(XENMEM_machphys_mfn_list)
    K(XENMEM_populate_physmap) K(XENMEM_add_to_physmap) K(XENMEM_memory_map)
    K(XENMEM_machine_memory_map) K(XENMEM_exchange) K(XENMEM_machphys_mapping)
    K(XENMEM_set_memory_map) K(XENMEM_maximum_gpfn) K(XENMEM_remove_from_physmap)
    K(XENMEM_add_to_physmap_batch)
    K(XENMAPSPACE_shared_info) K(XENMAPSPACE_grant_table) K(XENMAPSPACE_gmfn)
    K(XENMAPSPACE_gmfn_range) K(XENMAPSPACE_gmfn_foreign) K(XENMAPSPACE_dev_mmio)
    K(XENMAPIDX_grant_table_status) K(XENMEMF_populate_on_demand)
    KN(XENMEMF_ADDRESS_BITS_32, XENMEMF_address_bits(32))
    /* elfnote.h */
    K(XEN_ELFNOTE_INFO) K(XEN_ELFNOTE_ENTRY) K(XEN_ELFNOTE_HYPERCALL_PAGE)
    K(XEN_ELFNOTE_VIRT_BASE) K(XEN_ELFNOTE_PADDR_OFFSET) K(XEN_ELFNOTE_XEN_VERSION)
    K(XEN_ELFNOTE_GUEST_OS) K(XEN_ELFNOTE_GUEST_VERSION) K(XEN_ELFNOTE_LOADER)
    K(XEN_ELFNOTE_PAE_MODE) K(XEN_ELFNOTE_FEATURES) K(XEN_ELFNOTE_BSD_SYMTAB)
    K(XEN_ELFNOTE_HV_START_LOW) K(XEN_ELFNOTE_L1_MFN_VALID) K(XEN_ELFNOTE_SUSPEND_CANCEL)
    K(XEN_ELFNOTE_INIT_P2M) K(XEN_ELFNOTE_MOD_START_PFN) K(XEN_ELFNOTE_SUPPORTED_FEATURES)
    K(XEN_ELFNOTE_PHYS32_ENTRY) K(XEN_ELFNOTE_MAX) K(XEN_ELFNOTE_CRASH_INFO)
    K(XEN_ELFNOTE_CRASH_REGS) K(XEN_ELFNOTE_DUMPCORE_NONE) K(XEN_ELFNOTE_DUMPCORE_HEADER)
    K(XEN_ELFNOTE_DUMPCORE_XEN_VERSION) K(XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION)
    /* xs_wire.h */
    K(XS_CONTROL) K(XS_DIRECTORY) K(XS_READ) K(XS_GET_PERMS) K(XS_WATCH) K(XS_UNWATCH)
    K(XS_TRANSACTION_START) K(XS_TRANSACTION_END) K(XS_INTRODUCE) K(XS_RELEASE)
    K(XS_GET_DOMAIN_PATH) K(XS_WRITE) K(XS_MKDIR) K(XS_RM) K(XS_SET_PERMS) K(XS_WATCH_EVENT)
    K(XS_ERROR) K(XS_IS_DOMAIN_INTRODUCED) K(XS_RESUME) K(XS_SET_TARGET) K(XS_RESET_WATCHES)
    K(XS_DIRECTORY_PART) K(XS_INVALID) K(XS_TYPE_COUNT)
    K(XS_WATCH_PATH) K(XS_WATCH_TOKEN) K(XENSTORE_RING_SIZE) K(XENSTORE_PAYLOAD_MAX)
    K(XENSTORE_ABS_PATH_MAX) K(XENSTORE_REL_PATH_MAX) K(XENSTORE_SERVER_FEATURE_RECONNECTION)
    K(XENSTORE_SERVER_FEATURE_ERROR) K(XENSTORE_CONNECTED) K(XENSTORE_RECONNECT)
    K(XENSTORE_ERROR_NONE) K(XENSTORE_ERROR_COMM) K(XENSTORE_ERROR_RINGIDX)
    K(XENSTORE_ERROR_PROTO)
    Q(XS_WRITE_NONE) Q(XS_WRITE_CREATE) Q(XS_WRITE_CREATE_EXCL)
    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
        printf("E %zu %d %s\n", i, xsd_errors[i].errnum, xsd_errors[i].errstring);
    /* ring.h, blkif.h, netif.h */
    KN(SRING_ENTRIES_OFFSET, offsetof(struct blkif_sring, ring))
    KN(BLKIF_SRING_ENTRY_SIZE, sizeof(union blkif_sring_entry))
    KN(BLKIF_RING_SIZE, __CONST_RING_SIZE(blkif, 4096))
    KN(NETIF_TX_SRING_ENTRY_SIZE, sizeof(union netif_tx_sring_entry))
    KN(NETIF_RX_SRING_ENTRY_SIZE, sizeof(union netif_rx_sring_entry))
    KN(NETIF_TX_RING_SIZE, __CONST_RING_SIZE(netif_tx, 4096))
    KN(NETIF_RX_RING_SIZE, __CONST_RING_SIZE(netif_rx, 4096))
    K(BLKIF_OP_READ) K(BLKIF_OP_WRITE) K(BLKIF_OP_WRITE_BARRIER) K(BLKIF_OP_FLUSH_DISKCACHE)
    K(BLKIF_OP_RESERVED_1) K(BLKIF_OP_DISCARD) K(BLKIF_OP_INDIRECT)
    K(BLKIF_MAX_SEGMENTS_PER_REQUEST) K(BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST)
    K(BLKIF_DISCARD_SECURE) K(BLKIF_RSP_EOPNOTSUPP) K(BLKIF_RSP_ERROR) K(BLKIF_RSP_OKAY)
    K(VDISK_CDROM) K(VDISK_REMOVABLE) K(VDISK_READONLY)
    K(XEN_NETIF_NR_SLOTS_MIN) K(XEN_NETIF_MAX_TX_SIZE)
    K(NETTXF_csum_blank) K(NETTXF_data_validated) K(NETTXF_more_data) K(NETTXF_extra_info)
    K(NETRXF_data_validated) K(NETRXF_csum_blank) K(NETRXF_more_data) K(NETRXF_extra_info)
    K(NETRXF_gso_prefix)
    K(XEN_NETIF_EXTRA_TYPE_NONE) K(XEN_NETIF_EXTRA_TYPE_GSO) K(XEN_NETIF_EXTRA_TYPE_MCAST_ADD)
    K(XEN_NETIF_EXTRA_TYPE_MCAST_DEL) K(XEN_NETIF_EXTRA_TYPE_HASH)
    K(XEN_NETIF_EXTRA_FLAG_MORE) K(XEN_NETIF_GSO_TYPE_NONE) K(XEN_NETIF_GSO_TYPE_TCPV4)
    K(XEN_NETIF_GSO_TYPE_TCPV6)
    K(NETIF_RSP_DROPPED) K(NETIF_RSP_ERROR) K(NETIF_RSP_OKAY) K(NETIF_RSP_NULL)
    /* libxenvchan.h */
    K(VCHAN_NOTIFY_WRITE) K(VCHAN_NOTIFY_READ)
    KN(VCHAN_GRANTS_OFFSET, offsetof(struct vchan_interface, grants))
}

/* Structs filled through the C union members our Rust types flatten. */
static void union_views(void)
{
    struct start_info si;
    struct evtchn_status st;
    struct netif_extra_info ex;
    struct mmuext_op op;
    struct gnttab_copy cp;

    memset(&si, 0, sizeof(si));
    si.console.dom0.info_off = 0x11223344;
    si.console.dom0.info_size = 0x55667788;
    dump("start_info_console_dom0", &si.console, sizeof(si.console));

    memset(&st, 0, sizeof(st));
    st.status = EVTCHNSTAT_interdomain;
    st.u.interdomain.dom = 7;
    st.u.interdomain.port = 0x1234;
    dump("evtchn_status_interdomain", &st, sizeof(st));
    memset(&st, 0, sizeof(st));
    st.status = EVTCHNSTAT_virq;
    st.u.virq = VIRQ_TIMER + 5;
    dump("evtchn_status_virq", &st, sizeof(st));

    memset(&ex, 0, sizeof(ex));
    ex.type = XEN_NETIF_EXTRA_TYPE_GSO;
    ex.flags = XEN_NETIF_EXTRA_FLAG_MORE;
    ex.u.gso.size = 1460;
    ex.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV6;
    ex.u.gso.features = 0xa55a;
    dump("netif_extra_info_gso", &ex, sizeof(ex));
    memset(&ex, 0, sizeof(ex));
    ex.type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD;
    ex.u.mcast.addr[0] = 0x01;
    ex.u.mcast.addr[1] = 0x00;
    ex.u.mcast.addr[2] = 0x5e;
    ex.u.mcast.addr[3] = 0x7f;
    ex.u.mcast.addr[4] = 0x12;
    ex.u.mcast.addr[5] = 0x34;
    dump("netif_extra_info_mcast", &ex, sizeof(ex));

    memset(&op, 0, sizeof(op));
    op.cmd = MMUEXT_SET_LDT;
    op.arg1.linear_addr = 0xffff800012345000UL;
    op.arg2.nr_ents = 42;
    dump("mmuext_op_set_ldt", &op, sizeof(op));
    memset(&op, 0, sizeof(op));
    op.cmd = MMUEXT_COPY_PAGE;
    op.arg1.mfn = 0x1234567;
    op.arg2.src_mfn = 0x89abcde;
    dump("mmuext_op_copy_page", &op, sizeof(op));

    memset(&cp, 0, sizeof(cp));
    cp.source.u.ref = 99;
    cp.source.domid = 3;
    cp.source.offset = 512;
    cp.dest.u.gmfn = 0x123456789UL;
    cp.dest.domid = DOMID_SELF;
    cp.len = 1000;
    cp.flags = GNTCOPY_source_gref;
    dump("gnttab_copy", &cp, sizeof(cp));
}

int main(void)
{
    layouts();
    constants();
    union_views();
    return 0;
}
