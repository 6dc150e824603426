//! Determinism past several output chunks: a generated organization trail of 10,500 role
//! assumptions (chains, cross-account hops, refusals, duplicate copies, ordinary records as
//! noise) in 100 gzip delivery files, through every command with `-j 1`, `-j 2` and `-j 5`,
//! and with the files named on the command line in a shuffled order, in sorted order, or as
//! the folder that holds them. Every output must be byte-identical, and hold exactly what was
//! generated.

use crate::harness::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Rows per chunk the exporters format in parallel (`CHUNK_ROWS` in src/export/mod.rs): the
/// tables and graphs below must span several of them for the chunking to be tested at all.
const CHUNK_ROWS: usize = 2048;

const ACCOUNTS: [&str; 5] = [
    "210000000001",
    "210000000002",
    "210000000003",
    "210000000004",
    "210000000005",
];
const REGIONS: [&str; 2] = ["eu-west-1", "us-east-1"];
/// Days of 2021-03 the trail covers: one delivery file per account, region and day.
const DAYS: u32 = 10;
const ROLES: [&str; 12] = [
    "Admin",
    "Deployer",
    "ReadOnly",
    "DataReader",
    "Auditor",
    "BreakGlass",
    "Ops",
    "Billing",
    "Network",
    "Security",
    "CI",
    "Support",
];
const USERS_PER_ACCOUNT: usize = 40;
const SERVICES: [&str; 3] = [
    "ec2.amazonaws.com",
    "lambda.amazonaws.com",
    "ecs-tasks.amazonaws.com",
];
const CHAINS: usize = 4_200;
/// Chain `i` is `DEPTHS[i % 10]` hops long: 25 hops per 10 chains, 10,500 in all.
const DEPTHS: [u32; 10] = [1, 1, 1, 2, 2, 2, 3, 3, 4, 6];
/// Ordinary records per delivery file.
const NOISE_PER_FILE: usize = 40;

/// splitmix64 over a counter: the generator's only randomness, so the corpus is fixed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn uuid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    /// Fisher-Yates.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// A delivery file: account, region, day of March 2021.
type FileKey = (String, String, u32);
type Files = BTreeMap<FileKey, Vec<String>>;

/// The row `events` must write for one role assumption.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    depth: String,
    origin: String,
    link: String,
    parent: String,
    outcome: String,
    cross: String,
    /// The delivery files holding the caller's copy (two when it was redelivered): the row
    /// names the first by path.
    files: Vec<FileKey>,
}

/// What the corpus holds, counted while it was generated.
#[derive(Default)]
struct Expected {
    /// By the `eventID` of the copy that must be kept (the caller's).
    rows: BTreeMap<String, Row>,
    /// Chains by the depth of their last hop.
    chains_by_depth: BTreeMap<u32, usize>,
    /// Copies beyond the first: role-account copies and redeliveries.
    copies: usize,
    /// Role-assumption records, copies included.
    records: usize,
    /// (source, role) of the role-level graph: a hop's source is the user, the service, or
    /// the role that issued the calling session.
    edges: BTreeSet<(String, String)>,
    /// (source, target) of the session-level graph: the target is the session created, or
    /// the role refused.
    session_edges: BTreeSet<(String, String)>,
    /// Role assumptions by each service.
    by_service: BTreeMap<&'static str, usize>,
    first: String,
    last: String,
}

impl Expected {
    fn events_by_depth(&self) -> BTreeMap<u32, usize> {
        let mut counts = BTreeMap::new();
        for row in self.rows.values() {
            *counts.entry(row.depth.parse().unwrap()).or_default() += 1;
        }
        counts
    }

    fn count(&self, keep: impl Fn(&Row) -> bool) -> usize {
        self.rows.values().filter(|row| keep(row)).count()
    }
}

