//! The entries of the mirror's trees: a local file or folder as the walk saw it, a remote one
//! as the mirror believes it, and their packed form ([`Compact`]).

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mirror::tree::{RelPath, RemoteTree};

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
}
