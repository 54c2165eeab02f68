#!/usr/bin/env python3
"""An oracle for what Kubernetes reads, independent of spaces-expose's own parser.

Kubernetes decodes manifests with sigs.k8s.io/yaml on go-yaml v2: YAML 1.1 line breaks
(NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR, lone CR), merge keys, aliases, tags, and go-yaml
v2's resolution of plain scalars (yes/no/on/off/y/n are booleans, 0644 is octal, 1_000 is
1000, 1e3 is a float, timestamps stay strings). PyYAML is a YAML 1.1 reader; this loader
keeps its scanner, parser and composer and resolves plain scalars the way go-yaml v2 does.

Input (stdin): a JSON job, {"cases": [case, ...]}, each case:
  name       what to call it in messages
  input      the text render read
  output     the text render wrote
  in_views   spaces-expose's own reading of each input document with content (its span
             tree: merged, aliases resolved; strings as strings, every other scalar as
             "<non-string>"), in order
  out_views  the same for the output
  pairs      [input doc, output doc, identical bytes] for every input document, indices
             into the documents with content
  added      indices of output documents that render added

Checks, per case:
  1. both readers see the same documents in input and output (the span tree reads YAML
     as Kubernetes does);
  2. a document render left byte-identical means the same in the output stream as in
     the input stream (nothing around it changed how it reads);
  3. an edited document differs from its input only at paths render may edit for its
     kind, and every annotation it writes is a string;
  4. an added document is a CiliumNetworkPolicy;
  5. an input PyYAML cannot read (so neither, as a rule, can Kubernetes: `kind: !!binary
     Service`, a control character, `!!bool 443`) comes out unchanged; if render changed
     it, a line `unreadable: <name>: ...` says so (tests/oracle.rs accepts that for fuzz
     inputs only, whose meaning the span tree has judged).

Output (stdout): one line per failure; exit status 1 when there is any, 0 otherwise.
"""

import json
import re
import sys

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

NON_STRING_TAG = "tag:spaces-expose.oracle,2026:non-string"
NON_STRING = "<non-string>"
NON_STRING_KEY = "<non-string key>"
NULLS = {"", "~", "null", "Null", "NULL"}

# go-yaml v2 resolve.go: the plain scalars its table resolves to bool, null or float.
GO_SPECIAL = set(
    """~ null Null NULL
    y Y yes Yes YES n N no No NO true True TRUE false False FALSE on On ON off Off OFF
    .inf .Inf .INF +.inf +.Inf +.INF -.inf -.Inf -.INF .nan .NaN .NAN""".split()
) | {""}
# go-yaml v2's yamlStyleFloat.
GO_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


def go_parse_int(s):
    """Whether Go's strconv.ParseInt(s, 0, 64) syntax accepts s (range aside)."""
    body = s[1:] if s[:1] in ("+", "-") else s
    low = body[:2].lower()
    if low == "0x":
        digits, allowed = body[2:], "0123456789abcdefABCDEF"
    elif low == "0o":
        digits, allowed = body[2:], "01234567"
    elif low == "0b":
        digits, allowed = body[2:], "01"
    elif len(body) > 1 and body[0] == "0":
        digits, allowed = body[1:], "01234567"
    else:
        digits, allowed = body, "0123456789"
    return bool(digits) and all(c in allowed for c in digits)


def go_non_string(plain):
    """Whether go-yaml v2 resolves a plain scalar to something other than a string."""
    if plain in GO_SPECIAL:
        return True
    if plain[:1] and plain[0] in "+-0123456789.":
        bare = plain.replace("_", "")
        return go_parse_int(bare) or bool(GO_FLOAT.match(bare))
    return False


class KubeResolver(BaseResolver):
    """Plain scalars as go-yaml v2 resolves them; `<<` is a merge key."""

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode and implicit[0]:
            if value == "<<":
                return "tag:yaml.org,2002:merge"
            if go_non_string(value):
                return NON_STRING_TAG
            return "tag:yaml.org,2002:str"
        return super().resolve(kind, value, implicit)


class NonString:
    """A scalar Kubernetes does not read as a string."""

    def __init__(self, text):
        self.text = text

    def __eq__(self, other):
        return isinstance(other, NonString) and other.text == self.text

    def __hash__(self):
        return hash(self.text)

    def __repr__(self):
        return f"NonString({self.text!r})"


class KubeLoader(Reader, Scanner, Parser, Composer, SafeConstructor, KubeResolver):
    def __init__(self, stream):
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        KubeResolver.__init__(self)


def construct_non_string(loader, node):
    return NonString(loader.construct_scalar(node))


def construct_local(loader, suffix, node):
    # go-yaml v2 leaves a value with a tag outside the core schema (`!custom x`) as
    # it is: a string, a list or a mapping.
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


KubeLoader.add_constructor(NON_STRING_TAG, construct_non_string)
KubeLoader.add_multi_constructor("!", construct_local)


def is_null(value):
    return value is None or (isinstance(value, NonString) and value.text in NULLS)


def load_all(text):
    """The documents of a stream with content (empty and null documents dropped)."""
    return [d for d in yaml.load_all(text, Loader=KubeLoader) if not is_null(d)]


