//! `export`: the edits render makes, as kustomize patches, for pipelines that cannot run
//! a post-renderer (Flux's HelmRelease takes only kustomize post-renderers).
//!
//! The patches are computed from meaning, not text: each changed object of the input and
//! of render's output is read into a small JSON-like [`Value`] (YAML 1.1 scalars, as
//! Kubernetes decodes them), and the difference becomes patches. Keys render sets outside
//! lists go into a strategic-merge patch, which merges with what a later chart version
//! renders beside them. Removals are JSON 6902 `remove` operations: a strategic-merge
//! `null` with a patch target writes the string "null" (kubernetes-sigs/kustomize#5995).
//!
//! List elements can only be addressed by index in JSON 6902. To stay correct when a chart
//! upgrade moves them, every operation on an element is guarded by a `test`: an element
//! with a `name` (listeners, ports) is matched by that name and tested for it; any other
//! element (NetworkPolicy rules and peers) is tested for its whole old value. A patch whose
//! guard fails makes kustomize fail loudly instead of editing the wrong element.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::manifest::{Document, Object, Stream};
use crate::render::{self, Report};
use crate::yaml::write::quote;
use crate::yaml::{NodeId, NodeKind, Style, Tree};

/// What `export` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// A `postRenderers:` block to paste under a Flux HelmRelease's `spec`.
    Flux,
    /// A `kustomization.yaml` with the patches and no `resources`.
    Kustomize,
}

/// The exported text and what render reported on the way.
#[derive(Debug, Clone)]
pub struct Exported {
    pub output: String,
    pub report: Report,
    /// Objects that got a patch.
    pub patched: usize,
    /// Documents render adds, which no patch can create (listed as comments).
    pub added: usize,
}

/// A JSON value as Kubernetes reads a YAML node (mapping order kept).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Value>),
    Map(Vec<(String, Value)>),
}

impl Value {
    fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value as one line of JSON (with spaces after `:` and `,`, so that it is also
    /// a valid YAML 1.1 flow node).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) if f.is_finite() => {
                let _ = write!(out, "{f:?}");
            }
            Value::Float(f) if f.is_nan() => out.push_str(".nan"),
            Value::Float(f) => out.push_str(if *f > 0.0 { ".inf" } else { "-.inf" }),
            Value::Str(s) => out.push_str(&quote(s)),
            Value::Seq(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Value::Map(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&quote(k));
                    out.push_str(": ");
                    v.write_json(out);
                }
                out.push('}');
            }
        }
    }
}

/// Why a node has no [`Value`]: the byte offset in the document and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub at: usize,
    pub message: String,
}

/// Reads a node of a tree as Kubernetes does (sigs.k8s.io/yaml: YAML 1.1 scalars).
pub fn value_of(tree: &Tree, id: NodeId) -> Result<Value, Unreadable> {
    let node = tree.node(id);
    match node.kind {
        NodeKind::Scalar {
            value,
            style,
            tagged,
        } => Ok(scalar_value(tree, id, value, style, tagged)),
        NodeKind::Map { entries, .. } => {
            let mut out: Vec<(String, Value)> = Vec::with_capacity(entries.len());
            for &(k, v) in entries {
                let Some(key) = tree.scalar(k) else {
                    return Err(Unreadable {
                        at: tree.span(k).start,
                        message: "a mapping key that is not a scalar".to_string(),
                    });
                };
                if key == "<<"
                    && matches!(
                        tree.node(k).kind,
                        NodeKind::Scalar {
                            style: Style::Plain,
                            ..
                        }
                    )
                {
                    return Err(Unreadable {
                        at: tree.span(k).start,
                        message: "a YAML merge key (<<)".to_string(),
                    });
                }
                let value = value_of(tree, v)?;
                // A repeated key: the last one wins, as in Kubernetes.
                match out.iter_mut().find(|(k, _)| k == key) {
                    Some(slot) => slot.1 = value,
                    None => out.push((key.to_string(), value)),
                }
            }
            Ok(Value::Map(out))
        }
        NodeKind::Seq { items, .. } => items
            .iter()
            .map(|&i| value_of(tree, i))
            .collect::<Result<_, _>>()
            .map(Value::Seq),
        NodeKind::Alias => Err(Unreadable {
            at: node.start,
            message: "a YAML alias (*name)".to_string(),
        }),
    }
}

