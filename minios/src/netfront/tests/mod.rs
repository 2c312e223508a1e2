//! Host tests of netfront against a fake netback: ring memory in ordinary memory, a fake
//! grant table the backend reads and writes pages through, and a backend that follows
//! `io/netif.h` (or breaks it on purpose).

mod csum;
mod fake;
mod features;
mod hostile;
mod queues;
mod rings;
mod smol;
