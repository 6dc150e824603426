//! `trailmask findings` (issue 23): each kind on crafted records, with the exact rows it prints,
//! beside a record set that must give nothing (the false positives each kind is built to
//! avoid); the options (`--kind`, `--baseline-until`, `--min-refusals`) and their usage
//! errors; formats and thread counts; and hostile input (a chain of 4,000 hops in one second
//! with cycles among its links, 20,000 refusals from one identity) that must finish.

use crate::harness::*;
use serde_json::{Value, json};
use std::path::Path;

/// The account every crafted record is in (the vendor's is [`VENDOR`]).
const ACCOUNT: &str = "111122223333";
const VENDOR: &str = "999988887777";

/// The columns of `findings --format csv`.
const HEADER: &str = "id,kind,severity,subject,detail,first_seen,last_seen,count,event_ids\n";

// ------------------------------------------------------------------------------------------
// Records

fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

/// `2026-03-03T` + `time` (`HH:MM:SS`), or a full time as given.
fn time_of(time: &str) -> String {
    if time.len() == 8 {
        format!("2026-03-03T{time}Z")
    } else {
        time.to_owned()
    }
}

fn user(name: &str) -> Value {
    json!({
        "type": "IAMUser",
        "principalId": format!("AIDAEXAMPLE{}", name.to_ascii_uppercase()),
        "arn": format!("arn:aws:iam::{ACCOUNT}:user/{name}"),
        "accountId": ACCOUNT,
        "accessKeyId": format!("AKIAEXAMPLE{}", name.to_ascii_uppercase()),
        "userName": name
    })
}

/// A session of role `name` named `session`, signing with `key`, created at `created`.
fn session(name: &str, session: &str, key: &str, created: &str) -> Value {
    json!({
        "type": "AssumedRole",
        "principalId": format!("AROAEXAMPLE{}:{session}", name.to_ascii_uppercase()),
        "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{session}"),
        "accountId": ACCOUNT,
        "accessKeyId": key,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": format!("AROAEXAMPLE{}", name.to_ascii_uppercase()),
                "arn": role(name),
                "accountId": ACCOUNT,
                "userName": name
            },
            "attributes": {"creationDate": time_of(created), "mfaAuthenticated": "false"}
        }
    })
}

/// One record as CloudTrail logs it.
#[allow(clippy::too_many_arguments)]
fn record(
    who: Value,
    time: &str,
    source: &str,
    name: &str,
    ip: &str,
    request: Value,
    response: Value,
    id: &str,
) -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": who,
        "eventTime": time_of(time),
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": ip,
        "userAgent": "aws-cli/2.15.30",
        "requestParameters": request,
        "responseElements": response,
        "eventID": id,
        "readOnly": false,
        "eventType": "AwsApiCall",
        "recipientAccountId": ACCOUNT
    })
}

/// An `sts:AssumeRole` into `role_arn` by `who` from `ip`, issuing `issued`.
fn assume(who: Value, time: &str, role_arn: &str, name: &str, issued: &str, id: &str) -> Value {
    let role_name = role_arn.rsplit('/').next().unwrap_or_default();
    let account = role_arn.split(':').nth(4).unwrap_or_default();
    record(
        who,
        time,
        "sts.amazonaws.com",
        "AssumeRole",
        "203.0.113.10",
        json!({"roleArn": role_arn, "roleSessionName": name}),
        json!({
            "credentials": {"accessKeyId": issued, "sessionToken": "IQoJEXAMPLE"},
            "assumedRoleUser": {
                "assumedRoleId": format!("AROAEXAMPLE{}:{name}", role_name.to_ascii_uppercase()),
                "arn": format!("arn:aws:sts::{account}:assumed-role/{role_name}/{name}")
            }
        }),
        id,
    )
}

/// `assume`, refused with `AccessDenied`.
fn refused(who: Value, time: &str, role_arn: &str, id: &str) -> Value {
    let mut record = assume(who, time, role_arn, "try", "", id);
    record["errorCode"] = json!("AccessDenied");
    record["errorMessage"] = json!("not authorized to perform: sts:AssumeRole");
    record["responseElements"] = Value::Null;
    record
}

/// A service putting on `role_arn` for the session `name`, issuing `issued`.
fn worn(service: &str, time: &str, role_arn: &str, name: &str, issued: &str, id: &str) -> Value {
    let mut record = assume(
        json!({"type": "AWSService", "invokedBy": service}),
        time,
        role_arn,
        name,
        issued,
        id,
    );
    record["sourceIPAddress"] = json!(service);
    record["userAgent"] = json!(service);
    record
}

/// An `s3:GetObject` made by `who` from `ip`.
fn call(who: Value, time: &str, ip: &str, id: &str) -> Value {
    let mut record = record(
        who,
        time,
        "s3.amazonaws.com",
        "GetObject",
        ip,
        json!({"bucketName": "data", "key": "a.csv"}),
        Value::Null,
        id,
    );
    record["readOnly"] = json!(true);
    record
}

/// Writes `records` as one delivery file in a new folder.
fn logs(records: &[Value]) -> Dir {
    let dir = Dir::new();
    dir.write(
        &format!("AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/2026/03/03/trail.json"),
        json!({ "Records": records }).to_string().as_bytes(),
    );
    dir
}

fn path_of(dir: &Dir) -> &str {
    dir.root.path().to_str().expect("a UTF-8 temp path")
}

/// `findings -q --format csv ARGS DIR`: stdout, after checking the status is 0.
fn findings(dir: &Dir, args: &[&str]) -> String {
    findings_in(dir.root.path(), args)
}

fn findings_in(path: &Path, args: &[&str]) -> String {
    let path = path.to_str().expect("a UTF-8 path");
    let mut all = vec!["findings", "-q", "--format", "csv"];
    all.extend_from_slice(args);
    all.push(path);
    let output = run(&all);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    stdout(&output)
}

// ------------------------------------------------------------------------------------------
// session-many-networks

/// The session of EC2's instance i-0abc1234def567890 (WebServer, from 09:00).
fn instance() -> Value {
    session(
        "WebServer",
        "i-0abc1234def567890",
        "ASIAINSTANCE",
        "09:00:00",
    )
}

/// An instance's credentials: EC2 puts on WebServer for instance i-0abc1234def567890 at 09:00,
/// the instance calls from its private address through a VPC endpoint, and the same key is then
/// used from a public address elsewhere.
fn lifted() -> Vec<Value> {
    vec![
        worn(
            "ec2.amazonaws.com",
            "09:00:00",
            &role("WebServer"),
            "i-0abc1234def567890",
            "ASIAINSTANCE",
            "ec2-wears",
        ),
        call(instance(), "09:01:00", "10.0.1.5", "call-private-1"),
        call(instance(), "09:02:00", "10.0.1.5", "call-private-2"),
        call(instance(), "09:40:00", "198.51.100.7", "call-outside"),
    ]
}

#[test]
fn an_instance_session_used_from_outside_its_vpc_is_lifted_credentials() {
    let dir = logs(&lifted());
    // An organization trail's copy of the same file: each call still counts once, per
    // address too.
    dir.write(
        &format!("AWSLogs/o-example/{ACCOUNT}/CloudTrail/us-east-1/2026/03/03/trail.json"),
        json!({ "Records": lifted() }).to_string().as_bytes(),
    );
    assert_eq!(
        findings(&dir, &[]),
        format!(
            "{HEADER}76f30d38c695a639,session-many-networks,high,\
             arn:aws:sts::{ACCOUNT}:assumed-role/WebServer/i-0abc1234def567890,\
             \"issued to ec2.amazonaws.com: its credentials live on an instance, function or \
             task, and may have been lifted; key ASIAINSTANCE: calls from 2 networks: private \
             (2 calls), 198.51.100.0/24 (1 call)\",2026-03-03T09:01:00Z,2026-03-03T09:40:00Z,2,\
             ec2-wears;call-private-1;call-outside\n"
        )
    );
}

/// A call of the OrderFn function's session (from 09:00) from `ip`, its user agent `agent`.
fn function_call(time: &str, ip: &str, id: &str, agent: &str) -> Value {
    let function = session("OrderFn", "OrderFn", "ASIAFUNCTION", "09:00:00");
    let mut record = call(function, time, ip, id);
    record["userAgent"] = json!(agent);
    record
}

/// A Lambda function's session (issued to lambda.amazonaws.com) calling from two of AWS's
/// public networks, each call's user agent naming Lambda's execution environment, and then,
/// when `lifted`, once more from elsewhere with the AWS CLI.
fn function_calls(lifted: bool) -> Vec<Value> {
    let from = function_call;
    let lambda = "aws-sdk-go/1.40.21 (go1.17; linux; amd64) exec-env/AWS_Lambda_go1.x";
    let mut records = vec![
        worn(
            "lambda.amazonaws.com",
            "09:00:00",
            &role("OrderFn"),
            "OrderFn",
            "ASIAFUNCTION",
            "lambda-wears",
        ),
        from("09:01:00", "54.90.94.136", "fn-1", lambda),
        from("09:02:00", "3.80.11.20", "fn-2", lambda),
        from("09:03:00", "3.80.11.21", "fn-3", lambda),
    ];
    if lifted {
        records.push(from(
            "09:30:00",
            "198.51.100.7",
            "fn-lifted",
            "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64",
        ));
    }
    records
}

/// Session 34's leftover: a function outside a VPC calls from AWS's own addresses, which
/// change between its execution environments, and was a high finding (the README only
/// warned). Where every call's user agent names a Lambda execution environment it is low,
/// and says why; where some calls' do and others' do not, it stays high and names the
/// networks of those that do not. A partial carries the mark (format 6).
#[test]
fn a_function_s_calls_from_aws_addresses_are_low_and_calls_of_other_agents_are_named() {
    let quiet = logs(&function_calls(false));
    assert_eq!(
        findings(&quiet, &[]),
        format!(
            "{HEADER}9df09b6cbc684269,session-many-networks,low,\
             arn:aws:sts::{ACCOUNT}:assumed-role/OrderFn/OrderFn,\
             \"issued to lambda.amazonaws.com: its credentials live on an instance, function or \
             task, and may have been lifted; key ASIAFUNCTION: calls from 2 networks: \
             54.90.94.0/24 (1 call), 3.80.11.0/24 (2 calls); every call's user agent names a \
             Lambda execution environment (exec-env/AWS_Lambda_…): likely a function outside a \
             VPC, which calls from AWS's changing addresses\",2026-03-03T09:01:00Z,\
             2026-03-03T09:03:00Z,2,lambda-wears;fn-1;fn-2\n"
        )
    );
    let lifted = logs(&function_calls(true));
    let direct = findings(&lifted, &[]);
    assert_eq!(
        direct,
        format!(
            "{HEADER}9df09b6cbc684269,session-many-networks,high,\
             arn:aws:sts::{ACCOUNT}:assumed-role/OrderFn/OrderFn,\
             \"issued to lambda.amazonaws.com: its credentials live on an instance, function or \
             task, and may have been lifted; key ASIAFUNCTION: calls from 3 networks: \
             54.90.94.0/24 (1 call), 3.80.11.0/24 (2 calls), 198.51.100.0/24 (1 call); calls \
             whose user agent names no Lambda execution environment, where others' do: \
             198.51.100.0/24 (1 call)\",2026-03-03T09:01:00Z,2026-03-03T09:30:00Z,3,\
             lambda-wears;fn-1;fn-2;fn-lifted\n"
        )
    );
    let part = lifted.path("findings.part");
    let made = run(&[
        "partial",
        "findings",
        "-q",
        path_of(&lifted),
        "-o",
        part.to_str().unwrap(),
    ]);
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    assert_eq!(findings_in(&part, &[]), direct);
}

