//! Inline suppressions: a comment directly above a key's block in the `.tf` source,
//!
//! ```hcl
//! # kmsguard:ignore[already-locked-out] AWS Support case 1234 open expires=2027-01-31
//! resource "aws_kms_key" "legacy" { … }
//! ```
//!
//! accepts that rule's findings for the key, with the reason (required) and an optional
//! expiry. Read only when the key's workspace source is known.

use std::collections::HashMap;

use crate::rules::{Finding, RULES, Suppressed};

/// One directive above a key's block.
#[derive(Debug, Clone)]
struct Directive {
    rules: Vec<String>,
    reason: String,
    expires: Option<(String, i64)>,
    /// `file:line`, for messages.
    at: String,
}

/// The inline suppressions of a run, by key (index into the inventory), and the problems
/// found reading them.
#[derive(Debug, Default)]
pub(crate) struct Inline {
    by_key: HashMap<usize, Vec<Directive>>,
    problems: Vec<String>,
}

impl Inline {
    /// Reads the directives of each key's block (`(key, file, [(line, comment)])`).
    pub(crate) fn read<'a>(
        blocks: impl Iterator<Item = (usize, &'a str, &'a [(usize, String)])>,
    ) -> Inline {
        let mut out = Inline::default();
        for (key, file, lines) in blocks {
            for (line, text) in lines {
                match parse(text) {
                    Ok(Some((rules, reason, expires))) => {
                        out.by_key.entry(key).or_default().push(Directive {
                            rules,
                            reason,
                            expires,
                            at: format!("{file}:{line}"),
                        });
                    }
                    Ok(None) => {}
                    Err(e) => out.problems.push(format!("{file}:{line}: {e}")),
                }
            }
        }
        out
    }

    /// Marks the findings the directives accept; the notes to print (problems, expired
    /// directives, directives that match nothing).
    pub(crate) fn apply(&self, findings: &mut [Finding], today: i64) -> Vec<String> {
        let mut notes = self.problems.clone();
        for (key, directives) in &self.by_key {
            for d in directives {
                let expired = d.expires.as_ref().is_some_and(|(_, ends)| today >= *ends);
                let mut matched = false;
                for f in findings
                    .iter_mut()
                    .filter(|f| f.key == *key && d.rules.iter().any(|r| r == f.rule.id))
                {
                    matched = true;
                    if !expired && f.suppressed.is_none() {
                        f.suppressed = Some(Suppressed {
                            by: "inline",
                            reason: d.reason.clone(),
                            expires: d.expires.as_ref().map(|(t, _)| t.clone()),
                        });
                    }
                }
                if !matched {
                    notes.push(format!(
                        "{}: the kmsguard:ignore comment matches no finding",
                        d.at
                    ));
                } else if expired {
                    notes.push(format!(
                        "{}: the kmsguard:ignore comment expired on {}; its findings count again",
                        d.at,
                        d.expires
                            .as_ref()
                            .map(|(t, _)| t.as_str())
                            .unwrap_or_default()
                    ));
                }
            }
        }
        notes
    }
}

type Parsed = (Vec<String>, String, Option<(String, i64)>);

/// `kmsguard:ignore[RULE, …] REASON [expires=YYYY-MM-DD]` in a comment line.
fn parse(comment: &str) -> Result<Option<Parsed>, String> {
    let Some(at) = comment.find("kmsguard:ignore") else {
        return Ok(None);
    };
    let rest = &comment[at + "kmsguard:ignore".len()..];
    let Some(list) = rest.strip_prefix('[') else {
        return Err(
            "kmsguard:ignore needs the rules in brackets: kmsguard:ignore[RULE] REASON".into(),
        );
    };
    let Some((ids, reason)) = list.split_once(']') else {
        return Err("kmsguard:ignore[…: the bracket is not closed".into());
    };
    let mut rules = Vec::new();
    for id in ids.split(',').map(str::trim) {
        if !RULES.iter().any(|r| r.id == id) {
            return Err(format!("kmsguard:ignore names an unknown rule {id:?}"));
        }
        rules.push(id.to_owned());
    }
    let mut expires = None;
    let mut words = Vec::new();
    for w in reason.split_whitespace() {
        match w.strip_prefix("expires=") {
            Some(d) => {
                let t = crate::policy::time::parse(d)
                    .filter(|_| d.len() == 10)
                    .ok_or_else(|| {
                        format!("kmsguard:ignore: expires={d} is not a YYYY-MM-DD date")
                    })?;
                expires = Some((d.to_owned(), t + 86_400));
            }
            None => words.push(w),
        }
    }
    let reason = words.join(" ");
    if reason.is_empty() {
        return Err("kmsguard:ignore needs a reason after the rules".into());
    }
    Ok(Some((rules, reason, expires)))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn directives_name_known_rules_a_reason_and_maybe_an_expiry() {
        let (rules, reason, expires) = parse(
            "# kmsguard:ignore[already-locked-out, policy-unknown] case 1234 expires=2027-01-31",
        )
        .unwrap()
        .unwrap();
        assert_eq!(rules, ["already-locked-out", "policy-unknown"]);
        assert_eq!(reason, "case 1234");
        assert_eq!(expires.unwrap().0, "2027-01-31");
        assert!(parse("# a comment").unwrap().is_none());
        assert!(parse("# kmsguard:ignore[key-locked-out]").is_err());
        assert!(parse("# kmsguard:ignore[nope] x").is_err());
        assert!(parse("# kmsguard:ignore key-locked-out x").is_err());
        assert!(parse("# kmsguard:ignore[key-locked-out] x expires=soon").is_err());
    }
}
