//! Policy parsing and evaluation on arbitrary policy text, and wildcard matching on
//! arbitrary patterns. Must never panic, overflow or hang.
#![no_main]

use kmsguard::testing::evaluate_policy_text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        evaluate_policy_text(text);
    }
});
