//! A lenient, selective serde model of `terraform show -json` (plan and state).
//!
//! Only the fields the checks need are named; every other key is skipped by serde
//! without being materialised. Resources of types kmsguard does not read are dropped as
//! they are scanned ([`Kept`]); for the others, attribute objects (`before`, `after`,
//! `values`) are kept as raw JSON and decoded into [`Attrs`] later. So the bulk of a large
//! plan is scanned once and never copied, and the same model reads from a buffer or
//! streams from a file (`--low-memory`).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::policy::tags::Tags;

/// Implements the visitor methods that swallow a value of an unexpected type.
macro_rules! ignore_other_types {
    ($out:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($out)
        }
    };
}

/// Implements the visitor methods of a type read from a JSON object that swallow any other
/// value (a list, a string, a scalar) as `$out`.
macro_rules! ignore_non_objects {
    ($out:expr) => {
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            drain_seq(seq)?;
            Ok($out)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($out)
        }
        ignore_other_types!($out);
    };
}

/// The top level of a `show -json` document, plan or state.
#[derive(Debug, Deserialize, Default)]
pub struct RawDocument<'a> {
    #[serde(borrow, default)]
    pub format_version: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub terraform_version: Option<MaybeStr<'a>>,
    #[serde(borrow, default)]
    pub resource_changes: Option<Kept<ResourceChange<'a>>>,
    #[serde(borrow, default)]
    pub prior_state: Option<StateRepr<'a>>,
    /// Only its data sources are kept: every managed resource it lists is also in
    /// `resource_changes` (or, for a refresh-only plan, in `prior_state`).
    #[serde(borrow, default)]
    pub planned_values: Option<PlannedValues<'a>>,
    /// Present in a state document only.
    #[serde(borrow, default)]
    pub values: Option<Values<'a>>,
    #[serde(borrow, default)]
    pub configuration: Option<Configuration<'a>>,
    /// The root module's input variable values (plans only).
    #[serde(default)]
    pub variables: Option<BTreeMap<String, PlanVariable>>,
    #[serde(default)]
    pub errored: Option<Flag>,
    // Keys that only look-alike documents have; used to refuse them with a useful message.
    #[serde(default)]
    pub output_changes: Option<IgnoredAny>,
    #[serde(default)]
    pub plan_format_version: Option<IgnoredAny>,
    #[serde(default)]
    pub provider_schemas: Option<IgnoredAny>,
    #[serde(default)]
    pub lineage: Option<IgnoredAny>,
    #[serde(default)]
    pub serial: Option<IgnoredAny>,
}

/// The resource types whose attributes kmsguard reads. The `change` (in `resource_changes`)
/// or `values` (in a values tree) of every other resource is skipped as it is scanned, not
/// kept as a raw slice: a plan is mostly filler, and this is what keeps the parse near the
/// cost of reading the JSON at all.
pub const READ_TYPES: &[&str] = &[
    "aws_kms_key",
    "aws_kms_replica_key",
    "aws_kms_external_key",
    "aws_kms_replica_external_key",
    "aws_kms_key_policy",
    "aws_iam_role",
    "aws_iam_user",
    "aws_caller_identity",
    "aws_ssoadmin_permission_set",
    "aws_ssoadmin_account_assignment",
    "aws_iam_policy_document",
    "aws_partition",
];

/// Whether a resource's payload is needed: its type is read, or not known yet (a document
/// that writes `type` after the payload is still read in full).
fn wanted(rtype: &Option<Cow<'_, str>>) -> bool {
    rtype.as_deref().is_none_or(|t| READ_TYPES.contains(&t))
}

/// The modes and the resource types kmsguard reads, shared rather than copied per resource
/// when the document is streamed.
const INTERNED: &[&str] = &[
    "managed",
    "data",
    "aws_kms_key",
    "aws_kms_replica_key",
    "aws_kms_external_key",
    "aws_kms_replica_external_key",
    "aws_kms_key_policy",
    "aws_iam_role",
    "aws_iam_user",
    "aws_caller_identity",
    "aws_ssoadmin_permission_set",
    "aws_ssoadmin_account_assignment",
    "aws_iam_policy_document",
    "aws_partition",
];

