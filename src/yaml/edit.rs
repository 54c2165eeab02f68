//! Edits as byte splices on a document's text.

use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Splice {
    range: Range<usize>,
    text: String,
    /// For insertions: how deep the inserted text sits (see [`Edits::insert_at_depth`]).
    depth: usize,
}

/// The splices planned for one document. Insertions at the same offset go deepest
/// first, and keep the order in which they were planned at the same depth.
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
            depth: 0,
        });
    }

    pub fn insert(&mut self, at: usize, text: impl Into<String>) {
        self.replace(at..at, text);
    }

    /// Inserts text that belongs `depth` levels deep (the writer uses twice the column
    /// of a new key, plus one for a sequence item). Where a nested mapping and its
    /// parent end at the same offset (a `metadata` that is the last entry of the
    /// document, then a new root key), the nested mapping's new entries must come
    /// first, whatever order they were planned in, or they would land under the new
    /// root key.
    pub fn insert_at_depth(&mut self, at: usize, text: impl Into<String>, depth: usize) {
        self.splices.push(Splice {
            range: at..at,
            text: text.into(),
            depth,
        });
    }

    /// Withdraws a planned deletion of exactly `range`; returns whether there was one.
    pub fn withdraw_deletion(&mut self, range: &Range<usize>) -> bool {
        match self
            .splices
            .iter()
            .position(|s| s.range == *range && s.text.is_empty())
        {
            Some(i) => {
                self.splices.remove(i);
                true
            }
            None => false,
        }
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
        // starts there, the deepest first, and keep their planned order otherwise.
        order.sort_by_key(|&i| {
            let s = &self.splices[i];
            (
                s.range.start,
                !s.range.is_empty(),
                std::cmp::Reverse(s.depth),
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
    fn deeper_insertions_at_one_offset_come_first() {
        let mut edits = Edits::new();
        edits.insert_at_depth(2, "root ", 0);
        edits.insert_at_depth(2, "nested ", 4);
        edits.insert_at_depth(2, "nested2 ", 4);
        edits.insert_at_depth(2, "item ", 1);
        assert_eq!(edits.apply("ab").unwrap(), "abnested nested2 item root ");
        edits.delete(0..1);
        assert!(edits.withdraw_deletion(&(0..1)));
        assert!(!edits.withdraw_deletion(&(0..1)));
    }

    #[test]
    fn overlapping_edits_are_refused() {
        let mut edits = Edits::new();
        edits.delete(0..4);
        edits.replace(2..3, "z");
        assert!(edits.apply("abcdef").is_err());
    }
}
