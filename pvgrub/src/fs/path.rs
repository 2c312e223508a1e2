//! Path resolution with symlinks, shared by the filesystems that do not bring their own.

use super::{FsError, NodeKind, MAX_PATH, MAX_SYMLINKS};
use alloc::string::{String, ToString};
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
    fn lookup(&mut self, dir: &Self::Node, name: &str) -> Result<Option<Self::Node>, FsError>;

    /// The target of the symlink `link`.
    fn read_link(&mut self, link: &Self::Node) -> Result<String, FsError>;
}

/// Pushes the components of `path` onto `pending` so that the first is popped first.
fn push_components(pending: &mut Vec<String>, path: &str) {
    pending.extend(
        path.rsplit('/')
            .filter(|c| !c.is_empty())
            .map(ToString::to_string),
    );
}

/// Finds what `path` names, following every symlink (also a final one) and `..`.
pub(crate) fn resolve<T: Tree>(tree: &mut T, path: &str) -> Result<T::Node, FsError> {
    if path.len() > MAX_PATH {
        return Err(FsError::PathTooLong);
    }
    let root = tree.root()?;
    let mut stack = vec![root.clone()];
    let mut pending = Vec::new();
    let mut budget = MAX_PATH - path.len();
    let mut links = 0;
    push_components(&mut pending, path);
    while let Some(name) = pending.pop() {
        match name.as_str() {
            "." => continue,
            ".." => {
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
        if target.starts_with('/') {
            stack.truncate(1);
        }
        push_components(&mut pending, &target);
    }
    Ok(stack.pop().unwrap_or(root))
}
