//! Joining `aws_kms_key_policy` resources to their keys, and working out the policy that
//! governs each key before and after the apply.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::value::RawValue;

use super::build::{Collected, Draft, KEY_POLICY_TYPE, KEY_TYPES, policy_of};
use super::resolve::{DataDraft, Rebuilt, Resolver};
use super::{Key, Lifecycle, PolicyText, Principal};
use crate::plan::Document;
use crate::plan::address::module_calls;
use crate::plan::model::Expression;
use crate::policy::arn::Arn;

/// What the static configuration says about one resource block.
#[derive(Debug, Default)]
pub(super) struct ConfigEntry {
    /// The attribute names set in the block.
    pub attrs: HashSet<String>,
    /// `key_id`'s references (for `aws_kms_key_policy`).
    pub key_id_refs: Vec<String>,
    /// `policy`'s references (to say what an unknown policy is built from).
    pub policy_refs: Vec<String>,
    /// The `policy` expression (keys and key policies) or all expressions (documents).
    pub expr: Option<serde_json::Value>,
}

/// The configurations of all inputs, each indexed the first time it is needed (most plans
/// never need it: the configuration is only read for keys whose policy is unknown and for
/// policy resources whose `key_id` is unknown).
pub(super) struct Configs<'d, 'a> {
    docs: Vec<&'d Document<'a>>,
    cache: Vec<std::cell::OnceCell<ConfigIndex>>,
    documents: Vec<std::cell::OnceCell<bool>>,
}

impl<'d, 'a> Configs<'d, 'a> {
    pub fn new(docs: Vec<&'d Document<'a>>) -> Self {
        let cache = docs.iter().map(|_| std::cell::OnceCell::new()).collect();
        let documents = docs.iter().map(|_| std::cell::OnceCell::new()).collect();
        Configs {
            docs,
            cache,
            documents,
        }
    }

    /// Whether an input's configuration has policy documents (computed once per input).
    pub fn has_documents(&self, src: usize) -> bool {
        *self.documents[src].get_or_init(|| {
            self.docs[src]
                .raw
                .configuration
                .as_ref()
                .and_then(|c| c.root_module.as_ref())
                .is_some_and(|m| m.has_documents())
        })
    }

    fn get(&self, src: usize) -> &ConfigIndex {
        self.cache[src].get_or_init(|| ConfigIndex::new(self.docs[src]))
    }
}

/// The configuration of one input, indexed by (module call path, `type.name`).
#[derive(Debug, Default)]
pub(super) struct ConfigIndex {
    pub present: bool,
    entries: HashMap<(Vec<String>, String), ConfigEntry>,
    /// Module call arguments by (calling module's path, call name).
    calls: HashMap<(Vec<String>, String), serde_json::Map<String, serde_json::Value>>,
    /// Output expressions and variable defaults by (module path, name).
    outputs: HashMap<(Vec<String>, String), serde_json::Value>,
    defaults: HashMap<(Vec<String>, String), serde_json::Value>,
}

