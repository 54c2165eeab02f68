//! `guide` (the steps after `helm upgrade` for the chosen cloud and mode) and
//! `presets` (the preset tables as a text table or JSON). Both only read
//! `crate::presets` and the options; nothing here touches a cluster.

use std::fmt::Write as _;

use crate::config::Config;
use crate::config::Mode;
use crate::presets::Cloud;

/// The post-install steps as plain text.
pub fn guide(config: &Config, cloud: Cloud) -> String {
    let host = config.host.as_deref().unwrap_or("<host>");
    let ns = &config.namespace;
    let (service_ns, service) =
        config
            .services
            .first()
            .map_or((ns.clone(), "spaces-router".to_string()), |s| {
                (
                    s.namespace.clone().unwrap_or_else(|| ns.clone()),
                    s.name.clone(),
                )
            });
    let mut out = String::new();
    let _ = writeln!(
        out,
        "After `helm upgrade` on {} ({}), mode {}:",
        cloud_title(cloud),
        config.scheme.name(),
        config.mode.name()
    );
    if config.host.is_none() {
        out.push_str(
            "(`<host>` stands for externalTLS.host; pass --values with your Spaces values to fill it in.)\n",
        );
    }
    // In `auto` mode the chosen controllers say which paths are in use: an Ingress
    // controller's, a Gateway API controller's; without controllers, every path.
    let modes: Vec<Mode> = match config.mode {
        Mode::Auto if !config.controllers.is_empty() => {
            let mut modes = Vec::new();
            if config.controllers.iter().any(|c| !c.gateway_only()) {
                modes.push(Mode::Ingress);
            }
            if config
                .controllers
                .iter()
                .any(|c| c.gateway_only() || c.is_cilium())
            {
                modes.push(Mode::Gateway);
            }
            modes
        }
        Mode::Auto => vec![Mode::LoadBalancer, Mode::Ingress, Mode::Gateway],
        m => vec![m],
    };
    if config.mode == Mode::Auto {
        out.push_str("Mode auto: follow the section for the path your values enable.\n");
    }
    let gw_ns = config
        .gateway_namespace
        .clone()
        .unwrap_or_else(|| ns.clone());
    let field = address_field(cloud);
    let record = record_type(cloud);
    for mode in modes {
        let mut step = 0;
        let mut next = |out: &mut String, text: String| {
            step += 1;
            let _ = writeln!(out, "\n{step}. {text}");
        };
        // The port clients connect to: the Service's own (443 or 8443, as the values
        // set it), the TLS listener's, or the Ingress controller's HTTPS port.
        let (title, address_cmd, port_cmd) = match mode {
            Mode::LoadBalancer => (
                "LoadBalancer Service",
                format!(
                    "kubectl -n {service_ns} get service {service} -o jsonpath='{{.status.loadBalancer.ingress[0].{field}}}'"
                ),
                format!(
                    "PORT=$(kubectl -n {service_ns} get service {service} -o jsonpath='{{.spec.ports[0].port}}')"
                ),
            ),
            Mode::Ingress => (
                "Ingress in TLS passthrough",
                format!(
                    "kubectl -n {ns} get ingress -o jsonpath='{{.items[*].status.loadBalancer.ingress[0].{field}}}'"
                ),
                "PORT=443   # the Ingress controller's HTTPS port".to_string(),
            ),
            _ => (
                "Gateway in TLS passthrough",
                format!(
                    "kubectl -n {gw_ns} get gateway {} -o jsonpath='{{.status.addresses[0].value}}'",
                    config.gateway
                ),
                format!(
                    "PORT=$(kubectl -n {gw_ns} get gateway {} -o jsonpath='{{.spec.listeners[?(@.protocol==\"TLS\")].port}}')",
                    config.gateway
                ),
            ),
        };
        let _ = writeln!(out, "\n== {title} ==");
        for text in prerequisites(config, cloud, mode) {
            next(&mut out, text);
        }
        if mode == Mode::Gateway {
            next(
                &mut out,
                format!(
                    "Wait until the Gateway is accepted and programmed, and the route attached:\n   kubectl -n {gw_ns} wait --for=condition=Programmed gateway/{gw} --timeout=10m\n   kubectl -n {gw_ns} get gateway {gw} -o jsonpath='{{range .status.conditions[*]}}{{.type}}={{.status}} {{end}}'\n     (want Accepted=True Programmed=True; listener conditions: .status.listeners[*].conditions, want ResolvedRefs=True)\n   kubectl -n {ns} get tlsroute -o jsonpath='{{range .items[*].status.parents[*].conditions[*]}}{{.type}}={{.status}} {{end}}'\n     (want Accepted=True ResolvedRefs=True; Accepted=False: NotAllowedByListeners means no listener's allowedRoutes admit the route, e.g. a shared Gateway in another namespace with from: Same, or the listener is not TLS Passthrough; NoMatchingListenerHostname a hostname that matches no listener; NoMatchingParent a sectionName or port that names no listener. `spaces-expose check` reports these as SE307)",
                    gw = config.gateway
                ),
            );
        }
        let wait = if cloud == Cloud::Aws {
            " (AWS: the NLB takes a few minutes to become active)"
        } else {
            ""
        };
        next(
            &mut out,
            format!(
                "Read the load balancer's address{wait} and the port it exposes:\n   ADDRESS=$({address_cmd})\n   {port_cmd}"
            ),
        );
        let dns = match (mode, cloud) {
            (Mode::Gateway, Cloud::Aws) => {
                "a CNAME record (AWS reports a hostname) pointing at the address".to_string()
            }
            (Mode::Gateway, _) => {
                "an A record for an IP address, or a CNAME record if the Gateway reports a hostname"
                    .to_string()
            }
            _ => format!("{record} pointing at the address"),
        };
        next(
            &mut out,
            format!(
                "Before switching DNS, test the new path with the real host name:\n   curl -k --connect-to {host}:$PORT:$ADDRESS:$PORT https://{host}:$PORT/version\n   401 Unauthorized means the load balancer reaches spaces-router over TLS and routing works.\n   A timeout points at security groups/firewall rules or at the router NetworkPolicy:\n   `helm template … | spaces-expose check --cloud {cloud} --mode {mode}{controllers}` {policy};\n   an HTML error page or a certificate of the load balancer means something still terminates TLS.",
                cloud = cloud.name(),
                mode = mode.name(),
                controllers = controller_flags(config),
                policy = if mode == Mode::LoadBalancer {
                    "reports a policy that drops the load\n   balancer's connections (SE403), and `--admit-cidr` admits its addresses"
                } else {
                    "reports a router policy that does not\n   admit the controller's pods (SE401), which render rewrites with --controller"
                }
            ),
        );
        next(&mut out, format!("Create or update DNS for {host}: {dns}."));
        next(
            &mut out,
            format!(
                "After DNS has propagated:\n   curl -k https://{host}:$PORT/version\n   again expecting 401 Unauthorized."
            ),
        );
    }
    out
}

