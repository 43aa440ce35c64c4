//! Three-valued evaluation of one key policy for one candidate caller (docs/rules.md,
//! "How verdicts are decided").
//!
//! Pure: no plan types. The caller says which principal-element ARNs and unique IDs still
//! bind to it (that is where deletion and replacement enter), the evaluator does the rest.

use crate::policy::tags::Tags;

use super::condition::{CondResult, Context, CtxValue};
use super::document::{
    ActionSpec, Effect, Policy, PrincipalRef, PrincipalSpec, ResourceSpec, Statement,
};
use super::glob::glob_match;
use super::placeholder::unknown_in;
use super::request::{ANY_SESSION, Fixed, MAX_REQUESTS, Request, fixed, is_free};

/// Kleene three-valued truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    pub fn and(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            _ => Tri::Unknown,
        }
    }
    pub fn or(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            _ => Tri::Unknown,
        }
    }
    pub fn negate(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
    pub fn from_bool(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }
}

/// What kind of principal a candidate caller is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallerKind {
    Root,
    User,
    Role,
}

/// A candidate caller of `kms:PutKeyPolicy`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caller<'a> {
    pub kind: CallerKind,
    /// The value of `aws:PrincipalArn` (for a role: the role ARN with its path).
    pub arn: &'a str,
    pub account: Option<&'a str>,
    /// User or role name.
    pub name: Option<&'a str>,
    pub unique_id: Option<&'a str>,
    pub tags: Option<&'a Tags>,
    /// Lower-cased principal ARNs that a `Principal` element naming them binds to this
    /// caller (empty for a principal recreated by the plan: its unique ID is new).
    pub bound_arns: &'a [String],
    /// Unique IDs that bind to this caller.
    pub bound_ids: &'a [String],
    /// Lower-cased principal ARNs that may or may not bind to this caller: the plan writes
    /// the policy and recreates the principal, and nothing orders the two.
    pub unsure_arns: &'a [String],
    /// It has a permissions boundary: a `NotPrincipal` Deny applies to it whatever the list
    /// (IAM "NotPrincipal").
    pub boundary: bool,
}

/// The key and the action asked about, and what the request of that action fixes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    pub action: &'a str,
    pub key_account: Option<&'a str>,
    /// The time of the request, in epoch seconds (`aws:CurrentTime`, `aws:EpochTime`).
    pub time: i64,
    /// The key's region (`aws:RequestedRegion`): a request about a key goes to its region.
    pub region: Option<&'a str>,
    /// The key's own attributes in the phase asked about.
    pub key: KeyFacts<'a>,
}

/// A key's attributes that KMS condition keys read (`kms:KeySpec`, …), in one phase.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct KeyFacts<'a> {
    pub spec: Option<&'a str>,
    pub usage: Option<&'a str>,
    pub origin: Option<&'a str>,
    pub multi_region: Option<bool>,
    /// `PRIMARY` or `REPLICA` for a multi-Region key.
    pub multi_region_type: Option<&'a str>,
}

/// How an Allow statement reached the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// The caller's ARN (or unique ID) is named in `Principal`.
    Principal,
    /// The account principal, used by the root user directly.
    Account,
    /// The account principal, delegated through the caller's IAM policies.
    Delegation,
    /// `Principal: "*"` (usually narrowed by a condition).
    Wildcard,
}

/// The outcome of one statement for one caller.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatementOutcome {
    pub index: usize,
    /// How a known entry of `Principal` (or `NotPrincipal`) reaches the caller.
    pub principal: Option<Via>,
    /// Whether the principal element covers the caller: unknown when only an entry known
    /// after apply could.
    pub principal_matches: Tri,
    /// `Action` / `NotAction` covers the action for sure.
    pub action: bool,
    /// The same, three-valued: unknown when only an entry known after apply could decide.
    pub action_matches: Tri,
    pub resource: Tri,
    pub condition: Tri,
    pub applies: Tri,
    /// Why `applies` is unknown, where it is.
    pub unknown_reason: Option<String>,
}

