//! `trailmask passrole` (issue 24): who handed which role to which service, read from the
//! calls that carry `iam:PassRole`.
//!
//! - One crafted record per event name of the coverage table (`tests/data/passrole/calls/`,
//!   each beside the exact CSV it gives), and a check that every name of the table has one.
//! - Resolution: instance profiles, refusals, dry runs, service launches, passer origins, worn
//!   counts, roles named by name.
//! - Delivery (duplicate copies, thread counts, file order, input shapes), filters, formats.
//! - Hostile input, the README's copy of the table, and the real trails in ../shared.

use crate::harness::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;

/// The columns of `trailmask passrole`, in order.
const HEADER: &str = "event_time,event_source,event_name,outcome,error_code,passer_kind,passer,\
                      passer_origin,role_arn,role_from,via,service,resource,worn,event_id,log_file";

/// The account every crafted call is made in.
const ACCOUNT: &str = "111122223333";

// ------------------------------------------------------------------------------------------
// Records

fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
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

/// A session of the role `path_and_name` (`ci/Deployer`) named `session`, signing with `key`.
fn session(path_and_name: &str, session: &str, key: &str, created: &str) -> Value {
    let name = path_and_name.rsplit('/').next().unwrap();
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
                "arn": role(path_and_name),
                "accountId": ACCOUNT,
                "userName": name
            },
            "webIdFederationData": {},
            "attributes": {"creationDate": created, "mfaAuthenticated": "false"}
        }
    })
}

/// One API call, as CloudTrail logs it; `time` is `HH:MM:SS` on 2026-03-03.
fn call(
    who: Value,
    time: &str,
    source: &str,
    name: &str,
    request: Value,
    response: Value,
    id: &str,
) -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": who,
        "eventTime": format!("2026-03-03T{time}Z"),
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.10",
        "userAgent": "aws-cli/2.15.30 Python/3.11.8",
        "requestParameters": request,
        "responseElements": response,
        "requestID": format!("req-{id}"),
        "eventID": id,
        "readOnly": false,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management"
    })
}

/// `record` refused: `errorCode`, `errorMessage`, and no response.
fn refused(mut record: Value, code: &str, message: &str) -> Value {
    record["errorCode"] = json!(code);
    record["errorMessage"] = json!(message);
    record["responseElements"] = Value::Null;
    record
}

/// The message of a PassRole refusal: `caller` may not hand `role_arn` over.
fn pass_role_denied(caller: &str, role_arn: &str) -> String {
    format!("User: {caller} is not authorized to perform: iam:PassRole on resource: {role_arn}")
}

/// An `sts:AssumeRole` by `who`, issuing the access key `issued`.
fn assume(
    who: Value,
    time: &str,
    role_arn: &str,
    session_name: &str,
    issued: &str,
    id: &str,
) -> Value {
    let name = role_arn.rsplit('/').next().unwrap();
    call(
        who,
        time,
        "sts.amazonaws.com",
        "AssumeRole",
        json!({"roleArn": role_arn, "roleSessionName": session_name}),
        json!({
            "credentials": {
                "accessKeyId": issued,
                "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLE",
                "expiration": "Mar 3, 2026, 11:00:00 PM"
            },
            "assumedRoleUser": {
                "assumedRoleId": format!("AROAEXAMPLE{}:{session_name}", name.to_ascii_uppercase()),
                "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{session_name}")
            }
        }),
        id,
    )
}

/// A service (`ec2.amazonaws.com`, …) putting on `role_arn` for a session named `session_name`:
/// CloudTrail names the service only in `invokedBy` and writes no `assumedRoleUser`.
fn worn(service: &str, time: &str, role_arn: &str, session_name: &str, id: &str) -> Value {
    let mut record = call(
        json!({"type": "AWSService", "invokedBy": service}),
        time,
        "sts.amazonaws.com",
        "AssumeRole",
        json!({"roleArn": role_arn, "roleSessionName": session_name}),
        json!({"credentials": {"accessKeyId": format!("ASIA{}", id.to_ascii_uppercase())}}),
        id,
    );
    record["sourceIPAddress"] = json!(service);
    record["userAgent"] = json!(service);
    record
}

/// An IAM call on an instance profile.
fn profile_call(time: &str, name: &str, request: Value, id: &str) -> Value {
    call(
        user("admin"),
        time,
        "iam.amazonaws.com",
        name,
        request,
        Value::Null,
        id,
    )
}

/// A RunInstances handing `profile` (`{"name": …}` or `{"arn": …}`) to `instances`.
fn run_instances(who: Value, time: &str, profile: Value, instances: &[&str], id: &str) -> Value {
    let items: Vec<Value> = instances
        .iter()
        .map(|instance| json!({"instanceId": instance, "imageId": "ami-0abcdef1234567890"}))
        .collect();
    call(
        who,
        time,
        "ec2.amazonaws.com",
        "RunInstances",
        json!({
            "instancesSet": {"items": [{"imageId": "ami-0abcdef1234567890", "minCount": 1, "maxCount": 1}]},
            "instanceType": "t3.micro",
            "userData": "<sensitiveDataRemoved>",
            "iamInstanceProfile": profile
        }),
        json!({"reservationId": "r-0123456789abcdef0", "ownerId": ACCOUNT, "instancesSet": {"items": items}}),
        id,
    )
}

/// A CreateFunction20150331 handing `role_arn` to the function `function`.
fn create_function(who: Value, time: &str, function: &str, role_arn: &str, id: &str) -> Value {
    call(
        who,
        time,
        "lambda.amazonaws.com",
        "CreateFunction20150331",
        json!({"functionName": function, "runtime": "python3.12", "role": role_arn, "handler": "app.handler", "environment": {}}),
        json!({
            "functionName": function,
            "functionArn": format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{function}"),
            "role": role_arn,
            "state": "Pending"
        }),
        id,
    )
}

/// bob's chain: as himself he puts on ops/Deployer (a1, 08:00), as that session Lambdas (a2,
/// 08:05), whose session is [`lambdas`].
fn bob_into_lambdas() -> [Value; 2] {
    [
        assume(
            user("bob"),
            "08:00:00",
            &role("ops/Deployer"),
            "bob",
            "ASIAEXAMPLEBOB0001",
            "a1",
        ),
        assume(
            session(
                "ops/Deployer",
                "bob",
                "ASIAEXAMPLEBOB0001",
                "2026-03-03T08:00:00Z",
            ),
            "08:05:00",
            &role("Lambdas"),
            "deploy",
            "ASIAEXAMPLEDEP0002",
            "a2",
        ),
    ]
}

/// The session bob's chain ends in ([`bob_into_lambdas`]) creates the function `resize` (c1,
/// 09:00), which then wears its role (w1, 30 s later).
fn resize_function() -> [Value; 2] {
    [
        create_function(
            lambdas(),
            "09:00:00",
            "resize",
            &role("lambda-resize"),
            "c1",
        ),
        worn(
            "lambda.amazonaws.com",
            "09:00:30",
            &role("lambda-resize"),
            "resize",
            "w1",
        ),
    ]
}

/// The session bob's chain ends in ([`bob_into_lambdas`]).
fn lambdas() -> Value {
    session(
        "Lambdas",
        "deploy",
        "ASIAEXAMPLEDEP0002",
        "2026-03-03T08:05:00Z",
    )
}

/// An S3 delivery file of `records`.
fn trail(records: &[Value]) -> String {
    json!({ "Records": records }).to_string()
}

// ------------------------------------------------------------------------------------------
// Running

/// Runs trailmask in `dir`.
fn run_at(dir: &Path, args: &[&str]) -> Output {
    run_in(dir, args, None)
}

/// `passrole -q` over `records` (one file, `t.json`): its CSV, after checking that it ran
/// cleanly.
fn passrole_of(records: &[Value], args: &[&str]) -> String {
    let dir = Dir::new();
    dir.write("t.json", trail(records).as_bytes());
    let mut all = vec!["passrole", "-q"];
    all.extend_from_slice(args);
    all.push("t.json");
    clean(&run_at(dir.root.path(), &all))
}

/// The stdout of a run that exited 0 with nothing on stderr.
fn clean(output: &Output) -> String {
    assert_eq!(stderr(output), "", "stderr");
    assert_eq!(output.status.code(), Some(0), "exit status");
    stdout(output)
}

