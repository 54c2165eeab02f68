//! Flags, environment, config file and Helm values, resolved once into a [`Config`]
//! that the rest of the program trusts.
//!
//! Precedence: flags > environment (both through clap) > config file > what the
//! `--values` files imply > built-in defaults.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use clap::ValueEnum;

use crate::cli::RenderArgs;
use crate::error::{Error, Result};
use crate::presets::{self, Cloud, ControllerPreset, LabelValue, Scheme, TargetType};
use crate::rules::registry::{self, Code, RULES};

/// A Service the options name, `[NAMESPACE/]NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRef {
    pub namespace: Option<String>,
    pub name: String,
}

impl ServiceRef {
    pub fn matches(&self, namespace: &str, name: &str) -> bool {
        self.name == name && self.namespace.as_deref().is_none_or(|ns| ns == namespace)
    }
}

impl std::fmt::Display for ServiceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{ns}/{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// A controller chosen with `--controller`: a preset, or `custom` with its labels.
#[derive(Debug, Clone)]
pub struct Controller {
    pub name: String,
    pub preset: Option<&'static ControllerPreset>,
    pub pod_labels: Vec<(String, String)>,
    pub namespace_labels: Vec<(String, String)>,
}

impl Controller {
    pub fn gateway_only(&self) -> bool {
        self.preset.is_some_and(ControllerPreset::gateway_only)
    }

    pub fn ingress_passthrough(&self) -> &'static [(&'static str, &'static str)] {
        self.preset.map_or(&[], |p| p.ingress_passthrough)
    }

    pub fn is_cilium(&self) -> bool {
        self.preset.is_some_and(|p| p.cilium_policy)
    }

    /// Pod and namespace labels with the Gateway placeholders filled in.
    pub fn labels(&self, gateway: &str, gateway_namespace: &str) -> (Labels, Labels) {
        let fill = |pairs: &[(&str, LabelValue)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|&(k, v)| (k.to_string(), v.fill(gateway, gateway_namespace)))
                .collect()
        };
        match self.preset {
            Some(p) => (fill(p.pod_labels), fill(p.namespace_labels)),
            None => (self.pod_labels.clone(), self.namespace_labels.clone()),
        }
    }
}

/// Label pairs, in order.
pub type Labels = Vec<(String, String)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Act on whatever the stream contains.
    Auto,
    /// Make the target Services LoadBalancers with the cloud's L4 annotations.
    LoadBalancer,
    /// Switch Ingresses to the router to TLS passthrough.
    Ingress,
    /// Switch the Gateway to TLS passthrough.
    Gateway,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Auto => "auto",
            Mode::LoadBalancer => "load-balancer",
            Mode::Ingress => "ingress",
            Mode::Gateway => "gateway",
        }
    }
}

/// Rule level overrides (`rules:` in the config, `--rule`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Warn,
    Error,
}

/// The level of every rule after `rules:` in the config and `--rule` flags. Render and
/// check read the same levels: a rule that is `off` is neither reported nor fixed.
#[derive(Debug, Clone)]
pub struct Levels(Vec<Level>);

impl Default for Levels {
    fn default() -> Self {
        Levels(RULES.iter().map(|r| r.level).collect())
    }
}

impl Levels {
    /// The config file's `rules:` (each key a code or a name; an unknown one is a
    /// usage error).
    pub fn from_config(rules: &BTreeMap<String, Level>) -> Result<Levels> {
        let mut levels = Levels::default();
        for (code, level) in rules {
            levels.set(code, *level, "rules: in the config file")?;
        }
        Ok(levels)
    }

    /// Applies `--rule CODE=LEVEL` flags over these levels.
    pub fn with_flags(mut self, flags: &[String]) -> Result<Levels> {
        for flag in flags {
            let Some((code, level)) = flag.split_once('=') else {
                return Err(Error::Usage(format!(
                    "--rule expects CODE=off|warn|error, got {flag:?}"
                )));
            };
            let level = match level.trim() {
                "off" => Level::Off,
                "warn" | "warning" => Level::Warn,
                "error" => Level::Error,
                other => {
                    return Err(Error::Usage(format!(
                        "--rule {code}: unknown level {other:?}; choose off, warn or error"
                    )));
                }
            };
            self.set(code.trim(), level, "--rule")?;
        }
        Ok(self)
    }

