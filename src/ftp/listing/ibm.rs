//! IBM systems' LIST lines: OS/2 (`size [DIR] [attrs] MM-DD-YY HH:MM name`), MVS data sets
//! (`Volume Unit Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname`) and partitioned data set
//! members (`Name VV.MM Created Changed Size Init Mod Id`), and AS/400 (`owner size date time
//! *TYPE name`).
//!
//! MVS lists no byte sizes (sizes are in tracks or records): they are 0, "unknown". A
//! partitioned data set (Dsorg PO) holds members, so it is a directory.

use super::date::{ListedDate, clock, compact_date, expand_year};
use super::words::{Words, all_digits};
use super::{Attempt, EntryKind, listed};

/// OS/2: "  1123 DIR  A    10-05-100  23:38  name", years since 1900 with 2 or 3 digits.
pub(super) fn parse_os2(text: &str, now_unix: i64) -> Attempt {
    let w = Words::new(text);
    if !all_digits(w.get(0)) {
        return None;
    }
    // Attribute words (DIR, A, R, H, S) between the size and the date.
    let date_at = (1..w.len().min(5)).find(|&i| os2_date(w.get(i)).is_some())?;
    let attributes = (1..date_at).map(|i| w.get(i));
    let mut kind = EntryKind::File;
    for attribute in attributes {
        match attribute {
            "DIR" => kind = EntryKind::Dir,
            a if a.bytes().all(|b| b"AHRS".contains(&b)) => {}
            _ => return None,
        }
    }
    let (year, month, day) = os2_date(w.get(date_at))?;
    let (hour, minute, _) = clock(w.get(date_at + 1))?;
    let parsed = (|| {
        let size = if kind == EntryKind::Dir {
            0
        } else {
            w.get(0)
                .parse()
                .map_err(|_| format!("size {:?} out of range", w.get(0)))?
        };
        let date = ListedDate::new(Some(year), month, day, Some((hour, minute, 0)));
        let name = w
            .name_after_padding(date_at + 1)
            .ok_or("no name after the time")?;
        listed(name, kind, size, Some(date.resolve(now_unix)?))
    })();
    Some(parsed)
}

/// "MM-DD-YY" or "MM-DD-YYY" (years since 1900: "103" is 2003).
fn os2_date(word: &str) -> Option<(i64, u32, u32)> {
    let mut parts = word.split('-');
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || m.len() != 2 || d.len() != 2 || !(2..=3).contains(&y.len()) {
        return None;
    }
    if !(all_digits(m) && all_digits(d) && all_digits(y)) {
        return None;
    }
    Some((
        expand_year(y.parse().ok()?, y.len()),
        m.parse().ok()?,
        d.parse().ok()?,
    ))
}

/// Data set organisations an MVS listing shows in its Dsorg column.
fn dsorg_kind(dsorg: &str) -> Option<EntryKind> {
    match dsorg {
        "PO" | "PO-E" => Some(EntryKind::Dir),
        "PS" | "DA" | "IS" | "VS" | "PS-E" => Some(EntryKind::File),
        _ => None,
    }
}

/// An MVS data set line: "WORK01 3390   2023/11/04  1   15  FB   80  27920  PS  PROJ.DATA",
/// "Migrated    PROJ.OLD", "Pseudo Directory  PROJ.SUB", and the column header (skipped).
pub(super) fn parse_mvs(text: &str, now_unix: i64) -> Attempt {
    let w = Words::new(text);
    match (w.get(0), w.len()) {
        ("Volume", _) if w.get(1) == "Unit" && w.from(0).ends_with("Dsname") => {
            return Some(Ok(None));
        }
        ("Migrated", 2) => return Some(listed(w.get(1), EntryKind::File, 0, None)),
        ("Pseudo", 3) if w.get(1) == "Directory" => {
            return Some(listed(w.get(2), EntryKind::Dir, 0, None));
        }
        _ => {}
    }
    let n = w.len();
    if n < 4 {
        return None;
    }
    let kind = dsorg_kind(w.get(n - 2))?;
    let unit = w.get(1);
    if !(all_digits(unit) || unit == "Tape") {
        return None;
    }
    // The referred date is "**NONE**" for data sets never opened.
    let referred = w.get(2);
    let date = compact_date(referred).filter(|_| referred.len() == 10 && referred.contains('/'));
    if date.is_none() && referred != "**NONE**" {
        return None;
    }
    let mtime = match date.map(|d| d.resolve(now_unix)).transpose() {
        Ok(t) => t,
        Err(e) => return Some(Err(e)),
    };
    Some(listed(w.get(n - 1), kind, 0, mtime))
}

/// A member of a partitioned data set: "MEMBER1  01.03 2002/09/12 2002/10/11 09:37  11  11  0 USER"
/// (name, version.modification, created, changed date and time, lines...), and its header.
pub(super) fn parse_mvs_member(text: &str, now_unix: i64) -> Attempt {
    let w = Words::new(text);
    if w.get(0) == "Name" && w.get(1) == "VV.MM" {
        return Some(Ok(None));
    }
    let vv_mm = w.get(1);
    let is_vv_mm = vv_mm.len() == 5
        && vv_mm.as_bytes()[2] == b'.'
        && all_digits(&vv_mm[..2])
        && all_digits(&vv_mm[3..]);
    if !is_vv_mm {
        return None;
    }
    let changed = compact_date(w.get(3)).filter(|_| w.get(3).contains('/'))?;
    let changed = ListedDate {
        clock: clock(w.get(4)),
        ..changed
    };
    Some(
        changed
            .resolve(now_unix)
            .and_then(|t| listed(w.get(0), EntryKind::File, 0, Some(t))),
    )
}

