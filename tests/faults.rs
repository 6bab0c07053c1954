//! Fault injection: lost control connections, cut, truncated and stalled data connections,
//! server restarts and refused connections, through the proxy of `support::proxy`.

mod support;

use support::{assert_same_tree, pattern, temporaries, tree, wait_out};

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use support::proxy::Proxy;
use support::server::USER;
use support::{Out, PASS, TestServer, assert_ok, wait_until};
use tempfile::TempDir;

const DEADLINE: Duration = Duration::from_secs(20);

/// A minimal FTP client for checking the proxy itself, independent of ftpsh.
struct Raw {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Raw {
    fn connect(port: u16) -> Raw {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut raw = Raw {
            writer: stream.try_clone().unwrap(),
            reader: BufReader::new(stream),
        };
        assert!(raw.reply().starts_with("220"), "greeting");
        raw
    }

    /// One reply (multi-line replies end at "NNN ").
    fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            assert!(!line.is_empty(), "connection closed; got so far: {all:?}");
            all.push_str(&line);
            let b = line.as_bytes();
            if b.len() >= 4 && b[..3].iter().all(u8::is_ascii_digit) && b[3] == b' ' {
                return all;
            }
        }
    }

    fn cmd(&mut self, line: &str) -> String {
        self.writer
            .write_all(format!("{line}\r\n").as_bytes())
            .unwrap();
        self.reply()
    }

    fn login(port: u16) -> Raw {
        let mut raw = Raw::connect(port);
        assert!(raw.cmd(&format!("USER {USER}")).starts_with("331"));
        assert!(raw.cmd(&format!("PASS {PASS}")).starts_with("230"));
        raw
    }

    /// LIST through the data port the reply to `verb` (PASV or EPSV) names; returns the
    /// data port and the listing.
    fn list_via(&mut self, verb: &str) -> (u16, String) {
        let reply = self.cmd(verb);
        let inside = &reply[reply.find('(').unwrap() + 1..reply.find(')').unwrap()];
        let port = if verb == "PASV" {
            let n: Vec<u16> = inside.split(',').map(|p| p.parse().unwrap()).collect();
            assert_eq!(&n[..4], &[127, 0, 0, 1], "{reply}");
            n[4] * 256 + n[5]
        } else {
            inside.trim_matches('|').parse().unwrap()
        };
        let mut data = TcpStream::connect(("127.0.0.1", port)).unwrap();
        assert!(self.cmd("LIST").starts_with("150"));
        let mut listing = String::new();
        data.read_to_string(&mut listing).unwrap();
        assert!(self.reply().starts_with("226"));
        (port, listing)
    }

    /// RETR through EPSV; returns the bytes received (the final reply is read, whatever it is).
    fn retr(&mut self, name: &str) -> Vec<u8> {
        let reply = self.cmd("EPSV");
        let inside = &reply[reply.find('(').unwrap() + 1..reply.find(')').unwrap()];
        let port: u16 = inside.trim_matches('|').parse().unwrap();
        let mut data = TcpStream::connect(("127.0.0.1", port)).unwrap();
        data.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        assert!(self.cmd(&format!("RETR {name}")).starts_with("150"));
        let mut body = Vec::new();
        let _ = data.read_to_end(&mut body);
        drop(data);
        let _ = self.reply();
        body
    }
}

