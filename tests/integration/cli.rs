//! Exit codes, options and standard input.

use crate::common::{json, kmsguard, run, run_with};

const LOCKED: &str = "testdata/key-locked-out/role-replaced/plan.json";
const CLEAN: &str = "testdata/lockout-check-bypassed/bypass-unset/plan.json";
const WARN_ONLY: &str = "testdata/principal-orphaned/root-kept/plan.json";

#[test]
fn exit_code_is_1_when_an_error_finding_is_found() {
    assert_eq!(run(&["check", LOCKED]).code, 1);
}

#[test]
fn exit_code_is_0_on_a_clean_plan() {
    let r = run(&["check", CLEAN]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("PASS"));
}

#[test]
fn fail_on_controls_the_threshold() {
    assert_eq!(run(&["check", WARN_ONLY]).code, 0);
    assert_eq!(run(&["check", "--fail-on", "warning", WARN_ONLY]).code, 1);
    assert_eq!(run(&["check", "--fail-on", "never", LOCKED]).code, 0);
    assert_eq!(run(&["check", "--fail-on", "error", LOCKED]).code, 1);
}

#[test]
fn wrong_arguments_exit_2() {
    assert_eq!(run(&["check"]).code, 2);
    assert_eq!(run(&["check", "--format", "yaml", LOCKED]).code, 2);
    assert_eq!(run(&["check", "--fail-on", "sometimes", LOCKED]).code, 2);
    assert_eq!(run(&["frobnicate"]).code, 2);
}

#[test]
fn json_report_has_the_documented_shape() {
    let (code, v) = json(&[LOCKED]);
    assert_eq!(code, 1);
    assert_eq!(v["version"], 1);
    let key = &v["keys"][0];
    for field in ["address", "source", "verdict_before", "verdict", "managers"] {
        assert!(key.get(field).is_some(), "keys[0].{field} missing");
    }
    assert_eq!(key["source"], LOCKED);
    assert_eq!(key["verdict_before"], "manageable");
    assert_eq!(key["verdict"], "locked_out");
    let f = &v["findings"][0];
    for field in ["rule", "severity", "address", "message"] {
        assert!(f.get(field).is_some(), "findings[0].{field} missing");
    }
    assert_eq!(f["rule"], "key-locked-out");
    assert_eq!(v["summary"]["result"], "fail");
}

#[test]
fn verdict_before_is_null_for_a_created_key() {
    let (_, v) = json(&["testdata/policy-unknown/created-with-default-policy/plan.json"]);
    assert!(v["keys"][0]["verdict_before"].is_null());
    assert_eq!(v["keys"][0]["verdict"], "manageable");
}

#[test]
fn query_applies_jmespath_to_the_json_report() {
    let r = run(&[
        "check",
        "--query",
        "keys[?verdict=='locked_out'].address",
        LOCKED,
        CLEAN,
    ]);
    assert_eq!(r.code, 1, "the exit code still follows the findings");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v, serde_json::json!(["aws_kms_key.data"]));
    let r = run(&["check", "--query", "summary.verdicts.locked_out", LOCKED]);
    assert_eq!(r.stdout.trim(), "1");
}

#[test]
fn invalid_query_exits_2_with_one_line() {
    let r = run(&["check", "--query", "keys[?", LOCKED]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with("kmsguard: error: invalid --query expression"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.trim_end().lines().count(), 1);
}

#[test]
fn reads_standard_input() {
    let plan = std::fs::read(LOCKED).unwrap();
    let r = run_with(
        kmsguard()
            .args(["check", "--format", "json", "-"])
            .write_stdin(plan),
    );
    assert_eq!(r.code, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["keys"][0]["source"], "-");
}

#[test]
fn color_is_off_when_not_a_terminal_and_on_when_forced() {
    let plain = run(&["check", LOCKED]);
    assert!(!plain.stdout.contains('\u{1b}'));
    let forced = run(&["check", "--color", "always", LOCKED]);
    assert!(forced.stdout.contains("\u{1b}["));
    let never = run_with(
        kmsguard()
            .args(["check", "--color", "never", LOCKED])
            .env("CLICOLOR_FORCE", "1"),
    );
    assert!(!never.stdout.contains('\u{1b}'));
}

#[test]
fn no_color_is_honoured_in_auto_mode() {
    let r = run_with(
        kmsguard()
            .args(["check", "--color", "auto", LOCKED])
            .env("NO_COLOR", "1"),
    );
    assert!(!r.stdout.contains('\u{1b}'));
}

#[test]
fn rules_subcommand_lists_every_rule_with_its_docs_anchor() {
    let r = run(&["rules"]);
    assert_eq!(r.code, 0);
    let docs = std::fs::read_to_string("docs/rules.md").unwrap();
    let readme = std::fs::read_to_string("README.md").unwrap();
    let listed = r
        .stdout
        .lines()
        .filter(|l| l.contains("docs/rules.md#"))
        .count();
    assert_eq!(listed, kmsguard::RULES.len(), "{}", r.stdout);
    for id in kmsguard::RULES.iter().map(|r| r.id) {
        assert!(
            r.stdout.contains(&format!("docs/rules.md#{id}")),
            "{id} missing from `kmsguard rules`"
        );
        assert!(
            docs.contains(&format!("<a id=\"{id}\"></a>")),
            "docs/rules.md has no anchor for {id}"
        );
        assert!(
            readme.contains(&format!("[`{id}`](docs/rules.md#{id})")),
            "README's table of rules lacks {id}"
        );
    }
}

#[test]
fn quick_start_commands_in_readme_are_the_ones_ci_runs() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let quick = readme
        .split("## Quick start")
        .nth(1)
        .expect("README has a Quick start section");
    let block = quick
        .split("```")
        .nth(1)
        .expect("Quick start has a fenced block");
    let commands: Vec<&str> = block
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(commands.len(), 2, "exactly two commands: {commands:?}");
    assert!(
        commands[0].contains(" check ") && commands[0].contains("testdata/"),
        "{}",
        commands[0]
    );
    let ci = std::fs::read_to_string(".ci/run").unwrap();
    assert!(
        ci.contains(commands[1].trim()),
        ".ci/run must run the README's test command: {}",
        commands[1]
    );
    // The example in the first command contains a lockout.
    let example = commands[0]
        .split_whitespace()
        .find(|w| w.starts_with("testdata/"))
        .unwrap();
    assert_eq!(run(&["check", example]).code, 1);
}

