//! `lockout-scheduled`: the key can be managed now, but a date in a time condition of its
//! policy ends that (semantics §4: a date in the future decides the verdict from that date
//! on). An error when this plan writes the policy; a warning for a policy already in place.

use super::sentences::recommended_statement;
use super::{Finding, KeyCtx, Remedy, Rule, Severity};
use crate::analysis::Verdict;
use crate::policy::time;

pub(super) static RULE: Rule = Rule {
    id: "lockout-scheduled",
    severity: Severity::Error,
    summary: "A date in the key policy's time conditions ends management access to the key",
    description: "Someone can manage the key today, but an aws:CurrentTime or aws:EpochTime condition of its policy (an Allow that expires, a Deny that starts) leaves nobody able to call kms:PutKeyPolicy from a later date on. An error when this plan writes the policy; a warning when the policy is already in place.",
    security_severity: "8.0",
    check,
};

fn check(ctx: &KeyCtx) -> Option<Finding> {
    let a = ctx.analysis;
    let after = &a.after;
    let change = after.evidence.time_change?;
    if after.verdict != Verdict::Manageable || change.verdict == Verdict::Manageable {
        return None;
    }
    let message = format!(
        "the key can be managed at the plan's time ({}), but from {} on its policy's time conditions leave it {}: nobody can call kms:PutKeyPolicy then",
        time::format(after.evidence.time),
        time::format(change.at),
        change.verdict.word()
    );
    let remedy = Remedy {
        text: format!(
            "Before {}, remove the date condition from the statements that grant (or stop denying) management, or add a statement that no date ends:",
            time::format(change.at)
        ),
        statement: Some(recommended_statement(ctx, after)),
        hcl: None,
    };
    let mut f = ctx.finding(&RULE, message, Some(remedy));
    if !a.policy_written {
        f.severity = Severity::Warning;
    }
    Some(f)
}
