//! The values rules (SE6xx): the Spaces chart's own values files, linted against the
//! plan the options call for ([`crate::values::Plan`]). Each rule is the twin of a
//! rule on the rendered manifests (named in its registry row), points at the line the
//! user wrote, and carries its fix as edits on the values file, which
//! `spaces-expose values --values FILE` applies.

use crate::config::{Config, Level, Levels};
use crate::presets::{self, Cloud, On, TargetType};
use crate::values::{self, Plan, Val, ValuesFile, Want};
use crate::yaml::{NodeId, Tree};

use super::finding::{Edit, Finding, Fix, Remedy};
use super::registry::Code;

/// The values twin of each rule on the rendered manifests whose fix values can make:
/// `check --values` reports the twin at the line of the values file that causes it. A
/// rule may have two: the one that applies depends on the options (SE106 is answered by
/// the Layer-4 set on AWS, SE602, and by dropping the foreign AWS type elsewhere, SE603).
pub const TWINS: &[(Code, Code)] = &[
    (Code::SE101, Code::SE601),
    (Code::SE104, Code::SE601),
    (Code::SE105, Code::SE601),
    (Code::SE102, Code::SE602),
    (Code::SE106, Code::SE602),
    (Code::SE106, Code::SE603),
    (Code::SE108, Code::SE602),
    (Code::SE103, Code::SE603),
    (Code::SE109, Code::SE604),
    (Code::SE202, Code::SE605),
    (Code::SE201, Code::SE606),
    (Code::SE208, Code::SE606),
    (Code::SE203, Code::SE607),
    (Code::SE401, Code::SE608),
    (Code::SE303, Code::SE609),
    (Code::SE501, Code::SE611),
    (Code::SE205, Code::SE612),
    (Code::SE306, Code::SE612),
];

/// Rules on the rendered manifests whose fix no Spaces chart value can make, and where
/// it goes instead (`values` prints the same in its notes).
pub const NO_TWIN: &[(Code, &str)] = &[
    (
        Code::SE116,
        "a refusal: values files carry their own scheme, which `values` writes from --scheme",
    ),
    (
        Code::SE301,
        "the chart's Gateway listener is TLS Passthrough already; another listener comes from elsewhere",
    ),
    (
        Code::SE305,
        "the Gateway's infrastructure annotations: Envoy Gateway's EnvoyProxy, or the post-renderer",
    ),
    (
        Code::SE404,
        "a CiliumNetworkPolicy: the post-renderer with --controller cilium",
    ),
    (
        Code::SE111,
        "spec.loadBalancerClass: the chart has no value for it; the post-renderer with --lb-class",
    ),
    (
        Code::SE403,
        "an ipBlock peer for the load balancer: the post-renderer with --admit-cidr",
    ),
];

/// The keys of the exposure sections the Spaces chart documents (1.16+); anything else
/// under them is a typo Helm ignores without a word.
const KNOWN: &[(&[&str], &[&str])] = &[
    (&["externalTLS"], &["host"]),
    (&["router", "proxy", "service"], &["type", "annotations"]),
    (
        &["ingress"],
        &[
            "provision",
            "host",
            "ingressClassName",
            "annotations",
            "podLabels",
            "namespaceLabels",
        ],
    ),
    (
        &["gatewayAPI"],
        &[
            "host",
            "gateway",
            "spacesRouterRoute",
            "podLabels",
            "namespaceLabels",
        ],
    ),
    (
        &["gatewayAPI", "gateway"],
        &["provision", "name", "namespace", "className"],
    ),
    (&["gatewayAPI", "spacesRouterRoute"], &["provision"]),
];

/// Maps of strings (annotations and labels) whose values Kubernetes needs as strings.
const STRING_MAPS: &[&[&str]] = &[
    values::SERVICE_ANNOTATIONS,
    values::INGRESS_ANNOTATIONS,
    &["ingress", "podLabels"],
    &["ingress", "namespaceLabels"],
    &["gatewayAPI", "podLabels"],
    &["gatewayAPI", "namespaceLabels"],
    &["connect", "agent", "podLabels"],
];

