//! Rebuilding a key policy that the plan shows only as "known after apply".
//!
//! Terraform leaves a policy out of `after` as soon as anything it is built from is unknown
//! — most often the ARN of a role the same plan creates or replaces. Two sources still say
//! what it will be:
//!
//! - a `data.aws_iam_policy_document` read at apply time is in `resource_changes` with its
//!   planned arguments (`after`) and, element by element, which of them are unknown
//!   (`after_unknown`): the exact shape of the document, constants included;
//! - the configuration names what each unknown element refers to (`references`), which the
//!   plan resolves: a role's ARN from its name and path, an input variable through the module
//!   call that sets it, a module output through its expression.
//!
//! The result is the policy JSON with a placeholder ([`unknown_value`]) for each value that
//! stays unknown, which the evaluator treats as "could be anything" (three-valued). A
//! referenced principal keeps its lifecycle: the analysis then knows that a role created by
//! the plan exists and binds, and that a replaced one named in `Principal` does not bind.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use super::{Rebuild, Rebuilt};
use crate::inventory::{DataSource, Lifecycle, Principal};
use crate::plan::Phase;
use crate::plan::address::ModuleInstance;
use crate::plan::configuration::ConfigIndex;
use crate::plan::model::DocumentArgs;
use crate::plan::reference::{Reference, most_specific, references_in};
use crate::policy::placeholder::{display_value, unknown_value};

/// Nested documents and reference chains deeper than this are left unknown.
const MAX_DEPTH: usize = 16;

/// What one input knows, for resolving references in it.
pub(super) struct Resolver<'r, 'a> {
    pub config: &'r ConfigIndex,
    pub data: &'r HashMap<&'r str, &'r DataSource<'a>>,
    pub principals: &'r HashMap<&'r str, &'r Principal<'a>>,
    /// The root module's variable values (`variables` at the top of a plan).
    pub root_vars: &'r BTreeMap<String, Value>,
}

/// A place in the configuration: the module instance (`module.a["x"]`, the root when empty).
#[derive(Debug, Clone)]
struct Scope(ModuleInstance);

impl Scope {
    fn absolute(&self, relative: &str) -> String {
        self.0.absolute(relative)
    }

    /// The calling module's scope.
    fn parent(&self) -> Option<Scope> {
        self.0.parent().map(Scope)
    }
}

/// `aws_iam_role.a["x"].arn` → (`aws_iam_role.a["x"]`, `arn`); data sources too.
fn split_attribute(reference: &str) -> Option<(String, String)> {
    let r = Reference::parse(reference)?;
    let resource = r.resource_text()?;
    match r.target {
        crate::plan::reference::Target::Resource {
            attribute: Some(a), ..
        } => Some((resource, a)),
        _ => None,
    }
}

/// The most specific references of an expression (see [`most_specific`]).
fn leaves_of(expr: &Value) -> Vec<String> {
    most_specific(references_in(expr))
}

/// The value of a reference or an expression.
#[derive(Debug, Clone)]
enum Sym {
    /// Known JSON; strings may hold placeholders.
    Known(Value),
    /// Known only after apply; says what it is.
    Unknown(String),
}

