//! Tab completion: command names, option names, local paths, and remote paths from a
//! per-directory cache of listings, fetched with a short timeout so a slow server never
//! freezes the prompt.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use super::table::{self, ArgKind};
use crate::escape::{escape as escape_text, has_controls};
use crate::ftp::listing::EntryKind;
use crate::ftp::{Session, path};
use crate::settings::{Where, defs};

/// Longest a completion waits for a listing before giving up (no candidates).
const LIST_WAIT: Duration = Duration::from_secs(2);
/// A cached listing older than this is fetched again (a mirror job may change the server).
const CACHE_TTL: Duration = Duration::from_secs(30);
/// What completion may use between two prompts: the shell lends its session while the
/// line editor waits for keys, and takes it back before running the line.
#[derive(Default)]
pub struct Remote {
    session: Option<Session>,
    cwd: String,
    cache: HashMap<String, (Instant, Vec<(String, bool)>)>,
    /// A listing broke the connection: the shell reconnects before the next command.
    pub broke: bool,
}

impl Remote {
    pub fn lend(&mut self, session: Option<Session>, cwd: &str) {
        self.session = session;
        self.cwd = cwd.to_string();
        self.broke = false;
    }

    pub fn take(&mut self) -> Option<Session> {
        self.session.take()
    }

    /// Forgets cached listings after a line that may have changed the server.
    pub fn after_line(&mut self, words: &[String]) {
        if table::find(&words[0]).is_none_or(table::Command::changes_server) {
            self.cache.clear();
        }
    }

    /// Names in remote `dir` (relative to the working directory), directories flagged.
    fn names(&mut self, dir: &str) -> Vec<(String, bool)> {
        let absolute = path::join(if self.cwd.is_empty() { "." } else { &self.cwd }, dir);
        if let Some((when, names)) = self.cache.get(&absolute)
            && when.elapsed() < CACHE_TTL
        {
            return names.clone();
        }
        let Some(mut session) = self.session.take() else {
            return Vec::new();
        };
        // The listing runs on its own thread, so the prompt waits LIST_WAIT at most in all,
        // even for a listing that trickles in (each read alone has the same bound).
        let (sender, receiver) = std::sync::mpsc::channel();
        let dir = absolute.clone();
        std::thread::spawn(move || {
            session.set_timeout(LIST_WAIT);
            // Completion offers what it could read; a line it could not is no name to offer.
            let listed = session.listing(&dir).map(|l| l.entries);
            session.reset_timeout();
            let _ = sender.send((session, listed));
        });
        let Ok((session, listed)) = receiver.recv_timeout(LIST_WAIT) else {
            // The connection stays with the listing; the next command opens a new one.
            self.broke = true;
            return Vec::new();
        };
        self.session = Some(session);
        match listed {
            Ok(entries) => {
                let names: Vec<(String, bool)> = entries
                    .into_iter()
                    // A name with controls would be drawn raw on the line being edited:
                    // not offered (`ls` shows it escaped; a glob can still reach it).
                    .filter(|e| {
                        path::safe_local_component(&e.name).is_ok() && !has_controls(&e.name)
                    })
                    .map(|e| (e.name, e.kind == EntryKind::Dir))
                    .collect();
                self.cache.insert(absolute, (Instant::now(), names.clone()));
                names
            }
            Err(err) => {
                // A timed-out reply may still arrive later: the connection is not trusted.
                self.broke |= err.is_connection_lost();
                Vec::new()
            }
        }
    }
}

pub struct ShellHelper {
    files: FilenameCompleter,
    pub remote: Arc<Mutex<Remote>>,
}

impl ShellHelper {
    pub fn new() -> ShellHelper {
        ShellHelper {
            files: FilenameCompleter::new(),
            remote: Arc::new(Mutex::new(Remote::default())),
        }
    }
}

/// The start and the text (unescaped, without an opening quote) of the word being typed.
fn current_word(before: &str) -> (usize, String) {
    let start = super::split::bare_chars(before)
        .filter(|&(_, c)| c.is_whitespace() || c == ';')
        .last()
        .map_or(0, |(i, c)| i + c.len_utf8());
    let raw = &before[start..];
    let mut word = String::new();
    let mut chars = raw.trim_start_matches(['\'', '"']).chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => word.extend(chars.next()),
            '\'' | '"' => {}
            c => word.push(c),
        }
    }
    (start, word)
}

