//! Unix `ls -l` LIST lines and their cousins: permissions, links, owner, group, size, date,
//! name; also NetPresenz (Mac), numeric-mode (`0100644 uid gid size epoch name`) and vendor
//! modes (`-C--E-----FTP`).
//!
//! The date is found by its shape rather than by column number, because servers disagree on
//! the columns before it (numeric owners, no group, "major, minor" for devices, a link count
//! glued to the mode, sizes like `33.5k`). The name is everything after the date and exactly
//! one space, so leading spaces in names survive on servers that use a single separator
//! (vsftpd, proftpd, pure-ftpd, libunftp, GNU ls). A server that pads with more spaces
//! produces names with a leading space; we prefer that over silently mangling real names.

use super::date::{clock, month_name, unix_date};
use super::words::{Words, all_digits};
use super::{Attempt, Entry, EntryKind, listed};

fn unix_kind(type_char: char) -> Option<EntryKind> {
    match type_char {
        // 'f' is how some embedded servers mark a plain file.
        '-' | 'f' => Some(EntryKind::File),
        'd' => Some(EntryKind::Dir),
        'l' => Some(EntryKind::Link),
        // Character/block devices, FIFOs, sockets and Solaris doors.
        'c' | 'b' | 'p' | 's' | 'D' => Some(EntryKind::Other),
        _ => None,
    }
}

/// The kind a mode word such as "drwxr-xr-x" gives. Accepted: the usual ten characters, one
/// short ("drw-r--rw"), followed by an ACL/xattr mark or a link count glued on
/// ("drwxr-x---+1464"), or vendor letters ("-C--E-----FTP").
fn mode_kind(word: &str) -> Option<EntryKind> {
    let mut chars = word.chars();
    let kind = unix_kind(chars.next()?)?;
    let rest = chars.as_str();
    let bits = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphabetic() || *b == b'-')
        .count();
    let tail_ok = rest[bits..]
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'@' | b'.'));
    (bits >= 8 && tail_ok).then_some(kind)
}

/// The permission bits of a mode word ("-rwxr-x---", "drwxrwsr-t+"), when its nine characters
/// after the type are the usual `rwx` triplets (`s`/`S` setuid and setgid, `t`/`T` sticky),
/// followed by nothing or an ACL/xattr mark or a glued link count. A vendor word
/// ("-C--E-----FTP") or a short one ("drw-r--rw") gives no mode: a guess would be sent back
/// by a mirror as a chmod.
fn mode_bits(word: &str) -> Option<u32> {
    let bits = word.get(1..10)?.as_bytes();
    let tail = &word[10..];
    if !tail
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'@' | b'.'))
    {
        return None;
    }
    let mut mode = 0;
    for (who, triplet) in bits.chunks(3).enumerate() {
        let shift = 6 - 3 * who as u32;
        // The special bit each triplet's last column carries: setuid, setgid, sticky.
        let special = 0o4000 >> who;
        let (special_exec, special_only) = if who == 2 { (b't', b'T') } else { (b's', b'S') };
        match triplet[0] {
            b'r' => mode |= 0o4 << shift,
            b'-' => {}
            _ => return None,
        }
        match triplet[1] {
            b'w' => mode |= 0o2 << shift,
            b'-' => {}
            _ => return None,
        }
        match triplet[2] {
            b'x' => mode |= 0o1 << shift,
            b'-' => {}
            c if c == special_exec => mode |= special | (0o1 << shift),
            c if c == special_only => mode |= special,
            _ => return None,
        }
    }
    Some(mode)
}

