//! Directory listings (MLSD facts, LIST lines in the formats servers send) parsed into Entry values.
//!
//! Everything here is pure string handling so that it can be tested without a server. Names are
//! returned exactly as the server sent them; making them safe for the local filesystem is the
//! caller's job, because only the caller knows what the name will be used for.
//!
//! One file per format family: [`mlsd`] (RFC 3659 facts), [`unix`] (`ls -l` and its cousins),
//! [`dos`] (IIS/Windows); [`time`] holds the calendar they share. LIST dates carry no zone and
//! at best minute resolution; they are read as UTC and marked `mtime_exact = false` so callers
//! do not compare them to the second.

mod dos;
mod mlsd;
mod time;
mod unix;

use std::fmt;

pub use mlsd::parse_mlsd_line;
pub use time::{format_ftp_time, parse_ftp_time};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    File,
    Dir,
    Link,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The name exactly as the server gave it (not sanitized here).
    pub name: String,
    pub kind: EntryKind,
    /// 0 when unknown.
    pub size: u64,
    /// Seconds since the Unix epoch, UTC; `None` when unknown.
    pub mtime: Option<i64>,
    /// True when `mtime` has second precision and a known zone (MLSD `modify=`, MDTM); false for
    /// LIST dates, which have minute or day resolution and no zone.
    pub mtime_exact: bool,
    /// Target of a symlink when the server reported one.
    pub link_target: Option<String>,
    /// The line as received.
    pub raw: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingError {
    pub line: String,
    pub reason: String,
}

impl ListingError {
    fn new(line: &str, reason: impl Into<String>) -> Self {
        ListingError {
            line: line.to_string(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ListingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Debug formatting escapes control characters, which keeps a hostile line from messing
        // with the terminal when the error is printed.
        write!(
            f,
            "unparseable listing line {:?}: {}",
            self.line, self.reason
        )
    }
}

impl std::error::Error for ListingError {}

/// Line terminators are not part of any name (FTP cannot transfer names containing CR or LF), so
/// they are removed before parsing; everything else, including trailing spaces, is kept.
fn strip_eol(line: &str) -> &str {
    line.trim_end_matches(['\r', '\n'])
}

/// Parses one LIST line in Unix ("drwxr-xr-x 2 user group 4096 Jan  1 12:00 name",
/// "-rw-r--r-- 1 0 0 12 Mar 3 2021 name with spaces", numeric owners, missing group column as
/// some servers do, "lrwxrwxrwx ... name -> target", device files c/b/p/s -> Other) or DOS/IIS
/// format ("01-02-24  03:04PM       <DIR>          dir name",
/// "01-02-2024  03:04PM             1234 file.txt", both 2- and 4-digit years, AM/PM and 24h).
/// "total 123" lines and empty lines return Ok(None). "." and ".." names return Ok(None).
/// A line that matches neither format is Err(ListingError) naming the line — never silently
/// dropped.
/// For Unix dates without a year ("Jan  1 12:00") take the `now` argument's year, and if that puts
/// the date more than a day in the future use the previous year (the usual rule). Return mtime in
/// UTC assuming the listed time is UTC; mtime_exact=false.
/// Names keep internal and trailing spaces exactly after the date column (the name starts after
/// the time/year field and exactly one space).
pub fn parse_list_line(line: &str, now_unix: i64) -> Result<Option<Entry>, ListingError> {
    let text = strip_eol(line);
    if text.trim().is_empty() || is_total_line(text) {
        return Ok(None);
    }
    let parsed = if text.starts_with(|c: char| c.is_ascii_digit()) {
        dos::parse_dos(text)
    } else {
        unix::parse_unix(text, now_unix)
    };
    match parsed {
        Ok(Some(mut entry)) => {
            entry.raw = line.to_string();
            Ok(Some(entry))
        }
        Ok(None) => Ok(None),
        Err(reason) => Err(ListingError::new(line, reason)),
    }
}

/// ls prints "total N" (N in blocks) before the entries; some servers forward it verbatim.
fn is_total_line(text: &str) -> bool {
    let mut parts = text.split_ascii_whitespace();
    parts.next() == Some("total")
        && parts
            .next()
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        && parts.next().is_none()
}

/// Whitespace-separated tokens with their byte ranges, so the name can be cut from the original
/// text instead of being re-joined (which would collapse runs of spaces inside it).
fn tokens(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let is_sep = c == ' ' || c == '\t';
        match (start, is_sep) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2023-11-10 00:00:00 UTC, a fixed "now" so year inference is deterministic.
    pub(super) const NOW: i64 = 1_699_574_400;

    pub(super) fn entry(
        name: &str,
        kind: EntryKind,
        size: u64,
        mtime: Option<i64>,
        exact: bool,
        target: Option<&str>,
        raw: &str,
    ) -> Entry {
        Entry {
            name: name.to_string(),
            kind,
            size,
            mtime,
            mtime_exact: exact,
            link_target: target.map(str::to_string),
            raw: raw.to_string(),
        }
    }

    #[test]
    fn list_skipped_lines() {
        for line in [
            "",
            "   ",
            "\r\n",
            "total 8",
            "total 0\r",
            "drwxr-xr-x    2 0        0            4096 Nov 04 12:00 .",
            "drwxr-xr-x    2 0        0            4096 Nov 04 12:00 ..",
            "01-02-24  03:04PM       <DIR>          .",
            "01-02-24  03:04PM       <DIR>          ..",
        ] {
            assert_eq!(parse_list_line(line, NOW), Ok(None), "{line:?}");
        }
    }

    #[test]
    fn list_errors_name_the_line() {
        for line in [
            "garbage",
            "total",
            "total 8 blocks",
            "-rw-r--r-- 1 u g 12 Nov",
            "-rw-r--r-- 1 u g 12 Nov 04 12:00",
            "-rw-r--r-- 1 u g 12 Nov 04 12:00 ",
            "-rw-r--r-- 1 u g 12 Foo 04 12:00 x",
            "-rw-r--r-- 1 u g 12 Nov 32 12:00 x",
            "-rw-r--r-- 1 u g 12 Nov 04 25:00 x",
            "-rw-r--r-- 1 u g 12 Feb 30 2021 x",
            "-rw-r--r-- 1 u g 99999999999999999999999 Nov 04 12:00 x",
            "xrw-r--r-- 1 u g 12 Nov 04 12:00 x",
            "type=file;size=1; a.txt",
            "01-02-24  03:04PM",
            "01-02-24  03:04PM       <DIR>",
            "01-02-24  03:04PM       <DIR>          ",
            "13-02-24  03:04PM                    1 x",
            "01-02-24  13:04PM                    1 x",
            "01-02-24  03:04PM                  abc x",
            "2024-01-02 03:04 x",
        ] {
            let err = parse_list_line(line, NOW).unwrap_err();
            assert_eq!(err.line, line);
            let shown = err.to_string();
            assert!(shown.starts_with("unparseable listing line \""), "{shown}");
        }
    }

    #[test]
    fn error_display_escapes_control_characters() {
        let err = parse_list_line("bad\x1b[2J", NOW).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unparseable listing line \"bad\\u{1b}[2J\": not a Unix or DOS listing line"
        );
        let _: &dyn std::error::Error = &err;
    }
}