impl ConfigIndex {
    pub fn new(doc: &Document<'_>) -> ConfigIndex {
        let Some(cfg) = doc.raw.configuration.as_ref() else {
            return ConfigIndex::default();
        };
        let mut idx = ConfigIndex {
            present: true,
            ..ConfigIndex::default()
        };
        let json = |r: &Option<Box<RawValue>>| -> Option<serde_json::Value> {
            r.as_deref()
                .and_then(|r| serde_json::from_str(r.get()).ok())
        };
        let Some(root) = &cfg.root_module else {
            return idx;
        };
        let mut stack = vec![(Vec::<String>::new(), root)];
        while let Some((path, m)) = stack.pop() {
            for r in m.resources() {
                let (Some(t), Some(n)) = (r.rtype.as_deref(), r.name.as_deref()) else {
                    continue;
                };
                if r.mode.as_deref() == Some("data") {
                    if t == "aws_iam_policy_document" {
                        // What the document is built from, anywhere in its blocks.
                        let mut e = ConfigEntry::default();
                        if let Some(v) = json(&r.expressions) {
                            collect_references(&v, &mut e.policy_refs);
                            e.expr = Some(v);
                        }
                        idx.entries
                            .insert((path.clone(), format!("data.{t}.{n}")), e);
                    }
                    continue;
                }
                if !KEY_TYPES.contains(&t) && t != KEY_POLICY_TYPE {
                    continue;
                }
                let mut e = ConfigEntry::default();
                let exprs: BTreeMap<Cow<str>, &RawValue> = r
                    .expressions
                    .as_deref()
                    .and_then(|x| serde_json::from_str(x.get()).ok())
                    .unwrap_or_default();
                for (attr, expr) in &exprs {
                    e.attrs.insert(attr.to_string());
                    if attr == "key_id" || attr == "policy" {
                        if let Ok(x) = serde_json::from_str::<Expression>(expr.get()) {
                            let refs = x
                                .references
                                .unwrap_or_default()
                                .into_iter()
                                .map(|s| s.into_owned())
                                .collect();
                            if attr == "key_id" {
                                e.key_id_refs = refs;
                            } else {
                                // A constant policy is in the plan already; keep only
                                // expressions that may need rebuilding.
                                if x.constant_value.is_none() {
                                    e.expr = serde_json::from_str(expr.get()).ok();
                                }
                                e.policy_refs = refs;
                            }
                        }
                    }
                }
                idx.entries.insert((path.clone(), format!("{t}.{n}")), e);
            }
            for (name, v) in &m.variables {
                if let Some(d) = json(&v.default) {
                    idx.defaults.insert((path.clone(), name.to_string()), d);
                }
            }
            for (name, o) in &m.outputs {
                if let Some(e) = json(&o.expression) {
                    idx.outputs.insert((path.clone(), name.to_string()), e);
                }
            }
            for (call, mc) in &m.module_calls {
                if let Some(serde_json::Value::Object(args)) = json(&mc.expressions) {
                    idx.calls.insert((path.clone(), call.to_string()), args);
                }
                if let Some(child) = &mc.module {
                    let mut p = path.clone();
                    p.push(call.to_string());
                    stack.push((p, child));
                }
            }
        }
        idx
    }

    /// An index holding one block's expressions (for tests).
    #[cfg(test)]
    pub fn with_block(path: &[String], block: &str, expr: serde_json::Value) -> ConfigIndex {
        let mut idx = ConfigIndex {
            present: true,
            ..ConfigIndex::default()
        };
        idx.entries.insert(
            (path.to_vec(), block.to_owned()),
            ConfigEntry {
                expr: Some(expr),
                ..ConfigEntry::default()
            },
        );
        idx
    }

    /// A module call's arguments (variable name → expression).
    pub fn call_args(
        &self,
        path: &[String],
        call: &str,
    ) -> Option<&serde_json::Map<String, serde_json::Value>> {
        self.calls.get(&(path.to_vec(), call.to_owned()))
    }

    /// A module output's expression.
    pub fn output(&self, path: &[String], name: &str) -> Option<&serde_json::Value> {
        self.outputs.get(&(path.to_vec(), name.to_owned()))
    }

    /// A module variable's default value.
    pub fn variable_default(&self, path: &[String], name: &str) -> Option<&serde_json::Value> {
        self.defaults.get(&(path.to_vec(), name.to_owned()))
    }

    /// The expressions of a block (`data.aws_iam_policy_document.x`) in a module.
    pub fn block(&self, path: &[String], block: &str) -> Option<&serde_json::Value> {
        self.entries
            .get(&(path.to_vec(), block.to_owned()))
            .and_then(|e| e.expr.as_ref())
    }

    /// The data source a module-relative `data.TYPE.NAME` reference names, in a module.
    fn lookup_data(&self, module_address: &str, reference: &str) -> Option<&ConfigEntry> {
        let path: Vec<String> = module_calls(module_address)?
            .into_iter()
            .map(str::to_owned)
            .collect();
        self.entries.get(&(path, reference.to_owned()))
    }

