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
    /// The server refused: `what` names the command and path, `code` is the reply code
    /// (RFC 959: 4xx transient, 5xx permanent) and `text` the reply as the server sent it.
    /// Callers decide by `code`, never by the words.
    #[error("{what}: {text}")]
    Reply {
        what: String,
        code: u16,
        text: String,
    },
    /// A local file operation failed.
    #[error("{what}: {}", without_os_error(&source.to_string()))]
    Local { what: String, source: io::Error },
    /// Could not reach the server or set up TLS.
    #[error("{0}")]
    Connect(String),
    /// The server refused the login (USER/PASS/ACCT answered with `code`).
    #[error("{what}: {text}")]
    LoginRefused {
        what: String,
        code: u16,
        text: String,
    },
    /// The connection broke or misbehaved during a command.
    #[error("{what}: {message}")]
    Connection { what: String, message: String },
    /// The server sent a reply or listing line that cannot be read; the connection itself is
    /// still in step.
    #[error("{what}: {message}")]
    Protocol { what: String, message: String },
    /// A listing that may be incomplete: the closing reply said so, it was not positive, or
    /// the data ended mid-line. Nothing may be deleted on the strength of it.
    #[error("{what}: {reason}")]
    ListingCut { what: String, reason: String },
    /// A folder that exists (CWD enters it) whose listing the server refused (450/550) with
    /// no proof that it is empty (see `ftp::refusal`): what it holds is unknown. Nothing may
    /// be decided from it: neither "empty" nor "gone".
    #[error(
        "{what}: {text} (the folder is there, but the server would not list it: what it holds is unknown)"
    )]
    ListingRefused {
        what: String,
        code: u16,
        text: String,
    },
    /// The listings of one command or mirror pass together hold more than `--max-listed`
    /// allows: the tree is not known whole, nothing is decided from it, and the rest of the
    /// command stops (every further listing would be over too).
    #[error("{what}: {reason}")]
    OverListed { what: String, reason: String },
    /// A transfer that both sides called complete moved fewer bytes than the file has: the
    /// data connection ended early but cleanly. The control connection is still in step.
    #[error("{what}: data connection cut short: {detail}")]
    CutShort { what: String, detail: String },
    /// The server's bytes disagree with what it announced or agreed to: a download brought
    /// more than the file's known length, or a continued transfer did not continue (REST or
    /// APPE not honoured: the size after is not the offset plus the bytes moved). Nothing so
    /// moved is ever given a final name nor continued again.
    #[error("{what}: {detail}")]
    Unproven { what: String, detail: String },
    /// A name that would be unsafe to send or to write locally.
    #[error("{what}: {reason}")]
    BadName { what: String, reason: String },
    /// A glob that matched nothing, on this side (`local` or `remote`).
    #[error("no {side} file matches {pattern}")]
    NoMatch { side: &'static str, pattern: String },
    /// A file was needed and `what` names a directory; `hint` says what would work.
    #[error("{what}: is a directory{hint}")]
    IsDirectory { what: String, hint: &'static str },
    /// A directory was needed and `what` is none.
    #[error("{what}: not a directory")]
    NotDirectory { what: String },
    /// No session is open.
    #[error("not connected (use `open HOST`)")]
    NotConnected,
    /// A command of several items did all it could; `names` (the first few of `failed`)
    /// could not be done, each for its own reason, said on a line of its own as it failed.
    #[error("{what}: {failed} of {of} failed: {names} (each said above)")]
    ItemsFailed {
        what: String,
        failed: usize,
        of: usize,
        names: String,
    },
    /// Any other failure of a command, already phrased for the user.
    #[error("{0}")]
    Failed(String),
    /// Ctrl-C stopped the command: what it was doing and what it left (phrased).
    #[error("{0}")]
    Cancelled(String),
}

/// `No such file or directory (os error 2)` → `No such file or directory`.
pub fn without_os_error(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(" (os error ") {
        out.push_str(&rest[..at]);
        let after = &rest[at + " (os error ".len()..];
        match after.find(')') {
            Some(end)
                if after[..end]
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'-') =>
            {
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str(" (os error ");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The same error about another subject: `put a/.ftpsh-part-1-x` becomes `put a/x`, so
    /// messages name what the user asked for, not our temporaries.
    pub fn about(self, new_what: &str) -> Error {
        match self {
            Error::Reply { code, text, .. } => Error::Reply {
                what: new_what.to_string(),
                code,
                text,
            },
            Error::Protocol { message, .. } => Error::Protocol {
                what: new_what.to_string(),
                message,
            },
            Error::ListingCut { reason, .. } => Error::ListingCut {
                what: new_what.to_string(),
                reason,
            },
            Error::ListingRefused { code, text, .. } => Error::ListingRefused {
                what: new_what.to_string(),
                code,
                text,
            },
            Error::Connection { message, .. } => Error::Connection {
                what: new_what.to_string(),
                message,
            },
            Error::BadName { reason, .. } => Error::BadName {
                what: new_what.to_string(),
                reason,
            },
            Error::CutShort { detail, .. } => Error::CutShort {
                what: new_what.to_string(),
                detail,
            },
            Error::Unproven { detail, .. } => Error::Unproven {
                what: new_what.to_string(),
                detail,
            },
            other => other,
        }
    }

    /// What the user reads: each line made safe for the terminal (server text may hold
    /// controls), a usage message's own line breaks kept (`usage: ...` on its own line),
    /// and no `(os error N)`: the words before it say it already.
    pub fn message(&self) -> String {
        let text = without_os_error(&self.to_string());
        match self {
            Error::Usage(_) => text
                .lines()
                .map(|line| crate::escape::escape(line).into_owned())
                .collect::<Vec<_>>()
                .join("\n"),
            _ => crate::escape::escape(&text).into_owned(),
        }
    }

    /// Prints the error on stderr after `prefix` (`ftpsh: `, `line 3: `): the one place a
    /// command's error reaches the user.
    pub fn report(&self, prefix: &str) {
        eprintln!("{prefix}{}", self.message());
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
            Error::Connect(_) | Error::LoginRefused { .. } => EXIT_CONNECT,
            Error::Cancelled(_) => EXIT_INTERRUPTED,
            _ => EXIT_FAILED,
        }
    }

    /// True when the control connection can no longer be trusted and must be reopened.
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, Error::Connection { .. })
    }

    /// True when the failure of one item of a multi-item command (mget, rm, put -r) makes the
    /// others pointless, so the command stops: the connection is gone, Ctrl-C, a full disk
    /// here or on the server (452, 552: RFC 959's "insufficient storage", "exceeded storage
    /// allocation"), the server closing (421). Any other failure is the item's own (a 550 on
    /// that file, a local file unreadable, a pattern matching nothing): the others go on.
    pub fn stops_all(&self) -> bool {
        match self {
            Error::Connection { .. }
            | Error::Connect(_)
            | Error::LoginRefused { .. }
            | Error::NotConnected
            | Error::OverListed { .. }
            | Error::Cancelled(_) => true,
            Error::Reply { code, .. } => matches!(code, 421 | 452 | 552),
            Error::Local { source, .. } => matches!(
                source.kind(),
                io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
            ),
            _ => false,
        }
    }

    /// True when trying again later may work: a 4xx reply (RFC 959 "transient negative
    /// completion"), a lost connection, a server that could not be reached. A 5xx reply is
    /// permanent: the same command will be refused again.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Reply { code, .. }
            | Error::LoginRefused { code, .. }
            | Error::ListingRefused { code, .. } => (400..500).contains(code),
            Error::Connection { .. } | Error::Connect(_) | Error::CutShort { .. } => true,
            _ => false,
        }
    }

    /// The server's reply code, when the server refused.
    pub fn reply_code(&self) -> Option<u16> {
        match self {
            Error::Reply { code, .. } | Error::LoginRefused { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// A permanent refusal of the file or folder named (550: "not found, no access"): the
    /// one failure `rm -f` passes over and `stat` takes for "does not exist".
    pub fn is_unavailable(&self) -> bool {
        self.reply_code() == Some(550)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_usage_lines_and_drop_os_error_codes() {
        let usage = Error::usage("put: missing argument\nusage: put [-r] LOCAL [REMOTE]");
        assert_eq!(
            usage.message(),
            "put: missing argument\nusage: put [-r] LOCAL [REMOTE]"
        );
        let missing = Error::local("put a.txt", io::Error::from_raw_os_error(2));
        assert_eq!(missing.message(), "put a.txt: No such file or directory");
        // also where errors are turned into text on the way (mirror events, the journal)
        assert_eq!(missing.to_string(), "put a.txt: No such file or directory");
        assert_eq!(without_os_error("x (os error 13) y"), "x y");
        assert_eq!(without_os_error("(os error x)"), "(os error x)");
        // a reply with a control character is still one escaped line
        let reply = Error::Failed("mkdir a: 550 no\r\nDELE x".into());
        assert_eq!(reply.message().lines().count(), 1);
    }

    #[test]
    fn about_renames_the_subject_and_keeps_the_reply() {
        let err = Error::Reply {
            what: "put /d/.ftpsh-part-1-0-a".into(),
            code: 550,
            text: "550 nope".into(),
        };
        let err = err.about("put /d/a");
        assert_eq!(err.to_string(), "put /d/a: 550 nope");
        assert_eq!(err.reply_code(), Some(550));
    }

    #[test]
    fn transient_is_4xx_or_a_lost_connection_never_5xx() {
        let reply = |code: u16| Error::Reply {
            what: "list /x".into(),
            code,
            text: format!("{code} words"),
        };
        for (err, transient) in [
            (reply(421), true),
            (reply(450), true),
            (reply(451), true),
            (reply(500), false),
            (reply(550), false),
            (
                Error::Connection {
                    what: "list /x".into(),
                    message: "timed out".into(),
                },
                true,
            ),
            (
                Error::LoginRefused {
                    what: "login a".into(),
                    code: 530,
                    text: "530 no".into(),
                },
                false,
            ),
            (
                Error::ListingCut {
                    what: "list /x".into(),
                    reason: "cut".into(),
                },
                false,
            ),
        ] {
            assert_eq!(err.is_transient(), transient, "{err}");
        }
    }

    #[test]
    fn a_refused_login_exits_like_a_failed_connect() {
        let err = Error::LoginRefused {
            what: "login a".into(),
            code: 530,
            text: "530 Login incorrect.".into(),
        };
        assert_eq!(err.exit_code(), EXIT_CONNECT);
        assert!(!err.is_connection_lost());
    }
}
