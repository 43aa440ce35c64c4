//! Analysis over small in-memory documents: the joins between inputs and the lifecycle
//! rules that the snapshot tests exercise only through whole plans.

use super::evidence::Recreation;
use super::*;
use crate::inventory::Input;
use crate::plan;

const ADMIN: &str = "arn:aws:iam::111122223333:role/kms-admin";

fn key_change(actions: &str, policy: &str) -> String {
    let p = serde_json::to_string(policy).unwrap();
    format!(
        r#"{{"address":"aws_kms_key.k","mode":"managed","type":"aws_kms_key","name":"k","change":{{"actions":{actions},
        "before":{{"arn":"arn:aws:kms:us-east-1:111122223333:key/k1","id":"k1","policy":{p}}},
        "after":{{"arn":"arn:aws:kms:us-east-1:111122223333:key/k1","id":"k1","policy":{p}}},"after_unknown":{{}}}}}}"#
    )
}

fn role_change(actions: &str) -> String {
    format!(
        r#"{{"address":"aws_iam_role.admin","mode":"managed","type":"aws_iam_role","name":"admin","change":{{"actions":{actions},
        "before":{{"arn":"{ADMIN}","name":"kms-admin","path":"/","unique_id":"AROAADMINXXXXXXXXXXX"}},
        "after":null,"after_unknown":{{}}}}}}"#
    )
}

fn plan_doc(changes: &[String]) -> String {
    format!(
        r#"{{"format_version":"1.2","resource_changes":[{}]}}"#,
        changes.join(",")
    )
}

fn state_doc_with_role() -> String {
    format!(
        r#"{{"format_version":"1.0","values":{{"root_module":{{"resources":[{{"address":"aws_iam_role.admin","mode":"managed","type":"aws_iam_role","name":"admin","values":{{"arn":"{ADMIN}","name":"kms-admin","path":"/","unique_id":"AROAADMINXXXXXXXXXXX"}}}}]}}}}}}"#
    )
}

fn verdicts(docs: &[String]) -> Vec<(Option<Verdict>, Verdict)> {
    let inputs: Vec<Input> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| Input {
            name: format!("input{i}.json"),
            doc: plan::load("x", d.as_bytes()).unwrap(),
        })
        .collect();
    crate::pipeline::check(&inputs, &[])
        .analyses
        .into_iter()
        .map(|a| (a.before.map(|b| b.verdict), a.after.verdict))
        .collect()
}

fn admin_policy() -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{ADMIN}"}},"Action":"kms:*","Resource":"*"}}]}}"#
    )
}

