//! The `presets` subcommand: the data tables of presets.rs as text or JSON, so users
//! see exactly what the rules run on.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::presets::{self, LabelValue, SetValue};

fn set_value(v: SetValue) -> &'static str {
    match v {
        SetValue::Fixed(s) => s,
        SetValue::AwsTargetType => "<--aws-target-type: ip|instance>",
    }
}

fn label_value(v: LabelValue) -> String {
    v.shown()
}

fn pairs<T: Copy, S: std::fmt::Display>(items: &[(&str, T)], show: fn(T) -> S) -> String {
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
            "  {:<12} {:<16} {}",
            set.cloud.name(),
            set.scheme.name(),
            pairs(set.annotations, set_value)
        );
    }
    out.push_str(
        "\nLoad-balancer classes (--lb-class, spec.loadBalancerClass; immutable once set)\n\n",
    );
    for c in presets::LB_CLASSES {
        let scheme = c
            .scheme
            .map_or(String::new(), |s| format!(", {} only", s.name()));
        let _ = writeln!(
            out,
            "  {:<40} {}{scheme}: {}",
            c.class,
            c.cloud.name(),
            c.note
        );
        if !c.omits.is_empty() {
            let _ = writeln!(out, "      replaces:   {}", c.omits.join(", "));
        }
        let _ = writeln!(out, "      source:     {}", c.source);
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
        if !c.ingress_classes.is_empty() {
            let _ = writeln!(out, "      classes:    {}", c.ingress_classes.join(", "));
        }
        if !c.notes.is_empty() {
            let _ = writeln!(out, "      note:       {}", c.notes);
        }
        let _ = writeln!(out, "      source:     {}", c.source);
    }
    out.push_str("  custom: --pod-label K=V and --namespace-label K=V\n");
    out.push_str("\nLayer-7 / TLS-termination keys (stripped by render, reported by check)\n\n");
    for k in presets::L7_KEYS {
        let on = match k.on {
            presets::On::Service => "Service",
            presets::On::Ingress => "Ingress",
        };
        let when = match k.when {
            presets::When::Always => String::new(),
            presets::When::NegForIngress => " (when it asks for \"ingress\": true)".to_string(),
            presets::When::ValueIn(values) => format!(" (when {})", values.join("/")),
            presets::When::True => " (when true)".to_string(),
            presets::When::AttributeTrue(name) => {
                format!(" (when {name}=true; only that attribute goes)")
            }
        };
        let _ = writeln!(out, "  {on:<8} {:<70} {}{when}", k.key.pattern(), k.note);
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
    out.push_str("\nIngress classes whose provider does not pass TLS through\n\n");
    for (class, controller, what) in presets::NON_PASSTHROUGH_INGRESS_CLASSES {
        let _ = writeln!(out, "  {class:<28} {controller}: {what}");
    }
    out.push_str("\nLayer-7-only GatewayClasses\n\n");
    for (m, what) in presets::L7_GATEWAY_CONTROLLERS {
        let _ = writeln!(out, "  controllerName {:<40} {what}", m.pattern());
    }
    for (m, what) in presets::L7_GATEWAY_CLASS_NAMES {
        let _ = writeln!(out, "  class name     {:<40} {what}", m.pattern());
    }
    out.push_str("  except the GKE TLS passthrough classes (GKE 1.35+), which are Layer 4:\n");
    for (class, scheme) in presets::GKE_PASSTHROUGH_GATEWAY_CLASSES {
        let _ = writeln!(out, "  class name     {class:<40} {}", scheme.name());
    }
    out.push_str("\nLayer-4 GatewayClasses (the router policy needs an ipBlock: --admit-cidr)\n\n");
    for (m, what) in presets::L4_GATEWAY_CONTROLLERS {
        let _ = writeln!(out, "  controllerName {:<40} {what}", m.pattern());
    }
    let _ = writeln!(
        out,
        "  class name     {:<40} {}",
        "(the GKE TLS passthrough classes)",
        presets::GKE_PASSTHROUGH_WHAT
    );
    out.push_str("\nGateway controllers that generate no Service (no cloud set in infrastructure annotations)\n\n");
    for (m, what) in presets::SERVICELESS_GATEWAY_CONTROLLERS {
        let _ = writeln!(out, "  controllerName {:<40} {what}", m.pattern());
    }
    for (m, what) in presets::SERVICELESS_GATEWAY_CLASS_NAMES {
        let _ = writeln!(out, "  class name     {:<40} {what}", m.pattern());
    }
    let _ = writeln!(
        out,
        "\nGateway spec.infrastructure.annotations: at most {} keys (Gateway API v1.6+), {} before v1.6",
        presets::GATEWAY_INFRASTRUCTURE_ANNOTATION_LIMIT,
        presets::GATEWAY_INFRASTRUCTURE_ANNOTATION_LIMIT_BEFORE_V1_6
    );
    let _ = writeln!(
        out,
        "Traefik Gateway listeners bind to the entryPoint with their port: {} (Traefik chart defaults; config traefik.entryPointPorts)",
        presets::traefik_entry_points()
    );
    out
}

