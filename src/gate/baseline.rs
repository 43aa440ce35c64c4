//! Baselines: `--write-baseline FILE` records a run's findings; `--baseline FILE` accepts
//! those (by rule, key address, the key's account and the input as named) and fails only on
//! new ones.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::inventory::Inventory;
use crate::rules::Finding;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    rule: String,
    address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account: Option<String>,
    /// The input as the run named it.
    input: String,
}

/// A baseline read from a file.
#[derive(Debug)]
pub(crate) struct Baseline {
    pub path: String,
    entries: BTreeSet<Entry>,
}

fn entry(f: &Finding, inv: &Inventory) -> Entry {
    Entry {
        rule: f.rule.id.to_owned(),
        address: f.address.clone(),
        account: inv.keys[f.key].account.clone(),
        input: f.input.clone(),
    }
}

impl Baseline {
    pub(crate) fn contains(&self, f: &Finding, inv: &Inventory) -> bool {
        self.entries.contains(&entry(f, inv))
    }
}

/// Reads a baseline; the error is one line naming the file.
pub(crate) fn read(path: &std::path::Path) -> Result<Baseline, String> {
    let shown = path.to_string_lossy().into_owned();
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read it: {e}"))?;
    let file: File = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{shown}: not a kmsguard baseline: {}",
            super::one_line(&e.to_string())
        )
    })?;
    if file.version != 1 {
        return Err(format!(
            "{shown}: baseline version {} is not 1",
            file.version
        ));
    }
    Ok(Baseline {
        path: shown,
        entries: file.findings.into_iter().collect(),
    })
}

/// The baseline of a run's findings (every finding, suppressed or not), as JSON.
pub(crate) fn render(findings: &[Finding], inv: &Inventory) -> String {
    let entries: BTreeSet<Entry> = findings.iter().map(|f| entry(f, inv)).collect();
    let file = File {
        version: 1,
        findings: entries.into_iter().collect(),
    };
    let mut s = serde_json::to_string_pretty(&file).expect("a baseline serialises");
    s.push('\n');
    s
}
