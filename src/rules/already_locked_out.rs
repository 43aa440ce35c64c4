//! `already-locked-out`: the key was unmanageable before this plan (not this plan's fault).

use super::{Finding, KeyCtx, Remedy, Rule, Severity};

pub(super) static RULE: Rule = Rule {
    id: "already-locked-out",
    severity: Severity::Warning,
    summary: "The key was already unmanageable before this plan",
    description: "The key was already unmanageable (locked_out or recoverable) before this plan and stays so. It is not this plan's fault, but nobody can manage the key now.",
    security_severity: "6.0",
    check,
};

fn check(ctx: &KeyCtx) -> Option<Finding> {
    let a = ctx.analysis;
    let before = a.before.as_ref()?;
    if !before.verdict.unmanageable() || !a.after.verdict.unmanageable() {
        return None;
    }
    let message = format!(
        "the key was already {} before this plan, and stays {}: nobody can call kms:PutKeyPolicy on it now",
        before.verdict.word(),
        a.after.verdict.word()
    );
    let remedy = match &a.after.evidence.recovery {
        Some(r) => format!(
            "Recreate {} ({}) and use it to repair the key policy.",
            r.arn, r.origin
        ),
        None => "Open an AWS Support case to regain access to the key; AWS will contact the account's owner.".to_owned(),
    };
    Some(ctx.finding(&RULE, message, Some(Remedy::text(remedy))))
}
