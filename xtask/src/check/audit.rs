//! The unsafe-code audit: `unsafe` lives only in the audited places.
//!
//! Over every `.rs` file of the workspace (the fuzz crates it excludes too) it reports:
//! - an `allow`, `expect` or `warn` of `unsafe_code` anywhere but an audited place's one
//!   `#![allow(unsafe_code)]`;
//! - a crate root (`src/lib.rs`, `src/main.rs`, `src/bin/*.rs` and every target path its
//!   Cargo.toml names) without `#![forbid(unsafe_code)]` in its leading inner attributes, or
//!   without `#![deny(unsafe_code)]` for the crate of an audited place;
//! - an `unsafe` token outside the audited places' trees. For crates in the build, `forbid`
//!   already makes that a compile error; the scan also covers what the compiler does not see
//!   under `forbid`: integration tests, examples and build scripts (crates of their own, with
//!   no crate-root attribute), the fuzz crates (never built by CI) and cfg'd-out code.
//!
//! Comments and string literals do not count (the files are lexed, not grepped).

use std::fmt;
use std::path::Path;

use super::lex::{tokens, Token};
use super::CheckError;

/// A module allowed `unsafe`.
pub struct AuditedPlace {
    /// The file holding the place's one `#![allow(unsafe_code)]` (path from the workspace root).
    pub allow_in: &'static str,
    /// The directory that allow covers (the module's tree): the only home of `unsafe` tokens.
    pub tree: &'static str,
}

/// The audited places: the only code allowed `unsafe`, each under the same rules. Its one
/// `#![allow(unsafe_code)]` is the only lint-level override of `unsafe_code` in the workspace;
/// its crate root says `#![deny(unsafe_code)]` (every other crate root
/// `#![forbid(unsafe_code)]`); every unsafe block has a `// SAFETY:` comment (clippy's
/// `undocumented_unsafe_blocks`, denied workspace-wide); a function with a precondition is an
/// `unsafe fn` with a `# Safety` section. `sys` exports safe wrappers only; the C API's FFI
/// module exports `unsafe extern "C" fn`s for C, each saying what C must guarantee.
pub const AUDITED: &[AuditedPlace] = &[
    AuditedPlace {
        allow_in: "minios/src/sys/mod.rs",
        tree: "minios/src/sys/",
    },
    AuditedPlace {
        allow_in: "minios/c/src/ffi.rs",
        tree: "minios/c/src/ffi.rs",
    },
];

/// A file: its path from the workspace root (`/`-separated) and its text.
pub struct Source {
    /// The path, e.g. `minios/src/lib.rs`.
    pub path: String,
    /// The contents.
    pub text: String,
}

/// The files the audit reads: every `.rs` file and every `Cargo.toml`.
pub struct Tree {
    /// The Rust sources.
    pub rust: Vec<Source>,
    /// The manifests (the workspace's, its members', the excluded fuzz crates').
    pub manifests: Vec<Source>,
}

impl Tree {
    /// Reads the files under `root`, skipping `target` and hidden directories.
    pub fn read(root: &Path) -> Result<Tree, CheckError> {
        let mut tree = Tree {
            rust: Vec::new(),
            manifests: Vec::new(),
        };
        walk(root, "", &mut tree)?;
        tree.rust.sort_by(|a, b| a.path.cmp(&b.path));
        tree.manifests.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(tree)
    }

    /// The manifests declaring a `[workspace]` of their own below the root (the fuzz crates).
    pub fn nested_workspaces(&self) -> impl Iterator<Item = &str> {
        self.manifests
            .iter()
            .filter(|m| m.path != "Cargo.toml" && has_line(&m.text, "[workspace]"))
            .map(|m| m.path.as_str())
    }
}

