//! Candidate callers of `kms:PutKeyPolicy`: who each one is, and how one is made for an
//! input's principal, for a principal assumed to exist, or for one an administrator could
//! create. [`super::gather`] collects them from a policy; [`super::search`] decides them.

use std::sync::Arc;

use super::evidence::{Recreation, Way};
use crate::inventory::{Inventory, Lifecycle, PrincipalKind};
use crate::plan::Phase;
use crate::policy::arn::{Arn, PrincipalArn, classify_principal};
use crate::policy::document::{Policy, PrincipalRef};
use crate::policy::eval::CallerKind;
use crate::policy::glob::glob_match;
use crate::policy::tags::Tags;

pub(crate) use crate::policy::arn::UNKNOWN_ACCOUNT;

#[derive(Debug, Clone)]
pub(super) enum Origin {
    Root,
    Known(usize),
    Assumed,
    /// Whoever a value known only after apply names.
    Placeholder,
    /// Could be created by an account administrator.
    Hypothetical(Recreation),
}

#[derive(Debug, Clone)]
pub(super) struct Cand {
    pub kind: CallerKind,
    pub arn: String,
    /// How reports name it: the ARN, or the pattern a principal is assumed to match.
    pub display: Option<String>,
    pub account: Option<String>,
    pub name: Option<String>,
    pub unique_id: Option<String>,
    pub tags: Option<Tags>,
    pub bound_arns: Vec<String>,
    pub bound_ids: Vec<String>,
    /// Lower-cased ARNs whose `Principal` entries may or may not bind to it (see
    /// [`Binding::Written`]).
    pub unsure_arns: Vec<String>,
    /// It has a permissions boundary.
    pub boundary: bool,
    pub origin: Origin,
}

/// How `Principal` entries bind after the apply (semantics §5, "When a name in `Principal` is
/// bound"): to the unique ID of the principal that exists when KMS stores the policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum Binding {
    /// The apply does not write the policy: its entries keep the IDs they were bound to, so a
    /// replaced principal is orphaned.
    #[default]
    Stored,
    /// The apply writes the policy (CreateKey, PutKeyPolicy). Terraform writes it after the
    /// resources it references, so a replaced principal it reaches by reference (`referenced`:
    /// input principals) is bound in its new incarnation; one it names by a literal ARN has
    /// no ordering, and which incarnation it binds is not known.
    Written { referenced: Vec<usize> },
}

impl Cand {
    /// The caller the evaluator sees; `account` is the key's, for a candidate whose own
    /// account is not known.
    pub(super) fn caller<'c>(
        &'c self,
        account: Option<&'c str>,
    ) -> crate::policy::eval::Caller<'c> {
        crate::policy::eval::Caller {
            kind: self.kind,
            arn: &self.arn,
            account: self.account.as_deref().or(account),
            name: self.name.as_deref(),
            unique_id: self.unique_id.as_deref(),
            tags: self.tags.as_ref(),
            bound_arns: &self.bound_arns,
            bound_ids: &self.bound_ids,
            unsure_arns: &self.unsure_arns,
            boundary: self.boundary,
        }
    }

    pub(super) fn shown(&self) -> String {
        self.display.clone().unwrap_or_else(|| self.arn.clone())
    }
}

/// A candidate, or the group of input principals a pattern matches.
pub(super) enum Group {
    One(Box<Cand>),
    /// The input principals an `aws:PrincipalArn` condition value matches.
    Matched(Arc<[usize]>),
}

/// A way to recreate a principal, tried in order for `recoverable`.
pub(super) enum Hypo {
    One(Box<Cand>),
    /// The principals an `aws:PrincipalArn` value matches: each can be created again (if
    /// deleted), or deleted and created again (if it exists).
    Matched(Arc<[usize]>),
}

pub(super) fn kind_of(k: PrincipalKind) -> CallerKind {
    match k {
        PrincipalKind::Role => CallerKind::Role,
        PrincipalKind::User => CallerKind::User,
    }
}

pub(super) fn arn_account_str(arn: &str) -> Option<&str> {
    Arn::parse(arn).map(|a| a.account).filter(|a| !a.is_empty())
}

pub(super) fn arn_account(arn: &str) -> Option<String> {
    arn_account_str(arn).map(str::to_owned)
}

/// The account a policy's own account principal names, for a key whose account no input
/// shows (docs/rules.md: the account principal is then taken to be the key's own).
pub(super) fn policy_account(policy: &Policy) -> Option<String> {
    let refs = policy.statements.iter().flat_map(|s| s.principal.refs());
    let mut fallback = None;
    for r in refs {
        match r {
            PrincipalRef::Account(a) => return Some(a.clone()),
            PrincipalRef::User(arn) | PrincipalRef::Role(arn) if fallback.is_none() => {
                fallback = arn_account(arn);
            }
            _ => {}
        }
    }
    fallback
}

/// What a candidate for an input's principal is, borrowed from the inventory: kind, ARN, name,
/// unique ID (none for a principal the plan recreates) and tags; `None` when the principal
/// does not exist in the phase.
pub(super) struct Seen<'i> {
    pub kind: CallerKind,
    pub arn: &'i str,
    pub name: Option<&'i str>,
    pub unique_id: Option<&'i str>,
    pub tags: Option<&'i Tags>,
}

