//! The hand reader against serde on CloudTrail records: the same answer, or none.

use super::*;
use crate::json::{StringStops, read_object_with, skim_object_with};
use proptest::prelude::*;

/// Serde's reading of `text`, the reference.
fn serde(text: &str) -> Option<Record<'_>> {
    serde_json::from_str(text).ok()
}

/// Reads `text` both ways: the hand-written answer must be serde's (or none), and the same
/// whichever way string ends are found.
fn both(text: &str) -> (Option<Record<'_>>, Option<Record<'_>>) {
    let fast = read_record(text);
    let reference = serde(text);
    if fast.is_some() {
        assert_eq!(fast, reference, "{text}");
    }
    assert_eq!(
        read_object_with::<Record>(text, StringStops::portable()),
        fast,
        "{text}"
    );
    skimmed_as_read(text);
    (fast, reference)
}

/// The skimming reading ([`crate::json::skim_object`]) of `text`, as a [`Record`] and as a
/// [`CallRecord`]: the full reading's answer wherever that one answers, serde's wherever
/// serde reads it, and the same whichever way string and value ends are found.
fn skimmed_as_read(text: &str) -> Option<Record<'_>> {
    let skimmed = skim_object_with::<Record>(text, StringStops::detect());
    assert_eq!(
        skim_object_with::<Record>(text, StringStops::portable()),
        skimmed,
        "{text}"
    );
    if let Some(skimmed) = &skimmed {
        if let Some(full) = read_record(text) {
            assert_eq!(&full, skimmed, "{text}");
        }
        if let Some(reference) = serde(text) {
            assert_eq!(&reference, skimmed, "{text}");
        }
    }
    let call = read_call(text);
    assert_eq!(
        skim_object_with::<CallRecord>(text, StringStops::portable()),
        call,
        "{text}"
    );
    if let Some(call) = &call {
        if let Some(full) = read_object_with::<CallRecord>(text, StringStops::detect()) {
            assert_eq!(&full, call, "{text}");
        }
        if let Ok(reference) = serde_json::from_str::<CallRecord>(text) {
            assert_eq!(&reference, call, "{text}");
        }
    }
    assert!(crate::testing::call_reader_agrees(text), "{text}");
    skimmed
}

/// Every field of the model, each with its own value.
const EVERY_FIELD: &str = r#"{
    "eventVersion": "1.08", "eventTime": "2024-03-01T10:00:00Z", "@timestamp": "ts",
    "eventSource": "sts.amazonaws.com", "eventName": "AssumeRole", "eventType": "AwsApiCall",
    "awsRegion": "us-east-1", "sourceIPAddress": "10.0.0.1", "userAgent": "aws-cli/2",
    "errorCode": "AccessDenied", "errorMessage": "no", "eventID": "e1", "sharedEventID": "s1",
    "recipientAccountId": "111122223333",
    "userIdentity": {"type": "AssumedRole", "principalId": "AROA:me",
        "arn": "arn:aws:sts::111122223333:assumed-role/A/me", "accountId": "111122223333",
        "accessKeyId": "ASIA1", "userName": "me", "invokedBy": "ec2.amazonaws.com",
        "identityProvider": "idp",
        "sessionContext": {"attributes": {"creationDate": "2024-03-01T09:00:00Z",
            "mfaAuthenticated": "true"},
            "sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::111122223333:role/A"},
            "sourceIdentity": "sid1"}},
    "requestParameters": {"roleArn": "arn:aws:iam::444455556666:role/B",
        "roleSessionName": "s", "principalArn": "p", "sourceIdentity": "sid2", "name": "n",
        "targetPrincipal": "t", "providerId": "pid", "durationSeconds": 3600},
    "responseElements": {"credentials": {"accessKeyId": "ASIA2", "expiration": 1.5e3},
        "assumedRoleUser": {"arn": "arn:aws:sts::444455556666:assumed-role/B/s"},
        "federatedUser": {"arn": "fu"}, "subject": "sub", "provider": "prov",
        "subjectFromWebIdentityToken": "swit", "sourceIdentity": "sid3", "SwitchRole": "Success"},
    "additionalEventData": {"SwitchFrom": "arn:aws:iam::111122223333:user/u"},
    "resources": [{"ARN": "x", "accountId": "1", "type": "AWS::IAM::Role"}],
    "readOnly": true, "managementEvent": true, "tlsDetails": null
}"#;

