//! EPLF, D. J. Bernstein's Easily Parsed LIST Format: `+facts,...<TAB>name`.
//!
//! Facts: `/` a directory, `r` a retrievable file, `s<size>`, `m<mtime in Unix seconds>`
//! (exact: it has a zone and second resolution); others (`i` ids, `up` permissions) are ignored.

use super::{Attempt, Entry, EntryKind, listed};

pub(super) fn parse_eplf(text: &str, _now_unix: i64) -> Attempt {
    let (facts, name) = text.strip_prefix('+')?.split_once('\t')?;
    let mut kind = EntryKind::Other;
    let mut size = 0;
    let mut mtime = None;
    for fact in facts.split(',') {
        let bad = || format!("bad EPLF fact {fact:?}");
        match fact.chars().next() {
            Some('/') => kind = EntryKind::Dir,
            Some('r') if kind != EntryKind::Dir => kind = EntryKind::File,
            Some('s') => match fact[1..].parse() {
                Ok(n) => size = n,
                Err(_) => return Some(Err(bad())),
            },
            Some('m') => match fact[1..].parse::<i64>() {
                Ok(t) => mtime = Some(t),
                Err(_) => return Some(Err(bad())),
            },
            _ => {}
        }
    }
    let parsed = listed(name, kind, size, mtime).map(|e| {
        e.map(|e| Entry {
            mtime_exact: mtime.is_some(),
            ..e
        })
    });
    Some(parsed)
}

#[cfg(test)]
mod tests {
    use super::super::parse_list_line;
    use super::super::tests::{NOW, assert_reads};
    use super::*;

    #[test]
    fn eplf_lines() {
        use EntryKind::*;
        #[rustfmt::skip]
        let cases: &[(&str, &str, EntryKind, u64, Option<i64>)] = &[
            ("+i77.1234,m1000000000,r,s4096,up644,\tnotes.txt", "notes.txt", File, 4096, Some(1_000_000_000)),
            ("+m1000000001,/,\tsub dir", "sub dir", Dir, 0, Some(1_000_000_001)),
            ("+r,s1,\t lead and trail ", " lead and trail ", File, 1, None),
            ("+i1.2,\tunknown", "unknown", Other, 0, None),
        ];
        for &(line, name, kind, size, mtime) in cases {
            let e = assert_reads(line, name, kind, size, mtime);
            assert_eq!(e.mtime_exact, mtime.is_some(), "{line}");
        }
        for line in ["+r,sbig,\tx", "+r,m12x,\tx", "+r,s1,\t", "+r,s1, no tab"] {
            assert!(parse_list_line(line, NOW).is_err(), "{line}");
        }
    }
}