/// `guide --migrate`: the way off ingress-nginx (retired in March 2026) for the chosen
/// cloud, in the order of Upbound's migration guide (a LoadBalancer Service; Gateway API
/// with Envoy Gateway; another Ingress controller with TLS passthrough), with the
/// two-controller phase of Spaces 1.16+ and the DNS switch.
pub fn migrate(config: &Config, cloud: Cloud) -> String {
    let host = config.host.as_deref().unwrap_or("<host>");
    let ns = &config.namespace;
    let gw = &config.gateway;
    let gw_ns = config
        .gateway_namespace
        .clone()
        .unwrap_or_else(|| ns.clone());
    let c = cloud.name();
    let field = address_field(cloud);
    let record = record_type(cloud);
    // The controller to move to: the first chosen one that is not ingress-nginx.
    let target = config
        .controllers
        .iter()
        .map(|c| c.name.as_str())
        .find(|n| *n != "ingress-nginx")
        .unwrap_or("envoy-gateway");
    let ingress_target = config
        .controllers
        .iter()
        .find(|c| c.name == target)
        .is_some_and(|c| !c.gateway_only());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Moving Spaces off ingress-nginx on {} (ingress-nginx was retired in March 2026: its last\nrelease, v1.15.1, gets no security fixes).",
        cloud_title(cloud)
    );
    if config.host.is_none() {
        out.push_str(
            "(`<host>` stands for externalTLS.host; pass --values with your Spaces values to fill it in.)\n",
        );
    }
    let _ = writeln!(
        out,
        "\n== Where to go (Upbound's order of preference) ==\n\n\
         1. A LoadBalancer Service for spaces-router: no controller in the path at all.\n   \
         Values `router.proxy.service.type: LoadBalancer` with the cloud's Layer-4 set\n   \
         (`spaces-expose values --mode load-balancer --cloud {c}` prints them), or the post-renderer with\n   \
         `--mode load-balancer --cloud={c}`; `spaces-expose guide --mode load-balancer --cloud {c}` has the checks.\n\n\
         2. Gateway API with Envoy Gateway: a TLS listener in Passthrough mode and a TLSRoute to the router\n   \
         (gatewayAPI.* values, Spaces 1.16+). The cloud's Layer-4 annotations go on the Envoy Service\n   \
         through the EnvoyProxy resource (`spec.provider.kubernetes.envoyService.annotations`), or on the\n   \
         Gateway's `spec.infrastructure.annotations`, which render fills in with --cloud.\n\n\
         3. Another Ingress controller with TLS passthrough, e.g. Traefik 3.6.2+ with its NGINX provider\n   \
         (`providers.kubernetesIngressNginx.enabled: true`): it watches Ingress class `nginx` and reads\n   \
         `nginx.ingress.kubernetes.io/ssl-passthrough`, so the Ingress stays as it is (--controller traefik)."
    );
    let both = format!("ingress-nginx,{target}");
    let _ = writeln!(
        out,
        "\n== Spaces 1.16 and later: both paths side by side, then the DNS switch ==\n\n\
         Spaces 1.16+ renders the Ingress and the Gateway at the same time. Spaces 1.15 and older cannot\n\
         run an Ingress and a Gateway at once: upgrade Spaces to 1.16+ first, or plan a cutover window\n\
         (lower the DNS TTL a day ahead) in which the Ingress is removed and the new path brought up."
    );
    let mut step = 0;
    let mut next = |out: &mut String, text: String| {
        step += 1;
        let _ = writeln!(out, "\n{step}. {text}");
    };
    if ingress_target {
        next(
            &mut out,
            format!(
                "Install {target} beside ingress-nginx, with the cloud's Layer-4 set on its own Service: run its\n   \
                 release through `spaces-expose --cloud={c} --service=<its Service>`. Both controllers watch\n   \
                 the same Ingress class; DNS decides which one gets the traffic."
            ),
        );
    } else {
        next(
            &mut out,
            format!(
                "Install {target} and provision the Gateway beside the Ingress (keep `ingress.provision: true`,\n   \
                 set `gatewayAPI.gateway.provision: true` and `gatewayAPI.spacesRouterRoute.provision: true`)."
            ),
        );
    }
    next(
        &mut out,
        format!(
            "Admit both controllers in the router NetworkPolicy during the switch:\n   \
             helm upgrade … --post-renderer spaces-expose --post-renderer-args=--cloud={c} --post-renderer-args=--controller={both}\n   \
             and check it first: `helm template … | spaces-expose check --cloud {c} --controller {both}`\n   \
             (the policy's controller peers become exactly these two; every other peer stays)."
        ),
    );
    let (address, port) = if ingress_target {
        (
            format!(
                "kubectl -n <namespace> get service <{target} Service> -o jsonpath='{{.status.loadBalancer.ingress[0].{field}}}'"
            ),
            "PORT=443   # the controller's HTTPS port".to_string(),
        )
    } else {
        (
            format!(
                "kubectl -n {gw_ns} get gateway {gw} -o jsonpath='{{.status.addresses[0].value}}'"
            ),
            format!(
                "PORT=$(kubectl -n {gw_ns} get gateway {gw} -o jsonpath='{{.spec.listeners[?(@.protocol==\"TLS\")].port}}')"
            ),
        )
    };
    next(
        &mut out,
        format!(
            "Test the new path before DNS moves:\n   \
             NEW=$({address})\n   \
             {port}\n   \
             curl -k --connect-to {host}:$PORT:$NEW:$PORT https://{host}:$PORT/version\n   \
             401 Unauthorized means the new path reaches spaces-router over TLS; the old path still serves\n   \
             clients meanwhile."
        ),
    );
    next(
        &mut out,
        format!(
            "Switch DNS for {host}: {record} pointing at the new\n   \
             address (lower the TTL beforehand). Long-lived watches stay on the old path until they\n   \
             reconnect: wait at least the old TTL, then until ingress-nginx's logs show no more\n   \
             connections to the router."
        ),
    );
    next(
        &mut out,
        format!(
            "Remove the old path: {}render with `--controller={target}` alone so that the\n   \
             policy admits only the new controller, and uninstall ingress-nginx.",
            if ingress_target {
                ""
            } else {
                "`ingress.provision: false`, "
            }
        ),
    );
    next(
        &mut out,
        format!("Check again: curl -k https://{host}:$PORT/version, expecting 401 Unauthorized."),
    );
    out
}

