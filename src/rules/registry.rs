//! The one list of rules, in the order `kmsguard rules`, SARIF and `docs/rules.md` show them
//! (errors first), which is also the order of a key's findings.

use super::{
    Rule, already_locked_out, key_locked_out, key_recoverable_only, lockout_check_bypassed,
    lockout_scheduled, lockout_undecided, one_deletion_from_lockout, policy_drift, policy_invalid,
    policy_unknown, principal_orphaned,
};

/// Every rule.
pub static RULES: [&Rule; 11] = [
    &key_locked_out::RULE,
    &key_recoverable_only::RULE,
    &lockout_scheduled::RULE,
    &policy_invalid::RULE,
    &lockout_undecided::RULE,
    &principal_orphaned::RULE,
    &policy_unknown::RULE,
    &lockout_check_bypassed::RULE,
    &already_locked_out::RULE,
    &one_deletion_from_lockout::RULE,
    &policy_drift::RULE,
];

/// The rule with this id.
#[cfg(test)]
pub(crate) fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}

/// Where a rule is in [`RULES`] (SARIF's `ruleIndex`).
pub(crate) fn index(rule: &Rule) -> usize {
    RULES
        .iter()
        .position(|r| r.id == rule.id)
        .expect("every rule is registered")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_kebab_case() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        for id in &ids {
            let kebab = !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
                && !id.starts_with('-')
                && !id.ends_with('-')
                && !id.contains("--");
            assert!(kebab, "{id} is not kebab-case");
        }
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "rule ids are not unique");
    }

    #[test]
    fn rules_have_their_metadata() {
        for r in RULES {
            assert!(
                !r.summary.is_empty() && !r.summary.ends_with('.'),
                "{}",
                r.id
            );
            assert!(r.description.ends_with('.'), "{}", r.id);
            let s: f64 = r.security_severity.parse().unwrap();
            assert!((0.0..=10.0).contains(&s), "{}", r.id);
            assert_eq!(find(r.id), Some(r));
            assert_eq!(RULES[index(r)], r);
            assert_eq!(serde_json::to_value(r).unwrap(), r.id);
        }
    }

    /// Every rule has a section in docs/rules.md whose anchor is its id, and the doc
    /// documents no rule that does not exist.
    #[test]
    fn every_rule_is_documented_in_docs_rules_md() {
        let docs = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(super::super::DOCS_PATH),
        )
        .unwrap();
        for r in RULES {
            let anchor = format!("<a id=\"{}\"></a>", r.id);
            assert!(
                docs.contains(&anchor),
                "{} has no section in docs/rules.md",
                r.id
            );
        }
        let documented: Vec<&str> = docs
            .match_indices("<a id=\"")
            .map(|(i, m)| {
                let rest = &docs[i + m.len()..];
                &rest[..rest.find('"').unwrap()]
            })
            .collect();
        for id in documented {
            assert!(
                find(id).is_some(),
                "docs/rules.md documents {id}, which is no rule"
            );
        }
    }

    #[test]
    fn the_list_of_rules() {
        let table: Vec<String> = RULES
            .iter()
            .map(|r| format!("{} {:?} {}", r.id, r.severity, r.security_severity))
            .collect();
        insta::assert_snapshot!(table.join("\n"));
    }
}