struct Lint<'v, 'a> {
    values: &'v ValuesFile<'a>,
    tree: &'v Tree<'a>,
    root: NodeId,
    config: &'v Config,
    levels: &'v Levels,
    plan: &'v Plan,
    findings: Vec<Finding>,
}

/// Lints one values file (the `--values` files of `check`, and what `values --values`
/// fixes).
pub fn lint(values: &ValuesFile, config: &Config, levels: &Levels, plan: &Plan) -> Vec<Finding> {
    let tree = &values.tree;
    let Some(root) = tree.root.filter(|&r| tree.is_map(r)) else {
        return Vec::new();
    };
    let mut lint = Lint {
        values,
        tree,
        root,
        config,
        levels,
        plan,
        findings: Vec::new(),
    };
    lint.provisioned();
    lint.service();
    lint.ingress();
    lint.gateway();
    lint.labels();
    lint.strings();
    lint.unknown_keys();
    lint.class_watched();
    lint.quoted_booleans();
    let mut findings = lint.findings;
    findings.sort_by_key(|f| (f.line, f.column, f.code));
    findings
}

fn keys(path: &[String]) -> Vec<&str> {
    path.iter().map(String::as_str).collect()
}

fn dotted(path: &[&str]) -> String {
    path.join(".")
}

impl Lint<'_, '_> {
    fn at(&self, path: &[&str]) -> Option<NodeId> {
        self.tree.path(self.root, path)
    }

    /// The key node of the deepest existing entry on `path` (where a missing key would
    /// go), or the root.
    fn anchor(&self, path: &[&str]) -> NodeId {
        let mut node = self.root;
        let mut anchor = self.root;
        for key in path {
            match self.tree.entry(node, key) {
                Some((k, v)) => {
                    anchor = k;
                    node = v;
                }
                None => break,
            }
        }
        anchor
    }

    fn report(&mut self, code: Code, node: NodeId, message: String, remedy: Remedy) {
        let level = self.levels.get(code);
        if level == Level::Off {
            return;
        }
        let n = self.tree.node(node);
        let location = values::location(&self.values.file, n.line, n.col + 1);
        self.findings.push(Finding::new(
            code.rule(),
            level,
            message,
            location,
            None,
            remedy,
        ));
    }

    /// A finding where `want`'s key is (or would go), fixed by setting it.
    fn report_unset(&mut self, code: Code, want: &Want, message: String) {
        let node = self.anchor(&keys(&want.path));
        let remedy = self.set(&[want]);
        self.report(code, node, message, remedy);
    }

    /// A finding at an entry whose fix removes it.
    fn remove(&mut self, code: Code, map: NodeId, key: NodeId, message: String) {
        let remedy = self.fix(vec![Edit::RemoveEntry { map, key }]);
        self.report(code, key, message, remedy);
    }

    fn fix(&self, edits: Vec<Edit>) -> Remedy {
        Remedy::Fix(Fix {
            document: 0,
            edits,
            notes: Vec::new(),
        })
    }

    /// The fix that makes each want hold.
    fn set(&self, wants: &[&Want]) -> Remedy {
        self.fix(
            wants
                .iter()
                .map(|w| values::set_at(self.root, &w.path, &w.value))
                .collect(),
        )
    }

    /// Whether the file (with the chart's defaults) already gives `want`.
    fn holds(&self, want: &Want) -> bool {
        let path = keys(&want.path);
        let Some(node) = self.at(&path) else {
            return values::chart_default(&path).as_ref() == Some(&want.value);
        };
        let tree = self.tree;
        match &want.value {
            // A plain `true` where "true" is wanted is SE611's to quote.
            Val::Str(s) => tree.scalar(node) == Some(s.as_str()) && !tree.is_null(node),
            Val::Bool(b) => tree.text(node) == if *b { "true" } else { "false" },
            Val::Null => tree.is_null(node),
        }
    }

    fn provisioned_in_file(&self, path: &[&str]) -> bool {
        self.at(path)
            .and_then(|n| self.tree.scalar(n))
            .is_some_and(|v| v == "true")
    }

