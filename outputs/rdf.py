"""The stored graph in an RDF serialization, through Oxigraph's own writers (fast), written
to a temporary name and renamed, so a failed export never leaves a truncated file where a
good one was. RDF/XML leaves out the characters XML 1.0 cannot hold (outputs.xmlchars).

Every format writes the default graph, the facts: the statistics graph (kg.counts) is
derived from them, carries the time it was computed (two exports of the same facts would
differ) and is recomputed by any store they are loaded into (`kg optimize`)."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, cast

import pyoxigraph as ox

from kg.errors import ExportError
from kg.ontology import PREFIXES
from kg.outputs.xmlchars import XmlSafeWriter
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
            # Oxigraph writes a control character in a literal as it is: ill-formed XML.
            target = cast(BinaryIO, XmlSafeWriter(out)) if fmt == "rdfxml" else out
            store.dump(
                target, RDF_FORMATS[fmt],
                from_graph=ox.DefaultGraph(),
                prefixes=prefixes if fmt in {"turtle", "trig", "rdfxml"} else None,
            )
            target.flush()

    write_output(path, write)
