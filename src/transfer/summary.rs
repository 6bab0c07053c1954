//! The line a finished `put` or `get` ends with: how much moved, where, whether it
//! continued an earlier transfer, how long it took and at what rate. One place, for every
//! command that moves a file.

use std::time::Duration;

use crate::words;

/// Which way the bytes went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    Sent,
    Received,
}

/// `209715200 bytes sent to big.bin (resumed at byte 1048576) in 1.9 s (103 MiB/s)`:
/// `bytes` moved this time (not counting what an earlier transfer moved), to or into
/// `target` (as the user should read it: escaped by the caller's printer).
pub fn line(way: Way, bytes: u64, target: &str, resumed_at: Option<u64>, took: Duration) -> String {
    let (verb, to) = match way {
        Way::Sent => ("sent", "to"),
        Way::Received => ("received", "into"),
    };
    let resumed = match resumed_at {
        // `get -c` of a file already whole (or `put -c` of a temporary already complete)
        Some(at) if bytes == 0 => {
            return format!("{target}: already complete ({at} bytes); nothing {verb}");
        }
        Some(at) => format!(" (resumed at byte {at})"),
        None => String::new(),
    };
    format!(
        "{} {verb} {to} {target}{resumed} in {} ({})",
        words::count(bytes, "byte", "bytes"),
        words::duration(took),
        words::rate(bytes, took)
    )
}

/// A recursive transfer's one-line ending: `put -r site: 12 files (3.4 MiB) sent in 2.1 s
/// (1.6 MiB/s), 1 failed`.
pub fn tree_line(
    way: Way,
    command: &str,
    files: u64,
    bytes: u64,
    failed: u64,
    took: Duration,
) -> String {
    let verb = match way {
        Way::Sent => "sent",
        Way::Received => "received",
    };
    let failed = match failed {
        0 => String::new(),
        n => format!(", {n} failed"),
    };
    format!(
        "{command}: {} ({}) {verb} in {} ({}){failed}",
        words::count(files, "file", "files"),
        words::size(bytes),
        words::duration(took),
        words::rate(bytes, took)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_what_where_how_long_and_how_fast() {
        let took = Duration::from_millis(1940);
        assert_eq!(
            line(Way::Sent, 209_715_200, "big.bin", None, took),
            "209715200 bytes sent to big.bin in 1.9 s (103 MiB/s)"
        );
        assert_eq!(
            line(Way::Received, 1, "a.txt", Some(7), Duration::from_secs(2)),
            "1 byte received into a.txt (resumed at byte 7) in 2.0 s (0 B/s)"
        );
        assert_eq!(
            line(Way::Received, 0, "a.txt", Some(7), Duration::ZERO),
            "a.txt: already complete (7 bytes); nothing received"
        );
        assert_eq!(
            tree_line(
                Way::Sent,
                "put -r site",
                12,
                3 << 20,
                1,
                Duration::from_secs(3)
            ),
            "put -r site: 12 files (3.0 MiB) sent in 3.0 s (1.0 MiB/s), 1 failed"
        );
    }
}
