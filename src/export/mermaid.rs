//! Mermaid `flowchart LR`, for GitHub markdown. One subgraph per account; services and
//! providers outside; `==>` for cross-account edges, `-.->` for edges that only ever failed.
//! Labels are written with Mermaid's entity codes (`#35;`) for anything but letters, digits
//! and plain punctuation, so log values cannot break the chart.

use crate::export::dot::shorten;
use crate::graph::{MaskGraph, NodeKind};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// `text` as a quoted Mermaid label.
pub fn label(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
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
    let ids: BTreeMap<String, usize> = graph
        .nodes()
        .enumerate()
        .map(|(i, (id, _))| (id, i))
        .collect();
    // At account level, an account's own hops are said in its label, not drawn as a loop.
    let mut inside = vec![None; graph.node_count()];
    if graph.account_level {
        for i in 0..graph.edge_count() {
            let (from, to, edge) = graph.edge_at(i);
            if from == to {
                inside[from] = Some(edge);
            }
        }
    }
    for (cluster, (account, members)) in graph.clusters().iter().enumerate() {
        let indent = if account.is_empty() { "  " } else { "    " };
        if !account.is_empty() {
            writeln!(
                wtr,
                "  subgraph a{cluster}[{}]",
                label(&graph.accounts.label(account))
            )?;
        }
        for &index in members {
            let node = graph.node_at(index);
            let mut text = if node.kind == NodeKind::Account {
                shorten(&graph.accounts.label(&node.name))
            } else {
                shorten(&node.label())
            };
            if let Some(edge) = inside[index] {
                text.push_str(&format!(": {}", super::dot::inside_label(edge)));
            }
            if matches!(node.kind, NodeKind::SamlProvider | NodeKind::OidcProvider)
                && !node.subjects.is_empty()
            {
                let count = node.subjects.len();
                text.push_str(&format!(
                    " ({count} subject{})",
                    if count == 1 { "" } else { "s" }
                ));
            }
            writeln!(wtr, "{indent}n{index}{}", shape(node.kind, &text))?;
        }
        if !account.is_empty() {
            writeln!(wtr, "  end")?;
        }
    }
    let mut cross = Vec::new();
    let drawn = graph
        .edges()
        .filter(|(from, to, _)| !(graph.account_level && from == to));
    for (number, (from, to, edge)) in drawn.enumerate() {
        let arrow = match (edge.successes == 0, edge.cross_account || edge.external) {
            (true, _) => "-.->",
            (false, true) => "==>",
            (false, false) => "-->",
        };
        let mut text = edge.count().to_string();
        if edge.roles > 0 {
            let plural = |n: u64| if n == 1 { "" } else { "s" };
            text.push_str(&format!(
                " hop{}, {} role{}",
                plural(edge.count()),
                edge.roles,
                plural(edge.roles)
            ));
        }
        if edge.external {
            text.push_str(" external");
        } else if edge.cross_account {
            text.push_str(" cross-account");
        }
        if edge.cross_account || edge.external {
            cross.push(number);
        }
        writeln!(
            wtr,
            "  n{} {arrow}|{}| n{}",
            ids[&from],
            label(&text),
            ids[&to]
        )?;
    }
    if !cross.is_empty() {
        let list: Vec<String> = cross.iter().map(usize::to_string).collect();
        writeln!(
            wtr,
            "  linkStyle {} stroke:#d6336c,stroke-width:3px",
            list.join(",")
        )?;
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
        assert_eq!(label("x\ny"), "\"x#10;y\"");
    }
}
