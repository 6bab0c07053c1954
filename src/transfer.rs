//! File transfers with their safety rules: atomic uploads (temp name, then rename) and
//! downloads that never leave a partial file under the final name.

use std::fs::{self, File};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};
use crate::ftp::listing::EntryKind;
use crate::ftp::{Session, path};

pub mod ledger;
pub mod partial;
pub mod summary;
pub mod temp_name;

use temp_name::Fingerprint;

/// What an upload did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uploaded {
    /// Bytes sent (the rest of the file, when an earlier upload was resumed).
    pub bytes: u64,
    /// Where the upload continued an earlier one's temporary (`None`: a new one, from the
    /// start).
    pub resumed_at: Option<u64>,
    /// The local mtime (unix seconds) the content corresponds to, read before sending.
    pub mtime: i64,
    /// The same, to the OS's precision.
    pub modified: std::time::SystemTime,
    /// A moment just before the file's size and mtime were read for sending.
    pub stat_at: std::time::SystemTime,
}

impl Uploaded {
    /// The file's mtime proves nothing of what was sent (git's "racy" files): it was last
    /// changed so shortly before it was read that another write in the same tick of the
    /// file system's clock (a coarse tick: a few milliseconds on Linux, 16 ms on Windows; a
    /// whole second, two on FAT, for times without a sub-second part) would keep the same
    /// mtime, and could have come after the read.
    pub fn racy(&self) -> bool {
        const TICK: std::time::Duration = std::time::Duration::from_millis(25);
        const WHOLE_SECONDS: std::time::Duration = std::time::Duration::from_secs(2);
        let tick = match crate::clock::subsec_nanos(self.modified) {
            0 => WHOLE_SECONDS,
            _ => TICK,
        };
        self.stat_at
            .checked_sub(tick)
            .is_none_or(|earliest| self.modified > earliest)
    }
}

/// What a download did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Downloaded {
    /// Bytes received (the rest of the file, when an earlier download was resumed).
    pub bytes: u64,
    /// Where the download continued an earlier partial (`None`: from the start).
    pub resumed_at: Option<u64>,
}

/// What a tree walk saw of a local file before asking for it to be sent. The default (a
/// file the user named) takes whatever is at the path now, following links.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seen {
    /// The walk's [`identity`] of the file; the opened file must have it.
    pub identity: Option<u64>,
    /// The walk did not follow links: a link put in the file's place is not opened.
    pub no_follow: bool,
}

/// Where an upload starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Resume<'a> {
    /// From byte 0, under a new temporary.
    #[default]
    No,
    /// Continues the temporary of this very version of the file (size, mtime, identity) that
    /// the target folder holds, if any (`put -c`: the folder is listed to find it).
    Search,
    /// Continues this temporary (a path beside the target, found by the mirror's plan) if it
    /// still is one of this version of the file.
    Temp(&'a str),
}

/// A file's identity across renames: device, inode and birth time folded into one number.
/// Device + inode alone is no proof: a file system reuses a freed inode number at once, so
/// a release step that deletes a file and writes another (same size, same mtime: a
/// SOURCE_DATE_EPOCH build) can give the new one the old one's device + inode, and a mirror
/// would "rename" the deleted file's bytes onto the new name. The birth time (statx) tells
/// them apart. Where the file system keeps none, the ctime stands in: it moves with a
/// rename and a chmod too, so such a file is sent again rather than renamed (slower, never
/// the wrong bytes). `None` where the OS gives no file id (std has none on Windows).
#[cfg(unix)]
pub fn identity(meta: &fs::Metadata) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    let (secs, nanos) = match meta.created() {
        Ok(born) => (
            crate::clock::unix_seconds(born),
            crate::clock::subsec_nanos(born),
        ),
        Err(_) => (meta.ctime(), meta.ctime_nsec() as u32),
    };
    // FNV-1a over the three: a 64-bit digest, collisions as rare as the hash's.
    let bytes = [file_id(meta)?, secs as u64, u64::from(nanos)];
    let digest = bytes
        .iter()
        .flat_map(|n| n.to_le_bytes())
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, b| {
            (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    Some(digest)
}

#[cfg(not(unix))]
pub fn identity(_: &fs::Metadata) -> Option<u64> {
    None
}

/// Device + inode folded into one number: which file this is right now (a folder met again
/// down a link is a loop), not across time (see [`identity`]).
#[cfg(unix)]
pub fn file_id(meta: &fs::Metadata) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    Some(meta.ino() ^ meta.dev().rotate_left(32))
}

