//! Mirror planning: compares the local snapshot with the believed remote tree and returns the ordered list of remote actions (pure, no I/O).
//!
//! Semantics are rclone `sync`: afterwards the remote holds exactly the local tree, within the
//! filter. The plan is built by simulating the actions on a virtual copy of the remote tree:
//!
//! 1. `RemoveTemp` for every leftover temporary upload in a directory the mirror walks
//!    (always, even with `delete == false`, and even if the temp name matches an exclude).
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
//!
//! A path is *considered* when `filter.includes(path, kind)` and no component of it is a temp
//! name (the kind matters to an ignore file's folder-only patterns and to `--include`).
//!
//! Memory: the plan runs over trees of every file, so it copies neither. The virtual remote
//! tree is an overlay holding only what the plan changed, and the inode indexes that find
//! renames are built only for the inodes that could make one.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::iter::Peekable;

use super::filter::Filter;
use super::tree::{self, Kind, LocalEntry, RelPath, RemoteEntry, RemoteTree, Snapshot};

/// One remote operation. Paths are relative to the mirror root (a [`RelPath`] rather than
/// a `String`: a plan holds one action per file to send).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Mkdir(RelPath),
    /// Upload the local file (also replaces a changed remote file).
    Upload {
        path: RelPath,
        size: u64,
        mtime: i64,
    },
    /// Local move detected: RNFR/RNTO instead of re-upload. `from` is the remote path at the
    /// moment this action runs (earlier renames in the same plan already applied).
    Rename {
        from: RelPath,
        to: RelPath,
    },
    DeleteFile(RelPath),
    /// Emitted only after everything inside the directory is deleted.
    RemoveDir(RelPath),
    /// A leftover temporary upload (always cleaned, even with `delete == false`).
    RemoveTemp(RelPath),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Delete remote entries missing locally (and resolve type conflicts).
    pub delete: bool,
    /// Refuse a plan with more `DeleteFile` + `RemoveDir` actions than this.
    pub max_delete: Option<usize>,
    /// The user confirmed a pass that deletes (nearly) everything, or after the local root
    /// moved to another device (`--allow-mass-delete`): no [`Held`] guard.
    pub allow_mass_delete: bool,
    /// The local root is on another device than at the last pass (a mount went away or came).
    pub root_moved: bool,
}

/// A remote holding at least this many files...
pub const MASS_DELETE_MIN_FILES: usize = 10;
/// ...of which a pass would delete this share (percent) or more is a mass delete.
pub const MASS_DELETE_PERCENT: usize = 90;

/// The plan: what to do, and the deletes held back by the mass-delete guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub actions: Vec<Action>,
    pub held: Option<Held>,
}

/// Deletes the plan did not include, and why: a vanished source is not an empty source.
/// The uploads, mkdirs and renames of the pass still run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// Remote files and folders left in place.
    pub deletes: usize,
    pub why: HoldReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldReason {
    /// The local root is on another device than at the last pass (an unmounted disk).
    RootMoved,
    /// The local tree holds no file, the remote holds some.
    LocalEmpty { remote_files: usize },
    /// The pass would delete every remote file, or `MASS_DELETE_PERCENT` % or more of
    /// them when there are `MASS_DELETE_MIN_FILES` or more.
    NearlyAll { doomed: usize, remote_files: usize },
}

impl fmt::Display for Held {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.why {
            HoldReason::RootMoved => {
                "the local folder is on another device than at the last pass (unmounted?)"
                    .to_string()
            }
            HoldReason::LocalEmpty { remote_files } => {
                format!("the local folder holds no file while the remote holds {remote_files}")
            }
            HoldReason::NearlyAll {
                doomed,
                remote_files,
            } => format!("the pass would delete {doomed} of the remote's {remote_files} files"),
        };
        write!(
            f,
            "{} remote deletes held: {why}; uploads go on (mirror --allow-mass-delete confirms)",
            self.deletes
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    TooManyDeletes { planned: usize, limit: usize },
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::TooManyDeletes { planned, limit } => write!(
                f,
                "refusing to delete {planned} remote entries (limit is {limit})"
            ),
        }
    }
}

impl std::error::Error for PlanError {}

/// Computes the ordered actions that make `remote` an exact copy of `local` within `filter`.
pub fn plan(
    local: &Snapshot,
    remote: &RemoteTree,
    filter: &Filter,
    opts: &PlanOptions,
) -> Result<Plan, PlanError> {
    let mut actions = Vec::new();
    let mut vt = Virtual::new(remote);
    for (path, entry) in remote {
        if entry.kind == Kind::File && is_stray_temp(filter, path) {
            vt.remove(path);
            actions.push(Action::RemoveTemp(path.into()));
        }
    }
    let renames_possible = remote
        .iter()
        .any(|(path, entry)| entry.inode.is_some() && considered(filter, path, entry.kind));

    let mut planner = Planner {
        offset: zone_offset(local, remote, filter),
        filter,
        opts,
        local,
        vt,
        renames_possible,
        inodes: None,
        skipped: HashSet::new(),
        actions,
    };
    planner.walk_local();
    let building = planner.actions.len();
    planner.delete_extras();
    let mut actions = planner.actions;
    let held = mass_delete(local, remote, filter, opts, &actions[building..]);
    if held.is_some() {
        actions.truncate(building);
    }
    actions.shrink_to_fit();

    if let Some(limit) = opts.max_delete {
        let planned = actions
            .iter()
            .filter(|a| matches!(a, Action::DeleteFile(_) | Action::RemoveDir(_)))
            .count();
        if planned > limit {
            return Err(PlanError::TooManyDeletes { planned, limit });
        }
    }
    Ok(Plan { actions, held })
}

/// The mass-delete guard: the final deletes (`deletes`) are held unless confirmed when the
/// local root moved to another device, when the local tree holds no file while the remote
/// holds some, or when they remove every remote file, or `MASS_DELETE_PERCENT` % or more of
/// a remote holding at least `MASS_DELETE_MIN_FILES` files (all counted within the filter).
/// A one-file site whose file is renamed without a provable move is held too: the price of
/// never emptying a remote because the local folder vanished.
fn mass_delete(
    local: &Snapshot,
    remote: &RemoteTree,
    filter: &Filter,
    opts: &PlanOptions,
    deletes: &[Action],
) -> Option<Held> {
    if opts.allow_mass_delete || deletes.is_empty() {
        return None;
    }
    let files = |kind: Kind, path: &str| kind == Kind::File && considered(filter, path, kind);
    let remote_files = remote.iter().filter(|(p, e)| files(e.kind, p)).count();
    let doomed = deletes
        .iter()
        .filter(|a| matches!(a, Action::DeleteFile(_)))
        .count();
    let why = if opts.root_moved {
        HoldReason::RootMoved
    } else if doomed > 0 && !local.iter().any(|(p, e)| files(e.kind, p)) {
        HoldReason::LocalEmpty { remote_files }
    } else if doomed == remote_files
        || (remote_files >= MASS_DELETE_MIN_FILES
            && doomed * 100 >= remote_files * MASS_DELETE_PERCENT)
    {
        HoldReason::NearlyAll {
            doomed,
            remote_files,
        }
    } else {
        return None;
    };
    Some(Held {
        deletes: deletes.len(),
        why,
    })
}

