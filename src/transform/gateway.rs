//! Gateway API (SPEC §4.3): the Gateway in front of the router passes TLS through, its
//! generated Service gets the cloud's Layer-4 annotations, HTTPRoutes to the router
//! are reported, and L7-only GatewayClasses are refused.
//!
//! TLSRoutes need nothing: `v1alpha2` (before Gateway API v1.5) and `v1` have the same
//! shape for what matters here (parentRefs and backendRefs).

use crate::cli::Mode;
use crate::error::{Error, Result};
use crate::manifest::{Document, Object};
use crate::presets::{self, Cloud, KeyMatch};
use crate::render::Plan;
use crate::yaml::NodeId;
use crate::yaml::write::{Fragment, quote};

use super::counted;

pub const GROUP: &str = "gateway.networking.k8s.io";

pub fn apply(plan: &mut Plan) -> Result<()> {
    if matches!(plan.config.mode, Mode::LoadBalancer | Mode::Ingress) {
        return Ok(());
    }
    let stream = plan.stream;
    let mut found = false;
    for (doc, object) in stream.of_kind("Gateway") {
        if object.group() != GROUP || object.name != plan.config.gateway {
            continue;
        }
        found = true;
        refuse_l7_class(plan, doc, object)?;
        edit(plan, doc, object)?;
    }
    report_http_routes(plan);
    if plan.config.mode == Mode::Gateway && !found {
        plan.warn(
            format!(
                "--mode gateway: no Gateway {:?} in the input, nothing to switch to passthrough (normal when the Gateway is managed outside this release; --gateway names it)",
                plan.config.gateway
            ),
            None,
        );
    }
    Ok(())
}

fn edit<'s, 'a>(plan: &mut Plan<'s, 'a>, doc: &'s Document<'a>, object: &'s Object) -> Result<()> {
    let tree = doc.tree.as_ref().expect("objects live in parsed documents");
    let mut notes = Vec::new();

    let listeners = tree
        .path(object.node, &["spec", "listeners"])
        .map_or(&[][..], |l| tree.items(l));
    for &listener in listeners {
        if !tree.is_map(listener) {
            continue;
        }
        let name = tree.str_at(listener, &["name"]).unwrap_or("?");
        let protocol = tree.str_at(listener, &["protocol"]);
        let tls = tree.get(listener, "tls").filter(|&t| tree.is_map(t));
        // Gateway API defaults `tls.mode` to Terminate (gateway-api apis/v1
        // gateway_types.go, GatewayTLSConfig.Mode), so a TLS listener without a mode
        // terminates as surely as one that says so.
        let mode = tls.and_then(|t| tree.str_at(t, &["mode"]));
        let note = match protocol {
            // An HTTPS listener can only terminate; passthrough needs protocol TLS.
            Some("HTTPS") => format!("listener {name}: HTTPS -> TLS Passthrough"),
            Some("TLS") if mode != Some("Passthrough") => {
                format!(
                    "listener {name}: TLS {} -> Passthrough",
                    mode.unwrap_or("Terminate")
                )
            }
            _ => continue,
        };
        let mut pairs = vec![(
            "tls".to_string(),
            Fragment::Map(vec![("mode".into(), Fragment::str("Passthrough"))]),
        )];
        if protocol == Some("HTTPS") {
            pairs.insert(0, ("protocol".to_string(), Fragment::str("TLS")));
        }
        // A flow `tls: {...}` is rewritten whole from its own entries: removing its
        // last entry and then adding one would leave a stray comma.
        if let Some(t) = tls.filter(|&t| tree.is_flow(t)) {
            let mut body: Vec<String> = tree
                .entries(t)
                .iter()
                .filter(|&&(k, _)| !matches!(tree.scalar(k), Some("certificateRefs" | "mode")))
                .map(|&(k, v)| format!("{}: {}", tree.text(k), tree.text(v)))
                .collect();
            body.insert(0, format!("mode: {}", quote("Passthrough")));
            let node = tree.node(t);
            plan.writer(doc)
                .edits
                .replace(node.start..node.end, format!("{{{}}}", body.join(", ")));
            pairs.retain(|(k, _)| k != "tls");
            if !pairs.is_empty() {
                plan.writer(doc)
                    .upsert(listener, &pairs)
                    .map_err(|e| plan.unsupported(doc, object, e))?;
            }
            notes.push(note);
            continue;
        }
        // A passthrough listener has no certificate: the router ends TLS.
        if let Some(t) = tls
            && let Some((refs, _)) = tree.entry(t, "certificateRefs")
        {
            plan.writer(doc)
                .remove_entry(t, refs)
                .map_err(|e| plan.unsupported(doc, object, e))?;
        }
        plan.writer(doc)
            .upsert(listener, &pairs)
            .map_err(|e| plan.unsupported(doc, object, e))?;
        notes.push(note);
    }

    infrastructure_annotations(plan, doc, object, &mut notes)?;
    plan.change(object, notes);
    Ok(())
}

