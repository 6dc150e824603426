//! The fast path for files that hold one object whose one key holds an array of records
//! (`{"KEY":[…]}`: CloudTrail's S3 delivery files, for the reading layer): finding the records
//! without parsing them, 64 bytes at a time.
//!
//! Structure lives only outside strings, and strings are delimited by unescaped quotes. For
//! each 64-byte block the splitter builds bit masks of quotes, backslashes and brackets, works
//! out which bytes are escaped and which lie inside strings (a prefix XOR of the quote mask),
//! and then visits the brackets outside strings to find where each record starts and ends:
//! one by one only in blocks where the depth may reach zero, elsewhere adding up the opening
//! and closing brackets with two bit counts; runs of such blocks, with nothing else in them,
//! go through a lean loop whose state fits in registers (`skim`). On the way it notes where a
//! key that the caller names may start ([`KeyMark`]: a quote some bytes before a rare byte of
//! the key), so that finding the records worth parsing needs no second pass over the text. The masks come from AVX-512BW (on AMD
//! CPUs) or AVX2 compares and the prefix XOR from one carry-less multiply where the CPU has
//! them (checked at run time, in the `simd` module below: with `crate::prefetch`, the only
//! `unsafe` in the crate), and from plain 64-bit arithmetic (SWAR) elsewhere; tests hold
//! every scanner the CPU can run to the same answers.
//!
//! A [`Splitter`] can be fed the text a piece at a time while it is being inflated, so each
//! piece is scanned while it is still in the cache; the records found do not depend on the
//! pieces.
//!
//! The same compares give the hand reader ([`super::reader`]) where the strings of a
//! record stop (`StringStops`).
//!
//! This is a splitter, not a validator: bytes inside records that are not role assumptions are
//! never checked (the records that matter are fully parsed afterwards). Anything unexpected
//! (another top-level shape, a bracket out of place, a cut-off file, trailing bytes) makes it
//! return `None`, and the caller falls back to the full JSON parser, which reads every shape
//! and reports every error.

/// The unit of every scan: 64 bytes, one bit each in a `u64` mask.
pub(crate) const BLOCK: usize = 64;
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
pub(crate) fn byte_mask(word: u64, byte: u8) -> u64 {
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

/// Where strings stop, a 64-byte block at a time, for the hand reader
/// ([`super::reader`]): it finds the end of each string as the next set bit instead of
/// testing the string's bytes a word at a time, with the same vector compares as the splitter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StringStops {
    #[cfg(target_arch = "x86_64")]
    simd: Option<simd::Simd>,
}

impl StringStops {
    /// With the widest compares the CPU has.
    pub(crate) fn detect() -> Self {
        StringStops {
            #[cfg(target_arch = "x86_64")]
            simd: simd::Simd::detect(),
        }
    }

    /// In plain 64-bit arithmetic, whatever the CPU (to test the others against).
    #[cfg(test)]
    pub(crate) fn portable() -> Self {
        StringStops {
            #[cfg(target_arch = "x86_64")]
            simd: None,
        }
    }

    /// Bit i set when byte i of `block` is a quote, a backslash or a control character (below
    /// 0x20): the bytes where a string that the hand reader reads itself must end.
    #[inline]
    pub(crate) fn of(self, block: &[u8; BLOCK]) -> u64 {
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = self.simd {
            return simd.string_stops(block);
        }
        swar_string_stops(block)
    }
}

impl StringStops {
    /// Where the object or array whose opening bracket is at `text[open]` ends: the offset
    /// just past its closing bracket, or `None` when the text ends first. Found from the
    /// splitter's block masks (quotes, backslashes, brackets, and the strings they make), 64
    /// bytes at a time, without reading the values inside: nothing else is checked (`{]` pairs
    /// as `{}` does). Each byte is looked at once, so the cost is linear at any depth.
    #[inline]
    pub(crate) fn nested_end(self, text: &[u8], open: usize) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = self.simd {
            return simd.nested_end(text, open);
        }
        nested_end_with(Swar, text, open)
    }
}

/// [`StringStops::nested_end`] with `scanner`'s masks.
#[inline(always)]
fn nested_end_with(scanner: impl BlockScanner, text: &[u8], open: usize) -> Option<usize> {
    let (mut pos, mut depth) = (open, 0isize);
    let (mut in_string, mut carry) = (0u64, false);
    let mut tail = [b' '; BLOCK];
    while pos < text.len() {
        let block: &[u8; BLOCK] = match text[pos..].first_chunk() {
            Some(block) => block,
            None => {
                tail[..text.len() - pos].copy_from_slice(&text[pos..]);
                &tail
            }
        };
        let masks = scanner.masks(block, b'"');
        let escaped = if masks.backslash == 0 && !carry {
            0
        } else {
            escaped_bytes(masks.backslash, &mut carry)
        };
        let strings = scanner.prefix_xor(masks.quote & !escaped) ^ in_string;
        in_string = ((strings as i64) >> 63) as u64;
        let (opens, closes) = (masks.opens & !strings, masks.closes & !strings);
        let closing = closes.count_ones() as isize;
        if depth > closing {
            // The depth cannot reach zero in this block: only count.
            depth += opens.count_ones() as isize - closing;
        } else {
            let mut brackets = opens | closes;
            while brackets != 0 {
                let i = brackets.trailing_zeros() as usize;
                brackets &= brackets - 1;
                // `{` and `[` have bit 1 set, `}` and `]` clear.
                depth += ((block[i] & 2) as isize) - 1;
                if depth == 0 {
                    return Some(pos + i + 1);
                }
            }
        }
        pos += BLOCK;
    }
    None
}

/// [`StringStops::of`] in plain 64-bit arithmetic.
fn swar_string_stops(block: &[u8; BLOCK]) -> u64 {
    let mut stops = 0;
    for (shift, word) in words(block) {
        // The high bit is left clear exactly in the bytes below 0x20: adding 0x60 to a byte's
        // low seven bits sets it from 0x20 up (with no carry into the next byte), and the
        // byte's own high bit from 0x80 up.
        let control = gather(!(((word & LOW7) + ONES * 0x60) | word) & HIGH);
        stops |= (byte_mask(word, b'"') | byte_mask(word, b'\\') | control) << shift;
    }
    stops
}

