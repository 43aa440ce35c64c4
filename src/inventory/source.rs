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

use super::resolve::{Rebuilt, Resolved};
use super::{Inventory, Lifecycle, PolicyText};
use crate::policy::placeholder::{display_value, unknown_in};
use crate::report::escape::terminal;
use crate::tfsource::config::Config;
use crate::tfsource::eval::value::{Value, from_json};
use crate::tfsource::evaluate::{Evaluation, Facts, resource_object};

/// Re-evaluates, from the source, the policies the plan leaves unknown (or rebuilt only in
/// part). The files that could not be used are in [`Config::problems`].
pub fn refine(inv: &mut Inventory<'_>, config: Option<&Config>) {
    let Some(config) = config else {
        return;
    };
    let wanted: Vec<usize> = (0..inv.keys.len())
        .filter(|&ki| match &inv.keys[ki].policy_after {
            PolicyText::Unknown { .. } => true,
            PolicyText::Resolved { resolved, .. } => !resolved.placeholders.is_empty(),
            _ => false,
        })
        .collect();
    let mut outcomes = Vec::with_capacity(wanted.len());
    {
        let facts: Vec<InventoryFacts> = (0..inv.sources.len())
            .map(|src| InventoryFacts::new(inv, src))
            .collect();
        let evaluations: Vec<Evaluation> =
            facts.iter().map(|f| Evaluation::new(config, f)).collect();
        for &ki in &wanted {
            let key = &inv.keys[ki];
            let via = match &key.policy_after {
                PolicyText::Resolved { via, .. } => via.clone(),
                _ => key.policy_resource.clone(),
            };
            // The block that sets the policy: the aws_kms_key_policy, else the key.
            let (instance, rtype, name, index) = match via.as_deref().and_then(split_address) {
                Some(parts) => parts,
                None => (
                    key.module_address.clone(),
                    key.rtype.clone(),
                    key.name.clone(),
                    key.index.clone(),
                ),
            };
            let outcome = evaluations[key.source]
                .policy(&instance, &rtype, &name, index.as_deref())
                .map(|e| {
                    let mut placeholders = Vec::new();
                    collect_placeholders(&e.text, &mut placeholders);
                    let symbolic = facts[key.source].symbolic_in(&e.text);
                    Resolved {
                        detail: format!(
                            "the policy of {}.{} in {}",
                            terminal(&rtype),
                            terminal(&name),
                            e.place.file
                        ),
                        text: e.text,
                        from: Rebuilt::HclSource,
                        placeholders,
                        symbolic,
                    }
                });
            outcomes.push((ki, via, outcome));
        }
    }
    for (ki, via, outcome) in outcomes {
        let key = &mut inv.keys[ki];
        match outcome {
            Ok(resolved) => {
                let better = match &key.policy_after {
                    PolicyText::Resolved { resolved: old, .. } => {
                        resolved.placeholders.len() < old.placeholders.len()
                    }
                    _ => true,
                };
                if better {
                    key.policy_after = PolicyText::Resolved { resolved, via };
                }
            }
            Err(why) => {
                if let PolicyText::Unknown { reason } = &mut key.policy_after {
                    *reason = format!("{reason}; evaluating the source: {why}");
                }
            }
        }
    }
}

/// `module.a["x"].aws_kms_key_policy.p[0]` → (module instance, type, name, index text).
fn split_address(address: &str) -> Option<(String, String, String, Option<String>)> {
    let (instance, data, rtype, name, index) = split_resource(address)?;
    (!data).then_some((instance, rtype, name, index))
}

/// `module.a["x"].data.TYPE.NAME["k"]` → (module instance, data?, type, name, index text).
fn split_resource(address: &str) -> Option<(String, bool, String, String, Option<String>)> {
    let mut end = 0;
    while let Some(rest) = address[end..].strip_prefix("module.") {
        let name_end = rest.find(['.', '['])?;
        let mut next = end + "module.".len() + name_end;
        if address[next..].starts_with('[') {
            next += index_len(&address[next..])?;
        }
        if !address[next..].starts_with('.') {
            return None;
        }
        end = next + 1;
    }
    let instance = address[..end].trim_end_matches('.').to_owned();
    let mut resource = &address[end..];
    let data = match resource.strip_prefix("data.") {
        Some(r) => {
            resource = r;
            true
        }
        None => false,
    };
    let (rtype, rest) = resource.split_once('.')?;
    let (name, index) = match rest.find('[') {
        Some(i) => (
            &rest[..i],
            Some(rest[i..].strip_prefix('[')?.strip_suffix(']')?.to_owned()),
        ),
        None => (rest, None),
    };
    if name.is_empty() || name.contains('.') {
        return None;
    }
    Some((instance, data, rtype.to_owned(), name.to_owned(), index))
}

