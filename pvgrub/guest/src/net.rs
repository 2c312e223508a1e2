//! `(nd)`: the guest's first vif, configured by DHCP, and files read from the TFTP server
//! the DHCP reply names (its next-server, else its TFTP server name as an address, else the
//! DHCP server itself).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::Ipv4Addr;

use minios::net::{Lease, Stack, StackError};
use minios::println;
use minios::tftp::{self, Options};
use minios::time::Duration;

/// How long DHCP may take.
const DHCP_LIMIT: Duration = Duration::from_secs(20);

/// The network, up.
pub struct NetBoot {
    stack: Stack,
    lease: Lease,
    server: Ipv4Addr,
}

impl NetBoot {
    /// DHCP on the first vif.
    pub async fn up() -> Result<NetBoot, StackError> {
        let stack = Stack::open("dhcp", DHCP_LIMIT).await?;
        let lease = stack.lease().cloned().ok_or_else(|| StackError::NoLease {
            node: stack.node().into(),
            secs: DHCP_LIMIT.as_secs(),
        })?;
        let server = lease
            .next_server
            .or_else(|| lease.tftp_server.as_deref().and_then(|s| s.parse().ok()))
            .unwrap_or(lease.server);
        println!(
            "pv-grub: network: {} by DHCP from {}, TFTP server {server}",
            lease.address, lease.server
        );
        Ok(NetBoot {
            stack,
            lease,
            server,
        })
    }

    /// The lease DHCP gave.
    pub fn lease(&self) -> &Lease {
        &self.lease
    }

    /// Reads `path` from the TFTP server, at most `max` bytes.
    pub async fn fetch(&mut self, path: &[u8], max: usize) -> Result<Vec<u8>, String> {
        let name = core::str::from_utf8(path).map_err(|_| "the path is not UTF-8")?;
        let opts = Options {
            max_size: max as u64,
            ..Options::default()
        };
        let mut data = Vec::new();
        let server = self.server;
        let got = tftp::fetch(&mut self.stack, server, name, opts, &mut |d| {
            data.try_reserve(d.len()).map_err(|_| "out of memory")?;
            data.extend_from_slice(d);
            Ok(())
        })
        .await
        .map_err(|e| format!("(nd){name} from {server}: {e}"))?;
        log::info!("(nd){name}: {} bytes in {} blocks", got.size, got.blocks);
        Ok(data)
    }

    /// Closes the vif and hands it over, so that the booted kernel's netfront connects.
    pub async fn close(self) {
        self.stack.net().close().await;
        crate::handover::hand_over(self.stack.node()).await;
    }
}
