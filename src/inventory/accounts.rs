//! Which AWS account and partition each input belongs to, and what follows from it: the ARNs
//! of principals the plan creates, and the account of keys whose ARN no input shows.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::collect::Collected;
use super::{Key, Principal};
use crate::policy::arn::{Arn, UNKNOWN_ACCOUNT, iam_arn};

/// Per input: its account (the caller identity's, else the one most of its ARNs name) and
/// partition. Completes the ARNs of principals the plan creates, from name and path.
pub(super) fn of_inputs(collected: &mut [Collected]) -> (Vec<Option<String>>, Vec<Option<String>>) {
    let mut accounts = Vec::with_capacity(collected.len());
    let mut partitions = Vec::with_capacity(collected.len());
    for c in collected.iter() {
        let mut votes: HashMap<(String, String), usize> = HashMap::new();
        let arns = c
            .principals
            .iter()
            .filter_map(|p| p.any_arn().map(str::to_owned))
            .chain(c.keys.iter().chain(&c.policies).flat_map(|d| {
                [
                    d.before.arn.as_deref(),
                    d.after.arn.as_deref(),
                    d.after.key_id.as_deref(),
                ]
                .into_iter()
                .flatten()
                .map(str::to_owned)
            }));
        for arn in arns {
            if let Some(a) = Arn::parse(&arn) {
                if !a.account.is_empty() {
                    *votes
                        .entry((a.partition.to_owned(), a.account.to_owned()))
                        .or_default() += 1;
                }
            }
        }
        let best = votes
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
        partitions.push(best.as_ref().map(|((p, _), _)| p.clone()));
        accounts.push(c.caller_account.clone().or(best.map(|((_, a), _)| a)));
    }
    let global_account = single(&accounts);
    let global_partition = single(&partitions);
    // No input tells any account: the principals the plan creates are the plan's own
    // account's, whatever it is — a symbolic account keeps "the ARN of aws_iam_role.x" exact.
    let symbolic = accounts.iter().all(Option::is_none);
    for (src, c) in collected.iter_mut().enumerate() {
        let account = accounts[src]
            .clone()
            .or(global_account.clone())
            .or_else(|| symbolic.then(|| UNKNOWN_ACCOUNT.to_owned()));
        let partition = partitions[src]
            .clone()
            .or(global_partition.clone())
            .unwrap_or_else(|| "aws".to_owned());
        for p in &mut c.principals {
            complete_arn(p, &partition, account.as_deref());
        }
    }
    (accounts, partitions)
}

/// The one value all inputs that have one agree on.
fn single(v: &[Option<String>]) -> Option<String> {
    let set: HashSet<&String> = v.iter().flatten().collect();
    (set.len() == 1)
        .then(|| set.into_iter().next().cloned())
        .flatten()
}

/// A role or user the plan creates has no ARN until apply; build it from name and path.
fn complete_arn(p: &mut Principal<'_>, partition: &str, account: Option<&str>) {
    let Some(account) = account else { return };
    if let Some(id) = &mut p.after {
        if id.arn.is_none() {
            if let Some(name) = id.name.clone() {
                id.arn = Some(Cow::Owned(iam_arn(
                    partition,
                    account,
                    p.kind.word(),
                    id.path.as_deref(),
                    &name,
                )));
            }
        }
    }
}

/// Keys whose ARN shows no account or partition take their input's (or, when all inputs
/// agree, the common one).
pub(super) fn complete_keys<'a>(
    keys: Vec<Key<'a>>,
    accounts: &[Option<String>],
    partitions: &[Option<String>],
) -> Vec<Key<'a>> {
    let global_account = single(accounts);
    let global_partition = single(partitions);
    keys.into_iter()
        .map(|mut k| {
            if k.account.is_none() {
                k.account = accounts[k.input].clone().or(global_account.clone());
                k.account_inferred = k.account.is_some();
            }
            if k.partition.is_none() {
                k.partition = partitions[k.input].clone().or(global_partition.clone());
            }
            k
        })
        .collect()
}
