//! Shared data model of the mirror: relative paths, the local snapshot, the believed remote tree and temporary upload names.
//!
//! Relative paths are strings using '/' as separator, with no leading or trailing '/', never
//! containing "." or ".." components, and never "" except for the mirror root itself (which is
//! never an entry).
//!
//! The snapshot and the remote tree hold one entry per file, so their size is the mirror's
//! memory: both are a [`PathMap`], which keeps short paths inside the entry (no allocation
//! of their own), each entry in 25 bytes ([`Compact`]) and its B-tree nodes full (see there).

use std::borrow::Borrow;
use std::collections::{BTreeMap, btree_map};
use std::fmt;
use std::iter::Peekable;
use std::ops::{Bound, Deref, DerefMut};

/// Whether an entry is a regular file or a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    File,
    Dir,
}

/// One local entry, as the scanner saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalEntry {
    pub kind: Kind,
    pub size: u64,
    /// Unix seconds, truncated.
    pub mtime: i64,
    /// (dev, ino) folded into one number; `None` where the OS gives none (Windows).
    pub inode: Option<u64>,
}

/// The local tree: rel path -> entry. Iteration is sorted (parents before children).
pub type Snapshot = PathMap<LocalEntry>;

/// What we believe the remote holds, for one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
pub type RemoteTree = PathMap<RemoteEntry>;

/// How a [`PathMap`] stores its values: the same facts in fewer bytes. A B-tree node holds
/// eleven of them, so every byte saved counts eleven times a node.
pub trait Compact: Copy {
    type Packed: Copy;
    fn pack(self) -> Self::Packed;
    fn unpack(packed: Self::Packed) -> Self;
}

/// An entry's kind, size, mtime and inode in 25 bytes (a `LocalEntry` takes 40, a
/// `RemoteEntry` 48): no padding, and flag bits in place of the `Option` tags.
#[derive(Clone, Copy)]
#[repr(C, packed)]
pub struct PackedEntry {
    size: u64,
    mtime: i64,
    inode: u64,
    flags: u8,
}

const IS_DIR: u8 = 1;
const HAS_MTIME: u8 = 2;
const HAS_INODE: u8 = 4;

impl PackedEntry {
    fn new(kind: Kind, size: u64, mtime: Option<i64>, inode: Option<u64>) -> PackedEntry {
        let flag = |set: bool, bit: u8| if set { bit } else { 0 };
        PackedEntry {
            size,
            mtime: mtime.unwrap_or(0),
            inode: inode.unwrap_or(0),
            flags: flag(kind == Kind::Dir, IS_DIR)
                | flag(mtime.is_some(), HAS_MTIME)
                | flag(inode.is_some(), HAS_INODE),
        }
    }

    fn kind(self) -> Kind {
        if self.flags & IS_DIR != 0 {
            Kind::Dir
        } else {
            Kind::File
        }
    }

    fn mtime(self) -> Option<i64> {
        (self.flags & HAS_MTIME != 0).then_some(self.mtime)
    }

    fn inode(self) -> Option<u64> {
        (self.flags & HAS_INODE != 0).then_some(self.inode)
    }
}

impl Compact for LocalEntry {
    type Packed = PackedEntry;

    fn pack(self) -> PackedEntry {
        PackedEntry::new(self.kind, self.size, Some(self.mtime), self.inode)
    }

    fn unpack(p: PackedEntry) -> LocalEntry {
        LocalEntry {
            kind: p.kind(),
            size: p.size,
            mtime: p.mtime,
            inode: p.inode(),
        }
    }
}

impl Compact for RemoteEntry {
    type Packed = PackedEntry;

    fn pack(self) -> PackedEntry {
        PackedEntry::new(self.kind, self.size, self.mtime, self.inode)
    }

    fn unpack(p: PackedEntry) -> RemoteEntry {
        RemoteEntry {
            kind: p.kind(),
            size: p.size,
            mtime: p.mtime(),
            inode: p.inode(),
        }
    }
}

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

