//! A listing the server refused (450/550) of a folder that exists: empty only with proof.
//!
//! IIS and others answer the listing of an empty folder with `550 No files found` (or 450),
//! but the same codes also say "busy, try later" and "permission denied". Taking every such
//! refusal for an empty folder made a mirror re-upload a whole folder after one transient
//! 450, and never delete the extras in it. So a refusal is believed to mean "empty" only
//! when the server proves it: asked another way (LIST after MLSD, NLST after LIST) it lists
//! nothing, or it gives the very same answer again. Until then the folder's contents are
//! unknown ([`Error::ListingRefused`]): a mirror sends nothing into it, deletes nothing in
//! it, and lists it again next pass.
//!
//! The reply's words are read here, against the rule of deciding by code alone, in one
//! direction only: words can withhold the belief "empty" (a refusal saying "Permission
//! denied" or "temporarily unavailable" is never an empty folder), never grant it.

use super::fetch::Lines;
use super::listing;
use super::session::Session;
use crate::error::{Error, Result};

/// Whether a refusal's words say the user may not list the folder: never an empty folder.
pub fn says_denied(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    [
        "denied",
        "permission",
        "not permitted",
        "not allowed",
        "forbidden",
        "unauthori",
        "not authori",
        "privilege",
    ]
    .iter()
    .any(|word| text.contains(word))
}

/// Whether a refusal's words say the failure is passing (busy, try later): never proof of
/// an empty folder, however often it repeats.
pub fn says_temporary(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    [
        "temporar",
        "try again",
        "try later",
        "busy",
        "timed out",
        "timeout",
        "too many",
        "overload",
        "in use",
        "locked",
    ]
    .iter()
    .any(|word| text.contains(word))
}

/// The other way of asking for a folder's contents, for a listing `command` that was
/// refused: LIST (with `-a`, so that dot files count) after MLSD or NLST, NLST after LIST.
/// `dir` is None for a command sent without a path (the current folder).
pub fn other_way(command: &str, dir: Option<&str>) -> Option<String> {
    let verb = command.split_whitespace().next()?.to_ascii_uppercase();
    let other = match verb.as_str() {
        "MLSD" | "NLST" => "LIST -a",
        "LIST" => "NLST",
        _ => return None,
    };
    Some(match dir {
        Some(dir) => format!("{other} {dir}"),
        None => other.to_string(),
    })
}

/// Whether the lines of the other way (`other`, as [`other_way`] made it) show no entry at
/// all: "total 0", "." and ".." are no entries; a line no format reads, or a last line
/// without its line end, may be one.
pub fn lists_nothing(other: &str, lines: &Lines) -> bool {
    if lines.unterminated.is_some() {
        return false;
    }
    if other.starts_with("NLST") {
        return lines
            .lines
            .iter()
            .all(|name| matches!(super::path::file_name(name.trim_end()), "." | ".."));
    }
    let parsed = listing::parse_listing(lines.lines.clone(), false, crate::clock::now_unix());
    parsed.entries.is_empty() && parsed.unparsed.is_empty()
}

/// Whether `err` is the refusal `first` again: the same code and the same words.
fn same_refusal(err: &Error, first: &Error) -> bool {
    match (err, first) {
        (
            Error::Reply { code, text, .. },
            Error::Reply {
                code: first_code,
                text: first_text,
                ..
            },
        ) => code == first_code && text == first_text,
        _ => false,
    }
}

/// A refused listing that exists, turned into what cannot be believed: its contents are
/// unknown.
pub(super) fn unknown(refused: Error) -> Error {
    match refused {
        Error::Reply { what, code, text } => Error::ListingRefused { what, code, text },
        other => other,
    }
}

