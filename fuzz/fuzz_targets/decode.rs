//! Any bytes as a log file: gzip or not, any shape. Must never panic; every event it yields
//! must come from a record (so at most one per record). The splitter must find the same
//! records in the bytes whether it is given them whole or in pieces (as while inflating), and
//! decoding must keep the same records either way. The hand-written record reader must read
//! the bytes as serde does, or leave them to serde.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailmask::testing;

fuzz_target!(|bytes: &[u8]| {
    let outcome = testing::read_bytes(bytes, 1 << 22);
    assert!(outcome.events.len() as u64 <= outcome.records);
    if outcome.skipped.is_some() {
        assert!(outcome.events.is_empty());
    }
    let piece = 1 + usize::from(bytes.first().copied().unwrap_or(0));
    assert!(testing::splitting_in_pieces_agrees(bytes, piece));
    if let Ok(text) = std::str::from_utf8(bytes) {
        assert!(testing::hand_reader_agrees_with_serde(text));
    }
});
