//! Pool: a job's connections (a mirror's, or a multi-file command's) and the one work queue
//! they share. Extra connections log in on their own threads while the first works, so
//! nothing waits for logins one after another.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::{Scope, ScopedJoinHandle};
use std::time::Duration;

use crate::error::Result;
use crate::ftp::{ConnectParams, Session};

pub struct Pool {
    params: ConnectParams,
    /// Logged-in connections; the first one does listings and structure.
    pub ready: Vec<Session>,
    /// Logins under way, each on its own thread, reporting here.
    opened: Receiver<Result<Session>>,
    sender: Sender<Result<Session>>,
    opening: usize,
    /// A login was refused (421 too many connections, ...): stay at the size reached until
    /// `retry_growth`.
    refused: bool,
    /// Where new connections go after login (a shell command's relative paths need its
    /// working directory); None: they stay where the server puts them.
    start_dir: Option<String>,
}

impl Pool {
    pub fn new(params: ConnectParams) -> Pool {
        let (sender, opened) = channel();
        Pool {
            params,
            ready: Vec::new(),
            opened,
            sender,
            opening: 0,
            refused: false,
            start_dir: None,
        }
    }

    /// New connections change to `dir` once logged in.
    pub fn starting_in(mut self, dir: &str) -> Pool {
        self.start_dir = Some(dir.to_string());
        self
    }

    /// Makes sure one connection is ready, logging in here if needed.
    pub fn first(&mut self) -> Result<&mut Session> {
        if self.ready.is_empty() {
            self.ready.push(Session::connect(&self.params)?);
        }
        Ok(&mut self.ready[0])
    }

    /// Starts logins in the background until `wanted` connections are ready or opening.
    pub fn grow(&mut self, wanted: usize) {
        while !self.refused && self.ready.len() + self.opening < wanted {
            let params = self.params.clone();
            let sender = self.sender.clone();
            let dir = self.start_dir.clone();
            self.opening += 1;
            std::thread::spawn(move || {
                let opened = Session::connect(&params).and_then(|mut session| {
                    if let Some(dir) = &dir {
                        session.cwd(dir)?;
                    }
                    Ok(session)
                });
                // The pool may be gone by the time the login ends: the session just closes.
                let _ = sender.send(opened);
            });
        }
    }

    /// Waits at most `wait` for the next login to end: Some(its connection) if one ended
    /// well, None on a timeout or a refusal (after which the pool stops growing).
    pub fn next_opened(&mut self, wait: Duration) -> Option<Session> {
        if self.opening == 0 {
            return None;
        }
        let outcome = self.opened.recv_timeout(wait).ok()?;
        self.opening -= 1;
        match outcome {
            Ok(session) => Some(session),
            Err(err) => {
                log::debug!("staying at {} connections: {err}", self.ready.len());
                self.refused = true;
                None
            }
        }
    }

    /// Whether logins are still under way.
    pub fn is_growing(&self) -> bool {
        self.opening > 0
    }

    /// Waits for the logins under way (each bounded by the connection timeout); the ones
    /// that worked join the ready connections.
    pub fn settle(&mut self) {
        self.take_opened(self.params.timeout);
    }

    /// Takes in, without waiting, the logins that have ended.
    pub fn collect_opened(&mut self) {
        self.take_opened(Duration::ZERO);
    }

    /// Moves ended logins into `ready`, waiting at most `wait` for each; stops at the first
    /// wait that runs out (a slower login can join later).
    fn take_opened(&mut self, wait: Duration) {
        while self.opening > 0 {
            let before = self.opening;
            match self.next_opened(wait) {
                Some(session) => self.ready.push(session),
                None if self.opening == before => break,
                None => {}
            }
        }
    }

