//! Step 4 of the pipeline: the verdict of every key before and after the apply.
//!
//! For each key and phase the analysis reads the policy ([`gather`]: the candidate callers —
//! the account root, the principals the policy names or matches, principals assumed to
//! exist — and the references the plan kills), asks the pure evaluator in
//! [`crate::policy::eval`] about each candidate ([`search`], sharing decisions the policy
//! cannot tell apart through [`sharing`]), and, when nobody can manage the key, looks for a
//! principal an administrator could create ([`recovery`]). [`decide`] turns that into a
//! [`PhaseResult`]: the [`Verdict`], the typed [`Evidence`] the rules explain, sentences for
//! the reports, and for `explain` a [`Trace`]. It never prints.

mod candidates;
mod decide;
mod evidence;
mod gather;
mod index;
mod recovery;
mod result;
mod search;
mod sharing;
mod trace;

use crate::inventory::{Inventory, Key, Lifecycle};
use crate::plan::Phase;
use crate::policy::document::Policy;
use crate::resolve::{EffectivePolicy, KeyPolicies, PolicyKind};
use decide::{phase, removals_named};
use index::Shared;

pub(crate) use evidence::{DeadCause, DeadRef, Manager, Recovery, Way};
pub use result::Verdict;
pub(crate) use result::{KeyAnalysis, PhaseResult};
pub use search::MAX_MANAGERS;
pub(crate) use trace::CandidateTrace;

/// Analyses every key of the inventory, given the policy of each (in the same order).
pub(crate) fn analyse(inv: &Inventory, policies: &[KeyPolicies]) -> Vec<KeyAnalysis> {
    let indexed: Vec<(usize, &Key)> = inv.keys.iter().enumerate().collect();
    let patterns = Shared::new(inv);
    crate::par::map_keys(&indexed, |(i, k)| {
        analyse_key(inv, &patterns, *i, k, &policies[*i], false)
    })
}

/// Analyses one key and records every candidate's decision (for `kmsguard explain`).
pub(crate) fn explain(inv: &Inventory, policies: &[KeyPolicies], key: usize) -> KeyAnalysis {
    analyse_key(
        inv,
        &Shared::new(inv),
        key,
        &inv.keys[key],
        &policies[key],
        true,
    )
}

fn analyse_key(
    inv: &Inventory,
    patterns: &Shared,
    idx: usize,
    key: &Key,
    pol: &KeyPolicies,
    trace: bool,
) -> KeyAnalysis {
    // Most keys keep their policy: parse the text once for both phases.
    let parsed_before = pol.before.text().map(Policy::parse);
    let parsed_after = match (pol.before.text(), pol.after.text()) {
        (Some(a), Some(b)) if a == b => None,
        (_, Some(text)) => Some(Policy::parse(text)),
        _ => None,
    };
    let before = match &pol.before {
        EffectivePolicy::Absent => None,
        t => Some(phase(
            inv,
            patterns,
            key,
            t,
            parsed_before.as_ref(),
            Phase::Before,
            trace,
        )),
    };
    let after = match &pol.after {
        EffectivePolicy::Absent => PhaseResult::simple(Verdict::Deleted, PolicyKind::None, None),
        t => phase(
            inv,
            patterns,
            key,
            t,
            parsed_after.as_ref().or(parsed_before.as_ref()),
            Phase::After,
            trace,
        ),
    };
    let policy_written = match (&pol.before, &pol.after) {
        (_, EffectivePolicy::Absent) => false,
        (a, b) => match (a.text(), b.text()) {
            (Some(a), Some(b)) => a != b,
            _ => true,
        },
    } || matches!(key.lifecycle, Lifecycle::Created | Lifecycle::Replaced);
    let undecided_removals = match (&parsed_before, &after) {
        (Some(Ok(p)), a) if a.verdict == Verdict::Unknown && a.policy.error.is_none() => {
            removals_named(inv, p)
        }
        _ => Vec::new(),
    };
    KeyAnalysis {
        key: idx,
        before,
        after,
        policy_written,
        undecided_removals,
    }
}

#[cfg(test)]
mod tests;
