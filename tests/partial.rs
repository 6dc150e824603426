//! Partial results (`trailmask partial`, `trailmask list`): every command's output from
//! partials, whole or split into shards, mixed with logs, is the bytes of one run over the
//! logs; partials that do not fit, are damaged or hostile are one error line each.

use crate::harness::{
    Dir, assume_on, csv_rows, gzip, repo, run, run_in, stderr, stdout, three_days,
};
use crate::organization::org_trail;
use std::path::Path;
use std::process::Output;

/// Every reading command, with options that change what is read or shown.
const COMMANDS: &[&[&str]] = &[
    &["events"],
    &["events", "--format", "jsonl", "--include-failed"],
    &["graph"],
    &["graph", "--format", "json", "--level", "session"],
    &["chains"],
    &["services"],
    &["passrole"],
    &["activity"],
    &["activity", "--by", "origin"],
    &["activity", "--calls"],
    &["activity", "--since", "2020-12-21", "--exclude-failed"],
    &["findings"],
    &["findings", "--kind", "role-juggling"],
    &["edges"],
    &["summary"],
    &["report"],
];

/// stdout, stderr (without summary's elapsed line) and status.
fn outcome(output: &Output) -> (Vec<u8>, String, Option<i32>) {
    let mut out = output.stdout.clone();
    let text = String::from_utf8_lossy(&out).into_owned();
    if let Some(at) = text.find("elapsed  ") {
        out.truncate(at);
    }
    (out, stderr(output), output.status.code())
}

/// `outcome` with the note a command reading `listing`, listed with `window`, says first
/// (with `-q` too).
fn noted(
    (out, err, status): (Vec<u8>, String, Option<i32>),
    listing: &str,
    window: &str,
) -> (Vec<u8>, String, Option<i32>) {
    let note = format!("trailmask: {listing} was listed with {window}: reading that window\n");
    (out, note + &err, status)
}

/// `trailmask partial COMMAND... INPUTS -o OUT`, run in `dir`.
fn partial(dir: &Path, command: &[&str], inputs: &[&str], out: &str) -> Output {
    let mut args = vec!["partial"];
    args.extend(command);
    args.extend(inputs);
    args.extend(["-q", "-o", out]);
    let output = run_in(dir, &args, None);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        stderr(&output)
    );
    output
}

/// The listing of `inputs`, cut into `shards` listings (round robin), written in `work`.
fn shards(dir: &Path, inputs: &str, shards: usize, work: &Dir) -> Vec<String> {
    let listing = stdout(&run_in(dir, &["list", inputs], None));
    let mut lines = listing.lines();
    let magic = lines.next().expect("a listing's first line");
    assert_eq!(magic, "TRAILMASK LISTING 1");
    let mut texts = vec![format!("{magic}\n"); shards];
    for (i, line) in lines.enumerate() {
        texts[i % shards].push_str(line);
        texts[i % shards].push('\n');
    }
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let path = work.write(&format!("shard{i}.listing"), text.as_bytes());
            path.to_string_lossy().into_owned()
        })
        .collect()
}

fn args_with<'a>(command: &[&'a str], inputs: &'a [String]) -> Vec<&'a str> {
    let mut args = command.to_vec();
    args.extend(inputs.iter().map(String::as_str));
    args
}

#[test]
fn every_command_from_one_partial_prints_what_it_prints_from_the_logs() {
    let work = Dir::new();
    for command in COMMANDS {
        let part = work.path("whole.part").to_string_lossy().into_owned();
        partial(&repo(), command, &["sample-logs/"], &part);
        let direct = outcome(&run(&args_with(command, &["sample-logs/".into()])));
        let merged = outcome(&run(&args_with(command, &[part])));
        assert_eq!(merged, direct, "{command:?}");
        assert!(!direct.0.is_empty(), "{command:?} printed nothing");
    }
}

/// A partial read for hand-overs or for activity holds every role assumption: it serves the
/// commands that read only those (`findings` narrowed by `--kind` among them; it was refused,
/// "a partial read for `findings`, which serves activity and findings, not this command").
#[test]
fn a_partial_of_hand_overs_or_activity_serves_the_commands_of_role_assumptions() {
    let work = Dir::new();
    let juggling: &[&str] = &[
        "findings",
        "--kind",
        "role-juggling",
        "--kind",
        "new-edge",
        "--baseline-until",
        "2020-12-21",
    ];
    for read_for in [&["graph"][..], &["findings"], &["activity"]] {
        let part = work.path("whole.part").to_string_lossy().into_owned();
        partial(&repo(), read_for, &["sample-logs/"], &part);
        for command in [&["events"][..], &["chains"], &["summary"], juggling] {
            let direct = outcome(&run(&args_with(command, &["sample-logs/".into()])));
            let merged = outcome(&run(&args_with(command, std::slice::from_ref(&part))));
            assert_eq!(merged, direct, "{read_for:?} for {command:?}");
            assert!(!direct.0.is_empty(), "{command:?} printed nothing");
        }
    }
}

#[test]
fn every_command_from_shards_prints_what_it_prints_from_the_logs() {
    let work = Dir::new();
    let listings = shards(&repo(), "sample-logs/", 3, &work);
    for command in COMMANDS {
        let mut parts = Vec::new();
        for (i, listing) in listings.iter().enumerate() {
            let part = work
                .path(&format!("{i}.part"))
                .to_string_lossy()
                .into_owned();
            partial(&repo(), command, &[listing], &part);
            parts.push(part);
        }
        // In any order.
        parts.reverse();
        let direct = outcome(&run(&args_with(command, &["sample-logs/".into()])));
        let merged = outcome(&run(&args_with(command, &parts)));
        assert_eq!(merged, direct, "{command:?}");
    }
}

/// A Spark user's pass (session 34): `partial events --account X` then `events PART` printed
/// every row, and nothing said that the partial had not applied `--account`. It holds
/// everything read (the merge applies the filters, as Spark's driver passes them to both): it
/// now says so, and the merge given the filter prints what the direct run prints.
#[test]
fn filters_given_to_partial_are_said_to_be_the_merge_s() {
    let work = Dir::new();
    let part = work.path("p.part");
    let part = part.to_str().unwrap();
    let made = partial(
        &repo(),
        &["events", "--account", "222222222222", "--to", "*Deployer*"],
        &["sample-logs/"],
        part,
    );
    assert_eq!(
        stderr(&made),
        "trailmask: --account, --to choose what the command that reads this partial shows: \
         the partial holds everything read; give them to that command too\n"
    );
    let filtered = [
        "events",
        "-q",
        "--account",
        "222222222222",
        "--to",
        "*Deployer*",
    ];
    let merged = run(&[&filtered[..], &[part]].concat());
    let direct = run_in(&repo(), &[&filtered[..], &["sample-logs/"]].concat(), None);
    assert_eq!(outcome(&merged), outcome(&direct));
    assert!(stdout(&direct).lines().count() > 1);
}

#[test]
fn a_partial_is_the_same_bytes_for_any_thread_count_and_merges_into_a_larger_one() {
    let work = Dir::new();
    let (one, two) = (work.path("j1.part"), work.path("j2.part"));
    for command in [&["events"][..], &["activity", "--calls"][..]] {
        let mut args = command.to_vec();
        args.extend(["-j", "1"]);
        partial(&repo(), &args, &["sample-logs/"], one.to_str().unwrap());
        args.pop();
        args.push("2");
        partial(&repo(), &args, &["sample-logs/"], two.to_str().unwrap());
        let bytes = std::fs::read(&one).unwrap();
        assert_eq!(bytes, std::fs::read(&two).unwrap(), "{command:?}");
        assert!(bytes.starts_with(b"TRAILMASK PARTIAL 9\n"));
        // Partials of two shards merged into one: the same bytes as the partial of all.
        let listings = shards(&repo(), "sample-logs/", 2, &work);
        let mut parts = Vec::new();
        for (i, listing) in listings.iter().enumerate() {
            let part = work
                .path(&format!("s{i}.part"))
                .to_string_lossy()
                .into_owned();
            partial(&repo(), command, &[listing], &part);
            parts.push(part);
        }
        let merged = work.path("merged.part");
        partial(
            &repo(),
            command,
            &[&parts[0], &parts[1]],
            merged.to_str().unwrap(),
        );
        assert_eq!(std::fs::read(&merged).unwrap(), bytes, "{command:?}");
    }
}

