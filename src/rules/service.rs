//! SE101–SE115: the target Services (`--service`, default `spaces-router`).
//!
//! A target Service of type LoadBalancer (or one that SE109 makes one) gets the
//! cloud's Layer-4 set; every target loses the L7, TLS-termination and other clouds'
//! keys (docs/edits.md, "Target Services").

use crate::config::{Config, Mode};
use crate::manifest::Obj;
use crate::presets::{self, Cloud, HELM4_FILENAME_ANNOTATION, On, When, Why};
use crate::router;
use crate::yaml::write::Fragment;
use crate::yaml::{NodeId, Tree};

use super::{Code, Ctx, Edit, Note, Remedy, fix};

/// Azure's TCP idle timeout, whole minutes; cloud-provider-azure accepts 4–100 since
/// v1.28.0 (pkg/provider/azure_loadbalancer.go, getExpectedLoadBalancingRulePropertiesForPort:
/// idleTimoutMin 4, idleTimeoutMax 100).
const AZURE_IDLE_TIMEOUT: &str = "service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout";
const AZURE_IDLE_RANGE: std::ops::RangeInclusive<u32> = 4..=100;
/// The Azure probe protocol for every port without a per-port setting or `appProtocol`
/// (cloud-provider-azure pkg/consts/consts.go ServiceAnnotationLoadBalancerHealthProbeProtocol).
const AZURE_PROBE_PROTOCOL: &str =
    "service.beta.kubernetes.io/azure-load-balancer-health-probe-protocol";

pub(super) fn run(ctx: &mut Ctx) {
    let targets = router::target_services(ctx.stream, ctx.config);
    for svc in &targets {
        service(ctx, svc);
    }
    // The default target in `auto` mode may simply not be in a stream that is not a
    // Spaces release; a named target, or load-balancer mode, is the user's intent.
    let intended = ctx.config.services_named || ctx.config.mode == Mode::LoadBalancer;
    if !intended || ctx.stream.objects().next().is_none() {
        return;
    }
    // Helm 4.2's SDK may post-render the hooks on their own: a stream of hooks only
    // lacking the target is normal.
    let hooks_only = ctx.stream.objects().all(|o| {
        o.tree
            .path(o.node, &["metadata", "annotations", "helm.sh/hook"])
            .is_some()
    });
    for wanted in &ctx.config.services {
        if targets
            .iter()
            .any(|s| wanted.matches(&s.namespace, &s.name))
        {
            continue;
        }
        if ctx.config.services_named && !hooks_only {
            ctx.report_stream_refusal(
                Code::SE110,
                format!("no Service {wanted} in the input, which has resources: nothing would be exposed"),
                "check the --service name and namespace against the Services the chart renders".to_string(),
            );
        } else {
            ctx.report_stream(
                Code::SE110,
                format!(
                    "no Service {wanted} in the input: nothing to expose (normal when Helm runs the post-renderer for hooks alone)"
                ),
            );
        }
    }
}

/// How an annotation map compares with the cloud's Layer-4 set for the options.
#[derive(Debug, Default)]
pub(super) struct Gaps {
    /// Keys of the set that are absent, with the value to write.
    pub missing: Vec<(String, String)>,
    /// Keys of the set with another value: `(key, value to write, value node)`.
    pub wrong: Vec<(String, String, NodeId)>,
    /// Keys of the other scheme's set that contradict the chosen one: `(key node, key)`.
    pub contradicting: Vec<(NodeId, String)>,
    /// Without `--scheme`: the keys that make the load balancer internal and that the set
    /// would change or remove, turning it internet-facing by default (SE116).
    pub unasked_public: Vec<(NodeId, String)>,
}

