//! Errors about inputs that cannot be used. Each is reported as one line naming the input,
//! and makes the run exit with code 2 after the other inputs were still checked.

use thiserror::Error;

/// Why an input could not be used.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum InputError {
    #[error("cannot read it: {0}")]
    Io(String),
    #[error("it is empty; expected the output of `terraform show -json`")]
    Empty,
    #[error(
        "it is a binary Terraform planfile, not JSON; convert it first with `terraform show -json {0} > plan.json` (or `tofu show -json {0} > plan.json`)"
    )]
    BinaryPlan(String),
    #[error("it is not valid JSON: {0}")]
    Json(String),
    #[error(
        "it is an HCP Terraform redacted plan (it has `plan_format_version`), not `terraform show -json` output; run `terraform show -json PLANFILE` on the plan file instead"
    )]
    RedactedPlan,
    #[error(
        "it is a raw state file (`terraform.tfstate`), not `terraform show -json` output; run `terraform show -json` in the workspace instead"
    )]
    RawState,
    #[error("it is not a Terraform or OpenTofu plan or state: {0}")]
    NotPlan(String),
    #[error(
        "it has format_version {0:?}, which this version of kmsguard cannot read (it reads 0.x and 1.x); upgrade kmsguard"
    )]
    UnsupportedVersion(String),
    #[error(
        "the plan errored (`errored: true`): Terraform cannot apply it, and what it shows may be incomplete; fix the errors and plan again, or pass --allow-errored to check what it shows"
    )]
    Errored,
}

impl InputError {
    /// The input is a readable JSON document that is simply not a Terraform plan or state
    /// (a directory's other JSON files are skipped for this, not refused).
    pub fn not_terraform(&self) -> bool {
        matches!(self, InputError::NotPlan(_) | InputError::Empty)
    }
}

/// An input error together with the input it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcedError {
    /// The input's name.
    pub input: String,
    pub error: InputError,
}

impl std::fmt::Display for SourcedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", display_source(&self.input), self.error)
    }
}

/// How an input is named in messages: `-` is standard input.
pub(crate) fn display_source(source: &str) -> &str {
    if source == "-" { "<stdin>" } else { source }
}
