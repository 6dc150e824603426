//! Golden outputs of every command over sample-logs/, and their determinism.

use crate::harness::*;

fn ok(args: &[&str]) -> String {
    let output = run(args);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    stdout(&output)
}

#[test]
fn events_csv() {
    golden("sample-events.csv", &ok(&["events", "-q", "sample-logs"]));
}

#[test]
fn events_jsonl() {
    golden(
        "sample-events.jsonl",
        &ok(&["events", "-q", "--format", "jsonl", "sample-logs"]),
    );
}

/// The commands of rows take the same four formats (session 27: `events` and `edges` had two
/// each, `passrole` three): JSON is an array of the JSON Lines rows, and the table the rows
/// aligned.
#[test]
fn events_edges_and_passrole_have_every_row_format() {
    for command in ["events", "edges", "passrole"] {
        let format = |format| ok(&[command, "-q", "--format", format, "sample-logs"]);
        let array: serde_json::Value = serde_json::from_str(&format("json")).unwrap();
        let lines: Vec<serde_json::Value> = format("jsonl")
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(array, serde_json::Value::Array(lines), "{command}");
        let rows = csv_rows(&ok(&[command, "-q", "sample-logs"])).len();
        let table = format("table");
        assert_eq!(
            table.lines().count(),
            rows,
            "{command}: a line per row, header included"
        );
        golden(&format!("sample-{command}.txt"), &table);
    }
}

#[test]
fn events_with_account_names() {
    golden(
        "sample-events-named.csv",
        &ok(&[
            "events",
            "-q",
            "--accounts",
            "tests/golden/accounts.csv",
            "sample-logs",
        ]),
    );
}

#[test]
fn graph_dot_role_level() {
    golden(
        "sample-graph.dot",
        &ok(&[
            "graph",
            "-q",
            "--accounts",
            "tests/golden/accounts.csv",
            "sample-logs",
        ]),
    );
}

#[test]
fn graph_dot_session_level() {
    golden(
        "sample-graph-session.dot",
        &ok(&["graph", "-q", "--level", "session", "sample-logs"]),
    );
}

#[test]
fn graph_json() {
    golden(
        "sample-graph.json",
        &ok(&["graph", "-q", "--format", "json", "sample-logs"]),
    );
}

#[test]
fn graph_mermaid() {
    golden(
        "sample-graph.mmd",
        &ok(&["graph", "-q", "--format", "mermaid", "sample-logs"]),
    );
}

/// With `--accounts`, Mermaid marks what DOT and the report mark: the accounts outside the file
/// (their boxes' titles) and the hops to or from them (dark red, apart from cross-account
/// ones).
#[test]
fn graph_mermaid_marks_what_is_outside_the_accounts() {
    let chart = ok(&[
        "graph",
        "-q",
        "--format",
        "mermaid",
        "--accounts",
        "tests/golden/accounts.csv",
        "sample-logs",
    ]);
    let marked: Vec<&str> = chart
        .lines()
        .filter(|line| line.contains("outside") || line.contains("#c00000"))
        .collect();
    assert_eq!(
        marked,
        [
            "  subgraph a6[\"555555555555 (outside --accounts)\"]",
            "  subgraph a7[\"999999999999 (outside --accounts)\"]",
            "  linkStyle 7,17 stroke:#c00000,stroke-width:4px,color:#c00000",
        ]
    );
}

#[test]
fn chains_text() {
    golden("sample-chains.txt", &ok(&["chains", "-q", "sample-logs"]));
}

#[test]
fn chains_csv_min_depth() {
    golden(
        "sample-chains-depth2.csv",
        &ok(&[
            "chains",
            "-q",
            "--min-depth",
            "2",
            "--format",
            "csv",
            "sample-logs",
        ]),
    );
}

#[test]
fn services_table() {
    golden(
        "sample-services.txt",
        &ok(&["services", "-q", "sample-logs"]),
    );
}

#[test]
fn services_csv() {
    golden(
        "sample-services.csv",
        &ok(&["services", "-q", "--format", "csv", "sample-logs"]),
    );
}

#[test]
fn edges_csv() {
    golden("sample-edges.csv", &ok(&["edges", "-q", "sample-logs"]));
}

#[test]
fn summary_text() {
    let text = ok(&["summary", "-q", "sample-logs"]);
    let (stable, elapsed) = text.rsplit_once("elapsed").expect("an elapsed line");
    assert!(elapsed.contains("MB/s of JSON"), "{elapsed}");
    golden("sample-summary.txt", stable);
}