#[test]
fn a_deletion_in_another_input_wins_over_a_state_that_still_shows_the_role() {
    let kms = plan_doc(&[key_change(r#"["no-op"]"#, &admin_policy())]);
    let iam_plan = plan_doc(&[role_change(r#"["delete"]"#)]);
    let iam_state = state_doc_with_role();
    assert_eq!(
        verdicts(&[kms.clone(), iam_state.clone()]),
        [(Some(Verdict::Manageable), Verdict::Manageable)]
    );
    assert_eq!(
        verdicts(&[kms, iam_state, iam_plan]),
        [(Some(Verdict::Manageable), Verdict::LockedOut)]
    );
}

#[test]
fn a_forgotten_role_still_exists_in_aws() {
    let kms = plan_doc(&[
        key_change(r#"["no-op"]"#, &admin_policy()),
        role_change(r#"["forget"]"#),
    ]);
    assert_eq!(
        verdicts(&[kms]),
        [(Some(Verdict::Manageable), Verdict::Manageable)]
    );
}

#[test]
fn a_deleted_key_has_no_after_verdict() {
    let kms = plan_doc(&[
        key_change(r#"["delete"]"#, &admin_policy()),
        role_change(r#"["delete"]"#),
    ]);
    assert_eq!(
        verdicts(&[kms]),
        [(Some(Verdict::Manageable), Verdict::Deleted)]
    );
}

#[test]
fn a_service_linked_role_cannot_rescue_a_key() {
    let slr =
        "arn:aws:iam::111122223333:role/aws-service-role/logs.amazonaws.com/AWSServiceRoleForLogs";
    let policy = format!(
        r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{slr}"}},"Action":"kms:*","Resource":"*"}}]}}"#
    );
    let role = format!(
        r#"{{"address":"aws_iam_service_linked_role.logs","mode":"managed","type":"aws_iam_role","name":"logs","change":{{"actions":["no-op"],
        "before":{{"arn":"{slr}","name":"AWSServiceRoleForLogs","path":"/aws-service-role/logs.amazonaws.com/"}},
        "after":{{"arn":"{slr}","name":"AWSServiceRoleForLogs","path":"/aws-service-role/logs.amazonaws.com/"}}}}}}"#
    );
    let kms = plan_doc(&[key_change(r#"["no-op"]"#, &policy), role]);
    assert_eq!(
        verdicts(&[kms]),
        [(Some(Verdict::LockedOut), Verdict::LockedOut)]
    );
    // Also when no input manages it (it is not assumed to be an operator).
    let kms = plan_doc(&[key_change(r#"["no-op"]"#, &policy)]);
    assert_eq!(
        verdicts(&[kms]),
        [(Some(Verdict::LockedOut), Verdict::LockedOut)]
    );
}

#[test]
fn an_unknown_account_takes_the_policys_account_principal_as_its_own() {
    let policy = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"999988887777"},"Action":"kms:*","Resource":"*"}]}"#;
    let p = serde_json::to_string(policy).unwrap();
    let key = format!(
        r#"{{"address":"aws_kms_key.k","mode":"managed","type":"aws_kms_key","name":"k","change":{{"actions":["create"],"before":null,"after":{{"policy":{p}}},"after_unknown":{{"arn":true}}}}}}"#
    );
    assert_eq!(verdicts(&[plan_doc(&[key])]), [(None, Verdict::Manageable)]);
}

/// Found by the property tests: a user deleted by the plan and matched only through an
/// `aws:username` condition can be created again by name, so the key is recoverable (it was
/// reported locked_out).
#[test]
fn a_deleted_user_matched_by_username_is_recoverable() {
    let policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"aws:username":"carol"}}}]}"#;
    let user = r#"{"address":"aws_iam_user.c","mode":"managed","type":"aws_iam_user","name":"c","change":{"actions":["delete"],
        "before":{"arn":"arn:aws:iam::111122223333:user/carol","name":"carol","path":"/","unique_id":"AIDACCCCCCCCCCCCCCCC"},"after":null}}"#;
    let kms = plan_doc(&[key_change(r#"["no-op"]"#, policy), user.to_owned()]);
    assert_eq!(
        verdicts(&[kms]),
        [(Some(Verdict::Manageable), Verdict::Recoverable)]
    );
}

/// Found by the property tests: a principal that exists but is shut out only by Principal
/// entries bound to its unique ID can be deleted and created again, so the key is
/// recoverable; deleting it in the plan must not make the verdict better.
#[test]
fn an_existing_principal_denied_by_its_unique_id_can_be_recreated() {
    let policy = r#"{"Statement":[
        {"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"aws:username":"carol"}}},
        {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/carol"},"Action":"kms:*","Resource":"*"}]}"#;
    let user = |actions: &str| {
        format!(
            r#"{{"address":"aws_iam_user.c","mode":"managed","type":"aws_iam_user","name":"c","change":{{"actions":{actions},
            "before":{{"arn":"arn:aws:iam::111122223333:user/carol","name":"carol","path":"/","unique_id":"AIDACCCCCCCCCCCCCCCC"}},
            "after":{{"arn":"arn:aws:iam::111122223333:user/carol","name":"carol","path":"/","unique_id":"AIDACCCCCCCCCCCCCCCC"}}}}}}"#
        )
    };
    let kept = plan_doc(&[key_change(r#"["no-op"]"#, policy), user(r#"["no-op"]"#)]);
    assert_eq!(
        verdicts(&[kept]),
        [(Some(Verdict::Recoverable), Verdict::Recoverable)]
    );
}

fn after(docs: &[String]) -> PhaseResult {
    let inputs: Vec<Input> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| Input {
            name: format!("input{i}.json"),
            doc: plan::load("x", d.as_bytes()).unwrap(),
        })
        .collect();
    let mut c = crate::pipeline::check(&inputs, &[]);
    c.analyses.remove(0).after
}

/// The cause of a dead reference is typed: a role whose module happens to be called
/// `aws_ssoadmin_…` is an IAM role the plan replaces, not an Identity Center role (the rules
/// used to tell them apart by a substring of the address).
#[test]
fn a_dead_reference_says_what_removed_the_principal() {
    let role = r#"{"address":"module.aws_ssoadmin_roles.aws_iam_role.admin","module_address":"module.aws_ssoadmin_roles","mode":"managed","type":"aws_iam_role","name":"admin","change":{"actions":["delete","create"],
        "before":{"arn":"arn:aws:iam::111122223333:role/kms-admin","name":"kms-admin","path":"/","unique_id":"AROAADMINXXXXXXXXXXX"},
        "after":{"arn":"arn:aws:iam::111122223333:role/kms-admin","name":"kms-admin","path":"/"},"after_unknown":{"unique_id":true}}}"#;
    let docs = [plan_doc(&[
        key_change(r#"["no-op"]"#, &admin_policy()),
        role.to_owned(),
    ])];
    let r = after(&docs);
    assert_eq!(r.verdict, Verdict::LockedOut);
    assert_eq!(
        r.evidence.dead_refs[0].cause,
        DeadCause::Principal {
            address: "module.aws_ssoadmin_roles.aws_iam_role.admin".into(),
            lifecycle: Lifecycle::Replaced,
            kind: crate::inventory::PrincipalKind::Role,
        }
    );
    let inputs: Vec<Input> = docs
        .iter()
        .map(|d| Input {
            name: "plan.json".into(),
            doc: plan::load("x", d.as_bytes()).unwrap(),
        })
        .collect();
    let findings = crate::pipeline::check(&inputs, &[]).findings;
    assert!(
        findings[0]
            .message
            .contains("is replaced: the key policy binds the old role's unique ID"),
        "{}",
        findings[0].message
    );
    assert!(
        !findings[0].message.contains("SSO"),
        "{}",
        findings[0].message
    );

    // A unique ID no input has: a principal deleted before this plan.
    let policy = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"AROAGONEXXXXXXXXXXXX"},"Action":"kms:*","Resource":"*"}]}"#;
    let r = after(&[plan_doc(&[key_change(r#"["no-op"]"#, policy)])]);
    assert_eq!(r.evidence.dead_refs[0].cause, DeadCause::UnknownUniqueId);
}

/// How a key can be recovered is typed too; reports show it as the same sentences as before.
#[test]
fn a_recovery_says_which_principal_to_create() {
    // A role matched by aws:PrincipalArn and deleted: create it again.
    let policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/kms-admin"}}}]}"#;
    let r = after(&[plan_doc(&[
        key_change(r#"["no-op"]"#, policy),
        role_change(r#"["delete"]"#),
    ])]);
    assert_eq!(r.verdict, Verdict::Recoverable);
    let origin = r.evidence.recovery.unwrap().origin;
    assert_eq!(
        origin,
        Recreation {
            way: Way::Principal {
                address: "aws_iam_role.admin".into(),
                removed: Some(Lifecycle::Deleted),
            },
            exists: false,
        }
    );
    assert_eq!(
        origin.to_string(),
        "aws_iam_role.admin, deleted by this plan"
    );

    // A user that exists but is denied by its unique ID: delete it and create it again.
    let policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"aws:username":"carol"}}},
        {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/carol"},"Action":"kms:*","Resource":"*"}]}"#;
    let user = r#"{"address":"aws_iam_user.c","mode":"managed","type":"aws_iam_user","name":"c","change":{"actions":["no-op"],
            "before":{"arn":"arn:aws:iam::111122223333:user/carol","name":"carol","path":"/","unique_id":"AIDACCCCCCCCCCCCCCCC"},
            "after":{"arn":"arn:aws:iam::111122223333:user/carol","name":"carol","path":"/","unique_id":"AIDACCCCCCCCCCCCCCCC"}}}"#;
    let r = after(&[plan_doc(&[
        key_change(r#"["no-op"]"#, policy),
        user.to_owned(),
    ])]);
    let origin = r.evidence.recovery.unwrap().origin;
    assert!(origin.exists);
    assert_eq!(
        origin.to_string(),
        "aws_iam_user.c; it exists, and can be deleted and created again with a new unique ID"
    );

    // The policy delegates to the account but denies the root itself: any new IAM role.
    let policy = r#"{"Statement":[
        {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
        {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalType":"Account"}}}]}"#;
    let r = after(&[plan_doc(&[key_change(r#"["no-op"]"#, policy)])]);
    let recovery = r.evidence.recovery.unwrap();
    assert_eq!(recovery.origin.way, Way::AnyNewRole);
    assert_eq!(recovery.origin.to_string(), "any new IAM role");
}

fn replaced_role() -> String {
    format!(
        r#"{{"address":"aws_iam_role.admin","mode":"managed","type":"aws_iam_role","name":"admin","change":{{"actions":["delete","create"],
        "before":{{"arn":"{ADMIN}","name":"kms-admin","path":"/","unique_id":"AROAADMINXXXXXXXXXXX"}},
        "after":{{"name":"kms-admin","path":"/"}},"after_unknown":{{"arn":true,"unique_id":true}}}}}}"#
    )
}

/// A key whose policy text goes from `before` to `after` (`None`: the key is created).
fn key_written(before: Option<&str>, after: &str) -> String {
    let a = serde_json::to_string(after).unwrap();
    match before {
        Some(b) => {
            let b = serde_json::to_string(b).unwrap();
            format!(
                r#"{{"address":"aws_kms_key.k","mode":"managed","type":"aws_kms_key","name":"k","change":{{"actions":["update"],
                "before":{{"arn":"arn:aws:kms:us-east-1:111122223333:key/k1","id":"k1","policy":{b}}},
                "after":{{"arn":"arn:aws:kms:us-east-1:111122223333:key/k1","id":"k1","policy":{a}}},"after_unknown":{{}}}}}}"#
            )
        }
        None => format!(
            r#"{{"address":"aws_kms_key.k","mode":"managed","type":"aws_kms_key","name":"k","change":{{"actions":["create"],
            "before":null,"after":{{"policy":{a}}},"after_unknown":{{"arn":true,"id":true}}}}}}"#
        ),
    }
}

