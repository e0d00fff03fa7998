"""What the stored graph becomes: files in every export format, the networkx projection
(kg.outputs.projection) and the HTML viewer (kg.outputs.viewer).

    from kg.outputs import export
    export(store, "turtle", "graph.ttl")
    export(store, "graphml", "graph.graphml", types=["model", "dataset"])

Every export format is one entry of FORMATS; the CLI's `kg export --format` offers exactly
these. A new format is a function `(store, path, base, **options) -> Exported` and an entry.
Outputs read only from the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg import DEFAULT_BASE
from kg.errors import ExportError

__all__ = ["FORMATS", "ExportFormat", "Exported", "export"]


@dataclass(frozen=True)
class Exported:
    """What an export wrote: the file, and the count its kind of format has."""

    path: Path
    format: str
    triples: int | None = None  # RDF serializations
    nodes: int | None = None  # networks
    edges: int | None = None
    rows: int | None = None  # tables


@dataclass(frozen=True)
class ExportFormat:
    """One export format: its name, what it writes, the writer and the options it takes."""

    name: str
    description: str
    write: Callable[..., Exported]
    options: frozenset[str] = frozenset()


# Writers import their module when called: an RDF export needs neither networkx nor numpy.


def _rdf(fmt: str) -> Callable[..., Exported]:
    def write(store: ox.Store, path: Path, base: str) -> Exported:
        from kg.outputs.rdf import export_rdf
        from kg.store import triple_count

        export_rdf(store, fmt, path, base=base)
        # The facts: the default graph (the derived counts are not exported).
        return Exported(path, fmt, triples=triple_count(store))

    return write


def _network(fmt: str) -> Callable[..., Exported]:
    def write(store: ox.Store, path: Path, base: str, **selection: Any) -> Exported:
        from kg.outputs import network

        writer = network.write_graphml if fmt == "graphml" else network.write_gexf
        nodes, edges = writer(store, path, base=base, **selection)
        return Exported(path, fmt, nodes=nodes, edges=edges)

    return write


def _papers_csv(store: ox.Store, path: Path, base: str) -> Exported:
    from kg.outputs.tables import export_papers_csv

    return Exported(path, "csv", rows=export_papers_csv(store, path))


_SELECTION = frozenset({"types", "focus", "depth", "min_degree", "max_nodes", "since"})

def _review(fmt: str) -> Callable[..., Exported]:
    def write(store: ox.Store, path: Path, base: str) -> Exported:
        from kg.outputs import review

        writer = review.write_review_csv if fmt == "review-csv" else review.write_review_xlsx
        return Exported(path, fmt, rows=writer(store, path).papers)

    return write


FORMATS: dict[str, ExportFormat] = {
    f.name: f for f in [
        ExportFormat("turtle", "RDF Turtle", _rdf("turtle")),
        ExportFormat("nt", "RDF N-Triples", _rdf("nt")),
        ExportFormat("nq", "RDF N-Quads", _rdf("nq")),
        ExportFormat("trig", "RDF TriG", _rdf("trig")),
        ExportFormat("jsonld", "RDF JSON-LD", _rdf("jsonld")),
        ExportFormat("rdfxml", "RDF/XML", _rdf("rdfxml")),
        ExportFormat("graphml", "the projection as GraphML (Gephi, Cytoscape, yEd)",
                     _network("graphml"), _SELECTION),
        ExportFormat("gexf", "the projection as GEXF 1.2 (Gephi)", _network("gexf"), _SELECTION),
        ExportFormat("csv", "one row per paper with its models, datasets and modalities",
                     _papers_csv),
        ExportFormat("review-csv", "a systematic-review table: one row per paper with its "
                     "links, sources, modalities, tasks, datasets, models, code and authors",
                     _review("review-csv")),
        ExportFormat("review-xlsx", "the review table as an Excel workbook: frozen header, "
                     "filters, a sheet per modality and a sheet of evidence",
                     _review("review-xlsx")),
    ]
}


def export(
    store: ox.Store, fmt: str, path: str | Path, *, base: str = DEFAULT_BASE, **options: Any
) -> Exported:
    """Write the stored graph to `path` in format `fmt` (a key of FORMATS).

    `base` is the graph's base IRI (a `kgi:` prefix in Turtle, TriG and RDF/XML; relative
    focus names in networks). Network formats take the projection's selection options
    (types, focus, depth, min_degree, max_nodes, since). The file appears whole or not at all.
    """
    from kg.graph import check_base

    base = check_base(base)
    spec = FORMATS.get(fmt)
    if spec is None:
        raise ExportError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    unknown = sorted(set(options) - spec.options)
    if unknown:
        raise ExportError(f"the {fmt} export takes no option {', '.join(unknown)}")
    return spec.write(store, Path(path), base, **options)
