//! Splits a manifest stream into documents, keeping every byte.
//!
//! Each chunk runs from a `---` line (or the start of the input) to the next one, so a
//! document carries its separator and the comment lines after it (Helm 3's
//! `# Source:` line). Joining the chunks gives back the input exactly. Only lines that
//! start at column 0 separate documents: an indented `---` inside a block scalar is
//! content, and YAML forbids a column-0 `---` inside any node.

use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// Byte range in the whole input.
    pub range: Range<usize>,
    /// 1-based line of the chunk's first byte in the whole input.
    pub first_line: usize,
    /// The path of a `# Source: <path>` comment before the content, if any.
    pub source: Option<Range<usize>>,
    /// Whether the chunk holds YAML content (not just separators and comments).
    pub has_content: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Line {
    Start { content_after: bool },
    End,
    Directive,
    Trivia,
    Content,
}

fn marker_at(line: &[u8], marker: &[u8]) -> bool {
    line.starts_with(marker) && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
}

/// Whether a marker line has text after the marker (a comment does not count).
fn content_after_marker(line: &[u8]) -> bool {
    let rest = &line[3..];
    rest.iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .is_some_and(|i| rest[i] != b'#')
}

fn classify(line: &[u8]) -> Line {
    if marker_at(line, b"---") {
        return Line::Start {
            content_after: content_after_marker(line),
        };
    }
    if marker_at(line, b"...") {
        // Text after an end marker is an error for every YAML reader: the line is
        // content, so that the document holding it is parsed and refused (found by
        // fuzzing: `... x` alone read as an empty stream).
        return if content_after_marker(line) {
            Line::Content
        } else {
            Line::End
        };
    }
    if line.first() == Some(&b'%') {
        return Line::Directive;
    }
    match line
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    {
        None => Line::Trivia,
        Some(i) if line[i] == b'#' => Line::Trivia,
        Some(_) => Line::Content,
    }
}

/// Splits `input` into chunks whose ranges are contiguous and cover it whole.
pub fn split(input: &str) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    for_each_chunk(input, |chunk| chunks.push(chunk));
    chunks
}

/// Hands the chunks of [`split`] to `f` one by one, in order, without collecting them.
pub fn for_each_chunk(input: &str, mut f: impl FnMut(Chunk)) {
    let bytes = input.as_bytes();
    let mut found = false;
    let mut current = Chunk {
        range: 0..0,
        first_line: 1,
        source: None,
        has_content: false,
    };
    let mut has_marker = false;
    // A byte-order mark stays in the first chunk's bytes; lines are read after it.
    let mut pos = if input.starts_with('\u{feff}') { 3 } else { 0 };
    let mut line_no = 1usize;
    while pos < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i + 1);
        let line = &bytes[pos..end];
        match classify(line) {
            Line::Start { content_after } => {
                if current.has_content || has_marker {
                    current.range.end = pos;
                    found = true;
                    f(std::mem::replace(
                        &mut current,
                        Chunk {
                            range: pos..pos,
                            first_line: line_no,
                            source: None,
                            has_content: false,
                        },
                    ));
                }
                has_marker = true;
                current.has_content |= content_after;
            }
            Line::End => {
                current.range.end = end;
                found = true;
                f(std::mem::replace(
                    &mut current,
                    Chunk {
                        range: end..end,
                        first_line: line_no + 1,
                        source: None,
                        has_content: false,
                    },
                ));
                has_marker = false;
            }
            Line::Directive if current.has_content || has_marker => current.has_content = true,
            Line::Directive => {}
            Line::Trivia => {
                if !current.has_content && current.source.is_none() {
                    current.source = source_comment(input, pos, end);
                }
            }
            Line::Content => current.has_content = true,
        }
        pos = end;
        line_no += 1;
    }
    current.range.end = bytes.len();
    if !current.range.is_empty() || !found {
        f(current);
    }
}

/// The path range of a `# Source: path` line.
fn source_comment(input: &str, start: usize, end: usize) -> Option<Range<usize>> {
    let line = &input[start..end];
    let at = line.find("# Source: ")?;
    let path = line[at + 10..].trim_end();
    (!path.is_empty()).then(|| {
        let from = start + at + 10;
        from..from + path.len()
    })
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(input: &str, offset: usize) -> (usize, usize) {
    let before = &input.as_bytes()[..offset];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    let mut column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    // A byte-order mark is not a column.
    if line_start == 0 && offset >= 3 && input.starts_with('\u{feff}') {
        column -= 1;
    }
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(input: &str) -> Vec<&str> {
        split(input)
            .iter()
            .map(|c| &input[c.range.clone()])
            .collect()
    }

    #[test]
    fn helm3_stream_keeps_separators_and_sources_with_each_document() {
        let input = "---\n# Source: a.yaml\nkind: A\n---\n# Source: b.yaml\nkind: B\n";
        assert_eq!(
            texts(input),
            [
                "---\n# Source: a.yaml\nkind: A\n",
                "---\n# Source: b.yaml\nkind: B\n"
            ]
        );
        let chunks = split(input);
        assert_eq!(&input[chunks[1].source.clone().unwrap()], "b.yaml");
        assert_eq!(chunks[1].first_line, 4);
    }

    #[test]
    fn helm4_stream_without_leading_separator() {
        assert_eq!(
            texts("kind: A\n---\nkind: B"),
            ["kind: A\n", "---\nkind: B"]
        );
    }

    #[test]
    fn indented_separator_in_block_scalar_is_content() {
        assert_eq!(texts("a: |\n  ---\n  b\n---\nc: 1\n").len(), 2);
    }

    #[test]
    fn document_end_markers_and_directives() {
        assert_eq!(
            texts("a: 1\n...\n%YAML 1.2\n---\nb: 2\n...\n"),
            ["a: 1\n...\n", "%YAML 1.2\n---\nb: 2\n...\n"]
        );
    }

    #[test]
    fn text_after_an_end_marker_is_content() {
        let chunks = split("... x\n");
        assert_eq!(chunks.len(), 1);
        assert!(chunks[0].has_content);
        assert!(!split("... # c\n")[0].has_content);
    }

    #[test]
    fn comments_only_and_empty() {
        let chunks = split("# just a comment\n\n");
        assert_eq!(chunks.len(), 1);
        assert!(!chunks[0].has_content);
        assert_eq!(split("").len(), 1);
        assert!(split("--- {a: 1}\n")[0].has_content);
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncé d", 7), (2, 4));
        assert_eq!(line_col("\u{feff}ab", 4), (1, 2));
    }
}