    /// SE612: `--mode ingress`/`gateway` and the values do not provision that path.
    fn provisioned(&mut self) {
        let wanted: Vec<&Want> = self
            .plan
            .wants
            .iter()
            .filter(|w| w.path.last().is_some_and(|k| k == "provision"))
            .filter(|w| !self.holds(w))
            .collect();
        let explicit = matches!(
            self.config.mode,
            crate::config::Mode::Ingress | crate::config::Mode::Gateway
        );
        if wanted.is_empty() || !explicit {
            return;
        }
        for want in wanted {
            let message = format!(
                "--mode {} and {} is not true: the chart renders nothing on that path",
                self.config.mode.name(),
                dotted(&keys(&want.path))
            );
            self.report_unset(Code::SE612, want, message);
        }
    }

    fn keep(&self, key: &str) -> bool {
        self.config.keep_annotations.iter().any(|k| k == key)
    }

    /// SE601, SE603, SE604, SE602: the router Service.
    fn service(&mut self) {
        let tree = self.tree;
        let cloud = self.config.cloud;
        let annotations = self
            .at(values::SERVICE_ANNOTATIONS)
            .filter(|&n| tree.is_map(n));
        if let Some(map) = annotations {
            for &(k, v) in tree.entries(map) {
                let Some(key) = tree.scalar(k) else { continue };
                if self.keep(key) {
                    continue;
                }
                let value = tree.scalar(v);
                if let Some(entry) = presets::l7_key(On::Service, key, value) {
                    let message = format!(
                        "Layer-7 annotation {key} in router.proxy.service.annotations: {}",
                        entry.note
                    );
                    // An attribute list loses only the attribute, as render does; another
                    // cloud's key goes whole.
                    let foreign = cloud.is_some_and(|c| {
                        c != Cloud::None
                            && presets::cloud_of_key(key).is_some_and(|owner| owner != c)
                    });
                    let rest = match (entry.when, value) {
                        (presets::When::AttributeTrue(name), Some(value)) if !foreign => {
                            presets::without_attribute(value, name)
                        }
                        _ => String::new(),
                    };
                    if rest.is_empty() {
                        self.remove(Code::SE601, map, k, message);
                    } else {
                        let mut path: Vec<String> = values::SERVICE_ANNOTATIONS
                            .iter()
                            .map(|s| (*s).to_string())
                            .collect();
                        path.push(key.to_string());
                        let remedy =
                            self.fix(vec![values::set_at(self.root, &path, &Val::Str(rest))]);
                        self.report(Code::SE601, k, message, remedy);
                    }
                    continue;
                }
                let Some(cloud) = cloud.filter(|&c| c != Cloud::None) else {
                    continue;
                };
                let foreign = presets::cloud_of_key(key).is_some_and(|c| c != cloud)
                    || presets::contradicts(cloud, self.config.scheme, key, value);
                let wanted = self
                    .plan
                    .under(values::SERVICE_ANNOTATIONS)
                    .any(|w| w.path.last().is_some_and(|l| l == key));
                if foreign && !wanted {
                    let message = format!(
                        "{key} in router.proxy.service.annotations is not a --cloud {} load-balancer key",
                        cloud.name()
                    );
                    self.remove(Code::SE603, map, k, message);
                }
            }
        }
        let type_path = ["router", "proxy", "service", "type"];
        let file_type = self.at(&type_path).and_then(|n| tree.scalar(n));
        if self.config.mode == crate::config::Mode::LoadBalancer
            && file_type != Some("LoadBalancer")
            && let Some(want) = self.plan.wants.iter().find(|w| keys(&w.path) == type_path)
        {
            let message = format!(
                "--mode load-balancer and router.proxy.service.type is {}: the router is not exposed",
                file_type.unwrap_or("ClusterIP (the chart's default)")
            );
            self.report_unset(Code::SE604, want, message);
        }
        let load_balancer = self.plan.paths.load_balancer || file_type == Some("LoadBalancer");
        if !load_balancer || cloud.is_none() {
            return;
        }
        let missing: Vec<&Want> = self
            .plan
            .under(values::SERVICE_ANNOTATIONS)
            .filter(|w| !self.holds(w) && !self.acceptable(w))
            .collect();
        if missing.is_empty() {
            return;
        }
        let names: Vec<&str> = missing
            .iter()
            .filter_map(|w| w.path.last().map(String::as_str))
            .collect();
        let node = self
            .at(values::SERVICE)
            .and_then(|s| tree.entry(s, "annotations").map(|(k, _)| k))
            .unwrap_or_else(|| self.anchor(values::SERVICE_ANNOTATIONS));
        let remedy = self.set(&missing);
        self.report(
            Code::SE602,
            node,
            format!(
                "router.proxy.service.annotations lacks the Layer-4 set for --cloud {}: {}",
                cloud.map_or("none", Cloud::name),
                names.join(", ")
            ),
            remedy,
        );
    }

