//! Logging: the journal file (mirror movements; text lines, or JSON lines) and the
//! protocol trace, with PASS masked wherever a line goes.

mod entry;
mod json;

use std::cell::Cell;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

pub use entry::{Entry, Format, Outcome};
pub use json::{JsonObject, text_value as json_text};

use log::{Level, LevelFilter, Log, Metadata, Record};

use crate::error::{Error, Result};
use crate::escape::escape;

/// Log target of journal lines: one per movement, one per pass summary.
pub const TARGET: &str = "journal";

static TRACE_TO_TERMINAL: AtomicBool = AtomicBool::new(false);
static TRACE_TO_FILE: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// suppaftp logs the first line of each reply twice around a "Code parsed" line.
    static AFTER_CODE_PARSED: Cell<bool> = const { Cell::new(false) };
}

fn open_append(path: &Path) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::local(format!("journal {}", path.display()), e))
}

/// A journal file in its format. Each line is written with one `write` on an O_APPEND
/// file, so lines from several jobs never interleave.
struct Sink {
    file: Mutex<File>,
    format: Format,
    /// The most detailed level written.
    level: LevelFilter,
}

impl Sink {
    fn open(path: &Path, format: Format, level: LevelFilter) -> Result<Sink> {
        Ok(Sink {
            file: Mutex::new(open_append(path)?),
            format,
            level,
        })
    }

    /// A log record's message (already escaped).
    fn message(&self, level: Level, message: &str) {
        if level > self.level {
            return;
        }
        let now = SystemTime::now();
        match self.format {
            Format::Text => self.write_line(&text_line(now, level, message)),
            Format::Json => self.write_line(&entry::json_message(now, level, message)),
        }
    }

    fn entry(&self, entry: &Entry) {
        match self.format {
            Format::Text => self.message(Level::Info, &entry.text()),
            Format::Json => self.write_line(&entry.json(SystemTime::now())),
        }
    }

    fn write_line(&self, line: &str) {
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        // A journal that cannot be written must not stop a mirror: the line is lost.
        let _ = file.write_all(format!("{line}\n").as_bytes());
    }
}

/// A text journal line: `2026-11-22T10:00:01.123456Z [INFO] message`. The time is the JSON
/// journal's (UTC, to the microsecond, `crate::clock::rfc3339`): always 27 characters, so
/// the lines of several journals sort by time as text.
fn text_line(time: SystemTime, level: Level, message: &str) -> String {
    format!("{} [{level}] {message}", crate::clock::rfc3339(time))
}

struct Dispatch {
    file: Option<Sink>,
}

/// Installs the global logger. `log_file` is the default journal, written in `format`;
/// `debug` also writes the protocol conversation there and on the terminal.
pub fn init(log_file: Option<&Path>, format: Format, debug: bool) -> Result<()> {
    let file = match log_file {
        Some(path) => Some(Sink::open(path, format, LevelFilter::Trace)?),
        None => None,
    };
    TRACE_TO_FILE.store(debug && log_file.is_some(), Ordering::Relaxed);
    set_trace(debug);
    // A second init (tests calling main twice) keeps the first logger: harmless.
    let _ = log::set_boxed_logger(Box::new(Dispatch { file }));
    apply_level();
    Ok(())
}

/// The protocol trace (suppaftp formats every reply as a byte list for it) is only produced
/// when someone reads it (`debug`, or a journal file with `--debug`). Otherwise the level
/// stays at Info, where journal lines live, and the trace costs nothing.
fn apply_level() {
    let tracing = TRACE_TO_TERMINAL.load(Ordering::SeqCst) || TRACE_TO_FILE.load(Ordering::SeqCst);
    log::set_max_level(if tracing {
        LevelFilter::Trace
    } else {
        LevelFilter::Info
    });
}

/// `debug on|off`: show the protocol conversation on the terminal.
pub fn set_trace(on: bool) {
    TRACE_TO_TERMINAL.store(on, Ordering::SeqCst);
    apply_level();
}

/// Hides the argument of PASS (and ACCT) in anything shown to the user or logged.
pub fn mask_command(command: &str) -> String {
    let upper = command.trim_start().to_ascii_uppercase();
    if upper.starts_with("PASS ") || upper.starts_with("ACCT ") {
        format!("{} ****", &command.trim_start()[..4])
    } else {
        command.to_string()
    }
}

/// A note of ours in the protocol trace (`--debug`), between the commands and replies it
/// explains: "--- text".
pub fn trace_note(text: &str) {
    log::debug!(target: TRACE_NOTE, "{text}");
}

/// Log target of `trace_note`.
const TRACE_NOTE: &str = "ftpsh::trace";

/// A protocol line from suppaftp, rewritten as "--> CMD" / "<-- reply", PASS masked.
fn protocol_line(record: &Record) -> Option<String> {
    if record.target() == TRACE_NOTE {
        return Some(format!("--- {}", record.args()));
    }
    if !record.target().starts_with("suppaftp") {
        return None;
    }
    let message = record.args().to_string();
    if message.starts_with("Code parsed") {
        AFTER_CODE_PARSED.with(|c| c.set(true));
        return None;
    }
    let after_code = AFTER_CODE_PARSED.with(|c| c.replace(false));
    if let Some(command) = message.strip_prefix("CC OUT: ") {
        return Some(format!("--> {}", escape(&mask_command(command))));
    }
    let reply = message.strip_prefix("CC IN: ")?;
    if after_code {
        return None;
    }
    let reply = decode_byte_list(reply);
    Some(format!("<-- {}", escape(&reply)))
}

