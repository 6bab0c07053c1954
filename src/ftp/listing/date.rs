//! Date columns as LIST lines write them: `Nov  4 12:00`, `Mar 3 2021`, ISO `2005-06-07 21:22`,
//! localised months (`26. Juli,`, `szept 26`, `6月 3日`, `2005년 1월 6일`), `1999/10/12`,
//! `01-jun-99`, `09-26 2000` and the like, read into a [`ListedDate`].
//!
//! LIST dates carry no zone and at best minute resolution: they are read as UTC. Yearless dates
//! (ls shows the clock instead of the year for the last six months) take the year that puts
//! them just before "now".

use super::time::{SECS_PER_DAY, date_time, recent_unix_time};
use super::words::{Words, all_digits};

/// A date as a listing shows it; the year or the clock may be missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ListedDate {
    pub year: Option<i64>,
    pub month: u32,
    pub day: u32,
    /// (hour, minute, second); hour 24 is the midnight at the end of the day.
    pub clock: Option<(u32, u32, u32)>,
}

impl ListedDate {
    pub(super) fn new(
        year: Option<i64>,
        month: u32,
        day: u32,
        clock: Option<(u32, u32, u32)>,
    ) -> Self {
        ListedDate {
            year,
            month,
            day,
            clock,
        }
    }

    /// Unix seconds, reading the date as UTC.
    pub(super) fn resolve(&self, now_unix: i64) -> Result<i64, String> {
        let (hour, minute, second) = self.clock.unwrap_or((0, 0, 0));
        // "24:00" (some servers write midnight so) is the start of the next day.
        let (hour, extra) = if hour == 24 && minute == 0 && second == 0 {
            (0, SECS_PER_DAY)
        } else {
            (hour, 0)
        };
        let base = match self.year {
            Some(year) => date_time(year, self.month, self.day, hour, minute),
            None => recent_unix_time(self.month, self.day, hour, minute, now_unix),
        };
        base.map(|t| t + i64::from(second) + extra).ok_or_else(|| {
            let year = self.year.map_or(String::new(), |y| format!("{y}-"));
            format!("invalid date {year}{}-{}", self.month, self.day)
        })
    }
}

/// Month names and abbreviations in the languages `ls` is seen speaking. A word matches a month
/// when it is one of [`MONTH_ABBREVIATIONS`] or, with at least three letters, starts exactly one
/// month's names ("Juli", "szept", "Okt", "févr", "märz"...).
#[rustfmt::skip]
const MONTH_NAMES: [&[&str]; 12] = [
    &["january", "januar", "jänner", "janvier", "enero", "gennaio", "januari", "janeiro", "styczeń", "leden", "január", "tammikuu", "январь", "января"],
    &["february", "februar", "février", "febrero", "febbraio", "februari", "fevereiro", "luty", "únor", "február", "helmikuu", "февраль", "февраля"],
    &["march", "märz", "mars", "marzo", "maart", "março", "marzec", "březen", "március", "maaliskuu", "март", "марта"],
    &["april", "avril", "abril", "aprile", "kwiecień", "duben", "április", "huhtikuu", "апрель", "апреля"],
    &["may", "mai", "mayo", "maggio", "mei", "maio", "maj", "květen", "május", "toukokuu", "май", "мая"],
    &["june", "juni", "juin", "junio", "giugno", "junho", "czerwiec", "červen", "június", "kesäkuu", "июнь", "июня"],
    &["july", "juli", "juillet", "julio", "luglio", "julho", "lipiec", "červenec", "július", "heinäkuu", "июль", "июля"],
    &["august", "août", "agosto", "augustus", "sierpień", "srpen", "augusztus", "elokuu", "август", "августа"],
    &["september", "septembre", "septiembre", "settembre", "setembro", "wrzesień", "září", "szeptember", "syyskuu", "сентябрь", "сентября"],
    &["october", "oktober", "octobre", "octubre", "ottobre", "outubro", "październik", "říjen", "október", "lokakuu", "октябрь", "октября"],
    &["november", "novembre", "noviembre", "novembro", "listopad", "marraskuu", "ноябрь", "ноября"],
    &["december", "dezember", "décembre", "diciembre", "dicembre", "dezembro", "grudzień", "prosinec", "joulukuu", "декабрь", "декабря"],
];

