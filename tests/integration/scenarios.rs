//! Every scenario written as Terraform (tests/integration/terraform.rs finds them): a snapshot
//! of the text report of its plan (and state), without and with `--config-dir` pointing at the
//! scenario's folder; and what a user must be able to rely on across all of them.

use std::collections::BTreeMap;

use crate::common::{json, run};
use crate::terraform::scenarios;

/// The inputs of a scenario, relative to the repository root.
fn inputs(dir: &str, state: bool) -> Vec<String> {
    let mut out = vec![format!("{dir}/plan.json")];
    if state {
        out.push(format!("{dir}/state.json"));
    }
    out
}

#[test]
fn every_scenario_has_a_reviewed_report() {
    let all = scenarios();
    assert!(all.len() >= 25, "only {} scenarios", all.len());
    for s in all {
        let dir = s.dir.to_str().unwrap().to_owned();
        let mut doc = String::new();
        for input in inputs(&dir, s.state_json) {
            for config in [None, Some(dir.as_str())] {
                let mut args = vec!["check", "--color", "never"];
                if let Some(c) = config {
                    args.extend(["--config-dir", c]);
                }
                args.push(&input);
                let r = run(&args);
                doc.push_str(&format!(
                    "$ kmsguard {}\nexit code: {}\n{}{}\n",
                    args.join(" "),
                    r.code,
                    r.stderr,
                    r.stdout
                ));
            }
        }
        let name = dir
            .trim_start_matches("testdata/")
            .replace(['/', '-', '.'], "_");
        insta::assert_snapshot!(format!("scenario__{name}"), doc);
    }
}

/// Each key's verdict after the apply, and the rules that fired for it.
fn verdicts(args: &[&str]) -> BTreeMap<String, (String, Vec<String>)> {
    let (_, v) = json(args);
    let mut out: BTreeMap<String, (String, Vec<String>)> = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["address"].as_str().unwrap().to_owned(),
                (k["verdict"].as_str().unwrap().to_owned(), Vec::new()),
            )
        })
        .collect();
    for f in v["findings"].as_array().unwrap() {
        let a = f["address"].as_str().unwrap();
        out.get_mut(a)
            .unwrap()
            .1
            .push(f["rule"].as_str().unwrap().to_owned());
    }
    out
}

/// Giving kmsguard the source never makes an answer it could give without it worse: a
/// verdict the plan alone decides stays the same with `--config-dir`, and the source adds no
/// error finding to such a key.
#[test]
fn the_source_never_changes_a_verdict_the_plan_decides() {
    for s in scenarios() {
        let dir = s.dir.to_str().unwrap();
        for input in inputs(dir, s.state_json) {
            let without = verdicts(&[&input]);
            let with = verdicts(&["--config-dir", dir, &input]);
            for (key, (verdict, rules)) in &without {
                if verdict == "unknown" {
                    continue;
                }
                let (v2, r2) = &with[key];
                assert_eq!(v2, verdict, "{input} {key}: the source changed the verdict");
                assert_eq!(r2, rules, "{input} {key}: the source changed the findings");
            }
        }
    }
}

/// Keys that the plan shows only as `jsonencode(...)` with a value known after apply: the
/// plan keeps nothing of the expression but its references, so without the source the
/// verdict can only be `unknown` (a warning, which does not fail the gate).
const NEEDS_THE_SOURCE: &[&str] = &[
    "testdata/acceptance/key-policy-iam-role aws_kms_key.test",
    "testdata/acceptance/key-policy-service-linked-role aws_kms_key.test",
];

/// Real plans of configurations like the provider's acceptance tests and of a popular
/// module's examples: every key that Terraform creates without the bypass flag can be
/// managed, and kmsguard says so (with the source always; without it, but for the keys the
/// plan alone cannot show).
#[test]
fn keys_terraform_creates_without_the_bypass_flag_are_manageable() {
    let mut checked = 0;
    for s in scenarios() {
        let dir = s.dir.to_str().unwrap();
        if !dir.starts_with("testdata/acceptance/") && !dir.starts_with("testdata/kms-module/") {
            continue;
        }
        let plan = format!("{dir}/plan.json");
        let (_, v) = json(&["--config-dir", dir, &plan]);
        let bypass: Vec<&str> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "lockout-check-bypassed")
            .map(|f| f["address"].as_str().unwrap())
            .collect();
        let without = verdicts(&[&plan]);
        for k in v["keys"].as_array().unwrap() {
            let address = k["address"].as_str().unwrap();
            if !k["verdict_before"].is_null() || bypass.contains(&address) {
                continue;
            }
            if dir.ends_with("key-policy-bypass-false") {
                // KMS refuses to create this key (its own lockout check): no key to manage.
                assert_eq!(k["verdict"], "locked_out", "{plan} {address}");
                continue;
            }
            checked += 1;
            assert_eq!(
                k["verdict"], "manageable",
                "{plan} {address} with --config-dir"
            );
            let alone = &without[address].0;
            if NEEDS_THE_SOURCE.contains(&format!("{dir} {address}").as_str()) {
                assert_eq!(alone, "unknown", "{plan} {address}");
            } else {
                assert_eq!(alone, "manageable", "{plan} {address} without --config-dir");
            }
        }
    }
    assert!(checked >= 15, "only {checked} keys checked");
}

/// Found by planning with the real provider: a user renamed in place (IAM UpdateUser) is
/// planned with its old ARN in `arn`, not marked as known after apply. After the apply the
/// user has the ARN of its new name, and that is the principal that manages the key.
#[test]
fn a_user_renamed_in_place_has_the_arn_of_its_new_name() {
    let plan = "testdata/users/renamed-in-place/plan.json";
    let raw: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(plan).unwrap()).unwrap();
    let user = raw["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|rc| rc["address"] == "aws_iam_user.alice")
        .unwrap();
    // The shape this test guards against: the planned ARN is the old one.
    assert_eq!(
        user["change"]["after"]["arn"],
        "arn:aws:iam::111122223333:user/alice"
    );
    assert_eq!(user["change"]["after"]["name"], "alice.smith");
    let (_, v) = json(&[plan]);
    assert_eq!(
        v["keys"][0]["managers"][0]["arn"],
        "arn:aws:iam::111122223333:user/alice.smith"
    );
}

/// `explain` shows the request that works (the witness) and the date from which a time
/// condition ends management access (semantics §4).
#[test]
fn explain_shows_the_witness_and_the_date_access_ends() {
    let mut doc = String::new();
    for dir in [
        "testdata/request/mfa-required-admin",
        "testdata/request/admin-allow-expires-later",
        "testdata/request/deny-one-session",
    ] {
        let plan = format!("{dir}/plan.json");
        let args = [
            "explain",
            "--color",
            "never",
            "--key",
            "aws_kms_key.data",
            &plan,
        ];
        let r = run(&args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        doc.push_str(&format!("$ kmsguard {}\n{}\n", args.join(" "), r.stdout));
    }
    assert!(doc.contains(
        "witness: arn:aws:iam::111122223333:root, with MFA, from public address 198.51.100.1"
    ));
    assert!(doc.contains("time: from 2027-01-01T00:00:00Z on"));
    insta::assert_snapshot!(doc);
}
