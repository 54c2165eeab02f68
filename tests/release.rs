//! The release as a user gets it: `scripts/release.sh` builds the linux amd64 and arm64 (musl)
//! binaries and the Helm 4 plugin archive, signed with a throw-away GnuPG key made here; the
//! arm64 binary runs under qemu user emulation and must render like the amd64 one; Helm 4
//! installs the signed archive with verification on from a file, from an HTTP server and from
//! an OCI registry (Debian's `docker-registry`), all on 127.0.0.1, and renders the fixture
//! chart through it. The full five-platform release is `scripts/release.sh` itself.
//!
//! The release build takes minutes, so these tests run under CI (`CI=true`, where
//! `scripts/install-test-packages.sh` has installed qemu, docker-registry and GnuPG) or with
//! `SPACES_EXPOSE_RELEASE_TESTS=1`, and skip with a message otherwise. The version checks
//! always run. `SPACES_EXPOSE_RELEASE_PLATFORMS=all` builds all five platforms and checks the
//! macOS and Windows headers too.

// Skips and the release build time are reported on stderr.
#![allow(clippy::print_stderr)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const VERSION: &str = env!("CARGO_PKG_VERSION");
/// What CI builds: the host, and the one cross target it can run (under qemu).
/// `SPACES_EXPOSE_RELEASE_PLATFORMS` (a comma list, or `all`) builds more here.
const CI_PLATFORMS: &str = "linux-amd64,linux-arm64";
const ALL_PLATFORMS: &str = "linux-amd64,linux-arm64,darwin-amd64,darwin-arm64,windows-amd64";