#[cfg(not(unix))]
pub fn file_id(_: &fs::Metadata) -> Option<u64> {
    None
}

/// A serial unique within this process, so two uploads never share a temporary name.
pub fn next_serial() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// This process's part of every temporary name ([`temp_name`]): the pid plus a nonce, since
/// pids repeat across machines and containers (ftpsh as pid 1).
pub fn process_tag() -> &'static str {
    static TAG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TAG.get_or_init(|| {
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        format!("{}x{nonce:08x}", std::process::id())
    })
}

/// Uploads `local` to `remote`: STOR to a temporary sibling, RNFR/RNTO onto the final name,
/// then set the remote mtime where the server can. On failure the temporary is removed.
///
/// Only a file that held still is put in place: if its size, mtime or identity moved while
/// it was being sent, what the server got may be half one version and half another, so the
/// temporary is removed, the server keeps its previous version, and the error (a local one:
/// the file is skipped) says so. A file that is not what the walk saw (`seen`: replaced, or
/// a link put in its place) is not sent at all.
///
/// With `resume`, a temporary of an earlier attempt is continued from where it stops
/// (REST + STOR, or APPE) when its name says it holds this version of the file (see
/// [`temp_name`]) and it is no longer than the file; otherwise the upload starts over.
/// The file's size, mtime and identity are all in that name, and a file that changed in
/// place keeps none of the three.
pub fn upload_seen(
    session: &mut Session,
    local: &Path,
    remote: &str,
    seen: Seen,
    resume: Resume<'_>,
    progress: &mut dyn FnMut(u64),
) -> Result<Uploaded> {
    upload_replacing(session, local, remote, seen, resume, progress, None)
}

/// Run once the new content is stored whole, just before it takes the final name: the
/// mirror's `--backup-dir` moves the file it replaces away there, so the name is without
/// a file only between two renames. An error leaves the final name as it was.
pub type BeforeRename<'a> = &'a mut dyn FnMut(&mut Session) -> Result<()>;

