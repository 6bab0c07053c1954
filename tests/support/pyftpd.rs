//! pyftpdlib test server fixture (`PyFtpd`): runs tests/support/pyftpd_server.py, a server with
//! MFMT, plain, FTPS (`start_tls`) or misbehaving in one way (`start_quirk`).
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

/// How `PyFtpd::spawn` runs the script.
enum Mode<'a> {
    Plain,
    /// `--tls CERTDIR KIND`
    Tls(tempfile::TempDir, &'a str),
    /// `--quirk NAME`
    Quirk(&'a str),
}

/// A pyftpdlib server (child process) on 127.0.0.1 serving a fresh temporary folder;
/// killed on drop.
pub struct PyFtpd {
    pub port: u16,
    /// The served folder, fresh per server.
    pub root: tempfile::TempDir,
    /// FTPS servers only: where the script wrote its CA and server certificate.
    certs: Option<tempfile::TempDir>,
    child: Child,
}

impl PyFtpd {
    /// Starts `python3 pyftpd_server.py <fresh temp dir>` and waits (at most 10 s) for the port
    /// it prints. When it can't start (python3 or pyftpdlib missing, ...): `None` after
    /// `skip::missing` said why (a visible, counted skip; under `CI=true` the test fails
    /// there), so the caller returns.
    pub fn start() -> Option<PyFtpd> {
        Self::spawn(Mode::Plain)
    }

    /// A plain server with one quirk: `pyftpd_server.py <root> --quirk NAME`. NAME:
    /// `quota` (an upload over 64 KiB keeps its first 64 KiB and ends with
    /// `552 Quota exceeded ...`), `evil-listing` (listings of `/evil` add the hostile names
    /// `../escape.txt`, `/etc/passwd`, `a/b.txt`, `..` and `..\win.txt` after the real ones)
    /// `maxconn` (at most 2 control connections per IP, the next gets 421), `slow`
    /// (uploads read at 256 KiB/s, to change a file while it is sent), `latin1` (names
    /// travel in Latin-1, no UTF8 in FEAT, UTF-8 on disk), `zone` (listed times two
    /// hours east of UTC, as servers listing local times), `shift` (listed times shifted
    /// by the hours `set_shift` wrote: a zone or DST change between passes) or
    /// `refuse-listing` (listings of folders named `flaky` answered 450 while the served
    /// root holds `refuse-listings`). See the
    /// script's doc. `None`, with a reason printed, when python3 or pyftpdlib is missing.
    pub fn start_quirk(name: &str) -> Option<PyFtpd> {
        Self::spawn(Mode::Quirk(name))
    }

    /// An FTPS server: `pyftpd_server.py <root> --tls <certs> KIND`, which writes a private CA
    /// (`ca_file()`) and a server certificate signed by it into a fresh temp dir owned by the
    /// returned fixture, and requires TLS on the control and data connections. KIND: `good`,
    /// `wrong-name` (SAN elsewhere.invalid only), `expired`, `implicit` (the good
    /// certificate, TLS from the first byte), or `self-signed`, `self-signed-wrong-name`,
    /// `self-signed-expired` (a certificate shaped as `openssl req -x509` makes it: its own
    /// issuer, CA:TRUE; `ca_file()` is that certificate). `None`, with a reason printed, when
    /// python3, pyftpdlib or pyOpenSSL is missing (a counted skip, see `start`).
    pub fn start_tls(kind: &str) -> Option<PyFtpd> {
        Self::start_tls_with(kind, |_| {})
    }

    /// An FTPS server of KIND `given` (explicit) or `given-implicit` whose certificate
    /// `server.pem` and key `server-key.pem` are written by `make` into the folder it is
    /// handed (`cert_path` names them afterwards).
    pub fn start_tls_given(implicit: bool, make: impl FnOnce(&Path)) -> Option<PyFtpd> {
        let kind = if implicit { "given-implicit" } else { "given" };
        Self::start_tls_with(kind, make)
    }

    fn start_tls_with(kind: &str, make: impl FnOnce(&Path)) -> Option<PyFtpd> {
        let certs = match tempfile::tempdir() {
            Ok(certs) => certs,
            Err(e) => {
                super::skip::missing(
                    "pyftpdlib FTPS server",
                    &format!("cannot create a temp dir: {e}"),
                );
                return None;
            }
        };
        make(certs.path());
        Self::spawn(Mode::Tls(certs, kind))
    }

    fn spawn(mode: Mode) -> Option<PyFtpd> {
        let what = match &mode {
            Mode::Plain => "pyftpdlib server".to_string(),
            Mode::Tls(..) => "pyftpdlib FTPS server".to_string(),
            Mode::Quirk(name) => format!("pyftpdlib server with quirk {name:?}"),
        };
        let root = match tempfile::tempdir() {
            Ok(root) => root,
            Err(e) => {
                super::skip::missing(&what, &format!("cannot create a temp dir: {e}"));
                return None;
            }
        };
        let mut command = Command::new("python3");
        command.arg(SCRIPT).arg(root.path());
        match &mode {
            Mode::Plain => {}
            Mode::Tls(certs, kind) => {
                command.arg("--tls").arg(certs.path()).arg(kind);
            }
            Mode::Quirk(name) => {
                command.arg("--quirk").arg(name);
            }
        }
        let spawned = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => {
                super::skip::missing(&what, &format!("cannot run python3: {e}"));
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
        let missing = if matches!(mode, Mode::Tls(..)) {
            "pyftpdlib or pyOpenSSL missing? pip install pyftpdlib pyopenssl"
        } else {
            "pyftpdlib missing? pip install pyftpdlib"
        };
        let failure = match rx.recv_timeout(START_DEADLINE) {
            Ok(Ok(line)) => match line.trim().parse::<u16>() {
                Ok(port) if port != 0 => {
                    return Some(PyFtpd {
                        port,
                        root,
                        certs: match mode {
                            Mode::Tls(certs, _) => Some(certs),
                            _ => None,
                        },
                        child,
                    });
                }
                _ if line.is_empty() => {
                    format!(
                        "pyftpd_server.py exited without printing its port (see its stderr; {missing})"
                    )
                }
                _ => format!(
                    "pyftpd_server.py printed {:?} instead of a port",
                    line.trim()
                ),
            },
            Ok(Err(e)) => format!("cannot read pyftpd_server.py output: {e}"),
            Err(_) => format!("pyftpd_server.py printed no port within {START_DEADLINE:?}"),
        };
        let _ = child.kill();
        let _ = child.wait();
        super::skip::missing(&what, &failure);
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

    /// `ftps://alice@127.0.0.1:PORT`: explicit TLS (no password, as `url`).
    pub fn tls_url(&self) -> String {
        format!("ftps://{USER}@127.0.0.1:{}", self.port)
    }

    /// The PEM of the private CA that signed an FTPS server's certificate (`--ca-file`).
    pub fn ca_file(&self) -> PathBuf {
        self.cert_dir().join("ca.pem")
    }

    /// The PEM of a CA unrelated to this server (trusted roots that cannot vouch for it).
    pub fn other_ca_file(&self) -> PathBuf {
        self.cert_dir().join("other-ca.pem")
    }

    /// A file in the folder the certificates are in (`server.pem`: what the server shows).
    pub fn cert_path(&self, name: &str) -> PathBuf {
        self.cert_dir().join(name)
    }

    fn cert_dir(&self) -> &Path {
        self.certs
            .as_ref()
            .expect("not an FTPS server: start it with PyFtpd::start_tls")
            .path()
    }

    /// `127.0.0.1:PORT`
    pub fn host_port(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl PyFtpd {
    /// The `shift` quirk's hours: the listed times of every later listing move by them.
    pub fn set_shift(&self, hours: i64) {
        std::fs::write(self.shift_file(), hours.to_string()).expect("write the shift file");
    }

    fn shift_file(&self) -> PathBuf {
        let mut name = self.root.path().as_os_str().to_owned();
        name.push(".hours");
        PathBuf::from(name)
    }
}

impl Drop for PyFtpd {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.shift_file());
        // Only the child this fixture started, by its handle (its own PID).
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
