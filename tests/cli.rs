//! The render command line: options, environment, config file, values files, exit
//! codes, and what goes to stdout, stderr and the log file.

mod common;

use common::{bin as cmd, run_stdin as run};

const SERVICE: &str = "apiVersion: v1
kind: Service
metadata:
  name: spaces-router
  namespace: upbound-system
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-backend-protocol: http
spec:
  type: LoadBalancer
";

const CLUSTER_IP: &str = "apiVersion: v1
kind: Service
metadata:
  name: spaces-router
spec:
  type: ClusterIP
";

#[test]
fn renders_stdin_to_stdout_with_a_summary_on_stderr() {
    let out = run(cmd().arg("--cloud=aws"), SERVICE);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("service.beta.kubernetes.io/aws-load-balancer-type: \"external\"")
    );
    assert!(!out.stdout.contains("backend-protocol"));
    assert_eq!(
        out.stderr,
        "spaces-expose: Service upbound-system/spaces-router: +3 annotations (aws), -1 L7 annotation\n"
    );
}

#[test]
fn quiet_prints_nothing_on_success() {
    let out = run(cmd().args(["--cloud", "aws", "-q"]), SERVICE);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    assert!(!out.stdout.is_empty());
}

#[test]
fn missing_cloud_is_a_usage_error_naming_the_choices() {
    let out = run(&mut cmd(), SERVICE);
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .contains("missing --cloud: choose one of aws, gcp, azure, oci, digitalocean, hetzner, onprem, none"),
        "{}",
        out.stderr
    );
}

#[test]
fn unknown_cloud_and_unknown_flag_exit_2() {
    let out = run(cmd().arg("--cloud=mars"), SERVICE);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("invalid value 'mars'"),
        "{}",
        out.stderr
    );
    let out = run(cmd().args(["--cloud=aws", "--frobnicate"]), SERVICE);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--frobnicate"), "{}", out.stderr);
    assert_eq!(out.stdout, "");
}

#[test]
fn environment_supplies_options_and_flags_win() {
    let out = run(cmd().env("SPACES_EXPOSE_CLOUD", "gcp"), SERVICE);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("cloud.google.com/l4-rbs: \"enabled\""));
    let out = run(
        cmd()
            .env("SPACES_EXPOSE_CLOUD", "gcp")
            .arg("--cloud=azure")
            .env("SPACES_EXPOSE_SCHEME", "internal"),
        SERVICE,
    );
    assert!(
        out.stdout
            .contains("azure-load-balancer-internal: \"true\""),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("l4-rbs"));
}

#[test]
fn mode_from_environment_turns_cluster_ip_into_load_balancer() {
    let out = run(
        cmd()
            .env("SPACES_EXPOSE_CLOUD", "aws")
            .env("SPACES_EXPOSE_MODE", "load-balancer"),
        CLUSTER_IP,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("type: \"LoadBalancer\""),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("type LoadBalancer, +3 annotations (aws)"),
        "{}",
        out.stderr
    );
}

#[test]
fn config_file_applies_and_flags_override_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.yaml");
    std::fs::write(
        &config,
        "cloud: aws\nscheme: internal\naws:\n  targetType: instance\n",
    )
    .unwrap();
    let out = run(cmd().arg("--config").arg(&config), SERVICE);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("aws-load-balancer-scheme: \"internal\"")
    );
    assert!(out.stdout.contains("nlb-target-type: \"instance\""));
    let out = run(
        cmd()
            .env("SPACES_EXPOSE_CONFIG", &config)
            .arg("--scheme=internet-facing"),
        SERVICE,
    );
    assert!(
        out.stdout
            .contains("aws-load-balancer-scheme: \"internet-facing\""),
        "{}",
        out.stdout
    );
}

#[test]
fn config_file_with_unknown_key_names_the_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.yaml");
    std::fs::write(&config, "cloud: aws\n\nclod: gcp\n").unwrap();
    let out = run(cmd().arg("--config").arg(&config), SERVICE);
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("c.yaml:3:"), "{}", out.stderr);
    assert!(out.stderr.contains("clod"), "{}", out.stderr);
}

#[test]
fn unreadable_config_names_the_file() {
    let out = run(
        cmd().args(["--cloud=aws", "--config=/nonexistent/spaces.yaml"]),
        SERVICE,
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("cannot read /nonexistent/spaces.yaml"),
        "{}",
        out.stderr
    );
}

#[test]
fn values_file_implies_load_balancer_mode_and_later_files_win() {
    let dir = tempfile::tempdir().unwrap();
    let lb = dir.path().join("lb.yaml");
    let cip = dir.path().join("cip.yaml");
    std::fs::write(
        &lb,
        "router:\n  proxy:\n    service:\n      type: LoadBalancer\n",
    )
    .unwrap();
    std::fs::write(
        &cip,
        "router:\n  proxy:\n    service:\n      type: ClusterIP\n",
    )
    .unwrap();
    let out = run(
        cmd().arg("--cloud=aws").arg("--values").arg(&lb),
        CLUSTER_IP,
    );
    assert!(
        out.stdout.contains("type: \"LoadBalancer\""),
        "{}",
        out.stderr
    );
    let out = run(
        cmd()
            .arg("--cloud=aws")
            .arg("--values")
            .arg(&lb)
            .arg("--values")
            .arg(&cip),
        CLUSTER_IP,
    );
    assert_eq!(
        out.stdout, CLUSTER_IP,
        "the later values file keeps ClusterIP"
    );
    // A flag beats what the values imply.
    let out = run(
        cmd()
            .arg("--cloud=aws")
            .arg("--mode=auto")
            .arg("--values")
            .arg(&lb),
        CLUSTER_IP,
    );
    assert_eq!(out.stdout, CLUSTER_IP);
}

