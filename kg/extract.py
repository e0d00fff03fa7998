"""`kg extract`: merged papers with their entities as JSON-ready dicts, no store involved."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from kg import DEFAULT_BASE
from kg.graph import check_base
from kg.identity import paper_path
from kg.reading import ReadSummary, SkipHandler, batched, iter_papers
from kg.records import Mention, PaperRecord
from kg.work import extract_batch

BATCH_SIZE = 256


def paper_json(record: PaperRecord, mentions: Sequence[Mention], base: str = DEFAULT_BASE) -> dict:
    """One line of the JSON-lines contract in DESIGN.md."""
    from kg.extractors import entities

    found = entities(mentions)
    for kind in found.values():
        for entity in kind:
            entity["id"] = base + entity["id"]
    return {
        "id": base + paper_path(record),
        "title": record.title,
        "abstract": record.abstract,
        "authors": [
            {"name": a.name, "given": a.given, "family": a.family,
             **({"organization": True} if a.is_organization else {}),
             **({"affiliation": a.affiliation} if a.affiliation else {})}
            for a in record.authors
        ],
        "authors_complete": record.authors_complete,
        "date": record.date,
        "identifiers": {"arxiv": record.arxiv, "doi": record.doi, "pmid": record.pmid},
        "url": record.url,
        "code": list(record.code),
        "categories": list(record.categories),
        "comment": record.comment,
        "sources": [{"file": s.file, "line": s.line, "format": s.format} for s in record.sources],
        "models": found.get("models", []),
        "datasets": found.get("datasets", []),
        "modalities": found.get("modalities", []),
        "tasks": found.get("tasks", []),
    }


def extract_papers(
    paths: Sequence[str | Path], base: str = DEFAULT_BASE,
    summary: ReadSummary | None = None, on_skip: SkipHandler | None = None,
) -> Iterator[dict]:
    """Stream one JSON-ready dict per distinct paper in `paths`."""
    base = check_base(base)
    for batch in batched(iter_papers(paths, summary, on_skip), BATCH_SIZE):
        for record, mentions in zip(batch, extract_batch(batch), strict=True):
            yield paper_json(record, mentions, base)
