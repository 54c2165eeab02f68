//! Edits that mean what they say (issue 10): one named regression per layout in which
//! Kubernetes (YAML 1.1 through sigs.k8s.io/yaml) reads the input or the output
//! differently from a YAML 1.2 reading of its text. Each either renders to output whose
//! meaning is the input's plus the intended edits, or is refused with exit 2 and a
//! position. `tests/oracle.rs` checks the meaning of whole streams with an independent
//! YAML 1.1 reader; these tests pin the exact bytes.

use assert_cmd::Command;
use spaces_expose::yaml::Tree;
use spaces_expose::yaml::write::Writer;

const SSL_CERT: &str = "service.beta.kubernetes.io/aws-load-balancer-ssl-cert";
const SSL_PORTS: &str = "service.beta.kubernetes.io/aws-load-balancer-ssl-ports";
const AWS_SET: &str = "    service.beta.kubernetes.io/aws-load-balancer-type: \"external\"
    service.beta.kubernetes.io/aws-load-balancer-scheme: \"internet-facing\"
    service.beta.kubernetes.io/aws-load-balancer-nlb-target-type: \"ip\"
";

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], stdin: impl Into<Vec<u8>>) -> Out {
    let out = Command::cargo_bin("spaces-expose")
        .expect("binary is built")
        .env_clear()
        .args(args)
        .write_stdin(stdin.into())
        .output()
        .expect("runs");
    Out {
        code: out.status.code().expect("exits normally"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn render(stdin: impl Into<Vec<u8>>) -> Out {
    run(&["--cloud", "aws"], stdin)
}

/// Exit 0, and rendering the output again changes nothing.
fn rendered(args: &[&str], stdin: &str) -> String {
    let out = run(args, stdin);
    assert_eq!(out.code, 0, "stderr: {}", out.stderr);
    let again = run(args, out.stdout.clone());
    assert_eq!(again.code, 0, "second run: {}", again.stderr);
    assert_eq!(again.stdout, out.stdout, "render is not idempotent");
    out.stdout
}

/// A kept fuzz input of `testdata/fuzz/yaml_meaning/`: its options line and its stream.
fn kept(name: &str) -> (String, String) {
    let path = format!(
        "{}/testdata/fuzz/yaml_meaning/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let (args, input) = text.split_once('\n').expect("an options line");
    (args.to_string(), input.to_string())
}

fn assert_refused(out: &Out, at: &str, what: &str) {
    assert_eq!(
        out.code, 2,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    assert!(out.stdout.is_empty(), "stdout must stay empty on error");
    assert!(
        out.stderr
            .contains(&format!("spaces-expose: error: <stdin>:{at}")),
        "expected the position {at} in: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains(what),
        "expected {what:?} in: {}",
        out.stderr
    );
}

/// The router Service, a LoadBalancer, with `metadata_rest` after its namespace.
fn lb(metadata_rest: &str) -> String {
    service(metadata_rest, "spec:\n  type: LoadBalancer\n")
}

fn service(metadata_rest: &str, rest: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: spaces-router\n  namespace: upbound-system\n{metadata_rest}{rest}"
    )
}

// 1. Line breaks only YAML 1.1 sees.

#[test]
fn yaml11_line_breaks_are_refused_with_their_position() {
    for (brk, name) in [
        ("\u{85}", "U+0085"),
        ("\u{2028}", "U+2028"),
        ("\u{2029}", "U+2029"),
    ] {
        // Hidden in a comment: Kubernetes reads the text after it as a key.
        let input = lb(&format!("  annotations: # note{brk}    {SSL_CERT}: arn\n"));
        assert_refused(&render(input.clone()), "6:22: document 1", name);
        let check = run(&["check", "--cloud", "aws"], input);
        assert_ne!(check.code, 0, "check must not pass: {}", check.stdout);
        assert!(check.stdout.contains("SE503"), "{}", check.stdout);
        // In a document of comments only, which is otherwise never parsed.
        let input = format!("kind: ConfigMap\n---\n# only a comment{brk}kind: Secret\n");
        assert_refused(&render(input), "3:17: document 2", name);
    }
}

// 2. Text written into a comment.

#[test]
fn new_keys_in_a_multiline_flow_mapping_stay_out_of_a_trailing_comment() {
    let input = lb("  annotations: {\n    a: \"b\", # first\n    c: \"d\" # last\n    }\n");
    let out = rendered(&["--cloud", "aws"], &input);
    assert_eq!(
        out,
        lb(
            "  annotations: {\n    a: \"b\", # first\n    c: \"d\", service.beta.kubernetes.io/aws-load-balancer-type: \"external\", service.beta.kubernetes.io/aws-load-balancer-scheme: \"internet-facing\", service.beta.kubernetes.io/aws-load-balancer-nlb-target-type: \"ip\" # last\n    }\n",
        )
    );
    // An empty flow mapping with a comment inside it.
    let input = lb("  annotations: { # none yet\n    }\n");
    let out = rendered(&["--cloud", "aws"], &input);
    assert!(
        out.contains(
            "  annotations: {service.beta.kubernetes.io/aws-load-balancer-type: \"external\", "
        ),
        "{out}"
    );
    assert!(out.contains("\"ip\" # none yet\n    }\n"), "{out}");
}

// 3. Merge keys.

#[test]
fn merge_keys_are_read_merged_by_check_and_refused_by_render() {
    let input = lb(&format!(
        "  annotations: {{<<: {{{SSL_CERT}: \"arn:aws:acm:x\"}}}}\n"
    ));
    let check = run(&["check", "--cloud", "aws"], input.clone());
    assert!(check.stdout.contains("SE104"), "{}", check.stdout);
    assert!(!check.stdout.contains("SE501"), "{}", check.stdout);
    assert_refused(&render(input), "6:16: document 1", "merge key");

    // Through an alias, the way a template shares a set of annotations.
    let tree = Tree::parse("base: &b {x: \"1\", y: \"2\"}\nm:\n  <<: *b\n  y: \"3\"\n").unwrap();
    let m = tree.get(tree.root.unwrap(), "m").unwrap();
    assert_eq!(tree.string_pairs(m), [("x", "1"), ("y", "3")]);
    assert_eq!(tree.str_at(tree.root.unwrap(), &["m", "x"]), Some("1"));
}

// 4. Anchors and aliases.

#[test]
fn editing_a_node_whose_anchor_is_aliased_is_refused() {
    let input = lb("  annotations: &shared\n    x: \"1\"\n  labels: *shared\n");
    assert_refused(&render(input), "7:5: document 1", "anchor");
    // An anchor nobody uses is no reason to refuse.
    let input = lb("  annotations: &unused\n    x: \"1\"\n");
    let out = rendered(&["--cloud", "aws"], &input);
    assert!(out.contains(&format!("    x: \"1\"\n{AWS_SET}")), "{out}");
}

#[test]
fn removing_an_entry_that_defines_a_used_anchor_is_refused() {
    let input = lb(&format!(
        "  annotations:\n    {SSL_CERT}: &arn \"arn:aws:acm:x\"\n    copy: *arn\n"
    ));
    assert_refused(&render(input), "7:65: document 1", "anchor");
    let src = "a:\n  x: &v 1\n  y: 2\nb: *v\n";
    let tree = Tree::parse(src).unwrap();
    let a = tree.get(tree.root.unwrap(), "a").unwrap();
    let (x, _) = tree.entry(a, "x").unwrap();
    let mut w = Writer::new(&tree);
    let err = w.remove_entry(a, x).unwrap_err();
    assert!(err.message.contains("anchor"), "{err}");
}

// 5. Edits at the same offset.

#[test]
fn a_service_without_spec_gets_its_annotations_under_metadata() {
    let input = service("", "");
    let out = rendered(&["--cloud", "aws", "--mode", "load-balancer"], &input);
    assert_eq!(
        out,
        service(
            &format!("  annotations:\n{AWS_SET}"),
            "spec:\n  type: \"LoadBalancer\"\n"
        )
    );
    // The same without a final line break.
    let input = service("", "");
    let input = input.trim_end();
    let out = rendered(&["--cloud", "aws", "--mode", "load-balancer"], input);
    assert_eq!(
        out,
        service(
            &format!("  annotations:\n{AWS_SET}"),
            "spec:\n  type: \"LoadBalancer\""
        )
    );
}

// 6. Byte-order mark.

#[test]
fn a_byte_order_mark_is_not_a_column() {
    let input = format!("\u{feff}{}", service("", ""));
    let out = rendered(&["--cloud", "aws", "--mode", "load-balancer"], &input);
    assert_eq!(
        out,
        format!(
            "\u{feff}{}",
            service(
                &format!("  annotations:\n{AWS_SET}"),
                "spec:\n  type: \"LoadBalancer\"\n"
            )
        )
    );
    let tree = Tree::parse("\u{feff}a: {b: c}\n").unwrap();
    let root = tree.root.unwrap();
    assert_eq!(tree.node(root).col, 0);
    assert_eq!(tree.node(tree.get(root, "a").unwrap()).col, 3);
}

// 7. Tags.

#[test]
fn tagged_scalars_are_read_by_their_tag() {
    let tree = Tree::parse(
        "a: !!bool true\nb: !!str true\nc: !!int \"3\"\nd: !custom x\ne: !!binary aGk=\n",
    )
    .unwrap();
    let root = tree.root.unwrap();
    let string = |k: &str| tree.string(tree.get(root, k).unwrap());
    assert_eq!(string("a"), None);
    assert_eq!(string("b"), Some("true"));
    assert_eq!(string("c"), None);
    assert_eq!(string("e"), None);
    assert_eq!(string("d"), Some("x"));

    // Render replaces the value and its tag: `!!bool "external"` is not a string either.
    let input =
        lb("  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-type: !!bool true\n");
    let out = rendered(&["--cloud", "aws"], &input);
    assert!(!out.contains("!!bool"), "{out}");
    assert!(
        out.contains(
            "  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-type: \"external\"\n"
        ),
        "{out}"
    );
    let check = run(&["check", "--cloud", "aws"], input);
    assert!(check.stdout.contains("SE501"), "{}", check.stdout);
}

// 8. Block scalar chomping.

#[test]
fn keep_chomped_block_scalars_keep_their_trailing_newlines() {
    let input = lb("  annotations:\n    note: |+\n      kept\n\n");
    let out = rendered(&["--cloud", "aws"], &input);
    assert_eq!(
        out,
        lb(&format!(
            "  annotations:\n    note: |+\n      kept\n\n{AWS_SET}"
        ),)
    );
}

// 9. Two removals in one flow collection.

#[test]
fn removing_the_last_two_entries_of_a_flow_mapping() {
    // What Helm's `toJson` renders.
    let input = lb(&format!(
        "  annotations: {{\"{SSL_CERT}\":\"arn:aws:acm:x\",\"{SSL_PORTS}\":\"443\"}}\n"
    ));
    let out = rendered(&["--cloud", "aws"], &input);
    assert!(
        out.contains(
            "  annotations: {service.beta.kubernetes.io/aws-load-balancer-type: \"external\", "
        ),
        "{out}"
    );
    assert!(!out.contains("ssl-"), "{out}");
    let input = lb(&format!(
        "  annotations: {{\"keep\":\"1\",\"{SSL_CERT}\":\"arn:aws:acm:x\",\"{SSL_PORTS}\":\"443\"}}\n"
    ));
    let out = rendered(&["--cloud", "aws"], &input);
    assert!(
        out.contains("  annotations: {\"keep\":\"1\", service.beta.kubernetes.io/aws-load-balancer-type: \"external\", "),
        "{out}"
    );

    // The writer on its own: `two_removals_in_one_flow_collection_never_overlap` in
    // src/yaml/write.rs.
}

// 10. What Helm 4 itself writes.

#[test]
fn helm4_multiline_single_quoted_strings_with_the_quote_at_column_0_are_read() {
    let input = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/meaning/helm4-prometheusrule.yaml"
    ))
    .unwrap();
    let out = rendered(&["--cloud", "aws"], &input);
    // The PrometheusRule is not touched; the Service gets its annotations after the
    // multi-line description, which keeps its value.
    let (rule, rest) = input.split_once("---\n").unwrap();
    assert!(out.starts_with(&format!("{rule}---\n")));
    let (_, service_out) = out.split_once("---\n").unwrap();
    assert_eq!(
        service_out,
        rest.replace(
            "    postrenderer.helm.sh/postrender-filename: 'monitoring/templates/service.yaml'\n",
            &format!("    postrenderer.helm.sh/postrender-filename: 'monitoring/templates/service.yaml'\n{AWS_SET}")
        )
    );
    let tree = Tree::parse(rest).unwrap();
    assert_eq!(
        tree.str_at(
            tree.root.unwrap(),
            &["metadata", "annotations", "description"]
        ),
        Some("The router's Service.\nExposed over Layer 4.\n")
    );
    // check reads it too.
    let check = run(&["check", "--cloud", "aws"], input);
    assert!(!check.stdout.contains("SE503"), "{}", check.stdout);
}

// Found by the yaml_meaning fuzz target: a `kind` Kubernetes does not read as a string.

#[test]
fn an_object_whose_kind_is_not_a_string_is_not_an_object() {
    let (_, input) = kept("fuzz-kind-binary-tag.yaml");
    assert!(input.contains("kind: !!binary Service"));
    let out = run(&["--cloud", "aws"], input.clone());
    // Not a Service to Kubernetes (a base64 `kind`): not edited, whatever else happens.
    assert!(out.code == 0 || out.code == 2, "{}", out.stderr);
    if out.code == 0 {
        assert_eq!(out.stdout, input);
    }
}

// Found by the yaml_meaning fuzz target: removing the last entry of a tagged mapping left
// `annotations: !!bool` with no value, a tagged empty scalar Kubernetes refuses.

#[test]
fn a_mapping_with_a_tag_is_not_edited() {
    let input = lb(&format!("  annotations: !!map\n    {SSL_CERT}: arn\n"));
    assert_refused(&render(input), "7:5: document 1", "tag");
    let input = lb("  annotations: !x {a: \"1\"}\n");
    assert_refused(&render(input), "6:19: document 1", "tag");
    let input = service("", "spec: !!map {type: ClusterIP}\n");
    let out = run(&["--cloud", "aws", "--mode", "load-balancer"], input);
    assert_refused(&out, "6:13: document 1", "tag");
    // The input the fuzzer found.
    let (_, found) = kept("fuzz-tagged-mapping-emptied.yaml");
    assert_refused(&render(found), "8:5: document 1", "tag");
}

// Found by the oracle on the yaml_meaning corpus: a control character in a comment, which
// the strict parser does not look at, and for which Kubernetes rejects the whole stream.

#[test]
fn control_characters_are_refused_even_in_comments() {
    for (c, what) in [
        ("\u{1}", "control character"),
        ("\u{7f}", "control character"),
        ("\u{9f}", "C1 control"),
    ] {
        let input = format!("kind: ConfigMap\n---\n# a hook{c}\nkind: Secret\n");
        assert_refused(&render(input), "3:9: document 2", what);
    }
}

// Found by the yaml_meaning fuzz target: a document read with relaxed indentation for
// Helm 4's quoted string also had an under-indented flow mapping; once render replaced
// the string, its own output no longer parsed. go-yaml reads both layouts.

#[test]
fn under_indented_flow_collections_are_read_as_kubernetes_reads_them() {
    let input = lb("  annotations: {\n    a: \"b\"\n  }\n");
    let out = rendered(&["--cloud", "aws"], &input);
    assert!(
        out.contains("  annotations: {\n    a: \"b\", service.beta"),
        "{out}"
    );
    let (args, found) = kept("fuzz-relaxed-flow-after-quoted.yaml");
    let args: Vec<&str> = args.split_whitespace().collect();
    rendered(&args, &found);
}

// Found by the yaml_meaning fuzz target: `... r+`, text after an end marker, read as an
// empty stream ("no resources") although no YAML reader accepts it.

#[test]
fn text_after_a_document_end_marker_is_refused() {
    let (_, found) = kept("fuzz-no-resources.yaml");
    assert_refused(
        &render(found),
        "1:5: document 1",
        "after document end marker",
    );
}
