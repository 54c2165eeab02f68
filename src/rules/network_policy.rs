//! SE401–SE407: the NetworkPolicies that select the router pods (docs/edits.md,
//! "NetworkPolicy").
//!
//! A router policy is a NetworkPolicy in a target Service's namespace whose
//! `spec.podSelector.matchLabels` is a subset of that Service's `spec.selector`. A
//! controller peer is one with the labels of a known controller (any preset's, the
//! `--values` files' controller labels, `--replace-peer` labels); with `--controller`,
//! each ingress rule's controller peers become exactly the chosen controllers', and
//! every other peer keeps its meaning. Egress is never touched.

use std::collections::BTreeSet;

use crate::config::Mode;
use crate::manifest::Obj;
use crate::presets::{self, HELM4_FILENAME_ANNOTATION, LabelValue};
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
    // A controller peer with an empty selector is replaced by SE401's fix when
    // controllers are chosen: SE402 is answered with it.
    let replacing = !ctx.config.controllers.is_empty() && ctx.enabled(Code::SE401);
    let known = known_controllers(ctx);
    for policy in &policies {
        let restricts = router::restricts_ingress(policy.obj.tree, policy.obj.node);
        for peer in peers(policy.obj.tree, policy.obj.node) {
            let replaced =
                replacing && restricts && is_controller_peer(policy.obj.tree, peer, &known);
            empty_selector(ctx, &policy.obj, peer, replaced);
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
        let mut covered = if cilium {
            cilium_covered(ctx)
        } else {
            Vec::new()
        };
        let mut admitted: Vec<(usize, Admitted)> = Vec::new();
        for (i, policy) in policies.iter().enumerate() {
            if !router::restricts_ingress(policy.obj.tree, policy.obj.node) {
                continue;
            }
            admitted.push((i, controller_peers(ctx, &policy.obj)));
        }
        no_controller_peer(ctx, &policies, &admitted, &known);
        if cilium {
            // One added policy per namespace, on the ports of every router policy there.
            for &(i, _) in &admitted {
                let namespace = &policies[i].obj.namespace;
                let mut union = Admitted::Nowhere;
                for (j, ports) in &admitted {
                    if policies[*j].obj.namespace == *namespace {
                        union.merge(ports);
                    }
                }
                cilium_policy(ctx, &policies[i].obj, &union, &mut covered);
            }
        }
    }
    load_balancer(ctx, &policies, &targets);
    for policy in &policies {
        if router::restricts_ingress(policy.obj.tree, policy.obj.node) {
            service_ports(ctx, policy, &targets);
        }
    }
}

/// Whether a policy admits sources this program cannot rule out as the controller: a
/// rule without `from` (every source), or a namespace peer that is no known
/// controller's (SE405: it may be the controller under other labels).
fn admits_unknown(tree: &Tree, node: NodeId, known: &[Known]) -> bool {
    rules(tree, node)
        .into_iter()
        .any(|rule| match tree.get(rule, "from") {
            None => true,
            Some(from) if tree.is_null(from) || tree.items(from).is_empty() => true,
            Some(from) => tree.items(from).iter().any(|&peer| {
                tree.get(peer, "namespaceSelector").is_some()
                    && !is_controller_peer(tree, peer, known)
            }),
        })
}

