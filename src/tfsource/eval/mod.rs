//! Evaluating Terraform expressions with what the plan knows.
//!
//! Three properties matter more than completeness:
//!
//! - **Never guess.** A value the plan does not give is [`Value::Unknown`]; a comparison, a
//!   condition, a `for` over it, or a function of it is unknown too. An expression kmsguard
//!   cannot evaluate (a function it does not implement) gives an unknown value that names the
//!   function, never a made-up one.
//! - **Bounded work.** Every node evaluated and every value built is paid for from a
//!   [`Budget`]; nesting is bounded ([`MAX_DEPTH`]); locals are evaluated on demand, once.
//!   A hostile configuration ends with an error, not with the machine's memory or time.
//! - **No data in messages.** Errors say what went wrong and where, never a value (a value may
//!   come from a file).

mod functions;
pub(crate) mod value;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use super::syntax::ast::{BinOp, Expr, ExprKind, ForExpr, ObjectKey, Template, TemplatePart, UnOp};
pub(crate) use value::Value;

/// How deeply evaluation may recurse: expressions nested in expressions, locals that refer to
/// locals, module outputs through module outputs.
pub(crate) const MAX_DEPTH: usize = 60_000;

/// The work one run may spend evaluating source, in units of about one expression node or one
/// element of a value built. Real configurations use thousands.
pub(crate) const DEFAULT_BUDGET: u64 = 20_000_000;

/// Values larger than this (elements, or string bytes / 32) are refused.
pub(crate) const MAX_VALUE_WEIGHT: u64 = 1 << 20;

/// Why an expression has no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EvalError {
    /// The run's evaluation budget is spent (never caught by `try`).
    Budget,
    /// Nested too deeply (never caught by `try`).
    TooDeep,
    /// What is wrong, in words, without the values involved.
    Message(String),
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::Budget => write!(
                f,
                "evaluating the source takes more than kmsguard's budget of {DEFAULT_BUDGET} steps"
            ),
            EvalError::TooDeep => write!(
                f,
                "the source nests expressions or references more than {MAX_DEPTH} levels deep"
            ),
            EvalError::Message(m) => f.write_str(m),
        }
    }
}

impl EvalError {
    pub(crate) fn msg(m: impl Into<String>) -> EvalError {
        EvalError::Message(m.into())
    }

    /// Errors that `try` and `can` may catch: not resource exhaustion.
    fn catchable(&self) -> bool {
        matches!(self, EvalError::Message(_))
    }
}

pub(crate) type Result<T> = std::result::Result<T, EvalError>;

/// The work left for a run.
#[derive(Debug)]
pub(crate) struct Budget {
    left: Cell<u64>,
}

impl Budget {
    pub(crate) fn new(units: u64) -> Budget {
        Budget {
            left: Cell::new(units),
        }
    }

    pub(crate) fn charge(&self, units: u64) -> Result<()> {
        let left = self.left.get();
        if units > left {
            self.left.set(0);
            return Err(EvalError::Budget);
        }
        self.left.set(left - units);
        Ok(())
    }
}

/// What an expression's names refer to, in one module instance.
pub(crate) trait Scope {
    /// A root name that no `for` or splat binds: `var`, `local`, `module`, `data`, `path`,
    /// `count`, `each`, `terraform`, a resource type.
    fn root(&self, ev: &Evaluator, name: &str) -> Result<Value>;

    /// `ns.name` for the namespaces evaluated on demand (`var`, `local`, `module`): `None`
    /// when `ns` is not one of them (a scope without any: always `None`).
    fn member(&self, _ev: &Evaluator, _ns: &str, _name: &str) -> Result<Option<Value>> {
        Ok(None)
    }

    /// `module.CALL[KEY].OUTPUT`, evaluated on demand (a scope without modules: `None`).
    fn module_output(
        &self,
        _ev: &Evaluator,
        _call: &str,
        _key: Option<&Value>,
        _output: &str,
    ) -> Result<Option<Value>> {
        Ok(None)
    }

