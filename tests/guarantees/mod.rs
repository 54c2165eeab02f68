//! The render guarantees (README, "Guarantees") as one checker, shared by the property tests
//! (`tests/props.rs`), the fuzz regression replay (`tests/fuzz_regressions.rs`) and the
//! fuzz targets (`fuzz/fuzz_targets/*.rs`, which include this file by path).
//!
//! `check_render` renders an input and, when render succeeds, verifies:
//! - the output parses strictly, document by document;
//! - every input document is in the output, in order, and any document render did not
//!   report as changed is byte-identical (documents render adds, such as the
//!   CiliumNetworkPolicy, may only follow the document they belong with);
//! - rendering the output again gives the same bytes (idempotence);
//! - an input without YAML content gives exactly `NO_RESOURCES`.
//!
//! It returns a description of the first broken guarantee instead of panicking, so the
//! callers decide how to fail.

#![allow(dead_code)]

pub mod manifests;
pub mod truth;

use std::collections::HashSet;

use spaces_expose::cli::Cli;
use spaces_expose::config::{self, Config};
use spaces_expose::manifest::Stream;
use spaces_expose::render::{NO_RESOURCES, Rendered, render};
use spaces_expose::stream;

use clap::Parser;

/// A configuration from command-line words (after the program name), as a user would
/// pass them.
pub fn config_from(args: &[&str]) -> Config {
    try_config_from(args).expect("test arguments parse and resolve")
}

/// The same, or `None` when the words are a usage or config error.
pub fn try_config_from(args: &[&str]) -> Option<Config> {
    let cli =
        Cli::try_parse_from(std::iter::once("spaces-expose").chain(args.iter().copied())).ok()?;
    config::resolve(&cli.render).ok()
}

/// Kinds of the documents render may add after an input document.
const ADDED_KINDS: &[&str] = &["CiliumNetworkPolicy"];

/// Renders `input` and checks the guarantees. `Ok(None)` when render refused the input
/// (an error is a valid outcome for arbitrary input), `Ok(Some(output))` when it rendered
/// and every guarantee held.
pub fn check_render(input: &[u8], config: &Config) -> Result<Option<Rendered>, String> {
    let rendered = match render(input, "<input>", config) {
        Ok(r) => r,
        Err(e) => {
            let text = e.to_string();
            if text.trim().is_empty() {
                return Err("render failed with an empty message".to_string());
            }
            return Ok(None);
        }
    };
    verify(input, &rendered, config)?;
    Ok(Some(rendered))
}

/// The guarantees for one successful render of `input` (see the module comment).
pub fn verify(input: &[u8], rendered: &Rendered, config: &Config) -> Result<(), String> {
    // Render succeeded, so the input is UTF-8.
    let text = std::str::from_utf8(input).map_err(|e| format!("accepted non-UTF-8: {e}"))?;
    let in_stream = Stream::parse(text, "<input>", &config.namespace)
        .map_err(|e| format!("render accepted input that does not parse: {e}"))?;
    if in_stream.is_empty() {
        if rendered.output != NO_RESOURCES {
            return Err(format!(
                "empty input gave {:?}, not the no-resources comment",
                rendered.output
            ));
        }
        return Ok(());
    }
    let output = rendered.output.as_str();
    let out_stream = Stream::parse(output, "<output>", &config.namespace)
        .map_err(|e| format!("output does not parse: {e}\n--- output ---\n{output}"))?;

    // Objects render reported as changed, by label.
    let changed: HashSet<&str> = rendered
        .report
        .changes
        .iter()
        .map(|c| c.object.as_str())
        .collect();
    let in_chunks = stream::split(text);
    let out_chunks = stream::split(output);
    let mut j = 0usize;
    for (i, chunk) in in_chunks.iter().enumerate() {
        let before = &text[chunk.range.clone()];
        let Some(out) = out_chunks.get(j) else {
            return Err(format!(
                "input document {} is missing from the output",
                i + 1
            ));
        };
        let after = &output[out.range.clone()];
        if before != after {
            let doc = &in_stream.docs[i];
            let reported = doc
                .objects
                .iter()
                .any(|o| changed.contains(o.label().as_str()));
            // An object that was renamed by nothing: render may also only touch the end
            // of a document to append one after it (a missing final line break).
            let only_line_break = after
                .strip_suffix('\n')
                .is_some_and(|a| a == before || a.strip_suffix('\r').is_some_and(|a| a == before));
            if !reported && !only_line_break {
                return Err(format!(
                    "document {} changed but no change was reported\n--- before ---\n{before}\n--- after ---\n{after}",
                    i + 1
                ));
            }
        }
        j += 1;
        // Documents render added after this one.
        while let Some(extra) = out_chunks.get(j) {
            if in_chunks
                .get(i + 1)
                .is_some_and(|next| text[next.range.clone()] == output[extra.range.clone()])
            {
                break;
            }
            let doc = out_stream
                .docs
                .get(j)
                .ok_or("output documents out of step")?;
            let added = doc.objects.iter().any(|o| ADDED_KINDS.contains(&&*o.kind));
            if !added {
                break;
            }
            j += 1;
        }
    }
    if j != out_chunks.len() {
        return Err(format!(
            "output has {} documents, input {}: {} unexplained",
            out_chunks.len(),
            in_chunks.len(),
            out_chunks.len() - j
        ));
    }

    // Idempotence.
    let again = render(output.as_bytes(), "<output>", config)
        .map_err(|e| format!("rendering the output again failed: {e}\n--- output ---\n{output}"))?;
    if again.output != output {
        return Err(format!(
            "render is not idempotent\n--- once ---\n{output}\n--- twice ---\n{}",
            again.output
        ));
    }
    Ok(())
}