    /// Runs `task` once per item over every ready connection (at least one), growing the
    /// pool to `width` meanwhile: connections that finish logging in take their share.
    /// After a failure no new item starts. Outcomes in item order; None: never started.
    pub fn run_each<T, R, F>(
        &mut self,
        width: usize,
        items: &[T],
        task: F,
    ) -> Vec<Option<Result<R>>>
    where
        T: Sync,
        R: Send,
        F: Fn(&mut Session, &T) -> Result<R> + Sync,
    {
        let queue = Queue::new(items);
        let failed = AtomicBool::new(false);
        let outcomes: Mutex<Vec<Option<Result<R>>>> =
            Mutex::new(items.iter().map(|_| None).collect());
        let work = |session: &mut Session| {
            while !failed.load(Ordering::Relaxed) {
                let Some((index, item)) = queue.take() else {
                    break;
                };
                let outcome = task(session, item);
                let lost = matches!(&outcome, Err(e) if e.is_connection_lost());
                failed.fetch_or(outcome.is_err(), Ordering::Relaxed);
                outcomes.lock().unwrap_or_else(|p| p.into_inner())[index] = Some(outcome);
                if lost {
                    break;
                }
            }
        };
        self.grow(width.min(items.len()));
        self.work_on_all(|| queue.has_left() && !failed.load(Ordering::Relaxed), work);
        outcomes.into_inner().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `work` on each ready connection, each on a thread of its own, and on each
    /// connection that finishes logging in while `left()` says work is left; all of them are
    /// back in `ready` afterwards, in the order they started (the first stays first).
    pub fn work_on_all(&mut self, left: impl Fn() -> bool, work: impl Fn(&mut Session) + Sync) {
        let work = &work;
        let sessions: Vec<Session> = self.ready.drain(..).collect();
        // A foreground command's Ctrl-C token goes with the work to every thread.
        let token = crate::cancel::current();
        std::thread::scope(|scope| {
            let start = |mut session: Session| {
                spawn_carrying(scope, &token, move || {
                    watched(&mut session, work);
                    session
                })
            };
            let mut workers: Vec<_> = sessions.into_iter().map(start).collect();
            while self.is_growing() && left() {
                if let Some(session) = self.next_opened(Duration::from_millis(1)) {
                    workers.push(start(session));
                }
            }
            for worker in workers {
                let session = worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                self.ready.push(session);
            }
        });
    }

    /// A pass may try again to reach its size (a server's limit may have gone).
    pub fn retry_growth(&mut self) {
        self.refused = false;
    }
}

impl Drop for Pool {
    /// Logins that ended after the job's last use of the pool still get a QUIT (those still
    /// under way are closed when they end).
    fn drop(&mut self) {
        self.collect_opened();
        for session in self.ready.drain(..) {
            session.quit();
        }
    }
}

/// Runs `work` on each of `sessions`, each on a thread of its own (in this thread when there
/// is one): the fixed-size counterpart of [`Pool::work_on_all`], for work that must not wait
/// for logins (an apply phase). A foreground command's Ctrl-C token goes with the work.
pub fn on_each(sessions: &mut [Session], work: impl Fn(&mut Session) + Sync) {
    if let [session] = sessions {
        return watched(session, &work);
    }
    let token = crate::cancel::current();
    let work = &work;
    std::thread::scope(|scope| {
        for session in sessions.iter_mut() {
            spawn_carrying(scope, &token, move || watched(session, work));
        }
    });
}

/// Runs `work` on `session` with its control connection in Ctrl-C's reach: a foreground
/// command's work waiting on a reply (an upload's final one from a slow server) is cut
/// once the command had its moment to stop (see crate::cancel).
fn watched(session: &mut Session, work: &(impl Fn(&mut Session) + Sync)) {
    let _watch = session
        .control_socket()
        .and_then(|socket| crate::cancel::watch_control(&socket));
    work(session)
}

/// Spawns `f` on a thread of `scope` with the spawning command's Ctrl-C token installed, so
/// a Ctrl-C stops the work on every connection.
fn spawn_carrying<'scope, R: Send + 'scope>(
    scope: &'scope Scope<'scope, '_>,
    token: &Option<Arc<AtomicBool>>,
    f: impl FnOnce() -> R + Send + 'scope,
) -> ScopedJoinHandle<'scope, R> {
    let token = token.clone();
    scope.spawn(move || {
        let _in = crate::cancel::install(token);
        f()
    })
}

/// The work queue shared by a job's connections: items handed out once each, in order, to
/// whichever connection asks next (lock-free: one atomic index).
pub struct Queue<'a, T> {
    items: &'a [T],
    next: AtomicUsize,
}

impl<'a, T> Queue<'a, T> {
    pub fn new(items: &'a [T]) -> Self {
        Queue {
            items,
            next: AtomicUsize::new(0),
        }
    }

    /// The next item and its index; None once every item was handed out.
    pub fn take(&self) -> Option<(usize, &'a T)> {
        let index = self.next.fetch_add(1, Ordering::Relaxed);
        self.items.get(index).map(|item| (index, item))
    }

    /// Whether an item was never handed out.
    pub fn has_left(&self) -> bool {
        self.next.load(Ordering::Relaxed) < self.items.len()
    }
}

#[cfg(test)]
mod tests {
    use super::Queue;

    #[test]
    fn a_queue_hands_out_each_item_once_in_order_across_threads() {
        let items: Vec<u32> = (0..1000).collect();
        let queue = Queue::new(&items);
        let mut taken: Vec<usize> = std::thread::scope(|scope| {
            // All four spawned before any is joined: they take from the queue at once.
            let workers: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        let mut mine = Vec::new();
                        while let Some((index, item)) = queue.take() {
                            assert_eq!(*item as usize, index);
                            mine.push(index);
                        }
                        mine
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap())
                .collect()
        });
        assert!(!queue.has_left());
        taken.sort_unstable();
        assert_eq!(taken, (0..1000).collect::<Vec<_>>());
        assert_eq!(queue.take(), None);
    }
}
