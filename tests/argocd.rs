//! The Argo CD Config Management Plugin (`integrations/argocd/plugin.yaml`), run the way
//! Argo CD's repo server runs it: its `discover`, `init` and `generate` commands, parsed out
//! of the file, in a fresh copy of the chart directory, with the environment Argo CD sets
//! (`ARGOCD_APP_*`, `KUBE_VERSION`, `KUBE_API_VERSIONS`, the Application's variables as
//! `ARGOCD_ENV_*`, parameters as `PARAM_*`), `helm` and `spaces-expose` on `PATH` and the
//! sidecar's 90 s command timeout; under Helm 3 and Helm 4.
//!
//! Its output must mean what `helm template --post-renderer spaces-expose` gives, for every
//! Helm case of the fixture chart; when render refuses, generate fails with the error on
//! stderr and nothing on stdout.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::gitops::{binary, helm, helm_cases, install_plugin, objects, root, text, tool};

/// Argo CD's default `ARGOCD_EXEC_TIMEOUT` for each plugin command.
const TIMEOUT: Duration = Duration::from_secs(90);

#[derive(Debug, serde::Deserialize)]
struct Plugin {
    #[serde(rename = "apiVersion")]
    api_version: String,
    kind: String,
    metadata: Metadata,
    spec: Spec,
}

