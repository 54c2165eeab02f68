//! What a rule produces: a [`Finding`] (the problem, where it is, what to do) and its
//! [`Remedy`] (the edits that fix it, or why render must refuse or can only warn).
//!
//! Edits are data on node ids of the finding's document: `check` never applies them,
//! render hands them to the writer ([`apply`]). Rule code never splices bytes.

use serde::Serialize;

use crate::config::Level;
use crate::error::Location;
use crate::manifest::Object;
use crate::manifest::{Document, Stream};
use crate::yaml::write::{Fragment, Unsupported, Writer};
use crate::yaml::{NodeId, Tree};

use super::registry::{Code, Rule};

/// One problem found in the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: Code,
    pub name: &'static str,
    /// `warn` or `error` (never `off`: disabled rules report nothing).
    pub level: Level,
    pub message: String,
    pub file: String,
    /// 1-based document number in the file; 0 for a finding about the whole stream.
    pub document: usize,
    /// `# Source:` path or Helm 4 filename annotation.
    pub template: Option<String>,
    pub kind: Option<String>,
    pub namespace: Option<String>,
    /// The object's `metadata.name`.
    pub object: Option<String>,
    /// 1-based line in the file.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// What to do (the rule's fix text).
    pub fix: &'static str,
    /// What render does about it.
    #[serde(skip)]
    pub remedy: Remedy,
}

impl Finding {
    pub(crate) fn new(
        rule: &Rule,
        level: Level,
        message: String,
        location: Location,
        object: Option<&Object>,
        remedy: Remedy,
    ) -> Self {
        Finding {
            code: rule.code,
            name: rule.name,
            level,
            message,
            file: location.file,
            document: location.document,
            template: location.template,
            kind: object.map(|o| o.kind.to_string()),
            namespace: object.map(|o| o.namespace.to_string()),
            object: object.map(|o| o.name.to_string()),
            line: location.line,
            column: location.column,
            fix: rule.fix,
            remedy,
        }
    }

    /// Where the finding is, as render's messages show it.
    pub fn location(&self) -> Location {
        Location {
            file: self.file.clone(),
            document: self.document,
            template: self.template.clone(),
            object: self.object_label(),
            line: self.line,
            column: self.column,
        }
    }

    /// `Kind namespace/name` of the object, when the finding is about one.
    pub fn object_label(&self) -> Option<String> {
        self.kind.as_ref().map(|kind| {
            format!(
                "{kind} {}/{}",
                self.namespace.as_deref().unwrap_or_default(),
                self.object.as_deref().unwrap_or_default()
            )
        })
    }

    /// Whether render removes the cause (its output never has this finding).
    pub fn is_fixed_by_render(&self) -> bool {
        matches!(self.remedy, Remedy::Fix(_) | Remedy::Shared)
    }

    /// Whether render prints this finding as a warning.
    pub fn is_render_warning(&self) -> bool {
        matches!(self.remedy, Remedy::Warn)
    }
}

/// What render does about one finding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Remedy {
    /// Edits on the finding's document.
    Fix(Fix),
    /// Another finding's fix on the same object removes this cause too (an annotation
    /// that a replaced value or a removed key answers).
    Shared,
    /// Render refuses the input; the text says what to change instead.
    Refuse(String),
    /// Render can do nothing about it and warns.
    #[default]
    Warn,
}

/// The edits that fix a finding, on the document with this (0-based) index, and the
/// line render prints about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub document: usize,
    pub edits: Vec<Edit>,
    pub notes: Vec<Note>,
}

/// One step of a fix, on nodes of the finding's document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Sets keys of a mapping (nested mappings are descended into, missing keys added).
    Upsert {
        map: NodeId,
        pairs: Vec<(String, Fragment)>,
    },
    /// Removes the entry whose key is `key`.
    RemoveEntry { map: NodeId, key: NodeId },
    /// Removes an item of a sequence.
    RemoveItem { seq: NodeId, item: NodeId },
    /// Appends items after the last item of a sequence.
    AppendItems { seq: NodeId, items: Vec<Fragment> },
    /// Replaces the first of `items` by `with` in its place and removes the others.
    ReplaceItems {
        seq: NodeId,
        items: Vec<NodeId>,
        with: Vec<Fragment>,
    },
    /// Rewrites a flow mapping: its entries without the keys in `drop`, then `pairs`.
    RewriteFlowMap {
        map: NodeId,
        drop: Vec<&'static str>,
        pairs: Vec<(String, Fragment)>,
    },
    /// Adds a whole document (a top-level mapping) right after this one, after a
    /// `---` line and, when the document came from a template, its `# Source:` line.
    AddDocument {
        source: Option<String>,
        pairs: Vec<(String, Fragment)>,
    },
}

/// The summary line of a fix, merged per object: `+3 annotations (aws)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// A count with its noun, plural when needed: `-1 L7 annotation`.
    Count {
        sign: &'static str,
        n: usize,
        noun: &'static str,
        suffix: String,
    },
    Text(String),
}

