//! `export`: the patches it prints, applied by real kustomize (`kubectl kustomize`, from
//! `scripts/fetch-helm.sh` into `target/tools/`), give the objects render gives; the Flux
//! block they sit in is a valid HelmRelease v2 `spec.postRenderers`.
//!
//! Every Helm case of the fixture chart (`testdata/helm/<case>/`) is rendered with Helm 3
//! into a plain stream, then compared after both sides went through kustomize (so that
//! one serializer prints both). Golden outputs for two streams are in
//! `testdata/export/<case>/` (`UPDATE_GOLDEN=1` rewrites them).
//!
//! When the tools are missing these tests fail under CI (`CI=true`) and skip elsewhere.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::gitops::{bin, helm_cases, helm_template, objects, root, run, text, tool};
use serde_json::{Value, json};

/// `kubectl kustomize` of a directory holding `kustomization.yaml` and its files.
fn kustomize(kubectl: &Path, dir: &Path) -> Result<String, String> {
    let out = Command::new(kubectl)
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("kubectl runs");
    if out.status.success() {
        Ok(text(&out.stdout))
    } else {
        Err(text(&out.stderr))
    }
}

/// The documents `export` lists as comments because render adds them, uncommented.
fn added_resources(export: &str) -> String {
    let Some((_, tail)) = export.split_once("# Not a patch:") else {
        return String::new();
    };
    tail.lines()
        .skip_while(|l| !l.starts_with("# ---"))
        .take_while(|l| !l.starts_with("#\n# Not exported") && l.starts_with('#'))
        .map(|l| l.strip_prefix("# ").unwrap_or(l.trim_start_matches('#')))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The kustomization for `resources`, with export's patches.
fn write_kustomization(dir: &Path, export: &str, resources: &[(&str, &str)]) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let mut kustomization = export.to_string();
    kustomization.push_str("resources:\n");
    for (name, body) in resources {
        std::fs::write(dir.join(name), body).expect("write resource");
        kustomization.push_str(&format!("  - {name}\n"));
    }
    std::fs::write(dir.join("kustomization.yaml"), kustomization).expect("write kustomization");
}

const BARE: &str = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n";

fn export(format: &str, args: &[String], input: &str) -> Output {
    run(
        bin().args(["export", "--format", format]).args(args),
        Some(input),
    )
}

#[test]
fn kustomize_patches_give_render_output_for_every_helm_case() {
    let (Some(helm), Some(kubectl)) = (tool("helm3/helm"), tool("kubectl")) else {
        return;
    };
    let work = tempfile::tempdir().expect("temp dir");
    let mut failures = Vec::new();
    let mut patched_cases = 0;
    for case in helm_cases() {
        let rendered = helm_template(&helm, &case.values);
        let render = run(bin().args(&case.args), Some(&rendered));
        let exported = export("kustomize", &case.args, &rendered);
        if !render.status.success() {
            // Render refuses this case (e.g. an L7-only class): export refuses it alike.
            if exported.status.code() != render.status.code() || !exported.stdout.is_empty() {
                failures.push(format!(
                    "{}: render failed ({:?}) but export gave {:?} with {} bytes on stdout",
                    case.name,
                    render.status.code(),
                    exported.status.code(),
                    exported.stdout.len()
                ));
            }
            continue;
        }
        assert!(
            exported.status.success(),
            "{}: export failed: {}",
            case.name,
            text(&exported.stderr)
        );
        let expected = text(&render.stdout);
        let patches = text(&exported.stdout);
        assert!(
            !patches.contains(": null") && !patches.contains("$patch"),
            "{}: a strategic-merge removal:\n{patches}",
            case.name
        );
        let dir = work.path().join(&case.name);
        let added = added_resources(&patches);
        let mut resources = vec![("rendered.yaml", rendered.as_str())];
        if !added.is_empty() {
            resources.push(("added.yaml", added.as_str()));
        }
        write_kustomization(&dir.join("patched"), &patches, &resources);
        write_kustomization(
            &dir.join("expected"),
            BARE,
            &[("expected.yaml", expected.as_str())],
        );
        write_kustomization(
            &dir.join("unpatched"),
            BARE,
            &[("rendered.yaml", rendered.as_str())],
        );
        let patched = match kustomize(&kubectl, &dir.join("patched")) {
            Ok(out) => out,
            Err(e) => {
                failures.push(format!(
                    "{}: kustomize refused the patches: {e}\n{patches}",
                    case.name
                ));
                continue;
            }
        };
        let want = kustomize(&kubectl, &dir.join("expected")).expect("render output kustomizes");
        let before = kustomize(&kubectl, &dir.join("unpatched")).expect("input kustomizes");
        if objects(&patched) != objects(&want) {
            failures.push(format!(
                "{}: patched objects differ from render's\n--- patched\n{patched}\n--- render\n{want}\n--- patches\n{patches}",
                case.name
            ));
        }
        if objects(&before) != objects(&want) {
            patched_cases += 1;
        } else if !patches.contains("patches: []") {
            failures.push(format!(
                "{}: patches for a stream render leaves alone",
                case.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        patched_cases >= 5,
        "only {patched_cases} cases changed anything"
    );
}

fn schema_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("testdata/schemas/helmrelease-v2.json"))
            .expect("vendored schema"),
    )
    .expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

fn helm_release(post_renderers: Value) -> Value {
    json!({
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "spaces", "namespace": "upbound-system"},
        "spec": {
            "interval": "10m",
            "chart": {"spec": {
                "chart": "spaces",
                "version": "1.16.0",
                "sourceRef": {"kind": "HelmRepository", "name": "upbound"}
            }},
            "postRenderers": post_renderers
        }
    })
}