#[test]
fn broken_values_file_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let values = dir.path().join("values.yaml");
    std::fs::write(&values, "router:\n  proxy: [unclosed\n").unwrap();
    let out = run(
        cmd().arg("--cloud=aws").arg("--values").arg(&values),
        SERVICE,
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("values.yaml:"), "{}", out.stderr);
    assert_eq!(out.stdout, "");
}

#[test]
fn annotation_and_keep_annotation() {
    let out = run(
        cmd().args([
            "--cloud=aws",
            "--annotation=service.beta.kubernetes.io/aws-load-balancer-additional-resource-tags=team=spaces",
            "--keep-annotation=service.beta.kubernetes.io/aws-load-balancer-backend-protocol",
        ]),
        SERVICE,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("aws-load-balancer-additional-resource-tags: \"team=spaces\"")
    );
    assert!(
        out.stdout
            .contains("aws-load-balancer-backend-protocol: http")
    );
    let out = run(cmd().args(["--cloud=aws", "--annotation=novalue"]), SERVICE);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("--annotation expects KEY=VALUE"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_named_service_missing_is_an_error_and_a_warning_for_hooks_alone() {
    // A mistyped --service: the stream has resources, nothing would be exposed.
    let out = run(
        cmd().args(["--cloud=gcp", "--service=traefik/traefik"]),
        SERVICE,
    );
    assert_eq!((out.code, out.stdout.as_str()), (2, ""), "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "error: <stdin>: no Service traefik/traefik in the input, which has resources"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("[SE110]"), "{}", out.stderr);
    // Helm 4.2 may post-render hooks on their own: then it is a warning.
    let hook = "apiVersion: batch/v1
kind: Job
metadata:
  name: pre-upgrade
  annotations:
    helm.sh/hook: pre-upgrade
";
    let out = run(
        cmd().args(["--cloud=gcp", "--service=traefik/traefik"]),
        hook,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, hook, "no target: unchanged");
    assert!(
        out.stderr
            .contains("warning: no Service traefik/traefik in the input"),
        "{}",
        out.stderr
    );
    let out = run(
        cmd().args(["--cloud=gcp", "--service=traefik/traefik", "--strict"]),
        hook,
    );
    assert_eq!(out.code, 1, "--strict turns the warning into a failure");
    assert_eq!(out.stdout, "");
    // The default target, not named, in auto mode: a stream of something else is fine.
    let other = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";
    let out = run(cmd().args(["--cloud=gcp", "--strict"]), other);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, other),
        "{}",
        out.stderr
    );
}

#[test]
fn custom_controller_without_labels_is_refused() {
    let out = run(
        cmd().args(["--cloud=aws", "--controller=custom", "--pod-label=app=x"]),
        SERVICE,
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("a custom controller needs both pod and namespace labels (--pod-label and --namespace-label"),
        "{}",
        out.stderr
    );
    let out = run(
        cmd().args(["--cloud=aws", "--controller=nginx-plus"]),
        SERVICE,
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unknown controller \"nginx-plus\""),
        "{}",
        out.stderr
    );
}

#[test]
fn empty_and_comment_only_input_say_no_resources() {
    for input in ["", "\n\n", "# nothing\n"] {
        let out = run(cmd().arg("--cloud=aws"), input);
        assert_eq!(out.code, 0);
        assert_eq!(out.stdout, "# spaces-expose: no resources\n");
    }
}

#[test]
fn malformed_input_names_document_template_line_and_column() {
    let input = "---\n# Source: spaces/templates/ok.yaml\nkind: ConfigMap\n---\n# Source: spaces/templates/bad.yaml\nkind: Service\nmetadata:\n  name: x\n bad: indentation\n";
    let out = run(cmd().arg("--cloud=aws"), input);
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.starts_with("spaces-expose: error: <stdin>:9:2: document 2 (spaces/templates/bad.yaml): invalid YAML:"),
        "{}",
        out.stderr
    );
}

#[test]
fn errors_are_appended_to_the_log_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.txt");
    std::fs::write(&log, "earlier line\n").unwrap();
    let out = run(cmd().env("SPACES_EXPOSE_LOG", &log), SERVICE);
    assert_eq!(out.code, 2);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.starts_with("earlier line\n"));
    assert!(logged.contains("error: missing --cloud"), "{logged}");
    // Usage errors from the flag parser too.
    let out = run(cmd().env("SPACES_EXPOSE_LOG", &log).arg("--bogus"), SERVICE);
    assert_eq!(out.code, 2);
    assert!(std::fs::read_to_string(&log).unwrap().contains("--bogus"));
    // And the summary of a successful run.
    let out = run(
        cmd().arg("--cloud=aws").arg("--log-file").arg(&log),
        SERVICE,
    );
    assert_eq!(out.code, 0);
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("+3 annotations (aws)")
    );
}

