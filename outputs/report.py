"""`kg report`: what a field looks like at a glance, gathered by SPARQL over the store.

Each chart of the report is one section: a query from outputs/report_sparql (shown in the
report exactly as it ran), its result rows, and what the rows mean. This module only
gathers; kg.outputs.report_charts draws, kg.outputs.report_html and report_md write pages.

The queries read the default graph's facts. A report can be narrowed to papers from a year
on and/or on one imaging modality: each query marks where its papers are bound with a line
`#@scope`, which becomes a sub-select of the papers in scope (or is dropped when the report
covers every paper), so the text shown beside a chart is still a complete query anyone can
copy and run.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import networkx as nx
import pyoxigraph as ox

from kg.errors import KGError
from kg.query import parse_named_query, run

_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {_XSD + t for t in ("integer", "int", "long", "short", "nonNegativeInteger")}
_NUMBERS = {_XSD + t for t in ("decimal", "double", "float")}
_SCOPE_MARK = re.compile(r"^([ \t]*)#@scope[ \t]*$", re.MULTILINE)
_SCOPE_LINE = re.compile(r"^[ \t]*#@scope[ \t]*\n", re.MULTILINE)
_SINCE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
# Papers per month while the dated papers span at most this many months, per year beyond.
MONTHLY_SPAN = 36
# Collaboration groups listed, and members named per group.
GROUPS = 12
GROUP_MEMBERS = 5


class ReportError(KGError):
    """A report that cannot be made as asked (unknown modality, malformed year)."""


@dataclass(frozen=True)
class Scope:
    """Which papers a report covers; the default is every paper in the store."""

    since: str | None = None
    modality: str | None = None  # IRI
    modality_label: str | None = None

    @property
    def narrowed(self) -> bool:
        return self.since is not None or self.modality is not None

    def describe(self) -> str:
        parts = []
        if self.modality:
            parts.append(f"papers on {self.modality_label}")
        if self.since:
            parts.append(f"dated {self.since} or later")
        return ", ".join(parts) if parts else "every paper in the store"


@dataclass
class Section:
    """One chart's worth of the report: the query as run, its rows and how to read them."""

    id: str
    title: str
    description: str
    query: str
    columns: list[str]
    rows: list[dict[str, Any]]
    # Columns whose values name a node the viewer can focus on: column -> node type, or
    # "@column" when another column of the row holds the type.
    links: dict[str, str] = field(default_factory=dict)
    note: str | None = None
    # How the chart's rows were derived from the query's rows, when they were.
    derived: str | None = None


@dataclass
class Report:
    title: str
    scope: Scope
    summary: dict[str, Any]
    summary_query: str
    sections: list[Section]


# --- queries ---------------------------------------------------------------------------


def query_text(name: str) -> str:
    """The report query `name` (a file of outputs/report_sparql) as shipped."""
    folder = resources.files("kg.outputs").joinpath("report_sparql")
    try:
        return folder.joinpath(f"{name}.rq").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(f"no report query {name!r}") from None


def query_names() -> list[str]:
    folder = resources.files("kg.outputs").joinpath("report_sparql")
    return sorted(e.name[:-3] for e in folder.iterdir() if e.name.endswith(".rq"))


def scoped(text: str, scope: Scope) -> str:
    """`text` with each `#@scope` line replaced by the papers in `scope` (or removed)."""
    if not scope.narrowed:
        return _SCOPE_LINE.sub("", text)
    patterns = []
    if scope.modality:
        modality = ox.NamedNode(scope.modality)  # serialised by pyoxigraph, never pasted
        patterns.append(
            f"?paper <https://w3id.org/medimg-kg/ontology#imagingModality> {modality} .")
    if scope.since:
        since = ox.Literal(scope.since)
        patterns.append("?paper <https://schema.org/datePublished> ?scope_date .")
        patterns.append(f"FILTER(STR(?scope_date) >= {since})")

    def block(match: re.Match[str]) -> str:
        pad = match[1]
        inner = "".join(f"{pad}    {p}\n" for p in patterns)
        return (f"{pad}# Report scope: {scope.describe()}.\n"
                f"{pad}{{ SELECT DISTINCT ?paper WHERE {{\n{inner}{pad}}} }}")

    return _SCOPE_MARK.sub(block, text)


