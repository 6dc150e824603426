//! The real CloudTrail records in ../shared/real-trails (read in place, never copied): the
//! counts must match its INVENTORY.md. Without the folder the tests are skipped, with a note,
//! except under CI (`CI=true`), where they fail: a green CI run must have read the real trails.

use crate::harness::*;
use std::path::{Path, PathBuf};

/// The corpus folder, or `None` (with a note) when it is missing outside CI.
fn corpus() -> Option<PathBuf> {
    find_corpus(&repo().join("../shared/real-trails"), under_ci())
}

/// True when the environment says this is a CI run (`CI=true`, as GitHub Actions, GitLab and
/// most others set it, or `CI=1`).
fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// `path` if it holds the corpus (its INVENTORY.md); otherwise a panic under CI, else `None`.
fn find_corpus(path: &Path, ci: bool) -> Option<PathBuf> {
    if path.join("INVENTORY.md").exists() {
        return Some(path.to_owned());
    }
    assert!(
        !ci,
        "{} is missing (no INVENTORY.md) and CI=true: the real-trails tests must run in CI",
        path.display()
    );
    eprintln!("{} not present: skipped", path.display());
    None
}

/// Regression: with ../shared/real-trails missing, the real-trails tests passed without
/// reading anything, in CI too. Under CI a missing corpus is a failure.
#[test]
#[should_panic(expected = "is missing (no INVENTORY.md) and CI=true")]
fn a_missing_corpus_fails_under_ci() {
    find_corpus(&repo().join("no-such-folder/real-trails"), true);
}

/// Outside CI a missing corpus is skipped.
#[test]
fn a_missing_corpus_is_skipped_outside_ci() {
    assert_eq!(
        find_corpus(&repo().join("no-such-folder/real-trails"), false),
        None
    );
}

