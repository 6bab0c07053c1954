//! LIST formats of single products: VShell (`size  Mon DD, YYYY HH:MM name`), VxWorks
//! (`size  Mon-DD-YYYY HH:MM:SS name [<DIR>]`), OS-9 (`group.user YY/MM/DD HHMM attrs sector
//! size name`), HP NonStop/Tandem (`name code size D-Mon-YY HH:MM:SS owner, group rwep`) and
//! Nortel's wfFtp (`name size DD/MM/YY Weekday HH:MM:SS`).

use super::date::{ListedDate, clock, compact_date, day_word, expand_year, month_name};
use super::words::{Words, all_digits};
use super::{Attempt, EntryKind, listed};

fn parse_size(word: &str) -> Result<u64, String> {
    word.parse()
        .map_err(|_| format!("size {word:?} out of range"))
}

/// VShell: "206876  Apr 04, 2000 21:06 name"; a directory's name ends with '/'.
pub(super) fn parse_vshell(text: &str, now_unix: i64) -> Attempt {
    let w = Words::new(text);
    let (size, day) = (w.get(0), w.get(2));
    if !all_digits(size) || !day.ends_with(',') {
        return None;
    }
    let month = month_name(w.get(1))?;
    let day = day_word(day)?;
    let year: i64 = w.get(3).parse().ok().filter(|_| w.get(3).len() == 4)?;
    let time = clock(w.get(4))?;
    let name = w.name_after_one_space(4)?;
    let parsed = (|| {
        let mtime = ListedDate::new(Some(year), month, day, Some(time)).resolve(now_unix)?;
        match name.strip_suffix('/') {
            Some(dir) => listed(dir, EntryKind::Dir, 0, Some(mtime)),
            None => listed(name, EntryKind::File, parse_size(size)?, Some(mtime)),
        }
    })();
    Some(parsed)
}

/// VxWorks: "2048    Feb-28-1998  05:23:30   name <DIR>" or "... name" for a file.
pub(super) fn parse_vxworks(text: &str, now_unix: i64) -> Attempt {
    let w = Words::new(text);
    let (size, date) = (w.get(0), w.get(1));
    if !all_digits(size) || !date.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let date = compact_date(date)?;
    let time = clock(w.get(2))?;
    let name = w.name_after_padding(2)?;
    let parsed = (|| {
        let mtime = ListedDate {
            clock: Some(time),
            ..date
        }
        .resolve(now_unix)?;
        match name.strip_suffix("<DIR>") {
            Some(dir) => listed(
                dir.trim_end_matches([' ', '\t']),
                EntryKind::Dir,
                0,
                Some(mtime),
            ),
            None => listed(name, EntryKind::File, parse_size(size)?, Some(mtime)),
        }
    })();
    Some(parsed)
}

/// OS-9: "20.20 07/03/29 1026 d-ewrewr 2650 85920 name": owner group.user, date YY/MM/DD,
/// time HHMM, attributes (d for a directory), starting sector, size.
pub(super) fn parse_os9(text: &str, now_unix: i64) -> Attempt {
    let w = Words::new(text);
    let (owner, date, time, attrs) = (w.get(0), w.get(1), w.get(2), w.get(3));
    let (group, user) = owner.split_once('.')?;
    if !(all_digits(group) && all_digits(user)) || time.len() != 4 || !all_digits(time) {
        return None;
    }
    let kind = match attrs.chars().next()? {
        'd' => EntryKind::Dir,
        '-' => EntryKind::File,
        _ => return None,
    };
    if attrs.len() != 8 || !attrs.bytes().all(|b| b"-dsewr".contains(&b)) {
        return None;
    }
    let mut parts = date.split('/');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if [y, m, d].iter().any(|p| p.len() != 2 || !all_digits(p)) || !all_digits(w.get(5)) {
        return None;
    }
    let name = w.name_after_one_space(5)?;
    let parsed = (|| {
        let num = |s: &str| s.parse::<u32>().map_err(|e| e.to_string());
        let date = ListedDate::new(
            Some(expand_year(y.parse().map_err(|_| "bad year")?, 2)),
            num(m)?,
            num(d)?,
            Some((num(&time[..2])?, num(&time[2..])?, 0)),
        );
        let size = if kind == EntryKind::Dir {
            0
        } else {
            parse_size(w.get(5))?
        };
        listed(name, kind, size, Some(date.resolve(now_unix)?))
    })();
    Some(parsed)
}

