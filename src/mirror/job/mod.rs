//! Jobs: the shell's list of mirror jobs (start, stop, wait), each a [`Runner`] on its own
//! thread with its own connections; or one run in the foreground (`--once`, `--dry-run`).
//!
//! The job's parts: `status` (what `mirror status` shows), `runner` (the thread, its
//! connections, the retry backoff), `pass` (one scan, plan, apply), `changes` (whether the
//! local tree changed: the OS's events and the safety net).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::filter::IgnoreFile;
use super::on_change::OnChange;
use crate::error::{Error, Result};
use crate::ftp::{ConnectParams, Session};
use crate::journal::Format;
pub use crate::mirror::plan::Compare;
use crate::progress::Printer;
use runner::{Runner, Stopper};

mod changes;
mod download_pass;
mod holding;
mod pass;
mod runner;
mod status;

pub use status::{JobState, JobStatus};

#[derive(Debug, Clone, Default)]
pub struct MirrorOptions {
    pub once: bool,
    pub dry_run: bool,
    pub delete: bool,
    pub max_delete: Option<usize>,
    /// Confirms the deletes held by earlier runs over the same state, and turns the
    /// vanished-source guard off (see `plan::holds`).
    pub allow_mass_delete: bool,
    pub excludes: Vec<String>,
    /// `--exclude-from` files, as given...
    pub exclude_from: Vec<PathBuf>,
    /// ...and as read when the job is started.
    pub ignore_files: Vec<IgnoreFile>,
    /// `--include` globs: only matching files are mirrored.
    pub includes: Vec<String>,
    pub max_depth: usize,
    pub interval: Duration,
    pub follow_links: bool,
    /// Connections used for uploads and deletes.
    pub parallel: usize,
    pub log: Option<PathBuf>,
    /// How the journal's lines are written.
    pub log_format: Format,
    /// Run after each pass that changed the remote.
    pub on_change: Option<OnChange>,
    /// `--backup-dir`, absolute and normalised: where deleted and replaced files go.
    pub backup_dir: Option<String>,
    pub verbose: bool,
    /// Keep permission bits (on unless `--no-perms`; see `mirror::modes`).
    pub perms: bool,
    /// Which remote files are replaced (`--size-only`, `--update`, `--ignore-existing`).
    pub compare: Compare,
    /// Bytes per second for all the job's connections together (`--limit-rate`).
    pub limit_rate: Option<u64>,
    /// `mirror --download REMOTE LOCAL`: LOCAL becomes a copy of the remote tree.
    pub download: bool,
    /// `--recheck`: how long a live upload job trusts its remote tree without listing it
    /// again (zero: not at all, every tick lists it).
    pub recheck: Duration,
}

#[derive(Debug, Clone)]
pub struct JobSpec {
    pub local: PathBuf,
    pub remote: String,
    pub options: MirrorOptions,
    pub params: ConnectParams,
}

/// A running (or finished) background job, as the shell holds it.
pub struct Job {
    pub id: usize,
    /// user@host:port: jobs may only overlap on different servers.
    server: String,
    pub local: String,
    pub remote: String,
    /// A download job (`mirror --download`): REMOTE is copied into LOCAL.
    pub download: bool,
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

    /// Asks the job to stop (its file in flight is interrupted, its temporary kept) and
    /// waits for it.
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
        // Lossless (see `crate::lossless`): a folder whose name is not UTF-8 shows as
        // `\xHH` in `mirror status`, and its bytes reach `mirror status --json`.
        let local = crate::lossless::from_os(runner.spec.local.as_os_str())
            .unwrap_or_else(|| runner.spec.local.display().to_string());
        let remote = runner.spec.remote.clone();
        let download = runner.spec.options.download;
        let status = Arc::clone(&runner.status);
        let stopper = Arc::clone(&runner.stopper);
        let thread = std::thread::Builder::new()
            .name(format!("mirror-{id}"))
            .spawn(move || {
                // `mirror stop` and quitting interrupt the file in flight (kept on the
                // server for the next run), not only the files after it.
                let _stop = crate::cancel::install(Some(runner.stopper.token()));
                runner.run();
            })
            .map_err(|e| Error::Failed(format!("mirror: cannot start a thread: {e}")))?;
        self.jobs.push(Job {
            id,
            server,
            local,
            remote,
            download,
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
        // Tell every chosen job first, then wait: each interrupts its file in flight at once.
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

    /// `mirror confirm ID`: the deletes job `id` holds run at its next pass (now). Returns
    /// how many it held (0: nothing to confirm, and nothing is).
    pub fn confirm(&mut self, id: usize) -> Result<u64> {
        let job = self
            .jobs
            .iter()
            .find(|j| j.id == id && j.is_running())
            .ok_or_else(|| Error::Failed(format!("mirror confirm: no running job {id}")))?;
        let held = job.status().held_deletes;
        if held > 0 {
            job.stopper.confirm();
        }
        Ok(held)
    }

    /// Keeps the process alive while jobs run (a one-shot `-c "mirror ..."`), until SIGINT or
    /// SIGTERM; then stops every job (files in flight interrupted, their temporaries kept).
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
    // The shell's connection keeps to the job's limits meanwhile, then to its own again.
    let shell_limits = lent
        .as_mut()
        .map(|session| session.set_limits(spec.params.limits.clone()));
    let give_back = |session: &mut Session| {
        if let Some(limits) = &shell_limits {
            session.set_limits(limits.clone());
        }
    };
    let mut runner = match Runner::new(0, spec, printer) {
        Ok(runner) => runner,
        Err(err) => {
            if let Some(session) = lent.as_mut() {
                give_back(session);
            }
            return (Err(err), lent.map(|session| (session, false)));
        }
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
    if let Some((session, _)) = returned.as_mut() {
        give_back(session);
    }
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
