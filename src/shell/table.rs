//! The one command table: names, aliases, flags, arity, usage and handler of every command.
//! Dispatch, arity errors, completion and `help` all read it.

use std::borrow::Cow;
use std::sync::LazyLock;

use super::state::Shell;
use super::{
    cmd_chmod, cmd_local, cmd_mirror, cmd_remote, cmd_session, cmd_set, cmd_transfer,
    mirror_options,
};
use crate::error::{Error, Result};
use crate::settings::Setting;

/// What the words after the command name are, for completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    Remote,
    Local,
    Command,
    /// A setting's name (`set NAME`)...
    Setting,
    /// ...and a value for the setting named before it.
    SettingValue,
    Other,
}

/// A command line after flag parsing: the single-letter flags and the operands.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub flags: Vec<char>,
    pub args: Vec<String>,
}

impl Invocation {
    pub fn has(&self, flag: char) -> bool {
        self.flags.contains(&flag)
    }
}

pub type Handler = fn(&mut Shell, &Invocation) -> Result<()>;

/// A command's own usage check of its operands, run before anything else.
pub type Check = fn(&[String]) -> Result<()>;

/// Where the help overview lists a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Session,
    Remote,
    Transfer,
    Local,
    Mirror,
}

impl Group {
    /// In the order of the help overview.
    pub const ALL: [Group; 5] = [
        Group::Session,
        Group::Remote,
        Group::Transfer,
        Group::Local,
        Group::Mirror,
    ];
}

/// Whether a command may change what the server holds (completion's cached listings are
/// dropped after one that may).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Reads,
    Changes,
}

/// A long option of a command: `--raw`, `--max-delete N`.
pub struct Opt {
    pub long: &'static str,
    /// The value's name in usage and help (`N`, `GLOB`); `None` for a switch.
    pub value: Option<&'static str>,
    /// May be given more than once (each value counts).
    pub many: bool,
    /// One line for `help` and the man page (wrapped there).
    pub help: Cow<'static, str>,
    pub does: Does,
}

