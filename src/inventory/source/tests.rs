//! Unit tests of the evaluation of policies from the Terraform source.

use super::*;

/// Evaluates `expr` (HCL) with `var` set to `vars` (HCL object syntax) and one placeholder
/// issued when `unknown` is set (as when the plan leaves a value unknown).
fn eval(expr: &str, vars: &str, unknown: bool) -> Result<Value, String> {
    let var: Value = hcl::from_str::<Value>(&format!("v = {vars}"))
        .ok()
        .and_then(|v| v.as_object().and_then(|o| o.get("v").cloned()))
        .unwrap_or(Value::Null);
    let mut ph = Placeholders::default();
    let mut var = var;
    if unknown {
        if let Value::Object(o) = &mut var {
            o.insert(
                "later".into(),
                ph.unknown("the arn of aws_iam_role.x (created by this plan)".into()),
            );
        }
    }
    let empty = Value::Object(Default::default());
    let ctx = base_context(&var, &empty, &empty, Path::new("."), Path::new("."));
    let body: Body = hcl::parse(&format!("x = {expr}\n")).map_err(|e| e.to_string())?;
    let e = body.attributes().next().unwrap().expr().clone();
    evaluate(&e, &ctx, &ph)
}

fn s(v: Result<Value, String>) -> String {
    match v.unwrap() {
        Value::String(s) => s,
        other => panic!("not a string: {other:?}"),
    }
}

#[test]
fn jsonencode_sorts_keys_like_terraform() {
    assert_eq!(
        s(eval(
            r#"jsonencode({ b = 1, a = [var.x, "y"] })"#,
            r#"{ x = "z" }"#,
            false
        )),
        r#"{"a":["z","y"],"b":1}"#
    );
}

