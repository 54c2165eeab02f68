//! The rules: one module per kind of object, each rule written once with the code
//! that finds the problem and, where render can act, the fix as edits.
//!
//! [`analyze`] runs every rule over a parsed stream. `check` prints its findings;
//! render ([`crate::render`]) applies the fixes of the fixable ones, refuses where a
//! rule says so and prints the others as warnings. Both therefore see the same
//! findings for the same options and input (docs/design.md).

pub mod finding;
mod gateway;
mod ingress;
mod network_policy;
pub mod registry;
mod service;
pub mod values;
mod yaml;

use crate::config::{Config, Level, Levels};
use crate::error::{Error, Location};
use crate::manifest::{self, Document, Obj, Stream, Trees};
use crate::router;
use crate::stream;
use crate::yaml::{NodeId, Tree};

pub use finding::{Edit, Finding, Fix, Note, Remedy};
pub use registry::{Code, Family, FixKind, RULES, Rule};

/// The trees the rules read: documents with objects, and those with repeated keys
/// (SE502). Render and check parse alike.
pub const RULE_TREES: Trees = Trees::OfObjectsAndRepeatedKeys;

/// What the rules found in one stream, in the order the rules ran (render applies the
/// fixes in this order).
#[derive(Debug, Default)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    /// Detail for `-v`: rules skipped for lack of an option or by `--mode`.
    pub notes: Vec<String>,
}

/// Runs every enabled rule over a parsed stream.
pub fn analyze(stream: &Stream, config: &Config, levels: &Levels) -> Analysis {
    let mut ctx = Ctx {
        stream,
        config,
        levels,
        analysis: Analysis::default(),
        gateway_namespace: std::cell::OnceCell::new(),
    };
    for rule in RULES {
        let given = match rule.needs {
            registry::Needs::Nothing => true,
            registry::Needs::Cloud => config.cloud.is_some(),
            registry::Needs::Controller => !config.controllers.is_empty(),
        };
        if !given && ctx.enabled(rule.code) {
            let option = rule.needs.option().unwrap_or_default();
            ctx.note(format!(
                "{} {} skipped: it needs {option}",
                rule.code, rule.name
            ));
        }
    }
    for &(family, run) in FAMILIES {
        if family.runs_in(config.mode) {
            run(&mut ctx);
        } else if let Some(path) = family.path() {
            let codes: Vec<&str> = RULES
                .iter()
                .filter(|r| r.code.family() == family)
                .map(|r| r.code.as_str())
                .collect();
            // The Ingress family applies the Service catalogue to a Cilium Ingress.
            let still = if family == Family::Service
                && Family::Ingress.runs_in(config.mode)
                && config.controllers.iter().any(|c| c.is_cilium())
            {
                " (a Cilium Ingress's copied load-balancer keys still get SE101, SE103, SE104, SE105)"
            } else {
                ""
            };
            ctx.note(format!(
                "{}–{} skipped: --mode {} leaves the {} path alone{still}",
                codes[0],
                codes[codes.len() - 1],
                config.mode.name(),
                path.name()
            ));
        }
    }
    ctx.analysis
}

/// The check of one rule family: it reports every finding of the family's rules.
type FamilyCheck = fn(&mut Ctx);

/// The families in the order they run: the YAML rules last, since they look at what
/// the other rules' fixes already rewrite.
const FAMILIES: &[(Family, FamilyCheck)] = &[
    (Family::Service, service::run),
    (Family::Ingress, ingress::run),
    (Family::Gateway, gateway::run),
    (Family::NetworkPolicy, network_policy::run),
    (Family::Yaml, yaml::run),
];

/// What a rule family sees: the stream, the options, and the sink for findings.
pub(crate) struct Ctx<'s, 'a> {
    pub stream: &'s Stream<'a>,
    pub config: &'s Config,
    levels: &'s Levels,
    analysis: Analysis,
    /// [`router::known_gateway_namespace`], asked once: the rules ask it for every
    /// router policy and route.
    gateway_namespace: std::cell::OnceCell<Option<String>>,
}

impl Ctx<'_, '_> {
    /// The namespace a reference to the Spaces Gateway must name, when it is known
    /// ([`router::known_gateway_namespace`]).
    pub fn known_gateway_namespace(&self) -> Option<&str> {
        self.gateway_namespace
            .get_or_init(|| router::known_gateway_namespace(self.stream, self.config))
            .as_deref()
    }