/// Joins a directory (possibly the root "") and a name. Exactly sized (`format!` guesses
/// twice the length), since the caller may keep it.
pub fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        return name.to_owned();
    }
    let mut rel = String::with_capacity(parent.len() + 1 + name.len());
    rel.push_str(parent);
    rel.push('/');
    rel.push_str(name);
    rel
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

/// Paths up to this many bytes live inside a [`RelPath`]; most do ("docs/img/logo.png").
const INLINE: usize = 22;

/// A relative path in 24 bytes: short ones stored inline, longer ones boxed. It keys the
/// trees and names the plan's actions, one per file: a `String` costs its 24 bytes plus an
/// allocation of 32 or more, so with 20,000 files a megabyte or two of heap for nothing.
#[derive(Clone)]
pub enum RelPath {
    Inline { len: u8, bytes: [u8; INLINE] },
    Boxed(Box<str>),
}

impl RelPath {
    pub fn new(rel: &str) -> RelPath {
        if rel.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..rel.len()].copy_from_slice(rel.as_bytes());
            RelPath::Inline {
                len: rel.len() as u8,
                bytes,
            }
        } else {
            RelPath::Boxed(rel.into())
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            RelPath::Inline { len, bytes } => &bytes[..usize::from(*len)],
            RelPath::Boxed(rel) => rel.as_bytes(),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            RelPath::Inline { .. } => {
                std::str::from_utf8(self.as_bytes()).expect("a RelPath holds the bytes of a str")
            }
            RelPath::Boxed(rel) => rel,
        }
    }
}

