//! SE401–SE404: the NetworkPolicies that select the router pods (docs/edits.md,
//! "NetworkPolicy").
//!
//! A router policy is a NetworkPolicy in a target Service's namespace whose
//! `spec.podSelector.matchLabels` is a subset of that Service's `spec.selector`.
//! Peers with a `namespaceSelector` are the controller peers; with `--controller`,
//! each ingress rule's controller peers become exactly the chosen controllers'.

use std::collections::BTreeSet;

use crate::config::Mode;
use crate::manifest::Obj;
use crate::presets::HELM4_FILENAME_ANNOTATION;
use crate::router;
use crate::yaml::write::Fragment;
use crate::yaml::{NodeId, Tree};

use super::{Code, Ctx, Edit, Note, Remedy, fix};

type Labels = Vec<(String, String)>;

struct Policy<'s, 'a> {
    obj: Obj<'s, 'a>,
    /// Indexes (in the target Services) of the Services whose pods it selects.
    targets: Vec<usize>,
}

pub(super) fn run(ctx: &mut Ctx) {
    let targets = router::target_services(ctx.stream, ctx.config);
    let selectors = router::selectors(&targets);
    let policies: Vec<Policy> = ctx
        .stream
        .of_kind("NetworkPolicy")
        .filter_map(|obj| {
            let targets = router::policy_targets(obj.tree, &obj, &selectors);
            (!targets.is_empty()).then_some(Policy { obj, targets })
        })
        .collect();
    for policy in &policies {
        for peer in peers(policy.obj.tree, policy.obj.node) {
            empty_selector(ctx, &policy.obj, peer);
        }
    }
    if !ctx.config.controllers.is_empty() {
        if policies.is_empty() {
            ctx.note(
                "--controller given, but no NetworkPolicy selects the router pods: nothing to narrow"
                    .to_string(),
            );
        }
        let cilium = ctx.config.controllers.iter().any(|c| c.is_cilium());
        let covered = if cilium {
            cilium_covered(ctx)
        } else {
            Vec::new()
        };
        for policy in &policies {
            if !router::restricts_ingress(policy.obj.tree, policy.obj.node) {
                continue;
            }
            let ports = controller_peers(ctx, &policy.obj);
            if cilium {
                cilium_policy(ctx, &policy.obj, &ports, &covered);
            }
        }
    }
    load_balancer(ctx, &policies);
}

/// The ingress rules of a policy.
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
fn empty_selector(ctx: &mut Ctx, policy: &Obj, peer: NodeId) {
    let tree = policy.tree;
    let ns = tree.get(peer, "namespaceSelector");
    let pods = tree.get(peer, "podSelector");
    let (node, what) = match (ns, pods) {
        (Some(n), _) if is_empty_selector(tree, n) => (n, "every namespace"),
        (None, Some(p)) if is_empty_selector(tree, p) => (p, "every pod of the namespace"),
        _ => return,
    };
    ctx.report(
        Code::SE402,
        policy,
        node,
        format!(
            "a peer of NetworkPolicy {} has an empty selector: it admits {what} to the router",
            policy.name
        ),
        Remedy::Warn,
    );
}

/// One peer to write: a controller's namespace AND pod labels.
struct Peer {
    controller: String,
    namespace: Labels,
    pods: Labels,
}

impl Peer {
    /// `namespaceSelector` and `podSelector` in ONE peer: both must match (AND); two
    /// peers would admit either (OR), i.e. every pod of the controller's namespace and
    /// every pod with those labels anywhere.
    fn fragment(&self) -> Fragment {
        let selector = |labels: &Labels| {
            Fragment::Map(vec![(
                "matchLabels".into(),
                Fragment::string_map(labels.iter().map(|(k, v)| (k, v))),
            )])
        };
        Fragment::Map(vec![
            ("namespaceSelector".into(), selector(&self.namespace)),
            ("podSelector".into(), selector(&self.pods)),
        ])
    }

    /// Whether a peer node is exactly this one: both selectors, `matchLabels` only.
    fn is(&self, tree: &Tree, node: NodeId) -> bool {
        if tree.entries(node).len() != 2 {
            return false;
        }
        let sorted = |labels: &Labels| {
            let mut l = labels.clone();
            l.sort();
            l
        };
        let namespace = tree
            .get(node, "namespaceSelector")
            .and_then(|s| match_labels_only(tree, s));
        let pods = tree
            .get(node, "podSelector")
            .and_then(|s| match_labels_only(tree, s));
        namespace == Some(sorted(&self.namespace)) && pods == Some(sorted(&self.pods))
    }
}

