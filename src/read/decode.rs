//! From a file's bytes to raw CloudTrail records, in every shape logs are delivered in.
//!
//! gzip is recognised by its magic bytes, whatever the name; multi-member gzip is read whole.
//! The decompressed text is a stream of one or more JSON values (one value, or JSON Lines),
//! each of which may be:
//!
//! - an S3 delivery file `{"Records":[…]}`;
//! - a single record, or an array of records (or of any shape here);
//! - `aws cloudtrail lookup-events` output `{"Events":[{"CloudTrailEvent":"<record>"}]}`;
//! - an EventBridge event `{"detail-type":"AWS API Call via CloudTrail","detail":{…}}`;
//! - a CloudWatch Logs subscription payload `{"messageType":"DATA_MESSAGE","logEvents":[…]}`;
//! - a CloudTrail digest (skipped), or JSON that is not CloudTrail (skipped).
//!
//! Records are handed on as raw JSON text, so the extractor parses only the few that can be role
//! assumptions. When the text is cut short or corrupt, the complete records before the damage
//! are kept ([`Decoded::error`] says what went wrong); in JSON Lines, reading goes on at the
//! line after a bad one ([`Decoded::bad_lines`]).

use crate::event::EventName;
use crate::json::{self, Key, KeyMark, Records, Splitter, Text};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::cmp::Ordering;
use std::fmt;

/// One record's JSON text: borrowed from the file, or owned when it was itself a JSON string
/// inside another document (lookup-events, CloudWatch Logs).
#[derive(Debug)]
pub enum RecordText<'a> {
    Borrowed(&'a [u8]),
    Owned(String),
}

/// What is known, before parsing a record, of whether it can be a role assumption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameHint {
    /// Not looked at: search the text for candidate names.
    Unknown,
    /// Decided from its `eventName` values, before any parse.
    Candidate(bool),
}

/// One raw record.
#[derive(Debug)]
pub struct RawRecord<'a> {
    pub text: RecordText<'a>,
    pub name: NameHint,
}

impl<'a> RawRecord<'a> {
    fn borrowed(text: &'a [u8]) -> Self {
        RawRecord {
            text: RecordText::Borrowed(text),
            name: NameHint::Unknown,
        }
    }

    fn owned(text: String) -> Self {
        RawRecord {
            text: RecordText::Owned(text),
            name: NameHint::Unknown,
        }
    }

    /// The record's JSON text.
    pub fn bytes(&self) -> &[u8] {
        match &self.text {
            RecordText::Borrowed(text) => text,
            RecordText::Owned(text) => text.as_bytes(),
        }
    }
}

/// What a file turned out to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// A CloudTrail-Digest file (integrity digests, no events).
    Digest,
    /// A CloudTrail-Insight file (anomaly summaries, no API calls).
    Insight,
    /// JSON that holds no CloudTrail records (a policy, a config file).
    NotCloudTrail,
    /// A file with no bytes at all.
    Empty,
    /// A symbolic link not followed (see `--follow`), or a link loop.
    Symlink,
    /// A name that is not a log file's, inside a walked directory.
    NotALogName,
    /// Pruned by `--since`/`--until` from its S3 date folder.
    OutsideDates,
    /// Not a regular file (a named pipe, a socket, a device) inside a walked directory: never
    /// opened, as opening a pipe would wait for a writer forever.
    NotAFile,
}

impl SkipReason {
    /// Every reason, for reading one back by name ([`SkipReason::named`]).
    pub const ALL: [SkipReason; 8] = [
        SkipReason::Digest,
        SkipReason::Insight,
        SkipReason::NotCloudTrail,
        SkipReason::Empty,
        SkipReason::Symlink,
        SkipReason::NotALogName,
        SkipReason::OutsideDates,
        SkipReason::NotAFile,
    ];

    /// The reason whose [`SkipReason::as_str`] is `name` (or was: older partials name pruned
    /// date folders `outside --since/--until`).
    pub fn named(name: &str) -> Option<SkipReason> {
        if name == "outside --since/--until" {
            return Some(SkipReason::OutsideDates);
        }
        SkipReason::ALL
            .into_iter()
            .find(|reason| reason.as_str() == name)
    }

    /// A short name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Digest => "digest",
            SkipReason::Insight => "insight",
            SkipReason::NotCloudTrail => "not CloudTrail",
            SkipReason::Empty => "empty",
            SkipReason::Symlink => "symlink",
            SkipReason::NotALogName => "not a log file name",
            // Counted once per folder pruned, not per file in it (never listed).
            SkipReason::OutsideDates => "date folders outside --since/--until",
            SkipReason::NotAFile => "not a regular file",
        }
    }
}

/// The records found in a file's text, or why it holds none.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// The raw records, in file order; from a delivery file only those that may be role
    /// assumptions (the others are ruled out by their `eventName` values and left out).
    pub records: Vec<RawRecord<'a>>,
    /// How many records the file holds, those left out included.
    pub count: usize,
    /// Set when the file holds no CloudTrail records at all.
    pub skip: Option<SkipReason>,
    /// The records to parse in full would take more memory than the file may (none listed).
    pub too_many: bool,
    /// A document gave `"Records"` twice (the first array is read).
    pub repeated_records: bool,
    /// The JSON error that stopped decoding, or the first of JSON Lines' bad lines; the
    /// records before it are kept.
    pub error: Option<JsonDamage>,
    /// Values of a `Records` array that are not records (not objects), and what the first
    /// is: left out, and said as malformed records are.
    pub not_records: usize,
    pub first_not_record: String,
    /// In JSON Lines read on past its damage, how many lines failed to parse (the first is
    /// [`Decoded::error`]; 0 when reading stopped there): each is left out, or the complete
    /// records before its damage kept, and reading goes on at the next line.
    pub bad_lines: usize,
}

/// What a text is when it cannot be CloudTrail's UTF-8 JSON for a reason worth naming: gzip
/// still after inflating once, or UTF-16 or UTF-32 (by byte order mark, or by the NUL bytes
/// beside the first ASCII character).
pub fn wrong_encoding(text: &[u8]) -> Option<&'static str> {
    if crate::read::load::is_gzip(text) {
        return Some("gzip inside gzip (still gzip once inflated)");
    }
    let text_byte = |b: u8| b.is_ascii_graphic() || b.is_ascii_whitespace();
    match text {
        [0, 0, 0xfe, 0xff, ..] | [0xff, 0xfe, 0, 0, ..] => Some("UTF-32 text, not UTF-8"),
        [0xfe, 0xff, ..] | [0xff, 0xfe, ..] => Some("UTF-16 text, not UTF-8"),
        [0, 0, 0, a, 0, 0, 0, b, ..] | [a, 0, 0, 0, b, 0, 0, 0, ..]
            if text_byte(*a) && text_byte(*b) =>
        {
            Some("UTF-32 text, not UTF-8")
        }
        [0, a, 0, b, ..] | [a, 0, b, 0, ..] if text_byte(*a) && text_byte(*b) => {
            Some("UTF-16 text, not UTF-8")
        }
        _ => None,
    }
}

/// Finds the records in a file's (decompressed) text. `splitter` is the fast path for S3
/// delivery files: a fresh one, or one already fed the text as it was inflated.
pub fn decode(bytes: &[u8], splitter: RecordSplitter) -> Decoded<'_> {
    decode_reusing(
        bytes,
        splitter,
        &mut Records::default(),
        usize::MAX,
        Interest::RoleAssumptions,
    )
}

/// What listing one record for a full parse costs, at most: its span, its hint and its
/// [`RawRecord`].
const LISTED_RECORD: usize = 64;

