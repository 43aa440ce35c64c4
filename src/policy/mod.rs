//! Step 3 of the pipeline, in isolation: key policies and their evaluation.
//!
//! Nothing here knows about Terraform; the analysis step feeds it callers and keys.

pub(crate) mod arn;
pub(crate) mod condition;
pub(crate) mod document;
pub(crate) mod eval;
pub(crate) mod glob;
pub(crate) mod placeholder;
pub(crate) mod tags;

pub(crate) use document::{Policy, PolicyError};
