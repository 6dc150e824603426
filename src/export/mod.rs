//! Writers, one module per format. Tabular outputs (events, edges, services, chains) are
//! described once as [`Rows`] and written by [`csv`], [`json`] or [`table`]; the graph has its
//! own writers ([`dot`], [`mermaid`], and [`json::write_graph`]), which share the edge labels
//! written here (hops' counts, hand-overs' `passes to SERVICE (N)`); [`html`] wraps the
//! report's data in one self-contained page.

pub mod csv;
pub mod dot;
pub mod html;
pub mod json;
pub mod mermaid;
pub mod table;

use crate::graph::{Edge, MaskCounts};
use std::io;

/// How DOT and Mermaid mark an account outside `--accounts` (beside its name).
pub const OUTSIDE_ACCOUNTS: &str = "(outside --accounts)";

/// `1 file`, `2 files`.
pub fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// `6 roles`, `5 roles and 1 federated user`, `1 account root`: an account-level edge's
/// masks, each kind counted.
pub fn masks_text(masks: &MaskCounts) -> String {
    let parts: Vec<String> = [
        (masks.roles, "role"),
        (masks.roots, "account root"),
        (masks.federated_users, "federated user"),
    ]
    .into_iter()
    .filter(|&(count, _)| count > 0)
    .map(|(count, noun)| plural(count, noun))
    .collect();
    match parts.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A hop edge's label in the pictures: its count and refusals (`3`, `3 (1 refused)`, `2
/// refused` when every hop was), or at account level `12 hops (2 refused), 3 roles`. Refused,
/// as the hand-overs and `chains` say it (an incident responder's, session 37); one text for
/// DOT and Mermaid (a review's, session 38: Mermaid's labels left the refusals out).
pub fn count_text(edge: &Edge) -> String {
    if edge.masks.any() {
        return format!(
            "{}{}, {}",
            plural(edge.count(), "hop"),
            hops_refused(edge),
            masks_text(&edge.masks)
        );
    }
    match (edge.successes, edge.failures) {
        (_, 0) => edge.count().to_string(),
        (0, _) => format!("{} refused", edge.count()),
        (_, failures) => format!("{} ({failures} refused)", edge.count()),
    }
}

/// A hand-over edge's label in the pictures: `passes to ec2 (3)` (the service by its short
/// name, as the report writes it: the full principal's labels were long enough to lie over
/// their neighbours', a new user's first hour, session 36), with refusals (`(3, 1 refused)`,
/// `(1 refused)` when every call was refused), and at account level the roles handed over
/// (`passes 2 roles to ec2 (5)`).
pub fn hand_over_text(edge: &Edge) -> String {
    let service = short_service(edge.kind.service().unwrap_or(""));
    let what = if edge.masks.any() {
        format!("passes {} to {service}", masks_text(&edge.masks))
    } else {
        format!("passes to {service}")
    };
    let count = match (edge.successes, edge.failures) {
        (_, 0) => edge.count().to_string(),
        (0, failures) => format!("{failures} refused"),
        (_, failures) => format!("{}, {failures} refused", edge.count()),
    };
    format!("{what} ({count})")
}

/// A service principal by its short name: `ec2` for `ec2.amazonaws.com` (`.amazonaws.com.cn`
/// in China).
pub fn short_service(principal: &str) -> &str {
    principal
        .strip_suffix(".amazonaws.com")
        .or_else(|| principal.strip_suffix(".amazonaws.com.cn"))
        .filter(|name| !name.is_empty())
        .unwrap_or(principal)
}

/// `3 hand-overs inside to ec2 (1 refused)`, or `… to 2 services`: an
/// account's own hand-overs (one edge per service), at account level; `None` without any.
pub fn own_hand_overs_text(edges: &[&Edge]) -> Option<String> {
    let count: u64 = edges.iter().map(|edge| edge.count()).sum();
    if count == 0 {
        return None;
    }
    let to = match edges {
        [one] => short_service(one.kind.service().unwrap_or("")).to_owned(),
        more => plural(more.len() as u64, "service"),
    };
    let mut text = format!("{} inside to {to}", plural(count, "hand-over"));
    let failures: u64 = edges.iter().map(|edge| edge.failures).sum();
    if failures > 0 {
        text.push_str(&format!(" ({failures} refused)"));
    }
    Some(text)
}

/// `12 hops inside (1 refused), 3 roles`: an account's own hops, at account level.
pub fn own_hops_text(edge: &Edge) -> String {
    format!(
        "{} inside{}, {}",
        plural(edge.count(), "hop"),
        hops_refused(edge),
        masks_text(&edge.masks)
    )
}

/// The refusals of an account-level edge of hops, said beside the hops (` (12 refused)`,
/// ` (all refused)`, or nothing): after the roles they read as roles failing.
pub fn hops_refused(edge: &Edge) -> String {
    match (edge.successes, edge.failures) {
        (_, 0) => String::new(),
        (0, _) => " (all refused)".to_owned(),
        (_, failures) => format!(" ({failures} refused)"),
    }
}

/// One cell of a tabular output, typed so JSON keeps numbers and booleans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell<'a> {
    Text(&'a str),
    Owned(String),
    Count(u64),
    /// Empty in CSV, `null` in JSON.
    MaybeCount(Option<u64>),
    MaybeBool(Option<bool>),
    /// `;`-joined in CSV and tables, an array in JSON.
    List(Vec<&'a str>),
    /// RFC 3339 UTC text; empty when unknown.
    Time(Option<chrono::DateTime<chrono::Utc>>),
}

impl Cell<'_> {
    /// The cell as text (CSV and tables).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            Cell::Text(text) => Cow::Borrowed(text),
            Cell::Owned(text) => Cow::Borrowed(text),
            Cell::Count(n) => Cow::Owned(n.to_string()),
            Cell::MaybeCount(n) => Cow::Owned(n.map(|n| n.to_string()).unwrap_or_default()),
            Cell::MaybeBool(b) => Cow::Borrowed(match b {
                Some(true) => "true",
                Some(false) => "false",
                None => "",
            }),
            Cell::List(items) => Cow::Owned(items.join(";")),
            Cell::Time(time) => Cow::Owned(crate::timefmt::format_opt(time.as_ref())),
        }
    }
}

