//! SE101–SE108: the target Services (`--service`, default `spaces-router`).

use crate::manifest::{Document, Object};
use crate::presets::{self, Cloud, On, Why};
use crate::yaml::{NodeId, Tree};

use super::Ctx;

/// Azure's TCP idle timeout, whole minutes; cloud-provider-azure accepts 4–30
/// (site/content/en/topics/loadbalancer.md).
const AZURE_IDLE_TIMEOUT: &str = "service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout";
const AZURE_IDLE_RANGE: std::ops::RangeInclusive<u32> = 4..=30;

pub(super) fn check(ctx: &mut Ctx) {
    for (doc, object) in ctx.targets() {
        let tree = doc.tree.as_ref().expect("objects live in parsed documents");
        let annotations = tree
            .path(object.node, &["metadata", "annotations"])
            .filter(|&a| tree.is_map(a));
        let type_node = tree.path(object.node, &["spec", "type"]);
        let load_balancer = type_node.and_then(|t| tree.scalar(t)) == Some("LoadBalancer");
        if let Some(map) = annotations {
            keys(ctx, doc, object, tree, map);
            if load_balancer {
                aws_scheme(ctx, doc, object, tree, map);
            }
        }
        if load_balancer {
            let at = type_node.unwrap_or(object.node);
            l4_set(ctx, doc, object, tree, annotations, at);
            azure_probe(ctx, doc, object, tree, annotations);
        }
    }
}

/// SE101, SE103, SE104, SE105, SE107: one annotation at a time.
fn keys(ctx: &mut Ctx, doc: &Document, object: &Object, tree: &Tree, map: NodeId) {
    let cloud = ctx.config.cloud;
    for &(k, v) in tree.entries(map) {
        let Some(key) = tree.scalar(k) else { continue };
        if ctx.config.keep_annotations.iter().any(|keep| keep == key) {
            continue;
        }
        let value = tree.scalar(v);
        if let Some(entry) = presets::l7_key(On::Service, key, value) {
            let (code, what) = match entry.why {
                Why::L7 => ("SE101", "Layer-7 annotation"),
                Why::TlsTermination => ("SE104", "TLS-termination annotation"),
                Why::ProxyProtocol => ("SE105", "PROXY protocol annotation"),
            };
            ctx.report(
                code,
                doc,
                Some(object),
                k,
                format!("{what} {key} on Service {}: {}", object.name, entry.note),
            );
            continue;
        }
        if key == presets::AWS_TYPE_KEY
            && let Some(value) = value
            && !presets::AWS_L4_TYPES.contains(&value)
        {
            ctx.report(
                "SE101",
                doc,
                Some(object),
                v,
                format!(
                    "{key}: {value:?} on Service {} is not a Network Load Balancer type ({})",
                    object.name,
                    presets::AWS_L4_TYPES.join(", ")
                ),
            );
            continue;
        }
        if let Some(cloud) = cloud
            && cloud != Cloud::None
            && let Some(owner) = presets::cloud_of_key(key)
            && owner != cloud
        {
            ctx.report(
                "SE103",
                doc,
                Some(object),
                k,
                format!(
                    "{} annotation {key} on Service {} rendered for --cloud {}",
                    owner.name(),
                    object.name,
                    cloud.name()
                ),
            );
        }
        if key == AZURE_IDLE_TIMEOUT {
            let ok = value
                .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|s| s.parse::<u32>().ok())
                .is_some_and(|n| AZURE_IDLE_RANGE.contains(&n));
            if !ok {
                ctx.report(
                    "SE107",
                    doc,
                    Some(object),
                    v,
                    format!(
                        "{key} is {:?}: Azure accepts whole minutes from {} to {}",
                        value.unwrap_or_default(),
                        AZURE_IDLE_RANGE.start(),
                        AZURE_IDLE_RANGE.end()
                    ),
                );
            }
        }
    }
}

/// SE106: the AWS Load Balancer Controller's default scheme is internal.
fn aws_scheme(ctx: &mut Ctx, doc: &Document, object: &Object, tree: &Tree, map: NodeId) {
    let Some(ty) = tree.get(map, presets::AWS_TYPE_KEY) else {
        return;
    };
    // `external` and the legacy `nlb-ip` are handled by the controller; the in-tree
    // `nlb` provider defaults to internet-facing.
    if !matches!(tree.scalar(ty), Some("external" | "nlb-ip")) {
        return;
    }
    if tree.get(map, presets::AWS_SCHEME_KEY).is_none() {
        ctx.report(
            "SE106",
            doc,
            Some(object),
            ty,
            format!(
                "Service {} has aws-load-balancer-type {:?} but no {}: the AWS Load Balancer Controller makes it internal",
                object.name,
                tree.scalar(ty).unwrap_or_default(),
                presets::AWS_SCHEME_KEY
            ),
        );
    }
}