impl Note {
    pub fn count(
        sign: &'static str,
        n: usize,
        noun: &'static str,
        suffix: impl Into<String>,
    ) -> Self {
        Note::Count {
            sign,
            n,
            noun,
            suffix: suffix.into(),
        }
    }

    /// Adds `other` into `self` when both count the same thing.
    pub fn merge(&mut self, other: &Note) -> bool {
        match (self, other) {
            (
                Note::Count {
                    sign,
                    n,
                    noun,
                    suffix,
                },
                Note::Count {
                    sign: s2,
                    n: n2,
                    noun: noun2,
                    suffix: suffix2,
                },
            ) if sign == s2 && noun == noun2 && suffix == suffix2 => {
                *n += n2;
                true
            }
            (Note::Text(a), Note::Text(b)) => a == b,
            _ => false,
        }
    }
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Note::Count {
                sign,
                n,
                noun,
                suffix,
            } => {
                let plural = if *n == 1 { "" } else { "s" };
                write!(f, "{sign}{n} {noun}{plural}{suffix}")
            }
            Note::Text(text) => f.write_str(text),
        }
    }
}

impl Edit {
    /// Whether this edit rewrites or removes the value of `key` in mapping `map` (a
    /// value another rule then need not, and cannot, fix again).
    pub fn touches(&self, tree: &Tree, map: NodeId, key: NodeId) -> bool {
        match self {
            Edit::RemoveEntry { map: m, key: k } => *m == map && *k == key,
            Edit::Upsert { map: at, pairs } => {
                let Some(name) = tree.scalar(key) else {
                    return false;
                };
                upserts(tree, *at, pairs, map, name)
            }
            Edit::RewriteFlowMap { map: m, .. } => *m == map,
            _ => false,
        }
    }
}

/// Whether upserting `pairs` into `at` writes key `name` of mapping `map`.
fn upserts(tree: &Tree, at: NodeId, pairs: &[(String, Fragment)], map: NodeId, name: &str) -> bool {
    pairs.iter().any(|(k, fragment)| {
        if at == map && k == name {
            return true;
        }
        match (fragment, tree.get(at, k)) {
            (Fragment::Map(inner), Some(child)) if tree.is_map(child) => {
                upserts(tree, child, inner, map, name)
            }
            _ => false,
        }
    })
}

/// A document after its fixes: its new text (when edited) and the documents to add
/// after it.
#[derive(Debug, Default)]
pub struct Applied {
    pub text: Option<String>,
    pub added: Vec<String>,
}

/// A layout the writer cannot edit with certainty (an SE504 finding, or render's
/// refusal): where, and why.
#[derive(Debug)]
pub struct Refusal {
    pub location: Location,
    pub message: String,
}

/// Applies the fixes of one document through its writer, in order. `fixes` pairs each
/// fix with the label of the object it edits (for messages).
pub fn apply_fixes(
    stream: &Stream,
    doc: &Document,
    fixes: &[(&Fix, Option<String>)],
) -> Result<Applied, Refusal> {
    let Some(tree) = doc.tree.as_deref() else {
        return Err(Refusal {
            location: stream.location_at(doc, None, 0),
            message: "internal error: a fix for a document without a tree".to_string(),
        });
    };
    let mut writer = Writer::new(tree);
    let mut added = Vec::new();
    for (fix, object) in fixes {
        for edit in &fix.edits {
            apply(&mut writer, edit, &mut added).map_err(|err| {
                let mut location = stream.location_at(doc, None, err.at);
                if object.is_some() {
                    location.object.clone_from(object);
                }
                Refusal {
                    location,
                    message: format!("cannot edit this layout with certainty: {}", err.message),
                }
            })?;
        }
    }
    let text = if writer.is_empty() {
        None
    } else {
        Some(writer.apply().map_err(|e| Refusal {
            location: stream.location_at(doc, None, e.second.start),
            message: e.to_string(),
        })?)
    };
    Ok(Applied { text, added })
}

/// Plans one edit on a document's writer; an added document's text goes to `added`.
fn apply(writer: &mut Writer, edit: &Edit, added: &mut Vec<String>) -> Result<(), Unsupported> {
    match edit {
        Edit::Upsert { map, pairs } => writer.upsert(*map, pairs).map(drop),
        Edit::RemoveEntry { map, key } => writer.remove_entry(*map, *key),
        Edit::RemoveItem { seq, item } => writer.remove_item(*seq, *item),
        Edit::AppendItems { seq, items } => writer.append_items(*seq, items),
        Edit::ReplaceItems { seq, items, with } => {
            let Some((&first, rest)) = items.split_first() else {
                return Ok(());
            };
            writer.replace_item(*seq, first, with)?;
            rest.iter()
                .try_for_each(|&old| writer.remove_item(*seq, old))
        }
        Edit::RewriteFlowMap { map, drop, pairs } => writer.rewrite_flow_map(*map, drop, pairs),
        Edit::AddDocument { source, pairs } => {
            added.push(writer.document(source.as_deref(), pairs));
            Ok(())
        }
    }
}
