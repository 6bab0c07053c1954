//! Shared data model of the mirror: relative paths, the local snapshot, the believed remote tree and temporary upload names.
//!
//! Relative paths are `String`s using '/' as separator, with no leading or trailing '/', never
//! containing "." or ".." components, and never "" except for the mirror root itself (which is
//! never an entry).

use std::collections::BTreeMap;

use crate::ftp::path::TEMP_PREFIX;

/// Whether an entry is a regular file or a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    File,
    Dir,
}

/// One local entry, as the scanner saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalEntry {
    pub kind: Kind,
    pub size: u64,
    /// Unix seconds, truncated.
    pub mtime: i64,
    /// (dev, ino) folded into one number; `None` where the OS gives none (Windows).
    pub inode: Option<u64>,
}

/// The local tree: rel path -> entry. A `BTreeMap` so iteration is sorted (parents before children).
pub type Snapshot = BTreeMap<String, LocalEntry>;

/// What we believe the remote holds, for one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteEntry {
    pub kind: Kind,
    pub size: u64,
    /// The LOCAL mtime this content corresponds to when known (MFMT set it, or our state
    /// recorded it); `None` = unknown.
    pub mtime: Option<i64>,
    /// Inode of the local file it was uploaded from, when we uploaded it.
    pub inode: Option<u64>,
}

/// The believed remote tree: rel path -> entry.
pub type RemoteTree = BTreeMap<String, RemoteEntry>;

/// Number of components: "" -> 0, "a" -> 1, "a/b" -> 2.
pub fn depth(rel: &str) -> usize {
    if rel.is_empty() {
        0
    } else {
        rel.bytes().filter(|&b| b == b'/').count() + 1
    }
}

/// The parent directory: "a/b" -> Some("a"), "a" -> None (its parent is the root).
pub fn parent(rel: &str) -> Option<&str> {
    rel.rfind('/').map(|i| &rel[..i])
}

/// The last component: "a/b.txt" -> "b.txt", "a" -> "a".
pub fn file_name(rel: &str) -> &str {
    rel.rfind('/').map_or(rel, |i| &rel[i + 1..])
}

/// Joins a directory (possibly the root "") and a name.
pub fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}/{name}")
    }
}

/// True when `path` lies strictly inside `dir` ("a/b" under "a"; not "ab", not "a" itself).
/// Everything but the root is under the root "".
pub fn is_under(path: &str, dir: &str) -> bool {
    if dir.is_empty() {
        return !path.is_empty();
    }
    path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
}

/// The proper ancestors of `rel`, deepest first, without the root: "a/b/c" -> "a/b", "a".
pub fn ancestors(rel: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(parent(rel), |p| parent(p))
}

/// After a rename of `from` to `to`, everything the tree held under `from` lives under
/// `to`. Children sort right after their dir ("a/..." follows "a"), so one range covers them.
pub fn move_subtree<V>(tree: &mut BTreeMap<String, V>, from: &str, to: &str) {
    let prefix = format!("{from}/");
    let mut moved: Vec<String> = tree
        .range::<str, _>((
            std::ops::Bound::Included(prefix.as_str()),
            std::ops::Bound::Unbounded,
        ))
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(k, _)| k.clone())
        .collect();
    moved.push(from.to_string());
    for old in moved {
        if let Some(entry) = tree.remove(&old) {
            tree.insert(format!("{to}{}", &old[from.len()..]), entry);
        }
    }
}

/// True when the file name of `rel` is a temporary upload name.
pub fn is_temp(rel: &str) -> bool {
    file_name(rel).starts_with(TEMP_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_components() {
        for (rel, want) in [("", 0), ("a", 1), ("a/b", 2), ("a/b/c.txt", 3), ("a.b", 1)] {
            assert_eq!(depth(rel), want, "depth({rel:?})");
        }
    }

    #[test]
    fn parent_and_file_name() {
        let table = [
            ("a", None, "a"),
            ("a/b", Some("a"), "b"),
            ("a/b/c.txt", Some("a/b"), "c.txt"),
            (".hidden", None, ".hidden"),
        ];
        for (rel, want_parent, want_name) in table {
            assert_eq!(parent(rel), want_parent, "parent({rel:?})");
            assert_eq!(file_name(rel), want_name, "file_name({rel:?})");
        }
    }

    #[test]
    fn join_paths() {
        for (p, n, want) in [("", "x", "x"), ("a", "x", "a/x"), ("a/b", "c.d", "a/b/c.d")] {
            assert_eq!(join(p, n), want, "join({p:?}, {n:?})");
        }
    }

    #[test]
    fn is_under_table() {
        let table = [
            ("a/b", "a", true),
            ("a/b/c", "a", true),
            ("a/b/c", "a/b", true),
            ("ab", "a", false),
            ("a", "a", false),
            ("a", "a/b", false),
            ("a-b/c", "a", false),
            ("a", "", true),
            ("", "", false),
        ];
        for (path, dir, want) in table {
            assert_eq!(is_under(path, dir), want, "is_under({path:?}, {dir:?})");
        }
    }

    #[test]
    fn ancestors_deepest_first() {
        let table: [(&str, &[&str]); 3] = [("a", &[]), ("a/b", &["a"]), ("a/b/c", &["a/b", "a"])];
        for (rel, want) in table {
            assert_eq!(
                ancestors(rel).collect::<Vec<_>>(),
                want,
                "ancestors({rel:?})"
            );
        }
    }

    #[test]
    fn renames_carry_children_along() {
        let mut tree: BTreeMap<String, u8> = ["a", "a/x", "a/y/z", "a-b", "ab"]
            .iter()
            .map(|k| (k.to_string(), 0))
            .collect();
        move_subtree(&mut tree, "a", "b/c");
        let keys: Vec<&str> = tree.keys().map(String::as_str).collect();
        assert_eq!(keys, ["a-b", "ab", "b/c", "b/c/x", "b/c/y/z"]);
    }

    #[test]
    fn temp_names() {
        let table = [
            ("a/b.txt", "x1", "a/.ftpsh-part-x1-b.txt"),
            ("b.txt", "7", ".ftpsh-part-7-b.txt"),
            ("a/b/c", "t", "a/b/.ftpsh-part-t-c"),
        ];
        for (rel, tag, want) in table {
            let got = crate::ftp::path::temp_sibling(rel, tag);
            assert_eq!(got, want, "temp_sibling({rel:?}, {tag:?})");
            assert!(is_temp(&got), "{got:?} must be a temp name");
            assert_eq!(parent(&got), parent(rel), "temp stays in the target dir");
        }
        for (rel, want) in [
            (".ftpsh-part-1-x", true),
            ("a/.ftpsh-part-1-x", true),
            (".ftpsh-part-", true),
            ("a/x", false),
            (".ftpsh-part-1-x/child", false),
            ("x.ftpsh-part-1", false),
        ] {
            assert_eq!(is_temp(rel), want, "is_temp({rel:?})");
        }
    }
}
