//! Reading a record by hand: one pass over an object's JSON that fills in the fields a
//! [`schema!`](crate::json::schema) declares and checks that everything else is well-formed,
//! with none of serde's per-value machinery. Each string ends at the next quote, backslash or control character,
//! found from a mask of them made for each 64-byte block of the record with the splitter's
//! vector compares (`split::StringStops`): a bit search per string instead of a test per word
//! (at 1M records, `graph` 15 ms faster on one thread).
//!
//! It answers only where its answer is certainly serde_json's: `Some` means serde would read the
//! same value from the same text. Anything it does not handle exactly as serde does makes it
//! answer `None`, and the caller asks serde, which reads every record and words every error:
//!
//! - a backslash anywhere (escapes are rare in role assumptions; serde decodes them);
//! - a control character inside a string, or any malformed JSON;
//! - a field that is read given twice (serde refuses the record);
//! - nesting deeper than [`MAX_DEPTH`] (far below serde's own limit).
//!
//! Numbers, literals and nesting inside values that are not read are checked to JSON's grammar,
//! as serde checks the values it skips. Tests and the `decode` fuzz target hold the two readers
//! to the same answers.
//!
//! [`skim_object`] reads the same fields but passes over the values it does not read without
//! reading them: a string to its closing quote (escapes allowed, not decoded), an object or
//! an array to its closing bracket, found from the splitter's block masks
//! (`StringStops::nested_end`: quotes, escapes and brackets, 64 bytes at a time). What it
//! checks of a value passed over is only what finding its end needs: its strings close (a
//! string value also holds no control character) and its brackets balance. Malformed JSON
//! inside an object or array passed over (a missing comma, `{]`, a bad number or escape, a
//! control character, nesting deeper than serde's limit) goes unseen, so such a record is
//! read where serde would refuse it. The text is UTF-8 throughout, as for [`read_object`]. What it does read it reads exactly as
//! the full reading does (the same refusals: escapes, repeated keys, types), and whatever
//! serde also reads it reads as serde does.

use super::split::{BLOCK, StringStops};
use super::values::{Obj, RawObj, Text};
use std::borrow::Cow;

/// The deepest nesting read; deeper records are left to serde.
pub const MAX_DEPTH: u32 = 64;

/// Reads `text`, one JSON object, as a `T`, or `None` when serde must (see the module
/// documentation).
pub(crate) fn read_object<'a, T: Fields<'a>>(text: &'a str) -> Option<T> {
    read_object_with(text, StringStops::detect())
}

/// [`read_object`], finding where strings stop with `stops`.
pub(crate) fn read_object_with<'a, T: Fields<'a>>(text: &'a str, stops: StringStops) -> Option<T> {
    read_with(text, stops, false)
}

/// Reads `text`, one JSON object, as a `T`, passing over the values it does not read without
/// checking them (see the module documentation), or `None` when serde must.
pub(crate) fn skim_object<'a, T: Fields<'a>>(text: &'a str) -> Option<T> {
    skim_object_with(text, StringStops::detect())
}

/// [`skim_object`], finding where strings and nested values stop with `stops`.
pub(crate) fn skim_object_with<'a, T: Fields<'a>>(text: &'a str, stops: StringStops) -> Option<T> {
    read_with(text, stops, true)
}

fn read_with<'a, T: Fields<'a>>(text: &'a str, stops: StringStops, skim: bool) -> Option<T> {
    let mut reader = Reader {
        text,
        pos: 0,
        depth: 0,
        stops,
        stops_block: usize::MAX,
        stops_mask: 0,
        skim,
    };
    let mut value = T::default();
    read_fields(&mut value, &mut reader)?;
    reader.peek().is_none().then_some(value)
}

/// Where the reader stands in a record's text.
pub(crate) struct Reader<'a> {
    text: &'a str,
    pos: usize,
    depth: u32,
    stops: StringStops,
    /// The offset of the 64-byte block whose [`StringStops::of`] is `stops_mask` (each block
    /// is looked at once: strings are read in order).
    stops_block: usize,
    stops_mask: u64,
    /// Values not read are passed over unchecked ([`skim_object`]).
    skim: bool,
}