/// [`upload_seen`], with `before_rename` run just before the final rename.
pub fn upload_replacing(
    session: &mut Session,
    local: &Path,
    remote: &str,
    seen: Seen,
    resume: Resume<'_>,
    progress: &mut dyn FnMut(u64),
    before_rename: Option<BeforeRename>,
) -> Result<Uploaded> {
    let what = format!("put {}", crate::escape::local_path(local));
    let skip = |why: &str| Error::local(what.as_str(), io::Error::other(why.to_string()));
    let mut file = open_source(local, seen.no_follow).map_err(|e| {
        if is_link_refused(&e) {
            skip("is a symbolic link now, not the file the tree walk saw; not followed, skipped")
        } else {
            Error::local(what.as_str(), e)
        }
    })?;
    let stat_at = std::time::SystemTime::now();
    let before = file
        .metadata()
        .map_err(|e| Error::local(what.as_str(), e))?;
    if before.is_dir() {
        return Err(Error::IsDirectory { what, hint: "" });
    }
    if seen.no_follow && !before.is_file() {
        return Err(skip("is no longer a regular file; skipped"));
    }
    if seen.identity.is_some() && identity(&before) != seen.identity {
        return Err(skip(
            "is not the file the tree walk saw (replaced since); skipped until the next walk",
        ));
    }
    let modified = before
        .modified()
        .map_err(|e| Error::local(what.as_str(), e))?;
    let mtime = crate::clock::unix_seconds(modified);
    path::check_sendable(&what, remote)?;
    let fingerprint = Fingerprint::of(before.len(), mtime, identity(&before));
    let server = session.params().address();
    let place = partial::place(session);
    let found = match resumable(session, remote, &place, fingerprint, before.len(), resume)? {
        // Nothing is continued on a server seen not to continue where asked: its
        // temporary is of no use to anyone.
        Some((temp, _)) if partial::distrusted(&server) => {
            let _ = session.delete(&temp);
            partial::forget_upload(&place, &temp);
            None
        }
        found => found,
    };
    if let Some((temp, _)) = &found {
        // Written again from here: its cut is history (a kill now leaves it unrecorded).
        partial::forget_upload(&place, temp);
    }
    let new_temp = || temp_name::upload(remote, process_tag(), next_serial(), fingerprint);
    let mut resumed = found.is_some();
    let (mut temp, mut offset) = found.unwrap_or_else(|| (new_temp(), 0));
    let what_remote = format!("put {remote}");
    let mut sent = 0;
    let mut stored = send_temp(session, &mut file, &temp, offset, before.len(), &mut |n| {
        sent = n;
        progress(offset + n)
    });
    if offset > 0 && matches!(stored, Err(Error::Unproven { .. })) {
        // The server did not continue where asked: what the temporary holds is no prefix
        // of the file. Dropped, and the whole file sent again under a new one.
        let _ = session.delete(&temp);
        partial::distrust(&server, &what_remote);
        file.seek(SeekFrom::Start(0))
            .map_err(|e| Error::local(what.as_str(), e))?;
        (temp, offset, resumed) = (new_temp(), 0, false);
        stored = send_temp(session, &mut file, &temp, 0, before.len(), &mut |n| {
            sent = n;
            progress(n)
        });
    }
    let bytes = match stored {
        Ok(bytes) => bytes,
        Err(err) => {
            let stopped = crate::cancel::keeps_partial();
            let interrupted = stopped || crate::cancel::requested();
            // Interrupted (Ctrl-C, a job's stop) with bytes sent: the temporary holds the
            // start of the file and stays for `put -c` or the next pass, as `get` keeps its
            // partial download.
            if interrupted {
                // This thread keeps its control connection a while to settle the temporary.
                crate::cancel::cleaning_up();
                if offset + sent == 0 {
                    let _ = session.delete(&temp);
                }
            } else {
                discard_temp(session, &temp, &err);
            }
            // What the server holds now is recorded as the cut: only a temporary still so
            // is continued later (nothing is when the server can no longer say).
            let keeps = offset + sent > 0 && (interrupted || resumable_after(&err));
            let recorded = keeps && partial::record_upload_cut(session, &temp);
            restore_missing(session, remote, &err);
            if interrupted && offset + sent > 0 {
                let how = match stopped {
                    true => "interrupted by a stop",
                    false => "cancelled",
                };
                return Err(Error::Cancelled(format!(
                    "{what_remote}: {how} after {} of {} bytes; {}",
                    offset + sent,
                    before.len(),
                    match recorded {
                        true =>
                            "the partial upload stays on the server for put -c or the \
                                 next mirror pass to continue",
                        false =>
                            "what reached the server could not be checked: it is \
                                  not continued",
                    }
                )));
            }
            if interrupted {
                return Err(Error::cancelled(&what_remote));
            }
            // A lost connection leaves the temporary (nothing could remove it): say how to
            // go on from its bytes (the mirror does by itself on its next pass).
            let err = err.about(&what_remote);
            if !resumable_after(&err) || offset + sent == 0 {
                return Err(err);
            }
            let kept = match recorded {
                true => {
                    "what reached the server stays there for put -c or the next mirror \
                         pass to continue"
                }
                false => {
                    "what reached the server could not be checked (the connection is \
                          gone): put -c sends the file again from byte 0"
                }
            };
            return Err(match err {
                Error::Connection { what, message } => Error::Connection {
                    what,
                    message: format!("{message}; {kept}"),
                },
                Error::CutShort { what, detail } => Error::CutShort {
                    what,
                    detail: format!("{detail}; {kept}"),
                },
                other => other,
            });
        }
    };
    if !held_still(&file, local, seen.no_follow, &before) {
        let _ = session.delete(&temp);
        let changed = skip("changed while being sent");
        restore_missing(session, remote, &changed);
        return Err(skip(
            "changed while being sent; the upload was discarded and the server keeps its \
             previous version (it is sent again once it holds still)",
        ));
    }
    if let Some(before) = before_rename
        && let Err(err) = before(session)
    {
        let _ = discard_temp(session, &temp, &err);
        return Err(err.about(&what_remote));
    }
    if let Err(err) = rename_over(session, &temp, remote) {
        let _ = discard_temp(session, &temp, &err);
        restore_missing(session, remote, &err);
        return Err(err.about(&what_remote));
    }
    // Best effort: where the server cannot set times, the mirror's state file remembers.
    let _ = session.set_mtime(remote, mtime);
    Ok(Uploaded {
        bytes,
        resumed_at: resumed.then_some(offset),
        mtime,
        modified,
        stat_at,
    })
}

