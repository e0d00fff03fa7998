"""Materialised counts: the statistics graphs the counting questions read.

Counting questions (most used datasets, datasets per modality, ...) over every paper read
whole link indexes; at 100k papers that takes hundreds of milliseconds. After each build
(and by `kg optimize`) the counts are computed once into named graphs of their own, so the
default graph keeps only facts (docs/rdf-model.md):

- `{base}graph/stats` describes the counts: `a kg:Statistics`, when and by which run they
  were computed, and one named graph per table, typed with the table's class;
- `{base}graph/stats/entities`: per entity, `kg:papers` (papers linking to it) and
  `kg:proposingPapers` (papers proposing it), on the entity's IRI;
- `.../modality-dataset`, `.../modality-task`, `.../model-dataset`, `.../years`,
  `.../year-models`: one node per row with its dimensions (`kg:modality`, `kg:dataset`,
  `kg:model`, `kg:task`, `kg:year`) and counts;
- `.../code-papers`: per paper that releases code, `kg:recency`, an integer that orders them
  newest first without looking up their dates.

A table per graph lets a question read one table by scanning it (a few thousand quads)
and hash-joining its columns, instead of one index look-up per row.

Any write that bypasses a build (`kg query --allow-update`) makes the counts stale: a marker
file in the store folder says so until the next build or `kg optimize` recomputes them.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg import __version__
from kg.errors import StoreError
from kg.graph import check_base, proposed_link, used_link
from kg.ontology import KG, PROV, RDF, SPARQL_PREFIXES, XSD
from kg.store import first_line, is_store, select

STALE_MARKER = "COUNTS_STALE"
"""A file in the store folder: the counts may no longer match the facts."""

_A = ox.NamedNode(str(RDF.type))
_INTEGER = ox.NamedNode(str(XSD.integer))
_STATISTICS = ox.NamedNode(str(KG.Statistics))


@dataclass(frozen=True)
class Table:
    """One table of counts: its graph (under the statistics graph), its class, and the
    function computing its triples (as N-Triples lines) from the store for that graph."""

    name: str
    kind: str
    rows: Callable[[ox.Store, ox.NamedNode], set[bytes]]


def _constructed(query: str) -> Callable[[ox.Store, ox.NamedNode], set[bytes]]:
    """A table computed by one CONSTRUCT query (`{graph}` stands for the table's graph)."""
    def rows(store: ox.Store, graph: ox.NamedNode) -> set[bytes]:
        triples = store.query(SPARQL_PREFIXES + query.replace("{graph}", graph.value))
        assert isinstance(triples, ox.QueryTriples)
        return _lines(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))

    return rows


def _link(prop: str | None) -> str:
    return str(ox.NamedNode(prop or ""))


# Each table is one CONSTRUCT query: Oxigraph optimises queries, not the WHERE of an update
# (measured: the same aggregate ran 10-50x slower inside INSERT ... WHERE), and it writes
# the triples itself, faster than building them in Python. Every link pattern sits in its
# own sub-select, so Oxigraph hash-joins scans instead of seeking per paper; a (paper,
# entity) link is stored once, so COUNT(*) counts papers. Row nodes get IRIs derived from
# what they count, so a row whose count did not change is the same triples next time.

def _row(*dims: str) -> str:
    key = ', "|", '.join(f'COALESCE(STR(?{d}), "")' for d in dims)
    return f'BIND(IRI(CONCAT("{{graph}}/", SUBSTR(SHA1(CONCAT({key})), 1, 16))) AS ?row)'


def _entities() -> str:
    parts = []
    for kind in ("model", "dataset", "modality", "task"):
        parts.append(f"{{ SELECT ?e (COUNT(*) AS ?n) WHERE {{ ?p {_link(used_link(kind))} ?e }} "
                     "GROUP BY ?e }")
        if proposed_link(kind):
            parts.append(f"{{ SELECT ?e (COUNT(*) AS ?k) "
                         f"WHERE {{ ?p {_link(proposed_link(kind))} ?e }} GROUP BY ?e }}")
    return ("CONSTRUCT { ?e kg:papers ?n ; kg:proposingPapers ?k } WHERE { "
            + " UNION ".join(parts) + " }")


def _pairs(left: str, right: str) -> str:
    return f"""CONSTRUCT {{ ?row kg:{left} ?a ; kg:{right} ?b ; kg:papers ?n }}
    WHERE {{
      {{ SELECT ?a ?b (COUNT(*) AS ?n) WHERE {{
          {{ SELECT ?paper ?a WHERE {{ ?paper {_link(used_link(left))} ?a }} }}
          {{ SELECT ?paper ?b WHERE {{ ?paper {_link(used_link(right))} ?b }} }}
        }} GROUP BY ?a ?b }}
      {_row("a", "b")}
    }}"""


