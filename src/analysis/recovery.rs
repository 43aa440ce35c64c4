//! Nobody can manage the key in a phase: is there a principal an account administrator could
//! create (or delete and create again) that the policy would let manage it? Then the key is
//! `recoverable` without AWS Support.

use std::collections::HashSet;

use super::candidates::{
    self, Cand, Hypo, Origin, kind_of, new_principal, recreation, recreation_of,
};
use super::evidence::{Recovery, Recreation, Way};
use super::gather::{Builder, Gathered};
use super::search::Search;
use super::sharing::{FxBuild, View};
use super::trace::CandidateTrace;
use crate::inventory::Lifecycle;
use crate::policy::eval::{CallerKind, Tri};

impl Search<'_, '_> {
    /// Nobody can manage the key: the first principal an administrator could (re)create that
    /// the policy would let manage it.
    pub(super) fn recover(
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
        // A principal a NotPrincipal Deny would exempt but for its permissions boundary: an
        // administrator can remove the boundary (it keeps its unique ID and bindings).
        // An existing principal the key policy delegates to, refused only by its IAM
        // policies: an administrator attaches one that allows kms:PutKeyPolicy.
        for (c, why) in std::mem::take(&mut self.iam_refused) {
            let mut c = c;
            c.origin = Origin::Hypothetical(Recreation::new(Way::GrantIam {
                arn: c.arn.clone(),
                why,
            }));
            add(c, &mut hypos);
        }
        let mut named: Vec<usize> = g.named.iter().copied().collect();
        named.sort_unstable();
        for pi in named {
            let Some(mut c) = candidates::known(inv, pi, phase, self.binding) else {
                continue;
            };
            if !c.boundary {
                continue;
            }
            c.boundary = false;
            c.origin = Origin::Hypothetical(Recreation::new(Way::WithoutBoundary {
                address: inv.principals[pi].address.clone(),
            }));
            add(c, &mut hypos);
        }
        for h in &g.hypos {
            match h {
                Hypo::One(c) => add((**c).clone(), &mut hypos),
                Hypo::Matched(hits) => {
                    for &pi in hits.iter() {
                        let facts = &self.shared.principals[pi];
                        // A service-linked role acts for its service: even recreated, no
                        // person can use it (S38).
                        if facts.linked {
                            continue;
                        }
                        let exists = facts.exists(phase);
                        let Some((arn, kind)) = recreation(inv, pi, exists, phase) else {
                            continue;
                        };
                        if self.trace.is_none() {
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
                        let origin = Recreation {
                            way: recreation_of(inv, pi, exists),
                            exists: exists && !b.other_account(facts.account.as_deref()),
                        };
                        add(new_principal(arn, kind, origin, None), &mut hypos);
                        // Moved to another path (or renamed) by this plan: back under the
                        // old ARN, which the pattern may be what matched.
                        let p = &inv.principals[pi];
                        let old = p.before.as_ref().and_then(|i| i.arn.as_deref());
                        if let Some(old) = old {
                            if exists && old != arn {
                                let way = Way::MovedBack {
                                    address: p.address.clone(),
                                    kind: p.kind,
                                };
                                add(
                                    new_principal(old, kind, Recreation::new(way), None),
                                    &mut hypos,
                                );
                            }
                        }
                    }
                }
            }
        }
        // Deleted or replaced principals can be created again under their old ARN. Those the
        // policy names or matches are tried already; the others can only help through the
        // account principal or `*`.
        let again = |arn: &str, kind: CallerKind, way: Way| {
            let origin = Recreation {
                way,
                exists: seen(arn),
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
                    let way = Way::Principal {
                        address: p.address.clone(),
                        removed: Some(p.lifecycle),
                    };
                    add(again(old, kind_of(p.kind), way), &mut hypos);
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
                    let way = Way::OldName {
                        address: p.address.clone(),
                    };
                    add(again(old, kind_of(p.kind), way), &mut hypos);
                }
            }
        }
        for (arn, way) in &g.by_username {
            add(again(arn, CallerKind::User, way.clone()), &mut hypos);
        }
        // A new principal with the tags (and of the type) a statement requires.
        for (arn, kind, way) in &g.tagged {
            let mut c = new_principal(arn, *kind, Recreation::new(way.clone()), None);
            if let Way::Tagged { tags, .. } = way {
                c.tags = Some(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect());
            }
            add(c, &mut hypos);
        }
        if let Some(a) = &b.account {
            let arn = format!("arn:{}:iam::{a}:role/new-admin-role", b.partition);
            add(again(&arn, CallerKind::Role, Way::AnyNewRole), &mut hypos);
        }
        for h in &hypos {
            // A new principal is bound by no entry: it shares the decision of any candidate
            // the policy cannot tell it apart from.
            let d = self.decide(h, true);
            if let Some(t) = &mut self.trace {
                t.push(CandidateTrace::of(self.inv, h, self.phase, d.clone()));
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
                    request: d.request,
                });
            }
        }
        None
    }
}
