//! The job's thread: its connections (lent, opened, checked when stale), the remote tree it
//! believes, the retry backoff, and what it reports (status, journal, terminal).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime};

use super::changes::Changes;
use super::pass::Verdict;
use super::{JobSpec, JobState, JobStatus};
use crate::error::{Error, Result};
use crate::ftp::Session;
use crate::ftp::fetch::Tally;
use crate::journal::{Entry, Journal, Outcome};
use crate::mirror::backup::BackupDir;
use crate::mirror::filter::{Filter, Rules};
use crate::mirror::lock::{self, RemoteLock};
use crate::mirror::modes::Keeper;
use crate::mirror::plan::Holds;
use crate::mirror::pool::Pool;
use crate::mirror::state;
use crate::mirror::tree::{Kind, RemoteTree, Snapshot, local_file};
use crate::progress::Printer;

/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Attempts a `--once` job makes before giving up on a broken connection.
const ONCE_ATTEMPTS: u32 = 5;
/// A connection idle this long is checked with NOOP before a pass uses it.
const STALE_AFTER: Duration = Duration::from_secs(30);
/// A remote tree with this many folders is listed over every connection of the pool.
const WIDE_LISTING_FOLDERS: usize = 8;

/// Stop request that also wakes a job sleeping between passes.
#[derive(Default)]
pub struct Stopper {
    /// Also the job thread's cancel token (see `crate::cancel`): a stop interrupts the
    /// transfer in flight.
    pub(super) flag: Arc<AtomicBool>,
    /// `mirror confirm`: the deletes held now may run (the next pass takes it).
    confirm: AtomicBool,
    lock: Mutex<()>,
    wake: Condvar,
}

impl Stopper {
    pub fn stop(&self) {
        self.flag.store(true, Ordering::SeqCst);
        let _guard = self.lock.lock();
        self.wake.notify_all();
    }

    /// The token a job thread installs (`crate::cancel::install`) so that a stop cancels
    /// its transfers as Ctrl-C cancels a foreground command's.
    pub(super) fn token(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.flag)
    }

    pub fn is_stopped(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// Confirms the deletes the job holds, and wakes it to run them.
    pub fn confirm(&self) {
        self.confirm.store(true, Ordering::SeqCst);
        let _guard = self.lock.lock();
        self.wake.notify_all();
    }

    /// Whether the user confirmed the held deletes since the last call.
    pub(super) fn take_confirmation(&self) -> bool {
        self.confirm.swap(false, Ordering::SeqCst)
    }

    /// Sleeps up to `duration`, or until stopped or confirmed; returns true when stopped.
    fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        let mut guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        while !self.is_stopped() && !self.confirm.load(Ordering::SeqCst) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            guard = match self.wake.wait_timeout(guard, left) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
        }
        self.is_stopped()
    }
}

/// What a job says of a remote folder the server would not list (`refusal`: the error).
pub(super) fn unknown_note(refusal: &str) -> String {
    format!("{refusal}; nothing is sent into it or deleted in it, and it is listed again next pass")
}

/// For an error that ends a job: what the user can do about it.
fn what_to_do(err: &Error) -> &'static str {
    match err {
        Error::LoginRefused { .. } => {
            "; check the user and password (FTPSH_PASSWORD, .netrc), then start the mirror again"
        }
        Error::Reply { .. } | Error::BadName { .. } | Error::IsDirectory { .. } => {
            "; the server refuses this for good: fix what it names, then start the mirror again"
        }
        _ => "",
    }
}

