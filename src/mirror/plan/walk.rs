//! The planner's walk: the local tree in path order against the virtual remote tree
//! (mkdirs, renames, uploads, type conflicts), then the remote extras to delete.

use std::collections::{HashMap, HashSet};

use super::holds::Blocked;
use super::virtual_tree::Virtual;
use super::{
    Action, Compare, PlanOptions, add_unique, considered, delete_action, is_stray_temp, replaced,
    sort_for_delete,
};
use crate::ftp::path;
use crate::mirror::filter::Filter;
use crate::mirror::modes;
use crate::mirror::tree::{Kind, LocalEntry, RemoteEntry, Snapshot};

/// (kind, inode) -> the only considered path with it on each side (None: ambiguous, e.g.
/// hard links). Only the keys of local paths that could be a rename's target are indexed
/// (no other key is ever looked up), so a tree where nothing moved indexes next to nothing.
pub(super) struct Inodes<'a> {
    local: HashMap<(Kind, u64), Option<&'a str>>,
    /// Current remote path (renames planned so far applied).
    remote: HashMap<(Kind, u64), Option<String>>,
}

pub(super) struct Planner<'a> {
    /// The server's zone offset for listed times (see [`zone_offset`]).
    pub(super) offset: i64,
    /// Other processes' young temporaries, left alone.
    pub(super) spare: super::Spare<'a>,
    pub(super) filter: &'a Filter,
    /// What held deletes keep (see `holds`).
    pub(super) held: Blocked<'a>,
    pub(super) opts: &'a PlanOptions,
    /// Only its considered entries count (`local_entry`).
    pub(super) local: &'a Snapshot,
    pub(super) vt: Virtual<'a>,
    /// Some considered remote entry has an inode, so a rename may be found. Until one is
    /// planned, what the plan creates is invisible to the rest of the plan (later paths
    /// are never under earlier ones), so without one `vt` does not track it.
    pub(super) renames_possible: bool,
    /// Built when the first path missing remotely asks for a rename source.
    pub(super) inodes: Option<Inodes<'a>>,
    /// Local paths left alone (type conflicts that are not resolved), with everything under them.
    pub(super) skipped: HashSet<String>,
    pub(super) actions: Vec<Action>,
}

impl<'a> Planner<'a> {
    /// The local entry at `path`, if the mirror considers it.
    fn local_entry(&self, path: &str) -> Option<LocalEntry> {
        self.local
            .get(path)
            .filter(|entry| considered(self.filter, path, entry.kind))
    }

    pub(super) fn walk_local(&mut self) {
        let (local, filter) = (self.local, self.filter);
        for (path, entry) in local
            .iter()
            .filter(|(path, entry)| considered(filter, path, entry.kind))
        {
            if path::ancestors(path).any(|a| self.skipped.contains(a)) {
                continue;
            }
            let remote_kind = self.vt.get(path).map(|e| e.kind);
            match (entry.kind, remote_kind) {
                (Kind::Dir, Some(Kind::Dir)) => self.keep_mode(path, entry),
                (Kind::Dir, Some(Kind::File)) => {
                    if self.opts.delete && self.may_delete(path) && self.may_replace() {
                        self.vt.remove(path);
                        self.actions.push(Action::DeleteFile(path.into()));
                        self.mkdir(path, entry);
                    } else {
                        self.skipped.insert(path.to_owned());
                    }
                }
                (Kind::Dir, None) => match self.rename_source(path, entry) {
                    Some(from) => {
                        self.rename(from, path);
                        self.keep_mode(path, entry);
                    }
                    None => self.mkdir(path, entry),
                },
                (Kind::File, Some(Kind::File)) => {
                    let (offset, compare) = (self.offset, self.opts.compare);
                    let replace = self
                        .vt
                        .get(path)
                        .is_none_or(|r| replaced(compare, r, entry, offset));
                    if replace {
                        self.upload(path, entry, self.opts.backup);
                    } else {
                        self.keep_mode(path, entry);
                    }
                }
                (Kind::File, Some(Kind::Dir)) => {
                    if self.opts.delete
                        && self.may_delete(path)
                        && self.may_replace()
                        && !self.holds_unconsidered(path)
                    {
                        self.delete_tree(path);
                        self.upload(path, entry, false);
                    } else {
                        self.skipped.insert(path.to_owned());
                    }
                }
                (Kind::File, None) => match self.rename_source(path, entry) {
                    Some(from) => {
                        self.rename(from, path);
                        self.keep_mode(path, entry);
                    }
                    None => self.upload(path, entry, false),
                },
            }
        }
    }

