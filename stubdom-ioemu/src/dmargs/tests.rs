//! The arguments libxl 4.17 writes, as seen in the rig (shared/notes/ioemu.md), and hostile
//! ones.

use super::*;

/// A traditional `image/dmargs` as libxl wrote it in the rig (`-M xenfv` removed by libxl).
const TRADITIONAL: &str = " -d 5 -domain-name hvm -vnc 127.0.0.1:0 -vncunused -serial pty \
    -vga none -boot c -acpi -vcpu_avail 0x01 -net nic,vlan=0,macaddr=00:16:3e:1a:2b:3c,\
    model=rtl8139 -net tap,vlan=0,ifname=tap5.0,bridge=xenbr0,script=no,downscript=no";

#[test]
fn traditional_dmargs() {
    let a = DmArgs::from_dmargs(TRADITIONAL).unwrap();
    assert_eq!(a.target, Some(5));
    assert_eq!(a.name.as_deref(), Some("hvm"));
    assert_eq!(a.serials, ["pty"]);
    assert_eq!(a.vga.as_deref(), Some("none"));
    assert_eq!(a.boot.as_deref(), Some("c"));
    assert!(a.acpi);
    assert_eq!(a.vcpu_avail, Some(1));
    assert_eq!(a.nets.len(), 2);
    assert!(a.nets[0].starts_with("nic,vlan=0,macaddr=00:16:3e:1a:2b:3c"));
    assert_eq!(a.ignored, ["-vnc", "-vncunused"]);
    assert!(a.unknown.is_empty());
}

#[test]
fn linux_stubdom_dm_argv_in_any_key_order() {
    let argv = [
        ("003", "5"),
        ("001", "/usr/libexec/xen-qemu-system-i386"),
        ("002", "-xen-domid"),
        ("004", "-machine"),
        ("005", "xenfv,suppress-vmdesc=on"),
        ("006", "-drive"),
        (
            "007",
            "file=/dev/xvda,if=ide,index=0,media=disk,format=raw,cache=writeback",
        ),
        ("008", "-serial"),
        ("009", "/dev/hvc3"),
        ("010", "-smp"),
        ("011", "2,maxcpus=2"),
        ("012", "-m"),
        ("013", "1016"),
        ("014", "-incoming"),
        ("015", "fd:3"),
        ("016", "-nodefaults"),
    ];
    let a = DmArgs::from_dm_argv(argv).unwrap();
    assert_eq!(a.target, Some(5));
    assert_eq!(a.machine.as_deref(), Some("xenfv"));
    assert_eq!(a.serials, ["/dev/hvc3"]);
    assert_eq!(a.vcpus, Some(2));
    assert_eq!(a.memory_mib, Some(1016));
    assert_eq!(a.incoming.as_deref(), Some("fd:3"));
    assert_eq!(
        a.drives,
        [Drive {
            file: "/dev/xvda".into(),
            interface: "ide".into(),
            index: Some(0),
            cdrom: false,
            read_only: false,
        }]
    );
    assert_eq!(a.ignored, ["-nodefaults"]);
}

#[test]
fn unknown_options_are_listed_by_name_not_dropped() {
    let a = DmArgs::from_dmargs("-d 1 -frobnicate -loadvm /var/lib/xen/qemu-resume.1").unwrap();
    assert_eq!(a.unknown, ["-frobnicate"]);
    assert_eq!(a.loadvm.as_deref(), Some("/var/lib/xen/qemu-resume.1"));
    let a = DmArgs::from_dmargs("--xen-domid 7 -cdrom /dev/xvdc -boot order=dc").unwrap();
    assert_eq!(a.target, Some(7));
    assert_eq!(a.boot.as_deref(), Some("dc"));
    assert!(a.drives[0].cdrom && a.drives[0].read_only && a.drives[0].index == Some(2));
}

#[test]
fn bad_arguments_are_typed_errors() {
    assert_eq!(
        DmArgs::from_dmargs("-d"),
        Err(DmArgsError::MissingValue("-d".into()))
    );
    assert_eq!(
        DmArgs::from_dmargs("-d five"),
        Err(DmArgsError::BadValue {
            option: "-d".into(),
            value: "five".into()
        })
    );
    assert_eq!(
        DmArgs::from_dmargs("-d 99999999999"),
        Err(DmArgsError::BadValue {
            option: "-d".into(),
            value: "99999999999".into()
        })
    );
    assert_eq!(
        DmArgs::from_dmargs("-d 1 stray"),
        Err(DmArgsError::Stray("stray".into()))
    );
    assert_eq!(
        DmArgs::from_dm_argv([("x1", "-d")]),
        Err(DmArgsError::BadKey("x1".into()))
    );
    assert_eq!(
        DmArgs::from_dmargs("-drive file=/dev/xvda,index=-1"),
        Err(DmArgsError::BadValue {
            option: "-drive".into(),
            value: "-1".into()
        })
    );
    // Every error says what to fix.
    let e = DmArgs::from_dmargs("-vcpu_avail 0xzz").unwrap_err();
    assert_eq!(
        e.to_string(),
        "device model option -vcpu_avail has a bad value \"0xzz\""
    );
}

#[test]
fn any_bytes_parse_or_fail_without_panicking() {
    let mut seed = 0x9e37_79b9_u32;
    let words = [
        "-d", "-m", "-drive", "-smp", "x=,", ",,", "0x", "-", "--", "-boot", "=", "7",
    ];
    for _ in 0..2000 {
        let mut s = String::new();
        for _ in 0..6 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            s.push_str(words[seed as usize % words.len()]);
            s.push(' ');
        }
        let _ = DmArgs::from_dmargs(&s);
    }
}
