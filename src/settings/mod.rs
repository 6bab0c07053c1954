//! The run's settings (fd's `construct_config`, lftp's resource manager): every setting of
//! [`defs::SETTINGS`] with its value and where that came from. The default, then the config
//! file, then the command line, then the shell's `set`: each later one wins. From them come
//! how connections are made ([`Connection`]) and a mirror job's defaults.

pub mod credentials;
pub mod defs;
pub mod kind;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::ftp::rate::{Limit, Limits};
use crate::ftp::tls::{TlsMode, TlsOptions};
use crate::mirror::job::MirrorOptions;
pub use defs::{Setting, Where};
pub use kind::{Kind, Value};

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Default,
    File,
    Flag,
    Set,
}

/// The value of every setting the run has (those given somewhere besides `mirror`).
#[derive(Debug, Clone)]
pub struct Settings {
    values: Vec<(&'static Setting, Option<Value>, Source)>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            values: defs::SETTINGS
                .iter()
                .filter(|s| !s.at.is_empty())
                .map(|s| (s, s.default_value(), Source::Default))
                .collect(),
        }
    }
}

impl Settings {
    /// Gives `name` the value `text` says (from `source`); the message of an `Err` follows
    /// the name as the user spelled it (`--timeout: `, `set timeout: `).
    pub fn give(
        &mut self,
        name: &str,
        text: &str,
        source: Source,
    ) -> std::result::Result<(), String> {
        let entry = self
            .values
            .iter_mut()
            .find(|(s, _, _)| s.name == name)
            .ok_or_else(|| format!("no setting {name:?}"))?;
        entry.1 = Some(entry.0.kind.parse(text)?);
        entry.2 = source;
        Ok(())
    }

    /// The value of `name`; `None` when it is unset (or no such setting exists).
    pub fn get(&self, name: &str) -> Option<&Value> {
        let entry = self.values.iter().find(|(s, _, _)| s.name == name);
        debug_assert!(entry.is_some(), "no setting {name}");
        entry?.1.as_ref()
    }

    pub fn source(&self, name: &str) -> Source {
        self.values
            .iter()
            .find(|(s, _, _)| s.name == name)
            .map_or(Source::Default, |e| e.2)
    }

    pub fn switch(&self, name: &str) -> bool {
        self.get(name).is_some_and(Value::on)
    }

    pub fn seconds(&self, name: &str) -> Duration {
        self.get(name).map_or(Duration::ZERO, Value::seconds)
    }

    pub fn rate(&self, name: &str) -> Option<u64> {
        self.get(name).and_then(Value::rate)
    }

    pub fn path(&self, name: &str) -> Option<PathBuf> {
        self.get(name).and_then(Value::path)
    }

    /// How the journal's lines are written (`log-format`).
    pub fn log_format(&self) -> crate::journal::Format {
        self.get("log-format")
            .and_then(|v| v.text().parse().ok())
            .unwrap_or_default()
    }

    /// Every setting that may be given at `at`, with its value as shown (`-` when unset).
    pub fn listing(&self, at: Where) -> Vec<(&'static Setting, String)> {
        self.values
            .iter()
            .filter(|(s, _, _)| s.is(at))
            .map(|(s, v, _)| (*s, v.as_ref().map_or("-".into(), Value::display)))
            .collect()
    }

    /// How connections are made, with a new process-wide bucket for `limit-rate`: call it
    /// once per run (every connection then shares the bucket).
    pub fn connection(&self) -> Connection {
        let mode = match self.get("tls") {
            Some(Value::Choice("explicit")) => TlsMode::Explicit,
            Some(Value::Choice("implicit")) => TlsMode::Implicit,
            _ => TlsMode::Off,
        };
        let rate = Limit::changeable(self.rate("limit-rate"));
        Connection {
            passive: self.switch("passive"),
            timeout: self.seconds("timeout"),
            tls: TlsOptions {
                mode,
                ca_file: self.path("ca-file"),
                insecure: self.switch("insecure"),
            },
            limits: Limits::default().with(Some(Arc::clone(&rate))),
            rate,
            max_listed: self
                .get("max-listed")
                .map_or(u64::MAX, |v| v.count() as u64),
        }
    }

