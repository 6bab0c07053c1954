//! Apply: runs a plan's actions over a session, updates the believed remote tree after each
//! success, and writes one journal line per movement.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::backup::{self, PassBackup};
use super::download;
use super::modes::{Keeper, Settled};
use super::plan::{Action, Plan};
use super::pool::{Queue, on_each};
use super::tree::{self, Kind, RelPath, RemoteEntry, RemoteTree, Snapshot, local_file};
use crate::error::{Error, Result};
use crate::ftp::{Session, path};
use crate::journal::{Entry, Journal};

use crate::progress::{Bar, Printer};
use crate::transfer;
use describe::journal_parts;
use report::name;

mod describe;
mod report;

pub use describe::describe_plan;
pub use report::{NAMED, Report};

/// What a pass needs to run actions; shared by the worker threads.
pub struct Applier<'a> {
    pub local_root: &'a Path,
    pub remote_root: &'a str,
    pub journal: &'a Journal,
    pub job: usize,
    pub stop: &'a AtomicBool,
    /// With --verbose, each journal line is also shown on the terminal.
    pub echo: Option<&'a Printer>,
    /// The bar of a foreground pass: each file's bytes as they move, and each file done.
    pub bar: Option<&'a Bar>,
    /// Uploads of files modified at or after this second are recorded as of unknown time.
    pub fresh_after: i64,
    /// The walk followed symbolic links (`--follow-links`), so uploads follow them too.
    pub follow_links: bool,
    /// `--backup-dir`: where this pass moves the files it deletes or replaces.
    pub backup: Option<&'a PassBackup>,
    /// What the job knows about permission bits on its server (see `modes`).
    pub modes: &'a Keeper,
    /// A download mirror (`mirror --download`): the plan's source is the remote tree and
    /// its actions write into LOCAL; this is LOCAL as the pass saw it, what a file must
    /// still be for a fetch to replace it or a delete to remove it.
    pub download: Option<&'a RemoteTree>,
}

/// What a successful action did, for the tree and the report.
enum Done {
    Plain,
    /// Sent, the mode it has after (when known), and where the file it replaced went (when
    /// it was kept in the backup folder).
    Uploaded(transfer::Uploaded, Option<u32>, Option<String>),
    Moded(Settled),
    /// Moved to the backup folder, there.
    Kept(String),
    /// Fetched into LOCAL (a download mirror).
    Fetched(download::local::Fetched),
}

type Outcome = Result<Done>;

