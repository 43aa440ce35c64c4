//! Live facts merged with what plans and states show: a principal or key that both an
//! account export (or keys document) and a plan show is one object.

use std::collections::HashMap;

use super::{Key, Principal};
use crate::policy::identity::IdentityPolicies;

/// Drops each live principal that a plan or state also shows (same ARN, whatever the case,
/// or same unique ID): the plan's entry says what the apply does to it, and gets the live
/// one's identity policies while it keeps its unique ID.
pub(super) fn merge_principals(principals: &mut Vec<Principal<'_>>) {
    if !principals.iter().any(|p| p.iam.is_some()) || principals.iter().all(|p| p.iam.is_some()) {
        return;
    }
    let mut by_arn: HashMap<String, usize> = HashMap::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for (i, p) in principals
        .iter()
        .enumerate()
        .filter(|(_, p)| p.iam.is_none())
    {
        for id in [&p.before, &p.after].into_iter().flatten() {
            if let Some(a) = &id.arn {
                by_arn.entry(a.to_ascii_lowercase()).or_insert(i);
            }
            if let Some(u) = &id.unique_id {
                by_id.entry(u.to_string()).or_insert(i);
            }
        }
    }
    let mut drop = vec![false; principals.len()];
    for i in 0..principals.len() {
        let Some(iam) = principals[i].iam else {
            continue;
        };
        let arn = iam.attrs.arn.as_deref().map(str::to_ascii_lowercase);
        let twin = iam
            .attrs
            .unique_id
            .as_deref()
            .and_then(|u| by_id.get(u))
            .or_else(|| arn.as_ref().and_then(|a| by_arn.get(a)))
            .copied();
        if let Some(t) = twin {
            drop[i] = true;
            let plan = &mut principals[t];
            // Its policies still apply if the apply keeps the object (same unique ID).
            let same_object = match (
                plan.before.as_ref().and_then(|b| b.unique_id.as_deref()),
                iam.attrs.unique_id.as_deref(),
            ) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            };
            if same_object && plan.iam.is_none() {
                plan.iam = Some(iam);
            }
        }
    }
    remove_marked(principals, &drop);
}

/// The identity policies of every principal an account export shows.
pub(super) fn identities(principals: &[Principal<'_>]) -> HashMap<usize, IdentityPolicies> {
    principals
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let iam = p.iam?;
            let boundary = iam
                .attrs
                .permissions_boundary
                .non_empty()
                .map(|_| iam.boundary_document.as_deref());
            Some((
                i,
                IdentityPolicies::read(&iam.documents, boundary, &iam.missing),
            ))
        })
        .collect()
}

/// Drops each live key that a plan or state also shows (same ARN), and gives the plan's key
/// its live twin: the policy the key has today.
pub(super) fn merge_keys(mut keys: Vec<Key<'_>>) -> Vec<Key<'_>> {
    if !keys.iter().any(|k| k.own.live.is_some()) || keys.iter().all(|k| k.own.live.is_some()) {
        return keys;
    }
    let mut by_arn: HashMap<String, usize> = HashMap::new();
    for (i, k) in keys
        .iter()
        .enumerate()
        .filter(|(_, k)| k.own.live.is_none())
    {
        for a in [&k.arn_before, &k.arn_after].into_iter().flatten() {
            by_arn.entry(a.clone()).or_insert(i);
        }
    }
    let mut drop = vec![false; keys.len()];
    for i in 0..keys.len() {
        let Some(live) = keys[i].own.live else {
            continue;
        };
        if let Some(&t) = keys[i].arn_before.as_ref().and_then(|a| by_arn.get(a)) {
            drop[i] = true;
            keys[t].live_twin = Some(live);
        }
    }
    remove_marked(&mut keys, &drop);
    keys
}

/// Removes the items whose index is marked, keeping the others in order.
fn remove_marked<T>(items: &mut Vec<T>, marked: &[bool]) {
    let mut i = 0;
    items.retain(|_| {
        i += 1;
        !marked[i - 1]
    });
}
