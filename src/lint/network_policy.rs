//! SE401–SE404: the NetworkPolicies that select the router pods.
//!
//! A router policy is a NetworkPolicy in a target Service's namespace whose
//! `spec.podSelector.matchLabels` is a subset of that Service's `spec.selector`
//! (SPEC §4.4). Peers with a `namespaceSelector` are the controller peers.

use std::collections::BTreeSet;

use crate::cli::Mode;
use crate::manifest::{Document, Object};
use crate::router;
use crate::yaml::{NodeId, Tree};

use super::Ctx;

type Labels = BTreeSet<(String, String)>;

struct Policy<'s, 'a> {
    doc: &'s Document<'a>,
    object: &'s Object<'a>,
    /// Indexes (in `Ctx::targets`) of the target Services whose pods it selects.
    targets: Vec<usize>,
}

pub(super) fn check(ctx: &mut Ctx) {
    let policies = router_policies(ctx);
    if policies.is_empty() {
        return;
    }
    for policy in &policies {
        let tree = policy.doc.tree.as_ref().expect("parsed");
        for peer in peers(tree, policy.object.node) {
            empty_selector(ctx, policy, tree, peer);
        }
    }
    if !ctx.config.controllers.is_empty() {
        controller_peers(ctx, &policies);
        cilium(ctx, &policies);
    }
    load_balancer(ctx, &policies);
}

fn label_set(tree: &Tree, map: Option<NodeId>) -> Labels {
    map.map(|m| {
        tree.string_pairs(m)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    })
    .unwrap_or_default()
}

fn router_policies<'s, 'a>(ctx: &Ctx<'s, 'a>) -> Vec<Policy<'s, 'a>> {
    let selectors = router::selectors(&ctx.targets());
    ctx.stream
        .of_kind("NetworkPolicy")
        .filter_map(|(doc, object)| {
            let targets = router::policy_targets(doc.tree.as_ref()?, object, &selectors);
            (!targets.is_empty()).then_some(Policy {
                doc,
                object,
                targets,
            })
        })
        .collect()
}

/// Whether the policy restricts ingress at all (`policyTypes` defaults to Ingress).
fn restricts_ingress(tree: &Tree, node: NodeId) -> bool {
    match tree.path(node, &["spec", "policyTypes"]) {
        Some(types) => tree
            .items(types)
            .iter()
            .any(|&t| tree.scalar(t) == Some("Ingress")),
        None => true,
    }
}

fn rules(tree: &Tree, node: NodeId) -> Vec<NodeId> {
    tree.path(node, &["spec", "ingress"])
        .map(|r| tree.items(r).to_vec())
        .unwrap_or_default()
}

fn peers(tree: &Tree, node: NodeId) -> Vec<NodeId> {
    rules(tree, node)
        .into_iter()
        .filter_map(|rule| tree.get(rule, "from"))
        .flat_map(|from| tree.items(from).to_vec())
        .collect()
}

/// A selector that matches everything: `{}`, null, or no labels and no expressions.
fn is_empty_selector(tree: &Tree, selector: NodeId) -> bool {
    if tree.is_null(selector) {
        return true;
    }
    if !tree.is_map(selector) {
        return false;
    }
    let labels = tree
        .get(selector, "matchLabels")
        .is_some_and(|m| !tree.entries(m).is_empty());
    let expressions = tree
        .get(selector, "matchExpressions")
        .is_some_and(|e| !tree.items(e).is_empty());
    !labels && !expressions
}

/// SE402. `podSelector: {}` beside a non-empty `namespaceSelector` is the same as no
/// podSelector (every pod of the chosen namespaces), a deliberate form, so only an
/// empty namespaceSelector or a lone empty podSelector is reported.
fn empty_selector(ctx: &mut Ctx, policy: &Policy, tree: &Tree, peer: NodeId) {
    let ns = tree.get(peer, "namespaceSelector");
    let pods = tree.get(peer, "podSelector");
    let (node, what) = match (ns, pods) {
        (Some(n), _) if is_empty_selector(tree, n) => (n, "every namespace"),
        (None, Some(p)) if is_empty_selector(tree, p) => (p, "every pod of the namespace"),
        _ => return,
    };
    ctx.report(
        "SE402",
        policy.doc,
        Some(policy.object),
        node,
        format!(
            "a peer of NetworkPolicy {} has an empty selector: it admits {what} to the router",
            policy.object.name
        ),
    );
}

