//! Step 6 of the pipeline: findings → text, JSON, SARIF, Markdown, workflow commands or a
//! JMESPath query result.
//!
//! Renderers only format what the earlier steps decided; the exit code is computed here
//! from the findings and the input errors, once, for every format.

pub(crate) mod escape;
pub(crate) mod explain;
pub(crate) mod github;
pub(crate) mod json;
pub(crate) mod markdown;
pub(crate) mod runbook;
pub(crate) mod sarif;
pub(crate) mod text;
pub(crate) mod witness;

use crate::analysis::{KeyAnalysis, Verdict};
use crate::error::SourcedError;
use crate::inventory::Inventory;
use crate::plan::DocKind;
use crate::rules::{Finding, Severity};
use crate::tfsource::locate::Locations;

pub(crate) use crate::rules::FailOn;

/// What one input was, for the report.
#[derive(Debug, Clone)]
pub struct InputInfo {
    pub name: String,
    pub kind: DocKind,
    pub format_version: String,
    pub notes: Vec<String>,
    /// The root module this input is paired with (`--workspace`, `--config-dir`), as given.
    pub workspace: Option<String>,
}

/// Everything a renderer may show.
pub struct Report<'r, 'a> {
    pub inventory: &'r Inventory<'a>,
    pub inputs: &'r [InputInfo],
    pub analyses: &'r [KeyAnalysis],
    pub findings: &'r [Finding],
    pub errors: &'r [SourcedError],
    pub fail_on: FailOn,
    /// Source locations of the keys (empty without `--config-dir`).
    pub locations: &'r Locations,
    /// How much the text report says (`-q`, `-v`).
    pub verbosity: Verbosity,
    /// The configuration file used, if any.
    pub config: Option<&'r str>,
    /// The recovery runbook of every key nobody can manage.
    pub runbooks: &'r [crate::rules::runbook::Runbook],
}

/// How much the text report says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Verbosity {
    /// `-q`: the keys with error findings, their errors, input errors, the headline and the
    /// summary line.
    Quiet,
    /// Every key with a finding, a line per key without one (collapsed past 50), notes.
    #[default]
    Normal,
    /// As normal, and every key without findings listed.
    Verbose,
}

/// The run's outcome, as the exit code says it (see docs/usage.md#exit-codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No finding reaches `--fail-on`.
    Pass,
    /// A finding reaches `--fail-on`.
    Fail,
    /// An input could not be used (the others were still checked).
    InputError,
}

impl Outcome {
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::InputError => "error",
        }
    }
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Pass => 0,
            Outcome::Fail => 1,
            Outcome::InputError => 2,
        }
    }
}

impl Report<'_, '_> {
    pub fn outcome(&self) -> Outcome {
        if !self.errors.is_empty() {
            Outcome::InputError
        } else if self.active().any(|f| self.fail_on.reached_by(f.severity)) {
            Outcome::Fail
        } else {
            Outcome::Pass
        }
    }

