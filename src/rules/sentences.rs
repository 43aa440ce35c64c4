//! Sentences shared by the rules: what the plan removed, and the statement to add.

use super::KeyCtx;
use crate::analysis::{DeadCause, DeadRef, PhaseResult, Recovery, Way};
use crate::inventory::{Key, Lifecycle, PrincipalKind};
use crate::policy::document::Effect;
use crate::policy::eval::{CallerKind, Via};

fn kind_word(d: &DeadRef) -> &'static str {
    d.kind().map_or("principal", PrincipalKind::word)
}

/// Why one dead reference no longer gives access.
fn dead_ref_sentence(d: &DeadRef) -> Option<String> {
    let admin_allow = d.grants_admin && d.effect == Effect::Allow;
    if let (DeadCause::SsoRole { address, lifecycle }, true) = (&d.cause, admin_allow) {
        return Some(match lifecycle {
            Lifecycle::Replaced => format!(
                "{address} is replaced, which recreates the SSO role {} under a new name suffix and unique ID; statement {} no longer matches it",
                d.reference, d.statement
            ),
            _ => format!(
                "{address} is destroyed, which removes the SSO role {} that statement {} {}",
                d.reference,
                d.statement,
                if d.in_principal { "names" } else { "allows" }
            ),
        });
    }
    let Some(address) = d.address() else {
        return (d.grants_admin && d.effect == Effect::Allow).then(|| {
            format!(
                "the policy names {}, the unique ID of a principal deleted before this plan",
                d.reference
            )
        });
    };
    let lifecycle = d.lifecycle()?;
    match (d.effect, d.in_principal, lifecycle) {
        (Effect::Allow, true, Lifecycle::Replaced) if d.grants_admin => Some(format!(
            "{address} is replaced: the key policy binds the old {}'s unique ID, which the new {} does not have",
            kind_word(d),
            kind_word(d)
        )),
        (Effect::Allow, true, Lifecycle::Deleted) if d.grants_admin => Some(format!(
            "{address} is deleted, and it is the {} that statement {} names",
            kind_word(d),
            d.statement
        )),
        (Effect::Allow, false, Lifecycle::Deleted) if d.grants_admin => Some(format!(
            "{address} is deleted, and it is the {} that the aws:PrincipalArn condition of statement {} allows",
            kind_word(d),
            d.statement
        )),
        (Effect::Deny, true, Lifecycle::Replaced | Lifecycle::Deleted) if d.not_principal => {
            Some(format!(
                "{address} is {}: it was exempt from the Deny in statement {} through NotPrincipal, and a {} recreated with the same ARN would not be",
                lifecycle.word(),
                d.statement,
                kind_word(d)
            ))
        }
        (Effect::Deny, false, Lifecycle::Deleted) => Some(format!(
            "{address} is deleted: it was the {} exempt from the Deny in statement {}",
            kind_word(d),
            d.statement
        )),
        _ => None,
    }
}

/// Why a manager before the plan is not one after it, for a principal an input manages.
fn lost_manager_sentence(ctx: &KeyCtx, m: &crate::analysis::Manager) -> Option<String> {
    let addr = m.address.as_deref()?;
    let p = ctx.inv.principals.iter().find(|p| p.address == addr)?;
    let old = p.before.as_ref().and_then(|i| i.arn.as_deref())?;
    let new = p.after.as_ref().and_then(|i| i.arn.as_deref())?;
    (p.lifecycle == Lifecycle::Updated && !old.eq_ignore_ascii_case(new)).then(|| {
        format!(
            "{addr} is renamed in place from {old} to {new}, and the policy matches it by its old name (conditions compare names, not unique IDs)"
        )
    })
}

/// What the plan takes away, in sentences, for a key that is unmanageable after the apply.
pub(super) fn causes(ctx: &KeyCtx) -> Vec<String> {
    let a = ctx.analysis;
    let after = &a.after;
    let mut out: Vec<String> = Vec::new();
    let push = |s: String, out: &mut Vec<String>| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    let mut explained: Vec<&str> = Vec::new();
    for d in &after.evidence.dead_refs {
        if let Some(s) = dead_ref_sentence(d) {
            push(s, &mut out);
            if let Some(addr) = d.address() {
                explained.push(addr);
            }
        }
    }
    if let Some(before) = &a.before {
        let lost: Vec<&crate::analysis::Manager> = before
            .evidence
            .managers
            .iter()
            .filter(|m| !after.evidence.managers.iter().any(|n| n.arn == m.arn))
            .filter(|m| !m.address.as_deref().is_some_and(|x| explained.contains(&x)))
            // A principal assumed to exist whose removal a dead reference already explains.
            .filter(|m| {
                !(m.assumed
                    && after.evidence.dead_refs.iter().any(|d| {
                        d.reference == m.arn
                            || crate::policy::glob::glob_match(&d.reference, &m.arn, false)
                    }))
            })
            .collect();
        let root_lost = lost.iter().any(|m| m.kind == CallerKind::Root);
        for m in lost {
            // Identities reached only through the account principal go with the root.
            if root_lost && m.via == Via::Delegation {
                continue;
            }
            let who = match &m.address {
                Some(addr) => format!("{addr} ({})", m.arn),
                None if m.kind == CallerKind::Root => "the account root".to_owned(),
                None => m.arn.clone(),
            };
            let s = lost_manager_sentence(ctx, m).unwrap_or_else(|| {
                if a.policy_written {
                    format!("the new policy no longer lets {who} call kms:PutKeyPolicy")
                } else {
                    format!("{who} can no longer call kms:PutKeyPolicy")
                }
            });
            push(s, &mut out);
        }
    }
    if let Some(stmt) = &after.evidence.root_denied_by {
        let was_denied = a
            .before
            .as_ref()
            .is_some_and(|b| b.evidence.root_denied_by.is_some());
        if !was_denied {
            push(
                format!("the account root is denied by statement {stmt}"),
                &mut out,
            );
        }
    }
    if !after.evidence.cross_account.is_empty() {
        out.push(format!(
            "the policy gives kms:PutKeyPolicy to other accounts only ({}), and key management is never cross-account",
            after.evidence.cross_account.join(", ")
        ));
    }
    out
}

