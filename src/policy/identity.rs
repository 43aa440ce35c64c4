//! Identity policies (IAM policies attached to a role or user, its groups' policies, its
//! permissions boundary), as an account export shows them: may this identity call a KMS
//! action on a key?
//!
//! The key policy decides whether the account principal delegates to IAM; these decide which
//! identity the delegation reaches (IAM "Policy evaluation logic": within an account, an
//! action is allowed when an identity policy allows it and nothing denies it, and a
//! permissions boundary caps what identity policies allow). Only what bears on KMS is kept
//! from each document: statements whose `Action`/`NotAction` can cover a `kms:` action.
//! Conditions in identity policies are not evaluated: such a statement makes the answer
//! unknown, never a yes.

use serde_json::Value;

use super::eval::Tri;
use super::glob::glob_match;

/// One statement that can bear on a KMS action.
#[derive(Debug, Clone)]
struct Stmt {
    allow: bool,
    /// Where it comes from ("inline policy x", a managed policy ARN).
    source: String,
    actions: Vec<String>,
    not_action: bool,
    resources: Vec<String>,
    not_resource: bool,
    conditional: bool,
}

/// The KMS-relevant statements of one identity's policies and boundary.
#[derive(Debug, Clone, Default)]
pub(crate) struct IdentityPolicies {
    stmts: Vec<Stmt>,
    /// `None`: no permissions boundary. `Some(None)`: one whose document is unknown.
    boundary: Option<Option<Vec<Stmt>>>,
    /// Attached policies whose documents are unknown.
    missing: Vec<String>,
    /// Documents that are not valid policies.
    unreadable: Vec<String>,
}

/// What the identity policies say about one action on one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub can: Tri,
    /// The policy that allows it (when `can` is true), or why it is unknown or refused.
    pub why: String,
}

impl IdentityPolicies {
    /// Reads the documents `(source, JSON text)` that apply to an identity, its permissions
    /// boundary (`Some(None)` when it has one whose document is unknown), and the attached
    /// policies whose documents are unknown.
    pub(crate) fn read(
        documents: &[(String, String)],
        boundary: Option<Option<&str>>,
        missing: &[String],
    ) -> IdentityPolicies {
        let mut out = IdentityPolicies {
            missing: missing.to_vec(),
            ..IdentityPolicies::default()
        };
        for (source, text) in documents {
            match statements(source, text) {
                Some(s) => out.stmts.extend(s),
                None => out.unreadable.push(source.clone()),
            }
        }
        out.boundary = boundary.map(|b| b.and_then(|t| statements("permissions boundary", t)));
        out
    }

    /// Whether some statement may allow a KMS action (a cheap filter before any key).
    pub(crate) fn may_allow_kms(&self) -> bool {
        !self.missing.is_empty()
            || !self.unreadable.is_empty()
            || self.stmts.iter().any(|s| s.allow)
    }

    /// May the identity call `action` on the key `key_arn` (unknown ARN: only `*` resources
    /// are sure to match)?
    pub(crate) fn allows(&self, action: &str, key_arn: Option<&str>) -> Verdict {
        let (allowed, source) = effect(&self.stmts, true, action, key_arn);
        let (denied, deny_source) = effect(&self.stmts, false, action, key_arn);
        if denied == Tri::True {
            return Verdict {
                can: Tri::False,
                why: format!("{} denies {action}", deny_source.unwrap_or_default()),
            };
        }
        let (mut can, mut why) = match allowed {
            Tri::True => (Tri::True, source.unwrap_or_default()),
            Tri::Unknown => (
                Tri::Unknown,
                format!(
                    "{} may allow {action} under conditions kmsguard does not evaluate in identity policies",
                    source.unwrap_or_default()
                ),
            ),
            Tri::False if !self.missing.is_empty() => (
                Tri::Unknown,
                format!(
                    "its attached policy {} is not in the account export",
                    self.missing[0]
                ),
            ),
            Tri::False if !self.unreadable.is_empty() => (
                Tri::Unknown,
                format!("its policy {} could not be read", self.unreadable[0]),
            ),
            Tri::False => (Tri::False, format!("no IAM policy of it allows {action}")),
        };
        if denied == Tri::Unknown && can == Tri::True {
            can = Tri::Unknown;
            why = format!(
                "{} may deny {action} under conditions kmsguard does not evaluate in identity policies",
                deny_source.unwrap_or_default()
            );
        }
        match &self.boundary {
            Some(_) if can == Tri::False => {}
            None => {}
            Some(None) if can == Tri::True => {
                can = Tri::Unknown;
                why = "its permissions boundary's document is not in the account export".into();
            }
            Some(None) => {}
            Some(Some(b)) => {
                let (b_allowed, _) = effect(b, true, action, key_arn);
                let (b_denied, _) = effect(b, false, action, key_arn);
                let b_can = b_allowed.and(b_denied.negate());
                if b_can == Tri::False {
                    can = Tri::False;
                    why = format!("its permissions boundary does not allow {action}");
                } else if b_can == Tri::Unknown && can == Tri::True {
                    can = Tri::Unknown;
                    why = format!("its permissions boundary may not allow {action}");
                }
            }
        }
        Verdict { can, why }
    }
}

