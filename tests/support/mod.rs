//! Shared test helpers: the embedded servers and a runner for the real ftpsh binary.
#![allow(dead_code)]

pub mod fake;
pub mod proxy;
pub mod pyftpd;
pub mod scripted;
pub mod server;
pub mod skip;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

// Not every test crate uses every helper.
#[allow(unused_imports)]
pub use server::{PASS, TestServer};

/// The output of one ftpsh run.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A fresh libunftp server and an empty local folder to run ftpsh in.
pub fn setup() -> (TestServer, tempfile::TempDir) {
    (TestServer::start(), tempfile::TempDir::new().unwrap())
}

/// The ftpsh binary run in `local`, with an environment that cannot leak the developer's
/// own settings in: no ~/.netrc, the test password in FTPSH_PASSWORD, home and data dirs
/// under `local`.
fn isolated(local: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ftpsh"));
    command
        .current_dir(local)
        .env("FTPSH_PASSWORD", PASS)
        .env("NETRC", local.join(".no-netrc"))
        .env("XDG_DATA_HOME", local.join(".data"))
        .env("HOME", local);
    command
}

/// ftpsh in the isolated environment, reading nothing from stdin.
pub fn ftpsh(local: &Path) -> Command {
    let mut command = isolated(local);
    command.stdin(Stdio::null());
    command
}

/// `ftpsh ARGS` in a pseudo-terminal (TERM=xterm), in the isolated environment; expect
/// calls wait 10 s at most.
#[cfg(unix)]
pub fn pty(args: &[&str], local: &Path) -> expectrl::session::OsSession {
    let mut command = isolated(local);
    command.args(args).env("TERM", "xterm");
    let mut pty = expectrl::Session::spawn(command).expect("spawn ftpsh in a pty");
    pty.set_expect_timeout(Some(Duration::from_secs(10)));
    pty
}

/// Spawns `command` with stdout and stderr piped.
pub fn spawn_piped(command: &mut Command) -> std::process::Child {
    command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ftpsh")
}

/// Runs `command` to its end, killing it and failing the test at `deadline`.
pub fn run_within(command: &mut Command, deadline: Duration) -> Out {
    wait_out(spawn_piped(command), deadline)
}

/// Spawns `command` with its output piped and its stdin open for the test to write a
/// script into, line by line if it likes (dropping the stdin ends the script).
pub fn spawn_with_stdin(command: &mut Command) -> (std::process::Child, std::process::ChildStdin) {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ftpsh");
    let stdin = child.stdin.take().expect("piped stdin");
    (child, stdin)
}

/// Writes `body` to `root/rel`, creating the folders on the way; returns the path.
pub fn write_file(root: &Path, rel: &str, body: impl AsRef<[u8]>) -> std::path::PathBuf {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a file under root")).unwrap();
    std::fs::write(&path, body).unwrap();
    path
}

/// Sets the modify time of every file under `root` to 10 s ago: a file read within a clock
/// tick of its change is "racy" to the mirror (recorded unproven, sent again by a later
/// pass, as git treats an mtime not older than its index), so a test that means "a tree
/// written a while ago" says so instead of racing the first pass.
pub fn settle_times(root: &Path) {
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(10);
    for entry in std::fs::read_dir(root).unwrap().flatten() {
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            settle_times(&entry.path());
        } else if kind.is_file() {
            let file = std::fs::File::options()
                .write(true)
                .open(entry.path())
                .unwrap();
            file.set_modified(then).unwrap();
        }
    }
}

