//! The Terraform functions that key policies and the modules that build them use.
//!
//! A function kmsguard does not implement gives an unknown value that names it: the policy
//! is then partly unknown, never wrong. With an unknown argument, a function's result is
//! unknown, except where the unknown part only fills a place in the result (an element of
//! `concat`, a value of `merge`, a part of `jsonencode` or `format`).

use std::collections::BTreeMap;

use super::value::{self, Value, to_json};
use super::{EvalError, Evaluator, Result, Scope};
use crate::tfsource::syntax::ast::Expr;
use crate::tfsource::syntax::parse_template;

/// Calls a function on unevaluated arguments (`try` and `can` need them so).
pub(super) fn call(ev: &Evaluator, name: &str, args: &[Expr], expand_last: bool) -> Result<Value> {
    match name {
        "try" => return try_(ev, args),
        "can" => return can(ev, args),
        _ => {}
    }
    let mut values = Vec::with_capacity(args.len());
    for a in args {
        values.push(ev.eval(a)?);
    }
    if expand_last {
        match values.pop() {
            Some(Value::List(l)) => values.extend(l.iter().cloned()),
            Some(Value::Unknown(w)) => {
                return Ok(Value::unknown(format!("{name}(…) of {w}")));
            }
            Some(v) => {
                return Err(EvalError::msg(format!(
                    "`...` expands a list, not a {}",
                    v.type_name()
                )));
            }
            None => {}
        }
    }
    let r = apply(ev, name, values)?;
    ev.built(r)
}

fn arity(name: &str, args: &[Value], min: usize, max: usize) -> Result<()> {
    if args.len() < min || args.len() > max {
        let want = if min == max {
            format!("{min}")
        } else if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(EvalError::msg(format!(
            "{name} takes {want} argument(s), not {}",
            args.len()
        )));
    }
    Ok(())
}

/// The unknown result of a function of an unknown argument.
fn unknown_result(name: &str, args: &[Value]) -> Value {
    let w = args
        .iter()
        .find_map(Value::first_unknown)
        .unwrap_or_default();
    Value::unknown(format!("{name}(…) of {w}"))
}

fn string<'v>(name: &str, v: &'v Value) -> Result<std::borrow::Cow<'v, str>> {
    match v {
        Value::List(_) | Value::Object(_) | Value::Null => Err(EvalError::msg(format!(
            "{name} needs a string, not a {}",
            v.type_name()
        ))),
        v => Ok(v.to_str().unwrap_or_default()),
    }
}

fn list<'v>(name: &str, v: &'v Value) -> Result<&'v [Value]> {
    match v {
        Value::List(l) => Ok(l),
        v => Err(EvalError::msg(format!(
            "{name} needs a list, not a {}",
            v.type_name()
        ))),
    }
}

fn object<'v>(name: &str, v: &'v Value) -> Result<&'v BTreeMap<String, Value>> {
    match v {
        Value::Object(o) => Ok(o),
        v => Err(EvalError::msg(format!(
            "{name} needs an object or a map, not a {}",
            v.type_name()
        ))),
    }
}

/// Applies `f` to the parts of a string outside its placeholders.
fn map_known(s: &str, f: impl Fn(&str) -> String) -> String {
    use crate::policy::placeholder::{UNKNOWN_END, UNKNOWN_START};
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find(UNKNOWN_START) {
        out.push_str(&f(&rest[..start]));
        let after = &rest[start..];
        let end = after
            .find(UNKNOWN_END)
            .map_or(after.len(), |e| e + UNKNOWN_END.len_utf8());
        out.push_str(&after[..end]);
        rest = &after[end..];
    }
    out.push_str(&f(rest));
    out
}

/// Removes later duplicates; elements that are not known are kept (they may differ).
fn dedup(items: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for v in items {
        if v.has_unknown() || !out.iter().any(|o| !o.has_unknown() && o == v) {
            out.push(v.clone());
        }
    }
    out
}

