//! Any bytes as a log file: gzip or not, any shape. Must never panic; every event it yields
//! must come from a record (so at most one per record). The splitter must find the same
//! records in the bytes whether it is given them whole or in pieces (as while inflating), and
//! decoding must keep the same records either way. The hand-written record reader must read
//! the bytes as serde does, or leave them to serde; its skimming reading of calls (`activity`)
//! as the full one does, and as serde does wherever serde reads them. Reading for hand-overs
//! or for activity finds the same role assumptions, at most one activity call per record, and
//! hand-overs only from records. Records salvaged or read on past damage (JSON Lines) each lie
//! in bytes of their own.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailmask::testing;

fuzz_target!(|bytes: &[u8]| {
    let outcome = testing::read_bytes(bytes, 1 << 22);
    assert!(outcome.events.len() as u64 <= outcome.records);
    if outcome.skipped.is_some() {
        assert!(outcome.events.is_empty());
    }
    for interest in [testing::Interest::HandOvers, testing::Interest::Activity] {
        let wider = testing::read_bytes_for(bytes, 1 << 22, interest);
        assert_eq!(wider.records, outcome.records);
        assert_eq!(wider.events.len(), outcome.events.len());
        for (a, b) in wider.events.iter().zip(&outcome.events) {
            assert_eq!(a, b);
        }
        assert!(wider.calls <= wider.records);
        assert!(testing::hand_over_count(&wider) as u64 <= wider.records * 8);
    }
    assert!(testing::records_lie_apart(bytes));
    let piece = 1 + usize::from(bytes.first().copied().unwrap_or(0));
    assert!(testing::splitting_in_pieces_agrees(bytes, piece));
    if let Ok(text) = std::str::from_utf8(bytes) {
        assert!(testing::hand_reader_agrees_with_serde(text));
    }
});
