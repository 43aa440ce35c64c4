//! The frozen JSON report, version 1 (documented in docs/json-report.md).
//!
//! The wire structs borrow from the report and are kept apart from the internal types, so
//! a refactoring inside cannot silently change what automation reads.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Report;
use crate::analysis::{Manager, PhaseResult, Recovery, Verdict};
use crate::error::display_source;
use crate::inventory::Lifecycle;
use crate::plan::DocKind;
use crate::resolve::PolicyKind;
use crate::rules::{Rule, Severity};

pub(crate) const VERSION: u32 = 1;

#[derive(Serialize)]
pub(crate) struct V1<'r> {
    pub version: u32,
    pub tool: Tool,
    pub inputs: Vec<V1Input<'r>>,
    pub errors: Vec<V1Error<'r>>,
    pub keys: Vec<V1Key<'r>>,
    pub findings: Vec<V1Finding<'r>>,
    pub summary: V1Summary,
    /// The configuration file used (additive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<&'r str>,
}

#[derive(Serialize)]
pub(crate) struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Serialize)]
pub(crate) struct V1Input<'r> {
    pub source: &'r str,
    pub kind: DocKind,
    pub format_version: &'r str,
    pub account: Option<&'r str>,
    pub notes: Vec<&'r str>,
    /// The root module paired with this input (additive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<&'r str>,
}

#[derive(Serialize)]
pub(crate) struct V1Error<'r> {
    pub source: &'r str,
    pub message: String,
}

#[derive(Serialize)]
pub(crate) struct V1Key<'r> {
    pub address: &'r str,
    pub source: &'r str,
    #[serde(rename = "type")]
    pub rtype: &'r str,
    pub lifecycle: Lifecycle,
    pub arn: Option<&'r str>,
    pub account: Option<&'r str>,
    /// The account was inferred from other resources, not read from the key's ARN.
    pub account_inferred: bool,
    pub verdict_before: Option<Verdict>,
    pub verdict: Verdict,
    pub policy_source: PolicyKind,
    pub policy_resource: Option<&'r str>,
    /// Who can call kms:PutKeyPolicy after the apply.
    pub managers: &'r [Manager],
    pub managers_before: Option<&'r [Manager]>,
    /// What is missing, for `unknown`.
    pub unknown: &'r [String],
    pub recovery: Option<&'r Recovery>,
    /// Principals the policy names that no input manages (assumed to exist).
    pub assumed_principals: &'r [String],
    pub notes: Vec<&'r str>,
    /// For `manageable` and `recoverable`: one caller and one request that works.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<super::witness::Witness<'r>>,
    /// Where the key's block is (with its workspace's source), additive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<&'r crate::tfsource::locate::Location>,
}

#[derive(Serialize)]
pub(crate) struct V1Finding<'r> {
    pub rule: &'static Rule,
    pub severity: Severity,
    pub address: &'r str,
    pub source: &'r str,
    /// The key's account, when known (additive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<&'r str>,
    pub message: &'r str,
    pub remedy: Option<String>,
    pub help_uri: String,
    /// Where the key's block is (additive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<&'r crate::tfsource::locate::Location>,
    /// Why the finding does not count, when a suppression or the baseline accepts it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<&'r crate::rules::Suppressed>,
}

#[derive(Serialize)]
pub(crate) struct V1Summary {
    pub inputs: usize,
    pub input_errors: usize,
    pub keys: usize,
    /// Keys by verdict after the apply.
    pub verdicts: BTreeMap<&'static str, usize>,
    /// Keys that this plan makes unmanageable (`locked_out` or `recoverable`).
    pub introduced_lockouts: usize,
    pub errors: usize,
    pub warnings: usize,
    pub fail_on: &'static str,
    /// `pass`, `fail` or `error` (an input could not be used); matches the exit code 0/1/2.
    pub result: &'static str,
    /// The run in one line, from the verdicts (also when the gate does not enforce them).
    pub headline: String,
    /// Findings a suppression or the baseline accepted (not counted in errors/warnings).
    pub suppressed: usize,
}

