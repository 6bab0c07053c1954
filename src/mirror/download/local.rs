//! Writing into LOCAL for a download mirror. A file is fetched into a temporary beside its
//! final name (`crate::transfer::temp_name`, the uploads' naming), flushed to disk, given
//! the server's time, and renamed into place only if what is there is still what the pass
//! saw; folders are made and removed; conflicts are kept aside. No link is followed or
//! created: every folder on the way is checked to be a real folder inside LOCAL.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use crate::error::{Error, Result};
use crate::escape::local_path;
use crate::ftp::{Session, path};
use crate::lossless;
use crate::mirror::tree::{Kind, RemoteEntry};
use crate::transfer::{self, temp_name};

/// What a fetch left in place.
#[derive(Debug, Clone, Copy)]
pub struct Fetched {
    /// Bytes received by this transfer (the file holds `resumed_at` more).
    pub bytes: u64,
    /// The local file's mtime now (the server's, when it gave one).
    pub mtime: i64,
    pub identity: Option<u64>,
    /// Where the transfer began, when it continued an interrupted one's temporary.
    pub resumed_at: Option<u64>,
}

/// One file to fetch: `remote`, listed with `size` bytes and the server's `mtime`, into
/// LOCAL at `rel`, where the pass saw `seen`; `resume`: the temporary an interrupted fetch
/// of this very version left beside it (the planner matched its name's fingerprint).
pub struct Fetch<'a> {
    pub remote: &'a str,
    pub rel: &'a str,
    pub size: u64,
    pub mtime: Option<i64>,
    pub seen: Option<RemoteEntry>,
    pub resume: Option<&'a str>,
    /// The permission bits the file gets (`download::local_mode`); None: the umask's.
    pub mode: Option<u32>,
}

fn local_error(what: String, err: io::Error) -> Error {
    Error::local(what, err)
}

fn refuse(what: String, why: &str) -> Error {
    Error::local(what, io::Error::other(why.to_string()))
}

/// The local folder for mirror-relative `rel` ("" is the root), checked component by
/// component below the root: each must be a folder, not a link to one (a link put there
/// could lead the write anywhere on the disk).
fn real_dir(root: &Path, rel: &str) -> Result<PathBuf> {
    let mut dir = root.to_path_buf();
    if rel.is_empty() {
        return Ok(dir);
    }
    for part in rel.split('/') {
        dir.push(lossless::to_os(part));
        let meta =
            fs::symlink_metadata(&dir).map_err(|e| local_error(local_path(&dir).to_string(), e))?;
        if !meta.is_dir() {
            return Err(refuse(
                local_path(&dir).to_string(),
                "not a folder (a link or a file); nothing written through it",
            ));
        }
    }
    Ok(dir)
}

/// The local path of `rel`, its folder checked (see [`real_dir`]).
fn checked(root: &Path, rel: &str) -> Result<PathBuf> {
    let dir = real_dir(root, path::parent(rel))?;
    Ok(dir.join(lossless::to_os(path::file_name(rel))))
}

/// Unix seconds of a file's mtime.
fn mtime_of(meta: &Metadata) -> i64 {
    meta.modified().map(crate::clock::unix_seconds).unwrap_or(0)
}

/// The file at a path is still what the pass saw there: a regular file of the same size,
/// second and identity (0: no identity known).
fn still_seen(meta: &Metadata, seen: RemoteEntry) -> bool {
    let identity = transfer::identity(meta);
    meta.is_file()
        && seen.kind == Kind::File
        && meta.len() == seen.size
        && Some(mtime_of(meta)) == seen.mtime
        && (seen.inode.is_none_or(|i| i == 0) || identity.is_none() || identity == seen.inode)
}

/// Checks that the final name holds what the pass saw (`seen`; None: nothing): a file the
/// user wrote or changed meanwhile is never replaced nor removed.
fn unchanged_since_scan(target: &Path, seen: Option<RemoteEntry>) -> Result<()> {
    let now = match fs::symlink_metadata(target) {
        Ok(meta) => Some(meta),
        Err(err) if err.kind() == io::ErrorKind::NotFound => None,
        Err(err) => return Err(local_error(local_path(target).to_string(), err)),
    };
    let fine = match (&now, seen) {
        // Gone meanwhile: nothing of the user's is at stake.
        (None, _) => true,
        (Some(meta), Some(seen)) => still_seen(meta, seen),
        (Some(_), None) => false,
    };
    if fine {
        Ok(())
    } else {
        Err(refuse(
            local_path(target).to_string(),
            "changed locally during the pass; left as it is (the next pass keeps it aside)",
        ))
    }
}

