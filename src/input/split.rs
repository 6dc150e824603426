//! The fast path for S3 delivery files: finding the records of `{"Records":[…]}` without
//! parsing them, 64 bytes at a time.
//!
//! Structure lives only outside strings, and strings are delimited by unescaped quotes. For
//! each 64-byte block the splitter builds bit masks of quotes, backslashes and brackets with
//! plain 64-bit arithmetic (SWAR: no `unsafe`, no platform intrinsics), works out which bytes
//! are escaped and which lie inside strings (a prefix XOR of the quote mask), and then visits
//! only the brackets outside strings to find where each record starts and ends.
//!
//! This is a splitter, not a validator: bytes inside records that are not role assumptions are
//! never checked (the records that matter are fully parsed afterwards). Anything unexpected
//! (another top-level shape, a bracket out of place, a cut-off file, trailing bytes) makes it
//! return `None`, and the caller falls back to the full JSON parser, which reads every shape
//! and reports every error.

const BLOCK: usize = 64;
const ONES: u64 = 0x0101_0101_0101_0101;
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Gathers the high bit of each byte of `high` into bits 0..8.
#[inline(always)]
fn gather(high: u64) -> u64 {
    (high >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// Bit i set when byte i of `word` equals `byte` (exact, no false positives).
#[inline(always)]
fn byte_mask(word: u64, byte: u8) -> u64 {
    let v = word ^ (ONES * u64::from(byte));
    let nonzero = ((v & LOW7) + LOW7) | v;
    gather(!nonzero & HIGH)
}

/// High bit set in each byte that may be one of `[ \\ ] { | }` (exactly those bytes: folding
/// bit 5 maps them onto 0x7B..=0x7D, and bytes of 0x80 and above are excluded).
#[inline(always)]
fn rare_structure(word: u64) -> u64 {
    let folded = word | (ONES * 0x20);
    let low = folded & LOW7;
    let at_least_7b = low + ONES * (0x80 - 0x7B);
    let at_least_7e = low + ONES * (0x80 - 0x7E);
    at_least_7b & !at_least_7e & !folded & HIGH
}

/// The masks of one 64-byte block: quotes, backslashes, `{`/`[`, `}`/`]`. Quotes are dense in
/// JSON and always computed; the rare bytes only in words that hold one.
#[inline(always)]
fn block_masks(block: &[u8]) -> (u64, u64, u64, u64) {
    let (mut quote, mut backslash, mut open, mut close) = (0, 0, 0, 0);
    for (i, chunk) in block.chunks_exact(8).enumerate() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        let word = u64::from_le_bytes(bytes);
        let shift = i * 8;
        quote |= byte_mask(word, b'"') << shift;
        if rare_structure(word) != 0 {
            backslash |= byte_mask(word, b'\\') << shift;
            // `{` 0x7B and `[` 0x5B differ only in bit 5, as do `}` 0x7D and `]` 0x5D.
            let folded = word | (ONES * 0x20);
            open |= byte_mask(folded, b'{') << shift;
            close |= byte_mask(folded, b'}') << shift;
        }
    }
    (quote, backslash, open, close)
}

/// Bit i set when byte i of the block equals `byte`.
fn block_byte_mask(block: &[u8], byte: u8) -> u64 {
    block
        .chunks_exact(8)
        .enumerate()
        .fold(0, |mask, (i, chunk)| {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(chunk);
            mask | byte_mask(u64::from_le_bytes(bytes), byte) << (i * 8)
        })
}

/// Each bit i set for a byte with an odd run of backslashes before it (an escaped byte).
/// `carry` says the block's first byte is escaped, and is updated for the next block.
fn escaped_bytes(backslash: u64, carry: &mut bool) -> u64 {
    let mut escaped = u64::from(*carry);
    *carry = false;
    let mut bits = backslash;
    while bits != 0 {
        let i = bits.trailing_zeros();
        bits &= bits - 1;
        if escaped & (1 << i) != 0 {
            continue; // an escaped backslash is a plain character
        }
        if i == 63 {
            *carry = true;
        } else {
            escaped |= 1 << (i + 1);
        }
    }
    escaped
}

/// Bit i = XOR of bits 0..=i: inside-string bits from quote bits.
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

fn skip_ws(text: &[u8], mut pos: usize) -> usize {
    while pos < text.len() && matches!(text[pos], b' ' | b'\n' | b'\r' | b'\t') {
        pos += 1;
    }
    pos
}

/// The records of a delivery file, as byte spans of its text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Records {
    /// Each record's `(start, end)`.
    pub spans: Vec<(usize, usize)>,
    /// Where a `\u` escape occurs (the `u`), in order: rare, and a record holding one may hide
    /// an escaped key from a plain substring search.
    pub unicode_escapes: Vec<usize>,
}

/// The records of a delivery file `{"Records":[…]}`, or `None` when the text is anything else
/// (see the module documentation).
pub fn split_records(text: &[u8]) -> Option<Records> {
    let mut pos = skip_ws(text, 0);
    if text.get(pos) != Some(&b'{') {
        return None;
    }
    pos = skip_ws(text, pos + 1);
    if !text[pos..].starts_with(b"\"Records\"") {
        return None;
    }
    pos = skip_ws(text, pos + b"\"Records\"".len());
    if text.get(pos) != Some(&b':') {
        return None;
    }
    pos = skip_ws(text, pos + 1);
    if text.get(pos) != Some(&b'[') {
        return None;
    }
    let (records, end) = split_array(text, pos + 1)?;
    let pos = skip_ws(text, end);
    (text.get(pos) == Some(&b'}') && skip_ws(text, pos + 1) == text.len()).then_some(records)
}

