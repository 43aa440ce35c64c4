//! `kmsguard explain`: for one key, the effective policy before and after the apply, every
//! candidate caller, and each statement's outcome for `kms:PutKeyPolicy` (principal,
//! action, resource, condition: true, false or unknown with the reason). The analysis
//! computed all of it; this module only shows it.

use std::io::{self, Write};

use colored::Colorize;
use serde::Serialize;

use super::escape::terminal;
use crate::analysis::{CandidateTrace, KeyAnalysis, PhaseResult, Verdict};
use crate::error::display_source;
use crate::inventory::{Inventory, Key};
use crate::policy::document::Effect;
use crate::policy::eval::{StatementOutcome, Tri, Via};
use crate::policy::placeholder::display_value;
use crate::resolve::{EffectivePolicy, KeyPolicies, Origin, Rebuilt};

/// The policy text of a phase, pretty-printed where it is JSON.
fn policy_json(key: &Key, text: &EffectivePolicy) -> Option<serde_json::Value> {
    match text {
        EffectivePolicy::Known {
            text,
            origin: Origin::Literal,
            ..
        } => serde_json::from_str(text).ok(),
        EffectivePolicy::Known { text, .. } => serde_json::from_str(text).ok().map(shown),
        EffectivePolicy::Default { .. } => {
            let account = key.account.as_deref().unwrap_or("ACCOUNT_ID");
            let partition = key.partition.as_deref().unwrap_or("aws");
            Some(serde_json::json!({
                "Version": "2012-10-17",
                "Id": "key-default-1",
                "Statement": [{
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": format!("arn:{partition}:iam::{account}:root")},
                    "Action": "kms:*",
                    "Resource": "*"
                }]
            }))
        }
        _ => None,
    }
}

/// A rebuilt policy as people read it: each value known only after apply as `⟨what⟩`.
fn shown(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::String(s) => Value::String(display_value(&s)),
        Value::Array(a) => Value::Array(a.into_iter().map(shown).collect()),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (display_value(&k), shown(v)))
                .collect(),
        ),
        other => other,
    }
}

#[derive(Serialize)]
struct JsonPhase<'a> {
    verdict: Verdict,
    policy_source: crate::resolve::PolicyKind,
    /// What a rebuilt policy was built from.
    #[serde(skip_serializing_if = "Option::is_none")]
    rebuilt_from: Option<&'a str>,
    /// The values of a rebuilt policy that stay unknown (`⟨…⟩` in `policy`).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    placeholders: &'a [String],
    /// Values of a rebuilt policy that the plan did not show, and where each comes from.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    symbolic_values: &'a [String],
    policy_resource: Option<&'a str>,
    /// The policy as JSON, when it is known (`null` otherwise; see `unknown`).
    policy: Option<serde_json::Value>,
    /// The raw text when it is not valid JSON.
    policy_text: Option<&'a str>,
    unknown: &'a [String],
    managers: &'a [crate::analysis::Manager],
    recovery: Option<&'a crate::analysis::Recovery>,
    /// One caller and one request that works, for `manageable` and `recoverable`.
    #[serde(skip_serializing_if = "Option::is_none")]
    witness: Option<super::witness::Witness<'a>>,
    /// What KMS refuses in the policy (statements that never take effect).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    refused: &'a [String],
    candidates: &'a [CandidateTrace],
}

#[derive(Serialize)]
struct JsonExplain<'a> {
    version: u32,
    address: &'a str,
    source: &'a str,
    #[serde(rename = "type")]
    rtype: &'a str,
    lifecycle: crate::inventory::Lifecycle,
    arn: Option<&'a str>,
    account: Option<&'a str>,
    before: Option<JsonPhase<'a>>,
    after: JsonPhase<'a>,
}

fn json_phase<'a>(key: &Key, text: &'a EffectivePolicy, p: &'a PhaseResult) -> JsonPhase<'a> {
    let policy = policy_json(key, text);
    let resolved = text.rebuild();
    JsonPhase {
        verdict: p.verdict,
        policy_source: p.policy.kind,
        rebuilt_from: resolved.map(|r| r.detail.as_str()),
        placeholders: resolved
            .map(|r| r.placeholders.as_slice())
            .unwrap_or_default(),
        symbolic_values: resolved.map(|r| r.symbolic.as_slice()).unwrap_or_default(),
        policy_resource: p.policy.resource.as_deref(),
        policy_text: match (text, &policy) {
            (
                EffectivePolicy::Known {
                    text,
                    origin: Origin::Literal,
                    ..
                },
                None,
            ) => Some(text),
            _ => None,
        },
        policy,
        unknown: &p.unknown,
        managers: &p.evidence.managers,
        recovery: p.evidence.recovery.as_ref(),
        witness: super::witness::of(p),
        refused: &p.policy.refusals,
        candidates: p
            .trace
            .as_ref()
            .map(|t| t.candidates.as_slice())
            .unwrap_or_default(),
    }
}

