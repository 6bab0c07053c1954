//! State: what the remote holds. Read once from the server (a recursive listing merged with
//! the persisted record of our uploads), then kept in memory and saved after each pass.

use std::collections::HashSet;
use std::fs;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::filter::Filter;
use super::plan::{HoldReason, Holds};
use super::pool::Pool;
use super::remote_walk;
use super::tree::{Kind, RemoteEntry, RemoteTree};
use crate::error::{Error, Result};
use crate::ftp::fetch::Tally;
use crate::ftp::listing::{Entry, EntryKind};
use crate::ftp::path;
use crate::transfer::temp_name;

/// Lists `root` recursively within the filter and merges each entry with the record as it
/// arrives, so raw listing lines never pile up. A name that is not one path component is
/// an error: trusting it could make the mirror act outside its root.
/// What a recursive listing found: the believed tree, and the paths whose names hold U+FFFD.
/// Names are read byte for byte (see `crate::lossless`), so U+FFFD comes from the server
/// itself: one that could not encode a name (libunftp lists a Latin-1 file name lossily)
/// and will not find it again under that name. Kept in the tree, so their folder is never
/// removed, but never acted on. And the folders whose listing held lines no format reads
/// (with how many): not fully known, so nothing in them may be deleted. And the folders
/// the server would not list (with its refusal): their contents are unknown, so nothing is
/// sent into them or deleted in them, and the next pass lists them again; what the record
/// says of them is kept, so the record is not lost meanwhile.
pub struct Listing {
    pub tree: RemoteTree,
    pub undecodable: Vec<String>,
    pub partial: Vec<(String, usize)>,
    pub unknown: Vec<(String, String)>,
}

pub fn list_remote(
    pool: &mut Pool,
    width: usize,
    root: &str,
    filter: &Filter,
    recorded: RemoteTree,
    tally: &Tally,
) -> Result<Listing> {
    // (believed tree, what is left of the record, undecodable paths)
    let found = Mutex::new((RemoteTree::new(), recorded, Vec::new()));
    let times = Mutex::new(Times::default());
    let partial = Mutex::new(Vec::new());
    let unknown = Mutex::new(Vec::new());
    remote_walk::walk(pool, width, String::new(), |session, dir| {
        if !filter.descend(dir) {
            return Ok(Vec::new());
        }
        let remote_dir = if dir.is_empty() {
            root.to_string()
        } else {
            path::join(root, dir)
        };
        let listing = match session.listing(&remote_dir) {
            // A subfolder the server would not list is left out of this pass, not the
            // whole pass: the root's refusal is the pass's.
            Err(err @ Error::ListingRefused { .. }) if !dir.is_empty() => {
                let mut unknown = unknown.lock().unwrap_or_else(|p| p.into_inner());
                unknown.push((dir.to_string(), err.to_string()));
                return Ok(Vec::new());
            }
            other => other?,
        };
        tally.charge(&remote_dir, &listing)?;
        if !listing.unparsed.is_empty() {
            let mut partial = partial.lock().unwrap_or_else(|p| p.into_inner());
            partial.push((dir.to_string(), listing.unparsed.len()));
        }
        let entries = listing.entries;
        let mut subdirs = Vec::new();
        let mut found = found.lock().unwrap_or_else(|p| p.into_inner());
        let (tree, recorded, undecodable) = &mut *found;
        for entry in entries {
            // One rule both ways: what the walk can upload (a backslash, a colon) reads back;
            // only a name that could escape its folder (`/`, `..`) is refused.
            let name = path::safe_remote_component(&entry.name).map_err(|_| Error::BadName {
                what: format!("list {remote_dir}"),
                reason: format!(
                    "refusing unsafe name {} from the server",
                    crate::escape::quoted(&entry.name)
                ),
            })?;
            let rel = path::join(dir, name);
            if name.contains(char::REPLACEMENT_CHARACTER) {
                undecodable.push(rel.clone());
            } else if entry.kind == EntryKind::Dir {
                subdirs.push(rel.clone());
            }
            // Taken out of the record as it is matched: the two trees never both hold it.
            let times_set = session.has_feature("MFMT");
            let record = recorded.remove(&rel);
            let Some(believed) = merge_entry(&entry, record, times_set) else {
                continue;
            };
            let mut times = times.lock().unwrap_or_else(|p| p.into_inner());
            match record_drift(&entry, record, times_set) {
                Some(drift) => times.recorded.push((rel.clone(), drift)),
                None if believed.inode.is_none() && believed.mtime.is_some() => {
                    times.listed.push(rel.clone());
                }
                None => {}
            }
            tree.insert(rel, believed);
        }
        Ok(subdirs)
    })?;
    let (mut tree, recorded, undecodable) = found.into_inner().unwrap_or_else(|p| p.into_inner());
    let times = times.into_inner().unwrap_or_else(|p| p.into_inner());
    times.settle(&mut tree);
    let mut unknown = unknown.into_inner().unwrap_or_else(|p| p.into_inner());
    unknown.sort();
    // What the record says is in a folder that could not be listed stays believed (and
    // recorded): the folder is out of the plan, and its record must outlive the pass.
    for (dir, _) in &unknown {
        for (rel, entry) in recorded.under(dir) {
            tree.insert(rel, entry);
        }
    }
    // Kept for the whole job: in full nodes.
    tree.shrink_to_fit();
    let mut partial = partial.into_inner().unwrap_or_else(|p| p.into_inner());
    partial.sort();
    Ok(Listing {
        tree,
        undecodable,
        partial,
        unknown,
    })
}

