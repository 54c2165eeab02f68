//! `values`: the Spaces chart's own values (1.16 and later) that produce natively what
//! render would do for a cloud, mode and controller.
//!
//! A [`Plan`] is the list of values keys the options call for ([`Want`]s, each with the
//! reason), and the things values cannot express ([`Elsewhere`]: the controller chart's
//! values, the EnvoyProxy resource, or the post-renderer). `values` prints a plan as a
//! values file; `values --values FILE` applies the fixes of the values rules
//! (`src/rules/values.rs`, codes SE6xx) to the user's file through the same writer render
//! uses, so comments, order and quoting elsewhere in the file survive.

use std::fmt::Write as _;
use std::path::Path;

use crate::config::{Config, Controller, Levels, Mode};
use crate::error::{Error, Location, Result};
use crate::presets::{self, Cloud, Scheme, TargetType};
use crate::rules::registry::Code;
use crate::rules::{self, Edit, Finding, Remedy};
use crate::yaml::write::{self as yw, Fragment, Writer};
use crate::yaml::{Edits, NodeId, Tree};

/// A value to set in the values file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Str(String),
    Bool(bool),
    /// Helm deletes a key set to null from the chart's defaults.
    Null,
}

impl Val {
    /// The text the values file holds for it.
    pub fn yaml(&self) -> String {
        match self {
            Val::Str(s) => yw::quote(s),
            Val::Bool(b) => b.to_string(),
            Val::Null => "null".to_string(),
        }
    }

    /// How the writer receives it; booleans and nulls are turned back into plain
    /// scalars after the writer ran (see [`retype`]).
    fn fragment(&self) -> Fragment {
        match self {
            Val::Str(s) => Fragment::str(s.clone()),
            Val::Bool(b) => Fragment::str(b.to_string()),
            Val::Null => Fragment::str("null"),
        }
    }
}

/// One key of the values file and why it has this value.
#[derive(Debug, Clone)]
pub struct Want {
    pub path: Vec<String>,
    pub value: Val,
    pub why: String,
}

/// Something values cannot express, and where it goes instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elsewhere {
    /// The rule of the rendered manifests that reports it, when one does.
    pub code: Option<Code>,
    pub what: String,
    pub goes: String,
}

/// Which exposure paths the values provision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Paths {
    pub load_balancer: bool,
    pub ingress: bool,
    pub gateway: bool,
}

/// What the options ask of the chart's values.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub paths: Paths,
    /// The controller in front of an Ingress, chosen or named by the file's class.
    pub ingress_controller: Option<Controller>,
    /// The Gateway API controller.
    pub gateway_controller: Option<Controller>,
    /// The Ingress class the ingress controller watches (for TLS passthrough).
    pub ingress_class: Option<String>,
    pub wants: Vec<Want>,
    /// Maps whose whole content the wants give (the controller labels): other keys,
    /// the chart's defaults included, must go.
    pub exact_maps: Vec<Vec<String>>,
    pub elsewhere: Vec<Elsewhere>,
}

pub const SERVICE: &[&str] = &["router", "proxy", "service"];
pub const SERVICE_ANNOTATIONS: &[&str] = &["router", "proxy", "service", "annotations"];
pub const INGRESS_ANNOTATIONS: &[&str] = &["ingress", "annotations"];

/// The router's Service port in the Spaces chart (its `targetPort` is 8443 too).
pub const ROUTER_PORT: u16 = 8443;

/// The Spaces chart's defaults for the keys the plan sets (1.16: no Ingress, no
/// Gateway, a ClusterIP router, and ingress-nginx's labels for the NetworkPolicy).
/// `testdata/charts/spaces/values.yaml` holds the same defaults (tested).
pub fn chart_default(path: &[&str]) -> Option<Val> {
    let s = |v: &str| Some(Val::Str(v.to_string()));
    match path {
        ["router", "proxy", "service", "type"] => s("ClusterIP"),
        ["ingress", "provision"]
        | ["gatewayAPI", "gateway", "provision"]
        | ["gatewayAPI", "spacesRouterRoute", "provision"] => Some(Val::Bool(false)),
        ["ingress", "ingressClassName"] | ["ingress", "host"] | ["gatewayAPI", "host"] => s(""),
        ["gatewayAPI", "gateway", "name"] | ["gatewayAPI", "gateway", "className"] => s("spaces"),
        [section, labels, key] => chart_default_labels(section, labels)
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| s(v)),
        _ => None,
    }
}

/// The chart's default controller labels of one section (`ingress`, `gatewayAPI`).
pub fn chart_default_labels(
    section: &str,
    labels: &str,
) -> &'static [(&'static str, &'static str)] {
    match (section, labels) {
        ("ingress", "podLabels") => &[
            ("app.kubernetes.io/name", "ingress-nginx"),
            ("app.kubernetes.io/component", "controller"),
        ],
        ("ingress", "namespaceLabels") => &[("kubernetes.io/metadata.name", "ingress-nginx")],
        _ => &[],
    }
}

