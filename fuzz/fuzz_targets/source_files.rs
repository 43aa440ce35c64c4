//! A folder of `.tf` source and templates (`main.tf`, templates, a local module), every key
//! policy in it evaluated as `--config-dir` evaluates it: locals, templates calling
//! templates, module outputs, deep nesting. Must never panic, overflow, hang or grow without
//! bound.
#![no_main]

use kmsguard::testing::evaluate_source_files;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        evaluate_source_files(text);
    }
});
