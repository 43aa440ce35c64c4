//! Resource and module addresses.

/// The module call names of a module address, without instance keys:
/// `module.a[0].module.b["x"]` → `["a", "b"]`. String keys may contain any character,
/// including dots, brackets and escaped quotes. Returns `None` for a malformed address.
pub fn module_calls(module_address: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let mut rest = module_address;
    while !rest.is_empty() {
        rest = rest.strip_prefix("module.")?;
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        if end == 0
            || !rest[..end]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return None;
        }
        out.push(&rest[..end]);
        rest = &rest[end..];
        if rest.starts_with('[') {
            rest = skip_key(rest)?;
        }
        if let Some(r) = rest.strip_prefix('.') {
            if r.is_empty() {
                return None;
            }
            rest = r;
        } else if !rest.is_empty() {
            return None;
        }
    }
    Some(out)
}

/// The module instance addresses from the root down: `module.a["x.y"].module.b` →
/// `["", "module.a[\"x.y\"]", "module.a[\"x.y\"].module.b"]`. `None` for a malformed address.
pub fn module_instances(module_address: &str) -> Option<Vec<&str>> {
    let mut out = vec![""];
    let mut rest = module_address;
    while !rest.is_empty() {
        let after_name = rest.strip_prefix("module.")?;
        let end = after_name.find(['.', '[']).unwrap_or(after_name.len());
        if end == 0 {
            return None;
        }
        let mut tail = &after_name[end..];
        if tail.starts_with('[') {
            tail = skip_key(tail)?;
        }
        let consumed = module_address.len() - tail.len();
        out.push(&module_address[..consumed]);
        rest = match tail.strip_prefix('.') {
            Some("") => return None,
            Some(r) => r,
            None if tail.is_empty() => tail,
            None => return None,
        };
    }
    Some(out)
}

/// Skips one `[...]` instance key at the start of `s` and returns what follows it.
fn skip_key(s: &str) -> Option<&str> {
    let body = s.strip_prefix('[')?;
    if let Some(quoted) = body.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in quoted.char_indices() {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => return quoted[i + 1..].strip_prefix(']'),
                _ => {}
            }
        }
        None
    } else {
        let end = body.find(']')?;
        Some(&body[end + 1..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_instance_keys() {
        assert_eq!(module_calls(""), Some(vec![]));
        assert_eq!(module_calls("module.a"), Some(vec!["a"]));
        assert_eq!(module_calls("module.a[0].module.b"), Some(vec!["a", "b"]));
        assert_eq!(
            module_calls(r#"module.a["x.y]\"[z"].module.b[3]"#),
            Some(vec!["a", "b"])
        );
    }

    #[test]
    fn lists_module_instances_from_the_root_down() {
        assert_eq!(module_instances(""), Some(vec![""]));
        assert_eq!(
            module_instances(r#"module.a["module.x"].module.b[2]"#),
            Some(vec![
                "",
                r#"module.a["module.x"]"#,
                r#"module.a["module.x"].module.b[2]"#
            ])
        );
        assert_eq!(module_instances("module.a."), None);
        assert_eq!(module_instances("resource.x"), None);
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!(module_calls("modul.a"), None);
        assert_eq!(module_calls("module.a[\"open"), None);
        assert_eq!(module_calls("module.a."), None);
        assert_eq!(module_calls("module.a]x"), None);
    }
}