#[test]
fn counts_match_the_inventory() {
    let Some(path) = corpus() else {
        return;
    };
    let output = run(&["summary", "-q", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    // INVENTORY.md: 61 files, 973 records; the two *.provenance.json are not CloudTrail.
    // After de-duplication: AssumeRole 31 (INVENTORY.md's 32 but Panther's console sign-in
    // renamed `AssumeRole`, whose `eventSource` is signin's: no hop), GetSessionToken 3,
    // AssumeRoleWithWebIdentity 2, GetFederationToken 1, AssumeRoleWithSAML 1: 38 in all. Three cross an account boundary
    // (777788889999 -> 111122223333 in the IAM guide, and the two role-account copies
    // naming 111122223333 -> 123456789012 and 774305579662 -> 123412341234); the earliest is
    // the IAM guide's 2014 example, the latest cloud-snitch's web identity.
    let (stable, _elapsed) = text.split_once("elapsed ").expect("an elapsed line");
    assert_eq!(
        stable,
        concat!(
            "files read        61\n",
            "files skipped     4 (not CloudTrail 2, not a log file name 2)\n",
            "files failed      0\n",
            "records scanned   973\n",
            "role assumptions  38 (4 duplicate copies dropped)\n",
            "  AssumeRole                  success 27     failure 4\n",
            "  AssumeRoleWithSAML          success 1      failure 0\n",
            "  AssumeRoleWithWebIdentity   success 2      failure 0\n",
            "  GetFederationToken          success 1      failure 0\n",
            "  GetSessionToken             success 2      failure 1\n",
            // Two AssumeRole records without a roleArn: counted, and said to be drawn nowhere.
            "  naming no role              2 (in no chain, edge or graph)\n",
            "cross-account     3\n",
            "accounts          15: 111111111111, 111122223333, 123412341234, 123456789, \
             123456789012, 123456789123, 222222222222, 307578594326, 321848314756, \
             444455556666, 457448411975, 742491224508, 774305579662, 777788889999, 900138736586\n",
            "time range        2014-07-18T15:07:39Z .. 2025-04-16T02:46:56Z\n",
        )
    );
}

#[test]
fn every_export_handles_the_real_trails() {
    let Some(path) = corpus() else {
        return;
    };
    let path = path.to_str().unwrap();
    for args in [
        vec!["events", "-q", path],
        vec!["graph", "-q", path],
        vec![
            "graph", "-q", "--level", "session", "--format", "mermaid", path,
        ],
        vec!["chains", "-q", path],
        vec!["services", "-q", path],
        vec!["edges", "-q", path],
    ] {
        let output = run(&args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    // Every IAM user who asked STS, each by ARN, else (Panther's test events, whose identities
    // give only `userName`) by name: none without a source.
    let events = stdout(&run(&["events", "-q", "--format", "jsonl", path]));
    let mut users: Vec<String> = events
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|event| event["source_kind"] == "iam-user")
        .map(|event| event["source"].as_str().unwrap().to_owned())
        .collect();
    users.sort();
    users.dedup();
    assert_eq!(
        users,
        [
            "arn:aws:iam::123456789012:user/example-user",
            "arn:aws:iam::307578594326:user/christophe",
            "arn:aws:iam::321848314756:user/christophe",
            "arn:aws:iam::457448411975:user/christophe",
            "arn:aws:iam::742491224508:user/stratus-red-team-user-federation-user",
            "arn:aws:iam::777788889999:user/JohnDoe",
            "arn:aws:iam::900138736586:user/christophe",
            "compromised-user",
            "example-user",
        ]
    );
    // Every AssumeRole by a service (INVENTORY.md: 11 records), once each, and the roles handed
    // to RDS (AddRoleToDBInstance/Cluster, vendor fixtures: never worn in these logs): the EC2 instance
    // profiles of the OTRF capture (two instances, 2 and 3 calls), the services of cloud-snitch,
    // and the config.amazonaws.com call trailscraper holds twice (gzip and smoke-test copies).
    let services = stdout(&run(&["services", "-q", "--format", "csv", path]));
    assert_eq!(
        services,
        "service,role_arn,role_account,count,first_seen,last_seen,sessions,passers\n\
         config.amazonaws.com,arn:aws:iam::111111111111:role/someRole,111111111111,1,2017-12-11T15:04:51Z,2017-12-11T15:04:51Z,1,\n\
         ec2.amazonaws.com,arn:aws:iam::123456789123:role/MordorLogCollectorStack-LogCollectorRole-1JJTG88NNY4KN,123456789123,2,2020-09-14T00:50:17Z,2020-09-14T00:50:17Z,1,\n\
         ec2.amazonaws.com,arn:aws:iam::123456789123:role/MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0,123456789123,3,2020-09-14T00:48:30Z,2020-09-14T00:48:30Z,1,\n\
         ec2.amazonaws.com,arn:aws:iam::123456789:role/rolename,123456789,1,2023-05-19T07:44:30Z,2023-05-19T07:44:30Z,1,\n\
         lambda.amazonaws.com,arn:aws:iam::123456789123:role/my_role_arn,123456789123,1,2024-06-02T20:27:12Z,2024-06-02T20:27:12Z,1,\n\
         logs.amazonaws.com,arn:aws:iam::222222222222:role/Honeycomb-Logs-LogStreamRole-1234567890a,222222222222,1,2025-03-06T02:28:21Z,2025-03-06T02:28:21Z,1,\n\
         rds.amazonaws.com,arn:aws:iam::123456789012:role/RDS-Lambda-Access,123456789012,0,,,0,arn:aws:iam::123456789012:user/developer\n\
         rds.amazonaws.com,arn:aws:iam::123456789012:role/RDS-S3-Import-Role,123456789012,0,,,0,arn:aws:iam::123456789012:role/DBARole\n\
         spotfleet.amazonaws.com,arn:aws:iam::222222222222:role/aws-ec2-spot-fleet-tagging-role,222222222222,1,2025-03-06T02:29:15Z,2025-03-06T02:29:15Z,1,\n"
    );
}

/// Every call of a role session (`userIdentity.type` `AssumedRole`: INVENTORY.md's 388, and
/// since session 34 the 5 records of another account's copy naming a session by principal id,
/// `AWSAccount` with `AROA…:name`: cloud-snitch's one, Panther's four), each copy once. A copy
/// is the same record: the same `sharedEventID`, else `eventID`, and the same time, session
/// (ARN, key, creation time), source address, action and outcome; 43 of them repeat one
/// before them (the same samples in several sources; one of Panther's four copies is another
/// word for word). Computed apart with a Python
/// script over the same files; Panther's rule tests, which give the id `1111` to calls of
/// eleven actions, counted as one call each until session 24 (257 calls, 131 copies). The
/// samples' 9 calls of an account's root with a key (long-term `AKIA…` keys, console
/// sign-ins: no `AssumeRoot` among them) are said as not counted (session 41).
#[test]
fn activity_counts_every_role_session_call_once() {
    let Some(path) = corpus() else {
        return;
    };
    let output = run(&["activity", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stderr(&output).lines().last().unwrap(),
        "trailmask: 61 files read, 4 skipped, 0 failed; 38 role assumptions; 123 role sessions \
         made 350 calls (43 duplicate copies dropped); 9 calls by an account's root in the logs read not counted \
         (linked to no AssumeRoot hop read)"
    );
}
