//! The command-line entry point: parse arguments, call the library, write stdout,
//! report diagnostics, and map the outcome to an exit code. The only place that prints.

// The one place that writes stdout and stderr (Cargo.toml denies printing elsewhere).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use spaces_expose::cli::{
    CheckArgs, CheckFormat, Cli, Command, DiffArgs, RenderArgs, TableFormat, ValuesArgs,
};
use spaces_expose::config::{self, Config};
use spaces_expose::error::Error;
use spaces_expose::report as format;
use spaces_expose::rules::{self, registry};
use spaces_expose::{catalog, diff, guide, render, values};

/// Where diagnostics go: stderr, the log file (`--log-file`, `SPACES_EXPOSE_LOG`), and,
/// when Helm runs the program, the terminal. Helm 3 and Helm 4 keep a post-renderer's
/// stderr to themselves on success, and Helm 4 on failure too, so a warning or an error
/// would otherwise reach nobody. Without a terminal (CI), nothing more is written.
struct Diagnostics {
    log_file: Option<PathBuf>,
    terminal: Option<std::fs::File>,
    quiet: bool,
    verbose: u8,
}

impl Diagnostics {
    /// Before the arguments parse: the log file from the environment, or from a
    /// `--log-file` among the raw arguments (so that a usage error reaches it too).
    fn early() -> Self {
        let args: Vec<String> = std::env::args().collect();
        let from_args = args.iter().enumerate().find_map(|(i, a)| {
            a.strip_prefix("--log-file=")
                .map(str::to_string)
                .or_else(|| {
                    (a == "--log-file")
                        .then(|| args.get(i + 1).cloned())
                        .flatten()
                })
        });
        Diagnostics {
            log_file: from_args.map(PathBuf::from).or_else(|| {
                std::env::var_os("SPACES_EXPOSE_LOG")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            }),
            terminal: helm_terminal(),
            quiet: false,
            verbose: 0,
        }
    }

    /// With the parsed arguments (and, once resolved, the config file's `logFile`).
    fn set(&mut self, args: &RenderArgs, config: Option<&Config>) {
        if let Some(path) = config
            .and_then(|c| c.log_file.clone())
            .or_else(|| args.log_file.clone())
        {
            self.log_file = Some(path);
        }
        self.quiet = args.quiet;
        self.verbose = args.verbose;
    }

    fn line(&self, text: &str, always: bool) {
        if always || !self.quiet {
            eprintln!("{text}");
            if let Some(mut tty) = self.terminal.as_ref() {
                let _ = writeln!(tty, "{text}");
            }
        }
        if let Some(path) = &self.log_file
            && let Ok(mut file) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
        {
            let _ = writeln!(file, "{text}");
        }
    }

    fn error(&self, err: &Error) {
        self.line(&format!("spaces-expose: error: {err}"), true);
    }

    fn warn(&self, message: &str) {
        self.line(&format!("spaces-expose: warning: {message}"), false);
    }

    fn info(&self, message: &str) {
        self.line(&format!("spaces-expose: {message}"), false);
    }

    fn detail(&self, message: &str) {
        if self.verbose > 0 {
            self.info(message);
        }
    }
}

/// The terminal of a person who runs Helm: when Helm runs this program (Helm 4 sets
/// `HELM_PLUGIN_NAME` for a plugin; Helm 3 sets nothing, but it is the parent process),
/// stderr is not that terminal, and `/dev/tty` opens.
fn helm_terminal() -> Option<std::fs::File> {
    let under_helm = std::env::var_os("HELM_PLUGIN_NAME").is_some() || parent_is_helm();
    if !under_helm || io::stderr().is_terminal() {
        return None;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/tty")
        .ok()
}

/// Whether the parent process is a `helm` binary (Linux: `/proc`; elsewhere, no).
fn parent_is_helm() -> bool {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return false;
    };
    // `pid (comm) state ppid ...`: the name may hold spaces and parentheses.
    let ppid = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(1))
        .and_then(|p| p.parse::<u32>().ok());
    ppid.and_then(|p| std::fs::read_to_string(format!("/proc/{p}/comm")).ok())
        .is_some_and(|comm| comm.trim_end() == "helm")
}

/// Resolves the options. The diagnostics follow the arguments first, so that a config
/// or values error reaches `--log-file` too, then the config file's `logFile` (also for
/// an error in that file, when its `logFile` can still be read).
fn resolve(args: &RenderArgs, diagnostics: &mut Diagnostics) -> Result<Config, Error> {
    diagnostics.set(args, None);
    let config = config::resolve(args).inspect_err(|_| {
        if diagnostics.log_file.is_none() {
            diagnostics.log_file = args.config.as_deref().and_then(config::config_log_file);
        }
    })?;
    diagnostics.set(args, Some(&config));
    Ok(config)
}

fn read_stdin() -> Result<Vec<u8>, Error> {
    let mut input = Vec::new();
    io::stdin()
        .lock()
        .read_to_end(&mut input)
        .map_err(|e| Error::io("cannot read standard input", e))?;
    Ok(input)
}

