//! `policy-drift`: the key's live policy differs from the one the plan or state shows.

use super::{Finding, KeyCtx, Remedy, Rule, Severity};

pub(super) static RULE: Rule = Rule {
    id: "policy-drift",
    severity: Severity::Warning,
    summary: "The key's policy in AWS today differs from the one the plan or state shows",
    description: "A live keys document shows another policy for the key than the plan or state does: someone changed it outside Terraform, or the state is stale. kmsguard decides the key as it is today; the next apply may overwrite the policy, or fail.",
    security_severity: "4.0",
    check,
};

fn check(ctx: &KeyCtx) -> Option<Finding> {
    if !ctx.analysis.drift {
        return None;
    }
    let message = format!(
        "the key's policy in AWS today (live keys document) differs from the one {} shows; the verdict before the apply is the live policy's ({})",
        ctx.inv.inputs[ctx.key.input],
        ctx.analysis
            .before
            .as_ref()
            .map_or("unknown", |b| b.verdict.word())
    );
    let remedy = Remedy::text(
        "Refresh the plan (terraform plan without -refresh=false) and review the change; if the live policy is the one you want, write it into the configuration.",
    );
    Some(ctx.finding(&RULE, message, Some(remedy)))
}
