//! Bad input never panics: each gets one clear line naming the file, exit code 2, and the
//! other inputs are still checked and reported.

use std::io::Write;

use crate::common::{json, path_str, run};

const GOOD: &str = "testdata/key-locked-out/role-replaced.json";

fn temp(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(bytes).unwrap();
    f
}

/// Runs the binary on a bad input next to a good one and checks the contract.
fn refused(bytes: &[u8], expect: &str) {
    let f = temp(bytes);
    let name = path_str(f.path());
    let r = run(&["check", "--color", "never", name, GOOD]);
    assert_eq!(r.code, 2, "stderr: {}", r.stderr);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {:?}", lines);
    assert!(lines[0].starts_with("kmsguard: error: "), "{}", lines[0]);
    assert!(lines[0].contains(name), "names the file: {}", lines[0]);
    assert!(
        lines[0].contains(expect),
        "says why ({expect}): {}",
        lines[0]
    );
    // The good input was still checked and reported.
    assert!(r.stdout.contains("aws_kms_key.data"), "{}", r.stdout);
    assert!(r.stdout.contains("INPUT ERROR"));
    let (code, v) = json(&[name, GOOD]);
    assert_eq!(code, 2);
    assert_eq!(v["summary"]["result"], "error");
    assert_eq!(v["errors"][0]["source"], name);
    assert_eq!(v["keys"][0]["verdict"], "locked_out");
}

#[test]
fn empty_file() {
    refused(b"", "empty");
}

#[test]
fn whitespace_only_file() {
    refused(b" \n\t\n", "empty");
}

#[test]
fn truncated_json() {
    let full = std::fs::read(GOOD).unwrap();
    refused(&full[..full.len() / 2], "truncated");
}

#[test]
fn binary_planfile_names_the_conversion_command() {
    refused(
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00tfplan",
        "terraform show -json",
    );
}

#[test]
fn nul_bytes() {
    refused(b"\x00\x00\x00\x00binary", "binary");
}

#[test]
fn json_that_is_not_an_object() {
    refused(b"[1, 2, 3]", "not a JSON object");
}

#[test]
fn json_object_that_is_not_a_plan() {
    refused(br#"{"hello": "world"}"#, "no `format_version`");
}

#[test]
fn unknown_major_format_version() {
    refused(
        br#"{"format_version": "2.0", "resource_changes": []}"#,
        "format_version \"2.0\"",
    );
}

#[test]
fn raw_state_file() {
    refused(br#"{"version": 4, "terraform_version": "1.9.5", "serial": 3, "lineage": "x", "resources": []}"#, "raw state file");
}

#[test]
fn wrong_types_at_the_top_level() {
    refused(
        br#"{"format_version": "1.2", "resource_changes": "everything"}"#,
        "unexpected content",
    );
}

#[test]
fn deeply_nested_json_in_a_field_we_skip_is_harmless() {
    let deep = format!(
        r#"{{"format_version":"1.2","resource_changes":[{{"address":"aws_kms_key.x","mode":"managed","type":"aws_kms_key","name":"x","change":{{"actions":["no-op"],"before":{{"policy":{}{}}},"after":null}}}}],"junk":{}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000),
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let f = temp(deep.as_bytes());
    let r = run(&["check", path_str(f.path()), GOOD]);
    assert!(
        r.code == 1 || r.code == 2,
        "no crash: exit {} {}",
        r.code,
        r.stderr
    );
    assert!(r.stdout.contains("aws_kms_key.data"));
}

#[test]
fn deeply_nested_modules_hit_the_recursion_limit_cleanly() {
    let depth = 10_000;
    let mut doc = String::from(r#"{"format_version":"1.2","planned_values":{"root_module":"#);
    for _ in 0..depth {
        doc.push_str(r#"{"child_modules":["#);
    }
    for _ in 0..depth {
        doc.push_str("]}");
    }
    doc.push_str("}}");
    refused(doc.as_bytes(), "recursion limit");
}

#[test]
fn a_directory() {
    let d = tempfile::tempdir().unwrap();
    let name = path_str(d.path());
    let r = run(&["check", name, GOOD]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("directory"), "{}", r.stderr);
    assert!(r.stdout.contains("aws_kms_key.data"));
}

#[test]
fn a_missing_file() {
    let r = run(&["check", "no/such/plan.json", GOOD]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no/such/plan.json: cannot read it"),
        "{}",
        r.stderr
    );
}

#[test]
fn newer_minor_format_version_is_read_with_a_note() {
    let plan = std::fs::read_to_string(GOOD).unwrap().replacen(
        "\"format_version\": \"1.2\"",
        "\"format_version\": \"1.7\"",
        1,
    );
    let f = temp(plan.as_bytes());
    let r = run(&["check", path_str(f.path())]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains("format_version 1.7 is newer"),
        "{}",
        r.stdout
    );
}

#[test]
fn invalid_policy_string_is_a_finding_and_other_keys_are_still_checked() {
    let (code, v) = json(&["testdata/policy-invalid/truncated-policy.json"]);
    assert_eq!(code, 1);
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["policy-invalid", "key-locked-out"]);
}

#[test]
fn policy_with_wrong_types_at_every_level_never_panics() {
    let policies = [
        r#"{"Statement": 7}"#,
        r#"{"Statement": [{"Effect": 1, "Principal": 2, "Action": 3}]}"#,
        r#"{"Statement": [{"Effect": "Allow", "Principal": {"AWS": [1, null]}, "Action": "kms:*"}]}"#,
        r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": {"a": 1}}]}"#,
        r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Condition": []}]}"#,
        r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Condition": {"StringLike": "x"}}]}"#,
        r#""a string""#,
        "null",
    ];
    let base =
        std::fs::read_to_string("testdata/lockout-check-bypassed/bypass-unset.json").unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&base).unwrap();
    for p in policies {
        v["resource_changes"][0]["change"]["after"]["policy"] =
            serde_json::Value::String(p.to_owned());
        let f = temp(v.to_string().as_bytes());
        let (code, out) = json(&[path_str(f.path())]);
        assert_eq!(code, 1, "{p}");
        assert_eq!(out["findings"][0]["rule"], "policy-invalid", "{p}");
    }
}

#[test]
fn attributes_of_the_wrong_type_are_tolerated() {
    let base = std::fs::read_to_string(GOOD).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&base).unwrap();
    for rc in v["resource_changes"].as_array_mut().unwrap() {
        if let Some(after) = rc["change"]["after"].as_object_mut() {
            after.insert("arn".into(), serde_json::json!(["not", "a", "string"]));
            after.insert("tags_all".into(), serde_json::json!("x"));
        }
        rc["index"] = serde_json::json!({"weird": true});
    }
    let f = temp(v.to_string().as_bytes());
    let (code, _) = json(&[path_str(f.path())]);
    assert!(code == 0 || code == 1, "read without an input error");
}

#[test]
fn duplicate_addresses_across_inputs_are_kept_apart() {
    let (code, v) = json(&[GOOD, GOOD]);
    assert_eq!(code, 1);
    assert_eq!(v["keys"].as_array().unwrap().len(), 2);
}
