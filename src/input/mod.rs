//! Reading logs: finding the files ([`discover`]), turning bytes into raw records in every
//! delivery shape ([`decode`]), and the borrowed serde view of a record ([`records`]).

pub mod decode;
pub mod discover;
pub mod records;
pub mod split;
