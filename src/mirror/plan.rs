//! Mirror planning: compares the local snapshot with the believed remote tree and returns the remote actions in the phases they run in (pure, no I/O).
//!
//! Semantics are rclone `sync`: afterwards the remote holds exactly the local tree, within the
//! filter. The plan is built by simulating the actions on a virtual copy of the remote tree:
//!
//! 0. What the remote listing shows is not all trusted: another process's temporary upload
//!    younger than [`temp_name::MIN_AGE`] may be an upload still running elsewhere (another ftpsh,
//!    another machine): it is left alone ([`Plan::foreign_temps`]) until it is older, and
//!    its folder with it (it is not considered, like any temp-named entry). Files
//!    the job sent within their own mtime second and whose exact mtime moved since
//!    ([`Inputs::untrusted`]) are taken as of unknown time, so they are sent again.
//! 1. `Restore` where an upload was stopped between its two renames (a server that will not
//!    rename onto an existing name has the old file moved aside first): the name is missing
//!    and an `-old-` copy of it lies beside it, so the copy gets the name back before anything
//!    else ([`temp_name::restorable`] picks it). Its time is then taken as unknown: the walk
//!    sends the local file again if there is one, and the delete rules apply if there is none.
//!    Never deleted as a stale temporary, never spared as someone else's: it is the only copy.
//! 1. `RemoveTemp` for every other leftover temporary upload in a directory the mirror walks
//!    (always, even with `delete == false`, and even if the temp name matches an exclude),
//!    but one named for the very version of a local file that is to be uploaded (an upload
//!    that was interrupted, its ftpsh maybe killed: [`resumable_temps`]): that upload
//!    continues it (`Upload::resume`), whoever left it and however young it is.
//!    The one exception to "temps first": a temp carried by a directory `Rename` from a place
//!    the walker does not reach (too deep) into one it does is removed right after that rename.
//! 2. A walk over the considered local paths in sorted order (so parents come before children):
//!    `Mkdir`, `Rename` (local moves detected by inode) and `Upload`. A directory `Rename` is
//!    emitted at its target's position, i.e. after its parent exists and before anything is put
//!    inside it; the renamed remote subtree is then compared like any other.
//!    Type conflicts are resolved here when `delete` is true (the remote side is deleted first,
//!    so these few `DeleteFile`/`RemoveDir` precede the final delete phase); when `delete` is
//!    false, or the remote directory to be replaced by a file holds anything not considered, the
//!    conflicting path and everything under it are left alone (no action at all).
//! 3. With `delete`, the remaining considered remote entries missing locally are deleted,
//!    deepest first (files before directories at the same depth). A directory that still holds
//!    anything the mirror does not consider (excluded, too deep, a temp-named directory, a temp
//!    file in a directory the walker does not descend into) is kept. Nothing is deleted in,
//!    at or above a folder the filter keeps (its listing could not be read whole), type
//!    conflicts there included; uploads into it go on.
//! 4. Holds ([`holds`]): nothing held by an earlier pass ([`Inputs::holds`]) is deleted, nor
//!    anything in a held folder or above a held path, and a type change at a held path is
//!    left alone with everything under it. The pass's other deletes (not confirmed by the
//!    user: [`Inputs::confirmed`]) are new: when a guard holds them (a vanished source,
//!    `--max-delete`), they join the holds and the pass is planned again around them.
//! 5. With `backup` (`--backup-dir`), every `DeleteFile` of steps 2 and 3 becomes a `Backup`
//!    (a move to the pass's backup folder) and every `Upload` over a remote file keeps the
//!    old one there (`keep_old`); the guards count the moves as deletes all the same.
//!
//! The result comes in the phases apply runs ([`Plan`]): the structure (restores, temps, mkdirs,
//! renames, type-conflict deletes, in walk order, on one connection), the uploads (in walk
//! order, over every connection), then the final deletes: files, then folders. Deletes run
//! only while nothing failed in the pass.
//!
//! A path is *considered* when `filter.includes(path, kind)` and no component of it is a temp
//! name (the kind matters to an ignore file's folder-only patterns and to `--include`).
//!
//! Memory: the plan runs over trees of every file, so it copies neither. The virtual remote
//! tree is an overlay holding only what the plan changed, and the inode indexes that find
//! renames are built only for the inodes that could make one.

use std::collections::{HashMap, HashSet};

use super::filter::Filter;
use super::tree::{Kind, LocalEntry, RelPath, RemoteEntry, RemoteTree, Snapshot};
use crate::ftp::path;
use crate::transfer::{partial, temp_name};
use holds::Blocked;
pub use holds::{Held, HoldReason, Holds};
use temps::{Spare, restores, resumable_temps};
use virtual_tree::Virtual;
use walk::Planner;

