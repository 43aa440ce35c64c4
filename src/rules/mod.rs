//! Step 4 of the pipeline: verdicts → findings.
//!
//! Every rule has a stable kebab-case id, a default severity and a docs anchor
//! (`docs/rules.md#<id>`), declared once in [`RuleId`]. Each rule lives in its own file and
//! only interprets the analysis; none of them evaluates a policy or prints.

mod already_locked_out;
mod explain;
mod key_locked_out;
mod key_recoverable_only;
mod lockout_check_bypassed;
mod lockout_undecided;
mod policy_invalid;
mod policy_unknown;
mod principal_orphaned;

use serde::Serialize;

use crate::analysis::KeyAnalysis;
use crate::inventory::{Inventory, Key};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn word(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The closed set of rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleId {
    KeyLockedOut,
    KeyRecoverableOnly,
    PolicyInvalid,
    LockoutUndecided,
    PrincipalOrphaned,
    PolicyUnknown,
    LockoutCheckBypassed,
    AlreadyLockedOut,
}

/// Where the rules are documented, relative to the repository root.
pub const DOCS_PATH: &str = "docs/rules.md";

impl RuleId {
    pub const ALL: [RuleId; 8] = [
        RuleId::KeyLockedOut,
        RuleId::KeyRecoverableOnly,
        RuleId::PolicyInvalid,
        RuleId::LockoutUndecided,
        RuleId::PrincipalOrphaned,
        RuleId::PolicyUnknown,
        RuleId::LockoutCheckBypassed,
        RuleId::AlreadyLockedOut,
    ];

    pub fn id(self) -> &'static str {
        match self {
            RuleId::KeyLockedOut => "key-locked-out",
            RuleId::KeyRecoverableOnly => "key-recoverable-only",
            RuleId::PolicyInvalid => "policy-invalid",
            RuleId::LockoutUndecided => "lockout-undecided",
            RuleId::PrincipalOrphaned => "principal-orphaned",
            RuleId::PolicyUnknown => "policy-unknown",
            RuleId::LockoutCheckBypassed => "lockout-check-bypassed",
            RuleId::AlreadyLockedOut => "already-locked-out",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            RuleId::KeyLockedOut
            | RuleId::KeyRecoverableOnly
            | RuleId::PolicyInvalid
            | RuleId::LockoutUndecided => Severity::Error,
            _ => Severity::Warning,
        }
    }

    /// One line: what the rule finds.
    pub fn summary(self) -> &'static str {
        match self {
            RuleId::KeyLockedOut => {
                "The plan leaves a KMS key that nobody can manage, and only AWS Support can restore access"
            }
            RuleId::KeyRecoverableOnly => {
                "After the apply nobody can manage the key; an account administrator can recover it by recreating a principal"
            }
            RuleId::PolicyInvalid => "The key policy is not valid JSON or not a key policy",
            RuleId::LockoutUndecided => {
                "The plan removes a principal the key's policy names, and whether the key stays manageable cannot be decided"
            }
            RuleId::PrincipalOrphaned => {
                "A deleted or replaced IAM role or user stays named in a key policy's Principal"
            }
            RuleId::PolicyUnknown => {
                "Whether the key stays manageable cannot be decided at plan time"
            }
            RuleId::LockoutCheckBypassed => {
                "bypass_policy_lockout_safety_check = true switches off KMS's own lockout check"
            }
            RuleId::AlreadyLockedOut => "The key was already unmanageable before this plan",
        }
    }

    pub fn help_uri(self) -> String {
        format!("{DOCS_PATH}#{}", self.id())
    }

    /// The same anchor as an absolute URL in the project's repository (for SARIF).
    pub fn help_url(self) -> String {
        format!(
            "{}/blob/main/{DOCS_PATH}#{}",
            env!("CARGO_PKG_REPOSITORY"),
            self.id()
        )
    }

    /// A few sentences: what the rule finds and why it matters.
    pub fn description(self) -> &'static str {
        match self {
            RuleId::KeyLockedOut => {
                "After the apply no principal that exists can call kms:PutKeyPolicy on the key, and none the account could create would match its policy. A key policy binds the unique IDs of the principals it names, so deleting or replacing them (a new role gets a new ID) leaves the key unmanageable; only an AWS Support case restores access."
            }
            RuleId::KeyRecoverableOnly => {
                "After the apply nobody can call kms:PutKeyPolicy on the key, but an account administrator can recover without AWS Support by creating a principal the policy matches (by ARN or name), or an IAM identity when the policy delegates to the account."
            }
            RuleId::PolicyInvalid => {
                "The key policy is not valid JSON or not a key policy (no Statement, a bad Effect, a missing Principal, a wrong type). KMS rejects it with MalformedPolicyDocumentException."
            }
            RuleId::LockoutUndecided => {
                "Whether anyone can manage the key after the apply cannot be decided (the policy is known only after apply and could not be evaluated, or kmsguard could not read the source), and the plan deletes or replaces a principal that the key's current policy names. Such a plan might lock the key out, so it fails the gate instead of passing unchecked."
            }
            RuleId::PrincipalOrphaned => {
                "A role or user that the plan deletes or replaces is named in the key policy's Principal while others can still manage the key: after the apply the policy holds a dead unique ID, and the principal's access is silently gone."
            }
            RuleId::PolicyUnknown => {
                "Whether anyone can manage the key after the apply cannot be decided at plan time: the policy is known only after apply, or a condition depends on facts the plan does not show."
            }
            RuleId::LockoutCheckBypassed => {
                "bypass_policy_lockout_safety_check = true turns off KMS's own check that the caller of PutKeyPolicy can still manage the key afterwards."
            }
            RuleId::AlreadyLockedOut => {
                "The key was already unmanageable (locked_out or recoverable) before this plan and stays so. It is not this plan's fault, but nobody can manage the key now."
            }
        }
    }

    /// GitHub code scanning's `security-severity` (0.0-10.0).
    pub fn security_severity(self) -> &'static str {
        match self {
            RuleId::KeyLockedOut => "9.1",
            RuleId::KeyRecoverableOnly => "7.5",
            RuleId::PolicyInvalid => "6.5",
            RuleId::LockoutUndecided => "7.0",
            RuleId::AlreadyLockedOut => "6.0",
            RuleId::LockoutCheckBypassed => "5.0",
            RuleId::PrincipalOrphaned => "4.3",
            RuleId::PolicyUnknown => "4.0",
        }
    }
}

