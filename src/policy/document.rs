//! The key policy grammar (docs/rules.md, "How verdicts are decided"): a JSON string → [`Policy`].
//!
//! Parsing is strict about structure (a wrong type is a [`PolicyError`] naming the path)
//! and lenient about what AWS itself tolerates (a single statement object, strings or
//! lists, extra keys).

use serde_json::{Map, Value};

use super::arn::{PrincipalArn, classify_principal, is_account_id, is_unique_id};
use super::condition::{Condition, Operator};
use super::placeholder::{UNKNOWN_END, UNKNOWN_START, unknown_in};
use super::request::{Read, Space, refused_in_key_policy};

/// A parsed key policy.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Policy {
    pub statements: Vec<Statement>,
    /// `Version` as written.
    pub version: Option<String>,
    /// What KMS refuses in this policy when a request writes it (statements without an
    /// action or a `"*"` resource, refused condition keys, characters outside the accepted
    /// set): reported as `policy-invalid` when the plan writes the policy.
    pub refusals: Vec<String>,
    /// The free request keys the policy reads (see [`crate::policy::request`]).
    pub space: Space,
}

impl Policy {
    /// Whether policy variables are substituted: only under `Version: 2012-10-17` (S14b).
    pub(crate) fn variables(&self) -> bool {
        self.version.as_deref() == Some("2012-10-17")
    }

