//! One journal line as data (job, action, path, bytes, time taken, outcome, error) and its two
//! forms: the text line (the default) and one JSON object (`--log-format json`).
//! How names and text become JSON strings is `super::json`'s.

use std::str::FromStr;
use std::time::SystemTime;

use serde_json::Value;

use super::json::{JsonObject, text_value};
use crate::escape::{escape, quoted};

/// How a journal file's lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Text => "text",
            Format::Json => "json",
        })
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Format, String> {
        match text {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            other => Err(format!("{other:?} is not a log format (text or json)")),
        }
    }
}

/// How an action or a pass ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// A local file could not be read or changed while sent: sent again next pass.
    Skipped,
    Failed,
    /// Deletes held back by a guard.
    Held,
}

impl Outcome {
    fn word(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Skipped => "skipped",
            Outcome::Failed => "failed",
            Outcome::Held => "held",
        }
    }
}

/// One journal line.
#[derive(Debug, Clone, Default)]
pub struct Entry<'a> {
    pub job: usize,
    /// `STOR`, `MKD`, `RENAME`, `DELE`, `RMD`, `CLEAN`, `BACKUP`; `PASS`, `HOLD`, `SKIP`,
    /// `FAILED`, `ON-CHANGE` for lines about the job rather than one path.
    pub action: &'a str,
    /// Mirror-relative path (lossless text); None for lines about the job.
    pub path: Option<&'a str>,
    /// Where a rename came from.
    pub from: Option<&'a str>,
    /// Where a backup went (an absolute remote path).
    pub to: Option<&'a str>,
    pub bytes: u64,
    /// Where a transfer continued an earlier one's partial file (`bytes` is what this one
    /// moved, the rest of the file): text `(resumed at N)`, JSON `resumed_at`.
    pub resumed_at: Option<u64>,
    pub ms: u128,
    /// None: a line that only says something (`SKIP` notes, `PASS` summaries in text).
    pub outcome: Option<Outcome>,
    pub error: Option<&'a str>,
    /// Free text: a pass summary, why deletes are held.
    pub message: Option<&'a str>,
    /// Counts of a pass (`uploaded`, `deleted`, ...), JSON only (the text has them in
    /// `message`).
    pub counts: &'a [(&'static str, u64)],
}

impl Entry<'_> {
    /// The text line (without time and level, which the log writer adds), as ftpsh has
    /// always written it: `job=1 STOR "a b.png" bytes=5120 ms=3 ok`.
    pub fn text(&self) -> String {
        let job = self.job;
        let action = self.action;
        let line = match self.path {
            Some(path) => {
                let shown = match (self.from, self.to) {
                    (Some(from), _) => quoted(&format!("{from} -> {path}")),
                    (None, Some(to)) => quoted(&format!("{path} -> {to}")),
                    (None, None) => quoted(path),
                };
                let end = match (self.outcome, self.error) {
                    (Some(outcome), Some(error)) => format!("{}: {error}", outcome.word()),
                    (Some(outcome), None) => outcome.word().to_string(),
                    (None, _) => String::new(),
                };
                let resumed = self
                    .resumed_at
                    .map(|at| format!(" (resumed at {at})"))
                    .unwrap_or_default();
                format!(
                    "job={job} {action} {shown} bytes={} ms={} {end}",
                    self.bytes, self.ms
                )
                .trim_end()
                .to_string()
                    + &resumed
            }
            None => {
                let said = self.message.or(self.error).unwrap_or("");
                format!("job={job} {action} {said}").trim_end().to_string()
            }
        };
        escape(&line).into_owned()
    }

    /// One JSON object on one line, its keys always in this order: `time` (RFC 3339, UTC,
    /// microseconds), `job`, `action`, `path`, `bytes`, `ms`, `outcome`, `error`, then `from`,
    /// `to`, `resumed_at`, `message`, the counts and `*_hex` where they apply.
    pub fn json(&self, time: SystemTime) -> String {
        let mut object = JsonObject::new();
        object.field("time", Value::from(crate::clock::rfc3339(time)));
        object.field("job", Value::from(self.job));
        object.field("action", Value::from(self.action));
        object.name("path", self.path);
        object.field("bytes", Value::from(self.bytes));
        object.field(
            "ms",
            Value::from(u64::try_from(self.ms).unwrap_or(u64::MAX)),
        );
        object.field(
            "outcome",
            self.outcome.map_or(Value::Null, |o| Value::from(o.word())),
        );
        object.field("error", self.error.map_or(Value::Null, text_value));
        if self.from.is_some() {
            object.name("from", self.from);
        }
        if self.to.is_some() {
            object.name("to", self.to);
        }
        if let Some(at) = self.resumed_at {
            object.field("resumed_at", Value::from(at));
        }
        if let Some(message) = self.message {
            object.field("message", text_value(message));
        }
        for (key, count) in self.counts {
            object.field(key, Value::from(*count));
        }
        object.finish()
    }
}