/// Semantics §5, "When a name in Principal is bound" (IAM "Principal" element; the
/// provider's key.go calls PutKeyPolicy only when the policy changes): a policy the apply
/// does not rewrite keeps the replaced role's old unique ID.
#[test]
fn a_policy_the_apply_does_not_rewrite_keeps_the_replaced_roles_old_id() {
    let p = admin_policy();
    // The same policy, written another way: the provider sees no change.
    let same =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(&p).unwrap())
            .unwrap();
    let doc = plan_doc(&[key_written(Some(&p), &same), replaced_role()]);
    assert_eq!(
        verdicts(&[doc]),
        [(Some(Verdict::Manageable), Verdict::LockedOut)]
    );
}

/// A policy the apply writes and that names the replaced role by a literal ARN: the plan
/// shows no order between PutKeyPolicy and the role's replacement, so which role it binds
/// is unknown (a reference would order them; see testdata/binding/).
#[test]
fn a_written_policy_naming_a_replaced_role_by_literal_arn_is_unknown() {
    let p = admin_policy();
    let more = p.replace(
        r#""Resource":"*"}]"#,
        r#""Resource":"*"},{"Sid":"Use","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:Decrypt","Resource":"*"}]"#,
    );
    assert_ne!(p, more);
    for doc in [
        plan_doc(&[key_written(Some(&p), &more), replaced_role()]),
        plan_doc(&[key_written(None, &p), replaced_role()]),
    ] {
        assert_eq!(verdicts(&[doc])[0].1, Verdict::Unknown);
    }
}