/// Every chained event in sample-logs, with its depth and origin (pinned by hand, not golden).
#[test]
fn chain_depth_and_origin_of_every_chained_event() {
    let rows = csv_rows(&ok(&[
        "events",
        "-q",
        "--source",
        "*assumed-role*",
        "sample-logs",
    ]));
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let got: Vec<(String, String, String, String)> = rows[1..]
        .iter()
        .map(|r| {
            (
                r[col("source")].clone(),
                r[col("role_arn")].clone(),
                r[col("chain_depth")].clone(),
                r[col("chain_origin")].clone(),
            )
        })
        .collect();
    let alice = "arn:aws:iam::111111111111:user/alice";
    let want = [
        (
            "arn:aws:sts::111111111111:assumed-role/Admin/alice-admin",
            "arn:aws:iam::222222222222:role/Deployer",
            "2",
            alice,
        ),
        (
            "arn:aws:sts::222222222222:assumed-role/Deployer/deploy-2f9",
            "arn:aws:iam::333333333333:role/DataReader",
            "3",
            alice,
        ),
        (
            "arn:aws:sts::333333333333:assumed-role/DataReader/etl-read",
            "arn:aws:iam::555555555555:role/VendorAuditAccess",
            "4",
            alice,
        ),
        (
            "arn:aws:sts::222222222222:assumed-role/WebServerRole/i-0a1b2c3d4e5f60001",
            "arn:aws:iam::222222222222:role/S3UploaderRole",
            "2",
            "ec2.amazonaws.com",
        ),
        (
            "arn:aws:sts::111111111111:assumed-role/Admin/alice-admin",
            "arn:aws:iam::222222222222:role/Deployer",
            "2",
            alice,
        ),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
        .collect();
    assert_eq!(got, want);
}

/// Every scenario of sample-logs/README.md shows with the right source, role, accounts and
/// outcome, and the two-copy cross-account calls count once.
#[test]
fn every_scenario_is_in_the_csv_once() {
    let rows = csv_rows(&ok(&["events", "-q", "sample-logs"]));
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let find = |kind: &str, source: &str, role: &str| -> Vec<&Vec<String>> {
        rows[1..]
            .iter()
            .filter(|r| {
                r[col("source_kind")] == kind
                    && r[col("source")].ends_with(source)
                    && r[col("role_arn")].ends_with(role)
            })
            .collect()
    };
    let cross = find(
        "iam-user",
        ":user/alice",
        "222222222222:role/OrganizationAccountAccessRole",
    );
    assert_eq!(cross.len(), 1, "the two delivered copies count once");
    assert_eq!(
        (
            cross[0][col("source_account")].as_str(),
            cross[0][col("role_account")].as_str(),
            cross[0][col("cross_account")].as_str()
        ),
        ("111111111111", "222222222222", "true")
    );
    let article = find(
        "iam-user",
        "999999999999:user/ユーザー名",
        "000000000000:role/スイッチ先ロール名",
    );
    assert_eq!(article.len(), 1);
    assert_eq!(
        article[0][col("event_id")],
        "xxxxxxxx-adc1-496d-9252-d59a3da0b7c2"
    );
    assert_eq!(article[0][col("session_name")], "セッション名(ユーザー名)");
    // EC2 on two instances (one twice), Lambda twice in one session, ECS once.
    for (service, count) in [
        ("ec2.amazonaws.com", 3),
        ("lambda.amazonaws.com", 2),
        ("ecs-tasks.amazonaws.com", 1),
    ] {
        assert_eq!(find("aws-service", service, "").len(), count, "{service}");
    }
    assert_eq!(
        find("saml", "saml-provider/Okta", "role/OktaAdmins").len(),
        1
    );
    assert_eq!(
        find(
            "web-identity",
            "token.actions.githubusercontent.com",
            "role/GitHubActionsDeploy"
        )
        .len(),
        2
    );
    let refused = find("iam-user", "user/mallory", "111111111111:role/Admin");
    assert_eq!(refused.len(), 2);
    assert!(
        refused
            .iter()
            .all(|r| r[col("outcome")] == "failure" && r[col("error_code")] == "AccessDenied")
    );
    // No event id appears twice.
    let mut ids: Vec<&String> = rows[1..].iter().map(|r| &r[col("event_id")]).collect();
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count);
}

#[test]
fn output_is_identical_for_any_thread_count_and_input_order() {
    let one = ok(&["events", "-q", "-j", "1", "sample-logs"]);
    let two = ok(&["events", "-q", "-j", "2", "sample-logs"]);
    let many = ok(&["events", "-q", "-j", "7", "sample-logs"]);
    assert_eq!(one, two);
    assert_eq!(one, many);
    let org = "sample-logs/AWSLogs/o-a1b2c3d4e5";
    let parts = [
        format!("{org}/333333333333"),
        format!("{org}/111111111111"),
        format!("{org}/000000000000"),
        format!("{org}/222222222222"),
        format!("{org}/444444444444"),
    ];
    let mut args = vec!["events", "-q"];
    args.extend(parts.iter().map(String::as_str));
    let reordered = ok(&args);
    assert_eq!(one, reordered);
    let twice = ok(&[
        "events",
        "-q",
        "sample-logs",
        "sample-logs/AWSLogs",
        "sample-logs",
    ]);
    assert_eq!(one, twice);
    let graph_one = ok(&["graph", "-q", "-j", "1", "sample-logs"]);
    let graph_two = ok(&["graph", "-q", "-j", "2", "sample-logs"]);
    assert_eq!(graph_one, graph_two);
}

