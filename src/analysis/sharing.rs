//! Decisions shared between candidates that a policy cannot tell apart: input principals it
//! does not name, that agree on everything its conditions can see ([`View`]). A thousand
//! roles that a pattern matches and no condition tells apart are decided once.

use std::collections::HashSet;
use std::sync::Arc;

use super::candidates::{Cand, Origin};
use super::index::{Match, Shared};
use crate::inventory::Inventory;
use crate::policy::condition::{Base, matches_one};
use crate::policy::document::{Policy, PrincipalRef};
use crate::policy::eval::CallerKind;

/// A fast hash for the decisions shared between candidates (SipHash's resistance to
/// collisions is not needed: a collision only costs a comparison).
#[derive(Default)]
pub(super) struct Fx(u64);

impl std::hash::Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(w));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(super) type FxBuild = std::hash::BuildHasherDefault<Fx>;

/// What a policy's conditions can see of a candidate that no `Principal` entry names. Built
/// without allocating for the common policy (one that does not look at names, IDs or tags).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct View {
    kind: CallerKind,
    /// The caller's account, when the key's is not known (else it is the key's: callers of
    /// other accounts are never candidates).
    account: Option<Box<str>>,
    /// Whether each `aws:PrincipalArn` condition value matches the candidate's ARN.
    arn_matches: [u64; 2],
    /// The name, unique ID and tags, where the policy looks at them.
    extras: Option<Box<Extras>>,
}

/// A candidate's name, unique ID and tags.
pub(super) type Extras = (Option<String>, Option<String>, Vec<(String, String)>);

/// An `aws:PrincipalArn` value, its comparison, and the principals any of whose ARNs it
/// matches (sorted).
type ArnValue = (Base, String, Option<Arc<[usize]>>);

/// The most `aws:PrincipalArn` values a shared decision tracks.
const MAX_SHARED_VALUES: usize = 128;

/// What of a candidate the policy looks at.
pub(super) struct Profile {
    /// `aws:PrincipalArn` values, how each compares, and (from the run's [`Shared`])
    /// every input principal any of whose ARNs it matches.
    arn_values: Vec<ArnValue>,
    /// The policy looks at names, unique IDs or tags.
    extras: bool,
    /// No condition value holds a policy variable (which could read anything of the
    /// caller), and the values fit [`View`]: only then are decisions shared.
    shareable: bool,
    /// Lower-cased ARNs, unique IDs and session role names that `Principal`/`NotPrincipal`
    /// entries name: a candidate bound to one is decided on its own.
    named_arns: HashSet<String>,
    named_ids: HashSet<String>,
    named_roles: HashSet<String>,
    /// The input principals with one of those ARNs, IDs or role names.
    pub(super) bound: HashSet<usize>,
}

