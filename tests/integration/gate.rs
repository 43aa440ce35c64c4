//! The gate a platform team adopts (#12), end to end through the binary: how inputs are
//! given (folders, several documents in one file, a byte order mark, standard input once,
//! errored plans) and summaries that say what the verdicts are, also when the gate does not
//! enforce them.

use crate::common::{json, kmsguard, path_str, run, run_with};

const LOCKOUT: &str = "testdata/examples/lockout/plan.json";
const CLEAN: &str = "testdata/acceptance/key-basic/plan.json";
const UNDECIDED: &str = "testdata/binding/new-key-names-a-replaced-role/plan.json";
const ALREADY: &str = "testdata/already-locked-out/orphaned-before/plan.json";

fn read(p: &str) -> Vec<u8> {
    std::fs::read(crate::common::repo().join(p)).unwrap()
}

/// Each key's address and verdict in a JSON report.
fn verdicts(v: &serde_json::Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["address"].as_str().unwrap().to_owned(),
                k["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn standard_input_can_be_given_only_once() {
    let r = run_with(kmsguard().args(["check", "-", "-"]).write_stdin(""));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("more than once"), "{}", r.stderr);
}

#[test]
fn a_byte_order_mark_is_read_as_terraform_writes_it() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("bom.json");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(read(LOCKOUT));
    std::fs::write(&p, bytes).unwrap();
    let (code, v) = json(&[path_str(&p)]);
    let (_, plain) = json(&[LOCKOUT]);
    assert_eq!(code, 1);
    assert_eq!(verdicts(&v), verdicts(&plain));
    // Streamed the same.
    let (_, streamed) = json(&["--low-memory", path_str(&p)]);
    assert_eq!(verdicts(&streamed), verdicts(&plain));
}

#[test]
fn several_documents_in_one_file_are_each_an_input() {
    // As `terragrunt run-all show -json` writes them: one document after another.
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("all.json");
    let mut bytes = read(LOCKOUT);
    bytes.extend(b"\n");
    bytes.extend(read(CLEAN));
    std::fs::write(&p, &bytes).unwrap();
    let (code, v) = json(&[path_str(&p)]);
    assert_eq!(code, 1);
    let names: Vec<&str> = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["source"].as_str().unwrap())
        .collect();
    let base = path_str(&p);
    assert_eq!(names, [format!("{base}[1]"), format!("{base}[2]")]);
    assert_eq!(v["keys"].as_array().unwrap().len(), 3);
    // Through standard input as well.
    let r = run_with(
        kmsguard()
            .args(["check", "--format", "json", "-"])
            .write_stdin(bytes.clone()),
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["keys"].as_array().unwrap().len(), 3);
    // A broken document after good ones is an error for that document only.
    let mut broken = read(CLEAN);
    broken.extend(b"{\"format_version\": ");
    std::fs::write(&p, &broken).unwrap();
    let r = run(&["check", "--format", "json", path_str(&p)]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(&format!("{base}[2]")), "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["keys"].as_array().unwrap().len(), 1);
}

#[test]
fn a_folder_is_every_plan_and_state_inside_it() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    std::fs::create_dir_all(root.join("prod/kms")).unwrap();
    std::fs::create_dir_all(root.join("prod/.terraform")).unwrap();
    std::fs::write(root.join("prod/kms/plan.json"), read(LOCKOUT)).unwrap();
    std::fs::write(root.join("dev.json"), read(CLEAN)).unwrap();
    // Not inputs: a hidden folder, a JSON file that is no plan, a file that is no JSON.
    std::fs::write(root.join("prod/.terraform/plan.json"), read(LOCKOUT)).unwrap();
    std::fs::write(root.join("package.json"), br#"{"name":"x"}"#).unwrap();
    std::fs::write(root.join("README.md"), "# plans").unwrap();
    let r = run(&["check", "--format", "json", path_str(root)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("skipped") && r.stderr.contains("package.json"),
        "{}",
        r.stderr
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let mut sources: Vec<String> = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["source"].as_str().unwrap().to_owned())
        .collect();
    sources.sort();
    assert_eq!(
        sources,
        [
            path_str(&root.join("dev.json")).to_owned(),
            path_str(&root.join("prod/kms/plan.json")).to_owned()
        ]
    );
    assert_eq!(v["errors"].as_array().unwrap().len(), 0);
}

#[test]
fn an_errored_plan_is_refused_unless_allowed() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("errored.json");
    let mut doc: serde_json::Value = serde_json::from_slice(&read(LOCKOUT)).unwrap();
    doc["errored"] = serde_json::Value::Bool(true);
    std::fs::write(&p, doc.to_string()).unwrap();
    let r = run(&["check", path_str(&p), CLEAN]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("errored") && r.stderr.contains("--allow-errored"),
        "{}",
        r.stderr
    );
    // The other input is still checked.
    assert!(r.stdout.contains("aws_kms_key.test"), "{}", r.stdout);
    let (code, v) = json(&["--allow-errored", path_str(&p)]);
    assert_eq!(code, 1);
    assert!(
        v["inputs"][0]["notes"][0]
            .as_str()
            .unwrap()
            .contains("errored"),
        "{v}"
    );
}

