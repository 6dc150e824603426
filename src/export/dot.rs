//! Graphviz DOT, written by hand (petgraph's `Dot` is for debugging and may change).
//!
//! One `subgraph cluster_<account>` per AWS account, labelled with its id and name at its
//! bottom left (where edges, which enter a box from the top and sides, cross it least); services
//! sit outside the clusters, identity providers inside the account that registered them.
//! Shape and colour by node kind; each edge is labelled with its count; cross-account edges
//! are drawn red and thick, edges touching an account outside `--accounts` thicker still and
//! marked "external"; edges whose every hop was refused are dashed (`2 refused`; some
//! refused: `5 (1 refused)`). Hand-overs (`iam:PassRole`) are drawn apart from hops: dashed,
//! blue, with a hollow arrowhead, labelled `passes to SERVICE (N)` (SERVICE short: `ec2`);
//! dotted and grey when every call was refused; red like a hop when they cross accounts. At
//! account level an account's own hand-overs are written under its name, as its own hops
//! are. Every string passes through [`quote`], so any log value gives valid DOT.

use super::table::needs_escape;
use crate::graph::{Edge, MaskGraph, Node, NodeKind};
use rayon::prelude::*;
use std::io::{self, Write};

/// Longest node label shown; the full name stays in the tooltip.
const MAX_LABEL_CHARS: usize = 60;

/// The colour of hand-over edges (hops are black, or red across accounts).
pub const HAND_OVER_COLOUR: &str = "#1c7ed6";

/// The most bytes [`quote`] writes of a text: Graphviz's scanner stops at quoted strings of
/// 16,384 bytes (`dot` fails with a syntax error), and no AWS name comes near it (an ARN is at
/// most 2,048 characters).
const MAX_QUOTED_BYTES: usize = 16_000;

