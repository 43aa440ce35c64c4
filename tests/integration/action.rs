//! The GitHub Action: action.yml validates against the Action metadata schema, and its
//! composite steps, run with bash the way a runner runs them, gate a failing and a passing
//! plan, write the outputs, the job summary and the SARIF file.

use std::collections::BTreeMap;
use std::io::Write;
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

/// Resolves the `${{ ... }}` expressions this action uses in `env:` and `if:`: inputs, the
/// action's path, the runner's temporary folder, and earlier steps' outputs (read from
/// `$GITHUB_OUTPUT`, where this harness's steps all write).
fn expr(
    value: &str,
    inputs: &BTreeMap<&str, String>,
    env: &BTreeMap<String, String>,
    action_path: &Path,
) -> String {
    let mut out = value.to_owned();
    while let Some(start) = out.find("${{") {
        let end = out[start..].find("}}").expect("closed expression") + start;
        let inner = out[start + 3..end].trim();
        let v = if let Some(name) = inner.strip_prefix("inputs.") {
            inputs.get(name).cloned().unwrap_or_default()
        } else if inner == "github.action_path" {
            path_str(action_path).to_owned()
        } else if inner == "runner.temp" {
            env["RUNNER_TEMP"].clone()
        } else if let Some(rest) = inner.strip_prefix("steps.") {
            let (_, name) = rest.split_once(".outputs.").expect("steps.ID.outputs.NAME");
            let written = std::fs::read_to_string(&env["GITHUB_OUTPUT"]).unwrap();
            written
                .lines()
                .filter_map(|l| l.split_once('='))
                .rfind(|(k, _)| *k == name)
                .map(|(_, v)| v.to_owned())
                .unwrap_or_default()
        } else {
            panic!("expression the test does not know: {inner}")
        };
        out.replace_range(start..end + 2, &v);
    }
    out
}

/// `inputs.NAME == 'VALUE'` or `!=` (the only kinds of condition the action uses).
fn condition(cond: &str, inputs: &BTreeMap<&str, String>) -> bool {
    let (lhs, rhs, equal) = match cond.split_once("!=") {
        Some((l, r)) => (l, r, false),
        None => {
            let (l, r) = cond.split_once("==").expect("an == or != condition");
            (l, r, true)
        }
    };
    let name = lhs
        .trim()
        .strip_prefix("inputs.")
        .expect("a condition on an input");
    (inputs[name] == rhs.trim().trim_matches('\'')) == equal
}

/// One job on a runner: its temporary folder and files live as long as the runner, so that
/// several runs of the action in one job can be tested.
pub struct Runner {
    pub work: tempfile::TempDir,
    /// Folders first on PATH.
    pub extra_path: Vec<PathBuf>,
    /// Leave terraform and tofu off PATH.
    pub hide_terraform: bool,
    /// The action's checkout (`github.action_path`); the repository by default.
    pub action_path: PathBuf,
    /// More environment variables for every step (job-level `env:`).
    pub env: Vec<(String, String)>,
    /// Leave the kmsguard this test suite built off PATH (a release install must bring its own).
    pub hide_kmsguard: bool,
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
            action_path: repo(),
            env: Vec::new(),
            hide_kmsguard: false,
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
        // Folders the steps added to `$GITHUB_PATH` come first, as on a runner.
        let added = std::fs::read_to_string(self.work.path().join("github_path")).unwrap();
        dirs.extend(added.lines().rev().map(PathBuf::from));
        if !self.hide_kmsguard {
            dirs.push(bin_dir);
        }
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
        for (k, v) in &self.env {
            base_env.insert(k.clone(), v.clone());
        }