/// A table whose rows can be reached by index, so long tables are formatted in parallel chunks
/// (and still written in order).
pub trait IndexedRows: Rows + Sync {
    /// The number of rows.
    #[allow(clippy::len_without_is_empty, reason = "only chunked writing asks")]
    fn len(&self) -> usize;
    /// Calls `emit` with the cells of rows `range`, in order.
    ///
    /// # Errors
    /// Whatever `emit` returns.
    fn each_row_in(
        &self,
        range: std::ops::Range<usize>,
        emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>,
    ) -> io::Result<()>;
}

/// Rows per chunk formatted by one worker.
const CHUNK_ROWS: usize = 2048;

/// The bytes a chunk's buffer holds before the rest of its rows are formatted as it is
/// written: a chunk is held to rows, and a crafted value (a 1 MB ARN, the origin of every
/// row of a chain) made 2,048 rows of 2 GB, 16,384 held at a time on two threads (a
/// red-team's, session 40). Ordinary chunks (~1 MB) never reach it.
const CHUNK_BYTES: usize = 4 << 20;

/// Formats the rows of a range into bytes.
pub type FormatChunk<'a> =
    dyn Fn(std::ops::Range<usize>, &mut Vec<u8>) -> io::Result<()> + Sync + 'a;

/// The most rows formatted between two looks at a buffer's size: a buffer holds at most
/// [`CHUNK_BYTES`] and this many rows more, however the rows' sizes vary (a step sized from
/// small rows would take as many huge ones after them).
const STEP_ROWS: usize = 16;