    /// The text of a file named in `file()` / `templatefile()`, relative to the root module
    /// (as Terraform reads it), or an unknown value saying why it is not read.
    fn read_file(&self, path: &str) -> std::result::Result<String, Value>;
}

/// Evaluates expressions in one scope.
pub(crate) struct Evaluator<'e> {
    pub budget: &'e Budget,
    pub scope: &'e dyn Scope,
    depth: &'e Cell<usize>,
    /// Names bound by `for` expressions and template `for` directives, innermost last.
    bindings: RefCell<Vec<(String, Value)>>,
    /// The elements of the splats being evaluated, innermost last.
    splat: RefCell<Vec<Value>>,
    /// Inside a template file (`templatefile`): no nested `templatefile`, as in Terraform.
    pub in_template_file: bool,
}

impl<'e> Evaluator<'e> {
    pub(crate) fn new(budget: &'e Budget, depth: &'e Cell<usize>, scope: &'e dyn Scope) -> Self {
        Evaluator {
            budget,
            scope,
            depth,
            bindings: RefCell::new(Vec::new()),
            splat: RefCell::new(Vec::new()),
            in_template_file: false,
        }
    }

    /// Runs `f` one level deeper.
    pub(crate) fn deeper<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let d = self.depth.get();
        if d >= MAX_DEPTH {
            return Err(EvalError::TooDeep);
        }
        self.depth.set(d + 1);
        let r = f();
        self.depth.set(d);
        r
    }

    /// Charges for a value built, refusing one that is too large.
    fn built(&self, v: Value) -> Result<Value> {
        let w = v.weight();
        if w > MAX_VALUE_WEIGHT {
            return Err(EvalError::msg(format!(
                "a value has more than {MAX_VALUE_WEIGHT} elements"
            )));
        }
        self.budget.charge(w)?;
        Ok(v)
    }

    pub(crate) fn eval(&self, e: &Expr) -> Result<Value> {
        self.budget.charge(1)?;
        self.deeper(|| self.eval_kind(e))
    }

    fn eval_kind(&self, e: &Expr) -> Result<Value> {
        Ok(match &e.kind {
            ExprKind::Null => Value::Null,
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::Number(n) => Value::Number(*n),
            ExprKind::Template(t) => return self.template(t),
            ExprKind::Tuple(items) => {
                let mut out = Vec::with_capacity(items.len());
                for x in items {
                    out.push(self.eval(x)?);
                }
                self.built(Value::list(out))?
            }
            ExprKind::Object(items) => {
                let mut out = BTreeMap::new();
                for (k, x) in items {
                    let key = match k {
                        ObjectKey::Ident(name) => name.clone(),
                        ObjectKey::Expr(ke) => match self.eval(ke)? {
                            Value::Unknown(w) => return Ok(Value::Unknown(w)),
                            v => match v.to_str() {
                                Some(s) if !value::has_marker(&s) => s.into_owned(),
                                Some(_) => {
                                    return Ok(Value::unknown(
                                        "an object whose keys are known only after apply",
                                    ));
                                }
                                None => {
                                    return Err(EvalError::msg(format!(
                                        "an object key must be a string, not a {}",
                                        v.type_name()
                                    )));
                                }
                            },
                        },
                    };
                    out.insert(key, self.eval(x)?);
                }
                self.built(Value::object(out))?
            }
            ExprKind::Variable(name) => return self.variable(name),
            ExprKind::GetAttr(base, name) => {
                if let ExprKind::Variable(ns) = &base.kind {
                    if !self.is_bound(ns) {
                        if let Some(v) = self.scope.member(self, ns, name)? {
                            return Ok(v);
                        }
                    }
                }
                if let Some(v) = self.module_output(base, name)? {
                    return Ok(v);
                }
                let v = self.eval(base)?;
                get_attr(&v, name)?
            }
            ExprKind::Index(base, ix) => {
                let v = self.eval(base)?;
                let i = self.eval(ix)?;
                index(&v, &i)?
            }
            ExprKind::Splat { source, each } => {
                let v = self.eval(source)?;
                let items: Vec<Value> = match v {
                    Value::Unknown(w) => return Ok(Value::Unknown(w)),
                    Value::Null => Vec::new(),
                    Value::List(l) => l.as_ref().clone(),
                    other => vec![other],
                };
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    self.splat.borrow_mut().push(item);
                    let r = self.eval(each);
                    self.splat.borrow_mut().pop();
                    out.push(r?);
                }
                self.built(Value::list(out))?
            }
            ExprKind::SplatItem => self
                .splat
                .borrow()
                .last()
                .cloned()
                .ok_or_else(|| EvalError::msg("a splat item outside a splat"))?,
            ExprKind::Call {
                name,
                args,
                expand_last,
            } => return functions::call(self, name, args, *expand_last),
            ExprKind::For(f) => return self.for_expr(f),
            ExprKind::Conditional(c, t, f) => match self.eval(c)? {
                Value::Bool(true) => return self.eval(t),
                Value::Bool(false) => return self.eval(f),
                Value::Unknown(w) => Value::unknown(format!("a conditional on {w}")),
                v => {
                    return Err(EvalError::msg(format!(
                        "a condition must be a bool, not a {}",
                        v.type_name()
                    )));
                }
            },
            ExprKind::Binary(op, l, r) => {
                let l = self.eval(l)?;
                let r = self.eval(r)?;
                binary(*op, &l, &r)?
            }
            ExprKind::Unary(op, x) => {
                let v = self.eval(x)?;
                match (op, v) {
                    (_, Value::Unknown(w)) => Value::Unknown(w),
                    (UnOp::Not, Value::Bool(b)) => Value::Bool(!b),
                    (UnOp::Neg, v) => Value::Number(-number(&v)?),
                    (UnOp::Not, v) => {
                        return Err(EvalError::msg(format!(
                            "`!` needs a bool, not a {}",
                            v.type_name()
                        )));
                    }
                }
            }
            ExprKind::Paren(x) => return self.eval(x),
        })
    }

    fn is_bound(&self, name: &str) -> bool {
        self.bindings.borrow().iter().any(|(n, _)| n == name)
    }

    fn variable(&self, name: &str) -> Result<Value> {
        if let Some((_, v)) = self.bindings.borrow().iter().rev().find(|(n, _)| n == name) {
            return Ok(v.clone());
        }
        self.scope.root(self, name)
    }

    /// `module.CALL.OUTPUT` and `module.CALL[KEY].OUTPUT`, evaluated on demand.
    fn module_output(&self, base: &Expr, output: &str) -> Result<Option<Value>> {
        let (call_expr, key) = match &base.kind {
            ExprKind::Index(b, k) => (b.as_ref(), Some(k.as_ref())),
            _ => (base, None),
        };
        let ExprKind::GetAttr(root, call) = &call_expr.kind else {
            return Ok(None);
        };
        if !matches!(&root.kind, ExprKind::Variable(m) if m == "module" && !self.is_bound(m)) {
            return Ok(None);
        }
        let key = match key {
            Some(k) => Some(self.eval(k)?),
            None => None,
        };
        if let Some(Value::Unknown(w)) = &key {
            return Ok(Some(Value::Unknown(w.clone())));
        }
        self.scope.module_output(self, call, key.as_ref(), output)
    }

    /// Runs `f` with names bound.
    fn with_bindings<T>(&self, names: Vec<(String, Value)>, f: impl FnOnce() -> T) -> T {
        let n = names.len();
        self.bindings.borrow_mut().extend(names);
        let r = f();
        let mut b = self.bindings.borrow_mut();
        let len = b.len();
        b.truncate(len - n);
        r
    }

    /// Evaluates `body` with `name` (and `key`) bound to each element: the pairs of a list
    /// (index, element) or an object (key, value). `None` when the collection is unknown.
    fn elements(&self, v: Value) -> Result<Option<Vec<(Value, Value)>>> {
        Ok(Some(match v {
            Value::Unknown(_) | Value::Partial(..) => return Ok(None),
            Value::List(l) => l
                .iter()
                .enumerate()
                .map(|(i, x)| (Value::Number(i as f64), x.clone()))
                .collect(),
            Value::Object(o) => o
                .iter()
                .map(|(k, x)| (Value::string(k.as_str()), x.clone()))
                .collect(),
            Value::Null => {
                return Err(EvalError::msg("a for expression over null"));
            }
            v => {
                return Err(EvalError::msg(format!(
                    "a for expression needs a list or an object, not a {}",
                    v.type_name()
                )));
            }
        }))
    }

    fn for_expr(&self, f: &ForExpr) -> Result<Value> {
        let coll = self.eval(&f.collection)?;
        let what = coll.first_unknown();
        let Some(elements) = self.elements(coll)? else {
            return Ok(Value::unknown(format!(
                "a for expression over {}",
                what.unwrap_or_default()
            )));
        };
        let mut list = Vec::new();
        let mut object: BTreeMap<String, Value> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (k, v) in elements {
            self.budget.charge(1)?;
            let mut names = vec![(f.value_var.clone(), v)];
            if let Some(kv) = &f.key_var {
                names.push((kv.clone(), k));
            }
            enum Step {
                Skip,
                Undecided(std::rc::Rc<str>),
                Item(Option<Value>, Value),
            }
            let step = self.with_bindings(names, || -> Result<Step> {
                if let Some(c) = &f.condition {
                    match self.eval(c)? {
                        Value::Bool(true) => {}
                        Value::Bool(false) => return Ok(Step::Skip),
                        Value::Unknown(w) => return Ok(Step::Undecided(w)),
                        v => {
                            return Err(EvalError::msg(format!(
                                "a for condition must be a bool, not a {}",
                                v.type_name()
                            )));
                        }
                    }
                }
                let key = match &f.key {
                    Some(k) => Some(self.eval(k)?),
                    None => None,
                };
                Ok(Step::Item(key, self.eval(&f.value)?))
            })?;
            let (key, value) = match step {
                Step::Skip => continue,
                Step::Undecided(w) => {
                    return Ok(Value::unknown(format!("a for expression filtered on {w}")));
                }
                Step::Item(k, v) => (k, v),
            };
            match key {
                None => list.push(value),
                Some(Value::Unknown(w)) => {
                    return Ok(Value::unknown(format!(
                        "an object whose keys are known only after apply ({w})"
                    )));
                }
                Some(k) => {
                    let k = k
                        .to_str()
                        .filter(|s| !value::has_marker(s))
                        .map(|s| s.into_owned())
                        .ok_or_else(|| EvalError::msg("a for expression's key must be a string"))?;
                    if f.grouping {
                        groups.entry(k).or_default().push(value);
                    } else if object.insert(k, value).is_some() {
                        return Err(EvalError::msg(
                            "a for expression gives two values for one key (add `...` to group them)",
                        ));
                    }
                }
            }
        }
        if f.key.is_none() {
            return self.built(Value::list(list));
        }
        if f.grouping {
            object = groups
                .into_iter()
                .map(|(k, v)| (k, Value::list(v)))
                .collect();
        }
        self.built(Value::object(object))
    }

    /// A template's value: a string, or — for a template that is one interpolation — the
    /// interpolated value itself (as in Terraform).
    pub(crate) fn template(&self, t: &Template) -> Result<Value> {
        if let [TemplatePart::Interpolation(e)] = t.parts.as_slice() {
            return self.eval(e);
        }
        let mut out = String::new();
        if let Some(w) = self.render(t, &mut out)? {
            return Ok(Value::unknown(w));
        }
        self.built(Value::string(out))
    }

    /// Appends a template's text to `out`; `Some(what)` when a directive decides on an
    /// unknown value (the whole text is then unknown).
    fn render(&self, t: &Template, out: &mut String) -> Result<Option<String>> {
        for part in &t.parts {
            self.budget.charge(1)?;
            match part {
                TemplatePart::Literal(s) => out.push_str(s),
                TemplatePart::Interpolation(e) => {
                    let v = self.eval(e)?;
                    match v.to_str() {
                        Some(s) => out.push_str(&s),
                        None if v == Value::Null => {
                            return Err(EvalError::msg("a template interpolates null"));
                        }
                        None => {
                            return Err(EvalError::msg(format!(
                                "a template interpolates a {}, not a string",
                                v.type_name()
                            )));
                        }
                    }
                }
                TemplatePart::If {
                    condition,
                    then,
                    otherwise,
                } => {
                    let branch = match self.eval(condition)? {
                        Value::Bool(true) => then,
                        Value::Bool(false) => otherwise,
                        Value::Unknown(w) => return Ok(Some(format!("a template %{{if}} on {w}"))),
                        v => {
                            return Err(EvalError::msg(format!(
                                "a template %{{if}} needs a bool, not a {}",
                                v.type_name()
                            )));
                        }
                    };
                    if let Some(w) = self.deeper(|| self.render(branch, out))? {
                        return Ok(Some(w));
                    }
                }
                TemplatePart::For {
                    key_var,
                    value_var,
                    collection,
                    body,
                } => {
                    let coll = self.eval(collection)?;
                    let what = coll.first_unknown();
                    let Some(elements) = self.elements(coll)? else {
                        return Ok(Some(format!(
                            "a template %{{for}} over {}",
                            what.unwrap_or_default()
                        )));
                    };
                    for (k, v) in elements {
                        let mut names = vec![(value_var.clone(), v)];
                        if let Some(kv) = key_var {
                            names.push((kv.clone(), k));
                        }
                        let r =
                            self.with_bindings(names, || self.deeper(|| self.render(body, out)))?;
                        if let Some(w) = r {
                            return Ok(Some(w));
                        }
                    }
                }
            }
            if out.len() as u64 / 32 > MAX_VALUE_WEIGHT {
                return Err(EvalError::msg("a template renders more than 32 MiB"));
            }
        }
        Ok(None)
    }
}

