//! The Flux, helmfile and Terraform examples under `integrations/`, checked against the
//! fixture chart (the real chart's registry is out of reach here):
//! - Flux: the HelmRelease validates against the vendored v2 schema, and its
//!   `postRenderers` are what `export --format flux` prints for its own values today.
//! - helmfile: run for real (helmfile 0.166 from `scripts/fetch-helm.sh`, with Helm 3) with
//!   the example's release, its chart swapped for the fixture; the result means what
//!   `helm template | spaces-expose ARGS` gives.
//! - Terraform: no Terraform or provider registry is reachable, so `main.tf` is read as HCL
//!   (balanced, its `postrender` attribute), and its `binary_path` and `args` are run
//!   through `helm template --post-renderer`, which is what the provider's embedded Helm 3
//!   library does with them.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::gitops::{
    bin, helm, helm_template, helm_template_with, objects, root, run, text, tool,
};
use serde_json::{Value, json};

fn example(rel: &str) -> PathBuf {
    root().join("integrations").join(rel)
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(example(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `helm template spaces <fixture> -n upbound-system -f <values>` piped through
/// `spaces-expose <args>`.
fn rendered_with(helm_bin: &Path, values: &Path, args: &[String]) -> String {
    let stream = helm_template_with(helm_bin, Some(values));
    let render = run(bin().args(args), Some(&stream));
    assert!(render.status.success(), "{}", text(&render.stderr));
    text(&render.stdout)
}

#[test]
fn flux_helmrelease_validates_and_matches_export() {
    let release: Value = serde_saphyr::from_str(&read("flux/helmrelease.yaml")).expect("parses");
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("testdata/schemas/helmrelease-v2.json"))
            .expect("schema"),
    )
    .expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("compiles");
    if let Err(e) = validator.validate(&release) {
        panic!("integrations/flux/helmrelease.yaml: {e}");
    }
    let source: Value = serde_saphyr::from_str(&read("flux/ocirepository.yaml")).expect("parses");
    assert_eq!(release["spec"]["chartRef"]["kind"], source["kind"]);
    assert_eq!(
        release["spec"]["chartRef"]["name"],
        source["metadata"]["name"]
    );

    // The export command line from the file's comment, run on its own values.
    let text_of = read("flux/helmrelease.yaml");
    let args: Vec<String> = text_of
        .lines()
        .find_map(|l| l.split_once("spaces-expose export --format flux"))
        .map(|(_, rest)| rest.split_whitespace().map(str::to_string).collect())
        .expect("the export command line in a comment");
    let Some(helm3) = tool("helm3/helm") else {
        return;
    };
    let work = tempfile::tempdir().expect("temp dir");
    let values = work.path().join("values.yaml");
    std::fs::write(&values, release["spec"]["values"].to_string()).expect("write values");
    let stream = helm_template_with(&helm3, Some(&values));
    let out = run(
        bin().args(["export", "--format", "flux"]).args(&args),
        Some(&stream),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let exported: Value = serde_saphyr::from_str(&text(&out.stdout)).expect("export parses");
    assert_eq!(
        exported["postRenderers"],
        release["spec"]["postRenderers"],
        "integrations/flux/helmrelease.yaml is out of date; paste this:\n{}",
        text(&out.stdout)
    );
}

#[test]
fn helmfile_example_runs_spaces_expose_as_post_renderer() {
    let file: Value = serde_saphyr::from_str(&read("helmfile/helmfile.yaml")).expect("parses");
    let release = &file["releases"][0];
    assert_eq!(release["name"], "spaces");
    assert_eq!(release["postRenderer"], "spaces-expose");
    let args: Vec<String> = release["postRendererArgs"]
        .as_array()
        .expect("postRendererArgs")
        .iter()
        .map(|a| a.as_str().expect("a string").to_string())
        .collect();
    let repo = release["chart"].as_str().expect("chart").split('/').next();
    assert!(
        file["repositories"]
            .as_array()
            .expect("repositories")
            .iter()
            .any(|r| r["name"].as_str() == repo && r["oci"] == true),
        "the chart's repository is declared as OCI"
    );
    let values: Vec<PathBuf> = release["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| example("helmfile").join(v.as_str().expect("a path")))
        .collect();
    assert!(values.iter().all(|v| v.is_file()), "{values:?}");
    let (Some(helmfile), Some(helm3)) = (tool("helmfile"), tool("helm3/helm")) else {
        return;
    };
    // The same release with the fixture chart in place of the registry's.
    let work = tempfile::tempdir().expect("temp dir");
    let binaries = work.path().join("bin");
    std::fs::create_dir_all(&binaries).expect("mkdir");
    std::os::unix::fs::symlink(&helm3, binaries.join("helm")).expect("link");
    std::os::unix::fs::symlink(common::gitops::binary(), binaries.join("spaces-expose"))
        .expect("link");
    let mut local = release.clone();
    local["chart"] = json!(root().join("testdata/charts/spaces"));
    local["values"] = json!(values);
    local.as_object_mut().expect("a mapping").remove("version");
    let helmfile_yaml = work.path().join("helmfile.yaml");
    // helmfile wants block-style top-level keys; JSON values are valid YAML below them.
    let mut yaml = String::from("releases:\n");
    for (i, (key, value)) in local.as_object().expect("a mapping").iter().enumerate() {
        let lead = if i == 0 { "  - " } else { "    " };
        yaml.push_str(&format!("{lead}{key}: {value}\n"));
    }
    std::fs::write(&helmfile_yaml, yaml).expect("write");
    let home = work.path().join("helm-home");
    let out = Command::new(helmfile)
        .arg("--file")
        .arg(&helmfile_yaml)
        .arg("template")
        .env(
            "PATH",
            format!("{}:/usr/local/bin:/usr/bin:/bin", binaries.display()),
        )
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env_remove("SPACES_EXPOSE_CLOUD")
        .output()
        .expect("helmfile runs");
    assert!(
        out.status.success(),
        "helmfile template: {}",
        text(&out.stderr)
    );
    let got = text(&out.stdout);
    assert!(
        got.contains("aws-load-balancer-type"),
        "not post-rendered:\n{got}"
    );
    let want = rendered_with(&helm3, &values[0], &args);
    assert_eq!(
        objects(&got),
        objects(&want),
        "helmfile:\n{got}\nhelm | spaces-expose:\n{want}"
    );
}

/// Strips `#` and `//` comments outside strings and checks that brackets and quotes balance.
fn hcl_code(src: &str) -> String {
    let mut code = String::new();
    let mut stack = Vec::new();
    for (n, line) in src.lines().enumerate() {
        let mut in_string = false;
        let mut escaped = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if in_string {
                code.push(c);
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '#' => break,
                '/' if chars.peek() == Some(&'/') => break,
                '"' => in_string = true,
                '{' | '[' | '(' => stack.push((c, n + 1)),
                '}' | ']' | ')' => {
                    let open = stack.pop().map(|(o, _)| o);
                    let want = match c {
                        '}' => '{',
                        ']' => '[',
                        _ => '(',
                    };
                    assert_eq!(open, Some(want), "main.tf:{}: unbalanced {c}", n + 1);
                }
                _ => {}
            }
            code.push(c);
        }
        assert!(!in_string, "main.tf:{}: unterminated string", n + 1);
        code.push('\n');
    }
    assert!(stack.is_empty(), "main.tf: unclosed {stack:?}");
    code
}

/// The text between the braces that follow `header`.
fn hcl_body<'a>(code: &'a str, header: &str) -> &'a str {
    let start = code
        .find(header)
        .unwrap_or_else(|| panic!("no {header} in main.tf"));
    let open = start + code[start..].find('{').expect("a body");
    let mut depth = 0;
    for (i, c) in code[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &code[open + 1..open + i];
                }
            }
            _ => {}
        }
    }
    unreachable!("balanced by hcl_code")
}

