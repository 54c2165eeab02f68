//! A fast path for the block style that Helm renders.
//!
//! Rendered manifests use a small part of YAML: block mappings and sequences indented
//! with spaces, one-line plain and quoted scalars, comments, and empty `{}` and `[]`.
//! For a document written entirely in that subset this module builds the same tree as
//! the strict parser (same nodes in the same order, same spans, values and styles, same
//! repeated keys), in one pass over the lines and several times faster.
//!
//! It never decides that a document is invalid. On anything outside the subset
//! (non-ASCII text, tabs, carriage returns, escapes, block scalars, anchors, aliases,
//! tags, non-empty flow collections, multi-line scalars, directives, unusual
//! indentation, and every error) it gives up, and [`super::Tree::parse`] hands the
//! document to granit-parser, whose verdict stands. Giving up is always safe; what it
//! accepts is held to granit-parser's tree by differential checks (`tests/fast_path.rs`
//! over every test input and generated streams, and the `fast_path` fuzz target).

use super::tree::{DuplicateKey, NodeId, Scratch, Style, build};

/// Deeper nesting than this is left to the strict parser and its own limits.
const MAX_DEPTH: usize = 128;

/// The parser's limit on the length of an implicit key (YAML 1.2 §7.4.2: 1024).
/// Kept a little under, so that where the limit is counted from does not matter.
const MAX_KEY_LEN: usize = 1000;

/// Builds the tree of `src` into `b` and returns its root, or `None` to give up.
pub(super) fn parse(
    src: &str,
    b: &mut Scratch,
    duplicates: &mut Vec<DuplicateKey>,
) -> Option<NodeId> {
    let s = src.as_bytes();
    // Printable ASCII and line feeds only: no tabs, carriage returns, other control
    // characters, byte order marks or multi-byte characters, so that every later check
    // can work on single bytes and columns are byte counts.
    if !printable_ascii(s) {
        return None;
    }
    let mut fast = Fast {
        src,
        s,
        b,
        duplicates,
        next: 0,
        peeked: None,
        gave_up: false,
        depth: 0,
    };
    // The separator line the stream splitter leaves at the top of a document.
    if s.starts_with(b"---") {
        match s.get(3) {
            None => return None,
            Some(b'\n') => fast.next = 4,
            Some(_) => return None,
        }
    }
    let first = fast.peek()?;
    let root = fast.node(first)?;
    // Everything must have been read: a line left over is outside the subset.
    if fast.peek().is_some() || fast.gave_up {
        return None;
    }
    Some(root)
}

/// A line with content (not blank, not a comment).
#[derive(Clone, Copy, Debug)]
struct Line {
    /// Offset of the line's first byte.
    start: usize,
    /// Offset of its first non-space byte.
    content: usize,
    /// Offset of its line feed (or of the end of the text).
    end: usize,
}

impl Line {
    fn indent(&self) -> usize {
        self.content - self.start
    }
}

struct Fast<'s, 'b> {
    src: &'s str,
    s: &'s [u8],
    b: &'b mut Scratch,
    duplicates: &'b mut Vec<DuplicateKey>,
    /// Offset of the first line not yet looked at.
    next: usize,
    /// The next content line, once looked at and not yet consumed.
    peeked: Option<Line>,
    /// Set when a line outside the subset was met where [`Fast::peek`] can only say
    /// "no more lines"; the document is then not accepted.
    gave_up: bool,
    depth: usize,
}

impl Fast<'_, '_> {
    fn byte(&self, at: usize) -> Option<u8> {
        self.s.get(at).copied()
    }

    /// Whether `at` is the end of a line (a line feed or the end of the text).
    fn at_eol(&self, at: usize) -> bool {
        matches!(self.byte(at), None | Some(b'\n'))
    }

