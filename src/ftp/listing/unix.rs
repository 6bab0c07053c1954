//! Unix `ls -l` LIST lines: permissions, links, owner, group, size, date, name.
//!
//! The name is everything after the time/year column and exactly one space, so leading spaces
//! in names survive on servers that use a single separator (vsftpd, proftpd, pure-ftpd,
//! libunftp, GNU ls). A server that pads with more spaces produces names with a leading space;
//! we prefer that over silently mangling real names.

use super::time::{
    TimeOrYear, date_time, month_from_abbr, parse_day, parse_time_or_year, recent_unix_time,
};
use super::{Entry, EntryKind, all_digits, tokens};

fn unix_kind(type_char: char) -> Option<EntryKind> {
    match type_char {
        '-' => Some(EntryKind::File),
        'd' => Some(EntryKind::Dir),
        'l' => Some(EntryKind::Link),
        // Character/block devices, FIFOs, sockets and Solaris doors.
        'c' | 'b' | 'p' | 's' | 'D' => Some(EntryKind::Other),
        _ => None,
    }
}

fn is_unix_perms(tok: &str) -> bool {
    let bytes = tok.as_bytes();
    if !(10..=11).contains(&bytes.len()) {
        return false;
    }
    // An 11th character marks ACLs or extended attributes ('+', '@', '.').
    if bytes.len() == 11 && !matches!(bytes[10], b'+' | b'@' | b'.') {
        return false;
    }
    bytes[1..10].iter().all(|b| b"rwxsStTlL-".contains(b))
}

