//! Hand-overs (`iam:PassRole`) in the graph and its tables (issue #24, the graph part), over a
//! crafted trail: alice's Deployer session hands WebServer to EC2 (through an instance profile
//! that an instance session resolves) and ReportsLambda to Lambda, is refused Admin, and
//! launches an instance whose profile no record resolves; bob hands lambda-media to Lambda
//! twice; mallory, from another account, is refused Admin. Every output is asserted whole.

use crate::graphviz::dot_accepts;
use crate::harness::*;
use serde_json::{Value, json};

pub const ALICE_SESSION: &str = "arn:aws:sts::111122223333:assumed-role/Deployer/alice";
const DEPLOYER: &str = "arn:aws:iam::111122223333:role/ops/Deployer";
const UNRESOLVED_NOTE: &str = "trailmask: 1 hand-over through an instance profile whose role \
    the logs do not tell: not drawn (trailmask passrole lists it)\n";

fn user(name: &str, account: &str) -> Value {
    json!({"type": "IAMUser", "arn": format!("arn:aws:iam::{account}:user/{name}"), "accountId": account})
}

fn deployer_session() -> Value {
    json!({"type": "AssumedRole", "arn": ALICE_SESSION, "accountId": "111122223333",
        "accessKeyId": "ASIADEPLOY1",
        "sessionContext": {"sessionIssuer": {"type": "Role", "arn": DEPLOYER, "accountId": "111122223333"},
            "attributes": {"creationDate": "2026-03-01T10:00:00Z"}}})
}

fn service(principal: &str) -> Value {
    json!({"type": "AWSService", "invokedBy": principal})
}

/// One record: `id` at `time`, `identity` calling `source`'s `name`.
fn record(id: &str, time: &str, identity: Value, source: &str, name: &str) -> Value {
    json!({"eventVersion": "1.08", "eventID": id, "eventTime": format!("2026-03-01T{time}Z"),
        "userIdentity": identity, "eventSource": source, "eventName": name,
        "recipientAccountId": "111122223333", "sourceIPAddress": "203.0.113.5"})
}

fn with(mut record: Value, fields: Value) -> Value {
    if let (Value::Object(record), Value::Object(fields)) = (&mut record, fields) {
        record.extend(fields);
    }
    record
}

fn assume(id: &str, time: &str, identity: Value, role: &str, session: &str) -> Value {
    with(
        record(id, time, identity, "sts.amazonaws.com", "AssumeRole"),
        json!({"requestParameters": {"roleArn": role, "roleSessionName": session}}),
    )
}

fn run_instances(id: &str, time: &str, profile: &str, instance: &str) -> Value {
    with(
        record(
            id,
            time,
            deployer_session(),
            "ec2.amazonaws.com",
            "RunInstances",
        ),
        json!({"requestParameters": {"instancesSet": {"items": [{"imageId": "ami-1"}]},
                "iamInstanceProfile": {"name": profile}},
            "responseElements": {"instancesSet": {"items": [{"instanceId": instance}]}}}),
    )
}

fn create_function(id: &str, time: &str, identity: Value, function: &str, role: &str) -> Value {
    with(
        record(
            id,
            time,
            identity,
            "lambda.amazonaws.com",
            "CreateFunction20150331",
        ),
        json!({"requestParameters": {"functionName": function, "role": role},
            "responseElements": {"functionArn": format!("arn:aws:lambda:us-east-1:111122223333:function:{function}")}}),
    )
}

fn refused(record: Value, passer: &str, role: &str) -> Value {
    with(
        record,
        json!({"errorCode": "AccessDenied", "responseElements": null,
            "errorMessage": format!("User: {passer} is not authorized to perform: iam:PassRole on resource: {role}")}),
    )
}

