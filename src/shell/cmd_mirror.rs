//! The `mirror` and `jobs` commands: start, list and stop mirror jobs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use super::mirror_options::parse;
use super::state::Shell;
use super::table::Invocation;
use crate::error::{Error, Result};
use crate::escape::escape;
use crate::ftp::path;
use crate::ftp::rate::{self, Limit};
use crate::mirror::filter::IgnoreFile;
use crate::mirror::job::{self, JobSpec, JobState, JobStatus, MirrorOptions};
use crate::mirror::status_json;
use crate::progress::Printer;

pub fn mirror(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    match inv.args[0].as_str() {
        "status" if inv.args.len() == 1 => return jobs(shell, inv),
        "status" if inv.args[1..] == ["--json"] => return jobs_json(shell),
        "stop" if inv.args.len() <= 2 => return stop(shell, inv.args.get(1)),
        "confirm" if inv.args.len() == 2 => return confirm(shell, &inv.args[1]),
        _ => {}
    }
    // `mirror --help` asked for it: `help mirror` (help.txt is the one reference), on
    // stdout, no error
    if inv.args.iter().any(|a| a == "--help" || a == "-h") {
        if let Some(text) = super::help::section_for("mirror") {
            println!("{}", text.trim_end());
        }
        return Ok(());
    }
    let spec = spec(shell, &inv.args)?;
    if spec.options.once || spec.options.dry_run {
        // The shell's connection does the job's work meanwhile (checked first, like any
        // command's): a foreground run then needs no login of its own.
        let connected = shell.session().is_ok();
        let mut lent = shell.lend();
        let session = if connected { lent.take() } else { None };
        // The pass says what it did (its summary, its errors); one that had nothing to say
        // changed nothing, which a person at the prompt is told in one line.
        let said = Arc::new(AtomicBool::new(false));
        let printer: Printer = {
            let said = Arc::clone(&said);
            Arc::new(move |line| {
                said.store(true, Ordering::Relaxed);
                crate::progress::print_out(&line);
            })
        };
        let between = direction(&spec);
        let (result, returned) = job::run_in_foreground(spec, printer, session);
        if let Some((session, broken)) = returned {
            lent.give_back(Some(session), broken);
        }
        drop(lent);
        if crate::cancel::requested() {
            return Err(Error::Cancelled(
                "mirror: cancelled; a file cut in flight keeps its temporary for the next pass \
                 to continue"
                    .to_string(),
            ));
        }
        result?;
        if (shell.verbose() || shell.interactive) && !said.load(Ordering::Relaxed) {
            println!("mirror: nothing to change ({})", escape(&between));
        }
        return Ok(());
    }
    let summary = direction(&spec);
    let interval = spec.options.interval;
    let limit = spec
        .options
        .limit_rate
        .map_or_else(String::new, |r| format!(", at most {}/s", rate::display(r)));
    let id = shell.jobs.start(spec, Arc::clone(&shell.printer))?;
    println!(
        "mirror {id} started: {} (every {}s{limit})",
        escape(&summary),
        interval.as_secs_f64()
    );
    Ok(())
}

/// `LOCAL -> REMOTE`, or `LOCAL <- REMOTE` for a download.
fn direction(spec: &JobSpec) -> String {
    let arrow = if spec.options.download { "<-" } else { "->" };
    format!("{} {arrow} {}", spec.local.display(), spec.remote)
}

/// Checks a `mirror` command's words without running it (see `table::Command::check`): a
/// usage error is found before anything else, the connection included.
pub fn check(words: &[String]) -> Result<()> {
    match words.first().map(String::as_str) {
        Some("status" | "stop" | "confirm") => Ok(()),
        _ if words.iter().any(|a| a == "--help" || a == "-h") => Ok(()),
        _ => parse(words, MirrorOptions::default()).map(drop),
    }
}