#[test]
fn filters() {
    let rows = |args: &[&str]| csv_rows(&ok(args)).len() - 1;
    assert_eq!(rows(&["events", "-q", "--failed-only", "sample-logs"]), 3);
    assert_eq!(
        rows(&["events", "-q", "--exclude-failed", "sample-logs"]),
        23
    );
    assert_eq!(
        rows(&["events", "-q", "--include-failed", "sample-logs"]),
        26
    );
    assert_eq!(
        rows(&["events", "-q", "--role", "*Deployer", "sample-logs"]),
        2
    );
    assert_eq!(
        rows(&["events", "-q", "--role", "WebServerRole", "sample-logs"]),
        3
    );
    assert_eq!(
        rows(&["events", "-q", "--source", "*.amazonaws.com", "sample-logs"]),
        6
    );
    assert_eq!(
        rows(&["events", "-q", "--account", "555555555555", "sample-logs"]),
        1
    );
    assert_eq!(
        rows(&["events", "-q", "--since", "2020-12-22", "sample-logs"]),
        6
    );
    assert_eq!(
        rows(&["events", "-q", "--until", "2020-12-20", "sample-logs"]),
        11
    );
    assert_eq!(
        rows(&[
            "events",
            "-q",
            "--since",
            "2020-12-21T00:00:00Z",
            "--until",
            "2020-12-21T23:59:59Z",
            "sample-logs"
        ]),
        9
    );
}

#[test]
fn since_prunes_date_folders_before_reading() {
    // With a day of slack, the six date folders of 2020-12-20 (11 files) are left unread; the
    // 15 files of the 21st and 22nd hold 47 records, 15 role assumptions (one of them twice),
    // and two in the window: EC2 at 13:00 and Lambda at 14:00.
    let output = run(&["summary", "--since", "2020-12-22T12:00:00Z", "sample-logs"]);
    assert_eq!(
        before_elapsed(&stdout(&output)),
        concat!(
            "files read        15\n",
            "files skipped     1 (not a log file name 1)\n",
            "date folders      7 not read (outside --since/--until)\n",
            "files failed      0\n",
            "records scanned   47\n",
            "role assumptions  2 of 15 read (1 duplicate copy dropped in reading)\n",
            "  AssumeRole                  success 2      failure 0\n",
            "cross-account     0\n",
            "accounts          1: 222222222222\n",
            "time range        2020-12-22T13:00:00Z .. 2020-12-22T14:00:00Z\n",
        )
    );
    assert_eq!(
        stderr(&output),
        "trailmask: 15 files read, 1 skipped, 0 failed, 7 date folders outside the window; 2 role assumptions\n"
    );
    // Without the window every file is read: the golden summary.
    golden(
        "sample-summary.txt",
        before_elapsed(&stdout(&run(&["summary", "sample-logs"]))),
    );
}

/// A date folder outside the window that is named as well is read from there, and is not
/// also counted among the folders left unread: named as itself or through its month, and in
/// any order.
#[test]
fn a_pruned_date_folder_named_as_a_root_is_read_not_counted_unread() {
    let month = "sample-logs/AWSLogs/o-a1b2c3d4e5/333333333333/CloudTrail/us-east-1/2020/12";
    let day = format!("{month}/20/");
    let day_by_its_month = format!("{month}/../12/20");
    let window = ["summary", "--since", "2020-12-22T12:00:00Z"];
    for roots in [
        ["sample-logs", day.as_str()],
        [day.as_str(), "sample-logs"],
        ["sample-logs", day_by_its_month.as_str()],
    ] {
        let output = run(&[&window[..], &roots].concat());
        let printed = stdout(&output);
        let summary = before_elapsed(&printed);
        // The 15 files of the window and the named folder's one file (5 records).
        assert!(
            summary.starts_with(concat!(
                "files read        16\n",
                "files skipped     1 (not a log file name 1)\n",
                "date folders      6 not read (outside --since/--until)\n",
                "files failed      0\n",
                "records scanned   52\n",
            )),
            "{roots:?}: {summary}"
        );
        assert_eq!(
            stderr(&output),
            "trailmask: 16 files read, 1 skipped, 0 failed, 6 date folders outside the window; \
             2 role assumptions\n",
            "{roots:?}"
        );
    }
}

/// Files named so that later hops sort (and are read) before the hops that created their
/// sessions: the chains come out the same.
#[test]
fn chains_do_not_depend_on_file_order() {
    let dir = Dir::new();
    let mut files: Vec<std::path::PathBuf> = walk(&repo().join("sample-logs"));
    files.sort();
    for (index, file) in files.iter().enumerate() {
        let name = format!("{:03}.json.gz", files.len() - index);
        std::fs::copy(file, dir.path(&name)).unwrap();
    }
    let column = |text: &str, name: &str| -> Vec<String> {
        let rows = csv_rows(text);
        let col = rows[0].iter().position(|h| h == name).unwrap();
        rows[1..].iter().map(|r| r[col].clone()).collect()
    };
    let original = ok(&["events", "-q", "sample-logs"]);
    let shuffled = stdout(&run_in(dir.root.path(), &["events", "-q", "."], None));
    for name in ["event_id", "chain_depth", "chain_origin", "parent_event_id"] {
        assert_eq!(column(&original, name), column(&shuffled, name), "{name}");
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.to_string_lossy().ends_with(".json.gz")
            && !path.to_string_lossy().contains("Digest")
        {
            files.push(path);
        }
    }
    files
}

#[test]
fn services_and_edges_name_accounts() {
    let names = ["--accounts", "tests/golden/accounts.csv"];
    let services = ok(&["services", "-q", names[0], names[1], "sample-logs"]);
    golden("sample-services-named.txt", &services);
    golden(
        "sample-edges-named.csv",
        &ok(&["edges", "-q", names[0], names[1], "sample-logs"]),
    );
}