/// `v.name`.
pub(crate) fn get_attr(v: &Value, name: &str) -> Result<Value> {
    match v {
        Value::Object(o) => o
            .get(name)
            .cloned()
            .ok_or_else(|| EvalError::msg(format!("the object has no attribute `{name}`"))),
        Value::Partial(o, w) => Ok(o
            .get(name)
            .cloned()
            .unwrap_or_else(|| Value::unknown(format!("the {name} of {w}")))),
        Value::Unknown(w) => Ok(Value::unknown(format!("{w}.{name}"))),
        Value::Null => Err(EvalError::msg(format!("`.{name}` of a null value"))),
        v => Err(EvalError::msg(format!(
            "`.{name}` of a {}, which has no attributes",
            v.type_name()
        ))),
    }
}

/// `v[i]`.
pub(crate) fn index(v: &Value, i: &Value) -> Result<Value> {
    match (v, i) {
        (Value::Unknown(w), _) => Ok(Value::unknown(format!("an element of {w}"))),
        (Value::Partial(..), Value::String(k)) => get_attr(v, k),
        (Value::Partial(_, w), _) => Ok(Value::unknown(format!("an element of {w}"))),
        (_, Value::Unknown(w)) => Ok(Value::unknown(format!("an element at {w}"))),
        (Value::List(l), i) => {
            let n = number(i)?;
            if n < 0.0 || n.fract() != 0.0 || n as usize >= l.len() {
                return Err(EvalError::msg(format!(
                    "index {} is out of range for a list of {}",
                    value::number_text(n),
                    l.len()
                )));
            }
            Ok(l[n as usize].clone())
        }
        (Value::Object(o), i) => {
            let k = i
                .to_str()
                .ok_or_else(|| EvalError::msg("an object key must be a string"))?;
            if value::has_marker(&k) {
                return Ok(Value::unknown("an element at a key known only after apply"));
            }
            o.get(k.as_ref())
                .cloned()
                .ok_or_else(|| EvalError::msg("the object has no element with that key"))
        }
        (Value::Null, _) => Err(EvalError::msg("an index into a null value")),
        (v, _) => Err(EvalError::msg(format!("an index into a {}", v.type_name()))),
    }
}

