//! The one command table: names, aliases, flags, arity, usage and handler of every command.
//! Dispatch, arity errors, completion and `help` all read it.

use super::state::Shell;
use super::{cmd_chmod, cmd_local, cmd_mirror, cmd_remote, cmd_session, cmd_transfer};
use crate::error::{Error, Result};

/// What the words after the command name are, for completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    Remote,
    Local,
    Command,
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

pub struct Command {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    /// Accepted single-letter flags; `None` hands every word to the handler untouched.
    pub flags: Option<&'static str>,
    pub min_args: usize,
    pub max_args: Option<usize>,
    pub usage: &'static str,
    /// The completion kind of each operand; the last one repeats.
    pub completes: &'static [ArgKind],
    /// Lines with this command may carry a password: kept out of history.
    pub secret: bool,
    /// Long options, each standing for one of the single-letter flags (`--raw` → 'R').
    pub long_flags: &'static [(&'static str, char)],
    pub run: Handler,
}

macro_rules! cmd {
    ($name:expr, [$($alias:expr),*], $flags:expr, $min:expr, $max:expr, $usage:expr, [$($kind:ident),*], $run:expr) => {
        Command {
            name: $name,
            aliases: &[$($alias),*],
            flags: $flags,
            min_args: $min,
            max_args: $max,
            usage: $usage,
            completes: &[$(ArgKind::$kind),*],
            secret: false,
            long_flags: &[],
            run: $run,
        }
    };
}