    /// With `delete`: every considered remote entry missing locally, deepest first, keeping
    /// directories that hold something the mirror does not consider.
    pub(super) fn delete_extras(&mut self) {
        if !self.opts.delete {
            return;
        }
        let mut blocked: HashSet<&str> = HashSet::new();
        for (path, entry) in self.vt.iter() {
            if !considered(self.filter, path, entry.kind) {
                blocked.extend(path::ancestors(path));
            }
        }
        let mut doomed: Vec<(String, Kind)> = self
            .vt
            .iter()
            .filter(|(path, entry)| {
                let holds_kept = entry.kind == Kind::Dir && blocked.contains(path);
                considered(self.filter, path, entry.kind)
                    && self.may_delete(path)
                    && self.local_entry(path).is_none()
                    && !path::ancestors(path).any(|a| self.skipped.contains(a))
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

    /// Neither the filter (a folder listed in part) nor a hold keeps the remote `path`.
    fn may_delete(&self, path: &str) -> bool {
        self.filter.may_delete(path) && !self.held.blocks(path)
    }

    /// Whether an existing remote entry may be replaced at all: not with
    /// `--ignore-existing`, which only adds what is missing (a folder where a file goes, or
    /// the reverse, is left alone with everything under it).
    fn may_replace(&self) -> bool {
        self.opts.compare != Compare::IgnoreExisting
    }

    /// The mode the remote copy of `entry` gets, when the mirror keeps modes and the local
    /// side has them.
    fn wanted_mode(&self, entry: LocalEntry) -> Option<u32> {
        let local = entry.mode.filter(|_| self.opts.perms)?;
        Some(modes::wanted(entry.kind, local))
    }

    /// A remote entry that stays (same content, or moved here) but is listed with other
    /// permission bits than the local one gets a chmod; one listed without bits is left
    /// alone (see `modes::differs`).
    fn keep_mode(&mut self, path: &str, entry: LocalEntry) {
        let Some(mode) = self.wanted_mode(entry) else {
            return;
        };
        if let Some(remote) = self.vt.get(path)
            && modes::differs(remote.mode, mode)
        {
            self.actions.push(Action::Chmod {
                path: path.into(),
                mode,
                created: false,
            });
            self.vt.insert(
                path,
                RemoteEntry {
                    mode: Some(mode),
                    ..remote
                },
            );
        }
    }

    fn mkdir(&mut self, path: &str, entry: LocalEntry) {
        self.actions.push(Action::Mkdir(path.into()));
        let mode = self.wanted_mode(entry);
        if let Some(mode) = mode {
            self.actions.push(Action::Chmod {
                path: path.into(),
                mode,
                created: true,
            });
        }
        if self.renames_possible {
            let dir = RemoteEntry {
                kind: Kind::Dir,
                size: 0,
                mtime: None,
                mtime_ns: None,
                inode: None,
                mode,
            };
            self.vt.insert(path, dir);
        }
    }

    /// `keep_old`: it replaces a remote file that goes to the backup folder.
    fn upload(&mut self, path: &str, entry: LocalEntry, keep_old: bool) {
        let mode = self.wanted_mode(entry);
        self.actions.push(Action::Upload {
            path: path.into(),
            size: entry.size,
            mtime: entry.mtime,
            mode,
            keep_old,
            resume: None,
        });
        if self.renames_possible {
            let file = RemoteEntry {
                kind: Kind::File,
                size: entry.size,
                mtime: Some(entry.mtime),
                mtime_ns: Some(entry.mtime_ns),
                inode: entry.inode,
                mode,
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
                    || path::ancestors(path)
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
            || (remote.size == entry.size && super::same_time(remote, entry));
        let usable = remote.kind == entry.kind
            && remote.inode == Some(ino)
            && same_content
            && from != path
            && self.local_entry(from).is_none()
            && considered(self.filter, from, remote.kind)
            && !path::ancestors(from)
                .any(|a| self.local_entry(a).is_some_and(|l| l.kind == Kind::File))
            && !path::is_under(path, from)
            && !path::is_under(from, path);
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
            if entry.kind == Kind::File
                && is_stray_temp(self.filter, &new)
                && !self.spare.spares(&old, entry)
            {
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
