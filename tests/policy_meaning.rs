//! Render never widens access beyond what was asked (README, "Guarantees"), on meaning:
//! over generated router NetworkPolicies with mixed peers (controllers, the connect
//! agent, ipBlocks, other namespaces, empty selectors, several rules, policyTypes, rule
//! ports in every form: numbers, a protocol alone, `endPort` ranges, named ports, empty
//! entries), the policies after render admit no (source, port, protocol) they did not
//! admit before, except
//! the chosen controllers' pods (and, for Cilium, its `ingress` identity) on the ports of
//! the rules where a controller peer stood, and the `--admit-cidr` CIDRs on the router
//! port. Every source that is no controller keeps exactly its access, and egress is
//! never touched.
//!
//! The policies are read with serde-saphyr into JSON values and evaluated here, by the
//! NetworkPolicy rules of the Kubernetes API, independently of the program's own reading.

use proptest::prelude::*;
use serde_json::Value;
use spaces_expose::config;

/// A peer the generator can place, with whether it is a controller's.
struct PeerKind {
    yaml: &'static str,
    controller: bool,
}

const PEERS: &[PeerKind] = &[
    PeerKind {
        yaml: "{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}, podSelector: {matchLabels: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller}}}",
        controller: true,
    },
    PeerKind {
        yaml: "{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}, podSelector: {matchLabels: {app.kubernetes.io/name: ingress-nginx}}}",
        controller: true,
    },
    PeerKind {
        yaml: "{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}",
        controller: true,
    },
    PeerKind {
        yaml: "{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: traefik}}, podSelector: {matchLabels: {app.kubernetes.io/name: traefik}}}",
        controller: true,
    },
    PeerKind {
        yaml: "{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: envoy-gateway-system}}, podSelector: {matchLabels: {app.kubernetes.io/name: envoy, app.kubernetes.io/component: proxy, app.kubernetes.io/managed-by: envoy-gateway}}}",
        controller: true,
    },
    PeerKind {
        yaml: "{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}, podSelector: {matchLabels: {app.kubernetes.io/name: prometheus}}}",
        controller: false,
    },
    PeerKind {
        yaml: "{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}",
        controller: false,
    },
    PeerKind {
        yaml: "{podSelector: {matchLabels: {app: agent}}}",
        controller: false,
    },
    // A preset's name label (Contour's `app: envoy`) in a namespace of its own: no
    // controller's.
    PeerKind {
        yaml: "{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}, podSelector: {matchLabels: {app: envoy}}}",
        controller: false,
    },
    PeerKind {
        yaml: "{ipBlock: {cidr: 10.0.0.0/8}}",
        controller: false,
    },
    PeerKind {
        yaml: "{namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}",
        controller: false,
    },
];

/// A rule's `ports`, in every form a NetworkPolicy allows: numbers, a protocol alone
/// (every port of it), an `endPort` range, a named port (the router pod's `https`), an
/// empty entry (every TCP port), and no list (every port and protocol).
const PORT_LISTS: &[&str] = &[
    "[]",
    "[{port: 8443}]",
    "[{port: 8443}, {port: 9090}]",
    "[{protocol: TCP}]",
    "[{protocol: UDP}]",
    "[{port: 9000, endPort: 9100}]",
    "[{port: https}]",
    "[{port: 8443, protocol: UDP}, {port: 1234}]",
    "[{}]",
];

/// The router pod's named container ports: (name, number, protocol).
const NAMED_PORTS: &[(&str, u16, &str)] = &[("https", 8443, "TCP")];

const POLICY_TYPES: &[Option<&str>] = &[
    None,
    Some("[Ingress]"),
    Some("[Ingress, Egress]"),
    Some("[Egress]"),
    // Defaulted by the API server like a missing field.
    Some("[]"),
];

/// Who may knock: pods (namespace labels, pod labels), addresses, and Cilium's
/// reserved `ingress` identity.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    Pod {
        namespace: &'static str,
        labels: &'static [(&'static str, &'static str)],
        /// The controller whose data plane this is, if any.
        controller: Option<&'static str>,
    },
    Address(&'static str, [u8; 4]),
    CiliumIngress,
}