#[test]
fn format_and_interpolation_fill_in_known_values() {
    assert_eq!(
        s(eval(
            r#"format("arn:aws:iam::%s:root", var.acct)"#,
            r#"{ acct = "111122223333" }"#,
            false
        )),
        "arn:aws:iam::111122223333:root"
    );
    assert_eq!(
        s(eval(
            r#""arn:aws:iam::${var.acct}:role/${var.name}""#,
            r#"{ acct = "1", name = "r" }"#,
            false
        )),
        "arn:aws:iam::1:role/r"
    );
    assert_eq!(
        s(eval(r#"format("%q %d%%", "a", 5)"#, "{}", false)),
        r#""a" 5%"#
    );
    assert!(
        eval(r#"format("%x", 5)"#, "{}", false)
            .unwrap_err()
            .contains("%x")
    );
}

#[test]
fn list_functions_behave_as_in_terraform() {
    let v = eval(
        r#"distinct(compact(flatten(concat(["a", ""], [["b", "a"]], tolist(toset(["c", "c"]))))))"#,
        "{}",
        false,
    )
    .unwrap();
    assert_eq!(v, Value::Array(vec!["a".into(), "b".into(), "c".into()]));
    let v = eval(r#"merge({ a = 1 }, { a = 2, b = 3 })"#, "{}", false).unwrap();
    assert_eq!(v, hcl::from_str::<Value>("a = 2\nb = 3").unwrap());
    assert_eq!(
        s(eval(r#"join(",", split("/", "x/y"))"#, "{}", false)),
        "x,y"
    );
    assert_eq!(
        s(eval(r#"lower(upper(trimspace(" Ab ")))"#, "{}", false)),
        "ab"
    );
}

#[test]
fn for_expressions_over_known_lists_are_evaluated() {
    let v = eval(
        r#"[for n in var.names : "arn:aws:iam::1:role/${n}"]"#,
        r#"{ names = ["a", "b"] }"#,
        false,
    )
    .unwrap();
    assert_eq!(
        v,
        Value::Array(vec![
            "arn:aws:iam::1:role/a".into(),
            "arn:aws:iam::1:role/b".into()
        ])
    );
}

#[test]
fn placeholders_flow_into_lists_and_strings() {
    let v = s(eval(
        r#"jsonencode({ AWS = [var.later, "x"] })"#,
        "{}",
        true,
    ));
    let parsed: serde_json::Value = serde_json::from_str(&v).unwrap();
    let first = parsed["AWS"][0].as_str().unwrap();
    assert_eq!(
        unknown_in(first),
        Some("the arn of aws_iam_role.x (created by this plan)")
    );
}

#[test]
fn a_decision_on_a_placeholder_is_refused_not_guessed() {
    for expr in [
        r#"var.later == "x" ? "a" : "b""#,
        r#"[for a in [var.later] : a if a != "x"]"#,
        r#""${var.later == "x" ? "a" : "b"}""#,
    ] {
        let e = eval(expr, "{}", true).unwrap_err();
        assert!(
            e.contains("decides on a value known only after apply"),
            "{expr}: {e}"
        );
    }
    // A decision on known values is fine even when a placeholder exists elsewhere.
    assert_eq!(
        s(eval(r#"var.flag ? "a" : "b""#, "{ flag = true }", true)),
        "a"
    );
}

#[test]
fn an_unknown_function_is_named_in_the_reason() {
    let e = eval(r#"yamldecode("a: b")"#, "{}", false).unwrap_err();
    assert_eq!(e, "kmsguard does not evaluate the function yamldecode");
}

#[test]
fn templatefile_refuses_directives_over_placeholders() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.tftpl"),
        "%{ if x != \"\" }${x}%{ endif }",
    )
    .unwrap();
    std::fs::write(dir.path().join("u.tftpl"), "arn:${x}").unwrap();
    let empty = Value::Object(Default::default());
    let var = Value::Object(Default::default());
    let ctx = base_context(&var, &empty, &empty, dir.path(), dir.path());
    let mut ph = Placeholders::default();
    let later = ph.unknown("later".into());
    let run = |file: &str, x: &Value| {
        let mut c = ctx.clone();
        c.declare_var("x", x.clone());
        let body: Body =
            hcl::parse(&format!("v = templatefile(\"{file}\", {{ x = x }})\n")).unwrap();
        let e = body.attributes().next().unwrap().expr().clone();
        evaluate(&e, &c, &ph)
    };
    assert_eq!(run("t.tftpl", &Value::from("a")).unwrap(), Value::from("a"));
    assert!(
        run("t.tftpl", &later)
            .unwrap_err()
            .contains("template directive")
    );
    let v = run("u.tftpl", &later).unwrap();
    assert!(unknown_in(v.as_str().unwrap()).is_some());
    assert!(run("missing.tftpl", &Value::from("a")).is_err());
}

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
}

#[test]
fn instances_group_as_terraform_exposes_them() {
    let mut by_type = BTreeMap::new();
    by_type.insert(
        "aws_iam_role".to_owned(),
        BTreeMap::from([
            (
                "counted".to_owned(),
                vec![
                    (Some("1".into()), Value::from("b")),
                    (Some("0".into()), Value::from("a")),
                ],
            ),
            (
                "keyed".to_owned(),
                vec![(Some("\"x\"".into()), Value::from("x"))],
            ),
            ("single".to_owned(), vec![(None, Value::from("s"))]),
        ]),
    );
    let v = group(by_type);
    let roles = v.as_object().unwrap()["aws_iam_role"].as_object().unwrap();
    assert_eq!(roles["counted"], Value::Array(vec!["a".into(), "b".into()]));
    assert_eq!(roles["keyed"].as_object().unwrap()["x"], Value::from("x"));
    assert_eq!(roles["single"], Value::from("s"));
}

#[test]
fn a_placeholder_in_a_heredoc_policy_stays_valid_json() {
    let v = s(eval(
        "<<EOT\n{\"AWS\": \"${var.later}\"}\nEOT\n",
        "{}",
        true,
    ));
    assert!(
        serde_json::from_str::<serde_json::Value>(&v).is_err(),
        "raw, it is not JSON"
    );
    let escaped = escape_placeholders(&v);
    let parsed: serde_json::Value = serde_json::from_str(&escaped).unwrap();
    assert!(unknown_in(parsed["AWS"].as_str().unwrap()).is_some());
}
