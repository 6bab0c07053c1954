//! Every setting, defined once (ripgrep's flag list, lftp's `resource.cc`): its name, type
//! and range, default, help, and where it may be given: a command-line flag, a key of the
//! config file, the shell's `set`, an option of `mirror`. The clap arguments, the config
//! file's reader, the mirror's option parser, `set`, help, the man page and completion are
//! all made from this list; nothing else names a default.

use super::kind::{Kind, Value};
use crate::mirror::job::{Compare, MirrorOptions};

/// Where a setting may be given, besides as a `mirror` option (see [`Job`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    /// `ftpsh --NAME` (and the spellings in [`Setting::flags`]).
    Flag,
    /// `NAME = VALUE` in the config file.
    Key,
    /// `set NAME VALUE` in the shell.
    Set,
}

/// Sets a mirror job's option from a value; the message of an `Err` follows `mirror --NAME: `.
pub type JobSetter = fn(&mut MirrorOptions, &Value) -> Result<(), String>;

/// Whether a setting is an option of `mirror`, and where a job's value comes from when the
/// option is not given.
#[derive(Clone, Copy)]
pub enum Job {
    No,
    /// From the run's value (flag, config key, `set`, default): `--interval`.
    Inherits(JobSetter),
    /// The job's own, unset unless given: `--once`, and `--limit-rate`, whose job bucket
    /// is within the run's.
    Own(JobSetter),
}

/// A command-line spelling that sets a value of its own (`--active` is `passive off`).
#[derive(Debug, Clone, Copy)]
pub struct Flag {
    pub long: &'static str,
    pub short: Option<char>,
    /// The value it sets; `None`: the value follows the flag (a switch: on).
    pub sets: Option<&'static str>,
    pub help: &'static str,
}

/// One setting.
#[derive(Clone, Copy)]
pub struct Setting {
    /// The flag's long name, the config key, the job option and the name `set` takes.
    pub name: &'static str,
    pub kind: Kind,
    /// The value's name in usage (`SECS`); a switch has none.
    pub value_name: Option<&'static str>,
    /// What it is when not given (read by [`Kind::parse`]); `None`: unset.
    pub default: Option<&'static str>,
    /// One line for help, the man page, `set` and `--help`.
    pub help: &'static str,
    pub at: &'static [Where],
    /// The flags that stand for it; empty: `--NAME` alone (`-SHORT` too with `short`).
    pub flags: &'static [Flag],
    pub short: Option<char>,
    /// Two of its flags given together are a usage error (`--tls --plain`); otherwise the
    /// last one wins (`--active --passive`).
    pub exclusive: bool,
    pub job: Job,
    /// As a `mirror` option, when it means less there than for the run (`--limit-rate`).
    pub job_help: Option<&'static str>,
    /// As a `mirror` option, may be given more than once (each value counts).
    pub many: bool,
}

impl std::fmt::Debug for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Setting({})", self.name)
    }
}

impl Setting {
    /// A setting of `kind` named `name`, given nowhere yet.
    const fn new(name: &'static str, kind: Kind, help: &'static str) -> Setting {
        Setting {
            name,
            kind,
            value_name: None,
            default: None,
            help,
            at: &[],
            flags: &[],
            short: None,
            exclusive: false,
            job: Job::No,
            job_help: None,
            many: false,
        }
    }

    const fn value(self, name: &'static str) -> Setting {
        Setting {
            value_name: Some(name),
            ..self
        }
    }

    const fn default(self, text: &'static str) -> Setting {
        Setting {
            default: Some(text),
            ..self
        }
    }

    const fn at(self, at: &'static [Where]) -> Setting {
        Setting { at, ..self }
    }

    const fn flags(self, flags: &'static [Flag], exclusive: bool) -> Setting {
        Setting {
            flags,
            exclusive,
            ..self
        }
    }

    const fn short(self, short: char) -> Setting {
        Setting {
            short: Some(short),
            ..self
        }
    }

    const fn job(self, job: Job) -> Setting {
        Setting { job, ..self }
    }

    const fn job_help(self, help: &'static str) -> Setting {
        Setting {
            job_help: Some(help),
            ..self
        }
    }

    const fn many(self) -> Setting {
        Setting { many: true, ..self }
    }

    pub fn is(&self, at: Where) -> bool {
        self.at.contains(&at)
    }

    pub fn is_job_option(&self) -> bool {
        !matches!(self.job, Job::No)
    }

