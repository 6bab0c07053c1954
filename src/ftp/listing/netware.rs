//! Novell NetWare LIST lines: `d [RWCEAFMS] owner  size  Mon DD HH:MM  name`.
//!
//! NetWare pads the name column, so the name starts after all the separators that follow the
//! date.

use super::date::unix_date;
use super::words::{Words, all_digits};
use super::{Attempt, EntryKind, listed};

pub(super) fn parse_netware(text: &str, now_unix: i64) -> Attempt {
    let w = Words::new(text);
    let kind = match w.get(0) {
        "d" => EntryKind::Dir,
        "-" => EntryKind::File,
        _ => return None,
    };
    let rights = w.get(1);
    if !(rights.starts_with('[') && rights.ends_with(']') && rights.len() >= 3) {
        return None;
    }
    // The owner column may be missing; the size is the number right before the date.
    let (i, (date, spans)) = (3..5)
        .filter(|&i| all_digits(w.get(i - 1)))
        .find_map(|i| Some((i, unix_date(&w, i, false)?)))?;
    let parsed = (|| {
        let size = w
            .get(i - 1)
            .parse()
            .map_err(|_| format!("size {:?} out of range", w.get(i - 1)))?;
        let name = w
            .name_after_padding(i + spans - 1)
            .ok_or("no name after the date")?;
        listed(name, kind, size, Some(date.resolve(now_unix)?))
    })();
    Some(parsed)
}

#[cfg(test)]
mod tests {
    use super::super::parse_list_line;
    use super::super::tests::{NOW, assert_reads};
    use super::*;

    #[test]
    fn netware_lines() {
        use EntryKind::*;
        let oct20 = 1_697_805_000; // 2023-10-20 12:30
        #[rustfmt::skip]
        let cases: &[(&str, &str, EntryKind, u64, i64)] = &[
            ("d [RWCEAFMS] admin                512       Oct 20 12:30    Public Files", "Public Files", Dir, 512, oct20),
            ("- [R----F--] jdoe             4711       Oct 20 12:30    report.txt", "report.txt", File, 4711, oct20),
            ("- [-RWCE-F-] jdoe                 99 Mar  7 04 08:15  old.doc", "old.doc", File, 99, 1_078_647_300),
            ("d [--------] sys 0 Jan  2  1999 SYSTEM", "SYSTEM", Dir, 0, 915_235_200),
        ];
        for &(line, name, kind, size, mtime) in cases {
            assert_reads(line, name, kind, size, Some(mtime));
        }
        for line in [
            "d [RWCEAFMS] admin 512 Oct 20 12:30",
            "x [R----F--] a 1 Oct 20 12:30 f",
            "d RWCEAFMS a 1 Oct 20 12:30 f",
        ] {
            assert!(parse_list_line(line, NOW).is_err(), "{line}");
        }
    }
}