impl Applier<'_> {
    fn remote(&self, rel: &str) -> String {
        path::join(self.remote_root, rel)
    }

    /// Runs a plan over `sessions` (at least one), phase by phase (see [`Plan`]): the
    /// structure in order on one connection; the uploads spread over every connection, since
    /// each only needs its folder to exist; then the final deletes, files over every
    /// connection, folders on one. A delete runs only while nothing failed in the pass (see
    /// `run_batch`): a half-done pass must never remove data.
    pub fn apply(
        &self,
        sessions: &mut [Session],
        plan: &Plan,
        local: &Snapshot,
        tree: &mut RemoteTree,
    ) -> Report {
        let mut report = Report {
            download: self.download.is_some(),
            ..Report::default()
        };
        let phases = [
            (plan.structure.iter().collect(), false),
            (spread_over_folders(plan.uploads.iter().collect()), true),
            (plan.file_deletes.iter().collect(), true),
            (plan.dir_deletes.iter().collect(), false),
        ];
        for (batch, parallel) in phases {
            let batch: Vec<&Action> = batch;
            if batch.is_empty() {
                continue;
            }
            let width = if parallel { sessions.len() } else { 1 };
            self.run_batch(&mut sessions[..width], &batch, local, tree, &mut report);
            if report.connection_lost || self.stop.load(Ordering::Relaxed) {
                report.stopped |= self.stop.load(Ordering::Relaxed);
                break;
            }
        }
        report
    }

    /// Runs a batch over the given connections, one worker thread per connection, and
    /// commits each outcome as it arrives (20,000 outcomes kept to the end cost a megabyte).
    /// The one place of "no deletes after a failure": once an action of the pass failed
    /// (in an earlier batch or this one), its deletes are not run. Deletes left unrun (that
    /// rule, a stop, a lost connection) count as postponed.
    fn run_batch(
        &self,
        sessions: &mut [Session],
        batch: &[&Action],
        local: &Snapshot,
        tree: &mut RemoteTree,
        report: &mut Report,
    ) {
        let queue = Queue::new(batch);
        let failed = AtomicBool::new(!report.errors.is_empty());
        let ran: Vec<AtomicBool> = batch.iter().map(|_| AtomicBool::new(false)).collect();
        let done = Mutex::new((tree, &mut *report));
        let work = |session: &mut Session| {
            loop {
                if self.stop.load(Ordering::Relaxed) {
                    break;
                }
                let Some((index, action)) = queue.take() else {
                    break;
                };
                if is_delete(action) && failed.load(Ordering::Relaxed) {
                    continue;
                }
                let outcome = self.run_one(session, action, local);
                let lost = matches!(&outcome, Err(e) if e.is_connection_lost());
                if matches!(&outcome, Err(e) if !matches!(e, Error::Local { .. })) {
                    failed.store(true, Ordering::Relaxed);
                }
                ran[index].store(true, Ordering::Relaxed);
                {
                    let mut done = done.lock().unwrap_or_else(|p| p.into_inner());
                    let (tree, report) = &mut *done;
                    commit(action, outcome, local, tree, self.fresh_after, report);
                }
                if lost {
                    break;
                }
            }
        };
        on_each(sessions, work);
        let unrun = batch
            .iter()
            .zip(&ran)
            .filter(|(action, ran)| is_delete(action) && !ran.load(Ordering::Relaxed));
        report.deletes_postponed += unrun.count();
    }

    /// Runs one action and writes its journal line (two for an upload that kept the file it
    /// replaced: the move, then the upload).
    fn run_one(&self, session: &mut Session, action: &Action, local: &Snapshot) -> Outcome {
        let started = Instant::now();
        let mut file = match (self.bar, action) {
            (Some(bar), Action::Upload { size, .. }) => Some(bar.file(*size)),
            _ => None,
        };
        let outcome = {
            let mut moved = |so_far: u64| {
                if let Some(file) = file.as_mut() {
                    file.moved(so_far);
                }
            };
            self.execute(session, action, local, &mut moved)
        };
        drop(file);
        let (verb, path, from) = journal_parts(action, self.download.is_some());
        let error = outcome.as_ref().err().map(ToString::to_string);
        let mut entry = Entry {
            job: self.job,
            action: verb,
            path: Some(path),
            from,
            ms: started.elapsed().as_millis(),
            outcome: Some(crate::journal::Outcome::Ok),
            error: error.as_deref(),
            ..Entry::default()
        };
        match &outcome {
            // A mode the server gave already: nothing happened, nothing to journal.
            Ok(Done::Moded(settled)) if !settled.changed => return outcome,
            Ok(Done::Moded(_)) => {}
            Ok(Done::Uploaded(done, _, kept)) => {
                if let Some(dest) = kept {
                    self.write(&Entry {
                        action: "BACKUP",
                        to: Some(dest),
                        ..entry.clone()
                    });
                }
                entry.bytes = done.bytes;
                entry.resumed_at = done.resumed_at;
            }
            Ok(Done::Kept(dest)) => entry.to = Some(dest),
            Ok(Done::Fetched(done)) => {
                entry.bytes = done.bytes;
                entry.resumed_at = done.resumed_at;
            }
            Ok(Done::Plain) => {}
            Err(Error::Local { .. }) => entry.outcome = Some(crate::journal::Outcome::Skipped),
            Err(_) => entry.outcome = Some(crate::journal::Outcome::Failed),
        }
        self.write(&entry);
        outcome
    }

    fn write(&self, entry: &Entry) {
        self.journal.write(entry);
        if let Some(echo) = self.echo {
            echo(entry.text());
        }
    }

    /// Moves the remote file at `rel` to the same relative path in the pass's backup folder
    /// (making the folders it needs there once); returns where it went.
    fn back_up(&self, session: &mut Session, rel: &str) -> Result<String> {
        let Some(backup) = self.backup else {
            return Err(Error::Failed(format!(
                "backup {rel}: no backup folder for this pass"
            )));
        };
        let dest = backup::destination(&backup.folder, rel);
        let parent = path::parent(&dest);
        backup.ensure(parent, || session.mkdir_all(parent))?;
        session.rename(&self.remote(rel), &dest)?;
        Ok(dest)
    }

    /// `moved` hears of a file's bytes so far (the bar).
    fn execute(
        &self,
        session: &mut Session,
        action: &Action,
        local: &Snapshot,
        moved: &mut dyn FnMut(u64),
    ) -> Outcome {
        if let Some(seen) = self.download {
            return self.execute_download(session, action, local, seen, moved);
        }
        match action {
            Action::Mkdir(rel) => session.ensure_dir(&self.remote(rel))?,
            Action::Upload {
                path: rel,
                resume,
                mode,
                keep_old,
                ..
            } => {
                let local_path = local_file(self.local_root, rel);
                // The file the walk saw, or nothing: a file swapped for a link or another
                // file since is skipped, never sent under this name.
                let seen = transfer::Seen {
                    identity: local.get(rel).and_then(|e| e.inode),
                    no_follow: !self.follow_links,
                };
                let remote = self.remote(rel);
                let temp = resume.as_ref().map(|t| self.remote(t));
                let resume = match &temp {
                    Some(temp) => transfer::Resume::Temp(temp),
                    None => transfer::Resume::No,
                };

                let mut kept = None;
                // The file it replaces goes to the backup folder once the new content is
                // stored whole, just before it takes the name. Gone already: nothing to keep.
                let mut keep = |session: &mut Session| match self.back_up(session, rel) {
                    Ok(dest) => {
                        kept = Some(dest);
                        Ok(())
                    }
                    Err(err) if !matches!(session.stat(&remote), Ok(None)) => Err(err),
                    Err(_) => Ok(()),
                };
                let before: Option<transfer::BeforeRename> = match keep_old {
                    true => Some(&mut keep),
                    false => None,
                };
                let done = transfer::upload_replacing(
                    session,
                    &local_path,
                    &remote,
                    seen,
                    resume,
                    moved,
                    before,
                )?;
                // A new file has the server's mode for new files: the wanted bits follow.
                let mode = match mode {
                    Some(mode) => {
                        self.modes
                            .settle(session, &remote, Kind::File, *mode, true)?
                            .mode
                    }
                    None => None,
                };
                return Ok(Done::Uploaded(done, mode, kept));
            }
            Action::Chmod {
                path: rel,
                mode,
                created,
            } => {
                let kind = local.get(rel).map_or(Kind::File, |e| e.kind);
                let settled =
                    self.modes
                        .settle(session, &self.remote(rel), kind, *mode, *created)?;
                return Ok(Done::Moded(settled));
            }
            Action::Backup(rel) => return Ok(Done::Kept(self.back_up(session, rel)?)),
            Action::Rename { from, to } | Action::Restore { from, to } => {
                session.rename(&self.remote(from), &self.remote(to))?;
            }
            Action::DeleteFile(rel) | Action::RemoveTemp(rel) => {
                session.delete(&self.remote(rel))?;
            }
            Action::RemoveDir(rel) => session.rmdir(&self.remote(rel))?,
        }
        Ok(Done::Plain)
    }
}

