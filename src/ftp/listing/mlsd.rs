//! MLSD/MLST lines (RFC 3659 facts, then one space, then the name), and the forms servers
//! wrote before the RFC: a tab instead of the space, or no ';' after the last fact.

use super::time::parse_ftp_time;
use super::{Entry, EntryKind, ListingError, strip_eol};

/// Parses one MLSD/MLST line ("type=file;size=12;modify=20240101120000.123; name with spaces").
/// Facts are case-insensitive; the name is everything after the first "; " (a single space after
/// the last ';'), or after ";\t", or, when no fact ends with ';', after the first space.
/// type=cdir and type=pdir return Ok(None) (callers skip them); type=dir -> Dir; type=file -> File;
/// type=OS.unix=symlink / os.unix=slink:... -> Link; anything else -> Other.
/// size from size= (or sizd= for dirs); modify= parsed as UTC YYYYMMDDHHMMSS with optional
/// .fraction (fraction dropped). UNIX.mode (octal) gives the permission bits.
pub fn parse_mlsd_line(line: &str) -> Result<Option<Entry>, ListingError> {
    let text = strip_eol(line);
    // MLST replies on the control channel prefix the fact line with one space; RFC 3659 also
    // uses a leading space for a line that carries no facts at all.
    let (leading_space, body) = match text.strip_prefix(' ') {
        Some(rest) => (true, rest),
        None => (false, text),
    };

    let Some((facts, name)) = split_facts(body) else {
        if leading_space && !body.is_empty() {
            return Ok(Some(Entry {
                name: body.to_string(),
                kind: EntryKind::Other,
                size: 0,
                mtime: None,
                mtime_exact: false,
                link_target: None,
                mode: None,
                raw: line.to_string(),
            }));
        }
        return Err(ListingError::new(line, "no \"; \" between facts and name"));
    };
    if name.is_empty() {
        return Err(ListingError::new(line, "empty name"));
    }

    let mut kind = EntryKind::Other;
    let mut link_target = None;
    let mut size = None;
    let mut sizd = None;
    let mut mtime = None;
    let mut mode = None;

    for fact in facts.split(';').filter(|f| !f.is_empty()) {
        let Some((key, value)) = fact.split_once('=') else {
            return Err(ListingError::new(line, format!("fact {fact:?} has no '='")));
        };
        if key.is_empty() {
            return Err(ListingError::new(
                line,
                format!("fact {fact:?} has no name"),
            ));
        }
        let key = key.to_ascii_lowercase();
        match key.as_str() {
            "type" => {
                let lower = value.to_ascii_lowercase();
                kind = match lower.as_str() {
                    "cdir" | "pdir" => return Ok(None),
                    "dir" => EntryKind::Dir,
                    "file" => EntryKind::File,
                    _ if lower.starts_with("os.unix=slink") || lower == "os.unix=symlink" => {
                        // The target follows "slink:" and keeps its original case.
                        link_target = value
                            .split_once(':')
                            .map(|(_, t)| t)
                            .filter(|t| !t.is_empty())
                            .map(str::to_string);
                        EntryKind::Link
                    }
                    _ => EntryKind::Other,
                };
            }
            "size" | "sizd" => {
                let n: u64 = value
                    .parse()
                    .map_err(|_| ListingError::new(line, format!("bad {key} value {value:?}")))?;
                if key == "size" {
                    size = Some(n);
                } else {
                    sizd = Some(n);
                }
            }
            "modify" => {
                mtime = Some(parse_ftp_time(value).ok_or_else(|| {
                    ListingError::new(line, format!("bad modify value {value:?}"))
                })?);
            }
            // Octal, as `ls` and chmod write it ("0644", "755", "2775"). A value that does not
            // read is dropped rather than failing the line: the mode is a detail, the entry is
            // not.
            "unix.mode" => mode = parse_octal_mode(value),
            _ => {}
        }
    }

    if name == "." || name == ".." {
        return Ok(None);
    }

    // RFC 3659 gives directories "sizd"; many servers send "size" for them instead.
    let size = match kind {
        EntryKind::Dir => sizd.or(size),
        _ => size,
    }
    .unwrap_or(0);

    Ok(Some(Entry {
        name: name.to_string(),
        kind,
        size,
        mtime,
        mtime_exact: mtime.is_some(),
        link_target,
        mode,
        raw: line.to_string(),
    }))
}

