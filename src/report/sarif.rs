//! SARIF 2.1.0 for GitHub code scanning: a minimal model written by hand.
//!
//! Every rule is in the tool driver (with `helpUri` and `security-severity`); each finding
//! has a logical location (the resource address), a physical location (the `.tf` file and
//! line with `--config-dir`, else the plan file), and a `partialFingerprints` entry built
//! from the rule, the address and the key's deployment (its account; with several inputs
//! also its root module or input), so it stays the same across runs and differs for the
//! same module deployed twice.

use serde::Serialize;

use super::Report;
use crate::error::display_source;
use crate::rules::{RULES, Rule, Severity, registry};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct Sarif<'r> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'r>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'r> {
    tool: Tool,
    results: Vec<SarifResult<'r>>,
    invocations: Vec<Invocation>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<SarifRule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRule {
    id: &'static str,
    name: String,
    short_description: Text,
    full_description: Text,
    help_uri: String,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    precision: &'static str,
    tags: [&'static str; 3],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'r> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location<'r>>,
    partial_fingerprints: Fingerprints,
    /// A suppression or the baseline accepted it (SARIF `suppressions`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
}

#[derive(Serialize)]
struct SarifSuppression {
    kind: &'static str,
    justification: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'r> {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    logical_locations: Vec<LogicalLocation<'r>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

/// The base that every artifact URI is relative to: the root of the repository (GitHub code
/// scanning resolves it to the checkout).
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'r> {
    fully_qualified_name: &'r str,
    kind: &'static str,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "kmsguardFinding/v2")]
    finding: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// `key-locked-out` → `KeyLockedOut`.
fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A path relative to the repository root as a SARIF URI: percent-encoded, `/`-separated.
/// `None` for a path that is absolute or leaves the repository (code scanning can only show
/// files of the repository).
fn artifact(relative: &str) -> Option<String> {
    let path = relative.replace('\\', "/");
    let outside = path.starts_with('/')
        || path.split('/').any(|c| c == "..")
        || path.get(1..2) == Some(":")
        || path.is_empty();
    if outside {
        return None;
    }
    let mut uri = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    Some(uri)
}

/// The plan file's path relative to the repository around the working directory, if it is in
/// it.
fn plan_in_repository(source: &str) -> Option<String> {
    if source == "-" {
        return None;
    }
    let abs = std::path::absolute(source).ok()?;
    let cwd = std::env::current_dir().ok()?;
    let root = cwd.ancestors().find(|d| d.join(".git").exists())?;
    let rel = crate::tfsource::locate::relative_inside(&abs, root)?;
    artifact(&rel)
}

/// FNV-1a, 64 bits: stable across runs, platforms and versions of this program.
/// A finding's identity in code scanning: the rule, the key's address and its workspace
/// (`account/ROOT_MODULE`, empty when neither is known).
pub(crate) fn fingerprint(rule: &Rule, address: &str, workspace: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let extra = (!workspace.is_empty())
        .then(|| [0u8].into_iter().chain(workspace.bytes()))
        .into_iter()
        .flatten();
    for b in rule
        .id
        .bytes()
        .chain([0u8])
        .chain(address.bytes())
        .chain(extra)
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn rules() -> Vec<SarifRule> {
    RULES
        .iter()
        .map(|r| SarifRule {
            id: r.id,
            name: pascal(r.id),
            short_description: Text {
                text: r.summary.to_owned(),
            },
            full_description: Text {
                text: r.description.to_owned(),
            },
            help_uri: r.help_url(),
            help: Help {
                text: format!("{} See {}", r.description, r.help_url()),
                markdown: format!("{}\n\n[Documentation]({})", r.description, r.help_url()),
            },
            default_configuration: Configuration {
                level: level(r.severity),
            },
            properties: RuleProperties {
                security_severity: r.security_severity,
                precision: "high",
                tags: ["security", "kms", "terraform"],
            },
        })
        .collect()
}

/// Writes the SARIF log.
pub(crate) fn render(r: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let inv = r.inventory;
    let results = r
        .findings
        .iter()
        .map(|f| {
            let physical = match r.locations.get(f.key) {
                Some(l) => artifact(&l.file).map(|uri| (uri, l.line)),
                // Without the source, point at the plan file itself, if it is in the
                // repository (not, say, a temporary file a CI step converted).
                None => plan_in_repository(&f.input).map(|uri| (uri, 1)),
            }
            .map(|(uri, line)| PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri,
                    uri_base_id: SRCROOT,
                },
                region: Region { start_line: line },
            });
            let rule_index = registry::index(f.rule);
            let key = &inv.keys[f.key];
            let info = r.inputs.iter().find(|i| i.name == f.input);
            // Which deployment of the module: its account; with several inputs also its root
            // module (or, unpaired, the input). One input keeps the same identity with or
            // without --config-dir.
            let place = if r.inputs.len() > 1 {
                info.and_then(|i| i.workspace.as_deref())
                    .unwrap_or(&f.input)
            } else {
                ""
            };
            let workspace = format!("{}/{place}", key.account.as_deref().unwrap_or_default());
            let workspace = if workspace == "/" {
                String::new()
            } else {
                workspace
            };
            // With several inputs, the message says which one (and its account).
            let mut text = if r.inputs.len() > 1 {
                match key.account.as_deref() {
                    Some(a) => format!(
                        "{} (account {a}): {}: {}",
                        display_source(&f.input),
                        f.address,
                        f.message
                    ),
                    None => format!("{}: {}: {}", display_source(&f.input), f.address, f.message),
                }
            } else {
                format!("{}: {}", f.address, f.message)
            };
            if let Some(remedy) = &f.remedy {
                text.push_str(&format!(" Remedy: {}", remedy.flat()));
            }
            SarifResult {
                rule_id: f.rule.id,
                rule_index,
                level: level(f.severity),
                message: Text { text },
                locations: vec![Location {
                    physical_location: physical,
                    logical_locations: vec![LogicalLocation {
                        fully_qualified_name: &f.address,
                        kind: "resource",
                    }],
                }],
                partial_fingerprints: Fingerprints {
                    finding: fingerprint(f.rule, &f.address, &workspace),
                },
                suppressions: f
                    .suppressed
                    .iter()
                    .map(|s| SarifSuppression {
                        kind: "external",
                        justification: match &s.expires {
                            Some(e) => format!("{} (until {e}; {})", s.reason, s.by),
                            None => format!("{} ({})", s.reason, s.by),
                        },
                    })
                    .collect(),
            }
        })
        .collect();
    let notifications = r
        .errors
        .iter()
        .map(|e| Notification {
            level: "error",
            message: Text {
                text: format!("{}: {}", display_source(&e.input), e.error),
            },
        })
        .chain(inv.notes.iter().map(|(src, n)| Notification {
            level: "note",
            message: Text {
                text: format!("{}: {n}", display_source(&inv.inputs[*src])),
            },
        }))
        .collect();
    let log = Sarif {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: env!("CARGO_PKG_NAME"),
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules: rules(),
                },
            },
            results,
            invocations: vec![Invocation {
                execution_successful: r.errors.is_empty(),
                tool_execution_notifications: notifications,
            }],
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str) -> &'static Rule {
        registry::find(id).unwrap()
    }

    #[test]
    fn fingerprints_are_stable() {
        // Pinned: a change here changes every alert's identity in code scanning.
        assert_eq!(
            fingerprint(rule("key-locked-out"), "aws_kms_key.data", ""),
            fingerprint(rule("key-locked-out"), "aws_kms_key.data", "")
        );
        assert_ne!(
            fingerprint(rule("key-locked-out"), "aws_kms_key.data", ""),
            fingerprint(rule("policy-unknown"), "aws_kms_key.data", "")
        );
        // The same module in two accounts or root modules: two alerts.
        assert_ne!(
            fingerprint(rule("key-locked-out"), "aws_kms_key.data", "111122223333/"),
            fingerprint(rule("key-locked-out"), "aws_kms_key.data", "444455556666/")
        );
        assert_ne!(
            fingerprint(rule("key-locked-out"), "aws_kms_key.data", "/infra/eu"),
            fingerprint(rule("key-locked-out"), "aws_kms_key.data", "/infra/us")
        );
        insta::assert_snapshot!(fingerprint(rule("key-locked-out"), "aws_kms_key.data", ""));
    }

    #[test]
    fn uris_are_percent_encoded_and_never_leave_the_repository() {
        assert_eq!(
            artifact("infra/my kms/a%b#c?d.tf").as_deref(),
            Some("infra/my%20kms/a%25b%23c%3Fd.tf")
        );
        assert_eq!(artifact("é.tf").as_deref(), Some("%C3%A9.tf"));
        assert_eq!(artifact("/etc/x.tf"), None);
        assert_eq!(artifact("../x/main.tf"), None);
        assert_eq!(artifact("a/../../x.tf"), None);
        assert_eq!(artifact("C:/x.tf"), None);
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(pascal("key-locked-out"), "KeyLockedOut");
    }
}
