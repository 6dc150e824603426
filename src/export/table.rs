//! Aligned text tables for a terminal. Log values may hold control characters (an escape
//! sequence in a session name could rewrite the terminal), so every cell passes through
//! [`printable`] first.

use super::Rows;
use std::io::{self, Write};

/// `text` with every control character written as a visible escape (`\n`, `\u{1b}`, …).
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Control characters, and the characters that change or hide how text reads without being
/// controls: bidirectional marks and overrides, zero-width and invisible characters, the soft
/// hyphen, Hangul fillers, tag characters, interlinear annotations, line and paragraph
/// separators.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00ad}'
                | '\u{034f}'
                | '\u{061c}'
                | '\u{115f}'
                | '\u{1160}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{3164}'
                | '\u{fe00}'..='\u{fe0f}'
                | '\u{feff}'
                | '\u{ffa0}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{e0000}'..='\u{e007f}'
        )
}

/// Display width in terminal columns (Unicode's East Asian widths: a wide character takes two,
/// a combining mark none), as the terminal draws the text.
fn width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// The widest a column is padded to (characters).
const MAX_PADDED: usize = 160;

/// Writes `rows` as a table with upper-case headers, columns separated by two spaces. With
/// `fit` (the width of the terminal it is written to), a table wider than that is written as
/// records instead, one `COLUMN  value` line per cell and a `-[ RECORD n ]` line before each
/// row (as psql's expanded display): a line per value reads at any width, where a table's rows
/// would wrap into each other. Piped or written to a file, it is always the table.
///
/// # Errors
/// Any write error.
pub fn write(rows: &dyn Rows, fit: Option<usize>, wtr: &mut dyn Write) -> io::Result<()> {
    let header: Vec<String> = rows.columns().iter().map(|c| c.to_uppercase()).collect();
    let mut lines: Vec<Vec<String>> = vec![header];
    rows.each_row(&mut |cells| {
        lines.push(
            cells
                .iter()
                .map(|c| printable(&c.text()).into_owned())
                .collect(),
        );
        Ok(())
    })?;
    let columns = lines[0].len();
    // Columns are padded to their widest cell, up to MAX_PADDED: one long name (a 100 KB
    // ARN) must not pad every other row to its width, which would make the output grow with
    // rows × longest name. Wider cells stand out of line.
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            let widest = lines.iter().map(|l| width(&l[i])).max().unwrap_or(0);
            widest.min(MAX_PADDED)
        })
        .collect();
    let render = |line: &[String]| -> String {
        let mut out = String::new();
        for (i, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < columns {
                out.extend(std::iter::repeat_n(
                    ' ',
                    widths[i].saturating_sub(width(cell)) + 2,
                ));
            }
        }
        out.truncate(out.trim_end().len());
        out
    };
    // Records only for rows: a header alone (no row) stays a line, however wide. A last column
    // that runs on (a chain) may wrap: what must fit is the others and its header.
    let runs_on = rows.last_column_runs_on() && columns > 1;
    let too_wide = |line: &Vec<String>, limit: usize| {
        if runs_on {
            let mut head = line[..columns - 1].to_vec();
            head.push(lines[0][columns - 1].clone());
            width(&render(&head)) > limit
        } else {
            width(&render(line)) > limit
        }
    };
    if let Some(limit) = fit
        && lines.len() > 1
        && lines.iter().any(|line| too_wide(line, limit))
    {
        return write_records(&lines, limit, wtr);
    }
    for line in &lines {
        writeln!(wtr, "{}", render(line))?;
    }
    Ok(())
}

