//! One pass of a download mirror (`mirror --download REMOTE LOCAL`): list the remote while
//! LOCAL is walked, keep aside what the user changed, plan with the upload mirror's planner
//! (sides swapped, see `mirror::download`), apply into LOCAL, record what ftpsh left there.
//!
//! A pass sends nothing but the listing when nothing changed: the connection is not
//! checked with NOOP first (a dead one fails the listing, and the job's backoff
//! reconnects), and the plan is then empty.

use std::collections::HashSet;
use std::time::{Instant, SystemTime};

use super::JobState;
use super::pass::Verdict;
use super::runner::Runner;
use crate::error::Result;
use crate::escape::quoted;
use crate::ftp::fetch::Tally;
use crate::ftp::path;
use crate::journal::{Entry, Outcome};
use crate::mirror::apply::{Applier, Report};
use crate::mirror::download::{self, list, local};
use crate::mirror::plan::{self, Plan, PlanOptions};
use crate::mirror::scan;
use crate::mirror::state;
use crate::mirror::tree::{Kind, RemoteTree, Snapshot};
use crate::progress::Bar;

/// A record with this many folders (or none: a first pass) is listed over every connection.
const WIDE_LISTING_FOLDERS: usize = 8;

/// What the server holds that this pass leaves out of LOCAL, one line each: a kind change
/// the plan may not make (a local folder holding the user's files where the server now has
/// a file), and server entries a local link, special file or unreadable folder stands in
/// the way of (named once, at the top).
fn not_mirrored(plan: &Plan, source: &Snapshot, unreadable: &[String]) -> Vec<String> {
    let kind_changes = plan.left_out.iter().map(|rel| {
        format!(
            "{}: not mirrored: LOCAL holds another kind of entry there, with files that are not the mirror's to replace",
            quoted(rel)
        )
    });
    let in_the_way = unreadable
        .iter()
        .filter(|rel| source.contains_key(rel.as_str()))
        .map(|rel| {
            format!(
                "{}: not mirrored: a local link, special file or unreadable entry stands in its way",
                quoted(rel)
            )
        });
    kind_changes.chain(in_the_way).collect()
}

