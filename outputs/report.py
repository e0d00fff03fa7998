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

import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox

from kg.errors import KGError
from kg.ontology import KG
from kg.query import parse_named_query, run
from kg.store import select

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
# Stores with this many papers get their queries run in parallel processes by default.
PARALLEL_FROM = 10_000


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
    # Further queries the section ran, as (what it is, text).
    extra: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Report:
    title: str
    scope: Scope
    summary: dict[str, Any]
    summary_query: str
    sections: list[Section]

    def summary_counts(self) -> list[tuple[str, str]]:
        """(name, value) of the summary's counts, as both report formats show them."""
        s = self.summary
        first, last = s.get("first_date"), s.get("last_date")
        counted = [("Papers", "papers"), ("Source listings", "source_files"),
                   ("People", "people"), ("Models", "models"), ("Datasets", "datasets"),
                   ("Modalities", "modalities"), ("Tasks", "tasks")]
        rows = [(name, f"{s.get(key) or 0:,}") for name, key in counted]
        rows.insert(1, ("Dates", f"{first} \u2013 {last}" if first else "none"))
        return rows


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
            f"?paper <{KG.imagingModality}> {modality} .")
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
    for row in select(store, query):
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


# Charts after the first: (query, title, links to the viewer).
_CHARTS: list[tuple[str, str, dict[str, str]]] = [
    ("papers-per-modality", "Papers per imaging modality", {"modality": "modality"}),
    ("top-datasets", "Most used datasets", {"dataset": "dataset"}),
    ("top-models", "Most used models", {"model": "model"}),
    ("datasets-by-modality", "Most used datasets per modality",
     {"dataset": "dataset", "modality": "modality"}),
    ("models-by-modality", "Most used models per modality",
     {"model": "model", "modality": "modality"}),
    ("modality-task", "Imaging modality \u00d7 task", {"modality": "modality", "task": "task"}),
    ("rising", "Rising models and datasets", {"name": "@kind"}),
    ("new-names", "Newly appearing models and datasets", {"name": "@kind"}),
    ("co-use", "Models \u00d7 datasets used together", {"model": "model", "dataset": "dataset"}),
    ("coauthorship", "Largest collaboration groups", {"lead": "author"}),
    ("code-per-year", "Code release per year", {}),
]
# The slowest queries first, so that parallel workers finish together.
_SLOWEST_FIRST = ("coauthorship", "rising", "new-names", "models-by-modality")


def collect(
    store: ox.Store,
    *,
    since: str | int | None = None,
    modality: str | None = None,
    title: str = "medimg-kg report",
    store_path: str | Path | None = None,
    workers: int | None = 1,
) -> Report:
    """Run every report query over `store` (narrowed by `since` and `modality`).

    With `store_path` (the same store) and `workers` > 1, the queries run in that many worker
    processes, each with its own read-only handle on the store; pyoxigraph holds the GIL
    while it evaluates, so threads would not overlap. `workers=None` chooses: the machine's
    cores (at most 4) from PARALLEL_FROM papers on, else one (starting workers takes longer
    than a small store's queries).
    """
    scope = make_scope(store, since, modality)
    texts = {name: scoped(query_text(name), scope) for name, _, _ in _CHARTS}
    order = [n for n in _SLOWEST_FIRST if n in texts] + [n for n in texts
                                                        if n not in _SLOWEST_FIRST]
    if workers is None:
        workers = _auto_workers(store) if store_path is not None else 1
    with _Runner(store, store_path, workers) as runner:
        pending = {name: runner.submit(texts[name]) for name in order}
        summary_text = scoped(query_text("summary"), scope)
        _, summary_rows = rows_of(store, summary_text)
        summary = summary_rows[0] if summary_rows else {}
        first, last = summary.get("first_date"), summary.get("last_date")
        per_month = bool(first and last and _months_between(first, last) < MONTHLY_SPAN)
        time_name = "papers-per-month" if per_month else "papers-per-year"
        texts[time_name] = scoped(query_text(time_name), scope)
        pending[time_name] = runner.submit(texts[time_name])

        def section(name: str, title: str, links: dict[str, str]) -> Section:
            columns, rows = pending[name].result()
            return Section(name, title, parse_named_query(name, texts[name]).description,
                           texts[name], columns, rows, links)

        undated = (summary.get("papers") or 0) - (summary.get("dated_papers") or 0)
        timeline = section(time_name, "Papers per month" if per_month else "Papers per year", {})
        if undated:
            timeline.note = (f"{undated:,} undated paper{' is' if undated == 1 else 's are'} "
                             "not shown.")
        sections = [timeline]
        for name, title_, links in _CHARTS:
            if name == "coauthorship":
                sections.append(_groups(store, section(name, title_, links)))
            else:
                sections.append(section(name, title_, links))
    return Report(title, scope, summary, summary_text, sections)