/// A red-team's (session 35): what the networks left out by the cap held is not known, so a
/// function's session whose kept networks all name Lambda is not lowered (one CLI call from a
/// 41st network was hidden, and the finding said every call was Lambda's); and a session named
/// after an EC2 instance whose hop is not in the logs read is an instance's, whatever its
/// calls' user agent says (it was low when `--since` left its hop out, high otherwise).
#[test]
fn lambda_s_user_agent_lowers_nothing_past_the_cap_nor_for_an_instance() {
    let mut records = function_calls(false);
    for k in 0..40 {
        records.push(function_call(
            "09:05:00",
            &format!("3.0.{k}.9"),
            &format!("net-{k}"),
            "aws-sdk-go/1.40.21 exec-env/AWS_Lambda_go1.x",
        ));
    }
    records.push(function_call(
        "09:10:00",
        "99.1.1.1",
        "cli",
        "aws-cli/2.15.0",
    ));
    let rows = csv_rows(&findings(&logs(&records), &[]));
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][2], "high");
    assert!(
        rows[1][4].ends_with(
            "; every call of the networks kept names a Lambda execution environment \
             (exec-env/AWS_Lambda_…) in its user agent, but not every network was kept"
        ),
        "{}",
        rows[1][4]
    );

    // A session whose hop is not in the logs read: its private calls count for no network,
    // but what their user agent says still counts (a CLI call from 10.0.0.5 made it low).
    let mut unread = Vec::new();
    for (ip, id, agent) in [
        (
            "54.90.94.136",
            "u-1",
            "aws-sdk-go/1.40.21 exec-env/AWS_Lambda_go1.x",
        ),
        (
            "3.80.11.20",
            "u-2",
            "aws-sdk-go/1.40.21 exec-env/AWS_Lambda_go1.x",
        ),
        ("10.0.0.5", "u-3", "aws-cli/2.15.0"),
    ] {
        unread.push(function_call("09:01:00", ip, id, agent));
    }
    let rows = csv_rows(&findings(&logs(&unread), &[]));
    assert_eq!(
        (rows[1][2].as_str(), rows[1][4].as_str()),
        (
            "medium",
            "key ASIAFUNCTION: calls from 2 networks: 54.90.94.0/24 (1 call), 3.80.11.0/24 (1 \
             call); calls whose user agent names no Lambda execution environment, where \
             others' do: private (1 call)"
        )
    );

    let mut instance_calls = Vec::new();
    for (ip, id) in [("54.90.94.136", "i-1"), ("3.80.11.20", "i-2")] {
        let mut record = call(instance(), "09:01:00", ip, id);
        record["userAgent"] = json!("aws-sdk-go/1.40.21 exec-env/AWS_Lambda_go1.x");
        instance_calls.push(record);
    }
    let rows = csv_rows(&findings(&logs(&instance_calls), &[]));
    assert_eq!(
        (rows[1][2].as_str(), rows[1][4].as_str()),
        (
            "high",
            "named after EC2 instance i-0abc1234def567890 (the hop that issued it is not in the \
             logs read): its credentials live on the instance, and may have been lifted; key \
             ASIAINSTANCE: calls from 2 networks: 54.90.94.0/24 (1 call), 3.80.11.0/24 (1 call); \
             every call's user agent names a Lambda execution environment \
             (exec-env/AWS_Lambda_…): yet the session is named after an EC2 instance"
        )
    );
}

/// A review's (session 39): names of services acting for a session (no network) filled the
/// cap on its networks, so a function's two networks and 31 service names were "more than 32
/// networks", and its finding high. Names have a cap of their own, and cut none of the
/// networks; the sessions' list still ends in `…`.
#[test]
fn service_names_past_the_cap_are_no_networks_cut() {
    let mut records = function_calls(false);
    for k in 0..40 {
        records.push(function_call(
            "09:04:00",
            &format!("service{k:02}.amazonaws.com"),
            &format!("by-{k}"),
            "aws-sdk-go/1.40.21 exec-env/AWS_Lambda_go1.x",
        ));
    }
    let dir = logs(&records);
    let rows = csv_rows(&findings(&dir, &[]));
    assert_eq!(
        (rows[1][2].as_str(), rows[1][4].as_str()),
        (
            "low",
            "issued to lambda.amazonaws.com: its credentials live on an instance, function or \
             task, and may have been lifted; key ASIAFUNCTION: calls from 2 networks: \
             54.90.94.0/24 (1 call), 3.80.11.0/24 (2 calls); every call's user agent names a \
             Lambda execution environment (exec-env/AWS_Lambda_…): likely a function outside a \
             VPC, which calls from AWS's changing addresses"
        )
    );
    let output = run(&["activity", "-q", "--format", "json", path_of(&dir)]);
    let sessions: Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let sources: Vec<&str> = sessions[0]["source_ips"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|ip| ip.as_str().unwrap())
        .collect();
    // The two networks' smallest addresses, the 32 smallest names, and the mark of a cut.
    assert_eq!(sources.len(), 2 + 32 + 1, "{sources:?}");
    assert_eq!(
        (sources[..3].to_vec(), sources[33], sources[34]),
        (
            vec!["3.80.11.20", "54.90.94.136", "service00.amazonaws.com"],
            "service31.amazonaws.com",
            "…"
        )
    );
}

/// A review's (session 39): a session whose hop was read, but whose chain began before the
/// logs read, was taken for one whose hop was not: named after an instance it was EC2's
/// ("the hop that issued it is not in the logs read", high), and its calls naming Lambda
/// lowered it. A hop read names who made the session: here a role session, whose own hop
/// is not read.
#[test]
fn a_session_whose_hop_was_read_is_not_known_by_its_name() {
    let ops = session("Ops", "ops", "ASIAOPS", "08:50:00");
    let made = |name: &str, agent: &str| {
        let data = session("Data", name, "ASIADATA", "09:00:00");
        let mut records = vec![assume(
            ops.clone(),
            "09:00:00",
            &role("Data"),
            name,
            "ASIADATA",
            "hop-data",
        )];
        for (time, ip, id) in [
            ("09:01:00", "54.90.94.136", "d-1"),
            ("09:02:00", "3.80.11.20", "d-2"),
        ] {
            let mut record = call(data.clone(), time, ip, id);
            record["userAgent"] = json!(agent);
            records.push(record);
        }
        csv_rows(&findings(&logs(&records), &[]))
    };
    let lambda = "aws-sdk-go/1.40.21 exec-env/AWS_Lambda_go1.x";
    let rows = made("job", lambda);
    assert_eq!(
        (rows[1][2].as_str(), rows[1][4].as_str()),
        (
            "medium",
            "key ASIADATA: calls from 2 networks: 54.90.94.0/24 (1 call), 3.80.11.0/24 (1 \
             call); every call's user agent names a Lambda execution environment \
             (exec-env/AWS_Lambda_…): yet the session is not Lambda's"
        )
    );
    let rows = made("i-0123456789abcdef0", "aws-cli/2.15.0");
    assert_eq!(
        (rows[1][2].as_str(), rows[1][4].as_str()),
        (
            "medium",
            "key ASIADATA: calls from 2 networks: 54.90.94.0/24 (1 call), 3.80.11.0/24 (1 call)"
        )
    );
}

/// A new user's first hour (session 33): a finding of records without `eventID` (Panther's
/// samples) listed no event ids and said nothing of why. It says so.
#[test]
fn a_finding_whose_records_give_no_event_id_says_so() {
    let mut records = lifted();
    for record in &mut records {
        record.as_object_mut().unwrap().remove("eventID");
    }
    let dir = logs(&records);
    let rows = csv_rows(&findings(&dir, &[]));
    assert_eq!(rows.len(), 2, "{rows:?}");
    let (detail, ids) = (&rows[1][4], &rows[1][8]);
    assert_eq!(ids, "");
    assert!(
        detail.ends_with(
            "(2 calls), 198.51.100.0/24 (1 call) (its records give no eventID: find them by \
             time and subject)"
        ),
        "{detail}"
    );
}

/// The copies of a cross-account call (one `sharedEventID`, an `eventID` each) cited alike
/// whichever worker holds which: the proof of the network only they called from was the copy
/// taken out's id when one worker held both, the kept copy's when two did.
#[test]
fn the_proof_of_a_network_is_the_same_for_any_thread_count() {
    let dir = Dir::new();
    let copy = |id: &str, recipient: &str| {
        let mut record = call(instance(), "09:40:00", "198.51.100.7", id);
        record["sharedEventID"] = json!("shared-1");
        record["recipientAccountId"] = json!(recipient);
        record
    };
    let [worn, private, ..] = &lifted()[..] else {
        unreachable!()
    };
    let first = json!({ "Records": [worn, private, copy("zzz-kept-copy", ACCOUNT)] });
    dir.write("a.json", first.to_string().as_bytes());
    let second = json!({ "Records": [copy("aaa-other-copy", VENDOR)] });
    dir.write("b.json", second.to_string().as_bytes());
    // Files of other sessions, so that several workers share the reading.
    for n in 0..32 {
        let other = session(
            "Other",
            &format!("s{n}"),
            &format!("ASIAOTHER{n}"),
            "09:00:00",
        );
        let records = json!({ "Records": [call(other, "10:00:00", "10.0.9.9", &format!("o{n}"))] });
        dir.write(&format!("c/{n:02}.json"), records.to_string().as_bytes());
    }
    for threads in ["1", "2", "4", "8"] {
        assert_eq!(
            findings(&dir, &["-j", threads, "--kind", "session-many-networks"]),
            format!(
                "{HEADER}76f30d38c695a639,session-many-networks,high,\
                 arn:aws:sts::{ACCOUNT}:assumed-role/WebServer/i-0abc1234def567890,\
                 \"issued to ec2.amazonaws.com: its credentials live on an instance, function \
                 or task, and may have been lifted; key ASIAINSTANCE: calls from 2 networks: \
                 private (1 call), 198.51.100.0/24 (1 call)\",2026-03-03T09:01:00Z,\
                 2026-03-03T09:40:00Z,2,ec2-wears;call-private-1;aaa-other-copy\n"
            ),
            "-j {threads}"
        );
    }
}

/// Alice's session, from an office's network and from another, and the finding it makes.
fn alice_from_two_networks() -> (Vec<Value>, String) {
    let alice = || session("Admin", "alice", "ASIAALICE", "09:00:00");
    let records = vec![
        assume(
            user("alice"),
            "09:00:00",
            &role("Admin"),
            "alice",
            "ASIAALICE",
            "hop",
        ),
        call(alice(), "09:05:00", "203.0.113.10", "office"),
        call(alice(), "09:50:00", "2001:db8:77::5", "elsewhere"),
    ];
    let finding = format!(
        "{HEADER}3840d6401925f0f2,session-many-networks,medium,\
         arn:aws:sts::{ACCOUNT}:assumed-role/Admin/alice,\"key ASIAALICE: calls from 2 \
         networks: 203.0.113.0/24 (1 call), 2001:db8:77::/48 (1 call)\",\
         2026-03-03T09:05:00Z,2026-03-03T09:50:00Z,2,hop;office;elsewhere\n"
    );
    (records, finding)
}

#[test]
fn a_persons_session_from_two_public_networks_is_a_finding() {
    let (records, finding) = alice_from_two_networks();
    assert_eq!(findings(&logs(&records), &[]), finding);
}