pub(super) fn parse_unix(text: &str, now_unix: i64) -> Result<Option<Entry>, String> {
    let toks = tokens(text);
    let tok = |i: usize| &text[toks[i].0..toks[i].1];

    let perms = tok(0);
    let kind = perms
        .chars()
        .next()
        .and_then(unix_kind)
        .filter(|_| is_unix_perms(perms))
        .ok_or("not a Unix or DOS listing line")?;
    let is_device = perms.starts_with(['c', 'b']);

    // The date is found by shape rather than by column number because servers disagree on the
    // owner/group columns (numeric, missing group, "major, minor" for devices). Scanning from
    // the left means a date-like string inside the name can never win.
    let date_at = (3..toks.len().saturating_sub(2)).find(|&i| {
        let size_ok = all_digits(tok(i - 1))
            || (is_device && tok(i - 1).bytes().all(|b| b.is_ascii_digit() || b == b','));
        size_ok
            && month_from_abbr(tok(i)).is_some()
            && parse_day(tok(i + 1)).is_some()
            && parse_time_or_year(tok(i + 2)).is_some()
    });
    let Some(i) = date_at else {
        return Err("truncated or unrecognised Unix listing line (no size and date)".into());
    };

    let size = if is_device {
        0
    } else {
        tok(i - 1)
            .parse::<u64>()
            .map_err(|_| format!("size {:?} out of range", tok(i - 1)))?
    };
    let month = month_from_abbr(tok(i)).unwrap_or(1);
    let day = parse_day(tok(i + 1)).unwrap_or(1);
    let mtime = match parse_time_or_year(tok(i + 2)) {
        Some(TimeOrYear::Year(year)) => date_time(year, month, day, 0, 0)
            .ok_or_else(|| format!("invalid date {year}-{month}-{day}"))?,
        Some(TimeOrYear::Time(h, m)) => recent_unix_time(month, day, h, m, now_unix)
            .ok_or_else(|| format!("invalid date {month}-{day}"))?,
        None => return Err("bad time or year column".into()),
    };

    // Exactly one separator space: anything beyond it belongs to the name.
    let after_date = toks[i + 2].1;
    let rest = &text[after_date..];
    let name_part = rest
        .strip_prefix([' ', '\t'])
        .filter(|n| !n.is_empty())
        .ok_or("no name after the date")?;

    let (name, link_target) = match kind {
        EntryKind::Link => match name_part.split_once(" -> ") {
            Some((n, t)) => (n, Some(t.to_string())),
            None => (name_part, None),
        },
        _ => (name_part, None),
    };
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
        mtime: Some(mtime),
        mtime_exact: false,
        link_target,
        raw: String::new(),
    }))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{NOW, entry};
    use super::super::{parse_ftp_time, parse_list_line};
    use super::*;

    type UnixCase<'a> = (&'a str, &'a str, EntryKind, u64, i64, Option<&'a str>);

    #[test]
    fn list_unix_lines() {
        use EntryKind::*;
        let nov4 = 1_699_099_200; // 2023-11-04 12:00
        let mar3_2021 = 1_614_729_600; // 2021-03-03 00:00
        #[rustfmt::skip]
        let cases: &[UnixCase] = &[
            // vsftpd (numeric ids, zero-padded day)
            ("-rw-r--r--    1 1000     1000           12 Nov 04 12:00 a b.txt", "a b.txt", File, 12, nov4, None),
            ("drwxr-xr-x    2 1000     1000         4096 Nov 04 12:00 sub", "sub", Dir, 4096, nov4, None),
            // pure-ftpd
            ("-rw-r--r--    1 1000       1000             12 Nov  4 12:00 a.txt", "a.txt", File, 12, nov4, None),
            ("drwxr-xr-x    2 ftp        ftp            4096 Mar  3  2021 old dir", "old dir", Dir, 4096, mar3_2021, None),
            // proftpd
            ("-rw-r--r--   1 ftp      ftp            12 Nov  4 12:00 b c.txt", "b c.txt", File, 12, nov4, None),
            ("-rw-r--r-- 1 0 0 12 Mar 3 2021 name with spaces", "name with spaces", File, 12, mar3_2021, None),
            // libunftp: every column right-aligned, one space before the name
            ("-rw-r--r--            1         1000         1000             12 Nov 04 12:00 a b.txt", "a b.txt", File, 12, nov4, None),
            ("-rw-r--r--            1         1000         1000             12  Mar 03 2021 y.txt", "y.txt", File, 12, mar3_2021, None),
            // missing group column
            ("-rw-r--r--   1 user      12 Nov  4 12:00 nogroup", "nogroup", File, 12, nov4, None),
            // ACL marker after the permissions
            ("-rw-r--r--+  1 u g 5 Nov  4 12:00 acl", "acl", File, 5, nov4, None),
            // internal runs of spaces, trailing spaces and leading spaces are all kept
            ("-rw-r--r-- 1 u g 1 Nov  4 12:00 a  b  ", "a  b  ", File, 1, nov4, None),
            ("-rw-r--r-- 1 u g 1 Nov  4 12:00   lead", "  lead", File, 1, nov4, None),
            // date-like text inside the name is not mistaken for the date
            ("-rw-r--r-- 1 u g 1 Nov  4 12:00 Jan 1 2020 notes", "Jan 1 2020 notes", File, 1, nov4, None),
            ("-rw-r--r-- 1 u g 9 Nov  4 12:00 é 文件.txt", "é 文件.txt", File, 9, nov4, None),
            ("-rw-r--r-- 1 u g 9 Nov  4 12:00 x -> y", "x -> y", File, 9, nov4, None),
            // symlinks
            ("lrwxrwxrwx    1 0        0              11 Nov 04 12:00 latest -> releases/1.2", "latest", Link, 11, nov4, Some("releases/1.2")),
            ("lrwxrwxrwx    1 0        0              11 Nov 04 12:00 a b -> c d", "a b", Link, 11, nov4, Some("c d")),
            ("lrwxrwxrwx    1 0        0              11 Nov 04 12:00 dangling", "dangling", Link, 11, nov4, None),
            // devices and other special files
            ("crw-rw-rw-    1 0        0          1,   3 Nov 04 12:00 null", "null", Other, 0, nov4, None),
            ("brw-rw----    1 0        6          8,0 Nov 04 12:00 sda", "sda", Other, 0, nov4, None),
            ("prw-r--r--    1 0        0               0 Nov 04 12:00 fifo", "fifo", Other, 0, nov4, None),
            ("srwxrwxrwx    1 0        0               0 Nov 04 12:00 sock", "sock", Other, 0, nov4, None),
        ];
        for &(line, name, kind, size, mtime, target) in cases {
            let want = entry(name, kind, size, Some(mtime), false, target, line);
            assert_eq!(parse_list_line(line, NOW), Ok(Some(want)), "{line}");
        }
    }

    #[test]
    fn list_unix_year_inference() {
        // NOW is 2023-11-10 00:00 UTC.
        let cases = [
            ("Nov 04 12:00", 1_699_099_200), // earlier this year
            ("Dec 25 10:00", 1_671_962_400), // would be next month: previous year
            ("Nov 10 12:00", 1_699_617_600), // later today: within the day of slack
            ("Nov 11 01:00", 1_668_128_400), // 25h ahead: previous year
        ];
        for (date, want) in cases {
            let line = format!("-rw-r--r-- 1 u g 1 {date} f");
            let e = parse_list_line(&line, NOW).unwrap().unwrap();
            assert_eq!(e.mtime, Some(want), "{date}");
            assert!(!e.mtime_exact);
        }
        // Feb 29 without a year can only mean the last leap year.
        let mar_2025 = parse_ftp_time("20250301000000").unwrap();
        let e = parse_list_line("-rw-r--r-- 1 u g 1 Feb 29 10:00 leap", mar_2025)
            .unwrap()
            .unwrap();
        assert_eq!(e.mtime, Some(1_709_200_800)); // 2024-02-29 10:00
    }
}
