//! The YAML layer: a span tree per document, edits as byte splices, and a writer for
//! the small fragments the program adds. No document is ever re-emitted from a tree.

pub mod edit;
mod fast;
pub mod tree;
pub mod write;

pub use edit::Edits;
pub use tree::{NodeId, NodeKind, ParseError, Style, Tree};

/// The first line break that a YAML 1.1 reader (Kubernetes) and the rest of this
/// program would read differently: a carriage return that is not part of CRLF, NEL
/// (U+0085), LINE SEPARATOR (U+2028) or PARAGRAPH SEPARATOR (U+2029). YAML 1.1 ends a
/// line at each of them, the strict parser (YAML 1.2) reads the last three as text, and
/// positions, document splitting and the writer count LF line breaks only. Such text is
/// refused, never guessed at: a break hidden in a comment would let Kubernetes read a key
/// that this program never sees. Returns the byte offset and what to tell the user.
///
/// Characters YAML does not allow in a stream at all (C0 controls other than tab, line
/// feed and carriage return, DEL, C1 controls, U+FFFE, U+FFFF) are refused here too:
/// go-yaml and libyaml reject the whole stream for one of them, even in a comment, where
/// the strict parser does not look.
/// Whether YAML refuses byte `b` anywhere in a stream: a C0 control other than tab, line
/// feed and carriage return, or DEL.
const fn is_control(b: u8) -> bool {
    // Without short-circuits: no branch, so a block's test vectorises.
    ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r')) | (b == 0x7F)
}

/// The first byte [`is_control`] refuses. Every byte of every stream is looked at, so
/// blocks of 32 are tested at once (a branch-free test the compiler vectorises) and only
/// a block that holds one is searched.
fn first_control(bytes: &[u8]) -> Option<usize> {
    const BLOCK: usize = 32;
    let mut blocks = bytes.chunks_exact(BLOCK);
    for (i, block) in blocks.by_ref().enumerate() {
        if block
            .iter()
            .fold(0u8, |any, &b| any | u8::from(is_control(b)))
            != 0
        {
            return block
                .iter()
                .position(|&b| is_control(b))
                .map(|at| i * BLOCK + at);
        }
    }
    let rest = blocks.remainder();
    let start = bytes.len() - rest.len();
    rest.iter()
        .position(|&b| is_control(b))
        .map(|at| start + at)
}

pub fn odd_line_break(src: &str) -> Option<(usize, &'static str)> {
    let bytes = src.as_bytes();
    // go-yaml takes a byte-order mark at the very start as the encoding's, and skips one
    // at the start of any other line counting it as a column, so that line's keys sit
    // one column further in for Kubernetes than for this program (found by fuzzing
    // `yaml_tree`: a second mark at the start, and one after blank lines).
    if src.starts_with("\u{feff}\u{feff}") {
        return Some((
            3,
            "a second byte-order mark at the start, which Kubernetes reads as a column; remove it",
        ));
    }
    if let Some(i) = memchr::memmem::find(bytes, "\n\u{feff}".as_bytes()) {
        return Some((
            i + 1,
            "a byte-order mark at the start of a line, which Kubernetes reads as a column; remove it",
        ));
    }
    let control = first_control(bytes);
    let scan_to = control.unwrap_or(bytes.len());
    let noncharacter = memchr::memchr_iter(0xEF, &bytes[..scan_to]).find(|&i| {
        bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF))
    });
    let scan_to = noncharacter.unwrap_or(scan_to);
    let found = memchr::memchr3_iter(b'\r', 0xC2, 0xE2, &bytes[..scan_to]).find_map(|i| {
        let message = match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'\r', Some(b'\n'), _) => return None,
            (b'\r', ..) => {
                "a carriage return that is not part of a CRLF line ending; use LF or CRLF line endings"
            }
            (0xC2, Some(0x85), _) => {
                "a U+0085 (NEL) character, which Kubernetes reads as a line break; remove it, or write it as `\\u0085` inside a double-quoted string"
            }
            (0xE2, Some(0x80), Some(0xA8)) => {
                "a U+2028 (LINE SEPARATOR) character, which Kubernetes reads as a line break; remove it, or write it as `\\u2028` inside a double-quoted string"
            }
            (0xE2, Some(0x80), Some(0xA9)) => {
                "a U+2029 (PARAGRAPH SEPARATOR) character, which Kubernetes reads as a line break; remove it, or write it as `\\u2029` inside a double-quoted string"
            }
            (0xC2, Some(0x80..=0x9F), _) => {
                "a C1 control character, which YAML does not allow; remove it, or write it as a `\\u` escape inside a double-quoted string"
            }
            _ => return None,
        };
        Some((i, message))
    });
    found
        .or_else(|| noncharacter.map(|i| (i, "a U+FFFE or U+FFFF character, which YAML does not allow; remove it")))
        .or_else(|| {
        control.map(|i| {
            (
                i,
                "a control character, which YAML does not allow (Kubernetes rejects the whole stream, even for one in a comment); remove it, or write it as a `\\u` escape inside a double-quoted string",
            )
        })
    })
}

