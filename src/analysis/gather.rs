//! Reading a policy for one phase: the candidates it names or matches, in the order it names
//! them, the references the plan kills, and the principals an administrator could create.
//!
//! A principal named in `Principal` is one candidate. The principals an `aws:PrincipalArn`
//! pattern matches are a group ([`Group::Matched`]), expanded only as far as the search
//! needs ([`super::search`]): a pattern over ten thousand roles does not make ten thousand
//! candidates for every key.

use std::collections::HashSet;

use super::candidates::{
    Binding, Cand, Group, Hypo, Origin, UNKNOWN_ACCOUNT, arn_account, arn_account_str, instantiate,
    known, new_principal, recreation, recreation_of,
};
use super::evidence::{DeadCause, DeadRef, Recreation, Way};
use super::index::{Match, Shared};
use crate::inventory::{Inventory, Lifecycle};
use crate::plan::Phase;
use crate::policy::condition::{Base, Condition};
use crate::policy::document::{Effect, Policy, PrincipalRef, PrincipalSpec};
use crate::policy::eval::{CallerKind, PUT_KEY_POLICY, Tri, action_matches};
use crate::policy::glob::has_wildcard;
use crate::policy::placeholder::{unknown_in, unknown_value};

/// Dead references kept per key and phase (a bound on memory for hostile plans).
pub(super) const MAX_DEAD_REFS: usize = 100;

/// What the policy says about who could manage the key, before anyone is evaluated.
#[derive(Default)]
pub(super) struct Gathered {
    /// The candidates, one by one or in groups, in the order the policy names them.
    pub groups: Vec<Group>,
    pub hypos: Vec<Hypo>,
    /// At most [`MAX_DEAD_REFS`] (a bound on memory for hostile plans).
    pub dead: Vec<DeadRef>,
    pub assumed: Vec<String>,
    pub cross: Vec<String>,
    /// An Allow for PutKeyPolicy reaches the account's identities through delegation.
    pub delegates: bool,
    pub admin_grants: usize,
    /// An Allow of PutKeyPolicy is narrowed by an `aws:PrincipalArn` condition.
    pub condition_admin: bool,
    /// New users an `aws:username` condition would match (tried after the other recreations).
    pub by_username: Vec<(String, Way)>,
    /// Principals named in `Principal`/`NotPrincipal` (their bindings matter).
    pub named: HashSet<usize>,
    /// New principals with the tags and type a statement's conditions require.
    pub tagged: Vec<(String, CallerKind, Way)>,
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
    /// How the policy's `Principal` entries bind in this phase.
    pub binding: Binding,
}

impl<'i, 'k> Builder<'i, 'k> {
    pub(super) fn new(
        inv: &'i Inventory<'k>,
        patterns: &'i Shared,
        phase: Phase,
        binding: Binding,
        account: Option<String>,
        partition: String,
    ) -> Self {
        Builder {
            inv,
            patterns,
            phase,
            binding,
            account,
            partition,
            g: Gathered::default(),
            seen_known: HashSet::new(),
            seen_arns: HashSet::new(),
            not_principal: false,
        }
    }

    pub(super) fn other_account(&self, account: Option<&str>) -> bool {
        matches!((account, &self.account), (Some(a), Some(k)) if a != k)
    }

    /// The candidate for an input's principal, if it exists in this phase.
    pub(super) fn known(&self, pi: usize) -> Option<Cand> {
        known(self.inv, pi, self.phase, &self.binding)
    }

    fn push(&mut self, c: Cand) {
        self.seen_arns.insert(c.arn.to_ascii_lowercase());
        self.g.groups.push(Group::One(Box::new(c)));
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
        self.g.groups.push(Group::One(Box::new(Cand {
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
            unsure_arns: Vec::new(),
            boundary: false,
            origin: Origin::Assumed,
        })));
    }

    /// A candidate for whoever an entry known only after apply names. No principal entry
    /// binds to it, so its decisions are unknown at best; it is never a manager.
    fn placeholder_cand(&mut self, arn: &str, shown: &str) {
        if !self.seen_arns.insert(arn.to_ascii_lowercase()) {
            return;
        }
        self.g.groups.push(Group::One(Box::new(Cand {
            kind: CallerKind::Role,
            account: None,
            name: None,
            unique_id: None,
            tags: None,
            display: Some(shown.to_owned()),
            arn: arn.to_owned(),
            bound_arns: Vec::new(),
            bound_ids: Vec::new(),
            unsure_arns: Vec::new(),
            boundary: false,
            origin: Origin::Placeholder,
        })));
    }

