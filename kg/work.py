"""The unit of work every engine runs: one batch of merged records in, its quads out.

    result = process_batch(records, base)   # BatchResult(papers, nquads)

It runs wherever an engine puts it (this process, a worker process, a Dask worker), so it
takes plain records and returns bytes, and each process loads its extractor once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kg import DEFAULT_BASE
from kg.graph import GraphMapper
from kg.identity import paper_path
from kg.records import Mention, PaperRecord

if TYPE_CHECKING:
    from kg.extractors import Extractor


@dataclass(frozen=True)
class BatchResult:
    """What one batch becomes: its papers' IRIs and their quads as N-Quads bytes.

    Bytes, not quad objects, so the result crosses process and machine boundaries cheaply
    and can be written as a shard as it is.
    """

    papers: list[str]
    nquads: bytes
    # The extractor configuration that made the mentions (names the run): the build takes
    # it from here and so never loads an extractor of its own.
    config_hash: str = ""


Engine = Callable[[Iterable[list[PaperRecord]], str], Iterator[BatchResult]]
"""Runs `process_batch` over batches with a base IRI, yielding results in input order."""


_EXTRACTOR: Extractor | None = None
# A Dask worker runs tasks on several threads: the first batches must not each load one.
_EXTRACTOR_LOCK = threading.Lock()


def get_extractor() -> Extractor:
    """One extractor per process: loading the vocabulary is the expensive part."""
    global _EXTRACTOR
    if _EXTRACTOR is None:
        with _EXTRACTOR_LOCK:
            if _EXTRACTOR is None:
                from kg.extractors import Extractor

                _EXTRACTOR = Extractor()
    return _EXTRACTOR


def extract_batch(records: Sequence[PaperRecord]) -> list[list[Mention]]:
    """The mentions of each record, in order."""
    return get_extractor().extract(records)


def process_batch(records: Sequence[PaperRecord], base: str = DEFAULT_BASE) -> BatchResult:
    """Extract entities from a batch and map it to quads: the unit of work of every engine."""
    extractor = get_extractor()
    config = extractor.config_hash
    mapper = GraphMapper(base, config)
    lines: list[str] = []
    for record, mentions in zip(records, extractor.extract(records), strict=True):
        lines.extend(mapper.paper_lines(record, mentions))
    # N-Triples lines are N-Quads in the default graph.
    return BatchResult(
        [f"{mapper.base}{paper_path(r)}" for r in records], "".join(lines).encode("utf-8"),
        config,
    )


def sequential_engine(batches: Iterable[list[PaperRecord]], base: str) -> Iterator[BatchResult]:
    """Run batches one after another in this process."""
    for batch in batches:
        yield process_batch(batch, base)
