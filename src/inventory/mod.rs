//! Step 2 of the pipeline: documents → the facts the checks need, in one pass.
//!
//! From every input it collects the KMS keys (with the policy texts the plan shows), the IAM
//! roles and users (with their lifecycle in the plan), the Identity Center changes, and the
//! account each document belongs to. Several inputs are merged into one inventory, so a key
//! in one workspace is checked against IAM changes in every other.

mod accounts;
mod collect;
mod keys;
mod live;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::plan::address::ResourceAddress;
use crate::plan::configuration::Configs;
use crate::plan::live::{LiveIdentity, LiveKey};
use crate::plan::model::{Attrs, Unknowns};
use crate::plan::{Document, Phase};
use crate::policy::eval::KeyFacts;
use crate::policy::tags::Tags;

/// One input as the user named it, with its parsed document.
pub(crate) struct Input<'a> {
    pub name: String,
    pub doc: Document<'a>,
}

/// What the plan does to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    /// No change (`no-op`, or only in the prior state / a state document).
    Kept,
    /// Dropped from Terraform state without destroying the object (`forget`).
    Forgotten,
    /// Updated in place: the object and its unique ID stay.
    Updated,
    /// Created by the plan.
    Created,
    /// Destroyed and created again (either order): a new object with a new unique ID.
    Replaced,
    /// Destroyed.
    Deleted,
}

impl Lifecycle {
    /// Reads `change.actions`, tolerating unknown future action names.
    pub fn from_actions<S: AsRef<str>>(actions: &[S]) -> Lifecycle {
        let has = |a: &str| actions.iter().any(|x| x.as_ref() == a);
        match (has("delete"), has("create"), has("forget")) {
            (true, true, _) => Lifecycle::Replaced,
            (true, false, _) => Lifecycle::Deleted,
            // `create`+`forget`: the old object stays in AWS (forgotten), a new one is made.
            (false, true, true) => Lifecycle::Forgotten,
            (false, true, false) => Lifecycle::Created,
            (false, false, true) => Lifecycle::Forgotten,
            _ if has("update") => Lifecycle::Updated,
            _ => Lifecycle::Kept,
        }
    }

    pub fn exists_before(self) -> bool {
        self != Lifecycle::Created
    }

    pub fn exists_after(self) -> bool {
        self != Lifecycle::Deleted
    }

    /// The past participle used in messages: "is deleted", "is replaced".
    pub fn word(self) -> &'static str {
        match self {
            Lifecycle::Kept => "kept",
            Lifecycle::Forgotten => "forgotten (left in AWS)",
            Lifecycle::Updated => "updated in place",
            Lifecycle::Created => "created",
            Lifecycle::Replaced => "replaced",
            Lifecycle::Deleted => "deleted",
        }
    }

    /// How strongly this lifecycle speaks about the object when two inputs disagree:
    /// a destroying change wins over a document that still shows the object.
    fn precedence(self) -> u8 {
        match self {
            Lifecycle::Kept => 0,
            Lifecycle::Forgotten => 1,
            Lifecycle::Updated => 2,
            Lifecycle::Created => 3,
            Lifecycle::Replaced => 4,
            Lifecycle::Deleted => 5,
        }
    }
}

/// A resource instance as the plan shows it, with its attributes before and after the apply.
#[derive(Debug, Clone)]
pub struct Planned<'a> {
    /// Index into [`Inventory::inputs`].
    pub input: usize,
    /// As the plan writes it.
    pub address: String,
    pub resource: ResourceAddress,
    pub lifecycle: Lifecycle,
    /// The attributes before the apply (empty when it does not exist then).
    pub before: &'a Attrs<'a>,
    /// The attributes after the apply (empty when it does not exist then).
    pub after: &'a Attrs<'a>,
    /// Which attributes are known only after apply.
    pub unknown: Unknowns,
    /// A key read from a live keys document (docs/audit.md).
    pub(crate) live: Option<&'a LiveKey>,
}

