//! [`PathMap`]: a compact sorted map from relative path to entry, the storage of the local
//! snapshot and of the believed remote tree.

use std::collections::{BTreeMap, btree_map};
use std::fmt;
use std::iter::Peekable;
use std::ops::{Bound, Deref, DerefMut};

use super::{Compact, RelPath};

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

    impl Compact for i32 {
        type Packed = i32;
        fn pack(self) -> i32 {
            self
        }
        fn unpack(packed: i32) -> i32 {
            packed
        }
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
