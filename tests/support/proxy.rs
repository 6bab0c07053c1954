//! A fault-injecting TCP proxy for FTP, std threads only: sits between ftpsh and a server.
//!
//! The control connection is forwarded line by line; passive replies (`227 ... (h1,h2,h3,h4,p1,p2)`
//! and `229 ... (|||port|)`) are rewritten so that each data connection also goes through the
//! proxy (one proxy listener per reply, forwarded to the real data port). Faults are armed at
//! run time:
//!
//! - [`Proxy::cut_control_after`]: close the control connection after N more bytes flowed
//!   server -> client (0: at once, or at the next connection's first byte when none is open);
//! - [`Proxy::cut_control_on`]: close the control connection when the client sends a verb,
//!   before that command reaches the server;
//! - [`Proxy::cut_next_data_after`]: abort the next file transfer (RETR/STOR/APPE/STOU data
//!   connection) once it has carried N bytes: both sides closed, nothing more forwarded;
//! - [`Proxy::truncate_next_data_after`]: forward N bytes of the next file transfer, then end
//!   it cleanly towards the receiver (FIN) while draining the sender: the receiver sees a
//!   normal end of file, the sender sees a normal transfer (FTP stream mode cannot tell);
//! - [`Proxy::stall_next_data`]: the next file transfer stops moving but stays open;
//! - [`Proxy::slow_next_data`]: the next file transfer keeps moving, slowly (16 KiB every
//!   20 ms), so a test can act while it runs (Ctrl-C);
//! - [`Proxy::hold_command`]: hold the next command with a given verb until
//!   [`Proxy::release`], so a test can act at an exact point of a conversation;
//! - [`Proxy::refuse_next`]: answer the next command with a given verb with a given reply
//!   instead of forwarding it (a 451 on a listing, a 452 on STOR), once per call;
//! - [`Proxy::refuse_connections`] / [`Proxy::hold_connections`]: accept then close at once,
//!   or accept and never say anything.
//!
//! Listings (LIST/MLSD/NLST) are never hit by data faults. Only passive mode is proxied.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::server::USER;

/// How long a proxy data listener waits for the client before giving up.
const DATA_ACCEPT_DEADLINE: Duration = Duration::from_secs(20);
/// Connecting to the upstream server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A data-connection fault, consumed by the transfer it hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DataFault {
    Cut(u64),
    Truncate(u64),
    Stall,
    /// The next listing arrives a byte at a time, one every TRICKLE_GAP: no read ever
    /// waits long, the whole takes forever.
    Trickle,
    /// The next file transfer moves SLOW_CHUNK bytes every SLOW_GAP.
    Slow,
}

const SLOW_CHUNK: usize = 16 * 1024;
const SLOW_GAP: Duration = Duration::from_millis(20);

const TRICKLE_GAP: Duration = Duration::from_millis(300);

#[derive(Debug, Default)]
struct Faults {
    /// Server -> client bytes left before the control connection is cut.
    cut_control_after: Option<u64>,
    /// Verb (upper case) on which the control connection is cut.
    cut_control_on: Option<String>,
    /// Verb (upper case) of the next command to hold until released.
    hold: Option<String>,
    /// (verb, reply line): the next command with that verb gets the reply, unforwarded.
    refuse: Vec<(String, String)>,
    /// The next PORT/EPRT is rewritten to point at the hole.
    divert_active: bool,
    data: Option<DataFault>,
}

/// One proxied TCP connection: the client's side and the server's side.
struct Pair {
    client: TcpStream,
    server: TcpStream,
}

impl Pair {
    fn shutdown(&self) {
        let _ = self.client.shutdown(Shutdown::Both);
        let _ = self.server.shutdown(Shutdown::Both);
    }
}