impl Runner {
    /// One download pass (see [`Runner::pass`]).
    pub(super) fn download_pass(&mut self) -> Result<Verdict> {
        let started = Instant::now();
        let scan_started = SystemTime::now();
        let now = crate::clock::unix_seconds(scan_started);
        let record = self
            .state_file
            .as_deref()
            .map(state::load)
            .unwrap_or_default();
        let folders = record.values().filter(|e| e.kind == Kind::Dir).count();
        let width = if record.is_empty() || folders >= WIDE_LISTING_FOLDERS {
            self.spec.options.parallel
        } else {
            1
        };
        self.pool.retry_growth();
        self.pool.first()?;
        self.make_local_root()?;
        let umask = local::umask();
        // The remote is listed while LOCAL is walked: both mostly wait.
        let (local_root, filter) = (self.spec.local.clone(), self.filter.clone());
        let root = self.spec.remote.clone();
        let (scan, listed) = std::thread::scope(|threads| {
            // A dry run's LOCAL may not exist yet: then it holds nothing.
            // (Made by now otherwise: see `make_local_root`.)
            let walker = threads.spawn(move || match local_root.exists() {
                true => scan::scan(&local_root, &filter, false),
                false => scan::Scan::default(),
            });
            let tally = Tally::new(self.spec.params.max_listed, "pass");
            let listed =
                list::list_source(&mut self.pool, width, &root, &self.filter, &tally, umask);
            let scan = walker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (scan, listed)
        });
        let listed = listed?;
        self.last_used = Instant::now();
        self.report_problems(&listed.notes);
        self.report_problems(&scan.problems);
        self.report_problems(&scan.notes);
        self.note_depth_limit(&listed.tree);

        let source = download::source_snapshot(
            listed.tree.iter().map(|(rel, l)| (rel.as_str(), *l)),
            &record,
        );
        let mut dest = download::destination_tree(&scan.snapshot, &local::owner_gone);
        download::add_excluded(&mut dest, &scan.excluded);
        // Conflict copies are the user's: left alone on both sides.
        let mut kept: Vec<String> = dest
            .keys()
            .chain(source.keys())
            .filter(|rel| download::is_conflict(rel))
            .map(str::to_owned)
            .collect();
        // The job's own journal, when it is written inside LOCAL, is not the server's.
        kept.extend(self.journal_inside_local());
        let base_filter = self
            .filter
            .protecting(&scan.unreadable)
            .keeping(&listed.partial)
            .unknown(&listed.unknown);
        self.unknown = listed.unknown.clone();
        let options = PlanOptions {
            delete: self.spec.options.delete,
            max_delete: self.spec.options.max_delete,
            allow_mass_delete: self.spec.options.allow_mass_delete,
            root_moved: false,
            // Files get the server's rwx bits less the umask (`download::local_mode`); folders
            // keep what the umask gives them. Off with --no-perms.
            perms: self.spec.options.perms,
            compare: self.spec.options.compare,
            // --backup-dir is refused with --download (it names a remote folder).
            backup: false,
        };
        let untrusted = HashSet::new();
        let (holds, confirmed) = (self.holds.clone(), self.confirmed.clone());
        // The partials ftpsh made in LOCAL: only those are continued (none is ever put back:
        // nothing is moved aside locally).
        let made = crate::transfer::partial::Made::local(&self.spec.local);
        let plan_for = |dest: &RemoteTree, kept: &[String]| {
            let filter = base_filter.protecting(kept);
            plan::plan(&plan::Inputs {
                local: &source,
                remote: dest,
                filter: &filter,
                options,
                now,
                own_tag: crate::transfer::process_tag(),
                untrusted: &untrusted,
                holds: &holds,
                confirmed: &confirmed,
                made: &made,
            })
        };
        let mut plan = plan_for(&dest, &kept);
        // Local files the user changed since ftpsh wrote them are never overwritten nor
        // deleted: each is renamed aside first, then the pass is planned again.
        let conflicts = download::conflicts(&plan, &dest, &record);
        let mut kept_aside = 0;
        for rel in &conflicts {
            let aside = download::conflict_name(rel, now);
            let line = format!(
                "{} -> {}: changed locally since ftpsh wrote it (or not written by ftpsh); kept aside",
                quoted(rel),
                quoted(path::file_name(&aside))
            );
            if self.spec.options.dry_run {
                (self.printer)(format!("KEEP {line}"));
            } else {
                let moved = local::rename(&self.spec.local, rel, &aside);
                let error = moved.as_ref().err().map(ToString::to_string);
                self.journal.write(&Entry {
                    job: self.id,
                    action: "CONFLICT",
                    path: Some(rel),
                    to: Some(&aside),
                    outcome: Some(match moved {
                        Ok(()) => Outcome::Ok,
                        Err(_) => Outcome::Failed,
                    }),
                    error: error.as_deref(),
                    ..Entry::default()
                });
                if let Some(err) = error {
                    // Neither overwritten nor deleted: the pass stops before touching it.
                    self.say(&err);
                    self.tree = None;
                    return Ok(Verdict::Incomplete);
                }
                self.say(&line);
                kept_aside += 1;
            }
            if let Some(entry) = dest.remove(rel) {
                dest.insert(&aside, entry);
            }
            kept.push(aside);
        }
        if !conflicts.is_empty() {
            plan = plan_for(&dest, &kept);
        }
        let not_mirrored = not_mirrored(&plan, &source, &scan.unreadable);
        self.report_problems(&not_mirrored);
        self.after_planning(&plan);
        if self.spec.options.dry_run {
            self.show_dry_run(&plan, true, conflicts.len());
            return Ok(Verdict::Complete);
        }
        let mut report = self.apply_download(&plan, &source, &mut dest);
        // The pass's own line says what was kept aside, first, as the journal does.
        report.kept_aside = kept_aside;
        let mut named: Vec<String> = conflicts
            .iter()
            .take(crate::mirror::apply::NAMED)
            .map(|rel| format!("kept aside {}", quoted(rel)))
            .collect();
        named.append(&mut report.named);
        named.truncate(crate::mirror::apply::NAMED);
        report.named = named;
        self.set_state(JobState::Idle);
        self.record_pass(&report, started.elapsed());
        if report.changed_the_site() {
            self.on_change(&report, None);
        }
        // The excluded entries were there for the plan only: what the record had of them
        // stays as it was (an exclude is not a delete).
        for (rel, _) in &scan.excluded {
            dest.remove(rel);
        }
        let settled = download::record(&source, &dest, &record);
        if (settled != record || kept_aside > 0)
            && let Some(file) = &self.state_file
            && let Err(err) = state::save(file, &settled, None)
        {
            self.report_problems(&[err.to_string()]);
        }
        let clean = self.settle(&report)?;
        if clean && self.unknown.is_empty() {
            // What the user confirmed has run (or is no longer to be deleted).
            self.confirmed.clear();
        }
        let deletes_owed = self.spec.options.delete && !listed.partial.is_empty();
        // Names this system cannot hold were left out: the copy is not whole.
        let complete = clean
            && listed.refused == 0
            && not_mirrored.is_empty()
            && report.skipped.is_empty()
            && scan.problems.is_empty()
            && !deletes_owed
            && self.unknown.is_empty();
        Ok(Verdict::of(complete, plan.held.is_some()))
    }

