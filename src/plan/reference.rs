//! References in configuration expressions, as a plan's `configuration` lists them:
//! `aws_iam_role.admin.arn`, `data.aws_iam_policy_document.kms["a"].json`, `var.x`,
//! `local.y`, `module.m.out`, `each.key`, `count.index`, `path.module`.

use super::address::{InstanceKey, Mode};

/// What a reference names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A resource or data source (an instance, when `key` is set), and the attribute read.
    Resource {
        mode: Mode,
        rtype: String,
        name: String,
        key: Option<InstanceKey>,
        attribute: Option<String>,
    },
    /// `var.NAME`.
    Variable(String),
    /// `local.NAME`.
    Local(String),
    /// `module.CALL` or `module.CALL.OUTPUT`.
    Module {
        call: String,
        output: Option<String>,
    },
    /// `each.*`, `count.*`, `path.*`, `terraform.*`, `self.*`.
    Meta(String),
}

/// A reference and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    pub text: String,
    pub target: Target,
}

/// The first name of a dotted reference, and the rest.
fn first(s: &str) -> (&str, &str) {
    match s.find(['.', '[']) {
        Some(i) => (&s[..i], s[i..].strip_prefix('.').unwrap_or(&s[i..])),
        None => (s, ""),
    }
}

impl Reference {
    /// Reads a reference; `None` for text that is not one.
    pub(crate) fn parse(text: &str) -> Option<Reference> {
        let (head, rest) = first(text);
        let name_only = |r: &str| -> Option<String> {
            let (n, _) = first(r);
            (!n.is_empty()).then(|| n.to_owned())
        };
        let target = match head {
            "var" => Target::Variable(name_only(rest)?),
            "local" => Target::Local(name_only(rest)?),
            "module" => {
                let (call, after) = first(rest);
                if call.is_empty() || after.starts_with('[') {
                    return None;
                }
                Target::Module {
                    call: call.to_owned(),
                    output: name_only(after),
                }
            }
            "each" | "count" | "path" | "terraform" | "self" => Target::Meta(text.to_owned()),
            "" => return None,
            _ => {
                let (mode, rest) = if head == "data" {
                    (Mode::Data, rest)
                } else {
                    (Mode::Managed, text)
                };
                let (rtype, rest) = first(rest);
                let name_end = rest.find(['.', '[']).unwrap_or(rest.len());
                let name = &rest[..name_end];
                let mut after = &rest[name_end..];
                if rtype.is_empty() || name.is_empty() {
                    return None;
                }
                let mut key = None;
                if after.starts_with('[') {
                    // The address reader reads the key.
                    let end = index_end(after)?;
                    let addr: super::address::ResourceAddress =
                        format!("x.x{}", &after[..end]).parse().ok()?;
                    key = addr.key;
                    after = &after[end..];
                }
                let attribute = after
                    .strip_prefix('.')
                    .map(|a| first(a).0.to_owned())
                    .filter(|a| !a.is_empty());
                Target::Resource {
                    mode,
                    rtype: rtype.to_owned(),
                    name: name.to_owned(),
                    key,
                    attribute,
                }
            }
        };
        Some(Reference {
            text: text.to_owned(),
            target,
        })
    }

    /// The resource part of a resource reference, without the attribute:
    /// `aws_iam_role.a["x"]` for `aws_iam_role.a["x"].arn`.
    pub(crate) fn resource_text(&self) -> Option<String> {
        match &self.target {
            Target::Resource {
                mode,
                rtype,
                name,
                key,
                ..
            } => {
                let data = if *mode == Mode::Data { "data." } else { "" };
                let key = key.as_ref().map(ToString::to_string).unwrap_or_default();
                Some(format!("{data}{rtype}.{name}{key}"))
            }
            _ => None,
        }
    }
}

/// The end of a leading `[...]`, honouring quotes.
fn index_end(s: &str) -> Option<usize> {
    let mut in_quote = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_quote => escaped = true,
            '"' => in_quote = !in_quote,
            ']' if !in_quote => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// The most specific references: `aws_iam_role.a.arn` rather than also `aws_iam_role.a`
/// (a plan lists both).
pub(crate) fn most_specific(refs: Vec<String>) -> Vec<String> {
    refs.iter()
        .filter(|r| {
            !refs.iter().any(|o| {
                o != *r && (o.starts_with(&format!("{r}.")) || o.starts_with(&format!("{r}[")))
            })
        })
        .cloned()
        .collect()
}

/// The most general references: `data.x.y` for `data.x.y.json` and `data.x.y`.
pub(crate) fn most_general(refs: &[String]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for r in refs {
        let covered = refs.iter().any(|o| {
            o != r && (r.starts_with(&format!("{o}.")) || r.starts_with(&format!("{o}[")))
        });
        if !covered && !out.contains(&r.as_str()) {
            out.push(r);
        }
    }
    out
}

/// Every `references` string in a configuration expression tree, in order, each once.
pub(crate) fn references_in(v: &serde_json::Value) -> Vec<String> {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    if k == "references" {
                        for r in x
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(serde_json::Value::as_str)
                        {
                            if !out.iter().any(|o| o == r) {
                                out.push(r.to_owned());
                            }
                        }
                    } else {
                        walk(x, out);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(s: &str) -> Target {
        Reference::parse(s).unwrap().target
    }

    #[test]
    fn references_name_what_they_read() {
        assert_eq!(
            target(r#"aws_iam_role.a["x.y"].arn"#),
            Target::Resource {
                mode: Mode::Managed,
                rtype: "aws_iam_role".into(),
                name: "a".into(),
                key: Some(InstanceKey::Str("x.y".into())),
                attribute: Some("arn".into())
            }
        );
        let r = Reference::parse("data.aws_caller_identity.current.account_id").unwrap();
        assert_eq!(
            r.resource_text().unwrap(),
            "data.aws_caller_identity.current"
        );
        assert!(
            matches!(r.target, Target::Resource { mode: Mode::Data, attribute: Some(ref a), .. } if a == "account_id")
        );
        assert_eq!(
            target("aws_iam_role.a"),
            Target::Resource {
                mode: Mode::Managed,
                rtype: "aws_iam_role".into(),
                name: "a".into(),
                key: None,
                attribute: None
            }
        );
        assert_eq!(
            target("var.admin_arn"),
            Target::Variable("admin_arn".into())
        );
        assert_eq!(target("local.x[0]"), Target::Local("x".into()));
        assert_eq!(
            target("module.m.out"),
            Target::Module {
                call: "m".into(),
                output: Some("out".into())
            }
        );
        assert!(Reference::parse("").is_none());
        assert!(Reference::parse("module.m[0].out").is_none());
    }

    #[test]
    fn most_specific_and_most_general() {
        let refs: Vec<String> = [
            "aws_iam_role.a[0].arn",
            "aws_iam_role.a[0]",
            "aws_iam_role.a",
            "var.x",
            "module.m.out",
            "module.m",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            most_specific(refs.clone()),
            ["aws_iam_role.a[0].arn", "var.x", "module.m.out"]
        );
        assert_eq!(most_general(&refs), ["aws_iam_role.a", "var.x", "module.m"]);
    }
}