#[test]
fn help_and_version_exit_0() {
    let out = run(cmd().arg("--help"), "");
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("--cloud"));
    let out = run(cmd().arg("--version"), "");
    assert_eq!(
        (out.code, out.stdout.trim()),
        (0, concat!("spaces-expose ", env!("CARGO_PKG_VERSION")))
    );
}

#[test]
fn completions_for_bash() {
    let out = run(cmd().args(["completions", "bash"]), "");
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.contains("complete -F _spaces__expose"),
        "{}",
        out.stdout
    );
}

/// Bash completes subcommand options, controller names and rule codes: the generated
/// script, sourced by a real bash, asked the way bash asks (COMP_WORDS, COMP_CWORD and
/// the function's three arguments).
#[test]
fn bash_completes_subcommand_options_controllers_and_rule_codes() {
    let script = run(cmd().args(["completions", "bash"]), "").stdout;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spaces-expose.bash");
    std::fs::write(&path, script).unwrap();
    let complete = |words: &[&str]| -> Vec<String> {
        let cur = words[words.len() - 1];
        let prev = words[words.len() - 2];
        let list: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let program = format!(
            "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; _spaces__expose spaces-expose '{cur}' '{prev}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display(),
            list.join(" "),
            words.len() - 1
        );
        let out = std::process::Command::new("bash")
            .args(["--norc", "-c", &program])
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(complete(&["spaces-expose", "check", "--fo"]), ["--format"]);
    assert_eq!(
        complete(&["spaces-expose", "diff", "--exit"]),
        ["--exit-code"]
    );
    assert_eq!(
        complete(&["spaces-expose", "check", "--controller", "tra"]),
        ["traefik"]
    );
    assert_eq!(
        complete(&["spaces-expose", "--controller", "envoy-"]),
        ["envoy-gateway", "envoy-gateway-namespaced"]
    );
    // A comma list completes its last name and keeps the ones before.
    assert_eq!(
        complete(&[
            "spaces-expose",
            "--controller",
            "ingress-nginx,envoy-gateway-n"
        ]),
        ["ingress-nginx,envoy-gateway-namespaced"]
    );
    assert_eq!(
        complete(&["spaces-expose", "diff", "--controller", "cilium,ha"]),
        ["cilium,haproxy"]
    );
    assert_eq!(
        complete(&["spaces-expose", "explain", "SE50"]),
        ["SE501", "SE502", "SE503", "SE504"]
    );
    assert_eq!(
        complete(&["spaces-expose", "check", "--rule", "SE403="]),
        ["SE403=off", "SE403=warn", "SE403=error"]
    );
    assert_eq!(
        complete(&["spaces-expose", "--cloud", "o"]),
        ["oci", "onprem"]
    );
    assert_eq!(
        complete(&["spaces-expose", "guide", "--cloud", "d"]),
        ["digitalocean"]
    );
}

/// `text` contains `needle` (the message shows the whole text).
fn has(text: &str, needle: &str) {
    assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
}

/// `text` does not contain `needle`.
fn lacks(text: &str, needle: &str) {
    assert!(!text.contains(needle), "{needle:?} unexpected in:\n{text}");
}

const OCI_SERVICE: &str = "apiVersion: v1
kind: Service
metadata:
  name: spaces-router
  namespace: upbound-system
  annotations:
    service.beta.kubernetes.io/oci-load-balancer-ssl-ports: \"443\"
    metallb.io/address-pool: public
spec:
  type: LoadBalancer
";

/// Every way to name a cloud knows the new ones: the flag, the environment (also with
/// Argo CD's prefix) and the config file; each gets its own set and strips the other
/// clouds' keys.
#[test]
fn new_clouds_from_flag_environment_and_config_file() {
    let flag = run(
        cmd().args(["--cloud", "oci", "--scheme", "internal"]),
        OCI_SERVICE,
    );
    assert_eq!(flag.code, 0, "{}", flag.stderr);
    has(
        &flag.stdout,
        "oci.oraclecloud.com/load-balancer-type: \"nlb\"",
    );
    has(
        &flag.stdout,
        "oci-network-load-balancer.oraclecloud.com/internal: \"true\"",
    );
    lacks(&flag.stdout, "oci-load-balancer-ssl-ports");
    lacks(&flag.stdout, "metallb.io");
    has(
        &flag.stderr,
        "+2 annotations (oci), -1 L7 annotation, -1 other-cloud annotation",
    );

    let env = run(
        cmd().env("ARGOCD_ENV_SPACES_EXPOSE_CLOUD", "onprem"),
        OCI_SERVICE,
    );
    assert_eq!(env.code, 0, "{}", env.stderr);
    has(&env.stdout, "metallb.io/address-pool: public");
    lacks(&env.stdout, "oci-load-balancer-ssl-ports");

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yaml");
    std::fs::write(&config, "cloud: digitalocean\nscheme: internal\n").unwrap();
    let file = run(cmd().arg("--config").arg(&config), OCI_SERVICE);
    assert_eq!(file.code, 0, "{}", file.stderr);
    has(
        &file.stdout,
        "service.beta.kubernetes.io/do-loadbalancer-network: \"INTERNAL\"",
    );
    let env = run(cmd().env("SPACES_EXPOSE_CLOUD", "hetzner"), OCI_SERVICE);
    assert_eq!(env.code, 0, "{}", env.stderr);
    lacks(&env.stdout, "oci-load-balancer");
}

/// A known class of the cloud replaces keys of its set; a class of another cloud, or of
/// the other scheme, decides what is built whatever the annotations say: render refuses
/// (exit 2, nothing on stdout), check fails.
#[test]
fn load_balancer_classes_shape_the_set_and_other_clouds_classes_refuse() {
    let gke = run(
        cmd().args([
            "--cloud",
            "gcp",
            "--lb-class",
            "networking.gke.io/l4-regional-external",
        ]),
        CLUSTER_IP.replace("ClusterIP", "LoadBalancer").as_str(),
    );
    assert_eq!(gke.code, 0, "{}", gke.stderr);
    has(
        &gke.stdout,
        "loadBalancerClass: \"networking.gke.io/l4-regional-external\"",
    );
    lacks(&gke.stdout, "l4-rbs");
    let other = run(
        cmd().args([
            "--cloud",
            "aws",
            "--lb-class",
            "networking.gke.io/l4-regional-external",
        ]),
        SERVICE,
    );
    assert_eq!(
        (other.code, other.stdout.as_str()),
        (2, ""),
        "{}",
        other.stderr
    );
    assert!(
        other.stderr.contains("error:")
            && other.stderr.contains("[SE114]")
            && other.stderr.contains("help: pass a --lb-class of aws"),
        "{}",
        other.stderr
    );
    let scheme = run(
        cmd().args([
            "--cloud",
            "gcp",
            "--scheme",
            "internal",
            "--lb-class",
            "networking.gke.io/l4-regional-external",
        ]),
        SERVICE,
    );
    assert_eq!(
        (scheme.code, scheme.stdout.as_str()),
        (2, ""),
        "{}",
        scheme.stderr
    );
    has(
        &scheme.stderr,
        "builds an internet-facing load balancer, and --scheme is internal",
    );
    let check = run(
        cmd().args(["check", "--cloud", "gcp", "--format", "json"]),
        &format!(
            "{}  loadBalancerClass: service.k8s.aws/nlb\n",
            CLUSTER_IP.replace("ClusterIP", "LoadBalancer")
        ),
    );
    assert_eq!(check.code, 1, "{}", check.stdout);
    has(&check.stdout, "\"code\": \"SE114\"");
    assert!(
        check
            .stdout
            .contains("\"name\": \"load-balancer-class-mismatch\"")
    );
}

/// `presets` lists every cloud, both schemes, and the load-balancer classes with their
/// sources.
#[test]
fn presets_list_new_clouds_and_classes() {
    let text = run(cmd().arg("presets"), "");
    assert_eq!(text.code, 0);
    for cloud in ["oci", "digitalocean", "hetzner", "onprem"] {
        has(&text.stdout, &format!("  {cloud:<12} internal"));
    }
    for class in spaces_expose::presets::LB_CLASSES {
        has(&text.stdout, class.class);
        has(&text.stdout, class.source);
    }
    let json = run(cmd().args(["presets", "--format", "json"]), "");
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        value["loadBalancerClasses"].as_array().unwrap().len(),
        spaces_expose::presets::LB_CLASSES.len()
    );
    assert_eq!(value["loadBalancerClasses"][2]["cloud"], "gcp");
    assert_eq!(
        value["clouds"].as_array().unwrap().len(),
        2 * (spaces_expose::presets::Cloud::ALL.len() - 1)
    );
}