impl<'a> Resolver<'_, 'a> {
    /// Rebuilds the policy set by the `policy` expression of a block (instance key `index`,
    /// as JSON text) in a module instance: its text and how it was rebuilt.
    pub(super) fn policy(
        &self,
        instance: &ModuleInstance,
        index: Option<&str>,
        policy_expr: &Value,
    ) -> Result<(String, Rebuild), String> {
        let scope = Scope(instance.clone());
        // `each.key` and `count.index` select an instance (`data.x.y[each.key].json`);
        // they are not values the policy is built from.
        let mut refs: Vec<String> = leaves_of(policy_expr)
            .into_iter()
            .filter(|r| !r.starts_with("each.") && !r.starts_with("count."))
            .collect();
        // `coalesce(var.policy, data.aws_iam_policy_document.this.json)`, or a null check
        // on `var.policy`: with the variable null, the document is what the expression gives.
        // (The configuration shows the references, not the function.)
        let mut null_vars = Vec::new();
        if refs.len() > 1 {
            refs.retain(|r| {
                let null = r.starts_with("var.")
                    && matches!(self.reference(&scope, r, 0), Sym::Known(Value::Null));
                if null {
                    null_vars.push(r.clone());
                }
                !null
            });
        }
        let [reference] = refs.as_slice() else {
            return Err(if refs.is_empty() {
                "the configuration shows the policy as an expression it does not evaluate (a function call such as jsonencode); --config-dir reads the source".into()
            } else {
                format!(
                    "the policy combines {}; only a policy that is one document's json is rebuilt from the plan",
                    refs.join(", ")
                )
            });
        };
        let mut placeholders = Vec::new();
        let mut symbolic = Vec::new();
        let (mut doc_address, scope) =
            self.document_behind(&scope, reference, 0).ok_or_else(|| {
                format!(
                    "the configuration shows only that the policy uses {reference}, not how: a function call such as jsonencode is not in the plan, and --config-dir reads the source"
                )
            })?;
        // `data.x.y[each.key].json` lists only `data.x.y`: the instance with the key's own
        // index, when the document has instances.
        if !self.data.contains_key(doc_address.as_str()) {
            if let Some(ix) = index {
                let keyed = format!("{doc_address}[{ix}]");
                if self.data.contains_key(keyed.as_str()) {
                    doc_address = keyed;
                }
            }
        }
        let (text, from) =
            self.document_json(&scope, &doc_address, &mut placeholders, &mut symbolic, 0)?;
        let mut detail = match from {
            Rebuilt::DataSource => format!("{doc_address} (read during the plan)"),
            _ => format!(
                "{doc_address} (read at apply), from its planned arguments and the configuration"
            ),
        };
        if !null_vars.is_empty() {
            detail.push_str(&format!(
                "; the policy expression also uses {}, which {} null, and is taken to pick the document then (as coalesce does)",
                null_vars.join(", "),
                if null_vars.len() == 1 { "is" } else { "are" }
            ));
        }
        placeholders.sort();
        placeholders.dedup();
        symbolic.sort();
        symbolic.dedup();
        Ok((
            text,
            Rebuild {
                from,
                detail,
                placeholders,
                symbolic,
            },
        ))
    }

    /// Follows `var.x` / `module.m.out` / a document reference to the absolute address of
    /// the policy document it names, with the scope that document is in.
    fn document_behind(
        &self,
        scope: &Scope,
        reference: &str,
        depth: usize,
    ) -> Option<(String, Scope)> {
        if depth > MAX_DEPTH {
            return None;
        }
        if let Some(rest) = reference.strip_prefix("data.aws_iam_policy_document.") {
            // `NAME`, `NAME[KEY]`, then `.json` (or `.minified_json`), or nothing when an
            // index expression hides the attribute from the references.
            let root = rest
                .strip_suffix(".json")
                .or_else(|| rest.strip_suffix(".minified_json"))
                .unwrap_or(rest);
            let name_end = root.find('[').unwrap_or(root.len());
            let name = &root[..name_end];
            let tail = &root[name_end..];
            let well_formed = !name.is_empty()
                && !name.contains('.')
                && (tail.is_empty() || (tail.starts_with('[') && tail.ends_with(']')));
            if !well_formed {
                return None;
            }
            let root = format!("data.aws_iam_policy_document.{root}");
            return Some((scope.absolute(&root), scope.clone()));
        }
        let (next_scope, expr) = self.expression_of(scope, reference)?;
        let refs = leaves_of(&expr);
        match refs.as_slice() {
            [one] => self.document_behind(&next_scope, one, depth + 1),
            _ => None,
        }
    }

    /// The expression a `var.NAME` or `module.CALL.OUTPUT` reference stands for, with the
    /// scope it is written in.
    fn expression_of(&self, scope: &Scope, reference: &str) -> Option<(Scope, Value)> {
        match Reference::parse(reference)?.target {
            crate::plan::reference::Target::Variable(name) => {
                let parent = scope.parent()?;
                let call = &scope.0.0.last()?.call;
                let arg = self
                    .config
                    .call_args(&parent.0, call)
                    .and_then(|a| a.get(&name).cloned());
                arg.map(|a| (parent, a))
            }
            crate::plan::reference::Target::Module {
                call,
                output: Some(output),
            } => {
                let child = Scope(scope.0.child(&call, None));
                let expr = self.config.output(&child.0, &output)?.clone();
                Some((child, expr))
            }
            _ => None,
        }
    }

    /// The JSON of a policy document: as read during the plan, or rebuilt.
    fn document_json(
        &self,
        scope: &Scope,
        address: &str,
        placeholders: &mut Vec<String>,
        symbolic: &mut Vec<String>,
        depth: usize,
    ) -> Result<(String, Rebuilt), String> {
        if depth > MAX_DEPTH {
            return Err(format!("{address}: documents nest too deeply"));
        }
        let d = self
            .data
            .get(address)
            .ok_or_else(|| format!("{address} is not in the plan"))?;
        if let Some(json) = d.after.json.non_empty() {
            if !d.unknown.json.0 {
                return Ok((json.to_owned(), Rebuilt::DataSource));
            }
        }
        if !d.deferred {
            return Err(format!("the plan shows no JSON for {address}"));
        }
        let args = d
            .after
            .document
            .as_deref()
            .ok_or_else(|| format!("the plan shows no arguments for {address}"))?;
        let unknown = d.unknown.document.as_deref();
        let relative = address
            .strip_prefix(&format!("{}.", scope.0))
            .unwrap_or(address);
        let root = relative.split('[').next().unwrap_or(relative);
        let config = self
            .config
            .block(&scope.0, root)
            .and_then(|b| b.expr.as_ref());
        let doc = self.rebuild(
            scope,
            address,
            args,
            unknown,
            config,
            (placeholders, symbolic),
            depth,
        )?;
        Ok((doc.to_string(), Rebuilt::Configuration))
    }

    #[allow(clippy::too_many_arguments)]
    fn rebuild(
        &self,
        scope: &Scope,
        address: &str,
        args: &DocumentArgs,
        unknown: Option<&DocumentArgs>,
        config: Option<&Value>,
        (placeholders, symbolic): (&mut Vec<String>, &mut Vec<String>),
        depth: usize,
    ) -> Result<Value, String> {
        let raw = |r: &Option<Box<serde_json::value::RawValue>>| -> Value {
            r.as_deref()
                .and_then(|r| serde_json::from_str(r.get()).ok())
                .unwrap_or(Value::Null)
        };
        let unknown_of = |f: fn(&DocumentArgs) -> &Option<Box<serde_json::value::RawValue>>| {
            unknown.map(|u| raw(f(u))).unwrap_or(Value::Null)
        };
        let legacy = [
            (
                "source_json",
                raw(&args.source_json),
                unknown_of(|u| &u.source_json),
            ),
            (
                "override_json",
                raw(&args.override_json),
                unknown_of(|u| &u.override_json),
            ),
        ];
        for (name, value, unk) in legacy {
            let set = match &value {
                Value::Null => false,
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if set || unk == Value::Bool(true) {
                return Err(format!(
                    "{address} uses {name}, which kmsguard does not rebuild"
                ));
            }
        }
        let ctx = Walk {
            resolver: self,
            scope,
            address,
            placeholders: std::cell::RefCell::new(std::mem::take(placeholders)),
            symbolic: std::cell::RefCell::new(std::mem::take(symbolic)),
        };
        let statements = raw(&args.statement);
        let statements_unknown = unknown_of(|u| &u.statement);
        let cfg_statements = config.and_then(|c| c.get("statement"));
        let own = ctx.statements(&statements, &statements_unknown, cfg_statements);
        let docs_of = |field: &str, value: Value, unk: Value| -> Result<Vec<Vec<Value>>, String> {
            let cfg = config.and_then(|c| c.get(field));
            let mut out = Vec::new();
            if unk == Value::Bool(true) {
                return Err(format!(
                    "{address}: {field} is known only after apply as a whole"
                ));
            }
            for (i, v) in value.as_array().into_iter().flatten().enumerate() {
                let known = v
                    .as_str()
                    .filter(|_| unk.get(i) != Some(&Value::Bool(true)));
                let text = match known {
                    Some(t) => t.to_owned(),
                    None => {
                        let refs = cfg.map(leaves_of).unwrap_or_default();
                        let docs: Vec<&String> = refs
                            .iter()
                            .filter(|r| r.starts_with("data.aws_iam_policy_document."))
                            .collect();
                        let [one] = docs.as_slice() else {
                            return Err(format!(
                                "{address}: an element of {field} is known only after apply and the configuration does not name one document for it"
                            ));
                        };
                        let (inner, inner_scope) = ctx
                            .resolver
                            .document_behind(scope, one, depth + 1)
                            .ok_or_else(|| format!("{address}: cannot follow {one}"))?;
                        let mut ph = ctx.placeholders.borrow_mut();
                        let mut sy = ctx.symbolic.borrow_mut();
                        ctx.resolver
                            .document_json(&inner_scope, &inner, &mut ph, &mut sy, depth + 1)?
                            .0
                    }
                };
                let v: Value = serde_json::from_str(&text)
                    .map_err(|e| format!("{address}: an element of {field} is not JSON: {e}"))?;
                out.push(statements_of(&v));
            }
            Ok(out)
        };
        let sources = docs_of(
            "source_policy_documents",
            raw(&args.source_policy_documents),
            unknown_of(|u| &u.source_policy_documents),
        )?;
        let overrides = docs_of(
            "override_policy_documents",
            raw(&args.override_policy_documents),
            unknown_of(|u| &u.override_policy_documents),
        )?;
        let own = own?;
        // The provider's merge: source statements first (a later Sid replaces an earlier
        // one), then the document's own (replacing by Sid), then overrides (replacing by Sid
        // or appended).
        let mut merged: Vec<Value> = Vec::new();
        let mut put = |st: Value, replace_only_by_sid: bool| {
            let sid = st
                .get("Sid")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty());
            if let Some(sid) = sid {
                if let Some(slot) = merged
                    .iter_mut()
                    .find(|m| m.get("Sid").and_then(Value::as_str) == Some(sid))
                {
                    *slot = st;
                    return;
                }
            }
            let _ = replace_only_by_sid;
            merged.push(st);
        };
        for doc in sources {
            for st in doc {
                put(st, false);
            }
        }
        for st in own {
            put(st, false);
        }
        for doc in overrides {
            for st in doc {
                put(st, true);
            }
        }
        *placeholders = ctx.placeholders.into_inner();
        *symbolic = ctx.symbolic.into_inner();
        let mut out = Map::new();
        let version = raw(&args.version);
        out.insert(
            "Version".into(),
            match version.as_str() {
                Some(v) if !v.is_empty() => Value::String(v.to_owned()),
                _ => Value::String("2012-10-17".into()),
            },
        );
        if let Some(id) = raw(&args.policy_id).as_str().filter(|s| !s.is_empty()) {
            out.insert("Id".into(), Value::String(id.to_owned()));
        }
        out.insert("Statement".into(), Value::Array(merged));
        Ok(Value::Object(out))
    }

    /// The value of one reference (the most specific form), in a scope.
    fn reference(&self, scope: &Scope, reference: &str, depth: usize) -> Sym {
        if depth > MAX_DEPTH {
            return Sym::Unknown(format!(
                "{reference} (a chain of references too long to follow)"
            ));
        }
        if reference.starts_with("var.") || reference.starts_with("module.") {
            if reference.starts_with("var.") && scope.0.is_root() {
                let name = reference["var.".len()..]
                    .split(['.', '['])
                    .next()
                    .unwrap_or("");
                return match self.root_vars.get(name) {
                    Some(v) => Sym::Known(v.clone()),
                    None => Sym::Unknown(format!("{reference}, which the plan gives no value")),
                };
            }
            if let Some(name) = reference.strip_prefix("var.") {
                if let Some((next, expr)) = self.expression_of(scope, reference) {
                    return self.expression(&next, &expr, depth + 1);
                }
                let name = name.split(['.', '[']).next().unwrap_or("");
                return match self.config.variable_default(&scope.0, name) {
                    Some(v) => Sym::Known(v.clone()),
                    None => Sym::Unknown(format!("{reference}, which kmsguard cannot follow")),
                };
            }
            return match self.expression_of(scope, reference) {
                Some((next, expr)) => self.expression(&next, &expr, depth + 1),
                None => Sym::Unknown(format!("{reference}, which kmsguard cannot follow")),
            };
        }
        if reference.starts_with("local.") {
            return Sym::Unknown(format!(
                "{reference} (local values are not in the plan; --config-dir reads them)"
            ));
        }
        let Some((resource, attr)) = split_attribute(reference) else {
            return Sym::Unknown(format!(
                "{reference}, through an index or attribute the plan's configuration does not show"
            ));
        };
        let attr = attr.as_str();
        let address = scope.absolute(&resource);
        let rtype = resource
            .trim_start_matches("data.")
            .split('.')
            .next()
            .unwrap_or("");
        match rtype {
            "aws_iam_role" | "aws_iam_user" => {
                let Some(p) = self.principals.get(address.as_str()) else {
                    return Sym::Unknown(format!("{reference}, which is in no input"));
                };
                let word = p.lifecycle.word();
                let Some(id) = p.identity(Phase::After) else {
                    return Sym::Unknown(format!("{reference} ({address} is {word} by this plan)"));
                };
                let value = match attr {
                    "arn" => id.arn.as_deref(),
                    "name" | "id" => id.name.as_deref(),
                    "unique_id" if p.lifecycle == Lifecycle::Replaced => None,
                    "unique_id" => id.unique_id.as_deref(),
                    _ => None,
                };
                match value {
                    Some(v) => Sym::Known(Value::String(v.to_owned())),
                    None => Sym::Unknown(format!("the {attr} of {address} ({word} by this plan)")),
                }
            }
            "aws_caller_identity" | "aws_partition" => {
                let value = self.data.get(address.as_str()).and_then(|d| match attr {
                    "account_id" => d.after.account_id.non_empty(),
                    "partition" => d.after.partition.non_empty(),
                    _ => None,
                });
                match value {
                    Some(v) => Sym::Known(Value::String(v.to_owned())),
                    None => Sym::Unknown(format!("{reference} (known after apply)")),
                }
            }
            _ => Sym::Unknown(format!("{reference} (known after apply)")),
        }
    }

    /// Where a reference's value comes from, for people: `var.admin_arn →
    /// aws_iam_role.kms_admin.arn (replaced by this plan)`.
    fn origin(&self, scope: &Scope, reference: &str, depth: usize) -> String {
        if depth <= MAX_DEPTH && (reference.starts_with("var.") || reference.starts_with("module."))
        {
            if let Some((next, expr)) = self.expression_of(scope, reference) {
                if let [one] = leaves_of(&expr).as_slice() {
                    return format!("{reference} → {}", self.origin(&next, one, depth + 1));
                }
            }
            return reference.to_owned();
        }
        let address = split_attribute(reference).map(|(r, _)| scope.absolute(&r));
        let shown = scope.absolute(reference);
        match address.and_then(|a| self.principals.get(a.as_str())) {
            Some(p) if p.lifecycle != Lifecycle::Kept => {
                format!("{shown} ({} by this plan)", p.lifecycle.word())
            }
            _ => shown,
        }
    }

    /// The value of an expression from the configuration: its constant, or — when it makes
    /// exactly one reference — that reference's value (the common `x = var.y` and
    /// `x = aws_iam_role.a.arn`); anything else stays unknown.
    fn expression(&self, scope: &Scope, expr: &Value, depth: usize) -> Sym {
        if let Some(c) = expr.get("constant_value") {
            return Sym::Known(c.clone());
        }
        let refs = leaves_of(expr);
        match refs.as_slice() {
            [one] => self.reference(scope, one, depth),
            [] => Sym::Unknown("an expression the plan does not evaluate".into()),
            many => Sym::Unknown(format!("an expression of {}", many.join(", "))),
        }
    }
}

