//! A small span tree over the strict parser's events.
//!
//! One tree per document. Nodes live in an arena and record where they sit in the
//! document text (byte offsets, line and column), so the same structure serves
//! reading values, reporting findings at `line:column`, and computing byte splices.
//! Aliases are kept as leaves and never expanded.
//!
//! This module holds the tree's storage and its read API; `builder.rs` builds trees
//! from nodes as a parser reports them, `parse.rs` adapts granit-parser's events (and
//! the fast path) to the builder.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::OnceLock;

use granit_parser::{ErrorKind, Event, Options, Parser, ScalarStyle, StructureStyle, Tag};

/// Index of a node in a [`Tree`]. 32 bits: a document is refused before it reaches 4 GiB,
/// and halving the index size matters because every mapping entry stores two of them.
pub type NodeId = u32;

/// How a scalar was written in the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

impl Style {
    fn from_parser(style: ScalarStyle) -> Self {
        match style {
            ScalarStyle::Plain => Style::Plain,
            ScalarStyle::SingleQuoted => Style::SingleQuoted,
            ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
            ScalarStyle::Literal => Style::Literal,
            ScalarStyle::Folded => Style::Folded,
        }
    }

    const ALL: [Style; 5] = [
        Style::Plain,
        Style::SingleQuoted,
        Style::DoubleQuoted,
        Style::Literal,
        Style::Folded,
    ];
}

/// What a node is, as [`Tree::node`] shows it (borrowed from the tree).
#[derive(Debug, Clone, Copy)]
pub enum NodeKind<'t> {
    Scalar {
        value: &'t str,
        style: Style,
        /// An explicit tag such as `!!str` or `!!int` decides the type on its own.
        tagged: bool,
    },
    Map {
        flow: bool,
        entries: &'t [(NodeId, NodeId)],
    },
    Seq {
        flow: bool,
        items: &'t [NodeId],
    },
    Alias,
}

/// A node as [`Tree::node`] shows it: positions are computed from the compact storage.
#[derive(Debug, Clone, Copy)]
pub struct Node<'t> {
    pub kind: NodeKind<'t>,
    /// Byte offset of the first character of the node in the document text.
    pub start: usize,
    /// Byte offset just past the node's content (trailing blank space of block
    /// scalars excluded).
    pub end: usize,
    /// 1-based line within the document text.
    pub line: usize,
    /// 0-based column in characters.
    pub col: usize,
}

/// One node in 12 bytes plus a tag byte (kept in a parallel array so that no padding is
/// paid). A manifest holds about two nodes per line of text, so this size decides the
/// program's peak memory (docs/performance.md: at most 3 × input + 16 MB).
#[derive(Debug, Clone, Copy)]
struct Slot {
    start: u32,
    end: u32,
    /// Collections, and scalars whose value is not simply their source text: an index in
    /// `Tree::extra`. Unused otherwise.
    x: u32,
}

// Tag byte layout: bits 0-1 the kind, bits 2-4 the scalar style, bit 5 tagged (any node
// but an alias), bit 6 the value lives in `owned` rather than in the source, bit 7 a flow
// collection or, for a scalar, a value described in `extra` (offset and length) rather
// than by the span.
const KIND_MASK: u8 = 0b11;
const K_SCALAR: u8 = 0;
const K_MAP: u8 = 1;
const K_SEQ: u8 = 2;
const K_ALIAS: u8 = 3;
const STYLE_SHIFT: u8 = 2;
const TAGGED: u8 = 1 << 5;
const OWNED: u8 = 1 << 6;
const FLOW: u8 = 1 << 7;
const EXTRA: u8 = 1 << 7;

/// A duplicate key found while building the tree (Kubernetes silently keeps the last).
#[derive(Debug, Clone)]
pub struct DuplicateKey {
    pub key: String,
    pub first: NodeId,
    pub again: NodeId,
}

/// A parse failure, positioned in the document text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    /// 1-based line within the document text.
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
}

