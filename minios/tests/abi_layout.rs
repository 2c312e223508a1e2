//! Checks `minios::abi` against Xen's own C headers (Debian's libxen-dev, Xen 4.17).
//!
//! `abi_layout.c` is compiled with the host C compiler against /usr/include/xen and run; it
//! prints every struct's size and alignment, every field's offset and size, the constants and
//! a few structs filled through C union members. Every line must match the Rust side below,
//! and every line must be checked. The test fails (it does not skip) without `cc` or the
//! headers.

use minios::abi::{self, xs_wire::XsdSockmsgType};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use zerocopy::{FromBytes, IntoBytes};

#[path = "abi_layout/tables.rs"]
mod tables;

use tables::{rust_consts, rust_layouts, xs_types, Field};

/// What the C program printed.
#[derive(Default)]
struct CFacts {
    /// struct name -> (size, align)
    structs: BTreeMap<String, (usize, usize)>,
    /// (struct name, field path) -> (offset, size)
    fields: BTreeMap<(String, String), (usize, usize)>,
    /// upper-cased constant name -> value as a 64-bit pattern
    consts: BTreeMap<String, u64>,
    strings: BTreeMap<String, String>,
    errors: Vec<(i32, String)>,
    bytes: BTreeMap<String, Vec<u8>>,
}

fn num<T: std::str::FromStr>(s: Option<&str>, line: &str) -> T {
    s.and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad line {line:?}"))
}

fn parse(out: &str) -> CFacts {
    let mut f = CFacts::default();
    for line in out.lines() {
        let w: Vec<&str> = line.split(' ').collect();
        let (a, b) = (
            w[1].to_owned(),
            w.get(2).copied().unwrap_or_default().to_owned(),
        );
        let fresh = match w[0] {
            "S" => f
                .structs
                .insert(
                    a,
                    (num(w.get(2).copied(), line), num(w.get(3).copied(), line)),
                )
                .is_none(),
            "F" => f
                .fields
                .insert(
                    (a, b),
                    (num(w.get(3).copied(), line), num(w.get(4).copied(), line)),
                )
                .is_none(),
            "K" => f
                .consts
                .insert(a.to_ascii_uppercase(), num(Some(&b), line))
                .is_none(),
            "Q" => f.strings.insert(a, b).is_none(),
            "E" => {
                f.errors.push((num(Some(&b), line), w[3].to_owned()));
                true
            }
            "B" => {
                let hex = |i: usize| u8::from_str_radix(b.get(i..i + 2).unwrap_or("zz"), 16);
                let v = (0..b.len())
                    .step_by(2)
                    .map(hex)
                    .collect::<Result<Vec<_>, _>>();
                f.bytes
                    .insert(a, v.unwrap_or_else(|_| panic!("bad line {line:?}")))
                    .is_none()
            }
            _ => panic!("bad line {line:?}"),
        };
        assert!(fresh, "duplicate line {line:?}");
    }
    f
}

/// Compiles and runs abi_layout.c once per test process.
fn c_facts() -> &'static CFacts {
    static FACTS: std::sync::OnceLock<CFacts> = std::sync::OnceLock::new();
    FACTS.get_or_init(|| {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/abi_layout.c");
        let exe = Path::new(env!("CARGO_TARGET_TMPDIR")).join("abi_layout");
        let cc = Command::new("cc")
            .args([
                "-std=gnu11",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-I/usr/include",
                "-o",
            ])
            .arg(&exe)
            .arg(&src)
            .output()
            .expect("cannot run `cc`: a C compiler is needed (apt-get install gcc)");
        assert!(
            cc.status.success(),
            "compiling abi_layout.c failed (Xen headers: apt-get install libxen-dev):\n{}",
            String::from_utf8_lossy(&cc.stderr)
        );
        let run = Command::new(&exe).output().expect("cannot run abi_layout");
        assert!(run.status.success(), "abi_layout failed");
        parse(&String::from_utf8(run.stdout).expect("abi_layout output is not UTF-8"))
    })
}

