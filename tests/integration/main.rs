//! End-to-end tests of the `kmsguard` binary, in one test binary.

mod common;

mod bad_input;
mod cli;
mod corpus;
mod reports;
