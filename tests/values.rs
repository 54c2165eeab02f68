//! `values`: Spaces 1.16+ values that expose the router without a post-renderer, the
//! surgical edit of a user's values file (`values --values FILE [--write]`), and
//! `check --values`.
//!
//! The Helm runs use Helm 3 from `scripts/fetch-helm.sh` (`target/tools/helm3/helm`):
//! under `CI=true` a missing binary fails the test, elsewhere it skips with a message.
//!
//! Golden edits: `testdata/values/<case>/` holds `args` (options, one per line), `input`
//! (the name of a values file in the fixture chart's `ci/` folder) and `expected.yaml`
//! (the file after `values --values … --write`), which `UPDATE_GOLDEN=1` rewrites.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;

use common::{Run, args_of, bin, files, helm3, root, run};

const RELEASE: &str = "spaces";
const NAMESPACE: &str = "upbound-system";

fn chart() -> PathBuf {
    root().join("testdata/charts/spaces")
}

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| !v.is_empty())
}

/// `helm template` of the fixture chart with these values files, and post-renderer
/// arguments when `post_render` is given.
fn template(helm: &Path, values: &[&Path], post_render: Option<&[String]>) -> String {
    let home = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::new(helm);
    cmd.env("HELM_CONFIG_HOME", home.path().join("config"))
        .env("HELM_DATA_HOME", home.path().join("data"))
        .env("HELM_CACHE_HOME", home.path().join("cache"))
        .env_remove("HELM_PLUGINS")
        .env_remove("SPACES_EXPOSE_CLOUD")
        .env_remove("SPACES_EXPOSE_LOG")
        .args(["template", RELEASE])
        .arg(chart())
        .args(["-n", NAMESPACE]);
    for v in values {
        cmd.arg("-f").arg(v);
    }
    if let Some(args) = post_render {
        cmd.arg("--post-renderer")
            .arg(env!("CARGO_BIN_EXE_spaces-expose"));
        for a in args {
            cmd.arg(format!("--post-renderer-args={a}"));
        }
    }
    let out = cmd.output().expect("helm runs");
    assert!(
        out.status.success(),
        "helm template failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// One exposure setup the tool supports, and the error-level findings of `check` on
/// the chart rendered with the printed values that values cannot fix.
struct Case {
    mode: &'static str,
    controller: Option<&'static str>,
}

impl Case {
    fn args(&self, cloud: &str) -> Vec<String> {
        let mut args = vec![format!("--cloud={cloud}"), format!("--mode={}", self.mode)];
        if let Some(c) = self.controller {
            args.push(format!("--controller={c}"));
        }
        args
    }

    /// What values cannot express, by rule code (the printed notes name the same code):
    /// in load-balancer mode the chart's router policy admits only controller and agent
    /// pods, and no chart value adds the load balancer's sources (SE403).
    fn cannot(&self) -> &'static [&'static str] {
        match self.mode {
            "load-balancer" => &["SE403"],
            _ => &[],
        }
    }

    fn label(&self, cloud: &str) -> String {
        format!(
            "--cloud {cloud} --mode {} --controller {}",
            self.mode,
            self.controller.unwrap_or("(none)")
        )
    }
}

/// Every cloud `--cloud` accepts.
fn clouds() -> impl Iterator<Item = &'static str> {
    spaces_expose::presets::Cloud::ALL.iter().map(|c| c.name())
}

fn cases() -> Vec<Case> {
    let mut cases = vec![Case {
        mode: "load-balancer",
        controller: None,
    }];
    for c in ["ingress-nginx", "traefik", "haproxy", "cilium"] {
        cases.push(Case {
            mode: "ingress",
            controller: Some(c),
        });
    }
    for c in [
        "envoy-gateway",
        "envoy-gateway-namespaced",
        "istio",
        "istio-gateway-api",
        "nginx-gateway-fabric",
        "kgateway",
        "contour",
        "contour-gateway-provisioner",
        "kong",
        "cilium",
    ] {
        cases.push(Case {
            mode: "gateway",
            controller: Some(c),
        });
    }
    // A 1.16 migration: the Ingress and the Gateway side by side.
    cases.push(Case {
        mode: "auto",
        controller: Some("ingress-nginx,envoy-gateway"),
    });
    cases
}