// Paths order, compare and are looked up as their bytes, which is also how `str` orders.
impl PartialEq for RelPath {
    fn eq(&self, other: &RelPath) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for RelPath {}

impl PartialOrd for RelPath {
    fn partial_cmp(&self, other: &RelPath) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RelPath {
    fn cmp(&self, other: &RelPath) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl Deref for RelPath {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for RelPath {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for RelPath {
    fn from(rel: &str) -> RelPath {
        RelPath::new(rel)
    }
}

impl From<String> for RelPath {
    fn from(rel: String) -> RelPath {
        RelPath::new(&rel)
    }
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Borrow<[u8]> for RelPath {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

/// Fewer fresh entries than this are not worth a rebuild.
const MIN_FRESH: usize = 64;

/// A map from relative path to `V`, iterated in path order (so parents before children).
/// Values are stored packed ([`Compact`]), so they are handed out by value, and changed in
/// place through the guard `get_mut` returns.
///
/// Compact, whatever the order of inserts: a `BTreeMap` filled one insert at a time keeps
/// its nodes a third empty on average, half empty when the keys arrive in order (Rust
/// splits a full node in the middle), while one built in a single sorted pass fills them.
/// So new keys wait in `fresh`, and join `packed` in one sorted pass (`BTreeMap::append`
/// rebuilds both maps into full nodes) once they are a quarter of it: every entry is
/// rebuilt a handful of times in all, and at most a fifth of them sit in part-filled nodes.
/// Removals thin the nodes out too: the map is rebuilt when a third of it is gone.
pub struct PathMap<V: Compact> {
    packed: BTreeMap<RelPath, V::Packed>,
    /// Keys not in `packed`.
    fresh: BTreeMap<RelPath, V::Packed>,
    /// `packed.len()` right after the last rebuild.
    rebuilt_at: usize,
}

impl<V: Compact> PathMap<V> {
    pub const fn new() -> PathMap<V> {
        PathMap {
            packed: BTreeMap::new(),
            fresh: BTreeMap::new(),
            rebuilt_at: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.packed.len() + self.fresh.len()
    }

    pub fn is_empty(&self) -> bool {
        self.packed.is_empty() && self.fresh.is_empty()
    }

    pub fn get(&self, rel: &str) -> Option<V> {
        let key = rel.as_bytes();
        let packed = self.packed.get(key).or_else(|| self.fresh.get(key))?;
        Some(V::unpack(*packed))
    }

    /// The entry at `rel`, to change in place (written back when the guard is dropped).
    pub fn get_mut(&mut self, rel: &str) -> Option<EntryMut<'_, V>> {
        let key = rel.as_bytes();
        let slot = match self.packed.get_mut(key) {
            Some(slot) => slot,
            None => self.fresh.get_mut(key)?,
        };
        Some(EntryMut {
            value: V::unpack(*slot),
            slot,
        })
    }

    /// The map's own copy of the path, with its entry.
    pub fn get_key_value(&self, rel: &str) -> Option<(&str, V)> {
        let key = rel.as_bytes();
        self.packed
            .get_key_value(key)
            .or_else(|| self.fresh.get_key_value(key))
            .map(|(k, v)| (k.as_str(), V::unpack(*v)))
    }

    pub fn contains_key(&self, rel: &str) -> bool {
        let key = rel.as_bytes();
        self.packed.contains_key(key) || self.fresh.contains_key(key)
    }

    /// Inserts or replaces; returns the value replaced.
    pub fn insert(&mut self, rel: impl AsRef<str>, value: V) -> Option<V> {
        let rel = rel.as_ref();
        let value = value.pack();
        if let Some(slot) = self.packed.get_mut(rel.as_bytes()) {
            return Some(V::unpack(std::mem::replace(slot, value)));
        }
        let old = self.fresh.insert(RelPath::new(rel), value);
        if old.is_none() && self.fresh.len() > MIN_FRESH.max(self.packed.len() / 4) {
            self.rebuild();
        }
        old.map(V::unpack)
    }

    pub fn remove(&mut self, rel: &str) -> Option<V> {
        let key = rel.as_bytes();
        if let Some(value) = self.fresh.remove(key) {
            return Some(V::unpack(value));
        }
        let value = self.packed.remove(key)?;
        if self.packed.len() > MIN_FRESH && self.packed.len() < self.rebuilt_at / 3 * 2 {
            self.rebuild();
        }
        Some(V::unpack(value))
    }

    /// Entries in path order.
    pub fn iter(&self) -> Iter<'_, V> {
        Iter(Merge {
            a: self.packed.iter().peekable(),
            b: self.fresh.iter().peekable(),
        })
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = V> {
        self.iter().map(|(_, v)| v)
    }

    /// The entries directly in `dir` ("" for the root), in path order.
    pub fn children<'m>(&'m self, dir: &str) -> impl Iterator<Item = (&'m str, V)> + 'm {
        let skip = if dir.is_empty() { 0 } else { dir.len() + 1 };
        let all: Box<dyn Iterator<Item = (&'m str, V)> + 'm> = if dir.is_empty() {
            Box::new(self.iter())
        } else {
            Box::new(self.under(dir))
        };
        all.filter(move |(rel, _)| !rel[skip..].contains('/'))
    }

    /// The entries strictly under `dir` (not `dir` itself), in path order. Children sort
    /// right after "dir/", so one range of each map holds them.
    pub fn under<'m>(&'m self, dir: &str) -> impl Iterator<Item = (&'m str, V)> + 'm {
        let prefix = format!("{dir}/");
        let from = |map: &'m BTreeMap<RelPath, V::Packed>| {
            map.range::<[u8], _>((Bound::Included(prefix.as_bytes()), Bound::Unbounded))
                .peekable()
        };
        let merged = Merge {
            a: from(&self.packed),
            b: from(&self.fresh),
        };
        merged
            .map(|(k, v)| (k.as_str(), V::unpack(*v)))
            .take_while(move |(k, _)| k.starts_with(&prefix))
    }

    /// Rebuilds the map into full nodes now (after a bulk of inserts, when it is kept).
    pub fn shrink_to_fit(&mut self) {
        if !self.fresh.is_empty() || self.packed.len() < self.rebuilt_at {
            self.rebuild();
        }
    }

    fn rebuild(&mut self) {
        let mut head = std::mem::take(&mut self.packed);
        let mut tail = std::mem::take(&mut self.fresh);
        if head.is_empty() || tail.is_empty() {
            // `append` onto an empty map only swaps the two: start from one entry instead.
            tail.append(&mut head);
            if let Some((key, value)) = tail.pop_first() {
                head.insert(key, value);
            }
        }
        head.append(&mut tail);
        self.rebuilt_at = head.len();
        self.packed = head;
    }
}

/// A [`PathMap`] entry being changed: derefs to the value, stored back when dropped.
pub struct EntryMut<'m, V: Compact> {
    slot: &'m mut V::Packed,
    value: V,
}

impl<V: Compact> Deref for EntryMut<'_, V> {
    type Target = V;

    fn deref(&self) -> &V {
        &self.value
    }
}

impl<V: Compact> DerefMut for EntryMut<'_, V> {
    fn deref_mut(&mut self) -> &mut V {
        &mut self.value
    }
}

impl<V: Compact> Drop for EntryMut<'_, V> {
    fn drop(&mut self) {
        *self.slot = self.value.pack();
    }
}

/// Two sorted iterators over disjoint keys, as one sorted iterator.
struct Merge<A: Iterator, B: Iterator> {
    a: Peekable<A>,
    b: Peekable<B>,
}

impl<'m, P: 'm, A, B> Iterator for Merge<A, B>
where
    A: Iterator<Item = (&'m RelPath, &'m P)>,
    B: Iterator<Item = (&'m RelPath, &'m P)>,
{
    type Item = (&'m RelPath, &'m P);

    fn next(&mut self) -> Option<Self::Item> {
        match (self.a.peek(), self.b.peek()) {
            (Some((ka, _)), Some((kb, _))) if kb < ka => self.b.next(),
            (Some(_), _) => self.a.next(),
            (None, _) => self.b.next(),
        }
    }
}

type MapIter<'m, V> = btree_map::Iter<'m, RelPath, <V as Compact>::Packed>;

/// A [`PathMap`]'s entries in path order.
pub struct Iter<'m, V: Compact>(Merge<MapIter<'m, V>, MapIter<'m, V>>);

impl<'m, V: Compact> Iterator for Iter<'m, V> {
    type Item = (&'m str, V);

    fn next(&mut self) -> Option<(&'m str, V)> {
        self.0.next().map(|(k, v)| (k.as_str(), V::unpack(*v)))
    }
}

impl<'m, V: Compact> IntoIterator for &'m PathMap<V> {
    type Item = (&'m str, V);
    type IntoIter = Iter<'m, V>;

    fn into_iter(self) -> Iter<'m, V> {
        self.iter()
    }
}

impl<V: Compact> Default for PathMap<V> {
    fn default() -> PathMap<V> {
        PathMap::new()
    }
}

impl<V: Compact> Clone for PathMap<V> {
    fn clone(&self) -> PathMap<V> {
        PathMap {
            packed: self.packed.clone(),
            fresh: self.fresh.clone(),
            rebuilt_at: self.rebuilt_at,
        }
    }
}

impl<V: Compact + PartialEq> PartialEq for PathMap<V> {
    fn eq(&self, other: &PathMap<V>) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<V: Compact + Eq> Eq for PathMap<V> {}

impl<V: Compact + fmt::Debug> fmt::Debug for PathMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Built in one sorted pass: full nodes. A path given twice keeps its last value.
impl<K: AsRef<str>, V: Compact> FromIterator<(K, V)> for PathMap<V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> PathMap<V> {
        let packed: BTreeMap<RelPath, V::Packed> = iter
            .into_iter()
            .map(|(k, v)| (RelPath::new(k.as_ref()), v.pack()))
            .collect();
        PathMap {
            rebuilt_at: packed.len(),
            packed,
            fresh: BTreeMap::new(),
        }
    }
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
        let mut tree: PathMap<i32> = ["a", "a/x", "a/y/z", "a-b", "ab"]
            .iter()
            .map(|k| (k, 0))
            .collect();
        move_subtree(&mut tree, "a", "b/c");
        let keys: Vec<&str> = tree.keys().collect();
        assert_eq!(keys, ["a-b", "ab", "b/c", "b/c/x", "b/c/y/z"]);
    }

    impl Compact for i32 {
        type Packed = i32;
        fn pack(self) -> i32 {
            self
        }
        fn unpack(packed: i32) -> i32 {
            packed
        }
    }

    #[test]
    fn entries_pack_and_unpack() {
        let locals = [
            LocalEntry {
                kind: Kind::File,
                size: u64::MAX,
                mtime: i64::MIN,
                inode: Some(0),
            },
            LocalEntry {
                kind: Kind::Dir,
                size: 0,
                mtime: -1,
                inode: None,
            },
        ];
        for entry in locals {
            assert_eq!(LocalEntry::unpack(entry.pack()), entry);
        }
        for (kind, mtime, inode) in [
            (Kind::File, Some(0), Some(u64::MAX)),
            (Kind::File, None, Some(0)),
            (Kind::Dir, Some(i64::MAX), None),
            (Kind::Dir, None, None),
        ] {
            let entry = RemoteEntry {
                kind,
                size: 7,
                mtime,
                inode,
            };
            assert_eq!(RemoteEntry::unpack(entry.pack()), entry);
        }
        let mut tree = RemoteTree::new();
        tree.insert(
            "a",
            RemoteEntry {
                kind: Kind::File,
                size: 1,
                mtime: Some(5),
                inode: None,
            },
        );
        if let Some(mut entry) = tree.get_mut("a") {
            entry.mtime = None;
        }
        assert_eq!(tree.get("a").and_then(|e| e.mtime), None);
        assert_eq!(std::mem::size_of::<PackedEntry>(), 25);
        assert_eq!(std::mem::size_of::<RelPath>(), 24);
    }

    /// Whatever the order of inserts and removals, a PathMap holds what a BTreeMap would.
    #[test]
    fn path_maps_behave_like_btree_maps() {
        let long = "a-folder-name-longer-than-inline/";
        let mut seed = 7u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut map = PathMap::new();
        let mut model = BTreeMap::new();
        for round in 0..6000 {
            let n = next() % 700;
            let key = match n % 3 {
                0 => format!("d{}/f{n}", n % 7),
                1 => format!("{long}{n}"),
                _ => format!("f{n}"),
            };
            if round % 3 == 2 {
                assert_eq!(map.remove(&key), model.remove(&key), "remove {key}");
            } else {
                assert_eq!(map.insert(&key, round), model.insert(key, round));
            }
            if round % 500 == 0 {
                map.shrink_to_fit();
            }
            assert_eq!(map.len(), model.len());
        }
        let want: Vec<(&str, i32)> = model.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(map.iter().collect::<Vec<_>>(), want);
        for (k, v) in &model {
            assert_eq!(map.get(k), Some(*v));
            assert_eq!(map.get_key_value(k), Some((k.as_str(), *v)));
        }
        for dir in ["d3", long.trim_end_matches('/'), "f1", ""] {
            let prefix = format!("{dir}/");
            let want: Vec<&str> = model
                .keys()
                .filter(|k| k.starts_with(&prefix))
                .map(String::as_str)
                .collect();
            let got: Vec<&str> = map.under(dir).map(|(k, _)| k).collect();
            assert_eq!(got, want, "under {dir:?}");
        }
        let copy: PathMap<i32> = model.iter().map(|(k, v)| (k, *v)).collect();
        assert_eq!(copy, map);
        assert!(!map.contains_key("nothing"));
    }
}
