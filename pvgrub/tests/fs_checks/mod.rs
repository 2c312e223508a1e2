//! Checks shared by the filesystem tests: a mounted image against the source tree it was made
//! from (scripts/make-disk-fixtures.sh).
#![allow(dead_code)] // each test binary uses a different part

use crate::disk_fixtures::{dir, host_names, walk, HostKind};
use pvgrub::fs::{FileSystem, FsError, NodeKind};

/// Generous cap for reading the test files.
pub const CAP: usize = 16 << 20;

/// Every regular file of `tree` reads back byte for byte, with the right metadata, and every
/// directory lists the same names with the same kinds (the root also lists `root_extra`, such as
/// `lost+found`).
pub fn tree_reads_back(fs: &mut dyn FileSystem, tree: &str, root_extra: &[&str], what: &str) {
    let root = dir().join(tree);
    let mut files = 0;
    for (path, kind) in walk(&root) {
        match kind {
            HostKind::File => {
                let want = std::fs::read(root.join(&path[1..])).unwrap();
                let got = fs
                    .read_file(path.as_bytes(), CAP)
                    .unwrap_or_else(|e| panic!("{what} {path}: {e:?}"));
                assert!(got == want, "{what} {path}: contents differ");
                let meta = fs.metadata(path.as_bytes()).unwrap();
                assert_eq!((meta.kind, meta.len), (NodeKind::File, want.len() as u64));
                files += 1;
            }
            HostKind::Dir => check_listing(fs, &root, &path, &[], what),
            HostKind::Symlink => {}
        }
    }
    check_listing(fs, &root, "/", root_extra, what);
    assert!(files > 300, "{what}: only {files} files compared");
}

fn check_listing(
    fs: &mut dyn FileSystem,
    root: &std::path::Path,
    path: &str,
    extra: &[&str],
    what: &str,
) {
    let listed = fs
        .read_dir(path.as_bytes())
        .unwrap_or_else(|e| panic!("{what} {path}: {e:?}"));
    let mut names: Vec<Vec<u8>> = listed.iter().map(|e| e.name.clone()).collect();
    names.sort();
    let mut want: Vec<Vec<u8>> = host_names(root, path)
        .into_iter()
        .map(String::into_bytes)
        .collect();
    want.extend(extra.iter().map(|s| s.as_bytes().to_vec()));
    want.sort();
    assert_eq!(names, want, "{what}: listing of {path}");
    for e in listed
        .into_iter()
        .filter(|e| !extra.iter().any(|x| x.as_bytes() == e.name))
    {
        let name = std::str::from_utf8(&e.name).unwrap();
        let host = root.join(path.trim_start_matches('/')).join(name);
        let meta = std::fs::symlink_metadata(&host).unwrap();
        let kind = if meta.is_symlink() {
            NodeKind::Symlink
        } else if meta.is_dir() {
            NodeKind::Dir
        } else {
            NodeKind::File
        };
        assert_eq!(e.kind, kind, "{what}: kind of {path}/{name}");
        if kind == NodeKind::File {
            assert_eq!(e.len, meta.len(), "{what}: size of {path}/{name}");
        }
    }
}

/// The symlinks the fixture script made resolve (relative, absolute, chained, through a
/// directory link, slow/long targets), and broken ones fail with typed errors.
pub fn symlinks_resolve(fs: &mut dyn FileSystem, what: &str) {
    let root = dir().join("tree");
    let read = |p: &str| std::fs::read(root.join(p)).unwrap();
    for (link, target) in [
        ("/boot/vmlinuz", "boot/vmlinuz-test"),
        ("/vmlinuz", "boot/vmlinuz-test"),
        ("/links/rel", "boot/grub/menu.lst"),
        ("/links/dir/grub/menu.lst", "boot/grub/menu.lst"),
        ("/links/dir/../links/rel", "boot/grub/menu.lst"),
        (
            "/links/slow",
            "deep/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/leaf.txt",
        ),
    ] {
        let got = fs
            .read_file(link.as_bytes(), CAP)
            .unwrap_or_else(|e| panic!("{what} {link}: {e:?}"));
        assert!(
            got == read(target),
            "{what}: {link} does not read as {target}"
        );
    }
    assert!(
        matches!(
            fs.read_file(b"/links/loop1", CAP),
            Err(FsError::SymlinkLoop)
        ),
        "{what}"
    );
    assert!(
        matches!(
            fs.read_file(b"/links/dangling", CAP),
            Err(FsError::NotFound)
        ),
        "{what}"
    );
    assert_eq!(
        fs.metadata(b"/links/dir").unwrap().kind,
        NodeKind::Dir,
        "{what}"
    );
}

/// Missing files, files used as directories, directories read as files, and the size cap all
/// give their own errors; relative paths and `.`/`..` work.
pub fn errors_are_typed(fs: &mut dyn FileSystem, what: &str) {
    let menu = std::fs::read(dir().join("tree/boot/grub/menu.lst")).unwrap();
    assert_eq!(
        fs.read_file(b"boot/grub/../grub/./menu.lst", CAP).unwrap(),
        menu,
        "{what}"
    );
    assert!(
        matches!(fs.read_file(b"/boot/nothing", CAP), Err(FsError::NotFound)),
        "{what}"
    );
    assert!(
        matches!(
            fs.read_file(b"/boot/grub/menu.lst/x", CAP),
            Err(FsError::NotADirectory)
        ),
        "{what}"
    );
    assert!(
        matches!(fs.read_file(b"/boot", CAP), Err(FsError::IsADirectory)),
        "{what}"
    );
    assert!(
        matches!(
            fs.read_dir(b"/boot/grub/menu.lst"),
            Err(FsError::NotADirectory)
        ),
        "{what}"
    );
    let big = std::fs::metadata(dir().join("tree/big/five-megs.bin"))
        .unwrap()
        .len();
    match fs.read_file(b"/big/five-megs.bin", 1 << 20) {
        Err(FsError::TooLarge { len, max }) => assert_eq!((len, max), (big, 1 << 20)),
        other => panic!("{what}: {other:?}"),
    }
    assert_eq!(
        fs.read_file(b"/empty.txt", 0).unwrap(),
        Vec::<u8>::new(),
        "{what}"
    );
}
