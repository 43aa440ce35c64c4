//! Step 3 of the pipeline: the policy that governs each key before and after the apply.
//!
//! For each key and phase, one [`EffectivePolicy`] says what the policy is and where it comes
//! from: the text the plan or state shows (the key's own `policy`, or its
//! `aws_kms_key_policy`'s); the provider's default key policy; a policy the plan shows only as
//! "known after apply", rebuilt from the plan's policy documents ([`documents`]) or evaluated
//! from the Terraform source ([`source`]); or unknown, with the reason.

mod documents;
mod source;

use std::borrow::Cow;
use std::collections::HashMap;

use documents::Resolver;

use crate::inventory::{DataSource, Inventory, Key, Lifecycle, Planned, Principal};
use crate::plan::configuration::{Block, ConfigIndex, Configs};
use crate::plan::reference::most_general;
use crate::tfsource::config::Config;

/// Where a rebuilt policy came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rebuilt {
    /// The rendered JSON of a policy document read during the plan.
    DataSource,
    /// A policy document read at apply time, rebuilt from its planned arguments and the
    /// configuration's references.
    Configuration,
    /// Evaluated from the Terraform source.
    HclSource,
}

/// How a policy the plan does not show as text was rebuilt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rebuild {
    pub from: Rebuilt,
    /// What it was built from, for people: `data.aws_iam_policy_document.kms (read at apply)`.
    pub detail: String,
    /// What the placeholders stand for, one line each.
    pub placeholders: Vec<String>,
    /// The values the plan did not show that kmsguard filled in, and where each comes from:
    /// `arn:aws:iam::111122223333:role/kms-admin = aws_iam_role.kms_admin.arn (replaced by this plan)`.
    pub symbolic: Vec<String>,
}

/// Where a known policy's text comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// As the plan or state shows it.
    Literal,
    /// Rebuilt by kmsguard; may hold placeholders for values that stay unknown.
    Rebuilt(Rebuild),
}

/// The policy that governs a key in one phase, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EffectivePolicy<'a> {
    /// The policy JSON.
    Known {
        text: Cow<'a, str>,
        origin: Origin,
        /// The `aws_kms_key_policy` that sets it.
        via: Option<String>,
    },
    /// The provider's default key policy (the account principal with `kms:*`): a key
    /// created without a `policy`, or an `aws_kms_key_policy` destroyed without bypass.
    Default { reason: String },
    /// Not known at plan time.
    Unknown { reason: String },
    /// The key does not exist in this phase.
    Absent,
}

impl EffectivePolicy<'_> {
    /// The policy JSON, when it is known or rebuilt.
    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            EffectivePolicy::Known { text, .. } => Some(text),
            _ => None,
        }
    }

    /// How it was rebuilt, if it was.
    pub(crate) fn rebuild(&self) -> Option<&Rebuild> {
        match self {
            EffectivePolicy::Known {
                origin: Origin::Rebuilt(r),
                ..
            } => Some(r),
            _ => None,
        }
    }
}

/// Where the policy that governs a key in one phase comes from, as reports name it
/// (`policy_source` in the JSON report): [`EffectivePolicy`] flattened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    /// The policy JSON is in the plan or state.
    Literal,
    /// The rendered JSON of a `data.aws_iam_policy_document` read during the plan.
    DataSource,
    /// Rebuilt from a policy document read at apply time: its planned arguments and the
    /// configuration's references.
    Configuration,
    /// Evaluated from the Terraform source (`--config-dir`).
    HclSource,
    /// The provider's or KMS's default key policy applies.
    Default,
    /// Not known at plan time.
    Unresolved,
    /// The key does not exist in this phase.
    None,
}

impl PolicyKind {
    /// The plan shows the policy only as "known after apply"; kmsguard rebuilt it.
    pub(crate) fn rebuilt(self) -> bool {
        matches!(self, PolicyKind::Configuration | PolicyKind::HclSource)
    }
}

