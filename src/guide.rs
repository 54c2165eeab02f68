//! `guide` (the steps after `helm upgrade` for the chosen cloud and mode) and
//! `presets` (the preset tables as a text table or JSON). Both only read
//! `crate::presets` and the options; nothing here touches a cluster.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::cli::Mode;
use crate::config::Config;
use crate::presets::{self, Cloud, LabelValue, Scheme, SetValue};

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
        scheme_name(config.scheme),
        config.mode.name()
    );
    if config.host.is_none() {
        out.push_str(
            "(`<host>` stands for externalTLS.host; pass --values with your Spaces values to fill it in.)\n",
        );
    }
    let modes: Vec<Mode> = match config.mode {
        Mode::Auto => vec![Mode::LoadBalancer, Mode::Ingress, Mode::Gateway],
        m => vec![m],
    };
    if config.mode == Mode::Auto {
        out.push_str("Mode auto: follow the section for the path your values enable.\n");
    }
    let field = address_field(cloud);
    let record = record_type(cloud);
    for mode in modes {
        let mut step = 0;
        let mut next = |out: &mut String, text: String| {
            step += 1;
            let _ = writeln!(out, "\n{step}. {text}");
        };
        let (title, address_cmd) = match mode {
            Mode::LoadBalancer => (
                "LoadBalancer Service",
                format!(
                    "kubectl -n {service_ns} get service {service} -o jsonpath='{{.status.loadBalancer.ingress[0].{field}}}'"
                ),
            ),
            Mode::Ingress => (
                "Ingress in TLS passthrough",
                format!(
                    "kubectl -n {ns} get ingress -o jsonpath='{{.items[*].status.loadBalancer.ingress[0].{field}}}'"
                ),
            ),
            _ => (
                "Gateway in TLS passthrough",
                format!(
                    "kubectl -n {ns} get gateway {} -o jsonpath='{{.status.addresses[0].value}}'",
                    config.gateway
                ),
            ),
        };
        let _ = writeln!(out, "\n== {title} ==");
        if mode == Mode::Gateway {
            next(
                &mut out,
                format!(
                    "Wait until the Gateway is accepted and programmed, and the route attached:\n   kubectl -n {ns} wait --for=condition=Programmed gateway/{gw} --timeout=10m\n   kubectl -n {ns} get gateway {gw} -o jsonpath='{{range .status.conditions[*]}}{{.type}}={{.status}} {{end}}'\n     (want Accepted=True Programmed=True; listener conditions: .status.listeners[*].conditions, want ResolvedRefs=True)\n   kubectl -n {ns} get tlsroute -o jsonpath='{{range .items[*].status.parents[*].conditions[*]}}{{.type}}={{.status}} {{end}}'\n     (want Accepted=True ResolvedRefs=True; Accepted=False with NotAllowedByListeners means the listener is not TLS Passthrough)",
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
            format!("Read the load balancer's address{wait}:\n   {address_cmd}"),
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
                "Before switching DNS, test the new path with the real host name:\n   curl -k --connect-to {host}:443:<address>:443 https://{host}/version\n   401 Unauthorized means the load balancer reaches spaces-router over TLS and routing works.\n   A timeout points at security groups/firewall rules or the router NetworkPolicy (`spaces-expose check`);\n   an HTML error page or a certificate of the load balancer means something still terminates TLS."
            ),
        );
        next(&mut out, format!("Create or update DNS for {host}: {dns}."));
        next(
            &mut out,
            format!(
                "After DNS has propagated:\n   curl -k https://{host}/version\n   again expecting 401 Unauthorized."
            ),
        );
    }
    out
}

fn cloud_title(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Aws => "AWS",
        Cloud::Gcp => "GCP",
        Cloud::Azure => "Azure",
        Cloud::None => "a cluster without cloud load-balancer annotations",
    }
}

/// AWS reports a load balancer by host name; GCP and Azure by IP (DOMAIN.md).
fn address_field(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Aws => "hostname",
        _ => "ip",
    }
}

fn record_type(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Aws => "a CNAME record (AWS reports a hostname)",
        Cloud::Gcp | Cloud::Azure => "an A record (the address is an IP)",
        Cloud::None => "an A record for an IP address, or a CNAME record for a hostname",
    }
}

fn scheme_name(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::InternetFacing => "internet-facing",
        Scheme::Internal => "internal",
    }
}

fn set_value(v: SetValue) -> &'static str {
    match v {
        SetValue::Fixed(s) => s,
        SetValue::AwsTargetType => "<--aws-target-type: ip|instance>",
    }
}

fn label_value(v: LabelValue) -> &'static str {
    match v {
        LabelValue::Fixed(s) => s,
        LabelValue::GatewayName => "<gateway>",
        LabelValue::GatewayNamespace => "<gateway namespace>",
    }
}