#[derive(Debug)]
pub struct Tree<'a> {
    pub src: &'a str,
    slots: Box<[Slot]>,
    tags: Box<[u8]>,
    /// Per collection: first index in `pairs` or `seq_items`, and the count. Per scalar
    /// with `EXTRA`: offset of its value (in the source or `owned`) and length.
    extra: Box<[(u32, u32)]>,
    pairs: Box<[(NodeId, NodeId)]>,
    seq_items: Box<[NodeId]>,
    /// Scalar values that differ from their source text (escapes, folded lines), end to end.
    owned: Box<str>,
    /// Byte offsets of line starts, built on the first position lookup (messages and
    /// edits only need it for a handful of documents).
    lines: OnceLock<Box<[u32]>>,
    /// The document's root node; `None` for an empty document (comments only).
    pub root: Option<NodeId>,
    pub duplicates: Vec<DuplicateKey>,
    /// Tags, aliased anchors and merge keys: `None` for the documents (nearly all) that
    /// have none, so that they cost one pointer.
    meaning: Option<Box<Meaning>>,
}

/// What a reader must know beyond the nodes to read a document as Kubernetes does.
#[derive(Debug, Default)]
struct Meaning {
    /// Tagged scalars that Kubernetes reads as strings (`!!str`, or a local tag such as
    /// `!custom`, which go-yaml v2 leaves a string), in node order.
    str_tagged: Vec<NodeId>,
    /// Nodes that carry an anchor some alias refers to, in node order.
    aliased: Vec<NodeId>,
    /// Mappings with a merge key (`<<`) and their entries as Kubernetes reads them:
    /// `(map, first, count)` into `merged_pairs`, in node order.
    merged: Vec<(NodeId, u32, u32)>,
    merged_pairs: Vec<(NodeId, NodeId)>,
}

mod builder;
mod parse;

pub(super) use builder::{Scratch, build};