/// What giving an option does.
#[derive(Clone, Copy)]
pub enum Does {
    /// Stands for a single-letter flag of the command (`--raw` is `-R`).
    Flag(char),
    /// Gives a setting (a mirror job's option) the value that follows (a switch: on).
    Setting(&'static Setting),
}

/// A command's long options: written in its row, or made from the settings.
pub enum Options {
    List(&'static [Opt]),
    Made(&'static LazyLock<Vec<Opt>>),
}

impl std::ops::Deref for Options {
    type Target = [Opt];

    fn deref(&self) -> &[Opt] {
        match self {
            Options::List(list) => list,
            Options::Made(made) => made,
        }
    }
}

impl Opt {
    /// A long name for one of the command's single-letter flags.
    pub const fn flag(long: &'static str, flag: char, help: &'static str) -> Opt {
        Opt {
            long,
            value: None,
            many: false,
            help: Cow::Borrowed(help),
            does: Does::Flag(flag),
        }
    }

    /// As typed in a usage line: `--max-delete N`.
    pub fn spelled(&self) -> String {
        match self.value {
            Some(value) => format!("--{} {value}", self.long),
            None => format!("--{}", self.long),
        }
    }
}

pub struct Command {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub group: Group,
    pub effect: Effect,
    /// Accepted single-letter flags; `None` hands every word to the handler untouched.
    pub flags: Option<&'static str>,
    pub min_args: usize,
    pub max_args: Option<usize>,
    /// The completion kind of each operand; the last one repeats.
    pub completes: &'static [ArgKind],
    pub usage: &'static str,
    pub run: Handler,
    /// Words that, first, make another command of it (`mirror status`, `bookmark add`).
    pub subcommands: &'static [&'static str],
    /// Long options (help lists them under `Options:` where its section has that line).
    pub options: Options,
    /// Lines with this command may carry a password: kept out of history.
    pub secret: bool,
    /// A line starting with the name (no space needed) hands the rest of it, `;` and quotes
    /// included, to the command as its one operand (`!ls; pwd`).
    pub rest_of_line: bool,
    /// The command's own usage rules for its operands (mirror's options), checked before
    /// anything runs; `parse` checks flags and counts.
    pub check: Option<Check>,
}

/// One table row: name, aliases, group, effect, flags, operand counts, completion kinds,
/// usage, handler; then any of `subcommands`, `options`, `secret` as `field: value`.
macro_rules! cmd {
    ($name:expr, [$($alias:expr),*], $group:ident, $effect:ident, $flags:expr, $min:expr, $max:expr,
     [$($kind:ident),*], $usage:expr, $run:expr $(, $field:ident: $value:expr)*) => {
        Command {
            $($field: $value,)*
            ..Command {
                name: $name,
                aliases: &[$($alias),*],
                group: Group::$group,
                effect: Effect::$effect,
                flags: $flags,
                min_args: $min,
                max_args: $max,
                completes: &[$(ArgKind::$kind),*],
                usage: $usage,
                run: $run,
                subcommands: &[],
                options: Options::List(&[]),
                secret: false,
                rest_of_line: false,
                check: None,
            }
        }
    };
}

/// Every command, in the order `help` lists them within their group. Adding a command is
/// one row here and its section in help.txt (a test checks both agree).
#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    //   name        aliases                          group     effect   flags         args         operands         usage                                            handler
    cmd!("open",     [],                              Session,  Changes, Some(""),     1, Some(1),  [Other],         "open URL|HOST[:PORT]|BOOKMARK",                  cmd_session::open),
    cmd!("bookmark", [],                              Session,  Changes, None,         1, Some(3),  [Other],         "bookmark add NAME [URL] | bookmark list | bookmark del NAME", cmd_session::bookmark,
         subcommands: &["add", "list", "del"]),
    cmd!("close",    ["disconnect"],                  Session,  Changes, Some(""),     0, Some(0),  [],              "close",                                          cmd_session::close),
    cmd!("user",     [],                              Session,  Changes, Some(""),     1, Some(2),  [Other],         "user NAME [PASSWORD]",                           cmd_session::user, secret: true),
    cmd!("pwd",      [],                              Remote,   Reads,   Some(""),     0, Some(0),  [],              "pwd",                                            cmd_remote::pwd),
    cmd!("cd",       ["cwd"],                         Remote,   Reads,   Some(""),     1, Some(1),  [Remote],        "cd DIR|-",                                       cmd_remote::cd),
    cmd!("cdup",     [],                              Remote,   Reads,   Some(""),     0, Some(0),  [],              "cdup",                                           cmd_remote::cdup),
    cmd!("ls",       ["list", "dir"],                 Remote,   Reads,   Some("lahtSR"), 0, Some(1), [Remote],       "ls [-l] [-a] [-h] [-t|-S] [--raw] [PATH]",       cmd_remote::ls,
         options: Options::List(&[Opt::flag("raw", 'R', "print the server's own LIST lines")])),
    cmd!("nlst",     [],                              Remote,   Reads,   Some(""),     0, Some(1),  [Remote],        "nlst [PATH]",                                    cmd_remote::nlst),
    cmd!("mkdir",    ["mkd"],                         Remote,   Changes, Some("p"),    1, None,     [Remote],        "mkdir [-p] DIR...",                              cmd_remote::mkdir),
    cmd!("rmdir",    ["rmd"],                         Remote,   Changes, Some(""),     1, None,     [Remote],        "rmdir DIR...",                                   cmd_remote::rmdir),
    cmd!("rm",       ["dele", "delete", "mdelete"],   Remote,   Changes, Some("rf"),   1, None,     [Remote],        "rm [-r] [-f] PATH...",                           cmd_remote::rm),
    cmd!("chmod",    [],                              Remote,   Changes, Some("R"),    2, None,     [Other, Remote], "chmod [-R] MODE PATH...",                        cmd_chmod::chmod),
    cmd!("rnfr",     [],                              Remote,   Changes, Some(""),     1, Some(1),  [Remote],        "rnfr FROM",                                      cmd_remote::rnfr),
    cmd!("rnto",     [],                              Remote,   Changes, Some(""),     1, Some(1),  [Remote],        "rnto TO",                                        cmd_remote::rnto),
    cmd!("rename",   [],                              Remote,   Changes, Some(""),     2, Some(2),  [Remote],        "rename FROM TO",                                 cmd_remote::rename),
    cmd!("mv",       ["move"],                        Remote,   Changes, Some(""),     2, None,     [Remote],        "mv SRC... DEST",                                 cmd_remote::mv),
    cmd!("size",     [],                              Remote,   Reads,   Some(""),     1, None,     [Remote],        "size FILE...",                                   cmd_remote::size),
    cmd!("mdtm",     ["modtime"],                     Remote,   Reads,   Some(""),     1, None,     [Remote],        "mdtm FILE...",                                   cmd_remote::mdtm),
    cmd!("touch",    [],                              Remote,   Changes, Some(""),     1, None,     [Remote],        "touch FILE...",                                  cmd_remote::touch),
    cmd!("put",      ["stor", "send"],                Transfer, Changes, Some("rc"),   1, Some(2),  [Local, Remote], "put [-r] [-c] LOCAL [REMOTE]",                   cmd_transfer::put),
    cmd!("get",      ["retr", "recv"],                Transfer, Reads,   Some("rc"),   1, Some(2),  [Remote, Local], "get [-r] [-c] REMOTE [LOCAL]",                   cmd_transfer::get),
    cmd!("mput",     [],                              Transfer, Changes, Some("rc"),   1, None,     [Local],         "mput [-r] [-c] PATTERN...",                      cmd_transfer::mput),
    cmd!("mget",     [],                              Transfer, Reads,   Some("rc"),   1, None,     [Remote],        "mget [-r] [-c] PATTERN...",                      cmd_transfer::mget),
    cmd!("cat",      [],                              Transfer, Reads,   Some(""),     1, None,     [Remote],        "cat FILE...",                                    cmd_transfer::cat),
    cmd!("lcd",      [],                              Local,    Reads,   Some(""),     0, Some(1),  [Local],         "lcd [DIR]",                                      cmd_local::lcd),
    cmd!("lpwd",     [],                              Local,    Reads,   Some(""),     0, Some(0),  [],              "lpwd",                                           cmd_local::lpwd),
    cmd!("lls",      [],                              Local,    Reads,   Some("la"),   0, Some(1),  [Local],         "lls [-l] [-a] [DIR]",                            cmd_local::lls),
    cmd!("!",        ["shell"],                       Local,    Reads,   None,         0, None,     [Local],         "! [COMMAND]",                                    cmd_local::shell_escape, rest_of_line: true),
    cmd!("mirror",   [],                              Mirror,   Changes, None,         1, None,     [Local, Remote], "mirror [OPTS] LOCAL REMOTE | mirror status [--json] | mirror stop [N] | mirror confirm N", cmd_mirror::mirror,
         subcommands: &["status", "stop", "confirm"], options: Options::Made(&mirror_options::OPTIONS), check: Some(cmd_mirror::check)),
    cmd!("jobs",     [],                              Mirror,   Reads,   Some(""),     0, Some(0),  [],              "jobs",                                           cmd_mirror::jobs),
    cmd!("quote",    ["raw"],                         Session,  Changes, None,         1, None,     [Other],         "quote COMMAND [ARGS...]",                        cmd_session::quote, secret: true),
    cmd!("site",     [],                              Session,  Changes, None,         1, None,     [Other],         "site ARGS...",                                   cmd_session::site),
    cmd!("binary",   ["bin", "image"],                Session,  Reads,   Some(""),     0, Some(0),  [],              "binary",                                         cmd_session::binary),
    cmd!("ascii",    [],                              Session,  Reads,   Some(""),     0, Some(0),  [],              "ascii",                                          cmd_session::ascii),
    cmd!("passive",  [],                              Session,  Reads,   Some(""),     0, Some(1),  [Other],         "passive [on|off]",                               cmd_session::passive),
    cmd!("debug",    [],                              Session,  Reads,   Some(""),     0, Some(1),  [Other],         "debug [on|off]",                                 cmd_session::debug),
    cmd!("set",      [],                              Session,  Reads,   Some(""),     0, Some(2),  [Setting, SettingValue], "set [NAME [VALUE]]",                cmd_set::set),
    cmd!("help",     ["?"],                           Session,  Reads,   Some(""),     0, Some(1),  [Command],       "help [COMMAND]",                                 cmd_session::help),
    cmd!("quit",     ["bye", "exit"],                 Session,  Changes, Some(""),     0, Some(0),  [],              "quit",                                           cmd_session::quit),
];

/// Finds a command by name or alias.
pub fn find(word: &str) -> Option<&'static Command> {
    COMMANDS
        .iter()
        .find(|c| c.name == word || c.aliases.contains(&word))
}

