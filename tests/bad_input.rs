//! The bad-input catalogue (issue 5): each hostile or unusual input with its exact
//! behaviour. Errors exit 2, write nothing to stdout, and name the document and the
//! line:column counted in the whole input; accepted input keeps every byte it does not
//! have to change.

use std::io::{Read, Write};
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;

/// The router Service every stream below starts with (7 lines).
const ROUTER: &str = "apiVersion: v1
kind: Service
metadata:
  name: spaces-router
  namespace: upbound-system
spec:
  type: LoadBalancer
";

const AWS_TYPE: &str = "service.beta.kubernetes.io/aws-load-balancer-type";

struct Out {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

impl Out {
    fn text(&self) -> &str {
        std::str::from_utf8(&self.stdout).expect("stdout is UTF-8")
    }
}

fn render(stdin: impl Into<Vec<u8>>) -> Out {
    let out = Command::cargo_bin("spaces-expose")
        .expect("binary is built")
        .env_clear()
        .args(["--cloud", "aws"])
        .write_stdin(stdin.into())
        .output()
        .expect("runs");
    Out {
        code: out.status.code().expect("exits normally, not by a signal"),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// An error: exit 2, nothing on stdout, and stderr names `<stdin>:line:col: document N`
/// and says what is wrong.
fn assert_refused(out: &Out, at: &str, what: &str) {
    assert_eq!(out.code, 2, "stderr: {}", out.stderr);
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

/// The router Service plus a second document `doc` (starting on line 8).
fn with_router(doc: &[u8]) -> Vec<u8> {
    let mut input = ROUTER.as_bytes().to_vec();
    input.extend_from_slice(b"---\n");
    input.extend_from_slice(doc);
    input
}

#[test]
fn invalid_utf8_is_refused_at_its_line() {
    let out = render(with_router(b"kind: ConfigMap\ndata:\n  a: \xc3\x28\n"));
    assert_refused(&out, "11:6: document 2", "input is not valid UTF-8");
}

#[test]
fn utf8_bom_is_accepted_and_kept() {
    let mut input = "\u{feff}".as_bytes().to_vec();
    input.extend_from_slice(ROUTER.as_bytes());
    let out = render(input);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.text().starts_with("\u{feff}apiVersion: v1\n"));
    assert!(out.text().contains(AWS_TYPE), "the Service is still edited");
}

#[test]
fn a_second_byte_order_mark_is_refused_with_its_position() {
    let mut input = "\u{feff}\u{feff}".as_bytes().to_vec();
    input.extend_from_slice(ROUTER.as_bytes());
    let out = render(input);
    assert_refused(&out, "1:1: document 1", "a second byte-order mark");
}

#[test]
fn nul_byte_is_refused() {
    let out = render(with_router(b"kind: ConfigMap\ndata:\n  a: b\x00\n"));
    assert_refused(&out, "11:7: document 2", "invalid YAML");
}

#[test]
fn tab_indentation_is_refused() {
    let out = render(with_router(b"kind: ConfigMap\ndata:\n\ta: b\n"));
    assert_refused(&out, "11:2: document 2", "tabs");
}

#[test]
fn unclosed_quotes_are_refused() {
    let out = render(with_router(b"kind: ConfigMap\ndata:\n  a: \"abc"));
    assert_refused(&out, "11:6: document 2", "unclosed quote");
    // A quote left open runs into the next line, which then is not indented enough.
    let out = render(with_router(b"kind: ConfigMap\ndata:\n  a: 'abc\n"));
    assert_refused(&out, "12:1: document 2", "invalid YAML");
    let out = render(with_router(b"kind: ConfigMap\ndata:\n  a: \"abc\n  b: c\n"));
    assert_refused(&out, "12:3: document 2", "invalid YAML");
}

#[test]
fn unclosed_flow_collections_are_refused() {
    let out = render(with_router(b"kind: ConfigMap\ndata: [a, b\n"));
    assert_refused(&out, "10:7: document 2", "unclosed bracket '['");
    // The next document does not close it: documents are parsed one by one.
    let out = render(with_router(b"kind: ConfigMap\ndata: {a: b\n---\nkind: X\n"));
    assert_refused(&out, "10:7: document 2", "unclosed bracket '{'");
}

#[test]
fn ten_megabyte_document_passes_through() {
    let mut doc = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n");
    let mut i = 0;
    while doc.len() < 10 << 20 {
        doc.push_str(&format!("  key{i}: \"{}\"\n", "x".repeat(100)));
        i += 1;
    }
    let input = with_router(doc.as_bytes());
    let out = render(input.clone());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = out.text();
    let (service, rest) = text.split_at(text.find("---\n").expect("two documents"));
    assert!(service.contains(AWS_TYPE));
    assert_eq!(
        rest.as_bytes(),
        &input[ROUTER.len()..],
        "the ConfigMap is untouched"
    );
}

#[test]
fn hundred_thousand_tiny_documents_pass_through_in_order() {
    let mut input = String::from(ROUTER);
    for i in 0..100_000 {
        input.push_str(&format!("---\na: {i}\n"));
    }
    let out = render(input.clone());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = out.text();
    let tail = &input[ROUTER.len()..];
    assert!(
        text.ends_with(tail),
        "every tiny document, in order, byte for byte"
    );
    assert!(text[..text.len() - tail.len()].contains(AWS_TYPE));
}

#[test]
fn ten_thousand_levels_of_nesting_are_refused_without_overflow() {
    // Block mappings, each one deeper.
    let block: String = (0..10_000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    let out = render(with_router(block.as_bytes()));
    // The parser's limit is 255 open collections: the error is at the 256th.
    assert_refused(&out, "264:256: document 2", "recursion limit exceeded");
    // Flow sequences.
    let flow = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let out = render(with_router(flow.as_bytes()));
    assert_refused(
        &out,
        "9:",
        "document 2: invalid YAML: recursion limit exceeded",
    );
}

#[test]
fn alias_bomb_is_never_expanded() {
    // "Billion laughs": expanded, 40 levels of ten aliases each would be 10^40 nodes.
    let mut doc = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n");
    doc.push_str("  a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut previous = "a".to_string();
    for i in 1..40 {
        let refs = vec![format!("*{previous}"); 10].join(", ");
        doc.push_str(&format!("  b{i}: &b{i} [{refs}]\n"));
        previous = format!("b{i}");
    }
    let input = with_router(doc.as_bytes());
    let out = render(input.clone());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.text().ends_with(&doc),
        "the bomb passes through as written"
    );
}

#[test]
fn duplicate_keys_last_wins_and_edits_go_to_the_last() {
    let input = "apiVersion: v1
kind: Service
metadata:
  name: spaces-router
  namespace: upbound-system
  annotations:
    example.com/first: \"dead\"
  annotations:
    example.com/last: \"live\"
spec:
  type: ClusterIP
spec:
  type: LoadBalancer
";
    let out = render(input);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = out.text();
    // The first `annotations:` is dead text for Kubernetes and stays as it was; the L4
    // set joins the live one.
    assert!(text.contains(
        "  annotations:\n    example.com/first: \"dead\"\n  annotations:\n    example.com/last: \"live\"\n    service.beta.kubernetes.io/aws-load-balancer-type: \"external\"\n"
    ), "{text}");
    // The last `spec` is the one Kubernetes reads: LoadBalancer, so the set was added.
    assert!(text.ends_with("spec:\n  type: ClusterIP\nspec:\n  type: LoadBalancer\n"));
}

#[test]
fn scalar_and_list_documents_pass_through() {
    let others = "--- just a scalar\n---\n- a\n- b\n--- [1, 2]\n---\n\"quoted\"\n";
    let input = format!("{ROUTER}{others}");
    let out = render(input);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.text().ends_with(others), "{}", out.text());
    assert!(out.text().contains(AWS_TYPE));
}

#[test]
fn documents_without_objects_alone_pass_through() {
    // Render keeps no tree for a document without `kind`; the stream still holds YAML,
    // so it comes back as it was, not as the no-resources comment.
    let input = "a: 1\n---\nb: [1, 2]\n";
    let out = render(input);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.text(), input);
}

#[test]
fn yaml_and_tag_directives_pass_through() {
    let head = "%YAML 1.2\n%TAG !e! tag:example.com,2000:\n---\n";
    let other = "...\n%YAML 1.2\n%TAG !e! tag:example.com,2000:\n---\nkind: Thing\nvalue: !e!x 1\n";
    let input = format!("{head}{ROUTER}{other}");
    let out = render(input);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = out.text();
    assert!(
        text.starts_with(&format!("{head}apiVersion: v1\n")),
        "{text}"
    );
    assert!(text.contains(AWS_TYPE));
    assert!(text.ends_with(other), "{text}");
}

#[test]
fn directive_after_a_document_without_end_marker_is_refused() {
    // YAML 1.2 §9.2: a directive after a document needs `...` first; without it the
    // `%` line belongs to the document, which then does not parse.
    let input = format!("{ROUTER}%YAML 1.2\n---\nkind: Thing\n");
    let out = render(input);
    assert_refused(
        &out,
        "8:1: document 1",
        "missing explicit document end marker before directive",
    );
}

#[test]
fn document_end_markers_are_kept() {
    let input = format!("{ROUTER}...\n---\nkind: Thing\n...\n");
    let out = render(input);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = out.text();
    assert!(text.contains(AWS_TYPE));
    assert!(
        text.ends_with("  type: LoadBalancer\n...\n---\nkind: Thing\n...\n"),
        "{text}"
    );
}

#[test]
fn crlf_input_stays_crlf() {
    let input = ROUTER.replace('\n', "\r\n");
    let out = render(input);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = out.text();
    assert!(
        text.contains(&format!("{AWS_TYPE}: \"external\"\r\n")),
        "{text:?}"
    );
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "no bare line feed was written: {text:?}"
    );
}

#[test]
fn mixed_line_endings_keep_each_document_as_it_was() {
    let lf_doc = "---\nkind: ConfigMap\r\nmetadata: {name: x}\n";
    let input = format!("{}{lf_doc}", ROUTER.replace('\n', "\r\n"));
    let out = render(input);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = out.text();
    assert!(
        text.contains(&format!("{AWS_TYPE}: \"external\"\r\n")),
        "{text:?}"
    );
    assert!(
        text.ends_with(lf_doc),
        "the other document is untouched: {text:?}"
    );
}

#[test]
fn broken_stdout_pipe_exits_quietly() {
    // Output larger than a pipe buffer, and a reader that goes away at once.
    let mut input = String::from(ROUTER);
    for i in 0..20_000 {
        input.push_str(&format!("---\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n"));
    }
    let bin = assert_cmd::cargo::cargo_bin("spaces-expose");
    let mut child = StdCommand::new(bin)
        .env_clear()
        .args(["--cloud", "aws"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    drop(child.stdout.take());
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("the program reads all of its input");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr readable");
    let status = child.wait().expect("exits");
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert!(!stderr.contains("error"), "quiet: {stderr}");
}

#[test]
fn closed_stdin_is_empty_input() {
    // `<&-` closes descriptor 0 for the program (not /dev/null: really closed).
    let bin = assert_cmd::cargo::cargo_bin("spaces-expose");
    let out = StdCommand::new("sh")
        .args(["-c", "exec \"$0\" --cloud aws <&-"])
        .arg(bin)
        .env_clear()
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, b"# spaces-expose: no resources\n");
}

#[test]
fn unreadable_values_or_config_file_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.yaml");
    // A directory cannot be read as a file (and, unlike permission bits, that holds for
    // root too).
    let directory = dir.path().to_path_buf();
    for flag in ["--values", "--config"] {
        for path in [&missing, &directory] {
            let out = Command::cargo_bin("spaces-expose")
                .expect("binary is built")
                .env_clear()
                .args(["--cloud", "aws", flag])
                .arg(path)
                .write_stdin(ROUTER)
                .output()
                .expect("runs");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{flag} {path:?}: {stderr}");
            assert!(out.stdout.is_empty());
            assert!(
                stderr.contains(&path.display().to_string()),
                "{flag}: the message names the file: {stderr}"
            );
        }
    }
}