mod holds;
mod temps;
#[cfg(test)]
mod tests;
mod virtual_tree;
mod walk;
pub mod zone;

/// One remote operation. Paths are relative to the mirror root (a [`RelPath`] rather than
/// a `String`: a plan holds one action per file to send).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Mkdir(RelPath),
    /// Upload the local file (also replaces a changed remote file). `mode`: the permission
    /// bits it gets after the upload (`--no-perms`: none).
    Upload {
        path: RelPath,
        size: u64,
        mtime: i64,
        /// It replaces a remote file, which goes to the backup folder just before the new
        /// content takes its name (`--backup-dir`).
        keep_old: bool,
        /// The temporary of an interrupted upload of this very version of the file (its
        /// name says so: [`temp_name::resumes`]) that this upload continues.
        resume: Option<RelPath>,
        mode: Option<u32>,
    },
    /// Set the permission bits (SITE CHMOD): of an entry listed with other bits than the
    /// local one has, or of a folder this pass creates (`created`: apply sends nothing when
    /// the server gives new folders these bits anyway, see `modes::Keeper`).
    Chmod {
        path: RelPath,
        mode: u32,
        created: bool,
    },
    /// Local move detected: RNFR/RNTO instead of re-upload. `from` is the remote path at the
    /// moment this action runs (earlier renames in the same plan already applied).
    Rename {
        from: RelPath,
        to: RelPath,
    },
    DeleteFile(RelPath),
    /// With `--backup-dir`, instead of `DeleteFile`: the remote file is moved (RNFR/RNTO)
    /// to the same relative path in the pass's backup folder.
    Backup(RelPath),
    /// Emitted only after everything inside the directory is deleted.
    RemoveDir(RelPath),
    /// A leftover temporary upload (always cleaned, even with `delete == false`).
    RemoveTemp(RelPath),
    /// Puts back under `to`, which is missing, the file an interrupted upload moved aside
    /// to `from` (`.ftpsh-part-…-old-NAME`).
    Restore {
        from: RelPath,
        to: RelPath,
    },
}

impl Action {
    /// The remote path a delete removes (None for every other action).
    pub fn deleted(&self) -> Option<&RelPath> {
        match self {
            Action::DeleteFile(path) | Action::RemoveDir(path) | Action::Backup(path) => Some(path),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Delete remote entries missing locally (and resolve type conflicts).
    pub delete: bool,
    /// Hold the new deletes of a pass that has more `DeleteFile` + `RemoveDir` actions than
    /// this (`--max-delete`).
    pub max_delete: Option<usize>,
    /// The user allowed passes that delete (nearly) everything, or after the local root
    /// moved to another device (`--allow-mass-delete`): no vanished-source guard.
    pub allow_mass_delete: bool,
    /// The local root is on another device than at the last pass (a mount went away or came).
    pub root_moved: bool,
    /// `--backup-dir`: remote files are moved to the backup folder instead of deleted, and
    /// before being replaced. The guards still count them as deletes.
    pub backup: bool,
    /// Keep permission bits (see `modes`): new entries get the local mode, listed ones whose
    /// mode differs get a chmod. Off with `--no-perms`.
    pub perms: bool,
    /// How a remote file is told unchanged, and which changed ones are replaced.
    pub compare: Compare,
}

/// Which remote files a pass replaces (`mirror --size-only`, `--update`,
/// `--ignore-existing`); missing files are sent whatever the choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Compare {
    /// Replaced unless size, mtime and identity all match (see `unchanged`).
    #[default]
    Exact,
    /// Replaced when the size differs: for servers whose times cannot be trusted.
    SizeOnly,
    /// As `Exact`, but never a remote file newer than the local one, or one whose time is
    /// unknown that ftpsh did not send (it may be someone else's newer upload): for folders
    /// shared with other uploaders.
    Update,
    /// Never replaced: only what is missing is sent.
    IgnoreExisting,
}

/// Everything a plan decides on.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub local: &'a Snapshot,
    /// The believed remote tree (listed, or kept from the last pass).
    pub remote: &'a RemoteTree,
    pub filter: &'a Filter,
    pub options: PlanOptions,
    /// Unix seconds at the start of the pass: how old the remote's temporaries are.
    pub now: i64,
    /// This process's upload tag: temporaries carrying it are leftovers of our own failed
    /// attempts (always cleaned), not someone else's upload in flight.
    pub own_tag: &'a str,
    /// Files sent within their own mtime second whose exact mtime has moved since (an edit
    /// the seconds cannot show): the remote copy's time proves nothing.
    pub untrusted: &'a HashSet<String>,
    /// Deletes held by earlier passes (the job keeps them with its state): still held.
    pub holds: &'a Holds,
    /// Deletes the user confirmed (`mirror confirm`, `--allow-mass-delete` over held ones):
    /// run without a guard.
    pub confirmed: &'a HashSet<String>,
    /// The partials ftpsh made at the destination (its ledger): only those are continued or
    /// put back (see [`crate::transfer::partial`]).
    pub made: &'a partial::Made,
}