/// [`decode`], leaving the splitter's lists in `spare` for the next file's splitter
/// ([`Splitter::reusing`]). A delivery file whose records to parse in full would take more
/// than `budget` bytes to list is not listed ([`Decoded::too_many`]): records that each hold a
/// `\u` escape are all parsed in full (an escaped key may hide `eventName`), and 13-byte ones
/// would cost five times their text.
pub fn decode_reusing<'a>(
    bytes: &'a [u8],
    splitter: RecordSplitter,
    spare: &mut Records,
    budget: usize,
    interest: Interest,
) -> Decoded<'a> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut decoded = Decoded {
        records: Vec::new(),
        count: 0,
        skip: None,
        repeated_records: false,
        too_many: false,
        error: None,
        not_records: 0,
        first_not_record: String::new(),
        bad_lines: 0,
    };
    if text.iter().all(u8::is_ascii_whitespace) {
        decoded.skip = Some(SkipReason::Empty);
        return decoded;
    }
    // S3 delivery files, the bulk of any trail, take the fast splitter.
    if let Some(split) = splitter.finish(bytes) {
        // Spans count from the start of `bytes`, byte order mark included.
        let text = bytes;
        if split
            .first
            .is_some_and(|(start, end)| is_insight(&text[start..end]))
        {
            decoded.skip = Some(SkipReason::Insight);
            return decoded;
        }
        decoded.count = split.count;
        if split.overflowed || split.spans.len().saturating_mul(LISTED_RECORD) > budget {
            decoded.too_many = true;
            *spare = split;
            return decoded;
        }
        let hints = hint_names(text, &split.spans, Some(&split), interest);
        let every = interest == Interest::Activity;
        decoded.records = split
            .spans
            .iter()
            .zip(hints)
            .filter(|(_, name)| every || *name != NameHint::Candidate(false))
            .map(|(&(start, end), name)| RawRecord {
                text: RecordText::Borrowed(&text[start..end]),
                name,
            })
            .collect();
        *spare = split;
        return decoded;
    }
    // As the splitter's lists are held to `budget`, so are the records listed here: a
    // `Records` array of 30 million `{}` after another key took 2 GB for 90 MB of text (a
    // review's, session 37).
    let most_listed = budget / LISTED_RECORD;
    let mut shapes = ShapeTally::listing_at_most(most_listed);
    // Whether no value read so far was written over several lines: the text may be JSON Lines.
    let mut one_line_each = true;
    let failed = collect_values(text, &mut decoded.records, &mut shapes, interest, |value| {
        one_line_each &= !value.contains(&b'\n');
    });
    if let Some((error, start)) = failed {
        let from = start + skip_whitespace(&text[start..]);
        let mut damage = JsonDamage::of(error);
        // The complete records of the value that failed, before its damage; and in text that
        // may be JSON Lines, those of every line from it on, read one by one. Whichever keeps
        // more is kept (a document printed over several lines reads as lines that each fail;
        // a bad line in JSON Lines cost every line after it).
        let mut salvaged = Vec::new();
        let mut salvage_tally =
            ShapeTally::listing_at_most(most_listed.saturating_sub(decoded.records.len()));
        let salvage_shaped = salvage(&text[from..], &mut salvaged, &mut salvage_tally, interest);
        // Lines, when no value so far spanned lines and the one that failed is no document
        // (`[…`, `{"Records":[…`) damaged on a later line than it starts on (one printed over
        // several lines): it failed within its first line, or is a line cut short (its error
        // is then on the next line).
        // (Not when the salvage is over the bound already: the file is refused, and a second
        // list would double what it holds.)
        let lines = if one_line_each && !salvage_tally.too_many {
            let lines_before = memchr::memchr_iter(b'\n', &text[..from]).count();
            let on_first_line = damage.error.line() == 1 + lines_before;
            (!salvage_shaped || on_first_line || cut_short_at(text, from, &damage.error)).then(
                || {
                    let most = most_listed.saturating_sub(decoded.records.len());
                    read_lines(text, from, lines_before, most, interest)
                },
            )
        } else {
            None
        };
        match lines {
            // Whichever read more records, those listed and those passed over; lines on a
            // tie when more than one was bad (every line after the first with a byte-order
            // mark: the line says how many, a red-team's case, session 40).
            Some(lines)
                if (lines.records.len() + lines.shapes.passed_over)
                    .cmp(&(salvaged.len() + salvage_tally.passed_over))
                    .then(if lines.read_on {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    })
                    .is_gt() =>
            {
                decoded.records.extend(lines.records);
                shapes.repeated_records |= lines.shapes.repeated_records;
                shapes.add_bound_counts(&lines.shapes);
                if shapes.not_records == 0 {
                    shapes.first_not_record = lines.shapes.first_not_record;
                }
                shapes.not_records += lines.shapes.not_records;
                if let Some(first) = lines.first_bad {
                    damage = first;
                }
                decoded.bad_lines = if lines.read_on { lines.bad } else { 0 };
            }
            _ => {
                decoded.records.extend(salvaged);
                shapes.add_bound_counts(&salvage_tally);
                if !salvage_shaped {
                    let read = !decoded.records.is_empty() || salvage_tally.passed_over > 0;
                    shapes.cloudtrail += usize::from(read);
                }
            }
        }
        decoded.error = Some(damage);
    }
    if shapes.too_many || decoded.records.len() > most_listed {
        decoded.too_many = true;
        decoded.count = shapes.too_many_count.max(decoded.records.len());
        decoded.records = Vec::new();
        return decoded;
    }
    decoded.count = decoded.records.len() + shapes.passed_over;
    decoded.repeated_records = shapes.repeated_records;
    decoded.not_records = shapes.not_records;
    decoded.first_not_record = shapes.first_not_record;
    if decoded.error.is_none() && shapes.cloudtrail == 0 {
        decoded.skip = Some(if shapes.digest > 0 {
            SkipReason::Digest
        } else if shapes.insight > 0 {
            SkipReason::Insight
        } else {
            SkipReason::NotCloudTrail
        });
    }
    decoded
}

/// Collects the values of `text`, one after another (one document, or JSON Lines), handing
/// each one's text to `each` first; at a JSON error, stops and gives it with where the value
/// that failed begins (the end of the last value read).
fn collect_values<'a>(
    text: &'a [u8],
    out: &mut Vec<RawRecord<'a>>,
    shapes: &mut ShapeTally,
    interest: Interest,
    mut each: impl FnMut(&[u8]),
) -> Option<(serde_json::Error, usize)> {
    let mut stream = serde_json::Deserializer::from_slice(text).into_iter::<TopValue>();
    let mut start = 0;
    while let Some(next) = stream.next() {
        match next {
            Ok(value) => {
                let end = stream.byte_offset();
                let slice = text[start..end].trim_ascii();
                each(slice);
                collect(value, slice, out, shapes, 0, interest);
                start = end;
                if shapes.too_many {
                    // The file is refused: nothing more to list.
                    return None;
                }
            }
            Err(error) => return Some((error, start)),
        }
    }
    None
}

/// How many top-level values of each kind a file held.
#[derive(Debug)]
struct ShapeTally {
    /// The most records to list (a `Records` array of more is not listed: `too_many`).
    most_listed: usize,
    /// The values read held more records than `most_listed` allows, and about how many.
    too_many: bool,
    too_many_count: usize,
    /// Records that cannot be of interest, counted, not listed.
    passed_over: usize,
    /// A document gave `"Records"` twice.
    repeated_records: bool,
    cloudtrail: usize,
    digest: usize,
    insight: usize,
    /// Values of a `Records` array that are not objects (`1`, `"x"`, `null`, `[]`), and the
    /// first of them: no record, and said as malformed ones are.
    not_records: usize,
    first_not_record: String,
}

impl ShapeTally {
    /// Notes a value where a record was expected that is none (not an object), keeping the
    /// first for the line that says so.
    fn note_not_record(&mut self, value: &str) {
        if self.not_records == 0 {
            self.first_not_record = not_a_record(value);
        }
        self.not_records += 1;
    }

    /// Takes in the counts of the bound that `other`, a tally of another reading of the same
    /// text (its JSON Lines, its records salvaged), kept: the records it passed over, and
    /// whether it went past the bound.
    fn add_bound_counts(&mut self, other: &ShapeTally) {
        self.passed_over += other.passed_over;
        self.too_many |= other.too_many;
        self.too_many_count += other.too_many_count;
    }

    /// A tally that lists at most `most_listed` records.
    fn listing_at_most(most_listed: usize) -> Self {
        ShapeTally {
            most_listed,
            too_many: false,
            too_many_count: 0,
            passed_over: 0,
            repeated_records: false,
            cloudtrail: 0,
            digest: 0,
            insight: 0,
            not_records: 0,
            first_not_record: String::new(),
        }
    }
}

