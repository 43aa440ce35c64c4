//! Live inputs: what the AWS CLI says about an account today, read offline.
//!
//! Two documents are recognised by their keys (docs/audit.md):
//!
//! - the unmodified output of `aws iam get-account-authorization-details --output json`
//!   (`UserDetailList`, `GroupDetailList`, `RoleDetailList`, `Policies`): every role and user
//!   of the account with its unique ID, path, tags, permissions boundary and the identity
//!   policies that apply to it (inline, attached managed policies at their default version,
//!   and a user's groups' policies);
//! - a keys document, `{"Keys": [{"KeyMetadata": …, "Policy": "…" | null, "Error": "…",
//!   "Aliases": […], "Tags": […]}]}` (written by `scripts/collect-live.sh`): each key's
//!   `describe-key` metadata and `get-key-policy` text; a key whose policy could not be read
//!   has `"Policy": null` and the error.
//!
//! Both are read the lenient way of the plan model: a value of the wrong type reads as
//! absent. Each key and identity becomes the attributes a state document would show
//! ([`Attrs`]), so the later steps read live facts the way they read a state.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::Value;
use serde_json::value::RawValue;

use super::address::{InstanceKey, Mode, ModuleInstance, ResourceAddress};
use super::model::Attrs;
pub(crate) use super::model::LiveParts;
use super::model::lenient::{MaybeBool, MaybeStr, MaybeTags};
use crate::error::InputError;
use crate::policy::tags::Tags;

/// What a live document holds.
#[derive(Debug)]
pub(crate) enum Live {
    Account(AccountDoc),
    Keys(KeysDoc),
}

/// A role or a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdentityType {
    Role,
    User,
}

/// `aws iam get-account-authorization-details`, read.
#[derive(Debug, Default)]
pub(crate) struct AccountDoc {
    /// The account every ARN of the export is in (an export is of one account).
    pub(crate) account: Option<String>,
    pub(crate) identities: Vec<LiveIdentity>,
    pub(crate) notes: Vec<String>,
}

/// A role or user of the account, with the identity policies that apply to it.
#[derive(Debug)]
pub(crate) struct LiveIdentity {
    pub(crate) kind: IdentityType,
    /// How reports name it: its ARN.
    pub(crate) address: String,
    pub(crate) resource: ResourceAddress,
    /// `arn`, `name`, `path`, `unique_id`, `tags`, `permissions_boundary`.
    pub(crate) attrs: Attrs<'static>,
    /// The identity policies that apply to it: (where from, document text).
    pub(crate) documents: Vec<(String, String)>,
    /// Its permissions boundary's document, when it has one and the export holds it.
    pub(crate) boundary_document: Option<String>,
    /// Managed policies attached to it (or to its groups) whose document the export lacks.
    pub(crate) missing: Vec<String>,
}

/// The keys document, read.
#[derive(Debug, Default)]
pub(crate) struct KeysDoc {
    pub(crate) keys: Vec<LiveKey>,
    pub(crate) notes: Vec<String>,
}

/// One key as `describe-key` and `get-key-policy` show it.
#[derive(Debug)]
pub(crate) struct LiveKey {
    pub(crate) address: String,
    pub(crate) resource: ResourceAddress,
    /// `arn`, `key_id`, `policy`, `tags`, `key_spec`, `key_usage`, `multi_region`, and the
    /// key store fields that tell its origin.
    pub(crate) attrs: Attrs<'static>,
    /// Why the policy could not be read (`"Policy": null`).
    pub(crate) error: Option<String>,
    pub(crate) aliases: Vec<String>,
    pub(crate) state: Option<String>,
    pub(crate) deletion_date: Option<String>,
}

/// The most entries read from one list of a live document.
pub(crate) const MAX_LIVE_ENTRIES: usize = 1_000_000;

/// A group's inline documents `(source, text)` and attached policy ARNs.
type GroupPolicies = (Vec<(String, String)>, Vec<String>);

/// Reads the live document the top-level members make, if they make one.
pub(crate) fn read(parts: &LiveParts) -> Option<Result<Live, InputError>> {
    if parts.is_account() {
        Some(account(parts).map(Live::Account))
    } else {
        let keys = parts.keys.as_ref()?;
        Some(read_keys(keys).map(Live::Keys))
    }
}

