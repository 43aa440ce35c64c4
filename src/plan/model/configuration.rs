//! The `configuration` of a plan: the blocks of keys, key policies and policy documents, and
//! each module's calls, variables and outputs.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::lenient::MaybeStr;
use super::{Keep, Kept, interned};
use crate::plan::address::Mode;
use crate::plan::kind::ResourceKind;

/// Whether a configuration block of this mode and type is one kmsguard keeps.
fn in_configuration(mode: Option<&str>, rtype: &str) -> bool {
    let mode = if mode == Some("data") {
        Mode::Data
    } else {
        Mode::Managed
    };
    ResourceKind::of(mode, rtype).is_some_and(ResourceKind::in_configuration)
}

/// The static configuration, as far as the checks need it: the blocks of keys, key policies
/// and policy documents (every other resource block is skipped as it is read), and for
/// each module its calls, variables and outputs, so that a reference can be followed
/// across modules.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct Configuration<'a> {
    #[serde(borrow, default)]
    pub root_module: Option<ConfigModule<'a>>,
    /// The provider configurations, for the region a key's requests go to.
    #[serde(borrow, default)]
    pub provider_config: Option<BTreeMap<Cow<'a, str>, ProviderConfig<'a>>>,
}

/// One provider configuration: its name (`aws`) and, when it is a constant, its region.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct ProviderConfig<'a> {
    #[serde(borrow, default)]
    pub name: Option<MaybeStr<'a>>,
    #[serde(borrow, default)]
    pub expressions: Option<ProviderExpressions<'a>>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct ProviderExpressions<'a> {
    #[serde(borrow, default)]
    pub region: Option<ConstantExpression<'a>>,
}

/// An expression of which only a constant string value is read (owned when streaming).
#[derive(Debug, Deserialize, Default)]
pub(crate) struct ConstantExpression<'a> {
    #[serde(borrow, default)]
    pub constant_value: Option<MaybeStr<'a>>,
}

impl Configuration<'_> {
    /// The region of the `aws` provider, when every `aws` provider configuration sets the same
    /// constant region.
    pub(crate) fn aws_region(&self) -> Option<String> {
        let mut region: Option<String> = None;
        for p in self.provider_config.as_ref()?.values() {
            if p.name.as_ref().and_then(|n| n.as_deref()) != Some("aws") {
                continue;
            }
            let r = p
                .expressions
                .as_ref()
                .and_then(|e| e.region.as_ref())
                .and_then(|e| e.constant_value.as_ref())
                .and_then(|v| v.non_empty())?
                .to_owned();
            match &region {
                Some(prev) if *prev != r => return None,
                _ => region = Some(r),
            }
        }
        region
    }
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct ConfigModule<'a> {
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
    pub(crate) fn resources(&self) -> impl Iterator<Item = &ConfigResource<'a>> {
        self.resources.iter().flatten()
    }

    /// Whether this module or one it calls has a `data.aws_iam_policy_document` block.
    pub(crate) fn has_documents(&self) -> bool {
        self.resources().any(|r| r.mode.as_deref() == Some("data"))
            || self
                .module_calls
                .values()
                .any(|c| c.module.as_ref().is_some_and(ConfigModule::has_documents))
    }
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct ModuleCall<'a> {
    /// The call's arguments: input variable name → expression.
    #[serde(default)]
    pub expressions: Option<Box<RawValue>>,
    #[serde(borrow, default)]
    pub module: Option<ConfigModule<'a>>,
}

/// A module's input variable.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct Variable {
    /// `None` when the variable has no default; `Some("null")` for `default = null`.
    #[serde(default, deserialize_with = "present")]
    pub default: Option<Box<RawValue>>,
}

/// A value that is present, `null` included (`Option` alone reads `null` as absent).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<RawValue>>, D::Error> {
    Box::<RawValue>::deserialize(d).map(Some)
}

/// A module's output.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct Output {
    #[serde(default)]
    pub expression: Option<Box<RawValue>>,
}

/// A resource block of the configuration.
#[derive(Debug, Default)]
pub(crate) struct ConfigResource<'a> {
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
            .is_none_or(|t| in_configuration(self.mode.as_deref(), t))
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
pub(crate) struct Expression<'a> {
    #[serde(borrow, default)]
    pub references: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow, default)]
    pub constant_value: Option<&'a RawValue>,
}
