//! Entry points for the fuzz targets in `fuzz/` (see docs/fuzzing.md) and the property tests.
//! Not a stable API.

use crate::pipeline;
use crate::plan;
use crate::policy::Policy;
use crate::policy::condition::arn_like;
use crate::policy::eval::{Caller, CallerKind, PUT_KEY_POLICY, Target, decide};
use crate::policy::glob::glob_match;
use crate::report::{FailOn, Format, Report};
use crate::tfsource::locate::Locations;

/// Runs the whole pipeline over documents given as bytes and hands the report to `f`.
fn with_report<T>(docs: &[&[u8]], f: impl FnOnce(&Report) -> T) -> T {
    let (inputs, infos, errors) = crate::run::sort_documents(
        docs.iter().enumerate().map(|(i, bytes)| {
            let source = format!("input{i}.json");
            let doc = plan::load(&source, bytes);
            (source, doc)
        }),
        true,
    );
    let checked = pipeline::check(&inputs, &[]);
    let locations = Locations::default();
    f(&Report {
        inventory: &checked.inventory,
        inputs: &infos,
        analyses: &checked.analyses,
        findings: &checked.findings,
        errors: &errors,
        fail_on: FailOn::Error,
        locations: &locations,
        verbosity: crate::report::Verbosity::Normal,
        config: None,
        runbooks: &checked.runbooks,
    })
}

/// Runs the whole pipeline over documents given as bytes and renders every format.
pub fn check_bytes(docs: &[&[u8]]) {
    with_report(docs, |r| {
        for f in [
            Format::Text,
            Format::Json,
            Format::Sarif,
            Format::Markdown,
            Format::Github,
            Format::GithubOutput,
            Format::Runbook,
        ] {
            f.render(r, &mut std::io::sink())
                .expect("rendering into a sink cannot fail");
        }
        let _ = r.outcome();
    })
}

/// The verdicts before and after the apply of every key the documents show, in the
/// inventory's order. Panics if a document cannot be read (the property tests make valid ones).
pub fn verdicts(docs: &[&[u8]]) -> Vec<(Option<crate::Verdict>, crate::Verdict)> {
    with_report(docs, |r| {
        assert!(r.errors.is_empty(), "unreadable document: {:?}", r.errors);
        r.analyses
            .iter()
            .map(|a| (a.before.as_ref().map(|b| b.verdict), a.after.verdict))
            .collect()
    })
}

/// Runs the whole pipeline over documents given as bytes and returns the JSON report (for the
/// property test of witnesses).
pub fn json_report(docs: &[&[u8]]) -> String {
    with_report(docs, |r| {
        let mut out = Vec::new();
        Format::Json
            .render(r, &mut out)
            .expect("rendering into memory cannot fail");
        String::from_utf8(out).expect("reports are UTF-8")
    })
}

/// Runs the whole pipeline over documents given as bytes and returns the text report (no
/// colour) and the Markdown report (for the property tests of escaping).
pub fn text_and_markdown(docs: &[&[u8]]) -> (String, String) {
    with_report(docs, |r| {
        let render = |f: Format| {
            let mut out = Vec::new();
            f.render(r, &mut out)
                .expect("rendering into memory cannot fail");
            String::from_utf8(out).expect("reports are UTF-8")
        };
        colored::control::set_override(false);
        (render(Format::Text), render(Format::Markdown))
    })
}

