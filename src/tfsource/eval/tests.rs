use std::cell::Cell;

use super::*;
use crate::tfsource::syntax::parse_body;

/// A scope with `var.*` from a map and files from a map.
struct Vars(BTreeMap<String, Value>, BTreeMap<String, String>);

impl Scope for Vars {
    fn root(&self, _: &Evaluator, name: &str) -> Result<Value> {
        match name {
            "var" => Ok(Value::object(self.0.clone())),
            _ => Err(EvalError::msg(format!("`{name}` is not known here"))),
        }
    }
    fn member(&self, _: &Evaluator, ns: &str, name: &str) -> Result<Option<Value>> {
        Ok((ns == "var").then(|| self.0.get(name).cloned().unwrap_or(Value::Null)))
    }
    fn read_file(&self, path: &str) -> std::result::Result<String, Value> {
        self.1
            .get(path)
            .cloned()
            .ok_or_else(|| Value::unknown(format!("the content of {path}")))
    }
}

fn scope() -> Vars {
    let mut v = BTreeMap::new();
    v.insert("name".into(), Value::string("kms-admin"));
    v.insert(
        "later".into(),
        Value::unknown("the arn of aws_iam_role.new"),
    );
    v.insert(
        "admins".into(),
        Value::list(vec![Value::string("a"), Value::string("b")]),
    );
    v.insert("yes".into(), Value::Bool(true));
    let mut files = BTreeMap::new();
    files.insert(
        "p.json.tpl".into(),
        "{\"Sid\": \"${sid}\", \"P\": ${jsonencode(who)}}".into(),
    );
    files.insert(
        "self.tpl".into(),
        "${templatefile(\"self.tpl\", {})}".into(),
    );
    Vars(v, files)
}

fn eval_with(text: &str, budget: u64) -> Result<Value> {
    let body = parse_body(&format!("x = {text}\n")).unwrap();
    let s = scope();
    let b = Budget::new(budget);
    let d = Cell::new(0);
    let ev = Evaluator::new(&b, &d, &s);
    ev.eval(&body.attributes[0].expr)
}

fn eval(text: &str) -> Value {
    eval_with(text, DEFAULT_BUDGET).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn s(v: &str) -> Value {
    Value::string(v)
}

#[test]
fn templates_interpolate_and_keep_single_values() {
    assert_eq!(eval(r#""role/${var.name}""#), s("role/kms-admin"));
    assert_eq!(eval(r#""${var.admins}""#), eval("var.admins"));
    assert_eq!(
        eval(r#""%{ for a in var.admins }[${a}]%{ endfor }%{ if var.yes }!%{ endif }""#),
        s("[a][b]!")
    );
}

#[test]
fn unknown_values_propagate_and_are_never_decided() {
    // A placeholder fills its place in a string and in jsonencode.
    assert_eq!(
        eval(r#""arn:${var.later}""#),
        s("arn:\u{1}the arn of aws_iam_role.new\u{2}")
    );
    assert_eq!(
        eval(r#"jsonencode({ P = [var.later, "x"] })"#),
        s(r#"{"P":["\u0001the arn of aws_iam_role.new\u0002","x"]}"#)
    );
    // Anything that decides on it is unknown.
    for e in [
        r#"var.later == "x""#,
        r#"var.later != "" ? "a" : "b""#,
        r#"[for a in var.admins : a if a == var.later]"#,
        r#"length("${var.later}")"#,
        r#"replace(var.later, "a", "b")"#,
        r#"contains(["x"], var.later)"#,
        r#""%{ if var.later == "" }x%{ endif }""#,
        r#"coalesce(var.later, "x")"#,
    ] {
        assert!(eval(e).is_unknown(), "{e}: {:?}", eval(e));
    }
    // But not what it cannot change.
    assert_eq!(eval(r#"false && var.later == "x""#), Value::Bool(false));
    assert_eq!(eval(r#"length([var.later, "x"])"#), Value::Number(2.0));
    assert_eq!(
        eval(r#"contains([var.later, "x"], "x")"#),
        Value::Bool(true)
    );
}

#[test]
fn functions_modules_use() {
    assert_eq!(eval(r#"coalesce("", null, "x")"#), s("x"));
    assert_eq!(eval(r#"lookup({a = 1}, "b", 2)"#), Value::Number(2.0));
    assert_eq!(
        eval(r#"concat(["a"], compact(["", "b"]), distinct(["c", "c"]))"#),
        eval(r#"["a", "b", "c"]"#)
    );
    assert_eq!(eval(r#"flatten([["a"], [["b"]]])"#), eval(r#"["a", "b"]"#));
    assert_eq!(
        eval(r#"merge({a = 1}, null, {b = 2})"#),
        eval("{a = 1, b = 2}")
    );
    assert_eq!(
        eval(r#"format("arn:%s:iam::%d:root", "aws", 12)"#),
        s("arn:aws:iam::12:root")
    );
    assert_eq!(eval(r#"join(",", ["a", "b"])"#), s("a,b"));
    assert_eq!(eval(r#"upper(trimspace(" x "))"#), s("X"));
    assert_eq!(
        eval(r#"jsondecode("{\"a\": [1]}").a[0]"#),
        Value::Number(1.0)
    );
    assert_eq!(eval("try(var.missing.attr, \"fallback\")"), s("fallback"));
    assert_eq!(eval("can(var.missing.attr)"), Value::Bool(false));
    assert!(eval("try(var.later, \"x\")").is_unknown());
    assert_eq!(
        eval("[for k, v in {b = 2, a = 1} : k]"),
        eval(r#"["a", "b"]"#)
    );
    assert_eq!(
        eval("{for a in var.admins : a => upper(a)}"),
        eval(r#"{a = "A", b = "B"}"#)
    );
    assert_eq!(eval("var.admins[*]"), eval("var.admins"));
    assert_eq!(eval("1 + 2 * 3 % 4"), Value::Number(3.0));
    assert!(
        eval("yamldecode(\"a: 1\")").is_unknown(),
        "an unknown function is an unknown value"
    );
}

#[test]
fn template_files_see_only_their_variables_and_cannot_recurse() {
    assert_eq!(
        eval(r#"templatefile("p.json.tpl", { sid = "Admin", who = ["a"] })"#),
        s(r#"{"Sid": "Admin", "P": ["a"]}"#)
    );
    let e = eval_with(r#"templatefile("self.tpl", {})"#, DEFAULT_BUDGET).unwrap_err();
    assert!(
        e.to_string()
            .contains("cannot be called from inside a template"),
        "{e}"
    );
    assert!(eval(r#"file("missing.json")"#).is_unknown());
}

#[test]
fn errors_say_what_without_values() {
    let e = eval_with(r#"var.name.attr"#, DEFAULT_BUDGET).unwrap_err();
    assert!(!e.to_string().contains("kms-admin"), "{e}");
    assert!(eval_with("1 / 0", DEFAULT_BUDGET).is_err());
    assert!(eval_with("1 % 0", DEFAULT_BUDGET).is_err());
    assert!(eval_with("[1][5]", DEFAULT_BUDGET).is_err());
}

#[test]
fn the_budget_bounds_values_that_double() {
    // A million elements a level, three levels deep, if nothing stopped it.
    let e = eval_with(
        "[for a in range(1000) : [for b in range(1000) : [for c in range(1000) : c]]]",
        1_000_000,
    )
    .unwrap_err();
    assert_eq!(e, EvalError::Budget);
    assert_eq!(
        eval_with("try([for a in range(1000) : range(1000)], 1)", 100_000).unwrap_err(),
        EvalError::Budget,
        "try does not swallow an exhausted budget"
    );
}
