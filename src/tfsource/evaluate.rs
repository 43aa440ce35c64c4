//! Evaluating a block's attribute in a module instance: input variables through the module
//! calls that set them, locals on demand, module outputs, `count`/`each`, `path.*`, and the
//! resources and data sources that the plan knows ([`Facts`]).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use super::config::{Config, Module, Place};
use super::eval::value::{Value, from_json};
use super::eval::{Budget, DEFAULT_BUDGET, EvalError, Evaluator, Result, Scope};
use super::syntax::ast::Block;
use crate::plan::address::{InstanceKey, Mode, ModuleInstance};

/// What the plan knows about the things an expression may name.
pub(crate) trait Facts {
    /// `TYPE.NAME` (or `data.TYPE.NAME`) in a module instance, as Terraform exposes it: an
    /// object, a list of them (`count`) or a map of them (`for_each`). `None` when the inputs
    /// do not show the resource.
    fn resource(
        &self,
        instance: &ModuleInstance,
        mode: Mode,
        rtype: &str,
        name: &str,
    ) -> Option<Value>;

    /// A root module input variable's value in the plan.
    fn root_variable(&self, name: &str) -> Option<Value>;
}

/// An object of which some attributes are known: reading any other gives an unknown value
/// that says `what` it belongs to.
pub(crate) fn resource_object(known: BTreeMap<String, Value>, what: &str) -> Value {
    Value::Partial(Rc::new(known), Rc::from(what))
}

/// A policy evaluated from the source.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Evaluated {
    /// The policy's JSON text; values known only after apply are placeholders in it.
    pub text: String,
    /// Where the block that sets it is.
    pub place: Place,
}

/// One run's evaluation of source: the module instances, their variables and locals, and
/// the work budget, shared by every key.
pub(crate) struct Evaluation<'c> {
    config: &'c Config,
    facts: &'c dyn Facts,
    budget: Budget,
    depth: Cell<usize>,
    instances: RefCell<HashMap<ModuleInstance, std::result::Result<Rc<Instance>, String>>>,
}

enum Slot {
    Busy,
    Done(Result<Value>),
}

struct Instance {
    address: ModuleInstance,
    module: Rc<Module>,
    /// The calling instance, the call, and its `count.index` or `each.key`.
    parent: Option<(Rc<Instance>, String, Option<Value>)>,
    vars: RefCell<HashMap<String, Slot>>,
    locals: RefCell<HashMap<String, Slot>>,
    outputs: RefCell<HashMap<String, Slot>>,
}