/// Writes a folder of source from one text and evaluates the `policy` of every key in it as
/// `--config-dir` would: the parts between lines `-----` are `main.tf`, then `t1.tpl`,
/// `t2.tpl`, …, and the last part is `modules/m/main.tf` (a local module `main.tf` may call).
/// Locals, templates calling templates, module outputs and deep nesting all come through
/// here; it must never panic, overflow or hang. Runs on the large stack, as the binary does.
pub fn evaluate_source_files(text: &str) {
    use crate::tfsource::config::Config;
    use crate::tfsource::eval::value::Value;
    use crate::tfsource::evaluate::{Evaluation, Facts};
    struct NoFacts;
    impl Facts for NoFacts {
        fn resource(
            &self,
            _: &crate::plan::address::ModuleInstance,
            _: crate::plan::address::Mode,
            rtype: &str,
            name: &str,
        ) -> Option<Value> {
            (rtype == "aws_iam_role").then(|| {
                let mut o = std::collections::BTreeMap::new();
                o.insert(
                    "arn".to_owned(),
                    Value::string(format!("arn:aws:iam::111122223333:role/{name}")),
                );
                crate::tfsource::evaluate::resource_object(o, name)
            })
        }
        fn root_variable(&self, name: &str) -> Option<Value> {
            (name == "later").then(|| Value::unknown("var.later"))
        }
    }
    static RUN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "kmsguard-fuzz-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let parts: Vec<&str> = text.split("\n-----\n").take(16).collect();
    let write = |rel: &str, body: &str| {
        let p = dir.join(rel);
        let _ = std::fs::create_dir_all(p.parent().unwrap_or(&dir));
        let _ = std::fs::write(p, body);
    };
    let _ = std::fs::create_dir_all(dir.join(".git"));
    write("main.tf", parts[0]);
    for (i, p) in parts.iter().enumerate().skip(1) {
        if i + 1 == parts.len() {
            write("modules/m/main.tf", p);
        } else {
            write(&format!("t{i}.tpl"), p);
        }
    }
    crate::tfsource::with_stack(|| {
        let Ok(config) = Config::open(&dir) else {
            return;
        };
        let facts = NoFacts;
        let ev = Evaluation::new(&config, &facts);
        let Ok(module) = config.module(&config.root) else {
            return;
        };
        let mut keys: Vec<&String> = module.resources.keys().collect();
        keys.sort();
        for k in keys.into_iter().take(32) {
            let Some((rtype, name)) = k.split_once('.') else {
                continue;
            };
            if let Ok(e) = ev.policy(&Default::default(), rtype, name, None) {
                let _ = crate::policy::Policy::parse(&e.text);
            }
        }
        let _ = config.problems();
    });
    let _ = std::fs::remove_dir_all(&dir);
}

/// Evaluates the attributes of a `.tf` text as `--config-dir` would (see
/// `inventory::source`).
pub fn evaluate_source_text(text: &str) {
    crate::tfsource::with_stack(|| evaluate_expressions(text));
}

