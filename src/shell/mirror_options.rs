//! The options of `mirror LOCAL REMOTE`: the one list (name, value, help, what it sets) and
//! the parser made from it. Completion, `help mirror` and the man page read the list too.

use clap::{Arg, ArgAction};

use super::table::{Does, Opt};
use crate::error::{Error, Result};
use crate::ftp::rate;
use crate::mirror::job::{Compare, MirrorOptions};

/// Sets a job's option from the value given (`""` for a switch); the message of an `Err`
/// follows `mirror --NAME: `.
pub type Setter = fn(&mut MirrorOptions, &str) -> std::result::Result<(), String>;

/// The options of `mirror LOCAL REMOTE`: parser, completion, `help mirror` and the man page
/// all read this list, so a new option is one row here.
#[rustfmt::skip]
pub static OPTIONS: &[Opt] = &[
    switch("download", "the other way: mirror --download REMOTE LOCAL makes LOCAL a copy of REMOTE (polls every 60 s by default)", |o, _| yes(&mut o.download)),
    switch("once", "one pass in the foreground; fails if anything failed", |o, _| yes(&mut o.once)),
    switch("dry-run", "print the plan, change nothing", |o, _| yes(&mut o.dry_run)),
    switch("no-delete", "keep remote files that are gone locally", |o, _| { o.delete = false; Ok(()) }),
    value("max-delete", "N", "hold the deletes of a pass that would delete more than N entries (uploads go on)", |o, v| { o.max_delete = Some(number(v)?); Ok(()) }),
    switch("allow-mass-delete", "run the deletes held by earlier runs over the same state, and hold none of this run's for LOCAL holding no file, a pass deleting every remote file (or 90 % of 10 or more), or LOCAL on another device than at the last pass (unmounted)", |o, _| yes(&mut o.allow_mass_delete)),
    list("exclude", "GLOB", "leave matching names (*.tmp, .git) or paths (build/out/*) alone; repeatable", |o, v| { o.excludes.push(v.to_string()); Ok(()) }),
    list("exclude-from", "FILE", "leave alone what FILE's patterns match, in .gitignore syntax (!negation, dir/, /anchored, **), relative to LOCAL; read at start; repeatable", |o, v| { o.exclude_from.push(crate::lossless::to_path(v)); Ok(()) }),
    list("include", "GLOB", "mirror only the files matching GLOB (names or paths, as --exclude) or inside a matching folder; folders are always walked; excludes win; repeatable", |o, v| { o.includes.push(v.to_string()); Ok(()) }),
    value("backup-dir", "DIR", "move remote files a pass would delete or replace to DIR/<UTC time of the pass>/<their path> (RNFR/RNTO) instead; DIR is never mirrored into, and may not be where LOCAL holds something to send", |o, v| { o.backup_dir = Some(v.to_string()); Ok(()) }),
    value("max-depth", "N", "levels below LOCAL to mirror (default 6, or the --max-depth flag; at most 64)", |o, v| { o.max_depth = crate::mirror::max_depth(v)?; Ok(()) }),
    value("interval", "SECS", "seconds between checks (default 1, or the --interval flag)", |o, v| { o.interval = seconds(v)?; Ok(()) }),
    value("recheck", "SECS", "list the remote again after SECS without a local change, to see another writer's changes (default 300, at most 86400)", |o, v| { o.recheck = Some(recheck(v)?); Ok(()) }),
    value("parallel", "N", "connections used to upload and delete (default 4)", |o, v| { o.parallel = number::<usize>(v)?.max(1); Ok(()) }),
    switch("follow-links", "follow symbolic links in LOCAL", |o, _| yes(&mut o.follow_links)),
    switch("no-perms", "do not keep permission bits (kept by default: SITE CHMOD where the server's differ)", |o, _| { o.perms = false; Ok(()) }),
    switch("size-only", "replace a remote file only when its size differs (servers with unreliable times)", |o, _| compare(o, Compare::SizeOnly)),
    switch("update", "never replace a remote file newer than the local one (or of unknown time and not sent by ftpsh)", |o, _| compare(o, Compare::Update)),
    switch("ignore-existing", "send only files missing on the server, never replace one", |o, _| compare(o, Compare::IgnoreExisting)),
    value("limit-rate", "RATE", "bytes per second for all the job's connections together (500K, 2M; K = 1024), within the --limit-rate flag's for the whole ftpsh", |o, v| { o.limit_rate = rate::parse(v)?; Ok(()) }),
    value("log", "FILE", "this job's journal (default: the --log flag)", |o, v| { o.log = Some(crate::lossless::to_path(v)); Ok(()) }),
    value("log-format", "FORMAT", "this job's journal as `text` lines or as `json`, one object per line (default: the --log-format flag)", |o, v| { o.log_format = v.parse()?; Ok(()) }),
    value("on-change", "CMD", "after each pass that changed the remote, run CMD (split like a shell, run without one) with the pass in FTPSH_* variables (and no FTPSH_PASSWORD); what it leaves running ends with it; its failure is journaled, the mirror goes on", |o, v| { o.on_change = Some(crate::mirror::on_change::OnChange::parse(v)?); Ok(()) }),
];

