//! The `trailmask` binary: parse the command line, run it, exit with its status.

use clap::Parser;
use trailmask::cli::Cli;
use trailmask::exit::ExitCode;

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            std::process::exit(if error.use_stderr() {
                ExitCode::Usage.code()
            } else {
                ExitCode::Success.code()
            });
        }
    };
    // Not `stderr().lock()`: the progress bar's tick thread writes to stderr too, and a lock
    // held for the whole run would leave it (and the workers waiting on the bar) blocked
    // forever (issue 20). `Stderr` takes the lock per write.
    let status = trailmask::run(&cli, &mut std::io::stderr());
    std::process::exit(status.code());
}
