//! SE501 and SE502: YAML that Kubernetes reads differently from what it looks like.
//! (SE503, a document that does not parse, is reported while parsing: see `check`.)

use crate::manifest::{Document, Object};
use crate::yaml::{NodeId, NodeKind, Tree};

use super::Ctx;

/// Where string maps (annotations, labels) sit in the objects Spaces renders: the
/// object itself, pod templates, CronJob pod templates, and Gateway infrastructure.
const STRING_MAPS: &[&[&str]] = &[
    &["metadata"],
    &["spec", "template", "metadata"],
    &["spec", "jobTemplate", "spec", "template", "metadata"],
    &["spec", "infrastructure"],
];

pub(super) fn check(ctx: &mut Ctx) {
    let stream = ctx.stream;
    for doc in &stream.docs {
        let Some(tree) = doc.tree.as_ref() else {
            continue;
        };
        for object in &doc.objects {
            non_strings(ctx, doc, object, tree);
        }
        for dup in &tree.duplicates {
            let first = tree.node(dup.first);
            let line = doc.first_line + first.line - 1;
            let object = object_at(doc, tree, dup.again);
            ctx.report(
                "SE502",
                doc,
                object,
                dup.again,
                format!(
                    "key {:?} repeats the one on line {line}: Kubernetes silently keeps this last one",
                    dup.key
                ),
            );
        }
    }
}

/// The object whose mapping holds `node` (a `kind: List` document holds several).
fn object_at<'d, 'a>(doc: &'d Document<'a>, tree: &Tree, node: NodeId) -> Option<&'d Object<'a>> {
    let at = tree.node(node).start;
    doc.objects.iter().find(|o| {
        let n = tree.node(o.node);
        n.start <= at && at < n.end.max(n.start + 1)
    })
}

/// SE501: annotation and label values must be strings.
fn non_strings(ctx: &mut Ctx, doc: &Document, object: &Object, tree: &Tree) {
    for path in STRING_MAPS {
        let Some(holder) = tree.path(object.node, path) else {
            continue;
        };
        for field in ["annotations", "labels"] {
            let Some(map) = tree.get(holder, field).filter(|&m| tree.is_map(m)) else {
                continue;
            };
            for &(k, v) in tree.entries(map) {
                if tree.string(v).is_some() {
                    continue;
                }
                let key = tree.scalar(k).unwrap_or("?");
                let what = match &tree.node(v).kind {
                    NodeKind::Scalar { value, .. } if tree.is_null(v) => {
                        if tree.text(v).trim().is_empty() {
                            "an empty value (null)".to_string()
                        } else {
                            format!("{value} (null)")
                        }
                    }
                    NodeKind::Scalar { value, .. } => format!("{value} ({})", scalar_type(value)),
                    NodeKind::Map { .. } => "a mapping".to_string(),
                    NodeKind::Seq { .. } => "a sequence".to_string(),
                    NodeKind::Alias => "an alias".to_string(),
                };
                let noun = if field == "labels" {
                    "label"
                } else {
                    "annotation"
                };
                ctx.report(
                    "SE501",
                    doc,
                    Some(object),
                    v,
                    format!(
                        "{noun} {key} of {} {} is {what}, not a string: the API server rejects it; quote the value",
                        object.kind, object.name
                    ),
                );
            }
        }
    }
}

fn scalar_type(value: &str) -> &'static str {
    let lower = value.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "y" | "yes" | "n" | "no" | "true" | "false" | "on" | "off"
    ) {
        "a boolean"
    } else {
        "a number"
    }
}
