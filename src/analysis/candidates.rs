//! Who could call `kms:PutKeyPolicy` on a key in one phase: the candidates a policy names or
//! matches, gathered in the order the policy names them.
//!
//! A principal named in `Principal` is one candidate. The principals an `aws:PrincipalArn`
//! pattern matches are a group ([`Source::Matched`]), expanded only as far as the search
//! needs ([`super::search`]): a pattern over ten thousand roles does not make ten thousand
//! candidates for every key.

use std::collections::HashSet;
use std::sync::Arc;

use super::DeadRef;
use super::shared::{Match, Shared};
use crate::inventory::{Inventory, Lifecycle, PrincipalKind};
use crate::plan::Phase;
use crate::policy::arn::{Arn, PrincipalArn, classify_principal};
use crate::policy::condition::{Base, Condition};
use crate::policy::document::{Effect, Policy, PrincipalRef, PrincipalSpec};
use crate::policy::eval::{CallerKind, PUT_KEY_POLICY, Tri, action_matches};
use crate::policy::glob::{glob_match, has_wildcard};
use crate::policy::placeholder::{unknown_in, unknown_value};
use crate::policy::tags::Tags;

/// Stands for the account in ARNs when no input tells it.
pub const UNKNOWN_ACCOUNT: &str = "ACCOUNT_ID";

/// Dead references kept per key and phase; beyond it they are counted, not listed.
pub const MAX_DEAD_REFS: usize = 100;

#[derive(Debug, Clone)]
pub(super) enum Origin {
    Root,
    Known(usize),
    Assumed,
    /// Whoever a value known only after apply names.
    Placeholder,
    /// Could be created by an account administrator; the string says what it stands for.
    Hypothetical(String),
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
    pub origin: Origin,
}

impl Cand {
    pub fn shown(&self) -> String {
        self.display.clone().unwrap_or_else(|| self.arn.clone())
    }
}

/// Where candidates come from, in the order the policy names them.
pub(super) enum Source {
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

fn kind_of(k: PrincipalKind) -> CallerKind {
    match k {
        PrincipalKind::Role => CallerKind::Role,
        PrincipalKind::User => CallerKind::User,
    }
}

fn arn_account_str(arn: &str) -> Option<&str> {
    Arn::parse(arn).map(|a| a.account).filter(|a| !a.is_empty())
}

pub(super) fn arn_account(arn: &str) -> Option<String> {
    arn_account_str(arn).map(str::to_owned)
}

/// The account a policy's own account principal names, for a key whose account no input
/// shows (semantics.md §5: the account principal is then taken to be the key's own).
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

/// What the policy says about who could manage the key, before anyone is evaluated.
#[derive(Default)]
pub(super) struct Gathered {
    pub sources: Vec<Source>,
    pub hypos: Vec<Hypo>,
    /// At most [`MAX_DEAD_REFS`] (a bound on memory for hostile plans).
    pub dead: Vec<DeadRef>,
    pub assumed: Vec<String>,
    pub cross: Vec<String>,
    /// An Allow for PutKeyPolicy reaches the account's identities through delegation.
    pub delegates: bool,
    pub admin_grants: usize,
    /// New users an `aws:username` condition would match (tried after the other recreations).
    pub by_username: Vec<(String, String)>,
    /// Principals named in `Principal`/`NotPrincipal` (their bindings matter).
    pub named: HashSet<usize>,
}

pub(super) struct Builder<'i, 'k> {
    pub inv: &'i Inventory<'k>,
    pub patterns: &'i Shared,
    pub phase: Phase,
    pub account: Option<String>,
    pub partition: String,
    g: Gathered,
    /// Input principals added as candidates so far (named ones).
    seen_known: HashSet<usize>,
    /// Lower-cased ARNs of the candidates so far.
    seen_arns: HashSet<String>,
    /// The statement being read uses `NotPrincipal`.
    not_principal: bool,
}

impl<'i, 'k> Builder<'i, 'k> {
    pub fn new(
        inv: &'i Inventory<'k>,
        patterns: &'i Shared,
        phase: Phase,
        account: Option<String>,
        partition: String,
    ) -> Self {
        Builder {
            inv,
            patterns,
            phase,
            account,
            partition,
            g: Gathered::default(),
            seen_known: HashSet::new(),
            seen_arns: HashSet::new(),
            not_principal: false,
        }
    }

