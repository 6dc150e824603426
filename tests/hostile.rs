//! Regression tests for what one small hostile file (or a careless invocation) did to the
//! machine: each named after the defect it pins (issue 20).

use crate::harness::*;
use std::process::{Command, Output, Stdio};

/// One session chaining into the next, `hops` times, alternating between two roles (role
/// juggling), as one gzip delivery file.
fn juggling_chain(hops: usize) -> String {
    juggling_comb(hops, false)
}

/// [`juggling_chain`], and with `side_hops` each session also tries (and is refused) a third
/// role: a comb, whose every tooth ends a chain of its own.
fn juggling_comb(hops: usize, side_hops: bool) -> String {
    let time = |i: usize| {
        let t = chrono::DateTime::parse_from_rfc3339("2021-01-01T00:00:00Z").unwrap()
            + chrono::TimeDelta::minutes(i as i64);
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    };
    let mut records = Vec::with_capacity(hops);
    for i in 0..hops {
        let caller = if i == 0 {
            r#"{"type":"IAMUser","arn":"arn:aws:iam::111111111111:user/juggler","accountId":"111111111111","accessKeyId":"AKIAJUGGLER"}"#.to_owned()
        } else {
            format!(
                r#"{{"type":"AssumedRole","arn":"arn:aws:sts::111111111111:assumed-role/R{}/s","accountId":"111111111111","accessKeyId":"ASIA{:08}","sessionContext":{{"attributes":{{"creationDate":"{}"}},"sessionIssuer":{{"type":"Role","arn":"arn:aws:iam::111111111111:role/R{}"}}}}}}"#,
                (i - 1) % 2,
                i - 1,
                time(i - 1),
                (i - 1) % 2
            )
        };
        records.push(format!(
            r#"{{"eventTime":"{}","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","userIdentity":{caller},"requestParameters":{{"roleArn":"arn:aws:iam::111111111111:role/R{}","roleSessionName":"s"}},"responseElements":{{"credentials":{{"accessKeyId":"ASIA{i:08}"}}}},"eventID":"e{i:08}","recipientAccountId":"111111111111"}}"#,
            time(i),
            i % 2
        ));
        if side_hops {
            records.push(format!(
                r#"{{"eventTime":"{t}","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","userIdentity":{{"type":"AssumedRole","arn":"arn:aws:sts::111111111111:assumed-role/R{r}/s","accountId":"111111111111","accessKeyId":"ASIA{i:08}","sessionContext":{{"attributes":{{"creationDate":"{t}"}},"sessionIssuer":{{"type":"Role","arn":"arn:aws:iam::111111111111:role/R{r}"}}}}}},"requestParameters":{{"roleArn":"arn:aws:iam::111111111111:role/Side","roleSessionName":"s"}},"errorCode":"AccessDenied","eventID":"f{i:08}","recipientAccountId":"111111111111"}}"#,
                t = time(i),
                r = i % 2
            ));
        }
    }
    format!(r#"{{"Records":[{}]}}"#, records.join(","))
}

/// Regression (review of issue 22): the report listed every row's whole path, so a comb of
/// 4,000 hops (a 124 KB file) made a 332 MB page and aborted under 1 GiB. A row now holds the
/// hops its text shows (the first 8 and last 7 of a long path): 4,000 rows, within bounds.
#[test]
fn a_comb_of_chains_makes_a_report_that_grows_with_its_rows() {
    let dir = Dir::new();
    dir.write_gz("comb.json.gz", &juggling_comb(4_000, true));
    let output = run_limited(
        dir.root.path(),
        1 << 20,
        &["report", "-q", ".", "-o", "report.html"],
    );
    assert_eq!(stderr(&output), "");
    assert_eq!(output.status.code(), Some(0));
    let page = std::fs::read_to_string(dir.root.path().join("report.html")).unwrap();
    assert!(page.len() < 16 << 20, "{} bytes", page.len());
    let open = r#"<script type="application/json" id="trailmask-data">"#;
    let start = page.find(open).unwrap() + open.len();
    let end = start + page[start..].find("</script>").unwrap();
    let data: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
    let chains = data["chains"].as_array().unwrap();
    // Each tooth ends a chain (the spine goes on into the last tooth).
    assert_eq!(chains.len(), 4_000);
    let longest = &chains[0];
    assert_eq!(longest["depth"], 4_001);
    let nodes = longest["nodes"].as_array().unwrap();
    // The origin, 8 hops, the gap, 7 hops.
    assert_eq!(nodes.len(), 17);
    assert_eq!(nodes[0], "iam-user:arn:aws:iam::111111111111:user/juggler");
    assert_eq!(nodes[9], serde_json::Value::Null);
}

/// Regression (issue 20): every prefix of one long chain became a row of its own, so 6,000
/// hops took 2 GB and wrote 667 MB, and 30,000 were killed at 24 GB. At 100,000 hops, under
/// a 1 GiB address-space limit, `chains` writes one row of bounded width.
#[test]
fn a_long_chain_costs_linear_memory_and_output() {
    let dir = Dir::new();
    dir.write_gz("juggle.json.gz", &juggling_chain(100_000));
    let output = run_limited(
        dir.root.path(),
        1 << 20,
        &["chains", "-q", "--format", "csv", "."],
    );
    assert_eq!(stderr(&output), "");
    assert_eq!(output.status.code(), Some(0));
    let hop = |r: usize| format!("arn:aws:iam::111111111111:role/R{r}");
    let head: Vec<String> = (0..8).map(|i| hop(i % 2)).collect();
    let tail: Vec<String> = (99_993..100_000).map(|i| hop(i % 2)).collect();
    let chain = format!(
        "arn:aws:iam::111111111111:user/juggler -> {} -> [... 99985 hops ...] -> {}",
        head.join(" -> "),
        tail.join(" -> ")
    );
    assert_eq!(
        stdout(&output),
        format!(
            "depth,count,first_seen,last_seen,cross_account_hops,returns,outcome,origin,chain\n\
             100000,1,2021-01-01T00:00:00Z,2021-03-11T10:39:00Z,0,99998,success,\
             arn:aws:iam::111111111111:user/juggler,{chain}\n"
        )
    );
    // The other commands read the same chain in the same bounds.
    let events = run_limited(dir.root.path(), 1 << 20, &["events", "-q", "."]);
    assert_eq!(events.status.code(), Some(0));
    let rows = csv_rows(&stdout(&events));
    let depth = rows[0].iter().position(|c| c == "chain_depth").unwrap();
    assert_eq!(rows.len(), 100_001);
    assert_eq!(rows[100_000][depth], "100000");
}

/// A `--max-file-size` of 256 MiB holds no bomb, nor 8 of them at once.
fn bombs(dir: &Dir) {
    use std::io::Write;
    // 257 MiB of zeros, and 257 MiB of empty records (`{},`: five bytes of record spans
    // each, had every record been listed): each one byte past the cap once inflated.
    let inflated = 257usize << 20;
    let mut zeros = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let block = vec![0u8; 1 << 20];
    for _ in 0..inflated >> 20 {
        zeros.write_all(&block).unwrap();
    }
    let zeros = zeros.finish().unwrap();
    let mut tiny = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    tiny.write_all(b"{\"Records\":[").unwrap();
    let block = b"{},".repeat(1 << 18);
    for _ in 0..inflated / block.len() {
        tiny.write_all(&block).unwrap();
    }
    tiny.write_all(b"{}]}").unwrap();
    let tiny = tiny.finish().unwrap();
    for i in 0..4 {
        dir.write(&format!("bomb-zeros-{i}.json.gz"), &zeros);
        dir.write(&format!("bomb-records-{i}.json.gz"), &tiny);
    }
}

/// Regression (issue 20): a file over `--max-file-size` was rejected only after its buffer
/// reached twice the cap, in every worker at once: 8 bombs with `-j 8` needed 16.9 GB at the
/// default cap and aborted under a memory limit with no output. Now the 8 fail, one line
/// each, and the good file beside them is read, under a limit the old code could not meet
/// (8 x 2 x 256 MiB).
#[test]
fn gzip_bombs_read_in_parallel_stay_within_the_cap() {
    let dir = Dir::new();
    bombs(&dir);
    let sample = repo().join(
        "sample-logs/AWSLogs/o-a1b2c3d4e5/111111111111/CloudTrail/us-east-1/2020/12/20/\
         111111111111_CloudTrail_us-east-1_20201220T0905Z_NWJXD4EVKTECZA2E.json.gz",
    );
    std::fs::copy(&sample, dir.path("good.json.gz")).unwrap();
    let output = run_limited(
        dir.root.path(),
        2 << 20,
        &["summary", "-j", "8", "--max-file-size", "256M", "."],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let names = (0..4)
        .map(|i| format!("bomb-records-{i}"))
        .chain((0..4).map(|i| format!("bomb-zeros-{i}")));
    let mut expected: Vec<String> = names
        .map(|name| {
            format!(
                "trailmask: ./{name}.json.gz: larger than the 268435456-byte limit once \
                 decompressed (see --max-file-size)"
            )
        })
        .collect();
    expected.push("trailmask: 1 file read, 0 skipped, 8 failed; 1 role assumption".to_owned());
    assert_eq!(stderr(&output).lines().collect::<Vec<_>>(), expected);
    // The good file: alice's cross-account AssumeRole among three records.
    assert_eq!(
        before_elapsed(&stdout(&output)),
        concat!(
            "files read        1\n",
            "files skipped     0\n",
            "files failed      8\n",
            "records scanned   3\n",
            "role assumptions  1 (0 duplicate copies dropped)\n",
            "  AssumeRole                  success 1      failure 0\n",
            "cross-account     1\n",
            "accounts          2: 111111111111, 222222222222\n",
            "time range        2020-12-20T09:00:00Z .. 2020-12-20T09:00:00Z\n",
        )
    );
}

/// Regression (issue 20): a file of tiny records under the cap cost 16 bytes of record spans
/// per 3 bytes of text (5 GB for a 1 GB file). It is read whole within a limit smaller than
/// those spans would need.
///
/// A review's (session 37): the same records after another key, which the full parser reads,
/// took 2 GB for 90 MB of text (every element listed, then filtered). They are read in the
/// same memory, and `activity`, which lists every record, fails the file alone in both shapes.
#[test]
fn tiny_records_cost_no_more_than_their_text() {
    for lead in ["", "\"a\":0,"] {
        let dir = Dir::new();
        let records = format!("{{{lead}\"Records\":[{}{{}}]}}", "{},".repeat(40_000_000));
        dir.write_gz("tiny.json.gz", &records);
        let output = run_limited(dir.root.path(), 1 << 20, &["summary", "-q", "."]);
        assert_eq!(stderr(&output), "");
        assert_eq!(output.status.code(), Some(0));
        // No role assumption, so no account and no time range.
        assert_eq!(
            before_elapsed(&stdout(&output)),
            concat!(
                "files read        1\n",
                "files skipped     0\n",
                "files failed      0\n",
                "records scanned   40000001\n",
                "role assumptions  0 (0 duplicate copies dropped)\n",
                "cross-account     0\n",
                "accounts          0\n",
                "time range        none (no role assumption with a time)\n",
            )
        );
        let output = run_limited(dir.root.path(), 1 << 20, &["activity", "-q", "."]);
        assert_eq!(
            (
                stdout(&output).lines().count(),
                stderr(&output),
                output.status.code()
            ),
            (
                1,
                "trailmask: ./tiny.json.gz: what it holds to keep (role assumptions, hand-overs, \
                 calls) would take more than half the 1073741824-byte limit in memory (see \
                 --max-file-size)\n\
                 trailmask: 0 files read, 0 skipped, 1 failed; 0 role assumptions; 0 role \
                 sessions made 0 calls\n"
                    .to_owned(),
                Some(1)
            ),
            "{lead}"
        );
    }
}

/// Regression (issue 20): a named pipe with a log's name inside a walked folder was opened
/// and blocked forever (with `--strict` too), and a socket counted as a failure. Neither is
/// opened: both are skipped as not regular files.
#[cfg(unix)]
#[test]
fn a_named_pipe_or_socket_in_a_walked_folder_is_skipped_unopened() {
    let dir = Dir::new();
    dir.write("good.json", assume_record().as_bytes());
    let fifo = dir.path("pipe.json");
    mkfifo(&fifo);
    let _socket = std::os::unix::net::UnixListener::bind(dir.path("socket.json")).unwrap();
    for strict in [false, true] {
        let mut args = vec!["summary", "."];
        if strict {
            args.push("--strict");
        }
        let output = run_with_timeout(dir.root.path(), &args, 30);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(
            before_elapsed(&stdout(&output)),
            concat!(
                "files read        1\n",
                "files skipped     2 (not a regular file 2)\n",
                "files failed      0\n",
                "records scanned   1\n",
                "role assumptions  1 (0 duplicate copies dropped)\n",
                "  AssumeRole                  success 1      failure 0\n",
                "cross-account     0\n",
                "accounts          1: 111111111111\n",
                "time range        2021-03-01T10:00:00Z .. 2021-03-01T10:00:00Z\n",
            )
        );
        assert_eq!(
            stderr(&output),
            "trailmask: 1 file read, 2 skipped, 0 failed; 1 role assumption\n"
        );
    }
}

/// Runs trailmask in `dir`, failing the test if it has not ended after `seconds`.
fn run_with_timeout(dir: &std::path::Path, args: &[&str], seconds: u64) -> Output {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("trailmask"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn trailmask");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("trailmask {args:?} still running after {seconds} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn assume_record() -> String {
    r#"{"eventTime":"2021-03-01T10:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111111111111:user/u","accountId":"111111111111"},"requestParameters":{"roleArn":"arn:aws:iam::111111111111:role/R","roleSessionName":"s"},"eventID":"e1"}"#.to_owned()
}

/// Regression (issue 20): `-j 5000` spent a minute starting threads on sample-logs. Past 256
/// it is a usage error.
#[test]
fn threads_past_256_are_a_usage_error() {
    let output = run(&["summary", "-j", "5000", "sample-logs/"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "trailmask: error: --threads must be between 1 and 256\n"
    );
    let output = run(&["summary", "-q", "-j", "256", "sample-logs/"]);
    assert_eq!(output.status.code(), Some(0));
}

/// Regression (issue 20): with stdout closed (`>&-`) the output was lost and the status 0,
/// because Rust's own entry opens `/dev/null` over a closed descriptor. It is an output error
/// (status 3); `/dev/null` opened for writing or read-write (Python's `subprocess.DEVNULL`)
/// is not. With stderr closed, nothing lands in the output file.
#[cfg(target_os = "linux")]
#[test]
fn a_closed_stdout_is_an_output_error() {
    let bin = assert_cmd::cargo::cargo_bin("trailmask");
    let run_sh = |script: &str| {
        Command::new("sh")
            .arg("-c")
            .arg(format!("exec \"$0\" {script}"))
            .arg(&bin)
            .current_dir(repo())
            .output()
            .unwrap()
    };
    let closed = run_sh("summary -q sample-logs/ >&-");
    assert_eq!(closed.status.code(), Some(3));
    assert_eq!(
        String::from_utf8_lossy(&closed.stderr),
        "trailmask: error: cannot write output: standard output is closed\n"
    );
    for redirect in ["1<>/dev/null", ">/dev/null"] {
        let output = run_sh(&format!("summary -q sample-logs/ {redirect}"));
        assert_eq!(output.status.code(), Some(0), "{redirect}");
        assert_eq!(String::from_utf8_lossy(&output.stderr), "", "{redirect}");
    }
    let dir = Dir::new();
    let out = dir.path("out.csv");
    let quiet = run_sh(&format!(
        "events sample-logs/ -o '{}' 2>&- >&-",
        out.display()
    ));
    assert_eq!(quiet.status.code(), Some(0));
    let piped = run(&["events", "-q", "sample-logs/"]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), stdout(&piped));
}

/// An AssumeRole record by `user` into `role`, with `agent` as its userAgent and `account` as
/// the caller's account.
fn record_with(id: &str, user: &str, role: &str, agent: &str, account: &str) -> String {
    serde_json::json!({
        "eventTime": "2021-03-01T10:00:00Z", "eventSource": "sts.amazonaws.com",
        "eventName": "AssumeRole", "eventID": id, "userAgent": agent,
        "userIdentity": {"type": "IAMUser", "arn": format!("arn:aws:iam::{account}:user/{user}"),
            "accountId": account},
        "requestParameters": {"roleArn": format!("arn:aws:iam::111111111111:role/{role}"),
            "roleSessionName": "s"},
    })
    .to_string()
}

/// Regression (issue 26): file names reached stderr raw, so a name holding an OSC or CSI
/// sequence ran in the terminal, and a newline forged a second error line. One line, escaped.
#[cfg(unix)]
#[test]
fn file_names_on_stderr_are_escaped_one_line_each() {
    let dir = Dir::new();
    dir.write("bad\u{1b}]0;pwned\u{7}\nforged: x.json", b"{not json");
    let output = run_in(dir.root.path(), &["summary", "-q", "."], None);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "trailmask: ./bad\\u{1b}]0;pwned\\u{7}\\nforged: x.json: not valid JSON: key must be a \
         string at line 1 column 2\n\
         trailmask: 0 files read, 0 skipped, 1 failed; 0 role assumptions\n"
    );
}

/// Regression (issue 26): `summary` printed account ids from the logs raw (clear-screen,
/// bidi override).
#[test]
fn summary_escapes_account_ids() {
    let dir = Dir::new();
    let record = record_with("e1", "u", "R", "cli", "1\u{1b}[2J\u{202e}1");
    dir.write("a.json", record.as_bytes());
    let output = run_in(dir.root.path(), &["summary", "-q", "."], None);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        before_elapsed(&stdout(&output)),
        concat!(
            "files read        1\n",
            "files skipped     0\n",
            "files failed      0\n",
            "records scanned   1\n",
            "role assumptions  1 (0 duplicate copies dropped)\n",
            "  AssumeRole                  success 1      failure 0\n",
            "cross-account     1\n",
            "accounts          2: 1\\u{1b}[2J\\u{202e}1, 111111111111\n",
            "time range        2021-03-01T10:00:00Z .. 2021-03-01T10:00:00Z\n",
        )
    );
}

/// Regression (issue 26): tables escaped C0/C1 and bidi overrides, but not the invisible or
/// look-alike characters (zero-width space and joiners, BOM, soft hyphen, Hangul filler, tag
/// characters, line separator...), so two different origins could print the same.
#[test]
fn tables_escape_invisible_characters() {
    let dir = Dir::new();
    let user =
        "a\u{200b}\u{200d}\u{2060}\u{feff}\u{ad}\u{3164}\u{e0041}\u{fff9}\u{180e}\u{2028}\u{61c}b";
    dir.write(
        "a.json",
        record_with("e1", user, "R", "cli", "111111111111").as_bytes(),
    );
    let output = run_in(
        dir.root.path(),
        &["chains", "-q", "--format", "text", "."],
        None,
    );
    let escaped = "a\\u{200b}\\u{200d}\\u{2060}\\u{feff}\\u{ad}\\u{3164}\\u{e0041}\\u{fff9}\
                   \\u{180e}\\u{2028}\\u{61c}b";
    // A line separator (U+2028) is a space: the name is quoted in the chain.
    let origin = format!("\"arn:aws:iam::111111111111:user/{escaped}\"");
    assert_eq!(
        stdout(&output),
        format!(
            "DEPTH  COUNT  FIRST_SEEN            LAST_SEEN             CROSS_ACCOUNT_HOPS  RETURNS  \
             OUTCOME  CHAIN\n\
             1      1      2021-03-01T10:00:00Z  2021-03-01T10:00:00Z  0                   0        \
             success  {origin} -> arn:aws:iam::111111111111:role/R\n",
        )
    );
}

/// Regression (issue 26): CSV cells holding a tab, ESC or NUL were written untouched, so a
/// tab-separated import split `user/<TAB>=1` into a formula cell and `events | head` wrote ESC
/// to the terminal. Controls are written as visible escapes; `--raw` keeps them.
#[test]
fn csv_cells_with_control_characters_are_neutralized_unless_raw() {
    let dir = Dir::new();
    let agent = "x\t=1\u{1b}[31m\u{0}\u{202e}";
    dir.write(
        "a.json",
        record_with("e1", "u", "R", agent, "111111111111").as_bytes(),
    );
    let agent_of =
        |args: &[&str]| first_row_cell(&run_in(dir.root.path(), args, None), "user_agent");
    assert_eq!(
        agent_of(&["events", "-q", "."]),
        "x\\t=1\\u{1b}[31m\\u{0}\\u{202e}"
    );
    assert_eq!(agent_of(&["events", "-q", "--raw", "."]), agent);
    // A leading tab is a formula start no more once escaped.
    let dir2 = Dir::new();
    dir2.write(
        "a.json",
        record_with("e1", "u", "R", "\t=cmd", "111111111111").as_bytes(),
    );
    let output = run_in(dir2.root.path(), &["events", "-q", "."], None);
    assert_eq!(first_row_cell(&output, "user_agent"), "\\t=cmd");
}

/// The cell in `column` of the first row of the CSV `output` wrote.
fn first_row_cell(output: &Output, column: &str) -> String {
    let rows = csv_rows(&stdout(output));
    let at = rows[0].iter().position(|c| c == column).unwrap();
    rows[1][at].clone()
}

/// Regression (session 42's review): a name holding a path's arrows (a typed `roleArn`, a
/// SAML subject) was written into `chains`' text as it was, so one hop read as two, one of
/// them into another account. Such a name is quoted.
#[test]
fn a_name_holding_arrows_is_quoted_in_a_chain() {
    let dir = Dir::new();
    let role = "BreakGlass =[cross-account]=> arn:aws:iam::999999999999:role/Exfil";
    dir.write(
        "a.json",
        record_with("e1", "u", role, "cli", "111111111111").as_bytes(),
    );
    let output = run_in(
        dir.root.path(),
        &["chains", "-q", "--format", "csv", "."],
        None,
    );
    assert_eq!(
        first_row_cell(&output, "chain"),
        "arn:aws:iam::111111111111:user/u -> \"arn:aws:iam::111111111111:role/BreakGlass \
         =[cross-account]=> arn:aws:iam::999999999999:role/Exfil\""
    );
}

/// Regression (session 42's review): a line feed in a name was drawn as a line break, so
/// `ReadOnly` + LF + LF + `Admin` looked like two roles. It is a visible `\n`; trailmask's own
/// label lines (an account's name, "(outside --accounts)") still break.
#[test]
fn a_line_feed_in_a_name_is_no_line_break_in_dot() {
    let dir = Dir::new();
    dir.write(
        "a.json",
        record_with("e1", "u", "ReadOnly\n\nAdmin", "cli", "111111111111").as_bytes(),
    );
    let output = run_in(dir.root.path(), &["graph", "-q", "."], None);
    let dot = stdout(&output);
    let role = dot
        .lines()
        .find(|line| line.trim_start().starts_with("\"role:"))
        .unwrap();
    assert!(role.contains(r#"[label="ReadOnly\\n\\nAdmin", "#), "{role}");
}

/// Regression (issue 26): DOT node ids were not injective: a role named `x` + ESC and one
/// named `x\u{1b}` (a literal backslash) became one node, merging two identities' edges.
#[test]
fn dot_ids_of_distinct_names_stay_distinct() {
    let dir = Dir::new();
    let records = [
        record_with("e1", "u", "x\u{1b}", "cli", "111111111111"),
        record_with("e2", "u", "x\\u{1b}", "cli", "111111111111"),
    ];
    dir.write("a.jsonl", records.join("\n").as_bytes());
    let output = run_in(dir.root.path(), &["graph", "-q", "."], None);
    let dot = stdout(&output);
    let mut ids: Vec<&str> = dot
        .lines()
        .map(str::trim_start)
        .filter(|line| line.starts_with("\"role:"))
        .map(|line| &line[..line.find(" [").unwrap()])
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            r#""role:arn:aws:iam::111111111111:role/x\\\\u{1b}""#,
            r#""role:arn:aws:iam::111111111111:role/x\\u{1b}""#
        ]
    );
}

/// Regression (issue 26): UTF-16 and UTF-32 files and gzip inside gzip were reported as "not
/// valid JSON: expected value", and a corrupt gzip said "corrupt gzip" twice. Each says what
/// it is.
#[test]
fn odd_encodings_say_what_they_are() {
    let dir = Dir::new();
    let text = r#"{"Records":[]}"#;
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let utf16_bare: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let utf32: Vec<u8> = text
        .chars()
        .flat_map(|c| (c as u32).to_le_bytes())
        .collect();
    dir.write("utf16.json", &utf16);
    dir.write("utf16-be.json", &utf16_bare);
    dir.write("utf32.json", &utf32);
    dir.write("twice.json.gz", &gzip(&gzip(text.as_bytes())));
    let mut corrupt = gzip(text.as_bytes());
    let crc = corrupt.len() - 8;
    corrupt[crc] ^= 0xff;
    dir.write("corrupt.json.gz", &corrupt);
    let output = run_in(dir.root.path(), &["summary", "-q", "."], None);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "trailmask: ./corrupt.json.gz: corrupt gzip stream does not have a matching checksum\n\
         trailmask: ./twice.json.gz: gzip inside gzip (still gzip once inflated)\n\
         trailmask: ./utf16-be.json: UTF-16 text, not UTF-8\n\
         trailmask: ./utf16.json: UTF-16 text, not UTF-8\n\
         trailmask: ./utf32.json: UTF-32 text, not UTF-8\n\
         trailmask: 0 files read, 0 skipped, 5 failed; 0 role assumptions\n"
    );
}

/// Regression (issue 26): a symbolic link named on the command line beside its target was
/// read twice (and counted twice); the same file reached twice is read once.
#[cfg(unix)]
#[test]
fn a_link_named_beside_its_target_is_read_once() {
    let dir = Dir::new();
    dir.write("target.json", assume_record().as_bytes());
    std::os::unix::fs::symlink("target.json", dir.path("link.json")).unwrap();
    let output = run_in(
        dir.root.path(),
        &["summary", "-q", "target.json", "link.json"],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        before_elapsed(&stdout(&output)),
        concat!(
            "files read        1\n",
            "files skipped     0\n",
            "files failed      0\n",
            "records scanned   1\n",
            "role assumptions  1 (0 duplicate copies dropped)\n",
            "  AssumeRole                  success 1      failure 0\n",
            "cross-account     0\n",
            "accounts          1: 111111111111\n",
            "time range        2021-03-01T10:00:00Z .. 2021-03-01T10:00:00Z\n",
        )
    );
}

/// A record whose `roleSessionName`, `eventID` and `userAgent` are the raw JSON texts given.
fn odd_record(session: &str, id: &str, agent: &str) -> String {
    format!(
        r#"{{"eventTime":"2021-03-01T10:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","eventID":{id},"userAgent":{agent},"userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::111111111111:user/u","accountId":"111111111111"}},"requestParameters":{{"roleArn":"arn:aws:iam::111111111111:role/R","roleSessionName":{session}}}}}"#
    )
}

/// Regression (issue 26): one odd value in a field trailmask reads cost the whole record
/// (`1e400`, `1e999999`, a lone surrogate escape), and a large number lost its digits through a
/// float. The record is kept: numbers keep their literal text, a lone surrogate becomes U+FFFD.
#[test]
fn odd_values_keep_the_record_and_their_text() {
    let dir = Dir::new();
    let records = [
        odd_record("1e400", "1e999999", "1e400"),
        odd_record(
            "123456789012345678901234567890123456789",
            r#""e2""#,
            r#""a\ud800b""#,
        ),
    ];
    dir.write("odd.jsonl", records.join("\n").as_bytes());
    dir.write(
        "odd-delivery.json",
        format!("{{\"Records\":[{}]}}", records.join(",")).as_bytes(),
    );
    let output = run_in(
        dir.root.path(),
        &["events", "-q", "--raw", "odd.jsonl"],
        None,
    );
    assert_eq!(stderr(&output), "");
    let rows = csv_rows(&stdout(&output));
    let column = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    let cells = |row: usize| {
        [
            rows[row][column("session_name")].clone(),
            rows[row][column("event_id")].clone(),
            rows[row][column("user_agent")].clone(),
        ]
    };
    assert_eq!(rows.len(), 3);
    assert_eq!(cells(1), ["1e400", "1e999999", "1e400"]);
    assert_eq!(
        cells(2),
        [
            "123456789012345678901234567890123456789",
            "e2",
            "a\u{fffd}b"
        ]
    );
    // The fast path for delivery files reads them the same.
    let delivery = run_in(
        dir.root.path(),
        &["events", "-q", "--raw", "odd-delivery.json"],
        None,
    );
    let strip_file = |text: &str| text.replace("odd-delivery.json", "odd.jsonl");
    assert_eq!(strip_file(&stdout(&delivery)), stdout(&output));
}

/// Regression (issue 26): a field given twice in a record cost the record, while `"Records"`
/// given twice silently kept the second array. Both keep the first value, and say so.
#[test]
fn keys_given_twice_keep_the_first_value_and_say_so() {
    let dir = Dir::new();
    let record = odd_record(r#""s1""#, r#""e1""#, r#""cli""#).replacen(
        r#""eventTime""#,
        r#""awsRegion":"us-east-1","awsRegion":"eu-west-1","eventTime""#,
        1,
    );
    dir.write("region.json", record.as_bytes());
    let second = odd_record(r#""s2""#, r#""e2""#, r#""cli""#);
    dir.write(
        "records.json",
        format!("{{\"Records\":[{second}],\"Records\":[]}}").as_bytes(),
    );
    dir.write("object.json", br#"{"Records":{"eventName":"AssumeRole"}}"#);
    let output = run_in(dir.root.path(), &["events", "-q", "--raw", "."], None);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "trailmask: ./records.json: 1 object(s) with a key given twice: the first value read, \
         the later ignored\n\
         trailmask: ./region.json: 1 object(s) with a key given twice: the first value read, \
         the later ignored\n\
         trailmask: 0 files read, 1 skipped, 2 failed; 2 role assumptions\n"
    );
    let rows = csv_rows(&stdout(&output));
    let region = rows[0].iter().position(|c| c == "aws_region").unwrap();
    let session = rows[0].iter().position(|c| c == "session_name").unwrap();
    let mut kept: Vec<(String, String)> = rows[1..]
        .iter()
        .map(|r| (r[session].clone(), r[region].clone()))
        .collect();
    kept.sort();
    assert_eq!(
        kept,
        [
            ("s1".to_owned(), "us-east-1".to_owned()),
            ("s2".to_owned(), String::new())
        ]
    );
}

/// `summary -q --max-file-size CAP` over a delivery file `name` of `records` (gzip) beside one
/// good record.
fn beside_a_good_file(name: &str, records: &[&str], cap: &str) -> Output {
    let dir = Dir::new();
    dir.write_gz(name, &format!("{{\"Records\":[{}]}}", records.join(",")));
    dir.write("good.json", assume_record().as_bytes());
    run_in(
        dir.root.path(),
        &["summary", "-q", "--max-file-size", cap, "."],
        None,
    )
}

/// Regression (issue 20, review): the text of a file was bounded by the cap, but not the events
/// it turns into: 1 GiB of 41-byte records that all name AssumeRole (3 MB of gzip) became
/// ~9 GB of events and aborted the run. A file whose events would take more than half the cap
/// fails, alone.
#[test]
fn a_file_of_tiny_role_assumptions_fails_alone() {
    let tiny = r#"{"eventName":"AssumeRole","eventID":"x"}"#;
    fails_alone("tiny.json.gz", tiny, 20_000, "1M", 1 << 20);
}

/// A red-team's case (session 40): a file that repeats one role assumption (identical records
/// without ids) held every copy until the merge, so a few such files of a few hundred KB of
/// gzip took gigabytes, and one past half the cap failed. Its copies are taken out as it is
/// read, counted as the merge counts them.
#[test]
fn a_file_that_repeats_one_role_assumption_holds_it_once() {
    let tiny = r#"{"eventName":"AssumeRole","requestParameters":{"roleArn":"arn:aws:iam::111111111111:role/R"}}"#;
    let dir = Dir::new();
    for file in ["a.json.gz", "b.json.gz"] {
        dir.write_gz(
            file,
            &format!("{{\"Records\":[{}]}}", vec![tiny; 8_000].join(",")),
        );
    }
    dir.write("good.json", assume_record().as_bytes());
    let output = run_in(
        dir.root.path(),
        &["summary", "-q", "--max-file-size", "1M", "."],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains(
            "files read        3\nfiles skipped     0\nfiles failed      0\n\
             records scanned   16001\nrole assumptions  2 (15999 duplicate copies dropped)\n"
        ),
        "{}",
        stdout(&output)
    );
}

/// `copies` of `record` in `file`, beside a good file, under `--max-file-size cap` (`bytes`):
/// the file fails alone, for what it would keep in memory.
fn fails_alone(file: &str, record: &str, copies: usize, cap: &str, bytes: u64) {
    let output = beside_a_good_file(file, &vec![record; copies], cap);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        format!(
            "trailmask: ./{file}: what it holds to keep (role assumptions, hand-overs, calls) \
             would take more than half the {bytes}-byte limit in memory (see --max-file-size)\n\
             trailmask: 1 file read, 0 skipped, 1 failed; 1 role assumption\n"
        )
    );
}

/// Regression (issue 20, review): every record holding a `\u` escape is parsed in full (an
/// escaped key may hide `eventName`), so 13-byte records listed for it cost five times their
/// text (300 MB became 1.9 GB). Past half the cap, such a file fails alone.
#[test]
fn a_file_of_escaped_records_fails_alone() {
    let escaped = r#"{"\u0041":1}"#;
    fails_alone("escaped.json.gz", escaped, 200_000, "4M", 4 << 20);
}

/// Review of issue 22: a report of 20,000 roles did not load in a browser in two minutes. Past
/// 1,500 nodes or 4,000 edges the report draws the account level, and says so.
#[test]
fn a_report_too_big_for_a_browser_draws_the_accounts() {
    let dir = Dir::new();
    let records: Vec<String> = (0..4_100)
        .map(|i| {
            format!(
                r#"{{"eventTime":"2021-01-01T00:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::111111111111:user/u","accountId":"111111111111"}},"requestParameters":{{"roleArn":"arn:aws:iam::{:012}:role/R{i}","roleSessionName":"s"}},"eventID":"e{i}"}}"#,
                i % 3 + 1
            )
        })
        .collect();
    dir.write_gz(
        "many.json.gz",
        &format!(r#"{{"Records":[{}]}}"#, records.join(",")),
    );
    let output = run_in(
        dir.root.path(),
        &["report", "-q", ".", "-o", "r.html"],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stderr(&output),
        "trailmask: the role-level graph has more than 1500 nodes or 4000 edges, more than a \
         browser draws in seconds: the report draws the account level. For roles, add --level \
         role, or focus with --account ID, --from GLOB or --to GLOB\n"
    );
    let page = std::fs::read_to_string(dir.root.path().join("r.html")).unwrap();
    assert!(page.contains(r#"{"version":1,"generated_by":"trailmask 0.1.0","level":"account","#));
}
