//! One pass of a job: walk the local tree (and list the remote when needed), plan, apply,
//! and keep what the next pass starts from.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime};

use super::JobState;
use super::runner::Runner;
use crate::error::{Error, Result};
use crate::journal::{Entry, Outcome};
use crate::mirror::apply::{Applier, Report, describe_plan};
use crate::mirror::backup::PassBackup;
use crate::mirror::on_change::PassSummary;
use crate::mirror::plan::{self, Action, PlanOptions};
use crate::mirror::scan;
use crate::mirror::state;
use crate::mirror::tree::local_file;
use crate::progress::Bar;
use crate::transfer::partial;

/// Walks made again when the tree changed during the walk, before planning anyway.
const TORN_WALK_RETRIES: usize = 3;

/// How a pass ended, for `--once`'s verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Everything is mirrored.
    Complete,
    /// Everything is mirrored but the deletes the job holds (see `holding`).
    Held,
    /// Something was not mirrored: an action failed, a path could not be read, a folder's
    /// listing was read in part.
    Incomplete,
}

impl Verdict {
    /// `complete`: nothing failed or was left out; `held`: deletes are held.
    pub(super) fn of(complete: bool, held: bool) -> Verdict {
        match (complete, held) {
            (false, _) => Verdict::Incomplete,
            (true, true) => Verdict::Held,
            (true, false) => Verdict::Complete,
        }
    }
}