    pub fn other_account(&self, account: Option<&str>) -> bool {
        matches!((account, &self.account), (Some(a), Some(k)) if a != k)
    }

    /// The candidate for an input's principal, if it exists in this phase.
    pub fn known(&self, pi: usize) -> Option<Cand> {
        known(self.inv, pi, self.phase)
    }

    fn push(&mut self, c: Cand) {
        self.seen_arns.insert(c.arn.to_ascii_lowercase());
        self.g.sources.push(Source::One(Box::new(c)));
    }

    /// Adds an input's principal as a candidate; whether it exists in this phase (a
    /// service-linked role, or one of another account, exists but is no candidate).
    fn add_known(&mut self, pi: usize) -> bool {
        if self.inv.principals[pi].service_linked() {
            return true;
        }
        if !self.seen_known.insert(pi) {
            return true;
        }
        match self.known(pi) {
            Some(c) if self.other_account(c.account.as_deref()) => true,
            Some(c) => {
                self.push(c);
                true
            }
            None => false,
        }
    }

    fn assumed_cand(&mut self, arn: &str, kind: CallerKind, bound: bool, label: &str) {
        if !self.seen_arns.insert(arn.to_ascii_lowercase()) {
            return;
        }
        self.g.assumed.push(label.to_owned());
        self.g.sources.push(Source::One(Box::new(Cand {
            kind,
            account: arn_account(arn),
            name: arn.rsplit('/').next().map(str::to_owned),
            unique_id: None,
            tags: None,
            display: (label != arn).then(|| label.to_owned()),
            arn: arn.to_owned(),
            bound_arns: if bound {
                vec![arn.to_ascii_lowercase()]
            } else {
                Vec::new()
            },
            bound_ids: Vec::new(),
            origin: Origin::Assumed,
        })));
    }

    /// A candidate for whoever an entry known only after apply names. No principal entry
    /// binds to it, so its decisions are unknown at best; it is never a manager.
    fn placeholder_cand(&mut self, arn: &str, shown: &str) {
        if !self.seen_arns.insert(arn.to_ascii_lowercase()) {
            return;
        }
        self.g.sources.push(Source::One(Box::new(Cand {
            kind: CallerKind::Role,
            account: None,
            name: None,
            unique_id: None,
            tags: None,
            display: Some(shown.to_owned()),
            arn: arn.to_owned(),
            bound_arns: Vec::new(),
            bound_ids: Vec::new(),
            origin: Origin::Placeholder,
        })));
    }

    fn hypothetical(
        &mut self,
        arn: &str,
        kind: CallerKind,
        origin: String,
        display: Option<String>,
    ) {
        if self.other_account(arn_account_str(arn)) {
            return;
        }
        let origin = if self.seen_arns.contains(&arn.to_ascii_lowercase()) {
            exists_again(origin)
        } else {
            origin
        };
        self.g.hypos.push(Hypo::One(Box::new(new_principal(
            arn, kind, origin, display,
        ))));
    }

    #[allow(clippy::too_many_arguments)]
    fn dead_ref(
        &mut self,
        reference: &str,
        in_principal: bool,
        effect: Effect,
        statement: &str,
        pi: Option<usize>,
        grants_admin: bool,
    ) {
        // One dead reference per reference and statement (a pattern that matches several
        // removed principals is one reference).
        if self
            .g
            .dead
            .iter()
            .any(|d| d.reference == reference && d.statement == statement)
        {
            return;
        }
        let p = pi.map(|i| &self.inv.principals[i]);
        self.push_dead(DeadRef {
            reference: reference.to_owned(),
            in_principal,
            not_principal: in_principal && self.not_principal,
            effect,
            statement: statement.to_owned(),
            address: p.map(|p| p.address.clone()),
            lifecycle: p.map(|p| p.lifecycle),
            kind: p.map(|p| p.kind),
            grants_admin,
        });
    }