/// The Ingress class a controller's TLS passthrough works with. Traefik honours
/// `ssl-passthrough` only in its kubernetesIngressNGINX provider, which watches `nginx`.
pub fn passthrough_class(controller: &Controller) -> Option<&'static str> {
    controller
        .preset
        .and_then(|p| p.ingress_classes.first().copied())
}

/// What the file itself provisions, for `auto`.
fn file_paths(tree: Option<&Tree>) -> Paths {
    let mut paths = Paths::default();
    let Some((tree, root)) = tree.and_then(|t| Some((t, t.root?))) else {
        return paths;
    };
    let truthy = |keys: &[&str]| {
        tree.path(root, keys)
            .and_then(|n| tree.scalar(n))
            .is_some_and(|v| v == "true")
    };
    paths.load_balancer =
        tree.str_at(root, &["router", "proxy", "service", "type"]) == Some("LoadBalancer");
    paths.ingress = truthy(&["ingress", "provision"]);
    paths.gateway = truthy(&["gatewayAPI", "gateway", "provision"])
        || truthy(&["gatewayAPI", "spacesRouterRoute", "provision"]);
    paths
}

fn can_ingress(c: &Controller) -> bool {
    c.preset.is_some_and(|p| !p.gateway_only())
}

fn path_of(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| k.to_string()).collect()
}

impl Plan {
    /// The plan for these options; `file` is the user's values file, whose class and
    /// provisioned paths count in `auto` mode.
    pub fn new(config: &Config, host: Option<&str>, file: Option<&Tree>) -> Plan {
        let mut plan = Plan::default();
        let from_file = file_paths(file);
        plan.paths = match config.mode {
            Mode::LoadBalancer => Paths {
                load_balancer: true,
                ..Paths::default()
            },
            Mode::Ingress => Paths {
                ingress: true,
                ..Paths::default()
            },
            Mode::Gateway => Paths {
                gateway: true,
                ..Paths::default()
            },
            Mode::Auto => {
                let ingress = config.controllers.iter().any(can_ingress);
                let gateway = config.controllers.iter().any(|c| !can_ingress(c));
                let mut paths = Paths {
                    load_balancer: from_file.load_balancer,
                    ingress: ingress || from_file.ingress,
                    gateway: gateway || from_file.gateway,
                };
                if paths == Paths::default() {
                    paths.load_balancer = true;
                }
                paths
            }
        };
        let file_class = file.and_then(|t| t.str_at(t.root?, &["ingress", "ingressClassName"]));
        // The chosen controller that does Ingress passthrough; else the one the file's
        // class names (when only one does); else, in ingress mode, the first chosen one
        // (a custom controller: labels only).
        let named_by_class = || {
            let class = file_class.filter(|c| !c.is_empty())?;
            let named: Vec<_> = presets::CONTROLLERS
                .iter()
                .filter(|p| p.ingress_classes.contains(&class))
                .collect();
            match named.as_slice() {
                [preset] => Some(Controller {
                    name: preset.name.to_string(),
                    preset: Some(preset),
                    pod_labels: Vec::new(),
                    namespace_labels: Vec::new(),
                }),
                _ => None,
            }
        };
        plan.ingress_controller = config
            .controllers
            .iter()
            .find(|c| can_ingress(c))
            .cloned()
            .or_else(named_by_class)
            .or_else(|| {
                (config.mode == Mode::Ingress)
                    .then(|| config.controllers.first().cloned())
                    .flatten()
            });
        plan.gateway_controller = config
            .controllers
            .iter()
            .find(|c| !can_ingress(c))
            .or_else(|| {
                (config.mode == Mode::Gateway)
                    .then(|| config.controllers.first())
                    .flatten()
            })
            .cloned();
        plan.ingress_class = plan
            .ingress_controller
            .as_ref()
            .and_then(passthrough_class)
            .map(str::to_string);
        if let Some(host) = host {
            plan.want(
                &["externalTLS", "host"],
                Val::Str(host.to_string()),
                "the name clients use; the Ingress and Gateway hosts default to it",
            );
        }
        if plan.paths.load_balancer {
            plan.load_balancer(config);
        }
        if plan.paths.ingress {
            plan.ingress(config);
        }
        if plan.paths.gateway {
            plan.gateway(config);
        }
        plan
    }

    fn want(&mut self, path: &[&str], value: Val, why: impl Into<String>) {
        self.wants.push(Want {
            path: path_of(path),
            value,
            why: why.into(),
        });
    }

