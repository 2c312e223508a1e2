//! What the domain tells dom0 through xenstore, under its `data/echo/`:
//! - `state`: `starting`; `serving port=P addr=A.B.C.D/N conns=N window=BYTES`; after the
//!   vif closed, `closed failed=N stuck=N handshake=B grants-before=N grants-now=N` (by us,
//!   for shutdown) or `vif-gone` with the same fields and `error="..."` last; `no-vif`,
//!   `no-network error="..."`, `not-serving error="..."`, `bad-config error="..."`.
//! - `last-vif`: how the last vif ended (the `closed` or `vif-gone` line of `state`), kept
//!   while `state` moves on.
//! - `ping` -> `pong`: whatever is written to `ping` is copied to `pong`, showing the
//!   domain is alive and answering (a health check for the toolstack side).

use minios::xenstore::{self, Errno, XsError};
use minios::{println, sched};

const STATE: &str = "data/echo/state";
const LAST_VIF: &str = "data/echo/last-vif";
const PING: &str = "data/echo/ping";
const PONG: &str = "data/echo/pong";

/// Writes `state`.
pub async fn set(state: &str) {
    write(STATE, state).await;
}

/// Writes `state`, and `last-vif` with it (how a vif ended).
pub async fn set_vif_end(state: &str) {
    write(LAST_VIF, state).await;
    write(STATE, state).await;
}

async fn write(node: &str, value: &str) {
    if let Err(e) = xenstore::client().write(node, value).await {
        println!("echo: writing {node} = {value}: {e}");
    }
}

/// Creates the nodes (ours, so that dom0's writes keep our permissions) and starts
/// answering pings.
pub async fn start() {
    set("starting").await;
    let xs = xenstore::client();
    for node in [PING, PONG] {
        if let Err(e) = xs.write(node, "").await {
            println!("echo: creating {node}: {e}");
        }
    }
    sched::spawn(async {
        if let Err(e) = answer_pings().await {
            println!("echo: no more answers to {PING}: {e}");
        }
    });
}

async fn answer_pings() -> Result<(), XsError> {
    let xs = xenstore::client();
    let mut watch = xs.watch(PING).await?;
    loop {
        watch.next().await?;
        match xs.read(PING).await {
            Ok(v) if !v.is_empty() => xs.write(PONG, v).await?,
            Ok(_) | Err(XsError::Errno(Errno::ENOENT)) => {}
            Err(e) => return Err(e),
        }
    }
}
