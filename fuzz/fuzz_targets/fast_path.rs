//! The fast path of the span tree against granit-parser (checks in
//! tests/guarantees/mod.rs, `check_fast_path`): wherever `src/yaml/fast.rs` accepts a
//! document, the strict parser accepts it too and builds the same tree. Seed it with
//! real documents (fuzz/README.md) so that mutations stay near the block style Helm
//! renders, where the fast path takes over.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/guarantees/mod.rs"]
mod guarantees;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = guarantees::check_fast_path(data) {
        panic!("{broken}");
    }
});
