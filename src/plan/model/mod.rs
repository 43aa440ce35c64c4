//! A lenient, selective serde model of `terraform show -json` (plan and state).
//!
//! Only the fields the checks need are named; every other key is skipped by serde
//! without being materialised. Resources of types kmsguard does not read are dropped as
//! they are scanned ([`Kept`]); for the others, the attributes kmsguard reads are decoded
//! as they are scanned ([`Attrs`]). So the bulk of a large plan is scanned once and never
//! copied, and the same model reads from a buffer or streams from a file (`--low-memory`).
//!
//! - [`lenient`]: scalars that read as absent when they have an unexpected JSON type;
//! - [`attrs`]: a resource's attributes and `after_unknown` flags;
//! - [`resources`]: `resource_changes` and the values trees;
//! - [`configuration`]: the `configuration` tree.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::plan::kind::ResourceKind;

/// Implements the visitor methods that swallow a value of an unexpected type.
macro_rules! ignore_other_types {
    ($out:expr) => {
        fn visit_bool<E: ::serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_i64<E: ::serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_u64<E: ::serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_f64<E: ::serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_unit<E: ::serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_none<E: ::serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok($out)
        }
    };
}

/// Implements the visitor methods of a type read from a JSON object that swallow any other
/// value (a list, a string, a scalar) as `$out`.
macro_rules! ignore_non_objects {
    ($out:expr) => {
        fn visit_seq<A: ::serde::de::SeqAccess<'de>>(
            self,
            seq: A,
        ) -> Result<Self::Value, A::Error> {
            super::lenient::drain_seq(seq)?;
            Ok($out)
        }
        fn visit_str<E: ::serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($out)
        }
        ignore_other_types!($out);
    };
}

pub(crate) mod attrs;
pub(crate) mod configuration;
pub(crate) mod lenient;
pub(crate) mod resources;

pub(crate) use attrs::{Attrs, DocumentArgs, NO_ATTRS, Unknowns};
pub(crate) use configuration::{Configuration, Expression};
pub(crate) use lenient::{Flag, MaybeStr};
use resources::{InTree, Listed, Opt};
pub(crate) use resources::{PlannedValues, ResourceChange, StateRepr, ValueResource, Values};

/// The top level of a `show -json` document, plan or state.
#[derive(Debug, Default)]
pub(crate) struct RawDocument<'a> {
    pub format_version: Option<Cow<'a, str>>,
    pub terraform_version: Option<MaybeStr<'a>>,
    pub resource_changes: Option<Kept<ResourceChange<'a>>>,
    pub prior_state: Option<StateRepr<'a>>,
    /// Only its data sources are kept: every managed resource it lists is also in
    /// `resource_changes` (or, for a refresh-only plan, in `prior_state`).
    pub planned_values: Option<PlannedValues<'a>>,
    /// Present in a state document only.
    pub values: Option<Values<'a>>,
    pub configuration: Option<Configuration<'a>>,
    /// The root module's input variable values (plans only).
    pub variables: Option<BTreeMap<String, PlanVariable>>,
    pub errored: Option<Flag>,
    /// When the plan was made (plan format 1.2 and later).
    pub timestamp: Option<MaybeStr<'a>>,
    // Keys that only look-alike documents have; used to refuse them with a useful message.
    pub output_changes: Option<IgnoredAny>,
    pub plan_format_version: Option<IgnoredAny>,
    pub provider_schemas: Option<IgnoredAny>,
    pub lineage: Option<IgnoredAny>,
    pub serial: Option<IgnoredAny>,
    /// The members of a live document (docs/audit.md), kept unread until it is recognised.
    pub live: LiveParts,
}

/// The top-level members of a live document, as the plan reader met them.
#[derive(Debug, Default)]
pub(crate) struct LiveParts {
    pub(crate) user_detail_list: Option<Box<RawValue>>,
    pub(crate) group_detail_list: Option<Box<RawValue>>,
    pub(crate) role_detail_list: Option<Box<RawValue>>,
    pub(crate) policies: Option<Box<RawValue>>,
    pub(crate) keys: Option<Box<RawValue>>,
}

impl LiveParts {
    pub(crate) fn is_account(&self) -> bool {
        self.user_detail_list.is_some()
            || self.role_detail_list.is_some()
            || self.group_detail_list.is_some()
    }
}