#[test]
fn flux_block_is_a_valid_helmrelease_with_the_kustomize_patches() {
    let Some(helm) = tool("helm3/helm") else {
        return;
    };
    let validator = schema_validator();
    // The schema is not vacuous: a wrong shape is refused.
    let wrong =
        helm_release(json!([{"kustomize": {"patches": [{"target": {"kind": 3}, "patch": []}]}}]));
    assert!(validator.validate(&wrong).is_err());
    let mut failures = Vec::new();
    for case in helm_cases() {
        let rendered = helm_template(&helm, &case.values);
        let flux = export("flux", &case.args, &rendered);
        let kustomize = export("kustomize", &case.args, &rendered);
        if !flux.status.success() {
            assert!(flux.stdout.is_empty(), "{}: output on failure", case.name);
            assert_eq!(flux.status.code(), kustomize.status.code(), "{}", case.name);
            continue;
        }
        let block: Value = serde_saphyr::from_str(&text(&flux.stdout)).expect("flux output parses");
        let keys: Vec<&String> = block.as_object().expect("a mapping").keys().collect();
        assert_eq!(keys, ["postRenderers"], "{}", case.name);
        let release = helm_release(block["postRenderers"].clone());
        if let Err(e) = validator.validate(&release) {
            failures.push(format!("{}: {e}\n{}", case.name, text(&flux.stdout)));
        }
        let kustomization: Value =
            serde_saphyr::from_str(&text(&kustomize.stdout)).expect("kustomization parses");
        let in_flux = block["postRenderers"][0]["kustomize"]["patches"].clone();
        let in_kustomize = kustomization["patches"].clone();
        let same = if in_kustomize.as_array().is_some_and(Vec::is_empty) {
            block["postRenderers"].as_array().is_some_and(Vec::is_empty)
        } else {
            in_flux == in_kustomize
        };
        assert!(
            same,
            "{}: flux {in_flux} vs kustomize {in_kustomize}",
            case.name
        );
        assert!(kustomization.get("resources").is_none(), "{}", case.name);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Golden outputs: `testdata/export/<case>/` holds `input.yaml`, `args` and the expected
/// `flux.yaml` and `kustomization.yaml`.
#[test]
fn golden_exports() {
    let dir = root().join("testdata/export");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("testdata/export")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    for case in cases {
        let input = std::fs::read_to_string(case.join("input.yaml")).expect("input.yaml");
        let args: Vec<String> = std::fs::read_to_string(case.join("args"))
            .expect("args")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.trim().to_string())
            .collect();
        for (format, file) in [("flux", "flux.yaml"), ("kustomize", "kustomization.yaml")] {
            let out = export(format, &args, &input);
            assert!(
                out.status.success(),
                "{}: {}",
                case.display(),
                text(&out.stderr)
            );
            let got = text(&out.stdout);
            let path = case.join(file);
            if update {
                std::fs::write(&path, &got).expect("write golden");
                continue;
            }
            let want = std::fs::read_to_string(&path).unwrap_or_default();
            assert_eq!(
                got,
                want,
                "{} differs (UPDATE_GOLDEN=1 rewrites it)",
                path.display()
            );
        }
    }
}

#[test]
fn errors_exit_2_with_nothing_on_stdout() {
    let service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: spaces-router\nspec:\n  type: LoadBalancer\n";
    for (args, input, says) in [
        (&["--format", "flux"][..], service, "--cloud"),
        (
            &["--format", "kustomize", "--cloud", "aws"][..],
            "a: [\n",
            "invalid YAML",
        ),
        (
            &["--format", "yaml", "--cloud", "aws"][..],
            service,
            "--format",
        ),
        (&["--cloud", "aws"][..], service, "--format"),
        (
            &[
                "--format",
                "flux",
                "--cloud",
                "aws",
                "/nonexistent/rendered.yaml",
            ][..],
            service,
            "cannot read",
        ),
    ] {
        let out = run(bin().arg("export").args(args), Some(input));
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{args:?}: {}", text(&out.stdout));
        assert!(
            text(&out.stderr).contains(says),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn an_alias_in_a_changed_object_is_refused() {
    let input = "apiVersion: v1\nkind: Service\nmetadata:\n  name: spaces-router\n  labels: &l {app: spaces}\nspec:\n  type: LoadBalancer\n  selector: *l\n";
    let out = run(
        bin().args(["export", "--format", "flux", "--cloud", "aws"]),
        Some(input),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("alias"), "{}", text(&out.stderr));
}

#[test]
fn reads_a_file_or_stdin_alike() {
    let input =
        std::fs::read_to_string(root().join("testdata/export/aws/input.yaml")).expect("input");
    let from_stdin = run(
        bin().args(["export", "--format", "flux", "--cloud", "aws", "-"]),
        Some(&input),
    );
    let from_file = run(
        bin()
            .args(["export", "--format", "flux", "--cloud", "aws"])
            .arg(root().join("testdata/export/aws/input.yaml")),
        None,
    );
    assert!(from_stdin.status.success(), "{}", text(&from_stdin.stderr));
    assert_eq!(from_stdin.stdout, from_file.stdout);
}

#[test]
fn argocd_prefixed_environment_is_read_and_the_plain_one_wins() {
    let input =
        std::fs::read_to_string(root().join("testdata/export/aws/input.yaml")).expect("input");
    let prefixed = run(
        bin()
            .args(["export", "--format", "kustomize"])
            .env("ARGOCD_ENV_SPACES_EXPOSE_CLOUD", "gcp"),
        Some(&input),
    );
    assert!(prefixed.status.success(), "{}", text(&prefixed.stderr));
    assert!(text(&prefixed.stdout).contains("cloud.google.com/l4-rbs"));
    let both = run(
        bin()
            .args(["export", "--format", "kustomize"])
            .env("ARGOCD_ENV_SPACES_EXPOSE_CLOUD", "gcp")
            .env("SPACES_EXPOSE_CLOUD", "aws"),
        Some(&input),
    );
    assert!(both.status.success(), "{}", text(&both.stderr));
    let out = text(&both.stdout);
    assert!(
        out.contains("aws-load-balancer-type") && !out.contains("l4-rbs"),
        "{out}"
    );
}

/// A guard that no longer holds (the chart moved or changed a list element) makes
/// kustomize fail instead of editing the wrong element.
#[test]
fn a_moved_list_element_fails_the_kustomize_build() {
    let Some(kubectl) = tool("kubectl") else {
        return;
    };
    let dir = root().join("testdata/export/cilium");
    let input = std::fs::read_to_string(dir.join("input.yaml")).expect("input");
    let patches = std::fs::read_to_string(dir.join("kustomization.yaml")).expect("golden");
    assert!(patches.contains("op: test"), "{patches}");
    let work = tempfile::tempdir().expect("temp dir");
    write_kustomization(work.path(), &patches, &[("rendered.yaml", &input)]);
    assert!(kustomize(&kubectl, work.path()).is_ok());
    // The same chart a version later: the router port moved.
    let upgraded = input.replace("port: 8443", "port: 9443");
    assert_ne!(upgraded, input);
    write_kustomization(work.path(), &patches, &[("rendered.yaml", &upgraded)]);
    let err = kustomize(&kubectl, work.path()).expect_err("a failed guard fails the build");
    assert!(err.contains("test"), "{err}");
}

/// Keys render sets go in a strategic-merge patch: when a later chart version adds its own
/// annotations beside them, those survive (a JSON 6902 `add` of the whole map would drop them).
#[test]
fn annotations_a_chart_upgrade_adds_survive_the_patches() {
    let Some(kubectl) = tool("kubectl") else {
        return;
    };
    let service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: spaces-router\n  namespace: upbound-system\nspec:\n  type: LoadBalancer\n  selector:\n    app: spaces-router\n  ports:\n    - name: https\n      port: 443\n      targetPort: 8443\n";
    let exported = export("kustomize", &["--cloud=aws".to_string()], service);
    assert!(exported.status.success(), "{}", text(&exported.stderr));
    let patches = text(&exported.stdout);
    let upgraded = service.replace(
        "  namespace: upbound-system\n",
        "  namespace: upbound-system\n  annotations:\n    external-dns.alpha.kubernetes.io/hostname: spaces.example.com\n",
    );
    let work = tempfile::tempdir().expect("temp dir");
    write_kustomization(work.path(), &patches, &[("rendered.yaml", &upgraded)]);
    let out = kustomize(&kubectl, work.path()).expect("the patches apply");
    let objects = objects(&out);
    let annotations = &objects[0]["metadata"]["annotations"];
    assert_eq!(
        annotations["external-dns.alpha.kubernetes.io/hostname"],
        "spaces.example.com"
    );
    assert_eq!(
        annotations["service.beta.kubernetes.io/aws-load-balancer-type"],
        "external"
    );
}

/// kustomize reads a target's name as an anchored regular expression: a dot in a name
/// must not select a neighbour whose name has another character there.
#[test]
fn a_dotted_name_targets_only_its_object() {
    let Some(kubectl) = tool("kubectl") else {
        return;
    };
    let service = |name: &str| {
        format!(
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: upbound-system\nspec:\n  type: LoadBalancer\n  selector: {{app: x}}\n"
        )
    };
    let stream = service("spaces.router") + &service("spacesXrouter");
    let args = [
        "--cloud=gcp".to_string(),
        "--service=spaces.router".to_string(),
    ];
    let exported = export("kustomize", &args, &stream);
    assert!(exported.status.success(), "{}", text(&exported.stderr));
    let work = tempfile::tempdir().expect("temp dir");
    write_kustomization(
        work.path(),
        &text(&exported.stdout),
        &[("rendered.yaml", &stream)],
    );
    let objects = objects(&kustomize(&kubectl, work.path()).expect("applies"));
    let rbs = |o: &Value| o["metadata"]["annotations"]["cloud.google.com/l4-rbs"].clone();
    assert_eq!(objects[0]["metadata"]["name"], "spaces.router");
    assert_eq!(rbs(&objects[0]), "enabled");
    assert_eq!(
        rbs(&objects[1]),
        Value::Null,
        "the neighbour was patched too"
    );
}

#[test]
fn a_stream_without_resources_gives_no_patches() {
    for (format, empty) in [("flux", "postRenderers: []"), ("kustomize", "patches: []")] {
        let out = export(format, &["--cloud=aws".to_string()], "# nothing rendered\n");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let got = text(&out.stdout);
        assert!(got.lines().any(|l| l == empty), "{got}");
    }
}
