//! Not a fuzz target: turns `render_manifest` inputs (libFuzzer byte files) into the
//! manifest streams they generate, for the committed regression corpus
//! (testdata/fuzz/render_manifest/, replayed by tests/fuzz_regressions.rs). The first
//! line of each written file holds the render options.
//!
//! Usage: cargo run --example export_manifest -- OUT_DIR FILE...

use std::path::Path;

use arbitrary::Unstructured;

#[path = "../../tests/guarantees/mod.rs"]
#[allow(dead_code)]
mod guarantees;

use guarantees::manifests::{Choices, generate};

struct FromBytes<'b, 'u>(&'u mut Unstructured<'b>);

impl Choices for FromBytes<'_, '_> {
    fn pick(&mut self, n: u32) -> u32 {
        self.0.int_in_range(0..=n - 1).unwrap_or(0)
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args.next().expect("usage: export_manifest OUT_DIR FILE...");
    for file in args {
        let data = std::fs::read(&file).expect("readable input");
        let mut u = Unstructured::new(&data);
        let generated = generate(&mut FromBytes(&mut u));
        let name = Path::new(&file).file_name().unwrap().to_string_lossy();
        let text = format!("# args: {}\n{}", generated.args.join(" "), generated.text);
        std::fs::write(Path::new(&out).join(format!("{name}.yaml")), text).expect("writable");
    }
}
