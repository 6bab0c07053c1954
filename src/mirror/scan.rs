//! Scan: walks the local tree into a Snapshot, within the filter.
//!
//! Its own walker rather than walkdir's: walkdir stats every entry by its full path, while
//! `std::fs::DirEntry::metadata` stats relative to the open directory (statx on the dirfd),
//! and relative paths are built once per entry from names. An idle mirror tick is exactly
//! this walk, so its cost is the mirror's idle cost.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use super::filter::Filter;
use super::tree::{Kind, LocalEntry, Snapshot};
use crate::ftp::path;
use crate::lossless;

/// The local tree plus what could not be read (each a one-line reason naming the path).
#[derive(Debug, Default)]
pub struct Scan {
    pub snapshot: Snapshot,
    pub problems: Vec<String>,
    /// Relative paths the walk could not read or will not copy: the pass must neither upload
    /// nor delete there.
    pub unreadable: Vec<String>,
    /// Things left alone on purpose (links, fifos): said once, not a failure.
    pub notes: Vec<String>,
    /// Entries the filter excludes, as the folder listing typed them: not the mirror's, but
    /// there (a download keeps the folder that holds one).
    pub excluded: Vec<(String, Kind)>,
    /// Entries below the depth limit (inside folders at the limit): not mirrored, counted
    /// so that the limit is never silent.
    pub below_depth: usize,
    /// The first folder (in path order) at the limit that holds some.
    pub first_below: Option<String>,
    /// Each folder at the limit with the count of entries below it, for the next walk to
    /// reuse (see [`scan_reusing`]).
    pub below_counts: HashMap<String, usize>,
}

/// Walks `root`. Unreadable entries, names that are not UTF-8 or hold CR/LF, and symlink
/// loops are reported in `problems` and skipped; the rest of the tree is still scanned.
pub fn scan(root: &Path, filter: &Filter, follow_links: bool) -> Scan {
    scan_reusing(root, filter, follow_links, &HashMap::new())
}

/// [`scan`], taking the count of entries below each folder at the depth limit from `known`
/// where it has one (the caller knows nothing changed below the limit since it was made):
/// counting reads every folder below the limit, which can cost more than the walk itself
/// (20,000 entries below depth 6 under a 100-file site: 10 to 28 ms a walk, all of it).
pub fn scan_reusing(
    root: &Path,
    filter: &Filter,
    follow_links: bool,
    known: &HashMap<String, usize>,
) -> Scan {
    let mut walker = Walker {
        filter,
        follow_links,
        recursive: true,
        result: Scan::default(),
        ancestors: file_id(root).into_iter().collect(),
        known,
    };
    if filter.descend("") {
        walker.walk_dir(root, "");
    }
    // Kept for the whole pass (and as the settled tree between passes): in full nodes.
    walker.result.snapshot.shrink_to_fit();
    walker.result
}

/// One folder's own entries, its subfolders listed but not walked (the job's safety net
/// reads a share of the tree per tick with it). Links are not followed: with
/// `--follow-links` there is no change watch, and every tick walks everything anyway.
pub fn scan_folder(root: &Path, rel: &str, filter: &Filter) -> Scan {
    let mut walker = Walker {
        filter,
        follow_links: false,
        recursive: false,
        result: Scan::default(),
        ancestors: Vec::new(),
        known: &HashMap::new(),
    };
    let dir = if rel.is_empty() {
        root.to_path_buf()
    } else {
        super::tree::local_file(root, rel)
    };
    walker.walk_dir(&dir, rel);
    walker.result
}

struct Walker<'a> {
    filter: &'a Filter,
    follow_links: bool,
    /// False: the folder's own entries only.
    recursive: bool,
    result: Scan,
    /// Identities of the directories being walked, to stop at symlink loops.
    ancestors: Vec<u64>,
    /// Counts below folders at the depth limit that are still right.
    known: &'a HashMap<String, usize>,
}

