//! Directory listings (MLSD facts, LIST lines in the formats servers send) parsed into Entry values.
//!
//! Everything here is pure string handling so that it can be tested without a server. Names are
//! returned exactly as the server sent them; making them safe for the local filesystem is the
//! caller's job, because only the caller knows what the name will be used for.
//!
//! One file per format family: [`mlsd`] (RFC 3659 facts), [`unix`] (`ls -l` and its cousins),
//! [`dos`] (IIS/Windows), [`netware`], [`vms`], [`eplf`], [`ibm`] (OS/2, MVS, AS/400) and
//! [`rare`] (VShell, VxWorks, OS-9, HP NonStop, Nortel); [`date`] reads the date columns they
//! share and [`time`] is the calendar. A LIST line is offered to each format in turn, as
//! FileZilla does: servers do not say which format they speak, and some mix them.
//!
//! A whole listing parses into a [`Listing`]: the entries read plus the lines no format knew.
//! One odd line must not sink a folder, but it must not vanish either: callers show it, warn
//! about it, and never treat the folder as fully known (a mirror deletes nothing there).

mod date;
mod dos;
mod eplf;
mod ibm;
mod mlsd;
mod netware;
mod rare;
mod time;
mod unix;
mod vms;
mod words;

use std::fmt;

pub use mlsd::{parse_mlsd_line, parse_octal_mode};
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
    /// Permission bits (`0o7777`: rwx for owner, group and others, plus setuid, setgid and
    /// sticky) when the server gave them: MLSD `UNIX.mode`, a Unix `ls -l` mode column.
    pub mode: Option<u32>,
    /// The line as received.
    pub raw: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingError {
    pub line: String,
    pub reason: String,
}

impl ListingError {
    pub(crate) fn new(line: &str, reason: impl Into<String>) -> Self {
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

/// A whole directory listing: the entries read, and the lines no format could read (kept as
/// received, for the caller to show or warn about).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    pub entries: Vec<Entry>,
    pub unparsed: Vec<ListingError>,
}

/// Parses every line of an MLSD (`mlsd = true`) or LIST reply. Lines that parse to nothing
/// ("total 12", ".", headers) are dropped; lines no format reads are kept in `unparsed`.
/// A VMS entry too long for one line continues on the next: two lines that read as nothing
/// alone but as an entry together are joined.
pub fn parse_listing(lines: Vec<String>, mlsd: bool, now_unix: i64) -> Listing {
    let mut listing = Listing::default();
    let mut lines = lines.into_iter().peekable();
    while let Some(line) = lines.next() {
        let parsed = if mlsd {
            parse_mlsd_line(&line)
        } else {
            parse_list_line(&line, now_unix)
        };
        let parsed = match parsed {
            // A name alone on its line, whose columns follow on the next (VMS wraps a long
            // name so): neither reads alone, together they make one entry.
            Err(err)
                if !mlsd
                    && line.split_whitespace().count() == 1
                    && lines
                        .peek()
                        .is_some_and(|next| parse_list_line(next, now_unix).is_err()) =>
            {
                let next = lines.peek().map(String::as_str).unwrap_or_default();
                let joined = format!("{} {}", strip_eol(&line), next.trim_start());
                match parse_list_line(&joined, now_unix) {
                    Ok(found) => {
                        lines.next();
                        Ok(found)
                    }
                    Err(_) => Err(err),
                }
            }
            other => other,
        };
        match parsed {
            Ok(Some(entry)) => listing.entries.push(entry),
            Ok(None) => {}
            Err(err) => listing.unparsed.push(err),
        }
    }
    listing
}

/// What one format's parser makes of a line: `None` when the line does not have the format's
/// shape at all, `Some(Err)` when it has the shape but something in it is wrong (a bad date, a
/// size out of range), `Some(Ok(None))` for lines that carry no entry (headers, "." and "..").
type Attempt = Option<Result<Option<Entry>, String>>;

/// The LIST formats, most common first. The first that reads a line wins.
const LIST_FORMATS: [fn(&str, i64) -> Attempt; 15] = [
    unix::parse_unix,
    dos::parse_dos,
    eplf::parse_eplf,
    netware::parse_netware,
    unix::parse_numeric_mode,
    vms::parse_vms,
    ibm::parse_os2,
    ibm::parse_mvs,
    ibm::parse_mvs_member,
    ibm::parse_as400,
    rare::parse_vshell,
    rare::parse_vxworks,
    rare::parse_os9,
    rare::parse_hp_nonstop,
    rare::parse_nortel,
];

/// Parses one LIST line in whichever format it is written: Unix `ls -l` (numeric or named
/// owners, with or without group, symlinks `name -> target`, devices -> Other, localised and
/// ISO dates), DOS/IIS, EPLF, NetWare, VMS, OS/2, MVS, AS/400 and a few rarer ones.
/// "total 123" lines, empty lines and "." / ".." return Ok(None). A line no format reads is
/// Err(ListingError) naming the line — never silently dropped.
/// Yearless Unix dates ("Jan  1 12:00") take the year that puts them at most a day after
/// `now_unix`. Times are read as UTC; mtime_exact is false (minute resolution, no zone).
/// Unix names keep internal, leading and trailing spaces exactly: the name starts after the
/// date column and exactly one space.
pub fn parse_list_line(line: &str, now_unix: i64) -> Result<Option<Entry>, ListingError> {
    let text = strip_eol(line);
    if text.trim().is_empty() || is_total_line(text) {
        return Ok(None);
    }
    let mut first_reason = None;
    for parse in LIST_FORMATS {
        match parse(text, now_unix) {
            Some(Ok(found)) => {
                return Ok(found.map(|mut entry| {
                    entry.raw = line.to_string();
                    entry
                }));
            }
            Some(Err(reason)) => {
                first_reason.get_or_insert(reason);
            }
            None => {}
        }
    }
    let reason = first_reason.unwrap_or_else(|| "not a listing line of any known format".into());
    Err(ListingError::new(line, reason))
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

/// An entry as a LIST line gives it (times without zone, so not exact), or `None` for "." and
/// "..", which every caller skips.
fn listed(
    name: &str,
    kind: EntryKind,
    size: u64,
    mtime: Option<i64>,
) -> Result<Option<Entry>, String> {
    if name.is_empty() {
        return Err("empty name".into());
    }
    if name == "." || name == ".." {
        return Ok(None);
    }
    Ok(Some(Entry {
        name: name.to_string(),
        kind,
        size,
        mtime,
        mtime_exact: false,
        link_target: None,
        mode: None,
        raw: String::new(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2023-11-10 00:00:00 UTC, a fixed "now" so year inference is deterministic.
    pub(super) const NOW: i64 = 1_699_574_400;

    /// Asserts that LIST `line` reads as one entry with these name, kind, size and mtime;
    /// returns it for further checks. The one row check of every format's table test.
    pub(super) fn assert_reads(
        line: &str,
        name: &str,
        kind: EntryKind,
        size: u64,
        mtime: Option<i64>,
    ) -> Entry {
        let e = parse_list_line(line, NOW)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("{line:?} read as no entry"));
        assert_eq!(
            (e.name.as_str(), e.kind, e.size, e.mtime),
            (name, kind, size, mtime),
            "{line}"
        );
        e
    }

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
            mode: None,
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
            "unparseable listing line \"bad\\u{1b}[2J\": not a listing line of any known format"
        );
        let _: &dyn std::error::Error = &err;
    }
}
