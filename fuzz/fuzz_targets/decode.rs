//! Any bytes as a log file: gzip or not, any shape. Must never panic; every event it yields
//! must come from a record (so at most one per record).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let outcome = trailmask::scan::read_bytes(bytes, 1 << 22);
    assert!(outcome.events.len() as u64 <= outcome.records);
    if outcome.skipped.is_some() {
        assert!(outcome.events.is_empty());
    }
});