    fn note(&mut self, code: Option<Code>, what: impl Into<String>, goes: impl Into<String>) {
        self.elsewhere.push(Elsewhere {
            code,
            what: what.into(),
            goes: goes.into(),
        });
    }

    /// The cloud's Layer-4 set (with `--annotation` pairs) as wants under `at`.
    fn cloud_set(&mut self, config: &Config, at: &[&str], what: &str) {
        self.cloud_set_where(config, at, what, |_| true);
    }

    /// The cloud set's keys that `carried` lets through; a note for the others (a Cilium
    /// Ingress: Cilium copies only some prefixes onto its Service, as SE208 says).
    fn cloud_set_where(
        &mut self,
        config: &Config,
        at: &[&str],
        what: &str,
        carried: impl Fn(&str) -> bool,
    ) {
        let Some(cloud) = config.cloud else {
            self.note(
                Some(Code::SE102),
                format!("no --cloud: no Layer-4 annotations on {what}"),
                "run `spaces-expose values --cloud CLOUD` (`none` when the load balancer needs none)",
            );
            return;
        };
        let target = config.aws_target_type.unwrap_or(TargetType::Ip);
        for (k, v) in presets::l4_annotations(cloud, config.scheme, target) {
            // A Cilium Ingress carries a key Cilium does not copy in a spelling it does,
            // when the cloud reads one (as render does, SE208).
            let spelled = presets::cilium_spelling(cloud, k);
            let k = if !carried(k) && carried(spelled) {
                spelled
            } else {
                k
            };
            if !carried(k) {
                // A key given with --annotation is the user's word that Cilium copies it:
                // the --annotation pairs below write it (as render does, SE208).
                if !config.annotations.iter().any(|(a, _)| a == k) {
                    self.uncopied(cloud, config.scheme, k, v);
                }
                continue;
            }
            let mut path = at.to_vec();
            path.push(k);
            self.want(
                &path,
                Val::Str(v.to_string()),
                format!(
                    "{}: the Layer-4 set for --cloud {} ({}) on {what}",
                    layer4_reason(k),
                    cloud.name(),
                    config.scheme.name()
                ),
            );
        }
        for (k, v) in &config.annotations {
            let mut path = at.to_vec();
            path.push(k);
            self.want(&path, Val::Str(v.clone()), "--annotation");
        }
    }

    /// The note for a key of the cloud set that Cilium does not copy from its Ingress.
    fn uncopied(&mut self, cloud: Cloud, scheme: Scheme, k: &str, v: &str) {
        let consequence = if scheme == Scheme::Internal
            && presets::makes_internal(cloud, k, Some(v))
        {
            ", and without it Cilium's load balancer is internet-facing (the post-renderer refuses)"
        } else {
            ""
        };
        self.note(
            Some(Code::SE208),
            format!("{k}: Cilium does not copy it from the Ingress onto its Service{consequence}"),
            format!(
                "add its prefix to Cilium's `ingressController.ingressLBAnnotationPrefixes`, then set it under `ingress.annotations` (or pass `--annotation {k}={v}` here and to the post-renderer)"
            ),
        );
    }

    fn load_balancer(&mut self, config: &Config) {
        self.want(
            &["router", "proxy", "service", "type"],
            Val::Str("LoadBalancer".to_string()),
            "the router's own Service is the cloud's Layer-4 load balancer (Spaces 1.16+)",
        );
        self.cloud_set(config, SERVICE_ANNOTATIONS, "the router Service");
        if config.cloud == Some(Cloud::Azure) {
            let key = azure_probe_key();
            let mut path = SERVICE_ANNOTATIONS.to_vec();
            path.push(&key);
            self.want(
                &path,
                Val::Str("tcp".to_string()),
                "Azure probes an appProtocol https port over HTTPS and wants 200; the router answers 401",
            );
        }
        if config.cloud == Some(Cloud::Aws) {
            self.note(
                None,
                "the AWS Load Balancer Controller must not see aws-load-balancer-type added to an existing Service",
                "set these values in the upgrade that first makes the router a LoadBalancer (see `spaces-expose guide`)",
            );
        }
        if let Some(class) = &config.lb_class {
            self.note(
                Some(Code::SE111),
                format!("spec.loadBalancerClass {class} (--lb-class): the chart has no value for it"),
                "the post-renderer: `spaces-expose --lb-class CLASS`, on the upgrade that creates the Service (the field is immutable)",
            );
        }
        let goes = if config.admit_cidrs.is_empty() {
            "the post-renderer: `spaces-expose --mode load-balancer --admit-cidr CIDR` adds an ipBlock peer (the chart has no value for it)".to_string()
        } else {
            format!(
                "the post-renderer: `spaces-expose --mode load-balancer --admit-cidr {}` (the chart has no value for it)",
                config.admit_cidrs.join(" --admit-cidr ")
            )
        };
        self.note(
            Some(Code::SE403),
            "the router NetworkPolicy admits only controller and agent pods, so it blocks the load balancer's traffic",
            goes,
        );
    }