#[test]
fn lone_carriage_returns_are_refused_with_their_position() {
    let out = run(
        cmd().arg("--cloud=aws"),
        "kind: ConfigMap\n---\na: 1\rb: 2\n",
    );
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    has(
        &out.stderr,
        "<stdin>:3:5: document 2: invalid YAML: a carriage return that is not part of a CRLF line ending",
    );
}

/// `--strict` means the same for diff as for render: a warning fails the run (exit 1)
/// and nothing is written to stdout.
#[test]
fn strict_fails_diff_on_a_warning_as_it_fails_render() {
    let blocked = "apiVersion: v1
kind: Service
metadata:
  name: spaces-router
spec:
  selector: {app: spaces-router}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: spaces-router
spec:
  podSelector: {matchLabels: {app: spaces-router}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: agent}}}]
";
    let args = ["--cloud=aws", "--mode=load-balancer"];
    let lenient = run(cmd().arg("diff").args(args), blocked);
    assert_eq!(lenient.code, 0, "{}", lenient.stderr);
    has(&lenient.stdout, "+  type: \"LoadBalancer\"");
    has(&lenient.stderr, "[SE403]");
    for sub in [&["diff"][..], &[][..]] {
        let strict = run(cmd().args(sub).args(args).arg("--strict"), blocked);
        assert_eq!(
            (strict.code, strict.stdout.as_str()),
            (1, ""),
            "{sub:?}: {}",
            strict.stderr
        );
        has(&strict.stderr, "--strict");
    }
}

