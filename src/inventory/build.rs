//! Collecting keys, key policies and principals from each document.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::link::{self, Configs};
use super::resolve::DataDraft;
use super::{Identity, Input, Inventory, Lifecycle, Principal, PrincipalKind};
use serde_json::value::RawValue;

use crate::plan::model::{Attrs, NO_ATTRS, READ_TYPES, Unknowns, ValueResource};
use crate::policy::arn::{Arn, iam_arn};

/// The resource types that carry a key policy of their own.
pub const KEY_TYPES: &[&str] = &[
    "aws_kms_key",
    "aws_kms_replica_key",
    "aws_kms_external_key",
    "aws_kms_replica_external_key",
];
pub const KEY_POLICY_TYPE: &str = "aws_kms_key_policy";

/// A resource instance of interest, before keys and policies are joined.
#[derive(Debug, Clone)]
pub(super) struct Draft<'a> {
    pub source: usize,
    pub address: String,
    pub rtype: String,
    pub module_address: String,
    pub name: String,
    /// The instance key as JSON text (`0`, `"a"`), if any.
    pub index: Option<String>,
    pub lifecycle: Lifecycle,
    pub before: &'a Attrs<'a>,
    pub after: &'a Attrs<'a>,
    pub unknown: Unknowns,
}

#[derive(Default)]
pub(super) struct Collected<'a> {
    pub keys: Vec<Draft<'a>>,
    pub policies: Vec<Draft<'a>>,
    pub principals: Vec<Principal<'a>>,
    pub caller_account: Option<String>,
    pub notes: Vec<String>,
    /// Permission sets: (address, name, arn, lifecycle).
    pub permission_sets: Vec<(String, String, Option<String>, Lifecycle)>,
    /// Account assignments: (address, permission set arn, account, lifecycle).
    pub assignments: Vec<(String, String, String, Lifecycle)>,
    /// Policy documents, the caller identity and the partition.
    pub data: Vec<DataDraft<'a>>,
}

