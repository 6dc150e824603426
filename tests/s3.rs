//! Reading from S3 (`s3://bucket/prefix`) against a real S3 emulator: moto's server
//! (`pip install 'moto[server]'`), started once for the test binary on a free port by
//! `tests/s3/moto_server.py`, which ends when the binary does. Objects are uploaded with plain
//! HTTP PUTs (moto takes them unsigned); trailmask reads them through the AWS SDK with test
//! credentials, `AWS_ENDPOINT_URL` and `AWS_ALLOW_HTTP=true`, and no profile files or instance
//! metadata. Skipped with a note where moto is not installed; under `CI=true` a missing moto
//! fails the tests (`.ci/run` installs it).

use crate::harness::*;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A running moto server; dropping it closes the server's standard input, which ends it.
pub(crate) struct Moto {
    port: u16,
    /// What the server logged: one line per request.
    log: PathBuf,
    _logs: tempfile::TempDir,
    _server: Child,
}

/// The server shared by the tests (tests/spark.rs's too), `None` (skipped) where moto is not
/// installed.
pub(crate) fn moto() -> Option<&'static Moto> {
    static MOTO: OnceLock<Option<Moto>> = OnceLock::new();
    MOTO.get_or_init(|| Moto::start(&[])).as_ref()
}

/// moto is missing: a failure under CI, a note and a skip elsewhere.
fn missing(why: &str) -> Option<Moto> {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("moto[server] is required under CI=true (.ci/run installs it): {why}");
    }
    eprintln!("moto[server] not available ({why}): S3 tests skipped");
    None
}

impl Moto {
    /// Starts a server on a free port, with `env` added to its environment.
    fn start(env: &[(&str, &str)]) -> Option<Moto> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let logs = tempfile::tempdir().expect("temp dir");
        let log = logs.path().join("moto.log");
        let spawned = Command::new("python3")
            .arg(repo().join("tests/s3/moto_server.py"))
            .arg(port.to_string())
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("moto log"))
            .spawn();
        let mut server = match spawned {
            Ok(server) => server,
            Err(error) => return missing(&format!("python3: {error}")),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = server.try_wait().expect("moto server status") {
                let said = std::fs::read_to_string(&log).unwrap_or_default();
                if status.code() == Some(3) {
                    return missing(said.trim());
                }
                panic!("the moto server exited ({status}): {said}");
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            assert!(Instant::now() < deadline, "the moto server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(Moto {
            port,
            log,
            _logs: logs,
            _server: server,
        })
    }

    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// An unsigned PUT of `body` at `path` (`/bucket` makes a bucket).
    fn put(&self, path: &str, body: &[u8]) {
        self.put_with(path, body, "");
    }

    /// [`Moto::put`] with `headers` (each line ending in `\r\n`) added to the request.
    fn put_with(&self, path: &str, body: &[u8], headers: &str) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to moto");
        write!(
            stream,
            "PUT {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\n{headers}Connection: close\r\n\r\n",
            self.port,
            body.len()
        )
        .and_then(|()| stream.write_all(body))
        .expect("send to moto");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("moto's answer");
        let head = String::from_utf8_lossy(&response[..response.len().min(200)]).to_string();
        assert!(head.starts_with("HTTP/1.1 200"), "PUT {path}: {head}");
    }

    /// Uploads `objects` (key, bytes) into `bucket`, made first, on four connections at once.
    fn upload(&self, bucket: &str, objects: &[(String, Vec<u8>)]) {
        self.put(&format!("/{bucket}"), b"");
        std::thread::scope(|scope| {
            for part in objects.chunks(objects.len().div_ceil(4).max(1)) {
                scope.spawn(move || {
                    for (key, bytes) in part {
                        self.put(&format!("/{bucket}/{key}"), bytes);
                    }
                });
            }
        });
    }

    /// trailmask run from the repository root against this server, with test credentials and
    /// nothing of the machine's own AWS setup.
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, &[("AWS_ALLOW_HTTP", "true")])
    }

    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        run_against(&self.endpoint(), args, env)
    }
}

/// trailmask run from the repository root against the S3 endpoint `endpoint`, with test
/// credentials, `env`, and nothing of the machine's own AWS setup.
fn run_against(endpoint: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_trailmask"));
    cmd.current_dir(repo()).args(args).stdin(Stdio::null());
    with_test_credentials(&mut cmd, endpoint);
    cmd.envs(env.iter().copied());
    cmd.output().expect("run trailmask")
}

/// `cmd` set to reach the S3 endpoint `endpoint` with test credentials and nothing of the
/// machine's own AWS setup (plain http allowed only where the caller adds `AWS_ALLOW_HTTP`).
pub(crate) fn with_test_credentials(cmd: &mut Command, endpoint: &str) {
    for (name, value) in test_credentials(endpoint) {
        match value {
            Some(value) => cmd.env(name, value),
            None => cmd.env_remove(name),
        };
    }
}

/// The environment [`with_test_credentials`] sets (`Some`) and removes (`None`).
pub(crate) fn test_credentials(endpoint: &str) -> Vec<(String, Option<String>)> {
    let removed = [
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL_S3",
        "AWS_ALLOW_HTTP",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ];
    let set = [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", "/nonexistent/trailmask-test/config"),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/trailmask-test/credentials",
        ),
    ];
    removed
        .iter()
        .map(|name| ((*name).to_owned(), None))
        .chain(
            set.iter()
                .map(|(name, value)| ((*name).to_owned(), Some((*value).to_owned()))),
        )
        .collect()
}

/// Every file under `dir`, as (path relative to `base`, bytes), sorted.
fn files_under(dir: &Path, base: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|entry| entry.expect("walk"))
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            let relative = entry.path().strip_prefix(base).expect("under base");
            let key = relative.to_str().expect("UTF-8 name").to_owned();
            (key, std::fs::read(entry.path()).expect("read"))
        })
        .collect();
    files.sort();
    files
}

/// sample-logs uploaded once into bucket `sample`, under `sample-logs/` (the keys are the
/// paths from the repository root, so outputs compare after dropping `s3://sample/`).
pub(crate) fn sample(moto: &Moto) {
    static UPLOADED: OnceLock<()> = OnceLock::new();
    UPLOADED
        .get_or_init(|| moto.upload("sample", &files_under(&repo().join("sample-logs"), &repo())));
}

/// The run's stdout and stderr, with `s3://BUCKET/` dropped from the paths in them.
fn as_on_disk(output: &Output, bucket: &str) -> (String, String) {
    let prefix = format!("s3://{bucket}/");
    (
        stdout(output).replace(&prefix, ""),
        stderr(output).replace(&prefix, ""),
    )
}

/// `objects` uploaded into `bucket` and written into a temporary folder, then `events` run on
/// `s3://BUCKET/logs/`, which must give what it gives on the folder's `logs/` (output, stderr
/// and status), but for the paths.
fn events_as_on_disk(moto: &Moto, bucket: &str, objects: &[(String, Vec<u8>)]) -> Output {
    moto.upload(bucket, objects);
    let dir = Dir::new();
    for (key, bytes) in objects {
        dir.write(key, bytes);
    }
    let from_s3 = moto.run(&["events", &format!("s3://{bucket}/logs/")]);
    let on_disk = run_in(dir.root.path(), &["events", "logs/"], None);
    assert_eq!(from_s3.status.code(), on_disk.status.code());
    assert_eq!(
        as_on_disk(&from_s3, bucket),
        (stdout(&on_disk), stderr(&on_disk))
    );
    from_s3
}

