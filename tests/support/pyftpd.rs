//! pyftpdlib test server fixture (`PyFtpd`): runs tests/support/pyftpd_server.py, a server with MFMT.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The only user that may log in (same as the libunftp fixture).
pub const USER: &str = "alice";
/// Its password (with a space on purpose).
pub const PASS: &str = "s3cret pw";

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/support/pyftpd_server.py"
);
const START_DEADLINE: Duration = Duration::from_secs(10);

/// A pyftpdlib server (child process) on 127.0.0.1 serving a fresh temporary folder;
/// killed on drop.
pub struct PyFtpd {
    pub port: u16,
    /// The served folder, fresh per server.
    pub root: tempfile::TempDir,
    child: Child,
}

impl PyFtpd {
    /// Starts `python3 pyftpd_server.py <fresh temp dir>` and waits (at most 10 s) for the port
    /// it prints. `None`, with an `eprintln!` saying why (python3 or pyftpdlib missing, ...),
    /// when it can't start, so tests can skip with a message.
    pub fn start() -> Option<PyFtpd> {
        let root = match tempfile::tempdir() {
            Ok(root) => root,
            Err(e) => {
                eprintln!("skipping pyftpdlib server: cannot create a temp dir: {e}");
                return None;
            }
        };
        let spawned = Command::new("python3")
            .arg(SCRIPT)
            .arg(root.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => {
                eprintln!("skipping pyftpdlib server: cannot run python3: {e}");
                return None;
            }
        };
        let stdout = child.stdout.take().expect("child stdout is piped");
        let (tx, rx) = mpsc::channel();
        // Reads only the first line; the script writes nothing else to stdout.
        std::thread::spawn(move || {
            let mut line = String::new();
            let read = BufReader::new(stdout).read_line(&mut line).map(|_| line);
            let _ = tx.send(read);
        });
        let failure = match rx.recv_timeout(START_DEADLINE) {
            Ok(Ok(line)) => match line.trim().parse::<u16>() {
                Ok(port) if port != 0 => return Some(PyFtpd { port, root, child }),
                _ if line.is_empty() => {
                    "pyftpd_server.py exited without printing its port (see its stderr; pyftpdlib missing? pip install pyftpdlib)".to_string()
                }
                _ => format!("pyftpd_server.py printed {:?} instead of a port", line.trim()),
            },
            Ok(Err(e)) => format!("cannot read pyftpd_server.py output: {e}"),
            Err(_) => format!("pyftpd_server.py printed no port within {START_DEADLINE:?}"),
        };
        eprintln!("skipping pyftpdlib server: {failure}");
        let _ = child.kill();
        let _ = child.wait();
        None
    }

    /// The served folder.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// The served folder joined with a '/'-separated relative path.
    pub fn path(&self, rel: &str) -> PathBuf {
        let mut p = self.root.path().to_path_buf();
        for part in rel.split('/').filter(|s| !s.is_empty()) {
            p.push(part);
        }
        p
    }

    /// `ftp://alice@127.0.0.1:PORT` (no password: tests pass it via `FTPSH_PASSWORD`).
    pub fn url(&self) -> String {
        format!("ftp://{USER}@127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:PORT`
    pub fn host_port(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for PyFtpd {
    fn drop(&mut self) {
        // Only the child this fixture started, by its handle (its own PID).
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
