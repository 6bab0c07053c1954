//! The ledger of partials: which temporaries this ftpsh made (on a server or in a local
//! folder) and what each was at the cut, kept in the state folder (`partials.tsv`) so a
//! later run knows its own partials from ones someone else put under the same kind of name.
//!
//! Why a file of our own, not the temporary's name: a name can be computed by anyone (the
//! fingerprint hashes public sizes and times), and a file can be replaced or rewritten
//! under it; what this process saw at the cut (size and server time; a local file's device,
//! inode and birth time) cannot. Few lines: a record is written at a cut, for a download big
//! enough to be worth continuing, and for a file moved aside, and dropped once the
//! temporary is renamed or removed.

use std::fs;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What a record is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A server temporary holding the start of an upload, cut.
    Upload,
    /// A server file moved aside (`-old-`) while its replacement took its name.
    Aside,
    /// A local temporary holding the start of a download.
    Download,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Upload => "up",
            Kind::Aside => "old",
            Kind::Download => "down",
        }
    }

    fn parse(word: &str) -> Option<Kind> {
        Some(match word {
            "up" => Kind::Upload,
            "old" => Kind::Aside,
            "down" => Kind::Download,
            _ => return None,
        })
    }
}

/// One partial this ftpsh made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub kind: Kind,
    /// The server (`user@host:port`), or `-` for a local file.
    pub place: String,
    /// A server temporary's file name (unique: it holds the process tag and a serial), or a
    /// local file's absolute path.
    pub key: String,
    /// The size at the cut (None: not cut yet, or its writer was killed).
    pub size: Option<u64>,
    /// The server's modify time at the cut, or a local file's change time (ns) at the cut.
    pub time: Option<i64>,
    /// A local file's device + inode.
    pub identity: Option<u64>,
    /// A local file's birth time (ns), where the file system keeps one.
    pub birth: Option<i64>,
}

/// Records kept at most: the oldest go first (a leftover no run came back to).
const MOST: usize = 4096;

/// The one ledger file, under the state folder.
fn file() -> Option<PathBuf> {
    Some(crate::config::state_dir()?.join("partials.tsv"))
}

/// Held while the ledger is read and rewritten in this process (other processes: `flock`).
static LOCK: Mutex<()> = Mutex::new(());

fn opt<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_string(), |v| v.to_string())
}

fn line(r: &Record) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}",
        r.kind.word(),
        r.place,
        opt(r.size),
        opt(r.time),
        opt(r.identity),
        opt(r.birth),
        r.key
    )
}

fn parse(line: &str) -> Option<Record> {
    let mut f = line.splitn(7, '\t');
    let kind = Kind::parse(f.next()?)?;
    let place = f.next()?.to_string();
    let mut number = || -> Option<Option<String>> {
        let word = f.next()?;
        Some((word != "-").then(|| word.to_string()))
    };
    let (size, time, identity, birth) = (number()?, number()?, number()?, number()?);
    let key = f.next()?.to_string();
    Some(Record {
        kind,
        place,
        size: match size {
            Some(s) => Some(s.parse().ok()?),
            None => None,
        },
        time: match time {
            Some(s) => Some(s.parse().ok()?),
            None => None,
        },
        identity: match identity {
            Some(s) => Some(s.parse().ok()?),
            None => None,
        },
        birth: match birth {
            Some(s) => Some(s.parse().ok()?),
            None => None,
        },
        key,
    })
}

/// Every record (none when there is no ledger or it cannot be read: nothing is continued).
pub fn all() -> Vec<Record> {
    let Some(path) = file() else {
        return Vec::new();
    };
    let Ok(text) = fs::File::open(path) else {
        return Vec::new();
    };
    BufReader::new(text)
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| parse(&l))
        .collect()
}

/// The record of `key` at `place` of this kind.
pub fn find(kind: Kind, place: &str, key: &str) -> Option<Record> {
    all()
        .into_iter()
        .rev()
        .find(|r| r.kind == kind && r.place == place && r.key == key)
}

/// Records `record` (replacing an earlier one of the same partial). Best effort: a ledger
/// that cannot be written only means the partial is not continued.
pub fn put(record: Record) {
    let (kind, place, key) = (record.kind, record.place.clone(), record.key.clone());
    change(move |records| {
        records.retain(|r| !(r.kind == kind && r.place == place && r.key == key));
        records.push(record);
    });
}

/// Drops the record of `key` at `place`, if any.
pub fn forget(kind: Kind, place: &str, key: &str) {
    if find(kind, place, key).is_none() {
        return;
    }
    change(|records| records.retain(|r| !(r.kind == kind && r.place == place && r.key == key)));
}

fn change(edit: impl FnOnce(&mut Vec<Record>)) {
    let Some(path) = file() else {
        return;
    };
    let _held = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    if let Err(err) = rewrite(&path, edit) {
        log::warn!("partials ledger {}: {err}", path.display());
    }
}

fn rewrite(path: &Path, edit: impl FnOnce(&mut Vec<Record>)) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let lock = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("partials.lock"))?;
    let _locked = Flock::exclusive(&lock);
    let mut records = all();
    edit(&mut records);
    if records.len() > MOST {
        records.drain(..records.len() - MOST);
    }
    let temp = tempfile::NamedTempFile::new_in(dir)?;
    {
        let mut out = io::BufWriter::new(temp.as_file());
        writeln!(
            out,
            "# ftpsh partials: kind\tplace\tsize\ttime\tidentity\tbirth\tkey"
        )?;
        for r in &records {
            writeln!(out, "{}", line(r))?;
        }
        out.flush()?;
    }
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// An exclusive `flock` on the ledger's lock file while alive: two processes never
/// rewrite the ledger at once (one would lose the other's record).
struct Flock<'a>(&'a fs::File);

impl<'a> Flock<'a> {
    fn exclusive(file: &'a fs::File) -> Flock<'a> {
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            // SAFETY: flock on a file descriptor we own; no memory is involved.
            unsafe {
                libc::flock(file.as_raw_fd(), libc::LOCK_EX);
            }
        }
        Flock(file)
    }
}

impl Drop for Flock<'_> {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            // SAFETY: as above.
            unsafe {
                libc::flock(self.0.as_raw_fd(), libc::LOCK_UN);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_as_lines() {
        let records = [
            Record {
                kind: Kind::Upload,
                place: "alice@h:21".into(),
                key: ".ftpsh-part-1x2-3-0123456789abcdef-a\tb.txt".into(),
                size: Some(65536),
                time: Some(1_700_000_000),
                identity: None,
                birth: None,
            },
            Record {
                kind: Kind::Download,
                place: "-".into(),
                key: "/home/a/site/x.bin.ftpsh-part".into(),
                size: None,
                time: None,
                identity: Some(u64::MAX),
                birth: Some(-5),
            },
        ];
        for r in records {
            assert_eq!(parse(&line(&r)), Some(r.clone()), "{r:?}");
        }
        for bad in [
            "",
            "x\t-\t-\t-\t-\t-\tk",
            "up\tp\tx\t-\t-\t-\tk",
            "up\tp\t-\t-",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