    fn set(&mut self, code: &str, level: Level, origin: &str) -> Result<()> {
        let rule = registry::find(code).ok_or_else(|| {
            Error::Usage(format!(
                "{origin}: unknown rule {code:?}; `spaces-expose explain` knows {}…{}",
                RULES[0].code,
                RULES[RULES.len() - 1].code
            ))
        })?;
        self.0[rule.code as usize] = level;
        Ok(())
    }

    pub fn get(&self, code: Code) -> Level {
        self.0[code as usize]
    }
}

/// The validated options.
#[derive(Debug, Clone)]
pub struct Config {
    pub cloud: Option<Cloud>,
    pub mode: Mode,
    pub controllers: Vec<Controller>,
    pub scheme: Scheme,
    /// Whether `--scheme` (or `scheme` in the config file) was given: without it, render
    /// does not turn an internal load balancer internet-facing by default (SE116).
    pub scheme_given: bool,
    /// `--aws-target-type`; without it an existing `ip` or `instance` stays.
    pub aws_target_type: Option<TargetType>,
    pub services: Vec<ServiceRef>,
    /// Whether the user named the target Services (`--service`, `services:`).
    pub services_named: bool,
    /// The Gateway's name (`--gateway [NAMESPACE/]NAME`).
    pub gateway: String,
    /// Its namespace when given; otherwise the one the stream shows, or the router's.
    pub gateway_namespace: Option<String>,
    pub namespace: String,
    pub annotations: Vec<(String, String)>,
    pub keep_annotations: Vec<String>,
    /// `--lb-class`: `spec.loadBalancerClass` for target LoadBalancer Services.
    pub lb_class: Option<String>,
    /// `--admit-cidr`: ipBlock sources admitted to the router port.
    pub admit_cidrs: Vec<String>,
    /// `--replace-peer`: labels of an old controller's peer, to be replaced.
    pub replace_peers: Vec<(String, String)>,
    /// The controller labels the `--values` files declare (`podLabels`,
    /// `namespaceLabels`): a peer with them is a controller peer.
    pub values_peer: Option<(Labels, Labels)>,
    pub log_file: Option<PathBuf>,
    pub strict: bool,
    /// Rule levels from the config file's `rules:` (check adds `--rule` on top).
    pub levels: Levels,
    /// `externalTLS.host` (or the Ingress/Gateway host) from `--values`, for `guide`.
    pub host: Option<String>,
    /// `traefik.entryPointPorts` in the config file: the ports of Traefik's entryPoints
    /// (empty: those of the Traefik Helm chart's defaults).
    pub traefik_entry_point_ports: Vec<u16>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            cloud: None,
            mode: Mode::Auto,
            controllers: Vec::new(),
            scheme: Scheme::InternetFacing,
            scheme_given: false,
            aws_target_type: None,
            services_named: false,
            services: vec![ServiceRef {
                namespace: None,
                name: "spaces-router".to_string(),
            }],
            gateway: "spaces".to_string(),
            gateway_namespace: None,
            namespace: "upbound-system".to_string(),
            annotations: Vec::new(),
            keep_annotations: Vec::new(),
            lb_class: None,
            admit_cidrs: Vec::new(),
            replace_peers: Vec::new(),
            values_peer: None,
            log_file: None,
            strict: false,
            levels: Levels::default(),
            host: None,
            traefik_entry_point_ports: Vec::new(),
        }
    }
}