    /// A value the user chose that is Layer 4 too: an AWS target type without
    /// `--aws-target-type`, an AWS type of `nlb` or `nlb-ip`.
    fn acceptable(&self, want: &Want) -> bool {
        let Some(key) = want.path.last() else {
            return false;
        };
        let path = keys(&want.path);
        let Some(value) = self.at(&path).and_then(|n| self.tree.string(n)) else {
            return false;
        };
        (key == presets::AWS_TARGET_KEY
            && self.config.aws_target_type.is_none()
            && [TargetType::Ip.name(), TargetType::Instance.name()].contains(&value))
            || (key == presets::AWS_TYPE_KEY && presets::AWS_L4_TYPES.contains(&value))
    }

    /// SE605, SE606, SE607: the Ingress.
    fn ingress(&mut self) {
        let tree = self.tree;
        let provisioned =
            self.provisioned_in_file(&["ingress", "provision"]) || self.plan.paths.ingress;
        if !provisioned {
            return;
        }
        let class_path = ["ingress", "ingressClassName"];
        let class_node = self.at(&class_path);
        let class = class_node.and_then(|n| tree.string(n)).unwrap_or("");
        let l7 = presets::L7_INGRESS_CLASSES
            .iter()
            .find(|(c, _)| *c == class)
            .map(|(_, what)| what.to_string())
            .or_else(|| {
                (class.is_empty() && self.config.cloud == Some(Cloud::Gcp)).then(|| {
                    "no class at all on GKE: an external Application Load Balancer".to_string()
                })
            });
        if let Some(what) = l7 {
            let want = self.plan.wants.iter().find(|w| keys(&w.path) == class_path);
            let remedy = match want {
                Some(w) => self.set(&[w]),
                None => Remedy::Warn,
            };
            let node = class_node.unwrap_or_else(|| self.anchor(&class_path));
            self.report(
                Code::SE605,
                node,
                format!(
                    "ingress.ingressClassName {class:?} can only do Layer 7 ({what}): use a passthrough controller's class, or load-balancer or Gateway mode"
                ),
                remedy,
            );
        }
        let annotations = self
            .at(values::INGRESS_ANNOTATIONS)
            .filter(|&n| tree.is_map(n));
        if let Some(map) = annotations {
            for &(k, v) in tree.entries(map) {
                let Some(key) = tree.scalar(k) else { continue };
                if let Some(entry) = presets::l7_key(On::Ingress, key, tree.scalar(v)) {
                    let message = format!(
                        "Layer-7 annotation {key} in ingress.annotations, void under TLS passthrough: {}",
                        entry.note
                    );
                    self.remove(Code::SE607, map, k, message);
                }
            }
        }
        let missing: Vec<&Want> = self
            .plan
            .under(values::INGRESS_ANNOTATIONS)
            .filter(|w| !self.holds(w))
            .collect();
        if let Some(controller) = &self.plan.ingress_controller
            && !missing.is_empty()
        {
            let names: Vec<&str> = missing
                .iter()
                .filter_map(|w| w.path.last().map(String::as_str))
                .collect();
            let node = self
                .at(&["ingress"])
                .and_then(|i| tree.entry(i, "annotations").map(|(k, _)| k))
                .unwrap_or_else(|| self.anchor(values::INGRESS_ANNOTATIONS));
            let message = format!(
                "ingress.annotations lacks what {} needs for TLS passthrough: {}",
                controller.name,
                names.join(", ")
            );
            let remedy = self.set(&missing);
            self.report(Code::SE606, node, message, remedy);
        }
    }

