//! gnttest: grant tables on real Xen. Grants that dom0 maps (it checks the page and writes
//! to it; ending a grant is refused while dom0 maps it), the same page granted to ourselves
//! (map, copy), read-only grants, ref reuse past the table size, and a xenbus handshake with
//! dom0's blkback on a granted ring page (blkback maps it: ending the grant is refused until it
//! closed). The vbd is closed by control when the toolstack shuts us down (`xl shutdown`).
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

mod dom0;

use alloc::format;
use minios::abi::ring::SringHeader;
use minios::abi::xen::DomId;
use minios::grant::{self, map_foreign, Grant, GrantError, GrantedPage, PoolPage};
use minios::println;
use minios::xenbus::Frontend;
use minios::xenstore::{self, XsError};
use minios::{control, events};

minios::main!(async main);

async fn main() {
    let me: DomId = match xenstore::domid() {
        Ok(d) => d,
        Err(e) => {
            println!("gnttest: FAILED domid: {e}");
            return;
        }
    };
    println!("gnttest: entries={:?} domid={me}", grant::nr_entries());
    // First, so that the grants below get reused refs.
    if let Err(e) = churn(me) {
        println!("gnttest: FAILED churn: {e}");
        return;
    }
    if let Err(e) = dom0::grants(xenstore::client(), me).await {
        println!("gnttest: FAILED grants with dom0: {e}");
        return;
    }
    if let Err(e) = readonly(me) {
        println!("gnttest: FAILED read-only grants: {e}");
        return;
    }
    if let Err(e) = blkback().await {
        println!("gnttest: FAILED blkback: {e}");
        return;
    }
    println!("gnttest: done; waiting for the toolstack");
    match control::wait_for_request().await {
        Ok(r) => {
            println!("gnttest: exiting: the toolstack asked for {}", r.as_str());
            control::shutdown(r).await
        }
        Err(e) => println!("gnttest: FAILED control: {e}"),
    }
}

/// A read-only grant to ourselves: a writable mapping is refused, a read-only one refuses
/// writes.
fn readonly(me: DomId) -> Result<(), GrantError> {
    let ro = GrantedPage::new(me, true)?;
    let rw_of_ro = map_foreign(me, ro.gref(), false).map(drop);
    let map = map_foreign(me, ro.gref(), true)?;
    let write = map.write_bytes(0, b"x");
    map.unmap()?;
    println!("gnttest: readonly rw-map={rw_of_ro:?} ro-write={write:?}");
    Ok(())
}

/// More grants, one after the other, than the table has entries (three times as many):
/// refs are reused. Prints how many were made and ended.
fn churn(me: DomId) -> Result<(), GrantError> {
    let total = grant::nr_entries()? as usize * 3;
    let page = PoolPage::alloc()?;
    let mut done = 0u32;
    for _ in 0..total {
        let g = Grant::new(me, &page, true)?;
        g.end().map_err(|(_, e)| e)?;
        done += 1;
    }
    println!("gnttest: churn grants={done}");
    Ok(())
}

/// The xenbus handshake with blkback on our first vbd, with a granted ring.
async fn blkback() -> Result<(), XsError> {
    let xs = xenstore::client();
    let vbds = xs.directory("device/vbd").await?;
    let Some(first) = vbds.first() else {
        println!("gnttest: no vbd");
        return Ok(());
    };
    let fe = Frontend::new(xs, &format!("device/vbd/{first}"))
        .await
        .map_err(|e| {
            println!("gnttest: frontend {e:?}");
            XsError::Disconnected
        })?;
    let ring = GrantedPage::new(fe.backend_id(), false).map_err(|_| XsError::Disconnected)?;
    // SHARED_RING_INIT: producers 0, events at 1.
    ring.page()
        .store_u32(core::mem::offset_of!(SringHeader, req_event), 1);
    ring.page()
        .store_u32(core::mem::offset_of!(SringHeader, rsp_event), 1);
    let port =
        events::Channel::alloc_unbound(fe.backend_id()).map_err(|_| XsError::Disconnected)?;
    let node = fe.node();
    let r = fe
        .connect(async |tx| {
            tx.write(&format!("{node}/ring-ref"), format!("{}", ring.gref()))
                .await?;
            tx.write(
                &format!("{node}/event-channel"),
                format!("{}", port.port().raw()),
            )
            .await?;
            tx.write(&format!("{node}/protocol"), "x86_64-abi").await
        })
        .await;
    if let Err(e) = r {
        println!("gnttest: connect {e:?}");
        return Err(XsError::Disconnected);
    }
    let sectors = xs.read(&format!("{}/sectors", fe.backend())).await?;
    println!(
        "gnttest: blkback connected backend={} sectors={sectors}",
        fe.backend()
    );
    let ring = match ring.end() {
        Ok(()) => {
            println!("gnttest: ring end-while-connected=ended (WRONG)");
            return Ok(());
        }
        Err((ring, e)) => {
            println!("gnttest: ring end-while-connected={e:?}");
            ring
        }
    };
    // The device is closed by control when the toolstack shuts us down.
    control::on_shutdown("vbd", async move {
        if let Err(e) = fe.close().await {
            println!("gnttest: close {e:?}");
        }
        println!(
            "gnttest: ring end-after-close={:?}",
            ring.end().map_err(|(_, e)| e)
        );
        drop(port);
    });
    Ok(())
}
