//! HCL native syntax: the tree ([`ast`]) and the parser.

pub(crate) mod ast;
mod parse;

pub(crate) use parse::{parse_body, parse_template};
