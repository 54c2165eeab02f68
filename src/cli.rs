//! What the user typed: the clap command line. Validated into a
//! [`Config`](crate::config::Config) before anything else runs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::Mode;
use crate::presets::{Cloud, Scheme, TargetType};

#[derive(Debug, Parser)]
#[command(
    name = "spaces-expose",
    version,
    about = "Expose Upbound Spaces over a Layer-4 path: a Helm post-renderer (stdin to stdout) and a linter",
    long_about = None,
    args_conflicts_with_subcommands = true,
    after_help = "Exit codes: 0 success, 1 findings at error level (check) or warnings with --strict, 2 anything else."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub render: RenderArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint rendered manifests (files, or stdin when none is given); never modifies them.
    Check(CheckArgs),
    /// Show, as a unified diff, what render would change.
    Diff(DiffArgs),
    /// List the clouds' load-balancer annotations and the controller presets.
    Presets {
        #[arg(long, value_enum, default_value_t = TableFormat::Text)]
        format: TableFormat,
    },
    /// Print the documentation of one lint rule (e.g. SE101).
    Explain {
        #[arg(value_parser = Suggest::codes())]
        code: String,
    },
    /// Print the steps after `helm upgrade` for the chosen cloud and mode (--migrate: the
    /// way off ingress-nginx).
    Guide(GuideArgs),
    /// Print shell completions.
    Completions { shell: clap_complete::Shell },
    /// Print Spaces (1.16+) values that expose the router without a post-renderer, or
    /// edit a values file (--values FILE) to do so.
    Values(ValuesArgs),
    /// Print render's edits as kustomize patches (a Flux HelmRelease's postRenderers, or a kustomization).
    Export(ExportArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
    Github,
    Sarif,
}

/// Options shared by render, check, diff and guide. No defaults here: a value the
/// user did not give falls back to the config file, then to what `--values` implies,
/// then to the built-in default (see config.rs).
#[derive(Debug, Clone, Default, Args)]
pub struct RenderArgs {
    /// Cloud whose Layer-4 load-balancer annotations to apply.
    #[arg(long, value_enum, env = "SPACES_EXPOSE_CLOUD")]
    pub cloud: Option<Cloud>,

    /// Which exposure path to act on [default: auto].
    #[arg(long, value_enum, env = "SPACES_EXPOSE_MODE")]
    pub mode: Option<Mode>,