impl Walker<'_> {
    fn skip(&mut self, rel: &str, shown: &Path, why: impl std::fmt::Display) {
        self.result.problems.push(format!(
            "{}: {why}; skipped",
            crate::escape::local_path(shown)
        ));
        self.result.unreadable.push(rel.to_string());
    }

    fn walk_dir(&mut self, dir: &Path, rel: &str) {
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(err) => return self.skip(rel, dir, err),
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => return self.skip(rel, dir, err),
            };
            // Unix names are bytes and are sent as they are, UTF-8 or not; a Windows name
            // that is not valid UTF-16 has no bytes to send.
            let Some(name) = lossless::from_os(&entry.file_name()) else {
                self.result.problems.push(format!(
                    "{}: name is not valid Unicode; skipped",
                    crate::escape::local_path(&entry.path())
                ));
                continue;
            };
            let name = name.as_str();
            if name.contains(['\r', '\n']) {
                self.result.problems.push(format!(
                    "{}: name holds CR or LF; skipped",
                    crate::escape::quoted(&path::join(rel, name))
                ));
                continue;
            }
            let child = path::join(rel, name);
            // The kind from the folder listing (no stat) for the filter's folder-only
            // patterns; a link or an unknown type is left out if either kind would be.
            let listed = entry.file_type().ok();
            let known = match listed {
                Some(t) if t.is_dir() => Some(Kind::Dir),
                Some(t) if t.is_file() => Some(Kind::File),
                _ => None,
            };
            let excluded = match known {
                Some(kind) => !self.filter.includes(&child, kind),
                None => {
                    !self.filter.includes(&child, Kind::File)
                        || !self.filter.includes(&child, Kind::Dir)
                }
            };
            if excluded {
                self.result
                    .excluded
                    .push((child, known.unwrap_or(Kind::File)));
                continue;
            }
            let is_link = listed.is_some_and(|t| t.is_symlink());
            let meta = if is_link && self.follow_links {
                fs::metadata(entry.path())
            } else {
                entry.metadata()
            };
            let meta = match meta {
                Ok(meta) => meta,
                Err(err) => {
                    self.skip(&child, &entry.path(), err);
                    continue;
                }
            };
            let kind = if meta.is_dir() {
                Kind::Dir
            } else if meta.is_file() {
                Kind::File
            } else {
                // Symlinks (not followed), sockets, fifos and devices have no FTP equivalent.
                // They are left alone on both sides: replacing a folder by a link to it
                // must not delete the remote folder.
                let what = if is_link {
                    "symbolic link not followed (--follow-links follows them)"
                } else {
                    "not a regular file or folder"
                };
                self.result.notes.push(format!(
                    "{}: {what}; left alone",
                    crate::escape::local_path(&entry.path())
                ));
                self.result.unreadable.push(child);
                continue;
            };
            let inode = crate::transfer::identity(&meta);
            let id = crate::transfer::file_id(&meta);
            if kind == Kind::Dir && id.is_some_and(|id| self.ancestors.contains(&id)) {
                self.skip(&child, &entry.path(), "symlink loop");
                continue;
            }
            let modified = meta.modified().ok();
            let mtime = modified.map(crate::clock::unix_seconds).unwrap_or(0);
            let mtime_ns = modified.map(crate::clock::subsec_nanos).unwrap_or(0);
            let size = if kind == Kind::File { meta.len() } else { 0 };
            self.result.snapshot.insert(
                &child,
                LocalEntry {
                    kind,
                    size,
                    mtime,
                    mtime_ns,
                    inode,
                    mode: permission_bits(&meta),
                },
            );
            if kind == Kind::Dir && self.recursive && !self.filter.descend(&child) {
                // Included but not descended into: a folder at the depth limit.
                let below = match self.known.get(&child) {
                    Some(&known) => known,
                    None => count_below(&entry.path()),
                };
                self.result.below_counts.insert(child.clone(), below);
                if below > 0 {
                    self.result.below_depth += below;
                    // The first in path order, whatever order the OS lists them in: the
                    // line that names it is said once, so it must not change by itself.
                    let first = &mut self.result.first_below;
                    if first.as_ref().is_none_or(|f| child < *f) {
                        *first = Some(child.clone());
                    }
                }
            } else if kind == Kind::Dir && self.recursive {
                self.ancestors.extend(id);
                self.walk_dir(&entry.path(), &child);
                if id.is_some() {
                    self.ancestors.pop();
                }
            }
        }
    }
}

/// Counts every entry under `dir` (links not followed), up to a million: enough to say
/// that something is left out, without walking a huge tree for a number.
fn count_below(dir: &Path) -> usize {
    const CAP: usize = 1_000_000;
    let mut count = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            count += 1;
            if count >= CAP {
                return count;
            }
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                pending.push(entry.path());
            }
        }
    }
    count
}

/// Which file `path` names now (see `transfer::file_id`; None on Windows).
fn file_id(path: &Path) -> Option<u64> {
    fs::metadata(path)
        .ok()
        .as_ref()
        .and_then(crate::transfer::file_id)
}