    fn labels(&mut self, section: &str, controller: &Controller, config: &Config) {
        let gateway_namespace = config
            .gateway_namespace
            .as_deref()
            .unwrap_or(&config.namespace);
        let (pods, namespaces) = controller.labels(&config.gateway, gateway_namespace);
        for (labels, pairs) in [("podLabels", pods), ("namespaceLabels", namespaces)] {
            for (k, v) in &pairs {
                self.want(
                    &[section, labels, k],
                    Val::Str(v.clone()),
                    format!(
                        "the router NetworkPolicy admits {} (namespace AND pod labels in one peer)",
                        controller.name
                    ),
                );
            }
            for (k, _) in chart_default_labels(section, labels) {
                if !pairs.iter().any(|(key, _)| key == k) {
                    self.want(
                        &[section, labels, k],
                        Val::Null,
                        format!(
                            "Helm merges the chart's default {section}.{labels}: null removes this one, which {} pods lack",
                            controller.name
                        ),
                    );
                }
            }
            self.exact_maps.push(path_of(&[section, labels]));
        }
        if controller.is_cilium() {
            self.note(
                Some(Code::SE404),
                "Cilium's proxy traffic carries the reserved `ingress` identity, which no NetworkPolicy selector matches",
                "the post-renderer: `spaces-expose --controller cilium` adds a CiliumNetworkPolicy admitting fromEntities: [ingress]",
            );
        }
    }

    fn ingress(&mut self, config: &Config) {
        self.want(
            &["ingress", "provision"],
            Val::Bool(true),
            "the chart renders the router's Ingress (not the default since 1.16)",
        );
        let Some(controller) = self.ingress_controller.clone() else {
            self.note(
                Some(Code::SE201),
                "no --controller: the Ingress class and TLS passthrough annotations depend on the controller",
                "run `spaces-expose values --controller NAME`",
            );
            return;
        };
        if let Some(class) = self.ingress_class.clone() {
            let why = if controller.name == "traefik" {
                "Traefik's kubernetesIngressNGINX provider watches class nginx and honours ssl-passthrough".to_string()
            } else {
                format!(
                    "the class {} watches; it passes TLS through",
                    controller.name
                )
            };
            self.want(&["ingress", "ingressClassName"], Val::Str(class), why);
        }
        for &(k, v) in controller.ingress_passthrough() {
            self.want(
                &["ingress", "annotations", k],
                Val::Str(v.to_string()),
                format!("{}: TLS passthrough to spaces-router", controller.name),
            );
        }
        if controller.is_cilium() {
            self.cloud_set_where(
                config,
                INGRESS_ANNOTATIONS,
                "the Ingress (Cilium copies them onto its Service)",
                presets::cilium_copies,
            );
        }
        self.labels("ingress", &controller, config);
        match controller.name.as_str() {
            "ingress-nginx" => {
                self.note(
                    None,
                    "ingress-nginx needs --enable-ssl-passthrough, and the cloud's Layer-4 set belongs on its Service",
                    "ingress-nginx chart values: `controller.extraArgs.enable-ssl-passthrough: true`, `controller.service.annotations`",
                );
                self.note(
                    None,
                    "ingress-nginx is retired (March 2026, no security fixes)",
                    "`spaces-expose guide --migrate`: a LoadBalancer, Gateway API, or another passthrough controller",
                );
            }
            "traefik" => self.note(
                None,
                "Traefik must run its kubernetesIngressNGINX provider (3.6.2+), and the cloud's Layer-4 set belongs on its Service",
                "Traefik chart values: `providers.kubernetesIngressNginx.enabled: true`, `service.annotations`",
            ),
            "cilium" => {}
            name => self.note(
                None,
                format!("the cloud's Layer-4 set belongs on {name}'s own Service"),
                format!(
                    "{name}'s chart values, or its release through `spaces-expose --service=<its Service>`"
                ),
            ),
        }
    }

