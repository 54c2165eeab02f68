//! The tree builder: per-thread scratch buffers, nodes pushed as the parser (or the
//! fast path) reports them, collections closed with their repeated keys found.

use super::*;

/// A collection being built: its node and where its children start in `Scratch::kids`.
pub(in crate::yaml) struct Open {
    pub(super) id: NodeId,
    pub(super) first_kid: usize,
}

/// Per-thread buffers reused from one document to the next, so that building a tree
/// costs a handful of exact-size allocations instead of one per collection.
#[derive(Default)]
pub(in crate::yaml) struct Scratch {
    pub(super) slots: Vec<Slot>,
    pub(super) tags: Vec<u8>,
    pub(super) extra: Vec<(u32, u32)>,
    pub(super) pairs: Vec<(NodeId, NodeId)>,
    pub(super) seq_items: Vec<NodeId>,
    pub(super) owned: String,
    pub(super) open: Vec<Open>,
    /// Children of the open collections, innermost last (maps: key, value, key, ...).
    pub(super) kids: Vec<NodeId>,
    /// Keys of one large mapping, sorted to find repeats.
    pub(super) sorted: Vec<(NodeId, NodeId)>,
    /// Anchor ids of the parser and the nodes that define them.
    pub(super) anchors: Vec<(usize, NodeId)>,
    /// Tagged scalars read as strings (see [`Meaning::str_tagged`]).
    pub(super) str_tagged: Vec<NodeId>,
}

impl Scratch {
    pub(in crate::yaml) fn clear(&mut self) {
        self.slots.clear();
        self.tags.clear();
        self.extra.clear();
        self.pairs.clear();
        self.seq_items.clear();
        self.owned.clear();
        self.open.clear();
        self.kids.clear();
        self.sorted.clear();
        self.anchors.clear();
        self.str_tagged.clear();
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Mappings with more keys than this find repeated keys by sorting instead of comparing
/// every pair (a hostile 10 MB mapping must not take quadratic time).
pub(in crate::yaml) const LINEAR_DUPLICATE_SCAN: usize = 16;

/// Runs `f` with this thread's cleared scratch buffers.
pub(in crate::yaml) fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            scratch.clear();
            f(&mut scratch)
        }
        // Re-entered on this thread (not expected): use fresh buffers.
        Err(_) => f(&mut Scratch::default()),
    })
}

/// Attaches a finished node to the open collection, or makes it the root.
pub(in crate::yaml) fn attach(b: &mut Scratch, node: NodeId, root: &mut Option<NodeId>) {
    if b.open.is_empty() {
        *root = Some(node);
    } else {
        b.kids.push(node);
    }
}

/// Opens a collection (`K_MAP` or `K_SEQ`, with `FLOW` for a flow collection): its
/// children follow until [`close`].
pub(in crate::yaml) fn open(b: &mut Scratch, tag: u8, start: usize, end: usize) {
    let id = push(b, tag, start, end, 0, 0);
    let first_kid = b.kids.len();
    b.open.push(Open { id, first_kid });
}

/// The builder as the fast path drives it: the same nodes the event loop makes.
pub(in crate::yaml) mod build {
    use super::*;

    /// A scalar of `style` spanning `start..end` whose value is the source text there
    /// (inside the quotes for a quoted scalar).
    pub fn scalar(b: &mut Scratch, style: Style, start: usize, end: usize) -> NodeId {
        let d = usize::from(matches!(style, Style::SingleQuoted | Style::DoubleQuoted));
        let tag = K_SCALAR | ((style as u8) << STYLE_SHIFT);
        push(
            b,
            tag,
            start,
            end,
            (start + d) as u32,
            (end - start - 2 * d) as u32,
        )
    }

    /// A scalar of `style` spanning `start..end` whose value differs from its text (a
    /// block scalar without its indentation).
    pub fn owned(b: &mut Scratch, style: Style, start: usize, end: usize, value: &str) -> NodeId {
        let at = b.owned.len() as u32;
        b.owned.push_str(value);
        let tag = K_SCALAR | ((style as u8) << STYLE_SHIFT) | OWNED;
        push(b, tag, start, end, at, value.len() as u32)
    }

    /// The null of a key without a value: a zero-length plain `~` at `at`, as the
    /// parser reports it.
    pub fn empty(b: &mut Scratch, at: usize) -> NodeId {
        let value = b.owned.len() as u32;
        b.owned.push('~');
        push(b, K_SCALAR | OWNED, at, at, value, 1)
    }

    /// Adds a finished node to the innermost open collection.
    pub fn child(b: &mut Scratch, node: NodeId) {
        debug_assert!(!b.open.is_empty(), "a child needs an open collection");
        b.kids.push(node);
    }

    pub fn open_map(b: &mut Scratch, flow: bool, start: usize, end: usize) {
        open(b, K_MAP | if flow { FLOW } else { 0 }, start, end);
    }

    pub fn open_seq(b: &mut Scratch, flow: bool, start: usize, end: usize) {
        open(b, K_SEQ | if flow { FLOW } else { 0 }, start, end);
    }

    /// Closes the innermost open collection (`end` is where its closing bracket ends,
    /// for a flow collection) and returns it.
    pub fn close_open(
        src: &str,
        b: &mut Scratch,
        end: usize,
        duplicates: &mut Vec<DuplicateKey>,
    ) -> NodeId {
        let open = b.open.pop().expect("the fast path balances collections");
        let id = open.id;
        close(src, b, open, end, duplicates);
        id
    }
}

