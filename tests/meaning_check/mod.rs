//! What a rendered stream means, compared with what its input meant: shared by the YAML
//! 1.1 oracle test (`tests/oracle.rs`, which hands these views to PyYAML to compare) and
//! the `yaml_meaning` fuzz target (which includes this file by path and checks with the
//! span tree alone).
//!
//! A document's *view* is what Kubernetes reads, as the span tree gives it to the rules:
//! mappings with merge keys applied and later keys winning, aliases resolved, strings as
//! strings and every other scalar as "not a string". Render may change a document's view
//! only at the paths docs/edits.md lets it edit for the document's kind, must write every
//! annotation as a string, and may only add CiliumNetworkPolicy documents.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;

use spaces_expose::manifest::Stream;
use spaces_expose::yaml::{NodeId, NodeKind, Style, Tree};

/// A value as Kubernetes reads it, for comparing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    Str(String),
    /// Not a string: with its plain text (`0644`; `null` for every null) unless a tag
    /// typed it.
    NonString(Option<String>),
    Map(BTreeMap<String, View>),
    Seq(Vec<View>),
}

pub const NON_STRING: &str = "<non-string>";
pub const NON_STRING_KEY: &str = "<non-string key>";

/// How many nodes a stream's views may visit: aliases of aliases expand (a thousand
/// lines can stand for billions of nodes), which a comparison need not follow.
const BUDGET: usize = 1 << 20;

/// The view of a node, or `None` past the budget.
pub fn view(tree: &Tree, id: NodeId, budget: &mut usize) -> Option<View> {
    view_at(tree, id, 0, budget)
}

fn view_at(tree: &Tree, id: NodeId, depth: usize, budget: &mut usize) -> Option<View> {
    *budget = budget.checked_sub(1)?;
    if depth > 200 {
        return Some(View::NonString(None));
    }
    if tree.is_map(id) {
        let mut map = BTreeMap::new();
        for &(k, v) in tree.entries(id) {
            let key = tree
                .string(k)
                .map_or_else(|| NON_STRING_KEY.to_string(), str::to_string);
            map.insert(key, view_at(tree, v, depth + 1, budget)?);
        }
        return Some(View::Map(map));
    }
    if tree.is_seq(id) {
        let items: Option<Vec<View>> = tree
            .items(id)
            .iter()
            .map(|&i| view_at(tree, i, depth + 1, budget))
            .collect();
        return items.map(View::Seq);
    }
    if let Some(s) = tree.string(id) {
        return Some(View::Str(s.to_string()));
    }
    let id = tree.resolve(id);
    Some(match tree.node(id).kind {
        NodeKind::Scalar {
            value,
            style: Style::Plain,
            tagged: false,
        } => View::NonString(Some(
            if tree.is_null(id) { "null" } else { value }.to_string(),
        )),
        _ => View::NonString(None),
    })
}

impl View {
    /// JSON text, the form the oracle reads.
    pub fn json(&self, out: &mut String) {
        match self {
            View::Str(s) => json_string(s, out),
            View::NonString(None) => json_string(NON_STRING, out),
            View::NonString(Some(text)) => json_string(&format!("{NON_STRING}:{text}"), out),
            View::Map(map) => {
                out.push('{');
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    json_string(k, out);
                    out.push(':');
                    v.json(out);
                }
                out.push('}');
            }
            View::Seq(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.json(out);
                }
                out.push(']');
            }
        }
    }

    fn get(&self, key: &str) -> Option<&View> {
        match self {
            View::Map(map) => map.get(key),
            _ => None,
        }
    }

    fn at(&self, path: &[Step]) -> Option<&View> {
        path.iter().try_fold(self, |v, step| match (v, step) {
            (View::Map(map), Step::Key(k)) => map.get(k),
            (View::Seq(items), Step::Index(i)) => items.get(*i),
            _ => None,
        })
    }
}

pub fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// One step of a path into a view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

fn show(path: &[Step]) -> String {
    let parts: Vec<String> = path
        .iter()
        .map(|s| match s {
            Step::Key(k) => k.clone(),
            Step::Index(i) => i.to_string(),
        })
        .collect();
    if parts.is_empty() {
        "its root".to_string()
    } else {
        parts.join(".")
    }
}

/// The paths of a mapping's leaves (an added or removed mapping counts by its leaves).
fn leaves(value: &View, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match value {
        View::Map(map) if !map.is_empty() => {
            for (k, v) in map {
                path.push(Step::Key(k.clone()));
                leaves(v, path, out);
                path.pop();
            }
        }
        _ => out.push(path.clone()),
    }
}

