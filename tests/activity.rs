//! `trailmask activity` (issue 23): every call made with a role session, attributed to its
//! session, role and chain origin, on crafted records with exact outputs; copies, thread counts
//! and file order; the views and filters; a hostile session; sample-logs as a golden file.

use crate::harness::*;
use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";

fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

fn alice() -> Value {
    json!({"type": "IAMUser", "principalId": "AIDAALICE", "arn": format!("arn:aws:iam::{ACCOUNT}:user/alice"),
           "accountId": ACCOUNT, "accessKeyId": "AKIAALICE", "userName": "alice"})
}

/// A session of role `name` named `session`, signing with `key`, created at `created` (empty:
/// no `creationDate`).
fn session(name: &str, session: &str, key: &str, created: &str) -> Value {
    let mut identity = json!({
        "type": "AssumedRole",
        "principalId": format!("AROA{}:{session}", name.to_ascii_uppercase()),
        "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{session}"),
        "accountId": ACCOUNT,
        "accessKeyId": key,
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "arn": role(&format!("team/{name}")), "accountId": ACCOUNT, "userName": name},
            "attributes": {"creationDate": created, "mfaAuthenticated": "false"}
        }
    });
    if created.is_empty() {
        identity["sessionContext"]["attributes"] = json!({"mfaAuthenticated": "false"});
    }
    identity
}

fn assume(id: &str, time: &str, who: Value, role_name: &str, session: &str, key: &str) -> Value {
    json!({
        "eventVersion": "1.08", "userIdentity": who, "eventTime": format!("2026-03-01T{time}Z"),
        "eventSource": "sts.amazonaws.com", "eventName": "AssumeRole", "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.5", "userAgent": "aws-cli/2",
        "requestParameters": {"roleArn": role(&format!("team/{role_name}")), "roleSessionName": session},
        "responseElements": {"credentials": {"accessKeyId": key, "expiration": "x", "sessionToken": "y"},
            "assumedRoleUser": {"assumedRoleId": "AROAX:s", "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{session}")}},
        "eventID": id, "eventType": "AwsApiCall", "recipientAccountId": ACCOUNT
    })
}

/// An ordinary call by `who`.
#[allow(clippy::too_many_arguments)]
fn call(
    id: &str,
    time: &str,
    who: Value,
    source: &str,
    name: &str,
    error: &str,
    read_only: bool,
    ip: &str,
) -> Value {
    let mut record = json!({
        "eventVersion": "1.08", "userIdentity": who, "eventTime": format!("2026-03-01T{time}Z"),
        "eventSource": source, "eventName": name, "awsRegion": "us-east-1",
        "sourceIPAddress": ip, "userAgent": "Boto3/1.34",
        "requestParameters": {"bucketName": "data", "key": "a/b", "nested": {"deep": [1, 2, {"x": null}]}},
        "responseElements": null, "eventID": id, "readOnly": read_only, "eventType": "AwsApiCall",
        "recipientAccountId": ACCOUNT,
        "tlsDetails": {"tlsVersion": "TLSv1.3"}
    });
    if !error.is_empty() {
        record["errorCode"] = json!(error);
        record["errorMessage"] = json!("denied");
    }
    record
}

/// An `s3:GetObject` by `who`, allowed, from `ip`.
fn get_object(id: &str, time: &str, who: Value, ip: &str) -> Value {
    call(id, time, who, "s3.amazonaws.com", "GetObject", "", true, ip)
}

fn trail(records: &[Value]) -> String {
    json!({"Records": records}).to_string()
}

/// The crafted trail: alice's session of Ops (linked by key), a session of Ops with no key
/// or creation time in its calls (linked by its ARN), the same key reused five days later
/// (a documentation-sample habit: not linked), a session of a role whose hop is not in the
/// logs (origin unknown), and a console switch (the hop itself, not activity).
fn crafted() -> Vec<Value> {
    let ops = || session("Ops", "alice", "ASIAOPS1", "2026-03-01T10:00:00Z");
    let mut no_key = session("Ops", "bob", "", "");
    no_key.as_object_mut().unwrap().remove("accessKeyId");
    let mut reused = session("Ops", "alice", "ASIAOPS1", "2026-03-06T10:00:00Z");
    reused["arn"] = json!(format!("arn:aws:sts::{ACCOUNT}:assumed-role/Ops/alice"));
    let stranger = session("Audit", "carol", "ASIAAUDIT", "2026-03-01T08:00:00Z");
    let mut switch = call(
        "sw",
        "10:20:00",
        ops(),
        "signin.amazonaws.com",
        "SwitchRole",
        "",
        false,
        "203.0.113.5",
    );
    switch["additionalEventData"] =
        json!({"SwitchFrom": format!("arn:aws:iam::{ACCOUNT}:user/alice")});
    vec![
        assume("h1", "10:00:00", alice(), "Ops", "alice", "ASIAOPS1"),
        assume("h2", "10:30:00", json!({"type": "IAMUser", "arn": format!("arn:aws:iam::{ACCOUNT}:user/bob"), "accountId": ACCOUNT, "accessKeyId": "AKIABOB"}), "Ops", "bob", "ASIAOPS2"),
        call("c1", "10:01:00", ops(), "s3.amazonaws.com", "GetObject", "", true, "203.0.113.5"),
        call("c2", "10:02:00", ops(), "s3.amazonaws.com", "GetObject", "AccessDenied", true, "203.0.113.5"),
        call("c3", "10:03:00", ops(), "ec2.amazonaws.com", "RunInstances", "", false, "198.51.100.9"),
        call("c4", "10:40:00", no_key, "kms.amazonaws.com", "Decrypt", "", true, "198.51.100.10"),
        call("c5", "12:00:00", stranger, "s3.amazonaws.com", "PutObject", "", false, "192.0.2.1"),
        switch,
    ]
    .into_iter()
    .chain([{
        let mut later = call("c6", "10:00:00", reused, "s3.amazonaws.com", "ListBuckets", "", true, "203.0.113.5");
        later["eventTime"] = json!("2026-03-06T10:05:00Z");
        later
    }])
    .collect()
}

/// The first four columns of each line of a CSV without quoted commas, lines joined by `\n`
/// (no last one).
fn first_four_columns(text: String) -> String {
    text.lines()
        .map(|line| line.split(',').take(4).collect::<Vec<_>>().join(","))
        .collect::<Vec<_>>()
        .join("\n")
}

fn out(dir: &Dir, args: &[&str]) -> String {
    let output = run_in(dir.root.path(), args, None);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        stderr(&output)
    );
    stdout(&output)
}

const SESSIONS: &str = "\
session_arn,role_arn,role_account,origin,chain_depth,link,created,first_call,last_call,calls,failures,write_calls,services,top_actions,source_ips,accounts,access_key
arn:aws:sts::111122223333:assumed-role/Ops/alice,arn:aws:iam::111122223333:role/team/Ops,111122223333,arn:aws:iam::111122223333:user/alice,1,access-key,2026-03-01T10:00:00Z,2026-03-01T10:01:00Z,2026-03-01T10:03:00Z,3,1,1,ec2.amazonaws.com;s3.amazonaws.com,s3:GetObject=2;ec2:RunInstances=1,198.51.100.9;203.0.113.5,111122223333,ASIAOPS1
arn:aws:sts::111122223333:assumed-role/Ops/bob,arn:aws:iam::111122223333:role/team/Ops,111122223333,arn:aws:iam::111122223333:user/bob,1,inferred,,2026-03-01T10:40:00Z,2026-03-01T10:40:00Z,1,0,0,kms.amazonaws.com,kms:Decrypt=1,198.51.100.10,111122223333,
arn:aws:sts::111122223333:assumed-role/Audit/carol,arn:aws:iam::111122223333:role/team/Audit,111122223333,,,,2026-03-01T08:00:00Z,2026-03-01T12:00:00Z,2026-03-01T12:00:00Z,1,0,1,s3.amazonaws.com,s3:PutObject=1,192.0.2.1,111122223333,ASIAAUDIT
arn:aws:sts::111122223333:assumed-role/Ops/alice,arn:aws:iam::111122223333:role/team/Ops,111122223333,,,,2026-03-06T10:00:00Z,2026-03-06T10:05:00Z,2026-03-06T10:05:00Z,1,0,0,s3.amazonaws.com,s3:ListBuckets=1,203.0.113.5,111122223333,ASIAOPS1
";

#[test]
fn each_session_is_attributed_by_key_by_arn_or_not_at_all() {
    let dir = Dir::new();
    dir.write("t.json", trail(&crafted()).as_bytes());
    assert_eq!(out(&dir, &["activity", "-q", "t.json"]), SESSIONS);
}

/// A responder's pass (session 33): in one account's trail, two chains begun before the logs
/// read (their first hops in another account's) were one blank origin, whose `--origin` matched
/// a name the views never printed. Such a session's origin is now said as `chains` begins its
/// chain, each chain its own; a session whose own hop is not read keeps an empty origin.
#[test]
fn chains_begun_before_the_logs_are_told_apart_by_how_chains_begins_them() {
    let dir = Dir::new();
    let ops = session("Ops", "x", "ASIAX", "2026-03-01T09:00:00Z");
    let audit = session("Audit", "y", "ASIAY", "2026-03-01T09:00:00Z");
    dir.write(
        "t.json",
        trail(&[
            assume("h1", "10:00:00", ops.clone(), "Deploy", "dx", "ASIADX"),
            assume("h2", "10:05:00", audit, "Deploy", "dy", "ASIADY"),
            get_object(
                "c1",
                "10:10:00",
                session("Deploy", "dx", "ASIADX", "2026-03-01T10:00:00Z"),
                "203.0.113.5",
            ),
            get_object(
                "c2",
                "10:11:00",
                session("Deploy", "dy", "ASIADY", "2026-03-01T10:05:00Z"),
                "203.0.113.6",
            ),
            get_object("c3", "10:12:00", ops, "203.0.113.7"),
        ])
        .as_bytes(),
    );
    let cut = first_four_columns;
    assert_eq!(
        cut(out(&dir, &["activity", "-q", "--by", "origin", "t.json"])),
        format!(
            "origin,origin_kind,sessions,roles\n\
             ,unknown,2,{};{}\n\
             [... hops not read ...] -> {},unknown,1,{deploy}\n\
             [... hops not read ...] -> {},unknown,1,{deploy}",
            role("team/Audit"),
            role("team/Ops"),
            role("team/Audit"),
            role("team/Ops"),
            deploy = role("team/Deploy")
        )
    );
    // `--origin` matches what is printed.
    assert_eq!(
        cut(out(
            &dir,
            &["activity", "-q", "--origin", "*team/Audit", "t.json"]
        )),
        format!(
            "session_arn,role_arn,role_account,origin\n\
             arn:aws:sts::{ACCOUNT}:assumed-role/Audit/y,{},{ACCOUNT},\n\
             arn:aws:sts::{ACCOUNT}:assumed-role/Deploy/dy,{},{ACCOUNT},\
             [... hops not read ...] -> {}",
            role("team/Audit"),
            role("team/Deploy"),
            role("team/Audit")
        )
    );
    // The printed origin itself, whole or by its words (a red-team's, session 37: neither
    // matched).
    let printed = format!("[... hops not read ...] -> {}", role("team/Audit"));
    let escaped = printed.replacen('[', "[[]", 1);
    for glob in [printed.as_str(), escaped.as_str(), "*not read*team/Audit"] {
        assert_eq!(
            cut(out(&dir, &["activity", "-q", "--origin", glob, "t.json"])),
            format!(
                "session_arn,role_arn,role_account,origin\n\
                 arn:aws:sts::{ACCOUNT}:assumed-role/Deploy/dy,{},{ACCOUNT},\
                 [... hops not read ...] -> {}",
                role("team/Deploy"),
                role("team/Audit")
            ),
            "{glob}"
        );
    }
    // As `--from` everywhere: `chains` keeps that chain alone.
    let chains = out(
        &dir,
        &[
            "chains", "-q", "--format", "csv", "--from", &printed, "t.json",
        ],
    );
    let kept: Vec<String> = csv_rows(&chains)[1..]
        .iter()
        .map(|row| row[8].clone())
        .collect();
    assert_eq!(kept, [format!("{printed} -> {}", role("team/Deploy"))]);
}