pub static COMMANDS: &[Command] = &[
    cmd!(
        "open",
        [],
        Some(""),
        1,
        Some(1),
        "open URL|HOST[:PORT]|BOOKMARK",
        [Other],
        cmd_session::open
    ),
    cmd!(
        "bookmark",
        [],
        None,
        1,
        Some(3),
        "bookmark add NAME [URL] | bookmark list | bookmark del NAME",
        [Other],
        cmd_session::bookmark
    ),
    cmd!(
        "close",
        ["disconnect"],
        Some(""),
        0,
        Some(0),
        "close",
        [],
        cmd_session::close
    ),
    Command {
        secret: true,
        ..cmd!(
            "user",
            [],
            Some(""),
            1,
            Some(2),
            "user NAME [PASSWORD]",
            [Other],
            cmd_session::user
        )
    },
    cmd!("pwd", [], Some(""), 0, Some(0), "pwd", [], cmd_remote::pwd),
    cmd!(
        "cd",
        ["cwd"],
        Some(""),
        1,
        Some(1),
        "cd DIR|-",
        [Remote],
        cmd_remote::cd
    ),
    cmd!(
        "cdup",
        [],
        Some(""),
        0,
        Some(0),
        "cdup",
        [],
        cmd_remote::cdup
    ),
    Command {
        long_flags: &[("raw", 'R')],
        ..cmd!(
            "ls",
            ["list", "dir"],
            Some("lahtSR"),
            0,
            Some(1),
            "ls [-l] [-a] [-h] [-t|-S] [--raw] [PATH]",
            [Remote],
            cmd_remote::ls
        )
    },
    cmd!(
        "nlst",
        [],
        Some(""),
        0,
        Some(1),
        "nlst [PATH]",
        [Remote],
        cmd_remote::nlst
    ),
    cmd!(
        "mkdir",
        ["mkd"],
        Some("p"),
        1,
        None,
        "mkdir [-p] DIR...",
        [Remote],
        cmd_remote::mkdir
    ),
    cmd!(
        "rmdir",
        ["rmd"],
        Some(""),
        1,
        None,
        "rmdir DIR...",
        [Remote],
        cmd_remote::rmdir
    ),
    cmd!(
        "rm",
        ["dele", "delete", "mdelete"],
        Some("rf"),
        1,
        None,
        "rm [-r] [-f] PATH...",
        [Remote],
        cmd_remote::rm
    ),
    cmd!(
        "chmod",
        [],
        Some("R"),
        2,
        None,
        "chmod [-R] MODE PATH...",
        [Other, Remote],
        cmd_chmod::chmod
    ),
    cmd!(
        "rnfr",
        [],
        Some(""),
        1,
        Some(1),
        "rnfr FROM",
        [Remote],
        cmd_remote::rnfr
    ),
    cmd!(
        "rnto",
        [],
        Some(""),
        1,
        Some(1),
        "rnto TO",
        [Remote],
        cmd_remote::rnto
    ),
    cmd!(
        "rename",
        [],
        Some(""),
        2,
        Some(2),
        "rename FROM TO",
        [Remote],
        cmd_remote::rename
    ),
    cmd!(
        "mv",
        ["move"],
        Some(""),
        2,
        None,
        "mv SRC... DEST",
        [Remote],
        cmd_remote::mv
    ),
    cmd!(
        "size",
        [],
        Some(""),
        1,
        None,
        "size FILE...",
        [Remote],
        cmd_remote::size
    ),
    cmd!(
        "mdtm",
        ["modtime"],
        Some(""),
        1,
        None,
        "mdtm FILE...",
        [Remote],
        cmd_remote::mdtm
    ),
    cmd!(
        "touch",
        [],
        Some(""),
        1,
        None,
        "touch FILE...",
        [Remote],
        cmd_remote::touch
    ),
    cmd!(
        "put",
        ["stor", "send"],
        Some("r"),
        1,
        Some(2),
        "put [-r] LOCAL [REMOTE]",
        [Local, Remote],
        cmd_transfer::put
    ),
    cmd!(
        "mput",
        [],
        Some("r"),
        1,
        None,
        "mput [-r] PATTERN...",
        [Local],
        cmd_transfer::mput
    ),
    cmd!(
        "get",
        ["retr", "recv"],
        Some("rc"),
        1,
        Some(2),
        "get [-r] [-c] REMOTE [LOCAL]",
        [Remote, Local],
        cmd_transfer::get
    ),
    cmd!(
        "mget",
        [],
        Some("rc"),
        1,
        None,
        "mget [-r] [-c] PATTERN...",
        [Remote],
        cmd_transfer::mget
    ),
    cmd!(
        "cat",
        [],
        Some(""),
        1,
        None,
        "cat FILE...",
        [Remote],
        cmd_transfer::cat
    ),
    cmd!(
        "!",
        ["shell"],
        None,
        0,
        None,
        "! [COMMAND]",
        [Local],
        cmd_local::shell_escape
    ),
    cmd!(
        "lcd",
        [],
        Some(""),
        0,
        Some(1),
        "lcd [DIR]",
        [Local],
        cmd_local::lcd
    ),
    cmd!(
        "lpwd",
        [],
        Some(""),
        0,
        Some(0),
        "lpwd",
        [],
        cmd_local::lpwd
    ),
    cmd!(
        "lls",
        [],
        Some("la"),
        0,
        Some(1),
        "lls [DIR]",
        [Local],
        cmd_local::lls
    ),
    cmd!(
        "mirror",
        [],
        None,
        1,
        None,
        "mirror [OPTIONS] LOCAL REMOTE | mirror status | mirror stop [ID|all]",
        [Local, Remote],
        cmd_mirror::mirror
    ),
    cmd!(
        "jobs",
        [],
        Some(""),
        0,
        Some(0),
        "jobs",
        [],
        cmd_mirror::jobs
    ),
    Command {
        secret: true,
        ..cmd!(
            "quote",
            ["raw"],
            None,
            1,
            None,
            "quote COMMAND [ARGS...]",
            [Other],
            cmd_session::quote
        )
    },
    cmd!(
        "site",
        [],
        None,
        1,
        None,
        "site ARGS...",
        [Other],
        cmd_session::site
    ),
    cmd!(
        "binary",
        ["bin", "image"],
        Some(""),
        0,
        Some(0),
        "binary",
        [],
        cmd_session::binary
    ),
    cmd!(
        "ascii",
        [],
        Some(""),
        0,
        Some(0),
        "ascii",
        [],
        cmd_session::ascii
    ),
    cmd!(
        "passive",
        [],
        Some(""),
        0,
        Some(1),
        "passive [on|off]",
        [Other],
        cmd_session::passive
    ),
    cmd!(
        "debug",
        [],
        Some(""),
        0,
        Some(1),
        "debug [on|off]",
        [Other],
        cmd_session::debug
    ),
    cmd!(
        "help",
        ["?"],
        Some(""),
        0,
        Some(1),
        "help [COMMAND]",
        [Command],
        cmd_session::help
    ),
    cmd!(
        "quit",
        ["bye", "exit"],
        Some(""),
        0,
        Some(0),
        "quit",
        [],
        cmd_session::quit
    ),
];

/// Finds a command by name or alias.
pub fn find(word: &str) -> Option<&'static Command> {
    COMMANDS
        .iter()
        .find(|c| c.name == word || c.aliases.contains(&word))
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
                    .long_flags
                    .iter()
                    .find(|(name, _)| *name == long)
                    .map(|(_, flag)| *flag)
                    .ok_or_else(|| {
                        Error::usage(format!(
                            "{}: unknown option --{long}\nusage: {}",
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
    fn completion_kinds_follow_operands() {
        let put = find("put").unwrap();
        assert_eq!(put.arg_kind(0), ArgKind::Local);
        assert_eq!(put.arg_kind(1), ArgKind::Remote);
        assert_eq!(find("pwd").unwrap().arg_kind(0), ArgKind::Other);
    }
}