/// The crafted trail (see the module's doc), as one CloudTrail file.
pub fn trail() -> String {
    let web = "arn:aws:iam::111122223333:role/WebServer";
    let media = "arn:aws:iam::111122223333:role/lambda-media";
    let admin = "arn:aws:iam::111122223333:role/Admin";
    let mallory = "arn:aws:iam::444455556666:user/mallory";
    let records = [
        assume(
            "e01",
            "10:00:00",
            user("alice", "111122223333"),
            DEPLOYER,
            "alice",
        ),
        run_instances("e02", "10:05:00", "web-profile", "i-0abc"),
        assume(
            "e03",
            "10:06:00",
            service("ec2.amazonaws.com"),
            web,
            "i-0abc",
        ),
        refused(
            record(
                "e04",
                "10:10:00",
                deployer_session(),
                "lambda.amazonaws.com",
                "CreateFunction20150331",
            ),
            ALICE_SESSION,
            admin,
        ),
        create_function(
            "e05",
            "11:00:00",
            user("bob", "111122223333"),
            "resize",
            media,
        ),
        assume(
            "e06",
            "11:01:00",
            service("lambda.amazonaws.com"),
            media,
            "resize",
        ),
        create_function(
            "e07",
            "11:30:00",
            user("bob", "111122223333"),
            "thumbnail",
            media,
        ),
        create_function(
            "e08",
            "12:00:00",
            deployer_session(),
            "reports",
            "arn:aws:iam::111122223333:role/ReportsLambda",
        ),
        run_instances("e09", "12:30:00", "orphan-profile", "i-0def"),
        with(
            refused(
                create_function(
                    "e10",
                    "13:00:00",
                    user("mallory", "444455556666"),
                    "x",
                    admin,
                ),
                mallory,
                admin,
            ),
            json!({"recipientAccountId": "444455556666"}),
        ),
    ];
    json!({ "Records": records }).to_string()
}

/// A temporary folder holding the trail as `trail.json`.
pub fn trail_dir() -> Dir {
    let dir = Dir::new();
    dir.write("trail.json", trail().as_bytes());
    dir
}

/// Runs trailmask on the trail; its stdout and stderr (exit status 0 asserted).
fn output(dir: &Dir, args: &[&str]) -> (String, String) {
    let mut all = args.to_vec();
    all.push("trail.json");
    let output = run_in(dir.root.path(), &all, None);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        stderr(&output)
    );
    (stdout(&output), stderr(&output))
}

const DOT_HEAD: &str = r##"digraph trailmask {
  graph [rankdir=LR, newrank=true, fontname="Helvetica", nodesep=0.3, ranksep=0.8];
  node [fontname="Helvetica", fontsize=10];
  edge [fontname="Helvetica", fontsize=9, decorate=true];
  "aws-service:ec2.amazonaws.com" [label="ec2.amazonaws.com", tooltip="ec2.amazonaws.com", shape=hexagon, style=filled, fillcolor="#d5e8d4"];
  "aws-service:lambda.amazonaws.com" [label="lambda.amazonaws.com", tooltip="lambda.amazonaws.com", shape=hexagon, style=filled, fillcolor="#d5e8d4"];
"##;