impl Gaps {
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.wrong.is_empty() && self.contradicting.is_empty()
    }

    /// The pairs to upsert: missing and wrong keys.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.missing
            .iter()
            .cloned()
            .chain(self.wrong.iter().map(|(k, v, _)| (k.clone(), v.clone())))
            .collect()
    }

    /// The summary notes of the fix: `+2 annotations (aws)`, `~1 annotation changed`,
    /// `-1 contradicting annotation`.
    pub fn notes(&self, noun: &'static str, cloud: Cloud) -> Vec<Note> {
        let counts = [
            (
                "+",
                self.missing.len(),
                noun,
                format!(" ({})", cloud.name()),
            ),
            ("~", self.wrong.len(), noun, " changed".to_string()),
            (
                "-",
                self.contradicting.len(),
                "contradicting annotation",
                String::new(),
            ),
        ];
        counts
            .into_iter()
            .filter(|&(_, n, _, _)| n > 0)
            .map(|(sign, n, noun, suffix)| Note::count(sign, n, noun, suffix))
            .collect()
    }

    /// `missing k: "v"; k is "x", not "y"; k contradicts --scheme internal`.
    pub fn describe(&self, tree: &Tree, config: &Config) -> String {
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            let list: Vec<String> = self
                .missing
                .iter()
                .map(|(k, v)| format!("{k}: {v:?}"))
                .collect();
            parts.push(format!("missing {}", list.join(", ")));
        }
        for (k, want, node) in &self.wrong {
            parts.push(format!(
                "{k} is {:?}, not {want:?}",
                tree.scalar(*node).unwrap_or_default()
            ));
        }
        for (_, k) in &self.contradicting {
            parts.push(format!("{k} contradicts --scheme {}", config.scheme.name()));
        }
        parts.join("; ")
    }
}

/// Compares an annotation map with the set for `cloud`, the scheme and `extra` pairs
/// (`--annotation`). Values the user chose that are Layer 4 stay: an AWS target type of
/// `ip` or `instance` unless `--aws-target-type` is given, an AWS type of `nlb` or
/// `nlb-ip` (changing the type re-creates the load balancer).
pub(super) fn l4_gaps(
    tree: &Tree,
    map: Option<NodeId>,
    config: &Config,
    cloud: Cloud,
    extra: &[(String, String)],
) -> Gaps {
    l4_gaps_for_class(tree, map, config, cloud, extra, None)
}

/// [`l4_gaps`] for a Service whose `spec.loadBalancerClass` is `class`: a known class
/// of the cloud makes some keys of the set unnecessary (presets `LB_CLASSES`).
pub(super) fn l4_gaps_for_class(
    tree: &Tree,
    map: Option<NodeId>,
    config: &Config,
    cloud: Cloud,
    extra: &[(String, String)],
    class: Option<&str>,
) -> Gaps {
    let mut gaps = Gaps::default();
    let target = config.aws_target_type.unwrap_or_default();
    let mut set: Vec<(String, String)> =
        presets::l4_annotations_for_class(cloud, config.scheme, target, class)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
    for (k, v) in extra {
        set.retain(|(key, _)| key != k);
        set.push((k.clone(), v.clone()));
    }
    for (key, want) in set {
        match map.and_then(|m| tree.get(m, &key)) {
            None => gaps.missing.push((key, want)),
            Some(node) => {
                let have = tree.string(node);
                let kept = match key.as_str() {
                    // `--keep-annotation`: never touched, a key of the set too.
                    _ if config.keep_annotations.contains(&key) => true,
                    presets::AWS_TARGET_KEY if config.aws_target_type.is_none() => {
                        matches!(have, Some("ip" | "instance"))
                    }
                    presets::AWS_TYPE_KEY if want == "external" => {
                        have.is_some_and(|h| presets::AWS_L4_TYPES.contains(&h))
                    }
                    _ => false,
                };
                if !kept && have != Some(want.as_str()) {
                    if !config.scheme_given && presets::makes_internal(cloud, &key, have) {
                        gaps.unasked_public.push((node, key.clone()));
                    }
                    gaps.wrong.push((key, want, node));
                }
            }
        }
    }
    if let Some(m) = map {
        // Every entry of such a key, a repeated one's too.
        for &(k, v) in tree.entries(m) {
            let key = tree.scalar(k).filter(|key| {
                presets::contradicts(cloud, config.scheme, key, tree.scalar(v))
                    && !config.keep_annotations.iter().any(|keep| keep == key)
            });
            if let Some(key) = key {
                if !config.scheme_given && presets::makes_internal(cloud, key, tree.scalar(v)) {
                    gaps.unasked_public.push((k, key.to_string()));
                }
                gaps.contradicting.push((k, key.to_string()));
            }
        }
    }
    gaps
}

