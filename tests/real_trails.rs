//! The real CloudTrail records in ../shared/real-trails (read in place, never copied): the
//! counts must match its INVENTORY.md.

use crate::harness::*;
use std::path::PathBuf;

fn corpus() -> Option<PathBuf> {
    let path = repo().join("../shared/real-trails");
    path.join("INVENTORY.md").exists().then_some(path)
}

#[test]
fn counts_match_the_inventory() {
    let Some(path) = corpus() else {
        eprintln!("../shared/real-trails not present: skipped");
        return;
    };
    let output = run(&["summary", "-q", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    // INVENTORY.md: 61 files, 973 records; the two *.provenance.json are not CloudTrail.
    // After de-duplication: AssumeRole 32, GetSessionToken 3, AssumeRoleWithWebIdentity 2,
    // GetFederationToken 1, AssumeRoleWithSAML 1: 39 in all.
    assert!(
        text.starts_with(concat!(
            "files read        61\n",
            "files skipped     4 (not CloudTrail 2, not a log file name 2)\n",
            "files failed      0\n",
            "records scanned   973\n",
            "role assumptions  39 (4 duplicate copies dropped)\n",
            "  AssumeRole                  success 28     failure 4\n",
            "  AssumeRoleWithSAML          success 1      failure 0\n",
            "  AssumeRoleWithWebIdentity   success 2      failure 0\n",
            "  GetFederationToken          success 1      failure 0\n",
            "  GetSessionToken             success 2      failure 1\n",
        )),
        "{text}"
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
    // The EC2 instance-profile sessions of the OTRF capture and the services of cloud-snitch.
    let services = stdout(&run(&["services", "-q", "--format", "csv", path]));
    assert!(services.contains("ec2.amazonaws.com,arn:aws:iam::123456789123:role/MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0,123456789123,3,"), "{services}");
    assert!(services.contains("spotfleet.amazonaws.com,"), "{services}");
}
