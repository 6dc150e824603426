//! Writers, one module per format. Tabular outputs (events, edges, services, chains) are
//! described once as [`Rows`] and written by [`csv`], [`json`] or [`table`]; the graph has its
//! own writers ([`dot`], [`mermaid`], and [`json::write_graph`]).

pub mod csv;
pub mod dot;
pub mod json;
pub mod mermaid;
pub mod table;

use std::io;

/// One cell of a tabular output, typed so JSON keeps numbers and booleans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell<'a> {
    Text(&'a str),
    Owned(String),
    Count(u64),
    /// Empty in CSV, `null` in JSON.
    MaybeCount(Option<u64>),
    MaybeBool(Option<bool>),
    /// `;`-joined in CSV and tables, an array in JSON.
    List(Vec<&'a str>),
}

impl Cell<'_> {
    /// The cell as text (CSV and tables).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            Cell::Text(text) => Cow::Borrowed(text),
            Cell::Owned(text) => Cow::Borrowed(text),
            Cell::Count(n) => Cow::Owned(n.to_string()),
            Cell::MaybeCount(n) => Cow::Owned(n.map(|n| n.to_string()).unwrap_or_default()),
            Cell::MaybeBool(b) => Cow::Borrowed(match b {
                Some(true) => "true",
                Some(false) => "false",
                None => "",
            }),
            Cell::List(items) => Cow::Owned(items.join(";")),
        }
    }
}

/// A table streamed row by row.
pub trait Rows {
    /// Column names, in order.
    fn columns(&self) -> Vec<&'static str>;
    /// Calls `emit` with each row's cells, in output order.
    ///
    /// # Errors
    /// Whatever `emit` returns.
    fn each_row(&self, emit: &mut dyn FnMut(&[Cell<'_>]) -> io::Result<()>) -> io::Result<()>;
}
