//! A parsed manifest stream: documents with their span trees and the Kubernetes
//! objects they hold (`kind: List` items count as objects of their own).

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Mutex;

use rayon::prelude::*;

use crate::error::{Error, Location, Result};
use crate::presets::HELM4_FILENAME_ANNOTATION;
use crate::stream;
use crate::yaml::{NodeId, Tree};

/// A Kubernetes object inside a document. Its strings borrow from the input (or from
/// the configured default namespace): a stream of many small documents must not pay
/// four allocations per object. Only a value the parser rewrote (an escape sequence in
/// a quoted scalar, a folded line) is copied.
#[derive(Debug, Clone)]
pub struct Object<'a> {
    /// The object's mapping node.
    pub node: NodeId,
    pub kind: Cow<'a, str>,
    pub api_version: Cow<'a, str>,
    pub name: Cow<'a, str>,
    /// `metadata.namespace`, or the configured default.
    pub namespace: Cow<'a, str>,
}

impl Object<'_> {
    /// `Kind namespace/name`, as messages show it.
    pub fn label(&self) -> String {
        format!("{} {}/{}", self.kind, self.namespace, self.name)
    }

    /// The API group (`networking.k8s.io` of `networking.k8s.io/v1`; empty for core).
    pub fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }
}

/// One document of the stream. Kept small (72 bytes besides its tree and objects): a
/// stream of 100,000 one-line documents holds 100,000 of them (docs/performance.md:
/// peak memory at most 3 × input + 16 MB).
#[derive(Debug)]
pub struct Document<'a> {
    /// 0-based position in the stream.
    pub index: usize,
    /// 1-based line of the document's first byte in the whole input.
    pub first_line: usize,
    /// The document's bytes, separator and leading comments included (a slice of the
    /// stream's input: [`Stream::range`] gives its position).
    pub text: &'a str,
    /// The path of a `# Source: <path>` comment before the content, if any.
    pub source: Option<&'a str>,
    /// `None` when the document holds no YAML node (separators and comments only), or
    /// holds no object in a stream parsed with [`Trees::OfObjects`].
    pub tree: Option<Box<Tree<'a>>>,
    pub objects: Box<[Object<'a>]>,
}

/// An object with the document and the tree it lives in.
#[derive(Debug, Clone, Copy)]
pub struct Obj<'s, 'a> {
    pub doc: &'s Document<'a>,
    pub tree: &'s Tree<'a>,
    pub object: &'s Object<'a>,
}

impl<'s, 'a> std::ops::Deref for Obj<'s, 'a> {
    type Target = Object<'a>;

    fn deref(&self) -> &Object<'a> {
        self.object
    }
}

#[derive(Debug)]
pub struct Stream<'a> {
    pub input: &'a str,
    /// The file name shown in messages (`<stdin>` for standard input).
    pub file: String,
    pub docs: Vec<Document<'a>>,
    /// Whether no document holds a YAML node.
    pub(crate) empty: bool,
}

/// Which documents keep their tree after the strict parse (every document is parsed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trees {
    /// Every document with content (check, diff and anything that reads YAML details
    /// outside objects, such as repeated keys or a Helm 4 annotation without `kind`).
    All,
    /// Only documents that hold objects, the only ones render reads or edits: a stream
    /// of many small documents without `kind` then keeps no tree for them.
    OfObjects,
    /// Documents that hold objects or repeated keys: what `check` reads (its YAML rule
    /// reports repeated keys in any document).
    OfObjectsAndRepeatedKeys,
}

/// Below this many documents, parsing in parallel costs more than it saves.
const PARALLEL_THRESHOLD: usize = 256;

/// Checks that the input is UTF-8 and returns it as text.
pub fn decode<'a>(input: &'a [u8], file: &str) -> Result<&'a str> {
    std::str::from_utf8(input).map_err(|e| {
        let valid = &input[..e.valid_up_to()];
        let text = std::str::from_utf8(valid).unwrap_or_default();
        let (line, column) = stream::line_col(text, text.len());
        Error::input(
            Location {
                file: file.to_string(),
                document: stream::split(text).len(),
                line,
                column,
                ..Location::default()
            },
            format!("input is not valid UTF-8 (byte offset {})", e.valid_up_to()),
            Some("Kubernetes manifests are UTF-8 text; re-encode the file".to_string()),
        )
    })
}

