//! Fetching a listing (MLSD, LIST, NLST): its lines read off the data connection within
//! bounds (bytes, line length, lines), its final reply read and checked, so that a cut or
//! endless listing is an error naming the folder, never a smaller or unbounded one.

use std::io::{self, Read};
use std::time::Duration;

use suppaftp::Status;

use super::deadline::Paced;
use super::reply::{ftp_error, io_message, reply_text, says_truncated};
use super::session::Session;
use crate::error::{Error, Result};

/// What one listing may make ftpsh hold; far beyond real folders (a million entries of a
/// typical MLSD line is ~100 MB held), far below what an endless stream would take.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub bytes: u64,
    pub line: usize,
    pub lines: usize,
}

/// The limits of every listing.
pub const LIMITS: Limits = Limits {
    bytes: 256 * 1024 * 1024,
    line: 64 * 1024,
    lines: 1_000_000,
};

/// Bytes of listing lines allowed per entry of `--max-listed`: the byte cap of a command
/// is `--max-listed` times this (1 GiB by default), for servers sending long lines.
pub const LISTED_BYTES_PER_ENTRY: u64 = 512;

/// What the listings of one command or pass hold together, against `--max-listed`. Shared
/// by the connections that list a tree at once.
#[derive(Debug)]
pub struct Tally {
    max_entries: u64,
    entries: std::sync::atomic::AtomicU64,
    bytes: std::sync::atomic::AtomicU64,
    /// "command" or "pass", for the message.
    scope: &'static str,
}

impl Tally {
    /// A tally for one `scope` ("command", "pass") of up to `max_listed` entries.
    pub fn new(max_listed: u64, scope: &'static str) -> Tally {
        Tally {
            max_entries: max_listed,
            entries: Default::default(),
            bytes: Default::default(),
            scope,
        }
    }

    /// Counts `listing`, the listing of folder `dir`; an error naming the cap and how to
    /// raise it once the listings so far hold more than it allows: the tree is not known
    /// whole, so nothing may be decided from it.
    pub fn charge(&self, dir: &str, listing: &super::listing::Listing) -> Result<()> {
        let bytes = listing
            .unparsed
            .iter()
            .map(|u| u.line.len() as u64)
            .sum::<u64>();
        self.charge_entries(dir, &listing.entries)?;
        self.count(dir, listing.unparsed.len() as u64, bytes)
    }

    /// [`Tally::charge`] for a listing's entries alone.
    pub fn charge_entries(&self, dir: &str, entries: &[super::listing::Entry]) -> Result<()> {
        let bytes = entries.iter().map(|e| e.raw.len() as u64).sum();
        self.count(dir, entries.len() as u64, bytes)
    }

    fn count(&self, dir: &str, entries: u64, bytes: u64) -> Result<()> {
        use std::sync::atomic::Ordering::Relaxed;
        let entries = self.entries.fetch_add(entries, Relaxed) + entries;
        let bytes = self.bytes.fetch_add(bytes, Relaxed) + bytes;
        let max_bytes = self.max_entries.saturating_mul(LISTED_BYTES_PER_ENTRY);
        let over = if entries > self.max_entries {
            format!("over {} entries", self.max_entries)
        } else if bytes > max_bytes {
            format!("over {max_bytes} bytes")
        } else {
            return Ok(());
        };
        Err(Error::OverListed {
            what: format!("list {dir}"),
            reason: format!(
                "the listings of this {} hold {over} together (--max-listed {}); refusing to \
                 hold more (a larger tree needs --max-listed N)",
                self.scope, self.max_entries
            ),
        })
    }
}

/// Why reading a listing's lines stopped short.
#[derive(Debug)]
pub enum Stop {
    /// The data connection failed (a timeout, the stall rule, a reset).
    Io(io::Error),
    /// Over one of the limits: the words say which.
    Over(String),
}

/// A listing's lines as read off the data connection.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Lines {
    /// Every line that ended with a line end (decoded without loss, CR/LF dropped).
    pub lines: Vec<String>,
    /// What came after the last line end, when the data stopped in the middle of a line:
    /// some servers leave out the final CRLF, but a listing cut short looks the same, so the
    /// caller must not take the folder as fully known (no deletes are planned from it).
    pub unterminated: Option<String>,
}