/// SE406: with `--controller`, a router policy none of whose rules admits a controller
/// (only the agent, say), when no other router policy of the same pods does: the
/// controller's connections are dropped. SE401 rewrites the controller peers of a rule
/// that has some; adding a rule would admit a source the policy never named, so
/// render warns. Not in load-balancer mode (no controller in the path), and not for
/// Cilium alone (SE404 admits its identity).
fn no_controller_peer(
    ctx: &mut Ctx,
    policies: &[Policy],
    admitted: &[(usize, Admitted)],
    known: &[Known],
) {
    let config = ctx.config;
    if config.mode == Mode::LoadBalancer || !config.controllers.iter().any(|c| !c.is_cilium()) {
        return;
    }
    let admits = |i: usize| {
        let p = &policies[i];
        admitted
            .iter()
            .any(|(j, a)| *j == i && *a != Admitted::Nowhere)
            || admits_unknown(p.obj.tree, p.obj.node, known)
    };
    for &(i, _) in admitted {
        if admits(i) {
            continue;
        }
        let policy = &policies[i];
        // Policies add up: another router policy of the same pods may admit it.
        let elsewhere = admitted.iter().any(|&(j, _)| {
            j != i
                && policies[j]
                    .targets
                    .iter()
                    .any(|t| policy.targets.contains(t))
                && admits(j)
        });
        if elsewhere {
            continue;
        }
        let tree = policy.obj.tree;
        let sources: Vec<String> = peers(tree, policy.obj.node)
            .into_iter()
            .map(|peer| {
                if let Some(block) = tree.get(peer, "ipBlock") {
                    format!("ipBlock {}", tree.str_at(block, &["cidr"]).unwrap_or("?"))
                } else {
                    format!("pods {}", show(tree, tree.get(peer, "podSelector")))
                }
            })
            .collect();
        let only = if sources.is_empty() {
            "admits no source".to_string()
        } else {
            format!("admits only {}", sources.join(", "))
        };
        let names: Vec<&str> = config
            .controllers
            .iter()
            .filter(|c| !c.is_cilium())
            .map(|c| c.name.as_str())
            .collect();
        let at = tree
            .path(policy.obj.node, &["spec", "ingress"])
            .or_else(|| tree.get(policy.obj.node, "spec"))
            .unwrap_or(policy.obj.node);
        // An ipBlock is meant for addresses outside the cluster; whether it matches a
        // pod's address depends on the network plugin (Cilium's never does: cilium
        // Documentation/security/policy/language.rst, CIDR rules), so it is no peer for
        // the controller's pods.
        let dropped = if sources.iter().any(|s| s.starts_with("ipBlock")) {
            "the controller's connections to the router are dropped unless the network plugin matches pod addresses against the ipBlock (it is meant for addresses outside the cluster; Cilium's never matches them)"
        } else {
            "the controller's connections to the router are dropped"
        };
        ctx.report(
            Code::SE406,
            &policy.obj,
            at,
            format!(
                "NetworkPolicy {} selects the router and {only}: no rule has a peer for --controller {}, so {dropped}",
                policy.obj.name,
                names.join(",")
            ),
            Remedy::Warn,
        );
    }
}