fn interned(s: Option<Cow<'_, str>>) -> Option<Cow<'_, str>> {
    match s {
        Some(Cow::Owned(o)) => Some(match INTERNED.iter().find(|i| **i == o) {
            Some(i) => Cow::Borrowed(*i),
            None => Cow::Owned(o),
        }),
        other => other,
    }
}

/// A list that keeps only the elements [`Keep::keep`] accepts, deciding as it reads.
#[derive(Debug, Default)]
pub struct Kept<T>(pub Vec<T>);

/// Whether a list element is worth keeping.
pub trait Keep {
    /// May also shrink what it keeps.
    fn keep(&mut self) -> bool;
}

impl<'a, T> IntoIterator for &'a Kept<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'de, T: Deserialize<'de> + Keep> Deserialize<'de> for Kept<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Keep> Visitor<'de> for V<T> {
            type Value = Kept<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(mut x) = seq.next_element::<T>()? {
                    if x.keep() {
                        out.push(x);
                    }
                }
                out.shrink_to_fit();
                Ok(Kept(out))
            }
        }
        d.deserialize_seq(V(std::marker::PhantomData))
    }
}

thread_local! {
    /// Addresses of the resource changes read so far in the document being parsed: a
    /// managed resource that `prior_state` repeats (it comes after `resource_changes` in
    /// Terraform's order) is then not kept twice.
    static CHANGED: std::cell::RefCell<std::collections::HashSet<String>> = Default::default();
}

/// Scopes [`CHANGED`] to the parse of one document.
pub(crate) struct DocumentScope;

impl DocumentScope {
    pub(crate) fn new() -> DocumentScope {
        CHANGED.with(|s| s.borrow_mut().clear());
        DocumentScope
    }
}

impl Drop for DocumentScope {
    fn drop(&mut self) {
        CHANGED.with(|s| {
            let mut s = s.borrow_mut();
            s.clear();
            s.shrink_to_fit();
        });
    }
}

impl Keep for ResourceChange<'_> {
    fn keep(&mut self) -> bool {
        if let Some(c) = &mut self.change {
            c.compact();
        }
        let keep = wanted(&self.rtype);
        if keep && self.deposed.is_none() {
            if let Some(a) = &self.address {
                CHANGED.with(|s| s.borrow_mut().insert(a.to_string()));
            }
        }
        keep
    }
}

impl Keep for ValueResource<'_> {
    fn keep(&mut self) -> bool {
        let repeated = self.mode.as_deref() != Some("data")
            && self
                .address
                .as_deref()
                .is_some_and(|a| CHANGED.with(|s| s.borrow().contains(a)));
        wanted(&self.rtype) && !repeated
    }
}

/// One entry of `resource_changes`.
#[derive(Debug, Default)]
pub struct ResourceChange<'a> {
    pub address: Option<Cow<'a, str>>,
    pub module_address: Option<Cow<'a, str>>,
    pub mode: Option<Cow<'a, str>>,
    pub rtype: Option<Cow<'a, str>>,
    pub name: Option<Cow<'a, str>>,
    pub index: Option<Box<RawValue>>,
    pub deposed: Option<Cow<'a, str>>,
    /// `None` for a resource type kmsguard does not read.
    pub change: Option<Change<'a>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for ResourceChange<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = ResourceChange<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a resource change object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut rc = ResourceChange::default();
                while let Some(k) = map.next_key::<MaybeStr<'de>>()? {
                    match k.as_deref() {
                        Some("address") => rc.address = map.next_value::<MaybeStr<'a>>()?.0,
                        Some("module_address") => {
                            rc.module_address = map.next_value::<MaybeStr<'a>>()?.0
                        }
                        Some("mode") => rc.mode = interned(map.next_value::<MaybeStr<'a>>()?.0),
                        Some("type") => rc.rtype = interned(map.next_value::<MaybeStr<'a>>()?.0),
                        Some("name") => rc.name = map.next_value::<MaybeStr<'a>>()?.0,
                        Some("deposed") => rc.deposed = map.next_value::<MaybeStr<'a>>()?.0,
                        Some("index") => rc.index = map.next_value()?,
                        Some("change") if wanted(&rc.rtype) => rc.change = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(rc)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// The `change` object of a resource change.
#[derive(Debug, Deserialize, Default)]
pub struct Change<'a> {
    #[serde(borrow, default)]
    pub actions: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub before: Option<Box<Attrs<'a>>>,
    /// `None` also when it is the same as `before` (see [`Change::after_is_before`]).
    #[serde(borrow, default)]
    pub after: Option<Box<Attrs<'a>>>,
    #[serde(default)]
    pub after_unknown: Unknowns,
    /// `after` read the same as `before` and is not kept twice.
    #[serde(skip)]
    pub after_is_before: bool,
}

impl<'a> Change<'a> {
    /// The attributes after the change.
    pub fn after(&self) -> Option<&Attrs<'a>> {
        if self.after_is_before {
            self.before.as_deref()
        } else {
            self.after.as_deref()
        }
    }

    /// Drops `after` when it reads the same as `before` (most changes are no-ops).
    fn compact(&mut self) {
        if let (Some(b), Some(a)) = (&self.before, &self.after) {
            if a == b {
                self.after = None;
                self.after_is_before = true;
            }
        }
    }
}

/// `planned_values`, keeping data sources only.
#[derive(Debug, Deserialize, Default)]
pub struct PlannedValues<'a> {
    #[serde(borrow, default)]
    pub root_module: Option<PlannedModule<'a>>,
}

