//! Every input shape, every kind of bad file, and the exit statuses.

use crate::harness::*;

/// An AssumeRole record with `id` as its eventID.
fn assume(id: &str) -> String {
    format!(
        r#"{{"eventVersion":"1.08","eventTime":"2021-03-0{}T10:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole",
        "userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::111111111111:user/u{id}","accountId":"111111111111"}},
        "requestParameters":{{"roleArn":"arn:aws:iam::222222222222:role/R{id}","roleSessionName":"s{id}"}},
        "responseElements":{{"credentials":{{"accessKeyId":"ASIA{id}"}}}},"eventID":"{id}","recipientAccountId":"111111111111"}}"#,
        id.len() % 9 + 1
    )
    .replace('\n', "")
}

fn noise(id: &str) -> String {
    format!(
        r#"{{"eventName":"DescribeInstances","eventTime":"2021-03-01T10:00:00Z","eventID":"{id}","requestParameters":{{"note":"AssumeRole"}}}}"#
    )
}

fn event_ids(csv: &str) -> Vec<String> {
    let rows = csv_rows(csv);
    let col = rows[0].iter().position(|h| h == "event_id").unwrap();
    let mut ids: Vec<String> = rows[1..].iter().map(|r| r[col].clone()).collect();
    ids.sort();
    ids
}