/// A DOT double-quoted string holding `text`: quotes escaped, a line feed as a visible `\n`
/// (not a line break: a name must not draw as two; [`quote_lines`] breaks lines), other
/// control characters and the characters that change how text reads without being seen
/// (bidirectional overrides, zero-width characters: [`needs_escape`]) shown as `\u{…}`, a
/// backslash doubled (so the string's value holds two), and `&` written `&amp;` (Graphviz reads
/// `&…;` in a string as a character reference: `&#x202E;` would turn a label around, and
/// `&#xD800;` makes an SVG no browser shows). That keeps the writing reversible: a role named
/// `x` + ESC and one named `x\u{1b}` stay two nodes. A text that would take more than
/// [`MAX_QUOTED_BYTES`] is cut there, `…#` and a hash of the whole text after the cut, so that
/// two long names that begin alike stay two nodes.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_QUOTED_BYTES) + 2);
    out.push('"');
    // The usual name, printable ASCII with nothing to escape, goes in whole.
    if text.len() <= MAX_QUOTED_BYTES
        && text
            .bytes()
            .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\' && b != b'&')
    {
        out.push_str(text);
        out.push('"');
        return out;
    }
    for c in text.chars() {
        if out.len() > MAX_QUOTED_BYTES {
            out.push_str(&format!("…#{:016x}", crate::chain::hash(text)));
            break;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\\\\\"),
            '\n' => out.push_str("\\\\n"),
            '&' => out.push_str("&amp;"),
            c if needs_escape(c) => out.push_str(&format!("\\\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Cuts `text` to 60 characters, marking the cut with `…`.
pub fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_LABEL_CHARS {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(MAX_LABEL_CHARS - 1).collect();
    short.push('…');
    short
}

fn node_style(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::IamUser => "shape=ellipse, style=filled, fillcolor=\"#dae8fc\"",
        NodeKind::Root => "shape=doubleoctagon, style=filled, fillcolor=\"#f8cecc\"",
        NodeKind::Service => "shape=hexagon, style=filled, fillcolor=\"#d5e8d4\"",
        NodeKind::SamlProvider | NodeKind::OidcProvider => {
            "shape=component, style=filled, fillcolor=\"#e1d5e7\""
        }
        NodeKind::ExternalAccount => "shape=house, style=filled, fillcolor=\"#ffe6cc\"",
        NodeKind::FederatedUser => "shape=ellipse, style=\"dashed,filled\", fillcolor=\"#eef4ff\"",
        NodeKind::Role => "shape=box, style=\"rounded,filled\", fillcolor=\"#fff2cc\"",
        NodeKind::Session => "shape=note, style=filled, fillcolor=\"#f5f5f5\"",
        NodeKind::Account => "shape=box3d, style=filled, fillcolor=\"#fff2cc\"",
        NodeKind::Unknown => "shape=box, style=dotted",
    }
}

/// A DOT double-quoted string of `lines`, each [`quote`]d, drawn one under the other.
fn quote_lines(lines: &[String]) -> String {
    let quoted: Vec<String> = lines.iter().map(|line| quote(line)).collect();
    let inner: Vec<&str> = quoted.iter().map(|q| &q[1..q.len() - 1]).collect();
    format!("\"{}\"", inner.join("\\n"))
}

/// The node's label lines: its short name, plus up to three federation subjects; an account
/// (at account level) by id and name.
fn node_label(node: &Node, graph: &MaskGraph) -> Vec<String> {
    let mut label = vec![shorten(&graph.node_label(node))];
    if node.kind == NodeKind::Account && graph.accounts.is_outside(&node.name) {
        label.push(super::OUTSIDE_ACCOUNTS.to_owned());
    }
    if matches!(node.kind, NodeKind::SamlProvider | NodeKind::OidcProvider) {
        for subject in node.subjects.iter().take(3) {
            label.push(shorten(subject));
        }
        if node.subjects.len() > 3 {
            label.push(format!("(+{} more subjects)", node.subjects.len() - 3));
        }
    }
    label
}

/// Writes an edge's attributes: its label ([`super::count_text`], and whether it crosses
/// accounts), then colour and style.
/// Straight into `out`: a large graph is mostly edges.
fn write_edge_attrs(edge: &Edge, out: &mut Vec<u8>) -> io::Result<()> {
    let failed_only = edge.successes == 0;
    // Digits, letters, spaces, commas and parentheses: nothing to escape.
    write!(out, "label=\"{}", super::count_text(edge))?;
    let crossing = edge.external || edge.cross_account;
    out.extend_from_slice(if edge.external {
        b" external\", color=\"#c00000\", fontcolor=\"#c00000\", penwidth=3"
    } else if edge.cross_account {
        b" cross-account\", color=\"#d6336c\", fontcolor=\"#d6336c\", penwidth=2"
    } else {
        b"\""
    });
    out.extend_from_slice(match (failed_only, crossing) {
        (true, true) => b", style=\"dashed,bold\"",
        (true, false) => b", style=dashed, color=gray40",
        (false, true) => b", style=bold",
        (false, false) => b"",
    });
    Ok(())
}

/// Writes a hand-over edge's attributes ([`super::hand_over_text`], and whether it crosses
/// accounts), then its colour and style.
fn write_hand_over_attrs(edge: &Edge, out: &mut Vec<u8>) -> io::Result<()> {
    let mut label = super::hand_over_text(edge);
    let refused_only = edge.successes == 0;
    let (colour, width) = if edge.external {
        label.push_str(" external");
        ("#c00000", ", penwidth=3")
    } else if edge.cross_account {
        label.push_str(" cross-account");
        ("#d6336c", ", penwidth=2")
    } else if refused_only {
        ("gray40", "")
    } else {
        (HAND_OVER_COLOUR, "")
    };
    let style = match (refused_only, edge.external || edge.cross_account) {
        (true, true) => "\"dotted,bold\"",
        (true, false) => "dotted",
        (false, true) => "\"dashed,bold\"",
        (false, false) => "dashed",
    };
    write!(
        out,
        "label={}, color={}, fontcolor={}{width}, style={style}, arrowhead=onormal",
        quote(&label),
        quote(colour),
        quote(colour),
    )
}

/// Writes `graph` as DOT.
///
/// # Errors
/// Any write error.
pub fn write(graph: &MaskGraph, wtr: &mut dyn Write) -> io::Result<()> {
    writeln!(wtr, "digraph trailmask {{")?;
    writeln!(
        wtr,
        "  graph [rankdir=LR, newrank=true, fontname=\"Helvetica\", nodesep=0.3, ranksep=0.8];"
    )?;
    writeln!(wtr, "  node [fontname=\"Helvetica\", fontsize=10];")?;
    // `decorate`: a line from each label to its edge, so a count that dot places between
    // two curves is not read as the other one's.
    writeln!(
        wtr,
        "  edge [fontname=\"Helvetica\", fontsize=9, decorate=true];"
    )?;
    // Each node's quoted id (for its line and its edges' ends) and line, on all cores; they
    // are then written by account.
    // At account level, the hops inside an account are said in its label, not drawn as a
    // loop: the picture is of the hops between accounts.
    let own_hops = graph.own_hops();
    let own_hand_overs = graph.own_hand_overs();
    let (ids, lines): (Vec<String>, Vec<String>) = (0..graph.node_count())
        .into_par_iter()
        .map(|i| {
            let node = graph.node_at(i);
            let id = quote(&node.id());
            let mut label = node_label(node, graph);
            if let Some(edge) = own_hops[i] {
                label.push(super::own_hops_text(edge));
            }
            if let Some(text) = super::own_hand_overs_text(&own_hand_overs[i]) {
                label.push(text);
            }
            let line = format!(
                "{id} [label={}, tooltip={}, {}];\n",
                quote_lines(&label),
                quote(&node.name),
                node_style(node.kind)
            );
            (id, line)
        })
        .unzip();
    for (account, members) in &graph.clusters() {
        let indent = if account.is_empty() { "  " } else { "    " };
        if !account.is_empty() {
            writeln!(
                wtr,
                "  subgraph {} {{",
                quote(&format!("cluster_{account}"))
            )?;
            let mut label = vec![graph.accounts.label(account)];
            if graph.accounts.is_outside(account) {
                label.push(super::OUTSIDE_ACCOUNTS.to_owned());
            }
            let color = if graph.accounts.is_outside(account) {
                "#c00000"
            } else {
                "gray50"
            };
            writeln!(
                wtr,
                "    label={}; labelloc=b; labeljust=l; style=rounded; color={}; fontname=\"Helvetica\";",
                quote_lines(&label),
                quote(color)
            )?;
        }
        for &index in members {
            wtr.write_all(indent.as_bytes())?;
            wtr.write_all(lines[index].as_bytes())?;
        }
        if !account.is_empty() {
            writeln!(wtr, "  }}")?;
        }
    }
    // Edges are most of a large graph: formatted in parallel chunks (in order).
    super::write_in_chunks(
        graph.edge_count(),
        &|range, bytes| {
            range
                .map(|i| graph.edge_at(i))
                .try_for_each(|(from, to, edge)| {
                    if graph.is_own_hops(from, to) {
                        return Ok(());
                    }
                    for part in [
                        &b"  "[..],
                        ids[from].as_bytes(),
                        b" -> ",
                        ids[to].as_bytes(),
                        b" [",
                    ] {
                        bytes.extend_from_slice(part);
                    }
                    if edge.is_hand_over() {
                        write_hand_over_attrs(edge, bytes)?;
                    } else {
                        write_edge_attrs(edge, bytes)?;
                    }
                    bytes.extend_from_slice(b"];\n");
                    Ok(())
                })
        },
        wtr,
    )?;
    writeln!(wtr, "}}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::MaskCounts;

    #[test]
    fn quote_escapes_everything_dot_cares_about() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\\\c""#);
        assert_eq!(quote("line\nbreak"), r#""line\\nbreak""#);
        assert_eq!(
            quote_lines(&["a\"b".to_owned(), "c\nd".to_owned()]),
            r#""a\"b\nc\\nd""#
        );
        assert_eq!(quote("bell\x07"), r#""bell\\u{7}""#);
        assert_eq!(quote("<b>ロール</b>"), r#""<b>ロール</b>""#);
        // Character references are text (a red-team's, session 33: `&#xD800;` made an SVG no
        // browser shows, `&#8238;nimdA` was drawn as `Admin`); so are bidirectional overrides.
        assert_eq!(quote("a&#xD800;b"), r#""a&amp;#xD800;b""#);
        assert_eq!(quote("x&amp;y"), r#""x&amp;amp;y""#);
        assert_eq!(quote("\u{202e}nimdA"), r#""\\u{202e}nimdA""#);
        // Past Graphviz's 16 KB, cut, and told apart by a hash of the whole.
        let long = |last: char| format!("role/{}{last}", "n".repeat(20_000));
        let (a, b) = (quote(&long('a')), quote(&long('b')));
        assert!(a.len() < 16_384 && b.len() < 16_384, "{}", a.len());
        assert_ne!(a, b);
        assert_eq!(a[..16_000], b[..16_000]);
    }

    #[test]
    fn hand_overs_are_dashed_blue_and_refusals_dotted_grey() {
        use crate::graph::EdgeKind;
        let edge = |successes, failures, cross_account, external| Edge {
            kind: EdgeKind::HandOver {
                service: "ec2.amazonaws.com",
            },
            successes,
            failures,
            cross_account,
            external,
            ..Edge::default()
        };
        let attrs = |edge: Edge| {
            let mut out = Vec::new();
            write_hand_over_attrs(&edge, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            attrs(edge(2, 1, false, false)),
            r##"label="passes to ec2 (3, 1 refused)", color="#1c7ed6", fontcolor="#1c7ed6", style=dashed, arrowhead=onormal"##
        );
        assert_eq!(
            attrs(edge(0, 1, false, false)),
            r#"label="passes to ec2 (1 refused)", color="gray40", fontcolor="gray40", style=dotted, arrowhead=onormal"#
        );
        assert_eq!(
            attrs(edge(0, 1, true, false)),
            r##"label="passes to ec2 (1 refused) cross-account", color="#d6336c", fontcolor="#d6336c", penwidth=2, style="dotted,bold", arrowhead=onormal"##
        );
        assert_eq!(
            attrs(edge(1, 0, true, true)),
            r##"label="passes to ec2 (1) external", color="#c00000", fontcolor="#c00000", penwidth=3, style="dashed,bold", arrowhead=onormal"##
        );
    }

    #[test]
    fn account_level_refusals_go_with_the_hops() {
        let edge = |successes, failures, roles| Edge {
            successes,
            failures,
            masks: MaskCounts {
                roles,
                ..MaskCounts::default()
            },
            cross_account: true,
            ..Edge::default()
        };
        let label = |edge: &Edge| {
            let mut out = Vec::new();
            write_edge_attrs(edge, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            text.split('"').nth(1).unwrap().to_owned()
        };
        assert_eq!(
            label(&edge(55, 12, 6)),
            "67 hops (12 refused), 6 roles cross-account"
        );
        assert_eq!(
            label(&edge(0, 2, 1)),
            "2 hops (all refused), 1 role cross-account"
        );
        assert_eq!(label(&edge(1, 0, 1)), "1 hop, 1 role cross-account");
        // Masks that are not roles are named as what they are.
        let mut others = edge(7, 0, 5);
        others.masks.federated_users = 1;
        assert_eq!(
            label(&others),
            "7 hops, 5 roles and 1 federated user cross-account"
        );
        others.masks.roots = 2;
        assert_eq!(
            label(&others),
            "7 hops, 5 roles, 2 account roots and 1 federated user cross-account"
        );
        let roots = Edge {
            masks: MaskCounts {
                roots: 1,
                ..MaskCounts::default()
            },
            ..edge(1, 0, 0)
        };
        assert_eq!(label(&roots), "1 hop, 1 account root cross-account");
        // At role level (no roles counted): the count, then its refusals.
        assert_eq!(label(&edge(2, 1, 0)), "3 (1 refused) cross-account");
        assert_eq!(label(&edge(0, 1, 0)), "1 refused cross-account");
        assert_eq!(
            super::super::own_hops_text(&edge(11, 1, 3)),
            "12 hops inside (1 refused), 3 roles"
        );
        assert_eq!(
            super::super::own_hops_text(&edge(0, 2, 1)),
            "2 hops inside (all refused), 1 role"
        );
    }

    #[test]
    fn shorten_marks_the_cut() {
        assert_eq!(shorten("short"), "short");
        let long = "x".repeat(100);
        assert_eq!(shorten(&long).chars().count(), MAX_LABEL_CHARS);
        assert!(shorten(&long).ends_with('…'));
    }
}
