//! pygrub's menu search over the guest's disks.

use alloc::vec::Vec;

use super::disks::Disks;
use super::error::{Attempt, FileErrorKind, Miss, OpenError, SearchFailed};
use crate::disk::{BlockDevice, Window};
use crate::fs::FsError;
use crate::menu::{Device, MenuFormat, Text, MAX_MENU_BYTES, SEARCH_PATHS};

/// A menu file found on a disk.
#[derive(Debug)]
pub struct FoundMenu {
    /// The device it is on.
    pub device: Device,
    /// Its path there.
    pub path: Text,
    /// The syntax it is written in.
    pub format: MenuFormat,
    /// Its contents (at most [`MAX_MENU_BYTES`]).
    pub text: Vec<u8>,
    /// Devices tried before it, and why they gave no menu (each also logged as a warning
    /// where it was an error rather than an absence).
    pub passed_over: Vec<Attempt>,
}

impl<D: BlockDevice + Clone + 'static> Disks<D> {
    /// Searches every partition of every disk, in order, for the first of
    /// [`SEARCH_PATHS`] that exists and can be read.
    pub fn search_menu(&mut self) -> Result<FoundMenu, SearchFailed> {
        let mut tried = Vec::new();
        for drive in 0..u32::try_from(self.count()).unwrap_or(u32::MAX) {
            let devices = match self.devices(drive) {
                Ok(devices) => devices,
                Err(e) => {
                    let miss = match e {
                        OpenError::Table(t) => Miss::Table(t),
                        other => Miss::Open(alloc::rc::Rc::new(other)),
                    };
                    tried.push(note(hd(drive), miss));
                    continue;
                }
            };
            let mut seen: Vec<(Window, Device)> = Vec::new();
            for device in devices {
                // A partition over the same bytes as one already tried holds the same
                // filesystem (8192 GPT entries may all name one): it is not read again.
                let window = self.window_of(&device);
                if let Some((_, first)) = seen.iter().find(|(w, _)| Some(*w) == window) {
                    tried.push(note(device, Miss::SameAs(first.clone())));
                    continue;
                }
                if let Some(w) = window {
                    seen.push((w, device.clone()));
                }
                match self.menu_on(&device) {
                    Ok((path, format, text)) => {
                        return Ok(FoundMenu {
                            device,
                            path: path.into(),
                            format,
                            text,
                            passed_over: tried,
                        })
                    }
                    Err(misses) => {
                        tried.extend(misses.into_iter().map(|m| note(device.clone(), m)))
                    }
                }
            }
        }
        Err(SearchFailed { tried })
    }

    /// The first menu file on `device`, or why there is none (every unreadable file, or
    /// one `NoMenuFile`).
    fn menu_on(
        &mut self,
        device: &Device,
    ) -> Result<(&'static str, MenuFormat, Vec<u8>), Vec<Miss>> {
        let mut misses = Vec::new();
        for &(path, format) in SEARCH_PATHS {
            match self.read_file(device, path.as_bytes(), MAX_MENU_BYTES) {
                Ok(text) => return Ok((path, format, text)),
                Err(e) => match e.kind {
                    FileErrorKind::Open(open) => return Err(alloc::vec![Miss::Open(open)]),
                    FileErrorKind::Read(FsError::NotFound | FsError::NotADirectory) => {}
                    FileErrorKind::Read(error) => misses.push(Miss::Unreadable { path, error }),
                },
            }
        }
        if misses.is_empty() {
            misses.push(Miss::NoMenuFile);
        }
        Err(misses)
    }
}

fn hd(drive: u32) -> Device {
    Device::Disk {
        drive,
        partition: None,
        bsd_slice: None,
    }
}

/// An attempt, logged when it is an error (an absent menu file is not).
fn note(device: Device, miss: Miss) -> Attempt {
    let attempt = Attempt { device, miss };
    if !matches!(attempt.miss, Miss::NoMenuFile | Miss::SameAs(_)) {
        log::warn!("menu search: {attempt}");
    }
    attempt
}
