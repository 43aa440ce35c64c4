//! IAM wildcard matching: `*` matches any run of characters (also `:`), `?` exactly one.
//!
//! The greedy algorithm with a single back-tracking point runs in O(pattern × text) at
//! worst and never recurses, so hostile patterns such as `*a*a*a…b` cannot blow up.

/// Whether `text` matches the wildcard `pattern`.
pub(crate) fn glob_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        matcher(pattern.as_bytes(), text.as_bytes(), |a, b| {
            if ignore_case {
                a.eq_ignore_ascii_case(&b)
            } else {
                a == b
            }
        })
    } else {
        let p: Vec<char> = pattern.chars().collect();
        let t: Vec<char> = text.chars().collect();
        matcher(&p, &t, |a, b| {
            if ignore_case {
                a == b || a.to_lowercase().eq(b.to_lowercase())
            } else {
                a == b
            }
        })
    }
}

/// Whether a pattern contains a wildcard.
pub(crate) fn has_wildcard(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

trait Wild: Copy {
    fn is_star(self) -> bool;
    fn is_any(self) -> bool;
}
impl Wild for u8 {
    fn is_star(self) -> bool {
        self == b'*'
    }
    fn is_any(self) -> bool {
        self == b'?'
    }
}
impl Wild for char {
    fn is_star(self) -> bool {
        self == '*'
    }
    fn is_any(self) -> bool {
        self == '?'
    }
}

fn matcher<T: Wild>(p: &[T], t: &[T], eq: impl Fn(T, T) -> bool) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<usize> = None;
    let mut mark = 0usize;
    while ti < t.len() {
        if pi < p.len() && p[pi].is_star() {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if pi < p.len() && (p[pi].is_any() || eq(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi].is_star() {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::glob_match as g;

    #[test]
    fn wildcards() {
        assert!(g("*", "", false));
        assert!(g("kms:*", "kms:PutKeyPolicy", false));
        assert!(g("kms:Put*", "kms:PutKeyPolicy", false));
        assert!(!g("kms:Put*", "kms:GetKeyPolicy", false));
        assert!(g("kms:PutKeyPolic?", "kms:PutKeyPolicy", false));
        assert!(!g("kms:PutKeyPolic?", "kms:PutKeyPolicyX", false));
        assert!(g("KMS:putkeypolicy", "kms:PutKeyPolicy", true));
        assert!(!g("KMS:putkeypolicy", "kms:PutKeyPolicy", false));
        assert!(g("arn:*:role/a*", "arn:aws:iam::1:role/admin", false));
        assert!(g("a*b*c", "aXbYc", false));
        assert!(!g("a*b*c", "aXbY", false));
        assert!(g("*é?", "xxéz", false));
    }

    #[test]
    fn hostile_pattern_is_fast_and_correct() {
        let pattern = format!("{}b", "*a".repeat(200));
        let text = "a".repeat(5000);
        assert!(!g(&pattern, &text, false));
        let text_b = format!("{text}b");
        assert!(g(&pattern, &text_b, false));
    }
}