fn walk(dir: &Path, rel: &str, tree: &mut Tree) -> Result<(), CheckError> {
    let io = |e| CheckError::io(dir.display(), e);
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type().map_err(io)?;
        let path = format!("{rel}{name}");
        if kind.is_dir() && name != "target" && !name.starts_with('.') {
            walk(&entry.path(), &format!("{path}/"), tree)?;
        } else if kind.is_file() && (name.ends_with(".rs") || name == "Cargo.toml") {
            let text = std::fs::read_to_string(entry.path())
                .map_err(|e| CheckError::io(entry.path().display(), e))?;
            let files = if name == "Cargo.toml" {
                &mut tree.manifests
            } else {
                &mut tree.rust
            };
            files.push(Source { path, text });
        }
    }
    Ok(())
}

/// Something the audit rejects, where.
#[derive(Debug, PartialEq, Eq)]
pub struct Finding {
    /// The file.
    pub path: String,
    /// The line (1-based).
    pub line: usize,
    /// What is wrong.
    pub problem: Problem,
}

/// What the audit rejects.
#[derive(Debug, PartialEq, Eq)]
pub enum Problem {
    /// `allow`, `expect` or `warn` (the word held) of `unsafe_code` outside the audited places.
    LevelOverride(&'static str),
    /// An `unsafe` token outside the audited places' trees.
    Unsafe,
    /// A crate root without this attribute among its leading inner attributes.
    MissingRootAttr(&'static str),
    /// An audited place whose file is gone or lacks its `#![allow(unsafe_code)]`.
    StaleAuditedPlace,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = "AUDITED in xtask/src/check/audit.rs";
        write!(f, "{}:{}: ", self.path, self.line)?;
        match &self.problem {
            Problem::LevelOverride(level) => write!(
                f,
                "`{level}(unsafe_code)` outside the audited places ({list}): unsafe code goes \
                 behind a safe API in one of them"
            ),
            Problem::Unsafe => write!(
                f,
                "`unsafe` outside the audited places ({list}): move it behind a safe API there"
            ),
            Problem::MissingRootAttr(attr) => {
                write!(f, "crate root without `{attr}` at its top: add it")
            }
            Problem::StaleAuditedPlace => write!(
                f,
                "audited place without its `#![allow(unsafe_code)]`: update {list}"
            ),
        }
    }
}

/// Audits `tree` against the audited places `audited` (the workspace uses [`AUDITED`]).
pub fn audit(tree: &Tree, audited: &[AuditedPlace]) -> Vec<Finding> {
    let files: Vec<(&Source, Vec<Token>)> =
        tree.rust.iter().map(|s| (s, tokens(&s.text))).collect();
    let mut out = Vec::new();
    let mut found = |path: &str, line, problem| {
        out.push(Finding {
            path: path.to_string(),
            line,
            problem,
        })
    };
    for (src, toks) in &files {
        let is_place = audited.iter().any(|p| p.allow_in == src.path);
        let mut entry_seen = false;
        for o in level_overrides(toks) {
            if is_place && o.inner_allow && !entry_seen {
                entry_seen = true;
            } else {
                found(&src.path, o.line, Problem::LevelOverride(o.level));
            }
        }
        if is_place && !entry_seen {
            found(&src.path, 1, Problem::StaleAuditedPlace);
        }
        if !audited.iter().any(|p| src.path.starts_with(p.tree)) {
            for t in toks.iter().filter(|t| t.is_word("unsafe")) {
                found(&src.path, t.line, Problem::Unsafe);
            }
        }
    }
    for p in audited {
        if !files.iter().any(|(s, _)| s.path == p.allow_in) {
            found(p.allow_in, 1, Problem::StaleAuditedPlace);
        }
    }
    let packages = packages(&tree.manifests);
    for (dir, manifest) in &packages {
        let has_place = audited
            .iter()
            .any(|p| owner(p.allow_in, &packages) == Some(*dir));
        let (level, attr) = if has_place {
            ("deny", "#![deny(unsafe_code)]")
        } else {
            ("forbid", "#![forbid(unsafe_code)]")
        };
        for (src, toks) in &files {
            if is_crate_root(&src.path, dir, manifest) && !has_root_level(toks, level) {
                found(&src.path, 1, Problem::MissingRootAttr(attr));
            }
        }
    }
    out.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    out
}

/// A lint-level attribute naming `unsafe_code`.
struct Override {
    line: usize,
    level: &'static str,
    /// Exactly `#![allow(unsafe_code)]`.
    inner_allow: bool,
}

fn level_overrides(toks: &[Token]) -> Vec<Override> {
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let Some(level) = ["allow", "expect", "warn"]
            .into_iter()
            .find(|l| t.is_word(l))
        else {
            continue;
        };
        if !toks.get(i + 1).is_some_and(|t| t.is_punct('(')) {
            continue;
        }
        let end = close(toks, i + 1);
        if !toks[i + 2..end].iter().any(|t| t.is_word("unsafe_code")) {
            continue;
        }
        let inner = i >= 3
            && ['#', '!', '[']
                .iter()
                .zip(&toks[i - 3..i])
                .all(|(c, t)| t.is_punct(*c));
        out.push(Override {
            line: t.line,
            level,
            inner_allow: level == "allow"
                && inner
                && end == i + 3
                && toks.get(end + 1).is_some_and(|t| t.is_punct(']')),
        });
    }
    out
}

