//! The command-line entry point: parse arguments, call the library, write stdout,
//! report diagnostics, and map the outcome to an exit code. The only place that prints.

use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use spaces_expose::cli::{Cli, Command, RenderArgs};
use spaces_expose::config::{self, Config};
use spaces_expose::error::Error;
use spaces_expose::render;

/// Where diagnostics go besides stderr: `--log-file`, and under Helm 4 (which discards
/// a post-renderer's stderr) the terminal.
struct Diagnostics {
    log_file: Option<PathBuf>,
    quiet: bool,
    verbose: u8,
}

impl Diagnostics {
    fn from_env() -> Self {
        Diagnostics {
            log_file: std::env::var_os("SPACES_EXPOSE_LOG")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            quiet: false,
            verbose: 0,
        }
    }

    fn for_args(args: &RenderArgs, config: Option<&Config>) -> Self {
        Diagnostics {
            log_file: config
                .and_then(|c| c.log_file.clone())
                .or_else(|| args.log_file.clone()),
            quiet: args.quiet,
            verbose: args.verbose,
        }
    }

    fn log(&self, text: &str) {
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
        let text = format!("spaces-expose: error: {err}");
        eprintln!("{text}");
        self.log(&text);
        if std::env::var_os("HELM_PLUGIN_NAME").is_some()
            && let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty")
        {
            let _ = writeln!(tty, "{text}");
        }
    }

    fn warn(&self, message: &str) {
        let text = format!("spaces-expose: warning: {message}");
        if !self.quiet {
            eprintln!("{text}");
        }
        self.log(&text);
    }

    fn info(&self, message: &str) {
        let text = format!("spaces-expose: {message}");
        if !self.quiet {
            eprintln!("{text}");
        }
        self.log(&text);
    }

    fn detail(&self, message: &str) {
        if self.verbose > 0 {
            self.info(message);
        }
    }
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
    let config = config::resolve(args)?;
    *diagnostics = Diagnostics::for_args(args, Some(&config));
    config::require_cloud(&config)?;
    let input = read_stdin()?;
    let rendered = render::render(&input, "<stdin>", &config)?;
    let report = &rendered.report;
    for warning in &report.warnings {
        diagnostics.warn(&warning.to_string());
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

fn run(cli: Cli, diagnostics: &mut Diagnostics) -> Result<ExitCode, Error> {
    match cli.command {
        None => run_render(&cli.render, diagnostics),
        Some(Command::Completions { shell }) => {
            let mut buffer = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "spaces-expose", &mut buffer);
            write_stdout(&buffer)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(other) => Err(Error::Usage(format!(
            "{other:?}: not available in this build"
        ))),
    }
}

fn main() -> ExitCode {
    let mut diagnostics = Diagnostics::from_env();
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
    let _ = io::stderr().is_terminal();
    match run(cli, &mut diagnostics) {
        Ok(code) => code,
        Err(err) => {
            diagnostics.error(&err);
            ExitCode::from(err.exit_code() as u8)
        }
    }
}
