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
    let status = trailmask::cmd::run(&cli, &mut std::io::stderr().lock());
    std::process::exit(status.code());
}