/// The edits that bring an annotation map at `path` under `root` to the set.
pub(super) fn set_edits(
    root: NodeId,
    path: &[&str],
    map: Option<NodeId>,
    gaps: &Gaps,
) -> Vec<Edit> {
    let mut edits = Vec::new();
    let pairs = gaps.pairs();
    if !pairs.is_empty() {
        let mut fragment = Fragment::string_map(pairs.iter().map(|(k, v)| (k, v)));
        for key in path[1..].iter().rev() {
            fragment = Fragment::Map(vec![((*key).to_string(), fragment)]);
        }
        edits.push(Edit::Upsert {
            map: root,
            pairs: vec![(path[0].to_string(), fragment)],
        });
    }
    if let Some(map) = map {
        for &(key, _) in &gaps.contradicting {
            edits.push(Edit::RemoveEntry { map, key });
        }
    }
    edits
}

fn service(ctx: &mut Ctx, svc: &Obj) {
    let config = ctx.config;
    let tree = svc.tree;
    let type_node = tree.path(svc.node, &["spec", "type"]);
    let service_type = type_node.and_then(|t| tree.string(t));
    let load_balancer = service_type == Some("LoadBalancer") || becomes_load_balancer(ctx, svc);

    let annotations = tree
        .path(svc.node, &["metadata", "annotations"])
        .filter(|&a| tree.is_map(a));
    // The Layer-4 set (SE102) and the Azure probe override (SE108) go into the
    // annotations in one upsert: the first finding that needs it carries it.
    let mut adds: Vec<(String, String)> = Vec::new();
    let cloud = config.cloud;
    // The class the Service will have: `--lb-class` (SE111 sets it), else its own.
    let class = config
        .lb_class
        .as_deref()
        .filter(|_| ctx.enabled(Code::SE111))
        .or_else(|| tree.str_at(svc.node, &["spec", "loadBalancerClass"]));
    let gaps = match cloud {
        Some(cloud) if load_balancer && ctx.enabled(Code::SE102) => {
            l4_gaps_for_class(tree, annotations, config, cloud, &config.annotations, class)
        }
        _ => Gaps::default(),
    };
    let set_keys: Vec<String> = gaps.pairs().into_iter().map(|(k, _)| k).collect();

    if let Some(map) = annotations {
        keys(ctx, svc, map, &set_keys, Keys::service(load_balancer));
    }
    unasked_public(ctx, svc, &gaps, &format!("Service {}", svc.name));
    if !gaps.is_empty() {
        let cloud = cloud.unwrap_or(Cloud::None);
        let at = gaps
            .wrong
            .first()
            .map(|&(_, _, v)| v)
            .or(type_node)
            .unwrap_or(svc.node);
        let mut notes = gaps.notes("annotation", cloud);
        for (k, want, node) in &gaps.wrong {
            if k == presets::AWS_TYPE_KEY {
                ctx.report(
                    Code::SE112,
                    svc,
                    *node,
                    format!(
                        "aws-load-balancer-type changes from {:?} to {want:?}: the AWS Load Balancer Controller may leave the old load balancer behind; delete it after the upgrade if it remains",
                        tree.scalar(*node).unwrap_or_default()
                    ),
                    Remedy::Warn,
                );
            }
            if k == presets::OCI_TYPE_KEY {
                ctx.report(
                    Code::SE115,
                    svc,
                    *node,
                    format!(
                        "oci.oraclecloud.com/load-balancer-type changes from {:?} to {want:?}: OCI builds a new Network Load Balancer under a new address and may leave the old load balancer behind; point DNS at the new address and delete the old one if it remains",
                        tree.scalar(*node).unwrap_or_default()
                    ),
                    Remedy::Warn,
                );
            }
        }
        let mut edits = set_edits(svc.node, &["metadata", "annotations"], annotations, &gaps);
        adds = gaps.pairs();
        let message = format!(
            "LoadBalancer Service {} lacks the {} {} Layer-4 set: {}",
            svc.name,
            cloud.name(),
            config.scheme.name(),
            gaps.describe(tree, config)
        );
        // The probe overrides of SE108 join this upsert.
        let probes = azure_probes(ctx, svc, annotations, load_balancer);
        if !probes.is_empty() {
            let pairs: Vec<(String, String)> = probes
                .iter()
                .map(|p| (p.key.clone(), "tcp".to_string()))
                .collect();
            merge_into_upsert(&mut edits, svc.node, &pairs);
            notes.extend(probe_notes(&probes));
        }
        ctx.report(Code::SE102, svc, at, message, fix(svc, edits, notes));
        for probe in probes {
            ctx.report(Code::SE108, svc, probe.node, probe.message, Remedy::Shared);
        }
    } else {
        let probes = azure_probes(ctx, svc, annotations, load_balancer);
        let pairs: Vec<(String, String)> = probes
            .iter()
            .map(|p| (p.key.clone(), "tcp".to_string()))
            .collect();
        let notes = probe_notes(&probes);
        for (i, probe) in probes.into_iter().enumerate() {
            let remedy = if i == 0 {
                let edits = vec![annotations_upsert(svc.node, &pairs)];
                fix(svc, edits, notes.clone())
            } else {
                Remedy::Shared
            };
            ctx.report(Code::SE108, svc, probe.node, probe.message, remedy);
        }
    }
    if load_balancer && let Some(map) = annotations {
        aws_scheme(ctx, svc, map, &adds);
    }
    if load_balancer {
        lb_class(ctx, svc);
        class_mismatch(ctx, svc, class);
    }
}

