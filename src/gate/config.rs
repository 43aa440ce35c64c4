//! `.kmsguard.toml`: one file a team keeps next to its Terraform (docs/configuration.md).
//! Unknown fields are refused with their line; rule ids, dates and reasons are checked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::rules::{FailOn, Finding, RULES};

/// The name kmsguard looks for, from the working directory up.
pub(crate) const FILE_NAME: &str = ".kmsguard.toml";

/// The most bytes read of a configuration file.
const MAX_BYTES: u64 = 1 << 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct File {
    fail_on: Option<FailOn>,
    inline_suppressions: Option<bool>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, RuleEntry>,
    #[serde(default)]
    workspace: Vec<WorkspaceEntry>,
    #[serde(default)]
    suppress: Vec<Spanned<SuppressEntry>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    severity: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkspaceEntry {
    input: PathBuf,
    dir: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuppressEntry {
    rule: String,
    key: Option<String>,
    arn: Option<String>,
    input: Option<String>,
    reason: String,
    expires: Option<String>,
}

/// What a configuration sets for a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RuleSetting {
    Off,
    Severity(crate::rules::Severity),
}

/// A suppression: which findings (a rule and a key address, key ARN or input), why, until
/// when.
#[derive(Debug, Clone)]
pub(crate) struct Suppression {
    pub rule: String,
    pub key: Option<String>,
    pub arn: Option<String>,
    pub input: Option<String>,
    pub reason: String,
    /// The last day it holds, as written, and as epoch seconds of the day after.
    pub expires_text: Option<String>,
    ends: Option<i64>,
    /// Its line in the file.
    pub line: usize,
}

impl Suppression {
    pub(crate) fn matches(&self, f: &Finding, arns: &[Option<&str>]) -> bool {
        f.rule.id == self.rule
            && self.key.as_ref().is_none_or(|k| *k == f.address)
            && self.input.as_ref().is_none_or(|i| *i == f.input)
            && self
                .arn
                .as_ref()
                .is_none_or(|a| arns.iter().flatten().any(|x| x == a))
    }

    pub(crate) fn expired(&self, now: i64) -> bool {
        self.ends.is_some_and(|e| now >= e)
    }
}

/// A configuration file, read and checked.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// As reports show it.
    pub path: String,
    pub fail_on: Option<FailOn>,
    /// `# kmsguard:ignore[rule] reason` comments above key blocks count (default true).
    pub inline_suppressions: bool,
    pub rules: BTreeMap<&'static str, RuleSetting>,
    /// (input, root module), relative to the working directory.
    pub workspaces: Vec<(PathBuf, PathBuf)>,
    pub suppress: Vec<Suppression>,
}

/// Finds `.kmsguard.toml` in `start` or a folder above it.
pub(crate) fn discover(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(1, |t| t.matches('\n').count() + 1)
}

