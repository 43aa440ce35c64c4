//! Step 3 of the pipeline, in isolation: key policies and their evaluation.
//!
//! Nothing here knows about Terraform; the analysis step feeds it callers and keys.

pub mod arn;
pub mod condition;
pub mod document;
pub mod eval;
pub mod glob;
pub mod placeholder;
pub mod tags;

pub use document::{Policy, PolicyError};
