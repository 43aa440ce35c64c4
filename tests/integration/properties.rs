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
        r#"{{"format_version":"1.2","resource_changes":[{}]}}"#,
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
