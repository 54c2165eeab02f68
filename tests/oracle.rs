//! An oracle independent of the project's parser: PyYAML, a YAML 1.1 reader, set to read
//! plain scalars as go-yaml v2 does (`scripts/oracle/k8s_yaml_oracle.py`), judges what
//! Kubernetes reads. For every golden render case, every real capture (rendered with the
//! options that make render edit it), the Helm 4 capture of `testdata/meaning/`, the
//! fuzz corpus of `yaml_meaning` and a set of generated streams, it checks:
//!
//! - PyYAML and the span tree read the same documents (merge keys, aliases, tags, YAML 1.1
//!   scalars), in input and output;
//! - every document render left byte-identical means the same in the output stream;
//! - every edited document differs only at the paths render may edit for its kind, with
//!   every annotation it writes a string; added documents are CiliumNetworkPolicies.
//!
//! The oracle is installed by `scripts/oracle/install.sh` (which `scripts/test.sh` runs)
//! into `target/oracle-venv/`. Without it the test is skipped, except under `CI=true`,
//! where it fails.

// A skipped oracle run says so on stderr.
#![allow(clippy::print_stderr)]

mod guarantees;
mod meaning_check;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use clap::Parser as _;
use guarantees::manifests::{FromList, generate};
use spaces_expose::cli::Cli;
use spaces_expose::config;
use spaces_expose::manifest::Stream;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The oracle's Python, or `None` (skip) outside CI when it is not installed.
fn python() -> Option<PathBuf> {
    let python = std::env::var_os("SPACES_EXPOSE_ORACLE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/oracle-venv/bin/python"));
    if python.exists() {
        return Some(python);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the YAML 1.1 oracle is not installed at {}: run scripts/oracle/install.sh",
        python.display()
    );
    eprintln!(
        "skipping: the YAML 1.1 oracle is not installed ({}); run scripts/oracle/install.sh",
        python.display()
    );
    None
}

/// Runs the oracle on cases (JSON objects); returns its failure lines.
fn judge(python: &Path, cases: &[String]) -> Vec<String> {
    let mut child = Command::new(python)
        .arg(root().join("scripts/oracle/k8s_yaml_oracle.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the oracle starts");
    let job = format!("{{\"cases\":[{}]}}", cases.join(","));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(job.as_bytes())
        .expect("the oracle reads its job");
    let out = child.wait_with_output().expect("the oracle runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let failures: Vec<String> = stdout.lines().map(str::to_string).collect();
    assert!(
        out.status.code() == Some(u8::from(!failures.is_empty()).into()),
        "the oracle failed to run ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    failures
}

/// Renders with options as a user would pass them; options that do not parse are an
/// error like a render that fails.
fn render(args: &[&str], input: &str) -> Result<String, String> {
    let cli = Cli::try_parse_from(std::iter::once("spaces-expose").chain(args.iter().copied()))
        .map_err(|e| e.to_string())?;
    let config = config::resolve(&cli.render).map_err(|e| e.to_string())?;
    spaces_expose::render(input.as_bytes(), "<input>", &config)
        .map(|r| r.output)
        .map_err(|e| e.to_string())
}

/// Render options written as words (an `args` file, one or more a line, `#` comments;
/// or the first line of a fuzz input).
fn words(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(str::split_whitespace)
        .collect()
}

fn sorted(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.expect("readable entry").path()).collect())
        .unwrap_or_default();
    paths.sort();
    paths
}

/// Every case: (name, input, output). A render that fails where it must not is a
/// failure of its own.
fn cases(failures: &mut Vec<String>) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut add = |name: String, args: &[&str], input: String, must_render: bool| match render(
        args, &input,
    ) {
        Ok(output) => out.push((name, input, output)),
        Err(e) if must_render => failures.push(format!("{name}: render failed: {e}")),
        Err(_) => {}
    };

    // Golden render cases that succeed.
    for dir in sorted(&root().join("testdata/render")) {
        let Ok(input) = std::fs::read_to_string(dir.join("input.yaml")) else {
            continue;
        };
        if dir.join("expected.error").exists() {
            continue;
        }
        let args = std::fs::read_to_string(dir.join("args")).unwrap_or_default();
        let args = words(&args);
        let name = format!("golden {}", dir.file_name().unwrap().to_string_lossy());
        add(name, &args, input, true);
    }

    // Real captures: as they are, and with each LoadBalancer Service as the target.
    for path in sorted(&root().join("testdata/corpus"))
        .into_iter()
        .chain([root().join("testdata/meaning/helm4-prometheusrule.yaml")])
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
    {
        let input = std::fs::read_to_string(&path).expect("capture is UTF-8");
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        add(
            format!("{file} --cloud aws"),
            &["--cloud", "aws"],
            input.clone(),
            true,
        );
        let stream = Stream::parse(&input, &file, "default").expect("captures parse");
        let mut targets = Vec::new();
        for doc in &stream.docs {
            let Some(tree) = doc.tree.as_deref() else {
                continue;
            };
            for o in doc.objects.iter().filter(|o| o.kind == "Service") {
                if tree.str_at(o.node, &["spec", "type"]) == Some("LoadBalancer") {
                    targets.push(format!("{}/{}", o.namespace, o.name));
                }
            }
        }
        for target in targets {
            for cloud in ["aws", "gcp", "azure", "oci", "digitalocean", "hetzner"] {
                let args = [
                    "--cloud",
                    cloud,
                    "--scheme",
                    "internal",
                    "--service",
                    &target,
                ];
                add(
                    format!("{file} {}", args.join(" ")),
                    &args,
                    input.clone(),
                    true,
                );
            }
        }
    }

    // What the yaml_meaning fuzz target kept (first line: the options).
    for path in sorted(&root().join("testdata/fuzz/yaml_meaning")) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let (args, input) = text.split_once('\n').unwrap_or((text.as_str(), ""));
        let args = words(args);
        let name = format!("fuzz {}", path.file_name().unwrap().to_string_lossy());
        add(name, &args, input.to_string(), false);
    }

    // Generated streams, the property test's generator on fixed choices.
    for seed in 1..=48u32 {
        // xorshift32 from the seed.
        let mut state = seed;
        let choices: Vec<u32> = std::iter::repeat_with(|| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        })
        .take(160)
        .collect();
        let generated = generate(&mut FromList {
            list: &choices,
            at: 0,
        });
        let args: Vec<&str> = generated.args.iter().map(String::as_str).collect();
        add(format!("generated {seed}"), &args, generated.text, false);
    }
    out
}

