//! The attributes kmsguard reads from a resource's `before`, `after` or `values` object, and
//! the `after_unknown` flags for them.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::lenient::{Flag, MaybeBool, MaybeStr, MaybeTags};
use crate::policy::tags::Tags;

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
    /// A key's attributes that KMS condition keys read.
    pub customer_master_key_spec: MaybeStr<'a>,
    pub key_spec: MaybeStr<'a>,
    pub key_usage: MaybeStr<'a>,
    pub custom_key_store_id: MaybeStr<'a>,
    pub xks_key_id: MaybeStr<'a>,
    pub multi_region: MaybeBool,
    /// The resource's own `region` argument (provider v6).
    pub region: MaybeStr<'a>,
    /// A role's or user's permissions boundary (a policy ARN; empty when none).
    pub permissions_boundary: MaybeStr<'a>,
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
pub(crate) static NO_ATTRS: Attrs<'static> = Attrs {
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
    customer_master_key_spec: MaybeStr(None),
    key_spec: MaybeStr(None),
    key_usage: MaybeStr(None),
    custom_key_store_id: MaybeStr(None),
    xks_key_id: MaybeStr(None),
    multi_region: MaybeBool(None),
    region: MaybeStr(None),
    permissions_boundary: MaybeStr(None),
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
                        Some("customer_master_key_spec") => &mut a.customer_master_key_spec,
                        Some("key_spec") => &mut a.key_spec,
                        Some("key_usage") => &mut a.key_usage,
                        Some("custom_key_store_id") => &mut a.custom_key_store_id,
                        Some("xks_key_id") => &mut a.xks_key_id,
                        Some("region") => &mut a.region,
                        Some("permissions_boundary") => &mut a.permissions_boundary,
                        Some("bypass_policy_lockout_safety_check") => {
                            a.bypass_policy_lockout_safety_check = map.next_value()?;
                            continue;
                        }
                        Some("multi_region") => {
                            a.multi_region = map.next_value()?;
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