fn spec(shell: &mut Shell, words: &[String]) -> Result<JobSpec> {
    let defaults = MirrorOptions {
        verbose: shell.verbose(),
        ..shell.settings.job_defaults()
    };
    let (global_log, global_format) = (defaults.log.clone(), defaults.log_format);
    let (local, remote, mut options, interval_given) = parse(words, defaults)?;
    // A usage error first, then whether there is a server to mirror with.
    let mut params = shell.params().ok_or(Error::NotConnected)?.clone();
    // One format per file: a job writing to the global journal writes it as it is written.
    if let Some(file) = &options.log
        && options.log == global_log
        && options.log_format != global_format
    {
        return Err(Error::usage(format!(
            "mirror --log-format: {} is the --log journal, written as {}; give this job \
             its own --log FILE",
            file.display(),
            global_format
        )));
    }
    // One bucket for the job: every connection it opens (or borrows) shares it.
    params.limits = params.limits.with(options.limit_rate.map(Limit::new));
    for file in &options.exclude_from {
        let what = format!("mirror --exclude-from {}", crate::escape::local_path(file));
        let read = IgnoreFile::read(file).map_err(|e| Error::local(what.as_str(), e))?;
        options.ignore_files.push(read);
    }
    if let Some(dir) = &options.backup_dir {
        path::check_sendable("mirror --backup-dir", dir)?;
        options.backup_dir = Some(path::normalize(&absolute(shell, dir)));
    }
    let what = format!("mirror {local}");
    let local_word = local;
    let local = crate::lossless::to_path(&local_word);
    if !options.download && !local.exists() {
        return Err(local_missing(&local_word, &remote));
    }
    if options.download {
        // Polling lists the whole remote tree: not every second, unless asked (an
        // --interval flag, config value or `set interval` counts as asked).
        if !interval_given && let Some(interval) = shell.settings.download_interval() {
            options.interval = interval;
        }
        // LOCAL is the copy: made when missing, but only once the remote side is known to
        // exist (the job's first pass): swapped arguments must not leave an empty folder.
    }
    let local = match std::fs::canonicalize(&local) {
        // A download into a LOCAL not made yet: everything will be fetched.
        Err(e) if options.download && e.kind() == std::io::ErrorKind::NotFound => {
            std::path::absolute(&local).map_err(|e| Error::local(what.as_str(), e))?
        }
        canonical => canonical.map_err(|e| Error::local(what.as_str(), e))?,
    };
    // (a download into a LOCAL not made yet: nothing there)
    let not_yet = options.download && !local.exists();
    if !(local.is_dir() || not_yet) {
        return Err(Error::NotDirectory { what });
    }
    path::check_sendable(&what, &remote)?;
    // One spelling per folder, so that overlapping jobs are recognised as such.
    let remote = path::normalize(&absolute(shell, &remote));
    Ok(JobSpec {
        local,
        remote,
        params,
        options,
    })
}

/// An upload's LOCAL that is not there: said as such, with the download's order when the
/// words look swapped (REMOTE is a local folder: `mirror --once /www ./site`).
fn local_missing(local: &str, remote: &str) -> Error {
    let swapped = crate::lossless::to_path(remote).is_dir();
    let hint = if swapped {
        format!(
            "; {} is a local folder: to fetch the server's {} into it, give --download \
             (mirror --download REMOTE LOCAL: mirror --download {local} {remote})",
            escape(remote),
            escape(local)
        )
    } else {
        String::new()
    };
    Error::Failed(format!(
        "mirror: local folder {} not found{hint}",
        escape(local)
    ))
}

/// A remote path as given, made absolute from the shell's remote folder.
fn absolute(shell: &Shell, remote: &str) -> String {
    if remote.starts_with('/') {
        return remote.to_string();
    }
    let base = if shell.cwd.is_empty() {
        "/"
    } else {
        shell.cwd.as_str()
    };
    path::join(base, remote)
}