/// `--controller a,b` as the user gave it, for commands the guide prints.
fn controller_flags(config: &Config) -> String {
    if config.controllers.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = config.controllers.iter().map(|c| c.name.as_str()).collect();
    format!(" --controller {}", names.join(","))
}

/// What must be in place beyond this release for the chosen cloud, mode and controllers.
fn prerequisites(config: &Config, cloud: Cloud, mode: Mode) -> Vec<String> {
    let mut steps = Vec::new();
    let auto_mode = config.lb_class.as_deref() == Some("eks.amazonaws.com/nlb");
    if cloud == Cloud::Aws && mode == Mode::LoadBalancer && auto_mode {
        steps.push(
            "EKS Auto Mode builds the NLB for loadBalancerClass `eks.amazonaws.com/nlb`: the AWS Load Balancer\n   Controller is not needed (and ignores the Service).".to_string(),
        );
    } else if cloud == Cloud::Aws && mode == Mode::LoadBalancer {
        steps.push(
            "The AWS Load Balancer Controller must run in the cluster: it builds the NLB for\n   `aws-load-balancer-type: external` (the in-tree provider would build a Classic ELB).".to_string(),
        );
    }
    steps.extend(cloud_prerequisites(config, cloud, mode));
    if mode == Mode::LoadBalancer {
        return steps;
    }
    for controller in &config.controllers {
        let own_service = |service: &str| {
            format!(
                "Give the controller's own Service the cloud's Layer-4 annotations: run its release through\n   spaces-expose too, e.g. `helm upgrade <release> <chart> -n <namespace> --post-renderer spaces-expose\n   --post-renderer-args=--cloud={} --post-renderer-args=--service={service}`.",
                cloud.name()
            )
        };
        match controller.name.as_str() {
            "ingress-nginx" if mode == Mode::Ingress => {
                steps.push("ingress-nginx must run with `--enable-ssl-passthrough` (chart value\n   `controller.extraArgs.enable-ssl-passthrough: \"\"`); without it the passthrough annotation is ignored\n   and the controller terminates TLS.".to_string());
                steps.push(own_service("ingress-nginx-controller"));
                steps.push("ingress-nginx was retired in March 2026 and gets no more security fixes:\n   `spaces-expose guide --migrate` prints the way to a LoadBalancer Service, Gateway API or another\n   passthrough controller.".to_string());
            }
            "traefik" if mode == Mode::Ingress => {
                steps.push("Traefik 3.6.2 or later with its NGINX provider enabled (chart value\n   `providers.kubernetesIngressNginx.enabled: true`): that provider reads the nginx passthrough annotation\n   and watches Ingress class `nginx`.".to_string());
                steps.push(own_service("traefik"));
            }
            "haproxy" if mode == Mode::Ingress => {
                steps.push(own_service("haproxy-kubernetes-ingress"));
            }
            "cilium" if mode == Mode::Ingress => {
                steps.push("Cilium's Ingress controller copies the cloud's load-balancer annotations from the Ingress to the\n   Service it creates; render adds a CiliumNetworkPolicy so that Cilium's `ingress` identity reaches the router.".to_string());
            }
            "istio" => {
                steps.push("The `istio` preset's labels (`app: istio-ingressgateway`, `istio: ingressgateway`) hold for an\n   istioctl install; the `istio/gateway` Helm chart labels its pods `app: <release>` and\n   `istio: <release without \"istio-\">`: check them and use\n   `--controller custom --pod-label … --namespace-label …` when they differ.".to_string());
            }
            _ => {}
        }
    }
    steps
}

