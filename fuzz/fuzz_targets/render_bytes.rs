//! Arbitrary bytes through render and check: never a panic; when render succeeds, the
//! render guarantees (README, "Guarantees") hold (tests/guarantees/mod.rs).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use spaces_expose::config::Config;
use spaces_expose::config::Levels;

#[path = "../../tests/guarantees/mod.rs"]
mod guarantees;

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| guarantees::config_from(&["--cloud", "aws", "--controller", "traefik"]))
}

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = guarantees::check_render(data, config()) {
        panic!("{broken}");
    }
    let levels = Levels::default();
    let report = spaces_expose::check(data, "<fuzz>", config(), &levels);
    // Check never fails; input render refused as invalid YAML is an SE503 finding.
    if report.invalid {
        assert!(report.findings.iter().any(|f| f.code.as_str() == "SE503"));
    }
});