#[test]
fn partials_mixed_with_logs_and_given_twice_count_each_event_once() {
    let work = Dir::new();
    let listings = shards(&repo(), "sample-logs/", 2, &work);
    for command in [&["events"][..], &["activity"][..], &["graph"][..]] {
        let part = work.path("first-half.part").to_string_lossy().into_owned();
        partial(&repo(), command, &[&listings[0]], &part);
        let direct = run(&args_with(command, &["sample-logs/".into()]));
        // Half as a partial, the whole as logs: the logs' files are the partial's too.
        let mixed = run(&args_with(
            command,
            &[part.clone(), "sample-logs/".into(), part.clone()],
        ));
        assert_eq!(stdout(&mixed), stdout(&direct), "{command:?}");
        assert_eq!(mixed.status.code(), Some(0));
    }
}

/// A session that called from 40 networks, 20 private and 20 public: the reader keeps up to
/// 32 of each kind, and so does a partial read back (it kept 32 in all, losing public
/// networks the `session-many-networks` finding counts).
#[test]
fn a_session_from_many_private_and_public_networks_reads_back_whole() {
    let work = Dir::new();
    let identity = r#"{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/App/i-1","accountId":"111122223333","accessKeyId":"ASIAAPP","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/App","accountId":"111122223333"},"attributes":{"creationDate":"2026-03-01T10:00:00Z"}}}"#;
    let records: Vec<String> = (0..40)
        .map(|i| {
            let ip = if i % 2 == 0 {
                format!("10.{i}.0.5")
            } else {
                format!("203.0.{i}.5")
            };
            format!(
                r#"{{"eventTime":"2026-03-01T10:{i:02}:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","sourceIPAddress":"{ip}","userIdentity":{identity},"eventID":"n{i}","recipientAccountId":"111122223333"}}"#
            )
        })
        .collect();
    work.write(
        "t.json",
        format!(r#"{{"Records":[{}]}}"#, records.join(",")).as_bytes(),
    );
    for command in [
        &["activity"][..],
        &["findings", "--kind", "session-many-networks"],
    ] {
        partial(work.root.path(), command, &["t.json"], "t.part");
        let direct = outcome(&run_in(
            work.root.path(),
            &args_with(command, &["t.json".into()]),
            None,
        ));
        let merged = outcome(&run_in(
            work.root.path(),
            &args_with(command, &["t.part".into()]),
            None,
        ));
        assert_eq!(
            String::from_utf8_lossy(&merged.0),
            String::from_utf8_lossy(&direct.0),
            "{command:?}"
        );
        assert_eq!(merged, direct, "{command:?}");
    }
    let findings = stdout(&run_in(
        work.root.path(),
        &["findings", "-q", "--format", "csv", "t.part"],
        None,
    ));
    assert!(findings.contains("calls from 20 networks"), "{findings}");
}

/// A partial holds as many log files as it was made of: each file's calls are held to half
/// of `--max-file-size`, as when it is read, not all of them together (six 1.2 MB files read
/// with `--max-file-size 2M` merged from one partial were refused; a second red-team pass).
/// A crafted partial whose one log file holds more is refused, with what to do.
#[test]
fn a_partial_of_many_files_fits_as_its_files_do() {
    let work = Dir::new();
    let identity = r#"{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/App/i-1","accountId":"111122223333","accessKeyId":"ASIAAPP","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/App","accountId":"111122223333"},"attributes":{"creationDate":"2026-03-01T10:00:00Z"}}}"#;
    for file in 0..6 {
        let records: Vec<String> = (0..2_500)
            .map(|n| {
                format!(
                    r#"{{"eventTime":"2026-03-01T10:{:02}:{:02}Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","sourceIPAddress":"203.0.113.5","userIdentity":{identity},"eventID":"f{file}-{n:05}","recipientAccountId":"111122223333"}}"#,
                    n / 60 % 60,
                    n % 60
                )
            })
            .collect();
        work.write(
            &format!("logs/f{file}.json"),
            format!(r#"{{"Records":[{}]}}"#, records.join(",")).as_bytes(),
        );
    }
    let capped = |inputs: &str| {
        outcome(&run_in(
            work.root.path(),
            &["activity", "--max-file-size", "2M", inputs],
            None,
        ))
    };
    let direct = capped("logs");
    assert_eq!(direct.2, Some(0), "{}", direct.1);
    let made = run_in(
        work.root.path(),
        &[
            "partial",
            "activity",
            "-q",
            "--max-file-size",
            "2M",
            "-o",
            "all.part",
            "logs",
        ],
        None,
    );
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    assert_eq!(capped("all.part"), direct);
    // One log file's calls past half the limit: a crafted partial.
    let header = ACTIVITY_HEADER.replace("1073741824", "1048576");
    let mut text = format!(
        "{header}\n{{\"name\":[\"s3.amazonaws.com\",\"GetObject\"]}}\n\
         {{\"session\":{{\"arn\":\"arn:aws:sts::1:assumed-role/R/s\",\"access_key\":\"ASIA1\",\
         \"created\":\"\",\"issuer\":\"\",\"first\":null,\"last\":null,\"addresses\":[],\
         \"addresses_dropped\":false,\"accounts\":[],\"accounts_dropped\":false}}}}\n\
         {{\"log\":\"big.json\"}}\n"
    );
    let calls = 10_000;
    for n in 0..calls {
        text.push_str(&format!(
            "{{\"call\":[\"{n:0>100}\\u00001.2.3.4\",7,0,0,0,0]}}\n"
        ));
    }
    text.push_str(&format!("{{\"end\":{{\"files\":0,\"calls\":{calls}}}}}\n"));
    work.write("big.part", &crafted(&text));
    let refused = run_in(
        work.root.path(),
        &["activity", "-q", "--max-file-size", "1M", "big.part"],
        None,
    );
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        stderr(&refused),
        "trailmask: big.part: a partial whose calls of one log file would take more than half \
         of --max-file-size in memory: refused (raise the limit)\n\
         trailmask: 0 files read, 0 skipped, 1 failed; 0 role assumptions; 0 role sessions made \
         0 calls\n"
    );
}

#[test]
fn the_organization_from_shards_is_the_organization() {
    let trail = org_trail();
    let work = Dir::new();
    let inputs = trail.to_string_lossy().into_owned();
    let listings = shards(Path::new("/"), &inputs, 4, &work);
    for command in [
        &["events"][..],
        &["graph"][..],
        &["chains"][..],
        &["activity", "--by", "origin"][..],
        &["findings"][..],
        &["passrole"][..],
    ] {
        let mut parts = Vec::new();
        for (i, listing) in listings.iter().enumerate() {
            let part = work
                .path(&format!("{i}.part"))
                .to_string_lossy()
                .into_owned();
            partial(Path::new("/"), command, &[listing], &part);
            parts.push(part);
        }
        let direct = run(&args_with(command, std::slice::from_ref(&inputs)));
        let merged = run(&args_with(command, &parts));
        assert_eq!(outcome(&merged), outcome(&direct), "{command:?}");
    }
}

#[test]
fn bad_files_are_recorded_and_said_again_by_the_merge() {
    let dir = Dir::new();
    let good = r#"{"Records":[{"eventVersion":"1.08","eventTime":"2024-01-01T00:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333"},"requestParameters":{"roleArn":"arn:aws:iam::111122223333:role/Admin","roleSessionName":"alice"},"responseElements":{"credentials":{"accessKeyId":"ASIAEXAMPLE1"},"assumedRoleUser":{"arn":"arn:aws:sts::111122223333:assumed-role/Admin/alice"}},"eventID":"e1","recipientAccountId":"111122223333"}]}"#;
    dir.write_gz("logs/a.json.gz", good);
    let cut = gzip(good.replace("e1", "e2").as_bytes());
    dir.write("logs/b.json.gz", &cut[..cut.len() / 2]);
    dir.write(
        "logs/c.json",
        b"{\"Records\":[{\"eventName\":\"AssumeRole\",",
    );
    let direct = run_in(dir.root.path(), &["events", "logs"], None);
    assert_eq!(direct.status.code(), Some(1));
    let made = partial(dir.root.path(), &["events"], &["logs"], "logs.part");
    assert_eq!(made.status.code(), Some(1), "the partial's run says so too");
    assert_eq!(
        stderr(&made)
            .lines()
            .filter(|l| l.contains("logs/b.json.gz"))
            .count(),
        1
    );
    let merged = run_in(dir.root.path(), &["events", "logs.part"], None);
    assert_eq!(outcome(&merged), outcome(&direct));
    let lines = stderr(&merged);
    assert!(lines.contains("logs/b.json.gz: truncated gzip"), "{lines}");
    assert!(lines.contains("logs/c.json: not valid JSON"), "{lines}");
    // --strict names the first bad file only, from the partial as from the logs (a
    // red-team, session 30: the merge named both).
    let strict = |input| run_in(dir.root.path(), &["events", "--strict", input], None);
    let direct = strict("logs");
    assert_eq!(outcome(&strict("logs.part")), outcome(&direct));
    assert_eq!(
        stderr(&direct),
        "trailmask: logs/b.json.gz: truncated gzip: incomplete deflate stream\n\
         trailmask: stopped at the first failure (--strict); no output written\n"
    );
    // A path that could not be walked comes first, and then no file is read.
    partial(
        dir.root.path(),
        &["events"],
        &["logs", "missing"],
        "missing.part",
    );
    let direct = run_in(
        dir.root.path(),
        &["events", "--strict", "logs", "missing"],
        None,
    );
    assert_eq!(outcome(&strict("missing.part")), outcome(&direct));
    assert_eq!(
        stderr(&direct),
        "trailmask: missing: cannot read: No such file or directory (os error 2)\n\
         trailmask: stopped at the first failure (--strict); no output written\n"
    );
}

#[test]
fn a_partial_for_another_command_or_window_is_refused_with_what_to_do() {
    let dir = Dir::new();
    let repo = repo();
    let logs = repo.join("sample-logs").to_string_lossy().into_owned();
    partial(dir.root.path(), &["events"], &[&logs], "events.part");
    partial(
        dir.root.path(),
        &["activity", "--since", "2020-12-21"],
        &[&logs],
        "activity.part",
    );
    let misfit = run_in(dir.root.path(), &["graph", "events.part", "-q"], None);
    assert_eq!(misfit.status.code(), Some(1));
    assert_eq!(
        stderr(&misfit),
        "trailmask: events.part: a partial read for `events`, which serves events, chains, \
         edges, summary and findings without session-many-networks, not this command (it \
         needs hand-overs): read the logs again with `trailmask partial` and this command\n\
         trailmask: 0 files read, 0 skipped, 1 failed; 0 role assumptions\n"
    );
    let window = run_in(dir.root.path(), &["activity", "activity.part", "-q"], None);
    assert_eq!(window.status.code(), Some(1));
    assert!(
        stderr(&window).contains(
            "activity.part: a partial that counted the calls of --since \
             2020-12-21T00:00:00Z --until (none) (all outcomes): merge it with the same \
             time window and outcome filter"
        ),
        "{}",
        stderr(&window)
    );
    let timeline = run_in(
        dir.root.path(),
        &[
            "activity",
            "--calls",
            "--since",
            "2020-12-21",
            "activity.part",
            "-q",
        ],
        None,
    );
    assert!(stderr(&timeline).contains("a partial without the timeline of calls"));
    // A partial read with a window is made for it, whether or not its inputs had date
    // folders to leave unread (red-team, session 32: it said it had pruned some).
    partial(
        dir.root.path(),
        &["events", "--since", "2020-12-21"],
        &[&logs],
        "since.part",
    );
    let days = run_in(dir.root.path(), &["events", "since.part", "-q"], None);
    assert_eq!(days.status.code(), Some(1));
    assert_eq!(
        stderr(&days),
        "trailmask: since.part: a partial made to read only the date folders of 2020-12-20 to \
         (any) (--since/--until, with a day's slack on each side; any other date folder would \
         have been left unread): merge it with a window of the same days, --since a time on \
         2020-12-21 and no --until (findings with --baseline-until read every day before \
         --since too: make the partial with it) (an age such as 7d is a different time at each \
         run: give dates or RFC 3339 times to read partials for later merging)\n\
         trailmask: 0 files read, 0 skipped, 1 failed; 0 role assumptions\n"
    );
    // The same window: merged.
    let fits = run_in(
        dir.root.path(),
        &["activity", "--since", "2020-12-21", "activity.part", "-q"],
        None,
    );
    assert_eq!(fits.status.code(), Some(0), "{}", stderr(&fits));
}

/// A partial's text (the magic line, then one gzip member of `lines`).
fn crafted(lines: &str) -> Vec<u8> {
    crafted_bytes(lines.as_bytes())
}

fn crafted_bytes(lines: &[u8]) -> Vec<u8> {
    let mut bytes = b"TRAILMASK PARTIAL 9\n".to_vec();
    bytes.extend(gzip(lines));
    bytes
}

/// An activity partial of `mib` MiB of the same short line after its header: it compresses
/// about a thousand to one.
fn bomb(mib: usize) -> Vec<u8> {
    // Made under `--max-file-size 4M`, which a partial may always inflate to (as a log may).
    let header = ACTIVITY_HEADER.replace("1073741824", "4194304");
    let mut text = format!("{header}\n").into_bytes();
    let line = b"{\"skipped\":\"digest\"}\n";
    for _ in 0..(mib << 20) / line.len() {
        text.extend_from_slice(line);
    }
    crafted_bytes(&text)
}

const ACTIVITY_HEADER: &str = r#"{"header":{"version":9,"written_by":"test","command":"activity","interest":"activity","calls":{"since":null,"until":null,"outcome":"all","timeline":false},"days":[null,null],"max_file_size":1073741824}}"#;

#[test]
fn damaged_and_hostile_partials_are_one_error_line_each_and_the_rest_is_read() {
    let dir = Dir::new();
    let repo = repo();
    let logs = repo.join("sample-logs").to_string_lossy().into_owned();
    let made = partial(dir.root.path(), &["activity"], &[&logs], "good.part");
    assert_eq!(made.status.code(), Some(0));
    let good = std::fs::read(dir.path("good.part")).unwrap();
    dir.write("cut.part", &good[..good.len() - 40]);
    let session = r#"{"session":{"arn":"arn:aws:sts::1:assumed-role/R/s","access_key":"ASIA1","created":"","issuer":"","first":null,"last":null,"addresses":[],"addresses_dropped":false,"accounts":[],"accounts_dropped":false}}"#;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "no-end.part",
            crafted(&format!("{ACTIVITY_HEADER}\n")),
            "a partial cut short (no end line)",
        ),
        (
            "index.part",
            crafted(&format!(
                "{ACTIVITY_HEADER}\n{session}\n{{\"call\":[\"id\\u00001.2.3.4\",7,0,5,0,0]}}\n{{\"end\":{{\"files\":0,\"calls\":1}}}}\n"
            )),
            "damaged partial: a call names a session, action or log file not stored",
        ),
        (
            "address.part",
            crafted(&format!(
                "{ACTIVITY_HEADER}\n{{\"name\":[\"s3.amazonaws.com\",\"GetObject\"]}}\n{session}\n{{\"log\":\"x\"}}\n{{\"call\":[\"é\",1,0,0,0,0]}}\n{{\"end\":{{\"files\":0,\"calls\":1}}}}\n"
            )),
            "damaged partial: a call's address is not the end of its identity",
        ),
        (
            "count.part",
            crafted(&format!(
                "{ACTIVITY_HEADER}\n{{\"end\":{{\"files\":3,\"calls\":0}}}}\n"
            )),
            "its end line counts 3 files and 0 calls, it holds 0 and 0",
        ),
        (
            "version.part",
            crafted(&ACTIVITY_HEADER.replace("\"version\":9", "\"version\":10")),
            "a partial of format version 10 (this trailmask reads version 9)",
        ),
        // Session 31 (a red-team's): counts that add up past a count (they wrapped), and an
        // error line that does not name its file (a partial could print any line).
        (
            "copies.part",
            crafted(&format!(
                "{ACTIVITY_HEADER}\n{{\"log\":\"a\"}}\n{{\"copies\":18446744073709551615}}\n{{\"log\":\"b\"}}\n{{\"copies\":1}}\n{{\"end\":{{\"files\":0,\"calls\":0}}}}\n"
            )),
            "damaged partial: more copies of calls dropped (18446744073709551615) than its \
             files hold records (0)",
        ),
        // Session 40 (a red-team's): a count of copies is no more than the files' records.
        (
            "forged-copies.part",
            crafted(&format!(
                "{ACTIVITY_HEADER}\n{{\"log\":\"a\"}}\n{{\"copies\":2}}\n{{\"end\":{{\"files\":0,\"calls\":0}}}}\n"
            )),
            "damaged partial: more copies of calls dropped (2) than its files hold records (0)",
        ),
        (
            "forged.part",
            crafted(&format!(
                "{ACTIVITY_HEADER}\n{{\"failed\":{{\"path\":\"a\",\"message\":\"0 files read\"}}}}\n{{\"end\":{{\"files\":0,\"calls\":0}}}}\n"
            )),
            "damaged partial: the error recorded for a does not name it",
        ),
        (
            "garbage.part",
            crafted("not json\n"),
            "damaged partial: expected",
        ),
        (
            "notgzip.part",
            b"TRAILMASK PARTIAL 9\nplain text".to_vec(),
            "damaged partial: invalid gzip header",
        ),
        (
            "older.part",
            b"TRAILMASK PARTIAL 1\n".to_vec(),
            "a partial of another format version (its first line: TRAILMASK PARTIAL 1; this \
             trailmask reads version 9)",
        ),
        // Session 33 (a red-team's): cut within its first line, it was said to be of another
        // version, this one; gzipped again for storage, it was said to be no JSON.
        (
            "firstline.part",
            b"TRAILMASK PARTIAL 9".to_vec(),
            "a partial result cut short within its first line",
        ),
        (
            "again.part",
            gzip(&good),
            "not JSON (it begins with `TRAILMASK PARTIAL 9`); a partial result compressed \
             again? give it as `trailmask partial` wrote it (gunzip it)",
        ),
    ];
    for (name, bytes, _) in &cases {
        dir.write(name, bytes);
    }
    let mut args = vec!["activity", "-q", "good.part", "cut.part"];
    args.extend(cases.iter().map(|(name, _, _)| *name));
    let output = run_in(dir.root.path(), &args, None);
    assert_eq!(output.status.code(), Some(1));
    let lines = stderr(&output);
    // One line each, cut.part's, and the closing line.
    assert_eq!(lines.lines().count(), cases.len() + 2, "{lines}");
    for (name, _, what) in &cases {
        let line = lines
            .lines()
            .find(|line| line.starts_with(&format!("trailmask: {name}: ")))
            .unwrap_or_else(|| panic!("no line for {name}: {lines}"));
        assert!(line.contains(what), "{name}: {line}");
    }
    assert!(lines.contains("trailmask: cut.part: "), "{lines}");
    // The good partial was read: the same rows as the logs.
    let direct = run(&["activity", "-q", "sample-logs/"]);
    assert_eq!(stdout(&output), stdout(&direct));
}

