//! Non-interactive ways in: `-c "cmd; cmd"` and a script read from stdin.

use std::io::BufRead;

use super::{Shell, run_line};
use crate::error::{EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK};

/// Runs `-c` commands; stops at the first failure and returns its exit code.
pub fn run_commands(shell: &mut Shell, text: &str) -> i32 {
    match run_line(shell, text) {
        Ok(()) => EXIT_OK,
        Err(err) => {
            err.report("ftpsh: ");
            err.exit_code()
        }
    }
}

/// Runs a script line by line: `#` comments, no prompt, stop at the first failing line with
/// `line N: error` on stderr. A line is bytes: names in it that are not UTF-8 (a Latin-1
/// script) stay the bytes they are (see `crate::lossless`).
pub fn run_script(shell: &mut Shell, input: impl BufRead) -> i32 {
    for (index, line) in input.split(b'\n').enumerate() {
        let line = match line {
            Ok(mut line) => {
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                crate::lossless::decode(&line)
            }
            Err(err) => {
                eprintln!("line {}: reading the script: {err}", index + 1);
                return EXIT_FAILED;
            }
        };
        if crate::cancel::interrupted() {
            eprintln!("line {}: not run: interrupted (Ctrl-C)", index + 1);
            return EXIT_INTERRUPTED;
        }
        if let Err(err) = run_line(shell, &line) {
            err.report(&format!("line {}: ", index + 1));
            return err.exit_code();
        }
        if shell.quit_requested {
            break;
        }
    }
    EXIT_OK
}
