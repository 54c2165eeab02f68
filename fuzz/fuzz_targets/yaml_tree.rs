//! The span tree and the writer on arbitrary text (checks in tests/guarantees/mod.rs,
//! `check_tree`): parsing never panics, spans stay inside the text, and a writer edit
//! applies cleanly, parses, and reads back.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/guarantees/mod.rs"]
mod guarantees;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = guarantees::check_tree(data) {
        panic!("{broken}");
    }
});
