//! Byte rings: a data area of 2^n bytes and a pair of free-running indices, as the console
//! (`xencons_interface`), xenstore (`xenstore_domain_interface`) and vchan rings have them.
//! The indices and the data may live in different shared memory (vchan's larger rings).

use super::{RingError, SharedMem};

/// Where one byte ring lives: its indices in `idx` (at `cons_off` and `prod_off`), its data in
/// `data` (`size` bytes from `data_off`, `size` a power of two).
#[derive(Clone)]
pub struct ByteRing<I, D> {
    /// Memory holding the indices.
    pub idx: I,
    /// Offset of the consumer index.
    pub cons_off: usize,
    /// Offset of the producer index.
    pub prod_off: usize,
    /// Memory holding the data.
    pub data: D,
    /// Offset of the data area.
    pub data_off: usize,
    /// Bytes of the data area (a power of two).
    pub size: u32,
}

impl<I: SharedMem, D: SharedMem> ByteRing<I, D> {
    fn check(&self) -> Result<(), RingError> {
        let end = self.data_off.checked_add(self.size as usize);
        let fits = end.is_some_and(|end| end <= self.data.len())
            && self.cons_off + 4 <= self.idx.len()
            && self.prod_off + 4 <= self.idx.len();
        if fits && self.size.is_power_of_two() {
            Ok(())
        } else {
            Err(RingError::TooSmall {
                bytes: self.data.len(),
            })
        }
    }

    /// Copies between `buf` and the data area from free-running index `at`, in up to two
    /// pieces (the data area wraps).
    fn pieces(&self, at: u32, len: usize) -> [(usize, usize); 2] {
        let start = (at & (self.size - 1)) as usize;
        let first = len.min(self.size as usize - start);
        [(self.data_off + start, first), (self.data_off, len - first)]
    }
}

/// Our side of a byte ring the peer writes: we consume.
pub struct ByteReader<I, D> {
    ring: ByteRing<I, D>,
    cons: u32,
    broken: Option<RingError>,
}

impl<I: SharedMem, D: SharedMem> ByteReader<I, D> {
    /// Reads from `ring`, starting at the consumer index it holds now.
    pub fn new(ring: ByteRing<I, D>) -> Result<Self, RingError> {
        ring.check()?;
        let cons = ring.idx.load_u32(ring.cons_off);
        Ok(Self {
            ring,
            cons,
            broken: None,
        })
    }

    /// Bytes the peer produced that we have not read.
    pub fn available(&mut self) -> Result<u32, RingError> {
        if let Some(e) = self.broken {
            return Err(e);
        }
        let prod = self.ring.idx.load_u32(self.ring.prod_off);
        let ready = prod.wrapping_sub(self.cons);
        if ready > self.ring.size {
            let e = RingError::ProducerAhead {
                prod,
                cons: self.cons,
                size: self.ring.size,
            };
            self.broken = Some(e);
            return Err(e);
        }
        Ok(ready)
    }

    /// Reads up to `buf.len()` bytes; returns how many (0 if none are ready). The consumer
    /// index is published (release) after the bytes are copied out.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, RingError> {
        let n = (self.available()? as usize).min(buf.len());
        let mut done = 0;
        for (off, len) in self.ring.pieces(self.cons, n) {
            self.ring.data.read(off, &mut buf[done..done + len]);
            done += len;
        }
        self.cons = self.cons.wrapping_add(n as u32);
        self.ring.idx.store_u32(self.ring.cons_off, self.cons);
        Ok(n)
    }
}

/// Our side of a byte ring the peer reads: we produce.
pub struct ByteWriter<I, D> {
    ring: ByteRing<I, D>,
    prod: u32,
    broken: Option<RingError>,
}

impl<I: SharedMem, D: SharedMem> ByteWriter<I, D> {
    /// Writes to `ring`, starting at the producer index it holds now.
    pub fn new(ring: ByteRing<I, D>) -> Result<Self, RingError> {
        ring.check()?;
        let prod = ring.idx.load_u32(ring.prod_off);
        Ok(Self {
            ring,
            prod,
            broken: None,
        })
    }

    /// Bytes of free space.
    pub fn space(&mut self) -> Result<u32, RingError> {
        if let Some(e) = self.broken {
            return Err(e);
        }
        let cons = self.ring.idx.load_u32(self.ring.cons_off);
        let used = self.prod.wrapping_sub(cons);
        if used > self.ring.size {
            let e = RingError::ConsumerAhead {
                cons,
                prod: self.prod,
                size: self.ring.size,
            };
            self.broken = Some(e);
            return Err(e);
        }
        Ok(self.ring.size - used)
    }

    /// Bytes written and not yet consumed by the peer.
    pub fn pending(&mut self) -> Result<u32, RingError> {
        Ok(self.ring.size - self.space()?)
    }

    /// Writes as much of `data` as fits; returns how many bytes. The producer index is
    /// published (release) after the bytes are copied in.
    pub fn write(&mut self, data: &[u8]) -> Result<usize, RingError> {
        let n = (self.space()? as usize).min(data.len());
        let mut done = 0;
        for (off, len) in self.ring.pieces(self.prod, n) {
            self.ring.data.write(off, &data[done..done + len]);
            done += len;
        }
        self.prod = self.prod.wrapping_add(n as u32);
        self.ring.idx.store_u32(self.ring.prod_off, self.prod);
        Ok(n)
    }
}