fn sources() -> Vec<Source> {
    use Source::*;
    vec![
        Pod {
            namespace: "ingress-nginx",
            labels: &[
                ("app.kubernetes.io/name", "ingress-nginx"),
                ("app.kubernetes.io/component", "controller"),
            ],
            controller: Some("ingress-nginx"),
        },
        Pod {
            namespace: "traefik",
            labels: &[("app.kubernetes.io/name", "traefik")],
            controller: Some("traefik"),
        },
        Pod {
            namespace: "envoy-gateway-system",
            labels: &[
                ("app.kubernetes.io/name", "envoy"),
                ("app.kubernetes.io/component", "proxy"),
                ("app.kubernetes.io/managed-by", "envoy-gateway"),
            ],
            controller: Some("envoy-gateway"),
        },
        Pod {
            namespace: "monitoring",
            labels: &[("app.kubernetes.io/name", "prometheus")],
            controller: None,
        },
        Pod {
            namespace: "upbound-system",
            labels: &[("app", "agent")],
            controller: None,
        },
        Pod {
            namespace: "monitoring",
            labels: &[("app", "envoy")],
            controller: None,
        },
        Pod {
            namespace: "default",
            labels: &[("app", "web")],
            controller: None,
        },
        Address("10.1.2.3", [10, 1, 2, 3]),
        Address("192.168.7.7", [192, 168, 7, 7]),
        Address("172.16.0.1", [172, 16, 0, 1]),
        CiliumIngress,
    ]
}

/// The (port, protocol) pairs knocked on.
const PORTS: &[(u16, &str)] = &[
    (8443, "TCP"),
    (9090, "TCP"),
    (1234, "TCP"),
    (9050, "TCP"),
    (8443, "UDP"),
    (9050, "UDP"),
    (8443, "SCTP"),
];

fn labels_match(selector: &Value, labels: &[(&str, &str)]) -> bool {
    let Some(map) = selector.get("matchLabels").and_then(Value::as_object) else {
        return selector.get("matchExpressions").is_none();
    };
    map.iter().all(|(k, v)| {
        labels
            .iter()
            .any(|(lk, lv)| lk == k && Some(*lv) == v.as_str())
    })
}

fn in_cidr(cidr: &str, address: [u8; 4]) -> bool {
    let Some((base, bits)) = cidr.split_once('/') else {
        return false;
    };
    let Ok(bits) = bits.parse::<u32>() else {
        return false;
    };
    let parts: Vec<u8> = base.split('.').filter_map(|p| p.parse().ok()).collect();
    if parts.len() != 4 || bits > 32 {
        return false;
    }
    let base = u32::from_be_bytes([parts[0], parts[1], parts[2], parts[3]]);
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    (u32::from_be_bytes(address) & mask) == (base & mask)
}

/// Whether one NetworkPolicy peer matches a source (the policy is in `upbound-system`).
fn peer_matches(peer: &Value, source: &Source) -> bool {
    match source {
        Source::Address(_, address) => peer
            .pointer("/ipBlock/cidr")
            .and_then(Value::as_str)
            .is_some_and(|c| in_cidr(c, *address)),
        Source::CiliumIngress => false,
        Source::Pod {
            namespace, labels, ..
        } => {
            if peer.get("ipBlock").is_some() {
                return false;
            }
            let ns_labels = [("kubernetes.io/metadata.name", *namespace)];
            let ns_ok = match peer.get("namespaceSelector") {
                Some(sel) => labels_match(sel, &ns_labels),
                None => *namespace == "upbound-system",
            };
            let pod_ok = peer
                .get("podSelector")
                .is_none_or(|sel| labels_match(sel, labels));
            ns_ok && pod_ok
        }
    }
}

/// A port value as a number: YAML `8443`, or the string `"8443"` Cilium writes.
fn number(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
}

/// Whether a named port is the router pod's `port`/`protocol`.
fn named_is(name: &str, port: u16, protocol: &str) -> bool {
    NAMED_PORTS
        .iter()
        .any(|&(n, p, proto)| n == name && p == port && proto == protocol)
}

/// Whether one `port`/`endPort` pair admits `port` (no `port`: every port).
fn port_value_ok(entry: &Value, port: u16, protocol: &str) -> bool {
    let Some(value) = entry.get("port") else {
        return true;
    };
    match number(value) {
        Some(start) => {
            let end = entry.get("endPort").and_then(number).unwrap_or(start);
            (start..=end).contains(&(port as u64))
        }
        None => value
            .as_str()
            .is_some_and(|name| named_is(name, port, protocol)),
    }
}

