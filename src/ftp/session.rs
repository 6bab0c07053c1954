//! Session: one logged-in FTP control connection; the only code that talks to suppaftp.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rustls::{ClientConnection, StreamOwned};
use suppaftp::types::FileType;
use suppaftp::{DataStream, FtpError, Mode, RustlsConnector, RustlsFtpStream, Status, TlsStream};

use super::listing::{self, Entry};
use super::path::check_sendable;
use super::tls::{self, TlsMode, TlsOptions};
use crate::error::{Error, Result};

/// Buffer for streaming transfers: big enough to keep loopback and LAN links busy, small
/// enough that memory stays constant whatever the file size.
const TRANSFER_BUFFER: usize = 256 * 1024;
/// What a session's buffer starts at: it grows to `TRANSFER_BUFFER` only while reads fill
/// it, so connections that send small files never hold (or zero) the full size.
const FIRST_BUFFER: usize = 16 * 1024;

/// A password that never shows in Debug output or logs.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

/// Everything needed to (re)open a session.
#[derive(Debug, Clone)]
pub struct ConnectParams {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Secret,
    pub passive: bool,
    pub timeout: Duration,
    pub tls: TlsOptions,
}

impl ConnectParams {
    /// "host:port", bracketing IPv6 literals.
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// What the server can do, learned from FEAT once per connection.
#[derive(Debug, Default, Clone)]
struct Capabilities {
    features: HashMap<String, Option<String>>,
    /// Set once a way of setting remote mtimes has failed, so we stop trying.
    mtime_unsettable: bool,
    /// Set once 2-arg MDTM has worked (servers rarely advertise it).
    mdtm_settable: bool,
}

impl Capabilities {
    fn has(&self, name: &str) -> bool {
        self.features.contains_key(name)
    }
}

pub struct Session {
    /// The rustls-capable stream type serves plain sessions too: it stays unencrypted until
    /// `into_secure`.
    stream: RustlsFtpStream,
    params: ConnectParams,
    welcome: Option<String>,
    caps: Capabilities,
    binary: bool,
    /// Transfer buffer, reused by every transfer of this session.
    buffer: Vec<u8>,
    /// Read/write bound of data connections, in milliseconds (shared with the builder).
    data_timeout: Arc<AtomicU64>,
}

/// Turns a suppaftp failure into our error, naming what was being done.
pub fn ftp_error(what: impl Into<String>, err: FtpError) -> Error {
    let what = what.into();
    match err {
        FtpError::UnexpectedResponse(response) => Error::Reply {
            what,
            reply: reply_text(&response.body),
        },
        FtpError::ConnectionError(io) if io.kind() == io::ErrorKind::InvalidInput => {
            Error::BadName {
                what,
                reason: "name contains CR, LF or NUL; refused before sending".to_string(),
            }
        }
        FtpError::ConnectionError(io) => Error::Connection {
            what,
            message: io_message(&io),
        },
        FtpError::BadResponse => Error::Connection {
            what,
            message: "malformed reply from the server".to_string(),
        },
        other => Error::Connection {
            what,
            message: other.to_string(),
        },
    }
}

/// An I/O failure in words; a read or write that hit the socket timeout says so instead of
/// "Resource temporarily unavailable".
fn io_message(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            "timed out: no answer within the --timeout".to_string()
        }
        _ => err.to_string(),
    }
}

/// A reply body as one line: multi-line replies are joined with " | ".
fn reply_text(body: &[u8]) -> String {
    let text = crate::lossless::decode(body);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join(" | ")
}

