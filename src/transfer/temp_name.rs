//! Names of upload temporaries: formatting, parsing, recognising and ageing them (pure).
//!
//! An upload is written to `.ftpsh-part-PROCESS-SERIAL-FINGERPRINT-NAME` beside its final
//! `NAME`, then renamed onto it; a file a server will not rename over is first moved aside
//! to `.ftpsh-part-PROCESS-SERIAL-old-NAME`. PROCESS (pid `x` nonce) and SERIAL keep
//! concurrent uploads apart; FINGERPRINT says which version of the local file the temporary
//! holds, so a later `put -c` or mirror pass, in this process or after a crash, can resume
//! it knowing the local file has not changed since (size, mtime and identity all go into
//! it: what the mirror takes for "unchanged" everywhere).
//!
//! Why a hash in the name, not the size and mtime spelt out, nor a note on the server: the
//! name is the one thing every server keeps with the file and a listing returns, so finding a
//! resumable temporary costs no command beyond the listing; a hash keeps the name short
//! (16 characters, where size, mtime and identity spelt out take about 45), and
//! names are limited (255 bytes on most servers). The check needs no more than equality: the
//! local file is at hand to be fingerprinted again.

use crate::ftp::path;

/// Every temporary name starts with this: listings are filtered on it and the mirror never
/// uploads a local file so named.
pub const PREFIX: &str = ".ftpsh-part-";

/// Marks a final name's former file moved aside, where a fingerprint would be.
const ASIDE: &str = "old";

/// Temporaries of other processes that the server dates within this many seconds may belong
/// to an upload still running (another ftpsh, another machine): they are left alone.
pub const MIN_AGE: i64 = 600;

/// Which version of a local file a temporary holds: a stable hash (FNV-1a, the same on every
/// build and platform) of its size, mtime and identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint(pub u64);

impl Fingerprint {
    /// The fingerprint of a file of `size` bytes, modified at `mtime` (unix seconds), with
    /// `identity` (device + inode, where the OS gives one): what the mirror takes for
    /// "unchanged" everywhere else (its snapshot keeps whole seconds), so the planner can
    /// tell from its snapshot alone which temporary a file may resume.
    pub fn of(size: u64, mtime: i64, identity: Option<u64>) -> Fingerprint {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let bytes = [
            size.to_le_bytes(),
            mtime.to_le_bytes(),
            identity.unwrap_or(0).to_le_bytes(),
        ];
        for byte in bytes.iter().flatten() {
            hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
        Fingerprint(hash)
    }
}

/// What a temporary is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// An upload in progress (or cut) of the local version with this fingerprint.
    Upload(Fingerprint),
    /// The final name's previous file, moved aside while the new one is renamed in.
    Aside,
}

/// A temporary name taken apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TempName<'a> {
    /// The process that made it ([`crate::transfer::process_tag`]).
    pub process: &'a str,
    /// Which of that process's uploads.
    pub serial: u64,
    pub purpose: Purpose,
    /// The name it is renamed onto (one component, no folder).
    pub final_name: &'a str,
}

/// The temporary beside `remote` (a path, absolute or relative) for an upload of the local
/// version `fingerprint`.
pub fn upload(remote: &str, process: &str, serial: u64, fingerprint: Fingerprint) -> String {
    sibling(remote, process, serial, &format!("{:016x}", fingerprint.0))
}

/// The temporary beside local `name` that a download mirror writes the server's version
/// `fingerprint` (its size and time) into: the uploads' form, so one rule recognises,
/// spares and cleans temporaries on either side.
pub fn download(name: &str, process: &str, serial: u64, fingerprint: Fingerprint) -> String {
    sibling(name, process, serial, &format!("{:016x}", fingerprint.0))
}

/// The name beside `remote` that its current file is moved to while a new one takes its place.
pub fn aside(remote: &str, process: &str, serial: u64) -> String {
    sibling(remote, process, serial, ASIDE)
}

fn sibling(remote: &str, process: &str, serial: u64, marker: &str) -> String {
    let temp = format!(
        "{PREFIX}{process}-{serial}-{marker}-{}",
        path::file_name(remote)
    );
    match path::parent(remote) {
        "" => temp,
        dir => path::join(dir, &temp),
    }
}

/// True when the last component of `path` is a temporary's name (ours, another ftpsh's, or
/// one of a form this version does not parse: all are cleaned once old).
pub fn is_temp(path: &str) -> bool {
    path::file_name(path).starts_with(PREFIX)
}

