//! The human report: grouped by key, coloured by severity, readable in a CI log.
//!
//! Colour is decided once in `main` (`colored::control::set_override`); this module only
//! styles.

use std::io::{self, Write};

use colored::{ColoredString, Colorize};

use super::Report;
use super::escape::terminal;
use crate::analysis::{KeyAnalysis, Manager, Verdict};
use crate::error::display_source;
use crate::policy::eval::{CallerKind, Via};
use crate::rules::{Finding, Severity};

/// Keys without findings are listed one per line up to this many; beyond it only counted.
pub(crate) const MAX_OK_LINES: usize = 50;
const MAX_MANAGERS_SHOWN: usize = 5;

pub(crate) fn verdict(v: Verdict) -> ColoredString {
    let w = v.word();
    match v {
        Verdict::Manageable => w.green(),
        Verdict::Recoverable => w.yellow().bold(),
        Verdict::LockedOut => w.red().bold(),
        Verdict::Unknown => w.magenta(),
        Verdict::Deleted => w.dimmed(),
    }
}

fn severity(s: Severity) -> ColoredString {
    match s {
        Severity::Error => s.word().red().bold(),
        Severity::Warning => s.word().yellow().bold(),
    }
}

fn change(a: &KeyAnalysis, live: bool) -> String {
    if live {
        // A key read from a live keys document: there is no apply, only today.
        return format!("{} (today, live)", verdict(a.after.verdict));
    }
    match &a.before {
        Some(b) => format!("{} → {}", verdict(b.verdict), verdict(a.after.verdict)),
        None => format!("{} → {}", "(created)".dimmed(), verdict(a.after.verdict)),
    }
}

fn when(live: bool) -> &'static str {
    if live { "today" } else { "after the apply" }
}

fn manager(m: &Manager, iam_known: bool, others: bool) -> String {
    let mut s = match (m.kind, m.via) {
        (CallerKind::Root, _) if iam_known && !others => format!(
            "only the root user {}; no IAM principal has kms:PutKeyPolicy on it today",
            terminal(&m.arn)
        ),
        (CallerKind::Root, _) if iam_known => format!("the root user {}", terminal(&m.arn)),
        (CallerKind::Root, _) => format!(
            "account root {} (and the IAM principals it delegates to)",
            terminal(&m.arn)
        ),
        (_, Via::Delegation) if m.iam_policy.is_some() => format!(
            "{} (through the account principal and its IAM policy {})",
            terminal(&m.arn),
            terminal(m.iam_policy.as_deref().unwrap_or_default())
        ),
        (_, Via::Delegation) => format!(
            "{} (through the account principal; rests on its IAM permissions)",
            terminal(&m.arn)
        ),
        (_, Via::Wildcard) => format!(
            "{} (matched by statement {})",
            terminal(&m.arn),
            terminal(&m.statement)
        ),
        _ => terminal(&m.arn).into_owned(),
    };
    if let Some(a) = &m.address {
        s.push_str(&format!(" [{}]", terminal(a)));
    }
    if m.assumed {
        s.push_str(" — no input manages it; assumed to exist");
    }
    let request = super::witness::describe(&m.request);
    if !request.is_empty() {
        s.push_str(&format!(
            " {}",
            format!("({})", terminal(&request.join(", "))).dimmed()
        ));
    }
    s
}

fn managers(ev: &crate::analysis::Evidence) -> String {
    let list = &ev.managers;
    if list.is_empty() {
        return "nobody".red().bold().to_string();
    }
    let shown = super::shown_managers(list);
    let others = shown.len() > 1;
    let mut parts: Vec<String> = shown
        .iter()
        .take(MAX_MANAGERS_SHOWN)
        .map(|m| manager(m, ev.iam_known, others))
        .collect();
    if shown.len() > MAX_MANAGERS_SHOWN {
        parts.push(format!("and {} more", shown.len() - MAX_MANAGERS_SHOWN));
    }
    parts.join("; ")
}

fn finding(out: &mut dyn Write, f: &Finding, quiet: bool) -> io::Result<()> {
    writeln!(
        out,
        "  {}[{}]: {}",
        severity(f.severity),
        f.rule.id.bold(),
        terminal(&f.message)
    )?;
    if let Some(r) = &f.remedy {
        writeln!(out, "    {} {}", "remedy:".cyan(), terminal(&r.text))?;
        if let Some(statement) = &r.statement {
            writeln!(out, "      {}", terminal(statement))?;
        }
        if let Some(hcl) = r.hcl.as_deref().filter(|_| !quiet) {
            writeln!(
                out,
                "    {}",
                "in Terraform (aws_iam_policy_document):".cyan()
            )?;
            for line in hcl.lines() {
                writeln!(out, "      {}", terminal(line))?;
            }
        }
    }
    if quiet {
        return Ok(());
    }
    writeln!(
        out,
        "    {} {}",
        "docs:".dimmed(),
        f.rule.help_uri().dimmed()
    )
}

