//! Bandwidth limits (`--limit-rate`): the `500K` / `2M` syntax, and token buckets shared by
//! every data connection they limit (the whole process, or one mirror job's connections).
//!
//! Written here rather than taken from a crate: `governor`, the well-kept one, meters cells
//! in a `u32` quota with async waits and brings eight crates; a blocking bucket shared
//! through a mutex is forty lines.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest sleep between two looks at Ctrl-C / `mirror stop`.
const SLICE: Duration = Duration::from_millis(100);

/// The lowest rate accepted: the data stall rule's minimum ([`super::deadline::MIN_RATE`]),
/// which a connection held below it would break.
pub const MIN: u64 = super::deadline::MIN_RATE;

/// Parses a rate in bytes per second: a number with an optional `K`, `M` or `G` (powers of
/// 1024, either case), `1.5M` included; at least [`MIN`]. `0` and `off` mean no limit (`None`).
pub fn parse(text: &str) -> Result<Option<u64>, String> {
    let bad = || {
        format!("{text:?} is not a rate (bytes per second: 500K, 2M, 1048576; 0 or off for none)")
    };
    let trimmed = text.trim();
    if trimmed.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let (number, unit) = match trimmed.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&trimmed[..i], c.to_ascii_uppercase()),
        _ => (trimmed, ' '),
    };
    let scale: u64 = match unit {
        ' ' => 1,
        'K' => 1 << 10,
        'M' => 1 << 20,
        'G' => 1 << 30,
        _ => return Err(bad()),
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(bad());
    }
    let value: f64 = number.parse().map_err(|_| bad())?;
    let bytes = value * scale as f64;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(bad());
    }
    match bytes.round() as u64 {
        0 if value == 0.0 => Ok(None),
        n if n < MIN => Err(format!(
            "{text:?} is under the lowest rate, {} bytes per second",
            display(MIN)
        )),
        n => Ok(Some(n)),
    }
}

/// `1536000` → `1.5M`: a rate as `parse` reads it.
pub fn display(rate: u64) -> String {
    for (unit, scale) in [('G', 1u64 << 30), ('M', 1 << 20), ('K', 1 << 10)] {
        if rate >= scale {
            let value = rate as f64 / scale as f64;
            return match rate % scale {
                0 => format!("{}{unit}", rate / scale),
                _ => format!("{value:.1}{unit}"),
            };
        }
    }
    rate.to_string()
}

/// One token bucket: `rate` bytes per second, shared by whoever holds it. The process's
/// bucket may be changed while transfers run (`set limit-rate`), and may be unlimited.
pub struct Limit {
    /// Bytes per second; 0: no limit.
    rate: AtomicU64,
    /// Tokens at hand (negative: owed by those now sleeping) as of the instant.
    state: Mutex<(f64, Instant)>,
}

impl fmt::Debug for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rate() {
            Some(rate) => write!(f, "Limit({}/s)", display(rate)),
            None => write!(f, "Limit(none)"),
        }
    }
}

impl Limit {
    pub fn new(rate: u64) -> Arc<Limit> {
        Limit::changeable(Some(rate))
    }

    /// A bucket of `rate` (`None`: no limit, until [`Limit::set_rate`] gives one).
    pub fn changeable(rate: Option<u64>) -> Arc<Limit> {
        let limit = Limit {
            rate: AtomicU64::new(0),
            state: Mutex::new((0.0, Instant::now())),
        };
        limit.set_rate(rate);
        Arc::new(limit)
    }

    /// From now on, `rate` bytes per second (`None`: no limit) for every holder.
    pub fn set_rate(&self, rate: Option<u64>) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        self.rate
            .store(rate.map_or(0, |r| r.max(1)), Ordering::Relaxed);
        *state = (self.burst(), Instant::now());
    }

    pub fn rate(&self) -> Option<u64> {
        match self.rate.load(Ordering::Relaxed) {
            0 => None,
            rate => Some(rate),
        }
    }

    /// The most a bucket saves up while idle, and the most one read or write moves at a
    /// time: 1/20 s of the rate, so the pace is even and a progress bar moves smoothly.
    fn chunk(&self) -> usize {
        match self.rate() {
            Some(rate) => (rate / 20).clamp(1, 64 * 1024) as usize,
            None => usize::MAX,
        }
    }

    fn burst(&self) -> f64 {
        self.chunk() as f64
    }

    /// Takes `n` bytes' worth of tokens, going into debt if need be; returns how long to
    /// wait before sending them. Whoever takes while in debt waits for the whole debt, so
    /// over any span the holders together move at most the rate plus one burst.
    pub(super) fn take(&self, n: usize) -> Duration {
        if self.rate().is_none() {
            return Duration::ZERO;
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        // (read under the lock: `set_rate` changes it there)
        let rate = self.rate().unwrap_or(u64::MAX) as f64;
        let now = Instant::now();
        let (tokens, since) = *state;
        let refilled = (tokens + now.duration_since(since).as_secs_f64() * rate).min(self.burst());
        let left = refilled - n as f64;
        *state = (left, now);
        if left >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-left / rate)
        }
    }
}

