//! The fast path (`src/yaml/fast.rs`) against granit-parser: wherever the fast path
//! accepts a document, the strict parser accepts it too and builds the same tree
//! (`guarantees::check_fast_path`). Checked on every YAML file under `testdata/`, on the
//! benchmark generator's stream, on the property-test generator's streams, and on
//! small mutations of real documents. Also: the fast path really takes the documents
//! Helm renders (otherwise it would prove nothing and speed nothing up), and it gives
//! up on each construct outside its subset.

mod guarantees;

use std::path::{Path, PathBuf};
use std::process::Command;

use guarantees::check_fast_path;
use guarantees::manifests::{FromList, generate};
use proptest::prelude::*;
use spaces_expose::yaml::Tree;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir`, recursively, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("readable directory").path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// `(documents, accepted)` for one text, or the failure with the file named.
fn check(name: &str, data: &[u8]) -> (usize, usize) {
    check_fast_path(data).unwrap_or_else(|broken| panic!("{name}: {broken}"))
}

#[test]
fn agrees_with_the_strict_parser_on_every_test_input() {
    let (mut documents, mut accepted) = (0, 0);
    for file in files_under(&root().join("testdata")) {
        let data = std::fs::read(&file).expect("readable");
        let (d, a) = check(&file.display().to_string(), &data);
        documents += d;
        accepted += a;
    }
    // Most test inputs are Helm output; many are deliberately odd. Both kinds count.
    assert!(
        documents > 1000,
        "only {documents} documents under testdata/"
    );
    assert!(
        accepted * 2 > documents,
        "the fast path took only {accepted} of {documents} documents"
    );
}

#[test]
fn takes_nearly_every_document_of_real_helm_output() {
    for file in files_under(&root().join("testdata/corpus")) {
        if file.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let data = std::fs::read(&file).expect("readable");
        let (documents, accepted) = check(&file.display().to_string(), &data);
        assert!(documents > 0, "{}", file.display());
        assert!(
            accepted * 10 >= documents * 8,
            "{}: the fast path took only {accepted} of {documents} documents",
            file.display()
        );
    }
}

#[test]
fn takes_every_document_of_the_benchmark_stream() {
    let out = Command::new("python3")
        .arg(root().join("scripts/gen-manifests.py"))
        .arg("400")
        .output()
        .expect("python3 runs the benchmark generator");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (documents, accepted) = check("gen-manifests.py 400", &out.stdout);
    assert_eq!(documents, 400);
    assert_eq!(
        accepted, documents,
        "the benchmark would measure granit-parser"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn agrees_on_generated_streams(choices in prop::collection::vec(any::<u32>(), 0..160)) {
        let generated = generate(&mut FromList { list: &choices, at: 0 });
        check_fast_path(generated.text.as_bytes()).map_err(TestCaseError::fail)?;
    }
}

/// Documents the mutations start from: the real captures, one document each.
fn seeds() -> Vec<String> {
    let mut seeds = Vec::new();
    for file in files_under(&root().join("testdata/corpus")) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for chunk in spaces_expose::stream::split(&text) {
            let doc = &text[chunk.range];
            if chunk.has_content && doc.len() < 4000 && Tree::parse_fast(doc).is_some() {
                seeds.push(doc.to_string());
            }
        }
    }
    assert!(seeds.len() > 20, "{} seeds", seeds.len());
    seeds
}

/// Bytes that change what YAML means.
const SIGNIFICANT: &[u8] = b" -:#'\"\n{}[],&*!|>?%@`\\\t.0ae";