/// Writes data to stdout; a reader that went away is not an error.
fn write_stdout(data: &[u8]) -> Result<(), Error> {
    let mut out = io::stdout().lock();
    match out.write_all(data).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(Error::io("cannot write standard output", e))
        }
        _ => Ok(()),
    }
}

fn run_render(args: &RenderArgs, diagnostics: &mut Diagnostics) -> Result<ExitCode, Error> {
    let config = resolve(args, diagnostics)?;
    config::require_cloud(&config)?;
    let input = read_stdin()?;
    let rendered = render::render(&input, "<stdin>", &config)?;
    let report = &rendered.report;
    for warning in &report.warnings {
        diagnostics.warn(&render_warning(warning));
    }
    if config.strict && !report.warnings.is_empty() {
        return Err(Error::Strict {
            count: report.warnings.len(),
        });
    }
    write_stdout(rendered.output.as_bytes())?;
    for change in &report.changes {
        diagnostics.info(&format!("{}: {}", change.object, change.notes.join(", ")));
    }
    for note in &report.notes {
        diagnostics.detail(note);
    }
    Ok(ExitCode::SUCCESS)
}

/// A finding render cannot fix, as a warning line: where, then what (with its code).
fn render_warning(finding: &rules::Finding) -> String {
    if finding.document == 0 {
        format!("{} [{}]", finding.message, finding.code)
    } else {
        format!(
            "{}: {} [{}]",
            finding.location(),
            finding.message,
            finding.code
        )
    }
}

/// The files named on the command line, or stdin; each with the name messages use.
fn read_inputs(files: &[String]) -> Result<Vec<(String, Vec<u8>)>, Error> {
    if files.is_empty() {
        return Ok(vec![("<stdin>".to_string(), read_stdin()?)]);
    }
    files
        .iter()
        .map(|f| {
            if f == "-" {
                Ok(("<stdin>".to_string(), read_stdin()?))
            } else {
                std::fs::read(f)
                    .map(|bytes| (f.clone(), bytes))
                    .map_err(|e| Error::io(format!("cannot read {f}"), e))
            }
        })
        .collect()
}