/// Builds the inventory of all inputs.
pub fn build<'a>(inputs: &'a [Input<'_>]) -> Inventory<'a> {
    let mut inv = Inventory {
        sources: inputs.iter().map(|i| i.source.clone()).collect(),
        ..Inventory::default()
    };
    let mut collected: Vec<Collected<'a>> = inputs
        .iter()
        .enumerate()
        .map(|(src, input)| collect(src, input))
        .collect();

    // Accounts and partitions: from the caller identity, else the ARNs the input shows.
    for c in &collected {
        let mut votes: HashMap<(String, String), usize> = HashMap::new();
        let arns = c
            .principals
            .iter()
            .filter_map(|p| p.any_arn().map(str::to_owned))
            .chain(c.keys.iter().chain(&c.policies).flat_map(|d| {
                [
                    d.before.arn.as_deref(),
                    d.after.arn.as_deref(),
                    d.after.key_id.as_deref(),
                ]
                .into_iter()
                .flatten()
                .map(str::to_owned)
            }));
        for arn in arns {
            if let Some(a) = Arn::parse(&arn) {
                if !a.account.is_empty() {
                    *votes
                        .entry((a.partition.to_owned(), a.account.to_owned()))
                        .or_default() += 1;
                }
            }
        }
        let best = votes
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
        let partition = best.as_ref().map(|((p, _), _)| p.clone());
        let account = c.caller_account.clone().or(best.map(|((_, a), _)| a));
        inv.source_accounts.push(account);
        inv.source_partitions.push(partition);
    }
    let single = |v: &[Option<String>]| {
        let set: HashSet<&String> = v.iter().flatten().collect();
        (set.len() == 1).then(|| (*set.iter().next().unwrap()).clone())
    };
    let global_account = single(&inv.source_accounts);
    let global_partition = single(&inv.source_partitions);

    for (src, c) in collected.iter_mut().enumerate() {
        let account = inv.source_accounts[src].clone().or(global_account.clone());
        let partition = inv.source_partitions[src]
            .clone()
            .or(global_partition.clone())
            .unwrap_or_else(|| "aws".to_owned());
        for p in &mut c.principals {
            complete_arn(p, &partition, account.as_deref());
        }
        inv.notes.extend(c.notes.drain(..).map(|n| (src, n)));
    }
    inv.principals
        .reserve_exact(collected.iter().map(|c| c.principals.len()).sum());
    for c in &mut collected {
        inv.principals.append(&mut c.principals);
    }
    inv.index();
    inv.sso_removals = sso_removals(&collected);

    let configs = Configs::new(inputs.iter().map(|i| &i.doc).collect());
    let lifecycles: HashMap<String, Lifecycle> = inv
        .principals
        .iter()
        .filter(|p| p.managed)
        .map(|p| (p.address.clone(), p.lifecycle))
        .collect();
    let data: Vec<Vec<DataDraft<'a>>> = collected
        .iter_mut()
        .map(|c| std::mem::take(&mut c.data))
        .collect();
    let root_vars: Vec<std::collections::BTreeMap<String, serde_json::Value>> = inputs
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
    let (keys, notes) = {
        let mut principals = HashMap::new();
        for p in &inv.principals {
            principals.entry(p.address.as_str()).or_insert(p);
        }
        let world = link::World {
            configs: &configs,
            lifecycles: &lifecycles,
            principals,
            data: data
                .iter()
                .map(|d| d.iter().map(|x| (x.address.as_str(), x)).collect())
                .collect(),
            root_vars: &root_vars,
        };
        link::join(collected, &world)
    };
    inv.data = data;
    inv.root_vars = root_vars;
    inv.notes.extend(notes);
    inv.keys.reserve_exact(keys.len());
    for mut k in keys {
        if k.account.is_none() {
            k.account = inv.source_accounts[k.source]
                .clone()
                .or(global_account.clone());
            k.account_inferred = k.account.is_some();
        }
        if k.partition.is_none() {
            k.partition = inv.source_partitions[k.source]
                .clone()
                .or(global_partition.clone());
        }
        inv.keys.push(k);
    }
    inv
}

/// The Identity Center changes that remove SSO roles: a permission set destroyed or replaced
/// (in every account), or the last assignment of a permission set to an account destroyed.
fn sso_removals(collected: &[Collected]) -> Vec<super::SsoRemoval> {
    let sets: Vec<&(String, String, Option<String>, Lifecycle)> =
        collected.iter().flat_map(|c| &c.permission_sets).collect();
    let assignments: Vec<&(String, String, String, Lifecycle)> =
        collected.iter().flat_map(|c| &c.assignments).collect();
    let mut out = Vec::new();
    for (address, name, _, lifecycle) in &sets {
        if matches!(lifecycle, Lifecycle::Deleted | Lifecycle::Replaced) {
            out.push(super::SsoRemoval {
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
            out.push(super::SsoRemoval {
                address: address.clone(),
                lifecycle: *lifecycle,
                permission_set: name.clone(),
                account: Some(account.clone()),
            });
        }
    }
    out
}

/// A role or user the plan creates has no ARN until apply; build it from name and path.
fn complete_arn(p: &mut Principal<'_>, partition: &str, account: Option<&str>) {
    let Some(account) = account else { return };
    if let Some(id) = &mut p.after {
        if id.arn.is_none() {
            if let Some(name) = id.name.clone() {
                id.arn = Some(Cow::Owned(iam_arn(
                    partition,
                    account,
                    p.kind.word(),
                    id.path.as_deref(),
                    &name,
                )));
            }
        }
    }
}

fn index_text(raw: Option<&RawValue>) -> Option<String> {
    raw.map(|r| r.get().to_owned()).filter(|s| s != "null")
}

fn collect<'a>(src: usize, input: &'a Input<'_>) -> Collected<'a> {
    let doc = &input.doc;
    let mut c = Collected::default();
    let mut seen: HashSet<String> = HashSet::new();
    let mut deposed = 0usize;

    for rc in doc.raw.resource_changes.iter().flatten() {
        let (Some(rtype), Some(address)) = (rc.rtype.as_deref(), rc.address.as_deref()) else {
            continue;
        };
        if rc.deposed.is_some() {
            if is_relevant(rtype) {
                deposed += 1;
            }
            continue;
        }
        let is_data = rc.mode.as_deref() == Some("data");
        let change = rc.change.as_ref();
        let lifecycle = if is_data {
            Lifecycle::Kept
        } else {
            Lifecycle::from_actions(change.map(|c| c.actions.as_slice()).unwrap_or(&[]))
        };
        let before = change.and_then(|c| c.before.as_deref());
        let after = change.and_then(|c| c.after());
        let unknown = change.map(|c| c.after_unknown.clone()).unwrap_or_default();
        if is_relevant(rtype) {
            seen.insert(address.to_owned());
        }
        add(
            &mut c,
            Seen {
                src,
                address,
                rtype,
                is_data,
                module_address: rc.module_address.as_deref().unwrap_or(""),
                name: rc.name.as_deref().unwrap_or(""),
                index: index_text(rc.index.as_deref()),
                lifecycle,
                deferred: is_data && change.is_some_and(|c| c.actions.iter().any(|a| a == "read")),
            },
            before,
            after,
            unknown,
        );
    }

    let mut from_values = |c: &mut Collected<'a>, r: &'a ValueResource<'_>, module: &str| {
        let (Some(rtype), Some(address)) = (r.rtype.as_deref(), r.address.as_deref()) else {
            return;
        };
        if r.deposed_key.is_some() || !is_relevant(rtype) || !seen.insert(address.to_owned()) {
            return;
        }
        add(
            c,
            Seen {
                src,
                address,
                rtype,
                is_data: r.mode.as_deref() == Some("data"),
                module_address: module,
                name: r.name.as_deref().unwrap_or(""),
                index: index_text(r.index.as_deref()),
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
                let module = m.address.as_deref().unwrap_or("");
                for r in m.resources.iter().flatten() {
                    from_values(&mut c, r, module);
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
            let module = m.address.as_deref().unwrap_or("");
            for r in m.resources.iter().flatten() {
                from_values(&mut c, &r.0, module);
            }
            stack.extend(m.child_modules.iter().flatten().rev());
        }
    }
    if deposed > 0 {
        c.notes.push(format!(
            "{deposed} deposed object(s) of KMS or IAM resources are destroyed by this plan; deposed objects are left over from an earlier create_before_destroy and are not checked"
        ));
    }
    c
}

fn is_relevant(rtype: &str) -> bool {
    READ_TYPES.contains(&rtype)
}

struct Seen<'s> {
    src: usize,
    address: &'s str,
    rtype: &'s str,
    is_data: bool,
    module_address: &'s str,
    name: &'s str,
    index: Option<String>,
    lifecycle: Lifecycle,
    /// A data source read at apply time.
    deferred: bool,
}

fn add<'a>(
    c: &mut Collected<'a>,
    s: Seen<'_>,
    before: Option<&'a Attrs<'a>>,
    after: Option<&'a Attrs<'a>>,
    unknown: Unknowns,
) {
    if s.is_data
        && matches!(
            s.rtype,
            "aws_iam_policy_document" | "aws_caller_identity" | "aws_partition"
        )
    {
        c.data.push(DataDraft {
            address: s.address.to_owned(),
            after: after.or(before).unwrap_or(&NO_ATTRS),
            unknown: unknown.clone(),
            deferred: s.deferred,
        });
    }
    match (s.rtype, s.is_data) {
        ("aws_caller_identity", true) => {
            let a = after.or(before).unwrap_or(&NO_ATTRS);
            if let Some(acct) = a.account_id.non_empty() {
                c.caller_account.get_or_insert_with(|| acct.to_owned());
            }
        }
        ("aws_ssoadmin_permission_set", false) => {
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
        ("aws_ssoadmin_account_assignment", false) => {
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
        ("aws_iam_role" | "aws_iam_user", is_data) => {
            let kind = if s.rtype == "aws_iam_role" {
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
            let after_id = if s.lifecycle.exists_after() {
                after_id
            } else {
                None
            };
            if before_id.is_none() && after_id.is_none() {
                return;
            }
            c.principals.push(Principal {
                source: s.src,
                address: s.address.to_owned(),
                kind,
                managed: !is_data,
                lifecycle: s.lifecycle,
                before: before_id,
                after: after_id,
            });
        }
        (t, false) if KEY_TYPES.contains(&t) || t == KEY_POLICY_TYPE => {
            let before_attrs = match before {
                Some(a) if s.lifecycle.exists_before() => a,
                _ => &NO_ATTRS,
            };
            let after_attrs = match after {
                Some(a) if s.lifecycle.exists_after() => a,
                _ => &NO_ATTRS,
            };
            let d = Draft {
                source: s.src,
                address: s.address.to_owned(),
                rtype: t.to_owned(),
                module_address: s.module_address.to_owned(),
                name: s.name.to_owned(),
                index: s.index,
                lifecycle: s.lifecycle,
                before: before_attrs,
                after: after_attrs,
                unknown,
            };
            if t == KEY_POLICY_TYPE {
                c.policies.push(d);
            } else {
                c.keys.push(d);
            }
        }
        _ => {}
    }
}

/// Whether two attribute sets are the same object or read the same.
fn same_attrs(a: Option<&Attrs>, b: Option<&Attrs>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => std::ptr::eq(a, b) || a == b,
        _ => false,
    }
}

/// The policy text an attribute set shows, if any.
pub(super) fn policy_of<'a>(a: &'a Attrs<'a>) -> Option<std::borrow::Cow<'a, str>> {
    a.policy
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(std::borrow::Cow::Borrowed)
}
