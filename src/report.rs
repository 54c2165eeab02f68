//! Report formats for `check`: text, JSON, GitHub workflow commands, SARIF 2.1.0.
//! The rule metadata comes from the registry (`crate::rules::registry`).

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::config::Level;

use crate::rules::Finding;
use crate::rules::registry::{self as rules, RULES};

/// `file:line:col: level[CODE] message`, one line per finding.
pub fn text(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let _ = writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            f.file,
            f.line,
            f.column,
            rules::level_name(f.level),
            f.code,
            f.message
        );
    }
    out
}

/// One JSON array of flat objects (keys in the order of [`Finding`]).
pub fn json(findings: &[Finding]) -> String {
    let mut out = serde_json::to_string_pretty(findings).expect("findings serialize");
    out.push('\n');
    out
}

/// GitHub Actions workflow commands; the runner turns them into annotations on the
/// pull request (docs.github.com, "Workflow commands for GitHub Actions").
pub fn github(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let command = match f.level {
            Level::Error => "error",
            _ => "warning",
        };
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},title={}::{}",
            escape_property(&f.file),
            f.line,
            f.column,
            escape_property(&format!("{} {}", f.code, f.name)),
            escape_data(&format!("{} (fix: {})", f.message, f.fix)),
        );
    }
    out
}

/// The runner's escaping of a command's message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// The runner's escaping of a command's properties.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warn => "warning",
        Level::Off => "none",
    }
}

/// The file as a SARIF URI reference: `-`/`<stdin>` become `stdin`, and characters
/// outside the URI set are percent-encoded.
fn uri(file: &str) -> String {
    if file == "<stdin>" || file == "-" {
        return "stdin".to_string();
    }
    let mut out = String::new();
    for b in file.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:@!$&'()*+,;=".contains(&b) {
            out.push(b as char);
        } else if b == b'\\' {
            out.push('/');
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// SARIF 2.1.0: one run, the whole registry as rule metadata.
pub fn sarif(findings: &[Finding]) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.rationale.split_whitespace().collect::<Vec<_>>().join(" ") },
                "help": {
                    "text": rules::explain(r),
                    "markdown": format!(
                        "{}\n\nBad:\n\n```yaml\n{}```\n\nGood:\n\n```yaml\n{}```\n\nFix: {}.",
                        r.rationale.split_whitespace().collect::<Vec<_>>().join(" "),
                        r.bad,
                        r.good,
                        r.fix
                    ),
                },
                "defaultConfiguration": { "level": sarif_level(r.level) },
                "properties": { "tags": ["spaces", "kubernetes"] },
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let index = RULES.iter().position(|r| r.code == f.code).unwrap_or(0);
            let mut logical = Vec::new();
            if let (Some(kind), Some(name)) = (&f.kind, &f.object) {
                logical.push(json!({
                    "name": name,
                    "fullyQualifiedName": format!(
                        "{kind}/{}/{name}",
                        f.namespace.as_deref().unwrap_or_default()
                    ),
                    "kind": "object",
                }));
            }
            let mut location = json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": uri(&f.file) },
                    "region": { "startLine": f.line, "startColumn": f.column },
                },
            });
            if !logical.is_empty() {
                location["logicalLocations"] = Value::Array(logical);
            }
            let mut properties = json!({ "document": f.document, "fix": f.fix });
            if let Some(template) = &f.template {
                properties["template"] = json!(template);
            }
            json!({
                "ruleId": f.code,
                "ruleIndex": index,
                "level": sarif_level(f.level),
                "message": { "text": f.message },
                "locations": [location],
                "properties": properties,
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "spaces-expose",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                },
            },
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&log).expect("SARIF serializes");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escapes_properties_and_data() {
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
    }

    #[test]
    fn stdin_and_odd_paths_become_uri_references() {
        assert_eq!(uri("<stdin>"), "stdin");
        assert_eq!(uri("dir/my file.yaml"), "dir/my%20file.yaml");
    }
}
