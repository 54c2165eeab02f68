//! Emission: the fragments the program writes and their YAML text. Every string is a
//! double-quoted YAML string with JSON-style escapes, which every YAML reader takes as
//! a string (`"true"`, `"0644"`, `"enabled"` stay strings); a key is plain only when
//! that is unambiguous.

use std::fmt::Write as _;

/// A value to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fragment {
    Str(String),
    /// A decimal integer, written plain (a NetworkPolicy port is an int-or-string: a
    /// quoted number would name a port). Anything but ASCII digits is written quoted.
    Int(String),
    Map(Vec<(String, Fragment)>),
    Seq(Vec<Fragment>),
}

impl Fragment {
    pub fn str(s: impl Into<String>) -> Self {
        Fragment::Str(s.into())
    }

    /// A mapping of strings.
    pub fn string_map<K: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Fragment::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (k.as_ref().to_string(), Fragment::str(v.as_ref())))
                .collect(),
        )
    }
}

/// A double-quoted YAML string (JSON escapes are valid YAML escapes).
///
/// YAML may not print C0 and C1 controls, DEL, U+FEFF, U+FFFE or U+FFFF raw (its
/// `c-printable` set), so those are `\u`-escaped; JSON's escaping alone leaves DEL and C1
/// through (found by fuzzing). LINE SEPARATOR and PARAGRAPH SEPARATOR are escaped too:
/// Kubernetes (YAML 1.1) reads them raw as line breaks, and input holding them is refused.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{feff}'
            | '\u{fffe}'
            | '\u{ffff}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A mapping key: plain when that is unambiguous, double-quoted otherwise.
pub fn key(s: &str) -> String {
    let safe = !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'))
        && !crate::yaml::resolves_to_non_string(s);
    if safe { s.to_string() } else { quote(s) }
}

/// A fragment in flow style: `"s"`, `{k: "v"}`, `["a"]`.
pub fn flow(fragment: &Fragment) -> String {
    match fragment {
        Fragment::Str(s) => quote(s),
        // No leading zero: YAML 1.1 reads `0123` as octal.
        Fragment::Int(n)
            if !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
                && (n == "0" || !n.starts_with('0')) =>
        {
            n.clone()
        }
        Fragment::Int(n) => quote(n),
        Fragment::Map(pairs) => {
            let body: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}: {}", key(k), flow(v)))
                .collect();
            format!("{{{}}}", body.join(", "))
        }
        Fragment::Seq(items) => {
            let body: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", body.join(", "))
        }
    }
}