/// A NetworkPolicy rule's `ports`, by the Kubernetes API: no list or an empty one admits
/// every port and protocol; an entry's protocol defaults to TCP, a missing `port` admits
/// every port of that protocol, `endPort` ends a range, a name is the pod's port of that
/// name and protocol.
fn port_ok(ports: Option<&Value>, port: u16, protocol: &str) -> bool {
    match ports.and_then(Value::as_array) {
        None => true,
        Some(list) if list.is_empty() => true,
        Some(list) => list.iter().any(|p| {
            p.get("protocol").and_then(Value::as_str).unwrap_or("TCP") == protocol
                && port_value_ok(p, port, protocol)
        }),
    }
}

/// A CiliumNetworkPolicy rule's `toPorts`, by Cilium (pkg/policy/api/l4.go): none admits
/// every port and protocol; a protocol absent or `ANY` matches TCP, UDP and SCTP; port
/// "0" is every port; `endPort` ends a range; a name is the pod's port of that name.
fn cilium_port_ok(to_ports: Option<&Value>, port: u16, protocol: &str) -> bool {
    let Some(rules) = to_ports.and_then(Value::as_array) else {
        return true;
    };
    rules.iter().any(|rule| {
        let Some(list) = rule.get("ports").and_then(Value::as_array) else {
            return true;
        };
        list.iter().any(|p| {
            let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("ANY");
            let proto_ok = proto == "ANY" || proto.is_empty() || proto == protocol;
            let port_ok =
                p.get("port").and_then(number) == Some(0) || port_value_ok(p, port, protocol);
            proto_ok && port_ok
        })
    })
}

/// Whether the router's pods admit `source` on `port` under these documents: the union
/// of what every NetworkPolicy and CiliumNetworkPolicy that selects them allows.
fn admits(docs: &[Value], source: &Source, (port, protocol): (u16, &str)) -> bool {
    let mut restricted = false;
    let mut allowed = false;
    for doc in docs {
        match doc.get("kind").and_then(Value::as_str) {
            Some("NetworkPolicy") => {
                // The API server defaults a missing or empty list to Ingress (plus Egress
                // when egress rules exist).
                let types = doc.pointer("/spec/policyTypes").and_then(Value::as_array);
                let ingress =
                    types.is_none_or(|t| t.is_empty() || t.iter().any(|t| t == "Ingress"));
                if !ingress {
                    continue;
                }
                restricted = true;
                let rules = doc.pointer("/spec/ingress").and_then(Value::as_array);
                for rule in rules.into_iter().flatten() {
                    let from = rule.get("from").and_then(Value::as_array);
                    let source_ok = match from {
                        None => true,
                        Some(peers) if peers.is_empty() => true,
                        Some(peers) => peers.iter().any(|p| peer_matches(p, source)),
                    };
                    if source_ok && port_ok(rule.get("ports"), port, protocol) {
                        allowed = true;
                    }
                }
            }
            Some("CiliumNetworkPolicy") => {
                let rules = doc.pointer("/spec/ingress").and_then(Value::as_array);
                for rule in rules.into_iter().flatten() {
                    let entity = rule
                        .get("fromEntities")
                        .and_then(Value::as_array)
                        .is_some_and(|e| e.iter().any(|x| x == "ingress"));
                    let on_port = cilium_port_ok(rule.get("toPorts"), port, protocol);
                    if entity && *source == Source::CiliumIngress && on_port {
                        allowed = true;
                    }
                }
            }
            _ => {}
        }
    }
    // Cilium's identity passes a plain NetworkPolicy only through a CiliumNetworkPolicy.
    if *source == Source::CiliumIngress {
        return allowed;
    }
    !restricted || allowed
}

fn documents(stream: &str) -> Vec<Value> {
    stream
        .split("\n---\n")
        .filter(|d| !d.trim().is_empty())
        .map(|d| serde_saphyr::from_str::<Value>(d).expect("documents parse"))
        .collect()
}

/// One generated case: the policy text, and per rule whether it holds a controller peer.
struct Case {
    text: String,
    controller_rules: Vec<bool>,
}