    fn gateway(&mut self, config: &Config) {
        self.want(
            &["gatewayAPI", "gateway", "provision"],
            Val::Bool(true),
            "the chart renders the Gateway, with a TLS listener in Passthrough mode",
        );
        self.want(
            &["gatewayAPI", "spacesRouterRoute", "provision"],
            Val::Bool(true),
            "the chart renders the TLSRoute from that listener to spaces-router",
        );
        self.want(
            &["gatewayAPI", "gateway", "name"],
            Val::Str(config.gateway.clone()),
            "the Gateway the route attaches to (--gateway)",
        );
        if let Some(namespace) = &config.gateway_namespace {
            self.want(
                &["gatewayAPI", "gateway", "namespace"],
                Val::Str(namespace.clone()),
                "the Gateway lives in that namespace (--gateway NAMESPACE/NAME): a shared Gateway",
            );
        }
        if let Some(controller) = self.gateway_controller.clone() {
            self.labels("gatewayAPI", &controller, config);
            if config.cloud.is_some_and(|c| c != Cloud::None) {
                let goes = if controller.name.starts_with("envoy-gateway") {
                    "Envoy Gateway's EnvoyProxy resource: `spec.provider.kubernetes.envoyService.annotations`"
                        .to_string()
                } else {
                    "the post-renderer: `spaces-expose --mode gateway` writes the Gateway's `spec.infrastructure.annotations`"
                        .to_string()
                };
                self.note(
                    Some(Code::SE305),
                    "the cloud's Layer-4 set belongs on the Service the Gateway controller creates",
                    goes,
                );
            }
        } else {
            self.note(
                Some(Code::SE401),
                "no --controller: the NetworkPolicy labels depend on the Gateway controller",
                "run `spaces-expose values --controller NAME`",
            );
        }
    }

    /// The wants under a path prefix.
    pub fn under<'p>(&'p self, prefix: &'p [&str]) -> impl Iterator<Item = &'p Want> + 'p {
        self.wants.iter().filter(move |w| {
            w.path.len() > prefix.len() && w.path.iter().zip(prefix).all(|(a, b)| a == b)
        })
    }
}

/// `service.beta.kubernetes.io/port_8443_health-probe_protocol`.
pub fn azure_probe_key() -> String {
    format!("service.beta.kubernetes.io/port_{ROUTER_PORT}_health-probe_protocol")
}

fn layer4_reason(key: &str) -> &'static str {
    if key == presets::AWS_TYPE_KEY {
        "the AWS Load Balancer Controller builds an NLB"
    } else if key == presets::AWS_SCHEME_KEY {
        "its default scheme is internal"
    } else if key == presets::AWS_TARGET_KEY {
        "the NLB targets pod IPs (or NodePorts with instance)"
    } else if key.ends_with("-internal") || key.ends_with("load-balancer-type") {
        "an internal passthrough load balancer"
    } else {
        "a passthrough Network Load Balancer"
    }
}

// ------------------------------------------------------------------ printing

/// A nested view of the wants, in the order they were first given.
enum Node {
    Leaf(Val, String),
    Map(Vec<(String, Node)>),
}

fn insert(map: &mut Vec<(String, Node)>, path: &[String], value: &Val, why: &str) {
    let (first, rest) = path.split_first().expect("a non-empty path");
    let pos = match map.iter().position(|(k, _)| k == first) {
        Some(pos) => pos,
        None => {
            let node = if rest.is_empty() {
                Node::Leaf(value.clone(), why.to_string())
            } else {
                Node::Map(Vec::new())
            };
            map.push((first.clone(), node));
            map.len() - 1
        }
    };
    match &mut map[pos].1 {
        Node::Map(inner) if !rest.is_empty() => insert(inner, rest, value, why),
        leaf => *leaf = Node::Leaf(value.clone(), why.to_string()),
    }
}

fn print_map(out: &mut String, map: &[(String, Node)], indent: usize) {
    let pad = " ".repeat(indent);
    for (key, node) in map {
        match node {
            Node::Leaf(value, why) => {
                let _ = writeln!(out, "{pad}# {why}");
                let _ = writeln!(out, "{pad}{}: {}", yw::key(key), value.yaml());
            }
            Node::Map(inner) => {
                let _ = writeln!(out, "{pad}{}:", yw::key(key));
                print_map(out, inner, indent + 2);
            }
        }
    }
}

/// The command line that asks for this plan, for the header.
fn options_line(config: &Config, host: Option<&str>) -> String {
    let mut parts = Vec::new();
    if let Some(cloud) = config.cloud {
        parts.push(format!("--cloud {}", cloud.name()));
    }
    parts.push(format!("--mode {}", config.mode.name()));
    if !config.controllers.is_empty() {
        let names: Vec<&str> = config.controllers.iter().map(|c| c.name.as_str()).collect();
        parts.push(format!("--controller {}", names.join(",")));
    }
    parts.push(format!("--scheme {}", config.scheme.name()));
    if let Some(host) = host {
        parts.push(format!("--host {host}"));
    }
    parts.join(" ")
}

/// The notes as YAML comments, so that the file stays one valid values file.
pub fn notes_text(plan: &Plan) -> String {
    let mut out = String::new();
    if plan.elsewhere.is_empty() {
        return out;
    }
    out.push_str("\n# What these values cannot express, and where it goes instead:\n");
    for e in &plan.elsewhere {
        let code = e.code.map(|c| format!(" [{c}]")).unwrap_or_default();
        let _ = writeln!(out, "# - {}{code}", e.what);
        let _ = writeln!(out, "#   -> {}", e.goes);
    }
    out
}

