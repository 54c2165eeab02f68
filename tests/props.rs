//! Property test over generated manifest streams (tests/guarantees/manifests.rs): the
//! render guarantees (README, "Guarantees"; tests/guarantees/mod.rs) hold for every
//! option set and layout, and every Service render edited still deserializes as a Kubernetes Service.

mod guarantees;

use guarantees::manifests::{FromList, generate};
use k8s_openapi::api::core::v1::Service;
use proptest::prelude::*;
use spaces_expose::manifest::Stream;

/// Checks that each Service render reported as changed reads as a `v1.Service`
/// (string annotations, known fields in the right places).
fn edited_services_deserialize(
    output: &str,
    changed: &[String],
    namespace: &str,
) -> Result<(), String> {
    let stream = Stream::parse(output, "<output>", namespace).map_err(|e| e.to_string())?;
    for doc in &stream.docs {
        let Some(tree) = &doc.tree else { continue };
        for object in &doc.objects {
            if object.kind != "Service" || !changed.contains(&object.label()) {
                continue;
            }
            if !tree.duplicates.is_empty() {
                // Repeated keys: serde refuses them, Kubernetes keeps the last; the
                // guarantees above already cover this document.
                continue;
            }
            let value: serde_json::Value = serde_saphyr::from_str(doc.text).map_err(|e| {
                format!("{}: not YAML for serde: {e}\n{}", object.label(), doc.text)
            })?;
            serde_json::from_value::<Service>(value)
                .map_err(|e| format!("{}: not a v1.Service: {e}\n{}", object.label(), doc.text))?;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn render_keeps_the_guarantees(choices in prop::collection::vec(any::<u32>(), 0..160)) {
        let generated = generate(&mut FromList { list: &choices, at: 0 });
        let args: Vec<&str> = generated.args.iter().map(String::as_str).collect();
        let config = guarantees::config_from(&args);
        let rendered = guarantees::check_render(generated.text.as_bytes(), &config)
            .map_err(|broken| TestCaseError::fail(format!("{broken}\n--- input ({args:?}) ---\n{}", generated.text)))?;
        if let Some(rendered) = rendered {
            let changed: Vec<String> = rendered.report.changes.iter().map(|c| c.object.clone()).collect();
            edited_services_deserialize(&rendered.output, &changed, &config.namespace)
                .map_err(|e| TestCaseError::fail(format!("{e}\n--- input ({args:?}) ---\n{}", generated.text)))?;
        }
    }
}

/// The generator does produce streams render edits (otherwise the property above would
/// hold vacuously).
#[test]
fn generator_reaches_edits() {
    let mut edited = 0;
    for seed in 0..64u32 {
        let choices: Vec<u32> = (0..160)
            .map(|i| seed.wrapping_mul(2_654_435_761).rotate_left(i % 32) ^ i)
            .collect();
        let generated = generate(&mut FromList {
            list: &choices,
            at: 0,
        });
        let args: Vec<&str> = generated.args.iter().map(String::as_str).collect();
        let config = guarantees::config_from(&args);
        if let Ok(Some(r)) = guarantees::check_render(generated.text.as_bytes(), &config)
            && !r.report.changes.is_empty()
        {
            edited += 1;
        }
    }
    assert!(
        edited >= 8,
        "only {edited} of 64 generated streams were edited"
    );
}

/// The checker itself catches what it is there to catch.
#[test]
fn checker_catches_broken_guarantees() {
    let input = "apiVersion: v1\nkind: Service\nmetadata:\n  name: spaces-router\n  namespace: upbound-system\nspec:\n  type: LoadBalancer\n---\nkind: ConfigMap\nmetadata: {name: x}\n";
    let config = guarantees::config_from(&["--cloud", "aws"]);
    let rendered = guarantees::check_render(input.as_bytes(), &config)
        .expect("guarantees hold")
        .expect("render succeeds");
    assert_eq!(rendered.report.changes.len(), 1);
    let mut touched = rendered.clone();
    touched.output = touched.output.replace("name: x", "name: y");
    assert!(guarantees::verify(input.as_bytes(), &touched, &config).is_err());
    let mut dropped = rendered.clone();
    dropped.output.truncate(dropped.output.find("---").unwrap());
    assert!(guarantees::verify(input.as_bytes(), &dropped, &config).is_err());
    let mut unparsable = rendered.clone();
    unparsable.output.push_str("---\n[unclosed\n");
    assert!(guarantees::verify(input.as_bytes(), &unparsable, &config).is_err());
    let mut not_idempotent = rendered;
    not_idempotent.output = not_idempotent
        .output
        .replace("aws-load-balancer-type: \"external\"\n", "");
    assert!(guarantees::verify(input.as_bytes(), &not_idempotent, &config).is_err());
}
