//! Entry points for the fuzz targets in `fuzz/` (see docs/fuzzing.md). Not a stable API.

use crate::inventory;
use crate::locate::Locations;
use crate::plan;
use crate::policy::Policy;
use crate::policy::condition::arn_like;
use crate::policy::eval::{Caller, CallerKind, PUT_KEY_POLICY, Target, decide};
use crate::policy::glob::glob_match;
use crate::report::{FailOn, Format, Report};
use crate::{analysis, rules};

/// Runs the whole pipeline over documents given as bytes and renders every format.
pub fn check_bytes(docs: &[&[u8]]) {
    let (inputs, infos, errors) =
        crate::run::sort_documents(docs.iter().enumerate().map(|(i, bytes)| {
            let source = format!("input{i}.json");
            let doc = plan::load(&source, bytes);
            (source, doc)
        }));
    let inv = inventory::build(&inputs);
    let analyses = analysis::analyse(&inv);
    let findings = rules::check(&inv, &analyses);
    let locations = Locations::default();
    let r = Report {
        inventory: &inv,
        inputs: &infos,
        analyses: &analyses,
        findings: &findings,
        errors: &errors,
        fail_on: FailOn::Error,
        locations: &locations,
    };
    for f in [
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Markdown,
        Format::Github,
        Format::GithubOutput,
    ] {
        f.render(&r, &mut std::io::sink())
            .expect("rendering into a sink cannot fail");
    }
    let _ = r.outcome();
}

/// Runs the whole pipeline over documents given as bytes and returns the text report (no
/// colour) and the Markdown report (for the property tests of escaping).
pub fn text_and_markdown(docs: &[&[u8]]) -> (String, String) {
    let (inputs, infos, errors) =
        crate::run::sort_documents(docs.iter().enumerate().map(|(i, bytes)| {
            let source = format!("input{i}.json");
            let doc = plan::load(&source, bytes);
            (source, doc)
        }));
    let inv = inventory::build(&inputs);
    let analyses = analysis::analyse(&inv);
    let findings = rules::check(&inv, &analyses);
    let locations = Locations::default();
    let r = Report {
        inventory: &inv,
        inputs: &infos,
        analyses: &analyses,
        findings: &findings,
        errors: &errors,
        fail_on: FailOn::Error,
        locations: &locations,
    };
    let render = |f: Format| {
        let mut out = Vec::new();
        f.render(&r, &mut out)
            .expect("rendering into memory cannot fail");
        String::from_utf8(out).expect("reports are UTF-8")
    };
    colored::control::set_override(false);
    (render(Format::Text), render(Format::Markdown))
}

/// Evaluates the attributes of a `.tf` text as `--config-dir` would (see
/// `inventory::source`).
pub fn evaluate_source_text(text: &str) {
    inventory::source::fuzz_evaluate(text);
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
    for key_arn in [Some("arn:aws:kms:us-east-1:111122223333:key/k"), None] {
        let target = Target {
            action: PUT_KEY_POLICY,
            key_arn,
            key_account: Some("111122223333"),
            key_tags: Some(&tags),
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
    #[test]
    fn fuzz_timeout_unclosed_braces_in_source() {
        super::evaluate_source_text(include_str!(
            "../fuzz/regressions/source_eval-unclosed-braces-backtracking"
        ));
    }
}
