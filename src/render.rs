//! The post-renderer: parse the stream, let each transform plan its splices, and
//! assemble the output. All or nothing: any error and no output at all.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Config;
use crate::error::{Error, Location, Result};
use crate::manifest::{Document, Object, Stream, Trees};
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

#[derive(Debug, Clone)]
pub struct Rendered {
    pub output: String,
    pub report: Report,
}

/// The splices and added documents planned for a stream, by document index. Only the
/// few documents render touches have an entry: a stream of 100,000 small documents
/// must not pay for a writer slot each.
pub struct Plan<'s, 'a> {
    pub stream: &'s Stream<'a>,
    pub config: &'s Config,
    writers: BTreeMap<usize, Writer<'s, 'a>>,
    added: BTreeMap<usize, Vec<String>>,
    pub report: Report,
}

impl<'s, 'a> Plan<'s, 'a> {
    pub fn new(stream: &'s Stream<'a>, config: &'s Config) -> Self {
        Plan {
            stream,
            config,
            writers: BTreeMap::new(),
            added: BTreeMap::new(),
            report: Report::default(),
        }
    }

    /// The writer for a document (created on first use).
    pub fn writer(&mut self, doc: &'s Document<'a>) -> &mut Writer<'s, 'a> {
        let tree = doc.tree.as_ref().expect("only parsed documents are edited");
        self.writers
            .entry(doc.index)
            .or_insert_with(|| Writer::new(tree))
    }

    /// Adds a whole document right after `doc`.
    pub fn add_after(&mut self, doc: &Document, text: String) {
        self.added.entry(doc.index).or_default().push(text);
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

    /// Applies the plan: the edited text of each changed document, and what goes after it.
    fn into_parts(mut self) -> Result<(Vec<Part>, Report)> {
        let mut parts = Vec::new();
        let touched: BTreeSet<usize> = self
            .writers
            .keys()
            .chain(self.added.keys())
            .copied()
            .collect();
        for index in touched {
            let doc = &self.stream.docs[index];
            let writer = self.writers.remove(&index);
            let added = self.added.remove(&index).unwrap_or_default();
            let text = match writer {
                Some(w) if !w.edits.is_empty() => Some(w.edits.apply(doc.text).map_err(|e| {
                    Error::input(
                        self.stream.location_at(doc, None, e.second.start),
                        e.to_string(),
                        None,
                    )
                })?),
                _ => None,
            };
            if text.is_some() || !added.is_empty() {
                parts.push(Part {
                    range: self.stream.range(doc),
                    text,
                    added,
                    newline: if doc.text.contains("\r\n") {
                        "\r\n"
                    } else {
                        "\n"
                    },
                });
            }
        }
        Ok((parts, self.report))
    }
}

/// A changed document: its byte range in the input, its new text (when edited), and the
/// documents added after it.
struct Part {
    range: std::ops::Range<usize>,
    text: Option<String>,
    added: Vec<String>,
    /// The line break to end the document with before an added one.
    newline: &'static str,
}

/// The output: the input with the changed documents replaced. Unchanged runs of
/// documents are copied in one piece each.
fn assemble(input: &str, parts: &[Part]) -> String {
    let extra: usize = parts
        .iter()
        .map(|p| {
            p.text.as_ref().map_or(0, String::len)
                + p.added.iter().map(|a| a.len() + 2).sum::<usize>()
        })
        .sum();
    let mut output = String::with_capacity(input.len() + extra);
    let mut at = 0;
    for part in parts {
        output.push_str(&input[at..part.range.start]);
        output.push_str(part.text.as_deref().unwrap_or(&input[part.range.clone()]));
        for text in &part.added {
            if !output.is_empty() && !output.ends_with('\n') {
                output.push_str(part.newline);
            }
            output.push_str(text);
        }
        at = part.range.end;
    }
    output.push_str(&input[at..]);
    output
}

/// Renders a stream with the given options.
pub fn render(input: &[u8], file: &str, config: &Config) -> Result<Rendered> {
    let text = crate::manifest::decode(input, file)?;
    // Render reads and edits objects only: other documents keep no tree.
    let stream = Stream::parse_keeping(text, file, &config.namespace, Trees::OfObjects)?;
    if stream.is_empty() {
        return Ok(no_resources());
    }
    let (parts, report) = {
        let mut plan = Plan::new(&stream, config);
        transform::apply_all(&mut plan)?;
        plan.into_parts()?
    };
    // Free the trees before the output is built: peak memory is then the input plus the
    // larger of the trees and the output, not all three (SPEC §9: 3 × input + 16 MB).
    // Large streams free them on all cores, as they were built.
    if stream.docs.len() >= PARALLEL_DROP {
        use rayon::prelude::*;
        stream.docs.into_par_iter().for_each(drop);
    } else {
        drop(stream);
    }
    if text.len() >= RELEASE_THRESHOLD {
        release_free_memory();
    }
    Ok(Rendered {
        output: assemble(text, &parts),
        report,
    })
}

/// Streams with at least this many documents are freed in parallel.
const PARALLEL_DROP: usize = 1024;

/// Inputs from this size on hand the trees' memory back to the system before the output
/// is built; below it the few megabytes do not matter and the call would cost time.
const RELEASE_THRESHOLD: usize = 4 << 20;

/// Returns freed heap pages to the system. glibc keeps the memory of freed small
/// allocations (the trees: millions of nodes in a few boxes per document, spread over
/// the parser threads' arenas) mapped, and the output buffer would otherwise come on top.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_free_memory() {
    unsafe extern "C" {
        /// glibc's `int malloc_trim(size_t pad)` (malloc.h): since glibc 2.8 it walks
        /// every arena and releases whole free pages (`man 3 malloc_trim`).
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
    // SAFETY: malloc_trim takes no pointers and only returns pages that no allocation
    // uses; it is safe to call at any time from any thread.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_free_memory() {}

fn no_resources() -> Rendered {
    Rendered {
        output: NO_RESOURCES.to_string(),
        report: Report::default(),
    }
}

/// Renders an already parsed stream (shared with `diff` and `check`).
pub fn render_stream(stream: &Stream, config: &Config) -> Result<Rendered> {
    if stream.is_empty() {
        return Ok(no_resources());
    }
    let mut plan = Plan::new(stream, config);
    transform::apply_all(&mut plan)?;
    let (parts, report) = plan.into_parts()?;
    Ok(Rendered {
        output: assemble(stream.input, &parts),
        report,
    })
}