/// The config file (`--config`): the same keys as the flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfigFile {
    pub cloud: Option<Cloud>,
    pub mode: Option<Mode>,
    pub controllers: Option<Vec<String>>,
    pub pod_labels: Option<BTreeMap<String, String>>,
    pub namespace_labels: Option<BTreeMap<String, String>>,
    pub scheme: Option<Scheme>,
    pub aws: Option<AwsConfig>,
    pub traefik: Option<TraefikConfig>,
    pub services: Option<Vec<String>>,
    pub gateway: Option<String>,
    pub namespace: Option<String>,
    pub annotations: Option<BTreeMap<String, String>>,
    pub keep_annotations: Option<Vec<String>>,
    pub load_balancer_class: Option<String>,
    pub admit_cidrs: Option<Vec<String>>,
    pub replace_peers: Option<BTreeMap<String, String>>,
    pub log_file: Option<PathBuf>,
    pub strict: Option<bool>,
    pub rules: Option<BTreeMap<String, Level>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AwsConfig {
    pub target_type: Option<TargetType>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TraefikConfig {
    /// The ports Traefik's entryPoints listen on (its `--entryPoints.<name>.address`).
    pub entry_point_ports: Option<Vec<u16>>,
}

/// What the Spaces Helm values files say about exposure (other keys are ignored).
#[derive(Debug, Default, Clone)]
pub struct ValuesHints {
    pub mode: Option<Mode>,
    pub gateway: Option<String>,
    pub gateway_namespace: Option<String>,
    pub pod_labels: Vec<(String, String)>,
    pub namespace_labels: Vec<(String, String)>,
    pub host: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Values {
    #[serde(rename = "externalTLS", deserialize_with = "null_as_default")]
    external_tls: ValuesExternalTls,
    #[serde(deserialize_with = "null_as_default")]
    router: ValuesRouter,
    #[serde(deserialize_with = "null_as_default")]
    ingress: ValuesIngress,
    #[serde(rename = "gatewayAPI", deserialize_with = "null_as_default")]
    gateway_api: ValuesGatewayApi,
}

/// A section whose keys are all commented out is null: Helm reads it as empty.
fn null_as_default<'de, D, T>(deserializer: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ValuesExternalTls {
    host: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ValuesRouter {
    #[serde(deserialize_with = "null_as_default")]
    proxy: ValuesProxy,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ValuesProxy {
    #[serde(deserialize_with = "null_as_default")]
    service: ValuesService,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ValuesService {
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ValuesIngress {
    provision: Option<Truthy>,
    host: Option<String>,
    // A null label removes a chart default (Helm's merge); it names no label.
    pod_labels: Option<BTreeMap<String, Option<String>>>,
    namespace_labels: Option<BTreeMap<String, Option<String>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ValuesGatewayApi {
    host: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    gateway: ValuesGateway,
    #[serde(deserialize_with = "null_as_default")]
    spaces_router_route: ValuesRoute,
    // A null label removes a chart default (Helm's merge); it names no label.
    pod_labels: Option<BTreeMap<String, Option<String>>>,
    namespace_labels: Option<BTreeMap<String, Option<String>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ValuesGateway {
    provision: Option<Truthy>,
    name: Option<String>,
    /// Spaces 1.16: the Gateway may live in another namespace (a shared Gateway).
    namespace: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ValuesRoute {
    provision: Option<Truthy>,
}

fn read_file(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))
}

/// Turns a serde-saphyr error into one that names the file, line and column.
fn yaml_error(path: &Path, err: &serde_saphyr::Error) -> Error {
    let (line, column) = err
        .location()
        .map_or((1, 1), |l| (l.line() as usize, l.column() as usize));
    let text = err.to_string();
    // Keep the first line (the rest is a source snippet), without the position it
    // repeats: `error: line 2 column 1: unknown field ...`.
    let first = text.lines().next().unwrap_or("invalid YAML");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let message = match first
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
    {
        Some((position, rest)) if position.contains("column") => rest,
        _ => first,
    }
    .to_string();
    Error::Config {
        path: path.to_path_buf(),
        line,
        column,
        message,
    }
}

/// The config file's text, to point at the key behind a value that parsed but is wrong
/// (an unknown controller, a malformed `services:` entry).
struct ConfigText {
    path: PathBuf,
    text: String,
}

impl ConfigText {
    /// `error` as a config error at `keys` (and item `item` of that sequence).
    fn at(&self, keys: &[&str], item: Option<usize>, error: Error) -> Error {
        let message = match error {
            Error::Usage(message) => message,
            other => return other,
        };
        let (line, column) = locate(&self.text, keys, item).unwrap_or((1, 1));
        Error::Config {
            path: self.path.clone(),
            line,
            column,
            message,
        }
    }
}

/// Line and column (1-based) of the value at `keys` in a YAML text.
fn locate(text: &str, keys: &[&str], item: Option<usize>) -> Option<(usize, usize)> {
    let tree = crate::yaml::Tree::parse(text).ok()?;
    let mut node = tree.path(tree.root?, keys)?;
    if let Some(i) = item {
        node = *tree.items(node).get(i)?;
    }
    let n = tree.node(node);
    Some((n.line, n.col + 1))
}

pub fn load_config_file(path: &Path) -> Result<ConfigFile> {
    let text = read_file(path)?;
    if text.trim().is_empty() {
        return Ok(ConfigFile::default());
    }
    serde_saphyr::from_str(&text).map_err(|e| yaml_error(path, &e))
}

/// The config file's `logFile` alone, read leniently: an error elsewhere in the file
/// still reaches the log file it names.
pub fn config_log_file(path: &Path) -> Option<PathBuf> {
    #[derive(serde::Deserialize)]
    struct LogFileOnly {
        #[serde(rename = "logFile")]
        log_file: Option<PathBuf>,
    }
    let text = std::fs::read_to_string(path).ok()?;
    serde_saphyr::from_str::<LogFileOnly>(&text).ok()?.log_file
}

/// Reads the values files; later files win, as with `helm -f`.
pub fn load_values(paths: &[PathBuf]) -> Result<ValuesHints> {
    let mut hints = ValuesHints::default();
    let mut service_type = None;
    let mut ingress = None;
    let mut gateway = None;
    let mut route = None;
    let (mut ingress_pods, mut ingress_ns, mut gw_pods, mut gw_ns) = (None, None, None, None);
    for path in paths {
        let text = read_file(path)?;
        if text.trim().is_empty() {
            continue;
        }
        // Helm keeps the last of a repeated key.
        let options = serde_saphyr::options! {
            duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::LastWins,
        };
        let values: Values = serde_saphyr::from_str_with_options(&text, options)
            .map_err(|e| yaml_error(path, &e))?;
        take(&mut service_type, values.router.proxy.service.kind);
        take(&mut ingress, values.ingress.provision.map(|p| p.is_true()));
        take(
            &mut gateway,
            values.gateway_api.gateway.provision.map(|p| p.is_true()),
        );
        take(
            &mut route,
            values
                .gateway_api
                .spaces_router_route
                .provision
                .map(|p| p.is_true()),
        );
        take(&mut hints.gateway, values.gateway_api.gateway.name);
        take(
            &mut hints.gateway_namespace,
            values.gateway_api.gateway.namespace,
        );
        take(&mut hints.host, values.external_tls.host);
        if hints.host.is_none() {
            take(
                &mut hints.host,
                values.ingress.host.or(values.gateway_api.host),
            );
        }
        merge(&mut ingress_pods, values.ingress.pod_labels);
        merge(&mut ingress_ns, values.ingress.namespace_labels);
        merge(&mut gw_pods, values.gateway_api.pod_labels);
        merge(&mut gw_ns, values.gateway_api.namespace_labels);
    }
    let mut modes = Vec::new();
    if service_type.as_deref() == Some("LoadBalancer") {
        modes.push(Mode::LoadBalancer);
    }
    if ingress == Some(true) {
        modes.push(Mode::Ingress);
    }
    if gateway == Some(true) || route == Some(true) {
        modes.push(Mode::Gateway);
    }
    hints.mode = match modes.as_slice() {
        [] => None,
        [one] => Some(*one),
        _ => Some(Mode::Auto),
    };
    // The Gateway's labels when it is provisioned, else the Ingress controller's.
    let (pods, ns) = if gateway == Some(true) && (gw_pods.is_some() || gw_ns.is_some()) {
        (gw_pods, gw_ns)
    } else {
        (ingress_pods, ingress_ns)
    };
    let set = |labels: Option<BTreeMap<String, Option<String>>>| {
        labels
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| Some((k, v?)))
            .collect()
    };
    hints.pod_labels = set(pods);
    hints.namespace_labels = set(ns);
    Ok(hints)
}

/// A values scalar as a chart's `{{ if }}` reads it: `false`, `0`, `""` and null are
/// false, anything else (the string `"false"` too) is true.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Truthy {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl Truthy {
    fn is_true(&self) -> bool {
        match self {
            Truthy::Bool(b) => *b,
            Truthy::Int(n) => *n != 0,
            Truthy::Float(f) => *f != 0.0,
            Truthy::Str(s) => !s.is_empty(),
        }
    }
}

/// Label maps merge across values files, key by key, as Helm merges maps (a null value
/// removes a key).
fn merge<V>(slot: &mut Option<BTreeMap<String, V>>, value: Option<BTreeMap<String, V>>) {
    if let Some(value) = value {
        slot.get_or_insert_with(BTreeMap::new).extend(value);
    }
}

/// Later values files win, key by key.
fn take<T>(slot: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *slot = value;
    }
}

/// `K=V` from the command line.
fn key_value(flag: &str, raw: &str) -> Result<(String, String)> {
    match raw.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(Error::Usage(format!(
            "{flag} expects KEY=VALUE, got {raw:?}"
        ))),
    }
}

fn key_values(flag: &str, raw: &[String]) -> Result<Vec<(String, String)>> {
    raw.iter().map(|r| key_value(flag, r)).collect()
}

/// `[NAMESPACE/]NAME`; `origin` names where the user wrote it (`--service`,
/// `services:`).
fn service_ref(raw: &str, origin: &str) -> Result<ServiceRef> {
    let (namespace, name) = match raw.split_once('/') {
        Some((ns, name)) => (Some(ns.to_string()), name),
        None => (None, raw),
    };
    if name.is_empty() || namespace.as_deref() == Some("") || name.contains('/') {
        return Err(Error::Usage(format!(
            "{origin} expects [NAMESPACE/]NAME, got {raw:?}"
        )));
    }
    Ok(ServiceRef {
        namespace,
        name: name.to_string(),
    })
}

/// `ADDRESS/PREFIX`, IPv4 or IPv6, as NetworkPolicy's `ipBlock.cidr` takes it.
fn check_cidr(raw: &str, origin: &str) -> Result<()> {
    let valid = raw.split_once('/').is_some_and(|(address, prefix)| {
        let max = match address.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(_)) => 32,
            Ok(std::net::IpAddr::V6(_)) => 128,
            Err(_) => return false,
        };
        prefix.parse::<u8>().is_ok_and(|p| p <= max) && !prefix.starts_with('+')
    });
    if valid {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "{origin} expects ADDRESS/PREFIX (e.g. 10.0.0.0/16), got {raw:?}"
        )))
    }
}