/// "0644", "755", "04755", and pyftpdlib's "0o644" (Python's `oct()`): permission bits (at
/// most `0o7777`), or `None` for anything else.
pub fn parse_octal_mode(value: &str) -> Option<u32> {
    let value = value.strip_prefix("0o").unwrap_or(value);
    if value.is_empty() || value.len() > 5 || !value.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u32::from_str_radix(value, 8).ok().filter(|m| *m <= 0o7777)
}

/// Facts and name. Facts hold no spaces, so they end at the first space (RFC 3659) or tab (some
/// servers), which normally follows a ';'. Early drafts put no ';' after the last fact: then
/// everything before the space must read as facts.
fn split_facts(body: &str) -> Option<(&str, &str)> {
    let cut = body.find([' ', '\t'])?;
    let (facts, name) = (&body[..cut], &body[cut + 1..]);
    if facts.ends_with(';') {
        return Some((facts, name));
    }
    let all_facts = !facts.is_empty()
        && facts
            .split(';')
            .all(|f| f.split_once('=').is_some_and(|(k, _)| !k.is_empty()));
    all_facts.then_some((facts, name))
}

#[cfg(test)]
mod tests {
    use super::super::tests::entry;
    use super::*;

    /// (line, name, kind, size, mtime, link target, mode)
    type MlsdCase<'a> = (
        &'a str,
        &'a str,
        EntryKind,
        u64,
        Option<i64>,
        Option<&'a str>,
        Option<u32>,
    );

    #[test]
    fn mlsd_real_server_lines() {
        use EntryKind::*;
        let t = Some(1_699_099_200); // 2023-11-04 12:00:00
        #[rustfmt::skip]
        let cases: &[MlsdCase] = &[
            // pure-ftpd
            ("type=file;size=1024;modify=20231104120000;UNIX.mode=0644;UNIX.uid=1000;UNIX.gid=1000;unique=803g1a2b; a.txt",
             "a.txt", File, 1024, t, None, Some(0o644)),
            // proftpd: facts in a different order, name with a space
            ("modify=20231104120000;perm=adfrw;size=3;type=file;unique=FD01U1234;UNIX.group=0;UNIX.mode=0644;UNIX.owner=0; b c.txt",
             "b c.txt", File, 3, t, None, Some(0o644)),
            // pyftpdlib directory without any size fact
            ("type=dir;perm=flcdmpe;modify=20231104120000; sub", "sub", Dir, 0, t, None, None),
            // libunftp (format_facts + " " + name): trailing ';', lowercase unix.* facts
            ("type=file;size=12;modify=20231104120000;unix.uid=1000;unix.gid=1000; a b.txt",
             "a b.txt", File, 12, t, None, None),
            ("type=dir;size=4096;modify=20231104120000; sub dir", "sub dir", Dir, 4096, t, None, None),
            ("type=file;size=0;modify=20231104120000; empty", "empty", File, 0, t, None, None),
            // fraction dropped, case-insensitive facts and type value
            ("Type=File;Size=5;Modify=20231104120000.123; x", "x", File, 5, t, None, None),
            ("type=DIR;sizd=512;size=9; d", "d", Dir, 512, None, None, None),
            // names containing ';' and "; " after the separator are kept whole
            ("type=file;size=1; a;b.txt", "a;b.txt", File, 1, None, None, None),
            ("type=file;size=1; a; b.txt", "a; b.txt", File, 1, None, None, None),
            // pre-RFC forms: a tab after the last ';', or no ';' after the last fact
            ("type=file;size=8;\tname; with tab", "name; with tab", File, 8, None, None, None),
            ("type=dir;modify=20231104120000 old draft dir", "old draft dir", Dir, 0, t, None, None),
            ("type=file;size=2 x; y", "x; y", File, 2, None, None, None),
            // leading and trailing spaces belong to the name
            ("type=file;size=1;  lead", " lead", File, 1, None, None, None),
            ("type=file;size=1; trail  ", "trail  ", File, 1, None, None, None),
            ("type=file;size=7;modify=20231104120000; é 文件.txt", "é 文件.txt", File, 7, t, None, None),
            ("type=OS.unix=symlink;modify=20231104120000; ln", "ln", Link, 0, t, None, None),
            ("type=OS.unix=slink:/Some/Target;size=4; ln2", "ln2", Link, 4, None, Some("/Some/Target"), None),
            ("type=OS.unix=blockdev; sda", "sda", Other, 0, None, None, None),
            ("size=3; nofacttype", "nofacttype", Other, 3, None, None, None),
            // MLST control-channel form has one leading space
            (" type=file;size=2;modify=20231104120000; /pub/f", "/pub/f", File, 2, t, None, None),
            // UNIX.mode in the forms servers write it; a value that is no mode is dropped
            ("type=file;size=1;UNIX.mode=755; run.sh", "run.sh", File, 1, None, None, Some(0o755)),
            ("type=dir;unix.mode=02775;sizd=4096; shared", "shared", Dir, 4096, None, None, Some(0o2775)),
            // pyftpdlib writes Python's oct()
            ("type=file;size=1;unix.mode=0o640; py", "py", File, 1, None, None, Some(0o640)),
            ("type=file;size=1;unix.mode=0o; py empty", "py empty", File, 1, None, None, None),
            ("type=file;size=1;UNIX.mode=0600; secret", "secret", File, 1, None, None, Some(0o600)),
            ("type=file;size=1;UNIX.mode=0; none", "none", File, 1, None, None, Some(0)),
            ("type=file;size=1;UNIX.mode=rw-r--r--; words", "words", File, 1, None, None, None),
            ("type=file;size=1;UNIX.mode=0844; not octal", "not octal", File, 1, None, None, None),
            ("type=file;size=1;UNIX.mode=177777; too big", "too big", File, 1, None, None, None),
            ("type=file;size=1;UNIX.mode=; empty", "empty", File, 1, None, None, None),
        ];
        for &(line, name, kind, size, mtime, target, mode) in cases {
            let want = Entry {
                mode,
                ..entry(name, kind, size, mtime, mtime.is_some(), target, line)
            };
            assert_eq!(parse_mlsd_line(line), Ok(Some(want)), "{line}");
        }
    }

    #[test]
    fn mlsd_skipped_lines() {
        for line in [
            "type=cdir;perm=flcdmpe;modify=20231104120000; .",
            "type=pdir;perm=flcdmpe;modify=20231104120000; ..",
            "Type=CDir;sizd=4096; /home/u",
            "type=dir;size=4096; .",
            "type=dir;size=4096; ..",
        ] {
            assert_eq!(parse_mlsd_line(line), Ok(None), "{line}");
        }
    }

    #[test]
    fn mlsd_strips_line_terminator_but_keeps_raw() {
        let line = "type=file;size=1; a.txt\r\n";
        let e = parse_mlsd_line(line).unwrap().unwrap();
        assert_eq!(e.name, "a.txt");
        assert_eq!(e.raw, line);
    }

    #[test]
    fn mlsd_factless_line() {
        let e = parse_mlsd_line(" bare name").unwrap().unwrap();
        assert_eq!((e.name.as_str(), e.kind), ("bare name", EntryKind::Other));
    }

    #[test]
    fn mlsd_errors() {
        for line in [
            "",
            "garbage",
            "type=file;size=1;a.txt",
            "type=file;size=abc; a.txt",
            "type=file;modify=2023110412; a.txt",
            "type=file;modify=20231332120000; a.txt",
            "nonsense;size=1; a.txt",
            "type=file;size=1; ",
            "-rw-r--r--    1 1000     1000           12 Nov 04 12:00 a b.txt",
        ] {
            let err = parse_mlsd_line(line).unwrap_err();
            assert_eq!(err.line, line);
        }
    }
}