/// Fetches one file (see [`Fetch`]) through a temporary beside it: the interrupted one
/// named in `resume`, continued with REST, or a new one. Only a complete copy (the listed
/// size, the transfer confirmed) replaces anything. A transfer cut short keeps its
/// temporary for the next pass to continue; any other failure removes it. `moved` hears
/// of the file's bytes so far.
pub fn fetch(
    session: &mut Session,
    root: &Path,
    f: &Fetch<'_>,
    moved: &mut dyn FnMut(u64),
) -> Result<Fetched> {
    let target = checked(root, f.rel)?;
    let what = format!("get {}", f.remote);
    let time = f.mtime.map(|t| {
        if t >= 0 {
            UNIX_EPOCH + Duration::from_secs(t as u64)
        } else {
            UNIX_EPOCH - Duration::from_secs(t.unsigned_abs())
        }
    });
    let server = session.params().address();
    let found = match transfer::partial::distrusted(&server) {
        true => None,
        false => continued(root, f),
    };
    let (temp, file, mut offset) = match found {
        Some(found) => found,
        None => {
            let fingerprint = temp_name::Fingerprint::of(f.size, f.mtime.unwrap_or(0), None);
            let temp_rel = temp_name::download(
                path::file_name(f.rel),
                transfer::process_tag(),
                transfer::next_serial(),
                fingerprint,
            );
            let temp = target.with_file_name(lossless::to_os(&temp_rel));
            // create_new: never opens what is there, a link included.
            let file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)
                .map_err(|e| local_error(format!("{what}: {}", local_path(&target)), e))?;
            if f.size >= transfer::partial::RECORD_FROM {
                // Worth continuing after a kill: recorded as ours from the start.
                transfer::partial::record_download(&temp, &file, false);
            }
            (temp, file, 0)
        }
    };
    // Messages name the file the user knows, never its temporary.
    let temp_error = |e| local_error(format!("{what}: {}", local_path(&target)), e);
    let mut written = write_into(session, f, &file, offset, &what, &target, moved);
    if offset > 0 && matches!(written, Err(Error::Unproven { .. })) {
        // The server did not send the rest from where it was asked: what the temporary
        // holds is no prefix of the file. Emptied (it is ours, open) and fetched whole.
        transfer::partial::distrust(&server, &what);
        offset = 0;
        written = file
            .set_len(0)
            .map_err(temp_error)
            .and_then(|()| write_into(session, f, &file, 0, &what, &target, moved));
    }
    let written = written.and_then(|()| {
        if let Some(time) = time {
            file.set_modified(time).map_err(temp_error)?;
        }
        if let Some(mode) = f.mode {
            set_mode(&file, mode).map_err(temp_error)?;
        }
        unchanged_since_scan(&target, f.seen)?;
        let meta = file.metadata().map_err(temp_error)?;
        fs::rename(&temp, &target)
            .map_err(|e| local_error(format!("{what}: {}", local_path(&target)), e))?;
        if f.size >= transfer::partial::RECORD_FROM || offset > 0 {
            transfer::partial::forget_download(&temp);
        }
        Ok(Fetched {
            bytes: f.size - offset,
            mtime: mtime_of(&meta),
            identity: transfer::identity(&meta),
            resumed_at: (offset > 0).then_some(offset),
        })
    });
    // Cut (a lost connection, a stop, Ctrl-C): the temporary holds a prefix, for the next
    // pass to continue.
    if let Err(err) = &written {
        if err.is_connection_lost()
            || matches!(err, Error::Cancelled(_))
            || crate::cancel::requested()
        {
            // Recorded as it is at the cut: the next pass continues only this.
            transfer::partial::record_download(&temp, &file, true);
        } else {
            let _ = fs::remove_file(&temp);
            transfer::partial::forget_download(&temp);
        }
    }
    drop(file);
    written
}

/// The temporary `f.resume` names, opened to be continued, with its length: only a plain
/// file in the target's folder, no longer than the listed size, that this ftpsh made and
/// recorded and nobody replaced since ([`transfer::partial::download_is_ours`]).
fn continued(root: &Path, f: &Fetch<'_>) -> Option<(PathBuf, File, u64)> {
    let rel = f
        .resume
        .filter(|t| path::parent(t) == path::parent(f.rel))?;
    let temp = checked(root, rel).ok()?;
    let meta = fs::symlink_metadata(&temp).ok()?;
    if !meta.is_file() || meta.len() > f.size || !transfer::partial::download_is_ours(&temp, &meta)
    {
        return None;
    }
    let mut options = OpenOptions::new();
    options.append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(&temp).ok()?;
    Some((temp, file, meta.len()))
}

/// RETR (from `offset`, with REST) into `file`, read up to the listed `size` (a server
/// sending more is stopped: [`Error::Unproven`]), flushed to the disk and proven whole
/// ([`transfer::partial::prove`]) before it may be renamed onto a real name.
/// Errors name `target`, the file it will become.
fn write_into(
    session: &mut Session,
    f: &Fetch<'_>,
    file: &File,
    offset: u64,
    what: &str,
    target: &Path,
    moved: &mut dyn FnMut(u64),
) -> Result<()> {
    let (remote, size) = (f.remote, f.size);
    let temp_error = |e| local_error(format!("{what}: {}", local_path(target)), e);
    let mut received = 0;
    if offset < size || size == 0 {
        let mut out = crate::cancel::Writer(BufWriter::new(file));
        received =
            session.retrieve_from(remote, offset, Some(size - offset), &mut out, &mut |n| {
                moved(offset + n)
            })?;
        out.flush().map_err(temp_error)?;
    }
    if offset + received != size {
        return Err(Error::Failed(format!(
            "{what}: received {} bytes where the listing said {size} (changed on the server meanwhile?); nothing replaced, fetched again next pass",
            offset + received
        )));
    }
    let held = file.metadata().map_err(temp_error)?.len();
    transfer::partial::prove(offset, received, held, size).map_err(|why| Error::Unproven {
        what: what.to_string(),
        detail: why.0,
    })?;
    file.sync_all().map_err(temp_error)?;
    Ok(())
}

