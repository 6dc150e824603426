//! Lenient JSON values, for records from untrusted sources: any field may be missing, `null`,
//! or of another JSON type than documented (a boolean where a string is expected, an array
//! where an object is). [`Text`] and [`Obj`] accept any JSON value and keep what fits, so one
//! odd field never costs a whole record. Strings borrow from the input unless they hold
//! escapes. Both serde and the hand reader ([`super::reader`]) read them.

use serde::de::{self, Deserialize, Deserializer, Visitor};
use std::borrow::Cow;
use std::fmt;

/// A scalar field read as text: strings as they are, numbers and booleans as their literal
/// JSON text (digits kept exactly: a 40-digit session name is not rounded through a float);
/// `null`, arrays and objects as absent.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Text<'a>(pub Option<Cow<'a, str>>);

impl<'a> Text<'a> {
    /// The text, or `""` when absent.
    pub fn as_str(&self) -> &str {
        self.0.as_deref().unwrap_or("")
    }

    /// The text when present and not empty.
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref().filter(|s| !s.is_empty())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    /// Read as the value's raw JSON text first, which serde_json takes without converting
    /// numbers (so `1e400` or a 40-digit number costs nothing and keeps its digits), then
    /// interpreted by [`Text::of_json`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&'de serde_json::value::RawValue>::deserialize(deserializer)?;
        Ok(Text::of_json(raw.get()))
    }
}