    /// The next content line, skipping blank and comment lines. `None` at the end, and
    /// from a column-0 `---` or `...` on (which the stream splitter does not leave
    /// inside a document), with `gave_up` set.
    fn peek(&mut self) -> Option<Line> {
        if self.peeked.is_some() {
            return self.peeked;
        }
        while self.next < self.s.len() {
            let start = self.next;
            let end = memchr::memchr(b'\n', &self.s[start..]).map_or(self.s.len(), |i| start + i);
            self.next = end + 1;
            let line = &self.s[start..end];
            let indent = line.iter().take_while(|&&c| c == b' ').count();
            match line.get(indent) {
                None | Some(b'#') => continue,
                _ => {}
            }
            if indent == 0 && (line.starts_with(b"---") || line.starts_with(b"...")) {
                self.next = self.s.len();
                self.gave_up = true;
                return None;
            }
            let found = Line {
                start,
                content: start + indent,
                end,
            };
            self.peeked = Some(found);
            return self.peeked;
        }
        None
    }

    fn consume(&mut self) {
        self.peeked = None;
    }

    /// The block node whose first line is `line` (already peeked): a sequence or a
    /// mapping at the line's indentation.
    fn node(&mut self, line: Line) -> Option<NodeId> {
        if self.is_dash(line.content) {
            self.nested(|f| f.sequence(line.indent(), line.content))
        } else {
            self.nested(|f| f.mapping(line, line.content))
        }
    }