/// The decision for one caller.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    pub can: Tri,
    pub allowed: Tri,
    pub denied: Tri,
    /// The first Allow statement that applies for sure, and how.
    pub allow: Option<(usize, Via)>,
    /// The first Deny statement that applies (for sure, else possibly).
    pub deny: Option<usize>,
    pub unknown_reasons: Vec<String>,
    pub statements: Vec<StatementOutcome>,
    /// The request this decision is about: for a caller who can (`can` true), a request
    /// that works — the witness; otherwise the one that came closest.
    #[serde(skip_serializing_if = "Request::is_empty")]
    pub request: Request,
}

/// The action that makes a key manageable.
pub(crate) const PUT_KEY_POLICY: &str = "kms:PutKeyPolicy";

/// Decides whether `caller` may perform `target.action` on the key under `policy`: whether
/// there is **one** request the caller can make such that some Allow applies and no Deny
/// does (docs/rules.md#the-request-model). The requests tried are the combinations of the
/// representative values of the free request keys the policy reads.
pub(crate) fn decide(policy: &Policy, target: &Target, caller: &Caller) -> Decision {
    decide_with_hint(policy, target, caller, None)
}

/// [`decide`], trying `hint` first: the request that worked for another caller of the same
/// policy usually works for this one too, and then the search is one evaluation long.
pub(crate) fn decide_with_hint(
    policy: &Policy,
    target: &Target,
    caller: &Caller,
    hint: Option<&Request>,
) -> Decision {
    // What does not depend on the request is worked out once for the caller.
    let parts: Vec<Parts> = policy
        .statements
        .iter()
        .map(|st| Parts::of(st, target, caller))
        .collect();
    if policy.space.is_empty() {
        return decide_request(policy, &parts, target, caller, Request::default());
    }
    let Some(requests) = policy.space.requests(caller.kind == CallerKind::Role) else {
        let mut d = decide_request(policy, &parts, target, caller, Request::default());
        if d.can != Tri::False {
            d.can = Tri::Unknown;
            d.unknown_reasons = vec![format!(
                "the policy's conditions on request keys have more than {MAX_REQUESTS} combinations to try"
            )];
        }
        return d;
    };
    // The hint, if it is a request of this caller's space (a session only for a role).
    let role = caller.kind == CallerKind::Role && policy.space.reads_sessions();
    if let Some(h) = hint.filter(|h| h.session.is_some() == role) {
        if quick(policy, &parts, target, caller, h).0 == Tri::True {
            return decide_request(policy, &parts, target, caller, h.clone());
        }
    }
    // A quick pass over the requests; the full decision (every statement's outcome, for
    // the reports) only for the one that works, else the one that came closest.
    let mut best = (0, 0u8);
    for (i, r) in requests.iter().enumerate() {
        let (can, allowed) = quick(policy, &parts, target, caller, r);
        if can == Tri::True {
            best = (i, 3);
            break;
        }
        let score = closeness(can, allowed);
        if score > best.1 {
            best = (i, score);
        }
    }
    let request = requests.into_iter().nth(best.0).unwrap_or_default();
    decide_request(policy, &parts, target, caller, request)
}