/// Abbreviations that win over prefix matching (the C locale's, which must never be ambiguous:
/// "mar" also starts the Finnish November) or that are not prefixes of a name.
#[rustfmt::skip]
const MONTH_ABBREVIATIONS: [(&str, u32); 16] = [
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("may", 5),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
    ("mrz", 3),
    ("mrt", 3),
    ("čvn", 6),
    ("čvc", 7),
];

/// A month written as a word: "Nov", "nov.", "Juli,", "Jan.,", "szept", "févr.".
pub(super) fn month_name(word: &str) -> Option<u32> {
    let word = word.trim_end_matches(['.', ',']);
    if word.chars().count() < 3 || !word.chars().all(char::is_alphabetic) {
        return None;
    }
    let lower = word.to_lowercase();
    if let Some(&(_, m)) = MONTH_ABBREVIATIONS.iter().find(|(a, _)| *a == lower) {
        return Some(m);
    }
    let mut found = None;
    for (i, names) in MONTH_NAMES.iter().enumerate() {
        if names.iter().any(|n| n.starts_with(lower.as_str())) {
            if found.is_some() {
                return None; // ambiguous
            }
            found = Some(i as u32 + 1);
        }
    }
    found
}

/// Leading ASCII digits and what follows them when that starts with a non-ASCII character:
/// CJK and Korean dates mark their parts with 年/月/日 or 년/월/일 ("6月", "2005년"), which a
/// listing in a legacy charset shows as other bytes. Returns (number, digit count, suffixed).
fn number_with_marker(word: &str) -> Option<(u32, usize, bool)> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 4 {
        return None;
    }
    let rest = &word[digits..];
    if !rest.is_empty() && rest.chars().next().is_some_and(|c| c.is_ascii()) {
        return None;
    }
    Some((word[..digits].parse().ok()?, digits, !rest.is_empty()))
}

/// A month as a marked number ("6月", "1월").
fn marked_month(word: &str) -> Option<u32> {
    let (n, digits, marked) = number_with_marker(word)?;
    (marked && digits <= 2 && (1..=12).contains(&n)).then_some(n)
}

/// A month as a word or as a marked number.
fn month_word(word: &str) -> Option<u32> {
    month_name(word).or_else(|| marked_month(word))
}

/// A day of the month: "4", "04", "26.", "08,", "3日", "6일".
pub(super) fn day_word(word: &str) -> Option<u32> {
    let plain = word.trim_end_matches(['.', ',']);
    let (n, digits, _) = number_with_marker(plain)?;
    (digits <= 2 && (1..=31).contains(&n)).then_some(n)
}

/// A four-digit year, possibly marked ("2003年").
fn year_word(word: &str) -> Option<i64> {
    let (n, digits, _) = number_with_marker(word)?;
    (digits == 4).then_some(i64::from(n))
}

/// Two-digit years: the usual pivot, 69 and before are 20xx.
pub(super) fn expand_year(year: i64, digits: usize) -> i64 {
    match digits {
        2 if year < 70 => 2000 + year,
        2 => 1900 + year,
        // OS/2 writes years since 1900 with three digits ("103" for 2003).
        3 => 1900 + year,
        _ => year,
    }
}

/// "HH:MM" or "HH:MM:SS", with an optional fraction of a second (VMS writes "10:30:13.64").
pub(super) fn clock(word: &str) -> Option<(u32, u32, u32)> {
    let mut parts = word.split(':');
    let (h, m) = (parts.next()?, parts.next()?);
    let s = parts.next();
    if parts.next().is_some() || !(1..=2).contains(&h.len()) || m.len() != 2 {
        return None;
    }
    let s = match s {
        None => "00",
        // The fraction is dropped; it must still be digits.
        Some(s) => match s.split_once('.') {
            Some((whole, fraction)) if all_digits(fraction) => whole,
            Some(_) => return None,
            None => s,
        },
    };
    if s.len() != 2 || !(all_digits(h) && all_digits(m) && all_digits(s)) {
        return None;
    }
    let (h, m, s) = (h.parse().ok()?, m.parse().ok()?, s.parse().ok()?);
    let midnight = h == 24 && m == 0 && s == 0;
    ((h < 24 && m < 60 && s < 60) || midnight).then_some((h, m, s))
}