    /// SE609: an L7-only GatewayClass.
    fn gateway(&mut self) {
        let provisioned = self.provisioned_in_file(&["gatewayAPI", "gateway", "provision"])
            || self.plan.paths.gateway;
        let path = ["gatewayAPI", "gateway", "className"];
        let Some(node) = self.at(&path).filter(|_| provisioned) else {
            return;
        };
        let Some(class) = self.tree.string(node) else {
            return;
        };
        if let Some(what) = presets::l7_gateway_class(class, None) {
            self.report(
                Code::SE609,
                node,
                format!(
                    "gatewayAPI.gateway.className {class:?} cannot pass TLS through ({what}): use a passthrough-capable class"
                ),
                Remedy::Warn,
            );
        }
    }

    /// SE608: controller labels, as Helm merges them with the chart's defaults.
    fn labels(&mut self) {
        if self.config.controllers.is_empty() {
            return;
        }
        let tree = self.tree;
        for exact in self.plan.exact_maps.clone() {
            let path = keys(&exact);
            let (section, labels) = (path[0], path[1]);
            let map = self.at(&path).filter(|&n| tree.is_map(n));
            let wanted: Vec<&Want> = self.plan.under(&path).collect();
            let mut edits = Vec::new();
            let mut wrong = Vec::new();
            for want in &wanted {
                if !self.holds(want) {
                    edits.push(values::set_at(self.root, &want.path, &want.value));
                    wrong.push(want.path[2].clone());
                }
            }
            if let Some(map) = map {
                for &(k, _) in tree.entries(map) {
                    let Some(key) = tree.scalar(k) else { continue };
                    if wanted.iter().any(|w| w.path[2] == key) {
                        continue;
                    }
                    wrong.push(key.to_string());
                    let default = values::chart_default_labels(section, labels)
                        .iter()
                        .any(|(d, _)| *d == key);
                    if default {
                        let mut p = exact.clone();
                        p.push(key.to_string());
                        edits.push(values::set_at(self.root, &p, &Val::Null));
                    } else {
                        edits.push(Edit::RemoveEntry { map, key: k });
                    }
                }
            }
            if edits.is_empty() {
                continue;
            }
            let controller = if section == "ingress" {
                self.plan.ingress_controller.as_ref()
            } else {
                self.plan.gateway_controller.as_ref()
            }
            .map_or("the chosen controller", |c| c.name.as_str());
            let node = self
                .at(&[section])
                .and_then(|s| tree.entry(s, labels).map(|(k, _)| k))
                .unwrap_or_else(|| self.anchor(&path));
            let remedy = self.fix(edits);
            self.report(
                Code::SE608,
                node,
                format!(
                    "{section}.{labels} (merged with the chart's defaults) do not select {controller}'s pods: {}",
                    wrong.join(", ")
                ),
                remedy,
            );
        }
    }

    /// SE611: annotation and label values that YAML reads as a bool, number or null.
    fn strings(&mut self) {
        let tree = self.tree;
        for path in STRING_MAPS {
            let Some(map) = self.at(path).filter(|&n| tree.is_map(n)) else {
                continue;
            };
            for &(k, v) in tree.entries(map) {
                let (Some(key), Some(text)) = (tree.scalar(k), tree.scalar(v)) else {
                    continue;
                };
                // A null removes a chart default on purpose.
                if tree.string(v).is_some() || tree.is_null(v) {
                    continue;
                }
                let mut full: Vec<String> = path.iter().map(|s| s.to_string()).collect();
                full.push(key.to_string());
                let edit = values::set_at(self.root, &full, &Val::Str(text.to_string()));
                let remedy = self.fix(vec![edit]);
                self.report(
                    Code::SE611,
                    v,
                    format!(
                        "{}.{key}: {text} is not a string in YAML; the API server rejects the object",
                        dotted(path)
                    ),
                    remedy,
                );
            }
        }
    }