def view(value):
    """What the comparison looks at: strings, structure, and for a scalar that is not a
    string, its plain text (`<non-string>:0644`; `<non-string>:null` for every null) or,
    when a tag typed it, only that it is no string."""
    if isinstance(value, dict):
        return {
            (k if isinstance(k, str) else NON_STRING_KEY): view(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [view(v) for v in value]
    if isinstance(value, str):
        return value
    if isinstance(value, NonString):
        return NON_STRING + ":" + ("null" if value.text in NULLS else value.text)
    return NON_STRING


def is_string_view(v):
    return isinstance(v, str) and not v.startswith(NON_STRING)


def leaves(value, path):
    """The paths of a mapping's leaves (an added or removed mapping counts by its leaves)."""
    if isinstance(value, dict) and value:
        return [p for k, v in value.items() for p in leaves(v, path + (k,))]
    return [path]


def changes(a, b, path=()):
    """The paths where two documents differ (a list that changed length as a whole)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in list(a) + [k for k in b if k not in a]:
            if k not in a or k not in b:
                out.extend(leaves(a[k] if k in a else b[k], path + (k,)))
            else:
                out.extend(changes(a[k], b[k], path + (k,)))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out.extend(changes(x, y, path + (i,)))
        return out
    return [] if a == b else [path]


# What render may edit, per kind (docs/edits.md): path prefixes.
ALLOWED = {
    "Service": [("metadata", "annotations"), ("spec", "type"), ("spec", "loadBalancerClass")],
    "Ingress": [("metadata", "annotations")],
    "Gateway": [("spec", "listeners"), ("spec", "infrastructure")],
    "ListenerSet": [("spec", "listeners")],
    "XListenerSet": [("spec", "listeners")],
    "NetworkPolicy": [("spec", "ingress")],
}
# Where the values render writes must be strings.
STRING_MAPS = [("metadata", "annotations"), ("spec", "infrastructure", "annotations")]
ADDED_KINDS = {"CiliumNetworkPolicy"}


def at(doc, path):
    for p in path:
        if isinstance(doc, dict) and p in doc:
            doc = doc[p]
        elif isinstance(doc, list) and isinstance(p, int) and p < len(doc):
            doc = doc[p]
        else:
            return None
    return doc


def check_change(before, after, path):
    """Why a changed path is not an edit render may make, or None when it is."""
    kind = (after if isinstance(after, dict) else {}).get("kind")
    if isinstance(kind, str) and kind.endswith("List") and path[:1] == ("items",):
        if len(path) < 2:
            return "the items of a List changed as a whole"
        return check_change(at(before, path[:2]), at(after, path[:2]), path[2:])
    prefixes = ALLOWED.get(kind, [])
    if not any(path[: len(p)] == p for p in prefixes):
        return f"{kind or 'a document'} changed at {'.'.join(map(str, path)) or 'its root'}"
    for m in STRING_MAPS:
        if path[: len(m)] == m:
            value = at(after, path)
            if len(path) == len(m) and value == NON_STRING + ":null":
                continue  # every entry removed: a null map is an absent one
            values = (
                value.values() if isinstance(value, dict) and len(path) == len(m) else [value]
            )
            for v in values:
                if v is not None and not is_string_view(v):
                    return f"{'.'.join(map(str, path))} is written as {v!r}, not a string"
    return None


def check_case(case):
    name = case["name"]
    failures = []
    try:
        py_in = load_all(case["input"])
    except Exception as e:  # noqa: BLE001 - any failure to construct is "cannot read"
        # Kubernetes cannot read it either: what render makes of it has no meaning to
        # compare. Said on a line of its own; the test accepts it for fuzz inputs only.
        if case["output"] == case["input"]:
            return []
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        return [f"unreadable: {name}: the input does not read as YAML 1.1 ({first})"]
    try:
        py_out = load_all(case["output"])
    except Exception as e:  # noqa: BLE001 - any failure to construct is "cannot read"
        return [f"{name}: the output does not read as YAML 1.1: {e}"]

    for side, docs, ours in (("input", py_in, case["in_views"]), ("output", py_out, case["out_views"])):
        if len(docs) != len(ours):
            failures.append(
                f"{name}: the {side} holds {len(docs)} documents for PyYAML, {len(ours)} for the span tree"
            )
            continue
        for i, (theirs, mine) in enumerate(zip(docs, ours)):
            if view(theirs) != mine:
                failures.append(
                    f"{name}: {side} document {i + 1} reads differently: PyYAML {json.dumps(view(theirs))[:400]} vs span tree {json.dumps(mine)[:400]}"
                )
    if failures:
        return failures

    for i, j, identical in case["pairs"]:
        before, after = py_in[i], py_out[j]
        if identical:
            if view(before) != view(after):
                failures.append(
                    f"{name}: document {i + 1} is byte-identical but reads differently in the output stream"
                )
            continue
        diff = changes(view(before), view(after))
        if not diff:
            continue
        for path in diff:
            why = check_change(view(before), view(after), path)
            if why:
                failures.append(f"{name}: document {i + 1}: {why}")
    for j in case["added"]:
        kind = py_out[j].get("kind") if isinstance(py_out[j], dict) else None
        if kind not in ADDED_KINDS:
            failures.append(f"{name}: render added output document {j + 1} of kind {kind!r}")
    return failures


def main():
    job = json.load(sys.stdin)
    failures = []
    for case in job["cases"]:
        failures.extend(check_case(case))
    for f in failures:
        print(f)
    print(f"oracle: {len(job['cases'])} cases, {len(failures)} failures", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
