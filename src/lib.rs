//! trailmask reads AWS CloudTrail logs and maps who wore which IAM role.
//!
//! An IAM role is a mask: it never acts by itself, someone must wear it. This crate finds every
//! act of putting one on (`sts:AssumeRole*`, `AssumeRoot`, `GetFederationToken`,
//! `GetSessionToken` and console `SwitchRole`) in any shape CloudTrail logs are delivered in, and
//! builds from them the graph of source identities, roles and sessions.
//!
//! Data flows one way, one module per stage:
//!
//! ```text
//! input::discover → input::decode → event::extract → dedupe → chain → graph → export
//! ```
//!
//! [`scan::scan`] runs the first four stages on all cores and returns a deterministic
//! [`scan::Scan`]; the `cmd` modules turn it into each command's output.

pub mod accounts;
pub mod arn;
pub mod chain;
pub mod cli;
pub mod cmd;
pub mod dedupe;
pub mod error;
pub mod event;
pub mod exit;
pub mod export;
pub mod filter;
pub mod graph;
pub mod input;
pub mod output;
pub mod plan;
pub mod prefetch;
pub mod scan;
pub mod timefmt;
