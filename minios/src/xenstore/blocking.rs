//! The domain's xenstore connection and a blocking facade over it.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::client::Xenstore;
use super::error::XsError;
use super::ring::Ring;
use super::tx::Tx;
use super::watch::Watch;
use super::wire::Perm;
use crate::abi::xen::DomId;
use crate::events::Port;
use crate::sched::block_on;

static CLIENT: spin::Once<Xenstore> = spin::Once::new();

/// The domain's xenstore connection (over the start_info ring), set up on first use. The
/// ring's event channel gets a handler that moves bytes and wakes the waiting tasks.
pub fn client() -> &'static Xenstore {
    CLIENT.call_once(|| {
        let ring = Ring::from_start_info();
        if let Some(port) = Port::new(ring.port()) {
            crate::events::set_handler(port, Some(alloc::sync::Arc::new(on_store_event)));
        }
        Xenstore::new(Box::new(ring))
    })
}

fn on_store_event(_: Port) {
    if let Some(xs) = CLIENT.get() {
        xs.pump();
    }
}

/// Reads the value of `path` (relative paths are under our domain's home).
pub fn read(path: &str) -> Result<String, XsError> {
    block_on(client().read(path))
}

/// Writes `value` to `path`.
pub fn write(path: &str, value: impl AsRef<[u8]>) -> Result<(), XsError> {
    block_on(client().write(path, value))
}

/// Creates `path` if it does not exist.
pub fn mkdir(path: &str) -> Result<(), XsError> {
    block_on(client().mkdir(path))
}

/// Removes `path` and its subtree.
pub fn rm(path: &str) -> Result<(), XsError> {
    block_on(client().rm(path))
}

/// The names of `path`'s children.
pub fn directory(path: &str) -> Result<Vec<String>, XsError> {
    block_on(client().directory(path))
}

/// The permissions of `path`.
pub fn get_perms(path: &str) -> Result<Vec<Perm>, XsError> {
    block_on(client().get_perms(path))
}

/// Sets the permissions of `path`.
pub fn set_perms(path: &str, perms: &[Perm]) -> Result<(), XsError> {
    block_on(client().set_perms(path, perms))
}

/// The home path of `domid`.
pub fn domain_path(domid: DomId) -> Result<String, XsError> {
    block_on(client().domain_path(domid))
}

/// Our domain id (the `domid` key of our home).
pub fn domid() -> Result<DomId, XsError> {
    block_on(client().domid())
}

/// Watches `path` and its subtree.
pub fn watch(path: &str) -> Result<Watch<'static>, XsError> {
    block_on(client().watch(path))
}

impl Watch<'_> {
    /// Waits for the next event and returns the path that changed.
    pub fn wait(&mut self) -> Result<String, XsError> {
        block_on(self.next())
    }
}

/// A transaction seen through blocking calls.
pub struct BlockingTx<'a>(Tx<'a>);

impl BlockingTx<'_> {
    /// Reads the value of `path` as text.
    pub fn read(&self, path: &str) -> Result<String, XsError> {
        block_on(self.0.read(path))
    }

    /// Writes `value` to `path`.
    pub fn write(&self, path: &str, value: impl AsRef<[u8]>) -> Result<(), XsError> {
        block_on(self.0.write(path, value))
    }

    /// Creates `path` if it does not exist.
    pub fn mkdir(&self, path: &str) -> Result<(), XsError> {
        block_on(self.0.mkdir(path))
    }

    /// Removes `path` and its subtree.
    pub fn rm(&self, path: &str) -> Result<(), XsError> {
        block_on(self.0.rm(path))
    }

    /// The names of `path`'s children.
    pub fn directory(&self, path: &str) -> Result<Vec<String>, XsError> {
        block_on(self.0.directory(path))
    }
}

/// Runs `f` in a transaction and commits it, starting over on `EAGAIN` (see
/// [`Xenstore::transaction`]).
pub fn transaction<R>(mut f: impl FnMut(&BlockingTx) -> Result<R, XsError>) -> Result<R, XsError> {
    let xs = client();
    for _ in 0..super::client::MAX_TRANSACTION_ATTEMPTS {
        let tx = BlockingTx(block_on(xs.start())?);
        let outcome = match f(&tx) {
            Ok(v) => block_on(tx.0.end(true)).map(|()| v),
            Err(e) => {
                let _ = block_on(tx.0.end(false));
                Err(e)
            }
        };
        if let Some(r) = xs.settle(outcome) {
            return r;
        }
    }
    Err(XsError::Errno(super::Errno::EAGAIN))
}
