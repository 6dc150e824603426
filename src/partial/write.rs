//! Writing a partial result ([`super`]) of what [`crate::scan::read_files`] read.

use super::{AddressLine, FileLine, Header, Line, MAGIC, RowLine, SessionLine, input_path, stamp};
use crate::activity::aggregate::{CallAggregate, StoredPiece};
use crate::read::discover::Input;
use crate::read::file::{FileResult, FileStatus};
use crate::read::s3;
use crate::scan::FilesRead;
use rayon::prelude::*;
use std::borrow::Cow;
use std::io::{self, Write};

/// What a partial holds, for the closing line of the run that writes it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub files: u64,
    pub kept_records: u64,
    pub calls: u64,
}

/// Writes `read` as a partial result with `header`; returns what it holds.
///
/// Lines are compressed on all cores: the text is cut into pieces of about [`MEMBER`] bytes
/// at line ends, each piece one gzip member (a gzip file may hold several, read as one
/// stream), and the members written in order. Where the cuts fall depends only on the text,
/// so the bytes do not depend on the thread count.
///
/// # Errors
/// Writing to `out` failed.
pub fn write(read: FilesRead, header: &Header, out: &mut dyn Write) -> io::Result<Counts> {
    out.write_all(MAGIC)?;
    let mut members = Members::new(out);
    let mut counts = Counts::default();
    members.put(&Line::Header(header.clone()))?;
    for reason in &read.skipped {
        members.put(&Line::Skipped(Cow::Borrowed(reason.as_str())))?;
    }
    for error in &read.errors {
        members.put(&Line::Failed {
            path: error.path().to_string_lossy(),
            message: Cow::Owned(error.to_string()),
            unreachable: error.is_unreachable(),
        })?;
    }
    // The files' lines (most of a partial that is not activity's: the kept records) are
    // written as text on all cores too, a batch of files at a time, each batch's records let
    // go once written: the lines of every file at once would double what the kept records
    // hold (a review's, session 40: 803 MB where a direct run took 232).
    let mut files = read.files.into_iter().peekable();
    while files.peek().is_some() {
        let mut batch = Vec::new();
        let mut batch_bytes = 0;
        while let Some(file) =
            files.next_if(|_| batch.len() < FILES_AT_ONCE && batch_bytes < BATCH_BYTES)
        {
            batch_bytes += file.1.kept.iter().map(String::len).sum::<usize>();
            batch.push(file);
        }
        let texts: Vec<Vec<u8>> = batch
            .par_iter()
            .map(|(input, result)| file_line(input, result))
            .collect::<io::Result<_>>()?;
        for ((_, result), text) in batch.into_iter().zip(texts) {
            counts.files += 1;
            counts.kept_records += result.kept.len() as u64;
            members.put_text(&text)?;
        }
    }
    if let Some(activity) = merged_activity(read.activities) {
        activity.for_each_stored(|piece| {
            if let StoredPiece::Call(_) = piece {
                counts.calls += 1;
            }
            members.put(&activity_line(piece))
        })?;
    }
    members.put(&Line::End {
        files: counts.files,
        calls: counts.calls,
    })?;
    members.finish()?;
    Ok(counts)
}

/// The size of the text of one gzip member.
const MEMBER: usize = 1 << 20;

/// How many files' lines are made at once (then compressed, a member at a time), at most...
const FILES_AT_ONCE: usize = 1024;
/// ...and how many bytes of their kept records: a batch is closed once it holds more.
const BATCH_BYTES: usize = 8 << 20;

/// Lines cut into gzip members, compressed on all cores a batch at a time, written in order.
struct Members<'w> {
    out: &'w mut dyn Write,
    text: Vec<u8>,
    full: Vec<Vec<u8>>,
}

impl<'w> Members<'w> {
    fn new(out: &'w mut dyn Write) -> Self {
        Members {
            out,
            text: Vec::with_capacity(MEMBER + 4096),
            full: Vec::new(),
        }
    }

    fn put(&mut self, line: &Line) -> io::Result<()> {
        serde_json::to_writer(&mut self.text, line)?;
        self.text.push(b'\n');
        self.cut()
    }

    fn put_text(&mut self, line: &[u8]) -> io::Result<()> {
        self.text.extend_from_slice(line);
        self.cut()
    }

