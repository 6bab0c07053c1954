//! The shell: the command table, line splitting, the REPL and the script runner.

pub mod cmd_chmod;
pub mod cmd_local;
pub mod cmd_mirror;
pub mod cmd_remote;
pub mod cmd_session;
pub mod cmd_set;
pub mod cmd_transfer;
pub mod complete;
pub mod glob;
pub mod help;
pub mod items;
pub mod mirror_options;
pub mod repl;
pub mod script;
pub mod split;
pub mod state;
pub mod table;
pub mod unread;

use crate::error::{Error, Result};
pub use state::Shell;

/// The command `words` name and its invocation, checked for usage (an unknown command, a
/// bad flag or operand count, the command's own rules: mirror's options). Nothing runs.
fn checked(words: &[String]) -> Result<(&'static table::Command, table::Invocation)> {
    let command = table::find_or_suggest(&words[0])?;
    let invocation = command.parse(&words[1..])?;
    if let Some(check) = command.check {
        check(&invocation.args)?;
    }
    Ok((command, invocation))
}

/// Checks every command of a line for usage without running any: a usage error is found
/// before anything else (`-c` checks its whole text before connecting; a line checks all
/// its `;`-separated commands before the first runs).
pub fn check_line(line: &str) -> Result<()> {
    if table::rest_of_line(line).is_some() {
        return Ok(());
    }
    for words in split::split_line(line)? {
        checked(&words)?;
    }
    Ok(())
}

/// Runs one command given as words.
pub fn run_words(shell: &mut Shell, words: &[String]) -> Result<()> {
    let (command, mut invocation) = checked(words)?;
    resolve_dots(shell, command, &mut invocation);
    // Ctrl-C from here on cancels this command (see crate::cancel), never the shell.
    let running = crate::cancel::begin(shell.control_socket());
    let result = (command.run)(shell, &invocation);
    drop(running);
    if let Err(err) = &result
        && err.is_connection_lost()
    {
        shell.mark_broken();
    }
    if !crate::cancel::interrupted() {
        return result;
    }
    match result {
        Err(err @ Error::Cancelled(_)) => Err(err),
        // whatever the interruption broke (a shut connection, a failed read) was the cancel
        Err(_) => Err(Error::cancelled(command.name)),
        // At a prompt a command that finished anyway did its work; a script stops here.
        Ok(()) if shell.interactive => Ok(()),
        Ok(()) => Err(Error::cancelled(command.name)),
    }
}

/// Remote operands with `.` or `..` components are resolved against the known folder, as
/// `cd` does: some servers (libunftp) take `..` for a name. Only where operands are
/// positional (the table parses the flags) and the folder is a known Unix path.
fn resolve_dots(shell: &Shell, command: &table::Command, invocation: &mut table::Invocation) {
    if command.flags.is_none() || command.name == "cd" {
        return;
    }
    for (index, arg) in invocation.args.iter_mut().enumerate() {
        let dotted = arg.split('/').any(|part| part == "." || part == "..");
        if dotted
            && command.arg_kind(index) == table::ArgKind::Remote
            && let Some(resolved) = crate::ftp::path::cd_target(&shell.cwd, arg)
        {
            *arg = resolved;
        }
    }
}

/// Runs every command of one line, stopping at the first failure.
pub fn run_line(shell: &mut Shell, line: &str) -> Result<()> {
    // `!` hands the rest of the line, `;` and quotes included, to the local shell.
    if let Some((command, rest)) = table::rest_of_line(line) {
        return run_words(shell, &[command.name.to_string(), rest.to_string()]);
    }
    check_line(line)?;
    for words in split::split_line(line)? {
        run_words(shell, &words)?;
        if shell.quit_requested {
            break;
        }
    }
    Ok(())
}

/// Whether a line may carry a password, so that it never goes into history: by a command
/// word (`user`, `quote`, anything typed as `pass...`) or by a URL with credentials. The raw
/// text is read too, so a line that cannot be split (an unbalanced quote) is judged the same.
pub fn is_secret_line(line: &str) -> bool {
    let secret_word = |word: &str| {
        let word = word.to_ascii_lowercase();
        word.starts_with("pass") || table::find(&word).is_some_and(|c| c.secret)
    };
    let raw_words = || {
        line.split(|c: char| c.is_whitespace() || c == ';')
            .map(|w| w.trim_matches(|c| c == '\'' || c == '"'))
    };
    if raw_words().any(carries_password) {
        return true;
    }
    match split::split_line(line) {
        Ok(commands) => commands
            .iter()
            .any(|words| secret_word(&words[0]) || words.iter().any(|w| carries_password(w))),
        // Unsplittable: any command word of it (each `;` piece's first) decides.
        Err(_) => line
            .split(';')
            .filter_map(|piece| piece.split_whitespace().next())
            .any(|w| secret_word(w.trim_matches(|c| c == '\'' || c == '"'))),
    }
}

/// `user:password@host`, with or without a scheme.
fn carries_password(word: &str) -> bool {
    let rest = word.split_once("://").map_or(word, |(_, rest)| rest);
    rest.rfind('@').is_some_and(|at| rest[..at].contains(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_lines_stay_out_of_history() {
        for line in [
            "user bob hunter2",
            "quote PASS hunter2",
            "open ftp://bob:pw@host",
            "open bob:pw@host",
            "ls; user bob pw",
            // lines that cannot be split (an unbalanced quote)
            "user bob \"HistS3cret",
            "USER bob 'pw",
            "open 'ftp://tester:Hist2S3cret@host",
            "open \"bob:pw@host",
            "ls; quote 'PASS x",
            "bookmark add w ftps://u:pw@h\"",
            // password-like words that are no command
            "pass hunter2",
            "password hunter2",
            "PASS hunter2",
            "  pass \"x",
        ] {
            assert!(is_secret_line(line), "{line}");
        }
        for line in [
            "ls",
            "put a.txt",
            "open host",
            "open ftp://bob@host",
            "get \"unbalanced",
        ] {
            assert!(!is_secret_line(line), "{line}");
        }
    }
}
