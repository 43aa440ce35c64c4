use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Environment variables that would change the output.
const SCRUBBED_ENV: &[&str] = &[
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "FORCE_COLOR",
    "TERM",
];

pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary, run from the repository root so that report paths are stable.
pub(crate) fn kmsguard() -> Command {
    let mut cmd = Command::cargo_bin("kmsguard").expect("the binary is built");
    cmd.current_dir(repo());
    for v in SCRUBBED_ENV {
        cmd.env_remove(v);
    }
    cmd
}

pub(crate) struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub(crate) fn run(args: &[&str]) -> Run {
    run_with(kmsguard().args(args))
}

pub(crate) fn run_with(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("the binary runs");
    Run {
        code: out
            .status
            .code()
            .expect("the binary exits normally (no signal, no panic abort)"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// `check --format json` parsed.
pub(crate) fn json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut full = vec!["check", "--format", "json"];
    full.extend_from_slice(args);
    let r = run(&full);
    let v = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", r.stdout, r.stderr));
    (r.code, v)
}

/// A folder of shared material beside the clone, from an environment variable that
/// `.ci/run` sets, else `../shared/<rel>`. `None` (and a note) where it is absent.
pub(crate) fn shared_dir(var: &str, rel: &str) -> Option<PathBuf> {
    let dir = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("..").join("shared").join(rel));
    if dir.is_dir() {
        Some(dir)
    } else {
        // Straight to standard error, past the test harness's capture, so that a skip shows
        // in every run, not only in failing ones.
        use std::io::Write;
        let test = std::thread::current().name().unwrap_or("a test").to_owned();
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test}: {} is absent (set {var} to the folder)",
            dir.display()
        );
        None
    }
}

pub(crate) fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// Every line of `text`, trimmed, starts like a workflow command (`::cmd::`, `##[cmd]`).
pub(crate) fn command_lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with("::") || l.starts_with("##["))
        .collect()
}

/// The HTML tags the Markdown report writes itself.
const OUR_TAGS: &[&str] = &[
    "<details>",
    "</details>",
    "<summary>",
    "</summary>",
    "<sub>",
    "</sub>",
];

/// Raw HTML tags in Markdown text that are not ours (`<` not escaped, outside code).
pub(crate) fn foreign_tags(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in md.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            continue;
        }
        // Drop code spans (any run of backticks up to the same run).
        let mut text = String::new();
        let mut rest = line;
        while let Some(start) = rest.find('`') {
            text.push_str(&rest[..start]);
            let run = rest[start..].chars().take_while(|c| *c == '`').count();
            let fence = "`".repeat(run);
            let after = &rest[start + run..];
            match after.find(&fence) {
                Some(end) => rest = &after[end + run..],
                None => {
                    rest = after;
                    break;
                }
            }
        }
        text.push_str(rest);
        let bytes = text.as_bytes();
        for (i, c) in text.char_indices() {
            if c == '<' && (i == 0 || bytes[i - 1] != b'\\') {
                let tag: String = text[i..]
                    .chars()
                    .take_while(|c| *c != '>')
                    .chain(['>'])
                    .collect();
                if !OUR_TAGS.contains(&tag.as_str()) {
                    out.push(tag);
                }
            }
        }
    }
    out
}
