//! [`RelPath`]: a path relative to the mirror root, in 24 bytes (the key of every tree entry
//! and the name in every planned action).

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

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