def _auto_workers(store: ox.Store) -> int:
    rows = select(
        store, "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://schema.org/ScholarlyArticle> }")
    papers = int(next(iter(rows))["n"].value)
    return min(os.cpu_count() or 1, 4) if papers >= PARALLEL_FROM else 1


class _Runner:
    """Runs queries here, one at a time when asked for their result, or in worker processes."""

    def __init__(self, store: ox.Store, path: str | Path | None, workers: int) -> None:
        self.store = store
        self.pool = None
        if path is not None and workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # Spawned, not forked: a fork would copy the parent's open RocksDB handles.
            self.pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_open_in_worker, initargs=(str(path),))

    def submit(self, text: str) -> Any:
        if self.pool is not None:
            return self.pool.submit(_rows_in_worker, text)
        return _Later(lambda: rows_of(self.store, text))

    def __enter__(self) -> _Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


class _Later:
    def __init__(self, work: Any) -> None:
        self.work = work

    def result(self) -> Any:
        return self.work()


_WORKER_STORE: ox.Store | None = None


def _open_in_worker(path: str) -> None:
    global _WORKER_STORE
    from kg.store import open_store

    _WORKER_STORE = open_store(path, read_only=True)


def _rows_in_worker(text: str) -> tuple[list[str], list[dict[str, Any]]]:
    assert _WORKER_STORE is not None
    return rows_of(_WORKER_STORE, text)


def _months_between(first: str, last: str) -> int:
    def index(text: str) -> int:
        month = int(text[5:7]) if len(text) >= 7 else 1
        return int(text[:4]) * 12 + month - 1

    return index(last) - index(first)


def _groups(store: ox.Store, papers: Section) -> Section:
    """The largest collaboration groups: connected components of co-authorship, from the
    co-authorship query's rows (one per paper)."""
    groups = author_groups(row["authors"] for row in papers.rows)
    shown = {key for _, _, ranked in groups[:GROUPS] for key in ranked[:GROUP_MEMBERS]}
    names_text = names_query(shown)
    _, names = rows_of(store, names_text)
    columns, rows = group_rows(groups, {row["key"]: row["names"] for row in names})
    return Section(
        "collaboration-groups", papers.title, papers.description, papers.query, columns, rows,
        links=papers.links,
        derived=(f"The query's {len(papers.rows):,} papers link their authors into a network; "
                 "each group is one connected component of it (networkx), the "
                 f"{GROUPS} with the most authors shown, members ranked by their papers and "
                 "named by the second query (the longest written form)."),
        extra=[("Names of the members shown", names_text)],
    )


def names_query(keys: Iterable[str]) -> str:
    """The author-names query with its VALUES filled with `keys` (RDF literals, escaped)."""
    terms = " ".join(str(ox.Literal(key)) for key in sorted(keys)) or "UNDEF"
    text = query_text("author-names")
    return text.replace("VALUES ?key { UNDEF }", f"VALUES ?key {{ {terms} }}", 1)


Group = tuple[int, int, list[str]]


def author_groups(author_lists: Iterable[str | None]) -> list[Group]:
    """Connected components of co-authorship, largest first, as (authors, papers, members
    ranked by papers) from one space-separated list of author keys per paper."""
    graph = nx.Graph()
    papers_of: Counter[str] = Counter()
    firsts: list[str] = []
    for authors in author_lists:
        keys = list(dict.fromkeys((authors or "").split()))
        if not keys:
            continue
        graph.add_node(keys[0])
        # A path through a paper's authors connects them as a clique would, with fewer edges.
        graph.add_edges_from(zip(keys, keys[1:], strict=False))
        papers_of.update(keys)
        firsts.append(keys[0])
    group_of: dict[str, int] = {}
    members: list[list[str]] = []
    for number, component in enumerate(nx.connected_components(graph)):
        members.append(sorted(component, key=lambda k: (-papers_of[k], k)))
        for key in component:
            group_of[key] = number
    papers = Counter(group_of[first] for first in firsts)
    groups = [(len(m), papers[i], m) for i, m in enumerate(members)]
    groups.sort(key=lambda g: (-g[0], -g[1], g[2][0]))
    return groups


def group_rows(groups: list[Group],
               names: dict[str, str] | None = None) -> tuple[list[str], list[dict[str, Any]]]:
    """The report's rows for the largest `groups`; `names` maps a key to its written forms
    (" | "-separated, the longest is shown)."""

    def name(key: str) -> str:
        forms = (names or {}).get(key)
        return min(forms.split(" | "), key=lambda n: (-len(n), n)) if forms else key

    columns = ["group", "lead", "authors", "papers", "members"]
    rows = []
    for number, (size, papers, ranked) in enumerate(groups[:GROUPS], start=1):
        rows.append({
            "group": number,
            "lead": name(ranked[0]),
            "authors": size,
            "papers": papers,
            "members": ", ".join(name(k) for k in ranked[:GROUP_MEMBERS])
            + (f" and {size - GROUP_MEMBERS:,} more" if size > GROUP_MEMBERS else ""),
        })
    return columns, rows