#[test]
fn output_means_the_input_plus_the_intended_edits() {
    let Some(python) = python() else { return };
    let mut failures = Vec::new();
    let cases = cases(&mut failures);
    let edited = cases.iter().filter(|(_, i, o)| i != o).count();
    assert!(
        cases.len() > 60 && edited > 40,
        "{} cases, {edited} edited",
        cases.len()
    );
    let mut jobs = Vec::new();
    for (name, input, output) in &cases {
        // The span tree's own verdict first, then the oracle's.
        if let Err(e) = meaning_check::check(input, output) {
            failures.push(format!("{name}: {e}"));
        }
        match meaning_check::oracle_case(name, input, output) {
            Ok(job) => jobs.push(job),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    // An input Kubernetes cannot read has no meaning to compare: accepted for fuzz
    // inputs (whose output the span tree has judged above), never for the curated ones.
    let (unreadable, judged): (Vec<String>, Vec<String>) = judge(&python, &jobs)
        .into_iter()
        .partition(|f| f.starts_with("unreadable: fuzz "));
    failures.extend(judged);
    if !unreadable.is_empty() {
        eprintln!("{} fuzz inputs PyYAML cannot read:", unreadable.len());
        for line in &unreadable {
            eprintln!("  {line}");
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The oracle does fail: on output that changes a field render never edits, writes an
/// annotation that is not a string, or reads differently from the span tree.
#[test]
fn the_oracle_catches_output_that_means_something_else() {
    let Some(python) = python() else { return };
    let input = "apiVersion: v1\nkind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    a: \"1\"\nspec:\n  type: LoadBalancer\n  ports:\n  - port: 443\n";
    let wrong = [
        // A port render never edits.
        input.replace("port: 443", "port: 8443"),
        // An annotation written as a bool.
        input.replace("a: \"1\"", "a: \"1\"\n    b: yes"),
        // A break Kubernetes reads in a comment (the span tree does not; this input is
        // refused by render, here it stands for a reader that got it wrong).
        input.replace("a: \"1\"", "a: \"1\" # x\r    c: \"2\""),
    ];
    let mut jobs = Vec::new();
    for (n, output) in wrong.iter().enumerate() {
        // The span tree would refuse a lone CR: give the oracle the view without it.
        let shown = output.replace('\r', "\n#");
        let mut job =
            meaning_check::oracle_case(&format!("wrong {n}"), input, &shown).expect("views build");
        job = job.replace(
            &{
                let mut s = String::new();
                meaning_check::json_string(&shown, &mut s);
                s
            },
            &{
                let mut s = String::new();
                meaning_check::json_string(output, &mut s);
                s
            },
        );
        jobs.push(job);
    }
    let failures = judge(&python, &jobs);
    for n in 0..wrong.len() {
        assert!(
            failures
                .iter()
                .any(|f| f.starts_with(&format!("wrong {n}:"))),
            "case {n} passed the oracle: {failures:?}"
        );
    }
    // And the span tree's own check catches the first two.
    for output in &wrong[..2] {
        assert!(meaning_check::check(input, output).is_err(), "{output}");
    }
}
