//! Evaluating key policies from the Terraform source (`--config-dir`).
//!
//! A policy written as `jsonencode({...})`, a heredoc with interpolations, or `file()` /
//! `templatefile()` is shown in the plan only as "known after apply" (when it uses anything the
//! apply computes), and its configuration only as "some function call". With the source at
//! hand, kmsguard evaluates the expression itself ([`hcl`] parses and evaluates HCL) with what
//! the plan knows:
//!
//! - `var.*`: the plan's root variables, module call arguments (evaluated in the calling
//!   module), variable defaults;
//! - `local.*`: the module's `locals`, evaluated in turn;
//! - `aws_iam_role.*` / `aws_iam_user.*` (managed or `data.`): `arn`, `name`, `id`, `path`,
//!   `unique_id` after the apply, one object per instance (a list for `count`, an object for
//!   `for_each`);
//! - `data.aws_caller_identity.*.account_id`, `data.aws_partition.*.partition`,
//!   `data.aws_iam_policy_document.*.json` when read during the plan;
//! - `path.module`, `path.root`, `count.index`, `each.key`;
//! - the Terraform functions policies use (see [`functions`]).
//!
//! A value the plan cannot give is a placeholder ([`unknown_value`]) that flows into lists and
//! strings. Anything that would decide on a placeholder (a comparison, a conditional, a `for`
//! filter, a function such as `length`) makes the whole policy unknown instead: kmsguard never
//! guesses. An expression it cannot evaluate leaves the policy unknown, with the reason.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
use hcl::expr::{BinaryOperator, Expression, Operation, TemplateExpr};
use hcl::{Body, Value};

use super::resolve::{Rebuilt, Resolved};
use super::{Input, Inventory, Lifecycle, PolicyText};
use crate::plan::address::{module_calls, module_instances};
use crate::plan::model::{ConfigModule, Configuration};
use crate::policy::document::{display_value, unknown_in, unknown_value};

/// Module call chains deeper than this are not followed.
const MAX_MODULE_DEPTH: usize = 32;

/// Files larger than this are not read by `file()` / `templatefile()` (a key policy is at most
/// 32 KiB; templates for one are not much larger).
const MAX_FILE_BYTES: u64 = 1 << 20;

/// Re-evaluates, from the source, the policies the plan leaves unknown (or rebuilt only in
/// part). Returns notes about source files that could not be used.
pub fn refine(inv: &mut Inventory<'_>, inputs: &[Input<'_>], dirs: &[PathBuf]) -> Vec<String> {
    let Some(root_dir) = dirs.first() else {
        return Vec::new();
    };
    let mut sources = Sources::default();
    for ki in 0..inv.keys.len() {
        let key = &inv.keys[ki];
        let wanted = match &key.policy_after {
            PolicyText::Unknown { .. } => true,
            PolicyText::Resolved { resolved, .. } => !resolved.placeholders.is_empty(),
            _ => false,
        };
        if !wanted {
            continue;
        }
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
        let config = inputs
            .get(key.source)
            .and_then(|i| i.doc.raw.configuration.as_ref());
        let eval = Evaluation {
            inv,
            src: key.source,
            root_dir,
            config,
        };
        let outcome = eval.policy(&mut sources, &instance, &rtype, &name, index.as_deref());
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
    sources.notes
}

/// The parsed `.tf` files of each folder.
#[derive(Default)]
struct Sources {
    dirs: HashMap<PathBuf, Option<Module>>,
    notes: Vec<String>,
}

/// One module folder: its blocks by kind.
#[derive(Default)]
struct Module {
    /// `TYPE.NAME` → (file, line, body) of resource blocks; `data.TYPE.NAME` for data.
    resources: HashMap<String, (PathBuf, Body)>,
    module_calls: HashMap<String, Body>,
    variables: HashMap<String, Option<Expression>>,
    locals: Vec<(String, Expression)>,
}

impl Sources {
    fn module(&mut self, dir: &Path) -> Option<&Module> {
        if !self.dirs.contains_key(dir) {
            let m = self.scan(dir);
            self.dirs.insert(dir.to_path_buf(), m);
        }
        self.dirs.get(dir).and_then(Option::as_ref)
    }

    fn scan(&mut self, dir: &Path) -> Option<Module> {
        let entries = std::fs::read_dir(dir).ok()?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "tf") && p.is_file())
            .collect();
        files.sort();
        let mut m = Module::default();
        for f in files {
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            let parsed = crate::locate::check_brackets(&text)
                .and_then(|()| hcl::parse(&text).map_err(|e| e.to_string()));
            let body = match parsed {
                Ok(b) => b,
                Err(e) => {
                    self.notes.push(crate::locate::invalid_hcl(&f, &e));
                    continue;
                }
            };
            for block in body.blocks() {
                let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
                match (block.identifier(), labels.as_slice()) {
                    ("resource", [t, n]) => {
                        m.resources
                            .insert(format!("{t}.{n}"), (f.clone(), block.body().clone()));
                    }
                    ("data", [t, n]) => {
                        m.resources
                            .insert(format!("data.{t}.{n}"), (f.clone(), block.body().clone()));
                    }
                    ("module", [n]) => {
                        m.module_calls.insert((*n).to_owned(), block.body().clone());
                    }
                    ("variable", [n]) => {
                        let default = block
                            .body()
                            .attributes()
                            .find(|a| a.key() == "default")
                            .map(|a| a.expr().clone());
                        m.variables.insert((*n).to_owned(), default);
                    }
                    ("locals", []) => {
                        for a in block.body().attributes() {
                            m.locals.push((a.key().to_owned(), a.expr().clone()));
                        }
                    }
                    _ => {}
                }
            }
        }
        Some(m)
    }
}