    fn lookup(&self, module_address: &str, rtype: &str, name: &str) -> Option<&ConfigEntry> {
        let path: Vec<String> = module_calls(module_address)?
            .into_iter()
            .map(str::to_owned)
            .collect();
        self.entries.get(&(path, format!("{rtype}.{name}")))
    }
}

/// All `references` strings in an expression tree, most general form only
/// (`aws_iam_role.a` rather than also `aws_iam_role.a.arn`).
fn collect_references(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                if k == "references" {
                    for r in x
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|r| r.as_str())
                    {
                        if !out.iter().any(|o| o == r) {
                            out.push(r.to_owned());
                        }
                    }
                } else {
                    collect_references(x, out);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_references(x, out)),
        _ => {}
    }
}

/// The shortest references: `data.x.y` for `data.x.y.json` and `data.x.y`.
fn roots(refs: &[String]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for r in refs {
        let covered = refs.iter().any(|o| {
            o != r && (r.starts_with(&format!("{o}.")) || r.starts_with(&format!("{o}[")))
        });
        if !covered && !out.contains(&r.as_str()) {
            out.push(r);
        }
    }
    out
}

/// Why a key's policy is unknown: what the configuration builds it from, and what the plan
/// does to those resources.
fn unknown_because(
    entry: &ConfigEntry,
    config: &ConfigIndex,
    module_address: &str,
    lifecycles: &HashMap<String, Lifecycle>,
) -> String {
    let describe = |r: &str| -> String {
        let absolute = if module_address.is_empty() {
            r.to_owned()
        } else {
            format!("{module_address}.{r}")
        };
        match lifecycles.get(&absolute) {
            Some(l) => format!("{r} ({} by this plan)", l.word()),
            None => r.to_owned(),
        }
    };
    let parts: Vec<String> = roots(&entry.policy_refs)
        .into_iter()
        .map(|r| match config.lookup_data(module_address, r) {
            Some(doc) if !doc.policy_refs.is_empty() => {
                let used: Vec<String> = roots(&doc.policy_refs).into_iter().map(describe).collect();
                format!("{r}, which uses {}", used.join(", "))
            }
            _ => describe(r),
        })
        .collect();
    if parts.is_empty() {
        "the policy is known only after apply: it is built from values the apply computes".into()
    } else {
        format!(
            "the policy is known only after apply: it is built from {}",
            parts.join("; ")
        )
    }
}