    /// SE610: keys the chart does not know under the exposure sections.
    fn unknown_keys(&mut self) {
        let tree = self.tree;
        for &(path, known) in KNOWN {
            let Some(map) = self.at(path).filter(|&n| tree.is_map(n)) else {
                continue;
            };
            for &(k, _) in tree.entries(map) {
                let Some(key) = tree.scalar(k) else { continue };
                if known.contains(&key) {
                    continue;
                }
                let hint = nearest(key, known)
                    .map(|n| format!("; did you mean {n}?"))
                    .unwrap_or_else(|| format!("; the known keys are {}", known.join(", ")));
                self.report(
                    Code::SE610,
                    k,
                    format!(
                        "{}.{key} is not a key the Spaces chart reads, and Helm ignores it{hint}",
                        dotted(path)
                    ),
                    Remedy::Warn,
                );
            }
        }
    }
}

impl Lint<'_, '_> {
    /// SE613: the Ingress class is not the one the chosen controller's passthrough
    /// watches by default (Traefik honours `ssl-passthrough` only in its NGINX provider,
    /// which watches `nginx`). Classes are configurable, so this warns and edits nothing.
    fn class_watched(&mut self) {
        let tree = self.tree;
        if !(self.provisioned_in_file(&["ingress", "provision"]) || self.plan.paths.ingress) {
            return;
        }
        let (Some(controller), Some(want)) = (
            self.config.controllers.iter().find(|c| {
                self.plan
                    .ingress_controller
                    .as_ref()
                    .is_some_and(|i| i.name == c.name)
            }),
            self.plan.ingress_class.as_deref(),
        ) else {
            return;
        };
        let path = ["ingress", "ingressClassName"];
        let Some(node) = self.at(&path) else { return };
        let Some(class) = tree.string(node).filter(|c| !c.is_empty()) else {
            return;
        };
        let l7 = presets::L7_INGRESS_CLASSES.iter().any(|(c, _)| *c == class);
        if class != want && !l7 {
            let message = format!(
                "ingress.ingressClassName {class:?} is not the class {}'s TLS passthrough watches by default ({want:?}): the passthrough annotations may be ignored",
                controller.name
            );
            self.report(Code::SE613, node, message, Remedy::Warn);
        }
    }

    /// SE614: a quoted `"true"`/`"false"` where the chart tests a boolean. Go templates
    /// treat every non-empty string as true, so `provision: "false"` provisions. The
    /// fix, a plain boolean, is written by `values --values` after the other edits
    /// (the writer only writes strings), hence no edits here.
    fn quoted_booleans(&mut self) {
        for (path, node, value) in values::quoted_booleans(self.tree) {
            let message = format!(
                "{} is the string {value:?}, which Helm's `if` reads as true; write {value} unquoted",
                dotted(&path)
            );
            let remedy = self.fix(Vec::new());
            self.report(Code::SE614, node, message, remedy);
        }
    }
}

/// The known key closest to `key` (case-insensitive edit distance), when it is close.
fn nearest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    let lower = key.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (distance(&lower, &k.to_ascii_lowercase()), *k))
        .filter(|&(d, k)| {
            let k = k.to_ascii_lowercase();
            d <= 2.max(k.len() / 3) || lower.starts_with(&k) || k.starts_with(&lower)
        })
        .min_by_key(|&(d, _)| d)
        .map(|(_, k)| k)
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let next = (prev + cost).min(row[j] + 1).min(row[j + 1] + 1);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_keys() {
        assert_eq!(
            nearest("ingressClass", KNOWN[2].1),
            Some("ingressClassName")
        );
        assert_eq!(nearest("anotations", KNOWN[1].1), Some("annotations"));
        assert_eq!(nearest("podlabels", KNOWN[2].1), Some("podLabels"));
        assert_eq!(nearest("zzzzzz", KNOWN[1].1), None);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
