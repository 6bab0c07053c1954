//! What a partial transfer is and how a continued one is proven: the one rule `put -c`,
//! `get -c`, the upload mirror and the download mirror all follow.
//!
//! A partial is a temporary (an upload's on the server, a download's in the local folder)
//! holding the first bytes of one version of a file. Continuing it (REST + STOR, APPE where
//! REST is refused, REST + RETR) trusts the server to have put the new bytes at the offset
//! asked; some servers answer `350` and write from byte 0, or append to something else, or
//! send the whole file. So a continued transfer is proven by sizes, never by replies: after
//! it, what the partial holds must be the offset plus the bytes moved, and the file's whole
//! size. A download is read up to the rest of its known length, and one byte more proves
//! the server did not start at the offset ([`crate::ftp::Session::retrieve_from`]).
//!
//! When the proof fails, the partial is dropped, the file is sent or fetched again from
//! byte 0, the user is told once, and no transfer continues anything on that server again
//! in this process ([`distrusted`]): nothing unproven ever takes a final name.
//!
//! Who made a partial: only one this ftpsh made and recorded in its [`ledger`] is ever
//! continued or put back. A server temporary must show the size and time recorded at its
//! cut (another user may have written it since; a kill records no cut, so its temporary is
//! sent again from byte 0); a local one must be the very file recorded (device, inode and
//! birth time, or its size and change time at the cut: a file planted under the computable
//! name is not); an `-old-` copy must be one ftpsh moved aside. [`pick`] is the one rule
//! for which leftover temporary a transfer continues, for `put -c` and both mirrors.

use std::collections::HashSet;
use std::fs;
use std::path::Path;
use std::sync::Mutex;

use super::ledger::{self, Kind, Record};
use super::temp_name::{self, Fingerprint};
use crate::ftp::{Session, path};

/// What a download may bring when the server gives no length for it (no SIZE, an ASCII
/// transfer): stated in the README's security section. A server sending without end stops
/// here rather than filling the disk.
pub const NO_LENGTH_CAP: u64 = 64 << 30;

/// Servers (by address) seen not to honour an offset in this process.
static DISTRUSTED: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// True when `server` was seen not to honour an offset: nothing is continued there any more.
pub fn distrusted(server: &str) -> bool {
    let set = DISTRUSTED.lock().unwrap_or_else(|p| p.into_inner());
    set.as_ref().is_some_and(|s| s.contains(server))
}

/// Marks `server` as not honouring offsets (`why`: what showed it) and, the first time,
/// says so: one line on the terminal and in the journal.
pub fn distrust(server: &str, why: &str) {
    let first = DISTRUSTED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get_or_insert_with(HashSet::new)
        .insert(server.to_string());
    if first {
        let line = format!(
            "{why}: {server} does not continue transfers where asked; sent again from byte 0, \
             and nothing is resumed on this server again in this session"
        );
        log::warn!("{line}");
        crate::progress::print_line(&format!("warning: {line}"));
    }
}

/// Why a continued transfer is not proven.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch(pub String);

/// The proof of a continued transfer (pure): it started at `offset`, moved `moved` bytes,
/// and the partial now holds `held` bytes of a file of `whole` bytes. The server honoured
/// the offset only when `held == offset + moved`; the content is the whole file only when
/// that is `whole` too. (A server writing from 0 leaves `moved` or `max(offset, moved)`
/// bytes, one writing elsewhere something else again: each fails one of the two.)
pub fn prove(offset: u64, moved: u64, held: u64, whole: u64) -> Result<(), Mismatch> {
    if held != offset + moved {
        return Err(Mismatch(format!(
            "continued at byte {offset} with {moved} bytes, the result holds {held} bytes"
        )));
    }
    if held != whole {
        return Err(Mismatch(format!(
            "the result holds {held} bytes where the file has {whole}"
        )));
    }
    Ok(())
}

// ---- Who made it: the ledger's records, and the checks that use them ------------------

/// Downloads smaller than this are not recorded while they run: one cut by a kill is
/// fetched again whole (cheaper than a ledger write for every small file).
pub const RECORD_FROM: u64 = 1 << 20;

/// The place a server's partials are recorded under: `user@host:port`.
pub fn place(session: &Session) -> String {
    place_of(session.params())
}