/// The time `seconds` after 2021-03-01T00:00:00Z, as CloudTrail writes it.
fn time(seconds: u64) -> String {
    let t = chrono::DateTime::parse_from_rfc3339("2021-03-01T00:00:00Z").unwrap()
        + chrono::TimeDelta::seconds(seconds as i64);
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The delivery file of a record at `seconds` in `account`'s trail.
fn file_key(account: &str, region: &str, seconds: u64) -> FileKey {
    (
        account.to_owned(),
        region.to_owned(),
        (seconds / 86_400) as u32 + 1,
    )
}

/// A caller acting in the session that returned `key` at `created`.
fn session_identity(account: &str, role: &str, session: &str, key: &str, created: &str) -> Value {
    json!({
        "type": "AssumedRole",
        "arn": format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"),
        "accountId": account,
        "accessKeyId": key,
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::{account}:role/{role}")},
            "attributes": {"creationDate": created},
        },
    })
}

/// The caller of a hop.
struct Caller {
    identity: Value,
    /// Empty for a service (it acts in the role's account).
    account: String,
    /// The user's ARN, the service, or the calling session's ARN.
    arn: String,
    /// Its role-level graph node: the user, the service, or the role that issued the session.
    graph_source: String,
    /// The event that created the calling session, if any.
    parent: String,
}

