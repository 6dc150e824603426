//! The fast path for S3 delivery files: finding the records of `{"Records":[…]}` without
//! parsing them, 64 bytes at a time.
//!
//! Structure lives only outside strings, and strings are delimited by unescaped quotes. For
//! each 64-byte block the splitter builds bit masks of quotes, backslashes and brackets with
//! AVX2 where the CPU has it (the only `unsafe` in the crate, behind runtime detection) and
//! plain 64-bit arithmetic (SWAR) elsewhere, works out which bytes
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

/// The bit masks of one 64-byte block, bit i for byte i.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Masks {
    quote: u64,
    backslash: u64,
    /// `{` or `[`.
    open: u64,
    /// `}` or `]`.
    close: u64,
}

/// A way to compute [`Masks`]: plain 64-bit arithmetic everywhere, AVX2 where the CPU has it.
trait BlockScanner: Copy {
    fn masks(self, block: &[u8; BLOCK]) -> Masks;
}

/// The portable scanner (SWAR).
#[derive(Debug, Clone, Copy)]
struct Swar;

impl BlockScanner for Swar {
    #[inline(always)]
    fn masks(self, block: &[u8; BLOCK]) -> Masks {
        swar_masks(block)
    }
}

/// Quotes are dense in JSON and always computed; the rare bytes only in words that hold one.
#[inline(always)]
fn swar_masks(block: &[u8; BLOCK]) -> Masks {
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
    Masks {
        quote,
        backslash,
        open,
        close,
    }
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
    #[cfg(target_arch = "x86_64")]
    let split = match avx2::Avx2::detect() {
        Some(avx2) => avx2.split_array(text, pos + 1),
        None => split_array(Swar, text, pos + 1),
    };
    #[cfg(not(target_arch = "x86_64"))]
    let split = split_array(Swar, text, pos + 1);
    let (records, end) = split?;
    let pos = skip_ws(text, end);
    (text.get(pos) == Some(&b'}') && skip_ws(text, pos + 1) == text.len()).then_some(records)
}

/// Splits the array whose elements start at `start`; returns the records and the offset just
/// past its closing `]`.
#[inline(always)]
fn split_array(scanner: impl BlockScanner, text: &[u8], start: usize) -> Option<(Records, usize)> {
    let mut records = Records::default();
    let mut depth = 0isize;
    let mut record_start = 0;
    let mut in_string = 0u64; // all ones when the previous block ended inside a string
    let mut carry = false;
    let mut base = start;
    let mut tail = [b' '; BLOCK];
    while base < text.len() {
        let block: &[u8; BLOCK] = match text.get(base..base + BLOCK) {
            Some(block) => block.try_into().unwrap_or(&tail),
            None => {
                tail[..text.len() - base].copy_from_slice(&text[base..]);
                &tail
            }
        };
        let Masks {
            quote,
            backslash,
            open,
            close,
        } = scanner.masks(block);
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
            // No branch on opening or closing (their order is unpredictable): only on the
            // rare brackets that start or end a record, or the array.
            let before = depth;
            depth = depth + 2 * ((open >> i) & 1) as isize - 1;
            if before != 0 && depth != 0 {
                continue;
            }
            let at = base + i;
            let byte = text.get(at).copied().unwrap_or(b' ');
            match (before, byte) {
                (0, b'{') => record_start = at,
                (0, b']') => return (in_string == 0).then_some((records, at + 1)),
                (1, b'}') => records.spans.push((record_start, at + 1)),
                _ => return None, // an array as a record, or brackets that do not pair
            }
        }
        base += BLOCK;
    }
    None // cut off before the closing `]`
}

