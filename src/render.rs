//! The post-renderer: parse the stream, let each transform plan its splices, and
//! assemble the output. All or nothing: any error and no output at all.

use crate::config::Config;
use crate::error::{Error, Location, Result};
use crate::manifest::{Document, Object, Stream};
use crate::transform;
use crate::yaml::write::{Unsupported, Writer};

/// What render prints when the stream holds no resources: Helm 4 rejects an empty
/// post-renderer output, and a comment is valid YAML with no objects.
pub const NO_RESOURCES: &str = "# spaces-expose: no resources\n";

/// One edited object and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub object: String,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub message: String,
    pub location: Option<Location>,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.location {
            Some(location) => write!(f, "{location}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Everything render has to say besides the manifests.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub changes: Vec<Change>,
    pub warnings: Vec<Warning>,
    /// Extra detail for `-v`.
    pub notes: Vec<String>,
}

#[derive(Debug)]
pub struct Rendered {
    pub output: String,
    pub report: Report,
}

/// The splices and added documents planned for a stream.
pub struct Plan<'s, 'a> {
    pub stream: &'s Stream<'a>,
    pub config: &'s Config,
    writers: Vec<Option<Writer<'s, 'a>>>,
    added: Vec<Vec<String>>,
    pub report: Report,
}

impl<'s, 'a> Plan<'s, 'a> {
    pub fn new(stream: &'s Stream<'a>, config: &'s Config) -> Self {
        Plan {
            stream,
            config,
            writers: stream.docs.iter().map(|_| None).collect(),
            added: stream.docs.iter().map(|_| Vec::new()).collect(),
            report: Report::default(),
        }
    }

    /// The writer for a document (created on first use).
    pub fn writer(&mut self, doc: &'s Document<'a>) -> &mut Writer<'s, 'a> {
        let tree = doc.tree.as_ref().expect("only parsed documents are edited");
        self.writers[doc.index].get_or_insert_with(|| Writer::new(tree))
    }

    /// Adds a whole document right after `doc`.
    pub fn add_after(&mut self, doc: &Document, text: String) {
        self.added[doc.index].push(text);
    }

    pub fn change(&mut self, object: &Object, notes: Vec<String>) {
        if !notes.is_empty() {
            self.report.changes.push(Change {
                object: object.label(),
                notes,
            });
        }
    }

    pub fn warn(&mut self, message: impl Into<String>, location: Option<Location>) {
        self.report.warnings.push(Warning {
            message: message.into(),
            location,
        });
    }

    /// An error positioned at a writer's refusal.
    pub fn unsupported(&self, doc: &Document, object: &Object, err: Unsupported) -> Error {
        Error::input(
            self.stream.location_at(doc, Some(object), err.at),
            format!("cannot edit this layout safely: {}", err.message),
            Some("rewrite that part of the template in plain block style".to_string()),
        )
    }

    /// Applies the plan.
    fn finish(self) -> Result<Rendered> {
        let mut output = String::with_capacity(self.stream.input.len() + 1024);
        for (doc, (writer, added)) in self
            .stream
            .docs
            .iter()
            .zip(self.writers.into_iter().zip(self.added))
        {
            match writer {
                Some(w) if !w.edits.is_empty() => {
                    let text = w.edits.apply(doc.text).map_err(|e| {
                        Error::input(
                            self.stream.location_at(doc, None, e.second.start),
                            e.to_string(),
                            None,
                        )
                    })?;
                    output.push_str(&text);
                }
                _ => output.push_str(doc.text),
            }
            for text in added {
                if !output.is_empty() && !output.ends_with('\n') {
                    output.push_str(if doc.text.contains("\r\n") {
                        "\r\n"
                    } else {
                        "\n"
                    });
                }
                output.push_str(&text);
            }
        }
        Ok(Rendered {
            output,
            report: self.report,
        })
    }
}

/// Renders a stream with the given options.
pub fn render(input: &[u8], file: &str, config: &Config) -> Result<Rendered> {
    let text = crate::manifest::decode(input, file)?;
    let stream = Stream::parse(text, file, &config.namespace)?;
    render_stream(&stream, config)
}

/// Renders an already parsed stream (shared with `diff` and `check`).
pub fn render_stream(stream: &Stream, config: &Config) -> Result<Rendered> {
    if stream.is_empty() {
        return Ok(Rendered {
            output: NO_RESOURCES.to_string(),
            report: Report::default(),
        });
    }
    let mut plan = Plan::new(stream, config);
    transform::apply_all(&mut plan)?;
    plan.finish()
}