/// A delivery file of one AssumeRole by alice, event `id` at `time`.
fn one_event(id: &str, time: &str) -> Vec<u8> {
    let record = serde_json::json!({
        "eventVersion": "1.08", "eventSource": "sts.amazonaws.com", "eventName": "AssumeRole",
        "eventTime": time, "eventID": id, "awsRegion": "us-east-1",
        "recipientAccountId": "111122223333",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice",
                         "accountId": "111122223333", "accessKeyId": "AKIAALICE"},
        "requestParameters": {"roleArn": "arn:aws:iam::111122223333:role/Reader",
                              "roleSessionName": id},
    });
    gzip(format!(r#"{{"Records":[{record}]}}"#).as_bytes())
}

/// A gzip object of one role assumption (`id` at `time`) padded with `padding` bytes and stored,
/// not compressed: the object is as large as its text.
fn stored_event(id: &str, time: &str, padding: usize) -> Vec<u8> {
    use flate2::{Compression, write::GzEncoder};
    let record = serde_json::json!({
        "eventVersion": "1.08", "eventSource": "sts.amazonaws.com", "eventName": "AssumeRole",
        "eventTime": time, "eventID": id, "awsRegion": "us-east-1",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice",
                         "accountId": "111122223333"},
        "requestParameters": {"roleArn": "arn:aws:iam::111122223333:role/Reader",
                              "roleSessionName": id, "padding": "x".repeat(padding)},
    });
    let mut gz = GzEncoder::new(Vec::new(), Compression::none());
    gz.write_all(format!(r#"{{"Records":[{record}]}}"#).as_bytes())
        .expect("gzip");
    gz.finish().expect("gzip")
}

/// What a fake endpoint answers one request: its status line's end (`200 OK`), headers, body,
/// how much of the body it sends before it closes the connection, and at what pace (pieces of
/// so many bytes, so long apart; at once when `None`).
struct Reply {
    status: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    sent: usize,
    pace: Option<(usize, Duration)>,
}

impl Reply {
    fn new(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        Reply {
            status: status.to_owned(),
            headers: headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            body: body.to_vec(),
            sent: body.len(),
            pace: None,
        }
    }
}

/// An S3 endpoint that misbehaves as moto cannot (cut bodies, errors of our choosing): every
/// request's head (request line and headers) is answered by `answer`, one connection each.
/// Returns its `http://` address.
fn fake_s3(answer: impl Fn(&str) -> Reply + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let endpoint = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            let reply = answer(&String::from_utf8_lossy(&head));
            if reply.status.is_empty() {
                // No answer at all: the connection closed before it.
                continue;
            }
            let headers: String = reply
                .headers
                .iter()
                .map(|(name, value)| format!("{name}: {value}\r\n"))
                .collect();
            let written = write!(
                stream,
                "HTTP/1.1 {}\r\nContent-Length: {}\r\n{headers}Connection: close\r\n\r\n",
                reply.status,
                reply.body.len()
            );
            let body = reply.body[..reply.sent].to_vec();
            match reply.pace {
                None => {
                    let _ = written.and_then(|()| stream.write_all(&body));
                }
                // Paced on a thread of its own, so other requests are answered meanwhile; it
                // ends when the client hangs up.
                Some((piece, apart)) => {
                    std::thread::spawn(move || {
                        for piece in body.chunks(piece.max(1)) {
                            std::thread::sleep(apart);
                            if stream
                                .write_all(piece)
                                .and_then(|()| stream.flush())
                                .is_err()
                            {
                                break;
                            }
                        }
                    });
                }
            }
        }
    });
    endpoint
}

/// A ListObjectsV2 answer: `objects` (key, bytes) of `bucket` under `prefix`, on one page.
fn listing<K: AsRef<str>>(bucket: &str, prefix: &str, objects: &[(K, Vec<u8>)]) -> Vec<u8> {
    listing_with_folders(bucket, prefix, objects, &[])
}

