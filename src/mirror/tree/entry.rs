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
    /// The sub-second part of the mtime, in nanoseconds (0 where the file system keeps none).
    pub mtime_ns: u32,
    /// The file's identity (`transfer::identity`: device, inode and birth time folded into
    /// one number); `None` where the OS gives none (Windows).
    pub inode: Option<u64>,
    /// Permission bits (`0o7777`); `None` where the OS has none (Windows).
    pub mode: Option<u32>,
}

/// What we believe the remote holds, for one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteEntry {
    pub kind: Kind,
    pub size: u64,
    /// The LOCAL mtime this content corresponds to when known (MFMT set it, or our state
    /// recorded it); `None` = unknown.
    pub mtime: Option<i64>,
    /// Its sub-second part when ftpsh recorded it from the local file it sent; `None` for
    /// listed times (whole seconds) and records of whole seconds: then the seconds decide.
    pub mtime_ns: Option<u32>,
    /// Inode of the local file it was uploaded from, when we uploaded it.
    pub inode: Option<u64>,
    /// Permission bits as the server listed them, or as ftpsh set them; `None` = unknown.
    pub mode: Option<u32>,
}

/// How a [`PathMap`] stores its values: the same facts in fewer bytes. A B-tree node holds
/// eleven of them, so every byte saved counts eleven times a node.
pub trait Compact: Copy {
    type Packed: Copy;
    fn pack(self) -> Self::Packed;
    fn unpack(packed: Self::Packed) -> Self;
}

/// An entry's kind, size, mtime (with its nanoseconds), inode and mode in 31 bytes (a
/// `LocalEntry` takes 48, a `RemoteEntry` 64): no padding, and flag bits in place of the
/// `Option` tags.
#[derive(Clone, Copy)]
#[repr(C, packed)]
pub struct PackedEntry {
    size: u64,
    mtime: i64,
    inode: u64,
    mtime_ns: u32,
    /// The 12 permission bits, and `HAS_MODE` above them.
    mode: u16,
    flags: u8,
}

const HAS_MODE: u16 = 0x8000;

const IS_DIR: u8 = 1;
const HAS_MTIME: u8 = 2;
const HAS_INODE: u8 = 4;
const HAS_NS: u8 = 8;

impl PackedEntry {
    fn new(
        kind: Kind,
        size: u64,
        (mtime, mtime_ns): (Option<i64>, Option<u32>),
        inode: Option<u64>,
        mode: Option<u32>,
    ) -> PackedEntry {
        let flag = |set: bool, bit: u8| if set { bit } else { 0 };
        PackedEntry {
            size,
            mtime: mtime.unwrap_or(0),
            mtime_ns: mtime_ns.unwrap_or(0),
            inode: inode.unwrap_or(0),
            mode: mode.map_or(0, |m| HAS_MODE | (m & 0o7777) as u16),
            flags: flag(kind == Kind::Dir, IS_DIR)
                | flag(mtime.is_some(), HAS_MTIME)
                | flag(inode.is_some(), HAS_INODE)
                | flag(mtime_ns.is_some(), HAS_NS),
        }
    }

    fn mtime_ns(self) -> Option<u32> {
        (self.flags & HAS_NS != 0).then_some(self.mtime_ns)
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

    fn mode(self) -> Option<u32> {
        let mode = self.mode;
        (mode & HAS_MODE != 0).then_some(u32::from(mode & 0o7777))
    }
}

impl Compact for LocalEntry {
    type Packed = PackedEntry;

    fn pack(self) -> PackedEntry {
        PackedEntry::new(
            self.kind,
            self.size,
            (Some(self.mtime), Some(self.mtime_ns)),
            self.inode,
            self.mode,
        )
    }

    fn unpack(p: PackedEntry) -> LocalEntry {
        LocalEntry {
            kind: p.kind(),
            size: p.size,
            mtime: p.mtime,
            mtime_ns: p.mtime_ns,
            inode: p.inode(),
            mode: p.mode(),
        }
    }
}

impl Compact for RemoteEntry {
    type Packed = PackedEntry;

    fn pack(self) -> PackedEntry {
        PackedEntry::new(
            self.kind,
            self.size,
            (self.mtime, self.mtime_ns),
            self.inode,
            self.mode,
        )
    }

    fn unpack(p: PackedEntry) -> RemoteEntry {
        RemoteEntry {
            kind: p.kind(),
            size: p.size,
            mtime: p.mtime(),
            mtime_ns: p.mtime_ns(),
            inode: p.inode(),
            mode: p.mode(),
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
                mtime_ns: 999_999_999,
                inode: Some(0),
                mode: Some(0o4755),
            },
            LocalEntry {
                kind: Kind::Dir,
                size: 0,
                mtime: -1,
                mtime_ns: 0,
                inode: None,
                mode: None,
            },
            LocalEntry {
                kind: Kind::File,
                size: 1,
                mtime: 0,
                mtime_ns: 5,
                inode: None,
                mode: Some(0),
            },
        ];
        for entry in locals {
            assert_eq!(LocalEntry::unpack(entry.pack()), entry);
        }
        for (kind, mtime, mtime_ns, inode, mode) in [
            (Kind::File, Some(0), Some(0), Some(u64::MAX), Some(0o7777)),
            (Kind::File, None, None, Some(0), Some(0)),
            (Kind::File, Some(1), Some(999_999_999), Some(0), Some(0)),
            (Kind::Dir, Some(i64::MAX), None, None, Some(0o755)),
            (Kind::Dir, None, None, None, None),
        ] {
            let entry = RemoteEntry {
                kind,
                size: 7,
                mtime,
                mtime_ns,
                inode,
                mode,
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
                mtime_ns: None,
                inode: None,
                mode: None,
            },
        );
        if let Some(mut entry) = tree.get_mut("a") {
            entry.mtime = None;
        }
        assert_eq!(tree.get("a").and_then(|e| e.mtime), None);
        assert_eq!(std::mem::size_of::<PackedEntry>(), 31);
        assert_eq!(std::mem::size_of::<RelPath>(), 24);
    }
}