impl EffectivePolicy<'_> {
    pub(crate) fn kind(&self) -> PolicyKind {
        match self {
            EffectivePolicy::Known {
                origin: Origin::Literal,
                ..
            } => PolicyKind::Literal,
            EffectivePolicy::Known {
                origin: Origin::Rebuilt(r),
                ..
            } => match r.from {
                Rebuilt::DataSource => PolicyKind::DataSource,
                Rebuilt::Configuration => PolicyKind::Configuration,
                Rebuilt::HclSource => PolicyKind::HclSource,
            },
            EffectivePolicy::Default { .. } => PolicyKind::Default,
            EffectivePolicy::Unknown { .. } => PolicyKind::Unresolved,
            EffectivePolicy::Absent => PolicyKind::None,
        }
    }

    /// How the policy was obtained, in words, when the plan does not show it as text.
    pub(crate) fn note(&self) -> Option<String> {
        match self {
            EffectivePolicy::Known {
                origin: Origin::Rebuilt(r),
                ..
            } => Some(match r.from {
                Rebuilt::DataSource => format!("taken from {}", r.detail),
                Rebuilt::HclSource => format!("evaluated from {}", r.detail),
                Rebuilt::Configuration => format!("rebuilt from {}", r.detail),
            }),
            EffectivePolicy::Default { reason } | EffectivePolicy::Unknown { reason } => {
                Some(reason.clone())
            }
            EffectivePolicy::Known { .. } | EffectivePolicy::Absent => None,
        }
    }

    /// The `aws_kms_key_policy` that sets it.
    pub(crate) fn resource(&self) -> Option<&str> {
        match self {
            EffectivePolicy::Known { via, .. } => via.as_deref(),
            _ => None,
        }
    }
}

/// A key's policy before and after the apply.
#[derive(Debug, Clone)]
pub(crate) struct KeyPolicies<'a> {
    pub before: EffectivePolicy<'a>,
    pub after: EffectivePolicy<'a>,
    /// A live keys document shows another policy than the plan or state does: the one the
    /// key has today, which the before phase uses (docs/audit.md).
    pub drift: bool,
}

/// Decides the policy of every key of the inventory (in its order), with the plans'
/// configurations and, when given, the Terraform source.
pub(crate) fn policies<'a>(
    inv: &Inventory<'a>,
    configs: &Configs,
    sources: &[Option<&Config>],
) -> Vec<KeyPolicies<'a>> {
    let world = World::new(inv, configs);
    let mut out: Vec<KeyPolicies<'a>> = inv
        .keys
        .iter()
        .map(|k| live(k, key_before(k), key_after(k, &world)))
        .collect();
    if sources.iter().any(Option::is_some) {
        source::refine(inv, &mut out, sources);
    }
    out
}

/// What a live keys document says about a key's policy: for a live key whose policy could
/// not be read, unknown with the collector's error; for a key a plan or state also shows, the
/// policy it has today when that differs (drift) — before the apply, and after it too unless
/// the apply writes the policy.
fn live<'a>(
    k: &Key<'a>,
    before: EffectivePolicy<'a>,
    after: EffectivePolicy<'a>,
) -> KeyPolicies<'a> {
    use crate::policy::document::equivalent_texts;
    let Some(l) = k.live() else {
        return KeyPolicies {
            before,
            after,
            drift: false,
        };
    };
    let live_text = policy_of(&l.attrs);
    if let Some(error) = &l.error {
        let reason = format!(
            "the key policy could not be read when the live data was collected ({error}); whoever collected it has no kms:GetKeyPolicy on the key — see the runbook in docs/audit.md"
        );
        let unknown = EffectivePolicy::Unknown { reason };
        let after = if k.own.live.is_some() {
            unknown.clone()
        } else {
            after
        };
        return KeyPolicies {
            before: unknown,
            after,
            drift: false,
        };
    }
    let (Some(today), Some(shown)) = (live_text, before.text()) else {
        return KeyPolicies {
            before,
            after,
            drift: false,
        };
    };
    if k.own.live.is_some() || equivalent_texts(&today, shown) {
        return KeyPolicies {
            before,
            after,
            drift: false,
        };
    }
    let written = after.text().is_none_or(|a| !equivalent_texts(a, shown));
    let today_policy = literal(Cow::Owned(today.into_owned()), None);
    let after = if written { after } else { today_policy.clone() };
    KeyPolicies {
        before: today_policy,
        after,
        drift: true,
    }
}

/// What deciding policies needs to know about all inputs.
struct World<'w, 'a> {
    configs: &'w Configs<'w, 'w>,
    lifecycles: HashMap<&'w str, Lifecycle>,
    /// Principals by address (the first input that has one).
    principals: HashMap<&'w str, &'w Principal<'a>>,
    /// Per input: its data sources by address.
    data: Vec<HashMap<&'w str, &'w DataSource<'a>>>,
    inv: &'w Inventory<'a>,
}

