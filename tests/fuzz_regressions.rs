//! Replays the committed fuzz corpus (testdata/fuzz/<target>/) through the same checks
//! the fuzz targets run (tests/guarantees/mod.rs), and keeps every crash the fuzzers
//! found as a named test.
//!
//! - `render_bytes/`: raw input, rendered with `--cloud aws --controller traefik`;
//! - `render_manifest/`: streams from the structure-aware generator, exported with
//!   `fuzz/examples/export_manifest.rs`; the first line `# args: ...` holds the options;
//! - `yaml_tree/`: the span tree and writer check (last line = the value to write);
//! - `fast_path/`: the fast path against granit-parser (a sample of the fuzzer's corpus).

mod common;
mod guarantees;

use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/fuzz")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no inputs", dir.display());
    files
}

#[test]
fn render_bytes_corpus() {
    let config = guarantees::config_from(&["--cloud", "aws", "--controller", "traefik"]);
    for file in corpus("render_bytes") {
        let data = std::fs::read(&file).expect("readable");
        if let Err(broken) = guarantees::check_render(&data, &config) {
            panic!("{}: {broken}", file.display());
        }
    }
}

#[test]
fn render_manifest_corpus() {
    for (file, args, stream) in common::generated_corpus() {
        let words: Vec<&str> = args.iter().map(String::as_str).collect();
        let config = guarantees::config_from(&words);
        if let Err(broken) = guarantees::check_render(stream.as_bytes(), &config) {
            panic!("{}: {broken}", file.display());
        }
    }
}

#[test]
fn yaml_tree_corpus() {
    for file in corpus("yaml_tree") {
        let data = std::fs::read(&file).expect("readable");
        if let Err(broken) = guarantees::check_tree(&data) {
            panic!("{}: {broken}", file.display());
        }
    }
}

#[test]
fn fast_path_corpus() {
    let mut accepted = 0;
    for file in corpus("fast_path") {
        let data = std::fs::read(&file).expect("readable");
        match guarantees::check_fast_path(&data) {
            Ok((_, a)) => accepted += a,
            Err(broken) => panic!("{}: {broken}", file.display()),
        }
    }
    assert!(accepted > 0, "no input reaches the fast path");
}

/// Runs the `yaml_tree` check on a crash the fuzzer kept in testdata/fuzz/crashes/.
fn check_crash(name: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/fuzz/crashes")
        .join(name);
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if let Err(broken) = guarantees::check_tree(&data) {
        panic!("{name}: {broken}");
    }
}

/// Found by `yaml_tree` in its first minute (testdata/fuzz/crashes/
/// yaml_tree-del-in-written-value): a string written by the writer that holds DEL
/// (U+007F) or a C1 control character is double-quoted without escaping them, and YAML
/// does not allow them raw (YAML 1.2 §5.1 c-printable), so the edited document no longer
/// parses. Any value render writes is affected (`--annotation` values, labels copied from
/// the input). Fixed in src/yaml/write.rs `quote`, which now escapes them as `\u007F`.
#[test]
fn writer_escapes_characters_yaml_cannot_print() {
    for value in ["a\u{7f}b", "a\u{80}b", "a\u{9f}b"] {
        let data = format!("kind: ConfigMap\nmetadata: {{name: x}}\n{value}");
        guarantees::check_tree(data.as_bytes()).unwrap();
    }
    check_crash("yaml_tree-del-in-written-value");
}

/// The same finding through the binary: an `--annotation` value with DEL gives output
/// that does not parse (README, "Guarantees": the output is valid YAML).
#[test]
fn annotation_value_with_del_renders_valid_yaml() {
    let input = "apiVersion: v1\nkind: Service\nmetadata:\n  name: spaces-router\n  namespace: upbound-system\nspec:\n  type: LoadBalancer\n";
    let config =
        guarantees::config_from(&["--cloud", "aws", "--annotation", "example.com/x=a\u{7f}b"]);
    guarantees::check_render(input.as_bytes(), &config).unwrap();
}

/// Found by `yaml_tree` (testdata/fuzz/crashes/yaml_tree-anchor-before-first-key): when
/// the first key of a block mapping carries an anchor or a tag (`&a key: v`, `!!str key:
/// v`), the writer takes the key's column as the mapping's indentation and writes new
/// keys there, so the edited document no longer parses. Fixed in src/yaml/write.rs: new keys
/// line up with the start of the key's properties.
#[test]
fn writer_indents_after_a_key_with_properties() {
    for doc in ["&x a: 1\nb: 2\n", "!!str a: 1\nb: 2\n"] {
        let data = format!("{doc}value");
        guarantees::check_tree(data.as_bytes()).unwrap();
    }
    check_crash("yaml_tree-anchor-before-first-key");
}

/// Found by `yaml_tree` after the fix above (testdata/fuzz/crashes/
/// yaml_tree-explicit-complex-first-key): the same cause with a complex first key. The
/// root mapping's first key is `?` followed by a block sequence indented one column, and
/// the writer lines new keys up with that sequence (column 1), so `metadata:` lands inside
/// the previous entry's value and the written value does not read back. Fixed in
/// src/yaml/write.rs: a mapping whose first key is complex or explicit is refused (an
/// error, nothing written), since Kubernetes manifests never use such keys.
#[test]
fn writer_indents_after_a_complex_first_key() {
    check_crash("yaml_tree-explicit-complex-first-key");
    guarantees::check_tree(
        b"? - a
  - b
: 1
c: 2
value",
    )
    .unwrap();
}