impl<'c> Evaluation<'c> {
    pub(crate) fn new(config: &'c Config, facts: &'c dyn Facts) -> Evaluation<'c> {
        Evaluation {
            config,
            facts,
            budget: Budget::new(DEFAULT_BUDGET),
            depth: Cell::new(0),
            instances: RefCell::new(HashMap::new()),
        }
    }

    fn instance(&self, address: &ModuleInstance) -> std::result::Result<Rc<Instance>, String> {
        if let Some(i) = self.instances.borrow().get(address) {
            return i.clone();
        }
        let made = self.make_instance(address);
        self.instances
            .borrow_mut()
            .insert(address.clone(), made.clone());
        made
    }

    fn make_instance(&self, address: &ModuleInstance) -> std::result::Result<Rc<Instance>, String> {
        let Some(step) = address.0.last() else {
            let module = self.config.module(&self.config.root)?;
            return Ok(Rc::new(Instance::new(ModuleInstance::root(), module, None)));
        };
        let parent = self.instance(&address.parent().unwrap_or_default())?;
        let folder = parent.module.call_folder(&step.call)?;
        let module = self.config.module(&folder)?;
        let key = step.key.as_ref().map(|k| match k {
            InstanceKey::Int(n) => Value::Number(*n as f64),
            InstanceKey::Str(s) => Value::string(s.as_str()),
        });
        Ok(Rc::new(Instance::new(
            address.clone(),
            module,
            Some((parent, step.call.clone(), key)),
        )))
    }

    fn child(
        &self,
        parent: &Instance,
        call: &str,
        key: Option<&Value>,
    ) -> std::result::Result<Rc<Instance>, String> {
        let key = match key {
            None => None,
            Some(Value::Number(n)) if *n >= 0.0 && n.fract() == 0.0 => {
                Some(InstanceKey::Int(*n as u64))
            }
            Some(Value::String(s)) => Some(InstanceKey::Str(s.to_string())),
            Some(_) => return Err(format!("module.{call} has no instance with that key")),
        };
        self.instance(&parent.address.child(call, key))
    }

    fn evaluator<'s>(&'s self, scope: &'s InstanceScope<'s, 'c>) -> Evaluator<'s> {
        Evaluator::new(&self.budget, &self.depth, scope)
    }

    /// Evaluates the `policy` of the block `TYPE.NAME` (instance key `index`, as the plan
    /// writes it: `0`, `"name"`) in a module instance.
    pub(crate) fn policy(
        &self,
        instance: &ModuleInstance,
        rtype: &str,
        name: &str,
        index_text: Option<&str>,
    ) -> std::result::Result<Evaluated, String> {
        let inst = self.instance(instance)?;
        let block_key = format!("{rtype}.{name}");
        let decl = inst.module.resources.get(&block_key).ok_or_else(|| {
            format!(
                "resource \"{}\" \"{}\" is not in {}",
                rtype,
                name,
                self.config.shown(&inst.module.dir)
            )
        })?;
        let expr = &decl
            .item
            .body
            .attribute("policy")
            .ok_or_else(|| format!("{} in {} sets no policy", &block_key, decl.place.file))?
            .expr;
        let key = match index_text {
            Some(t) => Some(
                serde_json::from_str::<serde_json::Value>(t)
                    .ok()
                    .map(|v| from_json(&v))
                    .ok_or_else(|| format!("cannot read the instance key {}", t))?,
            ),
            None => None,
        };
        let scope = self.block_scope(&inst, &decl.item, key.as_ref());
        let value = self
            .evaluator(&scope)
            .eval(expr)
            .map_err(|e| e.to_string())?;
        let text = match value {
            Value::String(s) => escape_placeholders(&s),
            Value::Null => return Err(format!("the policy of {} is null", &block_key)),
            Value::Unknown(w) | Value::Partial(_, w) => {
                return Err(format!(
                    "the source does not tell the policy of {}: it is {}",
                    &block_key, &w
                ));
            }
            other => {
                return Err(format!(
                    "the policy of {} is a {}, not a string",
                    &block_key,
                    other.type_name()
                ));
            }
        };
        Ok(Evaluated {
            text,
            place: decl.place.clone(),
        })
    }

    /// The scope of one instance of a block: `count.index` or `each` from its key.
    fn block_scope<'s>(
        &'s self,
        inst: &Rc<Instance>,
        block: &Block,
        key: Option<&Value>,
    ) -> InstanceScope<'s, 'c> {
        let mut scope = InstanceScope {
            ev: self,
            inst: inst.clone(),
            count: None,
            each: None,
        };
        let Some(key) = key else { return scope };
        if block.body.attribute("count").is_some() || matches!(key, Value::Number(_)) {
            scope.count = Some(key.clone());
        }
        if let Some(fe) = block.body.attribute("for_each") {
            let plain = InstanceScope {
                ev: self,
                inst: inst.clone(),
                count: None,
                each: None,
            };
            let value = match self.evaluator(&plain).eval(&fe.expr) {
                Ok(Value::Object(o)) => key
                    .to_str()
                    .and_then(|k| o.get(k.as_ref()).cloned())
                    .unwrap_or_else(|| Value::unknown("each.value")),
                Ok(Value::List(_)) => key.clone(),
                Ok(Value::Unknown(w)) => Value::unknown(format!("each.value, from {w}")),
                _ => Value::unknown("each.value"),
            };
            scope.count = None;
            scope.each = Some((key.clone(), value));
        }
        scope
    }

    fn variable(&self, inst: &Rc<Instance>, name: &str) -> Result<Value> {
        match inst.vars.borrow().get(name) {
            Some(Slot::Done(v)) => return v.clone(),
            Some(Slot::Busy) => {
                return Err(EvalError::msg(format!(
                    "var.{} refers to itself through module outputs",
                    name
                )));
            }
            None => {}
        }
        inst.vars.borrow_mut().insert(name.to_owned(), Slot::Busy);
        let v = self.compute_variable(inst, name);
        inst.vars
            .borrow_mut()
            .insert(name.to_owned(), Slot::Done(v.clone()));
        v
    }

    fn compute_variable(&self, inst: &Rc<Instance>, name: &str) -> Result<Value> {
        let Some(default) = inst.module.variables.get(name) else {
            return Err(EvalError::msg(format!(
                "var.{} is not declared in {}",
                name,
                self.config.shown(&inst.module.dir)
            )));
        };
        match &inst.parent {
            None => {
                if let Some(v) = self.facts.root_variable(name) {
                    return Ok(v);
                }
            }
            Some((parent, call, key)) => {
                let call_block = &parent
                    .module
                    .module_calls
                    .get(call)
                    .ok_or_else(|| EvalError::msg(format!("module \"{}\" is not declared", call)))?
                    .item;
                if let Some(a) = call_block.body.attribute(name) {
                    let scope = self.block_scope(parent, call_block, key.as_ref());
                    return self.evaluator(&scope).eval(&a.expr);
                }
            }
        }
        match default {
            Some(d) => {
                let scope = InstanceScope {
                    ev: self,
                    inst: inst.clone(),
                    count: None,
                    each: None,
                };
                self.evaluator(&scope).eval(d)
            }
            None if inst.parent.is_none() => Ok(Value::unknown(format!(
                "var.{name}, which the plan gives no value"
            ))),
            None => Ok(Value::Null),
        }
    }

    fn local(&self, inst: &Rc<Instance>, name: &str) -> Result<Value> {
        match inst.locals.borrow().get(name) {
            Some(Slot::Done(v)) => return v.clone(),
            Some(Slot::Busy) => {
                return Err(EvalError::msg(format!("local.{} refers to itself", name)));
            }
            None => {}
        }
        let Some(expr) = inst.module.locals.get(name) else {
            return Err(EvalError::msg(format!(
                "local.{} is not declared in {}",
                name,
                self.config.shown(&inst.module.dir)
            )));
        };
        inst.locals.borrow_mut().insert(name.to_owned(), Slot::Busy);
        let scope = InstanceScope {
            ev: self,
            inst: inst.clone(),
            count: None,
            each: None,
        };
        let v = self.evaluator(&scope).eval(expr);
        inst.locals
            .borrow_mut()
            .insert(name.to_owned(), Slot::Done(v.clone()));
        v
    }

    fn output(&self, inst: &Rc<Instance>, name: &str) -> Result<Value> {
        match inst.outputs.borrow().get(name) {
            Some(Slot::Done(v)) => return v.clone(),
            Some(Slot::Busy) => {
                return Err(EvalError::msg(format!(
                    "output \"{}\" refers to itself",
                    name
                )));
            }
            None => {}
        }
        inst.outputs
            .borrow_mut()
            .insert(name.to_owned(), Slot::Busy);
        let v = match inst.module.outputs.get(name) {
            Some(expr) => {
                let scope = InstanceScope {
                    ev: self,
                    inst: inst.clone(),
                    count: None,
                    each: None,
                };
                self.evaluator(&scope).eval(expr)
            }
            None => Err(EvalError::msg(format!(
                "output \"{}\" is not declared in {}",
                name,
                self.config.shown(&inst.module.dir)
            ))),
        };
        inst.outputs
            .borrow_mut()
            .insert(name.to_owned(), Slot::Done(v.clone()));
        v
    }

    /// `TYPE.NAME` or `data.TYPE.NAME` in an instance.
    fn resource(&self, inst: &Instance, data: bool, rtype: &str, name: &str) -> Option<Value> {
        let key = if data {
            format!("data.{rtype}.{name}")
        } else {
            format!("{rtype}.{name}")
        };
        let mode = if data { Mode::Data } else { Mode::Managed };
        if let Some(v) = self.facts.resource(&inst.address, mode, rtype, name) {
            return Some(v);
        }
        let declared = inst.module.resources.contains_key(&key);
        let absolute = inst.address.absolute(&key);
        Some(if declared {
            Value::unknown(format!("{absolute} (known after apply)"))
        } else {
            Value::unknown(format!("{absolute}, which kmsguard did not find"))
        })
    }

    /// The names of the resources (or data sources) of one type declared in an instance.
    fn names_of(&self, inst: &Instance, data: bool, rtype: &str) -> Vec<String> {
        let prefix = if data {
            format!("data.{rtype}.")
        } else {
            format!("{rtype}.")
        };
        let mut names: Vec<String> = inst
            .module
            .resources
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix).map(str::to_owned))
            .filter(|n| !n.contains('.'))
            .collect();
        names.sort();
        names
    }
}

