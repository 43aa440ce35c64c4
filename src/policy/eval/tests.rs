//! Unit tests of the evaluator, one per rule or example of how verdicts are decided (docs/rules.md).

use super::*;
use crate::policy::document::Policy;
use crate::policy::tags::Tags;

const ACCT: &str = "111122223333";
const ROOT: &str = "arn:aws:iam::111122223333:root";
const ADMIN: &str = "arn:aws:iam::111122223333:role/kms-admin";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn target() -> Target<'static> {
    Target {
        action: PUT_KEY_POLICY,
        key_arn: Some(KEY),
        key_account: Some(ACCT),
        key_tags: None,
    }
}

struct Who {
    kind: CallerKind,
    arn: String,
    name: Option<String>,
    bound: Vec<String>,
    ids: Vec<String>,
    tags: Option<Tags>,
}

fn root() -> Who {
    Who {
        kind: CallerKind::Root,
        arn: ROOT.into(),
        name: None,
        bound: vec![],
        ids: vec![],
        tags: None,
    }
}

/// An IAM role with `arn`; `bound` says whether a Principal naming it still binds
/// (false for a role the plan recreates).
fn role(arn: &str, bound: bool) -> Who {
    Who {
        kind: CallerKind::Role,
        arn: arn.into(),
        name: arn.rsplit('/').next().map(str::to_owned),
        bound: if bound {
            vec![arn.to_ascii_lowercase()]
        } else {
            vec![]
        },
        ids: if bound {
            vec!["AROAAAAAAAAAAAAAAAAA".into()]
        } else {
            vec![]
        },
        tags: Some(Tags::default()),
    }
}

fn user(arn: &str) -> Who {
    Who {
        kind: CallerKind::User,
        arn: arn.into(),
        name: arn.rsplit('/').next().map(str::to_owned),
        bound: vec![arn.to_ascii_lowercase()],
        ids: vec!["AIDAAAAAAAAAAAAAAAAA".into()],
        tags: Some(Tags::default()),
    }
}

fn decide_for(policy: &str, who: &Who) -> Decision {
    decide_with(policy, who, &target())
}

fn decide_with(policy: &str, who: &Who, t: &Target) -> Decision {
    let p = Policy::parse(policy).unwrap();
    let c = Caller {
        kind: who.kind,
        arn: &who.arn,
        account: Some(ACCT),
        name: who.name.as_deref(),
        unique_id: who.ids.first().map(String::as_str),
        tags: who.tags.as_ref(),
        bound_arns: &who.bound,
        bound_ids: &who.ids,
    };
    decide(&p, t, &c)
}

fn can(policy: &str, who: &Who) -> Tri {
    decide_for(policy, who).can
}

fn stmt(effect: &str, principal: &str, action: &str, extra: &str) -> String {
    format!(
        r#"{{"Effect":"{effect}","Principal":{principal},"Action":{action},"Resource":"*"{extra}}}"#
    )
}