/// The temporary an upload continues, and how much of the file it holds already: one named
/// for this version of the file (`fingerprint`), no longer than it (`size`), that this
/// ftpsh cut and recorded at `place` with the size and time the server shows now
/// ([`partial::upload_cut_matches`]). Binary mode only, and only where SIZE says what the
/// server holds (an offset counts bytes). A candidate that fails is not continued, and is
/// removed unless someone's upload may be running into it.
fn resumable(
    session: &mut Session,
    remote: &str,
    place: &str,
    fingerprint: Fingerprint,
    size: u64,
    resume: Resume<'_>,
) -> Result<Option<(String, u64)>> {
    if resume == Resume::No || !session.is_binary() || !session.has_feature("SIZE") {
        return Ok(None);
    }
    let final_name = path::file_name(remote);
    let now = crate::clock::now_unix();
    let temp = match resume {
        Resume::Temp(temp) => Some(temp.to_string()),
        _ => {
            let dir = path::parent(remote);
            let in_dir = |name: &str| match dir {
                "" => name.to_string(),
                dir => path::join(dir, name),
            };
            let listing = session.listing(if dir.is_empty() { "." } else { dir })?;
            let (ours, others): (Vec<_>, Vec<_>) = listing
                .entries
                .into_iter()
                .filter(|e| {
                    // Uploads only: a file moved aside (`-old-`) may be the one copy left
                    // of the previous version.
                    e.kind == EntryKind::File
                        && temp_name::parse(&e.name).is_some_and(|t| {
                            t.final_name == final_name
                                && matches!(t.purpose, temp_name::Purpose::Upload(_))
                        })
                })
                .partition(|e| temp_name::resumes(&e.name, final_name, fingerprint));
            // Upload temporaries of other versions of the file are of no use to anyone once
            // no upload is running into them (ours, or old): removed, as the mirror would
            // (best effort).
            for stale in &others {
                if !temp_name::busy_elsewhere(&stale.name, stale.mtime, now, process_tag()) {
                    let _ = session.delete(&in_dir(&stale.name));
                    partial::forget_upload(place, &stale.name);
                }
            }
            let made = partial::Made::remote(place);
            let chosen = partial::pick(
                ours.iter().map(|e| (e.name.as_str(), e.size, None)),
                final_name,
                fingerprint,
                size,
                &made,
            );
            // The others of this version are not provably ours as left: stale like any.
            for stale in ours.iter().filter(|e| Some(e.name.as_str()) != chosen) {
                if !temp_name::busy_elsewhere(&stale.name, stale.mtime, now, process_tag()) {
                    let _ = session.delete(&in_dir(&stale.name));
                    partial::forget_upload(place, &stale.name);
                }
            }
            chosen.map(in_dir)
        }
    };
    let Some(temp) = temp.filter(|t| temp_name::resumes(t, final_name, fingerprint)) else {
        return Ok(None);
    };
    let Ok(Some(entry)) = session.stat(&temp) else {
        return Ok(None);
    };
    if entry.size <= size && partial::upload_cut_matches(place, &temp, entry.size, entry.mtime) {
        return Ok(Some((temp, entry.size)));
    }
    // Not this ftpsh's cut as it left it (written since, made by someone else, or its
    // writer killed before a cut was recorded): the file goes from byte 0.
    crate::journal::trace_note(&format!(
        "{temp}: not continued (no cut of this size and time recorded by ftpsh)"
    ));
    if !temp_name::busy_elsewhere(&temp, entry.mtime, now, process_tag()) {
        let _ = session.delete(&temp);
    }
    partial::forget_upload(place, &temp);
    Ok(None)
}