/// Reads the elements of a `Records` array as the splitter lists a delivery file's: the first
/// tells an Insights file; a value that is not an object is tallied as no record; of the
/// records, those that may be of `interest` (every one for `activity`, else those
/// [`hint_names`] cannot rule out) are listed, the others only counted; and no more than
/// `most` are listed (then the array is read to its end, only counted, so that the JSON around
/// it still reads). Listing every element first took 2 GB for 30 million `{}` (90 MB of
/// text: a review's, session 37).
struct RecordElements<'s> {
    most: usize,
    interest: Interest,
    shapes: &'s mut ShapeTally,
}

/// What [`RecordElements`] found.
enum Elements<'a> {
    /// The records listed.
    Listed(Vec<&'a RawValue>),
    /// An Insights file's records.
    Insight,
    /// More records of interest than allowed, with the count of every element.
    TooMany(usize),
}

impl<'de> Visitor<'de> for RecordElements<'_> {
    type Value = Elements<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let rest_counted = |mut seq: A, count: usize| -> Result<usize, A::Error> {
            let mut count = count;
            while seq.next_element::<IgnoredAny>()?.is_some() {
                count += 1;
            }
            Ok(count)
        };
        let mut items = Vec::new();
        let mut count = 0;
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            count += 1;
            let text = item.get();
            if count == 1 && is_insight(text.as_bytes()) {
                rest_counted(seq, count)?;
                return Ok(Elements::Insight);
            }
            if !text.starts_with('{') {
                self.shapes.note_not_record(text);
                continue;
            }
            if !may_be_of_interest(text.as_bytes(), self.interest) {
                self.shapes.passed_over += 1;
                continue;
            }
            if items.len() == self.most {
                return Ok(Elements::TooMany(rest_counted(seq, count)?));
            }
            items.push(item);
        }
        Ok(Elements::Listed(items))
    }
}

/// Lists the records held as strings in the elements of an array (lookup-events' `Events`, a
/// CloudWatch Logs payload's `logEvents`; see [`TopValue::Strings`]) as [`RecordElements`]
/// lists a `Records` array's: one element at a time, those of no `interest` only counted, no
/// more than the bound listed. Listing every element first took 1.8 GB for 16 million
/// `{"message":"{}"}` (a red-team's, session 40).
struct StringElements<'s, 'a> {
    key: &'static str,
    interest: Interest,
    shapes: &'s mut ShapeTally,
    out: &'s mut Vec<RawRecord<'a>>,
}

impl<'de> Visitor<'de> for StringElements<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of events")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut past_the_bound = 0;
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            let text = item.get();
            let field = serde_json::Deserializer::from_str(text).deserialize_map(FirstOf(self.key));
            match field {
                Ok(Some(record)) if !may_be_of_interest(record.as_bytes(), self.interest) => {
                    self.shapes.passed_over += 1;
                }
                Ok(Some(record)) if self.out.len() < self.shapes.most_listed => {
                    self.out.push(RawRecord::owned(record));
                }
                Ok(Some(_)) => {
                    past_the_bound += 1;
                    self.shapes.too_many = true;
                    self.shapes.too_many_count =
                        (self.shapes.too_many_count).max(self.out.len() + past_the_bound);
                }
                // An element without the key holds no record (as before).
                Ok(None) => {}
                Err(_) => self.shapes.note_not_record(text),
            }
        }
        Ok(())
    }
}

/// Whether the record `text` may be of `interest`: every record for `activity`, else as
/// [`hint_names`] decides it, with its searches made once for all records (most records name
/// neither `eventName` nor `\u`).
fn may_be_of_interest(text: &[u8], interest: Interest) -> bool {
    if interest == Interest::Activity {
        return true;
    }
    use memchr::memmem::Finder;
    static ESCAPE: std::sync::LazyLock<Finder<'static>> =
        std::sync::LazyLock::new(|| Finder::new(b"\\u"));
    static NAME: std::sync::LazyLock<Finder<'static>> =
        std::sync::LazyLock::new(|| Finder::new(b"\"eventName\""));
    if ESCAPE.find(text).is_some() {
        return true;
    }
    NAME.find(text).is_some()
        && hint_names(text, &[(0, text.len())], None, interest)[0] != NameHint::Candidate(false)
}

/// Deepest array nesting of envelopes searched for records (`[[{…}]]` is not a delivery shape).
const MAX_ENVELOPE_DEPTH: usize = 2;

fn collect<'a>(
    value: TopValue<'a>,
    raw: &'a [u8],
    out: &mut Vec<RawRecord<'a>>,
    shapes: &mut ShapeTally,
    depth: usize,
    interest: Interest,
) {
    match value {
        TopValue::Records(array, repeated) => {
            shapes.repeated_records |= repeated;
            let elements = RecordElements {
                most: shapes.most_listed.saturating_sub(out.len()),
                interest,
                shapes,
            };
            let read = serde_json::Deserializer::from_str(array.get()).deserialize_seq(elements);
            let records = match read {
                Ok(Elements::Listed(records)) => records,
                Ok(Elements::Insight) => {
                    shapes.insight += 1;
                    return;
                }
                Ok(Elements::TooMany(count)) => {
                    shapes.too_many = true;
                    shapes.too_many_count = out.len() + count;
                    return;
                }
                // The array was read whole as a raw value: it cannot fail read again.
                Err(_) => return,
            };
            shapes.cloudtrail += 1;
            let base = raw.as_ptr() as usize;
            let spans: Vec<(usize, usize)> = records
                .iter()
                .map(|r| {
                    let start = (r.get().as_ptr() as usize).saturating_sub(base);
                    (start, start + r.get().len())
                })
                .collect();
            let hints = hint_names(raw, &spans, None, interest);
            out.extend(records.into_iter().zip(hints).map(|(r, name)| RawRecord {
                text: RecordText::Borrowed(r.get().as_bytes()),
                name,
            }));
        }
        TopValue::Strings(array, key, repeated) => {
            shapes.repeated_records |= repeated;
            let elements = StringElements {
                key,
                interest,
                shapes,
                out,
            };
            // An `Events` or `logEvents` that is no array holds no record.
            if serde_json::Deserializer::from_str(array.get())
                .deserialize_seq(elements)
                .is_ok()
            {
                shapes.cloudtrail += 1;
            }
        }
        TopValue::Detail(detail, repeated) => {
            shapes.repeated_records |= repeated;
            shapes.cloudtrail += 1;
            out.push(RawRecord::borrowed(detail.get().as_bytes()));
        }
        TopValue::Record => {
            shapes.cloudtrail += 1;
            // As a `Records` array's elements are listed: only those that may be of
            // interest, and no more than the bound (a review's, session 37: JSON Lines of
            // ten million records were all listed, then refused).
            if !may_be_of_interest(raw, interest) {
                shapes.passed_over += 1;
            } else if out.len() >= shapes.most_listed {
                shapes.too_many = true;
                shapes.too_many_count = shapes.too_many_count.max(out.len() + 1);
            } else {
                out.push(RawRecord::borrowed(raw));
            }
        }
        TopValue::Array(items) if depth < MAX_ENVELOPE_DEPTH => {
            for item in items {
                let text = item.get();
                if let Ok(inner) = serde_json::from_str::<TopValue>(text) {
                    collect(inner, text.as_bytes(), out, shapes, depth + 1, interest);
                }
            }
        }
        TopValue::Digest => shapes.digest += 1,
        TopValue::Array(_) | TopValue::Other => {}
    }
}

/// What a value of a `Records` array that is not an object is, for the line that says so:
/// its first characters (the line is made printable where it is printed).
fn not_a_record(value: &str) -> String {
    format!(
        "a value that is not a record (an object): {}",
        head_of(value)
    )
}

/// The first 24 characters of `text`, `…` after them when there are more: what an error line
/// shows of a value it cannot read.
pub(crate) fn head_of(text: &str) -> String {
    let mut shown: String = text.chars().take(24).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    shown
}