/// Walks a document's planned statements, filling in unknown elements.
struct Walk<'w, 'r, 'a> {
    resolver: &'w Resolver<'r, 'a>,
    scope: &'w Scope,
    address: &'w str,
    placeholders: std::cell::RefCell<Vec<String>>,
    symbolic: std::cell::RefCell<Vec<String>>,
}

impl Walk<'_, '_, '_> {
    fn placeholder(&self, what: String) -> Value {
        let v = unknown_value(&what);
        self.placeholders.borrow_mut().push(display_value(&v));
        Value::String(v)
    }

    fn statements(
        &self,
        planned: &Value,
        unknown: &Value,
        config: Option<&Value>,
    ) -> Result<Vec<Value>, String> {
        if unknown == &Value::Bool(true) {
            return Err(format!(
                "{}: its statements are known only after apply (a dynamic block over unknown values)",
                self.address
            ));
        }
        let list = planned.as_array().map(Vec::as_slice).unwrap_or_default();
        // The configuration lists static blocks only; it lines up when the counts agree.
        let cfg = config
            .and_then(Value::as_array)
            .filter(|c| c.len() == list.len());
        list.iter()
            .enumerate()
            .map(|(i, st)| {
                let u = unknown.get(i).unwrap_or(&Value::Null);
                let c = cfg.and_then(|c| c.get(i));
                self.statement(i, st, u, c)
            })
            .collect()
    }

    fn statement(
        &self,
        i: usize,
        st: &Value,
        unknown: &Value,
        config: Option<&Value>,
    ) -> Result<Value, String> {
        let at = |f: &str| format!("{}: statement {}: {f}", self.address, i + 1);
        if unknown == &Value::Bool(true) {
            return Err(at("known only after apply as a whole"));
        }
        let field_unknown = |f: &str| unknown.get(f).unwrap_or(&Value::Null);
        let field_config = |f: &str| config.and_then(|c| c.get(f));
        let mut out = Map::new();
        let get = |f: &str| st.get(f).unwrap_or(&Value::Null);
        match scalar(get("sid"), field_unknown("sid")) {
            Scalar::Known(s) if !s.is_empty() => {
                out.insert("Sid".into(), Value::String(s));
            }
            _ => {}
        }
        let effect = match scalar(get("effect"), field_unknown("effect")) {
            Scalar::Known(e) if e.is_empty() => "Allow".to_owned(),
            Scalar::Known(e) => e,
            Scalar::Absent => "Allow".to_owned(),
            Scalar::Unknown => return Err(at("its effect is known only after apply")),
        };
        out.insert("Effect".into(), Value::String(effect));
        for (field, key) in [
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ] {
            if let Some(list) = self.list(
                st.get(field),
                field_unknown(field),
                field_config(field),
                &format!("statement {} {field}", i + 1),
            ) {
                out.insert(key.into(), Value::Array(list));
            }
        }
        for (field, key) in [
            ("principals", "Principal"),
            ("not_principals", "NotPrincipal"),
        ] {
            if field_unknown(field) == &Value::Bool(true) {
                // The blocks themselves are unknown (a dynamic block over unknown values).
                let names = field_config(field).map(leaves_of).unwrap_or_default();
                let what = describe_all(&format!("statement {} {field}", i + 1), &names);
                let mut map = Map::new();
                map.insert(
                    unknown_value(&what),
                    Value::Array(vec![self.placeholder(what)]),
                );
                out.insert(key.into(), Value::Object(map));
                continue;
            }
            let blocks = st.get(field).and_then(Value::as_array);
            let Some(blocks) = blocks.filter(|b| !b.is_empty()) else {
                continue;
            };
            let cfg = field_config(field)
                .and_then(Value::as_array)
                .filter(|c| c.len() == blocks.len());
            let mut map = Map::new();
            for (j, b) in blocks.iter().enumerate() {
                let u = field_unknown(field).get(j).unwrap_or(&Value::Null);
                let c = cfg.and_then(|c| c.get(j));
                let what = format!("statement {} {field} {} identifiers", i + 1, j + 1);
                let ptype = match scalar(
                    b.get("type").unwrap_or(&Value::Null),
                    u.get("type").unwrap_or(&Value::Null),
                ) {
                    Scalar::Known(t) => t,
                    _ => unknown_value(&format!("the principal type in {what}")),
                };
                let ids = self
                    .list(
                        b.get("identifiers"),
                        u.get("identifiers").unwrap_or(&Value::Null),
                        c.and_then(|c| c.get("identifiers")),
                        &what,
                    )
                    .unwrap_or_default();
                if ptype == "*" && ids.iter().any(|v| v == "*") {
                    out.insert(key.into(), Value::String("*".into()));
                    map.clear();
                    break;
                }
                let slot = map.entry(ptype).or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(a) = slot {
                    a.extend(ids);
                }
            }
            if !map.is_empty() {
                out.insert(key.into(), Value::Object(map));
            }
        }
        if field_unknown("condition") == &Value::Bool(true) {
            let what = format!("statement {} condition", i + 1);
            let v = self.placeholder(what.clone());
            let mut keys = Map::new();
            keys.insert(unknown_value(&what), Value::Array(vec![v]));
            let mut ops = Map::new();
            ops.insert(unknown_value(&what), Value::Object(keys));
            out.insert("Condition".into(), Value::Object(ops));
        }
        let conditions = st.get("condition").and_then(Value::as_array);
        if let Some(conds) = conditions.filter(|c| !c.is_empty()) {
            let cfg = field_config("condition")
                .and_then(Value::as_array)
                .filter(|c| c.len() == conds.len());
            let mut map: Map<String, Value> = Map::new();
            for (j, c) in conds.iter().enumerate() {
                let u = field_unknown("condition").get(j).unwrap_or(&Value::Null);
                let cc = cfg.and_then(|x| x.get(j));
                let what = format!("statement {} condition {}", i + 1, j + 1);
                let part = |f: &str| match scalar(
                    c.get(f).unwrap_or(&Value::Null),
                    u.get(f).unwrap_or(&Value::Null),
                ) {
                    Scalar::Known(s) => s,
                    _ => unknown_value(&format!("the {f} of {what}")),
                };
                let (test, variable) = (part("test"), part("variable"));
                let values = self
                    .list(
                        c.get("values"),
                        u.get("values").unwrap_or(&Value::Null),
                        cc.and_then(|x| x.get("values")),
                        &format!("{what} values"),
                    )
                    .unwrap_or_default();
                let op = map.entry(test).or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(keys) = op {
                    let slot = keys
                        .entry(variable)
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(a) = slot {
                        a.extend(values);
                    }
                }
            }
            out.insert("Condition".into(), Value::Object(map));
        }
        Ok(Value::Object(out))
    }

    /// A planned list of strings with its unknown flags. Unknown elements become the values
    /// of what the configuration references there, when they account for them exactly;
    /// else placeholders. `None` when the argument is not set.
    fn list(
        &self,
        planned: Option<&Value>,
        unknown: &Value,
        config: Option<&Value>,
        what: &str,
    ) -> Option<Vec<Value>> {
        // `each.key` / `count.index` select an instance; they are not values.
        let refs = || {
            config
                .map(leaves_of)
                .unwrap_or_default()
                .into_iter()
                .filter(|r| !r.starts_with("each.") && !r.starts_with("count."))
                .collect::<Vec<_>>()
        };
        if unknown == &Value::Bool(true) {
            // The whole list is unknown (a splat, a function): its length is unknown too.
            let names = refs();
            return Some(vec![self.placeholder(describe_all(what, &names))]);
        }
        let list = planned?.as_array()?;
        let mut known = Vec::new();
        let mut missing = 0usize;
        for (i, v) in list.iter().enumerate() {
            let flagged = unknown.get(i) == Some(&Value::Bool(true));
            match v {
                Value::String(s) if !flagged => known.push(Value::String(s.clone())),
                Value::Null if !flagged => {}
                Value::Number(_) | Value::Bool(_) if !flagged => {
                    known.push(Value::String(v.to_string()))
                }
                _ => missing += 1,
            }
        }
        if missing == 0 {
            return Some(known);
        }
        // What the configuration references here, with their values.
        let mut values: Vec<Value> = Vec::new();
        let mut origins: Vec<String> = Vec::new();
        let mut unresolved: Vec<String> = Vec::new();
        for r in refs() {
            let origin = self.resolver.origin(self.scope, &r, 0);
            match self.resolver.reference(self.scope, &r, 0) {
                Sym::Known(Value::String(s)) => {
                    origins.push(format!("{s} = {origin}"));
                    values.push(Value::String(s));
                }
                Sym::Known(Value::Array(a)) if a.iter().all(Value::is_string) => {
                    for v in &a {
                        origins.push(format!("{} = {origin}", v.as_str().unwrap_or_default()));
                    }
                    values.extend(a)
                }
                Sym::Known(other) => unresolved.push(format!("{r} = {other}")),
                Sym::Unknown(why) => unresolved.push(why),
            }
        }
        values.retain(|v| !known.contains(v));
        values.dedup();
        if unresolved.is_empty() && values.len() == missing {
            known.extend(values);
            self.symbolic.borrow_mut().extend(origins);
        } else {
            // Known values still count; the rest stays open, one placeholder per element.
            let names = if unresolved.is_empty() {
                refs()
            } else {
                unresolved
            };
            for _ in 0..missing {
                known.push(self.placeholder(describe_all(what, &names)));
            }
        }
        Some(known)
    }
}

