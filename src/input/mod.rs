//! Reading logs: finding the files ([`discover`]), turning bytes into raw records in every
//! delivery shape ([`decode`]), the borrowed serde view of a record ([`records`]), and the
//! hand-written reader of that view that serde backs up ([`fields`]).

pub mod decode;
pub mod discover;
pub mod fields;
pub mod records;
pub mod split;
