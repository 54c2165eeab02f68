//! `diff`: what render would change, as one unified diff per changed document.
//!
//! Render says which documents it changed and which it added after them; the diff
//! reads that, without splitting or parsing the output again.

use std::borrow::Cow;
use std::fmt::Write as _;

use similar::TextDiff;

use crate::config::Config;
use crate::error::Result;
use crate::manifest::{self, Object, Stream};
use crate::render::{self, Report};
use crate::rules;
use crate::yaml::Edits;

/// Shown instead of every value under a Secret's `data` or `stringData`.
pub const MASK: &str = "\"<masked>\"";

#[derive(Debug)]
pub struct Diffed {
    /// The unified diffs (empty when nothing would change).
    pub text: String,
    /// How many documents would change or be added.
    pub changed: usize,
    /// Render's own report (warnings, changes).
    pub report: Report,
}

/// Renders `input` with `config` and diffs each document render changed against its
/// rendered form, and shows each added document whole. `color` adds ANSI colours (the
/// caller decides: a terminal, and no `NO_COLOR`).
pub fn diff(input: &[u8], file: &str, config: &Config, color: bool) -> Result<Diffed> {
    let text = manifest::decode(input, file)?;
    let stream = Stream::parse_keeping(text, file, &config.namespace, rules::RULE_TREES)?;
    let rendered = render::render_stream(&stream, config)?;
    let mut diffed = Diffed {
        text: String::new(),
        changed: 0,
        report: rendered.report,
    };
    // Output document numbers: each added document shifts the ones after it.
    let mut shift = 0;
    for part in &rendered.parts {
        let doc = &stream.docs[part.document];
        if let Some(new) = &part.text {
            let heading = Heading {
                template: manifest::template_of(doc, doc.objects.first()),
                object: doc.objects.first().map(Object::label),
                document: doc.index + 1,
            };
            // Only a document that holds a Secret needs masking (and a parse for it).
            let secret = doc.objects.iter().any(|o| o.kind == "Secret");
            let (old, new) = if secret {
                (
                    mask_secrets(doc.text, &config.namespace),
                    mask_secrets(new, &config.namespace),
                )
            } else {
                (Cow::Borrowed(doc.text), Cow::Borrowed(new.as_str()))
            };
            diffed.push(Some(heading), &old, &new, file, 0, &config.namespace, color);
        }
        for added in &part.added {
            shift += 1;
            let document = doc.index + 1 + shift;
            let added = mask_secrets(added, &config.namespace);
            diffed.push(None, "", &added, file, document, &config.namespace, color);
        }
    }
    Ok(diffed)
}

struct Heading {
    template: Option<String>,
    object: Option<String>,
    document: usize,
}

impl Diffed {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        heading: Option<Heading>,
        old: &str,
        new: &str,
        file: &str,
        document: usize,
        namespace: &str,
        color: bool,
    ) {
        let heading = heading.unwrap_or_else(|| {
            let parsed = Stream::parse(new, file, namespace).ok();
            let doc = parsed.as_ref().and_then(|s| s.docs.first());
            Heading {
                template: doc.and_then(|d| manifest::template_of(d, d.objects.first())),
                object: doc
                    .and_then(|d| d.objects.first())
                    .map(|o| format!("{} (added)", o.label())),
                document,
            }
        });
        let name = heading
            .template
            .clone()
            .unwrap_or_else(|| format!("{file} document {}", heading.document));
        let what = heading
            .object
            .map(|o| format!(" ({o})"))
            .unwrap_or_default();
        let (bold, red, green, cyan, reset) = if color {
            ("\x1b[1m", "\x1b[31m", "\x1b[32m", "\x1b[36m", "\x1b[0m")
        } else {
            ("", "", "", "", "")
        };
        let _ = writeln!(self.text, "{bold}--- a/{name}{what}{reset}");
        let _ = writeln!(self.text, "{bold}+++ b/{name}{what}{reset}");
        let diff = TextDiff::from_lines(old, new);
        let hunks = diff.unified_diff().context_radius(3).to_string();
        for line in hunks.lines() {
            let paint = match line.as_bytes().first() {
                Some(b'@') => cyan,
                Some(b'+') => green,
                Some(b'-') => red,
                _ => "",
            };
            if paint.is_empty() {
                let _ = writeln!(self.text, "{line}");
            } else {
                let _ = writeln!(self.text, "{paint}{line}{reset}");
            }
        }
        self.changed += 1;
    }
}