/// The span tree and writer on arbitrary text (the `yaml_tree` fuzz target): parsing
/// never panics; node spans lie inside the text; an upsert of a string at a path on a
/// mapping root applies cleanly, the result parses, and the value reads back. The last
/// line of `data` is the value to write, the rest the document.
pub fn check_tree(data: &[u8]) -> Result<(), String> {
    use spaces_expose::yaml::Tree;
    use spaces_expose::yaml::write::{Fragment, Writer};

    let Ok(text) = std::str::from_utf8(data) else {
        return Ok(());
    };
    let (doc, value) = text.rsplit_once('\n').unwrap_or((text, "v"));
    let Ok(tree) = Tree::parse(doc) else {
        return Ok(());
    };
    for id in 0..tree.len() as u32 {
        let n = tree.node(id);
        if !(n.start <= n.end && n.end <= doc.len() && n.line >= 1) {
            return Err(format!(
                "node {id} has span {}..{} line {}",
                n.start, n.end, n.line
            ));
        }
        for &(k, v) in tree.entries(id) {
            for child in [k, v] {
                if tree.span(child).start < n.start {
                    return Err(format!("child {child} starts before its mapping {id}"));
                }
            }
        }
        let _ = (tree.string(id), tree.is_null(id), tree.text(id));
    }
    if let Some(d) = tree.duplicates.iter().find(|d| d.first >= d.again) {
        return Err(format!(
            "duplicate {:?} pairs a key with an earlier one",
            d.key
        ));
    }
    let Some(root) = tree.root.filter(|&r| tree.is_map(r)) else {
        return Ok(());
    };
    let mut writer = Writer::new(&tree);
    let pairs = vec![(
        "metadata".to_string(),
        Fragment::Map(vec![(
            "annotations".to_string(),
            Fragment::string_map([("fuzz.example.com/key", value)]),
        )]),
    )];
    if writer.upsert(root, &pairs).is_err() {
        // A layout the writer refuses is a clean refusal.
        return Ok(());
    }
    let edited = writer
        .apply()
        .map_err(|e| format!("writer planned overlapping edits: {e}"))?;
    let again = Tree::parse(&edited).map_err(|e| {
        format!(
            "edited document does not parse: {e:?}\n--- before ---\n{doc}\n--- after ---\n{edited}"
        )
    })?;
    let root = again.root.ok_or("edited document has no root")?;
    let read = again.str_at(root, &["metadata", "annotations", "fuzz.example.com/key"]);
    if read != Some(value) {
        return Err(format!(
            "wrote {value:?}, read back {read:?}\n--- before ---\n{doc}\n--- after ---\n{edited}"
        ));
    }
    Ok(())
}

/// The fast path against the strict parser, document by document (the `fast_path` fuzz
/// target and `tests/fast_path.rs`): wherever the fast path accepts a document, the
/// strict parser accepts it too and builds the same tree. Returns how many documents
/// with content there were and how many of them the fast path accepted.
pub fn check_fast_path(data: &[u8]) -> Result<(usize, usize), String> {
    use spaces_expose::yaml::Tree;

    let Ok(text) = std::str::from_utf8(data) else {
        return Ok((0, 0));
    };
    let (mut documents, mut accepted) = (0, 0);
    // Whole text first (the splitter never hands it over like this, but the fast path
    // must still agree), then each document as the program sees it.
    let whole = std::iter::once(text);
    let chunks = stream::split(text);
    let parts = chunks
        .iter()
        .filter(|c| c.has_content)
        .map(|c| &text[c.range.clone()]);
    for (i, doc) in whole.chain(parts).enumerate() {
        let fast = Tree::parse_fast(doc);
        if i > 0 {
            documents += 1;
            accepted += usize::from(fast.is_some());
        }
        let Some(fast) = fast else {
            continue;
        };
        match Tree::parse_strict(doc) {
            Err(e) => {
                return Err(format!(
                    "the fast path accepts what the strict parser refuses ({}:{}: {}):\n{doc}",
                    e.line, e.column, e.message
                ));
            }
            Ok(strict) => {
                if let Some(difference) = strict.difference(&fast) {
                    return Err(format!(
                        "the trees differ (strict vs fast): {difference}\n{doc}"
                    ));
                }
            }
        }
    }
    Ok((documents, accepted))
}