impl Instance {
    fn new(
        address: ModuleInstance,
        module: Rc<Module>,
        parent: Option<(Rc<Instance>, String, Option<Value>)>,
    ) -> Instance {
        Instance {
            address,
            module,
            parent,
            vars: RefCell::default(),
            locals: RefCell::default(),
            outputs: RefCell::default(),
        }
    }
}

/// A placeholder interpolated into a heredoc or a file is a raw control character inside a
/// JSON string: escape it as JSON would, so the policy stays valid JSON.
fn escape_placeholders(s: &str) -> String {
    s.replace('\u{1}', "\\u0001").replace('\u{2}', "\\u0002")
}

/// The names an expression in one module instance sees.
struct InstanceScope<'s, 'c> {
    ev: &'s Evaluation<'c>,
    inst: Rc<Instance>,
    count: Option<Value>,
    each: Option<(Value, Value)>,
}

impl InstanceScope<'_, '_> {
    fn all_of(&self, data: bool, rtype: &str) -> Value {
        let mut o = BTreeMap::new();
        for n in self.ev.names_of(&self.inst, data, rtype) {
            if let Some(v) = self.ev.resource(&self.inst, data, rtype, &n) {
                o.insert(n, v);
            }
        }
        Value::object(o)
    }
}

impl Scope for InstanceScope<'_, '_> {
    fn root(&self, ev: &Evaluator, name: &str) -> Result<Value> {
        let obj = |pairs: Vec<(&str, Value)>| {
            Value::object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
        };
        Ok(match name {
            "var" => {
                let mut names: Vec<&String> = self.inst.module.variables.keys().collect();
                names.sort();
                let mut o = BTreeMap::new();
                for n in names {
                    o.insert(n.clone(), ev.deeper(|| self.ev.variable(&self.inst, n))?);
                }
                Value::object(o)
            }
            "local" => {
                let mut names: Vec<&String> = self.inst.module.locals.keys().collect();
                names.sort();
                let mut o = BTreeMap::new();
                for n in names {
                    o.insert(n.clone(), ev.deeper(|| self.ev.local(&self.inst, n))?);
                }
                Value::object(o)
            }
            "module" => Value::unknown("the outputs of every module call"),
            "path" => {
                let module = self
                    .ev
                    .config
                    .root
                    .as_path()
                    .pipe_relative(&self.inst.module.dir);
                obj(vec![
                    ("module", Value::string(module)),
                    ("root", Value::string(".")),
                    ("cwd", Value::string(".")),
                ])
            }
            "count" => match &self.count {
                Some(i) => obj(vec![("index", i.clone())]),
                None => return Err(EvalError::msg("count.index is used where no count is set")),
            },
            "each" => match &self.each {
                Some((k, v)) => obj(vec![("key", k.clone()), ("value", v.clone())]),
                None => return Err(EvalError::msg("each is used where no for_each is set")),
            },
            "terraform" => obj(vec![("workspace", Value::unknown("terraform.workspace"))]),
            "data" => {
                let mut types: Vec<String> = self
                    .inst
                    .module
                    .resources
                    .keys()
                    .filter_map(|k| k.strip_prefix("data."))
                    .filter_map(|k| k.split('.').next().map(str::to_owned))
                    .collect();
                types.sort();
                types.dedup();
                let mut o = BTreeMap::new();
                for t in types {
                    let v = self.all_of(true, &t);
                    o.insert(t, v);
                }
                Value::object(o)
            }
            rtype if !self.ev.names_of(&self.inst, false, rtype).is_empty() => {
                self.all_of(false, rtype)
            }
            other => {
                return Err(EvalError::msg(format!("`{}` is not known here", other)));
            }
        })
    }

