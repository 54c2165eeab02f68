//! The span tree and the writer on arbitrary text (checks in tests/guarantees/mod.rs,
//! `check_tree`): parsing never panics, spans stay inside the text, and a writer edit
//! applies cleanly, parses, and reads back (or the writer refuses the layout).
//!
//! Its findings so far (all fixed, each a named test in tests/fuzz_regressions.rs): DEL
//! and C1 characters written raw in quoted strings; new keys indented at the column of a
//! first key with an anchor or a tag; the same with a complex or an empty explicit `?`
//! first key; a tab after `?`; a key that is itself `:`; an empty block scalar before
//! an entry with an empty key, and block scalars replaced into the next line. Open ones
//! are listed in fuzz/README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/guarantees/mod.rs"]
mod guarantees;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = guarantees::check_tree(data) {
        panic!("{broken}");
    }
});