/// A summary never says "every key stays manageable" above a key that is not: the headline
/// comes from the verdicts, and says when the gate did not enforce them (`--fail-on never`
/// is how teams soft-launch a gate).
#[test]
fn the_headline_comes_from_the_verdicts_not_from_the_gate() {
    let markdown = |args: &[&str]| {
        let mut full = vec!["check", "--format", "markdown"];
        full.extend_from_slice(args);
        let r = run(&full);
        r.stdout.lines().next().unwrap_or_default().to_owned()
    };
    let h = markdown(&["--fail-on", "never", LOCKOUT]);
    assert!(h.starts_with("⚠️"), "{h}");
    assert!(
        h.contains("leaves 1 KMS key with nobody able to manage it"),
        "{h}"
    );
    assert!(h.contains("not enforced"), "{h}");
    let h = markdown(&[UNDECIDED]);
    assert!(h.starts_with("⚠️") && h.contains("undecided"), "{h}");
    let h = markdown(&[ALREADY]);
    assert!(
        !h.starts_with("✅") && h.contains("already unmanageable"),
        "{h}"
    );
    let h = markdown(&[LOCKOUT]);
    assert!(h.starts_with("❌"), "{h}");
    let h = markdown(&[CLEAN]);
    assert!(h.starts_with("✅"), "{h}");
    // The same line in the text report and in JSON.
    let r = run(&["check", "--color", "never", "--fail-on", "never", LOCKOUT]);
    assert!(
        r.stdout.contains("not enforced (fail-on never)"),
        "{}",
        r.stdout
    );
    let (_, v) = json(&["--fail-on", "never", LOCKOUT]);
    assert!(
        v["summary"]["headline"]
            .as_str()
            .unwrap()
            .contains("not enforced"),
        "{v}"
    );
}

/// Two plans that each need their own source folder to be decided.
const A_PLAN: &str = "testdata/binding/new-key-names-a-replaced-role/plan.json";
const A_DIR: &str = "testdata/binding/new-key-names-a-replaced-role";
const B_PLAN: &str = "testdata/linking/module-for-each-each-value/plan.json";
const B_DIR: &str = "testdata/linking/module-for-each-each-value";

#[test]
fn each_input_is_evaluated_and_located_in_its_own_workspace() {
    let wa = format!("{A_PLAN}={A_DIR}");
    let wb = format!("{B_PLAN}={B_DIR}");
    let (code, v) = json(&["--workspace", &wa, "--workspace", &wb, A_PLAN, B_PLAN]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        verdicts(&v),
        [
            ("aws_kms_key.data".to_owned(), "manageable".to_owned()),
            (
                "module.kms[\"payments\"].aws_kms_key.this".to_owned(),
                "manageable".to_owned()
            ),
            (
                "module.kms[\"search\"].aws_kms_key.this".to_owned(),
                "manageable".to_owned()
            )
        ]
    );
    let ws: Vec<&str> = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["workspace"].as_str().unwrap())
        .collect();
    assert_eq!(ws, [A_DIR, B_DIR]);
    // Paired the wrong way round, neither source says anything about the other's key.
    let wrong_a = format!("{A_PLAN}={B_DIR}");
    let wrong_b = format!("{B_PLAN}={A_DIR}");
    let (_, v) = json(&[
        "--workspace",
        &wrong_a,
        "--workspace",
        &wrong_b,
        A_PLAN,
        B_PLAN,
    ]);
    assert!(
        verdicts(&v).iter().all(|(_, verdict)| verdict == "unknown"),
        "{v}"
    );
    // Several --config-dir are not paired by their order any more.
    let r = run(&[
        "check",
        "--config-dir",
        A_DIR,
        "--config-dir",
        B_DIR,
        A_PLAN,
        B_PLAN,
    ]);
    assert_eq!(r.code, 2);
    // A workspace for an input that is not given.
    let r = run(&["check", "--workspace", &wb, A_PLAN]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not one of the inputs"), "{}", r.stderr);
}