/// The listed times a listing shows beside what the record knows, to tell the server's zone
/// from edits once the whole tree is seen (one file cannot tell them apart).
#[derive(Default)]
struct Times {
    /// Files whose time ftpsh set (MFMT) and the server lists exactly: the listed time less
    /// the recorded one.
    recorded: Vec<(String, i64)>,
    /// Files with an exact listed time and no record: dated by the server's clock and zone.
    listed: Vec<String>,
}

impl Times {
    /// The zone the files ftpsh dated itself show (one such file is enough: ftpsh set its
    /// time, and the listing reads it back shifted), when a clear majority share one: a
    /// recorded file listed at another offset was changed by someone else (its time becomes
    /// unknown, so it is sent again), and the times of files ftpsh did not send are read in
    /// UTC (so `--update` compares like with like). Without a majority each file keeps
    /// [`merge_entry`]'s own whole-hour rule.
    fn settle(self, tree: &mut RemoteTree) {
        use crate::mirror::plan::zone;
        let Some(offset) = zone::majority_offset(self.recorded.iter().map(|(_, d)| *d), 1) else {
            return;
        };
        for (rel, drift) in &self.recorded {
            if *drift != offset
                && let Some(mut entry) = tree.get_mut(rel)
            {
                entry.mtime = None;
            }
        }
        if offset == 0 {
            return;
        }
        for rel in &self.listed {
            if let Some(mut entry) = tree.get_mut(rel)
                && entry.kind == Kind::File
            {
                entry.mtime = entry.mtime.map(|t| t - offset);
            }
        }
    }
}

/// Listed minus recorded time of a file ftpsh sent and dated (MFMT), listed exactly.
fn record_drift(entry: &Entry, recorded: Option<RemoteEntry>, times_set: bool) -> Option<i64> {
    let r = recorded.filter(|r| r.kind == Kind::File && r.size == entry.size)?;
    if !(times_set && entry.mtime_exact && entry.kind == EntryKind::File) {
        return None;
    }
    Some(entry.mtime? - r.mtime?)
}