impl Session {
    /// Connects (with TLS when asked), logs in and switches to binary mode.
    pub fn connect(params: &ConnectParams) -> Result<Session> {
        let stream = match open_stream(params, tls::Version::Tls12) {
            Err(Error::Connect(message))
                if params.tls.mode != TlsMode::Off && tls::is_version_mismatch(&message) =>
            {
                log::debug!("{message}; trying TLS 1.3");
                open_stream(params, tls::Version::Tls13)?
            }
            other => other?,
        };
        let _ = stream.get_ref().set_read_timeout(Some(params.timeout));
        let _ = stream.get_ref().set_write_timeout(Some(params.timeout));
        // Data connections get the same bound, listings included (suppaftp reads those
        // itself): a stalled data connection must fail, not hang.
        let data_timeout = Arc::new(AtomicU64::new(millis(params.timeout)));
        let bound = Arc::clone(&data_timeout);
        // Active mode waits for the server's data connection no longer than any other read.
        let mut stream = stream
            .active_mode(params.timeout)
            .passive_stream_builder(move |addr| {
                let timeout = Duration::from_millis(bound.load(Ordering::Relaxed));
                let tcp = TcpStream::connect_timeout(&addr, timeout)
                    .map_err(FtpError::ConnectionError)?;
                let _ = tcp.set_read_timeout(Some(timeout));
                let _ = tcp.set_write_timeout(Some(timeout));
                let _ = tcp.set_nodelay(true);
                Ok(tcp)
            });
        // Before anything is decoded or sent (the banner is decoded again): names are bytes.
        stream.set_encoding(super::encoding::Lossless);
        let welcome = stream.get_welcome_msg().map(str::to_string);
        check_sendable("login", &params.user)?;
        stream
            .login(params.user.as_str(), params.password.expose())
            .map_err(|e| Error::Connect(connect_failure(&format!("login {}", params.user), e)))?;
        let mut session = Session {
            stream,
            params: params.clone(),
            welcome,
            caps: Capabilities::default(),
            binary: false,
            buffer: Vec::new(),
            data_timeout,
        };
        session.caps.features = session.stream.feat().unwrap_or_default();
        if session.caps.has("UTF8") {
            // RFC 2640: some servers (IIS, FileZilla Server, older ProFTPD) send names in a
            // legacy charset until asked. Names stay bytes either way, so a refusal is fine.
            let _ = session
                .stream
                .custom_command("OPTS UTF8 ON", &[Status::CommandOk]);
        }
        session.set_binary(true)?;
        session.set_passive(params.passive);
        Ok(session)
    }

    pub fn params(&self) -> &ConnectParams {
        &self.params
    }

    pub fn welcome(&self) -> Option<&str> {
        self.welcome.as_deref()
    }

    pub fn is_binary(&self) -> bool {
        self.binary
    }

    pub fn set_binary(&mut self, binary: bool) -> Result<()> {
        let kind = if binary {
            FileType::Binary
        } else {
            FileType::Ascii(suppaftp::types::FormatControl::Default)
        };
        self.stream
            .transfer_type(kind)
            .map_err(|e| ftp_error(if binary { "binary" } else { "ascii" }, e))?;
        self.binary = binary;
        Ok(())
    }

    /// Changes the read/write bound of the control and data connections (completion uses a
    /// short one so a slow server cannot freeze the prompt).
    pub fn set_timeout(&mut self, timeout: Duration) {
        let _ = self.stream.get_ref().set_read_timeout(Some(timeout));
        let _ = self.stream.get_ref().set_write_timeout(Some(timeout));
        self.data_timeout.store(millis(timeout), Ordering::Relaxed);
    }

    /// Back to the timeout the session was opened with.
    pub fn reset_timeout(&mut self) {
        self.set_timeout(self.params.timeout);
    }

    /// Whether FEAT listed `name` (e.g. "SIZE", "MLST", "MFMT").
    pub fn has_feature(&self, name: &str) -> bool {
        self.caps.has(name)
    }

    /// Passive uses EPSV where the server advertises it (no address to rewrite, works over
    /// NAT and IPv6), PASV otherwise; active uses PORT/EPRT.
    pub fn set_passive(&mut self, passive: bool) {
        self.params.passive = passive;
        let mode = match (passive, self.caps.has("EPSV")) {
            (false, _) => Mode::Active,
            (true, true) => Mode::ExtendedPassive,
            (true, false) => Mode::Passive,
        };
        self.stream.set_mode(mode);
    }

    pub fn pwd(&mut self) -> Result<String> {
        self.stream.pwd().map_err(|e| ftp_error("pwd", e))
    }

    pub fn cwd(&mut self, path: &str) -> Result<()> {
        let what = format!("cd {path}");
        check_sendable(&what, path)?;
        self.stream.cwd(path).map_err(|e| ftp_error(what, e))
    }

    pub fn cdup(&mut self) -> Result<()> {
        self.stream.cdup().map_err(|e| ftp_error("cdup", e))
    }

