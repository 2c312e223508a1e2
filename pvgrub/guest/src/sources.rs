//! Where files come from: the guest's disks, the ramdisk, or `(nd)` over TFTP.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use minios::println;
use pvgrub::boot::{Disks, FoundMenu, MAX_KERNEL_FILE};
use pvgrub::image::{self, KernelImage, Limits};
use pvgrub::menu::{
    Device, FilePath, Menu, MenuFormat, MenuLocation, MenuLocationError, Text, MAX_MENU_BYTES,
};
use pvgrub::text::escape;

use crate::disks::{self, Vbd};
use crate::net::NetBoot;

/// The biggest initrd read.
const MAX_INITRD: usize = 1 << 30;

/// The menu found, wherever it came from.
pub type Found = FoundMenu;

/// `(hd0,0)/boot/grub/menu.lst` style name of a found menu.
pub trait Named {
    /// The menu's device and path.
    fn name(&self) -> String;
}

impl Named for Found {
    fn name(&self) -> String {
        format!("{}{}", self.device, escape(self.path.as_bytes()))
    }
}

/// The guest's disks and, once asked for, its network.
pub struct Sources {
    disks: Disks<Vbd>,
    vbds: Vec<Vbd>,
    net: Option<NetBoot>,
    closed: bool,
}

impl Sources {
    /// Opens every vbd (the network comes up when a file needs it).
    pub async fn open() -> Self {
        let vbds = disks::open_all().await.unwrap_or_else(|e| {
            println!("pv-grub: {e}");
            Vec::new()
        });
        Self {
            disks: Disks::new(vbds.clone()),
            vbds,
            net: None,
            closed: false,
        }
    }

    /// Whether the devices were closed for a switch that then failed.
    pub fn closed(&self) -> bool {
        self.closed
    }

    /// The network, brought up (DHCP) on first use.
    async fn net(&mut self) -> Result<&mut NetBoot, String> {
        if self.net.is_none() {
            let net = NetBoot::up()
                .await
                .map_err(|e| format!("(nd): no network: {e}"))?;
            self.net = Some(net);
        }
        self.net
            .as_mut()
            .ok_or_else(|| String::from("(nd): no network"))
    }

    /// Finds the menu the command line and ramdisk name (pvgrub's `MenuLocation` rules):
    /// a disk path, `(nd)`, the ramdisk, or with neither extra nor ramdisk the file DHCP
    /// option 150 names, else pygrub's search of every disk.
    pub async fn find_menu(
        &mut self,
        cmdline: &str,
        ramdisk: Option<&'static [u8]>,
    ) -> Result<Found, String> {
        let location = MenuLocation::from_cmdline(cmdline, ramdisk.is_some())
            .map_err(|e| format!("extra={cmdline:?}: {e}"))?;
        match location {
            MenuLocation::Disk { device, path } => self.disk_menu(&device, &path),
            MenuLocation::Network { path } => self.net_menu(path).await,
            MenuLocation::Ramdisk => {
                let text = ramdisk.unwrap_or_default().to_vec();
                println!("pv-grub: the ramdisk is the menu ({} bytes)", text.len());
                let format = if text.windows(9).any(|w| w == b"menuentry") {
                    MenuFormat::GrubCfg
                } else {
                    MenuFormat::MenuLst
                };
                Ok(Found {
                    device: Device::Disk {
                        drive: 0,
                        partition: Some(0),
                        bsd_slice: None,
                    },
                    path: Text::from(&b"(ramdisk)"[..]),
                    format,
                    text,
                    passed_over: Vec::new(),
                })
            }
            MenuLocation::Dhcp => self.dhcp_menu().await,
        }
    }

    fn disk_menu(&mut self, device: &Device, path: &Text) -> Result<Found, String> {
        self.disks
            .read_menu(device, path)
            .map_err(|e| format!("cannot read the menu: {e}"))
    }