fn policy(statements: &[String]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

#[test]
fn rule1_key_policy_is_the_gate_root_needs_a_statement() {
    let p = policy(&[stmt(
        "Allow",
        &format!(r#"{{"AWS":"{ADMIN}"}}"#),
        r#""kms:Decrypt""#,
        "",
    )]);
    assert_eq!(can(&p, &root()), Tri::False);
}

#[test]
fn rule3_account_principal_arn_and_short_form() {
    for principal in [
        format!(r#"{{"AWS":"{ROOT}"}}"#),
        format!(r#"{{"AWS":"{ACCT}"}}"#),
    ] {
        let p = policy(&[stmt("Allow", &principal, r#""kms:*""#, "")]);
        let d = decide_for(&p, &root());
        assert_eq!(d.can, Tri::True);
        assert_eq!(d.allow, Some((0, Via::Account)));
        // IAM identities get it through delegation.
        let d = decide_for(&p, &role(ADMIN, true));
        assert_eq!(d.allow, Some((0, Via::Delegation)));
    }
}

#[test]
fn rule2_management_is_never_cross_account() {
    let p = policy(&[stmt(
        "Allow",
        r#"{"AWS":"arn:aws:iam::999988887777:root"}"#,
        r#""kms:*""#,
        "",
    )]);
    assert_eq!(can(&p, &root()), Tri::False);
    assert_eq!(can(&p, &role(ADMIN, true)), Tri::False);
}

#[test]
fn rule3_explicit_deny_beats_the_account_statement() {
    let p = policy(&[
        stmt("Allow", &format!(r#"{{"AWS":"{ROOT}"}}"#), r#""kms:*""#, ""),
        stmt("Deny", r#""*""#, r#""kms:PutKeyPolicy""#, ""),
    ]);
    let d = decide_for(&p, &root());
    assert_eq!(d.can, Tri::False);
    assert_eq!(d.deny, Some(1));
}

#[test]
fn rule4_named_principal_binds_only_the_same_incarnation() {
    let p = policy(&[stmt(
        "Allow",
        &format!(r#"{{"AWS":"{ADMIN}"}}"#),
        r#""kms:*""#,
        "",
    )]);
    assert_eq!(can(&p, &role(ADMIN, true)), Tri::True);
    // Recreated with the same ARN: new unique ID, the policy does not bind it.
    assert_eq!(can(&p, &role(ADMIN, false)), Tri::False);
}

#[test]
fn rule4_bare_unique_id_binds_to_nothing_new() {
    let p = policy(&[stmt(
        "Allow",
        r#"{"AWS":"AROABBBBBBBBBBBBBBBB"}"#,
        r#""kms:*""#,
        "",
    )]);
    assert_eq!(can(&p, &role(ADMIN, true)), Tri::False);
    // ...but does bind a known principal whose unique ID it is.
    let p = policy(&[stmt(
        "Allow",
        r#"{"AWS":"AROAAAAAAAAAAAAAAAAA"}"#,
        r#""kms:*""#,
        "",
    )]);
    assert_eq!(can(&p, &role(ADMIN, true)), Tri::True);
}

#[test]
fn rule5_principal_arn_condition_survives_recreation() {
    let p = policy(&[stmt(
        "Allow",
        r#""*""#,
        r#""kms:*""#,
        &format!(r#","Condition":{{"ArnLike":{{"aws:PrincipalArn":["{ROOT}","{ADMIN}"]}}}}"#),
    )]);
    let d = decide_for(&p, &role(ADMIN, false));
    assert_eq!(d.can, Tri::True);
    assert_eq!(d.allow, Some((0, Via::Wildcard)));
    assert_eq!(can(&p, &root()), Tri::True);
    assert_eq!(
        can(&p, &role("arn:aws:iam::111122223333:role/other", true)),
        Tri::False
    );
}

#[test]
fn rule5_renamed_user_breaks_a_username_condition() {
    let p = policy(&[stmt(
        "Allow",
        r#""*""#,
        r#""kms:*""#,
        r#","Condition":{"StringEquals":{"aws:username":"alice"}}"#,
    )]);
    assert_eq!(
        can(&p, &user("arn:aws:iam::111122223333:user/alice")),
        Tri::True
    );
    assert_eq!(
        can(&p, &user("arn:aws:iam::111122223333:user/alice2")),
        Tri::False
    );
}

#[test]
fn rule7_service_principals_never_manage() {
    let p = policy(&[stmt(
        "Allow",
        r#"{"Service":"logs.amazonaws.com"}"#,
        r#""kms:*""#,
        "",
    )]);
    assert_eq!(can(&p, &root()), Tri::False);
    assert_eq!(can(&p, &role(ADMIN, true)), Tri::False);
}

#[test]
fn principal_star_and_aws_star_are_the_same() {
    for pr in [r#""*""#, r#"{"AWS":"*"}"#] {
        let p = policy(&[stmt("Allow", pr, r#""kms:PutKeyPolicy""#, "")]);
        assert_eq!(can(&p, &root()), Tri::True);
    }
}

#[test]
fn actions_are_case_insensitive_with_wildcards() {
    for action in [
        r#""KMS:putkeypolicy""#,
        r#""kms:Put*""#,
        r#""kms:PutKeyPolic?""#,
        r#""*""#,
        r#"["kms:Decrypt","kms:*"]"#,
    ] {
        let p = policy(&[stmt("Allow", r#""*""#, action, "")]);
        assert_eq!(can(&p, &root()), Tri::True, "{action}");
    }
    for action in [r#""kms:Get*""#, r#""kms:PutKeyPolicyX""#, r#""s3:*""#] {
        let p = policy(&[stmt("Allow", r#""*""#, action, "")]);
        assert_eq!(can(&p, &root()), Tri::False, "{action}");
    }
}

#[test]
fn not_action_with_allow_grants_everything_not_listed() {
    let p = r#"{"Statement":[{"Effect":"Allow","Principal":"*","NotAction":"kms:Decrypt","Resource":"*"}]}"#;
    assert_eq!(can(p, &root()), Tri::True);
    let p = r#"{"Statement":[{"Effect":"Allow","Principal":"*","NotAction":"kms:Put*","Resource":"*"}]}"#;
    assert_eq!(can(p, &root()), Tri::False);
}

#[test]
fn resource_star_key_arn_glob_and_not_resource() {
    let mk = |res: &str| {
        format!(r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"kms:*",{res}}}]}}"#)
    };
    assert_eq!(can(&mk(r#""Resource":"*""#), &root()), Tri::True);
    assert_eq!(
        can(
            &mk(r#""Resource":"arn:aws:kms:*:111122223333:key/*""#),
            &root()
        ),
        Tri::True
    );
    assert_eq!(
        can(
            &mk(r#""Resource":"arn:aws:kms:*:111122223333:key/other""#),
            &root()
        ),
        Tri::False
    );
    assert_eq!(
        can(
            &mk(r#""NotResource":"arn:aws:kms:*:111122223333:key/other""#),
            &root()
        ),
        Tri::True
    );
    assert_eq!(can(&mk(r#""NotResource":"*""#), &root()), Tri::False);
    // A key the plan creates has no ARN yet: a specific Resource is unknown.
    let t = Target {
        key_arn: None,
        ..target()
    };
    let d = decide_with(
        &mk(r#""Resource":"arn:aws:kms:*:111122223333:key/x""#),
        &root(),
        &t,
    );
    assert_eq!(d.can, Tri::Unknown);
    assert!(d.unknown_reasons[0].contains("not known until apply"));
}

#[test]
fn deny_everyone_except_breakglass_keeps_breakglass_through_delegation() {
    let bg = "arn:aws:iam::111122223333:role/breakglass";
    let p = policy(&[
        stmt("Allow", &format!(r#"{{"AWS":"{ROOT}"}}"#), r#""kms:*""#, ""),
        stmt(
            "Deny",
            r#""*""#,
            r#""kms:PutKeyPolicy""#,
            &format!(r#","Condition":{{"ArnNotEquals":{{"aws:PrincipalArn":"{bg}"}}}}"#),
        ),
    ]);
    assert_eq!(can(&p, &root()), Tri::False);
    let d = decide_for(&p, &role(bg, true));
    assert_eq!(d.can, Tri::True);
    assert_eq!(d.allow, Some((0, Via::Delegation)));
    // A recreated breakglass role matches the ARN condition again.
    assert_eq!(can(&p, &role(bg, false)), Tri::True);
}

#[test]
fn not_principal_deny_needs_principal_and_account_listed() {
    let bg = "arn:aws:iam::111122223333:role/breakglass";
    let deny = |listed: &str| {
        policy(&[
            stmt("Allow", &format!(r#"{{"AWS":"{ROOT}"}}"#), r#""kms:*""#, ""),
            format!(
                r#"{{"Effect":"Deny","NotPrincipal":{{"AWS":[{listed}]}},"Action":"kms:*","Resource":"*"}}"#
            ),
        ])
    };
    let both = deny(&format!(r#""{bg}","{ROOT}""#));
    assert_eq!(can(&both, &role(bg, true)), Tri::True);
    assert_eq!(can(&both, &root()), Tri::True);
    assert_eq!(
        can(&both, &role("arn:aws:iam::111122223333:role/x", true)),
        Tri::False
    );
    // Recreated breakglass: NotPrincipal binds the old unique ID, the new role is denied.
    assert_eq!(can(&both, &role(bg, false)), Tri::False);
    let only_role = deny(&format!(r#""{bg}""#));
    assert_eq!(can(&only_role, &role(bg, true)), Tri::False);
}

#[test]
fn request_dependent_conditions_leave_a_way_in() {
    // Allow only with MFA: a caller can use MFA.
    let p = policy(&[stmt(
        "Allow",
        &format!(r#"{{"AWS":"{ROOT}"}}"#),
        r#""kms:*""#,
        r#","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#,
    )]);
    assert_eq!(can(&p, &root()), Tri::True);
    // Deny without MFA: a caller can avoid it.
    let p = policy(&[
        stmt("Allow", &format!(r#"{{"AWS":"{ROOT}"}}"#), r#""kms:*""#, ""),
        stmt(
            "Deny",
            r#""*""#,
            r#""kms:*""#,
            r#","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#,
        ),
    ]);
    assert_eq!(can(&p, &root()), Tri::True);
}

#[test]
fn unknown_principal_facts_stay_unknown() {
    let p = policy(&[stmt(
        "Allow",
        r#""*""#,
        r#""kms:*""#,
        r#","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}"#,
    )]);
    let d = decide_for(&p, &root());
    assert_eq!(d.can, Tri::Unknown);
    assert!(
        d.unknown_reasons[0].contains("PrincipalOrgID"),
        "{:?}",
        d.unknown_reasons
    );
    // An unknown Deny makes an allowed caller unknown, not denied.
    let p = policy(&[
        stmt("Allow", &format!(r#"{{"AWS":"{ROOT}"}}"#), r#""kms:*""#, ""),
        stmt(
            "Deny",
            r#""*""#,
            r#""kms:*""#,
            r#","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-abc"}}"#,
        ),
    ]);
    let d = decide_for(&p, &root());
    assert_eq!(
        (d.allowed, d.denied, d.can),
        (Tri::True, Tri::Unknown, Tri::Unknown)
    );
}

#[test]
fn principal_type_and_tags() {
    let p = policy(&[
        stmt("Allow", &format!(r#"{{"AWS":"{ROOT}"}}"#), r#""kms:*""#, ""),
        stmt(
            "Deny",
            r#""*""#,
            r#""kms:*""#,
            r#","Condition":{"StringEquals":{"aws:PrincipalType":"Account"}}"#,
        ),
    ]);
    assert_eq!(can(&p, &root()), Tri::False);
    assert_eq!(can(&p, &role(ADMIN, true)), Tri::True);
    let p = policy(&[stmt(
        "Allow",
        r#""*""#,
        r#""kms:*""#,
        r#","Condition":{"StringEquals":{"aws:PrincipalTag/team":"sec"}}"#,
    )]);
    let mut r = role(ADMIN, true);
    assert_eq!(can(&p, &r), Tri::False);
    r.tags = Some([("team", "sec")].into_iter().collect());
    assert_eq!(can(&p, &r), Tri::True);
    r.tags = None;
    assert_eq!(can(&p, &r), Tri::Unknown);
}

#[test]
fn assumed_role_session_principal() {
    let p = policy(&[stmt(
        "Allow",
        r#"{"AWS":"arn:aws:sts::111122223333:assumed-role/kms-admin/alice"}"#,
        r#""kms:*""#,
        "",
    )]);
    assert_eq!(can(&p, &role(ADMIN, true)), Tri::True);
    assert_eq!(can(&p, &role(ADMIN, false)), Tri::False);
}

#[test]
fn account_unknown_takes_account_principal_as_own() {
    let p = policy(&[stmt(
        "Allow",
        r#"{"AWS":"arn:aws:iam::123456789012:root"}"#,
        r#""kms:*""#,
        "",
    )]);
    let t = Target {
        key_account: None,
        key_arn: None,
        ..target()
    };
    let who = root();
    let c = Caller {
        kind: who.kind,
        arn: "arn:aws:iam::123456789012:root",
        account: None,
        name: None,
        unique_id: None,
        tags: None,
        bound_arns: &[],
        bound_ids: &[],
    };
    assert_eq!(decide(&Policy::parse(&p).unwrap(), &t, &c).can, Tri::True);
}

#[test]
fn tri_logic() {
    use Tri::*;
    assert_eq!(True.and(Unknown), Unknown);
    assert_eq!(False.and(Unknown), False);
    assert_eq!(True.or(Unknown), True);
    assert_eq!(False.or(Unknown), Unknown);
    assert_eq!(Unknown.negate(), Unknown);
}

// Values known only after apply (placeholders in a rebuilt policy): three-valued.

fn unknown(what: &str) -> String {
    serde_json::to_string(&crate::policy::placeholder::unknown_value(what)).unwrap()
}

#[test]
fn an_unknown_principal_entry_leaves_the_known_ones_counting() {
    let p = policy(&[stmt(
        "Allow",
        &format!(
            r#"{{"AWS":["{ADMIN}",{}]}}"#,
            unknown("the ARN of aws_iam_role.x")
        ),
        r#""kms:*""#,
        "",
    )]);
    assert_eq!(can(&p, &role(ADMIN, true)), Tri::True);
    let d = decide_for(&p, &root());
    assert_eq!(
        d.can,
        Tri::Unknown,
        "the unknown entry could be the account"
    );
    assert!(
        d.unknown_reasons[0].contains("the ARN of aws_iam_role.x"),
        "{:?}",
        d.unknown_reasons
    );
    assert_eq!(d.statements[0].principal_matches, Tri::Unknown);
}

#[test]
fn an_unknown_principal_in_a_deny_makes_everyone_unknown() {
    let p = policy(&[
        stmt("Allow", &format!(r#"{{"AWS":"{ROOT}"}}"#), r#""kms:*""#, ""),
        stmt(
            "Deny",
            &format!(r#"{{"AWS":[{}]}}"#, unknown("x")),
            r#""kms:PutKeyPolicy""#,
            "",
        ),
    ]);
    assert_eq!(can(&p, &root()), Tri::Unknown);
}

#[test]
fn an_unknown_not_principal_entry_could_exempt_anyone() {
    let p = policy(&[
        stmt("Allow", &format!(r#"{{"AWS":"{ROOT}"}}"#), r#""kms:*""#, ""),
        format!(
            r#"{{"Effect":"Deny","NotPrincipal":{{"AWS":[{}]}},"Action":"kms:*","Resource":"*"}}"#,
            unknown("y")
        ),
    ]);
    assert_eq!(can(&p, &root()), Tri::Unknown);
}

#[test]
fn unknown_actions_and_resources_are_unknown_unless_a_known_entry_decides() {
    let admin = role(ADMIN, true);
    let p = policy(&[stmt(
        "Allow",
        &format!(r#"{{"AWS":"{ADMIN}"}}"#),
        &format!(r#"[{}]"#, unknown("var.actions")),
        "",
    )]);
    assert_eq!(can(&p, &admin), Tri::Unknown);
    let p = policy(&[stmt(
        "Allow",
        &format!(r#"{{"AWS":"{ADMIN}"}}"#),
        &format!(r#"["kms:*",{}]"#, unknown("var.actions")),
        "",
    )]);
    assert_eq!(can(&p, &admin), Tri::True);
    let p = policy(&[format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"{ADMIN}"}},"NotAction":[{}],"Resource":"*"}}"#,
        unknown("var.excluded")
    )]);
    assert_eq!(can(&p, &admin), Tri::Unknown);
    let p = policy(&[format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"{ADMIN}"}},"Action":"kms:*","Resource":[{}]}}"#,
        unknown("aws_kms_key.k.arn")
    )]);
    assert_eq!(can(&p, &admin), Tri::Unknown);
}

#[test]
fn an_unknown_condition_value_decides_only_when_it_cannot_matter() {
    let admin = role(ADMIN, true);
    let cond = |values: String| {
        policy(&[stmt(
            "Allow",
            r#"{"AWS":"*"}"#,
            r#""kms:*""#,
            &format!(r#","Condition":{{"ArnEquals":{{"aws:PrincipalArn":[{values}]}}}}"#),
        )])
    };
    // The admin's ARN is among the known values: allowed whatever the unknown one is.
    let p = cond(format!(r#""{ADMIN}",{}"#, unknown("var.extra")));
    assert_eq!(can(&p, &admin), Tri::True);
    // Only the unknown value: it may or may not be the admin.
    let p = cond(unknown("aws_iam_role.kms_admin.arn"));
    let d = decide_for(&p, &admin);
    assert_eq!(d.can, Tri::Unknown);
    assert!(d.unknown_reasons[0].contains("aws_iam_role.kms_admin.arn"));
}
