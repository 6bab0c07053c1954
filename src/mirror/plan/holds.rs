//! Held deletes: the guards that hold a pass's deletes (a vanished source, `--max-delete`) and
//! the set of held paths a job keeps until the user confirms them (pure, no I/O).
//!
//! A hold is a promise, not a verdict of one pass: the share of the remote a delete set is of
//! changes with the pass's own uploads, so a set held once is never weighed again. It stays
//! held, pass after pass and run after run over the same state, until the user confirms it
//! (`--allow-mass-delete` on a new run, `mirror confirm N` for a running job), or a run with a
//! higher `--max-delete` weighs what that limit held again. New deletes of a later pass are
//! weighed on their own.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use super::{Action, PlanOptions, considered};
use crate::ftp::path;
use crate::mirror::filter::Filter;
use crate::mirror::tree::{Kind, RemoteTree, Snapshot};

/// A remote holding at least this many files...
pub const MASS_DELETE_MIN_FILES: usize = 10;
/// ...of which a pass would delete this share (percent) or more is a mass delete.
pub const MASS_DELETE_PERCENT: usize = 90;

/// Held deletes (relative paths), each with the reason it was first held for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holds(BTreeMap<String, HoldReason>);

impl Holds {
    pub fn insert(&mut self, path: String, why: HoldReason) {
        self.0.insert(path, why);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &HoldReason)> {
        self.0.iter().map(|(path, why)| (path.as_str(), why))
    }

    /// The held paths, for the user to confirm (`mirror confirm`): they then run unguarded.
    pub fn paths(&self) -> HashSet<String> {
        self.0.keys().cloned().collect()
    }

    /// The holds that still hold: a path LOCAL holds again (as the kind the remote has), or
    /// the remote no longer holds, or the filter no longer considers, is no longer a delete;
    /// a confirmed one is the user's to delete; one held by a `--max-delete` lower than
    /// `max_delete` is weighed again with the pass's other deletes.
    pub(super) fn still_holding(
        &self,
        local: &Snapshot,
        remote: &RemoteTree,
        filter: &Filter,
        confirmed: &HashSet<String>,
        max_delete: Option<usize>,
    ) -> Holds {
        let owed = |path: &str| {
            let Some(r) = remote.get(path) else {
                return false;
            };
            considered(filter, path, r.kind)
                && local
                    .get(path)
                    .filter(|l| considered(filter, path, l.kind))
                    .is_none_or(|l| l.kind != r.kind)
        };
        let raised = |why: &HoldReason| match (why, max_delete) {
            (HoldReason::TooMany { limit, .. }, Some(now)) => now > *limit,
            _ => false,
        };
        Holds(
            self.0
                .iter()
                .filter(|(path, why)| !confirmed.contains(*path) && !raised(why) && owed(path))
                .map(|(path, why)| (path.clone(), *why))
                .collect(),
        )
    }

    /// What `mirror status` and the pass say: how many are held, and why (this pass's new
    /// hold first, else the reason most of them were held for).
    pub(super) fn summary(&self, newest: Option<HoldReason>) -> Option<Held> {
        if self.is_empty() {
            return None;
        }
        let why = newest.or_else(|| {
            let mut counts: Vec<(&HoldReason, usize)> = Vec::new();
            for why in self.0.values() {
                match counts.iter_mut().find(|(seen, _)| *seen == why) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((why, 1)),
                }
            }
            // The most common; on a tie the first met.
            let most = counts.iter().map(|(_, n)| *n).max()?;
            counts
                .into_iter()
                .find(|(_, n)| *n == most)
                .map(|(why, _)| *why)
        })?;
        Some(Held {
            deletes: self.len(),
            why,
        })
    }
}

impl FromIterator<(String, HoldReason)> for Holds {
    fn from_iter<I: IntoIterator<Item = (String, HoldReason)>>(iter: I) -> Holds {
        Holds(iter.into_iter().collect())
    }
}

/// The paths the planner may not delete because of holds: a held path, anything in a held
/// folder, and every folder above a held path (it is not empty while that stays).
pub(super) struct Blocked<'a> {
    at: HashSet<&'a str>,
    above: HashSet<&'a str>,
}