/// One finding about one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    /// Index into [`Inventory::keys`].
    pub key: usize,
    pub address: String,
    pub source: String,
    pub message: String,
    pub remedy: Option<Remedy>,
}

/// What to do about a finding: what to do, and a key policy statement to add, kept apart so
/// that reports can show the statement as code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remedy {
    pub text: String,
    /// One JSON statement (compact, on one line).
    pub statement: Option<String>,
}

impl Remedy {
    pub fn text(text: impl Into<String>) -> Remedy {
        Remedy {
            text: text.into(),
            statement: None,
        }
    }

    /// The remedy as one string: the text, then the statement.
    pub fn flat(&self) -> String {
        match &self.statement {
            Some(s) => format!("{} {s}", self.text),
            None => self.text.clone(),
        }
    }
}

/// What a rule looks at: one key, its analysis and the inventory.
pub struct KeyCtx<'r, 'a> {
    pub inv: &'r Inventory<'a>,
    pub key: &'r Key<'a>,
    pub analysis: &'r KeyAnalysis,
}

impl KeyCtx<'_, '_> {
    fn finding(&self, rule: RuleId, message: String, remedy: Option<Remedy>) -> Finding {
        Finding {
            rule,
            severity: rule.severity(),
            key: self.analysis.key,
            address: self.key.address.clone(),
            source: self.inv.sources[self.key.source].clone(),
            message,
            remedy,
        }
    }
}

type Check = fn(&KeyCtx) -> Option<Finding>;

/// Every rule, in the order findings are listed for a key.
const CHECKS: [Check; 8] = [
    policy_invalid::check,
    key_locked_out::check,
    key_recoverable_only::check,
    lockout_undecided::check,
    already_locked_out::check,
    principal_orphaned::check,
    policy_unknown::check,
    lockout_check_bypassed::check,
];

/// Runs every rule on every key.
pub fn check(inv: &Inventory, analyses: &[KeyAnalysis]) -> Vec<Finding> {
    let mut out = Vec::new();
    for a in analyses {
        let ctx = KeyCtx {
            inv,
            key: &inv.keys[a.key],
            analysis: a,
        };
        out.extend(CHECKS.iter().filter_map(|c| c(&ctx)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_kebab_case_and_match_serde() {
        let ids: Vec<&str> = RuleId::ALL.iter().map(|r| r.id()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len());
        for r in RuleId::ALL {
            assert!(r.id().bytes().all(|b| b.is_ascii_lowercase() || b == b'-'));
            assert_eq!(serde_json::to_value(r).unwrap(), r.id());
        }
        insta::assert_snapshot!(ids.join("\n"));
    }
}
