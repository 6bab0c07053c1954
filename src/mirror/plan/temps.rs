//! The planner's view of temporaries found on the server: which give a missing name its old
//! file back (restores), which an upload continues (resumable), which are someone else's
//! upload in flight (spared).

use std::collections::HashMap;

use super::{Action, considered, is_stray_temp};
use crate::ftp::path;
use crate::mirror::filter::Filter;
use crate::mirror::tree::{Kind, RelPath, RemoteEntry, RemoteTree, Snapshot};
use crate::transfer::temp_name::{self, Purpose};

/// The restores due (see step 1 of the module's rules): for each name missing from the
/// remote whose `-old-` copies lie beside it, in a folder the walk reaches, the newest copy
/// goes back under the name. In path order of the names.
pub(super) fn restores(remote: &RemoteTree, filter: &Filter) -> Vec<Action> {
    let mut copies: HashMap<String, Vec<(&str, Option<i64>)>> = HashMap::new();
    for (path, entry) in remote {
        if entry.kind != Kind::File || !is_stray_temp(filter, path) {
            continue;
        }
        let Some(name) = temp_name::parse(path).filter(|t| t.purpose == Purpose::Aside) else {
            continue;
        };
        let to = path::join(path::parent(path), name.final_name);
        if !remote.contains_key(&to) {
            copies.entry(to).or_default().push((path, entry.mtime));
        }
    }
    let mut restores: Vec<(String, &str)> = copies
        .into_iter()
        .filter_map(|(to, listed)| {
            let from = temp_name::restorable(listed, path::file_name(&to))?;
            Some((to, from))
        })
        .collect();
    restores.sort();
    restores
        .into_iter()
        .map(|(to, from)| Action::Restore {
            from: from.into(),
            to: to.into(),
        })
        .collect()
}

/// For each local file that has one, the temporary of an interrupted upload of this very
/// version of it (same size, mtime and identity, as its name records), in the file's remote
/// folder, holding no more than the file: the biggest, where there are several. It may be
/// another process's, young or old: the name proves it holds a prefix of this file (an
/// ftpsh that was killed mid-upload left it), so continuing it is sending the rest.
pub(super) fn resumable_temps(
    local: &Snapshot,
    remote: &RemoteTree,
    filter: &Filter,
) -> HashMap<String, RelPath> {
    let mut found: HashMap<String, (u64, RelPath)> = HashMap::new();
    for (temp, entry) in remote {
        let Some(name) = temp_name::parse(temp) else {
            continue;
        };
        let temp_name::Purpose::Upload(fingerprint) = name.purpose else {
            continue;
        };
        if entry.kind != Kind::File || entry.size == 0 || !is_stray_temp(filter, temp) {
            continue;
        }
        let target = path::join(path::parent(temp), name.final_name);
        let fits = local.get(&target).is_some_and(|l| {
            l.kind == Kind::File
                && entry.size <= l.size
                && temp_name::Fingerprint::of(l.size, l.mtime, l.inode) == fingerprint
        });
        if !fits || !considered(filter, &target, Kind::File) {
            continue;
        }
        let better = found
            .get(&target)
            .is_none_or(|(size, _)| entry.size > *size);
        if better {
            found.insert(target, (entry.size, temp.into()));
        }
    }
    found.into_iter().map(|(k, (_, t))| (k, t)).collect()
}

/// Which temporaries are someone else's upload in flight, to be left alone (see
/// [`temp_name::busy_elsewhere`]): they stay where they are, and keep their folder.
pub(super) struct Spare<'a> {
    /// This process's tag: our own temporaries are leftovers of our own failed attempts.
    pub(super) own_tag: &'a str,
    pub(super) now: i64,
}

impl Spare<'_> {
    pub(super) fn spares(&self, path: &str, entry: RemoteEntry) -> bool {
        temp_name::busy_elsewhere(path, entry.mtime, self.now, self.own_tag)
    }
}
