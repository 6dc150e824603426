//! `trailmask report`: the HTML report. Gathers what the other commands print (the graph at
//! the level asked, the chains with the graph nodes each passes through, the services, the
//! role-level edges and the summary without its timings, nor the paths as typed, so the same
//! logs give the same bytes however they are named) into one JSON document, which [`crate::export::html`] embeds in the page.
//!
//! Hand-overs (`iam:PassRole`, [`crate::passrole`]) are read too: the graph holds their edges
//! ([`crate::export::json`] says how a hand-over edge is written), `services` rows their
//! `passers` (as `trailmask services` writes them), and `hand_overs` holds the rows of
//! `trailmask passrole` without their `log_file` (a path as typed). The edges table stays the
//! hops' (`trailmask edges`). These were added to version 1 of the data: no field it had
//! changed, so a trail without hand-overs gives the document it always did but for an empty
//! `hand_overs`.

use super::chains::ChainRows;
use super::edges::EdgeRows;
use super::passrole::PassroleRows;
use super::services::ServiceRows;
use super::{Context, Needs, execute_with_hand_overs};
use crate::cli::{GraphLevel, ReportArgs};
use crate::exit::ExitCode;
use crate::export::{self, json::rows_value};
use crate::graph::{GraphOptions, MaskGraph, end_ids, fits};
use crate::output::Target;
use serde_json::{Value, json};
use std::io::{self, Write};

/// The version of the report's data document (`tests/browser` and the page read it).
pub const DATA_VERSION: u32 = 1;

/// Runs `trailmask report`.
pub fn run(args: &ReportArgs, stderr: &mut dyn Write) -> ExitCode {
    // A page of HTML (the library alone is half a megabyte) is no output for a terminal:
    // stdout, `-o -` or `-o /dev/tty` (a review's, session 38: the last two wrote it).
    let target = Target::from_arg(args.read.output.as_deref());
    if args.read.partial_of.is_none() && target.is_terminal() {
        let _ = writeln!(
            stderr,
            "trailmask: error: the report is an HTML page: write it with -o report.html (or redirect stdout)"
        );
        return ExitCode::Usage;
    }
    let write = |context: &Context, wtr: &mut dyn Write| {
        let level = args.level.unwrap_or_else(|| drawable_level(context));
        let options = GraphOptions {
            session_level: level == GraphLevel::Session,
            account_level: level == GraphLevel::Account,
            ..GraphOptions::default()
        };
        let data = data(context, args, level, &options);
        let mut json = serde_json::to_string(&data).map_err(io::Error::from)?;
        json.push('\n');
        export::html::write(&json, wtr)
    };
    execute_with_hand_overs(&args.read, Needs::Chains, stderr, &write)
}

/// The most nodes and edges of a role level the report draws by default: a browser lays out
/// an organization's 133 nodes and 461 edges in about a second, 5,000 nodes in ten.
pub const DRAWABLE_NODES: usize = 1_500;
pub const DRAWABLE_EDGES: usize = 4_000;

/// Role level, unless it is more than a browser draws in seconds: then account level, said on
/// stderr.
fn drawable_level(context: &Context) -> GraphLevel {
    let roles = GraphOptions::default();
    if fits(
        &context.events,
        &context.hand_overs,
        &roles,
        DRAWABLE_NODES,
        DRAWABLE_EDGES,
    ) {
        return GraphLevel::Role;
    }
    context.note(format!(
        "the role-level graph has more than {DRAWABLE_NODES} nodes or {DRAWABLE_EDGES} \
             edges, more than a browser draws in seconds: the report draws the account level. \
             For roles, add --level role, or focus with --account ID, --from GLOB or --to GLOB"
    ));
    GraphLevel::Account
}

/// The report's data document (version [`DATA_VERSION`]).
fn data(context: &Context, args: &ReportArgs, level: GraphLevel, options: &GraphOptions) -> Value {
    let plan = context.plan;
    let build = |options: &GraphOptions| {
        MaskGraph::build_with(
            &context.events,
            &context.hand_overs,
            options,
            &plan.accounts,
        )
    };
    let graph = build(options);
    // The edges table is the role level's: the graph itself when it is drawn at role level.
    let other_level = (level != GraphLevel::Role).then(|| build(&GraphOptions::default()));
    let role_graph = other_level.as_ref().unwrap_or(&graph);
    let chains = ChainRows::of(context, 1);
    let mut chain_values = rows_value(&chains);
    if let Value::Array(rows) = &mut chain_values {
        // A hop the filters left out of the graph may name a node no kept hop does: `null`
        // there, as for a hop with no node at this level (a review's, session 38: a chain
        // named ids the page's graph did not hold).
        let drawn: std::collections::HashSet<String> = graph.nodes().map(|(id, _)| id).collect();
        for (row, hops) in rows.iter_mut().zip(chains.hop_events()) {
            let nodes = chain_nodes(context, options, &hops)
                .into_iter()
                .map(|node| node.filter(|id| drawn.contains(id)));
            row["nodes"] = json!(nodes.collect::<Vec<_>>());
        }
    }
    let level = match level {
        GraphLevel::Role => "role",
        GraphLevel::Session => "session",
        GraphLevel::Account => "account",
    };
    let accounts: serde_json::Map<String, Value> = plan
        .accounts
        .names()
        .map(|(id, name)| (id.to_owned(), json!(name)))
        .collect();
    json!({
        "version": DATA_VERSION,
        "generated_by": concat!("trailmask ", env!("CARGO_PKG_VERSION")),
        "level": level,
        "focus": {
            "from": args.read.from,
            "to": args.read.to,
            "depth": args.read.depth,
        },
        "accounts": accounts,
        "summary": super::summary::value(context, false),
        "graph": export::json::graph_value(&graph),
        "chains": chain_values,
        "services": rows_value(&ServiceRows::of(context)),
        "edges": rows_value(&EdgeRows(role_graph)),
        "hand_overs": hand_over_rows(context),
    })
}

/// The rows of `trailmask passrole`, without the path each was read from (as typed, so it
/// would make the page depend on how the logs were named).
fn hand_over_rows(context: &Context) -> Value {
    let mut rows = rows_value(&PassroleRows::of(context));
    if let Value::Array(rows) = &mut rows {
        for row in rows {
            if let Value::Object(fields) = row {
                fields.shift_remove("log_file");
            }
        }
    }
    rows
}

/// The graph nodes a chain passes through: its first hop's source, then each hop's target
/// (`null` where a hop has no node at this level, and where a long chain's middle hops are
/// left out, as its text leaves them; the caller also nulls a node the graph does not hold).
/// At account level repeats in a row are folded (a chain inside one account stays on its
/// node); at role level a role that assumes itself is there twice, its loop a hop of the
/// chain.
fn chain_nodes(
    context: &Context,
    options: &GraphOptions,
    hops: &[Option<usize>],
) -> Vec<Option<String>> {
    let events = &context.scan.events;
    let mut nodes: Vec<Option<String>> = Vec::with_capacity(hops.len() + 1);
    for (place, hop) in hops.iter().enumerate() {
        let Some(hop) = *hop else {
            nodes.push(None);
            continue;
        };
        let (source, target) = end_ids(&events[hop], options);
        if place == 0 {
            nodes.push(Some(source));
        }
        // At account level an account's own hop is no edge (said under its name); at role
        // level a role that assumes itself is one, and its loop is part of the chain (an
        // incident responder's, session 37: a click left the loops of juggling out).
        if !options.account_level || nodes.last() != Some(&target) {
            nodes.push(target);
        }
    }
    nodes
}