/// Joins policy resources to keys and builds the keys.
pub(super) fn join<'a>(
    collected: Vec<Collected<'a>>,
    world: &World<'_, 'a>,
) -> (Vec<Key<'a>>, Vec<(usize, String)>) {
    let configs = world.configs;
    let mut notes = Vec::new();
    let mut keys: Vec<Draft<'a>> = Vec::new();
    let mut policies: Vec<Draft<'a>> = Vec::new();
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
        let target = find_key_by_id(p, &keys, &by_id)
            .or_else(|| find_key_by_config(p, &keys, configs.get(p.source)));
        match target {
            Some(k) => {
                if let Some(prev) = attached[k] {
                    notes.push((
                        p.source,
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
        let p = attached[ki].map(|pi| &policies[pi]);
        out.push(make_key(k, p, world));
    }
    for pi in standalone {
        out.push(make_standalone(&policies[pi], world));
    }
    (out, notes)
}

fn find_key_by_id(p: &Draft, keys: &[Draft], by_id: &HashMap<&str, Vec<usize>>) -> Option<usize> {
    let ids = [p.after.key_id.non_empty(), p.before.key_id.non_empty()];
    for id in ids.into_iter().flatten() {
        if let Some(found) = by_id.get(id) {
            // Prefer a key from the same input.
            return found
                .iter()
                .copied()
                .find(|&k| keys[k].source == p.source)
                .or_else(|| found.first().copied());
        }
    }
    None
}

/// Follows `key_id = aws_kms_key.NAME.id` in the configuration to the key instance in the
/// same module instance.
fn find_key_by_config(p: &Draft, keys: &[Draft], config: &ConfigIndex) -> Option<usize> {
    let entry = config.lookup(&p.module_address, KEY_POLICY_TYPE, &p.name)?;
    for r in &entry.key_id_refs {
        let Some((rtype, rest)) = r.split_once('.') else {
            continue;
        };
        if !KEY_TYPES.contains(&rtype) {
            continue;
        }
        let name_end = rest.find(['.', '[']).unwrap_or(rest.len());
        let name = &rest[..name_end];
        let ref_index = rest[name_end..]
            .strip_prefix('[')
            .and_then(|s| s.rfind(']').map(|e| s[..e].to_owned()))
            .filter(|s| !s.starts_with("each.") && !s.starts_with("count."));
        let same: Vec<usize> = keys
            .iter()
            .enumerate()
            .filter(|(_, k)| {
                k.source == p.source
                    && k.module_address == p.module_address
                    && k.rtype == rtype
                    && k.name == name
            })
            .map(|(i, _)| i)
            .collect();
        let pick = match (&ref_index, same.len()) {
            (_, 0) => None,
            (Some(ix), _) => same
                .iter()
                .copied()
                .find(|&k| keys[k].index.as_deref() == Some(ix.as_str())),
            (None, 1) => Some(same[0]),
            (None, _) => same
                .iter()
                .copied()
                .find(|&k| keys[k].index.is_some() && keys[k].index == p.index),
        };
        if pick.is_some() {
            return pick;
        }
    }
    None
}

fn arn_parts(arn: Option<&str>) -> (Option<String>, Option<String>) {
    match arn.and_then(Arn::parse) {
        Some(a) if !a.account.is_empty() => {
            (Some(a.account.to_owned()), Some(a.partition.to_owned()))
        }
        _ => (None, None),
    }
}

fn make_key<'a>(k: &Draft<'a>, p: Option<&Draft<'a>>, world: &World<'_, 'a>) -> Key<'a> {
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
    let mut bypass = Vec::new();
    if k.lifecycle.exists_after() && k.after.bypass_policy_lockout_safety_check.0 == Some(true) {
        bypass.push(k.address.clone());
    }
    if let Some(p) = p {
        if p.lifecycle.exists_after() && p.after.bypass_policy_lockout_safety_check.0 == Some(true)
        {
            bypass.push(p.address.clone());
        }
    }
    Key {
        source: k.source,
        address: k.address.clone(),
        rtype: k.rtype.clone(),
        lifecycle: k.lifecycle,
        arn_before,
        arn_after,
        account,
        account_inferred: false,
        partition,
        tags: k.after.tags().or(k.before.tags()),
        policy_before: key_before(k, p),
        policy_after: key_after(k, p, world),
        policy_resource: p.map(|p| p.address.clone()),
        bypass,
        ids,
        module_address: k.module_address.clone(),
        name: k.name.clone(),
        index: k.index.clone(),
    }
}

fn key_before<'a>(k: &Draft<'a>, p: Option<&Draft<'a>>) -> PolicyText<'a> {
    if !k.lifecycle.exists_before() {
        return PolicyText::Absent;
    }
    if let Some(p) = p.filter(|p| p.lifecycle.exists_before()) {
        if let Some(t) = policy_of(p.before) {
            return PolicyText::Known {
                text: t,
                via: Some(p.address.clone()),
            };
        }
    }
    match policy_of(k.before) {
        Some(t) => PolicyText::Known { text: t, via: None },
        None => PolicyText::Unknown {
            reason: "the key's current policy is not in the input".into(),
        },
    }
}

fn from_policy_resource<'a>(p: &Draft<'a>, world: &World<'_, 'a>) -> PolicyText<'a> {
    if p.lifecycle.exists_after() {
        return match policy_of(p.after) {
            Some(t) => PolicyText::Known {
                text: t,
                via: Some(p.address.clone()),
            },
            None => {
                let config = world.configs.get(p.source);
                let entry = config.lookup(&p.module_address, KEY_POLICY_TYPE, &p.name);
                let base = format!("the policy of {} is known only after apply", p.address);
                match entry {
                    Some(e) => resolve_or_explain(
                        e,
                        config,
                        &p.module_address,
                        world,
                        p.source,
                        p.index.as_deref(),
                        Some(p.address.clone()),
                    ),
                    None => PolicyText::Unknown { reason: base },
                }
            }
        };
    }
    if p.before.bypass_policy_lockout_safety_check.0 == Some(true) {
        // Destroyed with bypass set: the provider leaves the policy as it is.
        return match policy_of(p.before) {
            Some(t) => PolicyText::Known {
                text: t,
                via: Some(p.address.clone()),
            },
            None => PolicyText::Unknown {
                reason: format!(
                    "{} is destroyed with the bypass flag, leaving a policy the input does not show",
                    p.address
                ),
            },
        };
    }
    PolicyText::Default {
        reason: format!(
            "{} is destroyed, and the provider then restores the default key policy",
            p.address
        ),
    }
}

fn key_after<'a>(k: &Draft<'a>, p: Option<&Draft<'a>>, world: &World<'_, 'a>) -> PolicyText<'a> {
    if !k.lifecycle.exists_after() {
        return PolicyText::Absent;
    }
    if let Some(p) = p {
        return from_policy_resource(p, world);
    }
    if let Some(t) = policy_of(k.after) {
        return from_document(k, world).unwrap_or(PolicyText::Known { text: t, via: None });
    }
    if matches!(k.lifecycle, Lifecycle::Kept | Lifecycle::Forgotten) {
        if let Some(t) = policy_of(k.before) {
            return PolicyText::Known { text: t, via: None };
        }
    }
    if k.unknown.policy.0 {
        let config = world.configs.get(k.source);
        return match config.lookup(&k.module_address, &k.rtype, &k.name) {
            Some(e) if !e.attrs.contains("policy") => PolicyText::Default {
                reason: "the configuration sets no policy, so KMS applies its default key policy".into(),
            },
            Some(e) => resolve_or_explain(
                e,
                config,
                &k.module_address,
                world,
                k.source,
                k.index.as_deref(),
                None,
            ),
            None if config.present => PolicyText::Unknown {
                reason: "the policy is known only after apply, and the key's block was not found in the configuration".into(),
            },
            None => PolicyText::Unknown {
                reason: "the policy is known only after apply, and the input has no configuration to tell whether one is set".into(),
            },
        };
    }
    PolicyText::Unknown {
        reason: "the input shows no policy for the key".into(),
    }
}

/// A known policy that the configuration sets to a policy document read during the plan:
/// the same text, marked with where it comes from.
fn from_document<'a>(k: &Draft<'a>, world: &World<'_, 'a>) -> Option<PolicyText<'a>> {
    // Checked on the parsed configuration first: most plans have no policy documents, and
    // then the configuration is never indexed.
    if !world.configs.has_documents(k.source) {
        return None;
    }
    let config = world.configs.get(k.source);
    let expr = config
        .lookup(&k.module_address, &k.rtype, &k.name)?
        .expr
        .as_ref()?;
    let resolved = world
        .resolver(config, k.source)
        .policy(&k.module_address, k.index.as_deref(), expr)
        .ok()?;
    let same = resolved.from == Rebuilt::DataSource
        && policy_of(k.after).is_some_and(|t| t.as_ref() == resolved.text);
    same.then_some(PolicyText::Resolved {
        resolved,
        via: None,
    })
}