#[test]
fn every_field_is_read_as_serde_reads_it() {
    let (fast, _) = both(EVERY_FIELD);
    let record = fast.expect("a plain record is read by hand");
    // Spot checks that the names are the JSON's, one per struct.
    assert_eq!(record.event_time.as_str(), "2024-03-01T10:00:00Z");
    assert_eq!(record.source_ip_address.as_str(), "10.0.0.1");
    let identity = record.user_identity.get().unwrap();
    let context = identity.session_context.get().unwrap();
    assert_eq!(
        context.attributes.get().unwrap().mfa_authenticated.as_str(),
        "true"
    );
    assert_eq!(context.session_issuer.get().unwrap().kind.as_str(), "Role");
    let request = record.request_parameters.get().unwrap();
    assert_eq!(request.provider_id.as_str(), "pid");
    let response = record.response_elements.get().unwrap();
    assert_eq!(
        response.credentials.get().unwrap().access_key_id.as_str(),
        "ASIA2"
    );
    assert_eq!(response.federated_user.get().unwrap().arn.as_str(), "fu");
    let switch = record.additional_event_data.get().unwrap();
    assert_eq!(
        switch.switch_from.as_str(),
        "arn:aws:iam::111122223333:user/u"
    );
}

#[test]
fn values_of_other_types_read_as_serde_reads_them() {
    for text in [
        r#"{"eventName":"AssumeRole","eventTime":true,"userAgent":false,"errorCode":null}"#,
        r#"{"userIdentity":"text","requestParameters":null,"responseElements":[1,{"a":[]}]}"#,
        r#"{"userIdentity":{"type":{"nested":[true,false,null,-0.5e-3]},"arn":[]}}"#,
        r#"{"additionalEventData":true,"eventID":{},"x":-12.25E+10,"y":[[[]]],"z":{}}"#,
        "{\"eventName\" :\t\"AssumeRole\" ,\r\n \"other\": 0 }",
        r#"{"unknown":1,"unknown":2,"eventName":"SwitchRole"}"#,
        r#"{}"#,
        " {\"eventName\":\"\"} ",
        "{\"userAgent\":\"caf\u{e9} – ✓\"}",
        // Numbers where a field is read: their literal text, however large.
        r#"{"eventTime":12,"userIdentity":-1}"#,
        r#"{"roleSessionName":1e400,"eventID":1e999999,"userAgent":-0.50E+10}"#,
        r#"{"userAgent":123456789012345678901234567890123456789}"#,
    ] {
        let (fast, reference) = both(text);
        assert!(fast.is_some() && reference.is_some(), "{text}");
    }
}

#[test]
fn what_only_serde_reads_is_left_to_it() {
    for text in [
        // Escapes: serde decodes them.
        r#"{"eventName":"Assume\u0052ole"}"#,
        r#"{"userAgent":"a\"b"}"#,
        r#"{"other":"a\\b","eventName":"AssumeRole"}"#,
        // Serde refuses these.
        r#"{"eventName":"AssumeRole","eventName":"AssumeRole"}"#,
        r#"{"userIdentity":{"arn":"a","arn":"b"}}"#,
        "{\"userAgent\":\"a\u{1}b\"}",
        r#"{"a":01}"#,
        r#"{"a":1.}"#,
        r#"{"a":1e}"#,
        r#"{"a":-}"#,
        r#"{"a":tru}"#,
        r#"{"a":1,}"#,
        r#"{"a" 1}"#,
        r#"{"a":[1,]}"#,
        r#"{"a":{"b":1"#,
        r#"{"a":1} x"#,
        r#"{a:1}"#,
        r#"["eventName"]"#,
        "",
    ] {
        let (fast, _) = both(text);
        assert!(fast.is_none(), "{text}");
    }
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(64), "]".repeat(64));
    assert!(both(&deep).0.is_none());
    let deep_enough = format!("{{\"a\":{}{}}}", "[".repeat(63), "]".repeat(63));
    assert!(both(&deep_enough).0.is_some());
}