/// SE116: the object's own keys make its load balancer internal, `--scheme` was not
/// given, and the internet-facing default would change or remove them. Render refuses
/// rather than make it public unasked.
pub(super) fn unasked_public(ctx: &mut Ctx, obj: &Obj, gaps: &Gaps, what: &str) {
    let Some(&(node, _)) = gaps.unasked_public.first() else {
        return;
    };
    let keys: Vec<&str> = gaps
        .unasked_public
        .iter()
        .map(|(_, k)| k.as_str())
        .collect();
    ctx.report(
        Code::SE116,
        obj,
        node,
        format!(
            "{what} is an internal load balancer ({}), and --scheme was not given: the internet-facing default would make it public",
            keys.join(", ")
        ),
        Remedy::Refuse(
            "pass --scheme internal to keep it internal, or --scheme internet-facing to make it public (`scheme:` in a config file works too)".to_string(),
        ),
    );
}

/// SE114: a known load-balancer class that another cloud's controller owns (no
/// controller of this cloud builds anything for it), or that decides the other scheme.
fn class_mismatch(ctx: &mut Ctx, svc: &Obj, class: Option<&str>) {
    let Some(known) = class.and_then(presets::lb_class) else {
        return;
    };
    let config = ctx.config;
    let cloud = config.cloud.filter(|&c| c != Cloud::None);
    let problem = if let Some(cloud) = cloud
        && known.cloud != cloud
    {
        format!(
            "loadBalancerClass {:?} belongs to {}, and --cloud is {}: that cloud's controllers ignore the Service, and it gets no load balancer",
            known.class,
            known.cloud.name(),
            cloud.name()
        )
    } else if let Some(scheme) = known.scheme
        && scheme != config.scheme
    {
        format!(
            "loadBalancerClass {:?} builds an {} load balancer, and --scheme is {}",
            known.class,
            scheme.name(),
            config.scheme.name()
        )
    } else {
        return;
    };
    let tree = svc.tree;
    let at = tree
        .path(svc.node, &["spec", "loadBalancerClass"])
        .or_else(|| tree.path(svc.node, &["spec", "type"]))
        .unwrap_or(svc.node);
    // The class decides what gets built: render cannot give the Service what was asked
    // (a load balancer at all, or the scheme) and refuses rather than print a result that
    // is public where internal was asked for.
    let help = match ctx.config.lb_class.as_deref() {
        Some(flag) if flag == known.class => format!(
            "pass a --lb-class of {} for --scheme {} (`spaces-expose presets` lists them), or none",
            cloud.map_or("the cluster's cloud", Cloud::name),
            config.scheme.name()
        ),
        _ => "use a class of the cluster's cloud and scheme (or none), re-creating the Service (the field is immutable), or change --cloud/--scheme to what the class builds".to_string(),
    };
    ctx.report(
        Code::SE114,
        svc,
        at,
        format!("Service {}: {problem}", svc.name),
        Remedy::Refuse(help),
    );
}

