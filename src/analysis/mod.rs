//! Step 3 of the pipeline: the verdict of every key before and after the apply.
//!
//! For each key and phase this module assembles the candidate callers (the account root,
//! the principals the policy names or matches, principals assumed to exist, and the ones an
//! administrator could create), asks the pure evaluator in [`crate::policy::eval`] about
//! each, and turns the answers into a [`Verdict`] with the evidence the rules need to
//! explain it. It never prints.

mod candidates;
mod search;
mod shared;

use serde::Serialize;

use crate::inventory::{Inventory, Key, Lifecycle, PrincipalKind};
use crate::policy::document::{Effect, Policy};
use crate::policy::eval::{CallerKind, Via};
use crate::resolve::{EffectivePolicy, KeyPolicies, Origin, Rebuilt};
use candidates::Builder;
use search::Search;
use shared::Shared;

pub use candidates::UNKNOWN_ACCOUNT;
pub use search::MAX_MANAGERS;

use crate::plan::Phase;

/// The five verdicts of semantics.md §2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Manageable,
    Recoverable,
    LockedOut,
    Unknown,
    Deleted,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Manageable => "manageable",
            Verdict::Recoverable => "recoverable",
            Verdict::LockedOut => "locked_out",
            Verdict::Unknown => "unknown",
            Verdict::Deleted => "deleted",
        }
    }

    /// Nobody can manage the key (with or without AWS Support's help).
    pub fn unmanageable(self) -> bool {
        matches!(self, Verdict::Recoverable | Verdict::LockedOut)
    }
}

/// How the policy of a key was obtained in one phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicySource {
    /// The policy JSON is in the plan or state.
    Literal,
    /// The rendered JSON of a `data.aws_iam_policy_document` read during the plan.
    DataSource,
    /// Rebuilt from a policy document read at apply time: its planned arguments and the
    /// configuration's references.
    Configuration,
    /// Evaluated from the Terraform source (`--config-dir`).
    HclSource,
    /// The provider's or KMS's default key policy applies.
    Default,
    /// Not known at plan time.
    Unresolved,
    /// The key does not exist in this phase.
    None,
}

impl PolicySource {
    /// The plan does not show the policy text; kmsguard rebuilt it.
    pub fn rebuilt(self) -> bool {
        matches!(self, PolicySource::Configuration | PolicySource::HclSource)
    }
}

/// A principal that can call `kms:PutKeyPolicy` on the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manager {
    pub arn: String,
    pub kind: CallerKind,
    /// How the policy reaches it.
    pub via: Via,
    /// The statement that allows it (`'Sid'` or `#N`).
    pub statement: String,
    /// The Terraform address that manages or reads the principal, if an input has one.
    pub address: Option<String>,
    /// No input manages this principal: it is assumed to exist.
    pub assumed: bool,
}

/// A principal that a policy names (in `Principal` or in an `aws:PrincipalArn` condition) but
/// that does not exist, or no longer binds, in this phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadRef {
    /// The ARN, pattern or unique ID as the policy writes it.
    pub reference: String,
    /// Named in `Principal`/`NotPrincipal` (dies with the principal) rather than matched
    /// by a condition (survives recreation).
    pub in_principal: bool,
    /// Named in `NotPrincipal` (an exemption), not `Principal`.
    pub not_principal: bool,
    pub effect: Effect,
    pub statement: String,
    /// The principal's address and what the plan does to it; `None` for a bare unique ID
    /// (a principal deleted before this plan).
    pub address: Option<String>,
    pub lifecycle: Option<Lifecycle>,
    pub kind: Option<PrincipalKind>,
    /// The statement grants `kms:PutKeyPolicy` (an admin reference).
    pub grants_admin: bool,
}

/// How an account administrator could regain control without AWS Support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recovery {
    /// The ARN to (re)create.
    pub arn: String,
    pub kind: CallerKind,
    pub statement: String,
    pub via: Via,
    /// What the ARN was: the deleted principal's address, or the pattern it matches.
    pub origin: String,
}

/// A key's state in one phase.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseResult {
    pub verdict: Verdict,
    pub policy_source: PolicySource,
    pub managers: Vec<Manager>,
    /// Why the verdict is `unknown`.
    pub unknown: Vec<String>,
    pub recovery: Option<Recovery>,
    pub dead_refs: Vec<DeadRef>,
    /// Principal ARNs the policy names that no input manages (assumed to exist).
    pub assumed: Vec<String>,
    /// The policy text does not parse as a key policy.
    pub policy_error: Option<String>,
    /// The account root is allowed by the policy but denied by this statement.
    pub root_denied_by: Option<String>,
    /// The policy names principals in other accounts with management actions.
    pub cross_account: Vec<String>,
    /// How the policy was obtained, in words (for `default`, `unresolved`).
    pub policy_note: Option<String>,
    /// The `aws_kms_key_policy` whose policy this is.
    pub policy_via: Option<String>,
    /// How many Allow statements cover `kms:PutKeyPolicy` at all.
    pub admin_grants: usize,
    /// The key's account was not in the inputs and was taken from the policy (or is unknown).
    pub account_assumed: Option<String>,
    /// Every candidate caller with its decision (only for `kmsguard explain`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Vec<CandidateTrace>>,
    /// With `trace`: each statement's label and effect, by index.
    #[serde(skip)]
    pub statements: Option<Vec<(String, Effect)>>,
}

