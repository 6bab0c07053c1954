//! Session: one logged-in FTP control connection, its settings and what the server can do;
//! the only type that talks to suppaftp (connect.rs opens it, commands.rs and data.rs use it).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use suppaftp::types::FileType;
use suppaftp::{Mode, RustlsFtpStream, Status};

use super::connect::ConnectParams;
use super::reply::ftp_error;
use crate::error::Result;

/// What the server can do, learned from FEAT once per connection.
#[derive(Debug, Default, Clone)]
pub(super) struct Capabilities {
    pub(super) features: HashMap<String, Option<String>>,
    /// Set once a way of setting remote mtimes has failed, so we stop trying.
    pub(super) mtime_unsettable: bool,
    /// Set once 2-arg MDTM has worked (servers rarely advertise it).
    pub(super) mdtm_settable: bool,
}

impl Capabilities {
    pub(super) fn has(&self, name: &str) -> bool {
        self.features.contains_key(name)
    }
}

pub struct Session {
    /// The rustls-capable stream type serves plain sessions too: it stays unencrypted until
    /// `into_secure`.
    pub(super) stream: RustlsFtpStream,
    pub(super) params: ConnectParams,
    pub(super) welcome: Option<String>,
    pub(super) caps: Capabilities,
    pub(super) binary: bool,
    /// Transfer buffer, reused by every transfer of this session.
    pub(super) buffer: Vec<u8>,
    /// Read/write bound of data connections, in milliseconds (shared with the builder).
    pub(super) data_timeout: Arc<AtomicU64>,
}

impl Session {
    pub fn params(&self) -> &ConnectParams {
        &self.params
    }

    /// Keeps this session's transfers to `limits` from now on (a connection lent to a mirror
    /// job takes the job's); returns the ones it had.
    pub fn set_limits(&mut self, limits: super::rate::Limits) -> super::rate::Limits {
        std::mem::replace(&mut self.params.limits, limits)
    }

    pub fn welcome(&self) -> Option<&str> {
        self.welcome.as_deref()
    }

    pub fn is_binary(&self) -> bool {
        self.binary
    }

    /// TYPE I, or TYPE A. Plain `TYPE A`: its format defaults to non-print (RFC 959), and
    /// some servers refuse the spelled-out `TYPE A N` that suppaftp sends (`504`).
    pub fn set_binary(&mut self, binary: bool) -> Result<()> {
        if binary {
            self.stream
                .transfer_type(FileType::Binary)
                .map_err(|e| ftp_error("binary", e))?;
        } else {
            self.stream
                .custom_command("TYPE A", &[Status::CommandOk])
                .map_err(|e| ftp_error("ascii", e))?;
        }
        self.binary = binary;
        Ok(())
    }

    /// Changes the read/write bound of the control and data connections (completion uses a
    /// short one so a slow server cannot freeze the prompt).
    pub fn set_timeout(&mut self, timeout: Duration) {
        let _ = self.stream.get_ref().set_read_timeout(Some(timeout));
        let _ = self.stream.get_ref().set_write_timeout(Some(timeout));
        self.data_timeout.store(millis(timeout), Ordering::Relaxed);
        self.stream
            .set_reply_deadline(Some(super::deadline::reply_deadline(timeout)));
    }

    /// Another handle on the control connection's socket (to shut it down from elsewhere).
    pub fn control_socket(&self) -> Option<std::net::TcpStream> {
        self.stream.get_ref().try_clone().ok()
    }

    /// A new timeout for good (`set timeout`): kept over `reset_timeout` and reconnects.
    pub fn change_timeout(&mut self, timeout: Duration) {
        self.params.timeout = timeout;
        self.set_timeout(timeout);
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
}

pub(super) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}