/// Review (session 20): a person's session that also called from 31 private subnets (a VPN)
/// lost its public networks to them (the 32 smallest networks by text were kept, and `10.`
/// sorts first), and with them its finding: private networks are kept apart.
#[test]
fn private_subnets_do_not_push_a_persons_public_networks_out() {
    let (mut records, finding) = alice_from_two_networks();
    let alice = session("Admin", "alice", "ASIAALICE", "09:00:00");
    records.extend((0..31).map(|n| {
        call(
            alice.clone(),
            "09:10:00",
            &format!("10.0.{n}.5"),
            &format!("vpn-{n:02}"),
        )
    }));
    let dir = logs(&records);
    assert_eq!(findings(&dir, &[]), finding);
    let output = run(&["activity", "-q", "--format", "json", path_of(&dir)]);
    let sessions: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let listed: Vec<&str> = sessions[0]["source_ips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ip| ip.as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 33, "{listed:?}");
    assert_eq!(listed[..2], ["10.0.0.5", "10.0.1.5"]);
    assert_eq!(listed[31..], ["203.0.113.10", "2001:db8:77::5"]);
}

/// An instance that called from 40 private subnets: 32 are listed, so the private network's
/// calls are at least their sum, and the finding says so (it said "private (34 calls)" of 42).
#[test]
fn private_calls_past_the_list_are_counted_as_at_least() {
    let mut records = lifted();
    let instance = session(
        "WebServer",
        "i-0abc1234def567890",
        "ASIAINSTANCE",
        "09:00:00",
    );
    records.extend((0..40).map(|n| {
        call(
            instance.clone(),
            "09:10:00",
            &format!("10.1.{n}.5"),
            &format!("subnet-{n:02}"),
        )
    }));
    let row = findings(&logs(&records), &["--kind", "session-many-networks"]);
    assert_eq!(
        row,
        format!(
            "{HEADER}76f30d38c695a639,session-many-networks,high,\
             arn:aws:sts::{ACCOUNT}:assumed-role/WebServer/i-0abc1234def567890,\"issued to \
             ec2.amazonaws.com: its credentials live on an instance, function or task, and may \
             have been lifted; key ASIAINSTANCE: calls from 2 networks: private (at least 33 \
             calls), 198.51.100.0/24 (1 call); more than 32 networks of a kind (private, or \
             not), only the first 32 by text kept\",2026-03-03T09:01:00Z,2026-03-03T09:40:00Z,2,\
             ec2-wears;call-private-1;call-outside\n"
        )
    );
}

/// An instance's session whose issuing hop is outside the logs read is told by its name (EC2
/// names it after the instance): its second network is the same finding, with the same id.
#[test]
fn an_instance_session_is_known_by_its_name_when_its_hop_is_not_in_the_logs() {
    let records: Vec<Value> = lifted().into_iter().skip(1).collect();
    let dir = logs(&records);
    let row = findings(&dir, &[]);
    assert_eq!(
        row,
        format!(
            "{HEADER}76f30d38c695a639,session-many-networks,high,\
             arn:aws:sts::{ACCOUNT}:assumed-role/WebServer/i-0abc1234def567890,\
             \"named after EC2 instance i-0abc1234def567890 (the hop that issued it is not in the \
             logs read): its credentials live on the instance, and may have been lifted; key \
             ASIAINSTANCE: calls from 2 networks: private (2 calls), 198.51.100.0/24 (1 call)\",\
             2026-03-03T09:01:00Z,2026-03-03T09:40:00Z,2,call-private-1;call-outside\n"
        )
    );
}

/// False positives guarded: an instance calling through VPC endpoints in two subnets and
/// through AWS services on its behalf; a person's session seen through a VPN or a VPC
/// endpoint beside the office address; two addresses of one /24.
#[test]
fn vpc_endpoints_aws_services_and_one_subnet_are_one_place() {
    let alice = || session("Admin", "alice", "ASIAALICE", "09:00:00");
    let dir = logs(&[
        worn(
            "ec2.amazonaws.com",
            "09:00:00",
            &role("WebServer"),
            "i-0abc1234def567890",
            "ASIAINSTANCE",
            "ec2-wears",
        ),
        call(instance(), "09:01:00", "10.0.1.5", "c1"),
        call(instance(), "09:02:00", "10.0.7.9", "c2"),
        call(instance(), "09:03:00", "AWS Internal", "c3"),
        call(instance(), "09:04:00", "cloudformation.amazonaws.com", "c4"),
        assume(
            user("alice"),
            "09:00:00",
            &role("Admin"),
            "alice",
            "ASIAALICE",
            "hop",
        ),
        call(alice(), "09:05:00", "203.0.113.10", "c5"),
        call(alice(), "09:06:00", "203.0.113.99", "c6"),
        call(alice(), "09:07:00", "10.9.0.1", "c7"),
        call(alice(), "09:08:00", "AWS Internal", "c8"),
    ]);
    assert_eq!(findings(&dir, &[]), HEADER);
}

// ------------------------------------------------------------------------------------------
// role-juggling

/// alice -> Admin -> Deployer -> Admin -> Deployer, each hop with the key the one before
/// issued.
fn returning_chain() -> Vec<Value> {
    vec![
        assume(
            user("alice"),
            "10:00:00",
            &role("Admin"),
            "a1",
            "ASIAK1",
            "j1",
        ),
        assume(
            session("Admin", "a1", "ASIAK1", "10:00:00"),
            "10:05:00",
            &role("Deployer"),
            "d1",
            "ASIAK2",
            "j2",
        ),
        assume(
            session("Deployer", "d1", "ASIAK2", "10:05:00"),
            "10:10:00",
            &role("Admin"),
            "a2",
            "ASIAK3",
            "j3",
        ),
        assume(
            session("Admin", "a2", "ASIAK3", "10:10:00"),
            "10:15:00",
            &role("Deployer"),
            "d2",
            "ASIAK4",
            "j4",
        ),
    ]
}

#[test]
fn a_chain_that_returns_to_a_role_it_wore_is_role_juggling() {
    let dir = logs(&returning_chain());
    assert_eq!(
        findings(&dir, &[]),
        format!(
            "{HEADER}af8dc6afcc6a7aa5,role-juggling,medium,arn:aws:iam::{ACCOUNT}:user/alice,\
             \"returned 2 times to a role already worn on the chain (first: Admin -> Deployer -> \
             Admin); roles: Admin, Deployer\",2026-03-03T10:00:00Z,2026-03-03T10:15:00Z,2,j1;j2;j3\n"
        )
    );
}

#[test]
fn chained_sessions_refreshed_past_their_hour_are_role_juggling() {
    // alice -> Admin (10:00) -> Deployer (10:05, the first chained hop) -> Auditor (10:50)
    // -> Reader (11:40: 1 h 35 min after the first chained hop) -> Writer (12:30).
    let dir = logs(&[
        assume(
            user("alice"),
            "10:00:00",
            &role("Admin"),
            "a",
            "ASIAK1",
            "r1",
        ),
        assume(
            session("Admin", "a", "ASIAK1", "10:00:00"),
            "10:05:00",
            &role("Deployer"),
            "d",
            "ASIAK2",
            "r2",
        ),
        assume(
            session("Deployer", "d", "ASIAK2", "10:05:00"),
            "10:50:00",
            &role("Auditor"),
            "u",
            "ASIAK3",
            "r3",
        ),
        assume(
            session("Auditor", "u", "ASIAK3", "10:50:00"),
            "11:40:00",
            &role("Reader"),
            "r",
            "ASIAK4",
            "r4",
        ),
        assume(
            session("Reader", "r", "ASIAK4", "11:40:00"),
            "12:30:00",
            &role("Writer"),
            "w",
            "ASIAK5",
            "r5",
        ),
    ]);
    assert_eq!(
        findings(&dir, &[]),
        format!(
            "{HEADER}7f048eb041cdf58d,role-juggling,medium,arn:aws:iam::{ACCOUNT}:user/alice,\
             \"chained sessions (1 h at most) kept making hops 2 h 25 min after the chain's first \
             chained hop (2 hops past the hour); roles: Auditor, Deployer, Reader, Writer\",\
             2026-03-03T10:05:00Z,\
             2026-03-03T12:30:00Z,2,r2;r3;r4\n"
        )
    );
}

/// Another account's copy of a session's call names the session by its principal id only
/// (`AWSAccount`, `AROA…:name`, no key, no ARN), as the role account's trail logs a hop
/// into it made from another account.
fn copy_by(account: &str, principal: &str) -> Value {
    json!({"type": "AWSAccount", "principalId": principal, "accountId": account})
}

/// A responder's pass (session 34): the baseline held only the called account's copy of a
/// nightly job's hop (`AWSAccount`, `AROAEXAMPLEADMIN:nightly-1`), the day after only the
/// caller's own record of the next night's: one edge, Admin -> Deployer, reported as new,
/// since a role id was known only from a hop that issued a session of it. A session's own
/// call names its role's id too (`sessionIssuer.principalId`), and now names the role by it.
#[test]
fn a_role_id_is_named_by_its_sessions_own_calls_too() {
    let deployer = format!("arn:aws:iam::{VENDOR}:role/Deployer");
    for (baseline, after) in [(true, false), (false, true)] {
        let hop = |by_copy: bool, day: &str, name: &str, id: &str| {
            let who = if by_copy {
                copy_by(ACCOUNT, &format!("AROAEXAMPLEADMIN:{name}"))
            } else {
                session(
                    "Admin",
                    name,
                    "ASIAADM",
                    &format!("2026-03-{day}T09:00:00Z"),
                )
            };
            assume(
                who,
                &format!("2026-03-{day}T10:00:00Z"),
                &deployer,
                "deploy",
                "ASIADEP",
                id,
            )
        };
        let dir = logs(&[
            hop(baseline, "01", "nightly-1", "x1"),
            hop(after, "03", "nightly-3", "x3"),
        ]);
        assert_eq!(
            findings(
                &dir,
                &["--baseline-until", "2026-03-02", "--kind", "new-edge"]
            ),
            HEADER,
            "the baseline's hop {}",
            if baseline {
                "a copy"
            } else {
                "the caller's record"
            }
        );
    }
}

/// A responder's pass (session 34): read from one account's trail, a chain begun before it
/// by the vendor's Hub role (known here only by the copy of its session's hop, `AWSAccount`,
/// `AROAEXAMPLEHUB:a1`) and returning to Hub began at `999988887777#AROAEXAMPLEHUB:a1` in
/// `chains`, with no return counted, where `findings` named the role. A hop read that issued
/// a session of that role id names it: the chain begins at the role, and returns to it.
#[test]
fn a_chain_begun_by_another_account_s_copy_starts_at_the_role_it_names() {
    let hub = format!("arn:aws:iam::{VENDOR}:role/Hub");
    let dir = logs(&[
        assume(
            copy_by(VENDOR, "AROAEXAMPLEHUB:a1"),
            "10:10:00",
            &role("Spoke"),
            "b1",
            "ASIAS1",
            "x1",
        ),
        assume(
            session("Spoke", "b1", "ASIAS1", "10:10:00"),
            "10:20:00",
            &hub,
            "a2",
            "ASIAH2",
            "x2",
        ),
    ]);
    let chains = stdout(&run(&["chains", "-q", "--format", "csv", path_of(&dir)]));
    assert_eq!(
        chains,
        format!(
            "depth,count,first_seen,last_seen,cross_account_hops,returns,outcome,origin,chain\n\
             2,1,2026-03-03T10:10:00Z,2026-03-03T10:20:00Z,2,1,success,,[... hops not read ...] \
             -> {hub} =[cross-account]=> {spoke} =[cross-account]=> {hub}\n",
            spoke = role("Spoke")
        )
    );
}

/// A responder's pass (session 33): a chain juggling between two accounts, as one of them
/// logs it alone. alice -> Ops (10:00) -> the vendor's Audit (10:05) -> Ops again (10:55: the
/// copy of the vendor's session's hop, named `AROAEXAMPLEAUDIT:u1`, the id the 10:05 hop
/// returned) -> Audit (11:45). That copy was taken for a first hop: the chain was cut in
/// two, its origin lost, and no role juggling found.
#[test]
fn one_account_s_trail_links_another_account_s_copy_of_a_hop_by_its_principal_id() {
    let audit = format!("arn:aws:iam::{VENDOR}:role/Audit");
    let dir = logs(&[
        assume(
            user("alice"),
            "10:00:00",
            &role("Ops"),
            "o1",
            "ASIAK1",
            "x1",
        ),
        assume(
            session("Ops", "o1", "ASIAK1", "10:00:00"),
            "10:05:00",
            &audit,
            "u1",
            "ASIAK2",
            "x2",
        ),
        assume(
            copy_by(VENDOR, "AROAEXAMPLEAUDIT:u1"),
            "10:55:00",
            &role("Ops"),
            "o2",
            "ASIAK3",
            "x3",
        ),
        call(
            session("Ops", "o2", "ASIAK3", "10:55:00"),
            "11:00:00",
            "203.0.113.10",
            "c1",
        ),
        assume(
            session("Ops", "o2", "ASIAK3", "10:55:00"),
            "11:45:00",
            &audit,
            "u2",
            "ASIAK4",
            "x4",
        ),
    ]);
    assert_eq!(
        findings(&dir, &[]),
        format!(
            "{HEADER}4c51ecb025732ceb,role-juggling,medium,arn:aws:iam::{ACCOUNT}:user/alice,\
             \"returned 2 times to a role already worn on the chain (first: Ops ({ACCOUNT}) -> \
             Audit ({VENDOR}) -> Ops ({ACCOUNT})); chained sessions (1 h at most) kept making \
             hops 1 h 40 min after the chain's first chained hop (1 hop past the hour); roles: \
             Audit ({VENDOR}), Ops ({ACCOUNT})\",2026-03-03T10:00:00Z,\
             2026-03-03T11:45:00Z,2,x1;x2;x3\n"
        )
    );
    let path = path_of(&dir);
    let chains = stdout(&run(&["chains", "-q", "--format", "csv", path]));
    assert_eq!(
        chains,
        format!(
            "depth,count,first_seen,last_seen,cross_account_hops,returns,outcome,origin,chain\n\
             4,1,2026-03-03T10:00:00Z,2026-03-03T11:45:00Z,3,2,success,\
             arn:aws:iam::{ACCOUNT}:user/alice,arn:aws:iam::{ACCOUNT}:user/alice -> {ops} \
             =[cross-account]=> {audit} =[cross-account]=> {ops} =[cross-account]=> {audit}\n",
            ops = role("Ops")
        )
    );
    // The call made with the session the copy's hop issued is alice's, and so is that hop,
    // a call of the vendor's session (known by its principal id).
    let origins = stdout(&run(&["activity", "-q", "--by", "origin", path]));
    assert_eq!(
        origins,
        format!(
            "origin,origin_kind,sessions,roles,accounts,calls,failures,write_calls,first_seen,\
             last_seen\narn:aws:iam::{ACCOUNT}:user/alice,iam-user,3,{};{audit},{ACCOUNT},4,0,3,\
             2026-03-03T10:05:00Z,2026-03-03T11:45:00Z\n",
            role("Ops")
        )
    );
}

/// False positives guarded: a depth-4 chain through distinct roles; alice's 12-hour Admin
/// session (not chained) hopping on hours later; alice putting on Admin twice (siblings, not
/// a return); a refused attempt back into a role on the path (it wore nothing).
#[test]
fn long_sessions_siblings_and_refusals_are_no_role_juggling() {
    let admin = || session("Admin", "a", "ASIAK1", "08:00:00");
    let dir = logs(&[
        assume(
            user("alice"),
            "08:00:00",
            &role("Admin"),
            "a",
            "ASIAK1",
            "n1",
        ),
        assume(admin(), "08:05:00", &role("Deployer"), "d", "ASIAK2", "n2"),
        assume(
            session("Deployer", "d", "ASIAK2", "08:05:00"),
            "08:30:00",
            &role("Reader"),
            "r",
            "ASIAK3",
            "n3",
        ),
        assume(
            session("Reader", "r", "ASIAK3", "08:30:00"),
            "08:40:00",
            &role("Vendor"),
            "v",
            "ASIAK4",
            "n4",
        ),
        assume(admin(), "19:00:00", &role("Deployer"), "d2", "ASIAK5", "n5"),
        assume(
            user("alice"),
            "19:30:00",
            &role("Admin"),
            "a2",
            "ASIAK6",
            "n6",
        ),
        refused(
            session("Deployer", "d", "ASIAK2", "08:05:00"),
            "08:50:00",
            &role("Admin"),
            "n7",
        ),
    ]);
    assert_eq!(findings(&dir, &["--kind", "role-juggling"]), HEADER);
}

// ------------------------------------------------------------------------------------------
// service-and-human

#[test]
fn a_role_worn_by_a_service_and_a_person_within_a_day() {
    let dir = logs(&[
        worn(
            "ec2.amazonaws.com",
            "01:00:00",
            &role("WebServer"),
            "i-0abc1234def567890",
            "ASIAI1",
            "s1",
        ),
        assume(
            user("bob"),
            "15:20:00",
            &role("WebServer"),
            "bob",
            "ASIAB1",
            "s2",
        ),
        worn(
            "ec2.amazonaws.com",
            "2026-03-05T01:00:00Z",
            &role("WebServer"),
            "i-0abc1234def567890",
            "ASIAI2",
            "s3",
        ),
    ]);
    assert_eq!(
        findings(&dir, &[]),
        format!(
            "{HEADER}cc74f9d555220f55,service-and-human,medium,{},worn by ec2.amazonaws.com \
             (1 hop) and by arn:aws:iam::{ACCOUNT}:user/bob (1 hop) within 24 h of each other \
             (closest 14 h 20 min apart),2026-03-03T01:00:00Z,2026-03-03T15:20:00Z,2,s1;s2\n",
            role("WebServer")
        )
    );
}

/// False positives guarded: a person a day and a second after the service; the service's own
/// workload chaining into a role that the service also wears.
#[test]
fn a_day_apart_or_the_services_own_workload_is_no_finding() {
    let dir = logs(&[
        worn(
            "ec2.amazonaws.com",
            "01:00:00",
            &role("WebServer"),
            "i-0abc1234def567890",
            "ASIAI1",
            "s1",
        ),
        assume(
            user("bob"),
            "2026-03-04T01:00:01Z",
            &role("WebServer"),
            "bob",
            "ASIAB1",
            "s2",
        ),
        assume(
            session("WebServer", "i-0abc1234def567890", "ASIAI1", "01:00:00"),
            "01:10:00",
            &role("Uploader"),
            "up",
            "ASIAU1",
            "s3",
        ),
        worn(
            "lambda.amazonaws.com",
            "02:00:00",
            &role("Uploader"),
            "fn",
            "ASIAL1",
            "s4",
        ),
    ]);
    assert_eq!(findings(&dir, &["--kind", "service-and-human"]), HEADER);
}

// ------------------------------------------------------------------------------------------
// new-edge

/// Monday: alice -> Admin, GitHub's main branch -> Deploy. Tuesday: alice -> Admin again,
/// a pull request's ref -> Deploy (a new subject), the vendor -> Audit, and mallory refused.
fn two_days() -> Vec<Value> {
    let github = |subject: &str, time: &str, issued: &str, id: &str| {
        let mut record = assume(
            json!({
                "type": "WebIdentityUser",
                "principalId": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com:sts.amazonaws.com:{subject}"),
                "userName": subject,
                "identityProvider": format!("arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com")
            }),
            time,
            &role("Deploy"),
            "gh",
            issued,
            id,
        );
        record["eventName"] = json!("AssumeRoleWithWebIdentity");
        record
    };
    let vendor = json!({
        "type": "IAMUser",
        "principalId": "AIDAVENDOR",
        "arn": format!("arn:aws:iam::{VENDOR}:user/auditor"),
        "accountId": VENDOR,
        "accessKeyId": "AKIAVENDOR",
        "userName": "auditor"
    });
    vec![
        assume(
            user("alice"),
            "2026-03-02T09:00:00Z",
            &role("Admin"),
            "a",
            "ASIAA1",
            "m1",
        ),
        github(
            "repo:org/app:ref:refs/heads/main",
            "2026-03-02T10:00:00Z",
            "ASIAG1",
            "m2",
        ),
        assume(
            user("alice"),
            "09:00:00",
            &role("Admin"),
            "a",
            "ASIAA2",
            "t1",
        ),
        github(
            "repo:org/app:ref:refs/heads/main",
            "10:00:00",
            "ASIAG2",
            "t2",
        ),
        github(
            "repo:org/app:ref:refs/pull/7/merge",
            "10:30:00",
            "ASIAG3",
            "t3",
        ),
        assume(vendor, "11:00:00", &role("Audit"), "v", "ASIAV1", "t4"),
        refused(user("mallory"), "12:00:00", &role("Admin"), "t5"),
    ]
}

#[test]
fn pairs_first_seen_after_the_baseline_are_new_edges() {
    let dir = logs(&two_days());
    assert_eq!(
        findings(&dir, &["--baseline-until", "2026-03-02"]),
        format!(
            "{HEADER}560f61872d7a10ec,new-edge,medium,arn:aws:iam::{VENDOR}:user/auditor -> {},\
             \"not in the baseline: AssumeRole, cross-account, 1 hop\",2026-03-03T11:00:00Z,\
             2026-03-03T11:00:00Z,1,t4\n\
             d8cbecea3f42b601,new-edge,low,arn:aws:iam::{ACCOUNT}:oidc-provider/token.\
             actions.githubusercontent.com#repo:org/app:ref:refs/pull/7/merge -> {},\
             \"not in the baseline: AssumeRoleWithWebIdentity, 1 hop\",2026-03-03T10:30:00Z,\
             2026-03-03T10:30:00Z,1,t3\n",
            role("Audit"),
            role("Deploy")
        )
    );
    // Without a baseline there is nothing to be new against.
    assert_eq!(findings(&dir, &[]), HEADER);
}

/// False positives guarded: a baseline that holds every pair; and a baseline before the
/// first hop read, which makes everything new: said on stderr.
#[test]
fn pairs_in_the_baseline_are_not_new_and_an_empty_baseline_is_said() {
    let dir = logs(&two_days());
    assert_eq!(
        findings(&dir, &["--baseline-until", "2026-03-04"]),
        HEADER,
        "nothing after the baseline"
    );
    let output = run(&[
        "findings",
        "-q",
        "--format",
        "csv",
        "--kind",
        "new-edge",
        "--baseline-until",
        "2026-03-01",
        path_of(&dir),
    ]);
    assert_eq!(output.status.code(), Some(0));
    // alice -> Admin, two GitHub refs -> Deploy, the vendor -> Audit (mallory was refused).
    assert_eq!(stdout(&output).lines().count(), 5, "{}", stdout(&output));
    assert_eq!(
        stderr(&output),
        "trailmask: no role assumption read at or before --baseline-until \
         (2026-03-01T23:59:59Z): every edge is new\n"
    );
}

/// A responder's pass (session 33): another account's copies of a nightly job's hops (its
/// session named after the day) were a new edge every day, each named by its session.
/// They are the role's edge: named as a hop read named that role id (`AROAEXAMPLEJOB`:
/// alice put it on), else by the id.
#[test]
fn another_account_s_copies_are_the_role_s_edge_whatever_their_session_s_name() {
    let job = format!("arn:aws:iam::{VENDOR}:role/Job");
    let dir = logs(&[
        assume(
            user("alice"),
            "2026-03-02T00:30:00Z",
            &job,
            "manual",
            "ASIAK1",
            "n0",
        ),
        assume(
            copy_by(VENDOR, "AROAEXAMPLEJOB:nightly-0302"),
            "2026-03-02T01:00:00Z",
            &role("Audit"),
            "n",
            "ASIAK2",
            "n1",
        ),
        assume(
            copy_by(VENDOR, "AROAEXAMPLEJOB:nightly-0303"),
            "2026-03-03T01:00:00Z",
            &role("Audit"),
            "n",
            "ASIAK3",
            "n2",
        ),
        assume(
            copy_by(VENDOR, "AROAEXAMPLEOTHER:x"),
            "2026-03-03T02:00:00Z",
            &role("Audit"),
            "x",
            "ASIAK4",
            "n3",
        ),
    ]);
    assert_eq!(
        findings(
            &dir,
            &["--kind", "new-edge", "--baseline-until", "2026-03-02"]
        ),
        format!(
            "{HEADER}041e97939949a095,new-edge,medium,{VENDOR}#AROAEXAMPLEOTHER -> {},\
             \"not in the baseline: AssumeRole, cross-account, 1 hop\",2026-03-03T02:00:00Z,\
             2026-03-03T02:00:00Z,1,n3\n",
            role("Audit")
        )
    );
}

/// A red-team pass on the real trails (session 24): Stratus Red Team's persistence by
/// `GetFederationToken` (a user's keys mint a federated user that outlives their rotation)
/// drew a graph edge but no new edge, which only looked at roles. A new federated user is a
/// new mask; `GetSessionToken` puts on none (the caller's own powers), so it is never new.
#[test]
fn a_new_federated_user_is_a_new_edge_and_a_session_token_is_not() {
    let federation = |name: &str, time: &str, id: &str| {
        record(
            user("bob"),
            time,
            "sts.amazonaws.com",
            "GetFederationToken",
            "203.0.113.10",
            json!({"name": name, "durationSeconds": 3600}),
            json!({
                "credentials": {"accessKeyId": format!("ASIAF{id}"), "sessionToken": "IQoJEXAMPLE"},
                "federatedUser": {
                    "federatedUserId": format!("{ACCOUNT}:{name}"),
                    "arn": format!("arn:aws:sts::{ACCOUNT}:federated-user/{name}")
                }
            }),
            id,
        )
    };
    let session_token = |time: &str, id: &str| {
        record(
            user("bob"),
            time,
            "sts.amazonaws.com",
            "GetSessionToken",
            "203.0.113.10",
            json!({"durationSeconds": 3600}),
            json!({"credentials": {"accessKeyId": format!("ASIAS{id}"), "sessionToken": "IQoJEXAMPLE"}}),
            id,
        )
    };
    let dir = logs(&[
        federation("build", "2026-03-02T09:00:00Z", "f1"),
        session_token("2026-03-02T09:30:00Z", "g1"),
        federation("build", "09:00:00", "f2"),
        federation("keepalive", "09:10:00", "f3"),
        session_token("09:30:00", "g2"),
    ]);
    let found = findings(
        &dir,
        &["--kind", "new-edge", "--baseline-until", "2026-03-02"],
    );
    let rows: Vec<&str> = found.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{found}");
    assert_eq!(
        rows[0].split_once(',').unwrap().1,
        format!(
            "new-edge,low,arn:aws:iam::{ACCOUNT}:user/bob -> \
             arn:aws:sts::{ACCOUNT}:federated-user/keepalive,\
             \"not in the baseline: GetFederationToken, 1 hop\",2026-03-03T09:10:00Z,\
             2026-03-03T09:10:00Z,1,f3"
        )
    );
}

// ------------------------------------------------------------------------------------------
// refusals-then-success

/// mallory is refused Admin twice and Prod once, then let into Admin (14:00 to 14:30).
fn mallory_search() -> Vec<Value> {
    vec![
        refused(user("mallory"), "14:00:00", &role("Admin"), "f1"),
        refused(user("mallory"), "14:10:00", &role("Admin"), "f2"),
        refused(user("mallory"), "14:20:00", &role("Prod"), "f3"),
        assume(
            user("mallory"),
            "14:30:00",
            &role("Admin"),
            "m",
            "ASIAM1",
            "f4",
        ),
    ]
}

/// ci is refused the role Fresh three times in 5 s, then let in.
fn ci_retries() -> Vec<Value> {
    vec![
        refused(user("ci"), "14:00:00", &role("Fresh"), "g1"),
        refused(user("ci"), "14:00:02", &role("Fresh"), "g2"),
        refused(user("ci"), "14:00:05", &role("Fresh"), "g3"),
        assume(user("ci"), "14:00:09", &role("Fresh"), "ci", "ASIAC1", "g4"),
    ]
}

#[test]
fn refusals_then_a_success_within_the_hour_is_a_finding() {
    let mut records = mallory_search();
    records.push(assume(
        user("mallory"),
        "14:35:00",
        &role("Admin"),
        "m",
        "ASIAM2",
        "f5",
    ));
    let dir = logs(&records);
    assert_eq!(
        findings(&dir, &[]),
        format!(
            "{HEADER}5102ac5ec87d8d31,refusals-then-success,high,\
             arn:aws:iam::{ACCOUNT}:user/mallory,\"3 refused attempts (AccessDenied) on 2 roles \
             (Admin, Prod) within 30 min, then AssumeRole into Admin succeeded (a role it had \
             been refused)\",2026-03-03T14:00:00Z,2026-03-03T14:30:00Z,3,f1;f2;f3;f4\n"
        )
    );
    // --min-refusals raises the bar; the filters pick the attempts.
    assert_eq!(findings(&dir, &["--min-refusals", "4"]), HEADER);
    assert_eq!(findings(&dir, &["--exclude-failed"]), HEADER);
}

/// Retries of the one role that then let the caller in are how IAM's eventual consistency
/// looks (a role or trust policy just made): still a finding, but medium.
#[test]
fn retries_of_the_role_that_then_let_it_in_are_medium() {
    let dir = logs(&ci_retries());
    assert_eq!(
        findings(&dir, &[]),
        format!(
            "{HEADER}705223d1af2a12c6,refusals-then-success,medium,\
             arn:aws:iam::{ACCOUNT}:user/ci,\"3 refused attempts (AccessDenied) on 1 role \
             (Fresh) within 9 s, then AssumeRole into Fresh succeeded (a role it had been \
             refused)\",2026-03-03T14:00:00Z,2026-03-03T14:00:09Z,3,g1;g2;g3;g4\n"
        )
    );
}

/// Refusals in the same second as the success count as before it, whatever the order of the
/// records' ids (CloudTrail's times are to the second; they were read in id order, so the
/// burst was found only when the success's id sorted last). A refusal that names no role
/// (no request, no role in its message) is said so, not listed as an empty name.
#[test]
fn refusals_in_the_second_of_the_success_and_refusals_naming_no_role() {
    // Times written with fractions (a copy of the trail, an export) too: the refusals of the
    // success's second count as before it, and the finding spans them all (red-team, session
    // 32: a success at .100 came before refusals at .500, and no finding was made).
    let at = |fraction: &str| format!("2026-03-03T14:00:00{fraction}Z");
    for ([m1, m2, m3, success], span) in [
        (
            ["", "", "", ""],
            "2026-03-03T14:00:00Z,2026-03-03T14:00:00Z",
        ),
        (
            [".500", ".600", ".700", ".100"],
            "2026-03-03T14:00:00.100Z,2026-03-03T14:00:00.700Z",
        ),
    ] {
        let dir = logs(&[
            refused(user("ci"), &at(m1), &role("Fresh"), "m1"),
            refused(user("ci"), &at(m2), &role("Fresh"), "m2"),
            refused(user("ci"), &at(m3), &role("Fresh"), "m3"),
            assume(
                user("ci"),
                &at(success),
                &role("Fresh"),
                "ci",
                "ASIAC1",
                "a-success",
            ),
        ]);
        assert_eq!(
            findings(&dir, &[]),
            format!(
                "{HEADER}49be409132251e4e,refusals-then-success,medium,\
                 arn:aws:iam::{ACCOUNT}:user/ci,\"3 refused attempts (AccessDenied) on 1 role \
                 (Fresh) within 0 s, then AssumeRole into Fresh succeeded (a role it had been \
                 refused)\",{span},3,m1;m2;m3;a-success\n"
            )
        );
    }
    let unnamed = |id: &str| {
        let mut record = refused(user("ci"), "14:00:00", &role("Fresh"), id);
        record["requestParameters"] = Value::Null;
        record["errorMessage"] = json!("denied");
        record
    };
    let dir = logs(&[
        unnamed("u1"),
        unnamed("u2"),
        refused(user("ci"), "14:00:01", &role("Fresh"), "u3"),
        assume(user("ci"), "14:00:02", &role("Fresh"), "ci", "ASIAC1", "u4"),
    ]);
    assert_eq!(
        findings(&dir, &[]),
        format!(
            "{HEADER}d525cdd1577bdbb8,refusals-then-success,medium,\
             arn:aws:iam::{ACCOUNT}:user/ci,\"3 refused attempts (AccessDenied) on 1 role \
             (Fresh) and roles not named within 2 s, then AssumeRole into Fresh succeeded \
             (a role it had been refused)\",2026-03-03T14:00:00Z,2026-03-03T14:00:02Z,3,\
             u1;u2;u3;u4\n"
        )
    );
    // Refusals that name no role at all are no search either: medium (a red-team's, session
    // 37: they made the finding high).
    let dir = logs(&[
        unnamed("n1"),
        unnamed("n2"),
        unnamed("n3"),
        assume(user("ci"), "14:00:02", &role("Fresh"), "ci", "ASIAC1", "n4"),
    ]);
    assert_eq!(
        findings(&dir, &[]),
        format!(
            "{HEADER}be2c46d1db3aed81,refusals-then-success,medium,\
             arn:aws:iam::{ACCOUNT}:user/ci,\"3 refused attempts (AccessDenied) on a role the \
             records do not name within 2 s, then AssumeRole into Fresh succeeded\",\
             2026-03-03T14:00:00Z,2026-03-03T14:00:02Z,3,n1;n2;n3;n4\n"
        )
    );
}

/// False positives guarded: two refusals (a typo and a retry) before a success; three spread
/// over more than an hour; three with no success; refusals of one identity and the success
/// of another.
#[test]
fn few_slow_or_unanswered_refusals_are_no_finding() {
    let dir = logs(&[
        refused(user("bob"), "09:00:00", &role("Admin"), "b1"),
        refused(user("bob"), "09:01:00", &role("Admin"), "b2"),
        assume(user("bob"), "09:02:00", &role("Admin"), "b", "ASIAB1", "b3"),
        refused(user("carol"), "10:00:00", &role("Admin"), "c1"),
        refused(user("carol"), "10:40:00", &role("Admin"), "c2"),
        refused(user("carol"), "11:20:00", &role("Admin"), "c3"),
        assume(
            user("carol"),
            "11:30:00",
            &role("Admin"),
            "c",
            "ASIAC1",
            "c4",
        ),
        refused(user("dave"), "12:00:00", &role("Admin"), "d1"),
        refused(user("dave"), "12:01:00", &role("Admin"), "d2"),
        refused(user("dave"), "12:02:00", &role("Admin"), "d3"),
        assume(
            user("erin"),
            "12:03:00",
            &role("Admin"),
            "e",
            "ASIAE1",
            "e1",
        ),
    ]);
    assert_eq!(findings(&dir, &["--kind", "refusals-then-success"]), HEADER);
}

/// `GetSessionToken` puts on no mask: a success of it ends no burst (nor hides one under
/// way), and a refusal of it is no refused role assumption.
#[test]
fn session_tokens_neither_end_nor_count_in_a_burst() {
    let token = |who: &str, time: &str, id: &str, refused: bool| {
        let mut record = record(
            user(who),
            time,
            "sts.amazonaws.com",
            "GetSessionToken",
            "203.0.113.10",
            json!({"durationSeconds": 3600}),
            json!({"credentials": {"accessKeyId": "ASIATOKEN", "sessionToken": "IQoJEXAMPLE"}}),
            id,
        );
        if refused {
            record["errorCode"] = json!("AccessDenied");
            record["responseElements"] = Value::Null;
        }
        record
    };
    let dir = logs(&[
        refused(user("frank"), "14:00:00", &role("Admin"), "h1"),
        refused(user("frank"), "14:01:00", &role("Admin"), "h2"),
        refused(user("frank"), "14:02:00", &role("Prod"), "h3"),
        token("frank", "14:03:00", "h4", false),
        assume(
            user("frank"),
            "14:04:00",
            &role("Prod"),
            "f",
            "ASIAF1",
            "h5",
        ),
        refused(user("grace"), "15:00:00", &role("Admin"), "i1"),
        refused(user("grace"), "15:01:00", &role("Admin"), "i2"),
        token("grace", "15:02:00", "i3", true),
        assume(
            user("grace"),
            "15:03:00",
            &role("Admin"),
            "g",
            "ASIAG1",
            "i4",
        ),
    ]);
    assert_eq!(
        findings(&dir, &["--kind", "refusals-then-success"]),
        format!(
            "{HEADER}384139b67c799508,refusals-then-success,high,\
             arn:aws:iam::{ACCOUNT}:user/frank,\"3 refused attempts (AccessDenied) on 2 roles \
             (Admin, Prod) within 4 min, then AssumeRole into Prod succeeded (a role it had \
             been refused)\",2026-03-03T14:00:00Z,2026-03-03T14:04:00Z,3,h1;h2;h3;h5\n"
        )
    );
}

// ------------------------------------------------------------------------------------------
// Options, formats, threads

#[test]
fn usage_mistakes_are_refused_before_reading() {
    let dir = logs(&lifted());
    for (args, message) in [
        (
            vec!["--kind", "new-edge"],
            "trailmask: error: --kind new-edge needs --baseline-until: new edges are those \
             after a baseline\n",
        ),
        (
            vec!["--baseline-until", "last-week"],
            "trailmask: error: invalid --baseline-until 'last-week': expected RFC 3339 (a time \
             without a zone is UTC), YYYY-MM-DD, YYYY-MM-DDTHH:MM, or an age like 7d, 12h, 30m\n",
        ),
    ] {
        let mut all = vec!["findings"];
        all.extend(args);
        all.push(path_of(&dir));
        let output = run(&all);
        assert_eq!(output.status.code(), Some(2), "{all:?}");
        assert_eq!(stderr(&output), message);
        assert_eq!(stdout(&output), "");
    }
    let output = run(&["findings", "--kind", "juggling", path_of(&dir)]);
    assert_eq!(output.status.code(), Some(2));
    let output = run(&["findings", "--min-refusals", "0", path_of(&dir)]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn kinds_pick_the_findings_and_formats_write_the_same_rows() {
    let mut records = lifted();
    records.extend(returning_chain());
    let dir = logs(&records);
    let all = findings(&dir, &[]);
    assert_eq!(all.lines().count(), 3, "{all}");
    let juggling = findings(&dir, &["--kind", "role-juggling"]);
    assert_eq!(juggling.lines().count(), 2);
    assert!(juggling.lines().nth(1).unwrap().contains(",role-juggling,"));
    let both = findings(
        &dir,
        &["--kind", "role-juggling", "--kind", "session-many-networks"],
    );
    assert_eq!(both, all);
    // The focus picks chains and sessions as everywhere: alice's chain, not EC2's session.
    assert_eq!(findings(&dir, &["--from", "alice"]), juggling);
    assert_eq!(findings(&dir, &["--from", "bob"]), HEADER);
    let ec2 = findings(&dir, &["--from", "ec2.amazonaws.com"]);
    assert_eq!(ec2.lines().count(), 2);
    assert!(ec2.contains(",session-many-networks,high,"), "{ec2}");

    let output = run(&["findings", "-q", "--format", "json", path_of(&dir)]);
    let rows: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        rows[1],
        json!({
            "id": "af8dc6afcc6a7aa5",
            "kind": "role-juggling",
            "severity": "medium",
            "subject": format!("arn:aws:iam::{ACCOUNT}:user/alice"),
            "detail": "returned 2 times to a role already worn on the chain (first: Admin -> \
                       Deployer -> Admin); roles: Admin, Deployer",
            "first_seen": "2026-03-03T10:00:00Z",
            "last_seen": "2026-03-03T10:15:00Z",
            "count": 2,
            "event_ids": ["j1", "j2", "j3"]
        })
    );
    let output = run(&["findings", "-q", "--kind", "role-juggling", path_of(&dir)]);
    let detail = "returned 2 times to a role already worn on the chain (first: Admin -> \
                  Deployer -> Admin); roles: Admin, Deployer";
    assert_eq!(
        stdout(&output),
        format!(
            "ID                KIND           SEVERITY  SUBJECT                               \
             {:<112}  FIRST_SEEN            LAST_SEEN             COUNT  EVENT_IDS\n\
             af8dc6afcc6a7aa5  role-juggling  medium    arn:aws:iam::111122223333:user/alice  \
             {detail}  2026-03-03T10:00:00Z  2026-03-03T10:15:00Z  2      j1;j2;j3\n",
            "DETAIL"
        )
    );
}

#[test]
fn findings_are_the_same_for_any_thread_count() {
    let mut records = lifted();
    records.extend(returning_chain());
    records.extend(two_days());
    let dir = Dir::new();
    // One record per file: the files are read in any order.
    for (i, record) in records.iter().enumerate() {
        dir.write(
            &format!("logs/{i:03}.json"),
            json!({ "Records": [record] }).to_string().as_bytes(),
        );
    }
    let one = findings(&dir, &["-j", "1", "--baseline-until", "2026-03-02"]);
    for threads in ["2", "4", "8"] {
        assert_eq!(
            findings(&dir, &["-j", threads, "--baseline-until", "2026-03-02"]),
            one,
            "-j {threads}"
        );
    }
    // The lifted session, the juggling chain, and five new edges: the pull request's ref, the
    // vendor, EC2 into WebServer, Admin into Deployer and back.
    assert_eq!(one.lines().count(), 8, "{one}");
}

#[test]
fn sample_logs_hold_new_edges_after_their_first_day_and_nothing_else() {
    assert_eq!(findings_in(&repo().join("sample-logs"), &[]), HEADER);
    let edges = findings_in(
        &repo().join("sample-logs"),
        &["--baseline-until", "2020-12-20"],
    );
    let kinds: Vec<&str> = edges
        .lines()
        .skip(1)
        .map(|line| line.split(',').nth(1).unwrap_or_default())
        .collect();
    assert_eq!(kinds, ["new-edge"; 6], "{edges}");
}

/// The generated organization (`generate org`): its juggling chains (sessions putting their
/// own role on again, and chains back into a role) are the chains of truth.json whose path
/// repeats a role, one finding per chain; nothing else is found in it (its services'
/// sessions call from their own addresses, its people from theirs, and its refusals never
/// come three in an hour before a success). A noise guard: a change that finds more there
/// must say why.
#[test]
fn the_organization_juggles_where_its_truth_says_and_nowhere_else() {
    use crate::organization::{org_trail, org_truth};
    use std::collections::BTreeMap;
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    for path in org_truth()["chains"]["paths"].as_array().expect("paths") {
        let roles: Vec<&str> = path["roles"]
            .as_array()
            .expect("roles")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let distinct: std::collections::BTreeSet<&&str> = roles.iter().collect();
        if distinct.len() < roles.len() {
            *expected
                .entry(path["origin"].as_str().unwrap_or_default().to_owned())
                .or_default() += path["count"].as_u64().unwrap_or(0) as usize;
        }
    }
    let out = findings_in(org_trail(), &[]);
    let rows = csv_rows(&out);
    let mut found: BTreeMap<String, usize> = BTreeMap::new();
    for row in &rows[1..] {
        assert_eq!(row[1], "role-juggling", "{row:?}");
        *found.entry(row[3].clone()).or_default() += 1;
    }
    assert_eq!(found, expected);
    assert_eq!(found.values().sum::<usize>(), 25);
}

// ------------------------------------------------------------------------------------------
// Hostile input

/// Two Reader hops at 11:00, each called by the session the other issued: a loop of links.
fn reader_loop() -> [Value; 2] {
    let hop = |key: &str, issued: &str, id: &str| {
        assume(
            session("Reader", "x", key, "11:00:00"),
            "11:00:00",
            &role("Reader"),
            "x",
            issued,
            id,
        )
    };
    [hop("ASIAX2", "ASIAX1", "x1"), hop("ASIAX1", "ASIAX2", "x2")]
}

/// A chain of 4,000 hops Admin -> Deployer -> Admin -> ... all in one second (linked by
/// their keys), two hops whose keys name each other (a cycle of links), and 20,000 refusals of
/// one identity in one second before its success: every walk is bounded, nothing is compared
/// pairwise. Each ends as one finding, its proof cut to 16 event ids.
#[test]
fn a_long_cyclic_chain_and_a_flood_of_refusals_finish() {
    let mut records = vec![assume(
        user("alice"),
        "10:00:00",
        &role("Admin"),
        "h0",
        "ASIAH00000",
        "h00000",
    )];
    for i in 1..4000 {
        let (from, to) = if i % 2 == 1 {
            ("Admin", "Deployer")
        } else {
            ("Deployer", "Admin")
        };
        records.push(assume(
            session(
                from,
                &format!("h{}", i - 1),
                &format!("ASIAH{:05}", i - 1),
                "10:00:00",
            ),
            "10:00:00",
            &role(to),
            &format!("h{i}"),
            &format!("ASIAH{i:05}"),
            &format!("h{i:05}"),
        ));
    }
    records.extend(reader_loop());
    for i in 0..20_000 {
        records.push(refused(
            user("mallory"),
            "12:00:00",
            &role("Admin"),
            &format!("f{i:05}"),
        ));
    }
    records.push(assume(
        user("mallory"),
        "12:00:01",
        &role("Dev"),
        "m",
        "ASIAM1",
        "f99999",
    ));
    let dir = logs(&records);
    let started = std::time::Instant::now();
    let out = findings(
        &dir,
        &["--kind", "role-juggling", "--kind", "refusals-then-success"],
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let ids = |prefix: &str, numbers: &[u32], last: &str| {
        let mut list: Vec<String> = numbers.iter().map(|n| format!("{prefix}{n:05}")).collect();
        list.push(last.to_owned());
        list.join(";")
    };
    assert_eq!(
        out,
        format!(
            "{HEADER}567030f61a675b78,refusals-then-success,high,arn:aws:iam::{ACCOUNT}:user/\
             mallory,\"20000 refused attempts (AccessDenied) on 1 role (Admin) within 1 s, then \
             AssumeRole into Dev succeeded\",2026-03-03T12:00:00Z,2026-03-03T12:00:01Z,20000,\
             {}\n\
             ec602eddfd654012,role-juggling,medium,arn:aws:iam::{ACCOUNT}:user/alice,\
             \"returned 3998 times to a role already worn on the chain (first: Admin -> Deployer \
             -> Admin); roles: Admin, Deployer\",2026-03-03T10:00:00Z,2026-03-03T10:00:00Z,3998,\
             h00000;h00001;h00002\n\
             00de1eab44fde010,role-juggling,medium,arn:aws:sts::{ACCOUNT}:assumed-role/Reader/x,\
             returned once to a role already worn on the chain (first: Reader -> Reader); roles: \
             Reader,2026-03-03T11:00:00Z,2026-03-03T11:00:00Z,1,x1;x2\n",
            ids("f", &(0..15).collect::<Vec<_>>(), "f99999")
        )
    );
}

/// Regression (session 27): a loop of links among same-second hops (each hop called with the
/// key the other issued, as only crafted or clock-skewed records can be) had no row in
/// `chains`, though `events` listed its hops. Every loop is now cut at its earliest hop, which
/// has no parent: it starts a chain whose first hop is not read, from its caller's role, and
/// the loop's other hops and a hop that goes on from it (Audit) follow in time order. The
/// same cut serves `events`, `findings` and the filters.
#[test]
fn a_loop_of_same_second_links_shows_in_chains() {
    let [x1, x2] = reader_loop();
    let records = [
        x1,
        x2,
        assume(
            session("Admin", "a", "ASIAA2", "11:00:00"),
            "11:00:00",
            &role("Deploy"),
            "d",
            "ASIAA1",
            "a1",
        ),
        assume(
            session("Deploy", "d", "ASIAA1", "11:00:00"),
            "11:00:00",
            &role("Admin"),
            "a",
            "ASIAA2",
            "a2",
        ),
        assume(
            session("Admin", "a", "ASIAA2", "11:00:00"),
            "11:05:00",
            &role("Audit"),
            "u",
            "ASIAA3",
            "a3",
        ),
    ];
    let dir = logs(&records);
    for threads in ["1", "2"] {
        let output = run(&[
            "chains",
            "-q",
            "-j",
            threads,
            "--format",
            "csv",
            path_of(&dir),
        ]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let (admin, deploy, reader, audit) =
            (role("Admin"), role("Deploy"), role("Reader"), role("Audit"));
        assert_eq!(
            stdout(&output),
            format!(
                "depth,count,first_seen,last_seen,cross_account_hops,returns,outcome,origin,chain\n\
                 3,1,2026-03-03T11:00:00Z,2026-03-03T11:05:00Z,0,1,success,,[... hops not read ...] -> \
                 {admin} -> {deploy} -> {admin} -> {audit}\n\
                 2,1,2026-03-03T11:00:00Z,2026-03-03T11:00:00Z,0,2,success,,[... hops not read ...] -> \
                 {reader} -> {reader} -> {reader}\n"
            )
        );
    }
    let events = csv_rows(&stdout(&run(&["events", "-q", path_of(&dir)])));
    let parents: Vec<(&str, &str)> = events[1..]
        .iter()
        .map(|row| (row[23].as_str(), row[27].as_str()))
        .collect();
    assert_eq!(
        parents,
        [
            ("a1", ""),
            ("a2", "a1"),
            ("x1", ""),
            ("x2", "x1"),
            ("a3", "a2")
        ],
        "event_id, parent_event_id"
    );
    // Reader put on again by a Reader session is a return on hops read; Admin, worn before
    // a1 by a1's caller, is counted by `chains` (returns 1) but is no finding: the hop that
    // put Admin on is not read, and a finding's proof is hops read.
    let juggling = csv_rows(&findings(&dir, &["--kind", "role-juggling"]));
    let proofs: Vec<&str> = juggling[1..].iter().map(|row| row[8].as_str()).collect();
    assert_eq!(proofs, ["x1;x2"], "{juggling:?}");
}

/// Regression (session 27): a hop logged before the hop that issued its session (clock skew:
/// a key link allows a minute) made a chain row whose first_seen came after its last_seen.
#[test]
fn a_chain_logged_out_of_order_spans_forward() {
    let dir = logs(&[
        assume(
            user("alice"),
            "11:00:40",
            &role("Admin"),
            "s",
            "ASIAK1",
            "p1",
        ),
        assume(
            session("Admin", "s", "ASIAK1", "11:00:40"),
            "11:00:00",
            &role("Deploy"),
            "d",
            "ASIAK2",
            "p2",
        ),
    ]);
    let output = run(&["chains", "-q", "--format", "csv", path_of(&dir)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let alice = format!("arn:aws:iam::{ACCOUNT}:user/alice");
    assert_eq!(
        stdout(&output),
        format!(
            "depth,count,first_seen,last_seen,cross_account_hops,returns,outcome,origin,chain\n\
             2,1,2026-03-03T11:00:00Z,2026-03-03T11:00:40Z,0,0,success,{alice},{alice} -> {} -> {}\n",
            role("Admin"),
            role("Deploy")
        )
    );
}

/// Forty addresses of one outside /24 take one place in the session's list of networks: they
/// cannot push the instance's own network out and hide the lifted key (a list of addresses,
/// the 32 smallest by text, once could).
#[test]
fn many_addresses_of_one_network_do_not_hide_another() {
    let mut records = vec![
        worn(
            "ec2.amazonaws.com",
            "09:00:00",
            &role("WebServer"),
            "i-0abc1234def567890",
            "ASIAINSTANCE",
            "ec2-wears",
        ),
        call(instance(), "09:01:00", "172.31.5.5", "call-vpc"),
    ];
    for i in 1..=40 {
        records.push(call(
            instance(),
            "09:40:00",
            &format!("13.1.1.{i}"),
            &format!("out-{i:02}"),
        ));
    }
    let found = findings(&logs(&records), &["--kind", "session-many-networks"]);
    let rows = csv_rows(&found);
    assert_eq!(rows.len(), 2, "{found}");
    assert!(
        rows[1][4].ends_with("calls from 2 networks: private (1 call), 13.1.1.0/24 (40 calls)"),
        "{}",
        rows[1][4]
    );
}

/// A baseline later than every hop read (`--baseline-until 30d` on an old trail) finds no new
/// edge, and says why.
#[test]
fn a_baseline_after_the_whole_trail_says_so() {
    let output = run(&[
        "findings",
        "-q",
        "--baseline-until",
        "2099-01-01T00:00:00Z",
        "sample-logs",
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stderr(&output),
        "trailmask: no role assumption read after --baseline-until (2099-01-01T00:00:00Z): no \
         edge can be new\n"
    );
}

/// JSON Lines holds the JSON array's rows, one per line.
#[test]
fn jsonl_is_the_json_rows_one_per_line() {
    let args = |format| {
        vec![
            "findings",
            "-q",
            "--baseline-until",
            "2020-12-20",
            "--format",
            format,
            "sample-logs",
        ]
    };
    let array: Value = serde_json::from_str(&stdout(&run(&args("json")))).unwrap();
    let lines: Vec<Value> = stdout(&run(&args("jsonl")))
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(Value::Array(lines), array);
}

/// A new user (session 28): with `--since`, new edges depended on how the logs were laid out.
/// In S3's date folders the days before `--since` were not read, so the baseline lost them and
/// sample-logs' first-day pairs (alice -> Admin, Admin -> Deployer, Lambda -> its role) came
/// out new; a flat copy of the same files was read whole and gave one. A baseline now reads
/// every day up to its end, whatever `--since` says (which still picks what is reported).
#[test]
fn new_edges_do_not_depend_on_the_folders_the_logs_lie_in() {
    let flat = Dir::new();
    let mut stack = vec![repo().join("sample-logs")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_str().unwrap().contains("/AWSLogs/") {
                let name = path.file_name().unwrap().to_str().unwrap();
                flat.write(name, &std::fs::read(&path).unwrap());
            }
        }
    }
    let new_edges = |trail: &Path| {
        let args = ["--since", "2020-12-22", "--baseline-until", "2020-12-21"];
        csv_rows(&findings_in(trail, &args))
            .into_iter()
            .map(|row| format!("{} {}", row[1], row[3]))
            .collect::<Vec<_>>()
    };
    let expected = [
        "kind subject",
        "new-edge arn:aws:iam::111111111111:user/secops -> arn:aws:iam::333333333333:root",
    ];
    assert_eq!(new_edges(&repo().join("sample-logs")), expected);
    assert_eq!(new_edges(flat.root.path()), expected);
}

/// A new user (session 28): triage wants the urgent findings first. `--min-severity` keeps
/// findings of at least a severity, with the ids they have without it.
#[test]
fn min_severity_keeps_the_urgent_findings_with_their_ids() {
    let sample = repo().join("sample-logs");
    let rows = |least: &str| {
        let args = ["--baseline-until", "2020-12-20", "--min-severity", least];
        csv_rows(&findings_in(&sample, &args))
            .into_iter()
            .map(|row| format!("{} {} {}", row[0], row[2], row[3]))
            .collect::<Vec<_>>()
    };
    let all = rows("low");
    assert_eq!(all.len(), 7, "{all:?}");
    let medium = rows("medium");
    assert_eq!(
        medium,
        [
            "id severity subject",
            "e55be735462f73dd medium arn:aws:iam::111111111111:user/secops -> arn:aws:iam::333333333333:root"
        ]
    );
    assert!(all.contains(&medium[1]));
    assert_eq!(rows("high"), ["id severity subject"]);
}

/// Findings of every severity: the lifted instance session (high), alice's returning chain
/// (medium), mallory's search of two roles (high) and ci's retries of one (medium).
fn every_severity() -> Dir {
    let mut records = lifted();
    records.extend(returning_chain());
    records.extend(mallory_search());
    records.extend(ci_retries());
    logs(&records)
}

/// `id kind severity` of each row of `findings -q --format csv ARGS DIR`.
fn ids_kinds_severities(dir: &Dir, args: &[&str]) -> Vec<String> {
    csv_rows(&findings(dir, args))
        .into_iter()
        .skip(1)
        .map(|row| format!("{} {} {}", row[0], row[1], row[2]))
        .collect()
}

/// A new user (session 28): triage reads from the top. The rows come by severity, high
/// first, then by kind; the ids are those each kind alone gives.
#[test]
fn findings_come_most_urgent_first_with_the_ids_of_each_kind_alone() {
    let dir = every_severity();
    let rows = ids_kinds_severities(&dir, &[]);
    assert_eq!(
        rows,
        [
            "76f30d38c695a639 session-many-networks high",
            "5102ac5ec87d8d31 refusals-then-success high",
            "af8dc6afcc6a7aa5 role-juggling medium",
            "705223d1af2a12c6 refusals-then-success medium",
        ]
    );
    let mut alone: Vec<String> = [
        "session-many-networks",
        "role-juggling",
        "refusals-then-success",
    ]
    .into_iter()
    .flat_map(|kind| ids_kinds_severities(&dir, &["--kind", kind]))
    .collect();
    let mut all = rows.clone();
    alone.sort();
    all.sort();
    assert_eq!(all, alone);
}

/// `findings` run with `args` over `dir`: (status, stdout's ids, stderr).
fn gate(dir: &Path, args: &[&str]) -> (Option<i32>, Vec<String>, String) {
    let mut all = vec!["findings", "--format", "csv"];
    all.extend_from_slice(args);
    all.push(dir.to_str().expect("a UTF-8 path"));
    let output = run(&all);
    let ids = csv_rows(&stdout(&output))
        .into_iter()
        .skip(1)
        .map(|row| row[0].clone())
        .collect();
    (output.status.code(), ids, stderr(&output))
}

/// A scheduled job or a pipeline gates on findings: `--fail-on SEVERITY` makes the status 6
/// when a finding of at least that severity is listed, after `--min-severity` and
/// `--ignore`; a failed file does not hide it (6 wins over 1), a usage mistake does.
#[test]
fn fail_on_gives_status_six_when_a_finding_that_severe_is_listed() {
    let dir = every_severity();
    let root = dir.root.path();
    assert_eq!(gate(root, &["-q"]).0, Some(0));
    assert_eq!(gate(root, &["-q", "--fail-on", "high"]).0, Some(6));
    assert_eq!(
        gate(
            root,
            &["-q", "--fail-on", "high", "--kind", "role-juggling"]
        )
        .0,
        Some(0)
    );
    assert_eq!(
        gate(
            root,
            &["-q", "--fail-on", "medium", "--kind", "role-juggling"]
        )
        .0,
        Some(6)
    );
    // Nothing listed, nothing to fail on: --min-severity high leaves only the high ones.
    assert_eq!(
        gate(
            root,
            &[
                "-q",
                "--fail-on",
                "low",
                "--min-severity",
                "high",
                "--kind",
                "role-juggling"
            ]
        )
        .0,
        Some(0)
    );
    // A bad file beside the findings: its line on stderr, and still 6.
    dir.write(
        &format!("AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/2026/03/03/broken.json"),
        b"{\"Records\": [",
    );
    let (status, ids, errors) = gate(root, &["-q", "--fail-on", "high"]);
    assert_eq!(status, Some(6));
    assert_eq!(ids.len(), 4);
    // The bad file's line, then the closing line (-q keeps it when something failed).
    let lines: Vec<&str> = errors.lines().collect();
    assert_eq!(lines.len(), 2, "{errors}");
    assert!(lines[0].contains("broken.json: not valid JSON"), "{errors}");
    assert_eq!(gate(root, &["-q"]).0, Some(1));
    // A usage mistake is 2 whatever the findings.
    assert_eq!(
        gate(root, &["-q", "--fail-on", "high", "--kind", "new-edge"]).0,
        Some(2)
    );
    assert_eq!(gate(root, &["--fail-on", "severe"]).0, Some(2));
}

/// Findings already looked at are left out by id (`--ignore FILE`): comments after an id
/// and on their own lines, blank lines, any case; the count left out is said; a line that
/// is no id (a typo, the wrong file) and a file that cannot be read are usage mistakes that
/// name the file (and line), before anything is read.
#[test]
fn ignore_leaves_out_the_findings_a_file_lists() {
    let dir = every_severity();
    let root = dir.root.path();
    let list = Dir::new();
    let ignore = list.root.path().join("triaged.txt");
    std::fs::write(
        &ignore,
        "# looked at on 2026-03-04\n\n76F30D38C695A639   the web server's own NAT, known\n  \
         5102ac5ec87d8d31\t# mallory: a pen test\nffffffffffffffff-2 not found: harmless\n",
    )
    .expect("write the list");
    let path = ignore.to_str().expect("a UTF-8 path");
    let (status, ids, errors) = gate(root, &["--ignore", path, "--fail-on", "high"]);
    assert_eq!(status, Some(0), "{errors}");
    assert_eq!(ids, ["af8dc6afcc6a7aa5", "705223d1af2a12c6"]);
    assert_eq!(
        errors.lines().next(),
        Some(format!("trailmask: 2 findings left out: {path} lists their ids").as_str()),
        "{errors}"
    );
    assert_eq!(
        gate(root, &["--ignore", path, "--fail-on", "medium", "-q"]).0,
        Some(6)
    );

    for (text, line, word) in [
        ("9d1cfed9b8a9ed7\n", 1, "9d1cfed9b8a9ed7"),
        (
            "# ok\n9d1cfed9b8a9ed7d\nsession-many-networks\n",
            3,
            "session-many-networks",
        ),
        ("9d1cfed9b8a9ed7d-\n", 1, "9d1cfed9b8a9ed7d-"),
        ("9d1cfed9b8a9ed7g\n", 1, "9d1cfed9b8a9ed7g"),
        // Suffixes no id is printed with: they could never match.
        (
            "9d1cfed9b8a9ed7d-2\r\n9d1cfed9b8a9ed7d-1\r\n",
            2,
            "9d1cfed9b8a9ed7d-1",
        ),
        ("9d1cfed9b8a9ed7d-02\n", 1, "9d1cfed9b8a9ed7d-02"),
        ("9d1cfed9b8a9ed7d-0\n", 1, "9d1cfed9b8a9ed7d-0"),
        // Lines end at a lone \r too (the id after one is not taken for a comment).
        ("9d1cfed9b8a9ed7d\rnot-an-id\r", 2, "not-an-id"),
    ] {
        std::fs::write(&ignore, text).expect("write the list");
        let (status, ids, errors) = gate(root, &["--ignore", path]);
        assert_eq!(status, Some(2), "{text:?}");
        assert!(ids.is_empty());
        assert_eq!(
            errors,
            format!(
                "trailmask: error: --ignore {path}:{line}: \"{word}\" is no finding id (16 hex \
                 digits, perhaps with -2, -3...; # starts a comment)\n"
            )
        );
    }
    let missing = list.root.path().join("no-such-list.txt");
    let (status, _, errors) = gate(root, &["--ignore", missing.to_str().unwrap()]);
    assert_eq!(status, Some(2));
    assert!(
        errors.starts_with(&format!(
            "trailmask: error: --ignore {}: ",
            missing.display()
        )),
        "{errors}"
    );
    assert_eq!(errors.lines().count(), 1, "{errors}");
    // An endless file (the wrong path) is refused at its cap, not read into memory.
    let (status, _, errors) = gate(root, &["--ignore", "/dev/zero"]);
    assert_eq!(
        (status, errors.as_str()),
        (
            Some(2),
            "trailmask: error: --ignore /dev/zero: larger than 16 MiB: no list of ids is that \
             long (the wrong file?)\n"
        )
    );
    // Notepad's byte order mark and old Mac line ends; a list that matches nothing is said
    // (a stale list, or the wrong one).
    std::fs::write(
        &ignore,
        "\u{feff}# triaged\r76f30d38c695a639\r5102ac5ec87d8d31\r",
    )
    .expect("write the list");
    let (status, ids, errors) = gate(root, &["-q", "--ignore", path]);
    assert_eq!(status, Some(0), "{errors}");
    assert_eq!(ids, ["af8dc6afcc6a7aa5", "705223d1af2a12c6"]);
    std::fs::write(&ignore, "0123456789abcdef\nfedcba9876543210-2\n").expect("write the list");
    let (status, ids, errors) = gate(root, &["-q", "--ignore", path]);
    assert_eq!((status, ids.len()), (Some(0), 4));
    assert_eq!(
        errors,
        format!("trailmask: no finding left out: none of the 2 ids in {path} was found\n")
    );
    // A team's list and one's own: each says what it names (both name mallory's burst).
    let own = list.root.path().join("mine.txt");
    std::fs::write(&ignore, "76f30d38c695a639\n5102ac5ec87d8d31\n").expect("write the list");
    std::fs::write(&own, "5102ac5ec87d8d31\naf8dc6afcc6a7aa5\n").expect("write the list");
    let own = own.to_str().expect("a UTF-8 path");
    let (status, ids, errors) = gate(root, &["-q", "--ignore", path, "--ignore", own]);
    assert_eq!(
        (status, ids),
        (Some(0), vec!["705223d1af2a12c6".to_owned()])
    );
    assert_eq!(
        errors,
        format!(
            "trailmask: 2 findings left out: {path} lists their ids\n\
             trailmask: 2 findings left out: {own} lists their ids\n"
        )
    );
}

/// A partial holds what was read: `partial findings` takes `--ignore` and `--fail-on` (the
/// Spark driver passes the command's options to every shard) without reading the file,
/// which an executor may not have; the merge applies them.
#[test]
fn a_partial_leaves_ignore_and_fail_on_to_the_merge() {
    let dir = every_severity();
    let work = Dir::new();
    let part = work.root.path().join("part");
    let output = run(&[
        "partial",
        "findings",
        "-q",
        "--ignore",
        "/nonexistent/triaged.txt",
        "--fail-on",
        "low",
        "-o",
        part.to_str().unwrap(),
        path_of(&dir),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let ignore = work.root.path().join("triaged.txt");
    std::fs::write(&ignore, "76f30d38c695a639\n").expect("write the list");
    let args = [
        "-q",
        "--ignore",
        ignore.to_str().unwrap(),
        "--fail-on",
        "high",
    ];
    let from_part = gate(&part, &args);
    assert_eq!(from_part, gate(dir.root.path(), &args));
    assert_eq!(from_part.0, Some(6));
    assert_eq!(from_part.1.len(), 3);
}

/// A red-team's notes (session 30): a list's note counts the findings it names whatever
/// `--min-severity` hides (a hidden finding's id is not stale); an empty list, a list saved as
/// UTF-16 and standard input read as logs too are each said plainly.
#[test]
fn ignore_notes_count_hidden_findings_and_name_odd_lists() {
    let dir = every_severity();
    let root = dir.root.path();
    let list = Dir::new();
    let ignore = list.root.path().join("triaged.txt");
    let path = ignore.to_str().expect("a UTF-8 path");
    // af8dc6afcc6a7aa5 is medium: hidden by --min-severity high, still named.
    std::fs::write(&ignore, "af8dc6afcc6a7aa5\n").expect("write the list");
    let (status, ids, errors) = gate(root, &["-q", "--min-severity", "high", "--ignore", path]);
    assert_eq!(
        (status, ids),
        (
            Some(0),
            vec!["76f30d38c695a639".to_owned(), "5102ac5ec87d8d31".to_owned()]
        )
    );
    assert_eq!(
        errors,
        format!("trailmask: 1 finding left out: {path} lists its id\n")
    );
    std::fs::write(&ignore, "").expect("write the list");
    let (status, ids, errors) = gate(root, &["-q", "--ignore", path]);
    assert_eq!((status, ids.len()), (Some(0), 4));
    assert_eq!(
        errors,
        format!("trailmask: no finding left out: {path} lists no id\n")
    );
    let utf16: Vec<u8> = "\u{feff}af8dc6afcc6a7aa5\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::write(&ignore, utf16).expect("write the list");
    let (status, _, errors) = gate(root, &["-q", "--ignore", path]);
    assert_eq!(
        (status, errors),
        (
            Some(2),
            format!("trailmask: error: --ignore {path}: UTF-16 text, not UTF-8\n")
        )
    );
    std::fs::write(&ignore, gzip(b"af8dc6afcc6a7aa5\n")).expect("write the list");
    let (status, _, errors) = gate(root, &["-q", "--ignore", path]);
    assert_eq!(
        (status, errors),
        (
            Some(2),
            format!(
                "trailmask: error: --ignore {path}: gzip, not a list of ids (the wrong file?)\n"
            )
        )
    );
    for stdin in ["/dev/stdin", "-"] {
        let output = run_in(
            root,
            &["findings", "--ignore", stdin, "-"],
            Some(b"{\"Records\":[]}"),
        );
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(
            stderr(&output),
            format!(
                "trailmask: error: --ignore {stdin}: standard input is read as logs (-), so it \
                 cannot hold the ids too\n"
            )
        );
    }
    // A new user's first hour (session 36): `--ignore -` reads the ids from standard input,
    // as `-` reads logs (it was a file named `-`, not found).
    let (_, listed, _) = gate(root, &["-q"]);
    let mut all = vec!["findings", "-q", "--format", "csv", "--ignore", "-"];
    all.push(root.to_str().expect("a UTF-8 path"));
    let output = run_in(root, &all, Some(format!("{}\n", listed[0]).as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let kept: Vec<String> = csv_rows(&stdout(&output))
        .into_iter()
        .skip(1)
        .map(|row| row[0].clone())
        .collect();
    assert_eq!(kept, listed[1..]);
    // Session 36's review: standard input named twice was read twice, the second time empty.
    let mut twice = vec!["findings", "-q", "--ignore", "-", "--ignore", "/dev/stdin"];
    twice.push(root.to_str().expect("a UTF-8 path"));
    let output = run_in(root, &twice, Some(format!("{}\n", listed[0]).as_bytes()));
    assert_eq!(
        (output.status.code(), stderr(&output)),
        (
            Some(2),
            "trailmask: error: --ignore /dev/stdin: standard input is already read by --ignore -; \
             give it once\n"
                .to_owned()
        )
    );
}

/// A new user and a red-team (session 30): the closing line counts the findings listed and
/// the sessions they were drawn from (the filters' sessions, as `activity` counts them), and
/// the note that no role assumption matched the filters is left out where session findings
/// were listed without one; a baseline's note is left out where no role assumption was kept.
#[test]
fn the_closing_line_counts_the_findings_and_the_sessions_kept() {
    let dir = every_severity();
    let closing = |args: &[&str]| {
        let mut all = vec!["findings", "--format", "csv"];
        all.extend_from_slice(args);
        all.push(path_of(&dir));
        let output = run(&all);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        stderr(&output)
    };
    assert_eq!(
        closing(&[]),
        "trailmask: 1 file read, 0 skipped, 0 failed; 13 role assumptions; 4 role sessions made \
         6 calls; 4 findings\n"
    );
    assert_eq!(
        closing(&["--role", "WebServer"]),
        "trailmask: 1 file read, 0 skipped, 0 failed; 1 role assumption; 1 role session made 3 \
         calls; 1 finding\n"
    );
    assert_eq!(
        closing(&["--role", "NoSuchRole"]),
        "trailmask: no role assumption matched the filters (13 read)\n\
         trailmask: 1 file read, 0 skipped, 0 failed; 0 role assumptions; 0 role sessions made \
         0 calls; 0 findings\n"
    );
    assert_eq!(
        closing(&[
            "--kind",
            "new-edge",
            "--baseline-until",
            "2020-01-01",
            "--role",
            "NoSuchRole"
        ]),
        "trailmask: no role assumption matched the filters (13 read)\n\
         trailmask: 1 file read, 0 skipped, 0 failed; 0 role assumptions; 0 findings\n"
    );
}
