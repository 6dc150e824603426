//! Runs as a person does: every command in a real pseudo-terminal, without `-q`, so the
//! progress bar is live. A suite that only pipes output never draws the bar and never saw
//! that every interactive run hung (issue 20).

use crate::harness::*;
use std::path::Path;

/// The commands a person types, each with `-j 1` and `-j 2`.
const COMMANDS: [&str; 9] = [
    "events", "summary", "graph", "chains", "services", "edges", "passrole", "activity", "findings",
];

/// The closing line each command ends with on sample-logs.
fn closing_line(command: &str) -> &'static str {
    match command {
        "graph" | "services" | "passrole" | "report" => {
            "trailmask: 28 files read, 2 skipped, 0 failed; 26 role assumptions; 5 hand-overs\n"
        }
        "activity" => {
            "trailmask: 28 files read, 2 skipped, 0 failed; 26 role assumptions; 6 role sessions made 11 calls (3 duplicate copies dropped); 1 call by an account's root in the logs read not counted (linked to no AssumeRoot hop read)\n"
        }
        // Without a baseline sample-logs hold no finding.
        "findings" => {
            "trailmask: 28 files read, 2 skipped, 0 failed; 26 role assumptions; 6 role sessions made 11 calls (3 duplicate copies dropped); 1 call by an account's root in the logs read not counted (linked to no AssumeRoot hop read); 0 findings\n"
        }
        _ => "trailmask: 28 files read, 2 skipped, 0 failed; 26 role assumptions\n",
    }
}

/// What a pseudo-terminal showed: everything written to it, `\r\n` turned back into `\n`.
pub(crate) struct Screen {
    pub(crate) bytes: Vec<u8>,
    columns: u16,
}

impl Screen {
    /// The text left on this terminal (50 lines high) after `bytes` are drawn.
    pub(crate) fn shown(&self, bytes: &[u8]) -> String {
        let size = |n: u16| std::num::NonZeroU16::new(n).expect("non-zero");
        let mut parser = vt100::Parser::new(size(50), size(self.columns), 0);
        parser.process(bytes);
        parser.screen().contents()
    }
}

/// Regression (issue 20): stderr on a terminal hung every command. Each command, run as
/// a person does, ends within the timeout and prints exactly what it prints into a pipe, then
/// the closing line; what came before the output is only the bar, cleared.
#[test]
fn a_terminal_hangs_no_command() {
    for command in COMMANDS {
        for threads in ["1", "2"] {
            let args = [command, "-j", threads, "sample-logs/"];
            let piped = run(&[command, "-q", "-j", threads, "sample-logs/"]);
            let (mut screen, status) = run_in_terminal(&repo(), &args, 30);
            assert_eq!(status, 0, "{args:?}");
            let mut expected = stdout(&piped);
            if command == "summary" {
                // The one line that differs from run to run: the time it took.
                let cut = screen_elapsed_cut(&mut screen.bytes, &mut expected);
                assert!(cut, "{args:?}: no elapsed line");
            }
            expected.push_str(closing_line(command));
            let text = String::from_utf8(screen.bytes.clone()).expect("utf-8");
            assert!(
                text.ends_with(&expected),
                "{args:?}: the terminal did not end with the piped output:\n{text}"
            );
            let before = &screen.bytes[..screen.bytes.len() - expected.len()];
            assert_eq!(screen.shown(before).trim(), "", "{args:?}: bar not cleared");
        }
    }
}

/// The `elapsed` line of `summary` is the only one that changes between runs: cut it from
/// both the screen and the expected text.
fn screen_elapsed_cut(bytes: &mut Vec<u8>, expected: &mut String) -> bool {
    let drop_line = |text: &str| -> Option<String> {
        let start = text.rfind("elapsed ")?;
        let end = start + text[start..].find('\n')? + 1;
        Some(format!("{}{}", &text[..start], &text[end..]))
    };
    let text = String::from_utf8(bytes.clone()).expect("utf-8");
    match (drop_line(&text), drop_line(expected)) {
        (Some(screen), Some(piped)) => {
            *bytes = screen.into_bytes();
            *expected = piped;
            true
        }
        _ => false,
    }
}