/// Every error reaches `--log-file` (given as a flag, not only as SPACES_EXPOSE_LOG):
/// usage errors from the flag parser, config and values errors, an unknown controller.
/// Helm 4 discards a post-renderer's stderr; the log is where the user looks.
#[test]
fn log_file_flag_receives_usage_config_and_controller_errors() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.txt");
    let bad_config = dir.path().join("config.yaml");
    std::fs::write(&bad_config, "cloud: aws\nclodu: gcp\n").unwrap();
    let bad_values = dir.path().join("values.yaml");
    std::fs::write(&bad_values, "router: [unclosed\n").unwrap();
    let log_arg = format!("--log-file={}", log.display());
    let cases: [(&[&str], &str); 5] = [
        (&["--cloud=aws", "--bogus"], "--bogus"),
        (&["--cloud=mars"], "mars"),
        (
            &["--cloud=aws", "--controller=trafik"],
            "unknown controller \"trafik\"",
        ),
        (&["--config", bad_config.to_str().unwrap()], "clodu"),
        (
            &["--cloud=aws", "--values", bad_values.to_str().unwrap()],
            "values.yaml:",
        ),
    ];
    for (args, wanted) in cases {
        std::fs::remove_file(&log).ok();
        let out = run(cmd().arg(&log_arg).args(args), SERVICE);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        let logged = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(
            logged.contains("spaces-expose: error:"),
            "{args:?}: {logged:?}"
        );
        assert!(logged.contains(wanted), "{args:?}: {logged:?}");
        assert!(out.stderr.contains(wanted), "{args:?}: {}", out.stderr);
    }
    // The separate-word form of the flag works for a parse error too.
    std::fs::remove_file(&log).ok();
    let out = run(cmd().args(["--log-file"]).arg(&log).arg("--bogus"), SERVICE);
    assert_eq!(out.code, 2);
    assert!(std::fs::read_to_string(&log).unwrap().contains("--bogus"));
}

/// A config file that names its own `logFile` gets its own errors logged there: an
/// unknown key, a bad value, and a values file it cannot read.
#[test]
fn config_file_log_file_receives_errors_in_that_config() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("from-config.log");
    let config = dir.path().join("config.yaml");
    let cases = [
        ("clodu: gcp\n", "clodu"),
        ("cloud: mars\n", "mars"),
        ("cloud: aws\ncontrollers: [trafik]\n", "trafik"),
    ];
    for (body, wanted) in cases {
        std::fs::remove_file(&log).ok();
        std::fs::write(&config, format!("logFile: {}\n{body}", log.display())).unwrap();
        let out = run(cmd().arg("--config").arg(&config), SERVICE);
        assert_eq!(out.code, 2, "{body:?}: {}", out.stderr);
        let logged = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(
            logged.contains("spaces-expose: error:") && logged.contains(wanted),
            "{body:?}: {logged:?}"
        );
    }
    // A flag still wins over the file's logFile.
    let flag_log = dir.path().join("flag.log");
    std::fs::remove_file(&log).ok();
    let out = run(
        cmd()
            .arg("--config")
            .arg(&config)
            .arg(format!("--log-file={}", flag_log.display())),
        SERVICE,
    );
    assert_eq!(out.code, 2);
    assert!(
        std::fs::read_to_string(&flag_log)
            .unwrap()
            .contains("trafik")
    );
    assert!(
        !log.exists(),
        "the config's logFile is not written when a flag names one"
    );
}

/// A config file's value errors name the file, line and column of the value, once, and
/// never blame a flag that was not typed; render and check refuse an unknown rule in
/// `rules:` alike.
#[test]
fn config_value_errors_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "cloud: aws\ncontrollers: [trafik]\n",
            ":2:15: unknown controller \"trafik\"",
        ),
        (
            "cloud: aws\nservices: [\"a/b/c\"]\n",
            ":2:12: services: expects [NAMESPACE/]NAME",
        ),
        (
            "cloud: aws\nadmitCidrs: [10.0.0.0/8, nope]\n",
            ":2:26: admitCidrs: expects ADDRESS/PREFIX",
        ),
        (
            "cloud: aws\nrules:\n  SE999: off\n",
            ":3:10: unknown rule \"SE999\"",
        ),
        ("cloud: aws\nclodu: x\n", ":2:1: unknown field `clodu`"),
        (
            "cloud: aws\nannotations:\n  service.beta.kubernetes.io/aws-load-balancer-ssl-cert: x\n",
            ":3:58: annotations: service.beta.kubernetes.io/aws-load-balancer-ssl-cert: a Layer-7",
        ),
        (
            "cloud: aws\ngateway: \"a/\"\n",
            ":2:10: gateway: expects [NAMESPACE/]NAME",
        ),
    ];
    for (i, (text, wanted)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("config-{i}.yaml"));
        std::fs::write(&path, text).unwrap();
        for sub in [&[][..], &["check"][..]] {
            let out = run(cmd().args(sub).arg("--config").arg(&path), SERVICE);
            assert_eq!(out.code, 2, "{text:?} {sub:?}: {}", out.stderr);
            let line = format!("{}{wanted}", path.display());
            assert!(out.stderr.contains(&line), "{text:?}: {}", out.stderr);
            lacks(&out.stderr, "--service");
            assert!(
                !out.stderr.contains("line 2 column"),
                "position twice: {}",
                out.stderr
            );
        }
    }
}