fn check_json(args: &[String], input: &str) -> Vec<Value> {
    let r = run(bin()
        .arg("check")
        .args(args)
        .args(["--format", "json"])
        .write_stdin(input.to_string()));
    assert!(r.code == 0 || r.code == 1, "check failed: {}", r.stderr);
    serde_json::from_str::<Vec<Value>>(&r.stdout).expect("check prints a JSON array")
}

fn printed_values(args: &[String]) -> Run {
    let r = run(bin().arg("values").args(args));
    assert_eq!(r.code, 0, "values {args:?}: {}", r.stderr);
    r
}

/// The printed values are one valid values file: a mapping, with the notes as
/// comments after it.
#[test]
fn printed_values_are_one_yaml_mapping_with_notes_as_comments() {
    for cloud in clouds() {
        for case in cases() {
            let mut args = case.args(cloud);
            args.push("--host=spaces.example.com".to_string());
            let out = printed_values(&args).stdout;
            let parsed: Value = serde_saphyr::from_str(&out).expect("valid YAML");
            assert!(parsed.is_object(), "{}: {out}", case.label(cloud));
            assert_eq!(parsed["externalTLS"]["host"], "spaces.example.com");
            let tail = out.split("\n\n").last().unwrap_or_default();
            if out.contains("cannot express") {
                assert!(tail.lines().all(|l| l.starts_with('#')), "{out}");
            }
            // One comment per key: every key line follows a comment line (or opens a map).
            let lines: Vec<&str> = out.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                let t = line.trim_start();
                if !t.starts_with('#') && t.contains(": ") {
                    assert!(
                        lines[i - 1].trim_start().starts_with('#'),
                        "no comment before {line:?} in\n{out}"
                    );
                }
            }
        }
    }
}

