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

fn change(a: &KeyAnalysis, live: bool) -> String {
    if live {
        // A key read from a live keys document: its verdict today, no apply.
        return format!("{} (today)", verdict(a.after.verdict));
    }
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

/// A pull-request comment holds at most 65,536 characters (GitHub); the report stays below,
/// with room for the footer and the lines that say what was left out.
pub(crate) const MAX_MARKDOWN_BYTES: usize = 60_000;

/// Writes the Markdown report, at most [`MAX_MARKDOWN_BYTES`]: rows and findings that do not
/// fit are counted in a line that points at the full reports.
pub(crate) fn render(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let inv = r.inventory;
    let h = r.headline();
    let mut doc = String::new();
    doc.push_str(&format!(
        "{} **kmsguard**: {}\n\n",
        h.mark.emoji(),
        super::escape::markdown_text(&h.text)
    ));
    let mut left_out = 0usize;
    // Adds a unit if it fits; counts it as left out otherwise.
    let add = |doc: &mut String, unit: String, left_out: &mut usize| {
        if doc.len() + unit.len() <= MAX_MARKDOWN_BYTES {
            doc.push_str(&unit);
            true
        } else {
            *left_out += 1;
            false
        }
    };

    let at_risk: Vec<&KeyAnalysis> = r.keys_at_risk().collect();
    if !at_risk.is_empty() {
        doc.push_str(
            "| Key | Before → after | Can manage after the apply |\n| --- | --- | --- |\n",
        );
        for a in &at_risk {
            let k = &inv.keys[a.key];
            let mut name = code(&k.address);
            if let Some(l) = r.locations.get(a.key) {
                name.push_str(&format!(" ({})", code(&format!("{}:{}", l.file, l.line))));
            }
            let row = format!(
                "| {} | {} | {} |\n",
                name,
                change(a, k.own.live.is_some()),
                managers(&a.after.evidence.managers)
            );
            add(&mut doc, row, &mut left_out);
        }
        doc.push('\n');
    }

    if r.active().next().is_some() {
        doc.push_str("### Findings\n\n");
        for f in r.active() {
            let icon = match f.severity {
                Severity::Error => "🛑",
                Severity::Warning => "⚠️",
            };
            let mut unit = format!(
                "- {icon} **{}** [`{}`]({}) {}: {}\n",
                f.severity.word(),
                f.rule.id,
                f.rule.help_url(),
                code(&f.address),
                text(&f.message)
            );
            if let Some(remedy) = &f.remedy {
                unit.push_str(&format!(
                    "  <details><summary>Remedy</summary>\n\n  {}\n\n",
                    text(&remedy.text)
                ));
                if let Some(statement) = &remedy.statement {
                    unit.push_str(&format!(
                        "{}\n\n",
                        markdown_block(&reindent(statement), "json", "  ")
                    ));
                }
                if let Some(hcl) = &remedy.hcl {
                    unit.push_str(&format!("{}\n\n", markdown_block(hcl, "hcl", "  ")));
                }
                unit.push_str("  </details>\n");
            }
            add(&mut doc, unit, &mut left_out);
        }
        doc.push('\n');
    }

    for e in r.errors {
        let unit = format!(
            "- ❌ input error: {}: {}\n",
            code(display_source(&e.input)),
            text(&e.error.to_string())
        );
        add(&mut doc, unit, &mut left_out);
    }

    let ok: Vec<&KeyAnalysis> = r
        .analyses
        .iter()
        .filter(|a| !at_risk.iter().any(|x| x.key == a.key))
        .collect();
    if !ok.is_empty() && left_out == 0 {
        let plural = if ok.len() == 1 { "" } else { "s" };
        let label = if at_risk.is_empty() {
            format!("{} key{plural} checked", ok.len())
        } else {
            format!("{} other key{plural}, without findings", ok.len())
        };
        doc.push_str(&format!(
            "<details><summary>{label}</summary>\n\n| Key | Before → after | Can manage after the apply |\n| --- | --- | --- |\n"
        ));
        let mut listed = 0;
        for a in ok.iter().take(500) {
            let row = format!(
                "| {} | {} | {} |\n",
                code(&inv.keys[a.key].address),
                change(a, inv.keys[a.key].own.live.is_some()),
                managers(&a.after.evidence.managers)
            );
            let mut none = 0;
            if !add(&mut doc, row, &mut none) {
                break;
            }
            listed += 1;
        }
        if ok.len() > listed {
            doc.push_str(&format!(
                "\n{} more not listed; see the JSON report.\n",
                ok.len() - listed
            ));
        }
        doc.push_str("\n</details>\n\n");
    }
    if left_out > 0 {
        doc.push_str(&format!(
            "**{left_out} more row(s) and finding(s) are not shown**: a comment holds at most 65,536 characters. The JSON and SARIF reports (and `kmsguard check` in the log) have them all.\n\n"
        ));
    }
    doc.push_str(&format!(
        "<sub>{} key(s) in {} input(s) · {} error(s), {} warning(s) · fail-on `{}` · kmsguard {}</sub>\n",
        r.analyses.len(),
        r.inputs.len() + r.errors.len(),
        r.count(Severity::Error),
        r.count(Severity::Warning),
        r.fail_on.word(),
        env!("CARGO_PKG_VERSION")
    ));
    out.write_all(doc.as_bytes())
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