/// The bit masks of one 64-byte block, bit i for byte i.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Masks {
    quote: u64,
    backslash: u64,
    /// `{` or `[`.
    opens: u64,
    /// `}` or `]`.
    closes: u64,
    /// The key's mark byte ([`KeyMark::byte`]).
    marked: u64,
}

impl Masks {
    /// The mark bytes with a quote `at` bytes before them (where the noted key may start),
    /// given the quotes of the block before.
    #[inline(always)]
    fn key_starts(&self, last_quotes: u64, at: u32) -> u64 {
        self.marked & (self.quote << at | last_quotes >> (64 - at))
    }
}

/// The mark of a splitter that notes no key ([`split_records`]; its filter keeps none).
const NO_KEY: KeyMark = KeyMark { byte: 0, at: 1 };

/// A splitter that notes no key.
pub type PlainSplitter = Splitter<{ NO_KEY.byte }, { NO_KEY.at }>;

/// Which key's starts a splitter notes, by a byte of it that is rare in JSON text: `byte`
/// standing `at` bytes after the key's opening quote. The splitter knows no key of its own;
/// the caller names one (the reading layer: `"eventName"`, whose `N` stands six bytes after
/// its quote).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyMark {
    pub byte: u8,
    pub at: u32,
}

impl KeyMark {
    /// The mark of a key whose byte `at` (counting its opening quote as 0) is `key[at]`.
    pub const fn of(key: &[u8], at: usize) -> KeyMark {
        assert!(
            at > 0 && at < 64 && at < key.len(),
            "a mark inside the key's first block"
        );
        assert!(key[0] == b'"', "the key with its opening quote");
        KeyMark {
            byte: key[at],
            at: at as u32,
        }
    }
}

/// A way to compute [`Masks`]: plain 64-bit arithmetic everywhere, AVX-512BW or AVX2 where
/// the CPU has them.
trait BlockScanner: Copy {
    /// The block's masks, `marked` for the byte `mark`.
    fn masks(self, block: &[u8; BLOCK], mark: u8) -> Masks;

    /// Bit i = XOR of bits 0..=i: inside-string bits from quote bits.
    #[inline(always)]
    fn prefix_xor(self, bits: u64) -> u64 {
        prefix_xor(bits)
    }
}

/// The portable scanner (SWAR).
#[derive(Debug, Clone, Copy)]
struct Swar;

impl BlockScanner for Swar {
    #[inline(always)]
    fn masks(self, block: &[u8; BLOCK], mark: u8) -> Masks {
        swar_masks(block, mark)
    }
}

/// Quotes are dense in JSON and always computed; the rare bytes only in words that hold one.
#[inline(always)]
fn swar_masks(block: &[u8; BLOCK], mark: u8) -> Masks {
    let (mut quote, mut backslash, mut opens, mut closes, mut marked) = (0, 0, 0, 0, 0);
    for (shift, word) in words(block) {
        quote |= byte_mask(word, b'"') << shift;
        marked |= byte_mask(word, mark) << shift;
        if rare_structure(word) != 0 {
            backslash |= byte_mask(word, b'\\') << shift;
            // `{` 0x7B and `[` 0x5B differ only in bit 5, as do `}` 0x7D and `]` 0x5D.
            let folded = word | (ONES * 0x20);
            opens |= byte_mask(folded, b'{') << shift;
            closes |= byte_mask(folded, b'}') << shift;
        }
    }
    Masks {
        quote,
        backslash,
        opens,
        closes,
        marked,
    }
}

/// Bit i set when byte i of the block equals `byte`.
fn block_byte_mask(block: &[u8], byte: u8) -> u64 {
    words(block).fold(0, |mask, (shift, word)| {
        mask | byte_mask(word, byte) << shift
    })
}

/// The whole 8-byte words of `block`, little-endian, each with the shift that puts its bits
/// in place in the block's masks.
#[inline(always)]
fn words(block: &[u8]) -> impl Iterator<Item = (usize, u64)> + '_ {
    block.chunks_exact(8).enumerate().map(|(i, chunk)| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        (i * 8, u64::from_le_bytes(bytes))
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

/// Whether `gap`, the bytes between two records (`comma`), or before the first or after the
/// last, is what JSON allows there: whitespace and, between records, one comma. Anything
/// else is a value that is not a record, or no JSON: for the parser to read and say.
fn between_records(gap: Option<&[u8]>, comma: bool) -> bool {
    let Some(gap) = gap else {
        return false;
    };
    let mut commas = 0;
    for &byte in gap {
        match byte {
            b' ' | b'\n' | b'\r' | b'\t' => {}
            b',' => commas += 1,
            _ => return false,
        }
    }
    commas == usize::from(comma)
}

/// The records of a delivery file, as byte spans of its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Records {
    /// Each record's `(start, end)`.
    pub spans: Vec<(usize, usize)>,
    /// Where a `\u` escape occurs (the `u`), in order: rare, and a record holding one may hide
    /// an escaped key from a plain substring search.
    pub unicode_escapes: Vec<usize>,
    /// Where a quote stands before the noted key's mark ([`KeyMark`]), in order, unless the
    /// splitter's [`NameFilter`] ruled it out: every start of the key that the filter keeps is
    /// one of these (the caller checks which), so the text needs no second search for them.
    pub key_starts: Vec<usize>,
    /// How many records the array holds, those left out of `spans` included.
    pub count: usize,
    /// The first record's span, whether or not `spans` holds it.
    pub first: Option<(usize, usize)>,
    /// Set by [`Splitter::sparse`]: `spans` then holds only the records in which a kept key
    /// start or a `\u` escape lies (any other cannot be of interest to the caller), so a file
    /// of tiny records (`{},{},…`) costs no more than its text.
    sparse: bool,
    /// The most spans to list ([`Splitter::listing_at_most`]); past it, records are only
    /// counted and `overflowed` is set.
    most_spans: usize,
    /// More records were to be listed than `most_spans`.
    pub overflowed: bool,
}

impl Default for Records {
    /// No record yet, and no bound on how many are listed.
    fn default() -> Self {
        Records {
            spans: Vec::new(),
            unicode_escapes: Vec::new(),
            key_starts: Vec::new(),
            count: 0,
            first: None,
            sparse: false,
            most_spans: usize::MAX,
            overflowed: false,
        }
    }
}

