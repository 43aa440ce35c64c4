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

pub struct ActionRun {
    pub code: i32,
    pub log: String,
    pub outputs: BTreeMap<String, String>,
    /// `$GITHUB_OUTPUT` as written.
    pub outputs_raw: String,
    pub summary: String,
    pub sarif: Option<serde_json::Value>,
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

/// One job on a runner: its temporary folder and files live as long as the runner, so that
/// several runs of the action in one job can be tested.
pub struct Runner {
    pub work: tempfile::TempDir,
    /// Folders first on PATH.
    pub extra_path: Vec<PathBuf>,
    /// Leave terraform and tofu off PATH.
    pub hide_terraform: bool,
}

impl Default for Runner {
    fn default() -> Self {
        Runner::new()
    }
}

impl Runner {
    pub fn new() -> Runner {
        let work = tempfile::tempdir().unwrap();
        std::fs::create_dir(work.path().join("runner_temp")).unwrap();
        for f in ["github_output", "step_summary", "github_path"] {
            std::fs::write(work.path().join(f), "").unwrap();
        }
        Runner {
            work,
            extra_path: Vec::new(),
            hide_terraform: false,
        }
    }

    /// A path in the runner's work folder (for a SARIF file, say).
    pub fn file(&self, name: &str) -> String {
        path_str(&self.work.path().join(name)).to_owned()
    }

    fn path_var(&self) -> String {
        let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_kmsguard"))
            .parent()
            .unwrap()
            .to_path_buf();
        let mut dirs = self.extra_path.clone();
        dirs.push(bin_dir);
        for d in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            let has_terraform = ["terraform", "tofu"].iter().any(|t| d.join(t).is_file());
            if !(self.hide_terraform && has_terraform) {
                dirs.push(d);
            }
        }
        std::env::join_paths(dirs).unwrap().into_string().unwrap()
    }

    /// Runs the composite steps with bash as a runner would, with `kmsguard` on PATH
    /// (`version: path`).
    pub fn run(&self, given: &[(&str, &str)]) -> ActionRun {
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
        let w = self.work.path();
        let mut base_env: BTreeMap<String, String> = BTreeMap::new();
        base_env.insert("PATH".into(), self.path_var());
        for (var, file) in [
            ("GITHUB_OUTPUT", "github_output"),
            ("GITHUB_STEP_SUMMARY", "step_summary"),
            ("GITHUB_PATH", "github_path"),
            ("RUNNER_TEMP", "runner_temp"),
        ] {
            base_env.insert(var.into(), path_str(&w.join(file)).into());
        }
        base_env.insert("RUNNER_OS".into(), "Linux".into());
        base_env.insert("RUNNER_ARCH".into(), "X64".into());
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
        let outputs_raw = std::fs::read_to_string(w.join("github_output")).unwrap();
        let outputs = outputs_raw
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
            outputs_raw,
            summary: std::fs::read_to_string(w.join("step_summary")).unwrap(),
            sarif,
        }
    }
}

fn run_action(given: &[(&str, &str)], extra_path: Option<&Path>) -> ActionRun {
    let mut r = Runner::new();
    r.extra_path.extend(extra_path.map(Path::to_path_buf));
    let sarif = r.file("kmsguard.sarif");
    let mut given: Vec<(&str, &str)> = given.to_vec();
    if !given.iter().any(|(k, _)| *k == "sarif-file") {
        given.push(("sarif-file", &sarif));
    }
    r.run(&given)
}

#[test]
fn the_action_fails_on_a_lockout_after_writing_summary_sarif_and_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let sarif = path_str(&tmp.path().join("kmsguard.sarif")).to_owned();
    let r = run_action(
        &[
            ("plan", "testdata/examples/lockout/plan.json"),
            ("config-dir", "testdata/examples/lockout"),
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
            .contains("::error file=testdata/examples/lockout/kms.tf,line=1,"),
        "annotations: {}",
        r.log
    );
}

#[test]
fn the_action_passes_a_clean_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let sarif = path_str(&tmp.path().join("kmsguard.sarif")).to_owned();
    let r = run_action(
        &[
            (
                "plan",
                "testdata/lockout-check-bypassed/bypass-unset/plan.json\ntestdata/assumed/external-admin/plan.json",
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
    // A clean plan has no error; the only warning is the preventive one (a key with one
    // administrator named in Principal).
    let sarif = r.sarif.expect("SARIF written");
    let rules: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["ruleId"].as_str().unwrap())
        .collect();
    assert!(
        rules.iter().all(|r| *r == "one-deletion-from-lockout"),
        "{rules:?}"
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
            ("plan", "testdata/examples/lockout/plan.json"),
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
    let json = repo().join("testdata/examples/lockout/plan.json");
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
    let mut runner = Runner::new();
    runner.hide_terraform = true;
    let r = runner.run(&[
        ("plan", path_str(&planfile)),
        ("sarif-file", ""),
        ("version", "path"),
    ]);
    assert_eq!(r.code, 2, "{}", r.log);
    assert!(
        r.log
            .contains("binary planfile and neither terraform nor tofu is on PATH"),
        "{}",
        r.log
    );
}

/// The plan input takes globs, one per line: expanded by bash (sorted, `**` across
/// folders), never split on spaces or run; a glob that matches nothing stops the step.
#[test]
fn the_plan_input_takes_globs_safely() {
    let tmp = tempfile::tempdir().unwrap();
    let sarif = path_str(&tmp.path().join("kmsguard.sarif")).to_owned();
    let r = run_action(
        &[
            (
                "plan",
                "testdata/request/deny-*/plan.json\n  testdata/binding/**/plan.json  ",
            ),
            ("sarif-file", &sarif),
            ("annotations", "false"),
            ("version", "path"),
        ],
        None,
    );
    assert_eq!(r.code, 1, "{}", r.log);
    // Six deny-* scenarios and three binding ones.
    assert!(r.log.contains("9 inputs"), "{}", r.log);
    let marker = tmp.path().join("pwned");
    let pattern = format!("testdata/*$(touch {})*.json", path_str(&marker));
    let r = run_action(&[("plan", &pattern), ("version", "path")], None);
    assert_eq!(r.code, 2, "{}", r.log);
    assert!(
        r.log.contains("::error title=kmsguard::the plan glob"),
        "{}",
        r.log
    );
    assert!(!marker.exists(), "a glob is never run");
}

/// The pre-commit hook (`.pre-commit-hooks.yaml`): the fields pre-commit needs, and its entry
/// run on plan files as pre-commit runs it (the files appended).
#[test]
fn the_pre_commit_hook_checks_plan_files() {
    let text =
        std::fs::read_to_string(crate::common::repo().join(".pre-commit-hooks.yaml")).unwrap();
    let hooks: Vec<serde_json::Value> = serde_yaml_ng::from_str(&text).unwrap();
    assert_eq!(hooks.len(), 1);
    let h = &hooks[0];
    for field in ["id", "name", "entry", "language", "files"] {
        assert!(h[field].is_string(), "{field} is missing");
    }
    assert_eq!(h["id"], "kmsguard");
    assert_eq!(h["language"], "rust");
    let entry: Vec<&str> = h["entry"].as_str().unwrap().split_whitespace().collect();
    assert_eq!(entry[0], "kmsguard");
    let run = |plan: &str| {
        let mut args: Vec<&str> = entry[1..].to_vec();
        args.push(plan);
        crate::common::run(&args).code
    };
    assert_eq!(run("testdata/examples/lockout/plan.json"), 1);
    assert_eq!(run("testdata/acceptance/key-basic/plan.json"), 0);
}
