//! `trailmask graph`: the mask graph as DOT, JSON or Mermaid.
//!
//! Without `--level`, a picture (DOT, Mermaid) is drawn at role level when a person can read
//! it: at most [`READABLE_NODES`] nodes and [`READABLE_EDGES`] edges. A bigger role-level
//! graph (an organization's) is drawn at account level instead, and stderr says so and how to
//! get the roles (`--level role`, or a focus: `--account`, `--from`, `--to`, `--top`), with all
//! AWS services as one node. JSON is data, not a picture: always the level asked for (role by
//! default).

use super::{Context, Needs, execute};
use crate::cli::{GraphArgs, GraphFormat};
use crate::exit::ExitCode;
use crate::export;
use crate::graph::{GraphOptions, MaskGraph, fits};
use crate::plan::graph_options;
use std::io::Write;

/// The most nodes of a role-level picture drawn by default.
pub const READABLE_NODES: usize = 60;
/// The most edges of a role-level picture drawn by default.
pub const READABLE_EDGES: usize = 100;

/// Runs `trailmask graph`.
pub fn run(args: &GraphArgs, stderr: &mut dyn Write) -> ExitCode {
    let options = graph_options(args);
    let picture = matches!(args.format, GraphFormat::Dot | GraphFormat::Mermaid);
    // `--top` and `--min-count` already shrink the role level: the user chose it.
    let auto_level = args.level.is_none() && picture && args.top.is_none() && args.min_count <= 1;
    execute(&args.read, Needs::Fields, stderr, &|context, wtr| {
        let graph = if auto_level {
            readable_graph(context, &options)
        } else {
            MaskGraph::build(&context.events, &options, &context.plan.accounts)
        };
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

/// The role-level graph when it is small enough to read, else the account-level one (with a
/// note for stderr).
fn readable_graph<'e>(context: &Context<'e>, options: &GraphOptions) -> MaskGraph<'e> {
    let accounts = &context.plan.accounts;
    // Most big trails are told big after a few hundred events, without building the role
    // level only to set it aside.
    if fits(&context.events, options, READABLE_NODES, READABLE_EDGES) {
        return MaskGraph::build(&context.events, options, accounts);
    }
    // The picture of an organization: its accounts, and all AWS services as one node (whose
    // arrows would otherwise cross the picture to every account).
    let account_options = GraphOptions {
        account_level: true,
        collapse_services: true,
        ..options.clone()
    };
    let graph = MaskGraph::build(&context.events, &account_options, accounts);
    let plan = context.plan;
    // Already focused (`--account`, `--from`, ...): say it is the focused part that is big.
    let narrowed = plan.focus.is_active() || plan.filters.is_active();
    let (what, how) = if narrowed {
        (
            " of the hops kept",
            "narrow it further (--from GLOB, --to GLOB, --top N)",
        )
    } else {
        (
            "",
            "focus with --account ID, --from GLOB, --to GLOB or --top N",
        )
    };
    context.note(format!(
        "the role-level graph{what} has more than {READABLE_NODES} nodes or \
             {READABLE_EDGES} edges, too many to read in one picture: drew the account level \
             ({} nodes, {} edges). For roles, add --level role, or {how}",
        graph.node_count(),
        graph.edge_count()
    ));
    graph
}
