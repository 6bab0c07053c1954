//! The command line (clap): what to open and what to run; the settings' flags are made
//! from `settings::defs` and handed to the settings layer as given.

use clap::{Arg, ArgAction, ArgMatches, CommandFactory, FromArgMatches};

use crate::error::{Error, Result};
use crate::settings::credentials::resolve_bookmark;
use crate::settings::{self, Kind, Setting, Settings, Where, defs};
use crate::target::{self, Target};

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

#[derive(Debug, clap::Parser)]
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

    /// The settings' flags (`--timeout`, `--passive`...), made from `settings::defs`.
    #[command(flatten)]
    pub given: Given,

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
    if let Some(shell) = args.completions {
        let mut command = Args::command();
        clap_complete::generate(shell, &mut command, "ftpsh", &mut std::io::stdout());
        return Ok(true);
    }
    if args.man {
        man_page(man_extra)
            .and_then(|page| std::io::Write::write_all(&mut std::io::stdout(), &page))
            .map_err(|e| Error::local("--man", e))?;
        return Ok(true);
    }
    Ok(false)
}

/// The man page: clap's sections (the options made from `settings::defs`), the settings,
/// then `man_extra`.
fn man_page(man_extra: impl FnOnce() -> String) -> std::io::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(Args::command());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    page.extend_from_slice(settings::man_section().as_bytes());
    page.extend_from_slice(man_extra().as_bytes());
    man.render_version_section(&mut page)?;
    Ok(page)
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

/// Parses the command line and reads the config file: the arguments, and the run's settings.
pub fn load() -> Result<(Args, Settings)> {
    let matches = Args::command().get_matches();
    let args = Args::from_arg_matches(&matches).map_err(|e| Error::usage(e.to_string()))?;
    let settings = settings::load(&args.given.0)?;
    Ok((args, settings))
}

