//! Apply: runs a plan's actions over a session, updates the believed remote tree after each
//! success, and writes one journal line per movement.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::plan::Action;
use super::tree::{self, Kind, RemoteEntry, RemoteTree, Snapshot};
use crate::error::{Error, Result};
use crate::ftp::listing::EntryKind;
use crate::ftp::{Session, path};
use crate::journal::Journal;
use crate::shell::state::Printer;
use crate::transfer;

/// What one pass did.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub mkdirs: usize,
    pub uploads: usize,
    pub bytes: u64,
    pub renames: usize,
    pub deletes: usize,
    pub errors: Vec<String>,
    /// Local files that could not be read: logged and skipped, the pass goes on. They exist
    /// locally, so no delete depends on them.
    pub skipped: Vec<String>,
    /// Deletes not run because something failed earlier in the pass.
    pub deletes_postponed: usize,
    /// The connection broke: the caller reconnects and re-lists.
    pub connection_lost: bool,
    /// `mirror stop` arrived; the pass ended after the action in flight.
    pub stopped: bool,
}

impl Report {
    pub fn changed_anything(&self) -> bool {
        self.mkdirs + self.uploads + self.renames + self.deletes > 0
    }

    pub fn summary(&self) -> String {
        let mut parts = vec![format!(
            "{} uploaded ({} bytes), {} renamed, {} deleted, {} dirs created",
            self.uploads, self.bytes, self.renames, self.deletes, self.mkdirs
        )];
        if !self.errors.is_empty() {
            parts.push(format!("{} errors", self.errors.len()));
        }
        if !self.skipped.is_empty() {
            parts.push(format!("{} unreadable files skipped", self.skipped.len()));
        }
        if self.deletes_postponed > 0 {
            parts.push(format!("{} deletes postponed", self.deletes_postponed));
        }
        parts.join(", ")
    }
}

pub struct Applier<'a> {
    pub session: &'a mut Session,
    pub local_root: &'a Path,
    pub remote_root: &'a str,
    pub journal: &'a Journal,
    pub job: usize,
    pub stop: &'a AtomicBool,
    /// With --verbose, each journal line is also shown on the terminal.
    pub echo: Option<&'a Printer>,
}

impl Applier<'_> {
    fn remote(&self, rel: &str) -> String {
        path::join(self.remote_root, rel)
    }

    /// Runs `actions` in order. A delete runs only while nothing has failed in this pass:
    /// a half-done pass must never remove data.
    pub fn apply(&mut self, actions: &[Action], local: &Snapshot, tree: &mut RemoteTree) -> Report {
        let mut report = Report::default();
        for action in actions {
            if self.stop.load(Ordering::Relaxed) {
                report.stopped = true;
                break;
            }
            let is_delete = matches!(action, Action::DeleteFile(_) | Action::RemoveDir(_));
            if is_delete && !report.errors.is_empty() {
                report.deletes_postponed += 1;
                continue;
            }
            let started = Instant::now();
            let outcome = self.run(action, local, tree, &mut report);
            let (verb, rel, bytes) = describe(action, &outcome);
            let ms = started.elapsed().as_millis();
            match outcome {
                Ok(note) => self.record(&format!(
                    "job={} {verb} {rel:?} bytes={bytes} ms={ms} ok{note}",
                    self.job
                )),
                Err(err @ Error::Local { .. }) => {
                    self.record(&format!(
                        "job={} {verb} {rel:?} bytes={bytes} ms={ms} skipped: {err}",
                        self.job
                    ));
                    report.skipped.push(err.to_string());
                }
                Err(err) => {
                    self.record(&format!(
                        "job={} {verb} {rel:?} bytes={bytes} ms={ms} failed: {err}",
                        self.job
                    ));
                    report.errors.push(err.to_string());
                    if err.is_connection_lost() {
                        report.connection_lost = true;
                        break;
                    }
                }
            }
        }
        report
    }

    fn record(&self, line: &str) {
        self.journal.record(line);
        if let Some(echo) = self.echo {
            echo(line.to_string());
        }
    }

    /// Runs one action; Ok carries a note for the journal.
    fn run(
        &mut self,
        action: &Action,
        local: &Snapshot,
        tree: &mut RemoteTree,
        report: &mut Report,
    ) -> Result<&'static str> {
        match action {
            Action::Mkdir(rel) => {
                let remote = self.remote(rel);
                if let Err(err) = self.session.mkdir(&remote) {
                    // Already there (another client, or a lost reply): fine if it is a dir.
                    let is_dir = self
                        .session
                        .stat(&remote)?
                        .is_some_and(|e| e.kind == EntryKind::Dir);
                    if !is_dir {
                        return Err(err);
                    }
                }
                let inode = local.get(rel).and_then(|e| e.inode);
                tree.insert(
                    rel.clone(),
                    RemoteEntry {
                        kind: Kind::Dir,
                        size: 0,
                        mtime: None,
                        inode,
                    },
                );
                report.mkdirs += 1;
                Ok("")
            }
            Action::Upload { path: rel, .. } => {
                let local_path = local_file(self.local_root, rel);
                let done = transfer::upload_atomic(
                    self.session,
                    &local_path,
                    &self.remote(rel),
                    &mut |_| {},
                )?;
                let inode = local.get(rel).and_then(|e| e.inode);
                tree.insert(
                    rel.clone(),
                    RemoteEntry {
                        kind: Kind::File,
                        size: done.bytes,
                        mtime: Some(done.mtime),
                        inode,
                    },
                );
                report.uploads += 1;
                report.bytes += done.bytes;
                let now = std::fs::metadata(&local_path).ok();
                let unchanged = now.is_some_and(|m| {
                    m.len() == done.bytes
                        && m.modified().map(crate::clock::unix_seconds).ok() == Some(done.mtime)
                });
                Ok(if unchanged {
                    ""
                } else {
                    " (changed while sending: will send again)"
                })
            }
            Action::Rename { from, to } => {
                self.session.rename(&self.remote(from), &self.remote(to))?;
                move_subtree(tree, from, to);
                report.renames += 1;
                Ok("")
            }
            Action::DeleteFile(rel) | Action::RemoveTemp(rel) => {
                self.session.delete(&self.remote(rel))?;
                tree.remove(rel);
                report.deletes += 1;
                Ok("")
            }
            Action::RemoveDir(rel) => {
                self.session.rmdir(&self.remote(rel))?;
                tree.remove(rel);
                report.deletes += 1;
                Ok("")
            }
        }
    }
}

