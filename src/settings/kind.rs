//! What a setting's value is (its type and sane range) and how it is read from text and
//! shown again: the one parser the flags, the config file, job options and `set` share.

use std::path::PathBuf;
use std::time::Duration;

use crate::ftp::rate;

/// A setting's type, with the range its value must lie in. A value outside it is a usage
/// error wherever it is given, so no later arithmetic (deadlines, thread counts) meets it.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// on/off (yes/no, true/false, 1/0); given as a bare flag it means on.
    Switch,
    /// Seconds, fractions allowed, within `min..=max`.
    Seconds { min: f64, max: f64 },
    /// Whole seconds within `min..=max`.
    WholeSeconds { min: u64, max: u64 },
    /// Levels of a tree, from 0 to `max`.
    Levels { max: u64 },
    /// A whole number within `min..=max`.
    Count { min: u64, max: u64 },
    /// Bytes per second (`500K`, `2M`; `0` or `off` for none), as [`rate::parse`] reads it.
    Rate,
    /// A local file's path (any bytes).
    Path,
    /// One of `words`, each row a word and its synonyms (the first is how it is shown);
    /// `what` names them in an error (`"xml" is not a log format (text or json)`).
    Choice {
        what: &'static str,
        words: &'static [&'static [&'static str]],
    },
    /// Any text the setting's own use checks (a glob, a command line, a remote folder).
    Text,
}

/// A value of a setting, parsed and within its range.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Switch(bool),
    Seconds(Duration),
    Count(u64),
    Rate(Option<u64>),
    Path(PathBuf),
    /// The choice's first spelling.
    Choice(&'static str),
    Text(String),
}

impl Kind {
    /// The value `text` gives this kind, or why not (the message follows `NAME: `). Text is
    /// as every word the user gives (`crate::lossless`): a path's bytes are kept.
    pub fn parse(&self, text: &str) -> Result<Value, String> {
        if let Kind::Path = self {
            if text.is_empty() {
                return Err("expected a file name".into());
            }
            return Ok(Value::Path(crate::lossless::to_path(text)));
        }
        let text = text.trim();
        match *self {
            Kind::Switch => crate::config::on_off(text)
                .map(Value::Switch)
                .ok_or_else(|| format!("expected on or off, got {text:?}")),
            Kind::Seconds { min, max } => {
                let secs: f64 = text
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite())
                    .ok_or_else(|| format!("{text:?} is not a number of seconds"))?;
                if secs <= 0.0 && min > 0.0 {
                    return Err(format!("must be a positive number of seconds, not {text}"));
                }
                if !(min..=max).contains(&secs) {
                    return Err(format!(
                        "{text} is out of range: from {} to {} seconds",
                        number(min),
                        number(max)
                    ));
                }
                Ok(Value::Seconds(Duration::from_secs_f64(secs)))
            }
            Kind::WholeSeconds { min, max } => match text.parse::<u64>() {
                Ok(secs) if (min..=max).contains(&secs) => {
                    Ok(Value::Seconds(Duration::from_secs(secs)))
                }
                _ => Err(format!(
                    "must be a whole number of seconds from {min} to {max}"
                )),
            },
            Kind::Levels { max } => match text.parse::<u64>() {
                Ok(levels) if levels <= max => Ok(Value::Count(levels)),
                _ => Err(format!(
                    "must be a number of levels from 0 to {max} (deeper trees are not walked)"
                )),
            },
            Kind::Count { min, max } => {
                let n: u64 = text
                    .parse()
                    .map_err(|e| format!("invalid value {text:?}: {e}"))?;
                if n < min {
                    return Err(format!("must be at least {min}"));
                }
                if n > max {
                    return Err(format!("{text} is out of range: from {min} to {max}"));
                }
                Ok(Value::Count(n))
            }
            Kind::Rate => rate::parse(text).map(Value::Rate),
            Kind::Choice { what, words } => words
                .iter()
                .find(|row| row.iter().any(|w| w.eq_ignore_ascii_case(text)))
                .map(|row| Value::Choice(row[0]))
                .ok_or_else(|| {
                    let shown: Vec<&str> = words.iter().map(|row| row[0]).collect();
                    let (last, rest) = shown.split_last().unwrap_or((&"", &[]));
                    match rest {
                        [] => format!("{text:?} is not a {what} ({last})"),
                        _ => format!("{text:?} is not a {what} ({} or {last})", rest.join(", ")),
                    }
                }),
            Kind::Text => Ok(Value::Text(text.to_string())),
            Kind::Path => unreachable!("read above"),
        }
    }

    /// The words a value may be, as shown: `["off", "explicit", "implicit"]`; none for kinds
    /// that are not chosen from a list.
    pub fn words(&self) -> Vec<&'static str> {
        match self {
            Kind::Choice { words, .. } => words.iter().map(|row| row[0]).collect(),
            Kind::Switch => vec!["on", "off"],
            _ => Vec::new(),
        }
    }

    /// The range in words, for help: `0.05 to 86400`.
    pub fn range(&self) -> Option<String> {
        match *self {
            Kind::Seconds { min, max } => Some(format!("{} to {}", number(min), number(max))),
            Kind::Levels { max } => Some(format!("0 to {max}")),
            Kind::Count { min, max } | Kind::WholeSeconds { min, max } => {
                Some(format!("{min} to {max}"))
            }
            _ => None,
        }
    }
}

