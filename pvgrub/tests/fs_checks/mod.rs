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
                    .read_file(&path, CAP)
                    .unwrap_or_else(|e| panic!("{what} {path}: {e:?}"));
                assert!(got == want, "{what} {path}: contents differ");
                let meta = fs.metadata(&path).unwrap();
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
        .read_dir(path)
        .unwrap_or_else(|e| panic!("{what} {path}: {e:?}"));
    let mut names: Vec<String> = listed.iter().map(|e| e.name.clone()).collect();
    names.sort();
    let mut want = host_names(root, path);
    want.extend(extra.iter().map(|s| s.to_string()));
    want.sort();
    assert_eq!(names, want, "{what}: listing of {path}");
    for e in listed
        .into_iter()
        .filter(|e| !extra.contains(&e.name.as_str()))
    {
        let host = root.join(path.trim_start_matches('/')).join(&e.name);
        let meta = std::fs::symlink_metadata(&host).unwrap();
        let kind = if meta.is_symlink() {
            NodeKind::Symlink
        } else if meta.is_dir() {
            NodeKind::Dir
        } else {
            NodeKind::File
        };
        assert_eq!(e.kind, kind, "{what}: kind of {path}/{}", e.name);
        if kind == NodeKind::File {
            assert_eq!(e.len, meta.len(), "{what}: size of {path}/{}", e.name);
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
            .read_file(link, CAP)
            .unwrap_or_else(|e| panic!("{what} {link}: {e:?}"));
        assert!(
            got == read(target),
            "{what}: {link} does not read as {target}"
        );
    }
    assert!(
        matches!(fs.read_file("/links/loop1", CAP), Err(FsError::SymlinkLoop)),
        "{what}"
    );
    assert!(
        matches!(fs.read_file("/links/dangling", CAP), Err(FsError::NotFound)),
        "{what}"
    );
    assert_eq!(
        fs.metadata("/links/dir").unwrap().kind,
        NodeKind::Dir,
        "{what}"
    );
}

/// Missing files, files used as directories, directories read as files, and the size cap all
/// give their own errors; relative paths and `.`/`..` work.
pub fn errors_are_typed(fs: &mut dyn FileSystem, what: &str) {
    let menu = std::fs::read(dir().join("tree/boot/grub/menu.lst")).unwrap();
    assert_eq!(
        fs.read_file("boot/grub/../grub/./menu.lst", CAP).unwrap(),
        menu,
        "{what}"
    );
    assert!(
        matches!(fs.read_file("/boot/nothing", CAP), Err(FsError::NotFound)),
        "{what}"
    );
    assert!(
        matches!(
            fs.read_file("/boot/grub/menu.lst/x", CAP),
            Err(FsError::NotADirectory)
        ),
        "{what}"
    );
    assert!(
        matches!(fs.read_file("/boot", CAP), Err(FsError::IsADirectory)),
        "{what}"
    );
    assert!(
        matches!(
            fs.read_dir("/boot/grub/menu.lst"),
            Err(FsError::NotADirectory)
        ),
        "{what}"
    );
    let big = std::fs::metadata(dir().join("tree/big/five-megs.bin"))
        .unwrap()
        .len();
    match fs.read_file("/big/five-megs.bin", 1 << 20) {
        Err(FsError::TooLarge { len, max }) => assert_eq!((len, max), (big, 1 << 20)),
        other => panic!("{what}: {other:?}"),
    }
    assert_eq!(
        fs.read_file("/empty.txt", 0).unwrap(),
        Vec::<u8>::new(),
        "{what}"
    );
}