/// Writes the text report.
pub(crate) fn render(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let inv = r.inventory;
    let multi = inv.inputs.len() > 1;
    let quiet = r.verbosity == super::Verbosity::Quiet;
    let mut ok = Vec::new();
    if let (Some(c), false) = (r.config, quiet) {
        writeln!(out, "{} configuration: {}", "note:".cyan(), terminal(c))?;
    }
    for info in r.inputs.iter().filter(|_| !quiet) {
        for n in &info.notes {
            writeln!(
                out,
                "{} {}: {}",
                "note:".cyan(),
                terminal(display_source(&info.name)),
                terminal(n)
            )?;
        }
    }
    for (src, n) in inv.notes.iter().filter(|_| !quiet) {
        writeln!(
            out,
            "{} {}: {}",
            "note:".cyan(),
            terminal(display_source(&inv.inputs[*src])),
            terminal(n)
        )?;
    }
    for a in r.analyses {
        let k = &inv.keys[a.key];
        let fs: Vec<&Finding> = r
            .findings_for(a.key)
            .filter(|f| !quiet || f.severity == Severity::Error)
            .collect();
        if fs.is_empty() {
            ok.push(a);
            continue;
        }
        write!(out, "\n{}", terminal(&k.address).bold())?;
        if multi {
            write!(
                out,
                "  {}",
                format!("({})", terminal(display_source(&inv.inputs[k.input]))).dimmed()
            )?;
        }
        if let Some(l) = r.locations.get(a.key) {
            write!(
                out,
                "  {}",
                format!("{}:{}", terminal(&l.file), l.line).dimmed()
            )?;
        }
        writeln!(out)?;
        let via = a
            .after
            .policy
            .resource
            .as_deref()
            .map(|p| format!("  policy from {}", terminal(p)))
            .unwrap_or_default();
        let live = k.own.live.is_some();
        if live {
            if let Some(l) = k.own.live.filter(|l| !l.aliases.is_empty()) {
                writeln!(out, "  aliases: {}", terminal(&l.aliases.join(", ")))?;
            }
        }
        writeln!(out, "  verdict: {}{}", change(a, live), via.dimmed())?;
        if let (true, Some(note)) = (a.after.policy.kind.rebuilt(), &a.after.notes.policy) {
            writeln!(
                out,
                "  {}",
                format!(
                    "policy after the apply: known only after apply; {}",
                    terminal(note)
                )
                .dimmed()
            )?;
        }
        if quiet {
            // The verdict and the errors say it.
        } else if a.after.verdict == Verdict::Unknown && a.after.evidence.managers.is_empty() {
            writeln!(
                out,
                "  can manage {}: {}",
                when(live),
                "nobody for sure; the finding says what is unknown".magenta()
            )?;
        } else if a.after.verdict != Verdict::Deleted {
            writeln!(
                out,
                "  can manage {}: {}",
                when(live),
                managers(&a.after.evidence)
            )?;
        }
        for f in fs {
            finding(out, f, quiet)?;
        }
    }
    if !ok.is_empty() && !quiet {
        writeln!(out)?;
        if ok.len() <= MAX_OK_LINES || r.verbosity == super::Verbosity::Verbose {
            for a in &ok {
                let k = &inv.keys[a.key];
                let live = k.own.live.is_some();
                let who = if a.after.verdict == Verdict::Manageable {
                    format!("  ({})", managers(&a.after.evidence))
                        .dimmed()
                        .to_string()
                } else {
                    String::new()
                };
                let src = if multi {
                    format!(" ({})", terminal(display_source(&inv.inputs[k.input])))
                } else {
                    String::new()
                };
                // A key whose findings a suppression or the baseline accepted.
                let accepted: Vec<&Finding> = r
                    .findings
                    .iter()
                    .filter(|f| f.key == a.key && f.suppressed.is_some())
                    .collect();
                let (mark, why) = match accepted.first().and_then(|f| f.suppressed.as_ref()) {
                    Some(s) => (
                        "accepted".yellow(),
                        format!(
                            "  {}",
                            format!("({} suppressed: {})", accepted.len(), terminal(&s.reason))
                                .dimmed()
                        ),
                    ),
                    None => ("ok".green(), String::new()),
                };
                writeln!(
                    out,
                    "{}  {}{}  {}{}{}",
                    mark,
                    terminal(&k.address),
                    src.dimmed(),
                    change(a, live),
                    who,
                    why
                )?;
            }
        } else {
            writeln!(
                out,
                "{} {} more keys have no findings (use --format json to list them)",
                "ok".green(),
                ok.len()
            )?;
        }
    }
    if !r.errors.is_empty() {
        writeln!(out)?;
        for e in r.errors {
            writeln!(
                out,
                "{}: {}",
                "input error".red().bold(),
                terminal(&e.to_string())
            )?;
        }
    }
    summary(r, out)
}

fn summary(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let counts: Vec<String> = r
        .verdict_counts()
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(v, n)| format!("{n} {}", verdict(v)))
        .collect();
    let verdicts = if counts.is_empty() {
        "no KMS keys found".to_owned()
    } else {
        counts.join(", ")
    };
    let outcome = r.outcome();
    let word = match outcome {
        super::Outcome::Pass => "PASS".green().bold(),
        super::Outcome::Fail => "FAIL".red().bold(),
        super::Outcome::InputError => "INPUT ERROR".red().bold(),
    };
    let inputs = r.inputs.len() + r.errors.len();
    let h = r.headline();
    if h.mark != super::Mark::Ok {
        let mark = match h.mark {
            super::Mark::Fail => "✘".red().bold(),
            _ => "!".yellow().bold(),
        };
        write!(out, "\n{mark} {}", terminal(&h.text))?;
    }
    writeln!(
        out,
        "\n{} key{} in {} input{}: {} · {} error{}, {} warning{} · {} (fail-on {})",
        r.analyses.len(),
        if r.analyses.len() == 1 { "" } else { "s" },
        inputs,
        if inputs == 1 { "" } else { "s" },
        verdicts,
        r.count(Severity::Error),
        if r.count(Severity::Error) == 1 {
            ""
        } else {
            "s"
        },
        r.count(Severity::Warning),
        if r.count(Severity::Warning) == 1 {
            ""
        } else {
            "s"
        },
        word,
        r.fail_on.word()
    )
}
