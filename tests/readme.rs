//! The README's examples: every console block that runs one trailmask command on sample-logs
//! and shows what it prints (through `cut`, `head` or `grep`, as a reader would type it) prints
//! exactly that, so the README cannot fall behind the tool.

use crate::harness::repo;
use std::process::Command;

/// `summary`'s elapsed line differs from run to run.
fn steady(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| !line.starts_with("elapsed"))
        .collect()
}

#[test]
fn every_example_in_the_readme_prints_what_it_shows() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("trailmask");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut checked = Vec::new();
    for block in readme.split("```console\n").skip(1) {
        let block = block.split("```").next().unwrap_or_default();
        let lines: Vec<&str> = block.lines().collect();
        let commands = lines.iter().filter(|line| line.starts_with("$ ")).count();
        // Blocks that list commands without their output are not examples of output.
        let Some(command) = lines.first().and_then(|line| line.strip_prefix("$ ")) else {
            continue;
        };
        if commands != 1 || !command.starts_with("trailmask ") || !command.contains("sample-logs") {
            continue;
        }
        let output = Command::new("sh")
            .args(["-c", command])
            .env("PATH", &path)
            .current_dir(repo())
            .output()
            .unwrap();
        let printed = String::from_utf8_lossy(&output.stdout);
        let shown = lines[1..].join("\n");
        let (printed, shown) = (steady(&printed), steady(&shown));
        // A line the README cuts short ends in `…`: the printed line begins with the rest.
        let same = printed.len() == shown.len()
            && printed
                .iter()
                .zip(&shown)
                .all(|(printed, shown)| match shown.strip_suffix('…') {
                    Some(start) => printed.starts_with(start),
                    None => printed == shown,
                });
        assert!(
            same,
            "README.md: `{command}` prints\n{}\nnot\n{}",
            printed.join("\n"),
            shown.join("\n")
        );
        checked.push(command);
    }
    // Every example that shows output (a block dropped by a change of format would go unseen).
    assert_eq!(checked.len(), 10, "{checked:#?}");
}