/// `spaces-expose values`: the plan as a values file.
pub fn print(config: &Config, host: Option<&str>) -> String {
    let plan = Plan::new(config, host, None);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Spaces (1.16+) values from `spaces-expose values {}`.",
        options_line(config, host)
    );
    out.push_str("# Pass them with `helm upgrade -f`; each key says why it has its value.\n");
    out.push_str(&body(&plan));
    out.push_str(&notes_text(&plan));
    out
}

fn body(plan: &Plan) -> String {
    let mut tree = Vec::new();
    for want in &plan.wants {
        insert(&mut tree, &want.path, &want.value, &want.why);
    }
    let mut out = String::new();
    print_map(&mut out, &tree, 0);
    out
}

// ------------------------------------------------------------------- editing

/// A position in a values file (one document, no object).
pub fn location(file: &str, line: usize, column: usize) -> Location {
    Location {
        file: file.to_string(),
        document: 1,
        template: None,
        object: None,
        line,
        column,
    }
}

/// A values file read for linting or editing.
pub struct ValuesFile<'a> {
    pub file: String,
    pub tree: Tree<'a>,
}

impl<'a> ValuesFile<'a> {
    pub fn parse(text: &'a str, file: &str) -> Result<ValuesFile<'a>> {
        let tree = Tree::parse(text).map_err(|e| {
            Error::input(
                location(file, e.line, e.column),
                format!("not a valid YAML values file: {}", e.message),
                None,
            )
        })?;
        Ok(ValuesFile {
            file: file.to_string(),
            tree,
        })
    }
}

/// Whether a file reads as a Spaces values file rather than Kubernetes manifests: one
/// mapping without `apiVersion` or `kind` that has one of the exposure sections.
pub fn looks_like_values(text: &str) -> bool {
    let body = text.trim_start_matches('\u{feff}');
    if body
        .lines()
        .any(|l| l.trim_end() == "---" || l.starts_with("--- "))
    {
        return false;
    }
    let Ok(tree) = Tree::parse(body) else {
        return false;
    };
    let Some(root) = tree.root.filter(|&r| tree.is_map(r)) else {
        return false;
    };
    tree.get(root, "apiVersion").is_none()
        && tree.get(root, "kind").is_none()
        && ["router", "ingress", "gatewayAPI", "externalTLS"]
            .iter()
            .any(|k| tree.get(root, k).is_some())
}

/// What `values --values FILE` did to one file.
#[derive(Debug)]
pub struct Edited {
    pub file: String,
    pub old: String,
    pub new: String,
    /// The findings the edit fixes, and those it cannot (warnings).
    pub findings: Vec<Finding>,
    pub plan: Plan,
}

impl Edited {
    pub fn changed(&self) -> bool {
        self.old != self.new
    }