#[test]
fn proxy_rewrites_pasv_and_epsv_and_counts_connections() {
    let server = TestServer::start();
    fs::write(server.path("seen.txt"), "x").unwrap();
    let proxy = Proxy::start(server.port);
    let mut raw = Raw::login(proxy.port);
    for verb in ["PASV", "EPSV"] {
        let (port, listing) = raw.list_via(verb);
        assert!(listing.contains("seen.txt"), "{verb} listing: {listing}");
        assert_ne!(port, server.port);
    }
    assert_eq!(proxy.control_connections(), 1);
    assert_eq!(
        proxy.data_connections(),
        2,
        "both listings went through the proxy"
    );
    let log = proxy.control_log();
    assert!(log.iter().any(|l| l == "C: PASS ****"), "{log:?}");
    assert!(!log.iter().any(|l| l.contains(PASS)), "password in the log");

    // Data faults hit file transfers only, and at the byte count asked for.
    let body = pattern(300_000);
    fs::write(server.path("body.bin"), &body).unwrap();
    proxy.cut_next_data_after(1000);
    assert!(
        raw.list_via("EPSV").1.contains("body.bin"),
        "listing untouched"
    );
    assert_eq!(raw.retr("body.bin"), &body[..1000], "cut after 1000 bytes");
    assert_eq!(proxy.faults_fired(), 1);
    assert_eq!(raw.retr("body.bin"), body, "one transfer only");
    proxy.truncate_next_data_after(5000);
    assert_eq!(
        raw.retr("body.bin"),
        &body[..5000],
        "truncated after 5000 bytes"
    );
    assert_eq!(proxy.faults_fired(), 2);

    // A cut after 3 bytes of the next reply: the client gets "200" and then EOF.
    proxy.cut_control_after(3);
    raw.writer.write_all(b"NOOP\r\n").unwrap();
    let mut rest = String::new();
    raw.reader.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "200");
    assert_eq!(proxy.faults_fired(), 3);

    // Refused: accepted, then closed before any byte.
    proxy.refuse_connections(true);
    let mut refused = TcpStream::connect(("127.0.0.1", proxy.port)).unwrap();
    refused
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut got = Vec::new();
    let _ = refused.read_to_end(&mut got);
    assert!(got.is_empty(), "a refused connection says nothing");
    assert_eq!(proxy.control_connections(), 2);
    proxy.refuse_connections(false);
    let _ = Raw::login(proxy.port);
    assert_eq!(proxy.control_connections(), 3);
}

fn setup() -> (TestServer, Proxy, TempDir) {
    let server = TestServer::start();
    let proxy = Proxy::start(server.port);
    (server, proxy, TempDir::new().unwrap())
}

/// Whether the proxy has passed this reply line on to the client.
fn replied(proxy: &Proxy, line: &str) -> bool {
    proxy
        .control_log()
        .iter()
        .any(|l| l == &format!("S: {line}"))
}

/// A script fed line by line: the control connection is cut once `cd /d` has completed
/// (its PWD reply has reached ftpsh), before the next line is even written.
#[test]
fn script_stops_cleanly_at_the_command_that_finds_the_connection_cut() {
    let (server, proxy, local) = setup();
    let (child, mut stdin) =
        support::spawn_with_stdin(support::ftpsh(local.path()).arg(proxy.url()));
    writeln!(stdin, "mkdir /d\ncd /d").unwrap();
    wait_until("cd /d done", DEADLINE, || replied(&proxy, "257 \"/d\""));
    proxy.cut_control_after(0);
    writeln!(stdin, "mkdir sub\nmkdir /after").unwrap();
    drop(stdin);
    let out = wait_out(child, DEADLINE);
    // Scripts stop at the first failing line, and the line that meets the cut fails: the
    // reconnection of `Shell::session()` only ever helps a *following* command.
    support::assert_fails(&out, 1, "line 3: mkdir sub: ");
    assert_eq!(
        out.stderr.trim_end().lines().count(),
        1,
        "one line: {}",
        out.stderr
    );
    assert!(server.path("d").is_dir());
    assert!(
        !server.path("d/sub").exists(),
        "MKD never reached the server"
    );
    assert!(
        !server.path("after").exists(),
        "lines after the failure must not run"
    );
    assert_eq!(
        proxy.control_connections(),
        1,
        "a script does not reconnect"
    );
}

#[cfg(unix)]
mod repl {
    use super::*;
    use expectrl::Expect;

    type Pty = expectrl::session::OsSession;

    fn prompt(dir: &str) -> String {
        format!("ftpsh alice@127.0.0.1:{dir}> ")
    }

    /// `ftpsh URL` in a pty (as tests/interactive.rs), once the first prompt is on screen.
    fn spawn(url: &str, local: &Path) -> Pty {
        let mut pty = support::pty(&["--timeout", "5", url], local);
        pty.expect(prompt("/").as_str()).expect("first prompt");
        pty
    }

    fn command(pty: &mut Pty, line: &str, dir: &str) {
        pty.send_line(line).unwrap();
        pty.expect(prompt(dir).as_str())
            .unwrap_or_else(|e| panic!("no prompt after {line:?}: {e}"));
    }

    /// Sends `line` and returns what was printed before the next prompt.
    fn output_of(pty: &mut Pty, line: &str, dir: &str) -> String {
        pty.send_line(line).unwrap();
        let found = pty
            .expect(prompt(dir).as_str())
            .unwrap_or_else(|e| panic!("no prompt after {line:?}: {e}"));
        String::from_utf8_lossy(found.before()).into_owned()
    }

