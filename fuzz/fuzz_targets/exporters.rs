//! Any bytes as a log file, through the whole pipeline and every exporter: chains, the graph
//! at both levels, DOT, Mermaid, JSON, CSV and tables. Checks that CSV and JSON read back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailmask::dedupe::DedupeKey;
use trailmask::accounts::AccountNames;
use trailmask::cli::{Collapse, GraphLevel};
use trailmask::export::{self, Rows};
use trailmask::graph::{GraphOptions, MaskGraph};

fuzz_target!(|bytes: &[u8]| {
    let outcome = trailmask::scan::read_bytes(bytes, 1 << 22);
    let keyed = outcome.events.into_iter();
    let keyed = keyed.map(|event| (DedupeKey::of(&event), event)).collect();
    let (mut events, _) = trailmask::dedupe::dedupe(vec![keyed], true);
    trailmask::chain::link_chains(&mut events);
    let refs: Vec<_> = events.iter().map(|e| &**e).collect();
    for level in [GraphLevel::Role, GraphLevel::Session] {
        let options = GraphOptions::new(level, 1, None, &[]);
        let graph = MaskGraph::build(&refs, &options, &AccountNames::default());
        let mut out = Vec::new();
        export::dot::write(&graph, &mut out).unwrap();
        export::mermaid::write(&graph, &mut out).unwrap();
        let mut json = Vec::new();
        export::json::write_graph(&graph, &mut json).unwrap();
        serde_json::from_slice::<serde_json::Value>(&json).expect("graph JSON reads back");
        let rows = trailmask::cmd::edges::EdgeRows(&graph);
        let mut csv_out = Vec::new();
        export::csv::write(&rows, false, &mut csv_out).unwrap();
        let read_back = csv::ReaderBuilder::new().from_reader(&csv_out[..]).records().count();
        assert_eq!(read_back, graph.graph.edge_count());
        let mut table = Vec::new();
        export::table::write(&rows, &mut table).unwrap();
        let text = String::from_utf8(table).unwrap();
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "control character in table");
        let _ = rows.columns();
    }
    let collapsed = GraphOptions::new(GraphLevel::Role, 2, Some(3), &[Collapse::Services, Collapse::Subjects]);
    let graph = MaskGraph::build(&refs, &collapsed, &AccountNames::default());
    export::dot::write(&graph, &mut Vec::new()).unwrap();
});