/// A size column: digits, "33.5k"-style sizes, "1, 3" (device numbers, size 0), and on the
/// second pass a size glued to a long group name ("longgroup123456").
fn size_word(word: &str, is_device: bool, glued: bool) -> Option<Result<u64, String>> {
    let out_of_range = || format!("size {word:?} out of range");
    // A device lists "major, minor" where the size would be; it has no size.
    if is_device && !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit() || b == b',') {
        return Some(Ok(0));
    }
    if all_digits(word) {
        return Some(word.parse().map_err(|_| out_of_range()));
    }
    if let Some(size) = human_size(word) {
        return Some(Ok(size));
    }
    let digits = word.bytes().rev().take_while(u8::is_ascii_digit).count();
    let prefix = &word[..word.len() - digits];
    if glued && digits > 0 && prefix.bytes().all(|b| b.is_ascii_alphabetic()) && !prefix.is_empty()
    {
        return Some(word[prefix.len()..].parse().map_err(|_| out_of_range()));
    }
    None
}

/// "33.5k", "2M", "1.2G": binary multiples, as `ls -h` writes them.
fn human_size(word: &str) -> Option<u64> {
    let unit = word.chars().last()?;
    let power = match unit.to_ascii_lowercase() {
        'k' => 1,
        'm' => 2,
        'g' => 3,
        't' => 4,
        _ => return None,
    };
    let number = &word[..word.len() - 1];
    let (whole, fraction) = number.split_once('.').unwrap_or((number, "0"));
    if !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let value: f64 = format!("{whole}.{fraction}").parse().ok()?;
    let bytes = value * 1024f64.powi(power);
    (bytes < u64::MAX as f64).then(|| bytes.round() as u64)
}

pub(super) fn parse_unix(text: &str, now_unix: i64) -> Attempt {
    let w = Words::new(text);
    let kind = mode_kind(w.get(0))?;
    let is_device = w.get(0).starts_with(['c', 'b']);

    // First anything with a clear date; only then the all-numeric "3 29 03:26" dates and sizes
    // glued to the group, which would otherwise match owner and group columns. Where the
    // date usually is comes first (after owner and group, or owner alone, or device
    // numbers): an owner named "jan" with group 20 must not make "jan 20 2048" a date.
    let usual = [5, 4, 6, 3];
    let columns = usual
        .into_iter()
        .chain((2..w.len()).filter(|i| !usual.contains(i)))
        .filter(|&i| i < w.len());
    for lenient in [false, true] {
        for i in columns.clone() {
            let Some(size) = size_word(w.get(i - 1), is_device, lenient) else {
                continue;
            };
            let Some((date, spans)) = unix_date(&w, i, lenient) else {
                continue;
            };
            let last = i + spans - 1;
            // A date without a clock leaves the clock column blank: padding, not name.
            let name = if spans == 1 {
                w.name_after_padding(last)
            } else {
                w.name_after_one_space(last)
            };
            let Some(name) = name else { continue };
            let parsed = finish(kind, name, size, date.resolve(now_unix).map(Some));
            return Some(with_mode(parsed, mode_bits(w.get(0))));
        }
    }
    // Some servers leave out the date entirely: "drwxr-xr-x 3 user group 512 name".
    if w.len() >= 6 && all_digits(w.get(1)) && all_digits(w.get(4)) && !has_date_parts(&w, 5) {
        let name = w.name_after_one_space(4)?;
        let size = size_word(w.get(4), is_device, false)?;
        return Some(with_mode(
            finish(kind, name, size, Ok(None)),
            mode_bits(w.get(0)),
        ));
    }
    Some(Err(
        "truncated or unrecognised Unix listing line (no size and date)".into(),
    ))
}

/// Whether words from `from` on hold a clock or a month name: a date we could not read, which
/// must not be taken for part of a name.
fn has_date_parts(w: &Words, from: usize) -> bool {
    (from..w.len()).any(|i| clock(w.get(i)).is_some() || month_name(w.get(i)).is_some())
}

fn with_mode(
    parsed: Result<Option<Entry>, String>,
    mode: Option<u32>,
) -> Result<Option<Entry>, String> {
    parsed.map(|entry| entry.map(|e| Entry { mode, ..e }))
}

