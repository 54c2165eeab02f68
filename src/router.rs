//! Which objects carry traffic to the router: the target Services, the Ingresses whose
//! backend is one, and the NetworkPolicies that select the router pods. Shared by the
//! transforms and the lint rules, so that `check` reports on exactly what render edits.

use std::collections::BTreeSet;

use crate::config::Config;
use crate::manifest::{Document, Object, Stream};
use crate::yaml::{NodeId, Tree};

/// A set of `key=value` labels.
pub type LabelSet = BTreeSet<(String, String)>;

/// Services named by `--service` (core `v1` Services only), in stream order.
pub fn target_services<'s, 'a>(
    stream: &'s Stream<'a>,
    config: &Config,
) -> Vec<(&'s Document<'a>, &'s Object<'a>)> {
    stream
        .of_kind("Service")
        .filter(|(_, o)| o.api_version.is_empty() || o.api_version == "v1")
        .filter(|(_, o)| {
            config
                .services
                .iter()
                .any(|s| s.matches(&o.namespace, &o.name))
        })
        .collect()
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
            .is_some_and(|name| {
                config
                    .services
                    .iter()
                    .any(|s| s.matches(&object.namespace, name))
            })
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
pub fn selectors(services: &[(&Document, &Object)]) -> Vec<(String, LabelSet)> {
    services
        .iter()
        .map(|(doc, svc)| {
            let selector = doc
                .tree
                .as_ref()
                .and_then(|tree| label_set(tree, tree.path(svc.node, &["spec", "selector"])?))
                .unwrap_or_default();
            (svc.namespace.to_string(), selector)
        })
        .collect()
}

/// The indexes (in `selectors`) of the Services whose pods a NetworkPolicy governs: its
/// `spec.podSelector.matchLabels` is a non-empty subset of the Service's selector, in
/// the same namespace (SPEC §4.4). An empty pod selector (every pod of the namespace) or
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
