//! JSON output: tables as one object per row (an array, or JSON Lines), and the graph as
//! `{"nodes":[…],"edges":[…]}`. Every document ends with a newline.
//!
//! A graph edge is a hop (role assumptions) unless it says otherwise: a hand-over edge
//! (`iam:PassRole`) adds `"kind": "passrole"` and `"service"` (the principal given the role)
//! after its ends, lists its calls (`RunInstances`) as `event_names`, the passers' addresses as
//! `source_ips`, and ends with `"worn"` (later sessions of the service that wore
//! the role). Hops are written as before hand-overs existed, without a `kind`.

use super::{Cell, Rows};
use crate::graph::MaskGraph;
use serde_json::{Map, Value, json};
use std::io::{self, Write};

fn value(cell: &Cell) -> Value {
    match cell {
        Cell::Text(text) => Value::from(*text),
        Cell::Owned(text) => Value::from(text.as_str()),
        Cell::Count(n) => Value::from(*n),
        Cell::MaybeCount(n) => n.map_or(Value::Null, Value::from),
        Cell::MaybeBool(b) => b.map_or(Value::Null, Value::from),
        Cell::List(items) => Value::from(items.clone()),
        Cell::Time(time) => Value::from(crate::timefmt::format_opt(time.as_ref())),
    }
}

fn object(columns: &[&'static str], cells: &[Cell]) -> Value {
    let map: Map<String, Value> = columns
        .iter()
        .zip(cells)
        .map(|(name, cell)| ((*name).to_owned(), value(cell)))
        .collect();
    Value::Object(map)
}

/// Writes `rows` as one JSON object per line, formatted in parallel chunks.
///
/// # Errors
/// Any write error.
pub fn write_lines_indexed(rows: &dyn super::IndexedRows, wtr: &mut dyn Write) -> io::Result<()> {
    let columns = rows.columns();
    super::write_in_chunks(
        rows.len(),
        &|range, bytes| {
            rows.each_row_in(range, &mut |cells| {
                serde_json::to_writer(&mut *bytes, &object(&columns, cells))?;
                bytes.push(b'\n');
                Ok(())
            })
        },
        wtr,
    )
}

/// Writes `rows` as one JSON object per line (JSON Lines).
///
/// # Errors
/// Any write error.
pub fn write_lines(rows: &dyn Rows, wtr: &mut dyn Write) -> io::Result<()> {
    let columns = rows.columns();
    rows.each_row(&mut |cells| {
        serde_json::to_writer(&mut *wtr, &object(&columns, cells))?;
        wtr.write_all(b"\n")
    })
}

/// `rows` as a JSON array of objects (the HTML report embeds them).
pub fn rows_value(rows: &dyn Rows) -> Value {
    let columns = rows.columns();
    let mut values = Vec::new();
    // Collecting into memory cannot fail.
    let _ = rows.each_row(&mut |cells| {
        values.push(object(&columns, cells));
        Ok(())
    });
    Value::Array(values)
}

/// Writes `rows` as a JSON array of objects, one per line.
///
/// # Errors
/// Any write error.
pub fn write_array(rows: &dyn Rows, wtr: &mut dyn Write) -> io::Result<()> {
    let columns = rows.columns();
    let mut first = true;
    wtr.write_all(b"[")?;
    rows.each_row(&mut |cells| {
        wtr.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        serde_json::to_writer(&mut *wtr, &object(&columns, cells)).map_err(io::Error::from)
    })?;
    wtr.write_all(if first { b"]\n" } else { b"\n]\n" })
}

/// Writes the graph with every attribute and stable ids.
///
/// # Errors
/// Any write error.
pub fn write_graph(graph: &MaskGraph, wtr: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *wtr, &graph_value(graph))?;
    wtr.write_all(b"\n")
}

/// The graph as a JSON value: `{"nodes": [...], "edges": [...]}` (the HTML report embeds it).
pub fn graph_value(graph: &MaskGraph) -> Value {
    let nodes: Vec<Value> = graph
        .nodes()
        .map(|(id, node)| {
            let label = graph.node_label(node);
            json!({
                "id": id,
                "kind": node.kind.as_str(),
                "name": node.name,
                "label": label,
                "account": node.account,
                "subjects": node.subjects,
            })
        })
        .collect();
    let edges: Vec<Value> = graph
        .edges()
        .map(|(from, to, edge)| {
            let mut value = Map::new();
            let mut put = |key: &str, field: Value| value.insert(key.to_owned(), field);
            put("source", json!(from));
            put("target", json!(to));
            if let Some(service) = edge.kind.service() {
                put("kind", json!(edge.kind.as_str()));
                put("service", json!(service));
            }
            let event_names: Vec<&str> = if edge.is_hand_over() {
                edge.calls.clone()
            } else {
                edge.event_names.iter().map(|n| n.as_str()).collect()
            };
            put("successes", json!(edge.successes));
            put("failures", json!(edge.failures));
            put("count", json!(edge.count()));
            put("event_names", json!(event_names));
            let seen = |time: Option<&_>| json!(crate::timefmt::format_opt(time));
            put("first_seen", seen(edge.seen.first.as_ref()));
            put("last_seen", seen(edge.seen.last.as_ref()));
            put("source_ips", json!(edge.source_ips));
            put("cross_account", json!(edge.crossed()));
            put("external", json!(edge.external));
            if graph.account_level {
                put("roles", json!(edge.masks.roles));
                put("account_roots", json!(edge.masks.roots));
                put("federated_users", json!(edge.masks.federated_users));
            }
            if edge.is_hand_over() {
                put("worn", json!(edge.worn));
            }
            Value::Object(value)
        })
        .collect();
    json!({ "nodes": nodes, "edges": edges })
}
