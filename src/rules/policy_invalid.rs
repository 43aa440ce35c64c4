//! `policy-invalid`: the policy text is not valid JSON or not a key policy.

use super::{Finding, KeyCtx, Remedy, RuleId};

pub fn check(ctx: &KeyCtx) -> Option<Finding> {
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
    Some(ctx.finding(RuleId::PolicyInvalid, message, Some(remedy)))
}
