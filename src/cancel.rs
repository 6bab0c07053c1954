//! Ctrl-C cancels the command in the foreground, never the process: SIGINT sets a flag
//! that the foreground command's transfers check (through a per-thread token, so a
//! background mirror job never sees it). Whatever the command still waits on a moment
//! later is cut, however many connections it uses: first its data connections (a
//! transfer blocked in a write or read fails at once, its control connection stays to
//! clean up), then the control connections of its threads that are not cleaning up (one
//! waiting on a reply that does not come: the final reply of an upload a slow server is
//! still reading, a listing, a login). So the prompt is back within a second. A thread
//! cleaning up (removing a temporary) gets a little longer; a second Ctrl-C cuts
//! everything at once.
//! A background mirror job's thread has its job's stop flag as its token instead: `mirror
//! stop` cancels its transfer in flight the same way, and that upload's temporary is kept
//! ([`keeps_partial`]) for the next pass to continue.

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

/// How long a cancelled command's transfers get to stop by themselves (a transfer loop
/// sees the flag within one buffer) before its data connections are shut down under it.
const DATA_GRACE: Duration = Duration::from_millis(300);

/// How long a thread of it that is not cleaning up gets before its control connection is
/// shut down too: well under the second a person waits for the prompt.
const CONTROL_GRACE: Duration = Duration::from_millis(600);

/// How long a thread cleaning up (removing its temporary) gets before its control
/// connection is shut down as well.
const CLEANUP_LIMIT: Duration = Duration::from_secs(2);

thread_local! {
    /// The cancellation flag of the command this thread works for, if any.
    static TOKEN: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// The foreground command's state, shared with the signal thread.
struct Foreground {
    flag: Arc<AtomicBool>,
    state: Mutex<State>,
    ended: Condvar,
}

#[derive(Default)]
struct State {
    /// A command is running (counted, so the signal thread knows which one it waits for).
    running: Option<u64>,
    next: u64,
    /// Handles on the running command's control connections (the shell's, and those of
    /// the pool connections working for it: `watch_control`), by id, to shut them down.
    control: Vec<Watched>,
    /// Its open data connections (`watch_data`), by id.
    data: Vec<Watched>,
    /// Its threads cleaning up since the Ctrl-C (`cleaning_up`).
    cleaning: Vec<ThreadId>,
    /// Called on SIGINT (a foreground mirror pass stops its job), by id.
    hooks: Vec<(u64, Hook)>,
}

type Hook = Box<dyn Fn() + Send>;

/// Calls `hook` on each Ctrl-C until the returned guard drops: work that has its own stop
/// (a foreground mirror pass) hears of it at once.
pub fn on_interrupt(hook: impl Fn() + Send + 'static) -> OnInterrupt {
    let mut state = foreground().state.lock().unwrap_or_else(|e| e.into_inner());
    state.next += 1;
    let id = state.next;
    state.hooks.push((id, Box::new(hook)));
    OnInterrupt { id }
}

pub struct OnInterrupt {
    id: u64,
}

impl Drop for OnInterrupt {
    fn drop(&mut self) {
        let mut state = foreground().state.lock().unwrap_or_else(|e| e.into_inner());
        state.hooks.retain(|(id, _)| *id != self.id);
    }
}

fn foreground() -> &'static Foreground {
    static FOREGROUND: OnceLock<Foreground> = OnceLock::new();
    FOREGROUND.get_or_init(|| Foreground {
        flag: Arc::new(AtomicBool::new(false)),
        state: Mutex::new(State::default()),
        ended: Condvar::new(),
    })
}

/// From now on SIGINT cancels the foreground command instead of ending the process.
pub fn watch_sigint() -> io::Result<()> {
    let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGINT])?;
    std::thread::Builder::new()
        .name("sigint".into())
        .spawn(move || {
            for _ in signals.forever() {
                interrupt();
            }
        })?;
    Ok(())
}

/// What SIGINT does: raise the flag and tell the hooks. A running command's data
/// connections are shut down after `DATA_GRACE`, its control connections after
/// `CONTROL_GRACE`; a second Ctrl-C does not wait.
fn interrupt() {
    let fg = foreground();
    let again = fg.flag.swap(true, Ordering::SeqCst);
    let mut state = fg.state.lock().unwrap_or_else(|e| e.into_inner());
    for (_, hook) in &state.hooks {
        hook();
    }
    let Some(command) = state.running else {
        return;
    };
    if again {
        shut_down_data(&mut state);
        shut_down(&mut state);
        return;
    }
    drop(state);
    let _ = std::thread::Builder::new()
        .name("sigint-grace".into())
        .spawn(move || {
            let pressed = Instant::now();
            if still_running(command, pressed + DATA_GRACE, shut_down_data)
                && still_running(command, pressed + CONTROL_GRACE, shut_down_stuck)
            {
                still_running(command, pressed + CLEANUP_LIMIT, shut_down);
            }
        });
}