#[test]
fn the_dot_draws_hand_overs_as_their_own_kind_of_edge() {
    let dir = trail_dir();
    let (dot, err) = output(&dir, &["graph", "-q"]);
    let expected = DOT_HEAD.to_owned()
        + r##"  subgraph "cluster_111122223333" {
    label="111122223333"; labelloc=b; labeljust=l; style=rounded; color="gray50"; fontname="Helvetica";
    "iam-user:arn:aws:iam::111122223333:user/alice" [label="user/alice", tooltip="arn:aws:iam::111122223333:user/alice", shape=ellipse, style=filled, fillcolor="#dae8fc"];
    "iam-user:arn:aws:iam::111122223333:user/bob" [label="user/bob", tooltip="arn:aws:iam::111122223333:user/bob", shape=ellipse, style=filled, fillcolor="#dae8fc"];
    "role:arn:aws:iam::111122223333:role/Admin" [label="Admin", tooltip="arn:aws:iam::111122223333:role/Admin", shape=box, style="rounded,filled", fillcolor="#fff2cc"];
    "role:arn:aws:iam::111122223333:role/ReportsLambda" [label="ReportsLambda", tooltip="arn:aws:iam::111122223333:role/ReportsLambda", shape=box, style="rounded,filled", fillcolor="#fff2cc"];
    "role:arn:aws:iam::111122223333:role/WebServer" [label="WebServer", tooltip="arn:aws:iam::111122223333:role/WebServer", shape=box, style="rounded,filled", fillcolor="#fff2cc"];
    "role:arn:aws:iam::111122223333:role/lambda-media" [label="lambda-media", tooltip="arn:aws:iam::111122223333:role/lambda-media", shape=box, style="rounded,filled", fillcolor="#fff2cc"];
    "role:arn:aws:iam::111122223333:role/ops/Deployer" [label="Deployer", tooltip="arn:aws:iam::111122223333:role/ops/Deployer", shape=box, style="rounded,filled", fillcolor="#fff2cc"];
  }
  subgraph "cluster_444455556666" {
    label="444455556666"; labelloc=b; labeljust=l; style=rounded; color="gray50"; fontname="Helvetica";
    "iam-user:arn:aws:iam::444455556666:user/mallory" [label="user/mallory", tooltip="arn:aws:iam::444455556666:user/mallory", shape=ellipse, style=filled, fillcolor="#dae8fc"];
  }
  "iam-user:arn:aws:iam::111122223333:user/alice" -> "role:arn:aws:iam::111122223333:role/ops/Deployer" [label="1"];
  "aws-service:ec2.amazonaws.com" -> "role:arn:aws:iam::111122223333:role/WebServer" [label="1"];
  "aws-service:lambda.amazonaws.com" -> "role:arn:aws:iam::111122223333:role/lambda-media" [label="1"];
  "iam-user:arn:aws:iam::111122223333:user/bob" -> "role:arn:aws:iam::111122223333:role/lambda-media" [label="passes to lambda (2)", color="#1c7ed6", fontcolor="#1c7ed6", style=dashed, arrowhead=onormal];
  "iam-user:arn:aws:iam::444455556666:user/mallory" -> "role:arn:aws:iam::111122223333:role/Admin" [label="passes to lambda (1 refused) cross-account", color="#d6336c", fontcolor="#d6336c", penwidth=2, style="dotted,bold", arrowhead=onormal];
  "role:arn:aws:iam::111122223333:role/ops/Deployer" -> "role:arn:aws:iam::111122223333:role/Admin" [label="passes to lambda (1 refused)", color="gray40", fontcolor="gray40", style=dotted, arrowhead=onormal];
  "role:arn:aws:iam::111122223333:role/ops/Deployer" -> "role:arn:aws:iam::111122223333:role/ReportsLambda" [label="passes to lambda (1)", color="#1c7ed6", fontcolor="#1c7ed6", style=dashed, arrowhead=onormal];
  "role:arn:aws:iam::111122223333:role/ops/Deployer" -> "role:arn:aws:iam::111122223333:role/WebServer" [label="passes to ec2 (1)", color="#1c7ed6", fontcolor="#1c7ed6", style=dashed, arrowhead=onormal];
}
"##;
    assert_eq!(dot, expected);
    // The instance of orphan-profile: its role is in no record, so it is said, not drawn.
    assert_eq!(err, UNRESOLVED_NOTE);
    if let Some(result) = dot_accepts(&dot) {
        result.unwrap_or_else(|e| panic!("dot rejected the hand-overs: {e}"));
    }
}

#[test]
fn at_account_level_an_accounts_own_hand_overs_are_written_under_its_name() {
    let dir = trail_dir();
    let (dot, _) = output(&dir, &["graph", "-q", "--level", "account"]);
    let expected = DOT_HEAD.to_owned()
        + r##"  subgraph "cluster_111122223333" {
    label="111122223333"; labelloc=b; labeljust=l; style=rounded; color="gray50"; fontname="Helvetica";
    "account:111122223333" [label="111122223333\n1 hop inside, 1 role\n5 hand-overs inside to 2 services (1 refused)", tooltip="111122223333", shape=box3d, style=filled, fillcolor="#fff2cc"];
  }
  subgraph "cluster_444455556666" {
    label="444455556666"; labelloc=b; labeljust=l; style=rounded; color="gray50"; fontname="Helvetica";
    "account:444455556666" [label="444455556666", tooltip="444455556666", shape=box3d, style=filled, fillcolor="#fff2cc"];
  }
  "aws-service:ec2.amazonaws.com" -> "account:111122223333" [label="1 hop, 1 role"];
  "aws-service:lambda.amazonaws.com" -> "account:111122223333" [label="1 hop, 1 role"];
  "account:444455556666" -> "account:111122223333" [label="passes 1 role to lambda (1 refused) cross-account", color="#d6336c", fontcolor="#d6336c", penwidth=2, style="dotted,bold", arrowhead=onormal];
}
"##;
    assert_eq!(dot, expected);
    if let Some(result) = dot_accepts(&dot) {
        result.unwrap_or_else(|e| panic!("dot rejected the account level: {e}"));
    }
}

