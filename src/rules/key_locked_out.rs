//! `key-locked-out`: the plan leaves the key `locked_out`.

use super::sentences::{causes, recommended_statement};
use super::{Finding, KeyCtx, Remedy, Rule, Severity};
use crate::analysis::Verdict;

pub(super) static RULE: Rule = Rule {
    id: "key-locked-out",
    severity: Severity::Error,
    summary: "The plan leaves a KMS key that nobody can manage, and only AWS Support can restore access",
    description: "After the apply no principal that exists can call kms:PutKeyPolicy on the key, and none the account could create would match its policy. A key policy binds the unique IDs of the principals it names, so deleting or replacing them (a new role gets a new ID) leaves the key unmanageable; only an AWS Support case restores access.",
    security_severity: "9.1",
    check,
};

fn check(ctx: &KeyCtx) -> Option<Finding> {
    let a = ctx.analysis;
    if a.after.verdict != Verdict::LockedOut
        || a.before
            .as_ref()
            .is_some_and(|b| b.verdict == Verdict::LockedOut)
    {
        return None;
    }
    let message = if a.after.evidence.admin_grants == 0 {
        let mut m = "no statement of the policy allows kms:PutKeyPolicy, and without one not even the account root can manage the key".to_owned();
        if a.policy_written && ctx.key.bypass.is_empty() {
            m.push_str(". KMS's own safety check rejects such a policy unless bypass_policy_lockout_safety_check is set, so the apply may fail instead");
        }
        m
    } else {
        let causes = causes(ctx);
        if causes.is_empty() {
            "no principal that exists after the apply can call kms:PutKeyPolicy on this key, and none that the account could create would match the policy".to_owned()
        } else {
            format!(
                "{}; no other principal can call kms:PutKeyPolicy",
                causes.join("; ")
            )
        }
    };
    let remedy = Remedy {
        text: "Do not apply this plan: once it is applied, only AWS Support can restore access. Keep a management path that survives IAM changes: add this statement to the key policy, then plan again:".to_owned(),
        statement: Some(recommended_statement(ctx, &a.after)),
        hcl: None,
    };
    Some(ctx.finding(&RULE, message, Some(remedy)))
}
