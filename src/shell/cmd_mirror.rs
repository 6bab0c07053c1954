//! The `mirror` and `jobs` commands: start, list and stop mirror jobs.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clap::Parser;

use super::state::Shell;
use super::table::Invocation;
use crate::cli::positive_seconds;
use crate::error::{Error, Result};
use crate::escape::escape;
use crate::ftp::path;
use crate::ftp::rate::{self, Limit};
use crate::mirror::job::{self, JobSpec, JobState, MirrorOptions};
use crate::progress::Printer;

/// Options of `mirror LOCAL REMOTE`, parsed by clap like a command line of its own.
#[derive(Debug, Parser)]
#[command(name = "mirror", no_binary_name = false, disable_help_flag = true)]
struct MirrorArgs {
    /// One pass, wait for it, report its result.
    #[arg(long)]
    once: bool,
    /// Print the plan, change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Keep remote files that are gone locally.
    #[arg(long)]
    no_delete: bool,
    /// Refuse a pass that would delete more than N entries.
    #[arg(long, value_name = "N")]
    max_delete: Option<usize>,
    /// Run the deletes of a pass that the mass-delete guard would hold.
    #[arg(long)]
    allow_mass_delete: bool,
    /// Leave matching names or paths alone (repeatable).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    #[arg(long, value_name = "N")]
    max_depth: Option<usize>,
    #[arg(long, value_name = "SECS")]
    interval: Option<f64>,
    /// Connections used to upload and delete (default 4, or the config file's).
    #[arg(long, value_name = "N")]
    parallel: Option<usize>,
    /// Keep this job's transfers, all its connections together, under RATE bytes per
    /// second (500K, 2M).
    #[arg(long, value_name = "RATE")]
    limit_rate: Option<String>,
    /// Follow symbolic links in the local tree.
    #[arg(long)]
    follow_links: bool,
    /// This job's journal.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    local: String,
    remote: String,
}

/// The mirror's option names (`--once`, ...), for completion.
pub fn option_names() -> Vec<String> {
    use clap::CommandFactory;
    MirrorArgs::command()
        .get_arguments()
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect()
}

pub fn mirror(shell: &mut Shell, inv: &Invocation) -> Result<()> {
    match inv.args[0].as_str() {
        "status" if inv.args.len() == 1 => return jobs(shell, inv),
        "stop" if inv.args.len() <= 2 => return stop(shell, inv.args.get(1)),
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
    let args = MirrorArgs::try_parse_from(
        std::iter::once("mirror").chain(inv.args.iter().map(String::as_str)),
    )
    .map_err(|e| Error::usage(e.to_string().trim_end().to_string()))?;
    let spec = spec(shell, args)?;
    if spec.options.once || spec.options.dry_run {
        // The shell's connection does the job's work meanwhile (checked first, like any
        // command's): a foreground run then needs no login of its own.
        let lent = if shell.session().is_ok() {
            shell.lend_session()
        } else {
            None
        };
        let printer: Printer = Arc::new(|line| crate::progress::print_out(&line));
        let (result, returned) = job::run_in_foreground(spec, printer, lent);
        if let Some((session, broken)) = returned {
            shell.return_session(Some(session), broken);
        }
        if crate::cancel::requested() {
            return Err(Error::cancelled("mirror"));
        }
        let status = result?;
        if shell.verbose || shell.interactive {
            println!(
                "mirror done: {} files ({} bytes) sent, {} renamed, {} deleted",
                status.files_sent, status.bytes_sent, status.renames, status.deletes
            );
        }
        return Ok(());
    }
    let summary = format!("{} -> {}", spec.local.display(), spec.remote);
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

fn spec(shell: &mut Shell, args: MirrorArgs) -> Result<JobSpec> {
    let mut params = shell.params().ok_or(Error::NotConnected)?.clone();
    let limit_rate = match &args.limit_rate {
        Some(text) => {
            rate::parse(text).map_err(|e| Error::usage(format!("mirror --limit-rate: {e}")))?
        }
        None => None,
    };
    // One bucket for the job: every connection it opens (or borrows) shares it.
    params.limits = params.limits.with(limit_rate.map(Limit::new));
    let what = format!("mirror {}", args.local);
    let local = std::fs::canonicalize(&args.local).map_err(|e| Error::local(what.as_str(), e))?;
    if !local.is_dir() {
        return Err(Error::NotDirectory { what });
    }
    path::check_sendable(&what, &args.remote)?;
    let remote = if args.remote.starts_with('/') {
        args.remote.clone()
    } else {
        let base = if shell.cwd.is_empty() {
            "/"
        } else {
            shell.cwd.as_str()
        };
        path::join(base, &args.remote)
    };
    // One spelling per folder, so that overlapping jobs are recognised as such.
    let remote = path::normalize(&remote);
    let defaults = &shell.mirror_defaults;
    let interval = match args.interval {
        Some(secs) => positive_seconds("mirror --interval", secs)?,
        None => defaults.interval,
    };
    Ok(JobSpec {
        local,
        remote,
        params,
        options: MirrorOptions {
            once: args.once,
            dry_run: args.dry_run,
            delete: !args.no_delete,
            max_delete: args.max_delete,
            allow_mass_delete: args.allow_mass_delete,
            excludes: args.exclude,
            max_depth: args.max_depth.unwrap_or(defaults.max_depth),
            interval,
            follow_links: args.follow_links,
            parallel: args.parallel.unwrap_or(defaults.parallel).max(1),
            log: args.log.or_else(|| defaults.log.clone()),
            verbose: shell.verbose,
            limit_rate,
        },
    })
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
        (_, count) => println!("{count} mirror job(s) stopped"),
    }
    Ok(())
}

/// `jobs` / `mirror status`: one row per job.
pub fn jobs(shell: &mut Shell, _: &Invocation) -> Result<()> {
    if shell.jobs.list().is_empty() {
        println!("no mirror jobs");
        return Ok(());
    }
    println!(
        "{:<3} {:<9} {:>6} {:>10} {:>8} {:>7} {:>12} {:>7} {:>7} {:>6}  LOCAL -> REMOTE",
        "ID",
        "STATE",
        "PASSES",
        "LAST PASS",
        "TOOK",
        "FILES",
        "BYTES",
        "RENAMED",
        "DELETED",
        "ERRORS"
    );
    for job in shell.jobs.list() {
        let s = job.status();
        let state = match &s.state {
            JobState::Starting => "starting",
            JobState::Syncing => "syncing",
            JobState::Idle => "idle",
            JobState::Retrying => "retrying",
            JobState::Stopped => "stopped",
            JobState::Failed(_) => "failed",
        };
        let ago = s
            .last_pass_end
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .map_or_else(
                || "-".to_string(),
                |d: Duration| format!("{}s ago", d.as_secs()),
            );
        println!(
            "{:<3} {:<9} {:>6} {:>10} {:>7.2}s {:>7} {:>12} {:>7} {:>7} {:>6}  {} -> {}",
            job.id,
            state,
            s.passes,
            ago,
            s.last_pass_duration.as_secs_f64(),
            s.files_sent,
            s.bytes_sent,
            s.renames,
            s.deletes,
            s.errors + s.skipped,
            escape(&job.local),
            escape(&job.remote)
        );
        if s.below_depth > 0 {
            println!(
                "    {} entries below --max-depth not mirrored",
                s.below_depth
            );
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
