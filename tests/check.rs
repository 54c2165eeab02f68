//! `check`, `explain`, `presets`, `guide` and `diff`.
//!
//! Rule fixtures: `testdata/check/<CODE>/` holds `input.yaml` (violations and clean
//! objects), `args` (one argument per line) and `expected.txt`, the text report, which
//! `UPDATE_GOLDEN=1` rewrites. `docs/rules.md` is generated from the registry and
//! rewritten with `UPDATE_DOCS=1`.

// A skipped Helm run says so on stderr.
#![allow(clippy::print_stderr)]

use std::path::PathBuf;

use clap::Parser;
use serde_json::Value;
use spaces_expose::cli::{Cli, Command as Sub};
use spaces_expose::config::{self, Config, Level, Levels};
use spaces_expose::render;

mod common;

use common::{Run, args_of, bin, root, run};
use spaces_expose::rules::{self, Finding, RULES, registry};

fn check_stdin(args: &[&str], input: &str) -> Run {
    run(bin().arg("check").args(args).write_stdin(input.to_string()))
}

fn updating(var: &str) -> bool {
    std::env::var_os(var).is_some_and(|v| !v.is_empty())
}

/// The options `check` would run with for these arguments.
fn check_config(args: &[String]) -> (Config, Levels) {
    let cli = Cli::try_parse_from(
        ["spaces-expose", "check"]
            .into_iter()
            .map(str::to_string)
            .chain(args.iter().cloned()),
    )
    .expect("fixture arguments parse");
    let Some(Sub::Check(check)) = cli.command else {
        unreachable!("parsed as check")
    };
    let config = config::resolve(&check.render).expect("fixture options resolve");
    let levels = config.levels.clone();
    (config, levels)
}

fn render_config(args: &[String]) -> Config {
    let cli = Cli::try_parse_from(
        std::iter::once("spaces-expose".to_string()).chain(args.iter().cloned()),
    )
    .expect("render arguments parse");
    config::resolve(&cli.render).expect("render options resolve")
}

// ---------------------------------------------------------------- fixtures

fn fixture_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("testdata/check"))
        .expect("testdata/check exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.join("input.yaml").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_rule_has_a_fixture_and_every_fixture_a_rule() {
    let names: Vec<String> = fixture_dirs()
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let codes: Vec<String> = RULES.iter().map(|r| r.code.to_string()).collect();
    assert_eq!(names, codes);
}

