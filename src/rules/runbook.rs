//! The recovery runbook of a key nobody can manage (docs/audit.md): the seed article's steps
//! made concrete — who can still read the key, how an administrator gets back in (the AWS
//! CLI commands), the policy to put once access is back, or the AWS Support case to open.
//!
//! This builds the runbook's content from the analysis; `report::runbook` only lays it out.

use serde_json::Value;

use crate::analysis::{DeadCause, KeyAnalysis, PhaseResult, Reader, Recovery, Verdict, Way};
use crate::inventory::{Inventory, Key};
use crate::plan::Phase;
use crate::policy::eval::{CallerKind, Via};
use crate::resolve::KeyPolicies;

/// The runbook of one key.
#[derive(Debug, Clone)]
pub struct Runbook {
    /// Index into the inventory's keys.
    pub key: usize,
    /// The key as reports name it, its ARN (or ID), aliases, account and region.
    pub address: String,
    pub arn: Option<String>,
    pub aliases: Vec<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    pub input: String,
    pub verdict: Verdict,
    /// The key is read from a live keys document (today), not from a plan (after the apply).
    pub live: bool,
    /// A live key scheduled for deletion: when (cancelling needs management access too).
    pub pending_deletion: Option<String>,
    /// Step 1: who may still read it.
    pub readers: Vec<Reader>,
    /// Why nobody can manage it, one line each.
    pub evidence: Vec<Evidence>,
    /// Step 2 (recoverable): what to do, and the AWS CLI commands that do it.
    pub recovery: Option<Steps>,
    /// The policy to put once access is back: dead references removed, the seed's
    /// condition-based administrator statement added (pretty JSON).
    pub corrected_policy: Option<String>,
    /// Step 2 (locked out): the AWS Support case text.
    pub support_case: Option<String>,
}

/// One reason nobody can manage the key: a statement's reference that no longer binds, or a
/// statement that denies the root.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub statement: String,
    /// The ARN, pattern or unique ID as the policy writes it.
    pub reference: Option<String>,
    /// Why, in kmsguard's words (no input text but `address`).
    pub why: &'static str,
    /// The Terraform address that removes the principal, when a plan shows one.
    pub address: Option<String>,
}

impl Evidence {
    /// The line as plain text (control characters made spaces).
    pub fn plain(&self) -> String {
        let mut s = format!("statement {}", self.statement);
        if let Some(r) = &self.reference {
            s.push_str(&format!(" names {r}"));
        }
        s.push_str(&format!(": {}", self.why));
        if let Some(a) = &self.address {
            s.push_str(&format!(" ({a})"));
        }
        flat(&s)
    }
}

/// How an administrator gets back in: the verb, the principal, what it stands for, and the
/// AWS CLI commands.
#[derive(Debug, Clone)]
pub struct Steps {
    /// "Create", "Recreate", "Change", "Attach an IAM policy to".
    pub verb: &'static str,
    pub arn: String,
    /// What the principal stands for (a sentence that may name Terraform addresses).
    pub origin: String,
    pub commands: Vec<String>,
}

/// The runbooks of every key that nobody can manage after the apply (or today).
pub(crate) fn build(
    inv: &Inventory,
    analyses: &[KeyAnalysis],
    policies: &[KeyPolicies],
) -> Vec<Runbook> {
    analyses
        .iter()
        .filter(|a| a.after.verdict.unmanageable())
        .map(|a| one(inv, a, &policies[a.key]))
        .collect()
}