/// Applies one edit, chosen by `how`, at `at` (a fraction of the length).
fn mutate(doc: &mut Vec<u8>, how: u8, at: usize, byte: u8) {
    let at = at % (doc.len() + 1);
    match how % 5 {
        0 => doc.insert(at, byte),
        1 if at < doc.len() => {
            doc.remove(at);
        }
        2 if at < doc.len() => doc[at] = byte,
        // Indent or dedent the line around `at` by one space.
        3 => {
            let start = doc[..at]
                .iter()
                .rposition(|&c| c == b'\n')
                .map_or(0, |i| i + 1);
            if how & 8 == 0 {
                doc.insert(start, b' ');
            } else if doc.get(start) == Some(&b' ') {
                doc.remove(start);
            }
        }
        // Repeat the line around `at`.
        _ => {
            let start = doc[..at]
                .iter()
                .rposition(|&c| c == b'\n')
                .map_or(0, |i| i + 1);
            let end = doc[at..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(doc.len(), |i| at + i + 1);
            let line = doc[start..end].to_vec();
            doc.splice(end..end, line);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn agrees_on_mutated_documents(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<u8>(), any::<usize>(), any::<prop::sample::Index>()), 1..4),
    ) {
        thread_local!(static SEEDS: Vec<String> = seeds());
        let mut doc = SEEDS.with(|s| seed.get(s).clone().into_bytes());
        for (how, at, byte) in edits {
            mutate(&mut doc, how, at, *byte.get(SIGNIFICANT));
        }
        check_fast_path(&doc).map_err(TestCaseError::fail)?;
    }
}

/// Each construct outside the subset makes the fast path give up (the strict parser
/// then decides), and the plain forms next to them are taken.
#[test]
fn gives_up_outside_its_subset() {
    let outside = [
        ("tab", "a:\tb\n"),
        ("non-ASCII", "a: é\n"),
        ("byte order mark", "\u{feff}a: b\n"),
        ("CRLF", "a: b\r\n"),
        ("escape", "a: \"x\\ty\"\n"),
        ("quote in single quotes", "a: 'it''s'\n"),
        ("multi-line plain scalar", "a: b\n  c\n"),
        ("multi-line quoted scalar", "a: \"b\n  c\"\n"),
        ("anchor", "a: &x b\n"),
        ("alias", "a: *x\n"),
        ("tag", "a: !!str 1\n"),
        ("flow mapping", "a: {b: c}\n"),
        ("flow sequence of mappings", "a: [b: c]\n"),
        ("trailing comma", "a: [b, ]\n"),
        ("flow sequence over lines", "a: [b,\n  c]\n"),
        ("folded block scalar", "a: >\n  x\n"),
        ("block scalar with an indentation indicator", "a: |2\n  x\n"),
        ("block scalar with a leading blank line", "a: |\n\n  x\n"),
        ("explicit key", "? a\n: b\n"),
        ("directive", "%YAML 1.2\n---\na: b\n"),
        ("document end", "a: b\n...\n"),
        ("second document", "a: b\n---\nc: d\n"),
        ("scalar document", "just text\n"),
        ("mapping on a value line", "a: b: c\n"),
        ("sequence on a key line", "a: - b\n"),
        ("nested compact sequence", "- - a\n"),
        ("empty entry", "-\n  a: b\n"),
        ("deeper line after a value", "a: b\n   c: d\n"),
        ("odd dedent", "a:\n    b: 1\n  c: 2\n"),
        ("flow indicator in a key", "a[0]: b\n"),
        ("separator with content", "--- a: b\n"),
    ];
    for (what, doc) in outside {
        assert!(Tree::parse_fast(doc).is_none(), "{what}: {doc:?}");
        check(what, doc.as_bytes());
    }
    let inside = [
        ("block mapping", "a: b\nc: d\n"),
        ("nested", "a:\n  b:\n    c: d\n"),
        ("sequence", "a:\n  - b\n  - c: d\n    e: f\n"),
        ("indentless sequence", "a:\n- b\n- c\nd: e\n"),
        ("quoted", "\"a\": 'b'\nc: \"d # e\"\n"),
        ("comments", "---\n# Source: x\na: b # c\n  # d\ne: f\n"),
        ("empty values", "a:\nb: {}\nc: []\nd:\n"),
        ("colons and hashes inside", "url: http://x:80/#y\nk:v: w\n"),
        ("no final line feed", "a: b"),
        ("repeated key", "a: 1\na: 2\n"),
        ("flow sequence", "a: [b, \"c\", 'd']\nb: [ e ,f ] # g\n"),
        (
            "literal block scalars",
            "a: |\n  x\n   y\n\n  # z\n\nb: |-\n  q\nc: |+\n  k\n\n\nd:\n  - |\n    p\n  - r\n",
        ),
    ];
    for (what, doc) in inside {
        assert!(Tree::parse_fast(doc).is_some(), "{what}: {doc:?}");
        check(what, doc.as_bytes());
    }
}
