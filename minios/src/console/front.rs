//! consfront: secondary consoles, `device/console/N` for N >= 1.
//!
//! The toolstack creates them (libxl: a PV channel, or a device model's save and restore
//! streams) with `backend`, `backend-id`, `type` (`ioemu`: the domain's QEMU in dom0 serves
//! it), `output`, `limit` and, for channels, `name`. The frontend allocates and grants a
//! page holding the `xencons_interface` rings, allocates an event channel for the backend,
//! and publishes `ring-ref` and `port` with `Initialised` (QEMU's `xen_console.c` reads
//! exactly those two nodes of the frontend), then waits for `Connected`.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::stream::{Reader, Writer};
use super::{ConsoleError, PortSignal};
use crate::events::Channel;
use crate::grant::GrantedPages;
use crate::time::Duration;
use crate::xenbus::{self, Frontend};
use crate::xenstore::{self, Errno, XsError};

/// How long the backend may take to connect or to let go.
const HANDSHAKE: Duration = Duration::from_secs(20);

/// A connected secondary console.
///
/// One task uses it at a time (`&mut self`): its reads and writes share one event channel.
/// Waits are cancel-safe; bound them with [`crate::time::timeout`].
pub struct Console {
    id: u32,
    name: Option<String>,
    reader: Reader<Arc<GrantedPages>, PortSignal>,
    writer: Writer<Arc<GrantedPages>, PortSignal>,
    page: Arc<GrantedPages>,
    channel: Channel,
    frontend: Frontend<'static>,
}

/// The secondary consoles the toolstack gave us: `(id, name)`, sorted by id (`name` for PV
/// channels, `None` otherwise).
pub async fn secondary() -> Result<Vec<(u32, Option<String>)>, ConsoleError> {
    let xs = xenstore::client();
    let mut out = Vec::new();
    for (id, node) in xenbus::devices(xs, "console").await? {
        if id == 0 {
            continue;
        }
        out.push((id, optional(xs.read(&format!("{node}/name")).await)?));
    }
    Ok(out)
}

fn optional(r: Result<String, XsError>) -> Result<Option<String>, ConsoleError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(XsError::Errno(Errno::ENOENT)) => Ok(None),
        Err(e) => Err(ConsoleError::Xenbus(e.into())),
    }
}

impl Console {
    /// Connects secondary console `id` (`device/console/<id>`, `id` >= 1).
    pub async fn open(id: u32) -> Result<Self, ConsoleError> {
        if id == 0 {
            return Err(ConsoleError::PrimaryIsNotSecondary);
        }
        let xs = xenstore::client();
        let node = format!("device/console/{id}");
        let frontend = match Frontend::new(xs, &node).await {
            Err(xenbus::XenbusError::Xs(XsError::Errno(Errno::ENOENT))) => {
                return Err(ConsoleError::NoSuchConsole(format!("{id}")))
            }
            r => r?,
        };
        let name = optional(xs.read(&format!("{node}/name")).await)?;
        let backend = frontend.backend_id();
        let page = Arc::new(GrantedPages::new(backend, 1, false)?);
        let channel = Channel::alloc_unbound(backend)?;
        let signal = PortSignal(channel.port());
        let reader = Reader::new(page.clone(), signal)?;
        let writer = Writer::new(page.clone(), signal)?;
        let gref = page.grefs().next().unwrap_or_default();
        let port = channel.port().raw();
        frontend
            .connect_within(HANDSHAKE, async |tx| {
                tx.write(&format!("{node}/ring-ref"), format!("{gref}"))
                    .await?;
                tx.write(&format!("{node}/port"), format!("{port}")).await
            })
            .await?;
        Ok(Self {
            id,
            name,
            reader,
            writer,
            page,
            channel,
            frontend,
        })
    }

    /// Connects the secondary console whose `name` node is `name` (a PV channel).
    pub async fn open_named(name: &str) -> Result<Self, ConsoleError> {
        let found = secondary()
            .await?
            .into_iter()
            .find(|(_, n)| n.as_deref() == Some(name));
        match found {
            Some((id, _)) => Self::open(id).await,
            None => Err(ConsoleError::NoSuchConsole(String::from(name))),
        }
    }

    /// The console's id (N of `device/console/N`).
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The channel's name, if it is a named PV channel.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Reads at least one byte (up to `buf.len()`), waiting for the backend.
    pub async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ConsoleError> {
        Ok(self.reader.read(buf).await?)
    }

    /// Fills `buf` exactly.
    pub async fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), ConsoleError> {
        Ok(self.reader.read_exact(buf).await?)
    }

    /// Writes all of `data`, waiting while the ring is full.
    pub async fn write_all(&mut self, data: &[u8]) -> Result<(), ConsoleError> {
        Ok(self.writer.write_all(data).await?)
    }

    /// Bytes the backend sent that are ready to read now (at most the input ring's 1024: a
    /// full ring means the backend is held back by us).
    pub fn available(&mut self) -> Result<u32, ConsoleError> {
        Ok(self.reader.available()?)
    }

    /// Bytes written that the backend has not consumed yet (at most the output ring's 2048:
    /// a full ring means we are held back by the backend).
    pub fn unsent(&mut self) -> Result<u32, ConsoleError> {
        Ok(self.writer.unsent()?)
    }

    /// Waits until the backend consumed everything written.
    pub async fn flush(&mut self) -> Result<(), ConsoleError> {
        Ok(self.writer.flush().await?)
    }

    /// Signals the backend without new data: QEMU passes on output its chardev refused
    /// earlier only when the guest signals, so a writer that finished kicks until its peer
    /// confirms.
    pub fn kick(&self) {
        self.writer.kick();
    }

    /// Runs the close handshake; the page and the event channel are freed once the backend
    /// let go (the page is leaked, with a warning, if it still maps it).
    pub async fn close(self) -> Result<(), ConsoleError> {
        let r = self.frontend.close_within(HANDSHAKE).await;
        let Self {
            reader,
            writer,
            page,
            channel,
            ..
        } = self;
        drop((reader, writer, channel));
        if let Some(pages) = Arc::into_inner(page) {
            if let Err((_, e)) = pages.end() {
                log::warn!("console: ring page still in use ({e}); leaked");
            }
        }
        Ok(r?)
    }
}