#[test]
fn mermaid_draws_hand_overs_dotted_and_blue_and_refusals_crossed() {
    let dir = trail_dir();
    let (chart, _) = output(&dir, &["graph", "-q", "--format", "mermaid"]);
    assert_eq!(
        chart,
        r##"flowchart LR
  n3{{"ec2.amazonaws.com"}}
  n4{{"lambda.amazonaws.com"}}
  subgraph a1["111122223333"]
    n0(["user/alice"])
    n1(["user/bob"])
    n5["Admin"]
    n6["ReportsLambda"]
    n7["WebServer"]
    n8["lambda-media"]
    n9["Deployer"]
  end
  subgraph a2["444455556666"]
    n2(["user/mallory"])
  end
  n0 -->|"1"| n9
  n3 -->|"1"| n7
  n4 -->|"1"| n8
  n1 -.->|"passes to lambda (2)"| n8
  n2 -.-x|"passes to lambda (1 refused) cross-account"| n5
  n9 -.-x|"passes to lambda (1 refused)"| n5
  n9 -.->|"passes to lambda (1)"| n6
  n9 -.->|"passes to ec2 (1)"| n7
  linkStyle 4 stroke:#d6336c,stroke-width:3px
  linkStyle 3,6,7 stroke:#1c7ed6,stroke-width:2px,color:#1c7ed6
  linkStyle 5 stroke:#868e96,color:#868e96
"##
    );
    let (chart, _) = output(
        &dir,
        &["graph", "-q", "--format", "mermaid", "--level", "account"],
    );
    assert!(
        chart.contains(
            "    n2[(\"111122223333: 1 hop inside, 1 role#59; 5 hand-overs inside to 2 services (1 refused)\")]\n"
        ),
        "{chart}"
    );
}

/// The JSON of one hand-over edge, as `graph --format json` writes it: its calls, first seen
/// at `first` and last at `last`, made from the crafted records' one address.
fn hand_over_json(
    (source, target): (&str, &str),
    (service, call): (&str, &str),
    (successes, failures): (u64, u64),
    (first, last): (&str, &str),
    cross_account: bool,
    worn: u64,
) -> String {
    format!(
        r#"    {{
      "source": "{source}",
      "target": "{target}",
      "kind": "passrole",
      "service": "{service}",
      "successes": {successes},
      "failures": {failures},
      "count": {},
      "event_names": [
        "{call}"
      ],
      "first_seen": "2026-03-01T{first}Z",
      "last_seen": "2026-03-01T{last}Z",
      "source_ips": [
        "203.0.113.5"
      ],
      "cross_account": {cross_account},
      "external": false,
      "worn": {worn}
    }}"#,
        successes + failures,
    )
}

/// The JSON of one hop, as it was written before hand-overs existed.
fn hop_json(source: &str, target: &str, time: &str) -> String {
    format!(
        r#"    {{
      "source": "{source}",
      "target": "{target}",
      "successes": 1,
      "failures": 0,
      "count": 1,
      "event_names": [
        "AssumeRole"
      ],
      "first_seen": "2026-03-01T{time}Z",
      "last_seen": "2026-03-01T{time}Z",
      "source_ips": [
        "203.0.113.5"
      ],
      "cross_account": false,
      "external": false
    }}"#
    )
}

fn node_json(kind: &str, name: &str, label: &str, account: &str) -> String {
    format!(
        r#"    {{
      "id": "{kind}:{name}",
      "kind": "{kind}",
      "name": "{name}",
      "label": "{label}",
      "account": "{account}",
      "subjects": []
    }}"#
    )
}