    fn push_dead(&mut self, d: DeadRef) {
        if self.g.dead.len() >= MAX_DEAD_REFS {
            return;
        }
        self.g.dead.push(d);
    }

    /// A principal named by ARN in `Principal`/`NotPrincipal`.
    fn named(&mut self, arn: &str, kind: CallerKind, effect: Effect, stmt: &str, admin: bool) {
        // A service-linked role acts for its service; no operator can use it.
        if arn.contains(":role/aws-service-role/") {
            return;
        }
        if self.other_account(arn_account_str(arn)) {
            if admin && effect == Effect::Allow {
                self.g.cross.push(arn.to_owned());
            }
            return;
        }
        match self.inv.principal_by_arn(arn) {
            Some(pi) => self.principal_ref(pi, arn, true, effect, stmt, admin),
            None => match self.inv.sso_removal(arn) {
                // An Identity Center change removes this SSO role (or gives it a new
                // suffix, hence a new ARN and unique ID): nothing binds after the apply.
                Some(r) if self.phase == Phase::After => {
                    let (address, lifecycle) = (r.address.clone(), r.lifecycle);
                    self.dead_sso(arn, true, effect, stmt, &address, lifecycle, admin);
                }
                _ => self.assumed_cand(arn, kind, true, arn),
            },
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn dead_sso(
        &mut self,
        reference: &str,
        in_principal: bool,
        effect: Effect,
        stmt: &str,
        address: &str,
        lifecycle: Lifecycle,
        admin: bool,
    ) {
        self.push_dead(DeadRef {
            reference: reference.to_owned(),
            in_principal,
            not_principal: in_principal && self.not_principal,
            effect,
            statement: stmt.to_owned(),
            address: Some(address.to_owned()),
            lifecycle: Some(lifecycle),
            kind: Some(PrincipalKind::Role),
            grants_admin: admin,
        });
    }

    /// A reference in `Principal`/`NotPrincipal` to an input's principal.
    fn principal_ref(
        &mut self,
        pi: usize,
        reference: &str,
        in_principal: bool,
        effect: Effect,
        stmt: &str,
        admin: bool,
    ) {
        if in_principal {
            self.g.named.insert(pi);
        }
        let p = &self.inv.principals[pi];
        let lifecycle = p.lifecycle;
        let exists = self.add_known(pi);
        if self.phase == Phase::After
            && (!exists || (in_principal && lifecycle == Lifecycle::Replaced))
        {
            self.dead_ref(reference, in_principal, effect, stmt, Some(pi), admin);
        }
        // For `recoverable`: an administrator can create it again (deleted), or delete it
        // and create it again (it exists, but Principal entries bound to its ID shut it out).
        if let Some((arn, kind)) = recreation(self.inv, pi, exists, self.phase) {
            let origin = recreation_origin(self.inv, pi, exists);
            self.hypothetical(arn, kind, origin, None);
        }
    }

    fn condition_refs(&mut self, c: &Condition, effect: Effect, stmt: &str, admin: bool) {
        for v in &c.values {
            if let Some(what) = unknown_in(v) {
                // A value known only after apply may match a principal no input has.
                let shown = format!("⟨{what}⟩");
                self.placeholder_cand(&unknown_value(what), &shown);
                continue;
            }
            if v.contains("${") {
                continue;
            }
            let how = Match::of(&c.op.base);
            let hits = self.patterns.matches(self.inv, how, v);
            if hits.is_empty() {
                let Some((arn, kind)) =
                    instantiate(v, self.account.as_deref(), &self.partition, &|s| {
                        how.test(v, s)
                    })
                else {
                    continue;
                };
                // The SSO role of a permission set that the plan removes: gone after the
                // apply, unless a replacement brings it back under a name the pattern matches.
                let removal = self
                    .inv
                    .sso_removal(&arn)
                    .map(|r| (r.address.clone(), r.lifecycle));
                match removal {
                    Some((address, lifecycle))
                        if self.phase == Phase::After
                            && (lifecycle == Lifecycle::Deleted || !has_wildcard(v)) =>
                    {
                        self.dead_sso(v, false, effect, stmt, &address, lifecycle, admin);
                        if lifecycle == Lifecycle::Deleted {
                            let origin = format!(
                                "the SSO role of {address}, destroyed by this plan: create the permission set and its assignment again"
                            );
                            self.hypothetical(&arn, kind, origin, Some(v.clone()));
                        }
                    }
                    // No input has a principal with this ARN: assume one exists (as for ARNs
                    // in `Principal`).
                    _ => self.assumed_cand(&arn, kind, false, v),
                }
                continue;
            }
            // The principals that no longer exist are dead references; the others are
            // candidates, evaluated when the search gets to them.
            // (One per value and statement: the first removed principal it matches.)
            if self.phase == Phase::After {
                let removed = hits.iter().copied().find(|&pi| {
                    let p = &self.inv.principals[pi];
                    !p.service_linked()
                        && p.identity(Phase::After)
                            .and_then(|i| i.arn.as_deref())
                            .is_none()
                });
                if let Some(pi) = removed {
                    self.dead_ref(v, false, effect, stmt, Some(pi), admin);
                }
            }
            self.g.sources.push(Source::Matched(hits.clone()));
            self.g.hypos.push(Hypo::Matched(hits));
        }
    }

    /// Lower-cased ARNs of the candidates gathered.
    pub fn seen_arns(&self) -> &HashSet<String> {
        &self.seen_arns
    }

    /// Reads every statement of the policy.
    pub fn gather(&mut self, policy: &Policy) -> Gathered {
        let account = self.account.clone();
        let partition = self.partition.clone();
        let root_arn = format!(
            "arn:{partition}:iam::{}:root",
            account.as_deref().unwrap_or(UNKNOWN_ACCOUNT)
        );
        self.push(Cand {
            display: None,
            kind: CallerKind::Root,
            arn: root_arn,
            account: account.clone(),
            name: None,
            unique_id: None,
            tags: None,
            bound_arns: Vec::new(),
            bound_ids: Vec::new(),
            origin: Origin::Root,
        });
        for st in &policy.statements {
            let admin = action_matches(&st.action, PUT_KEY_POLICY) != Tri::False;
            if admin && st.effect == Effect::Allow {
                self.g.admin_grants += 1;
            }
            let label = st.label();
            let pspec_not = matches!(st.principal, PrincipalSpec::NotPrincipal(_));
            self.not_principal = pspec_not;
            // Only principals the ARN patterns match can pass a statement narrowed by a
            // positive aws:PrincipalArn condition, and those are candidates already.
            let narrowed = st.conditions.iter().any(narrows_by_arn);
            let delegation = st.effect == Effect::Allow && admin && !narrowed;
            for r in st.principal.refs() {
                match r {
                    PrincipalRef::User(arn) => {
                        self.named(arn, CallerKind::User, st.effect, label, admin)
                    }
                    PrincipalRef::Role(arn) => {
                        self.named(arn, CallerKind::Role, st.effect, label, admin)
                    }
                    PrincipalRef::AssumedRole {
                        arn,
                        account: a,
                        role,
                    } => {
                        if self.other_account(Some(a)) {
                            if admin && st.effect == Effect::Allow {
                                self.g.cross.push(arn.clone());
                            }
                            continue;
                        }
                        let hits = self.inv.roles_named(a, role);
                        if hits.is_empty() {
                            let role_arn = format!("arn:{partition}:iam::{a}:role/{role}");
                            self.assumed_cand(&role_arn, CallerKind::Role, true, arn);
                        }
                        for pi in hits {
                            self.principal_ref(pi, arn, true, st.effect, label, admin);
                        }
                    }
                    PrincipalRef::UniqueId(id) => match self.inv.principal_by_unique_id(id) {
                        Some(pi) => self.principal_ref(pi, id, true, st.effect, label, admin),
                        None if self.phase == Phase::After => {
                            self.dead_ref(id, true, st.effect, label, None, admin)
                        }
                        None => {}
                    },
                    PrincipalRef::Account(a) => {
                        if self.other_account(Some(a)) {
                            if admin && st.effect == Effect::Allow {
                                self.g.cross.push(a.clone());
                            }
                        } else if delegation {
                            self.g.delegates = true;
                        }
                    }
                    PrincipalRef::Any | PrincipalRef::OwnAccount => {
                        if delegation {
                            self.g.delegates = true;
                        }
                    }
                    // A value known only after apply could be the account itself: every
                    // identity of the account is then a candidate (its decision comes out
                    // unknown).
                    PrincipalRef::Unknown(what) => {
                        if delegation {
                            self.g.delegates = true;
                        }
                        // The entry may also name a principal no input has, which would be
                        // assumed to exist (as a named ARN is): a candidate that stands for it.
                        let shown = format!("⟨{what}⟩");
                        self.placeholder_cand(&unknown_value(what), &shown);
                    }
                    PrincipalRef::Service(_) | PrincipalRef::Other(_) => {}
                }
            }
            if pspec_not && delegation {
                self.g.delegates = true;
            }
            for c in st.conditions.iter().filter(|c| c.is_principal_arn()) {
                self.condition_refs(c, st.effect, label, admin);
            }
            // A condition on the user name: a user with that name could be created.
            if let Some(a) = &account {
                for c in st.conditions.iter().filter(|c| c.key_lc == "aws:username") {
                    for v in c.values.iter().filter(|v| !v.contains("${")) {
                        let name = v.replace(['*', '?'], "x");
                        if !name.is_empty() && !name.contains(['/', ':']) {
                            let arn = format!("arn:{partition}:iam::{a}:user/{name}");
                            let origin = format!(
                                "a user named {name:?}, as the aws:username condition of statement {label} asks"
                            );
                            self.g.by_username.push((arn, origin));
                        }
                    }
                }
            }
        }
        std::mem::take(&mut self.g)
    }
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
pub(super) fn known(inv: &Inventory, pi: usize, phase: Phase) -> Option<Cand> {
    let p = &inv.principals[pi];
    let id = p.identity(phase)?;
    let arn = id.arn.as_deref()?.to_owned();
    let lc = |s: &Option<&str>| s.iter().map(|a| a.to_ascii_lowercase()).collect::<Vec<_>>();
    let before_arn = p.before.as_ref().and_then(|i| i.arn.as_deref());
    let after_arn = p.after.as_ref().and_then(|i| i.arn.as_deref());
    let uid = id.unique_id.as_deref().map(str::to_owned);
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
            // Recreated: a new unique ID that no Principal element binds.
            Lifecycle::Replaced | Lifecycle::Deleted => (Vec::new(), Vec::new()),
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

/// Where a recreation comes from, in words.
pub(super) fn recreation_origin(inv: &Inventory, pi: usize, exists: bool) -> String {
    let p = &inv.principals[pi];
    if exists {
        p.address.clone()
    } else {
        format!("{}, {} by this plan", p.address, p.lifecycle.word())
    }
}

/// The origin of a recreation of a principal that exists.
pub(super) fn exists_again(origin: String) -> String {
    format!("{origin}; it exists, and can be deleted and created again with a new unique ID")
}

/// A principal an administrator could create.
pub(super) fn new_principal(
    arn: &str,
    kind: CallerKind,
    origin: String,
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
        origin: Origin::Hypothetical(origin),
    }
}

/// A positive condition on `aws:PrincipalArn` (without `IfExists`): only ARNs its patterns
/// match can satisfy it.
fn narrows_by_arn(c: &Condition) -> bool {
    c.is_principal_arn()
        && !c.op.if_exists
        && c.op.set == crate::policy::condition::SetOp::None
        && !c.op.negated()
        && matches!(
            c.op.base,
            Base::StringEquals | Base::StringEqualsIgnoreCase | Base::StringLike | Base::ArnLike
        )
        && c.values.iter().all(|v| !v.contains("${"))
        // A value known only after apply could match anyone: it does not narrow.
        && c.values.iter().all(|v| unknown_in(v).is_none())
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