/// Session 33's leftover: a chain whose earliest hop read names no caller at all began with
/// `(unknown caller)` in `chains` but `[... hops not read ...] -> ` (nothing after it) as its
/// sessions' origin in `activity`, which no `--origin` could name. Both now say
/// `(unknown caller)`, and `--origin`/`--from` match it.
#[test]
fn a_chain_whose_first_hop_read_names_no_caller_is_the_unknown_caller_everywhere() {
    let dir = Dir::new();
    let mut hop = assume("h1", "10:00:00", json!({}), "Ops", "s", "ASIAS1");
    hop.as_object_mut().unwrap().remove("userIdentity");
    dir.write(
        "t.json",
        trail(&[
            hop,
            get_object(
                "c1",
                "10:05:00",
                session("Ops", "s", "ASIAS1", "2026-03-01T10:00:00Z"),
                "203.0.113.5",
            ),
        ])
        .as_bytes(),
    );
    let first = first_four_columns;
    let by_origin = format!(
        "origin,origin_kind,sessions,roles\n(unknown caller),unknown,1,{}",
        role("team/Ops")
    );
    assert_eq!(
        first(out(&dir, &["activity", "-q", "--by", "origin", "t.json"])),
        by_origin
    );
    assert_eq!(
        first(out(
            &dir,
            &[
                "activity",
                "-q",
                "--by",
                "origin",
                "--origin",
                "(unknown caller)",
                "t.json"
            ]
        )),
        by_origin
    );
    let chains = out(
        &dir,
        &[
            "chains",
            "-q",
            "--format",
            "csv",
            "--from",
            "(unknown caller)",
            "t.json",
        ],
    );
    assert!(
        chains.ends_with(&format!(",,(unknown caller) -> {}\n", role("team/Ops"))),
        "{chains}"
    );
}

/// Review (session 20): in every shape but a `{"Records":[…]}` file, a record whose call type
/// or hop name held a `\u` escape was passed over unread (the text searched for `AssumedRole`
/// and the names as written). The crafted trail as lines, as a bare array and in a Records
/// file, with every hop's name and every session's type escaped, reads as it does unescaped.
#[test]
fn an_escaped_name_or_call_type_is_read_in_every_shape() {
    let lines: Vec<String> = crafted()
        .iter()
        .map(|record| {
            record
                .to_string()
                .replacen(
                    r#""eventName":"AssumeRole""#,
                    r#""eventName":"\u0041ssumeRole""#,
                    1,
                )
                .replacen(r#""type":"AssumedRole""#, r#""type":"Assumed\u0052ole""#, 1)
        })
        .collect();
    assert!(lines[0].contains(r"\u0041ssumeRole") && lines[2].contains(r"Assumed\u0052ole"));
    let dir = Dir::new();
    dir.write(
        "lines/t.jsonl",
        format!("{}\n", lines.join("\n")).as_bytes(),
    );
    dir.write("array/t.json", format!("[{}]", lines.join(",")).as_bytes());
    dir.write(
        "records/t.json",
        format!(r#"{{"Records":[{}]}}"#, lines.join(",")).as_bytes(),
    );
    for shape in ["lines", "array", "records"] {
        assert_eq!(out(&dir, &["activity", "-q", shape]), SESSIONS, "{shape}");
    }
}

#[test]
fn copies_count_once_whatever_the_threads_and_file_order() {
    let dir = Dir::new();
    let text = trail(&crafted());
    // An organization trail and the account's own trail deliver the same records.
    dir.write("a/org.json", text.as_bytes());
    dir.write_gz("b/account.json.gz", &text);
    let once = Dir::new();
    once.write("t.json", text.as_bytes());
    for args in [
        vec!["activity", "-q", "-j", "1", "a", "b"],
        vec!["activity", "-q", "-j", "2", "b", "a"],
    ] {
        assert_eq!(out(&dir, &args), SESSIONS, "{args:?}");
    }
    let output = run_in(dir.root.path(), &["activity", "a", "b"], None);
    assert_eq!(
        stderr(&output),
        "trailmask: 2 files read, 0 skipped, 0 failed; 3 role assumptions; 4 role sessions made 6 calls (6 duplicate copies dropped)\n"
    );
    // The timeline keeps the first file's copy of each call.
    let calls = out(&dir, &["activity", "-q", "--calls", "b", "a"]);
    assert!(
        calls
            .lines()
            .skip(1)
            .all(|line| line.contains(",a/org.json,")),
        "{calls}"
    );
    assert_eq!(calls.lines().count(), 7);
}

/// Two calls of two sessions that give one `eventID` (and one address), in two files, are two
/// calls, not copies: taking one out as a copy left its time as its session's first call from
/// that network in one worker and not in another, so `findings` changed with the thread
/// count and from a partial (a red-team pass).
#[test]
fn one_id_given_by_two_sessions_is_two_calls_for_any_threads_or_partial() {
    let s1 = || session("Dev", "s1", "ASIA0009", "2024-03-01T11:25:47Z");
    let s2 = || session("Dev", "s2", "ASIA0004", "2024-03-01T10:08:06Z");
    let at = |mut record: Value, time: &str| {
        record["eventTime"] = json!(format!("2024-03-01T{time}Z"));
        record
    };
    let dir = Dir::new();
    dir.write(
        "f1.json",
        trail(&[
            at(get_object("dup", "", s1(), "192.0.2.1"), "12:18:38"),
            at(get_object("e163", "", s2(), "192.0.2.1"), "11:02:31"),
        ])
        .as_bytes(),
    );
    dir.write(
        "f2.json",
        trail(&[at(get_object("dup", "", s2(), "192.0.2.1"), "10:26:08")]).as_bytes(),
    );
    dir.write(
        "f3.json",
        trail(&[at(get_object("e137", "", s2(), "198.51.100.4"), "10:44:59")]).as_bytes(),
    );
    let expected = "id,kind,severity,subject,detail,first_seen,last_seen,count,event_ids\n\
        48080ec449ed6fa5,session-many-networks,medium,\
        arn:aws:sts::111122223333:assumed-role/Dev/s2,\"key ASIA0004: calls from 2 networks: \
        192.0.2.0/24 (2 calls), 198.51.100.0/24 (1 call)\",2024-03-01T10:26:08Z,\
        2024-03-01T11:02:31Z,2,dup;e137\n";
    let findings = |threads: &str, inputs: &[&str]| {
        let mut args = vec!["findings", "-q", "--format", "csv", "-j", threads];
        args.extend_from_slice(inputs);
        out(&dir, &args)
    };
    for threads in ["1", "2", "3"] {
        assert_eq!(
            findings(threads, &["f1.json", "f2.json", "f3.json"]),
            expected
        );
        assert_eq!(
            findings(threads, &["f3.json", "f2.json", "f1.json"]),
            expected
        );
    }
    let output = run_in(
        dir.root.path(),
        &["partial", "activity", "-q", "-o", "all.part", "."],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(findings("2", &["all.part"]), expected);
    // Each session counts its own call of that id.
    let output = run_in(
        dir.root.path(),
        &["activity", "f1.json", "f2.json", "f3.json"],
        None,
    );
    assert_eq!(
        stderr(&output),
        "trailmask: 3 files read, 0 skipped, 0 failed; 0 role assumptions; 2 role sessions made 4 calls\n"
    );
}

#[test]
fn the_views_by_role_origin_action_and_call() {
    let dir = Dir::new();
    dir.write("t.json", trail(&crafted()).as_bytes());
    assert_eq!(
        out(&dir, &["activity", "-q", "--by", "role", "t.json"]),
        "role_arn,role_account,sessions,origins,calls,failures,write_calls,first_seen,last_seen\n\
         arn:aws:iam::111122223333:role/team/Audit,111122223333,1,(unknown),1,0,1,2026-03-01T12:00:00Z,2026-03-01T12:00:00Z\n\
         arn:aws:iam::111122223333:role/team/Ops,111122223333,3,arn:aws:iam::111122223333:user/alice;arn:aws:iam::111122223333:user/bob;(unknown),5,1,1,2026-03-01T10:01:00Z,2026-03-06T10:05:00Z\n"
    );
    assert_eq!(
        out(&dir, &["activity", "-q", "--by", "origin", "t.json"]),
        "origin,origin_kind,sessions,roles,accounts,calls,failures,write_calls,first_seen,last_seen\n\
         ,unknown,2,arn:aws:iam::111122223333:role/team/Audit;arn:aws:iam::111122223333:role/team/Ops,111122223333,2,0,1,2026-03-01T12:00:00Z,2026-03-06T10:05:00Z\n\
         arn:aws:iam::111122223333:user/alice,iam-user,1,arn:aws:iam::111122223333:role/team/Ops,111122223333,3,1,1,2026-03-01T10:01:00Z,2026-03-01T10:03:00Z\n\
         arn:aws:iam::111122223333:user/bob,iam-user,1,arn:aws:iam::111122223333:role/team/Ops,111122223333,1,0,0,2026-03-01T10:40:00Z,2026-03-01T10:40:00Z\n"
    );
    assert_eq!(
        out(
            &dir,
            &[
                "activity", "-q", "--by", "action", "--origin", "*/alice", "t.json"
            ]
        ),
        // With the key reused five days later: its session's hop is not read, so the session
        // (`Ops/alice`) is the start of what is known of its chain, and `*/alice` names it.
        "origin,role_arn,event_source,event_name,calls,failures\n\
         ,arn:aws:iam::111122223333:role/team/Ops,s3.amazonaws.com,ListBuckets,1,0\n\
         arn:aws:iam::111122223333:user/alice,arn:aws:iam::111122223333:role/team/Ops,ec2.amazonaws.com,RunInstances,1,0\n\
         arn:aws:iam::111122223333:user/alice,arn:aws:iam::111122223333:role/team/Ops,s3.amazonaws.com,GetObject,2,1\n"
    );
    assert_eq!(
        out(
            &dir,
            &[
                "activity",
                "-q",
                "--by",
                "action",
                "--origin",
                "*user/alice",
                "t.json"
            ]
        ),
        "origin,role_arn,event_source,event_name,calls,failures\n\
         arn:aws:iam::111122223333:user/alice,arn:aws:iam::111122223333:role/team/Ops,ec2.amazonaws.com,RunInstances,1,0\n\
         arn:aws:iam::111122223333:user/alice,arn:aws:iam::111122223333:role/team/Ops,s3.amazonaws.com,GetObject,2,1\n"
    );
    let calls = out(
        &dir,
        &["activity", "-q", "--calls", "--role", "*Audit", "t.json"],
    );
    assert_eq!(
        calls,
        "event_time,event_source,event_name,error_code,session_arn,role_arn,origin,chain_depth,link,source_ip,user_agent,event_id,log_file,access_key\n\
         2026-03-01T12:00:00Z,s3.amazonaws.com,PutObject,,arn:aws:sts::111122223333:assumed-role/Audit/carol,arn:aws:iam::111122223333:role/team/Audit,,,,192.0.2.1,Boto3/1.34,c5,t.json,ASIAAUDIT\n"
    );
}

#[test]
fn time_and_outcome_filters_count_the_calls_inside() {
    let dir = Dir::new();
    dir.write("t.json", trail(&crafted()).as_bytes());
    let rows = |args: &[&str]| -> Vec<(String, String)> {
        let mut full = vec!["activity", "-q", "--format", "json"];
        full.extend_from_slice(args);
        full.push("t.json");
        let value: Value = serde_json::from_str(&out(&dir, &full)).unwrap();
        value
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["session_arn"].as_str().unwrap().to_owned(),
                    r["calls"].to_string(),
                )
            })
            .collect()
    };
    let alice = format!("arn:aws:sts::{ACCOUNT}:assumed-role/Ops/alice");
    assert_eq!(
        rows(&[
            "--since",
            "2026-03-01T10:01:30Z",
            "--until",
            "2026-03-01T10:05:00Z"
        ]),
        [(alice.clone(), "2".to_owned())]
    );
    assert_eq!(rows(&["--failed-only"]), [(alice.clone(), "1".to_owned())]);
    assert_eq!(
        rows(&["--origin", "*:user/alice"]),
        [(alice.clone(), "3".to_owned())]
    );
    assert_eq!(
        rows(&["--depth", "1", "--to", "*/Ops", "--from", "*bob"]).len(),
        1
    );
    assert_eq!(rows(&["--account", "999999999999"]), []);
    let output = run_in(
        dir.root.path(),
        &["activity", "--origin", "[", "t.json"],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
}

/// A Logstash export may keep a call's time as `@timestamp` only: the call is read at that
/// time, as a hop is (the timeline, the window, the session's first and last calls).
#[test]
fn a_call_timed_by_logstash_timestamp_alone_is_read_at_that_time() {
    let ops = || session("Ops", "alice", "ASIAOPS1", "2026-03-01T10:00:00Z");
    let logstash = |id: &str, time: &str| {
        let mut record = get_object(id, "00:00:00", ops(), "203.0.113.5");
        record.as_object_mut().unwrap().remove("eventTime");
        record["@timestamp"] = json!(format!("2026-03-01T{time}.000Z"));
        record.to_string()
    };
    let dir = Dir::new();
    let lines = [
        assume("h1", "10:00:00", alice(), "Ops", "alice", "ASIAOPS1").to_string(),
        logstash("l1", "10:01:00"),
        logstash("l2", "10:09:00"),
    ];
    dir.write("export.jsonl", lines.join("\n").as_bytes());
    assert_eq!(
        out(&dir, &["activity", "-q", "--calls", "export.jsonl"]),
        "event_time,event_source,event_name,error_code,session_arn,role_arn,origin,chain_depth,link,source_ip,user_agent,event_id,log_file,access_key\n\
         2026-03-01T10:01:00Z,s3.amazonaws.com,GetObject,,arn:aws:sts::111122223333:assumed-role/Ops/alice,arn:aws:iam::111122223333:role/team/Ops,arn:aws:iam::111122223333:user/alice,1,access-key,203.0.113.5,Boto3/1.34,l1,export.jsonl,ASIAOPS1\n\
         2026-03-01T10:09:00Z,s3.amazonaws.com,GetObject,,arn:aws:sts::111122223333:assumed-role/Ops/alice,arn:aws:iam::111122223333:role/team/Ops,arn:aws:iam::111122223333:user/alice,1,access-key,203.0.113.5,Boto3/1.34,l2,export.jsonl,ASIAOPS1\n"
    );
    assert_eq!(
        out(
            &dir,
            &[
                "activity",
                "-q",
                "--since",
                "2026-03-01T10:05:00Z",
                "export.jsonl"
            ]
        ),
        format!(
            "{}\n\
             arn:aws:sts::111122223333:assumed-role/Ops/alice,arn:aws:iam::111122223333:role/team/Ops,111122223333,arn:aws:iam::111122223333:user/alice,1,access-key,2026-03-01T10:00:00Z,2026-03-01T10:09:00Z,2026-03-01T10:09:00Z,1,0,0,s3.amazonaws.com,s3:GetObject=1,203.0.113.5,111122223333,ASIAOPS1\n",
            SESSIONS.lines().next().unwrap()
        )
    );
}

/// A file that repeats one call 70,000 times (150 KB of gzip): its copies are taken out as it
/// is read, so it is held as one call. Kept whole, its calls took more than half of
/// `--max-file-size` (34M: 34 MB of text) and the file failed; with more such files, the
/// workers held gigabytes (a red-team pass: 14 MB of gzip took 7.4 GB).
#[test]
fn a_file_repeating_one_call_is_held_as_one_call() {
    // 479 bytes: what is kept of it to tell copies apart (all of it that is read, as it has no
    // eventID) is more than half its text.
    let text = r#"{"eventTime":"2026-03-01T10:01:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","sourceIPAddress":"203.0.113.5","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/App/i-1","accountId":"111122223333","accessKeyId":"ASIAAPP","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/App","accountId":"111122223333"},"attributes":{"creationDate":"2026-03-01T10:00:00Z"}}},"recipientAccountId":"111122223333"}"#;
    let dir = Dir::new();
    dir.write_gz(
        "r.json.gz",
        &format!(r#"{{"Records":[{}]}}"#, vec![text; 70_000].join(",")),
    );
    let output = run_in(
        dir.root.path(),
        &["activity", "--max-file-size", "34M", "--calls", "r.json.gz"],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "event_time,event_source,event_name,error_code,session_arn,role_arn,origin,chain_depth,link,source_ip,user_agent,event_id,log_file,access_key\n\
         2026-03-01T10:01:00Z,s3.amazonaws.com,GetObject,,arn:aws:sts::111122223333:assumed-role/App/i-1,arn:aws:iam::111122223333:role/App,,,,203.0.113.5,,,r.json.gz,ASIAAPP\n"
    );
    assert_eq!(
        stderr(&output),
        "trailmask: 1 file read, 0 skipped, 0 failed; 0 role assumptions; 1 role session made 1 call (69999 duplicate copies dropped)\n"
    );
    // A partial holds what was taken out, and says it again.
    let partial = run_in(
        dir.root.path(),
        &[
            "partial",
            "activity",
            "-q",
            "--max-file-size",
            "34M",
            "-o",
            "r.part",
            "r.json.gz",
        ],
        None,
    );
    assert_eq!(partial.status.code(), Some(0), "{}", stderr(&partial));
    let direct = run_in(
        dir.root.path(),
        &["activity", "--max-file-size", "34M", "r.json.gz"],
        None,
    );
    let merged = run_in(
        dir.root.path(),
        &["activity", "--max-file-size", "34M", "r.part"],
        None,
    );
    assert_eq!(
        (stdout(&merged), stderr(&merged)),
        (stdout(&direct), stderr(&direct))
    );
    // The file both in the partial and given itself is read once, and so are the copies
    // taken out of it (they were counted twice: a second red-team pass).
    let twice = run_in(
        dir.root.path(),
        &["activity", "--max-file-size", "34M", "r.part", "r.json.gz"],
        None,
    );
    assert_eq!(
        (stdout(&twice), stderr(&twice)),
        (stdout(&direct), stderr(&direct))
    );
}

/// A session whose key is known is linked by its name only to a hop that gave no key: a hop
/// that issued another key issued another session of that name (a red-team pass saw a call
/// with key ASIAX credited to the hop that issued ASIAK).
#[test]
fn a_known_key_is_not_linked_by_name_to_a_hop_that_issued_another() {
    let dir = Dir::new();
    let mut keyless = assume("h2", "11:00:00", alice(), "Dev", "s", "");
    keyless["responseElements"]["credentials"]
        .as_object_mut()
        .unwrap()
        .remove("accessKeyId");
    dir.write(
        "t.json",
        trail(&[
            assume("h1", "10:00:00", alice(), "Ops", "s", "ASIAK"),
            get_object(
                "other",
                "10:01:00",
                session("Ops", "s", "ASIAX", "2026-03-01T10:00:00Z"),
                "203.0.113.5",
            ),
            get_object(
                "own",
                "10:02:00",
                session("Ops", "s", "ASIAK", "2026-03-01T10:00:00Z"),
                "203.0.113.5",
            ),
            keyless,
            get_object(
                "named",
                "11:01:00",
                session("Dev", "s", "ASIAD", "2026-03-01T11:00:00Z"),
                "203.0.113.5",
            ),
        ])
        .as_bytes(),
    );
    let links: Vec<String> = out(&dir, &["activity", "-q", "--calls", "t.json"])
        .lines()
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            [cells[11], cells[6], cells[8]].join(",")
        })
        .collect();
    assert_eq!(
        links,
        [
            "event_id,origin,link",
            "other,,",
            "own,arn:aws:iam::111122223333:user/alice,access-key",
            "named,arn:aws:iam::111122223333:user/alice,inferred",
        ]
    );
}