pub(super) fn seen<'i>(inv: &'i Inventory, pi: usize, phase: Phase) -> Option<Seen<'i>> {
    let p = &inv.principals[pi];
    let id = p.identity(phase)?;
    let arn = id.arn.as_deref()?;
    Some(Seen {
        kind: kind_of(p.kind),
        arn,
        name: id.name.as_deref().or_else(|| arn.rsplit('/').next()),
        unique_id: if p.lifecycle == Lifecycle::Replaced && phase == Phase::After {
            None
        } else {
            id.unique_id.as_deref()
        },
        tags: id.tags,
    })
}

/// The candidate for an input's principal in a phase, if it exists then.
pub(super) fn known(inv: &Inventory, pi: usize, phase: Phase, binding: &Binding) -> Option<Cand> {
    let p = &inv.principals[pi];
    let id = p.identity(phase)?;
    let arn = id.arn.as_deref()?.to_owned();
    let lc = |s: &Option<&str>| s.iter().map(|a| a.to_ascii_lowercase()).collect::<Vec<_>>();
    let before_arn = p.before.as_ref().and_then(|i| i.arn.as_deref());
    let after_arn = p.after.as_ref().and_then(|i| i.arn.as_deref());
    let uid = id.unique_id.as_deref().map(str::to_owned);
    let mut unsure_arns = Vec::new();
    let (bound_arns, bound_ids) = if phase == Phase::Before {
        (lc(&before_arn.or(after_arn)), uid.into_iter().collect())
    } else {
        match p.lifecycle {
            Lifecycle::Kept | Lifecycle::Updated | Lifecycle::Forgotten => {
                let mut b = lc(&before_arn);
                b.extend(lc(&after_arn));
                let ids = p
                    .before
                    .as_ref()
                    .and_then(|i| i.unique_id.as_deref().map(str::to_owned))
                    .or(uid);
                (b, ids.into_iter().collect())
            }
            // Created by the plan: a policy written in the same apply binds the new ID.
            Lifecycle::Created => (lc(&after_arn), Vec::new()),
            // Recreated: a new unique ID, which only a policy written after it binds.
            Lifecycle::Replaced => match binding {
                Binding::Written { referenced } if referenced.contains(&pi) => {
                    (lc(&after_arn.or(before_arn)), Vec::new())
                }
                Binding::Written { .. } => {
                    unsure_arns = lc(&after_arn.or(before_arn));
                    (Vec::new(), Vec::new())
                }
                Binding::Stored => (Vec::new(), Vec::new()),
            },
            Lifecycle::Deleted => (Vec::new(), Vec::new()),
        }
    };
    Some(Cand {
        display: None,
        kind: kind_of(p.kind),
        account: arn_account(&arn),
        name: id
            .name
            .as_deref()
            .map(str::to_owned)
            .or_else(|| arn.rsplit('/').next().map(str::to_owned)),
        unique_id: if p.lifecycle == Lifecycle::Replaced && phase == Phase::After {
            None
        } else {
            id.unique_id.as_deref().map(str::to_owned)
        },
        tags: id.tags.cloned(),
        arn,
        bound_arns,
        bound_ids,
        unsure_arns,
        boundary: id.boundary,
        origin: Origin::Known(pi),
    })
}

/// How an administrator gets an input's principal back: create it again under its old ARN
/// (it does not exist in this phase), or delete and create it again (it exists). The ARN and
/// kind; the origin is made by [`recreation_origin`] when needed.
pub(super) fn recreation<'i>(
    inv: &'i Inventory,
    pi: usize,
    exists: bool,
    phase: Phase,
) -> Option<(&'i str, CallerKind)> {
    let p = &inv.principals[pi];
    let id = if exists {
        p.identity(phase)
    } else {
        p.before.as_ref()
    };
    Some((id?.arn.as_deref()?, kind_of(p.kind)))
}

/// What a recreation of an input's principal stands for.
pub(super) fn recreation_of(inv: &Inventory, pi: usize, exists: bool) -> Way {
    let p = &inv.principals[pi];
    Way::Principal {
        address: p.address.clone(),
        removed: (!exists).then_some(p.lifecycle),
    }
}

/// A principal an administrator could create.
pub(super) fn new_principal(
    arn: &str,
    kind: CallerKind,
    origin: Recreation,
    display: Option<String>,
) -> Cand {
    Cand {
        display,
        kind,
        account: arn_account(arn),
        name: arn.rsplit('/').next().map(str::to_owned),
        unique_id: None,
        tags: None,
        arn: arn.to_owned(),
        bound_arns: Vec::new(),
        bound_ids: Vec::new(),
        unsure_arns: Vec::new(),
        boundary: false,
        origin: Origin::Hypothetical(origin),
    }
}

/// A concrete IAM user or role ARN in the key's account that `pattern` matches.
pub(super) fn instantiate(
    pattern: &str,
    account: Option<&str>,
    partition: &str,
    matches: &dyn Fn(&str) -> bool,
) -> Option<(String, CallerKind)> {
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    if parts.len() != 6 {
        return None;
    }
    let fill = |p: &str, want: &str| {
        if glob_match(p, want, false) {
            want.to_owned()
        } else {
            p.replace(['*', '?'], "x")
        }
    };
    let arn = format!(
        "arn:{}:{}::{}:{}",
        fill(parts[1], partition),
        fill(parts[2], "iam"),
        match account {
            Some(a) => fill(parts[4], a),
            None => parts[4].replace(['*', '?'], "0"),
        },
        parts[5].replace(['*', '?'], "x")
    );
    if !matches(&arn) {
        return None;
    }
    match classify_principal(&arn) {
        PrincipalArn::Role { .. } => Some((arn, CallerKind::Role)),
        PrincipalArn::User { .. } => Some((arn, CallerKind::User)),
        _ => None,
    }
}
