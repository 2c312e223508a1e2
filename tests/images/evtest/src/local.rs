//! A loopback channel inside the domain: two tasks notify each other in turn.

use minios::abi::xen::DOMID_SELF;
use minios::events::{self, Channel};
use minios::println;
use minios::sched;
use minios::time::{self, Duration, Instant};

/// `rounds` ping-pongs between two tasks over a channel bound to ourselves.
pub async fn ping_pong(rounds: u32) {
    let (a, b) = match connect() {
        Ok(pair) => pair,
        Err(e) => {
            println!("evtest: local FAILED {e}");
            return;
        }
    };
    // Xen marks a freshly bound port pending (see events::bind_interdomain): take that one
    // first, so the counts below are exact.
    if time::timeout(Duration::from_secs(5), b.wait())
        .await
        .is_err()
    {
        println!("evtest: local FAILED no bind-time event in 5 s");
        return;
    }
    println!(
        "evtest: local status a={:?} b={:?}",
        events::status(a.port()),
        events::status(b.port())
    );
    let start = Instant::now();
    let ponger = sched::spawn(async move {
        let mut got = 0u32;
        while got < rounds {
            b.wait().await;
            got += 1;
            if b.notify().is_err() {
                break;
            }
        }
        got
    });
    let mut pongs = 0u32;
    for _ in 0..rounds {
        if a.notify().is_err() {
            break;
        }
        if time::timeout(Duration::from_secs(5), a.wait())
            .await
            .is_err()
        {
            break;
        }
        pongs += 1;
    }
    let pings = ponger.await;
    let us = start.elapsed().as_micros() as u64;
    println!(
        "evtest: local rounds={rounds} pings={pings} pongs={pongs} us_per_round={}",
        us / u64::from(rounds.max(1))
    );
}

fn connect() -> Result<(Channel, Channel), events::EventError> {
    let a = Channel::alloc_unbound(DOMID_SELF)?;
    let b = Channel::bind_interdomain(DOMID_SELF, a.port().raw())?;
    Ok((a, b))
}