/// `module.a["x"].aws_kms_key_policy.p[0]` → (module instance, type, name, index text).
fn split_address(address: &str) -> Option<(String, String, String, Option<String>)> {
    let mut end = 0;
    while let Some(rest) = address[end..].strip_prefix("module.") {
        let name_end = rest.find(['.', '['])?;
        let mut next = end + "module.".len() + name_end;
        if address[next..].starts_with('[') {
            next += index_len(&address[next..])?;
        }
        end = next + 1;
        if !address[next..].starts_with('.') {
            return None;
        }
    }
    let instance = address[..end].trim_end_matches('.').to_owned();
    let resource = &address[end..];
    if resource.starts_with("data.") {
        return None;
    }
    let (rtype, rest) = resource.split_once('.')?;
    let (name, index) = split_index(rest);
    Some((instance, rtype.to_owned(), name.to_owned(), index))
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

struct Evaluation<'e, 'a> {
    inv: &'e Inventory<'a>,
    src: usize,
    root_dir: &'e Path,
    config: Option<&'e Configuration<'e>>,
}

impl Evaluation<'_, '_> {
    fn policy(
        &self,
        sources: &mut Sources,
        instance: &str,
        rtype: &str,
        name: &str,
        index: Option<&str>,
    ) -> Result<Resolved, String> {
        let calls = module_calls(instance).ok_or("the module address cannot be read")?;
        if calls.len() > MAX_MODULE_DEPTH {
            return Err("the module nesting is too deep".into());
        }
        // The folders from the root module down to the key's module.
        let mut dirs = vec![self.root_dir.to_path_buf()];
        let mut module: Option<&ConfigModule> = self.config.and_then(|c| c.root_module.as_ref());
        for call in &calls {
            let mc = module.and_then(|m| m.module_calls.get(*call));
            let source = mc.and_then(|m| m.source.as_deref()).unwrap_or_default();
            if !(source.starts_with("./") || source.starts_with("../")) {
                return Err(format!(
                    "module.{call} comes from {source:?}, not a local folder"
                ));
            }
            let next = dirs.last().map(|d| d.join(source)).unwrap_or_default();
            dirs.push(next);
            module = mc.and_then(|m| m.module.as_ref());
        }
        // Instance addresses of each level: "", "module.a[0]", "module.a[0].module.b".
        let instances: Vec<String> = module_instances(instance)
            .ok_or("the module address cannot be read")?
            .into_iter()
            .map(str::to_owned)
            .collect();
        let mut placeholders = Placeholders::default();
        // Each level's context, from the root module down: its variables (the calling
        // module's arguments), resources, data sources and locals.
        let mut vars: Option<Value> = None;
        let mut ctx: Option<Context<'static>> = None;
        for (level, dir) in dirs.iter().enumerate() {
            let Some(m) = sources.module(dir) else {
                return Err(format!("cannot read {}", dir.display()));
            };
            let var = match (level, vars.take()) {
                (0, _) => self.root_variables(m, &mut placeholders)?,
                (_, Some(v)) => v,
                _ => Value::Object(Default::default()),
            };
            let (resources, data) = self.resources(&instances[level], &mut placeholders);
            let mut level_ctx = base_context(&var, &resources, &data, dir, self.root_dir);
            let local = evaluate_locals(m, &level_ctx, &placeholders);
            level_ctx.declare_var("local", local);
            if let Some(&call) = calls.get(level) {
                let call_body = m
                    .module_calls
                    .get(call)
                    .ok_or_else(|| format!("module \"{call}\" is not in {}", dir.display()))?
                    .clone();
                let child_dir = &dirs[level + 1];
                let child = sources
                    .module(child_dir)
                    .ok_or_else(|| format!("cannot read {}", child_dir.display()))?;
                let mut args = hcl::Map::new();
                for (vname, default) in &child.variables {
                    let given = call_body.attributes().find(|a| a.key() == vname.as_str());
                    let value = match (given, default) {
                        (Some(a), _) => evaluate(a.expr(), &level_ctx, &placeholders)
                            .map_err(|e| format!("module.{call}: {vname}: {e}"))?,
                        (None, Some(d)) => evaluate(d, &level_ctx, &placeholders)
                            .map_err(|e| format!("module.{call}: {vname}: {e}"))?,
                        (None, None) => Value::Null,
                    };
                    args.insert(vname.clone(), value);
                }
                vars = Some(Value::Object(args));
            }
            ctx = Some(level_ctx);
        }
        let mut ctx = ctx.unwrap_or_else(|| unreachable!("the root level is always evaluated"));
        let dir = dirs.last().unwrap_or_else(|| unreachable!());
        let m = sources
            .module(dir)
            .ok_or_else(|| format!("cannot read {}", dir.display()))?;
        let block_key = format!("{rtype}.{name}");
        let (file, body) = m.resources.get(&block_key).ok_or_else(|| {
            format!(
                "resource \"{rtype}\" \"{name}\" is not in {}",
                dir.display()
            )
        })?;
        let expr = body
            .attributes()
            .find(|a| a.key() == "policy")
            .map(|a| a.expr().clone())
            .ok_or_else(|| format!("{block_key} in {} sets no policy", file.display()))?;
        if let Some(ix) = index {
            instance_vars(&mut ctx, body, ix, &placeholders)?;
        }
        let value = evaluate(&expr, &ctx, &placeholders)?;
        let text = match value {
            Value::String(s) => escape_placeholders(&s),
            Value::Null => return Err(format!("the policy of {block_key} is null")),
            other => {
                return Err(format!(
                    "the policy of {block_key} is not a string but {}",
                    kind(&other)
                ));
            }
        };
        let mut shown_placeholders: Vec<String> = Vec::new();
        collect_placeholders(&text, &mut shown_placeholders);
        let symbolic = placeholders.symbolic_in(&text);
        Ok(Resolved {
            text,
            from: Rebuilt::HclSource,
            detail: format!(
                "the policy of {block_key} in {}",
                crate::locate::relative_to(file, Path::new("."))
            ),
            placeholders: shown_placeholders,
            symbolic,
        })
    }

    /// `var` of the root module: the plan's values, else defaults.
    fn root_variables(&self, m: &Module, ph: &mut Placeholders) -> Result<Value, String> {
        let mut out = hcl::Map::new();
        let plan = self.inv.root_vars.get(self.src);
        for (name, default) in &m.variables {
            let value = match plan.and_then(|p| p.get(name)) {
                Some(v) => json_to_hcl(v),
                None => match default {
                    Some(d) => evaluate(d, &Context::new(), ph)?,
                    None => ph.unknown(format!("var.{name}, which the plan gives no value")),
                },
            };
            out.insert(name.clone(), value);
        }
        Ok(Value::Object(out))
    }

    /// The managed and data resources of a module instance that policies reference.
    fn resources(&self, scope: &str, ph: &mut Placeholders) -> (Value, Value) {
        let mut managed = ByType::new();
        let mut data = ByType::new();
        let local = |address: &str| -> Option<String> {
            let rest = if scope.is_empty() {
                address
            } else {
                address.strip_prefix(scope)?.strip_prefix('.')?
            };
            (!rest.starts_with("module.")).then(|| rest.to_owned())
        };
        for p in self.inv.principals.iter().filter(|p| p.source == self.src) {
            let Some(rel) = local(&p.address) else {
                continue;
            };
            let Some(id) = p.identity(true) else { continue };
            let (is_data, rel) = match rel.strip_prefix("data.") {
                Some(r) => (true, r.to_owned()),
                None => (false, rel),
            };
            let Some((rtype, rest)) = rel.split_once('.') else {
                continue;
            };
            let (name, index) = split_index(rest);
            let word = p.lifecycle.word();
            let what = |attr: &str| format!("the {attr} of {} ({word} by this plan)", p.address);
            let mut obj = hcl::Map::new();
            let mut put = |attr: &str, v: Option<&str>, ph: &mut Placeholders| {
                let value = match v {
                    Some(v) => {
                        if p.lifecycle != Lifecycle::Kept && attr == "arn" {
                            ph.known(v, format!("{}.{attr} ({word} by this plan)", p.address));
                        }
                        Value::String(v.to_owned())
                    }
                    None => ph.unknown(what(attr)),
                };
                obj.insert(attr.to_owned(), value);
            };
            put("arn", id.arn.as_deref(), ph);
            put("name", id.name.as_deref(), ph);
            put("id", id.name.as_deref(), ph);
            put("path", id.path.as_deref().or(Some("/")), ph);
            let uid = if matches!(p.lifecycle, Lifecycle::Replaced | Lifecycle::Created) {
                None
            } else {
                id.unique_id.as_deref()
            };
            put("unique_id", uid, ph);
            let slot = if is_data { &mut data } else { &mut managed };
            slot.entry(rtype.to_owned())
                .or_default()
                .entry(name.to_owned())
                .or_default()
                .push((index, Value::Object(obj)));
        }
        for d in self.inv.data.get(self.src).into_iter().flatten() {
            let Some(rel) = local(&d.address) else {
                continue;
            };
            let Some(rel) = rel.strip_prefix("data.") else {
                continue;
            };
            let Some((rtype, rest)) = rel.split_once('.') else {
                continue;
            };
            let (name, index) = split_index(rest);
            let mut obj = hcl::Map::new();
            let attrs: &[(&str, Option<&str>)] = match rtype {
                "aws_caller_identity" => &[
                    ("account_id", d.after.account_id.non_empty()),
                    ("id", d.after.account_id.non_empty()),
                ],
                "aws_partition" => &[
                    ("partition", d.after.partition.non_empty()),
                    ("id", d.after.partition.non_empty()),
                ],
                "aws_iam_policy_document" => &[(
                    "json",
                    d.after.json.non_empty().filter(|_| !d.unknown.json.0),
                )],
                _ => &[],
            };
            for (attr, v) in attrs {
                let value = match v {
                    Some(v) => Value::String((*v).to_owned()),
                    None => ph.unknown(format!("{}.{attr} (known after apply)", d.address)),
                };
                obj.insert((*attr).to_owned(), value);
            }
            data.entry(rtype.to_owned())
                .or_default()
                .entry(name.to_owned())
                .or_default()
                .push((index, Value::Object(obj)));
        }
        (group(managed), group(data))
    }
}

/// Resource instances by type and name: (instance key, attributes).
type ByType = BTreeMap<String, BTreeMap<String, Vec<(Option<String>, Value)>>>;

/// `name["k"]` → (`name`, `"k"`).
fn split_index(rest: &str) -> (&str, Option<String>) {
    match rest.find('[') {
        Some(i) => (
            &rest[..i],
            rest[i + 1..].strip_suffix(']').map(str::to_owned),
        ),
        None => (rest, None),
    }
}

/// Instances of each resource as Terraform exposes them: one object, a list (`count`), or an
/// object keyed by `for_each` key.
fn group(by_type: ByType) -> Value {
    let mut types = hcl::Map::new();
    for (rtype, names) in by_type {
        let mut out = hcl::Map::new();
        for (name, mut instances) in names {
            let value = match instances.as_slice() {
                [(None, _)] => instances.pop().map(|(_, v)| v).unwrap_or(Value::Null),
                _ if instances
                    .iter()
                    .all(|(i, _)| i.as_deref().is_some_and(|i| i.parse::<usize>().is_ok())) =>
                {
                    instances
                        .sort_by_key(|(i, _)| i.as_deref().and_then(|i| i.parse::<usize>().ok()));
                    Value::Array(instances.into_iter().map(|(_, v)| v).collect())
                }
                _ => Value::Object(
                    instances
                        .into_iter()
                        .filter_map(|(i, v)| {
                            let k: String = serde_json::from_str(i.as_deref()?).ok()?;
                            Some((k, v))
                        })
                        .collect(),
                ),
            };
            out.insert(name, value);
        }
        types.insert(rtype, Value::Object(out));
    }
    Value::Object(types)
}

fn base_context(
    var: &Value,
    resources: &Value,
    data: &Value,
    dir: &Path,
    root: &Path,
) -> Context<'static> {
    let mut ctx = functions::context(dir, root);
    ctx.declare_var("var", var.clone());
    ctx.declare_var("data", data.clone());
    if let Value::Object(types) = resources {
        for (t, v) in types {
            ctx.declare_var(t.as_str(), v.clone());
        }
    }
    // As in Terraform: paths relative to the root module, which is the working directory.
    let module = crate::locate::relative_to(dir, root);
    let mut path = hcl::Map::new();
    path.insert("module".to_owned(), Value::String(module));
    path.insert("root".to_owned(), Value::String(".".to_owned()));
    path.insert("cwd".to_owned(), Value::String(".".to_owned()));
    ctx.declare_var("path", Value::Object(path));
    ctx
}

