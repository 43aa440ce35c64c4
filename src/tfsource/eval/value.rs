//! Values of Terraform expressions, as far as kmsguard evaluates them.
//!
//! A value the plan does not give (known only after apply) is [`Value::Unknown`], which says
//! what it stands for. As in Terraform, an operation on an unknown value gives an unknown
//! value: nothing is decided on a value that is not known. A string may also hold unknown
//! parts (an interpolation of an unknown value), written as placeholders
//! ([`unknown_value`]); the policy evaluator reads each as "could be anything".

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::policy::placeholder::{UNKNOWN_END, UNKNOWN_START, unknown_in, unknown_value};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(Rc<str>),
    /// A list, tuple or set.
    List(Rc<Vec<Value>>),
    /// An object or map.
    Object(Rc<BTreeMap<String, Value>>),
    /// An object of which only some attributes are known (a resource the plan shows in
    /// part); says what it is. As a whole, it is unknown.
    Partial(Rc<BTreeMap<String, Value>>, Rc<str>),
    /// Known only after apply; says what it is.
    Unknown(Rc<str>),
}

impl Value {
    pub(crate) fn string(s: impl Into<String>) -> Value {
        Value::String(Rc::from(s.into()))
    }

    pub(crate) fn unknown(what: impl Into<String>) -> Value {
        Value::Unknown(Rc::from(what.into()))
    }

    pub(crate) fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(v))
    }

    pub(crate) fn object(m: BTreeMap<String, Value>) -> Value {
        Value::Object(Rc::new(m))
    }

    pub(crate) fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }

    /// Whether the value, or any part of it, is not known.
    pub(crate) fn has_unknown(&self) -> bool {
        match self {
            Value::Unknown(_) | Value::Partial(..) => true,
            Value::String(s) => unknown_in(s).is_some(),
            Value::List(l) => l.iter().any(Value::has_unknown),
            Value::Object(o) => o.values().any(Value::has_unknown),
            _ => false,
        }
    }

    /// The first unknown part's description.
    pub(crate) fn first_unknown(&self) -> Option<String> {
        match self {
            Value::Unknown(w) | Value::Partial(_, w) => Some(w.to_string()),
            Value::String(s) => unknown_in(s).map(str::to_owned),
            Value::List(l) => l.iter().find_map(Value::first_unknown),
            Value::Object(o) => o.values().find_map(Value::first_unknown),
            _ => None,
        }
    }

    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Object(_) | Value::Partial(..) => "object",
            Value::Unknown(_) => "unknown value",
        }
    }

    /// The value as a string where Terraform converts it to one (numbers and bools); an
    /// unknown value becomes a placeholder.
    pub(crate) fn to_str(&self) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        match self {
            Value::String(s) => Some(Cow::Borrowed(s)),
            Value::Number(n) => Some(Cow::Owned(number_text(*n))),
            Value::Bool(b) => Some(Cow::Owned(b.to_string())),
            Value::Unknown(w) => Some(Cow::Owned(unknown_value(w))),
            _ => None,
        }
    }

    /// How much evaluation budget the value costs to build (its size, roughly).
    pub(crate) fn weight(&self) -> u64 {
        match self {
            Value::String(s) => 1 + s.len() as u64 / 32,
            Value::List(l) => 1 + l.len() as u64,
            Value::Object(o) | Value::Partial(o, _) => 1 + o.len() as u64,
            _ => 1,
        }
    }
}

/// A number as Terraform prints it: integers without a fraction.
pub(crate) fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e17 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// JSON text of a value as Terraform's `jsonencode` writes it: compact, object keys in
/// lexical order. An unknown part becomes a placeholder string.
pub(crate) fn to_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if n.is_finite() => out.push_str(&number_text(*n)),
        Value::Number(_) => out.push_str("null"),
        Value::String(s) => json_string(s, out),
        Value::Unknown(w) | Value::Partial(_, w) => json_string(&unknown_value(w), out),
        Value::List(l) => {
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                to_json(x, out);
            }
            out.push(']');
        }
        Value::Object(o) => {
            out.push('{');
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(k, out);
                out.push(':');
                to_json(x, out);
            }
            out.push('}');
        }
    }
}

/// A JSON string literal. Placeholder markers are escaped like any control character, so a
/// placeholder stays one (see `policy::document::known_len`).
fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Terraform escapes these for HTML safety, as Go's encoding/json does.
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A value from JSON (`jsondecode`, plan values). Placeholders in strings stay.
pub(crate) fn from_json(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::string(s.as_str()),
        serde_json::Value::Array(a) => Value::list(a.iter().map(from_json).collect()),
        serde_json::Value::Object(o) => {
            Value::object(o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}

/// Whether a string holds a placeholder marker.
pub(crate) fn has_marker(s: &str) -> bool {
    s.contains([UNKNOWN_START, UNKNOWN_END])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_compact_sorted_and_escaped_like_terraform() {
        let mut m = BTreeMap::new();
        m.insert("b".to_owned(), Value::Number(1.0));
        m.insert("a".to_owned(), Value::string("<x>\n"));
        m.insert("c".to_owned(), Value::unknown("later"));
        let mut out = String::new();
        to_json(&Value::object(m), &mut out);
        assert_eq!(
            out,
            r#"{"a":"\u003cx\u003e\n","b":1,"c":"\u0001later\u0002"}"#
        );
        assert_eq!(number_text(1.5), "1.5");
        assert_eq!(number_text(3600.0), "3600");
    }
}
