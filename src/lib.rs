//! kmsguard: finds the AWS KMS keys that a Terraform or OpenTofu plan would leave with
//! nobody able to manage them.
//!
//! The data flows one way through the modules (docs/architecture.md):
//! `plan` (JSON → documents) → `inventory` (keys, principals, lifecycles) → `resolve` (each
//! key's effective policy) → `analysis` (verdicts and their evidence) → `rules` (findings) →
//! `report` (text, JSON, SARIF, Markdown, annotations). `pipeline` runs the steps in order;
//! [`run`] wires them to the command line.
//!
//! The library is not a stable API. It exposes what the `kmsguard` binary, the integration
//! and property tests and the fuzz targets use ([`testing`] for the last two), and nothing else (`unreachable_pub` keeps it
//! so); the crate is published for `cargo install kmsguard`.

mod analysis;
pub mod cli;
mod error;
mod gate;
mod inventory;
pub mod man;
mod par;
mod pipeline;
mod plan;
mod policy;
mod report;
mod resolve;
mod rules;
pub mod run;
#[doc(hidden)]
pub mod testing;
mod tfsource;

pub use analysis::{MAX_MANAGERS, Verdict};
pub use rules::{RULES, Rule};
pub use tfsource::with_stack;