/// The plan, in the phases apply runs, and the deletes held back (see `holds`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// In order, on one connection: stale temporaries, mkdirs (parents first), renames, and
    /// the deletes a type change needs (a remote file where a folder goes, or the reverse).
    pub structure: Vec<Action>,
    /// Uploads, in path order; independent of each other once the structure is there.
    pub uploads: Vec<Action>,
    /// The final deletes, run only when nothing failed before them: files...
    pub file_deletes: Vec<Action>,
    /// ...then folders, deepest first (each is empty by then).
    pub dir_deletes: Vec<Action>,
    /// What is held after this pass, and why (None: nothing).
    pub held: Option<Held>,
    /// The deletes held after this pass: those of `Inputs::holds` still owed, and the new
    /// ones a guard held now. The job keeps them for the next pass and the next run.
    pub holds: Holds,
    /// Other processes' young temporaries: left alone (the job drops them from the believed
    /// tree: they are renamed or removed by their owner, not by us).
    pub foreign_temps: Vec<RelPath>,
    /// Source paths the plan leaves unmirrored, with everything under them: a kind change
    /// it may not make (`--no-delete`, `--ignore-existing`, or a folder on the destination
    /// holding what the mirror does not own). A one-shot that leaves any is no success.
    pub left_out: Vec<RelPath>,
}

impl Plan {
    /// The bytes the uploads (a download's fetches) move in all: a bar's total.
    pub fn upload_bytes(&self) -> u64 {
        self.uploads
            .iter()
            .map(|action| match action {
                Action::Upload { size, .. } => *size,
                _ => 0,
            })
            .sum()
    }

    /// Every action, in the order the phases run.
    pub fn actions(&self) -> impl Iterator<Item = &Action> {
        self.structure
            .iter()
            .chain(&self.uploads)
            .chain(&self.file_deletes)
            .chain(&self.dir_deletes)
    }

    pub fn is_empty(&self) -> bool {
        self.actions().next().is_none()
    }
}

/// Computes the actions that make `remote` an exact copy of `local` within `filter`, but
/// for the deletes held (see `holds`): those held before stay held, and the new ones are
/// held together when a guard says so.
pub fn plan(input: &Inputs<'_>) -> Plan {
    let Inputs {
        local,
        remote,
        filter,
        ref options,
        confirmed,
        ..
    } = *input;
    if !options.delete {
        // Nothing is deleted, so nothing is held now; what was held stays remembered.
        let built = build(input, &Holds::default());
        return built.finish(options, input.holds.clone(), None);
    }
    let mut holds = input
        .holds
        .still_holding(local, remote, filter, confirmed, options.max_delete);
    let mut built = build(input, &holds);
    let new: Vec<&Action> = built
        .deletes()
        .filter(|a| a.deleted().is_none_or(|p| !confirmed.contains(p.as_str())))
        .collect();
    let newest = holds::guard(local, remote, filter, options, &new);
    if let Some(why) = &newest {
        let paths: Vec<String> = new
            .iter()
            .filter_map(|a| a.deleted())
            .map(|p| p.to_string())
            .collect();
        for path in paths {
            holds.insert(path, *why);
        }
        // Planned again around them: a type change at a held path is left alone, with
        // what it would have created.
        built = build(input, &holds);
    }
    let held = holds.summary(newest);
    built.finish(options, holds, held)
}

/// A plan before its deletes are phased: the walk's actions (type-change deletes among
/// them) and the final deletes.
struct Built {
    walked: Vec<Action>,
    finals: Vec<Action>,
    foreign_temps: Vec<RelPath>,
    left_out: Vec<RelPath>,
}

impl Built {
    /// Every delete: the type changes' and the final ones.
    fn deletes(&self) -> impl Iterator<Item = &Action> {
        self.walked
            .iter()
            .chain(&self.finals)
            .filter(|a| matches!(a, Action::DeleteFile(_) | Action::RemoveDir(_)))
    }