/// Found by `yaml_tree` while the complex-key fix was in flight: an explicit `?` key
/// that is empty, at the start of the document and after a tab
/// (testdata/fuzz/crashes/yaml_tree-explicit-empty-first-key,
/// yaml_tree-tab-explicit-empty-first-key). The writer must refuse such a mapping or
/// indent new keys at the mapping's column; either way the value reads back or nothing
/// is written.
#[test]
fn writer_handles_an_empty_explicit_first_key() {
    for artifact in [
        "yaml_tree-explicit-empty-first-key",
        "yaml_tree-tab-explicit-empty-first-key",
    ] {
        check_crash(artifact);
    }
}

/// Found by `yaml_tree` against the explicit-key fix (testdata/fuzz/crashes/
/// yaml_tree-explicit-key-tab-separated): `\t?\t2`, an explicit key whose `?` is followed
/// by a tab rather than a space, is not recognised as explicit, and the writer indents new
/// keys at the key's column, so the edited document does not parse. Fixed: the writer's
/// explicit-key check accepts any blank after `?`.
#[test]
fn writer_handles_a_tab_after_an_explicit_key_indicator() {
    check_crash("yaml_tree-explicit-key-tab-separated");
    guarantees::check_tree(b"?\tk\n: 1\nvalue").unwrap();
}

/// Found by `yaml_tree` (testdata/fuzz/crashes/yaml_tree-colon-key): in the document `::`
/// the first key is the plain scalar `:`; the writer adds `metadata:` two columns in, so
/// it lands inside that entry's value and the written value does not read back. The cause:
/// the artifact breaks lines with lone carriage returns, which YAML honours but the line
/// handling counted as columns. Fixed in src/yaml/tree.rs: a lone CR is refused.
#[test]
fn writer_handles_a_colon_as_key() {
    check_crash("yaml_tree-colon-key");
}

/// Open findings of the last `yaml_tree` run (8 minutes, libFuzzer `-fork=1
/// -ignore_crashes=1`, 85 crash inputs under 1 KiB). The writer fixes made meanwhile
/// (e538518 and before) cover 80 of them, now in the replayed corpus as
/// testdata/fuzz/yaml_tree/fixed-*; the 5 left, in testdata/fuzz/crashes/yaml_tree-open/,
/// all have an explicit `?` key that is not the first entry or follows a property or
/// blank lines, and the writer then placed `metadata:` where it does not parse. Fixed:
/// the writer now checks every key of a block mapping it adds to and refuses complex or
/// explicit keys.
#[test]
fn writer_open_findings_from_the_last_yaml_tree_run() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fuzz/crashes/yaml_tree-open");
    let mut broken = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("readable directory") {
        let path = entry.expect("entry").path();
        if let Err(e) = guarantees::check_tree(&std::fs::read(&path).expect("readable")) {
            let first = e.lines().next().unwrap_or_default().to_string();
            broken.push(format!("{}: {first}", path.display()));
        }
    }
    assert!(
        broken.is_empty(),
        "{} inputs still fail:\n{}",
        broken.len(),
        broken.join("\n")
    );
}

/// Found by `yaml_tree` (testdata/fuzz/crashes/yaml_tree-empty-last-value-colon): a
/// mapping value that is a sequence whose last value is empty (`annotations:` at the
/// end). The parser places an empty value right after its key, before the `:`, so the
/// writer's replacement stopped short of that colon and left `"…":` behind. Fixed in
/// src/yaml/write.rs: a node's end moves past such a dangling colon.
#[test]
fn writer_replaces_a_collection_ending_in_an_empty_value() {
    check_crash("yaml_tree-empty-last-value-colon");
}

/// Found by `yaml_tree` (testdata/fuzz/crashes/yaml_tree-empty-literal-before-empty-key):
/// `metadata: |` with no content, then an entry whose key is empty (`:`). The parser
/// places the empty block scalar at the start of the next line, where the colon rule of
/// the fix above took the next entry's `:` as its own, and replacing `metadata` dropped
/// it; with that fixed, the replacement ran into the next line, since a block scalar's
/// span ends after its line break. Fixed in src/yaml/write.rs: only an empty plain value
/// owns the colon after it, and a node ends before its trailing line breaks (unit test
/// `replaces_block_scalars_keeping_the_next_line_apart`).
#[test]
fn writer_keeps_the_next_entry_after_an_empty_block_scalar() {
    check_crash("yaml_tree-empty-literal-before-empty-key");
}

/// Found by `yaml_tree` on the issue-10 code (testdata/fuzz/crashes/yaml_tree-double-bom):
/// two byte-order marks, then `::`. go-yaml takes the first as the encoding's and skips
/// the second as a column, so the first line's keys are one column further in for
/// Kubernetes than for the parser, and a key the writer added did not read back. Fixed in
/// src/yaml/mod.rs: a second byte-order mark at the start is refused with its position.
/// The next run found the same with a mark at the start of a line after blank lines
/// (yaml_tree-bom-after-blank-lines), which go-yaml also skips as a column: any mark at
/// the start of a line is refused.
#[test]
fn a_second_byte_order_mark_is_refused() {
    check_crash("yaml_tree-double-bom");
    check_crash("yaml_tree-bom-after-blank-lines");
}
