//! Step 1 of the pipeline: bytes → a recognised plan or state document (the Terraform
//! vocabulary — addresses, references, resource kinds — lives here too).
//!
//! [`load`] refuses what is not `terraform show -json` output (binary planfiles, raw
//! state files, HCP Terraform redacted plans, other JSON) and gates `format_version`.

pub(crate) mod address;
pub(crate) mod configuration;
pub(crate) mod kind;
pub(crate) mod live;
pub(crate) mod model;
pub(crate) mod reference;

use serde::Deserialize;

use crate::error::InputError;
pub(crate) use model::RawDocument;

/// The newest plan `format_version` this build knows field by field.
pub(crate) const KNOWN_PLAN_FORMAT: (u64, u64) = (1, 2);
/// The newest state `format_version` this build knows.
pub(crate) const KNOWN_STATE_FORMAT: (u64, u64) = (1, 0);

/// Before or after the apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    Before,
    After,
}

/// What kind of `show -json` document an input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Plan,
    State,
    /// `aws iam get-account-authorization-details` output (docs/audit.md).
    Account,
    /// A keys document: `describe-key` and `get-key-policy` of every key (docs/audit.md).
    Keys,
}

/// A recognised input document, borrowing from the input buffer.
#[derive(Debug)]
pub(crate) struct Document<'a> {
    pub kind: DocKind,
    pub format_version: String,
    /// Notes for the report (a newer minor format, an errored plan).
    pub notes: Vec<String>,
    /// The plan says `errored: true`: refused unless `--allow-errored`.
    pub errored: bool,
    pub raw: RawDocument<'a>,
    /// A live document's content (`kind` is `Account` or `Keys`).
    pub live: Option<Box<live::Live>>,
}

/// Recognises and parses one input. `name` is how the user named the input (used in the
/// binary-planfile hint).
pub(crate) fn load<'a>(name: &str, bytes: &'a [u8]) -> Result<Document<'a>, InputError> {
    let bytes = without_bom(bytes);
    sniff(name, bytes, true)?;
    let raw: RawDocument<'a> = serde_json::from_slice(bytes).map_err(json_error)?;
    classify(raw)
}

/// The UTF-8 byte order mark some editors and tools write first.
const BOM: &[u8] = b"\xEF\xBB\xBF";

fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// The most documents read from one input.
pub(crate) const MAX_DOCUMENTS: usize = 10_000;

/// Recognises and parses one input that may hold several JSON documents one after another
/// (`terragrunt run-all show -json` writes one per module): one result per document, named
/// `NAME[N]` when there are several.
pub(crate) fn load_all<'a>(
    name: &str,
    bytes: &'a [u8],
) -> Vec<(String, Result<Document<'a>, InputError>)> {
    let first = load(name, bytes);
    let more = matches!(&first, Err(InputError::Json(m)) if m.starts_with("trailing characters"));
    if !more {
        return vec![(name.to_owned(), first)];
    }
    let bytes = without_bom(bytes);
    let mut ranges = Vec::new();
    let mut stream =
        serde_json::Deserializer::from_slice(bytes).into_iter::<serde::de::IgnoredAny>();
    let mut start = 0;
    while let Some(next) = stream.next() {
        let end = stream.byte_offset();
        if let Err(e) = next {
            ranges.push(Err(json_error(e)));
            break;
        }
        ranges.push(Ok(start..end));
        start = end;
        if ranges.len() > MAX_DOCUMENTS {
            ranges.push(Err(InputError::NotPlan(format!(
                "it holds more than {MAX_DOCUMENTS} JSON documents"
            ))));
            break;
        }
    }
    ranges
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let shown = format!("{name}[{}]", i + 1);
            let doc = r.and_then(|r| load(&shown, &bytes[r]));
            (shown, doc)
        })
        .collect()
}