    fn hypothetical(&mut self, arn: &str, kind: CallerKind, way: Way, display: Option<String>) {
        if self.other_account(arn_account_str(arn)) {
            return;
        }
        let origin = Recreation {
            way,
            exists: self.seen_arns.contains(&arn.to_ascii_lowercase()),
        };
        self.g.hypos.push(Hypo::One(Box::new(new_principal(
            arn, kind, origin, display,
        ))));
    }

    /// Why a reference to an input's principal is dead.
    fn removed(&self, pi: usize) -> DeadCause {
        let p = &self.inv.principals[pi];
        DeadCause::Principal {
            address: p.address.clone(),
            lifecycle: p.lifecycle,
            kind: p.kind,
        }
    }

    fn dead_ref(
        &mut self,
        reference: &str,
        in_principal: bool,
        effect: Effect,
        statement: &str,
        cause: DeadCause,
        grants_admin: bool,
    ) {
        // One dead reference per reference and statement (a pattern that matches several
        // removed principals is one reference).
        if self.g.dead.len() >= MAX_DEAD_REFS
            || self
                .g
                .dead
                .iter()
                .any(|d| d.reference == reference && d.statement == statement)
        {
            return;
        }
        self.g.dead.push(DeadRef {
            reference: reference.to_owned(),
            in_principal,
            not_principal: in_principal && self.not_principal,
            effect,
            statement: statement.to_owned(),
            cause,
            grants_admin,
        });
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
                    let cause = DeadCause::SsoRole {
                        address: r.address.clone(),
                        lifecycle: r.lifecycle,
                    };
                    self.dead_ref(arn, true, effect, stmt, cause, admin);
                }
                _ if self.absent(arn, kind, true, (effect, stmt, admin)) => {}
                _ => self.assumed_or_taken(arn, kind, true, arn),
            },
        }
    }

    /// A role or user of a complete account (an account export lists every principal of
    /// it) that no input has: it does not exist. Named in `Principal`, the reference is dead
    /// (nothing binds it); required by a condition, an administrator can create it.
    fn absent(
        &mut self,
        arn: &str,
        kind: CallerKind,
        bound: bool,
        (effect, stmt, admin): (Effect, &str, bool),
    ) -> bool {
        if !self.inv.complete(arn_account_str(arn)) {
            return false;
        }
        if self.phase == Phase::After {
            self.dead_ref(arn, bound, effect, stmt, DeadCause::NotInAccount, admin);
        }
        if !bound {
            self.hypothetical(arn, kind, Way::NotInAccount, None);
        }
        true
    }

    /// A principal no input has, named or required by the policy: assumed to exist — unless
    /// an input's principal holds its name under another path or case, so that it cannot
    /// exist beside it (semantics §5, "Which principals can exist"). Then an administrator
    /// can only delete that one and create this one.
    fn assumed_or_taken(&mut self, arn: &str, kind: CallerKind, bound: bool, label: &str) {
        match self.inv.name_taken(arn, self.phase) {
            Some(pi) => {
                let p = &self.inv.principals[pi];
                let way = Way::NameTaken {
                    address: p.address.clone(),
                    kind: p.kind,
                };
                self.hypothetical(arn, kind, way, (label != arn).then(|| label.to_owned()));
            }
            None => self.assumed_cand(arn, kind, bound, label),
        }
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
        // A replaced principal's Principal entries die with it, unless this apply writes
        // the policy after the new one exists (or may: then the verdict says unknown).
        let rebound =
            lifecycle == Lifecycle::Replaced && matches!(self.binding, Binding::Written { .. });
        if self.phase == Phase::After
            && (!exists || (in_principal && lifecycle == Lifecycle::Replaced && !rebound))
        {
            let cause = self.removed(pi);
            self.dead_ref(reference, in_principal, effect, stmt, cause, admin);
        }
        // For `recoverable`: an administrator can create it again (deleted), or delete it
        // and create it again (it exists, but Principal entries bound to its ID shut it out).
        if let Some((arn, kind)) = recreation(self.inv, pi, exists, self.phase) {
            let way = recreation_of(self.inv, pi, exists);
            self.hypothetical(arn, kind, way, None);
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
                        let cause = DeadCause::SsoRole {
                            address: address.clone(),
                            lifecycle,
                        };
                        self.dead_ref(v, false, effect, stmt, cause, admin);
                        if lifecycle == Lifecycle::Deleted {
                            let way = Way::SsoRole { address };
                            self.hypothetical(&arn, kind, way, Some(v.clone()));
                        }
                    }
                    // A service-linked role acts for its service: no operator can use it,
                    // and an administrator cannot make one with any name (S38).
                    _ if arn.contains(":role/aws-service-role/") => {}
                    // No input has a principal with this ARN: assume one exists (as for ARNs
                    // in `Principal`), unless its name is taken.
                    _ if !has_wildcard(v)
                        && self.absent(&arn, kind, false, (effect, stmt, admin)) => {}
                    _ if !has_wildcard(v) => self.assumed_or_taken(&arn, kind, false, v),
                    // Nothing in a complete account matches the pattern: a principal that
                    // does can be created.
                    _ if self.inv.complete(arn_account_str(&arn)) => {
                        self.hypothetical(&arn, kind, Way::NotInAccount, Some(v.clone()));
                    }
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
                    let cause = self.removed(pi);
                    self.dead_ref(v, false, effect, stmt, cause, admin);
                }
            }
            self.g.groups.push(Group::Matched(hits.clone()));
            self.g.hypos.push(Hypo::Matched(hits));
        }
    }

    /// Lower-cased ARNs of the candidates gathered.
    pub(super) fn seen_arns(&self) -> &HashSet<String> {
        &self.seen_arns
    }

    /// Reads every statement of the policy.
    pub(super) fn gather(&mut self, policy: &Policy) -> Gathered {
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
            unsure_arns: Vec::new(),
            boundary: false,
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
            if st.effect == Effect::Allow && admin && narrowed {
                self.g.condition_admin = true;
            }
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
                            let how = (st.effect, label, admin);
                            if !self.absent(&role_arn, CallerKind::Role, true, how) {
                                self.assumed_cand(&role_arn, CallerKind::Role, true, arn);
                            }
                        }
                        for pi in hits {
                            self.principal_ref(pi, arn, true, st.effect, label, admin);
                        }
                    }
                    PrincipalRef::UniqueId(id) => match self.inv.principal_by_unique_id(id) {
                        Some(pi) => self.principal_ref(pi, id, true, st.effect, label, admin),
                        None if self.phase == Phase::After => self.dead_ref(
                            id,
                            true,
                            st.effect,
                            label,
                            DeadCause::UnknownUniqueId,
                            admin,
                        ),
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
                            let way = Way::UserName {
                                name,
                                statement: label.to_owned(),
                            };
                            self.g.by_username.push((arn, way));
                        }
                    }
                }
                if admin && st.effect == Effect::Allow && delegation {
                    self.tagged_wish(st, &partition, a);
                }
            }
        }
        std::mem::take(&mut self.g)
    }
}