/// One candidate caller and how the policy decided for it.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateTrace {
    pub arn: String,
    pub kind: CallerKind,
    /// Who this candidate is: the root, an input's principal and its lifecycle, a principal
    /// assumed to exist, or one an administrator could create.
    pub origin: String,
    /// Principal entries naming this ARN still bind to it (false for a recreated principal).
    pub bound: bool,
    /// It does not exist: an administrator could create it (tried for `recoverable`).
    pub hypothetical: bool,
    pub decision: crate::policy::eval::Decision,
}

impl PhaseResult {
    fn simple(verdict: Verdict, source: PolicySource, note: Option<String>) -> PhaseResult {
        PhaseResult {
            verdict,
            policy_source: source,
            managers: Vec::new(),
            unknown: Vec::new(),
            recovery: None,
            dead_refs: Vec::new(),
            assumed: Vec::new(),
            policy_error: None,
            root_denied_by: None,
            cross_account: Vec::new(),
            policy_note: note,
            policy_via: None,
            admin_grants: 0,
            account_assumed: None,
            trace: None,
            statements: None,
        }
    }
}

/// The analysis of one key.
#[derive(Debug, Clone)]
pub struct KeyAnalysis {
    /// Index into [`Inventory::keys`].
    pub key: usize,
    /// `None` for a key the plan creates.
    pub before: Option<PhaseResult>,
    pub after: PhaseResult,
    /// The policy text is written by this apply (so KMS's caller check runs on it).
    pub policy_written: bool,
    /// When the verdict after the apply is `unknown`: the principals that the key's current
    /// policy names and that this plan deletes or replaces. A key that might be locked out
    /// must not pass because kmsguard could not read its policy (`lockout-undecided`).
    pub undecided_removals: Vec<Removal>,
}

/// A principal the plan removes (or recreates with a new unique ID).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Removal {
    pub address: String,
    pub lifecycle: Lifecycle,
}

/// Analyses every key of the inventory, given the policy of each (in the same order).
pub fn analyse(inv: &Inventory, policies: &[KeyPolicies]) -> Vec<KeyAnalysis> {
    let indexed: Vec<(usize, &Key)> = inv.keys.iter().enumerate().collect();
    let patterns = Shared::new(inv);
    crate::par::map_keys(&indexed, |(i, k)| {
        analyse_key(inv, &patterns, *i, k, &policies[*i], false)
    })
}

/// Analyses one key and records every candidate's decision (for `kmsguard explain`).
pub fn explain(inv: &Inventory, policies: &[KeyPolicies], key: usize) -> KeyAnalysis {
    analyse_key(
        inv,
        &Shared::new(inv),
        key,
        &inv.keys[key],
        &policies[key],
        true,
    )
}

fn analyse_key(
    inv: &Inventory,
    patterns: &Shared,
    idx: usize,
    key: &Key,
    pol: &KeyPolicies,
    trace: bool,
) -> KeyAnalysis {
    // Most keys keep their policy: parse the text once for both phases.
    let parsed_before = pol.before.text().map(Policy::parse);
    let parsed_after = match (pol.before.text(), pol.after.text()) {
        (Some(a), Some(b)) if a == b => None,
        (_, Some(text)) => Some(Policy::parse(text)),
        _ => None,
    };
    let before = match &pol.before {
        EffectivePolicy::Absent => None,
        t => Some(phase(
            inv,
            patterns,
            key,
            t,
            parsed_before.as_ref(),
            Phase::Before,
            trace,
        )),
    };
    let after = match &pol.after {
        EffectivePolicy::Absent => PhaseResult::simple(Verdict::Deleted, PolicySource::None, None),
        t => phase(
            inv,
            patterns,
            key,
            t,
            parsed_after.as_ref().or(parsed_before.as_ref()),
            Phase::After,
            trace,
        ),
    };
    let policy_written = match (&pol.before, &pol.after) {
        (_, EffectivePolicy::Absent) => false,
        (a, b) => match (a.text(), b.text()) {
            (Some(a), Some(b)) => a != b,
            _ => true,
        },
    } || matches!(key.lifecycle, Lifecycle::Created | Lifecycle::Replaced);
    let undecided_removals = match (&parsed_before, &after) {
        (Some(Ok(p)), a) if a.verdict == Verdict::Unknown && a.policy_error.is_none() => {
            removals_named(inv, p)
        }
        _ => Vec::new(),
    };
    KeyAnalysis {
        key: idx,
        before,
        after,
        policy_written,
        undecided_removals,
    }
}