/// The journal's verb, path and byte count for an action.
fn describe(action: &Action, outcome: &Result<&str>) -> (&'static str, String, u64) {
    match action {
        Action::Mkdir(rel) => ("MKD", rel.clone(), 0),
        Action::Upload { path, size, .. } => (
            "STOR",
            path.clone(),
            if outcome.is_ok() { *size } else { 0 },
        ),
        Action::Rename { from, to } => ("RENAME", format!("{from} -> {to}"), 0),
        Action::DeleteFile(rel) => ("DELE", rel.clone(), 0),
        Action::RemoveTemp(rel) => ("CLEAN", rel.clone(), 0),
        Action::RemoveDir(rel) => ("RMD", rel.clone(), 0),
    }
}

/// The local file for a mirror-relative path, built from components so the OS separator is used.
pub fn local_file(root: &Path, rel: &str) -> std::path::PathBuf {
    rel.split('/')
        .fold(root.to_path_buf(), |p, part| p.join(part))
}

/// After a rename, everything the tree knew under `from` lives under `to`.
fn move_subtree(tree: &mut RemoteTree, from: &str, to: &str) {
    let moved: Vec<String> = tree
        .keys()
        .filter(|k| k.as_str() == from || tree::is_under(k, from))
        .cloned()
        .collect();
    for old in moved {
        if let Some(entry) = tree.remove(&old) {
            let new = format!("{to}{}", &old[from.len()..]);
            tree.insert(new, entry);
        }
    }
}

/// A one-line description of an action, for --dry-run.
pub fn describe_plan(action: &Action) -> String {
    let (verb, rel, _) = describe(action, &Ok(""));
    match action {
        Action::Upload { size, .. } => format!("{verb} {rel} ({size} bytes)"),
        _ => format!("{verb} {rel}"),
    }
}

impl From<super::plan::PlanError> for Error {
    fn from(err: super::plan::PlanError) -> Error {
        Error::Failed(format!("mirror: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_carry_children_along() {
        let mut tree = RemoteTree::new();
        let dir = RemoteEntry {
            kind: Kind::Dir,
            size: 0,
            mtime: None,
            inode: None,
        };
        let file = RemoteEntry {
            kind: Kind::File,
            size: 1,
            mtime: Some(1),
            inode: None,
        };
        tree.insert("a".into(), dir.clone());
        tree.insert("a/x".into(), file.clone());
        tree.insert("ab".into(), file.clone());
        move_subtree(&mut tree, "a", "b/c");
        let keys: Vec<&str> = tree.keys().map(String::as_str).collect();
        assert_eq!(keys, ["ab", "b/c", "b/c/x"]);
    }

    #[test]
    fn local_files_are_built_from_components() {
        let p = local_file(Path::new("root"), "a b/c.txt");
        assert_eq!(p, Path::new("root").join("a b").join("c.txt"));
    }
}
