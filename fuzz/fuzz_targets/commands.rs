//! Any bytes as a log file, through the command line as a user runs it: `activity` in each
//! view and format, `findings` of every kind, `passrole`, `chains`, `graph` and `report`, each
//! run directly and from a partial result of the same file. Must never panic; a partial's
//! merge must give the direct run's output byte for byte, whatever the file holds; JSON output
//! must read back; stderr holds no raw control character.
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
const MERGED: &[&[&str]] = &[
    &["activity"],
    &["activity", "--by", "role", "--format", "json"],
    &["activity", "--by", "origin", "--format", "table"],
    &["activity", "--by", "action"],
    &["activity", "--calls", "--format", "jsonl"],
    &["findings", "--format", "json", "--baseline-until", "2019-06-01", "--min-refusals", "1"],
    &["passrole", "--format", "json"],
    &["chains"],
    &["graph", "--level", "session"],
];

/// Commands run directly only.
const DIRECT: &[&[&str]] = &[
    &["findings", "--format", "table"],
    &["activity", "--format", "table"],
    &["report"],
    &["services"],
];

fuzz_target!(|bytes: &[u8]| {
    let dir = scratch();
    let log = dir.join("log.json");
    std::fs::write(&log, bytes).unwrap();
    let (out, part, merged) = (dir.join("out"), dir.join("part"), dir.join("merged"));
    for args in MERGED {
        let direct = run(args, &log, &out);
        let mut partial = vec!["partial"];
        partial.extend_from_slice(args);
        if run(&partial, &log, &part).is_none() {
            continue;
        }
        let from_partial = run(args, &part, &merged);
        assert_eq!(direct, from_partial, "{args:?}: a partial's merge differs from the direct run");
        if let Some(text) = &direct
            && args.contains(&"json")
        {
            serde_json::from_slice::<serde_json::Value>(text).expect("JSON reads back");
        }
    }
    for args in DIRECT {
        run(args, &log, &out);
    }
});