/// HP NonStop (Tandem): "name code size D-Mon-YY HH:MM:SS group, user "rwep"" — always a file.
pub(super) fn parse_hp_nonstop(text: &str, now_unix: i64) -> Attempt {
    let w = Words::new(text);
    let (code, size) = (w.get(1), w.get(2));
    if !all_digits(code) || !all_digits(size) {
        return None;
    }
    let date = compact_date(w.get(3)).filter(|_| w.get(3).contains('-'))?;
    let time = clock(w.get(4))?;
    let owner_ok = w.get(5).ends_with(',') && all_digits(w.get(6));
    let rwep = w.get(7);
    let rwep_ok = rwep.len() == 6 && rwep.starts_with('"') && rwep.ends_with('"');
    if !(owner_ok && rwep_ok) {
        return None;
    }
    let parsed = (|| {
        let mtime = ListedDate {
            clock: Some(time),
            ..date
        }
        .resolve(now_unix)?;
        listed(w.get(0), EntryKind::File, parse_size(size)?, Some(mtime))
    })();
    Some(parsed)
}

/// Nortel wfFtp: "name   size  DD/MM/YY  Weekday.  HH:MM:SS" — always a file.
pub(super) fn parse_nortel(text: &str, now_unix: i64) -> Attempt {
    let w = Words::new(text);
    if w.len() != 5 || !all_digits(w.get(1)) {
        return None;
    }
    let mut parts = w.get(2).split('/');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if [d, m, y].iter().any(|p| p.len() != 2 || !all_digits(p)) {
        return None;
    }
    let weekday = w.get(3).trim_end_matches('.');
    if !(3..=4).contains(&weekday.len()) || !weekday.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let time = clock(w.get(4))?;
    let parsed = (|| {
        let num = |s: &str| s.parse::<u32>().map_err(|e| e.to_string());
        let year = expand_year(i64::from(num(y)?), 2);
        let mtime = ListedDate::new(Some(year), num(m)?, num(d)?, Some(time)).resolve(now_unix)?;
        listed(
            w.get(0),
            EntryKind::File,
            parse_size(w.get(1))?,
            Some(mtime),
        )
    })();
    Some(parsed)
}

#[cfg(test)]
mod tests {
    use super::super::tests::assert_reads;
    use super::*;

    #[test]
    fn rare_formats() {
        use EntryKind::*;
        #[rustfmt::skip]
        let cases: &[(&str, &str, EntryKind, u64, i64)] = &[
            // VShell
            ("1024  Nov 04, 2023 12:00 a file.txt", "a file.txt", File, 1024, 1_699_099_200),
            ("0  Nov 04, 2023 12:00 a folder/", "a folder", Dir, 0, 1_699_099_200),
            // VxWorks
            ("512     Nov-04-2023  12:00:00   boot.rom", "boot.rom", File, 512, 1_699_099_200),
            ("1024    Nov-04-2023  12:00:00   config <DIR>", "config", Dir, 0, 1_699_099_200),
            // OS-9
            ("0.0 23/11/04 1200 d-ewrewr 2a0 1024 CMDS", "CMDS", Dir, 0, 1_699_099_200),
            ("1.5 23/11/04 1200 ----r-wr 3f1 777 startup", "startup", File, 777, 1_699_099_200),
            // HP NonStop
            ("DATAFILE 101 4096 4-Nov-23 12:00:00 100, 2 \"nunu\"", "DATAFILE", File, 4096, 1_699_099_200),
            // Nortel
            ("router.cfg       2048  04/11/23  Sat.   12:00:00", "router.cfg", File, 2048, 1_699_099_200),
        ];
        for &(line, name, kind, size, mtime) in cases {
            assert_reads(line, name, kind, size, Some(mtime));
        }
    }
}