/// What asking again found.
pub(super) enum Found {
    /// The folder is empty: the server proved it (the words say how, for the trace).
    Empty(&'static str),
    /// The same command listed it this time (a passing refusal).
    Listed(Lines),
    /// The other way listed entries; they stand in when the caller can read them.
    Other(String, Lines),
    /// No proof either way.
    Unknown,
}

impl Session {
    /// Asks again for folder `dir` (None: the current one), whose listing `command` was
    /// refused with `first` (a 450/550 reply) although the folder exists: another way, then
    /// the same way once more. The refusal is believed to mean "empty" only with proof:
    /// the other way lists nothing, or the server gives the same answer again, and its
    /// words say neither "denied" nor "try later".
    pub(super) fn ask_again(
        &mut self,
        what: &str,
        command: &str,
        dir: Option<&str>,
        first: &Error,
    ) -> Result<Found> {
        let text = match first {
            Error::Reply { text, .. } => text.as_str(),
            _ => return Ok(Found::Unknown),
        };
        if says_denied(text) {
            return Ok(Found::Unknown);
        }
        let mut may_be_empty = !says_temporary(text);
        let mut stand_in = None;
        if may_be_empty && let Some(other) = other_way(command, dir) {
            match self.fetch_lines(what, &other) {
                Ok(lines) if lists_nothing(&other, &lines) => {
                    return Ok(Found::Empty("the other way of listing it shows nothing"));
                }
                Ok(lines) => {
                    may_be_empty = false;
                    stand_in = Some((other, lines));
                }
                Err(err) if same_refusal(&err, first) => {
                    return Ok(Found::Empty(
                        "the other way of listing it gives the same answer",
                    ));
                }
                Err(err) if err.is_connection_lost() => return Err(err),
                Err(_) => {}
            }
        }
        // The same way once more: a passing refusal may be gone already.
        match self.fetch_lines(what, command) {
            Ok(lines) => Ok(Found::Listed(lines)),
            Err(err) if may_be_empty && same_refusal(&err, first) => {
                Ok(Found::Empty("the server gives the same answer again"))
            }
            Err(err) if err.is_connection_lost() => Err(err),
            Err(_) => Ok(match stand_in {
                Some((other, lines)) => Found::Other(other, lines),
                None => Found::Unknown,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_that_withhold_belief() {
        // (reply text, denied, temporary)
        for (text, denied, temporary) in [
            ("550 No files found", false, false),
            ("550 No files found.", false, false),
            ("450 No files found", false, false),
            (
                "550 The system cannot find the file specified.",
                false,
                false,
            ),
            ("550 Permission denied.", true, false),
            ("550 /www/x: Permission denied", true, false),
            ("550 Access is denied.", true, false),
            ("550 Operation not permitted", true, false),
            ("550 Not allowed to list this folder", true, false),
            ("450 Directory temporarily unavailable", false, true),
            (
                "450 Resource temporarily unavailable, try again",
                false,
                true,
            ),
            ("450 Server busy", false, true),
            ("450 File in use by another process", false, true),
            ("450 Too many users", false, true),
        ] {
            assert_eq!(says_denied(text), denied, "{text}");
            assert_eq!(says_temporary(text), temporary, "{text}");
        }
    }

    #[test]
    fn the_other_way_of_asking() {
        for (command, dir, want) in [
            ("MLSD /www", Some("/www"), Some("LIST -a /www")),
            ("LIST -a /www", Some("/www"), Some("NLST /www")),
            ("LIST /www", Some("/www"), Some("NLST /www")),
            ("NLST /www", Some("/www"), Some("LIST -a /www")),
            ("LIST", None, Some("NLST")),
            ("NLST", None, Some("LIST -a")),
            ("RETR x", Some("x"), None),
        ] {
            assert_eq!(other_way(command, dir).as_deref(), want, "{command}");
        }
    }

    #[test]
    fn what_counts_as_listing_nothing() {
        let lines = |l: &[&str], rest: Option<&str>| Lines {
            lines: l.iter().map(|s| s.to_string()).collect(),
            unterminated: rest.map(str::to_string),
        };
        let dot = "drwxr-xr-x 2 o g 4096 Jan 01 00:00 .";
        let file = "-rw-r--r-- 1 o g 7 Jan 01 00:00 .htaccess";
        for (other, got, nothing) in [
            ("LIST -a /d", lines(&[], None), true),
            ("LIST -a /d", lines(&["total 0"], None), true),
            ("LIST -a /d", lines(&["total 0", dot], None), true),
            ("LIST -a /d", lines(&["total 4", file], None), false),
            ("LIST -a /d", lines(&["what is this"], None), false),
            (
                "LIST -a /d",
                lines(&[], Some("-rw-r--r-- 1 o g 7 Jan")),
                false,
            ),
            ("NLST /d", lines(&[], None), true),
            ("NLST /d", lines(&[".", ".."], None), true),
            ("NLST /d", lines(&["/d/.", "/d/.."], None), true),
            ("NLST /d", lines(&[".htaccess"], None), false),
            ("NLST /d", lines(&[], Some("a")), false),
        ] {
            assert_eq!(lists_nothing(other, &got), nothing, "{other} {got:?}");
        }
    }
}