/// A whole number, as a port in YAML is written.
fn port_number(text: &str) -> Option<u32> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// SE407: a rule port that is a selected Service's `port` and not its `targetPort`: a
/// NetworkPolicy port is the pod's, so the rule admits nothing on the router's real
/// port. Only when the Service maps that port to another numbered pod port, no selected
/// Service's pod listens on it, and the rule does not name the pod port as well.
/// Render warns: rewriting the port would admit the rule's peers where they were not.
fn service_ports(ctx: &mut Ctx, policy: &Policy, targets: &[Obj]) {
    // `(port, targetPort, protocol)` of the selected Services' numbered ports.
    let mut mapped: Vec<(u32, Option<u32>, String)> = Vec::new();
    for (svc, p) in service_port_items(policy, targets) {
        let Some(port) = svc.tree.str_at(p, &["port"]).and_then(port_number) else {
            continue;
        };
        // A named targetPort is some container port: unknown here.
        let target = match svc.tree.str_at(p, &["targetPort"]) {
            None => Some(port),
            Some(t) => port_number(t).or(if t.is_empty() { Some(port) } else { None }),
        };
        let protocol = svc.tree.str_at(p, &["protocol"]).unwrap_or("TCP");
        mapped.push((port, target, protocol.to_string()));
    }
    if mapped.iter().any(|(_, t, _)| t.is_none()) {
        return;
    }
    let tree = policy.obj.tree;
    for (index, rule) in rules(tree, policy.obj.node).into_iter().enumerate() {
        let items = tree.get(rule, "ports").map_or(&[][..], |p| tree.items(p));
        let entries = rule_ports(tree, rule);
        for &item in items {
            let Some(node) = tree.get(item, "port") else {
                continue;
            };
            let Some(port) = tree.scalar(node).and_then(port_number) else {
                continue;
            };
            if tree.get(item, "endPort").is_some() {
                continue;
            }
            let protocol = tree.str_at(item, &["protocol"]).unwrap_or("TCP");
            let pod_port = |p: u32| {
                mapped
                    .iter()
                    .any(|(_, t, proto)| *t == Some(p) && proto == protocol)
            };
            if pod_port(port) {
                continue;
            }
            let Some(&(_, Some(target), _)) = mapped
                .iter()
                .find(|(p, _, proto)| *p == port && proto == protocol)
            else {
                continue;
            };
            // The rule admits the pod port too: by number, in a range, by a name that
            // may be its, or with an entry for every port of the protocol.
            if entries.iter().any(|p| p.may_admit(target, protocol)) {
                continue;
            }
            ctx.report(
                Code::SE407,
                &policy.obj,
                node,
                format!(
                    "ingress rule {} of NetworkPolicy {} admits port {port}, the router Service's port; a NetworkPolicy filters at the pod, where the router listens on {target} (the Service's targetPort): the rule admits nothing there",
                    index + 1,
                    policy.obj.name
                ),
                Remedy::Warn,
            );
        }
    }
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
fn empty_selector(ctx: &mut Ctx, policy: &Obj, peer: NodeId, replaced: bool) {
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
        if replaced {
            Remedy::Shared
        } else {
            Remedy::Warn
        },
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

/// `{a=b,c=d,env In [x,y]}` for messages: the `matchLabels` and the `matchExpressions`
/// (an expression is never left out: `{}` reads as the selector that matches everything).
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
    let mut parts: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let expressions = selector
        .and_then(|s| tree.get(s, "matchExpressions"))
        .map_or(&[][..], |e| tree.items(e));
    for &e in expressions {
        let key = tree.str_at(e, &["key"]).unwrap_or("?");
        let operator = tree.str_at(e, &["operator"]).unwrap_or("?");
        let values: Vec<&str> = tree
            .get(e, "values")
            .map_or(&[][..], |v| tree.items(v))
            .iter()
            .map(|&v| tree.scalar(v).unwrap_or("?"))
            .collect();
        parts.push(match operator {
            "Exists" | "DoesNotExist" if values.is_empty() => format!("{key} {operator}"),
            _ => format!("{key} {operator} [{}]", values.join(",")),
        });
    }
    format!("{{{}}}", parts.join(","))
}

/// The peers the chosen controllers need, for a policy in `namespace`. Controllers
/// whose data plane sits in the Gateway's namespace are admitted there. Never an empty
/// selector: `{}` admits every pod or namespace.
fn wanted_peers(ctx: &Ctx, namespace: &str) -> Vec<Peer> {
    let config = ctx.config;
    let gateway_namespace = ctx.known_gateway_namespace().unwrap_or(namespace);
    config
        .controllers
        .iter()
        .filter(|c| !c.is_cilium())
        .filter_map(|c| {
            let (pods, namespace) = c.labels(&config.gateway, gateway_namespace);
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

/// One entry of a rule's `ports`, as Kubernetes reads it: `port` a number or the name
/// of a pod port (`None`: every port of the protocol), `endPort` the end of a range
/// from `port`, and the protocol (TCP when absent).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Port {
    port: Option<String>,
    end: Option<String>,
    protocol: String,
}

impl Port {
    fn numbered(port: &str, protocol: &str) -> Port {
        Port {
            port: Some(port.to_string()),
            end: None,
            protocol: protocol.to_string(),
        }
    }

    /// Whether this entry may admit the pod port `number`/`protocol`: a named port may be
    /// that port's name (the pod's container ports are not in the stream).
    fn may_admit(&self, number: u32, protocol: &str) -> bool {
        if self.protocol != protocol {
            return false;
        }
        let Some(port) = &self.port else {
            return true;
        };
        let Some(start) = port_number(port) else {
            return true;
        };
        let end = self.end.as_deref().and_then(port_number).unwrap_or(start);
        (start..=end).contains(&number)
    }
}

/// A rule's ports (empty: every port and protocol).
type Ports = Vec<Port>;

/// Where a policy's controller rules admit controllers.
#[derive(Debug, PartialEq, Eq)]
enum Admitted {
    /// No rule admits a controller.
    Nowhere,
    /// On these ports (a rule without `ports` admits every port: `None`).
    On(Option<Ports>),
}

impl Admitted {
    /// Adds what another policy admits.
    fn merge(&mut self, other: &Admitted) {
        match other {
            Admitted::Nowhere => {}
            Admitted::On(None) => *self = Admitted::On(None),
            Admitted::On(Some(ports)) => {
                if *self == Admitted::Nowhere {
                    *self = Admitted::On(Some(Vec::new()));
                }
                if let Admitted::On(Some(mine)) = self {
                    for port in ports {
                        if !mine.contains(port) {
                            mine.push(port.clone());
                        }
                    }
                }
            }
        }
    }

    fn add(&mut self, rule: Ports) {
        let all = rule.is_empty();
        match self {
            Admitted::Nowhere => *self = Admitted::On((!all).then_some(rule)),
            Admitted::On(None) => {}
            Admitted::On(Some(_)) if all => *self = Admitted::On(None),
            Admitted::On(Some(ports)) => {
                for port in rule {
                    if !ports.contains(&port) {
                        ports.push(port);
                    }
                }
            }
        }
    }
}

/// The labels that make a peer a known controller's. A label value of `None` matches
/// any value (a preset's `gateway-name: <gateway>` label).
struct Known {
    pods: Vec<(String, Option<String>)>,
    /// A preset's first pod label names its pods (`app.kubernetes.io/name`, `app`,
    /// `gateway-name`): a peer with that label, and no other of the preset's labels with
    /// another value, is the preset's (charts often select by the name label alone).
    /// Labels the user gave must all be there.
    by_identity: bool,
    /// Namespace labels that identify the controller alone (a fixed namespace name; a
    /// preset whose namespace is the Gateway's has none: that namespace holds other
    /// workloads too).
    namespace: Vec<(String, String)>,
}

/// The known controllers: every preset, the chosen custom controllers, the controller
/// labels of the `--values` files, and each `--replace-peer` label.
fn known_controllers(ctx: &Ctx) -> Vec<Known> {
    let config = ctx.config;
    let mut known: Vec<Known> = presets::CONTROLLERS
        .iter()
        .map(|p| Known {
            pods: p
                .pod_labels
                .iter()
                .map(|&(k, v)| {
                    let value = match v {
                        LabelValue::Fixed(v) => Some(v.to_string()),
                        LabelValue::GatewayName
                        | LabelValue::GatewayNamespace
                        | LabelValue::PrefixedGatewayName(_) => None,
                    };
                    (k.to_string(), value)
                })
                .collect(),
            by_identity: true,
            namespace: p
                .namespace_labels
                .iter()
                .filter_map(|&(k, v)| match v {
                    LabelValue::Fixed(v) => Some((k.to_string(), v.to_string())),
                    _ => None,
                })
                .collect(),
        })
        .collect();
    // A label built from the Gateway's name names the preset's pods alone too
    // (contour-gateway-provisioner's `app: envoy-<gateway>`).
    for preset in presets::CONTROLLERS {
        for &(k, v) in preset.pod_labels {
            if let LabelValue::PrefixedGatewayName(_) = v {
                known.push(Known {
                    pods: vec![(k.to_string(), Some(v.fill(&config.gateway, "")))],
                    by_identity: true,
                    namespace: Vec::new(),
                });
            }
        }
    }
    // Cilium's Envoy runs as the `cilium-envoy` DaemonSet in kube-system, its pods labelled
    // `k8s-app: cilium-envoy` (cilium install/kubernetes/cilium/templates/cilium-envoy/
    // daemonset.yaml). No NetworkPolicy peer can admit its traffic, but a peer naming those
    // pods is a controller's.
    known.push(Known {
        pods: vec![("k8s-app".to_string(), Some("cilium-envoy".to_string()))],
        by_identity: true,
        namespace: vec![(
            "kubernetes.io/metadata.name".to_string(),
            "kube-system".to_string(),
        )],
    });
    let labelled = config
        .controllers
        .iter()
        .filter(|c| c.preset.is_none())
        .map(|c| (c.pod_labels.clone(), c.namespace_labels.clone()))
        .chain(config.values_peer.clone());
    for (pods, namespace) in labelled {
        known.push(Known {
            pods: pods.into_iter().map(|(k, v)| (k, Some(v))).collect(),
            by_identity: false,
            namespace,
        });
    }
    for (k, v) in &config.replace_peers {
        known.push(Known {
            pods: vec![(k.clone(), Some(v.clone()))],
            by_identity: false,
            namespace: Vec::new(),
        });
        known.push(Known {
            pods: Vec::new(),
            by_identity: false,
            namespace: vec![(k.clone(), v.clone())],
        });
    }
    known
}

/// The `matchLabels` of a peer's selector, when it has only `matchLabels` (`None`: no
/// such selector; `Some(None)`: a selector this program does not compare).
fn selector_labels(tree: &Tree, peer: NodeId, field: &str) -> Option<Option<Labels>> {
    let selector = tree.get(peer, field)?;
    Some(match_labels_only(tree, selector))
}

/// Whether a peer is a known controller's: its pod labels are a controller's (see
/// [`Known::by_identity`]), or, without a pod selector, its namespace labels hold all
/// of a controller's namespace labels.
fn is_controller_peer(tree: &Tree, peer: NodeId, known: &[Known]) -> bool {
    if tree.get(peer, "ipBlock").is_some() {
        return false;
    }
    let pods = selector_labels(tree, peer, "podSelector");
    let namespace = selector_labels(tree, peer, "namespaceSelector");
    let holds = |labels: &Labels, k: &str, v: Option<&str>| {
        labels
            .iter()
            .any(|(lk, lv)| lk == k && v.is_none_or(|v| v == lv))
    };
    let conflicts = |labels: &Labels, k: &str, v: Option<&str>| {
        labels
            .iter()
            .any(|(lk, lv)| lk == k && v.is_some_and(|v| v != lv))
    };
    known.iter().any(|c| match &pods {
        Some(Some(pods)) if c.by_identity && !c.pods.is_empty() => {
            let (k, v) = &c.pods[0];
            // A peer that names another namespace than the controller's is not its
            // (`app: envoy` in a monitoring namespace is no Contour).
            let other_namespace = matches!(&namespace, Some(Some(ns))
                if c.namespace.iter().any(|(k, v)| conflicts(ns, k, Some(v))));
            holds(pods, k, v.as_deref())
                && !c.pods.iter().any(|(k, v)| conflicts(pods, k, v.as_deref()))
                && !other_namespace
        }
        Some(Some(pods)) if !c.pods.is_empty() => {
            c.pods.iter().all(|(k, v)| holds(pods, k, v.as_deref()))
        }
        None if !c.namespace.is_empty() => matches!(&namespace, Some(Some(ns))
            if c.namespace.iter().all(|(k, v)| holds(ns, k, Some(v)))),
        _ => false,
    })
}

/// SE401: in each ingress rule that admits controllers, the controller peers must be
/// exactly the chosen controllers' (in any order). A rule without `from` admits every
/// source and a rule without controller peers admits no controller: both are left
/// alone (narrowing or widening them is not this program's call). Returns where the
/// rules that admit controllers admit them (for the CiliumNetworkPolicy).
fn controller_peers(ctx: &mut Ctx, policy: &Obj) -> Admitted {
    let tree = policy.tree;
    let mut ports = Admitted::Nowhere;
    let Some(rules_seq) = tree
        .path(policy.node, &["spec", "ingress"])
        .filter(|&s| tree.is_seq(s))
    else {
        return ports;
    };
    let wanted = wanted_peers(ctx, &policy.namespace);
    let known = known_controllers(ctx);
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
            .filter(|&p| {
                wanted.iter().any(|w| w.is(tree, p)) || is_controller_peer(tree, p, &known)
            })
            .collect();
        for &peer in items {
            if tree.get(peer, "namespaceSelector").is_some() && !controller.contains(&peer) {
                ctx.report(
                    Code::SE405,
                    policy,
                    peer,
                    format!(
                        "ingress rule {} of NetworkPolicy {} admits namespace {} pods {}, which are no known controller's: left as it is (--replace-peer names an old controller's labels)",
                        index + 1,
                        policy.name,
                        show(tree, tree.get(peer, "namespaceSelector")),
                        show(tree, tree.get(peer, "podSelector"))
                    ),
                    Remedy::Warn,
                );
            }
        }
        if controller.is_empty() {
            continue;
        }
        ports.add(rule_ports(tree, rule));
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

/// Every entry of a rule's `ports`: one without `port` admits every port of its
/// protocol (and only of that protocol), one with `endPort` a range.
fn rule_ports(tree: &Tree, rule: NodeId) -> Ports {
    let list = tree.get(rule, "ports").map_or(&[][..], |p| tree.items(p));
    list.iter()
        .map(|&p| Port {
            port: tree.str_at(p, &["port"]).map(str::to_string),
            end: tree.str_at(p, &["endPort"]).map(str::to_string),
            protocol: tree.str_at(p, &["protocol"]).unwrap_or("TCP").to_string(),
        })
        .collect()
}

/// SE403: in load-balancer mode, behind a Layer-4 Gateway (`gateway.k8s.aws/nlb`, the
/// GKE passthrough classes), or when `--admit-cidr` asks for it, some rule must admit
/// traffic from outside the cluster. Not in `auto` mode otherwise: a LoadBalancer
/// Service may sit beside an Ingress or Gateway that is the real path (a migration).
/// With `--admit-cidr`, render adds a rule admitting those CIDRs to the router's ports.
fn load_balancer(ctx: &mut Ctx, policies: &[Policy], targets: &[Obj]) {
    let cidrs = &ctx.config.admit_cidrs;
    // In `auto` mode a LoadBalancer target is the path when no Ingress, Gateway or TLSRoute
    // in the stream leads to the router.
    let only_path = ctx.config.mode == Mode::Auto
        && targets
            .iter()
            .any(|t| t.tree.str_at(t.node, &["spec", "type"]) == Some("LoadBalancer"))
        && router::router_ingresses(ctx.stream, ctx.config).is_empty()
        && router::spaces_gateways(ctx.stream, ctx.config).is_empty()
        // A route to the router names a Gateway (a shared one outside the stream).
        && router::router_tls_routes(ctx.stream, ctx.config).is_empty();
    // Behind a Layer-4 Gateway the load balancer itself connects to the router pods.
    let l4_gateway = matches!(ctx.config.mode, Mode::Auto | Mode::Gateway)
        .then(|| router::l4_gateway(ctx.stream, ctx.config))
        .flatten();
    if ctx.config.mode != Mode::LoadBalancer
        && !only_path
        && l4_gateway.is_none()
        && cidrs.is_empty()
    {
        return;
    }
    // Outside traffic is admitted by a rule without `from` (or with an empty list), or
    // with an ipBlock, on a router port.
    let admits_outside = |p: &Policy| {
        let tree = p.obj.tree;
        let router = router_ports(p, targets);
        rules(tree, p.obj.node).into_iter().any(|rule| {
            let sources = match tree.get(rule, "from") {
                None => true,
                Some(from) if tree.is_null(from) || tree.items(from).is_empty() => true,
                Some(from) => tree
                    .items(from)
                    .iter()
                    .any(|&peer| tree.get(peer, "ipBlock").is_some()),
            };
            // On the router's port and protocol: an entry without `port` admits every
            // port of its protocol, a range those within it, and a named port may be
            // the router's (its container ports are not in the stream).
            let ports = rule_ports(tree, rule);
            let on_router = ports.is_empty()
                || ports.iter().any(|p| {
                    router.iter().any(|r| {
                        r.port
                            .as_deref()
                            .and_then(port_number)
                            .is_some_and(|n| p.may_admit(n, &r.protocol))
                    })
                });
            sources && on_router
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
        let remedy = if cidrs.is_empty() {
            Remedy::Warn
        } else {
            let ports = router_ports(policy, targets);
            admit_cidrs(policy, cidrs, &ports)
        };
        let advice = if cidrs.is_empty() {
            "; --admit-cidr CIDR admits the load balancer's addresses"
        } else {
            ""
        };
        let dropped = match &l4_gateway {
            Some((gateway, what)) => format!(
                "behind Gateway {gateway} ({what}) the load balancer connects to the router pods itself, and its connections are dropped"
            ),
            None => "the load balancer's connections are dropped".to_string(),
        };
        let why = if peers(tree, policy.obj.node)
            .iter()
            .any(|&peer| tree.get(peer, "ipBlock").is_some())
        {
            "its ipBlock rules admit no router pod port and protocol"
        } else {
            "no ipBlock"
        };
        ctx.report(
            Code::SE403,
            &policy.obj,
            at,
            format!(
                "NetworkPolicy {} selects the router and no rule admits traffic from outside the cluster ({why}): {dropped}{advice}",
                policy.obj.name
            ),
            remedy,
        );
    }
}

/// The `spec.ports` items of the target Services a policy selects.
fn service_port_items<'o, 's, 'a>(
    policy: &Policy,
    targets: &'o [Obj<'s, 'a>],
) -> Vec<(&'o Obj<'s, 'a>, NodeId)> {
    policy
        .targets
        .iter()
        .filter_map(|&t| targets.get(t))
        .flat_map(|svc| {
            svc.tree
                .path(svc.node, &["spec", "ports"])
                .map_or(&[][..], |p| svc.tree.items(p))
                .iter()
                .map(move |&p| (svc, p))
        })
        .collect()
}

/// The pod ports of the target Services a policy selects (`targetPort`, else `port`),
/// or the router's 8443 when none is a number.
fn router_ports(policy: &Policy, targets: &[Obj]) -> Ports {
    let mut ports: Ports = Vec::new();
    for (svc, p) in service_port_items(policy, targets) {
        let number = svc
            .tree
            .str_at(p, &["targetPort"])
            .or_else(|| svc.tree.str_at(p, &["port"]))
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()) && !n.is_empty());
        let protocol = svc.tree.str_at(p, &["protocol"]).unwrap_or("TCP");
        if let Some(number) = number {
            let port = Port::numbered(number, protocol);
            if !ports.contains(&port) {
                ports.push(port);
            }
        }
    }
    if ports.is_empty() {
        ports.push(Port::numbered(ROUTER_PORT.0, ROUTER_PORT.1));
    }
    ports
}

/// The fix of SE403 with `--admit-cidr`: one more ingress rule, from those CIDRs to the
/// router's ports (numbers are written as numbers: `port` is an int-or-string).
fn admit_cidrs(policy: &Policy, cidrs: &[String], ports: &Ports) -> Remedy {
    let obj = &policy.obj;
    let tree = obj.tree;
    let peers: Vec<Fragment> = cidrs
        .iter()
        .map(|cidr| {
            Fragment::Map(vec![(
                "ipBlock".to_string(),
                Fragment::string_map([("cidr", cidr)]),
            )])
        })
        .collect();
    let ports: Vec<Fragment> = ports
        .iter()
        .map(|p| {
            Fragment::Map(vec![
                (
                    "port".to_string(),
                    Fragment::Int(p.port.clone().unwrap_or_default()),
                ),
                ("protocol".to_string(), Fragment::str(&p.protocol)),
            ])
        })
        .collect();
    let rule = Fragment::Map(vec![
        ("from".to_string(), Fragment::Seq(peers)),
        ("ports".to_string(), Fragment::Seq(ports)),
    ]);
    let edits = match tree
        .path(obj.node, &["spec", "ingress"])
        .filter(|&s| tree.is_seq(s) && !tree.items(s).is_empty())
    {
        Some(seq) => vec![Edit::AppendItems {
            seq,
            items: vec![rule],
        }],
        None => vec![Edit::Upsert {
            map: obj.node,
            pairs: vec![(
                "spec".to_string(),
                Fragment::Map(vec![("ingress".to_string(), Fragment::Seq(vec![rule]))]),
            )],
        }],
    };
    fix(
        obj,
        edits,
        vec![Note::count(
            "+",
            1,
            "rule",
            format!(" admitting {}", cidrs.join(", ")),
        )],
    )
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

/// The most ports a Cilium port rule holds (cilium pkg/policy/api/l4.go, PortRule.Ports:
/// `+kubebuilder:validation:MaxItems=40`).
const CILIUM_MAX_PORTS: usize = 40;

/// The router's port when its policy names none (spaces-router listens on 8443).
const ROUTER_PORT: (&str, &str) = ("8443", "TCP");

/// SE404: traffic that Cilium's Envoy forwards carries the reserved `ingress` identity,
/// which no Kubernetes NetworkPolicy selector can match; a CiliumNetworkPolicy with
/// `fromEntities: [ingress]` can (cilium Documentation/network/servicemesh/
/// ingress-reference.rst). Render adds one right after the router policy.
///
/// The added policy admits that identity only on the ports of the rules where a
/// controller peer stood: a policy without one gets none (it would widen what the
/// router admits), and one added policy serves every router policy of its namespace.
fn cilium_policy(ctx: &mut Ctx, policy: &Obj, ports: &Admitted, covered: &mut Vec<Option<String>>) {
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
    let remedy = match (selector, ports) {
        (_, Admitted::Nowhere) => {
            message.push_str(
                "; no rule of it admits a controller, so render adds none (it would widen what the router admits)",
            );
            Remedy::Warn
        }
        _ if existing => {
            message.push_str(&format!(
                "; CiliumNetworkPolicy {}/{name} exists and is left as it is",
                policy.namespace
            ));
            Remedy::Warn
        }
        (None, _) => Remedy::Warn,
        (Some(selector), Admitted::On(ports)) => {
            // The added policy covers the other router policies of this namespace.
            covered.push(Some(policy.namespace.to_string()));
            fix(
                policy,
                vec![Edit::AddDocument {
                    source: policy.doc.source.map(str::to_string),
                    pairs: cilium_document(policy, &name, &selector, ports.as_deref()),
                }],
                vec![Note::Text(format!("+CiliumNetworkPolicy {name}"))],
            )
        }
    };
    ctx.report(Code::SE404, policy, at, message, remedy);
}

/// The CiliumNetworkPolicy that admits Cilium's ingress identity to the router pods on
/// the ports of the rules that admitted controllers (every port when one of them names
/// none, as that rule did).
fn cilium_document(
    policy: &Obj,
    name: &str,
    selector: &Labels,
    ports: Option<&[Port]>,
) -> Vec<(String, Fragment)> {
    let tree = policy.tree;
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
    let mut rule = vec![(
        "fromEntities".to_string(),
        Fragment::Seq(vec![Fragment::str("ingress")]),
    )];
    if let Some(ports) = ports {
        let ports: Vec<Fragment> = ports
            .iter()
            .map(|p| {
                // Cilium reads port "0" as every port of the protocol, carries a range's
                // `endPort` and resolves a named port like Kubernetes (its own reading of
                // a NetworkPolicy does the same: cilium pkg/k8s/network_policy.go,
                // parsePorts; fields in pkg/policy/api/l4.go, PortProtocol). Cilium
                // enforces `endPort` from 1.16 (cilium/cilium#32807); an older one
                // admits `port` alone, as it does for the NetworkPolicy's range
                // (cilium/cilium#28684): narrower, never wider.
                let mut entry = vec![(
                    "port".to_string(),
                    Fragment::str(p.port.as_deref().unwrap_or("0")),
                )];
                if let Some(end) = &p.end {
                    entry.push(("endPort".to_string(), Fragment::Int(end.clone())));
                }
                entry.push(("protocol".to_string(), Fragment::str(&p.protocol)));
                Fragment::Map(entry)
            })
            .collect();
        // Cilium takes at most 40 ports in one port rule (the CRD's MaxItems); the
        // port rules of one rule add up.
        let port_rules: Vec<Fragment> = ports
            .chunks(CILIUM_MAX_PORTS)
            .map(|chunk| Fragment::Map(vec![("ports".to_string(), Fragment::Seq(chunk.to_vec()))]))
            .collect();
        rule.push(("toPorts".to_string(), Fragment::Seq(port_rules)));
    }
    let rule = Fragment::Map(rule);
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
