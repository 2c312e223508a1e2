//! Runs peer.c (Xen's libxenguest 4.17 domain builder on the host) and compares its layout
//! with pvgrub::layout's, field by field, entry by entry, byte by byte.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use pvgrub::layout::{Layout, StartInfoRuntime, START_INFO_SIZE};

/// What peer.c sets in the domain it builds.
pub const SHARED_INFO_MFN: u64 = 0x1234;
pub const STORE_EVTCHN: u32 = 5;
pub const CONSOLE_EVTCHN: u32 = 3;

/// Scratch directory for this test binary.
pub fn scratch() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("layout-peer");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Compiles peer.c once per test binary (needs cc and Debian's libxen-dev).
fn peer_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        // Included, so that tests of other crates can use this file too.
        let src = scratch().join(format!("peer-{}.c", std::process::id()));
        std::fs::write(&src, include_str!("peer.c")).unwrap();
        let bin = scratch().join(format!("peer-{}", std::process::id()));
        let out = Command::new("cc")
            .args(["-O1", "-Wall", "-o"])
            .arg(&bin)
            .arg(&src)
            .args(["-lxenguest", "-lxentoollog"])
            .output()
            .expect("cc must be installed");
        assert!(
            out.status.success(),
            "building peer.c failed (is libxen-dev installed?):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        bin
    })
}

/// The layout libxenguest made.
#[derive(Debug)]
pub struct Peer {
    /// `key v1 v2 ...` lines.
    pub values: HashMap<String, Vec<u64>>,
    /// Non-zero page-table entries: (table pfn, index) -> entry.
    pub ptes: BTreeMap<(u64, u64), u64>,
    /// The start_info page.
    pub start_info: Vec<u8>,
}

impl Peer {
    /// A value printed by the peer.
    pub fn get(&self, key: &str) -> &[u64] {
        self.values
            .get(key)
            .unwrap_or_else(|| panic!("peer printed no {key}"))
    }

    /// A single value printed by the peer.
    pub fn one(&self, key: &str) -> u64 {
        self.get(key)[0]
    }
}

fn num(s: &str) -> u64 {
    let s = s.trim_start_matches("0x");
    u64::from_str_radix(s, 16).unwrap_or_else(|_| panic!("bad number {s}"))
}

/// Runs the builder; `Err` holds its messages when it refuses the domain.
pub fn run(
    kernel: &Path,
    module: Option<&Path>,
    nr_pages: u64,
    cmdline: &str,
) -> Result<Peer, String> {
    let out = Command::new(peer_binary())
        .arg(kernel)
        .arg(module.map_or_else(|| "-".into(), |m| m.as_os_str().to_owned()))
        .arg(nr_pages.to_string())
        .arg(cmdline)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    if !out.status.success() {
        return Err(format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)));
    }
    let mut peer = Peer {
        values: HashMap::new(),
        ptes: BTreeMap::new(),
        start_info: Vec::new(),
    };
    for line in stdout.lines() {
        let mut words = line.split_whitespace();
        let key = words.next().unwrap();
        match key {
            "pte" => {
                let pfn = num(words.next().unwrap());
                let index: u64 = words.next().unwrap().parse().unwrap();
                peer.ptes.insert((pfn, index), num(words.next().unwrap()));
            }
            "start_info" => {
                let hex = words.next().unwrap();
                peer.start_info = (0..hex.len() / 2)
                    .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
                    .collect();
            }
            _ => {
                peer.values.insert(key.into(), words.map(num).collect());
            }
        }
    }
    Ok(peer)
}

/// Asserts that our layout is the builder's: segments, pages, page tables and start_info.
pub fn assert_same(peer: &Peer, ours: &Layout, cmdline: &str) {
    assert_eq!(peer.one("virt_base"), ours.virt_base, "virt_base");
    assert_eq!(peer.one("entry"), ours.entry, "entry");
    let hypercall = peer.one("hypercall");
    let expect_hc = (hypercall != u64::MAX).then(|| (hypercall - ours.virt_base) >> 12);
    assert_eq!(expect_hc, ours.hypercall_page_pfn, "hypercall page pfn");
    let seg = |key: &str, s: &pvgrub::layout::Segment, check_vend: bool| {
        let v = peer.get(key);
        assert_eq!(
            (v[0], v[1], v[2]),
            (s.pfn, s.pages, s.vstart),
            "{key} pfn/pages/vstart"
        );
        if check_vend {
            assert_eq!(v[3], s.vstart + s.len, "{key} vend");
        }
    };
    seg("kernel", &ours.kernel, true);
    match (peer.values.contains_key("module"), &ours.module) {
        (true, Some(m)) => seg("module", m, ours.start_info.mod_start == m.vstart),
        (false, None) => {}
        (p, o) => panic!("module: peer has one: {p}, ours: {o:?}"),
    }
    // The builder leaves a stale vend when it moves the p2m list to INIT_P2M.
    seg("p2m", &ours.p2m, ours.start_info.first_p2m_pfn == 0);
    seg("pgtables", &ours.page_tables, true);
    assert_eq!(
        peer.one("start_info_pfn"),
        ours.start_info_pfn,
        "start_info pfn"
    );
    assert_eq!(peer.one("xenstore_pfn"), ours.xenstore_pfn, "xenstore pfn");
    assert_eq!(peer.one("console_pfn"), ours.console_pfn, "console pfn");
    assert_eq!(peer.one("bootstack_pfn"), ours.stack_pfn, "boot stack pfn");
    assert_eq!(peer.one("virt_pgtab_end"), ours.v_end, "v_end");
    assert_eq!(peer.one("pfn_alloc_end"), ours.pfn_end, "pfn_end");

    let mut ptes = BTreeMap::new();
    for table in ours.page_table_plan() {
        let mut page = [0u64; 512];
        table.fill(|pfn| pfn, &mut page);
        for (i, e) in page.iter().enumerate().filter(|(_, e)| **e != 0) {
            ptes.insert((table.pfn, i as u64), *e);
        }
    }
    if ptes != peer.ptes {
        let diff: Vec<_> = ptes
            .iter()
            .filter(|(k, v)| peer.ptes.get(k) != Some(v))
            .take(8)
            .collect();
        let missing: Vec<_> = peer
            .ptes
            .iter()
            .filter(|(k, _)| !ptes.contains_key(k))
            .take(8)
            .collect();
        panic!(
            "page tables differ: {} ours vs {} peer; ours not in peer {diff:x?}; peer not in ours {missing:x?}",
            ptes.len(),
            peer.ptes.len()
        );
    }

    let rt = StartInfoRuntime {
        shared_info_mfn: SHARED_INFO_MFN,
        store_mfn: ours.xenstore_pfn,
        store_evtchn: STORE_EVTCHN,
        console_mfn: ours.console_pfn,
        console_evtchn: CONSOLE_EVTCHN,
    };
    let encoded = ours.start_info.encode(&rt, cmdline.as_bytes());
    assert_eq!(peer.start_info.len(), 4096);
    assert_eq!(
        &peer.start_info[..START_INFO_SIZE],
        &encoded[..],
        "start_info bytes"
    );
    assert!(peer.start_info[START_INFO_SIZE..].iter().all(|&b| b == 0));
}
