//! Step 5 of the pipeline: verdicts → findings.
//!
//! Each rule lives in a file of its own that holds its metadata ([`Rule`]: id, severity,
//! summary, description, security-severity) next to its check; the checks only interpret the
//! analysis — none of them evaluates a policy or prints. [`registry::RULES`] lists them all.
//!
//! Adding a rule: a file here with its `RULE` and `check`, a line in [`registry::RULES`], and
//! a section in `docs/rules.md` whose anchor is the id (a test checks all three).

mod already_locked_out;
mod key_locked_out;
mod key_recoverable_only;
mod lockout_check_bypassed;
mod lockout_scheduled;
mod lockout_undecided;
mod one_deletion_from_lockout;
mod policy_drift;
mod policy_invalid;
mod policy_unknown;
mod principal_orphaned;
pub(crate) mod registry;
pub(crate) mod runbook;
mod sentences;

use serde::Serialize;

use crate::analysis::KeyAnalysis;
use crate::inventory::{Inventory, Key};
pub use registry::RULES;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn word(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The `--fail-on` threshold.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

impl FailOn {
    pub fn reached_by(self, s: Severity) -> bool {
        match self {
            FailOn::Error => s >= Severity::Error,
            FailOn::Warning => s >= Severity::Warning,
            FailOn::Never => false,
        }
    }
    pub fn word(self) -> &'static str {
        match self {
            FailOn::Error => "error",
            FailOn::Warning => "warning",
            FailOn::Never => "never",
        }
    }
}

/// Where the rules are documented, relative to the repository root.
pub(crate) const DOCS_PATH: &str = "docs/rules.md";

/// A rule: what it is called and says, and its check.
pub struct Rule {
    /// Stable, kebab-case; also the anchor of its section in `docs/rules.md`.
    pub id: &'static str,
    pub severity: Severity,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// A few sentences: what the rule finds and why it matters.
    pub description: &'static str,
    /// GitHub code scanning's `security-severity` (0.0-10.0).
    pub security_severity: &'static str,
    /// The finding for one key, if the rule applies to it.
    check: fn(&KeyCtx) -> Option<Finding>,
}

impl Rule {
    pub fn help_uri(&self) -> String {
        format!("{DOCS_PATH}#{}", self.id)
    }

    /// The same anchor as an absolute URL in the project's repository (for SARIF).
    pub fn help_url(&self) -> String {
        format!(
            "{}/blob/main/{DOCS_PATH}#{}",
            env!("CARGO_PKG_REPOSITORY"),
            self.id
        )
    }
}

impl PartialEq for Rule {
    fn eq(&self, other: &Rule) -> bool {
        self.id == other.id
    }
}

impl Eq for Rule {}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id)
    }
}

/// One finding about one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static Rule,
    pub severity: Severity,
    /// Index into [`Inventory::keys`].
    pub key: usize,
    pub address: String,
    /// The name of the input that shows the key.
    pub input: String,
    pub message: String,
    pub remedy: Option<Remedy>,
    /// Accepted by a suppression or a baseline (`crate::gate`): reported, not failing.
    pub suppressed: Option<Suppressed>,
}

/// Why a finding does not count against the gate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Suppressed {
    /// `config` (a suppression in the configuration file) or `baseline`.
    pub by: &'static str,
    pub reason: String,
    /// The last day the suppression holds (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// What to do about a finding: what to do, and a key policy statement to add, kept apart so
/// that reports can show the statement as code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remedy {
    pub text: String,
    /// One JSON statement (compact, on one line).
    pub statement: Option<String>,
    /// The same statement as an `aws_iam_policy_document` block, when there is one.
    pub hcl: Option<String>,
}

impl Remedy {
    pub fn text(text: impl Into<String>) -> Remedy {
        Remedy {
            text: text.into(),
            statement: None,
            hcl: None,
        }
    }

    /// The remedy as one string: the text, then the statement.
    pub fn flat(&self) -> String {
        match &self.statement {
            Some(s) => format!("{} {s}", self.text),
            None => self.text.clone(),
        }
    }
}

/// What a rule looks at: one key, its analysis and the inventory.
pub(crate) struct KeyCtx<'r, 'a> {
    pub inv: &'r Inventory<'a>,
    pub key: &'r Key<'a>,
    pub analysis: &'r KeyAnalysis,
}

impl KeyCtx<'_, '_> {
    fn finding(&self, rule: &'static Rule, message: String, remedy: Option<Remedy>) -> Finding {
        Finding {
            rule,
            severity: rule.severity,
            key: self.analysis.key,
            address: self.key.address.clone(),
            input: self.inv.inputs[self.key.input].clone(),
            message,
            remedy,
            suppressed: None,
        }
    }
}

/// Runs every rule on every key; a key's findings are in the registry's order.
pub(crate) fn check(inv: &Inventory, analyses: &[KeyAnalysis]) -> Vec<Finding> {
    let mut out = Vec::new();
    for a in analyses {
        let ctx = KeyCtx {
            inv,
            key: &inv.keys[a.key],
            analysis: a,
        };
        out.extend(RULES.iter().filter_map(|r| (r.check)(&ctx)));
    }
    out
}
