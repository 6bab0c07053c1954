//! A listing line split into whitespace-separated words that remember where they came from.
//!
//! Names are cut from the original text by position instead of being re-joined from words,
//! which would collapse runs of spaces inside them.

pub(super) struct Words<'a> {
    text: &'a str,
    spans: Vec<(usize, usize)>,
}

impl<'a> Words<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        let mut spans = Vec::new();
        let mut start = None;
        for (i, c) in text.char_indices() {
            let is_sep = c == ' ' || c == '\t';
            match (start, is_sep) {
                (None, false) => start = Some(i),
                (Some(s), true) => {
                    spans.push((s, i));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            spans.push((s, text.len()));
        }
        Words { text, spans }
    }

    pub(super) fn len(&self) -> usize {
        self.spans.len()
    }

    /// Word `i`, or "" past the end (so shape checks need no bounds checks of their own).
    pub(super) fn get(&self, i: usize) -> &'a str {
        self.spans.get(i).map_or("", |&(s, e)| &self.text[s..e])
    }

    /// The text after word `i`, separators included.
    pub(super) fn after(&self, i: usize) -> &'a str {
        self.spans.get(i).map_or("", |&(_, e)| &self.text[e..])
    }

    /// The text from word `i` on (its leading separators dropped).
    pub(super) fn from(&self, i: usize) -> &'a str {
        self.spans.get(i).map_or("", |&(s, _)| &self.text[s..])
    }

    /// The name after word `i` when exactly one separator precedes it (Unix `ls`, which pads
    /// columns before the name, never inside it): further spaces belong to the name.
    pub(super) fn name_after_one_space(&self, i: usize) -> Option<&'a str> {
        self.after(i)
            .strip_prefix([' ', '\t'])
            .filter(|n| !n.is_empty())
    }

    /// The name after word `i` for formats that pad the name column (NetWare, OS/2, AS/400...):
    /// leading separators are padding there, trailing ones still belong to the name.
    pub(super) fn name_after_padding(&self, i: usize) -> Option<&'a str> {
        Some(self.after(i).trim_start_matches([' ', '\t'])).filter(|n| !n.is_empty())
    }
}

pub(super) fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_their_place() {
        let w = Words::new("  a\tbb  c  d e ");
        assert_eq!(w.len(), 5);
        assert_eq!(
            (w.get(0), w.get(1), w.get(4), w.get(5)),
            ("a", "bb", "e", "")
        );
        assert_eq!(w.after(1), "  c  d e ");
        assert_eq!(w.from(2), "c  d e ");
        assert_eq!(w.name_after_one_space(1), Some(" c  d e "));
        assert_eq!(w.name_after_padding(1), Some("c  d e "));
        assert_eq!(w.name_after_one_space(4), None);
        assert_eq!(w.name_after_padding(4), None);
    }
}
