//! Deciding a phase: each candidate's decision, in the order the policy names them, until
//! enough managers are found; then, if nobody can manage the key, the search for a principal
//! an administrator could (re)create.
//!
//! Two things keep the work bounded on large inputs. The search stops after
//! [`MAX_MANAGERS`] managers (one is enough for the verdict). And candidates that the policy
//! cannot tell apart — input principals it does not name, that agree on everything its
//! conditions can see — share one decision ([`View`]).

use std::collections::{HashMap, HashSet};

use super::candidates::{
    self, Builder, Cand, Gathered, Hypo, Origin, exists_again, known, new_principal, recreation,
    recreation_origin,
};
use super::shared::{Match, Shared};
use super::{CandidateTrace, Manager, PhaseResult, PolicySource, Recovery, Verdict};
use crate::inventory::{Inventory, Key, Lifecycle};
use crate::plan::Phase;
use crate::policy::condition::{Base, matches_one};
use crate::policy::document::{Policy, PrincipalRef};
use crate::policy::eval::{Caller, CallerKind, Decision, Target, Tri, decide};
use std::sync::Arc;

/// A fast hash for the decisions shared between candidates (SipHash's resistance to
/// collisions is not needed: a collision only costs a comparison).
#[derive(Default)]
struct Fx(u64);

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

type FxBuild = std::hash::BuildHasherDefault<Fx>;

/// The managers listed per key and phase; the search stops there.
pub const MAX_MANAGERS: usize = 100;

/// What a policy's conditions can see of a candidate that no `Principal` entry names. Built
/// without allocating for the common policy (one that does not look at names, IDs or tags).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct View {
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
type Extras = (Option<String>, Option<String>, Vec<(String, String)>);

/// An `aws:PrincipalArn` value, its comparison, and the principals any of whose ARNs it
/// matches (sorted).
type ArnValue = (Base, String, Option<Arc<[usize]>>);

/// The most `aws:PrincipalArn` values a shared decision tracks.
const MAX_SHARED_VALUES: usize = 128;

/// What of a candidate the policy looks at.
struct Profile {
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
    bound: HashSet<usize>,
}