    /// Ingress or Gateway controller(s) in front of the router (repeatable, or a comma list).
    #[arg(
        long = "controller",
        value_delimiter = ',',
        env = "SPACES_EXPOSE_CONTROLLER",
        value_parser = Suggest::controllers(),
        hide_possible_values = true
    )]
    pub controllers: Vec<String>,

    /// Pod label K=V of a `custom` controller's data plane (repeatable).
    #[arg(long = "pod-label", value_name = "K=V")]
    pub pod_labels: Vec<String>,

    /// Namespace label K=V of a `custom` controller (repeatable).
    #[arg(long = "namespace-label", value_name = "K=V")]
    pub namespace_labels: Vec<String>,

    /// Load-balancer scheme [default: internet-facing].
    #[arg(long, value_enum, env = "SPACES_EXPOSE_SCHEME")]
    pub scheme: Option<Scheme>,

    /// AWS NLB target type [default: ip].
    #[arg(long, value_enum)]
    pub aws_target_type: Option<TargetType>,

    /// Service that gets the L4 treatment, [NAMESPACE/]NAME (repeatable) [default: spaces-router].
    #[arg(long = "service", value_name = "[NAMESPACE/]NAME")]
    pub services: Vec<String>,

    /// `spec.loadBalancerClass` for target LoadBalancer Services (applies only to a Service
    /// created with it: the field is immutable).
    #[arg(long = "lb-class", value_name = "CLASS")]
    pub lb_class: Option<String>,

    /// Admit this CIDR to the router port in its NetworkPolicy, e.g. the load balancer's
    /// subnet (repeatable).
    #[arg(long = "admit-cidr", value_name = "CIDR")]
    pub admit_cidrs: Vec<String>,

    /// Labels K=V of an old controller's NetworkPolicy peer to replace with the chosen
    /// controllers' (repeatable; pod or namespace labels).
    #[arg(long = "replace-peer", value_name = "K=V")]
    pub replace_peers: Vec<String>,

    /// Gateway that fronts the router [default: spaces].
    #[arg(long, value_name = "NAME")]
    pub gateway: Option<String>,

    /// Namespace assumed for objects that carry none [default: upbound-system].
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,

    /// Extra annotation K=V for target LoadBalancer Services (repeatable).
    #[arg(long = "annotation", value_name = "K=V")]
    pub annotations: Vec<String>,

    /// Annotation key never to strip (repeatable).
    #[arg(long = "keep-annotation", value_name = "K")]
    pub keep_annotations: Vec<String>,

    /// Spaces Helm values file(s), to infer mode, Gateway name and custom controller labels
    /// (check also lints them; values edits them).
    #[arg(
        long = "values",
        value_name = "FILE",
        value_delimiter = ',',
        env = "SPACES_EXPOSE_VALUES"
    )]
    pub values: Vec<PathBuf>,

    /// YAML file with any of these options (keys as in the README).
    #[arg(long, value_name = "FILE", env = "SPACES_EXPOSE_CONFIG")]
    pub config: Option<PathBuf>,

    /// Append diagnostics to this file too (Helm 4 discards a post-renderer's stderr).
    #[arg(long, value_name = "FILE", env = "SPACES_EXPOSE_LOG")]
    pub log_file: Option<PathBuf>,

    /// Override a rule's level, CODE=off|warn|error (repeatable); `off` also stops render
    /// from acting on it.
    #[arg(
        long = "rule",
        value_name = "CODE=LEVEL",
        value_parser = Suggest::rule_levels(),
        hide_possible_values = true
    )]
    pub rules: Vec<String>,

    /// Fail (exit 1) when there is any warning.
    #[arg(long)]
    pub strict: bool,

    /// Print only errors.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more detail on stderr.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Args)]
pub struct GuideArgs {
    #[command(flatten)]
    pub render: RenderArgs,

    /// Print the way off ingress-nginx (retired in March 2026) for the chosen cloud:
    /// Upbound's order, the two-controller phase of Spaces 1.16+, the DNS switch.
    #[arg(long)]
    pub migrate: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub render: RenderArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,

    /// Files to read ("-" for stdin); stdin when none is given.
    pub files: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub render: RenderArgs,

    /// Exit 1 when render would change something.
    #[arg(long)]
    pub exit_code: bool,