impl Records {
    /// Notes the record that spans `start..end`.
    fn end_record(&mut self, start: usize, end: usize) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some((start, end));
        }
        let holds = |at: Option<&usize>| at.is_some_and(|&at| at >= start);
        if !self.sparse || holds(self.key_starts.last()) || holds(self.unicode_escapes.last()) {
            if self.spans.len() < self.most_spans {
                self.spans.push((start, end));
            } else {
                self.overflowed = true;
            }
        }
    }
}

/// Says whether a possible start of the noted key is worth noting, given the text from it to the
/// end of what has arrived (while inflating, that may stop short of the value: a filter keeps
/// whatever the bytes it is given cannot rule out). The filter looks at the bytes while they
/// are still in the cache, so the caller's own look later is at far fewer places.
pub type NameFilter = fn(&[u8]) -> bool;

/// The records of a text `{"KEY":[…]}` (`array_key` is `"KEY"`, quoted), or `None` when the
/// text is anything else (see the module documentation). A UTF-8 byte order mark before it is skipped; spans count
/// from the start of `text`.
pub fn split_records(text: &[u8], array_key: &'static [u8]) -> Option<Records> {
    PlainSplitter::new(array_key).finish(text)
}

/// Where a [`Splitter`] stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Before the opening `{"Records":[` is complete.
    Opening,
    /// Inside the array; the next block starts at `pos`.
    Array,
    /// Past the array's closing `]`, at `pos`.
    Closed,
    /// Not a delivery file, or not a whole one: the caller parses it instead.
    Failed,
}

/// [`split_records`] a piece at a time, while the text arrives: call [`Splitter::feed`] with
/// all the text so far each time more has come (the new bytes are scanned while the cache
/// still holds them, straight after inflating), then [`Splitter::finish`] with the whole text.
/// The records found do not depend on how the text was cut into pieces (the key starts noted
/// may: a [`NameFilter`] keeps those a cut hides from it).
#[derive(Debug)]
///
/// `MARK` and `AT` are the [`KeyMark`] of the key whose starts it notes (constants, so the
/// block loops compare with an immediate and shift by a constant).
pub struct Splitter<const MARK: u8, const AT: u32> {
    cursor: Cursor,
    records: Records,
    /// The top-level key (quoted) whose array holds the records.
    array_key: &'static [u8],
    /// The filter of the key starts noted.
    keep_name: NameFilter,
    /// The vector scanner, when the CPU has one.
    #[cfg(target_arch = "x86_64")]
    simd: Option<simd::Simd>,
}

/// Where a [`Splitter`] is, copied into locals while it scans (so it lives in registers).
#[derive(Debug, Clone, Copy)]
struct Cursor {
    stage: Stage,
    /// The next block's offset, or (closed) the offset past the `]`.
    pos: usize,
    depth: isize,
    record_start: usize,
    /// Where the bytes between records begin: past the array's `[`, or past the last record
    /// (only whitespace and one comma may lie between records: [`between_records`]).
    gap_from: usize,
    /// All ones when the last block scanned ended inside a string.
    in_string: u64,
    /// The next block's first byte is escaped.
    carry: bool,
    /// The last block's quotes.
    last_quotes: u64,
}

/// What the start of a text says.
enum Opening {
    /// `{"KEY":[` ends here.
    At(usize),
    /// Too short to tell.
    NeedMore,
    /// Something else.
    Not,
}

/// Where the array under `key` (quoted) opens in `text`: `{`, the key, `:`, `[`, with any
/// whitespace between (and a UTF-8 byte order mark before).
fn opening(text: &[u8], key: &[u8]) -> Opening {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    if text.len() < BOM.len() && BOM.starts_with(text) {
        return Opening::NeedMore;
    }
    let mut pos = if text.starts_with(BOM) { BOM.len() } else { 0 };
    for token in [&b"{"[..], key, b":", b"["] {
        pos = skip_ws(text, pos);
        let rest = &text[pos..];
        if rest.len() < token.len() {
            return if token.starts_with(rest) {
                Opening::NeedMore
            } else {
                Opening::Not
            };
        }
        if !rest.starts_with(token) {
            return Opening::Not;
        }
        pos += token.len();
    }
    Opening::At(pos)
}

impl<const MARK: u8, const AT: u32> Splitter<MARK, AT> {
    /// A splitter of the records in the array under `array_key` (with its quotes, e.g.
    /// `"Records"`) of a top-level object, noting no key.
    pub fn new(array_key: &'static [u8]) -> Self {
        Splitter {
            array_key,
            cursor: Cursor {
                stage: Stage::Opening,
                pos: 0,
                depth: 0,
                record_start: 0,
                gap_from: 0,
                in_string: 0,
                carry: false,
                last_quotes: 0,
            },
            records: Records::default(),
            keep_name: |_| false,
            #[cfg(target_arch = "x86_64")]
            simd: simd::Simd::detect(),
        }
    }

    /// The same splitter, noting the starts of its key (`MARK`, `AT`) that `keep_name` keeps.
    pub fn noting(self, keep_name: NameFilter) -> Self {
        Splitter { keep_name, ..self }
    }

    /// The same splitter with sparse [`Records`]: only the records where a kept start (or a
    /// `\u` escape) lies, so a file of tiny records (`{},{},…`) costs no more than its text.
    pub fn sparse(mut self) -> Self {
        self.records.sparse = true;
        self
    }

    /// The same splitter, listing at most `most` records' spans: past them, the records are
    /// counted and [`Records::overflowed`] set, so that a file of tiny records that are all of
    /// interest (`{},{},…` for a reader of every call) costs no more than its caller allows,
    /// where its spans would take five times its text.
    pub fn listing_at_most(mut self, most: usize) -> Self {
        self.records.most_spans = most;
        self
    }

    /// The same splitter, filling the lists of an earlier file's [`Records`] (emptied first):
    /// a worker that hands them from file to file keeps their capacity, where new lists would
    /// grow from nothing again in every file, copying themselves at each doubling.
    pub fn reusing(mut self, mut records: Records) -> Self {
        records.spans.clear();
        records.unicode_escapes.clear();
        records.key_starts.clear();
        records.count = 0;
        records.first = None;
        records.sparse = self.records.sparse;
        records.most_spans = self.records.most_spans;
        records.overflowed = false;
        self.records = records;
        self
    }