#[test]
fn skimming_passes_over_what_it_does_not_read() {
    // Escapes, numbers and nesting in values not read: read by the skimming reader where the
    // full one leaves the record to serde (whose answer it gives).
    for text in [
        r#"{"other":"a\"b\\","eventName":"AssumeRole"}"#,
        r#"{"requestParameters":{"policy":"{\"a\":[\"}\"]}","n":[1,{"x":"]"}]},"eventID":"e"}"#,
        r#"{"tls":{"v":"\u00e9"},"userIdentity":{"type":"AssumedRole","extra":["\\"]}}"#,
    ] {
        assert!(read_record(text).is_none(), "{text}");
        let skimmed = skimmed_as_read(text);
        assert!(skimmed.is_some() && skimmed == serde(text), "{text}");
    }
    // Malformed inside a value passed over: serde refuses the record, the skimming reader
    // reads it (what it passes over it checks only for where it ends).
    for text in [
        r#"{"tlsDetails":{"a" 1 2},"eventName":"GetObject"}"#,
        r#"{"tlsDetails":{"a":[1,]},"eventName":"GetObject"}"#,
        r#"{"tlsDetails":{"a":01},"eventName":"GetObject"}"#,
        r#"{"tlsDetails":[},"eventName":"GetObject"}"#,
        r#"{"tlsDetails":{"a":"\q"},"eventName":"GetObject"}"#,
        r#"{"other":"\x","eventName":"GetObject"}"#,
    ] {
        assert!(serde(text).is_none(), "{text}");
        let skimmed = skimmed_as_read(text).expect(text);
        assert_eq!(skimmed.event_name.as_str(), "GetObject");
    }
    // What it must find the end of, or read, it still checks: serde's to refuse.
    for text in [
        r#"{"requestParameters":{"a":"b}"#,
        r#"{"requestParameters":{"a":[1,2]"#,
        "{\"other\":\"a\u{1}b\",\"eventName\":\"x\"}",
        r#"{"other":"a\"}"#,
        r#"{"eventName":"A","eventName":"B"}"#,
        r#"{"eventName":"Assume\u0052ole"}"#,
        r#"{"eventName" "x"}"#,
        r#"{"a":1} x"#,
        r#"{"a":tru}"#,
    ] {
        assert!(skimmed_as_read(text).is_none(), "{text}");
    }
}