# The year is the first four characters of any of the three date types; papers without a
# date count under no year (their row has no kg:year).
_YEAR = "BIND(STRDT(SUBSTR(STR(?date), 1, 4), xsd:gYear) AS ?year)"
_PROPOSES = _link(proposed_link("model"))


def _years() -> str:
    return f"""CONSTRUCT {{ ?row kg:year ?year ; kg:papers ?n ; kg:proposingPapers ?k }}
    WHERE {{
      {{ SELECT ?year (COUNT(*) AS ?n) (COUNT(?proposes) AS ?k) WHERE {{
          {{ SELECT ?paper WHERE {{ ?paper a schema:ScholarlyArticle }} }}
          OPTIONAL {{ SELECT ?paper ?date WHERE {{ ?paper schema:datePublished ?date }} }}
          OPTIONAL {{ SELECT DISTINCT ?paper (true AS ?proposes)
                     WHERE {{ ?paper {_PROPOSES} ?model }} }}
          {_YEAR}
        }} GROUP BY ?year }}
      {_row("year")}
    }}"""


def _year_models() -> str:
    return f"""CONSTRUCT {{ ?row kg:year ?year ; kg:model ?model ; kg:proposingPapers ?n }}
    WHERE {{
      {{ SELECT ?year ?model (COUNT(*) AS ?n) WHERE {{
          {{ SELECT ?paper ?model WHERE {{ ?paper {_PROPOSES} ?model }} }}
          OPTIONAL {{ SELECT ?paper ?date WHERE {{ ?paper schema:datePublished ?date }} }}
          {_YEAR}
        }} GROUP BY ?year ?model }}
      {_row("year", "model")}
    }}"""


_CODE_PAPERS = """SELECT ?paper ?date WHERE {
  { SELECT DISTINCT ?paper WHERE { ?paper kg:releasesCode ?code } }
  OPTIONAL { SELECT ?paper ?date WHERE { ?paper schema:datePublished ?date } }
}"""
_DAY_SLOTS = 100_000  # papers a day the recency number can order


def _code_recency(store: ox.Store, graph: ox.NamedNode) -> set[bytes]:
    """Per paper releasing code, `kg:recency`: an integer, larger for newer papers (the
    publication day times 100,000, plus the paper's place that day in reverse IRI order;
    0 without a date). The newest N are then one sort of small integers, no look-ups."""
    days: dict[int, list[str]] = {}
    for row in select(store, SPARQL_PREFIXES + _CODE_PAPERS):
        date = row["date"].value if row["date"] is not None else ""
        days.setdefault(_day_number(date), []).append(row["paper"].value)
    recency = f" {ox.NamedNode(str(KG.recency))} "
    out: set[bytes] = set()
    for day, papers in days.items():
        for place, paper in enumerate(sorted(papers, reverse=True)):
            value = day * _DAY_SLOTS + min(place, _DAY_SLOTS - 1) if day else 0
            out.add(f"{ox.NamedNode(paper)}{recency}{ox.Literal(str(value), datatype=_INTEGER)} ."
                    .encode())
    return out


def _day_number(date: str) -> int:
    """Days since 0001-01-01 of an xsd:date, the first day of a gYearMonth or gYear; 0 for
    none or a value that is not one of them."""
    parts = date.split("-")
    try:
        numbers = [int(p) for p in parts] + [1] * (3 - len(parts))
        return datetime.date(*numbers[:3]).toordinal() if len(parts) <= 3 else 0
    except ValueError:
        return 0


TABLES: tuple[Table, ...] = (
    Table("entities", "EntityCounts", _constructed(_entities())),
    Table("modality-dataset", "ModalityDatasetCounts",
          _constructed(_pairs("modality", "dataset"))),
    Table("modality-task", "ModalityTaskCounts", _constructed(_pairs("modality", "task"))),
    Table("model-dataset", "ModelDatasetCounts", _constructed(_pairs("model", "dataset"))),
    Table("years", "YearCounts", _constructed(_years())),
    Table("year-models", "YearModelCounts", _constructed(_year_models())),
    Table("code-papers", "CodeReleaseOrder", _code_recency),
)
"""The tables of counts, each in its own named graph `{base}graph/stats/{name}`."""
_TABLE_CLASSES = {ox.NamedNode(str(KG[table.kind])) for table in TABLES}


def stats_graph(base: str) -> ox.NamedNode:
    """The named graph that describes the counts of a store minted under `base`."""
    return ox.NamedNode(f"{check_base(base)}graph/stats")


def table_graph(base: str, table: Table) -> ox.NamedNode:
    """The named graph holding one table of counts."""
    return ox.NamedNode(f"{stats_graph(base).value}/{table.name}")


def stats_run(base: str) -> ox.NamedNode:
    """The PROV activity that computes counts: this tool version's counting."""
    return ox.NamedNode(f"{check_base(base)}run/{__version__}-counts")