/// Regression (session 27): the bar drew on every run and was cleared at once, a flash on
/// runs of a few milliseconds. It now shows only once a run has gone on for half a second,
/// so a run on sample-logs writes nothing to the terminal before its output. (Checked when
/// the run, pty included, ended within 400 ms: on a loaded machine it may not, and the bar
/// may then rightly show.)
#[test]
fn a_quick_run_draws_no_bar() {
    for command in ["edges", "summary"] {
        let started = std::time::Instant::now();
        let (screen, status) = run_in_terminal(&repo(), &[command, "sample-logs/"], 30);
        let took = started.elapsed();
        assert_eq!(status, 0, "{command}");
        let text = String::from_utf8_lossy(&screen.bytes);
        if took < std::time::Duration::from_millis(400) {
            assert!(!text.contains(" read 0 of "), "{command}: {text:?}");
            assert!(
                !text.contains("\x1b[2K"),
                "{command}: a line was cleared: {text:?}"
            );
        }
        let first = if command == "edges" {
            "source_kind,"
        } else {
            "files read"
        };
        assert!(text.starts_with(first), "{command}: {text:?}");
    }
}

/// On an input that takes a while, the bar draws (files and bytes so far) and is gone once
/// the output starts.
#[test]
fn the_progress_bar_draws_on_a_long_input_and_is_cleared() {
    let dir = Dir::new();
    // 200 files of 4,000 records (~1.3 s in a debug build): long enough for the bar to show
    // (after half a second) and draw several of its 120 ms ticks, with one role assumption
    // each.
    let filler = r#"{"eventVersion":"1.08","eventTime":"2021-03-01T10:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111111111111:user/u"},"requestParameters":{"instancesSet":{}},"eventID":"x"}"#;
    for file in 0..200 {
        let mut records: Vec<String> = vec![filler.to_owned(); 4_000];
        records.push(format!(
            r#"{{"eventTime":"2021-03-01T10:{:02}:{:02}Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::111111111111:user/u","accountId":"111111111111"}},"requestParameters":{{"roleArn":"arn:aws:iam::111111111111:role/R","roleSessionName":"s"}},"eventID":"e{file:03}"}}"#,
            file / 60,
            file % 60
        ));
        dir.write_gz(
            &format!("f{file:03}.json.gz"),
            &format!(r#"{{"Records":[{}]}}"#, records.join(",")),
        );
    }
    // Entries passed over are not files to read: the bar counts 200 (session 31: it counted
    // them, "read 201 of 202 files").
    dir.write("notes.txt", b"not a log");
    dir.write_gz("CloudTrail-Digest/d.json.gz", "{}");
    let piped = run_in(dir.root.path(), &["edges", "-q", "."], None);
    let (screen, status) = run_in_terminal(dir.root.path(), &["edges", "."], 120);
    assert_eq!(status, 0);
    let mut expected = stdout(&piped);
    expected.push_str("trailmask: 200 files read, 2 skipped, 0 failed; 200 role assumptions\n");
    let text = String::from_utf8_lossy(&screen.bytes).into_owned();
    assert!(text.ends_with(&expected), "{text}");
    let before = &screen.bytes[..screen.bytes.len() - expected.len()];
    let bar = String::from_utf8_lossy(before);
    assert!(
        bar.contains(" read ") && bar.contains(" of 200 files, "),
        "the bar never drew: {bar:?}"
    );
    // The files counted, in the order drawn: never back (two workers once drew their counts
    // in the other order), never past the files read.
    let counts: Vec<u64> = bar
        .split(" read ")
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect();
    assert!(!counts.is_empty(), "{bar:?}");
    assert!(counts.is_sorted(), "the count went back: {counts:?}");
    assert!(counts.iter().all(|&count| count <= 200), "{counts:?}");
    assert_eq!(screen.shown(before).trim(), "", "bar not cleared: {bar:?}");
}

/// Ctrl-C while the progress line is drawn clears it before the process dies of the
/// signal: the shell's prompt then starts a clean line. (The line was left: indicatif fills
/// it to the last column, so the terminal's `^C` echo wrapped below it and only the echo was
/// cleared.)
#[test]
fn ctrl_c_clears_the_progress_line() {
    let dir = Dir::new();
    let filler = r#"{"eventVersion":"1.08","eventTime":"2021-03-01T10:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111111111111:user/u"},"requestParameters":{"instancesSet":{}},"eventID":"x"}"#;
    let body = format!(r#"{{"Records":[{}]}}"#, vec![filler; 4_000].join(","));
    // ~6 s in a debug build on one thread: the line shows after half a second.
    for file in 0..1_000 {
        dir.write_gz(&format!("f{file:04}.json.gz"), &body);
    }
    let interrupted = Pty {
        interrupt_after: Some(std::time::Duration::from_millis(1_500)),
        ..Pty::default()
    };
    let (screen, status) = run_in_pty(
        dir.root.path(),
        &["edges", "-j", "1", "."],
        60,
        &interrupted,
    );
    assert_ne!(status, 0);
    let text = String::from_utf8_lossy(&screen.bytes);
    assert!(text.contains(" read "), "the line never drew: {text:?}");
    // What is left on the screen: at most the terminal's echo of the key.
    let shown = screen.shown(&screen.bytes);
    assert!(
        matches!(shown.trim(), "" | "^C"),
        "the line was left: {shown:?}"
    );
}

/// Runs trailmask in `dir` on a pseudo-terminal 50 lines high and wide enough for every table
/// of sample-logs (1,000 columns; stdin, stdout and stderr all on it), failing the test if it
/// has not ended after `timeout_s` seconds. Returns what the terminal received and the exit
/// status.
fn run_in_terminal(dir: &Path, args: &[&str], timeout_s: u64) -> (Screen, u32) {
    run_in_pty(dir, args, timeout_s, &Pty::default())
}

/// How [`run_in_pty`] runs trailmask.
pub(crate) struct Pty<'a> {
    /// Typed into the terminal once trailmask has started.
    pub(crate) typed: &'a [u8],
    pub(crate) columns: u16,
    /// Environment variables set (`Some`) or removed (`None`).
    pub(crate) env: Vec<(String, Option<String>)>,
    /// Ctrl-C typed this long after the start.
    pub(crate) interrupt_after: Option<std::time::Duration>,
}

impl Default for Pty<'_> {
    fn default() -> Self {
        Pty {
            typed: b"",
            columns: 1000,
            env: Vec::new(),
            interrupt_after: None,
        }
    }
}

