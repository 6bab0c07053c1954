//! The interactive REPL (rustyline): prompt, history, completion (see complete.rs), and a
//! printer that puts background events above the prompt.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{CompletionType, Config, Editor, ExternalPrinter};

use super::complete::ShellHelper;
use super::{Shell, is_secret_line, run_line, split};
use crate::error::EXIT_OK;

/// Quitting stops every mirror job (interrupting its file in flight): with jobs running, ask first.
fn confirm_quit(shell: &Shell, editor: &mut Editor<ShellHelper, DefaultHistory>) -> bool {
    let running = shell.jobs.list().iter().filter(|j| j.is_running()).count();
    if running == 0 {
        return true;
    }
    let (jobs, them) = match running {
        1 => ("1 mirror job".to_string(), "it"),
        n => (format!("{n} mirror jobs"), "them"),
    };
    let answer = editor.readline(&format!("{jobs} running; stop {them} and quit? [y/N] "));
    matches!(answer.as_deref().map(str::trim), Ok("y" | "Y" | "yes"))
}

/// The lines of one entry: a paste of several lines arrives as one (bracketed paste), and
/// each of its lines is a command line of its own, in history as in running. Blank lines
/// vanish.
fn entry_lines(entry: &str) -> Vec<&str> {
    entry
        .split(['\n', '\r'])
        .filter(|line| !line.trim().is_empty())
        .collect()
}

/// A pasted line after a failing (or cancelled, or quitting) one is not run, as a script
/// stops at its first failing line: the next line may depend on it (`cd` then `rm`). The
/// lines are in history for the user to take up again.
fn not_run(left: usize) -> String {
    let lines = crate::words::count(left as u64, "pasted line", "pasted lines");
    format!("{lines} not run (they are in history: Up recalls them)")
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
    let helper = ShellHelper::new();
    let remote = Arc::clone(&helper.remote);
    editor.set_helper(Some(helper));
    if let Ok(printer) = editor.create_external_printer() {
        let printer = Mutex::new(printer);
        shell.printer = Arc::new(move |line: String| {
            crate::progress::around_bar(|| {
                if let Ok(mut p) = printer.lock() {
                    let _ = p.print(crate::escape::escape(&line).into_owned());
                }
            });
        });
    }
    let history = history_path();
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    loop {
        let prompt = shell.prompt();
        // The session serves remote completion while the editor waits for keys.
        let cwd = shell.cwd.clone();
        let mut lent = shell.lend();
        if let Ok(mut remote) = remote.lock() {
            remote.lend(lent.take(), &cwd);
        }
        let read = editor.readline(&prompt);
        if let Ok(mut remote) = remote.lock() {
            lent.give_back(remote.take(), remote.broke);
        }
        drop(lent);
        match read {
            Ok(entry) => {
                let lines = entry_lines(&entry);
                for line in &lines {
                    if !is_secret_line(line) {
                        let _ = editor.add_history_entry(*line);
                    }
                }
                for (index, line) in lines.iter().enumerate() {
                    let failed = run_line(shell, line).map_err(|err| err.report("")).is_err();
                    if let (Ok(mut remote), Ok(commands)) = (remote.lock(), split::split_line(line))
                    {
                        commands.iter().for_each(|words| remote.after_line(words));
                    }
                    let left = lines.len() - index - 1;
                    if left > 0 && (failed || shell.quit_requested || crate::cancel::interrupted())
                    {
                        eprintln!("{}", not_run(left));
                        break;
                    }
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
