//! SE201–SE205: Ingress objects whose backend is a target Service: the chosen
//! controller's TLS passthrough annotations, no L7-only keys, and no L7-only class
//! (docs/edits.md, "Ingress").

use crate::config::Mode;
use crate::manifest::Obj;
use crate::presets::{self, Cloud, ControllerPreset, HELM4_FILENAME_ANNOTATION, On};
use crate::router;
use crate::yaml::NodeId;
use crate::yaml::write::Fragment;

use super::{Code, Ctx, Edit, Note, Remedy, fix};

pub(super) fn run(ctx: &mut Ctx) {
    let ingresses = router::router_ingresses(ctx.stream, ctx.config);
    if ctx.config.mode == Mode::Ingress && ingresses.is_empty() {
        ctx.report_stream(
            Code::SE205,
            "--mode ingress: no Ingress to a target Service in the input, nothing to switch to passthrough".to_string(),
        );
    }
    for ingress in &ingresses {
        let class = router::ingress_class(ingress.tree, ingress);
        l7_class(ctx, ingress, class);
        let adds = passthrough(ctx, ingress, class);
        l7_keys(ctx, ingress, &adds);
    }
}

/// What render must do to refuse an Ingress in front of the router.
const L7_CLASS_HELP: &str = "expose the router with a LoadBalancer Service (--mode load-balancer, router.proxy.service.type: LoadBalancer) or a Gateway with a TLS passthrough listener (--mode gateway), and stop provisioning this Ingress";

/// SE202: a class that can only do L7, or no class at all on GKE, which makes an
/// external Application Load Balancer (GKE docs, "GKE Ingress for Application Load
/// Balancers").
fn l7_class(ctx: &mut Ctx, ingress: &Obj, class: Option<(&str, NodeId)>) {
    match class {
        Some((name, node)) => {
            if let Some(&(_, what)) = presets::L7_INGRESS_CLASSES.iter().find(|(c, _)| *c == name) {
                ctx.report(
                    Code::SE202,
                    ingress,
                    node,
                    format!(
                        "Ingress class {name:?} is the {what}, which only proxies HTTP and ends TLS itself: the router's TLS and long-lived watches cannot pass through it"
                    ),
                    Remedy::Refuse(L7_CLASS_HELP.to_string()),
                );
            }
        }
        None if ctx.config.cloud == Some(Cloud::Gcp) => {
            let at = ingress
                .tree
                .get(ingress.node, "spec")
                .unwrap_or(ingress.node);
            ctx.report(
                Code::SE202,
                ingress,
                at,
                format!(
                    "Ingress {} has no class: on GKE that makes an external Application Load Balancer (L7), which ends TLS itself",
                    ingress.name
                ),
                Remedy::Refuse(L7_CLASS_HELP.to_string()),
            );
        }
        None => {}
    }
}

/// The presets that can switch an Ingress to passthrough, for messages.
fn ingress_presets() -> String {
    let names: Vec<&str> = presets::CONTROLLERS
        .iter()
        .filter(|p| !p.gateway_only())
        .map(|p| p.name)
        .collect();
    names.join(", ")
}

/// The passthrough annotations an Ingress must carry, and whose they are.
enum Wanted {
    /// These pairs, from the named controllers.
    Pairs(Vec<(&'static str, &'static str)>, String),
    /// No controller to go by: any preset's complete switch will do.
    AnyPreset(String),
    /// The chosen controllers cannot pass TLS through an Ingress.
    Refuse(String),
}

fn wanted(ctx: &Ctx, class: Option<&str>) -> Wanted {
    let config = ctx.config;
    if config.controllers.is_empty() {
        let by_class =
            |p: &&ControllerPreset| class.is_some_and(|c| p.ingress_classes.contains(&c));
        return match presets::CONTROLLERS.iter().find(by_class) {
            Some(preset) => Wanted::Pairs(
                preset.ingress_passthrough.to_vec(),
                format!("{}, from the class", preset.name),
            ),
            None => Wanted::AnyPreset(match class {
                Some(name) => format!("no preset knows the Ingress class {name:?}"),
                None => "the Ingress has no class".to_string(),
            }),
        };
    }
    let capable: Vec<_> = config
        .controllers
        .iter()
        .filter(|c| !c.gateway_only())
        .collect();
    if capable.is_empty() {
        let names: Vec<&str> = config.controllers.iter().map(|c| c.name.as_str()).collect();
        return Wanted::Refuse(format!(
            "an Ingress routes to the router, but the chosen controllers ({}) are Gateway only: they pass TLS through with Gateway API (a TLS listener and a TLSRoute), not with an Ingress",
            names.join(", ")
        ));
    }
    let mut pairs: Vec<(&'static str, &'static str)> = Vec::new();
    for &(k, v) in capable.iter().flat_map(|c| c.ingress_passthrough()) {
        if !pairs.iter().any(|&(key, _)| key == k) {
            pairs.push((k, v));
        }
    }
    if pairs.is_empty() {
        return Wanted::AnyPreset(
            "the custom controller has no passthrough annotation preset".to_string(),
        );
    }
    let names: Vec<&str> = capable
        .iter()
        .filter(|c| !c.ingress_passthrough().is_empty())
        .map(|c| c.name.as_str())
        .collect();
    Wanted::Pairs(pairs, names.join(", "))
}

