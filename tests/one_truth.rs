//! check and render are one: for the same options and input, `check` on render's output
//! reports nothing render fixes, render changes exactly what check's fixes change, and
//! render warns about exactly check's unfixable findings (tests/guarantees/truth.rs).
//! Held over every golden case, every real capture under several option sets, the
//! property-test streams and the fuzz corpora, and for the cases that once broke it.

mod common;
mod guarantees;

use common::{args_of, files, root, run_with as run};
use guarantees::manifests::{FromList, generate};
use guarantees::truth::check_truth;
use proptest::prelude::*;

#[test]
fn every_golden_case() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for dir in files("testdata/render", |p| p.join("input.yaml").is_file()) {
        let args = args_of(&dir);
        let words: Vec<&str> = args.iter().map(String::as_str).collect();
        let Some(config) = guarantees::try_config_from(&words) else {
            continue; // a usage error, not an input
        };
        let input = std::fs::read(dir.join("input.yaml")).expect("readable");
        if let Err(broken) = check_truth(&input, &config) {
            failures.push(format!("{}: {broken}", dir.display()));
        }
        checked += 1;
    }
    assert!(checked >= 90, "only {checked} golden cases checked");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Option sets that exercise every family on the real captures.
const CAPTURE_OPTIONS: &[&[&str]] = &[
    &["--cloud=aws"],
    &[
        "--cloud=gcp",
        "--scheme=internal",
        "--controller=ingress-nginx,envoy-gateway",
    ],
    &[
        "--cloud=azure",
        "--mode=load-balancer",
        "--controller=cilium",
    ],
    &["--cloud=none", "--controller=traefik"],
    &["--cloud=aws", "--mode=gateway", "--controller=kgateway"],
];

/// The Service each real capture exposes (its chart's own), as `--service` words.
fn capture_services(file: &str) -> Vec<String> {
    [
        ("bitnami-nginx", "web-nginx"),
        ("ingress-nginx", "ingress-nginx-controller"),
        ("istio-gateway", "istio-ingressgateway"),
        ("traefik", "traefik"),
    ]
    .into_iter()
    .filter(|(prefix, _)| file.starts_with(prefix))
    .map(|(_, service)| format!("--service={service}"))
    .collect()
}