/// Whether a plain scalar is read by Kubernetes as something other than a string.
///
/// Kubernetes decodes YAML with sigs.k8s.io/yaml on go-yaml v2, whose resolver follows
/// YAML 1.1: `yes`/`on`/`y` are booleans, `0644` is octal, `1_000` is 1000, `1e3` is a
/// float. Timestamps stay strings when decoded into untyped JSON, and base-60 numbers
/// are not supported there, so both count as strings here.
pub fn resolves_to_non_string(plain: &str) -> bool {
    if is_null_or_bool(plain) {
        return true;
    }
    match plain.as_bytes().first() {
        Some(b'0'..=b'9' | b'+' | b'-' | b'.') => {
            let digits: String = plain.chars().filter(|&c| c != '_').collect();
            is_go_int(&digits) || is_yaml_style_float(&digits)
        }
        _ => false,
    }
}

fn is_null_or_bool(s: &str) -> bool {
    matches!(
        s,
        "" | "~"
            | "null"
            | "Null"
            | "NULL"
            | "y"
            | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
            | ".nan"
            | ".NaN"
            | ".NAN"
    )
}

fn digits_in(s: &str, radix: u32) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_digit(radix))
}

/// Go's `strconv.ParseInt(s, 0, 64)` syntax (range aside): sign, then a `0x`, `0o`,
/// `0b` or leading-`0` octal prefix, or decimal digits.
fn is_go_int(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = body.get(..2).map(str::to_ascii_lowercase);
    match lower.as_deref() {
        Some("0x") => digits_in(&body[2..], 16),
        Some("0o") => digits_in(&body[2..], 8),
        Some("0b") => digits_in(&body[2..], 2),
        _ if body.len() > 1 && body.starts_with('0') => digits_in(&body[1..], 8),
        _ => digits_in(body, 10),
    }
}

/// go-yaml v2's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_style_float(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    if let Some(exp) = exponent
        && !digits_in(exp.strip_prefix(['+', '-']).unwrap_or(exp), 10)
    {
        return false;
    }
    match mantissa.split_once('.') {
        Some(("", frac)) => digits_in(frac, 10),
        Some((int, frac)) => digits_in(int, 10) && (frac.is_empty() || digits_in(frac, 10)),
        None => digits_in(mantissa, 10),
    }
}

#[cfg(test)]
mod tests {
    use super::resolves_to_non_string as typed;
    use super::{first_control, is_control};

    #[test]
    fn yaml11_scalars_that_are_not_strings() {
        for s in [
            "yes", "No", "on", "OFF", "y", "N", "true", "~", "null", "", "0644", "012", "0x1F",
            "0X1F", "1_000", "-3", "+7", "0b101", "0o17", "1.5", ".5", "1.", "1e3", "1.0e+3", "09",
            ".inf", "-.Inf", ".nan", "0", "8443",
        ] {
            assert!(typed(s), "{s:?} should not be a string");
        }
    }

    #[test]
    fn characters_yaml_1_1_reads_otherwise_or_refuses_are_found_first() {
        use super::odd_line_break as odd;
        assert_eq!(odd("a: b\r\nc: d\n"), None);
        assert_eq!(odd("a: é – ü\t\u{a0}\n"), None);
        for (text, at) in [
            ("ab\rc", 2),
            ("a\u{85}b", 1),
            ("a\u{2028}b\u{1}", 1),
            ("ab\u{2029}", 2),
            ("# c\u{1}\u{2028}", 3),
            ("a\u{7f}", 1),
            ("a\u{9f}", 1),
            ("x\u{fffe}\r", 1),
            ("\u{0}", 0),
            ("\u{feff}\u{feff}::", 3),
            ("\t\n\n\u{feff}.\u{feff}: |+\n", 3),
            ("a: 1\r\n\u{feff}b: 2\n", 6),
        ] {
            assert_eq!(odd(text).map(|(i, _)| i), Some(at), "{text:?}");
        }
    }

    #[test]
    fn the_block_scan_finds_the_first_control_byte_as_a_byte_scan_does() {
        let plain = |bytes: &[u8]| bytes.iter().position(|&b| is_control(b));
        let mut text = b"metadata:\n  name: a\tb\r\n".repeat(9);
        assert_eq!(first_control(&text), None);
        for at in [0, 5, 31, 32, 33, 63, 64, 100, text.len() - 1] {
            for bad in [0u8, 0x1B, 0x7F, 0x1F] {
                let mut t = text.clone();
                t[at] = bad;
                assert_eq!(first_control(&t), plain(&t), "{at} {bad}");
                // A later one does not hide it.
                let last = t.len() - 1;
                t[last] = 0x01;
                assert_eq!(first_control(&t), plain(&t), "{at} {bad}");
            }
        }
        text.truncate(7);
        text[3] = 0x7F;
        assert_eq!(first_control(&text), Some(3));
        assert_eq!(first_control(b""), None);
    }

    #[test]
    fn scalars_that_stay_strings() {
        for s in [
            "enabled",
            "external",
            "ip",
            "internet-facing",
            "Internal",
            "yes!",
            "v1.2",
            "1.2.3",
            "8443a",
            "0x",
            "190:20:30",
            "2001-12-14",
            "a:b",
            "nlb-ip",
            "e",
            "1e",
            "0b2",
            "-",
            "..5",
            "Yes please",
        ] {
            assert!(!typed(s), "{s:?} should be a string");
        }
    }
}
