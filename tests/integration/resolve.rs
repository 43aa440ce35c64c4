//! Policies the plan shows only as "known after apply", rebuilt from the plan and its
//! configuration (testdata/resolve/, written by testdata/fixtures.py in the shape Terraform
//! gives): snapshots of `check` (text and JSON) and `explain` (text and JSON) for each, and
//! the verdicts they must reach.

use crate::common::run;

/// (scenario, key address, expected exit code of `check`, expected `policy_source`).
const CASES: &[(&str, &str, i32, &str)] = &[
    (
        "document-read-during-plan",
        "aws_kms_key.data",
        0,
        "data_source",
    ),
    (
        "deferred-role-created",
        "aws_kms_key.data",
        0,
        "configuration",
    ),
    (
        "deferred-role-replaced",
        "aws_kms_key.data",
        1,
        "configuration",
    ),
    (
        "mixed-constant-and-reference",
        "aws_kms_key.data",
        0,
        "configuration",
    ),
    (
        "module-variable",
        "module.kms.aws_kms_key.this",
        1,
        "configuration",
    ),
    (
        "source-policy-documents",
        "aws_kms_key.data",
        0,
        "configuration",
    ),
    (
        "condition-survives-replacement",
        "aws_kms_key.data",
        0,
        "configuration",
    ),
];

fn plan(name: &str) -> String {
    format!("testdata/resolve/{name}.json")
}

#[test]
fn check_and_explain_each_rebuilt_policy() {
    for (name, key, code, source) in CASES {
        let path = plan(name);
        let snap = name.replace('-', "_");
        let r = run(&["check", "--color", "never", &path]);
        assert_eq!(r.code, *code, "{name}: {}{}", r.stdout, r.stderr);
        insta::assert_snapshot!(format!("check_text__{snap}"), r.stdout);
        let r = run(&["check", "--format", "json", &path]);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["keys"][0]["policy_source"], *source, "{name}");
        insta::assert_json_snapshot!(format!("check_json__{snap}"), v);
        let r = run(&["explain", "--color", "never", "--key", key, &path]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        insta::assert_snapshot!(format!("explain_text__{snap}"), r.stdout);
        let r = run(&["explain", "--format", "json", "--key", key, &path]);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        insta::assert_json_snapshot!(format!("explain_json__{snap}"), v);
    }
}

#[test]
fn a_replaced_admin_named_through_a_deferred_document_locks_the_key_out() {
    for name in ["deferred-role-replaced", "module-variable"] {
        let r = run(&["check", "--format", "json", &plan(name)]);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["keys"][0]["verdict"], "locked_out", "{name}");
        assert_eq!(v["keys"][0]["verdict_before"], "manageable", "{name}");
    }
}

#[test]
fn the_constant_next_to_a_reference_still_counts() {
    let r = run(&[
        "check",
        "--format",
        "json",
        &plan("mixed-constant-and-reference"),
    ]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["keys"][0]["verdict"], "manageable");
    assert_eq!(v["keys"][0]["managers"][0]["kind"], "root");
}

#[test]
fn explain_marks_the_values_filled_in_from_the_plan() {
    let r = run(&[
        "explain",
        "--format",
        "json",
        "--key",
        "module.kms.aws_kms_key.this",
        &plan("module-variable"),
    ]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        v["after"]["symbolic_values"][0],
        "arn:aws:iam::111122223333:role/kms-admin = var.admin_arn → aws_iam_role.kms_admin.arn (replaced by this plan)"
    );
}
