//! `policy-invalid`: the policy text is not valid JSON or not a key policy.

use super::{Finding, KeyCtx, Remedy, Rule, Severity};

pub(super) static RULE: Rule = Rule {
    id: "policy-invalid",
    severity: Severity::Error,
    summary: "The key policy is not valid JSON or not a key policy",
    description: "The key policy is not valid JSON or not a key policy (no Statement, a bad Effect, a missing Principal, a wrong type), or the plan writes a policy with what KMS refuses in a key policy: a statement without Action or with a Resource other than \"*\", the condition keys aws:ResourceTag, kms:ResourceTag or kms:ResourceAliases, characters outside Latin-1. KMS rejects it with MalformedPolicyDocumentException, or such statements are stored and never take effect.",
    security_severity: "6.5",
    check,
};

fn check(ctx: &KeyCtx) -> Option<Finding> {
    let after = &ctx.analysis.after;
    let whose = match &after.policy.resource {
        Some(p) => format!("the policy set by {p}"),
        None => "the key policy".to_owned(),
    };
    let Some(error) = after.policy.error.as_ref() else {
        // A policy KMS refuses parts of: reported when this plan writes it (S35, S34, S2).
        if !ctx.analysis.policy_written || after.policy.refusals.is_empty() {
            return None;
        }
        let message = format!(
            "{whose} has what KMS refuses in a key policy since 2025-08-18: {}. The apply may fail (MalformedPolicyDocumentException); if KMS stores it, those statements never take effect, and kmsguard evaluates the policy without them",
            after.policy.refusals.join("; ")
        );
        let remedy = Remedy::text(
            "Give every statement an Action and \"Resource\": \"*\", and move conditions on aws:ResourceTag, kms:ResourceTag and kms:ResourceAliases into IAM policies.",
        );
        return Some(ctx.finding(&RULE, message, Some(remedy)));
    };
    let message = format!("{whose} is invalid: {error}");
    let remedy = Remedy::text(
        "Fix the policy document; KMS rejects a PutKeyPolicy or CreateKey call with an invalid policy (MalformedPolicyDocumentException).",
    );
    Some(ctx.finding(&RULE, message, Some(remedy)))
}