/// The paths where two views differ (a sequence that changed length, as a whole).
pub fn changes(a: &View, b: &View, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match (a, b) {
        (View::Map(x), View::Map(y)) => {
            for (k, v) in x {
                path.push(Step::Key(k.clone()));
                match y.get(k) {
                    Some(w) => changes(v, w, path, out),
                    None => leaves(v, path, out),
                }
                path.pop();
            }
            for (k, w) in y.iter().filter(|(k, _)| !x.contains_key(*k)) {
                path.push(Step::Key(k.clone()));
                leaves(w, path, out);
                path.pop();
            }
        }
        (View::Seq(x), View::Seq(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                path.push(Step::Index(i));
                changes(v, w, path, out);
                path.pop();
            }
        }
        _ if a != b => out.push(path.clone()),
        _ => {}
    }
}

/// What render may edit, per kind (docs/edits.md): path prefixes.
const ALLOWED: &[(&str, &[&[&str]])] = &[
    (
        "Service",
        &[
            &["metadata", "annotations"],
            &["spec", "type"],
            &["spec", "loadBalancerClass"],
        ],
    ),
    ("Ingress", &[&["metadata", "annotations"]]),
    (
        "Gateway",
        &[&["spec", "listeners"], &["spec", "infrastructure"]],
    ),
    ("ListenerSet", &[&["spec", "listeners"]]),
    ("XListenerSet", &[&["spec", "listeners"]]),
    ("NetworkPolicy", &[&["spec", "ingress"]]),
];
/// Where the values render writes must be strings.
const STRING_MAPS: &[&[&str]] = &[
    &["metadata", "annotations"],
    &["spec", "infrastructure", "annotations"],
];
pub const ADDED_KINDS: &[&str] = &["CiliumNetworkPolicy"];

fn starts_with(path: &[Step], prefix: &[&str]) -> bool {
    path.len() >= prefix.len()
        && path
            .iter()
            .zip(prefix)
            .all(|(s, p)| matches!(s, Step::Key(k) if k == p))
}

/// Why a changed path is not an edit render may make, or `None` when it is one.
pub fn check_change(before: &View, after: &View, path: &[Step]) -> Option<String> {
    let kind = match after.get("kind") {
        Some(View::Str(k)) => k.as_str(),
        _ => "",
    };
    if kind.ends_with("List") && matches!(path.first(), Some(Step::Key(k)) if k == "items") {
        if path.len() < 2 {
            return Some("the items of a List changed as a whole".to_string());
        }
        return check_change(before.at(&path[..2])?, after.at(&path[..2])?, &path[2..]);
    }
    let prefixes = ALLOWED
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(&[][..], |(_, p)| *p);
    if !prefixes.iter().any(|p| starts_with(path, p)) {
        let what = if kind.is_empty() { "a document" } else { kind };
        return Some(format!("{what} changed at {}", show(path)));
    }
    for map in STRING_MAPS {
        if starts_with(path, map) {
            let written = after.at(path);
            if path.len() == map.len()
                && matches!(written, Some(View::NonString(Some(n))) if n == "null")
            {
                // Every entry removed: a null map is an absent one.
                continue;
            }
            let values: Vec<&View> = match written {
                Some(View::Map(m)) if path.len() == map.len() => m.values().collect(),
                Some(v) => vec![v],
                None => vec![],
            };
            if values.iter().any(|v| !matches!(v, View::Str(_))) {
                return Some(format!(
                    "{} is written as something other than a string",
                    show(path)
                ));
            }
        }
    }
    None
}

/// The documents of a stream that hold a YAML node other than a null, with their views,
/// and for each document of the stream its index among those.
pub struct Views {
    pub views: Vec<View>,
    pub content: Vec<Option<usize>>,
    pub texts: Vec<String>,
}

/// The views of a stream's documents; `Err` when it does not parse, or its aliases
/// expand past the budget (then the error starts with "budget").
pub fn views(text: &str) -> Result<Views, String> {
    let stream = Stream::parse(text, "<meaning>", "upbound-system").map_err(|e| e.to_string())?;
    let mut out = Views {
        views: Vec::new(),
        content: Vec::new(),
        texts: Vec::new(),
    };
    let mut budget = BUDGET;
    for doc in &stream.docs {
        out.texts.push(doc.text.to_string());
        let root = doc
            .tree
            .as_ref()
            .and_then(|t| t.root.filter(|&r| !t.is_null(r)).map(|r| (t, r)));
        match root {
            Some((tree, r)) => {
                out.content.push(Some(out.views.len()));
                let v = view(tree, r, &mut budget)
                    .ok_or_else(|| "budget: aliases expand too far to compare".to_string())?;
                out.views.push(v);
            }
            None => out.content.push(None),
        }
    }
    Ok(out)
}