/// A kept role with this ARN (name and path from it) and these tags.
fn kept_role(arn: &str, uid: &str, tags: &str) -> String {
    let name = arn.rsplit('/').next().unwrap();
    let path = &arn[arn.find(":role").unwrap() + 5..arn.len() - name.len()];
    format!(
        r#"{{"address":"aws_iam_role.{n}","mode":"managed","type":"aws_iam_role","name":"{n}","change":{{"actions":["no-op"],
        "before":{{"arn":"{arn}","name":"{name}","path":"{path}","unique_id":"{uid}","tags_all":{tags}}},
        "after":{{"arn":"{arn}","name":"{name}","path":"{path}","unique_id":"{uid}","tags_all":{tags}}},"after_unknown":{{}}}}}}"#,
        n = name.to_lowercase().replace('-', "_")
    )
}

fn recovery_of(docs: &[String]) -> (Verdict, Option<String>) {
    let inputs: Vec<Input> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| Input {
            name: format!("input{i}.json"),
            doc: plan::load("x", d.as_bytes()).unwrap(),
        })
        .collect();
    let a = crate::pipeline::check(&inputs, &[]).analyses.remove(0);
    (
        a.after.verdict,
        a.after.evidence.recovery.map(|r| r.origin.to_string()),
    )
}