impl<'a> Stream<'a> {
    /// Splits and strictly parses every document.
    pub fn parse(input: &'a str, file: &str, default_namespace: &'a str) -> Result<Stream<'a>> {
        Self::parse_keeping(input, file, default_namespace, Trees::All)
    }

    /// Splits and strictly parses every document, keeping the trees `keep` names.
    pub fn parse_keeping(
        input: &'a str,
        file: &str,
        default_namespace: &'a str,
        keep: Trees,
    ) -> Result<Stream<'a>> {
        // The documents are recorded as the splitter finds them (no list of chunks
        // besides them), then parsed in place.
        let mut docs = Vec::new();
        let mut has_content = Vec::new();
        stream::for_each_chunk(input, |chunk| {
            has_content.push(chunk.has_content);
            docs.push(Document {
                index: docs.len(),
                first_line: chunk.first_line,
                text: &input[chunk.range],
                source: chunk.source.map(|r| &input[r]),
                tree: None,
                objects: Box::default(),
            });
        });
        // A line break that Kubernetes reads and this program would not is refused in
        // any document, also in one of comments only (never parsed otherwise): text after
        // it is content to Kubernetes.
        if let Some((at, message)) = crate::yaml::odd_line_break(input) {
            let doc = docs
                .iter()
                .rev()
                .find(|d| d.text.as_ptr() as usize - input.as_ptr() as usize <= at)
                .expect("the first document starts at 0");
            let start = doc.text.as_ptr() as usize - input.as_ptr() as usize;
            let (line, column) = stream::line_col(doc.text, at - start);
            return Err(invalid_yaml(doc, file, line, column, message));
        }
        if docs.len() >= PARALLEL_THRESHOLD {
            // The first failing document, in stream order, is the error.
            let failed: Mutex<Option<(usize, Error)>> = Mutex::new(None);
            docs.par_iter_mut()
                .zip(&has_content)
                .filter(|(_, content)| **content)
                .for_each(|(doc, _)| {
                    if let Err(e) = parse_document(doc, file, default_namespace, keep) {
                        let mut slot = failed.lock().unwrap_or_else(|p| p.into_inner());
                        if slot.as_ref().is_none_or(|(at, _)| doc.index < *at) {
                            *slot = Some((doc.index, e));
                        }
                    }
                });
            if let Some((_, e)) = failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
                return Err(e);
            }
        } else {
            for (doc, _) in docs
                .iter_mut()
                .zip(&has_content)
                .filter(|(_, content)| **content)
            {
                parse_document(doc, file, default_namespace, keep)?;
            }
        }
        Ok(Stream {
            input,
            file: file.to_string(),
            docs,
            empty: !has_content.contains(&true),
        })
    }

    /// A document's byte range in the input.
    pub fn range(&self, doc: &Document) -> Range<usize> {
        let start = (doc.text.as_ptr() as usize)
            .checked_sub(self.input.as_ptr() as usize)
            .filter(|start| start + doc.text.len() <= self.input.len())
            .expect("a document of this stream");
        start..start + doc.text.len()
    }

    /// Whether the stream holds no YAML node at all.
    pub fn is_empty(&self) -> bool {
        self.empty
    }

    /// Every object with its document and tree. An object exists only in a parsed
    /// document, so the tree is there by construction.
    pub fn objects<'s>(&'s self) -> impl Iterator<Item = Obj<'s, 'a>> {
        self.docs.iter().flat_map(|doc| {
            let tree = doc.tree.as_deref();
            tree.into_iter().flat_map(move |tree| {
                doc.objects
                    .iter()
                    .map(move |object| Obj { doc, tree, object })
            })
        })
    }

    /// Objects of one kind.
    pub fn of_kind<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = Obj<'s, 'a>> {
        self.objects().filter(move |o| o.object.kind == kind)
    }

    /// Where a node of an object is, for messages.
    pub fn at(&self, obj: &Obj, node: NodeId) -> Location {
        self.location(obj.doc, obj.tree, Some(obj.object), node)
    }

    /// Where a byte offset of a document is, for messages.
    pub fn location_at(&self, doc: &Document, object: Option<&Object>, offset: usize) -> Location {
        let (line, column) = stream::line_col(doc.text, offset);
        Location {
            file: self.file.clone(),
            document: doc.index + 1,
            template: template_of(doc, object),
            object: object.map(Object::label),
            line: doc.first_line + line - 1,
            column,
        }
    }

    /// Where a node of `doc`'s tree is, for messages.
    pub fn location(
        &self,
        doc: &Document,
        tree: &Tree,
        object: Option<&Object>,
        node: NodeId,
    ) -> Location {
        let n = tree.node(node);
        Location {
            file: self.file.clone(),
            document: doc.index + 1,
            template: template_of(doc, object),
            object: object.map(Object::label),
            line: doc.first_line + n.line - 1,
            column: n.col + 1,
        }
    }
}

