//! Loading one file's text: reading its bytes and inflating gzip (recognised by its magic
//! bytes, multi-member read whole) within `--max-file-size`, with memory bounded by the cap
//! across workers (the big-file gate), the inflated text handed to a watcher piece by piece
//! while it is still in the cache.

use std::io::{BufRead, Read};

/// The default cap on a file's decompressed size: far above any real CloudTrail file
/// (delivery files are a few MB), well below what would exhaust a laptop's memory.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 1 << 30;

/// Reusable per-worker buffers: the file's bytes and their decompressed form, and while a file
/// larger than [`FREE_SIZE`] is held, the [big-file gate](BIG_FILE_GATE).
#[derive(Debug, Default)]
pub struct Buffers {
    raw: Vec<u8>,
    plain: Vec<u8>,
    gate: Option<std::sync::MutexGuard<'static, ()>>,
}

/// How much text a worker may hold without waiting: [`FREE_SIZE`] at most, a share of
/// [`FREE_BUDGET`] among the workers, and an eighth of the cap, but at least one [`PIECE`].
/// A file whose bytes or text outgrow it (a big log, or a gzip bomb on its way to the cap)
/// must first pass [`BIG_FILE_GATE`], so that however many workers read, the process holds at
/// most one file of up to `--max-file-size` beside the workers' free buffers (a
/// [`FREE_BUDGET`] of text and one of compressed bytes). Delivery files are a few MB: they
/// never wait.
pub const FREE_SIZE: usize = 64 << 20;

/// What all workers' free buffers may hold together (see [`FREE_SIZE`]).
pub const FREE_BUDGET: usize = 512 << 20;

/// The free size for a cap of `cap` bytes shared by `workers` workers.
fn free_size(cap: usize, workers: usize) -> usize {
    FREE_SIZE
        .min(FREE_BUDGET / workers.max(1))
        .min(cap / 8)
        .max(PIECE)
}

/// Held by the one worker whose file has outgrown [`FREE_SIZE`], from then until the file's
/// events are taken ([`Buffers::release`]). A worker waiting here holds no more than
/// `FREE_SIZE`, and the holder needs nothing else to finish, so no worker waits forever.
static BIG_FILE_GATE: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Buffers {
    /// Lets go of a big file: its buffers shrink back to the free size and the gate opens for
    /// the next one. Call it once a file's records are no longer borrowed.
    pub fn release(&mut self) {
        let free = free_size(usize::MAX, rayon::current_num_threads());
        for buf in [&mut self.raw, &mut self.plain] {
            if buf.capacity() > free {
                buf.truncate(free);
                buf.shrink_to(free);
            }
        }
        self.gate = None;
    }
}