/// Takes apart the temporary name that `path` ends in; `None` for other names and for
/// temporaries of another form (an older ftpsh's): those are never resumed.
pub fn parse(path: &str) -> Option<TempName<'_>> {
    let rest = path::file_name(path).strip_prefix(PREFIX)?;
    let mut parts = rest.splitn(4, '-');
    let (process, serial, marker, final_name) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let process_ok = process
        .split_once('x')
        .is_some_and(|(pid, nonce)| all_digits(pid) && !nonce.is_empty() && all_hex(nonce));
    if !process_ok || !all_digits(serial) || final_name.is_empty() {
        return None;
    }
    let purpose = match marker {
        ASIDE => Purpose::Aside,
        hex if hex.len() == 16 && all_hex(hex) => {
            Purpose::Upload(Fingerprint(u64::from_str_radix(hex, 16).ok()?))
        }
        _ => return None,
    };
    Some(TempName {
        process,
        serial: serial.parse().ok()?,
        purpose,
        final_name,
    })
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn all_hex(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// True when `path` is an upload temporary of the local version `fingerprint` of a file to
/// be named `final_name`: its content so far is a prefix of that file's, so an upload of the
/// file may continue it instead of starting over.
pub fn resumes(path: &str, final_name: &str, fingerprint: Fingerprint) -> bool {
    parse(path)
        .is_some_and(|t| t.final_name == final_name && t.purpose == Purpose::Upload(fingerprint))
}

/// True when `path` is a temporary of another process (`ours` is this one's tag) that the
/// server dated (`listed`, unix seconds; a LIST date's minutes are precise enough) less than
/// [`MIN_AGE`] before `now`: maybe an upload still running, not ours to clean. Ours are
/// leftovers of our own failed attempts; undated ones are taken as stale.
pub fn busy_elsewhere(path: &str, listed: Option<i64>, now: i64, ours: &str) -> bool {
    is_temp(path)
        && parse(path).is_none_or(|t| t.process != ours)
        && listed.is_some_and(|t| t > now - MIN_AGE)
}

/// The copy to put back under `final_name` when that name is missing, that is when an upload
/// moved the file it had aside (see [`aside`]) and was stopped before its replacement took
/// the name: of the temporaries `listed` in that folder (paths or names, with their listed
/// times), the `-old-` copies of `final_name`, the newest by listed time (then by name):
/// each later attempt moved aside what had the name after the one before.
pub fn restorable<'a>(
    listed: impl IntoIterator<Item = (&'a str, Option<i64>)>,
    final_name: &str,
) -> Option<&'a str> {
    listed
        .into_iter()
        .filter(|(path, _)| {
            parse(path).is_some_and(|t| t.purpose == Purpose::Aside && t.final_name == final_name)
        })
        .max_by(|(a, at), (b, bt)| at.cmp(bt).then_with(|| a.cmp(b)))
        .map(|(path, _)| path)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FNV_24_ZEROS: u64 = 0x81d2_3fd7_003c_2305;
    const FP: Fingerprint = Fingerprint(0x0123_4567_89ab_cdef);

    #[test]
    fn formats_beside_the_final_name() {
        let table = [
            (
                "/a/b.txt",
                "/a/.ftpsh-part-12x0000beef-3-0123456789abcdef-b.txt",
            ),
            ("b.txt", ".ftpsh-part-12x0000beef-3-0123456789abcdef-b.txt"),
            ("/b", "/.ftpsh-part-12x0000beef-3-0123456789abcdef-b"),
            (
                "a/b/c-d",
                "a/b/.ftpsh-part-12x0000beef-3-0123456789abcdef-c-d",
            ),
        ];
        for (remote, want) in table {
            let got = upload(remote, "12x0000beef", 3, FP);
            assert_eq!(got, want, "upload({remote:?})");
            assert!(is_temp(&got), "{got:?} must be a temp name");
            assert_eq!(path::parent(&got), path::parent(remote), "same folder");
        }
        assert_eq!(
            aside("/a/b.txt", "12x0000beef", 4),
            "/a/.ftpsh-part-12x0000beef-4-old-b.txt"
        );
    }

    #[test]
    fn parses_what_it_formats_and_nothing_else() {
        let up = |final_name| {
            Some(TempName {
                process: "12x0000beef",
                serial: 3,
                purpose: Purpose::Upload(FP),
                final_name,
            })
        };
        let table: &[(&str, Option<TempName>)] = &[
            (
                ".ftpsh-part-12x0000beef-3-0123456789abcdef-b.txt",
                up("b.txt"),
            ),
            (
                "d/.ftpsh-part-12x0000beef-3-0123456789abcdef-a-b-c",
                up("a-b-c"),
            ),
            (
                ".ftpsh-part-12x0000beef-3-old-b.txt",
                Some(TempName {
                    process: "12x0000beef",
                    serial: 3,
                    purpose: Purpose::Aside,
                    final_name: "b.txt",
                }),
            ),
            // Recognised as temporaries but not of this form: never resumed.
            (".ftpsh-part-1-a", None),
            (".ftpsh-part-99-1-site.css", None),
            (".ftpsh-part-12x0000beef-3-0123456789abcdef-", None),
            (".ftpsh-part-12x0000beef-3-0123456789ABCDEF-b", None),
            (".ftpsh-part-12x0000beef-3-0123456789abcde-b", None),
            (".ftpsh-part-12-3-0123456789abcdef-b", None),
            (".ftpsh-part-12x-3-0123456789abcdef-b", None),
            (".ftpsh-part-12x0000beef-x-0123456789abcdef-b", None),
            (".ftpsh-part-", None),
            // Not temporaries at all.
            ("b.txt", None),
            ("x.ftpsh-part-12x0000beef-3-0123456789abcdef-b", None),
            (".ftpsh-part-12x0000beef-3-0123456789abcdef-b/child", None),
        ];
        for (name, want) in table {
            assert_eq!(parse(name), *want, "parse({name:?})");
        }
    }

    #[test]
    fn recognises_by_the_last_component() {
        for (path, want) in [
            (".ftpsh-part-1-x", true),
            ("a/.ftpsh-part-1-x", true),
            (".ftpsh-part-", true),
            ("a/x", false),
            (".ftpsh-part-1-x/child", false),
            ("x.ftpsh-part-1", false),
        ] {
            assert_eq!(is_temp(path), want, "is_temp({path:?})");
        }
    }

    #[test]
    fn fingerprint_changes_with_each_field() {
        let base = Fingerprint::of(100, 1_700_000_000, Some(7));
        assert_eq!(base, Fingerprint::of(100, 1_700_000_000, Some(7)));
        // A stable value: a temporary left by one build is resumed by the next.
        // (FNV-1a of 24 zero bytes, as any FNV implementation computes it.)
        assert_eq!(Fingerprint::of(0, 0, None).0, FNV_24_ZEROS);
        for other in [
            Fingerprint::of(101, 1_700_000_000, Some(7)),
            Fingerprint::of(100, 1_700_000_001, Some(7)),
            Fingerprint::of(100, -1_700_000_000, Some(7)),
            Fingerprint::of(100, 1_700_000_000, Some(8)),
            Fingerprint::of(100, 1_700_000_000, None),
        ] {
            assert_ne!(base, other, "{other:?}");
        }
    }

    #[test]
    fn resumes_only_the_same_name_and_version() {
        let temp = upload("d/b.txt", "1x00000001", 0, FP);
        let table = [
            (temp.as_str(), "b.txt", FP, true),
            (temp.as_str(), "c.txt", FP, false),
            (temp.as_str(), "b.txt", Fingerprint(1), false),
            (".ftpsh-part-1x00000001-0-old-b.txt", "b.txt", FP, false),
            (".ftpsh-part-1-b.txt", "b.txt", FP, false),
            ("b.txt", "b.txt", FP, false),
        ];
        for (path, final_name, fp, want) in table {
            assert_eq!(
                resumes(path, final_name, fp),
                want,
                "{path:?} for {final_name:?}"
            );
        }
    }

    #[test]
    fn ages_only_other_processes_temporaries() {
        let ours = "1x00000001";
        let mine = upload("a", ours, 0, FP);
        let theirs = upload("a", "2x00000002", 0, FP);
        let now = 10_000;
        let table = [
            (theirs.as_str(), Some(now - 1), true),
            (theirs.as_str(), Some(now - MIN_AGE + 1), true),
            (theirs.as_str(), Some(now - MIN_AGE), false),
            (theirs.as_str(), None, false),
            // An unparsed (older ftpsh) temporary is another process's too.
            (".ftpsh-part-77-1-busy.txt", Some(now), true),
            (mine.as_str(), Some(now), false),
            ("a", Some(now), false),
        ];
        for (path, listed, want) in table {
            assert_eq!(
                busy_elsewhere(path, listed, now, ours),
                want,
                "{path:?} dated {listed:?}"
            );
        }
    }

    #[test]
    fn restores_the_newest_copy_moved_aside() {
        let old = |process, serial| aside("d/x.txt", process, serial);
        let (a, b, c) = (old("1x1", 1), old("2x2", 7), old("1x1", 2));
        let up = upload("d/x.txt", "1x1", 3, FP);
        let other = aside("d/y.txt", "1x1", 4);
        type Listed<'a> = &'a [(&'a str, Option<i64>)];
        let table: &[(Listed, Option<&str>)] = &[
            (&[(a.as_str(), Some(5))], Some(a.as_str())),
            // The newest by listed time, whatever the process or serial.
            (
                &[(a.as_str(), Some(9)), (b.as_str(), Some(5))],
                Some(a.as_str()),
            ),
            (
                &[(a.as_str(), Some(5)), (b.as_str(), Some(9))],
                Some(b.as_str()),
            ),
            // Same time: the last by name; an undated copy is the oldest.
            (
                &[(c.as_str(), Some(5)), (a.as_str(), Some(5))],
                Some(c.as_str()),
            ),
            (
                &[(a.as_str(), None), (c.as_str(), Some(1))],
                Some(c.as_str()),
            ),
            // An upload's temporary or another name's copy never is.
            (&[(up.as_str(), Some(9)), (other.as_str(), Some(9))], None),
            (
                &[(".ftpsh-part-1-old-x.txt", Some(9)), ("x.txt", Some(9))],
                None,
            ),
            (&[], None),
        ];
        for (listed, want) in table {
            assert_eq!(
                restorable(listed.iter().copied(), "x.txt"),
                *want,
                "{listed:?}"
            );
        }
    }
}
