//! SE501 and SE502: YAML that Kubernetes reads differently from what it looks like.
//! (SE503, a document that does not parse, is reported while parsing: see `check`.)

use crate::manifest::{Document, Obj, Object};
use crate::yaml::{NodeId, NodeKind, Tree};

use super::{Code, Ctx, Remedy};

/// Where string maps (annotations, labels) sit in the objects Spaces renders: the
/// object itself, pod templates, CronJob pod templates, and Gateway infrastructure.
const STRING_MAPS: &[&[&str]] = &[
    &["metadata"],
    &["spec", "template", "metadata"],
    &["spec", "jobTemplate", "spec", "template", "metadata"],
    &["spec", "infrastructure"],
];

pub(super) fn run(ctx: &mut Ctx) {
    let stream = ctx.stream;
    for obj in stream.objects() {
        non_strings(ctx, &obj);
    }
    for doc in &stream.docs {
        let Some(tree) = doc.tree.as_deref() else {
            continue;
        };
        for dup in &tree.duplicates {
            let first = tree.node(dup.first);
            let message = repeat_message(&dup.key, doc.first_line + first.line - 1);
            match object_at(doc, tree, dup.again) {
                Some(object) => {
                    let obj = Obj { doc, tree, object };
                    ctx.report(Code::SE502, &obj, dup.again, message, Remedy::Warn);
                }
                None => ctx.report_node(Code::SE502, doc, tree, dup.again, message),
            }
        }
    }
}

fn repeat_message(key: &str, line: usize) -> String {
    format!("key {key:?} repeats the one on line {line}: Kubernetes silently keeps this last one")
}

/// [`repeat_message`] with its line `by` lines earlier (a file checked within a joined
/// stream, see `check_files`).
pub(super) fn shift_repeat_line(message: &str, by: usize) -> String {
    let Some((head, rest)) = message.split_once(" on line ") else {
        return message.to_string();
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    match rest[..digits].parse::<usize>() {
        Ok(line) if line > by => format!("{head} on line {}{}", line - by, &rest[digits..]),
        _ => message.to_string(),
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
fn non_strings(ctx: &mut Ctx, obj: &Obj) {
    let (tree, object) = (obj.tree, obj.object);
    // Every object is read here: look `spec` up once, not once per path under it.
    let spec = tree.get(object.node, "spec");
    for path in STRING_MAPS {
        let holder = match path.split_first() {
            Some((&"spec", rest)) => spec.and_then(|s| tree.path(s, rest)),
            _ => tree.path(object.node, path),
        };
        let Some(holder) = holder else {
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
                // A value another rule's fix rewrites or removes is fixed with it.
                let remedy = if ctx.fixed_elsewhere(obj.doc, map, k) {
                    Remedy::Shared
                } else {
                    Remedy::Warn
                };
                ctx.report(
                    Code::SE501,
                    obj,
                    v,
                    format!(
                        "{noun} {key} of {} {} is {what}, not a string: the API server rejects it; quote the value",
                        object.kind, object.name
                    ),
                    remedy,
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