fn pairs<T: Copy>(items: &[(&str, T)], show: fn(T) -> &'static str) -> String {
    if items.is_empty() {
        return "-".to_string();
    }
    items
        .iter()
        .map(|&(k, v)| format!("{k}={}", show(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `presets --format text`.
pub fn presets_text() -> String {
    let mut out = String::new();
    out.push_str(
        "Cloud Layer-4 annotation sets (target LoadBalancer Services, Gateway infrastructure)\n\n",
    );
    for set in presets::CLOUD_SETS {
        let _ = writeln!(
            out,
            "  {:<6} {:<16} {}",
            set.cloud.name(),
            scheme_name(set.scheme),
            pairs(set.annotations, set_value)
        );
    }
    out.push_str("\nControllers (--controller)\n\n");
    for c in presets::CONTROLLERS {
        let _ = writeln!(out, "  {}: {}", c.name, c.description);
        if c.cilium_policy {
            out.push_str("      admitted by a CiliumNetworkPolicy with fromEntities: [ingress]\n");
        } else {
            let _ = writeln!(
                out,
                "      pods:       {}",
                pairs(c.pod_labels, label_value)
            );
            let _ = writeln!(
                out,
                "      namespace:  {}",
                pairs(c.namespace_labels, label_value)
            );
        }
        let ingress = if c.gateway_only() {
            "(Gateway only)".to_string()
        } else {
            c.ingress_passthrough
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(out, "      ingress:    {ingress}");
        let _ = writeln!(out, "      source:     {}", c.source);
    }
    out.push_str("  custom: --pod-label K=V and --namespace-label K=V\n");
    out.push_str("\nLayer-7 / TLS-termination keys (stripped by render, reported by check)\n\n");
    for k in presets::L7_KEYS {
        let on = match k.on {
            presets::On::Service => "Service",
            presets::On::Ingress => "Ingress",
        };
        let _ = writeln!(out, "  {on:<8} {:<70} {}", k.key.pattern(), k.note);
    }
    let _ = writeln!(
        out,
        "\n  kept on Ingresses: {}",
        presets::KEPT_INGRESS_KEYS.join(", ")
    );
    out.push_str("\nLayer-7-only Ingress classes\n\n");
    for (class, what) in presets::L7_INGRESS_CLASSES {
        let _ = writeln!(out, "  {class:<28} {what}");
    }
    out.push_str("\nLayer-7-only GatewayClasses\n\n");
    for (m, what) in presets::L7_GATEWAY_CONTROLLERS {
        let _ = writeln!(out, "  controllerName {:<40} {what}", m.pattern());
    }
    for (m, what) in presets::L7_GATEWAY_CLASS_NAMES {
        let _ = writeln!(out, "  class name     {:<40} {what}", m.pattern());
    }
    out
}

fn object_of<T: Copy>(items: &[(&str, T)], show: fn(T) -> &'static str) -> Value {
    Value::Object(
        items
            .iter()
            .map(|&(k, v)| (k.to_string(), json!(show(v))))
            .collect(),
    )
}

/// `presets --format json`.
pub fn presets_json() -> String {
    let clouds: Vec<Value> = presets::CLOUD_SETS
        .iter()
        .map(|s| {
            json!({
                "cloud": s.cloud.name(),
                "scheme": scheme_name(s.scheme),
                "annotations": object_of(s.annotations, set_value),
            })
        })
        .collect();
    let controllers: Vec<Value> = presets::CONTROLLERS
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "description": c.description,
                "podLabels": object_of(c.pod_labels, label_value),
                "namespaceLabels": object_of(c.namespace_labels, label_value),
                "ingressPassthrough": c.ingress_passthrough.iter().map(|&(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
                "gatewayOnly": c.gateway_only(),
                "ciliumPolicy": c.cilium_policy,
                "source": c.source,
            })
        })
        .collect();
    let value = json!({
        "clouds": clouds,
        "controllers": controllers,
        "l7Keys": presets::L7_KEYS,
        "keptIngressKeys": presets::KEPT_INGRESS_KEYS,
        "l7IngressClasses": presets::L7_INGRESS_CLASSES.iter().map(|(c, w)| json!({"class": c, "description": w})).collect::<Vec<_>>(),
        "l7GatewayControllers": presets::L7_GATEWAY_CONTROLLERS.iter().map(|(m, w)| json!({"controllerName": m.pattern(), "description": w})).collect::<Vec<_>>(),
        "l7GatewayClassNames": presets::L7_GATEWAY_CLASS_NAMES.iter().map(|(m, w)| json!({"name": m.pattern(), "description": w})).collect::<Vec<_>>(),
        "gatewayInfrastructureAnnotationLimit": presets::GATEWAY_INFRASTRUCTURE_ANNOTATION_LIMIT,
    });
    let mut out = serde_json::to_string_pretty(&value).expect("presets serialize");
    out.push('\n');
    out
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
        assert!(aws.contains("curl -k https://spaces.example.org/version"));
        assert!(aws.contains("--connect-to spaces.example.org:443:<address>:443"));
        assert!(aws.contains(".status.loadBalancer.ingress[0].hostname"));
        assert!(aws.contains("CNAME"));
        assert!(!aws.contains("<host>"));
        let gcp = guide(&config, Cloud::Gcp);
        assert!(gcp.contains(".status.loadBalancer.ingress[0].ip"));
        assert!(gcp.contains("an A record"));
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
        assert!(text.contains("https://<host>/version"));
    }

    #[test]
    fn presets_json_lists_every_controller() {
        let value: Value = serde_json::from_str(&presets_json()).unwrap();
        assert_eq!(
            value["controllers"].as_array().unwrap().len(),
            presets::CONTROLLERS.len()
        );
        assert_eq!(
            value["clouds"][0]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-type"],
            "external"
        );
    }
}