/// SE111: `--lb-class` sets `spec.loadBalancerClass`, which the API server accepts only
/// on a Service created with it.
fn lb_class(ctx: &mut Ctx, svc: &Obj) {
    let Some(class) = ctx.config.lb_class.as_deref() else {
        return;
    };
    let tree = svc.tree;
    let node = tree.path(svc.node, &["spec", "loadBalancerClass"]);
    let have = node.and_then(|n| tree.string(n));
    if have == Some(class) {
        return;
    }
    let message = match have {
        Some(other) => format!(
            "LoadBalancer Service {} has loadBalancerClass {other:?}, not {class:?} (--lb-class)",
            svc.name
        ),
        None => format!(
            "LoadBalancer Service {} has no loadBalancerClass; --lb-class asks for {class:?}",
            svc.name
        ),
    };
    let edits = vec![Edit::Upsert {
        map: svc.node,
        pairs: vec![(
            "spec".to_string(),
            Fragment::Map(vec![(
                "loadBalancerClass".to_string(),
                Fragment::str(class),
            )]),
        )],
    }];
    let notes = vec![Note::Text(format!(
        "loadBalancerClass {class:?} (immutable: it applies only to a Service created with it; re-create an existing one)"
    ))];
    let at = node
        .or_else(|| tree.path(svc.node, &["spec", "type"]))
        .unwrap_or(svc.node);
    ctx.report(Code::SE111, svc, at, message, fix(svc, edits, notes));
}

/// Adds `pairs` to the `metadata.annotations` upsert of `edits`.
/// Adds `pairs` to the `metadata.annotations` upsert of `edits`, or adds that upsert
/// when the set needs none (its only gap a contradicting key to remove).
fn merge_into_upsert(edits: &mut Vec<Edit>, root: NodeId, pairs: &[(String, String)]) {
    for edit in edits.iter_mut() {
        if let Edit::Upsert { pairs: top, .. } = edit
            && let Some((_, Fragment::Map(meta))) = top.first_mut()
            && let Some((_, Fragment::Map(annotations))) = meta.first_mut()
        {
            annotations.extend(pairs.iter().map(|(k, v)| (k.clone(), Fragment::str(v))));
            return;
        }
    }
    edits.insert(0, annotations_upsert(root, pairs));
}

/// Sets `metadata.annotations` pairs on an object.
fn annotations_upsert(root: NodeId, pairs: &[(String, String)]) -> Edit {
    Edit::Upsert {
        map: root,
        pairs: vec![(
            "metadata".to_string(),
            Fragment::Map(vec![(
                "annotations".to_string(),
                Fragment::string_map(pairs.iter().map(|(k, v)| (k, v))),
            )]),
        )],
    }
}

/// SE109: in load-balancer mode a ClusterIP target becomes a LoadBalancer. Returns
/// whether it does (the Layer-4 rules then apply as if it were one).
fn becomes_load_balancer(ctx: &mut Ctx, svc: &Obj) -> bool {
    if ctx.config.mode != Mode::LoadBalancer {
        return false;
    }
    let tree = svc.tree;
    let type_node = tree.path(svc.node, &["spec", "type"]);
    let service_type = type_node.and_then(|t| tree.string(t));
    let at = type_node.unwrap_or(svc.node);
    match service_type {
        None | Some("" | "ClusterIP") => {
            if tree.str_at(svc.node, &["spec", "clusterIP"]) == Some("None") {
                ctx.report(
                    Code::SE109,
                    svc,
                    at,
                    format!(
                        "Service {} is headless (clusterIP: None) and cannot become a LoadBalancer; left as it is",
                        svc.name
                    ),
                    Remedy::Warn,
                );
                return false;
            }
            if !ctx.enabled(Code::SE109) {
                return false;
            }
            let edits = vec![Edit::Upsert {
                map: svc.node,
                pairs: vec![(
                    "spec".to_string(),
                    Fragment::Map(vec![("type".to_string(), Fragment::str("LoadBalancer"))]),
                )],
            }];
            ctx.report(
                Code::SE109,
                svc,
                at,
                format!(
                    "Service {} is of type {} and --mode load-balancer makes it a LoadBalancer",
                    svc.name,
                    service_type
                        .filter(|t| !t.is_empty())
                        .unwrap_or("ClusterIP")
                ),
                fix(
                    svc,
                    edits,
                    vec![Note::Text("type LoadBalancer".to_string())],
                ),
            );
            true
        }
        Some("LoadBalancer") => false,
        Some(other) => {
            ctx.report(
                Code::SE109,
                svc,
                at,
                format!(
                    "Service {} is of type {other}, not ClusterIP: left as it is, without load-balancer annotations",
                    svc.name
                ),
                Remedy::Warn,
            );
            false
        }
    }
}

