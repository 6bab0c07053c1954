//! The one function that makes server text safe to print or journal: `escape`.
//!
//! Everything a server sends (banner, replies, names, the paths in PWD) is hostile until
//! shown through here. The terminal interprets C0 controls (ESC starts sequences that set the
//! window title, clear the screen, move the cursor; a bare CR rewrites the line), C1 controls
//! (0x9B is a one-byte CSI on some terminals), DEL, and the Unicode bidi controls that
//! reorder what is shown (U+202E makes `txt.exe` read as `exe.txt`). Each of them is shown
//! as an escape instead:
//!
//! - a space for a tab: the terminal does nothing worse with it than move to a column, and
//!   it is what ftpsh's one-line messages always showed;
//! - `\r` `\n` for line ends, `\xHH` for other C0 controls and DEL;
//! - `\u{HH}` for C1 controls and bidi/line-separator format characters;
//! - `\xHH` for a byte of a name that is not UTF-8 (see `crate::lossless`): `\xHH` always
//!   means "the byte HH", whether a control or a Latin-1 letter.
//!
//! Backslashes are not doubled: names with a literal `\x41` read the same as the escape of
//! byte 0x41 would, a rare ambiguity accepted for readable Windows-style paths. The output
//! holds none of the characters it escapes, so escaping twice changes nothing.

use std::borrow::Cow;

use crate::lossless::raw_byte;

/// Bidi embeddings, overrides and isolates, marks, and the Unicode line/paragraph
/// separators: invisible characters that change how the rest of a line is shown.
fn is_format_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
    )
}

fn needs_escape(c: char) -> bool {
    c.is_control() || is_format_control(c) || raw_byte(c).is_some()
}

/// Whether `text` holds a character the terminal would act on (a control, a bidi
/// control); bytes that are not UTF-8 do not count, they only look odd.
pub fn has_controls(text: &str) -> bool {
    text.chars().any(is_terminal_control)
}

/// A character the terminal would act on: a C0 or C1 control, DEL, a bidi control.
pub fn is_terminal_control(c: char) -> bool {
    c.is_control() || is_format_control(c)
}

/// Server text as one safe line: every control, bidi control and non-UTF-8 byte escaped.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if let Some(byte) = raw_byte(c) {
            out.push_str(&format!("\\x{byte:02x}"));
            continue;
        }
        match c {
            '\t' => out.push(' '),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)));
            }
            c if c.is_control() || is_format_control(c) => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Server text that may span lines (a welcome banner): one escaped line per line it holds,
/// its CRLF or LF line ends dropped (a CR anywhere else is escaped).
pub fn escape_lines(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    text.split('\n')
        .map(|line| escape(line.strip_suffix('\r').unwrap_or(line)))
}

/// A name in double quotes, escaped, with its own `"` as `\"`: a field of a journal line or
/// a message that stays one field whatever the name holds.
pub fn quoted(name: &str) -> String {
    format!("\"{}\"", escape(name).replace('"', "\\\""))
}

/// A local path as one safe line: on Unix its bytes as they are (`\xHH` where they are not
/// UTF-8, as for remote names), elsewhere as the OS gives it.
pub fn local_path(path: &std::path::Path) -> String {
    let text = crate::lossless::from_os(path.as_os_str())
        .unwrap_or_else(|| path.to_string_lossy().into_owned());
    escape(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_characters_are_shown_escaped() {
        let cases = [
            ("\u{1b}]0;title\u{7}", "\\x1b]0;title\\x07"),
            ("\u{1b}[2J", "\\x1b[2J"),
            ("fake\rreal", "fake\\rreal"),
            ("a\r\nDELE b", "a\\r\\nDELE b"),
            ("tab\there", "tab here"),
            ("del\u{7f}", "del\\x7f"),
            ("csi\u{9b}2J", "csi\\u{9b}2J"),
            ("nel\u{85}", "nel\\u{85}"),
            ("evil\u{202e}txt.exe", "evil\\u{202e}txt.exe"),
            ("\u{2066}iso\u{2069}", "\\u{2066}iso\\u{2069}"),
            ("\u{200e}\u{200f}\u{61c}", "\\u{200e}\\u{200f}\\u{61c}"),
            ("line\u{2028}sep", "line\\u{2028}sep"),
            ("nul\0", "nul\\x00"),
        ];
        for (raw, shown) in cases {
            assert_eq!(escape(raw), shown, "{raw:?}");
        }
    }

    #[test]
    fn ordinary_text_is_untouched_and_not_copied() {
        for text in ["é 文件 räksmörgås", "a\\b", "emoji 👍🏽 zwj 👨‍👩‍👧", "עברית"]
        {
            assert!(
                matches!(escape(text), Cow::Borrowed(t) if t == text),
                "{text}"
            );
        }
    }

    fn escape_b(bytes: &[u8]) -> String {
        escape(&crate::lossless::decode(bytes)).into_owned()
    }

    #[test]
    fn bytes_that_are_not_utf8_show_as_hex() {
        let name = crate::lossless::decode(b"r\xe4ksm\xf6rg\xe5s.txt");
        assert_eq!(escape(&name), "r\\xe4ksm\\xf6rg\\xe5s.txt");
        assert_eq!(
            escape_b(b"550 r\xe4k\x1b[2J\r\n"),
            "550 r\\xe4k\\x1b[2J\\r\\n"
        );
        // A C1 control sent as UTF-8 and the raw byte 0x9b read differently.
        assert_eq!(escape_b("\u{9b}".as_bytes()), "\\u{9b}");
        assert_eq!(escape_b(b"\x9b"), "\\x9b");
    }

    #[test]
    fn quoted_names_stay_one_field() {
        assert_eq!(quoted("a \"b\"\r"), "\"a \\\"b\\\"\\r\"");
        assert_eq!(quoted("plain"), "\"plain\"");
    }

    #[test]
    fn escaping_twice_changes_nothing() {
        let hostile = "\u{1b}]0;t\u{7}\r\u{9b}\u{202e}\u{efe4}\t\\x";
        let once = escape(hostile).into_owned();
        assert_eq!(escape(&once), once);
    }

    #[test]
    fn banners_split_into_escaped_lines() {
        let lines: Vec<_> = escape_lines("220-Hi\r\n220-\u{1b}[2Jx\ry\r\n220 end")
            .map(Cow::into_owned)
            .collect();
        assert_eq!(lines, ["220-Hi", "220-\\x1b[2Jx\\ry", "220 end"]);
    }
}