/// A root module variable's value in a plan.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct PlanVariable {
    #[serde(default)]
    pub value: Option<Box<RawValue>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for RawDocument<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = RawDocument<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("struct RawDocument")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut doc = RawDocument::default();
                macro_rules! field {
                    ($($slot:ident).+, $value:expr) => {{
                        if doc.$($slot).+.is_some() {
                            return Err(de::Error::duplicate_field(stringify!($($slot).+)));
                        }
                        doc.$($slot).+ = $value;
                    }};
                }
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    match &*key.0 {
                        "format_version" => {
                            field!(
                                format_version,
                                map.next_value::<Option<Text<'a>>>()?.map(|t| t.0)
                            )
                        }
                        "terraform_version" => field!(terraform_version, map.next_value()?),
                        "resource_changes" => field!(resource_changes, map.next_value()?),
                        "prior_state" => {
                            // The managed resources `resource_changes` listed are not kept a
                            // second time from `prior_state` (which comes after it).
                            let listed = doc
                                .resource_changes
                                .as_ref()
                                .map(|rc| Listed::addresses(&rc.0))
                                .unwrap_or_default();
                            let seed = Opt(InTree::<StateRepr<'a>>::new(Listed(Some(&listed))));
                            field!(prior_state, map.next_value_seed(seed)?)
                        }
                        "planned_values" => field!(planned_values, map.next_value()?),
                        "values" => field!(values, map.next_value()?),
                        "configuration" => field!(configuration, map.next_value()?),
                        "variables" => field!(variables, map.next_value()?),
                        "errored" => field!(errored, map.next_value()?),
                        "timestamp" => field!(timestamp, map.next_value()?),
                        "output_changes" => field!(output_changes, map.next_value()?),
                        "plan_format_version" => field!(plan_format_version, map.next_value()?),
                        "provider_schemas" => field!(provider_schemas, map.next_value()?),
                        "lineage" => field!(lineage, map.next_value()?),
                        "serial" => field!(serial, map.next_value()?),
                        "UserDetailList" => field!(live.user_detail_list, map.next_value()?),
                        "GroupDetailList" => field!(live.group_detail_list, map.next_value()?),
                        "RoleDetailList" => field!(live.role_detail_list, map.next_value()?),
                        "Policies" => field!(live.policies, map.next_value()?),
                        "Keys" => field!(live.keys, map.next_value()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(doc)
            }
        }
        d.deserialize_struct("RawDocument", &[], V(PhantomData))
    }
}

/// A string, borrowed from the input when it has no escapes.
#[derive(Debug)]
pub(crate) struct Text<'a>(pub(crate) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V(PhantomData))
    }
}

/// Whether a resource's payload is needed: its type is read, or not known yet (a document
/// that writes `type` after the payload is still read in full). The `change` (in
/// `resource_changes`) or `values` (in a values tree) of every other resource is skipped as
/// it is scanned, not kept as a raw slice: a plan is mostly filler, and this is what keeps
/// the parse near the cost of reading the JSON at all.
fn wanted(rtype: &Option<Cow<'_, str>>) -> bool {
    rtype.as_deref().is_none_or(ResourceKind::read)
}

