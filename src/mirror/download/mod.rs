//! The download mirror's rules (pure): the same planner with the roles swapped. The remote
//! listing is the source ([`source_snapshot`]), the local scan the destination
//! ([`destination_tree`]); a local file the user changed since ftpsh wrote it is a
//! conflict ([`conflicts`]), kept under a [`conflict_name`] rather than overwritten or
//! deleted.
//!
//! Why the same planner: every rule of the upload mirror (depth limit, excludes, temporaries
//! cleaned, deletes last and only after a clean pass, `--no-delete`, `--max-delete`, the
//! mass-delete guard) then holds for downloads without a second copy of it. What differs is
//! only what an action does (`apply` with `Direction::Download`) and the local safety rules
//! here. The source has no inodes (a server gives none), so no rename is planned: a file
//! renamed on the server is fetched under its new name and the old one deleted.
//!
//! I/O lives in [`list`] (the remote tree) and [`local`] (writing into LOCAL).

use std::collections::HashSet;

use super::plan::{Action, Plan, zone};
use super::tree::{Kind, LocalEntry, RemoteEntry, RemoteTree, Snapshot};
use crate::ftp::path;

pub mod list;
pub mod local;

/// What the listing says of one remote entry: the source side of a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listed {
    pub kind: Kind,
    pub size: u64,
    /// The server's time (MLSD exact, or a LIST date); None when it gives none.
    pub mtime: Option<i64>,
    /// The permission bits a local copy of a file gets: the server's rwx bits less the
    /// umask (see [`local_mode`]); None when the server gives none, or for a folder.
    pub mode: Option<u32>,
}

/// The permission bits a fetched file gets from the server's: read, write and execute
/// (never setuid, setgid or sticky), less what the umask takes away, as `tar` and `lftp`
/// extract: a 755 script stays executable, a 777 file is not made writable for all.
pub fn local_mode(server: u32, umask: u32) -> u32 {
    server & crate::mirror::modes::KEPT & !umask
}

/// The remote tree as the planner's source. A file the server gives no time for is
/// compared by size alone: it takes the time of the local copy ftpsh recorded writing at
/// that size (else it is fetched, having no time to match). So is a time no file system
/// holds (see [`plausible`]). When a clear majority of the files ftpsh wrote are listed
/// shifted by the same whole number of hours since (the server's clock changed zone or
/// DST), the shift is taken off every listed time: nothing is fetched again for it, and
/// new files get times in step with the old ones.
pub fn source_snapshot<'a>(
    listed: impl IntoIterator<Item = (&'a str, Listed)>,
    record: &RemoteTree,
) -> Snapshot {
    let listed: Vec<(&str, Listed)> = listed.into_iter().collect();
    let recorded = |rel: &str, l: &Listed| {
        record
            .get(rel)
            .filter(|r| r.kind == l.kind && r.size == l.size)
            .and_then(|r| r.mtime)
    };
    let drifts = listed.iter().filter_map(|(rel, l)| {
        let time = plausible(l.mtime).filter(|_| l.kind == Kind::File)?;
        Some(time - recorded(rel, l)?)
    });
    let shift = zone::majority_offset(drifts, 2).unwrap_or(0);
    listed
        .into_iter()
        .map(|(rel, l)| {
            let mtime = match (l.kind, plausible(l.mtime), recorded(rel, &l)) {
                (Kind::Dir, _, _) => 0,
                (_, Some(t), _) => t - shift,
                (_, None, Some(t)) => t,
                (_, None, None) => i64::MIN,
            };
            let entry = LocalEntry {
                kind: l.kind,
                size: l.size,
                mtime,
                mtime_ns: 0,
                inode: None,
                mode: l.mode.filter(|_| l.kind == Kind::File),
            };
            (rel, entry)
        })
        .collect()
}

/// Server times a local file can be given: from 1970 up to 2100. Beyond, file systems
/// differ (ext4 stops in 2446 or 2038, FAT in 2107), and one that cannot hold the time
/// keeps another: the file would differ from the listing at every pass. A server that
/// lists year 9999 or 0001 means "unknown".
pub fn plausible(time: Option<i64>) -> Option<i64> {
    const LATEST: i64 = 4_102_444_800; // 2100-01-01T00:00:00Z
    time.filter(|t| (0..LATEST).contains(t))
}