/// Values files are read as Helm reads them: a section whose keys are all commented out
/// is empty, and a repeated key keeps its last value.
#[test]
fn values_files_are_read_as_helm_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let values = dir.path().join("values.yaml");
    std::fs::write(
        &values,
        "ingress:\n  # provision: true\nrouter:\n  proxy:\n    service:\n      type: ClusterIP\n      type: LoadBalancer\n",
    )
    .unwrap();
    let out = run(
        cmd().arg("--cloud=aws").arg("--values").arg(&values),
        CLUSTER_IP,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The last `type` wins: load-balancer mode, so the ClusterIP Service converts.
    has(&out.stdout, "type: \"LoadBalancer\"");
}

/// A values `provision` is read as the chart's `{{ if }}` reads it (the string "false"
/// is true, 0 is false), and label maps merge across values files as Helm merges them.
#[test]
fn values_booleans_are_truthy_and_label_maps_merge() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let quoted = write("quoted.yaml", "ingress:\n  provision: \"false\"\n");
    let zero = write("zero.yaml", "gatewayAPI:\n  gateway:\n    provision: 0\n");
    // "false" provisions the Ingress: ingress mode, and --mode ingress warns on a stream
    // without one (SE205).
    let out = run(
        cmd()
            .args(["--cloud=aws", "--strict"])
            .arg("--values")
            .arg(&quoted),
        CLUSTER_IP,
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    has(&out.stderr, "[SE205]");
    let out = run(
        cmd().args(["--cloud=aws"]).arg("--values").arg(&zero),
        CLUSTER_IP,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Two files each naming part of the controller's labels: merged.
    let pods = write("pods.yaml", "ingress:\n  podLabels: {a: b}\n");
    let more = write(
        "more.yaml",
        "ingress:\n  podLabels: {c: d}\n  namespaceLabels: {ns: m}\n",
    );
    let policy = "apiVersion: v1
kind: Service
metadata: {name: spaces-router}
spec: {selector: {app: spaces-router}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: spaces-router}
spec:
  podSelector: {matchLabels: {app: spaces-router}}
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {ns: old}}
";
    let values = format!("{},{}", pods.display(), more.display());
    let out = run(
        cmd()
            .args(["--cloud=none", "--replace-peer=ns=old"])
            .arg("--values")
            .arg(values),
        policy,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The old peer becomes the custom controller's, with the labels of both files.
    let peer = "        - namespaceSelector:\n            matchLabels:\n              ns: \"m\"\n          podSelector:\n            matchLabels:\n              a: \"b\"\n              c: \"d\"\n";
    has(&out.stdout, peer);
}

const NGINX_INGRESS: &str = "kind: Service
apiVersion: v1
metadata: {name: spaces-router}
spec: {selector: {app: spaces-router}}
---
kind: Ingress
apiVersion: networking.k8s.io/v1
metadata: {name: spaces-router}
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: spaces-router}}
";

/// Asserts that `haystack` holds every one of `needles`.
fn holds_all(haystack: &str, needles: &[&str]) {
    for needle in needles {
        assert!(haystack.contains(needle), "{needle:?} not in:\n{haystack}");
    }
}

#[test]
fn class_nginx_without_a_controller_is_refused_until_one_is_named() {
    let out = run(cmd().arg("--cloud=aws"), NGINX_INGRESS);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    holds_all(
        &out.stderr,
        &[
            "[SE206]",
            "--controller ingress-nginx or --controller traefik",
        ],
    );
    let check = run(cmd().args(["check", "--cloud=aws"]), NGINX_INGRESS);
    assert_eq!(check.code, 1);
    holds_all(&check.stdout, &["error[SE206]"]);

    // Named, it renders: Traefik's switch, and no retirement warning.
    let traefik = run(
        cmd().args(["--cloud=aws", "--controller=traefik"]),
        NGINX_INGRESS,
    );
    assert_eq!(traefik.code, 0, "{}", traefik.stderr);
    holds_all(
        &traefik.stdout,
        &["nginx.ingress.kubernetes.io/force-ssl-redirect: \"true\""],
    );
    assert!(!traefik.stderr.contains("SE204"), "{}", traefik.stderr);

    // ingress-nginx renders too, with the retirement warning; --strict fails on it.
    let nginx_args = ["--cloud=aws", "--controller=ingress-nginx"];
    let nginx = run(cmd().args(nginx_args), NGINX_INGRESS);
    assert_eq!(nginx.code, 0, "{}", nginx.stderr);
    holds_all(
        &nginx.stderr,
        &[
            "retired in March 2026 (no more security fixes)",
            "guide --migrate",
        ],
    );
    let strict = run(cmd().args(nginx_args).arg("--strict"), NGINX_INGRESS);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert!(strict.stdout.is_empty());

    // Values whose controller labels are ingress-nginx's name it too (a custom controller:
    // no refusal, and the retirement warning).
    let dir = tempfile::tempdir().unwrap();
    let values = dir.path().join("values.yaml");
    std::fs::write(
        &values,
        "ingress:\n  podLabels: {app.kubernetes.io/name: ingress-nginx}\n  namespaceLabels: {kubernetes.io/metadata.name: ingress-nginx}\n",
    )
    .unwrap();
    let check = run(
        cmd()
            .args(["check", "--cloud=aws", "--values"])
            .arg(&values),
        NGINX_INGRESS,
    );
    holds_all(&check.stdout, &["warn[SE204]"]);
    assert!(!check.stdout.contains("SE206"), "{}", check.stdout);
}

