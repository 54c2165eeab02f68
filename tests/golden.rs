//! Golden render cases: `testdata/render/<case>/` holds `input.yaml`, `args` (one
//! argument per line) and either `expected.yaml` (exact stdout) or `expected.error`
//! (text that stderr must contain; exit code 2). `expected.stderr`, when present, is
//! the exact stderr. `UPDATE_GOLDEN=1` rewrites the expectations.
//!
//! Beyond the expectations, every successful case is checked for the guarantees of
//! render: output parses, untouched documents are byte-identical and in order,
//! rendering the output again changes nothing, and Services still deserialize.

use std::path::{Path, PathBuf};

mod common;

use common::args_of;
use spaces_expose::manifest::Stream;
use spaces_expose::stream;

fn cases() -> Vec<PathBuf> {
    common::files("testdata/render", |p| p.join("input.yaml").is_file())
}

/// A run with stdout as bytes: the golden files are compared byte for byte.
struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

fn run(args: &[String], input: &[u8]) -> Run {
    let out = common::bin()
        .args(args)
        .write_stdin(input.to_vec())
        .output()
        .expect("binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some()
}

/// Compares with an expectation file, or writes it when updating.
fn expect_file(path: &Path, actual: &[u8], failures: &mut Vec<String>) {
    if updating() {
        std::fs::write(path, actual).expect("expectation is writable");
        return;
    }
    let expected = std::fs::read(path).unwrap_or_default();
    if expected != actual {
        let diff = similar::TextDiff::from_lines(
            std::str::from_utf8(&expected).unwrap_or("<binary>"),
            std::str::from_utf8(actual).unwrap_or("<binary>"),
        )
        .unified_diff()
        .header("expected", "actual")
        .to_string();
        failures.push(format!("{}:\n{diff}", path.display()));
    }
}

/// The render guarantees, checked on one case's input and output.
fn check_guarantees(
    name: &str,
    args: &[String],
    input: &[u8],
    output: &[u8],
    stderr: &str,
    failures: &mut Vec<String>,
) {
    let input = std::str::from_utf8(input).expect("golden inputs are UTF-8");
    let output = std::str::from_utf8(output).expect("output is UTF-8");
    if output == spaces_expose::render::NO_RESOURCES {
        if Stream::parse(input, "<input>", "upbound-system").is_ok_and(|s| !s.is_empty()) {
            failures.push(format!(
                "{name}: resources in the input, but none in the output"
            ));
        }
        return;
    }

    // Output parses.
    let parsed = match Stream::parse(output, "<output>", "upbound-system") {
        Ok(s) => s,
        Err(e) => {
            failures.push(format!("{name}: output does not parse: {e}"));
            return;
        }
    };

    // Render twice = render once.
    let again = run(args, output.as_bytes());
    if again.code != 0 || again.stdout != output.as_bytes() {
        failures.push(format!(
            "{name}: not idempotent (exit {}): {}",
            again.code, again.stderr
        ));
    }

    // Every input document is in the output, in order; those that differ were
    // reported as edited, and extra output documents are added ones.
    let inputs = stream::split(input);
    let outputs = stream::split(output);
    let mut j = 0;
    for chunk in &inputs {
        let original = &input[chunk.range.clone()];
        loop {
            let Some(out_chunk) = outputs.get(j) else {
                failures.push(format!(
                    "{name}: input document at line {} is missing",
                    chunk.first_line
                ));
                return;
            };
            let produced = &output[out_chunk.range.clone()];
            j += 1;
            if produced == original {
                break;
            }
            let added = !input.contains(produced.trim_start_matches("---").trim());
            let cilium = Stream::parse(produced, "<added>", "upbound-system").is_ok_and(|s| {
                s.docs
                    .iter()
                    .flat_map(|d| d.objects.iter())
                    .any(|o| o.kind == "CiliumNetworkPolicy")
            });
            if added && cilium {
                continue;
            }
            // An edited document: its object must be named in the summary.
            let doc = &parsed.docs[j - 1];
            let named = doc
                .objects
                .iter()
                .any(|o| stderr.contains(&format!("{}:", o.label())));
            if !named {
                failures.push(format!(
                    "{name}: document at input line {} changed without a summary line",
                    chunk.first_line
                ));
            }
            break;
        }
    }

    // Services still deserialize into the Kubernetes types.
    for doc in &parsed.docs {
        for object in doc.objects.iter().filter(|o| o.kind == "Service") {
            let tree = doc.tree.as_ref().expect("objects live in parsed documents");
            let text = &doc.text[tree.node(object.node).start..];
            let json: serde_json::Value = match serde_saphyr::from_str(text) {
                Ok(v) => v,
                Err(_) => continue, // a List item: covered by the whole-document case
            };
            if let Err(e) = serde_json::from_value::<k8s_openapi::api::core::v1::Service>(json) {
                failures.push(format!(
                    "{name}: {} does not deserialize: {e}",
                    object.label()
                ));
            }
        }
    }
}

#[test]
fn golden_render_cases() {
    let cases = cases();
    assert!(!cases.is_empty(), "no golden cases found");
    let mut failures = Vec::new();
    for dir in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let args = args_of(dir);
        let input = std::fs::read(dir.join("input.yaml")).expect("input.yaml is readable");
        let result = run(&args, &input);
        let error_file = dir.join("expected.error");
        if error_file.is_file() {
            let wanted = std::fs::read_to_string(&error_file).expect("readable");
            if result.code != 2
                || !result.stdout.is_empty()
                || !result.stderr.contains(wanted.trim())
            {
                failures.push(format!(
                    "{name}: expected exit 2, no stdout and stderr containing {:?}; got exit {} and stderr {:?}",
                    wanted.trim(),
                    result.code,
                    result.stderr
                ));
            }
            continue;
        }
        if result.code != 0 {
            failures.push(format!("{name}: exit {}: {}", result.code, result.stderr));
            continue;
        }
        expect_file(&dir.join("expected.yaml"), &result.stdout, &mut failures);
        let stderr_file = dir.join("expected.stderr");
        if stderr_file.is_file() || updating() {
            expect_file(&stderr_file, result.stderr.as_bytes(), &mut failures);
        }
        check_guarantees(
            &name,
            &args,
            &input,
            &result.stdout,
            &result.stderr,
            &mut failures,
        );
    }
    assert!(
        failures.is_empty(),
        "{} golden failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
