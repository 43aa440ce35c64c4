//! What a phase's verdict rests on, for the rules to explain: who can manage the key, which
//! references the plan kills and why, and how an administrator could recover the key. Typed,
//! so that a rule matches on what happened instead of on words.

use std::fmt;

use serde::Serialize;

use crate::inventory::{Lifecycle, PrincipalKind};
use crate::policy::document::Effect;
use crate::policy::eval::{CallerKind, Via};
use crate::policy::request::Request;

/// The evidence of one phase.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Who can call `kms:PutKeyPolicy` (at most [`super::MAX_MANAGERS`]).
    pub managers: Vec<Manager>,
    /// How an administrator could regain control, when nobody can manage the key.
    pub recovery: Option<Recovery>,
    /// References to principals that do not exist, or no longer bind, in this phase.
    pub dead_refs: Vec<DeadRef>,
    /// Principal ARNs the policy names that no input manages (assumed to exist).
    pub assumed: Vec<String>,
    /// The account root is allowed by the policy but denied by this statement.
    pub root_denied_by: Option<String>,
    /// The policy names principals in other accounts with management actions.
    pub cross_account: Vec<String>,
    /// How many Allow statements cover `kms:PutKeyPolicy` at all.
    pub admin_grants: usize,
    /// An Allow of `kms:PutKeyPolicy` reaches the account's identities through the account
    /// principal (IAM delegation).
    pub delegates: bool,
    /// An Allow of `kms:PutKeyPolicy` is narrowed by an `aws:PrincipalArn`-style condition
    /// (it survives a principal's recreation).
    pub condition_admin: bool,
    /// An account export lists every identity of the key's account, with its IAM policies:
    /// the managers listed through delegation are all there are.
    pub iam_known: bool,
    /// Who can read the key's policy (`kms:GetKeyPolicy`) or describe it, when nobody can
    /// manage it: the first step of the runbook (docs/audit.md).
    pub readers: Vec<Reader>,
    /// The request time the verdict was decided at (epoch seconds).
    pub time: i64,
    /// The policy's conditions read the time of the request.
    pub reads_time: bool,
    /// A later date from which the policy's time conditions change whether anyone can
    /// manage the key, and the verdict from then on.
    pub time_change: Option<TimeChange>,
}

/// A principal that can still call `kms:GetKeyPolicy` or `kms:DescribeKey` on the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reader {
    pub arn: String,
    /// The read actions it may call.
    pub actions: Vec<&'static str>,
    /// No input shows this principal: it is assumed to exist.
    pub assumed: bool,
}

/// From `at` on (epoch seconds), the key's verdict is `verdict`: a date in a time condition
/// ends (or begins) management access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeChange {
    pub at: i64,
    pub verdict: super::Verdict,
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
    /// Reached through the account principal, and an account export shows the IAM policy
    /// that allows it (docs/audit.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iam_policy: Option<String>,
    /// A request that works for it (the witness): the values of the request keys the policy
    /// reads. Empty when the policy reads none.
    #[serde(skip_serializing_if = "Request::is_empty")]
    pub request: Request,
}

/// A principal that a policy names (in `Principal` or in an `aws:PrincipalArn` condition) but
/// that does not exist, or no longer binds, in this phase.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Why the reference is dead.
    pub cause: DeadCause,
    /// The statement grants `kms:PutKeyPolicy` (an admin reference).
    pub grants_admin: bool,
}

/// Why a reference no longer reaches a principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadCause {
    /// An input's role or user, which the plan deletes or replaces (a new unique ID), or
    /// which has no ARN after the apply.
    Principal {
        address: String,
        lifecycle: Lifecycle,
        kind: PrincipalKind,
    },
    /// The role IAM Identity Center made for a permission set, which a change to the
    /// permission set or its account assignment removes or recreates under a new name.
    SsoRole {
        /// The permission set or account assignment the plan removes or replaces.
        address: String,
        lifecycle: Lifecycle,
    },
    /// A unique ID that no input's principal has: a principal deleted before this plan.
    UnknownUniqueId,
    /// A role or user of an account whose export lists every principal, and not this one:
    /// it does not exist (docs/audit.md).
    NotInAccount,
}

impl DeadRef {
    /// The Terraform address of what the plan removes.
    pub fn address(&self) -> Option<&str> {
        match &self.cause {
            DeadCause::Principal { address, .. } | DeadCause::SsoRole { address, .. } => {
                Some(address)
            }
            DeadCause::UnknownUniqueId | DeadCause::NotInAccount => None,
        }
    }

    /// What the plan does to it.
    pub fn lifecycle(&self) -> Option<Lifecycle> {
        match &self.cause {
            DeadCause::Principal { lifecycle, .. } | DeadCause::SsoRole { lifecycle, .. } => {
                Some(*lifecycle)
            }
            DeadCause::UnknownUniqueId | DeadCause::NotInAccount => None,
        }
    }

    /// Whether the dead principal is a role or a user, when that is known.
    pub fn kind(&self) -> Option<PrincipalKind> {
        match &self.cause {
            DeadCause::Principal { kind, .. } => Some(*kind),
            DeadCause::SsoRole { .. } => Some(PrincipalKind::Role),
            DeadCause::UnknownUniqueId | DeadCause::NotInAccount => None,
        }
    }
}

