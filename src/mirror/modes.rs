//! Permission bits the mirror keeps: which mode a remote entry should have (pure), and
//! setting it over a session once per need, with what a job learns about its server.
//!
//! The mirror keeps the `rwx` bits of owner, group and others (`0o777`). Setuid, setgid and
//! sticky are left out: servers drop them (vsftpd) or refuse them, and a bit the server
//! drops would read as a difference at every pass. A folder keeps owner `rwx` on the server
//! whatever its local mode, so that the mirror can go on writing into it.
//!
//! What a pass costs: the planner asks for a mode only where the listing shows another one
//! (an entry the server lists no mode for is not touched), and for what the pass creates.
//! A server gives every new file (and folder) the same mode (its umask), so after the first
//! creation of each kind a job reads that mode once (MLST) and from then on sends SITE CHMOD
//! only for entries whose mode differs from it: a tree of 644 files and 755 folders costs
//! two MLSTs on a first sync, and a no-op pass sends nothing.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use super::tree::Kind;
use crate::error::{Error, Result};
use crate::ftp::Session;
use crate::ftp::reply::is_not_offered;

/// The bits kept: read, write, execute for owner, group and others.
pub const KEPT: u32 = 0o777;

/// The mode nearly every server gives a new folder (umask 022). A dry run does not list the
/// chmod of a folder it creates that wants just that: it is almost never sent.
pub const USUAL_NEW_DIR: u32 = 0o755;

/// The mode the remote entry of a local one should have: its kept bits; a folder keeps owner
/// rwx (a 0o555 folder on the server would refuse the mirror's next upload into it).
pub fn wanted(kind: Kind, local_mode: u32) -> u32 {
    match kind {
        Kind::File => local_mode & KEPT,
        Kind::Dir => (local_mode & KEPT) | 0o700,
    }
}

/// Whether an entry listed with `remote` mode needs a chmod to `wanted`: only when the server
/// gave a mode, and its kept bits differ. Unknown is left alone: a server that lists no modes
/// would otherwise get a SITE CHMOD per entry at every pass.
pub fn differs(remote: Option<u32>, wanted: u32) -> bool {
    remote.is_some_and(|mode| mode & KEPT != wanted & KEPT)
}

/// Reads the mode the server gave a new entry (MLST). A connection that broke is an error;
/// a server that does not say is `Unknowable`.
fn learn(session: &mut Session, remote: &str) -> Result<Learned> {
    if !session.has_feature("MLST") {
        return Ok(Learned::Unknowable);
    }
    match session.stat(remote) {
        Ok(Some(entry)) => Ok(entry
            .mode
            .map_or(Learned::Unknowable, |m| Learned::Known(m & KEPT))),
        Ok(None) => Ok(Learned::Unknowable),
        Err(err) if err.is_connection_lost() => Err(err),
        Err(_) => Ok(Learned::Unknowable),
    }
}

/// What [`Keeper::settle`] did: the mode the entry has now, when known, and whether a
/// SITE CHMOD went out and was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    pub mode: Option<u32>,
    pub changed: bool,
}

/// What a job knows of its server's mode for new entries of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Learned {
    NotYet,
    Known(u32),
    /// The server does not say (no MLST, or MLST without UNIX.mode): every new entry whose
    /// mode matters gets its chmod.
    Unknowable,
}

/// One job's knowledge about modes on its server, shared by its connections: the mode it
/// gives new files and folders, whether it takes SITE CHMOD at all, and the one warning a
/// job gives when modes cannot be kept.
pub struct Keeper {
    learned: Mutex<[Learned; 2]>,
    /// The server has no SITE CHMOD (500/502/504): nothing more is sent for the job.
    refused: AtomicBool,
    /// The warning of this job, said once (taken by the pass that reports it).
    warning: Mutex<Option<String>>,
    warned: AtomicBool,
}

impl Default for Keeper {
    fn default() -> Self {
        Keeper {
            learned: Mutex::new([Learned::NotYet; 2]),
            refused: AtomicBool::new(false),
            warning: Mutex::new(None),
            warned: AtomicBool::new(false),
        }
    }
}

