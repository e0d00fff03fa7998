"""The stored graph in an RDF serialization, through Oxigraph's own writers (fast), written
to a temporary name and renamed, so a failed export never leaves a truncated file where a
good one was.

Every format writes the default graph, the facts: the statistics graph (kg.counts) is
derived from them, carries the time it was computed (two exports of the same facts would
differ) and is recomputed by any store they are loaded into (`kg optimize`)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.errors import ExportError
from kg.ontology import PREFIXES
from kg.shards import write_output

RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def export_rdf(store: ox.Store, fmt: str, path: str | Path, base: str | None = None) -> None:
    """Serialize the whole store in one of RDF_FORMATS to `path`."""
    if fmt not in RDF_FORMATS:
        raise ExportError(f"unknown RDF format {fmt!r}; choose from {', '.join(RDF_FORMATS)}")
    prefixes = dict(PREFIXES)
    if base:
        prefixes["kgi"] = base

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as out:
            store.dump(
                out, RDF_FORMATS[fmt],
                from_graph=ox.DefaultGraph(),
                prefixes=prefixes if fmt in {"turtle", "trig", "rdfxml"} else None,
            )

    write_output(path, write)