    /// A splitter that never uses vector instructions (to test the scanners against each
    /// other).
    #[cfg(test)]
    fn portable() -> Self {
        Splitter {
            #[cfg(target_arch = "x86_64")]
            simd: None,
            ..Self::new(tests::ARRAY).noting(|_| true)
        }
    }

    /// A splitter that uses AVX2 even where AVX-512BW is there (for the same tests).
    #[cfg(test)]
    fn avx2_only() -> Self {
        Splitter {
            #[cfg(target_arch = "x86_64")]
            simd: simd::Simd::avx2(),
            ..Self::new(tests::ARRAY).noting(|_| true)
        }
    }

    /// Scans the whole 64-byte blocks of `text` (all the text so far) not scanned yet.
    pub fn feed(&mut self, text: &[u8]) {
        if self.cursor.stage == Stage::Opening {
            match opening(text, self.array_key) {
                Opening::At(pos) => {
                    self.cursor.stage = Stage::Array;
                    self.cursor.pos = pos;
                    self.cursor.gap_from = pos;
                }
                Opening::NeedMore => return,
                Opening::Not => {
                    self.cursor.stage = Stage::Failed;
                    return;
                }
            }
        }
        self.scan(text, false);
    }

    /// The records, given the whole text; `None` when it is not a whole delivery file.
    pub fn finish(mut self, text: &[u8]) -> Option<Records> {
        self.feed(text);
        self.scan(text, true);
        if self.cursor.stage != Stage::Closed {
            return None;
        }
        let pos = skip_ws(text, self.cursor.pos);
        (text.get(pos) == Some(&b'}') && skip_ws(text, pos + 1) == text.len())
            .then_some(self.records)
    }

