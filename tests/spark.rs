//! spark/trailmask_spark.py under Spark in local mode: its stdout is the bytes of the direct
//! command, its trailmask stderr lines and exit status the same, on sample-logs, on a trail
//! with a damaged file and on a generated organization of 100,000 records. Skipped (with a
//! note) where `spark-submit` is not installed; CI installs PyPI's pyspark (and fails
//! without it). The table of options that take a value, which the script needs to tell
//! options from paths, is checked against the CLI without Spark.

use crate::harness::*;
use clap::CommandFactory;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

// The organization generator, compiled in as tests/organization.rs does (whose copy is private
// to it, and made for its default size).
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "../examples/generate/org.rs"]
mod org;
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "../examples/generate/record.rs"]
mod record;

const SCRIPT: &str = "spark/trailmask_spark.py";

/// The number of records of the generated organization.
const ORG_RECORDS: u64 = 100_000;

/// `spark-submit`: on the PATH, or in the installed pyspark package; `None` (with a note)
/// when missing outside CI, a failure under CI.
fn spark_submit() -> Option<&'static Path> {
    static FOUND: OnceLock<Option<PathBuf>> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let on_path = std::env::var_os("PATH").and_then(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("spark-submit"))
                .find(|candidate| candidate.is_file())
        });
        on_path.or_else(|| {
            let output = Command::new("python3")
                .args([
                    "-c",
                    "import os, pyspark; print(os.path.dirname(pyspark.__file__))",
                ])
                .output()
                .ok()?;
            let dir = String::from_utf8(output.stdout).ok()?;
            let candidate = Path::new(dir.trim()).join("bin/spark-submit");
            candidate.is_file().then_some(candidate)
        })
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "spark-submit is not installed (pip install pyspark); CI must install it"
        );
        eprintln!("spark-submit not installed: skipped");
    }
    found.as_deref()
}

/// Runs `spark-submit --master local[2] trailmask_spark.py ARGS` in `dir`, the trailmask
/// binary given by TRAILMASK_BIN, or shipped with `--files` when `ship` is set.
fn submit_in(spark: &Path, dir: &Path, args: &[&str], ship: bool) -> Output {
    submit_with(spark, dir, args, ship, |_| {})
}

/// [`submit_in`], with `setup` applied to the command (its environment) first.
fn submit_with(
    spark: &Path,
    dir: &Path,
    args: &[&str],
    ship: bool,
    setup: impl FnOnce(&mut Command),
) -> Output {
    let binary = env!("CARGO_BIN_EXE_trailmask");
    let mut cmd = Command::new(spark);
    cmd.current_dir(dir)
        .args(["--master", "local[2]", "--conf", "spark.ui.enabled=false"])
        // The JIT's first tier only: a third less CPU for these short runs.
        .args([
            "--driver-java-options",
            "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
        ])
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .env_remove("TRAILMASK_BIN")
        .stdin(Stdio::null());
    if ship {
        cmd.args(["--files", binary]);
    } else {
        cmd.env("TRAILMASK_BIN", binary);
    }
    cmd.arg(repo().join(SCRIPT)).args(args);
    setup(&mut cmd);
    let started = Instant::now();
    let output = cmd.output().expect("run spark-submit");
    eprintln!("spark-submit {args:?}: {:.1?}", started.elapsed());
    output
}

/// The lines trailmask (or the script) wrote on stderr, without Spark's.
fn trailmask_lines(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|line| line.starts_with("trailmask"))
        .map(str::to_owned)
        .collect()
}

