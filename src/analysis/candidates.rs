//! Candidate callers for one key in one phase, and the verdict they add up to.

use crate::policy::tags::Tags;
use std::collections::HashSet;

use super::{DeadRef, Manager, PhaseResult, PolicySource, Recovery, Verdict};
use crate::inventory::{Inventory, Key, Lifecycle, PrincipalKind};
use crate::policy::arn::{Arn, PrincipalArn, classify_principal};
use crate::policy::condition::{Base, Condition, arn_like};
use crate::policy::document::{Effect, Policy, PrincipalRef, PrincipalSpec};
use crate::policy::eval::{
    Caller, CallerKind, PUT_KEY_POLICY, Target, Tri, action_matches, decide,
};
use crate::policy::glob::glob_match;
use crate::policy::glob::has_wildcard;

/// Stands for the account in ARNs when no input tells it.
pub const UNKNOWN_ACCOUNT: &str = "ACCOUNT_ID";

/// Before or after the apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Before,
    After,
}

#[derive(Debug, Clone)]
enum Origin {
    Root,
    Known(usize),
    Assumed,
    /// Whoever a value known only after apply names.
    Placeholder,
    /// Could be created by an account administrator; the string says what it stands for.
    Hypothetical(String),
}

#[derive(Debug, Clone)]
struct Cand {
    kind: CallerKind,
    arn: String,
    /// How reports name it: the ARN, or the pattern a principal is assumed to match.
    display: Option<String>,
    account: Option<String>,
    name: Option<String>,
    unique_id: Option<String>,
    tags: Option<Tags>,
    bound_arns: Vec<String>,
    bound_ids: Vec<String>,
    origin: Origin,
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

fn arn_account(arn: &str) -> Option<String> {
    arn_account_str(arn).map(str::to_owned)
}

/// The account a policy's own account principal names, for a key whose account no input
/// shows (semantics.md §5: the account principal is then taken to be the key's own).
fn policy_account(policy: &Policy) -> Option<String> {
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

struct Builder<'i, 'k> {
    inv: &'i Inventory<'k>,
    after: bool,
    account: Option<String>,
    partition: String,
    cands: Vec<Cand>,
    hypos: Vec<Cand>,
    seen_known: HashSet<usize>,
    seen_arns: HashSet<String>,
    dead: Vec<DeadRef>,
    assumed: Vec<String>,
    cross: Vec<String>,
    /// The statement being read uses `NotPrincipal`.
    not_principal: bool,
    /// Lower-cased ARNs of `hypos`.
    hypo_arns: HashSet<String>,
}

impl Builder<'_, '_> {
    fn other_account(&self, account: Option<&str>) -> bool {
        matches!((account, &self.account), (Some(a), Some(k)) if a != k)
    }

    /// The candidate for an input's principal, if it exists in this phase.
    fn known(&self, pi: usize) -> Option<Cand> {
        let p = &self.inv.principals[pi];
        let id = p.identity(self.after)?;
        let arn = id.arn.as_deref()?.to_owned();
        let lc = |s: &Option<&str>| s.iter().map(|a| a.to_ascii_lowercase()).collect::<Vec<_>>();
        let before_arn = p.before.as_ref().and_then(|i| i.arn.as_deref());
        let after_arn = p.after.as_ref().and_then(|i| i.arn.as_deref());
        let uid = id.unique_id.as_deref().map(str::to_owned);
        let (bound_arns, bound_ids) = if !self.after {
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
            unique_id: if p.lifecycle == Lifecycle::Replaced && self.after {
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
                self.seen_arns.insert(c.arn.to_ascii_lowercase());
                self.cands.push(c);
                true
            }
            None => false,
        }
    }

    fn assumed_cand(&mut self, arn: &str, kind: CallerKind, bound: bool, label: &str) {
        if !self.seen_arns.insert(arn.to_ascii_lowercase()) {
            return;
        }
        self.assumed.push(label.to_owned());
        self.cands.push(Cand {
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
        });
    }

    /// A candidate for whoever an entry known only after apply names. No principal entry
    /// binds to it, so its decisions are unknown at best; it is never a manager.
    fn placeholder_cand(&mut self, arn: &str, shown: &str) {
        if !self.seen_arns.insert(arn.to_ascii_lowercase()) {
            return;
        }
        self.cands.push(Cand {
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
        });
    }

    fn hypothetical(&mut self, arn: &str, kind: CallerKind, origin: String) {
        if !self.hypo_arns.insert(arn.to_ascii_lowercase())
            || self.other_account(arn_account_str(arn))
        {
            return;
        }
        self.hypos.push(Cand {
            display: None,
            kind,
            account: arn_account(arn),
            name: arn.rsplit('/').next().map(str::to_owned),
            unique_id: None,
            tags: None,
            arn: arn.to_owned(),
            bound_arns: Vec::new(),
            bound_ids: Vec::new(),
            origin: Origin::Hypothetical(if self.seen_arns.contains(&arn.to_ascii_lowercase()) {
                // It exists: an administrator can delete it and create it again, which
                // frees it from Principal entries (allows and denies) bound to its old ID.
                format!(
                    "{origin}; it exists, and can be deleted and created again with a new unique ID"
                )
            } else {
                origin
            }),
        });
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
        let not_principal = in_principal && self.not_principal;
        let p = pi.map(|i| &self.inv.principals[i]);
        if self
            .dead
            .iter()
            .any(|d| d.reference == reference && d.statement == statement)
        {
            return;
        }
        self.dead.push(DeadRef {
            reference: reference.to_owned(),
            in_principal,
            not_principal,
            effect,
            statement: statement.to_owned(),
            address: p.map(|p| p.address.clone()),
            lifecycle: p.map(|p| p.lifecycle),
            kind: p.map(|p| p.kind),
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
                self.cross.push(arn.to_owned());
            }
            return;
        }
        match self.inv.principal_by_arn(arn) {
            Some(pi) => self.principal_ref(pi, arn, true, effect, stmt, admin),
            None => match self.inv.sso_removal(arn) {
                // An Identity Center change removes this SSO role (or gives it a new
                // suffix, hence a new ARN and unique ID): nothing binds after the apply.
                Some(r) if self.after => {
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
        let not_principal = in_principal && self.not_principal;
        self.dead.push(DeadRef {
            reference: reference.to_owned(),
            in_principal,
            not_principal,
            effect,
            statement: stmt.to_owned(),
            address: Some(address.to_owned()),
            lifecycle: Some(lifecycle),
            kind: Some(PrincipalKind::Role),
            grants_admin: admin,
        });
    }

    /// A reference to an input's principal, by name or by condition.
    fn principal_ref(
        &mut self,
        pi: usize,
        reference: &str,
        in_principal: bool,
        effect: Effect,
        stmt: &str,
        admin: bool,
    ) {
        let p = &self.inv.principals[pi];
        let (lifecycle, kind) = (p.lifecycle, kind_of(p.kind));
        let old_arn = p.before.as_ref().and_then(|i| i.arn.as_deref());
        let now_arn = p.identity(self.after).and_then(|i| i.arn.as_deref());
        let address = p.address.clone();
        let exists = self.add_known(pi);
        if self.after && (!exists || (in_principal && lifecycle == Lifecycle::Replaced)) {
            self.dead_ref(reference, in_principal, effect, stmt, Some(pi), admin);
        }
        // For `recoverable`: an administrator can create it again (deleted), or delete it
        // and create it again (it exists, but Principal entries bound to its ID shut it out).
        let (arn, origin) = if exists {
            (now_arn, address)
        } else {
            (
                old_arn,
                format!("{address}, {} by this plan", lifecycle.word()),
            )
        };
        if let Some(arn) = arn {
            self.hypothetical(arn, kind, origin);
        }
    }

    fn condition_refs(&mut self, c: &Condition, effect: Effect, stmt: &str, admin: bool) {
        for v in &c.values {
            if let Some(what) = crate::policy::document::unknown_in(v) {
                // A value known only after apply may match a principal no input has.
                let shown = format!("⟨{what}⟩");
                self.placeholder_cand(&crate::policy::document::unknown_value(what), &shown);
                continue;
            }
            if v.contains("${") {
                continue;
            }
            let base = c.op.base.clone();
            let m = |s: &str| match base {
                Base::ArnLike | Base::ArnNotLike => arn_like(v, s),
                Base::StringLike | Base::StringNotLike => glob_match(v, s, false),
                Base::StringEqualsIgnoreCase | Base::StringNotEqualsIgnoreCase => {
                    v.eq_ignore_ascii_case(s)
                }
                _ => v == s,
            };
            let hits = match c.op.base {
                Base::StringEqualsIgnoreCase | Base::StringNotEqualsIgnoreCase => {
                    self.inv.principal_by_arn(v).into_iter().collect()
                }
                Base::ArnLike | Base::ArnNotLike | Base::StringLike | Base::StringNotLike => {
                    self.inv.principals_matching(v, m)
                }
                _ => self.inv.principals_matching(v, |s| s == v),
            };
            if hits.is_empty() {
                let Some((arn, kind)) =
                    instantiate(v, self.account.as_deref(), &self.partition, &m)
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
                        if self.after && (lifecycle == Lifecycle::Deleted || !has_wildcard(v)) =>
                    {
                        self.dead_sso(v, false, effect, stmt, &address, lifecycle, admin);
                        if lifecycle == Lifecycle::Deleted {
                            let origin = format!(
                                "the SSO role of {address}, destroyed by this plan: create the permission set and its assignment again"
                            );
                            self.hypothetical(&arn, kind, origin);
                            if let Some(h) = self.hypos.iter_mut().find(|h| h.arn == arn) {
                                h.display = Some(v.clone());
                            }
                        }
                    }
                    // No input has a principal with this ARN: assume one exists (as for ARNs
                    // in `Principal`).
                    _ => self.assumed_cand(&arn, kind, false, v),
                }
                continue;
            }
            for pi in hits {
                self.principal_ref(pi, v, false, effect, stmt, admin);
            }
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
        && c.values
            .iter()
            .all(|v| crate::policy::document::unknown_in(v).is_none())
}

/// A short list of candidates: the first three, then how many more.
fn people(who: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut out = who
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if who.len() > SHOWN {
        out.push_str(&format!(" and {} more", who.len() - SHOWN));
    }
    out
}

/// Who a candidate is, in words (for `kmsguard explain`).
fn describe(inv: &Inventory, c: &Cand, after: bool) -> String {
    match &c.origin {
        Origin::Root => "the account root (always exists)".to_owned(),
        Origin::Known(pi) => {
            let p = &inv.principals[*pi];
            let what = if p.managed {
                p.lifecycle.word()
            } else {
                "read by a data source"
            };
            let when = if after && p.lifecycle == Lifecycle::Replaced {
                "; after the apply: the new one, with a new unique ID"
            } else {
                ""
            };
            format!("{} ({what} by this plan{when})", p.address)
        }
        Origin::Assumed => "no input manages it; assumed to exist".to_owned(),
        Origin::Placeholder => {
            "whoever this value, known only after apply, turns out to name".to_owned()
        }
        Origin::Hypothetical(what) => format!("could be created: {what}"),
    }
}

/// A concrete IAM user or role ARN in the key's account that `pattern` matches.
fn instantiate(
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

/// Evaluates one phase of one key.
pub(super) fn evaluate(
    inv: &Inventory,
    key: &Key,
    policy: &Policy,
    phase: Phase,
    trace: bool,
) -> PhaseResult {
    let after = phase == Phase::After;
    let account = key.account.clone().or_else(|| policy_account(policy));
    let partition = key.partition.clone().unwrap_or_else(|| "aws".to_owned());
    let mut b = Builder {
        inv,
        after,
        account: account.clone(),
        partition: partition.clone(),
        cands: Vec::new(),
        hypos: Vec::new(),
        seen_known: HashSet::new(),
        seen_arns: HashSet::new(),
        dead: Vec::new(),
        assumed: Vec::new(),
        cross: Vec::new(),
        not_principal: false,
        hypo_arns: HashSet::new(),
    };
    let root_arn = format!(
        "arn:{partition}:iam::{}:root",
        account.as_deref().unwrap_or(UNKNOWN_ACCOUNT)
    );
    b.seen_arns.insert(root_arn.to_ascii_lowercase());
    b.cands.push(Cand {
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

    let mut delegates = false;
    let mut admin_grants = 0;
    // New users an aws:username condition would match (tried after the other recreations).
    let mut by_username: Vec<(String, String)> = Vec::new();
    for st in &policy.statements {
        let admin = action_matches(&st.action, PUT_KEY_POLICY) != Tri::False;
        if admin && st.effect == Effect::Allow {
            admin_grants += 1;
        }
        let label = st.label();
        let pspec_not = matches!(st.principal, PrincipalSpec::NotPrincipal(_));
        b.not_principal = pspec_not;
        // Only principals the ARN patterns match can pass a statement narrowed by a positive
        // aws:PrincipalArn condition, and those are candidates already.
        let narrowed = st.conditions.iter().any(narrows_by_arn);
        for r in st.principal.refs() {
            match r {
                PrincipalRef::User(arn) => b.named(arn, CallerKind::User, st.effect, label, admin),
                PrincipalRef::Role(arn) => b.named(arn, CallerKind::Role, st.effect, label, admin),
                PrincipalRef::AssumedRole {
                    arn,
                    account: a,
                    role,
                } => {
                    if b.other_account(Some(a)) {
                        if admin && st.effect == Effect::Allow {
                            b.cross.push(arn.clone());
                        }
                        continue;
                    }
                    let hits = inv.roles_named(a, role);
                    if hits.is_empty() {
                        let role_arn = format!("arn:{partition}:iam::{a}:role/{role}");
                        b.assumed_cand(&role_arn, CallerKind::Role, true, arn);
                    }
                    for pi in hits {
                        b.principal_ref(pi, arn, true, st.effect, label, admin);
                    }
                }
                PrincipalRef::UniqueId(id) => match inv.principal_by_unique_id(id) {
                    Some(pi) => b.principal_ref(pi, id, true, st.effect, label, admin),
                    None if after => b.dead_ref(id, true, st.effect, label, None, admin),
                    None => {}
                },
                PrincipalRef::Account(a) => {
                    if b.other_account(Some(a)) {
                        if admin && st.effect == Effect::Allow {
                            b.cross.push(a.clone());
                        }
                    } else if st.effect == Effect::Allow && admin && !narrowed {
                        delegates = true;
                    }
                }
                PrincipalRef::Any | PrincipalRef::OwnAccount => {
                    if st.effect == Effect::Allow && admin && !narrowed {
                        delegates = true;
                    }
                }
                // A value known only after apply could be the account itself: every identity
                // of the account is then a candidate (its decision comes out unknown).
                PrincipalRef::Unknown(what) => {
                    if st.effect == Effect::Allow && admin && !narrowed {
                        delegates = true;
                    }
                    // The entry may also name a principal no input has, which would be
                    // assumed to exist (as a named ARN is): a candidate that stands for it.
                    let shown = format!("⟨{what}⟩");
                    let arn = crate::policy::document::unknown_value(what);
                    b.placeholder_cand(&arn, &shown);
                }
                PrincipalRef::Service(_) | PrincipalRef::Other(_) => {}
            }
        }
        if pspec_not && st.effect == Effect::Allow && admin && !narrowed {
            delegates = true;
        }
        for c in st.conditions.iter().filter(|c| c.is_principal_arn()) {
            b.condition_refs(c, st.effect, label, admin);
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
                        by_username.push((arn, origin));
                    }
                }
            }
        }
    }

    let target = Target {
        action: PUT_KEY_POLICY,
        key_arn: if after {
            key.arn_after.as_deref()
        } else {
            key.arn_before.as_deref()
        },
        key_account: account.as_deref(),
        key_tags: key.tags,
    };
    let mut result = PhaseResult::simple(Verdict::LockedOut, PolicySource::Literal, None);
    // Why a decision is unknown, with the candidates it is unknown for.
    let mut unknown: Vec<(String, Vec<String>)> = Vec::new();
    let run = |cands: &[Cand],
               result: &mut PhaseResult,
               unknown: &mut Vec<(String, Vec<String>)>| {
        for c in cands {
            let caller = Caller {
                kind: c.kind,
                arn: &c.arn,
                account: c.account.as_deref().or(account.as_deref()),
                name: c.name.as_deref(),
                unique_id: c.unique_id.as_deref(),
                tags: c.tags.as_ref(),
                bound_arns: &c.bound_arns,
                bound_ids: &c.bound_ids,
            };
            let d = decide(policy, &target, &caller);
            if trace {
                result
                    .trace
                    .get_or_insert_with(Vec::new)
                    .push(super::CandidateTrace {
                        arn: c.display.clone().unwrap_or_else(|| c.arn.clone()),
                        kind: c.kind,
                        origin: describe(inv, c, after),
                        bound: !c.bound_arns.is_empty()
                            || !c.bound_ids.is_empty()
                            || c.kind == CallerKind::Root
                            || matches!(c.origin, Origin::Placeholder),
                        hypothetical: matches!(c.origin, Origin::Hypothetical(_)),
                        decision: d.clone(),
                    });
            }
            if matches!(c.origin, Origin::Root) && d.allowed == Tri::True && d.denied != Tri::False
            {
                result.root_denied_by = d.deny.map(|i| policy.statements[i].label().to_owned());
            }
            match d.can {
                Tri::True => {
                    let (stmt, via) = d
                        .allow
                        .expect("an allowed caller has an allowing statement");
                    result.managers.push(Manager {
                        arn: c.display.clone().unwrap_or_else(|| c.arn.clone()),
                        kind: c.kind,
                        via,
                        statement: policy.statements[stmt].label().to_owned(),
                        address: match c.origin {
                            Origin::Known(pi) => Some(inv.principals[pi].address.clone()),
                            _ => None,
                        },
                        assumed: matches!(c.origin, Origin::Assumed),
                    });
                }
                Tri::Unknown => {
                    // A placeholder's own candidate is not named: the reason names the value.
                    let who = (!matches!(c.origin, Origin::Placeholder))
                        .then(|| c.display.clone().unwrap_or_else(|| c.arn.clone()));
                    for r in d.unknown_reasons {
                        let list = match unknown.iter_mut().find(|(reason, _)| *reason == r) {
                            Some((_, list)) => list,
                            None => {
                                unknown.push((r, Vec::new()));
                                &mut unknown.last_mut().expect("just pushed").1
                            }
                        };
                        if let Some(w) = &who {
                            if !list.contains(w) {
                                list.push(w.clone());
                            }
                        }
                    }
                }
                Tri::False => {}
            }
        }
    };
    run(&b.cands, &mut result, &mut unknown);

    // Nobody named can manage: any IAM identity of the account may still do it through the
    // account principal (an administrator attaches the IAM permission).
    // One such identity is enough to decide; the report lists the first found.
    if result.managers.is_empty() && delegates {
        for pi in 0..inv.principals.len() {
            if b.seen_known.contains(&pi) || inv.principals[pi].service_linked() {
                continue;
            }
            let Some(c) = b.known(pi) else { continue };
            if b.other_account(c.account.as_deref())
                || b.seen_arns.contains(&c.arn.to_ascii_lowercase())
            {
                continue;
            }
            run(std::slice::from_ref(&c), &mut result, &mut unknown);
            if !result.managers.is_empty() {
                break;
            }
        }
    }

    if !result.managers.is_empty() {
        result.verdict = Verdict::Manageable;
    } else if !unknown.is_empty() {
        result.verdict = Verdict::Unknown;
        result.unknown = unknown
            .into_iter()
            .map(|(reason, who)| {
                if who.is_empty() {
                    reason
                } else {
                    format!("for {}: {reason}", people(&who))
                }
            })
            .collect();
    } else {
        // Deleted or replaced principals can be created again under their old ARN. Those the
        // policy names or matches are tried already; the others can only help through the
        // account principal or `*`.
        for p in inv.principals.iter().filter(|p| {
            delegates && matches!(p.lifecycle, Lifecycle::Deleted | Lifecycle::Replaced)
        }) {
            if let Some(old) = p.before.as_ref().and_then(|i| i.arn.as_deref()) {
                let origin = format!("{}, {} by this plan", p.address, p.lifecycle.word());
                b.hypothetical(old, kind_of(p.kind), origin);
            }
        }
        // Renamed in place: a new principal could take the old name (and ARN) again.
        for p in inv
            .principals
            .iter()
            .filter(|p| p.lifecycle == Lifecycle::Updated)
        {
            let old = p.before.as_ref().and_then(|i| i.arn.as_deref());
            let new = p.after.as_ref().and_then(|i| i.arn.as_deref());
            if let (Some(old), Some(new)) = (old, new) {
                if !old.eq_ignore_ascii_case(new) {
                    let origin = format!(
                        "the old name of {}, renamed in place by this plan",
                        p.address
                    );
                    b.hypothetical(old, kind_of(p.kind), origin);
                }
            }
        }
        for (arn, origin) in by_username {
            b.hypothetical(&arn, CallerKind::User, origin);
        }
        if let Some(a) = &account {
            b.hypothetical(
                &format!("arn:{partition}:iam::{a}:role/new-admin-role"),
                CallerKind::Role,
                "any new IAM role".into(),
            );
        }
        let mut recovered = PhaseResult::simple(Verdict::LockedOut, PolicySource::Literal, None);
        let mut ignored = Vec::new();
        for h in &b.hypos {
            run(std::slice::from_ref(h), &mut recovered, &mut ignored);
            if let Some(t) = recovered.trace.take() {
                result.trace.get_or_insert_with(Vec::new).extend(t);
            }
            if let Some(m) = recovered.managers.pop() {
                let Origin::Hypothetical(origin) = &h.origin else {
                    unreachable!()
                };
                result.verdict = Verdict::Recoverable;
                result.recovery = Some(Recovery {
                    arn: h.display.clone().unwrap_or_else(|| h.arn.clone()),
                    kind: h.kind,
                    statement: m.statement,
                    via: m.via,
                    origin: origin.clone(),
                });
                break;
            }
        }
    }
    result.admin_grants = admin_grants;
    if key.account.is_none() {
        result.account_assumed = Some(match &account {
            Some(a) => format!("the key's account is not in the inputs; taken to be {a}, the account its policy names"),
            None => "the key's account is not known from the inputs; the account principal is taken to be the key's own".to_owned(),
        });
    }
    result.dead_refs = b.dead;
    result.assumed = b.assumed;
    result.cross_account = b.cross;
    result
}