fn notes(p: &PhaseResult) -> impl Iterator<Item = &str> {
    p.notes
        .policy
        .as_deref()
        .into_iter()
        .chain(p.notes.account.as_deref())
        .chain(p.notes.time.as_deref())
        .chain(p.notes.version.as_deref())
}

/// Builds the v1 document.
pub(crate) fn build<'r>(r: &'r Report) -> V1<'r> {
    let inv = r.inventory;
    let keys = r
        .analyses
        .iter()
        .map(|a| {
            let k = &inv.keys[a.key];
            let mut key_notes: Vec<&str> = notes(&a.after).collect();
            if let Some(b) = &a.before {
                for n in notes(b) {
                    if !key_notes.contains(&n) {
                        key_notes.push(n);
                    }
                }
            }
            V1Key {
                address: &k.address,
                source: &inv.inputs[k.input],
                rtype: &k.resource.rtype,
                lifecycle: k.lifecycle,
                arn: k.arn_after.as_deref().or(k.arn_before.as_deref()),
                account: k.account.as_deref(),
                account_inferred: k.account_inferred,
                verdict_before: a.before.as_ref().map(|b| b.verdict),
                verdict: a.after.verdict,
                policy_source: a.after.policy.kind,
                policy_resource: k.policy_resource(),
                managers: &a.after.evidence.managers,
                managers_before: a.before.as_ref().map(|b| b.evidence.managers.as_slice()),
                unknown: &a.after.unknown,
                recovery: a.after.evidence.recovery.as_ref(),
                assumed_principals: &a.after.evidence.assumed,
                notes: key_notes,
                witness: super::witness::of(&a.after),
                location: r.locations.get(a.key),
            }
        })
        .collect();
    let findings = r
        .findings
        .iter()
        .map(|f| V1Finding {
            rule: f.rule,
            severity: f.severity,
            address: &f.address,
            source: &f.input,
            account: inv.keys[f.key].account.as_deref(),
            location: r.locations.get(f.key),
            suppressed: f.suppressed.as_ref(),
            message: &f.message,
            remedy: f.remedy.as_ref().map(crate::rules::Remedy::flat),
            help_uri: f.rule.help_uri(),
        })
        .collect();
    V1 {
        version: VERSION,
        tool: Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        },
        inputs: r
            .inputs
            .iter()
            .enumerate()
            .map(|(i, info)| V1Input {
                source: &info.name,
                kind: info.kind,
                format_version: &info.format_version,
                account: inv.input_accounts.get(i).and_then(|a| a.as_deref()),
                workspace: info.workspace.as_deref(),
                notes: info
                    .notes
                    .iter()
                    .map(String::as_str)
                    .chain(
                        inv.notes
                            .iter()
                            .filter(|(s, _)| *s == i)
                            .map(|(_, n)| n.as_str()),
                    )
                    .collect(),
            })
            .collect(),
        errors: r
            .errors
            .iter()
            .map(|e| V1Error {
                source: &e.input,
                message: format!("{}: {}", display_source(&e.input), e.error),
            })
            .collect(),
        keys,
        findings,
        summary: V1Summary {
            inputs: r.inputs.len() + r.errors.len(),
            input_errors: r.errors.len(),
            keys: r.analyses.len(),
            verdicts: r
                .verdict_counts()
                .into_iter()
                .map(|(v, n)| (v.word(), n))
                .collect(),
            introduced_lockouts: r.introduced_lockouts(),
            errors: r.count(Severity::Error),
            warnings: r.count(Severity::Warning),
            fail_on: r.fail_on.word(),
            result: r.outcome().word(),
            headline: r.headline().text,
            suppressed: r.suppressed(),
        },
        config: r.config,
    }
}

/// The report as a JSON value (for `--query`).
pub(crate) fn to_value(r: &Report) -> serde_json::Value {
    serde_json::to_value(build(r)).expect("the report serializes")
}

/// The report as pretty-printed JSON text.
pub(crate) fn render(r: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &build(r))?;
    writeln!(out)
}