    pub fn enabled(&self, code: Code) -> bool {
        self.levels.get(code) != Level::Off
    }

    /// Whether a fix found so far rewrites or removes `key` of `map` in `doc`.
    pub fn fixed_elsewhere(&self, doc: &Document, map: NodeId, key: NodeId) -> bool {
        let Some(tree) = doc.tree.as_deref() else {
            return false;
        };
        self.analysis.findings.iter().any(|f| match &f.remedy {
            Remedy::Fix(fix) if fix.document == doc.index => {
                fix.edits.iter().any(|e| e.touches(tree, map, key))
            }
            _ => false,
        })
    }

    pub fn note(&mut self, note: String) {
        if !self.analysis.notes.contains(&note) {
            self.analysis.notes.push(note);
        }
    }

    /// Records a finding at `node` of an object.
    pub fn report(&mut self, code: Code, obj: &Obj, node: NodeId, message: String, remedy: Remedy) {
        let location = self.stream.at(obj, node);
        self.push(code, location, Some(obj), message, remedy);
    }

    /// Records a finding at a node of a document that holds no object.
    pub fn report_node(
        &mut self,
        code: Code,
        doc: &Document,
        tree: &Tree,
        node: NodeId,
        message: String,
    ) {
        let location = self.stream.location(doc, tree, None, node);
        self.push(code, location, None, message, Remedy::Warn);
    }

    /// Records a finding about the whole stream (document 0, line 1).
    pub fn report_stream(&mut self, code: Code, message: String) {
        let location = self.stream_location();
        self.push(code, location, None, message, Remedy::Warn);
    }

    /// Records a finding about the whole stream that makes render refuse.
    pub fn report_stream_refusal(&mut self, code: Code, message: String, help: String) {
        let location = self.stream_location();
        self.push(code, location, None, message, Remedy::Refuse(help));
    }

    fn stream_location(&self) -> Location {
        Location {
            file: self.stream.file.clone(),
            document: 0,
            template: None,
            object: None,
            line: 1,
            column: 1,
        }
    }

    fn push(
        &mut self,
        code: Code,
        location: Location,
        obj: Option<&Obj>,
        message: String,
        remedy: Remedy,
    ) {
        let level = match self.levels.get(code) {
            Level::Off => return,
            // What makes render refuse fails check too, whatever its level.
            Level::Warn if matches!(remedy, Remedy::Refuse(_)) => Level::Error,
            level => level,
        };
        self.analysis.findings.push(Finding::new(
            code.rule(),
            level,
            message,
            location,
            obj.map(|o| o.object),
            remedy,
        ));
    }
}

/// The remedy that applies `edits` to an object's document.
pub(crate) fn fix(obj: &Obj, edits: Vec<Edit>, notes: Vec<Note>) -> Remedy {
    Remedy::Fix(Fix {
        document: obj.doc.index,
        edits,
        notes,
    })
}

/// What `check` found in one file.
#[derive(Debug, Default)]
pub struct Report {
    /// Sorted by position.
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
    /// Some document was not valid YAML (exit 2).
    pub invalid: bool,
    /// The file holds at least one Kubernetes object.
    pub objects: bool,
}

/// Lints one file's bytes. Never fails: input that is not UTF-8 or not YAML becomes
/// an SE503 finding and sets [`Report::invalid`].
pub fn check(input: &[u8], file: &str, config: &Config, levels: &Levels) -> Report {
    let mut report = Report::default();
    let text = match manifest::decode(input, file) {
        Ok(text) => text,
        Err(err) => {
            report.invalid = true;
            push_input_error(&mut report, levels, &err);
            return report;
        }
    };
    let stream = match Stream::parse_keeping(text, file, &config.namespace, RULE_TREES) {
        Ok(stream) => stream,
        Err(_) => {
            // Parse the documents one by one: report every broken document and
            // still lint the others.
            report.invalid = true;
            parse_each(text, file, &config.namespace, levels, &mut report)
        }
    };
    if stream.is_empty() {
        // Nothing to lint, as render has nothing to render.
        return report;
    }
    report.objects = stream.objects().next().is_some();
    let analysis = analyze(&stream, config, levels);
    let layouts = uneditable_layouts(&stream, &analysis.findings, levels);
    report.findings.extend(analysis.findings);
    report.findings.extend(layouts);
    report.notes = analysis.notes;
    report
        .findings
        .sort_by_key(|f| (f.document, f.line, f.column, f.code));
    report
}