def rows_of(store: ox.Store, text: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Run a SELECT and return its variables and rows with numbers as Python numbers."""
    result = run(store, text)
    if not isinstance(result, ox.QuerySolutions):
        raise ReportError("a report query must be a SELECT")
    columns = [v.value for v in result.variables]
    rows = [{c: _value(solution[c]) for c in columns} for solution in result]
    return columns, rows


def _value(term: Any) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        try:
            if datatype in _INTEGERS:
                return int(term.value)
            if datatype in _NUMBERS:
                return float(term.value)
        except ValueError:
            pass
        return term.value
    return term.value if isinstance(term, ox.NamedNode) else str(term)


# --- scope -----------------------------------------------------------------------------


def make_scope(store: ox.Store, since: str | int | None = None,
               modality: str | None = None) -> Scope:
    """Check `since` (YYYY[-MM[-DD]]) and resolve `modality` (label, alias, DICOM code, slug
    or IRI) to a modality concept of the store."""
    since_text = None
    if since is not None:
        since_text = str(since).strip()
        if not _SINCE.match(since_text):
            raise ReportError(f"since must be a year (YYYY, or YYYY-MM[-DD]), not {since!r}")
    if modality is None:
        return Scope(since_text)
    iri, label = resolve_modality(store, modality)
    return Scope(since_text, iri, label)


def resolve_modality(store: ox.Store, name: str) -> tuple[str, str]:
    """The modality concept `name` stands for, as (IRI, label)."""
    query = """
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    SELECT ?m ?pref ?key WHERE {
      ?m skos:inScheme ?scheme . FILTER(STRENDS(STR(?scheme), "/scheme/modalities"))
      OPTIONAL { ?m skos:prefLabel ?pref }
      OPTIONAL { ?m skos:prefLabel|skos:altLabel|skos:notation ?key }
    }"""
    wanted = name.strip().casefold()
    labels: dict[str, str] = {}
    found: set[str] = set()
    for row in store.query(query):
        iri = row["m"].value
        labels.setdefault(iri, row["pref"].value if row["pref"] is not None else iri)
        keys = {iri.casefold(), iri.rsplit("/", 1)[-1].casefold()}
        if row["key"] is not None:
            keys.add(row["key"].value.casefold())
        if wanted in keys:
            found.add(iri)
    if not found:
        known = ", ".join(sorted(set(labels.values()))) or "none in this store"
        raise ReportError(f"unknown modality {name!r} (known: {known})")
    iri = min(found)
    return iri, labels[iri]


# --- the report ------------------------------------------------------------------------


def collect(
    store: ox.Store,
    *,
    since: str | int | None = None,
    modality: str | None = None,
    title: str = "medimg-kg report",
) -> Report:
    """Run every report query over `store` (narrowed by `since` and `modality`)."""
    scope = make_scope(store, since, modality)
    summary_text = scoped(query_text("summary"), scope)
    _, summary_rows = rows_of(store, summary_text)
    summary = summary_rows[0] if summary_rows else {}

    sections: list[Section] = []

    def add(name: str, title: str, *, links: dict[str, str] | None = None,
            note: str | None = None) -> Section:
        text = scoped(query_text(name), scope)
        columns, rows = rows_of(store, text)
        section = Section(name, title, parse_named_query(name, text).description, text,
                          columns, rows, links or {}, note)
        sections.append(section)
        return section

    first, last = summary.get("first_date"), summary.get("last_date")
    per_month = bool(first and last) and _months_between(first, last) < MONTHLY_SPAN
    undated = (summary.get("papers") or 0) - (summary.get("dated_papers") or 0)
    add("papers-per-month" if per_month else "papers-per-year",
        "Papers per month" if per_month else "Papers per year",
        note=(f"{undated:,} undated paper{' is' if undated == 1 else 's are'} not shown."
              if undated else None))
    add("papers-per-modality", "Papers per imaging modality", links={"modality": "modality"})
    add("top-datasets", "Most used datasets", links={"dataset": "dataset"})
    add("top-models", "Most used models", links={"model": "model"})
    add("datasets-by-modality", "Most used datasets per modality",
        links={"dataset": "dataset", "modality": "modality"})
    add("models-by-modality", "Most used models per modality",
        links={"model": "model", "modality": "modality"})
    add("modality-task", "Imaging modality \u00d7 task",
        links={"modality": "modality", "task": "task"})
    add("rising", "Rising models and datasets", links={"name": "@kind"})
    add("new-names", "Newly appearing models and datasets", links={"name": "@kind"})
    add("co-use", "Models \u00d7 datasets used together",
        links={"model": "model", "dataset": "dataset"})
    sections.append(_groups(store, scope))
    add("code-per-year", "Code release per year")
    return Report(title, scope, summary, summary_text, sections)


def _months_between(first: str, last: str) -> int:
    def index(text: str) -> int:
        month = int(text[5:7]) if len(text) >= 7 else 1
        return int(text[:4]) * 12 + month - 1

    return index(last) - index(first)


def _groups(store: ox.Store, scope: Scope) -> Section:
    """The largest collaboration groups: connected components of co-authorship."""
    text = scoped(query_text("coauthorship"), scope)
    _, pairs = rows_of(store, text)
    columns, rows = collaboration_groups(pairs)
    return Section(
        "collaboration-groups", "Largest collaboration groups",
        parse_named_query("coauthorship", text).description, text, columns, rows,
        links={"lead": "author"},
        derived=(f"The query's {len(pairs):,} (paper, author) rows form a network of authors "
                 "linked by shared papers; each group is one connected component of it "
                 f"(networkx), the {GROUPS} largest by authors shown. Members are named by "
                 "their number of papers."),
    )


def collaboration_groups(
    pairs: Iterable[dict[str, Any]],
) -> tuple[list[str], list[dict[str, Any]]]:
    """Group authors into connected components of co-authorship, largest first."""
    # A bipartite paper-author graph has the same components as the co-authorship graph,
    # with one edge per authorship instead of one per pair of co-authors.
    graph = nx.Graph()
    names: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for row in pairs:
        author = row["author"]
        graph.add_edge(("paper", row["paper"]), ("author", author))
        counts[author] += 1
        if row.get("name"):
            names[author] = row["name"]
    groups = []
    for component in nx.connected_components(graph):
        authors = [node[1] for node in component if node[0] == "author"]
        papers = len(component) - len(authors)
        ranked = sorted(authors, key=lambda a: (-counts[a], names.get(a, a), a))
        groups.append((len(authors), papers, ranked))
    groups.sort(key=lambda g: (-g[0], -g[1], names.get(g[2][0], g[2][0])))
    columns = ["group", "lead", "authors", "papers", "members"]
    rows = []
    for number, (size, papers, ranked) in enumerate(groups[:GROUPS], start=1):
        lead = names.get(ranked[0], ranked[0])
        rows.append({
            "group": number,
            "lead": lead,
            "authors": size,
            "papers": papers,
            "members": ", ".join(names.get(a, a) for a in ranked[:GROUP_MEMBERS])
            + (f" and {size - GROUP_MEMBERS:,} more" if size > GROUP_MEMBERS else ""),
        })
    return columns, rows
