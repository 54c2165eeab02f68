//! Ingress objects whose backend is a target Service (SPEC §4.2): the chosen
//! controller's TLS passthrough annotations, no L7-only keys, and no L7-only class.

use crate::cli::Mode;
use crate::error::{Error, Result};
use crate::manifest::{Document, Object};
use crate::presets::{self, Cloud, ControllerPreset, HELM4_FILENAME_ANNOTATION, On};
use crate::render::Plan;
use crate::router;
use crate::yaml::write::Fragment;
use crate::yaml::{NodeId, Tree};

use super::counted;

/// The annotation older manifests use instead of `spec.ingressClassName`.
const CLASS_ANNOTATION: &str = "kubernetes.io/ingress.class";

pub fn apply(plan: &mut Plan) -> Result<()> {
    if matches!(plan.config.mode, Mode::LoadBalancer | Mode::Gateway) {
        return Ok(());
    }
    let stream = plan.stream;
    let mut found = false;
    for (doc, object) in stream.of_kind("Ingress") {
        if !router::is_ingress(object) {
            continue;
        }
        let tree = doc.tree.as_ref().expect("objects live in parsed documents");
        if !router::ingress_routes_to_target(tree, object, plan.config) {
            continue;
        }
        found = true;
        edit(plan, doc, object)?;
    }
    if plan.config.mode == Mode::Ingress && !found {
        plan.warn(
            "--mode ingress: no Ingress to a target Service in the input, nothing to switch to passthrough",
            None,
        );
    }
    Ok(())
}

/// The class of an Ingress and the node that names it: `spec.ingressClassName`, else
/// the legacy annotation (the API server prefers the field when both are set).
fn class_of<'t>(tree: &'t Tree, object: &Object) -> Option<(&'t str, NodeId)> {
    let field = tree.path(object.node, &["spec", "ingressClassName"]);
    let annotation = tree.path(object.node, &["metadata", "annotations", CLASS_ANNOTATION]);
    [field, annotation]
        .into_iter()
        .flatten()
        .find_map(|n| tree.string(n).filter(|s| !s.is_empty()).map(|s| (s, n)))
}

