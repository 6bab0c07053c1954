//! One writer per remote folder on this machine: a job that mirrors into a remote folder
//! holds a lock file beside its state file, so a second ftpsh process mirroring into the
//! same folder (or one inside it, or one holding it) on the same server is refused at start.
//! Two writers would undo each other's work every pass, and each would delete the other's
//! files as extras. The jobs of one process are checked without files (`job::Jobs::start`);
//! the file lock covers two processes.
//!
//! The lock is the OS's advisory file lock (flock on Unix, LockFileEx on Windows): it ends
//! with the process however it ends, so a killed ftpsh leaves no stale lock. The file stays
//! (removing it would race with a process opening it) and says whose it was: the server, the
//! remote folder and the pid, so that a nested folder can be found and the refusal can name
//! the other process.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A held lock on a remote folder; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct RemoteLock {
    file: File,
}

impl Drop for RemoteLock {
    /// Unlocked explicitly, not merely closed: a child forked meanwhile (a hook, a test's
    /// process) shares the open file, and closing ours alone would leave the lock held
    /// until that child execs.
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// What a lock file says: the server (`user@host:port`), the remote folder, the pid.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Holder {
    server: String,
    remote: String,
    pid: u32,
}

impl Holder {
    fn parse(text: &str) -> Option<Holder> {
        let mut lines = text.lines();
        Some(Holder {
            server: lines.next()?.to_string(),
            remote: lines.next()?.to_string(),
            pid: lines.next()?.parse().ok()?,
        })
    }

    fn text(&self) -> String {
        format!("{}\n{}\n{}\n", self.server, self.remote, self.pid)
    }
}

/// Takes the lock of `remote` on `server` at `file` (beside the job's state file), after
/// making sure no other process holds the lock of the same folder or of one nesting with
/// it (`overlaps`). Refused with a message naming the other process.
pub fn acquire(
    file: &Path,
    server: &str,
    remote: &str,
    overlaps: fn(&str, &str) -> bool,
) -> Result<RemoteLock> {
    let what = || format!("mirror {remote}: lock {}", file.display());
    if let Some(dir) = file.parent() {
        fs::create_dir_all(dir).map_err(|e| Error::local(what(), e))?;
    }
    let mut own = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(file)
        .map_err(|e| Error::local(what(), e))?;
    if own.try_lock().is_err() {
        let holder = read_holder(&mut own);
        return Err(refusal(remote, server, holder.as_ref(), remote));
    }
    let own = RemoteLock { file: own };
    // Locks of folders nesting with this one, held by other processes.
    if let Some(dir) = file.parent()
        && let Ok(entries) = fs::read_dir(dir)
    {
        for other in entries.flatten().map(|e| e.path()) {
            if other == file || other.extension().is_none_or(|e| e != "lock") {
                continue;
            }
            let Ok(mut handle) = File::open(&other) else {
                continue;
            };
            let Some(holder) = read_holder(&mut handle) else {
                continue;
            };
            if holder.server != server || !overlaps(&holder.remote, remote) {
                continue;
            }
            // Held: another process mirrors there now. Not held: a finished job's file.
            if handle.try_lock_shared().is_err() {
                // (`own` unlocks as it goes)
                return Err(refusal(remote, server, Some(&holder), &holder.remote));
            }
            let _ = handle.unlock();
        }
    }
    let me = Holder {
        server: server.to_string(),
        remote: remote.to_string(),
        pid: std::process::id(),
    };
    let mut file = &own.file;
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| file.write_all(me.text().as_bytes()))
        .map_err(|e| Error::local(what(), e))?;
    Ok(own)
}

/// Where the lock of a job whose state file is `state_file` lives: beside it.
pub fn lock_file(state_file: &Path) -> PathBuf {
    state_file.with_extension("lock")
}

fn read_holder(file: &mut File) -> Option<Holder> {
    let mut text = String::new();
    // Small by construction; a larger file is not one of ours.
    file.take(4096).read_to_string(&mut text).ok()?;
    Holder::parse(&text)
}

fn refusal(remote: &str, server: &str, holder: Option<&Holder>, theirs: &str) -> Error {
    let who = match holder {
        Some(h) if h.pid == std::process::id() => "a running job of this ftpsh".to_string(),
        Some(h) => format!("another ftpsh (pid {})", h.pid),
        None => "another ftpsh".to_string(),
    };
    Error::Failed(format!(
        "mirror: {who} mirrors into {} on {server}, which overlaps {}: two writers would undo \
         each other's work; stop it first",
        crate::escape::quoted(theirs),
        crate::escape::quoted(remote)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(a: &str, b: &str) -> bool {
        a == b || a.starts_with(&format!("{b}/")) || b.starts_with(&format!("{a}/"))
    }

    #[test]
    fn a_second_lock_of_the_same_or_a_nested_folder_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::TempDir::new().unwrap();
        let file = |name: &str| dir.path().join(format!("{name}.lock"));
        let first = acquire(&file("www"), "a@h:21", "/www", nested).unwrap();
        for (name, server, remote, refused) in [
            ("www", "a@h:21", "/www", true),
            ("sub", "a@h:21", "/www/sub", true),
            ("root", "a@h:21", "/", true),
            ("other", "a@h:21", "/www2", false),
            ("elsewhere", "b@h:21", "/www/sub", false),
        ] {
            let got = acquire(&file(name), server, remote, |a, b| {
                a == "/" || b == "/" || nested(a, b)
            });
            match got {
                Err(err) => {
                    assert!(refused, "{remote} on {server}: {err}");
                    let text = err.to_string();
                    assert!(text.contains("a running job of this ftpsh"), "{text}");
                    assert!(text.contains("\"/www\""), "{text}");
                }
                Ok(_) => assert!(!refused, "{remote} on {server} was not refused"),
            }
        }
        drop(first);
        acquire(&file("sub"), "a@h:21", "/www/sub", nested).unwrap();
        // A file that is not one of ours is passed over.
        fs::write(file("junk"), "x").unwrap();
        acquire(&file("www"), "a@h:21", "/www", nested).unwrap();
    }
}
