//! Reading CloudTrail's timestamps and writing them back as RFC 3339 UTC.
//!
//! Real trails are RFC 3339 (`2020-12-20T11:55:50Z`); exports and fixtures also carry
//! fractional seconds, offsets, or a space instead of the `T` with no zone (read as UTC).
//! Anything else (`"redacted"`) is no time at all.

use chrono::{DateTime, Datelike, NaiveDateTime, SecondsFormat, Timelike, Utc};

/// Parses a CloudTrail timestamp.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
}

/// Writes `time` as RFC 3339 UTC: `Z`, with fractional seconds only when there are any.
pub fn format(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Appends [`format()`]'s text to `out` without an allocation, for the common times: years 0
/// to 9999 and no leap second. Returns false, having written nothing, for any other time.
pub fn push_common(time: &DateTime<Utc>, out: &mut Vec<u8>) -> bool {
    let (year, nanos) = (time.year(), time.nanosecond());
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return false;
    }
    let digits = |out: &mut Vec<u8>, value: u32, width: u32| {
        for place in (0..width).rev() {
            out.push(b'0' + (value / 10u32.pow(place) % 10) as u8);
        }
    };
    digits(out, year as u32, 4);
    for (separator, value) in [
        (b'-', time.month()),
        (b'-', time.day()),
        (b'T', time.hour()),
        (b':', time.minute()),
        (b':', time.second()),
    ] {
        out.push(separator);
        digits(out, value, 2);
    }
    // As chrono's `SecondsFormat::AutoSi`: the fewest of 0, 3, 6 or 9 digits that are exact.
    let fraction = match nanos {
        0 => None,
        n if n % 1_000_000 == 0 => Some((n / 1_000_000, 3)),
        n if n % 1_000 == 0 => Some((n / 1_000, 6)),
        n => Some((n, 9)),
    };
    if let Some((value, width)) = fraction {
        out.push(b'.');
        digits(out, value, width);
    }
    out.push(b'Z');
    true
}

/// [`format()`] for an optional time: empty when absent.
pub fn format_opt(time: Option<&DateTime<Utc>>) -> String {
    time.map(format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    proptest::proptest! {
        /// The fast writer gives chrono's bytes, or declines.
        #[test]
        fn push_common_writes_what_chrono_writes(
            seconds in -100_000_000_000i64..300_000_000_000,
            nanos in proptest::prop_oneof![
                proptest::strategy::Just(0u32),
                (0u32..1000).prop_map(|ms| ms * 1_000_000),
                (0u32..1_000_000).prop_map(|us| us * 1_000),
                0u32..2_000_000_000,
            ],
        ) {
            if let Some(time) = DateTime::<Utc>::from_timestamp(seconds, nanos) {
                let mut out = Vec::new();
                if push_common(&time, &mut out) {
                    proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), format(&time));
                } else {
                    proptest::prop_assert!(out.is_empty());
                    let year = time.year();
                    proptest::prop_assert!(!(0..=9999).contains(&year) || nanos >= 1_000_000_000);
                }
            }
        }
    }

    #[test]
    fn reads_the_shapes_seen_in_real_trails() {
        let want = "2021-01-01T00:00:00Z";
        for text in [
            "2021-01-01T00:00:00Z",
            "2021-01-01T01:00:00+01:00",
            "2021-01-01 00:00:00",
            "2021-01-01T00:00:00",
            " 2021-01-01 00:00:00.000 ",
        ] {
            assert_eq!(format_opt(parse(text).as_ref()), want, "{text}");
        }
        assert_eq!(
            format(&parse("2020-09-14T01:19:40.123Z").unwrap()),
            "2020-09-14T01:19:40.123Z"
        );
        assert_eq!(parse("redacted"), None);
        assert_eq!(parse("..."), None);
    }
}
