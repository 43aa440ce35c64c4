//! Evaluating key policies from the Terraform source (`--config-dir`).
//!
//! A policy written as `jsonencode({...})`, a heredoc with interpolations, or `file()` /
//! `templatefile()` is shown in the plan only as "known after apply" (when it uses anything
//! the apply computes), and its configuration only as "some function call". With the source
//! at hand, kmsguard evaluates the expression itself ([`crate::tfsource`]) with what the plan
//! knows ([`Facts`]):
//!
//! - `var.*`: the plan's root variables, module call arguments (evaluated in the calling
//!   module), variable defaults;
//! - `local.*`: the module's `locals`, evaluated when used;
//! - `aws_iam_role.*` / `aws_iam_user.*` (managed or `data.`): `arn`, `name`, `id`, `path`,
//!   `unique_id` after the apply, one object per instance (a list for `count`, an object for
//!   `for_each`);
//! - `data.aws_caller_identity.*`, `data.aws_partition.*`, and the `json` of
//!   `data.aws_iam_policy_document.*` read during the plan;
//! - `path.*`, `count.index`, `each.*`, module outputs.
//!
//! A value the plan cannot give is unknown, and where it ends up in the policy it is a
//! placeholder, which the evaluator treats as "could be anything".

use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap};

use super::{EffectivePolicy, KeyPolicies, Origin, Rebuild, Rebuilt};
use crate::inventory::{Inventory, Lifecycle};
use crate::plan::Phase;
use crate::plan::address::{InstanceKey, Mode, ModuleInstance, ResourceAddress};
use crate::policy::placeholder::{display_value, unknown_in};
use crate::tfsource::config::Config;
use crate::tfsource::eval::value::{Value, from_json};
use crate::tfsource::evaluate::{Evaluation, Facts, resource_object};

/// Re-evaluates, from the source, the policies the plan leaves unknown (or rebuilt only in
/// part) after the apply. The files that could not be used are in [`Config::problems`].
pub(super) fn refine<'a>(
    inv: &Inventory<'a>,
    policies: &mut [KeyPolicies<'a>],
    sources: &[Option<&Config>],
) {
    let wanted: Vec<usize> = (0..inv.keys.len())
        .filter(|&ki| sources.get(inv.keys[ki].input).copied().flatten().is_some())
        .filter(|&ki| match &policies[ki].after {
            EffectivePolicy::Unknown { .. } => true,
            p => p.rebuild().is_some_and(|r| !r.placeholders.is_empty()),
        })
        .collect();
    let facts: Vec<InventoryFacts> = (0..inv.inputs.len())
        .map(|src| InventoryFacts::new(inv, src))
        .collect();
    // Each input is evaluated in its own workspace's source.
    let evaluations: Vec<Option<Evaluation>> = facts
        .iter()
        .enumerate()
        .map(|(src, f)| {
            sources
                .get(src)
                .copied()
                .flatten()
                .map(|c| Evaluation::new(c, f))
        })
        .collect();
    for ki in wanted {
        let key = &inv.keys[ki];
        let Some(evaluation) = &evaluations[key.input] else {
            continue;
        };
        let current = &mut policies[ki].after;
        let via = match current {
            EffectivePolicy::Known { via, .. } => via.clone(),
            _ => key.policy_resource().map(str::to_owned),
        };
        // The block that sets the policy: the aws_kms_key_policy, else the key.
        let block = key.policy.as_ref().map_or(&key.resource, |p| &p.resource);
        let index = block.key.as_ref().map(InstanceKey::json);
        let outcome = evaluation
            .policy(&block.module, &block.rtype, &block.name, index.as_deref())
            .map(|e| {
                let mut placeholders = Vec::new();
                collect_placeholders(&e.text, &mut placeholders);
                let symbolic = facts[key.input].symbolic_in(&e.text);
                let rebuild = Rebuild {
                    detail: format!(
                        "the policy of {}.{} in {}",
                        block.rtype, block.name, e.place.file
                    ),
                    from: Rebuilt::HclSource,
                    placeholders,
                    symbolic,
                };
                (e.text, rebuild)
            });
        match outcome {
            Ok((text, rebuild)) => {
                let better = match current.rebuild() {
                    Some(old) => rebuild.placeholders.len() < old.placeholders.len(),
                    None => true,
                };
                if better {
                    *current = EffectivePolicy::Known {
                        text: text.into(),
                        origin: Origin::Rebuilt(rebuild),
                        via,
                    };
                }
            }
            Err(why) => {
                if let EffectivePolicy::Unknown { reason } = current {
                    *reason = format!("{reason}; evaluating the source: {why}");
                }
            }
        }
    }
}