fn scalar_value(tree: &Tree, id: NodeId, value: &str, style: Style, tagged: bool) -> Value {
    if tagged {
        // The tag sits before the node's content: `!!str 1`, `!!int "8"`.
        let before = &tree.src[..tree.span(id).start];
        let tag = before
            .trim_end()
            .rsplit(|c: char| c.is_whitespace() || matches!(c, ':' | '-' | '[' | ',' | '{'))
            .next()
            .unwrap_or_default();
        return match tag {
            "!!int" | "!!float" | "!!bool" | "!!null" => plain_value(value),
            _ => Value::Str(value.to_string()),
        };
    }
    match style {
        Style::Plain => plain_value(value),
        _ => Value::Str(value.to_string()),
    }
}

/// A plain scalar resolved as go-yaml v2 does (the resolver sigs.k8s.io/yaml uses).
fn plain_value(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    if !crate::yaml::resolves_to_non_string(s) {
        return Value::Str(s.to_string());
    }
    let digits: String = s.chars().filter(|&c| c != '_').collect();
    if let Some(i) = go_int(&digits) {
        return Value::Int(i);
    }
    match digits.parse::<f64>() {
        Ok(f) => Value::Float(f),
        // Integer syntax out of the int64 range: go-yaml falls back to a float.
        Err(_) => Value::Str(s.to_string()),
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
fn go_int(s: &str) -> Option<i64> {
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(digits, radix).ok()?;
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

/// One JSON 6902 operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Test(String, Value),
    Remove(String),
    Add(String, Value),
    Replace(String, Value),
}

/// A JSON pointer segment (RFC 6901: `~` is `~0`, `/` is `~1`).
fn pointer(base: &str, segment: &str) -> String {
    format!("{base}/{}", segment.replace('~', "~0").replace('/', "~1"))
}

/// The difference between two objects: JSON 6902 operations, and what a strategic-merge
/// patch sets (map keys outside lists, which stay right when a chart upgrade adds keys
/// beside them; a JSON 6902 `add` of a whole map would drop those).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Changes {
    pub ops: Vec<Op>,
    /// The keys to set, by their path of map keys (a `null` value never goes here: in a
    /// strategic-merge patch it deletes, and with a target it writes "null").
    pub merge: Vec<(Vec<String>, Value)>,
}

/// The changes that turn `old` into `new`.
pub fn diff(old: &Value, new: &Value) -> Changes {
    let mut out = Changes::default();
    diff_at("", Some(&[]), old, new, &mut out, false);
    out
}

fn holds_null(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Seq(items) => items.iter().any(holds_null),
        Value::Map(entries) => entries.iter().any(|(_, v)| holds_null(v)),
        _ => false,
    }
}

