//! The workflows (`.github/workflows/`), the Action (`action.yml`) and the documented example
//! workflow pass actionlint and zizmor with no findings; the example in the docs is the file
//! the linters check. `.ci/run` installs both tools (pinned) and makes these tests required.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

use crate::common::repo;

/// A tool from its environment variable (set by `.ci/run`), or `None` with a visible skip.
fn tool(var: &str) -> Option<PathBuf> {
    let path = std::env::var_os(var)
        .map(PathBuf::from)
        .filter(|p| p.is_file());
    if path.is_none() {
        assert!(
            std::env::var_os("KMSGUARD_REQUIRE_TOOLS").is_none(),
            "KMSGUARD_REQUIRE_TOOLS is set, but {var} names no file"
        );
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED lints (needs {var}): not set; .ci/run installs the tool"
        );
    }
    path
}

fn workflows() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(repo().join(".github/workflows"))
        .unwrap()
        .map(|e| {
            format!(
                ".github/workflows/{}",
                e.unwrap().file_name().to_string_lossy()
            )
        })
        .filter(|f| f.ends_with(".yml"))
        .collect();
    files.sort();
    files.push("docs/examples/kmsguard.yml".into());
    files
}

#[test]
fn workflows_and_the_documented_example_pass_actionlint() {
    let Some(actionlint) = tool("KMSGUARD_ACTIONLINT") else {
        return;
    };
    let files = workflows();
    let pattern = format!("{{{}}}", files.join(","));
    let out = Command::new(&actionlint)
        .arg(&pattern)
        .current_dir(repo())
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "actionlint:\n{log}");
    assert!(
        log.contains(&format!("Checking {} workflow file(s)", files.len())),
        "every file was linted:\n{log}"
    );
}

#[test]
fn workflows_the_action_and_the_documented_example_pass_zizmor() {
    let Some(zizmor) = tool("KMSGUARD_ZIZMOR") else {
        return;
    };
    let mut files = workflows();
    files.push("action.yml".into());
    let out = Command::new(&zizmor)
        .args([
            "--offline",
            "--no-progress",
            "--config",
            ".github/zizmor.yml",
        ])
        .args(&files)
        .current_dir(repo())
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "zizmor:\n{log}");
    assert!(log.contains("No findings to report"), "zizmor:\n{log}");
}

#[test]
fn the_documented_workflow_is_the_linted_example() {
    let doc = std::fs::read_to_string(repo().join("docs/github-action.md")).unwrap();
    let start = doc.find("## A complete workflow\n\n```yaml\n").unwrap()
        + "## A complete workflow\n\n```yaml\n".len();
    let block = &doc[start..start + doc[start..].find("```\n").unwrap()];
    let example = std::fs::read_to_string(repo().join("docs/examples/kmsguard.yml")).unwrap();
    let body = example.split_once('\n').unwrap().1;
    assert_eq!(
        block, body,
        "docs/github-action.md and docs/examples/kmsguard.yml differ"
    );
    // Every `uses: kmsguard/kmsguard@…` in the docs pins a release tag.
    for file in ["README.md", "docs/github-action.md"] {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        for (i, line) in text.lines().enumerate() {
            if let Some(r) = line.split("kmsguard/kmsguard@").nth(1) {
                let reference = r.split_whitespace().next().unwrap();
                assert!(
                    reference.starts_with('v') && reference[1..].split('.').count() == 3,
                    "{file}:{}: {line}",
                    i + 1
                );
            }
        }
    }
}
