//! kmsguard: finds the AWS KMS keys that a Terraform or OpenTofu plan would leave with
//! nobody able to manage them.
//!
//! The data flows one way through the modules:
//! [`plan`] (JSON → documents) → [`inventory`] (keys, principals, lifecycle) →
//! [`analysis`] (policy evaluation, verdicts) → [`rules`] (findings) → [`report`]
//! (text, JSON, query). [`run`] wires them together for the command line.

pub mod analysis;
pub mod cli;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod inventory;
pub mod par;
pub mod pipeline;
pub mod plan;
pub mod policy;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod run;
pub mod tfsource;
