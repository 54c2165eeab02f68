//! The router's NetworkPolicy admits exactly the chosen controllers (SPEC §4.4), and,
//! for Cilium, a CiliumNetworkPolicy admits Cilium's ingress identity.
//!
//! Only with `--controller`: without it NetworkPolicies are left alone.

use std::fmt::Write as _;

use crate::error::Result;
use crate::manifest::{Document, Object};
use crate::presets::HELM4_FILENAME_ANNOTATION;
use crate::render::Plan;
use crate::router;
use crate::yaml::write::{Fragment, key, quote};
use crate::yaml::{NodeId, Tree};

use super::gateway::GROUP as GATEWAY_GROUP;

type Labels = Vec<(String, String)>;
/// `(port, protocol)` pairs of a rule.
type Ports = Vec<(String, String)>;

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
}

pub fn apply(plan: &mut Plan) -> Result<()> {
    let config = plan.config;
    if config.controllers.is_empty() {
        return Ok(());
    }
    let stream = plan.stream;

    // Controllers whose data plane sits in the Gateway's namespace are admitted there:
    // the Gateway's own namespace when the release renders it, else the default.
    let gateway_namespace = stream
        .of_kind("Gateway")
        .find(|(_, o)| o.group() == GATEWAY_GROUP && o.name == config.gateway)
        .map_or(config.namespace.clone(), |(_, o)| o.namespace.to_string());
    let mut peers = Vec::new();
    for controller in &config.controllers {
        if controller.is_cilium() {
            continue;
        }
        let (pods, namespace) = controller.labels(&config.gateway, &gateway_namespace);
        // Never write an empty selector: `{}` admits every pod or namespace.
        if pods.is_empty() || namespace.is_empty() || pods.iter().any(|(k, _)| k.is_empty()) {
            continue;
        }
        peers.push(Peer {
            controller: controller.name.clone(),
            namespace,
            pods,
        });
    }
    let cilium = config.controllers.iter().any(|c| c.is_cilium());

    let selectors = router::selectors(&router::target_services(stream, config));
    let mut found = false;
    for (doc, policy) in stream.of_kind("NetworkPolicy") {
        let tree = doc.tree.as_ref().expect("objects live in parsed documents");
        if router::policy_targets(tree, policy, &selectors).is_empty() {
            continue;
        }
        found = true;
        let (ports, mut notes) = edit(plan, doc, policy, &peers)?;
        if cilium {
            notes.extend(add_cilium_policy(plan, doc, policy, &ports));
        }
        plan.change(policy, notes);
    }
    if !found {
        plan.report.notes.push(
            "--controller given, but no NetworkPolicy selects the router pods: nothing to narrow"
                .to_string(),
        );
    }
    Ok(())
}