/// Adds a scalar whose value is `len` bytes at `at` in the source (or in `owned` with
/// `OWNED` set in `tag`).
pub(in crate::yaml) fn push(
    b: &mut Scratch,
    mut tag: u8,
    start: usize,
    end: usize,
    a: u32,
    len: u32,
) -> NodeId {
    // `parse` checked that the document fits in 32 bits.
    let (start, end) = (start as u32, end as u32);
    let x = match tag & KIND_MASK {
        K_SCALAR => {
            // Most values are their span (plain) or the span inside the quotes;
            // only the others need an `extra` entry.
            let quoted = matches!(
                (tag >> STYLE_SHIFT) & 0b111,
                s if s == Style::SingleQuoted as u8 || s == Style::DoubleQuoted as u8
            );
            let d = u32::from(quoted);
            let implicit =
                tag & OWNED == 0 && end >= start + 2 * d && a == start + d && a + len == end - d;
            if implicit {
                0
            } else {
                tag |= EXTRA;
                b.extra.push((a, len));
                (b.extra.len() - 1) as u32
            }
        }
        K_MAP | K_SEQ => {
            b.extra.push((0, 0));
            (b.extra.len() - 1) as u32
        }
        _ => 0,
    };
    b.slots.push(Slot { start, end, x });
    b.tags.push(tag);
    (b.slots.len() - 1) as NodeId
}

/// Finishes a collection: moves its children into the shared arrays, sets its end,
/// and notes repeated keys.
pub(in crate::yaml) fn close(
    src: &str,
    b: &mut Scratch,
    open: Open,
    end_event: usize,
    duplicates: &mut Vec<DuplicateKey>,
) {
    let id = open.id as usize;
    let flow = b.tags[id] & FLOW != 0;
    let is_map = b.tags[id] & KIND_MASK == K_MAP;
    let kids = &b.kids[open.first_kid..];
    let last = kids.last().copied();
    let (first, count) = if is_map {
        let first = b.pairs.len();
        b.pairs
            .extend(kids.chunks_exact(2).map(|pair| (pair[0], pair[1])));
        (first, b.pairs.len() - first)
    } else {
        let first = b.seq_items.len();
        b.seq_items.extend_from_slice(kids);
        (first, kids.len())
    };
    b.kids.truncate(open.first_kid);
    // Block collections end where their last child ends (the end event sits at the
    // next token, lines further down); flow collections end at their bracket.
    let node_end = match (flow, last) {
        (false, Some(last)) => b.slots[last as usize].end,
        (false, None) => b.slots[id].end,
        (true, _) => end_event as u32,
    };
    let slot = &mut b.slots[id];
    slot.end = node_end;
    b.extra[slot.x as usize] = (first as u32, count as u32);
    if is_map && count > 1 {
        find_duplicates(src, b, first, count, duplicates);
    }
}

/// Records every key that repeats an earlier key of the same mapping, paired with the
/// first occurrence.
pub(in crate::yaml) fn find_duplicates(
    src: &str,
    b: &mut Scratch,
    first: usize,
    count: usize,
    duplicates: &mut Vec<DuplicateKey>,
) {
    let value = |b: &Scratch, id: NodeId| -> Option<String> {
        scalar_in(src, &b.slots, &b.tags, &b.extra, &b.owned, id).map(str::to_string)
    };
    if count <= LINEAR_DUPLICATE_SCAN {
        let keys = &b.pairs[first..first + count];
        for (i, &(key, _)) in keys.iter().enumerate() {
            let Some(name) = scalar_in(src, &b.slots, &b.tags, &b.extra, &b.owned, key) else {
                continue;
            };
            if let Some(&(earlier, _)) = keys[..i].iter().find(|&&(k, _)| {
                scalar_in(src, &b.slots, &b.tags, &b.extra, &b.owned, k) == Some(name)
            }) {
                duplicates.push(DuplicateKey {
                    key: name.to_string(),
                    first: earlier,
                    again: key,
                });
            }
        }
        return;
    }
    // Sort (key text, position) and walk runs of equal keys.
    let mut sorted = std::mem::take(&mut b.sorted);
    sorted.clear();
    let keys = &b.pairs[first..first + count];
    sorted.extend(
        keys.iter()
            .filter(|&&(k, _)| scalar_in(src, &b.slots, &b.tags, &b.extra, &b.owned, k).is_some())
            .map(|&(k, _)| (k, k)),
    );
    sorted.sort_by(|x, y| {
        let kx = scalar_in(src, &b.slots, &b.tags, &b.extra, &b.owned, x.0);
        let ky = scalar_in(src, &b.slots, &b.tags, &b.extra, &b.owned, y.0);
        kx.cmp(&ky).then(x.0.cmp(&y.0))
    });
    let mut run_first = None::<NodeId>;
    for w in 0..sorted.len() {
        let k = sorted[w].0;
        let same = w > 0
            && scalar_in(src, &b.slots, &b.tags, &b.extra, &b.owned, sorted[w - 1].0)
                == scalar_in(src, &b.slots, &b.tags, &b.extra, &b.owned, k);
        if !same {
            run_first = Some(k);
            continue;
        }
        if let (Some(first), Some(key)) = (run_first, value(b, k)) {
            duplicates.push(DuplicateKey {
                key,
                first,
                again: k,
            });
        }
    }
    b.sorted = sorted;
}