/// A red-team's case (session 40): a log that repeats one record 20,000 times made a partial
/// that inflates more than 64 times its size, which its merge refused; a partial may inflate
/// as far as a log may.
#[test]
fn a_partial_of_one_record_repeated_merges_as_its_log_reads() {
    let dir = Dir::new();
    let record = r#"{"eventSource":"sts.amazonaws.com","eventName":"AssumeRole","eventTime":"2020-12-20T09:00:00Z","eventID":"a","requestParameters":{"roleArn":"arn:aws:iam::2:role/R","roleSessionName":"s"},"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/u","accountId":"1"}}"#;
    dir.write_gz(
        "logs/repeated.json.gz",
        &format!(r#"{{"Records":[{}]}}"#, vec![record; 20_000].join(",")),
    );
    let made = partial(dir.root.path(), &["events"], &["logs"], "repeated.part");
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    let size = std::fs::metadata(dir.path("repeated.part")).unwrap().len();
    let direct = run_in(dir.root.path(), &["events", "logs"], None);
    let merged = run_in(dir.root.path(), &["events", "repeated.part"], None);
    assert_eq!(merged.status.code(), Some(0), "{}", stderr(&merged));
    assert_eq!(stdout(&merged), stdout(&direct));
    assert_eq!(stderr(&merged), stderr(&direct));
    assert_eq!(
        stderr(&merged),
        "trailmask: 1 file read, 0 skipped, 0 failed; 1 role assumption\n"
    );
    // Past its first line it is gzip, which inflates past 64 times the partial's size.
    let bytes = std::fs::read(dir.path("repeated.part")).unwrap();
    let body = &bytes[bytes.iter().position(|&b| b == b'\n').unwrap() + 1..];
    let mut inflated = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(body), &mut inflated)
        .unwrap();
    assert!(
        size * 64 < inflated.len() as u64,
        "the partial, {size} bytes, inflates to {}",
        inflated.len()
    );
}