    /// Runs `parse` one level deeper, giving up beyond [`MAX_DEPTH`].
    fn nested(&mut self, parse: impl FnOnce(&mut Self) -> Option<NodeId>) -> Option<NodeId> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let node = parse(self);
        self.depth -= 1;
        node
    }

    /// Whether a block sequence entry (`-` then a space or the end of the line) is at `at`.
    fn is_dash(&self, at: usize) -> bool {
        self.byte(at) == Some(b'-') && matches!(self.byte(at + 1), None | Some(b' ' | b'\n'))
    }

    /// A block sequence whose entries' dashes sit at column `indent`; `start` is where the
    /// parser starts it (the first dash, or for an indentless sequence under a mapping
    /// key, the first entry's content).
    fn sequence(&mut self, indent: usize, start: usize) -> Option<NodeId> {
        build::open_seq(self.b, false, start, start);
        loop {
            let line = self.peek()?;
            debug_assert!(line.indent() == indent && self.is_dash(line.content));
            // The entry's content: after the dash and its spaces, on the same line.
            let at = self.skip_spaces(line.content + 1);
            if self.at_eol(at) || self.s[at] == b'#' || self.is_dash(at) {
                return None;
            }
            let item = match self.key_end(at, line.end) {
                Some(_) => self.nested(|f| f.mapping(line, at))?,
                None => {
                    let value = self.inline_value(at, line.end, indent)?;
                    self.consume();
                    self.after_scalar_line(indent)?;
                    value
                }
            };
            build::child(self.b, item);
            if let Some(next) = self.peek() {
                if next.indent() == indent && self.is_dash(next.content) {
                    continue;
                }
                if next.indent() > indent {
                    return None;
                }
            }
            return Some(build::close_open(self.src, self.b, 0, self.duplicates));
        }
    }

    /// A block mapping whose keys sit at column `at - line.start`, the first one at `at`
    /// on `line` (already peeked).
    fn mapping(&mut self, first: Line, at: usize) -> Option<NodeId> {
        let indent = at - first.start;
        build::open_map(self.b, false, at, at);
        let (mut line, mut at) = (first, at);
        loop {
            let (key, colon) = self.key(at, line.end)?;
            build::child(self.b, key);
            let after = self.skip_spaces(colon + 1);
            let value = if self.at_eol(after) || self.s[after] == b'#' {
                self.consume();
                // The value is on the following lines, or empty.
                match self.peek() {
                    Some(next)
                        if next.indent() > indent
                            && (self.is_dash(next.content)
                                || self.key_end(next.content, next.end).is_some()) =>
                    {
                        self.node(next)?
                    }
                    // A scalar or flow value alone on the next line.
                    Some(next) if next.indent() > indent && self.s[next.content] != b'|' => {
                        let value = self.inline_value(next.content, next.end, indent)?;
                        self.consume();
                        self.after_scalar_line(indent)?;
                        value
                    }
                    Some(next) if next.indent() == indent && self.is_dash(next.content) => {
                        // An indentless sequence: starts at its first entry's content.
                        let content = self.skip_spaces(next.content + 1);
                        if self.at_eol(content) {
                            return None;
                        }
                        self.nested(|f| f.sequence(indent, content))?
                    }
                    _ => build::empty(self.b, colon),
                }
            } else {
                let value = self.inline_value(after, line.end, indent)?;
                self.consume();
                self.after_scalar_line(indent)?;
                value
            };
            build::child(self.b, value);
            match self.peek() {
                Some(next) if next.indent() == indent => {
                    if self.is_dash(next.content) {
                        return None;
                    }
                    line = next;
                    at = next.content;
                }
                Some(next) if next.indent() > indent => return None,
                _ => return Some(build::close_open(self.src, self.b, 0, self.duplicates)),
            }
        }
    }

    /// After a scalar that ends its line, the next content line may not be indented
    /// deeper than the collection at `indent` (that would continue the scalar, or be
    /// an error).
    fn after_scalar_line(&mut self, indent: usize) -> Option<()> {
        match self.peek() {
            Some(next) if next.indent() > indent => None,
            _ => Some(()),
        }
    }

    fn skip_spaces(&self, mut at: usize) -> usize {
        while self.byte(at) == Some(b' ') {
            at += 1;
        }
        at
    }

    /// Where the implicit key starting at `at` ends and where its colon is, if the
    /// line holds a key there.
    fn key_end(&self, at: usize, eol: usize) -> Option<(usize, usize)> {
        let end = match self.s[at] {
            b'"' | b'\'' => self.quoted_end(at, eol)?,
            c if plain_first(c, self.byte(at + 1)) => {
                // A plain key runs to the first `: ` or `:` at the end of the line (flow
                // indicators inside keys are left to the parser).
                let (end, stop) = self.plain_end(at, eol, &KEY_TABLE);
                return (self.byte(stop) == Some(b':') && stop - at <= MAX_KEY_LEN)
                    .then_some((end, stop));
            }
            _ => return None,
        };
        // A quoted key: spaces, then the colon and a space or the end of the line.
        let colon = self.skip_spaces(end);
        let colon_ok = self.byte(colon) == Some(b':')
            && (colon + 1 == eol || self.byte(colon + 1) == Some(b' '));
        (colon_ok && colon - at <= MAX_KEY_LEN).then_some((end, colon))
    }

    /// The key node at `at` and the offset of its colon.
    fn key(&mut self, at: usize, eol: usize) -> Option<(NodeId, usize)> {
        let (end, colon) = self.key_end(at, eol)?;
        let style = match self.s[at] {
            b'"' => Style::DoubleQuoted,
            b'\'' => Style::SingleQuoted,
            _ => Style::Plain,
        };
        Some((build::scalar(self.b, style, at, end), colon))
    }

    /// Scans the plain scalar at `at` up to where it stops: a `:` followed by a space or
    /// the end of the line, a comment, another byte marked in `stop`, or `eol`. Returns
    /// the scalar's end (trailing spaces excluded) and the offset where it stopped.
    fn plain_end(&self, at: usize, eol: usize, stop: &[bool; 256]) -> (usize, usize) {
        let mut i = at;
        loop {
            i += skip_ordinary(&self.s[i..eol], stop);
            if i >= eol {
                break;
            }
            match self.s[i] {
                b':' if i + 1 == eol || self.s[i + 1] == b' ' => break,
                b'#' if self.s[i - 1] == b' ' => break,
                b':' | b'#' => i += 1,
                _ => break,
            }
        }
        let mut end = i;
        while self.s[end - 1] == b' ' {
            end -= 1;
        }
        (end, i)
    }

    /// The one-line quoted scalar without escapes at `at`, and the offset past it.
    fn quoted(&mut self, at: usize, eol: usize) -> Option<(NodeId, usize)> {
        let end = self.quoted_end(at, eol)?;
        let style = if self.s[at] == b'"' {
            Style::DoubleQuoted
        } else {
            Style::SingleQuoted
        };
        Some((build::scalar(self.b, style, at, end), end))
    }

    /// End (past the closing quote) of a one-line quoted scalar without escapes.
    fn quoted_end(&self, at: usize, eol: usize) -> Option<usize> {
        let quote = self.s[at];
        let body = &self.s[at + 1..eol];
        let close = at + 1 + memchr::memchr(quote, body)?;
        // Escapes (`\` in double quotes, `''` in single quotes) make the value differ
        // from the text: left to the parser.
        if quote == b'"' && memchr::memchr(b'\\', &self.s[at + 1..close]).is_some() {
            return None;
        }
        if quote == b'\'' && self.byte(close + 1) == Some(b'\'') {
            return None;
        }
        Some(close + 1)
    }

    /// A value that starts at `at` and ends its line (a literal block scalar: the lines
    /// below, indented deeper than the collection at `indent`): an empty flow
    /// collection, a one-line flow sequence of scalars, a quoted scalar or a plain
    /// scalar, then only spaces or a comment.
    fn inline_value(&mut self, at: usize, eol: usize, indent: usize) -> Option<NodeId> {
        let (node, end) = match self.s[at] {
            b'|' => return self.literal(at, eol, indent),
            b'[' if self.byte(at + 1) != Some(b']') => self.flow_sequence(at, eol)?,
            b'{' | b'[' => {
                let close = if self.s[at] == b'{' { b'}' } else { b']' };
                if self.byte(at + 1) != Some(close) {
                    return None;
                }
                if close == b'}' {
                    build::open_map(self.b, true, at, at + 1);
                } else {
                    build::open_seq(self.b, true, at, at + 1);
                }
                let node = build::close_open(self.src, self.b, at + 2, self.duplicates);
                (node, at + 2)
            }
            b'"' | b'\'' => self.quoted(at, eol)?,
            c if plain_first(c, self.byte(at + 1)) => {
                // `: ` inside a value is a second mapping on the line (an error).
                let (end, stop) = self.plain_end(at, eol, &VALUE_TABLE);
                if self.byte(stop) == Some(b':') {
                    return None;
                }
                return Some(build::scalar(self.b, Style::Plain, at, end));
            }
            _ => return None,
        };
        // After a quoted scalar or an empty collection: spaces, then a comment or the end.
        let rest = self.skip_spaces(end);
        if rest == eol || (rest > end && self.s[rest] == b'#') {
            Some(node)
        } else {
            None
        }
    }
}