    fn finish(self, options: &PlanOptions, holds: Holds, held: Option<Held>) -> Plan {
        let Built {
            mut walked,
            mut finals,
            foreign_temps,
            left_out,
        } = self;
        if options.backup {
            // After the guards, which count what leaves the site either way.
            for action in walked.iter_mut().chain(finals.iter_mut()) {
                if let Action::DeleteFile(path) = action {
                    *action = Action::Backup(path.clone());
                }
            }
        }
        let (uploads, structure) = walked
            .into_iter()
            .partition(|a| matches!(a, Action::Upload { .. }));
        let (file_deletes, dir_deletes) = finals
            .into_iter()
            .partition(|a| matches!(a, Action::DeleteFile(_) | Action::Backup(_)));
        Plan {
            structure,
            uploads,
            file_deletes,
            dir_deletes,
            held,
            holds,
            foreign_temps,
            left_out,
        }
    }
}

/// The walk and the deletes, deleting nothing `holding` blocks.
fn build(input: &Inputs<'_>, holding: &Holds) -> Built {
    let Inputs {
        local,
        remote,
        filter,
        ref options,
        now,
        own_tag,
        untrusted,
        made,
        ..
    } = *input;
    let spare = Spare { own_tag, now };
    let mut structure = restores(remote, filter, made);
    let restored: HashSet<String> = structure
        .iter()
        .filter_map(|a| match a {
            Action::Restore { from, .. } => Some(from.to_string()),
            _ => None,
        })
        .collect();
    let mut foreign_temps = Vec::new();
    let mut resumable = resumable_temps(local, remote, filter, made);
    let is_candidate = |path: &str| resumable.values().any(|t| t.as_str() == path);
    for (path, entry) in remote {
        if !temp_name::is_temp(path) || restored.contains(path) || is_candidate(path) {
            continue;
        }
        if spare.spares(path, entry) {
            foreign_temps.push(RelPath::from(path));
        } else if entry.kind == Kind::File && is_stray_temp(filter, path) {
            structure.push(Action::RemoveTemp(path.into()));
        }
    }
    let cleaned = structure.len();
    let mut vt = Virtual::new(remote, untrusted);
    for action in &structure {
        match action {
            Action::RemoveTemp(path) => {
                vt.remove(path);
            }
            Action::Restore { from, to } => {
                if let Some(entry) = vt.remove(from) {
                    let unknown_time = RemoteEntry {
                        mtime: None,
                        inode: None,
                        ..entry
                    };
                    vt.insert(to, unknown_time);
                }
            }
            _ => {}
        }
    }
    let renames_possible = remote
        .iter()
        .any(|(path, entry)| entry.inode.is_some() && considered(filter, path, entry.kind));

    let mut planner = Planner {
        offset: zone_offset(local, remote, filter),
        spare,
        filter,
        held: Blocked::new(holding),
        opts: options,
        local,
        vt,
        renames_possible,
        inodes: None,
        skipped: HashSet::new(),
        actions: structure,
    };
    planner.walk_local();
    // Each upload continues its file's interrupted one, where there is one; a temporary no
    // upload continues (the remote copy is already right) is what any other temporary is.
    for action in &mut planner.actions {
        if let Action::Upload { path, resume, .. } = action {
            *resume = resumable.remove(path.as_str());
        }
    }
    let mut unused: Vec<RelPath> = resumable.into_values().collect();
    unused.sort();
    for temp in unused {
        match remote.get(temp.as_str()) {
            Some(entry) if planner.spare.spares(&temp, entry) => foreign_temps.push(temp),
            _ => {
                planner.vt.remove(&temp);
                planner.actions.insert(cleaned, Action::RemoveTemp(temp));
            }
        }
    }
    // A kind change a hold keeps waiting is said by the hold.
    let mut left_out: Vec<RelPath> = planner
        .skipped
        .iter()
        .filter(|p| !planner.held.blocks(p))
        .map(|p| p.as_str().into())
        .collect();
    left_out.sort();
    let building = planner.actions.len();
    planner.delete_extras();
    let mut walked = planner.actions;
    let finals = walked.split_off(building);
    Built {
        walked,
        finals,
        foreign_temps,
        left_out,
    }
}

/// Inside the filter and not (inside) a temporary upload name.
fn considered(filter: &Filter, path: &str, kind: Kind) -> bool {
    filter.includes(path, kind) && !in_temp(path)
}

/// `path` or one of its ancestors has a temp name.
fn in_temp(path: &str) -> bool {
    temp_name::is_temp(path) || path::ancestors(path).any(temp_name::is_temp)
}

