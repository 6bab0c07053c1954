//! The run's configuration, built once from the command line and the config file (fd's
//! `construct_config`): a flag given wins over the file, the file over the default. The
//! config file's keys are listed here and nowhere else.

use std::path::PathBuf;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};

use crate::cli::{Args, Settings, limit_rate, positive_seconds};
use crate::config::on_off;
use crate::error::{Error, Result};
use crate::ftp::rate::Limits;
use crate::ftp::tls::TlsMode;

/// Everything the shell and its mirror jobs are configured with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Passive mode, timeout and TLS for every connection of the run.
    pub settings: Settings,
    pub mirror: MirrorDefaults,
}

/// Defaults for every mirror job (`mirror --interval` and the like override them per job).
#[derive(Debug, Clone)]
pub struct MirrorDefaults {
    pub log: Option<PathBuf>,
    /// How the journal's lines are written (`--log-format`).
    pub log_format: crate::journal::Format,
    pub interval: Duration,
    pub max_depth: usize,
    /// Connections a job (and a multi-file command) uses.
    pub parallel: usize,
}

/// A key of the config file: the command-line flags (clap ids) that win over it, and what
/// its value sets (`None`: not a valid value).
struct Key {
    name: &'static str,
    flags: &'static [&'static str],
    set: fn(&mut Config, &str) -> Option<()>,
}

#[rustfmt::skip]
const KEYS: &[Key] = &[
    Key { name: "passive", flags: &["active", "passive"], set: |c, v| { c.settings.passive = on_off(v)?; Some(()) } },
    Key { name: "tls", flags: &["tls", "implicit_tls", "plain"], set: |c, v| { c.settings.tls.mode = tls_mode(v)?; Some(()) } },
    Key { name: "timeout", flags: &["timeout"], set: |c, v| { c.settings.timeout = seconds(v)?; Some(()) } },
    Key { name: "interval", flags: &["interval"], set: |c, v| { c.mirror.interval = seconds(v)?; Some(()) } },
    Key { name: "max-depth", flags: &["max_depth"], set: |c, v| { c.mirror.max_depth = crate::mirror::max_depth(v).ok()?; Some(()) } },
    Key { name: "limit-rate", flags: &["limit_rate"], set: |c, v| { c.settings.limits = Limits::default().with(limit_rate("", Some(v)).ok()?); Some(()) } },
    Key { name: "max-listed", flags: &["max_listed"], set: |c, v| { c.settings.max_listed = crate::cli::max_listed("", v.parse().ok()?).ok()?; Some(()) } },
    Key { name: "parallel", flags: &[], set: |c, v| { c.mirror.parallel = v.parse::<usize>().ok()?.max(1); Some(()) } },
];

fn tls_mode(value: &str) -> Option<TlsMode> {
    match value {
        "off" | "no" => Some(TlsMode::Off),
        "explicit" | "yes" | "on" => Some(TlsMode::Explicit),
        "implicit" => Some(TlsMode::Implicit),
        _ => None,
    }
}

fn seconds(value: &str) -> Option<Duration> {
    positive_seconds("", value.parse().ok()?).ok()
}

/// The config file's keys, as it may spell them.
pub fn key_names() -> Vec<&'static str> {
    KEYS.iter().map(|k| k.name).collect()
}

/// Parses the command line and reads the config file: the arguments, and the run's Config.
pub fn load() -> Result<(Args, Config)> {
    let matches = Args::command().get_matches();
    let args = Args::from_arg_matches(&matches).map_err(|e| Error::usage(e.to_string()))?;
    let file = crate::config::read_settings(&key_names())?;
    let config = construct(&args, &matches, &file)?;
    Ok((args, config))
}