/// `count.index` / `each.key` / `each.value` for an instance of a block.
fn instance_vars(
    ctx: &mut Context,
    body: &Body,
    index: &str,
    ph: &Placeholders,
) -> Result<(), String> {
    if let Ok(n) = index.parse::<u64>() {
        let mut count = hcl::Map::new();
        count.insert("index".to_owned(), Value::from(n));
        ctx.declare_var("count", Value::Object(count));
        return Ok(());
    }
    let key: String =
        serde_json::from_str(index).map_err(|_| format!("cannot read the instance key {index}"))?;
    let value = match body.attributes().find(|a| a.key() == "for_each") {
        Some(a) => match evaluate(a.expr(), ctx, ph)? {
            Value::Object(m) => m.get(&key).cloned().unwrap_or(Value::Null),
            Value::Array(_) => Value::String(key.clone()),
            _ => Value::Null,
        },
        None => Value::Null,
    };
    let mut each = hcl::Map::new();
    each.insert("key".to_owned(), Value::String(key));
    each.insert("value".to_owned(), value);
    ctx.declare_var("each", Value::Object(each));
    Ok(())
}

/// Evaluates the module's locals in dependency order (each pass evaluates what it can).
/// Locals that cannot be evaluated stay out; an expression using one fails with the undefined
/// key, and the reason names it.
fn evaluate_locals(m: &Module, base: &Context, ph: &Placeholders) -> Value {
    let mut done = hcl::Map::new();
    let mut pending: Vec<&(String, Expression)> = m.locals.iter().collect();
    loop {
        let mut ctx = base.clone();
        ctx.declare_var("local", Value::Object(done.clone()));
        let before = pending.len();
        pending.retain(|(name, expr)| match evaluate(expr, &ctx, ph) {
            Ok(v) => {
                done.insert(name.clone(), v);
                false
            }
            Err(_) => true,
        });
        if pending.is_empty() || pending.len() == before {
            break;
        }
    }
    Value::Object(done)
}