/// The limits a connection's transfers obey: the process's and its job's, each shared.
#[derive(Debug, Clone, Default)]
pub struct Limits(Vec<Arc<Limit>>);

impl Limits {
    /// These limits and `limit` too.
    pub fn with(mut self, limit: Option<Arc<Limit>>) -> Limits {
        self.0.extend(limit);
        self
    }

    /// The most to move in one step: the smallest chunk of any limit.
    pub fn chunk(&self, wanted: usize) -> usize {
        self.0.iter().map(|l| l.chunk()).fold(wanted, usize::min)
    }

    /// Counts `n` bytes moved and waits until that is within every limit; returns how long
    /// it waited. Stops waiting early when the transfer is being cancelled (the next read
    /// or write fails then).
    pub fn pass(&self, n: usize) -> Duration {
        if self.0.is_empty() || n == 0 {
            return Duration::ZERO;
        }
        let wait = self.0.iter().map(|l| l.take(n)).max().unwrap_or_default();
        if wait.is_zero() {
            return Duration::ZERO;
        }
        let started = Instant::now();
        let until = started + wait;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() || crate::cancel::requested() {
                return started.elapsed();
            }
            std::thread::sleep(left.min(SLICE));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_in_powers_of_1024() {
        let table: &[(&str, Result<Option<u64>, ()>)] = &[
            ("500K", Ok(Some(500 * 1024))),
            ("500k", Ok(Some(500 * 1024))),
            ("2M", Ok(Some(2 * 1024 * 1024))),
            ("1.5M", Ok(Some(1_572_864))),
            ("1G", Ok(Some(1 << 30))),
            ("1048576", Ok(Some(1_048_576))),
            ("1024", Ok(Some(1024))),
            (" 64K ", Ok(Some(65_536))),
            ("0", Ok(None)),
            ("0K", Ok(None)),
            ("off", Ok(None)),
            ("OFF", Ok(None)),
            ("", Err(())),
            ("K", Err(())),
            ("-1M", Err(())),
            ("2MB", Err(())),
            ("2 M", Err(())),
            ("1e6", Err(())),
            ("2T", Err(())),
            ("1..5M", Err(())),
            ("0.1", Err(())),
            ("1023", Err(())),
            ("1", Err(())),
            ("99999999999G", Err(())),
            ("fast", Err(())),
        ];
        for (text, want) in table {
            let got = parse(text);
            match want {
                Ok(want) => assert_eq!(got, Ok(*want), "parse({text:?})"),
                Err(()) => {
                    let err = got.expect_err(text);
                    assert!(err.starts_with(&format!("{text:?} is ")), "{text:?}: {err}");
                }
            }
        }
    }

    #[test]
    fn rates_display_as_they_parse() {
        assert_eq!(display(1023), "1023");
        for (rate, text) in [
            (1024, "1K"),
            (512 * 1024, "512K"),
            (1_572_864, "1.5M"),
            (2 << 20, "2M"),
            (3 << 30, "3G"),
        ] {
            assert_eq!(display(rate), text);
            assert_eq!(parse(text), Ok(Some(rate)), "{text}");
        }
    }

    #[test]
    fn a_bucket_lends_one_burst_then_charges_the_rate() {
        let limit = Limit::new(20_000);
        assert_eq!(limit.chunk(), 1000);
        // The saved-up burst goes at once; what follows waits its share of a second.
        assert_eq!(limit.take(1000), Duration::ZERO);
        let wait = limit.take(1000).as_secs_f64();
        assert!((0.04..=0.05).contains(&wait), "{wait}");
        // A second taker waits behind the first one's debt: the rate is shared.
        let wait = limit.take(1000).as_secs_f64();
        assert!((0.09..=0.1).contains(&wait), "{wait}");
    }

    /// The process's bucket changes for every holder at once (`set limit-rate`), and an
    /// unlimited one charges nothing and caps no step.
    #[test]
    fn a_changeable_bucket_charges_its_new_rate() {
        let limit = Limit::changeable(None);
        let limits = Limits::default().with(Some(Arc::clone(&limit)));
        assert_eq!(limits.chunk(1 << 20), 1 << 20);
        assert_eq!(limits.pass(1 << 30), Duration::ZERO);
        limit.set_rate(Some(20_000));
        assert_eq!(limits.chunk(1 << 20), 1000);
        assert_eq!(limit.take(1000), Duration::ZERO);
        let wait = limit.take(1000).as_secs_f64();
        assert!((0.04..=0.05).contains(&wait), "{wait}");
        limit.set_rate(None);
        assert_eq!(limit.take(1 << 30), Duration::ZERO);
        assert_eq!(format!("{limit:?}"), "Limit(none)");
    }

    #[test]
    fn steps_are_the_smallest_chunk_of_all_limits() {
        let limits = Limits::default()
            .with(Some(Limit::new(2 << 20)))
            .with(None)
            .with(Some(Limit::new(100_000)));
        assert_eq!(limits.chunk(1 << 20), 5000);
        assert_eq!(limits.chunk(10), 10);
        assert_eq!(Limits::default().chunk(1 << 20), 1 << 20);
    }
}