/// Passes the big-file gate, once per file. A worker that panicked while holding it cannot
/// have left the unit value inside in a bad state, so a poisoned gate is simply taken.
fn pass_gate(gate: &mut Option<std::sync::MutexGuard<'static, ()>>) {
    if gate.is_none() {
        *gate = Some(
            BIG_FILE_GATE
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
    }
}

/// Why [`load`] could not produce the whole text.
#[derive(Debug)]
pub enum LoadProblem {
    /// Reading failed.
    Io(std::io::Error),
    /// More than the limit (once decompressed, when `gzip`).
    TooLarge { gzip: bool },
}

/// Reads everything from `rdr` and inflates it when it is gzip, into `bufs`. Returns the text
/// and, for a damaged gzip stream, the error after which the text stops.
///
/// Memory stays within the limit, not a doubling past it: buffers grow up to `limit + 1`
/// bytes at most, and an input larger than [`FREE_SIZE`] is inflated as it streams in (its
/// compressed bytes are never held whole beside its text) after passing the big-file gate.
/// Call [`Buffers::release`] once done with the text.
///
/// # Errors
/// An I/O error, or more than `limit` bytes once decompressed.
///
/// `watch` is called with all the text so far each time inflating adds to it (a piece of at
/// most [`PIECE`] bytes), so that it can be scanned while still in the cache.
pub fn load<'b, R: Read>(
    mut rdr: R,
    limit: u64,
    bufs: &'b mut Buffers,
    watch: &mut dyn FnMut(&[u8]),
) -> Result<(&'b [u8], Option<std::io::Error>), LoadProblem> {
    bufs.release();
    let Buffers { raw, plain, gate } = bufs;
    let cap = usize::try_from(limit.saturating_add(1)).unwrap_or(usize::MAX);
    // The head: the whole input unless it is larger than FREE_SIZE (and the limit).
    let free = free_size(cap, rayon::current_num_threads());
    let head = cap.min(free + 1);
    raw.clear();
    (&mut rdr)
        .take(head as u64)
        .read_to_end(raw)
        .map_err(LoadProblem::Io)?;
    let len = raw.len();
    if len < head {
        if !is_gzip(raw) {
            return Ok((&raw[..], None));
        }
        // The bufread decoder inflates straight from the file's bytes (no staging copy), into
        // as much of the output buffer as is free.
        let decoder = GzipMembers::new(&raw[..]);
        let (len, result) = read_all(decoder.take(cap as u64), plain, gate, (free, cap), watch);
        if len >= cap {
            return Err(LoadProblem::TooLarge { gzip: true });
        }
        return Ok((&plain[..len], result.err()));
    }
    if len >= cap {
        // Not gzip and already past the limit, or gzip whose compressed bytes alone are.
        return Err(LoadProblem::TooLarge { gzip: is_gzip(raw) });
    }
    // A big input: streamed from what was read so far and the rest of the reader.
    pass_gate(gate);
    let stream = std::io::BufReader::with_capacity(PIECE, (&raw[..]).chain(rdr));
    let (len, result) = if is_gzip(raw) {
        let decoder = GzipMembers::new(stream);
        read_all(decoder.take(cap as u64), plain, gate, (free, cap), watch)
    } else {
        read_all(stream.take(cap as u64), plain, gate, (free, cap), watch)
    };
    if len >= cap {
        return Err(LoadProblem::TooLarge { gzip: is_gzip(raw) });
    }
    match result {
        // Reading the plain text failed: an I/O error, not damage to report with a salvage.
        Err(error) if !is_gzip(raw) => Err(LoadProblem::Io(error)),
        result => Ok((&plain[..len], result.err())),
    }
}

/// How much is inflated at a time. Each call to the inflater costs a little besides the
/// bytes (zlib-rs, like zlib, keeps a copy of the last 32 KB of output): with 1 MB pieces
/// (most delivery files in one or two) inflating alone takes ~5% less time than with 128 KB
/// ones, and a piece still fits a core's L2 cache for `watch`.
pub const PIECE: usize = 1024 * 1024;

/// Reads everything from `rdr` into the start of `buf`, a [`PIECE`] at most at a time, growing
/// it when full (doubling, but never past `cap` bytes, and past `free` only through the
/// big-file `gate`) and calling `watch` after each read; returns the length read and how
/// reading ended. `buf` keeps its length (and so its initialized bytes) from file to file, so,
/// unlike `read_to_end`, no file pays for zeroing it again.
fn read_all(
    mut rdr: impl Read,
    buf: &mut Vec<u8>,
    gate: &mut Option<std::sync::MutexGuard<'static, ()>>,
    (free, cap): (usize, usize),
    watch: &mut dyn FnMut(&[u8]),
) -> (usize, std::io::Result<()>) {
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            if filled >= cap {
                return (filled, Ok(()));
            }
            let grown = (buf.len() * 2).max(PIECE).min(cap);
            if grown > free {
                pass_gate(gate);
            }
            buf.resize(grown, 0);
        }
        let end = buf.len().min(filled + PIECE);
        match rdr.read(&mut buf[filled..end]) {
            Ok(0) => return (filled, Ok(())),
            Ok(read) => {
                filled += read;
                watch(&buf[..filled]);
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return (filled, Err(error)),
        }
    }
}

/// Bytes after a gzip stream's last whole member that are not gzip (the stream itself is
/// whole: every record in it was read). The damage [`load`] returns for them, as an
/// [`std::io::Error`] of kind `InvalidData` holding this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrailingData {
    pub bytes: usize,
}