/// The principals a policy names — in `Principal`/`NotPrincipal`, by ARN, session or unique
/// ID, or in an `aws:PrincipalArn` condition — that the plan deletes or replaces, and the
/// SSO roles an Identity Center change removes.
fn removals_named(inv: &Inventory, policy: &Policy) -> Vec<Removal> {
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
    Policy {
        statements: vec![Statement {
            label: Statement::make_label(0, Some("Enable IAM User Permissions")),
            index: 0,
            sid: Some("Enable IAM User Permissions".into()),
            effect: Effect::Allow,
            principal: PrincipalSpec::Principal(vec![PrincipalRef::OwnAccount]),
            action: ActionSpec::Action(vec!["kms:*".into()]),
            resource: ResourceSpec::Resource(vec!["*".into()]),
            conditions: Vec::new(),
        }],
    }
}

/// One phase of a key; `parsed` is the parse of `text` when it is a known policy.
fn phase(
    inv: &Inventory,
    patterns: &Shared,
    key: &Key,
    text: &EffectivePolicy,
    parsed: Option<&Result<Policy, crate::policy::PolicyError>>,
    phase: Phase,
    trace: bool,
) -> PhaseResult {
    let default;
    let (policy, source, note, via) = match text {
        EffectivePolicy::Known { origin, via, .. } => {
            let (source, note) = match origin {
                Origin::Rebuilt(r) => (
                    match r.from {
                        Rebuilt::DataSource => PolicySource::DataSource,
                        Rebuilt::Configuration => PolicySource::Configuration,
                        Rebuilt::HclSource => PolicySource::HclSource,
                    },
                    Some(match r.from {
                        Rebuilt::DataSource => format!("taken from {}", r.detail),
                        Rebuilt::HclSource => format!("evaluated from {}", r.detail),
                        _ => format!("rebuilt from {}", r.detail),
                    }),
                ),
                Origin::Literal => (PolicySource::Literal, None),
            };
            match parsed.expect("known policies are parsed") {
                Ok(p) => (p, source, note, via.clone()),
                Err(e) => {
                    let mut r = PhaseResult::simple(Verdict::Unknown, source, note);
                    if e.unknown.is_some() {
                        // Not wrong: a value known only after apply stands for structure.
                        r.unknown.push(e.message.clone());
                    } else {
                        r.unknown
                            .push(format!("the policy is not a valid key policy: {e}"));
                        r.policy_error = Some(e.message.clone());
                    }
                    r.policy_via = via.clone();
                    return r;
                }
            }
        }
        EffectivePolicy::Default { reason } => (
            {
                default = default_policy();
                &default
            },
            PolicySource::Default,
            Some(reason.clone()),
            None,
        ),
        EffectivePolicy::Unknown { reason } => {
            let mut r = PhaseResult::simple(
                Verdict::Unknown,
                PolicySource::Unresolved,
                Some(reason.clone()),
            );
            r.unknown.push(reason.clone());
            return r;
        }
        EffectivePolicy::Absent => {
            return PhaseResult::simple(Verdict::Deleted, PolicySource::None, None);
        }
    };
    let mut r = decide_phase(inv, patterns, key, policy, phase, trace);
    if trace {
        r.statements = Some(
            policy
                .statements
                .iter()
                .map(|s| (s.label().to_owned(), s.effect))
                .collect(),
        );
    }
    r.policy_source = source;
    r.policy_note = note;
    r.policy_via = via;
    r
}

/// Decides one phase of one key: who can manage it, else whether it can be recovered.
fn decide_phase(
    inv: &Inventory,
    patterns: &Shared,
    key: &Key,
    policy: &Policy,
    phase: Phase,
    trace: bool,
) -> PhaseResult {
    let account = key
        .account
        .clone()
        .or_else(|| candidates::policy_account(policy));
    let partition = key.partition.clone().unwrap_or_else(|| "aws".to_owned());
    let mut b = Builder::new(inv, patterns, phase, account.clone(), partition);
    let g = b.gather(policy);
    let mut s = Search::new(inv, patterns, key, policy, account.as_deref(), phase, trace);
    s.named(&b, &g);
    s.delegated(&b, &g, b.seen_arns());
    if !s.result.managers.is_empty() {
        s.result.verdict = Verdict::Manageable;
    } else if s.undecided() {
        s.result.verdict = Verdict::Unknown;
        s.result.unknown = s.unknown_reasons();
    } else if let Some(r) = s.recover(&b, &g, b.seen_arns()) {
        s.result.verdict = Verdict::Recoverable;
        s.result.recovery = Some(r);
    }
    let mut result = s.result;
    result.admin_grants = g.admin_grants;
    if key.account.is_none() {
        result.account_assumed = Some(match &account {
            Some(a) => format!(
                "the key's account is not in the inputs; taken to be {a}, the account its policy names"
            ),
            None => "the key's account is not known from the inputs; the account principal is taken to be the key's own".to_owned(),
        });
    }
    result.dead_refs = g.dead;
    result.assumed = g.assumed;
    result.cross_account = g.cross;
    result
}

#[cfg(test)]
mod tests;