/// What the chosen cloud needs beyond the annotations render writes.
fn cloud_prerequisites(config: &Config, cloud: Cloud, mode: Mode) -> Vec<String> {
    let mut steps = Vec::new();
    let internal = config.scheme == crate::presets::Scheme::Internal;
    match cloud {
        Cloud::Aws if mode == Mode::LoadBalancer && config.lb_class.is_none() => steps.push(
            "The AWS Load Balancer Controller's webhook (chart value `enableServiceMutatorWebhook`, on by default)\n   sets loadBalancerClass `service.k8s.aws/nlb` on new LoadBalancer Services; with a class the controller\n   defaults to `instance` targets, so keep the explicit `aws-load-balancer-nlb-target-type`.".to_string(),
        ),
        Cloud::Hetzner if internal => steps.push(
            "hcloud-cloud-controller-manager must be configured with a private network (HCLOUD_NETWORK):\n   `load-balancer.hetzner.cloud/disable-public-network: \"true\"` routes the load balancer's traffic over it.".to_string(),
        ),
        Cloud::Onprem => steps.push(
            "MetalLB or Cilium LB-IPAM must have an address pool for the Service (MetalLB IPAddressPool,\n   CiliumLoadBalancerIPPool); whether the address is internal is the pool's choice, not an annotation.".to_string(),
        ),
        _ => {}
    }
    if let Some(class) = config.lb_class.as_deref()
        && mode == Mode::LoadBalancer
    {
        steps.push(format!(
            "spec.loadBalancerClass {class:?} is immutable: it applies to a Service created with it;\n   delete and re-create an existing router Service (its address changes)."
        ));
    }
    steps
}

