//! `policy-invalid`: the policy text is not valid JSON or not a key policy.

use super::{Finding, KeyCtx, Remedy, Rule, Severity};

pub(super) static RULE: Rule = Rule {
    id: "policy-invalid",
    severity: Severity::Error,
    summary: "The key policy is not valid JSON or not a key policy",
    description: "The key policy is not valid JSON or not a key policy (no Statement, a bad Effect, a missing Principal, a wrong type). KMS rejects it with MalformedPolicyDocumentException.",
    security_severity: "6.5",
    check,
};

fn check(ctx: &KeyCtx) -> Option<Finding> {
    let after = &ctx.analysis.after;
    let error = after.policy.error.as_ref()?;
    let whose = match &after.policy.resource {
        Some(p) => format!("the policy set by {p}"),
        None => "the key policy".to_owned(),
    };
    let message = format!("{whose} is invalid: {error}");
    let remedy = Remedy::text(
        "Fix the policy document; KMS rejects a PutKeyPolicy or CreateKey call with an invalid policy (MalformedPolicyDocumentException).",
    );
    Some(ctx.finding(&RULE, message, Some(remedy)))
}
