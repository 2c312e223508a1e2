//! A console page (`xencons_interface`) as two byte streams: the output ring we produce
//! and the backend consumes, the input ring the backend produces and we consume. The same
//! code serves the primary console (xenconsoled) and the secondary ones (consfront, QEMU).
//!
//! Flow control both ways: a writer facing a full ring tells the backend and waits until it
//! signals (it signals after consuming); a reader tells the backend after consuming, so a
//! backend waiting for room in the input ring goes on. A backend that breaks the ring's
//! indices is a [`RingError`] for this console, from then on.

use core::future::Future;
use core::mem::offset_of;

use crate::abi::console::{XenconsInterface, XENCONS_IN_SIZE, XENCONS_OUT_SIZE};
use crate::ring::{ByteReader, ByteRing, ByteWriter, RingError, SharedMem};

/// The output ring of a console page in `mem`.
pub(crate) fn out_ring<M: SharedMem + Clone>(mem: M) -> ByteRing<M, M> {
    ByteRing {
        idx: mem.clone(),
        cons_off: offset_of!(XenconsInterface, out_cons),
        prod_off: offset_of!(XenconsInterface, out_prod),
        data: mem,
        data_off: offset_of!(XenconsInterface, out),
        size: XENCONS_OUT_SIZE as u32,
    }
}

/// The input ring of a console page in `mem`.
pub(crate) fn in_ring<M: SharedMem + Clone>(mem: M) -> ByteRing<M, M> {
    ByteRing {
        idx: mem.clone(),
        cons_off: offset_of!(XenconsInterface, in_cons),
        prod_off: offset_of!(XenconsInterface, in_prod),
        data: mem,
        data_off: offset_of!(XenconsInterface, r#in),
        size: XENCONS_IN_SIZE as u32,
    }
}

/// How a console signals its backend and waits for it: its event channel.
pub trait Signal {
    /// Tells the backend there is news (output produced, or input consumed).
    fn notify(&self);
    /// Completes when the backend signalled since the last completed wait (or spuriously).
    fn wait(&self) -> impl Future<Output = ()>;
}

/// The input half: bytes the backend sends us.
pub struct Reader<M, S> {
    ring: ByteReader<M, M>,
    signal: S,
}

impl<M: SharedMem + Clone, S: Signal> Reader<M, S> {
    /// Reads the input ring of the console page in `mem`, from the consumer index it holds.
    pub fn new(mem: M, signal: S) -> Result<Self, RingError> {
        Ok(Self {
            ring: ByteReader::new(in_ring(mem))?,
            signal,
        })
    }

    /// Bytes ready to read now.
    pub fn available(&mut self) -> Result<u32, RingError> {
        self.ring.available()
    }

    /// Reads what is ready, up to `buf.len()` bytes, without waiting (0 if none is).
    pub fn try_read(&mut self, buf: &mut [u8]) -> Result<usize, RingError> {
        let n = self.ring.read(buf)?;
        if n > 0 {
            self.signal.notify();
        }
        Ok(n)
    }

    /// Reads at least one byte (up to `buf.len()`), waiting for the backend while the ring
    /// is empty. Cancel-safe: dropped while waiting, it has consumed nothing.
    pub async fn read(&mut self, buf: &mut [u8]) -> Result<usize, RingError> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let n = self.try_read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            self.signal.wait().await;
        }
    }

    /// Fills `buf` exactly.
    pub async fn read_exact(&mut self, mut buf: &mut [u8]) -> Result<(), RingError> {
        while !buf.is_empty() {
            let n = self.read(buf).await?;
            buf = &mut buf[n..];
        }
        Ok(())
    }

    /// The event channel side, to wait on it directly (the key reader's quiet period).
    pub fn signal(&self) -> &S {
        &self.signal
    }
}

/// The output half: bytes we send the backend.
pub struct Writer<M, S> {
    ring: ByteWriter<M, M>,
    signal: S,
}

impl<M: SharedMem + Clone, S: Signal> Writer<M, S> {
    /// Writes the output ring of the console page in `mem`, from the producer index it
    /// holds.
    pub fn new(mem: M, signal: S) -> Result<Self, RingError> {
        Ok(Self {
            ring: ByteWriter::new(out_ring(mem))?,
            signal,
        })
    }

    /// Writes all of `data`, waiting for the backend to make room whenever the ring is
    /// full. Dropped while waiting, a prefix of `data` has been sent.
    pub async fn write_all(&mut self, mut data: &[u8]) -> Result<(), RingError> {
        while !data.is_empty() {
            let n = self.ring.write(data)?;
            if n > 0 {
                self.signal.notify();
                data = &data[n..];
            } else {
                self.signal.wait().await;
            }
        }
        Ok(())
    }

    /// Bytes written that the backend has not consumed yet.
    pub fn unsent(&mut self) -> Result<u32, RingError> {
        self.ring.pending()
    }

    /// Waits until the backend consumed everything written.
    pub async fn flush(&mut self) -> Result<(), RingError> {
        while self.unsent()? > 0 {
            self.signal.notify();
            self.signal.wait().await;
        }
        Ok(())
    }

    /// Signals the backend without new data (QEMU's console backend retries output it
    /// could not pass on only when the guest signals).
    pub fn kick(&self) {
        self.signal.notify();
    }
}