    fn member(&self, ev: &Evaluator, ns: &str, name: &str) -> Result<Option<Value>> {
        Ok(Some(match ns {
            "var" => ev.deeper(|| self.ev.variable(&self.inst, name))?,
            "local" => ev.deeper(|| self.ev.local(&self.inst, name))?,
            "data" => self.all_of(true, name),
            "module" => {
                let inst = self
                    .ev
                    .child(&self.inst, name, None)
                    .map_err(EvalError::Message)?;
                let mut names: Vec<&String> = inst.module.outputs.keys().collect();
                names.sort();
                let mut o = BTreeMap::new();
                for n in names {
                    o.insert(n.clone(), ev.deeper(|| self.ev.output(&inst, n))?);
                }
                Value::object(o)
            }
            "count" | "each" | "path" | "terraform" | "self" => return Ok(None),
            rtype if rtype.contains('_') => {
                match self.ev.resource(&self.inst, false, rtype, name) {
                    Some(v) => v,
                    None => return Ok(None),
                }
            }
            _ => return Ok(None),
        }))
    }

    fn module_output(
        &self,
        ev: &Evaluator,
        call: &str,
        key: Option<&Value>,
        output: &str,
    ) -> Result<Option<Value>> {
        let inst = self
            .ev
            .child(&self.inst, call, key)
            .map_err(EvalError::Message)?;
        ev.deeper(|| self.ev.output(&inst, output)).map(Some)
    }

