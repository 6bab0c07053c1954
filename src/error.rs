//! The crate's error type and the one place that maps errors to exit codes.

use std::io;

/// Exit status: every command succeeded.
pub const EXIT_OK: i32 = 0;
/// Exit status: a command failed (server refusal, local I/O, lost connection).
pub const EXIT_FAILED: i32 = 1;
/// Exit status: the command line or a command was malformed.
pub const EXIT_USAGE: i32 = 2;
/// Exit status: could not connect or log in.
pub const EXIT_CONNECT: i32 = 3;
/// Exit status: a script or `-c` run stopped by Ctrl-C (SIGINT), as a shell reports it.
pub const EXIT_INTERRUPTED: i32 = 130;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Malformed command line, unknown command, wrong number of arguments.
    #[error("{0}")]
    Usage(String),
    /// The server refused: `what` names the command and path, `reply` is the server's words.
    #[error("{what}: {reply}")]
    Reply { what: String, reply: String },
    /// A local file operation failed.
    #[error("{what}: {source}")]
    Local { what: String, source: io::Error },
    /// Could not reach the server, log in, or set up TLS.
    #[error("{0}")]
    Connect(String),
    /// The connection broke or misbehaved during a command.
    #[error("{what}: {message}")]
    Connection { what: String, message: String },
    /// A name that would be unsafe to send or to write locally.
    #[error("{what}: {reason}")]
    BadName { what: String, reason: String },
    /// No session is open.
    #[error("not connected (use `open HOST`)")]
    NotConnected,
    /// Any other failure of a command, already phrased for the user.
    #[error("{0}")]
    Failed(String),
    /// Ctrl-C stopped the command: what it was doing and what it left (phrased).
    #[error("{0}")]
    Cancelled(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A message as one safe terminal line: control characters (CR, LF, ESC...) that came with
/// a name or a server reply are shown escaped, never interpreted by the terminal.
pub fn one_line(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for c in message.chars() {
        match c {
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push(' '),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

impl Error {
    /// The user-facing line for this error.
    pub fn message(&self) -> String {
        one_line(&self.to_string())
    }

    /// The same error about another subject: `put a/.ftpsh-part-1-x` becomes `put a/x`, so
    /// messages name what the user asked for, not our temporaries.
    pub fn about(self, new_what: &str) -> Error {
        match self {
            Error::Reply { reply, .. } => Error::Reply {
                what: new_what.to_string(),
                reply,
            },
            Error::Connection { message, .. } => Error::Connection {
                what: new_what.to_string(),
                message,
            },
            Error::BadName { reason, .. } => Error::BadName {
                what: new_what.to_string(),
                reason,
            },
            other => other,
        }
    }

    pub fn local(what: impl Into<String>, source: io::Error) -> Error {
        Error::Local {
            what: what.into(),
            source,
        }
    }

    pub fn usage(message: impl Into<String>) -> Error {
        Error::Usage(message.into())
    }

    /// `WHAT: cancelled`.
    pub fn cancelled(what: impl std::fmt::Display) -> Error {
        Error::Cancelled(format!("{what}: cancelled"))
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => EXIT_USAGE,
            Error::Connect(_) => EXIT_CONNECT,
            Error::Cancelled(_) => EXIT_INTERRUPTED,
            _ => EXIT_FAILED,
        }
    }

    /// True when the control connection can no longer be trusted and must be reopened.
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, Error::Connection { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_safe_line() {
        assert_eq!(one_line("mkdir x\r\nDELE f"), "mkdir x\\r\\nDELE f");
        assert_eq!(one_line("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(one_line("é 文件"), "é 文件");
    }

    #[test]
    fn about_renames_the_subject_and_keeps_the_reply() {
        let err = Error::Reply {
            what: "put /d/.ftpsh-part-1-0-a".into(),
            reply: "550 nope".into(),
        };
        assert_eq!(err.about("put /d/a").to_string(), "put /d/a: 550 nope");
    }
}
