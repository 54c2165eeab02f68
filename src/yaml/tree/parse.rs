//! The parser adapter: granit-parser's events (or the fast path, for Helm's block
//! style) into a [`Tree`], with the checks the whole document needs first.

use super::builder::*;
use super::*;

/// Which parsers build a tree: the program uses the fast path and falls back to the
/// strict parser; the differential checks call each alone.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parsers {
    FastThenStrict,
    Strict,
    Fast,
}

/// Parser settings: strict indentation, and the parser's own nesting limits, which keep
/// hostile input (10,000 nested levels) from exhausting the stack.
fn parser_options(strict_indentation: bool) -> Options {
    let mut options = Options::default();
    options.strict_indentation = strict_indentation;
    // Comments are still validated as YAML syntax but not captured: the tree has no use
    // for them, and another dependency may switch the parser's `comments` feature on.
    options.set_emit_comments(false);
    options
}

fn too_large() -> ParseError {
    ParseError {
        message: "document larger than 4 GiB".to_string(),
        line: 1,
        column: 1,
    }
}

impl<'a> Tree<'a> {
    /// Parses one document strictly. The text must hold at most one YAML document
    /// (the stream splitter guarantees that).
    pub fn parse(src: &'a str) -> Result<Tree<'a>, ParseError> {
        Self::parse_by(src, Parsers::FastThenStrict, true)
            .map(|tree| tree.expect("the strict parser always decides"))
    }

    /// [`Tree::parse`] for a document of a stream whose whole text already passed
    /// [`crate::yaml::odd_line_break`] (the stream reader scans it once): the same tree,
    /// without scanning the document's bytes again.
    pub(crate) fn parse_scanned(src: &'a str) -> Result<Tree<'a>, ParseError> {
        Self::parse_by(src, Parsers::FastThenStrict, false)
            .map(|tree| tree.expect("the strict parser always decides"))
    }

    /// Parses with granit-parser only, never the fast path (the differential checks
    /// compare the two; [`Tree::parse`] is what the program uses).
    pub fn parse_strict(src: &'a str) -> Result<Tree<'a>, ParseError> {
        Self::parse_by(src, Parsers::Strict, true)
            .map(|tree| tree.expect("the strict parser always decides"))
    }

    /// Parses with the fast path only: `None` when the document is outside the subset
    /// it accepts (see `yaml/fast.rs`).
    pub fn parse_fast(src: &'a str) -> Option<Tree<'a>> {
        Self::parse_by(src, Parsers::Fast, true).ok().flatten()
    }

    /// The tree from the chosen parsers; `Ok(None)` only when the fast path alone was
    /// asked for and gave up.
    fn parse_by(
        src: &'a str,
        parsers: Parsers,
        scan: bool,
    ) -> Result<Option<Tree<'a>>, ParseError> {
        if u32::try_from(src.len()).is_err() {
            return Err(too_large());
        }
        if scan {
            Self::check_breaks(src)?;
        }
        with_scratch(|b| {
            let mut duplicates = Vec::new();
            if parsers != Parsers::Strict {
                if let Some(root) = crate::yaml::fast::parse(src, b, &mut duplicates) {
                    let tree = Self::finish(src, b, Some(root), duplicates);
                    // A merge Kubernetes refuses is the strict parser's to report.
                    if tree.check_merges().is_ok() {
                        return Ok(Some(tree));
                    }
                    duplicates = Vec::new();
                }
                duplicates.clear();
            }
            if parsers == Parsers::Fast {
                return Ok(None);
            }
            let root = match Self::parse_events(src, b, &mut duplicates, true) {
                // Helm 4 re-serializes documents and writes a multi-line quoted string
                // that ends in a line break with its closing quote at column 0. YAML 1.2
                // wants continuation lines of quoted scalars and the entries and brackets
                // of flow collections indented past the enclosing block; go-yaml
                // (Kubernetes, Helm) and libyaml read any indentation there, as does the
                // parser's relaxed mode, on the same text: the spans stay the input's.
                // Both errors are retried, so that a document accepted for one of them
                // is accepted again once render has rewritten the other (found by
                // fuzzing). When the relaxed reading fails too, the strict error stands
                // (a quote left open is reported where the next line leaves it).
                Err((
                    strict,
                    ErrorKind::InvalidQuotedScalarIndent | ErrorKind::InvalidIndentation,
                )) => {
                    duplicates.clear();
                    Self::parse_events(src, b, &mut duplicates, false).map_err(|_| strict)?
                }
                other => other.map_err(|(e, _)| e)?,
            };
            let tree = Self::finish(src, b, root, duplicates);
            tree.check_merges()?;
            Ok(Some(tree))
        })
    }

    fn check_breaks(src: &str) -> Result<(), ParseError> {
        // Line breaks other than LF and CRLF are refused with their position (found by
        // fuzzing for a lone CR; see `odd_line_break` for the YAML 1.1 breaks).
        if let Some((at, message)) = crate::yaml::odd_line_break(src) {
            let (line, column) = crate::stream::line_col(src, at);
            return Err(ParseError {
                message: message.to_string(),
                line,
                column,
            });
        }
        Ok(())
    }

    fn finish(
        src: &'a str,
        b: &mut Scratch,
        root: Option<NodeId>,
        mut duplicates: Vec<DuplicateKey>,
    ) -> Tree<'a> {
        // Report repeated keys in document order, whatever the nesting.
        duplicates.sort_by_key(|d: &DuplicateKey| b.slots[d.again as usize].start);
        let mut aliased: Vec<NodeId> = b
            .tags
            .iter()
            .zip(&b.slots)
            .filter(|&(&tag, slot)| tag & KIND_MASK == K_ALIAS && slot.x > 0)
            .map(|(_, slot)| slot.x - 1)
            .collect();
        aliased.sort_unstable();
        aliased.dedup();
        let meaning = (!aliased.is_empty() || !b.str_tagged.is_empty()).then(|| {
            Box::new(Meaning {
                str_tagged: b.str_tagged.clone(),
                aliased,
                ..Meaning::default()
            })
        });
        let mut tree = Tree {
            src,
            slots: b.slots.as_slice().into(),
            tags: b.tags.as_slice().into(),
            extra: b.extra.as_slice().into(),
            pairs: b.pairs.as_slice().into(),
            seq_items: b.seq_items.as_slice().into(),
            owned: b.owned.as_str().into(),
            lines: OnceLock::new(),
            root,
            duplicates,
            meaning,
        };
        tree.merge_view();
        tree
    }

    /// Builds the tree from granit-parser's events into cleared buffers; returns the root.
    fn parse_events(
        src: &'a str,
        b: &mut Scratch,
        duplicates: &mut Vec<DuplicateKey>,
        strict_indentation: bool,
    ) -> Result<Option<NodeId>, (ParseError, ErrorKind)> {
        b.clear();
        let mut root = None;
        let mut documents = 0usize;
        let base = src.as_ptr() as usize;
        let parser = Parser::new_from_str_with_options(src, parser_options(strict_indentation));
        let plain = |e: ParseError| (e, ErrorKind::InvalidIndentation);
        for next in parser {
            let (event, span) = next.map_err(|e| {
                let kind = e.kind().clone();
                let (line, mut column) = (e.marker().line(), e.marker().col() + 1);
                if line == 1 && src.starts_with('\u{feff}') && column > 1 {
                    column -= 1;
                }
                (
                    ParseError {
                        message: e.info(),
                        line,
                        column,
                    },
                    kind,
                )
            })?;
            let start = span.start.byte_offset().unwrap_or(0);
            let end = span.end.byte_offset().unwrap_or(start);
            let node = match event {
                Event::DocumentStart(..) => {
                    documents += 1;
                    if documents > 1 {
                        return Err(plain(ParseError {
                            message: "a second document starts here without a `---` line"
                                .to_string(),
                            line: span.start.line(),
                            column: span.start.col() + 1,
                        }));
                    }
                    continue;
                }
                Event::Scalar(value, style, anchor, tag) => {
                    let style = Style::from_parser(style);
                    let end = match style {
                        // Block scalars' spans run on over the indentation of the next
                        // line; stop at the last line break instead.
                        Style::Literal | Style::Folded => {
                            start + src[start..end].trim_end_matches([' ', '\t']).len()
                        }
                        _ => end,
                    };
                    let mut tag_byte = K_SCALAR | ((style as u8) << STYLE_SHIFT);
                    let mut str_tag = false;
                    if let Some(tag) = &tag {
                        tag_byte |= TAGGED;
                        str_tag = tag_reads_as_string(tag);
                    }
                    // A value the parser could borrow is a slice of `src`: remember where.
                    let at = (value.as_ptr() as usize).wrapping_sub(base);
                    let a = if matches!(value, Cow::Borrowed(_)) && at + value.len() <= src.len() {
                        at
                    } else {
                        tag_byte |= OWNED;
                        let at = b.owned.len();
                        b.owned.push_str(&value);
                        at
                    };
                    let a = u32::try_from(a).map_err(|_| plain(too_large()))?;
                    let id = push(b, tag_byte, start, end, a, value.len() as u32);
                    if str_tag {
                        b.str_tagged.push(id);
                    }
                    if anchor != 0 {
                        b.anchors.push((anchor, id));
                    }
                    id
                }
                Event::Alias(anchor) => {
                    let id = push(b, K_ALIAS, start, end, 0, 0);
                    // The most recent definition of that anchor id (ids are unique).
                    let target = b.anchors.iter().rev().find(|&&(a, _)| a == anchor);
                    if let Some(&(_, node)) = target {
                        // go-yaml refuses an anchor whose value contains an alias of it.
                        if b.open.iter().any(|o| o.id == node) {
                            return Err(plain(ParseError {
                                message: "an alias inside the node its anchor names; Kubernetes rejects a value that contains itself".to_string(),
                                line: span.start.line(),
                                column: span.start.col() + 1,
                            }));
                        }
                        b.slots[id as usize].x = node + 1;
                    }
                    id
                }
                Event::MappingStart(style, anchor, ref tag)
                | Event::SequenceStart(style, anchor, ref tag) => {
                    let mut tag_byte = if matches!(event, Event::MappingStart(..)) {
                        K_MAP
                    } else {
                        K_SEQ
                    };
                    if style == StructureStyle::Flow {
                        tag_byte |= FLOW;
                    }
                    if tag.is_some() {
                        tag_byte |= TAGGED;
                    }
                    open(b, tag_byte, start, end);
                    if anchor != 0 {
                        let id = b.open.last().expect("just opened").id;
                        b.anchors.push((anchor, id));
                    }
                    continue;
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    let open = b.open.pop().expect("parser balances collections");
                    let id = open.id;
                    close(src, b, open, end, duplicates);
                    id
                }
                _ => continue,
            };
            attach(b, node, &mut root);
        }
        Ok(root)
    }
}

/// Whether Kubernetes reads a scalar with this tag as a string: `!!str`, or a tag
/// outside the YAML core schema (go-yaml v2 leaves a local tag's value a string).
/// `!!binary` is decoded, and every other core tag resolves to another type.
fn tag_reads_as_string(tag: &Tag) -> bool {
    if tag.handle() == "tag:yaml.org,2002:" {
        tag.suffix() == "str"
    } else {
        !(tag.handle().is_empty() && tag.suffix().starts_with("tag:yaml.org,2002:"))
    }
}
