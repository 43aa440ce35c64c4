//! Resource and module addresses, as Terraform writes them in a plan:
//! `module.a["x"].module.b[0].data.aws_iam_role.r["k"]`.
//!
//! One parser and one printer: `ResourceAddress::from_str(s)?.to_string() == s` for every
//! address Terraform writes (instance keys are written as JSON strings or integers).

use std::fmt;
use std::str::FromStr;

/// An instance key: `[0]` (`count`) or `["k"]` (`for_each`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstanceKey {
    Int(u64),
    Str(String),
}

impl InstanceKey {
    /// The key as JSON text, as a plan's `index` field writes it: `0` or `"k"`.
    pub fn json(&self) -> String {
        match self {
            InstanceKey::Int(n) => n.to_string(),
            InstanceKey::Str(s) => serde_json::Value::String(s.clone()).to_string(),
        }
    }

    /// Reads an `index` field's JSON text (`0`, `"k"`).
    pub fn from_json(text: &str) -> Option<InstanceKey> {
        match serde_json::from_str::<serde_json::Value>(text).ok()? {
            serde_json::Value::String(s) => Some(InstanceKey::Str(s)),
            serde_json::Value::Number(n) => n.as_u64().map(InstanceKey::Int),
            _ => None,
        }
    }
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]", self.json())
    }
}

/// Reads `[...]` at the start of `s`: the key and what follows it.
fn read_key(s: &str) -> Option<(InstanceKey, &str)> {
    let body = s.strip_prefix('[')?;
    if body.starts_with('"') {
        // A JSON string: find its closing quote, honouring escapes.
        let mut escaped = false;
        for (i, c) in body.char_indices().skip(1) {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => {
                    let text: String = serde_json::from_str(&body[..=i]).ok()?;
                    return Some((InstanceKey::Str(text), body[i + 1..].strip_prefix(']')?));
                }
                _ => {}
            }
        }
        None
    } else {
        let end = body.find(']')?;
        let digits = &body[..end];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some((InstanceKey::Int(digits.parse().ok()?), &body[end + 1..]))
    }
}

/// Reads a name (a module call, a resource type or name) at the start of `s`.
fn read_name(s: &str) -> Option<(&str, &str)> {
    let end = s.find(['.', '[']).unwrap_or(s.len());
    let name = &s[..end];
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    ok.then_some((name, &s[end..]))
}

/// One step of a module path: a call and, for `count`/`for_each`, its instance key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleStep {
    pub call: String,
    pub key: Option<InstanceKey>,
}

/// A module instance: `module.a["x"].module.b`; empty for the root module.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleInstance(pub Vec<ModuleStep>);

impl ModuleInstance {
    pub fn root() -> ModuleInstance {
        ModuleInstance(Vec::new())
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The module call names from the root down (`["a", "b"]`): the module's place in the
    /// configuration, whatever the instance keys.
    pub fn calls(&self) -> Vec<&str> {
        self.0.iter().map(|s| s.call.as_str()).collect()
    }

    /// The calling module's instance.
    pub fn parent(&self) -> Option<ModuleInstance> {
        let mut p = self.0.clone();
        p.pop()?;
        Some(ModuleInstance(p))
    }

    /// The instance of a module call in this one.
    pub fn child(&self, call: &str, key: Option<InstanceKey>) -> ModuleInstance {
        let mut c = self.0.clone();
        c.push(ModuleStep {
            call: call.to_owned(),
            key,
        });
        ModuleInstance(c)
    }

    /// `relative` (`aws_iam_role.a`, `data.x.y`) as seen from this module: prefixed with
    /// the module's address.
    pub fn absolute(&self, relative: &str) -> String {
        if self.is_root() {
            relative.to_owned()
        } else {
            format!("{self}.{relative}")
        }
    }

    /// Reads the module steps at the start of `s` (`module.a["x"].` …); the rest.
    fn read(mut s: &str) -> Option<(ModuleInstance, &str)> {
        let mut steps = Vec::new();
        while let Some(after) = s.strip_prefix("module.") {
            let (call, mut rest) = read_name(after)?;
            let mut key = None;
            if rest.starts_with('[') {
                let (k, r) = read_key(rest)?;
                key = Some(k);
                rest = r;
            }
            steps.push(ModuleStep {
                call: call.to_owned(),
                key,
            });
            s = match rest.strip_prefix('.') {
                Some("") => return None,
                Some(r) => r,
                None if rest.is_empty() => rest,
                None => return None,
            };
        }
        Some((ModuleInstance(steps), s))
    }
}

impl fmt::Display for ModuleInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "module.{}", s.call)?;
            if let Some(k) = &s.key {
                write!(f, "{k}")?;
            }
        }
        Ok(())
    }
}