/// A KMS key (or a key known only through an `aws_kms_key_policy`), with the facts the plan
/// shows about it. Which policy governs it is decided by [`crate::resolve`].
#[derive(Debug, Clone)]
pub struct Key<'a> {
    /// Index into [`Inventory::inputs`].
    pub input: usize,
    /// As the plan writes it.
    pub address: String,
    pub resource: ResourceAddress,
    pub lifecycle: Lifecycle,
    pub arn_before: Option<String>,
    pub arn_after: Option<String>,
    pub account: Option<String>,
    /// The account was inferred from other resources, not read from the key's ARN.
    pub account_inferred: bool,
    pub partition: Option<String>,
    pub tags: Option<&'a Tags>,
    /// The key resource itself; for a key known only through its policy resource, that one.
    pub own: Planned<'a>,
    /// The `aws_kms_key_policy` that governs this key, if any.
    pub policy: Option<Planned<'a>>,
    /// No input has the key itself, only an `aws_kms_key_policy` for it.
    pub standalone: bool,
    /// Addresses whose `bypass_policy_lockout_safety_check` is true after the apply.
    pub bypass: Vec<String>,
    /// IDs and ARNs by which other resources (`aws_kms_key_policy.key_id`) refer to it.
    pub ids: Vec<String>,
    /// The same key in a live keys document, for a key a plan or state shows (drift).
    pub(crate) live_twin: Option<&'a LiveKey>,
}

impl<'a> Key<'a> {
    /// The key as a live keys document shows it: itself, or its twin.
    pub(crate) fn live(&self) -> Option<&'a LiveKey> {
        self.own.live.or(self.live_twin)
    }
}

impl Key<'_> {
    /// The address of the `aws_kms_key_policy` that governs the key.
    pub fn policy_resource(&self) -> Option<&str> {
        self.policy.as_ref().map(|p| p.address.as_str())
    }

    /// The key's ARN in a phase.
    pub fn arn(&self, phase: Phase) -> Option<&str> {
        match phase {
            Phase::Before => self.arn_before.as_deref(),
            Phase::After => self.arn_after.as_deref(),
        }
    }

    /// The key's region in a phase: from its ARN, its own `region` argument, or the input's
    /// provider configuration (`region`).
    pub(crate) fn region<'s>(&'s self, phase: Phase, provider: Option<&'s str>) -> Option<&'s str> {
        let attrs = self.attrs(phase);
        self.arn(phase)
            .and_then(|a| a.split(':').nth(3))
            .filter(|r| !r.is_empty())
            .or_else(|| attrs.and_then(|a| a.region.non_empty()))
            .or(provider)
    }

    /// The key resource's attributes in a phase (`None` for a key known only through its
    /// policy resource).
    fn attrs(&self, phase: Phase) -> Option<&Attrs<'_>> {
        if self.standalone {
            return None;
        }
        Some(match phase {
            Phase::Before => self.own.before,
            Phase::After => self.own.after,
        })
    }

    /// The key's own attributes that KMS condition keys read, in a phase.
    pub(crate) fn facts(&self, phase: Phase) -> KeyFacts<'_> {
        use crate::plan::kind::{KeyType, ResourceKind};
        let Some(a) = self.attrs(phase) else {
            return KeyFacts::default();
        };
        let kind = ResourceKind::of(self.resource.mode, &self.resource.rtype);
        let spec = a
            .customer_master_key_spec
            .non_empty()
            .or(a.key_spec.non_empty());
        let usage = a.key_usage.non_empty();
        match kind {
            Some(ResourceKind::Key(KeyType::Key)) => KeyFacts {
                spec,
                usage,
                origin: Some(if a.custom_key_store_id.non_empty().is_some() {
                    "AWS_CLOUDHSM"
                } else if a.xks_key_id.non_empty().is_some() {
                    "EXTERNAL_KEY_STORE"
                } else {
                    "AWS_KMS"
                }),
                multi_region: a.multi_region.0,
                multi_region_type: a.multi_region.0.and_then(|m| m.then_some("PRIMARY")),
            },
            Some(ResourceKind::Key(KeyType::ExternalKey)) => KeyFacts {
                spec,
                usage,
                origin: Some("EXTERNAL"),
                multi_region: a.multi_region.0,
                multi_region_type: a.multi_region.0.and_then(|m| m.then_some("PRIMARY")),
            },
            Some(ResourceKind::Key(t)) => KeyFacts {
                spec,
                usage,
                origin: Some(if t == KeyType::ReplicaExternalKey {
                    "EXTERNAL"
                } else {
                    "AWS_KMS"
                }),
                multi_region: Some(true),
                multi_region_type: Some("REPLICA"),
            },
            _ => KeyFacts::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    Role,
    User,
}