#[test]
fn every_real_capture_under_several_options() {
    let mut failures = Vec::new();
    let captures = files("testdata/corpus", |p| {
        p.extension().is_some_and(|e| e == "yaml")
    });
    assert!(captures.len() >= 20, "captures missing");
    for path in captures {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let input = std::fs::read(&path).expect("readable");
        for options in CAPTURE_OPTIONS {
            let mut words: Vec<String> = options.iter().map(|s| s.to_string()).collect();
            words.extend(capture_services(&name));
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            let config = guarantees::config_from(&words);
            if let Err(broken) = check_truth(&input, &config) {
                failures.push(format!("{name} {words:?}: {broken}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_fuzz_corpus_of_generated_streams() {
    for (file, args, stream) in common::generated_corpus() {
        let words: Vec<&str> = args.iter().map(String::as_str).collect();
        let config = guarantees::config_from(&words);
        if let Err(broken) = check_truth(stream.as_bytes(), &config) {
            panic!("{}: {broken}", file.display());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_streams(choices in prop::collection::vec(any::<u32>(), 0..160)) {
        let generated = generate(&mut FromList { list: &choices, at: 0 });
        let args: Vec<&str> = generated.args.iter().map(String::as_str).collect();
        let config = guarantees::config_from(&args);
        check_truth(generated.text.as_bytes(), &config).map_err(|broken| {
            TestCaseError::fail(format!("{broken}\n--- input ({args:?}) ---\n{}", generated.text))
        })?;
    }
}

// ---------------------------------------------------------------- cases that broke it

const ROUTER_IN_SPACES: &str = "apiVersion: v1
kind: Service
metadata:
  name: spaces-router
  namespace: spaces
spec:
  selector: {app: spaces-router}
  ports: [{port: 8443, targetPort: 8443}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: spaces-router
  namespace: spaces
spec:
  podSelector:
    matchLabels: {app: spaces-router}
  ingress:
    - from:
        - namespaceSelector:
            matchLabels: {kubernetes.io/metadata.name: ingress-nginx}
          podSelector:
            matchLabels: {app.kubernetes.io/name: ingress-nginx}
      ports: [{port: 8443}]
";

/// Without a Gateway in the stream, render and check both take the router policy's
/// namespace as the Gateway's (render once wrote the `--namespace` default, and check
/// then reported two SE401 on render's own output).
#[test]
fn the_gateway_namespace_without_a_gateway_is_the_router_policys() {
    let args = ["--cloud=aws", "--controller=kgateway", "--mode=gateway"];
    let rendered = run(&args, ROUTER_IN_SPACES);
    assert_eq!(rendered.code, 0, "{}", rendered.stderr);
    assert!(
        rendered
            .stdout
            .contains("kubernetes.io/metadata.name: \"spaces\""),
        "{}",
        rendered.stdout
    );
    assert!(!rendered.stdout.contains("upbound-system"));
    let mut check_args = vec!["check"];
    check_args.extend(args);
    let checked = run(&check_args, &rendered.stdout);
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    // Only that the Gateway is not in this stream (it may be managed elsewhere).
    assert!(checked.stdout.contains("warn[SE306]"), "{}", checked.stdout);
    assert_eq!(checked.stdout.lines().count(), 1, "{}", checked.stdout);
}

const EMPTY_CLASS_NAME_ALB: &str = "apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: spaces
  annotations:
    kubernetes.io/ingress.class: alb
spec:
  ingressClassName: \"\"
  defaultBackend:
    service:
      name: spaces-router
      port: {number: 8443}
";

/// An empty `ingressClassName` names no class: the annotation's `alb` counts, for
/// render (which refuses) and check (which reports SE202) alike.
#[test]
fn an_empty_ingress_class_name_falls_back_to_the_annotation() {
    let rendered = run(&["--cloud=aws"], EMPTY_CLASS_NAME_ALB);
    assert_eq!((rendered.code, rendered.stdout.as_str()), (2, ""));
    assert!(rendered.stderr.contains("[SE202]"), "{}", rendered.stderr);
    assert!(
        rendered.stderr.contains("<stdin>:6:"),
        "{}",
        rendered.stderr
    );
    let checked = run(&["check", "--cloud=aws"], EMPTY_CLASS_NAME_ALB);
    assert_eq!(checked.code, 1);
    assert!(
        checked.stdout.contains(":6:34: error[SE202]"),
        "{}",
        checked.stdout
    );
}

/// The README's first example in load-balancer mode: the router's policy drops the
/// load balancer's connections. Render says so (SE403) and `--strict` fails, as check
/// does on render's output; on Azure the HTTPS health probe (SE108) is fixed.
#[test]
fn load_balancer_mode_warns_about_a_blocking_policy() {
    let example =
        std::fs::read_to_string(root().join("testdata/examples/spaces-loadbalancer.yaml"))
            .expect("the bundled example");
    for cloud in ["aws", "azure"] {
        let cloud_arg = format!("--cloud={cloud}");
        let args = [cloud_arg.as_str(), "--mode=load-balancer"];
        let rendered = run(&args, &example);
        assert_eq!(rendered.code, 0, "{}", rendered.stderr);
        assert!(
            rendered.stderr.contains("warning:") && rendered.stderr.contains("[SE403]"),
            "{}",
            rendered.stderr
        );
        let strict = run(
            &[cloud_arg.as_str(), "--mode=load-balancer", "--strict"],
            &example,
        );
        assert_eq!(
            (strict.code, strict.stdout.as_str()),
            (1, ""),
            "{}",
            strict.stderr
        );

        let mut check_args = vec!["check"];
        check_args.extend(args);
        let checked = run(&check_args, &rendered.stdout);
        assert_eq!(checked.code, 1);
        let codes: Vec<&str> = checked
            .stdout
            .lines()
            .filter_map(|l| l.split('[').nth(1)?.split(']').next())
            .collect();
        assert_eq!(codes, ["SE403"], "{}", checked.stdout);
    }
}

/// `check` on a stream split into a file per document (as `helm template --output-dir`
/// writes it) reports what it reports on the stream, each finding at its own file, line
/// and document: a router Service in one file relates to its policy in another as render
/// relates them in one stream.
#[test]
fn a_stream_split_into_files_checks_as_the_stream() {
    use spaces_expose::rules::check_files;
    let mut compared = 0;
    for dir in files("testdata/render", |p| p.join("input.yaml").is_file()) {
        let args = args_of(&dir);
        let words: Vec<&str> = args.iter().map(String::as_str).collect();
        let Some(config) = guarantees::try_config_from(&words) else {
            continue;
        };
        let input = std::fs::read(dir.join("input.yaml")).expect("readable");
        let Ok(text) = std::str::from_utf8(&input) else {
            continue;
        };
        let whole = spaces_expose::check(&input, "whole.yaml", &config, &config.levels);
        if whole.invalid {
            continue; // each file is then checked alone
        }
        let chunks = spaces_expose::stream::split(text);
        if chunks.len() < 2 {
            continue;
        }
        let parts: Vec<(String, Vec<u8>)> = chunks
            .iter()
            .enumerate()
            .map(|(i, c)| {
                (
                    format!("part{i}.yaml"),
                    text[c.range.clone()].as_bytes().to_vec(),
                )
            })
            .collect();
        let split = check_files(&parts, &config, &config.levels);
        let expected: Vec<String> = whole
            .findings
            .iter()
            .map(|f| {
                if f.document == 0 {
                    return format!("part0.yaml 0 {} {}", f.code.as_str(), f.message);
                }
                let shift = chunks[f.document - 1].first_line - 1;
                let message = match f.message.split_once(" on line ") {
                    Some((head, rest)) if f.code.as_str() == "SE502" => {
                        let (n, tail) = rest.split_at(rest.find(':').unwrap_or(rest.len()));
                        format!(
                            "{head} on line {}{tail}",
                            n.parse::<usize>().unwrap() - shift
                        )
                    }
                    _ => f.message.clone(),
                };
                format!(
                    "part{}.yaml 1 {}:{} {} {:?} {message}",
                    f.document - 1,
                    f.line - shift,
                    f.column,
                    f.code.as_str(),
                    f.object
                )
            })
            .collect();
        let got: Vec<String> = split
            .findings
            .iter()
            .map(|f| {
                if f.document == 0 {
                    return format!("{} 0 {} {}", f.file, f.code.as_str(), f.message);
                }
                format!(
                    "{} {} {}:{} {} {:?} {}",
                    f.file,
                    f.document,
                    f.line,
                    f.column,
                    f.code.as_str(),
                    f.object,
                    f.message
                )
            })
            .collect();
        let mut expected_sorted = expected.clone();
        let mut got_sorted = got.clone();
        expected_sorted.sort();
        got_sorted.sort();
        assert_eq!(got_sorted, expected_sorted, "{}", dir.display());
        compared += 1;
    }
    assert!(compared >= 80, "only {compared} golden cases compared");
}