/// A line that is not an entry (a warning, a protocol trace line with `--debug`) in a JSON
/// journal: `{"time":..,"level":"WARN","message":..}`.
pub fn json_message(time: SystemTime, level: log::Level, message: &str) -> String {
    let mut object = JsonObject::new();
    object.field("time", Value::from(crate::clock::rfc3339(time)));
    object.field("level", Value::from(level.as_str()));
    object.field("message", text_value(message));
    object.finish()
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    fn at() -> SystemTime {
        UNIX_EPOCH + Duration::from_micros(1_795_341_601_123_456)
    }

    fn stor(path: &str) -> Entry<'_> {
        Entry {
            job: 1,
            action: "STOR",
            path: Some(path),
            bytes: 5120,
            ms: 3,
            outcome: Some(Outcome::Ok),
            ..Entry::default()
        }
    }

    #[test]
    fn text_lines_are_as_before() {
        assert_eq!(
            stor("img/a b.png").text(),
            r#"job=1 STOR "img/a b.png" bytes=5120 ms=3 ok"#
        );
        let rename = Entry {
            action: "RENAME",
            from: Some("css"),
            bytes: 0,
            ms: 1,
            ..stor("styles")
        };
        assert_eq!(
            rename.text(),
            r#"job=1 RENAME "css -> styles" bytes=0 ms=1 ok"#
        );
        let failed = Entry {
            outcome: Some(Outcome::Failed),
            error: Some("STOR x: 552 quota"),
            bytes: 0,
            ..stor("x")
        };
        assert_eq!(
            failed.text(),
            r#"job=1 STOR "x" bytes=0 ms=3 failed: STOR x: 552 quota"#
        );
        // A resumed transfer says where it continued; a new one says nothing more.
        let resumed = Entry {
            bytes: 3000,
            resumed_at: Some(1_048_576),
            ..stor("big.bin")
        };
        assert_eq!(
            resumed.text(),
            r#"job=1 STOR "big.bin" bytes=3000 ms=3 ok (resumed at 1048576)"#
        );
        let fetched = Entry {
            action: "RETR",
            resumed_at: Some(0),
            ..stor("d/x")
        };
        assert_eq!(
            fetched.text(),
            r#"job=1 RETR "d/x" bytes=5120 ms=3 ok (resumed at 0)"#
        );
        let pass = Entry {
            job: 2,
            action: "PASS",
            message: Some("1 uploaded (5 bytes) in 0.01s"),
            ..Entry::default()
        };
        assert_eq!(pass.text(), "job=2 PASS 1 uploaded (5 bytes) in 0.01s");
        // Server text is escaped in text lines too.
        let hostile = Entry {
            error: Some("550 \u{1b}[31mno"),
            outcome: Some(Outcome::Failed),
            ..stor("x\u{202e}gpj.exe")
        };
        assert_eq!(
            hostile.text(),
            r#"job=1 STOR "x\u{202e}gpj.exe" bytes=5120 ms=3 failed: 550 \x1b[31mno"#
        );
    }

    fn parse(line: &str) -> serde_json::Map<String, Value> {
        assert!(!line.contains('\n'), "{line}");
        match serde_json::from_str(line).expect("valid JSON") {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn json_has_every_field_in_order() {
        let line = stor("img/a b.png").json(at());
        assert_eq!(
            line,
            r#"{"time":"2026-11-22T10:00:01.123456Z","job":1,"action":"STOR","path":"img/a b.png","bytes":5120,"ms":3,"outcome":"ok","error":null}"#
        );
        let resumed = Entry {
            resumed_at: Some(1_048_576),
            ..stor("big.bin")
        };
        assert_eq!(
            resumed.json(at()),
            r#"{"time":"2026-11-22T10:00:01.123456Z","job":1,"action":"STOR","path":"big.bin","bytes":5120,"ms":3,"outcome":"ok","error":null,"resumed_at":1048576}"#
        );
        let pass = Entry {
            action: "PASS",
            message: Some("summary"),
            counts: &[("uploaded", 2), ("deleted", 1)],
            outcome: Some(Outcome::Ok),
            ..Entry::default()
        };
        let map = parse(&pass.json(at()));
        assert_eq!(map["path"], Value::Null);
        assert_eq!(map["uploaded"], 2);
        assert_eq!(map["deleted"], 1);
        assert_eq!(map["message"], "summary");
    }

    #[test]
    fn json_names_round_trip_whatever_they_hold() {
        // (name as ftpsh holds it, what a JSON reader gets in "path", "path_hex")
        let latin1 = crate::lossless::decode(b"r\xe4ksm\xf6rg\xe5s.txt");
        let reserved = crate::lossless::decode("a\u{ef90}b".as_bytes());
        let table: Vec<(String, String, Option<&str>)> = vec![
            (
                "quote\"back\\slash".into(),
                "quote\"back\\slash".into(),
                None,
            ),
            ("tab\tnl\ncr\r".into(), "tab\tnl\ncr\r".into(), None),
            ("esc\u{1b}[2J".into(), "esc\u{1b}[2J".into(), None),
            (
                "bidi\u{202e}txt.exe".into(),
                "bidi\u{202e}txt.exe".into(),
                None,
            ),
            (
                "c1\u{9b}31m del\u{7f}".into(),
                "c1\u{9b}31m del\u{7f}".into(),
                None,
            ),
            ("räksmörgås €".into(), "räksmörgås €".into(), None),
            // A real U+EF90 in a UTF-8 name is that character again.
            (reserved, "a\u{ef90}b".into(), None),
            (
                latin1,
                r"r\xe4ksm\xf6rg\xe5s.txt".into(),
                Some("72e46b736df67267e5732e747874"),
            ),
        ];
        for (name, want, hex) in table {
            let line = stor(&name).json(at());
            // Nothing a terminal acts on is written raw.
            assert!(
                !line
                    .chars()
                    .any(|c| c.is_control() || crate::escape::is_terminal_control(c)),
                "{line:?}"
            );
            let map = parse(&line);
            assert_eq!(map["path"], Value::from(want.as_str()), "{line}");
            assert_eq!(map.get("path_hex").and_then(Value::as_str), hex, "{line}");
        }
    }

    #[test]
    fn json_errors_and_messages_are_safe_strings() {
        let line = Entry {
            outcome: Some(Outcome::Failed),
            error: Some("550 \u{1b}]0;owned\u{7}"),
            ..stor("x")
        }
        .json(at());
        assert!(!line.contains('\u{1b}'), "{line:?}");
        assert_eq!(parse(&line)["error"], "550 \u{1b}]0;owned\u{7}");
        let line = json_message(at(), log::Level::Warn, "bad \u{9b} reply");
        let map = parse(&line);
        assert_eq!(map["level"], "WARN");
        assert_eq!(map["message"], "bad \u{9b} reply");
        assert!(!line.contains('\u{9b}'));
    }

    #[test]
    fn formats_parse() {
        assert_eq!("json".parse(), Ok(Format::Json));
        assert_eq!("text".parse(), Ok(Format::Text));
        assert!("xml".parse::<Format>().is_err());
    }
}
