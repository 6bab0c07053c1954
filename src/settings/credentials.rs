//! Where a session goes and as whom: a bookmark's URL, then the credential chain (URL or
//! flags, $FTPSH_PASSWORD, .netrc, a hidden prompt) and the run's connection settings.

use std::io::IsTerminal;

use super::Connection;
use crate::error::{Error, Result};
use crate::ftp::tls::TlsMode;
use crate::ftp::{ConnectParams, Secret};
use crate::target::{DEFAULT_PORT, Target};

/// The port of implicit FTPS.
const IMPLICIT_TLS_PORT: u16 = 990;

/// A bookmark's URL when `word` names one, else `word` itself.
pub fn resolve_bookmark(word: &str) -> Result<String> {
    if word.contains("://") || word.contains('@') {
        return Ok(word.to_string());
    }
    Ok(crate::config::bookmark(word)?.unwrap_or_else(|| word.to_string()))
}

/// Decides user and password: URL/flags, then $FTPSH_PASSWORD, then .netrc, then a hidden
/// prompt on a terminal; with no user at all, anonymous (as ftplib does). A named user with
/// no password and no terminal is an error before anything is sent.
pub fn connect_params(target: &Target, settings: &Connection) -> Result<ConnectParams> {
    // A netrc that others may write is refused, not skipped: it chooses where a login goes.
    let netrc = || -> Result<Option<crate::netrc::Credentials>> {
        let Some(path) = crate::netrc::default_path() else {
            return Ok(None);
        };
        Ok(crate::config::read_trusted(&path, "netrc")
            .or_else(|e| match e {
                Error::Local { .. } => Ok(None),
                refused => Err(refused),
            })?
            .and_then(|text| crate::netrc::lookup(&text, &target.host, target.user.as_deref())))
    };
    let mut user = target.user.clone();
    let mut password = target.password.clone();
    if password.is_none() {
        password = std::env::var("FTPSH_PASSWORD").ok();
    }
    if (password.is_none() || user.is_none())
        && let Some(found) = netrc()?
    {
        if user.is_none() {
            user = found.login;
        }
        if password.is_none() && user.is_some() {
            password = found.password;
        }
    }
    let user = user.unwrap_or_else(|| "anonymous".to_string());
    let password = match password {
        Some(p) => p,
        None if user == "anonymous" || user == "ftp" => "anonymous@".to_string(),
        None if std::io::stdin().is_terminal() => {
            rpassword::prompt_password(format!("Password for {user}@{}: ", target.host))
                .map_err(|e| Error::Connect(format!("reading password: {e}")))?
        }
        // Without a terminal to ask on (cron, a pipe), an empty PASS would only be a failed
        // login in the server's log, which fail2ban and the like count against this host.
        None => {
            return Err(Error::Connect(format!(
                "no password for {user}: set FTPSH_PASSWORD or ~/.netrc"
            )));
        }
    };
    // The target's TLS is a floor, never lowered by settings or flags (a bookmark of an
    // implicit-TLS server is opened with implicit TLS even under --plain).
    let mut tls = settings.tls.clone();
    if target.implicit {
        tls.mode = TlsMode::Implicit;
    } else if target.tls && tls.mode == TlsMode::Off {
        tls.mode = TlsMode::Explicit;
    }
    let default_port = if tls.mode == TlsMode::Implicit {
        IMPLICIT_TLS_PORT
    } else {
        DEFAULT_PORT
    };
    Ok(ConnectParams {
        host: target.host.clone(),
        port: target.port.unwrap_or(default_port),
        user,
        password: Secret::new(password),
        passive: settings.passive,
        timeout: settings.timeout,
        tls,
        limits: settings.limits.clone(),
        max_listed: settings.max_listed,
    })
}