/// Asserts that the script's run and the direct run wrote the same stdout bytes (`mask`
/// applied to both), the same trailmask stderr lines and exited alike.
fn assert_same(what: &str, spark: &Output, direct: &Output, mask: fn(&str) -> &str) {
    let (spark_out, direct_out) = (stdout(spark), stdout(direct));
    assert!(
        mask(&spark_out) == mask(&direct_out),
        "{what}: stdout differs from the direct run's:\n--- spark\n{}\n--- direct\n{}\n--- spark stderr\n{}",
        mask(&spark_out),
        mask(&direct_out),
        String::from_utf8_lossy(&spark.stderr)
    );
    assert_eq!(
        trailmask_lines(&spark.stderr),
        trailmask_lines(&direct.stderr),
        "{what}: stderr lines differ"
    );
    assert_eq!(
        spark.status.code(),
        direct.status.code(),
        "{what}: exit status"
    );
}

fn whole(text: &str) -> &str {
    text
}

/// Runs `args` through the script and directly in `dir` and compares them; the direct output.
fn compare_in(spark: &Path, dir: &Path, args: &[&str], mask: fn(&str) -> &str) -> Output {
    let through_spark = submit_in(spark, dir, args, false);
    let direct = run_in(dir, args, None);
    assert_same(&args.join(" "), &through_spark, &direct, mask);
    direct
}

#[test]
fn value_options_table_matches_the_cli() {
    // The table in the script, between its BEGIN and END lines.
    let script = std::fs::read_to_string(repo().join(SCRIPT)).expect("the script");
    let (_, table) = script
        .split_once("# BEGIN VALUE OPTIONS\n")
        .expect("BEGIN VALUE OPTIONS");
    let (table, _) = table
        .split_once("# END VALUE OPTIONS\n")
        .expect("END VALUE OPTIONS");
    let mut rows: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in table.lines() {
        if line.starts_with('#') || line.contains("\"\"\"") || line.trim().is_empty() {
            continue;
        }
        let mut words = line.split_whitespace().map(str::to_owned);
        let command = words.next().unwrap();
        assert!(
            rows.insert(command.clone(), words.collect()).is_none(),
            "{command} twice in the table"
        );
    }
    let common = rows.remove("*").expect("a `*` row");
    let script_table: BTreeMap<String, BTreeSet<String>> = rows
        .into_iter()
        .map(|(command, own)| (command, own.union(&common).cloned().collect()))
        .collect();

    // The CLI's: every command a partial can be read for, with its options that take values.
    let cli = trailmask::cli::Cli::command();
    let partial = cli.find_subcommand("partial").expect("partial");
    let cli_table: BTreeMap<String, BTreeSet<String>> = partial
        .get_subcommands()
        .filter(|sub| sub.get_name() != "help")
        .map(|sub| {
            let command = cli.find_subcommand(sub.get_name()).expect("the command");
            let options = command
                .get_arguments()
                .filter(|arg| arg.get_action().takes_values() && !arg.is_positional())
                .flat_map(|arg| {
                    let short = arg.get_short().map(|c| format!("-{c}"));
                    let long = arg.get_long().map(|l| format!("--{l}"));
                    short.into_iter().chain(long)
                })
                .collect();
            (sub.get_name().to_owned(), options)
        })
        .collect();
    assert!(cli_table["activity"].contains("--since"), "{cli_table:?}");
    assert_eq!(
        script_table, cli_table,
        "spark/trailmask_spark.py's VALUE_OPTIONS_TABLE must list every option that takes a value"
    );
}

/// Compares each command over sample-logs, through Spark and directly; every output has rows.
fn compare_sample(commands: &[&[&str]]) {
    let Some(spark) = spark_submit() else { return };
    for command in commands {
        let args = [command, &["sample-logs/"][..]].concat();
        let direct = compare_in(spark, &repo(), &args, whole);
        assert!(
            stdout(&direct).lines().count() > 1,
            "{args:?}: {}",
            stdout(&direct)
        );
    }
}

#[test]
fn sample_graphs_and_tables_through_spark_are_the_direct_ones() {
    compare_sample(&[&["graph"], &["chains"], &["services"], &["edges"]]);
}

#[test]
fn sample_rows_through_spark_are_the_direct_ones() {
    compare_sample(&[
        &["events"],
        &["passrole"],
        &["activity"],
        &["activity", "--calls"],
        &["findings", "--baseline-until", "2020-12-21"],
    ]);
}

