//! Any bytes as a log file: gzip or not, any shape. Must never panic; every event it yields
//! must come from a record (so at most one per record). The splitter must find the same
//! records in the bytes whether it is given them whole or in pieces (as while inflating), and
//! decoding must keep the same records either way. The hand-written record reader must read
//! the bytes as serde does, or leave them to serde.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailmask::input::decode::{decode, record_splitter};
use trailmask::input::fields::read_record;
use trailmask::input::records::Record;
use trailmask::input::split::{Splitter, split_records};

fuzz_target!(|bytes: &[u8]| {
    let outcome = trailmask::scan::read_bytes(bytes, 1 << 22);
    assert!(outcome.events.len() as u64 <= outcome.records);
    if outcome.skipped.is_some() {
        assert!(outcome.events.is_empty());
    }
    let piece = 1 + usize::from(bytes.first().copied().unwrap_or(0));
    let mut splitter = Splitter::new();
    let mut filtered = record_splitter();
    for end in (piece..bytes.len()).step_by(piece) {
        splitter.feed(&bytes[..end]);
        filtered.feed(&bytes[..end]);
    }
    assert_eq!(splitter.finish(bytes), split_records(bytes));
    let kept = |splitter| {
        let decoded = decode(bytes, splitter);
        let records: Vec<Vec<u8>> = decoded.records.iter().map(|r| r.bytes().to_vec()).collect();
        (records, decoded.count)
    };
    assert_eq!(kept(filtered), kept(record_splitter()));
    if let Ok(text) = std::str::from_utf8(bytes)
        && let Some(record) = read_record(text)
    {
        assert_eq!(Some(record), serde_json::from_str::<Record>(text).ok());
    }
});