#[derive(Debug, Deserialize, Default)]
pub struct PlannedModule<'a> {
    #[serde(borrow, default)]
    pub address: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub resources: Option<Kept<DataResource<'a>>>,
    #[serde(borrow, default)]
    pub child_modules: Option<Vec<PlannedModule<'a>>>,
}

/// A resource of `planned_values`, kept only if it is a data source.
#[derive(Debug, Default)]
pub struct DataResource<'a>(pub ValueResource<'a>);

impl<'de: 'a, 'a> Deserialize<'de> for DataResource<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ValueResource::deserialize(d).map(DataResource)
    }
}

impl Keep for DataResource<'_> {
    fn keep(&mut self) -> bool {
        self.0.mode.as_deref() == Some("data") && self.0.keep()
    }
}

/// `prior_state`: a state document embedded in a plan.
#[derive(Debug, Deserialize, Default)]
pub struct StateRepr<'a> {
    #[serde(borrow, default)]
    pub values: Option<Values<'a>>,
}

/// The values representation (`planned_values`, `prior_state.values`, state `values`).
#[derive(Debug, Deserialize, Default)]
pub struct Values<'a> {
    #[serde(borrow, default)]
    pub root_module: Option<Module<'a>>,
}

#[derive(Debug, Deserialize, Default)]
pub struct Module<'a> {
    #[serde(borrow, default)]
    pub address: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub resources: Option<Kept<ValueResource<'a>>>,
    #[serde(borrow, default)]
    pub child_modules: Option<Vec<Module<'a>>>,
}