const fn switch(long: &'static str, help: &'static str, set: Setter) -> Opt {
    Opt {
        long,
        value: None,
        many: false,
        help,
        does: Does::Mirror(set),
    }
}

const fn value(long: &'static str, name: &'static str, help: &'static str, set: Setter) -> Opt {
    Opt {
        value: Some(name),
        ..switch(long, help, set)
    }
}

/// An option that may be given more than once, each value counting.
const fn list(long: &'static str, name: &'static str, help: &'static str, set: Setter) -> Opt {
    Opt {
        many: true,
        ..value(long, name, help, set)
    }
}

/// One comparison mode per job: two different ones would contradict each other.
fn compare(options: &mut MirrorOptions, mode: Compare) -> std::result::Result<(), String> {
    if options.compare != Compare::Exact && options.compare != mode {
        return Err("--size-only, --update and --ignore-existing exclude each other".into());
    }
    options.compare = mode;
    Ok(())
}

fn yes(flag: &mut bool) -> std::result::Result<(), String> {
    *flag = true;
    Ok(())
}

fn number<T: std::str::FromStr<Err: std::fmt::Display>>(
    text: &str,
) -> std::result::Result<T, String> {
    text.parse()
        .map_err(|e| format!("invalid value {text:?}: {e}"))
}

fn seconds(text: &str) -> std::result::Result<std::time::Duration, String> {
    let secs: f64 = number(text)?;
    crate::cli::positive_seconds("", secs)
        .map_err(|_| "must be a positive number of seconds".into())
}

/// `--recheck`: whole seconds from 1 to `MAX_RECHECK_SECS`.
fn recheck(text: &str) -> std::result::Result<std::time::Duration, String> {
    let max = crate::mirror::MAX_RECHECK_SECS;
    match text.parse::<u64>() {
        Ok(secs) if (1..=max).contains(&secs) => Ok(std::time::Duration::from_secs(secs)),
        _ => Err(format!("must be a whole number of seconds from 1 to {max}")),
    }
}

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
    for option in OPTIONS {
        let Does::Mirror(set) = option.does else {
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
        for value in values {
            set(&mut options, value)
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
        for option in OPTIONS {
            let given = match (option.value, option.long) {
                (Some(_), "log-format") => format!("--{} json src /dst", option.long),
                (Some(_), "max-depth") => format!("--{} 64 src /dst", option.long),
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
        let help = |long: &str| OPTIONS.iter().find(|o| o.long == long).unwrap().help;
        let mirror = crate::mirror::DEFAULT_MAX_DEPTH;
        assert!(help("max-depth").contains(&format!("default {mirror},")));
        let deepest = crate::mirror::MAX_TREE_DEPTH;
        assert!(help("max-depth").contains(&format!("at most {deepest})")));
        let recheck = crate::mirror::DEFAULT_RECHECK_SECS;
        let longest = crate::mirror::MAX_RECHECK_SECS;
        assert!(help("recheck").contains(&format!("default {recheck}, at most {longest})")));
        let interval = crate::mirror::DEFAULT_INTERVAL_SECS;
        assert!(help("interval").contains(&format!("default {interval},")));
        let parallel = crate::mirror::DEFAULT_PARALLEL;
        assert!(help("parallel").contains(&format!("default {parallel})")));
        // help.txt's prose names the parallel default too
        for command in ["mput", "mget"] {
            let text = crate::shell::help::section_for(command).unwrap();
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let says = format!("up to {parallel} connections");
            assert!(text.contains(&says), "help {command} should say {says}");
        }
    }
}