/// Placeholders handed out for values the plan cannot give, and known values that came from
/// resources the plan changes (to mark them in `explain`).
#[derive(Default)]
struct Placeholders {
    issued: usize,
    known: Vec<(String, String)>,
}

impl Placeholders {
    fn unknown(&mut self, what: String) -> Value {
        self.issued += 1;
        Value::String(unknown_value(&what))
    }

    fn known(&mut self, value: &str, origin: String) {
        if !self.known.iter().any(|(v, _)| v == value) {
            self.known.push((value.to_owned(), origin));
        }
    }

    fn symbolic_in(&self, text: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .known
            .iter()
            .filter(|(v, _)| text.contains(&serde_json::Value::String(v.clone()).to_string()))
            .map(|(v, o)| format!("{v} = {o}"))
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Evaluates an expression; refuses when a decision (comparison, conditional, `for` filter,
/// template directive) could depend on a placeholder.
fn evaluate(expr: &Expression, ctx: &Context, ph: &Placeholders) -> Result<Value, String> {
    if arithmetic(expr) {
        return Err(ARITHMETIC.into());
    }
    let value = expr.evaluate(ctx).map_err(|e| explain_error(e.kind()))?;
    if ph.issued > 0 && decides(expr) && uses_placeholder(expr, ctx) {
        return Err(
            "it decides on a value known only after apply (a comparison, a conditional or a for filter)"
                .into(),
        );
    }
    Ok(value)
}

const ARITHMETIC: &str = "kmsguard does not evaluate arithmetic (a policy has no use for it)";

/// Whether `rule` holds for an expression: the rule decides a node (`Some`), or the node
/// holds when an expression inside it does (`None`). Templates are looked into.
fn any_expr(e: &Expression, rule: &dyn Fn(&Expression) -> Option<bool>) -> bool {
    if let Some(decided) = rule(e) {
        return decided;
    }
    let any = |x: &Expression| any_expr(x, rule);
    match e {
        Expression::Operation(op) => match op.as_ref() {
            Operation::Binary(b) => any(&b.lhs_expr) || any(&b.rhs_expr),
            Operation::Unary(u) => any(&u.expr),
        },
        // A template that does not parse fails the same way when it is evaluated.
        Expression::TemplateExpr(t) => {
            hcl::Template::from_expr(t).is_ok_and(|t| any_in_template(&t, rule))
        }
        Expression::Conditional(c) => any(&c.cond_expr) || any(&c.true_expr) || any(&c.false_expr),
        Expression::ForExpr(f) => {
            any(&f.collection_expr)
                || any(&f.value_expr)
                || f.key_expr.as_ref().is_some_and(any)
                || f.cond_expr.as_ref().is_some_and(any)
        }
        Expression::FuncCall(f) => f.args.iter().any(any),
        Expression::Array(a) => a.iter().any(any),
        Expression::Object(o) => o
            .iter()
            .any(|(k, v)| any(v) || matches!(k, hcl::expr::ObjectKey::Expression(k) if any(k))),
        Expression::Parenthesis(p) => any(p),
        Expression::Traversal(t) => {
            any(&t.expr)
                || t.operators
                    .iter()
                    .any(|op| matches!(op, hcl::expr::TraversalOperator::Index(ix) if any(ix)))
        }
        _ => false,
    }
}

fn any_in_template(t: &hcl::Template, rule: &dyn Fn(&Expression) -> Option<bool>) -> bool {
    use hcl::template::{Directive, Element};
    t.elements().iter().any(|e| match e {
        Element::Literal(_) => false,
        Element::Interpolation(i) => any_expr(&i.expr, rule),
        Element::Directive(d) => match d.as_ref() {
            Directive::If(i) => {
                any_expr(&i.cond_expr, rule)
                    || any_in_template(&i.true_template, rule)
                    || i.false_template
                        .as_ref()
                        .is_some_and(|f| any_in_template(f, rule))
            }
            Directive::For(f) => {
                any_expr(&f.collection_expr, rule) || any_in_template(&f.template, rule)
            }
        },
    })
}

fn is_arithmetic(op: &BinaryOperator) -> bool {
    matches!(
        op,
        BinaryOperator::Plus
            | BinaryOperator::Minus
            | BinaryOperator::Mul
            | BinaryOperator::Div
            | BinaryOperator::Mod
    )
}

/// Whether the expression does arithmetic anywhere, templates included. The evaluator's
/// integer arithmetic panics on some operands (`1 % 0`), and policies do not need it.
fn arithmetic(e: &Expression) -> bool {
    any_expr(e, &arithmetic_node)
}

fn template_arithmetic(t: &hcl::Template) -> bool {
    any_in_template(t, &arithmetic_node)
}

fn arithmetic_node(e: &Expression) -> Option<bool> {
    match e {
        Expression::Operation(op) => match op.as_ref() {
            Operation::Binary(b) if is_arithmetic(&b.operator) => Some(true),
            Operation::Unary(u) if matches!(u.operator, hcl::expr::UnaryOperator::Neg) => {
                Some(true)
            }
            _ => None,
        },
        _ => None,
    }
}

/// Whether the expression makes a decision on a value. A template decides when its text
/// shows a directive or an operator that can (read conservatively, without parsing it).
fn decides(e: &Expression) -> bool {
    any_expr(e, &|e| match e {
        Expression::Conditional(_) => Some(true),
        Expression::Operation(op) => match op.as_ref() {
            Operation::Binary(b) if !is_arithmetic(&b.operator) => Some(true),
            _ => None,
        },
        Expression::ForExpr(f) if f.cond_expr.is_some() => Some(true),
        Expression::TemplateExpr(t) => {
            let raw = match t.as_ref() {
                TemplateExpr::QuotedString(s) => s.as_str(),
                TemplateExpr::Heredoc(h) => h.template.as_str(),
            };
            Some(
                ["%{", "?", "==", "!=", "&&", "||", ">", "<"]
                    .iter()
                    .any(|d| raw.contains(d)),
            )
        }
        _ => None,
    })
}

/// Whether a value the expression reads (a variable, or a chain of attributes of one) holds a
/// placeholder. Any template counts as reading one.
fn uses_placeholder(e: &Expression, ctx: &Context) -> bool {
    let lookup = |path: &str| {
        hcl::parse(&format!("v = {path}\n"))
            .ok()
            .and_then(|b| b.attributes().next().map(|a| a.expr().clone()))
            .and_then(|e| e.evaluate(ctx).ok())
            .is_some_and(|v| value_has_placeholder(&v))
    };
    any_expr(e, &|e| match e {
        Expression::Variable(v) => Some(lookup(v.as_str())),
        Expression::Traversal(t) => {
            let Expression::Variable(root) = &t.expr else {
                return None;
            };
            let mut path = root.as_str().to_owned();
            for op in &t.operators {
                match op {
                    hcl::expr::TraversalOperator::GetAttr(name) => {
                        path.push('.');
                        path.push_str(name.as_str());
                    }
                    hcl::expr::TraversalOperator::Index(ix) if uses_placeholder(ix, ctx) => {
                        return Some(true);
                    }
                    _ => break,
                }
            }
            Some(lookup(&path))
        }
        Expression::TemplateExpr(_) => Some(true),
        _ => None,
    })
}

fn value_has_placeholder(v: &Value) -> bool {
    match v {
        Value::String(s) => unknown_in(s).is_some(),
        Value::Array(a) => a.iter().any(value_has_placeholder),
        Value::Object(o) => o.values().any(value_has_placeholder),
        _ => false,
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
    } else if unknown_in(text).is_some() {
        out.push(display_value(text));
    }
    out.sort();
    out.dedup();
}

/// A placeholder interpolated into a heredoc or a file is a raw control character inside a
/// JSON string: escape it as JSON would, so the policy stays valid JSON.
fn escape_placeholders(s: &str) -> String {
    s.replace('\u{1}', "\\u0001").replace('\u{2}', "\\u0002")
}

/// An evaluation error in words, without the expression it happened in.
fn explain_error(kind: &hcl::eval::ErrorKind) -> String {
    use hcl::eval::ErrorKind as K;
    let text = match kind {
        K::UndefinedFunc(f) => format!("kmsguard does not evaluate the function {f}"),
        K::UndefinedVar(v) => format!("{v} is not known to kmsguard"),
        K::NoSuchKey(k) => format!("no value for `{k}` (not in the plan or the source)"),
        K::FuncCall(f, msg) => format!("{f}: {msg}"),
        other => other.to_string(),
    };
    display_value(&one_line(&text))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn json_to_hcl(v: &serde_json::Value) -> Value {
    serde_json::from_value(v.clone()).unwrap_or(Value::Null)
}

/// The Terraform functions that key policies use.
pub mod functions {
    use super::*;

    thread_local! {
        /// The root module folder: `file()` paths are relative to it, as in Terraform.
        static ROOT: RefCell<PathBuf> = RefCell::new(PathBuf::new());
    }

    /// A context with every function declared.
    pub fn context(_dir: &Path, root: &Path) -> Context<'static> {
        ROOT.with(|r| *r.borrow_mut() = root.to_path_buf());
        let mut ctx = Context::new();
        let any = || ParamType::Any;
        let def = |f: hcl::eval::Func, n: usize| {
            FuncDef::builder()
                .params((0..n).map(|_| ParamType::Any))
                .build(f)
        };
        let variadic = |f: hcl::eval::Func| FuncDef::builder().variadic_param(any()).build(f);
        ctx.declare_func("jsonencode", def(jsonencode, 1));
        ctx.declare_func("jsondecode", def(jsondecode, 1));
        ctx.declare_func(
            "format",
            FuncDef::builder()
                .param(any())
                .variadic_param(any())
                .build(format),
        );
        ctx.declare_func("concat", variadic(concat));
        ctx.declare_func("merge", variadic(merge));
        ctx.declare_func("flatten", def(flatten, 1));
        ctx.declare_func("distinct", def(distinct, 1));
        ctx.declare_func("tolist", def(tolist, 1));
        ctx.declare_func("toset", def(toset, 1));
        ctx.declare_func("compact", def(compact, 1));
        ctx.declare_func("join", def(join, 2));
        ctx.declare_func("split", def(split, 2));
        ctx.declare_func("lower", def(lower, 1));
        ctx.declare_func("upper", def(upper, 1));
        ctx.declare_func("trimspace", def(trimspace, 1));
        ctx.declare_func("tostring", def(tostring, 1));
        ctx.declare_func("file", def(file, 1));
        ctx.declare_func("templatefile", def(templatefile, 2));
        ctx
    }

    fn str_arg(v: &Value, what: &str) -> Result<String, String> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            _ => Err(format!("{what} must be a string")),
        }
    }

    fn list_arg(v: &Value, what: &str) -> Result<Vec<Value>, String> {
        match v {
            Value::Array(a) => Ok(a.clone()),
            _ => Err(format!("{what} must be a list")),
        }
    }

    fn to_json(v: &Value) -> serde_json::Value {
        serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
    }

    /// Terraform's jsonencode: object keys in lexical order, compact.
    fn jsonencode(args: FuncArgs) -> Result<Value, String> {
        fn sorted(v: serde_json::Value) -> serde_json::Value {
            match v {
                serde_json::Value::Object(m) => {
                    let mut pairs: Vec<_> = m.into_iter().collect();
                    pairs.sort_by(|a, b| a.0.cmp(&b.0));
                    serde_json::Value::Object(
                        pairs.into_iter().map(|(k, v)| (k, sorted(v))).collect(),
                    )
                }
                serde_json::Value::Array(a) => {
                    serde_json::Value::Array(a.into_iter().map(sorted).collect())
                }
                other => other,
            }
        }
        serde_json::to_string(&sorted(to_json(&args[0])))
            .map(Value::String)
            .map_err(|e| e.to_string())
    }

    fn jsondecode(args: FuncArgs) -> Result<Value, String> {
        let s = str_arg(&args[0], "jsondecode's argument")?;
        let v: serde_json::Value =
            serde_json::from_str(&s).map_err(|e| format!("jsondecode: {e}"))?;
        Ok(json_to_hcl(&v))
    }

    /// `format` with the verbs policies use: `%s`, `%d`, `%v`, `%q`, `%%`.
    fn format(args: FuncArgs) -> Result<Value, String> {
        let all = args.into_values();
        let fmt = str_arg(&all[0], "format's first argument")?;
        let mut rest = all[1..].iter();
        let mut out = String::new();
        let mut chars = fmt.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('%') => out.push('%'),
                Some(verb @ ('s' | 'd' | 'v' | 'q')) => {
                    let v = rest.next().ok_or("format: too few arguments")?;
                    let s = match v {
                        Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                            str_arg(v, "a format argument")?
                        }
                        other => to_json(other).to_string(),
                    };
                    if verb == 'q' {
                        out.push_str(&serde_json::Value::String(s).to_string());
                    } else {
                        out.push_str(&s);
                    }
                }
                other => {
                    return Err(format!(
                        "format: the verb %{} is not evaluated",
                        other.map(String::from).unwrap_or_default()
                    ));
                }
            }
        }
        Ok(Value::String(out))
    }

    fn concat(args: FuncArgs) -> Result<Value, String> {
        let mut out = Vec::new();
        for v in args.into_values() {
            out.extend(list_arg(&v, "concat's arguments")?);
        }
        Ok(Value::Array(out))
    }

    fn merge(args: FuncArgs) -> Result<Value, String> {
        let mut out = hcl::Map::new();
        for v in args.into_values() {
            match v {
                Value::Object(m) => out.extend(m),
                Value::Null => {}
                _ => return Err("merge's arguments must be objects".into()),
            }
        }
        Ok(Value::Object(out))
    }

    fn flatten(args: FuncArgs) -> Result<Value, String> {
        fn walk(v: Value, out: &mut Vec<Value>) {
            match v {
                Value::Array(a) => a.into_iter().for_each(|x| walk(x, out)),
                other => out.push(other),
            }
        }
        let mut out = Vec::new();
        walk(
            Value::Array(list_arg(&args[0], "flatten's argument")?),
            &mut out,
        );
        Ok(Value::Array(out))
    }

    fn dedup(list: Vec<Value>) -> Vec<Value> {
        let mut out: Vec<Value> = Vec::new();
        for v in list {
            if !out.contains(&v) {
                out.push(v);
            }
        }
        out
    }

    fn distinct(args: FuncArgs) -> Result<Value, String> {
        Ok(Value::Array(dedup(list_arg(
            &args[0],
            "distinct's argument",
        )?)))
    }

    fn tolist(args: FuncArgs) -> Result<Value, String> {
        Ok(Value::Array(list_arg(&args[0], "tolist's argument")?))
    }

    fn toset(args: FuncArgs) -> Result<Value, String> {
        Ok(Value::Array(dedup(list_arg(&args[0], "toset's argument")?)))
    }

    /// Drops empty strings and nulls; a placeholder stays (its value may not be empty).
    fn compact(args: FuncArgs) -> Result<Value, String> {
        Ok(Value::Array(
            list_arg(&args[0], "compact's argument")?
                .into_iter()
                .filter(|v| !matches!(v, Value::Null) && v.as_str() != Some(""))
                .collect(),
        ))
    }

    fn join(args: FuncArgs) -> Result<Value, String> {
        let sep = str_arg(&args[0], "join's separator")?;
        let parts: Result<Vec<String>, String> = list_arg(&args[1], "join's list")?
            .iter()
            .map(|v| str_arg(v, "join's elements"))
            .collect();
        Ok(Value::String(parts?.join(&sep)))
    }

    fn split(args: FuncArgs) -> Result<Value, String> {
        let sep = str_arg(&args[0], "split's separator")?;
        let s = str_arg(&args[1], "split's string")?;
        if unknown_in(&s).is_some() {
            return Err("split: the string is known only after apply".into());
        }
        Ok(Value::Array(
            s.split(sep.as_str())
                .map(|p| Value::String(p.to_owned()))
                .collect(),
        ))
    }

    fn lower(args: FuncArgs) -> Result<Value, String> {
        Ok(Value::String(
            str_arg(&args[0], "lower's argument")?.to_lowercase(),
        ))
    }

    fn upper(args: FuncArgs) -> Result<Value, String> {
        Ok(Value::String(
            str_arg(&args[0], "upper's argument")?.to_uppercase(),
        ))
    }

    fn trimspace(args: FuncArgs) -> Result<Value, String> {
        Ok(Value::String(
            str_arg(&args[0], "trimspace's argument")?.trim().to_owned(),
        ))
    }

    fn tostring(args: FuncArgs) -> Result<Value, String> {
        Ok(Value::String(str_arg(&args[0], "tostring's argument")?))
    }

    fn read(path: &str) -> Result<String, String> {
        if unknown_in(path).is_some() {
            return Err("the file name is known only after apply".into());
        }
        let p = Path::new(path);
        let full = if p.is_absolute() {
            p.to_path_buf()
        } else {
            ROOT.with(|r| r.borrow().join(p))
        };
        let meta = std::fs::metadata(&full).map_err(|e| format!("{path}: {e}"))?;
        // Regular files only: a device or a pipe could block or never end.
        if !meta.is_file() {
            return Err(format!("{path} is not a regular file"));
        }
        let file = std::fs::File::open(&full).map_err(|e| format!("{path}: {e}"))?;
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut std::io::Read::take(file, MAX_FILE_BYTES + 1),
            &mut text,
        )
        .map_err(|e| format!("{path}: {e}"))?;
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(format!("{path} is larger than {MAX_FILE_BYTES} bytes"));
        }
        Ok(text)
    }

    fn file(args: FuncArgs) -> Result<Value, String> {
        read(&str_arg(&args[0], "file's argument")?).map(Value::String)
    }

    fn templatefile(args: FuncArgs) -> Result<Value, String> {
        let text = read(&str_arg(&args[0], "templatefile's path")?)?;
        crate::locate::check_template_brackets(&text)
            .map_err(|e| format!("templatefile: not a valid template ({e})"))?;
        let Value::Object(vars) = &args[1] else {
            return Err("templatefile's variables must be an object".into());
        };
        let template: hcl::Template = text
            .parse()
            .map_err(|e: hcl::Error| format!("templatefile: {}", one_line(&e.to_string())))?;
        if template_arithmetic(&template) {
            return Err(format!("templatefile: {ARITHMETIC}"));
        }
        let root = ROOT.with(|r| r.borrow().clone());
        let mut ctx = context(&root, &root);
        for (k, v) in vars {
            ctx.declare_var(k.as_str(), v.clone());
        }
        if text.contains("%{") && value_has_placeholder(&Value::Object(vars.clone())) {
            return Err(
                "templatefile: a template directive may decide on a value known only after apply"
                    .into(),
            );
        }
        template
            .evaluate(&ctx)
            .map(Value::String)
            .map_err(|e| format!("templatefile: {}", one_line(&e.to_string())))
    }
}

/// Evaluates every attribute of an HCL text (for the fuzz target): parsing, functions,
/// placeholders and refusals must never panic or hang.
#[doc(hidden)]
pub fn fuzz_evaluate(text: &str) {
    if crate::locate::check_brackets(text).is_err() {
        return;
    }
    let Ok(body) = hcl::parse(text) else { return };
    let mut ph = Placeholders::default();
    let mut var = hcl::Map::new();
    var.insert("later".to_owned(), ph.unknown("later".into()));
    var.insert("name".to_owned(), Value::from("kms-admin"));
    let var = Value::Object(var);
    let empty = Value::Object(Default::default());
    let dir = std::env::temp_dir();
    let ctx = base_context(&var, &empty, &empty, &dir, &dir);
    let mut exprs: Vec<Expression> = body.attributes().map(|a| a.expr().clone()).collect();
    for b in body.blocks() {
        exprs.extend(b.body().attributes().map(|a| a.expr().clone()));
    }
    for e in exprs.iter().take(64) {
        if let Ok(Value::String(s)) = evaluate(e, &ctx, &ph) {
            let _ = crate::policy::Policy::parse(&escape_placeholders(&s));
        }
    }
}

#[cfg(test)]
mod tests;