/// The `columns` (`a,b,c`) of each row of passrole's CSV `text` (after checking its header),
/// under that line, each row written as `a,b,c` (the crafted values hold no comma).
fn pick(text: &str, columns: &str) -> String {
    let rows = csv_rows(text);
    assert_eq!(rows[0].join(","), HEADER);
    let at: Vec<usize> = columns
        .split(',')
        .map(|c| rows[0].iter().position(|h| h == c).expect("a column"))
        .collect();
    let mut out = format!("{columns}\n");
    for row in &rows[1..] {
        let cells: Vec<&str> = at.iter().map(|&i| row[i].as_str()).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

// ------------------------------------------------------------------------------------------
// 1. One record per entry of the coverage table

/// Where the crafted records of the coverage table are: `calls/<service>/<eventName>.json`
/// (service: the eventSource's first label), each beside `<eventName>.csv`, what
/// `trailmask passrole` gives for it, run from the repository root.
fn calls_dir() -> PathBuf {
    repo().join("tests/data/passrole/calls")
}

/// Every (eventSource, eventName) of the coverage table, read from the Markdown the table
/// renders (`| eventSource | name, name | …`).
fn table_entries() -> Vec<(String, String)> {
    let markdown = trailmask::testing::passrole_coverage_markdown();
    let mut entries = Vec::new();
    for line in markdown.lines().skip(2) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        assert!(cells.len() == 5, "a row of five cells: {line}");
        for name in cells[1].split(", ") {
            entries.push((cells[0].to_owned(), name.to_owned()));
        }
    }
    entries
}

fn fixture(source: &str, name: &str) -> PathBuf {
    let service = source.split('.').next().unwrap();
    calls_dir().join(service).join(format!("{name}.json"))
}

/// Regression guard for the issue's rule "each entry with a test record": a row added to
/// `coverage::CALLS` without a crafted record (and its expected output) fails here.
#[test]
fn every_call_of_the_table_has_a_crafted_record() {
    let entries = table_entries();
    assert!(entries.len() >= 47, "{} entries", entries.len());
    let missing: Vec<String> = entries
        .iter()
        .filter(|(source, name)| {
            let json = fixture(source, name);
            !json.exists() || !json.with_extension("csv").exists()
        })
        .map(|(source, name)| format!("{source} {name}"))
        .collect();
    assert!(
        missing.is_empty(),
        "no crafted record (tests/data/passrole/calls/SERVICE/NAME.json and .csv) for: {missing:?}"
    );
    // And no record for a call the table no longer has.
    let mut stale = Vec::new();
    for service in std::fs::read_dir(calls_dir()).unwrap() {
        for file in std::fs::read_dir(service.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            let known = entries.iter().any(|(source, name)| {
                fixture(source, name) == path || fixture(source, name).with_extension("csv") == path
            });
            if !known {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(stale.is_empty(), "records of no table entry: {stale:?}");
}

/// Each crafted record gives exactly the rows beside it, and at least one row of its own call
/// (a record the table does not read would otherwise pass with an empty expectation).
/// `TRAILMASK_BLESS=1` rewrites the expected files (then read every changed row).
#[test]
fn every_crafted_record_gives_its_rows() {
    let bless = std::env::var_os("TRAILMASK_BLESS").is_some();
    let mut failures = Vec::new();
    for (source, name) in table_entries() {
        let json = fixture(&source, &name);
        let rel = json
            .strip_prefix(repo())
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let actual = clean(&run(&["passrole", "-q", &rel]));
        let csv = json.with_extension("csv");
        if bless {
            std::fs::write(&csv, &actual).unwrap();
        }
        let expected = std::fs::read_to_string(&csv).unwrap_or_default();
        if actual != expected {
            failures.push(format!("{rel}:\nexpected:\n{expected}actual:\n{actual}"));
            continue;
        }
        let rows = csv_rows(&actual);
        assert_eq!(rows[0].join(","), HEADER);
        assert!(rows.len() > 1, "{rel}: no row");
        for row in &rows[1..] {
            assert_eq!(
                (row[1].as_str(), row[2].as_str()),
                (source.as_str(), name.as_str()),
                "{rel}"
            );
            assert_eq!(row[3], "success", "{rel}");
            assert!(!row[12].is_empty(), "{rel}: no resource");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ------------------------------------------------------------------------------------------
// 2. Resolution

/// The instance-profile story: IAM's profile calls, the instance's own session, another
/// hand-over of the same profile, a profile nobody resolves, a profile named like a role it
/// does not hold, a role swapped in the profile between two launches, a dry run and a launch
/// made by Auto Scaling.
fn profile_story() -> Vec<Value> {
    let alice = user("alice");
    vec![
        profile_call(
            "08:00:00",
            "CreateInstanceProfile",
            json!({"instanceProfileName": "WebProfile", "path": "/web/"}),
            "p1",
        ),
        profile_call(
            "08:01:00",
            "AddRoleToInstanceProfile",
            json!({"instanceProfileName": "WebProfile", "roleName": "WebServerRole"}),
            "p2",
        ),
        run_instances(
            alice.clone(),
            "09:00:00",
            json!({"arn": format!("arn:aws:iam::{ACCOUNT}:instance-profile/web/WebProfile")}),
            &["i-0web1"],
            "r1",
        ),
        worn(
            "ec2.amazonaws.com",
            "09:01:00",
            &role("WebServerRole"),
            "i-0web1",
            "s1",
        ),
        // Another instance on the same role: not r1's.
        worn(
            "ec2.amazonaws.com",
            "09:02:00",
            &role("WebServerRole"),
            "i-0other",
            "s2",
        ),
        profile_call(
            "10:00:00",
            "RemoveRoleFromInstanceProfile",
            json!({"instanceProfileName": "WebProfile", "roleName": "WebServerRole"}),
            "p3",
        ),
        profile_call(
            "10:01:00",
            "AddRoleToInstanceProfile",
            json!({"instanceProfileName": "WebProfile", "roleName": "AppServerRole"}),
            "p4",
        ),
        run_instances(
            alice.clone(),
            "10:05:00",
            json!({"name": "WebProfile"}),
            &["i-0web2"],
            "r2",
        ),
        worn(
            "ec2.amazonaws.com",
            "10:06:00",
            &role("AppServerRole"),
            "i-0web2",
            "s3",
        ),
        // No IAM call for BuildProfile: the instance's first session says.
        run_instances(
            alice.clone(),
            "11:00:00",
            json!({"name": "BuildProfile"}),
            &["i-0build1"],
            "r3",
        ),
        worn(
            "ec2.amazonaws.com",
            "11:01:00",
            &role("ci/BuildAgent"),
            "i-0build1",
            "s4",
        ),
        // ... and this hand-over of the same profile, whose instance was never seen, learns it
        // from r3.
        call(
            alice.clone(),
            "12:00:00",
            "ec2.amazonaws.com",
            "AssociateIamInstanceProfile",
            json!({"AssociateIamInstanceProfileRequest": {"InstanceId": "i-0build2", "IamInstanceProfile": {"Name": "BuildProfile"}}}),
            json!({"AssociateIamInstanceProfileResponse": {"requestId": "x", "iamInstanceProfileAssociation": {"associationId": "iip-assoc-1", "instanceId": "i-0build2", "state": "associating"}}}),
            "r4",
        ),
        // Nobody says which role GhostProfile holds.
        run_instances(
            alice.clone(),
            "13:00:00",
            json!({"name": "GhostProfile"}),
            &["i-0ghost"],
            "r5",
        ),
        // A profile named like a role worn in the logs, by an instance that is not r6's:
        // the names say nothing.
        run_instances(
            alice.clone(),
            "13:30:00",
            json!({"name": "Reporting"}),
            &["i-0rep"],
            "r6",
        ),
        worn(
            "ec2.amazonaws.com",
            "13:31:00",
            &role("Reporting"),
            "i-0unrelated",
            "s5",
        ),
        // A dry run hands nothing over.
        refused(
            run_instances(
                alice.clone(),
                "14:00:00",
                json!({"name": "WebProfile"}),
                &[],
                "r7",
            ),
            "Client.DryRunOperation",
            "Request would have succeeded, but DryRun flag is set.",
        ),
        // Auto Scaling launching from a template: the profile only in the response, PassRole
        // was checked when the group was made.
        {
            let mut launch = call(
                json!({
                    "type": "AssumedRole",
                    "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling"),
                    "accountId": ACCOUNT,
                    "sessionContext": {"sessionIssuer": {"type": "Role", "arn": role("aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling")}},
                    "invokedBy": "autoscaling.amazonaws.com"
                }),
                "14:10:00",
                "ec2.amazonaws.com",
                "RunInstances",
                json!({"instancesSet": {"items": [{"minCount": 1, "maxCount": 1}]}, "launchTemplate": {"launchTemplateId": "lt-0123456789abcdef0", "version": "3"}}),
                json!({"instancesSet": {"items": [{"instanceId": "i-0asg1", "iamInstanceProfile": {"arn": format!("arn:aws:iam::{ACCOUNT}:instance-profile/web/WebProfile"), "id": "AIPAEXAMPLE"}}]}}),
                "r8",
            );
            launch["sourceIPAddress"] = json!("autoscaling.amazonaws.com");
            launch
        },
    ]
}

#[test]
fn instance_profiles_are_resolved_to_their_roles() {
    let out = passrole_of(&profile_story(), &[]);
    // r2 names WebProfile by name, so its `via` lacks the path r1's ARN shows (reported: a
    // profile has no one spelling yet, as a role has). No row for the dry run (r7) nor for
    // Auto Scaling's launch (r8).
    assert_eq!(
        pick(
            &out,
            "event_id,event_name,role_arn,role_from,via,resource,worn"
        ),
        format!(
            "event_id,event_name,role_arn,role_from,via,resource,worn\n\
             r1,RunInstances,{web},profile-calls,arn:aws:iam::{ACCOUNT}:instance-profile/web/WebProfile,i-0web1,1\n\
             r2,RunInstances,{app},profile-calls,arn:aws:iam::{ACCOUNT}:instance-profile/WebProfile,i-0web2,1\n\
             r3,RunInstances,{build},instance-session,arn:aws:iam::{ACCOUNT}:instance-profile/BuildProfile,i-0build1,1\n\
             r4,AssociateIamInstanceProfile,{build},same-profile,arn:aws:iam::{ACCOUNT}:instance-profile/BuildProfile,i-0build2,0\n\
             r5,RunInstances,,,arn:aws:iam::{ACCOUNT}:instance-profile/GhostProfile,i-0ghost,0\n\
             r6,RunInstances,,,arn:aws:iam::{ACCOUNT}:instance-profile/Reporting,i-0rep,0\n",
            web = role("WebServerRole"),
            app = role("AppServerRole"),
            build = role("ci/BuildAgent"),
        )
    );
    // The whole first row, once.
    assert_eq!(
        out.lines().nth(1).unwrap(),
        format!(
            "2026-03-03T09:00:00Z,ec2.amazonaws.com,RunInstances,success,,iam-user,\
             arn:aws:iam::{ACCOUNT}:user/alice,arn:aws:iam::{ACCOUNT}:user/alice,{},profile-calls,\
             arn:aws:iam::{ACCOUNT}:instance-profile/web/WebProfile,ec2.amazonaws.com,i-0web1,1,r1,t.json",
            role("WebServerRole")
        )
    );
}

/// Regression: a profile named by ARN (with its path, `instance-profile/ci/BuildProfile`) and
/// by bare name (`BuildProfile`) in two calls is one profile (IAM names are unique per account
/// whatever the path), so the second learns its role from the first (`same-profile`). Before,
/// resolution matched the two spellings as text and left the second unresolved.
#[test]
fn a_profile_named_by_arn_and_by_name_is_one_profile() {
    let alice = user("alice");
    let out = passrole_of(
        &[
            run_instances(
                alice.clone(),
                "11:00:00",
                json!({"name": "BuildProfile"}),
                &["i-0build1"],
                "r1",
            ),
            worn(
                "ec2.amazonaws.com",
                "11:01:00",
                &role("ci/BuildAgent"),
                "i-0build1",
                "s1",
            ),
            call(
                alice,
                "12:00:00",
                "ec2.amazonaws.com",
                "AssociateIamInstanceProfile",
                json!({"AssociateIamInstanceProfileRequest": {"InstanceId": "i-0build2",
                    "IamInstanceProfile": {"Arn": format!("arn:aws:iam::{ACCOUNT}:instance-profile/ci/BuildProfile")}}}),
                Value::Null,
                "r2",
            ),
        ],
        &[],
    );
    assert_eq!(
        pick(&out, "event_id,role_arn,role_from,via,resource"),
        format!(
            "event_id,role_arn,role_from,via,resource\n\
             r1,{build},instance-session,arn:aws:iam::{ACCOUNT}:instance-profile/BuildProfile,i-0build1\n\
             r2,{build},same-profile,arn:aws:iam::{ACCOUNT}:instance-profile/ci/BuildProfile,i-0build2\n",
            build = role("ci/BuildAgent"),
        )
    );
}

/// A profile's role is the one it held at the call, whatever the case of its name: a role
/// added later is not it (the nearest resolved call of the profile then says), a refused IAM
/// call changes nothing, removing a role the profile does not hold changes nothing.
#[test]
fn a_profile_holds_the_role_of_its_time() {
    let launch = |time: &str, profile: &str, instance: &str, id: &str| {
        run_instances(
            user("alice"),
            time,
            json!({"name": profile}),
            &[instance],
            id,
        )
    };
    let edit = |time: &str, name: &str, role_name: &str, id: &str| {
        profile_call(
            time,
            name,
            json!({"instanceProfileName": "web-profile", "roleName": role_name}),
            id,
        )
    };
    let out = passrole_of(
        &[
            launch("08:00:00", "Web-Profile", "i-01", "r1"),
            edit("08:30:00", "AddRoleToInstanceProfile", "First", "p1"),
            launch("09:00:00", "WEB-PROFILE", "i-02", "r2"),
            profile_call(
                "09:30:00",
                "DeleteInstanceProfile",
                json!({"instanceProfileName": "web-profile"}),
                "p2",
            ),
            profile_call(
                "09:31:00",
                "CreateInstanceProfile",
                json!({"instanceProfileName": "web-profile"}),
                "p3",
            ),
            edit("09:40:00", "AddRoleToInstanceProfile", "Second", "p4"),
            refused(
                edit("09:50:00", "AddRoleToInstanceProfile", "Third", "p5"),
                "AccessDenied",
                "User: arn:aws:iam::111122223333:user/admin is not authorized to perform: iam:AddRoleToInstanceProfile",
            ),
            launch("10:00:00", "web-profile", "i-03", "r3"),
            edit("10:30:00", "RemoveRoleFromInstanceProfile", "First", "p6"),
            launch("12:00:00", "web-profile", "i-04", "r4"),
        ],
        &[],
    );
    assert_eq!(
        pick(&out, "event_id,role_arn,role_from"),
        format!(
            "event_id,role_arn,role_from\n\
             r1,{first},same-profile\n\
             r2,{first},profile-calls\n\
             r3,{second},profile-calls\n\
             r4,{second},profile-calls\n",
            first = role("First"),
            second = role("Second"),
        )
    );
}

#[test]
fn refusals_name_the_role_in_their_message() {
    let deployer = || {
        session(
            "ci/Deployer",
            "ci",
            "ASIAEXAMPLEDEPLOY1",
            "2026-03-03T08:00:00Z",
        )
    };
    let lambda_message = format!(
        "{} because no identity-based policy allows the iam:PassRole action",
        pass_role_denied(
            &format!("arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/ci"),
            &role("Admin")
        )
    );
    let out = passrole_of(
        &[
            // The request not logged at all.
            refused(
                call(
                    deployer(),
                    "09:00:00",
                    "lambda.amazonaws.com",
                    "CreateFunction20150331",
                    Value::Null,
                    Value::Null,
                    "f1",
                ),
                "AccessDenied",
                &lambda_message,
            ),
            // The request logged, naming the role by ARN.
            refused(
                create_function(deployer(), "09:01:00", "f2", &role("Admin"), "f2"),
                "AccessDeniedException",
                &lambda_message,
            ),
            // EC2's form, behind a profile.
            refused(
                run_instances(
                    deployer(),
                    "09:02:00",
                    json!({"name": "AdminProfile"}),
                    &[],
                    "f3",
                ),
                "Client.UnauthorizedOperation",
                &format!(
                    "You are not authorized to perform this operation. User: arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/ci \
                     is not authorized to perform: iam:PassRole on resource: {} because no identity-based policy allows \
                     the iam:PassRole action. Encoded authorization failure message: T-kSWIRFn32_fxSgyNzoE36avE5lRaRniAjDs",
                    role("ops/WebAdmin")
                ),
            ),
            // EC2's older form: the reason only in the encoded blob.
            refused(
                run_instances(
                    deployer(),
                    "09:03:00",
                    json!({"name": "OldFormProfile"}),
                    &[],
                    "f4",
                ),
                "Client.UnauthorizedOperation",
                "You are not authorized to perform this operation. Encoded authorization failure message: T-kSWIRFn32_fxSgyNzoE36",
            ),
            // Refused for another action than PassRole: the resource in the message is no role.
            refused(
                run_instances(
                    deployer(),
                    "09:04:00",
                    json!({"name": "OtherProfile"}),
                    &[],
                    "f5",
                ),
                "Client.UnauthorizedOperation",
                &format!(
                    "You are not authorized to perform this operation. User: arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/ci \
                     is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:{ACCOUNT}:instance/* \
                     because no identity-based policy allows the ec2:RunInstances action. Encoded authorization failure message: x"
                ),
            ),
            // A role the request names by name, the message by ARN with its path: one row.
            refused(
                call(
                    deployer(),
                    "09:05:00",
                    "glue.amazonaws.com",
                    "CreateJob",
                    json!({"name": "etl", "role": "GlueAdmin", "command": {"name": "glueetl"}}),
                    Value::Null,
                    "f6",
                ),
                "AccessDeniedException",
                &format!(
                    "User: arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/ci is not authorized to perform: iam:PassRole \
                     on resource: {} with an explicit deny in an identity-based policy",
                    role("service-role/GlueAdmin")
                ),
            ),
            // Two roles in the request, one refused: the other is still a (failed) hand-over.
            refused(
                call(
                    deployer(),
                    "09:06:00",
                    "ecs.amazonaws.com",
                    "RegisterTaskDefinition",
                    json!({"family": "api", "taskRoleArn": role("Admin"), "executionRoleArn": role("ecsTaskExecutionRole")}),
                    Value::Null,
                    "f7",
                ),
                "AccessDeniedException",
                &lambda_message,
            ),
            // The older form again, with the profile whose role f3's message named.
            refused(
                run_instances(
                    deployer(),
                    "09:07:00",
                    json!({"name": "AdminProfile"}),
                    &[],
                    "f8",
                ),
                "Client.UnauthorizedOperation",
                "You are not authorized to perform this operation. Encoded authorization failure message: T-kSWIRFn32_fxSgyNzoE36",
            ),
        ],
        &[],
    );
    let profile = format!("arn:aws:iam::{ACCOUNT}:instance-profile/AdminProfile");
    let old_form = format!("arn:aws:iam::{ACCOUNT}:instance-profile/OldFormProfile");
    let other = format!("arn:aws:iam::{ACCOUNT}:instance-profile/OtherProfile");
    assert_eq!(
        pick(
            &out,
            "event_id,outcome,error_code,role_arn,role_from,via,service,resource,worn"
        ),
        format!(
            "event_id,outcome,error_code,role_arn,role_from,via,service,resource,worn\n\
             f1,failure,AccessDenied,{admin},error-message,,lambda.amazonaws.com,,0\n\
             f2,failure,AccessDeniedException,{admin},error-message,,lambda.amazonaws.com,f2,0\n\
             f3,failure,Client.UnauthorizedOperation,{web_admin},error-message,{profile},ec2.amazonaws.com,,0\n\
             f4,failure,Client.UnauthorizedOperation,,,{old_form},ec2.amazonaws.com,,0\n\
             f5,failure,Client.UnauthorizedOperation,,,{other},ec2.amazonaws.com,,0\n\
             f6,failure,AccessDeniedException,{glue_admin},error-message,,glue.amazonaws.com,etl,0\n\
             f7,failure,AccessDeniedException,{admin},error-message,,ecs-tasks.amazonaws.com,api,0\n\
             f7,failure,AccessDeniedException,{execution},request,,ecs-tasks.amazonaws.com,api,0\n\
             f8,failure,Client.UnauthorizedOperation,{web_admin},same-profile,{profile},ec2.amazonaws.com,,0\n",
            admin = role("Admin"),
            web_admin = role("ops/WebAdmin"),
            glue_admin = role("service-role/GlueAdmin"),
            execution = role("ecsTaskExecutionRole"),
        )
    );
}

/// The passer's chain: bob → Deployer → Lambdas, whose session creates the function: bob
/// handed the role over. The function's sessions (named after it) wore it twice since.
#[test]
fn the_passer_origin_and_the_sessions_that_wore_the_role() {
    let [a1, a2] = bob_into_lambdas();
    let [c1, w1] = resize_function();
    let records = [
        a1,
        a2,
        // Before the call (beyond the clock slack): not for this hand-over.
        worn(
            "lambda.amazonaws.com",
            "08:30:00",
            &role("lambda-resize"),
            "resize",
            "w0",
        ),
        c1,
        w1,
        worn(
            "lambda.amazonaws.com",
            "10:00:00",
            &role("lambda-resize"),
            "resize",
            "w2",
        ),
        // Another function on the same role.
        worn(
            "lambda.amazonaws.com",
            "10:01:00",
            &role("lambda-resize"),
            "thumbs",
            "w3",
        ),
        // The same session name by another service.
        worn(
            "ec2.amazonaws.com",
            "10:02:00",
            &role("lambda-resize"),
            "resize",
            "w4",
        ),
        // A refused assumption wore nothing.
        refused(
            worn(
                "lambda.amazonaws.com",
                "10:03:00",
                &role("lambda-resize"),
                "resize",
                "w5",
            ),
            "AccessDenied",
            "not allowed",
        ),
        // CloudFormation names its sessions after nothing: every session on the role counts.
        worn(
            "cloudformation.amazonaws.com",
            "10:30:00",
            &role("cfn/StackRole"),
            "AWSCloudFormation",
            "w6",
        ),
        call(
            user("alice"),
            "11:00:00",
            "cloudformation.amazonaws.com",
            "CreateStack",
            json!({"stackName": "app", "templateURL": "https://s3.amazonaws.com/t/app.yaml", "roleARN": role("cfn/StackRole")}),
            json!({"stackId": format!("arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/app/1")}),
            "c2",
        ),
        worn(
            "cloudformation.amazonaws.com",
            "11:00:10",
            &role("cfn/StackRole"),
            "AWSCloudFormation",
            "w7",
        ),
        worn(
            "cloudformation.amazonaws.com",
            "12:00:00",
            &role("cfn/StackRole"),
            "AWSCloudFormation",
            "w8",
        ),
        // EC2: sessions named after the instance.
        run_instances(
            user("carol"),
            "13:00:00",
            json!({"name": "NodeProfile"}),
            &["i-0n1", "i-0n2"],
            "c3",
        ),
        worn(
            "ec2.amazonaws.com",
            "13:01:00",
            &role("NodeRole"),
            "i-0n1",
            "w9",
        ),
        worn(
            "ec2.amazonaws.com",
            "13:02:00",
            &role("NodeRole"),
            "i-0n2",
            "w10",
        ),
        worn(
            "ec2.amazonaws.com",
            "14:01:00",
            &role("NodeRole"),
            "i-0n1",
            "w11",
        ),
        worn(
            "ec2.amazonaws.com",
            "14:02:00",
            &role("NodeRole"),
            "i-0n3",
            "w12",
        ),
    ];
    let out = passrole_of(&records, &[]);
    assert_eq!(
        pick(
            &out,
            "event_id,passer_kind,passer,passer_origin,role_arn,role_from,resource,worn"
        ),
        format!(
            "event_id,passer_kind,passer,passer_origin,role_arn,role_from,resource,worn\n\
             c1,assumed-role,arn:aws:sts::{ACCOUNT}:assumed-role/Lambdas/deploy,arn:aws:iam::{ACCOUNT}:user/bob,{resize},request,arn:aws:lambda:us-east-1:{ACCOUNT}:function:resize,2\n\
             c2,iam-user,arn:aws:iam::{ACCOUNT}:user/alice,arn:aws:iam::{ACCOUNT}:user/alice,{stack},request,arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/app/1,2\n\
             c3,iam-user,arn:aws:iam::{ACCOUNT}:user/carol,arn:aws:iam::{ACCOUNT}:user/carol,{node},instance-session,i-0n1;i-0n2,3\n",
            resize = role("lambda-resize"),
            stack = role("cfn/StackRole"),
            node = role("NodeRole"),
        )
    );
}

/// Roles given by name (Glue, EMR) become ARNs in the call's account, spelled as the logs
/// spell the role (with its path) when a session of it is seen; an EMR instance profile named
/// like a role is still only a profile.
#[test]
fn roles_named_by_name_become_arns_in_the_calls_account() {
    let alice = user("alice");
    let glue_role = role("service-role/AWSGlueServiceRole");
    let mut emr = call(
        session(
            "EmrAdmin",
            "alice",
            "ASIAEXAMPLEEMR0001",
            "2026-03-03T08:00:00Z",
        ),
        "09:00:00",
        "elasticmapreduce.amazonaws.com",
        "RunJobFlow",
        json!({"name": "nightly", "serviceRole": "EMR_DefaultRole", "jobFlowRole": "EMR_EC2_DefaultRole", "autoScalingRole": "EMR_AutoScaling_DefaultRole"}),
        json!({"jobFlowId": "j-1ABCDEFGHIJKL"}),
        "e1",
    );
    // Made in another account than the caller's (a role the caller's account can reach):
    // the roles named are the call's account's.
    emr["recipientAccountId"] = json!("444455556666");
    let out = passrole_of(
        &[
            call(
                alice.clone(),
                "08:00:00",
                "glue.amazonaws.com",
                "CreateJob",
                json!({"name": "etl", "role": "AWSGlueServiceRole"}),
                json!({"name": "etl"}),
                "g1",
            ),
            call(
                alice.clone(),
                "08:10:00",
                "glue.amazonaws.com",
                "CreateCrawler",
                json!({"name": "raw", "role": "service-role/awsglueservicerole"}),
                Value::Null,
                "g2",
            ),
            call(
                alice.clone(),
                "08:20:00",
                "glue.amazonaws.com",
                "UpdateJob",
                json!({"jobName": "etl", "jobUpdate": {"role": "GlueOther"}}),
                Value::Null,
                "g3",
            ),
            worn(
                "glue.amazonaws.com",
                "08:30:00",
                &glue_role,
                "GlueJobRunnerSession",
                "w1",
            ),
            emr,
            worn(
                "ec2.amazonaws.com",
                "09:05:00",
                "arn:aws:iam::444455556666:role/EMR_EC2_DefaultRole",
                "i-0emr1",
                "w2",
            ),
        ],
        &[],
    );
    assert_eq!(
        pick(&out, "event_id,role_arn,role_from,via,service,worn"),
        format!(
            "event_id,role_arn,role_from,via,service,worn\n\
             g1,{glue_role},request,,glue.amazonaws.com,1\n\
             g2,{glue_role},request,,glue.amazonaws.com,1\n\
             g3,{other},request,,glue.amazonaws.com,0\n\
             e1,,,arn:aws:iam::444455556666:instance-profile/EMR_EC2_DefaultRole,ec2.amazonaws.com,0\n\
             e1,arn:aws:iam::444455556666:role/EMR_AutoScaling_DefaultRole,request,,application-autoscaling.amazonaws.com,0\n\
             e1,arn:aws:iam::444455556666:role/EMR_DefaultRole,request,,elasticmapreduce.amazonaws.com,0\n",
            other = role("GlueOther"),
        )
    );
}

/// A red-team's pass (session 36), each case a hand-over read wrong before:
/// - EMR's RunJobFlow refused the role it names as its service role: the refusal is that
///   row's, not the instance profile's (whose role, unknown, then spread to a later launch of
///   the profile as `same-profile`);
/// - a role named by name by a service (CloudFormation making a Glue job) in `cn-north-1` lies
///   in `aws-cn`, the partition of the call's Region (it was `arn:aws:`);
/// - a session whose chain began before the logs read hands a role over: its origin is the
///   chain's start as `activity` and `chains` write it (it was empty), and `--from` matches
///   the role that began it; a session whose own hop is not read is matched by its role.
#[test]
fn refusals_partitions_and_unread_chain_starts_of_hand_overs() {
    let bob = user("bob");
    let emr = refused(
        call(
            bob.clone(),
            "09:00:00",
            "elasticmapreduce.amazonaws.com",
            "RunJobFlow",
            json!({"name": "nightly", "serviceRole": "EMR_DefaultRole", "jobFlowRole": "EMR_EC2_DefaultRole"}),
            Value::Null,
            "e1",
        ),
        "AccessDeniedException",
        &pass_role_denied(
            &format!("arn:aws:iam::{ACCOUNT}:user/bob"),
            &role("EMR_DefaultRole"),
        ),
    );
    let launch = run_instances(
        bob.clone(),
        "09:10:00",
        json!({"name": "EMR_EC2_DefaultRole"}),
        &["i-0emr"],
        "r1",
    );
    let out = passrole_of(&[emr, launch], &[]);
    assert_eq!(
        pick(&out, "event_id,outcome,role_arn,role_from,via,service"),
        format!(
            "event_id,outcome,role_arn,role_from,via,service\n\
             e1,failure,,,{profile},ec2.amazonaws.com\n\
             e1,failure,{service_role},error-message,,elasticmapreduce.amazonaws.com\n\
             r1,success,,,{profile},ec2.amazonaws.com\n",
            profile = format!("arn:aws:iam::{ACCOUNT}:instance-profile/EMR_EC2_DefaultRole"),
            service_role = role("EMR_DefaultRole"),
        )
    );

    // A role two fields name, by its ARN and by its name, is refused in both rows (session
    // 36's review: only the first was pinned).
    let task = refused(
        call(
            bob.clone(),
            "09:20:00",
            "ecs.amazonaws.com",
            "RegisterTaskDefinition",
            json!({"family": "web", "taskRoleArn": role("TaskRole"), "executionRoleArn": "TaskRole"}),
            Value::Null,
            "t1",
        ),
        "AccessDeniedException",
        &pass_role_denied(
            &format!("arn:aws:iam::{ACCOUNT}:user/bob"),
            &role("TaskRole"),
        ),
    );
    assert_eq!(
        pick(&passrole_of(&[task], &[]), "event_id,role_arn,role_from"),
        format!(
            "event_id,role_arn,role_from\n\
             t1,{task_role},error-message\n\
             t1,{task_role},error-message\n",
            task_role = role("TaskRole"),
        )
    );

    let mut glue = call(
        json!({"type": "AWSService", "invokedBy": "cloudformation.amazonaws.com"}),
        "10:00:00",
        "glue.amazonaws.com",
        "CreateJob",
        json!({"name": "etl", "role": "GlueRole"}),
        json!({"name": "etl"}),
        "g1",
    );
    glue["awsRegion"] = json!("cn-north-1");
    let out = passrole_of(&[glue], &[]);
    assert_eq!(
        pick(&out, "event_id,passer,role_arn"),
        format!(
            "event_id,passer,role_arn\n\
             g1,cloudformation.amazonaws.com,arn:aws-cn:iam::{ACCOUNT}:role/GlueRole\n"
        )
    );

    // RX's session (its own hop not read) puts on Deployer, whose session makes a function.
    let rx = session("RX", "sx", "ASIAEXAMPLERX00001", "2026-03-03T07:00:00Z");
    let deployer = session(
        "Deployer",
        "dep",
        "ASIAEXAMPLEDEP0001",
        "2026-03-03T08:00:00Z",
    );
    let hop = assume(
        rx,
        "08:00:00",
        &role("Deployer"),
        "dep",
        "ASIAEXAMPLEDEP0001",
        "a1",
    );
    let function = create_function(deployer, "08:05:00", "fn", &role("FnRole"), "c1");
    let rows = |records: &[Value], args: &[&str]| {
        pick(&passrole_of(records, args), "event_id,passer_origin")
    };
    let with_hop = format!(
        "event_id,passer_origin\n\
         c1,[... hops not read ...] -> {}\n",
        role("RX")
    );
    let both = [hop, function.clone()];
    assert_eq!(rows(&both, &[]), with_hop);
    assert_eq!(rows(&both, &["--from", "RX"]), with_hop);
    // As `chains --from` matches such a chain: by its earliest caller too (a review's).
    assert_eq!(rows(&both, &["--from", "sx"]), with_hop);
    let session_arn = format!("arn:aws:sts::{ACCOUNT}:assumed-role/RX/sx");
    assert_eq!(rows(&both, &["--from", &session_arn]), with_hop);
    assert_eq!(rows(&both, &["--source", "RX"]), with_hop);
    // And by its start as printed, given back as written (a review's, session 37).
    let printed = format!("[... hops not read ...] -> {}", role("RX"));
    assert_eq!(rows(&both, &["--from", &printed]), with_hop);
    assert_eq!(rows(&both, &["--from", &printed.to_uppercase()]), with_hop);
    let no_hop = "event_id,passer_origin\nc1,\n";
    assert_eq!(
        rows(std::slice::from_ref(&function), &["--from", "*Deployer"]),
        no_hop
    );
    assert_eq!(
        rows(std::slice::from_ref(&function), &["--from", "dep"]),
        no_hop
    );
    let dir = Dir::new();
    dir.write("t.json", trail(&[function]).as_bytes());
    let other = run_at(dir.root.path(), &["passrole", "--from", "RX", "t.json"]);
    assert_eq!(
        (stdout(&other), stderr(&other)),
        (
            format!("{HEADER}\n"),
            "trailmask: no hand-over matched the filters (1 read)\n\
             trailmask: 1 file read, 0 skipped, 0 failed; 0 role assumptions; 0 hand-overs\n"
                .to_owned()
        )
    );
}

// ------------------------------------------------------------------------------------------
// 3. Delivery, filters, formats

/// A small trail: bob's chain into Lambdas, whose session creates a function; alice's launch
/// behind a profile IAM resolves; the function and the instance wearing their roles.
fn chain_and_launch() -> Vec<Value> {
    let mut records = bob_into_lambdas().to_vec();
    records.extend(resize_function());
    records.extend([
        profile_call(
            "09:30:00",
            "AddRoleToInstanceProfile",
            json!({"instanceProfileName": "WebProfile", "roleName": "WebServerRole"}),
            "p1",
        ),
        run_instances(
            user("alice"),
            "10:00:00",
            json!({"name": "WebProfile"}),
            &["i-0web1"],
            "r1",
        ),
        worn(
            "ec2.amazonaws.com",
            "10:01:00",
            &role("WebServerRole"),
            "i-0web1",
            "w2",
        ),
    ]);
    records
}

/// What `passrole` gives for [`chain_and_launch`], read from `log_file`.
fn chain_and_launch_rows(log_file: &str) -> String {
    format!(
        "{HEADER}\n\
         2026-03-03T09:00:00Z,lambda.amazonaws.com,CreateFunction20150331,success,,assumed-role,\
         arn:aws:sts::{ACCOUNT}:assumed-role/Lambdas/deploy,arn:aws:iam::{ACCOUNT}:user/bob,{resize},request,,\
         lambda.amazonaws.com,arn:aws:lambda:us-east-1:{ACCOUNT}:function:resize,1,c1,{log_file}\n\
         2026-03-03T10:00:00Z,ec2.amazonaws.com,RunInstances,success,,iam-user,arn:aws:iam::{ACCOUNT}:user/alice,\
         arn:aws:iam::{ACCOUNT}:user/alice,{web},profile-calls,arn:aws:iam::{ACCOUNT}:instance-profile/WebProfile,\
         ec2.amazonaws.com,i-0web1,1,r1,{log_file}\n",
        resize = role("lambda-resize"),
        web = role("WebServerRole"),
    )
}

/// An organization trail and the account's own trail deliver the same calls (same eventIDs):
/// each hand-over once, the copy of the first file by path, for any thread count and any order
/// of the files on the command line.
#[test]
fn the_same_call_in_two_trails_counts_once_in_any_order() {
    let dir = Dir::new();
    let records = chain_and_launch();
    let account = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/03/\
                   111122223333_CloudTrail_us-east-1_20260303T1000Z_a.json.gz";
    let org = "AWSLogs/o-abc123defg/111122223333/CloudTrail/us-east-1/2026/03/03/\
               111122223333_CloudTrail_us-east-1_20260303T1000Z_b.json.gz";
    // The account's trail holds the hand-overs; the sessions only in the organization's.
    let calls: Vec<Value> = records
        .iter()
        .filter(|r| r["eventSource"] != "sts.amazonaws.com")
        .cloned()
        .collect();
    dir.write_gz(account, &trail(&calls));
    dir.write_gz(org, &trail(&records));
    let expected = chain_and_launch_rows(account);
    for args in [
        vec!["passrole", "-q", "-j", "1", "AWSLogs"],
        vec!["passrole", "-q", "-j", "2", "AWSLogs"],
        vec!["passrole", "-q", "-j", "1", org, account],
        vec!["passrole", "-q", "-j", "2", org, account],
        vec!["passrole", "-q", "-j", "2", account, org],
    ] {
        assert_eq!(clean(&run_at(dir.root.path(), &args)), expected, "{args:?}");
    }
    // The organization's copy alone gives the same rows, from its file.
    assert_eq!(
        clean(&run_at(dir.root.path(), &["passrole", "-q", org])),
        chain_and_launch_rows(org)
    );
}

/// A red-team's pass (session 36): the same call as a trail delivers it and as EventBridge
/// does (its `detail` without `recipientAccountId`) is one call, kept once, as role
/// assumptions are (it was two rows: the recipient account was part of a hand-over's
/// identity); the copies of a call delivered to two accounts (one `sharedEventID`, two
/// `eventID`s) are one too.
#[test]
fn a_hand_over_delivered_twice_is_one_whatever_its_copies_lack() {
    let dir = Dir::new();
    let function = create_function(user("bob"), "10:00:00", "fn", &role("FnRole"), "c1");
    let mut detail = function.clone();
    detail
        .as_object_mut()
        .expect("a record")
        .remove("recipientAccountId");
    dir.write("a.json", trail(std::slice::from_ref(&function)).as_bytes());
    dir.write(
        "b.jsonl",
        format!(
            "{}\n",
            json!({"version": "0", "id": "e", "detail-type": "AWS API Call via CloudTrail",
                   "source": "aws.lambda", "account": ACCOUNT, "time": "2026-03-03T10:00:00Z",
                   "region": "us-east-1", "resources": [], "detail": detail})
        )
        .as_bytes(),
    );
    let mut shared = function.clone();
    shared["sharedEventID"] = json!("s1");
    let mut other = shared.clone();
    other["eventID"] = json!("c1-copy");
    other["recipientAccountId"] = json!("444455556666");
    dir.write("c.json", trail(&[shared, other]).as_bytes());
    for (files, kept) in [
        (vec!["a.json", "b.jsonl"], "c1,a.json"),
        (vec!["b.jsonl", "a.json"], "c1,a.json"),
        (vec!["c.json"], "c1,c.json"),
    ] {
        let mut args = vec!["passrole", "-q"];
        args.extend(&files);
        assert_eq!(
            pick(&clean(&run_at(dir.root.path(), &args)), "event_id,log_file"),
            format!("event_id,log_file\n{kept}\n"),
            "{files:?}"
        );
    }
}

/// A hand-over in every delivery shape: lookup-events output, an EventBridge event, JSON
/// Lines, a CloudWatch Logs subscription payload; and the profile's role learned across them.
#[test]
fn hand_overs_are_read_from_every_input_shape() {
    let dir = Dir::new();
    let function = create_function(
        user("bob"),
        "09:00:00",
        "resize",
        &role("lambda-resize"),
        "lookup-1",
    );
    dir.write(
        "lookup.json",
        json!({"Events": [{
            "EventId": "lookup-1",
            "EventName": "CreateFunction20150331",
            "ReadOnly": "false",
            "EventTime": 1772528400,
            "EventSource": "lambda.amazonaws.com",
            "Username": "bob",
            "Resources": [],
            "CloudTrailEvent": function.to_string()
        }]})
        .to_string()
        .as_bytes(),
    );
    let launch = run_instances(
        user("alice"),
        "10:00:00",
        json!({"name": "WebProfile"}),
        &["i-0web1"],
        "bridge-1",
    );
    dir.write(
        "bridge.json",
        json!({
            "version": "0",
            "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
            "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.ec2",
            "account": ACCOUNT,
            "time": "2026-03-03T10:00:00Z",
            "region": "us-east-1",
            "resources": [],
            "detail": launch
        })
        .to_string()
        .as_bytes(),
    );
    let lines = [
        profile_call(
            "08:00:00",
            "AddRoleToInstanceProfile",
            json!({"instanceProfileName": "WebProfile", "roleName": "WebServerRole"}),
            "lines-1",
        ),
        call(
            user("carol"),
            "11:00:00",
            "cloudformation.amazonaws.com",
            "CreateStack",
            json!({"stackName": "app", "roleARN": role("cfn/StackRole")}),
            json!({"stackId": format!("arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/app/1")}),
            "lines-2",
        ),
    ];
    let lines: Vec<String> = lines.iter().map(Value::to_string).collect();
    dir.write("lines.jsonl", (lines.join("\n") + "\n").as_bytes());
    let targets = call(
        user("dave"),
        "12:00:00",
        "events.amazonaws.com",
        "PutTargets",
        json!({"rule": "nightly", "targets": [{"id": "1", "arn": "arn:aws:sqs:us-east-1:111122223333:q", "roleArn": role("EventsToSqs")}]}),
        json!({"failedEntryCount": 0}),
        "cwl-1",
    );
    dir.write_gz(
        "cwl.gz",
        &json!({
            "messageType": "DATA_MESSAGE",
            "owner": ACCOUNT,
            "logGroup": "aws-cloudtrail-logs",
            "logStream": "111122223333_CloudTrail_us-east-1",
            "subscriptionFilters": ["all"],
            "logEvents": [{"id": "1", "timestamp": 1772539200000u64, "message": targets.to_string()}]
        })
        .to_string(),
    );
    let out = clean(&run_at(dir.root.path(), &["passrole", "-q", "."]));
    assert_eq!(
        pick(
            &out,
            "event_id,event_name,role_arn,role_from,resource,log_file"
        ),
        format!(
            "event_id,event_name,role_arn,role_from,resource,log_file\n\
             lookup-1,CreateFunction20150331,{resize},request,arn:aws:lambda:us-east-1:{ACCOUNT}:function:resize,./lookup.json\n\
             bridge-1,RunInstances,{web},profile-calls,i-0web1,./bridge.json\n\
             lines-2,CreateStack,{stack},request,arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/app/1,./lines.jsonl\n\
             cwl-1,PutTargets,{sqs},request,nightly,./cwl.gz\n",
            resize = role("lambda-resize"),
            web = role("WebServerRole"),
            stack = role("cfn/StackRole"),
            sqs = role("EventsToSqs"),
        )
    );
}

/// Hand-overs of several passers, accounts, days and outcomes, for the filters.
fn mixed() -> Vec<Value> {
    let mut records = chain_and_launch();
    records.push(refused(
        create_function(lambdas(), "11:00:00", "admin-fn", &role("Admin"), "f1"),
        "AccessDenied",
        &pass_role_denied(
            &format!("arn:aws:sts::{ACCOUNT}:assumed-role/Lambdas/deploy"),
            &role("Admin"),
        ),
    ));
    let mut other_account = call(
        json!({"type": "IAMUser", "arn": "arn:aws:iam::444455556666:user/carol", "accountId": "444455556666", "accessKeyId": "AKIAEXAMPLECAROL"}),
        "12:00:00",
        "glue.amazonaws.com",
        "CreateJob",
        json!({"name": "etl", "role": "EtlRole"}),
        json!({"name": "etl"}),
        "g1",
    );
    other_account["recipientAccountId"] = json!("444455556666");
    records.push(other_account);
    let mut next_day = call(
        user("alice"),
        "09:00:00",
        "states.amazonaws.com",
        "CreateStateMachine",
        json!({"name": "orders", "roleArn": role("StatesOrders")}),
        json!({"stateMachineArn": format!("arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:orders")}),
        "s1",
    );
    next_day["eventTime"] = json!("2026-03-04T09:00:00Z");
    records.push(next_day);
    records
}

#[test]
fn filters_pick_hand_overs() {
    let records = mixed();
    let ids = |args: &[&str]| {
        pick(&passrole_of(&records, args), "event_id").replacen("event_id\n", "", 1)
    };
    assert_eq!(ids(&[]), "c1\nr1\nf1\ng1\ns1\n");
    // --role: the role (ARN or name, any case) or the profile it went through.
    assert_eq!(ids(&["--role", "*WebServer*"]), "r1\n");
    assert_eq!(ids(&["--role", "*:instance-profile/WebProfile"]), "r1\n");
    assert_eq!(ids(&["--role", "admin"]), "f1\n");
    // --source: the passer or the origin of its chain.
    assert_eq!(ids(&["--source", "*:user/bob"]), "c1\nf1\n");
    assert_eq!(ids(&["--source", "*:assumed-role/Lambdas/*"]), "c1\nf1\n");
    assert_eq!(ids(&["--source", "*:user/alice"]), "r1\ns1\n");
    // --account: the passer's, the call's or the role's.
    assert_eq!(ids(&["--account", "444455556666"]), "g1\n");
    assert_eq!(ids(&["--since", "2026-03-04"]), "s1\n");
    assert_eq!(ids(&["--until", "2026-03-03T10:00:00Z"]), "c1\nr1\n");
    assert_eq!(ids(&["--failed-only"]), "f1\n");
    assert_eq!(ids(&["--exclude-failed"]), "c1\nr1\ng1\ns1\n");
    // The focus: --from the passer's chain origin, --to the role.
    assert_eq!(ids(&["--from", "bob"]), "c1\nf1\n");
    assert_eq!(ids(&["--from", "*:user/alice"]), "r1\ns1\n");
    assert_eq!(ids(&["--to", "*:role/lambda-resize"]), "c1\n");
    assert_eq!(ids(&["--from", "bob", "--failed-only"]), "f1\n");
    // Nothing kept: said on stderr, even with -q.
    let dir = Dir::new();
    dir.write("t.json", trail(&records).as_bytes());
    let output = run_at(
        dir.root.path(),
        &["passrole", "-q", "--role", "NoSuchRole", "t.json"],
    );
    assert_eq!(stdout(&output), format!("{HEADER}\n"));
    assert_eq!(
        stderr(&output),
        "trailmask: no hand-over matched the filters (5 read)\n"
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn json_and_table_formats() {
    let records = chain_and_launch();
    assert_eq!(
        passrole_of(&records, &["--format", "json"]),
        format!(
            "[\n\
             {{\"event_time\":\"2026-03-03T09:00:00Z\",\"event_source\":\"lambda.amazonaws.com\",\
             \"event_name\":\"CreateFunction20150331\",\"outcome\":\"success\",\"error_code\":\"\",\
             \"passer_kind\":\"assumed-role\",\"passer\":\"arn:aws:sts::{ACCOUNT}:assumed-role/Lambdas/deploy\",\
             \"passer_origin\":\"arn:aws:iam::{ACCOUNT}:user/bob\",\"role_arn\":\"{resize}\",\
             \"role_from\":\"request\",\"via\":\"\",\"service\":\"lambda.amazonaws.com\",\
             \"resource\":[\"arn:aws:lambda:us-east-1:{ACCOUNT}:function:resize\"],\"worn\":1,\
             \"event_id\":\"c1\",\"log_file\":\"t.json\"}},\n\
             {{\"event_time\":\"2026-03-03T10:00:00Z\",\"event_source\":\"ec2.amazonaws.com\",\
             \"event_name\":\"RunInstances\",\"outcome\":\"success\",\"error_code\":\"\",\
             \"passer_kind\":\"iam-user\",\"passer\":\"arn:aws:iam::{ACCOUNT}:user/alice\",\
             \"passer_origin\":\"arn:aws:iam::{ACCOUNT}:user/alice\",\"role_arn\":\"{web}\",\
             \"role_from\":\"profile-calls\",\"via\":\"arn:aws:iam::{ACCOUNT}:instance-profile/WebProfile\",\
             \"service\":\"ec2.amazonaws.com\",\"resource\":[\"i-0web1\"],\"worn\":1,\
             \"event_id\":\"r1\",\"log_file\":\"t.json\"}}\n\
             ]\n",
            resize = role("lambda-resize"),
            web = role("WebServerRole"),
        )
    );
    let table = passrole_of(&records, &["--format", "table"]);
    let expected = [
        "EVENT_TIME            EVENT_SOURCE          EVENT_NAME              OUTCOME  ERROR_CODE  PASSER_KIND   PASSER                                                 PASSER_ORIGIN                         ROLE_ARN                                      ROLE_FROM      VIA                                                    SERVICE               RESOURCE                                               WORN  EVENT_ID  LOG_FILE",
        "2026-03-03T09:00:00Z  lambda.amazonaws.com  CreateFunction20150331  success              assumed-role  arn:aws:sts::111122223333:assumed-role/Lambdas/deploy  arn:aws:iam::111122223333:user/bob    arn:aws:iam::111122223333:role/lambda-resize  request                                                               lambda.amazonaws.com  arn:aws:lambda:us-east-1:111122223333:function:resize  1     c1        t.json",
        "2026-03-03T10:00:00Z  ec2.amazonaws.com     RunInstances            success              iam-user      arn:aws:iam::111122223333:user/alice                   arn:aws:iam::111122223333:user/alice  arn:aws:iam::111122223333:role/WebServerRole  profile-calls  arn:aws:iam::111122223333:instance-profile/WebProfile  ec2.amazonaws.com     i-0web1                                                1     r1        t.json",
    ];
    assert_eq!(table, expected.join("\n") + "\n");
}

// ------------------------------------------------------------------------------------------
// 4. Hostile input

/// Runs trailmask in `dir` under `ulimit -v` of 1 GiB (address space), so a run that needs
/// more memory than that fails to allocate instead of taking the machine.
fn run_within_1_gib(dir: &Path, args: &[&str]) -> Output {
    run_limited(dir, 1 << 20, args)
}

/// A fleet: 20,000 launches of one instance each, and each instance's session (the role
/// learned from the session, and each launch worn once). Resolving is a binary search per
/// launch: a first version scanned every later session for each (17 s here), which a CPU
/// limit of 20 s would only just let through; now it takes a fraction of a second.
#[test]
fn a_fleet_of_20_000_launches_resolves_in_linear_time() {
    let dir = Dir::new();
    let mut records = Vec::new();
    for k in 0..20_000 {
        let instance = format!("i-{k:017x}");
        records.push(run_instances(
            user("alice"),
            "09:00:00",
            json!({"name": "fleet"}),
            &[instance.as_str()],
            &format!("r{k}"),
        ));
        records.push(json!({
            "eventVersion": "1.08", "userIdentity": {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"},
            "eventTime": "2026-03-03T09:01:00Z", "eventSource": "sts.amazonaws.com", "eventName": "AssumeRole",
            "sourceIPAddress": "ec2.amazonaws.com", "userAgent": "ec2.amazonaws.com",
            "requestParameters": {"roleArn": role("Fleet"), "roleSessionName": instance},
            "responseElements": {"credentials": {"accessKeyId": format!("ASIA{k}")}},
            "eventID": format!("s{k}"), "recipientAccountId": ACCOUNT
        }));
    }
    dir.write("t.json", trail(&records).as_bytes());
    let output = run_limited_cpu(
        dir.root.path(),
        1 << 20,
        Some(10),
        &["passrole", "-q", "t.json"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let rows = csv_rows(&stdout(&output));
    assert_eq!(rows.len(), 20_001);
    assert!(
        rows[1..]
            .iter()
            .all(|row| row[8] == role("Fleet") && row[9] == "instance-session" && row[13] == "1")
    );
}

/// A new profile for an instance that already wore a role: its sessions before the call wore
/// the old role (no clock slack for a call that does not create the instance), so the profile
/// holds the role of its first session after the call.
#[test]
fn a_replaced_profile_is_the_role_worn_after_the_call() {
    let associate = call(
        user("alice"),
        "10:00:00",
        "ec2.amazonaws.com",
        "AssociateIamInstanceProfile",
        json!({"AssociateIamInstanceProfileRequest": {"InstanceId": "i-0old", "IamInstanceProfile": {"Name": "new-profile"}}}),
        json!({"AssociateIamInstanceProfileResponse": {"iamInstanceProfileAssociation": {"instanceId": "i-0old", "state": "associating"}}}),
        "a1",
    );
    let csv = passrole_of(
        &[
            worn(
                "ec2.amazonaws.com",
                "09:59:30",
                &role("OldRole"),
                "i-0old",
                "w1",
            ),
            associate,
            worn(
                "ec2.amazonaws.com",
                "10:05:00",
                &role("NewRole"),
                "i-0old",
                "w2",
            ),
        ],
        &[],
    );
    assert_eq!(
        pick(&csv, "event_name,role_arn,role_from,resource,worn"),
        format!(
            "event_name,role_arn,role_from,resource,worn\nAssociateIamInstanceProfile,{},instance-session,i-0old,1\n",
            role("NewRole")
        )
    );
}

/// One RunInstances launching 200,000 instances (a 7 MB record): one row naming them all.
#[test]
fn a_launch_of_200_000_instances_is_one_row() {
    let dir = Dir::new();
    let instances: Vec<String> = (0..200_000).map(|i| format!("i-{i:017x}")).collect();
    let names: Vec<&str> = instances.iter().map(String::as_str).collect();
    let launch = run_instances(
        user("alice"),
        "09:00:00",
        json!({"name": "WebProfile"}),
        &names,
        "big",
    );
    dir.write_gz("big.json.gz", &trail(&[launch]));
    let output = run_within_1_gib(dir.root.path(), &["passrole", "-q", "big.json.gz"]);
    let out = clean(&output);
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][14], "big");
    assert_eq!(rows[1][12], instances.join(";"));
}

/// Regression: a PutTargets naming 100,000 roles (one per target) took 98 s, each role
/// compared with every one found before it (`passrole::read`); a set now keeps them.
#[test]
fn put_targets_with_100_000_roles_gives_each_once() {
    let dir = Dir::new();
    let mut targets: Vec<Value> = (0..100_000)
        .map(|i| json!({"id": format!("t{i}"), "arn": format!("arn:aws:sqs:us-east-1:{ACCOUNT}:q{i}"), "roleArn": role(&format!("R{i:06}"))}))
        .collect();
    // The same role twice, apart: one row.
    targets.push(json!({"id": "again", "arn": "arn:aws:sqs:us-east-1:111122223333:again", "roleArn": role("R000000")}));
    let put = call(
        user("alice"),
        "09:00:00",
        "events.amazonaws.com",
        "PutTargets",
        json!({"rule": "fan-out", "targets": targets}),
        json!({"failedEntryCount": 0}),
        "put",
    );
    dir.write_gz("put.json.gz", &trail(&[put]));
    let output = run_within_1_gib(dir.root.path(), &["passrole", "-q", "put.json.gz"]);
    let out = clean(&output);
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), 100_001);
    let roles: Vec<&str> = rows[1..].iter().map(|row| row[8].as_str()).collect();
    let expected: Vec<String> = (0..100_000).map(|i| role(&format!("R{i:06}"))).collect();
    assert_eq!(roles, expected);
    assert!(rows[1..].iter().all(|row| row[12] == "fan-out"));
}

/// A hand-over record nested 10,000 levels deep in `requestParameters`, beside a good file:
/// nothing crashes (the typed parse skips what it does not read without recursion), the deep
/// record is a bad record of its file (one line on stderr, status 1: its paths are read from a
/// JSON value, which stops at 128 levels), and the good file's row is there.
#[test]
fn deep_nesting_does_not_crash() {
    let dir = Dir::new();
    let mut deep = create_function(user("alice"), "09:00:00", "deep", &role("Deep"), "deep");
    let nested = "[".repeat(10_000) + &"]".repeat(10_000);
    deep["requestParameters"]["junk"] = json!("NESTED");
    let text = trail(&[deep]).replace("\"NESTED\"", &nested);
    dir.write("deep.json", text.as_bytes());
    dir.write(
        "ok.json",
        trail(&[create_function(
            user("alice"),
            "10:00:00",
            "ok",
            &role("Ok"),
            "ok",
        )])
        .as_bytes(),
    );
    let output = run_at(dir.root.path(), &["passrole", "-q", "deep.json", "ok.json"]);
    assert_eq!(output.status.code(), Some(1), "exit status");
    assert_eq!(
        stderr(&output),
        "trailmask: deep.json: 1 malformed record(s) left out, first: recursion limit exceeded at line 1 column 709\n\
         trailmask: 1 file read, 0 skipped, 1 failed; 0 role assumptions; 1 hand-over\n"
    );
    assert_eq!(
        pick(&stdout(&output), "event_id,role_arn,log_file"),
        format!("event_id,role_arn,log_file\nok,{},ok.json\n", role("Ok"))
    );
}

/// An `eventName` written with escapes (`"RunInstance\u0073"`) is the same name: the reading
/// layer's name filter must not drop it, gzip or not; nor an IAM profile call so written.
#[test]
fn event_names_written_with_escapes_are_read() {
    let dir = Dir::new();
    let add = profile_call(
        "08:00:00",
        "AddRoleToInstanceProfile",
        json!({"instanceProfileName": "WebProfile", "roleName": "WebServerRole"}),
        "p1",
    );
    let launch = run_instances(
        user("alice"),
        "09:00:00",
        json!({"name": "WebProfile"}),
        &["i-0esc1"],
        "r1",
    );
    let function = create_function(user("alice"), "10:00:00", "esc", &role("EscRole"), "c1");
    let text = trail(&[add, launch, function])
        .replace(
            "\"AddRoleToInstanceProfile\"",
            "\"AddRoleToInstance\\u0050rofile\"",
        )
        .replace("\"RunInstances\"", "\"RunInstance\\u0073\"")
        .replace(
            "\"CreateFunction20150331\"",
            "\"\\u0043reateFunction20150331\"",
        );
    assert_eq!(text.matches("\\u00").count(), 3);
    dir.write("esc.json", text.as_bytes());
    dir.write_gz("esc.json.gz", &text);
    for file in ["esc.json", "esc.json.gz"] {
        let out = clean(&run_at(dir.root.path(), &["passrole", "-q", file]));
        assert_eq!(
            pick(&out, "event_id,event_name,role_arn,role_from"),
            format!(
                "event_id,event_name,role_arn,role_from\n\
                 r1,RunInstances,{},profile-calls\n\
                 c1,CreateFunction20150331,{},request\n",
                role("WebServerRole"),
                role("EscRole")
            ),
            "{file}"
        );
    }
}

// ------------------------------------------------------------------------------------------
// 5. The README's copy of the table

/// The README's section "Calls that hand a role over" is the table as the code has it
/// (`trailmask::testing::passrole_coverage_markdown()`), so it cannot drift from `CALLS`.
#[test]
fn the_readme_holds_the_coverage_table() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let table = trailmask::testing::passrole_coverage_markdown();
    assert!(
        readme.contains(&table),
        "README.md does not hold the coverage table as the code renders it; paste:\n{table}"
    );
}

// ------------------------------------------------------------------------------------------
// 6. The real trails

/// ../shared/real-trails, or `None` (with a note) when it is missing outside CI; under CI
/// (`CI=true` or `CI=1`) a missing corpus fails, as in `real_trails.rs`.
fn real_trails() -> Option<&'static str> {
    const CORPUS: &str = "../shared/real-trails";
    if repo().join(CORPUS).join("INVENTORY.md").exists() {
        return Some(CORPUS);
    }
    let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    assert!(
        !ci,
        "{CORPUS} is missing (no INVENTORY.md) and CI=true: the passrole real-trails test must run in CI"
    );
    eprintln!("{CORPUS} not present: skipped");
    None
}

/// The real trails hold no real record of a role handed over (INVENTORY.md: "PassRole with a
/// role present: none"); the three rows are Panther's RDS fixtures (rule_test_events.json
/// records 234-236: `roleArn` with `dBInstanceIdentifier` / `dBClusterIdentifier`, the third
/// refused for `rds:AddRoleToDBInstance`, not for PassRole). Left out, rightly: the
/// UpdateFunctionConfiguration20150331v2 records (no `role` in their requests), the
/// RunInstances (no profile in any request; Auto Scaling's launches name theirs only in the
/// response), CloudFormation's CreateStack/UpdateStack (no `roleARN`), CodeBuild's CreateProject
/// (record 58: `requestParameters` missing), and the dry runs.
#[test]
fn the_real_trails_hand_over_three_roles() {
    let Some(corpus) = real_trails() else {
        return;
    };
    let out = clean(&run(&["passrole", "-q", corpus]));
    let file = "../shared/real-trails/panther-analysis/rule_test_events.json";
    assert_eq!(
        out,
        format!(
            "{HEADER}\n\
             2024-01-17T13:00:00Z,rds.amazonaws.com,AddRoleToDBInstance,success,,assumed-role,\
             arn:aws:sts::123456789012:assumed-role/DBARole/user,,arn:aws:iam::123456789012:role/RDS-S3-Import-Role,\
             request,,rds.amazonaws.com,production-postgres,0,f1e2d3c4-b5a6-7890-1234-567890abcdef,{file}\n\
             2024-01-17T13:00:00Z,rds.amazonaws.com,AddRoleToDBCluster,success,,iam-user,\
             arn:aws:iam::123456789012:user/developer,arn:aws:iam::123456789012:user/developer,\
             arn:aws:iam::123456789012:role/RDS-Lambda-Access,request,,rds.amazonaws.com,aurora-cluster-prod,0,\
             g2f3e4d5-c6b7-8901-2345-678901bcdefg,{file}\n\
             2024-01-17T13:00:00Z,rds.amazonaws.com,AddRoleToDBInstance,failure,AccessDenied,iam-user,\
             arn:aws:iam::123456789012:user/contractor,arn:aws:iam::123456789012:user/contractor,\
             arn:aws:iam::123456789012:role/Admin-Role,request,,rds.amazonaws.com,production-db,0,\
             h3g4f5e6-d7c8-9012-3456-789012cdefgh,{file}\n"
        )
    );
}

/// `--role` picks a hand-over by its role or by its instance profile, by ARN or by name (in
/// sample-logs, profile `web-server` holds `WebServerRole`).
#[test]
fn role_picks_a_profile_by_its_name_too() {
    for glob in ["web-server", "*instance-profile/web-*", "WebServerRole"] {
        let output = run(&["passrole", "-q", "--role", glob, "sample-logs"]);
        assert_eq!(
            pick(&clean(&output), "event_name,role_arn,via"),
            "event_name,role_arn,via\nRunInstances,arn:aws:iam::222222222222:role/WebServerRole,\
             arn:aws:iam::222222222222:instance-profile/web-server\n",
            "{glob}"
        );
    }
}

/// Review (session 20): a hand-over record read as a whole value kept the last of a key given
/// twice (and said nothing when the key was one the record model does not read): the first is
/// read, as everywhere, and the file is reported once for each such record.
#[test]
fn a_key_given_twice_in_a_hand_over_keeps_its_first_value() {
    let alice = r#""userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333"},"recipientAccountId":"111122223333""#;
    let records = [
        r#""eventTime":"2026-01-01T10:00:00Z","eventSource":"lambda.amazonaws.com","eventName":"CreateFunction20150331","requestParameters":{"functionName":"f","role":"arn:aws:iam::111122223333:role/First","role":"arn:aws:iam::111122223333:role/Second"},"eventID":"dk-1""#,
        r#""eventTime":"2026-01-01T10:01:00Z","eventSource":"lambda.amazonaws.com","eventName":"CreateFunction20150331","requestParameters":{"functionName":"g","role":"arn:aws:iam::111122223333:role/A"},"requestParameters":{"functionName":"g","role":"arn:aws:iam::111122223333:role/B"},"eventID":"dk-2""#,
        r#""eventTime":"2026-01-01T10:02:00Z","eventSource":"iam.amazonaws.com","eventName":"AddRoleToInstanceProfile","requestParameters":{"instanceProfileName":"P","roleName":"PFirst","roleName":"PSecond"},"eventID":"dk-3""#,
        r#""eventTime":"2026-01-01T10:03:00Z","eventSource":"ec2.amazonaws.com","eventName":"RunInstances","requestParameters":{"iamInstanceProfile":{"name":"P"}},"eventID":"dk-4""#,
    ];
    let records: Vec<String> = records
        .iter()
        .map(|fields| format!("{{{alice},{fields}}}"))
        .collect();
    let dir = Dir::new();
    dir.write(
        "t.json",
        format!(r#"{{"Records":[{}]}}"#, records.join(",")).as_bytes(),
    );
    let output = run_at(dir.root.path(), &["passrole", "-q", "t.json"]);
    assert_eq!(
        (output.status.code(), stderr(&output)),
        (
            Some(1),
            "trailmask: t.json: 3 object(s) with a key given twice: the first value read, the \
             later ignored\ntrailmask: 0 files read, 0 skipped, 1 failed; 0 role assumptions; 3 \
             hand-overs\n"
                .to_owned()
        )
    );
    assert_eq!(
        pick(&stdout(&output), "event_name,role_arn,role_from,resource"),
        "event_name,role_arn,role_from,resource\n\
         CreateFunction20150331,arn:aws:iam::111122223333:role/First,request,f\n\
         CreateFunction20150331,arn:aws:iam::111122223333:role/A,request,g\n\
         RunInstances,arn:aws:iam::111122223333:role/PFirst,profile-calls,\n"
    );
}

/// Review (session 20): two hand-overs without an `eventID`, made in one second by one user
/// with one role, were one (their key held only the time, the passer and the call): they are
/// told apart by everything read of them, and a copy of one still counts once.
#[test]
fn hand_overs_without_an_id_are_told_apart_by_their_content() {
    let without_id = |function: &str| {
        let mut record = create_function(user("alice"), "10:00:00", function, &role("Worker"), "");
        record.as_object_mut().unwrap().remove("eventID");
        record
    };
    let dir = Dir::new();
    dir.write(
        "a.json",
        trail(&[without_id("fnA"), without_id("fnB")]).as_bytes(),
    );
    dir.write("b.json", trail(&[without_id("fnB")]).as_bytes());
    let output = clean(&run_at(
        dir.root.path(),
        &["passrole", "-q", "a.json", "b.json"],
    ));
    assert_eq!(
        pick(&output, "event_name,role_arn,log_file"),
        "event_name,role_arn,log_file\n\
         CreateFunction20150331,arn:aws:iam::111122223333:role/Worker,a.json\n\
         CreateFunction20150331,arn:aws:iam::111122223333:role/Worker,a.json\n"
    );
    assert!(output.contains("fnA") && output.contains("fnB"), "{output}");
}

/// Review (session 20): a role named only by hand-overs, in several spellings (by ARN with its
/// path, by name, in capitals; a passer's issuer with its path, a role handed over by ARN
/// without it), was a graph node and a row of its own per spelling: spelled once, as the
/// events' roles are (the path first; AWS's and accepted spellings only).
#[test]
fn a_role_only_hand_overs_name_is_one_role() {
    let builder = || {
        session(
            "ci/Builder",
            "build-1",
            "ASIABUILD1",
            "2026-03-03T09:00:00Z",
        )
    };
    let glue = |name: &str, role_name: &str, time: &str, id: &str| {
        call(
            builder(),
            time,
            "glue.amazonaws.com",
            "CreateJob",
            json!({"name": name, "role": role_name, "command": {"name": "glueetl"}}),
            json!({"name": name}),
            id,
        )
    };
    let project = call(
        user("alice"),
        "10:03:00",
        "codebuild.amazonaws.com",
        "CreateProject",
        json!({"name": "p", "serviceRole": role("Builder")}),
        json!({"project": {"name": "p"}}),
        "p1",
    );
    let records = [
        create_function(builder(), "10:00:00", "f1", &role("team/Worker"), "f1"),
        glue("j1", "Worker", "10:01:00", "j1"),
        glue("j2", "WORKER", "10:02:00", "j2"),
        project,
    ];
    assert_eq!(
        pick(&passrole_of(&records, &[]), "event_id,role_arn"),
        format!(
            "event_id,role_arn\nf1,{worker}\nj1,{worker}\nj2,{worker}\np1,{builder}\n",
            worker = role("team/Worker"),
            builder = role("ci/Builder")
        )
    );
    let dir = Dir::new();
    dir.write("t.json", trail(&records).as_bytes());
    let graph: Value = serde_json::from_str(&clean(&run_at(
        dir.root.path(),
        &["graph", "-q", "--format", "json", "t.json"],
    )))
    .unwrap();
    let mut roles: Vec<&str> = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|node| node["id"].as_str())
        .filter(|id| id.starts_with("role:"))
        .collect();
    roles.sort_unstable();
    assert_eq!(
        roles,
        [
            format!("role:{}", role("ci/Builder")),
            format!("role:{}", role("team/Worker"))
        ]
    );
}

/// Review (session 20): a profile's role taken out and another put in within one second (and a
/// profile deleted and made again) replayed as taken out: changes of one second replay as the
/// replacement they are, so the instance launched after gets the role put in.
#[test]
fn a_profile_replaced_within_a_second_hands_over_the_new_role() {
    let profile =
        |edit: &str, request: Value, id: &str| profile_call("10:00:00", edit, request, id);
    let records = [
        profile(
            "RemoveRoleFromInstanceProfile",
            json!({"instanceProfileName": "Q", "roleName": "QRole1"}),
            "r1",
        ),
        profile(
            "DeleteInstanceProfile",
            json!({"instanceProfileName": "Q"}),
            "d1",
        ),
        profile(
            "CreateInstanceProfile",
            json!({"instanceProfileName": "Q"}),
            "c1",
        ),
        profile(
            "AddRoleToInstanceProfile",
            json!({"instanceProfileName": "Q", "roleName": "QRole2"}),
            "a1",
        ),
        profile(
            "RemoveRoleFromInstanceProfile",
            json!({"instanceProfileName": "P", "roleName": "PRole"}),
            "r2",
        ),
        profile(
            "AddRoleToInstanceProfile",
            json!({"instanceProfileName": "P", "roleName": "PRole"}),
            "a2",
        ),
        run_instances(
            user("alice"),
            "10:05:00",
            json!({"name": "Q"}),
            &["i-0q"],
            "run-q",
        ),
        run_instances(
            user("alice"),
            "10:06:00",
            json!({"name": "P"}),
            &["i-0p"],
            "run-p",
        ),
    ];
    assert_eq!(
        pick(&passrole_of(&records, &[]), "event_id,role_arn,role_from"),
        format!(
            "event_id,role_arn,role_from\nrun-q,{},profile-calls\nrun-p,{},profile-calls\n",
            role("QRole2"),
            role("PRole")
        )
    );
}

/// A red-team's (session 38): two calls given one `eventID` (sample trails do) are one
/// hand-over, as two role assumptions are, but which was kept was the first in its file, so
/// swapping two lines made alice's call mallory's. The least by what was read is kept.
#[test]
fn of_two_calls_given_one_id_the_same_is_kept_in_any_order() {
    let alice = create_function(user("alice"), "09:00:00", "fa", &role("Fn"), "same-id");
    let mallory = create_function(user("mallory"), "14:00:00", "fm", &role("Fn"), "same-id");
    let expected = format!(
        "event_time,passer,resource\n\
         2026-03-03T09:00:00Z,arn:aws:iam::{ACCOUNT}:user/alice,\
         arn:aws:lambda:us-east-1:{ACCOUNT}:function:fa\n"
    );
    for records in [[alice.clone(), mallory.clone()], [mallory, alice]] {
        let printed = passrole_of(&records, &[]);
        assert_eq!(pick(&printed, "event_time,passer,resource"), expected);
    }
}

/// A red-team's (session 38): of two copies of one call alike but for what one lacks, the one
/// without the caller's access key and creation time was kept (it sorted first), and linked
/// by name to another session of the same role and name: mallory's, not alice's. The copy
/// that lacks least is kept, in whichever file it is.
#[test]
fn of_two_copies_the_one_that_lacks_least_is_kept() {
    let deployer = role("Deployer");
    let alice_in = assume(
        user("alice"),
        "08:00:00",
        &deployer,
        "dep",
        "ASIADEP1",
        "h1",
    );
    let mallory_in = assume(
        user("mallory"),
        "08:05:00",
        &deployer,
        "dep",
        "ASIADEP2",
        "h2",
    );
    let alice_dep = session("Deployer", "dep", "ASIADEP1", "2026-03-03T08:00:00Z");
    let full = create_function(alice_dep, "08:10:00", "fa", &role("Fn"), "c1");
    let mut lacking = full.clone();
    let who = &mut lacking["userIdentity"];
    who.as_object_mut().unwrap().remove("accessKeyId");
    who["sessionContext"]
        .as_object_mut()
        .unwrap()
        .remove("attributes");
    for (full_in, lacking_in) in [("a.json", "b.json"), ("b.json", "a.json")] {
        let dir = Dir::new();
        let hops = [alice_in.clone(), mallory_in.clone(), full.clone()];
        dir.write(full_in, trail(&hops).as_bytes());
        dir.write(lacking_in, trail(std::slice::from_ref(&lacking)).as_bytes());
        let printed = clean(&run_at(dir.root.path(), &["passrole", "-q", "."]));
        assert_eq!(
            pick(&printed, "passer_origin,log_file"),
            format!("passer_origin,log_file\narn:aws:iam::{ACCOUNT}:user/alice,./{full_in}\n"),
            "full copy in {full_in}"
        );
    }
}

/// An auditor's (session 39): `worn` counted every later session read, and what is read past
/// `--until` depends on the layout (a day of slack in S3 layout, everything in a flat
/// folder), so one window gave one trail two answers. It counts the sessions up to `--until`.
#[test]
fn worn_counts_the_sessions_up_to_until_in_any_layout() {
    let role_arn = role("Reports");
    let days = [
        (
            "03",
            vec![
                create_function(user("bob"), "10:00:00", "reports", &role_arn, "create"),
                worn(
                    "lambda.amazonaws.com",
                    "10:01:00",
                    &role_arn,
                    "reports",
                    "w1",
                ),
            ],
        ),
        (
            "04",
            vec![worn(
                "lambda.amazonaws.com",
                "09:00:00",
                &role_arn,
                "reports",
                "w2",
            )],
        ),
        (
            "07",
            vec![worn(
                "lambda.amazonaws.com",
                "09:00:00",
                &role_arn,
                "reports",
                "w3",
            )],
        ),
    ];
    let dir = Dir::new();
    for (day, records) in &days {
        // Each day's records on that day, as delivered.
        let text = trail(records).replace("2026-03-03T", &format!("2026-03-{day}T"));
        dir.write(
            &format!("s3/AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/2026/03/{day}/{day}.json"),
            text.as_bytes(),
        );
        dir.write(&format!("flat/{day}.json"), text.as_bytes());
    }
    for (until, expected) in [("2026-03-03", "1"), ("2026-03-05", "2"), ("", "3")] {
        for layout in ["s3", "flat"] {
            let mut args = vec!["passrole", "-q"];
            if !until.is_empty() {
                args.extend(["--until", until]);
            }
            args.push(layout);
            let csv = clean(&run_at(dir.root.path(), &args));
            assert_eq!(
                pick(&csv, "event_name,worn"),
                format!("event_name,worn\nCreateFunction20150331,{expected}\n"),
                "--until {until:?} in {layout}"
            );
        }
    }
}

/// A red-team's case (session 40): a hand-over whose `eventName` ends in a space (or a
/// no-break space) was read from JSON Lines, which trims the name, but not from a delivery
/// file, whose splitter ruled the name out. Every shape reads it now.
#[test]
fn a_hand_over_name_the_parse_trims_is_read_in_every_shape() {
    for end in [" ", "\u{a0}"] {
        let mut record = create_function(user("bob"), "09:00:00", "f", &role("lambda-f"), "c1");
        record["eventName"] = json!(format!("CreateFunction20150331{end}"));
        let dir = Dir::new();
        dir.write(
            "trail.json",
            trail(std::slice::from_ref(&record)).as_bytes(),
        );
        dir.write("lines.jsonl", format!("{record}\n").as_bytes());
        for file in ["trail.json", "lines.jsonl"] {
            let csv = clean(&run_at(dir.root.path(), &["passrole", "-q", file]));
            assert_eq!(
                pick(&csv, "event_name,role_arn,event_id"),
                format!(
                    "event_name,role_arn,event_id\nCreateFunction20150331,{},c1\n",
                    role("lambda-f")
                ),
                "{file}, ending {end:?}"
            );
        }
    }
}

/// `services` counts only the service hops that name a role, as `edges`, chains and the graph
/// do (a review's, session 42: hops naming none were a row with an empty role, and `summary`
/// says they are in none of them).
#[test]
fn services_count_only_hops_that_name_a_role() {
    let hop = |id: &str, time: &str, role_arn: Option<&str>| {
        let mut parameters = json!({"roleSessionName": format!("i-{id}")});
        if let Some(role_arn) = role_arn {
            parameters["roleArn"] = json!(role_arn);
        }
        json!({"eventTime": time, "eventSource": "sts.amazonaws.com", "eventName": "AssumeRole",
               "userIdentity": {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"},
               "sourceIPAddress": "ec2.amazonaws.com", "userAgent": "ec2.amazonaws.com",
               "requestParameters": parameters, "eventID": id, "recipientAccountId": ACCOUNT})
    };
    let records = [
        hop("n1", "2026-03-01T10:00:00Z", None),
        hop("n2", "2026-03-01T10:01:00Z", None),
        hop("w1", "2026-03-01T10:02:00Z", Some(&role("Web"))),
    ];
    let dir = Dir::new();
    dir.write("t.json", trail(&records).as_bytes());
    assert_eq!(
        clean(&run_at(
            dir.root.path(),
            &["services", "-q", "--format", "csv", "t.json"]
        )),
        "service,role_arn,role_account,count,first_seen,last_seen,sessions,passers\n\
         ec2.amazonaws.com,arn:aws:iam::111122223333:role/Web,111122223333,1,\
         2026-03-01T10:02:00Z,2026-03-01T10:02:00Z,1,\n"
    );
}