#[test]
fn sample_summary_through_spark_is_the_direct_one_but_its_timing() {
    let Some(spark) = spark_submit() else { return };
    compare_in(spark, &repo(), &["summary", "sample-logs"], before_elapsed);
}

#[test]
fn filters_and_option_spellings_pass_through_spark() {
    let Some(spark) = spark_submit() else { return };
    // `--since=` and `-qj=2` (-q, -j 2: the `=` is not the value's, a review found) are split
    // as trailmask's parser splits them, and the script's own `--shards=2` too; --until
    // prunes date folders in the listing too; the binary is shipped with --files.
    let args = [
        "events",
        "--since=2020-12-20T10:00:00Z",
        "--until",
        "2020-12-21",
        "--account",
        "111111111111",
        "-qj=2",
        "sample-logs",
    ];
    let through_spark = submit_in(spark, &repo(), &[&["--shards=2"], &args[..]].concat(), true);
    let direct = run(&args);
    assert_same("filtered events", &through_spark, &direct, whole);
    let all = stdout(&run(&["events", "-q", "sample-logs"]));
    assert_eq!(stdout(&direct).lines().count(), 8, "{}", stdout(&direct));
    assert!(stdout(&direct) != all);
}

#[test]
fn output_file_through_spark_is_the_direct_one() {
    let Some(spark) = spark_submit() else { return };
    let dir = Dir::new();
    let (via_spark, direct) = (dir.path("spark.json"), dir.path("direct.json"));
    let args = |out: &Path| {
        [
            "--shards",
            "5",
            "chains",
            "--format=json",
            "-o",
            out.to_str().unwrap(),
            "sample-logs",
        ]
        .map(str::to_owned)
    };
    let through_spark = submit_in(spark, &repo(), &to_strs(&args(&via_spark)), false);
    let direct_run = run(&to_strs(&args(&direct))[2..]);
    assert_same("chains -o", &through_spark, &direct_run, whole);
    assert!(through_spark.stdout.is_empty());
    let written = std::fs::read(&via_spark).expect("the script's output file");
    assert_eq!(written, std::fs::read(&direct).unwrap());
    assert!(
        written.starts_with(b"["),
        "{}",
        String::from_utf8_lossy(&written)
    );
}

/// A Spark user's pass (session 34): `-o` naming one of the logs read replaced it with the
/// output (status 0; trailmask refuses it, status 2), and an age (`--since 2000d`) was read by
/// each executor and the merge at its own moment, so the merge refused every partial.
#[test]
fn an_output_over_a_log_is_refused_and_an_age_is_one_instant() {
    let Some(spark) = spark_submit() else { return };
    let dir = Dir::new();
    let log = dir.write_trail(&[]);
    let before = std::fs::read(&log).unwrap();
    let args = [
        "events",
        "-o",
        log.to_str().unwrap(),
        dir.root.path().to_str().unwrap(),
    ];
    let through_spark = submit_in(spark, &repo(), &args, false);
    assert_eq!(
        through_spark.status.code(),
        Some(2),
        "{}",
        stderr(&through_spark)
    );
    assert_eq!(
        trailmask_lines(&through_spark.stderr),
        [format!(
            "trailmask-spark: error: -o {} is an input ({}); refusing to write over it",
            log.display(),
            log.display()
        )]
    );
    assert_eq!(std::fs::read(&log).unwrap(), before, "the log is unchanged");
    // A folder the output cannot be written in fails before the job, as trailmask says it
    // (it was found only after every shard had run). /proc refuses a new file even to root.
    let unwritable = submit_in(
        spark,
        &repo(),
        &["events", "-o", "/proc/trailmask-out.csv", "sample-logs"],
        false,
    );
    assert_eq!(
        (
            unwritable.status.code(),
            trailmask_lines(&unwritable.stderr)
        ),
        (
            Some(3),
            vec![
                "trailmask-spark: error: /proc/trailmask-out.csv: cannot write output: No such \
                 file or directory (os error 2)"
                    .to_owned()
            ]
        )
    );
    let direct = run(&["events", "-o", "/proc/trailmask-out.csv", "sample-logs"]);
    assert_eq!(
        (direct.status.code(), stderr(&direct)),
        (
            Some(3),
            "trailmask: error: /proc/trailmask-out.csv: cannot write output: No such file or \
             directory (os error 2)\n"
                .to_owned()
        )
    );
    // Sample-logs are of December 2020: 3,000 days back takes them all in.
    compare_in(
        spark,
        &repo(),
        &["activity", "--since", "3000d", "sample-logs"],
        whole,
    );
}

