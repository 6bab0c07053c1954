//! Progress bars (indicatif) for transfers at a terminal; plain silence elsewhere.
//!
//! Bars draw on stderr. While one is on screen, lines from elsewhere (a mirror job's events,
//! the protocol trace) go through `print_line`, which lifts the bar out of the way first, so
//! neither garbles the other.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

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

/// A progress bar for one transfer or a batch; hidden when bars are off. Shared by the
/// threads of a batch (each reports its own file's bytes).
pub struct Bar {
    bar: ProgressBar,
    batch: Option<Batch>,
}

/// A batch bar's count of files.
struct Batch {
    files: u64,
    done: AtomicU64,
}

impl Batch {
    fn shown(&self, done: u64) -> String {
        format!("{done}/{} files", self.files)
    }
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

    /// A batch of `files` files, `bytes` bytes in all (multi-file commands, a mirror's
    /// pass): the bar, the rate and the ETA go by bytes (one big file among small ones is
    /// most of the wait), the files done are counted beside them.
    pub fn batch(label: &str, files: u64, bytes: u64) -> Bar {
        let bar = Bar::new(
            label,
            Some(bytes),
            "{msg} {prefix} {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        );
        let batch = Batch {
            files,
            done: AtomicU64::new(0),
        };
        let mut bar = bar;
        bar.bar.set_prefix(batch.shown(0));
        bar.batch = Some(batch);
        bar
    }

    fn new(label: &str, total: Option<u64>, template: &str) -> Bar {
        if !ENABLED.load(Ordering::Relaxed) {
            return Bar {
                bar: ProgressBar::hidden(),
                batch: None,
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
        Bar { bar, batch: None }
    }

    /// Sets the position (bytes or files so far).
    pub fn set(&self, position: u64) {
        self.bar.set_position(position);
    }

    pub fn inc(&self, delta: u64) {
        self.bar.inc(delta);
    }

    /// A reporter for one file of a batch of `size` bytes: `moved(n)` as its bytes so far
    /// grow; dropped, the file is done (one that failed or was skipped counts as done, all
    /// its bytes with it, so the total is reached when the batch ends).
    pub fn file(&self, size: u64) -> FileProgress<'_> {
        FileProgress {
            bar: self,
            size,
            counted: 0,
        }
    }
}

/// One file's share of a batch bar (see [`Bar::file`]).
pub struct FileProgress<'a> {
    bar: &'a Bar,
    size: u64,
    counted: u64,
}

impl FileProgress<'_> {
    /// The file's bytes so far (a resumed file's count starts at its offset).
    pub fn moved(&mut self, so_far: u64) {
        let so_far = so_far.min(self.size);
        if so_far > self.counted {
            self.bar.inc(so_far - self.counted);
            self.counted = so_far;
        }
    }
}

impl Drop for FileProgress<'_> {
    /// The file is finished, one way or another.
    fn drop(&mut self) {
        self.moved(self.size);
        if let Some(batch) = &self.bar.batch {
            let done = batch.done.fetch_add(1, Ordering::Relaxed) + 1;
            self.bar.bar.set_prefix(batch.shown(done));
        }
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
