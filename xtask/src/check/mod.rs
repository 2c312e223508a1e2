//! `cargo xtask check`: the static checks, run before committing and as the first step of
//! `cargo xtask test`. In order: the unsafe-code audit ([`audit`]); `cargo fmt --check` on the
//! workspace and on each excluded fuzz workspace; clippy with `-D warnings` on the host (every
//! member but the guest images, all targets); clippy with `-D warnings` on
//! `x86_64-unknown-none` (minios and every guest image, release, as `cargo xtask build`
//! builds them). Every check runs; the command fails if any did, naming each.

pub mod audit;
mod lex;

use std::fmt;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::build::{cargo, guests, root, GUEST_TARGET};
use audit::{Tree, AUDITED};

/// What can stop the checks, or the checks that failed.
#[derive(Debug)]
pub enum CheckError {
    /// Reading the workspace or starting cargo failed.
    Io {
        /// What was being done (a path or a command).
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// These checks failed (each with what to do about it); their output is above.
    Failed(Vec<Failure>),
    /// Bad command-line arguments.
    Usage,
}

/// One failed check.
#[derive(Debug)]
pub struct Failure {
    /// The check's name.
    pub check: String,
    /// How to fix it.
    pub hint: String,
}

impl CheckError {
    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl fmt::Display, source: std::io::Error) -> Self {
        CheckError::Io {
            context: context.to_string(),
            source,
        }
    }
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::Io { context, source } => write!(f, "{context}: {source}"),
            CheckError::Failed(failures) => {
                write!(f, "{} check(s) failed:", failures.len())?;
                for Failure { check, hint } in failures {
                    write!(f, "\n  {check}: {hint}")?;
                }
                write!(f, "\nrerun `cargo xtask check` once fixed")
            }
            CheckError::Usage => write!(f, "usage: cargo xtask check"),
        }
    }
}

impl std::error::Error for CheckError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CheckError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// `cargo xtask check`.
pub fn cmd(args: &[String]) -> Result<(), CheckError> {
    if !args.is_empty() {
        return Err(CheckError::Usage);
    }
    run()
}

/// Runs every check on the workspace; fails naming each check that failed.
pub fn run() -> Result<(), CheckError> {
    let start = Instant::now();
    let root = root();
    let tree = Tree::read(&root)?;
    let mut failures = Vec::new();

    eprintln!("xtask check: unsafe-code audit ({} files)", tree.rust.len());
    let findings = audit::audit(&tree, AUDITED);
    for finding in &findings {
        eprintln!("{finding}");
    }
    if !findings.is_empty() {
        failures.push(Failure {
            check: "unsafe-code audit".into(),
            hint: format!("{} finding(s), listed above", findings.len()),
        });
    }

    let steps = fmt_steps(&tree).into_iter().chain(clippy_steps());
    for step in steps {
        eprintln!("xtask check: {}: cargo {}", step.name, step.args.join(" "));
        let t = Instant::now();
        let status = step
            .command(&root)
            .status()
            .map_err(|e| CheckError::io("cargo", e))?;
        let secs = t.elapsed().as_secs_f64();
        if status.success() {
            eprintln!("xtask check: {}: ok ({secs:.1} s)", step.name);
        } else {
            eprintln!("xtask check: {}: FAILED ({status}, {secs:.1} s)", step.name);
            failures.push(Failure {
                check: step.name,
                hint: step.hint,
            });
        }
    }

    let secs = start.elapsed().as_secs_f64();
    if failures.is_empty() {
        eprintln!("xtask check: all checks passed ({secs:.1} s)");
        Ok(())
    } else {
        eprintln!("xtask check: {} failed ({secs:.1} s)", failures.len());
        Err(CheckError::Failed(failures))
    }
}

/// One cargo invocation of the checks.
struct Step {
    name: String,
    args: Vec<String>,
    hint: String,
}

impl Step {
    fn new(name: impl Into<String>, args: &[&str], hint: impl Into<String>) -> Step {
        Step {
            name: name.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
            hint: hint.into(),
        }
    }

    /// The cargo command, run in `dir`.
    fn command(&self, dir: &Path) -> Command {
        let mut c = cargo();
        c.current_dir(dir).args(&self.args);
        c
    }
}

/// `cargo fmt --check` on the workspace and on each nested workspace (the fuzz crates).
fn fmt_steps(tree: &Tree) -> Vec<Step> {
    let mut steps = vec![Step::new(
        "rustfmt",
        &["fmt", "--all", "--check"],
        "run `cargo fmt --all`",
    )];
    for manifest in tree.nested_workspaces() {
        steps.push(Step::new(
            format!("rustfmt {manifest}"),
            &["fmt", "--check", "--manifest-path", manifest],
            format!("run `cargo fmt --manifest-path {manifest}`"),
        ));
    }
    steps
}

/// Clippy on the host (every member that builds there: all but the guest images) and on the
/// guest target (minios and every guest image).
fn clippy_steps() -> [Step; 2] {
    let guests = guests();
    let hint = "fix the warnings above (clippy runs with -D warnings)";
    let mut host = Step::new(
        "clippy (host)",
        &["clippy", "--workspace", "--all-targets"],
        hint,
    );
    let mut guest = Step::new(
        format!("clippy ({GUEST_TARGET})"),
        &[
            "clippy",
            "--release",
            "--target",
            GUEST_TARGET,
            "-p",
            "minios",
        ],
        hint,
    );
    for g in &guests {
        host.args.extend(["--exclude".into(), g.name.clone()]);
        guest.args.extend(["-p".into(), g.name.clone()]);
    }
    for step in [&mut host, &mut guest] {
        step.args.extend(["--", "-D", "warnings"].map(String::from));
    }
    [host, guest]
}

#[cfg(test)]
mod tests;