/// The string literal(s) assigned to `name` in a body: `name = "x"` or `name = ["x", "y"]`.
fn hcl_strings(body: &str, name: &str) -> Vec<String> {
    let line = body
        .lines()
        .map(str::trim)
        .find(|l| l.split('=').next().map(str::trim) == Some(name))
        .unwrap_or_else(|| panic!("no {name} ="));
    let value = line.split_once('=').expect("an assignment").1;
    value
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn terraform_example_post_renders_with_its_arguments() {
    let code = hcl_code(&read("terraform/main.tf"));
    let provider = hcl_body(&code, "required_providers");
    assert!(provider.contains("\"hashicorp/helm\""), "{provider}");
    let release = hcl_body(&code, "resource \"helm_release\" \"spaces\"");
    assert_eq!(hcl_strings(release, "name"), ["spaces"]);
    assert_eq!(hcl_strings(release, "namespace"), ["upbound-system"]);
    // Provider 3.x: an attribute holding an object (`postrender = { … }`).
    assert!(release.contains("postrender = {"), "{release}");
    let postrender = hcl_body(release, "postrender");
    assert_eq!(hcl_strings(postrender, "binary_path"), ["spaces-expose"]);
    let args = hcl_strings(postrender, "args");
    assert!(!args.is_empty());
    let values = hcl_strings(release, "values");
    assert_eq!(values, ["${path.module}/values.yaml"]);
    let values = example("terraform/values.yaml");
    assert!(values.is_file());

    // Without a cluster: the arguments are accepted and do the job.
    let Some(helm3) = tool("helm3/helm") else {
        return;
    };
    let home = tempfile::tempdir().expect("temp dir");
    let mut cmd = helm(&helm3, home.path());
    cmd.args(["template", "spaces"])
        .arg(root().join("testdata/charts/spaces"))
        .args(["-n", "upbound-system", "-f"])
        .arg(&values)
        .arg("--post-renderer")
        .arg(common::gitops::binary());
    for arg in &args {
        cmd.arg(format!("--post-renderer-args={arg}"));
    }
    let out = cmd.output().expect("helm runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got = text(&out.stdout);
    assert!(got.contains("aws-load-balancer-type"), "{got}");
    assert_eq!(
        objects(&got),
        objects(&rendered_with(&helm3, &values, &args))
    );
    // The unedited chart is different: the arguments did something.
    assert_ne!(objects(&got), objects(&helm_template(&helm3, "")));
}

/// The helmfile and Terraform snippets in docs/gitops.md are the example files' own lines.
#[test]
fn docs_show_the_example_files() {
    let doc = std::fs::read_to_string(root().join("docs/gitops.md")).expect("docs/gitops.md");
    let blocks = |lang: &str| -> Vec<String> {
        doc.split(&format!("```{lang}\n"))
            .skip(1)
            .filter_map(|b| b.split_once("```").map(|(code, _)| code.to_string()))
            .collect()
    };
    let code_lines = |text: &str| -> Vec<String> {
        text.lines()
            .map(|l| l.split(" # ").next().unwrap_or(l).trim_end().to_string())
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .collect()
    };
    for (lang, marker, file) in [
        ("yaml", "postRendererArgs", "helmfile/helmfile.yaml"),
        ("hcl", "postrender", "terraform/main.tf"),
    ] {
        let block = blocks(lang)
            .into_iter()
            .find(|b| b.contains(marker))
            .unwrap_or_else(|| panic!("no {lang} block with {marker} in docs/gitops.md"));
        let file_lines = code_lines(&read(file));
        let mut rest = file_lines.iter();
        for line in code_lines(&block) {
            assert!(
                rest.any(|l| *l == line),
                "docs/gitops.md shows {line:?}, which integrations/{file} lacks (or has out of order)"
            );
        }
    }
}