/// Which object's annotations [`keys`] looks at.
pub(super) struct Keys {
    /// `Service`, `Cilium Ingress`: for messages.
    pub kind: &'static str,
    /// The keys that reach the load balancer's Service (all of a Service's; of a Cilium
    /// Ingress, those Cilium copies onto the Service it creates).
    pub reaches: fn(&str) -> bool,
    /// The Service is (or becomes) a LoadBalancer: the idle-timeout checks apply.
    pub load_balancer: bool,
}

impl Keys {
    fn service(load_balancer: bool) -> Keys {
        Keys {
            kind: "Service",
            reaches: |_| true,
            load_balancer,
        }
    }
}

/// SE101, SE103, SE104, SE105, SE107: one annotation at a time. `set` lists the keys
/// the Layer-4 upsert (SE102, SE208) writes (a wrong AWS type among them is answered there).
pub(super) fn keys(ctx: &mut Ctx, svc: &Obj, map: NodeId, set: &[String], on: Keys) {
    let config = ctx.config;
    let tree = svc.tree;
    let cloud = config.cloud;
    let Keys {
        kind,
        reaches,
        load_balancer,
    } = on;
    for &(k, v) in tree.entries(map) {
        let Some(key) = tree.scalar(k) else { continue };
        if key == HELM4_FILENAME_ANNOTATION
            || config.keep_annotations.iter().any(|keep| keep == key)
            || !reaches(key)
        {
            continue;
        }
        let value = tree.scalar(v);
        let remove = |notes: &'static str| {
            fix(
                svc,
                vec![Edit::RemoveEntry { map, key: k }],
                vec![Note::count("-", 1, notes, "")],
            )
        };
        if let Some(entry) = presets::l7_key(On::Service, key, value) {
            let (code, what) = match entry.why {
                Why::L7 => (Code::SE101, "Layer-7 annotation"),
                Why::TlsTermination => (Code::SE104, "TLS-termination annotation"),
                Why::ProxyProtocol => (Code::SE105, "PROXY protocol annotation"),
            };
            // An attribute list loses only the attribute; the others stay, unless the
            // key is another cloud's, which goes whole (SE103 would take the rest).
            let foreign = cloud.is_some_and(|c| {
                c != Cloud::None && presets::cloud_of_key(key).is_some_and(|owner| owner != c)
            }) && ctx.enabled(Code::SE103);
            let remedy = match (entry.when, value) {
                // Only the entry Kubernetes reads is rewritten in place: an earlier
                // repeat of the key (which it never reads) goes whole, as the upsert by
                // name would write the last one (found by fuzzing one_truth).
                (When::AttributeTrue(name), Some(value))
                    if !foreign && tree.get(map, key) == Some(v) =>
                {
                    let rest = presets::without_attribute(value, name);
                    if rest.is_empty() {
                        remove("L7 annotation")
                    } else {
                        fix(
                            svc,
                            vec![Edit::Upsert {
                                map,
                                pairs: vec![(key.to_string(), Fragment::str(&rest))],
                            }],
                            vec![Note::count("-", 1, "PROXY protocol attribute", "")],
                        )
                    }
                }
                _ => remove("L7 annotation"),
            };
            ctx.report(
                code,
                svc,
                k,
                format!("{what} {key} on {kind} {}: {}", svc.name, entry.note),
                remedy,
            );
            continue;
        }
        if key == presets::AWS_TYPE_KEY
            && let Some(value) = value
            && !presets::AWS_L4_TYPES.contains(&value)
        {
            // The Layer-4 set replaces the value Kubernetes reads (the last of a repeated
            // key); without a set, or for an earlier repeat, the entry goes.
            let last = tree
                .raw_entries(map)
                .iter()
                .rev()
                .find(|&&(other, _)| tree.scalar(other) == Some(key))
                .map(|&(other, _)| other);
            let remedy = if set.iter().any(|s| s == key) && last == Some(k) {
                Remedy::Shared
            } else {
                remove("L7 annotation")
            };
            ctx.report(
                Code::SE101,
                svc,
                v,
                format!(
                    "{key}: {value:?} on {kind} {} is not a Network Load Balancer type ({})",
                    svc.name,
                    presets::AWS_L4_TYPES.join(", ")
                ),
                remedy,
            );
            continue;
        }
        if let Some(cloud) = cloud
            && cloud != Cloud::None
            && let Some(owner) = presets::cloud_of_key(key)
            && owner != cloud
        {
            ctx.report(
                Code::SE103,
                svc,
                k,
                format!(
                    "{} annotation {key} on {kind} {} rendered for --cloud {}",
                    owner.name(),
                    svc.name,
                    cloud.name()
                ),
                remove("other-cloud annotation"),
            );
            continue;
        }
        if load_balancer
            && let Some(listener) = key.strip_prefix(presets::AWS_LISTENER_ATTRIBUTES_PREFIX)
            && listener.starts_with("TCP-")
        {
            aws_idle_timeout(ctx, svc, v, key, value);
        }
        if key == AZURE_IDLE_TIMEOUT && load_balancer {
            // Read as Go's strconv.Atoi reads it (an optional sign, decimal digits).
            let ok = value
                .map(|s| s.strip_prefix('+').unwrap_or(s))
                .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|s| s.parse::<u32>().ok())
                .is_some_and(|n| AZURE_IDLE_RANGE.contains(&n));
            if !ok {
                ctx.report(
                    Code::SE107,
                    svc,
                    v,
                    format!(
                        "{key} is {:?}: Azure accepts whole minutes from {} to {}",
                        value.unwrap_or_default(),
                        AZURE_IDLE_RANGE.start(),
                        AZURE_IDLE_RANGE.end()
                    ),
                    Remedy::Warn,
                );
            }
        }
    }
}

