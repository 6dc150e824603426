//! Any bytes as a log file, through the whole pipeline and every exporter: role names, console
//! switches, chains, the graph at its three levels, DOT, Mermaid, JSON, CSV, tables and the
//! HTML page's data escaping. Checks that CSV and JSON read back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailmask::testing::{
    self, AccountNames, DedupeKey, EdgeRows, GraphOptions, MaskGraph, Rows, write,
};

fuzz_target!(|bytes: &[u8]| {
    let outcome = testing::read_bytes(bytes, 1 << 22);
    let keyed = outcome.events.into_iter();
    let keyed = keyed.map(|event| (DedupeKey::of(&event), event)).collect();
    let (mut events, _) = testing::dedupe(vec![keyed], true);
    // As the scan does: one name per role, one event per console switch, then the chains.
    testing::canonical_roles(&mut events);
    testing::pair_console_switches(&mut events);
    testing::link_chains(&mut events);
    let refs: Vec<_> = events.iter().map(|e| &**e).collect();
    for (session_level, account_level) in [(false, false), (true, false), (false, true)] {
        let options = GraphOptions {
            session_level,
            account_level,
            ..GraphOptions::default()
        };
        let graph = MaskGraph::build(&refs, &options, &AccountNames::default());
        let mut out = Vec::new();
        write::dot(&graph, &mut out).unwrap();
        write::mermaid(&graph, &mut out).unwrap();
        let mut json = Vec::new();
        write::json_graph(&graph, &mut json).unwrap();
        serde_json::from_slice::<serde_json::Value>(&json).expect("graph JSON reads back");
        let rows = EdgeRows(&graph);
        let mut csv_out = Vec::new();
        write::csv(&rows, false, &mut csv_out).unwrap();
        let read_back = csv::ReaderBuilder::new()
            .from_reader(&csv_out[..])
            .records()
            .count();
        assert_eq!(read_back, graph.edge_count());
        // Piped, and on a terminal of a width from the input (as records when too narrow).
        let width = bytes.first().map_or(80, |&b| usize::from(b));
        for fit in [None, Some(width)] {
            let mut table = Vec::new();
            write::table(&rows, fit, &mut table).unwrap();
            let text = String::from_utf8(table).unwrap();
            assert!(
                !text.chars().any(|c| c.is_control() && c != '\n'),
                "control character in table"
            );
        }
        let _ = rows.columns();
    }
    let collapsed = GraphOptions {
        min_count: 2,
        top: Some(3),
        collapse_services: true,
        collapse_subjects: true,
        ..GraphOptions::default()
    };
    let graph = MaskGraph::build(&refs, &collapsed, &AccountNames::default());
    write::dot(&graph, &mut Vec::new()).unwrap();
    // The report embeds JSON built from the logs: escaped, it must still be the same JSON, and
    // never end its script element.
    let mut json = Vec::new();
    write::json_graph(&graph, &mut json).unwrap();
    let text = String::from_utf8(json).unwrap();
    let mut page = Vec::new();
    write::html(&text, &mut page).unwrap();
    let page = String::from_utf8(page).unwrap();
    let open = r#"<script type="application/json" id="trailmask-data">"#;
    let start = page.find(open).unwrap() + open.len();
    let end = start + page[start..].find("</script>").unwrap();
    let embedded: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
    assert_eq!(
        embedded,
        serde_json::from_str::<serde_json::Value>(&text).unwrap()
    );
});
