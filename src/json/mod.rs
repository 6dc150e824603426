//! JSON and the CPU, and nothing of CloudTrail: the splitter that finds the records of a
//! `{"Records":[…]}` array 64 bytes at a time ([`Splitter`]), the masks it and the hand reader
//! share (AVX-512BW, AVX2 or SWAR, chosen at run time), the hand reader of plain records
//! ([`read_object`]; [`skim_object`] passes over what it does not read), and the lenient
//! values both readers fill in ([`Text`], [`Obj`], [`RawObj`]).
//!
//! Only [`crate::read`] uses it, through the few entry points re-exported here; record types
//! are declared once with [`schema!`].

mod reader;
mod split;
mod values;

#[cfg(test)]
pub(crate) use reader::read_object_with;
#[cfg(test)]
pub(crate) use reader::skim_object_with;
pub(crate) use reader::{Fields, KeyPrint, Reader, Value, read_object, schema, skim_object};
#[cfg(test)]
pub(crate) use split::StringStops;
pub(crate) use split::{
    KeyMark, NameFilter, PlainSplitter, Records, Splitter, byte_mask, split_records,
};
pub(crate) use values::{Key, Obj, RawObj, Repeats, Text, first_wins};