/// Splits the array whose elements start at `start`; returns the records and the offset just
/// past its closing `]`.
fn split_array(text: &[u8], start: usize) -> Option<(Records, usize)> {
    let mut records = Records::default();
    let mut depth = 0usize;
    let mut record_start = 0;
    let mut in_string = 0u64; // all ones when the previous block ended inside a string
    let mut carry = false;
    let mut base = start;
    let mut tail = [b' '; BLOCK];
    while base < text.len() {
        let block = match text.get(base..base + BLOCK) {
            Some(block) => block,
            None => {
                tail[..text.len() - base].copy_from_slice(&text[base..]);
                &tail[..]
            }
        };
        let (quote, backslash, open, close) = block_masks(block);
        let escaped = if backslash == 0 && !carry {
            0
        } else {
            let escaped = escaped_bytes(backslash, &mut carry);
            let mut unicode = escaped & block_byte_mask(block, b'u');
            while unicode != 0 {
                records
                    .unicode_escapes
                    .push(base + unicode.trailing_zeros() as usize);
                unicode &= unicode - 1;
            }
            escaped
        };
        let strings = prefix_xor(quote & !escaped) ^ in_string;
        in_string = ((strings as i64) >> 63) as u64;
        let mut brackets = (open | close) & !strings;
        while brackets != 0 {
            let i = brackets.trailing_zeros() as usize;
            brackets &= brackets - 1;
            let at = base + i;
            let byte = text.get(at).copied().unwrap_or(b' ');
            if open & (1 << i) != 0 {
                if depth == 0 {
                    if byte != b'{' {
                        return None; // arrays are not records
                    }
                    record_start = at;
                }
                depth += 1;
            } else if depth == 0 {
                return (byte == b']' && in_string == 0).then_some((records, at + 1));
            } else {
                depth -= 1;
                if depth == 0 {
                    if byte != b'}' {
                        return None;
                    }
                    records.spans.push((record_start, at + 1));
                }
            }
        }
        base += BLOCK;
    }
    None // cut off before the closing `]`
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::value::RawValue;

    /// The spans the full parser finds, for comparison.
    fn parsed(text: &str) -> Option<Vec<String>> {
        #[derive(serde::Deserialize)]
        struct File<'a> {
            #[serde(borrow, rename = "Records")]
            records: Vec<&'a RawValue>,
        }
        let file: File = serde_json::from_str(text).ok()?;
        Some(file.records.iter().map(|r| r.get().to_owned()).collect())
    }

    fn split(text: &str) -> Option<Vec<String>> {
        split_records(text.as_bytes()).map(|records| {
            records
                .spans
                .into_iter()
                .map(|(a, b)| text[a..b].to_owned())
                .collect()
        })
    }

    #[test]
    fn matches_the_parser_on_tricky_strings() {
        let long = "x".repeat(61);
        let texts = [
            r#"{"Records":[]}"#.to_owned(),
            r#" {"Records" : [ {"a":"}"} , {"b":"{[\"]"} ] } "#.to_owned(),
            format!(r#"{{"Records":[{{"a":"{long}\\"}},{{"b":"\\\\"}},{{"c":"\"}}\\\\\""}}]}}"#),
            format!(
                r#"{{"Records":[{{"k":"{}\\\\\\\"{{"}},{{"n":[1,{{"x":[]}}]}}]}}"#,
                "y".repeat(62)
            ),
            format!(
                r#"{{"Records":[{}]}}"#,
                vec![r#"{"eventName":"AssumeRole","p":{"q":"a\"b{c"}}"#; 40].join(",")
            ),
        ];
        for text in &texts {
            assert_eq!(split(text), parsed(text), "{text}");
        }
    }

    #[test]
    fn every_escape_position_across_block_boundaries() {
        for pad in 0..130 {
            let text = format!(
                r#"{{"Records":[{{"a":"{}\\\\"}},{{"b":"\\"}}\\\\\\"}}"}}]}}"#,
                "p".repeat(pad)
            );
            assert_eq!(split(&text), parsed(&text), "{text}");
        }
    }

    #[test]
    fn finds_unicode_escapes_only_where_escaped() {
        let text = r#"{"Records":[{"a":"\\u"},{"event\u004eame":"x"},{"b":"\\\u0041"}]}"#;
        let records = split_records(text.as_bytes()).unwrap();
        let at: Vec<&str> = records
            .unicode_escapes
            .iter()
            .map(|&p| &text[p - 1..p + 5])
            .collect();
        assert_eq!(at, [r"\u004e", r"\u0041"]);
    }

    #[test]
    fn gives_up_on_anything_else() {
        for text in [
            r#"{"Records":[{"a":1},{"b":"#,
            r#"{"Records":[{"a":1}"#,
            r#"{"Records":[[]]}"#,
            r#"{"Records":[{"a":1}]}{"Records":[]}"#,
            r#"{"Records":[{"a":1}],"x":2}"#,
            r#"{"Other":[]}"#,
            r#"[{"eventName":"AssumeRole"}]"#,
            r#"{"Records":[{"a":1}}]}"#,
            r#"{"Records":[{"a":"]}"#,
            "",
        ] {
            assert_eq!(split(text), None, "{text}");
        }
    }
}
