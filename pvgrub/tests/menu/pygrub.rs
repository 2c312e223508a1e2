//! Runs Xen 4.17's pygrub (Debian's xen-utils-4.17, extracted by scripts/fetch-pygrub.sh
//! into target/pygrub) on a menu file, through pygrub_parse.py beside this file.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// One entry as pygrub read it.
#[derive(Debug, Clone, PartialEq)]
pub struct PyEntry {
    pub title: String,
    /// (disk, partition) as pygrub's GrubDiskPart holds them.
    pub root: Option<(u32, Option<u32>)>,
    pub kernel: Option<String>,
    pub args: Option<String>,
    pub initrd: Option<String>,
}

/// What pygrub read and chose.
#[derive(Debug, Clone, PartialEq)]
pub struct PyMenu {
    pub entries: Vec<PyEntry>,
    pub default: usize,
    pub kernel: String,
    pub ramdisk: Option<String>,
    pub args: String,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The extracted Debian packages (pygrub, grub-legacy, grub-common); panics (fails the test)
/// if they cannot be had.
pub fn root() -> &'static PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        assert!(
            Path::new("/usr/bin/python3").exists(),
            "/usr/bin/python3 is needed to run pygrub (apt-get install python3)"
        );
        let script = workspace().join("scripts/fetch-pygrub.sh");
        let out = Command::new("sh")
            .arg(&script)
            .output()
            .expect("run scripts/fetch-pygrub.sh");
        assert!(
            out.status.success(),
            "fetch-pygrub.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
}

fn unhex(s: &str) -> Option<String> {
    match s {
        "-" => None,
        "''" => Some(String::new()),
        _ => {
            let bytes: Vec<u8> = (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex from driver"))
                .collect();
            Some(String::from_utf8(bytes).expect("utf-8 from driver"))
        }
    }
}

fn root_field(s: &str) -> Option<(u32, Option<u32>)> {
    let (disk, part) = s.split_once(',')?;
    Some((disk.parse().unwrap(), part.parse().ok()))
}

/// Runs pygrub on `menu`: `grub2` picks its grub.cfg parser, else its menu.lst parser.
/// `Err` carries the exception pygrub raised.
pub fn run(menu: &Path, grub2: bool) -> Result<PyMenu, String> {
    let x = root();
    let xen = x.join("usr/lib/xen-4.17");
    let out = Command::new("/usr/bin/python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/menu/pygrub_parse.py"))
        .arg(xen.join("bin/pygrub"))
        .arg(if grub2 { "grub2" } else { "grub" })
        .arg(menu)
        .env("PYTHONPATH", xen.join("lib/python"))
        .env(
            "LD_LIBRARY_PATH",
            format!(
                "{}:{}",
                x.join("usr/lib/x86_64-linux-gnu").display(),
                xen.join("lib/x86_64-linux-gnu").display()
            ),
        )
        .env(
            "XEN_FSIMAGE_FSDIR",
            xen.join("lib/x86_64-linux-gnu/xenfsimage"),
        )
        .output()
        .expect("run python3");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success() && !stdout.is_empty(),
        "pygrub driver failed on {}: {}",
        menu.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut menu = PyMenu {
        entries: Vec::new(),
        default: 0,
        kernel: String::new(),
        ramdisk: None,
        args: String::new(),
    };
    for line in stdout.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        match f[0] {
            "error" => return Err(unhex(f[1]).unwrap_or_default()),
            "entry" => menu.entries.push(PyEntry {
                title: unhex(f[1]).unwrap_or_default(),
                root: root_field(f[2]),
                kernel: unhex(f[3]),
                args: unhex(f[4]),
                initrd: unhex(f[5]),
            }),
            "default" => menu.default = f[1].parse().unwrap(),
            "chosen" => {
                menu.kernel = unhex(f[1]).unwrap_or_default();
                menu.ramdisk = unhex(f[2]);
                menu.args = unhex(f[3]).unwrap_or_default();
            }
            other => panic!("unexpected driver output {other}"),
        }
    }
    Ok(menu)
}
