//! A small span tree over the strict parser's events.
//!
//! One tree per document. Nodes live in an arena and record where they sit in the
//! document text (byte offsets, line and column), so the same structure serves
//! reading values, reporting findings at `line:column`, and computing byte splices.
//! Aliases are kept as leaves and never expanded.

use std::borrow::Cow;

use granit_parser::{Event, Options, Parser, ScalarStyle, StructureStyle};

/// Index of a node in [`Tree::nodes`].
pub type NodeId = usize;

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
}

#[derive(Debug)]
pub enum NodeKind<'a> {
    Scalar {
        value: Cow<'a, str>,
        style: Style,
        /// An explicit tag such as `!!str` or `!!int` decides the type on its own.
        tagged: bool,
    },
    Map {
        flow: bool,
        entries: Vec<(NodeId, NodeId)>,
    },
    Seq {
        flow: bool,
        items: Vec<NodeId>,
    },
    Alias,
}

#[derive(Debug)]
pub struct Node<'a> {
    pub kind: NodeKind<'a>,
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
    pub nodes: Vec<Node<'a>>,
    /// The document's root node; `None` for an empty document (comments only).
    pub root: Option<NodeId>,
    pub duplicates: Vec<DuplicateKey>,
}

/// Parser settings: strict indentation, and the parser's own nesting limits, which keep
/// hostile input (10,000 nested levels) from exhausting the stack.
fn parser_options() -> Options {
    let mut options = Options::default();
    options.strict_indentation = true;
    options
}

struct Open {
    id: NodeId,
    /// For maps: a key waiting for its value.
    pending_key: Option<NodeId>,
}

impl<'a> Tree<'a> {
    /// Parses one document strictly. The text must hold at most one YAML document
    /// (the stream splitter guarantees that).
    pub fn parse(src: &'a str) -> Result<Tree<'a>, ParseError> {
        let mut tree = Tree {
            src,
            nodes: Vec::new(),
            root: None,
            duplicates: Vec::new(),
        };
        let mut stack: Vec<Open> = Vec::new();
        let mut documents = 0usize;
        let parser = Parser::new_from_str_with_options(src, parser_options());
        for next in parser {
            let (event, span) = next.map_err(|e| ParseError {
                message: e.info(),
                line: e.marker().line(),
                column: e.marker().col() + 1,
            })?;
            let start = span.start.byte_offset().unwrap_or(0);
            let end = span.end.byte_offset().unwrap_or(start);
            let (line, col) = (span.start.line(), span.start.col());
            match event {
                Event::DocumentStart(..) => {
                    documents += 1;
                    if documents > 1 {
                        return Err(ParseError {
                            message: "a second document starts here without a `---` line"
                                .to_string(),
                            line,
                            column: col + 1,
                        });
                    }
                }
                Event::Scalar(value, style, _, tag) => {
                    let style = Style::from_parser(style);
                    let end = match style {
                        // Block scalars' spans run on over the indentation of the next
                        // line; stop at the last line break instead.
                        Style::Literal | Style::Folded => {
                            start + src[start..end].trim_end_matches([' ', '\t']).len()
                        }
                        _ => end,
                    };
                    let kind = NodeKind::Scalar {
                        value,
                        style,
                        tagged: tag.is_some(),
                    };
                    let id = tree.push(kind, start, end, line, col);
                    tree.attach(&mut stack, id);
                }
                Event::Alias(_) => {
                    let id = tree.push(NodeKind::Alias, start, end, line, col);
                    tree.attach(&mut stack, id);
                }
                Event::MappingStart(style, _, _) => {
                    let flow = style == StructureStyle::Flow;
                    let kind = NodeKind::Map {
                        flow,
                        entries: Vec::new(),
                    };
                    let id = tree.push(kind, start, end, line, col);
                    stack.push(Open {
                        id,
                        pending_key: None,
                    });
                }
                Event::SequenceStart(style, _, _) => {
                    let flow = style == StructureStyle::Flow;
                    let kind = NodeKind::Seq {
                        flow,
                        items: Vec::new(),
                    };
                    let id = tree.push(kind, start, end, line, col);
                    stack.push(Open {
                        id,
                        pending_key: None,
                    });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    let open = stack.pop().expect("parser balances collections");
                    let node_end = match &tree.nodes[open.id].kind {
                        NodeKind::Map { flow: true, .. } | NodeKind::Seq { flow: true, .. } => end,
                        NodeKind::Map { entries, .. } => entries
                            .last()
                            .map_or(tree.nodes[open.id].end, |&(_, v)| tree.nodes[v].end),
                        NodeKind::Seq { items, .. } => items
                            .last()
                            .map_or(tree.nodes[open.id].end, |&v| tree.nodes[v].end),
                        _ => unreachable!("only collections are opened"),
                    };
                    tree.nodes[open.id].end = node_end;
                    tree.attach(&mut stack, open.id);
                }
                _ => {}
            }
        }
        Ok(tree)
    }

    fn push(
        &mut self,
        kind: NodeKind<'a>,
        start: usize,
        end: usize,
        line: usize,
        col: usize,
    ) -> NodeId {
        self.nodes.push(Node {
            kind,
            start,
            end,
            line,
            col,
        });
        self.nodes.len() - 1
    }

    /// Attaches a finished node to the collection that is open, or makes it the root.
    fn attach(&mut self, stack: &mut [Open], id: NodeId) {
        let Some(open) = stack.last_mut() else {
            self.root = Some(id);
            return;
        };
        let parent = open.id;
        match &mut self.nodes[parent].kind {
            NodeKind::Seq { items, .. } => items.push(id),
            NodeKind::Map { .. } => match open.pending_key.take() {
                None => open.pending_key = Some(id),
                Some(key) => {
                    self.note_duplicate(parent, key);
                    if let NodeKind::Map { entries, .. } = &mut self.nodes[parent].kind {
                        entries.push((key, id));
                    }
                }
            },
            _ => unreachable!("only collections are opened"),
        }
    }

    fn note_duplicate(&mut self, map: NodeId, key: NodeId) {
        let Some(name) = self.scalar(key) else { return };
        if let NodeKind::Map { entries, .. } = &self.nodes[map].kind
            && let Some(&(first, _)) = entries.iter().find(|&&(k, _)| self.scalar(k) == Some(name))
        {
            let key_text = name.to_string();
            self.duplicates.push(DuplicateKey {
                key: key_text,
                first,
                again: key,
            });
        }
    }

    pub fn node(&self, id: NodeId) -> &Node<'a> {
        &self.nodes[id]
    }

