//! Key policies and their evaluation: the pure core that step 4 (`analysis`) asks.
//!
//! Nothing here knows about Terraform; the analysis step feeds it callers and keys.

pub(crate) mod arn;
pub(crate) mod condition;
pub(crate) mod document;
pub(crate) mod eval;
pub(crate) mod glob;
pub(crate) mod identity;
pub(crate) mod ip;
pub(crate) mod placeholder;
pub(crate) mod request;
pub(crate) mod tags;
pub(crate) mod time;

pub(crate) use document::{Policy, PolicyError};
