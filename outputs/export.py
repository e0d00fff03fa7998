"""Exports of the stored graph: RDF serializations through Oxigraph's own writers, and a CSV
table of papers. Files are written to a temporary name and renamed, so a failed export
never leaves a truncated file where a good one was."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from kg.errors import ExportError
from kg.ontology import PREFIXES

RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
# Formats without named graphs need to be told which graph to write; ours is the default one.
_SINGLE_GRAPH = {"turtle", "nt", "jsonld", "rdfxml"}


def write_atomically(path: str | Path, write: Callable[[Path], None]) -> None:
    """Run `write(tmp)` and move tmp over `path` only if it succeeded."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"cannot write {path}: folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    os.close(fd)
    try:
        write(Path(tmp))
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


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
                from_graph=ox.DefaultGraph() if fmt in _SINGLE_GRAPH else None,
                prefixes=prefixes if fmt in {"turtle", "trig", "rdfxml"} else None,
            )

    write_atomically(path, write)


_PAPERS_CSV = """
PREFIX schema: <https://schema.org/>
PREFIX kg: <https://w3id.org/medimg-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?paper ?title ?date ?arxiv
  (GROUP_CONCAT(DISTINCT ?model; SEPARATOR="; ") AS ?models)
  (GROUP_CONCAT(DISTINCT ?dataset; SEPARATOR="; ") AS ?datasets)
  (GROUP_CONCAT(DISTINCT ?modality; SEPARATOR="; ") AS ?modalities)
WHERE {
  ?paper a schema:ScholarlyArticle .
  OPTIONAL { ?paper schema:name ?title }
  OPTIONAL { ?paper schema:datePublished ?date }
  OPTIONAL { ?paper kg:arxivId ?arxiv }
  OPTIONAL { ?paper kg:usesModel/rdfs:label ?model }
  OPTIONAL { ?paper kg:usesDataset/rdfs:label ?dataset }
  OPTIONAL { ?paper kg:imagingModality/skos:prefLabel ?modality }
}
GROUP BY ?paper ?title ?date ?arxiv
ORDER BY ?paper
"""
CSV_COLUMNS = ["paper", "title", "date", "arxiv", "models", "datasets", "modalities"]


def export_papers_csv(store: ox.Store, path: str | Path) -> None:
    """One row per paper with its linked models, datasets and modalities (for spreadsheets)."""

    def write(tmp: Path) -> None:
        with open(tmp, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(CSV_COLUMNS)
            for row in store.query(_PAPERS_CSV):
                writer.writerow([row[c].value if row[c] is not None else "" for c in CSV_COLUMNS])

    write_atomically(path, write)
