//! `trailmask list`: what discovery finds, as a listing ([`crate::read::listing`]).

use crate::cli::ListArgs;
use crate::exit::ExitCode;
use crate::export::table::printable;
use crate::output::Target;
use crate::read::discover::discover;
use crate::read::listing;
use std::io::Write;

/// Runs `trailmask list`.
pub fn run(args: &ListArgs, stderr: &mut dyn Write) -> ExitCode {
    // The date window as the reading commands compute it.
    let read = crate::cli::ReadArgs {
        paths: args.paths.clone(),
        since: args.since.clone(),
        until: args.until.clone(),
        accounts: Vec::new(),
        role: None,
        source: None,
        include_failed: false,
        exclude_failed: false,
        failed_only: false,
        from: None,
        to: None,
        depth: None,
        accounts_file: None,
        threads: None,
        follow: args.follow,
        strict: false,
        max_file_size: "1G".into(),
        quiet: true,
        output: None,
        partial_of: None,
    };
    // A listing names files to read again elsewhere: standard input cannot be one of them.
    if args.paths.iter().any(|path| path.as_os_str() == "-") {
        let _ = writeln!(
            stderr,
            "trailmask: error: standard input (-) cannot be listed: a listing names files and \
             objects to read again"
        );
        return ExitCode::Usage;
    }
    let mut plan = match crate::plan::plan(&read, crate::plan::run_started()) {
        Ok(plan) => plan,
        Err(error) => {
            let _ = writeln!(
                stderr,
                "trailmask: error: {}",
                printable(&error.to_string())
            );
            return ExitCode::Usage;
        }
    };
    // A listing listed again keeps to its window, and the new one says it.
    if let Err(status) = super::fit_to_listings_or_refuse(&mut plan, &read, false, stderr) {
        return status;
    }
    let window = listing::ListedWindow::from(&plan.filters.window);
    if !window.reads_back() {
        let _ = writeln!(
            stderr,
            "trailmask: error: --since/--until name a time outside the years 0 to 9999, which \
             a listing cannot hold: give another time, or none"
        );
        return ExitCode::Usage;
    }
    let found = super::listing_shown(&plan, || {
        discover(&plan.scan.paths, plan.scan.follow, plan.scan.days)
    });
    let target = Target::from_arg(args.output.as_deref());
    let output = match target.open(&found) {
        Ok(output) => output,
        Err(error) => return super::not_opened(&error, stderr),
    };
    // Paths that could not be walked are listed (the reading run reports them) and said here.
    for error in &found.errors {
        let _ = writeln!(stderr, "trailmask: {}", printable(&error.to_string()));
    }
    let status = super::status_of_failures(&found.errors);
    if let Err(error) = output.write_with(|wtr| listing::write(&found, window, &found.roots, wtr)) {
        return super::not_written(&error, status, stderr);
    }
    status
}