/// SE504: the documents whose fixes the writer cannot apply with certainty (render
/// refuses them), found by planning the fixes as render does.
fn uneditable_layouts(stream: &Stream, findings: &[Finding], levels: &Levels) -> Vec<Finding> {
    let level = levels.get(Code::SE504);
    if level == Level::Off {
        return Vec::new();
    }
    let mut fixes: std::collections::BTreeMap<usize, Vec<(&Fix, Option<String>)>> =
        std::collections::BTreeMap::new();
    for f in findings {
        if let Remedy::Fix(fix) = &f.remedy {
            fixes
                .entry(fix.document)
                .or_default()
                .push((fix, f.location().object));
        }
    }
    fixes
        .into_iter()
        .filter_map(|(index, fixes)| {
            let refusal = finding::apply_fixes(stream, &stream.docs[index], &fixes).err()?;
            let object = stream.docs[index]
                .objects
                .iter()
                .find(|o| refusal.location.object.as_deref() == Some(o.label().as_str()));
            Some(Finding::new(
                Code::SE504.rule(),
                level,
                refusal.message,
                refusal.location,
                object,
                Remedy::Refuse(Code::SE504.rule().fix.to_string()),
            ))
        })
        .collect()
}

fn push_input_error(report: &mut Report, levels: &Levels, err: &Error) {
    let level = levels.get(Code::SE503);
    if level == Level::Off {
        return;
    }
    let (location, message) = match err {
        Error::Input {
            location, message, ..
        } => ((**location).clone(), message.clone()),
        other => (Location::default(), other.to_string()),
    };
    let location = Location {
        line: location.line.max(1),
        column: location.column.max(1),
        ..location
    };
    report.findings.push(Finding::new(
        Code::SE503.rule(),
        level,
        message,
        location,
        None,
        Remedy::Refuse("fix the template that produced this document".to_string()),
    ));
}

/// Parses each document on its own; broken ones become SE503 findings and hold no
/// objects. Each document is parsed from its own text, so node ids and objects are
/// the same as in a whole-stream parse.
fn parse_each<'a>(
    text: &'a str,
    file: &str,
    namespace: &'a str,
    levels: &Levels,
    report: &mut Report,
) -> Stream<'a> {
    let mut docs = Vec::new();
    // Whether some document parsed and holds a YAML node (its tree may not be kept).
    let mut content = false;
    for (index, chunk) in stream::split(text).into_iter().enumerate() {
        let doc_text = &text[chunk.range.clone()];
        let (tree, objects) = match Stream::parse_keeping(doc_text, file, namespace, RULE_TREES) {
            Ok(mut one) => {
                content |= !one.empty;
                match one.docs.pop() {
                    Some(doc) if one.docs.is_empty() => (doc.tree, doc.objects),
                    _ => (None, Box::default()),
                }
            }
            Err(err) => {
                let err = match err {
                    Error::Input {
                        mut location,
                        message,
                        help,
                    } => {
                        location.document = index + 1;
                        location.line += chunk.first_line - 1;
                        location.template = chunk.source.clone().map(|r| text[r].to_string());
                        Error::Input {
                            location,
                            message,
                            help,
                        }
                    }
                    other => other,
                };
                push_input_error(report, levels, &err);
                (None, Box::default())
            }
        };
        docs.push(Document {
            index,
            first_line: chunk.first_line,
            text: doc_text,
            source: chunk.source.map(|r| &text[r]),
            tree,
            objects,
        });
    }
    Stream {
        input: text,
        file: file.to_string(),
        empty: !content,
        docs,
    }
}

/// Lints several manifest files as the one stream render would read: `helm template
/// --output-dir` writes a file per template, and a router Service in one file relates to
/// its NetworkPolicy or Ingress in another as it does in one stream. The files are
/// joined with a document separator, analysed together, and every finding is put back
/// at its own file, line and document. When a file is not UTF-8 or does not parse, each
/// file is checked alone (SE503 names the broken one), as is a single file.
pub fn check_files(files: &[(String, Vec<u8>)], config: &Config, levels: &Levels) -> Report {
    if files.len() > 1
        && let Some(report) = check_joined(files, config, levels)
    {
        return report;
    }
    merge_reports(
        files
            .iter()
            .map(|(name, bytes)| check(bytes, name, config, levels))
            .collect(),
    )
}

