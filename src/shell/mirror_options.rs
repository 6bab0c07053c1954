//! The options of `mirror LOCAL REMOTE`: the settings of `settings::defs` that are job
//! options, as the command table's options, and the parser made from them. Completion,
//! `help mirror` and the man page read the same list.

use std::sync::LazyLock;

use clap::{Arg, ArgAction};

use super::table::{Does, Opt};
use crate::error::{Error, Result};
use crate::mirror::job::MirrorOptions;
use crate::settings::{Kind, Value, defs};

/// The options of `mirror LOCAL REMOTE`, in the order they are set: one per job option of
/// `settings::defs`.
pub static OPTIONS: LazyLock<Vec<Opt>> = LazyLock::new(|| {
    defs::job_options()
        .map(|setting| Opt {
            long: setting.name,
            value: setting.value_name,
            many: setting.many,
            help: setting.job_described().into(),
            does: Does::Setting(setting),
        })
        .collect()
});

/// The parser of `mirror [OPTIONS] LOCAL REMOTE`, made from [`OPTIONS`].
fn parser() -> clap::Command {
    let options = OPTIONS.iter().map(|o| {
        let arg = Arg::new(o.long).long(o.long);
        match (o.value, o.many) {
            (None, _) => arg.action(ArgAction::SetTrue),
            (Some(name), false) => arg.value_name(name).action(ArgAction::Set),
            (Some(name), true) => arg.value_name(name).action(ArgAction::Append),
        }
    });
    clap::Command::new("mirror")
        .disable_help_flag(true)
        .args(options)
        .arg(Arg::new("local").value_name("LOCAL").required(true))
        .arg(Arg::new("remote").value_name("REMOTE").required(true))
}

/// Options that make no sense for a download mirror, and why: refused rather than ignored.
const NOT_FOR_DOWNLOAD: &[(&str, &str)] = &[
    (
        "follow-links",
        "a download mirror never follows nor creates links in LOCAL",
    ),
    (
        "backup-dir",
        "it names a folder on the server, which a download never changes (a local file ftpsh did not write is kept aside as NAME.ftpsh-conflict-TIME anyway)",
    ),
];

