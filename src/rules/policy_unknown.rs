//! `policy-unknown`: manageability after the apply cannot be decided at plan time.

use super::{Finding, KeyCtx, RuleId};
use crate::analysis::Verdict;

pub fn check(ctx: &KeyCtx) -> Option<Finding> {
    let after = &ctx.analysis.after;
    if after.verdict != Verdict::Unknown || after.policy_error.is_some() {
        return None;
    }
    let message = format!(
        "cannot tell whether anyone can manage the key after the apply: {}",
        after.unknown.join("; ")
    );
    let remedy = "Make the policy known at plan time (build it from values that exist before the apply, e.g. ARNs from variables or data sources), or check the policy after the apply with `kmsguard check` on `terraform show -json`.".to_owned();
    Some(ctx.finding(RuleId::PolicyUnknown, message, Some(remedy)))
}
