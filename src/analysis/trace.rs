//! The `explain` trace: every candidate caller, who it is, and how the policy decided for it.

use serde::Serialize;

use super::candidates::{Cand, Origin};
use crate::inventory::{Inventory, Lifecycle};
use crate::plan::Phase;
use crate::policy::document::Effect;
use crate::policy::eval::{CallerKind, Decision};

/// A phase's trace.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    /// In the order they were decided.
    pub candidates: Vec<CandidateTrace>,
    /// Each statement's label and effect, by index.
    pub statements: Vec<(String, Effect)>,
}

/// One candidate caller and how the policy decided for it.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateTrace {
    pub arn: String,
    pub kind: CallerKind,
    /// Who this candidate is: the root, an input's principal and its lifecycle, a principal
    /// assumed to exist, or one an administrator could create.
    pub origin: String,
    /// Principal entries naming this ARN still bind to it (false for a recreated principal).
    pub bound: bool,
    /// It does not exist: an administrator could create it (tried for `recoverable`).
    pub hypothetical: bool,
    pub decision: Decision,
}

impl CandidateTrace {
    pub(super) fn of(inv: &Inventory, c: &Cand, phase: Phase, decision: Decision) -> Self {
        CandidateTrace {
            arn: c.shown(),
            kind: c.kind,
            origin: describe(inv, c, phase),
            bound: !c.bound_arns.is_empty()
                || !c.bound_ids.is_empty()
                || c.kind == CallerKind::Root
                || matches!(c.origin, Origin::Placeholder),
            hypothetical: matches!(c.origin, Origin::Hypothetical(_)),
            decision,
        }
    }
}

/// Who a candidate is, in words.
fn describe(inv: &Inventory, c: &Cand, phase: Phase) -> String {
    match &c.origin {
        Origin::Root => "the account root (always exists)".to_owned(),
        Origin::Known(pi) => {
            let p = &inv.principals[*pi];
            let what = if p.managed {
                p.lifecycle.word()
            } else {
                "read by a data source"
            };
            let when = if phase == Phase::After && p.lifecycle == Lifecycle::Replaced {
                "; after the apply: the new one, with a new unique ID"
            } else {
                ""
            };
            format!("{} ({what} by this plan{when})", p.address)
        }
        Origin::Assumed => "no input manages it; assumed to exist".to_owned(),
        Origin::Placeholder => {
            "whoever this value, known only after apply, turns out to name".to_owned()
        }
        Origin::Hypothetical(what) => format!("could be created: {what}"),
    }
}