#[test]
fn a_partial_that_inflates_like_a_bomb_is_refused_in_linear_time() {
    let dir = Dir::new();
    // 64 MiB of the same line compress a thousand to one: past 64 times the partial's size,
    // and past --max-file-size.
    dir.write("bomb.part", &bomb(64));
    let output = crate::harness::run_limited_cpu(
        dir.root.path(),
        512 * 1024,
        Some(20),
        &["activity", "-q", "--max-file-size", "4M", "bomb.part"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("bomb.part: a partial that inflates past"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn list_writes_the_inputs_and_a_listing_stands_for_them() {
    let dir = Dir::new();
    dir.write_gz(
        "AWSLogs/1/CloudTrail/us-east-1/2024/01/01/a.json.gz",
        "{\"Records\":[]}",
    );
    dir.write_gz(
        "AWSLogs/1/CloudTrail/us-east-1/2024/01/09/b.json.gz",
        "{\"Records\":[]}",
    );
    dir.write_gz(
        "AWSLogs/1/CloudTrail-Digest/us-east-1/2024/01/01/d.json.gz",
        "{}",
    );
    dir.write("AWSLogs/notes.txt", b"x");
    let output = run_in(
        dir.root.path(),
        &["list", "--until", "2024-01-05", "AWSLogs"],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    let size = std::fs::metadata(dir.path("AWSLogs/1/CloudTrail/us-east-1/2024/01/01/a.json.gz"))
        .unwrap()
        .len();
    let digest =
        std::fs::metadata(dir.path("AWSLogs/1/CloudTrail-Digest/us-east-1/2024/01/01/d.json.gz"))
            .unwrap()
            .len();
    assert_eq!(
        stdout(&output),
        format!(
            "TRAILMASK LISTING 1\n\
             {{\"window\":{{\"until\":\"2024-01-05T23:59:59.999999999Z\"}}}}\n\
             {{\"root\":{{\"path\":\"AWSLogs\"}}}}\n\
             {{\"input\":{{\"path\":\"AWSLogs/1/CloudTrail/us-east-1/2024/01/01/a.json.gz\",\"size\":{size}}}}}\n\
             {{\"input\":{{\"path\":\"AWSLogs/1/CloudTrail/us-east-1/2024/01/09\",\"size\":0,\"skip\":\"date folders outside --since/--until\"}}}}\n\
             {{\"input\":{{\"path\":\"AWSLogs/1/CloudTrail-Digest/us-east-1/2024/01/01/d.json.gz\",\"size\":{digest},\"skip\":\"digest\"}}}}\n\
             {{\"input\":{{\"path\":\"AWSLogs/notes.txt\",\"size\":1,\"skip\":\"not a log file name\"}}}}\n"
        )
    );
    // Standard input cannot be listed (it was left out without a word).
    let stdin = run_in(dir.root.path(), &["list", "AWSLogs", "-"], Some(b""));
    assert_eq!(
        (
            stderr(&stdin).as_str(),
            stdin.status.code(),
            stdout(&stdin).as_str()
        ),
        (
            "trailmask: error: standard input (-) cannot be listed: a listing names files and \
             objects to read again\n",
            Some(2),
            ""
        )
    );
    // Old listings' entries passed over without a path are still read.
    dir.write(
        "old.listing",
        format!(
            "TRAILMASK LISTING 1\n\
             {{\"input\":{{\"path\":\"AWSLogs/1/CloudTrail/us-east-1/2024/01/01/a.json.gz\",\"size\":{size}}}}}\n\
             {{\"skipped\":\"not a log file name\"}}\n"
        )
        .as_bytes(),
    );
    let old = run_in(dir.root.path(), &["summary", "old.listing"], None);
    assert!(
        stdout(&old)
            .starts_with("files read        1\nfiles skipped     1 (not a log file name 1)\n"),
        "{}",
        stdout(&old)
    );
    dir.write("all.listing", &output.stdout);
    let from_listing = run_in(dir.root.path(), &["summary", "all.listing"], None);
    let direct = run_in(
        dir.root.path(),
        &["summary", "--until", "2024-01-05", "AWSLogs"],
        None,
    );
    // The listing's window is the reading's, and said.
    let (direct_out, direct_err, direct_status) = outcome(&direct);
    assert_eq!(
        outcome(&from_listing),
        (
            direct_out,
            format!(
                "trailmask: all.listing was listed with --until 2024-01-05T23:59:59.999999999Z: \
                 reading that window\n{direct_err}"
            ),
            direct_status
        )
    );
    dir.write(
        "bad.listing",
        b"TRAILMASK LISTING 1\n{\"input\":{\"path\":7}}\n",
    );
    let bad = run_in(dir.root.path(), &["events", "bad.listing", "-q"], None);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).starts_with(
            "trailmask: bad.listing: damaged listing: line 2: invalid type: integer `7`"
        ),
        "{}",
        stderr(&bad)
    );

    // Session 31 (a red-team's): a line is held only up to a bound (one line of gigabytes
    // aborted the run), and a listed error must name its path (a listing could print any line).
    let mut long = b"TRAILMASK LISTING 1\n{\"input\":{\"path\":\"".to_vec();
    long.resize(long.len() + (1 << 20) + 10, b'x');
    dir.write("long.listing", &long);
    let long = run_in(dir.root.path(), &["summary", "-q", "long.listing"], None);
    assert_eq!(
        (stderr(&long).lines().next(), long.status.code()),
        (
            Some(
                "trailmask: long.listing: damaged listing: line 2: a line longer than 1048576 bytes"
            ),
            Some(1)
        )
    );
    dir.write(
        "forged.listing",
        b"TRAILMASK LISTING 1\n{\"failed\":{\"path\":\"a\",\"message\":\"0 files read\"}}\n",
    );
    let forged = run_in(dir.root.path(), &["summary", "-q", "forged.listing"], None);
    assert_eq!(
        (stderr(&forged).lines().next(), forged.status.code()),
        (
            Some(
                "trailmask: forged.listing: damaged listing: line 2: the error recorded for a does not name it"
            ),
            Some(1)
        )
    );

    // A listed size that is not the file's (a stale or crafted listing) is not what the file
    // is known by: a partial made through it merges with the logs as the logs themselves.
    let stale = stdout(&output).replace(
        &format!("\"size\":{size}"),
        &format!("\"size\":{}", size + 7),
    );
    dir.write("stale.listing", stale.as_bytes());
    let made = partial(
        dir.root.path(),
        &["summary"],
        &["stale.listing"],
        "stale.part",
    );
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    let merged = run_in(
        dir.root.path(),
        &["summary", "stale.part", "all.listing"],
        None,
    );
    assert_eq!(outcome(&merged), outcome(&from_listing));
}

/// A review's (session 35): the window a command takes from a listing is its `--to`'s too:
/// a chain that reached the role only after the window did not reach it (with the listing's
/// window taken for the filters alone, alice's hop was listed as reaching B, whose hop came
/// the day after the window, in a date folder the listing holds for the slack).
#[test]
fn a_listing_s_window_is_the_focus_s_too() {
    let dir = Dir::new();
    let at = dir.root.path();
    let to_a = assume_on("2024-01-05", "a");
    let to_b = r#"{"eventVersion":"1.08","eventTime":"2024-01-07T00:30:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","userIdentity":{"type":"AssumedRole","principalId":"AROAA:sa","arn":"arn:aws:sts::111111111111:assumed-role/Ra/sa","accountId":"111111111111","accessKeyId":"ASIAa","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAA","arn":"arn:aws:iam::111111111111:role/Ra","accountId":"111111111111","userName":"Ra"},"attributes":{"creationDate":"2024-01-05T10:00:00Z","mfaAuthenticated":"false"}}},"requestParameters":{"roleArn":"arn:aws:iam::111111111111:role/Rb","roleSessionName":"sb"},"responseElements":{"credentials":{"accessKeyId":"ASIAb"}},"eventID":"b","recipientAccountId":"111111111111"}"#.to_owned();
    for (day, record) in [("05", to_a), ("07", to_b)] {
        dir.write_gz(
            &format!("AWSLogs/1/CloudTrail/us-east-1/2024/01/{day}/{day}.json.gz"),
            &format!(r#"{{"Records":[{record}]}}"#),
        );
    }
    let listed = run_in(at, &["list", "--until", "2024-01-06", "AWSLogs"], None);
    dir.write("until.listing", &listed.stdout);
    let to_b = ["events", "-q", "--to", "*:role/Rb"];
    let direct = run_in(
        at,
        &[&to_b[..], &["--until", "2024-01-06", "AWSLogs"]].concat(),
        None,
    );
    let through = run_in(at, &[&to_b[..], &["until.listing"]].concat(), None);
    assert_eq!(
        outcome(&through),
        noted(
            outcome(&direct),
            "until.listing",
            "--until 2024-01-06T23:59:59.999999999Z"
        )
    );
    assert_eq!(stdout(&direct).lines().count(), 1, "{}", stdout(&direct));
    // Over the whole trail, alice's hop reached B.
    let whole = run_in(at, &[&to_b[..], &["AWSLogs"]].concat(), None);
    assert_eq!(stdout(&whole).lines().count(), 3, "{}", stdout(&whole));
}

/// A file whose name is not UTF-8 is named by its bytes in a listing (session 34's leftover:
/// it was written with a replacement character, so a run over the listing could not open it).
#[test]
fn a_file_name_that_is_not_utf8_is_listed_by_its_bytes() {
    use std::os::unix::ffi::OsStrExt;
    let dir = Dir::new();
    let at = dir.root.path();
    std::fs::create_dir_all(at.join("logs")).unwrap();
    std::fs::write(
        at.join(std::ffi::OsStr::from_bytes(b"logs/caf\xe9.json")),
        format!(r#"{{"Records":[{}]}}"#, assume_on("2024-01-05", "a")),
    )
    .unwrap();
    let listed = run_in(at, &["list", "logs"], None);
    assert_eq!(listed.status.code(), Some(0));
    let size = std::fs::metadata(at.join(std::ffi::OsStr::from_bytes(b"logs/caf\xe9.json")))
        .unwrap()
        .len();
    assert_eq!(
        stdout(&listed),
        format!(
            "TRAILMASK LISTING 1\n\
             {{\"root\":{{\"path\":\"logs\"}}}}\n\
             {{\"input\":{{\"path_bytes\":[108,111,103,115,47,99,97,102,233,46,106,115,111,110],\"size\":{size}}}}}\n"
        )
    );
    dir.write("logs.listing", &listed.stdout);
    let direct = run_in(at, &["events", "logs"], None);
    let through = run_in(at, &["events", "logs.listing"], None);
    assert_eq!(outcome(&through), outcome(&direct));
    assert_eq!(csv_rows(&stdout(&direct)).len(), 2);
    // Neither or both of the two is damage.
    dir.write(
        "neither.listing",
        b"TRAILMASK LISTING 1\n{\"input\":{\"size\":1}}\n",
    );
    let neither = run_in(at, &["events", "neither.listing", "-q"], None);
    assert_eq!(
        stderr(&neither).lines().next(),
        Some(
            "trailmask: neither.listing: damaged listing: line 2: an entry that names no path, or two"
        )
    );
}

/// Session 34's leftover: a listing made with `--since`/`--until` holds none of the date
/// folders outside its window, and did not say so: read without a window (or a partial made
/// from it), it gave a part of the trail as if it were the whole. It now carries its window:
/// a command given none reads within it (and says so), one given a window reaching outside
/// it is refused, as are listings of different windows.
#[test]
fn a_listing_is_read_within_the_window_it_was_listed_for() {
    let dir = Dir::new();
    three_days(&dir);
    let at = dir.root.path();
    let listed = run_in(at, &["list", "--since", "2024-01-05", "AWSLogs"], None);
    assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
    assert_eq!(
        stdout(&listed).lines().nth(1),
        Some(r#"{"window":{"since":"2024-01-05T00:00:00Z"}}"#)
    );
    dir.write("since.listing", &listed.stdout);
    let direct = run_in(
        at,
        &["events", "--since", "2024-01-05", "AWSLogs", "-q"],
        None,
    );
    assert_eq!(direct.status.code(), Some(0));
    assert_eq!(
        csv_rows(&stdout(&direct))
            .iter()
            .map(|row| row[0].clone())
            .collect::<Vec<_>>(),
        ["event_time", "2024-01-05T10:00:00Z", "2024-01-09T10:00:00Z"]
    );
    // Without a window: the listing's, said.
    let taken = run_in(at, &["events", "since.listing"], None);
    assert_eq!(
        (stdout(&taken), taken.status.code()),
        (stdout(&direct), Some(0))
    );
    assert!(
        stderr(&taken).starts_with(
            "trailmask: since.listing was listed with --since 2024-01-05T00:00:00Z: reading \
             that window\n"
        ),
        "{}",
        stderr(&taken)
    );
    // -q says it too: it says what the output covers (an auditor's, session 39: a script
    // could not tell that a window was taken).
    let quiet = run_in(at, &["events", "since.listing", "-q"], None);
    assert_eq!(
        (stdout(&quiet), stderr(&quiet)),
        (
            stdout(&direct),
            "trailmask: since.listing was listed with --since 2024-01-05T00:00:00Z: reading \
             that window\n"
                .to_owned()
        )
    );
    // Within it: read as the logs are, the listed files of date folders outside the narrower
    // window left unread as the walk leaves them (the folder counted once), here and in a
    // listing made with no window.
    let whole = run_in(at, &["list", "AWSLogs"], None);
    dir.write("whole.listing", &whole.stdout);
    let within_direct = run_in(at, &["summary", "--since", "2024-01-09", "AWSLogs"], None);
    assert_eq!(
        stderr(&within_direct),
        "trailmask: 1 file read, 0 skipped, 0 failed, 2 date folders outside the window; 1 \
         role assumption\n"
    );
    for listing in ["since.listing", "whole.listing"] {
        let within = run_in(at, &["summary", "--since", "2024-01-09", listing], None);
        assert_eq!(outcome(&within), outcome(&within_direct), "{listing}");
    }
    // A review (session 36): a listing made from below the region's folder (a month, a day, a
    // file named) passes over only what the walk from there passes over: never its root, nor
    // what the root lies in (the day's folder was counted passed over, its file unread).
    let month = "AWSLogs/1/CloudTrail/us-east-1/2024/01";
    for root in [
        month.to_owned(),
        format!("{month}/05"),
        format!("{month}/05/"),
        format!("{month}/05/b.json.gz"),
    ] {
        let listed = run_in(at, &["list", &root], None);
        dir.write("root.listing", &listed.stdout);
        for since in ["2024-01-06", "2024-01-09"] {
            let direct = run_in(at, &["summary", "--since", since, &root], None);
            let read = run_in(at, &["summary", "--since", since, "root.listing"], None);
            assert_eq!(outcome(&read), outcome(&direct), "{root} {since}");
        }
    }
    // Reaching outside it: refused, nothing read.
    let outside = run_in(
        at,
        &["events", "--since", "2024-01-01", "since.listing"],
        None,
    );
    assert_eq!(
        (stdout(&outside), stderr(&outside), outside.status.code()),
        (
            String::new(),
            "trailmask: error: since.listing was listed with --since 2024-01-05T00:00:00Z: the \
             date folders outside that window are not in it; give a window within it, or list \
             the logs again\n"
                .to_owned(),
            Some(2)
        )
    );
    let history = run_in(
        at,
        &[
            "findings",
            "--baseline-until",
            "2024-01-06",
            "since.listing",
            "-q",
        ],
        None,
    );
    assert_eq!(history.status.code(), Some(2));
    assert!(
        stderr(&history).contains(
            "(findings --baseline-until reads every date folder before --since: list without \
             --since for it)"
        ),
        "{}",
        stderr(&history)
    );
    // A partial made from it without a window holds that window: merged without one it is
    // refused (it held the whole trail's name and a part of it), with it it is the direct run.
    partial(at, &["events"], &["since.listing"], "since.part");
    let unwindowed = run_in(at, &["events", "since.part", "-q"], None);
    assert_eq!(unwindowed.status.code(), Some(1));
    assert!(
        stderr(&unwindowed).contains(
            "since.part: a partial made to read only the date folders of 2024-01-04 to (any)"
        ),
        "{}",
        stderr(&unwindowed)
    );
    let merged = run_in(
        at,
        &["events", "--since", "2024-01-05", "since.part", "-q"],
        None,
    );
    assert_eq!(outcome(&merged), outcome(&direct));
    // Listings of two windows, and none given: which to read is the user's to say.
    let until = run_in(at, &["list", "--until", "2024-01-05", "AWSLogs"], None);
    dir.write("until.listing", &until.stdout);
    let two = run_in(at, &["events", "since.listing", "until.listing"], None);
    assert_eq!(
        (stderr(&two), two.status.code()),
        (
            "trailmask: error: since.listing was listed with --since 2024-01-05T00:00:00Z and \
             until.listing with --until 2024-01-05T23:59:59.999999999Z: give --since/--until \
             (within both)\n"
                .to_owned(),
            Some(2)
        )
    );
    // A listing without a window beside one with: the user's to say which window.
    let plain = run_in(at, &["list", "AWSLogs"], None);
    dir.write("plain.listing", &plain.stdout);
    let mixed = run_in(at, &["events", "since.listing", "plain.listing"], None);
    assert_eq!(
        (stderr(&mixed), mixed.status.code()),
        (
            "trailmask: error: since.listing was listed with --since 2024-01-05T00:00:00Z and \
             plain.listing with no window: give --since/--until (within both)\n"
                .to_owned(),
            Some(2)
        )
    );
    // A window line after blank lines is still the listing's first line.
    let blank = stdout(&listed).replacen("\n", "\n\n \n", 1);
    dir.write("blank.listing", blank.as_bytes());
    let blank = run_in(at, &["events", "blank.listing", "-q"], None);
    assert_eq!(
        outcome(&blank),
        noted(
            outcome(&direct),
            "blank.listing",
            "--since 2024-01-05T00:00:00Z"
        )
    );
    let both = run_in(
        at,
        &[
            "events",
            "--since",
            "2024-01-05",
            "--until",
            "2024-01-05",
            "since.listing",
            "until.listing",
            "-q",
        ],
        None,
    );
    assert_eq!(both.status.code(), Some(0), "{}", stderr(&both));
    // A listing listed again keeps its window.
    let again = run_in(at, &["list", "since.listing"], None);
    assert_eq!(stdout(&again), stdout(&listed));
    // A window line anywhere but first is damage.
    let text = stdout(&listed);
    let mut lines: Vec<&str> = text.lines().collect();
    lines.swap(1, 2);
    let moved = lines.join("\n") + "\n";
    // Session 35's red-team: a window that bounds nothing, or that holds no time, is damage
    // (each was read: the first as no window, the second as an empty trail, status 0), and
    // `list` refuses a window it could not write so as to read it back.
    for (name, window) in [
        ("null", r#"{"window":{"since":null,"until":null}}"#),
        ("empty", r#"{"window":{}}"#),
        (
            "inverted",
            r#"{"window":{"since":"2024-01-09T00:00:00Z","until":"2024-01-05T00:00:00Z"}}"#,
        ),
        // A bound it does not know (session 35's leftover: it was passed over).
        (
            "unknown",
            r#"{"window":{"since":"2024-01-05T00:00:00Z","account":"1"}}"#,
        ),
    ] {
        let text =
            stdout(&listed).replacen(r#"{"window":{"since":"2024-01-05T00:00:00Z"}}"#, window, 1);
        dir.write(&format!("{name}.listing"), text.as_bytes());
        let read = run_in(at, &["events", &format!("{name}.listing"), "-q"], None);
        let why = match name {
            "inverted" => "line 2: a window whose since is after its until",
            // Its column within the line (session 36's review: serde said line 1 of each).
            "unknown" => "line 2: unknown field `account`, expected `since` or `until` (column 51)",
            _ => "line 2: a window that bounds nothing",
        };
        assert_eq!(
            (stderr(&read), read.status.code()),
            (
                format!(
                    "trailmask: {name}.listing: damaged listing: {why}\n\
                     trailmask: 0 files read, 0 skipped, 1 failed; 0 role assumptions\n"
                ),
                Some(1)
            )
        );
    }
    let ancient = run_in(at, &["list", "--since", "999999d", "AWSLogs"], None);
    assert_eq!(
        (stdout(&ancient), stderr(&ancient), ancient.status.code()),
        (
            String::new(),
            "trailmask: error: --since/--until name a time outside the years 0 to 9999, \
             which a listing cannot hold: give another time, or none\n"
                .to_owned(),
            Some(2)
        )
    );
    dir.write("moved.listing", moved.as_bytes());
    let damaged = run_in(at, &["events", "moved.listing", "-q"], None);
    assert_eq!(damaged.status.code(), Some(1));
    assert!(
        stderr(&damaged).starts_with(
            "trailmask: moved.listing: damaged listing: line 3: a window line after the first line"
        ),
        "{}",
        stderr(&damaged)
    );
}

/// Review of issue 25 (1): partials of two standard inputs, or of files of the same relative
/// path in two folders, are different files: none is dropped.
#[test]
fn partials_of_two_stdins_or_two_folders_keep_both() {
    let dir = Dir::new();
    let logs = repo().join("sample-logs/AWSLogs/o-a1b2c3d4e5");
    let a = logs.join("444444444444/CloudTrail/us-east-1/2020/12/21/444444444444_CloudTrail_us-east-1_20201221T1505Z_USXJKST2AVF4DZO7.json.gz");
    let b = logs.join("333333333333/CloudTrail/us-east-1/2020/12/21/333333333333_CloudTrail_us-east-1_20201221T1405Z_OWFILWNTWZK5ZLM2.json.gz");
    for (n, file) in [&a, &b].iter().enumerate() {
        let bytes = std::fs::read(file).unwrap();
        let output = run_in(
            dir.root.path(),
            &[
                "partial",
                "events",
                "-q",
                "-",
                "-o",
                &format!("stdin{n}.part"),
            ],
            Some(&bytes),
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        dir.write(&format!("d{n}/trail.json.gz"), &bytes);
        let output = run_in(
            &dir.path(&format!("d{n}")),
            &[
                "partial",
                "events",
                "-q",
                "trail.json.gz",
                "-o",
                "../folder.part",
            ],
            None,
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        std::fs::rename(
            dir.path("folder.part"),
            dir.path(&format!("folder{n}.part")),
        )
        .unwrap();
    }
    let direct = run(&["events", "-q", a.to_str().unwrap(), b.to_str().unwrap()]);
    let rows = |output: &Output| stdout(output).lines().count();
    assert_eq!(rows(&direct), 5, "a header and four role assumptions");
    for parts in [
        ["stdin0.part", "stdin1.part"],
        ["folder0.part", "folder1.part"],
    ] {
        let merged = run_in(dir.root.path(), &["events", "-q", parts[0], parts[1]], None);
        assert_eq!(rows(&merged), 5, "{parts:?}: {}", stdout(&merged));
    }
}

/// Review of issue 25 (2): a file in two partials is read once, its calls too: the closing
/// line counts no copies the direct run does not, and the partial of both is the direct one.
#[test]
fn a_file_in_two_overlapping_partials_counts_once() {
    let work = Dir::new();
    let listing = stdout(&run(&["list", "sample-logs/"]));
    let lines: Vec<&str> = listing.lines().collect();
    let half = lines.len() / 2;
    let first = format!("{}\n", lines[..half + 4].join("\n"));
    let second = format!("{}\n{}\n", lines[0], lines[half..].join("\n"));
    let (a, b) = (
        work.write("a.listing", first.as_bytes()),
        work.write("b.listing", second.as_bytes()),
    );
    let (pa, pb, pab, whole) = (
        work.path("a.part"),
        work.path("b.part"),
        work.path("ab.part"),
        work.path("whole.part"),
    );
    let s = |p: &std::path::PathBuf| p.to_string_lossy().into_owned();
    for command in [&["activity", "--calls"][..], &["events"][..]] {
        partial(&repo(), command, &[&s(&a)], &s(&pa));
        partial(&repo(), command, &[&s(&b)], &s(&pb));
        let direct = run(&args_with(command, &["sample-logs/".into()]));
        let merged = run(&args_with(command, &[s(&pa), s(&pb)]));
        assert_eq!(outcome(&merged), outcome(&direct), "{command:?}");
        partial(&repo(), command, &[&s(&pa), &s(&pb)], &s(&pab));
        partial(&repo(), command, &["sample-logs/"], &s(&whole));
        assert_eq!(
            std::fs::read(&pab).unwrap(),
            std::fs::read(&whole).unwrap(),
            "{command:?}"
        );
    }
}

/// Review of issue 25 (3, 5, 9): a partial read with another --max-file-size, an activity
/// partial without its window, and one read with an age are refused, saying why.
#[test]
fn a_partial_read_with_another_limit_or_an_age_is_refused() {
    let dir = Dir::new();
    let logs = repo().join("sample-logs").to_string_lossy().into_owned();
    partial(dir.root.path(), &["events"], &[&logs], "events.part");
    let limit = run_in(
        dir.root.path(),
        &["events", "-q", "--max-file-size", "20K", "events.part"],
        None,
    );
    assert_eq!(limit.status.code(), Some(1));
    assert!(
        stderr(&limit).starts_with(
            "trailmask: events.part: a partial read with --max-file-size 1073741824 (bytes)"
        ),
        "{}",
        stderr(&limit)
    );
    partial(
        dir.root.path(),
        &["activity", "--since", "3000d"],
        &[&logs],
        "age.part",
    );
    std::thread::sleep(std::time::Duration::from_millis(10));
    let age = run_in(
        dir.root.path(),
        &["activity", "-q", "--since", "3000d", "age.part"],
        None,
    );
    assert!(
        stderr(&age).contains("(an age such as 7d is a different time at each run"),
        "{}",
        stderr(&age)
    );
    let header = ACTIVITY_HEADER.replace(
        r#""calls":{"since":null,"until":null,"outcome":"all","timeline":false},"#,
        "",
    );
    dir.write(
        "nocalls.part",
        &crafted(&format!(
            "{header}\n{{\"end\":{{\"files\":0,\"calls\":0}}}}\n"
        )),
    );
    let nocalls = run_in(
        dir.root.path(),
        &["activity", "-q", "--calls", "nocalls.part"],
        None,
    );
    assert!(
        stderr(&nocalls).contains(
            "nocalls.part: damaged partial: activity without the window its calls were counted in"
        ),
        "{}",
        stderr(&nocalls)
    );
    // Counts no file read within the limit can hold (they are summed over every input).
    let file = r#"{"file":{"path":"x","input":"file","size":1,"status":"read","records":18446744073709551615,"bytes_read":1,"bytes_json":2}}"#;
    dir.write(
        "counts.part",
        &crafted(&format!(
            "{ACTIVITY_HEADER}\n{file}\n{{\"end\":{{\"files\":1,\"calls\":0}}}}\n"
        )),
    );
    let counts = run_in(dir.root.path(), &["activity", "-q", "counts.part"], None);
    assert!(
        stderr(&counts).contains(
            "counts.part: damaged partial: x holds 18446744073709551615 records in 2 bytes"
        ),
        "{}",
        stderr(&counts)
    );
}

/// Review of issue 25 (6, 7, 8): a listing cannot lift a partial's inflation cap, a pipe it
/// names is skipped (not waited on), and -o cannot write over it.
#[test]
fn a_listing_cannot_lift_a_cap_wait_on_a_pipe_or_be_overwritten() {
    let dir = Dir::new();
    dir.write("bomb.part", &bomb(8));
    dir.write(
        "lying.listing",
        b"TRAILMASK LISTING 1\n{\"input\":{\"path\":\"bomb.part\",\"size\":1000000000000}}\n",
    );
    let lying = run_in(
        dir.root.path(),
        &["activity", "-q", "--max-file-size", "4M", "lying.listing"],
        None,
    );
    assert!(
        stderr(&lying).contains("bomb.part: a partial that inflates past"),
        "{}",
        stderr(&lying)
    );
    let fifo = dir.path("pipe.json");
    crate::harness::mkfifo(&fifo);
    dir.write(
        "pipe.listing",
        b"TRAILMASK LISTING 1\n{\"input\":{\"path\":\"pipe.json\",\"size\":0}}\n",
    );
    // Waiting on the pipe takes no CPU: a wall-clock timeout ends it.
    let piped = assert_cmd::Command::cargo_bin("trailmask")
        .unwrap()
        .current_dir(dir.root.path())
        .args(["summary", "--format", "json", "pipe.listing"])
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(piped.status.code(), Some(0), "{}", stderr(&piped));
    assert!(
        stdout(&piped).contains(r#""not a regular file": 1"#),
        "{}",
        stdout(&piped)
    );
    let listing = run(&["list", "sample-logs/"]);
    dir.write("m.listing", &listing.stdout);
    let over = run_in(
        dir.root.path(),
        &["events", "m.listing", "-o", "m.listing"],
        None,
    );
    assert_eq!(over.status.code(), Some(2), "{}", stderr(&over));
    assert_eq!(
        std::fs::read(dir.path("m.listing")).unwrap(),
        listing.stdout
    );
}

/// Review (session 20): a record a partial kept, edited into something that is not JSON, was
/// dropped in silence (and broke the others kept of its file with it): it is left out and
/// said, as a malformed record of its log, and the rest is read.
#[test]
fn a_kept_record_that_is_no_longer_json_is_said_and_the_rest_read() {
    use std::io::Read;
    let dir = Dir::new();
    let logs = repo().join("sample-logs").to_string_lossy().into_owned();
    partial(dir.root.path(), &["events"], &[&logs], "good.part");
    let good = std::fs::read(dir.path("good.part")).unwrap();
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(&good[b"TRAILMASK PARTIAL 9\n".len()..])
        .read_to_string(&mut text)
        .unwrap();
    let edited = text.replacen(r#""kept":["{"#, r#""kept":["{broken"#, 1);
    assert_ne!(edited, text);
    dir.write("bad.part", &crafted(&edited));
    let direct = run(&["events", "-q", "sample-logs/"]);
    let output = run_in(dir.root.path(), &["events", "-q", "bad.part"], None);
    assert_eq!(output.status.code(), Some(1));
    let said = stderr(&output);
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].ends_with(
            ": 1 malformed record(s) left out, first: kept in a partial result: key must be a \
             string at line 1 column 2"
        ),
        "{}",
        lines[0]
    );
    // One event fewer than the logs give, the others all there.
    let ids = |output: &Output| -> Vec<String> {
        let rows = crate::harness::csv_rows(&stdout(output));
        let at = rows[0].iter().position(|c| c == "event_id").unwrap();
        let mut ids: Vec<String> = rows[1..].iter().map(|row| row[at].clone()).collect();
        ids.sort();
        ids
    };
    let (all, left) = (ids(&direct), ids(&output));
    assert_eq!(left.len() + 1, all.len());
    assert!(left.iter().all(|id| all.contains(id)), "{left:?}");
}