/// [`run_in_terminal`], as `pty` says.
pub(crate) fn run_in_pty(
    dir: &Path,
    args: &[&str],
    timeout_s: u64,
    pty_options: &Pty,
) -> (Screen, u32) {
    let Pty {
        typed,
        columns,
        ref env,
        interrupt_after,
    } = *pty_options;
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};

    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 50,
            cols: columns,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("open a pty");
    let mut cmd = CommandBuilder::new(assert_cmd::cargo::cargo_bin("trailmask"));
    cmd.args(args);
    cmd.cwd(dir);
    cmd.env("TERM", "xterm-256color");
    for (name, value) in env {
        match value {
            Some(value) => cmd.env(name, value),
            None => cmd.env_remove(name),
        }
    }
    let mut child = pty.slave.spawn_command(cmd).expect("spawn in the pty");
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().expect("pty reader");
    // Only when something is typed: the writer, dropped, types a newline and an end of file
    // (portable-pty), which the terminal may echo after the output.
    let mut writer = (!typed.is_empty() || interrupt_after.is_some()).then(|| {
        let mut writer = pty.master.take_writer().expect("pty writer");
        writer.write_all(typed).expect("type into the pty");
        writer
    });
    let collect = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 8192];
        // Linux answers EIO once the last writer is gone: the end of the output.
        while let Ok(n) = reader.read(&mut chunk) {
            if n == 0 {
                break;
            }
            bytes.extend_from_slice(&chunk[..n]);
        }
        bytes
    });
    let started = Instant::now();
    let deadline = started + Duration::from_secs(timeout_s);
    let mut interrupt_at = interrupt_after.map(|after| started + after);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if interrupt_at.is_some_and(|at| Instant::now() >= at)
            && let Some(writer) = &mut writer
        {
            writer.write_all(b"\x03").expect("type Ctrl-C");
            writer.flush().expect("type Ctrl-C");
            interrupt_at = None;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("trailmask {args:?} still running after {timeout_s} s in a terminal");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(writer);
    drop(pty.master);
    let bytes = collect.join().expect("reader thread");
    let bytes = String::from_utf8_lossy(&bytes)
        .replace("\r\n", "\n")
        .into_bytes();
    (Screen { bytes, columns }, status.exit_code())
}