/// Where one file of a joined stream lies in it.
struct Part<'a> {
    name: &'a str,
    /// The joined stream's line of the file's first line.
    first_line: usize,
    /// The first line of each document of the file, as the file alone splits.
    documents: Vec<usize>,
}

fn check_joined(files: &[(String, Vec<u8>)], config: &Config, levels: &Levels) -> Option<Report> {
    let mut joined = String::new();
    let mut parts = Vec::with_capacity(files.len());
    let mut line = 1;
    for (i, (name, bytes)) in files.iter().enumerate() {
        let text = std::str::from_utf8(bytes).ok()?;
        if i > 0 {
            // A byte-order mark is only allowed at the start of a stream.
            if text.starts_with('\u{feff}') {
                return None;
            }
            joined.push_str("---\n");
            line += 1;
        }
        parts.push(Part {
            name,
            first_line: line,
            documents: stream::split(text).iter().map(|c| c.first_line).collect(),
        });
        joined.push_str(text);
        line += text.matches('\n').count();
        if !text.is_empty() && !text.ends_with('\n') {
            joined.push('\n');
            line += 1;
        }
    }
    let mut report = check(joined.as_bytes(), &files[0].0, config, levels);
    if report.invalid {
        return None;
    }
    let mut placed: Vec<(usize, Finding)> = report
        .findings
        .drain(..)
        .map(|mut f| {
            if f.document == 0 {
                return (0, f);
            }
            let at = parts.partition_point(|p| p.first_line <= f.line).max(1) - 1;
            let part = &parts[at];
            let shift = part.first_line - 1;
            f.file = part.name.to_string();
            f.line -= shift;
            f.document = part.documents.partition_point(|&l| l <= f.line).max(1);
            if f.code == Code::SE502 {
                f.message = yaml::shift_repeat_line(&f.message, shift);
            }
            (at, f)
        })
        .collect();
    placed.sort_by_key(|(at, f)| (*at, f.document, f.line, f.column, f.code));
    report.findings = placed.into_iter().map(|(_, f)| f).collect();
    Some(report)
}

/// The findings of several files checked together. A target Service (SE110) needs to
/// be in one of them only: `helm template --output-dir` writes a file per template.
pub fn merge_reports(reports: Vec<Report>) -> Report {
    let with_objects = reports.iter().filter(|r| r.objects).count();
    let mut merged = Report::default();
    for report in reports {
        merged.invalid |= report.invalid;
        merged.objects |= report.objects;
        for note in report.notes {
            if !merged.notes.contains(&note) {
                merged.notes.push(note);
            }
        }
        merged.findings.extend(report.findings);
    }
    let missing_in = |message: &str, findings: &[Finding]| {
        findings
            .iter()
            .filter(|f| f.code == Code::SE110 && f.message == message)
            .count()
    };
    let mut seen: Vec<String> = Vec::new();
    let all = merged.findings.clone();
    merged.findings.retain(|f| {
        if f.code != Code::SE110 {
            return true;
        }
        let keep = missing_in(&f.message, &all) >= with_objects && !seen.contains(&f.message);
        seen.push(f.message.clone());
        keep
    });
    merged
}

/// Lints one Spaces values file with the values family (SE6xx): `check --values`, or a
/// file given to `check` that reads as values. Input that is not YAML is an SE503
/// finding, as for manifests. The values rules do not run over rendered streams.
pub fn check_values(input: &[u8], file: &str, config: &Config, levels: &Levels) -> Report {
    let mut report = Report::default();
    let parsed =
        manifest::decode(input, file).and_then(|text| crate::values::ValuesFile::parse(text, file));
    match parsed {
        Ok(values) => {
            let plan = crate::values::Plan::new(config, None, Some(&values.tree));
            report.findings = values::lint(&values, config, levels, &plan);
        }
        Err(err) => {
            report.invalid = true;
            push_input_error(&mut report, levels, &err);
        }
    }
    report
}

/// Whether the level of any finding fails the run (exit 1).
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.level == Level::Error)
}

/// `(errors, warnings)`.
pub fn counts(findings: &[Finding]) -> (usize, usize) {
    let errors = findings.iter().filter(|f| f.level == Level::Error).count();
    (errors, findings.len() - errors)
}