impl PrincipalKind {
    pub fn word(self) -> &'static str {
        match self {
            PrincipalKind::Role => "role",
            PrincipalKind::User => "user",
        }
    }
}

/// An IAM identity as one phase sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity<'a> {
    pub arn: Option<Cow<'a, str>>,
    pub name: Option<Cow<'a, str>>,
    pub path: Option<Cow<'a, str>>,
    pub unique_id: Option<Cow<'a, str>>,
    pub tags: Option<&'a Tags>,
    /// It has a permissions boundary (a `NotPrincipal` Deny applies to it whatever the list).
    pub boundary: bool,
}

impl Inventory<'_> {
    /// Whether an account export lists every principal of this account.
    pub(crate) fn complete(&self, account: Option<&str>) -> bool {
        account.is_some_and(|a| self.complete_accounts.iter().any(|c| c == a))
    }
}

/// An IAM role or user that an input knows about.
#[derive(Debug, Clone)]
pub struct Principal<'a> {
    /// Index into [`Inventory::inputs`].
    pub input: usize,
    /// As the plan writes it.
    pub address: String,
    pub resource: ResourceAddress,
    pub kind: PrincipalKind,
    /// A managed resource (false for a `data` source: it exists, the plan does not own it).
    pub managed: bool,
    pub lifecycle: Lifecycle,
    pub before: Option<Identity<'a>>,
    pub after: Option<Identity<'a>>,
    /// Read from an account export: its identity policies are known (docs/audit.md).
    pub(crate) iam: Option<&'a LiveIdentity>,
}

impl Principal<'_> {
    /// The identity in a phase, if the principal exists then.
    pub fn identity(&self, phase: Phase) -> Option<&Identity<'_>> {
        if phase == Phase::After {
            if !self.lifecycle.exists_after() {
                return None;
            }
            self.after.as_ref().or(self.before.as_ref())
        } else {
            if !self.lifecycle.exists_before() {
                return None;
            }
            self.before.as_ref().or(self.after.as_ref())
        }
    }

    /// The ARN the principal had before the plan, or will have after it.
    pub fn any_arn(&self) -> Option<&str> {
        self.before
            .as_ref()
            .and_then(|i| i.arn.as_deref())
            .or_else(|| self.after.as_ref().and_then(|i| i.arn.as_deref()))
    }

    /// Service-linked roles act for a service; no operator can use them (docs/rules.md).
    pub fn service_linked(&self) -> bool {
        self.kind == PrincipalKind::Role
            && [&self.before, &self.after].iter().any(|i| {
                i.as_ref().is_some_and(|i| {
                    i.path
                        .as_deref()
                        .is_some_and(|p| p.starts_with("/aws-service-role/"))
                        || i.arn
                            .as_deref()
                            .is_some_and(|a| a.contains(":role/aws-service-role/"))
                })
            })
    }
}

