//! The shared questions: which objects carry traffic to the router (the target
//! Services, the Ingresses whose backend is one, the Spaces Gateway and its routes, the
//! NetworkPolicies that select the router pods), which class an Ingress has, and which
//! namespace the Gateway is in. Every rule asks here, so that no two rules, and hence
//! no check and render, can answer differently.

use std::collections::BTreeSet;

use crate::config::Config;
use crate::manifest::{Obj, Object, Stream};
use crate::presets::{self, ControllerPreset};
use crate::yaml::{NodeId, Tree};

/// The Gateway API group.
pub const GATEWAY_GROUP: &str = "gateway.networking.k8s.io";

/// The annotation older manifests use instead of `spec.ingressClassName`.
pub const INGRESS_CLASS_ANNOTATION: &str = "kubernetes.io/ingress.class";

/// A set of `key=value` labels.
pub type LabelSet = BTreeSet<(String, String)>;

/// Services named by `--service` (core `v1` Services only), in stream order.
pub fn target_services<'s, 'a>(stream: &'s Stream<'a>, config: &Config) -> Vec<Obj<'s, 'a>> {
    stream
        .of_kind("Service")
        .filter(|o| o.api_version.is_empty() || o.api_version == "v1")
        .filter(|o| is_target(config, &o.namespace, &o.name))
        .collect()
}

/// Whether a Service `name` seen from `namespace` is a target.
pub fn is_target(config: &Config, namespace: &str, name: &str) -> bool {
    config.services.iter().any(|s| s.matches(namespace, name))
}

/// The Ingresses whose backend is a target Service, in stream order.
pub fn router_ingresses<'s, 'a>(stream: &'s Stream<'a>, config: &Config) -> Vec<Obj<'s, 'a>> {
    stream
        .of_kind("Ingress")
        .filter(|o| is_ingress(o) && ingress_routes_to_target(o.tree, o, config))
        .collect()
}

/// The class of an Ingress and the node that names it: a non-empty
/// `spec.ingressClassName`, else the legacy annotation (the API server prefers the field
/// when both are set; an empty field names no class).
pub fn ingress_class<'t>(tree: &'t Tree, object: &Object) -> Option<(&'t str, NodeId)> {
    let field = tree.path(object.node, &["spec", "ingressClassName"]);
    let annotation = tree.path(
        object.node,
        &["metadata", "annotations", INGRESS_CLASS_ANNOTATION],
    );
    [field, annotation]
        .into_iter()
        .flatten()
        .find_map(|n| tree.string(n).filter(|s| !s.is_empty()).map(|s| (s, n)))
}

/// The controller presets whose passthrough provider watches an Ingress class by default
/// (`nginx` is watched by two: ingress-nginx and Traefik's NGINX provider).
pub fn class_watchers(class: Option<&str>) -> Vec<&'static ControllerPreset> {
    presets::CONTROLLERS
        .iter()
        .filter(|p| class.is_some_and(|c| p.ingress_classes.contains(&c)))
        .collect()
}

/// What watches an Ingress class without doing TLS passthrough (Traefik's plain
/// kubernetesIngress provider for `traefik`).
pub fn without_passthrough(class: &str) -> Option<&'static str> {
    presets::NON_PASSTHROUGH_INGRESS_CLASSES
        .iter()
        .find(|(c, _, _)| *c == class)
        .map(|&(_, _, what)| what)
}

/// The Spaces Gateways: `--gateway [NAMESPACE/]NAME`, of the Gateway API group.
pub fn spaces_gateways<'s, 'a>(stream: &'s Stream<'a>, config: &Config) -> Vec<Obj<'s, 'a>> {
    stream
        .of_kind("Gateway")
        .filter(|o| o.group() == GATEWAY_GROUP && o.name == config.gateway)
        .filter(|o| {
            config
                .gateway_namespace
                .as_deref()
                .is_none_or(|ns| ns == o.namespace)
        })
        .collect()
}