/// Strictly parses one document with content and finds its objects.
fn parse_document<'a>(
    doc: &mut Document<'a>,
    file: &str,
    default_namespace: &'a str,
    keep: Trees,
) -> Result<()> {
    let tree = Tree::parse_scanned(doc.text)
        .map_err(|e| invalid_yaml(doc, file, e.line, e.column, &e.message))?;
    doc.objects = objects_of(&tree, default_namespace).into_boxed_slice();
    let kept = match keep {
        Trees::All => true,
        Trees::OfObjects => !doc.objects.is_empty(),
        Trees::OfObjectsAndRepeatedKeys => !doc.objects.is_empty() || !tree.duplicates.is_empty(),
    };
    if kept {
        doc.tree = Some(Box::new(tree));
    }
    Ok(())
}

/// A document that is not valid YAML, at a line and column of its text.
fn invalid_yaml(doc: &Document, file: &str, line: usize, column: usize, message: &str) -> Error {
    let location = Location {
        file: file.to_string(),
        document: doc.index + 1,
        template: doc.source.map(str::to_string),
        object: None,
        line: doc.first_line + line - 1,
        column,
    };
    Error::input(
        location,
        format!("invalid YAML: {message}"),
        Some("fix the template that produced this document; nothing was written".to_string()),
    )
}

/// The template a document came from: Helm 3's `# Source:` line, or Helm 4's
/// filename annotation.
pub fn template_of(doc: &Document, object: Option<&Object>) -> Option<String> {
    if let Some(source) = doc.source {
        return Some(source.to_string());
    }
    let tree = doc.tree.as_ref()?;
    let node = object.map(|o| o.node).or(tree.root)?;
    tree.str_at(
        node,
        &["metadata", "annotations", HELM4_FILENAME_ANNOTATION],
    )
    .map(str::to_string)
}

/// A scalar value of `tree` as a slice of the input when it is one (nearly always: the
/// tree keeps only rewritten values apart), otherwise a copy.
fn value_in<'a>(tree: &Tree<'a>, value: &str) -> Cow<'a, str> {
    let src: &'a str = tree.src;
    let offset = (value.as_ptr() as usize).wrapping_sub(src.as_ptr() as usize);
    match src.get(offset..offset.saturating_add(value.len())) {
        Some(s) if std::ptr::eq(s, value) => Cow::Borrowed(s),
        _ if value.is_empty() => Cow::Borrowed(""),
        _ => Cow::Owned(value.to_owned()),
    }
}

/// The object a mapping node holds: its `kind`, `apiVersion`, `metadata.name` and
/// `metadata.namespace` read as Kubernetes reads them (a `kind: !!binary Service` or a
/// `kind: 12` is no object kind, and such a node is no object to edit).
fn object_at<'a>(tree: &Tree<'a>, node: NodeId, default_namespace: &'a str) -> Option<Object<'a>> {
    if !tree.is_map(node) {
        return None;
    }
    let kind = value_in(tree, tree.string_at(node, &["kind"])?);
    Some(Object {
        node,
        api_version: value_in(
            tree,
            tree.string_at(node, &["apiVersion"]).unwrap_or_default(),
        ),
        name: value_in(
            tree,
            tree.string_at(node, &["metadata", "name"])
                .unwrap_or_default(),
        ),
        namespace: match tree
            .string_at(node, &["metadata", "namespace"])
            .filter(|ns| !ns.is_empty())
        {
            Some(ns) => value_in(tree, ns),
            None => Cow::Borrowed(default_namespace),
        },
        kind,
    })
}

