//! Replies: a suppaftp failure or a reply body turned into our error or value.

use std::io;

use suppaftp::FtpError;
use suppaftp::types::Response;

use crate::error::Error;

/// Turns a suppaftp failure into our error, naming what was being done.
pub fn ftp_error(what: impl Into<String>, err: FtpError) -> Error {
    let what = what.into();
    match err {
        FtpError::UnexpectedResponse(response) => Error::Reply {
            what,
            code: code_of(&response),
            text: reply_text(&response.body),
        },
        FtpError::ConnectionError(io) if io.kind() == io::ErrorKind::InvalidInput => {
            Error::BadName {
                what,
                reason: "name contains CR, LF or NUL; refused before sending".to_string(),
            }
        }
        FtpError::ConnectionError(io) => Error::Connection {
            what,
            message: io_message(&io),
        },
        FtpError::BadResponse => Error::Connection {
            what,
            message: "malformed reply from the server".to_string(),
        },
        other => Error::Connection {
            what,
            message: other.to_string(),
        },
    }
}

/// An I/O failure in words; a read or write that hit the socket timeout says so instead of
/// "Resource temporarily unavailable".
/// Which rule fired when a deadline did: the reply deadline and the stall rule say so
/// themselves; a plain timeout is the per-read one.
pub(super) fn io_message(err: &io::Error) -> String {
    if let Some(inner) = err.get_ref() {
        if let Some(deadline) = inner.downcast_ref::<suppaftp::ReplyDeadline>() {
            return format!(
                "timed out: {deadline} (the reply deadline: {} x --timeout)",
                super::deadline::REPLY_DEADLINE_FACTOR
            );
        }
        if inner.is::<super::deadline::Stalled>() {
            return format!("timed out: {inner}");
        }
    }
    match err.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            "timed out: no answer within the --timeout (the per-read rule)".to_string()
        }
        _ => crate::error::without_os_error(&err.to_string()),
    }
}

/// The reply code a reply starts with. suppaftp folds codes it does not know (534, 554...)
/// into 0; the three digits the server sent are the truth.
pub fn reply_code(body: &[u8]) -> Option<u16> {
    let digits = body.get(..3)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Reply codes that say a command is not there at all (RFC 959: 500 not understood, 502 not
/// implemented, 504 not implemented for that parameter), rather than refused for this path.
pub fn is_not_offered(code: u16) -> bool {
    matches!(code, 500 | 502 | 504)
}

/// A reply's code, as the server sent it.
pub fn code_of(response: &Response) -> u16 {
    reply_code(&response.body).unwrap_or(response.status.code() as u16)
}

/// A reply body as one line: multi-line replies are joined with " | ".
pub(super) fn reply_text(body: &[u8]) -> String {
    reply_lines(body).join(" | ")
}

/// A reply's lines as the server sent them (a multi-line `214-` HELP, `211-` FEAT or STAT),
/// empty ones left out: for `quote` to show one line per line.
pub(super) fn reply_lines(body: &[u8]) -> Vec<String> {
    crate::lossless::decode(body)
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The path in a 257 reply (PWD, MKD): between the first quote and the next single one, a
/// doubled quote standing for one (RFC 959 appendix II). A server that sends no quotes
/// gets its first word after the code, when that is an absolute path.
pub fn parse_257(text: &str) -> Option<String> {
    let rest = text.get(4..)?;
    let Some(start) = rest.find('"') else {
        return rest
            .split_whitespace()
            .next()
            .filter(|w| w.starts_with('/'))
            .map(str::to_string);
    };
    let mut path = String::new();
    let mut chars = rest[start + 1..].chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            if chars.peek() == Some(&'"') {
                chars.next();
            } else {
                return Some(path);
            }
        }
        path.push(c);
    }
    None
}

/// Whether a listing's positive closing reply says the listing was cut short. No reply code
/// says so: pure-ftpd ends a listing it stopped at its file limit with
/// `226-Output truncated to 2000 matches`; its words are all there is.
pub(super) fn says_truncated(text: &str) -> bool {
    text.to_ascii_lowercase().contains("truncated")
}

/// The size in a SIZE reply ("213 1234"): its last word, after the code.
pub(super) fn parse_size_reply(text: &str) -> Option<u64> {
    let mut words = text.split_whitespace();
    words.next()?;
    words.last()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_replies() {
        for (reply, want) in [
            ("213 1234", Some(1234)),
            ("213  0 ", Some(0)),
            ("213", None),
            ("213 big", None),
            ("213 -1", None),
        ] {
            assert_eq!(parse_size_reply(reply), want, "{reply:?}");
        }
    }

    #[test]
    fn paths_in_257_replies_undo_doubled_quotes() {
        for (reply, want) in [
            ("257 \"/\" is the current directory", Some("/")),
            (
                "257 \"/say \"\"hi\"\"\" is the current directory",
                Some("/say \"hi\""),
            ),
            ("257 \"/a \"\"b\"\" c\"", Some("/a \"b\" c")),
            ("257 \"\"\"\" created", Some("\"")),
            ("257 \"/x\" created; \"quoted\" words after", Some("/x")),
            ("257 \"/dir with spaces\"", Some("/dir with spaces")),
            ("257 /unquoted is cwd", Some("/unquoted")),
            ("257 \"/never closed", None),
            ("257 no path here", None),
            ("257", None),
        ] {
            assert_eq!(parse_257(reply).as_deref(), want, "{reply}");
        }
    }

    #[test]
    fn reply_codes_come_from_the_digits_sent() {
        for (body, want) in [
            (&b"550 nope\r\n"[..], Some(550)),
            (b"554-x\r\n554 y\r\n", Some(554)),
            (b"22", None),
            (b"abc def", None),
        ] {
            assert_eq!(reply_code(body), want, "{body:?}");
        }
    }

    #[test]
    fn multi_line_replies_become_one_line() {
        assert_eq!(
            reply_text(b"550-first\r\n550 second\r\n"),
            "550-first | 550 second"
        );
    }
}