/// [`place`], from the parameters a session is opened with.
pub fn place_of(params: &crate::ftp::ConnectParams) -> String {
    format!("{}@{}", params.user, params.address())
}

/// Records an upload's temporary kept at a cut as the server shows it now (size and
/// modify time), so that `put -c` or a later pass may continue it. Nothing is recorded when
/// the server cannot say (a lost connection): such a temporary is not continued.
pub fn record_upload_cut(session: &mut Session, temp: &str) -> bool {
    let Ok(Some(entry)) = session.stat(temp) else {
        return false;
    };
    if entry.mtime.is_none() {
        return false;
    }
    ledger::put(Record {
        kind: Kind::Upload,
        place: place(session),
        key: path::file_name(temp).to_string(),
        size: Some(entry.size),
        time: entry.mtime,
        identity: None,
        birth: None,
    });
    true
}

/// Whether the server temporary `temp`, which shows `size` bytes and `mtime` now, is one
/// this ftpsh cut and nobody wrote since: recorded at `place` with the same size and time.
pub fn upload_cut_matches(place: &str, temp: &str, size: u64, mtime: Option<i64>) -> bool {
    ledger::find(Kind::Upload, place, path::file_name(temp))
        .is_some_and(|r| r.size == Some(size) && r.time.is_some() && r.time == mtime)
}

/// The temporary is being written again, renamed, or removed: its cut is history.
pub fn forget_upload(place: &str, temp: &str) {
    ledger::forget(Kind::Upload, place, path::file_name(temp));
}

/// Records the file moved aside to `aside` (its size and time: the server keeps both
/// across a rename), so that only this copy is ever put back under its name.
pub fn record_aside(place: &str, aside: &str, size: u64, mtime: Option<i64>) {
    ledger::put(Record {
        kind: Kind::Aside,
        place: place.to_string(),
        key: path::file_name(aside).to_string(),
        size: Some(size),
        time: mtime,
        identity: None,
        birth: None,
    });
}

pub fn forget_aside(place: &str, aside: &str) {
    ledger::forget(Kind::Aside, place, path::file_name(aside));
}

/// What identifies a local partial: device + inode, birth time where the file system
/// keeps one, and the change time (which no one can set) with its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marks {
    pub identity: Option<u64>,
    pub birth: Option<i64>,
    pub changed: Option<i64>,
    pub size: u64,
}

impl Marks {
    pub fn of(meta: &fs::Metadata) -> Marks {
        let nanos = |t: std::time::SystemTime| {
            let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
            i64::try_from(d.as_nanos()).ok()
        };
        #[cfg(unix)]
        let changed = {
            use std::os::unix::fs::MetadataExt;
            meta.ctime()
                .checked_mul(1_000_000_000)
                .and_then(|s| s.checked_add(meta.ctime_nsec()))
        };
        #[cfg(not(unix))]
        let changed = None;
        Marks {
            identity: super::identity(meta),
            birth: meta.created().ok().and_then(nanos),
            changed,
            size: meta.len(),
        }
    }
}

/// The ledger's key of a local file: its absolute path (None where it has no readable
/// form: then it is not recorded, so not continued).
fn local_key(path: &Path) -> Option<String> {
    let absolute = std::path::absolute(path).ok()?;
    let key = crate::lossless::from_os(absolute.as_os_str())?;
    (!key.contains(['\n', '\r'])).then_some(key)
}

/// Records the local partial at `path` (open as `file`): `cut` says it stops here (its
/// size and change time are then recorded too), else it is being written.
pub fn record_download(path: &Path, file: &fs::File, cut: bool) {
    let (Some(key), Ok(meta)) = (local_key(path), file.metadata()) else {
        return;
    };
    let marks = Marks::of(&meta);
    ledger::put(Record {
        kind: Kind::Download,
        place: "-".to_string(),
        key,
        size: cut.then_some(marks.size),
        time: if cut { marks.changed } else { None },
        identity: marks.identity,
        birth: marks.birth,
    });
}

/// Whether the local partial at `path`, whose metadata (not following links) is `meta`,
/// is one this ftpsh made and nobody replaced or wrote since (see [`download_matches`]).
pub fn download_is_ours(path: &Path, meta: &fs::Metadata) -> bool {
    let Some(key) = local_key(path) else {
        return false;
    };
    let record = ledger::find(Kind::Download, "-", &key);
    download_matches(record.as_ref(), &Marks::of(meta))
}

/// The rule for a local partial (pure): recorded, the same file (device + inode), and
/// either born when recorded (a file put in its place is born later, whatever its inode)
/// or, where the file system keeps no birth time, cut at this size and change time.
pub fn download_matches(record: Option<&Record>, now: &Marks) -> bool {
    let Some(r) = record else {
        return false;
    };
    if r.identity.is_none() || r.identity != now.identity {
        return false;
    }
    match (r.birth, now.birth) {
        (Some(then), Some(now_birth)) => then == now_birth,
        _ => r.size == Some(now.size) && r.time.is_some() && r.time == now.changed,
    }
}

pub fn forget_download(path: &Path) {
    if let Some(key) = local_key(path) {
        ledger::forget(Kind::Download, "-", &key);
    }
}

/// What the ledger says of one place's partials, for the planner (pure lookups by file
/// name): which temporaries an upload or a download may continue, which moved-aside files
/// may be put back. The transfer proves its pick again when it runs.
#[derive(Debug, Default, Clone)]
pub struct Made {
    by_name: std::collections::HashMap<String, Record>,
}

impl Made {
    /// The records of `records` (by file name).
    pub fn of(records: impl IntoIterator<Item = Record>) -> Made {
        let by_name = records
            .into_iter()
            .map(|r| (path::file_name(&r.key).to_string(), r))
            .collect();
        Made { by_name }
    }

    /// The partials made on the server `place`.
    pub fn remote(place: &str) -> Made {
        Made::of(ledger::all().into_iter().filter(|r| r.place == place))
    }

    /// The partials made in the local folder `root` (downloads; nothing is ever moved
    /// aside locally).
    pub fn local(root: &Path) -> Made {
        let Some(root) = local_key(root) else {
            return Made::default();
        };
        let inside = format!("{}/", root.trim_end_matches('/'));
        Made::of(
            ledger::all()
                .into_iter()
                .filter(|r| r.kind == Kind::Download && r.key.starts_with(&inside)),
        )
    }

    /// The temporary `name`, listed with `size` bytes (and `identity`, a local one), may be
    /// continued: a cut upload recorded at this size, or a download recorded for this file.
    pub fn continues(&self, name: &str, size: u64, identity: Option<u64>) -> bool {
        self.by_name.get(name).is_some_and(|r| match r.kind {
            Kind::Upload => r.size == Some(size),
            Kind::Download => r.identity.is_some() && r.identity == identity,
            Kind::Aside => false,
        })
    }

    /// The `-old-` copy `name`, listed with `size` bytes, is one ftpsh moved aside.
    pub fn restores(&self, name: &str, size: u64) -> bool {
        self.by_name
            .get(name)
            .is_some_and(|r| r.kind == Kind::Aside && r.size == Some(size))
    }
}