fn run_check(args: &CheckArgs, diagnostics: &mut Diagnostics) -> Result<ExitCode, Error> {
    let config = resolve(&args.render, diagnostics)?;
    let levels = config.levels.clone();
    // `check --values FILE` lints the values files too; with no manifests named and
    // stdin a terminal, it lints only them.
    let values_files = &args.render.values;
    let inputs = if args.files.is_empty() && !values_files.is_empty() && io::stdin().is_terminal() {
        Vec::new()
    } else {
        read_inputs(&args.files)?
    };
    let mut linted = Vec::new();
    for path in values_files {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
        linted.push((path.display().to_string(), bytes));
    }
    // Manifest files are checked together, as one stream; values files one by one.
    let (values_inputs, manifests): (Vec<_>, Vec<_>) = inputs
        .into_iter()
        .partition(|(_, bytes)| std::str::from_utf8(bytes).is_ok_and(values::looks_like_values));
    let mut reports = vec![rules::check_files(&manifests, &config, &levels)];
    reports.extend(
        values_inputs
            .into_iter()
            .chain(linted)
            .map(|(name, bytes)| rules::check_values(&bytes, &name, &config, &levels)),
    );
    let rules::Report {
        findings,
        notes,
        invalid,
        ..
    } = rules::merge_reports(reports);
    for note in &notes {
        diagnostics.detail(note);
    }
    let out = match args.format {
        CheckFormat::Text => format::text(&findings),
        CheckFormat::Json => format::json(&findings),
        CheckFormat::Github => format::github(&findings),
        CheckFormat::Sarif => format::sarif(&findings),
    };
    write_stdout(out.as_bytes())?;
    let (errors, warnings) = rules::counts(&findings);
    diagnostics.detail(&format!("check: {errors} error(s), {warnings} warning(s)"));
    if invalid {
        diagnostics.error(&Error::InvalidYaml);
        return Ok(ExitCode::from(2));
    }
    if errors > 0 || (config.strict && warnings > 0) {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn run_diff(args: &DiffArgs, diagnostics: &mut Diagnostics) -> Result<ExitCode, Error> {
    let config = resolve(&args.render, diagnostics)?;
    config::require_cloud(&config)?;
    let color =
        io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut text = String::new();
    let mut changed = 0;
    let mut warnings = 0;
    for (name, bytes) in read_inputs(&args.files)? {
        let diffed = diff::diff(&bytes, &name, &config, color)?;
        for warning in &diffed.report.warnings {
            diagnostics.warn(&render_warning(warning));
        }
        warnings += diffed.report.warnings.len();
        text.push_str(&diffed.text);
        changed += diffed.changed;
    }
    if config.strict && warnings > 0 {
        return Err(Error::Strict { count: warnings });
    }
    write_stdout(text.as_bytes())?;
    if changed == 0 {
        diagnostics.info("no changes");
    } else {
        diagnostics.detail(&format!("{changed} document(s) would change"));
    }
    Ok(if args.exit_code && changed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `values`: prints a values file, or edits the `--values` files (a diff, or `--write`).
fn run_values(args: &ValuesArgs, diagnostics: &mut Diagnostics) -> Result<ExitCode, Error> {
    let config = resolve(&args.render, diagnostics)?;
    let host = args.host.as_deref();
    if args.render.values.is_empty() {
        write_stdout(values::print(&config, host).as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let color =
        io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut edits = Vec::new();
    let mut warnings = 0;
    for path in &args.render.values {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| Error::io(format!("cannot read {name}"), e))?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| Error::Usage(format!("{name} is not UTF-8 text")))?;
        let edited = values::edit(text, &name, &config, host)?;
        for finding in edited.findings.iter().filter(|f| !f.is_fixed_by_render()) {
            diagnostics.warn(&format!(
                "{}:{}:{}: {} [{}]",
                finding.file, finding.line, finding.column, finding.message, finding.code
            ));
            warnings += 1;
        }
        for note in &edited.plan.elsewhere {
            diagnostics.info(&format!(
                "values cannot express: {}; {}",
                note.what, note.goes
            ));
        }
        edits.push((path, edited));
    }
    // All or nothing: a failed file or --strict leaves every file as it was.
    if config.strict && warnings > 0 {
        return Err(Error::Strict { count: warnings });
    }
    let mut out = String::new();
    for (path, edited) in &edits {
        if !args.write {
            out.push_str(&edited.diff(color));
        } else if edited.changed() {
            values::write_atomically(path, edited.new.as_bytes())?;
            diagnostics.info(&format!("wrote {}", edited.file));
        } else {
            diagnostics.info(&format!("{}: no changes", edited.file));
        }
    }
    write_stdout(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn run_export(
    args: &spaces_expose::cli::ExportArgs,
    diagnostics: &mut Diagnostics,
) -> Result<ExitCode, Error> {
    let config = resolve(&args.render, diagnostics)?;
    config::require_cloud(&config)?;
    let files: Vec<String> = args.file.iter().cloned().collect();
    let (name, input) = read_inputs(&files)?.remove(0);
    let exported = spaces_expose::export::export(&input, &name, &config, args.format)?;
    for warning in &exported.report.warnings {
        diagnostics.warn(&render_warning(warning));
    }
    if config.strict && !exported.report.warnings.is_empty() {
        return Err(Error::Strict {
            count: exported.report.warnings.len(),
        });
    }
    write_stdout(exported.output.as_bytes())?;
    diagnostics.info(&format!(
        "export: {} patch(es), {} added object(s) listed as comments",
        exported.patched, exported.added
    ));
    Ok(ExitCode::SUCCESS)
}

fn run(cli: Cli, diagnostics: &mut Diagnostics) -> Result<ExitCode, Error> {
    match cli.command {
        None => run_render(&cli.render, diagnostics),
        Some(Command::Check(args)) => run_check(&args, diagnostics),
        Some(Command::Diff(args)) => run_diff(&args, diagnostics),
        Some(Command::Values(args)) => run_values(&args, diagnostics),
        Some(Command::Export(args)) => run_export(&args, diagnostics),
        Some(Command::Guide(args)) => {
            let config = resolve(&args.render, diagnostics)?;
            let cloud = config::require_cloud(&config)?;
            let text = if args.migrate {
                guide::migrate(&config, cloud)
            } else {
                guide::guide(&config, cloud)
            };
            write_stdout(text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Presets { format }) => {
            let out = match format {
                TableFormat::Text => catalog::presets_text(),
                TableFormat::Json => catalog::presets_json(),
            };
            write_stdout(out.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Explain { code }) => {
            let rule = registry::find(&code).ok_or_else(|| {
                let codes: Vec<&str> = registry::RULES.iter().map(|r| r.code_str()).collect();
                Error::Usage(format!(
                    "unknown rule {code:?}; the rules are {}",
                    codes.join(", ")
                ))
            })?;
            write_stdout(registry::explain(rule).as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Completions { shell }) => {
            let mut buffer = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "spaces-expose", &mut buffer);
            if shell == clap_complete::Shell::Bash {
                buffer = spaces_expose::cli::fix_bash_completion(&buffer);
            }
            write_stdout(&buffer)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    // Argo CD hands a plugin the Application's variables as ARGOCD_ENV_*.
    for (name, value) in spaces_expose::cli::argocd_env_fallbacks(std::env::vars_os()) {
        // SAFETY: nothing else runs yet: no thread has been started.
        unsafe { std::env::set_var(name, value) };
    }
    let mut diagnostics = Diagnostics::early();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let text = e.render().to_string();
            diagnostics.error(&Error::Usage(
                text.trim_end().trim_start_matches("error: ").to_string(),
            ));
            return ExitCode::from(2);
        }
    };
    if cli.render.quiet {
        diagnostics.quiet = true;
    }
    match run(cli, &mut diagnostics) {
        Ok(code) => code,
        Err(err) => {
            diagnostics.error(&err);
            ExitCode::from(err.exit_code() as u8)
        }
    }
}
