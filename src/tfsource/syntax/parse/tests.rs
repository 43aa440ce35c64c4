use super::*;

fn body(text: &str) -> Body {
    parse_body(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn expr(text: &str) -> Expr {
    let b = body(&format!("x = {text}\n"));
    b.attributes.into_iter().next().unwrap().expr
}

fn lit(t: &Expr) -> &str {
    t.as_literal_str().unwrap()
}

#[test]
fn blocks_attributes_labels_and_comments() {
    let b = body(
        "# comment\nresource \"aws_kms_key\" \"data\" {\n  description = \"x\" // trailing\n  /* block */ enabled = true\n  tags { a = 1 }\n}\nlocals {}\nmodule m { source = \"./m\" }\n",
    );
    assert_eq!(b.blocks.len(), 3);
    let r = &b.blocks[0];
    assert_eq!(
        (r.kind.as_str(), r.labels.clone()),
        (
            "resource",
            vec!["aws_kms_key".to_owned(), "data".to_owned()]
        )
    );
    assert_eq!(r.body.attributes.len(), 2);
    assert_eq!(r.body.blocks[0].kind, "tags");
    assert_eq!(b.blocks[2].labels, ["m"]);
    assert_eq!(
        lit(&b.blocks[2].body.attribute("source").unwrap().expr),
        "./m"
    );
}

#[test]
fn a_byte_order_mark_and_crlf_line_ends_are_accepted() {
    let b = body("\u{feff}locals {\r\n  a = \"x\"\r\n}\r\n");
    assert_eq!(lit(&b.blocks[0].body.attributes[0].expr), "x");
}

#[test]
fn operators_bind_by_precedence_and_left_to_right() {
    let e = expr("a || b && c == d + e * f");
    let ExprKind::Binary(BinOp::Or, _, rhs) = &e.kind else {
        panic!("{e:?}")
    };
    let ExprKind::Binary(BinOp::And, _, rhs) = &rhs.kind else {
        panic!()
    };
    let ExprKind::Binary(BinOp::Eq, _, rhs) = &rhs.kind else {
        panic!()
    };
    let ExprKind::Binary(BinOp::Add, _, rhs) = &rhs.kind else {
        panic!()
    };
    assert!(matches!(rhs.kind, ExprKind::Binary(BinOp::Mul, _, _)));
    let e = expr("a - b - c");
    let ExprKind::Binary(BinOp::Sub, lhs, _) = &e.kind else {
        panic!()
    };
    assert!(matches!(lhs.kind, ExprKind::Binary(BinOp::Sub, _, _)));
    assert!(matches!(
        expr("!a ? -1 : 2 >= 3").kind,
        ExprKind::Conditional(..)
    ));
}

#[test]
fn traversals_indexes_and_splats() {
    let e = expr("aws_iam_role.admin[0].arn");
    assert_eq!(
        format!("{:?}", e.kind).matches("GetAttr").count(),
        2,
        "{e:?}"
    );
    assert!(matches!(
        expr("aws_iam_role.a[*].arn").kind,
        ExprKind::Splat { .. }
    ));
    assert!(matches!(
        expr("aws_iam_role.a.*.arn").kind,
        ExprKind::Splat { .. }
    ));
    assert!(matches!(expr("var.list.0").kind, ExprKind::Index(..)));
    assert!(
        matches!(expr("provider::aws::arn_parse(x)").kind, ExprKind::Call { ref name, .. } if name == "provider::aws::arn_parse")
    );
}

#[test]
fn collections_and_for_expressions() {
    let e = expr("{\n  a = 1\n  \"b\" = [1, 2,]\n  (var.k): 3, c = { d = null }\n}");
    let ExprKind::Object(items) = &e.kind else {
        panic!()
    };
    assert_eq!(items.len(), 4);
    let e = expr("[for k, v in var.m : \"${k}=${v}\" if v != \"\"]");
    let ExprKind::For(f) = &e.kind else { panic!() };
    assert_eq!(
        (f.key_var.as_deref(), f.value_var.as_str()),
        (Some("k"), "v")
    );
    assert!(f.condition.is_some() && f.key.is_none());
    let e = expr("{ for r in var.roles : r.name => r.arn... }");
    let ExprKind::For(f) = &e.kind else { panic!() };
    assert!(f.key.is_some() && f.grouping);
    let e = expr("concat(var.a, [\n  \"x\",\n]...)");
    assert!(
        matches!(e.kind, ExprKind::Call { expand_last: true, ref args, .. } if args.len() == 2)
    );
}

#[test]
fn templates_escapes_interpolations_and_directives() {
    let e = expr(r#""a\n\"b\" \u00e9 $${lit} %%{lit} ${var.x} %{ if c }y%{ else }z%{ endif }""#);
    let ExprKind::Template(t) = &e.kind else {
        panic!()
    };
    assert_eq!(
        t.parts[0],
        TemplatePart::Literal("a\n\"b\" é ${lit} %{lit} ".into())
    );
    assert!(matches!(t.parts[1], TemplatePart::Interpolation(_)));
    assert!(matches!(t.parts[3], TemplatePart::If { .. }));
    let e = expr(r#""x ${~ var.a ~} y %{~ for r in var.l ~} [${r}] %{~ endfor ~} z""#);
    let ExprKind::Template(t) = &e.kind else {
        panic!()
    };
    assert_eq!(t.parts[0], TemplatePart::Literal("x".into()));
    assert_eq!(t.parts[1 + 1], TemplatePart::Literal("y".into()));
    let TemplatePart::For { body, .. } = &t.parts[3] else {
        panic!("{t:?}")
    };
    assert_eq!(body.parts[0], TemplatePart::Literal("[".into()));
    assert_eq!(t.parts[4], TemplatePart::Literal("z".into()));
}

#[test]
fn heredocs_plain_and_flush() {
    let b = body(
        "a = <<EOT\n{\n  \"k\": \"${var.v}\"\n}\nEOT\nb = <<-EOF\n    one\n      two\n    EOF\nc = 1\n",
    );
    let ExprKind::Template(t) = &b.attributes[0].expr.kind else {
        panic!()
    };
    assert_eq!(t.parts[0], TemplatePart::Literal("{\n  \"k\": \"".into()));
    assert_eq!(t.parts[2], TemplatePart::Literal("\"\n}\n".into()));
    assert_eq!(lit(&b.attributes[1].expr), "one\n  two\n");
    assert_eq!(b.attributes.len(), 3);
}

#[test]
fn real_module_syntax_parses() {
    let text = r#"
locals {
  account_id = data.aws_caller_identity.current.account_id
  admins     = length(var.key_administrators) > 0 ? var.key_administrators : ["arn:${local.partition}:iam::${local.account_id}:root"]
  e = { for k, v in merge(local.a, var.b) : k => { name = "alias/${v}" } if var.create }
  f = try(aws_kms_key.this[0].key_id, "") # see https://example.com/a#b
}

data "aws_iam_policy_document" "this" {
  count = var.create ? 1 : 0
  source_policy_documents   = var.source_policy_documents
  dynamic "statement" {
    for_each = length(var.key_administrators) > 0 ? [1] : []
    content {
      sid = "KeyAdministration"
      actions = ["kms:*"]
      principals {
        type        = "AWS"
        identifiers = var.key_administrators
      }
    }
  }
}

resource "aws_kms_key" "this" {
  count                    = var.create && !var.create_external ? 1 : 0
  policy                   = coalesce(var.policy, data.aws_iam_policy_document.this[0].json)
  tags = merge(var.tags, { Name = "x" })
  lifecycle { ignore_changes = [tags["x"]] }
}
"#;
    let b = body(text);
    assert_eq!(b.blocks.len(), 3);
}

#[test]
fn errors_name_the_line() {
    let e = parse_body("a = 1\nb = [1, 2\n").unwrap_err();
    assert_eq!(e.line, 3, "{e}");
    assert!(parse_body("a = \"open\n").is_err());
    assert!(parse_body("a = <<EOT\nno end\n").is_err());
    assert!(parse_body("}").is_err());
    assert!(parse_body("a = {\n").is_err());
    assert!(parse_body("a = 1 b = 2\n").is_err());
}

#[test]
fn nesting_is_refused_past_the_limit_not_overflowed() {
    let deep = |n: usize| format!("a = {}1{}\n", "[".repeat(n), "]".repeat(n));
    crate::tfsource::with_stack(move || {
        assert!(parse_body(&deep(10_000)).is_ok());
        let e = parse_body(&deep(MAX_NESTING + 1)).unwrap_err();
        assert!(e.message.contains("nested more than"), "{e}");
        let chain = format!("a = x{}\n", "[0]".repeat(MAX_NESTING + 1));
        assert!(parse_body(&chain).is_err());
        let ops = format!("a = 1{}\n", " + 1".repeat(MAX_NESTING + 1));
        assert!(parse_body(&ops).is_err());
    });
}

#[test]
fn unclosed_braces_are_refused_in_linear_time() {
    // The shape that made hcl-edit backtrack exponentially.
    let text = "  on   = 016-10-{\n  oo/{\n".repeat(4000);
    crate::tfsource::with_stack(move || assert!(parse_body(&text).is_err()));
}

#[test]
fn template_files() {
    let t = parse_template("{\"a\": \"${x}\", %{ if y }\"b\"%{ endif } }\n").unwrap();
    assert_eq!(t.parts.len(), 5);
    assert!(parse_template("a ${ b\nc").is_err());
}