/// Reads and checks a configuration file; the error is one line naming the file and line.
pub(crate) fn load(path: &Path) -> Result<Config, String> {
    use std::io::Read;
    let shown = path.to_string_lossy().into_owned();
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| format!("{shown}: cannot read it: {e}"))?;
    if text.len() as u64 > MAX_BYTES {
        return Err(format!("{shown}: it is larger than 1 MiB"));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let file: File = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(text, s.start));
        format!("{shown}:{line}: {}", super::one_line(e.message()))
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    let known = |id: &str| RULES.iter().find(|r| r.id == id).map(|r| r.id);
    let mut rules = BTreeMap::new();
    for (id, entry) in &file.rules {
        let line = line_of(text, id.span().start);
        let Some(rule) = known(id.get_ref()) else {
            return Err(format!(
                "{shown}:{line}: unknown rule {:?} (kmsguard rules lists them)",
                id.get_ref()
            ));
        };
        let Some(setting) = super::severity_of(entry.severity.get_ref()) else {
            return Err(format!(
                "{shown}:{}: severity must be \"error\", \"warning\" or \"off\"",
                line_of(text, entry.severity.span().start)
            ));
        };
        rules.insert(rule, setting);
    }
    let mut suppress = Vec::new();
    for s in &file.suppress {
        let line = line_of(text, s.span().start);
        let e = s.get_ref();
        if known(&e.rule).is_none() {
            return Err(format!("{shown}:{line}: unknown rule {:?}", e.rule));
        }
        if e.reason.trim().is_empty() {
            return Err(format!(
                "{shown}:{line}: a suppression needs a reason (reason = \"…\")"
            ));
        }
        if e.key.is_none() && e.arn.is_none() && e.input.is_none() {
            return Err(format!(
                "{shown}:{line}: a suppression names the key (key = ADDRESS, arn = ARN) or the input (input = FILE) it accepts"
            ));
        }
        let ends = match &e.expires {
            Some(d) => Some(
                crate::policy::time::parse(d)
                    .filter(|_| d.len() == 10)
                    .ok_or_else(|| format!("{shown}:{line}: expires must be a date, YYYY-MM-DD"))?
                    + 86_400,
            ),
            None => None,
        };
        suppress.push(Suppression {
            rule: e.rule.clone(),
            key: e.key.clone(),
            arn: e.arn.clone(),
            input: e.input.clone(),
            reason: e.reason.clone(),
            expires_text: e.expires.clone(),
            ends,
            line,
        });
    }
    let workspaces = file
        .workspace
        .iter()
        .map(|w| (base.join(&w.input), base.join(&w.dir)))
        .collect();
    Ok(Config {
        path: shown,
        fail_on: file.fail_on,
        inline_suppressions: file.inline_suppressions.unwrap_or(true),
        rules,
        workspaces,
        suppress,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Config, String> {
        let d = tempfile_dir();
        let p = d.join(FILE_NAME);
        std::fs::write(&p, text).unwrap();
        let r = load(&p);
        let _ = std::fs::remove_dir_all(&d);
        r
    }

    fn tempfile_dir() -> PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let d = std::env::temp_dir().join(format!(
            "kmsguard-config-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn unknown_fields_rules_and_bad_values_are_refused_with_their_line() {
        let e =
            load_text("fail-on = \"error\"\n\n[rules.nope]\nseverity = \"error\"\n").unwrap_err();
        assert!(e.contains(":3:") && e.contains("unknown rule"), "{e}");
        let e = load_text("fail-on = \"error\"\ncolour = true\n").unwrap_err();
        assert!(e.contains(":2:") && e.contains("colour"), "{e}");
        let e = load_text("[rules.policy-unknown]\nseverity = \"fatal\"\n").unwrap_err();
        assert!(e.contains(":2:"), "{e}");
        let e = load_text(
            "[[suppress]]\nrule = \"key-locked-out\"\nkey = \"aws_kms_key.k\"\nreason = \"\"\n",
        )
        .unwrap_err();
        assert!(e.contains("needs a reason"), "{e}");
        let e = load_text("[[suppress]]\nrule = \"key-locked-out\"\nkey = \"k\"\nreason = \"x\"\nexpires = \"soon\"\n")
            .unwrap_err();
        assert!(e.contains("YYYY-MM-DD"), "{e}");
    }

    #[test]
    fn a_full_configuration_reads() {
        let c = load_text(
            "fail-on = \"warning\"\n[rules.policy-unknown]\nseverity = \"error\"\n[rules.principal-orphaned]\nseverity = \"off\"\n[[workspace]]\ninput = \"plans/eu.json\"\ndir = \"infra/eu\"\n[[suppress]]\nrule = \"already-locked-out\"\nkey = \"aws_kms_key.legacy\"\nreason = \"AWS Support case 123\"\nexpires = \"2027-01-31\"\n",
        )
        .unwrap();
        assert_eq!(c.fail_on, Some(FailOn::Warning));
        assert_eq!(
            c.rules.get("policy-unknown"),
            Some(&RuleSetting::Severity(crate::rules::Severity::Error))
        );
        assert_eq!(c.rules.get("principal-orphaned"), Some(&RuleSetting::Off));
        assert_eq!(c.suppress[0].line, 9);
        let jan31 = crate::policy::time::parse("2027-01-31T23:59:59Z").unwrap();
        assert!(!c.suppress[0].expired(jan31));
        assert!(c.suppress[0].expired(jan31 + 1));
        assert!(c.workspaces[0].0.ends_with("plans/eu.json"));
    }
}
