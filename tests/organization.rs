//! The organization trail of issue #22 (`examples/generate/org.rs`: 8 member accounts and a
//! vendor's, about 100 roles, some with IAM paths, Identity Center roles, console switches,
//! chains across accounts) against the truth its generator writes beside it (`truth.json`).
//!
//! The trail is generated once per test run ([`org_trail`]); other modules may read it too.

use crate::harness::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

// The generator, compiled into the tests as it is into the example (`org` uses `super::record`).
#[allow(dead_code)]
#[path = "../examples/generate/org.rs"]
mod org;
#[allow(dead_code)]
#[path = "../examples/generate/record.rs"]
pub(crate) mod record;

/// The default organization trail (`generate org OUT_DIR`), generated once per test run under
/// the target directory's tmp (runs older than an hour are removed).
pub fn org_trail() -> &'static Path {
    static TRAIL: OnceLock<PathBuf> = OnceLock::new();
    TRAIL.get_or_init(|| {
        let parent = Path::new(env!("CARGO_TARGET_TMPDIR")).join("org-trail");
        if let Ok(entries) = std::fs::read_dir(&parent) {
            for entry in entries.flatten() {
                let old = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > Duration::from_secs(3600));
                if old {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let dir = parent.join(std::process::id().to_string());
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("org trail dir");
        let started = Instant::now();
        let summary = org::write(&dir, org::DEFAULT_RECORDS, org::DEFAULT_SEED)
            .unwrap_or_else(|e| panic!("generating the org trail: {e}"));
        eprintln!("{summary} in {:.2?}", started.elapsed());
        dir
    })
}

/// `truth.json` of [`org_trail`].
pub fn org_truth() -> &'static Value {
    static TRUTH: OnceLock<Value> = OnceLock::new();
    TRUTH.get_or_init(|| {
        let text = std::fs::read_to_string(org_trail().join("truth.json")).expect("truth.json");
        serde_json::from_str(&text).expect("truth.json parses")
    })
}

fn trail_arg() -> &'static str {
    org_trail().to_str().expect("utf-8 temp path")
}

fn json_out(args: &[&str]) -> Value {
    let output = run(args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        stderr(&output)
    );
    serde_json::from_str(&stdout(&output)).expect("JSON output")
}

/// The differences of two sets, a few of each, for a failure message.
fn set_diff<T: Ord + std::fmt::Debug>(expected: &BTreeSet<T>, actual: &BTreeSet<T>) -> String {
    let missing: Vec<&T> = expected.difference(actual).take(8).collect();
    let extra: Vec<&T> = actual.difference(expected).take(8).collect();
    format!(
        "{} expected, {} found; missing ({}): {missing:#?}; unexpected ({}): {extra:#?}",
        expected.len(),
        actual.len(),
        expected.difference(actual).count(),
        actual.difference(expected).count()
    )
}