/// [`listing`], with `folders` (common prefixes) too.
fn listing_with_folders<K: AsRef<str>>(
    bucket: &str,
    prefix: &str,
    objects: &[(K, Vec<u8>)],
    folders: &[&str],
) -> Vec<u8> {
    let mut contents: String = objects
        .iter()
        .map(|(key, bytes)| {
            format!(
                "<Contents><Key>{}</Key><Size>{}</Size></Contents>",
                key.as_ref(),
                bytes.len()
            )
        })
        .collect();
    for folder in folders {
        contents.push_str(&format!(
            "<CommonPrefixes><Prefix>{folder}</Prefix></CommonPrefixes>"
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>{bucket}</Name>\
         <Prefix>{prefix}</Prefix><Delimiter>/</Delimiter><KeyCount>{}</KeyCount>\
         <MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>{contents}</ListBucketResult>",
        objects.len()
    )
    .into_bytes()
}

/// `count` delivery files (key, bytes) of one AssumeRole each on `day`, a minute apart: the
/// `n`th at `key(n)`, its event id `id(n)`.
fn numbered_events(
    count: usize,
    day: &str,
    key: impl Fn(usize) -> String,
    id: impl Fn(usize) -> String,
) -> Vec<(String, Vec<u8>)> {
    (0..count)
        .map(|n| {
            let time = format!("{day}T{:02}:{:02}:00Z", n / 60 % 24, n % 60);
            (key(n), one_event(&id(n), &time))
        })
        .collect()
}

/// More than 1,000 objects under one prefix (S3 lists 1,000 a page): every one is read, and
/// the rows are those of the same files on disk.
#[test]
fn s3_every_page_of_a_large_prefix_is_read() {
    let Some(moto) = moto() else { return };
    let folder = "logs/AWSLogs/111122223333/CloudTrail/us-east-1/2021/01/01";
    let objects = numbered_events(
        1050,
        "2021-01-01",
        |i| format!("{folder}/111122223333_CloudTrail_us-east-1_20210101T0000Z_{i:05}.json.gz"),
        |i| format!("e{i:05}"),
    );
    let from_s3 = events_as_on_disk(moto, "pages", &objects);
    assert_eq!(from_s3.status.code(), Some(0), "{}", stderr(&from_s3));
    assert_eq!(
        stderr(&from_s3),
        "trailmask: 1050 files read, 0 skipped, 0 failed; 1050 role assumptions\n"
    );
    let rows = csv_rows(&stdout(&from_s3));
    assert_eq!(rows.len(), 1051);
    assert_eq!(
        rows[1050][rows[0].iter().position(|c| c == "event_id").unwrap()],
        "e01049"
    );
}

/// sample-logs read from S3 give the outputs they give from disk, but for `log_file`, which
/// names the object.
#[test]
fn s3_sample_logs_read_as_on_disk() {
    let Some(moto) = moto() else { return };
    sample(moto);
    for args in [
        &["events"][..],
        &["graph"],
        &["chains"],
        &["summary"],
        &["events", "--format", "jsonl"],
    ] {
        let from_s3 = moto.run(&[args, &["s3://sample/sample-logs/"]].concat());
        let on_disk = run(&[args, &["sample-logs/"]].concat());
        assert_eq!(
            from_s3.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&from_s3)
        );
        let (out, err) = as_on_disk(&from_s3, "sample");
        let (out, disk_out) = if args == ["summary"] {
            (
                before_elapsed(&out).to_owned(),
                before_elapsed(&stdout(&on_disk)).to_owned(),
            )
        } else {
            (out, stdout(&on_disk))
        };
        assert_eq!(out, disk_out, "{args:?}");
        assert_eq!(err, stderr(&on_disk), "{args:?}");
    }
    // The object's address is the log_file column.
    let events = stdout(&moto.run(&["events", "-q", "s3://sample/sample-logs/"]));
    assert!(events.contains(
        ",s3://sample/sample-logs/AWSLogs/o-a1b2c3d4e5/111111111111/CloudTrail/us-east-1/2020/12/20/"
    ));
    // A bare bucket, and a prefix without its slash, are read too.
    for root in ["s3://sample", "s3://sample/sample-logs"] {
        let output = moto.run(&["summary", root]);
        assert_eq!(
            before_elapsed(&stdout(&output)),
            before_elapsed(&stdout(&run(&["summary", "sample-logs"]))),
            "{root}"
        );
    }
}

/// An object cut short is one error line with its address, as the same file on disk; the
/// others are read, and the status is a bad file's.
#[test]
fn s3_object_cut_short_fails_alone() {
    let Some(moto) = moto() else { return };
    let folder = "logs/AWSLogs/111122223333/CloudTrail/us-east-1/2021/02/03";
    let whole = one_event("cut-1", "2021-02-03T10:00:00Z");
    let objects = vec![
        (format!("{folder}/a.json.gz"), whole.clone()),
        (
            format!("{folder}/b.json.gz"),
            whole[..whole.len() / 2].to_vec(),
        ),
        (
            format!("{folder}/c.json.gz"),
            one_event("cut-2", "2021-02-03T11:00:00Z"),
        ),
    ];
    let from_s3 = events_as_on_disk(moto, "cut", &objects);
    assert_eq!(from_s3.status.code(), Some(1));
    assert_eq!(
        stderr(&from_s3),
        format!(
            "trailmask: s3://cut/{folder}/b.json.gz: truncated gzip: incomplete deflate stream\n\
             trailmask: 2 files read, 0 skipped, 1 failed; 2 role assumptions\n"
        )
    );
}

/// Credentials S3 refuses, a bucket that does not exist, and plain http without
/// `AWS_ALLOW_HTTP`: one error line for the location, and status 4.
#[test]
fn s3_refusals_are_one_error_and_status_4() {
    let Some(moto) = moto() else { return };
    let events = stdout(&run(&["events", "-q", "sample-logs"]));
    let header = format!("{}\n", events.lines().next().unwrap_or_default());

    let output = moto.run(&["events", "s3://no-such-bucket/AWSLogs/"]);
    assert_eq!(output.status.code(), Some(4));
    assert_eq!(
        stderr(&output),
        "trailmask: s3://no-such-bucket/AWSLogs/: no such bucket (NoSuchBucket)\n\
         trailmask: 0 files read, 0 skipped, 1 failed; 0 role assumptions\n"
    );
    assert_eq!(stdout(&output), header);

    let output = moto.run_with(&["events", "s3://sample/AWSLogs/"], &[]);
    assert_eq!(output.status.code(), Some(4));
    assert_eq!(
        stderr(&output),
        format!(
            "trailmask: s3://sample/AWSLogs/: the S3 endpoint {} (AWS_ENDPOINT_URL, or \
             endpoint_url in the AWS config) is plain http: set AWS_ALLOW_HTTP=true to allow it \
             (for a local emulator)\n\
             trailmask: 0 files read, 0 skipped, 1 failed; 0 role assumptions\n",
            moto.endpoint()
        )
    );
    // Nor when the endpoint is set for s3 alone in the AWS config's `[services]` section (a
    // red-team's, session 33: read over plain http, unrefused).
    let dir = Dir::new();
    dir.write(
        "config",
        format!(
            "[default]\nservices = local\n[services local]\ns3 =\n  endpoint_url = {}\n",
            moto.endpoint()
        )
        .as_bytes(),
    );
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trailmask"));
    cmd.current_dir(repo())
        .args(["events", "-q", "s3://sample/AWSLogs/"])
        .stdin(Stdio::null());
    with_test_credentials(&mut cmd, &moto.endpoint());
    cmd.env_remove("AWS_ENDPOINT_URL")
        .env("AWS_CONFIG_FILE", dir.path("config"));
    let output = cmd.output().expect("run trailmask");
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!("the S3 endpoint {} (", moto.endpoint())),
        "{}",
        stderr(&output)
    );

    // A server that checks credentials (moto's IAM authentication from the first request):
    // the test keys are unknown to it.
    let Some(checking) = Moto::start(&[("INITIAL_NO_AUTH_ACTION_COUNT", "0")]) else {
        return;
    };
    let output = checking.run(&["events", "s3://locked/AWSLogs/"]);
    assert_eq!(output.status.code(), Some(4));
    assert_eq!(
        stderr(&output),
        "trailmask: s3://locked/AWSLogs/: access denied (InvalidAccessKeyId): check the AWS \
         credentials\n\
         trailmask: 0 files read, 0 skipped, 1 failed; 0 role assumptions\n"
    );
    // With a readable disk input beside it, the rest is still read, and the status stays 4.
    let output = checking.run(&["summary", "-q", "s3://locked/", "sample-logs"]);
    assert_eq!(output.status.code(), Some(4));
    assert_eq!(
        before_elapsed(&stdout(&output)).replace("files failed      1", "files failed      0"),
        before_elapsed(&stdout(&run(&["summary", "sample-logs"])))
    );
}

/// `--since`/`--until` prune the date folders outside the window without listing them, and
/// count them as on disk.
#[test]
fn s3_date_folders_outside_the_window_are_never_listed() {
    let Some(moto) = moto() else { return };
    // A bucket of its own: the request log below must be this test's alone.
    moto.upload("window", &files_under(&repo().join("sample-logs"), &repo()));
    let window = ["--since", "2020-12-22T12:00:00Z"];
    let from_s3 = moto.run(&[&["summary"][..], &window, &["s3://window/sample-logs/"]].concat());
    let on_disk = run(&[&["summary"][..], &window, &["sample-logs/"]].concat());
    assert_eq!(
        before_elapsed(&stdout(&from_s3)),
        before_elapsed(&stdout(&on_disk))
    );
    assert!(stdout(&from_s3).contains("date folders      7 not read (outside --since/--until)\n"));
    assert_eq!(stderr(&from_s3), stderr(&on_disk));
    // A partial read so merges, without S3, into the direct run's bytes (an S3 subagent's,
    // session 37: its pruned folders were "not an S3 object", the partial refused whole).
    let dir = Dir::new();
    let part = dir.path("window.part");
    let part = part.to_str().expect("UTF-8 path");
    let made = moto.run(
        &[
            &["partial", "summary"][..],
            &window,
            &["s3://window/sample-logs/", "-o", part],
        ]
        .concat(),
    );
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    let merged = run(&[&["summary"][..], &window, &[part]].concat());
    assert_eq!(
        (before_elapsed(&stdout(&merged)), stderr(&merged)),
        (before_elapsed(&stdout(&from_s3)), stderr(&from_s3))
    );
    let log = std::fs::read_to_string(&moto.log).expect("moto log");
    let listings: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("GET /window") && line.contains("list-type=2"))
        .collect();
    assert!(
        listings.iter().any(|l| l.contains("/2020/12/21/ ")),
        "{listings:#?}"
    );
    assert!(
        !listings
            .iter()
            .any(|l| l.contains("/CloudTrail/") && l.contains("/2020/12/20/")),
        "a pruned folder was listed: {listings:#?}"
    );
    // Nor the digests' day folders (a red-team's, session 33: 419 of 444 listings of a week of
    // a year-old trail were of digests, which are never read).
    assert!(
        !listings
            .iter()
            .any(|l| l.contains("/CloudTrail-Digest/") && l.contains("/2020/12/20/")),
        "a digest folder outside the window was listed: {listings:#?}"
    );
    // A pruned day named as well is read from there, and not also counted unread (as on disk).
    let day = "sample-logs/AWSLogs/o-a1b2c3d4e5/333333333333/CloudTrail/us-east-1/2020/12/20";
    for day_root in [format!("s3://window/{day}/"), format!("s3://window/{day}")] {
        let roots = ["s3://window/sample-logs/", day_root.as_str()];
        let from_s3 = moto.run(&[&["summary"][..], &window, &roots].concat());
        let on_disk = run(&[&["summary"][..], &window, &["sample-logs/", day]].concat());
        assert!(
            stdout(&from_s3).contains("date folders      6 not read (outside --since/--until)\n"),
            "{}",
            stdout(&from_s3)
        );
        assert_eq!(
            before_elapsed(&stdout(&from_s3)),
            before_elapsed(&stdout(&on_disk))
        );
        assert_eq!(stderr(&from_s3), stderr(&on_disk));
    }
}

