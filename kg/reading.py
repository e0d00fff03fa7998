"""The reading stage: one merged record per distinct paper, streamed from the input files.

Reading runs twice over the input. The first pass only collects identity keys (arXiv id,
DOI, PMID, normalised title, abstract opening) and finds which records describe the same
paper; it also surfaces every unreadable file before anything is written. The second pass
streams records again, holds back only papers whose other parts have not arrived yet,
merges them and hands them on in batches (kg.work extracts and maps each batch). Memory is
bounded by the batch size and the number of papers split across files, never by the corpus.
Identity itself (keys, which records meet) is kg.identity's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from kg.errors import RecordError, SkippedFile
from kg.identity import Identities, record_keys
from kg.merge import merge_records
from kg.people import People
from kg.records import PaperRecord
from kg.sources import iter_records

SkipHandler = Callable[[RecordError], None]
T = TypeVar("T")


@dataclass
class ReadSummary:
    """What the reading stage saw: records, distinct papers and skipped records with reasons."""

    records: int = 0
    papers: int = 0
    skipped: list[RecordError] = field(default_factory=list)
    skipped_files: list[SkippedFile] = field(default_factory=list)

    @property
    def duplicates_merged(self) -> int:
        return self.records - self.papers


def iter_papers(
    paths: Sequence[str | Path], summary: ReadSummary | None = None,
    on_skip: SkipHandler | None = None,
) -> Iterator[PaperRecord]:
    """Yield one merged record per distinct paper in `paths` (two streaming passes)."""
    summary = summary if summary is not None else ReadSummary()
    identities = Identities()
    # The key that will decide each record's paper, kept so counting needs no third pass.
    deciding: list[bytes] = []
    people = People()  # full-name authors, to resolve initials-only ones (kg.people)
    for record in iter_records(paths):
        people.observe(record)
        keys = record_keys(record)
        identities.add(keys, record.arxiv)
        if keys:
            deciding.append(keys[0])
    expected = Counter(identities.find(key) for key in deciding)
    # Pass 2 only needs the papers made of several records; singletons (nearly all) need
    # nothing. Dropping the union-find here keeps memory during extraction independent of
    # the corpus size (bench/throughput.py measures it).
    root_of = {key: root for key in deciding if expected[root := identities.find(key)] > 1}
    parts_expected = {root: n for root, n in expected.items() if n > 1}
    del deciding, expected, identities

    def skipped(error: RecordError) -> None:
        if isinstance(error, SkippedFile):
            summary.skipped_files.append(error)
        else:
            summary.skipped.append(error)
        if on_skip:
            on_skip(error)

    pending: dict[bytes, list[PaperRecord]] = {}
    for record in iter_records(paths, on_skip=skipped):
        summary.records += 1
        people.assign(record)
        keys = record_keys(record)
        if not keys:
            skipped(RecordError(record.sources[0].file, record.sources[0].line,
                                "record has no id, title or abstract"))
            summary.records -= 1
            continue
        # The first key decides: a conflicting title cannot pull a record away from its id.
        paper = root_of.get(keys[0])
        if paper is None:
            summary.papers += 1
            yield record
            continue
        parts = pending.setdefault(paper, [])
        parts.append(record)
        if len(parts) == parts_expected[paper]:
            del pending[paper]
            summary.papers += 1
            yield merge_records(parts)
    for parts in pending.values():  # only reachable if a file changed between passes
        summary.papers += 1
        yield merge_records(parts)


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of `size` items (the last one shorter)."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