/// Decides for each record of a `Records` array whether it can be a role assumption, from the
/// values of its `"eventName"` keys, found by the splitter as it went (or else with two SIMD
/// substring passes over the whole array) rather than by a search per record.
///
/// In valid JSON every `"eventName"` found is a real string token (a quote inside a string is
/// escaped), and a key when a `:` follows; in text the fast splitter did not validate, a stray
/// match only makes a record a candidate, and the full parse of candidates decides. A record is a candidate when any of its
/// `eventName` values is one of [`EventName`] (nested ones too: the full parse decides), when
/// a value holds an escape, or when the record holds a `\u` escape anywhere (an escaped key
/// could hide the name). Without any `eventName` key it is not a record of interest.
///
/// `split` gives the positions of `\\u` escapes and of possible `"eventName"` tokens when the
/// splitter found them; without it, substring searches find them (a superset: `\\\\u`
/// counts too).
fn hint_names(
    raw: &[u8],
    spans: &[(usize, usize)],
    split: Option<&Records>,
    interest: Interest,
) -> Vec<NameHint> {
    let mut candidate = vec![false; spans.len()];
    let mut mark = |hits: &mut dyn Iterator<Item = usize>, decide: &dyn Fn(usize) -> bool| {
        let mut index = 0;
        for hit in hits {
            while index < spans.len() && spans[index].1 <= hit {
                index += 1;
            }
            if index < spans.len() && spans[index].0 <= hit && !candidate[index] && decide(hit) {
                candidate[index] = true;
            }
        }
    };
    const KEY: &[u8] = b"\"eventName\"";
    let mut names: Box<dyn Iterator<Item = usize>> =
        match split {
            Some(split) => {
                mark(&mut split.unicode_escapes.iter().copied(), &|_| true);
                Box::new(
                    split.key_starts.iter().copied().filter(|&start| {
                        raw.get(start..).is_some_and(|rest| rest.starts_with(KEY))
                    }),
                )
            }
            None => {
                mark(&mut memchr::memmem::find_iter(raw, b"\\u"), &|_| true);
                Box::new(memchr::memmem::find_iter(raw, KEY))
            }
        };
    mark(&mut names, &|hit| {
        name_after(&raw[hit + KEY.len()..]).is_none_or(|name| {
            // The usual name, plain letters, is compared as bytes; anything else is read
            // exactly as the full parse will read it.
            if name.iter().all(u8::is_ascii_alphabetic) {
                interest.is_name(name)
            } else {
                std::str::from_utf8(name).is_ok_and(|name| interest.parses(name))
            }
        })
    });
    candidate.into_iter().map(NameHint::Candidate).collect()
}

/// The key of a delivery file's array of records.
pub(crate) const RECORDS: &[u8] = b"\"Records\"";

/// The key the splitter notes: `"eventName"`, by its `N`, six bytes after the opening quote
/// (a capital letter is rare in JSON text, and no other key CloudTrail writes has one there).
const EVENT_NAME: KeyMark = KeyMark::of(b"\"eventName\"", 6);

/// The splitter of delivery files, noting `"eventName"` ([`EVENT_NAME`]).
pub type RecordSplitter = Splitter<{ EVENT_NAME.byte }, { EVENT_NAME.at }>;

/// The splitter for [`decode`]: of the `"eventName"` starts it notes only those whose value,
/// as far as it has been inflated, may name a role assumption.
pub fn record_splitter() -> RecordSplitter {
    Interest::RoleAssumptions.splitter_of_any_size()
}

/// Which records are worth a full parse: the role assumptions ([`EventName`]), or those and the
/// calls that hand a role to a service or say which role an instance profile holds
/// ([`crate::passrole::coverage`]). Everything that decides before the parse (the splitter's
/// filter, [`hint_names`], the substring search of `read::file`) asks the interest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Interest {
    #[default]
    RoleAssumptions,
    /// Role assumptions and hand-overs.
    HandOvers,
    /// Role assumptions, and every record: the calls role sessions made
    /// ([`crate::activity`]). Records that cannot be role assumptions are listed too (with
    /// their hint), for `read::file` to look for a session caller in.
    Activity,
}

/// What the records listed of one file and the events read from it may take in memory: half
/// the file size limit (`--max-file-size`).
pub fn event_budget(limit: u64) -> usize {
    usize::try_from(limit / 2).unwrap_or(usize::MAX)
}

impl Interest {
    /// The splitter of delivery files for this interest, under the file size limit `limit`:
    /// past the records that [`event_budget`] allows to list, it only counts them.
    pub fn splitter(self, limit: u64) -> RecordSplitter {
        self.splitter_of_any_size()
            .listing_at_most(event_budget(limit) / LISTED_RECORD + 1)
    }

    /// The splitter of delivery files for this interest, listing every record.
    fn splitter_of_any_size(self) -> RecordSplitter {
        let keep: crate::json::NameFilter = match self {
            Interest::RoleAssumptions | Interest::Activity => may_name_candidate,
            Interest::HandOvers => may_name_candidate_or_hand_over,
        };
        let splitter = RecordSplitter::new(RECORDS).noting(keep);
        if self == Interest::Activity {
            splitter
        } else {
            splitter.sparse()
        }
    }

    /// True when `name` (bytes as written, no escape) is exactly a name of interest.
    pub fn is_name(self, name: &[u8]) -> bool {
        EventName::is_name(name) || (self == Interest::HandOvers && is_hand_over_name(name))
    }

    /// True when `text`, read as the full parse reads an `eventName`, is a name of interest.
    pub fn parses(self, text: &str) -> bool {
        EventName::parse(text).is_some()
            || (self == Interest::HandOvers && is_hand_over_name(text.trim().as_bytes()))
    }

    /// Substrings of which a record of interest holds at least one (a superset: the parse
    /// decides): each name's first eight bytes (or whole name when shorter), and `\u`: as in
    /// the splitter, a record holding a `\u` escape anywhere is parsed in full (an escaped
    /// name, key or `AssumedRole` hides from a search of the text as written).
    pub fn patterns(self) -> Vec<Vec<u8>> {
        let mut patterns: Vec<Vec<u8>> = EventName::HEADS
            .iter()
            .map(|head| head.to_le_bytes().to_vec())
            .collect();
        patterns.push(b"\\u".to_vec());
        if self == Interest::HandOvers {
            patterns.extend(
                crate::passrole::coverage::names()
                    .iter()
                    .map(|name| name.as_bytes()[..name.len().min(8)].to_vec()),
            );
        }
        patterns.sort();
        patterns.dedup();
        patterns
    }
}

fn is_hand_over_name(name: &[u8]) -> bool {
    crate::passrole::coverage::names()
        .binary_search_by(|known| known.as_bytes().cmp(name))
        .is_ok()
}

/// The hand-over names as the splitter's filter compares them: the first eight bytes of each
/// name of eight bytes or more, as words, sorted; and the shorter names whole.
struct HandOverHeads {
    heads: Vec<u64>,
    short: Vec<&'static [u8]>,
}

fn hand_over_heads() -> &'static HandOverHeads {
    static HEADS: std::sync::LazyLock<HandOverHeads> = std::sync::LazyLock::new(|| {
        let names = crate::passrole::coverage::names();
        let mut heads: Vec<u64> = names
            .iter()
            .filter_map(|name| name.as_bytes().first_chunk::<8>())
            .map(|head| u64::from_le_bytes(*head))
            .collect();
        heads.sort_unstable();
        heads.dedup();
        let short = names
            .iter()
            .filter(|name| name.len() < 8)
            .map(|name| name.as_bytes())
            .collect();
        HandOverHeads { heads, short }
    });
    &HEADS
}

/// [`may_name_candidate`], widened to the hand-over calls: false only for a compact
/// `"eventName":"…"` whose value names neither a role assumption nor a hand-over. The common
/// case (an ordinary call) costs a binary search of its first eight bytes among the
/// hand-over names' heads; a value that begins a hand-over name is read further (one followed
/// by an escape is kept: the escape may finish it; one followed by a space or a longer
/// character too, when what comes before is a name).
fn may_name_candidate_or_hand_over(rest: &[u8]) -> bool {
    if may_name_candidate(rest) {
        return true;
    }
    // Ruled out as a role assumption: a compact key and a first eight bytes free of escapes.
    let value = &rest[13..];
    let known = hand_over_heads();
    let begins_one = value.first_chunk::<8>().is_some_and(|head| {
        known
            .heads
            .binary_search(&u64::from_le_bytes(*head))
            .is_ok()
    }) || known
        .short
        .iter()
        .any(|name| value.starts_with(name) && value.get(name.len()) == Some(&b'"'));
    if !begins_one {
        return false;
    }
    let letters = value
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    match value.get(letters) {
        Some(b'"') => is_hand_over_name(&value[..letters]),
        Some(b'\\') | None => crate::passrole::coverage::names()
            .iter()
            .any(|name| name.as_bytes().starts_with(&value[..letters])),
        // A name the full parse trims (`"PassRole "`, or a no-break space after it): kept,
        // as [`may_name_candidate`] keeps a role assumption's (a red-team's case, session 40).
        Some(_) => is_hand_over_name(&value[..letters]),
    }
}

