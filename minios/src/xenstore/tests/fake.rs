//! A small in-memory xenstored for host tests: enough of the protocol to exercise the client
//! (nodes, permissions as opaque strings, watches, transactions that conflict on any
//! outside write), with rings of xenstored's real size and scripted misbehaviour.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::ring::RingError;
use crate::xenstore::client::Transport;
use crate::xenstore::wire::{fields, Header, HEADER_LEN};

const RING: usize = 1024;

#[derive(Default)]
pub struct Server {
    pub nodes: BTreeMap<String, Vec<u8>>,
    pub private: Vec<String>,
    watches: Vec<(String, String)>,
    generation: u64,
    txs: BTreeMap<u32, (u64, BTreeMap<String, Vec<u8>>)>,
    next_tx: u32,
    req: Vec<u8>,
    rsp: VecDeque<u8>,
    /// Replies are held back and sent in reverse order once this many are queued.
    pub reverse_batch: usize,
    held: Vec<Vec<u8>>,
    /// Raw bytes sent before the next reply.
    pub inject: Vec<u8>,
    /// An outside write applied when the next transaction asks to commit.
    pub conflict_on_commit: Option<(String, Vec<u8>)>,
    /// Most bytes one `read` returns.
    pub chunk: usize,
    pub notifies: usize,
    pub commits: usize,
    /// The ring is broken: reads fail with this error.
    pub broken: Option<RingError>,
}

#[derive(Clone)]
pub struct Fake(pub Arc<Mutex<Server>>);

impl Fake {
    pub fn new() -> Self {
        let mut s = Server {
            chunk: RING,
            next_tx: 1,
            ..Default::default()
        };
        s.nodes
            .insert("/local/domain/7/domid".into(), b"7".to_vec());
        Self(Arc::new(Mutex::new(s)))
    }
}

fn abs(p: &str) -> String {
    if p.starts_with('/') {
        p.to_string()
    } else {
        format!("/local/domain/7/{p}")
    }
}

pub fn msg(kind: u32, req_id: u32, tx_id: u32, payload: &[u8]) -> Vec<u8> {
    let h = Header {
        kind,
        req_id,
        tx_id,
        len: payload.len() as u32,
    };
    let mut m = h.to_bytes().to_vec();
    m.extend_from_slice(payload);
    m
}

impl Server {
    /// A write from another domain (fires watches, conflicts with open transactions).
    pub fn outside_write(&mut self, path: &str, value: &[u8]) {
        self.nodes.insert(path.to_string(), value.to_vec());
        self.generation += 1;
        self.fire(path);
    }

    /// A removal by another domain (fires watches).
    pub fn outside_rm(&mut self, path: &str) {
        self.nodes.remove(path);
        self.generation += 1;
        self.fire(path);
    }

    fn fire(&mut self, path: &str) {
        let hits: Vec<_> = self
            .watches
            .iter()
            .filter(|(w, _)| path == w || path.starts_with(&format!("{w}/")))
            .cloned()
            .collect();
        for (_, token) in hits {
            let ev = [path.as_bytes(), b"\0", token.as_bytes(), b"\0"].concat();
            self.rsp.extend(msg(15, 0, 0, &ev));
        }
    }

    fn reply(&mut self, m: Vec<u8>) {
        self.rsp.extend(std::mem::take(&mut self.inject));
        if self.reverse_batch > 0 {
            self.held.push(m);
            if self.held.len() == self.reverse_batch {
                while let Some(m) = self.held.pop() {
                    self.rsp.extend(m);
                }
                self.reverse_batch = 0;
            }
        } else {
            self.rsp.extend(m);
        }
    }

