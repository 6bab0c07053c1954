//! Deadlines a trickle cannot dodge. `--timeout` bounds each socket read and write, but a
//! server sending one byte every few seconds passes every such check forever. Two rules on
//! top: a control reply must arrive in full within `REPLY_DEADLINE_FACTOR` × --timeout (read
//! in vendor/suppaftp, `set_reply_deadline`), and a data connection must move at least
//! `MIN_RATE` bytes a second over each window of `STALL_WINDOW_FACTOR` × --timeout (curl's
//! --speed-limit/--speed-time). Each error says which rule fired.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use super::rate::Limits;

/// A control reply may take this many --timeouts in all.
pub const REPLY_DEADLINE_FACTOR: u32 = 3;
/// The data stall rule's window, in --timeouts.
pub const STALL_WINDOW_FACTOR: u32 = 2;
/// The data stall rule's minimum rate, bytes a second: far below any working link, far above
/// a trickle.
pub const MIN_RATE: u64 = 1024;

/// How long one control reply may take to arrive in full.
pub fn reply_deadline(timeout: Duration) -> Duration {
    timeout * REPLY_DEADLINE_FACTOR
}

/// The stall rule fired: what came in the last window.
#[derive(Debug, thiserror::Error)]
#[error(
    "stalled: {bytes} bytes in {window:?}, under the minimum of {MIN_RATE} bytes/s \
     (the stall rule: {STALL_WINDOW_FACTOR} x --timeout)"
)]
pub struct Stalled {
    pub bytes: u64,
    pub window: Duration,
}

/// The stall rule over one data connection: at least `MIN_RATE` bytes a second, averaged
/// over each window.
#[derive(Debug)]
pub struct StallRule {
    window: Duration,
    started: Instant,
    bytes: u64,
}

impl StallRule {
    pub fn new(timeout: Duration) -> StallRule {
        StallRule {
            window: timeout * STALL_WINDOW_FACTOR,
            started: Instant::now(),
            bytes: 0,
        }
    }

    /// Counts `n` more bytes at `now`; an error once a whole window went by too slowly.
    pub fn moved(&mut self, n: usize, now: Instant) -> Result<(), Stalled> {
        self.bytes += n as u64;
        let elapsed = now.saturating_duration_since(self.started);
        if elapsed < self.window {
            return Ok(());
        }
        let wanted = (MIN_RATE as f64 * elapsed.as_secs_f64()) as u64;
        if self.bytes < wanted {
            return Err(Stalled {
                bytes: self.bytes,
                window: elapsed,
            });
        }
        self.started = now;
        self.bytes = 0;
        Ok(())
    }

    fn check(&mut self, n: usize) -> io::Result<()> {
        self.moved(n, Instant::now())
            .map_err(|stalled| io::Error::new(io::ErrorKind::TimedOut, stalled))
    }
}

/// A data connection under the stall rule and the rate limits, for reading or writing.
pub struct Paced<'a, S: ?Sized> {
    inner: &'a mut S,
    rule: StallRule,
    limits: Limits,
}

impl<'a, S: ?Sized> Paced<'a, S> {
    pub fn new(inner: &'a mut S, timeout: Duration) -> Paced<'a, S> {
        Paced::limited(inner, timeout, Limits::default())
    }

    /// A transfer kept to `limits` (`--limit-rate`): it moves at most one small chunk at a
    /// time and waits after each as long as the limits say. That wait is ours, not the
    /// server's slowness: the stall rule does not count it.
    pub fn limited(inner: &'a mut S, timeout: Duration, limits: Limits) -> Paced<'a, S> {
        Paced {
            inner,
            rule: StallRule::new(timeout),
            limits,
        }
    }

    fn moved(&mut self, n: usize) -> io::Result<()> {
        self.rule.check(n)?;
        let waited = self.limits.pass(n);
        self.rule.started += waited;
        Ok(())
    }
}

impl<S: Read + ?Sized> Read for Paced<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let at_most = self.limits.chunk(buf.len());
        let n = self.inner.read(&mut buf[..at_most])?;
        // The end of the data is no stall, however slowly it came.
        if n > 0 {
            self.moved(n)?;
        }
        Ok(n)
    }
}

impl<S: Write + ?Sized> Write for Paced<'_, S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let at_most = self.limits.chunk(buf.len());
        let n = self.inner.write(&buf[..at_most])?;
        self.moved(n)?;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stall_rule_fires_on_a_trickle_and_not_on_a_slow_start() {
        let second = Duration::from_secs(1);
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        // (bytes moved at each time in ms, whether the last step fires), window 1 s
        let cases: [(&[(usize, u64)], bool); 5] = [
            // one byte every 300 ms: 4 bytes by the end of the first window
            (&[(1, 300), (1, 600), (1, 900), (1, 1200)], true),
            // a slow start, then the rate: fine
            (&[(1, 300), (1, 600), (4096, 1100)], false),
            // the window not over yet: no verdict
            (&[(1, 300), (1, 900)], false),
            // steady 1 KiB/s and a bit more
            (&[(600, 500), (600, 1000), (600, 1500), (600, 2000)], false),
            // fast, then a trickle for a whole window
            (&[(100_000, 100), (1, 1200), (1, 1800), (1, 2300)], true),
        ];
        for (steps, fires) in cases {
            let mut rule = StallRule {
                window: second,
                started: t0,
                bytes: 0,
            };
            let (last, before) = steps.split_last().unwrap();
            for (n, ms) in before {
                assert!(rule.moved(*n, at(*ms)).is_ok(), "{steps:?} fired early");
            }
            assert_eq!(rule.moved(last.0, at(last.1)).is_err(), fires, "{steps:?}");
        }
    }

    #[test]
    fn waiting_on_a_rate_limit_is_no_stall() {
        use crate::ftp::rate::Limit;
        // 2K/s shared with connections that already took half a second's worth: this one
        // moves 102 bytes, then waits over half a second, far below the stall rule's
        // 1 KiB/s over its 0.1 s window, yet not stalled: the wait was ours.
        let limit = Limit::new(2048);
        let _ = limit.take(1024);
        let limits = super::Limits::default().with(Some(limit));
        let data = vec![7u8; 204];
        let mut source = &data[..];
        let mut paced = Paced::limited(&mut source, Duration::from_millis(50), limits);
        let mut got = Vec::new();
        let started = Instant::now();
        paced.read_to_end(&mut got).expect("no stall");
        assert_eq!(got, data);
        assert!(
            started.elapsed() > Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
    }
}
