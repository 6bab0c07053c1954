//! Opening a session: TCP, TLS (explicit or implicit), the banner, login and FEAT.

use std::collections::BTreeSet;
use std::fmt;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use suppaftp::{FtpError, RustlsConnector, RustlsFtpStream, Status};

use super::data::open_passive;
use super::deadline::reply_deadline;
use super::path::check_sendable;
use super::reply::{code_of, ftp_error, reply_text};
use super::session::{Capabilities, Session, millis};
use super::tls::{self, TlsMode, TlsOptions};
use crate::error::{Error, Result};

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
    /// What its transfers are kept to (`--limit-rate`, `mirror --limit-rate`); the buckets
    /// are shared with every clone, so with every connection made from these parameters.
    pub limits: super::rate::Limits,
    /// Entries the listings of one command or mirror pass may hold together
    /// (`--max-listed`, see `fetch::Tally`).
    pub max_listed: u64,
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

impl Session {
    /// Connects (with TLS when asked), logs in and switches to binary mode.
    pub fn connect(params: &ConnectParams) -> Result<Session> {
        // Ctrl-C reaches the login too (a server that accepts and never greets).
        let mut watch = None;
        let stream = match open_stream(params, tls::Version::Tls12, &mut watch) {
            Err(Error::Connect(message))
                if params.tls.mode != TlsMode::Off && tls::is_version_mismatch(&message) =>
            {
                log::debug!("{message}; trying TLS 1.3");
                open_stream(params, tls::Version::Tls13, &mut watch)?
            }
            other => other?,
        };
        let _ = stream.get_ref().set_read_timeout(Some(params.timeout));
        let _ = stream.get_ref().set_write_timeout(Some(params.timeout));
        // Data connections get the same bound, listings included (suppaftp reads those
        // itself): a stalled data connection must fail, not hang.
        let data_timeout = Arc::new(AtomicU64::new(millis(params.timeout)));
        let bound = Arc::clone(&data_timeout);
        let peer = stream
            .get_ref()
            .peer_addr()
            .map_err(|e| Error::Connect(format!("connect {}: {e}", params.address())))?
            .ip();
        // Active mode waits for the server's data connection no longer than any other read.
        let mut stream = stream
            .active_mode(params.timeout)
            .passive_stream_builder(move |named| {
                open_passive(
                    named,
                    peer,
                    Duration::from_millis(bound.load(Ordering::Relaxed)),
                )
            });
        // Before anything is decoded or sent (the banner is decoded again): names are bytes.
        stream.set_encoding(super::encoding::Lossless);
        let welcome = stream.get_welcome_msg().map(str::to_string);
        check_sendable("login", &params.user)?;
        stream
            .login(params.user.as_str(), params.password.expose())
            .map_err(|e| {
                let what = format!("login {}", params.user);
                match e {
                    // The server answered: a refusal (530), or "try later" (421) that
                    // `is_transient` tells apart.
                    FtpError::UnexpectedResponse(r) => Error::LoginRefused {
                        what,
                        code: code_of(&r),
                        text: reply_text(&r.body),
                    },
                    other => Error::Connect(connect_failure(&what, other)),
                }
            })?;
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
        let facts = session.caps.features.get("MLST").cloned().flatten();
        if let Some(wanted) = facts.as_deref().and_then(facts_with_mode) {
            // Best effort: a refusal leaves the listing without modes, as before.
            let _ = session
                .stream
                .custom_command(format!("OPTS MLST {wanted}"), &[Status::CommandOk]);
        }
        session.set_binary(true)?;
        session.set_passive(params.passive);
        Ok(session)
    }
}

/// The facts to ask for with `OPTS MLST` (RFC 3659 7.9) when FEAT's MLST line offers
/// `UNIX.mode` but leaves it off (pyftpdlib): the ones on already (marked `*`) plus the mode,
/// so listings carry permission bits for `ls -l` and the mirror. `None` when the mode is on
/// already (pure-ftpd, proftpd) or not offered: nothing to send.
pub(super) fn facts_with_mode(offered: &str) -> Option<String> {
    let facts: Vec<&str> = offered
        .split(';')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect();
    let mode = facts
        .iter()
        .find(|f| f.trim_end_matches('*').eq_ignore_ascii_case("unix.mode"))?;
    if mode.ends_with('*') {
        return None;
    }
    let mut wanted: String = facts
        .iter()
        .filter_map(|f| f.strip_suffix('*'))
        .map(|f| format!("{f};"))
        .collect();
    wanted.push_str(mode);
    wanted.push(';');
    Some(wanted)
}