impl<'w, 'a> World<'w, 'a> {
    fn new(inv: &'w Inventory<'a>, configs: &'w Configs<'w, 'w>) -> Self {
        let mut principals = HashMap::new();
        for p in &inv.principals {
            principals.entry(p.address.as_str()).or_insert(p);
        }
        World {
            configs,
            lifecycles: inv
                .principals
                .iter()
                .filter(|p| p.managed)
                .map(|p| (p.address.as_str(), p.lifecycle))
                .collect(),
            principals,
            data: inv
                .data
                .iter()
                .map(|d| d.iter().map(|x| (x.address.as_str(), x)).collect())
                .collect(),
            inv,
        }
    }

    /// What the resolver needs to know about one input.
    fn resolver<'r>(&'r self, config: &'r ConfigIndex, src: usize) -> Resolver<'r, 'a> {
        Resolver {
            config,
            data: &self.data[src],
            principals: &self.principals,
            root_vars: &self.inv.root_vars[src],
        }
    }
}

/// The policy text an attribute set shows, if any.
fn policy_of<'a>(a: &'a crate::plan::model::Attrs<'a>) -> Option<Cow<'a, str>> {
    a.policy
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(Cow::Borrowed)
}

fn literal<'a>(text: Cow<'a, str>, via: Option<String>) -> EffectivePolicy<'a> {
    EffectivePolicy::Known {
        text,
        origin: Origin::Literal,
        via,
    }
}

fn key_before<'a>(k: &Key<'a>) -> EffectivePolicy<'a> {
    if k.standalone {
        let p = &k.own;
        return if p.lifecycle.exists_before() {
            match policy_of(p.before) {
                Some(t) => literal(t, Some(p.address.clone())),
                None => EffectivePolicy::Unknown {
                    reason: "the key's policy before this plan is not in the input".into(),
                },
            }
        } else {
            EffectivePolicy::Unknown {
                reason: format!(
                    "{} is created by this plan and the key it governs is in no input, so its earlier policy is not known",
                    p.address
                ),
            }
        };
    }
    if !k.lifecycle.exists_before() {
        return EffectivePolicy::Absent;
    }
    if let Some(p) = k.policy.as_ref().filter(|p| p.lifecycle.exists_before()) {
        if let Some(t) = policy_of(p.before) {
            return literal(t, Some(p.address.clone()));
        }
    }
    match policy_of(k.own.before) {
        Some(t) => literal(t, None),
        None => EffectivePolicy::Unknown {
            reason: "the key's current policy is not in the input".into(),
        },
    }
}

fn from_policy_resource<'a>(p: &Planned<'a>, world: &World<'_, 'a>) -> EffectivePolicy<'a> {
    if p.lifecycle.exists_after() {
        return match policy_of(p.after) {
            Some(t) => literal(t, Some(p.address.clone())),
            None => {
                let config = world.configs.get(p.input);
                match config.block(&p.resource.module, &p.resource.block()) {
                    Some(e) => resolve_or_explain(e, config, p, world, Some(p.address.clone())),
                    None => EffectivePolicy::Unknown {
                        reason: format!("the policy of {} is known only after apply", p.address),
                    },
                }
            }
        };
    }
    if p.before.bypass_policy_lockout_safety_check.0 == Some(true) {
        // Destroyed with bypass set: the provider leaves the policy as it is.
        return match policy_of(p.before) {
            Some(t) => literal(t, Some(p.address.clone())),
            None => EffectivePolicy::Unknown {
                reason: format!(
                    "{} is destroyed with the bypass flag, leaving a policy the input does not show",
                    p.address
                ),
            },
        };
    }
    EffectivePolicy::Default {
        reason: format!(
            "{} is destroyed, and the provider then restores the default key policy",
            p.address
        ),
    }
}