#[test]
fn a_session_calling_from_ten_thousand_addresses_lists_the_first_32() {
    let dir = Dir::new();
    let who = session("Ops", "x", "ASIAX", "2026-03-01T10:00:00Z");
    let records: Vec<Value> = (0..10_000)
        .map(|i| {
            call(
                &format!("c{i}"),
                "10:01:00",
                who.clone(),
                "s3.amazonaws.com",
                "GetObject",
                "",
                true,
                &format!("10.{}.{}.{}", i / 65_536, (i / 256) % 256, i % 256),
            )
        })
        .collect();
    dir.write("t.json", trail(&records).as_bytes());
    let value: Value = serde_json::from_str(&out(
        &dir,
        &["activity", "-q", "--format", "json", "t.json"],
    ))
    .unwrap();
    let ips = value[0]["source_ips"].as_array().unwrap();
    assert_eq!(ips.len(), 33);
    assert_eq!(ips[0], "10.0.0.0");
    assert_eq!(ips[32], "…");
    assert_eq!(value[0]["calls"], 10_000);
}

#[test]
fn sample_logs() {
    let output = run(&["activity", "-q", "sample-logs"]);
    assert_eq!(output.status.code(), Some(0));
    golden("sample-activity.csv", &stdout(&output));
    let output = run(&[
        "activity",
        "-q",
        "--by",
        "origin",
        "--format",
        "table",
        "sample-logs",
    ]);
    golden("sample-activity-origins.txt", &stdout(&output));
}

#[test]
fn the_copies_of_a_cross_account_call_count_once() {
    // Each account's trail gets the call with its own eventID and the shared one.
    let who = || session("Ops", "alice", "ASIAOPS1", "2026-03-01T10:00:00Z");
    let mut ours = call(
        "k-ours",
        "10:05:00",
        who(),
        "kms.amazonaws.com",
        "Decrypt",
        "",
        true,
        "203.0.113.5",
    );
    ours["sharedEventID"] = json!("shared-1");
    let mut theirs = ours.clone();
    theirs["eventID"] = json!("k-theirs");
    theirs["recipientAccountId"] = json!("444455556666");
    let dir = Dir::new();
    dir.write("a/ours.json", trail(&[ours]).as_bytes());
    dir.write("b/theirs.json", trail(&[theirs]).as_bytes());
    let value: Value = serde_json::from_str(&out(
        &dir,
        &["activity", "-q", "--format", "json", "a", "b"],
    ))
    .unwrap();
    assert_eq!(value[0]["calls"], 1);
    assert_eq!(value[0]["top_actions"], json!(["kms:Decrypt=1"]));
    // Delivered to both accounts: both are listed.
    assert_eq!(
        value[0]["accounts"],
        json!(["111122223333", "444455556666"])
    );
}

