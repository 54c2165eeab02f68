//! The fragment writer: plans the small pieces of YAML the program adds, removes or
//! replaces, in the style of the surrounding text (block or flow, indentation, line
//! endings), as splices on the document's bytes.
//!
//! Every string it writes is double-quoted with JSON escapes, which every YAML reader
//! takes as a string (`"true"`, `"0644"`, `"enabled"` stay strings).

use std::fmt::Write as _;
use std::ops::Range;

use super::edit::Edits;
use super::tree::{NodeId, NodeKind, Style, Tree};

/// A value to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fragment {
    Str(String),
    Map(Vec<(String, Fragment)>),
    Seq(Vec<Fragment>),
}

impl Fragment {
    pub fn str(s: impl Into<String>) -> Self {
        Fragment::Str(s.into())
    }

    /// A mapping of strings.
    pub fn string_map<K: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Fragment::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (k.as_ref().to_string(), Fragment::str(v.as_ref())))
                .collect(),
        )
    }
}

/// A layout the writer cannot edit safely; reported as an error, never guessed at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Unsupported {
    pub message: String,
    /// Byte offset in the document text.
    pub at: usize,
}

fn unsupported(at: usize, message: impl Into<String>) -> Unsupported {
    Unsupported {
        message: message.into(),
        at,
    }
}

/// A double-quoted YAML string (JSON escapes are valid YAML escapes).
///
/// YAML may not print C0 and C1 controls, DEL, U+FEFF, U+FFFE or U+FFFF raw (its
/// `c-printable` set), so those are `\u`-escaped; JSON's escaping alone leaves DEL and C1
/// through (found by fuzzing). LINE SEPARATOR and PARAGRAPH SEPARATOR are escaped too:
/// Kubernetes (YAML 1.1) reads them raw as line breaks, and input holding them is refused.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{feff}'
            | '\u{fffe}'
            | '\u{ffff}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A mapping key: plain when that is unambiguous, double-quoted otherwise.
pub fn key(s: &str) -> String {
    let safe = !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'))
        && !super::resolves_to_non_string(s);
    if safe { s.to_string() } else { quote(s) }
}

/// Plans edits on one document.
pub struct Writer<'t, 'a> {
    pub tree: &'t Tree<'a>,
    pub edits: Edits,
    nl: &'static str,
    step: usize,
}

impl<'t, 'a> Writer<'t, 'a> {
    pub fn new(tree: &'t Tree<'a>) -> Self {
        let nl = if tree.src.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        Writer {
            tree,
            edits: Edits::new(),
            nl,
            step: indent_step(tree),
        }
    }

