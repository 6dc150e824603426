//! CloudTrail files to records: finding the files ([`discover`]), loading and inflating them
//! within the size cap ([`load`]), the delivery shapes, salvage and the choice of records worth
//! a full parse ([`decode`]), the record as trailmask reads it ([`records`]), and the calls of
//! role sessions, each `userIdentity` read once a file ([`calls`]). [`file`](mod@file)
//! reads one file through all of these; [`listing`] writes and reads what discovery found;
//! [`s3`] lists and fetches `s3://` inputs. The only user of [`crate::json`].

pub(crate) mod calls;
pub(crate) mod decode;
pub(crate) mod discover;
pub(crate) mod file;
pub(crate) mod listing;
pub(crate) mod load;
pub(crate) mod records;
pub(crate) mod s3;