/// The job's thread: owns its connection, its remote tree and its journal.
pub(super) struct Runner {
    pub(super) id: usize,
    pub(super) spec: JobSpec,
    pub(super) filter: Filter,
    pub(super) journal: Journal,
    pub(super) state_file: Option<PathBuf>,
    pub(super) status: Arc<Mutex<JobStatus>>,
    pub(super) stopper: Arc<Stopper>,
    pub(super) printer: Printer,
    /// The job's connections; the first one does structure, all of them list and upload.
    pub(super) pool: Pool,
    /// The first connection is the shell's, lent for a foreground run.
    pub(super) lent: bool,
    /// The shell's connection after it broke: handed back all the same, to be reopened.
    pub(super) broken_lent: Option<Session>,
    pub(super) last_used: Instant,
    pub(super) tree: Option<RemoteTree>,
    /// The snapshot the last clean pass ended on: an identical scan means nothing to do.
    pub(super) settled: Option<Snapshot>,
    /// Whether the local tree changed since `settled`, without walking it.
    pub(super) changes: Changes,
    /// Entries below each folder at the depth limit, as the last walk counted them.
    pub(super) below_known: HashMap<String, usize>,
    /// Consecutive passes with failed actions, for the retry backoff.
    pub(super) failed_passes: u32,
    /// Remote paths whose names the server itself mangled (U+FFFD): never acted on.
    pub(super) undecodable: Vec<String>,
    /// Remote folders whose listing held lines no format reads: nothing deleted in them.
    pub(super) partial: Vec<String>,
    /// Remote folders the server would not list (a refusal without proof of an empty
    /// folder): what they hold is unknown, so nothing is sent or deleted there, and the
    /// next pass lists the remote again (on the retry backoff).
    pub(super) unknown: Vec<String>,
    /// Files just sent whose mtime second has not passed yet (see `recheck_fresh`).
    pub(super) fresh: HashMap<String, SystemTime>,
    /// Files sent whose time proves nothing (see `transfer::Uploaded::racy`): the state on
    /// disk says "unknown time" for them until they are sent again with a time that does.
    pub(super) unproven: std::collections::HashSet<String>,
    /// The device of the local root that the remote copy was made from (see `root_device`).
    pub(super) accepted_device: Option<u64>,
    /// Problems already reported, so a persistent one is said once, not every second.
    pub(super) reported: Vec<String>,
    /// `--backup-dir`: where deleted and replaced files go.
    pub(super) backup: Option<BackupDir>,
    /// The last pass's backup folder: the next one is named later, whatever the clock says.
    pub(super) last_backup_folder: String,
    /// What the job learnt about permission bits on its server.
    pub(super) modes: Keeper,
    /// When the remote tree was last listed: a live upload job lists it again after
    /// `--recheck`, even when nothing changed locally (another writer on the same folder).
    pub(super) listed_at: Option<Instant>,
    /// The lock on the remote folder this job writes into (see `mirror::lock`).
    _lock: Option<RemoteLock>,
    /// The deletes the job holds (kept beside its state: see `holding`).
    pub(super) holds: Holds,
    /// Deletes the user confirmed, run without a guard until a pass goes through.
    pub(super) confirmed: HashSet<String>,
    /// The hold last said, so a hold is said once, not every pass.
    pub(super) said_hold: Option<String>,
}

impl Runner {
    pub(super) fn new(id: usize, spec: JobSpec, printer: Printer) -> Result<Runner> {
        let options = &spec.options;
        let rules = Rules {
            excludes: options.excludes.clone(),
            ignore_files: options.ignore_files.clone(),
            includes: options.includes.clone(),
        };
        let mut filter = Filter::with_rules(options.max_depth, &rules)
            .map_err(|e| Error::usage(format!("mirror {e}")))?;
        let backup = match &options.backup_dir {
            Some(dir) => Some(BackupDir::new(dir, &spec.remote).map_err(Error::usage)?),
            None => None,
        };
        // A backup folder inside the mirror is not part of it: nothing is sent there, and
        // nothing there is deleted. So it may not be where LOCAL has something to send.
        if let Some(backup) = &backup {
            let at = backup
                .inside
                .as_deref()
                .map(|rel| local_file(&spec.local, rel));
            let local = at.and_then(|at| std::fs::symlink_metadata(at).ok());
            let kind = local.map(|m| if m.is_dir() { Kind::Dir } else { Kind::File });
            if let Some(refused) = backup.hides(kind, &filter) {
                return Err(Error::usage(refused));
            }
        }
        if let Some(inside) = backup.as_ref().and_then(|b| b.inside.clone()) {
            filter = filter.protecting(&[inside]);
        }
        let journal = Journal::open(options.log.as_deref(), options.log_format)?;
        let p = &spec.params;
        // A download job's record (what it wrote into LOCAL) is its own, per LOCAL.
        let state_file = if spec.options.download {
            let key = format!("{}\0download\0{}", spec.remote, spec.local.display());
            state::state_file(&p.host, p.port, &p.user, &key)
        } else {
            state::state_file(&p.host, p.port, &p.user, &spec.remote)
        };
        // A job that writes into the remote folder holds its lock for as long as it runs.
        let lock = match &state_file {
            Some(file) if !options.download && !options.dry_run => Some(lock::acquire(
                &lock::lock_file(file),
                &super::server_key(p),
                &spec.remote,
                super::overlaps,
            )?),
            _ => None,
        };
        let pool = Pool::new(p.clone());
        let (holds, confirmed) = Runner::load_holds(state_file.as_deref(), options);
        Ok(Runner {
            id,
            spec,
            filter,
            journal,
            state_file,
            status: Arc::new(Mutex::new(JobStatus::default())),
            stopper: Arc::new(Stopper::default()),
            printer,
            pool,
            lent: false,
            broken_lent: None,
            last_used: Instant::now(),
            tree: None,
            settled: None,
            changes: Changes::default(),
            below_known: HashMap::new(),
            failed_passes: 0,
            fresh: HashMap::new(),
            unproven: Default::default(),
            undecodable: Vec::new(),
            partial: Vec::new(),
            unknown: Vec::new(),
            reported: Vec::new(),
            accepted_device: None,
            backup,
            last_backup_folder: String::new(),
            modes: Keeper::default(),
            listed_at: None,
            _lock: lock,
            holds,
            confirmed,
            said_hold: None,
        })
    }

