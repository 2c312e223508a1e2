//! Operations inside a transaction (and, with id 0, outside one).

use alloc::string::String;
use alloc::vec::Vec;

use super::client::{text, Xenstore};
use super::error::XsError;
use super::wire::{self, Perm, Request};

/// Operations inside a transaction (or outside, for the handle [`Xenstore`] uses itself).
pub struct Tx<'a> {
    pub(super) xs: &'a Xenstore,
    pub(super) id: u32,
}

impl Tx<'_> {
    /// The transaction id (0: none).
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Reads the value of `path` as text.
    pub async fn read(&self, path: &str) -> Result<String, XsError> {
        text(self.read_bytes(path).await?)
    }

    /// Reads the value of `path` as bytes.
    pub async fn read_bytes(&self, path: &str) -> Result<Vec<u8>, XsError> {
        Ok(self.xs.call(self.id, Request::Read(path)).await?.payload)
    }

    /// Writes `value` to `path`.
    pub async fn write(&self, path: &str, value: impl AsRef<[u8]>) -> Result<(), XsError> {
        let req = Request::Write(path, value.as_ref());
        self.xs.call(self.id, req).await.map(drop)
    }

    /// Creates `path` if it does not exist.
    pub async fn mkdir(&self, path: &str) -> Result<(), XsError> {
        self.xs.call(self.id, Request::Mkdir(path)).await.map(drop)
    }

    /// Removes `path` and its subtree.
    pub async fn rm(&self, path: &str) -> Result<(), XsError> {
        self.xs.call(self.id, Request::Rm(path)).await.map(drop)
    }

    /// The names of `path`'s children.
    pub async fn directory(&self, path: &str) -> Result<Vec<String>, XsError> {
        let r = self.xs.call(self.id, Request::Directory(path)).await?;
        Ok(wire::parse_directory(&r.payload)?)
    }

    /// The permissions of `path`.
    pub async fn get_perms(&self, path: &str) -> Result<Vec<Perm>, XsError> {
        let r = self.xs.call(self.id, Request::GetPerms(path)).await?;
        Ok(wire::parse_perms(&r.payload)?)
    }

    /// Sets the permissions of `path`.
    pub async fn set_perms(&self, path: &str, perms: &[Perm]) -> Result<(), XsError> {
        let req = Request::SetPerms(path, perms);
        self.xs.call(self.id, req).await.map(drop)
    }

    /// Commits (`true`) or aborts the transaction. A commit that conflicted with another
    /// change fails with `EAGAIN`.
    pub async fn end(self, commit: bool) -> Result<(), XsError> {
        let req = Request::TransactionEnd(commit);
        self.xs.call(self.id, req).await.map(drop)
    }
}
