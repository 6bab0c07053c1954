//! The planner's view of temporaries found on the server: which give a missing name its old
//! file back (restores), which an upload continues (resumable), which are someone else's
//! upload in flight (spared).

use std::collections::HashMap;

use super::{Action, considered, is_stray_temp};
use crate::ftp::path;
use crate::mirror::filter::Filter;
use crate::mirror::tree::{Kind, RelPath, RemoteEntry, RemoteTree, Snapshot};
use crate::transfer::partial::{self, Made};
use crate::transfer::temp_name::{self, Purpose};

/// The restores due (see step 1 of the module's rules): for each name missing from the
/// remote whose `-old-` copies lie beside it, in a folder the walk reaches, the newest copy
/// goes back under the name. Only copies ftpsh moved aside (`made`): a file planted under
/// such a name is a stale temporary like any other. In path order of the names.
pub(super) fn restores(remote: &RemoteTree, filter: &Filter, made: &Made) -> Vec<Action> {
    let mut copies: HashMap<String, Vec<(&str, Option<i64>)>> = HashMap::new();
    for (path, entry) in remote {
        if entry.kind != Kind::File || !is_stray_temp(filter, path) {
            continue;
        }
        let Some(name) = temp_name::parse(path).filter(|t| t.purpose == Purpose::Aside) else {
            continue;
        };
        if !made.restores(path::file_name(path), entry.size) {
            continue;
        }
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

/// For each local file that has one, the temporary of an interrupted transfer of this
/// very version of it that it continues: [`partial::pick`], the one rule `put -c` follows
/// too (named for this version, holding no more than the file, made and recorded by ftpsh:
/// `made`), among the temporaries in the file's folder that the walk reaches.
pub(super) fn resumable_temps(
    local: &Snapshot,
    remote: &RemoteTree,
    filter: &Filter,
    made: &Made,
) -> HashMap<String, RelPath> {
    // For each target: its temporaries (path, size, identity), as `partial::pick` takes them.
    type Listed<'a> = Vec<(&'a str, u64, Option<u64>)>;
    let mut beside: HashMap<String, Listed> = HashMap::new();
    for (temp, entry) in remote {
        let Some(name) = temp_name::parse(temp) else {
            continue;
        };
        if !matches!(name.purpose, Purpose::Upload(_))
            || entry.kind != Kind::File
            || !is_stray_temp(filter, temp)
        {
            continue;
        }
        let target = path::join(path::parent(temp), name.final_name);
        beside
            .entry(target)
            .or_default()
            .push((temp, entry.size, entry.inode));
    }
    beside
        .into_iter()
        .filter_map(|(target, temps)| {
            let l = local.get(&target)?;
            if l.kind != Kind::File || !considered(filter, &target, Kind::File) {
                return None;
            }
            let fingerprint = temp_name::Fingerprint::of(l.size, l.mtime, l.inode);
            let name = path::file_name(&target).to_string();
            let chosen = partial::pick(temps, &name, fingerprint, l.size, made)?;
            Some((target, RelPath::from(chosen)))
        })
        .collect()
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
