//! The calendar listings need: a date and time as Unix seconds, the year a yearless Unix date
//! falls in, and RFC 3659 time-val (`YYYYMMDDHHMMSS[.sss]`) both ways. The calendar itself is
//! chrono's.

use chrono::{DateTime, Datelike, NaiveDate};

use super::words::all_digits;

pub(super) const SECS_PER_DAY: i64 = 86_400;

/// Unix seconds for a calendar date and time read as UTC; None when the date does not exist.
pub(super) fn date_time(year: i64, month: u32, day: u32, hour: u32, minute: u32) -> Option<i64> {
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    Some(date.and_hms_opt(hour, minute, 0)?.and_utc().timestamp())
}

/// ls omits the year for dates within roughly the last six months, so the year is the one that
/// puts the date closest before `now`; a day of slack absorbs clock skew and time zones.
pub(super) fn recent_unix_time(
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    now_unix: i64,
) -> Option<i64> {
    let now_year = DateTime::from_timestamp(now_unix, 0).map_or(1970, |t| i64::from(t.year()));
    match date_time(now_year, month, day, hour, minute) {
        Some(t) if t <= now_unix + SECS_PER_DAY => Some(t),
        _ => date_time(now_year - 1, month, day, hour, minute),
    }
}

/// Parses an MDTM reply value "20240101120000" or "20240101120000.5" to unix seconds.
pub fn parse_ftp_time(value: &str) -> Option<i64> {
    let value = value.trim();
    let (main, fraction) = match value.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (value, None),
    };
    if main.len() != 14 || !all_digits(main) {
        return None;
    }
    if fraction.is_some_and(|f| !all_digits(f)) {
        return None;
    }
    let num = |range: std::ops::Range<usize>| main[range].parse::<u32>().ok();
    let year = i64::from(num(0..4)?);
    let (month, day) = (num(4..6)?, num(6..8)?);
    let (hour, minute, second) = (num(8..10)?, num(10..12)?, num(12..14)?);
    // RFC 3659 time-val allows a leap second (60).
    if second > 60 {
        return None;
    }
    Some(date_time(year, month, day, hour, minute)? + i64::from(second))
}

/// Formats unix seconds as "YYYYMMDDHHMMSS" (UTC), used for MFMT and 2-arg MDTM.
pub fn format_ftp_time(unix: i64) -> String {
    // Beyond chrono's range (±262,000 years) no real file time lies; clamp rather than panic.
    let t = DateTime::from_timestamp(unix, 0).unwrap_or(if unix < 0 {
        DateTime::<chrono::Utc>::MIN_UTC
    } else {
        DateTime::<chrono::Utc>::MAX_UTC
    });
    t.format("%Y%m%d%H%M%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ftp_time_parse() {
        let cases = [
            ("20240101120000", Some(1_704_110_400)),
            ("20240101120000.5", Some(1_704_110_400)),
            ("20240101120000.123456", Some(1_704_110_400)),
            (" 20240101120000\r\n", Some(1_704_110_400)),
            ("19700101000000", Some(0)),
            ("19691231235959", Some(-1)),
            ("20240229235959", Some(1_709_251_199)),
            ("20000101000000", Some(946_684_800)),
            ("21000301000000", Some(4_107_542_400)),
            ("20230229000000", None), // not a leap year
            ("21000229000000", None), // century, not a leap year
            ("20241301000000", None),
            ("20240100000000", None),
            ("20240101240000", None),
            ("20240101126000", None),
            ("2024010112000", None),
            ("202401011200000", None),
            ("20240101120000.", None),
            ("20240101120000.x", None),
            ("2024-01-01 12:00", None),
            ("", None),
        ];
        for (value, want) in cases {
            assert_eq!(parse_ftp_time(value), want, "{value:?}");
        }
    }

    #[test]
    fn ftp_time_format_and_roundtrip() {
        let cases = [
            (0, "19700101000000"),
            (-1, "19691231235959"),
            (946_684_800, "20000101000000"),
            (1_704_110_400, "20240101120000"),
            (1_709_164_800, "20240229000000"),
            (1_709_251_199, "20240229235959"),
            (4_107_542_400, "21000301000000"),
        ];
        for (unix, text) in cases {
            assert_eq!(format_ftp_time(unix), text);
            assert_eq!(parse_ftp_time(text), Some(unix));
        }
        // Every day from 1960 to 2110 survives a round trip through both conversions.
        for day in -3653..51_500 {
            let t = day * SECS_PER_DAY + 12_345;
            assert_eq!(parse_ftp_time(&format_ftp_time(t)), Some(t), "{t}");
            let date = DateTime::from_timestamp(t, 0).unwrap();
            let (y, m, d) = (date.year(), date.month(), date.day());
            assert_eq!(date_time(y.into(), m, d, 0, 0), Some(day * SECS_PER_DAY));
        }
    }
}