fn object_of<T: Copy, S: std::fmt::Display>(items: &[(&str, T)], show: fn(T) -> S) -> Value {
    Value::Object(
        items
            .iter()
            .map(|&(k, v)| (k.to_string(), json!(show(v).to_string())))
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
                "scheme": s.scheme.name(),
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
                "ingressClasses": c.ingress_classes,
                "notes": c.notes,
                "source": c.source,
            })
        })
        .collect();
    let value = json!({
        "clouds": clouds,
        "loadBalancerClasses": presets::LB_CLASSES,
        "controllers": controllers,
        "l7Keys": presets::L7_KEYS,
        "keptIngressKeys": presets::KEPT_INGRESS_KEYS,
        "l7IngressClasses": presets::L7_INGRESS_CLASSES.iter().map(|(c, w)| json!({"class": c, "description": w})).collect::<Vec<_>>(),
        "nonPassthroughIngressClasses": presets::NON_PASSTHROUGH_INGRESS_CLASSES.iter().map(|(c, p, w)| json!({"class": c, "controller": p, "description": w})).collect::<Vec<_>>(),
        "l7GatewayControllers": presets::L7_GATEWAY_CONTROLLERS.iter().map(|(m, w)| json!({"controllerName": m.pattern(), "description": w})).collect::<Vec<_>>(),
        "l7GatewayClassNames": presets::L7_GATEWAY_CLASS_NAMES.iter().map(|(m, w)| json!({"name": m.pattern(), "description": w})).collect::<Vec<_>>(),
        "gkePassthroughGatewayClasses": presets::GKE_PASSTHROUGH_GATEWAY_CLASSES.iter().map(|&(c, _)| c).collect::<Vec<_>>(),
        "gkePassthroughGatewayClassSchemes": presets::GKE_PASSTHROUGH_GATEWAY_CLASSES.iter().map(|(c, s)| json!({"name": c, "scheme": s.name()})).collect::<Vec<_>>(),
        "l4GatewayControllers": presets::L4_GATEWAY_CONTROLLERS.iter().map(|(m, w)| json!({"controllerName": m.pattern(), "description": w})).collect::<Vec<_>>(),
        "servicelessGatewayControllers": presets::SERVICELESS_GATEWAY_CONTROLLERS.iter().map(|(m, w)| json!({"controllerName": m.pattern(), "description": w})).collect::<Vec<_>>(),
        "servicelessGatewayClassNames": presets::SERVICELESS_GATEWAY_CLASS_NAMES.iter().map(|(m, w)| json!({"name": m.pattern(), "description": w})).collect::<Vec<_>>(),
        "gatewayInfrastructureAnnotationLimit": presets::GATEWAY_INFRASTRUCTURE_ANNOTATION_LIMIT,
        "gatewayInfrastructureAnnotationLimitBeforeV1_6": presets::GATEWAY_INFRASTRUCTURE_ANNOTATION_LIMIT_BEFORE_V1_6,
        "traefikEntryPoints": presets::TRAEFIK_ENTRY_POINTS.iter().map(|(n, p)| json!({"name": n, "port": p})).collect::<Vec<_>>(),
    });
    let mut out = serde_json::to_string_pretty(&value).expect("presets serialize");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
