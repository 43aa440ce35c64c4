//! Keys and the `aws_kms_key_policy` resources that govern them: joined by the key ID or ARN
//! the policy resource names, else by the configuration's `key_id = aws_kms_key.NAME.id`.

use std::collections::HashMap;

use super::collect::Collected;
use super::{Key, Lifecycle, Planned};
use crate::plan::address::Mode;
use crate::plan::address::{InstanceKey, ModuleInstance};
use crate::plan::configuration::{ConfigIndex, Configs};
use crate::plan::kind::ResourceKind;
use crate::plan::reference::{Reference, Target, references_in};
use crate::policy::arn::Arn;

/// Joins policy resources to keys and builds the keys; notes about ambiguous joins.
pub(super) fn join<'a>(
    collected: Vec<Collected<'a>>,
    configs: &Configs,
) -> (Vec<Key<'a>>, Vec<(usize, String)>) {
    let mut notes = Vec::new();
    let mut keys: Vec<Planned<'a>> = Vec::new();
    let mut policies: Vec<Planned<'a>> = Vec::new();
    for c in collected {
        keys.extend(c.keys);
        policies.extend(c.policies);
    }
    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, k) in keys.iter().enumerate() {
        for a in [&k.before, &k.after] {
            for id in [a.id.non_empty(), a.key_id.non_empty(), a.arn.non_empty()]
                .into_iter()
                .flatten()
            {
                let v = by_id.entry(id).or_default();
                if !v.contains(&i) {
                    v.push(i);
                }
            }
        }
    }

    let mut attached: Vec<Option<usize>> = vec![None; keys.len()];
    let mut standalone = Vec::new();
    for (pi, p) in policies.iter().enumerate() {
        let target = by_key_id(p, &keys, &by_id)
            .or_else(|| by_configuration(p, &keys, configs.get(p.input)));
        match target {
            Some(k) => {
                if let Some(prev) = attached[k] {
                    notes.push((
                        p.input,
                        format!(
                            "{} and {} both set the policy of {}; the first one found is used",
                            policies[prev].address, p.address, keys[k].address
                        ),
                    ));
                } else {
                    attached[k] = Some(pi);
                }
            }
            None => standalone.push(pi),
        }
    }

    let mut out = Vec::with_capacity(keys.len() + standalone.len());
    for (ki, k) in keys.iter().enumerate() {
        let p = attached[ki].map(|pi| policies[pi].clone());
        out.push(key(k.clone(), p));
    }
    for pi in standalone {
        out.push(standalone_key(policies[pi].clone()));
    }
    (out, notes)
}

fn by_key_id(p: &Planned, keys: &[Planned], by_id: &HashMap<&str, Vec<usize>>) -> Option<usize> {
    let ids = [p.after.key_id.non_empty(), p.before.key_id.non_empty()];
    for id in ids.into_iter().flatten() {
        if let Some(found) = by_id.get(id) {
            // Prefer a key from the same input.
            return found
                .iter()
                .copied()
                .find(|&k| keys[k].input == p.input)
                .or_else(|| found.first().copied());
        }
    }
    None
}

/// How deep `key_id` is followed through module outputs and variables.
const MAX_HOPS: usize = 16;

