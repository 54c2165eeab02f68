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
    Explain { code: String },
    /// Print the steps after `helm upgrade` for the chosen cloud and mode.
    Guide(RenderArgs),
    /// Print shell completions.
    Completions { shell: clap_complete::Shell },
    /// Print Spaces (1.16+) values that expose the router without a post-renderer, or
    /// edit a values file (--values FILE) to do so.
    Values(ValuesArgs),
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
        env = "SPACES_EXPOSE_CONTROLLER"
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
pub struct CheckArgs {
    #[command(flatten)]
    pub render: RenderArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,

    /// Override a rule's level, CODE=off|warn|error (repeatable).
    #[arg(long = "rule", value_name = "CODE=LEVEL")]
    pub rules: Vec<String>,

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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