/// `keys`: the map keys from the object to `path`, or `None` inside a list.
/// `guarded`: an enclosing `test` already holds `old` whole, so list elements inside it
/// need no guard of their own.
fn diff_at(
    path: &str,
    keys: Option<&[String]>,
    old: &Value,
    new: &Value,
    out: &mut Changes,
    guarded: bool,
) {
    if old == new {
        return;
    }
    let set = |key: Option<&str>, value: &Value, out: &mut Changes| -> bool {
        let Some(keys) = keys else { return false };
        if holds_null(value) || (keys.is_empty() && key.is_none()) {
            return false;
        }
        let mut at = keys.to_vec();
        at.extend(key.map(str::to_string));
        out.merge.push((at, value.clone()));
        true
    };
    match (old, new) {
        (Value::Map(a), Value::Map(b)) => {
            for (k, _) in a {
                if !b.iter().any(|(key, _)| key == k) {
                    out.ops.push(Op::Remove(pointer(path, k)));
                }
            }
            for (k, v) in b {
                match a.iter().find(|(key, _)| key == k) {
                    Some((_, was)) => {
                        let inner: Option<Vec<String>> = keys.map(|keys| {
                            let mut inner = keys.to_vec();
                            inner.push(k.clone());
                            inner
                        });
                        diff_at(&pointer(path, k), inner.as_deref(), was, v, out, guarded);
                    }
                    None => {
                        if !set(Some(k), v, out) {
                            out.ops.push(Op::Add(pointer(path, k), v.clone()));
                        }
                    }
                }
            }
        }
        (Value::Seq(a), Value::Seq(b)) => diff_seq(path, a, b, out, guarded),
        _ => {
            if !set(None, new, out) {
                out.ops.push(Op::Replace(path.to_string(), new.clone()));
            }
        }
    }
}

/// The `name` of every element, when all have a distinct string name.
fn names(items: &[Value]) -> Option<Vec<&str>> {
    let names: Vec<&str> = items
        .iter()
        .map(|v| match v.get("name") {
            Some(Value::Str(s)) => Some(s.as_str()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    (sorted.len() == names.len()).then_some(names)
}

/// Maps with the same keys that agree on at least one: the same element, edited.
fn similar(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, _)| y.iter().any(|(key, _)| key == k))
                && x.iter().any(|(k, v)| b.get(k) == Some(v))
        }
        _ => false,
    }
}

/// For each new element, the old one it continues (if any); increasing old indices.
fn align(a: &[Value], b: &[Value]) -> Option<Vec<Option<usize>>> {
    if let (Some(old), Some(new)) = (names(a), names(b))
        && (!a.is_empty() && !b.is_empty())
    {
        let pairs: Vec<Option<usize>> = new
            .iter()
            .map(|n| old.iter().position(|o| o == n))
            .collect();
        let matched: Vec<usize> = pairs.iter().flatten().copied().collect();
        // A reordered list cannot be patched element by element.
        return matched.windows(2).all(|w| w[0] < w[1]).then_some(pairs);
    }
    // Longest common subsequence of equal elements; in the gaps between them, elements
    // that are similar pair up in order.
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut anchors = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] {
            anchors.push((i, j));
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    anchors.push((n, m));
    let mut pairs = vec![None; m];
    let (mut from_i, mut from_j) = (0, 0);
    for (ai, aj) in anchors {
        let mut k = from_i;
        for (j, slot) in pairs.iter_mut().enumerate().take(aj).skip(from_j) {
            if k < ai && (similar(&a[k], &b[j]) || (ai - k == aj - j)) {
                *slot = Some(k);
                k += 1;
            }
        }
        if aj < m {
            pairs[aj] = Some(ai);
        }
        (from_i, from_j) = (ai + 1, aj + 1);
    }
    Some(pairs)
}