/// Another account's copies of a session's calls (session 33's leftover): the account a
/// session calls into gets its own copy of each call, naming the caller only as
/// `{"type":"AWSAccount","principalId":"AROA…:name","accountId":…}` (no ARN, no key, no
/// creation time), with the `sharedEventID` of the caller's record. They were not read, so
/// one account's trail showed nothing of what another account's session did in it. Now they
/// are a session known by that principal id, linked (`inferred`) to the hop that returned it
/// when read, and a copy of a call whose caller's record is read too counts once, in the
/// caller's session (which lists the account called).
#[test]
fn another_account_s_copies_of_a_session_s_calls() {
    const CALLED: &str = "444455556666";
    let hop = {
        let mut hop = assume("h1", "10:00:00", alice(), "Deployer", "alice-s", "ASIAD1");
        hop["responseElements"]["assumedRoleUser"] = json!({"assumedRoleId": "AROADEPLOYER:alice-s",
            "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/alice-s")});
        hop
    };
    let own = || session("Deployer", "alice-s", "ASIAD1", "2026-03-01T10:00:00Z");
    let copy = || json!({"type": "AWSAccount", "principalId": "AROADEPLOYER:alice-s", "accountId": ACCOUNT});
    // The same call as each account's trail holds it.
    let delivered = |id: &str, time: &str, shared: &str, who: Value, recipient: &str| {
        let mut record = get_object(id, time, who, "198.51.100.7");
        record["sharedEventID"] = json!(shared);
        record["recipientAccountId"] = json!(recipient);
        record
    };
    let dir = Dir::new();
    dir.write("a/hop.json", trail(&[hop]).as_bytes());
    dir.write(
        "a/calls.json",
        trail(&[
            delivered("a1", "10:05:00", "sh1", own(), ACCOUNT),
            delivered("a2", "10:06:00", "sh2", own(), ACCOUNT),
        ])
        .as_bytes(),
    );
    dir.write(
        "b/copies.json",
        trail(&[
            delivered("b1", "10:05:00", "sh1", copy(), CALLED),
            delivered("b2", "10:06:00", "sh2", copy(), CALLED),
            // Its caller's record of this one is not read.
            delivered("b3", "10:07:00", "sh3", copy(), CALLED),
        ])
        .as_bytes(),
    );
    let cut = |text: String| -> String {
        text.lines()
            .map(|line| {
                let fields: Vec<&str> = line.split(',').collect();
                [0, 1, 3, 4, 5, 6, 7, 8, 9, 15, 16]
                    .map(|at| fields[at])
                    .join(",")
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let header = "session_arn,role_arn,origin,chain_depth,link,created,first_call,last_call,calls,accounts,access_key";
    let by_principal = format!("{ACCOUNT}#AROADEPLOYER:alice-s");
    let deployer = role("team/Deployer");
    let alice = format!("arn:aws:iam::{ACCOUNT}:user/alice");
    for (inputs, expected) in [
        // The called account's trail alone: the role by its id, no origin.
        (
            vec!["b"],
            format!(
                "{header}\n{by_principal},{ACCOUNT}#AROADEPLOYER,,,,,2026-03-01T10:05:00Z,\
                 2026-03-01T10:07:00Z,3,{CALLED},"
            ),
        ),
        // And the hop: the session is the one it issued.
        (
            vec!["a/hop.json", "b"],
            format!(
                "{header}\n{by_principal},{deployer},{alice},1,inferred,,2026-03-01T10:05:00Z,\
                 2026-03-01T10:07:00Z,3,{CALLED},"
            ),
        ),
        // Both trails: each call once, in the caller's session where its record is read.
        (
            vec!["b", "a"],
            format!(
                "{header}\narn:aws:sts::{ACCOUNT}:assumed-role/Deployer/alice-s,{deployer},{alice},1,\
                 access-key,2026-03-01T10:00:00Z,2026-03-01T10:05:00Z,2026-03-01T10:06:00Z,2,\
                 {ACCOUNT};{CALLED},ASIAD1\n\
                 {by_principal},{deployer},{alice},1,inferred,,2026-03-01T10:07:00Z,\
                 2026-03-01T10:07:00Z,1,{CALLED},"
            ),
        ),
    ] {
        for threads in ["1", "2"] {
            for order in [inputs.clone(), inputs.iter().rev().copied().collect()] {
                let mut args = vec!["activity", "-q", "-j", threads];
                args.extend(&order);
                assert_eq!(cut(out(&dir, &args)), expected, "{order:?}");
            }
        }
        let mut args = vec!["partial", "activity", "-q", "-o", "p.part"];
        args.extend(&inputs);
        let output = run_in(dir.root.path(), &args, None);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(cut(out(&dir, &["activity", "-q", "p.part"])), expected);
    }
    // The timeline: each call once, with its session.
    let timeline = out(&dir, &["activity", "-q", "--calls", "a", "b"]);
    let rows: Vec<(String, String)> = csv_rows(&timeline)[1..]
        .iter()
        .map(|row| (row[11].clone(), row[4].clone()))
        .collect();
    assert_eq!(
        rows,
        [
            (
                "a1",
                format!("arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/alice-s")
            ),
            (
                "a2",
                format!("arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/alice-s")
            ),
            ("b3", by_principal.clone()),
        ]
        .map(|(id, session)| (id.to_owned(), session))
    );
    // Such a session names no key, and its principal id names every session of its role given
    // that name: calls from two networks are no finding of one key used from both.
    let mut elsewhere = delivered("b4", "10:08:00", "sh4", copy(), CALLED);
    elsewhere["sourceIPAddress"] = json!("203.0.113.77");
    dir.write("b/elsewhere.json", trail(&[elsewhere]).as_bytes());
    assert_eq!(
        out(
            &dir,
            &[
                "findings",
                "-q",
                "--format",
                "csv",
                "--kind",
                "session-many-networks",
                "b"
            ]
        ),
        "id,kind,severity,subject,detail,first_seen,last_seen,count,event_ids\n"
    );
}

/// A red-team's (session 37): another account's copy of a call, which names its session by
/// principal id and no creation time, was linked to a hop up to 36 hours before it, however
/// short the session that hop gave (a call 33 hours after a 15-minute session had its origin).
/// It is linked while the hop's session lasts: its `durationSeconds`, else STS's hour.
#[test]
fn a_copy_is_linked_to_its_hop_only_while_the_session_lasts() {
    const CALLED: &str = "444455556666";
    let hop = |id: &str, time: &str, session: &str, seconds: Option<u32>| {
        let mut hop = assume(id, time, alice(), "Deployer", session, &format!("ASIA{id}"));
        hop["responseElements"]["assumedRoleUser"] = json!({
            "assumedRoleId": format!("AROADEPLOYER:{session}"),
            "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/{session}")});
        if let Some(seconds) = seconds {
            hop["requestParameters"]["durationSeconds"] = json!(seconds);
        }
        hop
    };
    let copy = |id: &str, time: &str, session: &str| {
        let who = json!({"type": "AWSAccount", "principalId": format!("AROADEPLOYER:{session}"),
            "accountId": ACCOUNT});
        let mut record = get_object(id, time, who, "198.51.100.7");
        record["recipientAccountId"] = json!(CALLED);
        record
    };
    let dir = Dir::new();
    dir.write(
        "t.json",
        trail(&[
            hop("h1", "10:00:00", "short", Some(900)),
            hop("h2", "10:00:00", "hour", None),
            copy("s1", "10:15:30", "short"),
            copy("s2", "10:16:30", "short"),
            copy("o1", "11:00:30", "hour"),
            copy("o2", "11:01:30", "hour"),
        ])
        .as_bytes(),
    );
    let timeline = out(&dir, &["activity", "-q", "--calls", "t.json"]);
    let rows: Vec<String> = csv_rows(&timeline)
        .iter()
        .map(|row| [11, 6, 8].map(|at| row[at].as_str()).join(","))
        .collect();
    let alice = format!("arn:aws:iam::{ACCOUNT}:user/alice");
    assert_eq!(
        rows,
        [
            "event_id,origin,link".to_owned(),
            format!("s1,{alice},inferred"),
            "s2,,".to_owned(),
            format!("o1,{alice},inferred"),
            "o2,,".to_owned(),
        ]
    );
}

#[test]
fn of_two_records_with_one_id_every_view_keeps_the_first_file_by_path() {
    let first = get_object(
        "same",
        "10:05:00",
        session("Ops", "a", "ASIAA", "2026-03-01T10:00:00Z"),
        "203.0.113.5",
    );
    // A copy: the same call of the same session (a call of another session that gives the
    // same id is another call).
    let second = first.clone();
    let pad = get_object(
        "pad",
        "10:06:00",
        session("Dev", "b", "ASIAB", "2026-03-01T10:00:00Z"),
        "203.0.113.5",
    );
    let dir = Dir::new();
    dir.write("a.json", trail(&[first]).as_bytes());
    // The larger file, read first by the workers (largest first).
    dir.write("b.json", trail(&[second, pad]).as_bytes());
    for threads in ["1", "2"] {
        let sessions = out(&dir, &["activity", "-q", "-j", threads, "b.json", "a.json"]);
        let calls: Vec<&str> = sessions
            .lines()
            .skip(1)
            .map(|line| line.split(',').nth(9).unwrap())
            .collect();
        assert_eq!(calls, ["1", "1"], "{sessions}");
        let timeline = out(
            &dir,
            &[
                "activity", "-q", "-j", threads, "--calls", "b.json", "a.json",
            ],
        );
        assert!(
            timeline.contains("assumed-role/Ops/a,") && timeline.contains(",same,a.json"),
            "{timeline}"
        );
        assert!(!timeline.contains(",same,b.json"), "{timeline}");
    }
}

/// Review (session 20): a call whose `eventID` was `s:X` and another whose `sharedEventID` was
/// `X` had one identity, and the second (a delete) was taken out as a copy of the first.
#[test]
fn an_event_id_written_as_another_kind_of_identity_is_not_a_copy() {
    let who = session("Ops", "alice", "ASIAOPS1", "2026-03-01T10:00:00Z");
    let s3 = |id: &str, time: &str, name: &str, read_only: bool| {
        let who = who.clone();
        call(
            id,
            time,
            who,
            "s3.amazonaws.com",
            name,
            "",
            read_only,
            "203.0.113.5",
        )
    };
    let read = s3("s:X", "10:01:00", "GetObject", true);
    let mut delete = s3("Y", "10:02:00", "DeleteBucket", false);
    delete["sharedEventID"] = json!("X");
    let mut no_id = s3("", "10:03:00", "ListBuckets", true);
    no_id.as_object_mut().unwrap().remove("eventID");
    let looks_like_no_id = s3("\u{1}x", "10:03:00", "ListBuckets", true);
    let dir = Dir::new();
    dir.write(
        "t.json",
        trail(&[read, delete, no_id, looks_like_no_id]).as_bytes(),
    );
    let value: Value = serde_json::from_str(&out(
        &dir,
        &["activity", "-q", "--format", "json", "t.json"],
    ))
    .unwrap();
    assert_eq!(
        (&value[0]["calls"], &value[0]["write_calls"]),
        (&json!(4), &json!(1))
    );
    assert_eq!(
        value[0]["top_actions"],
        json!(["s3:ListBuckets=2", "s3:DeleteBucket=1", "s3:GetObject=1"])
    );
}

/// Review (session 20): a copy taken out left its network in its session's list (and
/// `findings` then reported a network with no calls). A copy is now of the same session, so
/// its network is the kept copy's; a call of another session that gives the same id is
/// another call, with its own network.
#[test]
fn a_copy_taken_out_takes_its_network_with_it() {
    let kept = get_object(
        "E",
        "10:01:00",
        session("Ops", "alice", "ASIAOPS1", "2026-03-01T10:00:00Z"),
        "198.51.100.9",
    );
    let bob = || session("Dev", "bob", "ASIADEV1", "2026-03-01T10:00:00Z");
    let copy = get_object("E", "10:01:00", bob(), "198.51.100.9");
    let own = call(
        "F",
        "10:05:00",
        bob(),
        "s3.amazonaws.com",
        "PutObject",
        "",
        false,
        "203.0.113.5",
    );
    let dir = Dir::new();
    dir.write("a.json", trail(&[kept]).as_bytes());
    dir.write("b.json", trail(&[copy, own]).as_bytes());
    let value: Value = serde_json::from_str(&out(
        &dir,
        &["activity", "-q", "--format", "json", "a.json", "b.json"],
    ))
    .unwrap();
    let bob = value
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["session_arn"].as_str().unwrap().ends_with("/Dev/bob"))
        .unwrap();
    assert_eq!(
        (&bob["calls"], &bob["source_ips"]),
        (&json!(2), &json!(["198.51.100.9", "203.0.113.5"]))
    );
    // A true copy in b.json, beside a call of its own: counted once, its network once.
    let dir = Dir::new();
    let alice = || session("Ops", "alice", "ASIAOPS1", "2026-03-01T10:00:00Z");
    let own = |id: &str, ip: &str| get_object(id, "10:05:00", alice(), ip);
    dir.write("a.json", trail(&[own("E", "198.51.100.9")]).as_bytes());
    dir.write(
        "b.json",
        trail(&[own("E", "198.51.100.9"), own("G", "203.0.113.5")]).as_bytes(),
    );
    let value: Value = serde_json::from_str(&out(
        &dir,
        &["activity", "-q", "--format", "json", "a.json", "b.json"],
    ))
    .unwrap();
    assert_eq!(
        (&value[0]["calls"], &value[0]["source_ips"]),
        (&json!(2), &json!(["198.51.100.9", "203.0.113.5"]))
    );
}

