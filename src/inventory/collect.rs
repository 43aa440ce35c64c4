//! One pass over one document: the keys, key policies, principals, data sources and IAM
//! Identity Center resources it shows, with their lifecycle in the plan.

use std::borrow::Cow;
use std::collections::HashSet;

use serde_json::value::RawValue;

use super::{
    DataSource, Identity, Input, Lifecycle, Planned, Principal, PrincipalKind, SsoRemoval,
};
use crate::plan::address::{InstanceKey, Mode, ResourceAddress};
use crate::plan::kind::ResourceKind;
use crate::plan::live::{IdentityType, Live};
use crate::plan::model::{Attrs, NO_ATTRS, Unknowns, ValueResource};
use crate::policy::arn::{Arn, iam_arn};

/// What one input shows.
#[derive(Default)]
pub(super) struct Collected<'a> {
    pub keys: Vec<Planned<'a>>,
    pub policies: Vec<Planned<'a>>,
    pub principals: Vec<Principal<'a>>,
    pub caller_account: Option<String>,
    pub notes: Vec<String>,
    /// Permission sets: (address, name, arn, lifecycle).
    pub permission_sets: Vec<(String, String, Option<String>, Lifecycle)>,
    /// Account assignments: (address, permission set arn, account, lifecycle).
    pub assignments: Vec<(String, String, String, Lifecycle)>,
    /// Policy documents, the caller identity and the partition.
    pub data: Vec<DataSource<'a>>,
    /// An account export lists every role and user of this account (docs/audit.md).
    pub complete_account: Option<String>,
}

/// A resource instance read from a document, before it is sorted by kind.
struct Seen<'s> {
    src: usize,
    address: &'s str,
    resource: ResourceAddress,
    kind: ResourceKind,
    lifecycle: Lifecycle,
    /// A data source read at apply time.
    deferred: bool,
}

/// The address of a resource the plan writes; `None` (and a note) when it cannot be read.
fn parse_address(
    address: &str,
    mode: Option<&str>,
    rtype: &str,
    index: Option<&RawValue>,
    unreadable: &mut usize,
) -> Option<ResourceAddress> {
    let parsed: Option<ResourceAddress> = address.parse().ok();
    // The parts the plan writes beside the address must agree with it.
    let agrees = parsed.as_ref().is_some_and(|a| {
        let mode_ok = match mode {
            Some("data") => a.mode == Mode::Data,
            Some("managed") => a.mode == Mode::Managed,
            _ => true,
        };
        let index_ok = match index.map(|r| r.get()).filter(|t| *t != "null") {
            Some(t) => InstanceKey::from_json(t).as_ref() == a.key.as_ref(),
            None => true,
        };
        mode_ok && index_ok && a.rtype == rtype
    });
    if !agrees {
        *unreadable += 1;
        return None;
    }
    parsed
}

pub(super) fn collect<'a>(src: usize, input: &'a Input<'_>) -> Collected<'a> {
    let doc = &input.doc;
    if let Some(live) = &doc.live {
        return collect_live(src, live);
    }
    let mut c = Collected::default();
    let mut seen: HashSet<String> = HashSet::new();
    let mut deposed = 0usize;
    let mut unreadable = 0usize;

    for rc in doc.raw.resource_changes.iter().flatten() {
        let (Some(rtype), Some(address)) = (rc.rtype.as_deref(), rc.address.as_deref()) else {
            continue;
        };
        let is_data = rc.mode.as_deref() == Some("data");
        let mode = if is_data { Mode::Data } else { Mode::Managed };
        let Some(kind) = ResourceKind::of(mode, rtype) else {
            continue;
        };
        if rc.deposed.is_some() {
            deposed += 1;
            continue;
        }
        let Some(resource) = parse_address(
            address,
            rc.mode.as_deref(),
            rtype,
            rc.index.as_deref(),
            &mut unreadable,
        ) else {
            continue;
        };
        let change = rc.change.as_ref();
        let lifecycle = if is_data {
            Lifecycle::Kept
        } else {
            Lifecycle::from_actions(change.map(|c| c.actions.as_slice()).unwrap_or(&[]))
        };
        let before = change.and_then(|c| c.before.as_deref());
        let after = change.and_then(|c| c.after());
        let unknown = change.map(|c| c.after_unknown.clone()).unwrap_or_default();
        seen.insert(address.to_owned());
        add(
            &mut c,
            Seen {
                src,
                address,
                resource,
                kind,
                lifecycle,
                deferred: is_data && change.is_some_and(|c| c.actions.iter().any(|a| a == "read")),
            },
            before,
            after,
            unknown,
        );
    }

    let mut from_values =
        |c: &mut Collected<'a>, r: &'a ValueResource<'_>, unreadable: &mut usize| {
            let (Some(rtype), Some(address)) = (r.rtype.as_deref(), r.address.as_deref()) else {
                return;
            };
            let mode = if r.mode.as_deref() == Some("data") {
                Mode::Data
            } else {
                Mode::Managed
            };
            let Some(kind) = ResourceKind::of(mode, rtype) else {
                return;
            };
            if r.deposed_key.is_some() || !seen.insert(address.to_owned()) {
                return;
            }
            let Some(resource) = parse_address(
                address,
                r.mode.as_deref(),
                rtype,
                r.index.as_deref(),
                unreadable,
            ) else {
                return;
            };
            add(
                c,
                Seen {
                    src,
                    address,
                    resource,
                    kind,
                    lifecycle: Lifecycle::Kept,
                    deferred: false,
                },
                r.values.as_deref(),
                r.values.as_deref(),
                Unknowns::default(),
            );
        };
    let value_trees = [
        doc.raw.prior_state.as_ref().and_then(|s| s.values.as_ref()),
        doc.raw.values.as_ref(),
    ];
    for values in value_trees.into_iter().flatten() {
        if let Some(root) = &values.root_module {
            let mut stack = vec![root];
            while let Some(m) = stack.pop() {
                for r in m.resources.iter().flatten() {
                    from_values(&mut c, r, &mut unreadable);
                }
                stack.extend(m.child_modules.iter().flatten().rev());
            }
        }
    }
    // Data sources read during the apply (their managed resources are all covered above).
    if let Some(root) = doc
        .raw
        .planned_values
        .as_ref()
        .and_then(|p| p.root_module.as_ref())
    {
        let mut stack = vec![root];
        while let Some(m) = stack.pop() {
            for r in m.resources.iter().flatten() {
                from_values(&mut c, &r.0, &mut unreadable);
            }
            stack.extend(m.child_modules.iter().flatten().rev());
        }
    }
    if deposed > 0 {
        c.notes.push(format!(
            "{deposed} deposed object(s) of KMS or IAM resources are destroyed by this plan; deposed objects are left over from an earlier create_before_destroy and are not checked"
        ));
    }
    if unreadable > 0 {
        c.notes.push(format!(
            "{unreadable} KMS or IAM resource(s) have an address that is not a Terraform resource address (or that disagrees with their mode, type or index); they are not checked"
        ));
    }
    c
}