#[test]
fn json_hand_over_edges_say_their_kind_and_hops_are_written_as_before() {
    let dir = trail_dir();
    let (text, _) = output(&dir, &["graph", "-q", "--format", "json"]);
    let a = "111122223333";
    let role = |name: &str| format!("role:arn:aws:iam::{a}:role/{name}");
    let iam = |name: &str| format!("arn:aws:iam::{a}:{name}");
    let nodes = [
        node_json("iam-user", &iam("user/alice"), "user/alice", a),
        node_json("iam-user", &iam("user/bob"), "user/bob", a),
        node_json(
            "iam-user",
            "arn:aws:iam::444455556666:user/mallory",
            "user/mallory",
            "444455556666",
        ),
        node_json("aws-service", "ec2.amazonaws.com", "ec2.amazonaws.com", ""),
        node_json(
            "aws-service",
            "lambda.amazonaws.com",
            "lambda.amazonaws.com",
            "",
        ),
        node_json("role", &iam("role/Admin"), "Admin", a),
        node_json("role", &iam("role/ReportsLambda"), "ReportsLambda", a),
        node_json("role", &iam("role/WebServer"), "WebServer", a),
        node_json("role", &iam("role/lambda-media"), "lambda-media", a),
        node_json("role", DEPLOYER, "Deployer", a),
    ];
    let lambda = ("lambda.amazonaws.com", "CreateFunction20150331");
    let deployer = role("ops/Deployer");
    let bob = format!("iam-user:{}", iam("user/bob"));
    let mallory = "iam-user:arn:aws:iam::444455556666:user/mallory";
    let (admin, reports, web) = (role("Admin"), role("ReportsLambda"), role("WebServer"));
    let edges = [
        hop_json(
            &format!("iam-user:{}", iam("user/alice")),
            &deployer,
            "10:00:00",
        ),
        hop_json("aws-service:ec2.amazonaws.com", &web, "10:06:00"),
        hop_json(
            "aws-service:lambda.amazonaws.com",
            &role("lambda-media"),
            "11:01:00",
        ),
        // Hand-overs follow the hops, by their ends; bob's two calls are one edge, worn once
        // (no session is named after the second function).
        hand_over_json(
            (&bob, &role("lambda-media")),
            lambda,
            (2, 0),
            ("11:00:00", "11:30:00"),
            false,
            1,
        ),
        hand_over_json(
            (mallory, &admin),
            lambda,
            (0, 1),
            ("13:00:00", "13:00:00"),
            true,
            0,
        ),
        hand_over_json(
            (&deployer, &admin),
            lambda,
            (0, 1),
            ("10:10:00", "10:10:00"),
            false,
            0,
        ),
        hand_over_json(
            (&deployer, &reports),
            lambda,
            (1, 0),
            ("12:00:00", "12:00:00"),
            false,
            0,
        ),
        hand_over_json(
            (&deployer, &web),
            ("ec2.amazonaws.com", "RunInstances"),
            (1, 0),
            ("10:05:00", "10:05:00"),
            false,
            1,
        ),
    ];
    let expected = format!(
        "{{\n  \"nodes\": [\n{}\n  ],\n  \"edges\": [\n{}\n  ]\n}}\n",
        nodes.join(",\n"),
        edges.join(",\n")
    );
    assert_eq!(text, expected);
}

#[test]
fn services_lists_the_passers_and_the_roles_handed_over_but_never_worn() {
    let dir = trail_dir();
    let (csv, err) = output(&dir, &["services", "--format", "csv"]);
    assert_eq!(
        csv,
        "service,role_arn,role_account,count,first_seen,last_seen,sessions,passers\n\
         ec2.amazonaws.com,arn:aws:iam::111122223333:role/WebServer,111122223333,1,2026-03-01T10:06:00Z,2026-03-01T10:06:00Z,1,arn:aws:iam::111122223333:role/ops/Deployer\n\
         lambda.amazonaws.com,arn:aws:iam::111122223333:role/ReportsLambda,111122223333,0,,,0,arn:aws:iam::111122223333:role/ops/Deployer\n\
         lambda.amazonaws.com,arn:aws:iam::111122223333:role/lambda-media,111122223333,1,2026-03-01T11:01:00Z,2026-03-01T11:01:00Z,1,arn:aws:iam::111122223333:user/bob\n"
    );
    // The closing line counts the hand-overs read (refused and unresolved ones too).
    assert_eq!(
        err,
        "trailmask: 1 file read, 0 skipped, 0 failed; 3 role assumptions; 7 hand-overs\n"
    );
    // Picking the service keeps its rows' passers (an incident responder's, session 37: the
    // filters kept hand-overs by their passer, so the column was empty).
    let ec2 = "service,role_arn,role_account,count,first_seen,last_seen,sessions,passers\n\
         ec2.amazonaws.com,arn:aws:iam::111122223333:role/WebServer,111122223333,1,2026-03-01T10:06:00Z,2026-03-01T10:06:00Z,1,arn:aws:iam::111122223333:role/ops/Deployer\n";
    for pick in ["--source", "--from"] {
        let (csv, _) = output(
            &dir,
            &["services", "--format", "csv", pick, "ec2.amazonaws.com"],
        );
        assert_eq!(csv, ec2, "{pick}");
    }
    // Picking the service keeps the roles handed to it and never worn, as without a filter
    // (session 39: `--source lambda.amazonaws.com` left ReportsLambda out).
    let (csv, errors) = output(
        &dir,
        &[
            "services",
            "--format",
            "csv",
            "--source",
            "lambda.amazonaws.com",
        ],
    );
    assert_eq!(
        csv,
        "service,role_arn,role_account,count,first_seen,last_seen,sessions,passers\n\
         lambda.amazonaws.com,arn:aws:iam::111122223333:role/ReportsLambda,111122223333,0,,,0,arn:aws:iam::111122223333:role/ops/Deployer\n\
         lambda.amazonaws.com,arn:aws:iam::111122223333:role/lambda-media,111122223333,1,2026-03-01T11:01:00Z,2026-03-01T11:01:00Z,1,arn:aws:iam::111122223333:user/bob\n"
    );
    // Rows are output: no note says nothing matched (a red-team's, session 39).
    assert_eq!(
        errors,
        "trailmask: 1 file read, 0 skipped, 0 failed; 1 role assumption; 0 hand-overs\n"
    );
}