/// What we believe about one listed entry, given the persisted record of our uploads.
///
/// - The recorded entry wins when kind and size match: it knows the local mtime and inode
///   the content came from, which servers that cannot set times do not show.
/// - Otherwise an exact server mtime (MLSD, set by MFMT earlier) is taken as the content's
///   mtime; an inexact one (LIST) is unknown, so the file will be compared as changed.
/// - Symlinks and specials on the server are left out: the mirror neither follows nor
///   deletes what it cannot reproduce.
/// - The remote is checked, not assumed: where ftpsh set the time it sent (`times_set`:
///   MFMT) and the server lists exact times, a file listed with another time than the
///   recorded one was changed by someone else (an edit of the same size, a `touch` to
///   2099): it is taken as unknown, so it is sent again. A difference of whole hours
///   (up to a day) is a server listing in its own time zone, not an edit.
pub fn merge_entry(
    entry: &Entry,
    recorded: Option<RemoteEntry>,
    times_set: bool,
) -> Option<RemoteEntry> {
    let kind = match entry.kind {
        EntryKind::File => Kind::File,
        EntryKind::Dir => Kind::Dir,
        EntryKind::Link | EntryKind::Other => return None,
    };
    let size = if kind == Kind::File { entry.size } else { 0 };
    let known = recorded.filter(|r| r.kind == kind && r.size == size);
    // The mode is the server's word alone: the state file keeps none.
    let mode = entry.mode;
    Some(match known {
        Some(r) if times_set && entry.mtime_exact && listed_time_moved(entry.mtime, r.mtime) => {
            RemoteEntry {
                mtime: None,
                mode,
                ..r
            }
        }
        Some(r) => RemoteEntry { mode, ..r },
        None => RemoteEntry {
            mode,
            kind,
            size,
            mtime_ns: None,
            // An inexact (LIST) date says nothing about content, but is enough to tell a
            // temporary's age.
            mtime: entry.mtime.filter(|_| {
                kind == Kind::File && (entry.mtime_exact || temp_name::is_temp(&entry.name))
            }),
            inode: None,
        },
    })
}

/// Whether a listed exact time says the file changed since ftpsh set `recorded`: any
/// difference but a whole number of hours up to a day (a server listing in its own zone).
pub fn listed_time_moved(listed: Option<i64>, recorded: Option<i64>) -> bool {
    match (listed, recorded) {
        (Some(listed), Some(recorded)) => {
            !crate::mirror::plan::zone::is_zone_offset(listed - recorded)
        }
        _ => false,
    }
}

/// Where a job's state lives: one file per (server, user, remote root), under the user's
/// data dir (FTPSH_STATE_DIR overrides it).
pub fn state_file(host: &str, port: u16, user: &str, remote_root: &str) -> Option<PathBuf> {
    let dir = crate::config::state_dir()?;
    let key = format!("{user}@{host}:{port}{remote_root}");
    let readable: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    Some(dir.join(format!("{readable}-{:016x}.tsv", fnv1a(key.as_bytes()))))
}

/// A stable hash (std's is not promised stable across releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The header line that records the device of the local root the remote copy came from.
const DEVICE_LINE: &str = "# local-root-device\t";

/// The local root's device recorded with the state (None: not recorded, or no state).
pub fn load_device(file: &Path) -> Option<u64> {
    let text = fs::File::open(file).ok()?;
    BufReader::new(text)
        .lines()
        .take(2)
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix(DEVICE_LINE)?.parse().ok())
}

/// Reads a saved tree; a missing or damaged file is an empty record (the listing then decides).
/// Read line by line: the whole text and the tree never sit in memory together.
pub fn load(file: &Path) -> RemoteTree {
    fs::File::open(file)
        .and_then(|f| read(BufReader::new(f)))
        .unwrap_or_default()
}

fn read(text: impl BufRead) -> io::Result<RemoteTree> {
    let mut tree = RemoteTree::new();
    // Written before the entries by every ftpsh that makes identities this way.
    let mut identities = false;
    for line in text.lines() {
        let line = line?;
        identities |= line == IDENTITY_LINE;
        if let Some((rel, mut entry)) = parse_line(&line) {
            if !identities {
                entry.inode = None;
            }
            tree.insert(rel, entry);
        }
    }
    // Kept until the listing has matched it all: in full nodes.
    tree.shrink_to_fit();
    Ok(tree)
}

