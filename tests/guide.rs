//! `guide` for every cloud × mode × controller family: the address and port it reads,
//! the DNS record, the controller's prerequisites, and the check that finds a policy
//! problem for that path. Every command it prints is valid shell.

mod common;

use common::{Run, bin, run};

fn guide(args: &[&str]) -> Run {
    let out = run(bin().arg("guide").args(args));
    assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    out
}

/// The controller families: an Ingress controller that needs a switch of its own, one
/// that needs a provider, one of the Gateway API, Cilium, Istio, and none.
const CONTROLLERS: &[&[&str]] = &[
    &["--controller=ingress-nginx"],
    &["--controller=traefik"],
    &["--controller=envoy-gateway"],
    &["--controller=cilium"],
    &["--controller=istio"],
    &[],
];

#[test]
fn every_cloud_mode_and_controller_family() {
    for cloud in spaces_expose::presets::Cloud::ALL.iter().map(|c| c.name()) {
        for mode in ["load-balancer", "ingress", "gateway"] {
            for controllers in CONTROLLERS {
                let cloud_arg = format!("--cloud={cloud}");
                let mode_arg = format!("--mode={mode}");
                let mut args = vec![cloud_arg.as_str(), mode_arg.as_str()];
                args.extend(controllers.iter().copied());
                let text = guide(&args).stdout;
                let ctx = format!("{args:?}:\n{text}");
                // The port the path really exposes, read from the cluster or known.
                let port = match mode {
                    "load-balancer" => {
                        "PORT=$(kubectl -n upbound-system get service spaces-router -o jsonpath='{.spec.ports[0].port}')"
                    }
                    "ingress" => "PORT=443",
                    _ => {
                        "PORT=$(kubectl -n upbound-system get gateway spaces -o jsonpath='{.spec.listeners[?(@.protocol==\"TLS\")].port}')"
                    }
                };
                assert!(text.contains(port), "{ctx}");
                assert!(
                    text.contains(
                        "--connect-to <host>:$PORT:$ADDRESS:$PORT https://<host>:$PORT/version"
                    ),
                    "{ctx}"
                );
                assert!(!text.contains(":443:<address>"), "{ctx}");
                // The address field and DNS record of the cloud.
                if mode != "gateway" {
                    let field = if cloud == "aws" { "hostname" } else { "ip" };
                    assert!(
                        text.contains(&format!(".status.loadBalancer.ingress[0].{field}")),
                        "{ctx}"
                    );
                }
                if cloud == "aws" && mode != "gateway" {
                    assert!(text.contains("CNAME"), "{ctx}");
                }
                // The check that finds this path's policy problem.
                let policy = if mode == "load-balancer" {
                    "(SE403)"
                } else {
                    "(SE401)"
                };
                assert!(text.contains(policy), "{ctx}");
                // Prerequisites of the controller for this path.
                let names = controllers.join(" ");
                let aws_lbc = cloud == "aws" && mode == "load-balancer";
                assert_eq!(
                    text.contains("AWS Load Balancer Controller must run"),
                    aws_lbc,
                    "{ctx}"
                );
                let nginx = names.contains("ingress-nginx") && mode == "ingress";
                assert_eq!(text.contains("--enable-ssl-passthrough"), nginx, "{ctx}");
                let traefik = names.contains("traefik") && mode == "ingress";
                assert_eq!(text.contains("Traefik 3.6.2 or later"), traefik, "{ctx}");
                assert_eq!(
                    text.contains("--post-renderer-args=--service="),
                    nginx || traefik,
                    "{ctx}"
                );
                let istio = names.contains("istio") && mode != "load-balancer";
                assert_eq!(text.contains("istio/gateway"), istio, "{ctx}");
                // Every command line is valid shell (bash -n parses, runs nothing).
                let script: String = text
                    .lines()
                    .map(str::trim)
                    .filter(|l| {
                        l.starts_with("ADDRESS=")
                            || l.starts_with("PORT=")
                            || l.starts_with("curl ")
                            || l.starts_with("kubectl ")
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                let parsed = std::process::Command::new("bash")
                    .args(["-n", "-c", &script])
                    .output()
                    .expect("bash runs");
                assert!(
                    parsed.status.success(),
                    "{ctx}\n{}",
                    String::from_utf8_lossy(&parsed.stderr)
                );
            }
        }
    }
}

/// What a cloud needs beyond the annotations: Hetzner's private network for an internal
/// load balancer, an address pool on premises, EKS Auto Mode instead of the AWS Load
/// Balancer Controller, the AWS webhook's class, and that a class is immutable.
#[test]
fn cloud_prerequisites_and_load_balancer_classes() {
    let lb = "--mode=load-balancer";
    let says = |args: &[&str], text: &str, want: bool| {
        let out = guide(args).stdout;
        assert_eq!(out.contains(text), want, "{args:?} / {text:?}:\n{out}");
    };
    says(
        &["--cloud=hetzner", "--scheme=internal", lb],
        "HCLOUD_NETWORK",
        true,
    );
    says(&["--cloud=hetzner", lb], "HCLOUD_NETWORK", false);
    says(&["--cloud=onprem", lb], "CiliumLoadBalancerIPPool", true);
    let auto = ["--cloud=aws", lb, "--lb-class=eks.amazonaws.com/nlb"];
    says(&auto, "EKS Auto Mode builds the NLB", true);
    says(&auto, "AWS Load Balancer Controller must run", false);
    says(&auto, "is immutable", true);
    says(&["--cloud=aws", lb], "enableServiceMutatorWebhook", true);
    says(
        &["--cloud=oci", lb],
        ".status.loadBalancer.ingress[0].ip",
        true,
    );
    says(&["--cloud=digitalocean", lb], "an A record", true);
}