/// SE401: controller peers must carry exactly the chosen controllers' labels.
fn controller_peers(ctx: &mut Ctx, policies: &[Policy]) {
    let gateway_ns = ctx
        .stream
        .of_kind("Gateway")
        .find(|(_, o)| o.name == ctx.config.gateway)
        .map(|(_, o)| o.namespace.clone());
    for policy in policies {
        let tree = policy.doc.tree.as_ref().expect("parsed");
        if !restricts_ingress(tree, policy.object.node) {
            continue;
        }
        let gw_ns = gateway_ns.as_deref().unwrap_or(&policy.object.namespace);
        let expected: Vec<(String, Labels, Labels)> = ctx
            .config
            .controllers
            .iter()
            .filter(|c| !c.is_cilium())
            .map(|c| {
                let (pods, ns) = c.labels(&ctx.config.gateway, gw_ns);
                (
                    c.name.clone(),
                    pods.into_iter().collect(),
                    ns.into_iter().collect(),
                )
            })
            .collect();
        let mut admitted = vec![false; expected.len()];
        let mut any_peer = false;
        for peer in peers(tree, policy.object.node) {
            let Some(ns_sel) = tree.get(peer, "namespaceSelector") else {
                continue;
            };
            any_peer = true;
            let expressions = [Some(ns_sel), tree.get(peer, "podSelector")]
                .into_iter()
                .flatten()
                .any(|s| {
                    tree.get(s, "matchExpressions")
                        .is_some_and(|e| !tree.items(e).is_empty())
                });
            let ns = label_set(tree, tree.get(ns_sel, "matchLabels"));
            let pods = label_set(tree, tree.path(peer, &["podSelector", "matchLabels"]));
            let hit = (!expressions)
                .then(|| expected.iter().position(|(_, p, n)| *p == pods && *n == ns))
                .flatten();
            match hit {
                Some(i) => admitted[i] = true,
                None => {
                    let names: Vec<&str> = expected.iter().map(|(n, _, _)| n.as_str()).collect();
                    ctx.report(
                        "SE401",
                        policy.doc,
                        Some(policy.object),
                        peer,
                        format!(
                            "NetworkPolicy {} admits namespace {} pods {}, which are not the labels of --controller {}",
                            policy.object.name,
                            show(&ns),
                            show(&pods),
                            if names.is_empty() { "(none with labels)".to_string() } else { names.join(",") }
                        ),
                    );
                }
            }
        }
        // Render replaces existing controller peers and adds none where there were
        // none (a rule without peers admits everything), so a missing controller
        // only counts beside other controller peers.
        for ((name, _, _), ok) in expected.iter().zip(admitted) {
            if !ok && any_peer {
                let at = tree
                    .path(policy.object.node, &["spec", "ingress"])
                    .or_else(|| tree.get(policy.object.node, "spec"))
                    .unwrap_or(policy.object.node);
                ctx.report(
                    "SE401",
                    policy.doc,
                    Some(policy.object),
                    at,
                    format!(
                        "NetworkPolicy {} has no peer for --controller {name}: its pods cannot reach the router",
                        policy.object.name
                    ),
                );
            }
        }
    }
}

fn show(labels: &Labels) -> String {
    if labels.is_empty() {
        return "{}".to_string();
    }
    let parts: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", parts.join(","))
}