    /// Closes the member when its text is full; compresses a batch when there are enough.
    fn cut(&mut self) -> io::Result<()> {
        if self.text.len() >= MEMBER {
            let text = std::mem::replace(&mut self.text, Vec::with_capacity(MEMBER + 4096));
            self.full.push(text);
            if self.full.len() >= 2 * rayon::current_num_threads() {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        let compressed: Vec<Vec<u8>> = self
            .full
            .par_iter()
            .map(|text| compress(text))
            .collect::<io::Result<_>>()?;
        self.full.clear();
        for member in compressed {
            self.out.write_all(&member)?;
        }
        Ok(())
    }

    fn finish(mut self) -> io::Result<()> {
        if !self.text.is_empty() {
            let text = std::mem::take(&mut self.text);
            self.full.push(text);
        }
        self.flush()?;
        self.out.flush()
    }
}

fn compress(text: &[u8]) -> io::Result<Vec<u8>> {
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(text.len() / 3),
        flate2::Compression::fast(),
    );
    gz.write_all(text)?;
    gz.finish()
}

/// The line of one input file, as text.
fn file_line(input: &Input, result: &FileResult) -> io::Result<Vec<u8>> {
    let (status, skip, error) = match &result.status {
        FileStatus::Read => ("read", None, None),
        FileStatus::Skipped(reason) => ("skipped", Some(Cow::Borrowed(reason.as_str())), None),
        FileStatus::Failed(error) => ("failed", None, Some(Cow::Owned(error.to_string()))),
        FileStatus::NotRead => ("not-read", None, None),
    };
    let (kind, size) = match input {
        Input::Stdin => ("stdin", 0),
        Input::File { size, .. } => ("file", *size),
        Input::Object { size, .. } => ("s3", *size),
    };
    let mut text = serde_json::to_vec(&Line::File(FileLine {
        path: Cow::Owned(input_path(input).to_string_lossy().into_owned()),
        input: Cow::Borrowed(kind),
        size,
        status: Cow::Borrowed(status),
        skip,
        error,
        refused: match &result.status {
            FileStatus::Failed(error) => s3::refusal(error).map(|p| Cow::Owned(p.to_string())),
            _ => None,
        },
        records: result.records,
        bytes_read: result.bytes_read,
        bytes_json: result.bytes_json,
        kept: result
            .kept
            .iter()
            .map(|k| Cow::Borrowed(k.as_str()))
            .collect(),
    }))?;
    text.push(b'\n');
    Ok(text)
}

/// The line of one piece of activity.
fn activity_line<'a>(piece: StoredPiece<'a>) -> Line<'a> {
    match piece {
        StoredPiece::Name(source, name) => Line::Name(Cow::Borrowed(source), Cow::Borrowed(name)),
        StoredPiece::Session(s) => Line::Session(SessionLine {
            arn: Cow::Borrowed(&s.session_arn),
            access_key: Cow::Borrowed(&s.access_key),
            created: Cow::Borrowed(&s.created_text),
            by_principal: s.by_principal,
            copies: s.copies,
            issuer: Cow::Borrowed(&s.issuer_arn),
            first: stamp(s.seen.first),
            last: stamp(s.seen.last),
            addresses: s
                .addresses
                .iter()
                .map(|a| AddressLine {
                    place: Cow::Borrowed(&a.place),
                    address: Cow::Borrowed(&a.address),
                    first: stamp(a.first.0),
                    first_id: Cow::Borrowed(&a.first.1),
                })
                .collect(),
            addresses_dropped: s.addresses_dropped,
            names_dropped: s.names_dropped,
            accounts: s.accounts.iter().map(|a| Cow::Borrowed(&**a)).collect(),
            accounts_dropped: s.accounts_dropped,
        }),
        StoredPiece::Log(path) => Line::Log(Cow::Borrowed(path)),
        StoredPiece::Copies(copies) => Line::Copies(copies),
        StoredPiece::Call(call) => Line::Call(
            Cow::Borrowed(call.id),
            call.address_len,
            call.log,
            call.session,
            call.name,
            u8::from(call.failed) | (u8::from(call.writes) << 1) | (u8::from(call.lambda) << 2),
        ),
        StoredPiece::Row(row) => Line::Row(RowLine {
            time: stamp(row.time),
            source: Cow::Borrowed(&row.event_source),
            name: Cow::Borrowed(&row.event_name),
            error: Cow::Borrowed(&row.error_code),
            ip: Cow::Borrowed(&row.source_ip),
            agent: Cow::Borrowed(&row.user_agent),
            id: Cow::Borrowed(&row.event_id),
        }),
    }
}

/// The workers' (and merged partials') activity as one aggregate, or `None` when none was
/// read (another interest).
fn merged_activity(activities: Vec<CallAggregate>) -> Option<CallAggregate> {
    let mut activities = activities.into_iter();
    let mut all = activities.next()?;
    for activity in activities {
        all.absorb(activity);
    }
    Some(all)
}