    pub(super) fn label(&self) -> String {
        if self.id == 0 {
            "mirror".to_string()
        } else {
            format!("mirror {}", self.id)
        }
    }

    pub(super) fn say(&self, message: &str) {
        // The printer escapes (see `crate::escape`): messages carry server replies.
        (self.printer)(format!("{}: {message}", self.label()));
    }

    /// Keeps the last error and when the next check is due, for `mirror status`.
    pub(super) fn note_error(&self, error: &str, wait: Duration) {
        if let Ok(mut status) = self.status.lock() {
            status.last_error = Some(error.to_string());
            status.next_check = Some(SystemTime::now() + wait);
        }
    }

    pub(super) fn set_state(&self, state: JobState) {
        if let Ok(mut status) = self.status.lock() {
            status.state = state;
        }
    }

    /// Runs passes until stopped; closes its connections but the lent one, which it returns
    /// (`true`: it broke).
    pub(super) fn run(mut self) -> Option<(Session, bool)> {
        let once = self.spec.options.once || self.spec.options.dry_run;
        // inotify does not follow symlinked folders: with --follow-links, walk every tick.
        // A download job polls the server; LOCAL's changes are found by each pass's walk.
        if !once && !self.spec.options.follow_links && !self.spec.options.download {
            match Changes::watch(&self.spec.local, self.spec.options.max_depth) {
                Ok(changes) => self.changes = changes,
                Err(err) => self.report_problems(&[format!(
                    "cannot watch {} for changes ({err}); walking it every tick instead",
                    self.spec.local.display()
                )]),
            }
        }
        let mut backoff = Duration::from_secs(1);
        let mut attempts = 0;
        loop {
            if self.stopper.is_stopped() {
                self.set_state(JobState::Stopped);
                break;
            }
            match self.pass() {
                Ok(verdict) => {
                    backoff = Duration::from_secs(1);
                    attempts = 0;
                    if once {
                        let state = match verdict {
                            Verdict::Complete => JobState::Stopped,
                            Verdict::Held => JobState::Failed(format!(
                                "{}: deletes held ({}); everything else is mirrored",
                                self.label(),
                                self.holds.len()
                            )),
                            Verdict::Incomplete => {
                                JobState::Failed(format!("{}: the pass had errors", self.label()))
                            }
                        };
                        self.set_state(state);
                        break;
                    }
                    self.set_state(JobState::Idle);
                    // After failed actions, retry on the backoff schedule rather than every
                    // interval: a file the server keeps refusing must not turn into a re-list
                    // and a journal line every second.
                    let wait = match self.failed_passes {
                        0 => self.spec.options.interval,
                        n => self
                            .spec
                            .options
                            .interval
                            .max(Duration::from_secs(1 << n.min(5)))
                            .min(MAX_BACKOFF),
                    };
                    if let Ok(mut status) = self.status.lock() {
                        status.next_check =
                            (self.failed_passes > 0).then(|| SystemTime::now() + wait);
                    }
                    if self.stopper.sleep(wait) {
                        self.set_state(JobState::Stopped);
                        break;
                    }
                }
                Err(err) => {
                    attempts += 1;
                    // Worth another pass for as long as the job runs: a lost connection, a
                    // server out of reach, a transient (4xx) refusal. What waiting cannot heal
                    // (a refused login, a 5xx on the root) ends the job, saying what to do.
                    if !err.is_transient() || (once && attempts >= ONCE_ATTEMPTS) {
                        let message = format!("{err}{}", what_to_do(&err));
                        self.say(&message);
                        self.journal.write(&Entry {
                            job: self.id,
                            action: "FAILED",
                            outcome: Some(Outcome::Failed),
                            error: Some(&message),
                            ..Entry::default()
                        });
                        self.set_state(JobState::Failed(message));
                        break;
                    }
                    self.set_state(JobState::Retrying);
                    self.note_error(&err.to_string(), backoff);
                    self.say(&format!("{err}; retrying in {}s", backoff.as_secs()));
                    self.drop_sessions();
                    self.tree = None;
                    if self.stopper.sleep(backoff) {
                        self.set_state(JobState::Stopped);
                        break;
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
        let failed = self
            .status
            .lock()
            .map_or(true, |s| matches!(s.state, JobState::Failed(_)));
        let lent = if self.lent && !self.pool.ready.is_empty() {
            let mut session = self.pool.ready.remove(0);
            // After a failure, the shell's connection may be what failed.
            let broken = failed && session.noop().is_err();
            Some((session, broken))
        } else {
            self.broken_lent.take().map(|session| (session, true))
        };
        for session in self.pool.ready.drain(..) {
            session.quit();
        }
        lent
    }

    /// Forgets every connection (after a loss); the lent one is kept aside for the shell.
    pub(super) fn drop_sessions(&mut self) {
        if self.lent && !self.pool.ready.is_empty() {
            self.broken_lent = Some(self.pool.ready.remove(0));
        }
        self.pool.ready.clear();
        self.lent = false;
    }

    /// Makes sure `wanted` connections (at least one) are open. Connections that sat idle
    /// are checked with NOOP first: servers drop idle control connections, better to find
    /// out before a pass than during it. Extra connections are a bonus: a server that refuses
    /// them (421 too many connections) just gets fewer.
    pub(super) fn connect(&mut self, wanted: usize) -> Result<()> {
        // Logins that ended after the last pass joined nothing yet: checked with the rest.
        self.pool.collect_opened();
        if self.last_used.elapsed() > STALE_AFTER {
            let ready = &mut self.pool.ready;
            if ready.first_mut().is_some_and(|s| s.noop().is_err()) {
                self.drop_sessions();
            } else if ready.len() > 1 {
                let extra: Vec<Session> = ready.drain(1..).collect();
                let alive = extra
                    .into_iter()
                    .filter_map(|mut s| s.noop().is_ok().then_some(s));
                ready.extend(alive.collect::<Vec<_>>());
            }
        }
        self.pool.first()?;
        self.pool.grow(wanted);
        self.pool.settle();
        self.last_used = Instant::now();
        Ok(())
    }

    /// The believed remote tree; listed from the server at start and after errors.
    pub(super) fn remote_tree(&mut self) -> Result<RemoteTree> {
        if let Some(tree) = self.tree.take() {
            return Ok(tree);
        }
        // Known from now (a new root included: made now, so empty now).
        self.listed_at = Some(Instant::now());
        self.connect(1)?;
        let recorded = self
            .state_file
            .as_deref()
            .map(state::load)
            .unwrap_or_default();
        let root = self.spec.remote.as_str();
        let parallel = self.spec.options.parallel;
        let session = &mut self.pool.ready[0];
        if session.stat(root)?.is_none() {
            if self.spec.options.dry_run {
                // A missing root in a dry run holds nothing yet.
                return Ok(RemoteTree::new());
            }
            // A new root: everything will be uploaded, so the logins start now.
            self.pool.grow(parallel);
            self.pool.first()?.mkdir_all(root)?;
            return Ok(RemoteTree::new());
        }
        // One folder per connection pays off when there are many to list; without a record
        // (a first sync, or the state file was lost) the size is unknown, and the uploads of
        // a first sync will want every connection anyway. The logins run meanwhile.
        let folders = recorded.values().filter(|e| e.kind == Kind::Dir).count();
        let width = if recorded.is_empty() || folders >= WIDE_LISTING_FOLDERS {
            parallel
        } else {
            1
        };
        let tally = Tally::new(self.spec.params.max_listed, "pass");
        let listing =
            state::list_remote(&mut self.pool, width, root, &self.filter, recorded, &tally)?;
        self.undecodable = listing.undecodable;
        let mut notes: Vec<String> = self
            .undecodable
            .iter()
            .map(|rel| {
                format!(
                    "remote {}: the server lists this name with U+FFFD (it could not encode it); left alone",
                    crate::escape::quoted(rel)
                )
            })
            .collect();
        notes.extend(listing.partial.iter().map(|(dir, lines)| {
            format!(
                "remote folder {:?}: {} ftpsh cannot read (or cut short); nothing in it is deleted",
                crate::ftp::path::join(root, dir),
                crate::words::count(*lines as u64, "listing line", "listing lines")
            )
        }));
        self.partial = listing.partial.into_iter().map(|(dir, _)| dir).collect();
        notes.extend(
            listing
                .unknown
                .iter()
                .map(|(_, refusal)| unknown_note(refusal)),
        );
        self.unknown = listing.unknown.into_iter().map(|(dir, _)| dir).collect();
        self.report_problems(&notes);
        Ok(listing.tree)
    }

    /// Reports each distinct problem once (journal and terminal).
    pub(super) fn report_problems(&mut self, problems: &[String]) {
        for problem in problems {
            if !self.reported.contains(problem) {
                self.journal.write(&Entry {
                    job: self.id,
                    action: "SKIP",
                    outcome: Some(Outcome::Skipped),
                    message: Some(problem),
                    ..Entry::default()
                });
                self.say(problem);
                self.reported.push(problem.clone());
            }
        }
    }
}