/// Whether one request works (`can`), and whether some Allow applies to it, stopping as
/// soon as either is settled.
fn quick(
    policy: &Policy,
    parts: &[Parts],
    target: &Target,
    caller: &Caller,
    request: &Request,
) -> (Tri, Tri) {
    let ctx = CallerContext {
        caller,
        target,
        request,
        variables: policy.variables(),
    };
    let applies = |st: &Statement, p: &Parts| -> Tri {
        if st.refused.is_some() {
            return Tri::False;
        }
        let who = p.principal_matches(st, target, caller, request);
        let fixed = who.and(p.action).and(p.resource);
        if fixed == Tri::False {
            return Tri::False;
        }
        fixed.and(conditions(st, &ctx).0)
    };
    let mut allowed = Tri::False;
    for (st, p) in policy.statements.iter().zip(parts) {
        if st.effect == Effect::Allow {
            allowed = allowed.or(applies(st, p));
            if allowed == Tri::True {
                break;
            }
        }
    }
    if allowed == Tri::False {
        return (Tri::False, allowed);
    }
    let mut denied = Tri::False;
    for (st, p) in policy.statements.iter().zip(parts) {
        if st.effect == Effect::Deny {
            denied = denied.or(applies(st, p));
            if denied == Tri::True {
                return (Tri::False, allowed);
            }
        }
    }
    (allowed.and(denied.negate()), allowed)
}

/// How close a decision that does not allow comes to allowing: unknown first, then allowed
/// but denied, then the rest.
fn closeness(can: Tri, allowed: Tri) -> u8 {
    match (can, allowed) {
        (Tri::True, _) => 3,
        (Tri::Unknown, _) => 2,
        (_, Tri::True) => 1,
        _ => 0,
    }
}

/// Decides one concrete request.
fn decide_request(
    policy: &Policy,
    parts: &[Parts],
    target: &Target,
    caller: &Caller,
    request: Request,
) -> Decision {
    let ctx = CallerContext {
        caller,
        target,
        request: &request,
        variables: policy.variables(),
    };
    let mut allowed = Tri::False;
    let mut denied = Tri::False;
    let mut allow = None;
    let (mut deny_sure, mut deny_maybe) = (None, None);
    let mut unknown_reasons = Vec::new();
    let mut statements = Vec::with_capacity(policy.statements.len());
    for (st, p) in policy.statements.iter().zip(parts) {
        let o = statement_outcome(st, p, target, caller, &ctx);
        if st.refused.is_some() {
            statements.push(o);
            continue;
        }
        match (st.effect, o.applies) {
            (Effect::Allow, applies) => {
                if applies == Tri::True && allow.is_none() {
                    allow = o.principal.map(|v| (st.index, v));
                }
                allowed = allowed.or(applies);
            }
            (Effect::Deny, applies) => {
                match applies {
                    Tri::True => deny_sure = deny_sure.or(Some(st.index)),
                    Tri::Unknown => deny_maybe = deny_maybe.or(Some(st.index)),
                    Tri::False => {}
                }
                denied = denied.or(applies);
            }
        }
        if let Some(r) = &o.unknown_reason {
            unknown_reasons.push(format!("statement {}: {r}", st.label()));
        }
        statements.push(o);
    }
    let deny = deny_sure.or(deny_maybe);
    Decision {
        can: allowed.and(denied.negate()),
        allowed,
        denied,
        allow,
        deny,
        unknown_reasons,
        statements,
        request,
    }
}

/// What a statement says about a caller apart from its conditions: the principal element
/// (unless it names sessions, whose match depends on the request's session), the action and
/// the resource.
struct Parts {
    /// `None` when it depends on the request.
    principal: Option<PrincipalPart>,
    action: Tri,
    action_reason: Option<String>,
    resource: Tri,
    resource_reason: Option<String>,
}

#[derive(Clone)]
struct PrincipalPart {
    via: Option<Via>,
    matches: Tri,
    reason: Option<String>,
}

impl Parts {
    fn of(st: &Statement, target: &Target, caller: &Caller) -> Parts {
        let (action, action_reason) = action_matches_tri(&st.action, target.action);
        let (resource, resource_reason) = if st.refused.is_some() {
            (Tri::False, None)
        } else {
            resource_matches(&st.resource)
        };
        let by_session = st
            .principal
            .refs()
            .iter()
            .any(|r| matches!(r, PrincipalRef::AssumedRole { .. }));
        Parts {
            principal: (!by_session)
                .then(|| principal_part(st, target, caller, &Request::default())),
            action,
            action_reason,
            resource,
            resource_reason,
        }
    }