    fn handle(&mut self, h: Header, p: &[u8]) {
        let f: Vec<&[u8]> = fields(p).collect();
        let path = f.first().map(|b| abs(std::str::from_utf8(b).unwrap()));
        let err = |s: &mut Self, name: &str| {
            let m = msg(16, h.req_id, h.tx_id, format!("{name}\0").as_bytes());
            s.reply(m)
        };
        // Like xenstored, a watch (4) or unwatch (5) is not checked against permissions.
        if let Some(p) = path.as_ref().filter(|_| !matches!(h.kind, 4 | 5)) {
            if self.private.contains(p) {
                return err(self, "EACCES");
            }
        }
        let ok = |s: &mut Self, payload: &[u8]| {
            let m = msg(h.kind, h.req_id, h.tx_id, payload);
            s.reply(m)
        };
        let mut store = match self.txs.get(&h.tx_id) {
            Some((_, nodes)) => nodes.clone(),
            None => self.nodes.clone(),
        };
        match h.kind {
            2 => match store.get(&path.unwrap()) {
                Some(v) => ok(self, &v.clone()),
                None => err(self, "ENOENT"),
            },
            11 | 12 => {
                let path = path.unwrap();
                let at = p.iter().position(|&b| b == 0).unwrap() + 1;
                if h.kind == 11 || !store.contains_key(&path) {
                    store.insert(
                        path.clone(),
                        if h.kind == 11 {
                            p[at..].to_vec()
                        } else {
                            vec![]
                        },
                    );
                }
                self.commit_store(h.tx_id, store, &path);
                ok(self, b"OK\0")
            }
            13 => {
                let path = path.unwrap();
                store.retain(|k, _| k != &path && !k.starts_with(&format!("{path}/")));
                self.commit_store(h.tx_id, store, &path);
                ok(self, b"OK\0")
            }
            1 => {
                let path = path.unwrap();
                let pre = format!("{path}/");
                let mut kids: Vec<String> = store
                    .keys()
                    .filter_map(|k| k.strip_prefix(&pre))
                    .map(|k| k.split('/').next().unwrap().to_string())
                    .collect();
                kids.dedup();
                let out: Vec<u8> = kids
                    .iter()
                    .flat_map(|k| [k.as_bytes(), b"\0"].concat())
                    .collect();
                ok(self, &out)
            }
            3 => ok(self, b"b7\0r0\0"),
            14 => ok(self, b"OK\0"),
            4 => {
                let token = std::str::from_utf8(f[1]).unwrap().to_string();
                let path = path.unwrap();
                ok(self, b"OK\0");
                let ev = [path.as_bytes(), b"\0", token.as_bytes(), b"\0"].concat();
                self.rsp.extend(msg(15, 0, 0, &ev));
                self.watches.push((path, token));
            }
            5 => {
                let token = std::str::from_utf8(f[1]).unwrap().to_string();
                self.watches.retain(|(_, t)| t != &token);
                ok(self, b"OK\0")
            }
            6 => {
                let id = self.next_tx;
                self.next_tx += 1;
                self.txs.insert(id, (self.generation, self.nodes.clone()));
                ok(self, format!("{id}\0").as_bytes())
            }
            7 => {
                if let Some((path, value)) = self.conflict_on_commit.take() {
                    self.outside_write(&path, &value);
                }
                let Some((gen, nodes)) = self.txs.remove(&h.tx_id) else {
                    return err(self, "ENOENT");
                };
                if f.first() == Some(&&b"T"[..]) {
                    if gen != self.generation {
                        return err(self, "EAGAIN");
                    }
                    let changed: Vec<String> = nodes
                        .iter()
                        .filter(|(k, v)| self.nodes.get(*k) != Some(v))
                        .map(|(k, _)| k.clone())
                        .collect();
                    self.nodes = nodes;
                    self.generation += 1;
                    self.commits += 1;
                    for c in changed {
                        self.fire(&c);
                    }
                }
                ok(self, b"OK\0")
            }
            10 => ok(
                self,
                format!("/local/domain/{}\0", std::str::from_utf8(f[0]).unwrap()).as_bytes(),
            ),
            _ => err(self, "EINVAL"),
        }
    }

    fn commit_store(&mut self, tx: u32, store: BTreeMap<String, Vec<u8>>, path: &str) {
        match self.txs.get_mut(&tx) {
            Some((_, nodes)) => *nodes = store,
            None => {
                self.nodes = store;
                self.generation += 1;
                self.fire(path);
            }
        }
    }

    fn process(&mut self) {
        loop {
            let Some(head) = self.req.first_chunk::<HEADER_LEN>() else {
                return;
            };
            let h = Header::parse(head);
            let total = HEADER_LEN + h.len as usize;
            if self.req.len() < total {
                return;
            }
            let body: Vec<u8> = self.req[HEADER_LEN..total].to_vec();
            self.req.drain(..total);
            self.handle(h, &body);
        }
    }
}

impl Transport for Fake {
    fn write(&mut self, data: &[u8]) -> Result<usize, RingError> {
        let mut s = self.0.lock().unwrap();
        // At most a ring's worth per call; the server drains the ring into its own buffer
        // at once, as xenstored does, and handles each request once it is complete.
        let n = data.len().min(RING);
        s.req.extend_from_slice(&data[..n]);
        s.process();
        Ok(n)
    }

    fn read(&mut self, buf: &mut [u8]) -> Result<usize, RingError> {
        let mut s = self.0.lock().unwrap();
        if let Some(e) = s.broken {
            return Err(e);
        }
        let n = buf.len().min(s.rsp.len()).min(s.chunk).min(RING);
        for b in buf.iter_mut().take(n) {
            *b = s.rsp.pop_front().unwrap();
        }
        Ok(n)
    }

    fn notify(&mut self) {
        self.0.lock().unwrap().notifies += 1;
    }
}
