//! `one-deletion-from-lockout`: the key is manageable, but only through principals named in
//! `Principal` (bound to their unique IDs), with no account principal and no
//! condition-based administrator: deleting or replacing them locks it out.

use super::sentences::seed_statement;
use super::{Finding, KeyCtx, Remedy, Rule, Severity};
use crate::analysis::Verdict;
use crate::policy::eval::{CallerKind, Via};

pub(super) static RULE: Rule = Rule {
    id: "one-deletion-from-lockout",
    severity: Severity::Warning,
    summary: "Only principals named in Principal can manage the key: deleting or replacing them locks it out",
    description: "The key is manageable, but only through roles or users named in the policy's Principal, which IAM binds to their unique IDs; the policy has no account principal and no aws:PrincipalArn-based administrator. Deleting or replacing those principals (a Terraform replacement too) would leave nobody able to manage the key.",
    security_severity: "4.0",
    check,
};

fn check(ctx: &KeyCtx) -> Option<Finding> {
    let after = &ctx.analysis.after;
    let ev = &after.evidence;
    if after.verdict != Verdict::Manageable || ev.delegates || ev.condition_admin {
        return None;
    }
    let named = |m: &&crate::analysis::Manager| {
        m.via == Via::Principal && matches!(m.kind, CallerKind::Role | CallerKind::User)
    };
    if ev.managers.is_empty() || !ev.managers.iter().all(|m| named(&m)) {
        return None;
    }
    let who: Vec<String> = ev
        .managers
        .iter()
        .map(|m| {
            let kind = if m.kind == CallerKind::User {
                "user"
            } else {
                "role"
            };
            format!("{kind} {}", m.arn)
        })
        .collect();
    let message = if who.len() == 1 {
        format!(
            "only {} can manage the key, and the policy names it in Principal, which binds its unique ID: deleting it, or replacing it (a Terraform replacement too), would lock the key out — the policy has no account principal and no aws:PrincipalArn administrator",
            who[0]
        )
    } else {
        format!(
            "only the {} principals the policy names in Principal can manage the key ({}); each binds its unique ID: deleting or replacing them (a module that recreates them together, say) would lock the key out — the policy has no account principal and no aws:PrincipalArn administrator",
            who.len(),
            who.join(", ")
        )
    };
    let arns: Vec<String> = ev.managers.iter().map(|m| m.arn.clone()).collect();
    let (json, hcl) = seed_statement(ctx.key, &arns);
    let remedy = Remedy {
        text: "Add an administrator statement that survives recreation (Principal \"*\" narrowed by aws:PrincipalArn, with the account root):".to_owned(),
        statement: Some(json),
        hcl: Some(hcl),
    };
    Some(ctx.finding(&RULE, message, Some(remedy)))
}