fn first_non_empty<T: Clone>(layers: [Option<Vec<T>>; 3]) -> Option<Vec<T>> {
    layers.into_iter().flatten().find(|v| !v.is_empty())
}

/// Resolves the options of render, check, diff and guide.
pub fn resolve(args: &RenderArgs) -> Result<Config> {
    let file = match &args.config {
        Some(path) => load_config_file(path)?,
        None => ConfigFile::default(),
    };
    // Errors about the config file's values point at their line.
    let located = args.config.as_ref().map(|path| ConfigText {
        path: path.clone(),
        text: std::fs::read_to_string(path).unwrap_or_default(),
    });
    let in_file = |keys: &[&str], item: Option<usize>, err: Error| match &located {
        Some(text) => text.at(keys, item, err),
        None => err,
    };
    if let Some(rules) = &file.rules {
        for code in rules.keys() {
            if registry::find(code).is_none() {
                return Err(in_file(
                    &["rules", code],
                    None,
                    Error::Usage(format!(
                        "unknown rule {code:?}; `spaces-expose explain` knows {}…{}",
                        RULES[0].code,
                        RULES[RULES.len() - 1].code
                    )),
                ));
            }
        }
    }
    let values = load_values(&args.values)?;
    let defaults = Config::default();

    let map_pairs =
        |m: Option<BTreeMap<String, String>>| m.map(|m| m.into_iter().collect::<Vec<_>>());

    let controller_names = first_non_empty([
        Some(args.controllers.clone()),
        file.controllers.clone(),
        None,
    ])
    .unwrap_or_default();
    let labels_in_file = file.pod_labels.is_some() || file.namespace_labels.is_some();
    let pod_labels = first_non_empty([
        Some(key_values("--pod-label", &args.pod_labels)?),
        map_pairs(file.pod_labels),
        Some(values.pod_labels.clone()),
    ])
    .unwrap_or_default();
    let namespace_labels = first_non_empty([
        Some(key_values("--namespace-label", &args.namespace_labels)?),
        map_pairs(file.namespace_labels),
        Some(values.namespace_labels.clone()),
    ])
    .unwrap_or_default();

    let mut names: Vec<String> = controller_names
        .iter()
        .flat_map(|n| n.split(','))
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    // A values file that names controller labels implies a custom controller.
    if names.is_empty()
        && (!values.pod_labels.is_empty() || !values.namespace_labels.is_empty())
        && !args.values.is_empty()
    {
        names.push("custom".to_string());
    }
    let mut controllers = Vec::new();
    for name in names {
        if controllers.iter().any(|c: &Controller| c.name == name) {
            continue;
        }
        if name == "custom" {
            if pod_labels.is_empty() || namespace_labels.is_empty() {
                // Say where the labels would come from: flags, the config file, or values.
                let from_values = args.pod_labels.is_empty()
                    && args.namespace_labels.is_empty()
                    && !labels_in_file;
                let message = if from_values && !args.values.is_empty() {
                    "the values files give a custom controller's labels, but not both ingress.podLabels and ingress.namespaceLabels (or the gatewayAPI ones): add the missing ones, or name the controller with --controller (an empty selector would admit every pod or namespace)"
                } else {
                    "a custom controller needs both pod and namespace labels (--pod-label and --namespace-label, or podLabels and namespaceLabels in the config file): an empty selector would admit every pod or namespace"
                };
                return Err(Error::Usage(message.to_string()));
            }
            controllers.push(Controller {
                name,
                preset: None,
                pod_labels: pod_labels.clone(),
                namespace_labels: namespace_labels.clone(),
            });
            continue;
        }
        let Some(preset) = presets::controller(&name) else {
            let known: Vec<&str> = presets::CONTROLLERS.iter().map(|c| c.name).collect();
            let err = Error::Usage(format!(
                "unknown controller {name:?}; choose one of: {}, custom",
                known.join(", ")
            ));
            // From the config file when no flag or environment variable named any.
            let item = args
                .controllers
                .is_empty()
                .then(|| {
                    file.controllers
                        .as_ref()?
                        .iter()
                        .position(|c| c.contains(&name))
                })
                .flatten();
            return Err(match item {
                Some(i) => in_file(&["controllers"], Some(i), err),
                None => err,
            });
        };
        controllers.push(Controller {
            name,
            preset: Some(preset),
            pod_labels: Vec::new(),
            namespace_labels: Vec::new(),
        });
    }
    if (!args.pod_labels.is_empty() || !args.namespace_labels.is_empty())
        && !controllers.iter().any(|c| c.preset.is_none())
    {
        return Err(Error::Usage(
            "--pod-label and --namespace-label describe a `--controller custom`; add --controller custom".to_string(),
        ));
    }

    let named = first_non_empty([Some(args.services.clone()), file.services.clone(), None]);
    let services_named = named.is_some();
    let services_from_file = args.services.is_empty();
    let services = match named {
        Some(raw) => raw
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if services_from_file {
                    service_ref(s, "services:").map_err(|e| in_file(&["services"], Some(i), e))
                } else {
                    service_ref(s, "--service")
                }
            })
            .collect::<Result<Vec<_>>>()?,
        None => defaults.services,
    };
    let annotations = first_non_empty([
        Some(key_values("--annotation", &args.annotations)?),
        map_pairs(file.annotations),
        None,
    ])
    .unwrap_or_default();
    // An extra annotation must not be one that render's own rules remove: the output
    // would carry it and every rerun would fight over it.
    let cloud = args.cloud.or(file.cloud);
    for (key, value) in &annotations {
        let layer7 = presets::l7_key(presets::On::Service, key, Some(value)).is_some()
            || (key == presets::AWS_TYPE_KEY && !presets::AWS_L4_TYPES.contains(&value.as_str()));
        let foreign = presets::cloud_of_key(key)
            .filter(|owner| cloud.is_some_and(|c| c != Cloud::None && c != *owner));
        if layer7 || foreign.is_some() {
            let why = match foreign {
                Some(owner) if !layer7 => format!(
                    "a {} key, and --cloud is {}",
                    owner.name(),
                    cloud.map_or("", Cloud::name)
                ),
                _ => "a Layer-7, TLS-termination or PROXY-protocol key, which render strips"
                    .to_string(),
            };
            if args.annotations.is_empty() {
                return Err(in_file(
                    &["annotations", key],
                    None,
                    Error::Usage(format!(
                        "annotations: {key}: {why}; a Layer-4 path cannot carry it"
                    )),
                ));
            }
            return Err(Error::Usage(format!(
                "--annotation {key}={value}: {why}; a Layer-4 path cannot carry it"
            )));
        }
    }
    let keep_annotations = first_non_empty([
        Some(args.keep_annotations.clone()),
        file.keep_annotations,
        None,
    ])
    .unwrap_or_default();

    let admit_cidrs = first_non_empty([Some(args.admit_cidrs.clone()), file.admit_cidrs, None])
        .unwrap_or_default();
    for (i, cidr) in admit_cidrs.iter().enumerate() {
        if args.admit_cidrs.is_empty() {
            check_cidr(cidr, "admitCidrs:").map_err(|e| in_file(&["admitCidrs"], Some(i), e))?;
        } else {
            check_cidr(cidr, "--admit-cidr")?;
        }
    }
    let replace_peers = first_non_empty([
        Some(key_values("--replace-peer", &args.replace_peers)?),
        map_pairs(file.replace_peers),
        None,
    ])
    .unwrap_or_default();
    if replace_peers.iter().any(|(k, _)| k.trim().is_empty()) {
        return Err(in_file(
            &["replacePeers"],
            None,
            Error::Usage("replacePeers: a label key is empty".to_string()),
        ));
    }
    let values_peer = (!values.pod_labels.is_empty() || !values.namespace_labels.is_empty())
        .then(|| (values.pod_labels.clone(), values.namespace_labels.clone()));

    // `--gateway [NAMESPACE/]NAME`, or the values' name and namespace.
    let (gateway, gateway_namespace) = match args.gateway.clone().or(file.gateway) {
        Some(raw) => match raw.split_once('/') {
            Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains('/') => {
                (name.to_string(), Some(ns.to_string()))
            }
            Some(_) if args.gateway.is_none() => {
                return Err(in_file(
                    &["gateway"],
                    None,
                    Error::Usage(format!("gateway: expects [NAMESPACE/]NAME, got {raw:?}")),
                ));
            }
            Some(_) => {
                return Err(Error::Usage(format!(
                    "--gateway expects [NAMESPACE/]NAME, got {raw:?}"
                )));
            }
            None => (raw, values.gateway_namespace.clone()),
        },
        None => (
            values.gateway.clone().unwrap_or(defaults.gateway),
            values.gateway_namespace.clone(),
        ),
    };

    Ok(Config {
        cloud: args.cloud.or(file.cloud),
        mode: args
            .mode
            .or(file.mode)
            .or(values.mode)
            .unwrap_or(defaults.mode),
        controllers,
        scheme: args.scheme.or(file.scheme).unwrap_or(defaults.scheme),
        scheme_given: args.scheme.or(file.scheme).is_some(),
        aws_target_type: args
            .aws_target_type
            .or(file.aws.and_then(|a| a.target_type)),
        services,
        services_named,
        gateway,
        gateway_namespace,
        namespace: args
            .namespace
            .clone()
            .or(file.namespace)
            .unwrap_or(defaults.namespace),
        annotations,
        keep_annotations,
        lb_class: args.lb_class.clone().or(file.load_balancer_class),
        admit_cidrs,
        replace_peers,
        values_peer,
        log_file: args.log_file.clone().or(file.log_file),
        strict: args.strict || file.strict.unwrap_or(false),
        levels: Levels::from_config(&file.rules.unwrap_or_default())?.with_flags(&args.rules)?,
        host: values.host,
        traefik_entry_point_ports: file
            .traefik
            .and_then(|t| t.entry_point_ports)
            .unwrap_or_default(),
    })
}

/// `--cloud` is required for render and diff.
pub fn require_cloud(config: &Config) -> Result<Cloud> {
    config.cloud.ok_or_else(|| {
        Error::Usage(format!(
            "missing --cloud: choose one of {} (or set SPACES_EXPOSE_CLOUD, or `cloud:` in the config file)",
            Cloud::choices()
        ))
    })
}
