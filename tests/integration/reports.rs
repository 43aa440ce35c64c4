//! Snapshots of the text and JSON reports over inputs that are not one scenario alone: the
//! hand-written plans, the Quick start example, and several inputs analysed together. Review
//! every snapshot change.

use crate::common::run;

fn text(inputs: &[&str]) -> String {
    let mut args = vec!["check", "--color", "never"];
    args.extend_from_slice(inputs);
    let r = run(&args);
    format!("exit code: {}\n{}{}", r.code, r.stderr, r.stdout)
}

fn json(inputs: &[&str]) -> String {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(inputs);
    let r = run(&args);
    format!("exit code: {}\n{}{}", r.code, r.stderr, r.stdout)
}

macro_rules! snapshot {
    ($name:ident, $($input:expr),+) => {
        #[test]
        fn $name() {
            let inputs = [$($input),+];
            insta::assert_snapshot!(concat!(stringify!($name), "__text"), text(&inputs));
            insta::assert_snapshot!(concat!(stringify!($name), "__json"), json(&inputs));
        }
    };
}

// Scenarios written as Terraform have one snapshot each, with and without --config-dir
// (tests/integration/scenarios.rs). Here: the hand-written inputs, the Quick start example as
// JSON too, and several inputs analysed together.
snapshot!(
    policy_invalid_truncated_policy,
    "testdata/handwritten/truncated-policy.json"
);
snapshot!(
    formats_terraform_0_12,
    "testdata/handwritten/formats/terraform-0.12.json"
);
snapshot!(
    formats_opentofu,
    "testdata/handwritten/formats/opentofu.json"
);
snapshot!(example_lockout_plan, "testdata/examples/lockout/plan.json");
snapshot!(
    multi_kms_and_iam_workspaces,
    "testdata/multi/kms-workspace/plan.json",
    "testdata/multi/iam-workspace/plan.json"
);
snapshot!(
    state_input_with_iam_plan,
    "testdata/state/kms/state.json",
    "testdata/multi/iam-workspace/plan.json"
);