/// Semantics §5, "Which principals can exist" (S36: names are unique per account, not
/// distinguished by case, whatever the path): a role the condition requires cannot exist
/// beside one with its name at another path or in another case — it is not assumed to
/// exist; an administrator can delete that one and create this one.
#[test]
fn a_required_role_cannot_exist_beside_its_name_at_another_path_or_case() {
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{{"ArnEquals":{{"aws:PrincipalArn":"{ADMIN}"}}}}}}]}}"#
    );
    for other in [
        "arn:aws:iam::111122223333:role/ops/kms-admin",
        "arn:aws:iam::111122223333:role/KMS-Admin",
    ] {
        let doc = plan_doc(&[
            key_change(r#"["no-op"]"#, &policy),
            kept_role(other, "AROAOTHEROTHEROTHER1", "{}"),
        ]);
        let (verdict, origin) = recovery_of(&[doc]);
        assert_eq!(verdict, Verdict::Recoverable, "{other}");
        assert!(origin.unwrap().contains("unique in an account"), "{other}");
    }
    // Nobody holds the name: the role is assumed to exist.
    let doc = plan_doc(&[key_change(r#"["no-op"]"#, &policy)]);
    assert_eq!(recovery_of(&[doc]).0, Verdict::Manageable);
}

/// S38: no person can act as a service-linked role, and an administrator cannot create one
/// under any name: a grant only they match manages nothing.
#[test]
fn service_linked_roles_neither_manage_nor_recover() {
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/aws-service-role/*"}}}]}"#;
    let doc = plan_doc(&[
        key_change(r#"["no-op"]"#, policy),
        kept_role(
            "arn:aws:iam::111122223333:role/aws-service-role/kms.amazonaws.com/AWSServiceRoleForKeyManagementServiceMultiRegionKeys",
            "AROASLRSLRSLRSLRSLR1",
            "{}",
        ),
    ]);
    assert_eq!(recovery_of(&[doc]), (Verdict::LockedOut, None));
}

/// Semantics §5, "What an administrator can recreate": tags are settable, so access gated on
/// aws:PrincipalTag is recoverable by a new principal with that tag; aws:PrincipalType = User
/// by a new user (a new role would not match).
#[test]
fn tags_and_principal_type_a_new_principal_can_have_make_a_key_recoverable() {
    let tagged = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/kms-admin":"true"}}}]}"#;
    let doc = plan_doc(&[key_change(r#"["no-op"]"#, tagged)]);
    let (verdict, origin) = recovery_of(&[doc]);
    assert_eq!(verdict, Verdict::Recoverable);
    assert!(origin.unwrap().contains("tagged kms-admin=true"));
    let users = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalType":"User"}}}]}"#;
    let doc = plan_doc(&[key_change(r#"["no-op"]"#, users)]);
    let (verdict, origin) = recovery_of(&[doc]);
    assert_eq!(verdict, Verdict::Recoverable);
    assert!(origin.unwrap().contains("a new IAM user"));
}