impl Builder<'_, '_> {
    /// An Allow of management to everyone (or the account) narrowed by the caller's tags or
    /// type: an administrator can create a role or user with those tags (tags are settable,
    /// semantics §5, "What an administrator can recreate").
    fn tagged_wish(
        &mut self,
        st: &crate::policy::document::Statement,
        partition: &str,
        account: &str,
    ) {
        use crate::inventory::PrincipalKind;
        // Only a statement for everyone or the account lets a new principal in.
        let open = match &st.principal {
            PrincipalSpec::Principal(refs) => refs.iter().any(|r| match r {
                PrincipalRef::Any | PrincipalRef::OwnAccount => true,
                PrincipalRef::Account(a) => a == account,
                _ => false,
            }),
            PrincipalSpec::NotPrincipal(_) => false,
        };
        if !open {
            return;
        }
        let mut tags = Vec::new();
        let mut kinds = vec![PrincipalKind::Role, PrincipalKind::User];
        let mut relevant = false;
        for c in &st.conditions {
            let positive = !c.op.negated() && c.op.set == crate::policy::condition::SetOp::None;
            let first = c
                .values
                .iter()
                .find(|v| !v.contains("${") && unknown_in(v).is_none());
            if let (Some(tag), true, Some(v)) =
                (c.key_lc.strip_prefix("aws:principaltag/"), positive, first)
            {
                let key = &c.key[c.key.len() - tag.len()..];
                tags.push((key.to_owned(), v.replace(['*', '?'], "x")));
                relevant = true;
            }
            if c.key_lc == "aws:principaltype" && positive {
                relevant = true;
                kinds.retain(|k| {
                    let t = match k {
                        PrincipalKind::Role => "AssumedRole",
                        PrincipalKind::User => "User",
                    };
                    c.values.iter().any(|v| v == t)
                });
            }
        }
        if !relevant {
            return;
        }
        for kind in kinds {
            let tagged = if tags.is_empty() { "" } else { "tagged-" };
            let arn = format!(
                "arn:{partition}:iam::{account}:{0}/new-{tagged}admin-{0}",
                kind.word()
            );
            let way = Way::Tagged {
                kind,
                tags: tags.clone(),
                statement: st.label().to_owned(),
            };
            let caller = match kind {
                PrincipalKind::Role => CallerKind::Role,
                PrincipalKind::User => CallerKind::User,
            };
            self.g.tagged.push((arn, caller, way));
        }
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
