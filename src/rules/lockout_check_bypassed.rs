//! `lockout-check-bypassed`: `bypass_policy_lockout_safety_check = true`.

use super::{Finding, KeyCtx, Remedy, Rule, Severity};
use crate::analysis::Verdict;

pub(super) static RULE: Rule = Rule {
    id: "lockout-check-bypassed",
    severity: Severity::Warning,
    summary: "bypass_policy_lockout_safety_check = true switches off KMS's own lockout check",
    description: "bypass_policy_lockout_safety_check = true turns off KMS's own check that the caller of PutKeyPolicy can still manage the key afterwards.",
    security_severity: "5.0",
    check,
};

fn check(ctx: &KeyCtx) -> Option<Finding> {
    if ctx.key.bypass.is_empty() || ctx.analysis.after.verdict == Verdict::Deleted {
        return None;
    }
    let message = format!(
        "{} set{} bypass_policy_lockout_safety_check = true: KMS will not even check that the caller of PutKeyPolicy can manage the key afterwards",
        ctx.key.bypass.join(" and "),
        if ctx.key.bypass.len() == 1 { "s" } else { "" }
    );
    let remedy = Remedy::text(
        "Remove bypass_policy_lockout_safety_check (it defaults to false) unless you have verified the policy by other means.",
    );
    Some(ctx.finding(&RULE, message, Some(remedy)))
}