/// Inside the filter and not (inside) a temporary upload name.
fn considered(filter: &Filter, path: &str, kind: Kind) -> bool {
    filter.includes(path, kind) && !in_temp(path)
}

/// `path` or one of its ancestors has a temp name.
fn in_temp(path: &str) -> bool {
    tree::is_temp(path) || tree::ancestors(path).any(tree::is_temp)
}

/// A temp upload leftover in a directory the walker descends into.
fn is_stray_temp(filter: &Filter, path: &str) -> bool {
    tree::is_temp(path)
        && !tree::ancestors(path).any(tree::is_temp)
        && filter.descend(tree::parent(path).unwrap_or(""))
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
    let mtime = match remote.inode {
        None => remote.mtime.map(|m| m - offset),
        Some(_) => remote.mtime,
    };
    remote.size == local.size && mtime == Some(local.mtime) && same_identity
}

/// A server that lists times in its own zone shows every file shifted by the same whole
/// number of hours. Without the state file (a new machine, a lost data dir) that would send
/// every file again. The offset is taken when every file listed with an exact time (not
/// recorded by ftpsh) that has a same-size local twin is off by the same non-zero whole
/// number of hours, up to a day, and there are at least two such files; else 0.
pub fn zone_offset(local: &Snapshot, remote: &RemoteTree, filter: &Filter) -> i64 {
    const HOUR: i64 = 3600;
    let mut offset = None;
    let mut samples = 0;
    for (path, r) in remote {
        let (Kind::File, None, Some(listed)) = (r.kind, r.inode, r.mtime) else {
            continue;
        };
        let Some(l) = local
            .get(path)
            .filter(|l| l.kind == Kind::File && l.size == r.size)
        else {
            continue;
        };
        if !considered(filter, path, Kind::File) {
            continue;
        }
        let drift = listed - l.mtime;
        if drift == 0 || drift % HOUR != 0 || drift.abs() > 26 * HOUR {
            return 0;
        }
        if *offset.get_or_insert(drift) != drift {
            return 0;
        }
        samples += 1;
    }
    if samples >= 2 { offset.unwrap_or(0) } else { 0 }
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
        tree::depth(pb)
            .cmp(&tree::depth(pa))
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

/// The remote tree as it will be after the actions planned so far: `base` less what was
/// removed or moved away, plus what was moved in (and what the plan creates, while a later
/// rename could carry it along). With nothing to do it holds nothing of its own.
struct Virtual<'a> {
    base: &'a RemoteTree,
    /// Paths of `base` that are gone.
    gone: HashSet<&'a str>,
    /// Entries that are not as `base` has them; they hide `base`'s.
    added: RemoteTree,
}

impl<'a> Virtual<'a> {
    fn new(base: &'a RemoteTree) -> Virtual<'a> {
        Virtual {
            base,
            gone: HashSet::new(),
            added: RemoteTree::new(),
        }
    }

    fn get(&self, path: &str) -> Option<RemoteEntry> {
        match self.added.get(path) {
            Some(entry) => Some(entry),
            None if self.gone.contains(path) => None,
            None => self.base.get(path),
        }
    }

    fn insert(&mut self, path: &str, entry: RemoteEntry) {
        self.added.insert(path, entry);
    }

    fn remove(&mut self, path: &str) -> Option<RemoteEntry> {
        let added = self.added.remove(path);
        let listed = match self.base.get_key_value(path) {
            Some((key, entry)) if self.gone.insert(key) => Some(entry),
            _ => None,
        };
        added.or(listed)
    }

    /// Every entry, in path order.
    fn iter(&self) -> impl Iterator<Item = (&str, RemoteEntry)> {
        Overlay {
            base: self.base.iter().peekable(),
            gone: &self.gone,
            added: self.added.iter().peekable(),
        }
    }

    /// The entries strictly under `dir` (not `dir` itself), in path order.
    fn under<'s>(&'s self, dir: &str) -> impl Iterator<Item = (&'s str, RemoteEntry)> {
        Overlay {
            base: self.base.under(dir).peekable(),
            gone: &self.gone,
            added: self.added.under(dir).peekable(),
        }
    }
}

/// A sorted run of `base` entries, less the `gone` ones, merged with a sorted run of
/// `added` ones, which win on equal paths.
struct Overlay<'s, A: Iterator, B: Iterator> {
    base: Peekable<A>,
    gone: &'s HashSet<&'s str>,
    added: Peekable<B>,
}

impl<'s, A, B> Iterator for Overlay<'s, A, B>
where
    A: Iterator<Item = (&'s str, RemoteEntry)>,
    B: Iterator<Item = (&'s str, RemoteEntry)>,
{
    type Item = (&'s str, RemoteEntry);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let order = match (self.base.peek(), self.added.peek()) {
                (Some((base, _)), Some((added, _))) => base.cmp(added),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, _) => return self.added.next(),
            };
            match order {
                std::cmp::Ordering::Less => {
                    let item = self.base.next();
                    if item.is_some_and(|(path, _)| !self.gone.contains(path)) {
                        return item;
                    }
                }
                std::cmp::Ordering::Equal => {
                    self.base.next();
                    return self.added.next();
                }
                std::cmp::Ordering::Greater => return self.added.next(),
            }
        }
    }
}

/// (kind, inode) -> the only considered path with it on each side (None: ambiguous, e.g.
/// hard links). Only the keys of local paths that could be a rename's target are indexed
/// (no other key is ever looked up), so a tree where nothing moved indexes next to nothing.
struct Inodes<'a> {
    local: HashMap<(Kind, u64), Option<&'a str>>,
    /// Current remote path (renames planned so far applied).
    remote: HashMap<(Kind, u64), Option<String>>,
}

struct Planner<'a> {
    /// The server's zone offset for listed times (see [`zone_offset`]).
    offset: i64,
    filter: &'a Filter,
    opts: &'a PlanOptions,
    /// Only its considered entries count (`local_entry`).
    local: &'a Snapshot,
    vt: Virtual<'a>,
    /// Some considered remote entry has an inode, so a rename may be found. Until one is
    /// planned, what the plan creates is invisible to the rest of the plan (later paths
    /// are never under earlier ones), so without one `vt` does not track it.
    renames_possible: bool,
    /// Built when the first path missing remotely asks for a rename source.
    inodes: Option<Inodes<'a>>,
    /// Local paths left alone (type conflicts that are not resolved), with everything under them.
    skipped: HashSet<String>,
    actions: Vec<Action>,
}

impl<'a> Planner<'a> {
    /// The local entry at `path`, if the mirror considers it.
    fn local_entry(&self, path: &str) -> Option<LocalEntry> {
        self.local
            .get(path)
            .filter(|entry| considered(self.filter, path, entry.kind))
    }

