//! The benchmark corpus (`examples/generate/corpus.rs`): what `bench/run.sh` measures must be
//! a trail that could be real, or its figures say nothing of one.

use crate::harness::*;

// The generator, compiled into the tests as it is into the example (`corpus` uses
// `super::record`, the one compiled for the organization trail).
#[allow(dead_code)]
#[path = "../examples/generate/corpus.rs"]
mod corpus;
use crate::organization::record;

/// Each file holds an hour of records in order, so a session's calls follow its creation: the
/// clock once wrapped back to the hour's start where a file's hour crossed o'clock, and more
/// than half of the 1M corpus's sessions called before they were created.
#[test]
fn no_session_of_the_benchmark_corpus_calls_before_it_is_created() {
    let dir = Dir::new();
    let trail = dir.path("corpus");
    corpus::write(&trail, 20_000, 1).expect("generating the corpus");
    let out = run(&["activity", "-q", trail.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = csv_rows(&stdout(&out));
    let header = &rows[0];
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (arn, created, first) = (
        column("session_arn"),
        column("created"),
        column("first_call"),
    );
    let early: Vec<String> = rows[1..]
        .iter()
        .filter(|row| row[first] < row[created])
        .map(|row| {
            format!(
                "{} created {} first call {}",
                row[arn], row[created], row[first]
            )
        })
        .collect();
    assert_eq!(early, Vec::<String>::new());
    assert_eq!(rows.len() - 1, 1_088);
}