impl<'a> Tree<'a> {
    /// The first way in which two trees of the same text differ (node by node: kind,
    /// value, style, children, span and position; then the repeated keys), or `None`
    /// when they are the same. The differential checks of the fast path use it.
    pub fn difference(&self, other: &Tree) -> Option<String> {
        if self.src != other.src {
            return Some("different texts".to_string());
        }
        if self.root != other.root {
            return Some(format!("root {:?} vs {:?}", self.root, other.root));
        }
        if self.len() != other.len() {
            return Some(format!("{} nodes vs {}", self.len(), other.len()));
        }
        for id in 0..self.len() as NodeId {
            let (a, b) = (
                format!("{:?}", self.node(id)),
                format!("{:?}", other.node(id)),
            );
            if a != b {
                return Some(format!("node {id}: {a} vs {b}"));
            }
        }
        let dups = |t: &Tree| -> Vec<(String, NodeId, NodeId)> {
            t.duplicates
                .iter()
                .map(|d| (d.key.clone(), d.first, d.again))
                .collect()
        };
        let (a, b) = (dups(self), dups(other));
        (a != b).then(|| format!("repeated keys {a:?} vs {b:?}"))
    }

    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    fn line_starts(&self) -> &[u32] {
        self.lines.get_or_init(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', self.src.as_bytes()).map(|i| i as u32 + 1))
                .collect()
        })
    }

    /// 1-based line and 0-based column (in characters) of a byte offset.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let lines = self.line_starts();
        let line = lines.partition_point(|&s| s as usize <= offset).max(1);
        let line_start = lines[line - 1] as usize;
        let offset = offset.min(self.src.len());
        let mut col = self
            .src
            .get(line_start..offset)
            .map_or(offset - line_start, |s| s.chars().count());
        // A byte-order mark is not a column.
        if line_start == 0 && offset >= 3 && self.src.starts_with('\u{feff}') {
            col -= 1;
        }
        (line, col)
    }

    fn kind(&self, id: NodeId) -> NodeKind<'_> {
        let slot = self.slots[id as usize];
        let tag = self.tags[id as usize];
        let (a, n) = match tag & KIND_MASK {
            K_MAP | K_SEQ => {
                let (a, n) = self.extra[slot.x as usize];
                (a as usize, n as usize)
            }
            _ => (0, 0),
        };
        match tag & KIND_MASK {
            K_SCALAR => NodeKind::Scalar {
                value: scalar_in(
                    self.src,
                    &self.slots,
                    &self.tags,
                    &self.extra,
                    &self.owned,
                    id,
                )
                .unwrap_or_default(),
                style: Style::ALL[((tag >> STYLE_SHIFT) & 0b111) as usize],
                tagged: tag & TAGGED != 0,
            },
            K_MAP => NodeKind::Map {
                flow: tag & FLOW != 0,
                entries: &self.pairs[a..a + n],
            },
            K_SEQ => NodeKind::Seq {
                flow: tag & FLOW != 0,
                items: &self.seq_items[a..a + n],
            },
            _ => NodeKind::Alias,
        }
    }

    /// A node with its kind and position (line and column are computed on demand).
    pub fn node(&self, id: NodeId) -> Node<'_> {
        let slot = self.slots[id as usize];
        let (line, col) = self.line_col(slot.start as usize);
        Node {
            kind: self.kind(id),
            start: slot.start as usize,
            end: slot.end as usize,
            line,
            col,
        }
    }

    /// Byte range of a node in the document text (cheaper than [`Tree::node`]).
    pub fn span(&self, id: NodeId) -> std::ops::Range<usize> {
        let slot = self.slots[id as usize];
        slot.start as usize..slot.end as usize
    }

    /// The node an alias refers to (the node itself when it is not an alias). Readers
    /// see through aliases, as Kubernetes does; the writer never edits through one.
    pub fn resolve(&self, id: NodeId) -> NodeId {
        self.alias_target(id).unwrap_or(id)
    }

    /// The anchored node an alias (`*name`) refers to.
    pub fn alias_target(&self, id: NodeId) -> Option<NodeId> {
        let slot = self.slots[id as usize];
        (self.tags[id as usize] & KIND_MASK == K_ALIAS && slot.x > 0).then(|| slot.x - 1)
    }

    /// Nodes that carry an anchor some alias of the document refers to, in node order.
    pub fn aliased(&self) -> &[NodeId] {
        self.meaning.as_ref().map_or(&[], |m| &m.aliased)
    }

    /// Whether a mapping has a merge key (`<<`): its entries as [`Tree::entries`] gives
    /// them are not its own text, and the writer does not edit it.
    pub fn has_merge(&self, map: NodeId) -> bool {
        self.merged_of(map).is_some()
    }

    fn merged_of(&self, map: NodeId) -> Option<&[(NodeId, NodeId)]> {
        let m = self.meaning.as_ref()?;
        let i = m.merged.binary_search_by_key(&map, |&(id, _, _)| id).ok()?;
        let (_, first, count) = m.merged[i];
        Some(&m.merged_pairs[first as usize..(first + count) as usize])
    }

    /// The value of a scalar node as written (no tag applied), through an alias.
    pub fn scalar(&self, id: NodeId) -> Option<&str> {
        scalar_in(
            self.src,
            &self.slots,
            &self.tags,
            &self.extra,
            &self.owned,
            self.resolve(id),
        )
    }

    /// A scalar that Kubernetes reads as a string: quoted, block, or a plain scalar that
    /// YAML 1.1 does not resolve to a bool, number or null; with a tag, only `!!str` or a
    /// local tag (`!!bool true`, `!!int "3"`, `!!binary …` are not strings).
    pub fn string(&self, id: NodeId) -> Option<&str> {
        let id = self.resolve(id);
        let tag = self.tags[id as usize];
        let value = self.scalar(id)?;
        if tag & TAGGED != 0 {
            let as_string = self
                .meaning
                .as_ref()
                .is_some_and(|m| m.str_tagged.binary_search(&id).is_ok());
            return as_string.then_some(value);
        }
        let plain = (tag >> STYLE_SHIFT) & 0b111 == Style::Plain as u8;
        if plain && super::resolves_to_non_string(value) {
            None
        } else {
            Some(value)
        }
    }

    pub fn is_null(&self, id: NodeId) -> bool {
        matches!(self.kind(self.resolve(id)), NodeKind::Scalar { value, style: Style::Plain, tagged: false }
            if matches!(value, "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The entries of a mapping as Kubernetes reads them: through an alias, and with
    /// merge keys (`<<`) applied (see [`Tree::raw_entries`] for the entries as written).
    pub fn entries(&self, id: NodeId) -> &[(NodeId, NodeId)] {
        let id = self.resolve(id);
        self.merged_of(id).unwrap_or_else(|| self.raw_entries(id))
    }

    /// The entries of a mapping node as written, merge keys included.
    pub fn raw_entries(&self, id: NodeId) -> &[(NodeId, NodeId)] {
        match self.kind(id) {
            NodeKind::Map { entries, .. } => entries,
            _ => &[],
        }
    }

    /// The items of a sequence, through an alias.
    pub fn items(&self, id: NodeId) -> &[NodeId] {
        match self.kind(self.resolve(id)) {
            NodeKind::Seq { items, .. } => items,
            _ => &[],
        }
    }

    /// Whether the node (or the node an alias refers to) is a mapping.
    pub fn is_map(&self, id: NodeId) -> bool {
        self.tags[self.resolve(id) as usize] & KIND_MASK == K_MAP
    }

    /// Whether the node (or the node an alias refers to) is a sequence.
    pub fn is_seq(&self, id: NodeId) -> bool {
        self.tags[self.resolve(id) as usize] & KIND_MASK == K_SEQ
    }

    pub fn is_flow(&self, id: NodeId) -> bool {
        let tag = self.tags[id as usize];
        matches!(tag & KIND_MASK, K_MAP | K_SEQ) && tag & FLOW != 0
    }

    /// Whether the node itself carries a tag (`!!map {…}`, `!x [..]`, `!!str v`).
    pub fn is_tagged(&self, id: NodeId) -> bool {
        self.tags[id as usize] & KIND_MASK != K_ALIAS && self.tags[id as usize] & TAGGED != 0
    }

    pub fn is_alias(&self, id: NodeId) -> bool {
        self.tags[id as usize] & KIND_MASK == K_ALIAS
    }

    /// The entry for `key` in a mapping. With a repeated key, the last one wins, as
    /// in Kubernetes.
    pub fn entry(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        self.entries(map)
            .iter()
            .rev()
            .find(|&&(k, _)| self.scalar(k) == Some(key))
            .copied()
    }

    pub fn get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.entry(map, key).map(|(_, v)| v)
    }

    /// Follows a path of mapping keys.
    pub fn path(&self, from: NodeId, keys: &[&str]) -> Option<NodeId> {
        keys.iter().try_fold(from, |node, key| self.get(node, key))
    }

    /// The string at a path of mapping keys.
    pub fn str_at(&self, from: NodeId, keys: &[&str]) -> Option<&str> {
        self.path(from, keys).and_then(|n| self.scalar(n))
    }

    /// The value at a path of mapping keys when Kubernetes reads it as a string (see
    /// [`Tree::string`]).
    pub fn string_at(&self, from: NodeId, keys: &[&str]) -> Option<&str> {
        self.path(from, keys).and_then(|n| self.string(n))
    }

    /// `(key, value)` pairs of a mapping whose keys and values are scalars.
    pub fn string_pairs(&self, map: NodeId) -> Vec<(&str, &str)> {
        self.entries(map)
            .iter()
            .filter_map(|&(k, v)| Some((self.scalar(k)?, self.scalar(v)?)))
            .collect()
    }

    /// Whether a key is a merge key: a plain, untagged `<<` (go-yaml also takes
    /// `!!merge <<`, which no template writes; it is read as a plain key here).
    pub fn is_merge_key(&self, key: NodeId) -> bool {
        let tag = self.tags[key as usize];
        tag & KIND_MASK == K_SCALAR
            && tag & TAGGED == 0
            && (tag >> STYLE_SHIFT) & 0b111 == Style::Plain as u8
            && self.scalar(key) == Some("<<")
    }

    /// Builds the merged entries of every mapping with a merge key, the way go-yaml v2
    /// (sigs.k8s.io/yaml) decodes them: entries apply in document order, a `<<` entry
    /// applying the entries of its mapping (or of each mapping of its sequence, the
    /// last first, so that earlier ones win), and the last value of a key wins.
    fn merge_view(&mut self) {
        if memchr::memmem::find(self.src.as_bytes(), b"<<").is_none() {
            return;
        }
        let with_merge: Vec<NodeId> = (0..self.len() as NodeId)
            .filter(|&id| self.tags[id as usize] & KIND_MASK == K_MAP)
            .filter(|&id| self.raw_entries(id).iter().any(|k| self.is_merge_key(k.0)))
            .collect();
        if with_merge.is_empty() {
            return;
        }
        // Each mapping's merged entries once, in any order (a merged mapping may come
        // after the one merging it): a mapping merged many times, or through many
        // levels, costs its distinct keys each time, never an expansion.
        let mut memo = std::collections::HashMap::new();
        for &map in &with_merge {
            self.merged_entries(map, &mut memo);
        }
        let mut merged = Vec::new();
        let mut pairs = Vec::new();
        for map in with_merge {
            let kept = &memo[&map];
            merged.push((map, pairs.len() as u32, kept.len() as u32));
            pairs.extend_from_slice(kept);
        }
        let meaning = self.meaning.get_or_insert_with(Box::default);
        meaning.merged = merged;
        meaning.merged_pairs = pairs;
    }

    /// The entries of `map` with merge keys applied (see [`Tree::merge_view`]), the last
    /// of each key kept where it was last applied, memoized.
    fn merged_entries(
        &self,
        map: NodeId,
        memo: &mut std::collections::HashMap<NodeId, Vec<(NodeId, NodeId)>>,
    ) {
        if memo.contains_key(&map) {
            return;
        }
        // Aliases cannot refer to a node that contains them (refused while parsing),
        // so the recursion ends; the placeholder only guards against a cycle anyway.
        memo.insert(map, Vec::new());
        let mut applied = Vec::new();
        for &(k, v) in self.raw_entries(map) {
            if !self.is_merge_key(k) {
                applied.push((k, v));
                continue;
            }
            let v = self.resolve(v);
            let sources: Vec<NodeId> = if self.tags[v as usize] & KIND_MASK == K_MAP {
                vec![v]
            } else {
                self.items(v)
                    .iter()
                    .rev()
                    .map(|&i| self.resolve(i))
                    .collect()
            };
            for source in sources {
                if self.tags[source as usize] & KIND_MASK != K_MAP {
                    continue;
                }
                self.merged_entries(source, memo);
                applied.extend_from_slice(&memo[&source]);
            }
        }
        let mut seen = std::collections::HashSet::new();
        let mut kept: Vec<(NodeId, NodeId)> = applied
            .iter()
            .rev()
            .filter(|&&(k, _)| self.scalar(k).is_none_or(|name| seen.insert(name)))
            .copied()
            .collect();
        kept.reverse();
        memo.insert(map, kept);
    }

    /// Refuses a merge key whose value is not a mapping or a sequence of mappings:
    /// Kubernetes rejects such a document.
    fn check_merges(&self) -> Result<(), ParseError> {
        let Some(m) = &self.meaning else {
            return Ok(());
        };
        for &(map, _, _) in &m.merged {
            for &(k, v) in self.raw_entries(map) {
                if !self.is_merge_key(k) {
                    continue;
                }
                let v = self.resolve(v);
                let mapping =
                    |id: NodeId| self.tags[self.resolve(id) as usize] & KIND_MASK == K_MAP;
                let fine = mapping(v)
                    || (self.tags[v as usize] & KIND_MASK == K_SEQ
                        && self.items(v).iter().all(|&i| mapping(i)));
                if !fine {
                    let (line, col) = self.line_col(self.span(k).start);
                    return Err(ParseError {
                        message: "a merge key (`<<`) whose value is not a mapping or a list of mappings; Kubernetes rejects it".to_string(),
                        line,
                        column: col + 1,
                    });
                }
            }
        }
        Ok(())
    }

    /// The source text of a node.
    pub fn text(&self, id: NodeId) -> &'a str {
        let src: &'a str = self.src;
        &src[self.span(id)]
    }
}

