//! OpenVMS LIST lines: `NAME.EXT;VERSION  size  DD-MMM-YYYY HH:MM[:SS.cc]  [owner]  (protection)`,
//! the size in 512-byte blocks (`155`, used/allocated `2/8`, or `2KB`), fields after the name
//! in either order. Names too long for their column put the rest on the next, indented line
//! (the listing parser joins the two).
//!
//! Names: a file keeps its version (`README.TXT;3`): it is what the server lists, it tells
//! versions apart, and it names exactly that version when sent back. A directory file
//! `SUB.DIR;1` is the directory `SUB`, the name CWD takes.

use super::date::{ListedDate, clock, compact_date};
use super::words::{Words, all_digits};
use super::{Attempt, EntryKind, listed};

const BLOCK: u64 = 512;

pub(super) fn parse_vms(text: &str, now_unix: i64) -> Attempt {
    let w = Words::new(text);
    if is_header_or_footer(&w) {
        return Some(Ok(None));
    }
    let full = w.get(0);
    let (base, version) = full.rsplit_once(';')?;
    if base.is_empty() || !all_digits(version) {
        return None;
    }
    let mut size = None;
    let mut date: Option<ListedDate> = None;
    for i in 1..w.len() {
        let word = w.get(i);
        if date.is_none()
            && let Some(d) = compact_date(word).filter(|_| word.contains('-'))
        {
            date = Some(d);
        } else if let (Some(d), Some(t)) = (date.as_mut(), clock(word)) {
            d.clock.get_or_insert(t);
        } else if word.starts_with('[') || word.starts_with('(') {
            // owner [GROUP,USER] and protection (RWED,RWED,RE,)
        } else if size.is_none()
            && let Some(s) = vms_size(word)
        {
            size = Some(s);
        } else {
            return None;
        }
    }
    let date = date?;
    let parsed = (|| {
        let size = size.unwrap_or(Ok(0))?;
        let mtime = Some(date.resolve(now_unix)?);
        match strip_suffix_ci(base, ".DIR") {
            Some(dir) => listed(dir, EntryKind::Dir, 0, mtime),
            None => listed(full, EntryKind::File, size, mtime),
        }
    })();
    Some(parsed)
}

/// "Directory DISK$USER:[PUB]" before the entries, "Total of 12 files, 345/678 blocks." after
/// them (and "Grand total of ..." after several directories).
fn is_header_or_footer(w: &Words) -> bool {
    let first = w.get(0);
    (first == "Directory" && w.len() == 2 && w.get(1).contains(":["))
        || (first == "Total" && w.get(1) == "of" && all_digits(w.get(2)))
        || (first == "Grand" && w.get(1) == "total" && w.get(2) == "of")
}

/// "155" or "2/8" blocks (used/allocated: the used count is the size), or "2KB", "3MB".
fn vms_size(word: &str) -> Option<Result<u64, String>> {
    let out_of_range = || format!("size {word:?} out of range");
    let blocks = match word.split_once('/') {
        Some((used, allocated)) if all_digits(allocated) => used,
        Some(_) => return None,
        None => word,
    };
    if all_digits(blocks) {
        return Some(
            blocks
                .parse::<u64>()
                .ok()
                .and_then(|b| b.checked_mul(BLOCK))
                .ok_or_else(out_of_range),
        );
    }
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let unit: u32 = match word[digits..].to_ascii_uppercase().as_str() {
        "KB" => 1,
        "MB" => 2,
        "GB" => 3,
        _ => return None,
    };
    if digits == 0 {
        return None;
    }
    let n: Option<u64> = word[..digits].parse().ok();
    Some(
        n.and_then(|n| n.checked_mul(1024u64.pow(unit)))
            .ok_or_else(out_of_range),
    )
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    (cut > 0 && s.is_char_boundary(cut) && s[cut..].eq_ignore_ascii_case(suffix)).then(|| &s[..cut])
}

#[cfg(test)]
mod tests {
    use super::super::tests::{NOW, assert_reads};
    use super::super::{parse_list_line, parse_listing};
    use super::*;

    #[test]
    fn vms_lines() {
        use EntryKind::*;
        #[rustfmt::skip]
        let cases: &[(&str, &str, EntryKind, u64, i64)] = &[
            ("LOGIN.COM;7          3  14-MAR-2010 09:15:02.50  [STAFF,ALICE]  (RWED,RWED,RE,)", "LOGIN.COM;7", File, 1536, 1_268_558_102),
            ("ARCHIVE.DIR;1        1/3   1-JAN-2001 00:00  [SYSTEM]  (RWE,RWE,RE,RE)", "ARCHIVE", Dir, 0, 978_307_200),
            ("notes.txt;12  [ALICE]  4/6  14-MAR-2010 09:15", "notes.txt;12", File, 2048, 1_268_558_100),
            ("BIG.BIN;1   12KB   14-MAR-2010 09:15:02", "BIG.BIN;1", File, 12_288, 1_268_558_102),
            ("NOTIME.DAT;2   2/8   14-MAR-2010   [X]   (RWED,RWED,,)", "NOTIME.DAT;2", File, 1024, 1_268_524_800),
        ];
        for &(line, name, kind, size, mtime) in cases {
            assert_reads(line, name, kind, size, Some(mtime));
        }
        for line in [
            "Directory USERS:[ALICE]",
            "Total of 3 files, 8/24 blocks.",
            "Grand total of 2 directories, 9 files, 20/40 blocks.",
        ] {
            assert_eq!(parse_list_line(line, NOW), Ok(None), "{line}");
        }
        for line in [
            "LOGIN.COM;7   3  32-MAR-2010 09:15  [X]  (RWED,,,)",
            "LOGIN.COM;x   3  14-MAR-2010 09:15",
            "LOGIN.COM;7   3  junk  14-MAR-2010 09:15",
            "LOGIN.COM;7   3",
        ] {
            assert!(parse_list_line(line, NOW).is_err(), "{line}");
        }
    }

    #[test]
    fn vms_entry_wrapped_over_two_lines() {
        let lines = [
            "Directory USERS:[ALICE]",
            "",
            "A_VERY_LONG_FILE_NAME_INDEED.TEXT;3",
            "                      5/6   14-MAR-2010 09:15:02  [STAFF,ALICE]  (RWED,RWED,RE,)",
            "SHORT.TXT;1          1/3   14-MAR-2010 09:15:02  [STAFF,ALICE]  (RWED,RWED,RE,)",
            "ANOTHER_RATHER_LONG_NAME.DATA;12",
            "7/9  14-MAR-2010 09:15:02  [STAFF,ALICE]  (RWED,RWED,RE,)",
            "ORPHAN_NAME_WITHOUT_THE_REST.TXT;1",
            "",
            "Total of 2 files, 6/9 blocks.",
        ];
        let listing = parse_listing(lines.iter().map(|l| l.to_string()).collect(), false, NOW);
        let got: Vec<(&str, u64)> = listing
            .entries
            .iter()
            .map(|e| (e.name.as_str(), e.size))
            .collect();
        assert_eq!(
            got,
            [
                ("A_VERY_LONG_FILE_NAME_INDEED.TEXT;3", 2560),
                ("SHORT.TXT;1", 512),
                ("ANOTHER_RATHER_LONG_NAME.DATA;12", 3584),
            ]
        );
        // A name line whose rest never came is not joined to what follows: it stays unread.
        let unread: Vec<&str> = listing.unparsed.iter().map(|e| e.line.as_str()).collect();
        assert_eq!(unread, ["ORPHAN_NAME_WITHOUT_THE_REST.TXT;1"]);
    }
}