/// For the splitter, while the bytes are in the cache: false only for a compact
/// `"eventName":"…"` (the form CloudTrail writes) whose value cannot name an [`EventName`]:
/// plain letters naming none of them, or a first eight bytes free of escapes that begin none of
/// them (every name is longer, so no later escape can make one). Anything else, including text
/// that stops short, is kept for [`hint_names`] to decide. The splitter asks this of every
/// record, so the common case is word compares: two for the key, four for the value's first
/// eight bytes (folded without a branch between them), one test for a backslash among them.
fn may_name_candidate(rest: &[u8]) -> bool {
    const KEY: &[u8; 13] = b"\"eventName\":\"";
    let Some((key, value)) = rest.split_first_chunk::<13>() else {
        return true;
    };
    let (Some(head), true) = (value.first_chunk::<8>(), key == KEY) else {
        return true;
    };
    let head = u64::from_le_bytes(*head);
    if EventName::HEADS
        .iter()
        .fold(false, |any, &name| any | (head == name))
    {
        let letters = value.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        value.get(letters) != Some(&b'"') || EventName::is_name(&value[..letters])
    } else {
        // A name the full parse trims (`" AssumeRole"`, as some of AWS's own samples write
        // it, or after a no-break space) is kept: only a space or a byte of a longer
        // character can begin what it trims (a control character is no JSON).
        json::byte_mask(head, b'\\') != 0 || value[0] == b' ' || value[0] >= 0x80
    }
}

/// After a `"eventName"` token: the raw string value when it is a key with a plain string value;
/// `Some(b"")` when it is not a key (nothing to decide); `None` when the value holds an escape.
fn name_after(rest: &[u8]) -> Option<&[u8]> {
    let mut pos = skip_whitespace(rest);
    if rest.get(pos) != Some(&b':') {
        return Some(b"");
    }
    pos += 1;
    pos += skip_whitespace(&rest[pos..]);
    if rest.get(pos) != Some(&b'"') {
        return Some(b"");
    }
    let value = &rest[pos + 1..];
    match memchr::memchr2(b'"', b'\\', value) {
        Some(end) if value[end] == b'"' => Some(&value[..end]),
        _ => None,
    }
}

/// True for a CloudTrail Insights record (a delivery file holds only those, or none): one
/// with `insightDetails` among its own keys. The text alone is only a first look: a caller
/// chooses its user agent and session name, and a record of its calls that held the word
/// anywhere skipped the whole file (a review's, session 37).
fn is_insight(record: &[u8]) -> bool {
    /// The one key that tells an Insights record, read among the record's own keys.
    #[derive(Deserialize)]
    struct InsightKeys {
        #[serde(rename = "insightDetails", default)]
        details: Option<IgnoredAny>,
    }
    memchr::memmem::find(record, b"\"insightDetails\"").is_some()
        && serde_json::from_slice::<InsightKeys>(record).is_ok_and(|keys| keys.details.is_some())
}

/// After a JSON error in `text` (the value that failed, to the end of the file), keeps every
/// complete record of a `{"Records":[…` or `[…` value before the damage (each element as
/// [`collect`] keeps a value: a record, an envelope of records, not `{}`). Returns false when the
/// value had neither shape.
fn salvage<'a>(
    text: &'a [u8],
    out: &mut Vec<RawRecord<'a>>,
    tally: &mut ShapeTally,
    interest: Interest,
) -> bool {
    let text = text.trim_ascii();
    let array_start = match text.first() {
        Some(b'[') => 1,
        Some(b'{') => match records_array_start(text) {
            Some(pos) => pos,
            None => return false,
        },
        _ => return false,
    };
    let mut pos = array_start;
    loop {
        pos += skip_whitespace(&text[pos..]);
        let mut values =
            serde_json::Deserializer::from_slice(&text[pos..]).into_iter::<&RawValue>();
        let Some(Ok(value)) = values.next() else {
            break;
        };
        // Kept as the same value read whole would be: `1`, `"x"` or `{}` before the damage
        // is no record (ten million `{},` would be ten million records to list).
        if let Ok(top) = serde_json::from_str::<TopValue>(value.get()) {
            // Elements one by one, within `tally`'s bound; of what each held, only the records
            // passed over and the bound are kept (its values that are no records are not said).
            let mut shapes = ShapeTally::listing_at_most(tally.most_listed);
            let raw = value.get().as_bytes();
            collect(top, raw, out, &mut shapes, MAX_ENVELOPE_DEPTH, interest);
            // (Its value's bound is `tally`'s: past it, the salvage stops.)
            tally.add_bound_counts(&shapes);
            if tally.too_many {
                break;
            }
        }
        pos += values.byte_offset();
        pos += skip_whitespace(&text[pos..]);
        if text.get(pos) != Some(&b',') {
            break;
        }
        pos += 1;
    }
    true
}

/// What reading JSON Lines from a damaged line on gave ([`read_lines`]).
struct LinesRead<'a> {
    records: Vec<RawRecord<'a>>,
    shapes: ShapeTally,
    /// Lines that failed to parse.
    bad: usize,
    /// The first bad line's error, placed in the whole text.
    first_bad: Option<JsonDamage>,
    /// A line came after the first bad one (reading went on past the damage).
    read_on: bool,
}

/// Reads `text` from `from` (where a value failed to parse, `lines_before` lines into it) as
/// JSON Lines, line by line: each line's values are collected; a line that fails gives the
/// complete records before its damage ([`salvage`]) and counts as bad. Linear in the text,
/// however many lines fail: each line is read once, and a bad one once more by [`salvage`].
fn read_lines(
    text: &[u8],
    from: usize,
    lines_before: usize,
    most_listed: usize,
    interest: Interest,
) -> LinesRead<'_> {
    let mut read = LinesRead {
        records: Vec::new(),
        shapes: ShapeTally::listing_at_most(most_listed),
        bad: 0,
        first_bad: None,
        read_on: false,
    };
    // `from`'s column on its line, for the first bad line's place.
    let line_start = text[..from]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |at| at + 1);
    let mut columns_before = from - line_start;
    for (index, line) in text[from..].split(|&b| b == b'\n').enumerate() {
        let line = line.trim_ascii_end();
        let columns = std::mem::take(&mut columns_before);
        if line.trim_ascii_start().is_empty() {
            continue;
        }
        read.read_on |= read.first_bad.is_some();
        let failed = collect_values(line, &mut read.records, &mut read.shapes, interest, |_| {});
        if let Some((error, start)) = failed {
            salvage(
                &line[start..],
                &mut read.records,
                &mut read.shapes,
                interest,
            );
            read.bad += 1;
            if read.first_bad.is_none() {
                read.first_bad = Some(JsonDamage {
                    error,
                    lines_before: lines_before + index,
                    columns_before: columns,
                });
            }
        }
        if read.shapes.too_many {
            // The file is refused: the lines after are not worth reading.
            break;
        }
    }
    read
}

/// A JSON error, placed in the whole text where it was met in a part of it (one line of JSON
/// Lines, read apart).
#[derive(Debug)]
pub struct JsonDamage {
    pub error: serde_json::Error,
    /// Lines of the text before the part the error's line counts in.
    pub lines_before: usize,
    /// Columns before the part on its first line.
    pub columns_before: usize,
}

impl JsonDamage {
    fn of(error: serde_json::Error) -> JsonDamage {
        JsonDamage {
            error,
            lines_before: 0,
            columns_before: 0,
        }
    }

    /// The line the error is on in the whole text, counted from 1.
    pub fn line(&self) -> usize {
        self.error.line() + self.lines_before
    }

