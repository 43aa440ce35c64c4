//! Placeholders: values known only after apply, inside a policy kmsguard rebuilt (from the
//! plan or the source). A placeholder is a string `\u{1}what\u{2}`; the evaluator treats any
//! string holding one as "could be anything", and reports show it as `⟨what⟩`.

/// Starts a value that is known only after apply, in a policy rebuilt from the configuration
/// (see `resolve`). The text up to [`UNKNOWN_END`] says what the value is. The
/// evaluator treats any string containing it as "could be anything": a statement whose list
/// holds one still counts for its known elements.
pub(crate) const UNKNOWN_START: char = '\u{1}';
pub(crate) const UNKNOWN_END: char = '\u{2}';

/// A placeholder for a value known only after apply; `what` names it.
pub(crate) fn unknown_value(what: &str) -> String {
    let clean: String = what
        .chars()
        .filter(|c| *c != UNKNOWN_START && *c != UNKNOWN_END)
        .collect();
    format!("{UNKNOWN_START}{clean}{UNKNOWN_END}")
}

/// What the first placeholder in `s` stands for, if `s` holds one.
pub(crate) fn unknown_in(s: &str) -> Option<&str> {
    // A byte search: this runs on every pattern the evaluator matches.
    let start = s.as_bytes().iter().position(|b| *b == 1)? + 1;
    let rest = &s[start..];
    Some(rest.find(UNKNOWN_END).map_or(rest, |e| &rest[..e]))
}

/// How messages show a string that may hold placeholders: `⟨what⟩`.
pub(crate) fn display_value(s: &str) -> String {
    s.replace(UNKNOWN_START, "⟨").replace(UNKNOWN_END, "⟩")
}