#[test]
fn a_scan_without_chain_links_differs_only_in_chain_fields() {
    use trailmask::testing::{ScanOptions, scan};
    let read = |link_chains| {
        let options = ScanOptions {
            paths: vec!["sample-logs".into()],
            link_chains,
            ..ScanOptions::default()
        };
        scan(&options, &|_| {}).events
    };
    let linked = read(true);
    let mut unlinked = read(false);
    assert!(unlinked.iter().all(|e| e.chain.is_none()));
    let depths: Vec<Option<u32>> = linked.iter().map(|e| e.chain().depth).collect();
    assert_eq!(depths.iter().flatten().max(), Some(&4));
    for (event, linked) in unlinked.iter_mut().zip(&linked) {
        event.chain = linked.chain.clone();
    }
    assert_eq!(unlinked, linked);
}

#[test]
fn a_scan_not_sorted_by_time_holds_the_same_events_in_path_order() {
    use trailmask::testing::{ScanOptions, scan};
    let read = |by_time| {
        let options = ScanOptions {
            paths: vec!["sample-logs".into()],
            link_chains: false,
            by_time,
            ..ScanOptions::default()
        };
        scan(&options, &|_| {}).events
    };
    let sorted = read(true);
    let unsorted = read(false);
    let files: Vec<&str> = unsorted.iter().map(|e| &*e.log_file).collect();
    assert!(files.is_sorted(), "path order");
    assert_ne!(unsorted, sorted, "sample-logs' files are not in time order");
    let mut resorted = unsorted.clone();
    resorted.sort_by(|a, b| trailmask::testing::output_order(a, b));
    assert_eq!(resorted, sorted);
}

#[test]
fn graph_dot_account_level() {
    golden(
        "sample-graph-accounts.dot",
        &ok(&[
            "graph",
            "-q",
            "--level",
            "account",
            "--accounts",
            "tests/golden/accounts.csv",
            "sample-logs",
        ]),
    );
    golden(
        "sample-graph-accounts.json",
        &ok(&[
            "graph",
            "-q",
            "--level",
            "account",
            "--format",
            "json",
            "sample-logs",
        ]),
    );
}

#[test]
fn focus_from_follows_alices_chains_and_to_who_reached_a_role() {
    golden(
        "sample-chains-from-alice.csv",
        &ok(&[
            "chains",
            "-q",
            "--format",
            "csv",
            "--from",
            "*:user/alice",
            "sample-logs",
        ]),
    );
    // By name, and in any case (IAM names users and roles case-insensitively).
    assert_eq!(
        ok(&[
            "chains",
            "-q",
            "--format",
            "csv",
            "--from",
            "ALICE",
            "sample-logs"
        ]),
        ok(&[
            "chains",
            "-q",
            "--format",
            "csv",
            "--from",
            "*:user/alice",
            "sample-logs"
        ])
    );
    assert_eq!(
        ok(&["edges", "-q", "--to", "datareader", "sample-logs"]),
        ok(&["edges", "-q", "--to", "*:role/DataReader", "sample-logs"])
    );
    golden(
        "sample-edges-to-datareader.csv",
        &ok(&["edges", "-q", "--to", "*:role/DataReader", "sample-logs"]),
    );
    golden(
        "sample-chains-from-alice-depth-2.csv",
        &ok(&[
            "chains",
            "-q",
            "--format",
            "csv",
            "--from",
            "*:user/alice",
            "--depth",
            "2",
            "sample-logs",
        ]),
    );
}