struct Shared {
    upstream: Mutex<SocketAddr>,
    faults: Mutex<Faults>,
    refuse: AtomicBool,
    hold: AtomicBool,
    stopped: AtomicBool,
    control_accepted: AtomicUsize,
    data_accepted: AtomicUsize,
    faults_fired: AtomicUsize,
    /// Open control connections, for an immediate cut and for the shutdown on drop.
    controls: Mutex<Vec<Weak<Pair>>>,
    /// Open data connections, for the shutdown on drop.
    datas: Mutex<Vec<Weak<Pair>>>,
    /// Connections accepted in hold mode: kept open, never answered.
    held: Mutex<Vec<TcpStream>>,
    /// The control conversation: "C: ..." from the client (PASS masked), "S: ..." from the server.
    log: Mutex<Vec<String>>,
    /// Whether a command is being held, and the wake-up for its release.
    holding: Mutex<bool>,
    released: Condvar,
    /// Where diverted active-mode data connections go: a listener nobody serves.
    hole: TcpListener,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running proxy on 127.0.0.1; stops on drop (every proxied connection is shut down).
pub struct Proxy {
    pub port: u16,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Listens on 127.0.0.1:0 and forwards every connection to 127.0.0.1:`upstream_port`.
    pub fn start(upstream_port: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let shared = Arc::new(Shared {
            upstream: Mutex::new(SocketAddr::from((Ipv4Addr::LOCALHOST, upstream_port))),
            faults: Mutex::new(Faults::default()),
            refuse: AtomicBool::new(false),
            hold: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
            control_accepted: AtomicUsize::new(0),
            data_accepted: AtomicUsize::new(0),
            faults_fired: AtomicUsize::new(0),
            controls: Mutex::new(Vec::new()),
            datas: Mutex::new(Vec::new()),
            held: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            holding: Mutex::new(false),
            released: Condvar::new(),
            hole: TcpListener::bind("127.0.0.1:0").expect("bind the hole"),
        });
        let accepting = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("ftp-proxy-{port}"))
            .spawn(move || accept_loop(listener, accepting))
            .expect("spawn proxy thread");
        Proxy {
            port,
            shared,
            thread: Some(thread),
        }
    }

    /// `ftp://alice@127.0.0.1:PROXY_PORT`
    pub fn url(&self) -> String {
        format!("ftp://{USER}@127.0.0.1:{}", self.port)
    }

    /// Points new control connections at another server port.
    pub fn set_upstream(&self, port: u16) {
        *lock(&self.shared.upstream) = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    }

    /// Closes the client's control connection after `bytes` more bytes flowed server -> client.
    /// With 0, every open control connection is cut now; when none is open, the next one is
    /// cut before its first byte (a server that hangs up right after accepting).
    pub fn cut_control_after(&self, bytes: u64) {
        if bytes == 0 {
            let open = live(&self.shared.controls);
            if !open.is_empty() {
                for pair in open {
                    pair.shutdown();
                }
                self.shared.faults_fired.fetch_add(1, Ordering::SeqCst);
                return;
            }
        }
        lock(&self.shared.faults).cut_control_after = Some(bytes);
    }

    /// Cuts the control connection when the client sends `verb` (e.g. "RNFR"); the command
    /// never reaches the server.
    pub fn cut_control_on(&self, verb: &str) {
        lock(&self.shared.faults).cut_control_on = Some(verb.to_ascii_uppercase());
    }

    /// Aborts the next file transfer once it has carried `bytes` bytes.
    pub fn cut_next_data_after(&self, bytes: u64) {
        lock(&self.shared.faults).data = Some(DataFault::Cut(bytes));
    }

    /// Ends the next file transfer cleanly (FIN to the receiver) after `bytes` bytes.
    pub fn truncate_next_data_after(&self, bytes: u64) {
        lock(&self.shared.faults).data = Some(DataFault::Truncate(bytes));
    }

    /// The next file transfer stops moving at its first byte, its connections left open.
    pub fn stall_next_data(&self) {
        lock(&self.shared.faults).data = Some(DataFault::Stall);
    }

    /// The next file transfer moves, but slowly (about 800 KB/s).
    pub fn slow_next_data(&self) {
        lock(&self.shared.faults).data = Some(DataFault::Slow);
    }