/// The TLSRoute versions that count as the router's route: `v1`, standard since Gateway
/// API v1.5 and the only version its standard CRDs serve, and `v1alpha2` and `v1alpha3`,
/// which the experimental CRDs still serve (gateway-api
/// config/crd/standard/gateway.networking.k8s.io_tlsroutes.yaml and its experimental
/// twin). Their `parentRefs`, `hostnames` and `backendRefs` have the same shape.
pub const TLS_ROUTE_VERSIONS: &[&str] = &["v1alpha2", "v1alpha3", "v1"];

/// The kinds whose listeners join a Gateway's, as `(group, kind, versions)`:
/// `ListenerSet` (gateway-api config/crd/standard/gateway.networking.k8s.io_listenersets.yaml,
/// standard since v1.5: `v1` only) and its experimental predecessor `XListenerSet`
/// (apisx/v1alpha1/xlistenerset_types.go, Gateway API v1.3 and v1.4). Both have the
/// same `spec.parentRef` (apisx/v1alpha1/shared_types.go, `ParentGatewayReference`: group,
/// kind, name and, from v1.4, namespace) and `spec.listeners` of the Gateway's shape.
pub const LISTENER_SET_KINDS: &[(&str, &str, &[&str])] = &[
    (GATEWAY_GROUP, "ListenerSet", &["v1"]),
    (EXPERIMENTAL_GATEWAY_GROUP, "XListenerSet", &["v1alpha1"]),
];

/// The group of Gateway API's experimental kinds (`X` prefix).
pub const EXPERIMENTAL_GATEWAY_GROUP: &str = "gateway.networking.x-k8s.io";

/// Whether an object is a ListenerSet of one of [`LISTENER_SET_KINDS`].
pub fn is_listener_set(object: &Object) -> bool {
    let Some((group, version)) = object.api_version.split_once('/') else {
        return false;
    };
    LISTENER_SET_KINDS
        .iter()
        .any(|&(g, k, versions)| g == group && k == object.kind && versions.contains(&version))
}

/// Whether a reference's group and kind (a route's `parentRefs` item) name a ListenerSet
/// kind; the group defaults to Gateway API's.
pub fn references_listener_set(tree: &Tree, reference: NodeId) -> bool {
    let group = tree.str_at(reference, &["group"]).unwrap_or(GATEWAY_GROUP);
    let kind = tree.str_at(reference, &["kind"]);
    LISTENER_SET_KINDS
        .iter()
        .any(|&(g, k, _)| g == group && Some(k) == kind)
}

/// Whether an object is a Gateway API object of `kind` in one of `versions`.
fn is_gateway_api(object: &Object, kind: &str, versions: &[&str]) -> bool {
    object.kind == kind
        && object
            .api_version
            .split_once('/')
            .is_some_and(|(g, v)| g == GATEWAY_GROUP && versions.contains(&v))
}

/// The TLSRoutes (of every served version) with a backend that is a target Service, in
/// stream order.
pub fn router_tls_routes<'s, 'a>(stream: &'s Stream<'a>, config: &Config) -> Vec<Obj<'s, 'a>> {
    stream
        .of_kind("TLSRoute")
        .filter(|o| is_gateway_api(o, "TLSRoute", TLS_ROUTE_VERSIONS))
        .filter(|o| {
            let tree = o.tree;
            tree.path(o.node, &["spec", "rules"])
                .map_or(&[][..], |r| tree.items(r))
                .iter()
                .filter_map(|&rule| tree.get(rule, "backendRefs"))
                .flat_map(|b| tree.items(b))
                .any(|&b| backend_is_target(config, tree, o, b))
        })
        .collect()
}

/// The namespace a reference to the Spaces Gateway must name, when it is known: the one
/// given (`--gateway NAMESPACE/NAME`, `gatewayAPI.gateway.namespace`), else where the
/// stream renders the Gateway. `None`: any namespace (a shared Gateway managed elsewhere).
pub fn known_gateway_namespace(stream: &Stream, config: &Config) -> Option<String> {
    config.gateway_namespace.clone().or_else(|| {
        spaces_gateways(stream, config)
            .first()
            .map(|g| g.namespace.to_string())
    })
}

