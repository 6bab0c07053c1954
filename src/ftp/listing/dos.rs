//! DOS/IIS LIST lines: `MM-DD-YY  HH:MMAM  <DIR>|size  name`.
//!
//! After a size the name starts after exactly one space (as IIS writes it), but the padding
//! after `<DIR>` is skipped entirely, so leading spaces of DOS directory names are lost.

use super::time::{date_time, parse_hh_mm};
use super::{Entry, EntryKind, all_digits, tokens};

pub(super) fn parse_dos(text: &str) -> Result<Option<Entry>, String> {
    const NOT_LISTING: &str = "not a Unix or DOS listing line";
    let toks = tokens(text);
    if toks.len() < 4 {
        return Err(NOT_LISTING.into());
    }
    let tok = |i: usize| &text[toks[i].0..toks[i].1];

    let (year, month, day) = parse_dos_date(tok(0)).ok_or(NOT_LISTING)?;
    if date_time(year, month, day, 0, 0).is_none() {
        return Err(format!("invalid date {:?}", tok(0)));
    }

    // The AM/PM marker is normally glued to the time ("03:04PM") but some servers separate it.
    let mut next = 2;
    let time = tok(1);
    let (clock, meridiem) = if let Some(t) = strip_suffix_ci(time, "AM") {
        (t, Some(false))
    } else if let Some(t) = strip_suffix_ci(time, "PM") {
        (t, Some(true))
    } else if tok(2).eq_ignore_ascii_case("AM") || tok(2).eq_ignore_ascii_case("PM") {
        next = 3;
        (time, Some(tok(2).eq_ignore_ascii_case("PM")))
    } else {
        (time, None)
    };
    let (hour, minute) = parse_hh_mm(clock).ok_or(NOT_LISTING)?;
    let hour = match meridiem {
        Some(pm) => {
            if !(1..=12).contains(&hour) {
                return Err(format!("bad 12-hour time {time:?}"));
            }
            hour % 12 + if pm { 12 } else { 0 }
        }
        None => hour,
    };
    if next + 1 >= toks.len() {
        return Err("no name after size".into());
    }

    let size_tok = tok(next);
    let (kind, size, name) = if size_tok.eq_ignore_ascii_case("<DIR>") {
        // IIS pads <DIR> to the size column width, so the padding says nothing about the name.
        (
            EntryKind::Dir,
            0,
            text[toks[next].1..].trim_start_matches([' ', '\t']),
        )
    } else if size_tok.bytes().all(|b| b.is_ascii_digit() || b == b',')
        && size_tok.bytes().any(|b| b.is_ascii_digit())
    {
        let size: u64 = size_tok
            .replace(',', "")
            .parse()
            .map_err(|_| format!("size {size_tok:?} out of range"))?;
        let name = text[toks[next].1..]
            .strip_prefix([' ', '\t'])
            .unwrap_or_default();
        (EntryKind::File, size, name)
    } else {
        return Err(NOT_LISTING.into());
    };
    if name.is_empty() {
        return Err("no name after size".into());
    }
    if name == "." || name == ".." {
        return Ok(None);
    }

    let mtime = date_time(year, month, day, hour, minute).ok_or("invalid date")?;
    Ok(Some(Entry {
        name: name.to_string(),
        kind,
        size,
        mtime: Some(mtime),
        mtime_exact: false,
        link_target: None,
        raw: String::new(),
    }))
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    (s.is_char_boundary(cut) && s[cut..].eq_ignore_ascii_case(suffix)).then(|| &s[..cut])
}

/// "MM-DD-YY" or "MM-DD-YYYY" (US order, as IIS writes it); '/' is accepted as well.
fn parse_dos_date(s: &str) -> Option<(i64, u32, u32)> {
    let mut parts = s.split(['-', '/']);
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || m.len() != 2 || d.len() != 2 {
        return None;
    }
    if !(all_digits(m) && all_digits(d) && all_digits(y)) {
        return None;
    }
    let year: i64 = match y.len() {
        // The conventional pivot: two-digit years before 70 are 20xx.
        2 => {
            let yy: i64 = y.parse().ok()?;
            if yy < 70 { 2000 + yy } else { 1900 + yy }
        }
        4 => y.parse().ok()?,
        _ => return None,
    };
    Some((year, m.parse().ok()?, d.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::super::parse_list_line;
    use super::super::tests::{NOW, entry};
    use super::*;

    #[test]
    fn list_dos_lines() {
        use EntryKind::*;
        #[rustfmt::skip]
        let cases: &[(&str, &str, EntryKind, u64, i64)] = &[
            ("01-02-24  03:04PM       <DIR>          dir name", "dir name", Dir, 0, 1_704_207_840),
            ("01-02-2024  03:04PM             1234 file.txt", "file.txt", File, 1234, 1_704_207_840),
            ("01-02-24  12:04AM                    7 midnight.txt", "midnight.txt", File, 7, 1_704_153_840),
            ("01-02-24  12:30PM                    7 noon.txt", "noon.txt", File, 7, 1_704_198_600),
            ("01-02-2024  15:04                    7 h24.txt", "h24.txt", File, 7, 1_704_207_840),
            ("12-31-99  11:00PM                    1 y2k.txt", "y2k.txt", File, 1, 946_681_200),
            ("01-02-24  03:04 PM                   1 spaced.txt", "spaced.txt", File, 1, 1_704_207_840),
            ("01-02-24  03:04PM                    1 a  b  ", "a  b  ", File, 1, 1_704_207_840),
            ("01-02-24  03:04PM                    1  lead", " lead", File, 1, 1_704_207_840),
            ("02-29-24  12:00AM                    5 é 文件.txt", "é 文件.txt", File, 5, 1_709_164_800),
        ];
        for &(line, name, kind, size, mtime) in cases {
            let want = entry(name, kind, size, Some(mtime), false, None, line);
            assert_eq!(parse_list_line(line, NOW), Ok(Some(want)), "{line}");
        }
    }
}