impl<'a> Text<'a> {
    /// A field from its raw JSON text (valid JSON, as serde_json checked it): a string's
    /// value (a lone surrogate escape, which JSON's grammar allows but no Unicode text can
    /// hold, becomes U+FFFD, the replacement character); a number or a boolean as its literal
    /// text; `null`, an array or an object as absent.
    pub fn of_json(raw: &'a str) -> Text<'a> {
        match raw.as_bytes().first() {
            Some(b'"') => Text(Some(unescape(&raw[1..raw.len() - 1]))),
            Some(b'n' | b'[' | b'{') | None => Text(None),
            Some(_) => Text(Some(Cow::Borrowed(raw))),
        }
    }
}

/// The value of a JSON string's body (between its quotes, valid JSON): borrowed when it holds
/// no escape; lone surrogates as U+FFFD.
fn unescape(body: &str) -> Cow<'_, str> {
    if !body.contains('\\') {
        return Cow::Borrowed(body);
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    let mut pending_high: Option<u16> = None;
    let flush = |out: &mut String, pending: &mut Option<u16>| {
        if pending.take().is_some() {
            out.push(char::REPLACEMENT_CHARACTER);
        }
    };
    while let Some(c) = chars.next() {
        if c != '\\' {
            flush(&mut out, &mut pending_high);
            out.push(c);
            continue;
        }
        let escaped = chars.next().unwrap_or('\\');
        let simple = match escaped {
            '"' => Some('"'),
            '\\' => Some('\\'),
            '/' => Some('/'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            _ => None,
        };
        if let Some(simple) = simple {
            flush(&mut out, &mut pending_high);
            out.push(simple);
            continue;
        }
        // `\uXXXX` (the only other escape valid JSON holds).
        let hex: String = chars.by_ref().take(4).collect();
        let unit = u16::from_str_radix(&hex, 16).unwrap_or(0xfffd);
        match unit {
            0xd800..=0xdbff => {
                flush(&mut out, &mut pending_high);
                pending_high = Some(unit);
            }
            0xdc00..=0xdfff => match pending_high.take() {
                Some(high) => {
                    let code =
                        0x10000 + ((u32::from(high) - 0xd800) << 10) + (u32::from(unit) - 0xdc00);
                    out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                }
                None => out.push(char::REPLACEMENT_CHARACTER),
            },
            _ => {
                flush(&mut out, &mut pending_high);
                out.push(char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
        }
    }
    flush(&mut out, &mut pending_high);
    Cow::Owned(out)
}

/// An object field: `Some` when the value is a JSON object, absent for anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obj<T>(pub Option<T>);

impl<T> Default for Obj<T> {
    fn default() -> Self {
        Obj(None)
    }
}

impl<T> Obj<T> {
    /// The object, when present.
    pub fn get(&self) -> Option<&T> {
        self.0.as_ref()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    /// Read as the value's raw JSON text first (so an odd number where an object was expected
    /// costs nothing), then, when it is an object, as a `T`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&'de serde_json::value::RawValue>::deserialize(deserializer)?;
        if !raw.get().starts_with('{') {
            return Ok(Obj(None));
        }
        serde_json::from_str(raw.get())
            .map(|value| Obj(Some(value)))
            .map_err(de::Error::custom)
    }
}

/// An object field kept as its JSON text, not read: `Some` when the value is a JSON object,
/// absent for anything else. A reader that meets the same object text again (a session's
/// `userIdentity`, in every call it makes) reads it once ([`crate::read::calls`]).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RawObj<'a>(pub Option<&'a str>);

impl<'de: 'a, 'a> Deserialize<'de> for RawObj<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&'de serde_json::value::RawValue>::deserialize(deserializer)?;
        Ok(RawObj(Some(raw.get()).filter(|raw| raw.starts_with('{'))))
    }
}

/// An object key: borrowed unless it holds escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key<'a>(pub Cow<'a, str>);

impl Key<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Whether a value, or any object inside it, had a key given twice (the first value is read,
/// the later ones ignored: JSON parsers disagree on which wins, so the record is kept and the
/// repeat reported).
pub(crate) trait Repeats {
    fn repeats(&self) -> bool;
}

impl Repeats for Text<'_> {
    fn repeats(&self) -> bool {
        false
    }
}

impl Repeats for RawObj<'_> {
    /// Not read, so not known: whoever reads the text finds out.
    fn repeats(&self) -> bool {
        false
    }
}

impl<T: Repeats> Repeats for Obj<T> {
    fn repeats(&self) -> bool {
        self.0.as_ref().is_some_and(Repeats::repeats)
    }
}

/// Reads `text` as a JSON value in which a key given twice in an object keeps its first value
/// (as the record model reads it: [`Repeats`]; `serde_json::Value` keeps the last), and says
/// whether one was. For the few records read whole as a value (hand-overs, whose roles lie at
/// many paths).
///
/// # Errors
/// Serde's, for anything that is not one JSON value (nesting past serde's limit included).
pub(crate) fn first_wins(text: &[u8]) -> Result<(serde_json::Value, bool), serde_json::Error> {
    let repeated = std::cell::Cell::new(false);
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let value = de::DeserializeSeed::deserialize(FirstWins(&repeated), &mut deserializer)?;
    deserializer.end()?;
    Ok((value, repeated.get()))
}

/// A value read by [`first_wins`]; the cell is set when a key was given twice.
#[derive(Clone, Copy)]
struct FirstWins<'r>(&'r std::cell::Cell<bool>);

impl<'de> de::DeserializeSeed<'de> for FirstWins<'_> {
    type Value = serde_json::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FirstWins<'_> {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(serde_json::Value::Array(items))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                self.0.set(true);
                map.next_value::<de::IgnoredAny>()?;
            } else {
                let value = map.next_value_seed(self)?;
                object.insert(key, value);
            }
        }
        Ok(serde_json::Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::first_wins;

    #[test]
    fn a_key_given_twice_keeps_its_first_value_at_any_depth() {
        let (value, repeated) = first_wins(
            br#"{"a":{"role":"First","role":"Second","n":[1,-2,0.5,true,null]},"a":{"role":"B"}}"#,
        )
        .unwrap();
        assert!(repeated);
        assert_eq!(
            value,
            serde_json::json!({"a": {"role": "First", "n": [1, -2, 0.5, true, null]}})
        );
        let (value, repeated) = first_wins(br#"{"role":"x","list":[{"k":1},{"k":2}]}"#).unwrap();
        assert!(!repeated);
        assert_eq!(
            value,
            serde_json::json!({"role": "x", "list": [{"k": 1}, {"k": 2}]})
        );
        assert!(first_wins(br#"{"a":1} {"b":2}"#).is_err());
        assert!(first_wins(br#"{"a":"#).is_err());
    }
}
