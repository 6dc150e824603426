//! Mermaid `flowchart LR`, for GitHub markdown. One subgraph per account, with the identity
//! providers registered in it; services outside; `==>` for cross-account edges, `-.->` for
//! edges whose every hop was refused.
//! Hand-overs (`iam:PassRole`) are dotted and blue (`-.->`, labelled `passes to SERVICE (N)`),
//! `-.-x` and grey when every call was refused, red when they cross accounts; at account level
//! an account's own hand-overs are said in its label. Labels are written with Mermaid's entity
//! codes (`#35;`) for anything but letters, digits and plain punctuation, so log values cannot
//! break the chart.

use crate::export::dot::{HAND_OVER_COLOUR, shorten};
#[cfg(doc)]
use crate::export::table::needs_escape;
use crate::export::table::printable;
use crate::graph::{MaskGraph, NodeKind};
use std::io::{self, Write};

/// `text` as a quoted Mermaid label. The characters that change or hide how text reads (a
/// right-to-left override, a zero-width space: [`needs_escape`]) are first written as visible
/// escapes, as every other output writes them: Mermaid decodes an entity code back into the
/// character, so `#8238;` made a role named `\u{202e}nimdA` read `Admin` (a review's,
/// session 38).
pub fn label(text: &str) -> String {
    let mut out = String::from("\"");
    for c in printable(text).chars() {
        if c.is_alphanumeric()
            || matches!(
                c,
                ' ' | '_' | '-' | '.' | '/' | ':' | '@' | '+' | ',' | '(' | ')'
            )
        {
            out.push(c);
        } else {
            out.push_str(&format!("#{};", c as u32));
        }
    }
    out.push('"');
    out
}

fn shape(kind: NodeKind, text: &str) -> String {
    let text = label(text);
    match kind {
        NodeKind::Role | NodeKind::Unknown => format!("[{text}]"),
        NodeKind::Session => format!("[/{text}/]"),
        NodeKind::Account => format!("[({text})]"),
        NodeKind::Service => format!("{{{{{text}}}}}"),
        NodeKind::SamlProvider | NodeKind::OidcProvider => format!("[[{text}]]"),
        NodeKind::ExternalAccount => format!(">{text}]"),
        NodeKind::IamUser | NodeKind::FederatedUser => format!("([{text}])"),
        NodeKind::Root => format!("{{{text}}}"),
    }
}

/// Writes `graph` as a Mermaid flowchart.
///
/// # Errors
/// Any write error.
pub fn write(graph: &MaskGraph, wtr: &mut dyn Write) -> io::Result<()> {
    writeln!(wtr, "flowchart LR")?;
    // At account level, an account's own hops are said in its label, not drawn as a loop.
    let own_hops = graph.own_hops();
    let own_hand_overs = graph.own_hand_overs();
    for (cluster, (account, members)) in graph.clusters().iter().enumerate() {
        let indent = if account.is_empty() { "  " } else { "    " };
        if !account.is_empty() {
            let mut title = graph.accounts.label(account);
            if graph.accounts.is_outside(account) {
                title.push_str(&format!(" {}", super::OUTSIDE_ACCOUNTS));
            }
            writeln!(wtr, "  subgraph a{cluster}[{}]", label(&title))?;
        }
        for &index in members {
            let node = graph.node_at(index);
            let mut text = shorten(&graph.node_label(node));
            if node.kind == NodeKind::Account && graph.accounts.is_outside(&node.name) {
                text.push_str(&format!(" {}", super::OUTSIDE_ACCOUNTS));
            }
            if let Some(edge) = own_hops[index] {
                text.push_str(&format!(": {}", super::own_hops_text(edge)));
            }
            if let Some(own) = super::own_hand_overs_text(&own_hand_overs[index]) {
                let joint = if own_hops[index].is_some() {
                    "; "
                } else {
                    ": "
                };
                text.push_str(&format!("{joint}{own}"));
            }
            if matches!(node.kind, NodeKind::SamlProvider | NodeKind::OidcProvider)
                && !node.subjects.is_empty()
            {
                let count = node.subjects.len() as u64;
                text.push_str(&format!(" ({})", super::plural(count, "subject")));
            }
            writeln!(wtr, "{indent}n{index}{}", shape(node.kind, &text))?;
        }
        if !account.is_empty() {
            writeln!(wtr, "  end")?;
        }
    }
    // Links by the colour `linkStyle` gives them: to or from outside `--accounts` (dark red,
    // as DOT and the report draw them), across accounts, hand-overs, refused hand-overs.
    let (mut external, mut cross, mut passes, mut refused) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // Node `n{i}` is the graph's node `i`, so an edge's ends are its node indexes.
    let drawn = (0..graph.edge_count())
        .map(|i| graph.edge_at(i))
        .filter(|&(from, to, _)| !graph.is_own_hops(from, to));
    for (number, (from, to, edge)) in drawn.enumerate() {
        let failed_only = edge.successes == 0;
        let crossing = edge.cross_account || edge.external;
        let (arrow, mut text) = if edge.is_hand_over() {
            let arrow = if failed_only { "-.-x" } else { "-.->" };
            (arrow, super::hand_over_text(edge))
        } else {
            let arrow = match (failed_only, crossing) {
                (true, _) => "-.->",
                (false, true) => "==>",
                (false, false) => "-->",
            };
            (arrow, super::count_text(edge))
        };
        if edge.external {
            text.push_str(" external");
        } else if edge.cross_account {
            text.push_str(" cross-account");
        }
        if edge.external {
            external.push(number);
        } else if crossing {
            cross.push(number);
        } else if edge.is_hand_over() && failed_only {
            refused.push(number);
        } else if edge.is_hand_over() {
            passes.push(number);
        }
        writeln!(wtr, "  n{from} {arrow}|{}| n{to}", label(&text))?;
    }
    let passed = format!("stroke:{HAND_OVER_COLOUR},stroke-width:2px,color:{HAND_OVER_COLOUR}");
    for (links, style) in [
        (external, "stroke:#c00000,stroke-width:4px,color:#c00000"),
        (cross, "stroke:#d6336c,stroke-width:3px"),
        (passes, passed.as_str()),
        (refused, "stroke:#868e96,color:#868e96"),
    ] {
        if !links.is_empty() {
            let list: Vec<String> = links.iter().map(usize::to_string).collect();
            writeln!(wtr, "  linkStyle {} {style}", list.join(","))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_cannot_break_out() {
        assert_eq!(label("a\"b]c"), "\"a#34;b#93;c\"");
        assert_eq!(label("ロール/x"), "\"ロール/x\"");
        assert_eq!(label("x\ny"), "\"x#92;ny\"");
    }

    /// Mermaid decodes `#8238;` into the override itself: such characters are written as
    /// visible escapes first, as the other outputs write them.
    #[test]
    fn labels_show_what_hides_or_turns_text() {
        assert_eq!(label("\u{202e}nimdA"), "\"#92;u#123;202e#125;nimdA\"");
        assert_eq!(label("Ad\u{200b}min"), "\"Ad#92;u#123;200b#125;min\"");
    }
}