#[test]
fn rule_fixtures_match_their_reports() {
    let mut failures = Vec::new();
    for dir in fixture_dirs() {
        let code = dir.file_name().unwrap().to_string_lossy().into_owned();
        let r = run(bin()
            .current_dir(&dir)
            .arg("check")
            .args(args_of(&dir))
            .arg("input.yaml"));
        let expected_path = dir.join("expected.txt");
        if updating("UPDATE_GOLDEN") {
            std::fs::write(&expected_path, &r.stdout).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if r.stdout != expected {
            failures.push(format!(
                "{code}: report differs\n--- expected\n{expected}+++ actual\n{}",
                r.stdout
            ));
        }
        // The fixture shows its own rule, at least once.
        let tag = format!("[{code}]");
        if !r.stdout.lines().any(|l| l.contains(&tag)) {
            failures.push(format!("{code}: the fixture does not trigger its rule"));
        }
        // Exit code: 2 for invalid YAML, 1 for any error-level finding, else 0.
        let want = if code == "SE503" {
            2
        } else if r.stdout.contains(": error[") {
            1
        } else {
            0
        };
        if r.code != want {
            failures.push(format!(
                "{code}: exit {} (want {want}); stderr: {}",
                r.code, r.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Turning a rule off silences exactly that rule; raising a warning fails the run.
#[test]
fn rule_levels_from_flags_and_config() {
    let dir = root().join("testdata/check/SE106");
    let input = dir.join("input.yaml");
    let base = run(bin().arg("check").args(args_of(&dir)).arg(&input));
    assert_eq!(base.code, 0, "{}", base.stderr);
    assert!(base.stdout.contains("warn[SE106]"));

    let off = run(bin()
        .arg("check")
        .args(args_of(&dir))
        .args(["--rule", "SE106=off"])
        .arg(&input));
    assert_eq!((off.code, off.stdout.as_str()), (0, ""));

    let error = run(bin()
        .arg("check")
        .args(args_of(&dir))
        .args(["--rule", "aws-scheme-defaults-internal=error"])
        .arg(&input));
    assert_eq!(error.code, 1);
    assert!(error.stdout.contains("error[SE106]"));

    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config.yaml");
    std::fs::write(&config, "rules:\n  SE106: error\n").unwrap();
    let from_config = run(bin()
        .arg("check")
        .args(args_of(&dir))
        .arg("--config")
        .arg(&config)
        .arg(&input));
    assert_eq!(from_config.code, 1);
    // The flag wins over the config file.
    let both = run(bin()
        .arg("check")
        .args(args_of(&dir))
        .arg("--config")
        .arg(&config)
        .args(["--rule", "SE106=off"])
        .arg(&input));
    assert_eq!((both.code, both.stdout.as_str()), (0, ""));

    let strict = run(bin()
        .arg("check")
        .args(args_of(&dir))
        .arg("--strict")
        .arg(&input));
    assert_eq!(strict.code, 1);

    for bad in ["SE999=off", "SE106=loud", "SE106"] {
        let r = run(bin().arg("check").args(["--rule", bad]).arg(&input));
        assert_eq!(r.code, 2, "--rule {bad}");
        assert!(r.stderr.contains("--rule"), "{}", r.stderr);
    }
}

#[test]
fn rules_needing_an_option_say_so_with_verbose() {
    let input = root().join("testdata/check/SE102/input.yaml");
    let r = run(bin().args(["check", "-v"]).arg(&input));
    assert!(
        r.stderr
            .contains("SE102 missing-l4-annotations skipped: it needs --cloud"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("SE401 network-policy-controller-mismatch skipped: it needs --controller")
    );
    assert!(!r.stdout.contains("SE102"));
    let quiet = run(bin().arg("check").arg(&input));
    assert!(!quiet.stderr.contains("skipped"), "{}", quiet.stderr);
}

// ---------------------------------------------------------------- registry

#[test]
fn rule_codes_are_unique_and_stable() {
    let mut seen = std::collections::BTreeSet::new();
    let mut list = String::new();
    for r in RULES {
        assert!(seen.insert(r.code), "{} twice", r.code);
        list.push_str(&format!(
            "{} {} {}\n",
            r.code,
            r.name,
            registry::level_name(r.level)
        ));
    }
    let path = root().join("testdata/check/codes.txt");
    if updating("UPDATE_GOLDEN") {
        std::fs::write(&path, &list).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        list, expected,
        "rule codes, names or levels changed: codes are never reused; update testdata/check/codes.txt on purpose (UPDATE_GOLDEN=1)"
    );
}

#[test]
fn docs_rules_md_is_generated_from_the_registry() {
    let path = root().join("docs/rules.md");
    let generated = registry::markdown();
    if updating("UPDATE_DOCS") {
        std::fs::write(&path, &generated).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "docs/rules.md is stale: run `UPDATE_DOCS=1 cargo test --test check`"
    );
    for r in RULES {
        assert!(current.contains(&format!("## {}", r.code)));
    }
}

#[test]
fn explain_prints_every_rule_and_rejects_unknown_codes() {
    for r in RULES {
        let out = run(bin().args(["explain", r.code_str()]));
        assert_eq!(out.code, 0, "{}", r.code);
        assert!(out.stdout.starts_with(&format!("{} {}\n", r.code, r.name)));
        for part in ["level: ", "Bad:", "Good:", "Fix: "] {
            assert!(out.stdout.contains(part), "{} lacks {part}", r.code);
        }
        let by_name = run(bin().args(["explain", r.name]));
        assert_eq!(by_name.stdout, out.stdout);
    }
    let unknown = run(bin().args(["explain", "SE000"]));
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("SE000") && unknown.stderr.contains("SE101"));
    assert!(unknown.stdout.is_empty());
}

// ---------------------------------------------------------------- formats

fn wrong_fixture() -> PathBuf {
    root().join("testdata/check/SE104/input.yaml")
}

fn json_findings(stdout: &str) -> Vec<Value> {
    serde_json::from_str::<Value>(stdout)
        .expect("json output parses")
        .as_array()
        .expect("an array")
        .clone()
}

#[test]
fn json_is_one_array_of_flat_objects() {
    let r = run(bin()
        .args(["check", "--format", "json"])
        .arg(wrong_fixture()));
    assert_eq!(r.code, 1);
    let findings = json_findings(&r.stdout);
    assert_eq!(findings.len(), 3);
    let keys: Vec<&str> = findings[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut want = vec![
        "code",
        "name",
        "level",
        "message",
        "file",
        "document",
        "template",
        "kind",
        "namespace",
        "object",
        "line",
        "column",
        "fix",
    ];
    want.sort_unstable();
    let mut got = keys.clone();
    got.sort_unstable();
    assert_eq!(got, want);
    let f = &findings[0];
    assert_eq!(f["code"], "SE104");
    assert_eq!(f["name"], "tls-terminated-at-load-balancer");
    assert_eq!(f["level"], "error");
    assert_eq!(f["document"], 1);
    assert_eq!(f["template"], "spaces/templates/router/service.yaml");
    assert_eq!(f["kind"], "Service");
    assert_eq!(f["namespace"], "upbound-system");
    assert_eq!(f["object"], "spaces-router");
    assert_eq!(f["line"], 13);
    assert_eq!(f["column"], 5);
    for value in f.as_object().unwrap().values() {
        assert!(!value.is_object() && !value.is_array(), "flat: {value}");
    }
    // Helm 4 input: the template comes from the filename annotation.
    let helm4 = run(bin()
        .args(["check", "--cloud", "aws", "--format", "json"])
        .arg(root().join("testdata/render/lb-aws-helm4/input.yaml")));
    let helm4 = json_findings(&helm4.stdout);
    assert!(!helm4.is_empty());
    // Each finding names the template of its object, read from the annotation.
    for f in &helm4 {
        let template = match f["kind"].as_str() {
            Some("NetworkPolicy") => "spaces/templates/router/networkpolicy.yaml",
            _ => "spaces/templates/router/service.yaml",
        };
        assert_eq!(f["template"], template, "{f}");
    }
    // No finding: an empty array, exit 0.
    let clean = check_stdin(
        &["--format", "json"],
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    );
    assert_eq!((clean.code, clean.stdout.trim()), (0, "[]"));
}

#[test]
fn text_format_is_file_line_col_level_code_message() {
    let r = run(bin().arg("check").arg(wrong_fixture()));
    let file = wrong_fixture().display().to_string();
    let first = r.stdout.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("{file}:13:5: error[SE104] ")),
        "{first}"
    );
    let stdin = check_stdin(&[], &std::fs::read_to_string(wrong_fixture()).unwrap());
    assert!(stdin.stdout.starts_with("<stdin>:13:5: error[SE104] "));
    let dash = run(bin()
        .args(["check", "-"])
        .write_stdin(std::fs::read_to_string(wrong_fixture()).unwrap()));
    assert_eq!(dash.stdout, stdin.stdout);
}

/// Files written a template each (`helm template --output-dir`) are checked as one
/// stream: the router policy in one file is related to the router Service in another,
/// and the finding names the policy's file, line and document. A broken file makes every
/// file checked alone, with SE503 for the broken one.
#[test]
fn files_of_one_release_are_checked_as_one_stream() {
    let dir = tempfile::tempdir().unwrap();
    let service = dir.path().join("service.yaml");
    let policy = dir.path().join("networkpolicy.yaml");
    std::fs::write(
        &service,
        "---\n# Source: spaces/templates/router/service.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: spaces-router\n  namespace: upbound-system\nspec:\n  selector:\n    app: spaces-router\n  ports:\n    - port: 8443\n",
    )
    .unwrap();
    std::fs::write(
        &policy,
        "---\n# Source: spaces/templates/router/networkpolicy.yaml\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: spaces-router\n  namespace: upbound-system\nspec:\n  podSelector:\n    matchLabels:\n      app: spaces-router\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: ingress-nginx\n          podSelector:\n            matchLabels:\n              app.kubernetes.io/name: ingress-nginx\n              app.kubernetes.io/component: controller\n",
    )
    .unwrap();
    let together = run(bin()
        .args(["check", "--cloud=aws", "--controller=traefik"])
        .arg(&service)
        .arg(&policy));
    assert_eq!(together.code, 1, "{}", together.stderr);
    let wanted = format!("{}:14:11: error[SE401] ", policy.display());
    assert!(together.stdout.starts_with(&wanted), "{}", together.stdout);
    assert_eq!(together.stdout.lines().count(), 1, "{}", together.stdout);
    // The policy alone has no router Service to relate to.
    let alone = run(bin()
        .args(["check", "--cloud=aws", "--controller=traefik"])
        .arg(&policy));
    assert!(!alone.stdout.contains("SE401"), "{}", alone.stdout);
    // One broken file: each file alone, SE503 for it, exit 2.
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "kind: [\n").unwrap();
    let with_broken = run(bin()
        .args(["check", "--cloud=aws", "--controller=traefik"])
        .arg(&service)
        .arg(&policy)
        .arg(&broken));
    assert_eq!(with_broken.code, 2, "{}", with_broken.stderr);
    assert!(
        with_broken
            .stdout
            .contains(&format!("{}:", broken.display()))
            && with_broken.stdout.contains("SE503"),
        "{}",
        with_broken.stdout
    );
}

#[test]
fn github_format_emits_workflow_commands() {
    let r = run(bin()
        .args(["check", "--format", "github"])
        .arg(root().join("testdata/check/SE106/input.yaml")));
    assert_eq!(r.code, 0);
    let line = r.stdout.lines().next().unwrap();
    assert!(
        line.starts_with("::warning file=")
            && line.contains(",line=11,col=56,title=SE106 aws-scheme-defaults-internal::"),
        "{line}"
    );
    let errors = run(bin()
        .args(["check", "--format", "github"])
        .arg(wrong_fixture()));
    assert!(
        errors
            .stdout
            .lines()
            .all(|l| l.starts_with("::error file="))
    );
    assert_eq!(errors.code, 1);
}

#[test]
fn sarif_validates_against_the_2_1_0_schema() {
    let mut schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("testdata/sarif/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    // The OASIS schema's `language` patterns (on `run` and `toolComponent`) have a stray
    // `]` (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`) that fails the draft-07
    // meta-schema's `regex` format, so the crate refuses to compile the schema. Only
    // those patterns are replaced, in memory, by what they mean; spaces-expose never
    // writes `language`.
    assert_eq!(fix_language_patterns(&mut schema), 2);
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let mut inputs: Vec<PathBuf> = fixture_dirs()
        .iter()
        .map(|d| d.join("input.yaml"))
        .collect();
    inputs.push(root().join("testdata/corpus/traefik-default.helm3-stdin.yaml"));
    // All fixtures in one run, and a run without findings.
    let all = run(bin()
        .args([
            "check",
            "--format",
            "sarif",
            "--cloud",
            "aws",
            "--controller",
            "cilium",
        ])
        .args(&inputs));
    let clean = run(bin()
        .args(["check", "--format", "sarif"])
        .arg(root().join("testdata/corpus/traefik-default.helm3-stdin.yaml")));
    for (what, r) in [("fixtures", &all), ("clean", &clean)] {
        let log: Value = serde_json::from_str(&r.stdout).expect("SARIF is JSON");
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{what}: {}", errors.join("\n"));
        assert_eq!(log["version"], "2.1.0");
        assert_eq!(log["runs"].as_array().unwrap().len(), 1);
        let rules = log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        assert_eq!(rules.len(), RULES.len());
        assert_eq!(rules[0]["id"], "SE101");
        assert_eq!(rules[0]["name"], "l7-annotation-on-service");
    }
    // The validator does reject a wrong log.
    let mut wrong: Value = serde_json::from_str(&all.stdout).unwrap();
    wrong["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&wrong));
    let results = json_results(&all.stdout);
    assert!(results.len() >= RULES.len());
    let first = &results[0];
    let index = first["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(RULES[index].code_str(), first["ruleId"]);
    assert!(json_results(&clean.stdout).is_empty());
}

fn fix_language_patterns(value: &mut Value) -> usize {
    const BROKEN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match value {
        Value::Object(map) => {
            let mut fixed = 0;
            if map.get("pattern").and_then(Value::as_str) == Some(BROKEN) {
                map.insert(
                    "pattern".into(),
                    Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$"),
                );
                fixed += 1;
            }
            fixed + map.values_mut().map(fix_language_patterns).sum::<usize>()
        }
        Value::Array(items) => items.iter_mut().map(fix_language_patterns).sum(),
        _ => 0,
    }
}

fn json_results(sarif: &str) -> Vec<Value> {
    let log: Value = serde_json::from_str(sarif).unwrap();
    log["runs"][0]["results"].as_array().unwrap().clone()
}

#[test]
fn exit_codes() {
    let clean = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";
    assert_eq!(check_stdin(&[], clean).code, 0);
    assert_eq!(check_stdin(&[], "").code, 0);
    let warn = std::fs::read_to_string(root().join("testdata/check/SE106/input.yaml")).unwrap();
    assert_eq!(check_stdin(&[], &warn).code, 0);
    assert_eq!(check_stdin(&["--strict"], &warn).code, 1);
    let error = std::fs::read_to_string(wrong_fixture()).unwrap();
    assert_eq!(check_stdin(&[], &error).code, 1);
    let broken = check_stdin(&["--format", "json"], "a: [\n");
    assert_eq!(broken.code, 2);
    assert_eq!(json_findings(&broken.stdout)[0]["code"], "SE503");
    // Not UTF-8: also SE503 and exit 2.
    let binary = run(bin().arg("check").write_stdin(vec![0x66u8, 0xff, 0xfe]));
    assert_eq!(binary.code, 2);
    assert!(binary.stdout.contains("[SE503]"));
    // A file that does not exist, an unknown format, an unknown cloud.
    assert_eq!(run(bin().args(["check", "no/such/file.yaml"])).code, 2);
    assert_eq!(check_stdin(&["--format", "xml"], clean).code, 2);
    assert_eq!(check_stdin(&["--cloud", "mars"], clean).code, 2);
}

// ---------------------------------------------------------------- no false positives

/// Findings that render, run with the same options, fixes (it must have left none).
fn unfixed(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.is_fixed_by_render() || f.code.as_str() == "SE503")
        .map(|f| {
            format!(
                "{}:{}:{} {} {}",
                f.file, f.line, f.column, f.code, f.message
            )
        })
        .collect()
}

#[test]
fn no_false_positives_on_golden_render_outputs() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("testdata/render")).expect("golden cases") {
        let dir = entry.unwrap().path();
        let expected = dir.join("expected.yaml");
        if !expected.is_file() {
            continue;
        }
        let args = args_of(&dir);
        let (config, levels) = check_config(&args);
        let bytes = std::fs::read(&expected).unwrap();
        let report = rules::check(&bytes, &expected.display().to_string(), &config, &levels);
        assert!(!report.invalid, "{}", expected.display());
        failures.extend(unfixed(&report.findings));
        checked += 1;
    }
    assert!(checked > 0, "no golden render case found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What render refuses (exit 2 for the input, not the options), check reports at
/// error level with the same options.
#[test]
fn check_flags_what_render_refuses() {
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(root().join("testdata/render")).expect("golden cases") {
        let dir = entry.unwrap().path();
        if !dir.join("expected.error").is_file() {
            continue;
        }
        let args = args_of(&dir);
        if !args.iter().any(|a| a.starts_with("--cloud")) {
            continue; // a usage error, not the input
        }
        let (config, levels) = check_config(&args);
        let input = std::fs::read(dir.join("input.yaml")).unwrap();
        let report = rules::check(&input, "input.yaml", &config, &levels);
        if !rules::has_errors(&report.findings) {
            failures.push(dir.display().to_string());
        }
    }
    assert!(
        failures.is_empty(),
        "check found nothing render refuses: {failures:?}"
    );
}

/// The LoadBalancer Service of each real capture (none for the charts without one).
fn corpus_service(file: &str) -> Option<&'static str> {
    [
        ("bitnami-nginx", "web-nginx"),
        ("ingress-nginx", "ingress-nginx-controller"),
        ("istio-gateway", "istio-ingressgateway"),
        ("traefik", "traefik"),
    ]
    .into_iter()
    .find(|(prefix, _)| file.starts_with(prefix))
    .map(|(_, service)| service)
}

#[test]
fn no_false_positives_on_real_captures_after_render() {
    let mut failures = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("testdata/corpus"))
        .expect("testdata/corpus holds the real captures")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "captures missing");
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut args = vec!["--cloud=aws".to_string()];
        if let Some(service) = corpus_service(&name) {
            args.push(format!("--service={service}"));
        }
        let config = render_config(&args);
        let input = std::fs::read(&path).unwrap();
        let rendered = render::render(&input, &name, &config).expect("captures render");
        let levels = Levels::default();
        let report = rules::check(rendered.output.as_bytes(), &name, &config, &levels);
        assert!(!report.invalid, "{name}");
        failures.extend(unfixed(&report.findings));
        // Before render the LoadBalancer Services lack the AWS set: check sees it.
        if corpus_service(&name).is_some() {
            let before = rules::check(&input, &name, &config, &levels);
            assert!(
                before.findings.iter().any(|f| f.code.as_str() == "SE102"),
                "{name}: SE102 expected before render"
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------- secrets

const SECRET_VALUES: [&str; 4] = [
    "c3VwZXItc2VjcmV0LXRva2Vu",
    "plain-text-password",
    "BEGIN-PRIVATE-KEY-LINE",
    "ZHVwbGljYXRlLXNlY3JldA==",
];

/// A List holding a Secret and a target Service (which render edits, so the whole
/// document shows up in `diff`, the Secret's last value within the diff context), and
/// a Secret of its own with a broken annotation and a repeated key (so `check`
/// reports on it).
fn secret_stream() -> String {
    let [token, password, key, other] = SECRET_VALUES;
    format!(
        "---\n# Source: spaces/templates/list.yaml\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Secret\n    metadata:\n      name: in-list\n    stringData:\n      password: {password}\n      key: |\n        {key}\n    data:\n      token: {token}\n  - metadata:\n      annotations:\n        service.beta.kubernetes.io/aws-load-balancer-ssl-cert: arn\n      name: spaces-router\n    apiVersion: v1\n    kind: Service\n    spec:\n      type: LoadBalancer\n---\n# Source: spaces/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: alone\n  annotations:\n    example.com/rotated: true\ndata:\n  token: {token}\n  token: {other}\n"
    )
}

#[test]
fn no_secret_value_in_check_or_diff_output() {
    let input = secret_stream();
    let mut outputs = Vec::new();
    for format in ["text", "json", "github", "sarif"] {
        let r = check_stdin(&["--cloud", "aws", "--format", format], &input);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        assert!(r.stdout.contains("SE502") && r.stdout.contains("SE501"));
        outputs.push(r);
    }
    let diff = run(bin()
        .args(["diff", "--cloud", "aws"])
        .write_stdin(input.clone()));
    assert_eq!(diff.code, 0, "{}", diff.stderr);
    assert!(
        diff.stdout
            .contains("-        service.beta.kubernetes.io/aws-load-balancer-ssl-cert")
    );
    assert!(diff.stdout.contains(spaces_expose::diff::MASK));
    outputs.push(diff);
    for r in &outputs {
        for secret in SECRET_VALUES {
            assert!(!r.stdout.contains(secret), "{secret} in:\n{}", r.stdout);
            assert!(!r.stderr.contains(secret), "{secret} in:\n{}", r.stderr);
        }
    }
}

// ---------------------------------------------------------------- diff, presets, guide

#[test]
fn diff_shows_each_changed_document_and_honours_exit_code() {
    let input =
        std::fs::read_to_string(root().join("testdata/render/lb-aws-helm3/input.yaml")).unwrap();
    let r = run(bin()
        .args(["diff", "--cloud", "aws"])
        .write_stdin(input.clone()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(
            "--- a/spaces/templates/router/service.yaml (Service upbound-system/spaces-router)"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "+    service.beta.kubernetes.io/aws-load-balancer-scheme: \"internet-facing\""
        )
    );
    assert!(r.stdout.contains("@@ "));
    // Not a terminal: no colour.
    assert!(!r.stdout.contains('\x1b'));
    // Only changed documents appear.
    assert_eq!(r.stdout.matches("+++ b/").count(), 1, "{}", r.stdout);

    let code = run(bin()
        .args(["diff", "--cloud", "aws", "--exit-code"])
        .write_stdin(input.clone()));
    assert_eq!(code.code, 1);
    assert_eq!(code.stdout, r.stdout);

    // The rendered output has nothing left to change.
    let rendered = run(bin().args(["--cloud", "aws"]).write_stdin(input));
    let again = run(bin()
        .args(["diff", "--cloud", "aws", "--exit-code"])
        .write_stdin(rendered.stdout));
    assert_eq!((again.code, again.stdout.as_str()), (0, ""));
    assert!(again.stderr.contains("no changes"));

    // --cloud is required, as for render.
    let missing = run(bin().arg("diff").write_stdin("kind: A\n"));
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("--cloud"));
}

#[test]
fn diff_reads_files_and_shows_added_documents() {
    let dir = root().join("testdata/render/netpol-cilium-helm3");
    let r = run(bin()
        .arg("diff")
        .args(args_of(&dir))
        .arg(dir.join("input.yaml")));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("CiliumNetworkPolicy"), "{}", r.stdout);
    assert!(r.stdout.contains("(added)"), "{}", r.stdout);
}

#[test]
fn presets_as_text_and_json_come_from_the_tables() {
    let text = run(bin().arg("presets"));
    assert_eq!(text.code, 0);
    let json = run(bin().args(["presets", "--format", "json"]));
    let value: Value = serde_json::from_str(&json.stdout).unwrap();
    for preset in spaces_expose::presets::CONTROLLERS {
        assert!(text.stdout.contains(&format!("  {}: ", preset.name)));
        assert!(
            value["controllers"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["name"] == preset.name)
        );
    }
    for key in spaces_expose::presets::L7_KEYS {
        assert!(text.stdout.contains(&key.key.pattern()));
    }
    assert_eq!(
        value["l7Keys"].as_array().unwrap().len(),
        spaces_expose::presets::L7_KEYS.len()
    );
    // The controllers' caveats are shown with their labels.
    let traefik = value["controllers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "traefik")
        .unwrap();
    assert_eq!(traefik["ingressClasses"], serde_json::json!(["nginx"]));
    assert!(text.stdout.contains("istio: <release without \"istio-\">"));
    assert!(text.stdout.contains("app=envoy-<gateway>"));
    // The text form is a snapshot (`UPDATE_GOLDEN=1` rewrites it).
    let snapshot = root().join("testdata/check/presets.txt");
    if updating("UPDATE_GOLDEN") {
        std::fs::write(&snapshot, &text.stdout).unwrap();
    } else {
        let expected = std::fs::read_to_string(&snapshot).unwrap_or_default();
        assert_eq!(
            text.stdout, expected,
            "presets changed: UPDATE_GOLDEN=1 rewrites testdata/check/presets.txt"
        );
    }
}

#[test]
fn guide_uses_values_host_and_requires_a_cloud() {
    let tmp = tempfile::tempdir().unwrap();
    let values = tmp.path().join("values.yaml");
    std::fs::write(
        &values,
        "externalTLS:\n  host: spaces.corp.example\nrouter:\n  proxy:\n    service:\n      type: LoadBalancer\n",
    )
    .unwrap();
    let r = run(bin()
        .args(["guide", "--cloud", "aws", "--values"])
        .arg(&values));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("curl -k https://spaces.corp.example:$PORT/version")
    );
    assert!(r.stdout.contains("CNAME"));
    assert!(r.stdout.contains("mode load-balancer"));
    let gateway = run(bin().args(["guide", "--cloud", "gcp", "--mode", "gateway"]));
    assert!(gateway.stdout.contains("https://<host>:$PORT/version"));
    assert!(gateway.stdout.contains(".status.addresses[0].value"));
    assert!(gateway.stdout.contains("tlsroute"));
    let missing = run(bin().arg("guide"));
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("--cloud"));
}

#[test]
fn completions_for_bash() {
    let r = run(bin().args(["completions", "bash"]));
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("spaces-expose"));
}

// ---------------------------------------------------------------- helm pipe

fn helm() -> Option<PathBuf> {
    common::helm3()
}

/// 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in the helm output"))
        + 1
}

/// `helm template … -f wrong-l7.yaml | spaces-expose check --cloud aws --format github`
/// flags each problem at its line; the render output of the same stream is clean.
#[test]
fn helm_template_of_wrong_values_is_flagged_at_each_line() {
    let Some(helm) = helm() else { return };
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(helm)
        .env_clear()
        .env("HELM_CONFIG_HOME", home.path().join("config"))
        .env("HELM_DATA_HOME", home.path().join("data"))
        .env("HELM_CACHE_HOME", home.path().join("cache"))
        .args(["template", "spaces"])
        .arg(root().join("testdata/charts/spaces"))
        .args(["-n", "upbound-system", "-f"])
        .arg(root().join("testdata/charts/spaces/ci/wrong-l7.yaml"))
        .output()
        .expect("helm runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest = String::from_utf8(out.stdout).unwrap();

    let r = check_stdin(&["--cloud", "aws", "--format", "github"], &manifest);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let expect = [
        ("SE104", "aws-load-balancer-ssl-cert:"),
        ("SE104", "aws-load-balancer-ssl-ports:"),
        ("SE105", "aws-load-balancer-proxy-protocol:"),
        ("SE106", "aws-load-balancer-type: external"),
        ("SE301", "protocol: HTTPS"),
    ];
    for (code, needle) in expect {
        let line = line_of(&manifest, needle);
        let found = r.stdout.lines().any(|l| {
            l.contains(&format!("file=<stdin>,line={line},"))
                && l.contains(&format!("title={code} "))
        });
        assert!(
            found,
            "{code} not reported at line {line} ({needle}):\n{}",
            r.stdout
        );
    }
    // The LoadBalancer Service lacks the rest of the AWS set, at its `type:` line;
    // the Gateway lacks it in its infrastructure annotations.
    assert!(r.stdout.contains("title=SE102 "));
    assert!(r.stdout.contains("title=SE305 "));

    let rendered = run(bin().args(["--cloud", "aws"]).write_stdin(manifest));
    assert_eq!(rendered.code, 0, "{}", rendered.stderr);
    let again = check_stdin(&["--cloud", "aws", "--format", "github"], &rendered.stdout);
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, ""),
        "{}",
        again.stderr
    );
}

/// Every level a finding carries is a real level.
#[test]
fn findings_never_carry_level_off() {
    let input = secret_stream();
    let (config, levels) = check_config(&["--cloud=aws".to_string()]);
    let report = rules::check(input.as_bytes(), "x", &config, &levels);
    assert!(!report.findings.is_empty());
    assert!(report.findings.iter().all(|f| f.level != Level::Off));
}

// ---------------------------------------------------------------- properties

mod properties {
    use proptest::prelude::*;
    use spaces_expose::rules;

    use super::check_config;

    /// Lines from the shapes check looks at, recombined at random (broken YAML included).
    const LINES: &[&str] = &[
        "---",
        "# Source: spaces/templates/x.yaml",
        "apiVersion: v1",
        "apiVersion: networking.k8s.io/v1",
        "apiVersion: gateway.networking.k8s.io/v1",
        "kind: Service",
        "kind: Ingress",
        "kind: NetworkPolicy",
        "kind: Gateway",
        "kind: List",
        "kind: Secret",
        "items:",
        "  - kind: Service",
        "metadata:",
        "  name: spaces-router",
        "  annotations:",
        "    a: true",
        "    a: \"x\"",
        "    service.beta.kubernetes.io/aws-load-balancer-ssl-cert: arn",
        "spec:",
        "  type: LoadBalancer",
        "  selector: {app: spaces-router}",
        "  podSelector: {matchLabels: {app: spaces-router}}",
        "  ingress:",
        "    - from: [{namespaceSelector: {}}]",
        "  listeners: [{name: a, protocol: HTTPS}]",
        "  rules: [{backendRefs: [{name: spaces-router}]}]",
        "data: {k: c2VjcmV0}",
        "  - [",
        "\t bad",
        "...",
        "",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// check never panics, reports SE503 exactly when it says the input is invalid,
        /// and positions every finding inside the input.
        #[test]
        fn check_is_total(lines in prop::collection::vec(prop::sample::select(LINES), 0..40)) {
            let input = lines.join("\n");
            let (config, levels) = check_config(&[
                "--cloud=aws".to_string(),
                "--controller=envoy-gateway,cilium".to_string(),
            ]);
            let report = rules::check(input.as_bytes(), "p.yaml", &config, &levels);
            let se503 = report.findings.iter().any(|f| f.code.as_str() == "SE503");
            prop_assert_eq!(se503, report.invalid);
            let line_count = input.lines().count().max(1);
            for f in &report.findings {
                prop_assert!(f.line >= 1 && f.line <= line_count, "{} at {}", f.code, f.line);
                prop_assert!(f.column >= 1);
                prop_assert!(!f.message.contains("c2VjcmV0"));
            }
        }
    }
}