impl Profile {
    pub(super) fn of(policy: &Policy, inv: &Inventory, patterns: &Shared) -> Profile {
        let mut p = Profile {
            arn_values: Vec::new(),
            extras: false,
            shareable: true,
            named_arns: HashSet::new(),
            named_ids: HashSet::new(),
            named_roles: HashSet::new(),
            bound: HashSet::new(),
        };
        for st in &policy.statements {
            // A NotPrincipal Deny tells principals with a permissions boundary apart.
            if matches!(
                st.principal,
                crate::policy::document::PrincipalSpec::NotPrincipal(_)
            ) {
                p.shareable = false;
            }
            for r in st.principal.refs() {
                match r {
                    PrincipalRef::User(a) | PrincipalRef::Role(a) => {
                        p.named_arns.insert(a.to_ascii_lowercase());
                        p.bound.extend(inv.principals_named_ci(a));
                    }
                    PrincipalRef::UniqueId(id) => {
                        p.named_ids.insert(id.clone());
                        p.bound.extend(inv.principals_with_unique_id(id));
                    }
                    PrincipalRef::AssumedRole { account, role, .. } => {
                        p.named_roles.insert(role.to_ascii_lowercase());
                        p.bound.extend(inv.roles_named(account, role));
                    }
                    _ => {}
                }
            }
            for c in &st.conditions {
                if c.values.iter().any(|v| v.contains("${")) {
                    p.shareable = false;
                }
                match c.key_lc.as_str() {
                    "aws:principalarn" => {
                        for v in &c.values {
                            // The lists give exactly what `matches_one` gives for these
                            // comparisons (on ASCII ARNs, which is all IAM allows).
                            let list = match c.op.base {
                                Base::StringEquals
                                | Base::StringNotEquals
                                | Base::StringLike
                                | Base::StringNotLike
                                | Base::ArnLike
                                | Base::ArnNotLike => {
                                    Some(patterns.matches_sorted(inv, Match::of(&c.op.base), v))
                                }
                                _ => None,
                            };
                            p.arn_values.push((c.op.base.clone(), v.clone(), list));
                        }
                    }
                    "aws:username" | "aws:userid" => p.extras = true,
                    k if k.starts_with("aws:principaltag/") => p.extras = true,
                    _ => {}
                }
            }
        }
        if p.arn_values.len() > MAX_SHARED_VALUES {
            p.shareable = false;
        }
        p
    }

    /// Whether a `Principal` entry may bind to a principal with these ARNs and IDs.
    fn binds<'a>(
        &self,
        arns: impl IntoIterator<Item = &'a str>,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> bool {
        arns.into_iter().any(|a| {
            self.named_arns.contains(&a.to_ascii_lowercase())
                || a.rsplit_once('/')
                    .is_some_and(|(_, n)| self.named_roles.contains(&n.to_ascii_lowercase()))
        }) || ids.into_iter().any(|i| self.named_ids.contains(i))
    }

    /// The view of a caller, when its decision may be shared. `pi`: the input principal the
    /// caller is (or recreates), whose membership in each value's list decides the
    /// comparison without matching again.
    pub(super) fn view(
        &self,
        pi: Option<(usize, bool)>,
        kind: CallerKind,
        arn: &str,
        account: Option<&str>,
        extras: impl FnOnce() -> Extras,
    ) -> Option<View> {
        if !self.shareable || !arn.is_ascii() {
            return None;
        }
        let mut bits = [0u64; 2];
        for (i, (base, v, list)) in self.arn_values.iter().enumerate() {
            let hit = match (pi, list) {
                // The list holds the principals any of whose ARNs matches.
                (Some((pi, one_arn)), Some(list)) => match list.binary_search(&pi) {
                    Err(_) => false,
                    Ok(_) if one_arn => true,
                    Ok(_) => matches_one(base, v, arn),
                },
                _ => matches_one(base, v, arn),
            };
            if hit {
                bits[i / 64] |= 1 << (i % 64);
            }
        }
        Some(View {
            kind,
            account: account.map(Box::from),
            arn_matches: bits,
            extras: self.extras.then(|| Box::new(extras())),
        })
    }

    pub(super) fn view_of_cand(
        &self,
        c: &Cand,
        key_account: Option<&str>,
        shared: &Shared,
    ) -> Option<View> {
        if self.binds(
            c.bound_arns
                .iter()
                .chain(&c.unsure_arns)
                .map(String::as_str),
            c.bound_ids.iter().map(String::as_str),
        ) {
            return None;
        }
        let account = if key_account.is_some() {
            None
        } else {
            c.account.as_deref()
        };
        let pi = match c.origin {
            Origin::Known(pi) => Some((pi, shared.principals[pi].one_arn)),
            _ => None,
        };
        self.view(pi, c.kind, &c.arn, account, || {
            (
                c.name.clone(),
                c.unique_id.clone(),
                tag_list(c.tags.as_ref()),
            )
        })
    }
}

pub(super) fn tag_list(t: Option<&crate::policy::tags::Tags>) -> Vec<(String, String)> {
    t.map(|t| {
        t.iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    })
    .unwrap_or_default()
}