fn platforms() -> String {
    match std::env::var("SPACES_EXPOSE_RELEASE_PLATFORMS").as_deref() {
        Ok("all") => ALL_PLATFORMS.to_string(),
        Ok(list) if !list.is_empty() => list.to_string(),
        _ => CI_PLATFORMS.to_string(),
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

fn enabled() -> bool {
    if in_ci() || std::env::var("SPACES_EXPOSE_RELEASE_TESTS").as_deref() == Ok("1") {
        return true;
    }
    eprintln!("skipped: release tests run under CI=true or SPACES_EXPOSE_RELEASE_TESTS=1");
    false
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("{:?} did not start: {e}", cmd.get_program()))
}

fn ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// A program from Debian's packages, required under CI.
fn tool(names: &[&str]) -> Option<PathBuf> {
    let found = on_path(names);
    if found.is_none() {
        assert!(
            !in_ci(),
            "{names:?} missing: CI must run scripts/install-test-packages.sh"
        );
        eprintln!("skipped: none of {names:?} is installed");
    }
    found
}

#[test]
fn cargo_toml_plugin_yaml_and_changelog_agree_on_the_version() {
    let plugin = read("plugin.yaml");
    let plugin_version = plugin
        .lines()
        .find_map(|line| line.strip_prefix("version: "))
        .expect("plugin.yaml has a version");
    assert_eq!(plugin_version.trim(), VERSION, "plugin.yaml vs Cargo.toml");
    let changelog = read("CHANGELOG.md");
    let newest = changelog
        .lines()
        .find_map(|line| line.strip_prefix("## "))
        .expect("CHANGELOG.md has an entry");
    assert!(
        newest.starts_with(&format!("{VERSION} ")) || newest == VERSION,
        "the newest CHANGELOG.md entry is {newest:?}, Cargo.toml says {VERSION}"
    );
}

/// Every tag the docs tell users to pin is this version's tag, `v<version>`.
#[test]
fn docs_pin_the_release_tag() {
    let tag = format!("v{VERSION}");
    for doc in ["docs/ci.md", "README.md", "docs/install.md"] {
        for (n, line) in read(doc).lines().enumerate() {
            for pin in [
                "rev: ",
                "--version ",
                "--tag ",
                "download/",
                "spaces-expose:",
                "spaces-expose-",
                "V=",
            ] {
                for (_, rest) in line
                    .match_indices(pin)
                    .map(|(i, _)| line.split_at(i + pin.len()))
                {
                    let value: String = rest
                        .trim_start_matches('v')
                        .chars()
                        .take_while(|c| c.is_ascii_digit() || *c == '.')
                        .collect();
                    let value = value.trim_end_matches('.');
                    if value.contains('.') {
                        assert_eq!(value, VERSION, "{doc}:{}: {line}", n + 1);
                    }
                    if rest.starts_with('v') && value.contains('.') {
                        assert!(rest.starts_with(&tag), "{doc}:{}: {line}", n + 1);
                    }
                }
            }
        }
    }
}

/// Without a key the release script stops at once and says what to do.
#[test]
fn release_refuses_to_sign_without_a_key() {
    let out_dir = tempfile::tempdir().expect("temp dir");
    let out = run(Command::new(root().join("scripts/release.sh"))
        .arg("--out")
        .arg(out_dir.path())
        .env_remove("SPACES_EXPOSE_SIGNING_KEY"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "release.sh built without a key");
    assert!(
        stderr.contains("SPACES_EXPOSE_SIGNING_KEY") && stderr.contains("--unsigned"),
        "{stderr}"
    );
    assert!(
        std::fs::read_dir(out_dir.path())
            .expect("out dir")
            .next()
            .is_none(),
        "release.sh wrote artifacts without a key"
    );
}

/// The release built once for all tests: artifacts in `out`, the signing key's GnuPG home.
struct Release {
    _gnupg: tempfile::TempDir,
    out: tempfile::TempDir,
}

impl Release {
    fn file(&self, name: &str) -> PathBuf {
        self.out.path().join(name)
    }

    fn archive(&self) -> PathBuf {
        self.file(&format!("spaces-expose-{VERSION}.tgz"))
    }

    fn binary(&self, platform: &str) -> PathBuf {
        let exe = if platform.starts_with("windows-") {
            ".exe"
        } else {
            ""
        };
        self.file(&format!("spaces-expose-{VERSION}-{platform}{exe}"))
    }

    /// The binary, when this run built that platform.
    fn built(&self, platform: &str) -> Option<PathBuf> {
        let binary = self.binary(platform);
        if binary.is_file() {
            return Some(binary);
        }
        eprintln!("skipped: {platform} not built (SPACES_EXPOSE_RELEASE_PLATFORMS)");
        None
    }

    /// The public key the release ships, in the keyring format Helm reads.
    fn keyring(&self) -> PathBuf {
        self.file("spaces-expose-signing-key.gpg")
    }
}

/// The release, built on first use. A failed build is kept as its error, so the other tests
/// fail with it instead of building again.
fn release() -> Option<&'static Release> {
    static RELEASE: OnceLock<Result<Option<Release>, String>> = OnceLock::new();
    match RELEASE.get_or_init(build_release) {
        Ok(release) => release.as_ref(),
        Err(error) => panic!("{error}"),
    }
}

fn build_release() -> Result<Option<Release>, String> {
    if !enabled() || tool(&["gpg"]).is_none() {
        return Ok(None);
    }
    let gnupg = tempfile::tempdir().map_err(|e| e.to_string())?;
    let uid = "spaces-expose release test <release-test@example.invalid>";
    let made = run(Command::new("gpg")
        .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
        .args(["--quick-generate-key", uid, "rsa3072", "sign", "1d"])
        .env("GNUPGHOME", gnupg.path()));
    let out = tempfile::tempdir().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let built = made.status.success().then(|| {
        run(Command::new(root().join("scripts/release.sh"))
            .args(["--platforms", &platforms(), "--out"])
            .arg(out.path())
            .env("GNUPGHOME", gnupg.path())
            .env("SPACES_EXPOSE_SIGNING_KEY", "release-test@example.invalid"))
    });
    // gpg started an agent for this home: end it, whatever happened.
    let _ = Command::new("gpgconf")
        .args(["--kill", "gpg-agent"])
        .env("GNUPGHOME", gnupg.path())
        .status();
    let Some(built) = built else {
        return Err(format!(
            "gpg could not make a test key:\n{}",
            String::from_utf8_lossy(&made.stderr)
        ));
    };
    if !built.status.success() {
        return Err(format!(
            "scripts/release.sh failed:\n{}",
            String::from_utf8_lossy(&built.stderr)
        ));
    }
    eprintln!(
        "release.sh --platforms {}: {:.0?}",
        platforms(),
        started.elapsed()
    );
    Ok(Some(Release { _gnupg: gnupg, out }))
}

#[test]
fn release_artifacts_match_their_checksums() {
    let Some(release) = release() else {
        return;
    };
    let sums = std::fs::read_to_string(release.file("SHA256SUMS")).expect("SHA256SUMS");
    for name in [
        format!("spaces-expose-{VERSION}-linux-amd64"),
        format!("spaces-expose-{VERSION}-linux-arm64"),
        format!("spaces-expose-{VERSION}.tgz"),
        format!("spaces-expose-{VERSION}.tgz.prov"),
        "spaces-expose-signing-key.gpg".to_string(),
        "BUILD-INFO.txt".to_string(),
    ] {
        assert!(
            sums.lines().any(|l| l.ends_with(&format!("  {name}"))),
            "{name} not in SHA256SUMS:\n{sums}"
        );
    }
    ok(Command::new("sha256sum")
        .args(["--check", "--strict", "SHA256SUMS"])
        .current_dir(release.out.path()));
    let info = std::fs::read_to_string(release.file("BUILD-INFO.txt")).expect("BUILD-INFO");
    assert!(
        info.contains("cargo-zigbuild") && info.contains("rustc"),
        "{info}"
    );
}

#[test]
fn plugin_archive_holds_a_binary_per_platform() {
    let Some(release) = release() else {
        return;
    };
    let listing = ok(Command::new("tar").arg("-tzf").arg(release.archive()));
    for member in [
        "spaces-expose/plugin.yaml",
        "spaces-expose/LICENSE",
        "spaces-expose/bin/linux-amd64/spaces-expose",
        "spaces-expose/bin/linux-arm64/spaces-expose",
    ] {
        assert!(listing.lines().any(|l| l == member), "{member}:\n{listing}");
    }
    let plugin = ok(Command::new("tar")
        .arg("-xzOf")
        .arg(release.archive())
        .arg("spaces-expose/plugin.yaml"));
    for (os, arch) in [("linux", "amd64"), ("linux", "arm64")] {
        let entry = format!(
            "- os: {os}\n      arch: {arch}\n      command: ${{HELM_PLUGIN_DIR}}/bin/{os}-{arch}/spaces-expose\n"
        );
        assert!(plugin.contains(&entry), "no {os}/{arch} entry:\n{plugin}");
    }
    assert!(!plugin.contains("platformHooks"), "{plugin}");
    assert!(
        plugin.contains(&format!("version: {VERSION}\n")),
        "{plugin}"
    );
}

/// The bundled example, rendered by one release binary (through `runner`, e.g. qemu).
fn render_example(runner: &[&Path]) -> Vec<u8> {
    let input = std::fs::File::open(root().join("testdata/examples/spaces-loadbalancer.yaml"))
        .expect("bundled example");
    let mut cmd = Command::new(runner[0]);
    cmd.args(&runner[1..])
        .args(["--cloud", "aws"])
        .stdin(input)
        .env_remove("SPACES_EXPOSE_LOG")
        .env_remove("SPACES_EXPOSE_CLOUD");
    let out = run(&mut cmd);
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.is_empty());
    out.stdout
}