    /// The command-line flags that stand for it: its own spellings, else `--NAME`.
    pub fn command_line(&self) -> Vec<Flag> {
        if !self.is(Where::Flag) {
            return Vec::new();
        }
        if !self.flags.is_empty() {
            return self.flags.to_vec();
        }
        vec![Flag {
            long: self.name,
            short: self.short,
            sets: None,
            help: self.help,
        }]
    }

    /// Its value when not given, if it has one.
    pub fn default_value(&self) -> Option<Value> {
        let text = self.default?;
        Some(
            self.kind
                .parse(text)
                .unwrap_or_else(|e| panic!("default of {}: {e}", self.name)),
        )
    }

    /// Its help with its default and range: `seconds between mirror checks (default 1;
    /// 0.05 to 86400)`.
    pub fn described(&self) -> String {
        describe(self.help, self)
    }

    /// Its help as a flag's: a switch's flag turns it on, so its default (off) goes unsaid.
    pub fn flag_help(&self) -> String {
        match self.kind {
            Kind::Switch => self.help.to_string(),
            _ => self.described(),
        }
    }

    /// Its help as a `mirror` option: where the job's value comes from when not given.
    pub fn job_described(&self) -> String {
        let help = self.job_help.unwrap_or(self.help);
        let mut notes = Vec::new();
        if let (Job::Inherits(_), Some(default)) = (self.job, self.shown_default()) {
            notes.push(format!("default {default}, or the run's --{}", self.name));
        }
        notes.extend(self.kind.range());
        match notes.is_empty() {
            true => help.to_string(),
            false => format!("{help} ({})", notes.join("; ")),
        }
    }

    /// Its default as `set` shows values.
    pub fn shown_default(&self) -> Option<String> {
        self.default_value().map(|v| v.display())
    }

    /// Sets a job's option from a value.
    pub fn set_job(&self, options: &mut MirrorOptions, value: &Value) -> Result<(), String> {
        match self.job {
            Job::No => Ok(()),
            Job::Inherits(set) | Job::Own(set) => set(options, value),
        }
    }
}

/// `help` followed by the default and the range.
fn describe(help: &str, setting: &Setting) -> String {
    let notes: Vec<String> = (setting.shown_default().map(|d| format!("default {d}")))
        .into_iter()
        .chain(setting.kind.range())
        .collect();
    match notes.is_empty() {
        true => help.to_string(),
        false => format!("{help} ({})", notes.join("; ")),
    }
}

/// A `mirror --download` job's interval when neither the job nor the run changed it: each
/// check lists the whole remote tree (a server tells no one of its changes), one LIST/MLSD
/// per folder, so every second would be a listing storm on a shared server; a minute is
/// what polling tools commonly use. Read as `interval`'s kind.
pub const DOWNLOAD_INTERVAL: &str = "60";

const SECONDS_OF_A_DAY: f64 = 86_400.0;

#[rustfmt::skip]
const TLS_WORDS: &[&[&str]] = &[&["off", "no"], &["explicit", "yes", "on"], &["implicit"]];
const LOG_FORMATS: &[&[&str]] = &[&["text"], &["json"]];

use Where::{Flag as F, Key as K, Set as S};