/// A red-team's pass (session 36): `services --from` said every role alice's chain handed over
/// was never worn (the service's hops begin chains of their own, which the focus left out):
/// the wearing that followed the hand-overs kept is counted as passrole's `worn` (only theirs:
/// a review's, not every hop of the service and role); and a refused hop of a service made no
/// session (it was counted as one).
#[test]
fn services_under_a_focus_count_the_wearing_of_what_it_handed_and_no_refused_session() {
    let dir = trail_dir();
    // `services --format csv --from '*:user/alice' MORE…`.
    let from_alice = |more: &[&str]| {
        let args = ["services", "--format", "csv", "--from", "*:user/alice"];
        output(&dir, &[&args[..], more].concat())
    };
    let (csv, _) = from_alice(&[]);
    assert_eq!(
        csv,
        "service,role_arn,role_account,count,first_seen,last_seen,sessions,passers\n\
         ec2.amazonaws.com,arn:aws:iam::111122223333:role/WebServer,111122223333,1,,,1,arn:aws:iam::111122223333:role/ops/Deployer\n\
         lambda.amazonaws.com,arn:aws:iam::111122223333:role/ReportsLambda,111122223333,0,,,0,arn:aws:iam::111122223333:role/ops/Deployer\n"
    );
    // A row of hand-overs alone is output: no note says nothing matched (an incident
    // responder's, session 37: a row, then "no role assumption matched the filters").
    let (csv, errors) = from_alice(&["--role", "*WebServer"]);
    assert_eq!(
        (csv.as_str(), errors.as_str()),
        (
            "service,role_arn,role_account,count,first_seen,last_seen,sessions,passers\n\
             ec2.amazonaws.com,arn:aws:iam::111122223333:role/WebServer,111122223333,1,,,1,arn:aws:iam::111122223333:role/ops/Deployer\n",
            "trailmask: 1 file read, 0 skipped, 0 failed; 0 role assumptions; 1 hand-over\n"
        )
    );
    // The wearing is passrole's `worn` of the hand-overs kept (the later sessions up to the
    // window's end: session 39, what is read past it depends on the layout), without times:
    // the hand-over by 10:05 is kept, and what followed it by 10:06 counts from then on.
    for (until, worn) in [("2026-03-01T10:05:00Z", 0), ("2026-03-01T10:06:00Z", 1)] {
        let (csv, _) = from_alice(&["--until", until]);
        assert_eq!(
            csv,
            format!(
                "service,role_arn,role_account,count,first_seen,last_seen,sessions,passers\n\
                 ec2.amazonaws.com,arn:aws:iam::111122223333:role/WebServer,111122223333,{worn},,,{worn},arn:aws:iam::111122223333:role/ops/Deployer\n"
            ),
            "--until {until}"
        );
    }
    // Two passers of one role to one service, and a wearing before either: each counts only
    // what followed its own hand-over.
    let role_c = "arn:aws:iam::111122223333:role/RoleC";
    let lambda = || service("lambda.amazonaws.com");
    let records = [
        assume("p0", "09:00:00", lambda(), role_c, "fn0"),
        create_function(
            "p1",
            "10:05:00",
            user("alice", "111122223333"),
            "fn1",
            role_c,
        ),
        assume("p2", "10:10:00", lambda(), role_c, "fn1"),
        create_function("p3", "11:00:00", user("bob", "111122223333"), "fn2", role_c),
        assume("p4", "11:10:00", lambda(), role_c, "fn2"),
    ];
    dir.write(
        "two.json",
        json!({ "Records": records }).to_string().as_bytes(),
    );
    for passer in ["alice", "bob"] {
        let run = run_in(
            dir.root.path(),
            &[
                "services", "-q", "--format", "csv", "--from", passer, "two.json",
            ],
            None,
        );
        assert_eq!(
            stdout(&run),
            format!(
                "service,role_arn,role_account,count,first_seen,last_seen,sessions,passers\n\
                 lambda.amazonaws.com,{role_c},111122223333,1,,,1,arn:aws:iam::111122223333:user/{passer}\n"
            )
        );
    }
    let web = "arn:aws:iam::111122223333:role/WebServer";
    let refused_hop = with(
        assume(
            "e20",
            "10:07:00",
            service("ec2.amazonaws.com"),
            web,
            "i-0bad",
        ),
        json!({"errorCode": "AccessDenied", "responseElements": null}),
    );
    let worn = assume(
        "e21",
        "10:08:00",
        service("ec2.amazonaws.com"),
        web,
        "i-0abc",
    );
    dir.write(
        "more.json",
        json!({ "Records": [refused_hop, worn] })
            .to_string()
            .as_bytes(),
    );
    let (csv, _) = output(&dir, &["services", "--format", "csv", "more.json"]);
    assert_eq!(
        csv,
        "service,role_arn,role_account,count,first_seen,last_seen,sessions,passers\n\
         ec2.amazonaws.com,arn:aws:iam::111122223333:role/WebServer,111122223333,3,2026-03-01T10:06:00Z,2026-03-01T10:08:00Z,1,arn:aws:iam::111122223333:role/ops/Deployer\n\
         lambda.amazonaws.com,arn:aws:iam::111122223333:role/ReportsLambda,111122223333,0,,,0,arn:aws:iam::111122223333:role/ops/Deployer\n\
         lambda.amazonaws.com,arn:aws:iam::111122223333:role/lambda-media,111122223333,1,2026-03-01T11:01:00Z,2026-03-01T11:01:00Z,1,arn:aws:iam::111122223333:user/bob\n"
    );
}