/// Where the passthrough annotations come from.
enum Source {
    /// `--controller` names controllers that can do Ingress passthrough.
    Chosen(Vec<String>),
    /// No `--controller`: inferred from the class.
    Inferred(&'static ControllerPreset),
    /// Nothing to add (custom controller, or a class no preset knows).
    None,
}

fn edit<'s, 'a>(plan: &mut Plan<'s, 'a>, doc: &'s Document<'a>, object: &'s Object) -> Result<()> {
    let config = plan.config;
    let stream = plan.stream;
    let tree = doc.tree.as_ref().expect("objects live in parsed documents");
    let class = class_of(tree, object);

    refuse_l7_class(plan, doc, object, class)?;

    // The annotations to add: those of every chosen controller that does Ingress
    // passthrough, in the order the controllers were given.
    let mut adds: Vec<(&'static str, &'static str)> = Vec::new();
    let source = if config.controllers.is_empty() {
        match class.and_then(|(name, _)| preset_for_class(name)) {
            Some(preset) => Source::Inferred(preset),
            None => Source::None,
        }
    } else {
        let capable: Vec<_> = config
            .controllers
            .iter()
            .filter(|c| !c.gateway_only())
            .collect();
        if capable.is_empty() {
            let names: Vec<&str> = config.controllers.iter().map(|c| c.name.as_str()).collect();
            return Err(Error::input(
                stream.location(doc, Some(object), object.node),
                format!(
                    "an Ingress routes to the router, but the chosen controllers ({}) are Gateway only: they pass TLS through with Gateway API (a TLS listener and a TLSRoute), not with an Ingress",
                    names.join(", ")
                ),
                Some(format!(
                    "expose the router through a Gateway (--mode gateway, gatewayAPI.* values) and stop provisioning the Ingress, or add --controller for the Ingress controller that serves it ({})",
                    ingress_presets()
                )),
            ));
        }
        Source::Chosen(
            capable
                .iter()
                .filter(|c| !c.ingress_passthrough().is_empty())
                .map(|c| c.name.clone())
                .collect(),
        )
    };
    let passthrough: Vec<&[(&str, &str)]> = match &source {
        Source::Chosen(_) => config
            .controllers
            .iter()
            .map(|c| c.ingress_passthrough())
            .collect(),
        Source::Inferred(preset) => vec![preset.ingress_passthrough],
        Source::None => Vec::new(),
    };
    for &(k, v) in passthrough.into_iter().flatten() {
        if !adds.iter().any(|&(key, _)| key == k) {
            adds.push((k, v));
        }
    }
    // Silent when the Ingress already carries a preset's passthrough switch (the
    // user set it through ingress.annotations).
    let switched_on = || {
        presets::CONTROLLERS
            .iter()
            .flat_map(|p| p.ingress_passthrough.iter())
            .any(|&(k, v)| {
                tree.path(object.node, &["metadata", "annotations", k])
                    .and_then(|n| tree.string(n))
                    == Some(v)
            })
    };
    if adds.is_empty() && !switched_on() {
        let what = if config.controllers.is_empty() {
            match class {
                Some((name, _)) => format!("no preset knows the Ingress class {name:?}"),
                None => "the Ingress has no class".to_string(),
            }
        } else {
            "the custom controller has no passthrough annotation preset".to_string()
        };
        plan.warn(
            format!(
                "{what}: no TLS passthrough annotation could be chosen; pass --controller ({}) or add the controller's passthrough annotation to ingress.annotations",
                ingress_presets()
            ),
            Some(stream.location(doc, Some(object), object.node)),
        );
    }

    // Strip the L7-only keys (§5.2), except what the user keeps and what we set.
    let annotations = tree
        .path(object.node, &["metadata", "annotations"])
        .filter(|&a| tree.is_map(a));
    let mut stripped = 0usize;
    if let Some(map) = annotations {
        for &(k, v) in tree.entries(map) {
            let Some(key) = tree.scalar(k) else { continue };
            if key == HELM4_FILENAME_ANNOTATION
                || config.keep_annotations.iter().any(|keep| keep == key)
                || adds.iter().any(|&(a, _)| a == key)
            {
                continue;
            }
            if presets::l7_key(On::Ingress, key, tree.scalar(v)).is_some() {
                plan.writer(doc)
                    .remove_entry(map, k)
                    .map_err(|e| plan.unsupported(doc, object, e))?;
                stripped += 1;
            }
        }
    }

    let added = adds
        .iter()
        .filter(|&&(k, v)| {
            annotations
                .and_then(|m| tree.get(m, k))
                .and_then(|n| tree.string(n))
                != Some(v)
        })
        .count();
    if added > 0 {
        let metadata = Fragment::Map(vec![(
            "annotations".into(),
            Fragment::string_map(adds.iter().copied()),
        )]);
        plan.writer(doc)
            .upsert(object.node, &[("metadata".into(), metadata)])
            .map_err(|e| plan.unsupported(doc, object, e))?;
    }

    let mut notes = Vec::new();
    if added > 0 {
        let origin = match &source {
            Source::Chosen(names) => format!(" ({})", names.join(", ")),
            Source::Inferred(preset) => format!(" ({}, from the class)", preset.name),
            Source::None => String::new(),
        };
        notes.push(counted("+", added, "passthrough annotation", &origin));
    }
    if stripped > 0 {
        notes.push(counted("-", stripped, "L7 annotation", ""));
    }
    plan.change(object, notes);
    Ok(())
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

/// The preset whose Ingress class this is.
fn preset_for_class(class: &str) -> Option<&'static ControllerPreset> {
    presets::CONTROLLERS
        .iter()
        .find(|p| p.ingress_classes.contains(&class))
}

/// An Ingress class that can only proxy HTTP cannot pass TLS through to the router
/// (§4.2). GKE turns an Ingress without any class into an external Application Load
/// Balancer (GKE docs, "GKE Ingress for Application Load Balancers"), so with
/// `--cloud gcp` a missing class is refused too.
fn refuse_l7_class(
    plan: &Plan,
    doc: &Document,
    object: &Object,
    class: Option<(&str, NodeId)>,
) -> Result<()> {
    let stream = plan.stream;
    let help = Some(
        "expose the router with a LoadBalancer Service (--mode load-balancer, router.proxy.service.type: LoadBalancer) or a Gateway with a TLS passthrough listener (--mode gateway), and stop provisioning this Ingress"
            .to_string(),
    );
    match class {
        Some((name, node)) => {
            if let Some(&(_, what)) = presets::L7_INGRESS_CLASSES.iter().find(|(c, _)| *c == name) {
                return Err(Error::input(
                    stream.location(doc, Some(object), node),
                    format!(
                        "Ingress class {name:?} is the {what}, which only proxies HTTP and ends TLS itself: the router's TLS and long-lived watches cannot pass through it"
                    ),
                    help,
                ));
            }
        }
        None if plan.config.cloud == Some(Cloud::Gcp) => {
            return Err(Error::input(
                stream.location(doc, Some(object), object.node),
                "the Ingress has no class: on GKE that makes an external Application Load Balancer (L7), which ends TLS itself",
                help,
            ));
        }
        None => {}
    }
    Ok(())
}