/// The report never depends on the order of the arguments: every permutation of the inputs
/// and of their workspace flags gives byte-identical reports, in every format.
#[test]
fn the_order_of_the_arguments_never_changes_a_report() {
    let wa = format!("{A_PLAN}={A_DIR}");
    let wb = format!("{B_PLAN}={B_DIR}");
    let iam = "testdata/multi/iam-workspace/plan.json";
    let kms = "testdata/multi/kms-workspace/plan.json";
    let orders: [[&str; 7]; 4] = [
        ["--workspace", &wa, "--workspace", &wb, A_PLAN, B_PLAN, iam],
        ["--workspace", &wb, "--workspace", &wa, B_PLAN, iam, A_PLAN],
        ["--workspace", &wa, "--workspace", &wb, iam, A_PLAN, B_PLAN],
        ["--workspace", &wb, "--workspace", &wa, kms, B_PLAN, A_PLAN],
    ];
    for format in ["text", "json", "sarif", "markdown", "github"] {
        let render = |args: &[&str]| {
            let mut full = vec!["check", "--color", "never", "--format", format];
            full.extend_from_slice(args);
            run(&full).stdout
        };
        let first = render(&orders[0]);
        for o in &orders[1..3] {
            assert_eq!(render(o), first, "{format}: {o:?}");
        }
        // And the other test scenarios with several inputs, either way round: two plans of
        // two workspaces, a state with the IAM plan.
        assert_eq!(render(&[kms, iam]), render(&[iam, kms]), "{format}");
        let state = "testdata/state/kms/state.json";
        assert_eq!(render(&[state, iam]), render(&[iam, state]), "{format}");
    }
}