/// SE113: the NLB TCP idle timeout of a listener (`tcp.idle_timeout.seconds` in its
/// listener attributes) that AWS rejects (outside 60–6000 s), or that is shorter than
/// the NLB's default of 350 s: idle watches are cut sooner than without it.
fn aws_idle_timeout(ctx: &mut Ctx, svc: &Obj, node: NodeId, key: &str, value: Option<&str>) {
    let Some(seconds) = value.and_then(|v| {
        presets::attribute_pairs(v)
            .filter(|&(k, _)| k == presets::AWS_IDLE_TIMEOUT_ATTRIBUTE)
            .map(|(_, v)| v)
            .last()
    }) else {
        return;
    };
    let range = presets::AWS_IDLE_TIMEOUT_RANGE;
    let default = presets::AWS_IDLE_TIMEOUT_DEFAULT;
    let number = Some(seconds)
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse::<u32>().ok());
    let problem = match number {
        Some(n) if range.contains(&n) && n >= default => return,
        Some(n) if range.contains(&n) => format!(
            "is shorter than the NLB's default of {default} s: watch connections that stay idle longer are cut"
        ),
        _ => format!(
            "is not a whole number of seconds from {} to {}: AWS rejects the listener attribute",
            range.start(),
            range.end()
        ),
    };
    ctx.report(
        Code::SE113,
        svc,
        node,
        format!(
            "{} {seconds:?} in {key} on Service {} {problem}",
            presets::AWS_IDLE_TIMEOUT_ATTRIBUTE,
            svc.name
        ),
        Remedy::Warn,
    );
}

/// SE106: the AWS Load Balancer Controller's default scheme is internal. Answered by
/// the Layer-4 set when it writes the scheme, and by the removal of the AWS type key
/// on another cloud; otherwise a warning.
fn aws_scheme(ctx: &mut Ctx, svc: &Obj, map: NodeId, adds: &[(String, String)]) {
    let tree = svc.tree;
    let Some(ty) = tree.get(map, presets::AWS_TYPE_KEY) else {
        return;
    };
    // `external` and the legacy `nlb-ip` are handled by the controller; the in-tree
    // `nlb` provider defaults to internet-facing.
    if !matches!(tree.scalar(ty), Some("external" | "nlb-ip")) {
        return;
    }
    if tree.get(map, presets::AWS_SCHEME_KEY).is_some() {
        return;
    }
    // SE103 removes the AWS type key on another cloud, unless it is kept.
    let kept = ctx
        .config
        .keep_annotations
        .iter()
        .any(|k| k == presets::AWS_TYPE_KEY);
    let other_cloud = ctx
        .config
        .cloud
        .is_some_and(|c| c != Cloud::None && c != Cloud::Aws)
        && ctx.enabled(Code::SE103)
        && !kept;
    let remedy = if adds.iter().any(|(k, _)| k == presets::AWS_SCHEME_KEY) || other_cloud {
        Remedy::Shared
    } else {
        Remedy::Warn
    };
    ctx.report(
        Code::SE106,
        svc,
        ty,
        format!(
            "Service {} has aws-load-balancer-type {:?} but no {}: the AWS Load Balancer Controller makes it internal",
            svc.name,
            tree.scalar(ty).unwrap_or_default(),
            presets::AWS_SCHEME_KEY
        ),
        remedy,
    );
}

