//! Deciding a phase: each candidate's decision, in the order the policy names them, until
//! enough managers are found.
//!
//! Two things keep the work bounded on large inputs. The search stops after
//! [`MAX_MANAGERS`] managers (one is enough for the verdict). And candidates that the policy
//! cannot tell apart share one decision ([`super::sharing`]).

use std::collections::{HashMap, HashSet};

use super::candidates::{self, Binding, Cand, Group, Origin, known};
use super::evidence::Manager;
use super::gather::{Builder, Gathered};
use super::index::Shared;
use super::sharing::{FxBuild, Profile, View, tag_list};
use super::trace::CandidateTrace;
use crate::inventory::{Inventory, Key};
use crate::plan::Phase;
use crate::policy::document::Policy;
use crate::policy::eval::{Decision, Target, Tri, decide_with_hint};

/// The managers listed per key and phase; the search stops there.
pub const MAX_MANAGERS: usize = 100;

/// The search of one phase of one key.
pub(super) struct Search<'s, 'k> {
    pub(super) inv: &'s Inventory<'k>,
    pub(super) shared: &'s Shared,
    pub(super) policy: &'s Policy,
    pub(super) target: Target<'s>,
    /// The key's account, when an input or the policy tells it.
    pub(super) account: Option<&'s str>,
    pub(super) phase: Phase,
    pub(super) binding: &'s Binding,
    pub(super) profile: Profile,
    /// The managers found so far, at most [`MAX_MANAGERS`].
    pub managers: Vec<Manager>,
    /// The statement that denies the account root what the policy allows it.
    pub root_denied_by: Option<String>,
    /// Every candidate decided, when tracing for `explain`.
    pub trace: Option<Vec<CandidateTrace>>,
    /// Why a decision is unknown, with the candidates it is unknown for.
    unknown: Vec<(String, Vec<String>)>,
    /// Input principals decided (or found to share a decision) so far.
    pub(super) decided: Vec<bool>,
    /// Decisions shared by candidates the policy cannot tell apart.
    memo: HashMap<View, Decision, FxBuild>,
    /// The last request that worked: tried first for the next candidate.
    hint: Option<crate::policy::request::Request>,
    /// The key's ARN in this phase, when known (identity policies match it).
    pub(super) key_arn: Option<&'s str>,
    /// Principals the key policy lets manage the key through the account principal but
    /// whose IAM policies (from an account export) do not: attaching one would do.
    pub(super) iam_refused: Vec<(Cand, String)>,
}

/// The phase a search decides, the time its requests are made at, and how the policy's
/// `Principal` entries bind then.
#[derive(Debug, Clone)]
pub(super) struct Setting {
    pub phase: Phase,
    /// Epoch seconds.
    pub time: i64,
    pub binding: Binding,
}

impl<'s, 'k> Search<'s, 'k> {
    pub(super) fn new(
        inv: &'s Inventory<'k>,
        patterns: &'s Shared,
        key: &'s Key,
        policy: &'s Policy,
        account: Option<&'s str>,
        setting: &'s Setting,
        trace: bool,
    ) -> Self {
        Search {
            inv,
            shared: patterns,
            policy,
            target: Target {
                action: crate::policy::eval::PUT_KEY_POLICY,
                key_account: account,
                time: setting.time,
                region: key.region(setting.phase, inv.input_regions[key.input].as_deref()),
                key: key.facts(setting.phase),
            },
            account,
            phase: setting.phase,
            binding: &setting.binding,
            profile: Profile::of(policy, inv, patterns),
            managers: Vec::new(),
            root_denied_by: None,
            trace: trace.then(Vec::new),
            unknown: Vec::new(),
            decided: vec![false; inv.principals.len()],
            memo: HashMap::default(),
            hint: None,
            key_arn: key.arn(setting.phase),
            iam_refused: Vec::new(),
        }
    }

    fn full(&self) -> bool {
        self.managers.len() >= MAX_MANAGERS
    }

    /// Decides one candidate and records the outcome; `shared` lets it share the decision of
    /// candidates the policy cannot tell apart.
    pub(super) fn decide(&mut self, c: &Cand, shared: bool) -> Decision {
        if let Origin::Known(pi) = c.origin {
            self.decided[pi] = true;
        }
        let caller = c.caller(self.account);
        let view = if shared {
            self.profile.view_of_cand(c, self.account, self.shared)
        } else {
            None
        };
        if let Some(d) = view.as_ref().and_then(|v| self.memo.get(v)) {
            return d.clone();
        }
        let d = decide_with_hint(self.policy, &self.target, &caller, self.hint.as_ref());
        if d.can == Tri::True && !d.request.is_empty() {
            self.hint = Some(d.request.clone());
        }
        if let Some(v) = view {
            self.memo.insert(v, d.clone());
        }
        d
    }

    /// Decides a candidate and adds it to the managers, the unknown reasons and the trace.
    fn run(&mut self, c: &Cand, shared: bool) {
        let d = self.decide(c, shared);
        self.record(c, d);
    }