/// The account and partition to show in a suggested statement.
pub(super) fn account_and_partition(key: &Key) -> (String, String) {
    (
        key.account.clone().unwrap_or_else(|| "ACCOUNT_ID".into()),
        key.partition.clone().unwrap_or_else(|| "aws".into()),
    )
}

/// The statement from the seed article: management through `aws:PrincipalArn`, which
/// survives role recreation, with the account root always included.
pub(super) fn recommended_statement(ctx: &KeyCtx, phase: &PhaseResult) -> String {
    let (account, partition) = account_and_partition(ctx.key);
    let mut arns = vec![format!("arn:{partition}:iam::{account}:root")];
    for d in &phase.evidence.dead_refs {
        if !(d.grants_admin && d.effect == Effect::Allow && d.reference.starts_with("arn:")) {
            continue;
        }
        // A replaced principal may come back under another ARN (a new path): name that one.
        let after_arn = d.address().and_then(|addr| {
            let p = ctx.inv.principals.iter().find(|p| p.address == addr)?;
            p.identity(crate::plan::Phase::After)?
                .arn
                .as_deref()
                .map(str::to_owned)
        });
        let arn = after_arn.unwrap_or_else(|| d.reference.clone());
        if !arns.contains(&arn) {
            arns.push(arn);
        }
    }
    let list = arns
        .iter()
        .map(|a| serde_json::Value::String(a.clone()).to_string())
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{{\"Sid\": \"KeyAdministration\", \"Effect\": \"Allow\", \"Principal\": {{\"AWS\": \"*\"}}, \"Action\": \"kms:*\", \"Resource\": \"*\", \"Condition\": {{\"ArnLike\": {{\"aws:PrincipalArn\": [{list}]}}}}}}"
    )
}

/// The seed article's administrator statement for a key: `Principal "*"` with
/// `aws:PrincipalArn` naming the account root and `admins`, scoped to the account: as one
/// line of JSON and as an `aws_iam_policy_document` statement block.
pub(super) fn seed_statement(key: &Key, admins: &[String]) -> (String, String) {
    let (account, partition) = account_and_partition(key);
    let mut arns = vec![format!("arn:{partition}:iam::{account}:root")];
    for a in admins {
        if !arns.contains(a) {
            arns.push(a.clone());
        }
    }
    let quoted: Vec<String> = arns
        .iter()
        .map(|a| serde_json::Value::String(a.clone()).to_string())
        .collect();
    let account_json = serde_json::Value::String(account.clone()).to_string();
    let json = format!(
        "{{\"Sid\": \"KeyAdministration\", \"Effect\": \"Allow\", \"Principal\": {{\"AWS\": \"*\"}}, \"Action\": \"kms:*\", \"Resource\": \"*\", \"Condition\": {{\"StringEquals\": {{\"aws:PrincipalAccount\": {account_json}}}, \"ArnLike\": {{\"aws:PrincipalArn\": [{}]}}}}}}",
        quoted.join(", ")
    );
    let hcl = format!(
        "statement {{\n  sid       = \"KeyAdministration\"\n  actions   = [\"kms:*\"]\n  resources = [\"*\"]\n  principals {{\n    type        = \"AWS\"\n    identifiers = [\"*\"]\n  }}\n  condition {{\n    test     = \"StringEquals\"\n    variable = \"aws:PrincipalAccount\"\n    values   = [{account_json}]\n  }}\n  condition {{\n    test     = \"ArnLike\"\n    variable = \"aws:PrincipalArn\"\n    values   = [{}]\n  }}\n}}",
        quoted.join(", ")
    );
    (json, hcl)
}

/// What an administrator does to the recovery's principal, as the start of a sentence that
/// goes on with its ARN.
pub(super) fn recovery_verb(r: &Recovery) -> &'static str {
    match &r.origin.way {
        Way::GrantIam { .. } => "Attach an IAM policy that allows kms:PutKeyPolicy on the key to",
        Way::WithoutBoundary { .. } => "Change",
        Way::NotInAccount | Way::Tagged { .. } | Way::AnyNewRole | Way::UserName { .. } => "Create",
        _ => "Recreate",
    }
}

/// What an administrator does to get back in, as one sentence.
pub(super) fn recovery_step(r: &Recovery) -> String {
    // After a long verb, a comma before "and" keeps the sentence readable.
    let comma = if matches!(r.origin.way, Way::GrantIam { .. }) {
        ","
    } else {
        ""
    };
    format!(
        "{} {} ({}){comma} and use it to repair the key policy.",
        recovery_verb(r),
        r.arn,
        r.origin
    )
}
