//! SE301–SE306: the Spaces Gateway (`--gateway`, default `spaces`), its class, and
//! routes to the router (docs/edits.md, "Gateway API").
//!
//! TLSRoutes need nothing: `v1alpha2` and `v1` have the same shape for what matters
//! here (parentRefs and backendRefs).

use crate::config::Mode;
use crate::manifest::Obj;
use crate::presets::{self, Cloud, KeyMatch};
use crate::router::{self, GATEWAY_GROUP};
use crate::yaml::write::Fragment;

use super::service::{l4_gaps, set_edits};
use super::{Code, Ctx, Edit, Note, Remedy, fix};

pub(super) fn run(ctx: &mut Ctx) {
    let gateways = router::spaces_gateways(ctx.stream, ctx.config);
    if ctx.config.mode == Mode::Gateway && gateways.is_empty() {
        ctx.report_stream(
            Code::SE306,
            format!(
                "--mode gateway: no Gateway {:?} in the input, nothing to switch to passthrough (normal when the Gateway is managed outside this release; --gateway names it)",
                ctx.config.gateway
            ),
        );
    }
    for gateway in &gateways {
        class(ctx, gateway);
        listeners(ctx, gateway);
        infrastructure(ctx, gateway);
    }
    http_routes(ctx);
}

/// Whether a GatewayClass (by its name and controllerName) can only do L7.
fn l7_class(name: &str, controller: Option<&str>) -> Option<&'static str> {
    let hit = |table: &'static [(KeyMatch, &'static str)], value: &str| {
        table
            .iter()
            .find(|(m, _)| m.matches(value))
            .map(|&(_, what)| what)
    };
    hit(presets::L7_GATEWAY_CLASS_NAMES, name)
        .or_else(|| controller.and_then(|c| hit(presets::L7_GATEWAY_CONTROLLERS, c)))
}

/// SE303: the Gateway's class must be able to pass TLS through: its name, or the
/// controllerName of the GatewayClass when the release renders it.
fn class(ctx: &mut Ctx, gateway: &Obj) {
    let tree = gateway.tree;
    let Some(class_node) = tree.path(gateway.node, &["spec", "gatewayClassName"]) else {
        return;
    };
    let Some(class) = tree.string(class_node) else {
        return;
    };
    let help = "use a GatewayClass whose controller supports TLS listeners in Passthrough mode (`spaces-expose presets` lists the controllers), or a LoadBalancer Service (--mode load-balancer)".to_string();
    let rendered = ctx
        .stream
        .of_kind("GatewayClass")
        .find(|gc| gc.group() == GATEWAY_GROUP && gc.name == class);
    if let Some(gc) = rendered {
        let controller_node = gc.tree.path(gc.node, &["spec", "controllerName"]);
        let controller = controller_node.and_then(|n| gc.tree.string(n));
        if let Some(what) = l7_class(class, controller) {
            ctx.report(
                Code::SE303,
                &gc,
                controller_node.unwrap_or(gc.node),
                format!(
                    "GatewayClass {class:?} used by Gateway {}/{} is the {what}, which only terminates TLS (L7)",
                    gateway.namespace, gateway.name
                ),
                Remedy::Refuse(help),
            );
        }
    } else if let Some(what) = l7_class(class, None) {
        ctx.report(
            Code::SE303,
            gateway,
            class_node,
            format!("GatewayClass {class:?} is the {what}, which only terminates TLS (L7)"),
            Remedy::Refuse(help),
        );
    }
}

