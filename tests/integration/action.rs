//! The GitHub Action: action.yml validates against the Action metadata schema, and its
//! composite steps, run with bash the way a runner runs them, gate a failing and a passing
//! plan, write the outputs, the job summary and the SARIF file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{path_str, repo, shared_dir};

fn action() -> serde_json::Value {
    let text = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    serde_yaml_ng::from_str(&text).expect("action.yml is YAML")
}

#[test]
fn action_yml_validates_against_the_metadata_schema() {
    let Some(dir) = shared_dir("KMSGUARD_SCHEMAS_DIR", "schemas") else {
        return;
    };
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("github-action.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let doc = action();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(
        !validator.is_valid(&serde_json::json!({"name": "x"})),
        "the schema rejects an incomplete action"
    );
}

#[test]
fn inputs_reach_scripts_only_through_env() {
    for step in action()["runs"]["steps"].as_array().unwrap() {
        if let Some(script) = step["run"].as_str() {
            assert!(
                !script.contains("${{"),
                "no expression inside run: {script}"
            );
        }
        if let Some(uses) = step["uses"].as_str() {
            let sha = uses.split('@').nth(1).unwrap_or_default();
            assert!(
                sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                "pinned by SHA: {uses}"
            );
        }
    }
}

struct ActionRun {
    code: i32,
    log: String,
    outputs: BTreeMap<String, String>,
    summary: String,
    sarif: Option<serde_json::Value>,
}

/// Resolves the `${{ ... }}` expressions this action uses in `env:` and `if:`.
fn expr(value: &str, inputs: &BTreeMap<&str, String>, env: &BTreeMap<String, String>) -> String {
    let mut out = value.to_owned();
    while let Some(start) = out.find("${{") {
        let end = out[start..].find("}}").expect("closed expression") + start;
        let inner = out[start + 3..end].trim();
        let v = if let Some(name) = inner.strip_prefix("inputs.") {
            inputs.get(name).cloned().unwrap_or_default()
        } else if inner == "github.action_path" {
            path_str(&repo()).to_owned()
        } else if inner == "runner.temp" {
            env["RUNNER_TEMP"].clone()
        } else {
            panic!("expression the test does not know: {inner}")
        };
        out.replace_range(start..end + 2, &v);
    }
    out
}

/// `inputs.NAME == 'VALUE'` (the only kind of condition the action uses).
fn condition(cond: &str, inputs: &BTreeMap<&str, String>) -> bool {
    let (lhs, rhs) = cond.split_once("==").expect("an == condition");
    let name = lhs
        .trim()
        .strip_prefix("inputs.")
        .expect("a condition on an input");
    inputs[name] == rhs.trim().trim_matches('\'')
}

/// Runs the composite steps with bash as a runner would, with `kmsguard` on PATH
/// (`version: path`), and `extra_path` first on PATH.
fn run_action(given: &[(&str, &str)], extra_path: Option<&Path>) -> ActionRun {
    let doc = action();
    let mut inputs: BTreeMap<&str, String> = BTreeMap::new();
    for (name, spec) in doc["inputs"].as_object().unwrap() {
        inputs.insert(
            name.as_str(),
            spec["default"].as_str().unwrap_or_default().to_owned(),
        );
    }
    for (k, v) in given {
        assert!(inputs.contains_key(k), "unknown input {k}");
        inputs.insert(k, (*v).to_owned());
    }
    let work = tempfile::tempdir().unwrap();
    let outputs_file = work.path().join("github_output");
    let summary_file = work.path().join("step_summary");
    let path_file = work.path().join("github_path");
    let runner_temp = work.path().join("runner_temp");
    std::fs::create_dir(&runner_temp).unwrap();
    for f in [&outputs_file, &summary_file, &path_file] {
        std::fs::write(f, "").unwrap();
    }
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_kmsguard"))
        .parent()
        .unwrap()
        .to_path_buf();
    let mut path = format!(
        "{}:{}",
        path_str(&bin_dir),
        std::env::var("PATH").unwrap_or_default()
    );
    if let Some(p) = extra_path {
        path = format!("{}:{path}", path_str(p));
    }
    let mut base_env: BTreeMap<String, String> = BTreeMap::new();
    base_env.insert("PATH".into(), path);
    base_env.insert("GITHUB_OUTPUT".into(), path_str(&outputs_file).into());
    base_env.insert("GITHUB_STEP_SUMMARY".into(), path_str(&summary_file).into());
    base_env.insert("GITHUB_PATH".into(), path_str(&path_file).into());
    base_env.insert("RUNNER_TEMP".into(), path_str(&runner_temp).into());
    base_env.insert("RUNNER_OS".into(), "Linux".into());
    base_env.insert("HOME".into(), std::env::var("HOME").unwrap_or_default());

    let mut log = String::new();
    let mut code = 0;
    for step in doc["runs"]["steps"].as_array().unwrap() {
        if let Some(cond) = step["if"].as_str() {
            if !condition(cond, &inputs) {
                continue;
            }
        }
        let Some(script) = step["run"].as_str() else {
            panic!("a step that `uses:` runs only with version: source: {step}");
        };
        assert_eq!(step["shell"], "bash");
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script]);
        cmd.env_clear().envs(&base_env).current_dir(repo());
        for (k, v) in step["env"].as_object().into_iter().flatten() {
            cmd.env(k, expr(v.as_str().unwrap(), &inputs, &base_env));
        }
        let out = cmd.output().unwrap();
        log.push_str(&String::from_utf8_lossy(&out.stdout));
        log.push_str(&String::from_utf8_lossy(&out.stderr));
        code = out.status.code().unwrap();
        if code != 0 {
            break;
        }
    }
    let outputs = std::fs::read_to_string(&outputs_file)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect();
    let sarif_path = repo().join(&inputs["sarif-file"]);
    let sarif = (!inputs["sarif-file"].is_empty() && sarif_path.is_file()).then(|| {
        let v = serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
        std::fs::remove_file(&sarif_path).unwrap();
        v
    });
    ActionRun {
        code,
        log,
        outputs,
        summary: std::fs::read_to_string(&summary_file).unwrap(),
        sarif,
    }
}

