//! A plan's `configuration`, indexed: for each module (by its call path) the blocks of keys,
//! key policies and policy documents with their expressions, the module calls' arguments, the
//! outputs and the variables' defaults. Built the first time an input needs it (most plans
//! never do).

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::value::RawValue;

use super::Document;
use super::address::{Mode, ModuleInstance};
use super::kind::ResourceKind;
use super::model::Expression;
use super::reference::references_in;

/// What the configuration says about one resource block.
#[derive(Debug, Default)]
pub(crate) struct Block {
    /// The attribute names set in the block.
    pub attrs: HashSet<String>,
    /// `key_id`'s references (for `aws_kms_key_policy`).
    pub key_id_refs: Vec<String>,
    /// `policy`'s references (to say what an unknown policy is built from), or every
    /// reference of a policy document.
    pub policy_refs: Vec<String>,
    /// The `policy` expression (keys and key policies, when it is not a constant) or all
    /// expressions (documents).
    pub expr: Option<serde_json::Value>,
}

/// The configuration of one input.
#[derive(Debug, Default)]
pub(crate) struct ConfigIndex {
    /// The input has a configuration.
    pub present: bool,
    blocks: HashMap<(Vec<String>, String), Block>,
    /// Module call arguments by (calling module's call path, call name).
    calls: HashMap<(Vec<String>, String), serde_json::Map<String, serde_json::Value>>,
    /// Output expressions and variable defaults by (module call path, name).
    outputs: HashMap<(Vec<String>, String), serde_json::Value>,
    defaults: HashMap<(Vec<String>, String), serde_json::Value>,
}

fn path_of(module: &ModuleInstance) -> Vec<String> {
    module.calls().into_iter().map(str::to_owned).collect()
}

impl ConfigIndex {
    pub(crate) fn new(doc: &Document<'_>) -> ConfigIndex {
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
                let mode = if r.mode.as_deref() == Some("data") {
                    Mode::Data
                } else {
                    Mode::Managed
                };
                match ResourceKind::of(mode, t) {
                    Some(ResourceKind::PolicyDocument) => {
                        // What the document is built from, anywhere in its blocks.
                        let mut e = Block::default();
                        if let Some(v) = json(&r.expressions) {
                            e.policy_refs = references_in(&v);
                            e.expr = Some(v);
                        }
                        idx.blocks
                            .insert((path.clone(), format!("data.{t}.{n}")), e);
                    }
                    Some(ResourceKind::Key(_) | ResourceKind::KeyPolicy) => {
                        let mut e = Block::default();
                        let exprs: BTreeMap<Cow<str>, &RawValue> = r
                            .expressions
                            .as_deref()
                            .and_then(|x| serde_json::from_str(x.get()).ok())
                            .unwrap_or_default();
                        for (attr, expr) in &exprs {
                            e.attrs.insert(attr.to_string());
                            if attr != "key_id" && attr != "policy" {
                                continue;
                            }
                            let Ok(x) = serde_json::from_str::<Expression>(expr.get()) else {
                                continue;
                            };
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
                        idx.blocks.insert((path.clone(), format!("{t}.{n}")), e);
                    }
                    _ => {}
                }
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
    pub(crate) fn with_block(
        module: &ModuleInstance,
        block: &str,
        expr: serde_json::Value,
    ) -> ConfigIndex {
        let mut idx = ConfigIndex {
            present: true,
            ..ConfigIndex::default()
        };
        idx.blocks.insert(
            (path_of(module), block.to_owned()),
            Block {
                expr: Some(expr),
                ..Block::default()
            },
        );
        idx
    }

    /// A module call's arguments (variable name → expression), in the calling module.
    pub(crate) fn call_args(
        &self,
        caller: &ModuleInstance,
        call: &str,
    ) -> Option<&serde_json::Map<String, serde_json::Value>> {
        self.calls.get(&(path_of(caller), call.to_owned()))
    }

    /// A module output's expression.
    pub(crate) fn output(&self, module: &ModuleInstance, name: &str) -> Option<&serde_json::Value> {
        self.outputs.get(&(path_of(module), name.to_owned()))
    }

    /// A module variable's default value.
    pub(crate) fn variable_default(
        &self,
        module: &ModuleInstance,
        name: &str,
    ) -> Option<&serde_json::Value> {
        self.defaults.get(&(path_of(module), name.to_owned()))
    }

    /// A block (`aws_kms_key.k`, `data.aws_iam_policy_document.d`) of a module.
    pub(crate) fn block(&self, module: &ModuleInstance, block: &str) -> Option<&Block> {
        self.blocks.get(&(path_of(module), block.to_owned()))
    }
}

/// The configurations of all inputs, each indexed the first time it is needed.
pub(crate) struct Configs<'d, 'a> {
    docs: Vec<&'d Document<'a>>,
    cache: Vec<OnceCell<ConfigIndex>>,
    documents: Vec<OnceCell<bool>>,
}

impl<'d, 'a> Configs<'d, 'a> {
    pub(crate) fn new(docs: Vec<&'d Document<'a>>) -> Self {
        let cache = docs.iter().map(|_| OnceCell::new()).collect();
        let documents = docs.iter().map(|_| OnceCell::new()).collect();
        Configs {
            docs,
            cache,
            documents,
        }
    }

    /// Whether an input's configuration has policy documents (computed once per input).
    pub(crate) fn has_documents(&self, src: usize) -> bool {
        *self.documents[src].get_or_init(|| {
            self.docs[src]
                .raw
                .configuration
                .as_ref()
                .and_then(|c| c.root_module.as_ref())
                .is_some_and(|m| m.has_documents())
        })
    }

    pub(crate) fn get(&self, src: usize) -> &ConfigIndex {
        self.cache[src].get_or_init(|| ConfigIndex::new(self.docs[src]))
    }
}
