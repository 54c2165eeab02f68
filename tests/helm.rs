//! Real Helm runs: Helm 3 with the binary as `--post-renderer`, Helm 4 with the
//! plugin installed from this checkout into a temporary `HELM_DATA_HOME`, both on the
//! fixture chart under `testdata/charts/spaces`.
//!
//! The Helm binaries come from `scripts/fetch-helm.sh` (into `target/tools/`). When
//! they are missing these tests fail under CI (`CI=true`) and skip with a message
//! elsewhere.
//!
//! Data-driven cases live in `testdata/helm/<case>/`: `values` (a file name in the
//! chart's `ci/` folder), `args` (post-renderer arguments, one per line) and `expect`
//! (`+ text` must appear in the post-rendered output, `- text` must not).

// A skipped Helm run says so on stderr.
#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const RELEASE: &str = "spaces";
const NAMESPACE: &str = "upbound-system";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn chart() -> PathBuf {
    root().join("testdata/charts/spaces")
}

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_spaces-expose"))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Helm {
    V3,
    V4,
}

impl Helm {
    fn path(self) -> PathBuf {
        root().join(match self {
            Helm::V3 => "target/tools/helm3/helm",
            Helm::V4 => "target/tools/helm4/helm",
        })
    }

    /// The binary, or `None` (test skipped) outside CI when it is missing.
    fn available(self) -> Option<PathBuf> {
        let path = self.path();
        if path.is_file() {
            return Some(path);
        }
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{} is missing: CI must run scripts/fetch-helm.sh before the tests",
            path.display()
        );
        eprintln!(
            "skipped: {} is missing (run scripts/fetch-helm.sh)",
            path.display()
        );
        None
    }
}

/// A stand-in Kubernetes API server on loopback that answers the discovery requests
/// Helm 3's `install --dry-run=client` makes (version, core and group lists), so the
/// install path runs without a cluster. Returns a kubeconfig that points at it.
fn fake_api_server_kubeconfig() -> &'static Path {
    static KUBECONFIG: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = KUBECONFIG.get_or_init(|| {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("local addr").port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(&stream);
                let mut request = String::new();
                if reader.read_line(&mut request).is_err() {
                    continue;
                }
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let path = request.split_whitespace().nth(1).unwrap_or("/");
                let path = path.split('?').next().unwrap_or(path);
                let body = match path {
                    "/version" => r#"{"major":"1","minor":"33","gitVersion":"v1.33.0"}"#,
                    "/api" => r#"{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[]}"#,
                    "/apis" => r#"{"kind":"APIGroupList","apiVersion":"v1","groups":[]}"#,
                    "/api/v1" => r#"{"kind":"APIResourceList","groupVersion":"v1","resources":[]}"#,
                    _ => "",
                };
                let status = if body.is_empty() { "404 Not Found" } else { "200 OK" };
                let mut stream = &stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("kubeconfig");
        let config = format!(
            "apiVersion: v1\nkind: Config\nclusters: [{{name: fake, cluster: {{server: \"http://127.0.0.1:{port}\"}}}}]\ncontexts: [{{name: fake, context: {{cluster: fake, user: fake}}}}]\nusers: [{{name: fake, user: {{}}}}]\ncurrent-context: fake\n"
        );
        std::fs::write(&path, config).expect("write kubeconfig");
        std::fs::write(dir.path().join("releases.yaml"), "").expect("write driver data");
        (dir, path)
    });
    path
}

/// Private Helm state for a run, so tests never touch the user's Helm setup.
struct HelmHome {
    dir: tempfile::TempDir,
}