    /// The next listing (MLSD, LIST, NLST) trickles in a byte at a time.
    pub fn trickle_next_listing(&self) {
        lock(&self.shared.faults).data = Some(DataFault::Trickle);
    }

    /// Active mode: the next PORT/EPRT reaches the server with another port, so the server's
    /// data connection goes elsewhere and the client waits for one that never comes.
    pub fn divert_next_active_data(&self) {
        lock(&self.shared.faults).divert_active = true;
    }

    /// Answers the next command whose verb is `verb` with `reply` (e.g. "451 Try later")
    /// instead of forwarding it; several calls queue, each fires once.
    pub fn refuse_next(&self, verb: &str, reply: &str) {
        lock(&self.shared.faults)
            .refuse
            .push((verb.to_ascii_uppercase(), reply.to_string()));
    }

    /// Holds the next command whose verb is `verb` (e.g. "MLSD") before it reaches the
    /// server, until [`Proxy::release`].
    pub fn hold_command(&self, verb: &str) {
        lock(&self.shared.faults).hold = Some(verb.to_ascii_uppercase());
    }

    /// Whether a command is held right now.
    pub fn is_holding(&self) -> bool {
        *lock(&self.shared.holding)
    }

    /// Lets a held command go on to the server.
    pub fn release(&self) {
        *lock(&self.shared.holding) = false;
        self.shared.released.notify_all();
    }

    /// `true`: accept new control connections, then close them at once.
    pub fn refuse_connections(&self, refuse: bool) {
        self.shared.refuse.store(refuse, Ordering::SeqCst);
    }

    /// `true`: accept new control connections and never answer (no greeting).
    pub fn hold_connections(&self, hold: bool) {
        self.shared.hold.store(hold, Ordering::SeqCst);
    }

    /// Control connections accepted so far (refused and held ones included).
    pub fn control_connections(&self) -> usize {
        self.shared.control_accepted.load(Ordering::SeqCst)
    }

    /// Data connections accepted so far.
    pub fn data_connections(&self) -> usize {
        self.shared.data_accepted.load(Ordering::SeqCst)
    }

    /// How many armed faults have hit a connection.
    pub fn faults_fired(&self) -> usize {
        self.shared.faults_fired.load(Ordering::SeqCst)
    }

    /// Whether an armed fault is still waiting for its connection.
    pub fn fault_pending(&self) -> bool {
        let faults = lock(&self.shared.faults);
        faults.cut_control_after.is_some()
            || faults.cut_control_on.is_some()
            || faults.hold.is_some()
            || faults.data.is_some()
    }

    /// The control conversation so far, one line per reply or command line.
    pub fn control_log(&self) -> Vec<String> {
        lock(&self.shared.log).clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        self.release();
        // Wakes the blocking accept.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        for pair in live(&self.shared.controls)
            .into_iter()
            .chain(live(&self.shared.datas))
        {
            pair.shutdown();
        }
        for held in lock(&self.shared.held).drain(..) {
            let _ = held.shutdown(Shutdown::Both);
        }
    }
}

/// The still-open connections of a registry (dropping the dead entries).
fn live(registry: &Mutex<Vec<Weak<Pair>>>) -> Vec<Arc<Pair>> {
    let mut entries = lock(registry);
    entries.retain(|w| w.strong_count() > 0);
    entries.iter().filter_map(Weak::upgrade).collect()
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for incoming in listener.incoming() {
        if shared.stopped.load(Ordering::SeqCst) {
            break;
        }
        let Ok(client) = incoming else { continue };
        shared.control_accepted.fetch_add(1, Ordering::SeqCst);
        if shared.refuse.load(Ordering::SeqCst) {
            drop(client);
            continue;
        }
        if shared.hold.load(Ordering::SeqCst) {
            lock(&shared.held).push(client);
            continue;
        }
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || start_control(client, shared));
    }
}