/// Filters that keep nothing say so (even under -q): a typo in a glob is not "no activity".
#[test]
fn filters_that_keep_nothing_say_so() {
    let output = run(&["graph", "-q", "--from", "nosuchuser", "sample-logs"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stderr(&output),
        "trailmask: no role assumption matched the filters (26 read)\n"
    );
    let none = run(&["events", "-q", "--account", "101010101010", "sample-logs"]);
    assert_eq!(
        stderr(&none),
        "trailmask: no role assumption matched the filters (26 read)\n"
    );
    assert_eq!(stdout(&none).lines().count(), 1, "the header alone");
}

/// `--account` takes a name from the `--accounts` file too, in any case.
#[test]
fn account_filter_takes_a_name_from_the_accounts_file() {
    let named = ok(&[
        "edges",
        "-q",
        "--accounts",
        "tests/golden/accounts.csv",
        "--account",
        "PROD",
        "sample-logs",
    ]);
    let by_id = ok(&[
        "edges",
        "-q",
        "--accounts",
        "tests/golden/accounts.csv",
        "--account",
        "222222222222",
        "sample-logs",
    ]);
    assert_eq!(named, by_id);
    assert_eq!(named.lines().count(), 11);
}

/// Review (session 21): an `--account` that names no account (a name mistyped, a name without
/// the file that defines it) was a filter that kept nothing; it is a usage error.
#[test]
fn an_account_that_names_no_account_is_a_usage_error() {
    let file = ["--accounts", "tests/golden/accounts.csv"];
    for (args, message) in [
        (
            &["--account", "prdo"][..],
            "invalid --account 'prdo': not an account id (a name needs --accounts FILE)",
        ),
        (
            &[file[0], file[1], "--account", "prdo"][..],
            "invalid --account 'prdo': neither an account id nor a name in tests/golden/accounts.csv",
        ),
    ] {
        let output = run(&[&["events", "-q"], args, &["sample-logs"]].concat());
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(stderr(&output), format!("trailmask: error: {message}\n"));
        assert_eq!(stdout(&output), "");
    }
}

/// New user (session 25): an accounts file of `name,id` lines, or of spaces, was taken as it
/// was, and every account of the trail was then drawn outside the organization; an id one
/// digit short was a filter that kept nothing.
#[test]
fn an_accounts_file_that_is_not_id_name_lines_is_a_usage_error() {
    let dir = Dir::new();
    for (text, message) in [
        (
            "name,id\nprod,222222222222\n",
            "line 1: 'name' is not an account id (12 digits; each line is `id,name`)",
        ),
        (
            "222222222222 prod\n",
            "line 1: '222222222222 prod' is not an account id (12 digits; each line is `id,name`)",
        ),
        (
            "id,name\n222222222222,prod\n# a comment\n222222222222,dev\n",
            "line 4: account 222222222222 is listed twice, as 'prod' (line 2) and 'dev'",
        ),
    ] {
        let file = dir.write("accounts.csv", text.as_bytes());
        let file = file.to_str().unwrap();
        let output = run(&["graph", "-q", "--accounts", file, "sample-logs"]);
        assert_eq!(output.status.code(), Some(2));
        assert_eq!(
            stderr(&output),
            format!("trailmask: error: {file}: cannot read the accounts file: {message}\n")
        );
        assert_eq!(stdout(&output), "");
    }
    // The same id twice under one name is no conflict.
    let file = dir.write(
        "accounts.csv",
        b"111111111111,management\n111111111111,management\n",
    );
    let output = run(&[
        "graph",
        "-q",
        "--accounts",
        file.to_str().unwrap(),
        "sample-logs",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // Digits of another length are matched as written, said: a digit dropped by mistake
    // matches nothing, and a sanitised sample's id (AWS's `123456789`) is found.
    let short = run(&["events", "-q", "--account", "22222222222", "sample-logs"]);
    assert_eq!(short.status.code(), Some(0));
    assert_eq!(
        stderr(&short),
        "trailmask: --account '22222222222' is not 12 digits (an account id has 12): matched as written\n\
         trailmask: no role assumption matched the filters (26 read)\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let sanitised = dir.path().join("sanitised.json");
    let text = r#"{"Records":[{"eventVersion":"1.08","eventTime":"2023-05-19T07:44:30Z",
        "eventSource":"sts.amazonaws.com","eventName":"AssumeRole","awsRegion":"eu-west-3",
        "userIdentity":{"type":"AWSService","invokedBy":"ec2.amazonaws.com"},
        "requestParameters":{"roleArn":"arn:aws:iam::123456789:role/rolename","roleSessionName":"s"},
        "responseElements":{"assumedRoleUser":{"arn":"arn:aws:sts::123456789:assumed-role/rolename/s"}},
        "recipientAccountId":"123456789","eventID":"e1"}]}"#;
    std::fs::write(&sanitised, text).unwrap();
    let found = run(&[
        "events",
        "-q",
        "--account",
        "123456789",
        sanitised.to_str().unwrap(),
    ]);
    assert_eq!(found.status.code(), Some(0), "{}", stderr(&found));
    assert_eq!(
        stderr(&found),
        "trailmask: --account '123456789' is not 12 digits (an account id has 12): matched as written\n"
    );
    assert_eq!(stdout(&found).lines().count(), 2, "{}", stdout(&found));
}

/// Copies `from` (a folder) to `to`, files and folders.
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Read without the management account's trail (where alice put on Admin), alice's chain into
/// the vendor's account is still a chain: from the caller of its earliest hop read, with no
/// origin, its depth the hops read. (It was no row at all, while `edges` and `graph` showed
/// its hops.)
#[test]
fn a_chain_whose_first_hop_is_not_read_starts_at_its_earliest_hop_read() {
    let dir = Dir::new();
    let org = "AWSLogs/o-a1b2c3d4e5";
    for account in ["222222222222", "333333333333"] {
        copy_tree(
            &repo().join("sample-logs").join(org).join(account),
            &dir.path(&format!("{org}/{account}")),
        );
    }
    let trail = dir.path("AWSLogs");
    let trail = trail.to_str().unwrap();
    let from_management = ok(&[
        "chains",
        "-q",
        "--format",
        "csv",
        "--from",
        "111111111111*",
        trail,
    ]);
    assert_eq!(
        from_management,
        "depth,count,first_seen,last_seen,cross_account_hops,returns,outcome,origin,chain\n\
         3,1,2020-12-20T10:05:00Z,2020-12-20T10:09:10Z,3,0,success,,[... hops not read ...] -> \
         111111111111#AROA5000015:alice-admin =[cross-account]=> arn:aws:iam::222222222222:role/Deployer \
         =[cross-account]=> arn:aws:iam::333333333333:role/DataReader =[cross-account]=> \
         arn:aws:iam::555555555555:role/VendorAuditAccess\n\
         1,1,2020-12-20T09:00:00Z,2020-12-20T09:00:00Z,1,0,success,111111111111#AIDA1483521664,\
         111111111111#AIDA1483521664 =[cross-account]=> arn:aws:iam::222222222222:role/OrganizationAccountAccessRole\n\
         1,1,2020-12-22T08:02:00Z,2020-12-22T08:02:00Z,1,0,success,,[... hops not read ...] -> \
         111111111111#AROA5000015:alice-admin =[cross-account]=> arn:aws:iam::222222222222:role/Deployer\n"
    );
    // Its depth is the hops read, as `--depth` counts them: the two agree.
    let deep = ok(&["chains", "-q", "--format", "csv", "--min-depth", "2", trail]);
    let rows: Vec<(&str, &str)> = deep
        .lines()
        .map(|row| {
            let cells: Vec<&str> = row.split(',').collect();
            (cells[0], cells[7])
        })
        .collect();
    assert_eq!(
        rows,
        [("depth", "origin"), ("3", ""), ("2", "ec2.amazonaws.com")]
    );
    let shallow = ok(&["chains", "-q", "--format", "csv", "--depth", "1", trail]);
    assert!(
        shallow.lines().skip(1).all(|row| row.starts_with("1,")),
        "{shallow}"
    );
}

/// Review (session 25): chains whose first hops are unread start at the role their caller
/// wore, so that sessions of one role (named at random by SDKs) make one path; a return to
/// that role counts; a caller CloudTrail does not name starts the chain as unknown.
#[test]
fn chains_begun_before_the_logs_read_meet_by_their_callers_role() {
    let record = |id: &str, second: u32, identity: &str, role: &str| {
        format!(
            r#"{{"eventVersion":"1.08","eventTime":"2021-05-07T08:00:{second:02}Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","awsRegion":"us-east-1","eventID":"{id}","recipientAccountId":"111111111111","userIdentity":{identity},"requestParameters":{{"roleArn":"arn:aws:iam::111111111111:role/{role}","roleSessionName":"s-{id}"}},"responseElements":{{"credentials":{{"accessKeyId":"ASIA{id}"}},"assumedRoleUser":{{"arn":"arn:aws:sts::111111111111:assumed-role/{role}/s-{id}"}}}}}}"#
        )
    };
    let admin_session = |session: &str| {
        format!(
            r#"{{"type":"AssumedRole","arn":"arn:aws:sts::111111111111:assumed-role/Admin/{session}","accountId":"111111111111","accessKeyId":"ASIA{session}","sessionContext":{{"sessionIssuer":{{"type":"Role","arn":"arn:aws:iam::111111111111:role/Admin"}},"attributes":{{"creationDate":"2021-05-07T07:59:00Z"}}}}}}"#
        )
    };
    let records = [
        record("a1", 1, &admin_session("botocore-session-1"), "Deployer"),
        record("a2", 2, &admin_session("botocore-session-2"), "Deployer"),
        // A session of Admin that puts Admin on again: a return.
        record("a3", 3, &admin_session("botocore-session-3"), "Admin"),
        record("a4", 4, "null", "Deployer"),
    ];
    let dir = Dir::new();
    let trail = dir.write_trail(&records);
    let trail = trail.to_str().unwrap();
    let out = ok(&["chains", "-q", "--format", "csv", trail]);
    let rows: Vec<String> = csv_rows(&out)
        .into_iter()
        .map(|row| format!("{} {} {} {}", row[0], row[1], row[5], row[8]))
        .collect();
    assert_eq!(
        rows,
        [
            "depth count returns chain",
            "1 2 0 [... hops not read ...] -> arn:aws:iam::111111111111:role/Admin -> arn:aws:iam::111111111111:role/Deployer",
            "1 1 0 (unknown caller) -> arn:aws:iam::111111111111:role/Deployer",
            "1 1 1 [... hops not read ...] -> arn:aws:iam::111111111111:role/Admin -> arn:aws:iam::111111111111:role/Admin",
        ]
    );
    // `--from` finds them by that role, as by the session's own name.
    let from = |glob: &str| {
        ok(&["chains", "-q", "--format", "csv", "--from", glob, trail])
            .lines()
            .count()
            - 1
    };
    assert_eq!((from("Admin"), from("botocore-session-1")), (2, 1));
}

/// New user (session 25): `--source alice` matched nothing (only the whole ARN did), while
/// `--from alice` and `--role Admin` match names; a source's name now matches too.
#[test]
fn source_matches_a_principal_by_name_too() {
    let by_name = ok(&["events", "-q", "--source", "alice", "sample-logs"]);
    let by_arn = ok(&["events", "-q", "--source", "*:user/alice", "sample-logs"]);
    assert_eq!(by_name, by_arn);
    assert_eq!(by_name.lines().count(), 1 + 3);
    // A session's source by its role's name.
    let sessions = ok(&["events", "-q", "--source", "Admin", "sample-logs"]);
    let rows = csv_rows(&sessions);
    let sources: std::collections::BTreeSet<&str> =
        rows[1..].iter().map(|row| row[5].as_str()).collect();
    assert_eq!(
        sources.into_iter().collect::<Vec<_>>(),
        ["arn:aws:sts::111111111111:assumed-role/Admin/alice-admin"]
    );
    // And the passers of `passrole`.
    assert_eq!(
        ok(&["passrole", "-q", "--source", "alice", "sample-logs"]),
        ok(&["passrole", "-q", "--source", "*:user/alice", "sample-logs"])
    );
}

/// New user (session 25): `graph --top 0` wrote an empty graph without a word.
#[test]
fn graph_top_zero_is_a_usage_error() {
    let output = run(&["graph", "-q", "--top", "0", "sample-logs"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("error: invalid value '0' for '--top <N>': 0 is not in 1.."),
        "{}",
        stderr(&output)
    );
    assert_eq!(stdout(&output), "");
}

/// `table` and `text` name the same tables in every command that prints one.
#[test]
fn table_and_text_are_one_format() {
    for (command, given, named) in [
        ("chains", "table", "text"),
        ("summary", "table", "text"),
        ("services", "text", "table"),
        ("findings", "text", "table"),
        ("activity", "text", "table"),
        ("passrole", "text", "table"),
    ] {
        let alias = run(&[command, "-q", "--format", given, "sample-logs"]);
        let name = run(&[command, "-q", "--format", named, "sample-logs"]);
        assert_eq!(alias.status.code(), Some(0), "{command} {given}");
        let text = |output: &std::process::Output| {
            // Without summary's elapsed line.
            let all = stdout(output);
            all.split("elapsed").next().unwrap_or_default().to_owned()
        };
        assert_eq!(text(&alias), text(&name), "{command} {given}");
        assert!(!text(&name).is_empty(), "{command}");
    }
}

/// A new user (session 28): a refused attempt read as a role reached. `chains --to B` listed
/// bob's refused try at B like alice's success, and with `--exclude-failed` kept the hops
/// before bob's refused try (his chain never reached B). A refused hop is now its own path,
/// drawn `-[refused]->` with outcome `failure`, and counts as no return; `--to` with an
/// outcome filter counts only the attempts it keeps.
#[test]
fn a_refused_attempt_is_marked_and_reaches_nothing() {
    let record = |id: &str, second: u32, identity: &str, role: &str, refused: bool| {
        let outcome = if refused {
            r#""errorCode":"AccessDenied","responseElements":null"#.to_owned()
        } else {
            format!(
                r#""responseElements":{{"credentials":{{"accessKeyId":"ASIA{id}"}},"assumedRoleUser":{{"arn":"arn:aws:sts::111111111111:assumed-role/{role}/s-{id}"}}}}"#
            )
        };
        format!(
            r#"{{"eventVersion":"1.08","eventTime":"2021-05-07T08:00:{second:02}Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","awsRegion":"us-east-1","eventID":"{id}","recipientAccountId":"111111111111","userIdentity":{identity},"requestParameters":{{"roleArn":"arn:aws:iam::111111111111:role/{role}","roleSessionName":"s-{id}"}},{outcome}}}"#
        )
    };
    let user = |name: &str| {
        format!(
            r#"{{"type":"IAMUser","arn":"arn:aws:iam::111111111111:user/{name}","accountId":"111111111111","accessKeyId":"AKIA{name}"}}"#
        )
    };
    let session_of = |id: &str| {
        format!(
            r#"{{"type":"AssumedRole","arn":"arn:aws:sts::111111111111:assumed-role/A/s-{id}","accountId":"111111111111","accessKeyId":"ASIA{id}","sessionContext":{{"sessionIssuer":{{"type":"Role","arn":"arn:aws:iam::111111111111:role/A"}},"attributes":{{"creationDate":"2021-05-07T08:00:00Z"}}}}}}"#
        )
    };
    let records = [
        record("a1", 1, &user("alice"), "A", false),
        record("a2", 2, &session_of("a1"), "B", true),
        record("a3", 3, &user("alice"), "A", false),
        record("a4", 4, &session_of("a3"), "B", false),
        record("b1", 5, &user("bob"), "A", false),
        record("b2", 6, &session_of("b1"), "B", true),
        // A refused attempt at a role already worn on the path is no return.
        record("b3", 7, &session_of("b1"), "A", true),
    ];
    let dir = Dir::new();
    let trail = dir.write_trail(&records);
    let trail = trail.to_str().unwrap();
    let rows = |args: &[&str]| -> Vec<String> {
        let out = ok(&[&["chains", "-q", "--format", "csv"], args, &[trail]].concat());
        csv_rows(&out)
            .into_iter()
            .map(|row| format!("{} {} {} {} {}", row[0], row[1], row[5], row[6], row[8]))
            .collect()
    };
    let (a, b) = (
        "arn:aws:iam::111111111111:role/A",
        "arn:aws:iam::111111111111:role/B",
    );
    let (alice, bob) = (
        "arn:aws:iam::111111111111:user/alice",
        "arn:aws:iam::111111111111:user/bob",
    );
    assert_eq!(
        rows(&[]),
        [
            "depth count returns outcome chain".to_owned(),
            format!("2 1 0 success {alice} -> {a} -> {b}"),
            format!("2 1 0 failure {alice} -> {a} -[refused]-> {b}"),
            format!("2 1 0 failure {bob} -> {a} -[refused]-> {a}"),
            format!("2 1 0 failure {bob} -> {a} -[refused]-> {b}"),
        ]
    );
    assert_eq!(
        rows(&["--to", "B", "--exclude-failed"]),
        [
            "depth count returns outcome chain".to_owned(),
            format!("2 1 0 success {alice} -> {a} -> {b}"),
        ]
    );
    let events = ok(&["events", "-q", "--to", "B", "--exclude-failed", trail]);
    let ids: Vec<String> = csv_rows(&events)
        .into_iter()
        .skip(1)
        .map(|row| row[23].clone())
        .collect();
    assert_eq!(ids, ["a3", "a4"], "{events}");
}

/// A new user (session 28): a summary of a window that holds no log file printed
/// `accounts 0: `, `time range  .. ` and a speed of zero bytes read.
#[test]
fn a_summary_of_nothing_read_says_so() {
    let sample = repo().join("sample-logs");
    let output = run(&[
        "summary",
        "-q",
        "--since",
        "2030-01-01",
        sample.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(
        before_elapsed(&text),
        "files read        0\n\
         files skipped     1 (not a log file name 1)\n\
         date folders      7 not read (outside --since/--until)\n\
         files failed      0\n\
         records scanned   0\n\
         role assumptions  0 (0 duplicate copies dropped)\n\
         cross-account     0\n\
         accounts          0\n\
         time range        none (no role assumption with a time)\n"
    );
    let elapsed = text.lines().last().unwrap();
    assert!(
        elapsed.starts_with("elapsed ") && elapsed.ends_with(" s"),
        "{elapsed}"
    );
}

/// A new user (session 28): `--accounts` named accounts in `events`, `edges`, `services` and
/// the graph, but `activity` showed only ids. Its session and role views now give
/// `role_account_name` after `role_account`, as `services` does (only with `--accounts`).
#[test]
fn activity_names_the_role_account_with_accounts() {
    let sample = repo().join("sample-logs");
    let accounts = repo().join("tests/golden/accounts.csv");
    let (sample, accounts) = (sample.to_str().unwrap(), accounts.to_str().unwrap());
    let first_rows = |by: &str, with_names: bool| {
        let mut args = vec!["activity", "-q", "--by", by];
        if with_names {
            args.extend(["--accounts", accounts]);
        }
        args.push(sample);
        csv_rows(&ok(&args))
            .into_iter()
            .take(2)
            .map(|row| row[..5].join(","))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        first_rows("session", true),
        [
            "session_arn,role_arn,role_account,role_account_name,origin",
            "arn:aws:sts::111111111111:assumed-role/Admin/alice-admin,\
             arn:aws:iam::111111111111:role/Admin,111111111111,management,\
             arn:aws:iam::111111111111:user/alice"
        ]
    );
    assert_eq!(
        first_rows("role", true),
        [
            "role_arn,role_account,role_account_name,sessions,origins",
            "arn:aws:iam::111111111111:role/Admin,111111111111,management,2,\
             arn:aws:iam::111111111111:user/alice"
        ]
    );
    assert_eq!(
        first_rows("role", false)[0],
        "role_arn,role_account,sessions,origins,calls"
    );
}

/// A red-team's case (session 40): `edges` said `cross_account` false for a hop whose
/// caller's account is unknown, or whose role names none, where `events` leaves it empty.
#[test]
fn an_edge_whose_accounts_are_not_known_is_not_said_to_stay_in_one() {
    let dir = tempfile::tempdir().unwrap();
    let hop = |caller: &str, role: &str, id: &str| {
        format!(
            r#"{{"eventTime":"2024-01-01T10:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","userIdentity":{caller},"requestParameters":{{"roleArn":"{role}","roleSessionName":"s"}},"eventID":"{id}"}}"#
        )
    };
    let user =
        r#"{"type":"IAMUser","arn":"arn:aws:iam::111111111111:user/v","accountId":"111111111111"}"#;
    let records = [
        hop(
            r#"{"type":"Unknown"}"#,
            "arn:aws:iam::222222222222:role/R",
            "e1",
        ),
        hop(user, "arn:aws:iam:::role/T", "e2"),
        hop(user, "arn:aws:iam::111111111111:role/Same", "e3"),
        hop(user, "arn:aws:iam::222222222222:role/R", "e4"),
    ];
    let path = dir.path().join("t.json");
    std::fs::write(&path, format!(r#"{{"Records":[{}]}}"#, records.join(","))).unwrap();
    let path = path.to_str().unwrap();
    let csv = ok(&["edges", "-q", path]);
    let rows: Vec<String> = csv_rows(&csv)
        .iter()
        .map(|row| format!("{} {} {:?}", row[1], row[4], row[6]))
        .collect();
    assert_eq!(
        rows,
        [
            "source role_arn \"cross_account\"",
            "arn:aws:iam::111111111111:user/v arn:aws:iam::111111111111:role/Same \"false\"",
            "arn:aws:iam::111111111111:user/v arn:aws:iam::222222222222:role/R \"true\"",
            "arn:aws:iam::111111111111:user/v arn:aws:iam:::role/T \"\"",
            "(unknown caller) arn:aws:iam::222222222222:role/R \"\"",
        ]
    );
    let graph = ok(&["graph", "-q", "--format", "json", "--level", "role", path]);
    let graph: serde_json::Value = serde_json::from_str(&graph).unwrap();
    let mut crossing: Vec<String> = (graph["edges"].as_array().unwrap().iter())
        .map(|edge| edge["cross_account"].to_string())
        .collect();
    crossing.sort();
    assert_eq!(crossing, ["false", "null", "null", "true"]);
}
