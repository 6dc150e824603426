//! `trailmask graph`: the mask graph as DOT, JSON or Mermaid, hops and hand-overs
//! (`iam:PassRole`, [`crate::passrole`]) alike.
//!
//! Without `--level`, a picture (DOT, Mermaid) is drawn at role level when a person can read
//! it: at most [`READABLE_NODES`] nodes and [`READABLE_EDGES`] edges. A bigger role-level
//! graph (an organization's) is drawn at account level instead, and stderr says so and how to
//! get the roles (`--level role`, or a focus: `--account`, `--from`, `--to`, `--top`), with all
//! AWS services as one node. JSON is data, not a picture: always the level asked for (role by
//! default). Both kinds of edge count towards the readable limits.
//!
//! Hand-overs whose role is unknown (an instance profile no record resolves) are not drawn
//! ([`crate::graph`]); stderr says how many, and that `trailmask passrole` lists them.

use super::{Context, Needs, execute_with_hand_overs};
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
    let write = |context: &Context, wtr: &mut dyn Write| {
        note_unresolved(context);
        let graph = if auto_level {
            readable_graph(context, &options)
        } else {
            MaskGraph::build_with(
                &context.events,
                &context.hand_overs,
                &options,
                &context.plan.accounts,
            )
        };
        let written = match args.format {
            GraphFormat::Dot => export::dot::write(&graph, wtr),
            GraphFormat::Json => export::json::write_graph(&graph, wtr),
            GraphFormat::Mermaid => export::mermaid::write(&graph, wtr),
        };
        super::let_go(graph);
        written
    };
    execute_with_hand_overs(&args.read, Needs::Fields, stderr, &write)
}

/// Leaves a note for stderr when hand-overs kept by the filters are not drawn because their
/// role is unknown.
pub fn note_unresolved(context: &Context) {
    let unresolved = context
        .hand_overs
        .iter()
        .filter(|hand_over| hand_over.role_arn.is_empty())
        .count() as u64;
    if unresolved > 0 {
        context.note(format!(
            "{} through an instance profile whose role the logs do not tell: not drawn \
             (trailmask passrole lists {})",
            export::plural(unresolved, "hand-over"),
            if unresolved == 1 { "it" } else { "them" }
        ));
    }
}

/// The role-level graph when it is small enough to read, else the account-level one (with a
/// note for stderr).
fn readable_graph<'e>(context: &Context<'e>, options: &GraphOptions) -> MaskGraph<'e> {
    let accounts = &context.plan.accounts;
    // Most big trails are told big after a few hundred events, without building the role
    // level only to set it aside.
    let hand_overs = &context.hand_overs;
    if fits(
        &context.events,
        hand_overs,
        options,
        READABLE_NODES,
        READABLE_EDGES,
    ) {
        return MaskGraph::build_with(&context.events, hand_overs, options, accounts);
    }
    // The picture of an organization: its accounts, and all AWS services as one node (whose
    // arrows would otherwise cross the picture to every account).
    let account_options = GraphOptions {
        account_level: true,
        collapse_services: true,
        ..options.clone()
    };
    let graph = MaskGraph::build_with(&context.events, hand_overs, &account_options, accounts);
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
             ({} nodes, {} arrows). For roles, add --level role, or {how}",
        graph.node_count(),
        graph.arrow_count()
    ));
    graph
}