fn sarif_name(tag: &str) -> String {
    format!("target/action-test-{tag}-{}.sarif", std::process::id())
}

#[test]
fn the_action_fails_on_a_lockout_after_writing_summary_sarif_and_outputs() {
    let sarif = sarif_name("fail");
    let r = run_action(
        &[
            ("plan", "testdata/examples/lockout-plan.json"),
            ("config-dir", "testdata/examples/terraform"),
            ("sarif-file", &sarif),
            ("version", "path"),
        ],
        None,
    );
    assert_eq!(r.code, 1, "{}", r.log);
    assert_eq!(r.outputs["verdict"], "fail");
    assert_eq!(r.outputs["locked-out-count"], "1");
    assert_eq!(r.outputs["sarif-file"], sarif);
    assert!(
        r.summary
            .starts_with("❌ **kmsguard**: this plan leaves 1 KMS key"),
        "{}",
        r.summary
    );
    let s = r.sarif.expect("SARIF written");
    assert_eq!(s["runs"][0]["results"][0]["ruleId"], "key-locked-out");
    assert!(
        r.log.contains("error[key-locked-out]"),
        "the text report is in the log"
    );
    assert!(
        r.log
            .contains("::error file=testdata/examples/terraform/kms.tf,line=1,"),
        "annotations: {}",
        r.log
    );
}

#[test]
fn the_action_passes_a_clean_plan() {
    let sarif = sarif_name("pass");
    let r = run_action(
        &[
            (
                "plan",
                "testdata/lockout-check-bypassed/bypass-unset.json\ntestdata/assumed/external-admin.json",
            ),
            ("sarif-file", &sarif),
            ("annotations", "false"),
            ("version", "path"),
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.log);
    assert_eq!(r.outputs["verdict"], "pass");
    assert_eq!(r.outputs["locked-out-count"], "0");
    assert!(r.summary.starts_with("✅"), "{}", r.summary);
    assert_eq!(
        r.sarif.expect("SARIF written")["runs"][0]["results"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert!(
        !r.log.lines().any(|l| l.starts_with("::")),
        "no annotations: {}",
        r.log
    );
}

#[test]
fn the_action_honours_fail_on_and_summary_off() {
    let r = run_action(
        &[
            ("plan", "testdata/examples/lockout-plan.json"),
            ("fail-on", "never"),
            ("summary", "false"),
            ("sarif-file", ""),
            ("version", "path"),
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.log);
    assert_eq!(r.outputs["verdict"], "pass");
    assert_eq!(r.outputs["locked-out-count"], "1");
    assert!(r.summary.is_empty());
    assert!(r.sarif.is_none());
}

#[test]
fn the_action_converts_a_binary_planfile_with_terraform_show() {
    let d = tempfile::tempdir().unwrap();
    // A stand-in `terraform` that answers `show -json FILE` like the real one.
    let fake = d.path().join("terraform");
    let json = repo().join("testdata/examples/lockout-plan.json");
    std::fs::write(
        &fake,
        format!("#!/usr/bin/env bash\n[ \"$1 $2\" = \"show -json\" ] || exit 64\n[ -f \"$3\" ] || exit 65\ncat '{}'\n", path_str(&json)),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let planfile = d.path().join("plan.out");
    std::fs::write(&planfile, b"PK\x03\x04binary planfile").unwrap();
    let r = run_action(
        &[
            ("plan", path_str(&planfile)),
            ("sarif-file", ""),
            ("version", "path"),
        ],
        Some(d.path()),
    );
    assert_eq!(r.code, 1, "{}", r.log);
    assert!(r.log.contains("converting"), "{}", r.log);
    assert_eq!(r.outputs["locked-out-count"], "1");
}

#[test]
fn the_action_explains_a_binary_planfile_it_cannot_convert() {
    let d = tempfile::tempdir().unwrap();
    let planfile = d.path().join("plan.out");
    std::fs::write(&planfile, b"PK\x03\x04binary planfile").unwrap();
    // An empty folder first on PATH hides nothing; make sure no terraform/tofu is found.
    if which("terraform") || which("tofu") {
        eprintln!("skipped: terraform or tofu is installed here");
        return;
    }
    let r = run_action(
        &[
            ("plan", path_str(&planfile)),
            ("sarif-file", ""),
            ("version", "path"),
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.log);
    assert!(
        r.log
            .contains("binary planfile and neither terraform nor tofu is on PATH"),
        "{}",
        r.log
    );
}

fn which(tool: &str) -> bool {
    Command::new("bash")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}