#[derive(Debug, serde::Deserialize)]
struct Metadata {
    name: String,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    init: Cmd,
    generate: Cmd,
    discover: Discover,
    parameters: Parameters,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Cmd {
    command: Vec<String>,
    #[serde(default)]
    args: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Discover {
    find: Find,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Find {
    #[serde(flatten)]
    command: Cmd,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Parameters {
    #[serde(rename = "static")]
    announced: Vec<Parameter>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Parameter {
    name: String,
    title: String,
    #[serde(default)]
    collection_type: Option<String>,
}

fn plugin() -> &'static Plugin {
    static PLUGIN: OnceLock<Plugin> = OnceLock::new();
    PLUGIN.get_or_init(|| {
        let text = std::fs::read_to_string(root().join("integrations/argocd/plugin.yaml"))
            .expect("integrations/argocd/plugin.yaml");
        serde_saphyr::from_str(&text).expect("plugin.yaml parses")
    })
}

#[test]
fn plugin_file_is_a_config_management_plugin() {
    let p = plugin();
    assert_eq!(p.api_version, "argoproj.io/v1alpha1");
    assert_eq!(p.kind, "ConfigManagementPlugin");
    assert_eq!(p.metadata.name, "spaces-expose");
    let names: Vec<&str> = p
        .spec
        .parameters
        .announced
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    for name in ["cloud", "mode", "controller", "values-files"] {
        assert!(names.contains(&name), "parameter {name} missing: {names:?}");
    }
    assert!(
        p.spec
            .parameters
            .announced
            .iter()
            .all(|a| !a.title.is_empty())
    );
    let values = p
        .spec
        .parameters
        .announced
        .iter()
        .find(|a| a.name == "values-files");
    assert_eq!(
        values.and_then(|a| a.collection_type.as_deref()),
        Some("array")
    );
}

/// A sidecar: a directory with `helm` and `spaces-expose`, put first on `PATH`.
struct Sidecar {
    dir: tempfile::TempDir,
    helm: PathBuf,
}

impl Sidecar {
    fn new(helm: &Path) -> Sidecar {
        let dir = tempfile::tempdir().expect("temp dir");
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).expect("mkdir");
        std::os::unix::fs::symlink(helm, bin.join("helm")).expect("link helm");
        std::os::unix::fs::symlink(binary(), bin.join("spaces-expose")).expect("link binary");
        Sidecar {
            dir,
            helm: helm.to_path_buf(),
        }
    }

    /// A fresh copy of the fixture chart, as the repo server streams one per request.
    fn checkout(&self) -> PathBuf {
        let app = self.dir.path().join(format!(
            "app-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        copy_dir(&root().join("testdata/charts/spaces"), &app);
        app
    }

    /// One plugin command in `app`, with only the environment Argo CD gives it.
    fn run(&self, cmd: &Cmd, app: &Path, env: &[(String, String)]) -> Output {
        let home = self.dir.path().join("helm-home");
        let mut command = Command::new(&cmd.command[0]);
        command
            .args(&cmd.command[1..])
            .args(&cmd.args)
            .current_dir(app)
            .env_clear()
            .env(
                "PATH",
                format!(
                    "{}:/usr/local/bin:/usr/bin:/bin",
                    self.dir.path().join("bin").display()
                ),
            )
            .env("HELM_CACHE_HOME", home.join("cache"))
            .env("HELM_CONFIG_HOME", home.join("config"))
            .env("HELM_DATA_HOME", home.join("data"))
            .env("ARGOCD_APP_NAME", "spaces")
            .env("ARGOCD_APP_NAMESPACE", "upbound-system")
            .env("ARGOCD_APP_PROJECT_NAME", "default")
            .env(
                "ARGOCD_APP_REVISION",
                "0123456789abcdef0123456789abcdef01234567",
            )
            .env("ARGOCD_APP_REVISION_SHORT", "0123456")
            .env("ARGOCD_APP_SOURCE_PATH", "platform/spaces")
            .env(
                "ARGOCD_APP_SOURCE_REPO_URL",
                "https://git.example.com/platform/gitops.git",
            )
            .env("ARGOCD_APP_SOURCE_TARGET_REVISION", "main")
            .env("KUBE_VERSION", "1.33.0")
            .env("KUBE_API_VERSIONS", API_VERSIONS)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = command.spawn().expect("sh runs");
        wait_with_timeout(child)
    }
}

const API_VERSIONS: &str = "v1,apps/v1,batch/v1,networking.k8s.io/v1,gateway.networking.k8s.io/v1,gateway.networking.k8s.io/v1alpha2,cilium.io/v2";

fn wait_with_timeout(mut child: std::process::Child) -> Output {
    // Drain the pipes while waiting: a full pipe would block the child.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut buf).map(|_| buf)
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut buf).map(|_| buf)
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("a plugin command ran longer than Argo CD's {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().expect("reader").expect("read stdout"),
        stderr: err.join().expect("reader").expect("read stderr"),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The Application's variables for a case's post-renderer arguments: `--cloud=aws`
/// becomes `ARGOCD_ENV_SPACES_EXPOSE_CLOUD=aws` (controllers joined with commas).
fn application_env(args: &[String]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = Vec::new();
    for arg in args {
        let (flag, value) = arg
            .strip_prefix("--")
            .and_then(|a| a.split_once('='))
            .unwrap_or_else(|| panic!("a case argument without a value: {arg}"));
        let name = format!("ARGOCD_ENV_SPACES_EXPOSE_{}", flag.to_uppercase());
        match env.iter_mut().find(|(k, _)| *k == name) {
            Some((_, v)) => {
                v.push(',');
                v.push_str(value);
            }
            None => env.push((name, value.to_string())),
        }
    }
    env
}

/// Helm 4's home with the post-renderer plugin installed from this checkout.
fn helm4_home(helm4: &Path) -> &'static Path {
    static HOME: OnceLock<tempfile::TempDir> = OnceLock::new();
    HOME.get_or_init(|| {
        let home = tempfile::tempdir().expect("temp dir");
        install_plugin(helm4, home.path());
        home
    })
    .path()
}

/// `helm template --post-renderer` with the same values and options.
fn post_rendered(
    sidecar: &Sidecar,
    helm4: bool,
    app: &Path,
    values: &str,
    args: &[String],
) -> Output {
    let own = tempfile::tempdir().expect("temp dir");
    let (home, renderer) = if helm4 {
        (helm4_home(&sidecar.helm), "spaces-expose".to_string())
    } else {
        (own.path(), binary().display().to_string())
    };
    let mut cmd = helm(&sidecar.helm, home);
    cmd.current_dir(app)
        .args([
            "template",
            "spaces",
            ".",
            "--namespace",
            "upbound-system",
            "--include-crds",
        ])
        .arg("--kube-version=1.33.0")
        .arg(format!("--api-versions={API_VERSIONS}"))
        .args(["--post-renderer", &renderer])
        .arg("--post-renderer-args=--namespace=upbound-system");
    for arg in args {
        cmd.arg(format!("--post-renderer-args={arg}"));
    }
    if !values.is_empty() {
        let file = app.join("ci").join(values);
        cmd.arg("--values").arg(&file);
        cmd.arg(format!("--post-renderer-args=--values={}", file.display()));
    }
    cmd.output().expect("helm runs")
}

/// Variables from string pairs.
fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A sidecar with the first Helm found, for the tests that need only one.
fn any_sidecar() -> Option<Sidecar> {
    helms().first().map(|(_, helm)| Sidecar::new(helm))
}

fn helms() -> Vec<(&'static str, PathBuf)> {
    [("Helm 3", "helm3/helm"), ("Helm 4", "helm4/helm")]
        .into_iter()
        .filter_map(|(name, rel)| tool(rel).map(|p| (name, p)))
        .collect()
}

#[test]
fn generate_means_what_helm_post_renderer_gives_for_every_case() {
    let p = plugin();
    let mut failures = Vec::new();
    for (name, helm_bin) in helms() {
        let sidecar = Sidecar::new(&helm_bin);
        for case in helm_cases() {
            let label = format!("{} ({name})", case.name);
            let app = sidecar.checkout();
            let mut env = application_env(&case.args);
            if !case.values.is_empty() {
                env.push(("PARAM_VALUES_FILES_0".into(), format!("ci/{}", case.values)));
            }
            let discovered = sidecar.run(&p.spec.discover.find.command, &app, &env);
            assert!(
                discovered.status.success() && !discovered.stdout.is_empty(),
                "{label}: discover did not match the chart: {}",
                text(&discovered.stderr)
            );
            let init = sidecar.run(&p.spec.init, &app, &env);
            assert!(
                init.status.success(),
                "{label}: init failed: {}",
                text(&init.stderr)
            );
            let generated = sidecar.run(&p.spec.generate, &app, &env);
            let reference =
                post_rendered(&sidecar, name == "Helm 4", &app, &case.values, &case.args);
            match (generated.status.success(), reference.status.success()) {
                (true, true) => {
                    let (got, want) = (text(&generated.stdout), text(&reference.stdout));
                    assert!(objects(&got).len() > 3, "{label}: generate printed {got}");
                    if objects(&got) != objects(&want) {
                        failures.push(format!(
                            "{label}: generate differs from helm --post-renderer\n--- generate\n{got}\n--- helm\n{want}"
                        ));
                    }
                }
                (false, false) => {
                    // Render refused this case: the sync must fail, with nothing to apply.
                    if !generated.stdout.is_empty() {
                        failures.push(format!("{label}: generate failed but printed {}", text(&generated.stdout)));
                    }
                    if !text(&generated.stderr).contains("spaces-expose: error") {
                        failures.push(format!("{label}: no error on stderr: {}", text(&generated.stderr)));
                    }
                }
                (got, want) => failures.push(format!(
                    "{label}: generate succeeded={got}, helm --post-renderer succeeded={want}\n{}{}",
                    text(&generated.stderr),
                    text(&reference.stderr)
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every way generate can fail leaves stdout empty and says why on stderr.
#[test]
fn generate_fails_with_nothing_on_stdout() {
    let p = plugin();
    for (name, helm_bin) in helms() {
        let sidecar = Sidecar::new(&helm_bin);
        for (what, env, says) in [
            ("no cloud", vars(&[]), "--cloud"),
            (
                "a bad cloud",
                vars(&[("ARGOCD_ENV_SPACES_EXPOSE_CLOUD", "mars")]),
                "mars",
            ),
            (
                "a bad parameter",
                vars(&[
                    ("ARGOCD_ENV_SPACES_EXPOSE_CLOUD", "aws"),
                    ("PARAM_MODE", "l7"),
                ]),
                "l7",
            ),
            (
                "a missing values file",
                vars(&[
                    ("ARGOCD_ENV_SPACES_EXPOSE_CLOUD", "aws"),
                    ("PARAM_VALUES_FILES_0", "ci/nope.yaml"),
                ]),
                "nope.yaml",
            ),
            (
                "an L7-only Ingress class",
                vars(&[
                    ("ARGOCD_ENV_SPACES_EXPOSE_CLOUD", "aws"),
                    ("PARAM_VALUES_FILES_0", "alb.yaml"),
                ]),
                "Ingress class \"alb\"",
            ),
        ] {
            let app = sidecar.checkout();
            std::fs::write(
                app.join("alb.yaml"),
                "ingress:\n  provision: true\n  ingressClassName: alb\n",
            )
            .expect("write values");
            let out = sidecar.run(&p.spec.generate, &app, &env);
            let label = format!("{what} ({name})");
            assert!(
                !out.status.success(),
                "{label}: generate succeeded:\n{}",
                text(&out.stdout)
            );
            assert!(
                out.stdout.is_empty(),
                "{label}: stdout: {}",
                text(&out.stdout)
            );
            assert!(
                text(&out.stderr).contains(says),
                "{label}: stderr: {}",
                text(&out.stderr)
            );
        }
        // A chart that renders nothing would make Argo CD prune the whole Application.
        let app = sidecar.checkout();
        for entry in std::fs::read_dir(app.join("templates")).expect("templates") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                std::fs::remove_dir_all(path).expect("rm");
            } else {
                std::fs::remove_file(path).expect("rm");
            }
        }
        let out = sidecar.run(
            &p.spec.generate,
            &app,
            &vars(&[("ARGOCD_ENV_SPACES_EXPOSE_CLOUD", "aws")]),
        );
        assert!(
            !out.status.success() && out.stdout.is_empty(),
            "{name}: empty chart accepted"
        );
        assert!(
            text(&out.stderr).contains("no resources"),
            "{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn parameters_win_over_the_application_env() {
    let p = plugin();
    let Some(sidecar) = any_sidecar() else {
        return;
    };
    let app = sidecar.checkout();
    let vars = vars(&[
        ("ARGOCD_ENV_SPACES_EXPOSE_CLOUD", "aws"),
        ("PARAM_CLOUD", "gcp"),
        ("PARAM_VALUES_FILES_0", "ci/gcp.yaml"),
    ]);
    let out = sidecar.run(&p.spec.generate, &app, &vars);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("cloud.google.com/l4-rbs"), "{stdout}");
    assert!(!stdout.contains("aws-load-balancer-type"), "{stdout}");
}

#[test]
fn discover_ignores_other_charts() {
    let p = plugin();
    let Some(sidecar) = any_sidecar() else {
        return;
    };
    let app = sidecar.checkout();
    let chart = std::fs::read_to_string(app.join("Chart.yaml")).expect("Chart.yaml");
    std::fs::write(
        app.join("Chart.yaml"),
        chart.replace("name: spaces", "name: guestbook"),
    )
    .expect("write");
    let out = sidecar.run(&p.spec.discover.find.command, &app, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
}

/// An umbrella chart that depends on the Spaces chart (as a deployment from Git does):
/// init builds the dependency, generate renders through it.
#[test]
fn umbrella_chart_dependency_is_fetched_by_init() {
    let p = plugin();
    let Some(sidecar) = any_sidecar() else {
        return;
    };
    let app = sidecar.dir.path().join("umbrella");
    std::fs::create_dir_all(&app).expect("mkdir");
    std::fs::write(
        app.join("Chart.yaml"),
        format!(
            "apiVersion: v2\nname: platform-spaces\nversion: 0.1.0\ndependencies:\n  - name: spaces\n    version: 1.16.0\n    repository: file://{}\n",
            root().join("testdata/charts/spaces").display()
        ),
    )
    .expect("write Chart.yaml");
    std::fs::write(
        app.join("values.yaml"),
        "spaces:\n  router:\n    proxy:\n      service:\n        type: LoadBalancer\n",
    )
    .expect("write values");
    let env = vars(&[
        ("ARGOCD_ENV_SPACES_EXPOSE_CLOUD", "aws"),
        ("PARAM_VALUES_FILES_0", "values.yaml"),
    ]);
    let discovered = sidecar.run(&p.spec.discover.find.command, &app, &env);
    assert!(
        !discovered.stdout.is_empty(),
        "an umbrella chart of spaces is not discovered"
    );
    let init = sidecar.run(&p.spec.init, &app, &env);
    assert!(init.status.success(), "init: {}", text(&init.stderr));
    assert!(
        app.join("charts/spaces-1.16.0.tgz").is_file(),
        "init did not build the dependency"
    );
    let out = sidecar.run(&p.spec.generate, &app, &env);
    assert!(out.status.success(), "generate: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("aws-load-balancer-nlb-target-type"),
        "{stdout}"
    );
}

/// The kustomize Component adds the plugin sidecar to an Argo CD install (here a stand-in
/// argocd-repo-server with the volumes Argo CD's manifests define) and its ConfigMap.
#[test]
fn component_adds_the_sidecar_to_argocd_repo_server() {
    let Some(kubectl) = tool("kubectl") else {
        return;
    };
    // Inside the checkout: kustomize takes a component only by a relative path.
    let work = tempfile::tempdir_in(root().join("target")).expect("temp dir");
    std::fs::write(
        work.path().join("repo-server.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: argocd-repo-server\nspec:\n  selector:\n    matchLabels: {app.kubernetes.io/name: argocd-repo-server}\n  template:\n    metadata:\n      labels: {app.kubernetes.io/name: argocd-repo-server}\n    spec:\n      containers:\n        - name: argocd-repo-server\n          image: quay.io/argoproj/argocd:v3.1.0\n      volumes:\n        - {name: var-files, emptyDir: {}}\n        - {name: plugins, emptyDir: {}}\n",
    )
    .expect("write");
    std::fs::write(
        work.path().join("kustomization.yaml"),
        "namespace: argocd\nresources: [repo-server.yaml]\ncomponents: [../../integrations/argocd]\n",
    )
    .expect("write");
    let out = Command::new(kubectl)
        .arg("kustomize")
        .arg(work.path())
        .output()
        .expect("kubectl runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let docs = objects(&text(&out.stdout));
    let config_map = docs
        .iter()
        .find(|d| d["kind"] == "ConfigMap")
        .expect("the plugin ConfigMap");
    assert_eq!(config_map["metadata"]["name"], "spaces-expose-cmp");
    let plugin_yaml = std::fs::read_to_string(root().join("integrations/argocd/plugin.yaml"))
        .expect("plugin.yaml");
    assert_eq!(config_map["data"]["plugin.yaml"], plugin_yaml.as_str());
    let pod = &docs
        .iter()
        .find(|d| d["kind"] == "Deployment")
        .expect("the repo server")["spec"]["template"]["spec"];
    let containers = pod["containers"].as_array().expect("containers");
    assert_eq!(containers.len(), 2, "{containers:?}");
    let sidecar = containers
        .iter()
        .find(|c| c["name"] == "spaces-expose")
        .expect("the sidecar");
    assert_eq!(sidecar["command"][0], "/var/run/argocd/argocd-cmp-server");
    assert_eq!(sidecar["securityContext"]["runAsUser"], 999);
    let mounts = sidecar["volumeMounts"].as_array().expect("mounts");
    let mounted = |path: &str| mounts.iter().find(|m| m["mountPath"] == path).cloned();
    let config = mounted("/home/argocd/cmp-server/config/plugin.yaml").expect("plugin.yaml mount");
    assert_eq!(config["subPath"], "plugin.yaml");
    assert_eq!(config["name"], "spaces-expose-cmp");
    assert!(
        mounted("/var/run/argocd").is_some()
            && mounted("/home/argocd/cmp-server/plugins").is_some()
    );
    let volumes: Vec<&str> = pod["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    for m in mounts {
        let name = m["name"].as_str().expect("a mount's volume");
        assert!(
            volumes.contains(&name),
            "mount of undefined volume {name}: {volumes:?}"
        );
    }
}

/// The example Application names this plugin and sets only variables spaces-expose reads.
#[test]
fn example_application_uses_the_plugin() {
    let text = std::fs::read_to_string(root().join("integrations/argocd/application.yaml"))
        .expect("application.yaml");
    let app: serde_json::Value = serde_saphyr::from_str(&text).expect("parses");
    assert_eq!(app["apiVersion"], "argoproj.io/v1alpha1");
    assert_eq!(app["kind"], "Application");
    let source_plugin = &app["spec"]["source"]["plugin"];
    assert_eq!(source_plugin["name"], plugin().metadata.name.as_str());
    let help = text_of(common::gitops::bin().args(["--help"]));
    for var in source_plugin["env"].as_array().expect("env") {
        let name = var["name"].as_str().expect("name");
        assert!(
            help.contains(&format!("env: {name}")),
            "{name} is not read by spaces-expose"
        );
    }
    let announced: Vec<&str> = plugin()
        .spec
        .parameters
        .announced
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    for param in source_plugin["parameters"].as_array().expect("parameters") {
        let name = param["name"].as_str().expect("name");
        assert!(
            announced.contains(&name),
            "parameter {name} is not announced"
        );
    }
}

fn text_of(cmd: &mut Command) -> String {
    text(&cmd.output().expect("runs").stdout)
}
