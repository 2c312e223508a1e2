//! Path resolution with symlinks, shared by the filesystems that do not bring their own.
//!
//! Paths are bytes: a name may hold any byte but `/` (and NUL on ext4), UTF-8 or not.

use super::{FsError, NodeKind, MAX_PATH, MAX_SYMLINKS};
use alloc::vec;
use alloc::vec::Vec;

/// A directory tree as the resolver sees it.
pub(crate) trait Tree {
    /// A file, directory or link, as found in its parent directory.
    type Node: Clone;

    /// The root directory.
    fn root(&mut self) -> Result<Self::Node, FsError>;

    /// What `node` is.
    fn node_kind(node: &Self::Node) -> NodeKind;

    /// The entry `name` of the directory `dir`, if there is one.
    fn lookup(&mut self, dir: &Self::Node, name: &[u8]) -> Result<Option<Self::Node>, FsError>;

    /// The target of the symlink `link`.
    fn read_link(&mut self, link: &Self::Node) -> Result<Vec<u8>, FsError>;
}

/// What is left of a path, kept back to front so that splicing a symlink's target in front
/// of it is a push, and taking the next component a pop.
struct Pending(Vec<u8>);

impl Pending {
    /// Puts `path` in front of what is left.
    fn push(&mut self, path: &[u8]) {
        self.0.push(b'/');
        self.0.extend(path.iter().rev());
    }

    /// Moves the next component into `name`; `false` when none is left.
    fn next(&mut self, name: &mut Vec<u8>) -> bool {
        while self.0.last() == Some(&b'/') {
            self.0.pop();
        }
        let start = self.0.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
        name.clear();
        name.extend(self.0.drain(start..).rev());
        !name.is_empty()
    }
}

/// Finds what `path` names, following every symlink (also a final one) and `..`.
///
/// The path and every symlink target spliced into it add up to at most [`MAX_PATH`] bytes,
/// so one resolution looks up at most `MAX_PATH / 2` components.
pub(crate) fn resolve<T: Tree>(tree: &mut T, path: &[u8]) -> Result<T::Node, FsError> {
    if path.len() > MAX_PATH {
        return Err(FsError::PathTooLong);
    }
    let root = tree.root()?;
    let mut stack = vec![root.clone()];
    let mut pending = Pending(Vec::with_capacity(path.len() + 1));
    let mut name = Vec::new();
    let mut budget = MAX_PATH - path.len();
    let mut links = 0;
    pending.push(path);
    while pending.next(&mut name) {
        match name.as_slice() {
            b"." => continue,
            b".." => {
                if stack.len() > 1 {
                    stack.pop();
                }
                continue;
            }
            _ => {}
        }
        let dir = stack.last().unwrap_or(&root);
        if T::node_kind(dir) != NodeKind::Dir {
            return Err(FsError::NotADirectory);
        }
        let node = tree.lookup(dir, &name)?.ok_or(FsError::NotFound)?;
        if T::node_kind(&node) != NodeKind::Symlink {
            stack.push(node);
            continue;
        }
        links += 1;
        if links > MAX_SYMLINKS {
            return Err(FsError::SymlinkLoop);
        }
        let target = tree.read_link(&node)?;
        budget = budget
            .checked_sub(target.len())
            .ok_or(FsError::PathTooLong)?;
        if target.starts_with(b"/") {
            stack.truncate(1);
        }
        pending.push(&target);
    }
    Ok(stack.pop().unwrap_or(root))
}

#[cfg(test)]
mod tests {
    use super::Pending;
    use alloc::vec::Vec;

    fn components(path: &[u8]) -> Vec<Vec<u8>> {
        let mut pending = Pending(Vec::new());
        pending.push(path);
        let mut name = Vec::new();
        let mut out = Vec::new();
        while pending.next(&mut name) {
            out.push(name.clone());
        }
        out
    }

    #[test]
    fn components_come_in_order_without_empty_ones() {
        let want: [&[u8]; 3] = [b"boot", b"grub", b"menu.lst"];
        assert_eq!(components(b"//boot/grub//menu.lst/"), want);
        assert_eq!(components(b"vmlinuz-\xff\xfe"), [b"vmlinuz-\xff\xfe"]);
        assert!(components(b"///").is_empty());
    }

    #[test]
    fn a_target_is_spliced_in_front_of_the_rest() {
        let mut pending = Pending(Vec::new());
        pending.push(b"/a/b/c");
        let mut name = Vec::new();
        assert!(pending.next(&mut name));
        assert_eq!(name, b"a");
        pending.push(b"x/y");
        let mut rest = Vec::new();
        while pending.next(&mut name) {
            rest.push(name.clone());
        }
        let want: [&[u8]; 4] = [b"x", b"y", b"b", b"c"];
        assert_eq!(rest, want);
    }
}
