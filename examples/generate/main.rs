//! The deterministic trail generator: sample-logs/ and the benchmark corpora.
//!
//! ```text
//! cargo run --release --example generate -- sample sample-logs
//! cargo run --release --example generate -- corpus --records 1000000 bench/corpus-1m
//! cargo run --release --example generate -- org [--records N] [--seed S] OUT_DIR
//! ```
//!
//! Same arguments, same bytes: ids, keys and times come from a seeded hash, gzip headers carry
//! no time stamp, and files are written in a fixed order.

mod corpus;
mod org;
mod record;
mod sample;

use std::path::PathBuf;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage: generate sample OUT_DIR\n       generate corpus [--records N] [--seed S] OUT_DIR\n       generate org [--records N] [--seed S] OUT_DIR"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("sample") if args.len() == 2 && !args[1].starts_with('-') => {
            sample::write(&PathBuf::from(&args[1]))
        }
        Some(command @ ("corpus" | "org")) => {
            let org = command == "org";
            let mut records = if org { org::DEFAULT_RECORDS } else { 1_000_000 };
            let mut seed = if org { org::DEFAULT_SEED } else { 1 };
            let mut out = None;
            let mut rest = args[1..].iter();
            while let Some(arg) = rest.next() {
                match arg.as_str() {
                    "--records" => match rest.next().and_then(|v| v.parse().ok()) {
                        Some(n) => records = n,
                        None => return usage(),
                    },
                    "--seed" => match rest.next().and_then(|v| v.parse().ok()) {
                        Some(n) => seed = n,
                        None => return usage(),
                    },
                    // `--help` and any other option are not a folder to write into; nor is
                    // a second folder.
                    other if other.starts_with('-') || out.is_some() => return usage(),
                    other => out = Some(PathBuf::from(other)),
                }
            }
            match out {
                Some(out) if org => org::write(&out, records, seed),
                Some(out) => corpus::write(&out, records, seed),
                None => return usage(),
            }
        }
        _ => return usage(),
    };
    match result {
        Ok(summary) => {
            eprintln!("{summary}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("generate: {error}");
            ExitCode::FAILURE
        }
    }
}