/// SE201: the controller's passthrough annotations. Returns the keys the fix writes
/// (SE203 leaves them alone).
fn passthrough(ctx: &mut Ctx, ingress: &Obj, class: Option<(&str, NodeId)>) -> Vec<&'static str> {
    let tree = ingress.tree;
    let annotations = tree
        .path(ingress.node, &["metadata", "annotations"])
        .filter(|&a| tree.is_map(a));
    let at = annotations
        .or_else(|| tree.get(ingress.node, "metadata"))
        .unwrap_or(ingress.node);
    let has = |key: &str, want: &str| {
        annotations
            .and_then(|m| tree.get(m, key))
            .and_then(|v| tree.string(v))
            == Some(want)
    };
    match wanted(ctx, class.map(|(name, _)| name)) {
        Wanted::Refuse(message) => {
            ctx.report(
                Code::SE201,
                ingress,
                ingress.node,
                message,
                Remedy::Refuse(format!(
                    "expose the router through a Gateway (--mode gateway, gatewayAPI.* values) and stop provisioning the Ingress, or add --controller for the Ingress controller that serves it ({})",
                    ingress_presets()
                )),
            );
            Vec::new()
        }
        Wanted::AnyPreset(why) => {
            let switched_on = presets::CONTROLLERS
                .iter()
                .filter(|p| !p.gateway_only())
                .any(|p| p.ingress_passthrough.iter().all(|&(k, v)| has(k, v)));
            if !switched_on {
                ctx.report(
                    Code::SE201,
                    ingress,
                    at,
                    format!(
                        "Ingress {} to the router has no TLS passthrough annotation and {why}: pass --controller ({}) or add the controller's passthrough annotation to ingress.annotations",
                        ingress.name,
                        ingress_presets()
                    ),
                    Remedy::Warn,
                );
            }
            Vec::new()
        }
        Wanted::Pairs(pairs, whose) => {
            let missing: Vec<(&str, &str)> =
                pairs.iter().copied().filter(|&(k, v)| !has(k, v)).collect();
            if !missing.is_empty() {
                let list: Vec<String> =
                    missing.iter().map(|(k, v)| format!("{k}: {v:?}")).collect();
                let edits = vec![Edit::Upsert {
                    map: ingress.node,
                    pairs: vec![(
                        "metadata".to_string(),
                        Fragment::Map(vec![(
                            "annotations".to_string(),
                            Fragment::string_map(missing.iter().copied()),
                        )]),
                    )],
                }];
                let notes = vec![Note::count(
                    "+",
                    missing.len(),
                    "passthrough annotation",
                    format!(" ({whose})"),
                )];
                ctx.report(
                    Code::SE201,
                    ingress,
                    at,
                    format!(
                        "Ingress {} to the router lacks TLS passthrough for {whose}: {}",
                        ingress.name,
                        list.join(", ")
                    ),
                    fix(ingress, edits, notes),
                );
            }
            pairs.into_iter().map(|(k, _)| k).collect()
        }
    }
}

/// SE203: the L7-only keys, void under passthrough, except what the user keeps and
/// what SE201 writes.
fn l7_keys(ctx: &mut Ctx, ingress: &Obj, adds: &[&str]) {
    let tree = ingress.tree;
    let Some(map) = tree
        .path(ingress.node, &["metadata", "annotations"])
        .filter(|&a| tree.is_map(a))
    else {
        return;
    };
    for &(k, v) in tree.entries(map) {
        let Some(key) = tree.scalar(k) else { continue };
        if key == HELM4_FILENAME_ANNOTATION
            || ctx.config.keep_annotations.iter().any(|keep| keep == key)
            || adds.contains(&key)
        {
            continue;
        }
        if let Some(entry) = presets::l7_key(On::Ingress, key, tree.scalar(v)) {
            ctx.report(
                Code::SE203,
                ingress,
                k,
                format!(
                    "Layer-7 annotation {key} on Ingress {}: {}",
                    ingress.name, entry.note
                ),
                fix(
                    ingress,
                    vec![Edit::RemoveEntry { map, key: k }],
                    vec![Note::count("-", 1, "L7 annotation", "")],
                ),
            );
        }
    }
}