impl Applier<'_> {
    /// A download mirror's action: the same plan, carried out in LOCAL (see
    /// `download::local`); `source` is the remote tree, `seen` LOCAL as the pass saw it.
    /// Permission bits and backups are not planned for a download: refused if asked.
    fn execute_download(
        &self,
        session: &mut Session,
        action: &Action,
        source: &Snapshot,
        seen: &RemoteTree,
        moved: &mut dyn FnMut(u64),
    ) -> Outcome {
        use download::local;
        let root = self.local_root;
        match action {
            Action::Mkdir(rel) => local::mkdir(root, rel)?,
            Action::Upload {
                path: rel,
                size,
                resume,
                mode,
                ..
            } => {
                let mtime = source.get(rel).map(|e| e.mtime).filter(|t| *t != i64::MIN);
                let fetch = local::Fetch {
                    remote: &self.remote(rel),
                    rel,
                    size: *size,
                    mtime,
                    seen: seen.get(rel),
                    resume: resume.as_deref(),
                    mode: *mode,
                };
                return Ok(Done::Fetched(local::fetch(session, root, &fetch, moved)?));
            }
            Action::Rename { from, to } | Action::Restore { from, to } => {
                local::rename(root, from, to)?;
            }
            Action::DeleteFile(rel) => local::remove_file(root, rel, seen.get(rel))?,
            Action::RemoveTemp(rel) => local::remove_temp(root, rel)?,
            Action::RemoveDir(rel) => local::remove_dir(root, rel)?,
            Action::Chmod {
                path: rel, mode, ..
            } => {
                local::chmod(root, rel, *mode, seen.get(rel))?;
                return Ok(Done::Moded(super::modes::Settled {
                    mode: Some(*mode),
                    changed: true,
                }));
            }
            Action::Backup(path) => {
                return Err(Error::Failed(format!(
                    "mirror --download: backups are not kept locally ({path})"
                )));
            }
        }
        Ok(Done::Plain)
    }
}