        let mut log = String::new();
        let mut code = 0;
        for step in doc["runs"]["steps"].as_array().unwrap() {
            if let Some(cond) = step["if"].as_str() {
                if !condition(cond, &inputs) {
                    continue;
                }
            }
            // The cache step: a cold runner (the cache is empty).
            let Some(script) = step["run"].as_str() else {
                assert!(step["uses"].as_str().unwrap().starts_with("actions/cache@"));
                continue;
            };
            assert_eq!(step["shell"], "bash");
            let mut cmd = Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script]);
            cmd.env_clear()
                .envs(&base_env)
                .env("PATH", self.path_var())
                .current_dir(repo());
            for (k, v) in step["env"].as_object().into_iter().flatten() {
                cmd.env(
                    k,
                    expr(v.as_str().unwrap(), &inputs, &base_env, &self.action_path),
                );
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

/// A release as `.github/workflows/release.yml` publishes it, served over HTTP on 127.0.0.1,
/// and a copy of the action whose `action/checksums/` pins it.
struct Release {
    _dir: tempfile::TempDir,
    action: PathBuf,
    /// `http://127.0.0.1:PORT` (the server serves `VERSION/ARCHIVE`).
    base: String,
    server: std::process::Child,
}

impl Drop for Release {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

const TARGET: &str = "x86_64-unknown-linux-musl";

fn sha256_of(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_owned()
}

/// Publishes `v9.9.9` (right), `v9.9.8` (its archive truncated after its checksum was
/// pinned) and `v9.9.7` (pinned with another archive's checksum) of this build.
fn release() -> Option<Release> {
    if Command::new("python3").arg("--version").output().is_err() {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED action::the_action_downloads_a_release…: no python3 to serve the release over HTTP"
        );
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("www");
    let action = dir.path().join("action-checkout");
    std::fs::create_dir_all(action.join("action/checksums")).unwrap();
    std::fs::copy(repo().join("action.yml"), action.join("action.yml")).unwrap();
    for f in ["resolve.sh", "install.sh", "run.sh"] {
        std::fs::copy(repo().join("action").join(f), action.join("action").join(f)).unwrap();
    }
    let cargo = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap();
    let own = format!("version = \"{}\"", env!("CARGO_PKG_VERSION"));
    std::fs::write(
        action.join("Cargo.toml"),
        cargo.replacen(&own, "version = \"9.9.9\"", 1),
    )
    .unwrap();
    let binary = env!("CARGO_BIN_EXE_kmsguard");
    let mut archives = Vec::new();
    for v in ["v9.9.9", "v9.9.8", "v9.9.7"] {
        let out = Command::new("bash")
            .arg(repo().join("scripts/package-release.sh"))
            .args([v, TARGET, binary])
            .arg(files.join(v))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let archive = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
        let name = archive.file_name().unwrap().to_str().unwrap().to_owned();
        archives.push((v, archive, name));
    }
    let pin = |v: &str, sum: &str, name: &str| {
        std::fs::write(
            action.join(format!("action/checksums/{v}.sha256")),
            format!("{sum}  {name}\n"),
        )
        .unwrap();
    };
    let (_, a9, n9) = &archives[0];
    pin("v9.9.9", &sha256_of(a9), n9);
    let (_, a8, n8) = &archives[1];
    pin("v9.9.8", &sha256_of(a8), n8);
    let bytes = std::fs::read(a8).unwrap();
    std::fs::write(a8, &bytes[..bytes.len() / 2]).unwrap();
    let (_, _, n7) = &archives[2];
    pin("v9.9.7", &sha256_of(a9), n7);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Command::new("python3")
        .args([
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            &port.to_string(),
            "--directory",
        ])
        .arg(&files)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the HTTP server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Some(Release {
        _dir: dir,
        action,
        base: format!("http://127.0.0.1:{port}"),
        server,
    })
}

fn release_runner(rel: &Release, arch: &str) -> Runner {
    let mut r = Runner::new();
    r.action_path = rel.action.clone();
    r.hide_kmsguard = true;
    r.env = vec![
        ("KMSGUARD_RELEASE_BASE_URL".into(), rel.base.clone()),
        ("RUNNER_ARCH".into(), arch.into()),
    ];
    r
}

// The download path of the Action, against a release served on 127.0.0.1: only an archive
// whose SHA-256 matches the checksum pinned in the action's own checkout is run.
#[test]
fn the_action_downloads_a_release_verifies_it_against_pinned_checksums_and_runs_it() {
    let Some(rel) = release() else { return };
    let plan = "testdata/examples/lockout/plan.json";

    // The action's own version (Cargo.toml at this ref): downloaded, verified, run.
    let r = release_runner(&rel, "X64");
    let sarif = r.file("k.sarif");
    let run = r.run(&[("plan", plan), ("sarif-file", &sarif)]);
    assert_eq!(
        run.code, 1,
        "the plan's lockout fails the step: {}",
        run.log
    );
    assert!(
        run.log
            .contains("kmsguard v9.9.9 (x86_64-unknown-linux-musl), SHA-256"),
        "{}",
        run.log
    );
    assert!(run.log.contains("error[key-locked-out]"), "{}", run.log);
    assert_eq!(run.outputs["verdict"], "fail");
    // The same runner again: the archive is in the install folder (as the cache restores
    // it), verified again, not downloaded again.
    let again = r.run(&[("plan", plan), ("sarif-file", &sarif)]);
    assert!(again.log.contains("using the cached"), "{}", again.log);

    // Refused: nothing is extracted or run, and the step says why.
    for (version, arch, why) in [
        (
            "9.9.7",
            "X64",
            "does not match the checksum pinned in this action",
        ),
        (
            "9.9.8",
            "X64",
            "does not match the checksum pinned in this action",
        ),
        ("", "ARM", "kmsguard has no release for Linux on ARM"),
        (
            "9.9.6",
            "X64",
            "no checksums for kmsguard v9.9.6 are pinned in this action",
        ),
        ("latest", "X64", "version must be a release version"),
    ] {
        let r = release_runner(&rel, arch);
        let run = r.run(&[("plan", plan), ("version", version)]);
        assert_eq!(run.code, 1, "{version} {arch}: {}", run.log);
        assert!(
            run.log.contains("::error title=kmsguard::") && run.log.contains(why),
            "{version} {arch}: {}",
            run.log
        );
        assert!(
            !run.outputs.contains_key("verdict"),
            "nothing ran: {}",
            run.log
        );
        let path = std::fs::read_to_string(r.work.path().join("github_path")).unwrap();
        assert!(path.is_empty(), "nothing added to PATH: {path}");
        if arch == "ARM" {
            assert!(!run.log.contains("downloading"), "{}", run.log);
        }
    }
}

// `cargo binstall kmsguard` finds the archives the release publishes: the URL and the binary
// path `[package.metadata.binstall]` gives are the names scripts/package-release.sh writes.
#[test]
fn binstall_metadata_names_the_release_archives() {
    let cargo: toml::Value =
        toml::from_str(&std::fs::read_to_string(repo().join("Cargo.toml")).unwrap()).unwrap();
    let meta = &cargo["package"]["metadata"]["binstall"];
    let version = cargo["package"]["version"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .arg(repo().join("scripts/package-release.sh"))
        .args([
            &format!("v{version}"),
            TARGET,
            env!("CARGO_BIN_EXE_kmsguard"),
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let archive = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    let fill = |t: &str| {
        t.replace("{ repo }", cargo["package"]["repository"].as_str().unwrap())
            .replace("{ version }", version)
            .replace("{ target }", TARGET)
            .replace("{ archive-suffix }", ".tar.gz")
            .replace("{ bin }", "kmsguard")
            .replace("{ binary-ext }", "")
    };
    let url = fill(meta["pkg-url"].as_str().unwrap());
    assert_eq!(
        url.rsplit('/').next().unwrap(),
        archive.file_name().unwrap().to_str().unwrap()
    );
    assert!(url.contains(&format!("/releases/download/v{version}/")));
    let listing = Command::new("tar")
        .arg("-tzf")
        .arg(&archive)
        .output()
        .unwrap();
    let listing = String::from_utf8(listing.stdout).unwrap();
    let bin = fill(meta["bin-dir"].as_str().unwrap());
    assert!(
        listing.lines().any(|l| l == bin),
        "{bin} not in:\n{listing}"
    );
}