    /// The policy with its statements in this order (for tests of order independence).
    pub(crate) fn build(statements: Vec<Statement>, version: Option<String>) -> Policy {
        let mut p = Policy {
            statements,
            version,
            ..Policy::default()
        };
        p.space = space_of(&p);
        p
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Statement {
    /// Position in the policy (0-based).
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: PrincipalSpec,
    pub action: ActionSpec,
    pub resource: ResourceSpec,
    pub conditions: Vec<Condition>,
    /// How messages name the statement (see [`Statement::make_label`]).
    pub label: String,
    /// Why KMS refuses this statement (no action, a resource other than `"*"`, a refused
    /// condition key): it neither grants nor denies (S35).
    pub refused: Option<String>,
}

impl Statement {
    /// `'Sid'` or `#N` for messages.
    pub(crate) fn label(&self) -> &str {
        &self.label
    }

    /// `'Sid'`, or `#N` (1-based) for a statement without one.
    pub(crate) fn make_label(index: usize, sid: Option<&str>) -> String {
        match sid {
            Some(s) if !s.is_empty() => format!("'{s}'"),
            _ => format!("#{}", index + 1),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PrincipalSpec {
    Principal(Vec<PrincipalRef>),
    NotPrincipal(Vec<PrincipalRef>),
}

impl PrincipalSpec {
    pub(crate) fn refs(&self) -> &[PrincipalRef] {
        match self {
            PrincipalSpec::Principal(r) | PrincipalSpec::NotPrincipal(r) => r,
        }
    }
}

/// One entry of `Principal` / `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrincipalRef {
    /// `"*"` or `{"AWS": "*"}`: everyone.
    Any,
    /// `{"AWS": "A"}` or `arn:P:iam::A:root`: the account principal.
    Account(String),
    /// The key's own account, whatever it is (the provider's default key policy).
    OwnAccount,
    /// An IAM user ARN.
    User(String),
    /// An IAM role ARN.
    Role(String),
    /// `arn:P:sts::A:assumed-role/Role/Session`.
    AssumedRole {
        arn: String,
        account: String,
        role: String,
    },
    /// A bare unique ID (`AROA…`, `AIDA…`): an already-orphaned principal.
    UniqueId(String),
    /// `{"Service": ...}`: a service acting as itself, never an operator.
    Service(String),
    /// `{"Federated": ...}`, `{"CanonicalUser": ...}`, other ARNs: never a manager here.
    Other(String),
    /// A value known only after apply (see [`unknown_value`]): it may name anyone.
    Unknown(String),
}

impl PrincipalRef {
    pub(crate) fn from_aws(s: &str) -> PrincipalRef {
        if let Some(what) = unknown_in(s) {
            return PrincipalRef::Unknown(what.to_owned());
        }
        if s == "*" {
            return PrincipalRef::Any;
        }
        if is_account_id(s) {
            return PrincipalRef::Account(s.to_owned());
        }
        if is_unique_id(s) {
            return PrincipalRef::UniqueId(s.to_owned());
        }
        match classify_principal(s) {
            PrincipalArn::Root { account } => PrincipalRef::Account(account.to_owned()),
            PrincipalArn::User { .. } => PrincipalRef::User(s.to_owned()),
            PrincipalArn::Role { .. } => PrincipalRef::Role(s.to_owned()),
            PrincipalArn::AssumedRole { account, role } => PrincipalRef::AssumedRole {
                arn: s.to_owned(),
                account: account.to_owned(),
                role: role.to_owned(),
            },
            PrincipalArn::Other => PrincipalRef::Other(s.to_owned()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ActionSpec {
    Action(Vec<String>),
    NotAction(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ResourceSpec {
    Resource(Vec<String>),
    NotResource(Vec<String>),
    /// Neither element: KMS would reject the policy; evaluated as `"*"`.
    Missing,
}

/// Why a policy string is not a usable key policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct PolicyError {
    pub message: String,
    /// The policy is not wrong but not known: a value known only after apply stands where
    /// the grammar needs an object or a list (what it stands for).
    pub unknown: Option<String>,
}

fn err<T>(message: impl Into<String>) -> Result<T, PolicyError> {
    Err(PolicyError {
        message: message.into(),
        unknown: None,
    })
}

/// The error for a value known only after apply where `at` needs structure.
fn unknown_at<T>(at: &str, what: &str) -> Result<T, PolicyError> {
    Err(PolicyError {
        message: format!("{at} is known only after apply ({what})"),
        unknown: Some(what.to_owned()),
    })
}

/// The placeholder a JSON value is, if it is a string holding one.
fn placeholder(v: &Value) -> Option<&str> {
    v.as_str().and_then(unknown_in)
}

/// A name from the policy (an operator, a condition key) as messages quote it: at most 64
/// characters.
fn name(s: &str) -> String {
    const MAX: usize = 64;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// The length of a policy's JSON text without its placeholders (whose values, and so whose
/// lengths, are not known); each is written `\u0001…\u0002` in JSON.
fn known_len(text: &str) -> usize {
    const START: &str = "\\u0001";
    const END: &str = "\\u0002";
    let mut len = text.len();
    let mut rest = text;
    while let Some(s) = rest.find(START) {
        let after = &rest[s..];
        let Some(e) = after.find(END) else { break };
        len -= e + END.len();
        rest = &after[e + END.len()..];
    }
    len
}

/// KMS rejects key policies over 32 KiB (`PutKeyPolicy`, `CreateKey`). A longer policy is
/// reported as invalid and not evaluated, which also bounds the work hostile input can cause.
pub(crate) const MAX_POLICY_BYTES: usize = 32 * 1024;

impl Policy {
    /// Parses a key policy from its JSON text.
    pub(crate) fn parse(text: &str) -> Result<Policy, PolicyError> {
        let len = known_len(text);
        if len > MAX_POLICY_BYTES {
            return err(format!(
                "the policy is {len} bytes long; KMS accepts at most {MAX_POLICY_BYTES}"
            ));
        }
        let v: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            // A policy that is a value known only after apply as a whole (interpolated into
            // a heredoc, say) is not JSON, and not wrong either.
            Err(_) if is_one_placeholder(text) => {
                let t = text.trim();
                let what = unknown_in(t)
                    .or_else(|| t.strip_prefix("\\u0001")?.strip_suffix("\\u0002"))
                    .unwrap_or_default();
                return unknown_at("the policy", what);
            }
            Err(e) => {
                return err(format!("the policy is not valid JSON: {e}"));
            }
        };
        Policy::check_characters(Policy::from_value(&v)?, text)
    }

    pub(crate) fn from_value(v: &Value) -> Result<Policy, PolicyError> {
        if let Some(what) = placeholder(v) {
            return unknown_at("the policy", what);
        }
        let Some(obj) = v.as_object() else {
            return err("the policy is not a JSON object");
        };
        let Some(st) = get_ci(obj, "Statement") else {
            return err("the policy has no Statement");
        };
        let list: Vec<&Value> = match st {
            Value::Array(a) => a.iter().collect(),
            Value::Object(_) => vec![st],
            _ if placeholder(st).is_some() => {
                return unknown_at("Statement", placeholder(st).unwrap_or_default());
            }
            _ => return err("Statement must be an object or a list of objects"),
        };
        let statements: Vec<Statement> = list
            .into_iter()
            .enumerate()
            .map(|(i, s)| parse_statement(i, s))
            .collect::<Result<_, _>>()?;
        let version = match get_ci(obj, "Version") {
            Some(Value::String(v)) => Some(v.clone()),
            _ => None,
        };
        let mut p = Policy::build(statements, version);
        p.refusals = p
            .statements
            .iter()
            .filter_map(|s| {
                s.refused
                    .as_ref()
                    .map(|r| format!("statement {} {r}", s.label()))
            })
            .collect();
        Ok(p)
    }

    /// Notes characters KMS does not accept in a key policy (S2: printable ASCII, Latin-1
    /// Supplement, tab, LF and CR only).
    fn check_characters(mut p: Policy, text: &str) -> Result<Policy, PolicyError> {
        if let Some(c) = without_placeholders(text).find(|c| !accepted_char(*c)) {
            p.refusals.push(format!(
                "the policy holds a character KMS does not accept in a key policy (U+{:04X}; only printable ASCII, Latin-1 Supplement, tab, LF and CR)",
                u32::from(c)
            ));
        }
        Ok(p)
    }
}

/// The characters of a policy's JSON text outside its placeholders (whose text is kmsguard's,
/// not the policy's): each is written `\u0001…\u0002` in JSON, or raw.
fn without_placeholders(text: &str) -> impl Iterator<Item = char> + '_ {
    let mut inside = false;
    let mut rest = text;
    std::iter::from_fn(move || {
        loop {
            if rest.is_empty() {
                return None;
            }
            if let Some(r) = rest
                .strip_prefix("\\u0001")
                .or_else(|| rest.strip_prefix(UNKNOWN_START))
            {
                inside = true;
                rest = r;
                continue;
            }
            if let Some(r) = rest
                .strip_prefix("\\u0002")
                .or_else(|| rest.strip_prefix(UNKNOWN_END))
            {
                inside = false;
                rest = r;
                continue;
            }
            let c = rest.chars().next()?;
            rest = &rest[c.len_utf8()..];
            if !inside {
                return Some(c);
            }
        }
    })
}

fn accepted_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{a0}'..='\u{ff}')
}

/// The free request keys a policy's statements read.
fn space_of(p: &Policy) -> Space {
    let mut variables = Vec::new();
    let mut sessions = Vec::new();
    for st in &p.statements {
        for c in &st.conditions {
            for v in &c.values {
                collect_variables(v, &mut variables);
            }
        }
        for r in st.principal.refs() {
            if let PrincipalRef::AssumedRole { arn, .. } = r {
                if let Some(session) = arn.rsplit('/').next() {
                    sessions.push(session.to_owned());
                }
            }
        }
    }
    if !p.variables() {
        variables.clear();
    }
    let reads = p.statements.iter().flat_map(|s| {
        s.conditions.iter().map(|c| Read {
            key_lc: &c.key_lc,
            base: &c.op.base,
            values: &c.values,
        })
    });
    Space::of(reads, &variables, &sessions)
}

/// The keys of the policy variables (`${key}`) in `v`, lower case.
fn collect_variables(v: &str, out: &mut Vec<String>) {
    let mut rest = v;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { return };
        let var = after[..end].to_ascii_lowercase();
        if !matches!(var.as_str(), "*" | "?" | "$") && !out.contains(&var) {
            out.push(var);
        }
        rest = &after[end + 1..];
    }
}

/// Looks up a policy element. Element names are matched exactly first, then without
/// regard to case (IAM documents them case-sensitively, but real policies vary).
fn get_ci<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Whether a policy's text, not being JSON, is one placeholder (raw or escaped).
fn is_one_placeholder(text: &str) -> bool {
    let t = text.trim();
    let raw = t.starts_with(UNKNOWN_START) && t.ends_with(UNKNOWN_END);
    let escaped = t.starts_with("\\u0001") && t.ends_with("\\u0002");
    (raw || escaped) && t.len() > 2
}

fn parse_statement(index: usize, v: &Value) -> Result<Statement, PolicyError> {
    let at = |what: &str| format!("Statement[{index}]{what}");
    if let Some(what) = placeholder(v) {
        return unknown_at(&at(""), what);
    }
    let Some(obj) = v.as_object() else {
        return err(format!("{} is not an object", at("")));
    };
    let sid = match get_ci(obj, "Sid") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return err(format!("{} must be a string", at(".Sid"))),
    };
    let effect = match get_ci(obj, "Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(other) if unknown_in(other).is_some() => {
            return unknown_at(&at(".Effect"), unknown_in(other).unwrap_or_default());
        }
        // The value is not quoted: it may come from a file.
        Some(other)
            if other.eq_ignore_ascii_case("allow") || other.eq_ignore_ascii_case("deny") =>
        {
            return err(format!(
                "{} must be written \"Allow\" or \"Deny\", with that case",
                at(".Effect")
            ));
        }
        Some(_) => {
            return err(format!("{} must be \"Allow\" or \"Deny\"", at(".Effect")));
        }
        None => return err(format!("{} is missing or not a string", at(".Effect"))),
    };
    let principal = match (get_ci(obj, "Principal"), get_ci(obj, "NotPrincipal")) {
        (Some(p), None) => PrincipalSpec::Principal(parse_principals(p, &at(".Principal"))?),
        (None, Some(p)) => PrincipalSpec::NotPrincipal(parse_principals(p, &at(".NotPrincipal"))?),
        (Some(_), Some(_)) => {
            return err(format!("{} has both Principal and NotPrincipal", at("")));
        }
        (None, None) => {
            return err(format!(
                "{} has no Principal; every key policy statement needs one",
                at("")
            ));
        }
    };
    let action = match (get_ci(obj, "Action"), get_ci(obj, "NotAction")) {
        (Some(a), None) => ActionSpec::Action(string_list(a, &at(".Action"))?),
        (None, Some(a)) => ActionSpec::NotAction(string_list(a, &at(".NotAction"))?),
        (Some(_), Some(_)) => return err(format!("{} has both Action and NotAction", at(""))),
        (None, None) => ActionSpec::Action(Vec::new()),
    };
    let resource = match (get_ci(obj, "Resource"), get_ci(obj, "NotResource")) {
        (Some(r), None) => ResourceSpec::Resource(string_list(r, &at(".Resource"))?),
        (None, Some(r)) => ResourceSpec::NotResource(string_list(r, &at(".NotResource"))?),
        (Some(_), Some(_)) => return err(format!("{} has both Resource and NotResource", at(""))),
        (None, None) => ResourceSpec::Missing,
    };
    let conditions = match get_ci(obj, "Condition") {
        None | Some(Value::Null) => Vec::new(),
        Some(c) => parse_conditions(c, &at(".Condition"))?,
    };
    let no_action = get_ci(obj, "Action").is_none() && get_ci(obj, "NotAction").is_none();
    let refused = refusal(no_action, &resource, &conditions);
    Ok(Statement {
        refused,
        label: Statement::make_label(index, sid.as_deref()),
        index,
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

/// Why KMS refuses a statement (S35, S34), if it does.
fn refusal(no_action: bool, resource: &ResourceSpec, conditions: &[Condition]) -> Option<String> {
    if no_action {
        return Some("has no Action or NotAction".into());
    }
    match resource {
        ResourceSpec::Missing => return Some("has no Resource".into()),
        ResourceSpec::NotResource(_) => {
            return Some("uses NotResource; a key policy's Resource must be \"*\"".into());
        }
        ResourceSpec::Resource(list)
            if list.iter().any(|r| r != "*" && unknown_in(r).is_none()) =>
        {
            return Some(
                "has a Resource other than \"*\"; in a key policy it must be \"*\"".into(),
            );
        }
        ResourceSpec::Resource(_) => {}
    }
    conditions
        .iter()
        .find(|c| refused_in_key_policy(&c.key_lc))
        .map(|c| {
            format!(
                "uses the condition key {}, which KMS does not accept in a key policy",
                name(&c.key)
            )
        })
}

fn string_list(v: &Value, at: &str) -> Result<Vec<String>, PolicyError> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, x)| match x {
                Value::String(s) => Ok(s.clone()),
                _ => err(format!("{at}[{i}] must be a string")),
            })
            .collect(),
        _ => err(format!("{at} must be a string or a list of strings")),
    }
}

fn parse_principals(v: &Value, at: &str) -> Result<Vec<PrincipalRef>, PolicyError> {
    match v {
        Value::String(s) if s == "*" => Ok(vec![PrincipalRef::Any]),
        Value::String(s) if unknown_in(s).is_some() => Ok(vec![PrincipalRef::from_aws(s)]),
        Value::String(_) => err(format!(
            "{at} is a string other than \"*\"; only \"*\" may be written without {{\"AWS\": ...}}"
        )),
        Value::Object(m) => {
            let mut out = Vec::new();
            for (k, val) in m {
                let items = string_list(val, &format!("{at}.{}", name(k)))?;
                for s in items {
                    out.push(match k.to_ascii_lowercase().as_str() {
                        _ if unknown_in(k).is_some() => {
                            PrincipalRef::Unknown(unknown_in(k).unwrap_or_default().to_owned())
                        }
                        "aws" => PrincipalRef::from_aws(&s),
                        "service" => PrincipalRef::Service(s),
                        "federated" | "canonicaluser" => PrincipalRef::Other(s),
                        _ => {
                            return err(format!(
                                "{at} has an unknown principal type {:?} (expected AWS, Service, Federated or CanonicalUser)",
                                name(k)
                            ))
                        }
                    });
                }
            }
            Ok(out)
        }
        _ => err(format!("{at} must be \"*\" or an object")),
    }
}

fn parse_conditions(v: &Value, at: &str) -> Result<Vec<Condition>, PolicyError> {
    if let Some(what) = placeholder(v) {
        return unknown_at(at, what);
    }
    let Some(ops) = v.as_object() else {
        return err(format!("{at} must be an object"));
    };
    let mut out = Vec::new();
    for (op_name, keys) in ops {
        let op = Operator::parse(op_name);
        let at_op = format!("{at}.{}", name(op_name));
        if let Some(what) = placeholder(keys) {
            return unknown_at(&at_op, what);
        }
        let Some(keys) = keys.as_object() else {
            return err(format!("{at_op} must be an object of condition keys"));
        };
        for (key, values) in keys {
            let values = condition_values(values).ok_or_else(|| PolicyError {
                message: format!(
                    "{at_op}.{} must be a string, number, boolean or a list of them",
                    name(key)
                ),
                unknown: None,
            })?;
            out.push(Condition {
                operator: op_name.clone(),
                op: op.clone(),
                key: key.clone(),
                key_lc: key.to_ascii_lowercase(),
                values,
            });
        }
    }
    Ok(out)
}

fn condition_values(v: &Value) -> Option<Vec<String>> {
    fn scalar(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    match v {
        Value::Array(a) => a.iter().map(scalar).collect(),
        other => scalar(other).map(|s| vec![s]),
    }
}

/// Whether two policy texts are the same policy as the AWS provider compares them before it
/// calls PutKeyPolicy (`verify.SuppressEquivalentPolicyDiffs`, hashicorp/awspolicyequivalence):
/// whitespace, key order, the order of statements and of values in a list, and a single
/// value written with or without a list do not matter.
pub(crate) fn equivalent_texts(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (
        serde_json::from_str::<Value>(a),
        serde_json::from_str::<Value>(b),
    ) {
        (Ok(x), Ok(y)) => canonical(x) == canonical(y),
        _ => false,
    }
}

/// The canonical form [`equivalent_texts`] compares.
fn canonical(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, canonical(v))).collect()),
        Value::Array(a) => {
            let mut items: Vec<Value> = a.into_iter().map(canonical).collect();
            items.sort_by_cached_key(Value::to_string);
            items.dedup();
            if items.len() == 1 {
                items.pop().unwrap_or(Value::Null)
            } else {
                Value::Array(items)
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use crate::policy::placeholder::unknown_value;
    #[test]
    fn placeholders_do_not_count_towards_the_size_limit() {
        let long = unknown_value(&"x".repeat(MAX_POLICY_BYTES));
        let text = serde_json::json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": long},
            "Action": "kms:*", "Resource": "*"}]})
        .to_string();
        assert!(text.len() > MAX_POLICY_BYTES);
        let p = Policy::parse(&text).unwrap();
        assert!(matches!(
            p.statements[0].principal.refs()[0],
            PrincipalRef::Unknown(_)
        ));
        assert!(known_len(&text) < 200);
    }

    use super::*;

    #[test]
    fn a_value_known_only_after_apply_where_structure_belongs_is_unknown_not_invalid() {
        let u = unknown_value("the statements of var.x");
        let stmt = |extra: serde_json::Value| {
            let mut st = serde_json::json!({"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"});
            for (k, v) in extra.as_object().unwrap() {
                st[k] = v.clone();
            }
            serde_json::json!({"Statement": [st]}).to_string()
        };
        for text in [
            serde_json::json!({"Statement": u}).to_string(),
            serde_json::json!({"Statement": [u]}).to_string(),
            stmt(serde_json::json!({"Effect": u})),
            stmt(serde_json::json!({"Condition": u})),
            stmt(serde_json::json!({"Condition": {"StringEquals": u}})),
            serde_json::Value::String(u.clone()).to_string(),
            u.replace('\u{1}', "\\u0001").replace('\u{2}', "\\u0002"),
        ] {
            let e = Policy::parse(&text).unwrap_err();
            assert_eq!(
                e.unknown.as_deref(),
                Some("the statements of var.x"),
                "{text}: {e}"
            );
        }
        let e = Policy::parse(&stmt(serde_json::json!({"Effect": "Permit"}))).unwrap_err();
        assert!(e.unknown.is_none());
    }

    #[test]
    fn errors_do_not_quote_values() {
        let secret = "root:x:0:0:root:/root:/bin/bash";
        for text in [
            serde_json::json!({"Statement": [{"Effect": secret, "Principal": "*", "Action": "kms:*", "Resource": "*"}]}),
            serde_json::json!({"Statement": [{"Effect": "Allow", "Principal": secret, "Action": "kms:*", "Resource": "*"}]}),
        ] {
            let e = Policy::parse(&text.to_string()).unwrap_err();
            assert!(!e.message.contains(secret), "{e}");
        }
    }

    #[test]
    fn single_statement_object_and_string_forms() {
        let p = Policy::parse(
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"}}"#,
        )
        .unwrap();
        assert_eq!(p.statements.len(), 1);
        assert_eq!(
            p.statements[0].principal,
            PrincipalSpec::Principal(vec![PrincipalRef::Account("111122223333".into())])
        );
    }

    #[test]
    fn principal_kinds() {
        let p = Policy::parse(
            r#"{"Statement":[{"Sid":"a b","Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::1:root","arn:aws:iam::1:role/p/r","arn:aws:iam::1:user/u","AROAABCDEFGHIJKLMNOP","arn:aws:sts::1:assumed-role/r/s","*"],"Service":"logs.amazonaws.com","Federated":"cognito"},"NotAction":["kms:Encrypt"]}]}"#,
        )
        .unwrap();
        let s = &p.statements[0];
        assert_eq!(s.label(), "'a b'");
        assert_eq!(s.resource, ResourceSpec::Missing);
        let refs = s.principal.refs();
        assert!(matches!(&refs[0], PrincipalRef::Account(a) if a == "1"));
        assert!(matches!(&refs[1], PrincipalRef::Role(_)));
        assert!(matches!(&refs[2], PrincipalRef::User(_)));
        assert!(matches!(&refs[3], PrincipalRef::UniqueId(_)));
        assert!(matches!(&refs[4], PrincipalRef::AssumedRole { role, .. } if role == "r"));
        assert!(matches!(&refs[5], PrincipalRef::Any));
        assert!(refs.iter().any(|r| matches!(r, PrincipalRef::Service(_))));
        assert!(refs.iter().any(|r| matches!(r, PrincipalRef::Other(_))));
    }

    #[test]
    fn invalid_policies_name_the_path() {
        let cases = [
            ("not json", "not valid JSON"),
            ("[]", "not a JSON object"),
            ("{}", "no Statement"),
            (r#"{"Statement":"x"}"#, "Statement must be"),
            (r#"{"Statement":[1]}"#, "Statement[0] is not an object"),
            (
                r#"{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"*"}]}"#,
                "Statement[0].Effect",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"*"}]}"#,
                "no Principal",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"arn:x","Action":"*"}]}"#,
                "Statement[0].Principal",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":[1]}]}"#,
                "Statement[0].Action[0]",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEquals":{"k":{"a":1}}}}]}"#,
                "Condition.StringEquals.k",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":{"Robot":"x"},"Action":"*"}]}"#,
                "unknown principal type",
            ),
        ];
        for (text, want) in cases {
            let e = Policy::parse(text).unwrap_err();
            assert!(e.message.contains(want), "{text}: {e}");
        }
    }

    /// The provider does not call PutKeyPolicy for an equivalent policy
    /// (`verify.SuppressEquivalentPolicyDiffs`), so such a plan does not rebind names.
    #[test]
    fn equivalent_policies_ignore_order_layout_and_single_value_lists() {
        let a = r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":["kms:*"],"Resource":"*"},{"Sid":"B","Effect":"Deny","Principal":"*","Action":["kms:Decrypt","kms:Encrypt"],"Resource":"*"}]}"#;
        let b = r#"{
  "Statement": [
    {"Resource": "*", "Action": ["kms:Encrypt", "kms:Decrypt"], "Principal": "*", "Effect": "Deny", "Sid": "B"},
    {"Action": "kms:*", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::1:root"]}, "Resource": "*", "Sid": "A"}
  ],
  "Version": "2012-10-17"
}"#;
        assert!(equivalent_texts(a, b));
        assert!(!equivalent_texts(a, &b.replace("kms:Decrypt", "kms:Sign")));
        assert!(!equivalent_texts(a, "not json"));
    }

    #[test]
    fn condition_values_are_stringified() {
        let p = Policy::parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":true},"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}}]}"#,
        )
        .unwrap();
        let c = &p.statements[0].conditions;
        assert_eq!(c[0].values, vec!["true"]);
        assert_eq!(c[1].values, vec!["3600"]);
        assert_eq!(c[0].key_lc, "aws:multifactorauthpresent");
    }
}
