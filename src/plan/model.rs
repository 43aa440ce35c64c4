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
    #[serde(default)]
    pub configuration: Option<Box<RawValue>>,
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
];

/// Whether a resource's payload is needed: its type is read, or not known yet (a document
/// that writes `type` after the payload is still read in full).
fn wanted(rtype: &Option<Cow<'_, str>>) -> bool {
    rtype.as_deref().is_none_or(|t| READ_TYPES.contains(&t))
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
                        Some("mode") => rc.mode = map.next_value::<MaybeStr<'a>>()?.0,
                        Some("type") => rc.rtype = map.next_value::<MaybeStr<'a>>()?.0,
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
    #[serde(default)]
    pub before: Option<Box<RawValue>>,
    /// `None` also when it is the same as `before` (see [`Change::after_is_before`]).
    #[serde(default)]
    pub after: Option<Box<RawValue>>,
    #[serde(default)]
    pub after_unknown: Option<Box<RawValue>>,
    /// `after` was the same text as `before` and is not kept twice.
    #[serde(skip)]
    pub after_is_before: bool,
}

impl Change<'_> {
    /// The attributes after the change.
    pub fn after(&self) -> Option<&RawValue> {
        if self.after_is_before {
            self.before.as_deref()
        } else {
            self.after.as_deref()
        }
    }

    /// Drops `after` when it repeats `before` (most changes are no-ops).
    fn compact(&mut self) {
        if let (Some(b), Some(a)) = (&self.before, &self.after) {
            if a.get() == b.get() {
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
    pub values: Option<Box<RawValue>>,
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
                        Some("mode") => r.mode = map.next_value::<MaybeStr<'a>>()?.0,
                        Some("type") => r.rtype = map.next_value::<MaybeStr<'a>>()?.0,
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

/// The attributes kmsguard reads from a resource's `before` / `after` / `values` object.
/// Every field is optional and tolerant of a wrong JSON type (it then reads as absent).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct Attrs<'a> {
    #[serde(borrow, default)]
    pub arn: MaybeStr<'a>,
    #[serde(borrow, default)]
    pub id: MaybeStr<'a>,
    #[serde(borrow, default)]
    pub key_id: MaybeStr<'a>,
    #[serde(borrow, default)]
    pub name: MaybeStr<'a>,
    #[serde(borrow, default)]
    pub path: MaybeStr<'a>,
    #[serde(borrow, default)]
    pub unique_id: MaybeStr<'a>,
    #[serde(borrow, default)]
    pub policy: MaybeStr<'a>,
    #[serde(borrow, default)]
    pub account_id: MaybeStr<'a>,
    #[serde(borrow, default)]
    pub primary_key_arn: MaybeStr<'a>,
    #[serde(borrow, default)]
    pub permission_set_arn: MaybeStr<'a>,
    #[serde(borrow, default)]
    pub target_id: MaybeStr<'a>,
    #[serde(default)]
    pub bypass_policy_lockout_safety_check: MaybeBool,
    #[serde(default)]
    pub tags: MaybeTags,
    #[serde(default)]
    pub tags_all: MaybeTags,
}

impl<'a> Attrs<'a> {
    /// Decodes the attributes of one resource object. Anything that is not an object
    /// (null, a wrong type, bad JSON) yields empty attributes.
    pub fn from_raw(raw: Option<&'a RawValue>) -> Attrs<'a> {
        raw.and_then(|r| serde_json::from_str::<Attrs<'a>>(r.get()).ok())
            .unwrap_or_default()
    }

    /// The resource tags, preferring `tags_all` (which includes provider default tags).
    pub fn tags(&self) -> Option<&BTreeMap<String, String>> {
        self.tags_all.0.as_ref().or(self.tags.0.as_ref())
    }
}

/// `after_unknown` flags for the attributes in [`Attrs`].
#[derive(Debug, Deserialize, Default, Clone, Copy)]
pub struct Unknowns {
    #[serde(default)]
    pub arn: Flag,
    #[serde(default)]
    pub key_id: Flag,
    #[serde(default)]
    pub id: Flag,
    #[serde(default)]
    pub policy: Flag,
    #[serde(default)]
    pub name: Flag,
    #[serde(default)]
    pub unique_id: Flag,
}

impl Unknowns {
    pub fn from_raw(raw: Option<&RawValue>) -> Unknowns {
        raw.and_then(|r| serde_json::from_str::<Unknowns>(r.get()).ok())
            .unwrap_or_default()
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
pub struct MaybeTags(pub Option<BTreeMap<String, String>>);

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

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
                let mut out = BTreeMap::new();
                while let Some(k) = map.next_key::<String>()? {
                    if let Some(v) = map.next_value::<MaybeStr>()?.0 {
                        out.insert(k, v.into_owned());
                    }
                }
                Ok(MaybeTags(Some(out)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                drain_seq(seq)?;
                Ok(MaybeTags(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(MaybeTags(None))
            }
            ignore_other_types!(MaybeTags(None));
        }
        d.deserialize_any(V)
    }
}

/// The static configuration (only what linking keys to policies needs).
#[derive(Debug, Deserialize, Default)]
pub struct Configuration<'a> {
    #[serde(borrow, default)]
    pub root_module: Option<ConfigModule<'a>>,
}

#[derive(Debug, Deserialize, Default)]
pub struct ConfigModule<'a> {
    #[serde(borrow, default)]
    pub resources: Vec<ConfigResource<'a>>,
    #[serde(borrow, default)]
    pub module_calls: BTreeMap<Cow<'a, str>, ModuleCall<'a>>,
}

#[derive(Debug, Deserialize, Default)]
pub struct ModuleCall<'a> {
    #[serde(borrow, default)]
    pub module: Option<ConfigModule<'a>>,
}

#[derive(Debug, Deserialize)]
pub struct ConfigResource<'a> {
    #[serde(borrow, default)]
    pub address: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub mode: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "type", default)]
    pub rtype: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
    /// The block's attribute expressions, decoded only for the resources that need them.
    #[serde(borrow, default)]
    pub expressions: Option<&'a RawValue>,
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
        let raw: &RawValue =
            serde_json::from_str(r#"{"arn":5,"name":["x"],"policy":{"a":1},"path":null,"tags":"x","bypass_policy_lockout_safety_check":"yes","unique_id":"AROA1"}"#)
                .unwrap();
        let a = Attrs::from_raw(Some(raw));
        assert_eq!(a.arn.0, None);
        assert_eq!(a.name.0, None);
        assert_eq!(a.policy.0, None);
        assert_eq!(a.path.0, None);
        assert_eq!(a.tags.0, None);
        assert_eq!(a.bypass_policy_lockout_safety_check.0, None);
        assert_eq!(a.unique_id.as_deref(), Some("AROA1"));
    }

    #[test]
    fn unknown_flags_are_true_only_for_true() {
        let raw: &RawValue =
            serde_json::from_str(r#"{"policy":true,"arn":false,"key_id":{"x":true},"id":[true]}"#)
                .unwrap();
        let u = Unknowns::from_raw(Some(raw));
        assert!(u.policy.0);
        assert!(!u.arn.0 && !u.key_id.0 && !u.id.0);
    }

    #[test]
    fn tags_skip_non_strings() {
        let raw: &RawValue =
            serde_json::from_str(r#"{"tags_all":{"team":"sec","n":1,"nested":{"a":"b"}}}"#)
                .unwrap();
        let a = Attrs::from_raw(Some(raw));
        let t = a.tags().unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t["team"], "sec");
    }
}