/// suppaftp traces replies as a Debug-printed byte vector: "[50, 50, 48, ...]".
fn decode_byte_list(text: &str) -> String {
    let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) else {
        return text.trim_end().to_string();
    };
    let bytes: Vec<u8> = inner
        .split(',')
        .filter_map(|b| b.trim().parse::<u8>().ok())
        .collect();
    let mut text = crate::lossless::decode(&bytes);
    text.truncate(text.trim_end().len());
    text
}

/// "[mirror-1] line" for lines from a mirror job's thread.
fn thread_prefixed(message: &str) -> String {
    match std::thread::current().name() {
        Some(name) if name.starts_with("mirror") => format!("[{name}] {message}"),
        _ => message.to_string(),
    }
}

/// Every line reaches the file escaped: a journal read with `cat` or `tail -f` is a
/// terminal too.
fn with_message(record: &Record, message: &str, sink: &Sink) {
    let prefixed = thread_prefixed(&escape(message));
    sink.message(record.level(), &prefixed);
}

impl Log for Dispatch {
    fn enabled(&self, _: &Metadata) -> bool {
        true
    }

    fn log(&self, record: &Record) {
        if let Some(line) = protocol_line(record) {
            if TRACE_TO_TERMINAL.load(Ordering::Relaxed) {
                crate::progress::print_line(&thread_prefixed(&line));
            }
            if let Some(file) = &self.file
                && TRACE_TO_FILE.load(Ordering::Relaxed)
            {
                with_message(record, &line, file);
            }
            return;
        }
        let keep = record.target() == TARGET
            || (record.level() <= Level::Warn && record.target().starts_with("ftpsh"));
        if let Some(file) = &self.file
            && keep
        {
            with_message(record, &record.args().to_string(), file);
        }
    }

    /// Every line is written as it comes.
    fn flush(&self) {}
}

/// One mirror job's journal: its own file when the job was given `--log` (or the global
/// `--log`, which is its default), else the global logger (which then has no file).
pub struct Journal {
    own: Option<Sink>,
}

impl Journal {
    pub fn open(own_file: Option<&Path>, format: Format) -> Result<Journal> {
        let own = match own_file {
            Some(path) => Some(Sink::open(path, format, LevelFilter::Info)?),
            None => None,
        };
        Ok(Journal { own })
    }

    /// Writes one entry in the file's format.
    pub fn write(&self, entry: &Entry) {
        match &self.own {
            Some(sink) => sink.entry(entry),
            None => {
                log::info!(target: TARGET, "{}", entry.text());
                log::logger().flush();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every text line's time has the same width (whatever the fraction's trailing zeros),
    /// so `sort` orders lines by time, and reads as the JSON journal's.
    #[test]
    fn text_lines_have_a_fixed_width_time() {
        let at = |nanos: u64| std::time::UNIX_EPOCH + std::time::Duration::from_nanos(nanos);
        let lines: Vec<String> = [
            1_764_000_000_000_000_000,
            1_764_000_000_100_000_000,
            1_764_000_000_120_000_000,
            1_764_000_000_123_456_789,
            1_764_000_001_000_000_001,
        ]
        .into_iter()
        .map(|n| text_line(at(n), Level::Info, "job=1 PASS"))
        .collect();
        assert_eq!(lines[0], "2025-11-24T16:00:00.000000Z [INFO] job=1 PASS");
        assert_eq!(lines[3], "2025-11-24T16:00:00.123456Z [INFO] job=1 PASS");
        assert!(lines.iter().all(|l| l.len() == lines[0].len()), "{lines:?}");
        let mut sorted = lines.clone();
        sorted.sort();
        assert_eq!(sorted, lines, "text order is time order");
        let json = entry::json_message(at(1_764_000_000_120_000_000), Level::Info, "m");
        assert!(json.contains(&lines[2][..27]), "{json} vs {}", lines[2]);
    }

    fn traced(message: &str) -> Option<String> {
        protocol_line(
            &Record::builder()
                .args(format_args!("{message}"))
                .target("suppaftp::sync_ftp::control")
                .level(Level::Trace)
                .build(),
        )
    }

    #[test]
    fn replies_are_decoded_and_pass_is_masked() {
        let bytes: Vec<String> = b"226 Output truncated to 10000 matches\r\n"
            .iter()
            .map(u8::to_string)
            .collect();
        let line = traced(&format!("CC IN: [{}]", bytes.join(", ")));
        assert_eq!(
            line.as_deref(),
            Some("<-- 226 Output truncated to 10000 matches")
        );
        assert_eq!(
            traced("CC OUT: PASS hunter2").as_deref(),
            Some("--> PASS ****")
        );
    }

    #[test]
    fn pass_is_masked() {
        assert_eq!(mask_command("PASS hunter2"), "PASS ****");
        assert_eq!(mask_command("pass hunter2"), "pass ****");
        assert_eq!(mask_command("SITE CHMOD 644 x"), "SITE CHMOD 644 x");
    }

    #[test]
    fn byte_lists_decode_to_text() {
        assert_eq!(
            decode_byte_list("[50, 50, 48, 32, 104, 105, 13, 10]"),
            "220 hi"
        );
        assert_eq!(decode_byte_list("plain"), "plain");
    }
}