#[derive(Debug, Default)]
pub struct ValueResource<'a> {
    pub address: Option<Cow<'a, str>>,
    pub mode: Option<Cow<'a, str>>,
    pub rtype: Option<Cow<'a, str>>,
    pub name: Option<Cow<'a, str>>,
    pub index: Option<Box<RawValue>>,
    /// `None` for a resource type kmsguard does not read.
    pub values: Option<Box<Attrs<'a>>>,
    pub deposed_key: Option<Cow<'a, str>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for ValueResource<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = ValueResource<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a resource object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut r = ValueResource::default();
                while let Some(k) = map.next_key::<MaybeStr<'de>>()? {
                    match k.as_deref() {
                        Some("address") => r.address = map.next_value::<MaybeStr<'a>>()?.0,
                        Some("mode") => r.mode = interned(map.next_value::<MaybeStr<'a>>()?.0),
                        Some("type") => r.rtype = interned(map.next_value::<MaybeStr<'a>>()?.0),
                        Some("name") => r.name = map.next_value::<MaybeStr<'a>>()?.0,
                        Some("deposed_key") => r.deposed_key = map.next_value::<MaybeStr<'a>>()?.0,
                        Some("index") => r.index = map.next_value()?,
                        Some("values") if wanted(&r.rtype) => r.values = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(r)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// The attributes kmsguard reads from a resource's `before` / `after` / `values` object,
/// decoded while the document is read (every other attribute is skipped unread). Every
/// field is optional and tolerant of a wrong JSON type (it then reads as absent); an object
/// that is not an object reads as empty.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Attrs<'a> {
    pub arn: MaybeStr<'a>,
    pub id: MaybeStr<'a>,
    pub key_id: MaybeStr<'a>,
    pub name: MaybeStr<'a>,
    pub path: MaybeStr<'a>,
    pub unique_id: MaybeStr<'a>,
    pub policy: MaybeStr<'a>,
    /// The rendered document of a `data.aws_iam_policy_document`.
    pub json: MaybeStr<'a>,
    pub account_id: MaybeStr<'a>,
    /// `data.aws_partition`'s partition.
    pub partition: MaybeStr<'a>,
    pub primary_key_arn: MaybeStr<'a>,
    pub permission_set_arn: MaybeStr<'a>,
    pub target_id: MaybeStr<'a>,
    pub bypass_policy_lockout_safety_check: MaybeBool,
    /// `tags_all` (which includes the provider's default tags), else `tags`.
    pub tags: MaybeTags,
    /// The arguments of a `data.aws_iam_policy_document` (in `after`: as planned; in
    /// `after_unknown`: which of them are known only after apply).
    pub document: Option<Box<DocumentArgs>>,
}

/// The arguments of `data.aws_iam_policy_document` that shape its JSON, kept as written.
#[derive(Debug, Default, Clone)]
pub struct DocumentArgs {
    pub statement: Option<Box<RawValue>>,
    pub source_policy_documents: Option<Box<RawValue>>,
    pub override_policy_documents: Option<Box<RawValue>>,
    pub source_json: Option<Box<RawValue>>,
    pub override_json: Option<Box<RawValue>>,
    pub version: Option<Box<RawValue>>,
    pub policy_id: Option<Box<RawValue>>,
}

impl PartialEq for DocumentArgs {
    fn eq(&self, o: &Self) -> bool {
        let raw = |a: &Option<Box<RawValue>>| a.as_ref().map(|r| r.get().to_owned());
        raw(&self.statement) == raw(&o.statement)
            && raw(&self.source_policy_documents) == raw(&o.source_policy_documents)
            && raw(&self.override_policy_documents) == raw(&o.override_policy_documents)
            && raw(&self.source_json) == raw(&o.source_json)
            && raw(&self.override_json) == raw(&o.override_json)
            && raw(&self.version) == raw(&o.version)
            && raw(&self.policy_id) == raw(&o.policy_id)
    }
}

impl DocumentArgs {
    /// Whether `key` is an argument [`DocumentArgs`] keeps.
    fn is_arg(key: &str) -> bool {
        matches!(
            key,
            "statement"
                | "source_policy_documents"
                | "override_policy_documents"
                | "source_json"
                | "override_json"
                | "version"
                | "policy_id"
        )
    }

    /// Reads one document argument into its slot; `false` if `key` is not one.
    fn read<'de, A: MapAccess<'de>>(
        slot: &mut Option<Box<DocumentArgs>>,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        let d = slot.get_or_insert_with(Default::default);
        let field = match key {
            "statement" => &mut d.statement,
            "source_policy_documents" => &mut d.source_policy_documents,
            "override_policy_documents" => &mut d.override_policy_documents,
            "source_json" => &mut d.source_json,
            "override_json" => &mut d.override_json,
            "version" => &mut d.version,
            "policy_id" => &mut d.policy_id,
            _ => return Ok(false),
        };
        *field = map.next_value()?;
        Ok(true)
    }
}

/// The empty attribute set.
pub static NO_ATTRS: Attrs<'static> = Attrs {
    arn: MaybeStr(None),
    id: MaybeStr(None),
    key_id: MaybeStr(None),
    name: MaybeStr(None),
    path: MaybeStr(None),
    unique_id: MaybeStr(None),
    policy: MaybeStr(None),
    json: MaybeStr(None),
    account_id: MaybeStr(None),
    partition: MaybeStr(None),
    primary_key_arn: MaybeStr(None),
    permission_set_arn: MaybeStr(None),
    target_id: MaybeStr(None),
    bypass_policy_lockout_safety_check: MaybeBool(None),
    tags: MaybeTags(None),
    document: None,
};

impl<'a> Attrs<'a> {
    /// The resource tags.
    pub fn tags(&self) -> Option<&Tags> {
        self.tags.0.as_ref()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Attrs<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Attrs<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a resource's attributes")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut a = Attrs::default();
                let mut tags_all = false;
                while let Some(k) = map.next_key::<MaybeStr<'de>>()? {
                    let field = match k.as_deref() {
                        Some("arn") => &mut a.arn,
                        Some("id") => &mut a.id,
                        Some("key_id") => &mut a.key_id,
                        Some("name") => &mut a.name,
                        Some("path") => &mut a.path,
                        Some("unique_id") => &mut a.unique_id,
                        Some("policy") => &mut a.policy,
                        Some("json") => &mut a.json,
                        Some("account_id") => &mut a.account_id,
                        Some("partition") => &mut a.partition,
                        Some("primary_key_arn") => &mut a.primary_key_arn,
                        Some("permission_set_arn") => &mut a.permission_set_arn,
                        Some("target_id") => &mut a.target_id,
                        Some("bypass_policy_lockout_safety_check") => {
                            a.bypass_policy_lockout_safety_check = map.next_value()?;
                            continue;
                        }
                        Some("tags_all") => {
                            let t: MaybeTags = map.next_value()?;
                            if t.0.is_some() {
                                a.tags = t;
                                tags_all = true;
                            }
                            continue;
                        }
                        Some("tags") if !tags_all => {
                            a.tags = map.next_value()?;
                            continue;
                        }
                        Some(k) if DocumentArgs::is_arg(k) => {
                            DocumentArgs::read(&mut a.document, k, &mut map)?;
                            continue;
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    *field = map.next_value()?;
                }
                Ok(a)
            }
            ignore_non_objects!(Attrs::default());
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// `after_unknown` flags for the attributes in [`Attrs`]; anything but an object of
/// booleans reads as "nothing unknown".
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Unknowns {
    pub arn: Flag,
    pub key_id: Flag,
    pub id: Flag,
    pub policy: Flag,
    pub json: Flag,
    pub name: Flag,
    pub unique_id: Flag,
    /// A policy document's arguments, as `true` (unknown) / `false` trees.
    pub document: Option<Box<DocumentArgs>>,
}

impl<'de> Deserialize<'de> for Unknowns {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Unknowns;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an after_unknown object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut u = Unknowns::default();
                while let Some(k) = map.next_key::<MaybeStr<'de>>()? {
                    let flag = match k.as_deref() {
                        Some("arn") => &mut u.arn,
                        Some("key_id") => &mut u.key_id,
                        Some("id") => &mut u.id,
                        Some("policy") => &mut u.policy,
                        Some("json") => &mut u.json,
                        Some("name") => &mut u.name,
                        Some("unique_id") => &mut u.unique_id,
                        Some(k) if DocumentArgs::is_arg(k) => {
                            DocumentArgs::read(&mut u.document, k, &mut map)?;
                            continue;
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    *flag = map.next_value()?;
                }
                Ok(u)
            }
            ignore_non_objects!(Unknowns::default());
        }
        d.deserialize_any(V)
    }
}

/// A string that may be absent, null, or of another JSON type (then `None`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MaybeStr<'a>(pub Option<Cow<'a, str>>);

impl<'a> MaybeStr<'a> {
    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
    /// A non-empty string value.
    pub fn non_empty(&self) -> Option<&str> {
        self.0.as_deref().filter(|s| !s.is_empty())
    }
}

/// `true` only for a JSON `true`; anything else (absent, null, other types) is `false`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

/// A boolean that may be absent or of another type.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MaybeBool(pub Option<bool>);

/// A string-to-string map (resource tags); non-string values are skipped.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MaybeTags(pub Option<Tags>);

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

impl<'de: 'a, 'a> Deserialize<'de> for MaybeStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = MaybeStr<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(MaybeStr(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(MaybeStr(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(MaybeStr(Some(Cow::Owned(v))))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                drain_seq(seq)?;
                Ok(MaybeStr(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                drain_map(map)?;
                Ok(MaybeStr(None))
            }
            ignore_other_types!(MaybeStr(None));
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Flag(MaybeBool::deserialize(d)?.0 == Some(true)))
    }
}

impl<'de> Deserialize<'de> for MaybeBool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MaybeBool;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(MaybeBool(Some(v)))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(MaybeBool(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(MaybeBool(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(MaybeBool(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(MaybeBool(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(MaybeBool(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(MaybeBool(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                drain_seq(seq)?;
                Ok(MaybeBool(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                drain_map(map)?;
                Ok(MaybeBool(None))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for MaybeTags {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MaybeTags;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = map.next_key::<MaybeStr>()? {
                    let v = map.next_value::<MaybeStr>()?;
                    if let (Some(k), Some(v)) = (k.0, v.0) {
                        out.push((k, v));
                    }
                }
                Ok(MaybeTags(Some(out.into_iter().collect())))
            }
            ignore_non_objects!(MaybeTags(None));
        }
        d.deserialize_any(V)
    }
}

/// The static configuration, as far as the checks need it: the blocks of keys, key policies
/// and policy documents (every other resource block is skipped as it is read), and for
/// each module its calls, variables and outputs, so that a reference can be followed
/// across modules.
#[derive(Debug, Deserialize, Default)]
pub struct Configuration<'a> {
    #[serde(borrow, default)]
    pub root_module: Option<ConfigModule<'a>>,
}

#[derive(Debug, Deserialize, Default)]
pub struct ConfigModule<'a> {
    #[serde(borrow, default)]
    pub resources: Option<Kept<ConfigResource<'a>>>,
    #[serde(borrow, default)]
    pub module_calls: BTreeMap<Cow<'a, str>, ModuleCall<'a>>,
    #[serde(borrow, default)]
    pub variables: BTreeMap<Cow<'a, str>, Variable>,
    #[serde(borrow, default)]
    pub outputs: BTreeMap<Cow<'a, str>, Output>,
}

impl<'a> ConfigModule<'a> {
    /// The kept resource blocks.
    pub fn resources(&self) -> impl Iterator<Item = &ConfigResource<'a>> {
        self.resources.iter().flatten()
    }

    /// Whether this module or one it calls has a `data.aws_iam_policy_document` block.
    pub fn has_documents(&self) -> bool {
        self.resources().any(|r| r.mode.as_deref() == Some("data"))
            || self
                .module_calls
                .values()
                .any(|c| c.module.as_ref().is_some_and(ConfigModule::has_documents))
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ModuleCall<'a> {
    #[serde(borrow, default)]
    pub source: MaybeStr<'a>,
    /// The call's arguments: input variable name → expression.
    #[serde(default)]
    pub expressions: Option<Box<RawValue>>,
    #[serde(default)]
    pub count_expression: Option<Box<RawValue>>,
    #[serde(default)]
    pub for_each_expression: Option<Box<RawValue>>,
    #[serde(borrow, default)]
    pub module: Option<ConfigModule<'a>>,
}

/// A root module variable's value in a plan.
#[derive(Debug, Deserialize, Default)]
pub struct PlanVariable {
    #[serde(default)]
    pub value: Option<Box<RawValue>>,
}

/// A module's input variable.
#[derive(Debug, Deserialize, Default)]
pub struct Variable {
    #[serde(default)]
    pub default: Option<Box<RawValue>>,
}

/// A module's output.
#[derive(Debug, Deserialize, Default)]
pub struct Output {
    #[serde(default)]
    pub expression: Option<Box<RawValue>>,
}

/// The configuration blocks kmsguard reads: keys, key policies and
/// `data.aws_iam_policy_document`.
pub fn config_type_wanted(mode: Option<&str>, rtype: &str) -> bool {
    if mode == Some("data") {
        rtype == "aws_iam_policy_document"
    } else {
        matches!(
            rtype,
            "aws_kms_key"
                | "aws_kms_replica_key"
                | "aws_kms_external_key"
                | "aws_kms_replica_external_key"
                | "aws_kms_key_policy"
        )
    }
}

/// A resource block of the configuration.
#[derive(Debug, Default)]
pub struct ConfigResource<'a> {
    pub address: Option<Cow<'a, str>>,
    pub mode: Option<Cow<'a, str>>,
    pub rtype: Option<Cow<'a, str>>,
    pub name: Option<Cow<'a, str>>,
    /// The block's attribute expressions, kept as JSON text (kept blocks only).
    pub expressions: Option<Box<RawValue>>,
    pub count_expression: Option<Box<RawValue>>,
    pub for_each_expression: Option<Box<RawValue>>,
}

impl ConfigResource<'_> {
    /// Whether the block is of a type kmsguard reads; a type not known yet counts.
    fn wanted(&self) -> bool {
        self.rtype
            .as_deref()
            .is_none_or(|t| config_type_wanted(self.mode.as_deref(), t))
    }
}

impl Keep for ConfigResource<'_> {
    fn keep(&mut self) -> bool {
        self.rtype.is_some() && self.wanted()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for ConfigResource<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = ConfigResource<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a configuration resource block")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut r = ConfigResource::default();
                while let Some(k) = map.next_key::<MaybeStr<'de>>()? {
                    match k.as_deref() {
                        Some("address") => r.address = map.next_value::<MaybeStr<'a>>()?.0,
                        Some("mode") => r.mode = interned(map.next_value::<MaybeStr<'a>>()?.0),
                        Some("type") => r.rtype = interned(map.next_value::<MaybeStr<'a>>()?.0),
                        Some("name") => r.name = map.next_value::<MaybeStr<'a>>()?.0,
                        Some("expressions") if r.wanted() => r.expressions = map.next_value()?,
                        Some("count_expression") if r.wanted() => {
                            r.count_expression = map.next_value()?
                        }
                        Some("for_each_expression") if r.wanted() => {
                            r.for_each_expression = map.next_value()?
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(r)
            }
            ignore_non_objects!(ConfigResource::default());
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// An expression in the configuration: a constant or the references it makes.
#[derive(Debug, Deserialize, Default)]
pub struct Expression<'a> {
    #[serde(borrow, default)]
    pub references: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow, default)]
    pub constant_value: Option<&'a RawValue>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attrs_tolerate_wrong_types() {
        let a: Attrs = serde_json::from_str(r#"{"arn":5,"name":["x"],"policy":{"a":1},"path":null,"tags":"x","bypass_policy_lockout_safety_check":"yes","unique_id":"AROA1","other":{"deep":[1,2]}}"#)
                .unwrap();
        assert_eq!(a.arn.0, None);
        assert_eq!(a.name.0, None);
        assert_eq!(a.policy.0, None);
        assert_eq!(a.path.0, None);
        assert_eq!(a.tags.0, None);
        assert_eq!(a.bypass_policy_lockout_safety_check.0, None);
        assert_eq!(a.unique_id.as_deref(), Some("AROA1"));
        for not_an_object in ["5", "\"x\"", "[1,{\"arn\":\"a\"}]", "true", "null"] {
            let a: Attrs = serde_json::from_str(not_an_object).unwrap();
            assert_eq!(a, Attrs::default(), "{not_an_object}");
        }
    }

    #[test]
    fn a_repeated_attribute_reads_as_its_last_value() {
        let a: Attrs = serde_json::from_str(r#"{"arn":"a","arn":"b"}"#).unwrap();
        assert_eq!(a.arn.as_deref(), Some("b"));
    }

    #[test]
    fn unknown_flags_are_true_only_for_true() {
        let u: Unknowns =
            serde_json::from_str(r#"{"policy":true,"arn":false,"key_id":{"x":true},"id":[true]}"#)
                .unwrap();
        assert!(u.policy.0);
        assert!(!u.arn.0 && !u.key_id.0 && !u.id.0);
        let u: Unknowns = serde_json::from_str("true").unwrap();
        assert_eq!(u, Unknowns::default());
    }

    #[test]
    fn tags_skip_non_strings_and_prefer_tags_all() {
        let a: Attrs = serde_json::from_str(
            r#"{"tags_all":{"team":"sec","n":1,"nested":{"a":"b"}},"tags":{"x":"y"}}"#,
        )
        .unwrap();
        let t = a.tags().unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t.get_ignore_case("team").unwrap(), "sec");
        let a: Attrs =
            serde_json::from_str(r#"{"tags":{"x":"y"},"tags_all":{"team":"sec"}}"#).unwrap();
        assert_eq!(
            a.tags().unwrap().iter().map(|(k, _)| k).collect::<Vec<_>>(),
            ["team"]
        );
        let a: Attrs = serde_json::from_str(r#"{"tags":{"x":"y"},"tags_all":null}"#).unwrap();
        assert_eq!(
            a.tags().unwrap().iter().map(|(k, _)| k).collect::<Vec<_>>(),
            ["x"]
        );
    }
}
