//! The span tree and the writer on arbitrary text (checks in tests/guarantees/mod.rs,
//! `check_tree`): parsing never panics, spans stay inside the text, and a writer edit
//! applies cleanly, parses, and reads back.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/guarantees/mod.rs"]
mod guarantees;

/// Known, reported finding (tests/fuzz_regressions.rs,
/// `writer_indents_after_a_complex_first_key`): when the first key of the edited mapping
/// is a complex `?` key, the writer indents new keys at that key's column instead of the
/// mapping's. Skipped so that runs keep looking for other problems. (The two earlier
/// findings, DEL/C1 quoting and keys with anchors or tags, are fixed and fuzzed again.)
fn complex_first_key(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let doc = text.rsplit_once('\n').map_or(text, |(d, _)| d);
    let Ok(tree) = spaces_expose::yaml::Tree::parse(doc) else {
        return false;
    };
    let Some(root) = tree.root else { return false };
    tree.entries(root)
        .first()
        .is_some_and(|&(k, _)| tree.scalar(k).is_none())
}

fuzz_target!(|data: &[u8]| {
    if complex_first_key(data) {
        return;
    }
    if let Err(broken) = guarantees::check_tree(data) {
        panic!("{broken}");
    }
});
