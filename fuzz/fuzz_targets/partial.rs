//! Any bytes as the lines of a partial result (`trailmask partial`), read for each interest,
//! with and without the timeline, given twice so that the merge takes every call out once as
//! a copy: must never panic (a partial's indexes and counts are not trusted).
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailmask::testing::{self, Interest};

fuzz_target!(|bytes: &[u8]| {
    for interest in [
        Interest::RoleAssumptions,
        Interest::HandOvers,
        Interest::Activity,
    ] {
        for timeline in [false, true] {
            if let Ok((files, _calls)) = testing::merge_partial_lines(bytes, interest, timeline) {
                assert!(files <= bytes.len());
            }
        }
    }
});
