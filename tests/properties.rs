//! Property tests: arbitrary Unicode, control characters included, in every caller-controlled
//! field, through extraction and every exporter.

use crate::harness::*;
use proptest::prelude::*;
use trailmask::testing::{Cell, Rows, dot_quote, mermaid_label, write};

/// Any string, biased towards the characters that break formats.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(
            prop_oneof![
                Just('"'),
                Just('\\'),
                Just('\n'),
                Just('\r'),
                Just('\t'),
                Just('\u{1b}'),
                Just('\0'),
                Just('='),
                Just('+'),
                Just('-'),
                Just('@'),
                Just(','),
                Just('<'),
                Just('>'),
                Just('{'),
                Just('}'),
                Just('|'),
                Just('#'),
                Just(';'),
                Just('ロ'),
                Just('\u{202e}'),
                any::<char>(),
            ],
            0..24
        )
        .prop_map(|chars| chars.into_iter().collect()),
    ]
}

/// A one-row table of arbitrary strings.
struct OneRow(Vec<String>);

impl Rows for OneRow {
    fn columns(&self) -> Vec<&'static str> {
        ["a", "b", "c", "d"][..self.0.len()].to_vec()
    }
    fn each_row(
        &self,
        emit: &mut dyn FnMut(&[Cell<'_>]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let cells: Vec<Cell> = self.0.iter().map(|s| Cell::Text(s)).collect();
        emit(&cells)
    }
}

/// What the CSV writer makes of a cell: control and invisible characters as visible escapes
/// (as in the tables; text with none is left as it is), then a `'` before a formula start.
fn neutralized(value: &str) -> String {
    let value = trailmask::testing::printable(value).into_owned();
    match value.chars().next() {
        Some('=' | '+' | '-' | '@') => format!("'{value}"),
        _ => value,
    }
}

/// Reads a DOT double-quoted string back (the escapes `quote` writes).
fn unquote(dot: &str) -> String {
    let inner = &dot[1..dot.len() - 1];
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    // `&` is written `&amp;` (Graphviz reads `&…;` as a character reference).
    out.replace("&amp;", "&")
}

proptest! {
    #[test]
    fn csv_reads_back_to_the_same_values(values in proptest::collection::vec(hostile(), 1..5)) {
        let mut out = Vec::new();
        write::csv(&OneRow(values.clone()), false, &mut out).unwrap();
        let rows = csv_rows(std::str::from_utf8(&out).unwrap());
        prop_assert_eq!(rows.len(), 2);
        let want: Vec<String> = values.iter().map(|v| neutralized(v)).collect();
        prop_assert_eq!(&rows[1], &want);
        let mut raw = Vec::new();
        write::csv(&OneRow(values.clone()), true, &mut raw).unwrap();
        prop_assert_eq!(&csv_rows(std::str::from_utf8(&raw).unwrap())[1], &values);
    }

    #[test]
    fn json_reads_back_to_the_same_values(values in proptest::collection::vec(hostile(), 1..5)) {
        let mut out = Vec::new();
        write::json_array(&OneRow(values.clone()), &mut out).unwrap();
        let text = std::str::from_utf8(&out).unwrap();
        let array: serde_json::Value = serde_json::from_str(text).unwrap();
        prop_assert_eq!(array.as_array().map(Vec::len), Some(1));
        for (name, value) in ["a", "b", "c", "d"].iter().zip(&values) {
            prop_assert_eq!(array[0][name].as_str(), Some(value.as_str()));
        }
    }

    /// Regression (issue 26): DOT ids were not injective (`x` + ESC and `x\u{1b}` made one
    /// node). Distinct names stay distinct in DOT and in Mermaid labels, whatever they hold.
    #[test]
    fn distinct_names_stay_distinct(a in hostile(), b in hostile()) {
        prop_assume!(a != b);
        prop_assert_ne!(dot_quote(&a), dot_quote(&b));
        prop_assert_ne!(mermaid_label(&a), mermaid_label(&b));
    }

    #[test]
    fn distinct_escape_lookalikes_stay_distinct(stem in hostile(), c in proptest::char::range('\u{0}', '\u{9f}')) {
        // A control character and the text of its escape are two names.
        let escaped = format!("{stem}\\u{{{:x}}}", c as u32);
        let raw = format!("{stem}{c}");
        prop_assert_ne!(dot_quote(&raw), dot_quote(&escaped));
    }

    #[test]
    fn dot_quoting_round_trips(value in hostile()) {
        let quoted = dot_quote(&value);
        prop_assert!(quoted.starts_with('"') && quoted.ends_with('"') && quoted.len() >= 2);
        prop_assert!(!quoted.chars().any(|c| c.is_control()), "{:?}", quoted);
        // Controls, and the characters that hide or turn text, are shown as escapes (a line
        // feed as a visible `\n`, never a line break): the others come back as they were.
        let plain = value.replace(['\\', '\n'], "");
        if trailmask::testing::printable(&plain) == plain {
            // A backslash is doubled, so that no name can spell another's escape.
            let shown = value.replace('\\', "\\\\").replace('\n', "\\n");
            prop_assert_eq!(unquote(&quoted), shown);
        }
    }

    #[test]
    fn tables_hold_no_raw_control_characters(values in proptest::collection::vec(hostile(), 1..5)) {
        let mut out = Vec::new();
        write::table(&OneRow(values), None, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        prop_assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{:?}", text);
    }

    /// Caller-chosen values survive extraction unchanged, whatever they hold.
    #[test]
    fn extraction_keeps_caller_values(session in hostile(), agent in hostile(), subject in hostile(), ip in hostile()) {
        let record = serde_json::json!({
            "eventName": "AssumeRoleWithWebIdentity", "eventID": "p1", "userAgent": agent, "sourceIPAddress": ip,
            "userIdentity": {"type": "WebIdentityUser", "userName": subject, "identityProvider": "accounts.google.com"},
            "requestParameters": {"roleArn": "arn:aws:iam::111111111111:role/R", "roleSessionName": session},
        });
        let body = format!("{{\"Records\":[{record}]}}");
        let outcome = trailmask::testing::read_bytes(body.as_bytes(), 1 << 20);
        prop_assert!(outcome.error.is_none());
        prop_assert_eq!(outcome.events.len(), 1);
        let event = &outcome.events[0];
        prop_assert_eq!(&event.session_name(), &session);
        prop_assert_eq!(&event.user_agent(), &agent);
        prop_assert_eq!(&event.source_subject(), &subject);
        prop_assert_eq!(&event.source_ip(), &ip);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// A sample of hostile names through the whole graph command and real Graphviz.
    #[test]
    fn graphviz_accepts_graphs_of_hostile_names(names in proptest::collection::vec(hostile(), 1..4)) {
        let dir = Dir::new();
        let records: Vec<String> = names.iter().enumerate().map(|(i, name)| serde_json::json!({
            "eventName": "AssumeRole", "eventID": format!("g{i}"),
            "userIdentity": {"type": "IAMUser", "arn": format!("arn:aws:iam::{name}:user/{name}"), "accountId": name},
            "requestParameters": {"roleArn": format!("arn:aws:iam::111111111111:role/{name}"), "roleSessionName": name},
        }).to_string()).collect();
        dir.write("h.json", format!("{{\"Records\":[{}]}}", records.join(",")).as_bytes());
        let output = run_in(dir.root.path(), &["graph", "-q", "h.json"], None);
        prop_assert_eq!(output.status.code(), Some(0));
        if let Some(result) = crate::graphviz::dot_accepts(&stdout(&output)) {
            prop_assert!(result.is_ok(), "{:?}", result);
        }
    }
}
