//! Structure-aware: manifests shaped like Helm's Spaces output (tests/guarantees/
//! manifests.rs), built from the fuzzer's bytes, with options chosen the same way. Render
//! must succeed or refuse cleanly, and the render guarantees (README, "Guarantees") hold on success; check
//! must not panic on the same stream.
#![no_main]

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use spaces_expose::config::Levels;

#[path = "../../tests/guarantees/mod.rs"]
mod guarantees;

use guarantees::manifests::{Choices, generate};

struct FromBytes<'b, 'u>(&'u mut Unstructured<'b>);

impl Choices for FromBytes<'_, '_> {
    fn pick(&mut self, n: u32) -> u32 {
        self.0.int_in_range(0..=n - 1).unwrap_or(0)
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let generated = generate(&mut FromBytes(&mut u));
    let args: Vec<&str> = generated.args.iter().map(String::as_str).collect();
    let config = guarantees::config_from(&args);
    if let Err(broken) = guarantees::check_render(generated.text.as_bytes(), &config) {
        panic!("{broken}\n--- input ({args:?}) ---\n{}", generated.text);
    }
    let levels = Levels::default();
    let report = spaces_expose::check(generated.text.as_bytes(), "<fuzz>", &config, &levels);
    assert!(
        !report.invalid,
        "generated manifests are valid YAML\n{}",
        generated.text
    );
});
