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
mod readers;
mod recovery;
mod result;
mod search;
mod sharing;
mod trace;

use crate::inventory::{Inventory, Key, Lifecycle};
use crate::plan::Phase;
use crate::policy::document::Policy;
use crate::resolve::{EffectivePolicy, KeyPolicies, PolicyKind};
use candidates::Binding;
use decide::{phase, removals_named};
use index::Shared;

#[cfg(test)]
pub(crate) use evidence::Recreation;
pub(crate) use evidence::{DeadCause, DeadRef, Evidence, Manager, Reader, Recovery, Way};
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
    // The apply writes the policy: CreateKey, or PutKeyPolicy because an aws_kms_key_policy
    // is created or the policy text changes (the provider compares equivalent policies and
    // does not call PutKeyPolicy for the same text).
    let policy_written = match (&pol.before, &pol.after) {
        (_, EffectivePolicy::Absent) => false,
        (a, b) => match (a.text(), b.text()) {
            (Some(a), Some(b)) => !crate::policy::document::equivalent_texts(a, b),
            _ => true,
        },
    } || matches!(key.lifecycle, Lifecycle::Created | Lifecycle::Replaced)
        || key
            .policy
            .as_ref()
            .is_some_and(|p| matches!(p.lifecycle, Lifecycle::Created | Lifecycle::Replaced));
    let binding = if policy_written {
        Binding::Written {
            referenced: referenced_principals(inv, &pol.after),
        }
    } else {
        Binding::Stored
    };
    let before = match &pol.before {
        EffectivePolicy::Absent => None,
        t => Some(phase(
            inv,
            patterns,
            key,
            t,
            parsed_before.as_ref(),
            (Phase::Before, Binding::Stored),
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
            (Phase::After, binding),
            trace,
        ),
    };
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
        drift: pol.drift,
    }
}

/// The input principals a rebuilt policy reaches by reference: those whose values kmsguard
/// filled in from the plan (`Rebuild::symbolic`, `ARN = ADDRESS.arn (…)`).
fn referenced_principals(inv: &Inventory, policy: &EffectivePolicy) -> Vec<usize> {
    let Some(r) = policy.rebuild() else {
        return Vec::new();
    };
    (0..inv.principals.len())
        .filter(|&pi| {
            let needle = format!(" = {}.", inv.principals[pi].address);
            r.symbolic.iter().any(|s| s.contains(&needle))
        })
        .collect()
}

#[cfg(test)]
mod tests;
