//! Remote walk: lists a tree's folders over every connection of the pool at once, the
//! connections still logging in joining as they become ready.

use std::sync::{Condvar, Mutex, MutexGuard};

use super::pool::Pool;
use crate::error::{Error, Result};
use crate::ftp::Session;

/// Folders waiting to be listed, folders being listed, and the first failure.
struct Work {
    pending: Vec<String>,
    busy: usize,
    failed: Option<Error>,
}

impl Work {
    fn done(&self) -> bool {
        self.failed.is_some() || (self.pending.is_empty() && self.busy == 0)
    }
}

fn lock(work: &Mutex<Work>) -> MutexGuard<'_, Work> {
    work.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Lists `start` and every folder `list` returns, over every ready connection of `pool`
/// (at least one), growing it to `width` meanwhile. `list` lists one folder and returns the
/// subfolders to list next. An error ends the walk once the listings in flight are done
/// (a lost connection is the one reported, if any); every connection is back in the pool
/// afterwards.
pub fn walk<F>(pool: &mut Pool, width: usize, start: String, list: F) -> Result<()>
where
    F: Fn(&mut Session, &str) -> Result<Vec<String>> + Sync,
{
    let work = Mutex::new(Work {
        pending: vec![start],
        busy: 0,
        failed: None,
    });
    let changed = Condvar::new();
    let run = |session: &mut Session| {
        loop {
            let dir = {
                let mut w = lock(&work);
                loop {
                    if w.done() {
                        return;
                    }
                    if let Some(dir) = w.pending.pop() {
                        w.busy += 1;
                        break dir;
                    }
                    w = changed.wait(w).unwrap_or_else(|p| p.into_inner());
                }
            };
            let guard = Busy {
                work: &work,
                changed: &changed,
            };
            let listed = list(session, &dir);
            std::mem::forget(guard);
            let mut w = lock(&work);
            w.busy -= 1;
            match listed {
                Ok(subdirs) => w.pending.extend(subdirs),
                Err(err) => {
                    if w.failed.is_none() || err.is_connection_lost() {
                        w.failed = Some(err);
                    }
                }
            }
            changed.notify_all();
        }
    };
    pool.grow(width);
    // Connections that finish logging in while folders are left take their share.
    pool.work_on_all(|| !lock(&work).done(), run);
    let work = work.into_inner().unwrap_or_else(|p| p.into_inner());
    match work.failed {
        Some(err) => Err(err),
        // No connection took the work: saying "empty" would re-upload everything.
        None if !work.pending.is_empty() => Err(Error::Failed(
            "the remote tree could not be listed: no connection".to_string(),
        )),
        None => Ok(()),
    }
}

/// A listing in flight. If `list` panics, dropping this ends the walk (the other workers
/// would otherwise wait for it forever) and the panic goes on up through the scope.
struct Busy<'a> {
    work: &'a Mutex<Work>,
    changed: &'a Condvar,
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        let mut w = lock(self.work);
        w.busy -= 1;
        w.failed
            .get_or_insert_with(|| Error::Failed("listing failed (internal error)".to_string()));
        self.changed.notify_all();
    }
}
