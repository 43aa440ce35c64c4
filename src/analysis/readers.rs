//! Who can still read a key that nobody can manage: the first step of the recovery runbook
//! (the seed article: "try every principal that might still have access, even only
//! kms:DescribeKey, and read the key policy with it").

use super::candidates::{self, Cand, Group, Origin};
use super::evidence::Reader;
use super::gather::Gathered;
use super::search::Search;
use crate::policy::eval::{Target, Tri, Via, decide};

/// The read actions the runbook asks about.
const READS: [&str; 2] = ["kms:GetKeyPolicy", "kms:DescribeKey"];

/// The most readers listed, and the most candidates a pattern contributes.
const MAX_READERS: usize = 10;
const MAX_MATCHED: usize = 50;

impl Search<'_, '_> {
    /// The candidates of the policy (and, in an account an export lists, the identities
    /// whose IAM policies may allow a KMS action) that may call `kms:GetKeyPolicy` or
    /// `kms:DescribeKey` on the key.
    pub(super) fn readers(&self, g: &Gathered) -> Vec<Reader> {
        let mut cands: Vec<Cand> = Vec::new();
        for s in &g.groups {
            match s {
                Group::One(c) if !matches!(c.origin, Origin::Placeholder) => {
                    cands.push((**c).clone());
                }
                Group::One(_) => {}
                Group::Matched(hits) => {
                    for &pi in hits.iter().take(MAX_MATCHED) {
                        cands.extend(candidates::known(self.inv, pi, self.phase, self.binding));
                    }
                }
            }
        }
        if self.inv.complete(self.account) {
            for &pi in &self.inv.iam_admins {
                cands.extend(candidates::known(self.inv, pi, self.phase, self.binding));
            }
        }
        let mut out: Vec<Reader> = Vec::new();
        for c in &cands {
            if out.len() >= MAX_READERS {
                break;
            }
            if out.iter().any(|r| r.arn.eq_ignore_ascii_case(&c.arn)) {
                continue;
            }
            let actions: Vec<&'static str> = READS.into_iter().filter(|a| self.may(c, a)).collect();
            if !actions.is_empty() {
                out.push(Reader {
                    arn: c.shown(),
                    actions,
                    assumed: matches!(c.origin, Origin::Assumed),
                });
            }
        }
        out
    }

    /// Whether the key policy (and, when known, the caller's IAM policies) may let `c` call
    /// `action`.
    fn may(&self, c: &Cand, action: &'static str) -> bool {
        let target = Target {
            action,
            key_account: self.target.key_account,
            time: self.target.time,
            region: self.target.region,
            key: self.target.key,
        };
        let d = decide(self.policy, &target, &c.caller(self.account));
        if d.can == Tri::False {
            return false;
        }
        match (&c.origin, d.allow) {
            (Origin::Known(pi), Some((_, Via::Delegation))) => self
                .inv
                .identities
                .get(pi)
                .is_none_or(|p| p.allows(action, self.key_arn).can != Tri::False),
            _ => true,
        }
    }
}