/// Rebuilds an unknown policy from the plan and configuration, or says why it stays unknown.
fn resolve_or_explain<'a>(
    e: &ConfigEntry,
    config: &ConfigIndex,
    module_address: &str,
    world: &World<'_, 'a>,
    src: usize,
    index: Option<&str>,
    via: Option<String>,
) -> PolicyText<'a> {
    let why = unknown_because(e, config, module_address, world.lifecycles);
    let Some(expr) = &e.expr else {
        return PolicyText::Unknown { reason: why };
    };
    match world
        .resolver(config, src)
        .policy(module_address, index, expr)
    {
        Ok(resolved) => PolicyText::Resolved { resolved, via },
        Err(e) => PolicyText::Unknown {
            reason: format!("{why} ({e})"),
        },
    }
}

/// What linking needs to know about all inputs.
pub(super) struct World<'w, 'a> {
    pub configs: &'w Configs<'w, 'a>,
    pub lifecycles: &'w HashMap<String, Lifecycle>,
    /// Principals by address (the first input that has one).
    pub principals: HashMap<&'w str, &'w Principal<'a>>,
    /// Per input: its data sources by address.
    pub data: Vec<HashMap<&'w str, &'w DataDraft<'a>>>,
    /// Per input: the root module's variable values.
    pub root_vars: &'w [BTreeMap<String, serde_json::Value>],
}