/// The value of a scalar node, read from the source or from the owned values.
fn scalar_in<'t>(
    src: &'t str,
    slots: &[Slot],
    tags: &[u8],
    extra: &[(u32, u32)],
    owned: &'t str,
    id: NodeId,
) -> Option<&'t str> {
    let tag = tags[id as usize];
    if tag & KIND_MASK != K_SCALAR {
        return None;
    }
    let slot = slots[id as usize];
    if tag & EXTRA == 0 {
        let quoted = matches!(
            (tag >> STYLE_SHIFT) & 0b111,
            s if s == Style::SingleQuoted as u8 || s == Style::DoubleQuoted as u8
        );
        let d = usize::from(quoted);
        return Some(&src[slot.start as usize + d..slot.end as usize - d]);
    }
    let (a, len) = extra[slot.x as usize];
    let range = a as usize..a as usize + len as usize;
    Some(if tag & OWNED != 0 {
        &owned[range]
    } else {
        &src[range]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_positions_and_kinds() {
        let src = "a: 1\nb: \"x\\ty\"\nc:\n  - p\n  - {q: r}\nd: >\n  folded\n  text\n";
        let tree = Tree::parse(src).unwrap();
        let root = tree.root.unwrap();
        assert_eq!(tree.str_at(root, &["a"]), Some("1"));
        assert_eq!(tree.string(tree.get(root, "a").unwrap()), None);
        assert_eq!(tree.str_at(root, &["b"]), Some("x\ty"));
        assert_eq!(tree.str_at(root, &["d"]), Some("folded text\n"));
        let c = tree.get(root, "c").unwrap();
        assert!(tree.is_seq(c) && !tree.is_flow(c));
        let items = tree.items(c);
        assert_eq!(items.len(), 2);
        assert!(tree.is_map(items[1]) && tree.is_flow(items[1]));
        assert_eq!(tree.text(items[1]), "{q: r}");
        let n = tree.node(items[1]);
        assert_eq!((n.line, n.col), (5, 4));
        assert_eq!(tree.text(c), "- p\n  - {q: r}");
        assert!(matches!(
            tree.node(tree.get(root, "b").unwrap()).kind,
            NodeKind::Scalar {
                style: Style::DoubleQuoted,
                ..
            }
        ));
    }

    #[test]
    fn duplicates_small_and_large_maps_in_document_order() {
        let mut src = String::from("outer:\n  k: 1\n  k: 2\n");
        for i in 0..40 {
            src.push_str(&format!("key{i}: {i}\n"));
        }
        src.push_str("key7: again\nkey3: again\n");
        let tree = Tree::parse(&src).unwrap();
        let found: Vec<(&str, usize, usize)> = tree
            .duplicates
            .iter()
            .map(|d| {
                (
                    d.key.as_str(),
                    tree.node(d.first).line,
                    tree.node(d.again).line,
                )
            })
            .collect();
        assert_eq!(found, [("k", 2, 3), ("key7", 11, 44), ("key3", 7, 45)]);
        // The last of repeated keys wins, as in Kubernetes.
        assert_eq!(tree.str_at(tree.root.unwrap(), &["key7"]), Some("again"));
    }

    #[test]
    fn aliases_stay_leaves() {
        let tree = Tree::parse("a: &x [1, 2]\nb: *x\n").unwrap();
        let b = tree.get(tree.root.unwrap(), "b").unwrap();
        assert!(tree.is_alias(b));
        assert_eq!(tree.scalar(b), None);
        assert_eq!(tree.len(), 7);
    }

    #[test]
    fn merges_and_aliases_kubernetes_refuses_are_refused() {
        for src in [
            "a:\n  <<: x\n",
            "a: {<<: [x]}\n",
            "a: &x [*x]\n",
            "a: &x {b: {<<: *x}}\n",
        ] {
            assert!(Tree::parse(src).is_err(), "{src:?}");
            assert!(Tree::parse_strict(src).is_err(), "{src:?}");
        }
    }

    #[test]
    fn merges_through_many_levels_cost_their_keys_only() {
        // Each level merges the one before it twenty times: expanding would take 20^12.
        let mut src = String::from("l0: &l0 {k: v}\n");
        for i in 1..12 {
            let aliases = vec![format!("*l{}", i - 1); 20].join(", ");
            src.push_str(&format!("l{i}: &l{i} {{<<: [{aliases}], k{i}: v}}\n"));
        }
        let tree = Tree::parse(&src).unwrap();
        let last = tree.get(tree.root.unwrap(), "l11").unwrap();
        assert_eq!(tree.entries(last).len(), 12);
        assert_eq!(tree.str_at(last, &["k"]), Some("v"));
    }

    #[test]
    fn columns_count_characters() {
        let tree = Tree::parse("é: {ü: v}\n").unwrap();
        let flow = tree.get(tree.root.unwrap(), "é").unwrap();
        assert_eq!(tree.node(flow).col, 3);
    }
}
