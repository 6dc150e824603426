//! CSV for auditors: RFC 4180 quoting, and cells that a spreadsheet would run as a formula
//! neutralized the way OWASP recommends.
//!
//! Rows are formatted here rather than by the csv crate's writer, whose per-byte state machine
//! was most of the cost of writing a large `events` CSV; a property test holds the bytes to
//! exactly what the csv crate writes (the crate still reads `--accounts` files).
//!
//! Log values such as `userAgent` and `roleSessionName` are chosen by the caller. A cell that
//! begins with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with a single quote
//! (`'`), which spreadsheets show as text. `raw` turns this off for machine consumers.

use super::{Cell, IndexedRows, Rows};
use std::borrow::Cow;
use std::io::{self, Write};

/// Neutralizes a cell for a spreadsheet or a terminal, allocating only when it must: control
/// characters (a tab that a tab-separated import would split on, an escape sequence that
/// `events | head` would send to the terminal) are written as visible escapes (`\t`,
/// `\u{1b}`, as in the tables), then a cell that a spreadsheet would read as a formula gets a
/// `'` prefix.
fn neutralized(cell: Cow<'_, str>) -> Cow<'_, str> {
    let cell = if may_hold_control(cell.as_bytes()) && cell.chars().any(char::is_control) {
        Cow::Owned(super::table::printable(&cell).into_owned())
    } else {
        cell
    };
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{cell}")),
        _ => cell,
    }
}

/// Bytes of output gathered before each write by [`write()`].
const FLUSH_BYTES: usize = 64 * 1024;

/// Writes `rows` as CSV with a header.
///
/// # Errors
/// Any write error.
pub fn write(rows: &dyn Rows, raw: bool, wtr: &mut dyn Write) -> io::Result<()> {
    let mut bytes = Vec::with_capacity(FLUSH_BYTES * 2);
    push_header(&mut bytes, rows);
    rows.each_row(&mut |cells| {
        push_row(&mut bytes, cells, raw);
        if bytes.len() >= FLUSH_BYTES {
            wtr.write_all(&bytes)?;
            bytes.clear();
        }
        Ok(())
    })?;
    wtr.write_all(&bytes)?;
    wtr.flush()
}

/// [`write()`] for a long table, formatted in parallel chunks.
///
/// # Errors
/// Any write error.
pub fn write_indexed(rows: &dyn IndexedRows, raw: bool, wtr: &mut dyn Write) -> io::Result<()> {
    let mut header = Vec::new();
    push_header(&mut header, rows);
    wtr.write_all(&header)?;
    super::write_in_chunks(
        rows.len(),
        &|range, bytes| {
            rows.each_row_in(range, &mut |cells| {
                push_row(bytes, cells, raw);
                Ok(())
            })
        },
        wtr,
    )?;
    wtr.flush()
}

fn push_header(out: &mut Vec<u8>, rows: &dyn Rows) {
    let names: Vec<Cell> = rows.columns().into_iter().map(Cell::Text).collect();
    push_row(out, &names, true);
}

/// Appends one record. The bytes are those of the `csv` crate's writer with its defaults
/// (checked by a property test): fields quoted only when they hold a comma, a quote, CR or
/// LF, quotes doubled, `\n` after each record, and a record of one empty field written `""`.
fn push_row(out: &mut Vec<u8>, cells: &[Cell<'_>], raw: bool) {
    for (index, cell) in cells.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        // The usual times need no quotes and cannot start a formula: written straight in.
        if let Cell::Time(Some(time)) = cell
            && crate::timefmt::push_common(time, out)
        {
            continue;
        }
        let text = cell.text();
        let text = if raw { text } else { neutralized(text) };
        if cells.len() == 1 && text.is_empty() {
            out.extend_from_slice(b"\"\"");
        } else {
            push_field(out, text.as_bytes());
        }
    }
    out.push(b'\n');
}