fn diff_seq(path: &str, a: &[Value], b: &[Value], out: &mut Changes, guarded: bool) {
    let ops = &mut out.ops;
    let named = names(a).is_some() && names(b).is_some() && !a.is_empty() && !b.is_empty();
    let Some(pairs) = align(a, b) else {
        if !guarded {
            ops.push(Op::Test(path.to_string(), Value::Seq(a.to_vec())));
        }
        ops.push(Op::Replace(path.to_string(), Value::Seq(b.to_vec())));
        return;
    };
    let guard = |at: &str, old: &Value, ops: &mut Vec<Op>| {
        if guarded {
            return;
        }
        if named {
            let name = old.get("name").cloned().unwrap_or(Value::Null);
            ops.push(Op::Test(pointer(at, "name"), name));
        } else {
            ops.push(Op::Test(at.to_string(), old.clone()));
        }
    };
    let kept: Vec<usize> = pairs.iter().flatten().copied().collect();
    for i in (0..a.len()).rev().filter(|i| !kept.contains(i)) {
        let at = pointer(path, &i.to_string());
        guard(&at, &a[i], ops);
        ops.push(Op::Remove(at));
    }
    let mut len = kept.len();
    for (p, (pair, new)) in pairs.iter().zip(b).enumerate() {
        let at = pointer(path, &p.to_string());
        match pair {
            Some(i) if a[*i] == *new => {}
            Some(i) => {
                let old = &a[*i];
                guard(&at, old, ops);
                if named || similar(old, new) {
                    let mut inner = Changes::default();
                    diff_at(&at, None, old, new, &mut inner, guarded || !named);
                    ops.extend(inner.ops);
                } else {
                    ops.push(Op::Replace(at, new.clone()));
                }
            }
            None => {
                let at = if p == len { pointer(path, "-") } else { at };
                ops.push(Op::Add(at, new.clone()));
                len += 1;
            }
        }
    }
}

/// The JSON 6902 operations as a YAML list (the text of a kustomize `patch`).
fn ops_yaml(ops: &[Op]) -> String {
    let mut out = String::new();
    for op in ops {
        let (name, path, value) = match op {
            Op::Test(p, v) => ("test", p, Some(v)),
            Op::Remove(p) => ("remove", p, None),
            Op::Add(p, v) => ("add", p, Some(v)),
            Op::Replace(p, v) => ("replace", p, Some(v)),
        };
        let _ = writeln!(out, "- op: {name}\n  path: {}", quote(path));
        if let Some(v) = value {
            let _ = writeln!(out, "  value: {}", v.to_json());
        }
    }
    out
}

/// The objects of a stream with their documents, for pairing.
fn objects<'s, 'a>(stream: &'s Stream<'a>) -> Vec<(&'s Document<'a>, &'s Object<'a>)> {
    stream.objects().map(|o| (o.doc, o.object)).collect()
}

/// What pairs an output object with its input object: apiVersion, kind, namespace, name.
type Identity<'o> = (&'o str, &'o str, &'o str, &'o str);

fn identity<'o>(o: &'o Object) -> Identity<'o> {
    (&o.api_version, &o.kind, &o.namespace, &o.name)
}

/// One object's patch.
struct Patch {
    group: String,
    version: String,
    kind: String,
    name: String,
    /// `metadata.namespace` as written (a selector on the default would miss an object
    /// that carries none).
    namespace: Option<String>,
    api_version: String,
    changes: Changes,
    label: String,
}

/// kustomize matches selector names as anchored regular expressions.
fn regex_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn read(stream: &Stream, doc: &Document, object: &Object) -> Result<Value> {
    let tree = doc.tree.as_ref().expect("objects live in parsed documents");
    value_of(tree, object.node).map_err(|e| {
        Error::input(
            stream.location_at(doc, Some(object), e.at),
            format!("export cannot read this object: it uses {}", e.message),
            Some("expand it in the template; a patch is computed from plain values".to_string()),
        )
    })
}