/// The cloud's L4 set goes into `spec.infrastructure.annotations`, which Gateway API
/// controllers that honour it (Envoy Gateway, Istio, NGINX Gateway Fabric, Contour)
/// copy onto the Service they create for the Gateway (Gateway API v1.2 standard).
fn infrastructure_annotations<'s, 'a>(
    plan: &mut Plan<'s, 'a>,
    doc: &'s Document<'a>,
    object: &'s Object,
    notes: &mut Vec<String>,
) -> Result<()> {
    let config = plan.config;
    let tree = doc.tree.as_ref().expect("objects live in parsed documents");
    let cloud = config.cloud.unwrap_or(Cloud::None);
    let set = presets::l4_annotations(cloud, config.scheme, config.aws_target_type);
    let existing = tree
        .path(object.node, &["spec", "infrastructure", "annotations"])
        .filter(|&a| tree.is_map(a));
    let mut keys: Vec<&str> = existing
        .map(|m| {
            tree.entries(m)
                .iter()
                .filter_map(|&(k, _)| tree.scalar(k))
                .collect()
        })
        .unwrap_or_default();
    keys.sort_unstable();
    keys.dedup();
    let missing: Vec<(&str, &str)> = set
        .iter()
        .copied()
        .filter(|&(k, v)| {
            existing
                .and_then(|m| tree.get(m, k))
                .and_then(|n| tree.string(n))
                != Some(v)
        })
        .collect();
    let total = keys.len() + missing.iter().filter(|(k, _)| !keys.contains(k)).count();
    let limit = presets::GATEWAY_INFRASTRUCTURE_ANNOTATION_LIMIT;
    if total > limit {
        let at = existing.unwrap_or(object.node);
        return Err(Error::input(
            plan.stream.location(doc, Some(object), at),
            format!(
                "spec.infrastructure.annotations would hold {total} keys ({} in the input, {} for --cloud {}); Gateway API before v1.6 accepts at most {limit}",
                keys.len(),
                total - keys.len(),
                cloud.name()
            ),
            Some(
                "drop keys the generated Service does not need, or put the cloud annotations on the controller's Service instead (e.g. Envoy Gateway's EnvoyProxy envoyService.annotations)"
                    .to_string(),
            ),
        ));
    }
    if missing.is_empty() {
        return Ok(());
    }
    let spec = Fragment::Map(vec![(
        "infrastructure".into(),
        Fragment::Map(vec![(
            "annotations".into(),
            Fragment::string_map(set.iter().copied()),
        )]),
    )]);
    plan.writer(doc)
        .upsert(object.node, &[("spec".into(), spec)])
        .map_err(|e| plan.unsupported(doc, object, e))?;
    notes.push(counted(
        "+",
        missing.len(),
        "infrastructure annotation",
        &format!(" ({})", cloud.name()),
    ));
    Ok(())
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

/// The Gateway's class must be able to pass TLS through: its name, or the
/// controllerName of the GatewayClass in the stream, must not be an L7-only one.
fn refuse_l7_class(plan: &Plan, doc: &Document, object: &Object) -> Result<()> {
    let tree = doc.tree.as_ref().expect("objects live in parsed documents");
    let Some(class_node) = tree.path(object.node, &["spec", "gatewayClassName"]) else {
        return Ok(());
    };
    let Some(class) = tree.scalar(class_node) else {
        return Ok(());
    };
    let help = Some(
        "use a GatewayClass whose controller supports TLS listeners in Passthrough mode (`spaces-expose presets` lists the controllers), or a LoadBalancer Service (--mode load-balancer)"
            .to_string(),
    );
    // The GatewayClass itself, when the release renders it: its controllerName decides.
    for (class_doc, gc) in plan.stream.of_kind("GatewayClass") {
        if gc.group() != GROUP || gc.name != class {
            continue;
        }
        let gc_tree = class_doc.tree.as_ref().expect("parsed");
        let controller_node = gc_tree.path(gc.node, &["spec", "controllerName"]);
        let controller = controller_node.and_then(|n| gc_tree.scalar(n));
        if let Some(what) = l7_class(class, controller) {
            return Err(Error::input(
                plan.stream
                    .location(class_doc, Some(gc), controller_node.unwrap_or(gc.node)),
                format!(
                    "GatewayClass {class:?} used by Gateway {}/{} is the {what}, which only terminates TLS (L7)",
                    object.namespace, object.name
                ),
                help,
            ));
        }
        return Ok(());
    }
    if let Some(what) = l7_class(class, None) {
        return Err(Error::input(
            plan.stream.location(doc, Some(object), class_node),
            format!("GatewayClass {class:?} is the {what}, which only terminates TLS (L7)"),
            help,
        ));
    }
    Ok(())
}

/// An HTTPRoute to the router means TLS ends at the Gateway. The chart renders one
/// only when the router runs without TLS, so it is reported and left as it is.
fn report_http_routes(plan: &mut Plan) {
    let stream = plan.stream;
    for (doc, route) in stream.of_kind("HTTPRoute") {
        if route.group() != GROUP {
            continue;
        }
        let tree = doc.tree.as_ref().expect("objects live in parsed documents");
        let rules = tree
            .path(route.node, &["spec", "rules"])
            .map_or(&[][..], |r| tree.items(r));
        let hits: Vec<NodeId> = rules
            .iter()
            .flat_map(|&rule| {
                tree.get(rule, "backendRefs")
                    .map_or(&[][..], |b| tree.items(b))
            })
            .copied()
            .filter(|&backend| backend_is_target(plan, tree, route, backend))
            .collect();
        for backend in hits {
            plan.warn(
                format!(
                    "HTTPRoute {}/{} sends the router's traffic through an HTTP listener: TLS ends at the Gateway and the router never sees client certificates; left as it is (the chart renders it only when the router runs insecure)",
                    route.namespace, route.name
                ),
                Some(stream.location(doc, Some(route), backend)),
            );
        }
    }
}

/// A backendRef to a target Service (kind Service in the core group is the default).
fn backend_is_target(
    plan: &Plan,
    tree: &crate::yaml::Tree,
    route: &Object,
    backend: NodeId,
) -> bool {
    let kind = tree.str_at(backend, &["kind"]).unwrap_or("Service");
    let group = tree.str_at(backend, &["group"]).unwrap_or("");
    if kind != "Service" || !group.is_empty() {
        return false;
    }
    let Some(name) = tree.str_at(backend, &["name"]) else {
        return false;
    };
    let namespace = tree
        .str_at(backend, &["namespace"])
        .unwrap_or(&route.namespace);
    plan.config
        .services
        .iter()
        .any(|s| s.matches(namespace, name))
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
