//! The mirror's data model: the local snapshot and the believed remote tree, each a
//! [`PathMap`] from [`RelPath`] to an entry; renames within a tree; temporary upload names.
//!
//! Relative paths are strings using '/' as separator, with no leading or trailing '/', never
//! containing "." or ".." components, and never "" except for the mirror root itself (which is
//! never an entry). Their arithmetic (parent, join, depth...) is `crate::ftp::path`'s.
//!
//! The snapshot and the remote tree hold one entry per file, so their size is the mirror's
//! memory: both are a [`PathMap`], which keeps short paths inside the entry (no allocation
//! of their own), each entry in 25 bytes ([`Compact`]) and its B-tree nodes full (see there).

mod entry;
mod map;
mod relpath;

pub use entry::{Compact, Kind, LocalEntry, RemoteEntry};
pub use map::PathMap;
pub use relpath::RelPath;

use crate::ftp::path::{TEMP_PREFIX, file_name};

/// The local tree: rel path -> entry. Iteration is sorted (parents before children).
pub type Snapshot = PathMap<LocalEntry>;

/// The believed remote tree: rel path -> entry.
pub type RemoteTree = PathMap<RemoteEntry>;

/// After a rename of `from` to `to`, everything the tree held under `from` lives under
/// `to`.
pub fn move_subtree<V: Compact>(tree: &mut PathMap<V>, from: &str, to: &str) {
    let mut moved: Vec<String> = tree.under(from).map(|(k, _)| k.to_owned()).collect();
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
    use crate::ftp::path::parent;

    #[test]
    fn renames_carry_children_along() {
        let mut tree: PathMap<i32> = ["a", "a/x", "a/y/z", "a-b", "ab"]
            .iter()
            .map(|k| (k, 0))
            .collect();
        move_subtree(&mut tree, "a", "b/c");
        let keys: Vec<&str> = tree.keys().collect();
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
