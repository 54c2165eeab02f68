//! The one-source-of-truth invariants between `check` and render, for the same options
//! and input (docs/design.md):
//! 1. `check` on render's output reports no finding that render fixes;
//! 2. the documents render changes are exactly those that carry a fix among the
//!    findings `check` reports on the input (and nothing else changes: the byte
//!    guarantees of `verify` cover the rest);
//! 3. render's warnings are exactly `check`'s findings that render can only warn about
//!    (same codes, objects, positions and messages), and render refuses exactly when
//!    `check` reports a finding whose rule makes render refuse.

use std::collections::BTreeSet;

use spaces_expose::config::Config;
use spaces_expose::render::render;
use spaces_expose::rules::{Finding, Remedy};

/// What identifies a finding across check and render.
fn key(f: &Finding) -> String {
    format!(
        "{} {}:{}:{} doc {} {} {}/{}: {}",
        f.code,
        f.file,
        f.line,
        f.column,
        f.document,
        f.kind.as_deref().unwrap_or("-"),
        f.namespace.as_deref().unwrap_or("-"),
        f.object.as_deref().unwrap_or("-"),
        f.message
    )
}

fn sorted(findings: impl Iterator<Item = String>) -> Vec<String> {
    let mut list: Vec<String> = findings.collect();
    list.sort();
    list
}

/// Checks the three invariants for `input`; the error says which one broke and how.
pub fn check_truth(input: &[u8], config: &Config) -> Result<(), String> {
    let file = "<input>";
    let before = spaces_expose::check(input, file, config, &config.levels);
    let refusals: Vec<&Finding> = before
        .findings
        .iter()
        .filter(|f| matches!(f.remedy, Remedy::Refuse(_)))
        .collect();
    let rendered = match render(input, file, config) {
        Ok(rendered) => rendered,
        Err(err) => {
            if refusals.is_empty() && !before.invalid {
                return Err(format!(
                    "render refused ({err}) but check reports nothing that makes render refuse"
                ));
            }
            return Ok(());
        }
    };
    if !refusals.is_empty() {
        return Err(format!(
            "check reports {} but render succeeded",
            key(refusals[0])
        ));
    }

    // 1. Nothing render fixes is left in its output.
    let after = spaces_expose::check(rendered.output.as_bytes(), file, config, &config.levels);
    let left: Vec<String> = after
        .findings
        .iter()
        .filter(|f| f.is_fixed_by_render())
        .map(key)
        .collect();
    if !left.is_empty() {
        return Err(format!(
            "check on render's output reports what render fixes:\n{}",
            left.join("\n")
        ));
    }

    // 2. Render changes exactly the documents that check's fixes change.
    let fixed: BTreeSet<usize> = before
        .findings
        .iter()
        .filter_map(|f| match &f.remedy {
            Remedy::Fix(fix) => Some(fix.document),
            _ => None,
        })
        .collect();
    let changed: BTreeSet<usize> = rendered.parts.iter().map(|p| p.document).collect();
    if fixed != changed {
        return Err(format!(
            "documents with fixes in check {fixed:?}, documents render changed {changed:?}"
        ));
    }

    // 3. Render warns about exactly what check reports and render cannot fix.
    let warned = sorted(rendered.report.warnings.iter().map(key));
    let unfixable = sorted(
        before
            .findings
            .iter()
            .filter(|f| f.is_render_warning())
            .map(key),
    );
    if warned != unfixable {
        return Err(format!(
            "render warned about\n{}\nbut check's unfixable findings are\n{}",
            warned.join("\n"),
            unfixable.join("\n")
        ));
    }
    Ok(())
}
