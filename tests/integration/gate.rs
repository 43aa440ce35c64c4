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