/// How a present or missing annotation compares with the cloud set.
pub(super) struct SetGaps {
    pub missing: Vec<String>,
    pub wrong: Vec<(String, NodeId)>,
}

/// Compares an annotation map with the cloud's Layer-4 set for the options. The AWS
/// target type may be `ip` or `instance`: both are Layer 4, and which one fits is the
/// cluster's choice, not a Spaces problem.
pub(super) fn set_gaps(ctx: &Ctx, tree: &Tree, map: Option<NodeId>, cloud: Cloud) -> SetGaps {
    let config = ctx.config;
    let mut gaps = SetGaps {
        missing: Vec::new(),
        wrong: Vec::new(),
    };
    let set = presets::l4_annotations(cloud, config.scheme, config.aws_target_type);
    for (key, want) in set {
        match map.and_then(|m| tree.get(m, key)) {
            None => gaps.missing.push(format!("{key}: {want:?}")),
            Some(v) => {
                let have = tree.string(v);
                let ok = if key == "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type" {
                    matches!(have, Some("ip" | "instance"))
                } else {
                    have == Some(want)
                };
                if !ok {
                    gaps.wrong.push((
                        format!(
                            "{key} is {:?}, not {want:?}",
                            tree.scalar(v).unwrap_or_default()
                        ),
                        v,
                    ));
                }
            }
        }
    }
    if let Some(m) = map {
        for key in presets::contradicting_keys(cloud, config.scheme) {
            if let Some(v) = tree.get(m, key) {
                gaps.wrong.push((
                    format!("{key} contradicts --scheme {}", scheme_name(config.scheme)),
                    v,
                ));
            }
        }
    }
    gaps
}

pub(super) fn scheme_name(scheme: presets::Scheme) -> &'static str {
    match scheme {
        presets::Scheme::InternetFacing => "internet-facing",
        presets::Scheme::Internal => "internal",
    }
}

pub(super) fn describe(gaps: &SetGaps) -> Option<String> {
    let mut parts = Vec::new();
    if !gaps.missing.is_empty() {
        parts.push(format!("missing {}", gaps.missing.join(", ")));
    }
    for (what, _) in &gaps.wrong {
        parts.push(what.clone());
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// SE102: a LoadBalancer target lacks the cloud's set.
fn l4_set(
    ctx: &mut Ctx,
    doc: &Document,
    object: &Object,
    tree: &Tree,
    annotations: Option<NodeId>,
    at: NodeId,
) {
    let Some(cloud) = ctx.config.cloud else {
        return;
    };
    let gaps = set_gaps(ctx, tree, annotations, cloud);
    if let Some(text) = describe(&gaps) {
        let node = gaps.wrong.first().map_or(at, |&(_, v)| v);
        ctx.report(
            "SE102",
            doc,
            Some(object),
            node,
            format!(
                "LoadBalancer Service {} lacks the {} {} Layer-4 set: {text}",
                object.name,
                cloud.name(),
                scheme_name(ctx.config.scheme)
            ),
        );
    }
}

/// SE108: on Azure an `appProtocol: http(s)` port gets an HTTP probe that wants 200.
fn azure_probe(
    ctx: &mut Ctx,
    doc: &Document,
    object: &Object,
    tree: &Tree,
    annotations: Option<NodeId>,
) {
    if ctx.config.cloud != Some(Cloud::Azure) {
        return;
    }
    let Some(ports) = tree.path(object.node, &["spec", "ports"]) else {
        return;
    };
    for &port in tree.items(ports) {
        let Some(proto) = tree.get(port, "appProtocol") else {
            continue;
        };
        let Some(app) = tree.scalar(proto) else {
            continue;
        };
        if !app.eq_ignore_ascii_case("https") && !app.eq_ignore_ascii_case("http") {
            continue;
        }
        let number = tree.str_at(port, &["port"]).unwrap_or("<port>");
        let key = format!("service.beta.kubernetes.io/port_{number}_health-probe_protocol");
        let overridden = annotations
            .and_then(|m| tree.get(m, &key))
            .and_then(|v| tree.scalar(v))
            .is_some_and(|v| v.eq_ignore_ascii_case("tcp"));
        if !overridden {
            ctx.report(
                "SE108",
                doc,
                Some(object),
                proto,
                format!(
                    "port {number} of Service {} has appProtocol {app}: the Azure health probe requests / and wants 200 (spaces-router answers 401); add {key}: \"tcp\"",
                    object.name
                ),
            );
        }
    }
}
