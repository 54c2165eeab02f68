//! Manifest text in unusual layouts through render: flow collections with comments,
//! anchors and aliases, merge keys, tags, block scalar chomping, a byte-order mark, the
//! line breaks only YAML 1.1 sees, objects whose last entry is `metadata`. The input is
//! the render options on the first line (only the flags below) and the stream after it,
//! the format of `testdata/fuzz/yaml_meaning/`, which `tests/oracle.rs` replays through
//! the YAML 1.1 oracle. Render must either refuse, or keep the render guarantees (README, "Guarantees")
//! (tests/guarantees/mod.rs) and write output whose meaning, as the span tree reads it,
//! is the input's plus edits render may make (tests/meaning_check/mod.rs).
//!
//! Besides libFuzzer's byte mutations (with `yaml_meaning.dict`), a custom mutator
//! rewrites one line of a document into one of those layouts: a flow mapping with
//! comments, an anchor and an alias of it, a merge key, a tag, a kept block scalar, a
//! byte-order mark, one of the line breaks, a `spec:` dropped so that `metadata` ends the
//! document.
#![no_main]

use libfuzzer_sys::{fuzz_mutator, fuzz_target};
use spaces_expose::cli::Cli;
use spaces_expose::config;

use clap::Parser;

#[path = "../../tests/guarantees/mod.rs"]
mod guarantees;
#[path = "../../tests/meaning_check/mod.rs"]
mod meaning_check;

/// Flags the first line may use: none of them reads or writes a file.
const FLAGS: &[&str] = &[
    "--cloud",
    "--mode",
    "--controller",
    "--scheme",
    "--service",
    "--gateway",
    "--namespace",
    "--aws-target-type",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (args, input) = text.split_once('\n').unwrap_or((text, ""));
    let args: Vec<&str> = args.split_whitespace().collect();
    if args
        .iter()
        .any(|a| a.starts_with('-') && !FLAGS.contains(&a.split('=').next().unwrap_or(a)))
    {
        return;
    }
    let Ok(cli) = Cli::try_parse_from(std::iter::once("spaces-expose").chain(args.iter().copied()))
    else {
        return;
    };
    let Ok(config) = config::resolve(&cli.render) else {
        return;
    };
    let rendered = match guarantees::check_render(input.as_bytes(), &config) {
        Err(broken) => panic!("{broken}"),
        Ok(None) => return,
        Ok(Some(rendered)) => rendered,
    };
    if let Err(wrong) = meaning_check::check(input, &rendered.output) {
        panic!("{wrong}\n--- output ---\n{}", rendered.output);
    }
});

/// A small deterministic generator for the mutator's choices.
struct Rng(u32);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0 as usize % n.max(1)
    }
}

/// Rewrites one line of the stream (after the options line) into an unusual layout.
fn mutate_layout(text: &str, rng: &mut Rng) -> String {
    let (args, body) = text.split_once('\n').unwrap_or((text, ""));
    let mut lines: Vec<String> = body.lines().map(str::to_string).collect();
    if lines.is_empty() {
        return text.to_string();
    }
    let at = rng.below(lines.len());
    let line = lines[at].clone();
    let indent = line.len() - line.trim_start().len();
    let pad = " ".repeat(indent);
    let (key, value) = match line.split_once(": ") {
        Some((k, v)) => (k.to_string(), v.to_string()),
        None => (line.trim_end_matches(':').to_string(), String::new()),
    };
    let name = format!("a{}", rng.below(4));
    match rng.below(12) {
        // An anchor here, an alias of it on a new line after.
        0 => {
            lines[at] = format!("{key}: &{name} {value}");
            let to = rng.below(lines.len()) + 1;
            let target = lines.get(to.min(lines.len() - 1)).cloned().unwrap_or_default();
            let ind = target.len() - target.trim_start().len();
            lines.insert(to.min(lines.len()), format!("{}copy{}: *{name}", " ".repeat(ind), to));
        }
        // A merge key in the mapping of this line.
        1 => lines.insert(at, format!("{pad}<<: {{{}: \"merged\"}}", key.trim_start())),
        2 => lines.insert(at, format!("{pad}<<: *{name}")),
        // A tag on the value.
        3 => {
            let tag = ["!!str", "!!bool", "!!int", "!x", "!!binary", "!!null"][rng.below(6)];
            lines[at] = format!("{key}: {tag} {value}");
        }
        // The value as a block scalar with a chomping indicator and empty lines.
        4 => {
            let chomp = ["|+", "|-", "|", ">+", ">-"][rng.below(5)];
            lines[at] = format!("{key}: {chomp}");
            lines.insert(at + 1, format!("{pad}  {}", value.trim_matches('"')));
            lines.insert(at + 2, String::new());
        }
        // The mapping under this key written as a multi-line flow mapping with comments.
        5 => {
            let mut end = at + 1;
            let mut entries = Vec::new();
            while end < lines.len() {
                let l = &lines[end];
                let i = l.len() - l.trim_start().len();
                if i <= indent || l.trim_start().starts_with('-') {
                    break;
                }
                entries.push(format!("{pad}  {}, # c{end}", l.trim_start()));
                end += 1;
            }
            if !entries.is_empty() && value.is_empty() {
                lines.splice(
                    at..end,
                    std::iter::once(format!("{key}: {{ # open"))
                        .chain(entries)
                        .chain(std::iter::once(format!("{pad}  }} # close"))),
                );
            }
        }
        // A line break Kubernetes sees inside a comment or a value.
        6 => {
            let brk = ["\u{85}", "\u{2028}", "\u{2029}", "\r"][rng.below(4)];
            lines[at] = format!("{line} #{brk}{pad}hidden: x");
        }
        // A byte-order mark.
        7 => {
            if !lines[0].starts_with('\u{feff}') {
                lines[0].insert(0, '\u{feff}');
            }
        }
        // `spec` dropped, so that the mapping before it ends the document.
        8 => {
            if let Some(spec) = lines.iter().position(|l| l == "spec:") {
                let end = lines[spec + 1..]
                    .iter()
                    .position(|l| !l.starts_with(' ') && !l.starts_with('-'))
                    .map_or(lines.len(), |i| spec + 1 + i);
                lines.drain(spec..end);
            }
        }
        // Helm 4's single-quoted string, ending in a line break, its quote at column 0.
        9 => {
            lines[at] = format!("{key}: 'first line");
            lines.insert(at + 1, String::new());
            lines.insert(at + 2, format!("{pad}  second line"));
            lines.insert(at + 3, String::new());
            lines.insert(at + 4, "'".to_string());
        }
        // Flow mapping on one line, as Helm's toJson writes it.
        10 => {
            if value.is_empty() {
                lines[at] = format!("{key}: {{\"k{at}\":\"v\",\"service.beta.kubernetes.io/aws-load-balancer-ssl-cert\":\"arn\",\"service.beta.kubernetes.io/aws-load-balancer-ssl-ports\":\"443\"}}");
            }
        }
        // A comment after the value.
        _ => lines[at] = format!("{line} # note"),
    }
    let mut out = format!("{args}\n{}", lines.join("\n"));
    if body.ends_with('\n') {
        out.push('\n');
    }
    out
}

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    let mut rng = Rng(seed | 1);
    if rng.below(3) == 0
        && let Ok(text) = std::str::from_utf8(&data[..size])
    {
        let mutated = mutate_layout(text, &mut rng);
        if mutated.len() <= max_size {
            data[..mutated.len()].copy_from_slice(mutated.as_bytes());
            return mutated.len();
        }
    }
    libfuzzer_sys::fuzzer_mutate(data, size, max_size)
});