fn start_control(client: TcpStream, shared: Arc<Shared>) {
    let upstream = *lock(&shared.upstream);
    let Ok(server) = TcpStream::connect_timeout(&upstream, CONNECT_TIMEOUT) else {
        // A dead server: the client sees its connection closed.
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let pair = Arc::new(Pair { client, server });
    lock(&shared.controls).push(Arc::downgrade(&pair));
    let last_command = Arc::new(Mutex::new(String::new()));
    let (up_pair, up_shared, up_last) = (
        Arc::clone(&pair),
        Arc::clone(&shared),
        Arc::clone(&last_command),
    );
    std::thread::spawn(move || control_client_to_server(up_pair, up_shared, up_last));
    control_server_to_client(pair, shared, last_command, upstream);
}

/// Forwards commands, recording each (and its verb, for the data faults) before it leaves.
fn control_client_to_server(pair: Arc<Pair>, shared: Arc<Shared>, last: Arc<Mutex<String>>) {
    let mut reader = BufReader::new(&pair.client);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => {
                let _ = pair.server.shutdown(Shutdown::Write);
                return;
            }
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line).trim_end().to_string();
        let verb = text.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let shown = if verb == "PASS" {
            "PASS ****".to_string()
        } else {
            text.clone()
        };
        lock(&shared.log).push(format!("C: {shown}"));
        {
            let mut faults = lock(&shared.faults);
            if faults.cut_control_on.as_deref() == Some(verb.as_str()) {
                faults.cut_control_on = None;
                shared.faults_fired.fetch_add(1, Ordering::SeqCst);
                pair.shutdown();
                return;
            }
        }
        let refusal = {
            let mut faults = lock(&shared.faults);
            let hit = faults.refuse.iter().position(|(v, _)| *v == verb);
            hit.map(|i| faults.refuse.remove(i).1)
        };
        if let Some(reply) = refusal {
            shared.faults_fired.fetch_add(1, Ordering::SeqCst);
            lock(&shared.log).push(format!("S: {reply}"));
            if (&pair.client)
                .write_all(format!("{reply}\r\n").as_bytes())
                .is_err()
            {
                pair.shutdown();
                return;
            }
            continue;
        }
        let hold = {
            let mut faults = lock(&shared.faults);
            let hit = faults.hold.as_deref() == Some(verb.as_str());
            if hit {
                faults.hold = None;
                shared.faults_fired.fetch_add(1, Ordering::SeqCst);
            }
            hit
        };
        if hold {
            let mut holding = lock(&shared.holding);
            *holding = true;
            while *holding && !shared.stopped.load(Ordering::SeqCst) {
                holding = shared
                    .released
                    .wait(holding)
                    .unwrap_or_else(|e| e.into_inner());
            }
        }
        if matches!(verb.as_str(), "PORT" | "EPRT") {
            let mut faults = lock(&shared.faults);
            if faults.divert_active {
                faults.divert_active = false;
                shared.faults_fired.fetch_add(1, Ordering::SeqCst);
                let hole = shared.hole.local_addr().expect("hole address").port();
                line = if verb == "PORT" {
                    format!("PORT 127,0,0,1,{},{}\r\n", hole >> 8, hole & 0xff)
                } else {
                    format!("EPRT |1|127.0.0.1|{hole}|\r\n")
                }
                .into_bytes();
            }
        }
        *lock(&last) = verb;
        if (&pair.server).write_all(&line).is_err() {
            pair.shutdown();
            return;
        }
    }
}

/// Forwards replies, rewriting passive replies and applying the control cut.
fn control_server_to_client(
    pair: Arc<Pair>,
    shared: Arc<Shared>,
    last: Arc<Mutex<String>>,
    upstream: SocketAddr,
) {
    let mut reader = BufReader::new(&pair.server);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => {
                // The server hung up: so does the proxy, towards the client.
                pair.shutdown();
                return;
            }
            Ok(_) => {}
        }
        if (line.starts_with(b"227") || line.starts_with(b"229"))
            && let Some(rewritten) = rewrite_passive(&line, upstream, &shared, &last)
        {
            line = rewritten;
        }
        let mut cut_at = None;
        {
            let mut faults = lock(&shared.faults);
            if let Some(left) = faults.cut_control_after {
                if line.len() as u64 >= left {
                    faults.cut_control_after = None;
                    shared.faults_fired.fetch_add(1, Ordering::SeqCst);
                    cut_at = Some(left as usize);
                } else {
                    faults.cut_control_after = Some(left - line.len() as u64);
                }
            }
        }
        let sent = &line[..cut_at.unwrap_or(line.len())];
        let delivered = (&pair.client).write_all(sent).is_ok();
        if delivered && !sent.is_empty() {
            // Logged once in the client's socket: a test waiting on the log can act after.
            let text = String::from_utf8_lossy(sent);
            lock(&shared.log).push(format!("S: {}", text.trim_end()));
        }
        if cut_at.is_some() || !delivered {
            pair.shutdown();
            return;
        }
    }
}

