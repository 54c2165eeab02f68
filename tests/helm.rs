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

mod common;

use common::root;

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
    /// Its path under `target/tools/`.
    fn tool(self) -> &'static str {
        match self {
            Helm::V3 => "helm3/helm",
            Helm::V4 => "helm4/helm",
        }
    }

    /// The binary, or `None` (test skipped) outside CI when it is missing.
    fn available(self) -> Option<PathBuf> {
        common::tool(self.tool())
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

/// The source plugin's files (plugin.yaml and its hook) copied into `<dir>/spaces-expose`, so
/// a test install writes its `bin/` there and never into the checkout: a plugin a developer
/// installed from the checkout must not end up running the tests' debug build.
fn source_plugin_copy(dir: &Path) -> PathBuf {
    let plugin = dir.join("spaces-expose");
    std::fs::create_dir_all(plugin.join("scripts")).expect("create plugin copy");
    for file in ["plugin.yaml", "scripts/install-plugin-binary.sh"] {
        std::fs::copy(root().join(file), plugin.join(file)).expect("copy plugin file");
    }
    plugin
}

/// Helm 4's home with the source plugin installed (once per test run), its hook given the
/// test binary through `SPACES_EXPOSE_BINARY`.
fn helm4_home(helm: &Path) -> &'static HelmHome {
    static HOME: OnceLock<HelmHome> = OnceLock::new();
    HOME.get_or_init(|| {
        let home = HelmHome::new();
        let plugin = source_plugin_copy(home.dir.path());
        home.plugin(
            helm,
            &["install"],
            &[&plugin],
            &[("SPACES_EXPOSE_BINARY", &binary())],
        )
        .expect_ok("helm plugin install");
        let list = home
            .plugin(helm, &["list"], &[], &[])
            .expect_ok("helm plugin list");
        assert!(
            list.contains("spaces-expose") && list.contains("postrenderer/v1"),
            "{list}"
        );
        home
    })
}

impl HelmHome {
    /// `helm plugin <verb> <args>` with extra environment.
    fn plugin(&self, helm: &Path, verb: &[&str], args: &[&Path], env: &[(&str, &Path)]) -> Outcome {
        let mut cmd = self.command(helm);
        cmd.arg("plugin").args(verb).args(args);
        for (key, value) in env {
            cmd.env(key, value);
        }
        Outcome::of(&mut cmd)
    }

    /// `helm template` of the fixture chart (AWS values) through the installed plugin.
    fn template_through_plugin(&self, helm: &Path, env: &[(&str, &Path)]) -> Outcome {
        let mut cmd = self.command(helm);
        cmd.args(["template", RELEASE])
            .arg(chart())
            .args(["-n", NAMESPACE, "--post-renderer", "spaces-expose"])
            .arg("--post-renderer-args=--cloud=aws")
            .arg("-f")
            .arg(chart().join("ci/aws.yaml"));
        for (key, value) in env {
            cmd.env(key, value);
        }
        Outcome::of(&mut cmd)
    }

    /// Where Helm keeps the installed plugin (a symlink for a directory install).
    fn installed_plugin(&self) -> PathBuf {
        self.dir.path().join("data/plugins/spaces-expose")
    }
}

