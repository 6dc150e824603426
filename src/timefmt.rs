//! Reading CloudTrail's timestamps and writing them back as RFC 3339 UTC.
//!
//! Real trails are RFC 3339 (`2020-12-20T11:55:50Z`); exports and fixtures also carry
//! fractional seconds, offsets, or a space instead of the `T` with no zone (read as UTC), and
//! AWS's `userIdentity` documentation writes `creationDate` in the basic ISO 8601 form
//! (`20131102T010628Z`).
//! Anything else (`"redacted"`) is no time at all.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SecondsFormat, Timelike, Utc};

/// Parses a CloudTrail timestamp. A time whose UTC falls outside the years 0 to 9999 is no
/// time: RFC 3339 cannot write it (`9999-12-31T23:30:00-01:00` was written `+10000-…`,
/// which `--since` refuses and a log's `+10000-…` is not read as: a red-team's, session 40).
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    if let Some(time) = parse_compact(text.as_bytes()) {
        return Some(time);
    }
    parse_general(text).filter(|time| (0..=9999).contains(&time.year()))
}

/// [`parse`]'s forms other than CloudTrail's own.
fn parse_general(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y%m%dT%H%M%SZ",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .map(|naive| naive.and_utc())
}

/// The form CloudTrail writes, `2020-12-20T11:55:50Z` exactly, read by hand (chrono's RFC 3339
/// parser handles every form and costs several times as much; every event has one or two
/// times). `None` for anything else, which [`parse`] then reads the general way; a time read
/// here is what chrono reads.
fn parse_compact(text: &[u8]) -> Option<DateTime<Utc>> {
    let text: &[u8; 20] = text.try_into().ok()?;
    let separators = [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'Z'),
    ];
    if separators.iter().any(|&(at, byte)| text[at] != byte) {
        return None;
    }
    let number = |from: usize, to: usize| {
        text[from..to].iter().try_fold(0_u32, |value, &digit| {
            digit
                .is_ascii_digit()
                .then(|| value * 10 + u32::from(digit - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(number(0, 4)? as i32, number(5, 7)?, number(8, 10)?)?
        .and_hms_opt(number(11, 13)?, number(14, 16)?, number(17, 19)?)
        .map(|time| time.and_utc())
}

/// Writes `time` as RFC 3339 UTC: `Z`, with fractional seconds only when there are any.
pub fn format(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Writes `time` as [`format()`] does, to the second (`--baseline-until 2024-05-01` ends at
/// `2024-05-01T23:59:59.999999999Z`; a message says `2024-05-01T23:59:59Z`, as the output's
/// columns write times).
pub fn format_seconds(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
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

/// The first and last of some times: the `first_seen` and `last_seen` of every table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seen {
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
}

impl Seen {
    /// Takes in one time (none: nothing changes).
    pub fn add(&mut self, time: Option<DateTime<Utc>>) {
        self.add_span(time, time);
    }

    /// Takes in a span that began at `first` and ended at `last`.
    pub fn add_span(&mut self, first: Option<DateTime<Utc>>, last: Option<DateTime<Utc>>) {
        if let Some(first) = first {
            self.first = Some(self.first.map_or(first, |t| t.min(first)));
        }
        if let Some(last) = last {
            self.last = Some(self.last.map_or(last, |t| t.max(last)));
        }
    }
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

    proptest::proptest! {
        /// The compact reader reads what chrono reads, or leaves the text to it.
        #[test]
        fn compact_times_read_as_chrono_reads_them(
            text in proptest::prop_oneof![
                (0..10_000u32, 0..14u32, 0..33u32, 0..25u32, 0..61u32, 0..62u32).prop_map(
                    |(y, mo, d, h, mi, s)| format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
                ),
                "[0-9 T:Z+.-]{18,22}",
            ],
        ) {
            let general = DateTime::parse_from_rfc3339(text.trim())
                .ok()
                .map(|time| time.with_timezone(&Utc));
            if let Some(time) = parse_compact(text.as_bytes()) {
                proptest::prop_assert_eq!(Some(time), general);
            } else if text.len() == 20 && general.is_some() {
                // Declined: only a leap second, which chrono reads its own way.
                proptest::prop_assert_eq!(&text[17..19], "60");
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
            "20210101T000000Z",
        ] {
            assert_eq!(format_opt(parse(text).as_ref()), want, "{text}");
        }
        assert_eq!(
            format(&parse("2020-09-14T01:19:40.123Z").unwrap()),
            "2020-09-14T01:19:40.123Z"
        );
        assert_eq!(parse("redacted"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("2021-02-29T00:00:00Z"), None);
        assert_eq!(
            format(&parse("2016-12-31T23:59:60Z").unwrap()),
            "2016-12-31T23:59:60Z"
        );
        assert_eq!(parse("..."), None);
        // An offset that carries the time past the years RFC 3339 writes: no time, as the
        // text `+10000-…` it would be written as is none.
        assert_eq!(parse("9999-12-31T23:30:00-01:00"), None);
        assert_eq!(parse("0000-01-01T00:30:00+01:00"), None);
        assert_eq!(parse("+10000-01-01T00:30:00Z"), None);
        assert_eq!(
            format_opt(parse("9999-12-31T23:30:00+01:00").as_ref()),
            "9999-12-31T22:30:00Z"
        );
    }
}
