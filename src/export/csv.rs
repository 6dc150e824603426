//! CSV for auditors: RFC 4180 quoting (via the csv crate), and cells that a spreadsheet would
//! run as a formula neutralized the way OWASP recommends.
//!
//! Log values such as `userAgent` and `roleSessionName` are chosen by the caller. A cell that
//! begins with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with a single quote
//! (`'`), which spreadsheets show as text. `raw` turns this off for machine consumers.

use super::{Cell, IndexedRows, Rows};
use std::borrow::Cow;
use std::io::{self, Write};

/// Neutralizes a cell that a spreadsheet would read as a formula.
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// [`neutralize`] for an owned-or-borrowed cell, allocating only when a prefix is needed.
fn neutralized(cell: Cow<'_, str>) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{cell}")),
        _ => cell,
    }
}

/// Writes `rows` as CSV with a header.
///
/// # Errors
/// Any write error.
pub fn write(rows: &dyn Rows, raw: bool, wtr: &mut dyn Write) -> io::Result<()> {
    let mut csv = csv::WriterBuilder::new().from_writer(wtr);
    csv.write_record(rows.columns()).map_err(into_io)?;
    rows.each_row(&mut |cells| write_row(&mut csv, cells, raw))?;
    csv.flush()
}

/// [`write()`] for a long table, formatted in parallel chunks.
///
/// # Errors
/// Any write error.
pub fn write_indexed(rows: &dyn IndexedRows, raw: bool, wtr: &mut dyn Write) -> io::Result<()> {
    let mut header = csv::WriterBuilder::new().from_writer(&mut *wtr);
    header.write_record(rows.columns()).map_err(into_io)?;
    header.flush()?;
    drop(header);
    super::write_in_chunks(
        rows.len(),
        &|range, bytes| {
            let mut csv = csv::WriterBuilder::new().from_writer(bytes);
            rows.each_row_in(range, &mut |cells| write_row(&mut csv, cells, raw))?;
            csv.flush()
        },
        wtr,
    )
}

fn write_row<W: Write>(csv: &mut csv::Writer<W>, cells: &[Cell<'_>], raw: bool) -> io::Result<()> {
    for cell in cells {
        let text = cell.text();
        let text = if raw { text } else { neutralized(text) };
        csv.write_field(text.as_bytes()).map_err(into_io)?;
    }
    csv.write_record(std::iter::empty::<&[u8]>())
        .map_err(into_io)
}

/// The I/O error inside a csv error, keeping its kind (a closed pipe must stay one).
fn into_io(error: csv::Error) -> io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => error,
        other => io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralizes_formula_starts_only() {
        for bad in ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralize(bad), format!("'{bad}"));
        }
        for good in ["", "arn:aws:iam::1:role/x", "a=b", "1-2", "'already"] {
            assert_eq!(neutralize(good), good);
        }
    }
}