/// SE403: in load-balancer mode some rule must admit traffic from outside the cluster.
fn load_balancer(ctx: &mut Ctx, policies: &[Policy]) {
    // Only in load-balancer mode proper: in `auto` a LoadBalancer Service may sit beside
    // an Ingress or Gateway that is the real path (a migration), and the Spaces chart
    // does not document how its policy admits outside traffic.
    if ctx.config.mode != Mode::LoadBalancer {
        return;
    }
    // Policies add up: a target is reachable when any policy selecting it admits
    // outside traffic.
    let admits_outside = |p: &Policy| {
        let tree = p.doc.tree.as_ref().expect("parsed");
        rules(tree, p.object.node).into_iter().any(|rule| {
            match tree.get(rule, "from") {
                // A rule without `from` (or with an empty list) admits every source.
                None => true,
                Some(from) if tree.is_null(from) || tree.items(from).is_empty() => true,
                Some(from) => tree
                    .items(from)
                    .iter()
                    .any(|&peer| tree.get(peer, "ipBlock").is_some()),
            }
        })
    };
    let targets = policies.iter().flat_map(|p| p.targets.iter().copied());
    let mut blocked: Vec<usize> = targets
        .filter(|&t| {
            let selecting = policies.iter().filter(|p| {
                p.targets.contains(&t)
                    && restricts_ingress(p.doc.tree.as_ref().expect("parsed"), p.object.node)
            });
            selecting.clone().next().is_some() && !selecting.clone().any(admits_outside)
        })
        .collect();
    blocked.sort_unstable();
    blocked.dedup();
    for policy in policies {
        let tree = policy.doc.tree.as_ref().expect("parsed");
        if !policy.targets.iter().any(|t| blocked.contains(t))
            || !restricts_ingress(tree, policy.object.node)
        {
            continue;
        }
        let at = tree
            .path(policy.object.node, &["spec", "ingress"])
            .or_else(|| tree.get(policy.object.node, "spec"))
            .unwrap_or(policy.object.node);
        ctx.report(
            "SE403",
            policy.doc,
            Some(policy.object),
            at,
            format!(
                "NetworkPolicy {} selects the router and no rule admits traffic from outside the cluster (no ipBlock): the load balancer's connections are dropped",
                policy.object.name
            ),
        );
    }
}

/// SE404: Cilium's ingress identity needs a CiliumNetworkPolicy.
fn cilium(ctx: &mut Ctx, policies: &[Policy]) {
    if !ctx.config.controllers.iter().any(|c| c.is_cilium()) {
        return;
    }
    // Namespaces with a CiliumNetworkPolicy admitting the ingress identity (a
    // clusterwide one covers every namespace).
    let mut admitted: Vec<Option<String>> = Vec::new();
    for (doc, o) in ctx.stream.objects() {
        if o.group() != "cilium.io" {
            continue;
        }
        let scope = match &*o.kind {
            "CiliumNetworkPolicy" => Some(o.namespace.to_string()),
            "CiliumClusterwideNetworkPolicy" => None,
            _ => continue,
        };
        let Some(tree) = doc.tree.as_ref() else {
            continue;
        };
        let admits = rules(tree, o.node).into_iter().any(|rule| {
            tree.get(rule, "fromEntities").is_some_and(|e| {
                tree.items(e)
                    .iter()
                    .any(|&x| matches!(tree.scalar(x), Some("ingress" | "all")))
            })
        });
        if admits {
            admitted.push(scope);
        }
    }
    for policy in policies {
        let tree = policy.doc.tree.as_ref().expect("parsed");
        let covered = admitted.iter().any(|scope| {
            scope
                .as_ref()
                .is_none_or(|ns| *ns == policy.object.namespace)
        });
        if covered || !restricts_ingress(tree, policy.object.node) {
            continue;
        }
        let at = tree
            .path(policy.object.node, &["spec", "podSelector"])
            .unwrap_or(policy.object.node);
        ctx.report(
            "SE404",
            policy.doc,
            Some(policy.object),
            at,
            format!(
                "--controller cilium: NetworkPolicy {} cannot admit Cilium's ingress identity and no CiliumNetworkPolicy in {} has fromEntities: [ingress]",
                policy.object.name, policy.object.namespace
            ),
        );
    }
}