    fn record(&mut self, c: &Cand, d: Decision) {
        let policy = self.policy;
        let mut d = d;
        let iam_policy = self.identity_check(c, &mut d);
        if matches!(c.origin, Origin::Placeholder) && d.can == Tri::True {
            // Whoever a value known only after apply names could manage the key (through
            // the account or a wildcard), if it names someone of the account: that is not a
            // manager one can name, only a possibility.
            d.can = Tri::Unknown;
            d.unknown_reasons = vec![format!(
                "{} may be a principal of the account, which the policy would let manage the key",
                c.shown()
            )];
        }
        if let Some(t) = &mut self.trace {
            t.push(CandidateTrace::of(self.inv, c, self.phase, d.clone()));
        }
        if matches!(c.origin, Origin::Root) && d.allowed == Tri::True && d.denied != Tri::False {
            self.root_denied_by = d.deny.map(|i| policy.statements[i].label().to_owned());
        }
        match d.can {
            Tri::True => {
                let (stmt, via) = d
                    .allow
                    .expect("an allowed caller has an allowing statement");
                self.managers.push(Manager {
                    arn: c.shown(),
                    kind: c.kind,
                    via,
                    statement: policy.statements[stmt].label().to_owned(),
                    // A principal read from an account export is named by its ARN already.
                    address: match c.origin {
                        Origin::Known(pi) => {
                            Some(self.inv.principals[pi].address.clone()).filter(|a| *a != c.arn)
                        }
                        _ => None,
                    },
                    assumed: matches!(c.origin, Origin::Assumed),
                    iam_policy,
                    request: d.request,
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

    /// A caller the key policy lets manage the key through the account principal needs its
    /// IAM policies to allow it too (IAM "Policy evaluation logic"). When an account export
    /// shows them, they decide: the policy that allows it is returned; a refusal makes the
    /// caller no manager (and a way back: attach a policy); a condition makes it unknown.
    fn identity_check(&mut self, c: &Cand, d: &mut Decision) -> Option<String> {
        use crate::policy::eval::{PUT_KEY_POLICY, Via};
        let (Origin::Known(pi), Tri::True, Some((_, Via::Delegation))) =
            (&c.origin, d.can, d.allow)
        else {
            return None;
        };
        let idp = self.inv.identities.get(pi)?;
        let v = idp.allows(PUT_KEY_POLICY, self.key_arn);
        match v.can {
            Tri::True => Some(v.why),
            Tri::False => {
                d.can = Tri::False;
                self.iam_refused.push((c.clone(), v.why));
                None
            }
            Tri::Unknown => {
                d.can = Tri::Unknown;
                d.unknown_reasons = vec![format!("its IAM permissions: {}", v.why)];
                None
            }
        }
    }

    /// Decides the candidates the policy names or matches, in order.
    pub(super) fn named(&mut self, b: &Builder, g: &Gathered) {
        for s in &g.groups {
            if self.full() {
                return;
            }
            match s {
                Group::One(c) => {
                    if let Origin::Known(pi) = c.origin {
                        if self.decided[pi] {
                            continue;
                        }
                    }
                    self.run(c, false);
                }
                Group::Matched(hits) => {
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
        if self.trace.is_none() && !g.named.contains(&pi) && !self.profile.bound.contains(&pi) {
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
        let Some(c) = known(self.inv, pi, self.phase, self.binding) else {
            return;
        };
        self.run(&c, !g.named.contains(&pi));
    }

    /// Nobody named can manage: any IAM identity of the account may still do it through the
    /// account principal (an administrator attaches the IAM permission). One such identity
    /// is enough to decide; the report lists the first found.
    pub(super) fn delegated(&mut self, b: &Builder, g: &Gathered, seen_arns: &HashSet<String>) {
        if !g.delegates {
            return;
        }
        // An account export shows every identity and its IAM policies: delegation reaches
        // only those whose policies may allow a KMS action. They are listed, all of them (up
        // to the cap), so that the report can say who can manage the key besides the root.
        if self.inv.complete(self.account) {
            for &pi in &self.inv.iam_admins {
                if self.full() {
                    return;
                }
                if self.decided[pi] || g.named.contains(&pi) {
                    continue;
                }
                self.matched(b, g, pi);
            }
            return;
        }
        if !self.managers.is_empty() {
            return;
        }
        // Every principal the policy names or matches was considered already.
        let mut referenced: Vec<bool> = self.decided.clone();
        for pi in &g.named {
            referenced[*pi] = true;
        }
        for s in &g.groups {
            match s {
                Group::One(c) => {
                    if let Origin::Known(pi) = c.origin {
                        referenced[pi] = true;
                    }
                }
                Group::Matched(hits) => {
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
            if !self.managers.is_empty() {
                break;
            }
        }
    }

    /// Whether some decision was unknown.
    pub(super) fn undecided(&self) -> bool {
        !self.unknown.is_empty()
    }

    /// The unknown reasons, each with the candidates it is unknown for.
    pub(super) fn unknown_reasons(&mut self) -> Vec<String> {
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