/// The patches and the added documents that turn `input` into render's output.
pub fn export(input: &[u8], file: &str, config: &Config, format: ExportFormat) -> Result<Exported> {
    let rendered = render::render(input, file, config)?;
    let text = crate::manifest::decode(input, file)?;
    let before = Stream::parse(text, file, &config.namespace)?;
    let after = Stream::parse(&rendered.output, file, &config.namespace)?;
    let old = objects(&before);
    let mut used = vec![false; old.len()];
    // The input objects by identity, in stream order (one identity may repeat).
    let mut by_identity: HashMap<Identity, VecDeque<usize>> = HashMap::new();
    for (i, (_, object)) in old.iter().enumerate() {
        by_identity
            .entry(identity(object))
            .or_default()
            .push_back(i);
    }
    let mut patches = Vec::new();
    let mut added: Vec<(String, &str)> = Vec::new();
    for (doc, object) in objects(&after) {
        let next = by_identity
            .get_mut(&identity(object))
            .and_then(VecDeque::pop_front);
        let Some(at) = next else {
            if !added.iter().any(|(_, t)| std::ptr::eq(*t, doc.text)) {
                added.push((object.label(), doc.text));
            }
            continue;
        };
        used[at] = true;
        let (old_doc, old_object) = old[at];
        let (old_tree, new_tree) = (
            old_doc.tree.as_ref().expect("parsed"),
            doc.tree.as_ref().expect("parsed"),
        );
        if old_tree.text(old_object.node) == new_tree.text(object.node) {
            continue;
        }
        let was = read(&before, old_doc, old_object)?;
        let now = read(&after, doc, object)?;
        let changes = diff(&was, &now);
        if changes == Changes::default() {
            continue;
        }
        patches.push(Patch {
            group: object.group().to_string(),
            version: object
                .api_version
                .rsplit_once('/')
                .map_or(&*object.api_version, |(_, v)| v)
                .to_string(),
            kind: object.kind.to_string(),
            name: object.name.to_string(),
            namespace: new_tree
                .str_at(object.node, &["metadata", "namespace"])
                .map(str::to_string),
            api_version: object.api_version.to_string(),
            changes,
            label: object.label(),
        });
    }
    let removed: Vec<String> = old
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|((_, o), _)| o.label())
        .collect();
    let output = write(format, &patches, &added, &removed);
    Ok(Exported {
        output,
        report: rendered.report,
        patched: patches.len(),
        added: added.len(),
    })
}

/// The strategic-merge patch that sets `merge`'s keys (kustomize wants the object's
/// apiVersion, kind and name in it).
fn merge_patch(patch: &Patch) -> Value {
    let mut root = Value::Map(vec![
        ("apiVersion".into(), Value::Str(patch.api_version.clone())),
        ("kind".into(), Value::Str(patch.kind.clone())),
        (
            "metadata".into(),
            Value::Map(vec![("name".into(), Value::Str(patch.name.clone()))]),
        ),
    ]);
    for (keys, value) in &patch.changes.merge {
        let mut at = &mut root;
        for key in keys {
            let Value::Map(entries) = at else {
                unreachable!("merge paths run through maps only")
            };
            let i = match entries.iter().position(|(k, _)| k == key) {
                Some(i) => i,
                None => {
                    entries.push((key.clone(), Value::Map(Vec::new())));
                    entries.len() - 1
                }
            };
            at = &mut entries[i].1;
        }
        *at = value.clone();
    }
    root
}

/// A value as block YAML: nested maps as blocks, anything else as one JSON node.
fn block_yaml(value: &Value, indent: usize, out: &mut String) {
    let Value::Map(entries) = value else { return };
    for (k, v) in entries {
        let _ = write!(out, "{:indent$}{}:", "", crate::yaml::write::key(k));
        match v {
            Value::Map(inner) if !inner.is_empty() => {
                out.push('\n');
                block_yaml(v, indent + 2, out);
            }
            _ => {
                let _ = writeln!(out, " {}", v.to_json());
            }
        }
    }
}