    /// A mirror job's options before its own are given: the run's values of the options
    /// that inherit them, and the rest as a job without options has them.
    pub fn job_defaults(&self) -> MirrorOptions {
        let mut options = MirrorOptions {
            delete: true,
            perms: true,
            ..MirrorOptions::default()
        };
        for setting in defs::job_options() {
            if let defs::Job::Inherits(set) = setting.job
                && let Some(value) = self.get(setting.name)
            {
                // a value of the setting's own kind: its setter takes it
                let _ = set(&mut options, value);
            }
        }
        options
    }

    /// A download job's interval, when neither it nor the run was given one.
    pub fn download_interval(&self) -> Option<Duration> {
        if self.source("interval") != Source::Default {
            return None;
        }
        let interval = defs::find("interval")?;
        Some(interval.kind.parse(defs::DOWNLOAD_INTERVAL).ok()?.seconds())
    }
}

/// How every connection of this run is made; `open` and mirror jobs reuse it.
#[derive(Debug, Clone)]
pub struct Connection {
    pub passive: bool,
    pub timeout: Duration,
    pub tls: TlsOptions,
    /// `--limit-rate`: one bucket for every transfer of the process...
    pub limits: Limits,
    /// ...which `set limit-rate` changes while they run.
    pub rate: Arc<Limit>,
    /// `--max-listed`: see `ConnectParams::max_listed`.
    pub max_listed: u64,
}

impl Connection {
    /// Takes the settings' passive mode, timeout and rate limit (after a `set`).
    pub fn update(&mut self, settings: &Settings) {
        self.passive = settings.switch("passive");
        self.timeout = settings.seconds("timeout");
        self.rate.set_rate(settings.rate("limit-rate"));
        self.max_listed = settings
            .get("max-listed")
            .map_or(u64::MAX, |v| v.count() as u64);
    }
}

/// The run's settings from the config file's `(key, value)` pairs and the command line's
/// `(setting, flag as typed, value)` (those win over the file).
pub fn construct(
    flags: &[(&'static Setting, String, String)],
    file: &[(String, String)],
) -> Result<Settings> {
    let mut settings = Settings::default();
    for (name, value) in file {
        if flags.iter().any(|(s, _, _)| s.name == name) {
            continue;
        }
        settings
            .give(name, value, Source::File)
            .map_err(|_| Error::usage(format!("config: {name} = {value:?} is not valid")))?;
    }
    for (setting, flag, value) in flags {
        settings
            .give(setting.name, value, Source::Flag)
            .map_err(|e| Error::usage(format!("{flag}: {e}")))?;
    }
    Ok(settings)
}

/// The config file's keys, as it may spell them.
pub fn key_names() -> Vec<&'static str> {
    defs::at(Where::Key).map(|s| s.name).collect()
}

/// Reads the config file and puts the command line's settings over it.
pub fn load(flags: &[(&'static Setting, String, String)]) -> Result<Settings> {
    let file = crate::config::read_settings(&key_names())?;
    construct(flags, &file)
}

/// The man page's SETTINGS section (roff): every setting, where it may be given, its
/// default and range.
pub fn man_section() -> String {
    let mut out = String::from(
        ".SH SETTINGS\nEach setting may be given where its entry says: as a flag, as a \
         `key = value' line of the config file ($FTPSH_CONFIG_DIR/config, else \
         ~/.config/ftpsh/config), with `set NAME VALUE' in the shell, or as an option of \
         `mirror'. A flag wins over the file; `set' over both; a mirror option over all \
         three for its job.\n",
    );
    for setting in defs::SETTINGS {
        let value = setting
            .value_name
            .map_or(String::new(), |v| format!(" {v}"));
        out.push_str(&format!(
            ".TP\n\\fB{}\\fR{} [{}]\n{}\n",
            crate::roff::escape(setting.name),
            crate::roff::escape(&value),
            places(setting).join(", "),
            crate::roff::escape(&setting.described())
        ));
    }
    out
}

/// Where a setting may be given, in words: `flag`, `config`, `set`, `mirror`.
pub fn places(setting: &Setting) -> Vec<&'static str> {
    let mut places = Vec::new();
    for (at, word) in [
        (Where::Flag, "flag"),
        (Where::Key, "config"),
        (Where::Set, "set"),
    ] {
        if setting.is(at) {
            places.push(word);
        }
    }
    if setting.is_job_option() {
        places.push("mirror");
    }
    places
}

#[cfg(test)]
mod tests;