/// A listing made with `--since` given as the trail (no window given to the command): the
/// shards carry its window and the merge is given it, so the output is the direct run's
/// (each shard's partial held the listing's window, and the merge refused them all).
#[test]
fn a_listing_made_for_a_window_through_spark_is_the_direct_run() {
    let Some(spark) = spark_submit() else { return };
    let dir = Dir::new();
    three_days(&dir);
    let listed = run_in(
        dir.root.path(),
        &[
            "list",
            "--since",
            "2024-01-05",
            "AWSLogs",
            "-o",
            "since.listing",
        ],
        None,
    );
    assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
    let direct = compare_in(
        spark,
        dir.root.path(),
        &["events", "since.listing"][..],
        whole,
    );
    assert_eq!(stdout(&direct).lines().count(), 3, "{}", stdout(&direct));
    assert!(
        stderr(&direct).starts_with(
            "trailmask: since.listing was listed with --since 2024-01-05T00:00:00Z: reading \
             that window\n"
        ),
        "{}",
        stderr(&direct)
    );
}

fn to_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

#[test]
fn a_damaged_file_among_the_shards_fails_as_it_does_directly() {
    let Some(spark) = spark_submit() else { return };
    // A copy of sample-logs with one file cut in half.
    let dir = Dir::new();
    let copy = dir.path("sample-logs");
    for entry in walkdir::WalkDir::new(repo().join("sample-logs")) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(repo()).unwrap();
        if entry.file_type().is_file() {
            dir.write(rel.to_str().unwrap(), &std::fs::read(entry.path()).unwrap());
        }
    }
    let damaged = walkdir::WalkDir::new(&copy)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .find(|e| e.path().extension().is_some_and(|ext| ext == "gz"))
        .expect("a .gz file")
        .into_path();
    let bytes = std::fs::read(&damaged).unwrap();
    std::fs::write(&damaged, &bytes[..bytes.len() / 2]).unwrap();

    let args = ["events", "sample-logs"];
    let through_spark = submit_in(spark, dir.root.path(), &args, false);
    let direct = run_in(dir.root.path(), &args, None);
    assert_same("a damaged file", &through_spark, &direct, whole);
    assert_eq!(direct.status.code(), Some(1));
    let rel = damaged
        .strip_prefix(dir.root.path())
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(
        trailmask_lines(&direct.stderr),
        [
            format!("trailmask: {rel}: truncated gzip: incomplete deflate stream"),
            "trailmask: 27 files read, 2 skipped, 1 failed; 25 role assumptions".to_owned()
        ]
    );
    // --strict: the shard that met the file stops, and so does the script, with no output.
    let args = ["events", "--strict", "sample-logs"];
    let through_spark = submit_in(spark, dir.root.path(), &args, false);
    let direct = run_in(dir.root.path(), &args, None);
    assert_same("--strict", &through_spark, &direct, whole);
    assert_eq!(
        (
            through_spark.stdout.len(),
            trailmask_lines(&direct.stderr).len()
        ),
        (0, 2)
    );
}

