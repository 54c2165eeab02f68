//! Edits as byte splices on a document's text.

use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Splice {
    range: Range<usize>,
    text: String,
}

/// The splices planned for one document. Insertions at the same offset keep the
/// order in which they were planned.
#[derive(Debug, Default, Clone)]
pub struct Edits {
    splices: Vec<Splice>,
}

/// Two planned splices touch the same bytes: a bug in a transform, reported rather
/// than applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("internal error: overlapping edits at bytes {first:?} and {second:?}")]
pub struct Overlap {
    pub first: Range<usize>,
    pub second: Range<usize>,
}

impl Edits {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.splices.is_empty()
    }

    pub fn replace(&mut self, range: Range<usize>, text: impl Into<String>) {
        self.splices.push(Splice {
            range,
            text: text.into(),
        });
    }

    pub fn insert(&mut self, at: usize, text: impl Into<String>) {
        self.replace(at..at, text);
    }

    pub fn delete(&mut self, range: Range<usize>) {
        self.replace(range, String::new());
    }

    /// Whether a planned deletion or replacement already covers `range`.
    pub fn covers(&self, range: &Range<usize>) -> bool {
        self.splices.iter().any(|s| {
            s.range.start <= range.start && range.end <= s.range.end && !s.range.is_empty()
        })
    }

    /// Applies the splices to `src`.
    pub fn apply(&self, src: &str) -> Result<String, Overlap> {
        let mut order: Vec<usize> = (0..self.splices.len()).collect();
        // Stable sort: at one offset, insertions come before the replacement that
        // starts there, and insertions keep their planned order.
        order.sort_by_key(|&i| {
            (
                self.splices[i].range.start,
                !self.splices[i].range.is_empty(),
            )
        });
        let mut out = String::with_capacity(src.len() + 256);
        let mut at = 0usize;
        let mut previous: Option<&Range<usize>> = None;
        for i in order {
            let splice = &self.splices[i];
            if splice.range.start < at {
                return Err(Overlap {
                    first: previous.cloned().unwrap_or(0..0),
                    second: splice.range.clone(),
                });
            }
            out.push_str(&src[at..splice.range.start]);
            out.push_str(&splice.text);
            at = splice.range.end;
            previous = Some(&splice.range);
        }
        out.push_str(&src[at..]);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splices_apply_in_offset_order() {
        let mut edits = Edits::new();
        edits.insert(5, "!");
        edits.replace(0..1, "H");
        edits.delete(6..7);
        assert_eq!(edits.apply("hello, world").unwrap(), "Hello!,world");
    }

    #[test]
    fn insertion_right_after_a_deletion_is_allowed() {
        let mut edits = Edits::new();
        edits.insert(3, "x");
        edits.delete(1..3);
        edits.insert(3, "y");
        assert_eq!(edits.apply("abcd").unwrap(), "axyd");
    }

    #[test]
    fn overlapping_edits_are_refused() {
        let mut edits = Edits::new();
        edits.delete(0..4);
        edits.replace(2..3, "z");
        assert!(edits.apply("abcdef").is_err());
    }
}
