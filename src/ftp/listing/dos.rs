//! DOS/IIS LIST lines: `MM-DD-YY  HH:MMAM  <DIR>|size  name` (also 4-digit and ISO years,
//! 24-hour clocks), and the older name-first form `NAME.EXT  size|<DIR>  MM-DD-YY  HH:MM`.
//!
//! After a size the name starts after exactly one space (as IIS writes it), but the padding
//! after `<DIR>` is skipped entirely, so leading spaces of DOS directory names are lost.

use super::date::{ListedDate, clock, expand_year};
use super::words::{Words, all_digits};
use super::{Attempt, EntryKind, listed};

pub(super) fn parse_dos(text: &str, now_unix: i64) -> Attempt {
    let w = Words::new(text);
    match dos_date(w.get(0)) {
        Some(date) => Some(date_first(&w, date, now_unix)),
        None => name_first(&w, now_unix),
    }
}

fn date_first(
    w: &Words,
    (year, month, day): (i64, u32, u32),
    now_unix: i64,
) -> Result<Option<super::Entry>, String> {
    // The AM/PM marker is normally glued to the time ("03:04PM") but some servers separate it.
    let (clock_at, next) = if is_meridiem(w.get(2)) {
        (1, 3)
    } else {
        (1, 2)
    };
    let (hour, minute) = dos_clock(w.get(clock_at), w.get(2))?;
    let date = ListedDate::new(Some(year), month, day, Some((hour, minute, 0)));
    let (kind, size) = size_or_dir(w.get(next)).ok_or("no size or <DIR> after the time")??;
    let name = match kind {
        // IIS pads <DIR> to the size column width, so the padding says nothing about the name.
        EntryKind::Dir => w.name_after_padding(next),
        _ => w.name_after_one_space(next),
    };
    let name = name.ok_or("no name after size")?;
    listed(name, kind, size, Some(date.resolve(now_unix)?))
}

/// "DESIGN1.DOC   11264   05-11-95   14:20" and "CMT   <DIR>   11-21-94   10:17", as old DOS
/// servers write them: 8.3 names, which hold no spaces.
fn name_first(w: &Words, now_unix: i64) -> Attempt {
    if w.len() != 4 {
        return None;
    }
    let (kind, size) = size_or_dir(w.get(1))?.ok()?;
    let (year, month, day) = dos_date(w.get(2))?;
    let parsed = dos_clock(w.get(3), "").and_then(|(hour, minute)| {
        let date = ListedDate::new(Some(year), month, day, Some((hour, minute, 0)));
        listed(w.get(0), kind, size, Some(date.resolve(now_unix)?))
    });
    Some(parsed)
}

/// `<DIR>` or a size, with or without thousands separators ("9,730").
fn size_or_dir(word: &str) -> Option<Result<(EntryKind, u64), String>> {
    if word.eq_ignore_ascii_case("<DIR>") {
        return Some(Ok((EntryKind::Dir, 0)));
    }
    let digits = word.replace(',', "");
    if !all_digits(&digits) || word.starts_with(',') {
        return None;
    }
    Some(
        digits
            .parse()
            .map(|n| (EntryKind::File, n))
            .map_err(|_| format!("size {word:?} out of range")),
    )
}

fn is_meridiem(word: &str) -> bool {
    word.eq_ignore_ascii_case("AM") || word.eq_ignore_ascii_case("PM")
}

/// "03:04PM", "03:04" + "PM" as the next word, or a 24-hour "15:04".
fn dos_clock(word: &str, next: &str) -> Result<(u32, u32), String> {
    let (text, meridiem) = if let Some(t) = strip_suffix_ci(word, "AM") {
        (t, Some(false))
    } else if let Some(t) = strip_suffix_ci(word, "PM") {
        (t, Some(true))
    } else if is_meridiem(next) {
        (word, Some(next.eq_ignore_ascii_case("PM")))
    } else {
        (word, None)
    };
    let (hour, minute, _) = clock(text)
        .filter(|&(h, _, s)| h < 24 && s == 0)
        .ok_or_else(|| format!("bad time {word:?}"))?;
    let hour = match meridiem {
        Some(pm) => {
            if !(1..=12).contains(&hour) {
                return Err(format!("bad 12-hour time {word:?}"));
            }
            hour % 12 + if pm { 12 } else { 0 }
        }
        None => hour,
    };
    Ok((hour, minute))
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    (s.is_char_boundary(cut) && s[cut..].eq_ignore_ascii_case(suffix)).then(|| &s[..cut])
}

/// "MM-DD-YY" or "MM-DD-YYYY" (US order, as IIS writes it; '/' is accepted as well), or ISO
/// "YYYY-MM-DD". Only the shape is checked here; the calendar checks the values.
fn dos_date(s: &str) -> Option<(i64, u32, u32)> {
    let mut parts = s.split(['-', '/']);
    let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !(all_digits(a) && all_digits(b) && all_digits(c)) {
        return None;
    }
    let num = |t: &str| t.parse::<u32>().ok();
    match (a.len(), b.len(), c.len()) {
        (4, 2, 2) => Some((i64::from(num(a)?), num(b)?, num(c)?)),
        (2, 2, 2 | 4) => Some((expand_year(i64::from(num(c)?), c.len()), num(a)?, num(b)?)),
        _ => None,
    }
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