/// A mapping of string labels, sorted; `None` when any entry is not a string pair.
fn string_labels(tree: &Tree, map: NodeId) -> Option<Labels> {
    let mut labels: Labels = router::label_set(tree, map)?.into_iter().collect();
    labels.sort();
    Some(labels)
}

/// The labels of a peer selector that holds `matchLabels` and nothing else.
fn match_labels_only(tree: &Tree, selector: NodeId) -> Option<Labels> {
    match tree.entries(selector) {
        [(k, v)] if tree.scalar(*k) == Some("matchLabels") => string_labels(tree, *v),
        _ => None,
    }
}

/// `{a=b,c=d}` for messages.
fn show(tree: &Tree, selector: Option<NodeId>) -> String {
    let labels: BTreeSet<(String, String)> = selector
        .and_then(|s| tree.get(s, "matchLabels"))
        .map(|m| {
            tree.string_pairs(m)
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let parts: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", parts.join(","))
}

/// The peers the chosen controllers need, for a policy in `namespace`. Controllers
/// whose data plane sits in the Gateway's namespace are admitted there. Never an empty
/// selector: `{}` admits every pod or namespace.
fn wanted_peers(ctx: &Ctx, namespace: &str) -> Vec<Peer> {
    let config = ctx.config;
    let gateway_namespace = router::gateway_namespace(ctx.stream, config, namespace);
    config
        .controllers
        .iter()
        .filter(|c| !c.is_cilium())
        .filter_map(|c| {
            let (pods, namespace) = c.labels(&config.gateway, &gateway_namespace);
            let empty =
                pods.is_empty() || namespace.is_empty() || pods.iter().any(|(k, _)| k.is_empty());
            (!empty).then(|| Peer {
                controller: c.name.clone(),
                namespace,
                pods,
            })
        })
        .collect()
}

/// `(port, protocol)` of a rule's ports; the protocol defaults to TCP.
type Ports = Vec<(String, String)>;

/// SE401: in each ingress rule that admits controllers, the controller peers must be
/// exactly the chosen controllers' (in any order). A rule without `from` admits every
/// source and a rule without controller peers admits no controller: both are left
/// alone (narrowing or widening them is not this program's call). Returns the ports of
/// the rules that admit controllers (for the CiliumNetworkPolicy).
fn controller_peers(ctx: &mut Ctx, policy: &Obj) -> Ports {
    let tree = policy.tree;
    let mut ports = Vec::new();
    let Some(rules_seq) = tree
        .path(policy.node, &["spec", "ingress"])
        .filter(|&s| tree.is_seq(s))
    else {
        return ports;
    };
    let wanted = wanted_peers(ctx, &policy.namespace);
    let names: Vec<&str> = wanted.iter().map(|p| p.controller.as_str()).collect();
    let admitted = if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    };
    for (index, &rule) in tree.items(rules_seq).iter().enumerate() {
        let Some(from) = tree.get(rule, "from").filter(|&f| tree.is_seq(f)) else {
            continue;
        };
        let items = tree.items(from);
        let controller: Vec<NodeId> = items
            .iter()
            .copied()
            .filter(|&p| tree.get(p, "namespaceSelector").is_some())
            .collect();
        if controller.is_empty() {
            continue;
        }
        ports.extend(rule_ports(tree, rule));
        let strangers: Vec<NodeId> = controller
            .iter()
            .copied()
            .filter(|&node| !wanted.iter().any(|p| p.is(tree, node)))
            .collect();
        let absent: Vec<&str> = wanted
            .iter()
            .filter(|p| !controller.iter().any(|&node| p.is(tree, node)))
            .map(|p| p.controller.as_str())
            .collect();
        if strangers.is_empty() && absent.is_empty() && controller.len() == wanted.len() {
            continue;
        }
        let mut problems: Vec<String> = strangers
            .iter()
            .map(|&peer| {
                format!(
                    "admits namespace {} pods {}",
                    show(tree, tree.get(peer, "namespaceSelector")),
                    show(tree, tree.get(peer, "podSelector"))
                )
            })
            .collect();
        if !absent.is_empty() {
            problems.push(format!("has no peer for --controller {}", absent.join(",")));
        }
        if problems.is_empty() {
            problems.push("admits a controller twice".to_string());
        }
        let message = format!(
            "ingress rule {} of NetworkPolicy {} {}; the controller peers should be exactly those of --controller {admitted}",
            index + 1,
            policy.name,
            problems.join(", and ")
        );
        let at = strangers.first().copied().unwrap_or(from);
        let remedy = if wanted.is_empty() && items.len() == controller.len() {
            // Nothing left to admit: drop the rule rather than leave it without `from`,
            // which would admit every source.
            fix(
                policy,
                vec![Edit::RemoveItem {
                    seq: rules_seq,
                    item: rule,
                }],
                vec![Note::count("-", 1, "rule", " left without peers")],
            )
        } else {
            fix(
                policy,
                vec![Edit::ReplaceItems {
                    seq: from,
                    items: controller,
                    with: wanted.iter().map(Peer::fragment).collect(),
                }],
                vec![Note::count(
                    "~",
                    1,
                    "rule",
                    format!(": controller peers -> {admitted}"),
                )],
            )
        };
        ctx.report(Code::SE401, policy, at, message, remedy);
    }
    ports
}

fn rule_ports(tree: &Tree, rule: NodeId) -> Ports {
    let list = tree.get(rule, "ports").map_or(&[][..], |p| tree.items(p));
    list.iter()
        .filter_map(|&p| {
            let port = tree.str_at(p, &["port"])?.to_string();
            let protocol = tree.str_at(p, &["protocol"]).unwrap_or("TCP").to_string();
            Some((port, protocol))
        })
        .collect()
}

/// SE403: in load-balancer mode some rule must admit traffic from outside the cluster.
/// Only in load-balancer mode proper: in `auto` a LoadBalancer Service may sit beside an
/// Ingress or Gateway that is the real path (a migration).
fn load_balancer(ctx: &mut Ctx, policies: &[Policy]) {
    if ctx.config.mode != Mode::LoadBalancer {
        return;
    }
    let admits_outside = |p: &Policy| {
        let tree = p.obj.tree;
        rules(tree, p.obj.node)
            .into_iter()
            .any(|rule| match tree.get(rule, "from") {
                // A rule without `from` (or with an empty list) admits every source.
                None => true,
                Some(from) if tree.is_null(from) || tree.items(from).is_empty() => true,
                Some(from) => tree
                    .items(from)
                    .iter()
                    .any(|&peer| tree.get(peer, "ipBlock").is_some()),
            })
    };
    let restricting = |p: &&Policy| router::restricts_ingress(p.obj.tree, p.obj.node);
    // Policies add up: a target is reachable when any policy selecting it admits
    // outside traffic.
    let mut blocked: Vec<usize> = policies
        .iter()
        .flat_map(|p| p.targets.iter().copied())
        .filter(|&t| {
            let mut selecting = policies
                .iter()
                .filter(|p| p.targets.contains(&t))
                .filter(restricting)
                .peekable();
            selecting.peek().is_some() && !selecting.any(admits_outside)
        })
        .collect();
    blocked.sort_unstable();
    blocked.dedup();
    for policy in policies.iter().filter(restricting) {
        if !policy.targets.iter().any(|t| blocked.contains(t)) {
            continue;
        }
        let tree = policy.obj.tree;
        let at = tree
            .path(policy.obj.node, &["spec", "ingress"])
            .or_else(|| tree.get(policy.obj.node, "spec"))
            .unwrap_or(policy.obj.node);
        ctx.report(
            Code::SE403,
            &policy.obj,
            at,
            format!(
                "NetworkPolicy {} selects the router and no rule admits traffic from outside the cluster (no ipBlock): the load balancer's connections are dropped",
                policy.obj.name
            ),
            Remedy::Warn,
        );
    }
}

/// Namespaces with a CiliumNetworkPolicy admitting the ingress identity (`None`: a
/// clusterwide one covers every namespace).
fn cilium_covered(ctx: &Ctx) -> Vec<Option<String>> {
    let mut covered = Vec::new();
    for o in ctx.stream.objects() {
        if o.group() != "cilium.io" {
            continue;
        }
        let scope = match &*o.kind {
            "CiliumNetworkPolicy" => Some(o.namespace.to_string()),
            "CiliumClusterwideNetworkPolicy" => None,
            _ => continue,
        };
        let admits = rules(o.tree, o.node).into_iter().any(|rule| {
            o.tree.get(rule, "fromEntities").is_some_and(|e| {
                o.tree
                    .items(e)
                    .iter()
                    .any(|&x| matches!(o.tree.string(x), Some("ingress" | "all")))
            })
        });
        if admits {
            covered.push(scope);
        }
    }
    covered
}

/// The router's port when its policy names none (spaces-router listens on 8443).
const ROUTER_PORT: (&str, &str) = ("8443", "TCP");

/// SE404: traffic that Cilium's Envoy forwards carries the reserved `ingress` identity,
/// which no Kubernetes NetworkPolicy selector can match; a CiliumNetworkPolicy with
/// `fromEntities: [ingress]` can (cilium Documentation/network/servicemesh/
/// ingress-reference.rst). Render adds one right after the router policy.
fn cilium_policy(ctx: &mut Ctx, policy: &Obj, ports: &Ports, covered: &[Option<String>]) {
    let tree = policy.tree;
    if covered
        .iter()
        .any(|scope| scope.as_ref().is_none_or(|ns| *ns == policy.namespace))
    {
        return;
    }
    let at = tree
        .path(policy.node, &["spec", "podSelector"])
        .unwrap_or(policy.node);
    let mut message = format!(
        "--controller cilium: NetworkPolicy {} cannot admit Cilium's ingress identity and no CiliumNetworkPolicy in {} has fromEntities: [ingress]",
        policy.name, policy.namespace
    );
    let name = format!("{}-cilium-ingress", policy.name);
    let existing = ctx
        .stream
        .of_kind("CiliumNetworkPolicy")
        .any(|o| o.name == name && o.namespace == policy.namespace);
    let selector = tree
        .path(policy.node, &["spec", "podSelector", "matchLabels"])
        .and_then(|m| string_labels(tree, m));
    let remedy = match selector {
        _ if existing => {
            message.push_str(&format!(
                "; CiliumNetworkPolicy {}/{name} exists and is left as it is",
                policy.namespace
            ));
            Remedy::Warn
        }
        None => Remedy::Warn,
        Some(selector) => fix(
            policy,
            vec![Edit::AddDocument {
                source: policy.doc.source.map(str::to_string),
                pairs: cilium_document(policy, &name, &selector, ports),
            }],
            vec![Note::Text(format!("+CiliumNetworkPolicy {name}"))],
        ),
    };
    ctx.report(Code::SE404, policy, at, message, remedy);
}

/// The CiliumNetworkPolicy that admits Cilium's ingress identity to the router pods on
/// the ports of the rules that admitted controllers (the router port when none).
fn cilium_document(
    policy: &Obj,
    name: &str,
    selector: &Labels,
    given: &Ports,
) -> Vec<(String, Fragment)> {
    let tree = policy.tree;
    let mut ports: Ports = Vec::new();
    for port in given {
        if !ports.contains(port) {
            ports.push(port.clone());
        }
    }
    if ports.is_empty() {
        ports.push((ROUTER_PORT.0.to_string(), ROUTER_PORT.1.to_string()));
    }
    let mut metadata = vec![("name".to_string(), Fragment::str(name))];
    // Without a namespace in the policy, the added one lands where the policy lands.
    if let Some(ns) = tree.str_at(policy.node, &["metadata", "namespace"]) {
        metadata.push(("namespace".to_string(), Fragment::str(ns)));
    }
    // Helm 4 regroups the post-rendered documents by this annotation: the added policy
    // belongs with the router policy's template.
    if let Some(file) = tree
        .path(
            policy.node,
            &["metadata", "annotations", HELM4_FILENAME_ANNOTATION],
        )
        .and_then(|n| tree.string(n))
    {
        metadata.push((
            "annotations".to_string(),
            Fragment::string_map([(HELM4_FILENAME_ANNOTATION, file)]),
        ));
    }
    let ports: Vec<Fragment> = ports
        .iter()
        .map(|(port, protocol)| Fragment::string_map([("port", port), ("protocol", protocol)]))
        .collect();
    let rule = Fragment::Map(vec![
        (
            "fromEntities".to_string(),
            Fragment::Seq(vec![Fragment::str("ingress")]),
        ),
        (
            "toPorts".to_string(),
            Fragment::Seq(vec![Fragment::Map(vec![(
                "ports".to_string(),
                Fragment::Seq(ports),
            )])]),
        ),
    ]);
    vec![
        ("apiVersion".to_string(), Fragment::str("cilium.io/v2")),
        ("kind".to_string(), Fragment::str("CiliumNetworkPolicy")),
        ("metadata".to_string(), Fragment::Map(metadata)),
        (
            "spec".to_string(),
            Fragment::Map(vec![
                (
                    "endpointSelector".to_string(),
                    Fragment::Map(vec![(
                        "matchLabels".to_string(),
                        Fragment::string_map(selector.iter().map(|(k, v)| (k, v))),
                    )]),
                ),
                ("ingress".to_string(), Fragment::Seq(vec![rule])),
            ]),
        ),
    ]
}
