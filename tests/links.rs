//! Chain links and console switches on crafted records (a review's, session 39): which hop
//! issued a session named only by another account's copy, and which AssumeRole a console
//! switch is, each in any record order and with the switch's record read or not.

use crate::harness::*;
use serde_json::Value;

/// The records of `tests/data/links/NAME.json`.
fn records(name: &str) -> Vec<Value> {
    let path = repo().join(format!("tests/data/links/{name}.json"));
    let text = std::fs::read_to_string(&path).expect("a fixture");
    let trail: Value = serde_json::from_str(&text).expect("JSON");
    trail["Records"].as_array().expect("records").clone()
}

/// `events -q` over `records` (one file) as `event_id: column=value …` lines of `columns`,
/// in the rows' order; checked to be the same with the records in reverse order.
fn linked(records: &[Value], columns: &[&str]) -> String {
    let run_on = |records: &[Value]| {
        let dir = Dir::new();
        let trail = serde_json::json!({ "Records": records }).to_string();
        dir.write("t/trail.json", trail.as_bytes());
        let output = run_in(dir.root.path(), &["events", "-q", "t"], None);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let rows = csv_rows(&stdout(&output));
        let at = |name: &str| rows[0].iter().position(|c| c == name).expect("a column");
        let mut text = String::new();
        for row in &rows[1..] {
            text.push_str(&row[at("event_id")]);
            text.push(':');
            for column in columns {
                text.push_str(&format!(" {column}={}", row[at(column)]));
            }
            text.push('\n');
        }
        text
    };
    let forward = run_on(records);
    let mut reversed = records.to_vec();
    reversed.reverse();
    assert_eq!(run_on(&reversed), forward, "records in reverse order");
    forward
}

/// The records but the console's `SwitchRole` sign-ins.
fn without_switches(mut records: Vec<Value>) -> Vec<Value> {
    records.retain(|record| record["eventName"] != "SwitchRole");
    records
}

const LINK: [&str; 4] = [
    "chain_depth",
    "chain_origin",
    "chain_link",
    "parent_event_id",
];

/// Without a creation time (the role account's copy of a hop, `AWSAccount`), the hop made by
/// a session of B named `ci` at 10:00:25 is alice's (her session of B named `ci`, 10:00),
/// not bob's, issued 15 seconds after the call.
#[test]
fn a_session_issued_after_the_call_is_not_its_issuer() {
    let rows = linked(&records("later-issuer"), &LINK);
    assert!(
        rows.contains(
            "c1-from-alice-session: chain_depth=2 chain_origin=arn:aws:iam::111111111111:user/alice \
             chain_link=inferred parent_event_id=h1-alice\n"
        ),
        "{rows}"
    );
}

/// A console switch keeps the session's principal id its AssumeRole returned: another
/// account's copy of a hop the console session made links to the switch, as it links to the
/// AssumeRole when the switch's record is not read.
#[test]
fn a_copy_of_a_console_session_s_hop_links_to_its_switch() {
    let expected = "hop-2-copy: chain_depth=2 chain_origin=arn:aws:iam::111111111111:user/bob \
                    chain_link=inferred parent_event_id=ar-1\n";
    for records in [
        records("console-copy"),
        without_switches(records("console-copy")),
    ] {
        let rows = linked(&records, &LINK);
        assert!(rows.contains(expected), "{rows}");
    }
}

/// A switch made from a session of Dev (111) into ReadOnly (222): its record gives the new
/// session's role id, not Dev's, so another account's copy of a later ReadOnly session's hop
/// starts at ReadOnly, in account 222, as without the switch's record.
#[test]
fn a_switch_from_a_role_session_names_no_role_id_of_the_role_it_left() {
    for records in [
        records("switch-from-a-role"),
        without_switches(records("switch-from-a-role")),
    ] {
        let dir = Dir::new();
        let trail = serde_json::json!({ "Records": records }).to_string();
        dir.write("t/trail.json", trail.as_bytes());
        let output = run_in(
            dir.root.path(),
            &["chains", "-q", "--format", "csv", "t"],
            None,
        );
        let chains = stdout(&output);
        assert!(
            chains.contains(
                "[... hops not read ...] -> arn:aws:iam::222222222222:role/ReadOnly \
                 =[cross-account]=> arn:aws:iam::333333333333:role/Target\n"
            ),
            "{chains}"
        );
        for (from, kept) in [("*:role/Dev", 0), ("*:role/ReadOnly", 1)] {
            let output = run_in(
                dir.root.path(),
                &["events", "-q", "--from", from, "t"],
                None,
            );
            assert_eq!(
                stdout(&output).matches("hop-copy").count(),
                kept,
                "--from {from}"
            );
        }
    }
}

/// Two switches into ReadOnly/ops in one second, from user ops and from a session of Dev
/// named ops: the role account's copy (`AWSAccount` 111) may be either's, user ops's own
/// AssumeRole is only his. Each switch pairs, user ops with his own, and the key the copy
/// issued links the next hop to Dev's switch.
#[test]
fn a_switch_takes_its_own_caller_s_assume_role_first() {
    let rows = linked(
        &records("two-switches-one-second"),
        &["event_name", "source", "chain_origin", "parent_event_id"],
    );
    assert_eq!(
        rows,
        "a1: event_name=SwitchRole source=arn:aws:sts::111111111111:assumed-role/Dev/ops \
         chain_origin=arn:aws:sts::111111111111:assumed-role/Dev/ops parent_event_id=\n\
         a2: event_name=SwitchRole source=arn:aws:iam::111111111111:user/ops \
         chain_origin=arn:aws:iam::111111111111:user/ops parent_event_id=\n\
         hop-next: event_name=AssumeRole source=arn:aws:sts::222222222222:assumed-role/ReadOnly/ops \
         chain_origin=arn:aws:sts::111111111111:assumed-role/Dev/ops parent_event_id=a1\n"
    );
}