/// False when `field` certainly holds no control character: no byte below a space, no DEL,
/// and no 0xC2 (the lead byte of the C1 controls); eight bytes at a time.
fn may_hold_control(field: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let holds = |word: u64, byte: u8| {
        let v = word ^ (ONES * u64::from(byte));
        v.wrapping_sub(ONES) & !v & HIGH != 0
    };
    let below_space = |word: u64| word.wrapping_sub(ONES * 0x20) & !word & HIGH != 0;
    let mut words = field.chunks_exact(8);
    for chunk in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        let word = u64::from_le_bytes(bytes);
        if below_space(word) || holds(word, 0x7f) || holds(word, 0xc2) {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&byte| byte < 0x20 || byte == 0x7f || byte == 0xc2)
}

/// True when `field` holds a comma, a quote, CR or LF; eight bytes at a time.
fn needs_quotes(field: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Exactly "some byte of `word` equals `byte`" (the classic zero-byte test).
    let holds = |word: u64, byte: u8| {
        let v = word ^ (ONES * u64::from(byte));
        v.wrapping_sub(ONES) & !v & HIGH != 0
    };
    // All four lie below `-` (0x2D), and most words of an ARN, a key or an id hold no byte
    // below it: one exact test ("some byte is below `-`") clears them. A space or a
    // parenthesis passes it and costs the four exact tests.
    let below_dash = |word: u64| word.wrapping_sub(ONES * 0x2D) & !word & HIGH != 0;
    let mut words = field.chunks_exact(8);
    for chunk in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        let word = u64::from_le_bytes(bytes);
        if below_dash(word)
            && (holds(word, b',') || holds(word, b'"') || holds(word, b'\n') || holds(word, b'\r'))
        {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&byte| matches!(byte, b',' | b'"' | b'\n' | b'\r'))
}

fn push_field(out: &mut Vec<u8>, field: &[u8]) {
    if !needs_quotes(field) {
        out.extend_from_slice(field);
        return;
    }
    out.push(b'"');
    for part in field.split_inclusive(|&byte| byte == b'"') {
        out.extend_from_slice(part);
        if part.ends_with(b"\"") {
            out.push(b'"');
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Rows come out byte for byte as the `csv` crate writes them.
        #[test]
        fn rows_match_the_csv_crate(
            rows in proptest::collection::vec(
                proptest::collection::vec("[a,\"\r\n =+'-]{0,20}", 1..4),
                0..4,
            ),
        ) {
            let mut ours = Vec::new();
            let mut theirs = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
            for row in &rows {
                let cells: Vec<Cell> = row.iter().map(|v| Cell::Text(v)).collect();
                push_row(&mut ours, &cells, true);
                theirs.write_record(row).unwrap();
            }
            let theirs = theirs.into_inner().unwrap();
            proptest::prop_assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs).unwrap());
        }
    }

    proptest::proptest! {
        /// The word-at-a-time test agrees with a byte-by-byte one on any bytes.
        #[test]
        fn needs_quotes_is_exact(field in proptest::collection::vec(proptest::num::u8::ANY, 0..40)) {
            let naive = field.iter().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
            proptest::prop_assert_eq!(needs_quotes(&field), naive);
        }
    }

    #[test]
    fn neutralizes_formula_starts_only() {
        for bad in ["=1+1", "+cmd", "-2", "@SUM(A1)"] {
            assert_eq!(neutralized(bad.into()), format!("'{bad}"));
        }
        // Control characters become visible escapes, which no longer start a formula.
        assert_eq!(neutralized("\tx".into()), "\\tx");
        assert_eq!(neutralized("\rx\u{1b}".into()), "\\rx\\u{1b}");
        assert_eq!(neutralized("a\u{85}b".into()), "a\\u{85}b");
        for good in ["", "arn:aws:iam::1:role/x", "a=b", "1-2", "'already"] {
            assert_eq!(neutralized(good.into()), good);
        }
    }
}