/// One record line; None for the header and for lines that do not parse.
fn parse_line(line: &str) -> Option<(&str, RemoteEntry)> {
    let mut fields = line.splitn(5, '\t');
    let (kind, size, mtime, inode, rel) = (
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    );
    let kind = match kind {
        "f" => Kind::File,
        "d" => Kind::Dir,
        _ => return None,
    };
    // Seconds, and the nanoseconds after a dot where they were recorded.
    let (mtime, mtime_ns) = match mtime.split_once('.') {
        Some((secs, ns)) if ns.len() == 9 => (secs, Some(ns.parse::<u32>().ok()?)),
        Some(_) => return None,
        None => (mtime, None),
    };
    let (Ok(size), Ok(mtime), Ok(inode)) = (size.parse(), mtime.parse::<i64>(), inode.parse())
    else {
        return None;
    };
    let known = mtime != i64::MIN;
    let entry = RemoteEntry {
        kind,
        size,
        mtime: known.then_some(mtime),
        mtime_ns: mtime_ns.filter(|_| known),
        inode: (inode != 0).then_some(inode),
        mode: None,
    };
    Some((rel, entry))
}

/// The header line that says the identities were made as `transfer::identity` makes them
/// now (device, inode and birth time). A record without it is an older ftpsh's, whose
/// identities (device + inode alone) would all differ: they are read as unknown, so the
/// first pass compares by size and time instead of sending everything again.
const IDENTITY_LINE: &str = "# identity\tdevice+inode+birth";

/// `unproven`: paths whose time is written as unknown (see [`save_unproven`]).
fn write(
    out: &mut impl Write,
    tree: &RemoteTree,
    device: Option<u64>,
    unproven: &HashSet<String>,
) -> io::Result<()> {
    out.write_all(b"# ftpsh mirror state: kind\tsize\tmtime\tinode\tpath\n")?;
    if let Some(device) = device {
        writeln!(out, "{DEVICE_LINE}{device}")?;
    }
    writeln!(out, "{IDENTITY_LINE}")?;
    for (rel, e) in tree {
        let kind = if e.kind == Kind::File { 'f' } else { 'd' };
        let inode = e.inode.unwrap_or(0);
        let size = e.size;
        match (e.mtime, e.mtime_ns) {
            (Some(mtime), Some(ns)) if !unproven.contains(rel) => {
                writeln!(out, "{kind}\t{size}\t{mtime}.{ns:09}\t{inode}\t{rel}")?
            }
            (Some(mtime), None) if !unproven.contains(rel) => {
                writeln!(out, "{kind}\t{size}\t{mtime}\t{inode}\t{rel}")?
            }
            _ => writeln!(out, "{kind}\t{size}\t{}\t{inode}\t{rel}", i64::MIN)?,
        }
    }
    out.flush()
}

/// Saves atomically (write beside, then rename) so a crash never leaves half a record.
/// Streamed: the text of a big tree is never built in memory.
pub fn save(file: &Path, tree: &RemoteTree, device: Option<u64>) -> Result<()> {
    save_unproven(file, tree, device, &HashSet::new())
}

/// [`save`], with the times of the `unproven` paths written as unknown: files sent within
/// the second they were last changed in, which a later edit in that same second (or the same
/// clock tick) cannot be told from (git's "racy" files). The next run sends them again
/// rather than trust a time that proves nothing.
pub fn save_unproven(
    file: &Path,
    tree: &RemoteTree,
    device: Option<u64>,
    unproven: &HashSet<String>,
) -> Result<()> {
    replace(file, "mirror state", |out| {
        write(out, tree, device, unproven)
    })
}

/// Writes `file` anew through `fill`, atomically (a temporary beside it, then a rename).
fn replace(
    file: &Path,
    what: &str,
    fill: impl FnOnce(&mut BufWriter<&fs::File>) -> io::Result<()>,
) -> Result<()> {
    let what = format!("{what} {}", file.display());
    if let Some(dir) = file.parent() {
        fs::create_dir_all(dir).map_err(|e| Error::local(what.as_str(), e))?;
    }
    // A temporary of its own (tempfile): two ftpsh processes saving the same state never
    // share one, and one left by a crash is never mistaken for the record.
    let dir = file.parent().unwrap_or(Path::new("."));
    let temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::local(what.as_str(), e))?;
    fill(&mut BufWriter::new(temp.as_file())).map_err(|e| Error::local(what.as_str(), e))?;
    temp.persist(file)
        .map_err(|e| Error::local(what, e.error))?;
    Ok(())
}

/// Where a job keeps the deletes it holds (see `plan::Holds`): beside its state, so a run
/// over the same state holds them too.
pub fn holds_file(state: &Path) -> PathBuf {
    state.with_extension("holds")
}

