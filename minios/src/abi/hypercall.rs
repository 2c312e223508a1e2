//! Hypercall numbers (`__HYPERVISOR_*` in `xen.h`) and `console_io` commands.
//!
//! A hypercall number `n` is called through the hypercall page at offset `n * 32`.

/// `set_trap_table` (`__HYPERVISOR_set_trap_table`).
pub const SET_TRAP_TABLE: usize = 0;
/// `mmu_update` (`__HYPERVISOR_mmu_update`).
pub const MMU_UPDATE: usize = 1;
/// `set_gdt` (`__HYPERVISOR_set_gdt`).
pub const SET_GDT: usize = 2;
/// `stack_switch` (`__HYPERVISOR_stack_switch`).
pub const STACK_SWITCH: usize = 3;
/// `set_callbacks` (`__HYPERVISOR_set_callbacks`).
pub const SET_CALLBACKS: usize = 4;
/// `fpu_taskswitch` (`__HYPERVISOR_fpu_taskswitch`).
pub const FPU_TASKSWITCH: usize = 5;
/// Old `sched_op` (`__HYPERVISOR_sched_op_compat`).
pub const SCHED_OP_COMPAT: usize = 6;
/// `platform_op` (`__HYPERVISOR_platform_op`).
pub const PLATFORM_OP: usize = 7;
/// `set_debugreg` (`__HYPERVISOR_set_debugreg`).
pub const SET_DEBUGREG: usize = 8;
/// `get_debugreg` (`__HYPERVISOR_get_debugreg`).
pub const GET_DEBUGREG: usize = 9;
/// `update_descriptor` (`__HYPERVISOR_update_descriptor`).
pub const UPDATE_DESCRIPTOR: usize = 10;
/// `memory_op` (`__HYPERVISOR_memory_op`).
pub const MEMORY_OP: usize = 12;
/// `multicall` (`__HYPERVISOR_multicall`).
pub const MULTICALL: usize = 13;
/// `update_va_mapping` (`__HYPERVISOR_update_va_mapping`).
pub const UPDATE_VA_MAPPING: usize = 14;
/// `set_timer_op` (`__HYPERVISOR_set_timer_op`).
pub const SET_TIMER_OP: usize = 15;
/// Old `event_channel_op` (`__HYPERVISOR_event_channel_op_compat`).
pub const EVENT_CHANNEL_OP_COMPAT: usize = 16;
/// `xen_version` (`__HYPERVISOR_xen_version`).
pub const XEN_VERSION: usize = 17;
/// `console_io` (`__HYPERVISOR_console_io`).
pub const CONSOLE_IO: usize = 18;
/// Old `physdev_op` (`__HYPERVISOR_physdev_op_compat`).
pub const PHYSDEV_OP_COMPAT: usize = 19;
/// `grant_table_op` (`__HYPERVISOR_grant_table_op`).
pub const GRANT_TABLE_OP: usize = 20;
/// `vm_assist` (`__HYPERVISOR_vm_assist`).
pub const VM_ASSIST: usize = 21;
/// `update_va_mapping_otherdomain` (`__HYPERVISOR_update_va_mapping_otherdomain`).
pub const UPDATE_VA_MAPPING_OTHERDOMAIN: usize = 22;
/// `iret` (`__HYPERVISOR_iret`).
pub const IRET: usize = 23;
/// `vcpu_op` (`__HYPERVISOR_vcpu_op`).
pub const VCPU_OP: usize = 24;
/// `set_segment_base` (`__HYPERVISOR_set_segment_base`).
pub const SET_SEGMENT_BASE: usize = 25;
/// `mmuext_op` (`__HYPERVISOR_mmuext_op`).
pub const MMUEXT_OP: usize = 26;
/// `xsm_op` (`__HYPERVISOR_xsm_op`).
pub const XSM_OP: usize = 27;
/// `nmi_op` (`__HYPERVISOR_nmi_op`).
pub const NMI_OP: usize = 28;
/// `sched_op` (`__HYPERVISOR_sched_op`).
pub const SCHED_OP: usize = 29;
/// `callback_op` (`__HYPERVISOR_callback_op`).
pub const CALLBACK_OP: usize = 30;
/// `xenoprof_op` (`__HYPERVISOR_xenoprof_op`).
pub const XENOPROF_OP: usize = 31;
/// `event_channel_op` (`__HYPERVISOR_event_channel_op`).
pub const EVENT_CHANNEL_OP: usize = 32;
/// `physdev_op` (`__HYPERVISOR_physdev_op`).
pub const PHYSDEV_OP: usize = 33;
/// `hvm_op` (`__HYPERVISOR_hvm_op`).
pub const HVM_OP: usize = 34;
/// `sysctl` (`__HYPERVISOR_sysctl`).
pub const SYSCTL: usize = 35;
/// `domctl` (`__HYPERVISOR_domctl`).
pub const DOMCTL: usize = 36;
/// `kexec_op` (`__HYPERVISOR_kexec_op`).
pub const KEXEC_OP: usize = 37;
/// `tmem_op` (`__HYPERVISOR_tmem_op`).
pub const TMEM_OP: usize = 38;
/// `argo_op` (`__HYPERVISOR_argo_op`).
pub const ARGO_OP: usize = 39;
/// `xenpmu_op` (`__HYPERVISOR_xenpmu_op`).
pub const XENPMU_OP: usize = 40;
/// `dm_op` (`__HYPERVISOR_dm_op`).
pub const DM_OP: usize = 41;
/// `hypfs_op` (`__HYPERVISOR_hypfs_op`).
pub const HYPFS_OP: usize = 42;
/// First architecture-specific hypercall (`__HYPERVISOR_arch_0`).
pub const ARCH_0: usize = 48;

/// `console_io` command: write bytes to the hypervisor console (`CONSOLEIO_write`).
pub const CONSOLEIO_WRITE: u32 = 0;
/// `console_io` command: read bytes from the hypervisor console (`CONSOLEIO_read`).
pub const CONSOLEIO_READ: u32 = 1;