struct Outcome {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Outcome {
    fn of(cmd: &mut Command) -> Outcome {
        let out = cmd.output().expect("command runs");
        Outcome {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Stdout, after asserting success.
    fn expect_ok(self, what: &str) -> String {
        assert!(self.ok, "{what} failed:\n{}{}", self.stdout, self.stderr);
        self.stdout
    }
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
    Some(Outcome::of(&mut cmd))
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

/// A stand-in for the binary a build or a release produces: records `tag` in `marker` each
/// time it runs, then runs the real binary.
fn tagged_binary(dir: &Path, tag: &str, marker: &Path) -> PathBuf {
    let path = dir.join(format!("spaces-expose-{tag}"));
    let script = format!(
        "#!/bin/sh\necho {tag} >> '{}'\nexec '{}' \"$@\"\n",
        marker.display(),
        binary().display()
    );
    std::fs::write(&path, script).expect("write stand-in binary");
    make_executable(&path);
    path
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// Renders through the installed plugin and returns the tag of the binary Helm ran.
fn tag_helm_runs(home: &HelmHome, helm: &Path, marker: &Path) -> String {
    let _ = std::fs::remove_file(marker);
    let out = home
        .template_through_plugin(helm, &[])
        .expect_ok("helm template");
    assert!(out.contains("aws-load-balancer-type"), "{out}");
    let ran = std::fs::read_to_string(marker).expect("the plugin binary ran");
    ran.lines().last().unwrap_or_default().to_string()
}

/// A `cargo` for the hook to call: `cargo build … --target-dir DIR` writes a tagged stand-in
/// binary as DIR/release/spaces-expose (tag from `$FAKE_BUILD`), or fails when
/// `$FAKE_BUILD=fail`. Returns a PATH with it first.
fn fake_cargo_path(dir: &Path, marker: &Path) -> PathBuf {
    let bin = dir.join("fake-cargo");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let script = format!(
        r#"#!/bin/sh
if [ "$FAKE_BUILD" = fail ]; then echo "error: could not compile spaces-expose (fake cargo)" >&2; exit 101; fi
while [ $# -gt 0 ]; do [ "$1" = --target-dir ] && out=$2; shift; done
mkdir -p "$out/release"
printf '#!/bin/sh
echo %s >> "{}"
exec "{}" "$@"
' "$FAKE_BUILD" > "$out/release/spaces-expose"
chmod 755 "$out/release/spaces-expose"
"#,
        marker.display(),
        binary().display()
    );
    std::fs::write(bin.join("cargo"), script).expect("write fake cargo");
    make_executable(&bin.join("cargo"));
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![bin];
    dirs.extend(std::env::split_paths(&path));
    PathBuf::from(std::env::join_paths(dirs).expect("PATH"))
}

/// A source plugin like a checkout (the hook builds with cargo because Cargo.toml is there),
/// a fake cargo on PATH and a fresh Helm home.
struct SourceInstall {
    home: HelmHome,
    marker: PathBuf,
    plugin: PathBuf,
    path: PathBuf,
}

impl SourceInstall {
    fn new() -> Self {
        let home = HelmHome::new();
        let work = home.dir.path();
        let marker = work.join("ran");
        let plugin = source_plugin_copy(work);
        std::fs::write(
            plugin.join("Cargo.toml"),
            "# stands for the checkout's manifest\n",
        )
        .expect("write Cargo.toml");
        let path = fake_cargo_path(work, &marker);
        SourceInstall {
            home,
            marker,
            plugin,
            path,
        }
    }

    /// `helm plugin install` of the source tree, the fake cargo building `build`.
    fn install(&self, helm: &Path, build: &str) -> Outcome {
        let env: [(&str, &Path); 2] = [("PATH", &self.path), ("FAKE_BUILD", Path::new(build))];
        self.home.plugin(helm, &["install"], &[&self.plugin], &env)
    }

    fn tag_helm_runs(&self, helm: &Path) -> String {
        tag_helm_runs(&self.home, helm, &self.marker)
    }
}

/// The test install (like every install from a copy) leaves the checkout's `bin/` alone, so
/// a plugin installed from the checkout keeps running its own build.
#[test]
fn helm4_test_install_lives_outside_the_checkout() {
    let Some(helm) = Helm::V4.available() else {
        return;
    };
    let home = helm4_home(&helm);
    let installed = std::fs::canonicalize(home.installed_plugin()).expect("plugin installed");
    let checkout = std::fs::canonicalize(root()).expect("checkout");
    assert!(
        !installed.starts_with(&checkout),
        "the test plugin is {}, inside the checkout",
        installed.display()
    );
    assert!(installed.join("bin/spaces-expose").is_file());
}

/// Uninstall and install again from a source tree: the hook builds again and Helm runs the
/// new binary, never a `bin/spaces-expose` left from the first install.
#[test]
fn helm4_reinstall_from_source_runs_the_new_build() {
    let Some(helm) = Helm::V4.available() else {
        return;
    };
    let source = SourceInstall::new();
    for build in ["first", "second"] {
        source.install(&helm, build).expect_ok(build);
        assert_eq!(source.tag_helm_runs(&helm), build);
        source
            .home
            .plugin(&helm, &["uninstall", "spaces-expose"], &[], &[])
            .expect_ok("helm plugin uninstall");
    }
}

/// A failing install hook (here the build) leaves no plugin registered, says so, leaves the
/// source tree alone, and the same install works once the build does.
#[test]
fn helm4_failed_install_hook_leaves_nothing_registered() {
    let Some(helm) = Helm::V4.available() else {
        return;
    };
    let source = SourceInstall::new();
    let out = source.install(&helm, "fail");
    assert!(!out.ok, "the install succeeded without a binary");
    assert!(
        out.stderr.contains("removed the half-installed plugin")
            && out
                .stderr
                .contains("run the same 'helm plugin install' again"),
        "{}",
        out.stderr
    );
    let installed = source.home.installed_plugin();
    assert!(
        std::fs::symlink_metadata(&installed).is_err(),
        "a half-installed plugin is left at {}",
        installed.display()
    );
    let list = source
        .home
        .plugin(&helm, &["list"], &[], &[])
        .expect_ok("helm plugin list");
    assert!(!list.contains("spaces-expose"), "{list}");
    assert!(
        source.plugin.join("plugin.yaml").is_file(),
        "the source tree was removed"
    );

    source
        .install(&helm, "fixed")
        .expect_ok("install after the fix");
    assert_eq!(source.tag_helm_runs(&helm), "fixed");
}

/// Archives from `scripts/package.sh`: Helm 4.1 refuses a second install over the first
/// ("plugin already exists") and cannot `update` an archive plugin; uninstall then install
/// (what the README says) runs the new binary.
#[test]
fn helm4_archive_upgrade_is_uninstall_then_install() {
    let Some(helm) = Helm::V4.available() else {
        return;
    };
    let home = HelmHome::new();
    let work = home.dir.path();
    let marker = work.join("ran");
    let mut archives = Vec::new();
    for tag in ["old", "new"] {
        let out = work.join(tag);
        let stand_in = tagged_binary(work, tag, &marker);
        let packaged = Outcome::of(
            Command::new(root().join("scripts/package.sh"))
                .arg("--out")
                .arg(&out)
                .arg(format!("linux-amd64={}", stand_in.display())),
        )
        .expect_ok("scripts/package.sh");
        archives.push(PathBuf::from(packaged.trim()));
    }
    let install = |archive: &Path| {
        let mut cmd = home.command(&helm);
        cmd.args(["plugin", "install"])
            .arg(archive)
            .arg("--verify=false");
        Outcome::of(&mut cmd)
    };
    install(&archives[0]).expect_ok("install of the first archive");
    assert_eq!(tag_helm_runs(&home, &helm, &marker), "old");

    let again = install(&archives[1]);
    assert!(
        !again.ok && again.stderr.contains("plugin already exists"),
        "{}",
        again.stderr
    );
    let update = home.plugin(&helm, &["update", "spaces-expose"], &[], &[]);
    assert!(
        !update.ok,
        "helm plugin update now works on archives: {}",
        update.stdout
    );
    assert_eq!(tag_helm_runs(&home, &helm, &marker), "old");

    home.plugin(&helm, &["uninstall", "spaces-expose"], &[], &[])
        .expect_ok("helm plugin uninstall");
    install(&archives[1]).expect_ok("install of the second archive");
    assert_eq!(tag_helm_runs(&home, &helm, &marker), "new");
}

/// A git install (here from a `file://` URL; Helm 4.1 needs `--verify=false` for any git
/// source): `helm plugin update` pulls and its hook installs the new binary; a failed install
/// hook removes Helm's copy of the clone and leaves the repository alone.
#[test]
fn helm4_git_install_updates_and_cleans_up_after_a_failed_hook() {
    let Some(helm) = Helm::V4.available() else {
        return;
    };
    let home = HelmHome::new();
    let work = home.dir.path();
    let marker = work.join("ran");
    let repo = source_plugin_copy(&work.join("repo"));
    let git = |args: &[&str]| {
        let mut cmd = Command::new("git");
        cmd.args([
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args(args)
        .current_dir(&repo);
        Outcome::of(&mut cmd).expect_ok("git");
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "first"]);
    let url = PathBuf::from(format!("file://{}", repo.display()));
    let install = |binary: &Path| {
        let env: [(&str, &Path); 1] = [("SPACES_EXPOSE_BINARY", binary)];
        home.plugin(&helm, &["install", "--verify=false"], &[&url], &env)
    };

    install(&tagged_binary(work, "cloned", &marker)).expect_ok("git install");
    assert_eq!(tag_helm_runs(&home, &helm, &marker), "cloned");
    std::fs::write(repo.join("NEWS"), "a change upstream\n").expect("write");
    git(&["add", "NEWS"]);
    git(&["commit", "-q", "-m", "second"]);
    let pulled: [(&str, &Path); 1] = [(
        "SPACES_EXPOSE_BINARY",
        &tagged_binary(work, "pulled", &marker),
    )];
    home.plugin(&helm, &["update", "spaces-expose"], &[], &pulled)
        .expect_ok("helm plugin update");
    assert!(home.installed_plugin().join("NEWS").is_file(), "not pulled");
    assert_eq!(tag_helm_runs(&home, &helm, &marker), "pulled");

    home.plugin(&helm, &["uninstall", "spaces-expose"], &[], &[])
        .expect_ok("helm plugin uninstall");
    let failed = install(&work.join("no-such-binary"));
    assert!(!failed.ok, "installed without a binary");
    assert!(
        failed.stderr.contains("removed the half-installed plugin"),
        "{}",
        failed.stderr
    );
    assert!(!home.installed_plugin().exists(), "Helm's clone is left");
    assert!(repo.join(".git").is_dir() && repo.join("plugin.yaml").is_file());
}