#[test]
fn guide_migrate_prints_the_way_off_ingress_nginx() {
    let out = run(
        cmd().args([
            "guide",
            "--migrate",
            "--cloud=aws",
            "--controller=ingress-nginx,envoy-gateway",
        ]),
        "",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = &out.stdout;
    // Upbound's order: LoadBalancer, Gateway API with Envoy Gateway, another passthrough controller.
    let at = |what: &str| text.find(what).unwrap_or_else(|| panic!("{what}: {text}"));
    let order = [
        at("A LoadBalancer Service"),
        at("Gateway API with Envoy Gateway"),
        at("Another Ingress controller"),
    ];
    assert!(order.is_sorted(), "{text}");
    holds_all(
        text,
        &[
            "envoyService.annotations",
            "--controller=ingress-nginx,envoy-gateway",
            "Spaces 1.15 and older cannot",
            "Switch DNS",
            "a CNAME record",
            ".status.addresses[0].value",
        ],
    );

    // Towards Traefik: both watch class nginx; the new controller's Service address.
    let traefik = run(
        cmd().args(["guide", "--migrate", "--cloud=gcp", "--controller=traefik"]),
        "",
    );
    assert_eq!(traefik.code, 0, "{}", traefik.stderr);
    holds_all(
        &traefik.stdout,
        &[
            "--controller=ingress-nginx,traefik",
            ".status.loadBalancer.ingress[0].ip",
            "an A record",
        ],
    );

    // Without --cloud it is a usage error, as for guide.
    let none = run(cmd().args(["guide", "--migrate"]), "");
    assert_eq!(none.code, 2);
}

#[test]
fn cilium_ingress_gets_the_keys_cilium_copies_and_a_refusal_or_warning_for_the_others() {
    let cilium = NGINX_INGRESS.replace("ingressClassName: nginx", "ingressClassName: cilium");
    let aws = run(cmd().args(["--cloud=aws", "--controller=cilium"]), &cilium);
    assert_eq!(aws.code, 0, "{}", aws.stderr);
    holds_all(
        &aws.stdout,
        &[
            "ingress.cilium.io/tls-passthrough: \"enabled\"",
            "service.beta.kubernetes.io/aws-load-balancer-type: \"external\"",
        ],
    );
    assert!(!aws.stderr.contains("warning"), "{}", aws.stderr);
    // GKE's internal key is not under a prefix Cilium copies, but GKE also reads its older
    // spelling under cloud.google.com/, which Cilium copies: render writes that one.
    let gke = ["--cloud=gcp", "--scheme=internal", "--controller=cilium"];
    let older = run(cmd().args(gke), &cilium);
    assert_eq!(older.code, 0, "{}", older.stderr);
    assert!(
        older
            .stdout
            .contains("cloud.google.com/load-balancer-type: \"Internal\"")
            && !older
                .stdout
                .contains("networking.gke.io/load-balancer-type"),
        "{}",
        older.stdout
    );
    // OCI's internal key has no copied spelling: without it Cilium's load balancer is
    // internet-facing, so render refuses and check fails.
    let oci_internal = ["--cloud=oci", "--scheme=internal", "--controller=cilium"];
    let refused = run(cmd().args(oci_internal), &cilium);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stdout.is_empty(), "{}", refused.stdout);
    holds_all(
        &refused.stderr,
        &[
            "[SE208]",
            "internet-facing",
            "ingressController.ingressLBAnnotationPrefixes",
            "--annotation oci-network-load-balancer.oraclecloud.com/internal=true",
        ],
    );
    let check = run(cmd().arg("check").args(oci_internal).arg("-"), &cilium);
    assert_eq!(check.code, 1, "{}", check.stdout);
    assert!(check.stdout.contains("error[SE208]"), "{}", check.stdout);
    let internal = gke;
    // Given with --annotation (the prefix was added to Cilium), render writes the key.
    let given = run(
        cmd()
            .args(internal)
            .arg("--annotation=networking.gke.io/load-balancer-type=Internal"),
        &cilium,
    );
    assert_eq!(given.code, 0, "{}", given.stderr);
    assert!(
        given
            .stdout
            .contains("networking.gke.io/load-balancer-type: \"Internal\""),
        "{}",
        given.stdout
    );
    // An uncopied key that does not decide the scheme (OCI's load-balancer type) stays a
    // warning: render adds nothing for it.
    let oci = run(cmd().args(["--cloud=oci", "--controller=cilium"]), &cilium);
    assert_eq!(oci.code, 0, "{}", oci.stderr);
    assert!(
        !oci.stdout.contains("oci.oraclecloud.com"),
        "{}",
        oci.stdout
    );
    holds_all(
        &oci.stderr,
        &[
            "warning",
            "[SE208]",
            "ingressController.ingressLBAnnotationPrefixes",
        ],
    );
}