    fn scan(&mut self, text: &[u8], to_end: bool) {
        if self.cursor.stage != Stage::Array {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = self.simd {
            simd.scan(self, text, to_end);
            return;
        }
        self.scan_with(Swar, text, to_end);
    }

    /// Scans the blocks from `pos` on: whole blocks only, or (`to_end`) the last partial one
    /// too, padded with spaces, after which the array must have closed.
    #[inline(always)]
    fn scan_with(&mut self, scanner: impl BlockScanner, text: &[u8], to_end: bool) {
        let mut cursor = self.cursor;
        let mut tail = [b' '; BLOCK];
        while cursor.stage == Stage::Array && cursor.pos < text.len() {
            skim::<MARK, AT>(scanner, &mut cursor, text);
            let base = cursor.pos;
            let block: &[u8; BLOCK] = match text[base..].first_chunk() {
                Some(block) => block,
                None if to_end => {
                    tail[..text.len() - base].copy_from_slice(&text[base..]);
                    &tail
                }
                None => break,
            };
            scan_block::<MARK, AT>(
                scanner,
                &mut cursor,
                &mut self.records,
                self.keep_name,
                block,
                base,
                text,
            );
            if cursor.stage == Stage::Array {
                cursor.pos = base + BLOCK;
            }
        }
        if to_end && cursor.stage == Stage::Array {
            cursor.stage = Stage::Failed; // cut off before the closing `]`
        }
        self.cursor = cursor;
    }
}

/// Scans whole blocks from `cursor.pos` on for as long as each only moves the depth: no
/// possible start of the noted key, no backslash (nor an escape carried in), and the depth stays
/// above zero throughout (so no record starts or ends). Stops before the first block that
/// needs more, which [`scan_block`] then takes from the start.
///
/// Most blocks are like that (88% in the benchmark corpus: inside a record, away from its
/// noted key), and this loop holds little enough state to keep it all in registers,
/// where [`scan_block`]'s, with its lists and calls, spills to the stack.
#[inline(always)]
fn skim<const MARK: u8, const AT: u32>(
    scanner: impl BlockScanner,
    cursor: &mut Cursor,
    text: &[u8],
) {
    if cursor.carry {
        return;
    }
    let (mut pos, mut depth) = (cursor.pos, cursor.depth);
    let (mut in_string, mut last_quotes) = (cursor.in_string, cursor.last_quotes);
    while let Some(block) = text.get(pos..).and_then(<[u8]>::first_chunk::<BLOCK>) {
        let masks = scanner.masks(block, MARK);
        let starts = masks.key_starts(last_quotes, AT);
        if starts != 0 || masks.backslash != 0 {
            break;
        }
        let strings = scanner.prefix_xor(masks.quote) ^ in_string;
        let closing = (masks.closes & !strings).count_ones() as isize;
        if depth <= closing {
            break;
        }
        depth += (masks.opens & !strings).count_ones() as isize - closing;
        in_string = ((strings as i64) >> 63) as u64;
        last_quotes = masks.quote;
        pos += BLOCK;
    }
    cursor.pos = pos;
    cursor.depth = depth;
    cursor.in_string = in_string;
    cursor.last_quotes = last_quotes;
}

#[inline(always)]
fn scan_block<const MARK: u8, const AT: u32>(
    scanner: impl BlockScanner,
    cursor: &mut Cursor,
    records: &mut Records,
    keep_name: NameFilter,
    block: &[u8; BLOCK],
    base: usize,
    text: &[u8],
) {
    let masks = scanner.masks(block, MARK);
    let mut names = masks.key_starts(cursor.last_quotes, AT);
    let Masks {
        quote,
        backslash,
        opens,
        closes,
        ..
    } = masks;
    cursor.last_quotes = quote;
    while names != 0 {
        let start = (base + names.trailing_zeros() as usize).wrapping_sub(AT as usize);
        names &= names - 1;
        if text.get(start..).is_some_and(keep_name) {
            records.key_starts.push(start);
        }
    }
    let escaped = if backslash == 0 && !cursor.carry {
        0
    } else {
        let escaped = escaped_bytes(backslash, &mut cursor.carry);
        let mut unicode = escaped & block_byte_mask(block, b'u');
        while unicode != 0 {
            records
                .unicode_escapes
                .push(base + unicode.trailing_zeros() as usize);
            unicode &= unicode - 1;
        }
        escaped
    };
    let strings = scanner.prefix_xor(quote & !escaped) ^ cursor.in_string;
    cursor.in_string = ((strings as i64) >> 63) as u64;
    let (opens, closes) = (opens & !strings, closes & !strings);
    let closing = closes.count_ones() as isize;
    if cursor.depth > closing {
        // The depth stays above zero throughout the block (it cannot fall by more than its
        // closing brackets), so no record starts or ends here: only the depth changes. Most
        // blocks take this way, without the walk's unpredictable loop.
        cursor.depth += opens.count_ones() as isize - closing;
        return;
    }
    let mut brackets = opens | closes;
    while brackets != 0 {
        let i = brackets.trailing_zeros() as usize;
        brackets &= brackets - 1;
        // No branch on opening or closing (their order is unpredictable): only on the rare
        // brackets that start or end a record, or the array. `{` and `[` have bit 1 set,
        // `}` and `]` clear.
        let before = cursor.depth;
        cursor.depth = before + ((block[i] & 2) as isize) - 1;
        if before != 0 && cursor.depth != 0 {
            continue;
        }
        let at = base + i;
        match (before, text.get(at).copied().unwrap_or(b' ')) {
            (0, b'{') if between_records(text.get(cursor.gap_from..at), records.count > 0) => {
                cursor.record_start = at;
            }
            (0, b']')
                if cursor.in_string == 0
                    && between_records(text.get(cursor.gap_from..at), false) =>
            {
                cursor.stage = Stage::Closed;
                cursor.pos = at + 1;
                return;
            }
            (1, b'}') => {
                records.end_record(cursor.record_start, at + 1);
                cursor.gap_from = at + 1;
            }
            _ => {
                // An array as a record, brackets that do not pair, a string left open, or
                // something other than a record in the array (`1`, `"x"`, `null`, a comma
                // too many): the parser reads it and says what it is.
                cursor.stage = Stage::Failed;
                return;
            }
        }
    }
}

/// The vector scanners: AVX-512BW compares 64 bytes at once into a bit mask, AVX2 32 bytes
/// (instead of 8 for SWAR); both take the prefix XOR from a carry-less multiply. Which one
/// runs is chosen once, at run time (`Simd::detect`).
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod simd {
    use super::{BLOCK, BlockScanner, Masks, Splitter, nested_end_with};
    use std::arch::x86_64::{
        __m256i, _mm_clmulepi64_si128, _mm_cvtsi128_si64, _mm_set_epi64x, _mm_set1_epi8,
        _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8, _mm256_movemask_epi8,
        _mm256_or_si256, _mm256_set1_epi8, _mm256_testz_si256, _mm512_cmpeq_epi8_mask,
        _mm512_cmplt_epu8_mask, _mm512_loadu_si512, _mm512_or_si512, _mm512_set1_epi8,
    };

    /// Proof that the CPU has AVX2, carry-less multiplication, POPCNT and BMI1: made only by
    /// [`Simd`].
    #[derive(Debug, Clone, Copy)]
    pub struct Avx2(());

    /// Proof that the CPU has AVX-512BW, carry-less multiplication, POPCNT and BMI1: made only
    /// by [`Simd`].
    #[derive(Debug, Clone, Copy)]
    pub struct Avx512(());

    /// The widest vector scanner the CPU can run.
    #[derive(Debug, Clone, Copy)]
    pub enum Simd {
        Avx512(Avx512),
        Avx2(Avx2),
    }

    impl Simd {
        /// AVX-512BW on an AMD CPU that has it, else AVX2 where there is AVX2.
        ///
        /// Not on Intel: there the AVX-512BW scanner split faster but left the AVX2 inflating
        /// that follows it slower by more (measured on a Xeon guest, BENCHMARKS.md); on an AMD
        /// EPYC guest it splits ~20% faster with no such effect.
        pub fn detect() -> Option<Self> {
            // Found once: CPUID is slow, and in a virtual machine a trip to the host.
            static DETECTED: std::sync::OnceLock<Option<Simd>> = std::sync::OnceLock::new();
            *DETECTED.get_or_init(|| {
                if std::is_x86_feature_detected!("avx512bw")
                    && Self::scalar_extensions()
                    && made_by_amd()
                {
                    return Some(Simd::Avx512(Avx512(())));
                }
                Self::avx2()
            })
        }

        /// AVX2 alone, whatever else the CPU has.
        pub fn avx2() -> Option<Self> {
            (std::is_x86_feature_detected!("avx2") && Self::scalar_extensions())
                .then_some(Simd::Avx2(Avx2(())))
        }

        /// Carry-less multiplication, and the one-instruction bit counts the scan uses.
        fn scalar_extensions() -> bool {
            std::is_x86_feature_detected!("pclmulqdq")
                && std::is_x86_feature_detected!("popcnt")
                && std::is_x86_feature_detected!("bmi1")
        }

        /// [`super::StringStops::of`] with the CPU's vector compares.
        pub(super) fn string_stops(self, block: &[u8; BLOCK]) -> u64 {
            match self {
                // SAFETY: an `Avx512` exists only on a CPU with AVX-512BW.
                Simd::Avx512(_) => unsafe { string_stops_avx512(block) },
                // SAFETY: an `Avx2` exists only on a CPU with AVX2.
                Simd::Avx2(_) => unsafe { string_stops_avx2(block) },
            }
        }

        /// [`super::StringStops::nested_end`] with the CPU's vector compares.
        pub(super) fn nested_end(self, text: &[u8], open: usize) -> Option<usize> {
            match self {
                // SAFETY: an `Avx512` exists only on a CPU with AVX-512BW, PCLMULQDQ, POPCNT
                // and BMI1.
                Simd::Avx512(scanner) => unsafe { nested_end_avx512(scanner, text, open) },
                // SAFETY: an `Avx2` exists only on a CPU with AVX2, PCLMULQDQ, POPCNT and BMI1.
                Simd::Avx2(scanner) => unsafe { nested_end_avx2(scanner, text, open) },
            }
        }

        /// [`Splitter::scan_with`] compiled for the CPU's vector instructions.
        pub(super) fn scan<const MARK: u8, const AT: u32>(
            self,
            splitter: &mut Splitter<MARK, AT>,
            text: &[u8],
            to_end: bool,
        ) {
            match self {
                // SAFETY: an `Avx512` exists only on a CPU with AVX-512BW, PCLMULQDQ, POPCNT
                // and BMI1.
                Simd::Avx512(scanner) => unsafe { scan_avx512(scanner, splitter, text, to_end) },
                // SAFETY: an `Avx2` exists only on a CPU with AVX2, PCLMULQDQ, POPCNT and BMI1.
                Simd::Avx2(scanner) => unsafe { scan_avx2(scanner, splitter, text, to_end) },
            }
        }
    }

    /// True when CPUID names AMD as the CPU's maker.
    fn made_by_amd() -> bool {
        // SAFETY: every x86_64 CPU has CPUID and its leaf 0 (the call is safe in newer Rust).
        #[allow(unused_unsafe)]
        let leaf = unsafe { std::arch::x86_64::__cpuid(0) };
        [leaf.ebx, leaf.edx, leaf.ecx]
            == [b"Auth", b"enti", b"cAMD"].map(|w| u32::from_le_bytes(*w))
    }

    #[target_feature(enable = "avx512bw,pclmulqdq,popcnt,bmi1")]
    fn scan_avx512<const MARK: u8, const AT: u32>(
        scanner: Avx512,
        splitter: &mut Splitter<MARK, AT>,
        text: &[u8],
        to_end: bool,
    ) {
        splitter.scan_with(scanner, text, to_end);
    }

    #[target_feature(enable = "avx2,pclmulqdq,popcnt,bmi1")]
    fn scan_avx2<const MARK: u8, const AT: u32>(
        scanner: Avx2,
        splitter: &mut Splitter<MARK, AT>,
        text: &[u8],
        to_end: bool,
    ) {
        splitter.scan_with(scanner, text, to_end);
    }

    #[target_feature(enable = "avx512bw,pclmulqdq,popcnt,bmi1")]
    fn nested_end_avx512(scanner: Avx512, text: &[u8], open: usize) -> Option<usize> {
        nested_end_with(scanner, text, open)
    }

    #[target_feature(enable = "avx2,pclmulqdq,popcnt,bmi1")]
    fn nested_end_avx2(scanner: Avx2, text: &[u8], open: usize) -> Option<usize> {
        nested_end_with(scanner, text, open)
    }

    impl BlockScanner for Avx512 {
        #[inline(always)]
        fn masks(self, block: &[u8; BLOCK], mark: u8) -> Masks {
            // SAFETY: an `Avx512` exists only on a CPU with AVX-512BW.
            unsafe { masks_avx512(block, mark) }
        }

        #[inline(always)]
        fn prefix_xor(self, bits: u64) -> u64 {
            // SAFETY: an `Avx512` exists only on a CPU with PCLMULQDQ.
            unsafe { clmul_prefix_xor(bits) }
        }
    }

    impl BlockScanner for Avx2 {
        #[inline(always)]
        fn masks(self, block: &[u8; BLOCK], mark: u8) -> Masks {
            // SAFETY: an `Avx2` exists only on a CPU with AVX2.
            unsafe { masks_avx2(block, mark) }
        }

        #[inline(always)]
        fn prefix_xor(self, bits: u64) -> u64 {
            // SAFETY: an `Avx2` exists only on a CPU with PCLMULQDQ.
            unsafe { clmul_prefix_xor(bits) }
        }
    }

    /// The prefix XOR in one instruction: a carry-less multiplication by all ones.
    #[target_feature(enable = "pclmulqdq")]
    fn clmul_prefix_xor(bits: u64) -> u64 {
        let product = _mm_clmulepi64_si128(_mm_set_epi64x(0, bits as i64), _mm_set1_epi8(-1), 0);
        _mm_cvtsi128_si64(product) as u64
    }

    #[target_feature(enable = "avx512bw")]
    fn masks_avx512(block: &[u8; BLOCK], mark: u8) -> Masks {
        // SAFETY: the unaligned load reads the 64 bytes of the array.
        let bytes = unsafe { _mm512_loadu_si512(block.as_ptr().cast()) };
        let equal = |byte: u8| _mm512_cmpeq_epi8_mask(bytes, _mm512_set1_epi8(byte as i8));
        // `{` 0x7B and `[` 0x5B differ only in bit 5, as do `}` 0x7D and `]` 0x5D.
        let folded = _mm512_or_si512(bytes, _mm512_set1_epi8(0x20));
        let folded_equal = |byte: u8| _mm512_cmpeq_epi8_mask(folded, _mm512_set1_epi8(byte as i8));
        Masks {
            quote: equal(b'"'),
            backslash: equal(b'\\'),
            opens: folded_equal(b'{'),
            closes: folded_equal(b'}'),
            marked: equal(mark),
        }
    }

    #[target_feature(enable = "avx2")]
    fn masks_avx2(block: &[u8; BLOCK], mark: u8) -> Masks {
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
        let (open, close) = (_mm256_set1_epi8(b'{' as i8), _mm256_set1_epi8(b'}' as i8));
        let (low_opens, low_closes) = (
            _mm256_cmpeq_epi8(low_folded, open),
            _mm256_cmpeq_epi8(low_folded, close),
        );
        let (high_opens, high_closes) = (
            _mm256_cmpeq_epi8(high_folded, open),
            _mm256_cmpeq_epi8(high_folded, close),
        );
        // Backslashes are rare: tested for in one step, gathered only when present.
        let backslash = _mm256_set1_epi8(b'\\' as i8);
        let (low_backslash, high_backslash) = (
            _mm256_cmpeq_epi8(low, backslash),
            _mm256_cmpeq_epi8(high, backslash),
        );
        let any_backslash = _mm256_or_si256(low_backslash, high_backslash);
        Masks {
            quote: equal(low, high, b'"'),
            backslash: if _mm256_testz_si256(any_backslash, any_backslash) == 1 {
                0
            } else {
                gather(low_backslash, high_backslash)
            },
            opens: gather(low_opens, high_opens),
            closes: gather(low_closes, high_closes),
            marked: equal(low, high, mark),
        }
    }

    #[target_feature(enable = "avx512bw")]
    fn string_stops_avx512(block: &[u8; BLOCK]) -> u64 {
        // SAFETY: the unaligned load reads the 64 bytes of the array.
        let bytes = unsafe { _mm512_loadu_si512(block.as_ptr().cast()) };
        _mm512_cmpeq_epi8_mask(bytes, _mm512_set1_epi8(b'"' as i8))
            | _mm512_cmpeq_epi8_mask(bytes, _mm512_set1_epi8(b'\\' as i8))
            | _mm512_cmplt_epu8_mask(bytes, _mm512_set1_epi8(0x20))
    }

    #[target_feature(enable = "avx2")]
    fn string_stops_avx2(block: &[u8; BLOCK]) -> u64 {
        // SAFETY: both unaligned loads read 32 bytes inside the 64-byte array.
        let (low, high) = unsafe {
            (
                _mm256_loadu_si256(block.as_ptr().cast::<__m256i>()),
                _mm256_loadu_si256(block.as_ptr().add(32).cast::<__m256i>()),
            )
        };
        let (quote, backslash) = (_mm256_set1_epi8(b'"' as i8), _mm256_set1_epi8(b'\\' as i8));
        // A byte is below 0x20 exactly when the unsigned minimum of it and 0x1F is itself.
        let below_space = _mm256_set1_epi8(0x1F);
        let stops = |bytes: __m256i| {
            _mm256_or_si256(
                _mm256_or_si256(
                    _mm256_cmpeq_epi8(bytes, quote),
                    _mm256_cmpeq_epi8(bytes, backslash),
                ),
                _mm256_cmpeq_epi8(_mm256_min_epu8(bytes, below_space), bytes),
            )
        };
        gather(stops(low), stops(high))
    }

    /// Bit i set when byte i of the 64 bytes of compare results `low`, `high` is set.
    #[target_feature(enable = "avx2")]
    fn gather(low: __m256i, high: __m256i) -> u64 {
        let low = _mm256_movemask_epi8(low) as u32;
        let high = _mm256_movemask_epi8(high) as u32;
        u64::from(low) | u64::from(high) << 32
    }

    /// Bit i set when byte i of the 64 bytes `low`, `high` equals `byte`.
    #[target_feature(enable = "avx2")]
    fn equal(low: __m256i, high: __m256i, byte: u8) -> u64 {
        let needle = _mm256_set1_epi8(byte as i8);
        gather(
            _mm256_cmpeq_epi8(low, needle),
            _mm256_cmpeq_epi8(high, needle),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::value::RawValue;

    /// The array and the key these tests note: those of CloudTrail delivery files.
    pub(super) const ARRAY: &[u8] = b"\"Records\"";
    pub(super) const KEY: KeyMark = KeyMark::of(b"\"eventName\"", 6);

    /// A splitter noting every start of [`KEY`].
    pub(super) type Noting = Splitter<{ KEY.byte }, { KEY.at }>;

    /// A splitter noting every start of [`KEY`].
    pub(super) fn noting() -> Noting {
        Noting::new(ARRAY).noting(|_| true)
    }

    /// [`split_records`], noting every start of [`KEY`].
    fn split_noting(text: &[u8]) -> Option<Records> {
        noting().finish(text)
    }

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
    /// finds the same records, whether it is given the text whole or in pieces of any size.
    fn split(text: &str) -> Option<Vec<String>> {
        let bytes = text.as_bytes();
        let whole = split_noting(bytes);
        assert_eq!(
            split_records(bytes, ARRAY).map(|r| r.spans),
            whole.as_ref().map(|r| r.spans.clone())
        );
        let splitters: [fn() -> Noting; 3] = [noting, Noting::portable, Noting::avx2_only];
        for make in splitters {
            for piece in [1, 7, 63, 64, 65, 200] {
                let mut splitter = make();
                for end in (piece..bytes.len()).step_by(piece) {
                    splitter.feed(&bytes[..end]);
                }
                assert_eq!(splitter.finish(bytes), whole, "pieces of {piece}: {text}");
            }
        }
        if let Some(records) = &whole {
            let names: Vec<usize> = records
                .key_starts
                .iter()
                .copied()
                .filter(|&start| bytes[start..].starts_with(b"\"eventName\""))
                .collect();
            let searched: Vec<usize> = memchr::memmem::find_iter(bytes, b"\"eventName\"").collect();
            assert_eq!(names, searched, "eventName tokens: {text}");
        }
        whole.map(|records| {
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
    fn finds_every_event_name_token_across_block_boundaries() {
        for pad in 0..140 {
            let text = format!(
                r#"{{"Records":[{{"a":"{}","eventName":"AssumeRole","N":"\"eventName\""}},{{"eventName":"x"}}]}}"#,
                "p".repeat(pad)
            );
            let records = split_noting(text.as_bytes()).unwrap();
            assert_eq!(split(&text).map(|r| r.len()), Some(2), "{text}");
            assert!(records.key_starts.len() >= 2, "{text}");
        }
    }

    /// Records of many blocks each, deep inside which strings hold quotes, backslashes and
    /// brackets: most blocks are skimmed (they only move the depth), the rest scanned whole,
    /// at every alignment of the text to the blocks.
    #[test]
    fn long_records_split_as_parsed_at_every_alignment() {
        let record = |i: usize| {
            serde_json::json!({
                "eventVersion": "1.08",
                "userIdentity": { "arn": format!("arn:aws:iam::1:user/u{i}"), "n": [[[{}]], {"k": "}]"}] },
                "eventName": if i.is_multiple_of(3) { "AssumeRole" } else { "GetObject" },
                "requestParameters": {
                    "policy": "{\"Statement\":[{\"Effect\":\"Allow\"}]} \\",
                    "list": (0..i % 7).map(|j| serde_json::json!({"v": "x".repeat(j * 13), "w": ["[", "{"]})).collect::<Vec<_>>(),
                },
                "tail": "y".repeat(100 + i * 37),
            })
            .to_string()
        };
        let records: Vec<String> = (0..12).map(record).collect();
        for pad in 0..64 {
            let text = format!(
                r#"{{"Records":{}[{}]}}"#,
                " ".repeat(pad),
                records.join(",")
            );
            assert_eq!(split(&text), parsed(&text), "pad {pad}");
        }
    }

    #[test]
    fn finds_unicode_escapes_only_where_escaped() {
        let text = r#"{"Records":[{"a":"\\u"},{"event\u004eame":"x"},{"b":"\\\u0041"}]}"#;
        assert!(split(text).is_some());
        let records = split_noting(text.as_bytes()).unwrap();
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
            values in proptest::collection::vec("([\"\\\\{}\\[\\]u0a:, N]|eventName){0,90}", 0..6),
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
        fn scanners_agree_on_any_text(body in "([\"\\\\{}\\[\\]u0a:, N]|\"eventName\"){0,300}") {
            let _ = split(&format!(r#"{{"Records":[{body}]}}"#));
        }
    }

    /// The bytes that stop a string, tested one at a time.
    fn string_stops_one_by_one(block: &[u8; BLOCK]) -> u64 {
        (0..BLOCK)
            .filter(|&i| matches!(block[i], b'"' | b'\\' | 0..=0x1F))
            .fold(0, |mask, i| mask | 1 << i)
    }

    /// Every way of finding string stops this CPU can run.
    fn every_string_stops() -> Vec<StringStops> {
        let mut all = vec![StringStops::portable(), StringStops::detect()];
        #[cfg(target_arch = "x86_64")]
        all.push(StringStops {
            simd: simd::Simd::avx2(),
        });
        all
    }

    /// [`StringStops::nested_end`], after checking that every scanner this CPU can run gives
    /// the same answer.
    fn nested_end(text: &[u8], open: usize) -> Option<usize> {
        let ends: Vec<Option<usize>> = every_string_stops()
            .into_iter()
            .map(|stops| stops.nested_end(text, open))
            .collect();
        assert!(
            ends.windows(2).all(|pair| pair[0] == pair[1]),
            "{ends:?}: {}",
            String::from_utf8_lossy(text)
        );
        ends[0]
    }

    #[test]
    fn nested_values_end_where_the_parser_ends_them_at_every_alignment() {
        let values = [
            r#"{}"#.to_owned(),
            r#"[[[]],{"a":[{}]}]"#.to_owned(),
            r#"{"a":"}]\"{[","b":["\\",{"c":"\\\""}]}"#.to_owned(),
            format!(
                r#"{{"k":"{}\\","l":["{}\"]"]}}"#,
                "x".repeat(70),
                "y".repeat(61)
            ),
            serde_json::json!({"p": "{\"S\":[{\"E\":\"A\"}]} \\", "q": [["]"], {"}": "["}]})
                .to_string(),
        ];
        for value in &values {
            for pad in 0..130 {
                let text = format!(r#"{{"{}":{value},"after":"]}}"}}"#, "p".repeat(pad));
                let open = pad + 4;
                let end = nested_end(text.as_bytes(), open);
                assert_eq!(end, Some(open + value.len()), "{text}");
                // Cut short anywhere inside, it has no end.
                for cut in [open + 1, open + value.len() - 1] {
                    assert_eq!(nested_end(&text.as_bytes()[..cut], open), None, "{text}");
                }
            }
        }
    }

    proptest::proptest! {
        /// A valid value full of quotes, backslashes and brackets ends where the parser
        /// ends it, with every scanner.
        #[test]
        fn nested_values_end_as_parsed(
            v in "([\"\\\\{}\\[\\]u0a:, N]){0,90}", pad in 0usize..70,
        ) {
            let value = serde_json::json!({ "k": v, "n": [v, { "m": v }] }).to_string();
            let text = format!("{}{value}{}", " ".repeat(pad), "]}".repeat(3));
            proptest::prop_assert_eq!(nested_end(text.as_bytes(), pad), Some(pad + value.len()));
        }

        /// On any text at all, every scanner gives the same end (checked inside
        /// `nested_end`), and it lies within the text.
        #[test]
        fn nested_ends_agree_on_any_text(body in "([\"\\\\{}\\[\\]u0a:, N]){0,300}") {
            let text = format!("{{{body}");
            if let Some(end) = nested_end(text.as_bytes(), 0) {
                proptest::prop_assert!(end <= text.len());
            }
        }
    }

    #[test]
    fn every_byte_value_stops_a_string_or_not_at_every_lane() {
        for value in 0..=255 {
            for at in [0, 7, 8, 31, 32, 33, 63] {
                let mut block = [b'a'; BLOCK];
                block[at] = value;
                let expected = string_stops_one_by_one(&block);
                assert_eq!(expected != 0, matches!(value, b'"' | b'\\' | 0..=0x1F));
                for stops in every_string_stops() {
                    assert_eq!(stops.of(&block), expected, "{stops:?} {value:#x} at {at}");
                }
            }
        }
    }

    proptest::proptest! {
        /// On any block, every way finds the same stops as testing each byte.
        #[test]
        fn string_stops_are_exact(bytes in proptest::collection::vec(proptest::prop_oneof![
            proptest::num::u8::ANY,
            proptest::sample::select(b"\"\\\x00\x1f\x20\x7f\x80\x9f\xff".to_vec()),
        ], BLOCK)) {
            let block: [u8; BLOCK] = bytes.try_into().unwrap();
            for stops in every_string_stops() {
                proptest::prop_assert_eq!(stops.of(&block), string_stops_one_by_one(&block));
            }
        }
    }

    #[test]
    fn skips_a_byte_order_mark() {
        let text = "\u{feff} {\"Records\":[{\"a\":1}]}";
        assert_eq!(split(text), Some(vec![r#"{"a":1}"#.to_owned()]));
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
            // Values that are not records, and commas out of place: the parser says what.
            r#"{"Records":[1,"x",null]}"#,
            r#"{"Records":[{"a":1},2]}"#,
            r#"{"Records":[{"a":1},]}"#,
            r#"{"Records":[,{"a":1}]}"#,
            r#"{"Records":[{"a":1},,{"b":2}]}"#,
            r#"{"Records":[{"a":1}{"b":2}]}"#,
            r#"{"Records":[{"a":1} x ]}"#,
            r#"{"Records":[{"a":"]}"#,
            "",
        ] {
            assert_eq!(split(text), None, "{text}");
        }
    }
}
