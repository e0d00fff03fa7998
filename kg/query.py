"""SPARQL over the store: ad-hoc and named queries, safe parameters, result formatting.

Reading is the default: queries go through `Store.query`, which cannot execute an update,
and updates need `allow_update=True` (the CLI opens the store writable only then).

Parameters are never pasted into query text as given. A query declares a slot per parameter,
`VALUES ?name { UNDEF }`, which is valid SPARQL on its own (the parameter is simply unbound,
so every shipped .rq file also runs unchanged in any SPARQL client). Binding replaces that
data block with one RDF term serialised by pyoxigraph, so quotes, braces or `} ; DROP ALL`
in a value stay inside a string literal. pyoxigraph's own `substitutions` argument is not used:
it only accepts projected variables and binds them after aggregation (measured on 0.5.13:
`GROUP BY` counts ignored the bound value), which is wrong for the counting questions here.

A row-count parameter cannot be a term (SPARQL's LIMIT takes a number written in the query), so
its slot is a LIMIT clause marked with the parameter's name, `LIMIT 100  # $limit`: the number
is the default, and binding replaces it with the given value once that is checked to be a
positive whole number. A row count may have several such slots (a sub-select that needs the
same bound, e.g. papers-with-code), all given the same value; a term parameter has exactly one.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import BinaryIO, Union

import pyoxigraph as ox

from kg.errors import QueryError, StoreError
from kg.ontology import PREFIXES
from kg.store import triple_count

FORMATS = ("table", "csv", "tsv", "json")
# Table cells longer than this are cut with an ellipsis; csv/tsv/json are never cut.
MAX_CELL = 100

QueryOutcome = Union[ox.QuerySolutions, ox.QueryBoolean, ox.QueryTriples, "UpdateSummary"]

_UPDATE_KEYWORDS = {
    "INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH",
}
# Whitespace, comments and PREFIX/BASE declarations that may precede the query form.
_PROLOGUE = re.compile(
    r"\s+|#[^\n]*|(?i:PREFIX)\s*[^\s:]*:\s*<[^>]*>|(?i:BASE)\s*<[^>]*>"
)
_SLOT = re.compile(r"\bVALUES\s+[?$]([A-Za-z_][A-Za-z0-9_]*)\s*\{\s*UNDEF\s*\}", re.IGNORECASE)
_LIMIT_SLOT = re.compile(r"\bLIMIT\s+(\d+)[ \t]*#[ \t]*\$([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)
# Both kinds in one pattern, so binding rewrites the original text in a single pass.
_ANY_SLOT = re.compile(f"{_SLOT.pattern}|{_LIMIT_SLOT.pattern}", re.IGNORECASE)
_SYNTAX = re.compile(r"^error at (\d+):(\d+):\s*(.*)$", re.DOTALL)
_PARAM_LINE = re.compile(r"^@param\s+([A-Za-z_][A-Za-z0-9_]*)\s*(\(optional\))?\s*(.*)$")

# Operations that make the process fetch a URL: SERVICE (queries) and LOAD (updates).
REMOTE_KEYWORDS = ("SERVICE", "LOAD")
# The lexer of the remote-operation guard, one SPARQL token at a time in the order the real
# lexer tries them: strings, IRIs, comments and variables may contain the keywords harmlessly
# (skipped); prefixed names and runs of word characters are checked.
_TOKEN = re.compile(
    r"""(?P<skip>
        '''(?:[^'\\]|\\.|'(?!''))*'''
      | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
      | '(?:[^'\\\n\r]|\\.)*'
      | "(?:[^"\\\n\r]|\\.)*"
      | <(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>
      | \#[^\n\r]*
      | [?$]\w+
    )
    | (?P<prefix>[^\W\d][\w.-]*)?:(?P<local>(?:[\w:.-]|%[0-9A-Fa-f]{2}|\\[_~.!$&'()*+,;=/?\#@%-])*)
    | (?P<word>\w+)
    | .""",
    re.VERBOSE | re.DOTALL,
)
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Characters a terminal acts on instead of showing: C0/C1 controls and DEL, Unicode
# bidirectional controls (U+202E turns the rest of a line around) and line separators.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]"
)


@dataclass(frozen=True)
class Param:
    """A declared parameter of a named query."""

    name: str
    description: str
    optional: bool = False


@dataclass(frozen=True)
class NamedQuery:
    """A .rq file shipped in kg/queries: its name is the file stem."""

    name: str
    description: str
    text: str
    params: tuple[Param, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class UpdateSummary:
    """What an update did, as triple counts before and after."""

    before: int
    after: int


# ---------------------------------------------------------------- named queries


def list_queries() -> list[NamedQuery]:
    """Every named query shipped with the package, sorted by name."""
    folder = resources.files("kg.queries")
    queries = [
        parse_named_query(entry.name[: -len(".rq")], entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".rq")
    ]
    return sorted(queries, key=lambda q: q.name)


def load_query(name: str) -> NamedQuery:
    """The named query `name`; the error lists the known names."""
    for query in list_queries():
        if query.name == name:
            return query
    known = ", ".join(q.name for q in list_queries())
    raise QueryError(f"no named query {name!r} (known: {known})")


def parse_named_query(name: str, text: str) -> NamedQuery:
    """Read the leading `#` comment block: description lines, then `@param` lines.

    Header format::

        # One or more lines of description.
        # @param modality (optional) what the value means
    """
    description: list[str] = []
    params: list[Param] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        body = stripped.lstrip("#").strip()
        match = _PARAM_LINE.match(body)
        if match:
            params.append(Param(match[1], match[3].strip(), optional=bool(match[2])))
        elif body and not params:
            description.append(body)
    return NamedQuery(name, " ".join(description), text, tuple(params))


# ---------------------------------------------------------------- parameters


def parse_param(spec: str) -> tuple[str, str]:
    """`key=value` (value may contain `=`) as a pair; a usage error otherwise. The value
    loses surrounding whitespace: one copied from a CSV answer ends in "\r" (CSV lines end
    in CRLF) and would silently match nothing."""
    key, sep, value = spec.partition("=")
    key = key.strip()
    if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        raise QueryError(f"parameter {spec!r} is not of the form key=value")
    return key, value.strip()


def param_term(value: str) -> ox.NamedNode | ox.Literal:
    """`<iri>` binds an IRI, anything else a plain string literal."""
    check_text(value, "a parameter value")
    if len(value) > 2 and value.startswith("<") and value.endswith(">"):
        try:
            return ox.NamedNode(value[1:-1])
        except ValueError as exc:
            raise QueryError(f"invalid IRI {value}: {exc}") from None
    return ox.Literal(value)


def slots(text: str) -> dict[str, list[str]]:
    """Parameter slots of a query text: name -> kinds found ("values" or "limit")."""
    found: dict[str, list[str]] = {}
    for match in _ANY_SLOT.finditer(text):
        if match[1]:
            found.setdefault(match[1], []).append("values")
        else:
            found.setdefault(match[3], []).append("limit")
    return found


def bind(
    text: str,
    values: Mapping[str, str | ox.NamedNode | ox.Literal],
    declared: Iterable[Param] | None = None,
) -> str:
    """Fill the `VALUES ?name { UNDEF }` slots of `text` with RDF terms (and `LIMIT n  # $name`
    slots with a positive whole number).

    With `declared` (a named query), unknown names and missing required values are errors.
    Every slot is replaced in one pass over the original text, so a value that itself looks
    like a slot can never be matched and rewritten by a later parameter.
    """
    found = slots(text)
    if declared is not None:
        declared = list(declared)
        names = {p.name for p in declared}
        unknown = sorted(set(values) - names)
        if unknown:
            allowed = ", ".join(sorted(names)) or "none"
            raise QueryError(f"unknown parameter {unknown[0]!r} (this query takes: {allowed})")
        missing = [p.name for p in declared if not p.optional and p.name not in values]
        if missing:
            raise QueryError(f"missing required parameter {missing[0]!r}")
    for name, value in values.items():
        if isinstance(value, str):
            check_text(value, f"the value of parameter {name!r}")
        kinds = found.get(name, [])
        if len(kinds) != 1 and not (kinds and set(kinds) == {"limit"}):
            raise QueryError(
                f"parameter {name!r} needs exactly one `VALUES ?{name} {{ UNDEF }}` slot in the "
                f"query (found {len(found.get(name, []))})"
            )
    terms = {
        name: value if isinstance(value, (ox.NamedNode, ox.Literal)) else param_term(value)
        for name, value in values.items() if found[name] == ["values"]
    }
    limits = {name: _row_count(name, value)
              for name, value in values.items() if set(found[name]) == {"limit"}}

    def fill(match: re.Match[str]) -> str:
        if match[1]:
            term = terms.get(match[1])
            # str() of a pyoxigraph term is its N-Triples form, also SPARQL term syntax.
            return match[0] if term is None else f"VALUES ?{match[1]} {{ {term} }}"
        count = limits.get(match[3])
        return match[0] if count is None else f"LIMIT {count}  # ${match[3]}"

    return _ANY_SLOT.sub(fill, text)


def _row_count(name: str, value: str | ox.NamedNode | ox.Literal) -> int:
    text = value.value if isinstance(value, ox.Literal) else str(value)
    # Digits only (int() would also take "1_000" or "+5"); the engine reads LIMIT as 64-bit.
    if not re.fullmatch(r"\s*[0-9]{1,18}\s*", text) or int(text) < 1:
        raise QueryError(f"parameter {name!r} must be a whole number from 1 to "
                         f"999999999999999999 (got {text!r})")
    return int(text)


# ---------------------------------------------------------------- running


def check_text(text: str, what: str) -> None:
    """Refuse text that is not valid Unicode: a command-line byte that is not UTF-8 arrives as
    a lone surrogate (Python's surrogateescape), which no RDF term or query can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = text[exc.start]
        byte = f"byte 0x{ord(bad) - 0xDC00:02x}" if 0xDC80 <= ord(bad) <= 0xDCFF else \
            f"U+{ord(bad):04X}"
        raise QueryError(f"{what} is not valid UTF-8 text ({byte} at character "
                         f"{exc.start + 1})") from None


def remote_operations(text: str) -> list[str]:
    """The URL-fetching operations (SERVICE, LOAD) that `text` may contain, by a conservative
    scan of its tokens.

    A bare word that merely contains a keyword counts (the real lexer reads `1SERVICE` as `1`
    then `SERVICE`), the prefix of a prefixed name counts, and the scan is repeated with
    `\\u` escapes decoded as SPARQL 1.1 says they may be; only strings, IRIs, comments,
    variables and the local part of prefixed names are skipped. A false alarm costs a refused
    query that can be rewritten; a miss would let a query make the server fetch a URL.
    """
    found: set[str] = set()
    for variant in (text, _UCHAR.sub(_decode_uchar, text)):
        for match in _TOKEN.finditer(variant):
            if match["skip"] is not None:
                continue
            word = (match["word"] or match["prefix"] or "").upper()
            found.update(k for k in REMOTE_KEYWORDS if k in word)
    return [k for k in REMOTE_KEYWORDS if k in found]


def refuse_remote(text: str, hint: str = "pass --allow-remote to allow it") -> None:
    """Raise QueryError when `text` may use SERVICE or LOAD (see remote_operations)."""
    found = remote_operations(text)
    if found:
        raise QueryError(f"{' and '.join(found)} refused: it would make this process fetch a "
                         f"URL ({hint})")


def _decode_uchar(match: re.Match[str]) -> str:
    code = int(match[1] or match[2], 16)
    return chr(code) if code <= 0x10FFFF else match[0]


def is_update(text: str) -> bool:
    """True when the first keyword after the prologue starts a SPARQL update operation.

    Only used to choose a helpful message: refusal itself does not depend on it, because
    `Store.query` cannot parse, let alone run, an update.
    """
    position = 0
    while True:
        match = _PROLOGUE.match(text, position)
        if not match or match.end() == position:
            break
        position = match.end()
    word = re.match(r"[A-Za-z]+", text[position:])
    return bool(word) and word[0].upper() in _UPDATE_KEYWORDS


def run(
    store: ox.Store,
    text: str,
    *,
    params: Mapping[str, str | ox.NamedNode | ox.Literal] | None = None,
    declared: Iterable[Param] | None = None,
    allow_update: bool = False,
    allow_remote: bool = False,
    prefixes: Mapping[str, str] | None = PREFIXES,
) -> QueryOutcome:
    """Run a query (or, with `allow_update`, an update) against `store`.

    `prefixes` are predeclared (kg:, schema:, oa:, ...) so ad-hoc queries can skip PREFIX lines;
    a PREFIX in the query text wins. Results stream from the store: iterate them once.
    SERVICE and LOAD, which fetch URLs, are refused unless `allow_remote`.
    """
    check_text(text, "the query")
    if params or declared is not None:
        text = bind(text, params or {}, declared)
    update = is_update(text)
    if update and not allow_update:
        raise QueryError("this is a SPARQL update; it is refused unless updates are allowed "
                         "(--allow-update)")
    if not allow_remote:
        refuse_remote(text)
    try:
        if update:
            before = triple_count(store)
            store.update(text, prefixes=dict(prefixes or {}))
            return UpdateSummary(before, triple_count(store))
        return store.query(text, prefixes=dict(prefixes or {}))
    except SyntaxError as exc:
        raise QueryError(_syntax_message(exc)) from None
    except OSError as exc:
        raise StoreError(f"query failed: {str(exc).strip() or exc.__class__.__name__}") from None
    except (RuntimeError, ValueError) as exc:
        raise QueryError(f"query failed: {str(exc).strip() or exc.__class__.__name__}") from None


def run_named(
    store: ox.Store, name: str, params: Mapping[str, str] | None = None
) -> QueryOutcome:
    """Run the named query `name` with its declared parameters bound."""
    query = load_query(name)
    return run(store, query.text, params=params or {}, declared=query.params)


def _syntax_message(exc: SyntaxError) -> str:
    message = str(exc).strip()
    match = _SYNTAX.match(message)
    if match:
        return (f"SPARQL syntax error at line {match[1]}, column {match[2]}: "
                f"{match[3].strip()}")
    return f"SPARQL syntax error: {message}"


# ---------------------------------------------------------------- formatting


_RESULT_FORMATS = {
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
}
# CONSTRUCT/DESCRIBE results: Turtle to read, N-Triples for the line formats, JSON-LD for json.
_GRAPH_FORMATS = {
    "table": ox.RdfFormat.TURTLE,
    "csv": ox.RdfFormat.N_TRIPLES,
    "tsv": ox.RdfFormat.N_TRIPLES,
    "json": ox.RdfFormat.JSON_LD,
}


def write_result(result: QueryOutcome, fmt: str, output: BinaryIO) -> None:
    """Write `result` to a binary stream as table, csv, tsv or json.

    csv/tsv/json are the W3C SPARQL results formats (streamed by pyoxigraph); table is for
    people: aligned columns, compact IRIs, long cells cut. Updates write a one-line summary.
    """
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r} (use one of {', '.join(FORMATS)})")
    if isinstance(result, UpdateSummary):
        output.write(f"update applied: {result.before} -> {result.after} triples\n".encode())
    elif isinstance(result, ox.QueryTriples):
        prefixes = dict(PREFIXES) if fmt == "table" else None
        ox.serialize(result, output, _GRAPH_FORMATS[fmt], prefixes=prefixes)
    elif fmt == "table":
        output.write("".join(_table_lines(result)).encode("utf-8"))
    else:
        result.serialize(output, _RESULT_FORMATS[fmt])
        if fmt == "json":
            output.write(b"\n")


def _table_lines(result: ox.QuerySolutions | ox.QueryBoolean) -> Iterator[str]:
    if isinstance(result, ox.QueryBoolean):
        yield ("true" if bool(result) else "false") + "\n"
        return
    header = [v.value for v in result.variables]
    rows = [[_cell(solution[i]) for i in range(len(header))] for solution in result]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip() + "\n"

    yield line(header)
    yield line(["-" * w for w in widths])
    for row in rows:
        yield line(row)


def _cell(term: ox.NamedNode | ox.Literal | ox.BlankNode | ox.Triple | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        text = term.value
    elif isinstance(term, ox.NamedNode):
        text = compact_iri(term.value)
    else:
        text = str(term)
    text = " ".join(text.split())  # newlines and tabs would break the columns
    text = text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"
    return escape_unsafe(text)


def escape_unsafe(text: str) -> str:
    """Show control and bidirectional-override characters as `\\x1b`, `\\u202e`: data must
    never move a terminal's cursor, recolour it or reorder the rest of a line."""
    return _UNSAFE.sub(_visible, text)


def _visible(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class TerminalSafe:
    """A binary stream wrapper that escapes (see escape_unsafe) what goes to a terminal.

    An incremental decoder holds back a UTF-8 sequence split between two writes.
    """

    def __init__(self, output: BinaryIO) -> None:
        self.output = output
        self._decoder = codecs.getincrementaldecoder("utf-8")("backslashreplace")

    def write(self, data: bytes) -> int:
        self.output.write(escape_unsafe(self._decoder.decode(bytes(data))).encode("utf-8"))
        return len(data)

    def flush(self) -> None:
        self.output.write(escape_unsafe(self._decoder.decode(b"", final=True)).encode("utf-8"))
        self.output.flush()


def compact_iri(iri: str, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """`kg:usesModel` for a known namespace, the IRI itself otherwise."""
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace) and re.fullmatch(r"[A-Za-z_][\w.-]*", iri[len(namespace):]):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri
