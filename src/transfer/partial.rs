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

use std::collections::HashSet;
use std::sync::Mutex;

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
}
