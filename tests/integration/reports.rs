//! Snapshots of the text and JSON reports over our own scenario plans in testdata/:
//! one positive and one negative per rule, plus replacement, modules, multi-input and
//! state-input cases. Review every snapshot change.

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

// key-locked-out
snapshot!(
    key_locked_out_role_replaced,
    "testdata/key-locked-out/role-replaced.json"
);
snapshot!(
    key_locked_out_role_replaced_create_before_destroy,
    "testdata/key-locked-out/role-replaced-create-before-destroy.json"
);
snapshot!(
    key_locked_out_admins_deleted,
    "testdata/key-locked-out/admins-deleted.json"
);
snapshot!(
    key_locked_out_root_statement_removed,
    "testdata/key-locked-out/root-statement-removed.json"
);
snapshot!(
    key_locked_out_key_policy_resource,
    "testdata/key-locked-out/key-policy-resource.json"
);
snapshot!(
    key_locked_out_not_principal_breakglass_replaced,
    "testdata/key-locked-out/not-principal-breakglass-replaced.json"
);
// principal-orphaned (and key-locked-out negatives)
snapshot!(
    principal_orphaned_root_kept,
    "testdata/principal-orphaned/root-kept.json"
);
snapshot!(
    principal_orphaned_condition_survives_replacement,
    "testdata/principal-orphaned/condition-survives-replacement.json"
);
// key-recoverable-only
snapshot!(
    key_recoverable_only_condition_role_deleted,
    "testdata/key-recoverable-only/condition-role-deleted.json"
);
snapshot!(
    key_recoverable_only_breakglass_deleted,
    "testdata/key-recoverable-only/breakglass-deleted.json"
);
snapshot!(
    key_recoverable_only_breakglass_kept,
    "testdata/key-recoverable-only/breakglass-kept.json"
);
// policy-unknown
snapshot!(
    policy_unknown_created_with_computed_policy,
    "testdata/policy-unknown/created-with-computed-policy.json"
);
snapshot!(
    policy_unknown_created_with_default_policy,
    "testdata/policy-unknown/created-with-default-policy.json"
);
snapshot!(
    policy_unknown_org_condition,
    "testdata/policy-unknown/org-condition.json"
);
// lockout-check-bypassed
snapshot!(
    lockout_check_bypassed_set,
    "testdata/lockout-check-bypassed/bypass-set.json"
);
snapshot!(
    lockout_check_bypassed_unset,
    "testdata/lockout-check-bypassed/bypass-unset.json"
);
// already-locked-out
snapshot!(
    already_locked_out_orphaned_before,
    "testdata/already-locked-out/orphaned-before.json"
);
snapshot!(
    already_locked_out_fixed_by_plan,
    "testdata/already-locked-out/fixed-by-plan.json"
);
// policy-invalid
snapshot!(
    policy_invalid_truncated_policy,
    "testdata/policy-invalid/truncated-policy.json"
);
snapshot!(
    policy_invalid_wrong_effect,
    "testdata/policy-invalid/wrong-effect.json"
);
snapshot!(
    policy_invalid_single_statement_object,
    "testdata/policy-invalid/single-statement-object.json"
);
// modules, users, accounts, lifecycle, formats
snapshot!(
    modules_nested_for_each,
    "testdata/modules/nested-for-each.json"
);
snapshot!(
    users_renamed_in_place,
    "testdata/users/renamed-in-place.json"
);
snapshot!(
    users_renamed_breaks_username_condition,
    "testdata/users/renamed-breaks-username-condition.json"
);
snapshot!(
    cross_account_partner_root,
    "testdata/cross-account/partner-root.json"
);
snapshot!(
    assumed_external_admin,
    "testdata/assumed/external-admin.json"
);
snapshot!(lifecycle_key_deleted, "testdata/lifecycle/key-deleted.json");
snapshot!(
    formats_terraform_0_12,
    "testdata/formats/terraform-0.12.json"
);
snapshot!(formats_opentofu, "testdata/formats/opentofu.json");
snapshot!(example_lockout_plan, "testdata/examples/lockout-plan.json");
// IAM Identity Center roles
snapshot!(
    sso_permission_set_replaced,
    "testdata/sso/permission-set-replaced.json"
);
snapshot!(
    sso_pattern_survives_replacement,
    "testdata/sso/pattern-survives-replacement.json"
);
snapshot!(
    sso_assignment_removed,
    "testdata/sso/assignment-removed.json"
);
// several inputs analysed together
snapshot!(multi_kms_alone, "testdata/multi/kms-workspace.json");
snapshot!(
    multi_kms_and_iam_workspaces,
    "testdata/multi/kms-workspace.json",
    "testdata/multi/iam-workspace.json"
);
snapshot!(
    state_input_with_iam_plan,
    "testdata/state/kms-state.json",
    "testdata/multi/iam-workspace.json"
);
