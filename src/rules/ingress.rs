//! SE201–SE208: Ingress objects whose backend is a target Service: the chosen
//! controller's TLS passthrough annotations, no L7-only keys, no L7-only class, a class
//! that names one controller and that its passthrough provider watches, the cloud's
//! Layer-4 set on a Cilium Ingress, and ingress-nginx's retirement (docs/edits.md,
//! "Ingress").

use crate::config::Mode;
use crate::manifest::Obj;
use crate::presets::{self, Cloud, ControllerPreset, HELM4_FILENAME_ANNOTATION, On, Scheme};
use crate::router;
use crate::yaml::NodeId;
use crate::yaml::write::Fragment;

use super::service::{self, Gaps, Keys, l4_gaps, set_edits};
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
        let l4 = cilium_l4(ctx, ingress, class);
        if let Some(l4) = &l4 {
            service::unasked_public(
                ctx,
                ingress,
                &l4.gaps,
                &format!("Cilium Ingress {}", ingress.name),
            );
        }
        // Without an annotations map, two fixes would each add one: SE201's fix then
        // writes the Cilium Ingress's Layer-4 set too.
        let fold = l4
            .as_ref()
            .filter(|l4| l4.map.is_none() && !l4.gaps.is_empty() && ctx.enabled(Code::SE201))
            .map(|l4| (l4.gaps.pairs(), l4.notes.clone()));
        let (adds, folded) = passthrough(ctx, ingress, class, fold.as_ref());
        not_watched(ctx, ingress, class);
        retired(ctx, ingress, class);
        let set: Vec<String> = l4
            .as_ref()
            .map(|l4| l4.gaps.pairs().into_iter().map(|(k, _)| k).collect())
            .unwrap_or_default();
        cilium_service_keys(ctx, ingress, class, &set);
        if let Some(l4) = l4 {
            report_cilium_l4(ctx, ingress, l4, folded);
        }
        l7_keys(ctx, ingress, &adds);
    }
}

/// SE101, SE103, SE104, SE105 on a Cilium Ingress: Cilium copies its
/// `service.beta.kubernetes.io/*` (and the other copied prefixes') annotations onto the
/// load-balancer Service it creates, so the Service rules' catalogue applies to them,
/// with the same fixes. `set` lists the keys SE208's fix writes.
fn cilium_service_keys(
    ctx: &mut Ctx,
    ingress: &Obj,
    class: Option<(&str, NodeId)>,
    set: &[String],
) {
    if !cilium_serves(ctx, class) {
        return;
    }
    let Some(map) = annotation_map(ingress) else {
        return;
    };
    let on = Keys {
        kind: "Cilium Ingress",
        reaches: presets::cilium_copies,
        load_balancer: false,
    };
    service::keys(ctx, ingress, map, set, on);
}

/// The Ingress's `metadata.annotations`, when it is a map.
fn annotation_map(ingress: &Obj) -> Option<NodeId> {
    let tree = ingress.tree;
    tree.path(ingress.node, &["metadata", "annotations"])
        .filter(|&a| tree.is_map(a))
}