/// Generates the trail: `CHAINS` chains, each started by an IAM user (or, one in nine, an AWS
/// service) and continued by the session each hop created (its key and creation time, as
/// CloudTrail names them), hops 30 s apart; the last hop of one chain in seven is refused.
/// One hop in four goes to a random account (the caller's own one time in five); a hop into
/// another account is also delivered to the role's account as an `AWSAccount` copy sharing a
/// `sharedEventID`. One role assumption in 97 is delivered twice to its caller's trail (once
/// in the other region's file).
fn generate() -> (Files, Expected) {
    let mut rng = Rng(21_0008);
    let mut files = Files::new();
    let mut expected = Expected::default();
    let span = u64::from(DAYS) * 86_400 - 600;
    let mut serial = 0usize;
    for chain in 0..CHAINS {
        let depth = DEPTHS[chain % DEPTHS.len()];
        let refused_last = chain % 7 == 3;
        let region = REGIONS[chain % REGIONS.len()];
        let start = chain as u64 * span / CHAINS as u64 + rng.below(60) as u64;
        let service = (chain % 9 == 4).then(|| SERVICES[chain / 9 % SERVICES.len()]);
        let mut caller = match service {
            Some(service) => Caller {
                identity: json!({"type": "AWSService", "invokedBy": service}),
                account: String::new(),
                arn: service.to_owned(),
                graph_source: service.to_owned(),
                parent: String::new(),
            },
            None => {
                let account = ACCOUNTS[rng.below(ACCOUNTS.len())];
                let user = format!("user{:02}", rng.below(USERS_PER_ACCOUNT));
                let arn = format!("arn:aws:iam::{account}:user/{user}");
                Caller {
                    identity: json!({
                        "type": "IAMUser", "arn": arn, "accountId": account,
                        "accessKeyId": format!("AKIA{account}{user}"),
                    }),
                    account: account.to_owned(),
                    graph_source: arn.clone(),
                    arn,
                    parent: String::new(),
                }
            }
        };
        let origin = caller.arn.clone();
        for hop in 1..=depth {
            serial += 1;
            let seconds = start + 30 * u64::from(hop - 1);
            let at = time(seconds);
            let role_account = if caller.account.is_empty() || rng.below(4) == 0 {
                ACCOUNTS[rng.below(ACCOUNTS.len())].to_owned()
            } else {
                caller.account.clone()
            };
            let caller_account = if caller.account.is_empty() {
                role_account.clone()
            } else {
                caller.account.clone()
            };
            let cross = caller_account != role_account;
            let role = ROLES[rng.below(ROLES.len())];
            let role_arn = format!("arn:aws:iam::{role_account}:role/{role}");
            let session = format!("c{chain}-h{hop}");
            let session_arn = format!("arn:aws:sts::{role_account}:assumed-role/{role}/{session}");
            let key = format!("ASIA{serial:016}");
            let refused = refused_last && hop == depth;
            let by_service = hop == 1 && service.is_some();
            let event_id = rng.uuid();
            let mut record = json!({
                "userIdentity": caller.identity,
                "eventTime": at,
                "eventSource": "sts.amazonaws.com",
                "eventName": "AssumeRole",
                "awsRegion": region,
                "sourceIPAddress": service.filter(|_| by_service).map_or_else(|| format!("10.{}.{hop}.{}", chain % 250, serial % 250), str::to_owned),
                "requestParameters": {"roleArn": role_arn, "roleSessionName": session},
                "responseElements": null,
                "eventID": event_id,
                "recipientAccountId": caller_account,
            });
            if refused {
                record["errorCode"] = json!("AccessDenied");
                record["errorMessage"] = json!(format!(
                    "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                    caller.arn
                ));
            } else {
                let mut response = json!({"credentials": {"accessKeyId": key}});
                // Services get no assumedRoleUser (the session ARN is derived).
                if !by_service {
                    response["assumedRoleUser"] = json!({"arn": session_arn});
                }
                record["responseElements"] = response;
            }
            // The identity shared by the copies of one event: the service's own, or, across
            // accounts, the one the role account's copy carries too.
            if by_service || cross {
                record["sharedEventID"] = json!(rng.uuid());
            }
            if let Some(service) = service.filter(|_| by_service) {
                *expected.by_service.entry(service).or_default() += 1;
            }
            expected
                .edges
                .insert((caller.graph_source.clone(), role_arn.clone()));
            expected.session_edges.insert((
                caller.arn.clone(),
                if refused {
                    role_arn.clone()
                } else {
                    session_arn.clone()
                },
            ));
            if expected.first.is_empty() || at < expected.first {
                expected.first.clone_from(&at);
            }
            if at > expected.last {
                expected.last.clone_from(&at);
            }

            let text = record.to_string();
            let mut row_files = vec![file_key(&caller_account, region, seconds)];
            if serial.is_multiple_of(97) {
                let other = REGIONS[(chain + 1) % REGIONS.len()];
                row_files.push(file_key(&caller_account, other, seconds));
            }
            for file in &row_files {
                files.entry(file.clone()).or_default().push(text.clone());
            }
            expected.records += row_files.len();
            expected.copies += row_files.len() - 1;
            if cross {
                record["userIdentity"] = json!({
                    "type": "AWSAccount",
                    "accountId": caller_account,
                    "accessKeyId": caller.identity["accessKeyId"],
                });
                record["eventID"] = json!(rng.uuid());
                record["recipientAccountId"] = json!(role_account);
                files
                    .entry(file_key(&role_account, region, seconds))
                    .or_default()
                    .push(record.to_string());
                expected.records += 1;
                expected.copies += 1;
            }
            expected.rows.insert(
                event_id.clone(),
                Row {
                    depth: hop.to_string(),
                    origin: origin.clone(),
                    link: if hop == 1 { "" } else { "access-key" }.to_owned(),
                    parent: caller.parent.clone(),
                    outcome: if refused { "failure" } else { "success" }.to_owned(),
                    cross: cross.to_string(),
                    files: row_files,
                },
            );
            if refused || hop == depth {
                *expected.chains_by_depth.entry(hop).or_default() += 1;
                break;
            }
            caller = Caller {
                identity: session_identity(&role_account, role, &session, &key, &at),
                account: role_account,
                arn: session_arn,
                graph_source: role_arn,
                parent: event_id,
            };
        }
    }
    (files, expected)
}