/// How an account administrator could regain control without AWS Support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recovery {
    /// The ARN to (re)create.
    pub arn: String,
    pub kind: CallerKind,
    pub statement: String,
    pub via: Via,
    /// What the ARN stands for (reports show it as a sentence).
    #[serde(serialize_with = "as_sentence")]
    pub origin: Recreation,
    /// A request that works for it once (re)created.
    #[serde(skip_serializing_if = "Request::is_empty")]
    pub request: Request,
}

fn as_sentence<S: serde::Serializer>(r: &Recreation, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(r)
}

/// A principal an administrator could create, and what it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recreation {
    pub way: Way,
    /// A principal with this ARN exists: it would have to be deleted and created again (a
    /// new unique ID, which no `Principal` entry binds).
    pub exists: bool,
}

/// What a principal an administrator could create stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Way {
    /// An input's principal, under its ARN in the phase; `removed` says what the plan does to
    /// it when it does not exist then.
    Principal {
        address: String,
        removed: Option<Lifecycle>,
    },
    /// The old name (and ARN) of a principal the plan renames in place.
    OldName { address: String },
    /// A user with the name an `aws:username` condition asks for.
    UserName { name: String, statement: String },
    /// The SSO role of a permission set the plan destroys.
    SsoRole { address: String },
    /// Any new IAM role of the account (the policy delegates to the account).
    AnyNewRole,
    /// A principal the policy names or requires, whose name an input's principal holds under
    /// another path or case (IAM names are unique per account): delete that one first.
    NameTaken {
        address: String,
        kind: PrincipalKind,
    },
    /// An input's principal that this plan moves to another path (or renames), back under
    /// the ARN the policy requires.
    MovedBack {
        address: String,
        kind: PrincipalKind,
    },
    /// An input's principal without its permissions boundary (a NotPrincipal Deny applies
    /// to every principal that has one).
    WithoutBoundary { address: String },
    /// A principal the policy requires that the account export does not list: create it.
    NotInAccount,
    /// An existing principal the key policy lets manage the key through the account
    /// principal, whose IAM policies do not allow it: attach an IAM policy that does.
    GrantIam { arn: String, why: String },
    /// A new role or user with the tags (and of the type) a statement's conditions require.
    Tagged {
        kind: PrincipalKind,
        tags: Vec<(String, String)>,
        statement: String,
    },
}

impl Recreation {
    pub fn new(way: Way) -> Recreation {
        Recreation { way, exists: false }
    }
}

impl fmt::Display for Recreation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.way {
            Way::Principal {
                address,
                removed: None,
            } => write!(f, "{address}")?,
            Way::Principal {
                address,
                removed: Some(l),
            } => write!(f, "{address}, {} by this plan", l.word())?,
            Way::OldName { address } => write!(
                f,
                "the old name of {address}, renamed in place by this plan"
            )?,
            Way::UserName { name, statement } => write!(
                f,
                "a user named {name:?}, as the aws:username condition of statement {statement} asks"
            )?,
            Way::SsoRole { address } => write!(
                f,
                "the SSO role of {address}, destroyed by this plan: create the permission set and its assignment again"
            )?,
            Way::AnyNewRole => f.write_str("any new IAM role")?,
            Way::NotInAccount => f.write_str(
                "the principal the policy requires, which the account export does not list: create it",
            )?,
            Way::GrantIam { arn: _, why } => write!(
                f,
                "the key policy lets it manage the key through the account principal, but its IAM policies do not: {why}"
            )?,
            Way::NameTaken { address, kind } => write!(
                f,
                "a {} with this ARN, once {address} (the same name under another path or case) is deleted: IAM {} names are unique in an account whatever the path or case",
                kind.word(),
                kind.word()
            )?,
            Way::WithoutBoundary { address } => write!(
                f,
                "{address} without its permissions boundary: remove it (a Deny with NotPrincipal applies to every principal that has one); it keeps its unique ID"
            )?,
            Way::MovedBack { address, kind } => match kind {
                PrincipalKind::Role => write!(
                    f,
                    "{address} under its old ARN: this plan moves it; delete it and create it again at its old path and name (UpdateRole cannot change a path)"
                )?,
                PrincipalKind::User => write!(
                    f,
                    "{address} under its old ARN: this plan moves it; move it back with UpdateUser (it keeps its unique ID)"
                )?,
            },
            Way::Tagged {
                kind,
                tags,
                statement,
            } => {
                write!(f, "a new IAM {}", kind.word())?;
                if !tags.is_empty() {
                    let list: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    write!(f, " tagged {}", list.join(", "))?;
                }
                write!(f, ", as the conditions of statement {statement} require")?;
            }
        }
        if self.exists {
            f.write_str("; it exists, and can be deleted and created again with a new unique ID")?;
        }
        Ok(())
    }
}

/// A principal the plan removes (or recreates with a new unique ID).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Removal {
    pub address: String,
    pub lifecycle: Lifecycle,
}