/// The lines of a listing (decoded without loss, empty ones and CR/LF dropped), within
/// `limits`.
pub fn read_lines(input: &mut dyn Read, limits: &Limits) -> Result<Lines, Stop> {
    let mut lines = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    let mut total = 0u64;
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match input.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Stop::Io(e)),
        };
        total += n as u64;
        if total > limits.bytes {
            return Err(Stop::Over(format!("over {} bytes", limits.bytes)));
        }
        for piece in chunk[..n].split_inclusive(|b| *b == b'\n') {
            line.extend_from_slice(piece);
            if line.len() > limits.line + 2 {
                return Err(Stop::Over(format!("a line over {} bytes", limits.line)));
            }
            if line.last() != Some(&b'\n') {
                continue;
            }
            let text = line
                .strip_suffix(b"\n")
                .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
                .unwrap_or(&line);
            if !text.is_empty() {
                if lines.len() == limits.lines {
                    return Err(Stop::Over(format!("over {} lines", limits.lines)));
                }
                lines.push(crate::lossless::decode(text));
            }
            line.clear();
        }
    }
    let unterminated = (!line.is_empty()).then(|| crate::lossless::decode(&line));
    Ok(Lines {
        lines,
        unterminated,
    })
}

impl Session {
    /// Sends a listing command (`MLSD dir`, `LIST -a dir`...) and returns its lines, bounded
    /// by `LIMITS` and the stall rule, after a positive final reply that does not say the
    /// listing was truncated. `what` names it in errors ("list /www").
    pub(super) fn fetch_lines(&mut self, what: &str, command: &str) -> Result<Lines> {
        let expected = [Status::AboutToSend, Status::AlreadyOpen];
        let mut stream = super::data::data_retry(|| {
            self.stream
                .custom_data_command(command, &expected)
                .map(|(_, stream)| stream)
        })
        .map_err(|e| ftp_error(what, e))?;
        let timeout = self.data_timeout();
        // Active mode hands over an accepted socket without a read bound.
        let _ = stream.get_ref().get_ref().set_read_timeout(Some(timeout));
        let watch = crate::cancel::watch_data(stream.get_ref().get_ref());
        let read = read_lines(&mut Paced::new(&mut stream, timeout), &LIMITS);
        drop(watch);
        let cut = |reason: String| Error::ListingCut {
            what: what.to_string(),
            reason,
        };
        let lines = match read {
            Ok(lines) => lines,
            // Dropping the stream closes the data connection and reads the server's reply.
            Err(Stop::Io(e)) => {
                drop(stream);
                return Err(Error::Connection {
                    what: what.to_string(),
                    message: io_message(&e),
                });
            }
            Err(Stop::Over(limit)) => {
                drop(stream);
                return Err(cut(format!(
                    "the listing has {limit}; refusing to hold more (is the server sending without end?)"
                )));
            }
        };
        // A refusal after the data (550 not found, 426/451 cut) is the server's reply, kept
        // with its code for the caller: an error either way, so nothing is decided from it.
        let reply = stream.finish_reply().map_err(|e| ftp_error(what, e))?;
        let text = reply_text(&reply.body);
        if says_truncated(&text) {
            return Err(cut(format!(
                "the server says it cut the listing ({text:?}); refusing to use it"
            )));
        }
        if lines.unterminated.is_some() {
            crate::journal::trace_note(&format!(
                "{what}: the listing's last line has no line end (cut, or a server that omits it)"
            ));
        }
        Ok(lines)
    }