    /// A unified diff of the change (empty when nothing changes).
    pub fn diff(&self, color: bool) -> String {
        if !self.changed() {
            return String::new();
        }
        let (bold, red, green, cyan, reset) = if color {
            ("\x1b[1m", "\x1b[31m", "\x1b[32m", "\x1b[36m", "\x1b[0m")
        } else {
            ("", "", "", "", "")
        };
        let name = self.file.trim_start_matches('/');
        let mut out = format!("{bold}--- a/{name}{reset}\n{bold}+++ b/{name}{reset}\n");
        let diff = similar::TextDiff::from_lines(&self.old, &self.new);
        for line in diff.unified_diff().context_radius(3).to_string().lines() {
            let paint = match line.as_bytes().first() {
                Some(b'@') => cyan,
                Some(b'+') => green,
                Some(b'-') => red,
                _ => "",
            };
            let end = if paint.is_empty() { "" } else { reset };
            let _ = writeln!(out, "{paint}{line}{end}");
        }
        out
    }
}

/// Merges the pairs of root upserts into one nested list, so that two fixes adding
/// keys under the same missing section add that section once.
fn merge(into: &mut Vec<(String, Fragment)>, pairs: &[(String, Fragment)]) {
    for (k, v) in pairs {
        match (into.iter_mut().find(|(key, _)| key == k), v) {
            (Some((_, Fragment::Map(existing))), Fragment::Map(inner)) => merge(existing, inner),
            (Some((_, slot)), _) => *slot = v.clone(),
            (None, _) => into.push((k.clone(), v.clone())),
        }
    }
}

/// A root upsert that sets one value at a path.
pub fn set_at(root: NodeId, path: &[String], value: &Val) -> Edit {
    let mut fragment = value.fragment();
    for key in path[1..].iter().rev() {
        fragment = Fragment::Map(vec![(key.clone(), fragment)]);
    }
    Edit::Upsert {
        map: root,
        pairs: vec![(path[0].clone(), fragment)],
    }
}

/// `values --values FILE`: the fixes of the values rules applied to the user's file.
pub fn edit(text: &str, file: &str, config: &Config, host: Option<&str>) -> Result<Edited> {
    let values = ValuesFile::parse(text, file)?;
    let plan = Plan::new(config, host, Some(&values.tree));
    let levels = Levels::default();
    let mut findings = rules::values::lint(&values, config, &levels, &plan);
    let tree = &values.tree;
    let Some(root) = tree
        .root
        .filter(|&r| tree.is_map(r) && !tree.entries(r).is_empty())
    else {
        // Nothing to edit in place (an empty file, or comments only): append the plan.
        let mut new = text.to_string();
        if !new.is_empty() && !new.ends_with('\n') {
            new.push('\n');
        }
        new.push_str(&body(&plan));
        findings.retain(|f| !f.is_fixed_by_render());
        return Ok(Edited {
            file: file.to_string(),
            old: text.to_string(),
            new,
            findings,
            plan,
        });
    };
    let mut upserts = Vec::new();
    let mut removals = Vec::new();
    let host_edit = host.map(|h| {
        set_at(
            root,
            &path_of(&["externalTLS", "host"]),
            &Val::Str(h.to_string()),
        )
    });
    let fixes = findings.iter().filter_map(|f| match &f.remedy {
        Remedy::Fix(fix) => Some(fix.edits.iter()),
        _ => None,
    });
    for edit in fixes.flatten().chain(host_edit.iter()) {
        match edit {
            Edit::Upsert { pairs, .. } => merge(&mut upserts, pairs),
            other => removals.push(other.clone()),
        }
    }
    unasked_public(tree, root, &plan, &removals, file, config)?;
    let mut writer = Writer::new(tree);
    let refuse = |e: yw::Unsupported| {
        let node_line = text[..e.at.min(text.len())].matches('\n').count() + 1;
        Error::input(
            location(file, node_line, 1),
            format!("cannot edit this layout with certainty: {}", e.message),
            Some("write that part of the values file in plain block style".to_string()),
        )
    };
    for removal in &removals {
        match removal {
            Edit::RemoveEntry { map, key } => writer.remove_entry(*map, *key).map_err(refuse)?,
            other => {
                return Err(Error::Usage(format!(
                    "{file}: internal error: a values fix that is not an upsert or a removal: {other:?}"
                )));
            }
        }
    }
    if !upserts.is_empty() {
        writer.upsert(root, &upserts).map_err(refuse)?;
    }
    let edited = if writer.is_empty() {
        text.to_string()
    } else {
        writer.apply().map_err(|e| {
            Error::Usage(format!("{file}: internal error: overlapping edits: {e:?}"))
        })?
    };
    let new = retype(&edited, &plan);
    Ok(Edited {
        file: file.to_string(),
        old: text.to_string(),
        new,
        findings,
        plan,
    })
}

/// As SE116 for manifests: without `--scheme`, values does not turn a load balancer the
/// file makes internal into an internet-facing one (a key of the internal set that the
/// plan would change or remove).
fn unasked_public(
    tree: &Tree,
    root: NodeId,
    plan: &Plan,
    removals: &[Edit],
    file: &str,
    config: &Config,
) -> Result<()> {
    let Some(cloud) = config.cloud else {
        return Ok(());
    };
    if config.scheme_given || config.scheme != crate::presets::Scheme::InternetFacing {
        return Ok(());
    }
    let changed = plan.wants.iter().filter_map(|want| {
        let Val::Str(wanted) = &want.value else {
            return None;
        };
        let keys: Vec<&str> = want.path.iter().map(String::as_str).collect();
        let node = tree.path(root, &keys)?;
        let have = tree.string(node);
        (have != Some(wanted.as_str())).then_some((node, keys.last().copied()?, have))
    });
    let removed = removals.iter().filter_map(|edit| match edit {
        Edit::RemoveEntry { map, key } => {
            let name = tree.scalar(*key)?;
            let value = tree.get(*map, name).and_then(|v| tree.string(v));
            Some((*key, name, value))
        }
        _ => None,
    });
    for (node, key, have) in changed.chain(removed) {
        if presets::makes_internal(cloud, key, have) {
            let n = tree.node(node);
            return Err(Error::input(
                location(file, n.line, n.col + 1),
                format!(
                    "{key} makes the load balancer internal, and --scheme was not given: the internet-facing default would make it public [SE116]"
                ),
                Some(
                    "pass --scheme internal to keep it internal, or --scheme internet-facing to make it public".to_string(),
                ),
            ));
        }
    }
    Ok(())
}

/// The boolean switches of the chart.
pub const BOOLEAN_KEYS: &[&[&str]] = &[
    &["ingress", "provision"],
    &["gatewayAPI", "gateway", "provision"],
    &["gatewayAPI", "spacesRouterRoute", "provision"],
];

/// The boolean switches a file gives as quoted strings: path, node and the word.
pub fn quoted_booleans<'t>(tree: &'t Tree) -> Vec<(Vec<&'static str>, NodeId, &'t str)> {
    let Some(root) = tree.root else {
        return Vec::new();
    };
    BOOLEAN_KEYS
        .iter()
        .filter_map(|path| {
            let node = tree.path(root, path)?;
            let value = tree
                .scalar(node)
                .filter(|v| matches!(*v, "true" | "false"))?;
            tree.text(node)
                .starts_with(['"', '\''])
                .then(|| (path.to_vec(), node, value))
        })
        .collect()
}