/// (module instance, mode, type, name) of a resource block.
type BlockId = (ModuleInstance, Mode, String, String);

/// What the inventory knows about one input's resources, for evaluating its source.
struct InventoryFacts<'i, 'a> {
    inv: &'i Inventory<'a>,
    src: usize,
    /// Each resource block → the value Terraform would expose.
    resources: OnceCell<HashMap<BlockId, Value>>,
    /// Values that come from resources the plan changes, and where each comes from.
    origins: OnceCell<Vec<(String, String)>>,
}

impl<'i, 'a> InventoryFacts<'i, 'a> {
    fn new(inv: &'i Inventory<'a>, src: usize) -> Self {
        InventoryFacts {
            inv,
            src,
            resources: OnceCell::new(),
            origins: OnceCell::new(),
        }
    }

    fn build(&self) -> HashMap<BlockId, Value> {
        type Instances = Vec<(Option<InstanceKey>, Value)>;
        let mut grouped: BTreeMap<BlockId, Instances> = BTreeMap::new();
        let block = |r: &ResourceAddress| -> BlockId {
            (r.module.clone(), r.mode, r.rtype.clone(), r.name.clone())
        };
        let s = |v: Option<&str>| v.map(Value::string);
        for p in self.inv.principals.iter().filter(|p| p.input == self.src) {
            let Some(id) = p.identity(Phase::After) else {
                continue;
            };
            let what = if p.managed && p.lifecycle != Lifecycle::Kept {
                format!("{} ({} by this plan)", p.address, p.lifecycle.word())
            } else {
                p.address.clone()
            };
            let mut o = BTreeMap::new();
            let mut put = |k: &str, v: Option<Value>| {
                if let Some(v) = v {
                    o.insert(k.to_owned(), v);
                }
            };
            put("arn", s(id.arn.as_deref()));
            put("name", s(id.name.as_deref()));
            put("id", s(id.name.as_deref()));
            put(
                "path",
                Some(Value::string(id.path.as_deref().unwrap_or("/"))),
            );
            if !matches!(p.lifecycle, Lifecycle::Replaced | Lifecycle::Created) {
                put("unique_id", s(id.unique_id.as_deref()));
            }
            grouped
                .entry(block(&p.resource))
                .or_default()
                .push((p.resource.key.clone(), resource_object(o, &what)));
        }
        for d in self.inv.data.get(self.src).into_iter().flatten() {
            let a = d.after;
            let known: &[(&str, Option<&str>)] = match d.resource.rtype.as_str() {
                "aws_caller_identity" => &[
                    ("account_id", a.account_id.non_empty()),
                    ("id", a.account_id.non_empty()),
                    ("arn", a.arn.non_empty()),
                ],
                "aws_partition" => &[
                    ("partition", a.partition.non_empty()),
                    ("id", a.partition.non_empty()),
                ],
                "aws_iam_policy_document" => {
                    &[("json", a.json.non_empty().filter(|_| !d.unknown.json.0))]
                }
                _ => &[],
            };
            let mut o = BTreeMap::new();
            for (k, v) in known {
                if let Some(v) = v {
                    o.insert((*k).to_owned(), Value::string(*v));
                }
            }
            let what = format!("{} (read at apply)", d.address);
            grouped
                .entry(block(&d.resource))
                .or_default()
                .push((d.resource.key.clone(), resource_object(o, &what)));
        }
        grouped
            .into_iter()
            .map(|(k, instances)| (k, group(instances)))
            .collect()
    }