/// What every input contributes, merged.
#[derive(Debug, Default)]
pub struct Inventory<'a> {
    /// The inputs' names, as the user gave them.
    pub inputs: Vec<String>,
    pub keys: Vec<Key<'a>>,
    pub principals: Vec<Principal<'a>>,
    /// Per input: its AWS account (from the caller identity or its ARNs) and partition.
    pub input_accounts: Vec<Option<String>>,
    pub input_partitions: Vec<Option<String>>,
    /// Per input: when the plan was made (epoch seconds), when it says.
    pub input_times: Vec<Option<i64>>,
    /// Per input: the region of its `aws` provider, when every configuration sets the same.
    pub input_regions: Vec<Option<String>>,
    /// Notes about how inputs were read.
    pub notes: Vec<(usize, String)>,
    /// IAM Identity Center changes that remove (or re-suffix) `AWSReservedSSO_*` roles.
    pub sso_removals: Vec<SsoRemoval>,
    /// Per input: its policy documents, caller identity and partition data sources.
    pub data: Vec<Vec<DataSource<'a>>>,
    /// Per input: the root module's variable values.
    pub root_vars: Vec<BTreeMap<String, serde_json::Value>>,
    /// Accounts an account export lists every role and user of (docs/audit.md): a
    /// principal of one of them that no input has does not exist.
    pub complete_accounts: Vec<String>,
    /// Principals whose identity policies may allow a KMS management action (read from an
    /// account export): the only identities delegation can reach in a complete account.
    pub(crate) iam_admins: Vec<usize>,
    /// The identity policies of the principals an account export shows, by principal.
    pub(crate) identities: HashMap<usize, crate::policy::identity::IdentityPolicies>,
    by_arn_ci: HashMap<String, Vec<usize>>,
    by_arn: BTreeMap<String, Vec<usize>>,
    by_unique_id: HashMap<String, Vec<usize>>,
    /// Principals by (account, kind, lower-cased name): IAM names are unique per account
    /// whatever the path or case (S36).
    by_name_ci: HashMap<(String, PrincipalKind, String), Vec<usize>>,
}

/// A data source of an input that policies are built from: a policy document, the caller
/// identity or the partition.
#[derive(Debug, Clone)]
pub struct DataSource<'a> {
    pub address: String,
    pub resource: ResourceAddress,
    pub after: &'a Attrs<'a>,
    pub unknown: Unknowns,
    /// Read at apply time (`resource_changes` with `read`), not during the plan.
    pub deferred: bool,
}

impl Inventory<'_> {
    /// The time requests are evaluated at for an input: the plan's `timestamp`, else the
    /// time of the check.
    pub(crate) fn time_of(&self, input: usize) -> i64 {
        self.input_times
            .get(input)
            .copied()
            .flatten()
            .unwrap_or_else(crate::policy::time::now)
    }
}

/// Builds the inventory of all inputs in one pass: what each input shows, the accounts, the
/// principal indexes, the keys with the policy resources that govern them.
pub(crate) fn build<'a>(inputs: &'a [Input<'_>], configs: &Configs) -> Inventory<'a> {
    let mut collected: Vec<collect::Collected<'a>> = inputs
        .iter()
        .enumerate()
        .map(|(src, input)| collect::collect(src, input))
        .collect();
    let (input_accounts, input_partitions) = accounts::of_inputs(&mut collected);
    let mut inv = Inventory {
        inputs: inputs.iter().map(|i| i.name.clone()).collect(),
        input_accounts,
        input_partitions,
        ..Inventory::default()
    };
    for (src, c) in collected.iter_mut().enumerate() {
        inv.notes.extend(c.notes.drain(..).map(|n| (src, n)));
    }
    inv.principals
        .reserve_exact(collected.iter().map(|c| c.principals.len()).sum());
    for c in &mut collected {
        inv.principals.append(&mut c.principals);
        if let Some(a) = c.complete_account.take() {
            if !inv.complete_accounts.contains(&a) {
                inv.complete_accounts.push(a);
            }
        }
    }
    live::merge_principals(&mut inv.principals);
    inv.index();
    inv.identities = live::identities(&inv.principals);
    inv.iam_admins = inv
        .identities
        .iter()
        .filter(|(_, p)| p.may_allow_kms())
        .map(|(i, _)| *i)
        .collect();
    inv.iam_admins.sort_unstable();
    inv.sso_removals = collect::sso_removals(&collected);
    inv.root_vars = inputs
        .iter()
        .map(|i| {
            i.doc
                .raw
                .variables
                .iter()
                .flatten()
                .filter_map(|(k, v)| {
                    let value = serde_json::from_str(v.value.as_deref()?.get()).ok()?;
                    Some((k.clone(), value))
                })
                .collect()
        })
        .collect();
    inv.input_times = inputs
        .iter()
        .map(|i| {
            i.doc
                .raw
                .timestamp
                .as_ref()
                .and_then(|t| t.as_deref())
                .and_then(crate::policy::time::parse)
        })
        .collect();
    inv.input_regions = inputs
        .iter()
        .map(|i| {
            i.doc
                .raw
                .configuration
                .as_ref()
                .and_then(|c| c.aws_region())
        })
        .collect();
    inv.data = collected
        .iter_mut()
        .map(|c| std::mem::take(&mut c.data))
        .collect();
    let (keys, notes) = keys::join(collected, configs);
    inv.notes.extend(notes);
    let keys = live::merge_keys(keys);
    inv.keys = accounts::complete_keys(keys, &inv.input_accounts, &inv.input_partitions);
    inv
}

/// An IAM Identity Center change that removes the `AWSReservedSSO_<set>_<suffix>` role of a
/// permission set (in every account, or in one), or recreates it with a new suffix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoRemoval {
    pub address: String,
    /// `Deleted`, or `Replaced` (the role comes back under another name and unique ID).
    pub lifecycle: Lifecycle,
    pub permission_set: String,
    /// `None`: every account (the permission set itself goes).
    pub account: Option<String>,
}

