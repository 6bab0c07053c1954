use std::time::Duration;

use super::*;

fn given(settings: &mut Settings, name: &str, text: &str) -> std::result::Result<(), String> {
    settings.give(name, text, Source::Set)
}

/// `set` gives a value as a flag or a key does: checked by its kind and range, later
/// values win, and the connection and mirror jobs started after follow it.
#[test]
fn set_values_are_checked_and_followed() {
    let mut settings = Settings::default();
    let mut connection = settings.connection();
    assert_eq!(connection.rate.rate(), None);
    given(&mut settings, "limit-rate", "2M").unwrap();
    given(&mut settings, "timeout", "5").unwrap();
    given(&mut settings, "passive", "off").unwrap();
    given(&mut settings, "parallel", "9").unwrap();
    given(&mut settings, "interval", "0.5").unwrap();
    // the bucket every connection already holds takes the new rate
    let held = connection.limits.clone();
    connection.update(&settings);
    assert_eq!(connection.rate.rate(), Some(2 << 20));
    assert_eq!(held.chunk(usize::MAX), connection.limits.chunk(usize::MAX));
    assert_eq!(connection.timeout, Duration::from_secs(5));
    assert!(!connection.passive);
    let job = settings.job_defaults();
    assert_eq!(
        (job.parallel, job.interval),
        (9, Duration::from_millis(500))
    );
    // a job's own limit is not the run's
    assert_eq!(job.limit_rate, None);
    for (name, text) in [
        ("timeout", "1e300"),
        ("timeout", "0"),
        ("parallel", "100000"),
        ("interval", "0.000001"),
        ("limit-rate", "fast"),
        ("passive", "maybe"),
        ("nosuch", "1"),
    ] {
        assert!(given(&mut settings, name, text).is_err(), "{name} {text}");
    }
    assert_eq!(
        settings.job_defaults().parallel,
        9,
        "a refused value changes nothing"
    );
}

/// The listing shows every value as it would be typed back.
#[test]
fn the_listing_reads_back() {
    let mut settings = Settings::default();
    given(&mut settings, "limit-rate", "1.5M").unwrap();
    let listing = settings.listing(Where::Set);
    assert!(listing.iter().all(|(s, _)| s.is(Where::Set)));
    for (setting, shown) in &listing {
        let mut again = Settings::default();
        given(&mut again, setting.name, shown).unwrap();
        assert_eq!(again.get(setting.name), settings.get(setting.name));
    }
    let shown = |name: &str| {
        listing
            .iter()
            .find(|(s, _)| s.name == name)
            .unwrap()
            .1
            .clone()
    };
    assert_eq!(shown("limit-rate"), "1.5M");
    assert_eq!(shown("passive"), "on");
}

/// A download job polls every 60 s unless the run's interval was given anywhere.
#[test]
fn a_download_interval_only_when_none_was_given() {
    let mut settings = Settings::default();
    assert_eq!(settings.download_interval(), Some(Duration::from_secs(60)));
    given(&mut settings, "interval", "1").unwrap();
    assert_eq!(settings.download_interval(), None);
    let file = [("interval".to_string(), "5".to_string())];
    assert_eq!(construct(&[], &file).unwrap().download_interval(), None);
}

/// Every default is read by its own setting's parser, and every value shown reads back.
#[test]
fn every_definition_is_whole() {
    for setting in defs::SETTINGS {
        if let Some(value) = setting.default_value() {
            let again = setting.kind.parse(&value.display()).unwrap();
            assert_eq!(again, value, "{}", setting.name);
        }
        assert_eq!(
            setting.value_name.is_none(),
            matches!(setting.kind, Kind::Switch),
            "{}: a value name for every kind but a switch",
            setting.name
        );
        assert!(
            !setting.at.is_empty() || setting.is_job_option(),
            "{} is given nowhere",
            setting.name
        );
        let man = man_section();
        assert!(man.contains(&crate::roff::escape(&setting.described())));
    }
}