/// An S3 endpoint that misbehaves as S3 does under load: the first listing is a 500, the first
/// GET of `a.json.gz` a 503 SlowDown, and the first GET of `b.json.gz` is cut off after half
/// its body. Everything is read all the same, with no error.
#[test]
fn s3_throttling_and_cut_connections_are_retried() {
    let objects = [
        (
            "logs/a.json.gz",
            one_event("flaky-a", "2021-04-01T10:00:00Z"),
        ),
        (
            "logs/b.json.gz",
            one_event("flaky-b", "2021-04-01T11:00:00Z"),
        ),
    ];
    let served = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = served.clone();
    let answer = move |target: &str, seen: usize| -> (String, Vec<u8>) {
        let slow_down = b"<Error><Code>SlowDown</Code><Message>Reduce your rate</Message></Error>";
        let error = |status: &str, body: &[u8]| (status.to_owned(), body.to_vec());
        if target.contains("list-type=2") {
            if seen == 0 {
                return error(
                    "500 Internal Server Error",
                    b"<Error><Code>InternalError</Code></Error>",
                );
            }
            return ("200 OK".to_owned(), listing("flaky", "logs/", &objects));
        }
        match objects
            .iter()
            .find(|(key, _)| target.starts_with(&format!("/flaky/{key}")))
        {
            Some((key, _)) if key.starts_with("logs/a") && seen == 0 => {
                error("503 Slow Down", slow_down)
            }
            Some((_, bytes)) => ("200 OK".to_owned(), bytes.clone()),
            None => error("404 Not Found", b"<Error><Code>NoSuchKey</Code></Error>"),
        }
    };
    let endpoint = fake_s3(move |head| {
        let target = head.split(' ').nth(1).unwrap_or_default().to_owned();
        let route = target.split('?').next().unwrap_or_default().to_owned();
        let seen = {
            let mut log = log.lock().expect("log");
            let route = if target.contains("list-type=2") {
                "list".to_owned()
            } else {
                route
            };
            let seen = log.iter().filter(|r| **r == route).count();
            log.push(route);
            seen
        };
        let (status, body) = answer(&target, seen);
        let cut = target.starts_with("/flaky/logs/b") && seen == 0;
        Reply {
            status,
            headers: Vec::new(),
            sent: if cut { body.len() / 2 } else { body.len() },
            body,
            pace: None,
        }
    });
    let output = run_against(
        &endpoint,
        &["events", "-q", "s3://flaky/logs/"],
        &[("AWS_ALLOW_HTTP", "true")],
    );
    assert_eq!(stderr(&output), "");
    assert_eq!(output.status.code(), Some(0));
    let rows = csv_rows(&stdout(&output));
    let ids: Vec<&str> = rows[1..]
        .iter()
        .map(|r| r[rows[0].iter().position(|c| c == "event_id").unwrap()].as_str())
        .collect();
    assert_eq!(ids, ["flaky-a", "flaky-b"]);
    let mut served = served.lock().expect("log").clone();
    served.sort();
    assert_eq!(
        served,
        [
            "/flaky/logs/a.json.gz",
            "/flaky/logs/a.json.gz",
            "/flaky/logs/b.json.gz",
            "/flaky/logs/b.json.gz",
            "list",
            "list"
        ]
    );
}