/// The held deletes saved in `file`; none when it is missing. A line that does not parse is
/// left out (its path is unknown, or why it was held).
pub fn load_holds(file: &Path) -> Holds {
    let Ok(text) = fs::File::open(file) else {
        return Holds::default();
    };
    BufReader::new(text)
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| {
            let (why, rel) = line.split_once('\t')?;
            Some((rel.to_string(), parse_reason(why)?))
        })
        .collect()
}

/// Saves the held deletes (atomically), or removes the file when nothing is held.
pub fn save_holds(file: &Path, holds: &Holds) -> Result<()> {
    if holds.is_empty() {
        return match fs::remove_file(file) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                Err(Error::local(format!("mirror holds {}", file.display()), e))
            }
            _ => Ok(()),
        };
    }
    replace(file, "mirror holds", |out| {
        out.write_all(b"# ftpsh held deletes: why\tpath\n")?;
        for (rel, why) in holds.iter() {
            writeln!(out, "{}\t{rel}", reason_words(why))?;
        }
        out.flush()
    })
}

/// A hold's reason as the holds file writes it: a word, then its numbers.
fn reason_words(why: &HoldReason) -> String {
    match why {
        HoldReason::RootMoved => "root-moved".to_string(),
        HoldReason::LocalEmpty { remote_files } => format!("local-empty {remote_files}"),
        HoldReason::NearlyAll {
            doomed,
            remote_files,
        } => format!("nearly-all {doomed} {remote_files}"),
        HoldReason::TooMany { planned, limit } => format!("too-many {planned} {limit}"),
    }
}