    /// Its column on that line.
    pub fn column(&self) -> usize {
        if self.error.line() == 1 {
            self.error.column() + self.columns_before
        } else {
            self.error.column()
        }
    }
}

impl std::fmt::Display for JsonDamage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = self.error.to_string();
        if self.error.line() == 0 {
            return f.write_str(&text);
        }
        // serde_json writes `MESSAGE at line L column C`.
        let place = format!(
            " at line {} column {}",
            self.error.line(),
            self.error.column()
        );
        let message = text.strip_suffix(&place).unwrap_or(&text);
        write!(
            f,
            "{message} at line {} column {}",
            self.line(),
            self.column()
        )
    }
}

impl std::error::Error for JsonDamage {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// The offset just past the `[` of the `"Records": [` key in an object's text.
fn records_array_start(text: &[u8]) -> Option<usize> {
    let key = memchr::memmem::find(text, b"\"Records\"")?;
    let mut pos = key + b"\"Records\"".len();
    pos += skip_whitespace(&text[pos..]);
    (text.get(pos) == Some(&b':')).then_some(())?;
    pos += 1;
    pos += skip_whitespace(&text[pos..]);
    (text.get(pos) == Some(&b'[')).then_some(pos + 1)
}

/// How many bytes of whitespace `bytes` starts with.
/// Whether `error`, met reading the value at `from`, is at the first token after the line
/// that value starts on: a line cut short between tokens (`{"Records":[{…},` and no more),
/// which the parser finds wanting only on the next line that holds anything (a red-team's
/// case, session 40: every line after it was lost).
fn cut_short_at(text: &[u8], from: usize, error: &serde_json::Error) -> bool {
    let Some(end) = memchr::memchr(b'\n', &text[from..]) else {
        return false;
    };
    let next = from + end + 1;
    let token = next + skip_whitespace(&text[next..]);
    if token == text.len() {
        return false;
    }
    // serde_json counts lines from 1 and a line's columns as bytes from 1.
    let line = 1 + memchr::memchr_iter(b'\n', &text[..token]).count();
    let line_start = memchr::memrchr(b'\n', &text[..token]).map_or(0, |at| at + 1);
    error.line() == line && error.column() == token - line_start + 1
}

fn skip_whitespace(bytes: &[u8]) -> usize {
    bytes.len() - bytes.trim_ascii_start().len()
}

/// A top-level JSON value, classified by its keys in one pass.
enum TopValue<'a> {
    /// `{"Records":[…]}`, its array as written (its elements are listed when collected,
    /// within the file's budget); true when `"Records"` was given twice (the first array is
    /// kept).
    Records(&'a RawValue, bool),
    /// Records held as JSON strings in the elements of an array, under a key: lookup-events'
    /// `Events` (`CloudTrailEvent`), a CloudWatch Logs payload's `logEvents` (`message`); true
    /// when the array's key was given twice (the first is read).
    Strings(&'a RawValue, &'static str, bool),
    /// The `detail` of an EventBridge "… via CloudTrail" event.
    Detail(&'a RawValue, bool),
    /// An object with CloudTrail record keys (`eventName`, `eventTime`, …).
    Record,
    /// A CloudTrail digest file.
    Digest,
    /// A JSON array: each element is classified in turn.
    Array(Vec<&'a RawValue>),
    /// Anything else.
    Other,
}

impl<'de> Deserialize<'de> for TopValue<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TopVisitor)
    }
}

struct TopVisitor;