/// A partial result is gzip: in a terminal without `-o` it is refused before anything is read
/// (status 2, one line), for every command; with `-o` the run ends with what it wrote.
#[test]
fn a_partial_is_never_poured_onto_the_terminal() {
    for args in [
        &["partial", "events", "sample-logs/"][..],
        &["partial", "report", "sample-logs/"][..],
        &["partial", "activity", "sample-logs/"][..],
        &["partial", "events", "sample-logs/", "-o", "/dev/tty"][..],
    ] {
        let command = args[1];
        let (screen, status) = run_in_terminal(&repo(), args, 30);
        assert_eq!(status, 2, "{command}");
        assert_eq!(
            String::from_utf8(screen.bytes).expect("utf-8").trim(),
            "trailmask: error: a partial result is binary: write it to a file (-o FILE) or a pipe",
            "{args:?}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let part = dir.path().join("sample.part");
    let args = [
        "partial",
        "events",
        "sample-logs/",
        "-o",
        part.to_str().unwrap(),
    ];
    let (screen, status) = run_in_terminal(&repo(), &args, 30);
    assert_eq!(status, 0);
    let text = String::from_utf8(screen.bytes).expect("utf-8");
    assert!(
        text.ends_with(
            "trailmask: 28 files read, 2 skipped, 0 failed; partial for events: 30 files, 32 of their records kept\n"
        ),
        "{text}"
    );
    assert!(
        std::fs::read(&part)
            .unwrap()
            .starts_with(b"TRAILMASK PARTIAL 9\n")
    );
}

/// `report` in a terminal: without `-o` (or with the screen named) it refuses to pour a page
/// of HTML onto the screen (status 2, one line); with `-o` it writes the file and ends with the closing line.
#[test]
fn report_in_a_terminal_writes_a_file_and_never_the_screen() {
    // Nor with the screen named: `-o -`, or the terminal's device (a review's, session 38).
    for args in [
        &["report", "sample-logs/"][..],
        &["report", "-o", "-", "sample-logs/"],
        &["report", "-o", "/dev/tty", "sample-logs/"],
    ] {
        let (screen, status) = run_in_terminal(&repo(), args, 30);
        assert_eq!(status, 2, "{args:?}");
        assert_eq!(
            String::from_utf8(screen.bytes).expect("utf-8").trim(),
            "trailmask: error: the report is an HTML page: write it with -o report.html (or redirect stdout)",
            "{args:?}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let args = ["report", "sample-logs/", "-o", page.to_str().unwrap()];
    let (screen, status) = run_in_terminal(&repo(), &args, 30);
    assert_eq!(status, 0);
    let text = String::from_utf8(screen.bytes).expect("utf-8");
    assert!(text.ends_with(closing_line("report")), "{text}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
}

/// Review (session 21): `trailmask events -` on a terminal waited for input with nothing on
/// the screen but the bar at 0 files. It says what it waits for, and reads what is typed up to
/// Ctrl-D as any other input.
#[test]
fn reading_the_terminal_says_so_and_reads_what_is_typed() {
    let record = r#"{"eventTime":"2021-03-01T10:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111111111111:user/u","accountId":"111111111111"},"requestParameters":{"roleArn":"arn:aws:iam::111111111111:role/R","roleSessionName":"s"},"eventID":"e1"}"#;
    let dir = Dir::new();
    dir.write("r.json", record.as_bytes());
    let piped = run_in(dir.root.path(), &["edges", "-q", "r.json"], None);
    let typed = format!("{record}\n\x04");
    let (screen, status) = run_in_pty(
        dir.root.path(),
        &["edges", "-"],
        30,
        &Pty {
            typed: typed.as_bytes(),
            ..Pty::default()
        },
    );
    assert_eq!(status, 0);
    // The terminal echoes what is typed; after it, the line, then the output as piped.
    let text = String::from_utf8_lossy(&screen.bytes);
    let hint = "trailmask: reading logs from the terminal (-): paste them, then Ctrl-D\n";
    let after_hint = text.find(hint).map(|at| &text[at + hint.len()..]);
    assert!(
        after_hint.is_some_and(|rest| rest.contains(&stdout(&piped))),
        "{text}"
    );
    // No bar over the line being typed.
    assert!(!text.contains(" read 0 of "), "{text}");
}

/// Review (session 21): tables are as wide as their longest values (findings' ~390 columns on
/// sample-logs), and a terminal narrower than that wrapped each row over several lines into
/// the next. In such a terminal a table is written as records, a line per value; one that
/// fits, and any table piped, as before.
#[test]
fn a_table_too_wide_for_the_terminal_is_written_as_records() {
    let args = ["findings", "--baseline-until", "2020-12-20", "sample-logs/"];
    let narrow = Pty {
        columns: 120,
        ..Pty::default()
    };
    let (screen, status) = run_in_pty(&repo(), &args, 30, &narrow);
    assert_eq!(status, 0);
    let text = String::from_utf8(screen.bytes).expect("utf-8");
    let piped = stdout(&run(
        &[&args[..1], &["-q", "--format", "csv"], &args[1..]].concat()
    ));
    let rows = csv_rows(&piped);
    let mut expected = String::new();
    for (n, row) in rows[1..].iter().enumerate() {
        let title = format!("-[ RECORD {} ]", n + 1);
        expected.push_str(&format!("{title}{}\n", "-".repeat(60 - title.len())));
        for (name, value) in rows[0].iter().zip(row) {
            let name = name.to_uppercase();
            expected.push_str(&format!("{name:<10}  {value}\n"));
        }
    }
    expected.push_str(&closing_line("findings").replace("0 findings", "6 findings"));
    assert!(text.ends_with(&expected), "{text}\n---\n{expected}");
    assert_eq!(rows.len(), 7, "{piped}");
    // A table that fits (services: 192 columns, in 200) stays a table.
    let fits = Pty {
        columns: 200,
        ..Pty::default()
    };
    let (screen, _) = run_in_pty(&repo(), &["services", "sample-logs/"], 30, &fits);
    let services = stdout(&run(&["services", "-q", "sample-logs/"]));
    assert!(
        String::from_utf8_lossy(&screen.bytes).contains(&services),
        "{services}"
    );
    // A new user's first hour (session 33): a terminal that does not say its size (0 by 0:
    // `script`, a container's console) got 1,310-column rows, whatever `COLUMNS` said. It is
    // as wide as `COLUMNS`, else 80 columns.
    let unsized_pty = |columns: Option<&str>| Pty {
        columns: 0,
        env: vec![("COLUMNS".to_owned(), columns.map(str::to_owned))],
        ..Pty::default()
    };
    let (screen, _) = run_in_pty(
        &repo(),
        &["services", "sample-logs/"],
        30,
        &unsized_pty(None),
    );
    let text = String::from_utf8_lossy(&screen.bytes);
    assert!(
        text.starts_with("-[ RECORD 1 ]") && !text.contains(&services),
        "{text}"
    );
    let (screen, _) = run_in_pty(
        &repo(),
        &["services", "sample-logs/"],
        30,
        &unsized_pty(Some("200")),
    );
    assert!(
        String::from_utf8_lossy(&screen.bytes).contains(&services),
        "{services}"
    );
}
