//! `trailmask graph`: the mask graph as DOT, JSON or Mermaid.

use super::{Needs, execute};
use crate::cli::{GraphArgs, GraphFormat};
use crate::exit::ExitCode;
use crate::export;
use crate::graph::MaskGraph;
use crate::plan::graph_options;
use std::io::Write;

/// Runs `trailmask graph`.
pub fn run(args: &GraphArgs, stderr: &mut dyn Write) -> ExitCode {
    let options = graph_options(args);
    execute(&args.read, Needs::Fields, stderr, &|context, wtr| {
        let graph = MaskGraph::build(&context.events, &options, &context.plan.accounts);
        let written = match args.format {
            GraphFormat::Dot => export::dot::write(&graph, wtr),
            GraphFormat::Json => export::json::write_graph(&graph, wtr),
            GraphFormat::Mermaid => export::mermaid::write(&graph, wtr),
        };
        // As with the events (`execute`): the process ends right after, and freeing every
        // node and edge one by one would only cost time.
        std::mem::forget(graph);
        written
    })
}
