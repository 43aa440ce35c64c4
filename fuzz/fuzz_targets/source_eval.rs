//! HCL parsing and evaluation of policy expressions (`--config-dir`) on arbitrary `.tf`
//! text: functions, placeholders and refusals. Must never panic, overflow or hang.
#![no_main]

use kmsguard::testing::evaluate_source_text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        evaluate_source_text(text);
    }
});