fn cloud_title(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Aws => "AWS",
        Cloud::Gcp => "GCP",
        Cloud::Azure => "Azure",
        Cloud::Oci => "Oracle Cloud (OKE)",
        Cloud::Digitalocean => "DigitalOcean",
        Cloud::Hetzner => "Hetzner Cloud",
        Cloud::Onprem => "on-premises (MetalLB or Cilium LB-IPAM)",
        Cloud::None => "a cluster without cloud load-balancer annotations",
    }
}

/// AWS reports a load balancer by host name; the others by IP (each provider's
/// `status.loadBalancer.ingress`: the AWS Load Balancer Controller sets `hostname`;
/// GKE, cloud-provider-azure, the OCI, DigitalOcean and Hetzner cloud-controller-managers,
/// MetalLB and Cilium LB-IPAM set `ip`; DigitalOcean and Hetzner report a hostname only
/// when their `…/hostname` annotation asks for one).
fn address_field(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Aws => "hostname",
        _ => "ip",
    }
}

fn record_type(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Aws => "a CNAME record (AWS reports a hostname)",
        Cloud::Gcp | Cloud::Azure | Cloud::Oci | Cloud::Onprem => {
            "an A record (the address is an IP)"
        }
        Cloud::Digitalocean | Cloud::Hetzner => {
            "an A record (the address is an IP; a CNAME record if the load balancer's hostname annotation is set)"
        }
        Cloud::None => "an A record for an IP address, or a CNAME record for a hostname",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guide_uses_the_host_and_the_cloud_address_field() {
        let config = Config {
            host: Some("spaces.example.org".into()),
            mode: Mode::LoadBalancer,
            ..Config::default()
        };
        let aws = guide(&config, Cloud::Aws);
        assert!(aws.contains("curl -k https://spaces.example.org:$PORT/version"));
        assert!(aws.contains("--connect-to spaces.example.org:$PORT:$ADDRESS:$PORT"));
        assert!(aws.contains("get service spaces-router -o jsonpath='{.spec.ports[0].port}'"));
        assert!(aws.contains(".status.loadBalancer.ingress[0].hostname"));
        assert!(aws.contains("CNAME"));
        assert!(!aws.contains("<host>"));
        let gcp = guide(&config, Cloud::Gcp);
        assert!(gcp.contains(".status.loadBalancer.ingress[0].ip"));
        assert!(gcp.contains("an A record"));
    }

    #[test]
    fn migrate_names_the_order_the_two_controller_phase_and_old_spaces() {
        let config = Config {
            host: Some("spaces.example.org".into()),
            ..Config::default()
        };
        let text = migrate(&config, Cloud::Azure);
        assert!(text.contains("--controller=ingress-nginx,envoy-gateway"));
        assert!(text.contains("Spaces 1.15 and older cannot"));
        assert!(text.contains("Switch DNS for spaces.example.org: an A record"));
        assert!(text.contains("get gateway spaces"));
    }

    #[test]
    fn gateway_guide_names_conditions() {
        let config = Config {
            mode: Mode::Gateway,
            ..Config::default()
        };
        let text = guide(&config, Cloud::Azure);
        assert!(text.contains(".status.addresses[0].value"));
        assert!(text.contains("Programmed"));
        assert!(text.contains("ResolvedRefs"));
        assert!(text.contains("https://<host>:$PORT/version"));
        assert!(text.contains(".spec.listeners[?(@.protocol==\"TLS\")].port"));
    }
}
