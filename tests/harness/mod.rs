//! The test harness: temporary log trees and running the binary.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

/// The repository root (tests run the binary from here, so paths in outputs are relative).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary directory of log files.
pub struct Dir {
    pub root: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            root: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    pub fn write(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub fn write_gz(&self, rel: &str, text: &str) -> PathBuf {
        self.write(rel, &gzip(text.as_bytes()))
    }

    /// `trail.json`: the records (JSON objects) as one log file, `{"Records":[...]}`.
    pub fn write_trail(&self, records: &[String]) -> PathBuf {
        let text = format!(r#"{{"Records":[{}]}}"#, records.join(","));
        self.write("trail.json", text.as_bytes())
    }
}

/// Makes a named pipe at `path`.
#[cfg(unix)]
pub fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// Runs trailmask from the repository root.
pub fn run(args: &[&str]) -> Output {
    run_in(&repo(), args, None)
}

/// Runs trailmask in `dir` with optional stdin.
pub fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = assert_cmd::Command::cargo_bin("trailmask").expect("binary");
    cmd.current_dir(dir).args(args);
    if let Some(bytes) = stdin {
        cmd.write_stdin(bytes.to_vec());
    }
    cmd.output().expect("run trailmask")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 stdout")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("utf-8 stderr")
}

/// Compares `actual` with `tests/golden/NAME`; `TRAILMASK_BLESS=1` rewrites the file instead.
pub fn golden(name: &str, actual: &str) {
    let path = repo().join("tests/golden").join(name);
    if std::env::var_os("TRAILMASK_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing golden file {}; run with TRAILMASK_BLESS=1",
            path.display()
        )
    });
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from the golden file at line {}:\nexpected: {:?}\nactual:   {:?}",
            first + 1,
            expected.lines().nth(first),
            actual.lines().nth(first)
        );
    }
}

/// The text `summary` writes, up to its last line (`elapsed`, which changes from run to run).
pub fn before_elapsed(summary: &str) -> &str {
    let (stable, elapsed) = summary
        .rsplit_once("elapsed           ")
        .unwrap_or_else(|| panic!("no elapsed line in {summary:?}"));
    assert_eq!(
        elapsed.matches('\n').count(),
        1,
        "elapsed is not the last line: {summary:?}"
    );
    stable
}

/// CSV text as rows of columns (header included).
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// Runs trailmask in `dir` through `sh`, after `ulimit -v KIB` (address space) and, when
/// given, `ulimit -t SECONDS` (CPU time): a run that needs more memory fails to allocate
/// instead of taking the machine, and one whose cost grows faster than its input is killed.
pub fn run_limited_cpu(dir: &Path, kib: u64, cpu_seconds: Option<u64>, args: &[&str]) -> Output {
    let cpu = cpu_seconds.map_or(String::new(), |s| format!("ulimit -t {s} && "));
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{cpu}ulimit -v {kib} && exec \"$0\" \"$@\""))
        .arg(assert_cmd::cargo::cargo_bin("trailmask"))
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run trailmask under ulimit")
}

/// [`run_limited_cpu`] without a CPU limit.
pub fn run_limited(dir: &Path, kib: u64, args: &[&str]) -> Output {
    run_limited_cpu(dir, kib, None, args)
}

/// An AssumeRole record of `day` (`2024-01-DD`): user `u{id}` puts on role `R{id}` (account
/// 111111111111), the event id `id`.
pub fn assume_on(day: &str, id: &str) -> String {
    format!(
        r#"{{"eventVersion":"1.08","eventTime":"{day}T10:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::111111111111:user/u{id}","accountId":"111111111111"}},"requestParameters":{{"roleArn":"arn:aws:iam::111111111111:role/R{id}","roleSessionName":"s{id}"}},"responseElements":{{"credentials":{{"accessKeyId":"ASIA{id}"}}}},"eventID":"{id}","recipientAccountId":"111111111111"}}"#
    )
}

/// A trail of three date folders, 2024-01-01, -05 and -09, one role assumption each
/// ([`assume_on`], ids `a`, `b`, `c`), written in `dir`.
pub fn three_days(dir: &Dir) {
    for (day, id) in [("01", "a"), ("05", "b"), ("09", "c")] {
        dir.write_gz(
            &format!("AWSLogs/1/CloudTrail/us-east-1/2024/01/{day}/{id}.json.gz"),
            &format!(
                r#"{{"Records":[{}]}}"#,
                assume_on(&format!("2024-01-{day}"), id)
            ),
        );
    }
}
