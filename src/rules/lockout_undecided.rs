//! `lockout-undecided`: the verdict after the apply is unknown, and the plan deletes or
//! replaces a principal that the key's current policy names. A plan that might lock a key
//! out must not pass because kmsguard could not read or evaluate its policy.

use super::{Finding, KeyCtx, Remedy, Rule, Severity};
use crate::resolve::PolicyKind;

pub(super) static RULE: Rule = Rule {
    id: "lockout-undecided",
    severity: Severity::Error,
    summary: "The plan removes a principal the key's policy names, and whether the key stays manageable cannot be decided",
    description: "Whether anyone can manage the key after the apply cannot be decided (the policy is known only after apply and could not be evaluated, or kmsguard could not read the source), and the plan deletes or replaces a principal that the key's current policy names. Such a plan might lock the key out, so it fails the gate instead of passing unchecked.",
    security_severity: "7.0",
    check,
};

fn check(ctx: &KeyCtx) -> Option<Finding> {
    let a = ctx.analysis;
    if a.undecided_removals.is_empty() {
        return None;
    }
    let removed: Vec<String> = a
        .undecided_removals
        .iter()
        .map(|r| format!("{} is {}", r.address, r.lifecycle.word()))
        .collect();
    let message = format!(
        "{}, and the key's current policy names {}; whether anyone can manage the key after the apply cannot be decided: {}",
        removed.join("; "),
        if removed.len() == 1 { "it" } else { "them" },
        a.after.unknown.join("; ")
    );
    let remedy = match a.after.policy.kind {
        PolicyKind::Unresolved | PolicyKind::Configuration => {
            "Point --config-dir at the Terraform source (and fix what kmsguard reports it could not read), or make the policy known at plan time; until kmsguard can decide, treat this plan as one that may lock the key out."
        }
        _ => {
            "Make what the finding names known at plan time, or check the key after the apply; until kmsguard can decide, treat this plan as one that may lock the key out."
        }
    };
    Some(ctx.finding(&RULE, message, Some(Remedy::text(remedy))))
}
