//! Command-line arguments (clap) and how they become connection parameters and credentials.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;

use crate::error::{Error, Result};
use crate::ftp::rate::{self, Limit, Limits};
use crate::ftp::tls::{TlsMode, TlsOptions};
use crate::ftp::{ConnectParams, Secret};
use crate::target::{self, DEFAULT_PORT, Target};

/// The port of implicit FTPS.
const IMPLICIT_TLS_PORT: u16 = 990;

const EXIT_HELP: &str = "\
Exit status: 0 all commands succeeded, 1 a command failed, 2 usage error,
3 could not connect or log in.

Ways in:
  ftpsh ftp://alice@host:2121/dir          interactive shell
  ftpsh -c \"mkdir /x; put a.txt /x/\" HOST   one-shot commands, ';'-separated
  ftpsh HOST < jobs.ftp                     a script on stdin; stops at the first failing line

TLS: ftps://host or --tls (explicit), ftps+implicit://host or --implicit-tls; certificates are checked against the
system roots, or --ca-file PEM; --insecure skips the check (with a warning).

Password: from the URL, $FTPSH_PASSWORD, ~/.netrc ($NETRC), else a hidden prompt on a terminal
(without one: an error, nothing sent).
Type `help` in the shell for the commands.";

#[derive(Debug, Parser)]
#[command(name = "ftpsh", version, about = "An FTP shell with a live background mirror", after_help = EXIT_HELP)]
pub struct Args {
    /// Server to open: ftp://[user[:password]@]host[:port][/dir], or host[:port].
    #[arg(value_parser = Lossless)]
    pub target: Option<String>,

    /// Run these commands (separated by ';') and exit.
    #[arg(short = 'c', long = "command", value_name = "COMMANDS", value_parser = Lossless)]
    pub command: Option<String>,

    /// Server host name (alternative to TARGET).
    #[arg(long)]
    pub host: Option<String>,

    /// Server port (default 21).
    #[arg(short = 'p', long)]
    pub port: Option<u16>,

    /// User name (default: from the URL, .netrc, else anonymous).
    #[arg(short = 'u', long)]
    pub user: Option<String>,

    /// Password (visible to other users of this machine: prefer $FTPSH_PASSWORD or .netrc).
    #[arg(long)]
    pub password: Option<String>,

    /// Remote directory to change to after login.
    #[arg(long, value_name = "DIR", value_parser = Lossless)]
    pub remote_dir: Option<String>,

    /// Use active mode (PORT) instead of passive.
    #[arg(long, overrides_with = "passive")]
    pub active: bool,

    /// Use passive mode (the default; overrides `passive = no` in the config file).
    #[arg(long, overrides_with = "active")]
    pub passive: bool,

    /// Plain FTP, no TLS (overrides `tls = ...` in the config file).
    #[arg(long, conflicts_with_all = ["tls", "implicit_tls"])]
    pub plain: bool,

    /// Explicit FTPS: AUTH TLS, then encrypted control and data (as ftps:// URLs).
    #[arg(long)]
    pub tls: bool,

    /// Implicit FTPS: TLS from the first byte (port 990 by default).
    #[arg(long)]
    pub implicit_tls: bool,

    /// Trust this PEM certificate or CA bundle instead of the system roots: its CAs, and a
    /// server certificate that is one of them (a self-signed server's own certificate).
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,

    /// Do not check the server's certificate (warned once per host).
    #[arg(long)]
    pub insecure: bool,

    /// Seconds one read may wait (connecting, replies, transfers); a reply must arrive in
    /// full within 3x this, and data must move 1 KiB/s over each 2x this.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,

    /// Keep all transfers together under RATE bytes per second (500K, 2M; K = 1024).
    #[arg(long, value_name = "RATE")]
    pub limit_rate: Option<String>,

    /// Entries the listings of one command (get -r, chmod -R, rm -r) or mirror pass may hold
    /// together, and 512 bytes of listing lines per entry: a server tree beyond it stops the
    /// command with a message.
    #[arg(long, value_name = "N", default_value_t = crate::ftp::fetch::DEFAULT_MAX_LISTED)]
    pub max_listed: u64,

    /// The mirror journal: one line per movement (default for every mirror job).
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,

    /// How the journal's lines are written: `text`, or `json` (one object per line).
    #[arg(long, value_name = "text|json", default_value = "text")]
    pub log_format: crate::journal::Format,

    /// Seconds between mirror checks (default for every mirror job).
    #[arg(long, value_name = "SECS", default_value_t = crate::mirror::DEFAULT_INTERVAL_SECS)]
    pub interval: f64,

    /// How many levels below LOCAL a mirror descends (default for every mirror job).
    #[arg(long, value_name = "N", default_value_t = crate::mirror::DEFAULT_MAX_DEPTH)]
    pub max_depth: usize,

    /// Show the protocol conversation (PASS masked); with --log, write it to the journal too.
    #[arg(long)]
    pub debug: bool,

    /// Print more: the welcome banner in scripts, each mirror movement.
    #[arg(short = 'v', long)]
    pub verbose: bool,

    /// No progress bars.
    #[arg(short = 'q', long)]
    pub quiet: bool,

    /// Print a completion script for SHELL (bash, zsh, fish, elvish, powershell) and exit.
    #[arg(long, value_name = "SHELL")]
    pub completions: Option<clap_complete::Shell>,

    /// Print the man page (roff) and exit.
    #[arg(long)]
    pub man: bool,
}

