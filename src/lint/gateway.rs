//! SE301–SE305: the Spaces Gateway (`--gateway`, default `spaces`), its class, and
//! routes to the router.

use crate::manifest::{Document, Object};
use crate::presets::{self, Cloud};
use crate::yaml::Tree;

use super::Ctx;
use super::service::{describe, scheme_name, set_gaps};

const GROUP: &str = "gateway.networking.k8s.io";

pub(super) fn check(ctx: &mut Ctx) {
    let gateways: Vec<_> = ctx
        .stream
        .of_kind("Gateway")
        .filter(|(_, o)| o.group() == GROUP && o.name == ctx.config.gateway)
        .collect();
    let mut classes = Vec::new();
    for &(doc, object) in &gateways {
        let tree = doc.tree.as_ref().expect("objects live in parsed documents");
        listeners(ctx, doc, object, tree);
        if let Some(class) = tree.path(object.node, &["spec", "gatewayClassName"]) {
            let name = tree.scalar(class).unwrap_or_default();
            classes.push(name.to_string());
            if let Some((_, what)) = presets::L7_GATEWAY_CLASS_NAMES
                .iter()
                .find(|(m, _)| m.matches(name))
            {
                ctx.report(
                    "SE303",
                    doc,
                    Some(object),
                    class,
                    format!(
                        "Gateway {} uses class {name} ({what}), which has no TLS passthrough",
                        object.name
                    ),
                );
            }
        }
        infrastructure(ctx, doc, object, tree);
    }
    gateway_classes(ctx, &classes);
    http_routes(ctx);
}

/// SE301: HTTPS listeners, and TLS listeners that are not in Passthrough mode.
fn listeners(ctx: &mut Ctx, doc: &Document, object: &Object, tree: &Tree) {
    let Some(list) = tree.path(object.node, &["spec", "listeners"]) else {
        return;
    };
    for &listener in tree.items(list) {
        let name = tree.str_at(listener, &["name"]).unwrap_or("?");
        let Some(protocol) = tree.get(listener, "protocol") else {
            continue;
        };
        match tree.scalar(protocol) {
            Some("HTTPS") => ctx.report(
                "SE301",
                doc,
                Some(object),
                protocol,
                format!(
                    "listener {name} of Gateway {} has protocol HTTPS, which always terminates TLS",
                    object.name
                ),
            ),
            Some("TLS") => {
                // Gateway API: tls.mode defaults to Terminate.
                let mode = tree.path(listener, &["tls", "mode"]);
                let value = mode.and_then(|m| tree.scalar(m));
                if value != Some("Passthrough") {
                    ctx.report(
                        "SE301",
                        doc,
                        Some(object),
                        mode.unwrap_or(protocol),
                        format!(
                            "TLS listener {name} of Gateway {} is in {} mode: TLS ends at the Gateway",
                            object.name,
                            value.unwrap_or("Terminate (the default)")
                        ),
                    );
                }
            }
            _ => {}
        }
    }
}

