//! `already-locked-out`: the key was unmanageable before this plan (not this plan's fault).

use super::sentences::recovery_step;
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
    let message = if ctx.key.own.live.is_some() {
        format!(
            "the key is {} today (live keys document): nobody can call kms:PutKeyPolicy on it",
            a.after.verdict.word()
        )
    } else {
        format!(
            "the key was already {} before this plan, and stays {}: nobody can call kms:PutKeyPolicy on it now",
            before.verdict.word(),
            a.after.verdict.word()
        )
    };
    let runbook = " Step by step: `kmsguard check --format runbook` (docs/audit.md).";
    let remedy = match &a.after.evidence.recovery {
        Some(r) => format!("{}{runbook}", recovery_step(r)),
        None => format!(
            "Open an AWS Support case to regain access to the key; AWS will contact the account's owner.{runbook}"
        ),
    };
    Some(ctx.finding(&RULE, message, Some(Remedy::text(remedy))))
}
