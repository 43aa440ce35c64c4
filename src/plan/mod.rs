//! Step 1 of the pipeline: bytes → a recognised plan or state document.
//!
//! [`load`] refuses what is not `terraform show -json` output (binary planfiles, raw
//! state files, HCP Terraform redacted plans, other JSON) and gates `format_version`.

pub mod address;
pub mod model;

use crate::error::InputError;
pub use model::RawDocument;

/// The newest plan `format_version` this build knows field by field.
pub const KNOWN_PLAN_FORMAT: (u64, u64) = (1, 2);
/// The newest state `format_version` this build knows.
pub const KNOWN_STATE_FORMAT: (u64, u64) = (1, 0);

/// What kind of `show -json` document an input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Plan,
    State,
}

/// A recognised input document, borrowing from the input buffer.
#[derive(Debug)]
pub struct Document<'a> {
    pub kind: DocKind,
    pub format_version: String,
    /// Notes for the report (a newer minor format, an errored plan).
    pub notes: Vec<String>,
    pub raw: RawDocument<'a>,
}

/// Recognises and parses one input. `name` is how the user named the input (used in the
/// binary-planfile hint).
pub fn load<'a>(name: &str, bytes: &'a [u8]) -> Result<Document<'a>, InputError> {
    let trimmed = trim_ascii_start(bytes);
    if trimmed.is_empty() {
        return Err(InputError::Empty);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        let shown = if name == "-" { "PLANFILE" } else { name };
        return Err(InputError::BinaryPlan(shown.to_owned()));
    }
    if trimmed[0] != b'{' {
        if trimmed.iter().take(512).any(|&b| b == 0) {
            return Err(InputError::NotPlan("it is a binary file".into()));
        }
        if trimmed[0] == b'[' || trimmed[0] == b'"' || trimmed[0].is_ascii_digit() {
            return Err(InputError::NotPlan(
                "the document is not a JSON object".into(),
            ));
        }
    }
    let raw: RawDocument<'a> = serde_json::from_slice(bytes).map_err(json_error)?;
    classify(raw)
}

fn trim_ascii_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

fn json_error(e: serde_json::Error) -> InputError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => InputError::Json(format!("{e} (the file looks truncated)")),
        Category::Data => InputError::NotPlan(format!("unexpected content: {e}")),
        _ => InputError::Json(e.to_string()),
    }
}

fn classify(raw: RawDocument<'_>) -> Result<Document<'_>, InputError> {
    let Some(fv) = raw.format_version.as_deref() else {
        if raw.plan_format_version.is_some() || raw.provider_schemas.is_some() {
            return Err(InputError::RedactedPlan);
        }
        if raw.lineage.is_some() && raw.serial.is_some() {
            return Err(InputError::RawState);
        }
        return Err(InputError::NotPlan("it has no `format_version` key".into()));
    };
    let fv = fv.to_owned();
    let Some((major, minor)) = parse_version(&fv) else {
        return Err(InputError::NotPlan(format!(
            "its format_version {fv:?} is not a version number"
        )));
    };
    if major >= 2 {
        return Err(InputError::UnsupportedVersion(fv));
    }
    let is_plan = raw.resource_changes.is_some()
        || raw.planned_values.is_some()
        || raw.prior_state.is_some()
        || raw.configuration.is_some()
        || raw.output_changes.is_some()
        || raw.errored.is_some();
    let kind = if is_plan {
        DocKind::Plan
    } else {
        DocKind::State
    };
    let known = match kind {
        DocKind::Plan => KNOWN_PLAN_FORMAT,
        DocKind::State => KNOWN_STATE_FORMAT,
    };
    let mut notes = Vec::new();
    if (major, minor) > known {
        notes.push(format!(
            "format_version {fv} is newer than the {}.{} this kmsguard knows; read it anyway (minor versions only add fields)",
            known.0, known.1
        ));
    }
    if raw.errored.is_some_and(|f| f.0) {
        notes.push(
            "the plan errored (`errored: true`): Terraform cannot apply it; checked what it shows"
                .into(),
        );
    }
    Ok(Document {
        kind,
        format_version: fv,
        notes,
        raw,
    })
}

/// Parses `"MAJOR.MINOR"` (a missing minor reads as 0).
fn parse_version(v: &str) -> Option<(u64, u64)> {
    let mut parts = v.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = match parts.next() {
        Some(m) => m.parse().ok()?,
        None => 0,
    };
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> InputError {
        load("f.json", s.as_bytes()).unwrap_err()
    }

    #[test]
    fn refuses_what_is_not_show_json() {
        assert_eq!(err(""), InputError::Empty);
        assert_eq!(err("  \n"), InputError::Empty);
        assert!(matches!(err("PK\x03\x04rest"), InputError::BinaryPlan(n) if n == "f.json"));
        assert!(matches!(err("[1,2]"), InputError::NotPlan(_)));
        assert!(
            matches!(err("{\"format_version\":\"1.2\""), InputError::Json(m) if m.contains("truncated"))
        );
        assert_eq!(
            err(r#"{"plan_format_version":"1.1","resource_changes":[]}"#),
            InputError::RedactedPlan
        );
        assert_eq!(
            err(r#"{"version":4,"serial":3,"lineage":"x","resources":[]}"#),
            InputError::RawState
        );
        assert!(matches!(err(r#"{"a":1}"#), InputError::NotPlan(_)));
        assert_eq!(
            err(r#"{"format_version":"2.0"}"#),
            InputError::UnsupportedVersion("2.0".into())
        );
        assert!(matches!(
            err(r#"{"format_version":"x"}"#),
            InputError::NotPlan(_)
        ));
        assert!(matches!(err("\0\0\0"), InputError::NotPlan(_)));
    }

    #[test]
    fn recognises_plans_and_states() {
        let d = load("-", br#"{"format_version":"1.0"}"#).unwrap();
        assert_eq!(d.kind, DocKind::State);
        let d = load("-", br#"{"format_version":"1.2","resource_changes":[]}"#).unwrap();
        assert_eq!(d.kind, DocKind::Plan);
        assert!(d.notes.is_empty());
        let d = load("-", br#"{"format_version":"1.9","planned_values":{}}"#).unwrap();
        assert_eq!(
            d.notes.len(),
            1,
            "a newer minor version is read with a note"
        );
    }
}
