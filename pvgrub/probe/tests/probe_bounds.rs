//! pvgrub-probe's report stays linear in the menu: a grub.cfg whose thousands of entries all
//! inherit one huge root prints at most 256 entries and 1 KiB of any field, with counts.

mod support;

use support::Fs;

#[test]
fn a_huge_shared_root_does_not_multiply_the_report() {
    let dir = support::scratch("bounds");
    let root = "r".repeat(200 << 10);
    let mut cfg = format!("set root='({root})'\n");
    for i in 0..4000 {
        cfg.push_str(&format!("menuentry 'e{i}' {{\n linux /vmlinuz\n}}\n"));
    }
    let files: [(&str, &[u8]); 1] = [("boot/grub/grub.cfg", cfg.as_bytes())];
    let disk = support::bare_disk(&dir, 16, &Fs::Ext("ext4", &files));
    support::keep(&disk, "probe-huge-shared-root.img");
    let d = disk.to_str().unwrap();
    let (code, out, err) = support::probe(&[d]);
    assert_eq!(code, 1, "the root names no device pv-grub has");
    assert!(out.len() < 2 << 20, "text report of {} bytes", out.len());
    assert!(out.contains("... and 3744 more entries\n"));
    let shown = format!("({}... ({} bytes in all))", "r".repeat(1024), root.len());
    assert!(out.contains(&format!("    root:   {shown}\n")));
    assert!(err.len() < 10 << 10, "error text of {} bytes", err.len());
    let (code, out, _) = support::probe(&[d, "--json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["entry_count"], 4000);
    assert_eq!(json["entries"].as_array().unwrap().len(), 256);
    assert!(json.to_string().len() < 2 << 20);
}
