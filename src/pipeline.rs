//! The steps from recognised documents to findings, in order: the inventory of what the
//! inputs show, the policy that governs each key, the verdicts, the findings.

use crate::analysis::{self, KeyAnalysis};
use crate::inventory::{self, Input, Inventory};
use crate::plan::configuration::Configs;
use crate::resolve::{self, KeyPolicies};
use crate::rules::{self, Finding};
use crate::tfsource::config::Config;

/// Everything the steps decided about a run's inputs.
pub(crate) struct Checked<'a> {
    pub inventory: Inventory<'a>,
    /// The verdicts of each key (in the inventory's order).
    pub analyses: Vec<KeyAnalysis>,
    pub findings: Vec<Finding>,
    /// The recovery runbook of every key nobody can manage after the apply.
    pub runbooks: Vec<rules::runbook::Runbook>,
}

/// The inventory and the policy of every key; `sources` is, per input, the Terraform
/// configuration to evaluate its policies from (its workspace's `--config-dir`), if any.
pub(crate) fn resolve<'a>(
    inputs: &'a [Input<'_>],
    sources: &[Option<&Config>],
) -> (Inventory<'a>, Vec<KeyPolicies<'a>>) {
    let configs = Configs::new(inputs.iter().map(|i| &i.doc).collect());
    let inventory = inventory::build(inputs, &configs);
    let policies = resolve::policies(&inventory, &configs, sources);
    (inventory, policies)
}

/// Every step.
pub(crate) fn check<'a>(inputs: &'a [Input<'_>], sources: &[Option<&Config>]) -> Checked<'a> {
    let (inventory, policies) = resolve(inputs, sources);
    let analyses = analysis::analyse(&inventory, &policies);
    let findings = rules::check(&inventory, &analyses);
    let runbooks = rules::runbook::build(&inventory, &analyses, &policies);
    Checked {
        inventory,
        analyses,
        findings,
        runbooks,
    }
}