/// Opens a file to send. `no_follow`: a symbolic link at the final name is refused
/// (O_NOFOLLOW) and a FIFO put in the file's place does not block the open (O_NONBLOCK,
/// which changes nothing for regular files).
fn open_source(local: &Path, no_follow: bool) -> io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    if no_follow {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    #[cfg(not(unix))]
    let _ = no_follow;
    options.open(local)
}

/// The error an O_NOFOLLOW open gives for a symbolic link.
fn is_link_refused(err: &io::Error) -> bool {
    #[cfg(unix)]
    {
        err.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = err;
        false
    }
}

/// True when the file sent is the one at `local` still, unchanged since `before`: same
/// size, mtime and identity, through the open file and through the path. (Not the bytes
/// sent: an ASCII-mode transfer sends CRLF for LF.)
fn held_still(file: &File, local: &Path, no_follow: bool, before: &fs::Metadata) -> bool {
    let Ok(after) = file.metadata() else {
        return false;
    };
    let at_path = if no_follow {
        fs::symlink_metadata(local)
    } else {
        fs::metadata(local)
    };
    let Ok(at_path) = at_path else {
        return false;
    };
    after.len() == before.len()
        && after.modified().ok() == before.modified().ok()
        && identity(&at_path) == identity(&after)
        && at_path.is_file()
}

/// Sends `file` from `offset` on into `temp` (which holds `offset` bytes of it already) and
/// proves what the server stored (see [`check_stored`]); `whole`: the file's size.
fn send_temp(
    session: &mut Session,
    file: &mut File,
    temp: &str,
    offset: u64,
    whole: u64,
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    if offset > 0 {
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| Error::local(format!("put {temp}"), e))?;
    }
    // Ctrl-C makes the next read fail: the data connection closes.
    let bytes = session.store_from(temp, offset, &mut crate::cancel::Reader(file), progress)?;
    check_stored(session, temp, offset, bytes, whole)?;
    if crate::cancel::requested() {
        return Err(Error::cancelled(format!("put {temp}")));
    }
    Ok(bytes)
}

/// A data connection that ends early but cleanly looks like a complete upload to both sides;
/// the server's SIZE of what it stored is the proof. (Servers without SIZE are trusted: no
/// upload continues anything there.) An ASCII upload has no proof: the server counts its
/// own line ends (and ProFTPD refuses SIZE in ASCII mode with 550).
///
/// An upload from byte 0 that stored less is cut short (a prefix, kept to continue); one
/// that stored more is no prefix (removed). A continued one (`offset` > 0) is proven by
/// [`partial::prove`] or is [`Error::Unproven`]: the caller sends the file again.
fn check_stored(
    session: &mut Session,
    temp: &str,
    offset: u64,
    sent: u64,
    whole: u64,
) -> Result<()> {
    if !session.has_feature("SIZE") || !session.is_binary() {
        return Ok(());
    }
    let stored = session.size(temp)?;
    if offset > 0 {
        return partial::prove(offset, sent, stored, whole).map_err(|why| Error::Unproven {
            what: format!("put {temp}"),
            detail: why.0,
        });
    }
    if stored > sent {
        // Not a prefix of what was sent: nothing to continue from.
        let _ = session.delete(temp);
    }
    if stored != sent {
        return Err(Error::CutShort {
            what: format!("put {temp}"),
            detail: format!("the server stored {stored} of {sent} bytes"),
        });
    }
    Ok(())
}