/// Waits until `deadline` for `command` to end; if it has not, calls `cut` on the state.
/// Whether it was still running.
fn still_running(command: u64, deadline: Instant, cut: fn(&mut State)) -> bool {
    let fg = foreground();
    let mut state = fg.state.lock().unwrap_or_else(|e| e.into_inner());
    while state.running == Some(command) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            cut(&mut state);
            return true;
        }
        state = match fg.ended.wait_timeout(state, left) {
            Ok((s, _)) => s,
            Err(e) => e.into_inner().0,
        };
    }
    false
}

/// Shuts the running command's data connections down: a transfer blocked on one fails at
/// once, and the control connection stays usable to clean up.
fn shut_down_data(state: &mut State) {
    for watched in std::mem::take(&mut state.data) {
        log::debug!("the cancelled transfer did not stop: shutting its data connection down");
        let _ = watched.socket.shutdown(std::net::Shutdown::Both);
    }
}

/// Shuts down the control connections of the command's threads that are not cleaning up:
/// each is blocked on a server (a reply that does not come).
fn shut_down_stuck(state: &mut State) {
    let cleaning = std::mem::take(&mut state.cleaning);
    state.control.retain(|watched| {
        let stuck = !cleaning.contains(&watched.thread);
        if stuck {
            log::debug!("the cancelled command is blocked: shutting a connection down");
            let _ = watched.socket.shutdown(std::net::Shutdown::Both);
        }
        !stuck
    });
    state.cleaning = cleaning;
}

/// Shuts the running command's control connections down: whatever it is blocked in on a
/// server fails at once (the shell reconnects at the next command; a pool drops the
/// connection).
fn shut_down(state: &mut State) {
    for watched in state.control.drain(..) {
        log::debug!("the cancelled command did not stop: shutting its connection down");
        let _ = watched.socket.shutdown(std::net::Shutdown::Both);
    }
}

/// Whether Ctrl-C was pressed since the last `begin` (scripts check it between lines).
pub fn interrupted() -> bool {
    foreground().flag.load(Ordering::SeqCst)
}

/// The foreground command starts: the flag is lowered and becomes this thread's token.
/// `control` is a handle on its control connection. Dropping the guard ends the command.
pub fn begin(control: Option<TcpStream>) -> Command {
    let fg = foreground();
    fg.flag.store(false, Ordering::SeqCst);
    let mut state = fg.state.lock().unwrap_or_else(|e| e.into_inner());
    state.next += 1;
    state.running = Some(state.next);
    let thread = std::thread::current().id();
    state.control = control
        .into_iter()
        .map(|socket| Watched {
            id: 0,
            socket,
            thread,
        })
        .collect();
    state.cleaning.clear();
    drop(state);
    Command {
        _token: install(Some(Arc::clone(&fg.flag))),
    }
}

/// The running foreground command (see `begin`).
pub struct Command {
    _token: Installed,
}

impl Drop for Command {
    fn drop(&mut self) {
        let fg = foreground();
        let mut state = fg.state.lock().unwrap_or_else(|e| e.into_inner());
        state.running = None;
        state.control.clear();
        fg.ended.notify_all();
    }
}

/// Lets Ctrl-C shut `socket` (a data connection) down while the guard lives, if this thread
/// works for the foreground command.
pub fn watch_data(socket: &TcpStream) -> Option<Watch> {
    watch(socket, |state| &mut state.data)
}

/// Lets Ctrl-C shut `socket` (a control connection working for the command: a pool's)
/// down while the guard lives, if this thread works for the foreground command.
pub fn watch_control(socket: &TcpStream) -> Option<Watch> {
    watch(socket, |state| &mut state.control)
}

fn watch(socket: &TcpStream, list: fn(&mut State) -> &mut Vec<Watched>) -> Option<Watch> {
    if !works_for_foreground() {
        return None;
    }
    let socket = socket.try_clone().ok()?;
    let mut state = foreground().state.lock().unwrap_or_else(|e| e.into_inner());
    state.next += 1;
    let id = state.next;
    let thread = std::thread::current().id();
    list(&mut state).push(Watched { id, socket, thread });
    Some(Watch { id, list })
}

/// A socket Ctrl-C may shut down, until this drops.
pub struct Watch {
    id: u64,
    list: fn(&mut State) -> &mut Vec<Watched>,
}

/// A socket in Ctrl-C's reach, and the thread it works for.
struct Watched {
    id: u64,
    socket: TcpStream,
    thread: ThreadId,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut state = foreground().state.lock().unwrap_or_else(|e| e.into_inner());
        (self.list)(&mut state).retain(|watched| watched.id != self.id);
    }
}