/// Formats rows of `range` into `bytes`, [`STEP_ROWS`] at a time (fewer when the rows so far
/// say fewer fill it), until it holds [`CHUNK_BYTES`] or the range ends; returns the row
/// reached.
fn format_some(
    format: &FormatChunk,
    range: std::ops::Range<usize>,
    bytes: &mut Vec<u8>,
) -> io::Result<usize> {
    let mut at = range.start;
    let mut step = STEP_ROWS;
    while at < range.end && bytes.len() < CHUNK_BYTES {
        let before = bytes.len();
        let end = at.saturating_add(step).min(range.end);
        format(at..end, bytes)?;
        let per_row = (bytes.len() - before) / (end - at) + 1;
        at = end;
        step = (CHUNK_BYTES.saturating_sub(bytes.len()) / per_row).clamp(1, STEP_ROWS);
    }
    Ok(at)
}

/// Formats `len` rows in chunks on the current rayon pool and writes the chunks in order, so
/// the bytes are the same for any thread count. A window of a few chunks per thread is
/// formatted at a time, so memory stays bounded however long the table (and however long its
/// rows: a chunk's buffer stops at [`CHUNK_BYTES`], its other rows formatted as it is written),
/// and each window is written while the next one is being formatted.
///
/// # Errors
/// A formatting or write error.
pub fn write_in_chunks(
    len: usize,
    format: &FormatChunk,
    wtr: &mut dyn io::Write,
) -> io::Result<()> {
    use rayon::prelude::*;
    let chunks = len.div_ceil(CHUNK_ROWS);
    let window = 2 * rayon::current_num_threads();
    let rows_of = |chunk: usize| chunk * CHUNK_ROWS..((chunk + 1) * CHUNK_ROWS).min(len);
    // Each buffer with the row its formatting reached.
    let format_window = |buffers: &mut [(Vec<u8>, usize)], first: usize| -> io::Result<()> {
        buffers
            .par_iter_mut()
            .enumerate()
            .try_for_each(|(offset, (bytes, reached))| {
                bytes.clear();
                *reached = format_some(format, rows_of(first + offset), bytes)?;
                Ok(())
            })
    };
    let window_len = |first: usize| chunks.saturating_sub(first).min(window);
    // Two sets of buffers, reused for every window (no fresh pages for the kernel to zero):
    // one being written, one being formatted; and one for the rows a buffer did not hold.
    let mut ready: Vec<(Vec<u8>, usize)> = vec![(Vec::new(), 0); window];
    let mut next: Vec<(Vec<u8>, usize)> = vec![(Vec::new(), 0); window];
    let mut rest = Vec::new();
    format_window(&mut ready[..window_len(0)], 0)?;
    let mut first = 0;
    while first < chunks {
        let count = window_len(first);
        let following = first + window;
        let next_count = window_len(following);
        let mut formatted = Ok(());
        rayon::in_place_scope(|scope| -> io::Result<()> {
            if next_count > 0 {
                scope.spawn(|_| formatted = format_window(&mut next[..next_count], following));
            }
            for (offset, (bytes, reached)) in ready[..count].iter().enumerate() {
                wtr.write_all(bytes)?;
                let end = rows_of(first + offset).end;
                let mut at = *reached;
                while at < end {
                    rest.clear();
                    at = format_some(format, at..end, &mut rest)?;
                    wtr.write_all(&rest)?;
                }
            }
            Ok(())
        })?;
        formatted?;
        std::mem::swap(&mut ready, &mut next);
        first = following;
    }
    Ok(())
}

