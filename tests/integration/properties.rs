//! Property tests of the evaluator, through the library (plan → inventory → verdicts):
//! adding an Allow never lowers a verdict, adding a Deny never raises it, deleting a
//! principal never raises it; statement order, JSON whitespace and action-name case never
//! change it; naming principals in `Principal` and matching them by an `aws:PrincipalArn`
//! condition differ only when a principal is deleted or recreated; a placeholder for a value
//! known only after apply never yields a verdict that a real value would contradict.

use proptest::prelude::*;

use kmsguard::Verdict;

const ACCT: &str = "111122223333";
const ROLE_A: &str = "arn:aws:iam::111122223333:role/admin-a";
const ROLE_B: &str = "arn:aws:iam::111122223333:role/ops/admin-b";
const USER_C: &str = "arn:aws:iam::111122223333:user/carol";
const ROOT: &str = "arn:aws:iam::111122223333:root";
/// The plan's time.
const NOW: &str = "2026-11-28T10:00:00Z";

/// An order on verdicts in which adding permissions can only move up.
fn rank(v: Verdict) -> u8 {
    match v {
        Verdict::LockedOut => 0,
        Verdict::Recoverable => 1,
        Verdict::Unknown => 2,
        Verdict::Manageable => 3,
        Verdict::Deleted => 4,
    }
}

#[derive(Debug, Clone)]
struct Stmt {
    allow: bool,
    principal: &'static str,
    action: &'static str,
    condition: &'static str,
}

impl Stmt {
    fn json(&self, upper_actions: bool) -> String {
        let action = if upper_actions {
            self.action.to_uppercase()
        } else {
            self.action.to_owned()
        };
        format!(
            r#"{{"Effect":"{}","Principal":{},{},"Resource":"*"{}}}"#,
            if self.allow { "Allow" } else { "Deny" },
            self.principal,
            action,
            self.condition
        )
    }
}

fn principal() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        r#""*""#,
        r#"{"AWS":"arn:aws:iam::111122223333:root"}"#,
        r#"{"AWS":"111122223333"}"#,
        r#"{"AWS":"arn:aws:iam::111122223333:role/admin-a"}"#,
        r#"{"AWS":["arn:aws:iam::111122223333:role/ops/admin-b","arn:aws:iam::111122223333:user/carol"]}"#,
        r#"{"AWS":"arn:aws:iam::444455556666:root"}"#,
        r#"{"Service":"logs.amazonaws.com"}"#,
    ])
}

fn action() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        r#""Action":"kms:*""#,
        r#""Action":"kms:PutKeyPolicy""#,
        r#""Action":["kms:Decrypt","kms:Put*"]"#,
        r#""Action":"kms:Decrypt""#,
        r#""Action":"*""#,
        r#""NotAction":"kms:Decrypt""#,
    ])
}

fn condition() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "",
        "",
        r#","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/admin-a"}}"#,
        r#","Condition":{"ArnLike":{"aws:PrincipalArn":["arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:role/ops/*"]}}"#,
        r#","Condition":{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/ops/admin-b"}}"#,
        r#","Condition":{"StringEquals":{"aws:PrincipalType":"Account"}}"#,
        r#","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#,
        r#","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}"#,
        r#","Condition":{"StringEquals":{"aws:username":"carol"}}"#,
        // The request model: keys the caller chooses, keys a PutKeyPolicy request fixes.
        r#","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#,
        r#","Condition":{"Null":{"aws:MultiFactorAuthPresent":"false"}}"#,
        r#","Condition":{"IpAddress":{"aws:SourceIp":"198.51.100.0/24"}}"#,
        r#","Condition":{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","198.51.100.0/24"]}}"#,
        r#","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"}}"#,
        r#","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2025-01-01T00:00:00Z"}}"#,
        r#","Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}"#,
        r#","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}"#,
        r#","Condition":{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}"#,
        r#","Condition":{"Null":{"aws:RequestTag/owner":"true"}}"#,
        r#","Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}"#,
        r#","Condition":{"Null":{"kms:BypassPolicyLockoutSafetyCheck":"true"}}"#,
        r#","Condition":{"Bool":{"aws:ViaAWSService":"true"}}"#,
        r#","Condition":{"StringLike":{"aws:userid":"AROAAAAAAAAAAAAAAAAA:*"}}"#,
    ])
}

