//! `lockout-check-bypassed`: `bypass_policy_lockout_safety_check = true`.

use super::{Finding, KeyCtx, Remedy, RuleId};
use crate::analysis::Verdict;

pub fn check(ctx: &KeyCtx) -> Option<Finding> {
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
    Some(ctx.finding(RuleId::LockoutCheckBypassed, message, Some(remedy)))
}
