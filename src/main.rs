//! The `trailmask` binary: parse the command line, run it, exit with its status.
//!
//! On Linux the process enters here, not through Rust's own `main` wrapper, which would open
//! `/dev/null` over a closed stdout before we could see it was closed: `trailmask events logs
//! >&-` would then lose its output and exit 0. This entry does the wrapper's two jobs itself,
//! noting which standard descriptors were closed, and ignores SIGPIPE as the wrapper does (so
//! a closed pipe is a `BrokenPipe` error, ended quietly, not a signal).
#![cfg_attr(all(target_os = "linux", not(test)), no_main)]

use clap::Parser;
use trailmask::cli::Cli;
use trailmask::exit::ExitCode;

/// The process entry (see the module documentation).
#[cfg(all(target_os = "linux", not(test)))]
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    // SAFETY: `fcntl(F_GETFD)` only asks whether a descriptor is open; `open` of a constant,
    // NUL-terminated path; `signal` sets a disposition (ignore) before any thread exists. None
    // touches memory of ours.
    let stdout_closed = unsafe {
        let closed = |fd| libc::fcntl(fd, libc::F_GETFD) == -1;
        let stdout_closed = closed(1);
        // A closed standard descriptor gets `/dev/null` (the lowest free descriptor is the one
        // closed), so that no file opened later takes its number: errors would be written
        // into it.
        for fd in 0..=2 {
            if closed(fd) {
                libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
            }
        }
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        stdout_closed
    };
    if stdout_closed {
        trailmask::note_stdout_closed();
    }
    run()
}

#[cfg(any(not(target_os = "linux"), test))]
fn main() {
    std::process::exit(run());
}

fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::Usage.code()
            } else {
                ExitCode::Success.code()
            };
        }
    };
    // Not `stderr().lock()`: the progress bar's tick thread writes to stderr too, and a lock
    // held for the whole run would leave it (and the workers waiting on the bar) blocked
    // forever (issue 20). `Stderr` takes the lock per write.
    let status = trailmask::run(&cli, &mut std::io::stderr());
    // Leaving `main` would run no destructors here either; the exit flushes nothing of ours.
    std::process::exit(status.code());
}