/// A name as it must be typed: shell-special characters escaped with a backslash.
fn escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_whitespace() || "'\"\\;#$`*?[]()&|<>".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let (start, word) = current_word(before);
        // The words of the current command (after the last `;`), before the one being typed.
        let command_start = before[..start].rfind(';').map_or(0, |i| i + 1);
        let earlier: Vec<&str> = before[command_start..start].split_whitespace().collect();
        let Some(&name) = earlier.first() else {
            let mut names: Vec<Pair> = table::all_names()
                .filter(|n| n.starts_with(word.as_str()))
                .map(|n| pair(n, format!("{n} ")))
                .collect();
            names.sort_by(|a, b| a.display.cmp(&b.display));
            return Ok((start, names));
        };
        let Some(command) = table::find(name) else {
            return Ok((pos, Vec::new()));
        };
        if word.starts_with('-') {
            let options = option_names(command);
            let found = options
                .into_iter()
                .filter(|o| o.starts_with(word.as_str()))
                .map(|o| pair(&o, format!("{o} ")))
                .collect();
            return Ok((start, found));
        }
        let operand = operand_index(command, &earlier[1..]);
        if let Some(found) = setting_words(command.arg_kind(operand), &earlier[1..], &word) {
            return Ok((start, found));
        }
        let (found_start, mut found) = self.operand(command, operand, line, pos, start, &word)?;
        // `mirror st` → status, stop; `bookmark ` → add, list, del: before any path.
        let kind = command.arg_kind(operand);
        if operand == 0 && found_start == start && (kind == ArgKind::Other || !word.is_empty()) {
            let subcommands = command.subcommands.iter().filter(|s| s.starts_with(&word));
            let subcommands: Vec<Pair> = subcommands.map(|s| pair(s, format!("{s} "))).collect();
            found.splice(0..0, subcommands);
        }
        Ok((found_start, found))
    }
}

impl ShellHelper {
    /// Candidates for operand number `operand` of `command`, by its kind.
    fn operand(
        &self,
        command: &table::Command,
        operand: usize,
        line: &str,
        pos: usize,
        start: usize,
        word: &str,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        match command.arg_kind(operand) {
            ArgKind::Local => {
                // Local names may come from a server (a `get` of a hostile name): the same
                // rule as for remote ones.
                let (start, found) = self.files.complete_path(line, pos)?;
                let safe = found
                    .into_iter()
                    .filter(|p| !has_controls(&p.replacement))
                    .map(|p| pair(&escape_text(&p.display), p.replacement))
                    .collect();
                Ok((start, safe))
            }
            ArgKind::Command => Ok((
                start,
                table::COMMANDS
                    .iter()
                    .filter(|c| c.name.starts_with(word))
                    .map(|c| pair(c.name, c.name.to_string()))
                    .collect(),
            )),
            ArgKind::Remote => {
                let (dir, prefix) = match word.rfind('/') {
                    Some(i) => (&word[..=i], &word[i + 1..]),
                    None => ("", word),
                };
                let names = match self.remote.lock() {
                    Ok(mut remote) => remote.names(dir),
                    Err(_) => Vec::new(),
                };
                let mut found: Vec<Pair> = names
                    .into_iter()
                    .filter(|(n, _)| n.starts_with(prefix))
                    .map(|(n, is_dir)| {
                        // Bytes that are not UTF-8 listed as `\xHH`; the line gets the name
                        // itself, which goes back to the server byte for byte.
                        let shown = escape_text(&n).into_owned() + if is_dir { "/" } else { "" };
                        let typed = format!("{}{}", escape(dir), escape(&n));
                        let replacement = if is_dir {
                            format!("{typed}/")
                        } else {
                            format!("{typed} ")
                        };
                        pair(&shown, replacement)
                    })
                    .collect();
                found.sort_by(|a, b| a.display.cmp(&b.display));
                Ok((start, found))
            }
            ArgKind::Other | ArgKind::Setting | ArgKind::SettingValue => Ok((start, Vec::new())),
        }
    }
}

/// `set NAME VALUE`: the names of the settings `set` changes, then the words the named
/// one's value may be (on/off, a choice); `None` for any other operand.
fn setting_words(kind: ArgKind, operands: &[&str], word: &str) -> Option<Vec<Pair>> {
    let words: Vec<&str> = match kind {
        ArgKind::Setting => defs::at(Where::Set).map(|s| s.name).collect(),
        ArgKind::SettingValue => defs::find(operands.first()?)?.kind.words(),
        _ => return None,
    };
    let found = words.into_iter().filter(|w| w.starts_with(word));
    Some(found.map(|w| pair(w, format!("{w} "))).collect())
}

fn pair(display: &str, replacement: String) -> Pair {
    Pair {
        display: display.to_string(),
        replacement,
    }
}

