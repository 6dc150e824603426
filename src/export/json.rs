//! JSON output: tables as one object per row (an array, or JSON Lines), and the graph as
//! `{"nodes":[…],"edges":[…]}`. Every document ends with a newline.

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
            let mut value = json!({
                "source": from,
                "target": to,
                "successes": edge.successes,
                "failures": edge.failures,
                "count": edge.count(),
                "event_names": edge.event_names.iter().map(|n| n.as_str()).collect::<Vec<_>>(),
                "first_seen": crate::timefmt::format_opt(edge.seen.first.as_ref()),
                "last_seen": crate::timefmt::format_opt(edge.seen.last.as_ref()),
                "source_ips": edge.source_ips,
                "cross_account": edge.cross_account,
                "external": graph.is_external(edge),
            });
            if graph.account_level {
                value["roles"] = json!(edge.roles);
            }
            value
        })
        .collect();
    json!({ "nodes": nodes, "edges": edges })
}