/// SE301: HTTPS listeners, and TLS listeners that are not in Passthrough mode, become
/// TLS Passthrough listeners without certificates (the router ends TLS).
fn listeners(ctx: &mut Ctx, gateway: &Obj) {
    let tree = gateway.tree;
    let Some(list) = tree.path(gateway.node, &["spec", "listeners"]) else {
        return;
    };
    for &listener in tree.items(list) {
        if !tree.is_map(listener) {
            continue;
        }
        let name = tree.str_at(listener, &["name"]).unwrap_or("?");
        let Some(protocol_node) = tree.get(listener, "protocol") else {
            continue;
        };
        let protocol = tree.string(protocol_node);
        let tls = tree.get(listener, "tls").filter(|&t| tree.is_map(t));
        // Gateway API defaults `tls.mode` to Terminate (gateway-api apis/v1
        // gateway_types.go, GatewayTLSConfig.Mode), so a TLS listener without a mode
        // terminates as surely as one that says so.
        let mode_node = tls.and_then(|t| tree.get(t, "mode"));
        let mode = mode_node.and_then(|m| tree.string(m));
        let (at, message, note) = match protocol {
            Some("HTTPS") => (
                protocol_node,
                format!(
                    "listener {name} of Gateway {} has protocol HTTPS, which always terminates TLS",
                    gateway.name
                ),
                format!("listener {name}: HTTPS -> TLS Passthrough"),
            ),
            Some("TLS") if mode != Some("Passthrough") => (
                mode_node.unwrap_or(protocol_node),
                format!(
                    "TLS listener {name} of Gateway {} is in {} mode: TLS ends at the Gateway",
                    gateway.name,
                    mode.unwrap_or("Terminate (the default)")
                ),
                format!(
                    "listener {name}: TLS {} -> Passthrough",
                    mode.unwrap_or("Terminate")
                ),
            ),
            _ => continue,
        };
        let mut edits = Vec::new();
        let mut pairs = Vec::new();
        if protocol == Some("HTTPS") {
            pairs.push(("protocol".to_string(), Fragment::str("TLS")));
        }
        let passthrough = || vec![("mode".to_string(), Fragment::str("Passthrough"))];
        match tls {
            Some(t) if tree.is_flow(t) => edits.push(Edit::RewriteFlowMap {
                map: t,
                drop: vec!["certificateRefs"],
                pairs: passthrough(),
            }),
            _ => {
                if let Some(t) = tls
                    && let Some((refs, _)) = tree.entry(t, "certificateRefs")
                {
                    edits.push(Edit::RemoveEntry { map: t, key: refs });
                }
                pairs.push(("tls".to_string(), Fragment::Map(passthrough())));
            }
        }
        if !pairs.is_empty() {
            edits.push(Edit::Upsert {
                map: listener,
                pairs,
            });
        }
        ctx.report(
            Code::SE301,
            gateway,
            at,
            message,
            fix(gateway, edits, vec![Note::Text(note)]),
        );
    }
}