#[test]
fn linux_arm64_binary_under_qemu_renders_like_amd64() {
    let Some(release) = release() else {
        return;
    };
    let Some(qemu) = tool(&["qemu-aarch64-static", "qemu-aarch64"]) else {
        return;
    };
    let amd64 = render_example(&[&release.binary("linux-amd64")]);
    let arm64 = render_example(&[&qemu, &release.binary("linux-arm64")]);
    assert!(
        amd64 == arm64,
        "arm64 under qemu renders differently:\n--- amd64\n{}\n--- arm64\n{}",
        String::from_utf8_lossy(&amd64),
        String::from_utf8_lossy(&arm64)
    );
    // And like the binary every other test runs.
    let tested = render_example(&[Path::new(env!("CARGO_BIN_EXE_spaces-expose"))]);
    assert!(amd64 == tested, "the release binary renders differently");
    assert!(String::from_utf8_lossy(&amd64).contains("aws-load-balancer-type"));
}

/// Helm 4 with its own state in a temp dir.
struct Helm4(tempfile::TempDir);

impl Helm4 {
    fn new() -> Self {
        Helm4(tempfile::tempdir().expect("temp dir"))
    }

    fn run(&self, args: &[&str]) -> Output {
        let helm = root().join("target/tools/helm4/helm");
        let mut cmd = Command::new(helm);
        for (var, dir) in [
            ("HELM_CONFIG_HOME", "config"),
            ("HELM_DATA_HOME", "data"),
            ("HELM_CACHE_HOME", "cache"),
        ] {
            cmd.env(var, self.0.path().join(dir));
        }
        cmd.args(args)
            .env_remove("HELM_PLUGINS")
            .env_remove("SPACES_EXPOSE_CLOUD")
            .current_dir(root());
        run(&mut cmd)
    }

