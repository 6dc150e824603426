//! CSV for auditors: RFC 4180 quoting, and cells that a spreadsheet would run as a formula
//! neutralized the way OWASP recommends.
//!
//! Rows are formatted here rather than by the csv crate's writer, whose per-byte state machine
//! was most of the cost of writing a large `events` CSV; a property test holds the bytes to
//! exactly what the csv crate writes (the crate still reads `--accounts` files).
//!
//! Log values such as `userAgent` and `roleSessionName` are chosen by the caller. Control
//! characters and the invisible or reordering ones are written as visible escapes (a tab as
//! `\t`, as the tables write them: [`super::table::printable`]), then a cell that begins with
//! `=`, `+`, `-` or `@` is prefixed with a single quote (`'`), which spreadsheets show as
//! text, as is each item of a `;`-joined list that does (a spreadsheet whose list separator
//! is `;` splits such a cell). `raw` turns both off for machine consumers.

use super::{Cell, IndexedRows, Rows};
use std::borrow::Cow;
use std::io::{self, Write};

/// Neutralizes a cell for a spreadsheet or a terminal, allocating only when it must: control
/// characters (a tab that a tab-separated import would split on, an escape sequence that
/// `events | head` would send to the terminal) and the invisible or reordering characters the
/// tables escape (a right-to-left override, a zero-width space) are written as visible
/// escapes (`\t`, `\u{1b}`, `\u{202e}`, as in the tables), then a cell that a spreadsheet would read as a formula gets a
/// `'` prefix. `may_hold_control` is [`Shape::may_hold_control`] of the cell.
fn neutralized(cell: Cow<'_, str>, may_hold_control: bool) -> Cow<'_, str> {
    let cell = if may_hold_control && cell.chars().any(super::table::needs_escape) {
        Cow::Owned(super::table::printable(&cell).into_owned())
    } else {
        cell
    };
    if starts_formula(&cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        cell
    }
}

/// True when a spreadsheet would read `text` as a formula.
fn starts_formula(text: &str) -> bool {
    matches!(text.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@'))
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
        let text = match cell {
            // Each item of a list a spreadsheet may split on `;` is neutralized as a cell is.
            Cell::List(items) if !raw && items.iter().skip(1).any(|item| starts_formula(item)) => {
                let items: Vec<Cow<'_, str>> = (items.iter())
                    .map(|item| neutralized(Cow::Borrowed(*item), true))
                    .collect();
                Cow::Owned(items.join(";"))
            }
            cell => cell.text(),
        };
        let mut shape = Shape::of(text.as_bytes());
        let text = if raw {
            text
        } else {
            let plain = text.len();
            let text = neutralized(text, shape.may_hold_control);
            if text.len() != plain {
                shape = Shape::of(text.as_bytes()); // escaped or prefixed: look again
            }
            text
        };
        if cells.len() == 1 && text.is_empty() {
            out.extend_from_slice(b"\"\"");
        } else {
            push_field(out, text.as_bytes(), shape.needs_quotes);
        }
    }
    out.push(b'\n');
}

/// What one pass over a field finds, eight bytes at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shape {
    /// It holds a comma, a quote, CR or LF.
    needs_quotes: bool,
    /// It may hold a control character: a byte below a space, or one of DEL and above (DEL,
    /// and the C1 controls, whose UTF-8 begins with 0xC2, among the non-ASCII text). False
    /// for the ASCII text of ARNs, keys and ids, the bulk of a trail.
    may_hold_control: bool,
}

impl Shape {
    fn of(field: &[u8]) -> Shape {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        // Exactly "some byte of `word` equals `byte`" (the classic zero-byte test).
        let holds = |word: u64, byte: u8| {
            let v = word ^ (ONES * u64::from(byte));
            v.wrapping_sub(ONES) & !v & HIGH != 0
        };
        // "Some byte is below `below`" (exact for bytes under 0x80).
        let below =
            |word: u64, below: u8| word.wrapping_sub(ONES * u64::from(below)) & !word & HIGH != 0;
        // Some byte is 0x7F or above.
        let high = |word: u64| (((word & LOW7) + ONES) | word) & HIGH != 0;
        let mut shape = Shape {
            needs_quotes: false,
            may_hold_control: false,
        };
        let mut words = field.chunks_exact(8);
        for chunk in &mut words {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(chunk);
            let word = u64::from_le_bytes(bytes);
            // The four quote bytes and the controls all lie below `-` (0x2D), and most words
            // of an ARN, a key or an id hold no byte below it: one exact test clears them.
            if below(word, 0x2d) {
                shape.needs_quotes |= holds(word, b',')
                    || holds(word, b'"')
                    || holds(word, b'\n')
                    || holds(word, b'\r');
                shape.may_hold_control |= below(word, 0x20);
            }
            shape.may_hold_control |= high(word);
        }
        for &byte in words.remainder() {
            shape.needs_quotes |= matches!(byte, b',' | b'"' | b'\n' | b'\r');
            shape.may_hold_control |= !(0x20..0x7f).contains(&byte);
        }
        shape
    }
}

fn push_field(out: &mut Vec<u8>, field: &[u8], needs_quotes: bool) {
    if !needs_quotes {
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
        /// The word-at-a-time tests agree with byte-by-byte ones on any bytes.
        #[test]
        fn shape_is_exact(field in proptest::collection::vec(proptest::num::u8::ANY, 0..40)) {
            let quotes = field.iter().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
            let control = field.iter().any(|b| !(0x20..0x7f).contains(b));
            proptest::prop_assert_eq!(
                Shape::of(&field),
                Shape { needs_quotes: quotes, may_hold_control: control }
            );
        }
    }

    #[test]
    fn neutralizes_formula_starts_only() {
        for bad in ["=1+1", "+cmd", "-2", "@SUM(A1)"] {
            assert_eq!(neutralized(bad.into(), true), format!("'{bad}"));
        }
        // Control characters become visible escapes, which no longer start a formula.
        assert_eq!(neutralized("\tx".into(), true), "\\tx");
        assert_eq!(neutralized("\rx\u{1b}".into(), true), "\\rx\\u{1b}");
        assert_eq!(neutralized("a\u{85}b".into(), true), "a\\u{85}b");
        for good in ["", "arn:aws:iam::1:role/x", "a=b", "1-2", "'already"] {
            assert_eq!(neutralized(good.into(), true), good);
        }
    }

    /// Each item of a list is neutralized as a cell is (a spreadsheet that splits on `;` would
    /// run the second); `raw` keeps them.
    #[test]
    fn neutralizes_each_item_of_a_list() {
        let row = |items: Vec<&'static str>, raw: bool| {
            let mut out = Vec::new();
            push_row(&mut out, &[Cell::List(items)], raw);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            row(vec!["1.2.3.4", "=cmd|' /C calc'!A0", "@x"], false),
            "1.2.3.4;'=cmd|' /C calc'!A0;'@x\n"
        );
        assert_eq!(row(vec!["=a", "b"], false), "'=a;b\n");
        assert_eq!(row(vec!["1.2.3.4", "=cmd"], true), "1.2.3.4;=cmd\n");
    }
}