/// Writes a site: each `(rel, body)` as a file under `root`.
pub fn write_site<B: AsRef<[u8]>>(root: &Path, files: impl IntoIterator<Item = (&'static str, B)>) {
    for (rel, body) in files {
        write_file(root, rel, body);
    }
}

impl From<std::process::Output> for Out {
    fn from(output: std::process::Output) -> Out {
        Out {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// `ftpsh -c COMMANDS URL`, run in `local`.
pub fn run_c(url: &str, commands: &str, local: &Path) -> Out {
    let output = ftpsh(local)
        .args(["-c", commands, url])
        .output()
        .expect("run ftpsh");
    Out::from(output)
}

/// `ftpsh URL < script`, run in `local`.
pub fn run_script(url: &str, script: &str, local: &Path) -> Out {
    run_script_args(&[url], script, local)
}

/// `ftpsh ARGS < script`, run in `local`.
pub fn run_script_args(args: &[&str], script: &str, local: &Path) -> Out {
    let (child, mut stdin) = spawn_with_stdin(ftpsh(local).args(args));
    stdin.write_all(script.as_bytes()).expect("write script");
    drop(stdin);
    Out::from(child.wait_with_output().expect("wait ftpsh"))
}

/// Every file and directory under `root` as '/'-separated rel path -> contents (None for
/// directories): what tests compare a server's folder with a local tree by.
pub fn tree(root: &Path) -> std::collections::BTreeMap<String, Option<Vec<u8>>> {
    let mut found = std::collections::BTreeMap::new();
    let mut pending = vec![std::path::PathBuf::new()];
    while let Some(rel) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&rel)) else {
            continue;
        };
        for entry in entries.flatten() {
            let child = rel.join(entry.file_name());
            let key = child.to_string_lossy().replace('\\', "/");
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                pending.push(child);
                found.insert(key, None);
            } else {
                found.insert(key, std::fs::read(entry.path()).ok());
            }
        }
    }
    found
}

/// Asserts `remote` holds exactly the files and folders of `local`: names first (a readable
/// message), then contents.
#[track_caller]
pub fn assert_same_tree(local: &Path, remote: &Path) {
    let (want, got) = (tree(local), tree(remote));
    let names = |t: &std::collections::BTreeMap<String, Option<Vec<u8>>>| {
        t.keys().cloned().collect::<Vec<_>>()
    };
    assert_eq!(names(&got), names(&want), "remote names differ from local");
    assert!(got == want, "remote contents differ from local");
}

/// Temporaries of uploads (`.ftpsh-part-*`) or downloads (`*.ftpsh-part`) under `root`.
pub fn temporaries(root: &Path) -> Vec<String> {
    tree(root)
        .into_keys()
        .filter(|k| k.contains(".ftpsh-part"))
        .collect()
}

/// A file whose bytes depend on their offset, so a truncation or a shift shows.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i % 251) as u8 ^ (i / 251) as u8)
        .collect()
}

/// Collects a child's output once it exits; kills it and fails the test at the deadline.
pub fn wait_out(mut child: std::process::Child, deadline: Duration) -> Out {
    let start = Instant::now();
    while child.try_wait().expect("wait ftpsh").is_none() {
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ftpsh still running after {deadline:?} (killed)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Out::from(child.wait_with_output().expect("wait ftpsh"))
}

/// Like `wait_out`, with stdout and stderr as raw bytes: (exit code, stdout, stderr).
pub fn wait_out_raw(mut child: std::process::Child, deadline: Duration) -> (i32, Vec<u8>, Vec<u8>) {
    let start = Instant::now();
    while child.try_wait().expect("wait ftpsh").is_none() {
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ftpsh still running after {deadline:?} (killed)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("wait ftpsh");
    (
        output.status.code().unwrap_or(-1),
        output.stdout,
        output.stderr,
    )
}

/// Waits for `condition` to hold, polling, and fails the test at the deadline.
pub fn wait_until(what: &str, deadline: Duration, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(
            start.elapsed() < deadline,
            "timed out after {deadline:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Asserts a run succeeded, showing its output when not.
#[track_caller]
pub fn assert_ok(out: &Out) {
    assert_eq!(
        out.code, 0,
        "ftpsh failed:\nstdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
}

/// Asserts a run failed with `code` and said `needle` on stderr.
#[track_caller]
pub fn assert_fails(out: &Out, code: i32, needle: &str) {
    assert_eq!(
        out.code, code,
        "exit code; stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    assert!(
        out.stderr.contains(needle),
        "stderr should contain {needle:?}, got: {}",
        out.stderr
    );
}
