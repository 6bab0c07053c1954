//! The mirror's data model: the local snapshot and the believed remote tree, each a
//! [`PathMap`] from [`RelPath`] to an entry; renames within a tree.
//!
//! Relative paths are strings using '/' as separator, with no leading or trailing '/', never
//! containing "." or ".." components, and never "" except for the mirror root itself (which is
//! never an entry). Their arithmetic (parent, join, depth...) is `crate::ftp::path`'s.
//!
//! The snapshot and the remote tree hold one entry per file, so their size is the mirror's
//! memory: both are a [`PathMap`], which keeps short paths inside the entry (no allocation
//! of their own), each entry in 31 bytes ([`Compact`]) and its B-tree nodes full (see there).

mod entry;
mod map;
mod relpath;

pub use entry::{Compact, Kind, LocalEntry, RemoteEntry};
pub use map::PathMap;
pub use relpath::RelPath;

use std::path::{Path, PathBuf};

/// The local tree: rel path -> entry. Iteration is sorted (parents before children).
pub type Snapshot = PathMap<LocalEntry>;

/// The believed remote tree: rel path -> entry.
pub type RemoteTree = PathMap<RemoteEntry>;

/// The local file for a mirror-relative path, built from components so the OS separator is
/// used, each component back to the bytes it was read from (see `crate::lossless`).
pub fn local_file(root: &Path, rel: &str) -> PathBuf {
    rel.split('/').fold(root.to_path_buf(), |p, part| {
        p.join(crate::lossless::to_os(part))
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