    /// `"arn = origin"` for each value from a changed principal that `text` holds.
    fn symbolic_in(&self, text: &str) -> Vec<String> {
        let origins = self.origins.get_or_init(|| {
            let mut out: Vec<(String, String)> = Vec::new();
            for p in self.inv.principals.iter().filter(|p| p.input == self.src) {
                if !p.managed || p.lifecycle == Lifecycle::Kept {
                    continue;
                }
                if let Some(arn) = p.identity(Phase::After).and_then(|i| i.arn.as_deref()) {
                    if !out.iter().any(|(v, _)| v == arn) {
                        out.push((
                            arn.to_owned(),
                            format!("{}.arn ({} by this plan)", p.address, p.lifecycle.word()),
                        ));
                    }
                }
            }
            out
        });
        let mut out: Vec<String> = origins
            .iter()
            .filter(|(v, _)| text.contains(&serde_json::Value::String(v.clone()).to_string()))
            .map(|(v, o)| format!("{v} = {o}"))
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Instances of a resource as Terraform exposes them: one object, a list (`count`), or an
/// object keyed by `for_each` key.
fn group(mut instances: Vec<(Option<InstanceKey>, Value)>) -> Value {
    if let [(None, _)] = instances.as_slice() {
        return instances.pop().map(|(_, v)| v).unwrap_or(Value::Null);
    }
    if instances
        .iter()
        .all(|(i, _)| matches!(i, Some(InstanceKey::Int(_))))
    {
        instances.sort_by(|a, b| a.0.cmp(&b.0));
        return Value::list(instances.into_iter().map(|(_, v)| v).collect());
    }
    Value::object(
        instances
            .into_iter()
            .filter_map(|(i, v)| match i {
                Some(InstanceKey::Str(k)) => Some((k, v)),
                _ => None,
            })
            .collect(),
    )
}

impl Facts for InventoryFacts<'_, '_> {
    fn resource(
        &self,
        instance: &ModuleInstance,
        mode: Mode,
        rtype: &str,
        name: &str,
    ) -> Option<Value> {
        self.resources
            .get_or_init(|| self.build())
            .get(&(instance.clone(), mode, rtype.to_owned(), name.to_owned()))
            .cloned()
    }

    fn root_variable(&self, name: &str) -> Option<Value> {
        self.inv.root_vars.get(self.src)?.get(name).map(from_json)
    }
}

fn collect_placeholders(text: &str, out: &mut Vec<String>) {
    // The policy text is JSON: placeholders are escaped there; read them from the values.
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
        fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::String(s) if unknown_in(s).is_some() => {
                    out.push(display_value(s));
                }
                serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                serde_json::Value::Object(m) => {
                    for (k, x) in m {
                        if unknown_in(k).is_some() {
                            out.push(display_value(k));
                        }
                        walk(x, out);
                    }
                }
                _ => {}
            }
        }
        walk(&v, out);
    } else if unknown_in(text).is_some() || text.contains("\\u0001") {
        out.push("the policy text holds values known only after apply".to_owned());
    }
    out.sort();
    out.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_group_as_terraform_exposes_them() {
        let v = group(vec![
            (Some(InstanceKey::Int(1)), Value::string("b")),
            (Some(InstanceKey::Int(0)), Value::string("a")),
        ]);
        assert_eq!(v, Value::list(vec![Value::string("a"), Value::string("b")]));
        let v = group(vec![(
            Some(InstanceKey::Str("x".into())),
            Value::string("x"),
        )]);
        let Value::Object(o) = v else { panic!() };
        assert_eq!(o["x"], Value::string("x"));
        assert_eq!(group(vec![(None, Value::string("s"))]), Value::string("s"));
    }
}