/// Session 34's leftover: under `--strict` each shard stops at its own first bad file, and
/// the script named the first shard's (in shard order), a different file for different shard
/// counts. It names the first by the listing's order, as the direct run does.
#[test]
fn strict_names_the_first_bad_file_for_any_shard_count() {
    let Some(spark) = spark_submit() else { return };
    let dir = Dir::new();
    // Sizes that put the first bad file by path on a later shard (largest go first).
    for (name, size) in [("b-bad", 4000), ("c-bad", 2000), ("d-bad", 3000)] {
        dir.write(&format!("logs/{name}.json"), "x".repeat(size).as_bytes());
    }
    // The first by path has a name trailmask escapes on stderr, and one that is not UTF-8
    // (listed by its bytes): the script finds it by the name as printed.
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"logs/a\t\xe9-bad.json");
        std::fs::write(dir.root.path().join(name), "x".repeat(10)).unwrap();
    }
    dir.write_gz("logs/e-good.json.gz", r#"{"Records":[]}"#);
    let args = ["events", "--strict", "logs"];
    let direct = run_in(dir.root.path(), &args, None);
    assert_eq!(
        (direct.status.code(), trailmask_lines(&direct.stderr)),
        (
            Some(1),
            vec![
                "trailmask: logs/a\\t\u{fffd}-bad.json: not JSON (it begins with `xxxxxxxxxx`)"
                    .to_owned(),
                "trailmask: stopped at the first failure (--strict); no output written".to_owned()
            ]
        )
    );
    for shards in ["2", "3", "5"] {
        let mut with_shards = vec!["--shards", shards];
        with_shards.extend(args);
        let through_spark = submit_in(spark, dir.root.path(), &with_shards, false);
        assert_same(
            &format!("--shards {shards}"),
            &through_spark,
            &direct,
            whole,
        );
    }
}

#[test]
fn a_usage_error_is_reported_as_trailmask_reports_it() {
    let Some(spark) = spark_submit() else { return };
    let args = ["events", "--format", "dot", "sample-logs"];
    let through_spark = submit_in(spark, &repo(), &args, false);
    let direct = run(&args);
    assert_eq!(through_spark.stdout, b"");
    assert_eq!(through_spark.status.code(), Some(2));
    assert_eq!(direct.status.code(), Some(2));
    let clap_error = stderr(&direct);
    assert!(
        String::from_utf8_lossy(&through_spark.stderr).ends_with(&clap_error),
        "{}",
        String::from_utf8_lossy(&through_spark.stderr)
    );
    // A binary named that is not there: one line, a usage error (it was a traceback).
    let missing = submit_with(spark, &repo(), &["events", "sample-logs"], false, |cmd| {
        cmd.env("TRAILMASK_BIN", "/nonexistent/trailmask");
    });
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(
        trailmask_lines(&missing.stderr),
        [
            "trailmask-spark: error: no trailmask binary at /nonexistent/trailmask: not an \
          executable file"
        ]
    );
    // Standard input cannot be split into shards: the script says so.
    let stdin = submit_in(spark, &repo(), &["events", "-"], false);
    assert_eq!(stdin.status.code(), Some(2));
    assert_eq!(
        trailmask_lines(&stdin.stderr),
        [
            "trailmask-spark: error: `-` (standard input) cannot be split into shards: give \
          files, directories or s3:// prefixes"
        ]
    );
    // Its own help before a command (it said "the first argument must be a command").
    let help = submit_in(spark, &repo(), &["--help"], false);
    assert_eq!(help.status.code(), Some(0));
    assert!(
        stdout(&help).starts_with("Run a trailmask command over a large trail on Spark"),
        "{}",
        stdout(&help)
    );
    // A folder without logs is named as the direct run names it (not a shard's partial).
    let empty = Dir::new();
    std::fs::create_dir(empty.path("nothing")).unwrap();
    compare_in(spark, empty.root.path(), &["events", "nothing"], whole);
    // Nor does it reach the script: a list of ids to leave out given on it is refused (it was
    // read as an empty list: every finding came back, status 0).
    let ignore = submit_in(
        spark,
        &repo(),
        &["findings", "--ignore", "/dev/stdin", "sample-logs"],
        false,
    );
    assert_eq!(ignore.status.code(), Some(2));
    assert_eq!(
        trailmask_lines(&ignore.stderr),
        [
            "trailmask-spark: error: --ignore /dev/stdin: standard input does not reach this \
          script through spark-submit; give --ignore a file"
        ]
    );
}