/// An Azure health probe that wants HTTP 200 from the router.
struct Probe {
    node: NodeId,
    key: String,
    message: String,
    /// The per-port key is there with another protocol: the fix replaces its value.
    replaces: bool,
}

/// `+1 health-probe annotation (tcp)`, `~1 health-probe annotation changed (tcp)`.
fn probe_notes(probes: &[Probe]) -> Vec<Note> {
    let changed = probes.iter().filter(|p| p.replaces).count();
    let added = probes.len() - changed;
    [("+", added, " (tcp)"), ("~", changed, " changed to tcp")]
        .into_iter()
        .filter(|&(_, n, _)| n > 0)
        .map(|(sign, n, suffix)| Note::count(sign, n, "health-probe annotation", suffix))
        .collect()
}

/// SE108: the Azure health probe of each TCP port resolves its protocol the way
/// cloud-provider-azure does (pkg/provider/azure_loadbalancer_healthprobe.go,
/// buildHealthProbeRulesForPort): the per-port
/// `service.beta.kubernetes.io/port_<port>_health-probe_protocol`, else the port's
/// `appProtocol`, else `azure-load-balancer-health-probe-protocol`, else TCP. HTTP or
/// HTTPS wants 200 from `/`, and the router answers 401. With
/// `externalTrafficPolicy: Local` the probe goes to kube-proxy's health-check node port
/// instead. The per-port `tcp` override fixes it.
fn azure_probes(
    ctx: &Ctx,
    svc: &Obj,
    annotations: Option<NodeId>,
    load_balancer: bool,
) -> Vec<Probe> {
    let tree = svc.tree;
    if ctx.config.cloud != Some(Cloud::Azure) || !load_balancer || !ctx.enabled(Code::SE108) {
        return Vec::new();
    }
    let local = tree
        .str_at(svc.node, &["spec", "externalTrafficPolicy"])
        .is_some_and(|p| p.eq_ignore_ascii_case("Local"));
    let Some(ports) = tree.path(svc.node, &["spec", "ports"]).filter(|_| !local) else {
        return Vec::new();
    };
    let annotation = |key: &str| {
        annotations
            .and_then(|m| tree.get(m, key))
            .and_then(|v| tree.scalar(v).map(|s| (v, s.trim())))
    };
    let global = annotation(AZURE_PROBE_PROTOCOL);
    let mut probes = Vec::new();
    for &port in tree.items(ports) {
        let protocol = tree.str_at(port, &["protocol"]).unwrap_or("TCP");
        if !protocol.eq_ignore_ascii_case("TCP") {
            continue;
        }
        let Some(number) = tree.str_at(port, &["port"]) else {
            continue;
        };
        let key = format!("service.beta.kubernetes.io/port_{number}_health-probe_protocol");
        let app = tree
            .get(port, "appProtocol")
            .and_then(|n| tree.scalar(n).map(|s| (n, s.trim())));
        let per_port = annotation(&key);
        let (node, value, from) = match (per_port, app, global) {
            (Some((n, v)), _, _) => (n, v, key.clone()),
            (None, Some((n, v)), _) => (n, v, "its appProtocol".to_string()),
            (None, None, Some((n, v))) => (n, v, AZURE_PROBE_PROTOCOL.to_string()),
            (None, None, None) => continue,
        };
        if !value.eq_ignore_ascii_case("https") && !value.eq_ignore_ascii_case("http") {
            continue;
        }
        probes.push(Probe {
            node,
            message: format!(
                "the Azure health probe for port {number} of Service {} is {value} (from {from}): it requests / and wants 200, and spaces-router answers 401; set {key}: \"tcp\"",
                svc.name
            ),
            key,
            replaces: per_port.is_some(),
        });
    }
    probes
}