fn apply(ev: &Evaluator, name: &str, args: Vec<Value>) -> Result<Value> {
    let a = &args;
    // Functions whose result only places unknown parts.
    match name {
        "jsonencode" => {
            arity(name, a, 1, 1)?;
            if let Value::Unknown(_) = a[0] {
                return Ok(unknown_result(name, a));
            }
            let mut out = String::new();
            to_json(&a[0], &mut out);
            return Ok(Value::string(out));
        }
        "concat" => {
            let mut out = Vec::new();
            for v in a {
                match v {
                    Value::Unknown(_) => return Ok(unknown_result(name, a)),
                    v => out.extend(list(name, v)?.iter().cloned()),
                }
            }
            return Ok(Value::list(out));
        }
        "merge" => {
            let mut out = BTreeMap::new();
            for v in a {
                match v {
                    Value::Null => {}
                    Value::Unknown(_) => return Ok(unknown_result(name, a)),
                    v => out.extend(object(name, v)?.iter().map(|(k, v)| (k.clone(), v.clone()))),
                }
            }
            return Ok(Value::object(out));
        }
        "tolist" | "toset" | "distinct" => {
            arity(name, a, 1, 1)?;
            return Ok(match &a[0] {
                Value::Unknown(_) => unknown_result(name, a),
                v if name == "tolist" => Value::list(list(name, v)?.to_vec()),
                v => Value::list(dedup(list(name, v)?)),
            });
        }
        "tomap" => {
            arity(name, a, 1, 1)?;
            return match &a[0] {
                Value::Unknown(_) => Ok(unknown_result(name, a)),
                v => Ok(Value::object(object(name, v)?.clone())),
            };
        }
        "compact" => {
            arity(name, a, 1, 1)?;
            if let Value::Unknown(_) = a[0] {
                return Ok(unknown_result(name, a));
            }
            // An unknown element stays: it may be empty, but an empty entry grants nothing.
            return Ok(Value::list(
                list(name, &a[0])?
                    .iter()
                    .filter(|v| !matches!(v, Value::Null) && v.to_str().as_deref() != Some(""))
                    .cloned()
                    .collect(),
            ));
        }
        "join" => {
            arity(name, a, 2, usize::MAX)?;
            let sep = string(name, &a[0])?;
            let mut parts = Vec::new();
            for l in &a[1..] {
                if let Value::Unknown(_) = l {
                    return Ok(unknown_result(name, a));
                }
                for v in list(name, l)? {
                    parts.push(string(name, v)?.into_owned());
                }
            }
            return Ok(Value::string(parts.join(&sep)));
        }
        "format" => return format(a),
        "formatlist" => return formatlist(a),
        "lower" | "upper" | "tostring" | "nonsensitive" | "sensitive" => {
            arity(name, a, 1, 1)?;
            return Ok(match (&a[0], name) {
                (v @ Value::Unknown(_), _) => v.clone(),
                (v, "nonsensitive" | "sensitive") => v.clone(),
                (Value::Null, "tostring") => Value::Null,
                (v, "lower") => Value::string(map_known(&string(name, v)?, str::to_lowercase)),
                (v, "upper") => Value::string(map_known(&string(name, v)?, str::to_uppercase)),
                (v, _) => Value::string(string(name, v)?.into_owned()),
            });
        }
        "coalesce" => {
            arity(name, a, 1, usize::MAX)?;
            for v in a {
                match v {
                    Value::Unknown(_) => return Ok(unknown_result(name, a)),
                    Value::Null => continue,
                    v if v.to_str().as_deref() == Some("") => continue,
                    v => return Ok(v.clone()),
                }
            }
            return Err(EvalError::msg("coalesce: every argument is null or empty"));
        }
        "coalescelist" => {
            arity(name, a, 1, usize::MAX)?;
            for v in a {
                match v {
                    Value::Unknown(_) => return Ok(unknown_result(name, a)),
                    Value::List(l) if l.is_empty() => continue,
                    Value::List(_) => return Ok(v.clone()),
                    v => {
                        return Err(EvalError::msg(format!(
                            "coalescelist needs lists, not a {}",
                            v.type_name()
                        )));
                    }
                }
            }
            return Err(EvalError::msg("coalescelist: every list is empty"));
        }
        "lookup" => {
            arity(name, a, 2, 3)?;
            if a[0].is_unknown() || a[1].has_unknown() {
                return Ok(unknown_result(name, a));
            }
            let key = string(name, &a[1])?;
            return match object(name, &a[0])?.get(key.as_ref()) {
                Some(v) => Ok(v.clone()),
                None if a.len() == 3 => Ok(a[2].clone()),
                None => Err(EvalError::msg(
                    "lookup: the map has no such key and no default",
                )),
            };
        }
        "element" => {
            arity(name, a, 2, 2)?;
            if a[0].is_unknown() || a[1].has_unknown() {
                return Ok(unknown_result(name, a));
            }
            let l = list(name, &a[0])?;
            if l.is_empty() {
                return Err(EvalError::msg("element of an empty list"));
            }
            let i = super::number(&a[1])?;
            if i < 0.0 || i.fract() != 0.0 {
                return Err(EvalError::msg("element needs a whole, positive index"));
            }
            return Ok(l[(i as usize) % l.len()].clone());
        }
        "length" => {
            arity(name, a, 1, 1)?;
            return Ok(match &a[0] {
                Value::Unknown(_) => unknown_result(name, a),
                Value::List(l) => Value::Number(l.len() as f64),
                Value::Object(o) => Value::Number(o.len() as f64),
                Value::String(s) if value::has_marker(s) => unknown_result(name, a),
                Value::String(s) => Value::Number(s.chars().count() as f64),
                v => {
                    return Err(EvalError::msg(format!("length of a {}", v.type_name())));
                }
            });
        }
        "keys" | "values" => {
            arity(name, a, 1, 1)?;
            if a[0].is_unknown() {
                return Ok(unknown_result(name, a));
            }
            let o = object(name, &a[0])?;
            return Ok(Value::list(if name == "keys" {
                o.keys().map(|k| Value::string(k.as_str())).collect()
            } else {
                o.values().cloned().collect()
            }));
        }
        "contains" => {
            arity(name, a, 2, 2)?;
            if a[0].is_unknown() || a[1].has_unknown() {
                return Ok(unknown_result(name, a));
            }
            let l = list(name, &a[0])?;
            if l.iter().any(|v| !v.has_unknown() && v == &a[1]) {
                return Ok(Value::Bool(true));
            }
            if l.iter().any(Value::has_unknown) {
                return Ok(unknown_result(name, a));
            }
            return Ok(Value::Bool(false));
        }
        "one" => {
            arity(name, a, 1, 1)?;
            return match &a[0] {
                Value::Unknown(_) => Ok(unknown_result(name, a)),
                v => match list(name, v)? {
                    [] => Ok(Value::Null),
                    [x] => Ok(x.clone()),
                    _ => Err(EvalError::msg("one: the list has more than one element")),
                },
            };
        }
        "file" => {
            arity(name, a, 1, 1)?;
            if a[0].has_unknown() {
                return Ok(unknown_result(name, a));
            }
            let path = string(name, &a[0])?;
            return Ok(match ev.scope.read_file(&path) {
                Ok(text) => Value::string(text),
                Err(why) => why,
            });
        }
        "templatefile" => return templatefile(ev, a),
        _ => {}
    }
    // Every other function needs all of its arguments known.
    if a.iter().any(Value::has_unknown) {
        return Ok(unknown_result(name, a));
    }
    Ok(match name {
        "jsondecode" => {
            arity(name, a, 1, 1)?;
            let v: serde_json::Value = serde_json::from_str(&string(name, &a[0])?)
                .map_err(|_| EvalError::msg("jsondecode: the text is not valid JSON"))?;
            value::from_json(&v)
        }
        "flatten" => {
            arity(name, a, 1, 1)?;
            fn walk(v: &Value, out: &mut Vec<Value>) {
                match v {
                    Value::List(l) => l.iter().for_each(|x| walk(x, out)),
                    other => out.push(other.clone()),
                }
            }
            let mut out = Vec::new();
            for v in list(name, &a[0])? {
                walk(v, &mut out);
            }
            Value::list(out)
        }
        "split" => {
            arity(name, a, 2, 2)?;
            let sep = string(name, &a[0])?;
            let s = string(name, &a[1])?;
            if sep.is_empty() {
                return Err(EvalError::msg("split needs a separator"));
            }
            Value::list(s.split(sep.as_ref()).map(Value::string).collect())
        }
        "replace" => {
            arity(name, a, 3, 3)?;
            let (s, from, to) = (
                string(name, &a[0])?,
                string(name, &a[1])?,
                string(name, &a[2])?,
            );
            if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
                return Ok(Value::unknown(
                    "replace(…) with a regular expression, which kmsguard does not evaluate",
                ));
            }
            if from.is_empty() {
                return Err(EvalError::msg("replace needs a substring to replace"));
            }
            Value::string(s.replace(from.as_ref(), &to))
        }
        "trimspace" => Value::string(string(name, &one(name, a)?)?.trim()),
        "chomp" => Value::string(string(name, &one(name, a)?)?.trim_end_matches(['\n', '\r'])),
        "trim" | "trimprefix" | "trimsuffix" => {
            arity(name, a, 2, 2)?;
            let (s, t) = (string(name, &a[0])?, string(name, &a[1])?);
            Value::string(match name {
                "trim" => s.trim_matches(|c| t.contains(c)).to_owned(),
                "trimprefix" => s.strip_prefix(t.as_ref()).unwrap_or(&s).to_owned(),
                _ => s.strip_suffix(t.as_ref()).unwrap_or(&s).to_owned(),
            })
        }
        "startswith" | "endswith" | "strcontains" => {
            arity(name, a, 2, 2)?;
            let (s, t) = (string(name, &a[0])?, string(name, &a[1])?);
            Value::Bool(match name {
                "startswith" => s.starts_with(t.as_ref()),
                "endswith" => s.ends_with(t.as_ref()),
                _ => s.contains(t.as_ref()),
            })
        }
        "substr" => {
            arity(name, a, 3, 3)?;
            let s: Vec<char> = string(name, &a[0])?.chars().collect();
            let off = super::number(&a[1])?;
            let len = super::number(&a[2])?;
            let start = if off < 0.0 {
                (s.len() as f64 + off).max(0.0)
            } else {
                off
            } as usize;
            let start = start.min(s.len());
            let end = if len < 0.0 {
                s.len()
            } else {
                (start + len as usize).min(s.len())
            };
            Value::string(s[start..end].iter().collect::<String>())
        }
        "tonumber" => match &one(name, a)? {
            Value::Null => Value::Null,
            v => Value::Number(super::number(v)?),
        },
        "tobool" => match one(name, a)? {
            Value::Bool(b) => Value::Bool(b),
            Value::Null => Value::Null,
            Value::String(s) if &*s == "true" => Value::Bool(true),
            Value::String(s) if &*s == "false" => Value::Bool(false),
            v => {
                return Err(EvalError::msg(format!("tobool of a {}", v.type_name())));
            }
        },
        "reverse" => {
            let mut l = list(name, &one(name, a)?)?.to_vec();
            l.reverse();
            Value::list(l)
        }
        "sort" => {
            let mut l: Vec<String> = list(name, &one(name, a)?)?
                .iter()
                .map(|v| string(name, v).map(|s| s.into_owned()))
                .collect::<Result<_>>()?;
            l.sort();
            Value::list(l.into_iter().map(Value::string).collect())
        }
        "slice" => {
            arity(name, a, 3, 3)?;
            let l = list(name, &a[0])?;
            let (s, e) = (super::number(&a[1])?, super::number(&a[2])?);
            if s < 0.0 || e < s || e as usize > l.len() {
                return Err(EvalError::msg("slice: the indexes are out of range"));
            }
            Value::list(l[s as usize..e as usize].to_vec())
        }
        "zipmap" => {
            arity(name, a, 2, 2)?;
            let (k, v) = (list(name, &a[0])?, list(name, &a[1])?);
            if k.len() != v.len() {
                return Err(EvalError::msg("zipmap needs lists of the same length"));
            }
            let mut out = BTreeMap::new();
            for (k, v) in k.iter().zip(v) {
                out.insert(string(name, k)?.into_owned(), v.clone());
            }
            Value::object(out)
        }
        "index" => {
            arity(name, a, 2, 2)?;
            match list(name, &a[0])?.iter().position(|v| v == &a[1]) {
                Some(i) => Value::Number(i as f64),
                None => return Err(EvalError::msg("index: the value is not in the list")),
            }
        }
        "alltrue" | "anytrue" => {
            let l = list(name, &one(name, a)?)?.to_vec();
            let bools: Vec<bool> = l
                .iter()
                .map(|v| match v {
                    Value::Bool(b) => Ok(*b),
                    Value::String(s) if &**s == "true" => Ok(true),
                    Value::String(s) if &**s == "false" => Ok(false),
                    v => Err(EvalError::msg(format!("{name} of a {}", v.type_name()))),
                })
                .collect::<Result<_>>()?;
            Value::Bool(if name == "alltrue" {
                bools.iter().all(|b| *b)
            } else {
                bools.iter().any(|b| *b)
            })
        }
        "min" | "max" => {
            arity(name, a, 1, usize::MAX)?;
            let ns: Vec<f64> = a.iter().map(super::number).collect::<Result<_>>()?;
            let pick = if name == "min" { f64::min } else { f64::max };
            Value::Number(ns.into_iter().reduce(pick).unwrap_or(0.0))
        }
        "abs" => Value::Number(super::number(&one(name, a)?)?.abs()),
        "ceil" => Value::Number(super::number(&one(name, a)?)?.ceil()),
        "floor" => Value::Number(super::number(&one(name, a)?)?.floor()),
        "range" => {
            arity(name, a, 1, 3)?;
            let ns: Vec<f64> = a.iter().map(super::number).collect::<Result<_>>()?;
            let (start, end, step) = match ns.as_slice() {
                [e] => (0.0, *e, 1.0),
                [s, e] => (*s, *e, if e >= s { 1.0 } else { -1.0 }),
                [s, e, st] => (*s, *e, *st),
                _ => unreachable!("arity checked"),
            };
            if step == 0.0 || !step.is_finite() {
                return Err(EvalError::msg("range needs a step that is not zero"));
            }
            let count = ((end - start) / step).ceil();
            if !(0.0..=1024.0 * 1024.0).contains(&count) {
                return Err(EvalError::msg("range gives more than a million numbers"));
            }
            ev.budget.charge(count as u64)?;
            Value::list(
                (0..count as usize)
                    .map(|i| Value::Number(start + step * i as f64))
                    .collect(),
            )
        }
        "basename" => {
            let s = string(name, &one(name, a)?)?.into_owned();
            Value::string(s.rsplit('/').next().unwrap_or(&s))
        }
        "dirname" => {
            let s = string(name, &one(name, a)?)?.into_owned();
            Value::string(
                s.rsplit_once('/')
                    .map_or(".", |(d, _)| if d.is_empty() { "/" } else { d }),
            )
        }
        "fileexists" => {
            let path = string(name, &one(name, a)?)?.into_owned();
            match ev.scope.read_file(&path) {
                Ok(_) => Value::Bool(true),
                Err(why) => why,
            }
        }
        "provider::aws::arn_build" => {
            arity(name, a, 5, 5)?;
            let p: Vec<String> = a
                .iter()
                .map(|v| string(name, v).map(|s| s.into_owned()))
                .collect::<Result<_>>()?;
            Value::string(format!("arn:{}:{}:{}:{}:{}", p[0], p[1], p[2], p[3], p[4]))
        }
        "provider::aws::arn_parse" => {
            let s = string(name, &one(name, a)?)?.into_owned();
            let parts: Vec<&str> = s.splitn(6, ':').collect();
            if parts.len() != 6 || parts[0] != "arn" {
                return Err(EvalError::msg("arn_parse: not an ARN"));
            }
            let mut o = BTreeMap::new();
            for (k, v) in ["partition", "service", "region", "account_id", "resource"]
                .iter()
                .zip(&parts[1..])
            {
                o.insert((*k).to_owned(), Value::string(*v));
            }
            Value::object(o)
        }
        // Values that only the apply, or the clock, gives.
        "timestamp" | "uuid" | "plantimestamp" | "bcrypt" | "uuidv5" => Value::unknown(format!(
            "the result of {name}(), known only when Terraform runs"
        )),
        other => Value::unknown(format!(
            "the result of {other}(…), which kmsguard does not evaluate"
        )),
    })
}

