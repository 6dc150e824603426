//! Reading CloudTrail's timestamps and writing them back as RFC 3339 UTC.
//!
//! Real trails are RFC 3339 (`2020-12-20T11:55:50Z`); exports and fixtures also carry
//! fractional seconds, offsets, or a space instead of the `T` with no zone (read as UTC).
//! Anything else (`"redacted"`) is no time at all.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

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

/// [`format()`] for an optional time: empty when absent.
pub fn format_opt(time: Option<&DateTime<Utc>>) -> String {
    time.map(format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

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
