//! Step 6 of the pipeline: the team's gate over the findings — the configuration file
//! (`.kmsguard.toml`: fail-on, per-rule severity, rules turned off, workspaces,
//! suppressions with a reason and an expiry) and the baseline. Findings stay; a suppressed
//! one carries why, and renderers count it instead of failing on it.

pub(crate) mod baseline;
pub(crate) mod config;
pub(crate) mod inline;

use crate::inventory::Inventory;
use crate::rules::{Finding, Severity, Suppressed};
pub(crate) use config::{Config, RuleSetting};

/// What the gate did to the findings, for the reports.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    /// Warnings about the configuration: a suppression that matched nothing, one that
    /// expired.
    pub notes: Vec<String>,
}

/// Applies the configuration and the baseline to the findings of a run.
pub(crate) fn apply(
    findings: Vec<Finding>,
    inv: &Inventory,
    config: Option<&Config>,
    inline: &inline::Inline,
    baseline: Option<&baseline::Baseline>,
    today: i64,
) -> (Vec<Finding>, Applied) {
    let mut applied = Applied::default();
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    for mut f in findings {
        if let Some(setting) = config.and_then(|c| c.rules.get(f.rule.id)) {
            match setting {
                RuleSetting::Off => continue,
                RuleSetting::Severity(s) => f.severity = *s,
            }
        }
        out.push(f);
    }
    if let Some(c) = config {
        let mut used = vec![false; c.suppress.len()];
        for f in &mut out {
            let key = &inv.keys[f.key];
            let arns = [key.arn_before.as_deref(), key.arn_after.as_deref()];
            for (i, s) in c.suppress.iter().enumerate() {
                if !s.matches(f, &arns) {
                    continue;
                }
                used[i] = true;
                if s.expired(today) {
                    continue;
                }
                f.suppressed = Some(Suppressed {
                    by: "config",
                    reason: s.reason.clone(),
                    expires: s.expires_text.clone(),
                });
                break;
            }
        }
        for (s, used) in c.suppress.iter().zip(used) {
            if !used {
                applied.notes.push(format!(
                    "{}: the suppression of {} at line {} matches no finding",
                    c.path, s.rule, s.line
                ));
            } else if s.expired(today) {
                applied.notes.push(format!(
                    "{}: the suppression of {} at line {} expired on {}; its findings count again",
                    c.path,
                    s.rule,
                    s.line,
                    s.expires_text.as_deref().unwrap_or_default()
                ));
            }
        }
    }
    if config.is_none_or(|c| c.inline_suppressions) {
        applied.notes.extend(inline.apply(&mut out, today));
    }
    if let Some(b) = baseline {
        for f in out.iter_mut().filter(|f| f.suppressed.is_none()) {
            if b.contains(f, inv) {
                f.suppressed = Some(Suppressed {
                    by: "baseline",
                    reason: format!("in the baseline {}", b.path),
                    expires: None,
                });
            }
        }
    }
    (out, applied)
}

/// Whether a finding counts against the gate.
pub(crate) fn counts(f: &Finding) -> bool {
    f.suppressed.is_none()
}

/// Severities a configuration can give a rule.
pub(crate) fn severity_of(word: &str) -> Option<RuleSetting> {
    match word {
        "error" => Some(RuleSetting::Severity(Severity::Error)),
        "warning" => Some(RuleSetting::Severity(Severity::Warning)),
        "off" => Some(RuleSetting::Off),
        _ => None,
    }
}

/// A message of the TOML or JSON parser on one line (the run prints it in one).
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