fn objects_of<'a>(tree: &Tree<'a>, default_namespace: &'a str) -> Vec<Object<'a>> {
    let Some(root) = tree.root else {
        return Vec::new();
    };
    let Some(object) = object_at(tree, root, default_namespace) else {
        return Vec::new();
    };
    let is_list = object.kind == "List" || object.kind.ends_with("List");
    if is_list && let Some(items) = tree.get(root, "items") {
        return tree
            .items(items)
            .iter()
            .filter_map(|&item| object_at(tree, item, default_namespace))
            .collect();
    }
    vec![object]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_strings_borrow_from_the_input_unless_rewritten() {
        let input = "apiVersion: 'v1'\nkind: Service\nmetadata:\n  name: \"sp\\x61ces\"\n";
        let stream = Stream::parse(input, "<test>", "default-ns").expect("parses");
        let o = &stream.docs[0].objects[0];
        assert!(matches!(o.kind, Cow::Borrowed("Service")));
        assert!(matches!(o.api_version, Cow::Borrowed("v1")));
        assert!(matches!(o.namespace, Cow::Borrowed("default-ns")));
        assert!(matches!(&o.name, Cow::Owned(n) if n == "spaces"));
        assert_eq!(o.label(), "Service default-ns/spaces");
    }

    #[test]
    fn render_keeps_the_trees_of_documents_with_objects_only() {
        let input = "kind: ConfigMap\n---\na: 1\n---\n# only a comment\n";
        let trees = |s: &Stream| s.docs.iter().map(|d| d.tree.is_some()).collect::<Vec<_>>();
        let all = Stream::parse(input, "<test>", "ns").expect("parses");
        assert_eq!(trees(&all), [true, true, false]);
        let some = Stream::parse_keeping(input, "<test>", "ns", Trees::OfObjects).expect("parses");
        assert_eq!(trees(&some), [true, false, false]);
        let without_objects = "a: 1\n";
        let some = Stream::parse_keeping(without_objects, "<test>", "ns", Trees::OfObjects)
            .expect("parses");
        assert!(!some.is_empty(), "a document without objects is still YAML");
        // Every document is still strictly parsed.
        let broken = "a: 1\n---\nb: [\n";
        assert!(Stream::parse_keeping(broken, "<test>", "ns", Trees::OfObjects).is_err());
    }

    #[test]
    fn check_also_keeps_the_trees_of_documents_with_repeated_keys() {
        let input = "kind: ConfigMap\n---\na: 1\n---\na: 1\na: 2\n";
        let lint = Stream::parse_keeping(input, "<test>", "ns", Trees::OfObjectsAndRepeatedKeys)
            .expect("parses");
        let trees: Vec<bool> = lint.docs.iter().map(|d| d.tree.is_some()).collect();
        assert_eq!(trees, [true, false, true]);
    }

    #[test]
    fn the_first_broken_document_is_the_error_when_parsing_in_parallel() {
        let docs: String = (0..PARALLEL_THRESHOLD * 2)
            .map(|i| match i {
                100 | 300 => "---\nb: [\n".to_string(),
                _ => format!("---\na: {i}\n"),
            })
            .collect();
        match Stream::parse(&docs, "<test>", "ns") {
            Err(Error::Input { location, .. }) => {
                assert_eq!((location.document, location.line), (101, 202));
            }
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    /// A stream of many small documents pays these per document and per object
    /// (docs/performance.md, "Memory"): a field added here costs 100,000 documents
    /// that much each.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn per_document_records_stay_small() {
        let (document, object) = (size_of::<Document>(), size_of::<Object>());
        assert!(document <= 72, "Document is {document} bytes");
        assert!(object <= 104, "Object is {object} bytes");
    }
}
