//! Writing a partial result ([`super`]) of what [`crate::scan::read_files`] read.

use super::{AddressLine, FileLine, Header, Line, MAGIC, RowLine, SessionLine, input_path, stamp};
use crate::activity::aggregate::{FileActivity, StoredPiece};
use crate::read::discover::Input;
use crate::read::file::FileStatus;
use crate::scan::FilesRead;
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
/// # Errors
/// Writing to `out` failed.
pub fn write(read: FilesRead, header: &Header, out: &mut dyn Write) -> io::Result<Counts> {
    out.write_all(MAGIC)?;
    let mut gz = flate2::write::GzEncoder::new(
        io::BufWriter::with_capacity(1 << 16, out),
        flate2::Compression::fast(),
    );
    let mut counts = Counts::default();
    {
        let mut put = |line: &Line| -> io::Result<()> {
            serde_json::to_writer(&mut gz, line)?;
            gz.write_all(b"\n")
        };
        put(&Line::Header(header.clone()))?;
        for reason in &read.skipped {
            put(&Line::Skipped(Cow::Borrowed(reason.as_str())))?;
        }
        for error in &read.errors {
            put(&Line::Failed {
                path: error.path().to_string_lossy(),
                message: Cow::Owned(error.to_string()),
            })?;
        }
        for (input, result) in &read.files {
            let (status, skip, error) = match &result.status {
                FileStatus::Read => ("read", None, None),
                FileStatus::Skipped(reason) => {
                    ("skipped", Some(Cow::Borrowed(reason.as_str())), None)
                }
                FileStatus::Failed(error) => ("failed", None, Some(Cow::Owned(error.to_string()))),
                FileStatus::NotRead => ("not-read", None, None),
            };
            let (kind, size) = match input {
                Input::Stdin => ("stdin", 0),
                Input::File { size, .. } => ("file", *size),
            };
            counts.files += 1;
            counts.kept_records += result.kept.len() as u64;
            put(&Line::File(FileLine {
                path: Cow::Owned(input_path(input).to_string_lossy().into_owned()),
                input: Cow::Borrowed(kind),
                size,
                status: Cow::Borrowed(status),
                skip,
                error,
                records: result.records,
                bytes_read: result.bytes_read,
                bytes_json: result.bytes_json,
                kept: result
                    .kept
                    .iter()
                    .map(|k| Cow::Borrowed(k.as_str()))
                    .collect(),
            }))?;
        }
        if let Some(activity) = merged_activity(read.activities) {
            activity.for_each_stored(|piece| {
                put(&match piece {
                    StoredPiece::Name(source, name) => {
                        Line::Name(Cow::Borrowed(source), Cow::Borrowed(name))
                    }
                    StoredPiece::Session(s) => Line::Session(SessionLine {
                        arn: Cow::Borrowed(&s.session_arn),
                        access_key: Cow::Borrowed(&s.access_key),
                        created: Cow::Borrowed(&s.created_text),
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
                        accounts: s.accounts.iter().map(|a| Cow::Borrowed(&**a)).collect(),
                    }),
                    StoredPiece::Log(path) => Line::Log(Cow::Borrowed(path)),
                    StoredPiece::Call(call) => {
                        counts.calls += 1;
                        Line::Call(
                            Cow::Borrowed(call.id),
                            call.address_len,
                            call.log,
                            call.session,
                            call.name,
                            u8::from(call.failed) | (u8::from(call.writes) << 1),
                        )
                    }
                    StoredPiece::Row(row) => Line::Row(RowLine {
                        time: stamp(row.time),
                        source: Cow::Borrowed(&row.event_source),
                        name: Cow::Borrowed(&row.event_name),
                        error: Cow::Borrowed(&row.error_code),
                        ip: Cow::Borrowed(&row.source_ip),
                        agent: Cow::Borrowed(&row.user_agent),
                        id: Cow::Borrowed(&row.event_id),
                    }),
                })
            })?;
        }
        put(&Line::End {
            files: counts.files,
            calls: counts.calls,
        })?;
    }
    gz.finish()?.flush()?;
    Ok(counts)
}

/// The workers' (and merged partials') activity as one aggregate, or `None` when none was
/// read (another interest).
fn merged_activity(activities: Vec<FileActivity>) -> Option<FileActivity> {
    let mut activities = activities.into_iter();
    let mut all = activities.next()?;
    for activity in activities {
        all.absorb(activity);
    }
    Some(all)
}
