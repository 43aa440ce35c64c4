//! Deciding one phase of one key: the policy that applies, the candidates, the search, the
//! recovery, and the verdict they add up to.

use super::candidates::Binding;
use super::candidates::policy_account;
use super::evidence::{Evidence, Removal, TimeChange};
use super::gather::Builder;
use super::index::Shared;
use super::result::{PhaseResult, Verdict};
use super::search::{Search, Setting};
use super::trace::Trace;
use crate::inventory::{Inventory, Key, Lifecycle};
use crate::plan::Phase;
use crate::policy::document::{Effect, Policy};
use crate::resolve::{EffectivePolicy, PolicyKind};

/// The principals a policy names — in `Principal`/`NotPrincipal`, by ARN, session or unique
/// ID, or in an `aws:PrincipalArn` condition — that the plan deletes or replaces, and the
/// SSO roles an Identity Center change removes.
pub(super) fn removals_named(inv: &Inventory, policy: &Policy) -> Vec<Removal> {
    use crate::policy::condition::arn_like;
    use crate::policy::document::PrincipalRef;
    use crate::policy::glob::glob_match;
    let mut hits: Vec<usize> = Vec::new();
    let mut out: Vec<Removal> = Vec::new();
    let sso = |arn: &str, out: &mut Vec<Removal>| {
        if let Some(r) = inv.sso_removal(arn) {
            let removal = Removal {
                address: r.address.clone(),
                lifecycle: r.lifecycle,
            };
            if !out.contains(&removal) {
                out.push(removal);
            }
        }
    };
    for st in &policy.statements {
        for r in st.principal.refs() {
            match r {
                PrincipalRef::User(arn) | PrincipalRef::Role(arn) => {
                    hits.extend(inv.principal_by_arn(arn));
                    sso(arn, &mut out);
                }
                PrincipalRef::AssumedRole { account, role, .. } => {
                    hits.extend(inv.roles_named(account, role));
                }
                PrincipalRef::UniqueId(id) => hits.extend(inv.principal_by_unique_id(id)),
                _ => {}
            }
        }
        for c in st.conditions.iter().filter(|c| c.is_principal_arn()) {
            for v in c.values.iter().filter(|v| !v.contains("${")) {
                hits.extend(
                    inv.principals_matching(v, |s| glob_match(v, s, false) || arn_like(v, s)),
                );
                sso(v, &mut out);
            }
        }
    }
    hits.sort_unstable();
    hits.dedup();
    for pi in hits {
        let p = &inv.principals[pi];
        if matches!(p.lifecycle, Lifecycle::Deleted | Lifecycle::Replaced) {
            out.push(Removal {
                address: p.address.clone(),
                lifecycle: p.lifecycle,
            });
        }
    }
    out
}

fn default_policy() -> Policy {
    use crate::policy::document::{
        ActionSpec, PrincipalRef, PrincipalSpec, ResourceSpec, Statement,
    };
    Policy::build(
        vec![Statement {
            label: Statement::make_label(0, Some("Enable IAM User Permissions")),
            index: 0,
            sid: Some("Enable IAM User Permissions".into()),
            effect: Effect::Allow,
            principal: PrincipalSpec::Principal(vec![PrincipalRef::OwnAccount]),
            action: ActionSpec::Action(vec!["kms:*".into()]),
            resource: ResourceSpec::Resource(vec!["*".into()]),
            conditions: Vec::new(),
            refused: None,
        }],
        Some("2012-10-17".into()),
    )
}

/// One phase of a key; `parsed` is the parse of `text` when it is a known policy.
pub(super) fn phase(
    inv: &Inventory,
    patterns: &Shared,
    key: &Key,
    text: &EffectivePolicy,
    parsed: Option<&Result<Policy, crate::policy::PolicyError>>,
    (phase, binding): (Phase, Binding),
    trace: bool,
) -> PhaseResult {
    let (kind, note, resource) = (text.kind(), text.note(), text.resource().map(str::to_owned));
    let default;
    let policy = match text {
        EffectivePolicy::Known { .. } => match parsed.expect("known policies are parsed") {
            Ok(p) => p,
            Err(e) => {
                let mut r = PhaseResult::simple(Verdict::Unknown, kind, note);
                if e.unknown.is_some() {
                    // Not wrong: a value known only after apply stands for structure.
                    r.unknown.push(e.message.clone());
                } else {
                    r.unknown
                        .push(format!("the policy is not a valid key policy: {e}"));
                    r.policy.error = Some(e.message.clone());
                }
                r.policy.resource = resource;
                return r;
            }
        },
        EffectivePolicy::Default { .. } => {
            default = default_policy();
            &default
        }
        EffectivePolicy::Unknown { reason } => {
            let mut r = PhaseResult::simple(Verdict::Unknown, kind, note);
            r.unknown.push(reason.clone());
            return r;
        }
        EffectivePolicy::Absent => {
            return PhaseResult::simple(Verdict::Deleted, kind, note);
        }
    };
    let setting = Setting {
        phase,
        time: inv.time_of(key.input),
        binding,
    };
    let mut r = decide_phase(inv, patterns, key, policy, &setting, trace);
    r.evidence.time_change = time_change(inv, patterns, key, policy, &setting, r.verdict);
    let time = setting.time;
    r.evidence.reads_time = reads_time(policy);
    if inv.input_times[key.input].is_none() && r.evidence.reads_time {
        r.notes.time = Some(format!(
            "the input has no plan timestamp: time conditions were decided at the time of the check ({})",
            crate::policy::time::format(time)
        ));
    }
    if policy.version.as_deref() != Some("2012-10-17")
        && !matches!(text, EffectivePolicy::Default { .. })
    {
        r.notes.version = Some(match &policy.version {
            Some(v) => format!("the policy's Version is {v:?}, not \"2012-10-17\": KMS asks for 2012-10-17, and policy variables such as ${{aws:username}} are literal text"),
            None => "the policy has no Version: KMS asks for \"2012-10-17\", and without it policy variables such as ${aws:username} are literal text".to_owned(),
        });
    }
    r.policy.refusals.clone_from(&policy.refusals);
    if trace {
        if let Some(t) = &mut r.trace {
            t.statements = policy
                .statements
                .iter()
                .map(|s| (s.label().to_owned(), s.effect))
                .collect();
        }
    }
    r.policy.kind = kind;
    r.notes.policy = note;
    r.policy.resource = resource;
    r
}