/// Objects in listings and partial results: a listing of a bucket's prefix is read as the
/// prefix, and partials of two halves of it merge, without S3, into the bytes of one run over
/// it; a location S3 refused keeps its error line and status 4 through the partial.
#[test]
fn s3_objects_in_listings_and_partials_merge_as_one_run() {
    let Some(moto) = moto() else { return };
    sample(moto);
    let dir = Dir::new();
    let at = |name: &str| dir.path(name).to_str().expect("UTF-8 path").to_owned();
    let org = "s3://sample/sample-logs/AWSLogs/o-a1b2c3d4e5";

    let listed = moto.run(&["list", "s3://sample/sample-logs/", "-o", &at("listing")]);
    assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
    let listing = std::fs::read_to_string(dir.path("listing")).expect("listing");
    assert!(listing.contains(&format!(
        r#"{{"input":{{"path":"{org}/111111111111/CloudTrail-Digest/"#
    )));
    for args in [&["events"][..], &["graph"], &["activity"]] {
        let whole = moto.run(&[args, &["s3://sample/sample-logs/"]].concat());
        let through_listing = moto.run(&[args, &[&at("listing")]].concat());
        assert_eq!(stdout(&through_listing), stdout(&whole), "{args:?}");
        assert_eq!(stderr(&through_listing), stderr(&whole), "{args:?}");

        // The listing's halves (as spark/ shards it), each read into a partial.
        let command = args[0];
        let lines: Vec<&str> = listing.lines().skip(1).collect();
        let (a, b) = lines.split_at(lines.len() / 2);
        for (half, lines) in [("a", a), ("b", b)] {
            let shard = format!("TRAILMASK LISTING 1\n{}\n", lines.join("\n"));
            dir.write(&format!("listing-{half}"), shard.as_bytes());
            let output = moto.run(&[
                "partial",
                command,
                &at(&format!("listing-{half}")),
                "-o",
                &at(half),
            ]);
            assert!(
                output.status.success(),
                "{command} {half}: {}",
                stderr(&output)
            );
        }
        // The merge reads no object: it runs with no S3 endpoint at all.
        let merged = run(&[command, &at("a"), &at("b")]);
        assert_eq!(stdout(&merged), stdout(&whole), "{command}");
        assert_eq!(stderr(&merged), stderr(&whole), "{command}");
        assert_eq!(merged.status.code(), Some(0), "{command}");
    }

    // Every object listed twice, once with a size one byte short (a crafted listing, or a
    // store that repeats a key): each object is read once, as its first entry in order, for
    // any thread count (session 31: the count of files read and failed moved with -j, and
    // an object could be read twice).
    let mut doubled = String::from("TRAILMASK LISTING 1\n");
    for line in listing.lines().skip(1) {
        doubled.push_str(line);
        doubled.push('\n');
        if let Some(at) = line.find(r#","size":"#) {
            let digits: String = line[at + 8..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let size: u64 = digits.parse().expect("size");
            let short = line.replacen(
                &format!(r#","size":{size}"#),
                &format!(r#","size":{}"#, size.saturating_sub(1)),
                1,
            );
            doubled.push_str(&short);
            doubled.push('\n');
        }
    }
    dir.write("doubled", doubled.as_bytes());
    let runs: Vec<Output> = ["1", "2", "4"]
        .iter()
        .map(|threads| moto.run(&["summary", "-q", "-j", threads, &at("doubled")]))
        .collect();
    let head = |output: &Output| {
        stdout(output)
            .lines()
            .take(3)
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        head(&runs[0]),
        "files read        0\nfiles skipped     2 (digest 1, not a log file name 1)\nfiles failed      28"
    );
    for output in &runs[1..] {
        assert_eq!(head(output), head(&runs[0]));
        assert_eq!(stderr(output), stderr(&runs[0]));
    }

    // A bucket that does not exist, listed and read into a partial: the same line, status 4.
    let direct = moto.run(&["events", "s3://no-such-bucket/AWSLogs/"]);
    assert_eq!(direct.status.code(), Some(4));
    let partial = moto.run(&[
        "partial",
        "events",
        "s3://no-such-bucket/AWSLogs/",
        "-o",
        &at("gone"),
    ]);
    assert_eq!(partial.status.code(), Some(4), "{}", stderr(&partial));
    let merged = run(&["events", &at("gone")]);
    assert_eq!(merged.status.code(), Some(4));
    assert_eq!(stderr(&merged), stderr(&direct));
    assert_eq!(stdout(&merged), stdout(&direct));
    let listed = moto.run(&[
        "list",
        "s3://no-such-bucket/AWSLogs/",
        "-o",
        &at("gone-listing"),
    ]);
    assert_eq!(listed.status.code(), Some(4));
    let through_listing = moto.run(&["events", &at("gone-listing")]);
    assert_eq!(through_listing.status.code(), Some(4));
    assert_eq!(stderr(&through_listing), stderr(&direct));
}

/// Objects S3 refuses one by one (listed before the credentials stopped working): one line for
/// their bucket with their count, directly and through a partial.
#[test]
fn s3_objects_refused_one_by_one_are_one_line_through_a_partial() {
    let Some(checking) = Moto::start(&[("INITIAL_NO_AUTH_ACTION_COUNT", "0")]) else {
        return;
    };
    let dir = Dir::new();
    let folder = "s3://locked/AWSLogs/111122223333/CloudTrail/us-east-1/2021/02/03";
    dir.write(
        "listing",
        format!(
            "TRAILMASK LISTING 1\n\
             {{\"input\":{{\"path\":\"{folder}/a.json.gz\",\"size\":300}}}}\n\
             {{\"input\":{{\"path\":\"{folder}/b.json.gz\",\"size\":300}}}}\n"
        )
        .as_bytes(),
    );
    let listing = dir.path("listing");
    let listing = listing.to_str().expect("UTF-8 path");
    let direct = checking.run(&["events", listing]);
    assert_eq!(direct.status.code(), Some(4));
    assert_eq!(
        stderr(&direct),
        "trailmask: s3://locked: access denied (InvalidAccessKeyId): check the AWS credentials \
         (2 objects not read)\n\
         trailmask: 0 files read, 0 skipped, 2 failed; 0 role assumptions\n"
    );
    let partial_path = dir.path("partial");
    let partial_path = partial_path.to_str().expect("UTF-8 path");
    let partial = checking.run(&["partial", "events", listing, "-o", partial_path]);
    assert_eq!(partial.status.code(), Some(4), "{}", stderr(&partial));
    let merged = run(&["events", partial_path]);
    assert_eq!(merged.status.code(), Some(4));
    assert_eq!(stderr(&merged), stderr(&direct));
    assert_eq!(stdout(&merged), stdout(&direct));
}

/// An S3 subagent's (session 37): a listing read while its endpoint takes no connection said
/// `cannot reach S3 for it` once per object, status 1, where the same endpoint down while
/// listing is one line for the location, status 4. It is that one line, with the count, and
/// it names the endpoint that was tried (the S3 user's, session 37).
#[test]
fn a_listing_read_with_the_endpoint_down_is_one_line_for_its_bucket() {
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let dir = Dir::new();
    let folder = "s3://down/AWSLogs/111122223333/CloudTrail/us-east-1/2021/02/03";
    let inputs: String = ["a", "b", "c"]
        .map(|name| {
            format!("{{\"input\":{{\"path\":\"{folder}/{name}.json.gz\",\"size\":300}}}}\n")
        })
        .concat();
    dir.write(
        "listing",
        format!("TRAILMASK LISTING 1\n{inputs}").as_bytes(),
    );
    let listing = dir.path("listing");
    let listing = listing.to_str().expect("UTF-8 path");
    let endpoint = format!("http://127.0.0.1:{port}");
    let output = run_against(
        &endpoint,
        &["events", listing],
        &[("AWS_ALLOW_HTTP", "true"), ("AWS_MAX_ATTEMPTS", "1")],
    );
    let errors = stderr(&output);
    let lines: Vec<&str> = errors.lines().collect();
    assert_eq!(output.status.code(), Some(4), "{errors}");
    assert_eq!(lines.len(), 2, "{errors}");
    assert!(
        lines[0].starts_with(&format!(
            "trailmask: s3://down: cannot reach S3 at {endpoint}: "
        )) && lines[0].ends_with(" (3 objects not read)"),
        "{errors}"
    );
    assert_eq!(
        lines[1],
        "trailmask: 0 files read, 0 skipped, 3 failed; 0 role assumptions"
    );
}

/// The `event_id` column of an `events` CSV.
fn event_ids(csv: &str) -> Vec<String> {
    let rows = csv_rows(csv);
    let column = rows[0].iter().position(|c| c == "event_id").unwrap();
    rows[1..].iter().map(|row| row[column].clone()).collect()
}

/// Review (session 21): S3's refusal of one object (an archived object, a bucket policy or KMS
/// key that covers some prefixes) stopped every later object of its bucket, so readable logs
/// were dropped, a different number each run. Each refused object fails alone, with why;
/// the others are read, the same on every run and thread count.
#[test]
fn s3_an_object_refused_alone_fails_alone() {
    let objects = [
        (
            "logs/a.json.gz",
            one_event("open-a", "2021-05-01T10:00:00Z"),
        ),
        (
            "logs/b.json.gz",
            one_event("denied", "2021-05-01T11:00:00Z"),
        ),
        (
            "logs/c.json.gz",
            one_event("archived", "2021-05-01T12:00:00Z"),
        ),
        (
            "logs/d.json.gz",
            one_event("open-d", "2021-05-01T13:00:00Z"),
        ),
    ];
    let endpoint = fake_s3(move |head| {
        let target = head.split(' ').nth(1).unwrap_or_default();
        let route = target.split('?').next().unwrap_or_default();
        let refusal = |code: &str| {
            let body = format!("<Error><Code>{code}</Code><Message>refused</Message></Error>");
            Reply::new("403 Forbidden", &[], body.as_bytes())
        };
        if target.contains("list-type=2") {
            return Reply::new("200 OK", &[], &listing("mixed", "logs/", &objects));
        }
        match route {
            "/mixed/logs/b.json.gz" => refusal("AccessDenied"),
            "/mixed/logs/c.json.gz" => refusal("InvalidObjectState"),
            _ => match objects
                .iter()
                .find(|(key, _)| route == format!("/mixed/{key}"))
            {
                Some((_, bytes)) => Reply::new("200 OK", &[], bytes),
                None => Reply::new(
                    "404 Not Found",
                    &[],
                    b"<Error><Code>NoSuchKey</Code></Error>",
                ),
            },
        }
    });
    for threads in ["1", "2", "2", "2"] {
        let output = run_against(
            &endpoint,
            &["events", "-j", threads, "s3://mixed/logs/"],
            &[("AWS_ALLOW_HTTP", "true")],
        );
        assert_eq!(
            stderr(&output),
            "trailmask: s3://mixed/logs/b.json.gz: cannot read: access denied (AccessDenied): \
             these credentials may not read it (s3:GetObject, and kms:Decrypt for a trail \
             encrypted with KMS), or a bucket policy refuses it\n\
             trailmask: s3://mixed/logs/c.json.gz: cannot read: archived (InvalidObjectState): \
             restore it from its archive storage class to read it\n\
             trailmask: 2 files read, 0 skipped, 2 failed; 2 role assumptions\n"
        );
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(event_ids(&stdout(&output)), ["open-a", "open-d"]);
    }
}

/// The same with moto: an object a lifecycle rule moved to Glacier is refused as S3 refuses
/// it (403 `InvalidObjectState`), alone.
#[test]
fn s3_an_archived_object_fails_alone() {
    let Some(moto) = moto() else { return };
    let folder = "logs/AWSLogs/111122223333/CloudTrail/us-east-1/2021/06/01";
    moto.upload(
        "lifecycle",
        &[
            (
                format!("{folder}/a.json.gz"),
                one_event("kept-a", "2021-06-01T10:00:00Z"),
            ),
            (
                format!("{folder}/c.json.gz"),
                one_event("kept-c", "2021-06-01T12:00:00Z"),
            ),
        ],
    );
    moto.put_with(
        &format!("/lifecycle/{folder}/b.json.gz"),
        &one_event("frozen", "2021-06-01T11:00:00Z"),
        "x-amz-storage-class: GLACIER\r\n",
    );
    let output = moto.run(&["events", "s3://lifecycle/logs/"]);
    assert_eq!(
        stderr(&output),
        format!(
            "trailmask: s3://lifecycle/{folder}/b.json.gz: cannot read: archived \
             (InvalidObjectState): restore it from its archive storage class to read it\n\
             trailmask: 2 files read, 0 skipped, 1 failed; 2 role assumptions\n"
        )
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(event_ids(&stdout(&output)), ["kept-a", "kept-c"]);
}

/// Review (session 21): a folder named with its `/` whose listing failed (a server error, an
/// endpoint that is not S3) was said to hold nothing ("no object or folder by that name").
/// Its error is said instead.
#[test]
fn s3_a_listing_that_fails_says_why() {
    let endpoint = fake_s3(|_| {
        Reply::new(
            "400 Bad Request",
            &[],
            b"<Error><Code>InvalidRequest</Code><Message>not today</Message></Error>",
        )
    });
    for root in ["s3://down/logs/", "s3://down/logs", "s3://down"] {
        let output = run_against(
            &endpoint,
            &["events", "-q", root],
            &[("AWS_ALLOW_HTTP", "true")],
        );
        assert_eq!(
            stderr(&output),
            format!(
                "trailmask: {root}: S3 error InvalidRequest (HTTP 400) not today\n\
                 trailmask: 0 files read, 0 skipped, 1 failed; 0 role assumptions\n"
            ),
        );
    }
    // An answer that is not S3's says so, not `S3 error  (HTTP 200) `.
    let endpoint = fake_s3(|_| Reply::new("200 OK", &[], b"<html>a login page</html>"));
    let output = run_against(
        &endpoint,
        &["events", "-q", "s3://portal/logs/"],
        &[("AWS_ALLOW_HTTP", "true")],
    );
    assert_eq!(
        stderr(&output),
        "trailmask: s3://portal/logs/: an answer without an S3 error code (HTTP 200): is the \
         endpoint S3?\n\
         trailmask: 0 files read, 0 skipped, 1 failed; 0 role assumptions\n"
    );
}

/// A red-team's pass (session 33): an object whose connection closes before any answer, again
/// after the retries, was a line for its bucket that named no object (`s3://BUCKET: cannot
/// reach S3 (1 object not read)`) and status 4, as if S3 were out of reach. It is that
/// object's: one line naming it, status 1, the others read.
#[test]
fn s3_an_object_whose_connection_drops_fails_alone() {
    let objects = numbered_events(
        3,
        "2021-05-01",
        |n| format!("logs/{n}.json.gz"),
        |n| format!("drop-{n}"),
    );
    let listed = objects.clone();
    let endpoint = fake_s3(move |head| {
        let target = head.split(' ').nth(1).unwrap_or_default();
        if target.contains("list-type=2") {
            return Reply::new("200 OK", &[], &listing("drops", "logs/", &listed));
        }
        match listed
            .iter()
            .find(|(key, _)| target.split('?').next() == Some(&format!("/drops/{key}")))
        {
            Some((key, _)) if key.ends_with("/1.json.gz") => Reply::new("", &[], b""),
            Some((_, bytes)) => Reply::new("200 OK", &[], bytes),
            None => Reply::new(
                "404 Not Found",
                &[],
                b"<Error><Code>NoSuchKey</Code></Error>",
            ),
        }
    });
    let output = run_against(
        &endpoint,
        &["events", "s3://drops/logs/"],
        &[("AWS_ALLOW_HTTP", "true")],
    );
    assert_eq!(output.status.code(), Some(1));
    let lines: Vec<String> = stderr(&output).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with(
            "trailmask: s3://drops/logs/1.json.gz: cannot read: cannot reach S3 for it: "
        ),
        "{lines:?}"
    );
    assert_eq!(
        lines[1],
        "trailmask: 2 files read, 0 skipped, 1 failed; 2 role assumptions"
    );
}

/// An object that trickles in (a byte every 50 ms: never silent, but no end in sight for a
/// large one) is abandoned once it brought less than 1 KiB a second over the stall window
/// (`TRAILMASK_S3_STALL_SECONDS`, 1 s here), asked for again, and fails alone; an object slow
/// but faster than that (3 KiB a second, over more than one window) is read.
#[test]
fn s3_an_object_that_trickles_in_fails_alone() {
    let mut objects = numbered_events(
        3,
        "2021-06-01",
        |n| format!("logs/{n}.json.gz"),
        |n| format!("pace-{n}"),
    );
    // Object 2 is 3 KiB or more, so that it spans windows.
    objects[2].1 = stored_event("pace-2", "2021-06-01T00:02:00Z", 3 << 10);
    let listed = objects.clone();
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = asked.clone();
    let endpoint = fake_s3(move |head| {
        let target = head.split(' ').nth(1).unwrap_or_default();
        if target.contains("list-type=2") {
            return Reply::new("200 OK", &[], &listing("pace", "logs/", &listed));
        }
        let key = target.split('?').next().unwrap_or_default();
        log.lock().expect("log").push(key.to_owned());
        match listed.iter().find(|(k, _)| key == format!("/pace/{k}")) {
            Some((key, bytes)) if key.ends_with("/1.json.gz") => Reply {
                pace: Some((1, Duration::from_millis(50))),
                ..Reply::new("200 OK", &[], bytes)
            },
            Some((key, bytes)) if key.ends_with("/2.json.gz") => Reply {
                pace: Some((600, Duration::from_millis(200))),
                ..Reply::new("200 OK", &[], bytes)
            },
            Some((_, bytes)) => Reply::new("200 OK", &[], bytes),
            None => Reply::new(
                "404 Not Found",
                &[],
                b"<Error><Code>NoSuchKey</Code></Error>",
            ),
        }
    });
    let started = Instant::now();
    let output = run_against(
        &endpoint,
        &["events", "s3://pace/logs/"],
        &[
            ("AWS_ALLOW_HTTP", "true"),
            ("TRAILMASK_S3_STALL_SECONDS", "1"),
        ],
    );
    let took = started.elapsed();
    assert_eq!(
        stderr(&output),
        "trailmask: s3://pace/logs/1.json.gz: cannot read: cut off in transit 4 times: slower \
         than 1 KiB/s over 1 s\n\
         trailmask: 2 files read, 0 skipped, 1 failed; 2 role assumptions\n"
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(event_ids(&stdout(&output)), ["pace-0", "pace-2"]);
    let mut asked = asked.lock().expect("log").clone();
    asked.sort();
    assert_eq!(
        asked,
        [
            "/pace/logs/0.json.gz",
            "/pace/logs/1.json.gz",
            "/pace/logs/1.json.gz",
            "/pace/logs/1.json.gz",
            "/pace/logs/1.json.gz",
            "/pace/logs/2.json.gz"
        ]
    );
    // Four windows of 1 s and the backoffs between them (0.4 + 0.8 + 1.6 s), not the 17 s
    // the trickle would take.
    assert!(took < Duration::from_secs(15), "{took:?}");
    // A window that is not whole seconds from 1 to 3600 is refused before anything is read.
    let output = run_against(
        &endpoint,
        &["events", "s3://pace/logs/"],
        &[
            ("AWS_ALLOW_HTTP", "true"),
            ("TRAILMASK_S3_STALL_SECONDS", "0.5"),
        ],
    );
    assert_eq!(
        stderr(&output),
        "trailmask: s3://pace/logs/: cannot start the S3 client: \
         TRAILMASK_S3_STALL_SECONDS=0.5: expected whole seconds, from 1 to 3600\n\
         trailmask: 0 files read, 0 skipped, 1 failed; 0 role assumptions\n"
    );
    assert_eq!(output.status.code(), Some(4));
}

/// A red-team's pass (session 33): listing answers S3 never sends but a proxy or another store
/// may, each read as a whole listing, objects lost with status 0: cut short after its first
/// object (`KeyCount` 3, one listed), more announced with no token, a token given again, and
/// folders made up without end. Each fails its folder, saying why.
#[test]
fn s3_a_listing_answer_that_cannot_be_whole_fails_its_folder() {
    let objects = numbered_events(
        3,
        "2021-07-01",
        |n| format!("p/{n}.json"),
        |n| format!("cut-{n}"),
    );
    let whole = String::from_utf8(listing("b", "p/", &objects)).unwrap();
    let cut = whole[..whole.find("</Contents>").unwrap() + "</Contents>".len()].to_owned();
    let no_token = whole.replace("<IsTruncated>false", "<IsTruncated>true");
    let again = whole.replace(
        "<IsTruncated>false</IsTruncated>",
        "<IsTruncated>true</IsTruncated><NextContinuationToken>t1</NextContinuationToken>",
    );
    for (bucket, answer, why) in [
        (
            "cut",
            cut,
            "a listing answer that does not add up (KeyCount 3, 1 listed): cut short?",
        ),
        (
            "notoken",
            no_token,
            "a listing answer that says more follows, with no token to ask for it",
        ),
        (
            "again",
            again,
            "a listing answer that gives a continuation token again",
        ),
    ] {
        let page = answer.clone();
        let endpoint = fake_s3(move |_| Reply::new("200 OK", &[], page.as_bytes()));
        let root = format!("s3://{bucket}/p/");
        let output = run_against(
            &endpoint,
            &["events", "-q", &root],
            &[("AWS_ALLOW_HTTP", "true")],
        );
        assert_eq!(output.status.code(), Some(1), "{bucket}");
        assert_eq!(
            stderr(&output),
            format!(
                "trailmask: {root}: cannot list it: {why}\n\
                 trailmask: 0 files read, 0 skipped, 1 failed; 0 role assumptions\n"
            ),
        );
    }
    // Every folder holds one more: the walk ends where no key could be.
    let endpoint = fake_s3(|head| {
        let target = head.split(' ').nth(1).unwrap_or_default();
        let prefix = target
            .split(['?', '&'])
            .find_map(|part| part.strip_prefix("prefix="))
            .unwrap_or_default()
            .replace("%2F", "/");
        let folder = format!("{prefix}d/");
        Reply::new(
            "200 OK",
            &[],
            &listing_with_folders::<&str>("deep", &prefix, &[], &[&folder])
                .into_iter()
                .collect::<Vec<u8>>(),
        )
    });
    let output = run_against(
        &endpoint,
        &["events", "-q", "s3://deep/p/"],
        &[("AWS_ALLOW_HTTP", "true")],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(
            "cannot list it: a folder of 1026 bytes listed, longer than any S3 key (1024 bytes)"
        ),
        "{}",
        stderr(&output)
    );
}

/// Review (session 21): objects named by a listing file (`trailmask list`, then a command or
/// `partial` on the listing, as spark/ does) did not follow a bucket's redirect to its region
/// (only a listing learned it): every object failed with `PermanentRedirect`. Forty objects
/// fetched at once all follow it, though the first redirect moves the bucket while the others
/// are on their way (a first mend failed all but a few of them).
#[test]
fn s3_objects_of_a_listing_follow_their_bucket_to_its_region() {
    let objects = numbered_events(
        40,
        "2021-07-01",
        |n| format!("logs/{n:02}.json.gz"),
        |n| format!("far-{n:02}"),
    );
    let ids: Vec<String> = (0..40).map(|n| format!("far-{n:02}")).collect();
    let endpoint = fake_s3(move |head| {
        let target = head.split(' ').nth(1).unwrap_or_default();
        // S3 answers a request signed for another region with the bucket's region.
        if !head.contains("/eu-west-1/s3/aws4_request") {
            return Reply::new(
                "301 Moved Permanently",
                &[("x-amz-bucket-region", "eu-west-1")],
                b"<Error><Code>PermanentRedirect</Code><Message>elsewhere</Message></Error>",
            );
        }
        if target.contains("list-type=2") {
            return Reply::new("200 OK", &[], &listing("far", "logs/", &objects));
        }
        match objects
            .iter()
            .find(|(key, _)| target.split('?').next() == Some(&format!("/far/{key}")))
        {
            Some((_, bytes)) => Reply::new("200 OK", &[], bytes),
            None => Reply::new(
                "404 Not Found",
                &[],
                b"<Error><Code>NoSuchKey</Code></Error>",
            ),
        }
    });
    let env = [("AWS_ALLOW_HTTP", "true")];
    let direct = run_against(&endpoint, &["events", "-q", "s3://far/logs/"], &env);
    assert_eq!(stderr(&direct), "");
    assert_eq!(event_ids(&stdout(&direct)), ids);
    let dir = Dir::new();
    let listing_path = dir.path("far.list");
    let listing_path = listing_path.to_str().expect("UTF-8 path");
    let listed = run_against(
        &endpoint,
        &["list", "s3://far/logs/", "-o", listing_path],
        &env,
    );
    assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
    for threads in ["1", "4", "4"] {
        let through_listing = run_against(
            &endpoint,
            &["events", "-q", "-j", threads, listing_path],
            &env,
        );
        assert_eq!(stderr(&through_listing), "");
        assert_eq!(stdout(&through_listing), stdout(&direct));
    }
}

/// Review (session 21): a key holding a control character (which XML 1.0 cannot carry) made
/// its whole folder's listing unreadable, the logs beside it lost. Listings ask for keys
/// percent-encoded and decode them: every object is read.
#[test]
fn s3_a_key_no_xml_can_hold_is_listed_with_its_folder() {
    let Some(moto) = moto() else { return };
    moto.upload(
        "oddkeys",
        &[
            (
                "logs/good.json.gz".to_owned(),
                one_event("good", "2021-08-01T10:00:00Z"),
            ),
            // `%01` in the request's path: the key holds the byte 1.
            (
                "logs/ctrl%01.json.gz".to_owned(),
                one_event("ctrl", "2021-08-01T11:00:00Z"),
            ),
            (
                "logs/a%20b%2Bc.json.gz".to_owned(),
                one_event("plus", "2021-08-01T12:00:00Z"),
            ),
        ],
    );
    let output = moto.run(&["events", "-q", "s3://oddkeys/logs/"]);
    assert_eq!(stderr(&output), "");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(event_ids(&stdout(&output)), ["good", "ctrl", "plus"]);
    assert!(
        stdout(&output).contains(",s3://oddkeys/logs/a b+c.json.gz"),
        "{}",
        stdout(&output)
    );
}

/// Review (session 21): a folder below the one named that S3 would not list (a bucket policy
/// on `s3:prefix`) stopped the whole walk. It fails alone; the others are read.
#[test]
fn s3_a_folder_refused_fails_alone() {
    let object = one_event("listed", "2021-09-01T10:00:00Z");
    let endpoint = fake_s3(move |head| {
        let target = head.split(' ').nth(1).unwrap_or_default();
        if target.contains("list-type=2") {
            let objects = [("logs/open/a.json.gz", object.clone())];
            return if target.contains("prefix=logs%2Fclosed%2F") {
                Reply::new(
                    "403 Forbidden",
                    &[],
                    b"<Error><Code>AccessDenied</Code><Message>no</Message></Error>",
                )
            } else if target.contains("prefix=logs%2Fopen%2F") {
                Reply::new("200 OK", &[], &listing("pol", "logs/open/", &objects))
            } else {
                let folders = ["logs/closed/", "logs/open/"];
                let none: [(&str, Vec<u8>); 0] = [];
                Reply::new(
                    "200 OK",
                    &[],
                    &listing_with_folders("pol", "logs/", &none, &folders),
                )
            };
        }
        Reply::new("200 OK", &[], &object)
    });
    let output = run_against(
        &endpoint,
        &["events", "s3://pol/logs/"],
        &[("AWS_ALLOW_HTTP", "true")],
    );
    assert_eq!(
        stderr(&output),
        "trailmask: s3://pol/logs/closed/: access denied (AccessDenied): these credentials may \
         not list it (s3:ListBucket), or a bucket policy refuses it\n\
         trailmask: 1 file read, 0 skipped, 1 failed; 1 role assumption\n"
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(event_ids(&stdout(&output)), ["listed"]);
    // The folder the location names, refused, is the location's refusal (`s3://pol/logs/closed`
    // walks `logs/closed/`): one line for it, status 4.
    let top = run_against(
        &endpoint,
        &["events", "-q", "s3://pol/logs/closed"],
        &[("AWS_ALLOW_HTTP", "true")],
    );
    assert_eq!(
        stderr(&top),
        "trailmask: s3://pol/logs/closed: access denied (AccessDenied): check the AWS \
         credentials\n\
         trailmask: 0 files read, 0 skipped, 1 failed; 0 role assumptions\n"
    );
    assert_eq!(top.status.code(), Some(4));
}

/// An object above 8 MiB cut off in transit is asked for again from the first byte not read,
/// of the same version (`If-Match` with its ETag), and read whole; a server that answers the
/// resumption with the whole object again (no `Content-Range`) fails it, not spliced.
#[test]
fn s3_a_large_object_cut_off_resumes_where_it_stopped() {
    let object = stored_event("large", "2021-10-01T10:00:00Z", 9 << 20);
    let cut = object.len() / 2;
    for honours_range in [true, false] {
        let body = object.clone();
        let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let log = asked.clone();
        let endpoint = fake_s3(move |head| {
            let target = head.split(' ').nth(1).unwrap_or_default();
            if target.contains("list-type=2") {
                let objects = [("logs/big.json.gz", body.clone())];
                return Reply::new("200 OK", &[], &listing("big", "logs/", &objects));
            }
            let lower = head.to_ascii_lowercase();
            let header = |name: &str| {
                lower
                    .lines()
                    .find_map(|line| line.strip_prefix(name))
                    .map(|value| value.trim().to_owned())
            };
            let range = header("range:");
            log.lock()
                .expect("log")
                .push(format!("{range:?} {:?}", header("if-match:")));
            let etag = [("ETag", "\"v1\"")];
            match range.and_then(|r| r.strip_prefix("bytes=")?.strip_suffix('-')?.parse().ok()) {
                Some(from) if honours_range => {
                    let from: usize = from;
                    let total = body.len();
                    let content_range = format!("bytes {from}-{}/{total}", total - 1);
                    let headers = [
                        ("ETag", "\"v1\""),
                        ("Content-Range", content_range.as_str()),
                    ];
                    Reply::new("206 Partial Content", &headers, &body[from..])
                }
                Some(_) => Reply::new("200 OK", &etag, &body),
                None => Reply {
                    sent: cut,
                    ..Reply::new("200 OK", &etag, &body)
                },
            }
        });
        let output = run_against(
            &endpoint,
            &["events", "-q", "s3://big/logs/"],
            &[("AWS_ALLOW_HTTP", "true")],
        );
        let asked = asked.lock().expect("log").clone();
        assert_eq!(
            asked,
            [
                "None None".to_owned(),
                format!("Some(\"bytes={cut}-\") Some(\"\\\"v1\\\"\")")
            ]
        );
        if honours_range {
            assert_eq!(stderr(&output), "");
            assert_eq!(event_ids(&stdout(&output)), ["large"]);
        } else {
            assert_eq!(
                stderr(&output),
                format!(
                    "trailmask: s3://big/logs/big.json.gz: cannot read: cut off in transit, and \
                     the server did not resume it from byte {cut}\n\
                     trailmask: 0 files read, 0 skipped, 1 failed; 0 role assumptions\n"
                )
            );
            assert_eq!(output.status.code(), Some(1));
        }
    }
}

/// Review (session 21): listing a large trail takes a while, and a terminal showed nothing
/// until the reading began. On a terminal, a line says how far the listing has got, and is
/// gone once the reading starts.
#[test]
fn s3_listing_says_how_far_it_has_got_on_a_terminal() {
    use crate::terminal::{Pty, run_in_pty};
    let Some(moto) = moto() else { return };
    // 400 folders: a listing long enough for the line to show (after half a second).
    let objects = numbered_events(
        400,
        "2021-11-01",
        |n| format!("logs/{n:03}/a.json.gz"),
        |n| format!("listed-{n:03}"),
    );
    moto.upload("slow-list", &objects);
    let mut env = test_credentials(&moto.endpoint());
    env.push(("AWS_ALLOW_HTTP".to_owned(), Some("true".to_owned())));
    let pty = Pty {
        env,
        ..Pty::default()
    };
    let (screen, status) = run_in_pty(&repo(), &["edges", "s3://slow-list/logs/"], 60, &pty);
    assert_eq!(status, 0);
    let piped = moto.run(&["edges", "-q", "s3://slow-list/logs/"]);
    let text = String::from_utf8_lossy(&screen.bytes).into_owned();
    let expected = format!(
        "{}trailmask: 400 files read, 0 skipped, 0 failed; 400 role assumptions\n",
        stdout(&piped)
    );
    assert!(text.ends_with(&expected), "{text}");
    let before = &screen.bytes[..screen.bytes.len() - expected.len()];
    let lines = String::from_utf8_lossy(before);
    assert!(
        lines.contains(" listing S3: "),
        "no listing line: {lines:?}"
    );
    // The last count drawn is the whole listing's: the top folder and its 400.
    assert!(
        lines.contains("401 folders listed, 400 objects found"),
        "{lines:?}"
    );
    assert_eq!(screen.shown(before).trim(), "", "not cleared: {lines:?}");
}
