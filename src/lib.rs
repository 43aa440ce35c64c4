//! kmsguard: finds the AWS KMS keys that a Terraform or OpenTofu plan would leave with
//! nobody able to manage them.
//!
//! The data flows one way through the modules:
//! [`plan`] (JSON → documents) → [`inventory`] (keys, principals, lifecycle) →
//! [`analysis`] (policy evaluation, verdicts) → [`rules`] (findings) → [`report`]
//! (text, JSON, query).

pub mod error;
pub mod plan;
pub mod policy;
