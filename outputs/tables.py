"""Tables of the stored graph for spreadsheets: one row per paper with its linked entities."""

from __future__ import annotations

import csv
from pathlib import Path

import pyoxigraph as ox

from kg.ontology import SPARQL_PREFIXES
from kg.shards import write_output
from kg.store import select

_PAPERS_CSV = SPARQL_PREFIXES + """
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


def export_papers_csv(store: ox.Store, path: str | Path) -> int:
    """One row per paper with its linked models, datasets and modalities; returns the rows."""
    rows = 0

    def write(tmp: Path) -> None:
        nonlocal rows
        with open(tmp, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(CSV_COLUMNS)
            for row in select(store, _PAPERS_CSV):
                writer.writerow([row[c].value if row[c] is not None else "" for c in CSV_COLUMNS])
                rows += 1

    write_output(path, write)
    return rows