fn account(parts: &LiveParts) -> Result<AccountDoc, InputError> {
    let list = |r: &Option<Box<RawValue>>, what: &str| -> Result<Vec<Value>, InputError> {
        match r {
            None => Ok(Vec::new()),
            Some(r) if r.get() == "null" => Ok(Vec::new()),
            Some(r) => entries(
                r,
                what,
                "the output of `aws iam get-account-authorization-details --output json`",
            ),
        }
    };
    let users = list(&parts.user_detail_list, "UserDetailList")?;
    let roles = list(&parts.role_detail_list, "RoleDetailList")?;
    let groups = list(&parts.group_detail_list, "GroupDetailList")?;
    let policies = list(&parts.policies, "Policies")?;
    let mut doc = AccountDoc::default();
    // Managed policies by ARN: their default version's document.
    let mut managed: HashMap<String, Option<String>> = HashMap::new();
    for p in &policies {
        let Some(arn) = str_of(p, "Arn") else {
            continue;
        };
        let default = str_of(p, "DefaultVersionId");
        let versions = p.get("PolicyVersionList").and_then(Value::as_array);
        let document = versions.and_then(|vs| {
            vs.iter()
                .find(|v| {
                    v.get("IsDefaultVersion").and_then(Value::as_bool) == Some(true)
                        || (default.is_some() && str_of(v, "VersionId") == default)
                })
                .and_then(|v| v.get("Document"))
                .and_then(document_text)
        });
        managed.insert(arn.to_owned(), document);
    }
    // Groups by name: their inline documents and attached policies.
    let mut group_docs: HashMap<String, GroupPolicies> = HashMap::new();
    for g in &groups {
        let Some(name) = str_of(g, "GroupName") else {
            continue;
        };
        let inline = inline_documents(
            g,
            "GroupPolicyList",
            &format!("group {name}: inline policy "),
        );
        group_docs.insert(name.to_owned(), (inline, attached(g)));
    }
    let mut accounts: Vec<String> = Vec::new();
    let entries = roles
        .iter()
        .map(|r| (IdentityType::Role, r))
        .chain(users.iter().map(|u| (IdentityType::User, u)));
    for (kind, v) in entries {
        let (name_key, id_key, inline_key) = match kind {
            IdentityType::Role => ("RoleName", "RoleId", "RolePolicyList"),
            IdentityType::User => ("UserName", "UserId", "UserPolicyList"),
        };
        let (Some(arn), Some(name)) = (str_of(v, "Arn"), str_of(v, name_key)) else {
            continue;
        };
        if let Some(a) = crate::policy::arn::Arn::parse(arn) {
            if !a.account.is_empty() && !accounts.iter().any(|x| x == a.account) {
                accounts.push(a.account.to_owned());
            }
        }
        let mut documents = inline_documents(v, inline_key, "inline policy");
        let mut missing = Vec::new();
        let mut attach = |arns: Vec<String>, documents: &mut Vec<(String, String)>| {
            for p in arns {
                match managed.get(&p) {
                    Some(Some(d)) => documents.push((p, d.clone())),
                    _ => missing.push(p),
                }
            }
        };
        attach(attached(v), &mut documents);
        if kind == IdentityType::User {
            let groups = v.get("GroupList").and_then(Value::as_array);
            for g in groups.into_iter().flatten().filter_map(Value::as_str) {
                if let Some((inline, arns)) = group_docs.get(g) {
                    documents.extend(inline.iter().cloned());
                    attach(arns.clone(), &mut documents);
                }
            }
        }
        let boundary = v
            .get("PermissionsBoundary")
            .and_then(|b| str_of(b, "PermissionsBoundaryArn"))
            .map(str::to_owned);
        let boundary_document = boundary
            .as_ref()
            .and_then(|b| managed.get(b).cloned().flatten());
        let word = match kind {
            IdentityType::Role => "aws_iam_role",
            IdentityType::User => "aws_iam_user",
        };
        let attrs = Attrs {
            arn: owned(Some(arn)),
            name: owned(Some(name)),
            path: owned(str_of(v, "Path")),
            unique_id: owned(str_of(v, id_key)),
            permissions_boundary: owned(boundary.as_deref()),
            tags: MaybeTags(Some(tags_of(v.get("Tags")))),
            ..Attrs::default()
        };
        doc.identities.push(LiveIdentity {
            kind,
            address: arn.to_owned(),
            resource: live_address(word, arn),
            attrs,
            documents,
            boundary_document,
            missing,
        });
    }
    match accounts.len() {
            0 => {}
            1 => doc.account = accounts.pop(),
            _ => doc.notes.push(format!(
                "the account export names principals of {} accounts; an export is of one account, so principals missing from it are not taken to be deleted",
                accounts.len()
            )),
        }
    Ok(doc)
}

/// The synthetic address of a live object: `TYPE.live["ARN"]` (data mode: no plan owns it).
fn live_address(rtype: &str, arn: &str) -> ResourceAddress {
    ResourceAddress {
        module: ModuleInstance::root(),
        mode: Mode::Data,
        rtype: rtype.to_owned(),
        name: "live".to_owned(),
        key: Some(InstanceKey::Str(arn.to_owned())),
    }
}