const TRAEFIK_GATEWAY: &str = "apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: spaces
  namespace: upbound-system
spec:
  gatewayClassName: traefik
  listeners:
    - name: tls
      port: 9443
      protocol: TLS
      tls:
        mode: Passthrough
";

/// SE308 knows the Traefik chart's entryPoints; `traefik.entryPointPorts` in the config
/// file replaces them, in check and in render.
#[test]
fn traefik_entry_point_ports_come_from_the_config_file() {
    let out = run(cmd().args(["check", "-"]), TRAEFIK_GATEWAY);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.contains("error[SE308]") && out.stdout.contains("websecure 8443"),
        "{}",
        out.stdout
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.yaml");
    std::fs::write(&config, "traefik:\n  entryPointPorts: [8000, 9443]\n").unwrap();
    let out = run(
        cmd().args(["check", "-"]).arg("--config").arg(&config),
        TRAEFIK_GATEWAY,
    );
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{}", out.stderr);
    // Render warns about the listener (it cannot know which port is meant) and --strict
    // fails on it; with the config it has nothing to say.
    let out = run(cmd().args(["--cloud=none", "--strict"]), TRAEFIK_GATEWAY);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("[SE308]"), "{}", out.stderr);
    let out = run(
        cmd()
            .args(["--cloud=none", "--strict"])
            .arg("--config")
            .arg(&config),
        TRAEFIK_GATEWAY,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, TRAEFIK_GATEWAY);
    std::fs::write(&config, "traefik:\n  entryPoints: [9443]\n").unwrap();
    let out = run(
        cmd().args(["check", "-"]).arg("--config").arg(&config),
        TRAEFIK_GATEWAY,
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("entryPoints"), "{}", out.stderr);
}

/// A route to a shared Gateway in another namespace (Spaces 1.16's
/// `gatewayAPI.gateway.namespace`): the values file names the Gateway's namespace, and the
/// route's parentRef (with `namespace`) is recognised as pointing at it.
#[test]
fn values_name_a_shared_gateway_in_another_namespace() {
    let root = common::root();
    let input =
        root.join("testdata/render/gateway-shared-namespace-route-not-admitted-helm4/input.yaml");
    let values = root.join("testdata/charts/spaces/ci/shared-gateway-same-namespace.yaml");
    let check = |extra: &[&str]| {
        let mut c = cmd();
        c.arg("check")
            .arg("--values")
            .arg(&values)
            .args(extra)
            .arg(&input);
        common::run(&mut c)
    };
    let out = check(&[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "error[SE307] TLSRoute upbound-system/spaces-router cannot attach to Gateway gateways/spaces"
        ),
        "{}",
        out.stdout
    );
    // Another Gateway namespace: the stream's Gateway is not the Spaces Gateway, and a
    // Gateway outside the stream is not judged.
    let out = check(&["--gateway=platform/spaces"]);
    assert!(!out.stdout.contains("SE307"), "{}", out.stdout);
}

/// The AWS controller's L4 gateway takes its scheme from a LoadBalancerConfiguration:
/// `-v` says that `--scheme` does not reach it, and nothing is reported or edited. A GKE
/// passthrough class of the other scheme is refused by render with the `--scheme` to pass.
#[test]
fn gateway_class_scheme_notes_and_refusals() {
    let nlb = "apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: aws-nlb
spec:
  controllerName: gateway.k8s.aws/nlb
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: spaces
  namespace: upbound-system
spec:
  gatewayClassName: aws-nlb
  listeners:
    - name: tls
      port: 443
      protocol: TCP
";
    let out = run(
        cmd().args(["check", "-v", "--cloud=aws", "--scheme=internal", "-"]),
        nlb,
    );
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("LoadBalancerConfiguration's spec.scheme (internal by default)")
            && out.stderr.contains("--scheme internal does not reach it"),
        "{}",
        out.stderr
    );
    let rilb = nlb
        .split("---\n")
        .nth(1)
        .unwrap()
        .replace("aws-nlb", "gke-l7-rilb");
    let out = run(cmd().args(["--cloud=gcp"]), &rilb);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("<stdin>:7:21")
            && out.stderr.contains("[SE309]")
            && out.stderr.contains("pass --scheme internal"),
        "{}",
        out.stderr
    );
    let out = run(cmd().args(["--cloud=gcp", "--scheme=internal"]), &rilb);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, rilb);
}
