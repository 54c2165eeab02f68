//! `check`: reads rendered manifests and reports what is wrong for Spaces, never
//! modifying them. Findings are data; `format` turns them into text, JSON, GitHub
//! workflow commands or SARIF, and only `main` prints them.
//!
//! The rules read the same span tree as render and the same preset tables
//! (`crate::presets`); they never call the transforms.

pub mod format;
mod gateway;
mod ingress;
mod network_policy;
pub mod rules;
mod service;
mod yaml;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cli::Mode;
use crate::config::{Config, Level};
use crate::error::{Error, Location, Result};
use crate::manifest::{self, Document, Object, Stream, Trees};
use crate::stream;
use crate::yaml::NodeId;

pub use rules::{RULES, Rule};

/// One problem found in the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub name: &'static str,
    /// `warn` or `error` (never `off`: disabled rules report nothing).
    pub level: Level,
    pub message: String,
    pub file: String,
    /// 1-based document number in the file.
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
    pub fix: String,
}

impl Finding {
    fn new(
        rule: &rules::Rule,
        level: Level,
        message: String,
        location: Location,
        object: Option<&Object>,
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
            fix: rule.fix.to_string(),
        }
    }
}

/// What `check` found in one file.
#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Detail for `-v`: rules skipped for lack of an option.
    pub notes: Vec<String>,
    /// Some document was not valid YAML (exit 2).
    pub invalid: bool,
}

/// The level of every rule after `rules:` in the config and `--rule` flags.
#[derive(Debug, Clone)]
pub struct Levels(BTreeMap<&'static str, Level>);

impl Default for Levels {
    fn default() -> Self {
        Levels(RULES.iter().map(|r| (r.code, r.level)).collect())
    }
}

impl Levels {
    /// Applies the config file's `rules:` and then the `--rule CODE=LEVEL` flags (which
    /// win). A rule is named by its code or its name; an unknown one is a usage error.
    pub fn resolve(config: &BTreeMap<String, Level>, flags: &[String]) -> Result<Levels> {
        let mut levels = Levels::default();
        for (code, level) in config {
            levels.set(code, *level, "rules: in the config file")?;
        }
        for flag in flags {
            let Some((code, level)) = flag.split_once('=') else {
                return Err(Error::Usage(format!(
                    "--rule expects CODE=off|warn|error, got {flag:?}"
                )));
            };
            let level = match level.trim() {
                "off" => Level::Off,
                "warn" | "warning" => Level::Warn,
                "error" => Level::Error,
                other => {
                    return Err(Error::Usage(format!(
                        "--rule {code}: unknown level {other:?}; choose off, warn or error"
                    )));
                }
            };
            levels.set(code.trim(), level, "--rule")?;
        }
        Ok(levels)
    }

    fn set(&mut self, code: &str, level: Level, origin: &str) -> Result<()> {
        let rule = rules::find(code).ok_or_else(|| {
            Error::Usage(format!(
                "{origin}: unknown rule {code:?}; `spaces-expose explain` knows {}…{}",
                RULES[0].code,
                RULES[RULES.len() - 1].code
            ))
        })?;
        self.0.insert(rule.code, level);
        Ok(())
    }

    pub fn get(&self, code: &str) -> Level {
        self.0.get(code).copied().unwrap_or(Level::Off)
    }
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
    let stream = match Stream::parse_keeping(text, file, &config.namespace, LINT_TREES) {
        Ok(stream) => stream,
        Err(_) => {
            // Parse the documents one by one: report every broken document and
            // still lint the others.
            report.invalid = true;
            parse_each(text, file, &config.namespace, levels, &mut report)
        }
    };
    let mut ctx = Ctx {
        stream: &stream,
        config,
        levels,
        findings: Vec::new(),
    };
    for rule in RULES {
        let given = match rule.needs {
            rules::Needs::Nothing => true,
            rules::Needs::Cloud => config.cloud.is_some(),
            rules::Needs::Controller => !config.controllers.is_empty(),
        };
        if !given && ctx.enabled(rule.code) {
            let option = match rule.needs {
                rules::Needs::Cloud => "--cloud",
                _ => "--controller",
            };
            report.notes.push(format!(
                "{} {} skipped: it needs {option}",
                rule.code, rule.name
            ));
        }
    }
    // Like render, `--mode ingress|gateway|load-balancer` limits the check to that
    // path; NetworkPolicy and YAML rules apply to every path.
    let mode = config.mode;
    let families = [
        (
            Mode::LoadBalancer,
            "SE101–SE108",
            service::check as fn(&mut Ctx),
        ),
        (Mode::Ingress, "SE201–SE203", ingress::check),
        (Mode::Gateway, "SE301–SE305", gateway::check),
    ];
    for (path, codes, run) in families {
        if mode == Mode::Auto || mode == path {
            run(&mut ctx);
        } else {
            report.notes.push(format!(
                "{codes} skipped: --mode {} leaves the {} path alone",
                mode.name(),
                path.name()
            ));
        }
    }
    if mode != Mode::LoadBalancer && ctx.enabled("SE403") {
        report
            .notes
            .push("SE403 network-policy-blocks-load-balancer skipped: it applies with --mode load-balancer".to_string());
    }
    network_policy::check(&mut ctx);
    yaml::check(&mut ctx);
    report.findings.extend(ctx.findings);
    report.findings.sort_by_key(|f| (f.line, f.column, f.code));
    report
}

fn push_input_error(report: &mut Report, levels: &Levels, err: &Error) {
    let level = levels.get("SE503");
    if level == Level::Off {
        return;
    }
    let rule = rules::find("SE503").expect("SE503 is in the registry");
    let (location, message) = match err {
        Error::Input {
            location, message, ..
        } => ((**location).clone(), message.clone()),
        other => (Default::default(), other.to_string()),
    };
    let location = Location {
        line: location.line.max(1),
        column: location.column.max(1),
        ..location
    };
    report
        .findings
        .push(Finding::new(rule, level, message, location, None));
}

/// The trees the rules read: documents without objects matter only for repeated keys.
const LINT_TREES: Trees = Trees::OfObjectsAndRepeatedKeys;

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
        let (tree, objects) = match Stream::parse_keeping(doc_text, file, namespace, LINT_TREES) {
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

/// What a rule family sees: the stream, the options, and the sink for findings.
pub(crate) struct Ctx<'s, 'a> {
    pub stream: &'s Stream<'a>,
    pub config: &'s Config,
    levels: &'s Levels,
    findings: Vec<Finding>,
}

impl<'s, 'a> Ctx<'s, 'a> {
    pub fn enabled(&self, code: &str) -> bool {
        self.levels.get(code) != Level::Off
    }

    /// Records a finding at `node` (a node of `doc`'s tree).
    pub fn report(
        &mut self,
        code: &'static str,
        doc: &Document,
        object: Option<&Object>,
        node: NodeId,
        message: String,
    ) {
        let level = self.levels.get(code);
        if level == Level::Off {
            return;
        }
        let rule = rules::find(code).expect("rules report registered codes");
        let location = self.stream.location(doc, object, node);
        self.findings
            .push(Finding::new(rule, level, message, location, object));
    }

    /// Services named by `--service` (core `v1` Services only).
    pub fn targets(&self) -> Vec<(&'s Document<'a>, &'s Object<'a>)> {
        crate::router::target_services(self.stream, self.config)
    }

    /// Whether a Service `name` referenced from `namespace` is a target.
    pub fn is_target(&self, namespace: &str, name: &str) -> bool {
        self.config
            .services
            .iter()
            .any(|s| s.matches(namespace, name))
    }
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