/// The Config from the arguments and the config file's `(key, value)` pairs; `matches` says
/// which flags were given (those win over the file).
fn construct(args: &Args, matches: &ArgMatches, file: &[(String, String)]) -> Result<Config> {
    let given = |id: &str| {
        !matches!(
            matches.value_source(id),
            None | Some(ValueSource::DefaultValue)
        )
    };
    let mut config = Config {
        settings: args.settings()?,
        mirror: MirrorDefaults {
            log: args.log.clone(),
            log_format: args.log_format,
            interval: positive_seconds("--interval", args.interval)?,
            max_depth: crate::mirror::max_depth(&args.max_depth.to_string())
                .map_err(|e| Error::usage(format!("--max-depth: {e}")))?,
            parallel: crate::mirror::DEFAULT_PARALLEL,
        },
    };
    for (name, value) in file {
        let Some(key) = KEYS.iter().find(|k| k.name == name) else {
            continue; // read_settings refused it already
        };
        if key.flags.iter().any(|flag| given(flag)) {
            continue;
        }
        (key.set)(&mut config, value)
            .ok_or_else(|| Error::usage(format!("config: {name} = {value:?} is not valid")))?;
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(argv: &[&str], file: &[(&str, &str)]) -> Result<Config> {
        let matches = Args::command()
            .try_get_matches_from(std::iter::once("ftpsh").chain(argv.iter().copied()))
            .unwrap();
        let args = Args::from_arg_matches(&matches).unwrap();
        let file: Vec<(String, String)> = file
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        construct(&args, &matches, &file)
    }

    #[test]
    fn defaults_then_the_file_then_the_flags() {
        let c = config(&[], &[]).unwrap();
        assert!(c.settings.passive);
        assert_eq!(c.settings.tls.mode, TlsMode::Off);
        assert_eq!(
            (c.mirror.interval, c.mirror.max_depth, c.mirror.parallel),
            (
                Duration::from_secs_f64(crate::mirror::DEFAULT_INTERVAL_SECS),
                crate::mirror::DEFAULT_MAX_DEPTH,
                crate::mirror::DEFAULT_PARALLEL
            )
        );
        let file = [
            ("passive", "no"),
            ("tls", "implicit"),
            ("timeout", "5"),
            ("interval", "0.5"),
            ("max-depth", "2"),
            ("parallel", "0"),
            ("limit-rate", "1K"),
        ];
        let unlimited = |c: &Config| c.settings.limits.chunk(usize::MAX) == usize::MAX;
        assert!(unlimited(&config(&[], &[]).unwrap()));
        let c = config(&[], &file).unwrap();
        assert!(!unlimited(&c));
        assert!(!c.settings.passive);
        assert_eq!(c.settings.tls.mode, TlsMode::Implicit);
        assert_eq!(c.settings.timeout, Duration::from_secs(5));
        assert_eq!(c.mirror.interval, Duration::from_millis(500));
        assert_eq!((c.mirror.max_depth, c.mirror.parallel), (2, 1));
        // each flag wins over its key
        let flags = [
            "--passive",
            "--plain",
            "--timeout",
            "7",
            "--interval",
            "2",
            "--max-depth",
            "9",
        ];
        let c = config(&flags, &file).unwrap();
        assert!(c.settings.passive);
        assert_eq!(c.settings.tls.mode, TlsMode::Off);
        assert_eq!(c.settings.timeout, Duration::from_secs(7));
        assert_eq!(c.mirror.interval, Duration::from_secs(2));
        assert_eq!(c.mirror.max_depth, 9);
        let c = config(&["--active", "--tls"], &[("passive", "yes"), ("tls", "no")]).unwrap();
        assert!(!c.settings.passive);
        assert_eq!(c.settings.tls.mode, TlsMode::Explicit);
    }

    #[test]
    fn bad_values_name_the_key() {
        for (key, value) in [
            ("passive", "maybe"),
            ("tls", "sometimes"),
            ("timeout", "0"),
            ("timeout", "soon"),
            ("interval", "-1"),
            ("max-depth", "deep"),
            ("parallel", "-2"),
            ("limit-rate", "fast"),
        ] {
            let err = config(&[], &[(key, value)]).unwrap_err();
            assert!(matches!(err, Error::Usage(_)), "{key}");
            assert_eq!(
                err.to_string(),
                format!("config: {key} = {value:?} is not valid")
            );
        }
        assert!(config(&["--tls", "--implicit-tls"], &[]).is_err());
        assert!(config(&["--interval", "0"], &[]).is_err());
    }

    /// help.txt names every key the file takes.
    #[test]
    fn help_names_every_key() {
        let help = include_str!("../help.txt");
        for name in key_names() {
            assert!(
                help.contains(name),
                "help.txt does not name config key {name}"
            );
        }
    }
}
