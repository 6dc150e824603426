//! Our DOT through real Graphviz: the sample-logs graph and hostile names must render.
//! Skipped (with a note) where `dot` is not installed; CI installs it (and fails without it).

use crate::harness::*;
use std::io::Write;
use std::process::{Command, Stdio};

pub fn dot_accepts(dot: &str) -> Option<Result<(), String>> {
    dot_svg(dot).map(|result| result.map(drop))
}

/// The SVG `dot` draws of `dot` (`None` where Graphviz is not installed outside CI), or its
/// warnings and errors.
pub fn dot_svg(dot: &str) -> Option<Result<String, String>> {
    let mut child = match Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(_) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("graphviz (dot) is not installed; CI must install it")
        }
        Err(_) => {
            eprintln!("graphviz not installed: skipped");
            return None;
        }
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    Some(
        // Graphviz's warnings are errors here too: a `lost edge` is a hop not drawn.
        if output.status.success() && stderr.is_empty() {
            String::from_utf8(output.stdout).map_err(|e| format!("an SVG not in UTF-8: {e}"))
        } else {
            Err(stderr)
        },
    )
}

#[test]
fn sample_graph_renders_at_both_levels() {
    for level in ["role", "session"] {
        let output = run(&[
            "graph",
            "-q",
            "--level",
            level,
            "--accounts",
            "tests/golden/accounts.csv",
            "sample-logs",
        ]);
        if let Some(result) = dot_accepts(&stdout(&output)) {
            result.unwrap_or_else(|e| panic!("dot rejected the {level} graph: {e}"));
        }
    }
}

#[test]
fn hostile_names_render() {
    let names = [
        r#"quote"inside"#,
        r"back\slash\",
        "new\nline\r\n",
        "<b>angle</b> & amp",
        "ロール名/セッション名(ユーザー名)",
        "\u{1b}[31mred\u{7}",
        "}; digraph evil { a -> b",
        "\u{202e}reversed",
        &"x".repeat(5000),
        // Character references Graphviz would decode (a red-team's, session 33): a lone
        // surrogate or a NUL made an SVG no browser shows; `&#8238;` turned a label around.
        "&#xD800;/Admin",
        "&#0;&#x1b;",
        "&#8238;nimdA",
        // Past the 16 KB Graphviz scans in a quoted string.
        &"y".repeat(16_400),
    ];
    let dir = Dir::new();
    let records: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let value = serde_json::json!({
                "eventName": "AssumeRole", "eventID": format!("h{i}"), "eventTime": "2021-01-01T00:00:00Z",
                "userIdentity": {"type": "IAMUser", "arn": format!("arn:aws:iam::{name}:user/{name}"), "accountId": name},
                "requestParameters": {"roleArn": format!("arn:aws:iam::111111111111:role/{name}"), "roleSessionName": name},
                "sourceIPAddress": name,
            });
            value.to_string()
        })
        .collect();
    dir.write(
        "hostile.json",
        format!(r#"{{"Records":[{}]}}"#, records.join(",")).as_bytes(),
    );
    for level in ["role", "session"] {
        let output = run_in(
            dir.root.path(),
            &["graph", "-q", "--level", level, "hostile.json"],
            None,
        );
        assert_eq!(output.status.code(), Some(0));
        if let Some(result) = dot_svg(&stdout(&output)) {
            let svg = result
                .unwrap_or_else(|e| panic!("dot rejected hostile names at {level} level: {e}"));
            // Each reference is drawn as it was written, none decoded.
            for written in [
                "&amp;#xD800;/Admin",
                "&amp;#0;&amp;#x1b;",
                "&amp;#8238;nimdA",
            ] {
                assert!(
                    svg.contains(written),
                    "{level}: {written} not drawn as written"
                );
            }
            assert!(
                !svg.contains('\u{0}') && !svg.contains('\u{202e}') && !svg.contains('\u{1b}'),
                "{level}: a control or an override in the SVG"
            );
        }
    }
}