/// A mapping of string labels, sorted; `None` when any entry is not a string pair.
fn string_labels(tree: &Tree, map: NodeId) -> Option<Labels> {
    if !tree.is_map(map) {
        return None;
    }
    let mut labels = tree
        .entries(map)
        .iter()
        .map(|&(k, v)| Some((tree.scalar(k)?.to_string(), tree.string(v)?.to_string())))
        .collect::<Option<Labels>>()?;
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

/// Whether a peer already is exactly the wanted one.
fn is_peer(tree: &Tree, node: NodeId, peer: &Peer) -> bool {
    let entries = tree.entries(node);
    if entries.len() != 2 {
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
    namespace == Some(sorted(&peer.namespace)) && pods == Some(sorted(&peer.pods))
}

/// Rewrites the controller peers of each ingress rule; returns the ports of the rules
/// that admitted a controller (for the CiliumNetworkPolicy) and the summary notes.
fn edit<'s, 'a>(
    plan: &mut Plan<'s, 'a>,
    doc: &'s Document<'a>,
    policy: &'s Object,
    peers: &[Peer],
) -> Result<(Ports, Vec<String>)> {
    let tree = doc.tree.as_ref().expect("objects live in parsed documents");
    let mut ports = Vec::new();
    let Some(rules_seq) = tree
        .path(policy.node, &["spec", "ingress"])
        .filter(|&s| tree.is_seq(s))
    else {
        return Ok((ports, Vec::new()));
    };
    let (mut rewritten, mut removed) = (0usize, 0usize);
    for &rule in tree.items(rules_seq) {
        let Some(from) = tree.get(rule, "from").filter(|&f| tree.is_seq(f)) else {
            // No `from`: the rule admits every source. Narrowing it is not this
            // program's call (ingress-nginx's own policy is like that on purpose).
            continue;
        };
        let items = tree.items(from);
        let controller: Vec<NodeId> = items
            .iter()
            .copied()
            .filter(|&p| tree.get(p, "namespaceSelector").is_some())
            .collect();
        if controller.is_empty() {
            // A rule that admits no controller today is left alone: adding one would
            // widen what it admits.
            continue;
        }
        ports.extend(rule_ports(tree, rule));
        let others = items.len() - controller.len();
        if peers.is_empty() && others == 0 {
            // Nothing left to admit: drop the rule rather than leave it without `from`,
            // which would admit every source.
            plan.writer(doc)
                .remove_item(rules_seq, rule)
                .map_err(|e| plan.unsupported(doc, policy, e))?;
            removed += 1;
            continue;
        }
        let same = controller.len() == peers.len()
            && controller
                .iter()
                .zip(peers)
                .all(|(&node, peer)| is_peer(tree, node, peer));
        if same {
            continue;
        }
        let fragments: Vec<Fragment> = peers.iter().map(Peer::fragment).collect();
        let writer = plan.writer(doc);
        let mut result = writer.replace_item(from, controller[0], &fragments);
        for &old in &controller[1..] {
            if result.is_ok() {
                result = writer.remove_item(from, old);
            }
        }
        result.map_err(|e| plan.unsupported(doc, policy, e))?;
        rewritten += 1;
    }

    let mut notes = Vec::new();
    if rewritten > 0 {
        let names: Vec<&str> = peers.iter().map(|p| p.controller.as_str()).collect();
        let admitted = if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        };
        let rules = if rewritten == 1 { "rule" } else { "rules" };
        notes.push(format!(
            "controller peers of {rewritten} {rules} -> {admitted}"
        ));
    }
    if removed > 0 {
        notes.push(super::counted("-", removed, "rule", " left without peers"));
    }
    Ok((ports, notes))
}

/// `(port, protocol)` of a rule's ports; the protocol defaults to TCP.
fn rule_ports(tree: &Tree, rule: NodeId) -> Vec<(String, String)> {
    let list = tree.get(rule, "ports").map_or(&[][..], |p| tree.items(p));
    list.iter()
        .filter_map(|&p| {
            let port = tree.str_at(p, &["port"])?.to_string();
            let protocol = tree.str_at(p, &["protocol"]).unwrap_or("TCP").to_string();
            Some((port, protocol))
        })
        .collect()
}

/// The router's port when its policy names none (spaces-router listens on 8443).
const ROUTER_PORT: (&str, &str) = ("8443", "TCP");

/// Traffic that Cilium's Envoy forwards carries the reserved `ingress` identity, which
/// no Kubernetes NetworkPolicy selector can match; a CiliumNetworkPolicy with
/// `fromEntities: [ingress]` can (cilium Documentation/network/servicemesh/
/// ingress-reference.rst). It goes right after the router policy, in its namespace.
fn add_cilium_policy(
    plan: &mut Plan,
    doc: &Document,
    policy: &Object,
    ports: &[(String, String)],
) -> Option<String> {
    let tree = doc.tree.as_ref().expect("objects live in parsed documents");
    let selector = tree
        .path(policy.node, &["spec", "podSelector", "matchLabels"])
        .and_then(|m| string_labels(tree, m))?;
    let name = format!("{}-cilium-ingress", policy.name);
    let text = cilium_policy_text(doc, policy, &name, &selector, ports);

    // Idempotence: the document render added last time follows the policy already.
    let next = plan.stream.docs.get(doc.index + 1);
    if next.is_some_and(|d| d.text == text) {
        return None;
    }
    let existing = plan
        .stream
        .of_kind("CiliumNetworkPolicy")
        .find(|(_, o)| o.name == name && o.namespace == policy.namespace);
    if let Some((other_doc, other)) = existing {
        plan.warn(
            format!(
                "a CiliumNetworkPolicy {}/{} already exists and differs from the one render would add; left as it is (check that it admits fromEntities: [ingress] to the router)",
                other.namespace, other.name
            ),
            Some(plan.stream.location(other_doc, Some(other), other.node)),
        );
        return None;
    }
    plan.add_after(doc, text);
    Some(format!("+CiliumNetworkPolicy {name}"))
}

fn cilium_policy_text(
    doc: &Document,
    policy: &Object,
    name: &str,
    selector: &Labels,
    given: &[(String, String)],
) -> String {
    let tree = doc.tree.as_ref().expect("objects live in parsed documents");
    let mut ports: Vec<(String, String)> = Vec::new();
    for port in given {
        if !ports.contains(port) {
            ports.push(port.clone());
        }
    }
    if ports.is_empty() {
        ports.push((ROUTER_PORT.0.to_string(), ROUTER_PORT.1.to_string()));
    }
    let mut out = String::from("---\n");
    if let Some(source) = doc.source {
        let _ = writeln!(out, "# Source: {source}");
    }
    out.push_str("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n");
    let _ = writeln!(out, "  name: {}", quote(name));
    // Without a namespace in the policy, the added one lands where the policy lands.
    if let Some(ns) = tree.str_at(policy.node, &["metadata", "namespace"]) {
        let _ = writeln!(out, "  namespace: {}", quote(ns));
    }
    // Helm 4 regroups the post-rendered documents by this annotation: the added
    // policy belongs with the router policy's template.
    if let Some(file) = tree
        .path(
            policy.node,
            &["metadata", "annotations", HELM4_FILENAME_ANNOTATION],
        )
        .and_then(|n| tree.string(n))
    {
        let _ = writeln!(
            out,
            "  annotations:\n    {}: {}",
            key(HELM4_FILENAME_ANNOTATION),
            quote(file)
        );
    }
    out.push_str("spec:\n  endpointSelector:\n    matchLabels:\n");
    for (k, v) in selector {
        let _ = writeln!(out, "      {}: {}", key(k), quote(v));
    }
    out.push_str("  ingress:\n    - fromEntities:\n        - \"ingress\"\n      toPorts:\n        - ports:\n");
    for (port, protocol) in &ports {
        let _ = writeln!(
            out,
            "            - port: {}\n              protocol: {}",
            quote(port),
            quote(protocol)
        );
    }
    if doc.text.contains("\r\n") {
        out = out.replace('\n', "\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(tree: &Tree) -> Object<'static> {
        Object {
            node: tree.root.expect("a document"),
            kind: "NetworkPolicy".into(),
            api_version: "networking.k8s.io/v1".into(),
            name: "p".into(),
            namespace: "ns".into(),
        }
    }

    fn router(ns: &str) -> Vec<(String, router::LabelSet)> {
        vec![(
            ns.to_string(),
            [
                ("app".to_string(), "spaces-router".to_string()),
                ("release".to_string(), "spaces".to_string()),
            ]
            .into(),
        )]
    }

    fn selects(spec: &str, ns: &str) -> bool {
        let tree = Tree::parse(spec).expect("test input parses");
        !router::policy_targets(&tree, &policy(&tree), &router(ns)).is_empty()
    }

    #[test]
    fn router_policy_is_a_nonempty_subset_in_the_same_namespace() {
        assert!(selects(
            "spec: {podSelector: {matchLabels: {app: spaces-router}}}",
            "ns"
        ));
        assert!(selects(
            "spec: {podSelector: {matchLabels: {app: spaces-router, release: spaces}}}",
            "ns"
        ));
        assert!(!selects(
            "spec: {podSelector: {matchLabels: {app: spaces-router}}}",
            "other"
        ));
        assert!(!selects(
            "spec: {podSelector: {matchLabels: {app: other}}}",
            "ns"
        ));
        assert!(!selects(
            "spec: {podSelector: {matchLabels: {app: spaces-router, tier: x}}}",
            "ns"
        ));
        // Every pod of the namespace, and expressions this program does not evaluate.
        assert!(!selects("spec: {podSelector: {}}", "ns"));
        assert!(!selects(
            "spec: {podSelector: {matchLabels: {app: spaces-router}, matchExpressions: [{key: a, operator: Exists}]}}",
            "ns"
        ));
    }

    #[test]
    fn a_peer_matches_only_with_exactly_the_wanted_selectors() {
        let peer = Peer {
            controller: "x".into(),
            namespace: vec![("n".into(), "a".into())],
            pods: vec![("p".into(), "b".into()), ("q".into(), "c".into())],
        };
        let check = |src: &str| {
            let tree = Tree::parse(src).expect("test input parses");
            is_peer(&tree, tree.root.unwrap(), &peer)
        };
        assert!(check(
            "{namespaceSelector: {matchLabels: {n: a}}, podSelector: {matchLabels: {q: c, p: b}}}"
        ));
        assert!(!check("{namespaceSelector: {matchLabels: {n: a}}}"));
        assert!(!check(
            "{namespaceSelector: {matchLabels: {n: a}}, podSelector: {matchLabels: {p: b}}}"
        ));
        assert!(!check(
            "{namespaceSelector: {matchLabels: {n: a}, matchExpressions: []}, podSelector: {matchLabels: {q: c, p: b}}}"
        ));
    }
}
