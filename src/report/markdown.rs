//! Markdown for a pull-request comment or `$GITHUB_STEP_SUMMARY`: a one-line verdict, a
//! table of the keys at risk, the findings with their remedies, long details folded.

use std::io::{self, Write};

use super::Report;
use crate::analysis::{KeyAnalysis, Manager, Verdict};
use crate::error::display_source;
use crate::policy::eval::CallerKind;
use crate::rules::Severity;

use super::escape::{markdown_block, markdown_code as code, markdown_text as text};

fn verdict(v: Verdict) -> String {
    match v {
        Verdict::LockedOut | Verdict::Recoverable => format!("**{}**", v.word()),
        _ => v.word().to_owned(),
    }
}

fn change(a: &KeyAnalysis) -> String {
    match &a.before {
        Some(b) => format!("{} → {}", b.verdict.word(), verdict(a.after.verdict)),
        None => format!("(created) → {}", verdict(a.after.verdict)),
    }
}

fn managers(list: &[Manager]) -> String {
    if list.is_empty() {
        return "nobody".into();
    }
    let shown: Vec<String> = super::shown_managers(list)
        .into_iter()
        .map(|m| match m.kind {
            CallerKind::Root => "account root".to_owned(),
            _ => code(&m.arn),
        })
        .collect();
    if shown.len() > 4 {
        format!("{} and {} more", shown[..4].join(", "), shown.len() - 4)
    } else {
        shown.join(", ")
    }
}

/// Compact JSON text laid out one element per line, keys in their written order.
fn reindent(json: &str) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    let mut chars = json.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                if matches!(chars.peek(), Some('}' | ']')) {
                    continue;
                }
                depth += 1;
                newline(&mut out, depth);
            }
            '}' | ']' => {
                if !matches!(out.chars().last(), Some('{' | '[')) {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
                while chars.peek() == Some(&' ') {
                    chars.next();
                }
            }
            ':' => {
                out.push_str(": ");
                while chars.peek() == Some(&' ') {
                    chars.next();
                }
            }
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes the Markdown report.
pub(crate) fn render(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let inv = r.inventory;
    let h = r.headline();
    let headline = format!(
        "{} **kmsguard**: {}",
        h.mark.emoji(),
        super::escape::markdown_text(&h.text)
    );
    writeln!(out, "{headline}\n")?;

    let at_risk: Vec<&KeyAnalysis> = r.keys_at_risk().collect();
    if !at_risk.is_empty() {
        writeln!(out, "| Key | Before → after | Can manage after the apply |")?;
        writeln!(out, "| --- | --- | --- |")?;
        for a in &at_risk {
            let k = &inv.keys[a.key];
            let mut name = code(&k.address);
            if let Some(l) = r.locations.get(a.key) {
                name.push_str(&format!(" ({})", code(&format!("{}:{}", l.file, l.line))));
            }
            writeln!(
                out,
                "| {} | {} | {} |",
                name,
                change(a),
                managers(&a.after.evidence.managers)
            )?;
        }
        writeln!(out)?;
    }

    if !r.findings.is_empty() {
        writeln!(out, "### Findings\n")?;
        for f in r.findings {
            let icon = match f.severity {
                Severity::Error => "🛑",
                Severity::Warning => "⚠️",
            };
            writeln!(
                out,
                "- {icon} **{}** [`{}`]({}) {}: {}",
                f.severity.word(),
                f.rule.id,
                f.rule.help_url(),
                code(&f.address),
                text(&f.message)
            )?;
            if let Some(remedy) = &f.remedy {
                write!(
                    out,
                    "  <details><summary>Remedy</summary>\n\n  {}\n\n",
                    text(&remedy.text)
                )?;
                if let Some(statement) = &remedy.statement {
                    writeln!(
                        out,
                        "{}\n",
                        markdown_block(&reindent(statement), "json", "  ")
                    )?;
                }
                writeln!(out, "  </details>")?;
            }
        }
        writeln!(out)?;
    }

    for e in r.errors {
        writeln!(
            out,
            "- ❌ input error: {}: {}",
            code(display_source(&e.input)),
            text(&e.error.to_string())
        )?;
    }

    let ok: Vec<&KeyAnalysis> = r
        .analyses
        .iter()
        .filter(|a| !at_risk.iter().any(|x| x.key == a.key))
        .collect();
    if !ok.is_empty() {
        let plural = if ok.len() == 1 { "" } else { "s" };
        let label = if at_risk.is_empty() {
            format!("{} key{plural} checked", ok.len())
        } else {
            format!("{} other key{plural}, without findings", ok.len())
        };
        writeln!(out, "<details><summary>{label}</summary>\n")?;
        writeln!(out, "| Key | Before → after | Can manage after the apply |")?;
        writeln!(out, "| --- | --- | --- |")?;
        for a in ok.iter().take(500) {
            writeln!(
                out,
                "| {} | {} | {} |",
                code(&inv.keys[a.key].address),
                change(a),
                managers(&a.after.evidence.managers)
            )?;
        }
        if ok.len() > 500 {
            writeln!(
                out,
                "\n{} more not listed; see the JSON report.",
                ok.len() - 500
            )?;
        }
        writeln!(out, "\n</details>\n")?;
    }
    writeln!(
        out,
        "<sub>{} key(s) in {} input(s) · {} error(s), {} warning(s) · fail-on `{}` · kmsguard {}</sub>",
        r.analyses.len(),
        r.inputs.len() + r.errors.len(),
        r.count(Severity::Error),
        r.count(Severity::Warning),
        r.fail_on.word(),
        env!("CARGO_PKG_VERSION")
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn statements_are_laid_out_in_their_key_order() {
        assert_eq!(
            super::reindent(
                r#"{"Sid": "a, \"b\": [c]", "Principal": {"AWS": "*"}, "Empty": [], "List": ["x", "y"]}"#
            ),
            "{\n  \"Sid\": \"a, \\\"b\\\": [c]\",\n  \"Principal\": {\n    \"AWS\": \"*\"\n  },\n  \"Empty\": [],\n  \"List\": [\n    \"x\",\n    \"y\"\n  ]\n}"
        );
    }
}
