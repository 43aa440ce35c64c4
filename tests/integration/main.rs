//! End-to-end tests of the `kmsguard` binary, in one test binary.

// The tests say on stderr when they skip for want of shared material.
#![allow(clippy::print_stderr)]

mod common;
mod concrete;

pub mod action;
mod architecture;
mod bad_input;
mod cli;
mod corpus;
mod formats;
mod gate;
mod generated;
mod hostile;
mod lints;
mod live;
mod live_gen;
mod plan_gen;
mod properties;
mod reports;
mod resolve;
mod scenarios;
pub(crate) mod terraform;
