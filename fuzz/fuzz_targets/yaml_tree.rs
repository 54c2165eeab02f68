//! The span tree and the writer on arbitrary text (checks in tests/guarantees/mod.rs,
//! `check_tree`): parsing never panics, spans stay inside the text, and a writer edit
//! applies cleanly, parses, and reads back (or the writer refuses the layout).
//!
//! Its findings so far (all fixed, each a named test in tests/fuzz_regressions.rs): DEL
//! and C1 characters written raw in quoted strings; new keys indented at the column of a
//! first key with an anchor or a tag; the same with a complex or an empty explicit `?`
//! first key. One open: a tab after the `?` of an explicit key (skipped below).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/guarantees/mod.rs"]
mod guarantees;

/// Open finding (`writer_handles_a_tab_after_an_explicit_key_indicator`): an explicit
/// `?` key followed by a tab. Skipped so that runs keep looking for other problems.
fn tab_after_explicit_key(data: &[u8]) -> bool {
    data.windows(2).any(|w| w == b"?\t")
}

fuzz_target!(|data: &[u8]| {
    if tab_after_explicit_key(data) {
        return;
    }
    if let Err(broken) = guarantees::check_tree(data) {
        panic!("{broken}");
    }
});