/// Whether a reference (a route's `parentRefs` item, a ListenerSet's `spec.parentRef`)
/// names the Spaces Gateway. Group and kind default to Gateway API's Gateway; the
/// namespace defaults to that of the referring object (`from`).
pub fn names_spaces_gateway(
    tree: &Tree,
    reference: NodeId,
    from: &str,
    config: &Config,
    gateway_namespace: Option<&str>,
) -> bool {
    let group = tree.str_at(reference, &["group"]).unwrap_or(GATEWAY_GROUP);
    let kind = tree.str_at(reference, &["kind"]).unwrap_or("Gateway");
    if group != GATEWAY_GROUP || kind != "Gateway" {
        return false;
    }
    if tree.str_at(reference, &["name"]) != Some(config.gateway.as_str()) {
        return false;
    }
    let namespace = tree.str_at(reference, &["namespace"]).unwrap_or(from);
    gateway_namespace.is_none_or(|ns| ns == namespace)
}

/// The ListenerSets whose `spec.parentRef` names the Spaces Gateway, in stream order:
/// their listeners are the Gateway's too.
pub fn spaces_listener_sets<'s, 'a>(stream: &'s Stream<'a>, config: &Config) -> Vec<Obj<'s, 'a>> {
    let gateway_namespace = known_gateway_namespace(stream, config);
    stream
        .objects()
        .filter(|o| is_listener_set(o))
        .filter(|o| {
            o.tree
                .path(o.node, &["spec", "parentRef"])
                .is_some_and(|r| {
                    names_spaces_gateway(
                        o.tree,
                        r,
                        &o.namespace,
                        config,
                        gateway_namespace.as_deref(),
                    )
                })
        })
        .collect()
}

/// The class of a Gateway: its `spec.gatewayClassName` (and that node), and the
/// GatewayClass of that name with its `spec.controllerName` when the stream renders it.
pub struct GatewayClass<'s, 'a> {
    pub name: &'s str,
    pub node: NodeId,
    pub class: Option<Obj<'s, 'a>>,
    pub controller: Option<&'s str>,
    pub controller_node: Option<NodeId>,
}

pub fn gateway_class<'s, 'a>(
    stream: &'s Stream<'a>,
    gateway: &Obj<'s, 'a>,
) -> Option<GatewayClass<'s, 'a>> {
    let tree = gateway.tree;
    let node = tree.path(gateway.node, &["spec", "gatewayClassName"])?;
    let name = tree.string(node)?;
    let class = stream
        .of_kind("GatewayClass")
        .find(|gc| gc.group() == GATEWAY_GROUP && gc.name == name);
    let controller_node = class
        .as_ref()
        .and_then(|gc| gc.tree.path(gc.node, &["spec", "controllerName"]));
    let controller = class
        .as_ref()
        .zip(controller_node)
        .and_then(|(gc, n)| gc.tree.string(n));
    Some(GatewayClass {
        name,
        node,
        class,
        controller,
        controller_node,
    })
}

/// The Spaces Gateway with a Layer-4 class in the stream, and what its class is: the
/// load balancer itself connects to the router pods, as in load-balancer mode.
pub fn l4_gateway(stream: &Stream, config: &Config) -> Option<(String, &'static str)> {
    spaces_gateways(stream, config).iter().find_map(|g| {
        let class = gateway_class(stream, g)?;
        let what = crate::presets::l4_gateway_class(class.name, class.controller)?;
        Some((format!("{}/{}", g.namespace, g.name), what))
    })
}

/// Whether a route's `backendRefs` item is a target Service (kind Service of the core
/// group is the default; the namespace defaults to the route's).
pub fn backend_is_target(config: &Config, tree: &Tree, route: &Object, backend: NodeId) -> bool {
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
    is_target(config, namespace, name)
}

/// An Ingress of `networking.k8s.io`, or of the old `extensions` group.
pub fn is_ingress(object: &Object) -> bool {
    object.kind == "Ingress" && matches!(object.group(), "networking.k8s.io" | "extensions")
}