/// The length of a leading `[...]` index, honouring quotes.
fn index_len(s: &str) -> Option<usize> {
    let mut in_quote = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_quote => escaped = true,
            '"' => in_quote = !in_quote,
            ']' if !in_quote => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// What the inventory knows about one input's resources, for evaluating its source.
struct InventoryFacts<'i, 'a> {
    inv: &'i Inventory<'a>,
    src: usize,
    /// (module instance, data?, type, name) → the value Terraform would expose.
    resources: OnceCell<HashMap<(String, bool, String, String), Value>>,
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

    fn build(&self) -> HashMap<(String, bool, String, String), Value> {
        type Instances = Vec<(Option<String>, Value)>;
        let mut grouped: BTreeMap<(String, bool, String, String), Instances> = BTreeMap::new();
        let s = |v: Option<&str>| v.map(Value::string);
        for p in self.inv.principals.iter().filter(|p| p.source == self.src) {
            let Some((instance, data, rtype, name, index)) = split_resource(&p.address) else {
                continue;
            };
            let Some(id) = p.identity(true) else { continue };
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
                .entry((instance, data, rtype, name))
                .or_default()
                .push((index, resource_object(o, &what)));
        }
        for d in self.inv.data.get(self.src).into_iter().flatten() {
            let Some((instance, true, rtype, name, index)) = split_resource(&d.address) else {
                continue;
            };
            let a = d.after;
            let known: &[(&str, Option<&str>)] = match rtype.as_str() {
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
                .entry((instance, true, rtype, name))
                .or_default()
                .push((index, resource_object(o, &what)));
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
            for p in self.inv.principals.iter().filter(|p| p.source == self.src) {
                if !p.managed || p.lifecycle == Lifecycle::Kept {
                    continue;
                }
                if let Some(arn) = p.identity(true).and_then(|i| i.arn.as_deref()) {
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
fn group(mut instances: Vec<(Option<String>, Value)>) -> Value {
    if let [(None, _)] = instances.as_slice() {
        return instances.pop().map(|(_, v)| v).unwrap_or(Value::Null);
    }
    let numeric = |i: &Option<String>| i.as_deref().and_then(|i| i.parse::<usize>().ok());
    if instances.iter().all(|(i, _)| numeric(i).is_some()) {
        instances.sort_by_key(|(i, _)| numeric(i));
        return Value::list(instances.into_iter().map(|(_, v)| v).collect());
    }
    Value::object(
        instances
            .into_iter()
            .filter_map(|(i, v)| Some((serde_json::from_str::<String>(i.as_deref()?).ok()?, v)))
            .collect(),
    )
}

impl Facts for InventoryFacts<'_, '_> {
    fn resource(&self, instance: &str, data: bool, rtype: &str, name: &str) -> Option<Value> {
        self.resources
            .get_or_init(|| self.build())
            .get(&(instance.to_owned(), data, rtype.to_owned(), name.to_owned()))
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

/// Evaluates every attribute of an HCL text (for the fuzz target): parsing, functions,
/// unknown values and refusals must never panic or hang.
#[doc(hidden)]
pub fn fuzz_evaluate(text: &str) {
    use crate::tfsource::eval::{Budget, Evaluator, Scope};
    use crate::tfsource::syntax::parse_body;
    struct Fuzz;
    impl Scope for Fuzz {
        fn root(&self, _: &Evaluator, name: &str) -> crate::tfsource::eval::Result<Value> {
            Ok(match name {
                "var" => {
                    let mut o = BTreeMap::new();
                    o.insert("later".to_owned(), Value::unknown("later"));
                    o.insert("name".to_owned(), Value::string("kms-admin"));
                    Value::object(o)
                }
                other => Value::unknown(other),
            })
        }
        fn member(
            &self,
            _: &Evaluator,
            _: &str,
            _: &str,
        ) -> crate::tfsource::eval::Result<Option<Value>> {
            Ok(None)
        }
        fn module_output(
            &self,
            _: &Evaluator,
            _: &str,
            _: Option<&Value>,
            _: &str,
        ) -> crate::tfsource::eval::Result<Option<Value>> {
            Ok(None)
        }
        fn read_file(&self, path: &str) -> Result<String, Value> {
            Err(Value::unknown(format!("the content of {path}")))
        }
    }
    let Ok(body) = parse_body(text) else { return };
    let budget = Budget::new(1_000_000);
    let depth = std::cell::Cell::new(0);
    let scope = Fuzz;
    let ev = Evaluator::new(&budget, &depth, &scope);
    let mut exprs: Vec<&crate::tfsource::syntax::ast::Expr> =
        body.attributes.iter().map(|a| &a.expr).collect();
    for b in &body.blocks {
        exprs.extend(b.body.attributes.iter().map(|a| &a.expr));
    }
    for e in exprs.into_iter().take(64) {
        if let Ok(Value::String(s)) = ev.eval(e) {
            let _ = crate::policy::Policy::parse(
                &s.replace('\u{1}', "\\u0001").replace('\u{2}', "\\u0002"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_into_module_instance_and_resource() {
        assert_eq!(
            split_address(r#"module.a["x.y"].module.b.aws_kms_key_policy.p[0]"#),
            Some((
                r#"module.a["x.y"].module.b"#.to_owned(),
                "aws_kms_key_policy".to_owned(),
                "p".to_owned(),
                Some("0".to_owned())
            ))
        );
        assert_eq!(
            split_address("aws_kms_key.k"),
            Some((String::new(), "aws_kms_key".into(), "k".into(), None))
        );
        assert_eq!(split_address("data.aws_iam_policy_document.d"), None);
        assert_eq!(
            split_resource(r#"module.m[0].data.aws_iam_role.r["k"]"#),
            Some((
                "module.m[0]".into(),
                true,
                "aws_iam_role".into(),
                "r".into(),
                Some("\"k\"".into())
            ))
        );
    }

    #[test]
    fn instances_group_as_terraform_exposes_them() {
        let v = group(vec![
            (Some("1".into()), Value::string("b")),
            (Some("0".into()), Value::string("a")),
        ]);
        assert_eq!(v, Value::list(vec![Value::string("a"), Value::string("b")]));
        let v = group(vec![(Some("\"x\"".into()), Value::string("x"))]);
        let Value::Object(o) = v else { panic!() };
        assert_eq!(o["x"], Value::string("x"));
        assert_eq!(group(vec![(None, Value::string("s"))]), Value::string("s"));
    }
}