/// The `patches` entries, indented by `indent` spaces: per object, the JSON 6902
/// operations (guards and removals first), then the strategic-merge patch.
fn write_patches(out: &mut String, patches: &[Patch], indent: usize) {
    let pad = " ".repeat(indent);
    for patch in patches {
        let mut bodies = Vec::new();
        if !patch.changes.ops.is_empty() {
            bodies.push(("JSON 6902", ops_yaml(&patch.changes.ops)));
        }
        if !patch.changes.merge.is_empty() {
            let mut body = String::new();
            block_yaml(&merge_patch(patch), 0, &mut body);
            bodies.push(("strategic merge", body));
        }
        for (kind, body) in bodies {
            let _ = writeln!(out, "{pad}# {} ({kind})", patch.label);
            let _ = writeln!(out, "{pad}- target:");
            if !patch.group.is_empty() {
                let _ = writeln!(out, "{pad}    group: {}", quote(&patch.group));
            }
            let _ = writeln!(out, "{pad}    version: {}", quote(&patch.version));
            let _ = writeln!(out, "{pad}    kind: {}", quote(&patch.kind));
            let _ = writeln!(out, "{pad}    name: {}", quote(&regex_literal(&patch.name)));
            if let Some(ns) = &patch.namespace {
                let _ = writeln!(out, "{pad}    namespace: {}", quote(&regex_literal(ns)));
            }
            let _ = writeln!(out, "{pad}  patch: |");
            for line in body.lines() {
                let _ = writeln!(out, "{pad}    {line}");
            }
        }
    }
}