fn one(name: &str, a: &[Value]) -> Result<Value> {
    arity(name, a, 1, 1)?;
    Ok(a[0].clone())
}

/// `try(a, b, …)`: the first argument that evaluates without an error. An unknown result
/// stays unknown (it might fail once known).
fn try_(ev: &Evaluator, args: &[Expr]) -> Result<Value> {
    if args.is_empty() {
        return Err(EvalError::msg("try needs at least one argument"));
    }
    let mut last = None;
    for a in args {
        match ev.eval(a) {
            Ok(v) if v.is_unknown() => {
                return Ok(Value::unknown(format!(
                    "try(…), whose first working argument is known only after apply ({})",
                    v.first_unknown().unwrap_or_default()
                )));
            }
            Ok(v) => return Ok(v),
            Err(e) if e.catchable() => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| EvalError::msg("try: no argument evaluates")))
}

/// `can(x)`: whether `x` evaluates without an error.
fn can(ev: &Evaluator, args: &[Expr]) -> Result<Value> {
    let [a] = args else {
        return Err(EvalError::msg("can takes 1 argument"));
    };
    match ev.eval(a) {
        Ok(v) if v.is_unknown() => Ok(Value::unknown(format!(
            "can(…) of {}",
            v.first_unknown().unwrap_or_default()
        ))),
        Ok(_) => Ok(Value::Bool(true)),
        Err(e) if e.catchable() => Ok(Value::Bool(false)),
        Err(e) => Err(e),
    }
}

