//! Two documents side by side — split at the first NUL byte, as an account export and a keys
//! document (docs/audit.md) — through the whole pipeline: recognition, the merge of live
//! principals and keys, identity policies, analysis, the runbook and every report format.
//! Must never panic, overflow or hang.
#![no_main]

use kmsguard::testing::check_bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match data.iter().position(|&b| b == 0) {
        Some(i) => check_bytes(&[&data[..i], &data[i + 1..]]),
        None => check_bytes(&[data]),
    }
});