impl<'a> Reader<'a> {
    /// The next byte that is not JSON whitespace, not consumed.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while let Some(&byte) = bytes.get(self.pos) {
            if !matches!(byte, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(byte);
            }
            self.pos += 1;
        }
        None
    }

    /// The string whose opening quote is at `pos`, when it holds no backslash
    /// and no control character.
    #[inline]
    fn string(&mut self) -> Option<&'a str> {
        let start = self.pos + 1;
        let end = self.string_stop(start)?;
        if self.text.as_bytes()[end] != b'"' {
            return None; // a backslash or a control character: serde's to read
        }
        self.pos = end + 1;
        self.text.get(start..end)
    }

    /// Past the string whose opening quote is at `pos`, escapes and all (not decoded, not
    /// checked); `None` at a control character, which no JSON string holds.
    fn skim_string(&mut self) -> Option<()> {
        let mut at = self.pos + 1;
        loop {
            let stop = self.string_stop(at)?;
            match self.text.as_bytes()[stop] {
                b'"' => {
                    self.pos = stop + 1;
                    return Some(());
                }
                b'\\' => at = stop + 2,
                _ => return None,
            }
        }
    }

    /// The first quote, backslash or control character at `from` or after, if any.
    #[inline(always)]
    fn string_stop(&mut self, from: usize) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let mut at = from;
        while at < bytes.len() {
            let block = at - at % BLOCK;
            if block != self.stops_block {
                self.stops_mask = match bytes.get(block..block + BLOCK) {
                    Some(whole) => self.stops.of(whole.try_into().ok()?),
                    None => {
                        // The record's last bytes, then zeros: control characters, which stop
                        // a string that runs off the end where the text does.
                        let mut last = [0; BLOCK];
                        last[..bytes.len() - block].copy_from_slice(&bytes[block..]);
                        self.stops.of(&last)
                    }
                };
                self.stops_block = block;
            }
            let ahead = self.stops_mask >> (at - block);
            if ahead != 0 {
                let stop = at + ahead.trailing_zeros() as usize;
                return (stop < bytes.len()).then_some(stop);
            }
            at = block + BLOCK;
        }
        None
    }

    /// `word` (`true`, `false` or `null`) at `pos`.
    fn literal(&mut self, word: &str) -> Option<()> {
        let rest = self.text.as_bytes().get(self.pos..)?;
        rest.starts_with(word.as_bytes())
            .then(|| self.pos += word.len())
    }

    /// A number at `pos`, to JSON's grammar (as serde checks the numbers it skips).
    fn number(&mut self) -> Option<()> {
        let bytes = self.text.as_bytes();
        let mut at = self.pos + usize::from(bytes.get(self.pos) == Some(&b'-'));
        match bytes.get(at)? {
            b'0' => at += 1,
            b'1'..=b'9' => at = digits_end(bytes, at + 1),
            _ => return None,
        }
        if bytes.get(at) == Some(&b'.') {
            at = some_digits_end(bytes, at + 1)?;
        }
        if matches!(bytes.get(at), Some(b'e' | b'E')) {
            at += 1;
            at += usize::from(matches!(bytes.get(at), Some(b'+' | b'-')));
            at = some_digits_end(bytes, at)?;
        }
        self.pos = at;
        Some(())
    }

    /// Steps into the object or array whose opening bracket is at `pos`.
    fn enter(&mut self) -> Option<()> {
        self.pos += 1;
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// Steps out past the closing bracket at `pos`.
    fn leave(&mut self) {
        self.pos += 1;
        self.depth -= 1;
    }

    /// The object or array whose opening bracket is at `pos`, up to its `close`: `item` reads
    /// each entry.
    #[inline]
    fn sequence(&mut self, close: u8, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.enter()?;
        if self.peek()? == close {
            self.leave();
            return Some(());
        }
        loop {
            item(self)?;
            match self.peek()? {
                b',' => self.pos += 1,
                byte if byte == close => {
                    self.leave();
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// The object whose `{` is at `pos`: `entry` reads each value, given its key.
    #[inline]
    fn object(&mut self, mut entry: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.sequence(b'}', |reader| {
            if reader.peek()? != b'"' {
                return None;
            }
            let key = reader.string()?;
            if reader.peek()? != b':' {
                return None;
            }
            reader.pos += 1;
            entry(reader, key)
        })
    }

    /// Any value, checked and passed over.
    pub(crate) fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.object(|reader, _| reader.skip_value()),
            b'[' => self.sequence(b']', Self::skip_value),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// A value not read: checked and passed over ([`Reader::skip_value`]), or when skimming
    /// passed over to where it ends.
    #[inline]
    pub(crate) fn pass(&mut self) -> Option<()> {
        if !self.skim {
            return self.skip_value();
        }
        match self.peek()? {
            b'"' => self.skim_string(),
            b'{' | b'[' => {
                self.pos = self.stops.nested_end(self.text.as_bytes(), self.pos)?;
                Some(())
            }
            _ => self.skip_value(),
        }
    }
}

/// Past the digits from `at` on.
fn digits_end(bytes: &[u8], at: usize) -> usize {
    at + bytes[at.min(bytes.len())..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count()
}

/// Past the digits from `at` on, when there is at least one.
fn some_digits_end(bytes: &[u8], at: usize) -> Option<usize> {
    let end = digits_end(bytes, at);
    (end > at).then_some(end)
}

/// A value the hand reader fills in: [`Text`], [`Obj`] and [`RawObj`].
pub(crate) trait Value<'a> {
    fn read(&mut self, reader: &mut Reader<'a>) -> Option<()>;
}

impl<'a> Value<'a> for Text<'a> {
    /// Strings as they are, booleans and numbers as their literal text, `null`, arrays and
    /// objects as absent (as [`Text`]'s serde reading).
    #[inline]
    fn read(&mut self, reader: &mut Reader<'a>) -> Option<()> {
        let text = match reader.peek()? {
            b'"' => reader.string()?,
            b't' => reader.literal("true").map(|()| "true")?,
            b'f' => reader.literal("false").map(|()| "false")?,
            b'-' | b'0'..=b'9' => {
                let start = reader.pos;
                reader.number()?;
                reader.text.get(start..reader.pos)?
            }
            b'{' | b'[' | b'n' => return reader.pass(),
            _ => return None,
        };
        self.0 = Some(Cow::Borrowed(text));
        Some(())
    }
}

impl<'a> Value<'a> for RawObj<'a> {
    /// Objects kept as their text, passed over as any value not read (checked, or when
    /// skimming only to where they end); anything else is absent.
    fn read(&mut self, reader: &mut Reader<'a>) -> Option<()> {
        let start = match reader.peek()? {
            b'{' => reader.pos,
            _ => return reader.pass(),
        };
        reader.pass()?;
        self.0 = Some(reader.text.get(start..reader.pos)?);
        Some(())
    }
}

/// Reads the object at the reader into `value`, field by field.
fn read_fields<'a, T: Fields<'a>>(value: &mut T, reader: &mut Reader<'a>) -> Option<()> {
    if reader.peek()? != b'{' {
        return None;
    }
    let mut seen = 0;
    reader.object(|reader, key| value.read_field(key, reader, &mut seen))
}

impl<'a, T: Fields<'a>> Value<'a> for Obj<T> {
    /// Objects read field by field; anything else is absent.
    fn read(&mut self, reader: &mut Reader<'a>) -> Option<()> {
        match reader.peek()? {
            b'{' => {
                let mut value = T::default();
                read_fields(&mut value, reader)?;
                self.0 = Some(value);
                Some(())
            }
            _ => reader.pass(),
        }
    }
}

/// An object whose fields the hand reader fills in, implemented by [`schema!`]: `read_field`
/// reads the value of `key` into its field (refusing a key given twice, as serde does,
/// through the bits of `seen`), or skips a key the type does not declare.
pub(crate) trait Fields<'a>: Default {
    /// Reads the value of `key` into its field, or skips it when no field has that name.
    /// `seen` has a bit for each field already read: serde refuses a field given twice.
    fn read_field(&mut self, key: &str, reader: &mut Reader<'a>, seen: &mut u32) -> Option<()>;
}

/// A key as the hand reader compares it first: its length and its first and last eight bytes
/// (fewer, zero-padded, when it is shorter), as integers. A key of at most 16 bytes is equal
/// to a field's name exactly when these are; longer ones are compared in full after them.
/// (Field names compared one by one as text took 13% of the instructions of `activity`: many
/// CloudTrail keys have the same length.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyPrint {
    len: usize,
    head: u64,
    tail: u64,
}

impl KeyPrint {
    /// The print of a field's name, at compile time.
    pub(crate) const fn of(key: &[u8]) -> KeyPrint {
        let short = if key.len() < 8 { key.len() } else { 8 };
        let (mut head, mut tail, mut i) = (0u64, 0u64, 0);
        while i < short {
            head |= (key[i] as u64) << (8 * i);
            tail |= (key[key.len() - short + i] as u64) << (8 * i);
            i += 1;
        }
        KeyPrint {
            len: key.len(),
            head,
            tail,
        }
    }

    /// The print of a key read from a record (the same as [`KeyPrint::of`]).
    #[inline]
    pub(crate) fn read(key: &[u8]) -> KeyPrint {
        match (key.first_chunk::<8>(), key.last_chunk::<8>()) {
            (Some(head), Some(tail)) => KeyPrint {
                len: key.len(),
                head: u64::from_le_bytes(*head),
                tail: u64::from_le_bytes(*tail),
            },
            // A byte at a time (a copy of a length not known would call `memcpy`).
            _ => KeyPrint::of(key),
        }
    }
}

/// Declares record types once, for both readers: each type gets serde's `Deserialize` (every
/// field optional, named by its JSON key; a key given twice keeps its first value and marks
/// the object) and the hand reader's [`Fields`] (which leaves a repeated key to serde), from
/// the same list of keys and fields. Each field is a [`Text`] or an [`Obj`] of another declared type;
/// at most 32 fields a type (the bits that catch a key given twice).
///
/// ```text
/// schema! {
///     /// A CloudTrail record.
///     Record<'a> {
///         "eventName" => event_name: Text<'a>,
///         "userIdentity" => user_identity: Obj<UserIdentity<'a>>,
///     }
/// }
/// ```
macro_rules! schema {
    ($(
        $(#[$meta:meta])*
        $ty:ident<$lt:lifetime> { $($key:literal => $field:ident: $fty:ty,)* }
    )*) => {$(
        $(#[$meta])*
        #[derive(Debug, Default, PartialEq, Eq)]
        pub(crate) struct $ty<$lt> {
            $(pub(crate) $field: $fty,)*
            /// A key of this object was given twice (the first value is the one read).
            pub(crate) repeated: bool,
        }

        const _: () = assert!([$($key),*].len() <= 32, "at most 32 fields a type");

        impl<$lt> $crate::json::Repeats for $ty<$lt> {
            fn repeats(&self) -> bool {
                self.repeated $(|| $crate::json::Repeats::repeats(&self.$field))*
            }
        }

        impl<'de: $lt, $lt> serde::Deserialize<'de> for $ty<$lt> {
            /// Every field optional, named by its JSON key; a key given twice keeps its first
            /// value and marks the object ([`Repeats`](crate::json::Repeats)).
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct FieldsVisitor<$lt>(std::marker::PhantomData<&$lt ()>);

                impl<'de: $lt, $lt> serde::de::Visitor<'de> for FieldsVisitor<$lt> {
                    type Value = $ty<$lt>;

                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str(concat!("a JSON object (", stringify!($ty), ")"))
                    }

                    #[allow(unused_assignments, reason = "the bit after the last field")]
                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<Self::Value, A::Error> {
                        let mut value = <$ty>::default();
                        let mut seen = 0u32;
                        while let Some(key) = map.next_key::<$crate::json::Key<'de>>()? {
                            let mut bit = 1u32;
                            $(
                                if key.as_str() == $key {
                                    if seen & bit == 0 {
                                        seen |= bit;
                                        value.$field = map.next_value()?;
                                    } else {
                                        value.repeated = true;
                                        map.next_value::<serde::de::IgnoredAny>()?;
                                    }
                                    continue;
                                }
                                bit <<= 1;
                            )*
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                        Ok(value)
                    }
                }

                deserializer.deserialize_map(FieldsVisitor(std::marker::PhantomData))
            }
        }

        impl<$lt> $crate::json::Fields<$lt> for $ty<$lt> {
            #[inline]
            #[allow(unused_assignments, reason = "the bit after the last field")]
            fn read_field(
                &mut self,
                key: &str,
                reader: &mut $crate::json::Reader<$lt>,
                seen: &mut u32,
            ) -> Option<()> {
                let print = $crate::json::KeyPrint::read(key.as_bytes());
                let mut bit = 1;
                $(
                    if print == const { $crate::json::KeyPrint::of($key.as_bytes()) }
                        && ($key.len() <= 16 || key == $key)
                    {
                        if *seen & bit != 0 {
                            return None;
                        }
                        *seen |= bit;
                        return $crate::json::Value::read(&mut self.$field, reader);
                    }
                    bit <<= 1;
                )*
                reader.pass()
            }
        }
    )*};
}
pub(crate) use schema;

#[cfg(test)]
mod tests {
    use super::KeyPrint;

    /// A key read from a record has the print of the field name it spells, and no other.
    #[test]
    fn key_prints_tell_keys_apart_as_text_does() {
        let keys = [
            "",
            "a",
            "arn",
            "type",
            "eventID",
            "readOnly",
            "eventTime",
            "eventName",
            "eventType",
            "awsRegion",
            "userAgent",
            "errorCode",
            "requestID",
            "sharedEventID",
            "sourceIPAddress",
            "recipientAccountId",
            "recipientAccountIe",
            "subjectFromWebIdentityToken",
            r"eventNam\u0065",
            "é",
            "\u{0}",
        ];
        for a in keys {
            assert_eq!(
                KeyPrint::read(a.as_bytes()),
                KeyPrint::of(a.as_bytes()),
                "{a}"
            );
            for b in keys {
                let same_print = KeyPrint::read(a.as_bytes()) == KeyPrint::of(b.as_bytes());
                if a.len() <= 16 {
                    assert_eq!(same_print, a == b, "{a} {b}");
                } else {
                    assert!(same_print || a != b, "{a} {b}");
                }
            }
        }
    }
}
