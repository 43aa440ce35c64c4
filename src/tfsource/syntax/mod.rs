//! HCL native syntax: the tree ([`ast`]) and the parser.

pub mod ast;
mod parse;

pub use parse::{MAX_NESTING, ParseError, parse_body, parse_template};
