//! Integration tests: the binary over sample-logs (golden outputs), over every input shape and
//! every kind of bad file, over the real trails in ../shared when present, through Graphviz, and
//! over a generated trail of more than 10,000 role assumptions (determinism), and from S3 (an
//! emulator).

mod harness;

mod activity;
mod bench_corpus;
mod determinism;
mod findings;
mod graphviz;
mod hostile;
mod inputs;
mod links;
mod organization;
mod output_safety;
mod partial;
mod passrole;
mod passrole_graph;
mod properties;
mod readme;
mod real_trails;
mod report;
mod s3;
mod sample;
mod spark;
mod terminal;
