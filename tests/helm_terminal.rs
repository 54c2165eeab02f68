//! What a person running `helm` in a terminal sees. Helm 3 and Helm 4 keep a
//! post-renderer's stderr to themselves (Helm 4 even on failure), so spaces-expose writes
//! its warnings, summaries and errors to the terminal as well when Helm runs it. These
//! tests run real Helm 3 and Helm 4 under a pseudo-terminal (`script`, from util-linux)
//! and read what reached it.

mod common;

use std::path::Path;
use std::process::Command;

use common::gitops::{binary, helm, install_plugin, text, tool};
use common::root;

/// What reached the terminal, and the exit code of the command.
struct Terminal {
    code: i32,
    screen: String,
}

/// Runs `words` under a pseudo-terminal with a private Helm home.
fn on_terminal(helm_bin: &Path, home: &Path, words: &[String]) -> Terminal {
    let quoted: Vec<String> = std::iter::once(helm_bin.display().to_string())
        .chain(words.iter().cloned())
        .map(|w| format!("'{}'", w.replace('\'', r"'\''")))
        .collect();
    let base = helm(helm_bin, home);
    let mut cmd = Command::new("script");
    cmd.args(["--quiet", "--return", "--command"])
        .arg(quoted.join(" "))
        .arg("/dev/null")
        .current_dir(root())
        .env_remove("SPACES_EXPOSE_LOG")
        .env_remove("SPACES_EXPOSE_CLOUD");
    for (key, value) in base.get_envs() {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    let out = cmd.output().expect("script runs");
    Terminal {
        code: out.status.code().unwrap_or(-1),
        screen: text(&out.stdout).replace("\r\n", "\n"),
    }
}

/// `helm template` of the fixture chart (its AWS values: a LoadBalancer router) with the
/// post-renderer and `args`.
fn template_words(post_renderer: &str, args: &[&str]) -> Vec<String> {
    let chart = root().join("testdata/charts/spaces");
    let mut words = vec![
        "template".to_string(),
        "spaces".to_string(),
        chart.display().to_string(),
        "-f".to_string(),
        chart.join("ci/aws.yaml").display().to_string(),
        "-n".to_string(),
        "upbound-system".to_string(),
        "--post-renderer".to_string(),
        post_renderer.to_string(),
    ];
    words.extend(args.iter().map(|a| format!("--post-renderer-args={a}")));
    words
}

fn check(helm_bin: &Path, home: &Path, post_renderer: &str) {
    // A mistyped --service: an error, on the terminal, and helm fails.
    let typo = on_terminal(
        helm_bin,
        home,
        &template_words(post_renderer, &["--cloud=aws", "--service=spaces-routr"]),
    );
    assert_ne!(typo.code, 0, "{}", typo.screen);
    assert!(
        typo.screen
            .contains("spaces-expose: error: <stdin>: no Service spaces-routr in the input"),
        "{}",
        typo.screen
    );
    // Success: the summary of what render changed reaches the terminal too.
    let ok = on_terminal(
        helm_bin,
        home,
        &template_words(post_renderer, &["--cloud=aws"]),
    );
    assert_eq!(ok.code, 0, "{}", ok.screen);
    assert!(
        ok.screen
            .contains("spaces-expose: Service upbound-system/spaces-router:"),
        "{}",
        ok.screen
    );
}

#[test]
fn helm3_shows_errors_and_summaries_on_the_terminal() {
    let Some(helm3) = tool("helm3/helm") else {
        return;
    };
    let home = tempfile::tempdir().expect("temp dir");
    check(&helm3, home.path(), &binary().display().to_string());
}

#[test]
fn helm4_shows_errors_and_summaries_on_the_terminal() {
    let Some(helm4) = tool("helm4/helm") else {
        return;
    };
    let home = tempfile::tempdir().expect("temp dir");
    install_plugin(&helm4, home.path());
    check(&helm4, home.path(), "spaces-expose");
}

/// Without a terminal (CI), nothing is written beyond stderr: the run behaves as before.
#[test]
fn without_a_terminal_only_stderr() {
    let out = common::bin()
        .env("HELM_PLUGIN_NAME", "spaces-expose")
        .args(["--cloud=aws", "--service=spaces-routr"])
        .write_stdin("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no Service spaces-routr"));
}