/// "YYYY-MM-DD", "YYYY/MM/DD", "YYYY.MM.DD", "DD.MM.YYYY", "MM-DD-YYYY" (US order unless the
/// first number cannot be a month), "DD-mon-YY", "mon-DD-YYYY", "D-Mon-YY".
pub(super) fn compact_date(word: &str) -> Option<ListedDate> {
    let sep = word.chars().find(|c| matches!(c, '-' | '/' | '.'))?;
    let parts: Vec<&str> = word.split(sep).collect();
    let [a, b, c] = parts[..] else { return None };
    let num = |s: &str| all_digits(s).then(|| s.parse::<i64>().ok()).flatten();
    let date = |y: i64, m: i64, d: i64| {
        (u32::try_from(m).is_ok() && u32::try_from(d).is_ok())
            .then(|| ListedDate::new(Some(y), m as u32, d as u32, None))
    };
    match (num(a), num(b), num(c)) {
        (Some(y), Some(m), Some(d)) if a.len() == 4 && b.len() <= 2 && c.len() <= 2 => {
            date(y, m, d)
        }
        (Some(x), Some(y2), Some(y)) if a.len() <= 2 && b.len() <= 2 && c.len() == 4 => {
            // Dotted dates are European; dashed and slashed ones US unless that cannot be.
            if sep == '.' || x > 12 {
                date(y, y2, x)
            } else {
                date(y, x, y2)
            }
        }
        (Some(d), None, Some(y)) if a.len() <= 2 && matches!(c.len(), 2 | 4) => {
            let m = month_name(b)?;
            date(expand_year(y, c.len()), i64::from(m), d)
        }
        (None, Some(d), Some(y)) if b.len() <= 2 && c.len() == 4 => {
            let m = month_name(a)?;
            date(y, i64::from(m), d)
        }
        _ => None,
    }
}

