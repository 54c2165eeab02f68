//! Peak heap of one render, counted by this test binary's global allocator: a count of
//! bytes, not a timing or a resident-set reading, so it does not depend on the machine
//! or its load. The peak-memory limit is 3 × input + 16 MB (docs/performance.md); the
//! heap is most of it (the rest is the program image and thread stacks: about 4 MB). The wall-clock and RSS
//! measurements themselves are in docs/performance.md.
//!
//! One test only in this file: the counters see every allocation of the process.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Parser;
use spaces_expose::cli::Cli;
use spaces_expose::config;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is passed on to the system allocator unchanged; the counters only
// observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    /// Counted as growing or shrinking in place: large blocks are moved by remapping
    /// pages, not copied, so the old and new blocks are not both resident.
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const ROUTER: &str = "apiVersion: v1
kind: Service
metadata:
  name: spaces-router
  namespace: upbound-system
spec:
  type: LoadBalancer
";

#[test]
fn hundred_thousand_tiny_documents_render_within_the_memory_limit() {
    // The worst case for per-document bookkeeping: 100,000 documents of 12 bytes.
    let mut input = String::from(ROUTER);
    for i in 0..100_000 {
        input.push_str(&format!("---\na: {i}\n"));
    }
    let cli = Cli::try_parse_from(["spaces-expose", "--cloud", "aws"]).expect("arguments");
    let config = config::resolve(&cli.render).expect("configuration");

    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let rendered = spaces_expose::render(input.as_bytes(), "<stdin>", &config).expect("renders");
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert!(rendered.output.ends_with(&input[ROUTER.len()..]));

    // Heap only, so 12 MB rather than 16 MB on top of 3 × input: the program image and
    // thread stacks take about 4 MB more. Measured when this test was written: 9.6 MB
    // (mostly the documents' 72-byte records, in a vector that grows by doubling);
    // before, with a tree kept for every document and larger records, 40.7 MB.
    let limit = 3 * input.len() + (12 << 20);
    assert!(
        peak <= limit,
        "peak heap {peak} bytes for {} bytes of input (limit {limit})",
        input.len()
    );
}
