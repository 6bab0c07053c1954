//! The shell's state: the open session, where we are, and the settings commands change.

use std::sync::Arc;
use std::time::{Duration, Instant};

/// A session unused this long is checked with NOOP before the next command.
const IDLE_CHECK_AFTER: Duration = Duration::from_secs(20);

use crate::error::{Error, Result};
use crate::escape::{escape, escape_lines};
use crate::ftp::{ConnectParams, Session};
use crate::mirror::job::Jobs;
use crate::progress::Printer;
use crate::settings::{Connection, Settings};

/// The shell's session on loan (see [`Shell::lend`]): the borrower takes it, gives it back
/// with whether it broke, and dropping the guard returns it to the shell on every path.
pub struct Lent<'a> {
    shell: &'a mut Shell,
    session: Option<Session>,
    /// A session was lent: one that is not given back is taken as lost.
    lent: bool,
    broke: bool,
}

impl Lent<'_> {
    /// The session, for the borrower to use (none if the shell had none to lend).
    pub fn take(&mut self) -> Option<Session> {
        self.session.take()
    }

    /// What the borrower hands back: the session, if it still has it, and whether it broke.
    pub fn give_back(&mut self, session: Option<Session>, broke: bool) {
        self.session = session;
        self.broke |= broke;
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if self.lent {
            let broke = self.broke || self.session.is_none();
            self.shell.return_session(self.session.take(), broke);
        }
    }
}

pub struct Shell {
    session: Option<Session>,
    /// The remote directory, refreshed after each cd, for the prompt and reconnects.
    pub cwd: String,
    /// The folder before the last `cd` (`cd -`), on this server.
    pub previous_cwd: Option<String>,
    /// Source of a pending two-step rename (rnfr, then rnto).
    pub rename_from: Option<String>,
    /// The run's settings: `set` changes them, mirror jobs start from them.
    pub settings: Settings,
    /// Passive mode, timeout and TLS for every connection this shell opens.
    pub connection: Connection,
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
}

impl Shell {
    pub fn new(settings: Settings, interactive: bool) -> Shell {
        Shell {
            session: None,
            cwd: String::new(),
            previous_cwd: None,
            rename_from: None,
            connection: settings.connection(),
            settings,
            interactive,
            quit_requested: false,
            printer: Arc::new(|line| crate::progress::print_line(&line)),
            broken: false,
            lent_params: None,
            last_used: Instant::now(),
            jobs: Jobs::default(),
        }
    }

    /// Makes the connection settings, the open session and the protocol trace follow the
    /// settings (after a `set`).
    pub fn apply_settings(&mut self) {
        self.connection.update(&self.settings);
        crate::journal::set_trace(self.settings.switch("debug"));
        if let Some(session) = self.session.as_mut() {
            session.set_passive(self.connection.passive);
            session.change_timeout(self.connection.timeout);
        }
    }

    /// `--verbose` (or `set verbose on`): print more.
    pub fn verbose(&self) -> bool {
        self.settings.switch("verbose")
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

    /// Lends the session (none if it is known to be broken) to tab completion, a
    /// foreground mirror or a multi-file command, until the guard is dropped: then it comes
    /// back, or, lost meanwhile, the next command opens a new one where it was.
    pub fn lend(&mut self) -> Lent<'_> {
        let session = if self.broken {
            None
        } else {
            self.session.take()
        };
        if let Some(session) = &session {
            self.lent_params = Some(session.params().clone());
        }
        Lent {
            lent: session.is_some(),
            session,
            broke: false,
            shell: self,
        }
    }

    /// Takes a lent session back; `broke` says it was lost meanwhile (then, if it did not
    /// come back, the next command opens a new one where it was).
    fn return_session(&mut self, session: Option<Session>, broke: bool) {
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
            && (self.interactive || self.verbose())
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
            // Who is logged in, where: after a failed `open` or `user` the old session stays.
            // The server's folder name goes into rustyline's prompt, drawn raw: escaped.
            Some(p) => format!(
                "ftpsh {}@{}:{}> ",
                escape(&p.user),
                escape(&p.host),
                escape(&self.cwd)
            ),
            None => "ftpsh> ".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ftp::Secret;

    fn shell() -> Shell {
        Shell::new(Settings::default(), false)
    }

    fn params() -> ConnectParams {
        ConnectParams {
            host: "h".into(),
            port: 21,
            user: "u".into(),
            password: Secret::new(String::new()),
            passive: true,
            timeout: Duration::from_secs(1),
            tls: Default::default(),
            limits: Default::default(),
            max_listed: u64::MAX,
        }
    }

    /// A loan of nothing (no session, or a broken one) gives nothing back and changes
    /// nothing: the place to reconnect to after a loss survives it.
    #[test]
    fn lending_no_session_keeps_where_to_reconnect() {
        let mut shell = shell();
        drop(shell.lend());
        assert!(shell.params().is_none() && !shell.broken);

        shell.lent_params = Some(params());
        shell.broken = true;
        let mut lent = shell.lend();
        assert!(lent.take().is_none());
        lent.give_back(None, false);
        drop(lent);
        assert_eq!(shell.params().map(|p| p.host.as_str()), Some("h"));
        assert!(shell.broken);
    }
}
