//! Every golden output still reads as the Kubernetes types it claims to be: Ingresses
//! and NetworkPolicies through k8s-openapi, Gateways, TLSRoutes and
//! CiliumNetworkPolicies through small local types that refuse unknown fields in the
//! parts render edits (a misplaced key written by render fails here).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use serde::Deserialize;
use serde_json::Value;
use spaces_expose::manifest::Stream;

/// `metadata` as far as these tests care: annotations must be strings.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Metadata {
    name: String,
    namespace: Option<String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Gateway {
    api_version: String,
    kind: String,
    metadata: Metadata,
    spec: GatewaySpec,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct GatewaySpec {
    gateway_class_name: String,
    listeners: Vec<Listener>,
    infrastructure: Option<Infrastructure>,
    addresses: Option<Value>,
    allowed_listeners: Option<Value>,
}

/// gateway-api apis/v1/listenerset_types.go (and its experimental predecessor
/// XListenerSet, apisx/v1alpha1/xlistenerset_types.go): the listeners have the Gateway's
/// shape.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct ListenerSet {
    api_version: String,
    kind: String,
    metadata: Metadata,
    spec: ListenerSetSpec,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct ListenerSetSpec {
    parent_ref: ParentGatewayReference,
    listeners: Vec<Listener>,
}

/// `ParentGatewayReference` (apis/v1/listenerset_types.go, apisx/v1alpha1/shared_types.go).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct ParentGatewayReference {
    group: Option<String>,
    kind: Option<String>,
    name: String,
    namespace: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct Listener {
    name: String,
    hostname: Option<String>,
    port: u16,
    protocol: String,
    tls: Option<ListenerTls>,
    allowed_routes: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct ListenerTls {
    mode: Option<String>,
    certificate_refs: Option<Vec<Value>>,
    options: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct Infrastructure {
    annotations: Option<BTreeMap<String, String>>,
    labels: Option<BTreeMap<String, String>>,
    parameters_ref: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct TlsRoute {
    api_version: String,
    kind: String,
    metadata: Metadata,
    spec: TlsRouteSpec,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct TlsRouteSpec {
    parent_refs: Vec<Value>,
    hostnames: Option<Vec<String>>,
    rules: Vec<TlsRouteRule>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct TlsRouteRule {
    name: Option<String>,
    backend_refs: Vec<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code)]
struct CiliumNetworkPolicy {
    api_version: String,
    kind: String,
    metadata: Metadata,
    spec: CiliumSpec,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CiliumSpec {
    endpoint_selector: CiliumSelector,
    ingress: Vec<CiliumRule>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CiliumSelector {
    match_labels: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CiliumRule {
    from_entities: Vec<String>,
    to_ports: Vec<CiliumPortRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CiliumPortRule {
    ports: Vec<CiliumPort>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct CiliumPort {
    port: String,
    /// An int32 in the CRD (cilium pkg/policy/api/l4.go, PortProtocol.EndPort).
    #[serde(rename = "endPort")]
    end_port: Option<u16>,
    protocol: String,
}

fn golden_outputs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/render");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("testdata/render exists")
        .map(|e| e.expect("dir entry").path().join("expected.yaml"))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// The objects of one output, as JSON values (`kind: List` items separately).
fn objects(text: &str) -> Vec<Value> {
    let stream = Stream::parse(text, "<golden>", "upbound-system").expect("golden output parses");
    let mut out = Vec::new();
    for doc in stream.docs.iter().filter(|d| d.tree.is_some()) {
        let Ok(value) = serde_saphyr::from_str::<Value>(doc.text) else {
            continue; // not something serde-saphyr reads as one value (e.g. a bare scalar)
        };
        match value.get("items").and_then(Value::as_array) {
            Some(items) if value["kind"].as_str().is_some_and(|k| k.ends_with("List")) => {
                out.extend(items.iter().cloned());
            }
            _ => out.push(value),
        }
    }
    out
}

fn check<T: serde::de::DeserializeOwned>(value: &Value) -> Result<T, String> {
    serde_json::from_value(value.clone()).map_err(|e| e.to_string())
}

/// A rule that names `from` must list at least one peer: an empty list admits every
/// source, and render must never leave one behind.
fn rules_keep_their_peers(policy: &Value) -> Result<(), String> {
    let rules = policy["spec"]["ingress"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for rule in rules {
        if let Some(from) = rule.get("from")
            && from.as_array().is_none_or(Vec::is_empty)
        {
            return Err(format!("a rule with an empty `from`: {rule}"));
        }
    }
    Ok(())
}

#[test]
fn golden_outputs_deserialize_into_their_types() {
    let files = golden_outputs();
    assert!(!files.is_empty(), "no golden outputs");
    let mut failures = Vec::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for file in &files {
        let case = file
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy();
        let text = std::fs::read_to_string(file).expect("readable");
        for object in objects(&text) {
            let kind = object["kind"].as_str().unwrap_or_default().to_string();
            let group = object["apiVersion"]
                .as_str()
                .and_then(|v| v.rsplit_once('/'))
                .map_or("", |(g, _)| g)
                .to_string();
            let result = match (kind.as_str(), group.as_str()) {
                ("Ingress", "networking.k8s.io") => check::<Ingress>(&object).map(|_| "Ingress"),
                ("NetworkPolicy", "networking.k8s.io") => check::<NetworkPolicy>(&object)
                    .and_then(|_| rules_keep_their_peers(&object))
                    .map(|_| "NetworkPolicy"),
                ("Gateway", "gateway.networking.k8s.io") => {
                    check::<Gateway>(&object).map(|_| "Gateway")
                }
                ("TLSRoute", "gateway.networking.k8s.io") => {
                    check::<TlsRoute>(&object).map(|_| "TLSRoute")
                }
                ("ListenerSet", "gateway.networking.k8s.io") => {
                    check::<ListenerSet>(&object).map(|_| "ListenerSet")
                }
                ("XListenerSet", "gateway.networking.x-k8s.io") => {
                    check::<ListenerSet>(&object).map(|_| "XListenerSet")
                }
                ("CiliumNetworkPolicy", "cilium.io") => check::<CiliumNetworkPolicy>(&object)
                    .and_then(|p| {
                        let admits_ingress = p.spec.ingress.iter().all(|r| {
                            r.from_entities == ["ingress"]
                                && r.to_ports.iter().all(|t| !t.ports.is_empty())
                        });
                        if p.spec.endpoint_selector.match_labels.is_empty() || !admits_ingress {
                            Err(format!(
                                "not a router policy for the ingress identity: {p:?}"
                            ))
                        } else {
                            Ok("CiliumNetworkPolicy")
                        }
                    }),
                _ => continue,
            };
            match result {
                Ok(kind) => *seen.entry(kind).or_default() += 1,
                Err(e) => failures.push(format!(
                    "{case}: {kind} {}: {e}",
                    object["metadata"]["name"]
                )),
            }
        }
    }
    // The check would pass vacuously if the cases lost these kinds.
    for kind in [
        "Ingress",
        "NetworkPolicy",
        "Gateway",
        "TLSRoute",
        "ListenerSet",
        "XListenerSet",
        "CiliumNetworkPolicy",
    ] {
        if !seen.contains_key(kind) {
            failures.push(format!("no {kind} in any golden output"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