    /// Sends `line` and returns what was printed before the next prompt, wherever it is.
    fn until_prompt(pty: &mut Pty, line: &str) -> String {
        pty.send_line(line).unwrap();
        let found = pty
            .expect(expectrl::Regex("ftpsh[^>]*> "))
            .unwrap_or_else(|e| panic!("no prompt after {line:?}: {e}"));
        let text = String::from_utf8_lossy(found.before()).into_owned();
        format!("{text}{}", String::from_utf8_lossy(&found[0]))
    }

    fn quit(mut pty: Pty) {
        pty.send_line("quit").unwrap();
        pty.expect(expectrl::Eof).expect("ftpsh exits");
    }

    #[test]
    fn repl_reconnects_back_in_the_same_directory_after_a_control_cut() {
        let (server, proxy, local) = setup();
        let mut pty = spawn(&proxy.url(), local.path());
        command(&mut pty, "mkdir /d", "/");
        command(&mut pty, "cd /d", "/d");
        proxy.cut_control_after(0);
        // The command that meets the cut fails, with one line naming it.
        let first = output_of(&mut pty, "mkdir lost", "/d");
        assert!(first.contains("mkdir lost: "), "{first:?}");
        assert!(!server.path("d/lost").exists());
        // The next one reconnects, back in /d, and works.
        let second = output_of(&mut pty, "mkdir sub", "/d");
        assert!(second.contains("reconnected, back in /d"), "{second:?}");
        assert!(server.path("d/sub").is_dir(), "relative mkdir ran in /d");
        let pwd = output_of(&mut pty, "pwd", "/d");
        assert!(pwd.contains("/d"), "{pwd:?}");
        assert_eq!(proxy.control_connections(), 2);
        quit(pty);
    }

    /// The server is still down at the first reconnection attempt, back at the next.
    #[test]
    fn repl_keeps_trying_to_reconnect_after_a_failed_attempt() {
        let (server, proxy, local) = setup();
        let mut pty = spawn(&proxy.url(), local.path());
        command(&mut pty, "mkdir /d", "/");
        command(&mut pty, "cd /d", "/d");
        proxy.refuse_connections(true);
        proxy.cut_control_after(0);
        let lost = output_of(&mut pty, "mkdir a", "/d");
        assert!(lost.contains("mkdir a: "), "{lost:?}");
        let refused = until_prompt(&mut pty, "mkdir b");
        assert!(refused.contains("reconnect: "), "{refused:?}");
        proxy.refuse_connections(false);
        let back = until_prompt(&mut pty, "mkdir c");
        assert!(
            back.contains("reconnected, back in /d"),
            "the shell should reconnect once the server is back; got {back:?}"
        );
        assert!(server.path("d/c").is_dir());
        quit(pty);
    }
}

/// A site with one big file among small ones.
fn make_site(src: &Path, big: usize) {
    support::write_site(
        src,
        [
            ("index.html", b"<h1>hi</h1>".to_vec()),
            ("css/site.css", b"body{}".to_vec()),
            ("img/a b.png", pattern(10_000)),
            ("media/big.bin", pattern(big)),
        ],
    );
}