/// For every cloud × mode × controller: the chart rendered with the printed values,
/// checked with the same options, has no error-level finding that values can fix; the
/// ones they cannot are named in the printed notes.
#[test]
fn printed_values_render_clean_for_every_setup() {
    let mut failures = Vec::new();
    for_every_setup(|helm, cloud, case, args, values, printed| {
        let rendered = template(helm, &[values], None);
        for f in check_json(args, &rendered) {
            let code = f["code"].as_str().unwrap_or_default();
            if f["level"] != "error" {
                continue;
            }
            if !case.cannot().contains(&code) {
                failures.push(format!("{}: {code} {}", case.label(cloud), f["message"]));
            } else if !printed.contains(&format!("[{code}]")) {
                failures.push(format!(
                    "{}: {code} is not in the printed notes",
                    case.label(cloud)
                ));
            }
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Runs `f` with Helm 3 and the printed values (written to a file) of every cloud ×
/// mode × controller; nothing when Helm is missing outside CI.
fn for_every_setup(mut f: impl FnMut(&Path, &str, &Case, &[String], &Path, &str)) {
    let Some(helm) = helm3() else { return };
    let dir = tempfile::tempdir().unwrap();
    let values = dir.path().join("values.yaml");
    for cloud in clouds() {
        for case in cases() {
            let args = case.args(cloud);
            let printed = printed_values(&args).stdout;
            std::fs::write(&values, &printed).unwrap();
            f(&helm, cloud, &case, &args, &values, &printed);
        }
    }
}

/// The objects of a rendered stream by `Kind/name`.
fn objects(stream: &str) -> Vec<(String, Value)> {
    let docs: Vec<Value> = serde_saphyr::from_multiple(stream).expect("rendered YAML");
    docs.into_iter()
        .filter(|d| d.is_object())
        .map(|d| {
            let key = format!(
                "{}/{}",
                d["kind"].as_str().unwrap_or_default(),
                d["metadata"]["name"].as_str().unwrap_or_default()
            );
            (key, d)
        })
        .collect()
}

fn find<'v>(objects: &'v [(String, Value)], key: &str) -> Option<&'v Value> {
    objects.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// A NetworkPolicy's ingress peers as a set (peer order carries no meaning).
fn peers(policy: &Value) -> BTreeSet<String> {
    policy["spec"]["ingress"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|rule| rule["from"].as_array().cloned().unwrap_or_default())
        .map(|p| p.to_string())
        .collect()
}

/// The values the same setup needs when the post-renderer does the work: the switches
/// that make the chart render the path at all, and the Ingress class (a choice render
/// never makes: it refuses an Ingress without one on GKE).
fn provision_only(mode: &str, controller: Option<&str>) -> String {
    let class = match controller {
        Some("haproxy") => "haproxy",
        Some("cilium") => "cilium",
        _ => "nginx",
    };
    let gateway =
        "gatewayAPI:\n  gateway:\n    provision: true\n  spacesRouterRoute:\n    provision: true\n";
    match mode {
        "ingress" => format!("ingress:\n  provision: true\n  ingressClassName: {class}\n"),
        "auto" => format!("ingress:\n  provision: true\n  ingressClassName: {class}\n{gateway}"),
        "gateway" => gateway.to_string(),
        _ => "{}\n".to_string(),
    }
}

/// Where the chart can express it, the printed values give objects equal in meaning to
/// the chart's defaults (plus the path's provision switches) through the post-renderer:
///
/// - the router Service: type and annotations;
/// - the router NetworkPolicy: its ingress peers;
/// - the Ingress: its annotations (both sides name the class the controller's
///   passthrough watches: render never chooses a class);
/// - the Gateway: its listeners.
///
/// What differs on purpose: render writes the Gateway's `spec.infrastructure.annotations`
/// (values cannot: EnvoyProxy or the post-renderer) and adds a CiliumNetworkPolicy for
/// Cilium; the values put the cloud set on a Cilium Ingress (Cilium copies it onto its
/// Service), which render does not; and in gateway mode the values add the controller's
/// peer to the router policy, which the chart's defaults lack and render never adds.
#[test]
fn printed_values_mean_what_render_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for_every_setup(|helm, cloud, case, args, values, _| {
        let label = case.label(cloud);
        let native = objects(&template(helm, &[values], None));
        let base = dir.path().join("base.yaml");
        std::fs::write(&base, provision_only(case.mode, case.controller)).unwrap();
        let rendered = objects(&template(helm, &[&base], Some(args)));

        let service = "Service/spaces-router";
        let (a, b) = (find(&native, service), find(&rendered, service));
        let (a, b) = (a.expect("router Service"), b.expect("router Service"));
        for field in [&a["spec"]["type"], &a["metadata"]["annotations"]] {
            let other = if field == &a["spec"]["type"] {
                &b["spec"]["type"]
            } else {
                &b["metadata"]["annotations"]
            };
            if field != other {
                failures.push(format!("{label}: {service}: {field} vs {other}"));
            }
        }
        let policy = "NetworkPolicy/spaces-router";
        let a = peers(find(&native, policy).expect("policy"));
        let b = peers(find(&rendered, policy).expect("policy"));
        // In gateway mode the chart's defaults render no controller peer (empty
        // gatewayAPI labels), and render replaces controller peers but never adds
        // one: the values add exactly the controller's peer.
        let gains_peer = case.mode == "gateway" && case.controller != Some("cilium");
        let same = if gains_peer {
            b.is_subset(&a) && a.difference(&b).count() == 1
        } else {
            a == b
        };
        if !same {
            failures.push(format!("{label}: {policy} peers {a:?} vs {b:?}"));
        }
        if matches!(case.mode, "ingress" | "auto") {
            let ingress = "Ingress/spaces-router";
            // Cilium copies the cloud set from its Ingress onto its Service, so the
            // values and render both put it on the Ingress (SE208).
            let a = &find(&native, ingress).expect("Ingress")["metadata"]["annotations"];
            let b = &find(&rendered, ingress).expect("Ingress")["metadata"]["annotations"];
            if a != b {
                failures.push(format!("{label}: {ingress} annotations {a} vs {b}"));
            }
        }
        if matches!(case.mode, "gateway" | "auto") {
            let gateway = "Gateway/spaces";
            let a = &find(&native, gateway).expect("Gateway")["spec"]["listeners"];
            let b = &find(&rendered, gateway).expect("Gateway")["spec"]["listeners"];
            if a != b {
                failures.push(format!("{label}: {gateway} listeners {a} vs {b}"));
            }
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// -------------------------------------------------------------- editing

fn edit_cases() -> Vec<PathBuf> {
    files("testdata/values", |p| p.join("input").is_file())
}

fn write_edit(args: &[String], file: &Path) -> Run {
    let r = run(bin()
        .arg("values")
        .args(args)
        .arg("--values")
        .arg(file)
        .arg("--write"));
    assert_eq!(r.code, 0, "values --write: {}", r.stderr);
    r
}

/// `values --values` on every values file of the fixture chart: the golden result,
/// the same bytes a second time, nothing left for the values rules to fix, every
/// comment kept, and a diff without `--write` that matches.
#[test]
fn values_edits_match_their_golden_files_and_are_idempotent() {
    let cases = edit_cases();
    let ci: BTreeSet<String> = files("testdata/charts/spaces/ci", |p| p.is_file())
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let covered: BTreeSet<String> = cases
        .iter()
        .map(|d| {
            std::fs::read_to_string(d.join("input"))
                .unwrap()
                .trim()
                .to_string()
        })
        .collect();
    assert_eq!(covered, ci, "every ci/ values file has an edit case");
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let args = args_of(&case);
        let input = std::fs::read_to_string(case.join("input")).unwrap();
        let original = std::fs::read_to_string(chart().join("ci").join(input.trim())).unwrap();
        let file = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&file, &original).unwrap();

        let diff = run(bin().arg("values").args(&args).arg("--values").arg(&file));
        assert_eq!(diff.code, 0, "{name}: {}", diff.stderr);
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            original,
            "{name}: without --write the file stays"
        );
        write_edit(&args, &file);
        let edited = std::fs::read_to_string(&file).unwrap();
        let expected_path = case.join("expected.yaml");
        if updating() {
            std::fs::write(&expected_path, &edited).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if edited != expected {
            failures.push(format!(
                "{name}: edit differs\n--- expected\n{expected}+++ actual\n{edited}"
            ));
        }
        // The diff printed without --write is the edit.
        let changed = edited != original;
        assert_eq!(!diff.stdout.is_empty(), changed, "{name}: {}", diff.stdout);
        for line in diff
            .stdout
            .lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        {
            assert!(edited.contains(&line[1..]), "{name}: {line}");
        }
        // Idempotent.
        write_edit(&args, &file);
        if std::fs::read_to_string(&file).unwrap() != edited {
            failures.push(format!("{name}: a second edit changed the file"));
        }
        // Comments survive.
        for comment in original.lines().filter(|l| l.trim_start().starts_with('#')) {
            if !edited.contains(comment) {
                failures.push(format!("{name}: lost comment {comment:?}"));
            }
        }
        // Nothing left that the edit could fix.
        let r = run(bin()
            .arg("check")
            .args(&args)
            .args(["--format", "json"])
            .arg("--values")
            .arg(&file)
            .write_stdin(""));
        let findings: Vec<Value> = serde_json::from_str(&r.stdout).expect("JSON");
        for f in findings {
            let code = f["code"].as_str().unwrap_or_default();
            let fixable = spaces_expose::rules::registry::find(code)
                .is_some_and(|r| r.fix_kind == spaces_expose::rules::FixKind::Edits);
            if fixable {
                failures.push(format!(
                    "{name}: {code} left after the edit: {}",
                    f["message"]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The edit is the fix of the findings `check --values` reports on the same file: the
/// keys it touches are those the findings point at or name.
#[test]
fn check_values_points_at_the_lines_the_edit_changes() {
    let file = chart().join("ci/aws.yaml");
    let r = run(bin()
        .args(["check", "--cloud", "aws", "--values"])
        .arg(&file)
        .write_stdin(""));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let name = file.display().to_string();
    assert!(
        r.stdout.contains(&format!("{name}:10:9: error[SE601]")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(&format!("{name}:9:7: error[SE602]")),
        "{}",
        r.stdout
    );
}

/// A file named to `check` that reads as Spaces values is linted as values.
#[test]
fn check_recognises_a_values_file() {
    let r = run(bin()
        .args(["check", "--cloud", "aws"])
        .arg(chart().join("ci/wrong-l7.yaml")));
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("error[SE601]"), "{}", r.stdout);
    // A manifest stream is not.
    let r = run(bin()
        .args(["check", "--cloud", "aws"])
        .arg(root().join("testdata/check/SE101/input.yaml")));
    assert!(!r.stdout.contains("SE6"), "{}", r.stdout);
}

/// A values file with comments only gets the plan appended, comments first.
#[test]
fn an_empty_values_file_gets_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("values.yaml");
    std::fs::write(&file, "# my values\n").unwrap();
    let args = vec![
        "--cloud=gcp".to_string(),
        "--mode=load-balancer".to_string(),
    ];
    write_edit(&args, &file);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("# my values\n"), "{text}");
    let parsed: Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(parsed["router"]["proxy"]["service"]["type"], "LoadBalancer");
    assert_eq!(
        parsed["router"]["proxy"]["service"]["annotations"]["cloud.google.com/l4-rbs"],
        "enabled"
    );
    write_edit(&args, &file);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
}

/// A Cilium Ingress with `--scheme internal`: on GKE the internal key is under a prefix
/// Cilium does not copy, and the values carry GKE's older spelling under
/// `cloud.google.com/`, which Cilium copies (as render does); on OCI no copied spelling
/// exists, so the notes say the load balancer would be internet-facing (the post-renderer
/// refuses, SE208); given with `--annotation`, the key is the user's word that Cilium
/// copies it, and the values carry it on the Ingress, as render does.
#[test]
fn cilium_internal_key_that_cilium_does_not_copy() {
    let gke = ["--cloud=gcp", "--scheme=internal", "--controller=cilium"].map(String::from);
    let printed = printed_values(&gke).stdout;
    let parsed: Value = serde_saphyr::from_str(&printed).unwrap();
    let annotations = &parsed["ingress"]["annotations"];
    assert_eq!(
        annotations["cloud.google.com/load-balancer-type"], "Internal",
        "{printed}"
    );
    assert!(
        annotations
            .get("networking.gke.io/load-balancer-type")
            .is_none(),
        "{printed}"
    );
    assert!(!printed.contains("[SE208]"), "{printed}");

    let key = "oci-network-load-balancer.oraclecloud.com/internal";
    let oci = ["--cloud=oci", "--scheme=internal", "--controller=cilium"].map(String::from);
    let printed = printed_values(&oci).stdout;
    assert!(
        printed
            .lines()
            .any(|l| l.contains(key) && l.contains("internet-facing") && l.contains("[SE208]")),
        "{printed}"
    );
    let parsed: Value = serde_saphyr::from_str(&printed).unwrap();
    assert!(
        parsed["ingress"]["annotations"].get(key).is_none(),
        "{printed}"
    );

    let mut given = oci.to_vec();
    given.push(format!("--annotation={key}=true"));
    let printed = printed_values(&given).stdout;
    assert!(
        !printed
            .lines()
            .any(|l| l.contains(key) && l.contains("[SE208]")),
        "{printed}"
    );
    let parsed: Value = serde_saphyr::from_str(&printed).unwrap();
    assert_eq!(parsed["ingress"]["annotations"][key], "true", "{printed}");
}

/// `values --write` without `--values` is a usage error.
#[test]
fn write_needs_a_values_file() {
    let r = run(bin().args(["values", "--cloud", "aws", "--write"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
}

/// The chart defaults the values rules assume are those of the fixture chart.
#[test]
fn chart_defaults_match_the_fixture_chart() {
    let text = std::fs::read_to_string(chart().join("values.yaml")).unwrap();
    let values: Value = serde_saphyr::from_str(&text).unwrap();
    for (section, labels) in [
        ("ingress", "podLabels"),
        ("ingress", "namespaceLabels"),
        ("gatewayAPI", "podLabels"),
        ("gatewayAPI", "namespaceLabels"),
    ] {
        let want: serde_json::Map<String, Value> =
            spaces_expose::values::chart_default_labels(section, labels)
                .iter()
                .map(|(k, v)| (k.to_string(), Value::from(*v)))
                .collect();
        assert_eq!(
            values[section][labels],
            Value::Object(want),
            "{section}.{labels}"
        );
    }
    for path in [
        &["router", "proxy", "service", "type"][..],
        &["ingress", "provision"],
        &["gatewayAPI", "gateway", "provision"],
        &["gatewayAPI", "spacesRouterRoute", "provision"],
        &["gatewayAPI", "gateway", "name"],
        &["gatewayAPI", "gateway", "className"],
        &["ingress", "ingressClassName"],
    ] {
        let actual = path.iter().fold(&values, |v, k| &v[*k]);
        let expected = match spaces_expose::values::chart_default(path) {
            Some(spaces_expose::values::Val::Str(s)) => Value::from(s),
            Some(spaces_expose::values::Val::Bool(b)) => Value::from(b),
            other => panic!("{path:?}: {other:?}"),
        };
        assert_eq!(actual, &expected, "{path:?}");
    }
}

/// Every finding of `check` on the chart rendered with a values file that render would
/// fix has its values-level twin in `check --values` on that file, or is one values
/// cannot fix (`NO_TWIN`, which `values` names in its notes).
#[test]
fn render_findings_have_values_twins() {
    use spaces_expose::rules::FixKind;
    use spaces_expose::rules::values::{NO_TWIN, TWINS};
    let Some(helm) = helm3() else { return };
    let mut failures = Vec::new();
    for case in edit_cases() {
        let args = args_of(&case);
        let input = std::fs::read_to_string(case.join("input")).unwrap();
        let file = chart().join("ci").join(input.trim());
        let rendered = template(&helm, &[&file], None);
        let values_codes: BTreeSet<String> = {
            let r = run(bin()
                .arg("check")
                .args(&args)
                .args(["--format", "json"])
                .arg(&file));
            serde_json::from_str::<Vec<Value>>(&r.stdout)
                .expect("JSON")
                .iter()
                .map(|f| f["code"].as_str().unwrap_or_default().to_string())
                .collect()
        };
        for f in check_json(&args, &rendered) {
            let code = f["code"].as_str().unwrap_or_default();
            let rule = spaces_expose::rules::registry::find(code).expect("a known code");
            let twins: Vec<&str> = TWINS
                .iter()
                .filter(|(c, _)| *c == rule.code)
                .map(|(_, twin)| twin.as_str())
                .collect();
            if !twins.is_empty() {
                if !twins.iter().any(|twin| values_codes.contains(*twin)) {
                    failures.push(format!(
                        "{}: {code} ({}) in the rendered output, none of {} in the values",
                        file.display(),
                        f["message"],
                        twins.join(", ")
                    ));
                }
            } else if matches!(rule.fix_kind, FixKind::Edits | FixKind::EditsIf(_))
                && !NO_TWIN.iter().any(|(c, _)| *c == rule.code)
            {
                failures.push(format!(
                    "{code}: render fixes it, and it has no values twin"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The twin table covers every rule render fixes.
#[test]
fn every_fix_render_makes_has_a_twin_or_a_reason() {
    use spaces_expose::rules::values::{NO_TWIN, TWINS};
    use spaces_expose::rules::{Family, FixKind, RULES};
    for rule in RULES.iter().filter(|r| r.code.family() != Family::Values) {
        if matches!(rule.fix_kind, FixKind::Edits | FixKind::EditsIf(_)) {
            assert!(
                TWINS.iter().any(|(c, _)| *c == rule.code)
                    || NO_TWIN.iter().any(|(c, _)| *c == rule.code),
                "{} has neither a values twin nor a reason",
                rule.code
            );
        }
    }
    for (code, twin) in TWINS {
        assert_eq!(twin.family(), Family::Values, "{code}");
    }
}

/// A values file that is not YAML, or missing, is exit 2 and leaves nothing behind.
#[test]
fn broken_values_files_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "ingress:\n  provision: true\n   bad: x\n").unwrap();
    for args in [
        &["values", "--cloud", "aws"][..],
        &["values", "--write"],
        &["check"],
    ] {
        let r = run(bin().args(args).arg("--values").arg(&bad).write_stdin(""));
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("bad.yaml:"), "{}", r.stderr);
        assert_eq!(r.stdout, "");
    }
    assert_eq!(
        std::fs::read_to_string(&bad).unwrap(),
        "ingress:\n  provision: true\n   bad: x\n"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary file left");
    let r = run(bin().args(["values", "--values", "/nonexistent/values.yaml"]));
    assert_eq!(r.code, 2);
}

/// Without `--scheme`, `values` does not turn a load balancer the file makes internal into
/// an internet-facing one (as SE116 for render): exit 2 naming the file, line and both
/// choices; with `--scheme internal` the file stays internal.
#[test]
fn an_internal_values_file_needs_a_scheme() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("values.yaml");
    std::fs::write(
        &file,
        "router:\n  proxy:\n    service:\n      type: LoadBalancer\n      annotations:\n        service.beta.kubernetes.io/aws-load-balancer-type: \"external\"\n        service.beta.kubernetes.io/aws-load-balancer-scheme: \"internal\"\n",
    )
    .unwrap();
    let args = [
        "values",
        "--cloud",
        "aws",
        "--mode",
        "load-balancer",
        "--values",
    ];
    let refused = run(bin().args(args).arg(&file));
    assert_eq!(
        (refused.code, refused.stdout.as_str()),
        (2, ""),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("values.yaml:7:")
            && refused.stderr.contains("[SE116]")
            && refused.stderr.contains("--scheme internal"),
        "{}",
        refused.stderr
    );
    let internal = run(bin().args(args).arg(&file).arg("--scheme=internal"));
    assert_eq!(internal.code, 0, "{}", internal.stderr);
    assert!(
        !internal.stdout.contains("internet-facing")
            && internal
                .stdout
                .contains("aws-load-balancer-internal: \"true\""),
        "{}",
        internal.stdout
    );
}