fn stmt(allow: impl Strategy<Value = bool>) -> impl Strategy<Value = Stmt> {
    (allow, principal(), action(), condition()).prop_map(|(allow, principal, action, condition)| {
        Stmt {
            allow,
            principal,
            action,
            condition,
        }
    })
}

/// What the plan does to a principal.
fn lifecycle() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        r#"["no-op"]"#,
        r#"["delete"]"#,
        r#"["delete","create"]"#,
        r#"["update"]"#,
    ])
}

#[derive(Debug, Clone)]
struct World {
    statements: Vec<Stmt>,
    /// Lifecycles of role A, role B and user C.
    lifecycles: [&'static str; 3],
}

fn world() -> impl Strategy<Value = World> {
    (
        prop::collection::vec(stmt(any::<bool>()), 0..5),
        lifecycle(),
        lifecycle(),
        lifecycle(),
    )
        .prop_map(|(statements, a, b, c)| World {
            statements,
            lifecycles: [a, b, c],
        })
}

fn principal_change(address: &str, kind: &str, arn: &str, actions: &str, uid: &str) -> String {
    let name = arn.rsplit('/').next().unwrap();
    let path = if arn.contains("/ops/") { "/ops/" } else { "/" };
    let before =
        format!(r#"{{"arn":"{arn}","name":"{name}","path":"{path}","unique_id":"{uid}"}}"#);
    let after = if actions == r#"["delete"]"# {
        "null".to_owned()
    } else if actions.contains("create") {
        format!(r#"{{"name":"{name}","path":"{path}"}}"#)
    } else {
        before.clone()
    };
    format!(
        r#"{{"address":"{address}","mode":"managed","type":"{kind}","name":"{}","change":{{"actions":{actions},"before":{before},"after":{after},"after_unknown":{{}}}}}}"#,
        address.split('.').nth(1).unwrap()
    )
}

fn plan_json(policy: &str, lifecycles: [&str; 3]) -> String {
    let p = serde_json::to_string(policy).unwrap();
    let key = format!(
        r#"{{"address":"aws_kms_key.k","mode":"managed","type":"aws_kms_key","name":"k","change":{{"actions":["no-op"],"before":{{"arn":"arn:aws:kms:us-east-1:{ACCT}:key/k","policy":{p}}},"after":{{"arn":"arn:aws:kms:us-east-1:{ACCT}:key/k","policy":{p}}},"after_unknown":{{}}}}}}"#
    );
    let changes = [
        key,
        principal_change(
            "aws_iam_role.a",
            "aws_iam_role",
            ROLE_A,
            lifecycles[0],
            "AROAAAAAAAAAAAAAAAAA",
        ),
        principal_change(
            "aws_iam_role.b",
            "aws_iam_role",
            ROLE_B,
            lifecycles[1],
            "AROABBBBBBBBBBBBBBBB",
        ),
        principal_change(
            "aws_iam_user.c",
            "aws_iam_user",
            USER_C,
            lifecycles[2],
            "AIDACCCCCCCCCCCCCCCC",
        ),
    ];
    format!(
        r#"{{"format_version":"1.2","timestamp":"{NOW}","resource_changes":[{}]}}"#,
        changes.join(",")
    )
}

fn verdict_of(policy: &str, lifecycles: [&str; 3]) -> Verdict {
    let doc = plan_json(policy, lifecycles);
    kmsguard::testing::verdicts(&[doc.as_bytes()])[0].1
}

fn policy_of(statements: &[Stmt], upper_actions: bool, pretty: bool) -> String {
    let body: Vec<String> = statements.iter().map(|s| s.json(upper_actions)).collect();
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        body.join(",")
    );
    if pretty {
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        serde_json::to_string_pretty(&v)
            .unwrap()
            .replace('\n', "\r\n")
    } else {
        text
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(400),
        ..ProptestConfig::default()
    })]

    #[test]
    fn adding_an_allow_never_lowers_the_verdict(w in world(), extra in stmt(Just(true))) {
        let before = verdict_of(&policy_of(&w.statements, false, false), w.lifecycles);
        let mut more = w.statements.clone();
        more.push(extra);
        let after = verdict_of(&policy_of(&more, false, false), w.lifecycles);
        prop_assert!(rank(after) >= rank(before), "{before:?} -> {after:?}");
    }

    #[test]
    fn adding_a_deny_never_raises_the_verdict(w in world(), extra in stmt(Just(false))) {
        let before = verdict_of(&policy_of(&w.statements, false, false), w.lifecycles);
        let mut more = w.statements.clone();
        more.insert(0, extra);
        let after = verdict_of(&policy_of(&more, false, false), w.lifecycles);
        prop_assert!(rank(after) <= rank(before), "{before:?} -> {after:?}");
    }

    #[test]
    fn deleting_a_principal_never_raises_the_verdict(w in world(), which in 0usize..3) {
        let before = verdict_of(&policy_of(&w.statements, false, false), w.lifecycles);
        let mut lc = w.lifecycles;
        lc[which] = r#"["delete"]"#;
        let after = verdict_of(&policy_of(&w.statements, false, false), lc);
        prop_assert!(rank(after) <= rank(before), "{before:?} -> {after:?}");
    }

    #[test]
    fn order_whitespace_and_action_case_never_change_the_verdict(w in world(), seed in any::<u64>()) {
        let base = verdict_of(&policy_of(&w.statements, false, false), w.lifecycles);
        let mut shuffled = w.statements.clone();
        // A deterministic permutation from the seed.
        let n = shuffled.len();
        if n > 1 {
            for i in 0..n {
                let j = (seed as usize).wrapping_mul(31).wrapping_add(i * 17) % n;
                shuffled.swap(i, j);
            }
        }
        prop_assert_eq!(verdict_of(&policy_of(&shuffled, false, false), w.lifecycles), base);
        prop_assert_eq!(verdict_of(&policy_of(&w.statements, true, true), w.lifecycles), base);
    }

    #[test]
    fn principal_arns_and_principal_arn_conditions_agree_unless_a_principal_is_recreated_or_deleted(
        named in prop::sample::subsequence(vec![ROOT, ROLE_A, ROLE_B, USER_C], 1..4),
        lifecycles in (lifecycle(), lifecycle(), lifecycle()),
    ) {
        let list = named.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(",");
        let by_principal = format!(r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"AWS":[{list}]}},"Action":"kms:*","Resource":"*"}}]}}"#);
        let by_condition = format!(r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{{"ArnEquals":{{"aws:PrincipalArn":[{list}]}}}}}}]}}"#);
        let lc = [lifecycles.0, lifecycles.1, lifecycles.2];
        let p = verdict_of(&by_principal, lc);
        let c = verdict_of(&by_condition, lc);
        let all_kept = lc.iter().all(|l| *l == r#"["no-op"]"# || *l == r#"["update"]"#);
        if all_kept {
            prop_assert_eq!(p, c);
        } else {
            // A condition survives recreation; a Principal entry does not.
            prop_assert!(rank(c) >= rank(p), "{p:?} vs {c:?}");
        }
    }

    /// A value known only after apply (a placeholder in a rebuilt policy) is never guessed:
    /// where the verdict with it is definite, every value it could take gives that verdict.
    #[test]
    fn a_placeholder_never_gives_a_verdict_that_a_real_value_contradicts(w in world()) {
        let text = policy_of(&w.statements, false, false);
        if !text.contains(ROLE_A) {
            return Ok(());
        }
        let placeholder = r#"\u0001the arn of aws_iam_role.a (created by this plan)\u0002"#;
        let with = verdict_of(&text.replace(ROLE_A, placeholder), w.lifecycles);
        if with != Verdict::Unknown {
            for value in [ROLE_A, ROOT, USER_C, "arn:aws:iam::111122223333:role/nobody"] {
                let real = verdict_of(&text.replace(ROLE_A, value), w.lifecycles);
                // A recovery that rests on the unknown value is not claimed: the key is then
                // locked_out (both verdicts are errors; the stronger one is reported).
                let unmanageable = |v: Verdict| matches!(v, Verdict::LockedOut | Verdict::Recoverable);
                if with == Verdict::LockedOut && unmanageable(real) {
                    continue;
                }
                prop_assert_eq!(with, real, "placeholder vs {}", value);
            }
        }
    }
}