#[test]
fn every_delivery_shape_is_read() {
    let dir = Dir::new();
    dir.write_gz(
        "AWSLogs/111111111111/CloudTrail/us-east-1/2021/03/01/a.json.gz",
        &format!(r#"{{"Records":[{},{}]}}"#, assume("records"), noise("n1")),
    );
    dir.write("single.json", assume("single").as_bytes());
    dir.write(
        "array.json",
        format!("[{},{}]", assume("array"), noise("n2")).as_bytes(),
    );
    dir.write(
        "lines.jsonl",
        format!(
            "{}\n{}\n{}\n",
            assume("line1"),
            noise("n3"),
            assume("line2")
        )
        .as_bytes(),
    );
    let quoted = serde_json::to_string(&assume("lookup")).unwrap();
    dir.write("lookup.json", format!(r#"{{"Events":[{{"EventId":"x","EventName":"AssumeRole","CloudTrailEvent":{quoted}}}]}}"#).as_bytes());
    dir.write("bridge.json", format!(r#"{{"version":"0","detail-type":"AWS API Call via CloudTrail","source":"aws.sts","detail":{}}}"#, assume("bridge")).as_bytes());
    let quoted = serde_json::to_string(&assume("cwl")).unwrap();
    dir.write_gz("cwl.gz", &format!(r#"{{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","logEvents":[{{"id":"1","timestamp":1,"message":{quoted}}}]}}"#));
    dir.write(
        "plain-named-gz.json.gz",
        format!(r#"{{"Records":[{}]}}"#, assume("plainname")).as_bytes(),
    );
    let mut members = gzip(format!(r#"{{"Records":[{}]}}"#, assume("member1")).as_bytes());
    members.extend(gzip(format!("\n{}", assume("member2")).as_bytes()));
    dir.write("members.json.gz", &members);
    let output = run_in(dir.root.path(), &["events", "."], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        event_ids(&stdout(&output)),
        [
            "array",
            "bridge",
            "cwl",
            "line1",
            "line2",
            "lookup",
            "member1",
            "member2",
            "plainname",
            "records",
            "single"
        ]
    );
    assert_eq!(
        stderr(&output),
        "trailmask: 9 files read, 0 skipped, 0 failed; 11 role assumptions\n"
    );
}

#[test]
fn digests_insights_other_json_and_other_names_are_skipped_not_failed() {
    let dir = Dir::new();
    dir.write_gz(
        "AWSLogs/1/CloudTrail/us-east-1/2021/03/01/good.json.gz",
        &format!(r#"{{"Records":[{}]}}"#, assume("good")),
    );
    dir.write_gz(
        "AWSLogs/1/CloudTrail-Digest/us-east-1/2021/03/01/d.json.gz",
        r#"{"digestStartTime":"x"}"#,
    );
    dir.write(
        "digest-elsewhere.json",
        br#"{"awsAccountId":"1","digestStartTime":"2021","digestEndTime":"2021","logFiles":[]}"#,
    );
    dir.write_gz(
        "AWSLogs/1/CloudTrail-Insight/us-east-1/2021/03/01/i.json.gz",
        r#"{"Records":[{"eventType":"AwsCloudTrailInsight","insightDetails":{"state":"Start"}}]}"#,
    );
    dir.write(
        "policy.json",
        br#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}"#,
    );
    dir.write("README.md", b"# not a log");
    dir.write("empty.json", b"");
    dir.write("no-records.json", br#"{"Records":[]}"#);
    let output = run_in(dir.root.path(), &["summary", "."], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        before_elapsed(&stdout(&output)),
        concat!(
            "files read        2\n",
            "files skipped     6 (digest 2, insight 1, not CloudTrail 1, empty 1, not a log file name 1)\n",
            "files failed      0\n",
            "records scanned   1\n",
            "role assumptions  1 (0 duplicate copies dropped)\n",
            "  AssumeRole                  success 1      failure 0\n",
            "cross-account     1\n",
            "accounts          2: 111111111111, 222222222222\n",
            "time range        2021-03-05T10:00:00Z .. 2021-03-05T10:00:00Z\n",
        )
    );
    assert_eq!(
        stderr(&output),
        "trailmask: 2 files read, 6 skipped, 0 failed; 1 role assumption\n"
    );
}

/// A review's (session 37): the word `insightDetails` in a caller's record (its user agent, a
/// session name it chose) made the file an Insights file, skipped whole; through a partial,
/// whose kept records are the role assumptions, a session so named did it too.
#[test]
fn a_caller_cannot_make_its_file_an_insights_file() {
    let dir = Dir::new();
    let call = noise("call").replace(
        r#""eventID":"call""#,
        r#""eventID":"call","userAgent":"insightDetails""#,
    );
    let named = assume("named").replace(r#""snamed""#, r#""insightDetails""#);
    dir.write(
        "caller.json",
        format!(r#"{{"Records":[{call},{named},{}]}}"#, assume("other")).as_bytes(),
    );
    let direct = run_in(dir.root.path(), &["events", "caller.json"], None);
    assert_eq!(
        (event_ids(&stdout(&direct)), stderr(&direct)),
        (
            vec!["named".to_owned(), "other".to_owned()],
            "trailmask: 1 file read, 0 skipped, 0 failed; 2 role assumptions\n".to_owned()
        )
    );
    let partial = run_in(
        dir.root.path(),
        &[
            "partial",
            "events",
            "-q",
            "caller.json",
            "-o",
            "caller.part",
        ],
        None,
    );
    assert_eq!(partial.status.code(), Some(0), "{}", stderr(&partial));
    let merged = run_in(dir.root.path(), &["events", "caller.part"], None);
    assert_eq!(
        (stdout(&merged), stderr(&merged)),
        (stdout(&direct), stderr(&direct))
    );
}

/// A review's (session 37): a log named on the command line is read in any folder (one under
/// `CloudTrail-Digest` was passed over as a digest; a digest named is known by what it holds),
/// and a walk reads `.jsonl` and `.JSON` in names that are not UTF-8, as in names that are.
#[test]
fn named_logs_are_read_in_any_folder_and_odd_names_by_their_ending() {
    let dir = Dir::new();
    let log = format!(r#"{{"Records":[{}]}}"#, assume("named"));
    dir.write("CloudTrail-Digest/x.json", log.as_bytes());
    dir.write(
        "CloudTrail-Digest/d.json",
        br#"{"awsAccountId":"1","digestStartTime":"2021","digestEndTime":"2021","logFiles":[]}"#,
    );
    let named = run_in(
        dir.root.path(),
        &[
            "events",
            "CloudTrail-Digest/x.json",
            "CloudTrail-Digest/d.json",
        ],
        None,
    );
    assert_eq!(
        (event_ids(&stdout(&named)), stderr(&named)),
        (
            vec!["named".to_owned()],
            "trailmask: 1 file read, 1 skipped, 0 failed; 1 role assumption\n".to_owned()
        )
    );
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let odd = |ending: &str| {
            let mut name = b"walked/caf\xe9".to_vec();
            name.extend_from_slice(ending.as_bytes());
            dir.root.path().join(std::ffi::OsStr::from_bytes(&name))
        };
        std::fs::create_dir(dir.path("walked")).expect("mkdir");
        std::fs::write(odd(".jsonl"), assume("lines")).expect("write");
        std::fs::write(odd(".JSON"), log.replace("named", "upper")).expect("write");
        let walked = run_in(dir.root.path(), &["events", "walked"], None);
        assert_eq!(
            (event_ids(&stdout(&walked)), stderr(&walked)),
            (
                vec!["lines".to_owned(), "upper".to_owned()],
                "trailmask: 2 files read, 0 skipped, 0 failed; 2 role assumptions\n".to_owned()
            )
        );
    }
}

/// Session 31 (a red-team's): what discovery passes over, and a path it cannot walk, count
/// once however often they are reached: a folder named twice, a path that does not exist
/// named twice, a partial stored inside the folder it was made from and named beside it (read,
/// not also skipped), a partial given with the logs it holds, and two copies of one partial.
#[test]
fn what_is_passed_over_or_cannot_be_walked_counts_once() {
    let dir = Dir::new();
    dir.write_gz(
        "logs/AWSLogs/1/CloudTrail/us-east-1/2021/03/01/good.json.gz",
        &format!(r#"{{"Records":[{}]}}"#, assume("good")),
    );
    dir.write_gz(
        "logs/AWSLogs/1/CloudTrail-Digest/us-east-1/2021/03/01/d.json.gz",
        r#"{"digestStartTime":"x"}"#,
    );
    dir.write("logs/notes.txt", b"not a log");
    let summary = |args: &[&str]| {
        let mut all = vec!["summary"];
        all.extend(args);
        let output = run_in(dir.root.path(), &all, None);
        (
            before_elapsed(&stdout(&output)).to_owned(),
            stderr(&output),
            output.status.code(),
        )
    };
    let direct = summary(&["logs", "missing"]);
    assert_eq!(
        direct.1,
        "trailmask: missing: cannot read: No such file or directory (os error 2)\n\
         trailmask: 1 file read, 2 skipped, 1 failed; 1 role assumption\n"
    );
    assert_eq!(summary(&["logs", "logs/", "missing", "missing"]), direct);

    let made = run_in(
        dir.root.path(),
        &[
            "partial",
            "summary",
            "-q",
            "logs",
            "missing",
            "-o",
            "logs/day.part",
        ],
        None,
    );
    assert_eq!(made.status.code(), Some(1), "{}", stderr(&made));
    std::fs::copy(dir.path("logs/day.part"), dir.path("copy.part")).unwrap();
    for inputs in [
        &["logs", "logs/day.part"][..],
        &["logs/day.part", "copy.part"],
        &["logs/day.part", "copy.part", "logs", "missing"],
    ] {
        assert_eq!(summary(inputs), direct, "{inputs:?}");
    }

    // A review's (session 31): a folder named twice under two spellings is known by the
    // smallest, whatever the order (the first given was walked alone); a link passed over
    // counts as in the walk through a listing too (it took its target's identity there);
    // the partial's closing line says date folders apart; a link loop met by two walks
    // counts once.
    let events = |args: &[&str]| {
        let mut all = vec!["events", "-q"];
        all.extend(args);
        stdout(&run_in(dir.root.path(), &all, None))
    };
    assert_eq!(events(&["./logs", "logs"]), events(&["logs", "./logs"]));
    assert!(events(&["logs", "./logs"]).contains(",./logs/AWSLogs/1/CloudTrail/"));
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("notes.txt", dir.path("logs/notes-link.txt")).unwrap();
        let listed = run_in(dir.root.path(), &["list", "logs", "-o", "logs.list"], None);
        assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
        let walked = summary(&["logs"]);
        assert_eq!(summary(&["logs.list"]), walked);
        assert!(
            walked
                .0
                .contains("files skipped     4 (digest 1, symlink 1, not a log file name 2)"),
            "{}",
            walked.0
        );
        std::os::unix::fs::symlink("..", dir.path("logs/AWSLogs/loop")).unwrap();
        let once = summary(&["-L", "logs"]);
        assert_eq!(summary(&["-L", "logs", "logs/AWSLogs"]), once);
    }
    dir.write_gz(
        "logs/AWSLogs/1/CloudTrail/us-east-1/2021/02/01/old.json.gz",
        &format!(r#"{{"Records":[{}]}}"#, assume("old")),
    );
    let windowed = run_in(
        dir.root.path(),
        &[
            "partial",
            "summary",
            "--since",
            "2021-03-01",
            "logs",
            "-o",
            "w.part",
        ],
        None,
    );
    let said = stderr(&windowed);
    assert!(
        said.contains(
            " skipped, 0 failed, 1 date folder outside the window; partial for summary: "
        ),
        "{said}"
    );
}

/// No log file read and none failed: the empty output is said, even with `-q`, with why
/// (nothing found, or what was skipped), and the status is success.
#[test]
fn an_input_with_no_log_file_says_so() {
    let dir = Dir::new();
    std::fs::create_dir(dir.path("empty")).unwrap();
    dir.write_gz(
        "trail/AWSLogs/1/CloudTrail/us-east-1/2021/03/01/old.json.gz",
        &format!(r#"{{"Records":[{}]}}"#, assume("old")),
    );
    dir.write("trail/README.md", b"# not a log");
    let header = "event_time,event_name,outcome,error_code,source_kind,source,source_subject,\
                  source_account,role_arn,role_account,session_name,session_arn,cross_account,\
                  chain_depth,chain_origin,source_ip,user_agent,aws_region,recipient_account,\
                  caller_access_key,issued_access_key,source_identity,mfa_authenticated,\
                  event_id,shared_event_id,log_file,chain_link,parent_event_id\n";
    for (args, said) in [
        (
            &["events", "-q", "empty"][..],
            "trailmask: no log file found in empty\n",
        ),
        (
            &["events", "empty", "empty/"][..],
            "trailmask: no log file found in empty, empty/\n\
             trailmask: 0 files read, 0 skipped, 0 failed; 0 role assumptions\n",
        ),
        (
            &["events", "-q", "--since", "2021-04-01", "trail"][..],
            "trailmask: no log file read (skipped: 1 not a log file name, \
             1 date folder outside --since/--until)\n",
        ),
    ] {
        let output = run_in(dir.root.path(), args, None);
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert_eq!(stdout(&output), header, "{args:?}");
        assert_eq!(stderr(&output), said, "{args:?}");
    }
    // Something read: nothing to say.
    let output = run_in(dir.root.path(), &["events", "-q", "trail"], None);
    assert_eq!(stderr(&output), "");
}

/// A tree mixing every kind of bad file with good ones gives exactly the good files' events
/// (and the complete records before a cut), plus one line per bad file.
#[test]
fn bad_files_get_one_line_each_and_the_rest_is_read() {
    let dir = Dir::new();
    dir.write_gz(
        "good.json.gz",
        &format!(r#"{{"Records":[{}]}}"#, assume("good")),
    );
    let cut: Vec<String> = (0..50).map(|i| assume(&format!("cut{i:02}"))).collect();
    let body = format!(r#"{{"Records":[{}]}}"#, cut.join(","));
    let whole = gzip(body.as_bytes());
    let truncated = &whole[..whole.len() * 3 / 4];
    dir.write("truncated.json.gz", truncated);
    // What the cut gzip still inflates to, and the records complete within it.
    let inflated = {
        use std::io::Read;
        let mut decoder = flate2::read::GzDecoder::new(truncated);
        let mut inflated = Vec::new();
        let mut buffer = [0u8; 4096];
        while let Ok(n @ 1..) = decoder.read(&mut buffer) {
            inflated.extend_from_slice(&buffer[..n]);
        }
        inflated
    };
    assert!(body.as_bytes().starts_with(&inflated));
    let salvaged = cut
        .iter()
        .scan(r#"{"Records":["#.len(), |end, record| {
            *end += record.len();
            let complete = *end <= inflated.len();
            *end += 1;
            Some(complete)
        })
        .filter(|complete| *complete)
        .count();
    // With flate2's default level the cut falls inside the 34th record.
    assert_eq!(salvaged, 33);
    dir.write("garbage.json", b"this is not json at all");
    let cut_json = format!(r#"{{"Records":[{},{{"eventName":"Ass"#, assume("plaincut"));
    dir.write("cut.json", cut_json.as_bytes());
    dir.write(
        "dupkey.json",
        br#"{"Records":[{"eventName":"AssumeRole","eventID":"a","eventID":"b"}]}"#,
    );
    dir.write_gz("bomb.json.gz", &" ".repeat(200_000));
    // A plain file over the cap is larger as it is, not "once decompressed" (a red-team's,
    // session 40).
    dir.write("big.json", " ".repeat(200_000).as_bytes());
    // Values in the records' array that are not records, and a comma too many: read as
    // files of no records before (the splitter looked only at brackets).
    let strays = format!(r#"{{"Records":[1,{},"x",null]}}"#, assume("stray"));
    dir.write("strays.json", strays.as_bytes());
    let comma = format!(r#"{{"Records":[{},]}}"#, assume("comma"));
    dir.write("comma.json", comma.as_bytes());
    // An accounts file named among the logs (a slip for --accounts) is said to be one.
    dir.write("accounts.csv", b"id,name\n111111111111,prod\n");
    let output = run_in(
        dir.root.path(),
        &[
            "events",
            "--max-file-size",
            "100K",
            ".",
            "missing.json",
            "accounts.csv",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    // The record with `eventID` twice is kept, with its first value (issue 26).
    let mut want: Vec<String> = vec!["a".to_owned(), "comma".to_owned()];
    want.extend((0..salvaged).map(|i| format!("cut{i:02}")));
    want.extend(["good", "plaincut", "stray"].map(str::to_owned));
    assert_eq!(event_ids(&stdout(&output)), want);
    let err = stderr(&output);
    let lines: Vec<&str> = err.lines().collect();
    let expected = [
        "trailmask: ./big.json: larger than the 102400-byte limit (see --max-file-size)".to_owned(),
        "trailmask: ./bomb.json.gz: larger than the 102400-byte limit once decompressed (see --max-file-size)".to_owned(),
        format!(
            "trailmask: ./comma.json: not valid JSON: expected value at line 1 column {}; \
             salvaged 1 complete record before the damage",
            comma.len() - 1
        ),
        format!(
            "trailmask: ./cut.json: not valid JSON: EOF while parsing a string at line 1 column {}; \
             salvaged 1 complete record before the damage",
            cut_json.len()
        ),
        "trailmask: ./dupkey.json: 1 object(s) with a key given twice: the first value read, the later ignored".to_owned(),
        "trailmask: ./garbage.json: not JSON (it begins with `this is not json at all`)".to_owned(),
        "trailmask: ./strays.json: 3 malformed record(s) left out, first: a value that is not a \
         record (an object): 1"
            .to_owned(),
        format!(
            "trailmask: ./truncated.json.gz: truncated gzip: incomplete deflate stream; \
             salvaged {salvaged} complete records before the damage"
        ),
        "trailmask: accounts.csv: not JSON (it begins with `id,name`); an accounts file? give it \
         as --accounts FILE"
            .to_owned(),
        "trailmask: missing.json: cannot read: No such file or directory (os error 2)".to_owned(),
        format!(
            "trailmask: 1 file read, 0 skipped, 10 failed; {} role assumptions",
            salvaged + 5
        ),
    ];
    assert_eq!(lines, expected);
}

/// Bytes after a whole gzip stream that begin no other member (zero padding from an upload
/// tool, a note appended) were said to be a stream "truncated" with "complete records
/// salvaged before the damage" (session 40's input review). They are said as what they are,
/// and every record of the stream counts; damage within a member after whole ones is still
/// damage.
#[test]
fn trailing_data_after_a_whole_gzip_stream_is_said_as_such() {
    let dir = Dir::new();
    let stream = [
        gzip(format!(r#"{{"Records":[{}]}}"#, assume_on("2024-01-01", "a")).as_bytes()),
        gzip(format!(r#"{{"Records":[{}]}}"#, assume_on("2024-01-02", "b")).as_bytes()),
    ]
    .concat();
    dir.write("padded.json.gz", &[&stream[..], &[0u8; 512]].concat());
    dir.write(
        "noted.json.gz",
        &[&stream[..], b"uploaded by hand\n"].concat(),
    );
    let cut = gzip(format!(r#"{{"Records":[{}]}}"#, assume_on("2024-01-03", "c")).as_bytes());
    dir.write(
        "cut.json.gz",
        &[&stream[..], &cut[..cut.len() / 2]].concat(),
    );
    let output = run_in(dir.root.path(), &["events", "-j", "1", "."], None);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(event_ids(&stdout(&output)), ["a", "b"]);
    assert_eq!(
        stderr(&output),
        "trailmask: ./cut.json.gz: truncated gzip: incomplete deflate stream; salvaged 2 \
         complete records before the damage\n\
         trailmask: ./noted.json.gz: 17 bytes after the end of the gzip stream are not gzip; the \
         2 records before them were read\n\
         trailmask: ./padded.json.gz: 512 bytes after the end of the gzip stream are not gzip; \
         the 2 records before them were read\n\
         trailmask: 0 files read, 0 skipped, 3 failed; 2 role assumptions\n"
    );
}

/// JSON Lines: each line is a record of its own, so a bad line costs only itself. The file is
/// reported once (its first bad line named, how many there were, what was kept) and every
/// good line after it is read (a new user's report, session 30: one bad line lost the rest).
#[test]
fn a_bad_line_of_json_lines_costs_only_itself() {
    let dir = Dir::new();
    let lines = [
        assume("l1"),
        "{bad line".to_owned(),
        assume("l3"),
        r#"{"eventName":"AssumeRole","eventID":"cut""#.to_owned(),
        assume("l5"),
        String::new(),
        assume("l7"),
    ];
    dir.write("calls.jsonl", lines.join("\n").as_bytes());
    let output = run_in(dir.root.path(), &["events", "calls.jsonl"], None);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(event_ids(&stdout(&output)), ["l1", "l3", "l5", "l7"]);
    assert_eq!(
        stderr(&output),
        "trailmask: calls.jsonl: not valid JSON: key must be a string at line 2 column 2; \
         2 bad lines left out (the first named), 4 complete records kept\n\
         trailmask: 0 files read, 0 skipped, 1 failed; 4 role assumptions\n"
    );
}

/// Values nest as deep as an attacker likes; what trailmask does not read is skipped without
/// recursion, so the record is still read and nothing overflows the stack.
#[test]
fn very_deep_nesting_and_very_long_strings_are_read() {
    let dir = Dir::new();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let record = assume("deep").replace(
        r#""eventVersion":"1.08""#,
        &format!(r#""eventVersion":"1.08","extra":{deep}"#),
    );
    let long = assume("long").replace("slong", &"s".repeat(1 << 20));
    dir.write(
        "deep.json",
        format!(r#"{{"Records":[{record},{long}]}}"#).as_bytes(),
    );
    dir.write("deep-top.json", deep.as_bytes());
    let output = run_in(dir.root.path(), &["events", "."], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(event_ids(&stdout(&output)), ["deep", "long"]);
    let rows = csv_rows(&stdout(&output));
    let col = rows[0].iter().position(|h| h == "session_name").unwrap();
    let sessions: Vec<&str> = rows[1..].iter().map(|r| r[col].as_str()).collect();
    assert_eq!(sessions, ["sdeep", &"s".repeat(1 << 20)]);
    assert_eq!(
        stderr(&output),
        "trailmask: 1 file read, 1 skipped, 0 failed; 2 role assumptions\n"
    );
}

#[test]
fn strict_stops_at_the_first_failure_without_output() {
    let dir = Dir::new();
    dir.write_gz(
        "good.json.gz",
        &format!(r#"{{"Records":[{}]}}"#, assume("good")),
    );
    dir.write("garbage.json", b"nope");
    let output = run_in(dir.root.path(), &["events", "--strict", "."], None);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output),
        "trailmask: ./garbage.json: not JSON (it begins with `nope`)\n\
         trailmask: stopped at the first failure (--strict); no output written\n"
    );
}

/// With several bad files, `--strict` names the first by path, whatever the order the workers
/// meet them in: the largest file (read first) is bad too, and so is one in the middle.
#[test]
fn strict_names_the_first_bad_file_by_path_for_any_thread_count() {
    let dir = Dir::new();
    dir.write("a-bad.json", b"nope");
    for n in 0..6 {
        dir.write_gz(
            &format!("b{n}.json.gz"),
            &format!(r#"{{"Records":[{}]}}"#, assume(&format!("good{n}"))),
        );
    }
    dir.write("m-bad.json", b"{\"Records\":[{}");
    // The largest file on disk: read first.
    let mut big = vec![b' '; 200_000];
    big[0] = b'[';
    dir.write("z-bad.json", &big);
    for threads in ["1", "2", "4"] {
        let output = run_in(
            dir.root.path(),
            &["events", "--strict", "-j", threads, "."],
            None,
        );
        assert_eq!(output.status.code(), Some(1), "-j {threads}");
        assert_eq!(stdout(&output), "", "-j {threads}");
        assert_eq!(
            stderr(&output),
            "trailmask: ./a-bad.json: not JSON (it begins with `nope`)\n\
             trailmask: stopped at the first failure (--strict); no output written\n",
            "-j {threads}"
        );
    }
}

#[test]
fn a_record_read_twice_counts_once() {
    let dir = Dir::new();
    let body = format!(r#"{{"Records":[{},{}]}}"#, assume("twice"), assume("other"));
    dir.write_gz("a/x.json.gz", &body);
    dir.write_gz("b/x.json.gz", &body);
    let output = run_in(dir.root.path(), &["events", "-q", "."], None);
    assert_eq!(event_ids(&stdout(&output)), ["other", "twice"]);
    let rows = csv_rows(&stdout(&output));
    let col = rows[0].iter().position(|h| h == "log_file").unwrap();
    let kept: Vec<&str> = rows[1..].iter().map(|r| r[col].as_str()).collect();
    assert_eq!(
        kept,
        ["./a/x.json.gz", "./a/x.json.gz"],
        "the copy kept is the first by path"
    );
}

#[test]
fn records_without_ids_count_once_by_content() {
    // Neither eventID nor sharedEventID: a record is its content, so the same record read
    // from two files counts once, and two records differing in one field count twice.
    let without_id = |id: &str| assume(id).replace(&format!(r#","eventID":"{id}""#), "");
    let body = format!(
        r#"{{"Records":[{},{}]}}"#,
        without_id("aa"),
        without_id("bb")
    );
    let dir = Dir::new();
    dir.write_gz("a/x.json.gz", &body);
    dir.write_gz("b/x.json.gz", &body);
    let output = run_in(dir.root.path(), &["events", "-q", "."], None);
    let rows = csv_rows(&stdout(&output));
    let session = rows[0].iter().position(|h| h == "session_name").unwrap();
    let log_file = rows[0].iter().position(|h| h == "log_file").unwrap();
    let kept: Vec<(&str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[session].as_str(), r[log_file].as_str()))
        .collect();
    assert_eq!(kept, [("saa", "./a/x.json.gz"), ("sbb", "./a/x.json.gz")]);
    assert_eq!(event_ids(&stdout(&output)), ["", ""]);
}

#[test]
fn stdin_gzip_or_plain() {
    let record = format!(r#"{{"Records":[{}]}}"#, assume("stdin"));
    for bytes in [gzip(record.as_bytes()), record.clone().into_bytes()] {
        let output = run_in(&repo(), &["events", "-q", "-"], Some(&bytes));
        assert_eq!(output.status.code(), Some(0));
        let rows = csv_rows(&stdout(&output));
        let col = rows[0].iter().position(|h| h == "log_file").unwrap();
        assert_eq!(rows[1][col], "<stdin>");
    }
}

#[cfg(unix)]
#[test]
fn odd_file_names_and_symlinks() {
    use std::os::unix::ffi::OsStrExt;
    let dir = Dir::new();
    let name = std::ffi::OsStr::from_bytes(b"bad\xffname.json");
    std::fs::write(dir.root.path().join(name), assume("oddname")).unwrap();
    std::fs::create_dir(dir.path("sub")).unwrap();
    std::os::unix::fs::symlink(dir.root.path(), dir.path("sub/loop")).unwrap();
    std::os::unix::fs::symlink(dir.root.path().join(name), dir.path("link.json")).unwrap();
    let plain = run_in(dir.root.path(), &["events", "."], None);
    assert_eq!(plain.status.code(), Some(0));
    assert_eq!(event_ids(&stdout(&plain)), ["oddname"]);
    let rows = csv_rows(&stdout(&plain));
    let col = rows[0].iter().position(|h| h == "log_file").unwrap();
    assert_eq!(rows[1][col], "./bad\u{fffd}name.json");
    assert_eq!(
        stderr(&plain),
        "trailmask: 1 file read, 2 skipped, 0 failed; 1 role assumption\n"
    );
    let follow = run_in(dir.root.path(), &["events", "--follow", "."], None);
    assert_eq!(follow.status.code(), Some(0), "{}", stderr(&follow));
    assert_eq!(
        event_ids(&stdout(&follow)),
        ["oddname"],
        "the link and the file are one file"
    );
}

#[test]
fn csv_cells_are_neutralized_unless_raw() {
    let dir = Dir::new();
    let record = assume("inject")
        .replace(
            r#""roleSessionName":"sinject""#,
            r#""roleSessionName":"=HYPERLINK(\"http://x\")""#,
        )
        .replace(
            r#""eventVersion""#,
            r#""userAgent":"@SUM(1)","eventVersion""#,
        );
    dir.write("i.json", record.as_bytes());
    let safe = stdout(&run_in(dir.root.path(), &["events", "-q", "i.json"], None));
    let rows = csv_rows(&safe);
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    assert_eq!(rows[1][col("session_name")], "'=HYPERLINK(\"http://x\")");
    assert_eq!(rows[1][col("user_agent")], "'@SUM(1)");
    let raw = csv_rows(&stdout(&run_in(
        dir.root.path(),
        &["events", "-q", "--raw", "i.json"],
        None,
    )));
    assert_eq!(raw[1][col("session_name")], "=HYPERLINK(\"http://x\")");
}

#[test]
fn exit_statuses_match_the_readme_table() {
    // 0: everything read.
    assert_eq!(run(&["events", "-q", "sample-logs"]).status.code(), Some(0));
    // 1: some inputs failed.
    assert_eq!(
        run(&["events", "-q", "sample-logs", "no-such-dir"])
            .status
            .code(),
        Some(1)
    );
    // 2: bad usage.
    assert_eq!(
        run(&["events", "--no-such-flag", "sample-logs"])
            .status
            .code(),
        Some(2)
    );
    let bad_time = run(&["events", "--since", "yesterday", "sample-logs"]);
    assert_eq!(bad_time.status.code(), Some(2));
    assert_eq!(
        stderr(&bad_time),
        "trailmask: error: invalid --since 'yesterday': expected RFC 3339 (a time without a zone is UTC), YYYY-MM-DD, YYYY-MM-DDTHH:MM, or an age like 7d, 12h, 30m\n"
    );
    assert_eq!(run(&["events"]).status.code(), Some(2));
    // 3: output error, and no half-written file.
    let dir = Dir::new();
    let target = dir.path("missing-dir/out.csv");
    let output = run(&[
        "events",
        "-q",
        "-o",
        target.to_str().unwrap(),
        "sample-logs",
    ]);
    assert_eq!(output.status.code(), Some(3));
    // The temporary file beside the target could not be made: the message names the target,
    // not the temporary file's random name.
    assert_eq!(
        stderr(&output),
        format!(
            "trailmask: error: {}: cannot write output: No such file or directory (os error 2)\n",
            target.display()
        )
    );
    assert!(!target.exists());
}

#[test]
fn output_file_is_complete_and_alone() {
    let dir = Dir::new();
    let target = dir.path("chains.dot");
    let output = run(&["graph", "-q", "-o", target.to_str().unwrap(), "sample-logs"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        stdout(&run(&["graph", "-q", "sample-logs"]))
    );
    let names: Vec<_> = std::fs::read_dir(dir.root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        [std::ffi::OsString::from("chains.dot")],
        "no temporary file left behind"
    );
}

/// Regression: `-o /dev/null` renamed the finished temporary file over the device, so
/// `/dev/null` became a regular file holding the output, and `-o` at a symbolic link replaced
/// the link with a file. `-o` at something that is not a regular file (a named pipe here,
/// `/dev/null` in practice) writes into it and leaves it what it was; through a symbolic link,
/// the file it points at is replaced and the link stays.
#[test]
fn output_to_a_pipe_or_through_a_link_keeps_what_is_there() {
    use std::os::unix::fs::FileTypeExt;
    let dir = Dir::new();
    let expected = stdout(&run(&["graph", "-q", "sample-logs"]));

    let fifo = dir.path("pipe");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let output = run(&["graph", "-q", "-o", fifo.to_str().unwrap(), "sample-logs"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // Checked before waiting for the reader, which would wait forever on a replaced pipe.
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert_eq!(reader.join().unwrap(), expected);

    let real = dir.path("real.dot");
    std::fs::write(&real, "old").unwrap();
    let link = dir.path("link.dot");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let output = run(&["graph", "-q", "-o", link.to_str().unwrap(), "sample-logs"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap(), expected);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let dir = Dir::new();
    let lines: Vec<String> = (0..30_000).map(|i| assume(&format!("p{i}"))).collect();
    dir.write("many.jsonl", lines.join("\n").as_bytes());
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("trailmask"))
        .args(["events", "-q", "many.jsonl"])
        .current_dir(dir.root.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let golden = std::fs::read_to_string(repo().join("tests/golden/sample-events.csv")).unwrap();
    let header = golden.split_inclusive('\n').next().unwrap();
    assert_eq!(first, header);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

/// Paths that cannot be read: one line each, with the path; the rest is read.
#[cfg(unix)]
#[test]
fn unreadable_files_and_directories() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new();
    dir.write("good.json", assume("fine").as_bytes());
    let locked = dir.write("locked/x.json", assume("locked").as_bytes());
    let locked_dir = dir.path("locked");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(&locked_dir, std::fs::Permissions::from_mode(0o000)).unwrap();
    let root_reads_anything = std::fs::read_dir(&locked_dir).is_ok();
    let output = run_in(
        dir.root.path(),
        &["events", "good.json", "good.json/child", "locked"],
        None,
    );
    std::fs::set_permissions(&locked_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(output.status.code(), Some(1));
    let not_a_directory =
        "trailmask: good.json/child: cannot read: Not a directory (os error 20)\n";
    if root_reads_anything {
        // Root reads the locked folder and file all the same.
        assert_eq!(event_ids(&stdout(&output)), ["fine", "locked"]);
        assert_eq!(
            stderr(&output),
            format!(
                "{not_a_directory}trailmask: 2 files read, 0 skipped, 1 failed; 2 role assumptions\n"
            )
        );
    } else {
        assert_eq!(event_ids(&stdout(&output)), ["fine"]);
        assert_eq!(
            stderr(&output),
            format!(
                "{not_a_directory}trailmask: locked: cannot read: Permission denied (os error 13)\n\
                 trailmask: 1 file read, 0 skipped, 2 failed; 1 role assumption\n"
            )
        );
    }
}

/// Red team (session 25): `AssumeRoot` named the target root in the `aws` partition whatever
/// the caller's, and a refusal with `requestParameters: null` named no root (its message
/// does); a federated user of `GetFederationToken` in aws-cn was given an `aws` ARN.
#[test]
fn assume_root_and_federation_tokens_keep_their_partition_and_a_refusal_its_root() {
    let identity = |partition: &str| {
        format!(
            r#"{{"type":"IAMUser","arn":"arn:{partition}:iam::111111111111:user/sec","accountId":"111111111111","accessKeyId":"AKIA1"}}"#
        )
    };
    let record = |id: &str, name: &str, partition: &str, rest: &str| {
        format!(
            r#"{{"eventVersion":"1.08","eventTime":"2022-07-01T10:00:00Z","eventSource":"sts.amazonaws.com","eventName":"{name}","eventID":"{id}","userIdentity":{},{rest}}}"#,
            identity(partition)
        )
    };
    let records = [
        record(
            "r1",
            "AssumeRoot",
            "aws-cn",
            r#""requestParameters":{"targetPrincipal":"333333333333"}"#,
        ),
        record(
            "r2",
            "AssumeRoot",
            "aws-us-gov",
            r#""requestParameters":{"targetPrincipal":"444444444444"}"#,
        ),
        record(
            "r3",
            "AssumeRoot",
            "aws",
            r#""errorCode":"AccessDenied","errorMessage":"User: arn:aws:iam::111111111111:user/sec is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::777777777777:root","requestParameters":null"#,
        ),
        record(
            "r4",
            "GetFederationToken",
            "aws-cn",
            r#""requestParameters":{"name":"contractor"}"#,
        ),
        // A caller named by its account alone: the Region's partition.
        r#"{"eventVersion":"1.08","eventTime":"2022-07-01T10:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRoot","awsRegion":"cn-north-1","eventID":"r5","userIdentity":{"type":"AWSAccount","accountId":"111111111111","principalId":"AIDAX"},"requestParameters":{"targetPrincipal":"333333333333"}}"#.to_owned(),
    ];
    let dir = Dir::new();
    let trail = dir.write_trail(&records);
    let trail = trail.to_str().unwrap();
    let out = run(&["events", "-q", "--format", "jsonl", trail]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let masks: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|row| {
            (
                row["event_id"].as_str().unwrap(),
                row["role_arn"].as_str().unwrap(),
                row["session_arn"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        masks,
        [
            ("r1", "arn:aws-cn:iam::333333333333:root", ""),
            ("r2", "arn:aws-us-gov:iam::444444444444:root", ""),
            ("r3", "arn:aws:iam::777777777777:root", ""),
            (
                "r4",
                "",
                "arn:aws-cn:sts::111111111111:federated-user/contractor"
            ),
            ("r5", "arn:aws-cn:iam::333333333333:root", ""),
        ]
    );
}

/// A file named to be read that holds no CloudTrail records (an IAM policy) or nothing at all
/// is said by its path (a new user's first hour, session 42: only "1 not CloudTrail"); found
/// in a walked folder, it is only counted.
#[test]
fn a_named_file_that_is_no_log_is_said_by_its_path() {
    let dir = Dir::new();
    dir.write(
        "logs/a.json",
        format!(r#"{{"Records":[{}]}}"#, assume("a")).as_bytes(),
    );
    dir.write("policy.json", br#"{"Version":"2012-10-17","Statement":[]}"#);
    dir.write("empty.json", b"");
    let named = run_in(
        dir.root.path(),
        &["events", "-q", "policy.json", "empty.json", "logs"],
        None,
    );
    assert_eq!(named.status.code(), Some(0));
    assert_eq!(
        stderr(&named),
        "trailmask: empty.json: skipped: empty\n\
         trailmask: policy.json: skipped: not CloudTrail\n"
    );
    dir.write(
        "logs/policy.json",
        br#"{"Version":"2012-10-17","Statement":[]}"#,
    );
    let walked = run_in(dir.root.path(), &["events", "logs"], None);
    assert_eq!(
        stderr(&walked),
        "trailmask: 1 file read, 1 skipped, 0 failed; 1 role assumption\n"
    );
}
