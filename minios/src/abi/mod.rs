//! Xen ABI types (public headers, Xen 4.17, x86_64), as zerocopy `#[repr(C)]` structs.
//!
//! One module per C header, named after it. Struct fields keep their C names; C unions are
//! given one explicit representation (documented on the struct). Padding that C leaves
//! implicit is an explicit `_padN` field, so every struct is `IntoBytes`. Sizes are asserted
//! at compile time and checked field by field against the C headers by `tests/abi_layout.rs`.

pub mod arch_x86;
pub mod console;
pub mod hypercall;
pub mod xen;

pub use arch_x86::{ArchSharedInfo, ArchVcpuInfo, GuestHandle, TrapInfo, XenPfn, XenUlong};
pub use console::XenconsInterface;
pub use xen::{
    DomId, MmuUpdate, MmuextOp, MulticallEntry, SharedInfo, StartInfo, StartInfoConsole, VcpuInfo,
    VcpuTimeInfo,
};
