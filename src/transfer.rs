//! File transfers with their safety rules: atomic uploads (temp name, then rename) and
//! downloads that never leave a partial file under the final name.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};
use crate::ftp::{Session, path};

/// What an upload did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uploaded {
    pub bytes: u64,
    /// The local mtime (unix seconds) the content corresponds to, read before sending.
    pub mtime: i64,
    /// The same, to the OS's precision.
    pub modified: std::time::SystemTime,
    /// The local file's size or mtime moved while it was being sent.
    pub changed_while_sending: bool,
}

/// A tag unique within this process, so two uploads never share a temporary name.
fn next_tag() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Uploads `local` to `remote`: STOR to a temporary sibling, RNFR/RNTO onto the final name,
/// then set the remote mtime where the server can. On failure the temporary is removed.
pub fn upload_atomic(
    session: &mut Session,
    local: &Path,
    remote: &str,
    progress: &mut dyn FnMut(u64),
) -> Result<Uploaded> {
    let what = format!("put {}", local.display());
    let mut file = File::open(local).map_err(|e| Error::local(what.as_str(), e))?;
    let meta = file
        .metadata()
        .map_err(|e| Error::local(what.as_str(), e))?;
    if meta.is_dir() {
        return Err(Error::Failed(format!("{what}: is a directory")));
    }
    let modified = meta
        .modified()
        .map_err(|e| Error::local(what.as_str(), e))?;
    let mtime = crate::clock::unix_seconds(modified);
    path::check_sendable(&what, remote)?;
    let temp = path::temp_sibling(remote, &next_tag());
    let what_remote = format!("put {remote}");
    let stored = session
        .store(&temp, &mut file, false, progress)
        .and_then(|bytes| check_stored_size(session, &temp, remote, bytes).map(|()| bytes));
    let bytes = match stored {
        Ok(bytes) => bytes,
        Err(err) => {
            discard_temp(session, &temp, &err);
            return Err(err.about(&what_remote));
        }
    };
    if let Err(err) = rename_over(session, &temp, remote) {
        discard_temp(session, &temp, &err);
        return Err(err.about(&what_remote));
    }
    // Best effort: where the server cannot set times, the mirror's state file remembers.
    let _ = session.set_mtime(remote, mtime);
    let now = std::fs::metadata(local).ok();
    let unchanged = now.is_some_and(|m| m.len() == bytes && m.modified().ok() == Some(modified));
    Ok(Uploaded {
        bytes,
        mtime,
        modified,
        changed_while_sending: !unchanged,
    })
}

/// A data connection that ends early but cleanly looks like a complete upload to both sides;
/// the server's SIZE of what it stored is the proof. (Servers without SIZE are trusted.)
fn check_stored_size(session: &mut Session, temp: &str, remote: &str, sent: u64) -> Result<()> {
    if !session.has_feature("SIZE") {
        return Ok(());
    }
    let stored = session.size(temp)?;
    if stored != sent {
        return Err(Error::Failed(format!(
            "put {remote}: the server stored {stored} of {sent} bytes (data connection cut short)"
        )));
    }
    Ok(())
}

/// Removing the temporary after a failed upload is best effort; the connection may be gone,
/// and the next mirror pass cleans stale temporaries anyway.
fn discard_temp(session: &mut Session, temp: &str, cause: &Error) {
    if !cause.is_connection_lost() {
        let _ = session.delete(temp);
    }
}

/// RNTO onto an existing file is refused by some servers (Windows-backed ones). Then the old
/// file is moved aside first and deleted only once the new one is in place; if the second
/// rename fails too, the old file is put back. The user's file is never deleted before its
/// replacement has its name.
fn rename_over(session: &mut Session, from: &str, to: &str) -> Result<()> {
    let first = match session.rename(from, to) {
        Err(err @ Error::Reply { .. }) => err,
        other => return other,
    };
    let target_exists = matches!(session.stat(to), Ok(Some(_)));
    if !target_exists {
        return Err(first);
    }
    let aside = path::temp_sibling(to, &format!("{}-old", next_tag()));
    session.rename(to, &aside).map_err(|_| first)?;
    match session.rename(from, to) {
        Ok(()) => {
            let _ = session.delete(&aside);
            Ok(())
        }
        Err(err) => {
            let _ = session.rename(&aside, to);
            Err(err)
        }
    }
}

/// The temporary name a download is written under, beside its final name.
fn partial_path(local: &Path) -> PathBuf {
    let mut name = local.file_name().unwrap_or_default().to_os_string();
    name.push(".ftpsh-part");
    local.with_file_name(name)
}

/// Downloads `remote` to `local` through a `.ftpsh-part` file renamed on success. With
/// `resume`, a partial file left by an earlier attempt (or a smaller `local`) is continued
/// with REST instead of starting over. When the connection breaks, the partial is kept for
/// `get -c`; when the server refuses, it is removed.
pub fn download(
    session: &mut Session,
    remote: &str,
    local: &Path,
    resume: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    let what = format!("get {remote}");
    let expected = if session.has_feature("SIZE") {
        session.size(remote).ok()
    } else {
        None
    };
    let partial = partial_path(local);
    let local_error = |e| Error::local(format!("{what}: {}", partial.display()), e);
    if resume && !partial.exists() && local.is_file() {
        // A smaller file under the final name (another tool's partial download) is continued.
        let smaller =
            fs::metadata(local).is_ok_and(|m| expected.is_some_and(|size| m.len() < size));
        if smaller {
            fs::rename(local, &partial).map_err(local_error)?;
        }
    }
    let offset = if resume {
        fs::metadata(&partial).map_or(0, |m| m.len())
    } else {
        0
    };
    let file = if offset > 0 {
        fs::OpenOptions::new().append(true).open(&partial)
    } else {
        File::create(&partial)
    }
    .map_err(local_error)?;
    let mut out = BufWriter::new(file);
    let result = session
        .retrieve_from(remote, offset, &mut out, progress)
        .and_then(|bytes| {
            out.flush().map_err(local_error)?;
            match expected {
                Some(size) if size != offset + bytes => Err(Error::Failed(format!(
                    "{what}: received {} of {size} bytes (data connection cut short)",
                    offset + bytes
                ))),
                _ => Ok(offset + bytes),
            }
        });
    drop(out);
    match result {
        Ok(bytes) => {
            fs::rename(&partial, local)
                .map_err(|e| Error::local(format!("{what}: {}", local.display()), e))?;
            Ok(bytes)
        }
        Err(err) if err.is_connection_lost() => Err(Error::Connection {
            what: what.clone(),
            message: format!(
                "{}; the partial download is kept in {} (get -c resumes it)",
                match &err {
                    Error::Connection { message, .. } => message.clone(),
                    other => other.to_string(),
                },
                partial.display()
            ),
        }),
        Err(err) => {
            let _ = fs::remove_file(&partial);
            Err(err)
        }
    }
}
