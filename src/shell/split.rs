//! The line splitter: `;` separates commands outside quotes, then shell-style words (shlex).

use crate::error::{Error, Result};

/// Splits one input line into commands, each a list of words. Empty commands and `#`
/// comments vanish.
pub fn split_line(line: &str) -> Result<Vec<Vec<String>>> {
    let mut commands = Vec::new();
    for piece in split_semicolons(line) {
        // The text is not repeated: it may hold a password (`user bob "pw`).
        let words = shlex::split(piece)
            .ok_or_else(|| Error::usage("unbalanced quotes: a quote is not closed; nothing run"))?;
        if !words.is_empty() {
            commands.push(words);
        }
    }
    Ok(commands)
}

/// Cuts at every `;` that is not inside quotes or escaped; quotes are kept for shlex.
fn split_semicolons(line: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for (i, c) in bare_chars(line) {
        match c {
            '#' if line[..i].ends_with(char::is_whitespace) || i == start => {
                // A comment runs to the end of the line: nothing after it is a command.
                pieces.push(&line[start..i]);
                return pieces;
            }
            ';' => {
                pieces.push(&line[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&line[start..]);
    pieces
}

/// The characters of `line` that mean something to the splitter (`;`, `#`, spaces), with
/// their byte index: those outside quotes and not escaped by a backslash. A backslash
/// escapes outside quotes and inside double quotes, not inside single quotes (as sh).
/// The splitter and completion (which word is being typed) both read a line through this.
pub fn bare_chars(line: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    line.char_indices().filter(move |&(_, c)| {
        if escaped {
            escaped = false;
            return false;
        }
        match (c, quote) {
            ('\\', Some('\'')) => false,
            ('\\', _) => {
                escaped = true;
                false
            }
            ('\'' | '"', None) => {
                quote = Some(c);
                false
            }
            (q, Some(open)) if q == open => {
                quote = None;
                false
            }
            (_, open) => open.is_none(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str) -> Vec<Vec<&'static str>> {
        split_line(line)
            .unwrap()
            .into_iter()
            .map(|words| {
                words
                    .into_iter()
                    .map(|w| &*Box::leak(w.into_boxed_str()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn splits_commands_and_words() {
        let cases: &[(&str, Vec<Vec<&str>>)] = &[
            ("ls", vec![vec!["ls"]]),
            (
                "mkdir /x; put a.txt /x/",
                vec![vec!["mkdir", "/x"], vec!["put", "a.txt", "/x/"]],
            ),
            ("put 'a b.txt' \"c;d\"", vec![vec!["put", "a b.txt", "c;d"]]),
            ("rename a\\;b c", vec![vec!["rename", "a;b", "c"]]),
            ("  ;; ls ;", vec![vec!["ls"]]),
            ("# just a comment", vec![]),
            ("ls # trailing comment; rm x", vec![vec!["ls"]]),
            ("get a#b", vec![vec!["get", "a#b"]]),
            ("cd 'é 文件'", vec![vec!["cd", "é 文件"]]),
            ("put 'it''s'", vec![vec!["put", "its"]]),
            ("", vec![]),
        ];
        for (line, want) in cases {
            assert_eq!(&split(line), want, "{line:?}");
        }
    }

    #[test]
    fn bare_characters_are_those_outside_quotes_and_escapes() {
        let cases = [
            ("a;b", "a;b"),
            ("'a;b' c", " c"),
            ("\"a\\\"b;\" c", " c"),
            ("a\\;b", "ab"),
            ("'a\\' ;", " ;"),
            ("x 'é;' y", "x  y"),
        ];
        for (line, bare) in cases {
            let found: String = bare_chars(line).map(|(_, c)| c).collect();
            assert_eq!(found, bare, "{line}");
        }
    }

    #[test]
    fn unbalanced_quotes_are_a_usage_error() {
        let err = split_line("put 'a b").unwrap_err();
        assert!(matches!(err, Error::Usage(_)), "{err:?}");
    }
}