/// A table streamed row by row.
pub trait Rows {
    /// Column names, in order.
    fn columns(&self) -> Vec<&'static str>;
    /// Calls `emit` with each row's cells, in output order.
    ///
    /// # Errors
    /// Whatever `emit` returns.
    fn each_row(&self, emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>) -> io::Result<()>;
    /// True when the last column is text that runs on (a chain): a terminal table falls back
    /// to records only when the other columns do not fit ([`table::write`]).
    fn last_column_runs_on(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::EdgeKind;

    fn hand_over(
        successes: u64,
        failures: u64,
        roles: u64,
        service: &'static str,
    ) -> Edge<'static> {
        Edge {
            kind: EdgeKind::HandOver { service },
            successes,
            failures,
            masks: crate::graph::MaskCounts {
                roles,
                ..Default::default()
            },
            ..Edge::default()
        }
    }

    /// Rows of any size, small ones before huge ones (a red-team's case, session 40: chunks
    /// were held to rows, so 1 MB rows took gigabytes): the bytes are those of the rows in
    /// order, on any pool, and no buffer holds more than [`CHUNK_BYTES`] and [`STEP_ROWS`]
    /// rows.
    #[test]
    fn chunks_are_held_to_their_bytes_and_written_in_order() {
        let row = |index: usize| -> Vec<u8> {
            let size = if (3000..3400).contains(&index) {
                100_000
            } else {
                10
            };
            let mut row = format!("{index}:").into_bytes();
            row.resize(size, b'x');
            row.push(b'\n');
            row
        };
        let len = 7000;
        let expected: Vec<u8> = (0..len).flat_map(row).collect();
        for threads in [1, 3] {
            let most = std::sync::atomic::AtomicUsize::new(0);
            let format = |range: std::ops::Range<usize>, bytes: &mut Vec<u8>| {
                range.for_each(|index| bytes.extend(row(index)));
                most.fetch_max(bytes.len(), std::sync::atomic::Ordering::Relaxed);
                Ok(())
            };
            let mut out = Vec::new();
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| write_in_chunks(len, &format, &mut out))
                .unwrap();
            assert!(out == expected, "{threads} threads");
            let most = most.into_inner();
            assert!(most <= CHUNK_BYTES + STEP_ROWS * 100_001, "{most}");
            assert!(most >= CHUNK_BYTES, "{most}");
        }
    }

    #[test]
    fn a_hand_over_is_labelled_with_its_service_count_and_refusals() {
        let ec2 = "ec2.amazonaws.com";
        assert_eq!(
            hand_over_text(&hand_over(3, 0, 0, ec2)),
            "passes to ec2 (3)"
        );
        assert_eq!(
            hand_over_text(&hand_over(2, 1, 0, ec2)),
            "passes to ec2 (3, 1 refused)"
        );
        assert_eq!(
            hand_over_text(&hand_over(0, 2, 0, ec2)),
            "passes to ec2 (2 refused)"
        );
        assert_eq!(
            hand_over_text(&hand_over(5, 0, 2, ec2)),
            "passes 2 roles to ec2 (5)"
        );
        assert_eq!(
            hand_over_text(&hand_over(1, 0, 1, ec2)),
            "passes 1 role to ec2 (1)"
        );
    }

    #[test]
    fn a_service_is_named_short() {
        assert_eq!(short_service("ec2.amazonaws.com"), "ec2");
        assert_eq!(short_service("ecs-tasks.amazonaws.com.cn"), "ecs-tasks");
        assert_eq!(short_service(".amazonaws.com"), ".amazonaws.com");
        assert_eq!(short_service("example.com"), "example.com");
    }

    #[test]
    fn an_accounts_own_hand_overs_are_summed_over_services() {
        let ec2 = hand_over(1, 0, 1, "ec2.amazonaws.com");
        let lambda = hand_over(2, 2, 2, "lambda.amazonaws.com");
        assert_eq!(own_hand_overs_text(&[]), None);
        assert_eq!(
            own_hand_overs_text(&[&ec2]).as_deref(),
            Some("1 hand-over inside to ec2")
        );
        assert_eq!(
            own_hand_overs_text(&[&ec2, &lambda]).as_deref(),
            Some("5 hand-overs inside to 2 services (2 refused)")
        );
    }
}