/// The text of an object's first value under the key it names (`{"CloudTrailEvent": "…"}` in
/// lookup-events output, `{"message": "…"}` in a CloudWatch Logs payload), the rest passed
/// over; `None` without the key. Not an object is an error.
struct FirstOf(&'static str);

impl<'de> Visitor<'de> for FirstOf {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an object with {:?}", self.0)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if found.is_none() && key.as_str() == self.0 {
                found = Some(map.next_value::<Text<'de>>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found.and_then(|text| text.0.map(std::borrow::Cow::into_owned)))
    }
}

impl<'de> Visitor<'de> for TopVisitor {
    type Value = TopValue<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut records = None;
        let mut repeated_records = false;
        let mut not_array = false;
        let mut lookup = None;
        let mut log_events = None;
        let mut detail = None;
        let mut detail_type = Text::default();
        let mut digest = false;
        let mut record_like = false;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match key.as_str() {
                // The first array is read (as the first value of a record's repeated field).
                // A `"Records"` that is not an array is no CloudTrail delivery file.
                "Records" => {
                    let value = map.next_value::<&'de RawValue>()?;
                    // The first value is read, whatever it is (a review's, session 37: a
                    // `null` first left a second array to be read without a word).
                    if records.is_some() || not_array {
                        repeated_records = true;
                    } else if value.get().starts_with('[') {
                        records = Some(value);
                    } else {
                        not_array = true;
                    }
                }
                // An envelope's key given twice keeps its first value, as `Records` does (a
                // review's, session 37: the last was kept, without a word).
                "Events" | "logEvents" | "detail"
                    if match key.as_str() {
                        "Events" => lookup.is_some(),
                        "logEvents" => log_events.is_some(),
                        _ => detail.is_some(),
                    } =>
                {
                    repeated_records = true;
                    map.next_value::<IgnoredAny>()?;
                }
                // Each element is read as a record is, when collected: one that is odd costs
                // itself, not the file.
                "Events" => lookup = Some(map.next_value::<&'de RawValue>()?),
                "logEvents" => log_events = Some(map.next_value::<&'de RawValue>()?),
                "detail" => detail = Some(map.next_value::<&'de RawValue>()?),
                "detail-type" => detail_type = map.next_value()?,
                "digestStartTime"
                | "digestEndTime"
                | "previousDigestSignature"
                | "digestPublicKeyFingerprint" => {
                    digest = true;
                    map.next_value::<IgnoredAny>()?;
                }
                "eventVersion" | "eventName" | "eventSource" | "eventTime" | "eventID"
                | "userIdentity" => {
                    record_like = true;
                    map.next_value::<IgnoredAny>()?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(if let Some(records) = records {
            TopValue::Records(records, repeated_records)
        } else if not_array {
            TopValue::Other
        } else if let Some(events) = lookup {
            TopValue::Strings(events, "CloudTrailEvent", repeated_records)
        } else if let Some(events) = log_events {
            TopValue::Strings(events, "message", repeated_records)
        } else if let (Some(detail), true) = (detail, detail_type.as_str().contains("CloudTrail")) {
            TopValue::Detail(detail, repeated_records)
        } else if digest {
            TopValue::Digest
        } else if record_like {
            TopValue::Record
        } else {
            TopValue::Other
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            // An object that is no shape of interest (`{}`, a policy) is dropped here, not
            // listed: a bare array of 100 million `{}` would otherwise list 1.6 GB of them.
            // (Arrays and the rest are classified when collected, as before.)
            let text = item.get();
            if text.starts_with('{')
                && matches!(serde_json::from_str::<TopValue>(text), Ok(TopValue::Other))
            {
                continue;
            }
            items.push(item);
        }
        Ok(TopValue::Array(items))
    }

    fn visit_borrowed_str<E: de::Error>(self, _: &'de str) -> Result<Self::Value, E> {
        Ok(TopValue::Other)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(TopValue::Other)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(TopValue::Other)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(TopValue::Other)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(TopValue::Other)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(TopValue::Other)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(TopValue::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_skip_reason_reads_back_by_name_and_pruned_folders_by_their_old_name_too() {
        for reason in SkipReason::ALL {
            assert_eq!(SkipReason::named(reason.as_str()), Some(reason));
        }
        // Partials written before the name said that it counts folders.
        assert_eq!(
            SkipReason::named("outside --since/--until"),
            Some(SkipReason::OutsideDates)
        );
        assert_eq!(SkipReason::named("outside"), None);
    }

    fn texts(bytes: &[u8]) -> (Vec<String>, Option<SkipReason>, bool) {
        let decoded = decode(bytes, record_splitter());
        let records = decoded
            .records
            .iter()
            .map(|r| String::from_utf8_lossy(r.bytes()).into_owned())
            .collect();
        (records, decoded.skip, decoded.error.is_some())
    }

    const REC: &str = r#"{"eventName":"AssumeRole","eventID":"1"}"#;

    #[test]
    fn records_envelope() {
        let file = format!(r#"{{"Records":[{REC}, {REC}]}}"#);
        assert_eq!(
            texts(file.as_bytes()),
            (vec![REC.into(), REC.into()], None, false)
        );
    }

    #[test]
    fn delivery_files_leave_out_records_ruled_out_by_name_but_count_them() {
        let other = r#"{"eventName":"GetObject","eventID":"2"}"#;
        let spaced = r#"{"eventName" : "GetObject","eventID":"3"}"#;
        let nested = r#"{"eventName":"PutRule","requestParameters":{"eventName":"SwitchRole"}}"#;
        let file = format!(r#"{{"Records":[{other},{REC},{spaced},{nested},{other}]}}"#);
        let decoded = decode(file.as_bytes(), record_splitter());
        let kept: Vec<&[u8]> = decoded.records.iter().map(RawRecord::bytes).collect();
        assert_eq!(kept, [REC.as_bytes(), nested.as_bytes()]);
        assert_eq!(decoded.count, 5);
    }

    /// The splitter's name filter sees only the text inflated so far: fed in pieces of any
    /// size, it keeps what a cut hides from it, and the records kept are the same.
    #[test]
    fn records_kept_do_not_depend_on_pieces() {
        let names = [
            "AssumeRole",
            "GetObject",
            "AssumeRoleWithSAML",
            "Assume",
            "SwitchRole",
        ];
        let records: Vec<String> = (0..40)
            .map(|i| format!(r#"{{"eventName":"{}","n":{i}}}"#, names[i % names.len()]))
            .collect();
        let file = format!(r#"{{"Records":[{}]}}"#, records.join(","));
        let bytes = file.as_bytes();
        let whole = decode(bytes, record_splitter());
        let expected: Vec<&[u8]> = whole.records.iter().map(RawRecord::bytes).collect();
        assert_eq!((expected.len(), whole.count), (24, 40));
        for piece in 1..80 {
            let mut splitter = record_splitter();
            for end in (piece..bytes.len()).step_by(piece) {
                splitter.feed(&bytes[..end]);
            }
            let decoded = decode(bytes, splitter);
            let kept: Vec<&[u8]> = decoded.records.iter().map(RawRecord::bytes).collect();
            assert_eq!(
                (kept, decoded.count),
                (expected.clone(), 40),
                "pieces of {piece}"
            );
        }
    }

    #[test]
    fn candidate_names_and_heads_come_from_the_event_names() {
        for name in EventName::ALL {
            assert!(EventName::is_name(name.as_str().as_bytes()), "{name:?}");
        }
        for other in [
            "",
            "AssumeRol",
            "AssumeRoles",
            "assumeRole",
            "GetObject",
            "SwitchRoles",
        ] {
            assert!(!EventName::is_name(other.as_bytes()), "{other}");
        }
        let heads: Vec<[u8; 8]> = EventName::HEADS.map(u64::to_le_bytes).to_vec();
        assert_eq!(
            heads,
            [*b"AssumeRo", *b"GetFeder", *b"GetSessi", *b"SwitchRo"].to_vec()
        );
    }

    #[test]
    fn the_splitter_rules_out_only_plain_names_of_no_interest() {
        for (rest, keep) in [
            (r#""eventName":"GetObject","#, false),
            (r#""eventName":"AssumeRole","#, true),
            (r#""eventName":"AssumeRoleWithSAML""#, true),
            (r#""eventName":"AssumeRoleX","#, false),
            (r#""eventName":"Assume"#, true),
            (r#""eventName":"Get\u004fbject","#, true),
            (r#""eventName":"GetObj\u0065ct","#, true),
            (r#""eventName":"Get-Object","#, false),
            (r#""eventName":"GetObject\u0041","#, false),
            (r#""eventName":"Get"#, true),
            (r#""eventName":"","k":"v"}"#, false),
            (r#""eventName": "GetObject","#, true),
            // Trimmed by the full parse (a review's, session 37: it was ruled out).
            (r#""eventName":" AssumeRole","#, true),
            ("\"eventName\":\"\u{a0}AssumeRole\",", true),
            (r#""eventName":" GetObject","#, true),
            (r#""eventNam"#, true),
            (r#""userName":"x","#, true),
        ] {
            assert_eq!(may_name_candidate(rest.as_bytes()), keep, "{rest}");
        }
        // Every name is kept, so a name added to `EventName` cannot be lost to the filter's
        // list of first eight bytes.
        for name in EventName::ALL {
            let rest = format!(r#""eventName":"{}","k":"v"}}"#, name.as_str());
            assert!(may_name_candidate(rest.as_bytes()), "{rest}");
        }
    }

    #[test]
    fn empty_records_is_cloudtrail_with_no_records() {
        assert_eq!(texts(br#"{"Records":[]}"#), (vec![], None, false));
    }

    #[test]
    fn single_record_array_and_json_lines() {
        assert_eq!(texts(REC.as_bytes()).0, vec![REC.to_string()]);
        assert_eq!(texts(format!("[{REC},{REC}]").as_bytes()).0.len(), 2);
        let lines = format!("{REC}\n{REC}\r\n\n{REC}\n");
        assert_eq!(texts(lines.as_bytes()).0, vec![REC.to_string(); 3]);
    }

    #[test]
    fn envelopes_holding_records_as_strings_or_detail() {
        let quoted = serde_json::to_string(REC).unwrap();
        let lookup = format!(
            r#"{{"Events":[{{"EventId":"x","CloudTrailEvent":{quoted}}}],"NextToken":"t"}}"#
        );
        assert_eq!(texts(lookup.as_bytes()).0, vec![REC.to_string()]);
        let cwl = format!(
            r#"{{"messageType":"DATA_MESSAGE","logGroup":"g","logEvents":[{{"id":"1","timestamp":1,"message":{quoted}}}]}}"#
        );
        assert_eq!(texts(cwl.as_bytes()).0, vec![REC.to_string()]);
        let bridge = format!(
            r#"{{"version":"0","detail-type":"AWS API Call via CloudTrail","detail":{REC}}}"#
        );
        assert_eq!(texts(bridge.as_bytes()).0, vec![REC.to_string()]);
    }

    /// A review's (session 37): the full parser's other paths list records within the bound
    /// too, as they come (JSON Lines, and the records salvaged before damage were all listed,
    /// then refused), and records passed over still count (a bad line amid JSON Lines of
    /// ordinary calls kept the count of the records before it only).
    #[test]
    fn every_path_of_the_full_parser_lists_within_the_bound_and_counts_all() {
        let assume = r#"{"eventName":"AssumeRole","eventID":"x"}"#;
        let call = r#"{"eventName":"GetObject","eventID":"y"}"#;
        let read = |text: &str, budget: usize| {
            let mut spare = Records::default();
            let decoded = decode_reusing(
                text.as_bytes(),
                record_splitter(),
                &mut spare,
                budget,
                Interest::RoleAssumptions,
            );
            (
                decoded.too_many,
                decoded.count,
                decoded.records.len(),
                decoded.error.is_some(),
            )
        };
        let lines = |record: &str, count: usize| format!("{record}\n").repeat(count);
        let truncated = format!(r#"{{"Records":[{}"#, format!("{assume},").repeat(100));
        // 10 records fit a budget of 10 listed records; 100 do not, in either shape.
        let budget = 10 * LISTED_RECORD;
        assert_eq!(read(&lines(assume, 10), budget), (false, 10, 10, false));
        assert!(read(&lines(assume, 100), budget).0);
        assert!(read(&truncated, budget).0);
        // Ordinary calls are counted, not listed: a hundred fit any budget.
        assert_eq!(read(&lines(call, 100), budget), (false, 100, 0, false));
        let damaged = format!(
            "{}{{\"eventName\":\"Get\n{}",
            lines(call, 5),
            lines(call, 10)
        );
        assert_eq!(read(&damaged, budget), (false, 15, 0, true));
    }

    /// A review's (session 37): an envelope's odd element cost the whole file (`null` among
    /// lookup-events' `Events`, a number among `logEvents`), and an envelope's key given twice
    /// kept its last value without a word. An odd element is a malformed record, the first
    /// value of a key given twice is read and the repeat said, as in a `Records` array.
    #[test]
    fn an_envelope_s_odd_element_or_repeated_key_costs_only_itself() {
        let quoted = serde_json::to_string(REC).unwrap();
        let other = serde_json::to_string(&REC.replace("\"1\"", "\"2\"")).unwrap();
        let outcome = |text: String| {
            let decoded = decode(text.as_bytes(), record_splitter());
            let records: Vec<String> = decoded
                .records
                .iter()
                .map(|r| String::from_utf8_lossy(r.bytes()).into_owned())
                .collect();
            let error = decoded.error.is_some();
            (
                records,
                decoded.not_records,
                decoded.repeated_records,
                error,
            )
        };
        let one = vec![REC.to_owned()];
        let both = vec![REC.to_owned(), REC.replace("\"1\"", "\"2\"")];
        for (text, expected) in [
            (
                format!(
                    r#"{{"Events":[{{"CloudTrailEvent":{quoted}}},null,{{"CloudTrailEvent":{other}}}]}}"#
                ),
                (both.clone(), 1, false, false),
            ),
            (
                format!(r#"{{"logEvents":[{{"message":{quoted}}},1,{{"message":{other}}}]}}"#),
                (both.clone(), 1, false, false),
            ),
            (
                format!(
                    r#"{{"Events":[{{"CloudTrailEvent":{quoted}}}],"Events":[{{"CloudTrailEvent":{other}}}]}}"#
                ),
                (one.clone(), 0, true, false),
            ),
            (
                format!(
                    r#"{{"detail-type":"AWS API Call via CloudTrail","detail":{REC},"detail":{{}}}}"#
                ),
                (one.clone(), 0, true, false),
            ),
            // A first `Records` that is no array is read as it is: no CloudTrail, the second
            // array not read.
            (
                format!(r#"{{"Records":null,"Records":[{REC}]}}"#),
                (vec![], 0, false, false),
            ),
        ] {
            assert_eq!(outcome(text.clone()), expected, "{text}");
        }
    }

    /// Records held as strings (`logEvents`, `Events`) are listed as a `Records` array's are:
    /// those of no interest only counted (16 million `{"message":"{}"}` took 1.8 GB: a
    /// red-team's case, session 40).
    #[test]
    fn records_held_as_strings_of_no_interest_are_only_counted() {
        let quoted = serde_json::to_string(REC).unwrap();
        for (key, field) in [("logEvents", "message"), ("Events", "CloudTrailEvent")] {
            let mut elements = vec![format!(r#"{{"{field}":"{{}}"}}"#); 1000];
            elements[500] = format!(r#"{{"{field}":{quoted}}}"#);
            let text = format!(r#"{{"{key}":[{}]}}"#, elements.join(","));
            let decoded = decode(text.as_bytes(), record_splitter());
            assert_eq!(
                (
                    decoded.count,
                    decoded.records.len(),
                    decoded.error.is_none()
                ),
                (1000, 1, true),
                "{key}"
            );
        }
    }

    #[test]
    fn digests_insights_and_other_json_are_skipped() {
        let digest = br#"{"awsAccountId":"1","digestStartTime":"2020","logFiles":[]}"#;
        assert_eq!(texts(digest).1, Some(SkipReason::Digest));
        let insight = br#"{"Records":[{"eventType":"AwsCloudTrailInsight","insightDetails":{}}]}"#;
        assert_eq!(texts(insight).1, Some(SkipReason::Insight));
        // The word as a value, or as a key further in, is no Insights record.
        for text in [
            format!(
                r#"{{"Records":[{{"userAgent":"insightDetails",{}]}}"#,
                &REC[1..]
            ),
            format!(
                r#"{{"Records":[{{"requestParameters":{{"insightDetails":{{}}}},{}]}}"#,
                &REC[1..]
            ),
        ] {
            assert_eq!(
                texts(text.as_bytes()),
                (vec![text[12..text.len() - 2].to_owned()], None, false)
            );
        }
        let policy = br#"{"Version":"2012-10-17","Statement":[]}"#;
        assert_eq!(texts(policy).1, Some(SkipReason::NotCloudTrail));
        assert_eq!(texts(b" \n").1, Some(SkipReason::Empty));
    }

    #[test]
    fn truncated_file_keeps_complete_records() {
        let file = format!(r#"{{"Records":[{REC},{REC},{{"eventName":"Assu"#);
        let (records, skip, error) = texts(file.as_bytes());
        assert_eq!((records.len(), skip, error), (2, None, true));
    }

    /// (records kept, bad lines counted, the error's line and column) of decoding `text`.
    fn damage(text: &str) -> (usize, usize, (usize, usize)) {
        assert!(crate::testing::records_lie_apart(text.as_bytes()), "{text}");
        let decoded = decode(text.as_bytes(), record_splitter());
        let error = decoded.error.expect("an error");
        (
            decoded.records.len(),
            decoded.bad_lines,
            (error.line(), error.column()),
        )
    }

    /// Each line of JSON Lines stands alone: a bad one is left out (the complete records
    /// before its damage kept), reading goes on at the next, and the error named is the first
    /// bad line's, where a line that does not close would have named a later one; a document
    /// written over several lines keeps what came before its damage, as it did (a review,
    /// session 30).
    #[test]
    fn json_lines_read_on_past_a_bad_line() {
        let two = format!(r#"{{"Records":[{REC},{REC},{{"eventName":"x""#);
        let lines = format!("{REC}\n{{bad line\n{REC}\r\n{two}\n\n{{\"a\":\n{REC} x\n{REC}\n");
        // The first line, the third, two kept from the fourth, the sixth's value and the last.
        assert_eq!(damage(&lines), (6, 4, (2, 2)));
        // A line that does not close: named, not the good line where the parser gave up.
        assert_eq!(
            damage(&format!("{REC}\n{{\"a\":\n{REC}\n{REC}\n")),
            (3, 1, (2, 5))
        );
        // Junk after a value, on its line: from there on.
        assert_eq!(damage(&format!("{REC} x\n{REC}\n")), (2, 1, (1, 42)));
        // A first line cut short inside a string, or between keys.
        assert_eq!(
            damage(&format!("{{\"eventName\":\"Ass\n{REC}\n")),
            (1, 1, (1, 17))
        );
        assert_eq!(
            damage(&format!("{{\"eventName\":\"x\",\n{REC}\n")),
            (1, 1, (1, 17))
        );
        // A delivery line or an array cut short between tokens, which the parser finds
        // wanting only on the next line: the lines after it are read (a red-team's case,
        // session 40: they were lost), and so are those after a blank line.
        assert_eq!(
            damage(&format!("{{\"Records\":[{REC},{REC}\n{REC}\n{REC}\n")),
            (4, 1, (1, 12 + 2 * REC.len() + 1))
        );
        assert_eq!(
            damage(&format!("{REC}\n[{REC},{REC}\n\n  {REC}\n")),
            (4, 1, (2, 1 + 2 * REC.len() + 1))
        );
        // Every line after the first bad (a byte-order mark on each): counted, on a tie.
        assert_eq!(
            damage(&format!("{REC}\n\u{feff}{REC}\n\u{feff}{REC}\n")),
            (1, 2, (2, 1))
        );
        // A bad first line that is a value of its own; `1` and `{}` are no records.
        assert_eq!(damage(&format!("[1,{{}},}}\n{REC}\n")), (1, 1, (1, 7)));
        // One bad line and nothing after it: as a salvage.
        assert_eq!(damage(&format!("{REC}\n{two}\n")), (3, 0, (3, 0)));
        // A document printed over several lines, damaged, after a value on one line or
        // alone: what came before its damage, nothing after.
        let printed = format!("[\n{REC},\n{REC},\n{{\"eventName\": 3 4}},\n{REC}\n]\n");
        assert_eq!(damage(&printed), (2, 0, (4, 17)));
        assert_eq!(damage(&format!("{REC}\n{printed}")), (3, 0, (5, 17)));
    }

    #[test]
    fn not_json_is_an_error_with_nothing_salvaged() {
        let (records, skip, error) = texts(b"\x00\x01garbage");
        assert_eq!((records.len(), skip, error), (0, None, true));
    }
}