/// The control connection, secured as `params` asks, before login.
/// `watch` keeps the plain socket in Ctrl-C's reach for the caller's login.
fn open_stream(
    params: &ConnectParams,
    version: tls::Version,
    watch: &mut Option<crate::cancel::Watch>,
) -> Result<RustlsFtpStream> {
    let address = params.address();
    let failed = |e: FtpError| Error::Connect(connect_failure(&format!("connect {address}"), e));
    // Every reply in full within a few --timeouts, the greeting included.
    let deadline = Some(reply_deadline(params.timeout));
    Ok(match params.tls.mode {
        TlsMode::Off => {
            let tcp = await_greeting(open_tcp(params, watch)?, params)?;
            RustlsFtpStream::connect_with_stream_deadline(tcp, deadline).map_err(failed)?
        }
        TlsMode::Explicit => {
            let connector = connector(params, version)?;
            let tcp = await_greeting(open_tcp(params, watch)?, params)?;
            let plain =
                RustlsFtpStream::connect_with_stream_deadline(tcp, deadline).map_err(failed)?;
            plain.into_secure(connector, &params.host).map_err(|e| match e {
                FtpError::UnexpectedResponse(r) if code_of(&r) >= 500 => Error::Connect(format!(
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
            // banner: wait for it on a helper thread so a mute server cannot hang us, nor
            // keep Ctrl-C waiting. (On a timeout that thread stays blocked until the OS
            // gives up on the socket.)
            let connected = crate::cancel::off_thread(params.timeout, move || {
                RustlsFtpStream::connect_secure_implicit(addr, connector, &host)
            });
            let mut secure = match connected {
                Ok(result) => result
                    .map_err(|e| Error::Connect(connect_failure(&format!("TLS {address}"), e)))?,
                Err(crate::cancel::GaveUp::Cancelled) => {
                    return Err(Error::cancelled(format!("connect {address}")));
                }
                Err(crate::cancel::GaveUp::TimedOut) => {
                    return Err(Error::Connect(format!(
                        "TLS {address}: no TLS greeting within {:?} (is this an implicit-TLS port?)",
                        params.timeout
                    )));
                }
            };
            let _ = secure.get_ref().set_read_timeout(Some(params.timeout));
            let _ = secure.get_ref().set_write_timeout(Some(params.timeout));
            secure.set_reply_deadline(deadline);
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

/// The TCP connection, name lookup included; on a helper thread, so that Ctrl-C does not
/// wait for a server that does not answer. `watch` puts it in Ctrl-C's reach.
/// How long a server may keep silent before the user is told it may be an implicit-TLS port.
const GREETING_HINT_AFTER: Duration = Duration::from_secs(3);

/// The hint for a server that says nothing first: one that speaks TLS from the first byte
/// waits for our ClientHello, as long as we wait for its 220.
const IMPLICIT_HINT: &str = "an implicit-TLS port (usually 990) waits for the client to speak first: for one, use ftps+implicit:// or --implicit-tls";

/// Waits for the first byte of the greeting (peeked, not read): after a few silent seconds
/// the user is told why that may be, and a server silent for the whole `--timeout` is an
/// error carrying the same hint, rather than a bare "timed out".
fn await_greeting(tcp: TcpStream, params: &ConnectParams) -> Result<TcpStream> {
    let address = params.address();
    let silent = |e: &std::io::Error| {
        matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        )
    };
    let first = GREETING_HINT_AFTER.min(params.timeout);
    let rest = params.timeout.saturating_sub(first);
    let mut byte = [0u8; 1];
    let _ = tcp.set_read_timeout(Some(first));
    let mut peeked = tcp.peek(&mut byte);
    if peeked.as_ref().is_err_and(silent) && !rest.is_zero() {
        eprintln!(
            "ftpsh: {address} has sent no greeting after {} s; {IMPLICIT_HINT}",
            first.as_secs_f64()
        );
        let _ = tcp.set_read_timeout(Some(rest));
        peeked = tcp.peek(&mut byte);
    }
    let _ = tcp.set_read_timeout(Some(params.timeout));
    match peeked {
        Err(e) if silent(&e) => Err(Error::Connect(format!(
            "connect {address}: timed out: no greeting within {} s; {IMPLICIT_HINT}",
            params.timeout.as_secs_f64()
        ))),
        // Anything else (the greeting, a connection closed, reset or cut by Ctrl-C) is for
        // suppaftp to read and report.
        _ => Ok(tcp),
    }
}

fn open_tcp(params: &ConnectParams, watch: &mut Option<crate::cancel::Watch>) -> Result<TcpStream> {
    let (address, timeout) = (params.address(), params.timeout);
    let lookup = params.clone();
    let tcp = match crate::cancel::off_thread(timeout * 2, move || {
        resolve(&lookup).and_then(|addr| {
            TcpStream::connect_timeout(&addr, timeout)
                .map_err(|e| Error::Connect(format!("connect {address}: {e}")))
        })
    }) {
        Ok(connected) => connected?,
        Err(crate::cancel::GaveUp::Cancelled) => {
            return Err(Error::cancelled(format!("connect {}", params.address())));
        }
        Err(crate::cancel::GaveUp::TimedOut) => {
            return Err(Error::Connect(format!(
                "connect {}: no answer within {timeout:?}",
                params.address()
            )));
        }
    };
    *watch = crate::cancel::watch_control(&tcp);
    let _ = tcp.set_nodelay(true);
    // Bound every read and write from the start: a server that never sends its banner, or
    // waits for a TLS handshake we do not start, must not hang us.
    let _ = tcp.set_read_timeout(Some(params.timeout));
    let _ = tcp.set_write_timeout(Some(params.timeout));
    Ok(tcp)
}

fn connector(params: &ConnectParams, version: tls::Version) -> Result<RustlsConnector> {
    if params.tls.insecure && first_insecure_connection(&params.host) {
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

/// True the first time in this run that `host` is connected to without checking its
/// certificate: the warning is for the person, once per host, not once per connection (a
/// mirror pass opens several, and reconnects).
fn first_insecure_connection(host: &str) -> bool {
    static WARNED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    WARNED
        .lock()
        .map_or(true, |mut warned| warned.insert(host.to_ascii_lowercase()))
}

/// A connection-time failure as one line; certificate problems say what was wrong.
fn connect_failure(what: &str, err: FtpError) -> String {
    let tls_reason = match &err {
        FtpError::ConnectionError(io) => io
            .get_ref()
            .and_then(|inner| tls::describe_tls_failure(inner)),
        FtpError::SecureError(message) => Some(tls::describe_tls_text(message)),
        _ => None,
    };
    match tls_reason {
        Some(reason) if what.starts_with("TLS ") => format!("{what}: {reason}"),
        Some(reason) => format!("{what}: TLS: {reason}"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_debug_print() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    /// FEAT MLST lines as servers send them: the mode asked for only where offered and off.
    #[test]
    fn opts_mlst_asks_for_the_mode_only_when_it_is_off() {
        for (offered, want) in [
            // pyftpdlib 2.x
            (
                "type*;perm*;size*;modify*;unique;unix.mode;unix.uid;unix.gid;",
                Some("type;perm;size;modify;unix.mode;"),
            ),
            // pure-ftpd, proftpd: on already
            (
                "type*;size*;sizd*;modify*;UNIX.mode*;UNIX.uid*;UNIX.gid*;unique*;",
                None,
            ),
            (
                "modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.mode*;UNIX.owner*;",
                None,
            ),
            // libunftp: no mode at all
            ("type*;size*;modify*;unix.uid*;unix.gid*;", None),
            // spelling kept, no trailing ';'
            (
                "Type*;Size*;Modify*;UNIX.Mode",
                Some("Type;Size;Modify;UNIX.Mode;"),
            ),
            ("", None),
        ] {
            assert_eq!(facts_with_mode(offered).as_deref(), want, "{offered}");
        }
    }
}