/// The organization trail of [`ORG_RECORDS`] records, generated once per test run under the
/// target directory's tmp (runs older than an hour are removed).
fn big_org() -> &'static Path {
    static TRAIL: OnceLock<PathBuf> = OnceLock::new();
    TRAIL.get_or_init(|| {
        let parent = Path::new(env!("CARGO_TARGET_TMPDIR")).join("spark-org");
        for entry in std::fs::read_dir(&parent).into_iter().flatten().flatten() {
            let age = entry.metadata().and_then(|m| m.modified()).ok();
            if age.and_then(|t| t.elapsed().ok()) > Some(Duration::from_secs(3600)) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let dir = parent.join(std::process::id().to_string());
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("org dir");
        let summary = org::write(&dir, ORG_RECORDS, org::DEFAULT_SEED)
            .unwrap_or_else(|e| panic!("generating the org: {e}"));
        eprintln!("{summary}");
        dir
    })
}

#[test]
fn a_big_organization_through_spark_is_the_direct_output() {
    let Some(spark) = spark_submit() else { return };
    let trail = big_org();
    let trail_arg = trail.to_str().unwrap();
    let summary = stdout(&run(&["summary", "-q", trail_arg]));
    assert!(
        summary.contains(&format!("records scanned   {ORG_RECORDS}\n")),
        "{summary}"
    );
    for command in ["events", "activity"] {
        compare_in(spark, &repo(), &[command, trail_arg], whole);
    }
    // The graph, its partials kept in a directory (one per shard: 3 per core).
    let partials = Dir::new();
    let partials_dir = partials.path("parts");
    let args = [
        "--partials-dir",
        partials_dir.to_str().unwrap(),
        "graph",
        "--level",
        "role",
        trail_arg,
    ];
    let through_spark = submit_in(spark, &repo(), &args, false);
    let direct = run(&args[2..]);
    assert_same("org graph", &through_spark, &direct, whole);
    let mut names: Vec<String> = std::fs::read_dir(&partials_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        (0..6).map(|i| format!("part-{i:05}")).collect::<Vec<_>>()
    );
    // The partials merge again into the same graph, without Spark.
    let paths: Vec<String> = names
        .iter()
        .map(|name| partials_dir.join(name).to_str().unwrap().to_owned())
        .collect();
    let mut merge = vec!["graph", "--level", "role"];
    merge.extend(paths.iter().map(String::as_str));
    assert_eq!(stdout(&run(&merge)), stdout(&direct));
}

/// `s3://` inputs through Spark against moto (tests/s3.rs's server): the driver lists the
/// bucket, the executors fetch their shards' objects, and the output is the direct run's, as
/// is a location S3 refuses (its line, status 4).
#[test]
fn spark_reads_s3_as_the_direct_run() {
    let Some(spark) = spark_submit() else { return };
    let Some(moto) = crate::s3::moto() else {
        return;
    };
    crate::s3::sample(moto);
    for args in [
        &["graph", "s3://sample/sample-logs/"][..],
        &["events", "s3://no-such-bucket/AWSLogs/"],
    ] {
        let through_spark = submit_with(spark, &repo(), args, false, |cmd| {
            crate::s3::with_test_credentials(cmd, &moto.endpoint());
            cmd.env("AWS_ALLOW_HTTP", "true");
        });
        let direct = moto.run(args);
        assert_same(&args.join(" "), &through_spark, &direct, whole);
    }
}
