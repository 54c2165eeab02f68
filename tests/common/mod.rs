//! Helpers the test binaries share: where the test data is, a case's arguments, and
//! running the binary with stdin, stdout, stderr and the exit code captured.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The crate root (test data lives under `testdata/`).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The entries of a folder under the crate root that `wanted` keeps, sorted.
pub fn files(dir: &str, wanted: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let path = root().join(dir);
    let mut list: Vec<PathBuf> = std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .map(|e| e.expect("readable directory").path())
        .filter(|p| wanted(p))
        .collect();
    list.sort();
    list
}

/// A case's `args` file: one argument per line; blank lines and `#` comments skipped.
pub fn args_of(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("args"))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// The binary with an empty environment, run from the crate root.
pub fn bin() -> Command {
    let mut cmd = Command::cargo_bin("spaces-expose").expect("binary is built");
    cmd.env_clear().current_dir(root());
    cmd
}

/// What a run of the binary left behind.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` as it is set up (stdin included).
pub fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs the binary with `args` and `input` on stdin.
pub fn run_with(args: &[&str], input: &str) -> Run {
    run(bin().args(args).write_stdin(input.to_string()))
}

/// The streams of the structure-aware fuzz corpus (`testdata/fuzz/render_manifest/`),
/// each with the options on its first line (`# args: ...`).
pub fn generated_corpus() -> Vec<(PathBuf, Vec<String>, String)> {
    files("testdata/fuzz/render_manifest", |p| p.is_file())
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).expect("readable");
            let (first, stream) = text.split_once('\n').expect("an args line");
            let args = first
                .strip_prefix("# args: ")
                .expect("first line is `# args: ...`")
                .split_whitespace()
                .map(str::to_string)
                .collect();
            (file, args, stream.to_string())
        })
        .collect()
}

/// Runs `cmd` with `stdin` as its standard input.
pub fn run_stdin(cmd: &mut Command, stdin: &str) -> Run {
    run(cmd.write_stdin(stdin.to_string()))
}

/// A binary `scripts/fetch-helm.sh` installed under `target/tools/` (`helm3/helm`,
/// `helm4/helm`, `kubectl`, `helmfile`). Missing, it fails the test under CI and skips it
/// elsewhere, saying so on the test's stderr.
#[allow(clippy::print_stderr)]
pub fn tool(rel: &str) -> Option<PathBuf> {
    let path = root().join("target/tools").join(rel);
    if path.is_file() {
        return Some(path);
    }
    let hint = format!(
        "{} is missing (scripts/fetch-helm.sh installs it)",
        path.display()
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "CI: {hint}");
    eprintln!("skipped: {hint}");
    None
}

/// Helm 3 (see [`tool`]).
pub fn helm3() -> Option<PathBuf> {
    tool("helm3/helm")
}

/// Helpers of the GitOps integration tests (export, Argo CD, helmfile, Terraform).
pub mod gitops;