def _lines(data: bytes | None) -> set[bytes]:
    return set((data or b"").splitlines())


def compute(store: ox.Store, base: str) -> dict[ox.NamedNode, set[bytes]]:
    """Every statistics graph for `store`'s facts: graph -> its triples as N-Triples lines
    (bytes compare and load faster than quad objects)."""
    graph, run = stats_graph(base), stats_run(base)
    agent = ox.NamedNode(f"{check_base(base)}agent/medimg-kg/{__version__}")
    now = ox.Literal(datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                     datatype=ox.NamedNode(str(XSD.dateTime)))
    description = [(graph, _A, _STATISTICS), (graph, ox.NamedNode(str(PROV.generatedAtTime)), now),
                   (graph, ox.NamedNode(str(PROV.wasGeneratedBy)), run),
                   (run, _A, ox.NamedNode(str(PROV.Activity))),
                   (run, ox.NamedNode(str(PROV.wasAssociatedWith)), agent),
                   (run, ox.NamedNode(str(PROV.endedAtTime)), now)]
    graphs: dict[ox.NamedNode, set[bytes]] = {}
    for table in TABLES:
        name = table_graph(base, table)
        description.append((name, _A, ox.NamedNode(str(KG[table.kind]))))
        graphs[name] = table.rows(store, name)
    graphs[graph] = {f"{s} {p} {o} .".encode() for s, p, o in description}
    return graphs


def refresh_counts(store: ox.Store, base: str) -> None:
    """Recompute the statistics graphs of `store` from its facts.

    Into a store without counts the graphs are bulk-loaded (all or nothing). Later, only the
    triples that changed are removed and added, in one SPARQL update (one transaction):
    rewriting every row costs more than counting them. Counts minted under another base are
    dropped, so a store never holds two sets. Unchanged counts are left alone, time included,
    so building the same files twice changes nothing.
    """
    new = compute(store, base)
    descriptions = {q.graph_name for q in store.quads_for_pattern(None, _A, _STATISTICS, None)}
    tables = {q.subject for d in descriptions for q in store.quads_for_pattern(None, _A, None, d)
              if q.object in _TABLE_CLASSES}
    stale = {g for g in {*descriptions, *tables} if isinstance(g, ox.NamedNode)} - set(new)
    old = {g: _lines(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g)) for g in new}
    for g, lines in old.items():
        if any(line.startswith(b"_:") for line in lines):  # not ours: replace it whole
            stale.add(g)
            old[g] = set()
    graph = stats_graph(base)
    if not stale and all(old[g] == lines for g, lines in new.items() if g != graph) and old[graph]:
        return  # the same counts: their time stays that of the run that computed them
    try:
        if not any(old.values()) and not stale:
            # One bulk load for every graph: one set of files, all or nothing.
            store.bulk_load(b"".join(line[:-1] + str(g).encode() + b" .\n"
                                     for g, lines in new.items() for line in sorted(lines)),
                            format=ox.RdfFormat.N_QUADS)
            return
        operations = [f"DROP SILENT GRAPH {g}" for g in stale]
        for g, lines in new.items():
            removed, added = old[g] - lines, lines - old[g]
            if removed:
                text = b"\n".join(removed).decode("utf-8")
                operations.append(f"DELETE DATA {{ GRAPH {g} {{\n{text}\n}} }}")
            if added:
                text = b"\n".join(added).decode("utf-8")
                operations.append(f"INSERT DATA {{ GRAPH {g} {{\n{text}\n}} }}")
        store.update(" ;\n".join(operations))
    except OSError as exc:
        raise StoreError(f"computing the counts failed: {first_line(exc)}") from None


# ------------------------------------------------------------------------- staleness


def mark_stale(store_path: str | Path) -> None:
    """Record that the counts of the store at `store_path` may no longer match its facts."""
    path = Path(store_path)
    if is_store(path):
        (path / STALE_MARKER).touch()


def clear_stale(store_path: str | Path) -> None:
    """The counts were just recomputed."""
    try:
        os.unlink(Path(store_path) / STALE_MARKER)
    except FileNotFoundError:
        pass


def counts_problem(store: ox.Store, store_path: str | Path) -> str | None:
    """Why counts read from this store may be wrong, or None when they are current."""
    if (Path(store_path) / STALE_MARKER).exists():
        return ("the store was changed since its counts were computed; this answer may be "
                "out of date (`kg optimize` recomputes them)")
    if not any(True for _ in store.quads_for_pattern(None, _A, _STATISTICS, None)):
        return ("the store has no counts (built before they existed, or loaded from shards); "
                "counting questions answer nothing until `kg optimize` computes them")
    return None


def reads_counts(text: str) -> bool:
    """Whether a query reads the statistics graphs (it names the kg:Statistics class)."""
    return "kg:Statistics" in text or str(KG.Statistics) in text