    /// The read bound of data connections now (completion lowers it for a while).
    pub(super) fn data_timeout(&self) -> Duration {
        Duration::from_millis(self.data_timeout.load(std::sync::atomic::Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader handing out `chunks` one per read.
    struct Chunks(Vec<Vec<u8>>);

    impl Read for Chunks {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Ok(0);
            }
            let chunk = self.0.remove(0);
            buf[..chunk.len()].copy_from_slice(&chunk);
            Ok(chunk.len())
        }
    }

    fn read_all(chunks: &[&[u8]], limits: &Limits) -> Result<Lines, Stop> {
        read_lines(
            &mut Chunks(chunks.iter().map(|c| c.to_vec()).collect()),
            limits,
        )
    }

    /// The complete lines, for data that ends with a line end.
    fn read(chunks: &[&[u8]], limits: &Limits) -> Result<Vec<String>, Stop> {
        read_all(chunks, limits).map(|got| {
            assert_eq!(got.unterminated, None, "{chunks:?}");
            got.lines
        })
    }

    #[test]
    fn lines_are_split_across_chunks_and_decoded() {
        for (chunks, want) in [
            (&[&b"a\r\nb\r\n"[..]][..], &["a", "b"][..]),
            (&[b"a\r", b"\nb", b"c\n"], &["a", "bc"]),
            (&[b"\r\n\n x \n"], &[" x "]),
            (&[b"lf only\n"], &["lf only"]),
            (&[b""], &[]),
        ] {
            let got = read(chunks, &LIMITS).unwrap_or_else(|e| panic!("{chunks:?}: {e:?}"));
            assert_eq!(got, want, "{chunks:?}");
        }
        // Bytes that are not UTF-8 survive for the way back.
        let got = read(&[b"r\xe4k\r\n"], &LIMITS).unwrap();
        assert_eq!(crate::lossless::encode(&got[0]), b"r\xe4k");
    }

    #[test]
    fn a_listing_ending_mid_line_keeps_the_rest_apart() {
        for (chunks, lines, rest) in [
            (&[&b"a\r\nb"[..]][..], &["a"][..], &b"b"[..]),
            (&[b"a\r\n", b"part", b"ial"], &["a"], b"partial"),
            (&[b"x\r"], &[], b"x\r"),
            (&[b"r\xe4k"], &[], b"r\xe4k"),
        ] {
            let got = read_all(chunks, &LIMITS).unwrap();
            assert_eq!(got.lines, lines, "{chunks:?}");
            let got_rest = got.unterminated.expect("an unterminated rest");
            assert_eq!(crate::lossless::encode(&got_rest), rest, "{chunks:?}");
        }
    }

    #[test]
    fn a_tally_stops_a_command_whose_listings_together_are_over_the_cap() {
        let listing = |n: usize, line: &str| super::super::listing::Listing {
            entries: (0..n)
                .map(|i| super::super::listing::Entry {
                    name: format!("f{i}"),
                    kind: super::super::listing::EntryKind::File,
                    size: 1,
                    mtime: None,
                    mtime_exact: false,
                    link_target: None,
                    mode: None,
                    raw: line.to_string(),
                })
                .collect(),
            unparsed: Vec::new(),
        };
        // Entries: 10 allowed; each listing under it, together over.
        let tally = Tally::new(10, "pass");
        for _ in 0..2 {
            tally.charge("/a", &listing(5, "x")).unwrap();
        }
        let err = tally
            .charge("/a/b", &listing(1, "x"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("list /a/b: the listings of this pass hold over 10 entries"),
            "{err}"
        );
        assert!(err.contains("--max-listed N"), "{err}");
        // Bytes: 10 entries allow 5120 bytes of lines.
        let tally = Tally::new(10, "command");
        let long = "y".repeat(3000);
        tally.charge("/a", &listing(1, &long)).unwrap();
        let err = tally
            .charge("/b", &listing(1, &long))
            .unwrap_err()
            .to_string();
        assert!(err.contains("over 5120 bytes"), "{err}");
    }

    #[test]
    fn limits_stop_a_listing_early() {
        let small = Limits {
            bytes: 100,
            line: 10,
            lines: 3,
        };
        for (chunks, over) in [
            (&[&b"0123456789abc\n"[..]][..], "a line over 10 bytes"),
            (
                &[b"0123456789", b"0123456789", b"0"],
                "a line over 10 bytes",
            ),
            (&[b"a\nb\nc\nd\n"], "over 3 lines"),
            (&[&[b'\n'; 101][..]], "over 100 bytes"),
        ] {
            match read(chunks, &small) {
                Err(Stop::Over(words)) => assert_eq!(words, over, "{chunks:?}"),
                other => panic!("{chunks:?}: {other:?}"),
            }
        }
        // At the limits exactly: fine.
        assert_eq!(read(&[b"0123456789\r\n"], &small).unwrap(), ["0123456789"]);
        assert_eq!(read(&[b"a\nb\nc\n"], &small).unwrap().len(), 3);
    }
}