/// The rule for which leftover temporary an upload or a download of one version of a file
/// continues (pure), for `put -c`, `get`'s mirror and both mirrors alike: of `candidates`
/// (name, size, identity of a local one), those named for this very version of the file
/// (`final_name`, `fingerprint`: [`temp_name::resumes`]), holding something and no more
/// than the file's `whole` bytes, that this ftpsh made and recorded (`made`); of several,
/// the one holding most.
pub fn pick<'a>(
    candidates: impl IntoIterator<Item = (&'a str, u64, Option<u64>)>,
    final_name: &str,
    fingerprint: Fingerprint,
    whole: u64,
    made: &Made,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter(|(name, size, identity)| {
            temp_name::resumes(name, final_name, fingerprint)
                && *size > 0
                && *size <= whole
                && made.continues(path::file_name(name), *size, *identity)
        })
        .max_by_key(|(_, size, _)| *size)
        .map(|(name, _, _)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_continuation_is_proven_by_sizes_only() {
        // (offset, moved, held, whole, proven)
        let table = [
            (1024, 3000, 4024, 4024, true),
            (0, 4024, 4024, 4024, true),
            // REST ignored, STOR from 0 truncating: only the rest is there.
            (1024, 3000, 3000, 4024, false),
            // REST ignored, STOR from 0 without truncating: the longer of the two.
            (1024, 3000, 3000, 4024, false),
            (3000, 1024, 3000, 4024, false),
            // APPE onto something longer than the offset.
            (1024, 3000, 5000, 4024, false),
            // The sizes add up but not to the file (the file changed, a short transfer).
            (1024, 2000, 3024, 4024, false),
            // RETR sent more than the rest (REST ignored): stopped, never adds up.
            (1024, 3001, 4025, 4024, false),
        ];
        for (offset, moved, held, whole, want) in table {
            assert_eq!(
                prove(offset, moved, held, whole).is_ok(),
                want,
                "{offset}+{moved} -> {held} of {whole}"
            );
        }
    }

    #[test]
    fn distrust_is_per_server_and_sticks() {
        let (a, b) = ("127.0.0.1:1 (test a)", "127.0.0.1:2 (test b)");
        assert!(!distrusted(a));
        distrust(a, "test");
        distrust(a, "test");
        assert!(distrusted(a));
        assert!(!distrusted(b));
    }

    fn record(kind: Kind, key: &str, size: Option<u64>, identity: Option<u64>) -> Record {
        Record {
            kind,
            place: "p".into(),
            key: key.into(),
            size,
            time: Some(50),
            identity,
            birth: None,
        }
    }

    #[test]
    fn a_local_partial_is_ours_only_as_recorded() {
        let now = Marks {
            identity: Some(7),
            birth: Some(100),
            changed: Some(50),
            size: 10,
        };
        let born = |birth| Record {
            birth,
            ..record(Kind::Download, "/a/x", None, Some(7))
        };
        let cut = Record {
            size: Some(10),
            ..record(Kind::Download, "/a/x", None, Some(7))
        };
        let no_birth = Marks { birth: None, ..now };
        let table: &[(Option<Record>, Marks, bool)] = &[
            (Some(born(Some(100))), now, true),
            // Another file under the name: another birth, whatever the inode.
            (Some(born(Some(101))), now, false),
            (
                Some(born(Some(100))),
                Marks {
                    identity: Some(8),
                    ..now
                },
                false,
            ),
            (None, now, false),
            // No birth time kept: the cut's size and change time must be the same.
            (Some(cut.clone()), no_birth, true),
            (
                Some(cut.clone()),
                Marks {
                    changed: Some(51),
                    ..no_birth
                },
                false,
            ),
            (
                Some(cut.clone()),
                Marks {
                    size: 11,
                    ..no_birth
                },
                false,
            ),
            // Recorded while written, its writer killed, no birth time: not provable.
            (Some(born(None)), no_birth, false),
        ];
        for (recorded, marks, want) in table {
            assert_eq!(
                download_matches(recorded.as_ref(), marks),
                *want,
                "{recorded:?} {marks:?}"
            );
        }
    }

    #[test]
    fn pick_continues_only_what_ftpsh_recorded() {
        let fp = Fingerprint(0x0123_4567_89ab_cdef);
        let name = |p| temp_name::upload("d/a", p, 0, fp);
        let (a, b, c, other) = (
            name("1x1"),
            name("2x2"),
            name("3x3"),
            temp_name::upload("d/a", "4x4", 0, Fingerprint(1)),
        );
        let made = Made::of([
            record(Kind::Upload, path::file_name(&a), Some(40), None),
            record(Kind::Upload, path::file_name(&b), Some(60), None),
            record(Kind::Upload, path::file_name(&other), Some(10), None),
        ]);
        let listed = |size_b| {
            vec![
                (a.as_str(), 40, None),
                (b.as_str(), size_b, None),
                (c.as_str(), 80, None),
                (other.as_str(), 10, None),
            ]
        };
        // The biggest recorded at its listed size; c (not recorded) and another version's
        // never, however big.
        assert_eq!(pick(listed(60), "a", fp, 100, &made), Some(b.as_str()));
        // b written since its cut (another size): a.
        assert_eq!(pick(listed(70), "a", fp, 100, &made), Some(a.as_str()));
        // Longer than the file: none of them.
        assert_eq!(pick(listed(60), "a", fp, 30, &made), None);
        assert_eq!(pick(listed(60), "a", fp, 100, &Made::default()), None);
    }
}