/// A live document: its identities and keys, as a state would show them (docs/audit.md).
fn collect_live<'a>(src: usize, live: &'a Live) -> Collected<'a> {
    let mut c = Collected::default();
    // Adds one live object as a kept resource whose attributes are the same in both phases.
    let kept =
        |c: &mut Collected<'a>, address: &'a str, resource: &ResourceAddress, kind, attrs| {
            let seen = Seen {
                src,
                address,
                resource: resource.clone(),
                kind,
                lifecycle: Lifecycle::Kept,
                deferred: false,
            };
            add(c, seen, Some(attrs), Some(attrs), Unknowns::default());
        };
    match live {
        Live::Account(a) => {
            c.caller_account.clone_from(&a.account);
            c.complete_account.clone_from(&a.account);
            for id in &a.identities {
                let kind = match id.kind {
                    IdentityType::Role => ResourceKind::Role,
                    IdentityType::User => ResourceKind::User,
                };
                let before = c.principals.len();
                kept(&mut c, &id.address, &id.resource, kind, &id.attrs);
                if let Some(p) = c.principals.get_mut(before) {
                    p.iam = Some(id);
                }
            }
        }
        Live::Keys(k) => {
            for key in &k.keys {
                let Some(kind) = ResourceKind::of(Mode::Managed, &key.resource.rtype) else {
                    continue;
                };
                let before = c.keys.len();
                kept(&mut c, &key.address, &key.resource, kind, &key.attrs);
                if let Some(p) = c.keys.get_mut(before) {
                    p.live = Some(key);
                }
            }
        }
    }
    c
}