/// Every attribute of an HCL text, evaluated.
fn evaluate_expressions(text: &str) {
    use crate::tfsource::eval::value::Value;
    use crate::tfsource::eval::{Budget, Evaluator, Scope};
    use crate::tfsource::syntax::parse_body;
    struct Fuzz;
    impl Scope for Fuzz {
        fn root(&self, _: &Evaluator, name: &str) -> crate::tfsource::eval::Result<Value> {
            use std::collections::BTreeMap;
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

/// Parses a policy text and evaluates it for a few callers; also uses the text as a
/// wildcard pattern and value (split at the first new line).
pub fn evaluate_policy_text(text: &str) {
    if let Some((pattern, value)) = text.split_once('\n') {
        let _ = glob_match(pattern, value, false);
        let _ = glob_match(pattern, value, true);
        let _ = arn_like(pattern, value);
    }
    let Ok(policy) = Policy::parse(text) else {
        return;
    };
    let tags: crate::policy::tags::Tags = [("team", "sec")].into_iter().collect();
    let bound = ["arn:aws:iam::111122223333:role/kms-admin".to_owned()];
    let ids = ["AROAAAAAAAAAAAAAAAAA".to_owned()];
    let callers = [
        (CallerKind::Root, "arn:aws:iam::111122223333:root", None),
        (
            CallerKind::Role,
            "arn:aws:iam::111122223333:role/kms-admin",
            Some("kms-admin"),
        ),
        (
            CallerKind::User,
            "arn:aws:iam::111122223333:user/alice",
            Some("alice"),
        ),
    ];
    for region in [Some("us-east-1"), None] {
        let target = Target {
            action: PUT_KEY_POLICY,
            key_account: Some("111122223333"),
            time: 1_795_860_000,
            region,
            key: Default::default(),
        };
        for (kind, arn, name) in callers {
            let c = Caller {
                kind,
                arn,
                account: Some("111122223333"),
                name,
                unique_id: Some("AIDAAAAAAAAAAAAAAAAA"),
                tags: Some(&tags),
                bound_arns: &bound,
                bound_ids: &ids,
                unsure_arns: &[],
                boundary: false,
            };
            let _ = decide(&policy, &target, &c);
        }
    }
}

#[cfg(test)]
mod tests {
    /// Regression for the first crash the policy_eval fuzzer found (an operator name with
    /// a multi-byte character at the end of an ASCII prefix).
    #[test]
    fn fuzz_crash_operator_name_not_at_a_char_boundary() {
        super::evaluate_policy_text(
            r#"{"Statement":[{"Action":"kms:*","Condition":{"ArnLiEffetsr\uEffeke":{"aws:PrincipalArn":["arn:aws:iot","arn:awG:iam::222244446666:role/kms-admin"]}},"Effect":"Allow","Principal":{"AWS":"*"},"Resource":"*","Sid":"KeyAdministration"}],"Version":"2012-10-17"}"#,
        );
    }

    /// `file()` and `templatefile()` on a device or a missing file fail at once instead of
    /// reading without end.
    #[test]
    fn source_files_that_are_not_regular_files_are_refused() {
        super::evaluate_source_text(
            "a = file(\"/dev/zero\")\nb = templatefile(\"/dev/urandom\", {})\nc = file(\"/nonexistent\")\n",
        );
        super::evaluate_source_text("a = jsonencode({ AWS = [var.later, \"x\"] })\n");
        super::evaluate_source_text("a = var.later == \"x\" ? 1 : 2\nb = \"${var.name}\"\n");
    }

    /// Regression for the first crash the source_eval fuzzer found: `%` by zero panicked in
    /// the HCL evaluator's integer arithmetic (hcl-rs, since replaced); kmsguard's
    /// evaluator reports it as an error.
    #[test]
    fn fuzz_crash_remainder_by_zero_in_source() {
        super::evaluate_source_text(include_str!(
            "../fuzz/regressions/source_eval-remainder-by-zero"
        ));
        for text in [
            "a = 1 % 0\n",
            "a = -9223372036854775808 % -1\n",
            "a = \"${1 % 0}\"\n",
            "a = \"%{ if 1 % 0 == 0 }x%{ endif }\"\n",
            "a = [for x in [1] : x % 0]\n",
            "a = { (\"k${1 % 0}\") = 1 }\n",
            "a = 18446744073709551615 * 18446744073709551615\n",
        ] {
            super::evaluate_source_text(text);
        }
    }

    /// Regression for the source_eval fuzzer's timeout: unclosed braces made the HCL parser
    /// (hcl-edit, since replaced) backtrack exponentially; kmsguard's parser reads it once.
    /// Locals that double, templates that call templates, outputs of a module that calls
    /// back, and nesting past the limit all end (the shapes issue 9 found by hand).
    #[test]
    fn source_folders_with_recursion_and_doubling_end() {
        let mut doubling = String::from("locals {\n  a0 = [\"x\"]\n");
        for i in 1..=40 {
            doubling.push_str(&format!(
                "  a{i} = concat(local.a{}, local.a{})\n",
                i - 1,
                i - 1
            ));
        }
        doubling
            .push_str("}\nresource \"aws_kms_key\" \"k\" {\n  policy = jsonencode(local.a40)\n}\n");
        super::evaluate_source_files(&doubling);
        super::evaluate_source_files(
            "resource \"aws_kms_key\" \"k\" {\n  policy = templatefile(\"t1.tpl\", {})\n}\n\n-----\n${templatefile(\"t1.tpl\", {})}\n-----\n",
        );
        super::evaluate_source_files(
            "module \"m\" {\n  source = \"./modules/m\"\n  x = module.m.y\n}\nresource \"aws_kms_key\" \"k\" {\n  policy = module.m.y\n}\n\n-----\nvariable \"x\" {}\noutput \"y\" {\n  value = var.x\n}\n",
        );
        super::evaluate_source_files(&format!(
            "resource \"aws_kms_key\" \"k\" {{\n  policy = {}1{}\n}}\n",
            "[".repeat(60_000),
            "]".repeat(60_000)
        ));
        super::evaluate_source_files(
            "locals {\n  a = local.b\n  b = local.a\n}\nresource \"aws_kms_key\" \"k\" {\n  policy = local.a\n}\n",
        );
    }

    #[test]
    fn fuzz_timeout_unclosed_braces_in_source() {
        super::evaluate_source_text(include_str!(
            "../fuzz/regressions/source_eval-unclosed-braces-backtracking"
        ));
    }
}