    fn walk_local(&mut self) {
        let (local, filter) = (self.local, self.filter);
        for (path, entry) in local
            .iter()
            .filter(|(path, entry)| considered(filter, path, entry.kind))
        {
            if tree::ancestors(path).any(|a| self.skipped.contains(a)) {
                continue;
            }
            let remote_kind = self.vt.get(path).map(|e| e.kind);
            match (entry.kind, remote_kind) {
                (Kind::Dir, Some(Kind::Dir)) => {}
                (Kind::Dir, Some(Kind::File)) => {
                    if self.opts.delete && filter.may_delete(path) {
                        self.vt.remove(path);
                        self.actions.push(Action::DeleteFile(path.into()));
                        self.mkdir(path);
                    } else {
                        self.skipped.insert(path.to_owned());
                    }
                }
                (Kind::Dir, None) => match self.rename_source(path, entry) {
                    Some(from) => self.rename(from, path),
                    None => self.mkdir(path),
                },
                (Kind::File, Some(Kind::File)) => {
                    let offset = self.offset;
                    let same = self
                        .vt
                        .get(path)
                        .is_some_and(|r| unchanged(r, entry, offset));
                    if !same {
                        self.upload(path, entry);
                    }
                }
                (Kind::File, Some(Kind::Dir)) => {
                    if self.opts.delete && filter.may_delete(path) && !self.holds_unconsidered(path)
                    {
                        self.delete_tree(path);
                        self.upload(path, entry);
                    } else {
                        self.skipped.insert(path.to_owned());
                    }
                }
                (Kind::File, None) => match self.rename_source(path, entry) {
                    Some(from) => self.rename(from, path),
                    None => self.upload(path, entry),
                },
            }
        }
    }

    /// With `delete`: every considered remote entry missing locally, deepest first, keeping
    /// directories that hold something the mirror does not consider.
    fn delete_extras(&mut self) {
        if !self.opts.delete {
            return;
        }
        let mut blocked: HashSet<&str> = HashSet::new();
        for (path, entry) in self.vt.iter() {
            if !considered(self.filter, path, entry.kind) {
                blocked.extend(tree::ancestors(path));
            }
        }
        let mut doomed: Vec<(String, Kind)> = self
            .vt
            .iter()
            .filter(|(path, entry)| {
                let holds_kept = entry.kind == Kind::Dir && blocked.contains(path);
                considered(self.filter, path, entry.kind)
                    && self.filter.may_delete(path)
                    && self.local_entry(path).is_none()
                    && !tree::ancestors(path).any(|a| self.skipped.contains(a))
                    && !holds_kept
            })
            .map(|(path, entry)| (path.to_owned(), entry.kind))
            .collect();
        sort_for_delete(&mut doomed);
        self.actions.extend(
            doomed
                .into_iter()
                .map(|(path, kind)| delete_action(&path, kind)),
        );
    }

    fn mkdir(&mut self, path: &str) {
        self.actions.push(Action::Mkdir(path.into()));
        if self.renames_possible {
            let dir = RemoteEntry {
                kind: Kind::Dir,
                size: 0,
                mtime: None,
                inode: None,
            };
            self.vt.insert(path, dir);
        }
    }

    fn upload(&mut self, path: &str, entry: LocalEntry) {
        self.actions.push(Action::Upload {
            path: path.into(),
            size: entry.size,
            mtime: entry.mtime,
        });
        if self.renames_possible {
            let file = RemoteEntry {
                kind: Kind::File,
                size: entry.size,
                mtime: Some(entry.mtime),
                inode: entry.inode,
            };
            self.vt.insert(path, file);
        }
    }