/// Reorders uploads so that neighbours in the queue sit in different folders: the
/// connections, which take the queue in order, then each write in a folder of their own.
/// A server creates and renames files under its folder's lock; four connections in one
/// folder queued on it (perf on pure-ftpd/ext4: 14 % of the server's CPU spinning in rename).
fn spread_over_folders(uploads: Vec<&Action>) -> Vec<&Action> {
    let count = uploads.len();
    let mut folders: Vec<Vec<&Action>> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for action in uploads {
        let folder = match action {
            Action::Upload { path, .. } => path::parent(path),
            _ => "",
        };
        let slot = *index.entry(folder).or_insert_with(|| {
            folders.push(Vec::new());
            folders.len() - 1
        });
        folders[slot].push(action);
    }
    let longest = folders.iter().map(Vec::len).max().unwrap_or(0);
    let mut queues: Vec<_> = folders.into_iter().map(Vec::into_iter).collect();
    let mut spread = Vec::with_capacity(count);
    for _ in 0..longest {
        spread.extend(queues.iter_mut().filter_map(Iterator::next));
    }
    spread
}

/// Under the rule "no deletes after a failure": a move to the backup folder takes a file
/// off the site as a delete does.
fn is_delete(action: &Action) -> bool {
    matches!(
        action,
        Action::DeleteFile(_) | Action::RemoveDir(_) | Action::Backup(_)
    )
}