impl HelmHome {
    fn new() -> Self {
        HelmHome {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn command(&self, helm: &Path) -> Command {
        let mut cmd = Command::new(helm);
        let d = self.dir.path();
        cmd.env("HELM_CONFIG_HOME", d.join("config"))
            .env("HELM_DATA_HOME", d.join("data"))
            .env("HELM_CACHE_HOME", d.join("cache"))
            .env_remove("HELM_PLUGINS")
            .env_remove("SPACES_EXPOSE_LOG")
            .env_remove("SPACES_EXPOSE_CLOUD")
            .current_dir(root());
        cmd
    }
}

/// Helm 4's home with the plugin installed from this checkout (once per test run).
fn helm4_home(helm: &Path) -> &'static HelmHome {
    static HOME: OnceLock<HelmHome> = OnceLock::new();
    HOME.get_or_init(|| {
        let home = HelmHome::new();
        let out = home
            .command(helm)
            .args(["plugin", "install"])
            .arg(root())
            .env("SPACES_EXPOSE_BINARY", binary())
            .output()
            .expect("helm 4 runs");
        assert!(
            out.status.success(),
            "helm plugin install failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let list = home
            .command(helm)
            .args(["plugin", "list"])
            .output()
            .expect("helm 4 runs");
        let listed = String::from_utf8_lossy(&list.stdout);
        assert!(
            listed.contains("spaces-expose") && listed.contains("postrenderer/v1"),
            "{listed}"
        );
        home
    })
}

struct Outcome {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// `helm template` (or `install --dry-run=client`) with the post-renderer.
fn post_render(
    helm_version: Helm,
    verb: &str,
    values: Option<&str>,
    args: &[&str],
) -> Option<Outcome> {
    let helm = helm_version.available()?;
    let own_home;
    let (home, renderer) = match helm_version {
        Helm::V3 => {
            own_home = HelmHome::new();
            (&own_home, binary().display().to_string())
        }
        Helm::V4 => (helm4_home(&helm), "spaces-expose".to_string()),
    };
    let mut cmd = home.command(&helm);
    match verb {
        "template" => cmd.args(["template", RELEASE]).arg(chart()),
        _ => {
            // No cluster here: releases live in memory, discovery goes to a stand-in.
            let kubeconfig = fake_api_server_kubeconfig();
            cmd.env("KUBECONFIG", kubeconfig)
                .env("HELM_DRIVER", "memory")
                .env(
                    "HELM_MEMORY_DRIVER_DATA",
                    kubeconfig.with_file_name("releases.yaml"),
                )
                .args(["install", RELEASE])
                .arg(chart())
                .arg("--dry-run=client")
        }
    };
    cmd.args(["-n", NAMESPACE, "--post-renderer", &renderer]);
    if let Some(values) = values {
        cmd.arg("-f").arg(chart().join("ci").join(values));
    }
    for arg in args {
        cmd.arg(format!("--post-renderer-args={arg}"));
    }
    let out = cmd.output().expect("helm runs");
    Some(Outcome {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

const AWS_SET: [&str; 3] = [
    "service.beta.kubernetes.io/aws-load-balancer-type: \"external\"",
    "service.beta.kubernetes.io/aws-load-balancer-scheme: \"internet-facing\"",
    "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type: \"ip\"",
];

fn assert_aws_exposed(helm: Helm, outcome: &Outcome) {
    assert!(outcome.ok, "{helm:?} failed: {}", outcome.stderr);
    let out = &outcome.stdout;
    for line in AWS_SET {
        // Helm 4 re-serializes the manifests after the post-renderer, so quoting may change.
        let unquoted = line.replace('"', "");
        assert!(
            out.contains(line) || out.contains(&unquoted),
            "{helm:?}: {line} missing in\n{out}"
        );
    }
    assert!(
        !out.contains("aws-load-balancer-backend-protocol"),
        "{helm:?}: L7 key left in\n{out}"
    );
    assert!(
        out.contains("# Source: spaces/templates/router/service.yaml"),
        "{helm:?}: # Source lines lost"
    );
    // Values that only survive when nothing re-emits them.
    assert!(
        out.contains("enabled: \"yes\"") || out.contains("enabled: 'yes'"),
        "{helm:?}: quoted yes lost"
    );
    if helm == Helm::V4 {
        assert!(
            !out.contains("generated-by-postrender"),
            "Helm 4 lost a filename annotation:\n{out}"
        );
        assert!(
            !out.contains("postrender-filename"),
            "Helm 4's internal annotation leaked:\n{out}"
        );
    }
}

#[test]
fn helm3_template_exposes_router_on_aws() {
    if let Some(outcome) = post_render(Helm::V3, "template", Some("aws.yaml"), &["--cloud=aws"]) {
        assert_aws_exposed(Helm::V3, &outcome);
    }
}

#[test]
fn helm4_template_exposes_router_on_aws() {
    if let Some(outcome) = post_render(Helm::V4, "template", Some("aws.yaml"), &["--cloud=aws"]) {
        assert_aws_exposed(Helm::V4, &outcome);
    }
}

#[test]
fn helm3_install_dry_run_exposes_router_on_aws() {
    if let Some(outcome) = post_render(Helm::V3, "install", Some("aws.yaml"), &["--cloud=aws"]) {
        assert_aws_exposed(Helm::V3, &outcome);
    }
}

#[test]
fn helm4_install_dry_run_exposes_router_on_aws() {
    if let Some(outcome) = post_render(Helm::V4, "install", Some("aws.yaml"), &["--cloud=aws"]) {
        assert_aws_exposed(Helm::V4, &outcome);
    }
}

#[test]
fn helm4_keeps_hooks_as_hooks() {
    if let Some(outcome) = post_render(Helm::V4, "install", Some("aws.yaml"), &["--cloud=aws"]) {
        assert!(outcome.ok, "{}", outcome.stderr);
        // install --dry-run lists hooks under HOOKS:, before the MANIFEST: section.
        let hooks = outcome.stdout.split("MANIFEST:").next().unwrap_or_default();
        assert!(
            hooks.contains("name: spaces-pre-upgrade"),
            "the hook Job is no longer a hook:\n{}",
            outcome.stdout
        );
    }
}

#[test]
fn render_errors_fail_the_helm_run() {
    for helm in [Helm::V3, Helm::V4] {
        let Some(outcome) = post_render(helm, "template", Some("aws.yaml"), &["--cloud=mars"])
        else {
            continue;
        };
        assert!(!outcome.ok, "{helm:?} accepted a bad --cloud");
        assert!(outcome.stdout.is_empty() || !outcome.stdout.contains("kind: Service"));
        if helm == Helm::V3 {
            // Helm 3 shows the post-renderer's stderr; Helm 4 discards it.
            assert!(outcome.stderr.contains("--cloud"), "{}", outcome.stderr);
        }
    }
}

#[test]
fn helm4_errors_reach_the_log_file() {
    let Some(helm) = Helm::V4.available() else {
        return;
    };
    let home = helm4_home(&helm);
    let log = home.dir.path().join("spaces-expose.log");
    let out = home
        .command(&helm)
        .args(["template", RELEASE])
        .arg(chart())
        .args(["-n", NAMESPACE, "--post-renderer", "spaces-expose"])
        .env("SPACES_EXPOSE_LOG", &log)
        .output()
        .expect("helm runs");
    assert!(!out.status.success());
    let logged = std::fs::read_to_string(&log).expect("the log file was written");
    assert!(logged.contains("missing --cloud"), "{logged}");
}

/// The data-driven cases, on both Helm versions.
#[test]
fn helm_cases_from_testdata() {
    let dir = root().join("testdata/helm");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut cases: Vec<PathBuf> = entries.map(|e| e.expect("dir entry").path()).collect();
    cases.sort();
    let mut failures = Vec::new();
    for case in cases {
        let read = |name: &str| std::fs::read_to_string(case.join(name)).unwrap_or_default();
        let values = read("values").trim().to_string();
        let args_text = read("args");
        let args: Vec<&str> = args_text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let expect = read("expect");
        for helm in [Helm::V3, Helm::V4] {
            let Some(outcome) = post_render(
                helm,
                "template",
                (!values.is_empty()).then_some(values.as_str()),
                &args,
            ) else {
                continue;
            };
            let name = format!("{} ({helm:?})", case.display());
            if !outcome.ok {
                failures.push(format!("{name}: helm failed: {}", outcome.stderr));
                continue;
            }
            for line in expect.lines() {
                if let Some(text) = line.strip_prefix("+ ") {
                    if !outcome.stdout.contains(text)
                        && !outcome.stdout.contains(&text.replace('"', ""))
                    {
                        failures.push(format!("{name}: missing {text:?}"));
                    }
                } else if let Some(text) = line.strip_prefix("- ")
                    && outcome.stdout.contains(text)
                {
                    failures.push(format!("{name}: unexpected {text:?}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `scripts/package.sh` builds an archive that Helm 4 installs and runs.
#[test]
fn helm4_installs_the_packaged_plugin() {
    let Some(helm) = Helm::V4.available() else {
        return;
    };
    let out = Command::new(root().join("scripts/package.sh"))
        .env("SPACES_EXPOSE_BINARY", binary())
        .output()
        .expect("package.sh runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let archive = std::fs::read_dir(root().join("dist"))
        .expect("dist/ exists")
        .map(|e| e.expect("dir entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "tgz"))
        .expect("an archive in dist/");
    let home = HelmHome::new();
    let install = home
        .command(&helm)
        .args(["plugin", "install"])
        .arg(&archive)
        .arg("--verify=false")
        .output()
        .expect("helm runs");
    assert!(
        install.status.success(),
        "{}",
        String::from_utf8_lossy(&install.stderr)
    );
    let out = home
        .command(&helm)
        .args(["template", RELEASE])
        .arg(chart())
        .args([
            "-n",
            NAMESPACE,
            "--post-renderer",
            "spaces-expose",
            "--post-renderer-args=--cloud=gcp",
        ])
        .arg("-f")
        .arg(chart().join("ci/gcp.yaml"))
        .output()
        .expect("helm runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("cloud.google.com/l4-rbs"), "{stdout}");
}