    /// Whether the principal element covers the caller in this request (no reason text: the
    /// quick pass over requests needs only this).
    fn principal_matches(
        &self,
        st: &Statement,
        target: &Target,
        caller: &Caller,
        request: &Request,
    ) -> Tri {
        match &self.principal {
            Some(p) => p.matches,
            None => principal_part(st, target, caller, request).matches,
        }
    }

    /// The principal element's verdict for this request.
    fn principal_for(
        &self,
        st: &Statement,
        target: &Target,
        caller: &Caller,
        request: &Request,
    ) -> (Option<Via>, Tri, Option<String>) {
        let p = match &self.principal {
            Some(p) => p.clone(),
            None => principal_part(st, target, caller, request),
        };
        (p.via, p.matches, p.reason)
    }
}

/// Whether the statement's conditions hold for the request, and why not known.
fn conditions(st: &Statement, ctx: &CallerContext) -> (Tri, Option<String>) {
    let mut condition = Tri::True;
    let mut reason = None;
    for c in &st.conditions {
        let r = match c.eval(ctx) {
            CondResult::True => Tri::True,
            CondResult::False => Tri::False,
            CondResult::Unknown(why) => {
                reason.get_or_insert(format!("{} {}: {why}", c.operator, c.key));
                Tri::Unknown
            }
        };
        condition = condition.and(r);
        if condition == Tri::False {
            break;
        }
    }
    (condition, reason)
}

fn principal_part(
    st: &Statement,
    target: &Target,
    caller: &Caller,
    request: &Request,
) -> PrincipalPart {
    let unknown_ref = st.principal.refs().iter().find_map(|r| match r {
        PrincipalRef::Unknown(what) => Some(what.as_str()),
        _ => None,
    });
    let principal = match &st.principal {
        PrincipalSpec::Principal(refs) => refs
            .iter()
            .filter_map(|r| principal_match(r, st.effect, target, caller, request))
            .min_by_key(|v| via_rank(*v)),
        // An Allow with NotPrincipal is not supported (S37): it applies to nobody.
        PrincipalSpec::NotPrincipal(_) if st.effect == Effect::Allow => None,
        PrincipalSpec::NotPrincipal(refs) => {
            (!not_principal_covers(refs, target, caller, request)).then_some(Via::Wildcard)
        }
    };
    // An entry known only after apply could name the caller (in Principal) or exempt it
    // (in NotPrincipal).
    let (principal, principal_matches) = match (principal, unknown_ref) {
        (Some(v), Some(_)) if matches!(st.principal, PrincipalSpec::NotPrincipal(_)) => {
            (Some(v), Tri::Unknown)
        }
        (Some(v), _) => (Some(v), Tri::True),
        (None, Some(_)) if matches!(st.principal, PrincipalSpec::Principal(_)) => {
            (None, Tri::Unknown)
        }
        (None, _) => (None, Tri::False),
    };
    // A literal ARN of a principal the plan recreates, in a policy the plan writes: which
    // incarnation it binds depends on the order of the two (semantics §5).
    let unsure = match (&st.principal, principal_matches) {
        (PrincipalSpec::Principal(refs), Tri::False) => refs.iter().find_map(|r| match r {
            PrincipalRef::User(arn) | PrincipalRef::Role(arn)
                if caller
                    .unsure_arns
                    .iter()
                    .any(|u| u.eq_ignore_ascii_case(arn)) =>
            {
                Some(arn.as_str())
            }
            _ => None,
        }),
        _ => None,
    };
    let principal_matches = if unsure.is_some() {
        Tri::Unknown
    } else {
        principal_matches
    };
    let reason = match unsure {
        Some(arn) => Some(format!(
            "the plan writes this policy and recreates {arn}, which the policy names by a literal ARN rather than a reference: nothing orders the two, so whether the entry binds the new principal is not known"
        )),
        None => (principal_matches == Tri::Unknown)
            .then(|| {
                unknown_ref.map(|w| format!("a principal entry is known only after apply ({w})"))
            })
            .flatten(),
    };
    PrincipalPart {
        via: principal,
        matches: principal_matches,
        reason,
    }
}