fn stop(shell: &mut Shell, which: Option<&String>) -> Result<()> {
    let id = match which.map(String::as_str) {
        None | Some("all") => None,
        Some(text) => Some(
            text.parse()
                .map_err(|_| Error::usage(format!("mirror stop: {text:?} is not a job id")))?,
        ),
    };
    let was_running: Vec<usize> = shell
        .jobs
        .list()
        .iter()
        .filter(|j| j.is_running() && id.is_none_or(|id| j.id == id))
        .map(|j| j.id)
        .collect();
    shell.jobs.stop(id)?;
    match (id, was_running.len()) {
        (Some(id), 0) => println!("mirror job {id} had already stopped"),
        (None, 0) => println!("no mirror job was running"),
        (_, n) => println!(
            "{} stopped",
            crate::words::count(n as u64, "mirror job", "mirror jobs")
        ),
    }
    Ok(())
}

/// `mirror confirm ID`: the deletes a running job holds run at its next pass.
fn confirm(shell: &mut Shell, which: &str) -> Result<()> {
    let id = which
        .parse()
        .map_err(|_| Error::usage(format!("mirror confirm: {which:?} is not a job id")))?;
    match shell.jobs.confirm(id)? {
        0 => println!("mirror {id} holds no deletes"),
        held => println!("mirror {id}: {held} held deletes confirmed; they run now"),
    }
    Ok(())
}

/// `mirror status --json`: the jobs as a JSON array (`[]` when there are none).
fn jobs_json(shell: &mut Shell) -> Result<()> {
    let statuses: Vec<(usize, &str, &str, bool, JobStatus)> = shell
        .jobs
        .list()
        .iter()
        .map(|j| {
            (
                j.id,
                j.local.as_str(),
                j.remote.as_str(),
                j.download,
                j.status(),
            )
        })
        .collect();
    let rows: Vec<status_json::Row> = statuses
        .iter()
        .map(|(id, local, remote, download, status)| status_json::Row {
            id: *id,
            local,
            remote,
            download: *download,
            status,
        })
        .collect();
    println!("{}", status_json::render(&rows));
    Ok(())
}

/// `jobs` / `mirror status`: one row per job.
pub fn jobs(shell: &mut Shell, _: &Invocation) -> Result<()> {
    if shell.jobs.list().is_empty() {
        println!("no mirror jobs");
        return Ok(());
    }
    println!(
        "{:<3} {:<9} {:>6} {:>10} {:>8} {:>7} {:>12} {:>7} {:>7} {:>6} {:>6} {:>6}  LOCAL -> REMOTE",
        "ID",
        "STATE",
        "PASSES",
        "LAST PASS",
        "TOOK",
        "FILES",
        "BYTES",
        "RENAMED",
        "DELETED",
        "BACKUP",
        "HELD",
        "ERRORS"
    );
    for job in shell.jobs.list() {
        let s = job.status();
        let state = s.state.to_string();
        let ago = s
            .last_pass_end
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .map_or_else(
                || "-".to_string(),
                |d: Duration| format!("{}s ago", d.as_secs()),
            );
        println!(
            "{:<3} {:<9} {:>6} {:>10} {:>7.2}s {:>7} {:>12} {:>7} {:>7} {:>6} {:>6} {:>6}  {} {} {}",
            job.id,
            state,
            s.passes,
            ago,
            s.last_pass_duration.as_secs_f64(),
            s.files_sent,
            s.bytes_sent,
            s.renames,
            s.deletes,
            s.backed_up,
            s.held_deletes,
            s.errors + s.skipped,
            escape(&job.local),
            if job.download { "<-" } else { "->" },
            escape(&job.remote)
        );
        if s.below_depth > 0 {
            println!(
                "    {} below --max-depth not mirrored",
                crate::words::count(s.below_depth, "entry", "entries")
            );
        }
        if let Some(held) = &s.held {
            println!("    held: {}", escape(held));
        }
        if let JobState::Failed(reason) = &s.state {
            println!("    failed: {}", escape(reason));
        } else if let Some(error) = &s.last_error {
            let next = s
                .next_check
                .and_then(|t| t.duration_since(SystemTime::now()).ok())
                .map_or_else(String::new, |d| {
                    format!("; next check in {}s", d.as_secs_f64().ceil())
                });
            println!("    last error: {}{next}", escape(error));
        }
    }
    Ok(())
}