/// A value as a number (strings that hold numbers convert, as in Terraform).
pub(crate) fn number(v: &Value) -> Result<f64> {
    match v {
        Value::Number(n) => Ok(*n),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| EvalError::msg("a string that is not a number where a number is needed")),
        v => Err(EvalError::msg(format!(
            "a {} where a number is needed",
            v.type_name()
        ))),
    }
}

/// Structural equality; `None` when an unknown part decides it.
fn equal(a: &Value, b: &Value) -> Option<bool> {
    if a.has_unknown() || b.has_unknown() {
        return None;
    }
    Some(match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            for (p, q) in x.iter().zip(y.iter()) {
                if !equal(p, q)? {
                    return Some(false);
                }
            }
            true
        }
        (Value::Object(x), Value::Object(y)) => {
            if x.len() != y.len() || x.keys().ne(y.keys()) {
                return Some(false);
            }
            for (p, q) in x.values().zip(y.values()) {
                if !equal(p, q)? {
                    return Some(false);
                }
            }
            true
        }
        (a, b) => a == b,
    })
}

fn binary(op: BinOp, l: &Value, r: &Value) -> Result<Value> {
    let unknown = || {
        let w = l
            .first_unknown()
            .or_else(|| r.first_unknown())
            .unwrap_or_default();
        Value::unknown(format!("a `{}` on {w}", op.symbol()))
    };
    let boolean = |v: &Value| -> Result<Option<bool>> {
        match v {
            Value::Bool(b) => Ok(Some(*b)),
            Value::Unknown(_) => Ok(None),
            v => Err(EvalError::msg(format!(
                "`{}` needs bools, not a {}",
                op.symbol(),
                v.type_name()
            ))),
        }
    };
    Ok(match op {
        BinOp::And | BinOp::Or => {
            let (a, b) = (boolean(l)?, boolean(r)?);
            let decisive = op == BinOp::Or;
            match (a, b) {
                (Some(x), _) if x == decisive => Value::Bool(decisive),
                (_, Some(y)) if y == decisive => Value::Bool(decisive),
                (Some(_), Some(_)) => Value::Bool(!decisive),
                _ => unknown(),
            }
        }
        BinOp::Eq | BinOp::NotEq => match equal(l, r) {
            Some(e) => Value::Bool(e == (op == BinOp::Eq)),
            None => unknown(),
        },
        _ => {
            if l.has_unknown() || r.has_unknown() {
                return Ok(unknown());
            }
            let (a, b) = (number(l)?, number(r)?);
            match op {
                BinOp::Less => Value::Bool(a < b),
                BinOp::LessEq => Value::Bool(a <= b),
                BinOp::Greater => Value::Bool(a > b),
                BinOp::GreaterEq => Value::Bool(a >= b),
                BinOp::Add => Value::Number(a + b),
                BinOp::Sub => Value::Number(a - b),
                BinOp::Mul => Value::Number(a * b),
                BinOp::Div if b == 0.0 => return Err(EvalError::msg("division by zero")),
                BinOp::Div => Value::Number(a / b),
                BinOp::Mod if b == 0.0 => return Err(EvalError::msg("modulo by zero")),
                BinOp::Mod => Value::Number(a % b),
                _ => unreachable!("logical and equality operators are handled above"),
            }
        }
    })
}

#[cfg(test)]
mod tests;
