//! Command-line interface.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::report::FailOn;

#[derive(Debug, Parser)]
#[command(
    name = "kmsguard",
    version,
    about = "Stops a Terraform/OpenTofu apply that would leave an AWS KMS key with nobody able to manage it",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check plans and states for KMS keys that the apply would leave unmanageable.
    ///
    /// Each INPUT is the output of `terraform show -json PLANFILE` (a plan) or of
    /// `terraform show -json` (a state), or `-` for standard input. All inputs are analysed
    /// together: a key in one is checked against IAM changes in every other.
    Check(CheckArgs),
    /// List the rules with their ids, severities and documentation anchors.
    Rules,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Plan or state JSON files (`-` for standard input).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// A JMESPath expression applied to the JSON report; prints its result as JSON.
    #[arg(long, value_name = "EXPR")]
    pub query: Option<String>,

    /// Exit with code 1 when a finding of this severity or worse is found.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,

    /// When to colour the text output (`NO_COLOR` is honoured by `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
