//! Helpers shared by the test binaries of the GitOps integrations (export, Argo CD, the
//! helmfile and Terraform examples): real Helm, kubectl and helmfile runs with
//! `std::process::Command`, whose children they wait for with their own limits.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub use super::root;

/// The built binary.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_spaces-expose"))
}

/// The binary, with none of its variables inherited from the caller's environment.
pub fn bin() -> Command {
    let mut cmd = Command::new(binary());
    for var in [
        "SPACES_EXPOSE_CLOUD",
        "SPACES_EXPOSE_MODE",
        "SPACES_EXPOSE_CONTROLLER",
        "SPACES_EXPOSE_SCHEME",
        "SPACES_EXPOSE_VALUES",
        "SPACES_EXPOSE_CONFIG",
        "SPACES_EXPOSE_LOG",
    ] {
        cmd.env_remove(var).env_remove(format!("ARGOCD_ENV_{var}"));
    }
    cmd
}

// Where the GitOps tests find kubectl, helmfile and Helm (not every binary uses it).
#[allow(unused_imports)]
pub use super::tool;

/// Runs a command with `stdin` as its standard input.
pub fn run(cmd: &mut Command, stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("command runs");
    let mut input = child.stdin.take().expect("stdin");
    // A process that fails on its arguments exits before it reads stdin.
    let _ = input.write_all(stdin.unwrap_or_default().as_bytes());
    drop(input);
    child.wait_with_output().expect("command finishes")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A Helm case of the fixture chart: `testdata/helm/<name>/` (`values`, `args`).
pub struct Case {
    pub name: String,
    pub values: String,
    pub args: Vec<String>,
}

pub fn helm_cases() -> Vec<Case> {
    let mut cases: Vec<Case> = std::fs::read_dir(root().join("testdata/helm"))
        .expect("testdata/helm")
        .map(|e| {
            let dir = e.expect("dir entry").path();
            let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_default();
            Case {
                name: dir.file_name().unwrap().to_string_lossy().into_owned(),
                values: read("values").trim().to_string(),
                args: read("args")
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
            }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

/// A Helm command with private state (config, data and cache in `home`).
pub fn helm(helm: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(helm);
    cmd.env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"))
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env_remove("HELM_PLUGINS");
    cmd
}

/// Installs the post-renderer plugin from this checkout into Helm 4's `home`, with the
/// binary the tests built.
pub fn install_plugin(helm4: &Path, home: &Path) {
    let out = helm(helm4, home)
        .args(["plugin", "install"])
        .arg(root())
        .env("SPACES_EXPOSE_BINARY", binary())
        .output()
        .expect("helm 4 runs");
    assert!(
        out.status.success(),
        "helm plugin install: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// `helm template spaces` of the fixture chart with a values file of its `ci/` folder.
pub fn helm_template(helm_bin: &Path, values: &str) -> String {
    let file = (!values.is_empty()).then(|| root().join("testdata/charts/spaces/ci").join(values));
    helm_template_with(helm_bin, file.as_deref())
}

/// `helm template spaces` of the fixture chart, with a values file if given.
pub fn helm_template_with(helm_bin: &Path, values: Option<&Path>) -> String {
    let home = tempfile::tempdir().expect("temp dir");
    let mut cmd = helm(helm_bin, home.path());
    cmd.args(["template", "spaces"])
        .arg(root().join("testdata/charts/spaces"))
        .args(["-n", "upbound-system"]);
    if let Some(values) = values {
        cmd.arg("-f").arg(values);
    }
    let out = cmd.output().expect("helm runs");
    assert!(out.status.success(), "helm template: {}", text(&out.stderr));
    text(&out.stdout)
}

/// The objects of a YAML stream, sorted by identity, for comparing meaning.
pub fn objects(stream: &str) -> Vec<serde_json::Value> {
    let mut docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(stream)
        .expect("the stream parses")
        .into_iter()
        .filter(|v: &serde_json::Value| !v.is_null())
        .collect();
    docs.sort_by_key(|v| {
        format!(
            "{}/{}/{}/{}",
            v["apiVersion"], v["kind"], v["metadata"]["namespace"], v["metadata"]["name"]
        )
    });
    docs
}