/// Why [`off_thread`] stopped waiting.
#[derive(Debug)]
pub enum GaveUp {
    Cancelled,
    TimedOut,
}

/// Runs `f` on a helper thread and waits for it at most `limit`, giving up at once when the
/// command this thread works for is cancelled: for calls nothing can interrupt (a name
/// lookup, a TCP connect, a library's own handshake). A call given up on ends by itself
/// later, on its thread, and its result is dropped.
pub fn off_thread<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, GaveUp> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(f());
    });
    let deadline = Instant::now() + limit;
    loop {
        if requested() {
            return Err(GaveUp::Cancelled);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(left.min(Duration::from_millis(50))) {
            Ok(done) => return Ok(done),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) if !left.is_zero() => {}
            Err(_) => return Err(GaveUp::TimedOut),
        }
    }
}

/// This thread's token, to hand to the threads that work for the same command.
pub fn current() -> Option<Arc<AtomicBool>> {
    TOKEN.with(|t| t.borrow().clone())
}

/// Makes `token` this thread's until the guard drops (worker threads of a pool).
pub fn install(token: Option<Arc<AtomicBool>>) -> Installed {
    let previous = TOKEN.with(|t| t.replace(token));
    Installed { previous }
}

pub struct Installed {
    previous: Option<Arc<AtomicBool>>,
}

impl Drop for Installed {
    fn drop(&mut self) {
        let previous = self.previous.take();
        TOKEN.with(|t| *t.borrow_mut() = previous);
    }
}

/// Whether this thread's token is the foreground command's (Ctrl-C), not a job's stop flag.
fn works_for_foreground() -> bool {
    TOKEN.with(|t| {
        t.borrow()
            .as_ref()
            .is_some_and(|f| Arc::ptr_eq(f, &foreground().flag))
    })
}

/// Whether the command this thread works for was cancelled.
pub fn requested() -> bool {
    TOKEN.with(|t| {
        t.borrow()
            .as_ref()
            .is_some_and(|f| f.load(Ordering::SeqCst))
    })
}

/// This thread, cancelled, is cleaning up on its control connection (removing its
/// temporary, putting a file moved aside back): it keeps the connection up to
/// `CLEANUP_LIMIT`, where one still waiting on a server loses it at `CONTROL_GRACE`.
pub fn cleaning_up() {
    if !(requested() && works_for_foreground()) {
        return;
    }
    let thread = std::thread::current().id();
    let mut state = foreground().state.lock().unwrap_or_else(|e| e.into_inner());
    if !state.cleaning.contains(&thread) {
        state.cleaning.push(thread);
    }
}

/// Whether this thread's work was stopped by its job's stop (`mirror stop`, quitting) rather
/// than by Ctrl-C. Either way an interrupted transfer keeps its temporary, which holds a
/// prefix of the file, for `put -c`, `get -c` or the next pass to continue; this only
/// says which words tell it.
pub fn keeps_partial() -> bool {
    requested() && !works_for_foreground()
}

fn cancelled_error() -> io::Error {
    io::Error::other("cancelled")
}

/// A reader that fails once the command is cancelled: an upload stops within one buffer.
pub struct Reader<R>(pub R);

impl<R: Read> Read for Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if requested() {
            return Err(cancelled_error());
        }
        self.0.read(buf)
    }
}

/// A writer that fails once the command is cancelled: a download stops within one buffer.
pub struct Writer<W>(pub W);

impl<W: Write> Write for Writer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if requested() {
            return Err(cancelled_error());
        }
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_per_thread_and_only_where_installed() {
        let flag = Arc::new(AtomicBool::new(true));
        assert!(!requested(), "no token: never cancelled");
        {
            let _in = install(Some(Arc::clone(&flag)));
            assert!(requested());
            let mut reader = Reader(&b"data"[..]);
            assert!(reader.read(&mut [0; 4]).is_err());
            // another thread (a background job) does not see it
            std::thread::spawn(|| assert!(!requested())).join().unwrap();
        }
        assert!(!requested(), "the guard took it back");
        let mut writer = Writer(Vec::new());
        assert!(writer.write(b"x").is_ok());
    }

    #[test]
    fn a_job_stop_keeps_the_partial_upload_ctrl_c_does_not() {
        let stop = Arc::new(AtomicBool::new(false));
        let _in = install(Some(Arc::clone(&stop)));
        assert!(!requested() && !keeps_partial(), "not stopped yet");
        stop.store(true, Ordering::SeqCst);
        assert!(requested() && keeps_partial(), "a job's stop keeps it");
        let _fg = install(Some(Arc::clone(&foreground().flag)));
        foreground().flag.store(true, Ordering::SeqCst);
        assert!(requested() && !keeps_partial(), "Ctrl-C discards it");
        foreground().flag.store(false, Ordering::SeqCst);
    }
}
