//! A small, separate, two-valued evaluator of a key policy for one caller and one concrete
//! `kms:PutKeyPolicy` request, written from the IAM and KMS documentation (docs/rules.md,
//! "How verdicts are decided" and "The request model") without kmsguard's code. The property
//! tests check kmsguard's witnesses with it: the caller and request kmsguard names must be
//! allowed and not denied here.
//!
//! It covers what the property tests generate: `Principal`/`NotPrincipal` with `*`, account
//! and role/user ARNs; `Action`/`NotAction` with wildcards; `Resource: "*"`; the operators
//! String(Not)Equals, StringLike, Arn(Not)Equals/Like, Bool(IfExists), Null, (Not)IpAddress,
//! DateGreaterThan/DateLessThan, with single-valued keys only.

use serde_json::Value;

/// Who calls.
pub(crate) struct Caller<'a> {
    pub(crate) arn: &'a str,
    pub(crate) account: &'a str,
    /// `root`, `role` or `user`.
    pub(crate) kind: &'a str,
    /// Whether `Principal` entries naming this ARN bind to it (false for a principal the
    /// plan recreates: it has a new unique ID).
    pub(crate) bound: bool,
    pub(crate) unique_id: Option<&'a str>,
    pub(crate) name: Option<&'a str>,
}

/// What the request fixes.
pub(crate) struct Fixed<'a> {
    /// `aws:CurrentTime`, as `YYYY-MM-DDTHH:MM:SSZ`.
    pub(crate) time: &'a str,
    pub(crate) region: &'a str,
}

/// Whether `caller` may call kms:PutKeyPolicy with `request` (key → value, `None` absent).
pub(crate) fn allows(
    policy: &Value,
    caller: &Caller,
    request: &serde_json::Map<String, Value>,
    fixed: &Fixed,
) -> bool {
    let statements: Vec<&Value> = match &policy["Statement"] {
        Value::Array(a) => a.iter().collect(),
        v @ Value::Object(_) => vec![v],
        _ => return false,
    };
    let mut allowed = false;
    for st in statements {
        let effect = st["Effect"].as_str().unwrap_or_default();
        if !resource_is_star(st) || !action_matches(st) {
            continue;
        }
        let principal = match (&st["Principal"], &st["NotPrincipal"]) {
            (p, Value::Null) if !p.is_null() => principal_matches(p, caller, effect),
            (Value::Null, np) if !np.is_null() => {
                effect == "Deny" && !not_principal_exempts(np, caller)
            }
            _ => false,
        };
        if !principal || !conditions_hold(&st["Condition"], caller, request, fixed) {
            continue;
        }
        match effect {
            "Deny" => return false,
            "Allow" => allowed = true,
            _ => {}
        }
    }
    allowed
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        Value::Bool(b) => vec![b.to_string()],
        _ => Vec::new(),
    }
}

fn resource_is_star(st: &Value) -> bool {
    let r = strings(&st["Resource"]);
    !r.is_empty() && r.iter().all(|x| x == "*")
}

/// IAM wildcards: `*` any run, `?` one character.
fn wild(p: &[char], t: &[char]) -> bool {
    match (p.first(), t.first()) {
        (None, None) => true,
        (Some('*'), _) => wild(&p[1..], t) || (!t.is_empty() && wild(p, &t[1..])),
        (Some('?'), Some(_)) => wild(&p[1..], &t[1..]),
        (Some(a), Some(b)) if a == b => wild(&p[1..], &t[1..]),
        _ => false,
    }
}

fn like(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    wild(&p, &t)
}

fn action_matches(st: &Value) -> bool {
    let hit = |list: Vec<String>| {
        list.iter()
            .any(|a| like(&a.to_lowercase(), "kms:putkeypolicy"))
    };
    match (&st["Action"], &st["NotAction"]) {
        (a, Value::Null) if !a.is_null() => hit(strings(a)),
        (Value::Null, na) if !na.is_null() => !hit(strings(na)),
        _ => false,
    }
}

fn account_principal(entry: &str) -> Option<&str> {
    if entry.len() == 12 && entry.bytes().all(|b| b.is_ascii_digit()) {
        return Some(entry);
    }
    let rest = entry.strip_prefix("arn:aws:iam::")?;
    rest.strip_suffix(":root")
}