/// A mode or a type kmsguard reads, shared rather than copied per resource when the document
/// is streamed.
fn interned(s: Option<Cow<'_, str>>) -> Option<Cow<'_, str>> {
    match s {
        Some(Cow::Owned(o)) => Some(
            match ["managed", "data"]
                .into_iter()
                .find(|m| *m == o)
                .or_else(|| ResourceKind::interned(&o))
            {
                Some(i) => Cow::Borrowed(i),
                None => Cow::Owned(o),
            },
        ),
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
        KeepIf::new(|x: &mut T| x.keep()).deserialize(d)
    }
}

/// Reads a list, keeping the elements a predicate accepts (which may also shrink them).
pub(crate) struct KeepIf<T, F>(F, PhantomData<T>);

impl<T, F> KeepIf<T, F> {
    pub(crate) fn new(keep: F) -> Self {
        KeepIf(keep, PhantomData)
    }
}

impl<'de, T: Deserialize<'de>, F: FnMut(&mut T) -> bool> DeserializeSeed<'de> for KeepIf<T, F> {
    type Value = Kept<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        struct V<T, F>(F, PhantomData<T>);
        impl<'de, T: Deserialize<'de>, F: FnMut(&mut T) -> bool> Visitor<'de> for V<T, F> {
            type Value = Kept<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(mut x) = seq.next_element::<T>()? {
                    if (self.0)(&mut x) {
                        out.push(x);
                    }
                }
                out.shrink_to_fit();
                Ok(Kept(out))
            }
        }
        d.deserialize_seq(V(self.0, PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prior_state_addresses(doc: &str) -> Vec<String> {
        let d: RawDocument = serde_json::from_str(doc).unwrap();
        let m = d.prior_state.unwrap().values.unwrap().root_module.unwrap();
        let mut out: Vec<String> = m
            .resources
            .iter()
            .flatten()
            .filter_map(|r| r.address.as_deref().map(str::to_owned))
            .collect();
        for c in m.child_modules.iter().flatten() {
            out.extend(
                c.resources
                    .iter()
                    .flatten()
                    .filter_map(|r| r.address.as_deref().map(str::to_owned)),
            );
        }
        out
    }

    const ROLE: &str = r#"{"address":"aws_iam_role.r","mode":"managed","type":"aws_iam_role","name":"r","values":{}}"#;
    const CHILD_ROLE: &str = r#"{"address":"module.m.aws_iam_role.r","mode":"managed","type":"aws_iam_role","name":"r","values":{}}"#;
    const DATA_ROLE: &str = r#"{"address":"data.aws_iam_role.r","mode":"data","type":"aws_iam_role","name":"r","values":{}}"#;

    #[test]
    fn prior_state_does_not_repeat_what_resource_changes_listed() {
        let doc = format!(
            r#"{{"resource_changes":[
                {{"address":"aws_iam_role.r","type":"aws_iam_role","change":{{"actions":["no-op"]}}}},
                {{"address":"module.m.aws_iam_role.r","type":"aws_iam_role","change":{{"actions":["no-op"]}}}},
                {{"address":"data.aws_iam_role.r","mode":"data","type":"aws_iam_role","change":{{"actions":["read"]}}}}],
              "prior_state":{{"values":{{"root_module":{{"resources":[{ROLE},{DATA_ROLE}],
                 "child_modules":[{{"address":"module.m","resources":[{CHILD_ROLE}]}}]}}}}}}}}"#
        );
        assert_eq!(
            prior_state_addresses(&doc),
            ["data.aws_iam_role.r"],
            "managed resources are not kept twice, data sources are"
        );
    }

    #[test]
    fn a_deposed_change_does_not_hide_the_current_object() {
        let doc = format!(
            r#"{{"resource_changes":[{{"address":"aws_iam_role.r","type":"aws_iam_role","deposed":"00000001","change":{{"actions":["delete"]}}}}],
              "prior_state":{{"values":{{"root_module":{{"resources":[{ROLE}]}}}}}}}}"#
        );
        assert_eq!(prior_state_addresses(&doc), ["aws_iam_role.r"]);
    }

    #[test]
    fn prior_state_before_resource_changes_is_kept_whole() {
        let doc = format!(
            r#"{{"prior_state":{{"values":{{"root_module":{{"resources":[{ROLE}]}}}}}},
              "resource_changes":[{{"address":"aws_iam_role.r","type":"aws_iam_role","change":{{"actions":["no-op"]}}}}]}}"#
        );
        assert_eq!(prior_state_addresses(&doc), ["aws_iam_role.r"]);
    }

    #[test]
    fn a_repeated_top_level_key_is_an_error() {
        let e = serde_json::from_str::<RawDocument>(
            r#"{"format_version":"1.2","format_version":"1.2"}"#,
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("duplicate field `format_version`"),
            "{e}"
        );
        let e = serde_json::from_str::<RawDocument>(r#"{"prior_state":{"values":{},"values":{}}}"#)
            .unwrap_err();
        assert!(e.to_string().contains("duplicate field `values`"), "{e}");
    }

    #[test]
    fn values_trees_read_null_as_absent_and_refuse_other_types() {
        let d: RawDocument = serde_json::from_str(
            r#"{"prior_state":{"values":null},"values":{"root_module":null}}"#,
        )
        .unwrap();
        assert!(d.prior_state.unwrap().values.is_none());
        assert!(d.values.unwrap().root_module.is_none());
        for bad in [
            r#"{"prior_state":"x"}"#,
            r#"{"values":{"root_module":5}}"#,
            r#"{"values":{"root_module":{"child_modules":{}}}}"#,
            r#"{"format_version":1}"#,
        ] {
            assert!(serde_json::from_str::<RawDocument>(bad).is_err(), "{bad}");
        }
    }
}
