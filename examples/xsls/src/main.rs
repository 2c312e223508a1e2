//! xsls: a sample stub domain. Prints the xenstore subtree of its own domain
//! (`/local/domain/<domid>`) like `xenstore-ls`, then idles until the toolstack shuts it down
//! (`xl shutdown` or `xl reboot`), and says why it is exiting.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use minios::control;
use minios::println;
use minios::xenstore::{self, Errno, Xenstore, XsError};

minios::main!(async main);

async fn main() {
    let xs = xenstore::client();
    let home = match home(xs).await {
        Ok(h) => h,
        Err(e) => {
            println!("xsls: cannot find our home in xenstore: {e}");
            return;
        }
    };
    println!("xsls: {home}");
    match list(xs, &home).await {
        Ok(n) => println!("xsls: {n} nodes"),
        Err(e) => println!("xsls: listing failed: {e}"),
    }
    println!("xsls: idle until the toolstack shuts us down");
    match control::wait_for_request().await {
        Ok(request) => {
            println!(
                "xsls: exiting: the toolstack asked for {}",
                request.as_str()
            );
            control::shutdown(request).await
        }
        Err(e) => println!("xsls: exiting: watching control/shutdown failed: {e}"),
    }
}

async fn home(xs: &Xenstore) -> Result<String, XsError> {
    let domid = xs.read("domid").await?;
    let domid = domid.parse().map_err(|_| XsError::Errno(Errno::EINVAL))?;
    xs.domain_path(domid).await
}

/// Prints every node below `root`, depth first in xenstored's order, one space of indent
/// per level: `name = "value"`. Returns how many nodes it printed.
async fn list(xs: &Xenstore, root: &str) -> Result<usize, XsError> {
    // (path, name, depth), popped from the end: children are pushed in reverse.
    let mut stack: Vec<(String, usize)> = Vec::new();
    push_children(xs, root, 0, &mut stack).await?;
    let mut count = 0;
    while let Some((path, depth)) = stack.pop() {
        let name = path.rsplit('/').next().unwrap_or("");
        match xs.read_bytes(&path).await {
            Ok(value) => {
                println!("{:depth$}{name} = \"{}\"", "", escape(&value));
                count += 1;
            }
            // Removed while we walked, or not ours to read: xenstore-ls skips it too.
            Err(XsError::Errno(Errno::ENOENT | Errno::EACCES)) => continue,
            Err(e) => return Err(e),
        }
        push_children(xs, &path, depth + 1, &mut stack).await?;
    }
    Ok(count)
}

async fn push_children(
    xs: &Xenstore,
    path: &str,
    depth: usize,
    stack: &mut Vec<(String, usize)>,
) -> Result<(), XsError> {
    let children = match xs.directory(path).await {
        Ok(c) => c,
        Err(XsError::Errno(Errno::ENOENT | Errno::EACCES)) => return Ok(()),
        Err(e) => return Err(e),
    };
    for child in children.iter().rev() {
        let mut p = String::from(path);
        p.push('/');
        p.push_str(child);
        stack.push((p, depth));
    }
    Ok(())
}

/// Printable ASCII as it is, a backslash doubled, anything else as `\ooo` (octal).
fn escape(value: &[u8]) -> String {
    let mut out = String::new();
    for &b in value {
        match b {
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                out.push('\\');
                for shift in [6, 3, 0] {
                    out.push(char::from(b'0' + ((b >> shift) & 7)));
                }
            }
        }
    }
    out
}
