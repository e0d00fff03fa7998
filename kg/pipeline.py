"""Build and extract: the stages of DESIGN.md's data flow wired together.

Reading runs twice over the input. The first pass only collects identity keys (arXiv id,
DOI, PMID, normalised title, abstract opening) and finds which records describe the same
paper; it also surfaces every unreadable file before anything is written. The second pass
streams records again, holds back only papers whose other parts have not arrived yet,
merges them, extracts entities batch by batch and hands each batch on. Memory is bounded
by the batch size and the number of papers split across files, never by the corpus.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import RecordError
from kg.identity import Identities, record_keys
from kg.merge import merge_records
from kg.records import Mention, PaperRecord
from kg.sources import iter_records

SkipHandler = Callable[[RecordError], None]


@dataclass
class ReadSummary:
    """What the reading stage saw: records, distinct papers and skipped records with reasons."""

    records: int = 0
    papers: int = 0
    skipped: list[RecordError] = field(default_factory=list)

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
    for record in iter_records(paths):
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
        summary.skipped.append(error)
        if on_skip:
            on_skip(error)

    pending: dict[bytes, list[PaperRecord]] = {}
    for record in iter_records(paths, on_skip=skipped):
        summary.records += 1
        keys = record_keys(record)
        if not keys:
            skipped(RecordError(record.sources[0].file, record.sources[0].line,
                                "record has no id, title or abstract"))
            summary.records -= 1
            continue
        # The first key decides: a conflicting title cannot pull a record away from its id.
        root = root_of.get(keys[0])
        if root is None:
            summary.papers += 1
            yield record
            continue
        parts = pending.setdefault(root, [])
        parts.append(record)
        if len(parts) == parts_expected[root]:
            del pending[root]
            summary.papers += 1
            yield merge_records(parts)
    for parts in pending.values():  # only reachable if a file changed between passes
        summary.papers += 1
        yield merge_records(parts)


def batched(items: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


_EXTRACTOR = None
# A Dask worker runs tasks on several threads: the first batches must not each load one.
_EXTRACTOR_LOCK = threading.Lock()


def get_extractor():
    """One extractor per process: loading the vocabulary is the expensive part."""
    global _EXTRACTOR
    if _EXTRACTOR is None:
        with _EXTRACTOR_LOCK:
            if _EXTRACTOR is None:
                from kg.extractors import Extractor

                _EXTRACTOR = Extractor()
    return _EXTRACTOR


def extract_batch(records: Sequence[PaperRecord]) -> list[list[Mention]]:
    return get_extractor().extract(records)