/// How the documents of an input and its output line up: `(input, output, identical)`
/// for every input document with content (indices into the documents with content), and
/// the output documents with content that render added.
pub struct Alignment {
    pub pairs: Vec<(usize, usize, bool)>,
    pub added: Vec<usize>,
}

pub fn align(input: &Views, output: &Views) -> Result<Alignment, String> {
    if output.texts.len() == 1 && output.texts[0] == spaces_expose::render::NO_RESOURCES {
        // Render's answer to a stream without resources.
        return match input.views.is_empty() {
            true => Ok(Alignment {
                pairs: Vec::new(),
                added: Vec::new(),
            }),
            false => Err("resources in the input, none in the output".to_string()),
        };
    }
    let mut pairs = Vec::new();
    let mut added = Vec::new();
    let mut j = 0;
    for (i, text) in input.texts.iter().enumerate() {
        loop {
            let Some(produced) = output.texts.get(j) else {
                return Err(format!(
                    "input document {} is missing from the output",
                    i + 1
                ));
            };
            j += 1;
            let identical = produced == text;
            let is_added = !identical
                && output.content[j - 1].is_some_and(|o| {
                    matches!(output.views[o].get("kind"), Some(View::Str(k)) if ADDED_KINDS.contains(&k.as_str()))
                })
                && !input.texts.iter().any(|t| t == produced);
            if is_added {
                added.push(output.content[j - 1].expect("added documents have content"));
                continue;
            }
            match (input.content[i], output.content[j - 1]) {
                (Some(a), Some(b)) => pairs.push((a, b, identical)),
                (None, None) => {}
                _ => {
                    return Err(format!(
                        "input document {} and its output differ in having content",
                        i + 1
                    ));
                }
            }
            break;
        }
    }
    added.extend(output.content[j..].iter().flatten());
    Ok(Alignment { pairs, added })
}

/// The span tree's verdict: the output means the input plus edits render may make.
pub fn check(input: &str, output: &str) -> Result<(), String> {
    let a = match views(input) {
        Err(e) if e.starts_with("budget") => return Ok(()),
        other => other?,
    };
    let b = views(output)?;
    let alignment = align(&a, &b)?;
    for &(i, j, identical) in &alignment.pairs {
        if identical {
            continue;
        }
        let (before, after) = (&a.views[i], &b.views[j]);
        let mut found = Vec::new();
        changes(before, after, &mut Vec::new(), &mut found);
        for path in found {
            if let Some(why) = check_change(before, after, &path) {
                return Err(format!("document {}: {why}", i + 1));
            }
        }
    }
    for &j in &alignment.added {
        let kind = b.views[j].get("kind");
        if !matches!(kind, Some(View::Str(k)) if ADDED_KINDS.contains(&k.as_str())) {
            return Err(format!("render added a document of kind {kind:?}"));
        }
    }
    Ok(())
}

/// One case of the oracle's job (see `scripts/oracle/k8s_yaml_oracle.py`), as JSON.
pub fn oracle_case(name: &str, input: &str, output: &str) -> Result<String, String> {
    let (a, b) = (views(input)?, views(output)?);
    let alignment = align(&a, &b)?;
    let mut out = String::from("{\"name\":");
    json_string(name, &mut out);
    out.push_str(",\"input\":");
    json_string(input, &mut out);
    out.push_str(",\"output\":");
    json_string(output, &mut out);
    for (key, views) in [("in_views", &a.views), ("out_views", &b.views)] {
        let _ = write!(out, ",\"{key}\":[");
        for (i, v) in views.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            v.json(&mut out);
        }
        out.push(']');
    }
    out.push_str(",\"pairs\":[");
    for (n, (i, j, same)) in alignment.pairs.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        let _ = write!(out, "[{i},{j},{same}]");
    }
    out.push_str("],\"added\":[");
    for (n, j) in alignment.added.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        let _ = write!(out, "{j}");
    }
    out.push_str("]}");
    Ok(out)
}