/// Removes the temporary after a failed upload, but where the connection was lost or cut
/// short: then it holds the start of the file, for `put -c` or the mirror's next pass to
/// continue (a lost connection could not remove it anyway). Best effort; the next mirror
/// pass cleans stale temporaries. (An interrupted upload's is kept by the caller.)
/// Whether the temporary is gone.
fn discard_temp(session: &mut Session, temp: &str, cause: &Error) -> bool {
    if !resumable_after(cause) {
        // Cancelled meanwhile: this thread keeps its control connection to clean up.
        crate::cancel::cleaning_up();
        return session.delete(temp).is_ok();
    }
    false
}

/// After an upload that did not put its file in place: if the final name is missing and an
/// earlier upload, stopped between the two renames of [`rename_over`], left the file that had
/// the name aside, that file gets the name back ([`temp_name::restorable`] picks the copy).
/// A failed upload never leaves the name missing while its old file is at hand. Costs a
/// STAT (and a listing when the name is missing) on failures only; best effort.
fn restore_missing(session: &mut Session, remote: &str, cause: &Error) {
    crate::cancel::cleaning_up();
    if cause.is_connection_lost() || !matches!(session.stat(remote), Ok(None)) {
        return;
    }
    let dir = path::parent(remote);
    let Ok(listing) = session.listing(if dir.is_empty() { "." } else { dir }) else {
        return;
    };
    // Names from the server: only plain files named by one component, and only copies
    // this ftpsh moved aside (a file planted under such a name is never put back).
    let place = partial::place(session);
    let made = partial::Made::remote(&place);
    let listed = listing
        .entries
        .iter()
        .filter(|e| e.kind == EntryKind::File && path::safe_remote_component(&e.name).is_ok())
        .filter(|e| made.restores(&e.name, e.size))
        .map(|e| (e.name.as_str(), e.mtime));
    if let Some(copy) = temp_name::restorable(listed, path::file_name(remote)) {
        let copy = path::join(dir, copy);
        if session.rename(&copy, remote).is_ok() {
            partial::forget_aside(&place, &copy);
            log::info!("put {remote}: restored from {copy}, left by an interrupted upload");
        }
    }
}

