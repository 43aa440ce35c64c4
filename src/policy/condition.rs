//! Condition operators with three-valued logic (docs/rules.md, "How verdicts are decided").

use super::glob::glob_match;
use super::placeholder::unknown_in;

/// A request-context value of a condition key, for one candidate caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CtxValue {
    /// The key is present with these values (one for single-valued keys).
    Values(Vec<String>),
    /// The key is not in the request.
    Absent,
    /// The value is fixed for this caller but not known from the inputs.
    Unknown(String),
}

/// What a condition evaluates to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CondResult {
    True,
    False,
    Unknown(String),
}

/// Supplies condition-key values for one caller and one request. Keys are given in lower
/// case.
pub(crate) trait Context {
    fn lookup(&self, key_lc: &str) -> CtxValue;
    /// Whether policy variables (`${aws:username}`) are substituted: only in a policy whose
    /// `Version` is `2012-10-17`; elsewhere they are literal text (S14b).
    fn variables(&self) -> bool {
        true
    }
}

/// How a numeric or date operator compares the request's value with the policy's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds<T: PartialOrd>(self, value: T, pattern: T) -> bool {
        match self {
            // `...NotEquals` is the negation of the positive form (see `negated`).
            Cmp::Eq | Cmp::Ne => value == pattern,
            Cmp::Lt => value < pattern,
            Cmp::Le => value <= pattern,
            Cmp::Gt => value > pattern,
            Cmp::Ge => value >= pattern,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetOp {
    None,
    ForAnyValue,
    ForAllValues,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Base {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    ArnLike,
    ArnNotLike,
    Bool,
    Null,
    Numeric(Cmp),
    Date(Cmp),
    IpAddress,
    NotIpAddress,
    BinaryEquals,
    /// Not an IAM condition operator.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Operator {
    pub base: Base,
    pub if_exists: bool,
    pub set: SetOp,
}

impl Operator {
    pub(crate) fn parse(name: &str) -> Operator {
        let (set, rest) = if let Some(r) = strip_prefix_ci(name, "ForAnyValue:") {
            (SetOp::ForAnyValue, r)
        } else if let Some(r) = strip_prefix_ci(name, "ForAllValues:") {
            (SetOp::ForAllValues, r)
        } else {
            (SetOp::None, name)
        };
        let (if_exists, base_name) = match rest.strip_suffix("IfExists") {
            Some(b) if rest != "NullIfExists" => (true, b),
            _ => (false, rest),
        };
        let base = match base_name {
            "StringEquals" => Base::StringEquals,
            "StringNotEquals" => Base::StringNotEquals,
            "StringEqualsIgnoreCase" => Base::StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => Base::StringNotEqualsIgnoreCase,
            "StringLike" => Base::StringLike,
            "StringNotLike" => Base::StringNotLike,
            "ArnEquals" | "ArnLike" => Base::ArnLike,
            "ArnNotEquals" | "ArnNotLike" => Base::ArnNotLike,
            "Bool" => Base::Bool,
            "Null" => Base::Null,
            "NumericEquals" => Base::Numeric(Cmp::Eq),
            "NumericNotEquals" => Base::Numeric(Cmp::Ne),
            "NumericLessThan" => Base::Numeric(Cmp::Lt),
            "NumericLessThanEquals" => Base::Numeric(Cmp::Le),
            "NumericGreaterThan" => Base::Numeric(Cmp::Gt),
            "NumericGreaterThanEquals" => Base::Numeric(Cmp::Ge),
            "DateEquals" => Base::Date(Cmp::Eq),
            "DateNotEquals" => Base::Date(Cmp::Ne),
            "DateLessThan" => Base::Date(Cmp::Lt),
            "DateLessThanEquals" => Base::Date(Cmp::Le),
            "DateGreaterThan" => Base::Date(Cmp::Gt),
            "DateGreaterThanEquals" => Base::Date(Cmp::Ge),
            "IpAddress" => Base::IpAddress,
            "NotIpAddress" => Base::NotIpAddress,
            "BinaryEquals" => Base::BinaryEquals,
            _ => Base::Unknown,
        };
        Operator {
            base,
            if_exists,
            set,
        }
    }

    /// Negated operators (`...Not...`): several values mean "none of them", and an absent
    /// key makes them true.
    pub(crate) fn negated(&self) -> bool {
        matches!(
            self.base,
            Base::StringNotEquals
                | Base::StringNotEqualsIgnoreCase
                | Base::StringNotLike
                | Base::ArnNotLike
                | Base::Numeric(Cmp::Ne)
                | Base::Date(Cmp::Ne)
                | Base::NotIpAddress
        )
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// One `Operator: {Key: Values}` entry of a statement's `Condition`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Condition {
    /// The operator as written.
    pub operator: String,
    pub op: Operator,
    /// The key as written.
    pub key: String,
    pub key_lc: String,
    pub values: Vec<String>,
}

/// ARN matching for `ArnLike`/`ArnEquals`: the six `:`-separated parts are matched one by
/// one, so a `*` never crosses a `:` (unlike `StringLike`).
pub(crate) fn arn_like(pattern: &str, value: &str) -> bool {
    // Six parts each (no allocation: this runs for every candidate an ARN pattern sees).
    if pattern.matches(':').count() < 5 || value.matches(':').count() < 5 {
        return false;
    }
    pattern
        .splitn(6, ':')
        .zip(value.splitn(6, ':'))
        .all(|(p, v)| glob_match(p, v, false))
}

/// A pattern after policy-variable substitution.
enum Pattern<'p> {
    Text(std::borrow::Cow<'p, str>),
    /// A variable whose key is absent: matches nothing.
    Never,
    Unknown(String),
}

fn substitute<'p>(pattern: &'p str, ctx: &dyn Context) -> Pattern<'p> {
    if !pattern.contains("${") || !ctx.variables() {
        return Pattern::Text(std::borrow::Cow::Borrowed(pattern));
    }
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Pattern::Text(out.into());
        };
        let var = &after[..end];
        match var {
            "*" => out.push('*'),
            "?" => out.push('?'),
            "$" => out.push('$'),
            _ => match ctx.lookup(&var.to_ascii_lowercase()) {
                CtxValue::Values(v) if v.len() == 1 => out.push_str(&v[0]),
                CtxValue::Values(_) | CtxValue::Absent => return Pattern::Never,
                CtxValue::Unknown(r) => return Pattern::Unknown(r),
            },
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Pattern::Text(out.into())
}

/// Whether one value matches one pattern under the operator's positive form.
pub(crate) fn matches_one(base: &Base, pattern: &str, value: &str) -> bool {
    match base {
        Base::StringEquals | Base::StringNotEquals => pattern == value,
        Base::StringEqualsIgnoreCase | Base::StringNotEqualsIgnoreCase => {
            pattern.to_lowercase() == value.to_lowercase()
        }
        Base::StringLike | Base::StringNotLike => glob_match(pattern, value, false),
        Base::ArnLike | Base::ArnNotLike => arn_like(pattern, value),
        Base::Bool => pattern.eq_ignore_ascii_case(value),
        Base::Numeric(cmp) => match (number(value), number(pattern)) {
            (Some(v), Some(p)) => cmp.holds(v, p),
            _ => false,
        },
        Base::Date(cmp) => match (super::time::parse(value), super::time::parse(pattern)) {
            (Some(v), Some(p)) => cmp.holds(v, p),
            _ => false,
        },
        Base::IpAddress | Base::NotIpAddress => {
            match (super::ip::cidr(pattern), value.trim().parse()) {
                (Some(block), Ok(ip)) => super::ip::contains(block, ip),
                _ => false,
            }
        }
        Base::BinaryEquals => pattern == value,
        Base::Null | Base::Unknown => false,
    }
}

fn number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

impl Condition {
    /// Evaluates this condition for the caller described by `ctx`.
    pub(crate) fn eval(&self, ctx: &dyn Context) -> CondResult {
        let op = &self.op;
        if let Some(what) = unknown_in(&self.key).or_else(|| unknown_in(&self.operator)) {
            return CondResult::Unknown(format!("known only after apply ({what})"));
        }
        if op.base == Base::Unknown {
            return CondResult::Unknown(format!("unknown condition operator {}", self.operator));
        }
        let value = ctx.lookup(&self.key_lc);
        if op.base == Base::Null {
            let want_absent = self.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
            return match value {
                CtxValue::Absent => bool_result(want_absent),
                CtxValue::Values(_) => bool_result(!want_absent),
                CtxValue::Unknown(r) => CondResult::Unknown(r),
            };
        }
        let values = match value {
            CtxValue::Unknown(r) => return CondResult::Unknown(r),
            CtxValue::Absent => {
                return bool_result(match op.set {
                    SetOp::ForAllValues => true,
                    SetOp::ForAnyValue => false,
                    SetOp::None => op.if_exists || op.negated(),
                });
            }
            CtxValue::Values(v) => v,
        };
        let mut patterns = Vec::with_capacity(self.values.len());
        // A value known only after apply could match anything: the condition is decided
        // only if it comes out the same whether that value matches every value or none.
        let mut placeholder = None;
        for p in &self.values {
            if let Some(what) = unknown_in(p) {
                placeholder.get_or_insert(what);
                continue;
            }
            match substitute(p, ctx) {
                Pattern::Text(t) => patterns.push(t),
                Pattern::Never => {}
                Pattern::Unknown(r) => return CondResult::Unknown(r),
            }
        }
        let decide = |wildcard: bool| {
            let any_match =
                |v: &str| wildcard || patterns.iter().any(|p| matches_one(&op.base, p, v));
            let ok = |v: &String| {
                if op.negated() {
                    !any_match(v)
                } else {
                    any_match(v)
                }
            };
            match op.set {
                SetOp::ForAllValues => values.iter().all(ok),
                SetOp::ForAnyValue => values.iter().any(ok),
                SetOp::None if op.negated() => values.iter().all(ok),
                SetOp::None => values.iter().any(ok),
            }
        };
        let known = decide(false);
        match placeholder {
            Some(what) if decide(true) != known => {
                CondResult::Unknown(format!("a value is known only after apply ({what})"))
            }
            _ => bool_result(known),
        }
    }

    /// Whether this condition compares the caller's principal ARN.
    pub(crate) fn is_principal_arn(&self) -> bool {
        self.key_lc == "aws:principalarn"
    }
}

fn bool_result(b: bool) -> CondResult {
    if b {
        CondResult::True
    } else {
        CondResult::False
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Ctx(HashMap<&'static str, CtxValue>);
    impl Context for Ctx {
        fn lookup(&self, k: &str) -> CtxValue {
            self.0.get(k).cloned().unwrap_or(CtxValue::Absent)
        }
    }
    fn ctx() -> Ctx {
        let mut m = HashMap::new();
        m.insert(
            "aws:principalarn",
            CtxValue::Values(vec!["arn:aws:iam::111122223333:role/ops/Admin".into()]),
        );
        m.insert("aws:username", CtxValue::Values(vec!["alice".into()]));
        m.insert(
            "aws:principalorgid",
            CtxValue::Unknown("org unknown".into()),
        );
        m.insert(
            "aws:multifactorauthpresent",
            CtxValue::Values(vec!["true".into()]),
        );
        m.insert("aws:sourceip", CtxValue::Values(vec!["52.94.76.10".into()]));
        m.insert(
            "aws:currenttime",
            CtxValue::Values(vec!["2026-11-28T10:00:00Z".into()]),
        );
        m.insert(
            "aws:multifactorauthage",
            CtxValue::Values(vec!["300".into()]),
        );
        m.insert(
            "aws:principaltag/team",
            CtxValue::Values(vec!["sec".into()]),
        );
        m.insert(
            "aws:tagkeys",
            CtxValue::Values(vec!["a".into(), "b".into()]),
        );
        Ctx(m)
    }
    fn cond(op: &str, key: &str, values: &[&str]) -> Condition {
        Condition {
            operator: op.into(),
            op: Operator::parse(op),
            key: key.into(),
            key_lc: key.to_ascii_lowercase(),
            values: values.iter().map(|s| s.to_string()).collect(),
        }
    }
    fn ev(op: &str, key: &str, values: &[&str]) -> CondResult {
        cond(op, key, values).eval(&ctx())
    }
    use CondResult::*;

    #[test]
    fn string_and_arn_wildcards_differ_on_colons() {
        // StringLike: `*` crosses `:`.
        assert_eq!(
            ev("StringLike", "aws:PrincipalArn", &["arn:aws:iam::*Admin"]),
            True
        );
        // ArnLike: each of the six parts on its own, `*` does not cross `:`.
        assert_eq!(
            ev("ArnLike", "aws:PrincipalArn", &["arn:aws:iam::*Admin"]),
            False
        );
        assert_eq!(
            ev("ArnLike", "aws:PrincipalArn", &["arn:aws:iam::*:role/*"]),
            True
        );
        assert_eq!(
            ev(
                "ArnEquals",
                "aws:PrincipalArn",
                &["arn:aws:iam::111122223333:role/ops/*"]
            ),
            True
        );
        assert_eq!(
            ev(
                "StringEquals",
                "aws:PrincipalArn",
                &["arn:aws:iam::111122223333:role/ops/*"]
            ),
            False
        );
    }

    #[test]
    fn key_names_case_insensitive_values_case_sensitive() {
        assert_eq!(ev("StringEquals", "AWS:USERNAME", &["alice"]), True);
        assert_eq!(ev("StringEquals", "aws:username", &["Alice"]), False);
        assert_eq!(
            ev("StringEqualsIgnoreCase", "aws:username", &["ALICE"]),
            True
        );
        assert_eq!(
            ev("StringNotEqualsIgnoreCase", "aws:username", &["ALICE"]),
            False
        );
    }

    #[test]
    fn several_values_or_and_negation_none() {
        assert_eq!(ev("StringEquals", "aws:username", &["bob", "alice"]), True);
        assert_eq!(
            ev("StringNotEquals", "aws:username", &["bob", "alice"]),
            False
        );
        assert_eq!(
            ev("StringNotEquals", "aws:username", &["bob", "carol"]),
            True
        );
        assert_eq!(
            ev(
                "ArnNotLike",
                "aws:PrincipalArn",
                &["arn:aws:iam::*:role/ops/*"]
            ),
            False
        );
    }

    #[test]
    fn absent_keys() {
        assert_eq!(ev("StringEquals", "aws:sourcevpc2", &["x"]), False);
        assert_eq!(ev("StringNotEquals", "aws:sourcevpc2", &["x"]), True);
        assert_eq!(ev("StringEqualsIfExists", "aws:sourcevpc2", &["x"]), True);
        assert_eq!(ev("Null", "aws:sourcevpc2", &["true"]), True);
        assert_eq!(ev("Null", "aws:sourcevpc2", &["false"]), False);
        assert_eq!(ev("Null", "aws:username", &["true"]), False);
        assert_eq!(
            ev("ForAllValues:StringEquals", "aws:sourcevpc2", &["x"]),
            True
        );
        assert_eq!(
            ev("ForAnyValue:StringEquals", "aws:sourcevpc2", &["x"]),
            False
        );
    }

    #[test]
    fn set_operators() {
        assert_eq!(
            ev("ForAnyValue:StringEquals", "aws:TagKeys", &["b", "z"]),
            True
        );
        assert_eq!(
            ev("ForAllValues:StringEquals", "aws:TagKeys", &["b", "z"]),
            False
        );
        assert_eq!(
            ev("ForAllValues:StringEquals", "aws:TagKeys", &["a", "b"]),
            True
        );
        assert_eq!(
            ev("ForAnyValue:StringNotEquals", "aws:TagKeys", &["a"]),
            True
        );
        assert_eq!(
            ev("ForAllValues:StringNotEquals", "aws:TagKeys", &["a"]),
            False
        );
    }

    #[test]
    fn unknown_keys_and_operators() {
        assert!(matches!(
            ev("StringEquals", "aws:PrincipalOrgID", &["o-1"]),
            Unknown(_)
        ));
        assert_eq!(ev("Bool", "aws:MultiFactorAuthPresent", &["true"]), True);
        assert!(matches!(
            ev("StringFancy", "aws:username", &["x"]),
            Unknown(_)
        ));
    }

    /// IAM "Condition operators" (S18): numeric, date and IP operators compare values;
    /// a value that is not a number, date or address matches nothing.
    #[test]
    fn numeric_date_and_ip_operators_compare_values() {
        assert_eq!(
            ev("NumericLessThan", "aws:MultiFactorAuthAge", &["3600"]),
            True
        );
        assert_eq!(
            ev("NumericGreaterThan", "aws:MultiFactorAuthAge", &["3600"]),
            False
        );
        assert_eq!(
            ev("NumericNotEquals", "aws:MultiFactorAuthAge", &["300"]),
            False
        );
        assert_eq!(ev("NumericLessThan", "aws:username", &["3"]), False);
        assert_eq!(
            ev(
                "DateGreaterThan",
                "aws:CurrentTime",
                &["2026-01-01T00:00:00Z"]
            ),
            True
        );
        assert_eq!(
            ev("DateLessThan", "aws:CurrentTime", &["2026-01-01"]),
            False
        );
        assert_eq!(
            ev("DateLessThanEquals", "aws:CurrentTime", &["1795860000"]),
            True
        );
        assert_eq!(ev("IpAddress", "aws:SourceIp", &["52.94.0.0/16"]), True);
        assert_eq!(ev("NotIpAddress", "aws:SourceIp", &["10.0.0.0/8"]), True);
        assert_eq!(
            ev(
                "NotIpAddress",
                "aws:SourceIp",
                &["10.0.0.0/8", "52.94.76.10"]
            ),
            False
        );
        // Absent: positive false, negated true.
        assert_eq!(ev("IpAddress", "aws:sourcevpc2", &["10.0.0.0/8"]), False);
        assert_eq!(ev("NotIpAddress", "aws:sourcevpc2", &["10.0.0.0/8"]), True);
    }

    /// S14b: variables are substituted only under `Version: 2012-10-17`.
    #[test]
    fn variables_are_literal_text_without_the_2012_version() {
        struct Old(Ctx);
        impl Context for Old {
            fn lookup(&self, k: &str) -> CtxValue {
                self.0.lookup(k)
            }
            fn variables(&self) -> bool {
                false
            }
        }
        let c = cond("StringEquals", "aws:username", &["${aws:username}"]);
        assert_eq!(c.eval(&ctx()), True);
        assert_eq!(c.eval(&Old(ctx())), False);
    }

    #[test]
    fn policy_variables() {
        assert_eq!(
            ev(
                "StringEquals",
                "aws:PrincipalTag/team",
                &["${aws:username}"]
            ),
            False
        );
        assert_eq!(
            ev(
                "StringLike",
                "aws:PrincipalArn",
                &["arn:aws:iam::*:role/ops/${aws:username}"]
            ),
            False
        );
        assert_eq!(ev("StringLike", "aws:username", &["${aws:username}"]), True);
        assert_eq!(ev("StringLike", "aws:username", &["al${?}ce"]), True);
        // A variable whose key is absent matches nothing.
        assert_eq!(
            ev("StringEquals", "aws:username", &["${aws:sourcevpc2}"]),
            False
        );
        assert!(matches!(
            ev("StringEquals", "aws:username", &["${aws:PrincipalOrgID}"]),
            Unknown(_)
        ));
    }

    /// Found by fuzzing: an operator name with a multi-byte character where an ASCII
    /// prefix would end panicked on a slice that was not at a char boundary.
    #[test]
    fn operator_names_with_multibyte_characters_do_not_panic() {
        let o = Operator::parse("ArnLi\u{effe}tsrke");
        assert_eq!(o.base, Base::Unknown);
        assert_eq!(
            Operator::parse("ForAnyValu\u{e9}:StringLike").base,
            Base::Unknown
        );
    }

    #[test]
    fn operator_parsing() {
        let o = Operator::parse("ForAnyValue:StringLikeIfExists");
        assert_eq!(
            (o.base, o.if_exists, o.set),
            (Base::StringLike, true, SetOp::ForAnyValue)
        );
        assert_eq!(Operator::parse("ArnEquals").base, Base::ArnLike);
        assert!(Operator::parse("ArnNotEquals").negated());
    }
}