/// `ftpsh --log JOURNAL -c "mirror --once src /dst" URL`, spawned in `home`.
fn spawn_once(home: &Path, url: &str) -> Child {
    support::ftpsh(home)
        .args([
            "--log",
            home.join("journal.log").to_str().unwrap(),
            "-c",
            "mirror --once src /dst",
            url,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Polls until `child` exits, checking on each round that `file`, when it exists, holds
/// exactly `want` (an atomic upload never shows a partial file under its real name).
fn watch_final_name(child: Child, file: &Path, want: &[u8]) -> Out {
    let mut child = child;
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(start.elapsed() < DEADLINE, "ftpsh still running");
        if let Ok(meta) = fs::metadata(file) {
            assert_eq!(
                meta.len(),
                want.len() as u64,
                "a partial file showed under the final name {}",
                file.display()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    wait_out(child, DEADLINE)
}

#[test]
fn mirror_once_retries_a_data_connection_cut_mid_upload() {
    let (server, proxy, home) = setup();
    let src = home.path().join("src");
    // Big enough that ftpsh is still writing when the cut comes, whatever the socket buffers.
    make_site(&src, 8 << 20);
    proxy.cut_next_data_after(256 * 1024);
    let child = spawn_once(home.path(), &proxy.url());
    let big = pattern(8 << 20);
    let out = watch_final_name(child, &server.path("dst/media/big.bin"), &big);
    assert_eq!(proxy.faults_fired(), 1, "the cut happened");
    assert!(out.stdout.contains("retrying in 1s"), "{}", out.stdout);
    assert!(proxy.control_connections() >= 2, "the job reconnected");
    // The retry continued what the cut upload had stored, rather than start over.
    let log = proxy.control_log();
    assert!(
        log.iter().any(|l| l.starts_with("C: REST ")),
        "no REST: {log:?}"
    );
    assert_same_tree(&src, &server.path("dst"));
    assert_eq!(temporaries(server.root()), Vec::<String>::new());
    assert_ok(&out);
}

#[test]
fn mirror_once_exits_0_after_a_recovered_cut() {
    let (server, proxy, home) = setup();
    let src = home.path().join("src");
    make_site(&src, 8 << 20);
    proxy.cut_next_data_after(256 * 1024);
    let out = wait_out(spawn_once(home.path(), &proxy.url()), DEADLINE);
    assert_eq!(proxy.faults_fired(), 1, "the cut happened");
    assert_same_tree(&src, &server.path("dst"));
    assert_ok(&out);
}

#[test]
fn mirror_retry_message_names_the_file_once() {
    let (_server, proxy, home) = setup();
    make_site(&home.path().join("src"), 8 << 20);
    proxy.cut_next_data_after(256 * 1024);
    let out = wait_out(spawn_once(home.path(), &proxy.url()), DEADLINE);
    let retry = out
        .stdout
        .lines()
        .find(|l| l.contains("retrying"))
        .unwrap_or_else(|| panic!("no retry line: {}", out.stdout));
    assert!(!retry.contains("mirror: mirror:"), "{retry}");
    assert!(
        retry.contains("/dst/media/big.bin") && !retry.contains(".ftpsh-part"),
        "{retry}"
    );
}

/// The control connection dies between the upload of the temporary and its rename: the
/// temporary is on the server, the final name is not.
#[test]
fn mirror_once_recovers_from_a_control_cut_before_the_rename() {
    let (server, proxy, home) = setup();
    let src = home.path().join("src");
    make_site(&src, 300_000);
    proxy.cut_control_on("RNFR");
    let out = wait_out(spawn_once(home.path(), &proxy.url()), DEADLINE);
    assert_eq!(proxy.faults_fired(), 1);
    assert!(out.stdout.contains("retrying in 1s"), "{}", out.stdout);
    assert_same_tree(&src, &server.path("dst"));
    assert_eq!(temporaries(server.root()), Vec::<String>::new());
    assert_ok(&out);
}

/// The data connection is cut after 256 KiB of a 1 MiB upload: `put` fails and says that
/// what reached the server stays there; `put -c` then sends only the rest (REST), and the
/// file is whole under its name.
#[test]
fn put_c_continues_an_upload_whose_data_connection_was_cut() {
    let (server, proxy, local) = setup();
    let body = pattern(1 << 20);
    fs::write(local.path().join("big.bin"), &body).unwrap();
    proxy.cut_next_data_after(256 * 1024);
    let out = support::run_c(&proxy.url(), "put big.bin", local.path());
    assert_eq!(proxy.faults_fired(), 1);
    support::assert_fails(&out, 1, "stays there for put -c or the next mirror pass");
    assert!(!server.path("big.bin").exists());
    let [temp] = &temporaries(server.root())[..] else {
        panic!("one temporary: {:?}", temporaries(server.root()));
    };
    let held = fs::metadata(server.root().join(temp)).unwrap().len();
    assert!(held > 0 && held < body.len() as u64, "{held}");
    let out = support::ftpsh(local.path())
        .args(["-v", "--debug", "-c", "put -c big.bin", &proxy.url()])
        .output()
        .unwrap();
    let out = support::Out::from(out);
    support::assert_ok(&out);
    assert!(
        out.stderr.contains(&format!("--> REST {held}")),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.contains(&format!("(resumed at byte {held})")),
        "{}",
        out.stdout
    );
    assert_eq!(fs::read(server.path("big.bin")).unwrap(), body);
    assert_eq!(temporaries(server.root()), Vec::<String>::new());
}

/// The data connection ends cleanly after 100 KiB of a 1 MiB upload: ftpsh's writes all
/// succeed and the server, seeing a normal end of file, answers 226. Only the size tells.
#[test]
fn put_never_renames_a_truncated_upload_onto_the_final_name() {
    let (server, proxy, local) = setup();
    let body = pattern(1 << 20);
    fs::write(local.path().join("big.bin"), &body).unwrap();
    proxy.truncate_next_data_after(100 * 1024);
    let out = support::run_c(&proxy.url(), "put big.bin", local.path());
    assert_eq!(proxy.faults_fired(), 1);
    if let Ok(got) = fs::read(server.path("big.bin")) {
        assert!(
            got == body,
            "the final name holds {} of {} bytes; ftpsh said: code {} {}",
            got.len(),
            body.len(),
            out.code,
            out.stderr
        );
    }
    assert_ne!(out.code, 0, "a truncated upload must fail: {}", out.stderr);
    assert!(out.stderr.contains("put big.bin"), "{}", out.stderr);
}

/// The download's data connection ends cleanly after 10 KiB of 200 KiB (the server has
/// already sent it all and said 226).
#[test]
fn get_never_leaves_a_truncated_download_under_the_final_name() {
    let (server, proxy, local) = setup();
    let body = pattern(200 * 1024);
    fs::write(server.path("big.bin"), &body).unwrap();
    proxy.truncate_next_data_after(10 * 1024);
    let out = support::run_c(&proxy.url(), "get big.bin", local.path());
    assert_eq!(proxy.faults_fired(), 1);
    if let Ok(got) = fs::read(local.path().join("big.bin")) {
        assert!(
            got == body,
            "the final name holds {} of {} bytes; ftpsh said: code {} {}",
            got.len(),
            body.len(),
            out.code,
            out.stderr
        );
    }
    assert_ne!(
        out.code, 0,
        "a truncated download must fail: {}",
        out.stderr
    );
    assert!(out.stderr.contains("get big.bin"), "{}", out.stderr);
    // The received part is kept beside the final name, and `get -c` completes it.
    assert!(out.stderr.contains("get -c"), "{}", out.stderr);
    assert_eq!(temporaries(local.path()), ["big.bin.ftpsh-part"]);
    let resumed = support::run_c(&proxy.url(), "get -c big.bin", local.path());
    assert_ok(&resumed);
    assert_eq!(fs::read(local.path().join("big.bin")).unwrap(), body);
    assert_eq!(temporaries(local.path()), Vec::<String>::new());
}

/// A libunftp server serving a given folder on a given port: TestServer's twin, for
/// bringing a server back where the previous one was.
struct RootServer {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RootServer {
    fn start(root: &Path, port: u16) -> RootServer {
        // The previous listener is closed by now; SO_REUSEADDR (std's default on unix) lets
        // the port be bound again despite connections in TIME_WAIT.
        let mut bound = None;
        wait_until("the old port to be free", DEADLINE, || {
            bound = std::net::TcpListener::bind(("127.0.0.1", port)).ok();
            bound.is_some()
        });
        let listener = bound.unwrap();
        listener.set_nonblocking(true).unwrap();
        let root = root.to_path_buf();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let _ = ready_tx.send(());
                tokio::select! {
                    _ = support::server::serve(listener, root, USER, PASS) => {}
                    _ = stop_rx => {}
                }
            });
            rt.shutdown_background();
        });
        ready_rx.recv().expect("restarted server is up");
        RootServer {
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }
}

impl Drop for RootServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn terminate(child: Child) -> Out {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    wait_out(child, DEADLINE)
}

#[test]
fn running_mirror_survives_a_server_restart() {
    let mut server = TestServer::start();
    let port = server.port;
    // Keep the served folder past the server's drop.
    let root = std::mem::replace(&mut server.root, TempDir::new().unwrap());
    let home = TempDir::new().unwrap();
    let src = home.path().join("src");
    make_site(&src, 50_000);
    let child = support::ftpsh(home.path())
        .args(["-c", "mirror --interval 0.2 src /dst", &server.url()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let dst = root.path().join("dst");
    wait_until("initial sync", DEADLINE, || tree(&src) == tree(&dst));
    drop(server);
    let _restarted = RootServer::start(root.path(), port);
    fs::write(src.join("index.html"), "<h1>after the restart</h1>").unwrap();
    fs::write(src.join("css/new.css"), "new").unwrap();
    wait_until("the edit after the restart", DEADLINE, || {
        tree(&src) == tree(&dst)
    });
    let out = terminate(child);
    assert_eq!(out.code, 0, "clean exit on SIGTERM: {}", out.stderr);
    assert!(
        out.stderr.contains("retrying in 1s"),
        "the job noticed the restart: {}",
        out.stderr
    );
    assert_same_tree(&src, &dst);
    assert_eq!(temporaries(root.path()), Vec::<String>::new());
}

/// `ftpsh ARGS` run in `local` to its end (within DEADLINE), and how long it took.
fn timed(local: &Path, args: &[&str]) -> (support::Out, Duration) {
    let started = Instant::now();
    let child = support::ftpsh(local)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    (wait_out(child, DEADLINE), started.elapsed())
}

#[test]
fn stalled_download_fails_within_the_timeout_and_get_c_resumes_it() {
    let (server, proxy, local) = setup();
    let body = pattern(1 << 20);
    fs::write(server.path("big.bin"), &body).unwrap();
    proxy.stall_next_data();
    let (out, took) = timed(
        local.path(),
        &["--timeout", "0.5", "-c", "get big.bin", &proxy.url()],
    );
    assert_eq!(proxy.faults_fired(), 1);
    support::assert_fails(&out, 1, "get big.bin: ");
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{}", out.stderr);
    assert!(
        !local.path().join("big.bin").exists(),
        "no file under the final name"
    );
    // The partial is kept (and said so) for `get -c`, which then completes the file.
    assert!(out.stderr.contains("get -c"), "{}", out.stderr);
    assert_eq!(temporaries(local.path()), ["big.bin.ftpsh-part"]);
    let resumed = support::run_c(&proxy.url(), "get -c big.bin", local.path());
    assert_ok(&resumed);
    assert_eq!(fs::read(local.path().join("big.bin")).unwrap(), body);
    assert_eq!(temporaries(local.path()), Vec::<String>::new());
    assert_eq!(fs::read(server.path("big.bin")).unwrap(), body);
}

#[test]
fn timeouts_say_they_timed_out() {
    let (server, proxy, local) = setup();
    fs::write(server.path("big.bin"), pattern(1 << 20)).unwrap();
    proxy.stall_next_data();
    let stalled = support::ftpsh(local.path())
        .args(["--timeout", "0.5", "-c", "get big.bin", &proxy.url()])
        .output()
        .unwrap();
    proxy.hold_connections(true);
    let mute = support::ftpsh(local.path())
        .args(["--timeout", "0.5", "-c", "pwd", &proxy.url()])
        .output()
        .unwrap();
    for out in [stalled, mute] {
        let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
        assert!(
            stderr.contains("timed out") || stderr.contains("timeout"),
            "{stderr}"
        );
    }
}

#[test]
fn stalled_upload_fails_within_the_timeout_and_never_shows_the_final_name() {
    let (server, proxy, local) = setup();
    fs::write(local.path().join("big.bin"), pattern(8 << 20)).unwrap();
    proxy.stall_next_data();
    let (out, took) = timed(
        local.path(),
        &["--timeout", "0.5", "-c", "put big.bin", &proxy.url()],
    );
    assert_eq!(proxy.faults_fired(), 1);
    support::assert_fails(&out, 1, "put ");
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert!(
        !server.path("big.bin").exists(),
        "no file under the final name"
    );
}

#[test]
fn server_that_closes_right_after_accepting_is_exit_3() {
    let (_server, proxy, local) = setup();
    proxy.refuse_connections(true);
    let out = support::run_c(&proxy.url(), "pwd", local.path());
    support::assert_fails(&out, 3, &format!("connect 127.0.0.1:{}: ", proxy.port));
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{}", out.stderr);
    assert_eq!(proxy.control_connections(), 1);
}

/// The greeting is cut after "220 Welcom": suppaftp takes the unterminated line as the
/// greeting, so the failure shows at login. Either way: exit 3, one line.
#[test]
fn server_that_cuts_the_greeting_midway_is_exit_3() {
    let (_server, proxy, local) = setup();
    proxy.cut_control_after(10);
    let out = support::run_c(&proxy.url(), "pwd", local.path());
    support::assert_fails(&out, 3, "connection closed");
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{}", out.stderr);
    assert_eq!(proxy.faults_fired(), 1);
}

#[test]
fn server_that_hangs_up_at_login_is_exit_3_and_hides_the_password() {
    let (_server, proxy, local) = setup();
    proxy.cut_control_on("PASS");
    let out = support::run_c(&proxy.url(), "pwd", local.path());
    support::assert_fails(&out, 3, "login alice: ");
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{}", out.stderr);
    assert!(!out.stderr.contains(PASS) && !out.stdout.contains(PASS));
}

#[test]
fn server_that_never_greets_times_out_with_exit_3() {
    let (_server, proxy, local) = setup();
    proxy.hold_connections(true);
    let started = Instant::now();
    let child = support::ftpsh(local.path())
        .args(["--timeout", "0.5", "-c", "pwd", &proxy.url()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_out(child, Duration::from_secs(10));
    assert!(started.elapsed() < Duration::from_secs(8));
    support::assert_fails(&out, 3, &format!("connect 127.0.0.1:{}: ", proxy.port));
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{}", out.stderr);
}

#[test]
fn refused_port_is_exit_3() {
    let local = TempDir::new().unwrap();
    let proxy = Proxy::start(1);
    let port = proxy.port;
    drop(proxy);
    let out = support::run_c(
        &format!("ftp://alice@127.0.0.1:{port}"),
        "pwd",
        local.path(),
    );
    support::assert_fails(&out, 3, &format!("connect 127.0.0.1:{port}: "));
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{}", out.stderr);
}

#[test]
fn active_mode_waits_for_the_data_connection_no_longer_than_the_timeout() {
    let (server, proxy, local) = setup();
    fs::write(server.path("a.txt"), "active").unwrap();
    // The server's data connection goes elsewhere: ftpsh's listener waits in vain.
    proxy.divert_next_active_data();
    let args = ["--active", "--timeout", "0.5", "-c", "ls", &proxy.url()];
    let (out, took) = timed(local.path(), &args);
    assert_eq!(proxy.faults_fired(), 1);
    support::assert_fails(&out, 1, "timed out");
    assert!(took < Duration::from_secs(8), "took {took:?}");
    // Undiverted, active mode works through the same proxy.
    let listed = support::Out::from(
        support::ftpsh(local.path())
            .args(["--active", "--timeout", "5", "-c", "ls", &proxy.url()])
            .output()
            .unwrap(),
    );
    assert_ok(&listed);
    assert!(listed.stdout.contains("a.txt"), "{}", listed.stdout);
}

/// SIGINT (Ctrl-C) during a transfer of a `-c` run or a script (`args`, `script` on stdin):
/// the transfer stops, the remote temporary is kept (a prefix of the file, for `put -c` or
/// the next pass, and the run says so), nothing is under a final name, and the run ends
/// with status 130 (what a shell reports for SIGINT), saying `says`, without running the
/// next command (`mkdir /after`). One server per kind of run, so the kinds run side by side.
/// Returns the server and the local folder, for what comes after.
fn sigint_during_a_transfer(
    args: &[&str],
    script: &str,
    says: &str,
) -> (TestServer, Proxy, TempDir) {
    let (server, proxy, local) = setup();
    // 8 MiB take ten seconds through the slowed proxy: time enough to interrupt
    let body = pattern(8 << 20);
    fs::write(local.path().join("big.bin"), &body).unwrap();
    fs::write(local.path().join("other.bin"), &body).unwrap();
    fs::create_dir(local.path().join("src")).unwrap();
    fs::write(local.path().join("src/big.bin"), &body).unwrap();
    proxy.slow_next_data();
    let (child, mut stdin) =
        support::spawn_with_stdin(support::ftpsh(local.path()).args(args).arg(proxy.url()));
    stdin.write_all(script.as_bytes()).unwrap();
    drop(stdin);
    wait_until("an upload in flight", DEADLINE, || {
        temporaries(server.root())
            .iter()
            .any(|rel| fs::metadata(server.root().join(rel)).is_ok_and(|m| m.len() > 0))
    });
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = wait_out(child, DEADLINE);
    support::assert_fails(&out, 130, says);
    assert!(
        out.stderr
            .contains("the partial upload stays on the server for put -c")
            || out.stderr.contains("keeps its temporary for the next pass"),
        "{args:?}: {}",
        out.stderr
    );
    let kept: Vec<String> = ["", "m"]
        .iter()
        .flat_map(|dir| {
            temporaries(&server.root().join(dir))
                .into_iter()
                .map(move |t| Path::new(dir).join(t).to_string_lossy().into_owned())
        })
        .collect();
    assert!(!kept.is_empty(), "{args:?}: the temporary is kept");
    for temp in &kept {
        let held = fs::read(server.root().join(temp)).unwrap();
        assert!(
            !held.is_empty() && body.starts_with(&held),
            "{args:?}: {temp} holds a prefix"
        );
    }
    assert!(
        !server.path("after").exists(),
        "{args:?}: the next command ran"
    );
    assert!(!server.path("big.bin").exists() && !server.path("m/big.bin").exists());
    (server, proxy, local)
}

/// `put big.bin`, Ctrl-C, then `put -c big.bin` (issue 21): the temporary the first one
/// kept is continued with REST, the file on the server is the local one byte for byte,
/// and no temporary is left.
#[test]
fn sigint_during_put_keeps_the_temporary_and_put_c_continues_it() {
    let (server, proxy, local) = sigint_during_a_transfer(
        &["-c", "put big.bin; mkdir /after"],
        "",
        "put big.bin: cancelled",
    );
    let temp = temporaries(server.root()).remove(0);
    let held = fs::metadata(server.root().join(&temp)).unwrap().len();
    // The same server address: the cut is recorded per server.
    let out = support::run_c(&proxy.url(), "debug on; put -c big.bin", local.path());
    assert_ok(&out);
    assert!(
        out.stderr.contains(&format!("--> REST {held}")),
        "{}",
        out.stderr
    );
    assert_eq!(
        fs::read(server.path("big.bin")).unwrap(),
        fs::read(local.path().join("big.bin")).unwrap()
    );
    assert_eq!(temporaries(server.root()), Vec::<String>::new());
}

#[test]
fn sigint_during_put_ends_a_script_with_130_naming_the_line() {
    let _ = sigint_during_a_transfer(
        &[],
        "put big.bin\nmkdir /after\n",
        "line 1: put big.bin: cancelled",
    );
}

#[test]
fn sigint_during_mput_ends_a_c_run_with_130_and_keeps_the_temporaries() {
    let _ = sigint_during_a_transfer(
        &["-c", "mput big.bin other.bin; mkdir /after"],
        "",
        ": cancelled",
    );
}

#[test]
fn sigint_during_a_mirror_pass_ends_a_c_run_with_130_and_keeps_the_temporary() {
    let _ = sigint_during_a_transfer(
        &["-c", "mirror --once src /m; mkdir /after"],
        "",
        "mirror: cancelled",
    );
}

/// SIGINT during `cat` (a download to stdout) stops it too: status 130, the next command
/// never runs, and the control connection was still usable to end the transfer cleanly.
#[test]
fn sigint_during_cat_ends_the_run_with_130() {
    let (server, proxy, local) = setup();
    fs::write(server.path("big.bin"), pattern(8 << 20)).unwrap();
    proxy.slow_next_data();
    let mut child = support::ftpsh(local.path())
        .args(["-c", "cat big.bin; mkdir /after", &proxy.url()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (first, got_first) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut buffer = [0u8; 64 * 1024];
        let mut total = 0usize;
        while let Ok(n) = stdout.read(&mut buffer) {
            if n == 0 {
                break;
            }
            total += n;
            let _ = first.send(());
        }
        total
    });
    got_first
        .recv_timeout(DEADLINE)
        .expect("cat printed nothing");
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = wait_out(child, DEADLINE);
    let printed = reader.join().unwrap();
    support::assert_fails(&out, 130, "cancelled");
    assert!(printed < 8 << 20, "cat was not stopped: {printed} bytes");
    assert!(!server.path("after").exists(), "the next command ran");
}

/// SIGINT during a listing that trickles in (a byte every 300 ms: no read ever times out)
/// stops it within a second: its data connection is shut under it.
#[test]
fn sigint_during_a_trickling_listing_ends_the_run_with_130() {
    let (server, proxy, local) = setup();
    for i in 0..20 {
        fs::write(server.path(&format!("file-{i:02}.txt")), "x").unwrap();
    }
    proxy.trickle_next_listing();
    let child = support::ftpsh(local.path())
        .args(["-c", "ls; mkdir /after", &proxy.url()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("the listing to start", DEADLINE, || {
        proxy.data_connections() > 0
    });
    let interrupted = Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = wait_out(child, DEADLINE);
    assert!(
        interrupted.elapsed() < Duration::from_secs(3),
        "took {:?}",
        interrupted.elapsed()
    );
    support::assert_fails(&out, 130, "ls: cancelled");
    assert!(!server.path("after").exists(), "the next command ran");
}