impl TrailingData {
    fn into_error(self) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, self)
    }

    /// What is said of the `records` read before it: "the 2 records before them were read".
    pub fn records_before(&self, records: usize) -> String {
        let records_read = crate::export::plural(records as u64, "record");
        let them = if self.bytes == 1 { "it" } else { "them" };
        let were = if records == 1 { "was" } else { "were" };
        format!("the {records_read} before {them} {were} read")
    }

    /// The trailing data an error of [`load`] stands for, if it does.
    pub fn of(error: &std::io::Error) -> Option<TrailingData> {
        error.get_ref()?.downcast_ref::<TrailingData>().copied()
    }
}

impl std::fmt::Display for TrailingData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bytes = crate::export::plural(self.bytes as u64, "byte");
        let verb = if self.bytes == 1 { "is" } else { "are" };
        write!(
            f,
            "{bytes} after the end of the gzip stream {verb} not gzip"
        )
    }
}

impl std::error::Error for TrailingData {}

/// A gzip stream of any number of members, read as one text, as `MultiGzDecoder` reads it,
/// but knowing where each member ends: bytes after the last whole member that begin no other
/// (a padded upload, an appended note) end the text with [`TrailingData`], not with a header
/// error or a stream said to be cut short. One decoder (one inflate state) serves every
/// member, so a file of a million empty members costs what `MultiGzDecoder` makes it cost.
struct GzipMembers<B> {
    decoder: flate2::bufread::GzDecoder<Slot<B>>,
}

impl<B: BufRead> GzipMembers<B> {
    fn new(input: B) -> Self {
        GzipMembers {
            decoder: flate2::bufread::GzDecoder::new(Slot(Some(input))),
        }
    }
}

impl<B: BufRead> Read for GzipMembers<B> {
    fn read(&mut self, into: &mut [u8]) -> std::io::Result<usize> {
        if into.is_empty() {
            return Ok(0);
        }
        loop {
            let read = self.decoder.read(into)?;
            if read > 0 {
                return Ok(read);
            }
            // A member ended whole (its length and CRC checked): another, the end, or data
            // that is no member.
            let rest = self.decoder.get_mut();
            match rest.fill_buf()?.first() {
                None => return Ok(0),
                // The next member's header, read by the same decoder (a bad one is damage
                // within a member, as `MultiGzDecoder` says it).
                Some(&0x1f) => {
                    let input = rest.0.take();
                    self.decoder.reset(Slot(input));
                }
                Some(_) => {
                    let bytes = std::io::copy(rest, &mut std::io::sink())?;
                    let bytes = usize::try_from(bytes).unwrap_or(usize::MAX);
                    return Err(TrailingData { bytes }.into_error());
                }
            }
        }
    }
}

/// A reader that can be taken out of the decoder that holds it, so that the decoder can be
/// reset onto it for the next member (empty once taken: it reads nothing).
struct Slot<B>(Option<B>);

impl<B: Read> Read for Slot<B> {
    fn read(&mut self, into: &mut [u8]) -> std::io::Result<usize> {
        self.0.as_mut().map_or(Ok(0), |input| input.read(into))
    }
}

impl<B: BufRead> BufRead for Slot<B> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.0.as_mut().map_or(Ok(&[]), |input| input.fill_buf())
    }

    fn consume(&mut self, amount: usize) {
        if let Some(input) = self.0.as_mut() {
            input.consume(amount);
        }
    }
}

