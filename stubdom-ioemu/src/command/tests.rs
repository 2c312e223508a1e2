//! The commands of seed 001 as libxl 4.17 writes them, against a fake machine.

use super::*;
use alloc::vec::Vec;

#[derive(Default)]
struct Fake {
    calls: Vec<String>,
    refuse: bool,
}

impl Machine for Fake {
    fn pci_insert(&mut self, dev: &PciDevice) -> Result<u8, String> {
        self.calls.push(alloc::format!(
            "ins {:02x}:{:02x}.{}",
            dev.bus,
            dev.device,
            dev.function
        ));
        if self.refuse {
            Err("no PCI passthrough in this stub".into())
        } else {
            Ok(dev.vslot.unwrap_or(4) << 3)
        }
    }
    fn pci_remove(&mut self, _: &PciDevice) -> Result<(), String> {
        self.calls.push("rem".into());
        Ok(())
    }
    fn save(&mut self) -> Result<(), String> {
        self.calls.push("save".into());
        if self.refuse {
            Err("console 1 is gone".into())
        } else {
            Ok(())
        }
    }
    fn resume(&mut self) {
        self.calls.push("resume".into());
    }
    fn log_dirty(&mut self, on: bool) -> Result<(), String> {
        self.calls.push(alloc::format!("logdirty {on}"));
        Ok(())
    }
}

#[test]
fn pci_parameters_as_libxl_writes_them() {
    let d = PciDevice::parse("0000:03:00.1@05,msitranslate=1,power_mgmt=0").unwrap();
    assert_eq!(
        d,
        PciDevice {
            domain: 0,
            bus: 3,
            device: 0,
            function: 1,
            vslot: Some(5),
            msitranslate: true,
            power_mgmt: false
        }
    );
    assert_eq!(PciDevice::parse("0001:ff:1f.7").unwrap().device, 0x1f);
    for bad in [
        "",
        "0000:03:00",
        "0000:03:20.0",
        "0000:03:00.8",
        "0000:100:00.0",
        "x:y:z.w",
        "0000:03:00.0@20",
        "0000:03:00.0,msitranslate=2",
        "0000:03:00.0,frob=1",
    ] {
        assert!(PciDevice::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn save_then_continue() {
    let (mut c, mut m) = (Control::new(), Fake::default());
    assert_eq!(c.log_dirty(&mut m, "enable"), ("enable", None));
    assert_eq!(c.handle(&mut m, "save", "").state, "paused");
    assert!(c.paused());
    assert_eq!(c.log_dirty(&mut m, "disable"), ("disable", None));
    assert_eq!(c.handle(&mut m, "continue", "").state, "running");
    assert!(!c.paused());
    assert_eq!(
        m.calls,
        ["logdirty true", "save", "logdirty false", "resume"]
    );
    // continue while running (after -loadvm) resumes nothing twice
    assert_eq!(c.handle(&mut m, "continue", "").state, "running");
    assert_eq!(m.calls.len(), 4);
}

#[test]
fn pci_insert_answers_devfn_or_a_defined_failure() {
    let (mut c, mut m) = (Control::new(), Fake::default());
    let r = c.handle(
        &mut m,
        "pci-ins",
        "0000:03:00.0@06,msitranslate=0,power_mgmt=0",
    );
    assert_eq!(
        (r.state, r.parameter.as_deref()),
        ("pci-inserted", Some("0x30"))
    );
    m.refuse = true;
    let r = c.handle(&mut m, "pci-ins", "0000:03:00.0");
    assert_eq!(r.state, "pci-insert-failed");
    assert_eq!(r.log.as_deref(), Some("no PCI passthrough in this stub"));
    assert_eq!(
        c.handle(&mut m, "pci-rem", "0000:03:00.0").state,
        "pci-removed"
    );
}

#[test]
fn hostile_commands_fail_with_a_reason() {
    let (mut c, mut m) = (Control::new(), Fake::default());
    let r = c.handle(&mut m, "format-c", "");
    assert_eq!(r.state, FAILED);
    assert_eq!(
        r.log.as_deref(),
        Some("unknown device-model command \"format-c\"")
    );
    let r = c.handle(&mut m, "pci-ins", "garbage");
    assert_eq!(r.state, "pci-insert-failed");
    assert!(r.log.unwrap().contains("is not a PCI device"));
    assert_eq!(c.handle(&mut m, "pci-rem", "").state, "pci-remove-failed");
    assert!(m.calls.is_empty(), "nothing reached the machine");
    assert_eq!(c.log_dirty(&mut m, "maybe").0, "error");
    m.refuse = true;
    let r = c.handle(&mut m, "save", "");
    assert_eq!((r.state, c.paused()), ("save-failed", false));
}