/// SE304 and SE305: the cloud's Layer-4 set goes into `spec.infrastructure.annotations`,
/// which Gateway API controllers that honour it (Envoy Gateway, Istio, NGINX Gateway
/// Fabric, Contour) copy onto the Service they create; Gateway API before v1.6 allows
/// at most 8 keys there.
fn infrastructure(ctx: &mut Ctx, gateway: &Obj) {
    let config = ctx.config;
    let tree = gateway.tree;
    let map = tree
        .path(gateway.node, &["spec", "infrastructure", "annotations"])
        .filter(|&m| tree.is_map(m));
    let mut keys: Vec<&str> = map
        .map(|m| {
            tree.entries(m)
                .iter()
                .filter_map(|&(k, _)| tree.scalar(k))
                .collect()
        })
        .unwrap_or_default();
    keys.sort_unstable();
    keys.dedup();
    let limit = presets::GATEWAY_INFRASTRUCTURE_ANNOTATION_LIMIT;
    let at = map.unwrap_or(gateway.node);
    let help = "drop keys the generated Service does not need, or put the cloud annotations on the controller's Service instead (e.g. Envoy Gateway's EnvoyProxy envoyService.annotations)".to_string();
    let cloud = config
        .cloud
        .filter(|&c| c != Cloud::None && ctx.enabled(Code::SE305));
    let Some(cloud) = cloud else {
        if keys.len() > limit {
            ctx.report(
                Code::SE304,
                gateway,
                at,
                format!(
                    "Gateway {} has {} infrastructure annotations; Gateway API before v1.6 accepts at most {limit}",
                    gateway.name,
                    keys.len()
                ),
                Remedy::Refuse(help),
            );
        }
        return;
    };
    let gaps = l4_gaps(tree, map, config, cloud, &[]);
    let removed: std::collections::BTreeSet<&str> =
        gaps.contradicting.iter().map(|(_, k)| k.as_str()).collect();
    let total = keys.len() + gaps.missing.len() - removed.len();
    if total > limit {
        ctx.report(
            Code::SE304,
            gateway,
            at,
            format!(
                "spec.infrastructure.annotations would hold {total} keys ({} in the input, {} for --cloud {}); Gateway API before v1.6 accepts at most {limit}",
                keys.len(),
                total.saturating_sub(keys.len()),
                cloud.name()
            ),
            Remedy::Refuse(help),
        );
        return;
    }
    if gaps.is_empty() {
        return;
    }
    let node = gaps
        .wrong
        .first()
        .map(|&(_, _, v)| v)
        .or(map)
        .or_else(|| tree.get(gateway.node, "spec"))
        .unwrap_or(gateway.node);
    let notes = gaps.notes("infrastructure annotation", cloud);
    let edits = set_edits(
        gateway.node,
        &["spec", "infrastructure", "annotations"],
        map,
        &gaps,
    );
    ctx.report(
        Code::SE305,
        gateway,
        node,
        format!(
            "Gateway {} infrastructure annotations lack the {} {} Layer-4 set its generated Service needs: {}",
            gateway.name,
            cloud.name(),
            config.scheme.name(),
            gaps.describe(tree, config)
        ),
        fix(gateway, edits, notes),
    );
}

/// SE302: an HTTPRoute backend is a target Service. The chart renders one only when the
/// router runs without TLS, so it is reported and left as it is.
fn http_routes(ctx: &mut Ctx) {
    let routes: Vec<_> = ctx
        .stream
        .of_kind("HTTPRoute")
        .filter(|o| o.group() == GATEWAY_GROUP)
        .collect();
    for route in routes {
        let tree = route.tree;
        let rules = tree
            .path(route.node, &["spec", "rules"])
            .map_or(&[][..], |r| tree.items(r));
        for &rule in rules {
            let backends = tree
                .get(rule, "backendRefs")
                .map_or(&[][..], |b| tree.items(b));
            for &backend in backends {
                if !router::backend_is_target(ctx.config, tree, &route, backend) {
                    continue;
                }
                let name = tree.str_at(backend, &["name"]).unwrap_or_default();
                let at = tree.get(backend, "name").unwrap_or(backend);
                ctx.report(
                    Code::SE302,
                    &route,
                    at,
                    format!(
                        "HTTPRoute {}/{} sends traffic to Service {name} through an HTTP listener: TLS ends at the Gateway and the router never sees client certificates; left as it is (the chart renders it only when the router runs insecure)",
                        route.namespace, route.name
                    ),
                    Remedy::Warn,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::l7_class;

    #[test]
    fn l7_gateway_classes_by_name_or_controller() {
        assert!(l7_class("gke-l7-global-external-managed", None).is_some());
        assert!(l7_class("azure-alb-external", None).is_some());
        assert!(l7_class("spaces", Some("gateway.k8s.aws/alb")).is_some());
        assert!(l7_class("spaces", Some("networking.gke.io/gateway")).is_some());
        assert!(l7_class("spaces", Some("alb.networking.azure.io/alb-controller")).is_some());
        // Passthrough-capable controllers, and GKE's L4 classes, are fine.
        assert!(l7_class("eg", Some("gateway.envoyproxy.io/gatewayclass-controller")).is_none());
        assert!(l7_class("gke-l4-rilb", None).is_none());
        assert!(l7_class("spaces", None).is_none());
    }
}