fn case(types: usize, rules: &[(Option<Vec<usize>>, usize)]) -> Case {
    let mut text = String::from(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: spaces-router\n  namespace: upbound-system\nspec:\n  selector: {app: spaces-router}\n  ports: [{port: 8443, targetPort: 8443}]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: spaces-router\n  namespace: upbound-system\nspec:\n  podSelector:\n    matchLabels: {app: spaces-router}\n",
    );
    if let Some(t) = POLICY_TYPES[types] {
        text.push_str(&format!("  policyTypes: {t}\n"));
    }
    text.push_str("  egress:\n    - to: [{ipBlock: {cidr: 0.0.0.0/0}}]\n");
    let mut controller_rules = Vec::new();
    if !rules.is_empty() {
        text.push_str("  ingress:\n");
    }
    for (peers, ports) in rules {
        text.push_str(&format!("    - ports: {}\n", PORT_LISTS[*ports]));
        let mut controller = false;
        if let Some(peers) = peers {
            let items: Vec<&str> = peers.iter().map(|&i| PEERS[i].yaml).collect();
            controller = peers.iter().any(|&i| PEERS[i].controller);
            text.push_str(&format!("      from: [{}]\n", items.join(", ")));
        }
        controller_rules.push(controller);
    }
    Case {
        text,
        controller_rules,
    }
}

const CONTROLLER_SETS: &[&[&str]] = &[
    &["traefik"],
    &["envoy-gateway"],
    &["ingress-nginx", "envoy-gateway"],
    &["cilium"],
    &["cilium", "traefik"],
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn render_admits_only_what_was_asked(
        types in 0..POLICY_TYPES.len(),
        rules in prop::collection::vec(
            (prop::option::weighted(0.85, prop::collection::vec(0..PEERS.len(), 1..4)), 0..PORT_LISTS.len()),
            0..4,
        ),
        controllers in 0..CONTROLLER_SETS.len(),
        cidr in any::<bool>(),
    ) {
        let case = case(types, &rules);
        let chosen = CONTROLLER_SETS[controllers];
        let mut args = vec![
            "spaces-expose".to_string(),
            "--cloud=none".to_string(),
            format!("--controller={}", chosen.join(",")),
        ];
        if cidr {
            args.push("--mode=load-balancer".to_string());
            args.push("--admit-cidr=192.168.0.0/16".to_string());
        }
        let cli = <spaces_expose::cli::Cli as clap::Parser>::try_parse_from(&args).expect("arguments parse");
        let config = config::resolve(&cli.render).expect("options resolve");
        let rendered = match spaces_expose::render(case.text.as_bytes(), "<p>", &config) {
            Ok(r) => r,
            // A refusal changes nothing.
            Err(_) => return Ok(()),
        };
        let before = documents(&case.text);
        let after = documents(&rendered.output);
        // Egress and policyTypes are never touched.
        let policy = |docs: &[Value]| docs.iter().find(|d| d["kind"] == "NetworkPolicy").cloned().unwrap();
        prop_assert_eq!(&policy(&before)["spec"]["egress"], &policy(&after)["spec"]["egress"]);
        prop_assert_eq!(&policy(&before)["spec"]["policyTypes"], &policy(&after)["spec"]["policyTypes"]);
        let restricts = POLICY_TYPES[types].is_none_or(|t| t == "[]" || t.contains("Ingress"));
        // The ports and protocols of the rules where a controller peer stood, as the
        // policy before render admitted them.
        let before_rules = policy(&before)["spec"]["ingress"].as_array().cloned().unwrap_or_default();
        let on_controller_port = |(port, protocol): (u16, &str)| {
            case.controller_rules.iter().zip(&before_rules).any(|(&controller, rule)| {
                controller && port_ok(rule.get("ports"), port, protocol)
            })
        };
        for source in sources() {
            for &port in PORTS {
                let was = admits(&before, &source, port);
                let is = admits(&after, &source, port);
                let asked = match &source {
                    Source::Pod { controller: Some(name), .. } => {
                        chosen.contains(name) && restricts && on_controller_port(port)
                    }
                    Source::CiliumIngress => chosen.contains(&"cilium") && restricts && on_controller_port(port),
                    Source::Address("192.168.7.7", _) => cidr && restricts && port == (8443, "TCP"),
                    _ => false,
                };
                let controller_pods = matches!(source, Source::Pod { controller: Some(_), .. });
                let ctx = format!("{source:?} on {port:?}: before {was}, after {is}\n--- input {args:?}\n{}\n--- output\n{}", case.text, rendered.output);
                if is && !was {
                    prop_assert!(asked, "widened: {}", ctx);
                }
                // Every source that is no controller keeps exactly its access.
                if !controller_pods && !asked {
                    prop_assert_eq!(was, is, "changed: {}", ctx);
                }
            }
        }
    }
}