/// Characters that could make a string from the plan into markup or a command: controls,
/// separators, Markdown, HTML, workflow-command prefixes.
fn hostile_string() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "\n",
        "\r",
        "\r\n",
        "\u{1b}[31m",
        "\u{1b}]0;t\u{7}",
        "\u{9b}",
        "\u{85}",
        "\u{2028}",
        "\u{202e}",
        "\u{feff}",
        "::",
        "::error::x",
        "##[error]",
        "::stop-commands::t",
        "<img src=x>",
        "</details>",
        "<!--",
        "## ",
        "# ",
        "*",
        "_",
        "`",
        "```",
        "[",
        "](",
        ")",
        "|",
        "@",
        "www.",
        "https://",
        "&lt;",
        "\\",
        "\"",
        "'",
        "$",
        "$$",
        "%0A",
        "é",
        "✅",
        "a",
        "role",
        " ",
        "\t",
        "\u{0}",
    ]);
    prop::collection::vec(pieces, 0..8).prop_map(|v| v.concat())
}

/// Every string of a plan that reaches a report, set to a hostile string: the policy's Sid,
/// a principal ARN, a condition operator, key and value, a `for_each` key, a tag, the
/// format version's suffix.
fn hostile_plan(s: &[String]) -> String {
    use serde_json::json;
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": s[0], "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::111122223333:role/{}", s[1])},
            "Action": "kms:*", "Resource": "*"},
        {"Sid": "Cond", "Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*",
            "Condition": {s[2].clone(): {s[3].clone(): s[4]}}}]})
    .to_string();
    let address = format!("aws_kms_key.k[{}]", serde_json::Value::String(s[5].clone()));
    json!({"format_version": format!("1.9.{}", s[6]), "resource_changes": [
        {"address": address, "mode": "managed", "type": "aws_kms_key", "name": "k", "index": s[5],
            "change": {"actions": ["no-op"],
                "before": {"policy": policy, "tags": {"team": s[6]}},
                "after": {"policy": policy, "tags": {"team": s[6]}}}},
        {"address": "aws_iam_role.admin", "mode": "managed", "type": "aws_iam_role", "name": "admin",
            "change": {"actions": ["delete"],
                "before": {"arn": format!("arn:aws:iam::111122223333:role/{}", s[1]), "name": "admin"},
                "after": null}}]})
    .to_string()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(400),
        ..ProptestConfig::default()
    })]

    /// No string from the plan starts a workflow command in the text report, and none puts
    /// HTML into the Markdown report.
    #[test]
    fn strings_from_the_plan_never_become_commands_or_markup(
        s in prop::collection::vec(hostile_string(), 7)
    ) {
        let plan = hostile_plan(&s);
        let (text, markdown) = kmsguard::testing::text_and_markdown(&[plan.as_bytes()]);
        prop_assert_eq!(crate::common::command_lines(&text), Vec::<&str>::new(), "{}", text);
        prop_assert_eq!(crate::common::command_lines(&markdown), Vec::<&str>::new(), "{}", markdown);
        for out in [&text, &markdown] {
            prop_assert!(
                !out.chars().any(|c| c.is_control() && c != '\n'),
                "a control character passed: {:?}",
                out
            );
        }
        prop_assert_eq!(crate::common::foreign_tags(&markdown), Vec::<String>::new(), "{}", markdown);
        for line in markdown.lines() {
            let t = line.trim_start();
            prop_assert!(
                !t.starts_with('#') || t.starts_with("### Findings"),
                "a heading from the plan: {}", line
            );
        }
    }
}

