//! What the analysis says about a key: a verdict per phase, kept apart from the evidence it
//! rests on, the sentences reports show, and the `explain` trace.

use serde::Serialize;

use super::evidence::{Evidence, Removal};
use super::trace::Trace;
use crate::resolve::PolicyKind;

/// The five verdicts (docs/rules.md, "How verdicts are decided").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Manageable,
    Recoverable,
    LockedOut,
    Unknown,
    Deleted,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Manageable => "manageable",
            Verdict::Recoverable => "recoverable",
            Verdict::LockedOut => "locked_out",
            Verdict::Unknown => "unknown",
            Verdict::Deleted => "deleted",
        }
    }

    /// Nobody can manage the key (with or without AWS Support's help).
    pub fn unmanageable(self) -> bool {
        matches!(self, Verdict::Recoverable | Verdict::LockedOut)
    }
}

/// What the analysis knows of the policy it evaluated.
#[derive(Debug, Clone)]
pub struct PolicyFacts {
    /// Where the policy comes from.
    pub kind: PolicyKind,
    /// The `aws_kms_key_policy` whose policy this is.
    pub resource: Option<String>,
    /// The policy text does not parse as a key policy.
    pub error: Option<String>,
    /// What KMS refuses in the policy (statements that never count, characters).
    pub refusals: Vec<String>,
}

/// Sentences for the reports.
#[derive(Debug, Clone, Default)]
pub struct Notes {
    /// How the policy was obtained (for a rebuilt, default or unresolved policy).
    pub policy: Option<String>,
    /// The key's account was not in the inputs and was taken from the policy (or is unknown).
    pub account: Option<String>,
    /// The input has no plan time, and the policy's time conditions used the check's time.
    pub time: Option<String>,
    /// The policy's `Version` is not `2012-10-17`.
    pub version: Option<String>,
}

/// A key's state in one phase.
#[derive(Debug, Clone)]
pub struct PhaseResult {
    pub verdict: Verdict,
    /// Why the verdict is `unknown`.
    pub unknown: Vec<String>,
    pub policy: PolicyFacts,
    pub evidence: Evidence,
    pub notes: Notes,
    /// Every candidate caller with its decision (only for `kmsguard explain`).
    pub trace: Option<Trace>,
}

impl PhaseResult {
    pub(super) fn simple(verdict: Verdict, kind: PolicyKind, note: Option<String>) -> Self {
        PhaseResult {
            verdict,
            unknown: Vec::new(),
            policy: PolicyFacts {
                kind,
                resource: None,
                error: None,
                refusals: Vec::new(),
            },
            evidence: Evidence::default(),
            notes: Notes {
                policy: note,
                ..Notes::default()
            },
            trace: None,
        }
    }
}

/// The analysis of one key.
#[derive(Debug, Clone)]
pub struct KeyAnalysis {
    /// Index into [`crate::inventory::Inventory::keys`].
    pub key: usize,
    /// `None` for a key the plan creates.
    pub before: Option<PhaseResult>,
    pub after: PhaseResult,
    /// The policy text is written by this apply (so KMS's caller check runs on it).
    pub policy_written: bool,
    /// When the verdict after the apply is `unknown`: the principals that the key's current
    /// policy names and that this plan deletes or replaces. A key that might be locked out
    /// must not pass because kmsguard could not read its policy (`lockout-undecided`).
    pub undecided_removals: Vec<Removal>,
    /// A live keys document shows another policy than the plan or state (`policy-drift`).
    pub drift: bool,
}
