//! Integration tests: the binary over sample-logs (golden outputs), over every input shape and
//! every kind of bad file, over the real trails in ../shared when present, and through Graphviz.

mod harness;

mod graphviz;
mod hostile;
mod inputs;
mod properties;
mod real_trails;
mod sample;
mod terminal;
