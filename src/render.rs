//! The post-renderer: the rules' findings on the stream ([`crate::rules::analyze`]),
//! their fixes applied through each document's writer, and the output assembled. Render
//! refuses where a rule says so and warns about every finding it cannot fix, so that
//! `check` on its input reports exactly what render does (docs/design.md). All or
//! nothing: any error and no output at all.

use std::collections::BTreeMap;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::manifest::{Stream, decode};
use crate::rules::{self, Code, Finding, Fix, Note, Remedy};

/// What render prints when the stream holds no resources: Helm 4 rejects an empty
/// post-renderer output, and a comment is valid YAML with no objects.
pub const NO_RESOURCES: &str = "# spaces-expose: no resources\n";

/// One edited object and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub object: String,
    pub notes: Vec<String>,
}

/// Everything render has to say besides the manifests.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub changes: Vec<Change>,
    /// The findings render cannot fix: check reports exactly these too.
    pub warnings: Vec<Finding>,
    /// Extra detail for `-v`.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Rendered {
    pub output: String,
    pub report: Report,
    /// The documents render changed or added after, in stream order.
    pub parts: Vec<Part>,
}

/// Plans the fixes of a stream's findings: refuses where a rule says so, applies every
/// fix through each document's writer, and sorts the rest into warnings.
fn plan(stream: &Stream, config: &Config) -> Result<(Vec<Part>, Report)> {
    let analysis = rules::analyze(stream, config, &config.levels);
    if let Some(refused) = analysis
        .findings
        .iter()
        .find(|f| matches!(f.remedy, Remedy::Refuse(_)))
    {
        let Remedy::Refuse(help) = &refused.remedy else {
            unreachable!("found as a refusal")
        };
        return Err(Error::input(
            refused.location(),
            format!("{} [{}]", refused.message, refused.code),
            Some(help.clone()),
        ));
    }
    let mut report = Report {
        notes: analysis.notes,
        ..Report::default()
    };
    // The fixes of each document, in the order the rules found them.
    let mut fixes: BTreeMap<usize, Vec<(&Fix, &Finding)>> = BTreeMap::new();
    for finding in &analysis.findings {
        match &finding.remedy {
            Remedy::Fix(fix) => fixes.entry(fix.document).or_default().push((fix, finding)),
            Remedy::Warn | Remedy::Shared | Remedy::Refuse(_) => {}
        }
    }
    let mut parts = Vec::new();
    let mut changes = Vec::new();
    for (index, fixes) in fixes {
        let doc = &stream.docs[index];
        let labelled: Vec<(&Fix, Option<String>)> = fixes
            .iter()
            .map(|&(fix, finding)| (fix, finding.object_label()))
            .collect();
        let applied = rules::finding::apply_fixes(stream, doc, &labelled).map_err(|refusal| {
            Error::input(
                refusal.location,
                format!("{} [{}]", refusal.message, Code::SE504),
                Some(Code::SE504.rule().fix.to_string()),
            )
        })?;
        for &(fix, finding) in &fixes {
            note_change(&mut changes, finding, &fix.notes);
        }
        if applied.text.is_none() && applied.added.is_empty() {
            continue;
        }
        parts.push(Part {
            document: index,
            range: stream.range(doc),
            text: applied.text,
            added: applied.added,
            newline: if doc.text.contains("\r\n") {
                "\r\n"
            } else {
                "\n"
            },
        });
    }
    report.changes = changes
        .into_iter()
        .map(|(object, notes)| Change {
            object,
            notes: notes.iter().map(Note::to_string).collect(),
        })
        .collect();
    report.warnings = analysis
        .findings
        .into_iter()
        .filter(Finding::is_render_warning)
        .collect();
    Ok((parts, report))
}

/// Merges a fix's notes into the summary of its object: counts of the same thing add
/// up, and the summary reads conversions first, then additions, changes, removals.
fn note_change(changes: &mut Vec<(String, Vec<Note>)>, finding: &Finding, notes: &[Note]) {
    let object = finding.object_label().unwrap_or_default();
    let at = match changes.iter().position(|(o, _)| *o == object) {
        Some(at) => at,
        None => {
            changes.push((object, Vec::new()));
            changes.len() - 1
        }
    };
    let merged = &mut changes[at].1;
    for note in notes {
        if !merged.iter_mut().any(|m| m.merge(note)) {
            merged.push(note.clone());
        }
    }
    merged.sort_by_key(|n| match n {
        Note::Text(_) => 0,
        Note::Count { sign: "+", .. } => 1,
        Note::Count { sign: "~", .. } => 2,
        Note::Count { .. } => 3,
    });
}

/// A changed document: its index and byte range in the input, its new text (when
/// edited), and the documents added after it.
#[derive(Debug, Clone)]
pub struct Part {
    pub document: usize,
    pub range: std::ops::Range<usize>,
    pub text: Option<String>,
    pub added: Vec<String>,
    /// The line break to end the document with before an added one.
    pub newline: &'static str,
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
    let text = decode(input, file)?;
    let stream = Stream::parse_keeping(text, file, &config.namespace, rules::RULE_TREES)?;
    if stream.is_empty() {
        return Ok(no_resources());
    }
    let (parts, report) = plan(&stream, config)?;
    // Free the trees before the output is built: peak memory is then the input plus the
    // larger of the trees and the output, not all three (docs/performance.md).
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
        parts,
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
        parts: Vec::new(),
    }
}

/// Renders an already parsed stream (shared with `diff`).
pub fn render_stream(stream: &Stream, config: &Config) -> Result<Rendered> {
    if stream.is_empty() {
        return Ok(no_resources());
    }
    let (parts, report) = plan(stream, config)?;
    Ok(Rendered {
        output: assemble(stream.input, &parts),
        report,
        parts,
    })
}
