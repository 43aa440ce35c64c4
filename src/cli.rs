//! Command-line interface.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::report::{FailOn, Format};

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
    /// `terraform show -json` (a state), an account export or keys document of the live
    /// audit (docs/audit.md), or `-` for standard input. All inputs are analysed together: a
    /// key in one is checked against IAM changes in every other.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// Show, for one key, the policy before and after the apply, every candidate caller,
    /// and each statement's outcome for kms:PutKeyPolicy.
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),
    /// List the rules with their ids, severities and documentation anchors.
    #[command(after_help = "Example:\n  kmsguard rules")]
    Rules,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Example:\n  kmsguard completions bash > /etc/bash_completion.d/kmsguard"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff): kmsguard(1), or one subcommand's; or write them all.
    #[command(after_help = MAN_EXAMPLES)]
    Man(ManArgs),
}

/// The examples `check --help` shows.
const CHECK_EXAMPLES: &str = "Examples:
  kmsguard check plan.json
  kmsguard check --config-dir infra --format sarif infra/plan.json > kmsguard.sarif
  kmsguard check kms/plan.json iam/plan.json
  kmsguard check live/account.json live/keys.json --format runbook > runbook.md

Exit status: 0 no finding reaches --fail-on; 1 a finding does; 2 an input could not be used
(the others are still checked) or the arguments are wrong.";

/// The examples `explain --help` shows.
const EXPLAIN_EXAMPLES: &str = "Example:
  kmsguard explain --key 'module.kms.aws_kms_key.this[\"data\"]' plan.json

Exit status: 0 the key was explained; 2 no such key, or an input could not be used.";

/// The examples `man --help` shows.
const MAN_EXAMPLES: &str = "Examples:
  kmsguard man | man -l -
  kmsguard man check | man -l -
  kmsguard man --out-dir /usr/local/share/man/man1";

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// The subcommand whose page to print (check, explain, rules, completions, man); none:
    /// kmsguard(1).
    #[arg(value_name = "SUBCOMMAND")]
    pub page: Option<String>,

    /// Write every page (kmsguard.1, kmsguard-check.1, …) into DIR instead.
    #[arg(long, value_name = "DIR", conflicts_with = "page")]
    pub out_dir: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Plan or state JSON files, folders (every plan or state JSON file inside, at any
    /// depth), or `-` for standard input (once). A file may hold several JSON documents one
    /// after another.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Check a plan that says `errored: true` (Terraform cannot apply it) instead of
    /// refusing it as an input error.
    #[arg(long)]
    pub allow_errored: bool,

    /// The format written to standard output.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Also write a report to a file, as FORMAT=PATH (e.g. `sarif=results.sarif`); may be
    /// given several times. The plan is read once for all of them.
    #[arg(long, value_name = "FORMAT=PATH", value_parser = parse_output)]
    pub output: Vec<(Format, PathBuf)>,

    /// Like --output, but appends to the file (for `$GITHUB_STEP_SUMMARY`, `$GITHUB_OUTPUT`).
    #[arg(long, value_name = "FORMAT=PATH", value_parser = parse_output)]
    pub append: Vec<(Format, PathBuf)>,

    /// The Terraform root module of the inputs: findings then point at the `.tf` line that
    /// declares each key, and policies the plan leaves unknown (jsonencode, heredocs, file,
    /// templatefile) are evaluated from the source (local modules are followed;
    /// docs/resolving.md). For inputs from several root modules, use --workspace.
    #[arg(long, value_name = "DIR")]
    pub config_dir: Option<PathBuf>,

    /// Pairs an input with its root module, as INPUT=DIR (repeatable): the input's
    /// policies are evaluated from that source and its keys located there only.
    #[arg(long, value_name = "INPUT=DIR", value_parser = parse_workspace)]
    pub workspace: Vec<(PathBuf, PathBuf)>,

    /// A JMESPath expression applied to the JSON report; prints its result as JSON.
    #[arg(long, value_name = "EXPR")]
    pub query: Option<String>,

    /// Exit with code 1 when a finding of this severity or worse is found (default: the
    /// configuration file's `fail-on`, else `error`).
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,

    /// The configuration file (default: `.kmsguard.toml` in the working directory or a
    /// folder above it; docs/configuration.md).
    #[arg(long, value_name = "PATH", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Use no configuration file, even if one is found.
    #[arg(long)]
    pub no_config: bool,

    /// Accept the findings recorded in this baseline (written by --write-baseline): only
    /// new findings count.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record this run's findings as a baseline in FILE.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Write the corrected policy of every key nobody can manage to DIR/KEY_ID.policy.json
    /// (the runbook's step 3; docs/audit.md). DIR is created if needed.
    #[arg(long, value_name = "DIR")]
    pub write_policies: Option<PathBuf>,

    /// Stream the inputs instead of reading them into memory: only what the checks need is
    /// held (49 MB for a 680 MB plan), at about three times the time. Inputs over 1 GiB are
    /// always streamed.
    #[arg(long)]
    pub low_memory: bool,

    /// When to colour the text output (`NO_COLOR` is honoured by `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Text output: only the keys with error findings, their errors, input errors and the
    /// summary.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Text output: also list every key without findings, and every note.
    #[arg(short, long)]
    pub verbose: bool,
}

/// Parses `INPUT=DIR`.
fn parse_workspace(s: &str) -> Result<(PathBuf, PathBuf), String> {
    match s.split_once('=') {
        Some((i, d)) if !i.is_empty() && !d.is_empty() => Ok((PathBuf::from(i), PathBuf::from(d))),
        _ => Err(format!("expected INPUT=DIR, got {s:?}")),
    }
}

/// Parses `FORMAT=PATH`.
fn parse_output(s: &str) -> Result<(Format, PathBuf), String> {
    let (format, path) = s
        .split_once('=')
        .ok_or_else(|| format!("expected FORMAT=PATH, got {s:?}"))?;
    let format = Format::from_str(format, true).map_err(|_| {
        let names: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_owned()))
            .collect();
        format!(
            "unknown format {format:?} (expected one of {})",
            names.join(", ")
        )
    })?;
    if path.is_empty() {
        return Err("the PATH after = is empty".into());
    }
    Ok((format, PathBuf::from(path)))
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// Plan or state JSON files (`-` for standard input), as for `check`.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Read a plan that says `errored: true`, as for `check`.
    #[arg(long)]
    pub allow_errored: bool,

    /// The key's address, as `check` reports it (e.g. `module.kms.aws_kms_key.this["data"]`).
    #[arg(long, value_name = "ADDRESS")]
    pub key: String,

    /// `text` or `json`.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,

    /// The Terraform root module, to evaluate a policy the plan leaves unknown from the
    /// source (as for `check`).
    #[arg(long, value_name = "DIR")]
    pub config_dir: Option<PathBuf>,

    /// Pairs an input with its root module, as INPUT=DIR (as for `check`).
    #[arg(long, value_name = "INPUT=DIR", value_parser = parse_workspace)]
    pub workspace: Vec<(PathBuf, PathBuf)>,

    /// Stream the inputs instead of reading them into memory.
    #[arg(long)]
    pub low_memory: bool,

    /// When to colour the text output (`NO_COLOR` is honoured by `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