/// Whether a backend of the Ingress (default backend or any path; `v1` or `v1beta1`
/// form) is a target Service in the Ingress's namespace (an Ingress only reaches
/// Services of its own namespace).
pub fn ingress_routes_to_target(tree: &Tree, object: &Object, config: &Config) -> bool {
    let Some(spec) = tree.get(object.node, "spec") else {
        return false;
    };
    let mut backends: Vec<NodeId> = Vec::new();
    backends.extend(tree.get(spec, "defaultBackend"));
    backends.extend(tree.get(spec, "backend"));
    if let Some(rules) = tree.get(spec, "rules") {
        for &rule in tree.items(rules) {
            if let Some(paths) = tree.path(rule, &["http", "paths"]) {
                backends.extend(
                    tree.items(paths)
                        .iter()
                        .filter_map(|&p| tree.get(p, "backend")),
                );
            }
        }
    }
    backends.into_iter().any(|b| {
        tree.str_at(b, &["service", "name"])
            .or_else(|| tree.str_at(b, &["serviceName"]))
            .is_some_and(|name| is_target(config, &object.namespace, name))
    })
}

/// A mapping of string labels; `None` when it is not a mapping or any entry is not a
/// pair of strings (such a selector cannot be compared).
pub fn label_set(tree: &Tree, map: NodeId) -> Option<LabelSet> {
    if !tree.is_map(map) {
        return None;
    }
    tree.entries(map)
        .iter()
        .map(|&(k, v)| Some((tree.scalar(k)?.to_string(), tree.string(v)?.to_string())))
        .collect()
}

/// `(namespace, spec.selector)` of each Service, in the order given; a Service without
/// a comparable selector gets an empty set (it selects no pods to compare with).
pub fn selectors(services: &[Obj]) -> Vec<(String, LabelSet)> {
    services
        .iter()
        .map(|svc| {
            let selector = svc
                .tree
                .path(svc.node, &["spec", "selector"])
                .and_then(|s| label_set(svc.tree, s))
                .unwrap_or_default();
            (svc.namespace.to_string(), selector)
        })
        .collect()
}

/// Whether a NetworkPolicy restricts ingress: `policyTypes` lists `Ingress`, or is
/// absent, null or empty (the API server then sets `Ingress`, plus `Egress` when egress
/// rules exist: `policyTypes: []` is defaulted like a missing field).
pub fn restricts_ingress(tree: &Tree, policy: NodeId) -> bool {
    match tree.path(policy, &["spec", "policyTypes"]) {
        Some(types) if tree.is_null(types) => true,
        Some(types) if tree.is_seq(types) && tree.items(types).is_empty() => true,
        Some(types) => tree
            .items(types)
            .iter()
            .any(|&t| tree.string(t) == Some("Ingress")),
        None => true,
    }
}

/// The indexes (in `selectors`) of the Services whose pods a NetworkPolicy governs: its
/// `spec.podSelector.matchLabels` is a non-empty subset of the Service's selector, in
/// the same namespace (docs/edits.md, "NetworkPolicy"). An empty pod selector (every pod of the namespace) or
/// `matchExpressions` (not evaluated here) make it no router policy.
pub fn policy_targets(
    tree: &Tree,
    policy: &Object,
    selectors: &[(String, LabelSet)],
) -> Vec<usize> {
    if policy.kind != "NetworkPolicy" || policy.group() != "networking.k8s.io" {
        return Vec::new();
    }
    let Some(pod_selector) = tree.path(policy.node, &["spec", "podSelector"]) else {
        return Vec::new();
    };
    if tree
        .get(pod_selector, "matchExpressions")
        .is_some_and(|e| !tree.items(e).is_empty())
    {
        return Vec::new();
    }
    let Some(labels) = tree
        .get(pod_selector, "matchLabels")
        .and_then(|m| label_set(tree, m))
    else {
        return Vec::new();
    };
    if labels.is_empty() {
        return Vec::new();
    }
    selectors
        .iter()
        .enumerate()
        .filter(|(_, (namespace, selector))| {
            *namespace == policy.namespace && labels.is_subset(selector)
        })
        .map(|(i, _)| i)
        .collect()
}