/// `[OPTIONS] LOCAL REMOTE` (or `--download [OPTIONS] REMOTE LOCAL`): the two operands
/// (local, remote), `options` with the options given set over it (in table order), and
/// whether `--interval` was given.
pub(super) fn parse(
    words: &[String],
    mut options: MirrorOptions,
) -> Result<(String, String, MirrorOptions, bool)> {
    let matches = parser()
        .try_get_matches_from(std::iter::once("mirror").chain(words.iter().map(String::as_str)))
        .map_err(|e| Error::usage(e.to_string().trim_end().to_string()))?;
    for option in OPTIONS.iter() {
        let Does::Setting(setting) = option.does else {
            continue;
        };
        let values: Vec<&str> = match option.value {
            None if matches.get_flag(option.long) => vec![""],
            None => Vec::new(),
            Some(_) => matches
                .get_many::<String>(option.long)
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect(),
        };
        for text in values {
            let value = match setting.kind {
                Kind::Switch => Ok(Value::Switch(true)),
                kind => kind.parse(text),
            };
            value
                .and_then(|value| setting.set_job(&mut options, &value))
                .map_err(|e| Error::usage(format!("mirror --{}: {e}", option.long)))?;
        }
    }
    if options.download
        && let Some((long, why)) = NOT_FOR_DOWNLOAD.iter().find(|(long, _)| {
            matches.value_source(long) == Some(clap::parser::ValueSource::CommandLine)
        })
    {
        return Err(Error::usage(format!(
            "mirror --download: --{long} is refused: {why}"
        )));
    }
    let operand = |id: &str| matches.get_one::<String>(id).cloned().unwrap_or_default();
    let (first, second) = (operand("local"), operand("remote"));
    let interval_given =
        matches.value_source("interval") == Some(clap::parser::ValueSource::CommandLine);
    if options.download {
        Ok((second, first, options, interval_given))
    } else {
        Ok((first, second, options, interval_given))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mirror::job::Compare;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    fn parsed(text: &str) -> Result<(String, String, MirrorOptions)> {
        parse(&words(text), MirrorOptions::default()).map(|(l, r, o, _)| (l, r, o))
    }

    #[test]
    fn download_takes_remote_first_and_refuses_what_makes_no_sense() {
        let (local, remote, o) = parsed("--download /www site").unwrap();
        assert!(o.download);
        assert_eq!((local.as_str(), remote.as_str()), ("site", "/www"));
        let (_, _, _, given) =
            parse(&words("--download /www site"), MirrorOptions::default()).unwrap();
        assert!(!given, "no --interval given");
        let (_, _, _, given) = parse(
            &words("--download --interval 5 /www site"),
            MirrorOptions::default(),
        )
        .unwrap();
        assert!(given);
        for (long, _) in NOT_FOR_DOWNLOAD {
            let takes_value = OPTIONS.iter().any(|o| o.long == *long && o.value.is_some());
            let given = if takes_value { " x" } else { "" };
            let err = parsed(&format!("--download --{long}{given} /www site")).unwrap_err();
            assert!(matches!(err, Error::Usage(_)), "{err:?}");
            assert!(
                err.to_string().contains(&format!("--{long} is refused")),
                "{err}"
            );
        }
    }

    #[test]
    fn each_option_of_the_table_sets_the_job() {
        let (local, remote, o) = parsed(
            "--once --dry-run --no-delete --max-delete 3 --allow-mass-delete --exclude *.tmp \
             --exclude=.git --max-depth 2 --interval 0.5 --parallel 0 --follow-links \
             --log j.log --limit-rate 1.5M src /dst",
        )
        .unwrap();
        assert_eq!((local.as_str(), remote.as_str()), ("src", "/dst"));
        assert!(o.once && o.dry_run && !o.delete && o.allow_mass_delete && o.follow_links);
        assert_eq!(o.max_delete, Some(3));
        assert_eq!(o.excludes, ["*.tmp", ".git"]);
        assert_eq!((o.max_depth, o.parallel), (2, 1));
        assert_eq!(o.interval, std::time::Duration::from_millis(500));
        assert_eq!(o.log, Some("j.log".into()));
        assert_eq!(o.limit_rate, Some(1_572_864));
        let (_, _, o) = parsed(
            "--exclude-from a.ignore --exclude-from b.ignore --include *.html --include x/ \
             --backup-dir .old --log-format json --on-change purge src /dst",
        )
        .unwrap();
        assert_eq!(
            o.exclude_from,
            [std::path::PathBuf::from("a.ignore"), "b.ignore".into()]
        );
        assert_eq!(o.includes, ["*.html", "x/"]);
        assert_eq!(o.backup_dir.as_deref(), Some(".old"));
        assert_eq!(o.log_format, crate::journal::Format::Json);
        assert_eq!(o.on_change.unwrap().program(), "purge");
        // options after the operands too, as any command line
        let (_, _, o) = parsed("src /dst --once").unwrap();
        assert!(o.once);
    }

    /// The comparison modes: each sets its choice, two of them are a usage error naming
    /// them; modes are kept unless --no-perms.
    #[test]
    fn comparison_modes_exclude_each_other() {
        let defaults = || MirrorOptions {
            perms: true,
            ..MirrorOptions::default()
        };
        for (given, want) in [
            ("", Compare::Exact),
            ("--size-only", Compare::SizeOnly),
            ("--update", Compare::Update),
            ("--ignore-existing", Compare::IgnoreExisting),
        ] {
            let (_, _, o, _) = parse(&words(&format!("{given} src /dst")), defaults()).unwrap();
            assert_eq!(o.compare, want, "{given}");
            assert!(o.perms, "{given}");
        }
        let (_, _, o, _) = parse(&words("--no-perms src /dst"), defaults()).unwrap();
        assert!(!o.perms);
        for given in ["--update --size-only", "--ignore-existing --update"] {
            let err = parsed(&format!("{given} src /dst")).unwrap_err();
            assert!(err.to_string().contains("exclude each other"), "{err}");
            assert_eq!(err.exit_code(), crate::error::EXIT_USAGE);
        }
    }

    #[test]
    fn every_option_of_the_table_is_parsed() {
        for option in OPTIONS.iter() {
            // within its range: not its default, where it has a range
            let ranged = defs::find(option.long).and_then(|s| s.kind.range());
            let given = match (option.value, option.long) {
                (Some(_), "log-format") => format!("--{} json src /dst", option.long),
                (Some(_), _) if ranged.is_some() => format!("--{} 2 src /dst", option.long),
                // 1024: a value every other option takes (`--limit-rate` wants 1K at least).
                (Some(_), _) => format!("--{} 1024 src /dst", option.long),
                (None, _) => format!("--{} src /dst", option.long),
            };
            assert!(parsed(&given).is_ok(), "{given}");
        }
    }

    #[test]
    fn bad_values_are_usage_errors_naming_the_option() {
        for (text, names) in [
            (
                "--max-delete many src /dst",
                "mirror --max-delete: invalid value \"many\"",
            ),
            (
                "--interval 0 src /dst",
                "mirror --interval: must be a positive number of seconds",
            ),
            ("--interval -1 src /dst", "-1"),
            ("--parallel x src /dst", "mirror --parallel"),
            (
                "--limit-rate 2MB src /dst",
                "mirror --limit-rate: \"2MB\" is not a rate",
            ),
            ("--max-delete 1 --max-delete 2 src /dst", "max-delete"),
            (
                "--log-format xml src /dst",
                "mirror --log-format: \"xml\" is not a log format",
            ),
            (
                "--on-change ' src /dst",
                "mirror --on-change: \"'\": unbalanced quotes",
            ),
            ("--bogus src /dst", "--bogus"),
            ("src", "REMOTE"),
        ] {
            let err = parsed(text).unwrap_err();
            assert!(matches!(err, Error::Usage(_)), "{text}: {err:?}");
            assert!(err.to_string().contains(names), "{text}: {err}");
        }
    }

    #[test]
    fn the_defaults_named_in_help_are_the_mirrors() {
        let help = |long: &str| {
            OPTIONS
                .iter()
                .find(|o| o.long == long)
                .unwrap()
                .help
                .clone()
        };
        let default = |name: &str| defs::find(name).unwrap().shown_default().unwrap();
        let mirror = default("max-depth");
        assert!(help("max-depth").contains(&format!("default {mirror},")));
        let interval = default("interval");
        assert!(help("interval").contains(&format!("default {interval},")));
        let parallel = default("parallel");
        assert!(help("parallel").contains(&format!("default {parallel},")));
        // a download job's interval is named where --download and --interval are explained
        let download = format!("{} s", defs::DOWNLOAD_INTERVAL);
        assert!(help("download").contains(&download), "{}", help("download"));
        let said = defs::find("interval").unwrap().help;
        assert!(
            said.contains(&format!("{},", defs::DOWNLOAD_INTERVAL)),
            "{said}"
        );
        // help.txt's prose names the parallel default too
        for command in ["mput", "mget"] {
            let text = crate::shell::help::section_for(command).unwrap();
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let says = format!("up to {parallel} connections");
            assert!(text.contains(&says), "help {command} should say {says}");
        }
    }
}