/// The command `word` names, or a usage error saying it names none, with the closest name
/// (`mirrorr: unknown command; did you mean mirror?`).
pub fn find_or_suggest(word: &str) -> Result<&'static Command> {
    find(word).ok_or_else(|| {
        let mean = closest(word, all_names())
            .map_or_else(String::new, |name| format!("; did you mean {name}?"));
        Error::usage(format!(
            "{}: unknown command{mean} (type help for the list)",
            crate::escape::escape(word)
        ))
    })
}

/// The candidate most like `word`, if any is like it enough: Jaro similarity above 0.7, the
/// rule clap's own "did you mean" uses for flags.
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::jaro(word, c), c))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// The command that takes the rest of `line` whole (`!`), and that rest, trimmed.
pub fn rest_of_line(line: &str) -> Option<(&'static Command, &str)> {
    let line = line.trim_start();
    COMMANDS
        .iter()
        .filter(|c| c.rest_of_line)
        .find_map(|c| Some((c, line.strip_prefix(c.name)?.trim())))
}

/// Every name and alias, for completion.
pub fn all_names() -> impl Iterator<Item = &'static str> {
    COMMANDS
        .iter()
        .flat_map(|c| std::iter::once(c.name).chain(c.aliases.iter().copied()))
}

impl Command {
    /// Splits leading `-x` flags from operands and checks the operand count.
    pub fn parse(&self, words: &[String]) -> Result<Invocation> {
        let Some(allowed) = self.flags else {
            return self.check_arity(Invocation {
                flags: Vec::new(),
                args: words.to_vec(),
            });
        };
        let mut invocation = Invocation::default();
        let mut rest = words.iter();
        for word in rest.by_ref() {
            if word == "--" {
                break;
            }
            let is_flag = word.len() > 1 && word.starts_with('-');
            if !is_flag {
                invocation.args.push(word.clone());
                break;
            }
            if let Some(long) = word.strip_prefix("--") {
                let flag = self
                    .options
                    .iter()
                    .find_map(|o| match o.does {
                        Does::Flag(flag) if o.long == long => Some(flag),
                        _ => None,
                    })
                    .ok_or_else(|| {
                        let longs = self.options.iter().map(|o| o.long);
                        let mean = closest(long, longs)
                            .map_or_else(String::new, |o| format!("; did you mean --{o}?"));
                        Error::usage(format!(
                            "{}: unknown option --{long}{mean}\nusage: {}",
                            self.name, self.usage
                        ))
                    })?;
                invocation.flags.push(flag);
                continue;
            }
            for flag in word[1..].chars() {
                if !allowed.contains(flag) {
                    return Err(Error::usage(format!(
                        "{}: unknown option -{flag}\nusage: {}",
                        self.name, self.usage
                    )));
                }
                invocation.flags.push(flag);
            }
        }
        invocation.args.extend(rest.cloned());
        self.check_arity(invocation)
    }