fn owned(s: Option<&str>) -> MaybeStr<'static> {
    MaybeStr(s.map(|s| Cow::Owned(s.to_owned())))
}

fn str_of<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// A policy document as the export writes it: an object (the AWS CLI decodes it), or a
/// string (JSON text, or URL-encoded JSON as the IAM API returns it).
fn document_text(v: &Value) -> Option<String> {
    match v {
        Value::Object(_) => Some(v.to_string()),
        Value::String(s) if s.trim_start().starts_with('{') => Some(s.clone()),
        Value::String(s) => percent_decode(s).filter(|d| d.trim_start().starts_with('{')),
        _ => None,
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn inline_documents(v: &Value, key: &str, what: &str) -> Vec<(String, String)> {
    let list = v.get(key).and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .filter_map(|p| {
            let text = document_text(p.get("PolicyDocument")?)?;
            let name = str_of(p, "PolicyName").unwrap_or("?");
            Some((format!("{what}{name}"), text))
        })
        .collect()
}

fn attached(v: &Value) -> Vec<String> {
    let list = v.get("AttachedManagedPolicies").and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .filter_map(|p| str_of(p, "PolicyArn").map(str::to_owned))
        .collect()
}

/// IAM tags (`[{"Key", "Value"}]`) or KMS tags (`[{"TagKey", "TagValue"}]`).
fn tags_of(v: Option<&Value>) -> Tags {
    let list = v.and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .filter_map(|t| {
            let k = str_of(t, "Key").or_else(|| str_of(t, "TagKey"))?;
            let v = t
                .get("Value")
                .or_else(|| t.get("TagValue"))
                .and_then(Value::as_str)
                .unwrap_or("");
            Some((k.to_owned(), v.to_owned()))
        })
        .collect()
}

/// The entries of a top-level list of a live document (`what` names it in errors, `expected`
/// says what document it should be).
fn entries(raw: &RawValue, what: &str, expected: &str) -> Result<Vec<Value>, InputError> {
    match serde_json::from_str::<Value>(raw.get()) {
        Ok(Value::Array(v)) if v.len() <= MAX_LIVE_ENTRIES => Ok(v),
        Ok(Value::Array(_)) => Err(InputError::NotPlan(format!(
            "its {what} has more than {MAX_LIVE_ENTRIES} entries"
        ))),
        _ => Err(InputError::NotPlan(format!(
            "its {what} is not a list; expected {expected}"
        ))),
    }
}

fn read_keys(raw: &RawValue) -> Result<KeysDoc, InputError> {
    let list = entries(raw, "`Keys`", "a keys document (docs/audit.md)")?;
    let mut doc = KeysDoc::default();
    let mut aws_managed = 0usize;
    let mut unnamed = 0usize;
    for k in &list {
        let Some(meta) = k.get("KeyMetadata").filter(|m| m.is_object()) else {
            unnamed += 1;
            continue;
        };
        let Some(arn) = str_of(meta, "Arn") else {
            unnamed += 1;
            continue;
        };
        // AWS managed keys have a policy AWS sets and keeps; nobody manages them.
        if str_of(meta, "KeyManager") == Some("AWS") {
            aws_managed += 1;
            continue;
        }
        let origin = str_of(meta, "Origin");
        let replica = meta
            .get("MultiRegionConfiguration")
            .and_then(|m| str_of(m, "MultiRegionKeyType"))
            == Some("REPLICA");
        let rtype = match (replica, origin == Some("EXTERNAL")) {
            (false, false) => "aws_kms_key",
            (false, true) => "aws_kms_external_key",
            (true, false) => "aws_kms_replica_key",
            (true, true) => "aws_kms_replica_external_key",
        };
        let policy = k.get("Policy").and_then(Value::as_str);
        let error = match (policy, k.get("Error")) {
            (Some(_), _) => None,
            (None, Some(Value::String(e))) => Some(e.clone()),
            (None, _) => Some("the keys document has no policy for it".to_owned()),
        };
        let attrs = Attrs {
            arn: owned(Some(arn)),
            id: owned(str_of(meta, "KeyId")),
            key_id: owned(str_of(meta, "KeyId")),
            policy: owned(policy),
            key_spec: owned(str_of(meta, "KeySpec").or(str_of(meta, "CustomerMasterKeySpec"))),
            key_usage: owned(str_of(meta, "KeyUsage")),
            custom_key_store_id: owned(
                str_of(meta, "CustomKeyStoreId").filter(|_| origin == Some("AWS_CLOUDHSM")),
            ),
            xks_key_id: owned(
                str_of(meta, "CustomKeyStoreId").filter(|_| origin == Some("EXTERNAL_KEY_STORE")),
            ),
            multi_region: MaybeBool(meta.get("MultiRegion").and_then(Value::as_bool)),
            tags: MaybeTags(Some(tags_of(k.get("Tags")))),
            ..Attrs::default()
        };
        let aliases = k
            .get("Aliases")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| a.as_str().or_else(|| str_of(a, "AliasName")))
            .map(str::to_owned)
            .collect();
        doc.keys.push(LiveKey {
            address: arn.to_owned(),
            resource: live_address(rtype, arn),
            attrs,
            error,
            aliases,
            state: str_of(meta, "KeyState").map(str::to_owned),
            deletion_date: meta.get("DeletionDate").and_then(|d| match d {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }),
        });
    }
    if aws_managed > 0 {
        doc.notes.push(format!(
            "{aws_managed} AWS managed key(s) skipped: AWS sets and keeps their policies"
        ));
    }
    if unnamed > 0 {
        doc.notes.push(format!(
            "{unnamed} entr(y/ies) of Keys have no KeyMetadata with an Arn; not checked"
        ));
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts_of(json: &str) -> LiveParts {
        let v: HashMap<String, Box<RawValue>> = serde_json::from_str(json).unwrap();
        let mut p = LiveParts::default();
        for (k, r) in v {
            match k.as_str() {
                "UserDetailList" => p.user_detail_list = Some(r),
                "RoleDetailList" => p.role_detail_list = Some(r),
                "GroupDetailList" => p.group_detail_list = Some(r),
                "Policies" => p.policies = Some(r),
                "Keys" => p.keys = Some(r),
                _ => {}
            }
        }
        p
    }

    #[test]
    fn an_account_export_gives_each_identity_its_policies() {
        let p = parts_of(
            r#"{"UserDetailList":[{"UserName":"ops","UserId":"AIDAOPS","Arn":"arn:aws:iam::111122223333:user/ops","Path":"/","GroupList":["admins"],
                 "PermissionsBoundary":{"PermissionsBoundaryArn":"arn:aws:iam::111122223333:policy/bound"}}],
               "GroupDetailList":[{"GroupName":"admins","GroupPolicyList":[{"PolicyName":"g","PolicyDocument":"%7B%22Statement%22%3A%5B%5D%7D"}],
                 "AttachedManagedPolicies":[{"PolicyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}]}],
               "RoleDetailList":[{"RoleName":"r","RoleId":"AROAR","Arn":"arn:aws:iam::111122223333:role/x/r","Path":"/x/",
                 "RolePolicyList":[{"PolicyName":"i","PolicyDocument":{"Statement":[]}}],"Tags":[{"Key":"team","Value":"a"}]}],
               "Policies":[{"Arn":"arn:aws:iam::aws:policy/AdministratorAccess","DefaultVersionId":"v1",
                 "PolicyVersionList":[{"VersionId":"v1","IsDefaultVersion":true,"Document":{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}}]}]}"#,
        );
        let Some(Ok(Live::Account(a))) = read(&p) else {
            panic!()
        };
        assert_eq!(a.account.as_deref(), Some("111122223333"));
        let role = &a.identities[0];
        assert_eq!(role.kind, IdentityType::Role);
        assert_eq!(role.attrs.path.as_deref(), Some("/x/"));
        assert_eq!(role.documents.len(), 1);
        let user = &a.identities[1];
        assert_eq!(user.documents.len(), 2, "group inline + group managed");
        assert_eq!(user.documents[0].0, "group admins: inline policy g");
        assert_eq!(user.documents[0].1, r#"{"Statement":[]}"#);
        assert!(user.boundary_document.is_none());
        assert_eq!(user.attrs.unique_id.as_deref(), Some("AIDAOPS"));
    }

    #[test]
    fn a_keys_document_keeps_unreadable_keys_and_skips_aws_managed_ones() {
        let p = parts_of(
            r#"{"Keys":[{"KeyMetadata":{"Arn":"arn:aws:kms:eu-west-1:111122223333:key/k1","KeyId":"k1","KeyManager":"CUSTOMER"},"Policy":null,"Error":"AccessDeniedException"},
                        {"KeyMetadata":{"Arn":"arn:aws:kms:eu-west-1:111122223333:key/k2","KeyManager":"AWS"},"Policy":"{}"},
                        {"nothing":1}]}"#,
        );
        let Some(Ok(Live::Keys(k))) = read(&p) else {
            panic!()
        };
        assert_eq!(k.keys.len(), 1);
        assert_eq!(k.keys[0].error.as_deref(), Some("AccessDeniedException"));
        assert_eq!(k.notes.len(), 2);
    }
}