/// The same module deployed twice (two inputs, here the same plan twice) gets two SARIF
/// fingerprints, so code scanning keeps two alerts; each result names its input.
#[test]
fn the_same_module_in_two_workspaces_gets_two_alerts() {
    let d = tempfile::tempdir().unwrap();
    let eu = d.path().join("eu.json");
    let us = d.path().join("us.json");
    std::fs::write(&eu, read(LOCKOUT)).unwrap();
    std::fs::write(&us, read(LOCKOUT)).unwrap();
    let r = run(&["check", "--format", "sarif", path_str(&eu), path_str(&us)]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let fps: Vec<&str> = results
        .iter()
        .map(|x| {
            x["partialFingerprints"]["kmsguardFinding/v2"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_ne!(fps[0], fps[1]);
    assert!(
        results[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("account 111122223333"),
        "{}",
        results[0]["message"]["text"]
    );
}

/// A folder with the lock-out plan and a configuration file; kmsguard runs in it.
fn with_config(toml: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("plan.json"), read(LOCKOUT)).unwrap();
    std::fs::write(d.path().join(".kmsguard.toml"), toml).unwrap();
    d
}

fn run_in(dir: &std::path::Path, args: &[&str]) -> crate::common::Run {
    run_with(kmsguard().current_dir(dir).args(args))
}

#[test]
fn a_configuration_file_is_found_upward_and_sets_the_gate() {
    let d = with_config("fail-on = \"never\"\n[rules.key-locked-out]\nseverity = \"warning\"\n");
    std::fs::create_dir(d.path().join("sub")).unwrap();
    // Found from a folder below, and named in the report.
    let r = run_in(
        &d.path().join("sub"),
        &["check", "--format", "json", "../plan.json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v["config"].as_str().unwrap().ends_with(".kmsguard.toml"));
    assert_eq!(v["summary"]["fail_on"], "never");
    assert_eq!(v["findings"][0]["severity"], "warning");
    // The command line wins; --no-config ignores the file.
    let r = run_in(d.path(), &["check", "--fail-on", "warning", "plan.json"]);
    assert_eq!(r.code, 1);
    let r = run_in(
        d.path(),
        &["check", "--no-config", "--format", "json", "plan.json"],
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        (r.code, v["findings"][0]["severity"].as_str()),
        (1, Some("error"))
    );
    assert!(v["config"].is_null());
}

#[test]
fn rules_can_be_made_errors_or_turned_off() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("plan.json"), read(UNDECIDED)).unwrap();
    std::fs::write(
        d.path().join(".kmsguard.toml"),
        "[rules.policy-unknown]\nseverity = \"error\"\n",
    )
    .unwrap();
    assert_eq!(run_in(d.path(), &["check", "plan.json"]).code, 1);
    std::fs::write(
        d.path().join(".kmsguard.toml"),
        "[rules.policy-unknown]\nseverity = \"off\"\n",
    )
    .unwrap();
    let r = run_in(d.path(), &["check", "--format", "json", "plan.json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 0, "{v}");
}

#[test]
fn a_bad_configuration_is_refused_with_its_line() {
    let d = with_config("fail-on = \"error\"\ncolour = \"always\"\n");
    let r = run_in(d.path(), &["check", "plan.json"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(".kmsguard.toml:2:") && r.stderr.contains("colour"),
        "{}",
        r.stderr
    );
    let d = with_config("[[suppress]]\nrule = \"key-locked-out\"\nkey = \"aws_kms_key.data\"\n");
    let r = run_in(d.path(), &["check", "plan.json"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("reason"), "{}", r.stderr);
}

#[test]
fn suppressions_need_a_reason_expire_and_stay_visible() {
    let d = with_config(
        "[[suppress]]\nrule = \"key-locked-out\"\nkey = \"aws_kms_key.data\"\nreason = \"recreated by hand, OPS-1\"\nexpires = \"2099-12-31\"\n\n[[suppress]]\nrule = \"policy-unknown\"\nkey = \"aws_kms_key.gone\"\nreason = \"old\"\n",
    );
    let r = run_in(d.path(), &["check", "--format", "json", "plan.json"]);
    assert_eq!(r.code, 0, "a suppressed finding does not fail the run");
    assert!(
        r.stderr.contains("line 7 matches no finding"),
        "{}",
        r.stderr
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["summary"]["suppressed"], 1);
    assert_eq!(v["summary"]["errors"], 0);
    assert_eq!(
        v["findings"][0]["suppressed"]["reason"],
        "recreated by hand, OPS-1"
    );
    assert!(
        v["summary"]["headline"]
            .as_str()
            .unwrap()
            .contains("accepted")
    );
    // SARIF keeps the result, with the suppression.
    let r = run_in(d.path(), &["check", "--format", "sarif", "plan.json"]);
    let s: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let result = &s["runs"][0]["results"][0];
    assert_eq!(result["suppressions"][0]["kind"], "external");
    // Expired: it counts again, and the run says so.
    let d = with_config(
        "[[suppress]]\nrule = \"key-locked-out\"\nkey = \"aws_kms_key.data\"\nreason = \"until the migration\"\nexpires = \"2020-01-31\"\n",
    );
    let r = run_in(d.path(), &["check", "plan.json"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("expired on 2020-01-31"), "{}", r.stderr);
}

#[test]
fn a_baseline_fails_only_on_new_findings() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("plan.json"), read(LOCKOUT)).unwrap();
    let r = run_in(
        d.path(),
        &["check", "--write-baseline", "baseline.json", "plan.json"],
    );
    assert_eq!(r.code, 1, "writing a baseline does not change the run");
    let r = run_in(
        d.path(),
        &["check", "--baseline", "baseline.json", "plan.json"],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    // A new lock-out (another plan) still fails.
    std::fs::write(
        d.path().join("other.json"),
        read("testdata/key-locked-out/role-replaced/plan.json"),
    )
    .unwrap();
    let r = run_in(
        d.path(),
        &[
            "check",
            "--baseline",
            "baseline.json",
            "plan.json",
            "other.json",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    let r = run_in(
        d.path(),
        &["check", "--baseline", "missing.json", "plan.json"],
    );
    assert_eq!(r.code, 2);
}

/// Copies the lock-out example (its source and plan) into a temporary folder, with `comment`
/// written above the key's block.
fn lockout_source_with(comment: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let src = crate::common::repo().join("testdata/examples/lockout");
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), d.path().join(e.file_name())).unwrap();
        }
    }
    let policies = src.join("policies");
    if policies.is_dir() {
        std::fs::create_dir(d.path().join("policies")).unwrap();
        for e in std::fs::read_dir(&policies).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), d.path().join("policies").join(e.file_name())).unwrap();
        }
    }
    let kms = std::fs::read_to_string(d.path().join("kms.tf")).unwrap();
    std::fs::write(d.path().join("kms.tf"), format!("{comment}\n{kms}")).unwrap();
    d
}

#[test]
fn an_inline_comment_above_the_key_suppresses_with_its_reason() {
    let d = lockout_source_with(
        "# kmsguard:ignore[key-locked-out] the role is recreated by hand, OPS-7 expires=2099-01-31",
    );
    let r = run_in(
        d.path(),
        &[
            "check",
            "--format",
            "json",
            "--config-dir",
            ".",
            "plan.json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let f = &v["findings"][0];
    assert_eq!(f["suppressed"]["by"], "inline");
    assert_eq!(
        f["suppressed"]["reason"],
        "the role is recreated by hand, OPS-7"
    );
    assert_eq!(f["suppressed"]["expires"], "2099-01-31");
    // Without the source the comment is not seen: the finding counts.
    assert_eq!(run_in(d.path(), &["check", "plan.json"]).code, 1);
    // A team can turn inline suppressions off.
    std::fs::write(
        d.path().join(".kmsguard.toml"),
        "inline-suppressions = false\n",
    )
    .unwrap();
    let r = run_in(d.path(), &["check", "--config-dir", ".", "plan.json"]);
    assert_eq!(r.code, 1);
    // A comment without a reason is reported, and suppresses nothing.
    let d = lockout_source_with("# kmsguard:ignore[key-locked-out]");
    let r = run_in(d.path(), &["check", "--config-dir", ".", "plan.json"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("needs a reason"), "{}", r.stderr);
}
