//! The virtual remote tree the planner simulates its actions on: the listed tree plus an
//! overlay of what the plan changed so far.

use std::collections::HashSet;
use std::iter::Peekable;

use crate::mirror::tree::{RemoteEntry, RemoteTree};

/// The remote tree as it will be after the actions planned so far: `base` less what was
/// removed or moved away, plus what was moved in (and what the plan creates, while a later
/// rename could carry it along). With nothing to do it holds nothing of its own.
pub(super) struct Virtual<'a> {
    pub(super) base: &'a RemoteTree,
    /// Paths of `base` that are gone.
    gone: HashSet<&'a str>,
    /// Entries that are not as `base` has them; they hide `base`'s.
    added: RemoteTree,
}

impl<'a> Virtual<'a> {
    /// `base`, with the `untrusted` paths' times unknown.
    pub(super) fn new(base: &'a RemoteTree, untrusted: &HashSet<String>) -> Virtual<'a> {
        let mut added = RemoteTree::new();
        for path in untrusted {
            if let Some(mut entry) = base.get(path) {
                entry.mtime = None;
                added.insert(path, entry);
            }
        }
        Virtual {
            base,
            gone: HashSet::new(),
            added,
        }
    }

    pub(super) fn get(&self, path: &str) -> Option<RemoteEntry> {
        match self.added.get(path) {
            Some(entry) => Some(entry),
            None if self.gone.contains(path) => None,
            None => self.base.get(path),
        }
    }

    pub(super) fn insert(&mut self, path: &str, entry: RemoteEntry) {
        self.added.insert(path, entry);
    }

    pub(super) fn remove(&mut self, path: &str) -> Option<RemoteEntry> {
        let added = self.added.remove(path);
        let listed = match self.base.get_key_value(path) {
            Some((key, entry)) if self.gone.insert(key) => Some(entry),
            _ => None,
        };
        added.or(listed)
    }

    /// Every entry, in path order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&str, RemoteEntry)> {
        Overlay {
            base: self.base.iter().peekable(),
            gone: &self.gone,
            added: self.added.iter().peekable(),
        }
    }

    /// The entries strictly under `dir` (not `dir` itself), in path order.
    pub(super) fn under<'s>(&'s self, dir: &str) -> impl Iterator<Item = (&'s str, RemoteEntry)> {
        Overlay {
            base: self.base.under(dir).peekable(),
            gone: &self.gone,
            added: self.added.under(dir).peekable(),
        }
    }
}

/// A sorted run of `base` entries, less the `gone` ones, merged with a sorted run of
/// `added` ones, which win on equal paths.
struct Overlay<'s, A: Iterator, B: Iterator> {
    base: Peekable<A>,
    gone: &'s HashSet<&'s str>,
    added: Peekable<B>,
}

impl<'s, A, B> Iterator for Overlay<'s, A, B>
where
    A: Iterator<Item = (&'s str, RemoteEntry)>,
    B: Iterator<Item = (&'s str, RemoteEntry)>,
{
    type Item = (&'s str, RemoteEntry);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let order = match (self.base.peek(), self.added.peek()) {
                (Some((base, _)), Some((added, _))) => base.cmp(added),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, _) => return self.added.next(),
            };
            match order {
                std::cmp::Ordering::Less => {
                    let item = self.base.next();
                    if item.is_some_and(|(path, _)| !self.gone.contains(path)) {
                        return item;
                    }
                }
                std::cmp::Ordering::Equal => {
                    self.base.next();
                    return self.added.next();
                }
                std::cmp::Ordering::Greater => return self.added.next(),
            }
        }
    }
}