fn statement_outcome(
    st: &Statement,
    parts: &Parts,
    target: &Target,
    caller: &Caller,
    ctx: &CallerContext,
) -> StatementOutcome {
    let (principal, principal_matches, principal_reason) =
        parts.principal_for(st, target, caller, ctx.request);
    let (action, resource) = (parts.action, parts.resource);
    let (condition, cond_reason) =
        if principal_matches != Tri::False && action != Tri::False && resource != Tri::False {
            conditions(st, ctx)
        } else {
            (Tri::True, None)
        };
    let applies = principal_matches.and(action).and(resource).and(condition);
    let unknown_reason = (applies == Tri::Unknown)
        .then(|| {
            principal_reason
                .or_else(|| parts.action_reason.clone())
                .or(cond_reason)
                .or_else(|| parts.resource_reason.clone())
        })
        .flatten();
    StatementOutcome {
        index: st.index,
        principal,
        principal_matches,
        action: action == Tri::True,
        action_matches: action,
        resource,
        condition,
        applies,
        unknown_reason,
    }
}

fn via_rank(v: Via) -> u8 {
    match v {
        Via::Principal => 0,
        Via::Account => 1,
        Via::Wildcard => 2,
        Via::Delegation => 3,
    }
}

/// The caller's account, or the key's when the caller's is not known.
fn effective_account<'a>(target: &Target<'a>, caller: &Caller<'a>) -> Option<&'a str> {
    caller.account.or(target.key_account)
}

fn account_matches(account: &str, target: &Target, caller: &Caller) -> bool {
    effective_account(target, caller).is_none_or(|a| a == account)
}

fn principal_match(
    r: &PrincipalRef,
    effect: Effect,
    target: &Target,
    caller: &Caller,
    request: &Request,
) -> Option<Via> {
    let account_via = || match caller.kind {
        CallerKind::Root => Via::Account,
        // A Deny naming the account applies to every identity in it.
        _ if effect == Effect::Deny => Via::Account,
        _ => Via::Delegation,
    };
    match r {
        PrincipalRef::Any => Some(Via::Wildcard),
        PrincipalRef::Account(a) => account_matches(a, target, caller).then(account_via),
        PrincipalRef::OwnAccount => {
            let own = match (caller.account, target.key_account) {
                (Some(c), Some(k)) => c == k,
                _ => true,
            };
            own.then(account_via)
        }
        PrincipalRef::User(arn) | PrincipalRef::Role(arn) => caller
            .bound_arns
            .iter()
            .any(|b| b.eq_ignore_ascii_case(arn))
            .then_some(Via::Principal),
        // A session ARN names one session of the role (S14): the caller's session must be
        // that one.
        PrincipalRef::AssumedRole { arn, account, role } => (caller.kind == CallerKind::Role
            && account_matches(account, target, caller)
            && caller.bound_arns.iter().any(|b| {
                b.rsplit_once('/')
                    .is_some_and(|(_, name)| name.eq_ignore_ascii_case(role))
            })
            && request
                .session()
                .is_none_or(|s| arn.rsplit('/').next() == Some(s)))
        .then_some(Via::Principal),
        PrincipalRef::UniqueId(id) => caller.bound_ids.contains(id).then_some(Via::Principal),
        PrincipalRef::Service(_) | PrincipalRef::Other(_) | PrincipalRef::Unknown(_) => None,
    }
}