fn one(inv: &Inventory, a: &KeyAnalysis, pol: &KeyPolicies) -> Runbook {
    let k = &inv.keys[a.key];
    let live = k.own.live.is_some();
    let arn = k
        .arn(Phase::After)
        .or(k.arn(Phase::Before))
        .map(str::to_owned);
    let region = k
        .region(Phase::After, inv.input_regions[k.input].as_deref())
        .map(str::to_owned);
    let phase = &a.after;
    let evidence = evidence(phase);
    let text = pol.after.text().or(pol.before.text());
    let recovery_arn = phase.evidence.recovery.as_ref().map(|r| r.arn.clone());
    let corrected_policy = text.and_then(|t| corrected(t, phase, k, recovery_arn.as_deref()));
    let key_ref = arn.clone().unwrap_or_else(|| k.address.clone());
    let recovery = phase.evidence.recovery.as_ref().map(|r| Steps {
        verb: super::sentences::recovery_verb(r),
        arn: flat(&r.arn),
        origin: flat(&r.origin.to_string()),
        commands: commands(r, &key_ref, &old_tags(inv, &r.arn)),
    });
    let support_case = (phase.verdict == Verdict::LockedOut)
        .then(|| support_case(k, &key_ref, region.as_deref(), &evidence, live));
    Runbook {
        key: a.key,
        address: k.address.clone(),
        arn,
        aliases: k.live().map(|l| l.aliases.clone()).unwrap_or_default(),
        account: k.account.clone(),
        region,
        input: inv.inputs[k.input].clone(),
        verdict: phase.verdict,
        live,
        pending_deletion: k
            .live()
            .filter(|l| l.state.as_deref() == Some("PendingDeletion"))
            .map(|l| {
                l.deletion_date
                    .clone()
                    .unwrap_or_else(|| "a date the keys document does not give".into())
            }),
        readers: phase.evidence.readers.clone(),
        evidence,
        recovery,
        corrected_policy,
        support_case,
    }
}