    fn check_arity(&self, invocation: Invocation) -> Result<Invocation> {
        let n = invocation.args.len();
        let too_few = n < self.min_args;
        let too_many = self.max_args.is_some_and(|max| n > max);
        if too_few || too_many {
            let problem = if too_few {
                "missing argument"
            } else {
                "too many arguments"
            };
            return Err(Error::usage(format!(
                "{}: {problem}\nusage: {}",
                self.name, self.usage
            )));
        }
        Ok(invocation)
    }

    /// Whether it may change what the server holds.
    pub fn changes_server(&self) -> bool {
        self.effect == Effect::Changes
    }

    /// The completion kind of operand number `index` (0-based).
    pub fn arg_kind(&self, index: usize) -> ArgKind {
        self.completes
            .get(index)
            .or(self.completes.last())
            .copied()
            .unwrap_or(ArgKind::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn names_and_aliases_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for name in all_names() {
            assert!(seen.insert(name), "{name} appears twice in the table");
        }
    }

    /// A long option standing for a flag stands for one the command accepts; an option
    /// setting a mirror job's belongs to a command whose words go to its handler whole.
    #[test]
    fn long_options_fit_their_command() {
        for command in COMMANDS {
            for option in command.options.iter() {
                match option.does {
                    Does::Flag(flag) => assert!(
                        command.flags.is_some_and(|f| f.contains(flag)),
                        "{} --{} stands for -{flag}, which it does not take",
                        command.name,
                        option.long
                    ),
                    Does::Setting(_) => assert!(command.flags.is_none(), "{}", command.name),
                }
            }
        }
    }

    #[test]
    fn seed_verbs_and_everyday_words_both_resolve() {
        let pairs = [
            ("cwd", "cd"),
            ("list", "ls"),
            ("dir", "ls"),
            ("mkd", "mkdir"),
            ("rmd", "rmdir"),
            ("dele", "rm"),
            ("delete", "rm"),
            ("stor", "put"),
            ("retr", "get"),
            ("modtime", "mdtm"),
            ("bye", "quit"),
            ("exit", "quit"),
        ];
        for (alias, name) in pairs {
            assert_eq!(find(alias).map(|c| c.name), Some(name), "{alias}");
        }
        assert!(find("frobnicate").is_none());
    }

    /// A flag the table accepts is one the usage line (and so help.txt, whose section starts
    /// with it, and the man page) shows, as `-x` or by its long name: `put -c` cannot be
    /// added in silence.
    #[test]
    fn every_flag_is_in_the_usage_line() {
        for command in COMMANDS {
            for flag in command.flags.unwrap_or("").chars() {
                let long = command.options.iter().find_map(|o| match o.does {
                    Does::Flag(f) if f == flag => Some(o.spelled()),
                    _ => None,
                });
                let shown = command
                    .usage
                    .split(|c: char| c == '[' || c == ']' || c == '|' || c.is_whitespace())
                    .any(|w| match w.strip_prefix("--") {
                        Some(_) => long.as_deref() == Some(w),
                        None => w.strip_prefix('-').is_some_and(|f| f.contains(flag)),
                    });
                assert!(
                    shown,
                    "{}: -{flag} is not in {:?}",
                    command.name, command.usage
                );
            }
        }
    }

    #[test]
    fn flags_and_arity() {
        let mkdir = find("mkdir").unwrap();
        let inv = mkdir.parse(&words("-p a/b c")).unwrap();
        assert_eq!(inv.flags, vec!['p']);
        assert_eq!(inv.args, words("a/b c"));
        assert!(mkdir.parse(&words("-x a")).is_err());
        assert!(mkdir.parse(&[]).is_err());

        let rm = find("rm").unwrap();
        let inv = rm.parse(&words("-- -weird")).unwrap();
        assert_eq!((inv.flags.len(), inv.args), (0, words("-weird")));
        let inv = rm.parse(&words("-rf d")).unwrap();
        assert_eq!(inv.flags, vec!['r', 'f']);

        let ls = find("ls").unwrap();
        let inv = ls.parse(&words("-lh --raw /x")).unwrap();
        assert_eq!((inv.flags, inv.args), (vec!['l', 'h', 'R'], words("/x")));
        assert!(ls.parse(&words("--bogus")).is_err());

        let rename = find("rename").unwrap();
        assert!(rename.parse(&words("a")).is_err());
        assert!(rename.parse(&words("a b c")).is_err());
        assert!(rename.parse(&words("a b")).is_ok());

        let quote = find("quote").unwrap();
        let inv = quote.parse(&words("SITE -x a")).unwrap();
        assert_eq!(inv.args, words("SITE -x a"));
    }

    #[test]
    fn the_rest_of_a_bang_line_is_one_operand() {
        let (command, rest) = rest_of_line("  !ls -l; echo 'a b'").unwrap();
        assert_eq!((command.name, rest), ("!", "ls -l; echo 'a b'"));
        assert_eq!(rest_of_line("!").map(|(_, r)| r), Some(""));
        assert!(rest_of_line("ls; !x").is_none());
        assert!(rest_of_line("shell ls").is_none());
    }

    #[test]
    fn completion_kinds_follow_operands() {
        let put = find("put").unwrap();
        assert_eq!(put.arg_kind(0), ArgKind::Local);
        assert_eq!(put.arg_kind(1), ArgKind::Remote);
        assert_eq!(find("pwd").unwrap().arg_kind(0), ArgKind::Other);
    }
}