/// What a placeholder stands for: the place in the document, and what the configuration
/// builds it from.
fn describe_all(what: &str, names: &[String]) -> String {
    if names.is_empty() {
        what.to_owned()
    } else {
        format!("{what}, from {}", names.join(", "))
    }
}

enum Scalar {
    Known(String),
    Absent,
    Unknown,
}

fn scalar(v: &Value, unknown: &Value) -> Scalar {
    if unknown == &Value::Bool(true) {
        return Scalar::Unknown;
    }
    match v {
        Value::String(s) => Scalar::Known(s.clone()),
        Value::Null => Scalar::Absent,
        Value::Bool(_) | Value::Number(_) => Scalar::Known(v.to_string()),
        _ => Scalar::Unknown,
    }
}

/// The statements of a policy document (a list, or a single statement object).
fn statements_of(doc: &Value) -> Vec<Value> {
    match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(o @ Value::Object(_)) => vec![o.clone()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::inventory::{Identity, PrincipalKind};
    use crate::plan::model::{Attrs, Unknowns};
    use crate::policy::placeholder::unknown_in;

    fn attrs(json: &str) -> Attrs<'static> {
        serde_json::from_str(Box::leak(json.to_owned().into_boxed_str())).unwrap()
    }

    /// A deferred document naming `aws_iam_role.admin` (created, or replaced) next to the
    /// account, with a source document read during the plan whose Sid it overrides.
    fn rebuild_with(lifecycle: Lifecycle, arn: Option<&'static str>) -> (String, Rebuild) {
        let source = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Admins","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/old"},"Action":"kms:*","Resource":"*"},{"Sid":"Use","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"kms:Decrypt","Resource":"*"}]}"#;
        let after = attrs(&format!(
            r#"{{"json":null,"source_policy_documents":[{}],"statement":[{{"sid":"Admins","effect":null,"actions":["kms:*"],"resources":["*"],"principals":[{{"type":"AWS","identifiers":["arn:aws:iam::111122223333:root",null]}}],"not_principals":[],"condition":[]}}]}}"#,
            serde_json::to_string(source).unwrap()
        ));
        let unknown: Unknowns = serde_json::from_str(
            r#"{"json":true,"statement":[{"actions":[false],"principals":[{"identifiers":[false,true]}]}]}"#,
        )
        .unwrap();
        let doc = DataSource {
            address: "data.aws_iam_policy_document.kms".into(),
            resource: "data.aws_iam_policy_document.kms".parse().unwrap(),
            after: Box::leak(Box::new(after)),
            unknown,
            deferred: true,
        };
        let data: HashMap<&str, &DataSource> = [(doc.address.as_str(), &doc)].into();
        let role = Principal {
            input: 0,
            address: "aws_iam_role.admin".into(),
            resource: "aws_iam_role.admin".parse().unwrap(),
            kind: PrincipalKind::Role,
            managed: true,
            lifecycle,
            before: None,
            after: Some(Identity {
                arn: arn.map(Into::into),
                name: arn.map(|_| "admin".into()),
                path: None,
                unique_id: None,
                tags: None,
                boundary: false,
            }),
            iam: None,
        };
        let principals: HashMap<&str, &Principal> = [("aws_iam_role.admin", &role)].into();
        let cfg: Value = serde_json::from_str(
            r#"{"statement":[{"principals":[{"type":{"constant_value":"AWS"},"identifiers":{"references":["aws_iam_role.admin.arn","aws_iam_role.admin"]}}]}]}"#,
        )
        .unwrap();
        let config = ConfigIndex::with_block(
            &ModuleInstance::root(),
            "data.aws_iam_policy_document.kms",
            cfg,
        );
        let vars = BTreeMap::new();
        let r = Resolver {
            config: &config,
            data: &data,
            principals: &principals,
            root_vars: &vars,
        };
        let expr = serde_json::json!({"references": ["data.aws_iam_policy_document.kms.json", "data.aws_iam_policy_document.kms"]});
        r.policy(&ModuleInstance::root(), None, &expr).unwrap()
    }

    #[test]
    fn a_deferred_document_is_rebuilt_with_its_constants_and_references() {
        let (text, r) = rebuild_with(
            Lifecycle::Created,
            Some("arn:aws:iam::111122223333:role/admin"),
        );
        assert_eq!(r.from, Rebuilt::Configuration);
        let v: Value = serde_json::from_str(&text).unwrap();
        let st = v["Statement"].as_array().unwrap();
        // The source's "Admins" is replaced by the document's own; "Use" stays.
        assert_eq!(st.len(), 2);
        assert_eq!(st[0]["Sid"], "Admins");
        assert_eq!(st[0]["Effect"], "Allow", "an unset effect is Allow");
        assert_eq!(
            st[0]["Principal"]["AWS"],
            serde_json::json!([
                "arn:aws:iam::111122223333:root",
                "arn:aws:iam::111122223333:role/admin"
            ])
        );
        assert_eq!(st[1]["Sid"], "Use");
        assert!(r.placeholders.is_empty());
        assert_eq!(
            r.symbolic,
            [
                "arn:aws:iam::111122223333:role/admin = aws_iam_role.admin.arn (created by this plan)"
            ]
        );
    }

    #[test]
    fn a_value_the_plan_cannot_give_stays_a_placeholder() {
        // A role created under a name known only after apply (name_prefix): no ARN.
        let (text, r) = rebuild_with(Lifecycle::Created, None);
        assert!(text.contains("\\u0001"), "{text}");
        assert!(r.symbolic.is_empty());
        assert_eq!(r.placeholders.len(), 1);
        assert!(
            r.placeholders[0].contains("the arn of aws_iam_role.admin (created by this plan)"),
            "{:?}",
            r.placeholders
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        let ids = v["Statement"][0]["Principal"]["AWS"].as_array().unwrap();
        assert_eq!(
            ids[0], "arn:aws:iam::111122223333:root",
            "the constant is kept"
        );
        assert!(unknown_in(ids[1].as_str().unwrap()).is_some());
    }

    #[test]
    fn attributes_split_after_type_name_and_index() {
        let split = |r: &str| split_attribute(r);
        let owned = |a: &str, b: &str| Some((a.to_owned(), b.to_owned()));
        assert_eq!(split("aws_iam_role.a.arn"), owned("aws_iam_role.a", "arn"));
        assert_eq!(
            split(r#"aws_iam_role.a["x.y"].arn"#),
            owned(r#"aws_iam_role.a["x.y"]"#, "arn")
        );
        assert_eq!(
            split("data.aws_caller_identity.current.account_id"),
            owned("data.aws_caller_identity.current", "account_id")
        );
        assert_eq!(split("aws_iam_role.a"), None);
    }
}