/// Records an action's outcome in the believed tree and the report.
fn commit(
    action: &Action,
    outcome: Outcome,
    local: &Snapshot,
    tree: &mut RemoteTree,
    fresh_after: i64,
    report: &mut Report,
) {
    let done = match outcome {
        Ok(done) => done,
        Err(err @ Error::Local { .. }) => {
            report.skipped.push(err.to_string());
            if let Action::Upload { path, .. } = action {
                report.skipped_paths.push(path.to_string());
            }
            return;
        }
        Err(err) => {
            report.connection_lost |= err.is_connection_lost();
            report.errors.push(err.to_string());
            return;
        }
    };
    let inode = |rel: &str| local.get(rel).and_then(|e| e.inode);
    match (action, done) {
        (Action::Mkdir(rel), _) => {
            tree.insert(
                rel.clone(),
                RemoteEntry {
                    kind: Kind::Dir,
                    size: 0,
                    mtime: None,
                    mtime_ns: None,
                    inode: inode(rel),
                    mode: None,
                },
            );
            report.mkdirs += 1;
        }
        (
            Action::Upload {
                path: rel, resume, ..
            },
            Done::Uploaded(done, mode, kept),
        ) => {
            if kept.is_some() {
                report.backups += 1;
            }
            // The mtime read before sending: a file that changed meanwhile differs next pass.
            if done.mtime >= fresh_after {
                report.fresh.push((rel.to_string(), done.modified));
            }
            report.unproven.push((rel.to_string(), done.racy()));
            let entry = RemoteEntry {
                kind: Kind::File,
                size: done.resumed_at.unwrap_or(0) + done.bytes,
                mtime: Some(done.mtime),
                mtime_ns: Some(crate::clock::subsec_nanos(done.modified)),
                inode: inode(rel),
                mode,
            };
            arrived(tree, report, rel, resume.as_ref(), done.resumed_at, entry);
            report.bytes += done.bytes;
            name(report, "sent", rel);
        }
        (Action::Rename { from, to }, _) => {
            tree::move_subtree(tree, from, to);
            report.renames += 1;
            name(report, "renamed", &format!("{from} -> {to}"));
        }
        (Action::Restore { from, to }, _) => {
            tree.remove(to);
            if let Some(entry) = tree.remove(from) {
                // As the plan took it: the copy's listed time says nothing of the local file.
                let unknown_time = RemoteEntry {
                    mtime: None,
                    inode: None,
                    ..entry
                };
                tree.insert(to.as_str(), unknown_time);
            }
            report.restored += 1;
            name(report, "restored", to);
        }
        (Action::RemoveTemp(rel), _) => {
            tree.remove(rel);
            report.temps_cleaned += 1;
        }
        (Action::DeleteFile(rel) | Action::RemoveDir(rel), _) => {
            tree.remove(rel);
            report.deletes += 1;
            name(report, "deleted", rel);
        }
        (Action::Backup(rel), _) => {
            tree.remove(rel);
            report.backups += 1;
            name(report, "backed up", rel);
        }
        (Action::Chmod { path: rel, .. }, Done::Moded(settled)) => {
            if let Some(mut entry) = tree.get_mut(rel) {
                entry.mode = settled.mode;
            }
            report.modes += usize::from(settled.changed);
        }
        (
            Action::Upload {
                path: rel, resume, ..
            },
            Done::Fetched(done),
        ) => {
            let entry = RemoteEntry {
                kind: Kind::File,
                size: done.resumed_at.unwrap_or(0) + done.bytes,
                mtime: Some(done.mtime),
                // The server's times are whole seconds: the seconds decide (see
                // `download::destination_tree`).
                mtime_ns: None,
                inode: done.identity.or(Some(0)),
                mode: None,
            };
            arrived(tree, report, rel, resume.as_ref(), done.resumed_at, entry);
            report.bytes += done.bytes;
            name(report, "fetched", rel);
        }
        (Action::Upload { .. } | Action::Chmod { .. }, _) => {}
    }
}

/// A file that arrived whole, sent or fetched: the temporary it continued (if it did) became
/// it, and the tree holds it as `entry`.
fn arrived(
    tree: &mut RemoteTree,
    report: &mut Report,
    rel: &RelPath,
    resume: Option<&RelPath>,
    resumed_at: Option<u64>,
    entry: RemoteEntry,
) {
    if let Some(temp) = resume.filter(|_| resumed_at.is_some()) {
        tree.remove(temp);
    }
    tree.insert(rel.clone(), entry);
    report.uploads += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(path: &str) -> Action {
        Action::Upload {
            path: path.into(),
            size: 1,
            mtime: 0,
            keep_old: false,
            resume: None,
            mode: None,
        }
    }

    #[test]
    fn uploads_alternate_between_folders() {
        let actions: Vec<Action> = ["a/1", "a/2", "a/3", "b/1", "c/1", "c/2", "top"]
            .into_iter()
            .map(upload)
            .collect();
        let spread = spread_over_folders(actions.iter().collect());
        let order: Vec<String> = spread
            .iter()
            .map(|a| describe::describe(a, false).1)
            .collect();
        assert_eq!(order, ["a/1", "b/1", "c/1", "top", "a/2", "c/2", "a/3"]);
    }

    #[test]
    fn local_files_are_built_from_components() {
        let p = local_file(Path::new("root"), "a b/c.txt");
        assert_eq!(p, Path::new("root").join("a b").join("c.txt"));
    }
}