/// Review (session 20): `activity` said `no role assumption matched the filters` when its
/// filters kept sessions (they choose sessions, not hops), and nothing when they kept none.
#[test]
fn activity_says_when_its_filters_keep_no_session() {
    let dir = Dir::new();
    dir.write("t.json", trail(&crafted()).as_bytes());
    let kept = run_in(
        dir.root.path(),
        &["activity", "-q", "--role", "*Audit*", "t.json"],
        None,
    );
    assert_eq!(
        (kept.status.code(), stderr(&kept)),
        (Some(0), String::new())
    );
    assert_eq!(stdout(&kept).lines().count(), 2, "{}", stdout(&kept));
    let none = run_in(
        dir.root.path(),
        &["activity", "-q", "--role", "*Nothing*", "t.json"],
        None,
    );
    assert_eq!(
        (none.status.code(), stderr(&none)),
        (
            Some(0),
            "trailmask: no session matched the filters (4 sessions read)\n".to_owned()
        )
    );
    // The call filters act while reading: an empty output that is theirs is said too (a new
    // user, session 28: `--failed-only` over a trail without a refusal said nothing).
    let later = run_in(
        dir.root.path(),
        &[
            "activity",
            "-q",
            "--since",
            "2031-01-01",
            "--failed-only",
            "t.json",
        ],
        None,
    );
    assert_eq!(
        (later.status.code(), stderr(&later)),
        (
            Some(0),
            "trailmask: --since/--until and --failed-only kept no call made with a role \
             session\n"
                .to_owned()
        )
    );
    let sample = repo().join("sample-logs");
    let refused = run(&["activity", "-q", "--failed-only", sample.to_str().unwrap()]);
    assert_eq!(
        (refused.status.code(), stderr(&refused)),
        (
            Some(0),
            "trailmask: --failed-only kept no call made with a role session\n".to_owned()
        )
    );
    // Unfiltered, an empty trail of calls is no filter's doing: nothing said.
    let empty = Dir::new();
    empty.write("t.json", b"{\"Records\": []}");
    let output = run_in(empty.root.path(), &["activity", "-q", "t.json"], None);
    assert_eq!(
        (output.status.code(), stderr(&output)),
        (Some(0), String::new())
    );
}

/// Review (session 21): calls without ids were told apart by time, action, session, address
/// and account only: two calls of one second that differed in outcome, agent or key (the
/// same session ARN with and without an access key in a real trail) were one. Everything
/// read of them tells them apart now; a record read twice still counts once.
#[test]
fn calls_without_ids_are_told_apart_by_everything_read_of_them() {
    let who = || session("Ops", "alice", "ASIAOPS1", "2026-03-01T10:00:00Z");
    let no_id = |mut record: Value| {
        record.as_object_mut().unwrap().remove("eventID");
        record
    };
    let plain = no_id(get_object("", "10:01:00", who(), "203.0.113.5"));
    let refused = no_id(call(
        "",
        "10:01:00",
        who(),
        "s3.amazonaws.com",
        "GetObject",
        "AccessDenied",
        true,
        "203.0.113.5",
    ));
    let mut other_agent = plain.clone();
    other_agent["userAgent"] = json!("aws-cli/2");
    let mut no_key = plain.clone();
    no_key["userIdentity"]
        .as_object_mut()
        .unwrap()
        .remove("accessKeyId");
    let dir = Dir::new();
    dir.write(
        "a.json",
        trail(&[plain.clone(), refused, other_agent, no_key]).as_bytes(),
    );
    // The first record again, in another file: a copy.
    dir.write("b.json", trail(&[plain]).as_bytes());
    let value: Value = serde_json::from_str(&out(
        &dir,
        &["activity", "-q", "--format", "json", "a.json", "b.json"],
    ))
    .unwrap();
    // The call without a key is a session of its own (a session is its ARN and its key).
    let counts: Vec<(&Value, &Value)> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (&row["calls"], &row["failures"]))
        .collect();
    assert_eq!(
        counts,
        [(&json!(1), &json!(0)), (&json!(3), &json!(1))],
        "{value}"
    );
}

/// Review (session 21): the address a network is listed by was the smallest as text
/// (`10.0.0.10` before `10.0.0.9`); it is the smallest by number, in any order of the calls.
#[test]
fn a_network_is_listed_by_its_smallest_address_by_number() {
    let who = || session("Ops", "alice", "ASIAOPS1", "2026-03-01T10:00:00Z");
    let dir = Dir::new();
    dir.write(
        "a.json",
        trail(&[
            get_object("E1", "10:01:00", who(), "10.0.0.10"),
            get_object("E2", "10:02:00", who(), "10.0.0.9"),
            get_object("E3", "10:03:00", who(), "203.0.113.250"),
        ])
        .as_bytes(),
    );
    dir.write(
        "b.json",
        trail(&[get_object("E4", "10:04:00", who(), "203.0.113.5")]).as_bytes(),
    );
    for order in [["a.json", "b.json"], ["b.json", "a.json"]] {
        let value: Value = serde_json::from_str(&out(
            &dir,
            &["activity", "-q", "--format", "json", order[0], order[1]],
        ))
        .unwrap();
        assert_eq!(
            value[0]["source_ips"],
            json!(["10.0.0.9", "203.0.113.5"]),
            "{value}"
        );
    }
}

/// Real trails (session 24): Panther's rule tests give the id `1111` to 26 calls of one
/// session in one second, of eleven actions, and they counted as one call. A copy is the same
/// record: calls that share an id, time, session and address but not an action or outcome are
/// other calls; a call given again (here in a second file) is still a copy.
#[test]
fn calls_that_share_an_id_but_not_an_action_or_outcome_are_not_copies() {
    let who = || session("Ops", "alice", "ASIAOPS1", "2026-03-01T10:00:00Z");
    let ec2 = |name: &str, error: &str| {
        call(
            "1111",
            "10:01:00",
            who(),
            "ec2.amazonaws.com",
            name,
            error,
            false,
            "203.0.113.5",
        )
    };
    let modified = ec2("ModifyImageAttribute", "");
    let dir = Dir::new();
    dir.write(
        "a.json",
        trail(&[
            modified.clone(),
            ec2("ModifyImageAttribute", "UnauthorizedOperation"),
            ec2("CreateNetworkAclEntry", ""),
        ])
        .as_bytes(),
    );
    dir.write("b.json", trail(&[modified]).as_bytes());
    let output = run_in(
        dir.root.path(),
        &["activity", "--format", "json", "a.json", "b.json"],
        None,
    );
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (&value[0]["calls"], &value[0]["failures"]),
        (&json!(3), &json!(1))
    );
    assert_eq!(
        value[0]["top_actions"],
        json!(["ec2:ModifyImageAttribute=2", "ec2:CreateNetworkAclEntry=1"])
    );
    assert_eq!(
        stderr(&output).lines().last().unwrap(),
        "trailmask: 2 files read, 0 skipped, 0 failed; 0 role assumptions; 1 role session made 3 calls (1 duplicate copy dropped)"
    );
}

/// A red-team pass on the real trails (session 24): Panther's rule tests name `role/tester`
/// as the issuer of 41 calls of session `assumed-role/tester` and two other roles in 6, and
/// the session took the smallest by text (`IdentityCFNServiceRole`), so `--role tester` found
/// nothing. The role the session's ARN names comes first, in any file order.
#[test]
fn a_session_whose_calls_name_other_issuers_keeps_the_role_its_arn_names() {
    let worker = || session("Worker", "w1", "ASIAW1", "2026-03-01T10:00:00Z");
    let mut odd = get_object("c9", "10:09:00", worker(), "203.0.113.5");
    odd["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"] = json!(role("Alpha"));
    let usual: Vec<Value> = (1..=5)
        .map(|n| {
            get_object(
                &format!("c{n}"),
                &format!("10:0{n}:00"),
                worker(),
                "203.0.113.5",
            )
        })
        .collect();
    for (first, second) in [("a.json", "b.json"), ("b.json", "a.json")] {
        let dir = Dir::new();
        dir.write(first, trail(&[odd.clone()]).as_bytes());
        dir.write(second, trail(&usual).as_bytes());
        let rows = out(
            &dir,
            &["activity", "-q", "--by", "role", "a.json", "b.json"],
        );
        assert_eq!(
            rows,
            format!(
                "role_arn,role_account,sessions,origins,calls,failures,write_calls,first_seen,last_seen\n\
                 {},{ACCOUNT},1,(unknown),6,0,0,2026-03-01T10:01:00Z,2026-03-01T10:09:00Z\n",
                role("team/Worker")
            )
        );
        let found = out(
            &dir,
            &["activity", "-q", "--role", "Worker", "a.json", "b.json"],
        );
        assert_eq!(found.lines().count(), 2, "{found}");
    }
}

/// Red-team (session 32): a session whose role assumption names its issuer without an ARN
/// (as an Identity Center session's did) named its role without the path its sign-in's
/// issuer wrote, so `--role 'team/*'` missed it. The calls' issuers are AWS's spellings too.
#[test]
fn a_role_path_only_a_call_names_is_the_role_s_name() {
    let dev = || session("Dev", "nick", "ASIADEV1", "2026-03-01T10:00:00Z");
    let mut sign_in = call(
        "c1",
        "10:00:30",
        dev(),
        "signin.amazonaws.com",
        "ConsoleLogin",
        "",
        false,
        "203.0.113.5",
    );
    sign_in["requestParameters"] = Value::Null;
    let mut hop = assume("h1", "10:05:00", dev(), "Ops", "nick", "ASIAOPS9");
    hop["userIdentity"]["sessionContext"]["sessionIssuer"] = json!({"type": "Role"});
    for records in [[sign_in.clone(), hop.clone()], [hop, sign_in]] {
        let dir = Dir::new();
        dir.write("t.json", trail(&records).as_bytes());
        assert_eq!(
            out(&dir, &["activity", "-q", "--by", "role", "t.json"]),
            format!(
                "role_arn,role_account,sessions,origins,calls,failures,write_calls,first_seen,last_seen\n\
                 {},{ACCOUNT},1,(unknown),2,0,2,2026-03-01T10:00:30Z,2026-03-01T10:05:00Z\n",
                role("team/Dev")
            )
        );
        let found = out(&dir, &["activity", "-q", "--role", "team/*", "t.json"]);
        assert_eq!(found.lines().count(), 2, "{found}");
    }
}

