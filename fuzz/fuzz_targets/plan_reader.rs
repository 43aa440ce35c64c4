//! The whole pipeline on arbitrary bytes: recognise the document, build the inventory,
//! analyse, check and render every format. Must never panic, overflow or hang.
#![no_main]

use kmsguard::testing::check_bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check_bytes(&[data]);
});