/// Whether a `NotPrincipal` list exempts the caller. IAM evaluates every identity in the
/// request: a user is exempt only when both it and its account are listed; a role's caller
/// is one of its sessions, exempt only when its session ARN and the account are listed — a
/// role ARN alone does not exempt its sessions (S37, **design**).
fn not_principal_covers(
    refs: &[PrincipalRef],
    target: &Target,
    caller: &Caller,
    request: &Request,
) -> bool {
    // A Deny with NotPrincipal always applies to a principal with a permissions boundary,
    // whatever the list.
    if caller.boundary {
        return false;
    }
    if refs.iter().any(|r| matches!(r, PrincipalRef::Any)) {
        return true;
    }
    let account_listed = refs.iter().any(|r| match r {
        PrincipalRef::Account(a) => account_matches(a, target, caller),
        PrincipalRef::OwnAccount => true,
        _ => false,
    });
    match caller.kind {
        CallerKind::Root => account_listed,
        CallerKind::Role => {
            account_listed
                && refs.iter().any(|r| {
                    matches!(r, PrincipalRef::AssumedRole { .. })
                        && principal_match(r, Effect::Allow, target, caller, request).is_some()
                })
        }
        CallerKind::User => {
            account_listed
                && refs.iter().any(|r| {
                    matches!(r, PrincipalRef::User(_) | PrincipalRef::UniqueId(_))
                        && principal_match(r, Effect::Allow, target, caller, request).is_some()
                })
        }
    }
}

/// Whether an `Action`/`NotAction` element covers `action`: unknown when only an entry
/// known after apply could decide it.
pub(crate) fn action_matches(spec: &ActionSpec, action: &str) -> Tri {
    action_matches_tri(spec, action).0
}

fn action_matches_tri(spec: &ActionSpec, action: &str) -> (Tri, Option<String>) {
    let (ActionSpec::Action(list) | ActionSpec::NotAction(list)) = spec;
    let known = list
        .iter()
        .any(|p| unknown_in(p).is_none() && glob_match(p, action, true));
    let unknown = list.iter().find_map(|p| unknown_in(p));
    let listed = match (known, unknown) {
        (true, _) => Tri::True,
        (false, Some(_)) => Tri::Unknown,
        (false, None) => Tri::False,
    };
    let reason = (listed == Tri::Unknown)
        .then(|| unknown.map(|w| format!("an action entry is known only after apply ({w})")))
        .flatten();
    match spec {
        ActionSpec::Action(_) => (listed, reason),
        ActionSpec::NotAction(_) => (listed.negate(), reason),
    }
}

/// Whether a statement's `Resource` covers the key. Only `"*"` is a valid key policy
/// resource (S35); a statement with anything else is refused (see `Statement::refused`)
/// and never gets here, except for entries known only after apply.
fn resource_matches(spec: &ResourceSpec) -> (Tri, Option<String>) {
    match spec {
        ResourceSpec::Resource(list) => match list.iter().find_map(|r| unknown_in(r)) {
            Some(what) => (
                Tri::Unknown,
                Some(format!(
                    "a resource entry is known only after apply ({what})"
                )),
            ),
            None => (Tri::True, None),
        },
        ResourceSpec::NotResource(_) | ResourceSpec::Missing => (Tri::False, None),
    }
}

struct CallerContext<'a, 'b> {
    caller: &'b Caller<'a>,
    target: &'b Target<'a>,
    request: &'b Request,
    variables: bool,
}

fn one(s: &str) -> CtxValue {
    CtxValue::Values(vec![s.to_owned()])
}

fn key_fact(v: Option<&str>, what: &str) -> CtxValue {
    match v {
        Some(v) => one(v),
        None => CtxValue::Unknown(format!("the key's {what} is not known from the inputs")),
    }
}

fn tag_value(tags: Option<&Tags>, tag: &str, what: &str) -> CtxValue {
    match tags {
        Some(t) => t.get_ignore_case(tag).map_or(CtxValue::Absent, one),
        None => CtxValue::Unknown(format!("the {what}'s tags are not known from the inputs")),
    }
}

impl Context for CallerContext<'_, '_> {
    fn variables(&self) -> bool {
        self.variables
    }