fn parse_reason(words: &str) -> Option<HoldReason> {
    let mut words = words.split(' ');
    let kind = words.next()?;
    let mut number = || words.next()?.parse::<usize>().ok();
    Some(match kind {
        "root-moved" => HoldReason::RootMoved,
        "local-empty" => HoldReason::LocalEmpty {
            remote_files: number()?,
        },
        "nearly-all" => HoldReason::NearlyAll {
            doomed: number()?,
            remote_files: number()?,
        },
        "too-many" => HoldReason::TooMany {
            planned: number()?,
            limit: number()?,
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: EntryKind, size: u64, mtime: Option<i64>, exact: bool) -> Entry {
        Entry {
            name: String::new(),
            kind,
            size,
            mtime,
            mtime_exact: exact,
            link_target: None,
            mode: None,
            raw: String::new(),
        }
    }

    fn remote(kind: Kind, size: u64, mtime: Option<i64>, inode: Option<u64>) -> RemoteEntry {
        RemoteEntry {
            kind,
            size,
            mtime,
            mtime_ns: None,
            inode,
            mode: None,
        }
    }

    #[test]
    fn merge_prefers_the_record_then_exact_times() {
        let listing = [
            (
                "kept".to_string(),
                entry(EntryKind::File, 5, Some(999), true),
            ),
            (
                "resized".to_string(),
                entry(EntryKind::File, 6, Some(100), true),
            ),
            (
                "exact".to_string(),
                entry(EntryKind::File, 7, Some(100), true),
            ),
            (
                "inexact".to_string(),
                entry(EntryKind::File, 8, Some(100), false),
            ),
            (
                "dir".to_string(),
                entry(EntryKind::Dir, 4096, Some(1), false),
            ),
            ("link".to_string(), entry(EntryKind::Link, 1, None, false)),
        ];
        let mut recorded = RemoteTree::new();
        recorded.insert("kept", remote(Kind::File, 5, Some(42), Some(7)));
        recorded.insert("resized", remote(Kind::File, 5, Some(42), Some(8)));
        recorded.insert("gone", remote(Kind::File, 1, Some(1), None));
        let merged: RemoteTree = listing
            .iter()
            .filter_map(|(rel, e)| Some((rel.clone(), merge_entry(e, recorded.get(rel), false)?)))
            .collect();
        let expected: RemoteTree = [
            ("dir", remote(Kind::Dir, 0, None, None)),
            ("exact", remote(Kind::File, 7, Some(100), None)),
            ("inexact", remote(Kind::File, 8, None, None)),
            ("kept", remote(Kind::File, 5, Some(42), Some(7))),
            ("resized", remote(Kind::File, 6, Some(100), None)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(merged, expected);
    }

    #[test]
    fn a_listed_time_that_moved_means_someone_else_changed_the_file() {
        let hour = 3600;
        // (listed, recorded, moved)
        let cases = [
            (Some(1000), Some(1000), false),
            (Some(1001), Some(1000), true),
            (Some(4_070_908_800), Some(1000), true), // touched to 2099
            (Some(1000 + hour), Some(1000), false),  // a server listing in its zone
            (Some(1000 - 5 * hour), Some(1000), false),
            (Some(1000 + 30 * hour), Some(1000), true),
            (None, Some(1000), false),
            (Some(1000), None, false),
        ];
        for (listed, recorded, moved) in cases {
            assert_eq!(
                listed_time_moved(listed, recorded),
                moved,
                "{listed:?} {recorded:?}"
            );
        }
        let record = Some(remote(Kind::File, 5, Some(1000), Some(7)));
        let edited = entry(EntryKind::File, 5, Some(2000), true);
        // Where ftpsh set the time: an edit of the same size is sent again.
        assert_eq!(
            merge_entry(&edited, record, true),
            Some(remote(Kind::File, 5, None, Some(7)))
        );
        // Where it could not (no MFMT), the listed time is the upload's: the record wins.
        assert_eq!(merge_entry(&edited, record, false), record);
        // LIST times are inexact: the record wins.
        let inexact = entry(EntryKind::File, 5, Some(2000), false);
        assert_eq!(merge_entry(&inexact, record, true), record);
    }

    #[test]
    fn the_zone_the_records_show_is_taken_off_every_listed_time() {
        let h = 3600;
        let tree = || -> RemoteTree {
            [
                ("a", remote(Kind::File, 1, Some(1000), Some(1))),
                ("b", remote(Kind::File, 2, Some(2000), Some(2))),
                ("c", remote(Kind::File, 3, Some(3000), Some(3))),
                ("new", remote(Kind::File, 4, Some(10_000), None)),
            ]
            .into_iter()
            .collect()
        };
        let times = |drifts: &[i64]| Times {
            recorded: ["a", "b", "c"]
                .iter()
                .zip(drifts)
                .map(|(rel, d)| (rel.to_string(), *d))
                .collect(),
            listed: vec!["new".to_string()],
        };
        // (drifts of a, b, c; then the times of a, b, c and of the file ftpsh did not send)
        let table: &[([i64; 3], [Option<i64>; 4])] = &[
            // The server lists two hours east: the other upload's time is read in UTC.
            (
                [2 * h; 3],
                [Some(1000), Some(2000), Some(3000), Some(10_000 - 2 * h)],
            ),
            // c listed at another offset than the rest: touched by someone, sent again.
            (
                [2 * h, 2 * h, 3 * h],
                [Some(1000), Some(2000), None, Some(10_000 - 2 * h)],
            ),
            // No zone, one file an hour off: that one is unknown.
            ([0, 0, h], [Some(1000), Some(2000), None, Some(10_000)]),
            // No majority: each file's own rule (merge_entry) stands, nothing shifted.
            (
                [0, h, 2 * h],
                [Some(1000), Some(2000), Some(3000), Some(10_000)],
            ),
        ];
        for (drifts, want) in table {
            let mut got = tree();
            times(drifts).settle(&mut got);
            let got: Vec<Option<i64>> = ["a", "b", "c", "new"]
                .iter()
                .map(|rel| got.get(rel).and_then(|e| e.mtime))
                .collect();
            assert_eq!(got, want, "{drifts:?}");
        }
    }

    #[test]
    fn saved_state_round_trips() {
        let mut tree = RemoteTree::new();
        tree.insert("a b/é.txt", remote(Kind::File, 3, Some(-5), Some(9)));
        tree.insert("a b", remote(Kind::Dir, 0, None, None));
        let long = "a/path/longer/than/what/a/key/holds/inline.txt";
        tree.insert(long, remote(Kind::File, 1, None, None));
        let precise = RemoteEntry {
            mtime_ns: Some(7),
            ..remote(Kind::File, 2, Some(1000), Some(3))
        };
        tree.insert("precise", precise);
        let mut text = Vec::new();
        write(&mut text, &tree, Some(42), &HashSet::new()).unwrap();
        assert_eq!(read(&text[..]).unwrap(), tree);
        assert!(
            String::from_utf8_lossy(&text).contains("\t1000.000000007\t3\tprecise\n"),
            "{}",
            String::from_utf8_lossy(&text)
        );
        text.extend_from_slice(b"garbage line\nf\tx\t1\t0\tbad size\n");
        assert_eq!(
            read(&text[..]).unwrap(),
            tree,
            "lines that do not parse are skipped"
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s/state.tsv");
        save(&file, &tree, Some(7)).unwrap();
        assert_eq!(load(&file), tree);
        assert_eq!(load_device(&file), Some(7));
        save(&file, &tree, None).unwrap();
        assert_eq!(load_device(&file), None);
        assert!(load(&dir.path().join("missing")).is_empty());
    }

    #[test]
    fn unproven_times_and_older_identities_are_read_as_unknown() {
        let mut tree = RemoteTree::new();
        let sent = RemoteEntry {
            mtime_ns: Some(500_000_000),
            ..remote(Kind::File, 2, Some(1000), Some(3))
        };
        tree.insert("racy", sent);
        tree.insert("settled", sent);
        let mut text = Vec::new();
        let unproven = HashSet::from(["racy".to_string()]);
        write(&mut text, &tree, None, &unproven).unwrap();
        let read_back = read(&text[..]).unwrap();
        let unknown = RemoteEntry {
            mtime: None,
            mtime_ns: None,
            ..sent
        };
        assert_eq!(read_back.get("racy"), Some(unknown));
        assert_eq!(read_back.get("settled"), Some(sent));
        // An older ftpsh's record: whole seconds, identities of device + inode alone.
        let old = "# ftpsh mirror state: kind\tsize\tmtime\tinode\tpath\nf\t2\t1000\t77\ta\n";
        let entry = read(old.as_bytes()).unwrap().get("a");
        assert_eq!(entry, Some(remote(Kind::File, 2, Some(1000), None)));
        // A fraction that is not nine digits is a line that does not parse.
        for fraction in ["5", "5000000000", "-00000001"] {
            let bad = format!("{IDENTITY_LINE}\nf\t2\t1000.{fraction}\t7\ta\n");
            assert!(read(bad.as_bytes()).unwrap().is_empty(), "{fraction}");
        }
    }

    #[test]
    fn held_deletes_round_trip_and_an_empty_set_leaves_no_file() {
        let holds: Holds = [
            ("a b/é.txt", HoldReason::RootMoved),
            ("c", HoldReason::LocalEmpty { remote_files: 3 }),
            (
                "d/e",
                HoldReason::NearlyAll {
                    doomed: 263,
                    remote_files: 223,
                },
            ),
            (
                "f\tg",
                HoldReason::TooMany {
                    planned: 8,
                    limit: 5,
                },
            ),
        ]
        .into_iter()
        .map(|(rel, why)| (rel.to_string(), why))
        .collect();
        let dir = tempfile::tempdir().unwrap();
        let file = holds_file(&dir.path().join("s/state.tsv"));
        assert!(file.ends_with("s/state.holds"), "{file:?}");
        assert_eq!(load_holds(&file), Holds::default(), "no file: nothing held");
        save_holds(&file, &holds).unwrap();
        assert_eq!(load_holds(&file), holds);
        let mut text = fs::read_to_string(&file).unwrap();
        text.push_str("nonsense 1\tx\nno tab at all\n");
        fs::write(&file, text).unwrap();
        assert_eq!(
            load_holds(&file),
            holds,
            "lines that do not parse are left out"
        );
        save_holds(&file, &Holds::default()).unwrap();
        assert!(!file.exists());
        save_holds(&file, &Holds::default()).unwrap();
    }

    #[test]
    fn state_files_differ_per_server_user_and_root() {
        let a = state_file("h", 21, "u", "/www").unwrap();
        let b = state_file("h", 21, "u", "/www2").unwrap();
        let c = state_file("h", 2121, "u", "/www").unwrap();
        assert!(a != b && a != c && b != c);
    }
}
