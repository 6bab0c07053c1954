//! Job: a mirror running in its own thread with its own connection; status and stop.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use super::apply::{Applier, Report, describe_plan, local_file};
use super::filter::Filter;
use super::plan::{self, PlanOptions};
use super::pool::Pool;
use super::scan;
use super::state;
use super::tree::{self, Kind, RemoteTree, Snapshot};
use super::watch::ChangeWatch;
use crate::error::{Error, Result};
use crate::ftp::{ConnectParams, Session};
use crate::journal::Journal;
use crate::progress::Bar;
use crate::progress::Printer;

/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Attempts a `--once` job makes before giving up on a broken connection.
const ONCE_ATTEMPTS: u32 = 5;
/// A connection idle this long is checked with NOOP before a pass uses it.
const STALE_AFTER: Duration = Duration::from_secs(30);
/// With a change watch, every folder is still read once per round, a share of them each
/// tick: the safety net for events the OS did not deliver (network filesystems, queue
/// overflows), at a thirtieth of a walk per tick rather than a whole walk every 30 s.
const SAFETY_ROUND: Duration = Duration::from_secs(30);
/// Walks made again when the tree changed during the walk, before planning anyway.
const TORN_WALK_RETRIES: usize = 3;
/// A remote tree with this many folders is listed over every connection of the pool.
const WIDE_LISTING_FOLDERS: usize = 8;

#[derive(Debug, Clone)]
pub struct MirrorOptions {
    pub once: bool,
    pub dry_run: bool,
    pub delete: bool,
    pub max_delete: Option<usize>,
    /// Confirms a pass the mass-delete guard would hold (see `plan::Held`).
    pub allow_mass_delete: bool,
    pub excludes: Vec<String>,
    pub max_depth: usize,
    pub interval: Duration,
    pub follow_links: bool,
    /// Connections used for uploads and deletes.
    pub parallel: usize,
    pub log: Option<PathBuf>,
    pub verbose: bool,
}

#[derive(Debug, Clone)]
pub struct JobSpec {
    pub local: PathBuf,
    pub remote: String,
    pub options: MirrorOptions,
    pub params: ConnectParams,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    Starting,
    Syncing,
    Idle,
    Retrying,
    Stopped,
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct JobStatus {
    pub state: JobState,
    pub passes: u64,
    pub last_pass_end: Option<SystemTime>,
    pub last_pass_duration: Duration,
    pub files_sent: u64,
    pub bytes_sent: u64,
    pub renames: u64,
    pub deletes: u64,
    /// Remote files moved to `--backup-dir` instead of deleted or replaced.
    pub backed_up: u64,
    pub errors: u64,
    /// Local files that could not be read.
    pub skipped: u64,
    /// Entries below --max-depth at the last walk: not mirrored.
    pub below_depth: u64,
    /// The last error (a failed pass or action), kept after it healed.
    pub last_error: Option<String>,
    /// When the job checks again after an error.
    pub next_check: Option<SystemTime>,
}

impl Default for JobStatus {
    fn default() -> Self {
        JobStatus {
            state: JobState::Starting,
            passes: 0,
            last_pass_end: None,
            last_pass_duration: Duration::ZERO,
            files_sent: 0,
            bytes_sent: 0,
            renames: 0,
            deletes: 0,
            backed_up: 0,
            errors: 0,
            skipped: 0,
            last_error: None,
            next_check: None,
            below_depth: 0,
        }
    }
}

/// Stop request that also wakes a job sleeping between passes.
#[derive(Default)]
pub struct Stopper {
    flag: AtomicBool,
    lock: Mutex<()>,
    wake: Condvar,
}

impl Stopper {
    pub fn stop(&self) {
        self.flag.store(true, Ordering::SeqCst);
        let _guard = self.lock.lock();
        self.wake.notify_all();
    }