/// The AVX2 scanner: 32 bytes per comparison instead of 8.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2 {
    use super::{BLOCK, BlockScanner, Masks, Records};
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256,
        _mm256_set1_epi8,
    };

    /// Proof that the CPU has AVX2: made only by [`Avx2::detect`].
    #[derive(Debug, Clone, Copy)]
    pub struct Avx2(());

    impl Avx2 {
        pub fn detect() -> Option<Self> {
            std::is_x86_feature_detected!("avx2").then_some(Avx2(()))
        }

        /// [`super::split_array`] compiled for AVX2.
        pub fn split_array(self, text: &[u8], start: usize) -> Option<(Records, usize)> {
            // SAFETY: an `Avx2` exists only on a CPU with AVX2.
            unsafe { split_array_avx2(self, text, start) }
        }
    }

    #[target_feature(enable = "avx2")]
    fn split_array_avx2(scanner: Avx2, text: &[u8], start: usize) -> Option<(Records, usize)> {
        super::split_array(scanner, text, start)
    }

    impl BlockScanner for Avx2 {
        #[inline(always)]
        fn masks(self, block: &[u8; BLOCK]) -> Masks {
            // SAFETY: an `Avx2` exists only on a CPU with AVX2.
            unsafe { masks(block) }
        }
    }

    #[target_feature(enable = "avx2")]
    fn masks(block: &[u8; BLOCK]) -> Masks {
        // SAFETY: both unaligned loads read 32 bytes inside the 64-byte array.
        let (low, high) = unsafe {
            (
                _mm256_loadu_si256(block.as_ptr().cast::<__m256i>()),
                _mm256_loadu_si256(block.as_ptr().add(32).cast::<__m256i>()),
            )
        };
        // `{` 0x7B and `[` 0x5B differ only in bit 5, as do `}` 0x7D and `]` 0x5D.
        let fold = _mm256_set1_epi8(0x20);
        let (low_folded, high_folded) = (_mm256_or_si256(low, fold), _mm256_or_si256(high, fold));
        Masks {
            quote: equal(low, high, b'"'),
            backslash: equal(low, high, b'\\'),
            open: equal(low_folded, high_folded, b'{'),
            close: equal(low_folded, high_folded, b'}'),
        }
    }

    /// Bit i set when byte i of the 64 bytes `low`, `high` equals `byte`.
    #[target_feature(enable = "avx2")]
    fn equal(low: __m256i, high: __m256i, byte: u8) -> u64 {
        let needle = _mm256_set1_epi8(byte as i8);
        let low = _mm256_movemask_epi8(_mm256_cmpeq_epi8(low, needle)) as u32;
        let high = _mm256_movemask_epi8(_mm256_cmpeq_epi8(high, needle)) as u32;
        u64::from(low) | u64::from(high) << 32
    }
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

    /// Splits with [`split_records`], after checking that every scanner this CPU can run
    /// finds the same records.
    fn split(text: &str) -> Option<Vec<String>> {
        let start = text.find('[').map_or(0, |at| at + 1);
        let portable = split_array(Swar, text.as_bytes(), start);
        #[cfg(target_arch = "x86_64")]
        if let Some(avx2) = avx2::Avx2::detect() {
            assert_eq!(avx2.split_array(text.as_bytes(), start), portable, "{text}");
        }
        let _ = portable;
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
        assert!(split(text).is_some());
        let records = split_records(text.as_bytes()).unwrap();
        let at: Vec<&str> = records
            .unicode_escapes
            .iter()
            .map(|&p| &text[p - 1..p + 5])
            .collect();
        assert_eq!(at, [r"\u004e", r"\u0041"]);
    }

    proptest::proptest! {
        /// Records whose strings are full of quotes, backslashes and brackets split exactly as
        /// the parser reads them, with every scanner.
        #[test]
        fn valid_records_split_as_parsed(
            values in proptest::collection::vec("[\"\\\\{}\\[\\]u0a:, ]{0,90}", 0..6),
        ) {
            let records: Vec<String> = values
                .iter()
                .map(|v| serde_json::json!({ "k": v, "n": [v, { "m": v }] }).to_string())
                .collect();
            let text = format!(r#"{{"Records":[{}]}}"#, records.join(","));
            proptest::prop_assert_eq!(split(&text), parsed(&text));
        }

        /// On any text at all the scanners agree (checked inside `split`).
        #[test]
        fn scanners_agree_on_any_text(body in "[\"\\\\{}\\[\\]u0a:, ]{0,300}") {
            let _ = split(&format!(r#"{{"Records":[{body}]}}"#));
        }
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