/// `lines` (the header, then the rows) as records: see [`write()`].
fn write_records(lines: &[Vec<String>], limit: usize, wtr: &mut dyn Write) -> io::Result<()> {
    let Some((header, rows)) = lines.split_first() else {
        return Ok(());
    };
    let names = header.iter().map(|name| width(name)).max().unwrap_or(0);
    for (n, row) in rows.iter().enumerate() {
        let title = format!("-[ RECORD {} ]", n + 1);
        let rule = limit.clamp(title.len(), 60) - title.len();
        writeln!(wtr, "{title}{}", "-".repeat(rule))?;
        for (name, value) in header.iter().zip(row) {
            let pad = names - width(name) + 2;
            let line = format!("{name}{}{value}", " ".repeat(pad));
            writeln!(wtr, "{}", line.trim_end())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::Cell;
    use super::*;

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(printable("a\x1b[31mb\nc"), "a\\u{1b}[31mb\\nc");
        assert_eq!(printable("plain ロール"), "plain ロール");
        assert_eq!(printable("\u{202e}evil"), "\\u{202e}evil");
        assert_eq!(width("ロール"), 6);
        // Session 27 (red-team): a combining mark takes no column, an emoji two; the columns
        // after such a name were out of line.
        assert_eq!(width("Comb\u{301}\u{301}\u{301}"), 4);
        assert_eq!(width("role-\u{1f511}"), 7);
    }

    struct Two;

    impl Rows for Two {
        fn columns(&self) -> Vec<&'static str> {
            vec!["role_arn", "calls"]
        }
        fn each_row(&self, row: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>) -> io::Result<()> {
            row(&[
                Cell::Text("arn:aws:iam::111122223333:role/Ops"),
                Cell::Count(12),
            ])?;
            row(&[
                Cell::Text("arn:aws:iam::111122223333:role/B"),
                Cell::Count(3),
            ])
        }
    }

    struct Empty;

    impl Rows for Empty {
        fn columns(&self) -> Vec<&'static str> {
            Two.columns()
        }
        fn each_row(&self, _: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>) -> io::Result<()> {
            Ok(())
        }
    }

    /// The columns of [`Two`] the other way round, the ARN running on.
    struct RunsOn;

    impl Rows for RunsOn {
        fn columns(&self) -> Vec<&'static str> {
            vec!["calls", "role_arn"]
        }
        fn each_row(&self, row: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>) -> io::Result<()> {
            Two.each_row(&mut |cells| row(&[cells[1].clone(), cells[0].clone()]))
        }
        fn last_column_runs_on(&self) -> bool {
            true
        }
    }

    #[test]
    fn a_last_column_that_runs_on_keeps_the_table_while_the_others_fit() {
        let written = |fit| {
            let mut out = Vec::new();
            write(&RunsOn, fit, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        let table = "CALLS  ROLE_ARN\n\
                     12     arn:aws:iam::111122223333:role/Ops\n\
                     3      arn:aws:iam::111122223333:role/B\n";
        // `CALLS  ROLE_ARN`: 15 columns.
        assert_eq!(written(Some(15)), table);
        assert_eq!(
            written(Some(14)),
            "-[ RECORD 1 ]-\n\
             CALLS     12\n\
             ROLE_ARN  arn:aws:iam::111122223333:role/Ops\n\
             -[ RECORD 2 ]-\n\
             CALLS     3\n\
             ROLE_ARN  arn:aws:iam::111122223333:role/B\n"
        );
    }

    fn written(fit: Option<usize>) -> String {
        let mut out = Vec::new();
        write(&Two, fit, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_table_too_wide_for_its_terminal_is_written_as_records() {
        let table = "ROLE_ARN                            CALLS\n\
                     arn:aws:iam::111122223333:role/Ops  12\n\
                     arn:aws:iam::111122223333:role/B    3\n";
        assert_eq!(written(None), table);
        // 41 columns wide: fits 41, not 40.
        assert_eq!(written(Some(41)), table);
        // No row: the header, however wide.
        let mut out = Vec::new();
        write(&Empty, Some(5), &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "ROLE_ARN  CALLS\n");
        assert_eq!(
            written(Some(40)),
            "-[ RECORD 1 ]---------------------------\n\
             ROLE_ARN  arn:aws:iam::111122223333:role/Ops\n\
             CALLS     12\n\
             -[ RECORD 2 ]---------------------------\n\
             ROLE_ARN  arn:aws:iam::111122223333:role/B\n\
             CALLS     3\n"
        );
    }
}