    pub fn mkdir(&mut self, path: &str) -> Result<()> {
        let what = format!("mkdir {path}");
        check_sendable(&what, path)?;
        self.stream.mkdir(path).map_err(|e| ftp_error(what, e))
    }

    /// Creates `dir` unless it is already a directory (another client, or an earlier attempt
    /// whose reply was lost); a file in the way is the error the server gave.
    pub fn ensure_dir(&mut self, dir: &str) -> Result<()> {
        match self.mkdir(dir) {
            Err(err) => match self.stat(dir)? {
                Some(entry) if entry.kind == listing::EntryKind::Dir => Ok(()),
                _ => Err(err),
            },
            ok => ok,
        }
    }

    /// `mkdir -p`: every missing level.
    pub fn mkdir_all(&mut self, dir: &str) -> Result<()> {
        let absolute = dir.starts_with('/');
        let mut prefix = String::new();
        for part in dir.split('/').filter(|p| !p.is_empty()) {
            prefix = if prefix.is_empty() && !absolute {
                part.to_string()
            } else {
                format!("{prefix}/{part}")
            };
            self.ensure_dir(&prefix)?;
        }
        Ok(())
    }

    pub fn rmdir(&mut self, path: &str) -> Result<()> {
        let what = format!("rmdir {path}");
        check_sendable(&what, path)?;
        self.stream.rmdir(path).map_err(|e| ftp_error(what, e))
    }

    pub fn delete(&mut self, path: &str) -> Result<()> {
        let what = format!("rm {path}");
        check_sendable(&what, path)?;
        self.stream.rm(path).map_err(|e| ftp_error(what, e))
    }