/// SE304 and SE305: `spec.infrastructure.annotations`.
fn infrastructure(ctx: &mut Ctx, doc: &Document, object: &Object, tree: &Tree) {
    let map = tree
        .path(object.node, &["spec", "infrastructure", "annotations"])
        .filter(|&m| tree.is_map(m));
    if let Some(m) = map {
        let count = tree.entries(m).len();
        if count > presets::GATEWAY_INFRASTRUCTURE_ANNOTATION_LIMIT {
            ctx.report(
                "SE304",
                doc,
                Some(object),
                m,
                format!(
                    "Gateway {} has {count} infrastructure annotations; Gateway API before v1.6 allows {}",
                    object.name,
                    presets::GATEWAY_INFRASTRUCTURE_ANNOTATION_LIMIT
                ),
            );
        }
    }
    let Some(cloud) = ctx.config.cloud else {
        return;
    };
    if cloud == Cloud::None {
        return;
    }
    let gaps = set_gaps(ctx, tree, map, cloud);
    // Within the limit now, over it once the cloud set is added: render refuses that.
    let count = map.map_or(0, |m| tree.entries(m).len());
    let limit = presets::GATEWAY_INFRASTRUCTURE_ANNOTATION_LIMIT;
    if count <= limit && count + gaps.missing.len() > limit {
        ctx.report(
            "SE304",
            doc,
            Some(object),
            map.unwrap_or(object.node),
            format!(
                "Gateway {} has {count} infrastructure annotations and the {} set adds {}: {} keys, over the Gateway API limit of {limit} before v1.6",
                object.name,
                cloud.name(),
                gaps.missing.len(),
                count + gaps.missing.len()
            ),
        );
    }
    if let Some(text) = describe(&gaps) {
        let at = gaps
            .wrong
            .first()
            .map(|&(_, v)| v)
            .or(map)
            .or_else(|| tree.get(object.node, "spec"))
            .unwrap_or(object.node);
        ctx.report(
            "SE305",
            doc,
            Some(object),
            at,
            format!(
                "Gateway {} infrastructure annotations lack the {} {} Layer-4 set its generated Service needs: {text}",
                object.name,
                cloud.name(),
                scheme_name(ctx.config.scheme)
            ),
        );
    }
}

/// SE303: a GatewayClass used by the Spaces Gateway names an L7-only controller.
fn gateway_classes(ctx: &mut Ctx, used: &[String]) {
    let classes: Vec<_> = ctx
        .stream
        .of_kind("GatewayClass")
        .filter(|(_, o)| o.group() == GROUP && used.iter().any(|u| *u == o.name))
        .collect();
    for (doc, object) in classes {
        let tree = doc.tree.as_ref().expect("objects live in parsed documents");
        let Some(node) = tree.path(object.node, &["spec", "controllerName"]) else {
            continue;
        };
        let controller = tree.scalar(node).unwrap_or_default();
        if let Some((_, what)) = presets::L7_GATEWAY_CONTROLLERS
            .iter()
            .find(|(m, _)| m.matches(controller))
        {
            ctx.report(
                "SE303",
                doc,
                Some(object),
                node,
                format!(
                    "GatewayClass {} is run by {controller} ({what}), which has no TLS passthrough",
                    object.name
                ),
            );
        }
    }
}

/// SE302: an HTTPRoute backend is a target Service.
fn http_routes(ctx: &mut Ctx) {
    let routes: Vec<_> = ctx
        .stream
        .of_kind("HTTPRoute")
        .filter(|(_, o)| o.group() == GROUP)
        .collect();
    for (doc, object) in routes {
        let tree = doc.tree.as_ref().expect("objects live in parsed documents");
        let Some(rules) = tree.path(object.node, &["spec", "rules"]) else {
            continue;
        };
        for &rule in tree.items(rules) {
            let Some(refs) = tree.get(rule, "backendRefs") else {
                continue;
            };
            for &backend in tree.items(refs) {
                let kind = tree.str_at(backend, &["kind"]).unwrap_or("Service");
                let group = tree.str_at(backend, &["group"]).unwrap_or("");
                if kind != "Service" || !group.is_empty() {
                    continue;
                }
                let Some(name_node) = tree.get(backend, "name") else {
                    continue;
                };
                let name = tree.scalar(name_node).unwrap_or_default();
                let namespace = tree
                    .str_at(backend, &["namespace"])
                    .unwrap_or(&object.namespace);
                if ctx.is_target(namespace, name) {
                    ctx.report(
                        "SE302",
                        doc,
                        Some(object),
                        name_node,
                        format!(
                            "HTTPRoute {} sends traffic to Service {name}: TLS ends at the Gateway and HTTP is proxied to the router",
                            object.name
                        ),
                    );
                }
            }
        }
    }
}
