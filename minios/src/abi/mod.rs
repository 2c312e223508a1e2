//! Xen ABI types (public headers, Xen 4.17, x86_64), as zerocopy `#[repr(C)]` structs.
//!
//! One module per C header, named after it. Struct fields keep their C names (`r#in`,
//! `r#ref`, `r#type` where C uses a Rust keyword); C unions are given one explicit
//! representation (documented on the struct). Padding that C leaves implicit is an explicit
//! `_padN` field, so every struct is `IntoBytes`. Sizes are asserted at compile time and
//! checked field by field against the C headers by `tests/abi_layout.rs`.

pub mod arch_x86;
pub mod blkif;
pub mod console;
pub mod elfnote;
pub mod event_channel;
pub mod grant_table;
pub mod hypercall;
pub mod memory;
pub mod netif;
pub mod ring;
pub mod sched;
pub mod vchan;
pub mod vcpu;
pub mod xen;
pub mod xs_wire;

pub use arch_x86::{ArchSharedInfo, ArchVcpuInfo, GuestHandle, TrapInfo, XenPfn, XenUlong};
pub use blkif::{BlkifRequest, BlkifRequestSegment, BlkifResponse};
pub use console::XenconsInterface;
pub use event_channel::EvtchnPort;
pub use grant_table::{GrantEntryV1, GrantRef};
pub use netif::{NetifRxRequest, NetifRxResponse, NetifTxRequest, NetifTxResponse};
pub use ring::{RingIdx, SringHeader};
pub use vchan::VchanInterface;
pub use xen::{
    DomId, MmuUpdate, MmuextOp, MulticallEntry, SharedInfo, StartInfo, StartInfoConsole, VcpuInfo,
    VcpuTimeInfo,
};
pub use xs_wire::{XenstoreDomainInterface, XsdSockmsg, XsdSockmsgType};
