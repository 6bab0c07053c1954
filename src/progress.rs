//! Progress bars (indicatif) for transfers at a terminal; plain silence elsewhere.
//!
//! Bars draw on stderr. While one is on screen, lines from elsewhere (a mirror job's events,
//! the protocol trace) go through `print_line`, which lifts the bar out of the way first, so
//! neither garbles the other.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Prints a line from another thread (a mirror job) without garbling the prompt or a bar:
/// the output layer's, so that the mirror below the shell can take one from it.
pub type Printer = std::sync::Arc<dyn Fn(String) + Send + Sync>;

static ENABLED: AtomicBool = AtomicBool::new(false);
/// The bar on screen, if any.
static ACTIVE: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Bars only when stderr is a terminal and --quiet was not given.
pub fn init(quiet: bool) {
    ENABLED.store(!quiet && std::io::stderr().is_terminal(), Ordering::Relaxed);
}

/// Whether bars are drawn at all (worth a SIZE round trip to give one its total).
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// A progress bar for one transfer or a batch; hidden when bars are off.
pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    /// Bytes of one file: size, rate, ETA. `total` None draws a byte counter.
    pub fn bytes(label: &str, total: Option<u64>) -> Bar {
        let template = if total.is_some() {
            "{msg} {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}"
        } else {
            "{msg} {spinner} {bytes} {bytes_per_sec}"
        };
        Bar::new(label, total, template)
    }

    /// Files and bytes of a batch (multi-file commands, a mirror's first pass).
    pub fn files(label: &str, files: u64) -> Bar {
        Bar::new(
            label,
            Some(files),
            // files per second: {bytes_per_sec} would call 70 files a second "70 B/s"
            "{msg} {wide_bar} {pos}/{len} files {per_sec} ETA {eta}",
        )
    }

    fn new(label: &str, total: Option<u64>, template: &str) -> Bar {
        if !ENABLED.load(Ordering::Relaxed) {
            return Bar {
                bar: ProgressBar::hidden(),
            };
        }
        let style =
            ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar());
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr())
            .with_style(style)
            .with_message(crate::escape::escape(label).into_owned());
        if let Ok(mut active) = ACTIVE.lock() {
            *active = Some(bar.clone());
        }
        Bar { bar }
    }

    /// Sets the position (bytes or files so far).
    pub fn set(&self, position: u64) {
        self.bar.set_position(position);
    }

    pub fn inc(&self, delta: u64) {
        self.bar.inc(delta);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
        // Foreground commands run one at a time: the bar ending is the one on screen.
        if !self.bar.is_hidden()
            && let Ok(mut active) = ACTIVE.lock()
        {
            *active = None;
        }
    }
}

/// Prints a line on stderr without tearing through a bar on screen; escaped, as it may
/// carry server text (a mirror's event, the protocol trace).
pub fn print_line(line: &str) {
    let line = crate::escape::escape(line);
    around_bar(|| eprintln!("{line}"));
}

/// Prints a line on stdout (a command's own output) without tearing through a bar;
/// escaped like `print_line`.
pub fn print_out(line: &str) {
    let line = crate::escape::escape(line);
    around_bar(|| println!("{line}"));
}

/// Runs `print` with any bar on screen lifted out of the way.
pub fn around_bar(print: impl FnOnce()) {
    let active = ACTIVE.lock().ok().and_then(|a| a.clone());
    match active {
        Some(bar) => bar.suspend(print),
        None => print(),
    }
}