/// Follows `key_id` in the configuration to the key instance it names: `aws_kms_key.NAME.id`
/// in the same module instance, or through module outputs (`module.kms.key_id`) and input
/// variables (`var.key_id`, set by the module call) to a key in another module.
fn by_configuration(p: &Planned, keys: &[Planned], config: &ConfigIndex) -> Option<usize> {
    let block = config.block(&p.resource.module, &p.resource.block())?;
    let mut todo: Vec<(ModuleInstance, String, usize)> = block
        .key_id_refs
        .iter()
        .map(|r| (p.resource.module.clone(), r.clone(), 0))
        .collect();
    while let Some((module, r, hops)) = todo.pop() {
        if hops > MAX_HOPS {
            continue;
        }
        let Some(Reference { target, .. }) = Reference::parse(&r) else {
            continue;
        };
        match target {
            Target::Resource {
                mode: Mode::Managed,
                rtype,
                name,
                key,
                ..
            } if ResourceKind::of(Mode::Managed, &rtype).is_some_and(ResourceKind::is_key) => {
                if let Some(k) = key_in(p, keys, &module, &rtype, &name, key.as_ref()) {
                    return Some(k);
                }
            }
            // The output of a module this one calls: what the output's expression names,
            // in that module.
            Target::Module {
                call,
                output: Some(output),
            } => {
                let child = module.child(&call, None);
                if let Some(e) = config.output(&child, &output) {
                    for r in references_in(e) {
                        todo.push((child.clone(), r, hops + 1));
                    }
                }
            }
            // An input variable: what the module call passes, in the calling module.
            Target::Variable(var) => {
                let (Some(parent), Some(call)) = (module.parent(), module.calls().last().copied())
                else {
                    continue;
                };
                if let Some(arg) = config.call_args(&parent, call).and_then(|a| a.get(&var)) {
                    for r in references_in(arg) {
                        todo.push((parent.clone(), r, hops + 1));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// The key instance `rtype.name[key]` of `module` (its instance keys as the policy's own, or
/// the only one), in the policy's input.
fn key_in(
    p: &Planned,
    keys: &[Planned],
    module: &ModuleInstance,
    rtype: &str,
    name: &str,
    key: Option<&InstanceKey>,
) -> Option<usize> {
    // The module's place in the configuration; its instance is the policy's own where the
    // policy is inside it, else any (one) instance.
    let same: Vec<usize> = keys
        .iter()
        .enumerate()
        .filter(|(_, k)| {
            k.input == p.input
                && k.resource.module.calls() == module.calls()
                && k.resource.rtype == rtype
                && k.resource.name == name
        })
        .map(|(i, _)| i)
        .collect();
    let same_instance: Vec<usize> = same
        .iter()
        .copied()
        .filter(|&k| keys[k].resource.module == p.resource.module)
        .collect();
    let pool = if same_instance.is_empty() {
        &same
    } else {
        &same_instance
    };
    match (key, pool.len()) {
        (_, 0) => None,
        (Some(ix), _) => pool
            .iter()
            .copied()
            .find(|&k| keys[k].resource.key.as_ref() == Some(ix)),
        (None, 1) => Some(pool[0]),
        (None, _) => pool
            .iter()
            .copied()
            .find(|&k| keys[k].resource.key.is_some() && keys[k].resource.key == p.resource.key),
    }
}

fn arn_parts(arn: Option<&str>) -> (Option<String>, Option<String>) {
    match arn.and_then(Arn::parse) {
        Some(a) if !a.account.is_empty() => {
            (Some(a.account.to_owned()), Some(a.partition.to_owned()))
        }
        _ => (None, None),
    }
}

fn bypassed(p: &Planned) -> bool {
    p.lifecycle.exists_after() && p.after.bypass_policy_lockout_safety_check.0 == Some(true)
}

fn key<'a>(k: Planned<'a>, p: Option<Planned<'a>>) -> Key<'a> {
    let keeps_arn = matches!(
        k.lifecycle,
        Lifecycle::Kept | Lifecycle::Updated | Lifecycle::Forgotten
    );
    let arn_before = k.before.arn.non_empty().map(str::to_owned);
    let arn_after = k
        .after
        .arn
        .non_empty()
        .map(str::to_owned)
        .or_else(|| if keeps_arn { arn_before.clone() } else { None });
    let (account, partition) = arn_parts(arn_after.as_deref().or(arn_before.as_deref()));
    let mut ids = Vec::new();
    for a in [&k.before, &k.after] {
        for id in [a.id.non_empty(), a.key_id.non_empty(), a.arn.non_empty()]
            .into_iter()
            .flatten()
        {
            if !ids.iter().any(|x| x == id) {
                ids.push(id.to_owned());
            }
        }
    }
    let bypass = [Some(&k), p.as_ref()]
        .into_iter()
        .flatten()
        .filter(|x| bypassed(x))
        .map(|x| x.address.clone())
        .collect();
    Key {
        input: k.input,
        address: k.address.clone(),
        resource: k.resource.clone(),
        lifecycle: k.lifecycle,
        arn_before,
        arn_after,
        account,
        account_inferred: false,
        partition,
        tags: k.after.tags().or(k.before.tags()),
        own: k,
        policy: p,
        standalone: false,
        bypass,
        ids,
        live_twin: None,
    }
}

/// A key known only through an `aws_kms_key_policy` whose key is in no input.
fn standalone_key(p: Planned<'_>) -> Key<'_> {
    let key_id = p
        .after
        .key_id
        .non_empty()
        .or(p.before.key_id.non_empty())
        .map(str::to_owned);
    let arn = key_id.clone().filter(|k| k.starts_with("arn:"));
    let (account, partition) = arn_parts(arn.as_deref());
    Key {
        input: p.input,
        address: p.address.clone(),
        resource: p.resource.clone(),
        lifecycle: Lifecycle::Kept,
        arn_before: arn.clone(),
        arn_after: arn,
        account,
        account_inferred: false,
        partition,
        tags: None,
        bypass: if bypassed(&p) {
            vec![p.address.clone()]
        } else {
            Vec::new()
        },
        own: p.clone(),
        policy: Some(p),
        standalone: true,
        ids: key_id.into_iter().collect(),
        live_twin: None,
    }
}