/// Logs are untrusted: what the skimming reader passes over costs time linear in its size,
/// however deep or escaped.
#[test]
fn skimming_is_linear_in_deep_nesting_and_long_escapes() {
    let deep = format!(
        r#"{{"requestParameters":{}{},"eventName":"GetObject"}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let started = std::time::Instant::now();
    assert_eq!(
        read_call(&deep).map(|call| call.event_name.as_str().to_owned()),
        Some("GetObject".to_owned())
    );
    assert!(
        read_record(&deep).is_none(),
        "the full reading leaves it to serde"
    );
    let unclosed = format!(r#"{{"requestParameters":{}"#, "[{".repeat(100_000));
    assert!(read_call(&unclosed).is_none());
    let escapes = "\\\\".repeat(5_000_000); // 10 MB of escaped backslashes
    for text in [
        format!(r#"{{"other":"{escapes}","eventName":"GetObject"}}"#),
        format!(r#"{{"other":["{escapes}",{{"k":"{escapes}\""}}],"eventName":"GetObject"}}"#),
    ] {
        assert!(read_call(&text).is_some());
        assert!(skim_object_with::<CallRecord>(&text, StringStops::portable()).is_some());
    }
    let open = format!(r#"{{"other":"{escapes}\"}}"#);
    assert!(read_call(&open).is_none());
    // A few hundred milliseconds unoptimized; quadratic work would take hours.
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

/// The keys of the generated records: some the model reads, one it does not (`x`).
fn key() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "eventName",
        "eventTime",
        "userIdentity",
        "sessionContext",
        "arn",
        "type",
        "requestParameters",
        "roleArn",
        "credentials",
        "x",
    ])
}

/// A JSON value with the record's shapes in it: known and unknown keys, every type. When
/// `plain`, as the generator and most delivery files write them (what the hand reading must
/// read itself): no escapes, numbers only under `x`, no key twice in an object. Otherwise
/// anything goes: escapes, numbers anywhere, repeated keys.
fn value(plain: bool) -> BoxedStrategy<String> {
    // Short ones, and some long enough to cross a 64-byte block or two.
    let strings = prop_oneof!["[a-zA-Z0-9:/ ._-]{0,12}", "[a-zA-Z0-9:/ ._-]{50,150}",]
        .prop_map(|s| format!("\"{s}\""));
    let words = prop::sample::select(vec!["true", "false", "null"]).prop_map(str::to_owned);
    let numbers =
        prop::sample::select(vec!["0", "-12.5e3", "3600", "1E+2"]).prop_map(str::to_owned);
    let escaped = prop::sample::select(vec![
        "\"a\\\"b\"",
        "\"\\u00e9\"",
        "\"tab\there\"",
        "\"nul\u{0}\"",
    ])
    .prop_map(str::to_owned);
    let leaf = if plain {
        prop_oneof![strings, words].boxed()
    } else {
        prop_oneof![strings, words, numbers.clone(), escaped].boxed()
    };
    leaf.prop_recursive(4, 40, 6, move |inner| {
        let entries =
            proptest::collection::vec((key(), prop_oneof![inner.clone(), numbers.clone()]), 0..6)
                .prop_map(move |entries| {
                    let mut seen = std::collections::BTreeSet::new();
                    let entries: Vec<String> = entries
                        .iter()
                        .filter(|(k, v)| {
                            !plain || (seen.insert(*k) && (*k == "x" || v.parse::<f64>().is_err()))
                        })
                        .map(|(k, v)| format!("\"{k}\":{v}"))
                        .collect();
                    format!("{{{}}}", entries.join(","))
                });
        prop_oneof![
            proptest::collection::vec(inner, 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            entries,
        ]
    })
    .boxed()
}

proptest! {
    #[test]
    fn the_hand_reading_is_serdes_or_none(record in value(false)) {
        both(&record);
    }

    #[test]
    fn damaged_records_too(record in value(false), at in any::<prop::sample::Index>(),
            byte in prop::sample::select(b"{}[],:\" \\-.0e1tn".to_vec()), cut in any::<bool>()) {
        let mut bytes = record.into_bytes();
        let at = at.index(bytes.len() + 1);
        if cut {
            bytes.truncate(at);
        } else {
            bytes.insert(at, byte);
        }
        if let Ok(text) = std::str::from_utf8(&bytes) {
            both(text);
        }
    }

    #[test]
    fn plain_records_are_skimmed_as_read(record in value(true)) {
        let skimmed = skimmed_as_read(&record);
        prop_assert_eq!(skimmed.is_some(), record.starts_with('{'), "skimmed {}", record);
    }

    #[test]
    fn plain_records_are_read_by_hand(record in value(true)) {
        let (fast, reference) = both(&record);
        prop_assert_eq!(fast.is_some(), record.starts_with('{'), "read {}", record);
        let object = record.starts_with('{');
        prop_assert!(reference.is_some() || !object, "serde refused {}", record);
    }
}