impl Fast<'_, '_> {
    /// A one-line flow sequence of scalars, `[a, "b", 'c']`, starting at `at`; returns
    /// the node and the offset past its `]`.
    fn flow_sequence(&mut self, at: usize, eol: usize) -> Option<(NodeId, usize)> {
        build::open_seq(self.b, true, at, at + 1);
        let mut i = self.skip_spaces(at + 1);
        loop {
            let end = match self.byte(i)? {
                b'"' | b'\'' => {
                    let (item, end) = self.quoted(i, eol)?;
                    build::child(self.b, item);
                    end
                }
                // Plain items: letters, digits and `._/-` only (anything else may be an
                // indicator in flow context), not starting with `-`.
                c if c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'/') => {
                    let len = self.s[i..eol]
                        .iter()
                        .take_while(|&&c| {
                            c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'/' | b'-')
                        })
                        .count();
                    let item = build::scalar(self.b, Style::Plain, i, i + len);
                    build::child(self.b, item);
                    i + len
                }
                _ => return None,
            };
            i = self.skip_spaces(end);
            match self.byte(i)? {
                b',' => {
                    i = self.skip_spaces(i + 1);
                    // A trailing comma: left to the parser.
                    if self.byte(i) == Some(b']') {
                        return None;
                    }
                }
                b']' => {
                    let node = build::close_open(self.src, self.b, i + 1, self.duplicates);
                    return Some((node, i + 1));
                }
                _ => return None,
            }
        }
    }

    /// A literal block scalar (`|`, `|-` or `|+`) whose indicator is at `at` on a line
    /// ending at `eol`, in a collection at column `indent`. Its lines are read raw (a
    /// `#` there is content). Given up on: an indentation indicator, folding, leading
    /// blank lines, blank lines with more spaces than the indentation, no content, no
    /// final line feed.
    fn literal(&mut self, at: usize, eol: usize, indent: usize) -> Option<NodeId> {
        let (chomp, after) = match self.byte(at + 1) {
            Some(c @ (b'-' | b'+')) => (c, at + 2),
            _ => (b' ', at + 1),
        };
        let rest = self.skip_spaces(after);
        if !(rest == eol || (rest > after && self.s[rest] == b'#')) {
            return None;
        }
        // The header line is read; the content starts on the next line.
        self.consume();
        let first = self.next;
        if first >= self.s.len() {
            return None;
        }
        let n = self.s[first..].iter().take_while(|&&c| c == b' ').count();
        if n <= indent || self.at_eol(first + n) {
            return None;
        }
        let start = first + n;
        let mut value = String::new();
        let mut blanks = 0usize;
        let mut line = first;
        // Offset where the scalar stops: the first non-blank line indented less.
        let stop = loop {
            if line >= self.s.len() {
                break None;
            }
            let end = memchr::memchr(b'\n', &self.s[line..]).map(|i| line + i)?;
            let text = &self.s[line..end];
            let spaces = text.iter().take_while(|&&c| c == b' ').count();
            if spaces == text.len() {
                if spaces > n {
                    return None;
                }
                blanks += 1;
            } else if spaces < n {
                break Some(line);
            } else {
                for _ in 0..blanks {
                    value.push('\n');
                }
                blanks = 0;
                // Printable ASCII (checked up front), so this is text.
                value.push_str(std::str::from_utf8(&text[n..]).ok()?);
                value.push('\n');
            }
            line = end + 1;
        };
        match chomp {
            b'-' => {
                value.pop();
            }
            b'+' => value.extend(std::iter::repeat_n('\n', blanks)),
            _ => {}
        }
        let end = match stop {
            Some(stop) => stop,
            None => {
                let mut end = self.s.len();
                while end > start && self.s[end - 1] == b' ' {
                    end -= 1;
                }
                end
            }
        };
        self.next = stop.unwrap_or(self.s.len());
        Some(build::owned(self.b, Style::Literal, start, end, &value))
    }
}