/// An argument that names files, as text whatever its bytes (see `crate::lossless`): a name
/// that is not UTF-8 in `-c "put caf\xe9.txt"` reaches the file system (and the server) as
/// its bytes, where clap's `String` would refuse the whole command line.
#[derive(Debug, Clone, Copy)]
struct Lossless;

impl clap::builder::TypedValueParser for Lossless {
    type Value = String;

    fn parse_ref(
        &self,
        command: &clap::Command,
        _: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> std::result::Result<String, clap::Error> {
        crate::lossless::from_os(value)
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidUtf8).with_cmd(command))
    }
}

/// `--completions` / `--man`: writes the text to stdout. Returns false when neither was asked.
/// `man_extra` (roff) follows the options in the man page: the shell's commands, which the
/// layer above hands in (the command table lives there).
pub fn print_generated(args: &Args, man_extra: impl FnOnce() -> String) -> Result<bool> {
    use clap::CommandFactory;
    let mut command = Args::command();
    if let Some(shell) = args.completions {
        clap_complete::generate(shell, &mut command, "ftpsh", &mut std::io::stdout());
        return Ok(true);
    }
    if args.man {
        let man = clap_mangen::Man::new(command);
        let mut page = Vec::new();
        let rendered = (|| {
            man.render_title(&mut page)?;
            man.render_name_section(&mut page)?;
            man.render_synopsis_section(&mut page)?;
            man.render_description_section(&mut page)?;
            man.render_options_section(&mut page)?;
            page.extend_from_slice(man_extra().as_bytes());
            man.render_version_section(&mut page)
        })();
        rendered
            .and_then(|()| std::io::Write::write_all(&mut std::io::stdout(), &page))
            .map_err(|e| Error::local("--man", e))?;
        return Ok(true);
    }
    Ok(false)
}

/// How every connection of this run is made; `open` and mirror jobs reuse it.
#[derive(Debug, Clone)]
pub struct Settings {
    pub passive: bool,
    pub timeout: Duration,
    pub tls: TlsOptions,
    /// `--limit-rate`: one bucket for every transfer of the process.
    pub limits: Limits,
    /// `--max-listed`: see `ConnectParams::max_listed`.
    pub max_listed: u64,
}

impl Args {
    pub fn settings(&self) -> Result<Settings> {
        let mode = match (self.tls, self.implicit_tls) {
            (true, true) => return Err(Error::usage("give --tls or --implicit-tls, not both")),
            (true, false) => TlsMode::Explicit,
            (false, true) => TlsMode::Implicit,
            (false, false) => TlsMode::Off,
        };
        Ok(Settings {
            passive: !self.active,
            timeout: positive_seconds("--timeout", self.timeout)?,
            tls: TlsOptions {
                mode,
                ca_file: self.ca_file.clone(),
                insecure: self.insecure,
            },
            limits: Limits::default().with(limit_rate("--limit-rate", self.limit_rate.as_deref())?),
            max_listed: max_listed("--max-listed", self.max_listed)?,
        })
    }
}

/// A `--max-listed` (`name`): at least one entry.
pub fn max_listed(name: &str, entries: u64) -> Result<u64> {
    if entries == 0 {
        return Err(Error::usage(format!("{name}: must be at least 1")));
    }
    Ok(entries)
}

/// A `--limit-rate` (`name`) as a new bucket; `None` for no limit.
pub fn limit_rate(name: &str, rate: Option<&str>) -> Result<Option<Arc<Limit>>> {
    let Some(text) = rate else {
        return Ok(None);
    };
    let rate = rate::parse(text).map_err(|e| Error::usage(format!("{name}: {e}")))?;
    Ok(rate.map(Limit::new))
}

/// Seconds given by the user as a Duration, refusing zero, negatives and NaN.
pub fn positive_seconds(name: &str, secs: f64) -> Result<Duration> {
    if secs.is_finite() && secs > 0.0 {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err(Error::usage(format!(
            "{name}: must be a positive number of seconds"
        )))
    }
}

/// A bookmark's URL when `word` names one, else `word` itself.
pub fn resolve_bookmark(word: &str) -> Result<String> {
    if word.contains("://") || word.contains('@') {
        return Ok(word.to_string());
    }
    Ok(crate::config::bookmark(word)?.unwrap_or_else(|| word.to_string()))
}

/// Where a session should go: the target merged with the seed-style flags.
pub fn target_from_args(args: &Args) -> Result<Option<Target>> {
    let mut target = match (&args.target, &args.host) {
        (Some(_), Some(_)) => {
            return Err(Error::usage("give either TARGET or --host, not both"));
        }
        (Some(text), None) => target::parse(&resolve_bookmark(text)?)?,
        (None, Some(host)) => target::parse(host)?,
        (None, None) => return Ok(None),
    };
    if args.port.is_some() {
        target.port = args.port;
    }
    if args.user.is_some() {
        target.user.clone_from(&args.user);
    }
    if let Some(password) = &args.password {
        target.password = Some(password.clone());
    }
    if target.password.is_some() {
        // Any argv (a --password flag or a URL) shows in `ps` for every local user.
        eprintln!(
            "ftpsh: warning: a password on the command line is visible to other users of this machine; prefer FTPSH_PASSWORD or ~/.netrc"
        );
    }
    if args.remote_dir.is_some() {
        target.dir.clone_from(&args.remote_dir);
    }
    Ok(Some(target))
}

/// Decides user and password: URL/flags, then $FTPSH_PASSWORD, then .netrc, then a hidden
/// prompt on a terminal; with no user at all, anonymous (as ftplib does). A named user with
/// no password and no terminal is an error before anything is sent.
pub fn connect_params(target: &Target, settings: &Settings) -> Result<ConnectParams> {
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