#[test]
fn edges_stay_the_table_of_role_assumptions() {
    let dir = trail_dir();
    let (csv, err) = output(&dir, &["edges"]);
    assert_eq!(
        csv,
        "source_kind,source,source_subject,source_account,role_arn,role_account,cross_account,successes,failures,event_names,first_seen,last_seen,source_ips\n\
         iam-user,arn:aws:iam::111122223333:user/alice,,111122223333,arn:aws:iam::111122223333:role/ops/Deployer,111122223333,false,1,0,AssumeRole,2026-03-01T10:00:00Z,2026-03-01T10:00:00Z,203.0.113.5\n\
         aws-service,ec2.amazonaws.com,,,arn:aws:iam::111122223333:role/WebServer,111122223333,false,1,0,AssumeRole,2026-03-01T10:06:00Z,2026-03-01T10:06:00Z,203.0.113.5\n\
         aws-service,lambda.amazonaws.com,,,arn:aws:iam::111122223333:role/lambda-media,111122223333,false,1,0,AssumeRole,2026-03-01T11:01:00Z,2026-03-01T11:01:00Z,203.0.113.5\n"
    );
    assert_eq!(
        err,
        "trailmask: 1 file read, 0 skipped, 0 failed; 3 role assumptions\n"
    );
}

#[test]
fn a_focus_keeps_the_hand_overs_of_the_chains_it_keeps() {
    let dir = trail_dir();
    let (dot, _) = output(&dir, &["graph", "-q", "--from", "*:user/alice"]);
    let edges: Vec<&str> = dot.lines().filter(|line| line.contains(" -> ")).collect();
    assert_eq!(
        edges,
        [
            r#"  "iam-user:arn:aws:iam::111122223333:user/alice" -> "role:arn:aws:iam::111122223333:role/ops/Deployer" [label="1"];"#,
            r#"  "role:arn:aws:iam::111122223333:role/ops/Deployer" -> "role:arn:aws:iam::111122223333:role/Admin" [label="passes to lambda (1 refused)", color="gray40", fontcolor="gray40", style=dotted, arrowhead=onormal];"#,
            r##"  "role:arn:aws:iam::111122223333:role/ops/Deployer" -> "role:arn:aws:iam::111122223333:role/ReportsLambda" [label="passes to lambda (1)", color="#1c7ed6", fontcolor="#1c7ed6", style=dashed, arrowhead=onormal];"##,
            r##"  "role:arn:aws:iam::111122223333:role/ops/Deployer" -> "role:arn:aws:iam::111122223333:role/WebServer" [label="passes to ec2 (1)", color="#1c7ed6", fontcolor="#1c7ed6", style=dashed, arrowhead=onormal];"##,
        ]
    );
}

