//! The work budget of lookups: directory bytes read, per lookup and per mount.
//!
//! A hostile image can make a lookup read the same directory bytes again and again: a
//! directory record naming its own directory (or an ancestor) walked once per path
//! component, Rock Ridge continuation areas re-read for every record, a symlink spliced in
//! up to [`MAX_PATH`](super::MAX_PATH). Each filesystem charges what it reads to find a
//! name (directory blocks and clusters, continuation areas, and for ext2/3/4 the
//! directories ext4-view walks), and a lookup fails with [`FsError::LookupWork`] past
//! [`MAX_LOOKUP_WORK`], a mount with [`FsError::MountWork`] past [`mount_work_limit`]: the
//! work of any sequence of lookups is linear in the device's size.

use super::FsError;

/// Most directory bytes one lookup (one [`FileSystem`](super::FileSystem) call) reads:
/// 16 MiB, eight of the largest FAT directories, far more than any real boot path needs.
pub const MAX_LOOKUP_WORK: u64 = 16 << 20;

/// What [`mount_work_limit`] allows on top of twice the device's size.
pub const MOUNT_WORK_BASE: u64 = 64 << 20;

/// Most directory bytes read over the life of one mount of a `device_size`-byte device:
/// twice its size plus [`MOUNT_WORK_BASE`].
pub fn mount_work_limit(device_size: u64) -> u64 {
    device_size
        .saturating_mul(2)
        .saturating_add(MOUNT_WORK_BASE)
}

/// The meter of one mounted filesystem.
#[derive(Debug, Clone)]
pub(crate) struct Work {
    lookup: u64,
    mount: u64,
    mount_limit: u64,
}

impl Work {
    /// A meter for a mount of a `device_size`-byte device.
    pub(crate) fn new(device_size: u64) -> Self {
        Self {
            lookup: 0,
            mount: 0,
            mount_limit: mount_work_limit(device_size),
        }
    }

    /// Starts a new lookup.
    pub(crate) fn start(&mut self) {
        self.lookup = 0;
    }

    /// Counts `bytes` of directory read; fails once a budget is spent.
    pub(crate) fn charge(&mut self, bytes: u64) -> Result<(), FsError> {
        self.lookup = self.lookup.saturating_add(bytes);
        self.mount = self.mount.saturating_add(bytes);
        if self.mount > self.mount_limit {
            Err(FsError::MountWork {
                limit: self.mount_limit,
            })
        } else if self.lookup > MAX_LOOKUP_WORK {
            Err(FsError::LookupWork)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lookup_and_a_mount_each_have_a_budget() {
        let mut work = Work::new(1 << 20);
        work.charge(MAX_LOOKUP_WORK).unwrap();
        assert!(matches!(work.charge(1), Err(FsError::LookupWork)));
        let mut spent = MAX_LOOKUP_WORK + 1;
        while spent + MAX_LOOKUP_WORK <= mount_work_limit(1 << 20) {
            work.start();
            work.charge(MAX_LOOKUP_WORK).unwrap();
            spent += MAX_LOOKUP_WORK;
        }
        work.start();
        let limit = mount_work_limit(1 << 20);
        assert!(
            matches!(work.charge(MAX_LOOKUP_WORK), Err(FsError::MountWork { limit: l }) if l == limit)
        );
    }
}