    fn read_file(&self, path: &str) -> std::result::Result<String, Value> {
        let config = self.ev.config;
        let full = if std::path::Path::new(path).is_absolute() {
            std::path::PathBuf::from(path)
        } else {
            config.root.join(path)
        };
        config
            .sandbox
            .read(&full, super::sandbox::MAX_FILE_BYTES)
            .map_err(|r| {
                Value::unknown(format!(
                    "the content of {} (the file {r}, so kmsguard does not read it)",
                    path
                ))
            })
    }
}

trait RelativeTo {
    fn pipe_relative(&self, dir: &std::path::Path) -> String;
}

impl RelativeTo for std::path::Path {
    /// `dir` relative to `self` (`.` for itself), as `path.module` gives it.
    fn pipe_relative(&self, dir: &std::path::Path) -> String {
        let base: Vec<_> = self.components().collect();
        let target: Vec<_> = dir.components().collect();
        let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
        let mut parts: Vec<String> = Vec::new();
        parts.extend(std::iter::repeat_n("..".to_owned(), base.len() - common));
        parts.extend(
            target[common..]
                .iter()
                .map(|c| c.as_os_str().to_string_lossy().into_owned()),
        );
        if parts.is_empty() {
            ".".to_owned()
        } else {
            parts.join("/")
        }
    }
}
