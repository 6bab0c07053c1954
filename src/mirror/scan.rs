//! Scan: walks the local tree (walkdir) into a Snapshot, within the filter.

use std::path::{MAIN_SEPARATOR, Path};

use walkdir::WalkDir;

use super::filter::Filter;
use super::tree::{Kind, LocalEntry, Snapshot};

/// The local tree plus what could not be read (each a one-line reason naming the path).
#[derive(Debug, Default)]
pub struct Scan {
    pub snapshot: Snapshot,
    pub problems: Vec<String>,
    /// Relative paths the walk could not read: the pass must neither upload nor delete there.
    pub unreadable: Vec<String>,
}

/// Walks `root`. Unreadable entries, names that are not UTF-8 or hold CR/LF, and symlink
/// loops are reported in `problems` and skipped; the rest of the tree is still scanned.
pub fn scan(root: &Path, filter: &Filter, follow_links: bool) -> Scan {
    let mut result = Scan::default();
    let root_text = root.to_string_lossy().into_owned();
    let mut walker = WalkDir::new(root)
        .min_depth(1)
        .max_depth(filter.max_depth())
        .follow_links(follow_links)
        .into_iter();
    while let Some(item) = walker.next() {
        let entry = match item {
            Ok(entry) => entry,
            Err(err) => {
                result.problems.push(walk_error(&err));
                result.unreadable.extend(
                    err.path()
                        .and_then(|p| p.to_str())
                        .and_then(|p| relative(&root_text, p, MAIN_SEPARATOR)),
                );
                continue;
            }
        };
        let Some(rel) = entry
            .path()
            .to_str()
            .and_then(|p| relative(&root_text, p, MAIN_SEPARATOR))
        else {
            result.problems.push(format!(
                "{}: name is not valid UTF-8; skipped",
                entry.path().display()
            ));
            continue;
        };
        if rel.contains(['\r', '\n']) {
            result
                .problems
                .push(format!("{rel:?}: name holds CR or LF; skipped"));
            continue;
        }
        if !filter.includes(&rel) {
            if entry.file_type().is_dir() {
                walker.skip_current_dir();
            }
            continue;
        }
        let meta = match entry.metadata() {
            Ok(meta) => meta,
            Err(err) => {
                result.problems.push(walk_error(&err));
                result.unreadable.push(rel);
                continue;
            }
        };
        let kind = if meta.is_dir() {
            Kind::Dir
        } else if meta.is_file() {
            Kind::File
        } else {
            // Sockets, fifos, devices and (unfollowed) symlinks have no FTP equivalent.
            continue;
        };
        let mtime = meta.modified().map(crate::clock::unix_seconds).unwrap_or(0);
        result.snapshot.insert(
            rel,
            LocalEntry {
                kind,
                size: if kind == Kind::File { meta.len() } else { 0 },
                mtime,
                inode: inode(&meta),
            },
        );
    }
    result
}

fn walk_error(err: &walkdir::Error) -> String {
    let path = err
        .path()
        .map_or_else(String::new, |p| format!("{}: ", p.display()));
    if err.loop_ancestor().is_some() {
        return format!("{path}symlink loop; skipped");
    }
    format!(
        "{path}{}; skipped",
        err.io_error()
            .map_or_else(|| err.to_string(), ToString::to_string)
    )
}

/// The mirror-relative path of `path` under `root`, '/'-separated whatever the local
/// separator: `C:\site\a b\x.txt` under `C:\site` is `a b/x.txt`.
pub fn relative(root: &str, path: &str, separator: char) -> Option<String> {
    let root = root.trim_end_matches(separator);
    let rest = path.strip_prefix(root)?.strip_prefix(separator)?;
    let parts: Vec<&str> = rest.split(separator).filter(|p| !p.is_empty()).collect();
    if parts.is_empty() || parts.iter().any(|p| *p == "." || *p == "..") {
        return None;
    }
    Some(parts.join("/"))
}

#[cfg(unix)]
fn inode(meta: &std::fs::Metadata) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    // A rename keeps (dev, ino): the pair identifies a file across moves within one disk.
    Some(meta.ino() ^ meta.dev().rotate_left(32))
}

/// Windows' file index is not exposed by stable std: no rename detection there; a moved
/// file is uploaded again and the old one deleted.
#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_use_slashes_on_every_os() {
        let cases = [
            ("C:\\site", "C:\\site\\a b\\x.txt", '\\', Some("a b/x.txt")),
            ("C:\\site\\", "C:\\site\\x", '\\', Some("x")),
            ("C:\\site", "C:\\siteX\\x", '\\', None),
            ("/home/u/site", "/home/u/site/d/é.txt", '/', Some("d/é.txt")),
            ("/home/u/site", "/home/u/site", '/', None),
            ("/r", "/r/a/../b", '/', None),
        ];
        for (root, path, sep, want) in cases {
            assert_eq!(relative(root, path, sep).as_deref(), want, "{path}");
        }
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
        let paths: Vec<&str> = scan.snapshot.keys().map(String::as_str).collect();
        assert_eq!(paths, ["a", "a/b", "a/b/c", "top.txt"]);
        assert_eq!(scan.snapshot["top.txt"].size, 1);
        assert!(scan.problems.is_empty(), "{:?}", scan.problems);
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