    pub fn is_stopped(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// Sleeps up to `duration`; returns true when stopped.
    fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        let mut guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        while !self.is_stopped() {
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

/// A running (or finished) background job, as the shell holds it.
pub struct Job {
    pub id: usize,
    /// user@host:port: jobs may only overlap on different servers.
    server: String,
    pub local: String,
    pub remote: String,
    status: Arc<Mutex<JobStatus>>,
    stopper: Arc<Stopper>,
    thread: Option<JoinHandle<()>>,
}

impl Job {
    pub fn status(&self) -> JobStatus {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Asks the job to stop after the file in flight and waits for it.
    pub fn stop(&mut self) {
        self.stopper.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// All the shell's jobs.
#[derive(Default)]
pub struct Jobs {
    jobs: Vec<Job>,
}

impl Jobs {
    /// Starts a background job and returns its id.
    pub fn start(&mut self, spec: JobSpec, printer: Printer) -> Result<usize> {
        let server = server_key(&spec.params);
        // Two jobs on nested remote folders would delete each other's files.
        if let Some(other) = self
            .jobs
            .iter()
            .find(|j| j.is_running() && j.server == server && overlaps(&j.remote, &spec.remote))
        {
            return Err(Error::Failed(format!(
                "mirror: {} overlaps {} of running job {} on the same server; stop it first",
                spec.remote, other.remote, other.id
            )));
        }
        let id = self.jobs.iter().map(|j| j.id).max().unwrap_or(0) + 1;
        let runner = Runner::new(id, spec, printer)?;
        let local = runner.spec.local.display().to_string();
        let remote = runner.spec.remote.clone();
        let status = Arc::clone(&runner.status);
        let stopper = Arc::clone(&runner.stopper);
        let thread = std::thread::Builder::new()
            .name(format!("mirror-{id}"))
            .spawn(move || {
                runner.run();
            })
            .map_err(|e| Error::Failed(format!("mirror: cannot start a thread: {e}")))?;
        self.jobs.push(Job {
            id,
            server,
            local,
            remote,
            status,
            stopper,
            thread: Some(thread),
        });
        Ok(id)
    }

    pub fn list(&self) -> &[Job] {
        &self.jobs
    }

    pub fn any_running(&self) -> bool {
        self.jobs.iter().any(Job::is_running)
    }

    /// Stops one job (by id) or all; returns how many were stopped.
    pub fn stop(&mut self, id: Option<usize>) -> Result<usize> {
        let chosen = |j: &&mut Job| id.is_none_or(|id| j.id == id);
        // Tell every chosen job first, then wait: each finishes its file in flight at once.
        for job in self.jobs.iter_mut().filter(chosen) {
            job.stopper.stop();
        }
        let mut count = 0;
        for job in self.jobs.iter_mut().filter(chosen) {
            job.stop();
            count += 1;
        }
        if count == 0 && id.is_some() {
            return Err(Error::Failed(format!(
                "mirror stop: no job {}",
                id.unwrap_or(0)
            )));
        }
        Ok(count)
    }

    /// Keeps the process alive while jobs run (a one-shot `-c "mirror ..."`), until SIGINT or
    /// SIGTERM; then stops every job after its file in flight.
    pub fn wait_for_signal(&mut self) {
        let signalled = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            if let Err(err) = signal_hook::flag::register(signal, Arc::clone(&signalled)) {
                eprintln!("ftpsh: cannot watch signal {signal}: {err}");
            }
        }
        while self.any_running() && !signalled.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.stop(None);
    }

    /// True when any job ended in failure.
    pub fn any_failed(&self) -> bool {
        self.jobs
            .iter()
            .any(|j| matches!(j.status().state, JobState::Failed(_)))
    }
}

/// Upload temporaries younger than this may belong to an upload still running elsewhere
/// (another ftpsh, another machine): they are left alone until they are older.
const TEMP_MIN_AGE: i64 = 600;

/// Other processes' temporaries that the server dates within the last `TEMP_MIN_AGE`
/// seconds (LIST dates included: minutes are precise enough for this). Ours (the tag starts
/// with this process's pid and nonce) are leftovers of our own failed attempts: always
/// cleaned. Undated ones are taken as stale.
fn young_temps(tree: &RemoteTree, now: i64) -> Vec<String> {
    let ours = format!(
        "{}{}-",
        crate::ftp::path::TEMP_PREFIX,
        crate::transfer::process_tag()
    );
    tree.iter()
        .filter(|(rel, e)| {
            tree::is_temp(rel)
                && !tree::file_name(rel).starts_with(&ours)
                && e.mtime.is_some_and(|t| t > now - TEMP_MIN_AGE)
        })
        .map(|(rel, _)| rel.to_string())
        .collect()
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

/// The device the local root is on (None where the OS gives none, or it cannot be read).
fn root_device(root: &std::path::Path) -> Option<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(root).ok().map(|m| m.dev())
    }
    #[cfg(not(unix))]
    {
        let _ = root;
        None
    }
}

fn server_key(params: &ConnectParams) -> String {
    format!("{}@{}:{}", params.user, params.host, params.port)
}

/// Whether two remote roots are the same folder or one holds the other.
fn overlaps(a: &str, b: &str) -> bool {
    let inside = |inner: &str, outer: &str| {
        outer == "/"
            || inner == outer
            || inner.starts_with(&format!("{}/", outer.trim_end_matches('/')))
    };
    inside(a, b) || inside(b, a)
}

/// Runs a job to completion on the calling thread (`--once`, `--dry-run`). `lent` is the
/// shell's own connection, idle meanwhile: using it saves a login (a good share of a no-op
/// pass). It comes back in the shell's transfer mode, with `true` if it broke on the way.
pub fn run_in_foreground(
    spec: JobSpec,
    printer: Printer,
    mut lent: Option<Session>,
) -> (Result<JobStatus>, Option<(Session, bool)>) {
    let shell_binary = lent.as_ref().map(Session::is_binary);
    let mut runner = match Runner::new(0, spec, printer) {
        Ok(runner) => runner,
        Err(err) => return (Err(err), lent.map(|session| (session, false))),
    };
    if let Some(session) = lent.as_mut()
        && !session.is_binary()
        && session.set_binary(true).is_err()
    {
        runner.broken_lent = lent.take();
    }
    runner.lent = lent.is_some();
    runner.pool.ready.extend(lent);
    let status = Arc::clone(&runner.status);
    // Ctrl-C stops a foreground pass as `mirror stop` would (the file in flight is cancelled
    // through the command's token, which the pool's threads carry).
    let stopper = Arc::clone(&runner.stopper);
    let _on_ctrl_c = crate::cancel::on_interrupt(move || stopper.stop());
    let mut returned = runner.run();
    if let (Some((session, broken)), Some(false)) = (returned.as_mut(), shell_binary)
        && !*broken
    {
        *broken = session.set_binary(false).is_err();
    }
    let final_status = status.lock().map(|s| s.clone()).unwrap_or_default();
    // The verdict is the last pass's: errors of an earlier attempt that a retry repaired
    // do not count.
    let result = match &final_status.state {
        JobState::Failed(message) => Err(Error::Failed(message.clone())),
        _ => Ok(final_status),
    };
    (result, returned)
}

/// The job's thread: owns its connection, its remote tree and its journal.
struct Runner {
    id: usize,
    spec: JobSpec,
    filter: Filter,
    journal: Journal,
    state_file: Option<PathBuf>,
    status: Arc<Mutex<JobStatus>>,
    stopper: Arc<Stopper>,
    printer: Printer,
    /// The job's connections; the first one does structure, all of them list and upload.
    pool: Pool,
    /// The first connection is the shell's, lent for a foreground run.
    lent: bool,
    /// The shell's connection after it broke: handed back all the same, to be reopened.
    broken_lent: Option<Session>,
    last_used: Instant,
    tree: Option<RemoteTree>,
    /// The snapshot the last clean pass ended on: an identical scan means nothing to do.
    settled: Option<Snapshot>,
    /// Tells when the local tree changed, so idle ticks skip the walk; None: walk every tick.
    watch: Option<ChangeWatch>,
    /// The settled tree's folders ("" first), read in turn by the safety net.
    safety: Vec<String>,
    safety_next: usize,
    /// Consecutive passes with failed actions, for the retry backoff.
    failed_passes: u32,
    /// Remote paths whose names the server itself mangled (U+FFFD): never acted on.
    undecodable: Vec<String>,
    /// Remote folders whose listing held lines no format reads: nothing deleted in them.
    partial: Vec<String>,
    /// Files just sent whose mtime second has not passed yet (see `recheck_fresh`).
    fresh: HashMap<String, SystemTime>,
    /// The device of the local root that the remote copy was made from (see `root_device`).
    accepted_device: Option<u64>,
    /// Problems already reported, so a persistent one is said once, not every second.
    reported: Vec<String>,
}

impl Runner {
    fn new(id: usize, spec: JobSpec, printer: Printer) -> Result<Runner> {
        let filter = Filter::new(spec.options.max_depth, &spec.options.excludes)
            .map_err(|e| Error::usage(format!("mirror --exclude: {e}")))?;
        let journal = Journal::open(spec.options.log.as_deref(), crate::journal::Format::Text)?;
        let p = &spec.params;
        let state_file = state::state_file(&p.host, p.port, &p.user, &spec.remote);
        let pool = Pool::new(p.clone());
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
            watch: None,
            safety: Vec::new(),
            safety_next: 0,
            failed_passes: 0,
            fresh: HashMap::new(),
            undecodable: Vec::new(),
            partial: Vec::new(),
            reported: Vec::new(),
            accepted_device: None,
        })
    }

    fn label(&self) -> String {
        if self.id == 0 {
            "mirror".to_string()
        } else {
            format!("mirror {}", self.id)
        }
    }

    fn say(&self, message: &str) {
        // The printer escapes (see `crate::escape`): messages carry server replies.
        (self.printer)(format!("{}: {message}", self.label()));
    }

    /// Keeps the last error and when the next check is due, for `mirror status`.
    fn note_error(&self, error: &str, wait: Duration) {
        if let Ok(mut status) = self.status.lock() {
            status.last_error = Some(error.to_string());
            status.next_check = Some(SystemTime::now() + wait);
        }
    }

    fn set_state(&self, state: JobState) {
        if let Ok(mut status) = self.status.lock() {
            status.state = state;
        }
    }

    /// Runs passes until stopped; closes its connections but the lent one, which it returns
    /// (`true`: it broke).
    fn run(mut self) -> Option<(Session, bool)> {
        let once = self.spec.options.once || self.spec.options.dry_run;
        // inotify does not follow symlinked folders: with --follow-links, walk every tick.
        if !once && !self.spec.options.follow_links {
            match ChangeWatch::start(&self.spec.local) {
                Ok(watch) => self.watch = Some(watch),
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
                Ok(clean) => {
                    backoff = Duration::from_secs(1);
                    attempts = 0;
                    if once {
                        let state = if clean {
                            JobState::Stopped
                        } else {
                            JobState::Failed(format!("{}: the pass had errors", self.label()))
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
                        self.journal
                            .record(&format!("job={} FAILED {message}", self.id));
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
    fn drop_sessions(&mut self) {
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
    fn connect(&mut self, wanted: usize) -> Result<()> {
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
    fn remote_tree(&mut self) -> Result<RemoteTree> {
        if let Some(tree) = self.tree.take() {
            return Ok(tree);
        }
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
        let listing = state::list_remote(&mut self.pool, width, root, &self.filter, recorded)?;
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
                "remote folder {:?}: {lines} listing line(s) ftpsh cannot read (or cut short); nothing in it is deleted",
                crate::ftp::path::join(root, dir)
            )
        }));
        self.partial = listing.partial.into_iter().map(|(dir, _)| dir).collect();
        self.report_problems(&notes);
        Ok(listing.tree)
    }

    /// One pass: scan, plan, apply. Ok(false) when something was not mirrored (an action
    /// failed: the next pass re-lists and retries; or a local path could not be read); Err
    /// when the connection could not be (re)established.
    fn pass(&mut self) -> Result<bool> {
        let started = Instant::now();
        if self.settled.is_some()
            && self.watch.as_ref().is_some_and(|w| !w.take_changed())
            && self.safety_share_unchanged()
        {
            // Nothing changed on disk: no walk, no FTP command.
            return Ok(true);
        }
        if let Some(watch) = &self.watch {
            watch.take_changed();
        }
        self.safety.clear();
        self.pool.retry_growth();
        let scan_started = SystemTime::now();
        let follow = self.spec.options.follow_links;
        // A pass that has to list the server (the first, or after an error) walks the local
        // tree meanwhile: both mostly wait, one on the server, the other on the disk.
        let (mut scan, listed) = if self.tree.is_none() {
            let (local, filter) = (self.spec.local.clone(), self.filter.clone());
            std::thread::scope(|threads| {
                let walker = threads.spawn(move || scan::scan(&local, &filter, follow));
                let listed = self.remote_tree();
                let scan = walker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (scan, Some(listed))
            })
        } else {
            (scan::scan(&self.spec.local, &self.filter, follow), None)
        };
        // A walk is no snapshot: a move during it can hide the file from both places, and
        // the plan would delete it and upload it again. A tree that changed while being
        // walked is walked again (a few times at most: it may never hold still).
        for _ in 0..TORN_WALK_RETRIES {
            if !self.watch.as_ref().is_some_and(ChangeWatch::take_changed) {
                break;
            }
            scan = scan::scan(&self.spec.local, &self.filter, follow);
        }
        self.report_problems(&scan.problems);
        self.report_problems(&scan.notes);
        // The depth limit is never silent: said once per count (journal, terminal, dry run),
        // and kept in the status.
        if let Some(first) = &scan.first_below {
            let line = format!(
                "{} entries below --max-depth {} are not mirrored (the first folder holding some: {})",
                scan.below_depth,
                self.spec.options.max_depth,
                crate::escape::quoted(first)
            );
            self.report_problems(&[line]);
        }
        if let Ok(mut status) = self.status.lock() {
            status.below_depth = scan.below_depth as u64;
        }
        // Taken, not borrowed: a pass that fails on the way (an early return) must leave
        // nothing settled, so the next tick walks and retries.
        let settled = self.settled.take();
        if listed.is_none() && settled.as_ref() == Some(&scan.snapshot) {
            self.settled = settled;
            return Ok(scan.problems.is_empty());
        }
        let mut tree = match listed {
            Some(listed) => listed?,
            None => self.remote_tree()?,
        };
        // The device the local root is on: a folder whose mount went away is on another one.
        let device = root_device(&self.spec.local);
        if self.accepted_device.is_none() {
            self.accepted_device = self.state_file.as_deref().and_then(state::load_device);
        }
        let options = PlanOptions {
            delete: self.spec.options.delete,
            max_delete: self.spec.options.max_delete,
            allow_mass_delete: self.spec.options.allow_mass_delete,
            root_moved: matches!((self.accepted_device, device), (Some(was), Some(now)) if was != now),
        };
        self.recheck_fresh(&mut tree, scan_started);
        // Another upload's temporary is not ours to clean: out of sight until it is old.
        for temp in young_temps(&tree, crate::clock::unix_seconds(scan_started)) {
            tree.remove(&temp);
        }
        let filter = self
            .filter
            .protecting(&scan.unreadable)
            .protecting(&self.undecodable)
            .keeping(&self.partial);
        let plan::Plan { actions, held } =
            match plan::plan(&scan.snapshot, &tree, &filter, &options) {
                Ok(plan) => plan,
                Err(err) => {
                    // Refused (too many deletes): nothing to retry until the tree changes.
                    self.tree = Some(tree);
                    self.settled = Some(scan.snapshot);
                    self.report_problems(&[err.to_string()]);
                    return Ok(false);
                }
            };
        // Deletes held for a moved root keep the old device: the next pass holds them too,
        // until the user confirms or the mount is back.
        let device_changed = self.accepted_device != device;
        if held
            .as_ref()
            .is_none_or(|h| h.why != plan::HoldReason::RootMoved)
        {
            self.accepted_device = device;
        }
        if let Some(held) = &held {
            self.hold(held);
        }
        if self.spec.options.dry_run {
            for action in &actions {
                (self.printer)(describe_plan(action));
            }
            self.say(&format!(
                "dry run: {} actions, nothing changed",
                actions.len()
            ));
            return Ok(true);
        }
        self.set_state(JobState::Syncing);
        let report = if actions.is_empty() {
            Report::default()
        } else {
            let uploads = actions
                .iter()
                .filter(|a| matches!(a, plan::Action::Upload { .. }))
                .count();
            self.connect(uploads.clamp(1, self.spec.options.parallel))?;
            // A job run in the foreground (--once) shows its uploads on a bar.
            let bar = (self.id == 0 && uploads > 1).then(|| Bar::files("mirror", uploads as u64));
            let tick = || {
                if let Some(bar) = &bar {
                    bar.inc(1);
                }
            };
            let applier = Applier {
                local_root: &self.spec.local,
                remote_root: &self.spec.remote,
                journal: &self.journal,
                job: self.id,
                stop: &self.stopper.flag,
                echo: self.spec.options.verbose.then_some(&self.printer),
                on_upload: Some(&tick),
                fresh_after: crate::clock::unix_seconds(scan_started) - 1,
                follow_links: self.spec.options.follow_links,
            };
            applier.apply(&mut self.pool.ready, &actions, &scan.snapshot, &mut tree)
        };
        // Nothing is in flight any more: quitting now interrupts nothing.
        self.set_state(JobState::Idle);
        self.record_pass(&report, started.elapsed());
        if (report.changed_anything() || device_changed)
            && let Some(file) = &self.state_file
            && let Err(err) = state::save(file, &tree, self.accepted_device)
        {
            self.report_problems(&[err.to_string()]);
        }
        let clean = report.errors.is_empty() && !report.stopped && report.deletes_postponed == 0;
        self.failed_passes = if report.errors.is_empty() {
            0
        } else {
            self.failed_passes + 1
        };
        // For --once, anything left behind (unreadable files, symlink loops, unsendable
        // names) makes the run a failure even though the pass itself went through.
        // So do folders whose listing could not be read whole: deletes may be owed there.
        let deletes_owed = self.spec.options.delete && !self.partial.is_empty();
        let complete = clean
            && report.skipped.is_empty()
            && scan.problems.is_empty()
            && !deletes_owed
            && held.is_none();
        if report.connection_lost {
            self.drop_sessions();
            return Err(Error::Connection {
                what: "connection lost".to_string(),
                message: report.errors.last().cloned().unwrap_or_default(),
            });
        }
        if clean {
            // Files that could not be read are left out of the settled snapshot, so the next
            // change of the tree (a chmod included) retries them. Files sent within their own
            // mtime second are rechecked at the next ticks (see `recheck_fresh`).
            for path in &report.skipped_paths {
                scan.snapshot.remove(path);
            }
            self.fresh.extend(report.fresh.iter().cloned());
            // While fresh files wait for their second to pass, every tick walks.
            self.settled = self.fresh.is_empty().then_some(scan.snapshot);
            self.tree = Some(tree);
        } else {
            // Re-list next pass: after a failure the remote may differ from what we believe.
            self.settled = None;
            self.tree = None;
        }
        Ok(complete)
    }

    /// The safety net: reads this tick's share of the settled tree's folders and compares
    /// them with it. False as soon as one differs (then the pass walks everything).
    fn safety_share_unchanged(&mut self) -> bool {
        let Some(settled) = &self.settled else {
            return false;
        };
        if self.safety.is_empty() {
            let folders = settled.iter().filter(|(_, e)| e.kind == Kind::Dir);
            self.safety = std::iter::once(String::new())
                .chain(folders.map(|(rel, _)| rel.to_string()))
                .collect();
        }
        let ticks = SAFETY_ROUND.as_secs_f64() / self.spec.options.interval.as_secs_f64();
        let share = (self.safety.len() as f64 / ticks.max(1.0)).ceil() as usize;
        for _ in 0..share {
            let rel = &self.safety[self.safety_next % self.safety.len()];
            self.safety_next = self.safety_next.wrapping_add(1);
            let now = scan::scan_folder(&self.spec.local, rel, &self.filter);
            if !now.snapshot.iter().eq(settled.children(rel)) {
                log::debug!("{}: {rel:?} changed without an event", self.label());
                return false;
            }
        }
        true
    }

    /// Files sent in the same second as they were last modified: if their exact mtime moved
    /// since (an edit the seconds cannot show), mark them for sending again; once their
    /// second is past, forget them.
    fn recheck_fresh(&mut self, tree: &mut RemoteTree, now: SystemTime) {
        let recent = crate::clock::unix_seconds(now) - 1;
        let root = self.spec.local.clone();
        self.fresh.retain(|rel, sent| {
            let current = std::fs::metadata(local_file(&root, rel)).and_then(|m| m.modified());
            match current {
                Ok(modified) if modified == *sent => crate::clock::unix_seconds(modified) >= recent,
                Ok(_) => {
                    if let Some(mut entry) = tree.get_mut(rel.as_str()) {
                        entry.mtime = None;
                    }
                    false
                }
                // Gone or moved: the plan sees that by itself (a move stays a rename).
                Err(_) => false,
            }
        });
    }

    fn record_pass(&self, report: &Report, took: Duration) {
        if let Ok(mut status) = self.status.lock() {
            status.passes += 1;
            status.last_pass_end = Some(SystemTime::now());
            status.last_pass_duration = took;
            status.files_sent += report.uploads as u64;
            status.bytes_sent += report.bytes;
            status.renames += report.renames as u64;
            status.deletes += report.deletes as u64;
            status.errors += report.errors.len() as u64;
            status.skipped += report.skipped.len() as u64;
            if let Some(error) = report.errors.first() {
                status.last_error = Some(error.clone());
            }
        }
        if report.changed_anything() || !report.errors.is_empty() || !report.skipped.is_empty() {
            let summary = format!("{} in {:.2}s", report.summary(), took.as_secs_f64());
            self.journal
                .record(&format!("job={} PASS {summary}", self.id));
            // Errors first, then the summary that counts them, naming what moved.
            for error in report.errors.iter().chain(&report.skipped) {
                self.say(error);
            }
            match report.names() {
                Some(names) => self.say(&format!("{summary}: {names}")),
                None => self.say(&summary),
            }
        }
    }

    /// Says once (journal and terminal) that deletes are held, and why.
    fn hold(&mut self, held: &plan::Held) {
        let line = held.to_string();
        if !self.reported.contains(&line) {
            self.journal.record(&format!("job={} HOLD {line}", self.id));
            self.say(&line);
            self.reported.push(line);
        }
    }

    /// Reports each distinct problem once (journal and terminal).
    fn report_problems(&mut self, problems: &[String]) {
        for problem in problems {
            if !self.reported.contains(problem) {
                self.journal
                    .record(&format!("job={} SKIP {problem}", self.id));
                self.say(problem);
                self.reported.push(problem.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_remote_roots_overlap() {
        let cases = [
            ("/www", "/www", true),
            ("/www", "/www/sub", true),
            ("/www/sub", "/www", true),
            ("/", "/anything", true),
            ("/www", "/www2", false),
            ("/a/b", "/a/c", false),
        ];
        for (a, b, want) in cases {
            assert_eq!(overlaps(a, b), want, "{a} {b}");
        }
    }
}
