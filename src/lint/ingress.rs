//! SE201–SE203: Ingress objects whose backend is a target Service.

use crate::manifest::{Document, Object};
use crate::presets::{self, Cloud, ControllerPreset, On};
use crate::router;
use crate::yaml::{NodeId, Tree};

use super::Ctx;

const CLASS_ANNOTATION: &str = "kubernetes.io/ingress.class";

/// A controller's name and the annotations that switch an Ingress to passthrough.
type PassthroughSet = (&'static str, &'static [(&'static str, &'static str)]);

pub(super) fn check(ctx: &mut Ctx) {
    let ingresses: Vec<_> = ctx
        .stream
        .of_kind("Ingress")
        .filter(|(_, o)| router::is_ingress(o))
        .collect();
    for (doc, object) in ingresses {
        let tree = doc.tree.as_ref().expect("objects live in parsed documents");
        if !router::ingress_routes_to_target(tree, object, ctx.config) {
            continue;
        }
        let annotations = tree
            .path(object.node, &["metadata", "annotations"])
            .filter(|&a| tree.is_map(a));
        let class = tree
            .path(object.node, &["spec", "ingressClassName"])
            .or_else(|| annotations.and_then(|a| tree.get(a, CLASS_ANNOTATION)))
            .filter(|&n| tree.scalar(n).is_some_and(|s| !s.is_empty()));
        class_l7(ctx, doc, object, tree, class);
        passthrough(ctx, doc, object, tree, annotations, class);
        if let Some(map) = annotations {
            l7_keys(ctx, doc, object, tree, map);
        }
    }
}

/// SE202: a class that can only do L7, or no class at all on GKE.
fn class_l7(ctx: &mut Ctx, doc: &Document, object: &Object, tree: &Tree, class: Option<NodeId>) {
    match class {
        Some(node) => {
            let name = tree.scalar(node).unwrap_or_default();
            if let Some((_, what)) = presets::L7_INGRESS_CLASSES.iter().find(|(c, _)| *c == name) {
                ctx.report(
                    "SE202",
                    doc,
                    Some(object),
                    node,
                    format!(
                        "Ingress {} uses class {name} ({what}), which terminates TLS and cannot pass it through",
                        object.name
                    ),
                );
            }
        }
        None if ctx.config.cloud == Some(Cloud::Gcp) => {
            let at = tree.get(object.node, "spec").unwrap_or(object.node);
            ctx.report(
                "SE202",
                doc,
                Some(object),
                at,
                format!(
                    "Ingress {} has no class: GKE builds an external Application Load Balancer (Layer 7) for it",
                    object.name
                ),
            );
        }
        None => {}
    }
}

/// The passthrough annotation sets that would satisfy this Ingress, and a label for
/// messages. `Err` when the chosen controllers cannot pass TLS through an Ingress.
fn wanted_sets(ctx: &Ctx, class: Option<&str>) -> Result<Vec<PassthroughSet>, String> {
    let by_class = |p: &&ControllerPreset| class.is_some_and(|c| p.ingress_classes.contains(&c));
    let chosen: Vec<&'static ControllerPreset> = ctx
        .config
        .controllers
        .iter()
        .filter_map(|c| c.preset)
        .collect();
    let custom = ctx.config.controllers.iter().any(|c| c.preset.is_none());
    let any_known = || {
        presets::CONTROLLERS
            .iter()
            .filter(|p| !p.gateway_only())
            .map(|p| (p.name, p.ingress_passthrough))
            .collect::<Vec<_>>()
    };
    if chosen.is_empty() || custom {
        // Without a preset to go by: the class's controller, else any known switch.
        if let Some(p) = presets::CONTROLLERS.iter().find(by_class) {
            return Ok(vec![(p.name, p.ingress_passthrough)]);
        }
        return Ok(any_known());
    }
    let capable: Vec<_> = chosen.iter().filter(|p| !p.gateway_only()).collect();
    if capable.is_empty() {
        let names: Vec<&str> = chosen.iter().map(|p| p.name).collect();
        return Err(format!(
            "--controller {} passes TLS through only with Gateway API, not with an Ingress",
            names.join(",")
        ));
    }
    let matching: Vec<_> = capable.iter().filter(|p| by_class(p)).collect();
    let pick = if matching.is_empty() {
        capable
    } else {
        matching.into_iter().copied().collect()
    };
    Ok(pick
        .into_iter()
        .map(|p| (p.name, p.ingress_passthrough))
        .collect())
}

/// SE201: no passthrough annotation for the controller.
fn passthrough(
    ctx: &mut Ctx,
    doc: &Document,
    object: &Object,
    tree: &Tree,
    annotations: Option<NodeId>,
    class: Option<NodeId>,
) {
    let class_name = class.and_then(|c| tree.scalar(c));
    let at = annotations
        .or_else(|| tree.get(object.node, "metadata"))
        .unwrap_or(object.node);
    let sets = match wanted_sets(ctx, class_name) {
        Ok(sets) => sets,
        Err(message) => {
            ctx.report(
                "SE201",
                doc,
                Some(object),
                at,
                format!("Ingress {} to the router: {message}", object.name),
            );
            return;
        }
    };
    let has = |key: &str, want: &str| {
        annotations
            .and_then(|m| tree.get(m, key))
            .and_then(|v| tree.scalar(v))
            .is_some_and(|v| v.eq_ignore_ascii_case(want))
    };
    let satisfied = sets
        .iter()
        .any(|(_, pairs)| pairs.iter().all(|&(k, v)| has(k, v)));
    if satisfied || sets.is_empty() {
        return;
    }
    let wanted: Vec<String> = if sets.len() == 1 {
        sets[0]
            .1
            .iter()
            .filter(|&&(k, v)| !has(k, v))
            .map(|(k, v)| format!("{k}: {v:?}"))
            .collect()
    } else {
        sets.iter()
            .map(|(name, pairs)| {
                let list: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}: {v:?}")).collect();
                format!("{} ({name})", list.join(", "))
            })
            .collect()
    };
    let joiner = if sets.len() == 1 { ", " } else { " or " };
    ctx.report(
        "SE201",
        doc,
        Some(object),
        at,
        format!(
            "Ingress {} to the router lacks TLS passthrough: {}",
            object.name,
            wanted.join(joiner)
        ),
    );
}

/// SE203: §5.2 Ingress keys.
fn l7_keys(ctx: &mut Ctx, doc: &Document, object: &Object, tree: &Tree, map: NodeId) {
    for &(k, v) in tree.entries(map) {
        let Some(key) = tree.scalar(k) else { continue };
        if ctx.config.keep_annotations.iter().any(|keep| keep == key) {
            continue;
        }
        if let Some(entry) = presets::l7_key(On::Ingress, key, tree.scalar(v)) {
            ctx.report(
                "SE203",
                doc,
                Some(object),
                k,
                format!(
                    "Layer-7 annotation {key} on Ingress {}: {}",
                    object.name, entry.note
                ),
            );
        }
    }
}
