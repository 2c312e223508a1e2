//! Control: the toolstack's power requests through `control/shutdown`.
//!
//! `xl shutdown` writes `poweroff` there, `xl reboot` writes `reboot`. We watch the node,
//! acknowledge a request by clearing it (in a transaction, so a request is taken once),
//! close the devices that registered with [`on_shutdown`] (most recent first), and stop the
//! domain with the matching reason. A program that works until the request comes runs its
//! work under [`race`].

use core::future::{poll_fn, Future};
use core::pin::{pin, Pin};
use core::task::Poll;

use crate::xenstore::XsError;

/// What the toolstack asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerRequest {
    /// `poweroff` (or `halt`): stop for good.
    Poweroff,
    /// `reboot`: stop and be restarted.
    Reboot,
    /// `suspend`: save the domain (not supported: the request is refused).
    Suspend,
}

impl PowerRequest {
    /// Parses the value of `control/shutdown` (empty means no request).
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim_end_matches('\0') {
            "poweroff" | "halt" => Some(Self::Poweroff),
            "reboot" => Some(Self::Reboot),
            "suspend" => Some(Self::Suspend),
            _ => None,
        }
    }

    /// The request's name as the toolstack writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Poweroff => "poweroff",
            Self::Reboot => "reboot",
            Self::Suspend => "suspend",
        }
    }
}

/// The toolstack's request being waited for, pinned, as [`race`] takes it:
/// `let mut request: Request = pin!(wait_for_request());`.
pub type Request<'a> = Pin<&'a mut dyn Future<Output = Result<PowerRequest, XsError>>>;

/// What ended a [`race`].
#[derive(Debug)]
pub enum Raced<T> {
    /// The work ended first, with this.
    Done(T),
    /// The toolstack's request came first (or watching for it failed).
    Request(Result<PowerRequest, XsError>),
}

/// Runs `work` until it ends or `request` completes, whichever is first (the request is
/// looked at first). The request stays usable for the next race when the work wins.
pub async fn race<T>(work: impl Future<Output = T>, request: &mut Request<'_>) -> Raced<T> {
    let mut work = pin!(work);
    poll_fn(|cx| {
        if let Poll::Ready(r) = request.as_mut().poll(cx) {
            return Poll::Ready(Raced::Request(r));
        }
        work.as_mut().poll(cx).map(Raced::Done)
    })
    .await
}

#[cfg(target_os = "none")]
pub use xen::{on_shutdown, serve, shutdown, wait_for_request};

#[cfg(target_os = "none")]
mod xen {
    use alloc::boxed::Box;
    use alloc::vec::Vec;
    use core::future::Future;
    use core::pin::Pin;

    use super::PowerRequest;
    use crate::xenstore::{self, Errno, XsError};
    use crate::ShutdownReason;

    type Closer = Pin<Box<dyn Future<Output = ()> + Send>>;

    static CLOSERS: spin::Mutex<Vec<(&'static str, Closer)>> = spin::Mutex::new(Vec::new());

    const NODE: &str = "control/shutdown";

    /// Registers `close` (for example a frontend's close handshake) to run before the domain
    /// stops; `name` is logged.
    pub fn on_shutdown(name: &'static str, close: impl Future<Output = ()> + Send + 'static) {
        CLOSERS.lock().push((name, Box::pin(close)));
    }

    /// Takes the request in `control/shutdown`, if any, clearing the node.
    async fn take_request() -> Result<Option<PowerRequest>, XsError> {
        let xs = xenstore::client();
        let value = xs
            .transaction(async |tx| match tx.read(NODE).await {
                Ok(v) if !v.is_empty() => {
                    tx.write(NODE, "").await?;
                    Ok(Some(v))
                }
                Ok(_) | Err(XsError::Errno(Errno::ENOENT)) => Ok(None),
                Err(e) => Err(e),
            })
            .await?;
        Ok(value.and_then(|v| {
            let r = PowerRequest::parse(&v);
            if r.is_none() {
                log::warn!("control: ignoring unknown request {v:?}");
            }
            r
        }))
    }

    /// Waits for a poweroff or reboot request from the toolstack. Suspend requests are
    /// acknowledged and refused (logged).
    pub async fn wait_for_request() -> Result<PowerRequest, XsError> {
        let mut watch = xenstore::client().watch(NODE).await?;
        loop {
            watch.next().await?;
            let fired = crate::time::Instant::now();
            let request = take_request().await?;
            if let Some(r) = request {
                log::info!(
                    "control: {} requested (acknowledged {} us after the watch fired)",
                    r.as_str(),
                    fired.elapsed().as_micros()
                );
            }
            match request {
                Some(PowerRequest::Suspend) => {
                    log::warn!("control: suspend is not supported; request refused")
                }
                Some(r) => return Ok(r),
                None => {}
            }
        }
    }

    /// Closes the registered devices (most recent first) and stops the domain.
    pub async fn shutdown(request: PowerRequest) -> ! {
        loop {
            let next = CLOSERS.lock().pop();
            let Some((name, close)) = next else { break };
            log::info!("control: closing {name}");
            close.await;
        }
        crate::exit(match request {
            PowerRequest::Reboot => ShutdownReason::Reboot,
            _ => ShutdownReason::Poweroff,
        })
    }

    /// Serves the toolstack: waits for a request, then [`shutdown`]. If xenstore fails the
    /// domain crashes (it could not be stopped cleanly any more).
    pub async fn serve() -> ! {
        match wait_for_request().await {
            Ok(r) => shutdown(r).await,
            Err(e) => {
                log::error!("control: watching {NODE} failed: {e}");
                crate::exit(ShutdownReason::Crash)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PowerRequest;

    #[test]
    fn requests_xl_writes() {
        assert_eq!(
            PowerRequest::parse("poweroff"),
            Some(PowerRequest::Poweroff)
        );
        assert_eq!(PowerRequest::parse("halt"), Some(PowerRequest::Poweroff));
        assert_eq!(PowerRequest::parse("reboot"), Some(PowerRequest::Reboot));
        assert_eq!(PowerRequest::parse("suspend"), Some(PowerRequest::Suspend));
        assert_eq!(PowerRequest::parse(""), None);
        assert_eq!(PowerRequest::parse("crash"), None);
        for r in [
            PowerRequest::Poweroff,
            PowerRequest::Reboot,
            PowerRequest::Suspend,
        ] {
            assert_eq!(PowerRequest::parse(r.as_str()), Some(r));
        }
    }
}