fn add<'a>(
    c: &mut Collected<'a>,
    s: Seen<'_>,
    before: Option<&'a Attrs<'a>>,
    after: Option<&'a Attrs<'a>>,
    unknown: Unknowns,
) {
    match s.kind {
        ResourceKind::PolicyDocument | ResourceKind::Partition | ResourceKind::CallerIdentity => {
            let attrs = after.or(before).unwrap_or(&NO_ATTRS);
            if s.kind == ResourceKind::CallerIdentity {
                if let Some(acct) = attrs.account_id.non_empty() {
                    c.caller_account.get_or_insert_with(|| acct.to_owned());
                }
            }
            c.data.push(DataSource {
                address: s.address.to_owned(),
                resource: s.resource,
                after: attrs,
                unknown,
                deferred: s.deferred,
            });
        }
        ResourceKind::PermissionSet => {
            let a = before.or(after).unwrap_or(&NO_ATTRS);
            if let Some(name) = a.name.non_empty() {
                c.permission_sets.push((
                    s.address.to_owned(),
                    name.to_owned(),
                    a.arn.non_empty().map(str::to_owned),
                    s.lifecycle,
                ));
            }
        }
        ResourceKind::AccountAssignment => {
            let a = before.or(after).unwrap_or(&NO_ATTRS);
            if let (Some(ps), Some(target)) =
                (a.permission_set_arn.non_empty(), a.target_id.non_empty())
            {
                c.assignments.push((
                    s.address.to_owned(),
                    ps.to_owned(),
                    target.to_owned(),
                    s.lifecycle,
                ));
            }
        }
        ResourceKind::Role | ResourceKind::User => {
            let kind = if s.kind == ResourceKind::Role {
                PrincipalKind::Role
            } else {
                PrincipalKind::User
            };
            let identity = |attrs: Option<&'a Attrs<'a>>| {
                attrs
                    .map(|a| Identity {
                        arn: a.arn.non_empty().map(Cow::Borrowed),
                        name: a.name.non_empty().map(Cow::Borrowed),
                        path: a.path.non_empty().map(Cow::Borrowed),
                        unique_id: a.unique_id.non_empty().map(Cow::Borrowed),
                        tags: a.tags(),
                        boundary: a.permissions_boundary.non_empty().is_some(),
                    })
                    .filter(|i| i.arn.is_some() || i.name.is_some())
            };
            let mut before_id = identity(before);
            // Most principals do not change: the same object twice is decoded once.
            let after_id = if same_attrs(before, after) {
                before_id.clone()
            } else {
                identity(after)
            };
            if !s.lifecycle.exists_before() {
                before_id = None;
            }
            let mut after_id = if s.lifecycle.exists_after() {
                after_id
            } else {
                None
            };
            // The provider plans a rename in place (IAM UpdateUser: a new name or path) without
            // marking `arn` as known after apply: the planned ARN is still the old one. After
            // the apply the principal has the ARN of its new name and path.
            if let (Some(b), Some(a)) = (&before_id, &mut after_id) {
                let renamed = a.name != b.name || a.path != b.path;
                if renamed && a.arn.is_some() && a.arn == b.arn {
                    let old = b.arn.as_deref().and_then(Arn::parse);
                    a.arn = old.zip(a.name.as_deref()).map(|(old, name)| {
                        Cow::Owned(iam_arn(
                            old.partition,
                            old.account,
                            kind.word(),
                            a.path.as_deref(),
                            name,
                        ))
                    });
                }
            }
            if before_id.is_none() && after_id.is_none() {
                return;
            }
            c.principals.push(Principal {
                input: s.src,
                address: s.address.to_owned(),
                managed: s.resource.mode == Mode::Managed,
                resource: s.resource,
                kind,
                lifecycle: s.lifecycle,
                before: before_id,
                after: after_id,
                iam: None,
            });
        }
        ResourceKind::Key(_) | ResourceKind::KeyPolicy => {
            let before_attrs = match before {
                Some(a) if s.lifecycle.exists_before() => a,
                _ => &NO_ATTRS,
            };
            let after_attrs = match after {
                Some(a) if s.lifecycle.exists_after() => a,
                _ => &NO_ATTRS,
            };
            let p = Planned {
                input: s.src,
                address: s.address.to_owned(),
                resource: s.resource,
                lifecycle: s.lifecycle,
                before: before_attrs,
                after: after_attrs,
                unknown,
                live: None,
            };
            if s.kind == ResourceKind::KeyPolicy {
                c.policies.push(p);
            } else {
                c.keys.push(p);
            }
        }
    }
}

/// Whether two attribute sets are the same object or read the same.
fn same_attrs(a: Option<&Attrs>, b: Option<&Attrs>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => std::ptr::eq(a, b) || a == b,
        _ => false,
    }
}

/// The Identity Center changes that remove SSO roles: a permission set destroyed or replaced
/// (in every account), or the last assignment of a permission set to an account destroyed.
pub(super) fn sso_removals(collected: &[Collected]) -> Vec<SsoRemoval> {
    let sets: Vec<&(String, String, Option<String>, Lifecycle)> =
        collected.iter().flat_map(|c| &c.permission_sets).collect();
    let assignments: Vec<&(String, String, String, Lifecycle)> =
        collected.iter().flat_map(|c| &c.assignments).collect();
    let mut out = Vec::new();
    for (address, name, _, lifecycle) in &sets {
        if matches!(lifecycle, Lifecycle::Deleted | Lifecycle::Replaced) {
            out.push(SsoRemoval {
                address: address.clone(),
                lifecycle: *lifecycle,
                permission_set: name.clone(),
                account: None,
            });
        }
    }
    for (address, ps, account, lifecycle) in &assignments {
        if !matches!(lifecycle, Lifecycle::Deleted | Lifecycle::Replaced) {
            continue;
        }
        let Some((_, name, _, _)) = sets
            .iter()
            .find(|(_, _, arn, _)| arn.as_deref() == Some(ps.as_str()))
        else {
            continue;
        };
        let others = assignments
            .iter()
            .any(|(a, p, t, l)| a != address && p == ps && t == account && l.exists_after());
        if !others {
            out.push(SsoRemoval {
                address: address.clone(),
                lifecycle: *lifecycle,
                permission_set: name.clone(),
                account: Some(account.clone()),
            });
        }
    }
    out
}
