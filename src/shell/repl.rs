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
    let answer = editor.readline(&format!(
        "{running} mirror job(s) running; stop them and quit? [y/N] "
    ));
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
            Ok(line) => {
                if !line.trim().is_empty() && !is_secret_line(&line) {
                    let _ = editor.add_history_entry(line.as_str());
                }
                if let Err(err) = run_line(shell, &line) {
                    err.report("");
                }
                if let (Ok(mut remote), Ok(commands)) = (remote.lock(), split::split_line(&line)) {
                    commands.iter().for_each(|words| remote.after_line(words));
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