    /// Installs with signature checking on (Helm's default) against the shipped public key,
    /// renders the fixture chart through the plugin, then uninstalls.
    fn install_verified_and_render(&self, source: &str, keyring: &Path, extra: &[&str]) {
        let keyring = keyring.to_str().expect("utf-8 path");
        let mut args = vec!["plugin", "install", source, "--keyring", keyring];
        args.extend(extra);
        let out = self.run(&args);
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "install from {source} failed:\n{said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            said.contains("Plugin Hash Verified") && !said.contains("Skipping"),
            "{source} was not verified:\n{said}"
        );
        let chart = root().join("testdata/charts/spaces");
        let values = chart.join("ci/aws.yaml");
        let rendered = self.run(&[
            "template",
            "spaces",
            chart.to_str().expect("utf-8 path"),
            "-n",
            "upbound-system",
            "-f",
            values.to_str().expect("utf-8 path"),
            "--post-renderer",
            "spaces-expose",
            "--post-renderer-args=--cloud=aws",
        ]);
        let manifest = String::from_utf8_lossy(&rendered.stdout);
        assert!(
            rendered.status.success() && manifest.contains("aws-load-balancer-type"),
            "render through the plugin from {source} failed:\n{manifest}{}",
            String::from_utf8_lossy(&rendered.stderr)
        );
        let removed = self.run(&["plugin", "uninstall", "spaces-expose"]);
        assert!(removed.status.success());
    }
}

#[test]
fn helm4_installs_the_signed_archive_from_a_file() {
    let Some(release) = release() else {
        return;
    };
    let archive = release.archive();
    Helm4::new().install_verified_and_render(
        archive.to_str().expect("utf-8 path"),
        &release.keyring(),
        &[],
    );
}

/// A changed archive next to the real signature is refused, and so is the real archive with
/// a keyring that lacks the release key.
#[test]
fn helm4_refuses_a_tampered_or_unknown_archive() {
    let Some(release) = release() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let name = format!("spaces-expose-{VERSION}.tgz");
    let mut bytes = std::fs::read(release.archive()).expect("archive");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(dir.path().join(&name), bytes).expect("write");
    std::fs::copy(
        release.file(&format!("{name}.prov")),
        dir.path().join(format!("{name}.prov")),
    )
    .expect("copy .prov");
    let helm = Helm4::new();
    let installs = |archive: &Path, keyring: &Path| {
        let path = |p: &Path| p.to_str().expect("utf-8 path").to_string();
        let (archive, keyring) = (path(archive), path(keyring));
        helm.run(&["plugin", "install", &archive, "--keyring", &keyring])
            .status
            .success()
    };
    assert!(
        !installs(&dir.path().join(&name), &release.keyring()),
        "a tampered archive was installed"
    );
    let empty = dir.path().join("empty.gpg");
    std::fs::write(&empty, b"").expect("write");
    assert!(
        !installs(&release.archive(), &empty),
        "installed without the signing key"
    );
}