fn report(errors: Vec<String>) {
    assert!(
        errors.is_empty(),
        "{} mismatches with the C headers:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[test]
fn struct_layouts_match_c() {
    let c = c_facts();
    let mut c_fields = c.fields.clone();
    let mut c_structs = c.structs.clone();
    let mut errors = Vec::new();
    for l in rust_layouts() {
        match c_structs.remove(l.c) {
            Some(sa) if sa == (l.size, l.align) => {}
            sa => errors.push(format!(
                "{} vs struct {}: (size, align) {:?} vs C {sa:?}",
                l.rust,
                l.c,
                (l.size, l.align)
            )),
        }
        // The top-level Rust fields, in offset order, must tile the struct exactly: so no
        // Rust field is missing from the table and no padding is left implicit.
        let mut top: Vec<&Field> = l.fields.iter().filter(|f| !f.c.contains('.')).collect();
        top.sort_by_key(|f| f.off);
        let end = top
            .iter()
            .try_fold(0, |at, f| (f.off == at).then_some(at + f.size));
        if end != Some(l.size) {
            errors.push(format!(
                "{}: the listed fields do not tile the struct",
                l.rust
            ));
        }
        for f in l.fields.iter().filter(|f| !f.c.starts_with("_pad")) {
            match c_fields.remove(&(l.c.to_owned(), f.c.clone())) {
                Some(fa) if fa == (f.off, f.size) => {}
                fa => errors.push(format!(
                    "{}.{}: (offset, size) {:?} vs C {fa:?}",
                    l.rust,
                    f.c,
                    (f.off, f.size)
                )),
            }
        }
    }
    errors.extend(
        c_structs
            .keys()
            .map(|s| format!("C struct {s} has no Rust layout")),
    );
    errors.extend(
        c_fields
            .keys()
            .map(|(s, f)| format!("C field {s}.{f} is not checked")),
    );
    report(errors);
}

#[test]
fn constants_match_c() {
    let mut c_consts = c_facts().consts.clone();
    let mut errors = Vec::new();
    for (name, value) in rust_consts() {
        // Compare as the 64-bit two's complement pattern the C program printed.
        let rust = value as i64 as u64;
        match c_consts.remove(&name.to_ascii_uppercase()) {
            Some(c) if c == rust => {}
            c => errors.push(format!("{name}: {rust:#x} vs C {c:#x?}")),
        }
    }
    errors.extend(
        c_consts
            .keys()
            .map(|k| format!("C constant {k} is not checked")),
    );
    report(errors);
}

#[test]
fn xenstore_types_errors_and_strings_match_c() {
    let c = c_facts();
    // The accepted values are checked against C's by `constants_match_c` (and C names no
    // type we lack); here: the conversion is exact both ways.
    for v in 0..=0x1_0000u32 {
        match XsdSockmsgType::try_from(v) {
            Ok(t) => assert_eq!(u32::from(t), v),
            Err(e) => assert_eq!(e.0, v),
        }
    }
    assert_eq!(xs_types().len(), 23);
    let rust: Vec<(i32, String)> = abi::xs_wire::XSD_ERRORS
        .iter()
        .map(|&(e, n)| (e, n.into()))
        .collect();
    assert_eq!(rust, c.errors, "XSD_ERRORS vs xsd_errors[]");
    for (e, n) in &c.errors {
        assert_eq!(abi::xs_wire::xsd_errno_from_name(n.as_bytes()), Some(*e));
        assert_eq!(abi::xs_wire::xsd_error_name(*e), Some(n.as_str()));
    }
    assert_eq!(abi::xs_wire::xsd_errno_from_name(b"EWHATEVER"), None);
    let strings = [
        ("XS_WRITE_NONE", abi::xs_wire::XS_WRITE_NONE),
        ("XS_WRITE_CREATE", abi::xs_wire::XS_WRITE_CREATE),
        ("XS_WRITE_CREATE_EXCL", abi::xs_wire::XS_WRITE_CREATE_EXCL),
    ];
    let strings: BTreeMap<String, String> = strings
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(strings, c.strings);
}

/// Reads a struct the C program filled through its union members.
fn c_struct<T: FromBytes>(name: &str) -> (T, &'static [u8]) {
    let bytes = c_facts()
        .bytes
        .get(name)
        .unwrap_or_else(|| panic!("no {name} from C"));
    let t = T::read_from_bytes(bytes).unwrap_or_else(|_| panic!("{name}: wrong size"));
    (t, bytes)
}

#[test]
fn union_views_match_c() {
    use abi::{event_channel::*, grant_table::*, netif::*, xen::*};
    let (console, _) = c_struct::<StartInfoConsole>("start_info_console_dom0");
    assert_eq!(console.dom0_info(), (0x1122_3344, 0x5566_7788));

    let (st, _) = c_struct::<EvtchnStatus>("evtchn_status_interdomain");
    assert_eq!(
        (st.status, st.remote_dom(), st.remote_port()),
        (EVTCHNSTAT_INTERDOMAIN, 7, 0x1234)
    );
    let (st, _) = c_struct::<EvtchnStatus>("evtchn_status_virq");
    assert_eq!((st.status, st.irq()), (EVTCHNSTAT_VIRQ, VIRQ_TIMER + 5));

    let (ex, bytes) = c_struct::<NetifExtraInfo>("netif_extra_info_gso");
    assert_eq!(
        (ex.gso_size(), ex.gso_type(), ex.gso_features()),
        (1460, XEN_NETIF_GSO_TYPE_TCPV6, 0xa55a)
    );
    let built = NetifExtraInfo::gso(
        1460,
        XEN_NETIF_GSO_TYPE_TCPV6,
        0xa55a,
        XEN_NETIF_EXTRA_FLAG_MORE,
    );
    assert_eq!(built.as_bytes(), bytes);
    let (ex, _) = c_struct::<NetifExtraInfo>("netif_extra_info_mcast");
    assert_eq!(ex.r#type, XEN_NETIF_EXTRA_TYPE_MCAST_ADD);
    assert_eq!(ex.mcast_addr(), [0x01, 0x00, 0x5e, 0x7f, 0x12, 0x34]);

    let (_, bytes) = c_struct::<MmuextOp>("mmuext_op_set_ldt");
    assert_eq!(
        MmuextOp::set_ldt(0xffff_8000_1234_5000, 42).as_bytes(),
        bytes
    );
    let (_, bytes) = c_struct::<MmuextOp>("mmuext_op_copy_page");
    assert_eq!(
        MmuextOp::copy_page(0x123_4567, 0x89a_bcde).as_bytes(),
        bytes
    );

    let (cp, _) = c_struct::<GnttabCopy>("gnttab_copy");
    assert_eq!(
        (cp.source.u, cp.source.domid, cp.source.offset),
        (99, 3, 512)
    );
    assert_eq!(
        (cp.dest.u, cp.dest.domid, cp.len),
        (0x1_2345_6789, DOMID_SELF, 1000)
    );
    assert_eq!(cp.flags, GNTCOPY_SOURCE_GREF);
}