/// The conditions of a policy on the time of the request.
fn time_conditions(policy: &Policy) -> impl Iterator<Item = &crate::policy::condition::Condition> {
    policy
        .statements
        .iter()
        .flat_map(|s| &s.conditions)
        .filter(|c| matches!(c.key_lc.as_str(), "aws:currenttime" | "aws:epochtime"))
}

/// Whether a policy's conditions read the time of the request.
fn reads_time(policy: &Policy) -> bool {
    time_conditions(policy).next().is_some()
}

/// The most later dates tried for a change of verdict.
const MAX_DATES: usize = 8;

/// The first date after `time` named in a time condition from which the key's verdict
/// changes between manageable and not (semantics §4: a date in the future decides the
/// verdict from that date on).
fn time_change(
    inv: &Inventory,
    patterns: &Shared,
    key: &Key,
    policy: &Policy,
    setting: &Setting,
    now: Verdict,
) -> Option<TimeChange> {
    let time = setting.time;
    use crate::policy::condition::Base;
    if !matches!(
        now,
        Verdict::Manageable | Verdict::Recoverable | Verdict::LockedOut
    ) {
        return None;
    }
    let mut dates: Vec<i64> = time_conditions(policy)
        .filter(|c| matches!(c.op.base, Base::Date(_) | Base::Numeric(_)))
        .flat_map(|c| &c.values)
        .filter_map(|v| crate::policy::time::parse(v))
        .filter(|d| *d > time)
        .collect();
    dates.sort_unstable();
    dates.dedup();
    for d in dates.into_iter().take(MAX_DATES) {
        // One second past the date: every operator on it has decided by then.
        let at = Setting {
            time: d + 1,
            ..setting.clone()
        };
        let later = decide_phase(inv, patterns, key, policy, &at, false).verdict;
        if later == Verdict::Unknown {
            return None;
        }
        if (later == Verdict::Manageable) != (now == Verdict::Manageable) {
            return Some(TimeChange {
                at: d,
                verdict: later,
            });
        }
    }
    None
}

/// Decides one phase of one key at a request time: who can manage it, else whether it can
/// be recovered.
fn decide_phase(
    inv: &Inventory,
    patterns: &Shared,
    key: &Key,
    policy: &Policy,
    setting: &Setting,
    trace: bool,
) -> PhaseResult {
    let (phase, time) = (setting.phase, setting.time);
    let account = key.account.clone().or_else(|| policy_account(policy));
    let partition = key.partition.clone().unwrap_or_else(|| "aws".to_owned());
    let mut b = Builder::new(
        inv,
        patterns,
        phase,
        setting.binding.clone(),
        account.clone(),
        partition,
    );
    let g = b.gather(policy);
    let mut s = Search::new(
        inv,
        patterns,
        key,
        policy,
        account.as_deref(),
        setting,
        trace,
    );
    s.named(&b, &g);
    s.delegated(&b, &g, b.seen_arns());
    let (verdict, unknown, recovery) = if !s.managers.is_empty() {
        (Verdict::Manageable, Vec::new(), None)
    } else if s.undecided() {
        (Verdict::Unknown, s.unknown_reasons(), None)
    } else if let Some(r) = s.recover(&b, &g, b.seen_arns()) {
        (Verdict::Recoverable, Vec::new(), Some(r))
    } else {
        (Verdict::LockedOut, Vec::new(), None)
    };
    // For the runbook: who can still read the key that nobody can manage.
    let readers = if verdict.unmanageable() {
        s.readers(&g)
    } else {
        Vec::new()
    };
    let mut result = PhaseResult::simple(verdict, PolicyKind::Literal, None);
    result.unknown = unknown;
    if key.account.is_none() {
        result.notes.account = Some(match &account {
            Some(a) => format!(
                "the key's account is not in the inputs; taken to be {a}, the account its policy names"
            ),
            None => "the key's account is not known from the inputs; the account principal is taken to be the key's own".to_owned(),
        });
    }
    result.trace = s.trace.take().map(|candidates| Trace {
        candidates,
        statements: Vec::new(),
    });
    result.evidence = Evidence {
        managers: s.managers,
        recovery,
        dead_refs: g.dead,
        assumed: g.assumed,
        root_denied_by: s.root_denied_by,
        cross_account: g.cross,
        admin_grants: g.admin_grants,
        delegates: g.delegates,
        condition_admin: g.condition_admin,
        iam_known: inv.complete(account.as_deref()),
        readers,
        time,
        reads_time: false,
        time_change: None,
    };
    result
}