/// The local scan as the planner's destination. Each entry keeps its identity, which also
/// tells the planner its time is exact (never shifted by a zone offset). A temporary whose
/// process is gone (`stale`) is undated, so it is cleaned at once rather than spared as
/// another download in flight.
pub fn destination_tree(scan: &Snapshot, stale: &dyn Fn(&str) -> bool) -> RemoteTree {
    scan.iter()
        .map(|(rel, e)| {
            let dated = !(crate::transfer::temp_name::is_temp(rel) && stale(rel));
            let entry = RemoteEntry {
                kind: e.kind,
                size: e.size,
                mtime: dated.then_some(e.mtime),
                // The source's times are the server's whole seconds: they decide.
                mtime_ns: None,
                inode: e.inode.or(Some(0)),
                mode: e.mode.filter(|_| e.kind == Kind::File),
            };
            (rel, entry)
        })
        .collect()
}

/// The local entries the filter excludes, into the destination: the planner never acts on
/// them (they are not considered), and a folder holding one is kept, as the upload mirror
/// keeps a remote folder holding an excluded file: a folder gone from the server whose local
/// copy holds one is emptied of the mirror's files and stays, quietly.
pub fn add_excluded(dest: &mut RemoteTree, excluded: &[(String, Kind)]) {
    for (rel, kind) in excluded {
        let entry = RemoteEntry {
            kind: *kind,
            size: 0,
            mtime: None,
            mtime_ns: None,
            inode: Some(0),
            mode: None,
        };
        dest.insert(rel.as_str(), entry);
    }
}

/// What ftpsh records of the local files it leaves: those that hold the server's content
/// (same size and time as the source), with their identity; those the last record had
/// that are still as ftpsh left them (--no-delete kept them); and the last record's entries
/// the pass did not see (an exclude, the depth limit, a file gone: each is checked against
/// the file when a later pass would act on it). Nothing else is ftpsh's to overwrite or
/// delete without a conflict.
pub fn record(source: &Snapshot, dest: &RemoteTree, last: &RemoteTree) -> RemoteTree {
    let seen = dest.iter().filter(|(rel, d)| {
        let fetched = source.get(rel).is_some_and(|s| {
            s.kind == Kind::File && s.size == d.size && same_time(s.mtime, d.mtime)
        });
        d.kind == Kind::File && (fetched || as_written(last, rel, *d))
    });
    let unseen = last.iter().filter(|(rel, _)| !dest.contains_key(rel));
    let mut all: Vec<(&str, RemoteEntry)> = seen.chain(unseen).collect();
    all.sort_by(|a, b| a.0.cmp(b.0));
    all.into_iter().collect()
}

/// A source time equals the local one; a server that gives none (`i64::MIN`, see
/// [`source_snapshot`]) is compared by size alone.
fn same_time(source: i64, local: Option<i64>) -> bool {
    source == i64::MIN || local == Some(source)
}

/// The local file at `rel` is as ftpsh left it: recorded, same size, time and identity.
fn as_written(record: &RemoteTree, rel: &str, now: RemoteEntry) -> bool {
    record.get(rel).is_some_and(|r| {
        r.kind == Kind::File
            && r.size == now.size
            && r.mtime.is_some()
            && r.mtime == now.mtime
            && (r.inode.is_none() || now.inode.is_none() || r.inode == now.inode)
    })
}

/// The local files `plan` would overwrite or delete that are not as ftpsh left them (the
/// user edited, replaced or created them): each is kept aside before the pass goes on.
pub fn conflicts(plan: &Plan, dest: &RemoteTree, record: &RemoteTree) -> Vec<String> {
    let mut found: Vec<String> = plan
        .actions()
        .filter_map(|action| match action {
            Action::Upload { path, .. } | Action::DeleteFile(path) => Some(path.as_str()),
            _ => None,
        })
        .filter(|rel| {
            dest.get(rel)
                .is_some_and(|now| now.kind == Kind::File && !as_written(record, rel, now))
        })
        .map(str::to_owned)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    found.sort();
    found
}

/// Marks a kept local file: `NAME.ftpsh-conflict-TIME`, beside it.
pub const CONFLICT_MARK: &str = ".ftpsh-conflict-";

/// The name a conflicting local file is kept under: beside it, the time in UTC (seconds,
/// RFC 3339 basic form, so names sort by time), never one the mirror acts on.
pub fn conflict_name(rel: &str, now: i64) -> String {
    let time = chrono::DateTime::from_timestamp(now, 0)
        .map(|t| t.format("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_else(|| now.to_string());
    format!("{rel}{CONFLICT_MARK}{time}")
}

/// A kept conflict copy: left alone by the mirror on both sides.
pub fn is_conflict(rel: &str) -> bool {
    path::file_name(rel).contains(CONFLICT_MARK)
}

#[cfg(test)]
mod tests;