impl<'a> World<'_, 'a> {
    /// What the resolver needs to know about one input.
    fn resolver<'r>(&'r self, config: &'r ConfigIndex, src: usize) -> Resolver<'r, 'a> {
        Resolver {
            config,
            data: &self.data[src],
            principals: &self.principals,
            root_vars: &self.root_vars[src],
        }
    }
}

/// A key known only through an `aws_kms_key_policy` whose key is in no input.
fn make_standalone<'a>(p: &Draft<'a>, world: &World<'_, 'a>) -> Key<'a> {
    let key_id = p
        .after
        .key_id
        .non_empty()
        .or(p.before.key_id.non_empty())
        .map(str::to_owned);
    let arn = key_id.clone().filter(|k| k.starts_with("arn:"));
    let (account, partition) = arn_parts(arn.as_deref());
    let before = if p.lifecycle.exists_before() {
        match policy_of(p.before) {
            Some(t) => PolicyText::Known {
                text: t,
                via: Some(p.address.clone()),
            },
            None => PolicyText::Unknown {
                reason: "the key's policy before this plan is not in the input".into(),
            },
        }
    } else {
        PolicyText::Unknown {
            reason: format!(
                "{} is created by this plan and the key it governs is in no input, so its earlier policy is not known",
                p.address
            ),
        }
    };
    let mut bypass = Vec::new();
    if p.lifecycle.exists_after() && p.after.bypass_policy_lockout_safety_check.0 == Some(true) {
        bypass.push(p.address.clone());
    }
    Key {
        source: p.source,
        address: p.address.clone(),
        rtype: p.rtype.clone(),
        lifecycle: Lifecycle::Kept,
        arn_before: arn.clone(),
        arn_after: arn,
        account,
        account_inferred: false,
        partition,
        tags: None,
        policy_before: before,
        policy_after: from_policy_resource(p, world),
        policy_resource: Some(p.address.clone()),
        bypass,
        ids: key_id.into_iter().collect(),
        module_address: p.module_address.clone(),
        name: p.name.clone(),
        index: p.index.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_keep_their_most_general_form() {
        let refs: Vec<String> = [
            "data.aws_iam_policy_document.k.json",
            "data.aws_iam_policy_document.k",
            "aws_iam_role.a[0].arn",
            "aws_iam_role.a",
            "var.x",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            roots(&refs),
            ["data.aws_iam_policy_document.k", "aws_iam_role.a", "var.x"]
        );
    }

    #[test]
    fn references_are_found_in_nested_blocks() {
        let v: serde_json::Value = serde_json::from_str(
            r#"{"statement":[{"principals":[{"identifiers":{"references":["aws_iam_role.a.arn","aws_iam_role.a"]}}]}],"x":{"constant_value":1}}"#,
        )
        .unwrap();
        let mut out = Vec::new();
        collect_references(&v, &mut out);
        assert_eq!(out, ["aws_iam_role.a.arn", "aws_iam_role.a"]);
    }
}