    fn src(&self) -> &'a str {
        self.tree.src
    }

    /// Start of the line that holds `pos`.
    fn line_start(&self, pos: usize) -> usize {
        self.src()[..pos].rfind('\n').map_or(0, |i| i + 1)
    }

    /// Offset of the line break (or end of text) that ends the line holding `pos`.
    fn line_end(&self, pos: usize) -> usize {
        let src = self.src();
        let end = src[pos..].find('\n').map_or(src.len(), |i| pos + i);
        if end > pos && src.as_bytes()[end - 1] == b'\r' {
            end - 1
        } else {
            end
        }
    }

    /// Start of the line after the one that holds `pos` (or `pos` itself when it
    /// already is a line start past some text).
    fn line_after(&self, pos: usize) -> usize {
        let src = self.src();
        if pos > 0 && src.as_bytes()[pos - 1] == b'\n' {
            return pos;
        }
        src[pos..].find('\n').map_or(src.len(), |i| pos + i + 1)
    }

    /// Whether only blanks stand between the start of the line and `pos`.
    fn first_on_line(&self, pos: usize) -> bool {
        self.src()[self.line_start(pos)..pos]
            .bytes()
            .all(|b| b == b' ')
    }

    /// Inserts whole lines at a line start (`text` is lines each ending in a line
    /// break); at the end of a text without a final line break, keeps it that way.
    fn insert_lines(&mut self, at: usize, text: String) {
        let src = self.src();
        if at == src.len() && !src.is_empty() && !src.ends_with('\n') {
            let trimmed = text.strip_suffix(self.nl).unwrap_or(&text);
            let joined = format!("{}{}", self.nl, trimmed);
            self.edits.insert(at, joined);
        } else {
            self.edits.insert(at, text);
        }
    }

    /// The column where a block mapping key's line content starts: the key itself, or
    /// the anchor or tag before it (`&a key: v`, `!!str key: v`), so that new keys line
    /// up with the mapping and not with the key text after its properties.
    fn key_column(&self, key_start: usize) -> usize {
        key_column(self.src(), key_start)
    }

    /// Checks that every key of a block mapping is a simple key (`key: value` on one
    /// line, maybe after `- ` or properties) and returns the column the keys share.
    /// Complex or explicit keys (`? key`) never occur in Kubernetes manifests and have no
    /// line of their own to align with: they are refused rather than guessed at (found
    /// by fuzzing).
    fn simple_keys_column(&self, map: NodeId) -> Result<usize, Unsupported> {
        let tree = self.tree;
        let src = self.src();
        let mut column = None;
        for &(key, _) in tree.entries(map) {
            let span = tree.span(key);
            let prefix = &src[self.line_start(span.start)..span.start];
            let simple = tree.scalar(key).is_some()
                && !span.is_empty()
                && !prefix.split([' ', '\t']).any(|t| t == "?")
                && src[span.end..]
                    .trim_start_matches([' ', '\t'])
                    .starts_with(':');
            if !simple {
                return Err(unsupported(
                    span.start,
                    "cannot edit a mapping with a complex or explicit (`?`) key",
                ));
            }
            column.get_or_insert(self.key_column(span.start));
        }
        column.ok_or_else(|| {
            unsupported(tree.span(map).start, "cannot add to an empty block mapping")
        })
    }

    /// Where a value (or a collection) really ends. An empty value (`key:` with nothing
    /// after it) is placed by the parser right after its key, before the `:`; a
    /// collection whose last value is empty ends there too. The colon belongs to the
    /// node's text, so the end moves past it (found by fuzzing: replacing such a
    /// collection left a stray `:` behind).
    ///
    /// Only an empty plain value is placed so: an empty block scalar (`key: |` with no
    /// content) is placed at the start of the next line, where a `:` belongs to the next
    /// entry (found by fuzzing: `metadata: |` followed by an entry with an empty key).
    /// A block scalar's own end moves back before its trailing line breaks.
    fn end_of(&self, id: NodeId) -> usize {
        let end = self.tree.span(id).end;
        let mut last = id;
        loop {
            match self.tree.node(last).kind {
                NodeKind::Map { entries, .. } if !entries.is_empty() => {
                    last = entries[entries.len() - 1].1;
                }
                NodeKind::Seq { items, .. } if !items.is_empty() => last = items[items.len() - 1],
                _ => break,
            }
        }
        let empty_plain = matches!(
            self.tree.node(last).kind,
            NodeKind::Scalar {
                style: Style::Plain,
                ..
            }
        ) && self.tree.span(last).is_empty();
        if !empty_plain {
            // A block scalar's text runs on over its final line break (and the blank
            // lines after it, or starts on the next line when it is empty): the node
            // ends before them, so that what replaces it keeps the next line apart.
            return self.src()[..end]
                .trim_end_matches(['\n', '\r', ' ', '\t'])
                .len();
        }
        let rest = &self.src()[end..self.line_end(end)];
        let blanks = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        if rest[blanks..].starts_with(':') {
            end + blanks + 1
        } else {
            end
        }
    }

    /// Offset just past the `:` that follows a key (on the key's line).
    fn colon_after(&self, key: NodeId) -> Result<usize, Unsupported> {
        let from = self.tree.node(key).end;
        let to = self.line_end(from);
        self.src()[from..to]
            .find(':')
            .map(|i| from + i + 1)
            .ok_or_else(|| unsupported(from, "cannot find the `:` after this key"))
    }

    /// Sets `key` to each value in `pairs` inside mapping `map`: replaces values that
    /// differ, descends into nested mappings, and adds missing keys after the last
    /// entry. Returns the keys whose value was added or changed.
    pub fn upsert(
        &mut self,
        map: NodeId,
        pairs: &[(String, Fragment)],
    ) -> Result<Vec<String>, Unsupported> {
        let mut changed = Vec::new();
        let mut missing = Vec::new();
        for (name, fragment) in pairs {
            match self.tree.entry(map, name) {
                None => {
                    missing.push((name.clone(), fragment.clone()));
                    changed.push(name.clone());
                }
                Some((k, v)) => {
                    if self.set_value(map, k, v, fragment)? {
                        changed.push(name.clone());
                    }
                }
            }
        }
        if !missing.is_empty() {
            self.insert_entries(map, &missing)?;
        }
        Ok(changed)
    }

    /// Makes the value of an existing entry equal to `fragment`; returns whether
    /// anything had to change.
    fn set_value(
        &mut self,
        map: NodeId,
        k: NodeId,
        v: NodeId,
        fragment: &Fragment,
    ) -> Result<bool, Unsupported> {
        let tree = self.tree;
        if tree.is_alias(v) {
            // Replacing `annotations: *shared` would silently drop what the anchor holds,
            // and editing through it would change every other user of the anchor.
            return Err(unsupported(
                tree.span(v).start,
                "cannot edit a value that is an alias (`*name`); write it out in the template",
            ));
        }
        match fragment {
            Fragment::Str(s) => {
                if tree.string(v) == Some(s.as_str()) {
                    return Ok(false);
                }
                let block = matches!(
                    tree.node(v).kind,
                    NodeKind::Scalar {
                        style: Style::Literal | Style::Folded,
                        ..
                    }
                );
                if tree.scalar(v).is_some() && !tree.is_null(v) && !block {
                    let node = tree.node(v);
                    self.edits.replace(node.start..node.end, quote(s));
                } else {
                    self.replace_value(map, k, v, fragment)?;
                }
                Ok(true)
            }
            Fragment::Map(pairs) if tree.is_map(v) => Ok(!self.upsert(v, pairs)?.is_empty()),
            _ => {
                self.replace_value(map, k, v, fragment)?;
                Ok(true)
            }
        }
    }

    /// Replaces the whole value of an entry (a null, a scalar, or a collection).
    fn replace_value(
        &mut self,
        map: NodeId,
        k: NodeId,
        v: NodeId,
        fragment: &Fragment,
    ) -> Result<(), Unsupported> {
        let tree = self.tree;
        let colon = self.colon_after(k)?;
        let value_end = self.end_of(v).max(colon);
        if tree.is_flow(map) {
            self.edits
                .replace(colon..value_end, format!(" {}", flow(fragment)));
            return Ok(());
        }
        let indent = self.key_column(tree.node(k).start) + self.step;
        let is_block_collection = matches!(fragment, Fragment::Map(m) if !m.is_empty())
            || matches!(fragment, Fragment::Seq(s) if !s.is_empty());
        if is_block_collection && tree.is_null(v) {
            // `annotations:` or `annotations: null`, maybe with a comment after it:
            // drop the null and continue on the following lines.
            if value_end > colon {
                self.edits.delete(colon..value_end);
            }
            let at = self.line_end(value_end);
            let text = self.block_value(fragment, indent);
            self.edits.insert(at, text);
        } else {
            let text = self.block_value(fragment, indent);
            self.edits.replace(colon..value_end, text);
        }
        Ok(())
    }

    /// Adds entries after the last entry of a mapping.
    fn insert_entries(
        &mut self,
        map: NodeId,
        pairs: &[(String, Fragment)],
    ) -> Result<(), Unsupported> {
        let tree = self.tree;
        if tree.is_flow(map) {
            let body: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}: {}", key(k), flow(v)))
                .collect();
            let text = body.join(", ");
            // Entries that a planned deletion removes do not count: `{a: 1}` losing
            // `a` and gaining `b` must become `{b: …}`, not `{, b: …}`.
            let empty = tree
                .entries(map)
                .iter()
                .all(|&(k, v)| self.edits.covers(&(tree.node(k).start..self.end_of(v))));
            self.insert_in_flow(map, empty, text);
            return Ok(());
        }
        // Also refuses an empty block mapping (it has no key to align with).
        let indent = self.simple_keys_column(map)?;
        let mut text = String::new();
        for (k, v) in pairs {
            let _ = write!(
                text,
                "{}{}:{}{}",
                " ".repeat(indent),
                key(k),
                self.block_value(v, indent + self.step),
                self.nl
            );
        }
        let at = self.line_after(self.end_of(map));
        self.insert_lines(at, text);
        Ok(())
    }

    /// Inserts `text` before the closing bracket of a flow collection.
    fn insert_in_flow(&mut self, collection: NodeId, empty: bool, text: String) {
        let node = self.tree.node(collection);
        let close = node.end - 1;
        let before = self.src()[node.start + 1..close].trim_end();
        let text = if empty {
            text
        } else if before.ends_with(',') {
            format!(" {text}")
        } else {
            format!(", {text}")
        };
        // Keep the insertion right after the last item, before blanks and the bracket.
        let at = node.start + 1 + before.len();
        self.edits.insert(at, text);
    }

    /// Removes one entry of a mapping.
    pub fn remove_entry(&mut self, map: NodeId, k: NodeId) -> Result<(), Unsupported> {
        let tree = self.tree;
        let entries = tree.entries(map);
        let Some(pos) = entries.iter().position(|&(key, _)| key == k) else {
            return Err(unsupported(
                tree.node(k).start,
                "key is not in this mapping",
            ));
        };
        let (k, v) = entries[pos];
        let range = if tree.is_flow(map) {
            self.flow_item_range(tree.node(k).start, self.end_of(v))
        } else if self.first_on_line(tree.node(k).start) {
            self.line_start(tree.node(k).start)..self.line_after(self.end_of(v))
        } else if let Some(&(next, _)) = entries.get(pos + 1) {
            // `- key: value` starting a sequence item: the next key moves up.
            tree.node(k).start..tree.node(next).start
        } else {
            return Err(unsupported(
                tree.node(k).start,
                "cannot remove the only key of a mapping that shares its line",
            ));
        };
        self.edits.delete(range);
        Ok(())
    }

    /// The range to delete for one item of a flow collection, with one comma.
    fn flow_item_range(&self, start: usize, end: usize) -> Range<usize> {
        let src = self.src();
        let after = &src[end..];
        let skip = after.len() - after.trim_start().len();
        if after[skip..].starts_with(',') {
            let rest = &after[skip + 1..];
            let blanks = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            return start..end + skip + 1 + blanks;
        }
        let before = src[..start].trim_end();
        if before.ends_with(',') {
            return before.len() - 1..end;
        }
        start..end
    }

    /// Removes one item of a sequence.
    pub fn remove_item(&mut self, seq: NodeId, item: NodeId) -> Result<(), Unsupported> {
        let tree = self.tree;
        let node = tree.node(item);
        if tree.is_flow(seq) {
            let range = self.flow_item_range(node.start, self.end_of(item));
            self.edits.delete(range);
            return Ok(());
        }
        let dash = self.dash_of(item)?;
        if !self.first_on_line(dash) {
            return Err(unsupported(
                dash,
                "cannot remove an item of a nested inline sequence",
            ));
        }
        let range = self.line_start(dash)..self.line_after(self.end_of(item));
        self.edits.delete(range);
        Ok(())
    }

    /// The `-` that introduces a block sequence item.
    fn dash_of(&self, item: NodeId) -> Result<usize, Unsupported> {
        let start = self.tree.node(item).start;
        let before = self.src()[..start].trim_end_matches([' ', '\n', '\r']);
        if before.ends_with('-') {
            Ok(before.len() - 1)
        } else {
            Err(unsupported(
                start,
                "cannot find the `-` of this sequence item",
            ))
        }
    }

    /// Appends items after the last item of a sequence.
    pub fn append_items(&mut self, seq: NodeId, items: &[Fragment]) -> Result<(), Unsupported> {
        let tree = self.tree;
        if items.is_empty() {
            return Ok(());
        }
        if tree.is_flow(seq) {
            let body: Vec<String> = items.iter().map(flow).collect();
            let empty = tree
                .items(seq)
                .iter()
                .all(|&i| self.edits.covers(&(tree.node(i).start..self.end_of(i))));
            self.insert_in_flow(seq, empty, body.join(", "));
            return Ok(());
        }
        let Some(&first) = tree.items(seq).first() else {
            return Err(unsupported(
                tree.node(seq).start,
                "cannot add to an empty block sequence",
            ));
        };
        let dash = self.dash_of(first)?;
        let dash_col = dash - self.line_start(dash);
        let mut text = String::new();
        for item in items {
            text.push_str(&self.seq_item(item, dash_col));
        }
        let at = self.line_after(self.end_of(seq));
        self.insert_lines(at, text);
        Ok(())
    }

    /// Replaces one item of a sequence by `items` (zero or more), in its place, so the
    /// items around it keep their order and bytes.
    pub fn replace_item(
        &mut self,
        seq: NodeId,
        item: NodeId,
        items: &[Fragment],
    ) -> Result<(), Unsupported> {
        if items.is_empty() {
            return self.remove_item(seq, item);
        }
        let tree = self.tree;
        let node = tree.node(item);
        if tree.is_flow(seq) {
            let body: Vec<String> = items.iter().map(flow).collect();
            self.edits
                .replace(node.start..self.end_of(item), body.join(", "));
            return Ok(());
        }
        let dash = self.dash_of(item)?;
        if !self.first_on_line(dash) {
            return Err(unsupported(
                dash,
                "cannot replace an item of a nested inline sequence",
            ));
        }
        let dash_col = dash - self.line_start(dash);
        let mut text = String::new();
        for item in items {
            text.push_str(&self.seq_item(item, dash_col));
        }
        let start = self.line_start(dash);
        let end = self.line_after(self.end_of(item));
        if end == self.src().len() && !self.src().ends_with('\n') {
            // The item is the last line of a text without a final line break.
            let trimmed = text.strip_suffix(self.nl).unwrap_or(&text).to_string();
            self.edits.replace(start..end, trimmed);
        } else {
            self.edits.replace(start..end, text);
        }
        Ok(())
    }

    /// One block sequence item, `- ` at `dash_col`, ending in a line break.
    fn seq_item(&self, item: &Fragment, dash_col: usize) -> String {
        let content = dash_col + 2;
        let mut out = format!("{}- ", " ".repeat(dash_col));
        match item {
            Fragment::Map(pairs) if !pairs.is_empty() => {
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(&" ".repeat(content));
                    }
                    let _ = write!(
                        out,
                        "{}:{}{}",
                        key(k),
                        self.block_value(v, content + self.step),
                        self.nl
                    );
                }
            }
            other => {
                let _ = write!(out, "{}{}", flow(other), self.nl);
            }
        }
        out
    }

    /// The text that follows `key:` for a value whose children sit at `indent`:
    /// ` "scalar"`, or a line break and indented block lines (no final line break).
    fn block_value(&self, fragment: &Fragment, indent: usize) -> String {
        match fragment {
            Fragment::Map(pairs) if !pairs.is_empty() => {
                let mut out = String::new();
                for (k, v) in pairs {
                    let _ = write!(
                        out,
                        "{}{}{}:{}",
                        self.nl,
                        " ".repeat(indent),
                        key(k),
                        self.block_value(v, indent + self.step)
                    );
                }
                out
            }
            Fragment::Seq(items) if !items.is_empty() => {
                let mut out = String::new();
                for item in items {
                    out.push_str(self.nl);
                    let line = self.seq_item(item, indent);
                    out.push_str(line.strip_suffix(self.nl).unwrap_or(&line));
                }
                out
            }
            other => format!(" {}", flow(other)),
        }
    }
}