    fn lookup(&self, key: &str) -> CtxValue {
        let c = self.caller;
        let t = self.target;
        if let Some(v) = self.request.get(key) {
            return match v {
                Some(values) => CtxValue::Values(values.clone()),
                None => CtxValue::Absent,
            };
        }
        if let Some(f) = fixed(key) {
            return match f {
                Fixed::Absent => CtxValue::Absent,
                Fixed::True => one("true"),
                Fixed::Time => one(&super::time::format(t.time)),
                Fixed::Epoch => one(&t.time.to_string()),
                Fixed::Region => match t.region {
                    Some(r) => one(r),
                    None => {
                        CtxValue::Unknown("the key's region is not known from the inputs".into())
                    }
                },
            };
        }
        // A caller that stands for a principal known only after apply: whatever describes
        // the principal is unknown too.
        if let Some(what) = unknown_in(c.arn) {
            let about_principal = key.starts_with("aws:principal")
                || matches!(key, "aws:username" | "aws:userid" | "kms:calleraccount");
            if about_principal {
                return CtxValue::Unknown(format!("the principal is {what}"));
            }
        }
        let account = effective_account(self.target, c);
        match key {
            "aws:principalarn" => one(c.arn),
            "aws:principalaccount" | "kms:calleraccount" => match account {
                Some(a) => one(a),
                None => CtxValue::Unknown("the account is not known from the inputs".into()),
            },
            "aws:username" => match (c.kind, c.name) {
                (CallerKind::User, Some(n)) => one(n),
                (CallerKind::User, None) => {
                    CtxValue::Unknown("the user's name is not known".into())
                }
                _ => CtxValue::Absent,
            },
            "aws:userid" => match (c.kind, c.unique_id, account) {
                (CallerKind::User, Some(id), _) => one(id),
                (CallerKind::Root, _, Some(a)) => one(a),
                // A role session: ROLEID:session, the session name being the caller's choice.
                (CallerKind::Role, Some(id), _) => one(&format!(
                    "{id}:{}",
                    self.request.session().unwrap_or(ANY_SESSION)
                )),
                _ => CtxValue::Unknown("the caller's unique ID is not known until apply".into()),
            },
            "aws:principaltype" => one(match c.kind {
                CallerKind::Root => "Account",
                CallerKind::User => "User",
                CallerKind::Role => "AssumedRole",
            }),
            "aws:principalisawsservice" => one("false"),
            "aws:rolesessionname" => match c.kind {
                CallerKind::Role => one(self.request.session().unwrap_or(ANY_SESSION)),
                _ => CtxValue::Absent,
            },
            "aws:principalorgid" | "aws:principalorgpaths" => CtxValue::Unknown(
                "the principal's AWS Organizations membership is not in the inputs".into(),
            ),
            k if k.starts_with("aws:principaltag/") => match c.kind {
                CallerKind::Root => CtxValue::Absent,
                _ => tag_value(c.tags, &k["aws:principaltag/".len()..], "principal"),
            },
            "aws:resourceaccount" => match t.key_account {
                Some(a) => one(a),
                None => CtxValue::Unknown("the key's account is not known from the inputs".into()),
            },
            "kms:keyspec" | "kms:customermasterkeyspec" => key_fact(t.key.spec, "key spec"),
            "kms:keyusage" => key_fact(t.key.usage, "key usage"),
            "kms:keyorigin" => key_fact(t.key.origin, "key origin"),
            "kms:multiregion" => key_fact(
                t.key.multi_region.map(|b| if b { "true" } else { "false" }),
                "multi-Region setting",
            ),
            "kms:multiregionkeytype" => match t.key.multi_region {
                Some(false) => CtxValue::Absent,
                _ => key_fact(t.key.multi_region_type, "multi-Region key type"),
            },
            // A free key the request does not set: not in the request.
            k if is_free(k) => CtxValue::Absent,
            k => CtxValue::Unknown(format!("condition key {k} is not modelled")),
        }
    }
}

#[cfg(test)]
mod tests;