/// The callers of the world that exist after the apply, for the separate evaluator: ARN,
/// kind, whether `Principal` entries still bind, unique ID, name.
fn callers_after(
    lifecycles: [&str; 3],
) -> Vec<(&'static str, &'static str, bool, Option<&'static str>)> {
    let mut out = vec![(ROOT, "root", true, None)];
    for (i, (arn, kind, id)) in [
        (ROLE_A, "role", "AROAAAAAAAAAAAAAAAAA"),
        (ROLE_B, "role", "AROABBBBBBBBBBBBBBBB"),
        (USER_C, "user", "AIDACCCCCCCCCCCCCCCC"),
    ]
    .into_iter()
    .enumerate()
    {
        match lifecycles[i] {
            r#"["delete"]"# => {}
            r#"["delete","create"]"# => out.push((arn, kind, false, None)),
            _ => out.push((arn, kind, true, Some(id))),
        }
    }
    out
}

/// Concrete requests a caller can make, as the separate evaluator reads them.
fn some_requests() -> Vec<serde_json::Map<String, serde_json::Value>> {
    use serde_json::json;
    let mut out = Vec::new();
    for mfa in [json!(null), json!("true"), json!("false")] {
        for (ip, vpc) in [
            (json!("52.94.76.10"), json!(null)),
            (json!("198.51.100.7"), json!(null)),
            (json!(null), json!("vpc-1")),
        ] {
            for via in ["false", "true"] {
                let mut m = serde_json::Map::new();
                m.insert("aws:MultiFactorAuthPresent".into(), mfa.clone());
                m.insert("aws:SourceIp".into(), ip.clone());
                m.insert("aws:SourceVpc".into(), vpc.clone());
                m.insert("aws:ViaAWSService".into(), json!(via));
                out.push(m);
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(400),
        ..ProptestConfig::default()
    })]

    /// Every `manageable` verdict comes with a witness — a caller and one concrete request —
    /// that a separate two-valued evaluator (tests/integration/concrete.rs) allows.
    #[test]
    fn every_witness_is_allowed_by_a_separate_evaluator(w in world()) {
        let text = policy_of(&w.statements, false, false);
        let doc = plan_json(&text, w.lifecycles);
        let report: serde_json::Value =
            serde_json::from_str(&kmsguard::testing::json_report(&[doc.as_bytes()])).unwrap();
        let key = &report["keys"][0];
        if key["verdict"] != "manageable" {
            return Ok(());
        }
        let witness = &key["witness"];
        let arn = witness["caller"].as_str().expect("a manageable key has a witness");
        let callers = callers_after(w.lifecycles);
        let (_, kind, bound, uid) = callers
            .iter()
            .find(|c| c.0 == arn)
            .copied()
            .unwrap_or_else(|| panic!("the witness {arn} is no principal of the world"));
        let caller = crate::concrete::Caller {
            arn,
            account: ACCT,
            kind,
            bound,
            unique_id: uid,
            name: arn.rsplit('/').next(),
        };
        let fixed = crate::concrete::Fixed { time: NOW, region: "us-east-1" };
        let policy: serde_json::Value = serde_json::from_str(&text).unwrap();
        prop_assert!(
            crate::concrete::allows(&policy, &caller, witness["request"].as_object().unwrap(), &fixed),
            "witness {witness} is not allowed by {text}"
        );
    }

    /// The other way round: when the separate evaluator finds a caller that exists and a
    /// request that works, kmsguard never says nobody can manage the key.
    #[test]
    fn a_caller_with_a_working_request_is_never_missed(w in world()) {
        let text = policy_of(&w.statements, false, false);
        let verdict = verdict_of(&text, w.lifecycles);
        let policy: serde_json::Value = serde_json::from_str(&text).unwrap();
        let fixed = crate::concrete::Fixed { time: NOW, region: "us-east-1" };
        for (arn, kind, bound, uid) in callers_after(w.lifecycles) {
            let caller = crate::concrete::Caller {
                arn,
                account: ACCT,
                kind,
                bound,
                unique_id: uid,
                name: arn.rsplit('/').next(),
            };
            for r in some_requests() {
                if crate::concrete::allows(&policy, &caller, &r, &fixed) {
                    prop_assert!(
                        !matches!(verdict, Verdict::LockedOut | Verdict::Recoverable),
                        "{arn} with {r:?} can manage, yet {verdict:?}: {text}"
                    );
                }
            }
        }
    }
}