/// Ordinary records, `NOISE_PER_FILE` in every delivery file, among them records that mention
/// `AssumeRole` without being one (a trust policy, a lookup of AssumeRole events) and an STS
/// call that is no role assumption.
fn add_noise(rng: &mut Rng, files: &mut Files) -> usize {
    let mut added = 0;
    for account in ACCOUNTS {
        for region in REGIONS {
            for day in 1..=DAYS {
                let key = (account.to_owned(), region.to_owned(), day);
                for _ in 0..NOISE_PER_FILE {
                    let seconds = u64::from(day - 1) * 86_400 + rng.below(86_400) as u64;
                    let user = format!("user{:02}", rng.below(USERS_PER_ACCOUNT));
                    let (source, name, request) = match rng.below(6) {
                        0 => (
                            "iam.amazonaws.com",
                            "CreateRole",
                            json!({"roleName": "App", "assumeRolePolicyDocument": "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\"}]}"}),
                        ),
                        1 => (
                            "cloudtrail.amazonaws.com",
                            "LookupEvents",
                            json!({"lookupAttributes": [{"attributeKey": "EventName", "attributeValue": "AssumeRole"}]}),
                        ),
                        2 => ("sts.amazonaws.com", "GetCallerIdentity", Value::Null),
                        3 => (
                            "s3.amazonaws.com",
                            "GetObject",
                            json!({"bucketName": "logs", "key": format!("k{}", rng.below(1000))}),
                        ),
                        _ => (
                            "ec2.amazonaws.com",
                            "DescribeInstances",
                            json!({"instancesSet": {}}),
                        ),
                    };
                    let record = json!({
                        "userIdentity": {"type": "IAMUser", "arn": format!("arn:aws:iam::{account}:user/{user}"), "accountId": account, "accessKeyId": format!("AKIA{account}{user}")},
                        "eventTime": time(seconds),
                        "eventSource": source,
                        "eventName": name,
                        "awsRegion": region,
                        "requestParameters": request,
                        "responseElements": null,
                        "eventID": rng.uuid(),
                        "recipientAccountId": account,
                    });
                    files
                        .entry(key.clone())
                        .or_default()
                        .push(record.to_string());
                    added += 1;
                }
            }
        }
    }
    added
}

/// Writes every delivery file, its records shuffled, in the S3 layout of an organization
/// trail, and returns each file's path as the walk of `.` names it (`./AWSLogs/...`).
fn write_files(rng: &mut Rng, files: Files, dir: &Dir) -> BTreeMap<FileKey, String> {
    let mut paths = BTreeMap::new();
    for (key, mut records) in files {
        rng.shuffle(&mut records);
        let (account, region, day) = &key;
        let id: String = (0..16)
            .map(|_| b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[rng.below(32)] as char)
            .collect();
        let rel = format!(
            "AWSLogs/o-det21x8q0k/{account}/CloudTrail/{region}/2021/03/{day:02}/\
             {account}_CloudTrail_{region}_202103{day:02}T2355Z_{id}.json.gz"
        );
        dir.write_gz(&rel, &format!("{{\"Records\":[{}]}}", records.join(",")));
        paths.insert(key, format!("./{rel}"));
    }
    paths
}