/// Like [`load`], but streams the document from a reader instead of holding it in memory:
/// what the checks need is kept, the rest is dropped as it is read (`--low-memory`).
pub(crate) fn load_reader(
    name: &str,
    reader: impl std::io::Read,
) -> Result<Document<'static>, InputError> {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, reader);
    if reader
        .fill_buf()
        .map_err(|e| InputError::Io(e.to_string()))?
        .starts_with(BOM)
    {
        reader.consume(BOM.len());
    }
    let head = reader
        .fill_buf()
        .map_err(|e| InputError::Io(e.to_string()))?
        .to_vec();
    sniff(name, &head, head.len() < (1 << 16))?;
    let mut de = serde_json::Deserializer::from_reader(reader);
    let raw = RawDocument::deserialize(&mut de).map_err(json_error)?;
    de.end().map_err(json_error)?;
    classify(raw)
}

/// Refuses what can be told from the first bytes. `complete` says `head` is the whole input.
pub(crate) fn sniff(name: &str, head: &[u8], complete: bool) -> Result<(), InputError> {
    let trimmed = trim_ascii_start(head);
    if trimmed.is_empty() && complete {
        return Err(InputError::Empty);
    }
    if head.starts_with(b"PK\x03\x04") {
        let shown = if name == "-" { "PLANFILE" } else { name };
        return Err(InputError::BinaryPlan(shown.to_owned()));
    }
    if let Some(&first) = trimmed.first() {
        if first != b'{' {
            if trimmed.iter().take(512).any(|&b| b == 0) {
                return Err(InputError::NotPlan("it is a binary file".into()));
            }
            if first == b'[' || first == b'"' || first.is_ascii_digit() {
                return Err(InputError::NotPlan(
                    "the document is not a JSON object".into(),
                ));
            }
        }
    }
    Ok(())
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

fn classify(mut raw: RawDocument<'_>) -> Result<Document<'_>, InputError> {
    if raw.format_version.is_none() {
        if let Some(read) = live::read(&raw.live) {
            let live = read?;
            let (kind, notes) = match &live {
                live::Live::Account(a) => (DocKind::Account, a.notes.clone()),
                live::Live::Keys(k) => (DocKind::Keys, k.notes.clone()),
            };
            raw.live = model::LiveParts::default();
            return Ok(Document {
                kind,
                format_version: "aws-cli".to_owned(),
                notes,
                errored: false,
                raw,
                live: Some(Box::new(live)),
            });
        }
    }
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
        _ => KNOWN_STATE_FORMAT,
    };
    let mut notes = Vec::new();
    if (major, minor) > known {
        notes.push(format!(
            "format_version {fv} is newer than the {}.{} this kmsguard knows; read it anyway (minor versions only add fields)",
            known.0, known.1
        ));
    }
    let errored = raw.errored.is_some_and(|f| f.0);
    if errored {
        notes.push(
            "the plan errored (`errored: true`): Terraform cannot apply it; checked what it shows (--allow-errored)"
                .into(),
        );
    }
    Ok(Document {
        kind,
        format_version: fv,
        notes,
        errored,
        raw,
        live: None,
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
    fn streaming_reads_the_same_documents_and_refuses_the_same_inputs() {
        let streamed = |s: &[u8]| load_reader("f.json", s);
        assert_eq!(streamed(b"").unwrap_err(), InputError::Empty);
        assert!(matches!(
            streamed(b"PK\x03\x04x").unwrap_err(),
            InputError::BinaryPlan(_)
        ));
        assert!(
            matches!(streamed(b"{\"format_version\":\"1.2\"").unwrap_err(), InputError::Json(m) if m.contains("truncated"))
        );
        assert!(matches!(
            streamed(b"{\"format_version\":\"1.2\"} x").unwrap_err(),
            InputError::Json(_)
        ));
        let d = streamed(br#"{"format_version":"1.2","resource_changes":[{"address":"aws_kms_key.k","type":"aws_kms_key","change":{"actions":["no-op"],"before":{"policy":"p"}}},{"address":"aws_s3_bucket.b","type":"aws_s3_bucket","change":{"actions":["no-op"]}}]}"#).unwrap();
        assert_eq!(d.kind, DocKind::Plan);
        let rc = &d.raw.resource_changes.as_ref().unwrap().0;
        assert_eq!(rc.len(), 1, "resources of types we do not read are dropped");
        assert_eq!(
            rc[0]
                .change
                .as_ref()
                .unwrap()
                .before
                .as_ref()
                .unwrap()
                .policy
                .as_deref(),
            Some("p")
        );
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