fn principal_matches(p: &Value, caller: &Caller, effect: &str) -> bool {
    if p.as_str() == Some("*") {
        return true;
    }
    strings(&p["AWS"]).iter().any(|e| {
        if e == "*" {
            return true;
        }
        if let Some(acct) = account_principal(e) {
            // The account principal: the root directly; users and roles through their IAM
            // policies (design: counted when they exist), and a Deny hits them all.
            let _ = effect;
            return acct == caller.account;
        }
        caller.bound && e.eq_ignore_ascii_case(caller.arn)
    })
}

fn not_principal_exempts(np: &Value, caller: &Caller) -> bool {
    let list = strings(&np["AWS"]);
    let account_listed = list
        .iter()
        .any(|e| account_principal(e) == Some(caller.account));
    match caller.kind {
        "root" => account_listed,
        "user" => account_listed && caller.bound && list.iter().any(|e| e == caller.arn),
        // A role's caller is a session: only its session ARN exempts it.
        _ => false,
    }
}

/// The caller's and the request's value of a key (lower case), or `None` when absent.
fn value_of(
    key: &str,
    caller: &Caller,
    request: &serde_json::Map<String, Value>,
    fixed: &Fixed,
) -> Option<String> {
    if let Some((_, v)) = request.iter().find(|(k, _)| k.to_lowercase() == key) {
        return v.as_str().map(str::to_owned);
    }
    let session = request
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("aws:RoleSessionName"))
        .and_then(|(_, v)| v.as_str())
        .unwrap_or("any-session");
    match key {
        "aws:principalarn" => Some(caller.arn.to_owned()),
        "aws:principalaccount" => Some(caller.account.to_owned()),
        "aws:principaltype" => Some(
            match caller.kind {
                "root" => "Account",
                "user" => "User",
                _ => "AssumedRole",
            }
            .to_owned(),
        ),
        "aws:username" if caller.kind == "user" => caller.name.map(str::to_owned),
        "aws:userid" => match caller.kind {
            "root" => Some(caller.account.to_owned()),
            "user" => caller.unique_id.map(str::to_owned),
            _ => caller.unique_id.map(|id| format!("{id}:{session}")),
        },
        "aws:currenttime" => Some(fixed.time.to_owned()),
        "aws:requestedregion" => Some(fixed.region.to_owned()),
        "aws:securetransport" => Some("true".to_owned()),
        _ => None,
    }
}

fn ip_in(block: &str, ip: &str) -> bool {
    let (net, len) = match block.split_once('/') {
        Some((n, l)) => (n, l.parse::<u32>().unwrap_or(32)),
        None => (block, 32),
    };
    let (Ok(net), Ok(ip)) = (
        net.parse::<std::net::Ipv4Addr>(),
        ip.parse::<std::net::Ipv4Addr>(),
    ) else {
        return false;
    };
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    u32::from(net) & mask == u32::from(ip) & mask
}

fn conditions_hold(
    c: &Value,
    caller: &Caller,
    request: &serde_json::Map<String, Value>,
    fixed: &Fixed,
) -> bool {
    let Some(ops) = c.as_object() else {
        return true;
    };
    ops.iter().all(|(op, keys)| {
        keys.as_object().into_iter().flatten().all(|(key, values)| {
            let values = strings(values);
            let v = value_of(&key.to_lowercase(), caller, request, fixed);
            let any = |f: &dyn Fn(&str, &str) -> bool| {
                v.as_deref().is_some_and(|x| values.iter().any(|p| f(p, x)))
            };
            match op.as_str() {
                "StringEquals" | "ArnEquals" => any(&|p, x| p == x),
                "StringLike" | "ArnLike" => any(&|p, x| like(p, x)),
                "StringNotEquals" | "ArnNotEquals" => !any(&|p, x| p == x),
                "StringNotLike" | "ArnNotLike" => !any(&|p, x| like(p, x)),
                "Bool" => any(&|p, x| p.eq_ignore_ascii_case(x)),
                "BoolIfExists" => v.is_none() || any(&|p, x| p.eq_ignore_ascii_case(x)),
                "Null" => values.iter().any(|p| (p == "true") == v.is_none()),
                "IpAddress" => any(&ip_in),
                "NotIpAddress" => !any(&ip_in),
                // The generated dates are all written `YYYY-MM-DDTHH:MM:SSZ`: text order is
                // time order.
                "DateGreaterThan" => any(&|p, x| x > p),
                "DateLessThan" => any(&|p, x| x < p),
                other => panic!("the generator wrote an operator this evaluator lacks: {other}"),
            }
        })
    })
}