/// The report data embedded in a page (its escapes are JSON's own).
pub fn embedded_data(page: &std::path::Path) -> Value {
    const OPEN: &str = r#"<script type="application/json" id="trailmask-data">"#;
    let html = std::fs::read_to_string(page).unwrap();
    let start = html.find(OPEN).expect("data element") + OPEN.len();
    let end = start
        + html[start..]
            .find("</script>")
            .expect("end of data element");
    serde_json::from_str(&html[start..end]).expect("embedded data is JSON")
}

#[test]
fn the_report_data_holds_the_hand_overs_of_every_table() {
    let dir = trail_dir();
    output(&dir, &["report", "-q", "-o", "report.html"]);
    let data = embedded_data(&dir.path("report.html"));
    assert_eq!(data["version"], 1);
    let graph: Value =
        serde_json::from_str(&output(&dir, &["graph", "-q", "--format", "json"]).0).unwrap();
    assert_eq!(
        data["graph"], graph,
        "the page draws the graph `graph` writes"
    );
    let rows = |args: &[&str]| -> Value { serde_json::from_str(&output(&dir, args).0).unwrap() };
    assert_eq!(
        data["services"],
        rows(&["services", "-q", "--format", "json"])
    );
    assert_eq!(data["edges"], rows(&["edges", "-q", "--format", "json"]));
    // The rows of `passrole`, but for the path each was read from.
    let mut hand_overs = rows(&["passrole", "-q", "--format", "json"]);
    for row in hand_overs.as_array_mut().unwrap() {
        assert_eq!(row["log_file"], "trail.json");
        row.as_object_mut().unwrap().shift_remove("log_file");
    }
    assert_eq!(data["hand_overs"], hand_overs);
    assert_eq!(
        data["hand_overs"][0],
        json!({
            "event_time": "2026-03-01T10:05:00Z",
            "event_source": "ec2.amazonaws.com",
            "event_name": "RunInstances",
            "outcome": "success",
            "error_code": "",
            "passer_kind": "assumed-role",
            "passer": ALICE_SESSION,
            "passer_origin": "arn:aws:iam::111122223333:user/alice",
            "role_arn": "arn:aws:iam::111122223333:role/WebServer",
            "role_from": "instance-session",
            "via": "arn:aws:iam::111122223333:instance-profile/web-profile",
            "service": "ec2.amazonaws.com",
            "resource": ["i-0abc"],
            "worn": 1,
            "event_id": "e02",
        })
    );
}

/// A trail without hand-overs gives an empty `hand_overs` and an empty `passers` column.
#[test]
fn without_hand_overs_the_tables_are_as_they_were() {
    let dir = Dir::new();
    let records = json!({"Records": [
        assume("e01", "10:00:00", user("alice", "111122223333"), DEPLOYER, "alice"),
    ]});
    dir.write("trail.json", records.to_string().as_bytes());
    let (csv, err) = output(&dir, &["services", "--format", "csv"]);
    assert_eq!(
        csv,
        "service,role_arn,role_account,count,first_seen,last_seen,sessions,passers\n"
    );
    assert_eq!(
        err,
        "trailmask: 1 file read, 0 skipped, 0 failed; 1 role assumption\n"
    );
    output(&dir, &["report", "-q", "-o", "report.html"]);
    assert_eq!(
        embedded_data(&dir.path("report.html"))["hand_overs"],
        json!([])
    );
}