/// Whether some statement with this effect applies, and the first one that does (or may).
fn effect(
    stmts: &[Stmt],
    allow: bool,
    action: &str,
    key_arn: Option<&str>,
) -> (Tri, Option<String>) {
    let mut best = (Tri::False, None);
    for s in stmts.iter().filter(|s| s.allow == allow) {
        let acts = s.actions.iter().any(|a| glob_match(a, action, true)) != s.not_action;
        if !acts {
            continue;
        }
        let res = resource_matches(s, key_arn);
        let t = if s.conditional {
            res.and(Tri::Unknown)
        } else {
            res
        };
        match t {
            Tri::True => return (Tri::True, Some(s.source.clone())),
            Tri::Unknown if best.0 == Tri::False => best = (Tri::Unknown, Some(s.source.clone())),
            _ => {}
        }
    }
    best
}

fn resource_matches(s: &Stmt, key_arn: Option<&str>) -> Tri {
    let one = |r: &str| -> Tri {
        if r == "*" {
            return Tri::True;
        }
        if r.contains("${") {
            return Tri::Unknown;
        }
        match key_arn {
            Some(k) => Tri::from_bool(glob_match(r, k, false)),
            None if r.starts_with("arn:") && r.contains(":kms:") => Tri::Unknown,
            None => Tri::False,
        }
    };
    let mut any = Tri::False;
    for r in &s.resources {
        any = any.or(one(r));
    }
    if s.not_resource { any.negate() } else { any }
}

/// The statements of a document that can bear on a KMS action; `None` when the text is not a
/// policy document.
fn statements(source: &str, text: &str) -> Option<Vec<Stmt>> {
    let v: Value = serde_json::from_str(text).ok()?;
    let list = match v.get("Statement")? {
        Value::Array(a) => a.clone(),
        o @ Value::Object(_) => vec![o.clone()],
        _ => return None,
    };
    let strings = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut out = Vec::new();
    for st in &list {
        let allow = match st.get("Effect").and_then(Value::as_str) {
            Some("Allow") => true,
            Some("Deny") => false,
            _ => continue,
        };
        let (actions, not_action) = match st.get("Action") {
            Some(a) => (strings(Some(a)), false),
            None => (strings(st.get("NotAction")), true),
        };
        // Only statements that can cover some `kms:` action matter here.
        let kms = |a: &String| {
            let a = a.to_ascii_lowercase();
            a == "*" || a.starts_with("kms:") || a.starts_with("kms*") || a.starts_with('*')
        };
        if !not_action && !actions.iter().any(kms) {
            continue;
        }
        let (resources, not_resource) = match st.get("Resource") {
            Some(r) => (strings(Some(r)), false),
            None => (strings(st.get("NotResource")), true),
        };
        let conditional = st
            .get("Condition")
            .is_some_and(|c| c.as_object().is_some_and(|o| !o.is_empty()));
        out.push(Stmt {
            allow,
            source: source.to_owned(),
            actions,
            not_action,
            resources,
            not_resource,
            conditional,
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "arn:aws:kms:eu-west-1:111122223333:key/k1";

    fn read(docs: &[&str]) -> IdentityPolicies {
        let docs: Vec<(String, String)> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (format!("p{i}"), (*d).to_owned()))
            .collect();
        IdentityPolicies::read(&docs, None, &[])
    }

    // IAM "Policy evaluation logic": an explicit Deny in any identity policy overrides an Allow.
    #[test]
    fn an_identity_deny_beats_its_allow() {
        let p = read(&[
            r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}"#,
            r#"{"Statement":[{"Effect":"Deny","Action":"kms:PutKeyPolicy","Resource":"arn:aws:kms:*:*:key/*"}]}"#,
        ]);
        assert_eq!(p.allows("kms:PutKeyPolicy", Some(KEY)).can, Tri::False);
        assert_eq!(p.allows("kms:GetKeyPolicy", Some(KEY)).can, Tri::True);
    }

    #[test]
    fn resource_patterns_and_not_action_are_matched() {
        let p = read(&[
            r#"{"Statement":{"Effect":"Allow","Action":"kms:Put*","Resource":"arn:aws:kms:eu-west-1:111122223333:key/other"}}"#,
        ]);
        assert_eq!(p.allows("kms:PutKeyPolicy", Some(KEY)).can, Tri::False);
        let p = read(&[r#"{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#]);
        assert_eq!(p.allows("kms:PutKeyPolicy", Some(KEY)).can, Tri::True);
        let p = read(&[r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#]);
        assert!(!p.may_allow_kms());
    }

    // IAM "Permissions boundaries for IAM entities": the effective permissions are the
    // intersection of the identity policies and the boundary.
    #[test]
    fn a_boundary_caps_what_identity_policies_allow() {
        let docs = vec![(
            "admin".to_owned(),
            r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#.to_owned(),
        )];
        let b = r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#;
        let p = IdentityPolicies::read(&docs, Some(Some(b)), &[]);
        assert_eq!(p.allows("kms:PutKeyPolicy", Some(KEY)).can, Tri::False);
        let p = IdentityPolicies::read(&docs, Some(None), &[]);
        assert_eq!(p.allows("kms:PutKeyPolicy", Some(KEY)).can, Tri::Unknown);
    }

    #[test]
    fn conditions_and_missing_documents_make_it_unknown_not_yes() {
        let p = read(&[
            r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}}"#,
        ]);
        assert_eq!(p.allows("kms:PutKeyPolicy", Some(KEY)).can, Tri::Unknown);
        let p = IdentityPolicies::read(&[], None, &["arn:aws:iam::aws:policy/X".to_owned()]);
        assert_eq!(p.allows("kms:PutKeyPolicy", Some(KEY)).can, Tri::Unknown);
        assert!(p.may_allow_kms());
    }
}