/// Every setting. The run's (connection, journal, defaults of every mirror job) and the
/// `mirror` options, in the order `--help`, `help mirror` and `set` list them.
#[rustfmt::skip]
pub static SETTINGS: &[Setting] = &[
    Setting::new("passive", Kind::Switch, "passive mode: the client opens data connections (EPSV, PASV); off: active mode (PORT), the server connects back")
        .default("on").at(&[F, K, S]).flags(&[
            Flag { long: "active", short: None, sets: Some("off"), help: "Use active mode (PORT) instead of passive" },
            Flag { long: "passive", short: None, sets: Some("on"), help: "Use passive mode (the default; overrides `passive = no` in the config file)" },
        ], false),
    Setting::new("tls", Kind::Choice { what: "TLS mode", words: TLS_WORDS }, "FTPS: off (plain FTP), explicit (AUTH TLS, as ftps:// URLs) or implicit (TLS from the first byte, port 990 by default)")
        .value("off|explicit|implicit").default("off").at(&[F, K]).flags(&[
            Flag { long: "plain", short: None, sets: Some("off"), help: "Plain FTP, no TLS (overrides `tls = ...` in the config file)" },
            Flag { long: "tls", short: None, sets: Some("explicit"), help: "Explicit FTPS: AUTH TLS, then encrypted control and data (as ftps:// URLs)" },
            Flag { long: "implicit-tls", short: None, sets: Some("implicit"), help: "Implicit FTPS: TLS from the first byte (port 990 by default)" },
        ], true),
    Setting::new("ca-file", Kind::Path, "trust this PEM certificate or CA bundle instead of the system roots: its CAs, and a server certificate that is one of them (a self-signed server's own certificate)")
        .value("PEM").at(&[F, K]),
    Setting::new("insecure", Kind::Switch, "do not check the server's certificate (warned once per host)")
        .default("off").at(&[F]),
    Setting::new("timeout", Kind::Seconds { min: 0.1, max: 3600.0 }, "seconds one read may wait (connecting, replies, transfers); a reply must arrive in full within 3x this, and data must move 1 KiB/s over each 2x this")
        .value("SECS").default("30").at(&[F, K, S]),
    // Each listing is bounded (ftp::fetch's LIMITS), but a tree of many listings each under
    // them could still grow the process without end (a server inventing folders): two
    // million entries is ten times the largest tree measured here (200,000 files, 41 MiB),
    // far below what fills memory.
    Setting::new("max-listed", Kind::Count { min: 1, max: 1_000_000_000 }, "entries the listings of one command (get -r, chmod -R, rm -r) or mirror pass may hold together, and 512 bytes of listing lines per entry: a server tree beyond it stops the command with a message")
        .value("N").default("2000000").at(&[F, K, S]),
    Setting::new("download", Kind::Switch, "the other way: mirror --download REMOTE LOCAL makes LOCAL a copy of REMOTE (polls every 60 s by default)")
        .job(Job::Own(|o, v| { o.download = v.on(); Ok(()) })),
    Setting::new("once", Kind::Switch, "one pass in the foreground; fails if anything failed")
        .job(Job::Own(|o, v| { o.once = v.on(); Ok(()) })),
    Setting::new("dry-run", Kind::Switch, "print the plan, change nothing")
        .job(Job::Own(|o, v| { o.dry_run = v.on(); Ok(()) })),
    Setting::new("no-delete", Kind::Switch, "keep remote files that are gone locally")
        .job(Job::Own(|o, v| { o.delete = !v.on(); Ok(()) })),
    Setting::new("max-delete", Kind::Count { min: 0, max: 1_000_000_000 }, "hold the deletes of a pass that would delete more than N entries (uploads go on)")
        .value("N").job(Job::Own(|o, v| { o.max_delete = Some(v.count()); Ok(()) })),
    Setting::new("allow-mass-delete", Kind::Switch, "run the deletes held by earlier runs over the same state, and hold none of this run's for LOCAL holding no file, a pass deleting every remote file (or 90 % of 10 or more), or LOCAL on another device than at the last pass (unmounted)")
        .job(Job::Own(|o, v| { o.allow_mass_delete = v.on(); Ok(()) })),
    Setting::new("exclude", Kind::Text, "leave matching names (*.tmp, .git) or paths (build/out/*) alone; repeatable")
        .value("GLOB").many().job(Job::Own(|o, v| { o.excludes.push(v.text().to_string()); Ok(()) })),
    Setting::new("exclude-from", Kind::Path, "leave alone what FILE's patterns match, in .gitignore syntax (!negation, dir/, /anchored, **), relative to LOCAL; read at start; repeatable")
        .value("FILE").many().job(Job::Own(|o, v| { o.exclude_from.extend(v.path()); Ok(()) })),
    Setting::new("include", Kind::Text, "mirror only the files matching GLOB (names or paths, as --exclude) or inside a matching folder; folders are always walked; excludes win; repeatable")
        .value("GLOB").many().job(Job::Own(|o, v| { o.includes.push(v.text().to_string()); Ok(()) })),
    Setting::new("backup-dir", Kind::Text, "move remote files a pass would delete or replace to DIR/<UTC time of the pass>/<their path> (RNFR/RNTO) instead; DIR is never mirrored into, and may not be where LOCAL holds something to send")
        .value("DIR").job(Job::Own(|o, v| { o.backup_dir = Some(v.text().to_string()); Ok(()) })),
    Setting::new("max-depth", Kind::Levels { max: crate::mirror::MAX_TREE_DEPTH as u64 }, "how many levels below LOCAL a mirror descends")
        .value("N").default("6").at(&[F, K, S]).job(Job::Inherits(|o, v| { o.max_depth = v.count(); Ok(()) })),
    Setting::new("interval", Kind::Seconds { min: 0.05, max: SECONDS_OF_A_DAY }, "seconds between mirror checks; a download job checks every 60, unless this is given")
        .value("SECS").default("1").at(&[F, K, S]).job(Job::Inherits(|o, v| { o.interval = v.seconds(); Ok(()) })),
    Setting::new("recheck", Kind::WholeSeconds { min: 1, max: 86_400 }, "seconds a live upload job trusts its picture of the remote without a local change: then it lists the remote again, to see another writer's changes")
        .value("SECS").default("300").at(&[F, K, S]).job(Job::Inherits(|o, v| { o.recheck = v.seconds(); Ok(()) })),
    Setting::new("parallel", Kind::Count { min: 0, max: 64 }, "connections a mirror job or a multi-file command (mput, mget, put/get of a glob) uses; 0 counts as 1")
        .value("N").default("4").at(&[F, K, S]).job(Job::Inherits(|o, v| { o.parallel = v.count().max(1); Ok(()) })),
    Setting::new("follow-links", Kind::Switch, "follow symbolic links in LOCAL")
        .job(Job::Own(|o, v| { o.follow_links = v.on(); Ok(()) })),
    Setting::new("no-perms", Kind::Switch, "do not keep permission bits (kept by default: SITE CHMOD where the server's differ)")
        .job(Job::Own(|o, v| { o.perms = !v.on(); Ok(()) })),
    Setting::new("size-only", Kind::Switch, "replace a remote file only when its size differs (servers with unreliable times)")
        .job(Job::Own(|o, v| compare(o, v, Compare::SizeOnly))),
    Setting::new("update", Kind::Switch, "never replace a remote file newer than the local one (or of unknown time and not sent by ftpsh)")
        .job(Job::Own(|o, v| compare(o, v, Compare::Update))),
    Setting::new("ignore-existing", Kind::Switch, "send only files missing on the server, never replace one")
        .job(Job::Own(|o, v| compare(o, v, Compare::IgnoreExisting))),
    Setting::new("limit-rate", Kind::Rate, "keep all transfers together under RATE bytes per second (500K, 2M; K = 1024; off for none)")
        .value("RATE").default("off").at(&[F, K, S])
        .job(Job::Own(|o, v| { o.limit_rate = v.rate(); Ok(()) }))
        .job_help("bytes per second for all the job's connections together (500K, 2M; K = 1024), within the --limit-rate flag's for the whole ftpsh"),
    Setting::new("log", Kind::Path, "the mirror journal: one line per movement (default for every mirror job)")
        .value("FILE").at(&[F, K]).job(Job::Inherits(|o, v| { o.log = v.path(); Ok(()) }))
        .job_help("this job's journal (default: the --log flag)"),
    Setting::new("log-format", Kind::Choice { what: "log format", words: LOG_FORMATS }, "how the journal's lines are written: `text`, or `json` (one object per line)")
        .value("text|json").default("text").at(&[F, K])
        .job(Job::Inherits(|o, v| { o.log_format = v.text().parse()?; Ok(()) }))
        .job_help("this job's journal as `text` lines or as `json`, one object per line (default: the --log-format flag)"),
    Setting::new("on-change", Kind::Text, "after each pass that changed the remote, run CMD (split like a shell, run without one) with the pass in FTPSH_* variables (and no FTPSH_PASSWORD); what it leaves running ends with it; its failure is journaled, the mirror goes on")
        .value("CMD").job(Job::Own(|o, v| { o.on_change = Some(crate::mirror::on_change::OnChange::parse(v.text())?); Ok(()) })),
    Setting::new("debug", Kind::Switch, "show the protocol conversation (PASS masked); with --log, write it to the journal too")
        .default("off").at(&[F, S]),
    Setting::new("verbose", Kind::Switch, "print more: the welcome banner in scripts, each mirror movement")
        .default("off").at(&[F, S]).short('v'),
    Setting::new("quiet", Kind::Switch, "no progress bars")
        .default("off").at(&[F]).short('q'),
];

/// One comparison mode per job: two different ones would contradict each other.
fn compare(options: &mut MirrorOptions, value: &Value, mode: Compare) -> Result<(), String> {
    if !value.on() {
        return Ok(());
    }
    if options.compare != Compare::Exact && options.compare != mode {
        return Err("--size-only, --update and --ignore-existing exclude each other".into());
    }
    options.compare = mode;
    Ok(())
}

/// The setting named `name`.
pub fn find(name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.name == name)
}

/// The settings that may be given at `at`.
pub fn at(at: Where) -> impl Iterator<Item = &'static Setting> {
    SETTINGS.iter().filter(move |s| s.is(at))
}

/// The options of `mirror`, in the order it sets them.
pub fn job_options() -> impl Iterator<Item = &'static Setting> {
    SETTINGS.iter().filter(|s| s.is_job_option())
}
