//! `key-recoverable-only`: nobody can manage the key after the apply, but an account
//! administrator can get back in by (re)creating a principal.

use super::sentences::{causes, recommended_statement};
use super::{Finding, KeyCtx, Remedy, Rule, Severity};
use crate::analysis::{Verdict, Way};
use crate::policy::eval::{CallerKind, Via};

pub(super) static RULE: Rule = Rule {
    id: "key-recoverable-only",
    severity: Severity::Error,
    summary: "After the apply nobody can manage the key; an account administrator can recover it by recreating a principal",
    description: "After the apply nobody can call kms:PutKeyPolicy on the key, but an account administrator can recover without AWS Support by creating a principal the policy matches (by ARN or name), or an IAM identity when the policy delegates to the account.",
    security_severity: "7.5",
    check,
};

fn check(ctx: &KeyCtx) -> Option<Finding> {
    let a = ctx.analysis;
    if a.after.verdict != Verdict::Recoverable
        || a.before.as_ref().is_some_and(|b| b.verdict.unmanageable())
    {
        return None;
    }
    let r = a.after.evidence.recovery.as_ref()?;
    let kind = match r.kind {
        CallerKind::User => "IAM user",
        _ => "IAM role",
    };
    let how = match &r.origin.way {
        Way::AnyNewRole => format!("create any new {kind} in the account"),
        Way::WithoutBoundary { .. } => format!("change the {kind} {} ({})", r.arn, r.origin),
        Way::Tagged { .. } | Way::NameTaken { .. } => {
            format!("create the {kind} {} ({})", r.arn, r.origin)
        }
        _ => format!("recreate the {kind} {} ({})", r.arn, r.origin),
    };
    let grant = match r.via {
        Via::Delegation => {
            ", give it kms:PutKeyPolicy in an IAM policy (the key policy delegates to the account)"
                .to_owned()
        }
        _ => String::new(),
    };
    let causes = causes(ctx);
    let lead = if causes.is_empty() {
        String::new()
    } else {
        format!("{}; ", causes.join("; "))
    };
    let message = format!(
        "{lead}nobody can call kms:PutKeyPolicy after the apply. An account administrator can recover without AWS Support: {how}{grant}, and use it to repair the key policy (statement {} allows it)",
        r.statement
    );
    let remedy = Remedy {
        text: "Do not rely on recovery: add this statement to the key policy, then plan again:"
            .to_owned(),
        statement: Some(recommended_statement(ctx, &a.after)),
        hcl: None,
    };
    Some(ctx.finding(&RULE, message, Some(remedy)))
}