/// Where two outputs first differ (they are megabytes long: no full dump).
fn assert_same(what: &str, expected: &str, actual: &str) {
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{what}: differs at line {} ({} vs {} bytes):\nexpected: {:?}\nactual:   {:?}",
            line + 1,
            expected.len(),
            actual.len(),
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

/// `summary --format json` without the three figures that change from run to run.
fn stable_summary(text: &str) -> String {
    let mut value: Value = serde_json::from_str(text).expect("summary JSON");
    let object = value.as_object_mut().expect("an object");
    for key in [
        "elapsed_seconds",
        "json_megabytes_per_second",
        "records_per_second",
    ] {
        assert!(object.remove(key).is_some(), "no {key} in {text}");
    }
    serde_json::to_string_pretty(&value).unwrap()
}

/// The commands compared, each over every variant of `VARIANTS`.
const COMMANDS: [&[&str]; 12] = [
    &["events"],
    &["events", "--format", "jsonl"],
    &["graph", "--level", "role"],
    &["graph", "--level", "account"],
    &["graph", "--format", "json"],
    &["graph", "--format", "mermaid", "--level", "role"],
    &["graph", "--level", "session"],
    &["chains", "--format", "csv"],
    &["services", "--format", "csv"],
    &["edges"],
    &["summary", "--format", "json"],
    &["report", "--level", "role"],
];

/// How the inputs are given.
#[derive(Clone, Copy, Debug)]
enum Inputs {
    Folder,
    Sorted,
    Shuffled,
}

/// (threads, inputs): the first is the reference the others must equal.
const VARIANTS: [(&str, Inputs); 5] = [
    ("1", Inputs::Folder),
    ("2", Inputs::Folder),
    ("5", Inputs::Folder),
    ("2", Inputs::Sorted),
    ("5", Inputs::Shuffled),
];

/// Every command over the generated trail: byte-identical for `-j 1`, `-j 2` and `-j 5` and
/// for any order of the files, and exactly the generated events, chains, services and edges.
#[test]
fn every_command_is_byte_identical_for_any_thread_count_and_input_order() {
    let (mut files, expected) = generate();
    let mut rng = Rng(0x5eed);
    let noise = add_noise(&mut rng, &mut files);
    let dir = Dir::new();
    let paths = write_files(&mut rng, files, &dir);
    let mut sorted: Vec<String> = paths.values().cloned().collect();
    sorted.sort();
    let mut shuffled = sorted.clone();
    Rng(42).shuffle(&mut shuffled);
    assert_ne!(shuffled, sorted);

    // The corpus, pinned.
    assert_eq!(sorted.len(), 100);
    assert_eq!(expected.rows.len(), 10_500);
    assert_eq!(
        expected.events_by_depth(),
        BTreeMap::from([
            (1, 4200),
            (2, 2940),
            (3, 1680),
            (4, 840),
            (5, 420),
            (6, 420)
        ])
    );
    assert_eq!(
        expected.chains_by_depth,
        BTreeMap::from([(1, 1260), (2, 1260), (3, 840), (4, 420), (6, 420)])
    );
    assert_eq!(expected.count(|r| r.outcome == "failure"), 600);
    assert_eq!(
        expected.by_service,
        BTreeMap::from([
            ("ec2.amazonaws.com", 156),
            ("ecs-tasks.amazonaws.com", 155),
            ("lambda.amazonaws.com", 156)
        ])
    );
    assert_eq!(expected.count(|r| r.cross == "true"), 2028);
    // 2028 role-account copies and 108 redeliveries.
    assert_eq!(expected.copies, 2136);
    assert_eq!(expected.records, 10_500 + 2136);
    assert_eq!(noise, 4000);
    assert_eq!(
        (expected.first.as_str(), expected.last.as_str()),
        ("2021-03-01T00:00:32Z", "2021-03-10T23:49:35Z")
    );
    // Rows, role-level edges and session-level edges: 6, 3 and 6 chunks of `CHUNK_ROWS`.
    assert_eq!(expected.edges.len(), 4369);
    assert_eq!(expected.session_edges.len(), 10_490);
    assert_eq!(
        [10_500, 4369, 10_490].map(|n: usize| n.div_ceil(CHUNK_ROWS)),
        [6, 3, 6]
    );

    let mut outputs: BTreeMap<String, String> = BTreeMap::new();
    for command in COMMANDS {
        let run = |threads: &str, inputs: Inputs| -> String {
            let mut args: Vec<&str> = command.to_vec();
            args.extend(["-q", "-j", threads]);
            match inputs {
                Inputs::Folder => args.push("."),
                Inputs::Sorted => args.extend(sorted.iter().map(String::as_str)),
                Inputs::Shuffled => args.extend(shuffled.iter().map(String::as_str)),
            }
            let output = run_in(dir.root.path(), &args, None);
            let what = format!("{command:?} -j {threads}, {inputs:?}");
            assert_eq!(output.status.code(), Some(0), "{what}: {}", stderr(&output));
            assert_eq!(stderr(&output), "", "{what}");
            let text = stdout(&output);
            if command[0] == "summary" {
                stable_summary(&text)
            } else {
                text
            }
        };
        // The variants of one command run side by side (the test's time is mostly theirs).
        let texts: Vec<String> = std::thread::scope(|scope| {
            let runs: Vec<_> = VARIANTS
                .iter()
                .map(|&(threads, inputs)| scope.spawn(move || run(threads, inputs)))
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        for (text, (threads, inputs)) in texts.iter().zip(VARIANTS).skip(1) {
            let what = format!("{command:?} with -j {threads}, {inputs:?}, vs -j 1, Folder");
            assert_same(&what, &texts[0], text);
        }
        outputs.insert(command.join(" "), texts.into_iter().next().unwrap());
    }
    let output = |command: &str| outputs[command].as_str();

    // events: exactly the generated role assumptions, each linked to its parent.
    let rows = csv_rows(output("events"));
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    let got: BTreeMap<String, Row> = rows[1..]
        .iter()
        .map(|r| {
            let text = |name: &str| r[col(name)].clone();
            let row = Row {
                depth: text("chain_depth"),
                origin: text("chain_origin"),
                link: text("chain_link"),
                parent: text("parent_event_id"),
                outcome: text("outcome"),
                cross: text("cross_account"),
                files: Vec::new(),
            };
            (text("event_id"), row)
        })
        .collect();
    assert_eq!(rows.len() - 1, 10_500, "one row per role assumption");
    let want: BTreeMap<String, Row> = expected
        .rows
        .iter()
        .map(|(id, row)| {
            let row = Row {
                files: Vec::new(),
                ..row.clone()
            };
            (id.clone(), row)
        })
        .collect();
    for (id, row) in &want {
        assert_eq!(got.get(id), Some(row), "event {id}");
    }
    assert_eq!(got.len(), want.len());
    // The kept copy is the caller's, from the first of its files by path.
    let log_files: BTreeMap<&str, &str> = rows[1..]
        .iter()
        .map(|r| (r[col("event_id")].as_str(), r[col("log_file")].as_str()))
        .collect();
    for (id, row) in &expected.rows {
        let first = row.files.iter().map(|f| paths[f].as_str()).min().unwrap();
        assert_eq!(log_files[id.as_str()], first, "event {id}");
    }
    let jsonl = output("events --format jsonl");
    assert_eq!(jsonl.lines().count(), 10_500);
    let ids: BTreeSet<String> = jsonl
        .lines()
        .map(|line| {
            let object: Value = serde_json::from_str(line).unwrap();
            object["event_id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert!(ids.iter().eq(expected.rows.keys()));

    // chains: the generated chains, by the depth of their last hop.
    let chains = csv_rows(output("chains --format csv"));
    let mut by_depth: BTreeMap<u32, usize> = BTreeMap::new();
    for row in &chains[1..] {
        *by_depth.entry(row[0].parse().unwrap()).or_default() += row[1].parse::<usize>().unwrap();
    }
    assert_eq!(by_depth, expected.chains_by_depth);

    // services: every service hop.
    let services = csv_rows(output("services --format csv"));
    let mut by_service: BTreeMap<&str, usize> = BTreeMap::new();
    for row in &services[1..] {
        *by_service.entry(row[0].as_str()).or_default() += row[3].parse::<usize>().unwrap();
    }
    let want_services: BTreeMap<&str, usize> =
        expected.by_service.iter().map(|(s, n)| (*s, *n)).collect();
    assert_eq!(by_service, want_services);

    // edges and the role-level graph in every format: one edge per (source, role).
    let edges = csv_rows(output("edges"));
    let (source, role) = (
        edges[0].iter().position(|h| h == "source").unwrap(),
        edges[0].iter().position(|h| h == "role_arn").unwrap(),
    );
    let got_edges: BTreeSet<(String, String)> = edges[1..]
        .iter()
        .map(|r| (r[source].clone(), r[role].clone()))
        .collect();
    assert_eq!(edges.len() - 1, got_edges.len(), "no edge twice");
    assert!(
        got_edges == expected.edges,
        "edges differ from the generated hops"
    );
    let dot_edges = |dot: &str| dot.lines().filter(|l| l.contains("\" -> \"")).count();
    assert_eq!(
        dot_edges(output("graph --level role")),
        expected.edges.len()
    );
    let graph: Value = serde_json::from_str(output("graph --format json")).unwrap();
    assert_eq!(
        graph["edges"].as_array().unwrap().len(),
        expected.edges.len()
    );
    let nodes: BTreeSet<&str> = expected
        .edges
        .iter()
        .flat_map(|(s, r)| [s.as_str(), r.as_str()])
        .collect();
    assert_eq!(graph["nodes"].as_array().unwrap().len(), nodes.len());
    let mermaid_edges = output("graph --format mermaid --level role")
        .lines()
        .filter(|line| {
            let mut words = line.split_whitespace();
            let (from, arrow) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
            from.starts_with('n')
                && ["-->|", "-.->|", "==>|"]
                    .iter()
                    .any(|a| arrow.starts_with(a))
        })
        .count();
    assert_eq!(mermaid_edges, expected.edges.len());
    assert_eq!(
        dot_edges(output("graph --level session")),
        expected.session_edges.len()
    );

    // summary: every record, every copy, every account.
    let summary: Value = serde_json::from_str(output("summary --format json")).unwrap();
    let failures = expected.count(|r| r.outcome == "failure");
    assert_eq!(
        summary,
        json!({
            "files_read": 100,
            "files_skipped": {},
            "files_failed": 0,
            "records_scanned": expected.records + noise,
            "role_assumptions": 10_500,
            "duplicate_copies_dropped": expected.copies,
            "console_switches_merged": 0,
            "by_event_name": {"AssumeRole": {"success": 10_500 - failures, "failure": failures}},
            "naming_no_role": 0,
            "cross_account": expected.count(|r| r.cross == "true"),
            "accounts": ACCOUNTS,
            "first_event": expected.first,
            "last_event": expected.last,
        })
    );
}

/// A role assumption by a caller CloudTrail gives no ARN, in `account`, into `role`.
fn unnamed_caller_assumes(account: &str, role: &str, id: &str) -> String {
    json!({"Records": [{
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "accountId": account},
        "eventTime": "2021-01-01T00:00:00Z",
        "eventSource": "sts.amazonaws.com",
        "eventName": "AssumeRole",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.1",
        "requestParameters": {
            "roleArn": format!("arn:aws:iam::{account}:role/{role}"),
            "roleSessionName": "s"
        },
        "eventID": id,
        "recipientAccountId": account
    }]})
    .to_string()
}

/// A review's (session 38): every caller without an ARN was one `(unknown)` node, its account
/// that of the first event by file order, so renaming a file moved both callers from one
/// account to the other in `edges` (and in the graph's account boxes). Each account's unnamed
/// caller is its own node, whatever the files are called.
#[test]
fn callers_without_an_arn_are_one_node_per_account_in_any_file_order() {
    let header = "source_kind,source,source_subject,source_account,role_arn,role_account,\
                  cross_account,successes,failures,event_names,first_seen,last_seen,source_ips\n";
    let expected = format!(
        "{header}\
         unknown,(unknown caller in 111111111111),,111111111111,arn:aws:iam::111111111111:role/A,\
         111111111111,false,1,0,AssumeRole,2021-01-01T00:00:00Z,2021-01-01T00:00:00Z,198.51.100.1\n\
         unknown,(unknown caller in 222222222222),,222222222222,arn:aws:iam::222222222222:role/B,\
         222222222222,false,1,0,AssumeRole,2021-01-01T00:00:00Z,2021-01-01T00:00:00Z,198.51.100.1\n"
    );
    for (first, second) in [("a.json", "b.json"), ("b.json", "a.json")] {
        let dir = Dir::new();
        dir.write(
            first,
            unnamed_caller_assumes("111111111111", "A", "e1").as_bytes(),
        );
        dir.write(
            second,
            unnamed_caller_assumes("222222222222", "B", "e2").as_bytes(),
        );
        let root = dir.path("");
        let output = run(&["edges", "-q", root.to_str().unwrap()]);
        assert_eq!(stdout(&output), expected, "{}", stderr(&output));
    }
}