/// Which operand the next word is, after `words`: options are no operands, and neither is
/// the value of an option that takes one (`mirror --max-delete 3 sr` completes LOCAL).
fn operand_index(command: &table::Command, words: &[&str]) -> usize {
    let mut operands = 0;
    let mut words = words.iter();
    while let Some(word) = words.next() {
        let Some(long) = word.strip_prefix("--") else {
            operands += usize::from(!word.starts_with('-'));
            continue;
        };
        let takes_value = command
            .options
            .iter()
            .any(|o| o.long == long && o.value.is_some());
        if takes_value {
            words.next();
        }
    }
    operands
}

/// The options a command takes, as typed: `-p`, `--raw`, `--max-delete`.
fn option_names(command: &table::Command) -> Vec<String> {
    let short = command.flags.unwrap_or("").chars().map(|c| format!("-{c}"));
    let long = command.options.iter().map(|o| format!("--{}", o.long));
    short.chain(long).collect()
}

impl Hinter for ShellHelper {
    type Hint = String;
}
impl Highlighter for ShellHelper {}
impl Validator for ShellHelper {}
impl Helper for ShellHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_word_is_unescaped_and_unquoted() {
        let cases = [
            ("get a", 4, "a"),
            ("get my\\ fi", 4, "my fi"),
            ("get 'my fi", 4, "my fi"),
            ("ls; get dir/x", 8, "dir/x"),
            ("get ", 4, ""),
        ];
        for (before, start, word) in cases {
            assert_eq!(current_word(before), (start, word.to_string()), "{before}");
        }
    }

    /// The table says which commands change the server: after those, and after an unknown
    /// word, cached listings are dropped; after the others they are kept.
    #[test]
    fn listings_are_forgotten_after_a_command_that_changes_the_server() {
        let cached = |line: &str| {
            let mut remote = Remote::default();
            remote
                .cache
                .insert("/".into(), (Instant::now(), vec![("a".into(), false)]));
            let words: Vec<String> = line.split_whitespace().map(String::from).collect();
            remote.after_line(&words);
            !remote.cache.is_empty()
        };
        for line in [
            "ls", "dir /x", "get a", "cd /", "cat a", "help", "jobs", "lls",
        ] {
            assert!(cached(line), "{line}");
        }
        let changing = [
            "mkdir x",
            "mkd x",
            "put a",
            "rm a",
            "rename a b",
            "rnto b",
            "touch a",
            "mirror a b",
            "site chmod",
            "quote DELE a",
            "open h",
            "frobnicate",
        ];
        for line in changing {
            assert!(!cached(line), "{line}");
        }
    }

    /// `set ` completes the names of the settings `set` changes, `set passive ` on and off,
    /// from the settings' definitions; other commands' operands are not settings.
    #[test]
    fn set_completes_setting_names_then_values() {
        let set = table::find("set").unwrap();
        let shown = |operands: &[&str], word: &str| -> Vec<String> {
            let kind = set.arg_kind(operand_index(set, operands));
            let found = setting_words(kind, operands, word).unwrap();
            found.into_iter().map(|p| p.display).collect()
        };
        assert_eq!(shown(&[], "pa"), ["passive", "parallel"]);
        assert_eq!(shown(&[], "limit"), ["limit-rate"]);
        assert!(shown(&[], "tl").is_empty(), "tls is not changed by set");
        assert_eq!(shown(&["passive"], ""), ["on", "off"]);
        assert!(shown(&["timeout"], "").is_empty());
        let ls = table::find("ls").unwrap();
        assert!(setting_words(ls.arg_kind(0), &[], "").is_none());
    }

    #[test]
    fn option_values_are_no_operands() {
        let mirror = table::find("mirror").unwrap();
        let cases: &[(&[&str], usize)] = &[
            (&[], 0),
            (&["--once"], 0),
            (&["--max-delete", "3"], 0),
            (&["--max-delete=3"], 0),
            (&["--exclude", "a", "--exclude", "b", "src"], 1),
            (&["src", "--interval", "0.5"], 1),
            (&["--once", "src", "/dst"], 2),
        ];
        for (words, want) in cases {
            assert_eq!(operand_index(mirror, words), *want, "{words:?}");
        }
        let mkdir = table::find("mkdir").unwrap();
        assert_eq!(operand_index(mkdir, &["-p", "a", "b"]), 2);
        assert_eq!(operand_index(table::find("ls").unwrap(), &["--raw"]), 0);
    }

    #[test]
    fn names_are_escaped_for_the_line() {
        assert_eq!(escape("a b.txt"), "a\\ b.txt");
        assert_eq!(escape("it's"), "it\\'s");
        assert_eq!(escape("plain-é"), "plain-é");
    }
}