impl Value {
    /// As the parser reads it back: `on`, `1.5`, `2M`, `off`.
    pub fn display(&self) -> String {
        match self {
            Value::Switch(on) => if *on { "on" } else { "off" }.into(),
            Value::Seconds(d) => number(d.as_secs_f64()),
            Value::Count(n) => n.to_string(),
            Value::Rate(None) => "off".into(),
            Value::Rate(Some(r)) => rate::display(*r),
            Value::Path(p) => {
                crate::lossless::from_os(p.as_os_str()).unwrap_or_else(|| p.display().to_string())
            }
            Value::Choice(word) => word.to_string(),
            Value::Text(text) => text.clone(),
        }
    }

    /// The switch's state; every other kind is off.
    pub fn on(&self) -> bool {
        matches!(self, Value::Switch(true))
    }

    pub fn seconds(&self) -> Duration {
        match self {
            Value::Seconds(d) => *d,
            _ => Duration::ZERO,
        }
    }

    pub fn count(&self) -> usize {
        match self {
            Value::Count(n) => usize::try_from(*n).unwrap_or(usize::MAX),
            _ => 0,
        }
    }

    pub fn rate(&self) -> Option<u64> {
        match self {
            Value::Rate(r) => *r,
            _ => None,
        }
    }

    pub fn path(&self) -> Option<PathBuf> {
        match self {
            Value::Path(p) => Some(p.clone()),
            _ => None,
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Value::Text(t) => t,
            Value::Choice(word) => word,
            _ => "",
        }
    }
}

/// `1`, `0.5`, `86400`: seconds as typed (no trailing `.0`).
fn number(value: f64) -> String {
    format!("{value}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(kind: Kind, text: &str) -> Result<Value, String> {
        kind.parse(text)
    }

    /// Every number is read within its range, and nothing a user types panics: huge, tiny,
    /// negative, NaN, infinite, empty, words.
    #[test]
    fn numbers_stay_within_their_range() {
        let secs = Kind::Seconds {
            min: 0.05,
            max: 86400.0,
        };
        assert_eq!(
            parse(secs, "0.5"),
            Ok(Value::Seconds(Duration::from_millis(500)))
        );
        assert_eq!(
            parse(secs, "86400"),
            Ok(Value::Seconds(Duration::from_secs(86400)))
        );
        for text in [
            "1e300", "86401", "0.000001", "0", "-1", "NaN", "inf", "-inf", "", "soon", "1e-300",
        ] {
            assert!(parse(secs, text).is_err(), "{text}");
        }
        let count = Kind::Count { min: 0, max: 64 };
        assert_eq!(parse(count, "64"), Ok(Value::Count(64)));
        assert_eq!(parse(count, "0"), Ok(Value::Count(0)));
        for text in ["65", "100000", "-1", "1.5", "18446744073709551616", "x", ""] {
            assert!(parse(count, text).is_err(), "{text}");
        }
        assert_eq!(parse(Kind::Rate, "off"), Ok(Value::Rate(None)));
        assert!(parse(Kind::Rate, "99999999999G").is_err());
    }

    #[test]
    fn values_display_as_they_parse() {
        let kinds = [
            (Kind::Switch, "on"),
            (Kind::Switch, "off"),
            (
                Kind::Seconds {
                    min: 0.1,
                    max: 10.0,
                },
                "0.5",
            ),
            (
                Kind::Seconds {
                    min: 0.1,
                    max: 10.0,
                },
                "2",
            ),
            (Kind::Count { min: 0, max: 9 }, "7"),
            (Kind::Rate, "1.5M"),
            (Kind::Rate, "off"),
            (
                Kind::Choice {
                    what: "mode",
                    words: &[&["off", "no"], &["on", "yes"]],
                },
                "on",
            ),
            (Kind::Text, "*.tmp"),
        ];
        for (kind, text) in kinds {
            assert_eq!(parse(kind, text).unwrap().display(), text);
        }
        let choice = Kind::Choice {
            what: "TLS mode",
            words: &[&["off", "no"], &["explicit", "yes", "on"], &["implicit"]],
        };
        assert_eq!(parse(choice, "YES"), Ok(Value::Choice("explicit")));
        assert_eq!(
            parse(choice, "sometimes").unwrap_err(),
            "\"sometimes\" is not a TLS mode (off, explicit or implicit)"
        );
    }
}