/// The device the local root is on (None where the OS gives none, or it cannot be read).
pub(super) fn root_device(root: &std::path::Path) -> Option<u64> {
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

impl Runner {
    /// One pass: scan, plan, apply. What was not mirrored (an action failed: the next pass
    /// re-lists and retries; or a local path could not be read) or held is in the verdict;
    /// Err when the connection could not be (re)established.
    pub(super) fn pass(&mut self) -> Result<Verdict> {
        self.take_confirmation();
        if self.spec.options.download {
            return self.download_pass();
        }
        let started = Instant::now();
        // Another writer on the same remote folder is seen by listing it again: not at
        // every tick (an idle tick sends nothing), but once the tree is `--recheck` old.
        let recheck = self.spec.options.recheck;
        if self.listed_at.is_some_and(|at| at.elapsed() >= recheck) {
            self.tree = None;
            self.settled = None;
        }
        let (root, interval) = (&self.spec.local, self.spec.options.interval);
        if self
            .changes
            .quiet(self.settled.as_ref(), root, &self.filter, interval)
        {
            // Nothing changed on disk: no walk, no FTP command.
            return Ok(Verdict::of(true, self.said_hold.is_some()));
        }
        self.changes.walking();
        self.pool.retry_growth();
        let scan_started = SystemTime::now();
        let follow = self.spec.options.follow_links;
        // A pass that has to list the server (the first, or after an error) walks the local
        // tree meanwhile: both mostly wait, one on the server, the other on the disk.
        let known = self.below_limit_known();
        let (mut scan, listed) = if self.tree.is_none() {
            let (local, filter) = (self.spec.local.clone(), self.filter.clone());
            std::thread::scope(|threads| {
                let walker =
                    threads.spawn(move || scan::scan_reusing(&local, &filter, follow, &known));
                let listed = self.remote_tree();
                let scan = walker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (scan, Some(listed))
            })
        } else {
            let scan = scan::scan_reusing(&self.spec.local, &self.filter, follow, &known);
            (scan, None)
        };
        // A walk is no snapshot: a move during it can hide the file from both places, and
        // the plan would delete it and upload it again. A tree that changed while being
        // walked is walked again (a few times at most: it may never hold still).
        for _ in 0..TORN_WALK_RETRIES {
            if !self.changes.changed_during_walk() {
                break;
            }
            let known = self.below_limit_known();
            scan = scan::scan_reusing(&self.spec.local, &self.filter, follow, &known);
        }
        self.below_known = std::mem::take(&mut scan.below_counts);
        self.report_problems(&scan.problems);
        self.report_problems(&scan.notes);
        // The depth limit is never silent: said once per count (journal, terminal, dry run),
        // and kept in the status.
        if let Some(first) = &scan.first_below {
            let line = format!(
                "{} below --max-depth {} {} not mirrored (the first folder holding some: {})",
                crate::words::count(scan.below_depth as u64, "entry", "entries"),
                self.spec.options.max_depth,
                if scan.below_depth == 1 { "is" } else { "are" },
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
            return Ok(Verdict::of(
                scan.problems.is_empty(),
                self.said_hold.is_some(),
            ));
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
            backup: self.backup.is_some(),
            perms: self.spec.options.perms,
            compare: self.spec.options.compare,
        };
        let untrusted = self.recheck_fresh(scan_started);
        // A backup job's pass folders, wherever the listing shows them (its backup folder
        // may be inside the mirror under another name: a server-side link), are not extras.
        let pass_folders = match self.backup {
            Some(_) => crate::mirror::backup::pass_folders(tree.iter().map(|(p, e)| (p, e.kind))),
            None => Vec::new(),
        };
        let filter = self
            .filter
            .protecting(&pass_folders)
            .protecting(&scan.unreadable)
            .protecting(&self.undecodable)
            .keeping(&self.partial)
            .unknown(&self.unknown);
        // The partials ftpsh made on this server: only those are continued or put back.
        let made = partial::Made::remote(&partial::place_of(&self.spec.params));
        let inputs = plan::Inputs {
            local: &scan.snapshot,
            remote: &tree,
            filter: &filter,
            options,
            now: crate::clock::unix_seconds(scan_started),
            own_tag: crate::transfer::process_tag(),
            untrusted: &untrusted,
            holds: &self.holds,
            confirmed: &self.confirmed,
            made: &made,
        };
        let plan = plan::plan(&inputs);
        // Another upload's temporary is not ours to clean: out of sight until it is old.
        for temp in &plan.foreign_temps {
            tree.remove(temp);
        }
        let held = plan.held.clone();
        let left_out: Vec<String> = plan
            .left_out
            .iter()
            .map(|rel| {
                format!(
                    "{}: not mirrored: the remote holds another kind of entry there that the mirror may not replace",
                    crate::escape::quoted(rel)
                )
            })
            .collect();
        self.report_problems(&left_out);
        // Deletes held for a moved root keep the old device: the next pass holds them too,
        // until the user confirms or the mount is back.
        let device_changed = self.accepted_device != device;
        if held
            .as_ref()
            .is_none_or(|h| h.why != plan::HoldReason::RootMoved)
        {
            self.accepted_device = device;
        }
        self.after_planning(&plan);
        if self.spec.options.dry_run {
            self.show_dry_run(&plan, false, 0);
            return Ok(Verdict::Complete);
        }
        self.set_state(JobState::Syncing);
        let report = if plan.is_empty() {
            (Report::default(), None)
        } else {
            let uploads = plan.uploads.len();
            self.connect(uploads.clamp(1, self.spec.options.parallel))?;
            // A job run in the foreground (--once) shows its uploads on a bar.
            let bar = (self.id == 0 && uploads > 0)
                .then(|| Bar::batch("mirror", uploads as u64, plan.upload_bytes()));
            let pass_backup = self.pass_backup(&plan);
            let applier = Applier {
                local_root: &self.spec.local,
                remote_root: &self.spec.remote,
                journal: &self.journal,
                job: self.id,
                stop: &self.stopper.flag,
                echo: self.spec.options.verbose.then_some(&self.printer),
                bar: bar.as_ref(),
                fresh_after: crate::clock::unix_seconds(scan_started) - 1,
                follow_links: self.spec.options.follow_links,
                download: None,
                backup: pass_backup.as_ref(),
                modes: &self.modes,
            };
            let report = applier.apply(&mut self.pool.ready, &plan, &scan.snapshot, &mut tree);
            (report, pass_backup.map(|b| b.folder))
        };
        // Modes that cannot be kept are said once per job, not once per file.
        if let Some(warning) = self.modes.take_warning() {
            self.journal.write(&Entry {
                job: self.id,
                action: "WARN",
                message: Some(&warning),
                ..Entry::default()
            });
            self.say(&format!("warning: {warning}"));
        }
        let (report, backup_folder) = report;
        // Nothing is in flight any more: quitting now interrupts nothing.
        self.set_state(JobState::Idle);
        self.record_pass(&report, started.elapsed());
        if report.changed_the_site() {
            self.on_change(&report, backup_folder.filter(|_| report.backups > 0));
        }
        // Files sent right after a change their time cannot tell from a later one: the
        // record on disk says "unknown" for them, so a restart sends them again.
        for (rel, racy) in &report.unproven {
            match racy {
                true => self.unproven.insert(rel.clone()),
                false => self.unproven.remove(rel),
            };
        }
        self.unproven.retain(|rel| tree.contains_key(rel));
        if (report.changed_anything() || device_changed)
            && let Some(file) = &self.state_file
            && let Err(err) =
                state::save_unproven(file, &tree, self.accepted_device, &self.unproven)
        {
            self.report_problems(&[err.to_string()]);
        }
        let clean = self.settle(&report)?;
        // For --once, anything left behind (unreadable files, symlink loops, unsendable
        // names) makes the run a failure even though the pass itself went through.
        // So do folders whose listing could not be read whole: deletes may be owed there.
        let deletes_owed = self.spec.options.delete && !self.partial.is_empty();
        let complete = clean
            && report.skipped.is_empty()
            && scan.problems.is_empty()
            && !deletes_owed
            && left_out.is_empty()
            && self.unknown.is_empty();
        if clean && self.unknown.is_empty() {
            // What the user confirmed has run (or is no longer to be deleted).
            self.confirmed.clear();
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
            // Re-list next pass: after a failure the remote may differ from what we believe,
            // and a folder the server would not list is still to be known.
            self.settled = None;
            self.tree = None;
        }
        Ok(Verdict::of(complete, held.is_some()))
    }

    /// A dry run (either direction): every action of the plan, then how many there are,
    /// `extra` included (a download's local files it would set aside).
    pub(super) fn show_dry_run(&self, plan: &plan::Plan, download: bool, extra: usize) {
        // A new folder that wants the mode servers give new folders anyway: no line.
        let shown: Vec<&plan::Action> = plan
            .actions()
            .filter(|action| {
                !matches!(action, plan::Action::Chmod { created: true, mode, .. }
                    if *mode == crate::mirror::modes::USUAL_NEW_DIR)
            })
            .collect();
        for action in &shown {
            (self.printer)(describe_plan(action, download));
        }
        self.say(&format!(
            "dry run: {}, nothing changed",
            crate::words::count((shown.len() + extra) as u64, "action", "actions")
        ));
    }

    /// What every applied pass (either direction) makes of its report: a pass with errors
    /// counts towards the backoff, and a lost connection ends the pass as a connection error
    /// (the runner reconnects). Ok(clean): nothing failed, stopped or was postponed.
    pub(super) fn settle(&mut self, report: &Report) -> Result<bool> {
        let clean = report.errors.is_empty() && !report.stopped && report.deletes_postponed == 0;
        // A folder the server would not list is retried on the backoff too: a server that
        // keeps refusing it must not be listed every second.
        self.failed_passes = if report.errors.is_empty() && self.unknown.is_empty() {
            0
        } else {
            self.failed_passes + 1
        };
        if report.connection_lost {
            self.drop_sessions();
            return Err(Error::Connection {
                what: "connection lost".to_string(),
                message: report.errors.last().cloned().unwrap_or_default(),
            });
        }
        Ok(clean)
    }

    /// Files sent in the same second as they were last modified: those whose exact mtime
    /// moved since (an edit the seconds cannot show) are returned, for the plan to send
    /// again; once their second is past, they are forgotten.
    pub(super) fn recheck_fresh(&mut self, now: SystemTime) -> HashSet<String> {
        let recent = crate::clock::unix_seconds(now) - 1;
        let root = self.spec.local.clone();
        let mut moved = HashSet::new();
        self.fresh.retain(|rel, sent| {
            let current = std::fs::metadata(local_file(&root, rel)).and_then(|m| m.modified());
            match current {
                Ok(modified) if modified == *sent => crate::clock::unix_seconds(modified) >= recent,
                Ok(_) => {
                    moved.insert(rel.clone());
                    false
                }
                // Gone or moved: the plan sees that by itself (a move stays a rename).
                Err(_) => false,
            }
        });
        moved
    }

    pub(super) fn record_pass(&self, report: &Report, took: Duration) {
        if let Ok(mut status) = self.status.lock() {
            status.passes += 1;
            status.last_pass_end = Some(SystemTime::now());
            status.last_pass_duration = took;
            status.files_sent += report.uploads as u64;
            status.bytes_sent += report.bytes;
            status.renames += report.renames as u64;
            status.deletes += report.deletes as u64;
            status.backed_up += report.backups as u64;
            status.errors += report.errors.len() as u64;
            status.skipped += report.skipped.len() as u64;
            if let Some(error) = report.errors.first() {
                status.last_error = Some(error.clone());
            }
        }
        if report.changed_anything() || !report.errors.is_empty() || !report.skipped.is_empty() {
            let summary = format!("{} in {:.2}s", report.summary(), took.as_secs_f64());
            let count = |n: usize| n as u64;
            self.journal.write(&Entry {
                job: self.id,
                action: "PASS",
                bytes: report.bytes,
                ms: took.as_millis(),
                outcome: Some(if report.errors.is_empty() {
                    Outcome::Ok
                } else {
                    Outcome::Failed
                }),
                error: report.errors.first().map(String::as_str),
                message: Some(&summary),
                counts: &[
                    ("uploaded", count(report.uploads)),
                    ("renamed", count(report.renames)),
                    ("deleted", count(report.deletes)),
                    ("backed_up", count(report.backups)),
                    ("dirs_created", count(report.mkdirs)),
                    ("errors", count(report.errors.len())),
                    ("skipped", count(report.skipped.len())),
                ],
                ..Entry::default()
            });
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

    /// The backup folder of this pass, when it moves anything there; named by the time,
    /// always after the last one.
    fn pass_backup(&mut self, plan: &plan::Plan) -> Option<PassBackup> {
        let dir = self.backup.as_ref()?;
        let moves = plan
            .actions()
            .any(|a| matches!(a, Action::Backup(_) | Action::Upload { keep_old: true, .. }));
        if !moves {
            return None;
        }
        let mut at = SystemTime::now();
        let mut folder = dir.pass_folder(at);
        while folder <= self.last_backup_folder {
            at += Duration::from_millis(1);
            folder = dir.pass_folder(at);
        }
        self.last_backup_folder = folder.clone();
        Some(PassBackup::new(folder))
    }

    /// `--on-change`: runs the command after a pass that changed the remote; its failure is
    /// journaled and said, and the job goes on.
    pub(super) fn on_change(&self, report: &Report, backup_dir: Option<String>) {
        let Some(command) = &self.spec.options.on_change else {
            return;
        };
        let summary = PassSummary {
            job: self.id,
            uploaded: report.uploads,
            bytes: report.bytes,
            renamed: report.renames,
            deleted: report.deletes,
            backed_up: report.backups,
            dirs_created: report.mkdirs,
            errors: report.errors.len(),
            backup_dir,
        };
        let stopper = &self.stopper;
        let started = Instant::now();
        let ran = command.run(&summary, &self.spec.local, &self.spec.remote, &|| {
            stopper.is_stopped()
        });
        let took = started.elapsed();
        let (outcome, error, message) = match &ran {
            Ok(_) => (
                Outcome::Ok,
                None,
                Some(format!(
                    "{} ran in {:.2}s",
                    command.program(),
                    took.as_secs_f64()
                )),
            ),
            Err(failed) => (Outcome::Failed, Some(failed.journaled()), None),
        };
        self.journal.write(&Entry {
            job: self.id,
            action: "ON-CHANGE",
            ms: took.as_millis(),
            outcome: Some(outcome),
            error: error.as_deref(),
            message: message.as_deref(),
            ..Entry::default()
        });
        if let Err(failed) = &ran {
            self.say(&format!("--on-change: {failed}"));
        }
    }

    /// The counts below the depth limit the last walk made, while nothing can have changed
    /// them (the watch says so); else none, so the walk counts again.
    fn below_limit_known(&mut self) -> HashMap<String, usize> {
        if self.changes.changed_below_limit() {
            self.below_known.clear();
        }
        self.below_known.clone()
    }
}
