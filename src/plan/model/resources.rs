//! Resources: the entries of `resource_changes` and the values trees (`planned_values`,
//! `prior_state`, a state's `values`).

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::attrs::{Attrs, Unknowns};
use super::lenient::MaybeStr;
use super::{Keep, KeepIf, Kept, Text, interned, wanted};

impl Keep for ResourceChange<'_> {
    fn keep(&mut self) -> bool {
        if let Some(c) = &mut self.change {
            c.compact();
        }
        wanted(&self.rtype)
    }
}

impl Keep for ValueResource<'_> {
    fn keep(&mut self) -> bool {
        wanted(&self.rtype)
    }
}

/// One entry of `resource_changes`.
#[derive(Debug, Default)]
pub(crate) struct ResourceChange<'a> {
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
pub(crate) struct Change<'a> {
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
    pub(crate) fn after(&self) -> Option<&Attrs<'a>> {
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
pub(crate) struct PlannedValues<'a> {
    #[serde(borrow, default)]
    pub root_module: Option<PlannedModule<'a>>,
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct PlannedModule<'a> {
    #[serde(borrow, default)]
    pub resources: Option<Kept<DataResource<'a>>>,
    #[serde(borrow, default)]
    pub child_modules: Option<Vec<PlannedModule<'a>>>,
}

/// A resource of `planned_values`, kept only if it is a data source.
#[derive(Debug, Default)]
pub(crate) struct DataResource<'a>(pub ValueResource<'a>);

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

/// The addresses of the managed resources `resource_changes` lists (current objects, not
/// deposed ones). `prior_state` comes after `resource_changes` in Terraform's order and
/// repeats each of them: a repeated resource is not kept twice.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Listed<'s>(pub(super) Option<&'s HashSet<&'s str>>);

impl Listed<'_> {
    /// The addresses of `changes` that a values tree repeats.
    pub(super) fn addresses<'r>(changes: &'r [ResourceChange<'_>]) -> HashSet<&'r str> {
        changes
            .iter()
            .filter(|rc| rc.deposed.is_none())
            .filter_map(|rc| rc.address.as_deref())
            .collect()
    }

    fn repeats(&self, r: &ValueResource<'_>) -> bool {
        r.mode.as_deref() != Some("data")
            && self
                .0
                .zip(r.address.as_deref())
                .is_some_and(|(set, a)| set.contains(a))
    }
}

/// `prior_state`: a state document embedded in a plan.
#[derive(Debug, Default)]
pub(crate) struct StateRepr<'a> {
    pub values: Option<Values<'a>>,
}

/// The values representation (`prior_state.values`, state `values`).
#[derive(Debug, Default)]
pub(crate) struct Values<'a> {
    pub root_module: Option<Module<'a>>,
}

#[derive(Debug, Default)]
pub(crate) struct Module<'a> {
    pub address: Option<Cow<'a, str>>,
    pub resources: Option<Kept<ValueResource<'a>>>,
    pub child_modules: Option<Vec<Module<'a>>>,
}

/// Reads an optional value with a seed: `null` is `None`.
pub(super) struct Opt<S>(pub(super) S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Opt<S> {
    type Value = Option<S::Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        struct V<S>(S);
        impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for V<S> {
            type Value = Option<S::Value>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("option")
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                self.0.deserialize(d).map(Some)
            }
        }
        d.deserialize_option(V(self.0))
    }
}

/// Reads one of the structs of a values tree, given what `resource_changes` listed.
pub(super) struct InTree<'s, T>(pub(super) Listed<'s>, PhantomData<T>);

impl<'s, T> InTree<'s, T> {
    pub(super) fn new(listed: Listed<'s>) -> Self {
        InTree(listed, PhantomData)
    }
}

/// Sets a field once; a repeated field is an error, as in a derived `Deserialize`.
macro_rules! once {
    ($slot:expr, $name:literal, $value:expr) => {{
        if $slot.is_some() {
            return Err(de::Error::duplicate_field($name));
        }
        $slot = $value;
    }};
}

/// Implements a values-tree struct's reading: `$body` reads one field of `$map` with
/// `$listed` and returns `true`, or `false` for a field it does not read.
macro_rules! tree_struct {
    ($ty:ident, $name:literal, |$out:ident, $key:ident, $map:ident, $listed:ident| $body:block) => {
        impl<'de: 'a, 'a> DeserializeSeed<'de> for InTree<'_, $ty<'a>> {
            type Value = $ty<'a>;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                struct V<'s, 'a>(Listed<'s>, PhantomData<&'a ()>);
                impl<'de: 'a, 'a> Visitor<'de> for V<'_, 'a> {
                    type Value = $ty<'a>;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str(concat!("struct ", $name))
                    }
                    fn visit_map<A: MapAccess<'de>>(
                        self,
                        mut $map: A,
                    ) -> Result<Self::Value, A::Error> {
                        let $listed = self.0;
                        let mut $out = $ty::default();
                        while let Some($key) = $map.next_key::<Text<'de>>()? {
                            let read: bool = $body;
                            if !read {
                                $map.next_value::<IgnoredAny>()?;
                            }
                        }
                        Ok($out)
                    }
                }
                d.deserialize_struct($name, &[], V(self.0, PhantomData))
            }
        }

        impl<'de: 'a, 'a> Deserialize<'de> for $ty<'a> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                InTree::<$ty<'a>>::new(Listed::default()).deserialize(d)
            }
        }
    };
}

tree_struct!(StateRepr, "StateRepr", |out, key, map, listed| {
    match &*key.0 {
        "values" => {
            once!(
                out.values,
                "values",
                map.next_value_seed(Opt(InTree::<Values<'_>>::new(listed)))?
            );
            true
        }
        _ => false,
    }
});

tree_struct!(Values, "Values", |out, key, map, listed| {
    match &*key.0 {
        "root_module" => {
            once!(
                out.root_module,
                "root_module",
                map.next_value_seed(Opt(InTree::<Module<'_>>::new(listed)))?
            );
            true
        }
        _ => false,
    }
});

tree_struct!(Module, "Module", |out, key, map, listed| {
    match &*key.0 {
        "address" => {
            once!(
                out.address,
                "address",
                map.next_value::<Option<Text<'a>>>()?.map(|t| t.0)
            );
            true
        }
        "resources" => {
            let keep = move |r: &mut ValueResource<'_>| r.keep() && !listed.repeats(r);
            once!(
                out.resources,
                "resources",
                map.next_value_seed(Opt(KeepIf::new(keep)))?
            );
            true
        }
        "child_modules" => {
            once!(
                out.child_modules,
                "child_modules",
                map.next_value_seed(Opt(Modules(listed, PhantomData)))?
            );
            true
        }
        _ => false,
    }
});

/// A module's `child_modules`.
struct Modules<'s, 'a>(Listed<'s>, PhantomData<&'a ()>);

impl<'de: 'a, 'a> DeserializeSeed<'de> for Modules<'_, 'a> {
    type Value = Vec<Module<'a>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        struct V<'s, 'a>(Listed<'s>, PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'_, 'a> {
            type Value = Vec<Module<'a>>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(m) = seq.next_element_seed(InTree::<Module<'a>>::new(self.0))? {
                    out.push(m);
                }
                Ok(out)
            }
        }
        d.deserialize_seq(V(self.0, PhantomData))
    }
}

#[derive(Debug, Default)]
pub(crate) struct ValueResource<'a> {
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