fn key_after<'a>(k: &Key<'a>, world: &World<'_, 'a>) -> EffectivePolicy<'a> {
    if !k.lifecycle.exists_after() {
        return EffectivePolicy::Absent;
    }
    if let Some(p) = &k.policy {
        return from_policy_resource(p, world);
    }
    let own = &k.own;
    if let Some(t) = policy_of(own.after) {
        return from_document(own, world).unwrap_or_else(|| literal(t, None));
    }
    if matches!(k.lifecycle, Lifecycle::Kept | Lifecycle::Forgotten) {
        if let Some(t) = policy_of(own.before) {
            return literal(t, None);
        }
    }
    if own.unknown.policy.0 {
        let config = world.configs.get(own.input);
        return match config.block(&own.resource.module, &own.resource.block()) {
            Some(e) if !e.attrs.contains("policy") => EffectivePolicy::Default {
                reason: "the configuration sets no policy, so KMS applies its default key policy".into(),
            },
            Some(e) => resolve_or_explain(e, config, own, world, None),
            None if config.present => EffectivePolicy::Unknown {
                reason: "the policy is known only after apply, and the key's block was not found in the configuration".into(),
            },
            None => EffectivePolicy::Unknown {
                reason: "the policy is known only after apply, and the input has no configuration to tell whether one is set".into(),
            },
        };
    }
    EffectivePolicy::Unknown {
        reason: "the input shows no policy for the key".into(),
    }
}

/// A known policy that the configuration sets to a policy document read during the plan:
/// the same text, marked with where it comes from.
fn from_document<'a>(k: &Planned<'a>, world: &World<'_, 'a>) -> Option<EffectivePolicy<'a>> {
    // Checked on the parsed configuration first: most plans have no policy documents, and
    // then the configuration is never indexed.
    if !world.configs.has_documents(k.input) {
        return None;
    }
    let config = world.configs.get(k.input);
    let expr = config
        .block(&k.resource.module, &k.resource.block())?
        .expr
        .as_ref()?;
    let index = k.resource.key.as_ref().map(|i| i.json());
    let (text, rebuild) = world
        .resolver(config, k.input)
        .policy(&k.resource.module, index.as_deref(), expr)
        .ok()?;
    // The provider plans the key's policy normalised (keys sorted, compact), so the text
    // can differ from the document's `json` while the policy is the same.
    let planned = policy_of(k.after)?;
    let same =
        rebuild.from == Rebuilt::DataSource && (planned == text || same_json(&planned, &text));
    same.then_some(EffectivePolicy::Known {
        text: planned,
        origin: Origin::Rebuilt(rebuild),
        via: None,
    })
}

/// Two texts of the same JSON value.
fn same_json(a: &str, b: &str) -> bool {
    let parse = |t: &str| serde_json::from_str::<serde_json::Value>(t).ok();
    parse(a).is_some_and(|a| Some(a) == parse(b))
}

/// Rebuilds an unknown policy from the plan and configuration, or says why it stays unknown.
fn resolve_or_explain<'a>(
    e: &Block,
    config: &ConfigIndex,
    block: &Planned<'a>,
    world: &World<'_, 'a>,
    via: Option<String>,
) -> EffectivePolicy<'a> {
    let why = unknown_because(e, config, block, world);
    let Some(expr) = &e.expr else {
        return EffectivePolicy::Unknown { reason: why };
    };
    let index = block.resource.key.as_ref().map(|i| i.json());
    match world
        .resolver(config, block.input)
        .policy(&block.resource.module, index.as_deref(), expr)
    {
        Ok((text, rebuild)) => EffectivePolicy::Known {
            text: Cow::Owned(text),
            origin: Origin::Rebuilt(rebuild),
            via,
        },
        Err(e) => EffectivePolicy::Unknown {
            reason: format!("{why} ({e})"),
        },
    }
}

/// Why a key's policy is unknown: what the configuration builds it from, and what the plan
/// does to those resources.
fn unknown_because(e: &Block, config: &ConfigIndex, block: &Planned, world: &World) -> String {
    let module = &block.resource.module;
    let describe = |r: &str| -> String {
        let absolute = module.absolute(r);
        match world.lifecycles.get(absolute.as_str()) {
            Some(l) => format!("{r} ({} by this plan)", l.word()),
            None => r.to_owned(),
        }
    };
    let parts: Vec<String> = most_general(&e.policy_refs)
        .into_iter()
        .map(|r| match config.block(module, r) {
            Some(doc) if r.starts_with("data.") && !doc.policy_refs.is_empty() => {
                let used: Vec<String> = most_general(&doc.policy_refs)
                    .into_iter()
                    .map(describe)
                    .collect();
                format!("{r}, which uses {}", used.join(", "))
            }
            _ => describe(r),
        })
        .collect();
    if parts.is_empty() {
        "the policy is known only after apply: it is built from values the apply computes".into()
    } else {
        format!(
            "the policy is known only after apply: it is built from {}",
            parts.join("; ")
        )
    }
}