/// A fragment in flow style: `"s"`, `{k: "v"}`, `["a"]`.
pub fn flow(fragment: &Fragment) -> String {
    match fragment {
        Fragment::Str(s) => quote(s),
        Fragment::Map(pairs) => {
            let body: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}: {}", key(k), flow(v)))
                .collect();
            format!("{{{}}}", body.join(", "))
        }
        Fragment::Seq(items) => {
            let body: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", body.join(", "))
        }
    }
}

/// The column where a key's line content starts, properties (`&a`, `!!str`) included.
fn key_column(src: &str, key_start: usize) -> usize {
    let line_start = src[..key_start].rfind('\n').map_or(0, |i| i + 1);
    let mut at = key_start;
    loop {
        let before = src[line_start..at].trim_end_matches([' ', '\t']);
        let token_start = before.rfind([' ', '\t']).map_or(0, |i| i + 1);
        if before[token_start..].starts_with(['&', '!']) {
            at = line_start + token_start;
        } else {
            break;
        }
    }
    src[line_start..at].chars().count()
}

/// The indentation step the document uses (the column of the first nested block
/// mapping under the root), 2 when there is none.
fn indent_step(tree: &Tree) -> usize {
    let Some(root) = tree.root else { return 2 };
    let root_col = key_column(tree.src, tree.node(root).start);
    tree.entries(root)
        .iter()
        .find_map(|&(_, v)| {
            let first_key = tree.entries(v).first()?.0;
            (tree.is_map(v) && !tree.is_flow(v))
                .then(|| key_column(tree.src, tree.node(first_key).start))
        })
        .filter(|&col| col > root_col)
        .map_or(2, |col| col - root_col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(src: &str, f: impl FnOnce(&mut Writer)) -> String {
        let tree = Tree::parse(src).expect("test input parses");
        let mut w = Writer::new(&tree);
        f(&mut w);
        let out = w.edits.apply(src).expect("edits apply");
        Tree::parse(&out).unwrap_or_else(|e| panic!("output does not parse: {e:?}\n{out}"));
        out
    }

    fn annotations(pairs: &[(&str, &str)]) -> Vec<(String, Fragment)> {
        vec![(
            "metadata".to_string(),
            Fragment::Map(vec![(
                "annotations".to_string(),
                Fragment::string_map(pairs.iter().copied()),
            )]),
        )]
    }

    fn upsert_root(src: &str, pairs: &[(&str, &str)]) -> String {
        edit(src, |w| {
            let root = w.tree.root.unwrap();
            w.upsert(root, &annotations(pairs)).unwrap();
        })
    }

    #[test]
    fn adds_to_a_block_map_after_the_last_key() {
        let out = upsert_root(
            "metadata:\n  annotations:\n    a: b\n  name: x\n",
            &[("k", "true")],
        );
        assert_eq!(
            out,
            "metadata:\n  annotations:\n    a: b\n    k: \"true\"\n  name: x\n"
        );
    }

    #[test]
    fn fills_a_null_annotations_key_keeping_its_comment() {
        let out = upsert_root(
            "metadata:\n  annotations: # none yet\n  name: x\n",
            &[("k", "v")],
        );
        assert_eq!(
            out,
            "metadata:\n  annotations: # none yet\n    k: \"v\"\n  name: x\n"
        );
        let out = upsert_root("metadata:\n  annotations: null\n", &[("k", "v")]);
        assert_eq!(out, "metadata:\n  annotations:\n    k: \"v\"\n");
    }

    #[test]
    fn replaces_block_scalars_keeping_the_next_line_apart() {
        let set_type = |src: &str| {
            edit(src, |w| {
                let root = w.tree.root.unwrap();
                let pairs = [("type".to_string(), Fragment::Str("LoadBalancer".into()))];
                w.upsert(root, &pairs).unwrap();
            })
        };
        assert_eq!(
            set_type("type: |\n  ClusterIP\nb: 1\n"),
            "type: \"LoadBalancer\"\nb: 1\n"
        );
        assert_eq!(
            set_type("type: >-\n  ClusterIP\n\n# c\nb: 1\n"),
            "type: \"LoadBalancer\"\n\n# c\nb: 1\n"
        );
        assert_eq!(
            upsert_root("metadata: |\n  x\nb: 1\n", &[("k", "v")]),
            "metadata:\n  annotations:\n    k: \"v\"\nb: 1\n"
        );
        // An empty block scalar sits at the start of the next line: its `:` (an entry
        // with an empty key) stays.
        assert_eq!(
            upsert_root("metadata: |\n: x\n", &[("k", "v")]),
            "metadata:\n  annotations:\n    k: \"v\"\n: x\n"
        );
    }

    #[test]
    fn adds_into_flow_maps() {
        assert_eq!(
            upsert_root("metadata: {annotations: {}}\n", &[("k", "v")]),
            "metadata: {annotations: {k: \"v\"}}\n"
        );
        assert_eq!(
            upsert_root("metadata:\n  annotations: {a: b, }\n", &[("k", "v")]),
            "metadata:\n  annotations: {a: b, k: \"v\" }\n"
        );
    }

    #[test]
    fn creates_missing_parents_and_keeps_no_final_newline() {
        assert_eq!(
            upsert_root("metadata:\n  name: x", &[("k", "v")]),
            "metadata:\n  name: x\n  annotations:\n    k: \"v\""
        );
    }

    #[test]
    fn keeps_crlf() {
        assert_eq!(
            upsert_root("metadata:\r\n  annotations:\r\n    a: b\r\n", &[("k", "v")]),
            "metadata:\r\n  annotations:\r\n    a: b\r\n    k: \"v\"\r\n"
        );
    }

    #[test]
    fn replaces_values_that_are_not_the_same_string() {
        let out = upsert_root(
            "metadata:\n  annotations:\n    k: true # was a bool\n    j: \"v\"\n",
            &[("k", "true"), ("j", "v")],
        );
        assert_eq!(
            out,
            "metadata:\n  annotations:\n    k: \"true\" # was a bool\n    j: \"v\"\n"
        );
    }

    #[test]
    fn removes_block_and_flow_entries() {
        let out = edit("a:\n  x: 1 # gone\n  y: |\n    keep\n  z: 3\n", |w| {
            let a = w.tree.get(w.tree.root.unwrap(), "a").unwrap();
            let (k, _) = w.tree.entry(a, "y").unwrap();
            w.remove_entry(a, k).unwrap();
            let (k, _) = w.tree.entry(a, "x").unwrap();
            w.remove_entry(a, k).unwrap();
        });
        assert_eq!(out, "a:\n  z: 3\n");
        let out = edit("a: {x: 1, y: 2}\n", |w| {
            let a = w.tree.get(w.tree.root.unwrap(), "a").unwrap();
            let (k, _) = w.tree.entry(a, "y").unwrap();
            w.remove_entry(a, k).unwrap();
        });
        assert_eq!(out, "a: {x: 1}\n");
    }

    #[test]
    fn replacing_the_only_flow_entry_leaves_no_stray_comma() {
        let out = edit("a: {x: 1}\nb: [1]\n", |w| {
            let root = w.tree.root.unwrap();
            let a = w.tree.get(root, "a").unwrap();
            let (k, _) = w.tree.entry(a, "x").unwrap();
            w.remove_entry(a, k).unwrap();
            w.upsert(a, &[("z".into(), Fragment::str("2"))]).unwrap();
            let b = w.tree.get(root, "b").unwrap();
            let item = w.tree.items(b)[0];
            w.remove_item(b, item).unwrap();
            w.append_items(b, &[Fragment::str("3")]).unwrap();
        });
        assert_eq!(out, "a: {z: \"2\"}\nb: [\"3\"]\n");
    }

    #[test]
    fn removes_and_appends_sequence_items() {
        let out = edit("from:\n  - a: 1\n    b: 2\n  - c: 3\n", |w| {
            let seq = w.tree.get(w.tree.root.unwrap(), "from").unwrap();
            let first = w.tree.items(seq)[0];
            w.remove_item(seq, first).unwrap();
            let item = Fragment::Map(vec![
                ("m".into(), Fragment::string_map([("k", "v")])),
                ("p".into(), Fragment::str("w")),
            ]);
            w.append_items(seq, &[item]).unwrap();
        });
        assert_eq!(
            out,
            "from:\n  - c: 3\n  - m:\n      k: \"v\"\n    p: \"w\"\n"
        );
    }

    #[test]
    fn replaces_an_item_in_place() {
        let peer = Fragment::Map(vec![("p".into(), Fragment::string_map([("k", "v")]))]);
        let out = edit("from:\n  - a: 1\n  - b: 2 # kept\n  - c: 3\n", |w| {
            let seq = w.tree.get(w.tree.root.unwrap(), "from").unwrap();
            let first = w.tree.items(seq)[0];
            w.replace_item(seq, first, &[peer.clone(), Fragment::str("x")])
                .unwrap();
            let last = w.tree.items(seq)[2];
            w.replace_item(seq, last, &[]).unwrap();
        });
        assert_eq!(
            out,
            "from:\n  - p:\n      k: \"v\"\n  - \"x\"\n  - b: 2 # kept\n"
        );
        let out = edit("from: [{a: 1}, {b: 2}]\n", |w| {
            let seq = w.tree.get(w.tree.root.unwrap(), "from").unwrap();
            let first = w.tree.items(seq)[0];
            w.replace_item(seq, first, &[peer.clone(), peer.clone()])
                .unwrap();
        });
        assert_eq!(out, "from: [{p: {k: \"v\"}}, {p: {k: \"v\"}}, {b: 2}]\n");
        let out = edit("from:\n- a: 1", |w| {
            let seq = w.tree.get(w.tree.root.unwrap(), "from").unwrap();
            let first = w.tree.items(seq)[0];
            w.replace_item(seq, first, &[Fragment::str("x")]).unwrap();
        });
        assert_eq!(out, "from:\n- \"x\"");
    }

    #[test]
    fn quoting_escapes_what_yaml_cannot_print() {
        assert_eq!(
            quote("a\u{7f}b\u{85}c\u{feff}\u{1}"),
            "\"a\\u007Fb\\u0085c\\uFEFF\\u0001\""
        );
        let doc = format!("v: {}\n", quote("\u{9f}\"\\\u{2028}é"));
        let tree = Tree::parse(&doc).expect("quoted output parses");
        assert_eq!(
            tree.str_at(tree.root.unwrap(), &["v"]),
            Some("\u{9f}\"\\\u{2028}é")
        );
    }

    #[test]
    fn new_keys_line_up_with_a_first_key_that_has_properties() {
        let out = upsert_root("&m metadata:\n  !!str name: x\n", &[("k", "v")]);
        assert_eq!(
            out,
            "&m metadata:\n  !!str name: x\n  annotations:\n    k: \"v\"\n"
        );
    }

    #[test]
    fn empty_last_values_keep_their_colon_with_them() {
        // Replacing a sequence whose last value is empty, and removing an empty flow entry.
        let out = upsert_root("metadata:\n- name: x\n  annotations:\n", &[("k", "v")]);
        assert_eq!(out, "metadata:\n  annotations:\n    k: \"v\"\n");
        let out = edit("a: {x: 1, y:}\n", |w| {
            let a = w.tree.get(w.tree.root.unwrap(), "a").unwrap();
            let (k, _) = w.tree.entry(a, "y").unwrap();
            w.remove_entry(a, k).unwrap();
        });
        assert_eq!(out, "a: {x: 1}\n");
    }

    #[test]
    fn aliased_values_are_refused() {
        let src = "base: &a {x: y}\nmetadata:\n  annotations: *a\n";
        let tree = Tree::parse(src).unwrap();
        let mut w = Writer::new(&tree);
        let err = w
            .upsert(tree.root.unwrap(), &annotations(&[("k", "v")]))
            .unwrap_err();
        assert!(err.message.contains("alias"), "{err}");
    }

    #[test]
    fn explicit_keys_are_refused() {
        for src in ["a: 1\n? b\n: 2\n", "?\n\n\nc: 1\n"] {
            let tree = Tree::parse(src).unwrap();
            let mut w = Writer::new(&tree);
            let root = tree.root.unwrap();
            assert!(
                w.upsert(root, &[("k".into(), Fragment::str("v"))]).is_err(),
                "{src:?}"
            );
        }
    }

    #[test]
    fn keys_are_quoted_only_when_needed() {
        assert_eq!(
            key("service.beta.kubernetes.io/aws-load-balancer-type"),
            "service.beta.kubernetes.io/aws-load-balancer-type"
        );
        assert_eq!(key("on"), "\"on\"");
        assert_eq!(key("a b"), "\"a b\"");
        assert_eq!(quote("tab\there"), "\"tab\\there\"");
    }
}