/// Text from an input on one line: control characters (a newline that would start a
/// workflow command in a CI log) become spaces.
fn flat(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn evidence(phase: &PhaseResult) -> Vec<Evidence> {
    let mut out = Vec::new();
    for d in &phase.evidence.dead_refs {
        let (why, address) = match &d.cause {
            DeadCause::UnknownUniqueId => (
                "a unique ID no existing principal has: the principal was deleted, and a new one with the same name gets a new ID",
                None,
            ),
            DeadCause::NotInAccount => ("the account export lists no such principal", None),
            DeadCause::Principal {
                address, lifecycle, ..
            } => (
                match lifecycle {
                    crate::inventory::Lifecycle::Replaced => {
                        "replaced by the plan: the new principal has a new unique ID"
                    }
                    _ => "deleted by the plan",
                },
                Some(address.clone()),
            ),
            DeadCause::SsoRole { address, .. } => (
                "an IAM Identity Center role the plan removes",
                Some(address.clone()),
            ),
        };
        out.push(Evidence {
            statement: flat(&d.statement),
            reference: Some(flat(&d.reference)),
            why,
            address: address.map(|a| flat(&a)),
        });
    }
    if let Some(s) = &phase.evidence.root_denied_by {
        out.push(Evidence {
            statement: flat(s),
            reference: None,
            why: "it denies the account root",
            address: None,
        });
    }
    if phase.evidence.admin_grants == 0 {
        out.push(Evidence {
            statement: "(none)".to_owned(),
            reference: None,
            why: "no statement allows kms:PutKeyPolicy to anyone",
            address: None,
        });
    }
    out
}

/// Quotes a value for a POSIX shell (every value from an input is data). No IAM or KMS name
/// holds a control character; one from a hostile input is replaced, so that a command stays
/// on its line.
pub(crate) fn sh(s: &str) -> String {
    let s = &flat(s);
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/:._-=,@+".contains(&b))
    {
        return s.to_owned();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The name and path of a role or user ARN.
fn name_and_path(arn: &str) -> (String, String) {
    let rest = arn.splitn(6, ':').nth(5).unwrap_or("");
    let after_type = rest.split_once('/').map_or("", |(_, r)| r);
    match after_type.rsplit_once('/') {
        Some((path, name)) => (name.to_owned(), format!("/{path}/")),
        None => (after_type.to_owned(), "/".to_owned()),
    }
}

/// The tags a principal with this ARN had (before the plan, or in an account export), to
/// create it again as it was.
fn old_tags(inv: &Inventory, arn: &str) -> Vec<(String, String)> {
    inv.principals_named_ci(arn)
        .iter()
        .filter_map(|&pi| inv.principals[pi].before.as_ref()?.tags)
        .flat_map(|t| t.iter().map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect()
}

fn commands(r: &Recovery, key: &str, old_tags: &[(String, String)]) -> Vec<String> {
    let (name, path) = name_and_path(&r.arn);
    let (kind, flag) = match r.kind {
        CallerKind::User => ("user", "--user-name"),
        _ => ("role", "--role-name"),
    };
    let mut out = Vec::new();
    let grant = format!(
        "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":[\"kms:PutKeyPolicy\",\"kms:GetKeyPolicy\",\"kms:DescribeKey\"],\"Resource\":{}}}]}}",
        Value::String(key.to_owned())
    );
    let put_policy = |out: &mut Vec<String>| {
        out.push(format!(
            "aws iam put-{kind}-policy {flag} {} --policy-name kmsguard-key-recovery --policy-document {}",
            sh(&name),
            sh(&grant)
        ));
    };
    match &r.origin.way {
        Way::GrantIam { .. } => put_policy(&mut out),
        Way::WithoutBoundary { .. } => out.push(format!(
            "aws iam delete-{kind}-permissions-boundary {flag} {}",
            sh(&name)
        )),
        Way::SsoRole { .. } => out.push(
            "# In IAM Identity Center: create the permission set again and assign it to the account; the role it makes is the one to use"
                .to_owned(),
        ),
        way => {
            if r.origin.exists || matches!(way, Way::NameTaken { .. }) {
                out.push(format!(
                    "# A {kind} with this name exists: delete it first (detach its policies), e.g. aws iam delete-{kind} {flag} {}",
                    sh(&name)
                ));
            }
            // The tags a condition requires, else the ones the principal had.
            let tags = match way {
                Way::Tagged { tags, .. } => tags.as_slice(),
                _ => old_tags,
            };
            let tags: Vec<String> = tags
                .iter()
                .map(|(k, v)| sh(&format!("Key={k},Value={v}")))
                .collect();
            let tags = if tags.is_empty() {
                String::new()
            } else {
                format!(" --tags {}", tags.join(" "))
            };
            if kind == "role" {
                out.push(
                    "# trust-policy.json: who may assume the role (your administrators' principals)"
                        .to_owned(),
                );
                out.push(format!(
                    "aws iam create-role --role-name {} --path {} --assume-role-policy-document file://trust-policy.json{tags}",
                    sh(&name),
                    sh(&path)
                ));
            } else {
                out.push(format!(
                    "aws iam create-user --user-name {} --path {}{tags}",
                    sh(&name),
                    sh(&path)
                ));
            }
            if r.via == Via::Delegation {
                put_policy(&mut out);
            }
        }
    }
    out.push(flat(&format!(
        "# Then, as {}: put the corrected policy",
        r.arn
    )));
    let file = format!("{}.policy.json", file_stem(key));
    out.push(format!(
        "aws kms put-key-policy --key-id {} --policy-name default --policy file://{}",
        sh(key),
        sh(&file)
    ));
    out
}

/// A file name for a key's corrected policy: its ID, or its address, made safe (letters,
/// digits, `-`, `_`, `.`; never a path).
pub(crate) fn file_stem(key: &str) -> String {
    let id = key.rsplit('/').next().unwrap_or(key);
    let mut s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if s.is_empty() {
        s.push_str("key");
    }
    s
}

/// The policy with the references that no longer bind removed, and the seed's administrator
/// statement (the account root and `admin`, through `aws:PrincipalArn`) added.
fn corrected(text: &str, phase: &PhaseResult, k: &Key, admin: Option<&str>) -> Option<String> {
    let mut v: Value = serde_json::from_str(text).ok()?;
    let dead: Vec<&str> = phase
        .evidence
        .dead_refs
        .iter()
        .filter(|d| d.in_principal)
        .map(|d| d.reference.as_str())
        .collect();
    let statements = match v.get_mut("Statement")? {
        Value::Array(a) => a,
        other => {
            let one = other.take();
            *other = Value::Array(vec![one]);
            other.as_array_mut()?
        }
    };
    statements.retain_mut(|st| {
        let Some(aws) = st.get_mut("Principal").and_then(|p| p.get_mut("AWS")) else {
            return true;
        };
        let keep = |e: &Value| e.as_str().is_none_or(|s| !dead.contains(&s));
        match aws {
            Value::String(s) if dead.contains(&s.as_str()) => false,
            Value::Array(list) => {
                list.retain(keep);
                !list.is_empty()
            }
            _ => true,
        }
    });
    // The administrators the policy names by ARN (a replaced or recreated principal
    // matches again through the condition), and the principal the recovery creates; the
    // account root comes first in the statement.
    let named = phase
        .evidence
        .dead_refs
        .iter()
        .filter(|d| d.grants_admin && d.effect == crate::policy::document::Effect::Allow)
        .map(|d| d.reference.as_str());
    let admins: Vec<String> = named
        .chain(admin)
        .filter(|a| a.starts_with("arn:") && !a.ends_with(":root"))
        .map(str::to_owned)
        .collect();
    let (seed, _) = super::sentences::seed_statement(k, &admins);
    statements.retain(|st| st.get("Sid").and_then(Value::as_str) != Some("KeyAdministration"));
    statements.push(serde_json::from_str(&seed).ok()?);
    serde_json::to_string_pretty(&v).ok()
}

fn support_case(
    k: &Key,
    key: &str,
    region: Option<&str>,
    evidence: &[Evidence],
    live: bool,
) -> String {
    let account = k.account.as_deref().unwrap_or("(your account ID)");
    let key = &flat(key);
    let mut s = format!(
        "Subject: Restore management access to AWS KMS key {key}\n\n\
         Account: {account}\n\
         Region: {}\n\
         Key ARN: {key}\n\n\
         The key policy of this key no longer lets any existing principal of the account call kms:PutKeyPolicy{}, so nobody can manage the key. What shows it:\n",
        region.unwrap_or("(the key's region)"),
        if live {
            ""
        } else {
            " once the planned change is applied"
        }
    );
    for e in evidence {
        s.push_str(&format!("- {}\n", e.plain()));
    }
    s.push_str(
        "\nPlease restore management access for the account, for example by putting back the default key policy (the account principal with kms:*) so that our administrators can repair the policy. The current policy is attached.\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Recovery;
    use crate::analysis::Way;

    fn recovery(arn: &str, way: Way) -> Recovery {
        Recovery {
            arn: arn.to_owned(),
            kind: CallerKind::Role,
            statement: "'Admin'".to_owned(),
            via: Via::Principal,
            origin: crate::analysis::Recreation::new(way),
            request: Default::default(),
        }
    }

    #[test]
    fn a_recreated_role_gets_its_name_path_and_old_tags_and_every_value_is_quoted() {
        let r = recovery(
            "arn:aws:iam::111122223333:role/team a/kms-admin",
            Way::NotInAccount,
        );
        let tags = vec![("owner".to_owned(), "it's me".to_owned())];
        let c = commands(&r, "arn:aws:kms:eu-west-1:111122223333:key/k1", &tags);
        let create = c
            .iter()
            .find(|l| l.starts_with("aws iam create-role"))
            .unwrap();
        assert_eq!(
            create,
            "aws iam create-role --role-name kms-admin --path '/team a/' --assume-role-policy-document file://trust-policy.json --tags 'Key=owner,Value=it'\\''s me'"
        );
        assert!(
            c.last()
                .unwrap()
                .ends_with("--policy file://k1.policy.json")
        );
    }

    #[test]
    fn a_tagged_role_gets_the_tags_the_condition_requires() {
        let way = Way::Tagged {
            kind: crate::inventory::PrincipalKind::Role,
            tags: vec![("kms-admin".to_owned(), "true".to_owned())],
            statement: "'Admin'".to_owned(),
        };
        let r = recovery("arn:aws:iam::111122223333:role/new-tagged-admin-role", way);
        let c = commands(&r, "k", &[("old".to_owned(), "x".to_owned())]);
        assert!(
            c.iter()
                .any(|l| l.ends_with("--tags Key=kms-admin,Value=true")),
            "{c:?}"
        );
    }

    #[test]
    fn file_names_are_made_of_the_key_ids_safe_characters() {
        assert_eq!(file_stem("arn:aws:kms:r:1:key/abc-123"), "abc-123");
        assert_eq!(file_stem("../../etc/passwd"), "passwd");
        assert_eq!(file_stem("a\\nb:c"), "a_nb_c");
        assert_eq!(file_stem(".."), "__");
        assert_eq!(file_stem(""), "key");
    }
}