/// The permission bits of a local entry (`0o7777`); `None` where the OS has none.
fn permission_bits(meta: &fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(meta.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_one_component_whatever_they_hold() {
        let dir = tempfile::tempdir().unwrap();
        // A backslash is an ordinary character in a Unix name; a Windows walk never yields
        // one, since names there come already split at separators.
        let odd = if cfg!(windows) {
            "a b.txt"
        } else {
            "a\\b c.txt"
        };
        std::fs::create_dir(dir.path().join("sub dir")).unwrap();
        std::fs::write(dir.path().join("sub dir").join(odd), "x").unwrap();
        let scan = scan(dir.path(), &Filter::new(6, &[]).unwrap(), false);
        let paths: Vec<&str> = scan.snapshot.keys().collect();
        assert_eq!(paths, ["sub dir".to_string(), format!("sub dir/{odd}")]);
    }

    #[test]
    fn a_folder_scan_matches_the_full_walk_one_level_down() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b/c")).unwrap();
        std::fs::write(root.join("top.txt"), "1").unwrap();
        std::fs::write(root.join("a/one.txt"), "22").unwrap();
        std::fs::write(root.join("a/b/deep.txt"), "333").unwrap();
        let filter = Filter::new(6, &[]).unwrap();
        let full = scan(root, &filter, false).snapshot;
        for folder in ["", "a", "a/b", "a/b/c"] {
            let part = scan_folder(root, folder, &filter).snapshot;
            assert!(part.iter().eq(full.children(folder)), "{folder:?}");
        }
        let keys: Vec<&str> = full.children("a").map(|(k, _)| k).collect();
        assert_eq!(keys, ["a/b", "a/one.txt"]);
        let keys: Vec<&str> = full.children("").map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "top.txt"]);
        // A change one level down shows in that folder's scan only.
        std::fs::write(root.join("a/b/deep.txt"), "4444").unwrap();
        assert!(
            scan_folder(root, "a", &filter)
                .snapshot
                .iter()
                .eq(full.children("a"))
        );
        let b = scan_folder(root, "a/b", &filter).snapshot;
        assert!(!b.iter().eq(full.children("a/b")));
    }

    #[test]
    fn scan_respects_depth_and_excludes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b/c")).unwrap();
        std::fs::write(root.join("top.txt"), "1").unwrap();
        std::fs::write(root.join("a/b/c/deep.txt"), "1").unwrap();
        std::fs::write(root.join("a/skip.tmp"), "1").unwrap();
        let filter = Filter::new(3, &["*.tmp".to_string()]).unwrap();
        let scan = scan(root, &filter, false);
        let paths: Vec<&str> = scan.snapshot.keys().collect();
        assert_eq!(paths, ["a", "a/b", "a/b/c", "top.txt"]);
        assert_eq!(scan.snapshot.get("top.txt").map(|e| e.size), Some(1));
        assert!(scan.problems.is_empty(), "{:?}", scan.problems);
    }

    #[test]
    fn entries_below_the_depth_limit_are_counted() {
        // (files in the tree, depth limit, excludes, count below, first folder holding some)
        type Row<'a> = (&'a [&'a str], usize, &'a [&'a str], usize, Option<&'a str>);
        let table: &[Row] = &[
            (&["a/x", "a/b/y"], 6, &[], 0, None),
            // At the limit: a/b is mirrored (a folder), what it holds is not.
            (&["a/x", "a/b/y", "a/b/c/z"], 2, &[], 3, Some("a/b")),
            (&["a/b/y", "q/r/s"], 2, &[], 2, Some("a/b")),
            (&["top", "a/x"], 1, &[], 1, Some("a")),
            (&["a/b/y"], 0, &[], 0, None),
            // An excluded folder is not "left out by the depth": not counted.
            (&["a/b/y", "k/l/m"], 2, &["k"], 1, Some("a/b")),
        ];
        for (files, limit, excludes, want, first) in table {
            let dir = tempfile::tempdir().unwrap();
            for file in *files {
                let path = dir.path().join(file);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, "x").unwrap();
            }
            let excludes: Vec<String> = excludes.iter().map(|e| e.to_string()).collect();
            let filter = Filter::new(*limit, &excludes).unwrap();
            let got = scan(dir.path(), &filter, false);
            assert_eq!(got.below_depth, *want, "{files:?} limit {limit}");
            assert_eq!(
                got.first_below.as_deref(),
                *first,
                "{files:?} limit {limit}"
            );
            let counted: usize = got.below_counts.values().sum();
            assert_eq!(counted, *want, "per folder: {:?}", got.below_counts);
        }
    }

    #[test]
    fn known_counts_below_the_limit_are_reused_unknown_ones_counted() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in ["a/b/x", "a/b/y", "c/d/z"] {
            std::fs::create_dir_all(root.join(file).parent().unwrap()).unwrap();
            std::fs::write(root.join(file), "x").unwrap();
        }
        let filter = Filter::new(1, &[]).unwrap();
        let first = scan(root, &filter, false);
        assert_eq!(first.below_counts.get("a"), Some(&3));
        // What the caller knows is taken as is (it knows nothing changed below the limit);
        // a folder it has no count for is counted.
        let known = HashMap::from([("a".to_string(), 7)]);
        let again = scan_reusing(root, &filter, false, &known);
        assert_eq!(again.below_counts.get("a"), Some(&7));
        assert_eq!(again.below_counts.get("c"), Some(&2));
        assert_eq!(again.below_depth, 9);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_are_reported_not_followed_forever() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("d")).unwrap();
        std::os::unix::fs::symlink("..", dir.path().join("d/up")).unwrap();
        let filter = Filter::new(6, &[]).unwrap();
        let scan = scan(dir.path(), &filter, true);
        assert!(
            scan.problems.iter().any(|p| p.contains("symlink loop")),
            "{:?}",
            scan.problems
        );
    }
}
