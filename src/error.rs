//! The library's error type. Every variant maps to one exit code, in one place.

use std::fmt;
use std::path::PathBuf;

/// Where in the input something is: enough for a user to open the file at the line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The file, or `<stdin>`.
    pub file: String,
    /// 1-based document number in the stream.
    pub document: usize,
    /// `# Source:` path or Helm 4 filename annotation.
    pub template: Option<String>,
    /// `Kind namespace/name`, when known.
    pub object: Option<String>,
    /// 1-based line in the whole input.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Document 0 is the whole stream: no line to point at.
        if self.document == 0 {
            return f.write_str(&self.file);
        }
        write!(
            f,
            "{}:{}:{}: document {}",
            self.file, self.line, self.column, self.document
        )?;
        let details: Vec<&str> = [self.template.as_deref(), self.object.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line or option values are wrong.
    #[error("{0}")]
    Usage(String),

    /// A config or values file is wrong.
    #[error("{path}:{line}:{column}: {message}")]
    Config {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    /// Reading or writing failed.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },

    /// The input is broken, or asks for something the program refuses to do.
    #[error("{location}: {message}{}", help.as_ref().map(|h| format!("\n  help: {h}")).unwrap_or_default())]
    Input {
        location: Box<Location>,
        message: String,
        help: Option<String>,
    },

    /// `check` read input that is not valid YAML (its SE503 findings say where).
    #[error(
        "the input is not valid YAML (SE503); nothing else in the broken documents was checked"
    )]
    InvalidYaml,

    /// `--strict` and at least one warning.
    #[error("{count} warning(s) and --strict: failing")]
    Strict { count: usize },
}

impl Error {
    /// The process exit code: 1 for findings and strict warnings, 2 for anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Strict { .. } => 1,
            _ => 2,
        }
    }

    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            what: what.into(),
            source,
        }
    }

    pub fn input(location: Location, message: impl Into<String>, help: Option<String>) -> Self {
        Error::Input {
            location: Box::new(location),
            message: message.into(),
            help,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