fn slot(kind: Kind) -> usize {
    match kind {
        Kind::File => 0,
        Kind::Dir => 1,
    }
}

impl Keeper {
    /// Gives `remote` (a `kind` entry) the mode `wanted`. `created`: this pass just made it,
    /// so it has the server's mode for new entries, and nothing is sent when that is `wanted`
    /// already. Says the mode the entry now has, when known. A refusal is no error: the
    /// job warns once (see [`Keeper::take_warning`]) and goes on; a server without SITE
    /// CHMOD is asked no more. Only a failure of the connection is an error.
    pub fn settle(
        &self,
        session: &mut Session,
        remote: &str,
        kind: Kind,
        wanted: u32,
        created: bool,
    ) -> Result<Settled> {
        let kept = |mode| Settled {
            mode,
            changed: false,
        };
        if self.refused.load(Ordering::Relaxed) {
            return Ok(kept(None));
        }
        if created && self.new_entries_mode(session, remote, kind)? == Learned::Known(wanted) {
            return Ok(kept(Some(wanted)));
        }
        match session.chmod(remote, wanted) {
            Ok(()) => Ok(Settled {
                mode: Some(wanted),
                changed: true,
            }),
            Err(Error::Reply { code, text, what }) => {
                let why = if is_not_offered(code) {
                    self.refused.store(true, Ordering::Relaxed);
                    format!(
                        "permission bits are not kept: {text}; the job goes on without them \
                         (mirror --no-perms does not try)"
                    )
                } else {
                    format!(
                        "permission bits not kept for some entries: {what}: {text} \
                         (further refusals are not shown)"
                    )
                };
                self.warn(why);
                Ok(kept(None))
            }
            Err(err) => Err(err),
        }
    }

    /// The server's mode for new entries of `kind`; the first time, read from `remote`, the
    /// one just made. The lock is held meanwhile: the job's other connections wait for the
    /// answer instead of asking too (one MLST per kind and job).
    fn new_entries_mode(&self, session: &mut Session, remote: &str, kind: Kind) -> Result<Learned> {
        let mut all = self.learned.lock().unwrap_or_else(|p| p.into_inner());
        if all[slot(kind)] == Learned::NotYet {
            all[slot(kind)] = learn(session, remote)?;
        }
        Ok(all[slot(kind)])
    }

    fn warn(&self, why: String) {
        if !self.warned.swap(true, Ordering::Relaxed)
            && let Ok(mut warning) = self.warning.lock()
        {
            *warning = Some(why);
        }
    }

    /// The job's warning, once: the first pass that meets a refusal says it.
    pub fn take_warning(&self) -> Option<String> {
        self.warning.lock().ok().and_then(|mut w| w.take())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wanted_modes_keep_rwx_and_owner_access_to_folders() {
        for (kind, local, want) in [
            (Kind::File, 0o100644, 0o644),
            (Kind::File, 0o755, 0o755),
            (Kind::File, 0o600, 0o600),
            (Kind::File, 0o4755, 0o755),
            (Kind::File, 0o000, 0o000),
            (Kind::Dir, 0o40755, 0o755),
            (Kind::Dir, 0o2775, 0o775),
            (Kind::Dir, 0o555, 0o755),
            (Kind::Dir, 0o055, 0o755),
            (Kind::Dir, 0o700, 0o700),
        ] {
            assert_eq!(wanted(kind, local), want, "{kind:?} {local:o}");
        }
    }

    #[test]
    fn only_a_listed_mode_that_differs_asks_for_a_chmod() {
        for (remote, wanted, want) in [
            (None, 0o755, false),
            (Some(0o644), 0o644, false),
            (Some(0o644), 0o755, true),
            (Some(0o600), 0o644, true),
            // bits the mirror does not keep make no difference
            (Some(0o4755), 0o755, false),
            (Some(0o2775), 0o775, false),
        ] {
            assert_eq!(differs(remote, wanted), want, "{remote:?} {wanted:o}");
        }
    }
}