/// The date starting at word `i` of a Unix-style line, and how many words it spans.
/// `numeric` also accepts the ambiguous all-numeric "M D HH:MM" form, which a caller tries only
/// when nothing clearer matched anywhere on the line.
pub(super) fn unix_date(w: &Words, i: usize, numeric: bool) -> Option<(ListedDate, usize)> {
    let (a, b, c, d) = (w.get(i), w.get(i + 1), w.get(i + 2), w.get(i + 3));
    let time_or_year = |day_word_text: &str, month: u32, day: u32, month_first: bool| {
        if let Some(t) = clock(c) {
            return Some((ListedDate::new(None, month, day, Some(t)), 3));
        }
        if let Some(y) = year_word(c) {
            // VShell writes "Oct 08, 2002 09:47": a clock may follow a year after a comma.
            if day_word_text.ends_with(',')
                && let Some(t) = clock(d)
            {
                return Some((ListedDate::new(Some(y), month, day, Some(t)), 4));
            }
            return Some((ListedDate::new(Some(y), month, day, None), 3));
        }
        // NetWare: "Feb  3 93 12:00", a two-digit year always followed by the clock.
        if month_first
            && c.len() == 2
            && all_digits(c)
            && let Some(t) = clock(d)
        {
            let y = expand_year(c.parse().ok()?, 2);
            return Some((ListedDate::new(Some(y), month, day, Some(t)), 4));
        }
        None
    };

    // "Nov  4 12:00", "Mar 3 2021", "szept 26 20:10", "8月 17日 20:10", "6月 3 2003"
    if let (Some(m), Some(day)) = (month_word(a), day_word(b))
        && let Some(found) = time_or_year(b, m, day, true)
    {
        return Some(found);
    }
    // "26. Juli, 20:10", "2. Okt. 2003", "01 oct 2004", "29 Jul 02:27"
    if let (Some(day), Some(m)) = (day_word(a), month_name(b))
        && let Some(found) = time_or_year(b, m, day, false)
    {
        return Some(found);
    }
    // "2005년 1월 6일": year first, then a marked month, then the day.
    if let (Some(y), Some(m), Some(day)) = (year_word(a), marked_month(b), day_word(c)) {
        return Some((ListedDate::new(Some(y), m, day, None), 3));
    }
    // "2005-06-07 21:22", "1999/10/12 17:12", "24-04-2003 17:12", "01-jun-99", "2004.07.15"
    if let Some(date) = compact_date(a) {
        return Some(match clock(b) {
            Some(t) => (
                ListedDate {
                    clock: Some(t),
                    ..date
                },
                2,
            ),
            None => (date, 1),
        });
    }
    // "09-26 2000", "09-26 13:45": month and day, then the year or the clock.
    if let Some((m, dd)) = a.split_once('-')
        && m.len() == 2
        && dd.len() == 2
        && all_digits(m)
        && all_digits(dd)
        && let (Ok(m @ 1..=12), Some(day)) = (m.parse::<u32>(), day_word(dd))
    {
        if let Some(t) = clock(b) {
            return Some((ListedDate::new(None, m, day, Some(t)), 2));
        }
        if let Some(y) = year_word(b).filter(|_| all_digits(b)) {
            return Some((ListedDate::new(Some(y), m, day, None), 2));
        }
    }
    // "3 29 03:26": month and day as bare numbers.
    if numeric
        && a.len() <= 2
        && all_digits(a)
        && all_digits(b)
        && let (Ok(m @ 1..=12), Some(day)) = (a.parse::<u32>(), day_word(b))
    {
        if let Some(t) = clock(c) {
            return Some((ListedDate::new(None, m, day, Some(t)), 3));
        }
        if let Some(y) = year_word(c).filter(|_| all_digits(c)) {
            return Some((ListedDate::new(Some(y), m, day, None), 3));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    type Found = Option<(ListedDate, usize)>;

    fn d(y: Option<i64>, m: u32, day: u32, t: Option<(u32, u32)>) -> ListedDate {
        ListedDate::new(y, m, day, t.map(|(h, mi)| (h, mi, 0)))
    }

    #[test]
    fn month_names_in_several_languages() {
        #[rustfmt::skip]
        let cases = [
            ("Nov", Some(11)),
            ("nov.", Some(11)),
            ("NOV", Some(11)),
            ("Mar", Some(3)),
            ("Juli,", Some(7)),
            ("Okt.", Some(10)),
            ("Jan.,", Some(1)),
            ("Mai", Some(5)),
            ("Dez", Some(12)),
            ("Mrz", Some(3)),
            ("März", Some(3)),
            ("szept", Some(9)),
            ("febr", Some(2)),
            ("márc", Some(3)),
            ("máj", Some(5)),
            ("févr.", Some(2)),
            ("juil.", Some(7)),
            ("août", Some(8)),
            ("déc.", Some(12)),
            ("ene", Some(1)),
            ("ago", Some(8)),
            ("dic", Some(12)),
            ("gen", Some(1)),
            ("ott", Some(10)),
            ("mrt", Some(3)),
            ("mei", Some(5)),
            ("okt", Some(10)),
            ("sty", Some(1)),
            ("paź", Some(10)),
            ("янв", Some(1)),
            ("дек.", Some(12)),
            ("tammi", Some(1)),
            ("September", Some(9)),
            ("Juni", Some(6)),
            // too short, ambiguous, or not a month
            ("ju", None),
            ("jui", None),
            ("Foo", None),
            ("", None),
            ("12", None),
            ("Nov4", None),
            ("xyz", None),
        ];
        for (word, want) in cases {
            assert_eq!(month_name(word), want, "{word:?}");
        }
    }

    #[test]
    fn clocks() {
        #[rustfmt::skip]
        let cases = [
            ("12:00", Some((12, 0, 0))),
            ("9:05", Some((9, 5, 0))),
            ("23:59:59", Some((23, 59, 59))),
            ("10:30:13.64", Some((10, 30, 13))),
            ("24:00", Some((24, 0, 0))),
            ("24:01", None),
            ("25:00", None),
            ("12:60", None),
            ("12:5", None),
            ("123:00", None),
            ("12:00:1", None),
            ("12:00:00:00", None),
            ("1200", None),
            ("12:00.5", None),
        ];
        for (word, want) in cases {
            assert_eq!(clock(word), want, "{word:?}");
        }
    }

    #[test]
    fn compact_dates() {
        #[rustfmt::skip]
        let cases = [
            ("2005-06-07", Some(d(Some(2005), 6, 7, None))),
            ("1999/10/12", Some(d(Some(1999), 10, 12, None))),
            ("2004.07.15", Some(d(Some(2004), 7, 15, None))),
            ("24-04-2003", Some(d(Some(2003), 4, 24, None))),
            ("04-24-2003", Some(d(Some(2003), 4, 24, None))),
            ("15.07.2004", Some(d(Some(2004), 7, 15, None))),
            ("01-jun-99", Some(d(Some(1999), 6, 1, None))),
            ("6-Apr-07", Some(d(Some(2007), 4, 6, None))),
            ("Feb-28-1998", Some(d(Some(1998), 2, 28, None))),
            ("2005-06", None),
            ("20050607", None),
            ("a-b-c", None),
            ("1-2-3", None),
        ];
        for (word, want) in cases {
            assert_eq!(compact_date(word), want, "{word:?}");
        }
    }

    #[test]
    fn unix_date_columns() {
        #[rustfmt::skip]
        let cases: &[(&str, bool, Found)] = &[
            ("Nov  4 12:00 x", false, Some((d(None, 11, 4, Some((12, 0))), 3))),
            ("Mar 3 2021 x", false, Some((d(Some(2021), 3, 3, None), 3))),
            ("Oct 08, 2002 09:47 x", false, Some((d(Some(2002), 10, 8, Some((9, 47))), 4))),
            ("Feb  3 93 12:00 x", false, Some((d(Some(1993), 2, 3, Some((12, 0))), 4))),
            ("Mai 12 2020 x", false, Some((d(Some(2020), 5, 12, None), 3))),
            ("márc 5 09:10 x", false, Some((d(None, 3, 5, Some((9, 10))), 3))),
            ("7. Okt., 08:15 x", false, Some((d(None, 10, 7, Some((8, 15))), 3))),
            ("14.  Dez.  1999 x", false, Some((d(Some(1999), 12, 14, None), 3))),
            ("05 feb 2011 x", false, Some((d(Some(2011), 2, 5, None), 3))),
            ("12 Mar 10:01 2019 x", false, Some((d(None, 3, 12, Some((10, 1))), 3))),
            ("11月 9日 2010年 x", false, Some((d(Some(2010), 11, 9, None), 3))),
            ("4月 21 07:30 x", false, Some((d(None, 4, 21, Some((7, 30))), 3))),
            ("2010년 12월 31일 x", false, Some((d(Some(2010), 12, 31, None), 3))),
            ("1998 7\u{fffd}\u{fffd} 3 x", false, Some((d(Some(1998), 7, 3, None), 3))),
            ("2011-02-03 04:05 x", false, Some((d(Some(2011), 2, 3, Some((4, 5))), 2))),
            ("2011/02/03 x", false, Some((d(Some(2011), 2, 3, None), 1))),
            ("11-30 2001 x", false, Some((d(Some(2001), 11, 30, None), 2))),
            ("11-30 08:00 x", false, Some((d(None, 11, 30, Some((8, 0))), 2))),
            ("4 17 08:00 x", false, None),
            ("4 17 08:00 x", true, Some((d(None, 4, 17, Some((8, 0))), 3))),
            ("12 31 1999 x", true, Some((d(Some(1999), 12, 31, None), 3))),
            ("13 1 08:00 x", true, None),
            ("Nov 32 12:00 x", false, None),
            ("Nov 4 25:00 x", false, None),
            ("Nov 4 12 monkeys", false, None),
            ("Foo 4 12:00 x", false, None),
            ("Nov", false, None),
        ];
        for (text, numeric, want) in cases {
            let w = Words::new(text);
            assert_eq!(unix_date(&w, 0, *numeric), *want, "{text:?}");
        }
    }

    #[test]
    fn resolving() {
        let now = 1_699_574_400; // 2023-11-10 00:00 UTC
        let cases = [
            (d(Some(2021), 3, 3, None), Ok(1_614_729_600)),
            (d(None, 11, 4, Some((12, 0))), Ok(1_699_099_200)),
            (d(Some(2023), 11, 3, Some((24, 0))), Ok(1_699_056_000)), // = Nov 4 00:00
            (
                d(Some(2021), 2, 29, None),
                Err("invalid date 2021-2-29".to_string()),
            ),
            (
                d(None, 2, 30, Some((1, 0))),
                Err("invalid date 2-30".to_string()),
            ),
        ];
        for (date, want) in cases {
            assert_eq!(date.resolve(now), want, "{date:?}");
        }
    }
}