fn write(
    format: ExportFormat,
    patches: &[Patch],
    added: &[(String, &str)],
    removed: &[String],
) -> String {
    let mut out = String::new();
    let how = match format {
        ExportFormat::Flux => "flux",
        ExportFormat::Kustomize => "kustomize",
    };
    let _ = writeln!(
        out,
        "# spaces-expose export --format {how}: the edits render makes to this stream, on {} object(s).",
        patches.len()
    );
    out.push_str(
        "# Keys it sets are strategic-merge patches; removals and list edits are JSON 6902 operations.\n\
         # A list element is addressed by index and guarded by a `test` operation: after a chart\n\
         # upgrade that moves it, kustomize fails instead of editing the wrong element. Export again then.\n",
    );
    match format {
        ExportFormat::Flux => {
            out.push_str("# Paste the postRenderers key under your HelmRelease's spec.\n");
            if patches.is_empty() {
                out.push_str("postRenderers: []\n");
            } else {
                out.push_str("postRenderers:\n  - kustomize:\n      patches:\n");
                write_patches(&mut out, patches, 8);
            }
        }
        ExportFormat::Kustomize => {
            out.push_str(
                "# No resources: list yours (e.g. the output of helm template) under `resources:`.\n\
                 apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n",
            );
            if patches.is_empty() {
                out.push_str("patches: []\n");
            } else {
                out.push_str("patches:\n");
                write_patches(&mut out, patches, 2);
            }
        }
    }
    if !added.is_empty() {
        let names: Vec<&str> = added.iter().map(|(l, _)| l.as_str()).collect();
        let _ = writeln!(
            out,
            "#\n# Not a patch: render adds {} ({}).\n\
             # A patch cannot create an object: save the documents below without their leading \"# \"\n\
             # as a file and add it as a resource{}.\n#",
            if added.len() == 1 {
                "an object"
            } else {
                "objects"
            },
            names.join(", "),
            match format {
                ExportFormat::Flux => {
                    "\n# (for Flux: to the Kustomization that applies this HelmRelease)"
                }
                ExportFormat::Kustomize => " (under `resources:` in this kustomization)",
            }
        );
        for (_, text) in added {
            let body = text.trim_end_matches(['\n', '\r']);
            if !body.trim_start().starts_with("---") {
                out.push_str("# ---\n");
            }
            for line in body.lines() {
                let line = line.trim_end_matches('\r');
                if line.is_empty() {
                    out.push_str("#\n");
                } else {
                    let _ = writeln!(out, "# {line}");
                }
            }
        }
    }
    if !removed.is_empty() {
        let _ = writeln!(
            out,
            "#\n# Not exported: render's output lacks {}; no patch here removes an object.",
            removed.join(", ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(src: &str) -> Value {
        let tree = Tree::parse(src).unwrap();
        value_of(&tree, tree.root.unwrap()).unwrap()
    }

    fn ops(a: &str, b: &str) -> String {
        let changes = diff(&value(a), &value(b));
        let mut out = ops_yaml(&changes.ops);
        for (keys, v) in &changes.merge {
            let _ = writeln!(out, "set {}: {}", keys.join("."), v.to_json());
        }
        out
    }

    #[test]
    fn scalars_read_as_kubernetes_reads_them() {
        let v = value(
            "a: yes\nb: \"yes\"\nc: 0644\nd: 1_000\ne: 1.5\nf: ~\ng: 0x1F\nh: v1\ni: !!str 8\nj: 8443\n",
        );
        assert_eq!(
            v.to_json(),
            r#"{"a": true, "b": "yes", "c": 420, "d": 1000, "e": 1.5, "f": null, "g": 31, "h": "v1", "i": "8", "j": 8443}"#
        );
    }

    #[test]
    fn keys_outside_lists_are_set_by_a_merge_patch_unless_null() {
        assert_eq!(
            ops(
                "metadata: {name: r}\nspec: {type: ClusterIP}\n",
                "metadata: {name: r, annotations: {a: \"1\"}}\nspec: {type: LoadBalancer, x: null}\n"
            ),
            "- op: add\n  path: \"/spec/x\"\n  value: null\n\
             set metadata.annotations: {\"a\": \"1\"}\n\
             set spec.type: \"LoadBalancer\"\n"
        );
    }

    #[test]
    fn removed_keys_are_remove_operations_with_escaped_pointers() {
        assert_eq!(
            ops(
                "metadata:\n  annotations:\n    a.io/x: \"1\"\n    b~c: d\n",
                "metadata:\n  annotations:\n    a.io/y: \"2\"\n"
            ),
            "- op: remove\n  path: \"/metadata/annotations/a.io~1x\"\n\
             - op: remove\n  path: \"/metadata/annotations/b~0c\"\n\
             set metadata.annotations.a.io/y: \"2\"\n"
        );
    }

    #[test]
    fn named_elements_are_matched_and_tested_by_name() {
        assert_eq!(
            ops(
                "l:\n- name: a\n  p: 1\n- name: b\n  p: HTTPS\n",
                "l:\n- name: a\n  p: 1\n- name: b\n  p: TLS\n"
            ),
            "- op: test\n  path: \"/l/1/name\"\n  value: \"b\"\n\
             - op: replace\n  path: \"/l/1/p\"\n  value: \"TLS\"\n"
        );
    }

    #[test]
    fn unnamed_elements_are_tested_for_their_whole_value() {
        assert_eq!(
            ops(
                "from:\n- {podSelector: {matchLabels: {app: nginx}}}\n- {podSelector: {matchLabels: {app: agent}}}\n",
                "from:\n- {podSelector: {matchLabels: {app: envoy}}, namespaceSelector: {matchLabels: {n: e}}}\n- {podSelector: {matchLabels: {app: agent}}}\n"
            ),
            "- op: test\n  path: \"/from/0\"\n  value: {\"podSelector\": {\"matchLabels\": {\"app\": \"nginx\"}}}\n\
             - op: replace\n  path: \"/from/0\"\n  value: {\"podSelector\": {\"matchLabels\": {\"app\": \"envoy\"}}, \"namespaceSelector\": {\"matchLabels\": {\"n\": \"e\"}}}\n"
        );
    }

    #[test]
    fn added_and_removed_elements() {
        assert_eq!(
            ops("l: [a, b, c]\n", "l: [b, c, d]\n"),
            "- op: test\n  path: \"/l/0\"\n  value: \"a\"\n\
             - op: remove\n  path: \"/l/0\"\n\
             - op: add\n  path: \"/l/-\"\n  value: \"d\"\n"
        );
    }

    #[test]
    fn aliases_are_refused() {
        let tree = Tree::parse("a: &x 1\nb: *x\n").unwrap();
        assert!(value_of(&tree, tree.root.unwrap()).is_err());
    }
}
