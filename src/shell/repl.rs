//! The interactive REPL (rustyline): prompt, history, completion of command names and local
//! paths, and a printer that puts background events above the prompt.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{CompletionType, Config, Context, Editor, ExternalPrinter, Helper};

use super::table::{self, ArgKind};
use super::{Shell, is_secret_line, run_line};
use crate::error::EXIT_OK;

struct ShellHelper {
    files: FilenameCompleter,
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
        // Only the last command of a `;` line is being completed.
        let current = before.rsplit(';').next().unwrap_or(before);
        let offset = pos - current.len();
        let words: Vec<&str> = current.split_whitespace().collect();
        let starting_word = current.is_empty() || current.ends_with(char::is_whitespace);
        let index = if starting_word {
            words.len()
        } else {
            words.len() - 1
        };
        if index == 0 {
            let typed = words.first().copied().unwrap_or("");
            let start = offset + current.len() - typed.len();
            let mut names: Vec<Pair> = table::all_names()
                .filter(|n| n.starts_with(typed))
                .map(|n| Pair {
                    display: n.to_string(),
                    replacement: format!("{n} "),
                })
                .collect();
            names.sort_by(|a, b| a.display.cmp(&b.display));
            return Ok((start, names));
        }
        let kind = table::find(words[0]).map_or(ArgKind::Other, |c| {
            let operand = words[1..index]
                .iter()
                .filter(|w| !w.starts_with('-'))
                .count();
            c.arg_kind(operand)
        });
        match kind {
            ArgKind::Local => self.files.complete_path(line, pos),
            ArgKind::Command => {
                let typed = if starting_word { "" } else { words[index] };
                let names = table::COMMANDS
                    .iter()
                    .filter(|c| c.name.starts_with(typed))
                    .map(|c| Pair {
                        display: c.name.to_string(),
                        replacement: c.name.to_string(),
                    })
                    .collect();
                Ok((pos - typed.len(), names))
            }
            ArgKind::Remote | ArgKind::Other => Ok((pos, Vec::new())),
        }
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}
impl Highlighter for ShellHelper {}
impl Validator for ShellHelper {}
impl Helper for ShellHelper {}

/// Quitting stops every mirror job after its file in flight; while a pass is running,
/// ask first.
fn confirm_quit(shell: &Shell, editor: &mut Editor<ShellHelper, DefaultHistory>) -> bool {
    if !shell.jobs.any_syncing() {
        return true;
    }
    let answer = editor.readline("a mirror pass is in progress; stop it and quit? [y/N] ");
    matches!(answer.as_deref().map(str::trim), Ok("y" | "Y" | "yes"))
}

/// Where history lives: the user's data dir (e.g. ~/.local/share/ftpsh/history).
pub fn history_path() -> Option<PathBuf> {
    Some(dirs::data_dir()?.join("ftpsh").join("history"))
}

pub fn run(shell: &mut Shell) -> i32 {
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .max_history_size(5000)
        .and_then(|b| b.history_ignore_dups(true))
        .map(|b| b.build())
        .unwrap_or_default();
    let mut editor: Editor<ShellHelper, DefaultHistory> = match Editor::with_config(config) {
        Ok(editor) => editor,
        Err(err) => {
            eprintln!("ftpsh: cannot start the line editor: {err}");
            return crate::error::EXIT_FAILED;
        }
    };
    editor.set_helper(Some(ShellHelper {
        files: FilenameCompleter::new(),
    }));
    if let Ok(printer) = editor.create_external_printer() {
        let printer = Mutex::new(printer);
        shell.printer = Arc::new(move |line: String| {
            if let Ok(mut p) = printer.lock() {
                let _ = p.print(line);
            }
        });
    }
    let history = history_path();
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    loop {
        match editor.readline(&shell.prompt()) {
            Ok(line) => {
                if !line.trim().is_empty() && !is_secret_line(&line) {
                    let _ = editor.add_history_entry(line.as_str());
                }
                if let Err(err) = run_line(shell, &line) {
                    eprintln!("{}", err.message());
                }
                if shell.quit_requested && confirm_quit(shell, &mut editor) {
                    break;
                }
                shell.quit_requested = false;
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) if confirm_quit(shell, &mut editor) => break,
            Err(ReadlineError::Eof) => {}
            Err(err) => {
                eprintln!("ftpsh: {err}");
                break;
            }
        }
    }
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.save_history(path);
    }
    EXIT_OK
}
