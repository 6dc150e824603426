//! trailmask reads AWS CloudTrail logs and maps who wore which IAM role.
//!
//! An IAM role is a mask: it never acts by itself, someone must wear it. This crate finds every
//! act of putting one on (`sts:AssumeRole*`, `AssumeRoot`, `GetFederationToken`,
//! `GetSessionToken` and console `SwitchRole`) in any shape CloudTrail logs are delivered in, and
//! builds from them the graph of source identities, roles and sessions.
//!
//! Data flows one way, one module per stage:
//!
//! ```text
//! read::discover → read::file (load → decode → records) → event::extract → dedupe → canon
//!   → console → chain → graph → export
//! ```
//!
//! `scan::scan` runs the reading stages on all cores and returns a deterministic scan; the
//! `cmd` modules turn it into each command's output. `read` is the only user of `json`, the
//! JSON- and CPU-level fast path that knows nothing of CloudTrail.
//!
//! The public surface is the command line ([`cli`], [`run`], [`exit`]); [`testing`] opens a
//! few internals to the integration tests, the fuzz targets and the examples.

// The documentation is for maintainers (`cargo doc --document-private-items`): public items
// may link the private modules they come from.
#![allow(rustdoc::private_intra_doc_links)]

pub mod cli;
pub mod exit;

mod accounts;
mod activity;
mod arn;
mod canon;
mod chain;
mod cmd;
mod console;
mod dedupe;
mod error;
mod event;
mod export;
mod filter;
mod focus;
mod graph;
mod json;
mod output;
mod partial;
mod passrole;
mod plan;
mod prefetch;
mod read;
mod scan;
mod timefmt;

pub use cmd::run;
pub use output::note_stdout_closed;

/// Internals for the integration tests, the fuzz targets and the examples; not a stable API.
#[doc(hidden)]
pub mod testing {
    pub use crate::accounts::AccountNames;
    pub use crate::canon::canonical_roles;
    pub use crate::chain::link_chains;
    pub use crate::cmd::edges::EdgeRows;
    pub use crate::cmd::free_when_done;
    pub use crate::console::pair_console_switches;
    pub use crate::dedupe::{DedupeKey, dedupe, output_order};
    pub use crate::event::RoleAssumption;
    pub use crate::export::dot::quote as dot_quote;
    pub use crate::export::mermaid::label as mermaid_label;
    pub use crate::export::table::printable;
    pub use crate::export::{Cell, Rows};
    pub use crate::graph::{GraphOptions, MaskGraph};
    pub use crate::passrole::coverage::markdown as passrole_coverage_markdown;
    pub use crate::read::decode::Interest;
    pub use crate::read::file::{FileOutcome, read_bytes, read_bytes_for};
    pub use crate::read::load::{Buffers, load};
    pub use crate::scan::{Scan, ScanOptions, scan};

    /// The writers of each format.
    pub mod write {
        pub use crate::export::csv::write as csv;
        pub use crate::export::dot::write as dot;
        pub use crate::export::html::write as html;
        pub use crate::export::json::{write_array as json_array, write_graph as json_graph};
        pub use crate::export::mermaid::write as mermaid;
        pub use crate::export::table::write as table;
    }

    /// True when the hand reader reads `text` as serde does, or leaves it to serde (both the
    /// full reading and the skimming one of calls: see [`skimmed_call_agrees`]).
    pub fn hand_reader_agrees_with_serde(text: &str) -> bool {
        use crate::read::records::{CallRecord, Record, read_record};
        read_record(text)
            .is_none_or(|record| Some(record) == serde_json::from_str::<Record>(text).ok())
            && crate::json::read_object::<CallRecord>(text)
                .is_none_or(|record| Some(record) == serde_json::from_str::<CallRecord>(text).ok())
            && skimmed_call_agrees(text)
    }

    /// True when the skimming reader of calls (`activity`) reads a call as the full hand
    /// reader does wherever that one reads it, and as serde does wherever serde reads it
    /// (where neither does, the values it passed over were malformed: it may read it).
    pub fn skimmed_call_agrees(text: &str) -> bool {
        use crate::read::records::{CallRecord, read_call};
        read_call(text).is_none_or(|skimmed| {
            crate::json::read_object::<CallRecord>(text).is_none_or(|full| full == skimmed)
                && serde_json::from_str::<CallRecord>(text)
                    .ok()
                    .is_none_or(|reference| reference == skimmed)
        }) && call_reader_agrees(text)
    }