impl<'a> Blocked<'a> {
    pub(super) fn new(holds: &'a Holds) -> Blocked<'a> {
        let at: HashSet<&str> = holds.0.keys().map(String::as_str).collect();
        let above = at.iter().flat_map(|p| path::ancestors(p)).collect();
        Blocked { at, above }
    }

    pub(super) fn blocks(&self, rel: &str) -> bool {
        !self.at.is_empty()
            && (self.at.contains(rel)
                || self.above.contains(rel)
                || path::ancestors(rel).any(|a| self.at.contains(a)))
    }
}

/// Deletes the plan did not include, and why: a vanished source is not an empty source.
/// The uploads, mkdirs and renames of the pass still run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// Remote files and folders left in place.
    pub deletes: usize,
    pub why: HoldReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldReason {
    /// The local root is on another device than at the last pass (an unmounted disk).
    RootMoved,
    /// The local tree holds no file, the remote holds some.
    LocalEmpty { remote_files: usize },
    /// The pass would delete every remote file, or `MASS_DELETE_PERCENT` % or more of
    /// them when there are `MASS_DELETE_MIN_FILES` or more.
    NearlyAll { doomed: usize, remote_files: usize },
    /// The pass would delete more entries than `--max-delete` allows.
    TooMany { planned: usize, limit: usize },
}

impl Held {
    /// Says what is held, why, and how the user lets the deletes run; `download`: the plan's
    /// source is the remote tree and its destination LOCAL (`mirror --download`), so the
    /// sides swap names; `job`: the running job that holds them (0: a foreground run).
    pub fn describe(&self, download: bool, job: usize) -> String {
        let (source, dest) = if download {
            ("remote", "local")
        } else {
            ("local", "remote")
        };
        let why = match self.why {
            HoldReason::RootMoved => {
                "the local folder is on another device than at the last pass (unmounted?)"
                    .to_string()
            }
            HoldReason::LocalEmpty { remote_files } => {
                format!("the {source} folder holds no file while the {dest} holds {remote_files}")
            }
            HoldReason::NearlyAll {
                doomed,
                remote_files,
            } => format!("the pass would delete {doomed} of the {dest}'s {remote_files} files"),
            HoldReason::TooMany { planned, limit } => {
                let entries = crate::words::count(
                    planned as u64,
                    &format!("{dest} entry"),
                    &format!("{dest} entries"),
                );
                format!("the pass would delete {entries} (limit is {limit})")
            }
        };
        let goes_on = if download { "downloads" } else { "uploads" };
        let flags = match self.why {
            HoldReason::TooMany { .. } => {
                format!("--max-delete {} or --allow-mass-delete", self.deletes)
            }
            _ => "--allow-mass-delete".to_string(),
        };
        let how = if job == 0 {
            match self.why {
                HoldReason::TooMany { .. } => format!("a run with {flags} runs them"),
                _ => format!("mirror {flags} confirms"),
            }
        } else {
            format!("mirror confirm {job} runs them, as does a new run with {flags}")
        };
        let deletes = crate::words::count(
            self.deletes as u64,
            &format!("{dest} delete"),
            &format!("{dest} deletes"),
        );
        format!("{deletes} held: {why}; {goes_on} go on ({how})")
    }
}

impl fmt::Display for Held {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(false, 0))
    }
}

/// What holds a pass's new deletes (`deletes`: neither held before nor confirmed), if
/// anything. The vanished-source guard, unless `--allow-mass-delete`: the local root moved to
/// another device, or the local tree holds no file while the remote holds some, or the
/// deletes remove every remote file, or `MASS_DELETE_PERCENT` % or more of a remote holding
/// at least `MASS_DELETE_MIN_FILES` files (all counted within the filter). A one-file site
/// whose file is renamed without a provable move is held too: the price of never emptying a
/// remote because the local folder vanished. Then `--max-delete`.
pub(super) fn guard(
    local: &Snapshot,
    remote: &RemoteTree,
    filter: &Filter,
    opts: &PlanOptions,
    deletes: &[&Action],
) -> Option<HoldReason> {
    if deletes.is_empty() {
        return None;
    }
    if !opts.allow_mass_delete {
        let files = |kind: Kind, path: &str| kind == Kind::File && considered(filter, path, kind);
        let remote_files = remote.iter().filter(|(p, e)| files(e.kind, p)).count();
        let doomed = deletes
            .iter()
            .filter(|a| matches!(a, Action::DeleteFile(_)))
            .count();
        if opts.root_moved {
            return Some(HoldReason::RootMoved);
        }
        if doomed > 0 && !local.iter().any(|(p, e)| files(e.kind, p)) {
            return Some(HoldReason::LocalEmpty { remote_files });
        }
        if doomed > 0
            && (doomed == remote_files
                || (remote_files >= MASS_DELETE_MIN_FILES
                    && doomed * 100 >= remote_files * MASS_DELETE_PERCENT))
        {
            return Some(HoldReason::NearlyAll {
                doomed,
                remote_files,
            });
        }
    }
    match opts.max_delete {
        Some(limit) if deletes.len() > limit => Some(HoldReason::TooMany {
            planned: deletes.len(),
            limit,
        }),
        _ => None,
    }
}
