//! check and render agree (tests/guarantees/truth.rs) on manifests shaped like Helm's
//! Spaces output, built from the fuzzer's bytes with options chosen the same way:
//! check on render's output reports nothing render fixes, render changes exactly the
//! documents check's fixes change, and render warns about exactly check's unfixable
//! findings.
#![no_main]

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

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
    if let Err(broken) = guarantees::truth::check_truth(generated.text.as_bytes(), &config) {
        panic!("{broken}\n--- input ({args:?}) ---\n{}", generated.text);
    }
});