/// Go's `fmt` verbs as Terraform's `format` supports them, for the ones policies use.
fn format(a: &[Value]) -> Result<Value> {
    arity("format", a, 1, usize::MAX)?;
    if a[0].has_unknown() {
        return Ok(unknown_result("format", a));
    }
    let spec = string("format", &a[0])?;
    let mut rest = a[1..].iter();
    let mut out = String::new();
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(verb @ ('s' | 'd' | 'v' | 'q')) => {
                let v = rest
                    .next()
                    .ok_or_else(|| EvalError::msg("format: too few arguments"))?;
                let s = match v {
                    Value::List(_) | Value::Object(_) => {
                        let mut j = String::new();
                        to_json(v, &mut j);
                        j
                    }
                    Value::Null => "null".to_owned(),
                    v => v.to_str().unwrap_or_default().into_owned(),
                };
                if verb == 'q' {
                    out.push_str(&serde_json::Value::String(s).to_string());
                } else {
                    out.push_str(&s);
                }
            }
            _ => {
                return Ok(Value::unknown(
                    "format(…) with a verb kmsguard does not evaluate",
                ));
            }
        }
    }
    Ok(Value::string(out))
}

/// `formatlist(spec, lists…)`: `format` over the elements of lists of one length.
fn formatlist(a: &[Value]) -> Result<Value> {
    arity("formatlist", a, 1, usize::MAX)?;
    if a.iter().any(Value::is_unknown) {
        return Ok(unknown_result("formatlist", a));
    }
    let len = a[1..]
        .iter()
        .filter_map(|v| match v {
            Value::List(l) => Some(l.len()),
            _ => None,
        })
        .max()
        .unwrap_or(1);
    let mut out = Vec::with_capacity(len);
    for i in 0..len {
        let mut args = vec![a[0].clone()];
        for v in &a[1..] {
            args.push(match v {
                Value::List(l) => l
                    .get(i)
                    .cloned()
                    .ok_or_else(|| EvalError::msg("formatlist needs lists of one length"))?,
                v => v.clone(),
            });
        }
        out.push(format(&args)?);
    }
    Ok(Value::list(out))
}