/// The account, kind and lower-cased name of a role or user ARN.
fn name_key(arn: &str) -> Option<(String, PrincipalKind, String)> {
    use crate::policy::arn::{PrincipalArn, classify_principal};
    let (account, kind) = match classify_principal(arn) {
        PrincipalArn::Role { account, .. } => (account, PrincipalKind::Role),
        PrincipalArn::User { account, .. } => (account, PrincipalKind::User),
        _ => return None,
    };
    let name = arn.rsplit('/').next()?;
    Some((account.to_owned(), kind, name.to_ascii_lowercase()))
}

/// The permission-set name in an `AWSReservedSSO_<name>_<suffix>` role ARN or pattern.
pub(crate) fn sso_permission_set(arn: &str) -> Option<&str> {
    let start = arn.find("AWSReservedSSO_")? + "AWSReservedSSO_".len();
    let rest = &arn[start..];
    // The suffix is hex; permission-set names may contain `_`: cut at the last `_`.
    let (name, _) = rest.rsplit_once('_')?;
    (!name.is_empty() && !name.contains(['*', '?'])).then_some(name)
}

impl Inventory<'_> {
    /// The Identity Center change that removes the SSO role `arn` names, if any.
    pub fn sso_removal(&self, arn: &str) -> Option<&SsoRemoval> {
        let set = sso_permission_set(arn)?;
        let account = crate::policy::arn::Arn::parse(arn).map(|a| a.account);
        self.sso_removals.iter().find(|r| {
            r.permission_set == set && r.account.as_deref().is_none_or(|a| Some(a) == account)
        })
    }

    /// Builds the principal indexes; called once after all principals are in.
    fn index(&mut self) {
        for (i, p) in self.principals.iter().enumerate() {
            let ids = [&p.before, &p.after];
            for id in ids.into_iter().flatten() {
                if let Some(arn) = &id.arn {
                    push_unique(
                        self.by_arn_ci.entry(arn.to_ascii_lowercase()).or_default(),
                        i,
                    );
                    push_unique(self.by_arn.entry(arn.to_string()).or_default(), i);
                }
                if let Some(u) = &id.unique_id {
                    push_unique(self.by_unique_id.entry(u.to_string()).or_default(), i);
                }
                if let Some(key) = id.arn.as_deref().and_then(name_key) {
                    push_unique(self.by_name_ci.entry(key).or_default(), i);
                }
            }
        }
    }

    /// The input principal that exists in `phase` with the same name as `arn` (whatever the
    /// path or case) but another ARN: IAM names are unique per account, "not distinguished
    /// by case", whatever the path (IAM "IAM object quotas and names", CreateRole), so a
    /// principal with `arn` cannot exist beside it.
    pub(crate) fn name_taken(&self, arn: &str, phase: Phase) -> Option<usize> {
        let key = name_key(arn)?;
        self.by_name_ci.get(&key)?.iter().copied().find(|&pi| {
            self.principals[pi]
                .identity(phase)
                .and_then(|i| i.arn.as_deref())
                .is_some_and(|a| a != arn)
        })
    }

    /// The principal with this ARN (IAM names are case-insensitive). Where inputs disagree
    /// about it, the one whose change destroys it wins.
    pub fn principal_by_arn(&self, arn: &str) -> Option<usize> {
        self.strongest(self.by_arn_ci.get(&arn.to_ascii_lowercase())?)
    }

    pub fn principal_by_unique_id(&self, id: &str) -> Option<usize> {
        self.strongest(self.by_unique_id.get(id)?)
    }

    /// Every principal with this ARN (before or after the plan), whatever the case.
    pub fn principals_named_ci(&self, arn: &str) -> &[usize] {
        self.by_arn_ci
            .get(&arn.to_ascii_lowercase())
            .map_or(&[], Vec::as_slice)
    }

    /// Every principal with this unique ID (before or after the plan).
    pub fn principals_with_unique_id(&self, id: &str) -> &[usize] {
        self.by_unique_id.get(id).map_or(&[], Vec::as_slice)
    }

    fn strongest(&self, ids: &[usize]) -> Option<usize> {
        ids.iter().copied().max_by_key(|&i| {
            (
                self.principals[i].lifecycle.precedence(),
                self.principals[i].managed,
            )
        })
    }

    /// Principals with an ARN (before or after the plan) that `matches` accepts, found by
    /// scanning only the ARNs that start with the pattern's literal prefix.
    pub fn principals_matching(&self, pattern: &str, matches: impl Fn(&str) -> bool) -> Vec<usize> {
        let prefix_end = pattern.find(['*', '?', '$']).unwrap_or(pattern.len());
        let prefix = &pattern[..prefix_end];
        let mut out = Vec::new();
        for (arn, ids) in self.by_arn.range(prefix.to_owned()..) {
            if !arn.starts_with(prefix) {
                break;
            }
            if matches(arn) {
                for &i in ids {
                    push_unique(&mut out, i);
                }
            }
        }
        out
    }

    /// Roles with this name in an account (for `assumed-role` session ARNs, which carry
    /// the role name without its path).
    pub fn roles_named(&self, account: &str, role: &str) -> Vec<usize> {
        use crate::policy::arn::{PrincipalArn, classify_principal};
        let mut out = Vec::new();
        for (arn, ids) in &self.by_arn {
            if matches!(classify_principal(arn),
                PrincipalArn::Role { account: a, name } if a == account && name.eq_ignore_ascii_case(role))
            {
                for &i in ids {
                    push_unique(&mut out, i);
                }
            }
        }
        out
    }
}

fn push_unique(v: &mut Vec<usize>, i: usize) {
    if !v.contains(&i) {
        v.push(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_from_actions() {
        let l = |a: &[&str]| Lifecycle::from_actions(a);
        assert_eq!(l(&["no-op"]), Lifecycle::Kept);
        assert_eq!(l(&["create"]), Lifecycle::Created);
        assert_eq!(l(&["update"]), Lifecycle::Updated);
        assert_eq!(l(&["delete"]), Lifecycle::Deleted);
        assert_eq!(l(&["delete", "create"]), Lifecycle::Replaced);
        assert_eq!(l(&["create", "delete"]), Lifecycle::Replaced);
        assert_eq!(l(&["forget"]), Lifecycle::Forgotten);
        assert_eq!(l(&["create", "forget"]), Lifecycle::Forgotten);
        assert_eq!(l(&["forget", "create"]), Lifecycle::Forgotten);
        assert_eq!(l(&["read"]), Lifecycle::Kept);
        assert_eq!(l(&["some-future-action"]), Lifecycle::Kept);
    }
}
