//! `policy-unknown`: manageability after the apply cannot be decided at plan time.

use super::{Finding, KeyCtx, Remedy, Rule, Severity};
use crate::analysis::Verdict;
use crate::resolve::PolicyKind;

pub(super) static RULE: Rule = Rule {
    id: "policy-unknown",
    severity: Severity::Warning,
    summary: "Whether the key stays manageable cannot be decided at plan time",
    description: "Whether anyone can manage the key after the apply cannot be decided at plan time: the policy is known only after apply, or a condition depends on facts the plan does not show.",
    security_severity: "4.0",
    check,
};

fn check(ctx: &KeyCtx) -> Option<Finding> {
    let after = &ctx.analysis.after;
    if after.verdict != Verdict::Unknown
        || after.policy.error.is_some()
        || !ctx.analysis.undecided_removals.is_empty()
    {
        return None;
    }
    let rebuilt = match (after.policy.kind.rebuilt(), &after.notes.policy) {
        (true, Some(note)) => format!("the policy is known only after apply and was {note}; "),
        _ => String::new(),
    };
    let when = if ctx.key.own.live.is_some() {
        "today"
    } else {
        "after the apply"
    };
    let message = format!(
        "cannot tell whether anyone can manage the key {when}: {rebuilt}{}",
        after.unknown.join("; ")
    );
    let known = "make the policy known at plan time (build it from values that exist before the apply, e.g. ARNs from variables or data sources), or check the policy after the apply with `kmsguard check` on `terraform show -json`.";
    let live = ctx.key.live().is_some_and(|l| l.error.is_some());
    let remedy = match after.policy.kind {
        _ if live => "Collect again with credentials that may call kms:GetKeyPolicy on the key; if nobody can, follow the runbook (`kmsguard check --format runbook`, docs/audit.md): find a principal that can still read the key, else open an AWS Support case.".to_owned(),
        PolicyKind::Unresolved | PolicyKind::Configuration => format!(
            "Point --config-dir at the Terraform source so kmsguard can evaluate what the plan leaves out, or {known}"
        ),
        _ => format!("M{}", &known[1..]),
    };
    Some(ctx.finding(&RULE, message, Some(Remedy::text(remedy))))
}
