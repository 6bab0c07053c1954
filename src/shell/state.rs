//! The shell's state: the open session, where we are, and the settings commands change.

use std::sync::Arc;
use std::time::{Duration, Instant};

/// A session unused this long is checked with NOOP before the next command.
const IDLE_CHECK_AFTER: Duration = Duration::from_secs(20);

use crate::cli::Settings;
use crate::error::{Error, Result};
use crate::escape::{escape, escape_lines};
use crate::ftp::{ConnectParams, Session};
use crate::mirror::job::Jobs;
use crate::progress::Printer;

/// Defaults for every mirror job, from the seed-style command-line flags.
#[derive(Debug, Clone)]
pub struct MirrorDefaults {
    pub log: Option<std::path::PathBuf>,
    pub log_format: crate::journal::Format,
    pub interval: Duration,
    pub max_depth: usize,
    pub parallel: usize,
}

pub struct Shell {
    session: Option<Session>,
    /// The remote directory, refreshed after each cd, for the prompt and reconnects.
    pub cwd: String,
    /// The folder before the last `cd` (`cd -`), on this server.
    pub previous_cwd: Option<String>,
    /// Source of a pending two-step rename (rnfr, then rnto).
    pub rename_from: Option<String>,
    /// Passive mode, timeout and TLS for every connection this shell opens.
    pub settings: Settings,
    pub verbose: bool,
    /// A person is typing: confirmations may be asked, banners shown.
    pub interactive: bool,
    pub quit_requested: bool,
    pub printer: Printer,
    /// The last command lost the connection: reconnect before the next one.
    broken: bool,
    /// Where the session lent to completion was connected, should it not come back
    /// (completion gave up on a slow listing and left the connection to it).
    lent_params: Option<ConnectParams>,
    /// When the session last carried a command.
    last_used: Instant,
    pub jobs: Jobs,
    pub mirror_defaults: MirrorDefaults,
}

impl Shell {
    pub fn new(settings: Settings, verbose: bool, interactive: bool) -> Shell {
        Shell {
            session: None,
            cwd: String::new(),
            previous_cwd: None,
            rename_from: None,
            settings,
            verbose,
            interactive,
            quit_requested: false,
            printer: Arc::new(|line| crate::progress::print_line(&line)),
            broken: false,
            lent_params: None,
            last_used: Instant::now(),
            jobs: Jobs::default(),
            mirror_defaults: MirrorDefaults {
                log: None,
                log_format: crate::journal::Format::Text,
                interval: Duration::from_secs_f64(crate::mirror::DEFAULT_INTERVAL_SECS),
                max_depth: crate::mirror::DEFAULT_MAX_DEPTH,
                parallel: crate::mirror::DEFAULT_PARALLEL,
            },
        }
    }

    pub fn params(&self) -> Option<&ConnectParams> {
        self.session
            .as_ref()
            .map(Session::params)
            .or(self.lent_params.as_ref())
    }

    /// The open session, or NotConnected. After a lost connection this is where the shell
    /// reconnects, so the next command works again without the user retyping `open`.
    pub fn session(&mut self) -> Result<&mut Session> {
        // A connection idle for a while may have been dropped by the server (idle timeout):
        // check it before a command finds out the hard way, in scripts as in the REPL.
        if !self.broken
            && self.last_used.elapsed() > IDLE_CHECK_AFTER
            && let Some(session) = self.session.as_mut()
            && session.noop().is_err()
        {
            self.broken = true;
        }
        if self.broken && self.params().is_some() {
            self.reconnect()?;
            self.broken = false;
            let host = self.params().map(|p| p.host.clone()).unwrap_or_default();
            eprintln!(
                "connection to {} was lost; reconnected, back in {}",
                escape(&host),
                escape(&self.cwd)
            );
        }
        self.last_used = Instant::now();
        self.session.as_mut().ok_or(Error::NotConnected)
    }

    /// Hands the session to tab completion while the line editor waits (None if it is
    /// known to be broken).
    pub fn lend_session(&mut self) -> Option<Session> {
        if self.broken {
            return None;
        }
        self.lent_params = self.session.as_ref().map(|s| s.params().clone());
        self.session.take()
    }

    /// Takes the session back; `broke` says it was lost meanwhile (then, if it did not come
    /// back, the next command opens a new one where it was).
    pub fn return_session(&mut self, session: Option<Session>, broke: bool) {
        if session.is_some() {
            self.session = session;
        }
        if self.session.is_some() || !broke {
            self.lent_params = None;
        }
        self.broken |= broke;
    }

    /// A handle on the control connection, for Ctrl-C to shut down a command stuck on it.
    pub fn control_socket(&self) -> Option<std::net::TcpStream> {
        self.session.as_ref().and_then(Session::control_socket)
    }

    pub fn mark_broken(&mut self) {
        self.broken = true;
    }

    /// Opens a session, shows the banner, goes to `dir`. The previous session is closed
    /// only once the new one is logged in, so a mistyped password loses nothing.
    pub fn connect(&mut self, params: &ConnectParams, dir: Option<&str>) -> Result<()> {
        let session = Session::connect(params)?;
        self.disconnect();
        if let Some(welcome) = session.welcome()
            && (self.interactive || self.verbose)
        {
            escape_lines(welcome).for_each(|line| println!("{line}"));
        }
        self.session = Some(session);
        self.broken = false;
        // another server (or user): `cd -` has nowhere to go back to
        self.previous_cwd = None;
        if let Some(dir) = dir {
            self.session()?.cwd(dir)?;
        }
        self.refresh_cwd();
        Ok(())
    }

    pub fn disconnect(&mut self) {
        self.lent_params = None;
        if let Some(session) = self.session.take() {
            session.quit();
        }
        self.cwd.clear();
        self.rename_from = None;
    }

    /// Re-reads the remote directory for the prompt; a server without PWD leaves it blank.
    pub fn refresh_cwd(&mut self) {
        self.cwd = match self.session.as_mut().map(Session::pwd) {
            Some(Ok(dir)) => dir,
            _ => String::new(),
        };
    }

    /// After a lost connection: reconnect and return to the directory we were in. The old
    /// session stays until a new one is logged in, so a failed attempt can be tried again
    /// by the next command.
    pub fn reconnect(&mut self) -> Result<()> {
        let params = self.params().ok_or(Error::NotConnected)?.clone();
        let mut session = Session::connect(&params).map_err(|e| Error::Connection {
            what: "reconnect".into(),
            message: e.to_string(),
        })?;
        if !self.cwd.is_empty() {
            session.cwd(&self.cwd)?;
        }
        self.session = Some(session);
        self.lent_params = None;
        self.last_used = Instant::now();
        Ok(())
    }

    /// The session's URL without the password: `ftp://user@host:port/cwd`.
    /// The session as a URL (no password), its TLS mode in the scheme: what a bookmark
    /// of it keeps.
    pub fn url(&self) -> Option<String> {
        let p = self.params()?;
        let scheme = match p.tls.mode {
            crate::ftp::tls::TlsMode::Explicit => "ftps",
            crate::ftp::tls::TlsMode::Implicit => crate::target::IMPLICIT_SCHEME,
            _ => "ftp",
        };
        Some(crate::target::to_url(
            scheme, &p.user, &p.host, p.port, &self.cwd,
        ))
    }

    pub fn prompt(&self) -> String {
        match self.params() {
            // The server's folder name goes into rustyline's prompt, drawn raw: escaped.
            Some(p) => format!("ftpsh {}:{}> ", escape(&p.host), escape(&self.cwd)),
            None => "ftpsh> ".to_string(),
        }
    }
}
