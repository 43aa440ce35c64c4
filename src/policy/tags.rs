//! Resource tags (`aws:PrincipalTag/…`, `aws:ResourceTag/…`), held compactly.
//!
//! Plans carry tags on nearly every resource; a map with a string per key and per value
//! costs several times its text. [`Tags`] keeps the text in one allocation.

/// Tags sorted by key, each key once, in one string with the end offsets of every key and
/// value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags {
    text: Box<str>,
    /// `ends[2i]` is the end of key `i` in `text`, `ends[2i + 1]` the end of its value.
    ends: Box<[u32]>,
}

impl Tags {
    /// The tags in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut start = 0usize;
        self.ends.chunks_exact(2).map(move |e| {
            let (k, v) = (e[0] as usize, e[1] as usize);
            let out = (&self.text[start..k], &self.text[k..v]);
            start = v;
            out
        })
    }

    pub fn len(&self) -> usize {
        self.ends.len() / 2
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The value of the first tag whose key equals `key` ignoring ASCII case, as condition
    /// keys do.
    pub fn get_ignore_case(&self, key: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }
}

/// Later entries win over earlier ones with the same key, as in a JSON object read into a
/// map. Text beyond 4 GiB in all is dropped (no real tag set comes near it).
impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Tags {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Tags {
        let mut pairs: Vec<(K, V)> = iter.into_iter().collect();
        // Stable: among equal keys the last one given ends up last.
        pairs.sort_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
        let mut text = String::new();
        let mut ends = Vec::new();
        for (i, (k, v)) in pairs.iter().enumerate() {
            let (k, v) = (k.as_ref(), v.as_ref());
            if pairs.get(i + 1).is_some_and(|n| n.0.as_ref() == k) {
                continue;
            }
            if text.len() + k.len() + v.len() > u32::MAX as usize {
                break;
            }
            text.push_str(k);
            ends.push(text.len() as u32);
            text.push_str(v);
            ends.push(text.len() as u32);
        }
        Tags {
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Tags;

    #[test]
    fn keeps_every_tag_sorted_and_the_last_of_a_repeated_key() {
        let t: Tags = [("b", "2"), ("a", "1"), ("b", "3"), ("", ""), ("c", "")]
            .into_iter()
            .collect();
        assert_eq!(
            t.iter().collect::<Vec<_>>(),
            [("", ""), ("a", "1"), ("b", "3"), ("c", "")]
        );
        assert_eq!(t.len(), 4);
        assert_eq!(t.get_ignore_case("B"), Some("3"));
        assert_eq!(t.get_ignore_case("d"), None);
        let empty: Tags = std::iter::empty::<(&str, &str)>().collect();
        assert!(empty.is_empty() && empty.iter().next().is_none());
    }

    #[test]
    fn multibyte_text_splits_at_the_recorded_ends() {
        let t: Tags = [("équipe", "sécurité"), ("日本", "東京")]
            .into_iter()
            .collect();
        assert_eq!(t.get_ignore_case("日本"), Some("東京"));
        assert_eq!(t.get_ignore_case("équipe"), Some("sécurité"));
    }
}
