//! Wall-clock helpers in unix seconds, the unit every timestamp in ftpsh is kept in.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the epoch for a SystemTime, negative before 1970.
pub fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs_f64().ceil() as i64),
    }
}

/// The part of `t` after its [`unix_seconds`] (which floor before 1970 too), in nanoseconds:
/// the two together give the time to the OS's precision.
pub fn subsec_nanos(t: SystemTime) -> u32 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.subsec_nanos(),
        Err(e) => (1_000_000_000 - e.duration().subsec_nanos()) % 1_000_000_000,
    }
}

pub fn now_unix() -> i64 {
    unix_seconds(SystemTime::now())
}

/// RFC 3339 in UTC with microseconds (`2026-11-22T10:00:01.123456Z`), as journal lines and
/// `mirror status --json` write times.
pub fn rfc3339(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}