    /// True when the reader of calls that reads each `userIdentity` text once
    /// ([`crate::read::calls`]) reads `text`, given twice (the second time its identity is
    /// known, with the session it was counted in), as the skimming reader of whole calls does,
    /// or leaves it to that one.
    pub fn call_reader_agrees(text: &str) -> bool {
        use crate::activity::Call;
        use crate::json::Repeats;
        use crate::read::calls::{CallRead, CallReader};
        use crate::read::records::read_call;
        let whole = read_call(text);
        let expected = whole
            .as_ref()
            .map(|record| (record.repeats(), Call::of_call_record(record)));
        let mut reader = CallReader::new();
        (0..2u32).all(|round| {
            // Whether `count` was called, and then whether it was given the whole reading's
            // call and (the second time) the session it answered the first.
            let mut counted = None;
            let read = reader.read(text, |call, known| {
                let same = expected
                    .as_ref()
                    .is_some_and(|(_, whole)| *whole == Some(*call));
                counted = Some(same && known == (round == 1).then_some(7));
                Some(7)
            });
            match read {
                CallRead::Whole => true,
                CallRead::Read { repeats } => expected
                    .as_ref()
                    .is_some_and(|(r, call)| *r == repeats && counted.unwrap_or(call.is_none())),
            }
        })
    }

    /// Reads `lines` (a partial result's JSON Lines, uncompressed) as a run reading for
    /// `interest` (with the timeline of calls or not) merges it, given twice (so every call
    /// is a copy of another, taken out by the merge): the files and distinct calls it held, or
    /// why it was refused. For the fuzz target.
    pub fn merge_partial_lines(
        lines: &[u8],
        interest: Interest,
        timeline: bool,
    ) -> Result<(usize, u64), String> {
        use std::io::Write;
        let mut bytes = crate::partial::MAGIC.to_vec();
        let mut gz = flate2::write::GzEncoder::new(&mut bytes, flate2::Compression::fast());
        gz.write_all(lines).map_err(|e| e.to_string())?;
        gz.finish().map_err(|e| e.to_string())?;
        let window = crate::activity::CallCounting {
            timeline,
            ..Default::default()
        };
        let reader = crate::read::file::FileReader::new(1 << 24, interest).counting(window);
        let mut files = 0;
        let mut activities = Vec::new();
        for _ in 0..2 {
            let body = &bytes[crate::partial::MAGIC.len()..];
            let mut take = |stored| crate::read::file::stored_result(stored, &reader);
            let partial =
                crate::partial::read(body, Some(bytes.len() as u64), &reader.expect(), &mut take)?;
            files += partial.files.len();
            activities.extend(partial.activity);
        }
        let merged = crate::activity::aggregate::merge(activities);
        Ok((files, merged.sessions.iter().map(|s| s.calls).sum()))
    }

    /// The hand-overs (rows) one file gave, for the fuzz targets.
    pub fn hand_over_count(outcome: &FileOutcome) -> usize {
        outcome
            .found
            .iter()
            .map(|found| match found {
                crate::passrole::Found::HandOvers(rows) => rows.len(),
                crate::passrole::Found::Profile(_) => 1,
            })
            .sum()
    }

    /// True when the splitter finds the same records in `bytes` fed whole or a `piece` of
    /// bytes at a time (as while inflating), with and without the name filter, and decoding
    /// keeps the same records either way.
    pub fn splitting_in_pieces_agrees(bytes: &[u8], piece: usize) -> bool {
        use crate::json::{PlainSplitter, split_records};
        use crate::read::decode::{RECORDS, decode, record_splitter};
        let piece = piece.max(1);
        let mut splitter = PlainSplitter::new(RECORDS);
        let mut filtered = record_splitter();
        for end in (piece..bytes.len()).step_by(piece) {
            splitter.feed(&bytes[..end]);
            filtered.feed(&bytes[..end]);
        }
        let kept = |splitter| {
            let decoded = decode(bytes, splitter);
            let records: Vec<Vec<u8>> =
                decoded.records.iter().map(|r| r.bytes().to_vec()).collect();
            (records, decoded.count)
        };
        splitter.finish(bytes) == split_records(bytes, RECORDS)
            && kept(filtered) == kept(record_splitter())
    }

    /// True when the records decoding `bytes` gives (as text, not gzip) that are borrowed from
    /// it lie apart, each in its own bytes: a record is never counted twice, whatever was
    /// salvaged or read on past damage.
    pub fn records_lie_apart(bytes: &[u8]) -> bool {
        use crate::read::decode::{RecordText, decode, record_splitter};
        let base = bytes.as_ptr() as usize;
        let mut spans: Vec<(usize, usize)> = decode(bytes, record_splitter())
            .records
            .iter()
            .filter_map(|record| match record.text {
                RecordText::Borrowed(text) => {
                    let start = text.as_ptr() as usize - base;
                    Some((start, start + text.len()))
                }
                RecordText::Owned(_) => None,
            })
            .collect();
        spans.sort_unstable();
        spans.windows(2).all(|pair| pair[0].1 <= pair[1].0)
    }
}