    /// Files to read ("-" for stdin); stdin when none is given.
    pub files: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ValuesArgs {
    #[command(flatten)]
    pub render: RenderArgs,

    /// Host name clients use to reach Spaces (externalTLS.host).
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,

    /// With --values: change the file in place (atomically) instead of printing a diff.
    #[arg(long, requires = "values")]
    pub write: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub render: RenderArgs,

    /// What to print: a HelmRelease `postRenderers` block, or a kustomization.
    #[arg(long, value_enum)]
    pub format: crate::export::ExportFormat,

    /// The rendered stream to read ("-" for stdin); stdin when none is given.
    pub file: Option<String>,
}

/// Argo CD passes the variables an Application sets for a plugin with this prefix.
pub const ARGOCD_ENV_PREFIX: &str = "ARGOCD_ENV_";

/// The `SPACES_EXPOSE_*` variables to set from their `ARGOCD_ENV_SPACES_EXPOSE_*` form,
/// given the whole environment: only those that are unset or empty, so that the
/// unprefixed variable wins.
pub fn argocd_env_fallbacks(
    vars: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
) -> Vec<(String, std::ffi::OsString)> {
    let vars: Vec<_> = vars.into_iter().collect();
    let is_set = |name: &str| vars.iter().any(|(k, v)| k == name && !v.is_empty());
    vars.iter()
        .filter_map(|(k, v)| {
            let name = k.to_str()?.strip_prefix(ARGOCD_ENV_PREFIX)?;
            (name.starts_with("SPACES_EXPOSE_") && !v.is_empty() && !is_set(name))
                .then(|| (name.to_string(), v.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn argocd_prefixed_variables_fill_in_unset_ones() {
        let env = |pairs: &[(&str, &str)]| -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
            pairs.iter().map(|(k, v)| (k.into(), v.into())).collect()
        };
        let got = super::argocd_env_fallbacks(env(&[
            ("ARGOCD_ENV_SPACES_EXPOSE_CLOUD", "aws"),
            ("ARGOCD_ENV_SPACES_EXPOSE_MODE", "gateway"),
            ("SPACES_EXPOSE_MODE", "ingress"),
            ("ARGOCD_ENV_SPACES_EXPOSE_SCHEME", "internal"),
            ("SPACES_EXPOSE_SCHEME", ""),
            ("ARGOCD_ENV_OTHER", "x"),
        ]));
        assert_eq!(
            got,
            [
                ("SPACES_EXPOSE_CLOUD".to_string(), "aws".into()),
                ("SPACES_EXPOSE_SCHEME".to_string(), "internal".into()),
            ]
        );
    }
}

/// A value parser that accepts any text (the options are validated later, with
/// messages that name where a value came from) and offers a list to shell completion.
#[derive(Clone)]
pub struct Suggest(Vec<String>);

impl Suggest {
    /// The controller presets and `custom`.
    fn controllers() -> Self {
        let mut names: Vec<String> = crate::presets::CONTROLLERS
            .iter()
            .map(|c| c.name.to_string())
            .collect();
        names.push("custom".to_string());
        Suggest(names)
    }

    /// The rule codes.
    fn codes() -> Self {
        Suggest(
            crate::rules::RULES
                .iter()
                .map(|r| r.code_str().to_string())
                .collect(),
        )
    }

    /// `CODE=off`, `CODE=warn`, `CODE=error` for every rule.
    fn rule_levels() -> Self {
        Suggest(
            crate::rules::RULES
                .iter()
                .flat_map(|r| ["off", "warn", "error"].map(|l| format!("{}={l}", r.code_str())))
                .collect(),
        )
    }
}

impl clap::builder::TypedValueParser for Suggest {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            self.0
                .iter()
                .map(|v| clap::builder::PossibleValue::new(v.clone())),
        ))
    }
}

/// clap_complete's bash script for a hyphenated name tracks subcommands as
/// `spaces__expose__subcmd__check` but labels their cases
/// `spaces__subcmd__expose__subcmd__check`, so no subcommand option ever completes.
/// The labels are made to match.
///
/// `--controller` takes a comma list, and bash does not break words at commas: after
/// `--controller ingress-nginx,env` the script would complete the whole word against the
/// names and offer nothing. Its completion completes the part after the last comma and
/// keeps what comes before.
pub fn fix_bash_completion(script: &[u8]) -> Vec<u8> {
    let script =
        String::from_utf8_lossy(script).replace("spaces__subcmd__expose__", "spaces__expose__");
    let mut out = String::with_capacity(script.len() + 256);
    let mut in_list_option = false;
    for line in script.split_inclusive('\n') {
        if line.trim() == "--controller)" {
            in_list_option = true;
        } else if in_list_option && line.contains("compgen -W") {
            in_list_option = false;
            out.push_str(&line.replace(
                r#"-- "${cur}""#,
                r#"-P "${cur%"${cur##*,}"}" -- "${cur##*,}""#,
            ));
            continue;
        }
        out.push_str(line);
    }
    out.into_bytes()
}