impl Profile {
    fn of(policy: &Policy, inv: &Inventory, patterns: &Shared) -> Profile {
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
    fn view(
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

    fn view_of_cand(&self, c: &Cand, key_account: Option<&str>, shared: &Shared) -> Option<View> {
        if self.binds(
            c.bound_arns.iter().map(String::as_str),
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

fn tag_list(t: Option<&crate::policy::tags::Tags>) -> Vec<(String, String)> {
    t.map(|t| {
        t.iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    })
    .unwrap_or_default()
}

pub(super) struct Search<'s, 'k> {
    inv: &'s Inventory<'k>,
    shared: &'s Shared,
    policy: &'s Policy,
    target: Target<'s>,
    account: Option<&'s str>,
    phase: Phase,
    trace: bool,
    profile: Profile,
    pub result: PhaseResult,
    /// Why a decision is unknown, with the candidates it is unknown for.
    unknown: Vec<(String, Vec<String>)>,
    /// Input principals decided (or found to share a decision) so far.
    decided: Vec<bool>,
    /// Decisions shared by candidates the policy cannot tell apart.
    memo: HashMap<View, Decision, FxBuild>,
}

impl<'s, 'k> Search<'s, 'k> {
    pub fn new(
        inv: &'s Inventory<'k>,
        patterns: &'s Shared,
        key: &'s Key,
        policy: &'s Policy,
        account: Option<&'s str>,
        phase: Phase,
        trace: bool,
    ) -> Self {
        Search {
            inv,
            shared: patterns,
            policy,
            target: Target {
                action: crate::policy::eval::PUT_KEY_POLICY,
                key_arn: if phase == Phase::After {
                    key.arn_after.as_deref()
                } else {
                    key.arn_before.as_deref()
                },
                key_account: account,
                key_tags: key.tags,
            },
            account,
            phase,
            trace,
            profile: Profile::of(policy, inv, patterns),
            result: PhaseResult::simple(Verdict::LockedOut, PolicySource::Literal, None),
            unknown: Vec::new(),
            decided: vec![false; inv.principals.len()],
            memo: HashMap::default(),
        }
    }

    fn full(&self) -> bool {
        self.result.managers.len() >= MAX_MANAGERS
    }

    /// Decides one candidate and records the outcome; `shared` lets it share the decision of
    /// candidates the policy cannot tell apart.
    fn decide(&mut self, c: &Cand, shared: bool) -> Decision {
        if let Origin::Known(pi) = c.origin {
            self.decided[pi] = true;
        }
        let caller = Caller {
            kind: c.kind,
            arn: &c.arn,
            account: c.account.as_deref().or(self.account),
            name: c.name.as_deref(),
            unique_id: c.unique_id.as_deref(),
            tags: c.tags.as_ref(),
            bound_arns: &c.bound_arns,
            bound_ids: &c.bound_ids,
        };
        if !shared {
            return decide(self.policy, &self.target, &caller);
        }
        let Some(view) = self.profile.view_of_cand(c, self.account, self.shared) else {
            return decide(self.policy, &self.target, &caller);
        };
        if let Some(d) = self.memo.get(&view) {
            return d.clone();
        }
        let d = decide(self.policy, &self.target, &caller);
        self.memo.insert(view, d.clone());
        d
    }

    /// Decides a candidate and adds it to the managers, the unknown reasons and the trace.
    fn run(&mut self, c: &Cand, shared: bool) {
        let d = self.decide(c, shared);
        self.record(c, d);
    }

    fn record(&mut self, c: &Cand, d: Decision) {
        let policy = self.policy;
        if self.trace {
            self.result
                .trace
                .get_or_insert_with(Vec::new)
                .push(CandidateTrace {
                    arn: c.shown(),
                    kind: c.kind,
                    origin: describe(self.inv, c, self.phase),
                    bound: !c.bound_arns.is_empty()
                        || !c.bound_ids.is_empty()
                        || c.kind == CallerKind::Root
                        || matches!(c.origin, Origin::Placeholder),
                    hypothetical: matches!(c.origin, Origin::Hypothetical(_)),
                    decision: d.clone(),
                });
        }
        if matches!(c.origin, Origin::Root) && d.allowed == Tri::True && d.denied != Tri::False {
            self.result.root_denied_by = d.deny.map(|i| policy.statements[i].label().to_owned());
        }
        match d.can {
            Tri::True => {
                let (stmt, via) = d
                    .allow
                    .expect("an allowed caller has an allowing statement");
                self.result.managers.push(Manager {
                    arn: c.shown(),
                    kind: c.kind,
                    via,
                    statement: policy.statements[stmt].label().to_owned(),
                    address: match c.origin {
                        Origin::Known(pi) => Some(self.inv.principals[pi].address.clone()),
                        _ => None,
                    },
                    assumed: matches!(c.origin, Origin::Assumed),
                });
            }
            Tri::Unknown => {
                // A placeholder's own candidate is not named: the reason names the value.
                let who = (!matches!(c.origin, Origin::Placeholder)).then(|| c.shown());
                for r in d.unknown_reasons {
                    let list = match self.unknown.iter_mut().position(|(reason, _)| *reason == r) {
                        Some(i) => &mut self.unknown[i].1,
                        None => {
                            self.unknown.push((r, Vec::new()));
                            &mut self.unknown.last_mut().expect("just pushed").1
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

    /// Decides the candidates the policy names or matches, in order.
    pub fn named(&mut self, b: &Builder, g: &Gathered) {
        for s in &g.sources {
            if self.full() {
                return;
            }
            match s {
                super::candidates::Source::One(c) => {
                    if let Origin::Known(pi) = c.origin {
                        if self.decided[pi] {
                            continue;
                        }
                    }
                    self.run(c, false);
                }
                super::candidates::Source::Matched(hits) => {
                    for &pi in hits.iter() {
                        if self.full() {
                            return;
                        }
                        self.matched(b, g, pi);
                    }
                }
            }
        }
    }

    /// An input principal a condition matches: decided, unless a principal the policy cannot
    /// tell apart from it was found unable to manage the key (then it adds nothing, and
    /// nothing is allocated for it).
    fn matched(&mut self, b: &Builder, g: &Gathered, pi: usize) {
        let facts = &self.shared.principals[pi];
        if self.decided[pi] || facts.linked || !facts.exists(self.phase) {
            return;
        }
        if b.other_account(facts.account.as_deref()) {
            return;
        }
        if !self.trace && !g.named.contains(&pi) && !self.profile.bound.contains(&pi) {
            let Some(seen) = candidates::seen(self.inv, pi, self.phase) else {
                return;
            };
            let account = if self.account.is_some() {
                None
            } else {
                facts.account.as_deref()
            };
            let view = self.profile.view(
                Some((pi, facts.one_arn)),
                seen.kind,
                seen.arn,
                account,
                || {
                    (
                        seen.name.map(str::to_owned),
                        seen.unique_id.map(str::to_owned),
                        tag_list(seen.tags),
                    )
                },
            );
            if let Some(d) = view.and_then(|v| self.memo.get(&v)) {
                if d.can == Tri::False && d.unknown_reasons.is_empty() {
                    self.decided[pi] = true;
                    return;
                }
            }
        }
        let Some(c) = known(self.inv, pi, self.phase) else {
            return;
        };
        self.run(&c, !g.named.contains(&pi));
    }

    /// Nobody named can manage: any IAM identity of the account may still do it through the
    /// account principal (an administrator attaches the IAM permission). One such identity
    /// is enough to decide; the report lists the first found.
    pub fn delegated(&mut self, b: &Builder, g: &Gathered, seen_arns: &HashSet<String>) {
        if !self.result.managers.is_empty() || !g.delegates {
            return;
        }
        // Every principal the policy names or matches was considered already.
        let mut referenced: Vec<bool> = self.decided.clone();
        for pi in &g.named {
            referenced[*pi] = true;
        }
        for s in &g.sources {
            match s {
                super::candidates::Source::One(c) => {
                    if let Origin::Known(pi) = c.origin {
                        referenced[pi] = true;
                    }
                }
                super::candidates::Source::Matched(hits) => {
                    for &pi in hits.iter() {
                        referenced[pi] = true;
                    }
                }
            }
        }
        for (pi, referenced) in referenced.into_iter().enumerate() {
            let facts = &self.shared.principals[pi];
            if referenced || self.decided[pi] || facts.linked {
                continue;
            }
            if !facts.exists(self.phase) || b.other_account(facts.account.as_deref()) {
                continue;
            }
            let Some(seen) = candidates::seen(self.inv, pi, self.phase) else {
                continue;
            };
            if seen_arns.contains(&seen.arn.to_ascii_lowercase()) {
                continue;
            }
            self.matched(b, g, pi);
            if !self.result.managers.is_empty() {
                break;
            }
        }
    }

    /// Whether some decision was unknown.
    pub fn undecided(&self) -> bool {
        !self.unknown.is_empty()
    }

    /// The unknown reasons, each with the candidates it is unknown for.
    pub fn unknown_reasons(&mut self) -> Vec<String> {
        std::mem::take(&mut self.unknown)
            .into_iter()
            .map(|(reason, who)| {
                if who.is_empty() {
                    reason
                } else {
                    format!("for {}: {reason}", people(&who))
                }
            })
            .collect()
    }

    /// Nobody can manage the key: the first principal an administrator could (re)create that
    /// the policy would let manage it.
    pub fn recover(
        &mut self,
        b: &Builder,
        g: &Gathered,
        seen_arns: &HashSet<String>,
    ) -> Option<Recovery> {
        // Whether a candidate with this ARN was gathered or decided.
        let decided = &self.decided;
        let inv = self.inv;
        let phase = self.phase;
        let seen = |arn: &str| {
            seen_arns.contains(&arn.to_ascii_lowercase())
                || inv.principal_by_arn(arn).is_some_and(|pi| {
                    decided[pi]
                        && candidates::seen(inv, pi, phase)
                            .is_some_and(|s| s.arn.eq_ignore_ascii_case(arn))
                })
        };
        let mut tried: HashSet<String> = HashSet::new();
        let mut hypos: Vec<Cand> = Vec::new();
        // Ways back in the order the policy names the principals.
        let mut add = |c: Cand, hypos: &mut Vec<Cand>| {
            if !b.other_account(c.account.as_deref()) && tried.insert(c.arn.to_ascii_lowercase()) {
                hypos.push(c);
            }
        };
        // Views of recreations already listed: another one the policy cannot tell apart
        // would get the same decision (outside `explain`, it is not listed again).
        let mut views: HashSet<View, FxBuild> = HashSet::default();
        for h in &g.hypos {
            match h {
                Hypo::One(c) => add((**c).clone(), &mut hypos),
                Hypo::Matched(hits) => {
                    for &pi in hits.iter() {
                        let facts = &self.shared.principals[pi];
                        let linked = facts.linked;
                        let exists = linked || facts.exists(phase);
                        let Some((arn, kind)) = recreation(inv, pi, exists, phase) else {
                            continue;
                        };
                        if !self.trace {
                            let account = if self.account.is_some() {
                                None
                            } else {
                                facts.account.as_deref()
                            };
                            let at = Some((pi, facts.one_arn));
                            let view = self.profile.view(at, kind, arn, account, || {
                                (arn.rsplit('/').next().map(str::to_owned), None, Vec::new())
                            });
                            if let Some(v) = view {
                                if !views.insert(v) {
                                    continue;
                                }
                            }
                        }
                        let origin = recreation_origin(inv, pi, exists);
                        let origin =
                            if exists && !linked && !b.other_account(facts.account.as_deref()) {
                                exists_again(origin)
                            } else {
                                origin
                            };
                        add(new_principal(arn, kind, origin, None), &mut hypos);
                    }
                }
            }
        }
        // Deleted or replaced principals can be created again under their old ARN. Those the
        // policy names or matches are tried already; the others can only help through the
        // account principal or `*`.
        let again = |arn: &str, kind: CallerKind, origin: String| {
            let origin = if seen(arn) {
                exists_again(origin)
            } else {
                origin
            };
            new_principal(arn, kind, origin, None)
        };
        if g.delegates {
            for p in self
                .inv
                .principals
                .iter()
                .filter(|p| matches!(p.lifecycle, Lifecycle::Deleted | Lifecycle::Replaced))
            {
                if let Some(old) = p.before.as_ref().and_then(|i| i.arn.as_deref()) {
                    let origin = format!("{}, {} by this plan", p.address, p.lifecycle.word());
                    add(again(old, kind_of(p), origin), &mut hypos);
                }
            }
        }
        // Renamed in place: a new principal could take the old name (and ARN) again.
        for p in self
            .inv
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
                    add(again(old, kind_of(p), origin), &mut hypos);
                }
            }
        }
        for (arn, origin) in &g.by_username {
            add(again(arn, CallerKind::User, origin.clone()), &mut hypos);
        }
        if let Some(a) = &b.account {
            let arn = format!("arn:{}:iam::{a}:role/new-admin-role", b.partition);
            add(
                again(&arn, CallerKind::Role, "any new IAM role".into()),
                &mut hypos,
            );
        }
        for h in &hypos {
            // A new principal is bound by no entry: it shares the decision of any candidate
            // the policy cannot tell it apart from.
            let d = self.decide(h, true);
            if self.trace {
                self.result
                    .trace
                    .get_or_insert_with(Vec::new)
                    .push(CandidateTrace {
                        arn: h.shown(),
                        kind: h.kind,
                        origin: describe(self.inv, h, self.phase),
                        bound: false,
                        hypothetical: true,
                        decision: d.clone(),
                    });
            }
            if d.can == Tri::True {
                let (stmt, via) = d
                    .allow
                    .expect("an allowed caller has an allowing statement");
                let Origin::Hypothetical(origin) = &h.origin else {
                    unreachable!("recoveries are hypothetical")
                };
                return Some(Recovery {
                    arn: h.shown(),
                    kind: h.kind,
                    statement: self.policy.statements[stmt].label().to_owned(),
                    via,
                    origin: origin.clone(),
                });
            }
        }
        None
    }
}

fn kind_of(p: &crate::inventory::Principal) -> CallerKind {
    match p.kind {
        crate::inventory::PrincipalKind::Role => CallerKind::Role,
        crate::inventory::PrincipalKind::User => CallerKind::User,
    }
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
fn describe(inv: &Inventory, c: &Cand, phase: Phase) -> String {
    match &c.origin {
        Origin::Root => "the account root (always exists)".to_owned(),
        Origin::Known(pi) => {
            let p = &inv.principals[*pi];
            let what = if p.managed {
                p.lifecycle.word()
            } else {
                "read by a data source"
            };
            let when = if phase == Phase::After && p.lifecycle == Lifecycle::Replaced {
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
