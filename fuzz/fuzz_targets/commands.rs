//! Any bytes as a log file, through the command line as a user runs it: `activity` in each
//! view and format, `findings` of every kind, `passrole`, `chains`, `graph` and `report`, each
//! run directly and from a partial result of the same file. Must never panic; a partial's
//! merge must give the direct run's output byte for byte, whatever the file holds; JSON output
//! must read back; `activity`'s views must add up to the same calls; stderr holds no raw
//! control character.
#![no_main]

use clap::Parser;
use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use trailmask::cli::Cli;

/// This process's scratch folder (libFuzzer may run several processes side by side).
fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        trailmask::testing::free_when_done();
        let dir = std::env::temp_dir().join(format!("trailmask-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

/// Runs `trailmask ARGS… -q -j 1 -o OUT INPUT`; its output, or `None` when it wrote none.
fn run(args: &[&str], input: &Path, out: &Path) -> Option<Vec<u8>> {
    let _ = std::fs::remove_file(out);
    let mut line = vec!["trailmask"];
    line.extend_from_slice(args);
    let (input, out) = (input.to_str().unwrap(), out.to_str().unwrap());
    line.extend(["-q", "-j", "1", "-o", out, input]);
    let cli = Cli::try_parse_from(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
    let mut stderr = Vec::new();
    let _status = trailmask::run(&cli, &mut stderr);
    let stderr = String::from_utf8(stderr).expect("stderr is UTF-8");
    assert!(
        !stderr.chars().any(|c| c.is_control() && c != '\n'),
        "control character on stderr: {stderr:?}"
    );
    std::fs::read(out).ok()
}

/// Commands whose output a partial's merge must equal (each also checked for JSON).
/// The first five are `activity`'s views, whose totals must agree ([`views_agree`]).
const MERGED: &[&[&str]] = &[
    &["activity", "--format", "json"],
    &["activity", "--by", "role", "--format", "json"],
    &["activity", "--by", "origin", "--format", "json"],
    &["activity", "--by", "action", "--format", "json"],
    &["activity", "--calls", "--format", "jsonl"],
    &[
        "findings",
        "--format",
        "json",
        "--baseline-until",
        "2019-06-01",
        "--min-refusals",
        "1",
    ],
    &["passrole", "--format", "json"],
    &["chains"],
    &["graph", "--level", "session"],
];

/// Commands run directly only.
const DIRECT: &[&[&str]] = &[
    &["findings", "--format", "table"],
    &["activity", "--format", "table"],
    &["events", "--format", "table"],
    &["edges", "--format", "table"],
    &["activity", "--by", "origin"],
    &["activity", "--calls"],
    &["report"],
    &["services"],
    &["chains", "--to", "*", "--exclude-failed"],
    &["activity", "--source", "*a*", "--by", "role"],
    &[
        "findings",
        "--since",
        "2019-01-01",
        "--baseline-until",
        "2019-06-01",
    ],
];

fuzz_target!(|bytes: &[u8]| {
    let dir = scratch();
    let log = dir.join("log.json");
    std::fs::write(&log, bytes).unwrap();
    let (out, part, merged) = (dir.join("out"), dir.join("part"), dir.join("merged"));
    let mut outputs = Vec::new();
    for args in MERGED {
        let direct = run(args, &log, &out);
        if let Some(text) = &direct
            && args.contains(&"json")
        {
            serde_json::from_slice::<serde_json::Value>(text).expect("JSON reads back");
        }
        outputs.push(direct.clone());
        let mut partial = vec!["partial"];
        partial.extend_from_slice(args);
        if run(&partial, &log, &part).is_none() {
            continue;
        }
        let from_partial = run(args, &part, &merged);
        assert_eq!(
            direct, from_partial,
            "{args:?}: a partial's merge differs from the direct run"
        );
    }
    views_agree(&outputs[..5]);
    for args in DIRECT {
        run(args, &log, &out);
    }
});

/// `activity`'s views count the same calls: by session, role, origin and action, the calls
/// and failures add up to the timeline's rows and its rows with an error code; the sessions
/// by role and by origin add up to the sessions' rows.
fn views_agree(outputs: &[Option<Vec<u8>>]) {
    let Some(outputs) = outputs
        .iter()
        .map(Option::as_deref)
        .collect::<Option<Vec<_>>>()
    else {
        return; // nothing written (the file failed, and so did each view)
    };
    let rows = |text: &[u8]| -> Vec<serde_json::Value> {
        serde_json::from_slice::<Vec<serde_json::Value>>(text).expect("a JSON array")
    };
    let sum = |rows: &[serde_json::Value], key: &str| -> u64 {
        rows.iter()
            .map(|row| row[key].as_u64().expect("a count"))
            .sum()
    };
    let timeline: Vec<serde_json::Value> = outputs[4]
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice(line).expect("a JSON line"))
        .collect();
    let calls = timeline.len() as u64;
    let failures = timeline
        .iter()
        .filter(|row| row["error_code"] != "")
        .count() as u64;
    let sessions = rows(outputs[0]);
    for view in &outputs[..4] {
        let view = rows(view);
        assert_eq!(
            (sum(&view, "calls"), sum(&view, "failures")),
            (calls, failures)
        );
    }
    for view in [outputs[1], outputs[2]] {
        assert_eq!(sum(&rows(view), "sessions"), sessions.len() as u64);
    }
}