/// Opens a proxy data listener for a passive reply and returns the reply pointing at it.
fn rewrite_passive(
    line: &[u8],
    upstream: SocketAddr,
    shared: &Arc<Shared>,
    last: &Arc<Mutex<String>>,
) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(line).into_owned();
    let open = text.find('(')?;
    let close = open + text[open..].find(')')?;
    let inside = &text[open + 1..close];
    let target = if text.starts_with("227") {
        let n: Vec<u16> = inside
            .split(',')
            .map(|p| p.trim().parse().ok())
            .collect::<Option<_>>()?;
        if n.len() != 6 || n.iter().any(|&x| x > 255) {
            return None;
        }
        let ip = Ipv4Addr::new(n[0] as u8, n[1] as u8, n[2] as u8, n[3] as u8);
        SocketAddr::from((ip, n[4] * 256 + n[5]))
    } else {
        let port: u16 = inside.trim_matches('|').parse().ok()?;
        SocketAddr::new(upstream.ip(), port)
    };
    let listener = TcpListener::bind("127.0.0.1:0").ok()?;
    let port = listener.local_addr().ok()?.port();
    let replacement = if text.starts_with("227") {
        format!("127,0,0,1,{},{}", port / 256, port % 256)
    } else {
        format!("|||{port}|")
    };
    let (shared, last) = (Arc::clone(shared), Arc::clone(last));
    std::thread::spawn(move || serve_data(listener, target, shared, last));
    Some(format!("{}{replacement}{}", &text[..=open], &text[close..]).into_bytes())
}

/// Per data connection: whether it is a file transfer, and what a fault did to it.
struct DataConn {
    pair: Arc<Pair>,
    /// The verb of the command this connection serves, read at its first byte.
    last_command: Arc<Mutex<String>>,
    /// The fault this connection took (once taken, no other connection gets it).
    taken: Mutex<Option<DataFault>>,
    stalled: AtomicBool,
}

