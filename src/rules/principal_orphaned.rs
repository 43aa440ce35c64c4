//! `principal-orphaned`: a role or user the plan deletes or replaces stays named in the key
//! policy's `Principal`, while others can still manage the key.

use super::{Finding, KeyCtx, Remedy, Rule, Severity};
use crate::analysis::Verdict;
use crate::inventory::Lifecycle;

pub(super) static RULE: Rule = Rule {
    id: "principal-orphaned",
    severity: Severity::Warning,
    summary: "A deleted or replaced IAM role or user stays named in a key policy's Principal",
    description: "A role or user that the plan deletes or replaces is named in the key policy's Principal while others can still manage the key: after the apply the policy holds a dead unique ID, and the principal's access is silently gone.",
    security_severity: "4.3",
    check,
};

fn check(ctx: &KeyCtx) -> Option<Finding> {
    let after = &ctx.analysis.after;
    if after.verdict != Verdict::Manageable {
        return None;
    }
    let parts: Vec<String> = after
        .evidence
        .dead_refs
        .iter()
        .filter(|d| {
            d.in_principal
                && matches!(
                    d.lifecycle(),
                    Some(Lifecycle::Deleted | Lifecycle::Replaced)
                )
        })
        .filter_map(|d| {
            let addr = d.address()?;
            Some(format!(
                "{addr} is {} but statement {} still names it in {}",
                d.lifecycle()?.word(),
                d.statement,
                if d.not_principal {
                    "NotPrincipal"
                } else {
                    "Principal"
                }
            ))
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    let managers = after.evidence.managers.len();
    let message = format!(
        "{}; after the apply the policy holds a dead unique ID there (the key stays manageable by {managers} other principal{})",
        parts.join("; "),
        if managers == 1 { "" } else { "s" }
    );
    let remedy = Remedy::text(
        "Refer to the role or user through an aws:PrincipalArn condition (Principal \"*\" with ArnLike aws:PrincipalArn), which matches a recreated principal again, or update the key policy in the same apply so it names the new principal.",
    );
    Some(ctx.finding(&RULE, message, Some(remedy)))
}