    pub fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        let what = format!("rename {from} {to}");
        check_sendable(&what, from)?;
        check_sendable(&what, to)?;
        self.stream.rename(from, to).map_err(|e| ftp_error(what, e))
    }

    /// Sends RNFR alone: the first half of the two-step rename, to check the source exists.
    pub fn rename_from(&mut self, from: &str) -> Result<()> {
        let what = format!("rnfr {from}");
        check_sendable(&what, from)?;
        self.stream
            .custom_command(format!("RNFR {from}"), &[Status::RequestFilePending])
            .map(|_| ())
            .map_err(|e| ftp_error(what, e))
    }

    /// SIZE, with the reply read here: suppaftp's `size` compiles a Unicode regex on first
    /// use, a third of a megabyte of heap for one number.
    pub fn size(&mut self, path: &str) -> Result<u64> {
        let what = format!("size {path}");
        check_sendable(&what, path)?;
        let reply = self
            .stream
            .custom_command(format!("SIZE {path}"), &[Status::File])
            .map_err(|e| ftp_error(what.as_str(), e))?;
        let text = reply_text(&reply.body);
        parse_size_reply(&text).ok_or_else(|| Error::Connection {
            what,
            message: format!("unreadable SIZE reply: {text}"),
        })
    }

    /// The remote modification time, unix seconds UTC.
    pub fn mdtm(&mut self, path: &str) -> Result<i64> {
        let what = format!("mdtm {path}");
        check_sendable(&what, path)?;
        let reply = self
            .stream
            .custom_command(format!("MDTM {path}"), &[Status::File])
            .map_err(|e| ftp_error(what.as_str(), e))?;
        let text = reply_text(&reply.body);
        text.get(4..)
            .and_then(|value| listing::parse_ftp_time(value.trim()))
            .ok_or_else(|| Error::Connection {
                what,
                message: format!("unreadable MDTM reply: {text}"),
            })
    }

    /// Sets the remote mtime with MFMT where offered, else 2-arg MDTM (vsftpd). Returns
    /// false when the server can do neither; we then stop asking for this connection.
    pub fn set_mtime(&mut self, path: &str, unix: i64) -> Result<bool> {
        let what = format!("set mtime {path}");
        check_sendable(&what, path)?;
        if self.caps.mtime_unsettable {
            return Ok(false);
        }
        let stamp = listing::format_ftp_time(unix);
        let verb = if self.caps.has("MFMT") {
            "MFMT"
        } else {
            "MDTM"
        };
        let expected = [Status::File, Status::RequestedFileActionOk];
        match self
            .stream
            .custom_command(format!("{verb} {stamp} {path}"), &expected)
        {
            Ok(_) => {
                self.caps.mdtm_settable |= verb == "MDTM";
                Ok(true)
            }
            Err(FtpError::UnexpectedResponse(r)) if verb == "MDTM" && !self.caps.mdtm_settable => {
                log::debug!(
                    "2-arg MDTM refused ({}); not setting mtimes",
                    reply_text(&r.body)
                );
                self.caps.mtime_unsettable = true;
                Ok(false)
            }
            Err(e) => Err(ftp_error(what, e)),
        }
    }

    /// Raw LIST lines, as the server sends them.
    pub fn list(&mut self, path: Option<&str>) -> Result<Vec<String>> {
        let what = format!("ls {}", path.unwrap_or("."));
        if let Some(p) = path {
            check_sendable(&what, p)?;
        }
        data_retry(|| self.stream.list(path)).map_err(|e| ftp_error(what, e))
    }

    pub fn nlst(&mut self, path: Option<&str>) -> Result<Vec<String>> {
        let what = format!("nlst {}", path.unwrap_or("."));
        if let Some(p) = path {
            check_sendable(&what, p)?;
        }
        data_retry(|| self.stream.nlst(path)).map_err(|e| ftp_error(what, e))
    }

    /// A directory's entries, parsed: MLSD where the server offers it (exact times, clean
    /// names), LIST otherwise. A line that does not parse is an error, never dropped: a
    /// silently missing entry would make a mirror re-upload or delete.
    pub fn entries(&mut self, path: &str) -> Result<Vec<Entry>> {
        let what = format!("list {path}");
        check_sendable(&what, path)?;
        let mlsd = self.caps.has("MLST");
        let (lines, closing) = crate::journal::watching_replies(|| {
            data_retry(|| {
                if mlsd {
                    self.stream.mlsd(Some(path))
                } else {
                    self.list_all(path)
                }
            })
        });
        let lines = lines.map_err(|e| ftp_error(what.as_str(), e))?;
        // The closing reply is where a server says it cut the listing (pure-ftpd: `226 ...
        // truncated`). Without a fresh positive one we cannot tell: a cut listing would make
        // a mirror re-upload, or delete, the missing tail.
        if !closing.starts_with('2') || closing.to_ascii_lowercase().contains("truncated") {
            return Err(Error::Failed(format!(
                "{what}: the listing's closing reply is {closing:?}; refusing to use a listing that may be cut"
            )));
        }
        let now = crate::clock::now_unix();
        let mut entries = Vec::with_capacity(lines.len());
        for line in lines {
            let parsed = if mlsd {
                listing::parse_mlsd_line(&line)
            } else {
                listing::parse_list_line(&line, now)
            };
            if let Some(mut entry) = parsed.map_err(|e| Error::Failed(format!("{what}: {e}")))? {
                // The parser's copy of the line is dropped for the line itself: a big
                // folder's listing is then held once, not twice.
                entry.raw = line;
                entries.push(entry);
            }
        }
        Ok(entries)
    }

    /// LIST with `-a`, so that servers hiding dot files (vsftpd, pure-ftpd) show them: a
    /// mirror must see `.htaccess` and its own stale temporaries. A server that takes `-a`
    /// for a file name gets a plain LIST.
    fn list_all(&mut self, path: &str) -> suppaftp::FtpResult<Vec<String>> {
        match self.stream.list(Some(&format!("-a {path}"))) {
            Err(FtpError::UnexpectedResponse(r)) if r.status.code() >= 500 => {
                self.stream.list(Some(path))
            }
            other => other,
        }
    }

    /// What `path` is (file, dir...), or None when the server says it does not exist.
    /// MLST where offered: one round trip, no data connection.
    pub fn stat(&mut self, path: &str) -> Result<Option<Entry>> {
        let what = format!("stat {path}");
        check_sendable(&what, path)?;
        if self.caps.has("MLST") {
            return match self.stream.mlst(Some(path)) {
                Ok(line) => listing::parse_mlsd_line(&line)
                    .map_err(|e| Error::Failed(format!("{what}: {e}"))),
                Err(FtpError::UnexpectedResponse(r)) if r.status.code() >= 500 => Ok(None),
                Err(e) => Err(ftp_error(what, e)),
            };
        }
        let name = super::path::file_name(path);
        let parent = match super::path::parent(path) {
            "" => ".",
            dir => dir,
        };
        match self.entries(parent) {
            Ok(entries) => Ok(entries.into_iter().find(|e| e.name == name)),
            Err(Error::Reply { reply, .. }) if reply.starts_with('5') => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Downloads `path` into `out`, streaming; returns the byte count.
    pub fn retrieve(
        &mut self,
        path: &str,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64> {
        self.retrieve_from(path, 0, out, progress)
    }

    /// Downloads `path` from byte `offset` on (REST), streaming into `out`; returns the byte
    /// count received.
    pub fn retrieve_from(
        &mut self,
        path: &str,
        offset: u64,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64> {
        let what = format!("get {path}");
        check_sendable(&what, path)?;
        let mut data = data_retry(|| {
            if offset > 0 {
                self.stream.resume_transfer(offset as usize)?;
            }
            self.stream.retr_as_stream(path)
        })
        .map_err(|e| ftp_error(what.as_str(), e))?;
        let _ = data
            .get_ref()
            .get_ref()
            .set_read_timeout(Some(self.params.timeout));
        let copied = pump(&mut data, out, &mut self.buffer, progress);
        transfer_result(what, copied, data.finish(), Side::Output)
    }

    /// Uploads `input` to `path` (STOR, or APPE when `append`), streaming; returns the byte count.
    pub fn store(
        &mut self,
        path: &str,
        input: &mut dyn Read,
        append: bool,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64> {
        let what = format!("put {path}");
        check_sendable(&what, path)?;
        let opened = if append {
            data_retry(|| self.stream.append_with_stream(path))
        } else {
            data_retry(|| self.stream.put_with_stream(path))
        };
        let mut data = opened.map_err(|e| ftp_error(what.as_str(), e))?;
        let _ = data
            .get_ref()
            .get_ref()
            .set_write_timeout(Some(self.params.timeout));
        let copied = pump(input, &mut data, &mut self.buffer, progress);
        if copied.is_ok() {
            close_tls_upload(data.get_mut());
        }
        transfer_result(what, copied, data.finish(), Side::Input)
    }

    /// Sends a raw command and returns the reply line(s). Success is any 1xx-3xx reply.
    pub fn quote(&mut self, command: &str) -> Result<String> {
        let what = format!("quote {}", mask_command(command));
        check_sendable(&what, command)?;
        match self.stream.custom_command(command, &[]) {
            Err(FtpError::UnexpectedResponse(r)) if r.status.code() < 400 => {
                Ok(reply_text(&r.body))
            }
            Err(e) => Err(ftp_error(what, e)),
            Ok(r) => Ok(reply_text(&r.body)),
        }
    }

    /// Checks the connection is alive (used before reusing one that sat idle).
    pub fn noop(&mut self) -> Result<()> {
        self.stream.noop().map_err(|e| ftp_error("noop", e))
    }

    /// Polite goodbye; errors are irrelevant since we are leaving anyway.
    pub fn quit(mut self) {
        let _ = self.stream.quit();
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// Runs a command that opens a data connection, again when the server could not open one
/// (425): servers with a small passive port range and several sessions (proftpd) sometimes
/// pick a port that is still taken. Nothing was transferred, so a retry is safe.
fn data_retry<T>(mut op: impl FnMut() -> suppaftp::FtpResult<T>) -> suppaftp::FtpResult<T> {
    const ATTEMPTS: u32 = 3;
    let mut attempt = 1;
    loop {
        match op() {
            Err(FtpError::UnexpectedResponse(r))
                if r.status.code() == 425 && attempt < ATTEMPTS =>
            {
                log::debug!(
                    "data connection refused ({}); trying again",
                    reply_text(&r.body)
                );
                std::thread::sleep(Duration::from_millis(20 * u64::from(attempt)));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// The control connection, secured as `params` asks, before login.
fn open_stream(params: &ConnectParams, version: tls::Version) -> Result<RustlsFtpStream> {
    let address = params.address();
    let failed = |e: FtpError| Error::Connect(connect_failure(&format!("connect {address}"), e));
    Ok(match params.tls.mode {
        TlsMode::Off => RustlsFtpStream::connect_with_stream(open_tcp(params)?).map_err(failed)?,
        TlsMode::Explicit => {
            let connector = connector(params, version)?;
            let plain = RustlsFtpStream::connect_with_stream(open_tcp(params)?).map_err(failed)?;
            plain.into_secure(connector, &params.host).map_err(|e| match e {
                FtpError::UnexpectedResponse(r) if r.status.code() >= 500 => Error::Connect(format!(
                    "AUTH TLS {address}: {}: the server does not offer TLS; not continuing in plain text",
                    reply_text(&r.body)
                )),
                other => Error::Connect(connect_failure(&format!("TLS {address}"), other)),
            })?
        }
        TlsMode::Implicit => {
            let connector = connector(params, version)?;
            let (addr, host) = (resolve(params)?, params.host.clone());
            // suppaftp opens this socket itself, with no timeout on the handshake or the
            // banner: wait for it on a helper thread so a mute server cannot hang us. (On a
            // timeout that thread stays blocked until the OS gives up on the socket.)
            let (sender, receiver) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let _ = sender.send(RustlsFtpStream::connect_secure_implicit(
                    addr, connector, &host,
                ));
            });
            let mut secure = match receiver.recv_timeout(params.timeout) {
                Ok(result) => result
                    .map_err(|e| Error::Connect(connect_failure(&format!("TLS {address}"), e)))?,
                Err(_) => {
                    return Err(Error::Connect(format!(
                        "TLS {address}: no TLS greeting within {:?} (is this an implicit-TLS port?)",
                        params.timeout
                    )));
                }
            };
            let _ = secure.get_ref().set_read_timeout(Some(params.timeout));
            let _ = secure.get_ref().set_write_timeout(Some(params.timeout));
            // Implicit TLS skips AUTH, and suppaftp then sends neither PBSZ nor PROT.
            for command in ["PBSZ 0", "PROT P"] {
                secure
                    .custom_command(command, &[Status::CommandOk])
                    .map_err(|e| {
                        Error::Connect(connect_failure(&format!("{command} {address}"), e))
                    })?;
            }
            secure
        }
    })
}

fn open_tcp(params: &ConnectParams) -> Result<TcpStream> {
    let addr = resolve(params)?;
    let tcp = TcpStream::connect_timeout(&addr, params.timeout)
        .map_err(|e| Error::Connect(format!("connect {}: {e}", params.address())))?;
    let _ = tcp.set_nodelay(true);
    // Bound every read and write from the start: a server that never sends its banner, or
    // waits for a TLS handshake we do not start, must not hang us.
    let _ = tcp.set_read_timeout(Some(params.timeout));
    let _ = tcp.set_write_timeout(Some(params.timeout));
    Ok(tcp)
}

fn connector(params: &ConnectParams, version: tls::Version) -> Result<RustlsConnector> {
    if params.tls.insecure {
        eprintln!(
            "ftpsh: warning: --insecure: the certificate of {} is not checked; anyone on the path can read and change this session",
            params.host
        );
    }
    Ok(RustlsConnector::from(tls::client_config(
        &params.tls,
        version,
    )?))
}

/// A connection-time failure as one line; certificate problems say what was wrong.
fn connect_failure(what: &str, err: FtpError) -> String {
    let tls_reason = match &err {
        FtpError::ConnectionError(io) => io
            .get_ref()
            .and_then(|inner| tls::describe_tls_failure(inner)),
        FtpError::SecureError(message) => Some(format!("TLS: {message}")),
        _ => None,
    };
    match tls_reason {
        Some(reason) => format!("{what}: {reason}"),
        None => ftp_error(what, err).to_string(),
    }
}

fn resolve(params: &ConnectParams) -> Result<SocketAddr> {
    let address = params.address();
    address
        .to_socket_addrs()
        .map_err(|e| Error::Connect(format!("connect {address}: {e}")))?
        .next()
        .ok_or_else(|| Error::Connect(format!("connect {address}: no address found")))
}

/// Ends an upload's TLS data connection properly: close_notify, half-close, then read until
/// the server closes. Reading through rustls takes in the session tickets the server sent on
/// this connection; servers that demand TLS session reuse on data connections (vsftpd,
/// proftpd) need a fresh ticket for every transfer under TLS 1.3, where each is single-use,
/// and an upload that never reads would run out of them after two transfers.
fn close_tls_upload<T>(data: &mut DataStream<T>)
where
    T: TlsStream<InnerStream = StreamOwned<ClientConnection, TcpStream>>,
{
    let DataStream::Ssl(tls) = data else {
        return;
    };
    let stream = tls.mut_ref();
    stream.conn.send_close_notify();
    while stream.conn.wants_write() {
        if stream.conn.write_tls(&mut stream.sock).is_err() {
            return;
        }
    }
    let _ = stream.sock.shutdown(std::net::Shutdown::Write);
    let mut sink = [0u8; 4096];
    while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
}

/// A transfer's outcome: the copy must have worked and so must `finish()`, which closes the
/// data connection and reads the final reply, where errors such as 452/552 (disk full) or
/// 522 show up.
/// A failed copy says which side failed: a local disk error (full, unreadable) is not a
/// lost connection, and must not send the shell reconnecting or a download into `get -c`.
fn transfer_result(
    what: String,
    copied: std::result::Result<u64, (Side, io::Error)>,
    finished: suppaftp::FtpResult<()>,
    local: Side,
) -> Result<u64> {
    let bytes = copied.map_err(|(side, e)| {
        if side == local {
            Error::Local {
                what: what.clone(),
                source: e,
            }
        } else {
            Error::Connection {
                what: what.clone(),
                message: io_message(&e),
            }
        }
    })?;
    finished.map_err(|e| ftp_error(what, e))?;
    Ok(bytes)
}

/// Which end of a copy an error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Input,
    Output,
}

/// Copies with a large buffer, reporting progress after each chunk.
fn pump(
    input: &mut dyn Read,
    out: &mut dyn Write,
    buffer: &mut Vec<u8>,
    progress: &mut dyn FnMut(u64),
) -> std::result::Result<u64, (Side, io::Error)> {
    // One buffer per session, allocated on first use: zeroing 256 KiB for every small file
    // was a visible share of an upload's CPU. It starts small and doubles whenever a read
    // fills it: a big file reaches the full size after a few reads, while sessions that
    // only ever send small files keep 16 KiB each instead of 256.
    if buffer.is_empty() {
        *buffer = vec![0; FIRST_BUFFER];
    }
    let mut total = 0u64;
    loop {
        let n = match input.read(buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err((Side::Input, e)),
        };
        out.write_all(&buffer[..n]).map_err(|e| (Side::Output, e))?;
        total += n as u64;
        progress(total);
        if n == buffer.len() && n < TRANSFER_BUFFER {
            // What it held is spent: freed first, so old and new never take memory together,
            // and no copy.
            *buffer = Vec::new();
            *buffer = vec![0; (n * 2).min(TRANSFER_BUFFER)];
        }
    }
    out.flush().map_err(|e| (Side::Output, e))?;
    Ok(total)
}

/// The size in a SIZE reply ("213 1234"): its last word, after the code.
fn parse_size_reply(text: &str) -> Option<u64> {
    let mut words = text.split_whitespace();
    words.next()?;
    words.last()?.parse().ok()
}

/// Hides the argument of PASS (and ACCT) in anything shown to the user or logged.
pub fn mask_command(command: &str) -> String {
    let upper = command.trim_start().to_ascii_uppercase();
    if upper.starts_with("PASS ") || upper.starts_with("ACCT ") {
        format!("{} ****", &command.trim_start()[..4])
    } else {
        command.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_debug_print() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn pass_is_masked() {
        assert_eq!(mask_command("PASS hunter2"), "PASS ****");
        assert_eq!(mask_command("pass hunter2"), "pass ****");
        assert_eq!(mask_command("SITE CHMOD 644 x"), "SITE CHMOD 644 x");
    }

    #[test]
    fn size_replies() {
        for (reply, want) in [
            ("213 1234", Some(1234)),
            ("213  0 ", Some(0)),
            ("213", None),
            ("213 big", None),
            ("213 -1", None),
        ] {
            assert_eq!(parse_size_reply(reply), want, "{reply:?}");
        }
    }

    #[test]
    fn multi_line_replies_become_one_line() {
        assert_eq!(
            reply_text(b"550-first\r\n550 second\r\n"),
            "550-first | 550 second"
        );
    }
}