/// A temp upload leftover in a directory the walker descends into.
fn is_stray_temp(filter: &Filter, path: &str) -> bool {
    temp_name::is_temp(path)
        && !path::ancestors(path).any(temp_name::is_temp)
        && filter.descend(path::parent(path))
}

/// The remote file provably holds what the local one holds: same size and mtime, and, when
/// both sides know it, the same identity (dev+ino). A path whose inode changed was replaced,
/// even when size and second match: `mv a t; mv b a; mv t b` swaps two same-size files
/// written in the same second and keeps every size and mtime.
///
/// `offset` is the server's uniform zone offset ([`zone_offset`]): it applies to times read
/// from a listing (no recorded identity), not to those ftpsh recorded when it sent the file.
fn unchanged(remote: RemoteEntry, local: LocalEntry, offset: i64) -> bool {
    let same_identity = match (remote.inode, local.inode) {
        (Some(was), Some(now)) => was == now,
        _ => true,
    };
    let remote = match remote.inode {
        None => RemoteEntry {
            mtime: remote.mtime.map(|m| m - offset),
            ..remote
        },
        Some(_) => remote,
    };
    remote.size == local.size && same_time(remote, local) && same_identity
}

/// The remote entry's time is the local file's: the same second, and the same nanoseconds
/// where ftpsh recorded them (an edit within the second the seconds cannot show).
fn same_time(remote: RemoteEntry, local: LocalEntry) -> bool {
    remote.mtime == Some(local.mtime) && remote.mtime_ns.is_none_or(|ns| ns == local.mtime_ns)
}

/// Whether the file at a path both sides hold is replaced, by the `compare` rule.
fn replaced(compare: Compare, remote: RemoteEntry, local: LocalEntry, offset: i64) -> bool {
    match compare {
        Compare::Exact => !unchanged(remote, local, offset),
        Compare::SizeOnly => remote.size != local.size,
        Compare::Update => {
            !unchanged(remote, local, offset) && !remote_may_be_newer(remote, local, offset)
        }
        Compare::IgnoreExisting => false,
    }
}

/// `--update`'s guard: the remote file is newer than the local one (times as `unchanged`
/// reads them), or its time is unknown and ftpsh did not send it (no recorded identity).
fn remote_may_be_newer(remote: RemoteEntry, local: LocalEntry, offset: i64) -> bool {
    let mtime = match remote.inode {
        None => remote.mtime.map(|m| m - offset),
        Some(_) => remote.mtime,
    };
    match mtime {
        Some(remote_mtime) => remote_mtime > local.mtime,
        None => remote.inode.is_none(),
    }
}

/// A server that lists times in its own zone shows every file shifted by the same whole
/// number of hours. Without the state file (a new machine, a lost data dir) that would send
/// every file again. The offset is the one a clear majority of the files listed with an
/// exact time (not recorded by ftpsh) that have a same-size local twin share, when at least
/// two do (see [`zone::majority_offset`]); else 0. The files that do not share it are
/// compared as they are: one real edit among many is sent, and only it.
pub fn zone_offset(local: &Snapshot, remote: &RemoteTree, filter: &Filter) -> i64 {
    let drifts = remote.iter().filter_map(|(path, r)| {
        let (Kind::File, None, Some(listed)) = (r.kind, r.inode, r.mtime) else {
            return None;
        };
        let l = local
            .get(path)
            .filter(|l| l.kind == Kind::File && l.size == r.size)?;
        considered(filter, path, Kind::File).then(|| listed - l.mtime)
    });
    zone::majority_offset(drifts, 2).unwrap_or(0)
}

/// Records `value` under `key`, or marks `key` ambiguous (None) when it was already present.
fn add_unique<V>(idx: &mut HashMap<(Kind, u64), Option<V>>, key: (Kind, u64), value: V) {
    idx.entry(key)
        .and_modify(|slot| *slot = None)
        .or_insert(Some(value));
}

/// Deepest first; files before directories at the same depth; then by path.
fn sort_for_delete(doomed: &mut [(String, Kind)]) {
    doomed.sort_by(|(pa, ka), (pb, kb)| {
        path::depth(pb)
            .cmp(&path::depth(pa))
            .then_with(|| (*ka == Kind::Dir).cmp(&(*kb == Kind::Dir)))
            .then_with(|| pa.cmp(pb))
    });
}

fn delete_action(path: &str, kind: Kind) -> Action {
    match kind {
        Kind::File => Action::DeleteFile(path.into()),
        Kind::Dir => Action::RemoveDir(path.into()),
    }
}