/// A chain begun before the logs read: `--from` and `--origin` match the session whose hop is
/// not read (by its role or its name) and what it chained into, as `--from` does for `events`
/// and `chains`; `--depth` counts from the earliest hop read (the unread session at 0).
#[test]
fn from_origin_and_depth_follow_a_chain_begun_before_the_logs_read() {
    let jump = || session("Jump", "x1", "ASIAJUMP", "2026-03-01T09:00:00Z");
    let target = || session("Target", "t1", "ASIATARGET", "2026-03-01T10:00:00Z");
    let deeper = || session("Deeper", "d1", "ASIADEEPER", "2026-03-01T10:10:00Z");
    let dir = Dir::new();
    dir.write(
        "trail.json",
        trail(&[
            get_object("j1", "09:30:00", jump(), "203.0.113.5"),
            assume("hop-t", "10:00:00", jump(), "Target", "t1", "ASIATARGET"),
            get_object("t1", "10:01:00", target(), "203.0.113.5"),
            assume("hop-d", "10:10:00", target(), "Deeper", "d1", "ASIADEEPER"),
            get_object("d1", "10:11:00", deeper(), "203.0.113.5"),
            get_object(
                "a1",
                "10:20:00",
                session("Other", "o1", "ASIAOTHER", "2026-03-01T08:00:00Z"),
                "203.0.113.5",
            ),
        ])
        .as_bytes(),
    );
    let sessions = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["activity", "-q"];
        all.extend_from_slice(args);
        all.push(".");
        csv_rows(&out(&dir, &all))[1..]
            .iter()
            .map(|row| row[0].rsplit('/').nth(1).unwrap_or_default().to_owned())
            .collect()
    };
    for args in [
        &["--from", "Jump"][..],
        &["--origin", "Jump"],
        &["--from", "*assumed-role/Jump/x1"],
        &["--source", "Jump"],
    ] {
        assert_eq!(sessions(args), ["Jump", "Target", "Deeper"], "{args:?}");
    }
    assert_eq!(sessions(&["--from", "Other"]), ["Other"]);
    // A new user (session 28): `--source` matches a session by its role's name or its own, as
    // `events --source` matches a caller (it matched only the origin and the full ARN).
    assert_eq!(sessions(&["--source", "Target"]), ["Target"]);
    assert_eq!(sessions(&["--source", "t1"]), ["Target"]);
    assert_eq!(sessions(&["--depth", "1"]), ["Jump", "Target", "Other"]);
    assert_eq!(
        sessions(&["--depth", "2"]),
        ["Jump", "Target", "Deeper", "Other"]
    );
    // As `events` keeps the hops.
    let events = csv_rows(&out(&dir, &["events", "-q", "--from", "Jump", "."]));
    let id = events[0].iter().position(|h| h == "event_id").unwrap();
    let ids: Vec<&str> = events[1..].iter().map(|row| row[id].as_str()).collect();
    assert_eq!(ids, ["hop-t", "hop-d"]);
}

