//! gnttest: grant tables on real Xen. Grants to ourselves (map, copy, end refused while
//! mapped), ref reuse past the table size, and a xenbus handshake with dom0's blkback on a
//! granted ring page (blkback maps it: ending the grant is refused until it closed). The
//! vbd is closed by control when the toolstack shuts us down (`xl shutdown`).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use minios::abi::ring::SringHeader;
use minios::abi::xen::DomId;
use minios::grant::{
    self, copy_from_grant, copy_to_grant, map_foreign, Grant, GrantError, GrantedPage, PoolPage,
};
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
    if let Err(e) = self_grants(me) {
        println!("gnttest: FAILED self grants: {e:?}");
        return;
    }
    if let Err(e) = churn(me) {
        println!("gnttest: FAILED churn: {e:?}");
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

fn self_grants(me: DomId) -> Result<(), GrantError> {
    let page = GrantedPage::new(me, false)?;
    page.page().write_bytes(0, b"written-by-owner");
    let map = map_foreign(me, page.gref(), false)?;
    let mut seen = [0u8; 16];
    map.read_bytes(0, &mut seen);
    map.write_bytes(100, b"written-through-mapping")?;
    let mut back = [0u8; 23];
    page.page().read_bytes(100, &mut back);
    println!(
        "gnttest: map rw read-ok={} write-ok={}",
        &seen == b"written-by-owner",
        &back == b"written-through-mapping"
    );
    // Mapped by a peer (us): the grant must not end.
    let page = match page.end() {
        Ok(()) => {
            println!("gnttest: end-while-mapped=ended (WRONG)");
            return Ok(());
        }
        Err((page, e)) => {
            println!("gnttest: end-while-mapped={e:?}");
            page
        }
    };
    map.unmap()?;
    // Grant copy both ways through the same grant.
    let msg = b"copied-by-xen";
    copy_to_grant(msg, me, page.gref(), 2000)?;
    let mut via_page = [0u8; 13];
    page.page().read_bytes(2000, &mut via_page);
    let mut via_copy = [0u8; 16];
    copy_from_grant(me, page.gref(), 0, &mut via_copy)?;
    let crossing = copy_from_grant(me, page.gref(), 4000, &mut [0u8; 200]);
    println!(
        "gnttest: copy to-ok={} from-ok={} crossing={crossing:?}",
        &via_page == msg,
        &via_copy == b"written-by-owner"
    );
    println!(
        "gnttest: end-after-unmap={:?}",
        page.end().map_err(|(_, e)| e)
    );

    // Read-only: a read-only mapping works and refuses writes; a writable one is refused.
    let ro = GrantedPage::new(me, true)?;
    let rw_of_ro = map_foreign(me, ro.gref(), false).map(drop);
    let map = map_foreign(me, ro.gref(), true)?;
    let write = map.write_bytes(0, b"x");
    map.unmap()?;
    println!("gnttest: readonly rw-map={rw_of_ro:?} ro-write={write:?}");
    Ok(())
}

/// More grants, one after the other, than the table has entries: refs are reused.
fn churn(me: DomId) -> Result<(), GrantError> {
    let total = grant::nr_entries()? as usize * 3;
    let page = PoolPage::alloc()?;
    for _ in 0..total {
        let g = Grant::new(me, &page, true)?;
        g.end().map_err(|(_, e)| e)?;
    }
    println!("gnttest: churn grants={total}");
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