/// A failure after which the temporary holds a prefix of the file (the connection lost, or
/// the server holding less than was sent: [`check_stored`] removes one holding more).
fn resumable_after(cause: &Error) -> bool {
    cause.is_connection_lost() || matches!(cause, Error::CutShort { .. })
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
    // Only a plain file is ever moved aside: a folder (or anything else) under the target
    // name means the user's target was wrong, and the refusal says so.
    let target = match session.stat(to) {
        Ok(Some(e)) if e.kind == EntryKind::File => e,
        _ => return Err(first),
    };
    let aside = temp_name::aside(to, process_tag(), next_serial());
    // Recorded before the move: if this ftpsh dies between the two renames, the next
    // pass knows this copy (and only this one) may take the name back.
    let place = partial::place(session);
    partial::record_aside(&place, &aside, target.size, target.mtime);
    if session.rename(to, &aside).is_err() {
        partial::forget_aside(&place, &aside);
        return Err(first);
    }
    // The record goes with the copy: kept while the copy may still be needed.
    match session.rename(from, to) {
        Ok(()) => {
            if session.delete(&aside).is_ok() {
                partial::forget_aside(&place, &aside);
            }
            Ok(())
        }
        Err(err) => {
            if session.rename(&aside, to).is_ok() {
                partial::forget_aside(&place, &aside);
            }
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
/// with REST instead of starting over, and a `local` already of the remote size is left as
/// it is. Only where the file's length is known (SIZE, binary mode): a continued download
/// is proven by it ([`partial`]); one the server did not continue where asked (it sent
/// more than the rest) is fetched again from byte 0. At most the known length is read
/// (else [`partial::NO_LENGTH_CAP`]): a server sending more, or without end, is stopped.
/// On failure nothing the user had is lost: a partial we continued is kept, a smaller
/// `local` we continued goes back to its name, and a new partial is kept whenever the
/// transfer started (for `get -c`); only a refused or unproven download leaves nothing.
pub fn download(
    session: &mut Session,
    remote: &str,
    local: &Path,
    resume: bool,
    progress: &mut dyn FnMut(u64),
) -> Result<Downloaded> {
    let what = format!("get {remote}");
    let server = session.params().address();
    // In ASCII mode the server's size counts its own line ends, not what arrives here.
    let known = if session.has_feature("SIZE") && session.is_binary() {
        session.size(remote).ok()
    } else {
        None
    };
    // Without a length nothing can prove a continuation.
    let resume = resume && known.is_some() && !partial::distrusted(&server);
    let partial = partial_path(local);
    // Messages name the file the user asked for, never its partial (`x.ftpsh-part`).
    let local_error = |e| Error::local(format!("{what}: {}", crate::escape::local_path(local)), e);
    let mut moved_local = false;
    if resume && !partial.exists() && local.is_file() {
        let size = fs::metadata(local).map_or(0, |m| m.len());
        match known {
            Some(total) if size == total => {
                return Ok(Downloaded {
                    bytes: 0,
                    resumed_at: Some(size),
                });
            }
            // A smaller file under the final name (another tool's partial download) is continued.
            Some(total) if size < total => {
                fs::rename(local, &partial).map_err(local_error)?;
                moved_local = true;
            }
            _ => {}
        }
    }
    // Only a partial this ftpsh made and recorded, not replaced since, is continued (or
    // the user's own smaller file under the final name, which -c names).
    let mut offset = match fs::symlink_metadata(&partial) {
        Ok(meta)
            if resume
                && meta.is_file()
                && (moved_local || partial::download_is_ours(&partial, &meta)) =>
        {
            meta.len()
        }
        _ => 0,
    };
    if known.is_some_and(|size| offset > size) {
        // Longer than the file: no prefix of it, whatever its name says.
        offset = 0;
    }
    if offset == 0 {
        // Whatever is there (a link, a planted file) is not written through: a new file.
        let _ = fs::remove_file(&partial);
    }
    let mut received = 0;
    let mut result = receive(
        session,
        remote,
        (local, &partial),
        offset,
        known,
        &what,
        &mut |n| {
            received = n;
            progress(n);
        },
    );
    if offset > 0 && matches!(result, Err(Error::Unproven { .. })) {
        // What arrived is not the rest of the file: the partial is no prefix of it. Fetched
        // again whole; what was under the final name is not given back a wrong tail.
        partial::distrust(&server, &what);
        (offset, received, moved_local) = (0, 0, false);
        result = receive(
            session,
            remote,
            (local, &partial),
            0,
            known,
            &what,
            &mut |n| {
                received = n;
                progress(n);
            },
        );
    }
    let kept = |partial: &Path| {
        if let Ok(file) = File::open(partial) {
            partial::record_download(partial, &file, true);
        }
    };
    match result {
        Ok(bytes) => {
            fs::rename(&partial, local).map_err(|e| {
                Error::local(format!("{what}: {}", crate::escape::local_path(local)), e)
            })?;
            partial::forget_download(&partial);
            // `receive` gives the file's size: what arrived now is the rest.
            Ok(Downloaded {
                bytes: bytes - offset,
                resumed_at: (offset > 0).then_some(offset),
            })
        }
        Err(err) if moved_local => {
            let _ = fs::rename(&partial, local);
            partial::forget_download(&partial);
            Err(err)
        }
        Err(err @ Error::Unproven { .. }) => {
            let _ = fs::remove_file(&partial);
            partial::forget_download(&partial);
            Err(err)
        }
        Err(_) if crate::cancel::requested() => Err(if offset > 0 || received > 0 {
            kept(&partial);
            Error::Cancelled(format!(
                "{what}: cancelled; the partial download is kept in {} (get -c resumes it)",
                partial.display()
            ))
        } else {
            let _ = fs::remove_file(&partial);
            partial::forget_download(&partial);
            Error::cancelled(&what)
        }),
        Err(err) if offset > 0 || received > 0 || err.is_connection_lost() => Err({
            kept(&partial);
            match err {
                Error::Connection { message, .. } => Error::Connection {
                    what: what.clone(),
                    message: format!(
                        "{message}; the partial download is kept in {} (get -c resumes it)",
                        crate::escape::local_path(&partial)
                    ),
                },
                other => other,
            }
        }),
        Err(err) => {
            let _ = fs::remove_file(&partial);
            partial::forget_download(&partial);
            Err(err)
        }
    }
}

/// One RETR of `remote` from `offset` into `partial` (which holds `offset` bytes of it),
/// read up to the rest of its `known` length, flushed, and checked: the partial must then
/// hold the whole file ([`partial::prove`]). Returns the file's size.
fn receive(
    session: &mut Session,
    remote: &str,
    (local, partial): (&Path, &Path),
    offset: u64,
    known: Option<u64>,
    what: &str,
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    // Messages name the file the user asked for (`local`), never its partial.
    let local_error = |e| Error::local(format!("{what}: {}", crate::escape::local_path(local)), e);
    let file = if offset > 0 {
        fs::OpenOptions::new().append(true).open(partial)
    } else {
        File::create(partial)
    }
    .map_err(local_error)?;
    if offset == 0 && known.is_some_and(|size| size >= partial::RECORD_FROM) {
        // Big enough to be worth continuing after a kill: recorded as ours from the start.
        partial::record_download(partial, &file, false);
    }
    let limit = known.map_or(partial::NO_LENGTH_CAP, |size| size - offset);
    // Ctrl-C makes the next write fail: the data connection closes.
    let mut out = crate::cancel::Writer(BufWriter::new(file));
    let bytes = session.retrieve_from(remote, offset, Some(limit), &mut out, progress)?;
    out.flush().map_err(local_error)?;
    let Some(size) = known else {
        return Ok(offset + bytes);
    };
    if offset + bytes < size {
        return Err(Error::CutShort {
            what: what.to_string(),
            detail: format!(
                "received {} of {size} bytes; the partial download is kept in {} (get -c resumes it)",
                offset + bytes,
                crate::escape::local_path(partial)
            ),
        });
    }
    let held = fs::metadata(partial).map_err(local_error)?.len();
    partial::prove(offset, bytes, held, size).map_err(|why| Error::Unproven {
        what: what.to_string(),
        detail: why.0,
    })?;
    Ok(size)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    /// A file deleted and another written in its place: where the file system hands the
    /// freed inode number to the new file (ext4 does at once), the identity still differs.
    /// A rename keeps it.
    #[test]
    fn a_reused_inode_is_another_identity_a_rename_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            dir.path().join("a"),
            dir.path().join("b"),
            dir.path().join("c"),
        );
        fs::write(&a, "first").unwrap();
        let first = fs::metadata(&a).unwrap();
        fs::rename(&a, &c).unwrap();
        let moved = fs::metadata(&c).unwrap();
        if first.created().is_ok() {
            // (Without birth times the ctime stands in, and a rename moves it.)
            assert_eq!(
                identity(&moved),
                identity(&first),
                "a rename keeps the identity"
            );
        }
        fs::remove_file(&c).unwrap();
        fs::write(&b, "other").unwrap();
        let second = fs::metadata(&b).unwrap();
        if second.ino() != first.ino() {
            eprintln!("this file system did not reuse the inode: nothing more to prove here");
            return;
        }
        assert_eq!(file_id(&second), file_id(&first));
        assert_ne!(identity(&second), identity(&first));
    }
}
