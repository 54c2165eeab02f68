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
                .map(|&(k, v)| {
                    let value = match v {
                        LabelValue::Fixed(v) => v.to_string(),
                        LabelValue::GatewayName => gateway.to_string(),
                        LabelValue::GatewayNamespace => gateway_namespace.to_string(),
                    };
                    (k.to_string(), value)
                })
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
    /// `--aws-target-type`; without it an existing `ip` or `instance` stays.
    pub aws_target_type: Option<TargetType>,
    pub services: Vec<ServiceRef>,
    /// Whether the user named the target Services (`--service`, `services:`).
    pub services_named: bool,
    pub gateway: String,
    pub namespace: String,
    pub annotations: Vec<(String, String)>,
    pub keep_annotations: Vec<String>,
    pub log_file: Option<PathBuf>,
    pub strict: bool,
    /// Rule levels from the config file's `rules:` (check adds `--rule` on top).
    pub levels: Levels,
    /// `externalTLS.host` (or the Ingress/Gateway host) from `--values`, for `guide`.
    pub host: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            cloud: None,
            mode: Mode::Auto,
            controllers: Vec::new(),
            scheme: Scheme::InternetFacing,
            aws_target_type: None,
            services_named: false,
            services: vec![ServiceRef {
                namespace: None,
                name: "spaces-router".to_string(),
            }],
            gateway: "spaces".to_string(),
            namespace: "upbound-system".to_string(),
            annotations: Vec::new(),
            keep_annotations: Vec::new(),
            log_file: None,
            strict: false,
            levels: Levels::default(),
            host: None,
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
    pub services: Option<Vec<String>>,
    pub gateway: Option<String>,
    pub namespace: Option<String>,
    pub annotations: Option<BTreeMap<String, String>>,
    pub keep_annotations: Option<Vec<String>>,
    pub log_file: Option<PathBuf>,
    pub strict: Option<bool>,
    pub rules: Option<BTreeMap<String, Level>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AwsConfig {
    pub target_type: Option<TargetType>,
}

/// What the Spaces Helm values files say about exposure (other keys are ignored).
#[derive(Debug, Default, Clone)]
pub struct ValuesHints {
    pub mode: Option<Mode>,
    pub gateway: Option<String>,
    pub pod_labels: Vec<(String, String)>,
    pub namespace_labels: Vec<(String, String)>,
    pub host: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Values {
    #[serde(rename = "externalTLS")]
    external_tls: ValuesExternalTls,
    router: ValuesRouter,
    ingress: ValuesIngress,
    #[serde(rename = "gatewayAPI")]
    gateway_api: ValuesGatewayApi,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ValuesExternalTls {
    host: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ValuesRouter {
    proxy: ValuesProxy,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ValuesProxy {
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
    provision: Option<bool>,
    host: Option<String>,
    // A null label removes a chart default (Helm's merge); it names no label.
    pod_labels: Option<BTreeMap<String, Option<String>>>,
    namespace_labels: Option<BTreeMap<String, Option<String>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ValuesGatewayApi {
    host: Option<String>,
    gateway: ValuesGateway,
    spaces_router_route: ValuesRoute,
    // A null label removes a chart default (Helm's merge); it names no label.
    pod_labels: Option<BTreeMap<String, Option<String>>>,
    namespace_labels: Option<BTreeMap<String, Option<String>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ValuesGateway {
    provision: Option<bool>,
    name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ValuesRoute {
    provision: Option<bool>,
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
    // Keep the first line: the rest is a source snippet that repeats the location.
    let message = text.lines().next().unwrap_or("invalid YAML").to_string();
    Error::Config {
        path: path.to_path_buf(),
        line,
        column,
        message,
    }
}

pub fn load_config_file(path: &Path) -> Result<ConfigFile> {
    let text = read_file(path)?;
    if text.trim().is_empty() {
        return Ok(ConfigFile::default());
    }
    serde_saphyr::from_str(&text).map_err(|e| yaml_error(path, &e))
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
        let values: Values = serde_saphyr::from_str(&text).map_err(|e| yaml_error(path, &e))?;
        take(&mut service_type, values.router.proxy.service.kind);
        take(&mut ingress, values.ingress.provision);
        take(&mut gateway, values.gateway_api.gateway.provision);
        take(&mut route, values.gateway_api.spaces_router_route.provision);
        take(&mut hints.gateway, values.gateway_api.gateway.name);
        take(&mut hints.host, values.external_tls.host);
        if hints.host.is_none() {
            take(
                &mut hints.host,
                values.ingress.host.or(values.gateway_api.host),
            );
        }
        take(&mut ingress_pods, values.ingress.pod_labels);
        take(&mut ingress_ns, values.ingress.namespace_labels);
        take(&mut gw_pods, values.gateway_api.pod_labels);
        take(&mut gw_ns, values.gateway_api.namespace_labels);
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

fn service_ref(raw: &str) -> Result<ServiceRef> {
    let (namespace, name) = match raw.split_once('/') {
        Some((ns, name)) => (Some(ns.to_string()), name),
        None => (None, raw),
    };
    if name.is_empty() || namespace.as_deref() == Some("") || name.contains('/') {
        return Err(Error::Usage(format!(
            "--service expects [NAMESPACE/]NAME, got {raw:?}"
        )));
    }
    Ok(ServiceRef {
        namespace,
        name: name.to_string(),
    })
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
                return Err(Error::Usage(
                    "--controller custom needs both --pod-label and --namespace-label (an empty selector would admit every pod or namespace)"
                        .to_string(),
                ));
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
            return Err(Error::Usage(format!(
                "unknown controller {name:?}; choose one of: {}, custom",
                known.join(", ")
            )));
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
    let services = match named {
        Some(raw) => raw
            .iter()
            .map(|s| service_ref(s))
            .collect::<Result<Vec<_>>>()?,
        None => defaults.services,
    };
    let annotations = first_non_empty([
        Some(key_values("--annotation", &args.annotations)?),
        map_pairs(file.annotations),
        None,
    ])
    .unwrap_or_default();
    let keep_annotations = first_non_empty([
        Some(args.keep_annotations.clone()),
        file.keep_annotations,
        None,
    ])
    .unwrap_or_default();

    Ok(Config {
        cloud: args.cloud.or(file.cloud),
        mode: args
            .mode
            .or(file.mode)
            .or(values.mode)
            .unwrap_or(defaults.mode),
        controllers,
        scheme: args.scheme.or(file.scheme).unwrap_or(defaults.scheme),
        aws_target_type: args
            .aws_target_type
            .or(file.aws.and_then(|a| a.target_type)),
        services,
        services_named,
        gateway: args
            .gateway
            .clone()
            .or(file.gateway)
            .or(values.gateway)
            .unwrap_or(defaults.gateway),
        namespace: args
            .namespace
            .clone()
            .or(file.namespace)
            .unwrap_or(defaults.namespace),
        annotations,
        keep_annotations,
        log_file: args.log_file.clone().or(file.log_file),
        strict: args.strict || file.strict.unwrap_or(false),
        levels: Levels::from_config(&file.rules.unwrap_or_default())?,
        host: values.host,
    })
}

/// `--cloud` is required for render and diff.
pub fn require_cloud(config: &Config) -> Result<Cloud> {
    config.cloud.ok_or_else(|| {
        Error::Usage(
            "missing --cloud: choose one of aws, gcp, azure, none (or set SPACES_EXPOSE_CLOUD, or `cloud:` in the config file)"
                .to_string(),
        )
    })
}