/// The index of the bracket closing the one at `open`, or `toks.len()` if there is none.
fn close(toks: &[Token], open: usize) -> usize {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate().skip(open) {
        if "([{".chars().any(|c| t.is_punct(c)) {
            depth += 1;
        } else if ")]}".chars().any(|c| t.is_punct(c)) {
            depth -= 1;
            if depth == 0 {
                return i;
            }
        }
    }
    toks.len()
}

/// True if the file's leading inner attributes include `LEVEL(..., unsafe_code, ...)`.
fn has_root_level(toks: &[Token], level: &str) -> bool {
    let mut i = 0;
    while toks.len() > i + 2
        && ['#', '!', '[']
            .iter()
            .zip(&toks[i..])
            .all(|(c, t)| t.is_punct(*c))
    {
        let end = close(toks, i + 2);
        let attr = &toks[i + 3..end];
        if attr.first().is_some_and(|t| t.is_word(level))
            && attr.get(1).is_some_and(|t| t.is_punct('('))
            && attr.iter().any(|t| t.is_word("unsafe_code"))
        {
            return true;
        }
        i = end + 1;
    }
    false
}

fn has_line(text: &str, line: &str) -> bool {
    text.lines().any(|l| l.trim() == line)
}

/// The packages: each manifest with a `[package]`, as (its directory with a trailing `/`, or
/// `""` at the root; its text).
fn packages(manifests: &[Source]) -> Vec<(&str, &str)> {
    manifests
        .iter()
        .filter(|m| has_line(&m.text, "[package]"))
        .map(|m| {
            (
                m.path.strip_suffix("Cargo.toml").unwrap_or(""),
                m.text.as_str(),
            )
        })
        .collect()
}

/// The package a file belongs to: the innermost package directory holding it.
fn owner<'a>(path: &str, packages: &[(&'a str, &str)]) -> Option<&'a str> {
    packages
        .iter()
        .map(|(dir, _)| *dir)
        .filter(|dir| path.starts_with(dir))
        .max_by_key(|dir| dir.len())
}

/// True if `path` is a crate root of the package in `dir`: its library, a binary found by
/// Cargo's conventions, or a target its manifest names by `path = "..."`.
fn is_crate_root(path: &str, dir: &str, manifest: &str) -> bool {
    let Some(rel) = path.strip_prefix(dir) else {
        return false;
    };
    let conventional = rel == "src/lib.rs"
        || rel == "src/main.rs"
        || rel.strip_prefix("src/bin/").is_some_and(|bin| {
            bin.split('/').count() == 1 || bin.split_once('/').is_some_and(|(_, f)| f == "main.rs")
        });
    conventional
        || manifest.lines().any(|l| {
            let Some(v) = l.trim().strip_prefix("path") else {
                return false;
            };
            v.trim_start()
                .strip_prefix('=')
                .map(|v| v.trim().trim_matches('"'))
                == Some(rel)
        })
}

#[cfg(test)]
mod tests;