    /// Local paths a rename could target: missing from the listed tree, or (in a snapshot
    /// that lacks a parent, or has a file for one) somewhere the walk may find them
    /// missing after an earlier action. Their inodes are the only ones worth indexing.
    fn index_inodes(&self) -> Inodes<'a> {
        let local = || {
            self.local
                .iter()
                .filter(|(path, entry)| considered(self.filter, path, entry.kind))
                .filter_map(|(path, entry)| Some((path, (entry.kind, entry.inode?))))
        };
        let targets: HashSet<(Kind, u64)> = local()
            .filter(|(path, _)| {
                !self.vt.base.contains_key(path)
                    || tree::ancestors(path)
                        .any(|a| self.local_entry(a).is_none_or(|l| l.kind == Kind::File))
            })
            .map(|(_, key)| key)
            .collect();
        let mut remote = HashMap::new();
        for (path, entry) in self.vt.base {
            if let Some(ino) = entry.inode
                && targets.contains(&(entry.kind, ino))
                && considered(self.filter, path, entry.kind)
            {
                add_unique(&mut remote, (entry.kind, ino), path.to_owned());
            }
        }
        let mut by_local = HashMap::new();
        for (path, key) in local() {
            if remote.contains_key(&key) {
                add_unique(&mut by_local, key, path);
            }
        }
        Inodes {
            local: by_local,
            remote,
        }
    }

    /// The current remote path of the entry that local `path` was moved from, if it can be
    /// proven: same kind, inode unique on both sides, (files) same size and mtime, the source
    /// is missing locally, considered, and not inside a remote directory that conflicts with a
    /// local file.
    fn rename_source(&mut self, path: &str, entry: LocalEntry) -> Option<String> {
        if !self.renames_possible {
            return None;
        }
        let ino = entry.inode?;
        if self.inodes.is_none() {
            self.inodes = Some(self.index_inodes());
        }
        let inodes = self.inodes.as_ref()?;
        let key = (entry.kind, ino);
        if inodes.local.get(&key) != Some(&Some(path)) {
            return None;
        }
        let from = inodes.remote.get(&key)?.as_ref()?;
        let remote = self.vt.get(from)?;
        let same_content = entry.kind == Kind::Dir
            || (remote.size == entry.size && remote.mtime == Some(entry.mtime));
        let usable = remote.kind == entry.kind
            && remote.inode == Some(ino)
            && same_content
            && from != path
            && self.local_entry(from).is_none()
            && considered(self.filter, from, remote.kind)
            && !tree::ancestors(from)
                .any(|a| self.local_entry(a).is_some_and(|l| l.kind == Kind::File))
            && !tree::is_under(path, from)
            && !tree::is_under(from, path);
        usable.then(|| from.clone())
    }

    /// Emits the rename and moves `from` (with its subtree) to `to` in the virtual tree. A temp
    /// upload that was out of reach at its old place (the walker did not descend there) but is in
    /// reach at the new one is removed right after the rename.
    fn rename(&mut self, from: String, to: &str) {
        let mut moved: Vec<String> = self.vt.under(&from).map(|(p, _)| p.to_owned()).collect();
        moved.push(from.clone());
        self.actions.push(Action::Rename {
            from: from.as_str().into(),
            to: to.into(),
        });
        let mut stray = Vec::new();
        for old in moved {
            let Some(entry) = self.vt.remove(&old) else {
                continue;
            };
            let new = format!("{to}{}", &old[from.len()..]);
            if entry.kind == Kind::File && is_stray_temp(self.filter, &new) {
                stray.push(new);
                continue;
            }
            if let Some(ino) = entry.inode
                && let Some(inodes) = &mut self.inodes
                && let Some(slot) = inodes.remote.get_mut(&(entry.kind, ino))
                && slot.as_deref() == Some(old.as_str())
            {
                *slot = Some(new.clone());
            }
            self.vt.insert(&new, entry);
        }
        stray.sort();
        self.actions
            .extend(stray.iter().map(|p| Action::RemoveTemp(p.as_str().into())));
    }

    /// True when the remote subtree under `dir` holds anything not considered (which we may not delete).
    fn holds_unconsidered(&self, dir: &str) -> bool {
        self.vt
            .under(dir)
            .any(|(p, e)| !considered(self.filter, p, e.kind))
    }

    /// Deletes `dir` and everything under it (all considered), deepest first.
    fn delete_tree(&mut self, dir: &str) {
        let mut doomed: Vec<(String, Kind)> = self
            .vt
            .under(dir)
            .map(|(p, e)| (p.to_owned(), e.kind))
            .collect();
        doomed.push((dir.to_owned(), Kind::Dir));
        sort_for_delete(&mut doomed);
        for (path, kind) in doomed {
            self.vt.remove(&path);
            self.actions.push(delete_action(&path, kind));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // ---- tiny DSL -------------------------------------------------------------------------
    // local:  "d PATH [iN]"            | "f PATH SIZE MTIME [iN]"
    // remote: "d PATH [iN]"            | "f PATH SIZE MTIME|? [iN]"   ('?' = unknown mtime)
    // action: "mkdir P" | "up P SIZE MTIME" | "mv FROM TO" | "rm P" | "rmdir P" | "rmtemp P"

    struct Parsed {
        kind: Kind,
        path: String,
        size: u64,
        mtime: Option<i64>,
        inode: Option<u64>,
    }

    fn parse(spec: &str) -> Parsed {
        let words: Vec<&str> = spec.split_whitespace().collect();
        let kind = match words[0] {
            "f" => Kind::File,
            "d" => Kind::Dir,
            other => panic!("bad kind {other:?} in {spec:?}"),
        };
        let mut rest = &words[2..];
        let (mut size, mut mtime) = (0, Some(0));
        if kind == Kind::File {
            size = rest[0].parse().expect("size");
            mtime = (rest[1] != "?").then(|| rest[1].parse().expect("mtime"));
            rest = &rest[2..];
        }
        let inode = rest
            .first()
            .map(|w| w.strip_prefix('i').expect("iN").parse().expect("inode"));
        Parsed {
            kind,
            path: words[1].to_owned(),
            size,
            mtime,
            inode,
        }
    }

    fn snap(specs: &[&str]) -> Snapshot {
        specs
            .iter()
            .map(|s| {
                let p = parse(s);
                let mtime = p.mtime.expect("local mtime is always known");
                let entry = LocalEntry {
                    kind: p.kind,
                    size: p.size,
                    mtime,
                    inode: p.inode,
                };
                (p.path, entry)
            })
            .collect()
    }

    fn rtree(specs: &[&str]) -> RemoteTree {
        specs
            .iter()
            .map(|s| {
                let p = parse(s);
                let entry = RemoteEntry {
                    kind: p.kind,
                    size: p.size,
                    mtime: p.mtime,
                    inode: p.inode,
                };
                (p.path, entry)
            })
            .collect()
    }

    fn show(a: &Action) -> String {
        match a {
            Action::Mkdir(p) => format!("mkdir {p}"),
            Action::Upload { path, size, mtime } => format!("up {path} {size} {mtime}"),
            Action::Rename { from, to } => format!("mv {from} {to}"),
            Action::DeleteFile(p) => format!("rm {p}"),
            Action::RemoveDir(p) => format!("rmdir {p}"),
            Action::RemoveTemp(p) => format!("rmtemp {p}"),
        }
    }

    struct Case {
        name: &'static str,
        local: &'static [&'static str],
        remote: &'static [&'static str],
        excludes: &'static [&'static str],
        max_depth: usize,
        delete: bool,
        max_delete: Option<usize>,
        /// Remote folders whose listing could not be read whole.
        kept: &'static [&'static str],
        /// Ok(actions) or Err((planned, limit)).
        want: Result<&'static [&'static str], (usize, usize)>,
    }

    const BASE: Case = Case {
        name: "",
        local: &[],
        remote: &[],
        excludes: &[],
        max_depth: 6,
        delete: true,
        max_delete: None,
        kept: &[],
        want: Ok(&[]),
    };

    fn run(case: &Case) -> Result<Vec<String>, PlanError> {
        let excludes: Vec<String> = case.excludes.iter().map(|s| s.to_string()).collect();
        let kept: Vec<String> = case.kept.iter().map(|s| s.to_string()).collect();
        let filter = Filter::new(case.max_depth, &excludes)
            .expect("valid globs")
            .keeping(&kept);
        let opts = PlanOptions {
            delete: case.delete,
            max_delete: case.max_delete,
            allow_mass_delete: true,
            root_moved: false,
        };
        plan(&snap(case.local), &rtree(case.remote), &filter, &opts)
            .map(|plan| plan.actions.iter().map(show).collect())
    }

    fn check(cases: &[Case]) {
        for case in cases {
            let got = run(case);
            let want = match case.want {
                Ok(actions) => Ok(actions.iter().map(|s| s.to_string()).collect()),
                Err((planned, limit)) => Err(PlanError::TooManyDeletes { planned, limit }),
            };
            assert_eq!(got, want, "case {:?}", case.name);
        }
    }

    // ---- rule 1: the filter applies to both sides ----------------------------------------

    #[test]
    fn rule1_filter_on_both_sides() {
        check(&[
            Case {
                name: "excluded local file is not uploaded",
                local: &["f a.tmp 1 1", "f b 1 1"],
                excludes: &["*.tmp"],
                want: Ok(&["up b 1 1"]),
                ..BASE
            },
            Case {
                name: "excluded remote file is not deleted",
                remote: &["f x.tmp 1 1", "f y 1 1"],
                excludes: &["*.tmp"],
                want: Ok(&["rm y"]),
                ..BASE
            },
            Case {
                name: "excluded dir: nothing under it is touched on either side",
                local: &["d build", "f build/new 1 1"],
                remote: &["d build", "f build/old 1 1"],
                excludes: &["build"],
                want: Ok(&[]),
                ..BASE
            },
            Case {
                name: "too-deep local entries are not uploaded",
                local: &["d a", "d a/b", "f a/b/c 1 1", "f a/x 1 1"],
                max_depth: 2,
                want: Ok(&["mkdir a", "mkdir a/b", "up a/x 1 1"]),
                ..BASE
            },
            Case {
                name: "remote dir holding an excluded entry is kept",
                remote: &["d a", "f a/keep.tmp 1 1", "f a/x 1 1", "d b"],
                excludes: &["*.tmp"],
                want: Ok(&["rm a/x", "rmdir b"]),
                ..BASE
            },
            Case {
                name: "remote dirs holding a too-deep entry are kept (with their ancestors)",
                remote: &["d a", "d a/b", "f a/b/c 1 1", "f a/y 1 1"],
                max_depth: 2,
                want: Ok(&["rm a/y"]),
                ..BASE
            },
            Case {
                name: "no rename into an excluded path",
                local: &["f new.tmp 1 1 i5"],
                remote: &["f old 1 1 i5"],
                excludes: &["*.tmp"],
                want: Ok(&["rm old"]),
                ..BASE
            },
            Case {
                name: "no rename from an excluded path",
                local: &["f new 1 1 i5"],
                remote: &["f old.tmp 1 1 i5"],
                excludes: &["*.tmp"],
                want: Ok(&["up new 1 1"]),
                ..BASE
            },
            Case {
                name: "max_depth 0 considers nothing",
                local: &["f a 1 1"],
                remote: &["f b 1 1", "f .ftpsh-part-1-b 1 1"],
                max_depth: 0,
                want: Ok(&[]),
                ..BASE
            },
        ]);
    }

    // ---- rule 1b: folders not fully known -------------------------------------------------

    #[test]
    fn rule1b_no_deletes_where_the_listing_was_not_read_whole() {
        check(&[
            Case {
                name: "uploads still go in; nothing in it is deleted; elsewhere deletes go on",
                local: &["d a", "f a/new 1 1"],
                remote: &["d a", "f a/old 1 1", "d b", "f b/x 1 1", "f gone 1 1"],
                kept: &["a"],
                want: Ok(&["up a/new 1 1", "rm b/x", "rm gone", "rmdir b"]),
                ..BASE
            },
            Case {
                name: "nothing below it either; it and the folders holding it stay",
                remote: &[
                    "d p",
                    "d p/a",
                    "f p/a/x 1 1",
                    "d p/a/sub",
                    "f p/a/sub/y 1 1",
                    "f p/z 1 1",
                ],
                kept: &["p/a"],
                want: Ok(&["rm p/z"]),
                ..BASE
            },
            Case {
                name: "type conflicts inside it are left alone",
                local: &["d a", "f a/p 1 1", "d a/q", "f a/q/r 1 1"],
                remote: &["d a", "d a/p", "f a/p/z 1 1", "f a/q 1 1"],
                kept: &["a"],
                want: Ok(&[]),
                ..BASE
            },
            Case {
                name: "a root not read whole deletes nothing at all",
                local: &["f n 1 1"],
                remote: &["f o 1 1", "d d"],
                kept: &[""],
                want: Ok(&["up n 1 1"]),
                ..BASE
            },
        ]);
    }

    // ---- rule 2: mkdir / upload / identical -----------------------------------------------

    #[test]
    fn rule2_mkdir_upload_identical() {
        check(&[
            Case {
                name: "mkdirs in sorted order, parents first",
                local: &["d b", "d a/c", "d a", "d a-x"],
                want: Ok(&["mkdir a", "mkdir a-x", "mkdir a/c", "mkdir b"]),
                ..BASE
            },
            Case {
                name: "missing file uploads after its dir",
                local: &["d a", "f a/x 3 100"],
                want: Ok(&["mkdir a", "up a/x 3 100"]),
                ..BASE
            },
            Case {
                name: "size differs",
                local: &["f x 4 100"],
                remote: &["f x 3 100"],
                want: Ok(&["up x 4 100"]),
                ..BASE
            },
            Case {
                name: "mtime differs",
                local: &["f x 3 101"],
                remote: &["f x 3 100"],
                want: Ok(&["up x 3 101"]),
                ..BASE
            },
            Case {
                name: "remote mtime unknown",
                local: &["f x 3 100"],
                remote: &["f x 3 ?"],
                want: Ok(&["up x 3 100"]),
                ..BASE
            },
            Case {
                name: "identical files and dirs: nothing (a dir's inode does not matter)",
                local: &["d a i1", "f a/x 3 100 i2", "f y 0 5"],
                remote: &["d a i9", "f a/x 3 100 i2", "f y 0 5"],
                want: Ok(&[]),
                ..BASE
            },
        ]);
    }

    // ---- rule 3: kind changed ------------------------------------------------------------

    #[test]
    fn rule3_kind_changed() {
        check(&[
            Case {
                name: "local file replaces remote dir tree",
                local: &["f p 1 1"],
                remote: &["d p", "d p/s", "f p/s/x 1 1", "f p/y 1 1"],
                want: Ok(&["rm p/s/x", "rm p/y", "rmdir p/s", "rmdir p", "up p 1 1"]),
                ..BASE
            },
            Case {
                name: "local dir replaces remote file",
                local: &["d p", "f p/x 2 2"],
                remote: &["f p 1 1"],
                want: Ok(&["rm p", "mkdir p", "up p/x 2 2"]),
                ..BASE
            },
            Case {
                name: "delete=false: dir-over-file conflict skipped with children",
                local: &["d p", "f p/x 2 2", "f q 1 1"],
                remote: &["f p 1 1"],
                delete: false,
                want: Ok(&["up q 1 1"]),
                ..BASE
            },
            Case {
                name: "delete=false: file-over-dir conflict skipped with children",
                local: &["f p 1 1"],
                remote: &["d p", "f p/x 1 1"],
                delete: false,
                want: Ok(&[]),
                ..BASE
            },
            Case {
                name: "remote dir holding excluded data is not replaced by a file",
                local: &["f p 1 1"],
                remote: &["d p", "d p/.git", "f p/x 1 1"],
                excludes: &[".git"],
                want: Ok(&[]),
                ..BASE
            },
            Case {
                name: "conflict deletes count against max_delete",
                local: &["f p 1 1"],
                remote: &["d p", "f p/x 1 1"],
                max_delete: Some(1),
                want: Err((2, 1)),
                ..BASE
            },
        ]);
    }

    // ---- rule 4: renames -----------------------------------------------------------------

    #[test]
    fn rule4_file_renames() {
        check(&[
            Case {
                name: "moved file is renamed",
                local: &["f new.txt 5 100 i7"],
                remote: &["f old.txt 5 100 i7"],
                want: Ok(&["mv old.txt new.txt"]),
                ..BASE
            },
            Case {
                name: "rename also with delete=false",
                local: &["f new.txt 5 100 i7"],
                remote: &["f old.txt 5 100 i7"],
                delete: false,
                want: Ok(&["mv old.txt new.txt"]),
                ..BASE
            },
            Case {
                name: "rename does not count as a delete",
                local: &["f new.txt 5 100 i7"],
                remote: &["f old.txt 5 100 i7"],
                max_delete: Some(0),
                want: Ok(&["mv old.txt new.txt"]),
                ..BASE
            },
            Case {
                name: "no local inode: never guess",
                local: &["f new.txt 5 100"],
                remote: &["f old.txt 5 100 i7"],
                want: Ok(&["up new.txt 5 100", "rm old.txt"]),
                ..BASE
            },
            Case {
                name: "no remote inode: never guess",
                local: &["f new.txt 5 100 i7"],
                remote: &["f old.txt 5 100"],
                want: Ok(&["up new.txt 5 100", "rm old.txt"]),
                ..BASE
            },
            Case {
                name: "different inode",
                local: &["f new.txt 5 100 i8"],
                remote: &["f old.txt 5 100 i7"],
                want: Ok(&["up new.txt 5 100", "rm old.txt"]),
                ..BASE
            },
            Case {
                name: "same inode but size differs",
                local: &["f new.txt 6 100 i7"],
                remote: &["f old.txt 5 100 i7"],
                want: Ok(&["up new.txt 6 100", "rm old.txt"]),
                ..BASE
            },
            Case {
                name: "same inode but mtime differs or unknown",
                local: &["f a.new 5 101 i7", "f b.new 5 100 i8"],
                remote: &["f a.old 5 100 i7", "f b.old 5 ? i8"],
                want: Ok(&["up a.new 5 101", "up b.new 5 100", "rm a.old", "rm b.old"]),
                ..BASE
            },
            Case {
                name: "hard links (two local paths, one inode) are ambiguous",
                local: &["f x 5 100 i7", "f y 5 100 i7"],
                remote: &["f old 5 100 i7"],
                want: Ok(&["up x 5 100", "up y 5 100", "rm old"]),
                ..BASE
            },
            Case {
                name: "source still present locally is not moved away",
                local: &["f old 5 100 i7", "f new 5 100 i7"],
                remote: &["f old 5 100 i7"],
                want: Ok(&["up new 5 100"]),
                ..BASE
            },
            Case {
                name: "rename into a new dir comes after its mkdir",
                local: &["d n", "f n/a 1 1 i7"],
                remote: &["f a 1 1 i7"],
                want: Ok(&["mkdir n", "mv a n/a"]),
                ..BASE
            },
            Case {
                name: "remote temp with a matching inode is never a rename source",
                local: &["f a 1 1 i7"],
                remote: &["f .ftpsh-part-1-a 1 1 i7"],
                want: Ok(&["rmtemp .ftpsh-part-1-a", "up a 1 1"]),
                ..BASE
            },
            Case {
                name: "no rename out of a remote dir that conflicts with a local file",
                local: &["f p 1 1", "f a 2 2 i7"],
                remote: &["d p", "f p/a 2 2 i7"],
                delete: false,
                want: Ok(&["up a 2 2"]),
                ..BASE
            },
        ]);
    }

    // ---- rule 4b: identity: content that moved is never lost, content that changed is sent

    #[test]
    fn rule4_identity() {
        check(&[
            Case {
                name: "a path whose inode changed is changed, even with size and mtime equal",
                local: &["f a 5 100 i2"],
                remote: &["f a 5 100 i1"],
                want: Ok(&["up a 5 100"]),
                ..BASE
            },
            Case {
                name: "unknown remote identity (not uploaded by us): size and mtime decide",
                local: &["f a 5 100 i2"],
                remote: &["f a 5 100"],
                want: Ok(&[]),
                ..BASE
            },
            Case {
                name: "swap through a temporary name (mv a t; mv b a; mv t b): both sent",
                local: &["f a 5 100 i2", "f b 5 100 i1"],
                remote: &["f a 5 100 i1", "f b 5 100 i2"],
                want: Ok(&["up a 5 100", "up b 5 100"]),
                ..BASE
            },
            Case {
                name: "swap seen half-way (a moved to t): one rename",
                local: &["f b 5 100 i2", "f t 5 100 i1"],
                remote: &["f a 5 100 i1", "f b 5 100 i2"],
                want: Ok(&["mv a t"]),
                ..BASE
            },
            Case {
                name: "swap finished after a pass saw it half-way: both sent, t deleted",
                local: &["f a 5 100 i2", "f b 5 100 i1"],
                remote: &["f b 5 100 i2", "f t 5 100 i1"],
                want: Ok(&["up a 5 100", "up b 5 100", "rm t"]),
                ..BASE
            },
            Case {
                name: "mv a c; mv b a: the old a's content is not taken from a path still present",
                local: &["f a 5 100 i2", "f c 5 100 i1"],
                remote: &["f a 5 100 i1", "f b 5 100 i2"],
                want: Ok(&["up a 5 100", "up c 5 100", "rm b"]),
                ..BASE
            },
            Case {
                name: "rotation of three (a->b->c->a): all sent, none deleted",
                local: &["f a 5 100 i3", "f b 5 100 i1", "f c 5 100 i2"],
                remote: &["f a 5 100 i1", "f b 5 100 i2", "f c 5 100 i3"],
                want: Ok(&["up a 5 100", "up b 5 100", "up c 5 100"]),
                ..BASE
            },
            Case {
                name: "a new file under an old name, the old content moved: rename source is gone",
                local: &["f 0 5 100 i1", "f a 5 100 i2"],
                remote: &["f a 5 100 i1"],
                want: Ok(&["up 0 5 100", "up a 5 100"]),
                ..BASE
            },
        ]);
    }

    // ---- rule 4c: listed times in the server's zone -------------------------------------

    #[test]
    fn rule4_zone_offset() {
        check(&[
            Case {
                name: "every listed time an hour ahead: nothing to send",
                local: &["f a 5 100", "f b 6 200", "f c 7 300"],
                remote: &["f a 5 3700", "f b 6 3800", "f c 7 3900"],
                want: Ok(&[]),
                ..BASE
            },
            Case {
                name: "two hours behind, and a changed file still sent",
                local: &["f a 5 8000", "f b 6 9000", "f c 8 9999"],
                remote: &["f a 5 800", "f b 6 1800", "f c 7 1"],
                want: Ok(&["up c 8 9999"]),
                ..BASE
            },
            Case {
                name: "not uniform: no offset, the shifted file is sent",
                local: &["f a 5 100", "f b 6 200", "f c 7 300"],
                remote: &["f a 5 3700", "f b 6 200", "f c 7 300"],
                want: Ok(&["up a 5 100"]),
                ..BASE
            },
            Case {
                name: "one sample proves nothing",
                local: &["f a 5 100"],
                remote: &["f a 5 3700"],
                want: Ok(&["up a 5 100"]),
                ..BASE
            },
            Case {
                name: "not whole hours: no offset",
                local: &["f a 5 100", "f b 6 200"],
                remote: &["f a 5 160", "f b 6 260"],
                want: Ok(&["up a 5 100", "up b 6 200"]),
                ..BASE
            },
            Case {
                name: "times ftpsh recorded (with identity) are not shifted",
                local: &["f a 5 100", "f b 6 200", "f r 1 50 i4"],
                remote: &["f a 5 3700", "f b 6 3800", "f r 1 3650 i4"],
                want: Ok(&["up r 1 50"]),
                ..BASE
            },
        ]);
    }

    #[test]
    fn rule4_dir_renames() {
        check(&[
            Case {
                name: "moved dir: one rename, children compared under the new name",
                local: &["d b i1", "f b/w 4 4", "f b/x 1 1", "f b/y 9 9"],
                remote: &["d a i1", "f a/x 1 1", "f a/y 2 2", "f a/z 3 3"],
                want: Ok(&["mv a b", "up b/w 4 4", "up b/y 9 9", "rm b/z"]),
                ..BASE
            },
            Case {
                name: "moved dir with delete=false keeps extras",
                local: &["d b i1", "f b/x 1 1"],
                remote: &["d a i1", "f a/x 1 1", "f a/z 3 3"],
                delete: false,
                want: Ok(&["mv a b"]),
                ..BASE
            },
            Case {
                name: "rename target parent is created first",
                local: &["d n", "d n/b i1", "f n/b/x 1 1"],
                remote: &["d a i1", "f a/x 1 1"],
                want: Ok(&["mkdir n", "mv a n/b"]),
                ..BASE
            },
            Case {
                name: "nested dirs moved together: only the top rename",
                local: &["d b i1", "d b/s i2", "f b/s/f 1 1 i3"],
                remote: &["d a i1", "d a/s i2", "f a/s/f 1 1 i3"],
                want: Ok(&["mv a b"]),
                ..BASE
            },
            Case {
                name: "file renamed from its remapped path",
                local: &["d b i1", "f c 1 1 i7"],
                remote: &["d a i1", "f a/f 1 1 i7"],
                want: Ok(&["mv a b", "mv b/f c"]),
                ..BASE
            },
            Case {
                name: "file moved out before its old dir is renamed",
                local: &["f b 1 1 i7", "d z i1"],
                remote: &["d a i1", "f a/f 1 1 i7"],
                want: Ok(&["mv a/f b", "mv a z"]),
                ..BASE
            },
            Case {
                name: "subdir moved out of a dir that was renamed too",
                local: &["d b i1", "d c i2", "f c/x 1 1"],
                remote: &["d a i1", "d a/s i2", "f a/s/x 1 1"],
                want: Ok(&["mv a b", "mv b/s c"]),
                ..BASE
            },
            Case {
                name: "dir without inode is re-created",
                local: &["d b", "f b/x 1 1"],
                remote: &["d a i1", "f a/x 1 1"],
                want: Ok(&["mkdir b", "up b/x 1 1", "rm a/x", "rmdir a"]),
                ..BASE
            },
            Case {
                name: "renamed dir carries a temp (cleaned first) and a type conflict",
                local: &["d b i1", "d b/k", "f b/k/x 1 1"],
                remote: &["d a i1", "f a/.ftpsh-part-9-x 1 1", "f a/k 5 5"],
                want: Ok(&[
                    "rmtemp a/.ftpsh-part-9-x",
                    "mv a b",
                    "rm b/k",
                    "mkdir b/k",
                    "up b/k/x 1 1",
                ]),
                ..BASE
            },
        ]);
    }

    // ---- rule 5: temporary uploads -------------------------------------------------------

    #[test]
    fn rule5_temps() {
        check(&[
            Case {
                name: "leftover temp removed even with delete=false",
                local: &["f a 1 1"],
                remote: &["f .ftpsh-part-x-a 1 1", "f a 1 1"],
                delete: false,
                want: Ok(&["rmtemp .ftpsh-part-x-a"]),
                ..BASE
            },
            Case {
                name: "local temp names are never uploaded",
                local: &[
                    "f .ftpsh-part-x-a 1 1",
                    "d .ftpsh-part-y-d",
                    "f .ftpsh-part-y-d/z 1 1",
                ],
                want: Ok(&[]),
                ..BASE
            },
            Case {
                name: "temp removed even when its name matches an exclude",
                remote: &["d d", "f d/.ftpsh-part-1-a 1 1"],
                excludes: &[".*"],
                delete: false,
                want: Ok(&["rmtemp d/.ftpsh-part-1-a"]),
                ..BASE
            },
            Case {
                name: "temps in excluded or too-deep dirs are left alone",
                remote: &[
                    "d build",
                    "f build/.ftpsh-part-1-a 1 1",
                    "d a",
                    "f a/.ftpsh-part-1-b 1 1",
                ],
                excludes: &["build"],
                max_depth: 1,
                want: Ok(&[]),
                ..BASE
            },
            Case {
                name: "temp-named remote dir is not ours: kept, and keeps its parent",
                remote: &[
                    "d p",
                    "d p/.ftpsh-part-1-q",
                    "f p/.ftpsh-part-1-q/f 1 1",
                    "f p/x 1 1",
                ],
                want: Ok(&["rm p/x"]),
                ..BASE
            },
            Case {
                name: "temps first, then the dir holding them can go",
                remote: &["d old", "f old/.ftpsh-part-1-x 1 1"],
                want: Ok(&["rmtemp old/.ftpsh-part-1-x", "rmdir old"]),
                ..BASE
            },
            Case {
                name: "temp carried by a dir rename into reach is removed right after it",
                local: &["d q i1"],
                remote: &["d p", "d p/a i1", "f p/a/.ftpsh-part-1-x 1 1"],
                max_depth: 2,
                want: Ok(&["mv p/a q", "rmtemp q/.ftpsh-part-1-x", "rmdir p"]),
                ..BASE
            },
            Case {
                name: "RemoveTemp does not count against max_delete",
                remote: &["f .ftpsh-part-1-a 1 1", "f .ftpsh-part-2-b 1 1"],
                max_delete: Some(0),
                want: Ok(&["rmtemp .ftpsh-part-1-a", "rmtemp .ftpsh-part-2-b"]),
                ..BASE
            },
        ]);
    }

    // ---- rule 6: deletes -------------------------------------------------------------------

    #[test]
    fn rule6_deletes() {
        check(&[
            Case {
                name: "deletes last, deepest first, files before dirs",
                local: &["f z 1 1"],
                remote: &["d a", "d a/b", "f a/b/c 1 1", "f a/d 1 1", "f e 1 1"],
                want: Ok(&[
                    "up z 1 1",
                    "rm a/b/c",
                    "rm a/d",
                    "rmdir a/b",
                    "rm e",
                    "rmdir a",
                ]),
                ..BASE
            },
            Case {
                name: "delete=false: nothing deleted",
                local: &["f z 1 1"],
                remote: &["d a", "f a/d 1 1"],
                delete: false,
                want: Ok(&["up z 1 1"]),
                ..BASE
            },
            Case {
                name: "max_delete exceeded",
                remote: &["f a 1 1", "f b 1 1"],
                max_delete: Some(1),
                want: Err((2, 1)),
                ..BASE
            },
            Case {
                name: "max_delete reached exactly is fine",
                remote: &["f a 1 1", "f b 1 1"],
                max_delete: Some(2),
                want: Ok(&["rm a", "rm b"]),
                ..BASE
            },
            Case {
                name: "max_delete is ignored with delete=false",
                remote: &["f a 1 1", "f b 1 1"],
                delete: false,
                max_delete: Some(0),
                want: Ok(&[]),
                ..BASE
            },
        ]);
    }

    // ---- rule 7: overall order -------------------------------------------------------------

    #[test]
    fn rule7_overall_order() {
        check(&[Case {
            name: "temps, then mkdir/rename/upload by path, then deletes",
            local: &[
                "d docs i1",
                "f docs/a 1 1",
                "d img",
                "f img/p.png 7 7 i9",
                "f readme 2 2",
                "d src",
                "f src/main 3 3",
            ],
            remote: &[
                "f .ftpsh-part-1-readme 2 2",
                "d doc i1",
                "f doc/a 1 1",
                "f doc/b 1 1",
                "f p.png 7 7 i9",
                "f readme 1 1",
                "d old",
                "f old/x 1 1",
            ],
            want: Ok(&[
                "rmtemp .ftpsh-part-1-readme",
                "mv doc docs",
                "mkdir img",
                "mv p.png img/p.png",
                "up readme 2 2",
                "mkdir src",
                "up src/main 3 3",
                "rm docs/b",
                "rm old/x",
                "rmdir old",
            ]),
            ..BASE
        }]);
    }

    #[test]
    fn rule7_deterministic() {
        let case = Case {
            local: &["d b i1", "f b/x 1 1 i2", "f c 1 1 i3", "f d 1 1 i4"],
            remote: &[
                "d a i1",
                "f a/x 1 1 i2",
                "f y 1 1 i3",
                "f z 1 1 i4",
                "f w 1 1",
            ],
            ..BASE
        };
        let first = run(&case);
        assert_eq!(
            first,
            Ok(vec![
                "mv a b".to_string(),
                "mv y c".to_string(),
                "mv z d".to_string(),
                "rm w".to_string(),
            ])
        );
        for _ in 0..20 {
            assert_eq!(run(&case), first);
        }
    }

    // ---- rule 8: empty local -----------------------------------------------------------------

    #[test]
    fn rule8_empty_local() {
        check(&[
            Case {
                name: "empty local deletes everything included",
                remote: &["d a", "f a/x 1 1", "f b 1 1", "f c.keep 1 1"],
                excludes: &["*.keep"],
                want: Ok(&["rm a/x", "rm b", "rmdir a"]),
                ..BASE
            },
            Case {
                name: "max_delete 0 with a non-empty remote",
                remote: &["f b 1 1"],
                max_delete: Some(0),
                want: Err((1, 0)),
                ..BASE
            },
            Case {
                name: "max_delete 0 with an empty remote",
                max_delete: Some(0),
                want: Ok(&[]),
                ..BASE
            },
        ]);
    }

    // ---- rule 9: a vanished source is not an empty source ------------------------------

    struct Guard {
        name: &'static str,
        local: &'static [&'static str],
        remote: &'static [&'static str],
        root_moved: bool,
        /// Actions, and the held deletes with their reason (None: nothing held).
        want: (&'static [&'static str], Option<(usize, HoldReason)>),
    }

    /// `n` remote files `f0`..`f{n-1}` (as DSL lines, leaked: tests only).
    fn remote_files(n: usize) -> &'static [&'static str] {
        let lines: Vec<&'static str> = (0..n)
            .map(|i| &*Box::leak(format!("f f{i} 1 1").into_boxed_str()))
            .collect();
        Box::leak(lines.into_boxed_slice())
    }

    #[test]
    fn rule9_mass_delete_guard() {
        let ten = remote_files(10);
        let cases = [
            Guard {
                name: "local holds no file: deletes held, nothing else to do",
                local: &["d emptydir"],
                remote: &["d a", "f a/x 1 1", "f b 1 1"],
                root_moved: false,
                want: (
                    &["mkdir emptydir"],
                    Some((3, HoldReason::LocalEmpty { remote_files: 2 })),
                ),
            },
            Guard {
                name: "local root on another device: deletes held, uploads go on",
                local: &["f new 1 1"],
                remote: &["f old 1 1", "f keep 1 1"],
                root_moved: true,
                want: (&["up new 1 1"], Some((2, HoldReason::RootMoved))),
            },
            Guard {
                name: "root moved but nothing to delete: nothing held",
                local: &["f a 1 1"],
                remote: &["f a 1 1"],
                root_moved: true,
                want: (&[], None),
            },
            Guard {
                name: "9 of 10 remote files deleted: held",
                local: &["f f0 1 1"],
                remote: ten,
                root_moved: false,
                want: (
                    &[],
                    Some((
                        9,
                        HoldReason::NearlyAll {
                            doomed: 9,
                            remote_files: 10,
                        },
                    )),
                ),
            },
            Guard {
                name: "8 of 10: an ordinary pass",
                local: &["f f0 1 1", "f f1 1 1"],
                remote: ten,
                root_moved: false,
                want: (
                    &[
                        "rm f2", "rm f3", "rm f4", "rm f5", "rm f6", "rm f7", "rm f8", "rm f9",
                    ],
                    None,
                ),
            },
            Guard {
                name: "every remote file deleted, however few: held",
                local: &["f new 1 1"],
                remote: &["f old 1 1"],
                root_moved: false,
                want: (
                    &["up new 1 1"],
                    Some((
                        1,
                        HoldReason::NearlyAll {
                            doomed: 1,
                            remote_files: 1,
                        },
                    )),
                ),
            },
            Guard {
                name: "1 of 2 remote files deleted: an ordinary pass",
                local: &["f new 1 1", "f keep 1 1"],
                remote: &["f old 1 1", "f keep 1 1"],
                root_moved: false,
                want: (&["up new 1 1", "rm old"], None),
            },
            Guard {
                name: "only empty remote folders deleted: an ordinary pass",
                local: &["f keep 1 1"],
                remote: &["f keep 1 1", "d gone"],
                root_moved: false,
                want: (&["rmdir gone"], None),
            },
            Guard {
                name: "excluded and too-deep remote files do not count either way",
                local: &["f a 1 1"],
                remote: &["f a 1 1", "f b 1 1", "f c.keep 1 1"],
                root_moved: false,
                want: (&["rm b"], None),
            },
        ];
        for case in &cases {
            let filter = Filter::new(6, &["*.keep".to_string()]).unwrap();
            let mut opts = PlanOptions {
                delete: true,
                max_delete: None,
                allow_mass_delete: false,
                root_moved: case.root_moved,
            };
            let got = plan(&snap(case.local), &rtree(case.remote), &filter, &opts).unwrap();
            let actions: Vec<String> = got.actions.iter().map(show).collect();
            let held = got.held.map(|h| (h.deletes, h.why));
            assert_eq!(
                (actions.as_slice(), held),
                (
                    case.want
                        .0
                        .iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>()
                        .as_slice(),
                    case.want.1.clone()
                ),
                "case {:?}",
                case.name
            );
            // Confirmed: the same plan with its deletes, nothing held.
            opts.allow_mass_delete = true;
            let confirmed = plan(&snap(case.local), &rtree(case.remote), &filter, &opts).unwrap();
            assert_eq!(confirmed.held, None, "case {:?}", case.name);
            let deletes = confirmed
                .actions
                .iter()
                .filter(|a| matches!(a, Action::DeleteFile(_) | Action::RemoveDir(_)))
                .count();
            if let Some((count, _)) = &case.want.1 {
                assert_eq!(deletes, *count, "case {:?} confirmed", case.name);
            }
        }
        let held = Held {
            deletes: 3,
            why: HoldReason::LocalEmpty { remote_files: 2 },
        };
        assert_eq!(
            held.to_string(),
            "3 remote deletes held: the local folder holds no file while the remote holds 2; \
             uploads go on (mirror --allow-mass-delete confirms)"
        );
    }

    #[test]
    fn idle_and_error_text() {
        let err = PlanError::TooManyDeletes {
            planned: 3,
            limit: 1,
        };
        assert_eq!(
            err.to_string(),
            "refusing to delete 3 remote entries (limit is 1)"
        );
        let _: &dyn std::error::Error = &err;
    }
}