/// Whether a chosen Cilium controller serves the Ingress: its class is one a Cilium
/// preset watches (`cilium`), or it has none and no other Ingress controller is chosen.
fn cilium_serves(ctx: &Ctx, class: Option<(&str, NodeId)>) -> bool {
    let controllers = &ctx.config.controllers;
    if !controllers.iter().any(|c| c.is_cilium()) {
        return false;
    }
    match class {
        Some((name, _)) => presets::CONTROLLERS
            .iter()
            .filter(|p| p.cilium_policy)
            .any(|p| p.ingress_classes.contains(&name)),
        None => !controllers
            .iter()
            .any(|c| !c.is_cilium() && !c.gateway_only()),
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
    /// No controller chosen, and the class is watched by several presets' providers.
    Ambiguous(Vec<&'static str>),
    /// The chosen controllers cannot pass TLS through an Ingress.
    Refuse(String),
}

fn wanted(ctx: &Ctx, class: Option<&str>) -> Wanted {
    let config = ctx.config;
    if config.controllers.is_empty() {
        let by_class = router::class_watchers(class);
        return match by_class.as_slice() {
            [preset] => Wanted::Pairs(
                preset.ingress_passthrough.to_vec(),
                format!("{}, from the class", preset.name),
            ),
            [] => Wanted::AnyPreset(match class {
                Some(name) if router::without_passthrough(name).is_some() => format!(
                    "the class {name:?} belongs to a provider that does not pass TLS through (SE207)"
                ),
                Some(name) => format!("no preset knows the Ingress class {name:?}"),
                None => "the Ingress has no class".to_string(),
            }),
            several => Wanted::Ambiguous(several.iter().map(|p| p.name).collect()),
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

/// Whether some preset's complete passthrough switch is on the Ingress already.
fn any_switch_on(has: impl Fn(&str, &str) -> bool) -> bool {
    presets::CONTROLLERS
        .iter()
        .filter(|p| !p.gateway_only())
        .any(|p| p.ingress_passthrough.iter().all(|&(k, v)| has(k, v)))
}

/// SE201 (and SE206, when the class names several controllers): the controller's
/// passthrough annotations. Returns the keys the fix writes (SE203 leaves them alone).
fn passthrough(
    ctx: &mut Ctx,
    ingress: &Obj,
    class: Option<(&str, NodeId)>,
    fold: Option<&Fold>,
) -> (Vec<&'static str>, bool) {
    let tree = ingress.tree;
    let annotations = annotation_map(ingress);
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
            (Vec::new(), false)
        }
        Wanted::Ambiguous(names) => {
            // A switch both controllers read is already there: nothing to decide.
            if !any_switch_on(has) {
                let (name, node) = class.unwrap_or(("", at));
                let flags: Vec<String> =
                    names.iter().map(|n| format!("--controller {n}")).collect();
                ctx.report(
                    Code::SE206,
                    ingress,
                    node,
                    format!(
                        "Ingress {} has class {name:?}, which {} watch, and no passthrough annotation: which TLS passthrough switch to add (and which controller the router NetworkPolicy admits) depends on the controller",
                        ingress.name,
                        names.join(" and ")
                    ),
                    Remedy::Refuse(format!(
                        "pass {} (or set the passthrough annotation in ingress.annotations)",
                        flags.join(" or ")
                    )),
                );
            }
            (Vec::new(), false)
        }
        Wanted::AnyPreset(why) => {
            if !any_switch_on(has) {
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
            (Vec::new(), false)
        }
        Wanted::Pairs(pairs, whose) => {
            let missing: Vec<(&str, &str)> =
                pairs.iter().copied().filter(|&(k, v)| !has(k, v)).collect();
            let folded = !missing.is_empty() && fold.is_some();
            if !missing.is_empty() {
                let list: Vec<String> =
                    missing.iter().map(|(k, v)| format!("{k}: {v:?}")).collect();
                let mut written: Vec<(&str, &str)> = missing.clone();
                let mut notes = vec![Note::count(
                    "+",
                    missing.len(),
                    "passthrough annotation",
                    format!(" ({whose})"),
                )];
                if let Some((pairs, more)) = fold {
                    written.extend(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                    notes.extend(more.iter().cloned());
                }
                let edits = vec![Edit::Upsert {
                    map: ingress.node,
                    pairs: vec![(
                        "metadata".to_string(),
                        Fragment::Map(vec![(
                            "annotations".to_string(),
                            Fragment::string_map(written.iter().copied()),
                        )]),
                    )],
                }];
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
            (pairs.into_iter().map(|(k, _)| k).collect(), folded)
        }
    }
}

/// SE207: an Ingress whose class the chosen controllers' passthrough providers do not
/// watch: a class that another provider watches (Traefik's plain kubernetesIngress
/// provider for `traefik`), or that another preset's controller watches. A class no
/// preset knows may be a custom IngressClass of the chosen controller: not reported.
/// Render refuses: no annotation it could write makes that provider pass TLS through.
fn not_watched(ctx: &mut Ctx, ingress: &Obj, class: Option<(&str, NodeId)>) {
    let Some((name, node)) = class else { return };
    let config = ctx.config;
    if presets::L7_INGRESS_CLASSES.iter().any(|(c, _)| *c == name) {
        return; // SE202
    }
    let capable: Vec<&ControllerPreset> = config
        .controllers
        .iter()
        .filter(|c| !c.gateway_only())
        .filter_map(|c| c.preset)
        .collect();
    let custom = config.controllers.iter().any(|c| c.preset.is_none());
    if custom || (!config.controllers.is_empty() && capable.is_empty()) {
        return;
    }
    if capable.iter().any(|p| p.ingress_classes.contains(&name)) {
        return;
    }
    let chosen = if capable.is_empty() {
        "the passthrough provider of the controller its annotations name".to_string()
    } else {
        let names: Vec<&str> = capable.iter().map(|p| p.name).collect();
        format!(
            "the passthrough provider of --controller {}",
            names.join(",")
        )
    };
    let other = router::without_passthrough(name)
        .map(str::to_string)
        .or_else(|| {
            // No controller chosen: SE201 goes by the class's own preset.
            (!capable.is_empty())
                .then(|| router::class_watchers(Some(name)))
                .filter(|w| !w.is_empty())
                .map(|w| {
                    let names: Vec<&str> = w.iter().map(|p| p.name).collect();
                    format!("the passthrough provider of {}", names.join(" and "))
                })
        });
    let Some(other) = other else { return };
    let watched: Vec<String> = capable
        .iter()
        .flat_map(|p| p.ingress_classes.iter())
        .map(|c| format!("{c:?}"))
        .collect();
    let want = if watched.is_empty() {
        String::new()
    } else {
        format!(" (it watches {})", watched.join(", "))
    };
    ctx.report(
        Code::SE207,
        ingress,
        node,
        format!(
            "Ingress {} has class {name:?}: it is served by {other}, not by {chosen}{want}, so its passthrough annotations are never read and TLS ends before the router",
            ingress.name
        ),
        Remedy::Refuse(format!(
            "set ingress.ingressClassName to a class watched by {chosen}{want} (`spaces-expose presets` lists them), or pass --controller for the controller that serves class {name:?}; no annotation render could add makes that provider pass TLS through"
        )),
    );
}

/// SE204: the Ingress is served by ingress-nginx (chosen with `--controller`, or a
/// custom controller with its labels; and the class is none, one it watches, or one no
/// preset knows), which is retired. Class `nginx` alone does not tell (SE206).
fn retired(ctx: &mut Ctx, ingress: &Obj, class: Option<(&str, NodeId)>) {
    let Some(nginx) = presets::controller("ingress-nginx") else {
        return;
    };
    // Chosen by name, or a custom controller (from --pod-label or the values files) with
    // ingress-nginx's name label.
    let identity = nginx.pod_labels.first().map(|&(k, v)| (k, v.shown()));
    let chosen = ctx.config.controllers.iter().any(|c| match c.preset {
        Some(p) => p.name == nginx.name,
        None => identity
            .as_ref()
            .is_some_and(|(k, v)| c.pod_labels.iter().any(|(lk, lv)| lk == k && lv == v)),
    });
    if !chosen {
        return;
    }
    let served = match class {
        None => true,
        Some((name, _)) => {
            nginx.ingress_classes.contains(&name)
                || (router::class_watchers(Some(name)).is_empty()
                    && router::without_passthrough(name).is_none()
                    && !presets::L7_INGRESS_CLASSES.iter().any(|(c, _)| *c == name))
        }
    };
    if !served {
        return;
    }
    let at = class.map_or(ingress.node, |(_, node)| node);
    ctx.report(
        Code::SE204,
        ingress,
        at,
        format!(
            "Ingress {} exposes the router through ingress-nginx, retired in March 2026 (no more security fixes): move to a LoadBalancer Service, Gateway API with Envoy Gateway, or another passthrough Ingress controller (`spaces-expose guide --migrate`)",
            ingress.name
        ),
        Remedy::Warn,
    );
}

/// SE208: Cilium copies the cloud load-balancer annotations of an Ingress onto the
/// Service it creates for it (cilium operator/option/config.go,
/// IngressLBAnnotationsDefault: `service.beta.kubernetes.io`, `service.kubernetes.io`,
/// `cloud.google.com`), so a Cilium Ingress carries the cloud's Layer-4 set itself.
fn cilium_l4(ctx: &Ctx, ingress: &Obj, class: Option<(&str, NodeId)>) -> Option<CiliumL4> {
    let config = ctx.config;
    let cloud = config.cloud.filter(|&c| c != Cloud::None)?;
    if !ctx.enabled(Code::SE208) {
        return None;
    }
    if !cilium_serves(ctx, class) {
        return None;
    }
    let tree = ingress.tree;
    let map = annotation_map(ingress);
    let mut gaps = l4_gaps(tree, map, config, cloud, &config.annotations);
    // A key given with --annotation is the user's word that Cilium copies it (its prefix
    // is in Cilium's ingressLBAnnotationPrefixes): render writes it.
    let copied =
        |k: &str| presets::cilium_copies(k) || config.annotations.iter().any(|(a, _)| a == k);
    // A key Cilium does not copy goes on the Ingress in a spelling it copies, when the
    // cloud reads one (GKE's older load-balancer-type); an Ingress that carries it with
    // the right value needs nothing more.
    let ingress_value = |key: &str| {
        map.and_then(|m| tree.get(m, key))
            .and_then(|v| tree.string(v))
    };
    let mut respelled = Vec::new();
    gaps.missing.retain(|(k, v)| {
        let spelling = presets::cilium_spelling(cloud, k);
        if spelling == k || copied(k) {
            return true;
        }
        if ingress_value(spelling).is_none_or(|have| !have.eq_ignore_ascii_case(v)) {
            respelled.push((spelling.to_string(), v.clone()));
        }
        false
    });
    gaps.missing.extend(respelled);
    let mut uncopied: Vec<(String, String)> = Vec::new();
    gaps.missing.retain(|(k, v)| {
        let copied = copied(k);
        if !copied {
            uncopied.push((k.clone(), v.clone()));
        }
        copied
    });
    gaps.wrong.retain(|(k, v, _)| {
        let copied = copied(k);
        if !copied {
            uncopied.push((k.clone(), v.clone()));
        }
        copied
    });
    if gaps.is_empty() && uncopied.is_empty() {
        return None;
    }
    let notes = gaps.notes("annotation", cloud);
    Some(CiliumL4 {
        cloud,
        map,
        gaps,
        notes,
        uncopied,
    })
}

/// What SE201's fix also writes when it creates the annotations: the pairs and notes.
type Fold = (Vec<(String, String)>, Vec<Note>);

/// What a Cilium Ingress lacks of the cloud's set.
struct CiliumL4 {
    cloud: Cloud,
    map: Option<NodeId>,
    gaps: Gaps,
    notes: Vec<Note>,
    /// Pairs of the set, absent or different, under prefixes Cilium does not copy.
    uncopied: Vec<(String, String)>,
}

/// Reports SE208; `folded`: SE201's fix writes the set (it creates the annotations).
fn report_cilium_l4(ctx: &mut Ctx, ingress: &Obj, l4: CiliumL4, folded: bool) {
    let config = ctx.config;
    let tree = ingress.tree;
    let CiliumL4 {
        cloud,
        map,
        gaps,
        notes,
        uncopied,
    } = l4;
    let set = format!("{} {}", cloud.name(), config.scheme.name());
    if !uncopied.is_empty() {
        let at = map
            .or_else(|| tree.get(ingress.node, "metadata"))
            .unwrap_or(ingress.node);
        // Without the key that makes it internal, Cilium's Service is internet-facing:
        // an access the user did not ask for, which render cannot prevent.
        let (internal, other): (Vec<_>, Vec<_>) = uncopied.iter().partition(|(k, v)| {
            config.scheme == Scheme::Internal && presets::makes_internal(cloud, k, Some(v))
        });
        let keys = |pairs: &[&(String, String)]| {
            let list: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
            list.join(", ")
        };
        if !internal.is_empty() {
            let pairs: Vec<String> = internal
                .iter()
                .map(|(k, v)| format!("--annotation {k}={v}"))
                .collect();
            let prefixes: Vec<&str> = internal
                .iter()
                .filter_map(|(k, _)| k.split_once('/').map(|(p, _)| p))
                .collect();
            let message = format!(
                "Cilium Ingress {}: the {set} Layer-4 set needs {}, which Cilium does not copy to its Service by default (only service.beta.kubernetes.io/*, service.kubernetes.io/*, cloud.google.com/*): without it Cilium's load balancer is internet-facing",
                ingress.name,
                keys(&internal)
            );
            let help = format!(
                "add {} to Cilium's ingressController.ingressLBAnnotationPrefixes (Helm values of Cilium), then set the key on the Ingress (ingress.annotations) or pass {} so render writes it; or expose the router with an internal LoadBalancer Service (--mode load-balancer)",
                prefixes.join(", "),
                pairs.join(" ")
            );
            ctx.report(Code::SE208, ingress, at, message, Remedy::Refuse(help));
        }
        if !other.is_empty() {
            let message = format!(
                "Cilium Ingress {}: the {set} Layer-4 set needs {}, which Cilium does not copy to its Service by default (only service.beta.kubernetes.io/*, service.kubernetes.io/*, cloud.google.com/*): add the prefix to Cilium's ingressController.ingressLBAnnotationPrefixes and the key to the Ingress (or pass --annotation KEY=VALUE), or use a LoadBalancer Service",
                ingress.name,
                keys(&other)
            );
            ctx.report(Code::SE208, ingress, at, message, Remedy::Warn);
        }
    }
    if gaps.is_empty() {
        return;
    }
    // At the first wrong value, else the annotations, else metadata.
    let node = match (gaps.wrong.first(), map) {
        (Some(&(_, _, value)), _) => value,
        (None, Some(map)) => map,
        (None, None) => tree.get(ingress.node, "metadata").unwrap_or(ingress.node),
    };
    let remedy = if folded {
        Remedy::Shared
    } else {
        let edits = set_edits(ingress.node, &["metadata", "annotations"], map, &gaps);
        fix(ingress, edits, notes)
    };
    let message = format!(
        "Cilium Ingress {} lacks the {set} Layer-4 set that Cilium copies to the load-balancer Service it creates: {}",
        ingress.name,
        gaps.describe(tree, config)
    );
    ctx.report(Code::SE208, ingress, node, message, remedy);
}

/// SE203: the L7-only keys, void under passthrough, except what the user keeps and
/// what SE201 writes.
fn l7_keys(ctx: &mut Ctx, ingress: &Obj, adds: &[&str]) {
    let tree = ingress.tree;
    let Some(map) = annotation_map(ingress) else {
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