fn finish(
    kind: EntryKind,
    name_part: &str,
    size: Result<u64, String>,
    mtime: Result<Option<i64>, String>,
) -> Result<Option<Entry>, String> {
    let (size, mtime) = (size?, mtime?);
    let (name, link_target) = match kind {
        EntryKind::Link => match name_part.split_once(" -> ") {
            Some((n, t)) => (n, Some(t.to_string())),
            None => (name_part, None),
        },
        _ => (name_part, None),
    };
    let entry = listed(name, kind, size, mtime)?;
    Ok(entry.map(|e| Entry { link_target, ..e }))
}

/// "0100644   500  101   12345    123456789       name": the mode in octal, uid, gid, size,
/// mtime in Unix seconds (some embedded servers list so).
pub(super) fn parse_numeric_mode(text: &str, _now_unix: i64) -> Attempt {
    let w = Words::new(text);
    let mode = w.get(0);
    if !(5..=7).contains(&mode.len()) || !mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    if !(1..=4).all(|i| all_digits(w.get(i))) {
        return None;
    }
    let mode = u32::from_str_radix(mode, 8).ok()?;
    let kind = match mode >> 12 {
        0o10 => EntryKind::File,
        0o04 => EntryKind::Dir,
        0o12 => EntryKind::Link,
        _ => EntryKind::Other,
    };
    let name = w.name_after_padding(4)?;
    let parsed = (|| {
        let size = w
            .get(3)
            .parse()
            .map_err(|_| format!("size {:?} out of range", w.get(3)))?;
        let mtime: i64 = w.get(4).parse().map_err(|_| "bad time".to_string())?;
        let entry = listed(name, kind, size, Some(mtime))?;
        // Unix seconds have a zone (UTC) and second resolution.
        Ok(entry.map(|e| Entry {
            mtime_exact: true,
            mode: Some(mode & 0o7777),
            ..e
        }))
    })();
    Some(parsed)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{NOW, assert_reads, entry};
    use super::super::{parse_ftp_time, parse_list_line};
    use super::*;

    /// (line, name, kind, size, mtime, link target, mode)
    type UnixCase<'a> = (
        &'a str,
        &'a str,
        EntryKind,
        u64,
        i64,
        Option<&'a str>,
        Option<u32>,
    );

    #[test]
    fn list_unix_lines() {
        use EntryKind::*;
        let nov4 = 1_699_099_200; // 2023-11-04 12:00
        let mar3_2021 = 1_614_729_600; // 2021-03-03 00:00
        #[rustfmt::skip]
        let cases: &[UnixCase] = &[
            // vsftpd (numeric ids, zero-padded day)
            ("-rw-r--r--    1 1000     1000           12 Nov 04 12:00 a b.txt", "a b.txt", File, 12, nov4, None, Some(0o644)),
            ("drwxr-xr-x    2 1000     1000         4096 Nov 04 12:00 sub", "sub", Dir, 4096, nov4, None, Some(0o755)),
            // pure-ftpd
            ("-rw-r--r--    1 1000       1000             12 Nov  4 12:00 a.txt", "a.txt", File, 12, nov4, None, Some(0o644)),
            ("drwxr-xr-x    2 ftp        ftp            4096 Mar  3  2021 old dir", "old dir", Dir, 4096, mar3_2021, None, Some(0o755)),
            // proftpd
            ("-rw-r--r--   1 ftp      ftp            12 Nov  4 12:00 b c.txt", "b c.txt", File, 12, nov4, None, Some(0o644)),
            ("-rw-r--r-- 1 0 0 12 Mar 3 2021 name with spaces", "name with spaces", File, 12, mar3_2021, None, Some(0o644)),
            // libunftp: every column right-aligned, one space before the name
            ("-rw-r--r--            1         1000         1000             12 Nov 04 12:00 a b.txt", "a b.txt", File, 12, nov4, None, Some(0o644)),
            ("-rw-r--r--            1         1000         1000             12  Mar 03 2021 y.txt", "y.txt", File, 12, mar3_2021, None, Some(0o644)),
            // missing group column
            ("-rw-r--r--   1 user      12 Nov  4 12:00 nogroup", "nogroup", File, 12, nov4, None, Some(0o644)),
            // ACL marker after the permissions
            ("-rw-r--r--+  1 u g 5 Nov  4 12:00 acl", "acl", File, 5, nov4, None, Some(0o644)),
            // internal runs of spaces, trailing spaces and leading spaces are all kept
            ("-rw-r--r-- 1 u g 1 Nov  4 12:00 a  b  ", "a  b  ", File, 1, nov4, None, Some(0o644)),
            ("-rw-r--r-- 1 u g 1 Nov  4 12:00   lead", "  lead", File, 1, nov4, None, Some(0o644)),
            // date-like text inside the name is not mistaken for the date
            ("-rw-r--r-- 1 u g 1 Nov  4 12:00 Jan 1 2020 notes", "Jan 1 2020 notes", File, 1, nov4, None, Some(0o644)),
            ("-rw-r--r-- 1 u g 9 Nov  4 12:00 é 文件.txt", "é 文件.txt", File, 9, nov4, None, Some(0o644)),
            ("-rw-r--r-- 1 u g 9 Nov  4 12:00 x -> y", "x -> y", File, 9, nov4, None, Some(0o644)),
            // symlinks
            ("lrwxrwxrwx    1 0        0              11 Nov 04 12:00 latest -> releases/1.2", "latest", Link, 11, nov4, Some("releases/1.2"), Some(0o777)),
            ("lrwxrwxrwx    1 0        0              11 Nov 04 12:00 a b -> c d", "a b", Link, 11, nov4, Some("c d"), Some(0o777)),
            ("lrwxrwxrwx    1 0        0              11 Nov 04 12:00 dangling", "dangling", Link, 11, nov4, None, Some(0o777)),
            // devices and other special files
            ("crw-rw-rw-    1 0        0          1,   3 Nov 04 12:00 null", "null", Other, 0, nov4, None, Some(0o666)),
            ("brw-rw----    1 0        6          8,0 Nov 04 12:00 sda", "sda", Other, 0, nov4, None, Some(0o660)),
            ("prw-r--r--    1 0        0               0 Nov 04 12:00 fifo", "fifo", Other, 0, nov4, None, Some(0o644)),
            ("srwxrwxrwx    1 0        0               0 Nov 04 12:00 sock", "sock", Other, 0, nov4, None, Some(0o777)),
        ];
        for &(line, name, kind, size, mtime, target, mode) in cases {
            let want = Entry {
                mode,
                ..entry(name, kind, size, Some(mtime), false, target, line)
            };
            assert_eq!(parse_list_line(line, NOW), Ok(Some(want)), "{line}");
        }
    }

    /// Dates in other locales and layouts, odd size columns and modes: lines as servers in the
    /// wild write them (own data).
    #[test]
    fn list_unix_variants() {
        use EntryKind::*;
        let nov4 = Some(1_699_099_200); // 2023-11-04 12:00
        let mar3 = Some(1_614_729_600); // 2021-03-03 00:00
        #[rustfmt::skip]
        let cases: &[(&str, &str, EntryKind, u64, Option<i64>)] = &[
            // ISO dates (GNU ls --time-style=long-iso, non-C locales)
            ("-rw-r--r-- 1 bob staff 2048 2023-11-04 12:00 iso name.txt", "iso name.txt", File, 2048, nov4),
            ("lrwxrwxrwx 1 bob staff 9 2023-11-04 12:00 cur -> v2/cur", "cur", Link, 9, nov4),
            // localised month names and orders
            ("-rw-r--r-- 1 bob staff 10 4. Nov., 12:00 notiz.txt", "notiz.txt", File, 10, nov4),
            ("drwxr-xr-x 2 bob staff 4096 3.  Mär.  2021 Ordner", "Ordner", Dir, 4096, mar3),
            ("-rw-r--r-- 1 bob staff 10 márc 3 2021 fájl", "fájl", File, 10, mar3),
            ("-rw-r--r-- 1 bob staff 10 févr. 14 2022 doc", "doc", File, 10, Some(1_644_796_800)),
            ("-rw-r--r-- 1 bob staff 10 11月 4日 12:00 メモ.txt", "メモ.txt", File, 10, nov4),
            ("-rw-r--r-- 1 bob staff 10 3月 3日 2021年 古い.txt", "古い.txt", File, 10, mar3),
            ("-rw-r--r-- 1 bob staff 10 3月 3 2021 古い 2.txt", "古い 2.txt", File, 10, mar3),
            ("drwxr-xr-x 2 bob staff 4096 2021년 3월 3일 폴더", "폴더", Dir, 4096, mar3),
            // the same in a legacy charset, decoded with replacement characters
            ("-rw-r--r-- 1 bob staff 10 11\u{fffd}\u{fffd} 4\u{fffd}\u{fffd} 12:00 x", "x", File, 10, nov4),
            ("-rw-r--r-- 1 bob staff 10 2021 3\u{fffd}\u{fffd} 3 y", "y", File, 10, mar3),
            // numeric and compact dates
            ("-rw-r--r-- 1 bob staff 531 11 4 12:00 numeric", "numeric", File, 531, nov4),
            ("-rw-r--r-- 1 bob staff 531 11-04 2021 mmdd", "mmdd", File, 531, Some(1_635_984_000)),
            ("-rw-r--r-- 1 bob staff 531 2021/03/03 09:30 slashed", "slashed", File, 531, Some(1_614_763_800)),
            ("-rw-r--r-- 1 bob staff 531 03-03-2021 09:30 us", "us", File, 531, Some(1_614_763_800)),
            ("-rw-r--r-- 1 bob staff 531 2021.03.03   dotted name", "dotted name", File, 531, mar3),
            ("-rw-r--r-- 1 bob staff 531 03-mar-21 dash", "dash", File, 531, mar3),
            ("drwxr-xr-x 2 bob staff 512 04 Nov 12:00 2023 report", "2023 report", Dir, 512, nov4),
            ("-rw-r--r-- 1 bob staff 9 Nov 04, 2023 12:00 vshell", "vshell", File, 9, nov4),
            ("-rw-r--r-- 1 bob staff 3 Nov  3 24:00 midnight", "midnight", File, 3, Some(1_699_056_000)),
            // size columns: human-readable, glued to a long group name
            ("-rw-r--r-- 1 bob staff 12.5k Nov  4 12:00 human", "human", File, 12_800, nov4),
            ("-rw-r--r-- 1 bob staff 2M Nov  4 12:00 human2", "human2", File, 2_097_152, nov4),
            ("-r--r--r-- 1 verylongowner verylonggroup4096 Nov  4 12:00 glued", "glued", File, 4096, nov4),
            // modes: link count glued on, 'f' for a file, one character short, vendor letters
            ("drwxr-xr-x+123 bob staff 512 Nov  4 12:00 glued links", "glued links", Dir, 512, nov4),
            ("frw-r--r-- 1 bob staff 7 Nov  4 12:00 f-type", "f-type", File, 7, nov4),
            ("drwxr-xr- 2 bob staff 512 Nov  4 12:00 short mode", "short mode", Dir, 512, nov4),
            ("-A--E-----XYZ B OWNR 1234 5678 Nov  4 12:00 vendor", "vendor", File, 5678, nov4),
            // owners and groups that look like dates
            ("-rw-r--r-- 1 jan 20 2048 Nov  4 12:00 x", "x", File, 2048, nov4),
            ("-rw-r--r-- 1 may 2048 Nov  4 12:00 y", "y", File, 2048, nov4),
            ("-rw-r--r-- 1 2021-01-01 staff 7 Nov  4 12:00 z", "z", File, 7, nov4),
            // NetPresenz (Mac): resource and data fork sizes, then the total; "folder"
            ("-rw-r--r--    100   200   300 Nov  4 12:00 mac file", "mac file", File, 300, nov4),
            ("drwxr-xr-x      folder    3 Nov  4 12:00 mac folder", "mac folder", Dir, 3, nov4),
            // no date at all
            ("drwxr-xr-x 3 bob staff 512 no date here", "no date here", Dir, 512, None),
            // numeric mode, uid, gid, size, Unix time
            ("0100644 1000 1000 12 1699099200 numeric mode", "numeric mode", File, 12, nov4),
            ("040755 0 0 4096 1699099200   dir mode", "dir mode", Dir, 4096, nov4),
        ];
        for &(line, name, kind, size, mtime) in cases {
            assert_reads(line, name, kind, size, mtime);
        }
        for line in [
            "-rw-r--r-- 1 bob staff 12 11 4 12:00",
            "drwxr-xr-x 3 bob staff 512 Nov 32 x",
            "drwxr-xr-x 3 bob staff 512 x 12:00 y",
            "-rw-r--r-- 1 bob staff 12.5.1k Nov  4 12:00 x",
            "-rw-r--r-- 1 bob staff 12 2023-02-30 12:00 x",
        ] {
            assert!(parse_list_line(line, NOW).is_err(), "{line}");
        }
    }

    /// The mode column of a Unix line: special bits, ACL marks, glued link counts; forms
    /// that are not the usual nine characters give no mode (never a guess).
    #[test]
    fn list_unix_modes() {
        #[rustfmt::skip]
        let cases: &[(&str, Option<u32>)] = &[
            ("-rwxr-xr-x 1 u g 1 Nov  4 12:00 deploy.sh", Some(0o755)),
            ("-rw------- 1 u g 1 Nov  4 12:00 secrets.php", Some(0o600)),
            ("---------- 1 u g 1 Nov  4 12:00 locked", Some(0)),
            ("-rwsr-xr-x 1 u g 1 Nov  4 12:00 setuid", Some(0o4755)),
            ("-rwSr--r-- 1 u g 1 Nov  4 12:00 setuid no x", Some(0o4644)),
            ("drwxrwsr-x 2 u g 1 Nov  4 12:00 setgid dir", Some(0o2775)),
            ("drwxrwxrwt 2 u g 1 Nov  4 12:00 tmp", Some(0o1777)),
            ("drwxrwxrwT 2 u g 1 Nov  4 12:00 sticky no x", Some(0o1776)),
            ("-rw-r--r--@ 1 u g 1 Nov  4 12:00 xattr", Some(0o644)),
            ("drwxr-x---+1464 u g 1 Nov  4 12:00 glued", Some(0o750)),
            ("-rw-r--r--. 1 u g 1 Nov  4 12:00 selinux", Some(0o644)),
            ("frw-r--r-- 1 u g 1 Nov  4 12:00 f-type", Some(0o644)),
            ("drwxr-xr-x 3 bob staff 512 no date here", Some(0o755)),
            ("0100640 1000 1000 12 1699099200 numeric", Some(0o640)),
            ("0104755 1000 1000 12 1699099200 numeric setuid", Some(0o4755)),
            // not the nine usual characters: no mode
            ("drwxr-xr- 2 u g 1 Nov  4 12:00 short", None),
            ("-A--E-----XYZ B OWNR 1234 5678 Nov  4 12:00 vendor", None),
            ("-rwxr-xr-q 1 u g 1 Nov  4 12:00 odd letter", None),
            ("-rwsr-xr-s 1 u g 1 Nov  4 12:00 s in others", None),
            ("-rwxr-xr-xx 1 u g 1 Nov  4 12:00 ten", None),
        ];
        for &(line, mode) in cases {
            let e = parse_list_line(line, NOW).unwrap().unwrap();
            assert_eq!(e.mode, mode, "{line}");
        }
        // Formats without a mode column give none.
        let dos = parse_list_line("01-02-24  03:04PM       <DIR>          d", NOW);
        assert_eq!(dos.unwrap().unwrap().mode, None);
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