    /// LOCAL is made when missing, once the remote folder is known to exist: swapped
    /// arguments (`mirror --download ./site /www`) must not leave an empty `/www` behind a
    /// failure. A dry run makes nothing.
    fn make_local_root(&mut self) -> Result<()> {
        let local = &self.spec.local;
        if local.exists() {
            return Ok(());
        }
        let remote = &self.spec.remote;
        let found = self.pool.first()?.stat(remote)?;
        if !found.is_some_and(|e| e.kind == crate::ftp::listing::EntryKind::Dir) {
            return Err(crate::error::Error::Failed(format!(
                "mirror --download: remote folder {} not found; LOCAL {} not created (mirror --download REMOTE LOCAL)",
                quoted(remote),
                crate::escape::local_path(local)
            )));
        }
        if !self.spec.options.dry_run {
            std::fs::create_dir_all(local).map_err(|e| {
                crate::error::Error::local(
                    format!("mirror {}", crate::escape::local_path(local)),
                    e,
                )
            })?;
        }
        Ok(())
    }

    /// Runs the plan into LOCAL; `dest` (LOCAL as the pass saw it) follows each action.
    fn apply_download(&mut self, plan: &Plan, source: &Snapshot, dest: &mut RemoteTree) -> Report {
        if plan.is_empty() {
            return Report {
                download: true,
                ..Report::default()
            };
        }
        self.set_state(JobState::Syncing);
        let fetches = plan.uploads.len();
        if let Err(err) = self.connect(fetches.clamp(1, self.spec.options.parallel)) {
            return Report {
                download: true,
                connection_lost: true,
                errors: vec![err.to_string()],
                ..Report::default()
            };
        }
        let bar = (self.id == 0 && fetches > 0)
            .then(|| Bar::batch("mirror", fetches as u64, plan.upload_bytes()));
        let seen = dest.clone();
        let applier = Applier {
            local_root: &self.spec.local,
            remote_root: &self.spec.remote,
            journal: &self.journal,
            job: self.id,
            stop: &self.stopper.flag,
            echo: self.spec.options.verbose.then_some(&self.printer),
            bar: bar.as_ref(),
            fresh_after: i64::MAX,
            follow_links: false,
            modes: &self.modes,
            backup: None,
            download: Some(&seen),
        };
        applier.apply(&mut self.pool.ready, plan, source, dest)
    }

    /// The journal file's path relative to LOCAL, when it lies there.
    fn journal_inside_local(&self) -> Option<String> {
        let log = std::path::absolute(self.spec.options.log.as_ref()?).ok()?;
        let dir = std::fs::canonicalize(log.parent()?).ok()?;
        let rel = dir.join(log.file_name()?);
        let rel = rel.strip_prefix(&self.spec.local).ok()?;
        let parts: Option<Vec<String>> = rel
            .components()
            .map(|c| crate::lossless::from_os(c.as_os_str()))
            .collect();
        Some(parts?.join("/"))
    }

    /// Remote folders at the depth limit are not listed: said once, as the upload mirror
    /// says what it leaves below the limit.
    fn note_depth_limit(&mut self, listed: &[(crate::mirror::tree::RelPath, download::Listed)]) {
        let max = self.spec.options.max_depth;
        let mut at_limit = listed
            .iter()
            .filter(|(rel, l)| l.kind == Kind::Dir && path::depth(rel) == max)
            .map(|(rel, _)| rel.as_str());
        if let Some(first) = at_limit.clone().min() {
            let count = at_limit.by_ref().count();
            self.report_problems(&[format!(
                "{count} remote folders at --max-depth {max} are not mirrored below (the first: {})",
                quoted(first)
            )]);
        }
    }
}