    async fn net_menu(&mut self, path: Text) -> Result<Found, String> {
        let text = self
            .net()
            .await?
            .fetch(path.as_bytes(), MAX_MENU_BYTES)
            .await?;
        Ok(Found {
            device: Device::Network,
            format: MenuFormat::from_path(&path),
            path,
            text,
            passed_over: Vec::new(),
        })
    }

    /// No extra, no ramdisk: DHCP option 150, else the disks' menus.
    async fn dhcp_menu(&mut self) -> Result<Found, String> {
        let named = match self.net().await {
            Ok(net) => match net.lease().config_file.clone() {
                Some(name) => Some(name),
                None => {
                    println!("pv-grub: the DHCP reply names no menu (option 150)");
                    None
                }
            },
            Err(e) => {
                println!("pv-grub: {e}");
                None
            }
        };
        if let Some(name) = named {
            println!("pv-grub: DHCP option 150 names the menu {name:?}");
            return match MenuLocation::parse_path(name.as_bytes()) {
                Ok(MenuLocation::Disk { device, path }) => self.disk_menu(&device, &path),
                Ok(MenuLocation::Network { path }) => self.net_menu(path).await,
                // A path without a device is on the TFTP server.
                Err(MenuLocationError::NoDevice) => {
                    self.net_menu(Text::from(name.as_bytes())).await
                }
                Ok(_) => Err(format!("option 150 {name:?} is not a file")),
                Err(e) => Err(format!("option 150 {name:?}: {e}")),
            };
        }
        println!("pv-grub: searching the disks for a menu, as pygrub does");
        self.disks
            .search_menu()
            .map_err(|e| format!("no menu on any disk: {e}"))
    }

    /// The saved default entry (`default saved`), for a menu on a disk.
    pub fn saved_entry(&mut self, found: &Found, menu: &Menu) -> Option<usize> {
        match found.device {
            Device::Disk { .. } => self.disks.saved_entry(found, menu),
            _ => None,
        }
    }

    /// Reads and unpacks an entry's kernel (a path without a device is on `root`).
    pub async fn load_kernel(
        &mut self,
        root: &Device,
        file: &FilePath,
    ) -> Result<KernelImage<'static>, String> {
        let device = file.device.clone().unwrap_or_else(|| root.clone());
        let limits = Limits::DEFAULT;
        let (image, len) = if device == Device::Network {
            let data = self
                .net()
                .await?
                .fetch(file.path.as_bytes(), MAX_KERNEL_FILE)
                .await?;
            let len = data.len() as u64;
            let image =
                image::load_owned(data, &limits).map_err(|e| format!("kernel {file}: {e}"))?;
            (image, len)
        } else {
            let loaded = self
                .disks
                .load_kernel(&device, file, &limits)
                .map_err(|e| format!("kernel: {e}"))?;
            (loaded.image, loaded.file_len)
        };
        println!(
            "pv-grub: loaded: {} {}, {len} bytes read, {} bytes of ELF",
            image.format.name(),
            image.compression.map_or("uncompressed", |c| c.name()),
            image.elf.len()
        );
        Ok(image)
    }

    /// Reads an entry's initrd (a path without a device is on `root`).
    pub async fn read_file(&mut self, root: &Device, file: &FilePath) -> Result<Vec<u8>, String> {
        let device = file.device.clone().unwrap_or_else(|| root.clone());
        let data = if device == Device::Network {
            self.net()
                .await?
                .fetch(file.path.as_bytes(), MAX_INITRD)
                .await?
        } else {
            self.disks
                .read_entry_file(root, file, MAX_INITRD)
                .map_err(|e| format!("initrd: cannot read {e}"))?
        };
        println!("pv-grub: initrd {file} ({} bytes)", data.len());
        Ok(data)
    }

    /// Closes every device, so that the booted kernel's own frontends can connect.
    pub async fn close(&mut self) {
        for v in &self.vbds {
            v.close().await;
        }
        if let Some(net) = self.net.take() {
            net.close().await;
        }
        self.closed = true;
    }
}