    /// The findings that count against the gate (not suppressed, not in the baseline).
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| crate::gate::counts(f))
    }

    /// How many findings a suppression or the baseline accepted.
    pub fn suppressed(&self) -> usize {
        self.findings.len() - self.active().count()
    }

    pub fn count(&self, s: Severity) -> usize {
        self.active().filter(|f| f.severity == s).count()
    }

    /// How many keys end in each verdict after the apply.
    pub fn verdict_counts(&self) -> Vec<(Verdict, usize)> {
        [
            Verdict::Manageable,
            Verdict::Recoverable,
            Verdict::LockedOut,
            Verdict::Unknown,
            Verdict::Deleted,
        ]
        .into_iter()
        .map(|v| {
            (
                v,
                self.analyses
                    .iter()
                    .filter(|a| a.after.verdict == v)
                    .count(),
            )
        })
        .collect()
    }

    /// Keys whose after-verdict this plan makes unmanageable.
    pub fn introduced_lockouts(&self) -> usize {
        self.analyses
            .iter()
            .filter(|a| {
                a.after.verdict.unmanageable()
                    && !a.before.as_ref().is_some_and(|b| b.verdict.unmanageable())
            })
            .count()
    }

    /// The run in one line, from the verdicts — never from the gate alone: what this plan
    /// does to keys, what is undecided, what was already broken, and whether the gate
    /// enforced it.
    pub fn headline(&self) -> Headline {
        let outcome = self.outcome();
        let plural = |n: usize, one: &str, many: &str| {
            if n == 1 {
                format!("{n} {one}")
            } else {
                format!("{n} {many}")
            }
        };
        let mut parts = Vec::new();
        if !self.errors.is_empty() {
            parts.push(format!(
                "{} could not be read",
                plural(self.errors.len(), "input", "inputs")
            ));
        }
        let introduced = self.introduced_lockouts();
        if introduced > 0 {
            parts.push(format!(
                "this plan leaves {} with nobody able to manage {}",
                plural(introduced, "KMS key", "KMS keys"),
                if introduced == 1 { "it" } else { "them" }
            ));
        }
        let scheduled = self
            .analyses
            .iter()
            .filter(|a| {
                a.after.verdict == Verdict::Manageable
                    && a.after
                        .evidence
                        .time_change
                        .is_some_and(|c| c.verdict != Verdict::Manageable)
            })
            .count();
        if scheduled > 0 {
            parts.push(format!(
                "{} nobody can manage from a date in {} policy",
                plural(scheduled, "key", "keys"),
                if scheduled == 1 { "its" } else { "their" }
            ));
        }
        // Keys read from a live keys document are judged as they are today, not by a plan.
        let live = |a: &&KeyAnalysis| self.inventory.keys[a.key].own.live.is_some();
        let count = |f: &dyn Fn(&&KeyAnalysis) -> bool| self.analyses.iter().filter(f).count();
        let unknown = |a: &&KeyAnalysis| a.after.verdict == Verdict::Unknown;
        for (n, what, (one, many)) in [
            (
                count(&|a| unknown(a) && !live(a)),
                "undecided (see policy-unknown; --config-dir evaluates policies the plan leaves unknown)",
                ("key", "keys"),
            ),
            (
                count(&|a| unknown(a) && live(a)),
                "undecided today (see policy-unknown)",
                ("live key", "live keys"),
            ),
            (
                count(&|a| a.after.verdict.unmanageable() && live(a)),
                "nobody can manage today (--format runbook says how to recover)",
                ("live key", "live keys"),
            ),
        ] {
            if n > 0 {
                parts.push(format!("{} {what}", plural(n, one, many)));
            }
        }
        let already = self
            .analyses
            .iter()
            .filter(|a| {
                a.after.verdict.unmanageable()
                    && a.before.as_ref().is_some_and(|b| b.verdict.unmanageable())
                    && !live(a)
            })
            .count();
        if already > 0 {
            parts.push(format!(
                "{} already unmanageable before this plan",
                plural(already, "key", "keys")
            ));
        }
        let failing = self
            .active()
            .filter(|f| self.fail_on.reached_by(f.severity))
            .count();
        if parts.is_empty() && failing > 0 {
            parts.push(format!(
                "{} at or above --fail-on {}",
                plural(failing, "finding", "findings"),
                self.fail_on.word()
            ));
        }
        let suppressed = self.suppressed();
        if suppressed > 0 {
            parts.push(format!(
                "{} accepted by a suppression or the baseline",
                plural(suppressed, "finding", "findings")
            ));
        }
        match (parts.is_empty(), outcome) {
            (true, _) => Headline {
                mark: Mark::Ok,
                text: format!(
                    "every KMS key stays manageable ({} checked)",
                    self.analyses.len()
                ),
            },
            (false, Outcome::Pass) => Headline {
                mark: Mark::NotEnforced,
                text: format!(
                    "{} — not enforced (fail-on {})",
                    parts.join("; "),
                    self.fail_on.word()
                ),
            },
            (false, _) => Headline {
                mark: Mark::Fail,
                text: parts.join("; "),
            },
        }
    }

    pub fn findings_for(&self, key: usize) -> impl Iterator<Item = &Finding> {
        self.active().filter(move |f| f.key == key)
    }

    /// Keys worth a reviewer's eye: the verdict changes, is not `manageable`, or a rule fired.
    pub fn keys_at_risk(&self) -> impl Iterator<Item = &KeyAnalysis> {
        self.analyses.iter().filter(|a| {
            let changed = a.before.as_ref().map(|b| b.verdict) != Some(a.after.verdict);
            let deleted = a.after.verdict == Verdict::Deleted;
            (!deleted && (changed || a.after.verdict != Verdict::Manageable))
                || self.active().any(|f| f.key == a.key)
        })
    }
}

/// The run in one line (see [`Report::headline`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headline {
    pub mark: Mark,
    pub text: String,
}

/// How a headline is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Every key stays manageable and nothing is undecided.
    Ok,
    /// Something is wrong, and the gate did not fail the run.
    NotEnforced,
    /// The gate failed the run (or an input could not be read).
    Fail,
}

impl Mark {
    pub fn emoji(self) -> &'static str {
        match self {
            Mark::Ok => "✅",
            Mark::NotEnforced => "⚠️",
            Mark::Fail => "❌",
        }
    }
}

/// The managers worth naming: with the root among them, identities reached through the
/// account principal (delegation) go without saying.
pub(crate) fn shown_managers(list: &[crate::analysis::Manager]) -> Vec<&crate::analysis::Manager> {
    use crate::policy::eval::{CallerKind, Via};
    let root = list.iter().any(|m| m.kind == CallerKind::Root);
    // Beside the root, a delegated manager is worth naming only when an account export
    // shows the IAM policy that lets it (otherwise every identity would qualify).
    list.iter()
        .filter(|m| !(root && m.via == Via::Delegation && m.iam_policy.is_none()))
        .collect()
}

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Grouped by key, coloured; for people and CI logs.
    Text,
    /// The versioned JSON report (docs/json-report.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// A pull-request comment or `$GITHUB_STEP_SUMMARY`.
    Markdown,
    /// GitHub Actions workflow commands: findings as annotations.
    Github,
    /// `name=value` lines for `$GITHUB_OUTPUT`: verdict, locked-out-count.
    GithubOutput,
    /// Markdown: the recovery runbook of every key nobody can manage (docs/audit.md).
    Runbook,
}

impl Format {
    pub fn render(self, r: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        match self {
            Format::Text => text::render(r, out),
            Format::Json => json::render(r, out),
            Format::Sarif => sarif::render(r, out),
            Format::Markdown => markdown::render(r, out),
            Format::Github => github::render(r, out),
            Format::GithubOutput => github::render_outputs(r, out),
            Format::Runbook => runbook::render(r, out),
        }
    }
}