/// A server on 127.0.0.1 (Python's http.server, Debian's docker-registry), stopped when
/// dropped.
struct LocalServer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl LocalServer {
    /// Starts `command(port, scratch dir)` and waits until `GET probe` answers 200.
    fn start(probe: &str, command: impl FnOnce(u16, &Path) -> Command) -> LocalServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = command(port, dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        let server = LocalServer {
            child,
            port,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !server.answers(probe) {
            assert!(
                Instant::now() < deadline,
                "the server on port {port} did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    fn answers(&self, probe: &str) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = write!(
            stream,
            "GET {probe} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        );
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200")
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn helm4_installs_the_signed_archive_from_an_http_url() {
    let Some(release) = release() else {
        return;
    };
    let archive = format!("spaces-expose-{VERSION}.tgz");
    let server = LocalServer::start(&format!("/{archive}.prov"), |port, _| {
        let mut cmd = Command::new("python3");
        cmd.args(["-m", "http.server", "--bind", "127.0.0.1", "--directory"])
            .arg(release.out.path())
            .arg(port.to_string());
        cmd
    });
    let url = format!("http://127.0.0.1:{}/{archive}", server.port);
    Helm4::new().install_verified_and_render(&url, &release.keyring(), &[]);
}

/// Debian's docker-registry with its storage in `dir`.
fn docker_registry(program: &Path, port: u16, dir: &Path) -> Command {
    let config = dir.join("config.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.join("data").display()
        ),
    )
    .expect("write registry config");
    let mut cmd = Command::new(program);
    cmd.arg("serve").arg(config);
    cmd
}

#[test]
fn helm4_installs_the_signed_archive_from_an_oci_registry() {
    let Some(release) = release() else {
        return;
    };
    let Some(program) = tool(&["docker-registry"]) else {
        return;
    };
    let registry = LocalServer::start("/v2/", |port, dir| docker_registry(&program, port, dir));
    let reference = format!("127.0.0.1:{}/spaces-expose:{VERSION}", registry.port);
    ok(Command::new("python3")
        .arg(root().join("scripts/oci-push-plugin.py"))
        .arg("--plain-http")
        .arg(release.archive())
        .arg(&reference));
    Helm4::new().install_verified_and_render(
        &format!("oci://{reference}"),
        &release.keyring(),
        &["--plain-http"],
    );
}

/// scripts/binary-format.py, which release.sh runs on every binary before packaging it (the
/// Mach-O and PE checks run there, in the full release), tells these platforms apart and
/// refuses a dynamically linked Linux binary.
#[test]
fn binary_format_check_tells_platforms_apart() {
    let Some(release) = release() else {
        return;
    };
    let accepts = |file: &Path, platform: &str| {
        run(Command::new("python3")
            .arg(root().join("scripts/binary-format.py"))
            .arg(file)
            .arg(platform))
        .status
        .success()
    };
    let amd64 = release.binary("linux-amd64");
    let arm64 = release.binary("linux-arm64");
    assert!(accepts(&amd64, "linux-amd64"));
    assert!(accepts(&arm64, "linux-arm64"));
    for wrong in ["linux-arm64", "darwin-amd64", "windows-amd64"] {
        assert!(!accepts(&amd64, wrong), "linux-amd64 passed as {wrong}");
    }
    assert!(!accepts(&arm64, "darwin-arm64"));
    let dynamic = Path::new(env!("CARGO_BIN_EXE_spaces-expose"));
    assert!(
        !accepts(dynamic, "linux-amd64"),
        "a dynamically linked binary passed"
    );
}

/// No container builder runs here, so the Argo CD sidecar's Containerfile is checked against
/// what it copies: its default VERSION is this one, and the release has a binary for each
/// TARGETARCH it names (Docker's arch names are Go's, as in the release file names).
#[test]
fn argocd_containerfile_copies_release_binaries() {
    let containerfile = read("integrations/argocd/Containerfile");
    assert!(
        containerfile.contains(&format!("\nARG VERSION={VERSION}\n")),
        "integrations/argocd/Containerfile: ARG VERSION is not {VERSION}"
    );
    let copy = "COPY --chmod=0755 dist/spaces-expose-${VERSION}-linux-${TARGETARCH} ";
    assert!(containerfile.contains(copy), "{containerfile}");
    let Some(release) = release() else {
        return;
    };
    for arch in ["amd64", "arm64"] {
        let binary = release.binary(&format!("linux-{arch}"));
        assert!(binary.is_file(), "{} missing", binary.display());
    }
}

/// Built with `SPACES_EXPOSE_RELEASE_PLATFORMS=all` (not in CI): the macOS and Windows
/// binaries have the headers their systems load (release.sh checked them too). Not run: Debian
/// 12's Wine 8 lacks bcryptprimitives.dll, which Rust's std imports (Windows 10 has it).
#[test]
fn macos_and_windows_binaries_have_their_headers() {
    let Some(release) = release() else {
        return;
    };
    for platform in ["darwin-amd64", "darwin-arm64", "windows-amd64"] {
        let Some(binary) = release.built(platform) else {
            continue;
        };
        ok(Command::new("python3")
            .arg(root().join("scripts/binary-format.py"))
            .arg(&binary)
            .arg(platform));
    }
}
