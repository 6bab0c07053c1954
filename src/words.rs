//! Counts, sizes and durations in English for every message: `1 file`, `2 files` (never
//! `1 files` or `file(s)`), `103 MiB`, `1.9 s`.

use std::time::Duration;

/// `n` and the noun that agrees with it: `count(1, "error", "errors")` is `1 error`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A size in binary units, three figures at most: `512 B`, `1.5 KiB`, `103 MiB`.
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    match unit {
        0 => format!("{bytes} B"),
        _ if value < 10.0 => format!("{value:.1} {}", UNITS[unit]),
        _ => format!("{value:.0} {}", UNITS[unit]),
    }
}

/// A rate: `bytes` over `took` (at least a millisecond), as `103 MiB/s`.
pub fn rate(bytes: u64, took: Duration) -> String {
    let secs = took.as_secs_f64().max(0.001);
    format!("{}/s", size((bytes as f64 / secs) as u64))
}

/// A duration a person reads: `0.4 s`, `1.9 s`, `42 s`, `3 min 05 s`, `2 h 03 min`.
pub fn duration(took: Duration) -> String {
    let secs = took.as_secs_f64();
    let whole = took.as_secs();
    match whole {
        0..10 => format!("{secs:.1} s"),
        10..60 => format!("{whole} s"),
        60..3600 => format!("{} min {:02} s", whole / 60, whole % 60),
        _ => format!("{} h {:02} min", whole / 3600, whole % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_noun_agrees_with_the_number() {
        for (n, text) in [
            (0u64, "0 mirror jobs"),
            (1, "1 mirror job"),
            (2, "2 mirror jobs"),
        ] {
            assert_eq!(count(n, "mirror job", "mirror jobs"), text);
        }
    }

    #[test]
    fn sizes_rates_and_durations_read_short() {
        for (bytes, text) in [
            (0, "0 B"),
            (1023, "1023 B"),
            (1536, "1.5 KiB"),
            (209_715_200, "200 MiB"),
            (5 << 30, "5.0 GiB"),
        ] {
            assert_eq!(size(bytes), text);
        }
        assert_eq!(rate(209_715_200, Duration::from_millis(1940)), "103 MiB/s");
        assert_eq!(rate(10, Duration::ZERO), "9.8 KiB/s");
        for (millis, text) in [
            (400, "0.4 s"),
            (1940, "1.9 s"),
            (42_000, "42 s"),
            (185_000, "3 min 05 s"),
            (7_380_000, "2 h 03 min"),
        ] {
            assert_eq!(duration(Duration::from_millis(millis)), text);
        }
    }
}