/// Writes the explanation as JSON (`version` 1).
pub(crate) fn render_json(
    inv: &Inventory,
    pol: &KeyPolicies,
    a: &KeyAnalysis,
    out: &mut dyn Write,
) -> io::Result<()> {
    let key = &inv.keys[a.key];
    let doc = JsonExplain {
        version: 1,
        address: &key.address,
        source: &inv.inputs[key.input],
        rtype: &key.resource.rtype,
        lifecycle: key.lifecycle,
        arn: key.arn_after.as_deref().or(key.arn_before.as_deref()),
        account: key.account.as_deref(),
        before: a.before.as_ref().map(|b| json_phase(key, &pol.before, b)),
        after: json_phase(key, &pol.after, &a.after),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn tri(t: Tri) -> colored::ColoredString {
    match t {
        Tri::True => "yes".green(),
        Tri::False => "no".red(),
        Tri::Unknown => "unknown".magenta(),
    }
}

fn via(v: Option<Via>) -> colored::ColoredString {
    match v {
        Some(Via::Principal) => "named".green(),
        Some(Via::Account) => "account principal (root)".green(),
        Some(Via::Delegation) => "account principal (via IAM policies)".green(),
        Some(Via::Wildcard) => "wildcard".green(),
        None => "no".red(),
    }
}

fn statement_line(
    out: &mut dyn Write,
    label: &str,
    effect: &str,
    s: &StatementOutcome,
) -> io::Result<()> {
    let mut line = format!(
        "      {label} {effect}: principal {}, action {}, resource {}, condition {} → {}",
        match (s.principal, s.principal_matches) {
            (_, Tri::Unknown) => tri(Tri::Unknown),
            (v, _) => via(v),
        },
        tri(s.action_matches),
        tri(s.resource),
        tri(s.condition),
        match s.applies {
            Tri::True => "applies".bold().to_string(),
            Tri::False => "does not apply".dimmed().to_string(),
            Tri::Unknown => "may apply".magenta().to_string(),
        }
    );
    if let Some(r) = &s.unknown_reason {
        line.push_str(&format!(" ({})", terminal(r)));
    }
    writeln!(out, "{line}")
}

fn phase_text(
    out: &mut dyn Write,
    title: &str,
    key: &Key,
    text: &EffectivePolicy,
    p: &PhaseResult,
    unchanged: bool,
) -> io::Result<()> {
    writeln!(out, "\n{} {}", title.bold(), verdict_word(p.verdict))?;
    match text {
        EffectivePolicy::Known {
            via,
            origin: Origin::Literal,
            ..
        } => {
            let from = via
                .as_deref()
                .map(|v| format!(" (set by {})", terminal(v)))
                .unwrap_or_default();
            writeln!(out, "  policy{from}:")?;
        }
        EffectivePolicy::Default { reason } => writeln!(
            out,
            "  policy: the default key policy ({}):",
            terminal(reason)
        )?,
        EffectivePolicy::Known {
            origin: Origin::Rebuilt(resolved),
            via,
            ..
        } => {
            let from = via
                .as_deref()
                .map(|v| format!(" (set by {})", terminal(v)))
                .unwrap_or_default();
            let how = match resolved.from {
                Rebuilt::DataSource => "taken from",
                Rebuilt::Configuration => "rebuilt from",
                Rebuilt::HclSource => "evaluated from",
            };
            if resolved.from == Rebuilt::DataSource {
                writeln!(out, "  policy{from}: {how} {}:", terminal(&resolved.detail))?;
            } else {
                writeln!(
                    out,
                    "  policy{from}: known only after apply; {how} {}:",
                    terminal(&resolved.detail)
                )?;
            }
            for s in &resolved.symbolic {
                writeln!(out, "    {} {}", "from the plan:".cyan(), terminal(s))?;
            }
            for p in &resolved.placeholders {
                writeln!(out, "    {} {}", "unknown value:".magenta(), terminal(p))?;
            }
        }
        EffectivePolicy::Unknown { reason } => writeln!(
            out,
            "  policy: not known at plan time: {}",
            terminal(reason)
        )?,
        EffectivePolicy::Absent => writeln!(out, "  the key does not exist")?,
    }
    match policy_json(key, text) {
        _ if unchanged => writeln!(out, "    (unchanged: as before the apply)")?,
        Some(v) => {
            for l in serde_json::to_string_pretty(&v).unwrap_or_default().lines() {
                writeln!(out, "    {}", terminal(l))?;
            }
        }
        None => {
            // Not JSON: shown as one JSON string, so no line of it starts a line here.
            if let EffectivePolicy::Known { text, .. } = text {
                let quoted = serde_json::Value::String(text.to_string()).to_string();
                writeln!(out, "    {}", terminal(&quoted))?;
            }
        }
    }
    if let Some(e) = &p.policy.error {
        writeln!(out, "  {} {}", "invalid:".red().bold(), terminal(e))?;
    }
    for r in &p.policy.refusals {
        writeln!(out, "  {} {}", "refused by KMS:".red(), terminal(r))?;
    }
    for n in [&p.notes.version, &p.notes.time].into_iter().flatten() {
        writeln!(out, "  {} {}", "note:".cyan(), terminal(n))?;
    }
    if p.evidence.reads_time {
        writeln!(
            out,
            "  requests are made at {} (the plan's time) or later",
            crate::policy::time::format(p.evidence.time)
        )?;
    }
    let Some(trace) = &p.trace else {
        for u in &p.unknown {
            writeln!(out, "  {} {}", "unknown:".magenta(), terminal(u))?;
        }
        return Ok(());
    };
    writeln!(out, "  candidates for kms:PutKeyPolicy:")?;
    for c in &trace.candidates {
        let mark = match c.decision.can {
            Tri::True => "✔".green(),
            Tri::False => "✘".red(),
            Tri::Unknown => "?".magenta(),
        };
        writeln!(
            out,
            "    {mark} {} — {}",
            terminal(&c.arn).bold(),
            terminal(&c.origin)
        )?;
        if !c.bound && !c.hypothetical {
            writeln!(
                out,
                "      {}",
                "Principal entries naming this ARN do not bind to it (new unique ID)".dimmed()
            )?;
        }
        let mut silent = 0;
        for s in &c.decision.statements {
            if s.principal_matches == Tri::False && s.applies == Tri::False {
                silent += 1;
                continue;
            }
            let (label, effect) = match trace.statements.get(s.index) {
                Some((l, Effect::Allow)) => (format!("statement {}", terminal(l)), "Allow"),
                Some((l, Effect::Deny)) => (format!("statement {}", terminal(l)), "Deny"),
                None => ("?".to_owned(), "?"),
            };
            statement_line(out, &label, effect, s)?;
        }
        let shown = c.decision.statements.len() - silent;
        let silent_line = match (silent, shown) {
            (0, _) => None,
            (n, 0) if n == c.decision.statements.len() => Some("no statement names it".to_owned()),
            (1, _) => Some("1 other statement does not name it".to_owned()),
            (n, _) => Some(format!("{n} other statements do not name it")),
        };
        if let Some(line) = silent_line {
            writeln!(out, "      {}", line.dimmed())?;
        }
        let outcome = match (c.decision.can, c.decision.allowed, c.decision.denied) {
            (Tri::True, _, _) => "allowed and not denied: can manage the key"
                .green()
                .to_string(),
            (Tri::False, Tri::False, _) => "no Allow statement applies".red().to_string(),
            (Tri::False, _, _) => "denied".red().to_string(),
            (Tri::Unknown, _, _) => "cannot tell (see the unknown parts above)"
                .magenta()
                .to_string(),
        };
        writeln!(out, "      → {outcome}")?;
        if c.decision.can == Tri::True {
            let phrases = super::witness::describe(&c.decision.request);
            if !phrases.is_empty() {
                writeln!(
                    out,
                    "        request that works: {}",
                    terminal(&phrases.join(", "))
                )?;
            }
        }
    }
    if let Some(r) = &p.evidence.recovery {
        writeln!(
            out,
            "  recovery: create {} ({}); statement {} then allows it",
            terminal(&r.arn),
            terminal(&r.origin.to_string()),
            terminal(&r.statement)
        )?;
    }
    if let Some(c) = p.evidence.time_change {
        writeln!(
            out,
            "  {} from {} on, the policy's time conditions make the key {}",
            "time:".yellow().bold(),
            crate::policy::time::format(c.at),
            super::text::verdict(c.verdict)
        )?;
    }
    // The witness says more than the candidate list only when the policy reads the request.
    if let Some(w) =
        super::witness::of(p).filter(|w| !w.request.is_empty() || p.evidence.reads_time)
    {
        writeln!(out, "  witness: {}", terminal(&w.summary))?;
    }
    Ok(())
}

fn verdict_word(v: Verdict) -> colored::ColoredString {
    match v {
        Verdict::Deleted => super::text::verdict(v),
        _ => super::text::verdict(v).bold(),
    }
}

/// Writes the explanation as text.
pub(crate) fn render_text(
    inv: &Inventory,
    pol: &KeyPolicies,
    a: &KeyAnalysis,
    out: &mut dyn Write,
) -> io::Result<()> {
    let key = &inv.keys[a.key];
    writeln!(
        out,
        "{}  {}",
        terminal(&key.address).bold(),
        format!("({})", terminal(display_source(&inv.inputs[key.input]))).dimmed()
    )?;
    let arn = key
        .arn_after
        .as_deref()
        .or(key.arn_before.as_deref())
        .unwrap_or("(known after apply)");
    writeln!(
        out,
        "  {}, {} by this plan; ARN {}",
        terminal(&key.resource.rtype),
        key.lifecycle.word(),
        terminal(arn)
    )?;
    if let Some(b) = &a.before {
        phase_text(out, "before the apply:", key, &pol.before, b, false)?;
    } else {
        writeln!(
            out,
            "\n{} the key does not exist yet",
            "before the apply:".bold()
        )?;
    }
    let unchanged = a.before.is_some() && pol.before == pol.after;
    phase_text(
        out,
        "after the apply:",
        key,
        &pol.after,
        &a.after,
        unchanged,
    )
}