/// Gives an open file these permission bits (nothing where the OS has none).
fn set_mode(file: &File, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, mode);
        Ok(())
    }
}

/// Sets the permission bits of the local file at `rel`, if it is still what the pass saw
/// (a regular file: a link put there is not followed).
pub fn chmod(root: &Path, rel: &str, mode: u32, seen: Option<RemoteEntry>) -> Result<()> {
    let target = checked(root, rel)?;
    unchanged_since_scan(&target, seen)?;
    let what = format!("chmod {}", local_path(&target));
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let file = options
        .open(&target)
        .map_err(|e| local_error(what.clone(), e))?;
    let meta = file.metadata().map_err(|e| local_error(what.clone(), e))?;
    if !meta.is_file() {
        return Err(refuse(what, "not a regular file; left as it is"));
    }
    set_mode(&file, mode).map_err(|e| local_error(what, e))
}

/// The process's umask: what it takes from the modes new files get. Read where the OS
/// says it without changing it (Linux: /proc/self/status); else the common 022.
pub fn umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("Umask:"))?;
            u32::from_str_radix(line.trim_start_matches("Umask:").trim(), 8).ok()
        })
        .unwrap_or(0o022)
}

pub fn mkdir(root: &Path, rel: &str) -> Result<()> {
    let dir = checked(root, rel)?;
    match fs::create_dir(&dir) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => real_dir(root, rel).map(drop),
        Err(err) => Err(local_error(format!("mkdir {}", local_path(&dir)), err)),
    }
}

/// Removes the local file at `rel` if it is still what the pass saw.
pub fn remove_file(root: &Path, rel: &str, seen: Option<RemoteEntry>) -> Result<()> {
    let target = checked(root, rel)?;
    unchanged_since_scan(&target, seen)?;
    match fs::remove_file(&target) {
        Err(err) if err.kind() != io::ErrorKind::NotFound => {
            Err(local_error(format!("rm {}", local_path(&target)), err))
        }
        _ => Ok(()),
    }
}

/// Removes a leftover temporary (the planner found it stale): a regular file by our
/// naming, whatever its content.
pub fn remove_temp(root: &Path, rel: &str) -> Result<()> {
    let target = checked(root, rel)?;
    let meta = fs::symlink_metadata(&target)
        .map_err(|e| local_error(format!("rm {}", local_path(&target)), e))?;
    if !meta.is_file() || !temp_name::is_temp(rel) {
        return Err(refuse(
            local_path(&target).to_string(),
            "not a temporary file; left alone",
        ));
    }
    fs::remove_file(&target).map_err(|e| local_error(format!("rm {}", local_path(&target)), e))
}

/// Removes an empty local folder (one that holds anything is kept, with an error).
pub fn remove_dir(root: &Path, rel: &str) -> Result<()> {
    let dir = checked(root, rel)?;
    real_dir(root, rel)?;
    fs::remove_dir(&dir).map_err(|e| local_error(format!("rmdir {}", local_path(&dir)), e))
}

/// Renames within LOCAL, never over an existing name.
pub fn rename(root: &Path, from: &str, to: &str) -> Result<()> {
    let (source, target) = (checked(root, from)?, checked(root, to)?);
    if fs::symlink_metadata(&target).is_ok() {
        return Err(refuse(
            local_path(&target).to_string(),
            "exists already; not replaced",
        ));
    }
    fs::rename(&source, &target).map_err(|e| {
        local_error(
            format!("rename {} {}", local_path(&source), local_path(&target)),
            e,
        )
    })
}

/// Whether the process that made the local temporary `rel` is gone (its pid names no
/// process): then the temporary is a leftover, cleaned at once. Where that cannot be
/// told, false (the temporary's age decides).
pub fn owner_gone(rel: &str) -> bool {
    let Some(pid) = temp_name::parse(rel)
        .and_then(|t| t.process.split_once('x'))
        .and_then(|(pid, _)| pid.parse::<i32>().ok())
        .filter(|pid| *pid > 0)
    else {
        return false;
    };
    #[cfg(unix)]
    {
        // Signal 0 checks that the pid exists, sending nothing.
        // SAFETY: kill with signal 0 has no effect on any process.
        let alive = unsafe { libc::kill(pid, 0) } == 0
            || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
        !alive
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        false
    }
}