#[test]
fn explain_shows_each_candidate_and_statement() {
    for (name, plan) in [
        (
            "replaced_admin",
            "testdata/key-locked-out/role-replaced/plan.json",
        ),
        (
            "breakglass_deleted",
            "testdata/key-recoverable-only/breakglass-deleted/plan.json",
        ),
        (
            "created_unknown_policy",
            "testdata/policy-unknown/created-with-computed-policy/plan.json",
        ),
    ] {
        let r = run(&[
            "explain",
            "--color",
            "never",
            "--key",
            "aws_kms_key.data",
            plan,
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        insta::assert_snapshot!(format!("explain_text__{name}"), r.stdout);
        let r = run(&[
            "explain",
            "--format",
            "json",
            "--key",
            "aws_kms_key.data",
            plan,
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        insta::assert_json_snapshot!(format!("explain_json__{name}"), v);
    }
}

#[test]
fn explain_an_unknown_key_exits_2_and_lists_the_keys() {
    let r = run(&["explain", "--key", "aws_kms_key.nope", LOCKED]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("no KMS key with address \"aws_kms_key.nope\""),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("aws_kms_key.data"), "{}", r.stderr);
}

/// Every subcommand's `--help` shows an example, and `kmsguard man` has a page per
/// subcommand with every option and the exit status.
#[test]
fn every_subcommand_has_help_with_an_example_and_a_complete_man_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    let r = run(&["man", "--out-dir", crate::common::path_str(&out)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let subcommands = ["check", "explain", "rules", "completions", "man"];
    for sub in subcommands {
        let help = run(&[sub, "--help"]);
        assert_eq!(help.code, 0);
        assert!(
            help.stdout.contains("Example"),
            "{sub} --help:\n{}",
            help.stdout
        );
        let page = std::fs::read_to_string(out.join(format!("kmsguard-{sub}.1"))).unwrap();
        assert!(page.contains("EXIT STATUS"), "{sub}");
        // Every long option of the subcommand is on its page (roff escapes `-` as `\-`).
        for line in help
            .stdout
            .lines()
            .filter(|l| l.trim_start().starts_with('-'))
        {
            let Some(opt) = line
                .trim_start()
                .split([' ', ',', '=', '<'])
                .find(|w| w.starts_with("--"))
            else {
                continue;
            };
            let roff = opt.replace('-', "\\-");
            assert!(page.contains(&roff), "{sub}: {opt} is not in its man page");
        }
        let printed = run(&["man", sub]);
        assert_eq!(printed.code, 0);
        assert_eq!(
            printed.stdout, page,
            "`man {sub}` prints the page --out-dir writes"
        );
    }
    let top = std::fs::read_to_string(out.join("kmsguard.1")).unwrap();
    for sub in subcommands {
        assert!(
            top.contains(&format!("kmsguard\\-{sub}(1)")),
            "SEE ALSO {sub}"
        );
    }
    let r = run(&["man", "nope"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no man page"), "{}", r.stderr);
}

/// `cargo install kmsguard` gets the binary's sources and docs, not the test data, the
/// benches, the fuzz targets or the Action's scripts (`cargo publish --dry-run` also builds
/// it; run by hand: it needs the registry).
#[test]
fn the_published_package_holds_the_sources_and_no_test_data() {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "package",
            "--list",
            "--locked",
            "--allow-dirty",
            "--offline",
        ])
        .current_dir(crate::common::repo())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = String::from_utf8(out.stdout).unwrap();
    for needed in [
        "src/main.rs",
        "src/lib.rs",
        "Cargo.lock",
        "LICENSE",
        "README.md",
        "docs/audit.md",
    ] {
        assert!(
            list.lines().any(|l| l == needed),
            "{needed} missing:\n{list}"
        );
    }
    for line in list.lines() {
        assert!(
            ![
                "testdata/",
                "tests/",
                "benches/",
                "fuzz/",
                "action/",
                ".github/"
            ]
            .iter()
            .any(|p| line.starts_with(p)),
            "{line} is in the package"
        );
    }
}