#[test]
fn generator_is_deterministic_and_its_side_files_are_skipped() {
    let truth = org_truth();
    assert_eq!(truth["records"]["total"], org::DEFAULT_RECORDS);
    // Same arguments, same bytes (a small org, twice).
    let (a, b) = (Dir::new(), Dir::new());
    org::write(a.root.path(), 2_000, 7).unwrap();
    org::write(b.root.path(), 2_000, 7).unwrap();
    let files = |dir: &Path| -> BTreeMap<PathBuf, Vec<u8>> {
        walkdir::WalkDir::new(dir)
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    e.path().strip_prefix(dir).unwrap().to_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect()
    };
    let (fa, fb) = (files(a.root.path()), files(b.root.path()));
    assert!(fa.len() > 50, "{} files", fa.len());
    assert!(fa == fb, "two runs of generate org differ");
    // trailmask reads every record of the trail and skips truth.json, accounts.csv and digests.
    let output = run(&["summary", "-q", trail_arg()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let summary = stdout(&output);
    let line = |name: &str| {
        summary
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} line in {summary}"))
            .to_owned()
    };
    assert!(line("files failed").ends_with(" 0"), "{summary}");
    assert!(
        line("records scanned").ends_with(&format!(" {}", org::DEFAULT_RECORDS)),
        "{summary}"
    );
}

/// Assertion 1: every role is one node of the role-level graph, named by its canonical ARN (with
/// path).
#[test]
fn every_role_is_one_graph_node() {
    let truth: BTreeSet<String> = org_truth()["roles"]["arns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(truth.len() as u64, org_truth()["roles"]["count"]);
    let graph = json_out(&["graph", "-q", "--format", "json", trail_arg()]);
    let roles: Vec<String> = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "role")
        .map(|n| n["name"].as_str().unwrap().to_owned())
        .collect();
    let set: BTreeSet<String> = roles.iter().cloned().collect();
    assert_eq!(set.len(), roles.len(), "a role name on two nodes");
    assert!(set == truth, "role nodes: {}", set_diff(&truth, &set));
}

/// Assertion 2: one row per role assumption: cross-account copies once, a console switch once (its
/// `SwitchRole` row; the console's `AssumeRole` by `AWS Internal` folded into it).
#[test]
fn every_assumption_is_one_event_and_a_console_switch_one_hop() {
    let truth = org_truth();
    let output = run(&["events", "-q", "--format", "jsonl", trail_arg()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let rows: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let count = |f: &dyn Fn(&Value) -> bool| rows.iter().filter(|r| f(r)).count() as u64;
    let switches = count(&|r| r["event_name"] == "SwitchRole");
    let internal = count(&|r| r["event_name"] == "AssumeRole" && r["user_agent"] == "AWS Internal");
    let cross = count(&|r| r["cross_account"] == true);
    let failed_switches = count(&|r| r["event_name"] == "SwitchRole" && r["outcome"] == "failure");
    // Every switch was written as two records, and merged.
    let summary = json_out(&["summary", "-q", "--format", "json", trail_arg()]);
    assert_eq!(
        summary["console_switches_merged"],
        truth["console_switches"]["count"]
    );
    let by_name = |name: &str| count(&|r| r["event_name"] == name);
    let expected: BTreeMap<String, u64> = truth["role_assumptions"]["by_event_name"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, n)| {
            (
                name.clone(),
                n["success"].as_u64().unwrap() + n["failure"].as_u64().unwrap(),
            )
        })
        .collect();
    let found: BTreeMap<String, u64> = expected.keys().map(|n| (n.clone(), by_name(n))).collect();
    let summary = format!(
        "rows {} (truth {}), SwitchRole {switches} (truth {}), AWS Internal AssumeRole rows {internal}, \
         cross-account {cross} (truth {}), by event name {found:?} (truth {expected:?})",
        rows.len(),
        truth["role_assumptions"]["distinct"],
        truth["console_switches"]["count"],
        truth["cross_account_hops"],
    );
    assert_eq!(internal, 0, "{summary}");
    assert_eq!(switches, truth["console_switches"]["count"], "{summary}");
    assert_eq!(
        failed_switches, truth["console_switches"]["failures"],
        "{summary}"
    );
    assert_eq!(
        rows.len() as u64,
        truth["role_assumptions"]["distinct"],
        "{summary}"
    );
    assert_eq!(found, expected, "{summary}");
    assert_eq!(cross, truth["cross_account_hops"], "{summary}");
}

/// Assertion 3: the role-level edges: (source, role) with their successes and failures. Users and
/// roles by ARN (a session's hop drawn from its role's canonical ARN), services by principal,
/// federation by provider, a caller known only from an `AWSAccount` copy (the vendor's) by its
/// account.
#[test]
fn edges_are_the_truths() {
    let key = |e: &Value| {
        (
            e["source"].as_str().unwrap().to_owned(),
            e["role_arn"].as_str().unwrap().to_owned(),
        )
    };
    let counts = |e: &Value| {
        (
            e["successes"].as_u64().unwrap(),
            e["failures"].as_u64().unwrap(),
        )
    };
    let truth: BTreeMap<(String, String), (u64, u64)> = org_truth()["edges"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (key(e), counts(e)))
        .collect();
    assert_eq!(truth.len() as u64, org_truth()["edges"]["count"]);
    let edges = json_out(&["edges", "-q", "--format", "json", trail_arg()]);
    let mut found: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
    for e in edges.as_array().unwrap() {
        let previous = found.insert(key(e), counts(e));
        assert!(previous.is_none(), "edge given twice: {:?}", key(e));
    }
    let expected_keys: BTreeSet<_> = truth.keys().cloned().collect();
    let found_keys: BTreeSet<_> = found.keys().cloned().collect();
    assert!(
        expected_keys == found_keys,
        "edges: {}",
        set_diff(&expected_keys, &found_keys)
    );
    let wrong: Vec<_> = truth
        .iter()
        .filter(|(k, v)| found[*k] != **v)
        .map(|(k, v)| (k, v, found[k]))
        .take(8)
        .collect();
    assert!(
        wrong.is_empty(),
        "edges with other counts (key, truth, found): {wrong:#?}"
    );
}

/// Assertion 4: the default graph of the organization renders with Graphviz `dot`, quietly (the
/// acceptance bound is 10 s on 2 cores: the time is printed, not asserted).
#[test]
fn org_graph_renders_with_dot() {
    let output = run(&["graph", "-q", trail_arg()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let started = Instant::now();
    let Some(rendered) = crate::graphviz::dot_accepts(&stdout(&output)) else {
        return;
    };
    eprintln!("dot -Tsvg over the org graph: {:.2?}", started.elapsed());
    rendered.unwrap_or_else(|errors| panic!("dot failed or warned: {errors}"));
}

#[test]
fn the_default_picture_of_the_org_is_its_accounts_and_says_so() {
    let roles = json_out(&["graph", "-q", "--format", "json", trail_arg()]);
    let accounts = json_out(&[
        "graph",
        "-q",
        "--level",
        "account",
        "--collapse",
        "services",
        "--format",
        "json",
        trail_arg(),
    ]);
    let count = |graph: &Value, key: &str| graph[key].as_array().unwrap().len();
    // The arrows drawn: an account's own hops are said in its label (session 31: the note
    // counted them as edges, more than the picture showed).
    let arrows = (accounts["edges"].as_array().unwrap().iter())
        .filter(|edge| edge["source"] != edge["target"])
        .count();
    assert!(arrows < count(&accounts, "edges"));
    let output = run(&["graph", trail_arg()]);
    assert_eq!(output.status.code(), Some(0));
    let note = format!(
        "trailmask: the role-level graph has more than 60 nodes or 100 edges, too many to read in one \
         picture: drew the account level ({} nodes, {} arrows). For roles, add --level role, or \
         focus with --account ID, --from GLOB, --to GLOB or --top N",
        count(&accounts, "nodes"),
        arrows,
    );
    assert!(count(&roles, "nodes") > 60 || count(&roles, "edges") > 100);
    assert_eq!(stderr(&output).lines().next(), Some(note.as_str()));
    // Focused on one account and still too big: the note says so, and does not suggest the
    // focus just used.
    let focused = run(&["graph", "-q", "--account", "555500005555", trail_arg()]);
    assert!(
        stderr(&focused).starts_with(
            "trailmask: the role-level graph of the hops kept has more than 60 nodes or 100 \
             edges, too many to read in one picture: drew the account level ("
        ),
        "{}",
        stderr(&focused)
    );
    assert!(stderr(&focused).ends_with(
        "For roles, add --level role, or narrow it further (--from GLOB, --to GLOB, --top N)\n"
    ));
    let account_dot = run(&[
        "graph",
        "-q",
        "--level",
        "account",
        "--collapse",
        "services",
        trail_arg(),
    ]);
    assert_eq!(stdout(&output), stdout(&account_dot));
    // The account level draws every cross-account hop the organization made, between the
    // accounts' nodes, once.
    let truth = org_truth();
    let between: u64 = accounts["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["source"].as_str().unwrap().starts_with("account:") && e["source"] != e["target"]
        })
        .map(|e| e["count"].as_u64().unwrap())
        .sum();
    assert_eq!(between, truth["cross_account_hops"].as_u64().unwrap());
    let members: BTreeSet<String> = truth["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| format!("account:{}", a["id"].as_str().unwrap()))
        .collect();
    let drawn: BTreeSet<String> = accounts["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "account")
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(drawn, members, "{}", set_diff(&members, &drawn));
}

/// A `chains` row's path: the roles after its origin (a refused last hop among them: the
/// truth's paths do not tell refusals apart).
fn path_of(chain: &str) -> Vec<String> {
    chain
        .replace(" =[cross-account]=> ", " -> ")
        .replace(" =[cross-account;refused]=> ", " -> ")
        .replace(" -[refused]-> ", " -> ")
        .split(" -> ")
        .skip(1)
        .map(str::to_owned)
        .collect()
}

/// The truth's chain paths (depth 2 and more) that `keep` picks, with their counts.
fn truth_paths(keep: impl Fn(&Value) -> bool) -> BTreeSet<(String, Vec<String>, u64)> {
    org_truth()["chains"]["paths"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| keep(p))
        .map(|p| {
            let roles = p["roles"].as_array().unwrap();
            (
                p["origin"].as_str().unwrap().to_owned(),
                roles
                    .iter()
                    .map(|r| r.as_str().unwrap().to_owned())
                    .collect(),
                p["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The chains' rows as (origin, path, count): a path that chains ended on both refused and
/// not, two rows, is one here, as in the truth.
fn chain_rows(args: &[&str]) -> BTreeSet<(String, Vec<String>, u64)> {
    let mut all = vec!["chains", "-q", "--format", "json", "--min-depth", "2"];
    all.extend(args);
    all.push(trail_arg());
    let mut counts: BTreeMap<(String, Vec<String>), u64> = BTreeMap::new();
    for row in json_out(&all).as_array().unwrap() {
        let path = (
            row["origin"].as_str().unwrap().to_owned(),
            path_of(row["chain"].as_str().unwrap()),
        );
        *counts.entry(path).or_default() += row["count"].as_u64().unwrap();
    }
    counts
        .into_iter()
        .map(|((origin, path), count)| (origin, path, count))
        .collect()
}

#[test]
fn from_follows_one_identitys_chains_through_every_hop() {
    let dave = "arn:aws:iam::111100001111:user/dave";
    let expected = truth_paths(|p| p["origin"] == dave);
    assert!(expected.len() > 10, "dave chains in the org");
    let found = chain_rows(&["--from", "*:user/dave"]);
    assert_eq!(found, expected, "{}", set_diff(&expected, &found));
    // --depth 2: the same chains cut after their second hop, counted where they end.
    let cut = chain_rows(&["--from", "*:user/dave", "--depth", "2"]);
    assert!(
        cut.iter()
            .all(|(origin, path, _)| origin == dave && path.len() == 2)
    );
    let prefixes: BTreeSet<Vec<String>> =
        expected.iter().map(|(_, p, _)| p[..2].to_vec()).collect();
    let cut_paths: BTreeSet<Vec<String>> = cut.iter().map(|(_, p, _)| p.clone()).collect();
    assert_eq!(cut_paths, prefixes);
}

#[test]
fn to_keeps_the_chains_that_reached_a_role_up_to_it() {
    let role = "arn:aws:iam::555500005555:role/BreakGlass";
    let found = chain_rows(&["--to", role]);
    assert!(!found.is_empty());
    assert!(
        found
            .iter()
            .all(|(_, path, _)| path.last().map(String::as_str) == Some(role)),
        "{found:#?}"
    );
    // Every truth path of a user through the role shows, up to the role (its first visit).
    // (The truth continues an Identity Center session's chain through a console switch made
    // from it; trailmask starts a switch's chain at the session it switched from, as for
    // every SwitchRole: README, "Console switches".)
    let expected: BTreeSet<(String, Vec<String>)> = truth_paths(|p| {
        p["origin"].as_str().unwrap().contains(":user/")
            && p["roles"]
                .as_array()
                .unwrap()
                .iter()
                .skip(1)
                .any(|r| r == role)
    })
    .into_iter()
    .map(|(origin, path, _)| {
        let end = path.iter().position(|r| r == role).unwrap();
        (origin, path[..=end].to_vec())
    })
    .collect();
    let shown: BTreeSet<(String, Vec<String>)> = found
        .into_iter()
        .map(|(origin, path, _)| (origin, path))
        .collect();
    assert!(
        expected.is_subset(&shown),
        "{}",
        set_diff(&expected, &shown)
    );
}

#[test]
fn every_hand_over_is_one_passrole_row_with_its_passer_origin_and_wearers() {
    let fields = [
        "event_time",
        "event_name",
        "outcome",
        "passer",
        "passer_origin",
        "role_arn",
        "role_from",
        "via",
        "service",
        "resource",
        "worn",
        "event_id",
    ];
    let project = |row: &Value| -> Vec<String> {
        fields
            .iter()
            .map(|field| match &row[*field] {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            })
            .collect()
    };
    let expected: Vec<Vec<String>> = org_truth()["hand_overs"]["rows"]
        .as_array()
        .expect("truth has hand-overs")
        .iter()
        .map(project)
        .collect();
    assert!(expected.len() > 20, "{}", expected.len());
    let actual: Vec<Vec<String>> = json_out(&["passrole", "-q", "--format", "json", trail_arg()])
        .as_array()
        .expect("an array")
        .iter()
        .map(project)
        .collect();
    for (actual, expected) in actual.iter().zip(&expected) {
        assert_eq!(actual, expected);
    }
    assert_eq!(actual.len(), expected.len());
    // Each way a role is learned is exercised, and some service wore each handed role.
    let from: BTreeSet<&str> = actual.iter().map(|row| row[6].as_str()).collect();
    assert_eq!(
        from,
        BTreeSet::from([
            "error-message",
            "instance-session",
            "profile-calls",
            "request"
        ])
    );
    assert!(
        actual
            .iter()
            .filter(|row| row[2] == "success")
            .all(|row| row[10] != "0")
    );
}

#[test]
fn every_call_of_a_role_session_is_attributed_to_its_session_role_and_origin() {
    attributed_as_the_truth_says(org_trail(), org_truth());
}

/// Seed 7 gives the vendor's automation (a role session of the vendor's own, whose hop is in
/// the vendor's trail, not read) sessions that make calls: their origin is unknown. (The
/// generator's truth named the automation as their origin; seed 1 gives it no such session.)
#[test]
fn another_seeds_organization_is_attributed_as_its_truth_says() {
    let dir = Dir::new();
    org::write(dir.root.path(), org::DEFAULT_RECORDS, 7).expect("generating seed 7");
    let text = std::fs::read_to_string(dir.root.path().join("truth.json")).expect("truth.json");
    let truth: Value = serde_json::from_str(&text).expect("truth.json parses");
    let unknown = truth["activity"]["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .filter(|s| {
            s["origin"] == "" && s["role_arn"].as_str().is_some_and(|r| r.contains("Vendor"))
        })
        .count();
    assert!(
        unknown > 0,
        "seed 7 has sessions of the vendor's automation"
    );
    attributed_as_the_truth_says(dir.root.path(), &truth);
}

/// `origin` as the generator's truth has it: empty for a chain begun before the trail, which
/// `activity` says as `chains` begins it (`[... hops not read ...] -> CALLER`).
fn unread_as_unknown(origin: &str) -> String {
    if origin.starts_with("[... hops not read ...] -> ") {
        String::new()
    } else {
        origin.to_owned()
    }
}

fn attributed_as_the_truth_says(trail: &Path, truth: &Value) {
    let truth = &truth["activity"];
    let project = |row: &Value| {
        (
            row["session_arn"].as_str().unwrap_or_default().to_owned(),
            row["created"].as_str().unwrap_or_default().to_owned(),
            row["role_arn"].as_str().unwrap_or_default().to_owned(),
            // A chain begun before the trail is said as `chains` begins it (the truth: no
            // origin; such a session has no depth either, below).
            unread_as_unknown(row["origin"].as_str().unwrap_or_default()),
            row["chain_depth"].as_u64(),
            row["calls"].as_u64(),
        )
    };
    let expected: BTreeSet<_> = truth["sessions"]
        .as_array()
        .expect("truth has sessions")
        .iter()
        .map(project)
        .collect();
    let path = trail.to_str().expect("utf-8 temp path");
    let rows = json_out(&["activity", "-q", "--format", "json", path]);
    let rows = rows.as_array().expect("an array");
    let actual: BTreeSet<_> = rows.iter().map(project).collect();
    assert_eq!(rows.len(), actual.len(), "one row per session");
    assert!(expected == actual, "{}", set_diff(&expected, &actual));
    let calls: u64 = rows.iter().filter_map(|row| row["calls"].as_u64()).sum();
    assert_eq!(Some(calls), truth["calls"].as_u64());
    // Most calls of a real trail are made by role sessions; so in this one.
    assert!(calls * 2 > org::DEFAULT_RECORDS);
}

/// A review's (session 38): at account level an account's own hops (and own hand-overs) are
/// said in its label, yet `--top N` counted them among the N, so `--top 3` drew 2 arrows.
/// N arrows are drawn, and each account at their ends keeps its own hops in its label.
#[test]
fn top_at_account_level_draws_that_many_arrows() {
    for top in ["1", "3", "5"] {
        let args = ["graph", "-q", "--level", "account", "--top", top];
        let output = run(&[&args[..], &[trail_arg()]].concat());
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let dot = stdout(&output);
        let arrows = dot.lines().filter(|line| line.contains(" -> ")).count();
        assert_eq!(arrows.to_string(), top);
        let graph = json_out(&[&args[..], &["--format", "json", trail_arg()]].concat());
        let edges = graph["edges"].as_array().unwrap();
        let (own, between): (Vec<&Value>, Vec<&Value>) = edges
            .iter()
            .partition(|edge| edge["source"] == edge["target"]);
        assert_eq!(between.len().to_string(), top);
        // Every account drawn says its own hops, as the whole picture does.
        let accounts = (graph["nodes"].as_array().unwrap().iter())
            .filter(|node| node["kind"] == "account")
            .count();
        assert!(accounts > 0 && own.len() >= accounts, "{top}: {own:?}");
    }
}

/// The diff's red-team (session 38): an account whose hops all stayed inside it has no arrow,
/// and `--top` dropped it, however large N was. Its own hops busier than the N-th arrow keep
/// it, and with no arrow at all, every account stays.
#[test]
fn top_at_account_level_keeps_an_account_of_inside_hops_alone() {
    let account = "111111111111";
    let hop = |id: &str, minute: u32| {
        serde_json::json!({"eventVersion": "1.08", "eventID": id,
            "eventTime": format!("2021-01-01T00:{minute:02}:00Z"),
            "eventSource": "sts.amazonaws.com", "eventName": "AssumeRole",
            "userIdentity": {"type": "IAMUser", "accountId": account,
                "arn": format!("arn:aws:iam::{account}:user/alice")},
            "requestParameters": {"roleArn": format!("arn:aws:iam::{account}:role/A"),
                "roleSessionName": "s"},
            "recipientAccountId": account})
    };
    let dir = Dir::new();
    let records = [hop("h1", 1), hop("h2", 2)];
    dir.write(
        "t.json",
        serde_json::json!({ "Records": records })
            .to_string()
            .as_bytes(),
    );
    let root = dir.path("t.json");
    for top in ["1", "1000"] {
        let args = ["graph", "-q", "--level", "account", "--top", top];
        let graph = json_out(&[&args[..], &["--format", "json", root.to_str().unwrap()]].concat());
        let ids = |key: &str| -> Vec<String> {
            (graph[key].as_array().unwrap().iter())
                .map(|item| match key {
                    "nodes" => item["id"].as_str().unwrap().to_owned(),
                    _ => format!(
                        "{} -> {}",
                        item["source"].as_str().unwrap(),
                        item["target"].as_str().unwrap()
                    ),
                })
                .collect()
        };
        assert_eq!(ids("nodes"), [format!("account:{account}")], "--top {top}");
        assert_eq!(
            ids("edges"),
            [format!("account:{account} -> account:{account}")],
            "--top {top}"
        );
    }
}
