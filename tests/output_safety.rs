//! Regression tests for what `-o FILE` did to files around it (issue 26, output safety): each
//! named after the defect it pins.

use crate::harness::*;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

fn assume_record() -> String {
    r#"{"eventTime":"2021-03-01T10:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111111111111:user/u","accountId":"111111111111"},"requestParameters":{"roleArn":"arn:aws:iam::111111111111:role/R","roleSessionName":"s"},"eventID":"e1"}"#.to_owned()
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn temporary_files(dir: &Path) -> Vec<String> {
    names(dir)
        .into_iter()
        .filter(|name| name.starts_with(".trailmask-"))
        .collect()
}

/// The permission bits of `path`.
#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// Waits for `child` to end, killing it and failing the test after `seconds`.
fn wait_at_most(child: &mut Child, seconds: u64) -> ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("trailmask still running after {seconds} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until `dir` holds a `.trailmask-*` file, failing the test after 30 s.
fn wait_for_temporary_file(dir: &Path, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while temporary_files(dir).is_empty() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("trailmask ended ({status}) before creating its temporary file");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("no temporary file after 30 s: {:?}", names(dir));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts `trailmask events -q -o out.csv in.json` in `dir`, where `in.json` is a named pipe
/// nobody writes to: trailmask has created its temporary file and blocks reading the pipe.
/// `env` sets the signals' handling first (a test runner may have started with some ignored).
fn start_blocked(dir: &Path, env: &[&str]) -> Child {
    mkfifo(&dir.join("in.json"));
    let mut child = Command::new("env")
        .args(env)
        .arg(assert_cmd::cargo::cargo_bin("trailmask"))
        .args(["events", "-q", "-o", "out.csv", "in.json"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_temporary_file(dir, &mut child);
    child
}

fn send(signal: &str, child: &Child) {
    let sent = Command::new("kill")
        .args(["-s", signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -s {signal}");
}

/// Regression (issue 26): Ctrl-C (or TERM, or HUP) while `-o FILE` was being written left the
/// hidden partial `.trailmask-XXXXXX` file beside the target for good. The signal removes it,
/// creates no output, and the process then dies of the signal (so a shell shows 128 + the
/// signal, 130 for Ctrl-C, and a shell loop stops).
#[cfg(target_os = "linux")]
#[test]
fn a_signal_while_writing_leaves_no_temporary_file() {
    use std::os::unix::process::ExitStatusExt;
    for (name, number) in [("INT", 2), ("TERM", 15), ("HUP", 1)] {
        let dir = Dir::new();
        let mut child = start_blocked(dir.root.path(), &["--default-signal=HUP,INT,TERM"]);
        send(name, &child);
        let status = wait_at_most(&mut child, 30);
        let output = child.wait_with_output().unwrap();
        assert_eq!(
            (status.code(), status.signal()),
            (None, Some(number)),
            "SIG{name}: {}",
            stderr(&output)
        );
        assert_eq!(stderr(&output), "", "SIG{name}");
        assert_eq!(stdout(&output), "", "SIG{name}");
        assert_eq!(names(dir.root.path()), ["in.json"], "SIG{name}");
    }
}

/// A hangup ignored when trailmask started (`nohup trailmask … -o roles.csv &`) stays ignored:
/// the run goes on, its temporary file with it, until a signal that is not ignored.
#[cfg(target_os = "linux")]
#[test]
fn an_ignored_hangup_stays_ignored() {
    use std::os::unix::process::ExitStatusExt;
    let dir = Dir::new();
    let mut child = start_blocked(
        dir.root.path(),
        &["--ignore-signal=HUP", "--default-signal=INT,TERM"],
    );
    send("HUP", &child);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "ended by an ignored HUP"
    );
    assert_eq!(temporary_files(dir.root.path()).len(), 1);
    send("TERM", &child);
    let status = wait_at_most(&mut child, 30);
    assert_eq!((status.code(), status.signal()), (None, Some(15)));
    assert_eq!(names(dir.root.path()), ["in.json"]);
}

/// The temporary file is created before the inputs are read, so an output folder that does
/// not exist fails at once (here, without waiting on a pipe nobody writes to), not after the
/// scan.
#[cfg(unix)]
#[test]
fn an_unwritable_output_folder_fails_before_reading() {
    let dir = Dir::new();
    mkfifo(&dir.path("in.json"));
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("trailmask"))
        .args(["events", "-q", "-o", "missing/out.csv", "in.json"])
        .current_dir(dir.root.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_at_most(&mut child, 30);
    let output = child.wait_with_output().unwrap();
    assert_eq!(status.code(), Some(3));
    // The message names the target, not the temporary file tried beside it.
    assert_eq!(
        stderr(&output),
        "trailmask: error: missing/out.csv: cannot write output: No such file or directory \
         (os error 2)\n"
    );
    assert_eq!(names(dir.root.path()), ["in.json"]);
}

/// Runs trailmask in `dir` with `stdin` as its standard input.
fn run_with_stdin(dir: &Path, args: &[&str], stdin: Stdio) -> Output {
    Command::new(assert_cmd::cargo::cargo_bin("trailmask"))
        .args(args)
        .current_dir(dir)
        .stdin(stdin)
        .output()
        .unwrap()
}

/// Regression (issue 26): `trailmask events -o in.json.gz in.json.gz` silently replaced a
/// CloudTrail log (evidence) with CSV. An output that is an input (the same file by device
/// and inode: named twice, through a hard or symbolic link, found by walking a folder, or
/// redirected to stdin) is refused with status 2 before anything is written.
#[cfg(unix)]
#[test]
fn an_output_that_is_an_input_is_refused() {
    let dir = Dir::new();
    let log = gzip(assume_record().as_bytes());
    dir.write("in.json.gz", &log);
    dir.write("logs/a.json", assume_record().as_bytes());
    std::fs::hard_link(dir.path("logs/a.json"), dir.path("hard.json")).unwrap();
    std::os::unix::fs::symlink("logs/a.json", dir.path("link.csv")).unwrap();
    let before = names(dir.root.path());
    let refused = |args: &[&str], stdin: Stdio, output: &str, input: &str| {
        let run = run_with_stdin(dir.root.path(), args, stdin);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {}", stderr(&run));
        assert_eq!(
            stderr(&run),
            format!(
                "trailmask: error: -o {output} is an input ({input}); refusing to write over it\n"
            ),
            "{args:?}"
        );
        assert_eq!(stdout(&run), "", "{args:?}");
        assert_eq!(names(dir.root.path()), before, "{args:?}");
        assert_eq!(names(&dir.path("logs")), ["a.json"], "{args:?}");
        assert_eq!(std::fs::read(dir.path("in.json.gz")).unwrap(), log);
        assert_eq!(
            std::fs::read(dir.path("logs/a.json")).unwrap(),
            assume_record().as_bytes()
        );
    };
    refused(
        &["events", "-o", "in.json.gz", "in.json.gz"],
        Stdio::null(),
        "in.json.gz",
        "in.json.gz",
    );
    refused(
        &["events", "-o", "hard.json", "logs"],
        Stdio::null(),
        "hard.json",
        "logs/a.json",
    );
    refused(
        &["summary", "-o", "link.csv", "in.json.gz", "logs/"],
        Stdio::null(),
        "link.csv",
        "logs/a.json",
    );
    refused(
        &["graph", "-o", "logs/a.json", "logs"],
        Stdio::null(),
        "logs/a.json",
        "logs/a.json",
    );
    let stdin = std::fs::File::open(dir.path("in.json.gz")).unwrap();
    refused(
        &["events", "-o", "in.json.gz", "-"],
        stdin.into(),
        "in.json.gz",
        "<stdin>",
    );
}

/// A Spark user's pass (session 34): `events -o LOG PART`, where the partial result PART holds
/// LOG, replaced the log with CSV (its logs are known only once the partial is read). It is
/// refused as an input named is: status 2, nothing written, no temporary file left.
#[cfg(unix)]
#[test]
fn an_output_over_a_log_a_partial_holds_is_refused() {
    let dir = Dir::new();
    dir.write("logs/a.json", assume_record().as_bytes());
    let made = run_in(
        dir.root.path(),
        &["partial", "events", "-q", "-o", "all.part", "logs"],
        None,
    );
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    let before = names(dir.root.path());
    for command in [&["events"][..], &["partial", "events"]] {
        let mut args = command.to_vec();
        args.extend(["-q", "-o", "logs/a.json", "all.part"]);
        let run = run_in(dir.root.path(), &args, None);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {}", stderr(&run));
        assert_eq!(
            stderr(&run),
            "trailmask: error: -o logs/a.json is an input (logs/a.json); refusing to write over it\n",
            "{args:?}"
        );
        assert_eq!(names(dir.root.path()), before, "{args:?}");
        assert_eq!(names(&dir.path("logs")), ["a.json"], "{args:?}");
        assert_eq!(
            std::fs::read(dir.path("logs/a.json")).unwrap(),
            assume_record().as_bytes()
        );
    }
}

/// The CSV `events -q` writes for one file holding [`assume_record`].
fn expected_csv(dir: &Dir) -> Vec<u8> {
    dir.write("expected/in.json", assume_record().as_bytes());
    let output = run_in(
        &dir.path("expected"),
        &["events", "-q", "--raw", "in.json"],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    output.stdout
}

/// Regression (issue 26): `-o` made the output file mode 0600 (the temporary file's), even when
/// it replaced a 0644 file. A replaced file keeps its mode.
#[cfg(unix)]
#[test]
fn a_replaced_output_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new();
    let csv = expected_csv(&dir);
    dir.write("in.json", assume_record().as_bytes());
    for wanted in [0o644, 0o640, 0o604] {
        dir.write("out.csv", b"old\n");
        std::fs::set_permissions(dir.path("out.csv"), std::fs::Permissions::from_mode(wanted))
            .unwrap();
        let output = run_in(
            dir.root.path(),
            &["events", "-q", "--raw", "-o", "out.csv", "in.json"],
            None,
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(std::fs::read(dir.path("out.csv")).unwrap(), csv);
        assert_eq!(mode(&dir.path("out.csv")), wanted, "{wanted:o}");
    }
}

/// Regression (issue 26): `-o` made a new output file mode 0600 under umask 022. A new file
/// gets 0666 less the umask, as a shell's `>` gives it.
#[cfg(unix)]
#[test]
fn a_new_output_follows_the_umask() {
    let dir = Dir::new();
    let csv = expected_csv(&dir);
    dir.write("in.json", assume_record().as_bytes());
    for (umask, wanted) in [("022", 0o644), ("027", 0o640), ("002", 0o664)] {
        let _ = std::fs::remove_file(dir.path("out.csv"));
        let output = Command::new("sh")
            .arg("-c")
            .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
            .arg(assert_cmd::cargo::cargo_bin("trailmask"))
            .args(["events", "-q", "--raw", "-o", "out.csv", "in.json"])
            .current_dir(dir.root.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(std::fs::read(dir.path("out.csv")).unwrap(), csv);
        assert_eq!(mode(&dir.path("out.csv")), wanted, "umask {umask}");
    }
}

/// Regression (issue 26): `-o` to a dangling symbolic link replaced the link with a regular
/// file, though links are followed. The link is followed: the file it points at is created,
/// and the link stays.
#[cfg(unix)]
#[test]
fn a_dangling_output_link_is_followed() {
    let dir = Dir::new();
    let csv = expected_csv(&dir);
    dir.write("in.json", assume_record().as_bytes());
    std::fs::create_dir(dir.path("reports")).unwrap();
    std::os::unix::fs::symlink("reports/roles.csv", dir.path("out.csv")).unwrap();
    let output = run_in(
        dir.root.path(),
        &["events", "-q", "--raw", "-o", "out.csv", "in.json"],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
    assert_eq!(
        std::fs::read_link(dir.path("out.csv")).unwrap(),
        Path::new("reports/roles.csv")
    );
    assert!(
        std::fs::symlink_metadata(dir.path("reports/roles.csv"))
            .unwrap()
            .is_file()
    );
    assert_eq!(std::fs::read(dir.path("reports/roles.csv")).unwrap(), csv);
    assert_eq!(names(&dir.path("reports")), ["roles.csv"]);
    assert_eq!(
        names(dir.root.path()),
        ["expected", "in.json", "out.csv", "reports"]
    );
}

/// Regression (issue 26): `-o` to a loop of symbolic links replaced the link with a regular
/// file. It is an output error (status 3) that says so; the links stay and nothing is created.
#[cfg(unix)]
#[test]
fn an_output_link_loop_is_an_output_error() {
    let dir = Dir::new();
    dir.write("in.json", assume_record().as_bytes());
    std::os::unix::fs::symlink("b.csv", dir.path("a.csv")).unwrap();
    std::os::unix::fs::symlink("a.csv", dir.path("b.csv")).unwrap();
    std::os::unix::fs::symlink("self.csv", dir.path("self.csv")).unwrap();
    for link in ["a.csv", "self.csv"] {
        let output = run_in(
            dir.root.path(),
            &["events", "-q", "-o", link, "in.json"],
            None,
        );
        assert_eq!(output.status.code(), Some(3), "{link}");
        assert_eq!(
            stderr(&output),
            format!("trailmask: error: {link}: cannot write output: a loop of symbolic links\n")
        );
        assert_eq!(stdout(&output), "");
        assert_eq!(
            names(dir.root.path()),
            ["a.csv", "b.csv", "in.json", "self.csv"]
        );
        assert_eq!(
            std::fs::read_link(dir.path("a.csv")).unwrap(),
            Path::new("b.csv")
        );
        assert_eq!(
            std::fs::read_link(dir.path("b.csv")).unwrap(),
            Path::new("a.csv")
        );
    }
}

/// A new user's first hour (session 36): `-o /dev/stdout` (and `/dev/stderr`) into a pipe
/// failed (`/dev/stdout: cannot write output: No such file or directory`, status 3): the
/// pipe is reached through `/proc/self/fd/1`, whose target names no path. Written in place.
#[cfg(target_os = "linux")]
#[test]
fn dev_stdout_and_dev_stderr_on_a_pipe_are_written_in_place() {
    let dir = Dir::new();
    dir.write("in.json", assume_record().as_bytes());
    let expected = expected_csv(&dir);
    let to_stdout = run_in(
        dir.root.path(),
        &["events", "-q", "--raw", "-o", "/dev/stdout", "in.json"],
        None,
    );
    assert_eq!(
        (
            &to_stdout.stdout,
            stderr(&to_stdout),
            to_stdout.status.code()
        ),
        (&expected, String::new(), Some(0))
    );
    let to_stderr = run_in(
        dir.root.path(),
        &["events", "-q", "--raw", "-o", "/dev/stderr", "in.json"],
        None,
    );
    assert_eq!(
        (
            &to_stderr.stderr,
            stdout(&to_stderr),
            to_stderr.status.code()
        ),
        (&expected, String::new(), Some(0))
    );
    assert_eq!(names(dir.root.path()), ["expected", "in.json"]);
}

/// A red-team's case (session 40): `-o` replaced the `--ignore` or `--accounts` file it was
/// given (a triage list, a map of the organization). Either is refused as a log is, named
/// itself or through a link, before anything is read or written.
#[cfg(unix)]
#[test]
fn an_output_that_is_a_settings_file_is_refused() {
    let dir = Dir::new();
    dir.write("in.json", assume_record().as_bytes());
    let triage = b"# triaged\n0123456789abcdef accepted\n";
    let accounts = b"id,name\n111111111111,main\n";
    dir.write("triaged.txt", triage);
    dir.write("accounts.csv", accounts);
    std::os::unix::fs::symlink("accounts.csv", dir.path("link.csv")).unwrap();
    for (args, said) in [
        (
            &[
                "findings",
                "--ignore",
                "triaged.txt",
                "-o",
                "triaged.txt",
                "in.json",
            ][..],
            "-o triaged.txt is the --ignore file (triaged.txt)",
        ),
        (
            &[
                "edges",
                "--accounts",
                "accounts.csv",
                "-o",
                "link.csv",
                "in.json",
            ][..],
            "-o link.csv is the --accounts file (accounts.csv)",
        ),
    ] {
        let run = run_with_stdin(dir.root.path(), args, Stdio::null());
        assert_eq!(run.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&run),
            format!("trailmask: error: {said}; refusing to write over it\n")
        );
        assert_eq!(std::fs::read(dir.path("triaged.txt")).unwrap(), triage);
        assert_eq!(std::fs::read(dir.path("accounts.csv")).unwrap(), accounts);
    }
}

/// Regression (a new user's first hour, session 42): a mistyped input path replaced the last
/// good `-o` file with a header. When nothing was read and something failed, the file is left
/// as it was (none is made), and that is said; status 1. Something read, it is written.
#[test]
fn an_output_is_not_replaced_when_nothing_was_read() {
    let dir = Dir::new();
    dir.write("logs/in.json", assume_record().as_bytes());
    dir.write("roles.csv", b"the last good output\n");
    let output = run_in(
        dir.root.path(),
        &["events", "-q", "lgos", "-o", "roles.csv"],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "trailmask: lgos: cannot read: No such file or directory (os error 2)\n\
         trailmask: nothing was read: roles.csv not written\n\
         trailmask: 0 files read, 0 skipped, 1 failed; 0 role assumptions\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path("roles.csv")).unwrap(),
        "the last good output\n"
    );
    let output = run_in(
        dir.root.path(),
        &["events", "-q", "lgos", "-o", "new.csv"],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(!dir.path("new.csv").exists());
    assert!(temporary_files(dir.root.path()).is_empty());
    // One input read beside the missing one: written.
    let output = run_in(
        dir.root.path(),
        &["events", "-q", "lgos", "logs", "-o", "roles.csv"],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(dir.path("roles.csv"))
            .unwrap()
            .lines()
            .count(),
        2
    );
}