impl FromStr for ModuleInstance {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match ModuleInstance::read(s) {
            Some((m, "")) => Ok(m),
            _ => Err(()),
        }
    }
}

/// Whether a resource is managed or read by a data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Managed,
    Data,
}

/// A resource instance: `module.a["x"].aws_kms_key.k[0]`, `data.aws_iam_role.r`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceAddress {
    pub module: ModuleInstance,
    pub mode: Mode,
    pub rtype: String,
    pub name: String,
    pub key: Option<InstanceKey>,
}

impl ResourceAddress {
    /// The address within its module (`aws_kms_key.k[0]`).
    pub fn relative(&self) -> String {
        let mut s = String::new();
        if self.mode == Mode::Data {
            s.push_str("data.");
        }
        s.push_str(&self.rtype);
        s.push('.');
        s.push_str(&self.name);
        if let Some(k) = &self.key {
            s.push_str(&k.to_string());
        }
        s
    }

    /// The block in its module, without the instance key (`aws_kms_key.k`).
    pub fn block(&self) -> String {
        let prefix = if self.mode == Mode::Data { "data." } else { "" };
        format!("{prefix}{}.{}", self.rtype, self.name)
    }

    /// The same resource without its instance key.
    pub fn without_key(&self) -> ResourceAddress {
        ResourceAddress {
            key: None,
            ..self.clone()
        }
    }
}

impl fmt::Display for ResourceAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_root() {
            write!(f, "{}.", self.module)?;
        }
        f.write_str(&self.relative())
    }
}

impl FromStr for ResourceAddress {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let (module, rest) = ModuleInstance::read(s).ok_or(())?;
        let (mode, rest) = match rest.strip_prefix("data.") {
            Some(r) => (Mode::Data, r),
            None => (Mode::Managed, rest),
        };
        let (rtype, rest) = read_name(rest).ok_or(())?;
        let rest = rest.strip_prefix('.').ok_or(())?;
        let (name, rest) = read_name(rest).ok_or(())?;
        let (key, rest) = if rest.starts_with('[') {
            let (k, r) = read_key(rest).ok_or(())?;
            (Some(k), r)
        } else {
            (None, rest)
        };
        if !rest.is_empty() {
            return Err(());
        }
        Ok(ResourceAddress {
            module,
            mode,
            rtype: rtype.to_owned(),
            name: name.to_owned(),
            key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(s: &str) -> ResourceAddress {
        let a: ResourceAddress = s.parse().unwrap_or_else(|_| panic!("{s}"));
        assert_eq!(a.to_string(), s);
        a
    }

    #[test]
    fn addresses_parse_and_print_as_terraform_writes_them() {
        let a = round_trip("aws_kms_key.k");
        assert_eq!(
            (a.mode, a.rtype.as_str(), a.name.as_str()),
            (Mode::Managed, "aws_kms_key", "k")
        );
        let a = round_trip(r#"module.a["x.y]\"[z"].module.b[3].data.aws_iam_role.r["k"]"#);
        assert_eq!(a.module.calls(), ["a", "b"]);
        assert_eq!(a.module.0[0].key, Some(InstanceKey::Str("x.y]\"[z".into())));
        assert_eq!(a.mode, Mode::Data);
        assert_eq!(a.key, Some(InstanceKey::Str("k".into())));
        assert_eq!(a.relative(), r#"data.aws_iam_role.r["k"]"#);
        assert_eq!(a.block(), "data.aws_iam_role.r");
        round_trip("aws_iam_role.a[0]");
        round_trip("aws_kms_key.k[\"\\u001b\\n\"]");
        assert_eq!(
            a.module.parent().unwrap().to_string(),
            r#"module.a["x.y]\"[z"]"#
        );
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for s in [
            "",
            "aws_kms_key",
            "aws_kms_key.",
            "modul.a.aws_kms_key.k",
            "module.a.",
            "module.a[\"open.aws_kms_key.k",
            "aws_kms_key.k[x]",
            "aws_kms_key.k[0]x",
            "::error::x.k",
            "module.a]x.aws_kms_key.k",
        ] {
            assert!(s.parse::<ResourceAddress>().is_err(), "{s}");
        }
    }

    #[test]
    fn module_instances() {
        let m: ModuleInstance = r#"module.a["module.x"].module.b[2]"#.parse().unwrap();
        assert_eq!(m.calls(), ["a", "b"]);
        assert_eq!(m.to_string(), r#"module.a["module.x"].module.b[2]"#);
        assert_eq!(
            m.absolute("aws_iam_role.r"),
            r#"module.a["module.x"].module.b[2].aws_iam_role.r"#
        );
        assert!("".parse::<ModuleInstance>().unwrap().is_root());
        assert!("module.a.".parse::<ModuleInstance>().is_err());
        assert!("resource.x".parse::<ModuleInstance>().is_err());
    }
}