/// Whether every byte is printable ASCII or a line feed (in blocks without an early
/// exit inside, so that the compiler can vectorize the test).
fn printable_ascii(s: &[u8]) -> bool {
    s.chunks(64).all(|block| {
        block.iter().fold(true, |ok, &c| {
            ok & ((c == b'\n') | (c.wrapping_sub(0x20) < 0x5f))
        })
    })
}

/// A table of the bytes in `stop`, for [`skip_ordinary`].
const fn stop_table(stop: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < stop.len() {
        table[stop[i] as usize] = true;
        i += 1;
    }
    table
}

/// Bytes a plain key's scan must look at (the rest is ordinary text).
const KEY_TABLE: [bool; 256] = stop_table(b":#[]{},");
/// Bytes a plain value's scan must look at.
const VALUE_TABLE: [bool; 256] = stop_table(b":#");

/// How many leading bytes of `text` are not marked in `stop`.
fn skip_ordinary(text: &[u8], stop: &[bool; 256]) -> usize {
    text.iter()
        .position(|&c| stop[c as usize])
        .unwrap_or(text.len())
}

/// Whether a plain scalar may start with `c` followed by `next`: not an indicator,
/// except a `-` that is followed by a character that is not a space.
fn plain_first(c: u8, next: Option<u8>) -> bool {
    match c {
        b'-' => !matches!(next, None | Some(b' ' | b'\n')),
        b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|'
        | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' | b' ' | b'\n' => false,
        _ => true,
    }
}