/// Replaces every value under `data` and `stringData` of the Secrets in one document
/// with [`MASK`], so that a diff never shows a Secret value.
pub fn mask_secrets<'t>(text: &'t str, namespace: &str) -> Cow<'t, str> {
    if text.is_empty() {
        return Cow::Borrowed(text);
    }
    let Ok(parsed) = Stream::parse(text, "", namespace) else {
        // Render parsed this text already; a failure here would be a bug. Show
        // nothing rather than risk a value.
        return Cow::Owned("# (document hidden: it could not be parsed for masking)\n".into());
    };
    let mut edits = Edits::new();
    for doc in &parsed.docs {
        let Some(tree) = doc.tree.as_ref() else {
            continue;
        };
        // Offsets of this document's tree are relative to its own text.
        let base = parsed.range(doc).start;
        for object in doc.objects.iter().filter(|o| o.kind == "Secret") {
            // Every `data` and `stringData` entry, a repeated key's earlier ones too.
            let fields = tree
                .entries(object.node)
                .iter()
                .filter(|&&(k, _)| matches!(tree.scalar(k), Some("data" | "stringData")));
            for &(_, map) in fields {
                if !tree.is_map(map) {
                    let n = tree.node(map);
                    edits.replace(base + n.start..base + n.end, MASK);
                    continue;
                }
                for &(_, v) in tree.entries(map) {
                    let n = tree.node(v);
                    let value = &doc.text[n.start..n.end];
                    let mut mask = MASK.to_string();
                    if value.ends_with('\n') {
                        mask.push('\n');
                    }
                    edits.replace(base + n.start..base + n.end, mask);
                }
            }
        }
    }
    if edits.is_empty() {
        return Cow::Borrowed(text);
    }
    match edits.apply(text) {
        Ok(masked) => Cow::Owned(masked),
        Err(_) => Cow::Owned("# (document hidden: its Secret values could not be masked)\n".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_values_are_masked_in_every_form() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  a: c2VjcmV0\n  b: |\n    line-secret\n  c: \"quoted-secret\"\nstringData: {d: flow-secret}\n";
        let masked = mask_secrets(text, "default");
        for secret in ["c2VjcmV0", "line-secret", "quoted-secret", "flow-secret"] {
            assert!(!masked.contains(secret), "{secret} in {masked}");
        }
        assert!(masked.contains("name: s"));
        assert_eq!(masked.matches(MASK).count(), 4);
    }

    fn config() -> Config {
        Config {
            cloud: Some(crate::presets::Cloud::Gcp),
            ..Config::default()
        }
    }

    const SERVICE: &str = "---\n# Source: spaces/templates/router/service.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: spaces-router\nspec:\n  type: LoadBalancer\n---\n# Source: spaces/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: untouched\n";

    #[test]
    fn one_diff_per_changed_document_with_its_heading() {
        let diffed = diff(SERVICE.as_bytes(), "in.yaml", &config(), false).unwrap();
        assert_eq!(diffed.changed, 1);
        assert!(diffed.text.starts_with(
            "--- a/spaces/templates/router/service.yaml (Service upbound-system/spaces-router)\n+++ b/spaces/templates/router/service.yaml (Service upbound-system/spaces-router)\n@@ "
        ));
        assert!(
            diffed
                .text
                .contains("+  annotations:\n+    cloud.google.com/l4-rbs: \"enabled\"\n")
        );
        assert!(!diffed.text.contains("untouched"));
        assert!(!diffed.text.contains('\x1b'));
    }

    #[test]
    fn colour_only_when_asked() {
        let diffed = diff(SERVICE.as_bytes(), "in.yaml", &config(), true).unwrap();
        assert!(diffed.text.contains("\x1b[32m+    cloud.google.com/l4-rbs"));
        assert!(diffed.text.contains("\x1b[36m@@ "));
        assert!(diffed.text.starts_with("\x1b[1m--- a/"));
    }

    #[test]
    fn nothing_to_change_gives_no_diff() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";
        let diffed = diff(text.as_bytes(), "in.yaml", &config(), false).unwrap();
        assert_eq!((diffed.changed, diffed.text.as_str()), (0, ""));
        let empty = diff(b"", "in.yaml", &config(), false).unwrap();
        assert_eq!(empty.changed, 0);
    }

    #[test]
    fn other_kinds_are_not_masked() {
        let text = "kind: ConfigMap\ndata:\n  a: visible\n";
        assert_eq!(mask_secrets(text, "default"), text);
    }
}