/// The writer quotes every value it writes; the plan's booleans and nulls must be
/// plain scalars (Helm reads `"false"` as a true condition, and only a null removes a
/// default). Rewrites the quoted `"true"`, `"false"` or `"null"` at those paths, and
/// every quoted boolean switch (SE614).
fn retype(text: &str, plan: &Plan) -> String {
    let Ok(tree) = Tree::parse(text) else {
        return text.to_string();
    };
    let Some(root) = tree.root else {
        return text.to_string();
    };
    let mut edits = Edits::new();
    for want in &plan.wants {
        if matches!(want.value, Val::Str(_)) {
            continue;
        }
        let keys: Vec<&str> = want.path.iter().map(String::as_str).collect();
        let Some(node) = tree.path(root, &keys) else {
            continue;
        };
        let literal = want.value.yaml();
        let quoted = tree.text(node).starts_with(['"', '\'']);
        if quoted && tree.scalar(node) == Some(literal.as_str()) {
            edits.replace(tree.span(node), literal);
        }
    }
    for (path, node, value) in quoted_booleans(&tree) {
        let planned = plan.wants.iter().any(|w| w.path == path_of(&path));
        if !planned {
            edits.replace(tree.span(node), value.to_string());
        }
    }
    edits.apply(text).unwrap_or_else(|_| text.to_string())
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, then a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    // Through a symbolic link, the file it names is the one to replace.
    let resolved = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let path = resolved.as_path();
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.spaces-expose.{}", std::process::id()));
    let result = std::fs::write(&tmp, bytes)
        .and_then(|()| {
            if let Ok(meta) = std::fs::metadata(path) {
                std::fs::set_permissions(&tmp, meta.permissions())?;
            }
            Ok(())
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(format!("cannot write {}", path.display()), e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_files_are_told_from_manifests() {
        assert!(looks_like_values("ingress:\n  provision: true\n"));
        assert!(looks_like_values("# c\nexternalTLS:\n  host: a\n"));
        assert!(!looks_like_values(
            "apiVersion: v1\nkind: Service\nrouter: {}\n"
        ));
        assert!(!looks_like_values("---\ningress: {}\n---\nkind: A\n"));
        assert!(!looks_like_values("controlPlanes: {}\n"));
        assert!(!looks_like_values("- a\n"));
    }

    #[test]
    fn upserts_under_one_missing_section_merge() {
        let root = 0;
        let a = set_at(
            root,
            &path_of(&["router", "proxy", "type"]),
            &Val::Bool(true),
        );
        let b = set_at(root, &path_of(&["router", "proxy", "x"]), &Val::Null);
        let mut merged = Vec::new();
        for edit in [a, b] {
            let Edit::Upsert { pairs, .. } = edit else {
                unreachable!()
            };
            merge(&mut merged, &pairs);
        }
        let inner = Fragment::Map(vec![
            ("type".to_string(), Fragment::str("true")),
            ("x".to_string(), Fragment::str("null")),
        ]);
        let expected = vec![(
            "router".to_string(),
            Fragment::Map(vec![("proxy".to_string(), inner)]),
        )];
        assert_eq!(merged, expected);
    }

    #[test]
    fn quoted_switches_become_plain_booleans() {
        let text = "ingress:\n  provision: \"false\"  # off\ngatewayAPI:\n  gateway:\n    provision: true\n";
        let tree = Tree::parse(text).unwrap();
        let found: Vec<_> = quoted_booleans(&tree)
            .into_iter()
            .map(|(p, _, v)| (p.join("."), v))
            .collect();
        assert_eq!(found, vec![("ingress.provision".to_string(), "false")]);
        let plain = retype(text, &Plan::default());
        assert_eq!(
            plain,
            "ingress:\n  provision: false  # off\ngatewayAPI:\n  gateway:\n    provision: true\n"
        );
    }
}
