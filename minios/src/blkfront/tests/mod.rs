//! Host tests of blkfront against a fake blkback: ring memory in ordinary memory, a fake
//! grant table the backend reads and writes pages through, and a backend that follows
//! `io/blkif.h` (or breaks it on purpose).

mod cache;
mod device;
mod fake;
mod features;
pub(crate) mod grants;
mod hostile;
mod requests;