/// The settings given on the command line: (setting, flag as typed, value as lossless text),
/// in the order of `settings::defs`.
#[derive(Debug, Clone, Default)]
pub struct Given(pub Vec<(&'static Setting, String, String)>);

impl FromArgMatches for Given {
    fn from_arg_matches(matches: &ArgMatches) -> std::result::Result<Self, clap::Error> {
        let mut given = Given::default();
        given.update_from_arg_matches(matches)?;
        Ok(given)
    }

    fn update_from_arg_matches(
        &mut self,
        matches: &ArgMatches,
    ) -> std::result::Result<(), clap::Error> {
        for setting in defs::at(Where::Flag) {
            for flag in setting.command_line() {
                let value = match (flag.sets, setting.kind) {
                    (Some(value), _) => matches.get_flag(flag.long).then(|| value.into()),
                    (None, Kind::Switch) => matches.get_flag(flag.long).then(|| "on".into()),
                    (None, _) => matches.get_one::<String>(flag.long).cloned(),
                };
                if let Some(value) = value {
                    self.0.push((setting, format!("--{}", flag.long), value));
                }
            }
        }
        Ok(())
    }
}

impl clap::Args for Given {
    fn augment_args(command: clap::Command) -> clap::Command {
        command.args(flag_args())
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Self::augment_args(command)
    }
}

/// One clap argument per flag of every setting given on the command line.
fn flag_args() -> Vec<Arg> {
    let mut args = Vec::new();
    for setting in defs::at(Where::Flag) {
        let flags = setting.command_line();
        for flag in &flags {
            let others = flags.iter().filter(|f| f.long != flag.long).map(|f| f.long);
            let mut arg = Arg::new(flag.long).long(flag.long);
            if let Some(short) = flag.short {
                arg = arg.short(short);
            }
            arg = match (flag.sets, setting.kind) {
                (None, Kind::Switch) | (Some(_), _) => arg.action(ArgAction::SetTrue),
                (None, _) => arg
                    .action(ArgAction::Set)
                    .value_name(setting.value_name.unwrap_or("VALUE"))
                    .value_parser(Lossless),
            };
            arg = match setting.exclusive {
                true => arg.conflicts_with_all(others),
                false => arg.overrides_with_all(others),
            };
            // A spelling of its own says what it does; the setting's flag, with the default.
            let help = match flag.sets {
                Some(_) => flag.help.to_string(),
                None => capitalised(&setting.flag_help()),
            };
            args.push(arg.help(help));
        }
    }
    args
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::ftp::tls::TlsMode;
    use crate::mirror::job::MirrorOptions;
    use crate::settings::Connection;

    /// What a run is configured with: its connections and a mirror job's defaults.
    #[derive(Debug)]
    struct Config {
        settings: Connection,
        mirror: MirrorOptions,
    }

    fn parsed(argv: &[&str]) -> Result<Args> {
        let matches = Args::command()
            .try_get_matches_from(std::iter::once("ftpsh").chain(argv.iter().copied()))
            .map_err(|e| Error::usage(e.to_string()))?;
        Ok(Args::from_arg_matches(&matches).unwrap())
    }

    fn config(argv: &[&str], file: &[(&str, &str)]) -> Result<Config> {
        let args = parsed(argv)?;
        let file: Vec<(String, String)> = file
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let settings = settings::construct(&args.given.0, &file)?;
        Ok(Config {
            settings: settings.connection(),
            mirror: settings.job_defaults(),
        })
    }

    fn default(name: &str) -> settings::Value {
        defs::find(name).unwrap().default_value().unwrap()
    }

    #[test]
    fn defaults_then_the_file_then_the_flags() {
        let c = config(&[], &[]).unwrap();
        assert!(c.settings.passive);
        assert_eq!(c.settings.tls.mode, TlsMode::Off);
        assert_eq!(
            (c.mirror.interval, c.mirror.max_depth, c.mirror.parallel),
            (
                default("interval").seconds(),
                default("max-depth").count(),
                default("parallel").count()
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
        // the last of --active and --passive wins
        assert!(
            config(&["--active", "--passive"], &[])
                .unwrap()
                .settings
                .passive
        );
        assert!(
            !config(&["--passive", "--active"], &[])
                .unwrap()
                .settings
                .passive
        );
        // settings that were a key alone or a flag alone are both now
        let c = config(
            &["--parallel", "2"],
            &[("log", "j.log"), ("log-format", "json")],
        )
        .unwrap();
        assert_eq!(c.mirror.parallel, 2);
        assert_eq!(c.mirror.log, Some("j.log".into()));
        assert_eq!(c.mirror.log_format, crate::journal::Format::Json);
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
        assert!(config(&["--plain", "--tls"], &[]).is_err());
        assert!(config(&["--interval", "0"], &[]).is_err());
    }

    /// Every number has a sane range, as a flag and as a key: out of it is a usage error
    /// naming where it was given, never a panic later.
    #[test]
    fn numbers_out_of_range_are_usage_errors() {
        for (name, value) in [
            ("timeout", "1e300"),
            ("timeout", "inf"),
            ("timeout", "NaN"),
            ("interval", "1e300"),
            ("interval", "0.000001"),
            ("parallel", "100000"),
            ("max-depth", "18446744073709551616"),
            ("max-depth", "100000"),
            ("limit-rate", "99999999999G"),
        ] {
            let flag = format!("--{name}");
            let err = config(&[&flag, value], &[]).err().unwrap();
            assert!(matches!(err, Error::Usage(_)), "{flag} {value}: {err:?}");
            assert!(err.to_string().starts_with(&format!("{flag}: ")), "{err}");
            let err = config(&[], &[(name, value)]).err().unwrap();
            assert!(matches!(err, Error::Usage(_)), "{name} = {value}: {err:?}");
        }
        let err = config(&["--interval", "1e300"], &[]).err().unwrap();
        assert_eq!(
            err.to_string(),
            "--interval: 1e300 is out of range: from 0.05 to 86400 seconds"
        );
    }

    /// Each setting's flags, config key, job option, `set` name, help lines and man page
    /// entry come from its one definition in `settings::defs`, and nowhere else.
    #[test]
    fn every_setting_comes_from_its_one_definition() {
        let command = Args::command();
        let mut names = std::collections::HashSet::new();
        let keys = settings::key_names();
        let man = String::from_utf8(man_page(String::new).unwrap()).unwrap();
        let set = crate::shell::help::section_for("set").unwrap();
        let mirror = &*crate::shell::mirror_options::OPTIONS;
        for setting in defs::SETTINGS {
            assert!(names.insert(setting.name), "{} twice", setting.name);
            let described = setting.described();
            // a default that its own parser reads
            let _ = setting.default_value();
            for flag in setting.command_line() {
                let arg = command
                    .get_arguments()
                    .find(|a| a.get_long() == Some(flag.long))
                    .unwrap_or_else(|| panic!("no flag --{}", flag.long));
                let help = arg.get_help().unwrap().to_string();
                match flag.sets {
                    Some(_) => assert_eq!(help, flag.help),
                    None => assert_eq!(help, capitalised(&setting.flag_help())),
                }
                let spelled = format!("--{}", flag.long).replace('-', "\\-");
                assert!(man.contains(&spelled), "man lacks {spelled}");
            }
            assert_eq!(
                keys.contains(&setting.name),
                setting.is(Where::Key),
                "{}",
                setting.name
            );
            assert!(man.contains(&format!("\\fB{}\\fR", crate::roff::escape(setting.name))));
            assert!(
                man.contains(&crate::roff::escape(&described)),
                "man lacks {described}"
            );
            let option = mirror.iter().find(|o| o.long == setting.name);
            assert_eq!(
                option.is_some(),
                setting.is_job_option(),
                "{}",
                setting.name
            );
            if let Some(option) = option {
                assert_eq!(option.help, setting.job_described());
                assert_eq!(option.value, setting.value_name);
            }
            if setting.is(Where::Set) || setting.is(Where::Key) {
                let flat = set.split_whitespace().collect::<Vec<_>>().join(" ");
                let help = setting
                    .help
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                assert!(flat.contains(&help), "help set lacks {}", setting.name);
            }
        }
        // no flag of the command line is a setting's but made elsewhere
        for arg in command.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            let made =
                defs::at(Where::Flag).any(|s| s.command_line().iter().any(|f| f.long == long));
            let own = [
                "command",
                "host",
                "port",
                "user",
                "password",
                "remote-dir",
                "completions",
                "man",
                "help",
                "version",
            ];
            assert!(
                made || own.contains(&long),
                "--{long} is defined outside settings::defs"
            );
        }
    }
}
