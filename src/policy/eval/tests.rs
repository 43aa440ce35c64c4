//! Unit tests of the evaluator, one per rule or example of how verdicts are decided (docs/rules.md).

use super::*;
use crate::policy::document::Policy;
use crate::policy::eval::KeyFacts;
use crate::policy::tags::Tags;

const ACCT: &str = "111122223333";
const ROOT: &str = "arn:aws:iam::111122223333:root";
const ADMIN: &str = "arn:aws:iam::111122223333:role/kms-admin";
/// The plan's time in these tests: 2026-11-28T10:00:00Z.
const NOW: i64 = 1_795_860_000;

fn target() -> Target<'static> {
    Target {
        action: PUT_KEY_POLICY,
        key_account: Some(ACCT),
        time: NOW,
        region: Some("us-east-1"),
        key: KeyFacts {
            spec: Some("SYMMETRIC_DEFAULT"),
            usage: Some("ENCRYPT_DECRYPT"),
            origin: Some("AWS_KMS"),
            multi_region: Some(false),
            multi_region_type: None,
        },
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
        unsure_arns: &[],
        boundary: false,
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

/// S35: since 2025-08-18 KMS accepts only `"*"` as a key policy's Resource, and a stored
/// statement with anything else (or without Resource or Action) does not take effect.
#[test]
fn only_star_is_a_key_policy_resource_and_other_statements_never_count() {
    let mk = |res: &str| {
        format!(r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"kms:*"{res}}}]}}"#)
    };
    assert_eq!(can(&mk(r#","Resource":"*""#), &root()), Tri::True);
    for refused in [
        r#","Resource":"arn:aws:kms:*:111122223333:key/*""#,
        r#","Resource":["*","arn:aws:kms:us-east-1:111122223333:key/k"]"#,
        r#","NotResource":"arn:aws:kms:*:111122223333:key/other""#,
        "",
    ] {
        let text = mk(refused);
        assert_eq!(can(&text, &root()), Tri::False, "{text}");
        assert_eq!(Policy::parse(&text).unwrap().refusals.len(), 1, "{text}");
    }
    // Neither does a Deny: the account statement stands.
    let p = policy(&[
        stmt("Allow", &format!(r#"{{"AWS":"{ROOT}"}}"#), r#""kms:*""#, ""),
        r#"{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"arn:aws:kms:us-east-1:111122223333:key/k"}"#.to_owned(),
        r#"{"Effect":"Deny","Principal":"*","Resource":"*"}"#.to_owned(),
    ]);
    assert_eq!(can(&p, &root()), Tri::True);
    // A Resource known only after apply may turn out to be "*".
    let d = decide_for(&mk(&format!(r#","Resource":{}"#, unknown("x"))), &root());
    assert_eq!(d.can, Tri::Unknown);
}

/// S34: aws:ResourceTag, kms:ResourceTag and kms:ResourceAliases are refused in a key
/// policy; a stored statement using them never takes effect.
#[test]
fn resource_tag_and_alias_conditions_are_refused() {
    let p = policy(&[stmt(
        "Allow",
        r#""*""#,
        r#""kms:*""#,
        r#","Condition":{"StringEquals":{"aws:ResourceTag/team":"sec"}}"#,
    )]);
    let parsed = Policy::parse(&p).unwrap();
    assert!(
        parsed.refusals[0].contains("aws:ResourceTag/team"),
        "{:?}",
        parsed.refusals
    );
    assert_eq!(can(&p, &root()), Tri::False);
}

/// S2: KMS accepts printable ASCII, Latin-1 Supplement, tab, LF and CR only.
#[test]
fn characters_outside_latin1_are_refused() {
    let ok = policy(&[stmt(
        "Allow",
        &format!(r#"{{"AWS":"{ROOT}"}}"#),
        r#""kms:*""#,
        r#","Sid":"Café""#,
    )]);
    assert!(Policy::parse(&ok).unwrap().refusals.is_empty());
    let bad = policy(&[stmt(
        "Allow",
        &format!(r#"{{"AWS":"{ROOT}"}}"#),
        r#""kms:*""#,
        r#","Sid":"key ☃""#,
    )]);
    let p = Policy::parse(&bad).unwrap();
    assert!(p.refusals[0].contains("U+2603"), "{:?}", p.refusals);
    // The statement itself still counts: KMS refuses the whole request instead.
    assert_eq!(can(&bad, &root()), Tri::True);
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
    // S37: a role's caller is one of its sessions; the role ARN alone does not exempt it.
    let session = "arn:aws:sts::111122223333:assumed-role/breakglass/oncall";
    let role_and_account = deny(&format!(r#""{bg}","{ROOT}""#));
    assert_eq!(can(&role_and_account, &role(bg, true)), Tri::False);
    assert_eq!(can(&role_and_account, &root()), Tri::True);
    let all = deny(&format!(r#""{bg}","{session}","{ROOT}""#));
    let d = decide_for(&all, &role(bg, true));
    assert_eq!(d.can, Tri::True);
    // The witness is the listed session.
    assert_eq!(d.request.session(), Some("oncall"));
    assert_eq!(
        can(&all, &role("arn:aws:iam::111122223333:role/x", true)),
        Tri::False
    );
    // Recreated breakglass: NotPrincipal binds the old unique ID, the new role is denied.
    assert_eq!(can(&all, &role(bg, false)), Tri::False);
    let no_account = deny(&format!(r#""{bg}","{session}""#));
    assert_eq!(can(&no_account, &role(bg, true)), Tri::False);
}

/// S37: an Allow with NotPrincipal is not supported; it applies to nobody.
#[test]
fn allow_with_not_principal_applies_to_nobody() {
    let p = r#"{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/x"},"Action":"kms:*","Resource":"*"}]}"#;
    assert_eq!(can(p, &root()), Tri::False);
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
    // One request for all statements: an Allow that needs MFA and a Deny on every MFA
    // request leave nobody (semantics §4).
    let p = policy(&[
        stmt(
            "Allow",
            &format!(r#"{{"AWS":"{ROOT}"}}"#),
            r#""kms:*""#,
            r#","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#,
        ),
        stmt(
            "Deny",
            r#""*""#,
            r#""kms:*""#,
            r#","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#,
        ),
    ]);
    assert_eq!(can(&p, &root()), Tri::False);
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
    let d = decide_for(&p, &role(ADMIN, true));
    assert_eq!((d.can, d.request.session()), (Tri::True, Some("alice")));
    assert_eq!(can(&p, &role(ADMIN, false)), Tri::False);
    // S14: a Deny naming one session leaves every other session of the role untouched.
    let p = policy(&[
        stmt(
            "Allow",
            &format!(r#"{{"AWS":"{ADMIN}"}}"#),
            r#""kms:*""#,
            "",
        ),
        stmt(
            "Deny",
            r#"{"AWS":"arn:aws:sts::111122223333:assumed-role/kms-admin/mallory"}"#,
            r#""kms:*""#,
            "",
        ),
    ]);
    let d = decide_for(&p, &role(ADMIN, true));
    assert_eq!(d.can, Tri::True);
    assert_ne!(d.request.session(), Some("mallory"));
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
        unsure_arns: &[],
        boundary: false,
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

// ---- The request model (docs/rules.md#the-request-model; semantics §4, S32, S33) ----

/// A policy of the account statement plus one Deny of PutKeyPolicy with `cond`.
fn account_and_deny(cond: &str) -> String {
    policy(&[
        stmt("Allow", &format!(r#"{{"AWS":"{ROOT}"}}"#), r#""kms:*""#, ""),
        stmt(
            "Deny",
            r#""*""#,
            r#""kms:PutKeyPolicy""#,
            &format!(r#","Condition":{cond}"#),
        ),
    ])
}

/// A policy whose only Allow (to the account) needs `cond`.
fn account_if(cond: &str) -> String {
    policy(&[stmt(
        "Allow",
        &format!(r#"{{"AWS":"{ROOT}"}}"#),
        r#""kms:*""#,
        &format!(r#","Condition":{cond}"#),
    )])
}

#[test]
fn current_time_is_the_plan_time_a_past_deny_date_applies_forever() {
    // S32 aws:CurrentTime: the request is made at or after the plan's time.
    let past =
        account_and_deny(r#"{"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}"#);
    assert_eq!(can(&past, &root()), Tri::False);
    let future =
        account_and_deny(r#"{"DateGreaterThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}}"#);
    assert_eq!(can(&future, &root()), Tri::True);
    // The time moves on: from that date on, the Deny applies.
    let later = Target {
        time: NOW + 400 * 86_400,
        ..target()
    };
    assert_eq!(decide_with(&future, &root(), &later).can, Tri::False);
    // An Allow that expired never applies; aws:EpochTime is the same clock.
    assert_eq!(
        can(
            &account_if(r#"{"DateLessThan":{"aws:CurrentTime":"2026-06-01"}}"#),
            &root()
        ),
        Tri::False
    );
    assert_eq!(
        can(
            &account_if(r#"{"NumericLessThan":{"aws:EpochTime":"1795860001"}}"#),
            &root()
        ),
        Tri::True
    );
}

#[test]
fn requested_region_is_the_keys_region() {
    // A request about a key is sent to the key's region: a Deny unless another region
    // hits every caller.
    let p = account_and_deny(r#"{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}"#);
    assert_eq!(can(&p, &root()), Tri::False);
    let p = account_and_deny(r#"{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}"#);
    assert_eq!(can(&p, &root()), Tri::True);
    let nowhere = Target {
        region: None,
        ..target()
    };
    let d = decide_with(&p, &root(), &nowhere);
    assert_eq!(d.can, Tri::Unknown);
    assert!(
        d.unknown_reasons[0].contains("region"),
        "{:?}",
        d.unknown_reasons
    );
}

#[test]
fn request_tags_and_encryption_context_are_absent_from_put_key_policy() {
    // Null true: the key is absent, so these Denies hit everyone.
    for cond in [
        r#"{"Null":{"aws:RequestTag/owner":"true"}}"#,
        r#"{"Null":{"kms:EncryptionContext:app":"true"}}"#,
        r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["owner"]}}"#,
        r#"{"StringNotEquals":{"aws:RequestTag/owner":"sec"}}"#,
    ] {
        assert_eq!(can(&account_and_deny(cond), &root()), Tri::False, "{cond}");
    }
    // ForAnyValue on an empty set is false, also with a negated operator.
    let p = account_and_deny(r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["owner"]}}"#);
    assert_eq!(can(&p, &root()), Tri::True);
}

#[test]
fn via_service_is_absent_so_an_admin_grant_that_needs_it_never_manages() {
    let p = account_if(
        r#"{"StringEquals":{"kms:ViaService":"cloudformation.us-east-1.amazonaws.com"}}"#,
    );
    assert_eq!(can(&p, &root()), Tri::False);
}

#[test]
fn source_ip_is_a_public_address_or_absent_never_a_private_one() {
    // Deny NotIpAddress a private range: every public address and every VPC-endpoint
    // request (no aws:SourceIp: negated operators are true) is denied.
    let p = account_and_deny(r#"{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#);
    assert_eq!(can(&p, &root()), Tri::False);
    // An Allow from a public range: the caller calls from inside it.
    let p = account_if(r#"{"IpAddress":{"aws:SourceIp":"198.51.100.0/24"}}"#);
    let d = decide_for(&p, &root());
    assert_eq!(d.can, Tri::True);
    let ip = d.request.get("aws:sourceip").unwrap().as_ref().unwrap()[0].clone();
    assert!(ip.starts_with("198.51.100."), "{ip}");
    // Through a VPC endpoint: an Allow on the VPC works, with no aws:SourceIp.
    let p = account_if(r#"{"StringEquals":{"aws:SourceVpc":"vpc-1234"}}"#);
    let d = decide_for(&p, &root());
    assert_eq!(d.can, Tri::True);
    assert_eq!(d.request.get("aws:sourceip"), Some(&None));
}

#[test]
fn mfa_is_true_false_or_absent_and_one_request_serves_all_statements() {
    let p = account_and_deny(r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#);
    let d = decide_for(&p, &root());
    assert_eq!(d.can, Tri::True);
    assert_eq!(
        d.request.get("aws:multifactorauthpresent"),
        Some(&Some(vec!["true".to_owned()]))
    );
    // MFA younger than an hour: the caller signs in again.
    let p = account_if(r#"{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}"#);
    assert_eq!(can(&p, &root()), Tri::True);
    // Allow needs MFA, Deny hits every request that has MFA present.
    let p = policy(&[
        stmt(
            "Allow",
            &format!(r#"{{"AWS":"{ROOT}"}}"#),
            r#""kms:*""#,
            r#","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#,
        ),
        stmt(
            "Deny",
            r#""*""#,
            r#""kms:*""#,
            r#","Condition":{"Null":{"aws:MultiFactorAuthPresent":"false"}}"#,
        ),
    ]);
    assert_eq!(can(&p, &root()), Tri::False);
}

#[test]
fn bypass_flag_and_called_via_are_the_callers_choice() {
    // AWS's own example: allow only when the flag is omitted.
    let p = account_if(r#"{"Null":{"kms:BypassPolicyLockoutSafetyCheck":"true"}}"#);
    let d = decide_for(&p, &root());
    assert_eq!(d.can, Tri::True);
    assert_eq!(
        d.request.get("kms:bypasspolicylockoutsafetycheck"),
        Some(&None)
    );
    let p = account_and_deny(r#"{"Bool":{"kms:BypassPolicyLockoutSafetyCheck":"true"}}"#);
    assert_eq!(can(&p, &root()), Tri::True);
    // Through CloudFormation (no stack role): aws:CalledVia is cloudformation.
    let p = account_if(
        r#"{"ForAnyValue:StringEquals":{"aws:CalledVia":"cloudformation.amazonaws.com"}}"#,
    );
    assert_eq!(can(&p, &root()), Tri::True);
    // Only through another service, and never through one: nobody.
    let p = policy(&[stmt(
        "Allow",
        &format!(r#"{{"AWS":"{ROOT}"}}"#),
        r#""kms:*""#,
        r#","Condition":{"StringEquals":{"aws:CalledViaFirst":"athena.amazonaws.com"}}"#,
    )]);
    assert_eq!(can(&p, &root()), Tri::False);
}

#[test]
fn userid_of_a_role_session_is_its_unique_id_and_a_session_name_it_chooses() {
    let p = policy(&[stmt(
        "Allow",
        r#""*""#,
        r#""kms:*""#,
        r#","Condition":{"StringLike":{"aws:userid":"AROAAAAAAAAAAAAAAAAA:*"}}"#,
    )]);
    assert_eq!(can(&p, &role(ADMIN, true)), Tri::True);
    let p = policy(&[stmt(
        "Allow",
        r#""*""#,
        r#""kms:*""#,
        r#","Condition":{"StringEquals":{"aws:userid":"AROAAAAAAAAAAAAAAAAA:ops"}}"#,
    )]);
    let d = decide_for(&p, &role(ADMIN, true));
    assert_eq!((d.can, d.request.session()), (Tri::True, Some("ops")));
    // Another role's ID does not match.
    let p = policy(&[stmt(
        "Allow",
        r#""*""#,
        r#""kms:*""#,
        r#","Condition":{"StringLike":{"aws:userid":"AROABBBBBBBBBBBBBBBB:*"}}"#,
    )]);
    assert_eq!(can(&p, &role(ADMIN, true)), Tri::False);
}

#[test]
fn the_keys_own_attributes_are_known_in_each_phase() {
    let p = account_and_deny(r#"{"StringNotEquals":{"kms:KeySpec":"SYMMETRIC_DEFAULT"}}"#);
    assert_eq!(can(&p, &root()), Tri::True);
    let p = account_and_deny(r#"{"StringEquals":{"aws:ResourceAccount":"111122223333"}}"#);
    assert_eq!(can(&p, &root()), Tri::False);
    let p = account_and_deny(r#"{"Bool":{"kms:MultiRegion":"true"}}"#);
    assert_eq!(can(&p, &root()), Tri::True);
    let unknown_spec = Target {
        key: KeyFacts::default(),
        ..target()
    };
    let p = account_and_deny(r#"{"StringEquals":{"kms:KeyUsage":"SIGN_VERIFY"}}"#);
    assert_eq!(decide_with(&p, &root(), &unknown_spec).can, Tri::Unknown);
}

#[test]
fn policy_variables_are_literal_text_without_version_2012_10_17() {
    // S14b: with no Version, `${aws:username}` is the literal text.
    let cond = r#","Condition":{"StringEquals":{"aws:PrincipalTag/owner":"${aws:username}"}}"#;
    let alice = {
        let mut u = user("arn:aws:iam::111122223333:user/alice");
        u.tags = Some([("owner", "alice")].into_iter().collect());
        u
    };
    let with = policy(&[stmt("Allow", r#""*""#, r#""kms:*""#, cond)]);
    assert_eq!(can(&with, &alice), Tri::True);
    let without = with.replace(r#""Version":"2012-10-17","#, "");
    assert_ne!(with, without);
    assert_eq!(can(&without, &alice), Tri::False);
}

#[test]
fn a_key_nobody_models_is_unknown_and_named() {
    let p = account_and_deny(r#"{"StringEquals":{"aws:SomethingNew":"x"}}"#);
    let d = decide_for(&p, &root());
    assert_eq!(d.can, Tri::Unknown);
    assert!(
        d.unknown_reasons[0].contains("aws:somethingnew"),
        "{:?}",
        d.unknown_reasons
    );
}

/// Regression: the text of a placeholder is kmsguard's (it may hold `…`), not the policy's.
#[test]
fn placeholder_text_is_not_checked_for_characters_kms_refuses() {
    let p = policy(&[stmt(
        "Allow",
        &format!(
            r#"{{"AWS":{}}}"#,
            unknown("regex(…) of aws_iam_role.admin.arn — ☃")
        ),
        r#""kms:*""#,
        "",
    )]);
    assert!(Policy::parse(&p).unwrap().refusals.is_empty());
}

/// Semantics §4, the caller's own keys (S32): aws:PrincipalAccount and kms:CallerAccount are
/// the caller's account, aws:PrincipalIsAWSService is false for an operator,
/// aws:SecureTransport is always true for KMS, aws:PrincipalArn of a role session is the role
/// ARN with its path.
#[test]
fn the_callers_own_keys_and_the_transport() {
    let ops = "arn:aws:iam::111122223333:role/ops/kms-admin";
    for (cond, want) in [
        (
            r#"{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}"#,
            Tri::True,
        ),
        (
            r#"{"StringEquals":{"kms:CallerAccount":"444455556666"}}"#,
            Tri::False,
        ),
        (
            r#"{"Bool":{"aws:PrincipalIsAWSService":"false"}}"#,
            Tri::True,
        ),
        (r#"{"Bool":{"aws:SecureTransport":"false"}}"#, Tri::False),
        (
            r#"{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/ops/kms-admin"}}"#,
            Tri::True,
        ),
        (
            r#"{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/kms-admin"}}"#,
            Tri::False,
        ),
    ] {
        let p = policy(&[stmt(
            "Allow",
            r#""*""#,
            r#""kms:*""#,
            &format!(r#","Condition":{cond}"#),
        )]);
        assert_eq!(can(&p, &role(ops, true)), want, "{cond}");
    }
}

/// Semantics §4: keys the caller sets freely (the user agent, the referer, a source
/// identity) are a choice, and so is calling through a VPC endpoint with one of the VPCs a
/// policy names.
#[test]
fn free_request_keys_are_the_callers_choice() {
    let p = account_and_deny(r#"{"StringNotLike":{"aws:UserAgent":"terraform/*"}}"#);
    let d = decide_for(&p, &root());
    assert_eq!(d.can, Tri::True);
    assert_eq!(
        d.request.get("aws:useragent"),
        Some(&Some(vec!["terraform/x".to_owned()]))
    );
    let p = account_if(r#"{"StringEquals":{"aws:SourceVpce":["vpce-1","vpce-2"]}}"#);
    assert_eq!(can(&p, &root()), Tri::True);
}

/// IAM "NotPrincipal": a Deny with NotPrincipal applies to a principal that has a permissions
/// boundary, whatever the list.
#[test]
fn not_principal_never_exempts_a_principal_with_a_permissions_boundary() {
    let u = "arn:aws:iam::111122223333:user/bob";
    let p = policy(&[
        stmt("Allow", &format!(r#"{{"AWS":"{u}"}}"#), r#""kms:*""#, ""),
        format!(
            r#"{{"Effect":"Deny","NotPrincipal":{{"AWS":["{u}","{ROOT}"]}},"Action":"kms:*","Resource":"*"}}"#
        ),
    ]);
    let bob = user(u);
    assert_eq!(can(&p, &bob), Tri::True);
    let w = &bob;
    let c = Caller {
        kind: w.kind,
        arn: &w.arn,
        account: Some(ACCT),
        name: w.name.as_deref(),
        unique_id: None,
        tags: w.tags.as_ref(),
        bound_arns: &w.bound,
        bound_ids: &w.ids,
        unsure_arns: &[],
        boundary: true,
    };
    assert_eq!(
        decide(&Policy::parse(&p).unwrap(), &target(), &c).can,
        Tri::False
    );
}
