//! What the analysis of every key shares, computed once per run: the input principals an
//! `aws:PrincipalArn` condition value matches (a thousand keys with the same pattern over ten
//! thousand roles scan the roles once, not a thousand times), and the facts about each
//! principal that every key asks for.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::inventory::Inventory;
use crate::plan::Phase;
use crate::policy::condition::{Base, arn_like};
use crate::policy::glob::glob_match;

/// How a condition operator compares a value with a principal ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Match {
    Exact,
    IgnoreCase,
    /// `StringLike`: `*` crosses `:`.
    Glob,
    /// `ArnLike`: the six ARN parts one by one.
    Arn,
}

impl Match {
    pub(super) fn of(base: &Base) -> Match {
        match base {
            Base::StringEqualsIgnoreCase | Base::StringNotEqualsIgnoreCase => Match::IgnoreCase,
            Base::ArnLike | Base::ArnNotLike => Match::Arn,
            Base::StringLike | Base::StringNotLike => Match::Glob,
            _ => Match::Exact,
        }
    }

    /// Whether `pattern` matches `arn` this way.
    pub(super) fn test(self, pattern: &str, arn: &str) -> bool {
        match self {
            Match::Exact => pattern == arn,
            Match::IgnoreCase => pattern.eq_ignore_ascii_case(arn),
            Match::Glob => glob_match(pattern, arn, false),
            Match::Arn => arn_like(pattern, arn),
        }
    }
}

/// The principals each (comparison, value) matches, by index into the inventory: in ARN
/// order (the order candidates are tried), and sorted (to test membership).
type Found = (Arc<[usize]>, Arc<[usize]>);

/// What every key's analysis asks about an input principal.
#[derive(Debug, Clone)]
pub(super) struct PrincipalFacts {
    /// A service-linked role (no person can act as it).
    pub linked: bool,
    /// The account of its ARN.
    pub account: Option<Box<str>>,
    /// It has one ARN in both phases (not renamed): a pattern matches it in either phase if
    /// it matches any of its ARNs.
    pub one_arn: bool,
    /// It exists, with an ARN, before / after the apply.
    exists: [bool; 2],
}

impl PrincipalFacts {
    /// Whether it exists, with an ARN, in a phase.
    pub(super) fn exists(&self, phase: Phase) -> bool {
        self.exists[usize::from(phase == Phase::After)]
    }
}

pub(super) struct Shared {
    cache: Mutex<HashMap<(Match, String), Found>>,
    pub principals: Vec<PrincipalFacts>,
}

impl Shared {
    pub(super) fn new(inv: &Inventory) -> Shared {
        let principals = inv
            .principals
            .iter()
            .map(|p| {
                let arn = |phase| p.identity(phase).and_then(|i| i.arn.as_deref());
                let arns: Vec<&str> = [p.before.as_ref(), p.after.as_ref()]
                    .into_iter()
                    .flatten()
                    .filter_map(|i| i.arn.as_deref())
                    .collect();
                PrincipalFacts {
                    linked: p.service_linked(),
                    account: p
                        .any_arn()
                        .and_then(crate::policy::arn::Arn::parse)
                        .map(|a| a.account)
                        .filter(|a| !a.is_empty())
                        .map(Box::from),
                    one_arn: arns.windows(2).all(|w| w[0] == w[1]),
                    exists: [arn(Phase::Before).is_some(), arn(Phase::After).is_some()],
                }
            })
            .collect();
        Shared {
            cache: Mutex::new(HashMap::new()),
            principals,
        }
    }

    fn found(&self, inv: &Inventory, how: Match, value: &str) -> Found {
        let key = (how, value.to_owned());
        if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return hit;
        }
        let ordered: Arc<[usize]> = match how {
            Match::IgnoreCase => inv.principal_by_arn(value).into_iter().collect(),
            Match::Exact => inv.principals_matching(value, |s| s == value).into(),
            _ => inv
                .principals_matching(value, |s| how.test(value, s))
                .into(),
        };
        let mut sorted = ordered.to_vec();
        sorted.sort_unstable();
        let found: Found = (ordered, sorted.into());
        if let Ok(mut c) = self.cache.lock() {
            c.insert(key, found.clone());
        }
        found
    }

    /// The principals any of whose ARNs the value matches, in ARN order.
    pub(super) fn matches(&self, inv: &Inventory, how: Match, value: &str) -> Arc<[usize]> {
        self.found(inv, how, value).0
    }

    /// The same, sorted by index (for `binary_search`).
    pub(super) fn matches_sorted(&self, inv: &Inventory, how: Match, value: &str) -> Arc<[usize]> {
        self.found(inv, how, value).1
    }
}