/// True when `bytes` start with the gzip magic number.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::decode::{decode, record_splitter};

    const REC: &str = r#"{"eventName":"AssumeRole","eventID":"x"}"#;

    #[test]
    fn multi_member_gzip_reads_whole() {
        use std::io::Write;
        let mut bytes = Vec::new();
        for part in [r#"{"Records":[{"a":1}]}"#, "\n", REC] {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(part.as_bytes()).unwrap();
            bytes.extend(enc.finish().unwrap());
        }
        let mut bufs = Buffers::default();
        let (text, damage) =
            load(&bytes[..], DEFAULT_MAX_FILE_SIZE, &mut bufs, &mut |_| {}).unwrap();
        assert!(damage.is_none());
        // Both records are read; the one that cannot be a role assumption is only counted.
        let decoded = decode(text, record_splitter());
        assert_eq!((decoded.count, decoded.records.len()), (2, 1));
    }

    /// Bytes after the last member that begin no other are trailing data, however few or
    /// many; a member cut short or corrupt after whole ones is damage within a member.
    #[test]
    fn trailing_data_after_whole_members_is_told_from_damage_within_one() {
        use std::io::Write;
        let member = |text: &str| {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(text.as_bytes()).unwrap();
            enc.finish().unwrap()
        };
        let whole = [member(r#"{"Records":[{"a":1}]}"#), member(REC)].concat();
        for (tail, expected) in [
            (&b"garbage!"[..], Some(8)),
            (&[0u8; 512][..], Some(512)),
            (&b"\n"[..], Some(1)),
            (&whole[..whole.len() / 2], None),
            (&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3][..], None),
        ] {
            let bytes = [&whole[..], tail].concat();
            let mut bufs = Buffers::default();
            let (text, damage) =
                load(&bytes[..], DEFAULT_MAX_FILE_SIZE, &mut bufs, &mut |_| {}).unwrap();
            let damage = damage.expect("damage");
            assert_eq!(
                TrailingData::of(&damage).map(|t| t.bytes),
                expected,
                "{damage}"
            );
            if expected.is_some() {
                // Every record of the stream was read.
                let decoded = decode(text, record_splitter());
                assert_eq!((decoded.count, decoded.error.is_none()), (2, true));
            }
        }
        assert_eq!(
            TrailingData { bytes: 8 }.to_string(),
            "8 bytes after the end of the gzip stream are not gzip"
        );
        assert_eq!(
            TrailingData { bytes: 1 }.to_string(),
            "1 byte after the end of the gzip stream is not gzip"
        );
        assert_eq!(
            TrailingData { bytes: 1 }.records_before(1),
            "the 1 record before it was read"
        );
    }

    /// A file whose compressed bytes outgrow the free size is inflated as it streams in: its
    /// trailing data is found there too (it was said as a stream cut short), and empty
    /// members cost no decoder each.
    #[test]
    fn trailing_data_after_a_streamed_gzip_is_found_too() {
        use std::io::Write;
        // Records of hex from a linear congruential generator: ~1.3 MB once compressed,
        // past the free size of an 8 MB cap (1 MB).
        let mut state = 1u64;
        let records: Vec<String> = (0..2_000)
            .map(|n| {
                let hex: String = (0..1_000)
                    .map(|_| {
                        state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                        char::from(b"0123456789abcdef"[(state >> 60) as usize])
                    })
                    .collect();
                format!(r#"{{"eventID":"{n}","x":"{hex}"}}"#)
            })
            .collect();
        let text = format!(r#"{{"Records":[{}]}}"#, records.join(","));
        let mut gz = Vec::new();
        for part in ["", &text, ""] {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(part.as_bytes()).unwrap();
            gz.extend(enc.finish().unwrap());
        }
        assert!(gz.len() > PIECE, "{}", gz.len());
        let bytes = [&gz[..], b"junk"].concat();
        let mut bufs = Buffers::default();
        let (loaded, damage) = load(&bytes[..], 8 << 20, &mut bufs, &mut |_| {}).unwrap();
        assert_eq!(loaded, text.as_bytes());
        let damage = damage.expect("damage");
        assert_eq!(TrailingData::of(&damage), Some(TrailingData { bytes: 4 }));
    }

    #[test]
    fn size_limit_applies_after_inflating() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&vec![b' '; 100_000]).unwrap();
        let bomb = enc.finish().unwrap();
        let mut bufs = Buffers::default();
        assert!(matches!(
            load(&bomb[..], 50_000, &mut bufs, &mut |_| {}),
            Err(LoadProblem::TooLarge { gzip: true })
        ));
    }
}