/// AS/400 (IBM i): "QSYS   77824 02/23/00 15:09:55 *DIR  name/", "*FILE", "*STMF"... The
/// date's order follows the job's locale: read as MM/DD/YY unless only DD/MM/YY is a date;
/// dotted dates are DD.MM.YY.
pub(super) fn parse_as400(text: &str, now_unix: i64) -> Attempt {
    let w = Words::new(text);
    let object_type = w.get(4);
    if !object_type.starts_with('*') || !all_digits(w.get(1)) {
        return None;
    }
    let (date, time) = (w.get(2), w.get(3));
    let (a, b, y, dotted) = split_short_date(date)?;
    let (hour, minute, second) = clock(time)?;
    let name = w.name_after_padding(4)?;
    let (name, slash) = match name.strip_suffix('/') {
        Some(n) => (n, true),
        None => (name, false),
    };
    let kind = match object_type {
        "*DIR" | "*LIB" | "*FLR" => EntryKind::Dir,
        _ if slash => EntryKind::Dir,
        _ => EntryKind::File,
    };
    let parsed = (|| {
        let year = expand_year(y, 2);
        let us = ListedDate::new(Some(year), a, b, Some((hour, minute, second)));
        let european = ListedDate::new(Some(year), b, a, Some((hour, minute, second)));
        let mtime = if dotted {
            european.resolve(now_unix)?
        } else {
            us.resolve(now_unix)
                .or_else(|_| european.resolve(now_unix))?
        };
        let size = if kind == EntryKind::Dir {
            0
        } else {
            w.get(1)
                .parse()
                .map_err(|_| format!("size {:?} out of range", w.get(1)))?
        };
        listed(name, kind, size, Some(mtime))
    })();
    Some(parsed)
}

/// "NN/NN/NN" or "NN.NN.NN": the two leading numbers, the year, and whether it was dotted.
fn split_short_date(word: &str) -> Option<(u32, u32, i64, bool)> {
    let dotted = word.contains('.');
    let mut parts = word.split(['/', '.']);
    let (a, b, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || [a, b, y].iter().any(|p| p.len() != 2 || !all_digits(p)) {
        return None;
    }
    Some((a.parse().ok()?, b.parse().ok()?, y.parse().ok()?, dotted))
}

#[cfg(test)]
mod tests {
    use super::super::parse_list_line;
    use super::super::tests::{NOW, assert_reads};
    use super::*;

    fn check(cases: &[(&str, &str, EntryKind, u64, Option<i64>)]) {
        for &(line, name, kind, size, mtime) in cases {
            assert_reads(line, name, kind, size, mtime);
        }
    }

    #[test]
    fn os2_lines() {
        use EntryKind::*;
        #[rustfmt::skip]
        check(&[
            ("  4096      A    11-04-123  12:00  config.sys", "config.sys", File, 4096, Some(1_699_099_200)),
            ("     0 DIR       11-04-23   12:00  Program Files", "Program Files", Dir, 0, Some(1_699_099_200)),
            ("   512 DIR  A    11-04-98   12:00  old", "old", Dir, 0, Some(910_180_800)),
            ("    77           11-04-23   12:00  plain", "plain", File, 77, Some(1_699_099_200)),
        ]);
        assert!(parse_list_line("  4096  A  13-04-123  12:00  x", NOW).is_err());
    }

    #[test]
    fn mvs_lines() {
        use EntryKind::*;
        #[rustfmt::skip]
        check(&[
            ("WORK01 3390   2023/11/04  1   15  FB      80  27920  PS  PROJ.DATA", "PROJ.DATA", File, 0, Some(1_699_056_000)),
            ("WORK02 3390   2023/11/04  2    9  FB      80  27920  PO  PROJ.SRC", "PROJ.SRC", Dir, 0, Some(1_699_056_000)),
            ("WORK02 3390   2023/11/04  1    4  U    32760  32760  PO-E PROJ.LOAD", "PROJ.LOAD", Dir, 0, Some(1_699_056_000)),
            ("WORK03 3390   **NONE**    1    1  VB     255  27998  PS  PROJ.NEW", "PROJ.NEW", File, 0, None),
            ("Migrated                                                PROJ.ARCHIVE", "PROJ.ARCHIVE", File, 0, None),
            ("Pseudo Directory                                        PROJ.SUB", "PROJ.SUB", Dir, 0, None),
            ("MEMBER1   01.03 2023/09/12 2023/11/04 12:00    11    11     0 ALICE", "MEMBER1", File, 0, Some(1_699_099_200)),
        ]);
        for line in [
            "Volume Unit    Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname",
            " Name     VV.MM   Created       Changed      Size  Init   Mod   Id",
        ] {
            assert_eq!(parse_list_line(line, NOW), Ok(None), "{line}");
        }
        assert!(
            parse_list_line(
                "WORK01 3390   2023/13/04  1   15  FB   80  27920  PS  X",
                NOW
            )
            .is_err()
        );
    }

    #[test]
    fn as400_lines() {
        use EntryKind::*;
        #[rustfmt::skip]
        check(&[
            ("ALICE        8192 11/04/23 12:00:00 *STMF      report.pdf", "report.pdf", File, 8192, Some(1_699_099_200)),
            ("ALICE       24576 11/04/23 12:00:00 *DIR       docs/", "docs", Dir, 0, Some(1_699_099_200)),
            ("QSYS        36864 04.11.23 12:00:00 *FILE      QGPL.FILE", "QGPL.FILE", File, 36864, Some(1_699_099_200)),
            ("QSYS        36864 25/11/22 12:00:00 *FILE      EU.FILE", "EU.FILE", File, 36864, Some(1_669_377_600)),
        ]);
    }
}