/// The variables a template file sees: only those passed to `templatefile`.
struct TemplateScope<'p> {
    vars: &'p BTreeMap<String, Value>,
    parent: &'p dyn Scope,
}

impl Scope for TemplateScope<'_> {
    fn root(&self, _: &Evaluator, name: &str) -> Result<Value> {
        self.vars.get(name).cloned().ok_or_else(|| {
            EvalError::msg(format!(
                "the template uses `{name}`, which templatefile does not pass to it"
            ))
        })
    }

    fn read_file(&self, path: &str) -> std::result::Result<String, Value> {
        self.parent.read_file(path)
    }
}

fn templatefile(ev: &Evaluator, a: &[Value]) -> Result<Value> {
    arity("templatefile", a, 2, 2)?;
    if ev.in_template_file {
        // Terraform refuses this too: a template could otherwise call itself forever.
        return Err(EvalError::msg(
            "templatefile cannot be called from inside a template file",
        ));
    }
    if a[0].has_unknown() {
        return Ok(unknown_result("templatefile", a));
    }
    let path = string("templatefile", &a[0])?.into_owned();
    let vars = match &a[1] {
        Value::Object(o) => o.clone(),
        Value::Unknown(_) => return Ok(unknown_result("templatefile", a)),
        v => {
            return Err(EvalError::msg(format!(
                "templatefile's variables must be an object, not a {}",
                v.type_name()
            )));
        }
    };
    let text = match ev.scope.read_file(&path) {
        Ok(t) => t,
        Err(why) => return Ok(why),
    };
    ev.budget.charge(1 + text.len() as u64 / 32)?;
    // The message names the template's line, never its text.
    let template = parse_template(&text).map_err(|e| {
        EvalError::msg(format!(
            "templatefile: {} is not a valid template (line {})",
            &path, e.line
        ))
    })?;
    let scope = TemplateScope {
        vars: &vars,
        parent: ev.scope,
    };
    let mut inner = Evaluator::new(ev.budget, ev.depth, &scope);
    inner.in_template_file = true;
    ev.deeper(|| inner.template(&template)).map(|v| match v {
        Value::String(s) => Value::String(s),
        other => match other.to_str() {
            Some(s) => Value::string(s.into_owned()),
            None => other,
        },
    })
}