fn serve_data(
    listener: TcpListener,
    target: SocketAddr,
    shared: Arc<Shared>,
    last: Arc<Mutex<String>>,
) {
    if listener.set_nonblocking(true).is_err() {
        return;
    }
    let started = Instant::now();
    let client = loop {
        match listener.accept() {
            Ok((stream, _)) => break stream,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if shared.stopped.load(Ordering::SeqCst) || started.elapsed() > DATA_ACCEPT_DEADLINE
                {
                    return;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(_) => return,
        }
    };
    drop(listener);
    shared.data_accepted.fetch_add(1, Ordering::SeqCst);
    let _ = client.set_nonblocking(false);
    let Ok(server) = TcpStream::connect_timeout(&target, CONNECT_TIMEOUT) else {
        return;
    };
    let conn = Arc::new(DataConn {
        pair: Arc::new(Pair { client, server }),
        last_command: last,
        taken: Mutex::new(None),
        stalled: AtomicBool::new(false),
    });
    lock(&shared.datas).push(Arc::downgrade(&conn.pair));
    let (up_conn, up_shared) = (Arc::clone(&conn), Arc::clone(&shared));
    std::thread::spawn(move || pump_data(&up_conn, true, &up_shared));
    pump_data(&conn, false, &shared);
}

fn is_transfer(verb: &str) -> bool {
    matches!(verb, "RETR" | "STOR" | "APPE" | "STOU")
}

/// Copies one direction of a data connection (`upload`: client -> server), applying faults.
fn pump_data(conn: &DataConn, upload: bool, shared: &Shared) {
    let (from, to) = if upload {
        (&conn.pair.client, &conn.pair.server)
    } else {
        (&conn.pair.server, &conn.pair.client)
    };
    let mut buffer = vec![0u8; 64 * 1024];
    let mut moved = 0u64;
    let mut trickle = false;
    let mut slow = false;
    loop {
        let n = match (&*from).read(&mut buffer) {
            Ok(0) | Err(_) => {
                if conn.stalled.load(Ordering::SeqCst) {
                    // The stalled transfer's other end gave up: release everything.
                    conn.pair.shutdown();
                } else {
                    let _ = to.shutdown(Shutdown::Write);
                }
                return;
            }
            Ok(n) => n,
        };
        let fault = take_fault(conn, shared, moved + n as u64);
        trickle |= fault == Some(DataFault::Trickle);
        slow |= fault == Some(DataFault::Slow);
        if slow {
            for chunk in buffer[..n].chunks(SLOW_CHUNK) {
                std::thread::sleep(SLOW_GAP);
                if (&*to).write_all(chunk).is_err() {
                    conn.pair.shutdown();
                    return;
                }
            }
            moved += n as u64;
            continue;
        }
        if trickle {
            for byte in &buffer[..n] {
                std::thread::sleep(TRICKLE_GAP);
                if (&*to).write_all(std::slice::from_ref(byte)).is_err() {
                    conn.pair.shutdown();
                    return;
                }
            }
            moved += n as u64;
            continue;
        }
        match fault {
            Some(DataFault::Stall) => {
                // Stop reading and forwarding; the other direction releases the connection
                // when the peer gives up, the proxy's drop otherwise.
                conn.stalled.store(true, Ordering::SeqCst);
                return;
            }
            Some(DataFault::Cut(limit)) => {
                let _ = (&*to).write_all(&buffer[..keep(limit, moved, n)]);
                conn.pair.shutdown();
                return;
            }
            Some(DataFault::Truncate(limit)) => {
                let _ = (&*to).write_all(&buffer[..keep(limit, moved, n)]);
                let _ = to.shutdown(Shutdown::Write);
                // Drain the sender so that it finishes as if all went well.
                while matches!((&*from).read(&mut buffer), Ok(n) if n > 0) {}
                conn.pair.shutdown();
                return;
            }
            Some(DataFault::Trickle | DataFault::Slow) | None => {}
        }
        if (&*to).write_all(&buffer[..n]).is_err() {
            conn.pair.shutdown();
            return;
        }
        moved += n as u64;
    }
}

/// How much of an `n`-byte chunk still fits under `limit` when `moved` bytes went before.
fn keep(limit: u64, moved: u64, n: usize) -> usize {
    (limit.saturating_sub(moved) as usize).min(n)
}

/// The fault that hits this connection now that it will have carried `total` bytes, if any.
fn take_fault(conn: &DataConn, shared: &Shared, total: u64) -> Option<DataFault> {
    if conn.stalled.load(Ordering::SeqCst) {
        return Some(DataFault::Stall);
    }
    let verb = lock(&conn.last_command).clone();
    let listing = matches!(verb.as_str(), "MLSD" | "LIST" | "NLST");
    if !is_transfer(&verb) && !listing {
        return None;
    }
    let mut taken = lock(&conn.taken);
    let mut faults = lock(&shared.faults);
    let hit = match faults.data {
        Some(DataFault::Trickle) => listing,
        _ if listing => false,
        Some(DataFault::Stall | DataFault::Slow) => true,
        Some(DataFault::Cut(limit) | DataFault::Truncate(limit)) => total >= limit,
        None => false,
    };
    if hit && taken.is_none() {
        *taken = faults.data.take();
        shared.faults_fired.fetch_add(1, Ordering::SeqCst);
        return *taken;
    }
    None
}