    /// The string value of a scalar node.
    pub fn scalar(&self, id: NodeId) -> Option<&str> {
        match &self.nodes[id].kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// A scalar that Kubernetes reads as a string (quoted, block, or a plain scalar
    /// that YAML 1.1 does not resolve to a bool, number or null).
    pub fn string(&self, id: NodeId) -> Option<&str> {
        match &self.nodes[id].kind {
            NodeKind::Scalar {
                value,
                style,
                tagged,
            } => {
                if *style == Style::Plain && !*tagged && super::resolves_to_non_string(value) {
                    None
                } else {
                    Some(value)
                }
            }
            _ => None,
        }
    }

    pub fn is_null(&self, id: NodeId) -> bool {
        matches!(&self.nodes[id].kind, NodeKind::Scalar { value, style: Style::Plain, tagged: false }
            if matches!(value.as_ref(), "" | "~" | "null" | "Null" | "NULL"))
    }

    pub fn entries(&self, id: NodeId) -> &[(NodeId, NodeId)] {
        match &self.nodes[id].kind {
            NodeKind::Map { entries, .. } => entries,
            _ => &[],
        }
    }

    pub fn items(&self, id: NodeId) -> &[NodeId] {
        match &self.nodes[id].kind {
            NodeKind::Seq { items, .. } => items,
            _ => &[],
        }
    }

    pub fn is_map(&self, id: NodeId) -> bool {
        matches!(self.nodes[id].kind, NodeKind::Map { .. })
    }

    pub fn is_seq(&self, id: NodeId) -> bool {
        matches!(self.nodes[id].kind, NodeKind::Seq { .. })
    }

    pub fn is_flow(&self, id: NodeId) -> bool {
        matches!(
            self.nodes[id].kind,
            NodeKind::Map { flow: true, .. } | NodeKind::Seq { flow: true, .. }
        )
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

    /// `(key, value)` pairs of a mapping whose keys and values are scalars.
    pub fn string_pairs(&self, map: NodeId) -> Vec<(&str, &str)> {
        self.entries(map)
            .iter()
            .filter_map(|&(k, v)| Some((self.scalar(k)?, self.scalar(v)?)))
            .collect()
    }

    /// The source text of a node.
    pub fn text(&self, id: NodeId) -> &'a str {
        let node = &self.nodes[id];
        &self.src[node.start..node.end]
    }
}