/// Red-team (session 28): a file of calls each from a session of its own (a million of them:
/// 11 MB of gzip) held 1.5 GB in its sessions, which the per-file budget did not count (it
/// counted each call's id), and three such files aborted the run under a 4 GB limit. The
/// sessions and their (session, action) pairs are now counted: past half of
/// `--max-file-size`, such a file fails alone, as a file of as many role assumptions does.
#[test]
fn a_file_of_many_sessions_fails_alone() {
    // Session n, of role App, signing with its own key.
    let app = |n: usize| {
        session(
            "App",
            &format!("s{n}"),
            &format!("ASIA{n}"),
            "2026-03-01T10:00:00Z",
        )
    };
    let calls: Vec<Value> = (0..5_000)
        .map(|n| get_object(&format!("e{n}"), "10:01:00", app(n), "203.0.113.5"))
        .collect();
    let dir = Dir::new();
    dir.write_gz("many.json.gz", &trail(&calls));
    dir.write("good.json", trail(&crafted()).as_bytes());
    let output = run_in(
        dir.root.path(),
        &["activity", "--max-file-size", "8M", "."],
        None,
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(stdout(&output), SESSIONS);
    assert_eq!(
        stderr(&output).lines().next().unwrap(),
        "trailmask: ./many.json.gz: what it holds to keep (role assumptions, hand-overs, calls) \
         would take more than half the 8388608-byte limit in memory (see --max-file-size)"
    );
    // Review (session 28): so does a file whose one-call sessions each made an AssumeRole (a
    // hop is read whole, and its call was not counted there), and a file of one session
    // calling 5,000 actions of long names (each name is kept).
    let hops: Vec<Value> = (0..5_000)
        .map(|n| {
            call(
                &format!("e{n}"),
                "10:01:00",
                app(n),
                "sts.amazonaws.com",
                "AssumeRole",
                "",
                false,
                "203.0.113.5",
            )
        })
        .collect();
    let names: Vec<Value> = (0..5_000)
        .map(|n| {
            let who = session("App", "one", "ASIAONE", "2026-03-01T10:00:00Z");
            let name = format!("{n}{}", "x".repeat(2_000));
            call(
                &format!("e{n}"),
                "10:01:00",
                who,
                "s3.amazonaws.com",
                &name,
                "",
                true,
                "203.0.113.5",
            )
        })
        .collect();
    for (name, records, cap) in [
        ("hops.json.gz", hops, "8M"),
        ("names.json.gz", names, "16M"),
    ] {
        let dir = Dir::new();
        dir.write_gz(name, &trail(&records));
        let output = run_in(
            dir.root.path(),
            &["activity", "--max-file-size", cap, "."],
            None,
        );
        assert_eq!(output.status.code(), Some(1), "{name}: {}", stderr(&output));
        assert!(
            stderr(&output).starts_with(&format!(
                "trailmask: ./{name}: what it holds to keep (role assumptions, hand-overs, calls) \
                 would take more than half the"
            )),
            "{name}: {}",
            stderr(&output)
        );
    }
    // Under a cap it fits in, it is read.
    let read = run_in(
        dir.root.path(),
        &["activity", "-q", "--by", "role", "many.json.gz"],
        None,
    );
    assert_eq!(read.status.code(), Some(0), "{}", stderr(&read));
    assert_eq!(
        stdout(&read),
        "role_arn,role_account,sessions,origins,calls,failures,write_calls,first_seen,last_seen\n\
         arn:aws:iam::111122223333:role/team/App,111122223333,5000,(unknown),5000,0,0,2026-03-01T10:01:00Z,2026-03-01T10:01:00Z\n"
    );
}

/// Red-team (session 28): a session's accounts were kept to the 32 smallest, silently (its
/// source addresses end with `…`), and `--account` then missed a session by the 33rd. An
/// organization's worth are kept now (1,024), and a list cut past them ends with `…` too, in
/// the session view and in the origin view's union.
#[test]
fn a_session_of_many_accounts_says_its_list_was_cut() {
    let who = || session("Ops", "alice", "ASIAOPS1", "2026-03-01T10:00:00Z");
    let calls: Vec<Value> = (1..=1025)
        .map(|n| {
            let mut call = get_object(&format!("e{n}"), "10:01:00", who(), "203.0.113.5");
            call["recipientAccountId"] = json!(format!("{n:012}"));
            call
        })
        .collect();
    let dir = Dir::new();
    dir.write("t.json", trail(&calls).as_bytes());
    let listed: Vec<String> = (1..=1024).map(|n| format!("{n:012}")).collect();
    let accounts = format!("{};…", listed.join(";"));
    let sessions = out(&dir, &["activity", "-q", "t.json"]);
    let row = csv_rows(&sessions).pop().unwrap();
    assert_eq!(row[row.len() - 2], accounts);
    // Found by the 33rd account (and the 1,024th), not by the one cut.
    for (account, rows) in [
        ("000000000033", 2),
        ("000000001024", 2),
        ("000000001025", 1),
    ] {
        let found = out(&dir, &["activity", "-q", "--account", account, "t.json"]);
        assert_eq!(csv_rows(&found).len(), rows, "{account}");
    }
    let origins = out(&dir, &["activity", "-q", "--by", "origin", "t.json"]);
    assert_eq!(csv_rows(&origins)[1][4], accounts);
    // A partial keeps the mark.
    let part = run_in(
        dir.root.path(),
        &["partial", "activity", "-q", "-o", "t.part", "t.json"],
        None,
    );
    assert_eq!(part.status.code(), Some(0), "{}", stderr(&part));
    assert_eq!(out(&dir, &["activity", "-q", "t.part"]), sessions);
}

/// Red-team (session 28): sessions were told apart by their creation time as written, so one
/// session whose calls wrote it four ways (`Z`, `.000Z`, `+00:00`, a space and no zone) made
/// four rows that printed alike, and findings split its networks among them. One instant is
/// one session now; and the basic ISO 8601 form AWS's documentation writes
/// (`20260301T100000Z`) is read as that time.
#[test]
fn one_creation_time_written_several_ways_is_one_session() {
    let spellings = [
        "2026-03-01T10:00:00Z",
        "2026-03-01T10:00:00.000Z",
        "2026-03-01T10:00:00+00:00",
        "2026-03-01 10:00:00",
        "20260301T100000Z",
    ];
    let calls: Vec<Value> = spellings
        .iter()
        .enumerate()
        .map(|(n, created)| {
            let who = session("Ops", "alice", "ASIAOPS1", created);
            get_object(&format!("e{n}"), &format!("10:0{n}:00"), who, "203.0.113.5")
        })
        .collect();
    let dir = Dir::new();
    dir.write("t.json", trail(&calls).as_bytes());
    let sessions = out(&dir, &["activity", "-q", "t.json"]);
    let rows = csv_rows(&sessions);
    assert_eq!(rows.len(), 2, "{sessions}");
    assert_eq!(
        rows[1][6..10],
        [
            "2026-03-01T10:00:00Z",
            "2026-03-01T10:00:00Z",
            "2026-03-01T10:04:00Z",
            "5"
        ]
    );
}

/// A new user (session 28): the closing line counted the hops the filters keep but every
/// session read, so `--role` cut the one and not the other, and `--origin` (one filter with
/// `--from` here) cut the sessions but not the hops. It now counts what the output holds.
#[test]
fn the_closing_line_counts_what_is_shown() {
    let dir = Dir::new();
    dir.write("t.json", trail(&crafted()).as_bytes());
    let closing = |args: &[&str]| {
        let output = run_in(
            dir.root.path(),
            &[&["activity"], args, &["t.json"]].concat(),
            None,
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        stderr(&output)
    };
    assert_eq!(
        closing(&[]),
        "trailmask: 1 file read, 0 skipped, 0 failed; 3 role assumptions; 4 role sessions made 6 calls\n"
    );
    assert_eq!(
        closing(&["--role", "Audit"]),
        "trailmask: 1 file read, 0 skipped, 0 failed; 0 role assumptions; 1 role session made 1 call\n"
    );
    let none = "trailmask: no session matched the filters (4 sessions read)\n\
                trailmask: 1 file read, 0 skipped, 0 failed; 0 role assumptions; 0 role sessions made 0 calls\n";
    assert_eq!(closing(&["--origin", "nosuch"]), none);
    assert_eq!(closing(&["--from", "nosuch"]), none);
}

/// A red-team's (session 38): the session that keeps a cross-account call took in every
/// account of the session its other copy was counted in, and that session (another account's
/// copies, known by principal id and counted by minute) held other calls too: which ones
/// depended on how the files fell to the workers, so a session's `accounts` changed with
/// `-j`, with how the records were split into files, and with a file passed over beside them.
/// It takes in the account that copy was delivered to, alone.
#[test]
fn a_kept_cross_account_call_takes_in_the_account_of_its_copy_alone() {
    let caller = r#"{"type":"AssumedRole","principalId":"AROAADMIN:s1","arn":"arn:aws:sts::222222222222:assumed-role/Admin/s1","accountId":"222222222222","accessKeyId":"ASIAKEY1","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAADMIN","arn":"arn:aws:iam::222222222222:role/Admin","accountId":"222222222222","userName":"Admin"},"attributes":{"creationDate":"2024-01-01T00:00:00Z"}}}"#;
    let copy = r#"{"type":"AWSAccount","principalId":"AROAADMIN:s1","accountId":"222222222222"}"#;
    let record = |who: &str, time: &str, name: &str, id: &str, shared: &str, to: &str| {
        format!(
            r#"{{"eventVersion":"1.08","userIdentity":{who},"eventTime":"2024-01-01T00:{time}Z","eventSource":"kms.amazonaws.com","eventName":"{name}","awsRegion":"us-east-1","sourceIPAddress":"1.2.3.4","userAgent":"cli","eventID":"{id}","sharedEventID":"{shared}","recipientAccountId":"{to}"}}"#
        )
    };
    // The caller's own record of a call into 333333333333, that account's copy of it, and
    // another call the principal made into 444444444444 (its caller's record not read).
    let own = record(
        caller,
        "10:00",
        "Encrypt",
        "e-x-caller",
        "shared-x",
        "222222222222",
    );
    let theirs = record(
        copy,
        "10:00",
        "Encrypt",
        "e-x-copy",
        "shared-x",
        "333333333333",
    );
    let other = record(
        copy,
        "10:20",
        "Decrypt",
        "e-y-copy",
        "shared-y",
        "444444444444",
    );
    // In the order of their first calls: 10:00, then 10:20 (the copy taken out of the
    // principal's session leaves its 10:00 behind no more: session 39).
    let expected = "\
session_arn,calls,accounts
arn:aws:sts::222222222222:assumed-role/Admin/s1,1,222222222222;333333333333
222222222222#AROAADMIN:s1,1,333333333333;444444444444
";
    let columns = |text: String| {
        text.lines()
            .map(|line| {
                let cells: Vec<&str> = line.split(',').collect();
                format!("{},{},{}\n", cells[0], cells[9], cells[15])
            })
            .collect::<String>()
    };
    for split in [false, true] {
        let dir = Dir::new();
        if split {
            dir.write("a/1.jsonl", format!("{own}\n{theirs}\n").as_bytes());
            dir.write("a/2.jsonl", format!("{other}\n").as_bytes());
        } else {
            dir.write(
                "a/1.jsonl",
                format!("{own}\n{theirs}\n{other}\n").as_bytes(),
            );
        }
        for threads in ["1", "2"] {
            let printed = out(&dir, &["activity", "-q", "-j", threads, "a"]);
            assert_eq!(columns(printed), expected, "split {split}, -j {threads}");
        }
    }
}

/// A red-team's (session 38): the timeline put two calls of one time, session and action
/// that differ only in their outcome, or (without an id) in their address, in the order of
/// their lines. They are put in order by what the rows say.
#[test]
fn the_timeline_orders_calls_alike_but_for_outcome_or_address_in_any_record_order() {
    let who = || session("Ops", "alice", "ASIAOPS1", "2026-03-01T10:00:00Z");
    let allowed = get_object("same", "10:05:00", who(), "203.0.113.5");
    let refused = call(
        "same",
        "10:05:00",
        who(),
        "s3.amazonaws.com",
        "GetObject",
        "AccessDenied",
        true,
        "203.0.113.5",
    );
    let here = get_object("", "10:06:00", who(), "198.51.100.9");
    let there = get_object("", "10:06:00", who(), "203.0.113.5");
    let expected = "\
event_time,error_code,source_ip
2026-03-01T10:05:00Z,,203.0.113.5
2026-03-01T10:05:00Z,AccessDenied,203.0.113.5
2026-03-01T10:06:00Z,,198.51.100.9
2026-03-01T10:06:00Z,,203.0.113.5
";
    for records in [
        [
            allowed.clone(),
            refused.clone(),
            here.clone(),
            there.clone(),
        ],
        [refused, allowed, there, here],
    ] {
        let dir = Dir::new();
        dir.write("t.json", trail(&records).as_bytes());
        let rows = csv_rows(&out(&dir, &["activity", "-q", "--calls", "t.json"]));
        let at = |name: &str| rows[0].iter().position(|h| h == name).expect("a column");
        let picked: String = rows
            .iter()
            .map(|row| {
                let cells = [at("event_time"), at("error_code"), at("source_ip")];
                format!("{}\n", cells.map(|i| row[i].as_str()).join(","))
            })
            .collect();
        assert_eq!(picked, expected);
    }
}

/// An audit of the real trails (session 38): a role whose hop was not read was named by each
/// session as its calls spelled it, so a session whose calls name no issuer (its role taken
/// from its ARN, without the path) and one whose calls do were two roles in `--by role`; and
/// a session whose calls gave its issuer two ways kept the one without the path. A role is
/// spelled alike by all its sessions, with its path.
#[test]
fn a_role_whose_hop_was_not_read_is_one_role_with_its_path() {
    let pathless = |who: Value| {
        let mut who = who;
        who["sessionContext"]["sessionIssuer"]["arn"] = json!(role("App"));
        who
    };
    let with_path = || session("App", "a", "ASIAAPP1", "2026-03-01T10:00:00Z");
    let mut no_issuer = session("App", "b", "ASIAAPP2", "2026-03-01T11:00:00Z");
    no_issuer["sessionContext"]
        .as_object_mut()
        .unwrap()
        .remove("sessionIssuer");
    let records = [
        get_object("c1", "10:01:00", pathless(with_path()), "203.0.113.5"),
        get_object("c2", "10:02:00", with_path(), "203.0.113.5"),
        get_object("c3", "11:01:00", no_issuer, "203.0.113.6"),
    ];
    let dir = Dir::new();
    dir.write("t.json", trail(&records).as_bytes());
    let rows = out(&dir, &["activity", "-q", "--by", "role", "t.json"]);
    assert_eq!(
        first_four_columns(rows),
        format!(
            "role_arn,role_account,sessions,origins\n\
             arn:aws:iam::{ACCOUNT}:role/team/App,{ACCOUNT},2,(unknown)"
        )
    );
}

/// A review's (session 39): a copy taken out of another account's session (known by
/// principal id, counted by minute) left its time in that session's span, and the span
/// decides which hop issued it. alice's and bob's sessions of Deploy named `job` call into
/// 444455556666 within one minute; that account's trail holds both copies, the caller's trail
/// alice's own record alone. Reading alice's own record moved bob's later call to alice.
#[test]
fn a_copy_taken_out_of_another_accounts_session_leaves_no_time_behind() {
    let bob = json!({"type": "IAMUser", "principalId": "AIDABOB", "arn": format!("arn:aws:iam::{ACCOUNT}:user/bob"),
                     "accountId": ACCOUNT, "accessKeyId": "AKIABOB", "userName": "bob"});
    let copy = json!({"type": "AWSAccount", "principalId": "AROADEPLOY:job", "accountId": ACCOUNT});
    let shared = |mut record: Value, shared: &str, to: &str| {
        record["sharedEventID"] = json!(shared);
        record["recipientAccountId"] = json!(to);
        record
    };
    let own = shared(
        get_object(
            "alice-own",
            "10:59:05",
            session("Deploy", "job", "ASIAALICE", "2026-03-01T10:59:00Z"),
            "203.0.113.5",
        ),
        "s-alice",
        ACCOUNT,
    );
    // The role's id, as the hops give it to the sessions they issue.
    let hop = |id: &str, time: &str, who: Value, key: &str| {
        let mut hop = assume(id, time, who, "Deploy", "job", key);
        hop["responseElements"]["assumedRoleUser"]["assumedRoleId"] = json!("AROADEPLOY:job");
        hop
    };
    let callers = trail(&[
        hop("hop-alice", "10:59:00", alice(), "ASIAALICE"),
        hop("hop-bob", "10:59:48", bob, "ASIABOB"),
        own,
    ]);
    let called = trail(&[
        shared(
            get_object("alice-copy", "10:59:05", copy.clone(), "203.0.113.5"),
            "s-alice",
            "444455556666",
        ),
        shared(
            call(
                "bob-copy",
                "10:59:50",
                copy,
                "s3.amazonaws.com",
                "PutObject",
                "",
                false,
                "203.0.113.7",
            ),
            "s-bob",
            "444455556666",
        ),
    ]);
    let columns = |text: String| {
        text.lines()
            .map(|line| {
                let cells: Vec<&str> = line.split(',').collect();
                format!(
                    "{},{},{},{},{}\n",
                    cells[0], cells[3], cells[7], cells[8], cells[13]
                )
            })
            .collect::<String>()
    };
    let expected = "\
session_arn,origin,first_call,last_call,top_actions
arn:aws:sts::111122223333:assumed-role/Deploy/job,arn:aws:iam::111122223333:user/alice,2026-03-01T10:59:05Z,2026-03-01T10:59:05Z,s3:GetObject=1
111122223333#AROADEPLOY:job,arn:aws:iam::111122223333:user/bob,2026-03-01T10:59:50Z,2026-03-01T10:59:50Z,s3:PutObject=1
";
    for one_file in [false, true] {
        let dir = Dir::new();
        if one_file {
            let lines: Vec<Value> = [&callers, &called]
                .iter()
                .flat_map(|text| {
                    let parsed: Value = serde_json::from_str(text).unwrap();
                    parsed["Records"].as_array().unwrap().clone()
                })
                .collect();
            dir.write("t/both.json", trail(&lines).as_bytes());
        } else {
            dir.write("t/a.json", callers.as_bytes());
            dir.write("t/b.json", called.as_bytes());
        }
        for threads in ["1", "2"] {
            let printed = out(&dir, &["activity", "-q", "-j", threads, "t"]);
            assert_eq!(
                columns(printed),
                expected,
                "one file {one_file}, -j {threads}"
            );
        }
        if !one_file {
            // Each account's trail a partial of its own, merged.
            for (name, file) in [("a", "t/a.json"), ("b", "t/b.json")] {
                out(
                    &dir,
                    &[
                        "partial",
                        "activity",
                        "-q",
                        file,
                        "-o",
                        &format!("{name}.part"),
                    ],
                );
            }
            let merged = out(&dir, &["activity", "-q", "a.part", "b.part"]);
            assert_eq!(columns(merged), expected, "partials");
            // A log read twice, directly and in a partial of both (a red-team's, session 39:
            // the partial's session, its calls taken out, kept the copy's time).
            out(&dir, &["partial", "activity", "-q", "t", "-o", "ab.part"]);
            for inputs in [
                ["t/b.json", "ab.part"],
                ["b.part", "ab.part"],
                ["ab.part", "b.part"],
            ] {
                let merged = out(&dir, &[&["activity", "-q"][..], &inputs[..]].concat());
                assert_eq!(columns(merged), expected, "{inputs:?}");
            }
        }
    }
}

/// A call of the root of `account`, signing with `key` in a session created at `created`
/// (`2026-03-01T…Z`; empty: not written).
fn root_call(id: &str, time: &str, account: &str, key: &str, created: &str, name: &str) -> Value {
    let mut record = call(
        id,
        time,
        json!({"type": "Root", "principalId": account, "arn": format!("arn:aws:iam::{account}:root"),
               "accountId": account, "accessKeyId": key,
               "sessionContext": {"attributes": {"creationDate": created, "mfaAuthenticated": "false"}}}),
        "iam.amazonaws.com",
        name,
        "",
        name.starts_with("List"),
        "203.0.113.5",
    );
    record["recipientAccountId"] = json!(account);
    if created.is_empty() {
        record["userIdentity"]["sessionContext"] = json!({"attributes": {}});
    }
    record
}

/// An `AssumeRoot` session's calls (`userIdentity` `Root` with the key the hop returned) are
/// its own session's, worn by the chain that called `AssumeRoot`; one whose hop is not read
/// counts where CloudTrail marks it (`assumedRoot`); the root user's own calls (a sign-in's
/// key, a long-term key), the same key in another account, the key hours after its 15
/// minutes, and the key without a creation time are nobody's mask, in every view and for any
/// thread count, and said as not counted.
#[test]
fn an_assume_root_session_s_calls_are_its_own_and_root_s_are_not() {
    let ops = || session("Ops", "alice", "ASIAOPS1", "2026-03-01T10:00:00Z");
    let mut assume_root = call(
        "h2",
        "10:05:00",
        ops(),
        "sts.amazonaws.com",
        "AssumeRoot",
        "",
        false,
        "203.0.113.5",
    );
    assume_root["requestParameters"] = json!({"targetPrincipal": "444455556666",
        "taskPolicyArn": {"arn": "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"}});
    assume_root["responseElements"] = json!({"credentials": {"accessKeyId": "ASIAROOT1",
        "sessionToken": "t", "expiration": "Mar 1, 2026, 10:20:00 AM"}});
    // Root's calls: the session's two, root's own (a sign-in's key, a long-term key), the key
    // in another account, the key hours later; then copies of the session's call (counted)
    // and of root's own (no mask's: not counted).
    #[rustfmt::skip]
    let root_calls = [
        ("r1", "10:06:00", "444455556666", "ASIAROOT1", "10:05:00", "ListAccessKeys"),
        ("r2", "10:07:00", "444455556666", "ASIAROOT1", "10:05:00", "DeleteLoginProfile"),
        ("r3", "10:08:00", "444455556666", "ASIACONSOLE", "10:07:30", "ListUsers"),
        ("r4", "10:09:00", "444455556666", "AKIAROOTKEY", "10:09:00", "ListUsers"),
        ("r5", "10:06:30", "777788889999", "ASIAROOT1", "10:05:00", "ListUsers"),
        ("r6", "13:10:00", "444455556666", "ASIAROOT1", "13:05:00", "ListUsers"),
        ("r1", "10:06:00", "444455556666", "ASIAROOT1", "10:05:00", "ListAccessKeys"),
        ("r3", "10:08:00", "444455556666", "ASIACONSOLE", "10:07:30", "ListUsers"),
        // The key without its creation time: it could be hours past the 15 minutes.
        ("r7", "10:06:10", "444455556666", "ASIAROOT1", "", "ListUsers"),
        // Two calls of one shared id, alike but for their keys: two sessions' calls.
        ("r8", "10:06:20", "444455556666", "ASIAROOT1", "10:05:00", "GetUser"),
        ("r9", "10:06:20", "444455556666", "ASIACONSOLE", "10:07:30", "GetUser"),
    ];
    let records: Vec<Value> = [
        assume("h1", "10:00:00", alice(), "Ops", "alice", "ASIAOPS1"),
        assume_root,
    ]
    .into_iter()
    .chain(
        root_calls
            .iter()
            .map(|&(id, time, account, key, created, name)| {
                let created = match created {
                    "" => String::new(),
                    time => format!("2026-03-01T{time}Z"),
                };
                let mut call = root_call(id, time, account, key, &created, name);
                if name == "GetUser" {
                    call["sharedEventID"] = json!("5e0a0000-0000-0000-0000-000000000001");
                }
                call
            }),
    )
    .chain([{
        // A session whose hop is not read, which CloudTrail marks as an `AssumeRoot`
        // session's: kept, as a role session whose hop is not read is, origin unknown.
        let mut marked = root_call(
            "r10",
            "11:01:00",
            "444455556666",
            "ASIAROOT2",
            "2026-03-01T11:00:00Z",
            "DeleteBucketPolicy",
        );
        marked["userIdentity"]["sessionContext"]["assumedRoot"] = json!("true");
        marked
    }])
    .collect();
    let dir = Dir::new();
    dir.write("t.json", trail(&records).as_bytes());
    let sessions = "\
session_arn,role_arn,role_account,origin,chain_depth,link,created,first_call,last_call,calls,failures,write_calls,services,top_actions,source_ips,accounts,access_key
arn:aws:sts::111122223333:assumed-role/Ops/alice,arn:aws:iam::111122223333:role/team/Ops,111122223333,arn:aws:iam::111122223333:user/alice,1,access-key,2026-03-01T10:00:00Z,2026-03-01T10:05:00Z,2026-03-01T10:05:00Z,1,0,1,sts.amazonaws.com,sts:AssumeRoot=1,203.0.113.5,111122223333,ASIAOPS1
arn:aws:iam::444455556666:root,arn:aws:iam::444455556666:root,444455556666,arn:aws:iam::111122223333:user/alice,2,access-key,2026-03-01T10:05:00Z,2026-03-01T10:06:00Z,2026-03-01T10:07:00Z,3,0,2,iam.amazonaws.com,iam:DeleteLoginProfile=1;iam:GetUser=1;iam:ListAccessKeys=1,203.0.113.5,444455556666,ASIAROOT1
arn:aws:iam::444455556666:root,arn:aws:iam::444455556666:root,444455556666,,,,2026-03-01T11:00:00Z,2026-03-01T11:01:00Z,2026-03-01T11:01:00Z,1,0,1,iam.amazonaws.com,iam:DeleteBucketPolicy=1,203.0.113.5,444455556666,ASIAROOT2
";
    for threads in ["1", "2"] {
        assert_eq!(
            out(&dir, &["activity", "-q", "-j", threads, "t.json"]),
            sessions
        );
    }
    assert_eq!(
        first_four_columns(out(&dir, &["activity", "-q", "--calls", "t.json"])),
        "event_time,event_source,event_name,error_code\n\
         2026-03-01T10:05:00Z,sts.amazonaws.com,AssumeRoot,\n\
         2026-03-01T10:06:00Z,iam.amazonaws.com,ListAccessKeys,\n\
         2026-03-01T10:06:20Z,iam.amazonaws.com,GetUser,\n\
         2026-03-01T10:07:00Z,iam.amazonaws.com,DeleteLoginProfile,\n\
         2026-03-01T11:01:00Z,iam.amazonaws.com,DeleteBucketPolicy,"
    );
    assert_eq!(
        out(&dir, &["activity", "-q", "--by", "role", "t.json"]),
        "role_arn,role_account,sessions,origins,calls,failures,write_calls,first_seen,last_seen\n\
         arn:aws:iam::111122223333:role/team/Ops,111122223333,1,arn:aws:iam::111122223333:user/alice,1,0,1,2026-03-01T10:05:00Z,2026-03-01T10:05:00Z\n\
         arn:aws:iam::444455556666:root,444455556666,2,arn:aws:iam::111122223333:user/alice;(unknown),4,0,3,2026-03-01T10:06:00Z,2026-03-01T11:01:00Z\n"
    );
    // `--role root` picks the root sessions (an account's root is the mask named `root`),
    // and in `events` the AssumeRoot hop; no role named otherwise.
    let root_sessions: String = sessions
        .lines()
        .filter(|line| !line.contains(":role/"))
        .map(|line| format!("{line}\n"))
        .collect();
    for glob in ["root", "ROOT", "*:root"] {
        assert_eq!(
            out(&dir, &["activity", "-q", "--role", glob, "t.json"]),
            root_sessions,
            "{glob}"
        );
        assert_eq!(
            first_four_columns(out(&dir, &["events", "-q", "--role", glob, "t.json"])),
            "event_time,event_name,outcome,error_code\n2026-03-01T10:05:00Z,AssumeRoot,success,",
            "{glob}"
        );
    }
    let output = run_in(dir.root.path(), &["activity", "t.json"], None);
    assert_eq!(
        stderr(&output),
        "trailmask: 1 file read, 0 skipped, 0 failed; 2 role assumptions; 3 role sessions made 5 \
         calls (1 duplicate copy dropped); 6 calls by an account's root in the logs read not counted (linked to no AssumeRoot \
         hop read)\n"
    );
    // Through a partial, the same.
    out(
        &dir,
        &["partial", "activity", "-q", "t.json", "-o", "t.part"],
    );
    assert_eq!(out(&dir, &["activity", "-q", "t.part"]), sessions);
    let output = run_in(dir.root.path(), &["activity", "t.part"], None);
    assert_eq!(
        stderr(&output),
        "trailmask: 1 file read, 0 skipped, 0 failed; 2 role assumptions; 3 role sessions made 5 \
         calls (1 duplicate copy dropped); 6 calls by an account's root in the logs read not counted (linked to no AssumeRoot \
         hop read)\n"
    );
}

/// A root call that writes no key counts where CloudTrail marks it as an `AssumeRoot`
/// session's (a session of its account's root, by its creation time); unmarked, it is the
/// root user's own (a console sign-in's) and no session's: not counted, and not among the
/// root calls the closing line says were left out, which a keyed unmarked call is.
#[test]
fn a_marked_root_call_without_a_key_counts_and_an_unmarked_one_is_root_s_own() {
    let without_key = |id: &str, time: &str, created: &str, name: &str, marked: bool| {
        let mut call = root_call(id, time, "444455556666", "", created, name);
        if marked {
            call["userIdentity"]["sessionContext"]["assumedRoot"] = json!("true");
        }
        call.as_object_mut().map(|call| call.remove("accessKeyId"));
        call["userIdentity"]
            .as_object_mut()
            .map(|identity| identity.remove("accessKeyId"));
        call
    };
    let records = [
        without_key(
            "r1",
            "11:01:00",
            "2026-03-01T11:00:00Z",
            "DeleteBucketPolicy",
            true,
        ),
        without_key(
            "r2",
            "11:02:00",
            "2026-03-01T11:00:00Z",
            "GetBucketPolicy",
            true,
        ),
        without_key(
            "r3",
            "12:01:00",
            "2026-03-01T12:00:00Z",
            "CreateAccessKey",
            false,
        ),
        root_call(
            "r4",
            "12:02:00",
            "444455556666",
            "AKIAROOTKEY",
            "",
            "ListUsers",
        ),
    ];
    let dir = Dir::new();
    dir.write("t.json", trail(&records).as_bytes());
    assert_eq!(
        out(&dir, &["activity", "-q", "t.json"]),
        "session_arn,role_arn,role_account,origin,chain_depth,link,created,first_call,last_call,calls,failures,write_calls,services,top_actions,source_ips,accounts,access_key\n\
         arn:aws:iam::444455556666:root,arn:aws:iam::444455556666:root,444455556666,,,,2026-03-01T11:00:00Z,2026-03-01T11:01:00Z,2026-03-01T11:02:00Z,2,0,2,iam.amazonaws.com,iam:DeleteBucketPolicy=1;iam:GetBucketPolicy=1,203.0.113.5,444455556666,\n"
    );
    let output = run_in(dir.root.path(), &["activity", "t.json"], None);
    assert_eq!(
        stderr(&output),
        "trailmask: 1 file read, 0 skipped, 0 failed; 0 role assumptions; 1 role session made 2 \
         calls; 1 call by an account's root in the logs read not counted (linked to no \
         AssumeRoot hop read)\n"
    );
}

/// Copies of a root call taken out while its file is read (a file that repeats it, past an
/// eighth of the cap) leave the count of copies dropped with the session when no
/// `AssumeRoot` hop issued it, and stay in it when one did: directly and through a partial.
#[test]
fn copies_of_root_s_own_calls_taken_out_in_reading_are_not_counted() {
    let call = root_call(
        "r1",
        "10:06:00",
        "444455556666",
        "ASIAROOT1",
        "2026-03-01T10:05:00Z",
        "ListUsers",
    );
    let mut assume_root = call.clone();
    assume_root["userIdentity"] = alice();
    assume_root["eventSource"] = json!("sts.amazonaws.com");
    assume_root["eventName"] = json!("AssumeRoot");
    assume_root["eventID"] = json!("h1");
    assume_root["eventTime"] = json!("2026-03-01T10:05:00Z");
    assume_root["requestParameters"] = json!({"targetPrincipal": "444455556666"});
    assume_root["responseElements"] = json!({"credentials": {"accessKeyId": "ASIAROOT1", "sessionToken": "t", "expiration": "x"}});
    let dir = Dir::new();
    dir.write("calls.json", trail(&vec![call; 20_000]).as_bytes());
    dir.write("hop.json", trail(&[assume_root]).as_bytes());
    let cap = ["--max-file-size", "16M"];
    out(
        &dir,
        &[
            &[
                "partial",
                "activity",
                "-q",
                "calls.json",
                "-o",
                "calls.part",
            ][..],
            &cap,
        ]
        .concat(),
    );
    for calls in ["calls.json", "calls.part"] {
        let alone = run_in(
            dir.root.path(),
            &[&["activity", calls][..], &cap].concat(),
            None,
        );
        assert_eq!(
            stderr(&alone),
            "trailmask: 1 file read, 0 skipped, 0 failed; 0 role assumptions; 0 role sessions made \
             0 calls; 1 call by an account's root in the logs read not counted (linked to no AssumeRoot hop read)\n",
            "{calls}"
        );
        let issued = run_in(
            dir.root.path(),
            &[&["activity", calls, "hop.json"][..], &cap].concat(),
            None,
        );
        assert_eq!(
            stderr(&issued),
            "trailmask: 2 files read, 0 skipped, 0 failed; 1 role assumption; 1 role session made \
             1 call (19999 duplicate copies dropped)\n",
            "{calls}"
        );
    }
}
