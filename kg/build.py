"""`kg build`: read, extract and load listings into the on-disk store, batch by batch."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg import DEFAULT_BASE
from kg.counts import clear_stale, mark_stale, refresh_counts
from kg.graph import GraphMapper, check_base
from kg.ontology import data_path, vocab_paths
from kg.people import adopt_stored_people
from kg.reading import ReadSummary, SkipHandler, batched, iter_papers
from kg.reconcile import GROUP_QUADS, BatchLoader, adopt_stored_identities, has_keyed_papers
from kg.records import PaperRecord
from kg.shards import ShardWriter
from kg.store import Reservation, add_batch, reserve_store, triple_count
from kg.work import BatchResult, Engine, get_extractor, sequential_engine

BATCH_SIZE = 512


@dataclass
class BuildSummary:
    """Counts a user sees after a build."""

    read: ReadSummary = field(default_factory=ReadSummary)
    triples_before: int = 0
    triples_after: int = 0
    conflicts: int = 0  # papers already stored with different metadata (stored values kept)
    seconds: float = 0.0
    counts_seconds: float = 0.0  # recomputing the statistics graph, part of `seconds`
    shards: list[Path] = field(default_factory=list)  # with shards_dir: the files written

    @property
    def triples_added(self) -> int:
        return self.triples_after - self.triples_before


def load_ontology(store: ox.Store, base: str) -> None:
    """Put the ontology and the SKOS schemes in the store, resolving vocab IRIs against `base`."""
    for path in [data_path("kg.ttl"), *vocab_paths()]:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base)


def ontology_nquads(mapper: GraphMapper) -> bytes:
    """What load_ontology and the run description add, as N-Quads: the first shard."""
    quads: list[ox.Quad] = []
    for path in [data_path("kg.ttl"), *vocab_paths()]:
        quads.extend(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=mapper.base))
    quads.extend(mapper.run_quads())
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""


def build(
    paths: Sequence[str | Path],
    store_path: str | Path,
    base: str = DEFAULT_BASE,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    on_skip: SkipHandler | None = None,
    engine: Engine = sequential_engine,
    shards_dir: str | Path | None = None,
    group_quads: int = GROUP_QUADS,
    lenient: bool = True,
) -> BuildSummary:
    """Build or extend the store at `store_path` from the listings in `paths`.

    Each batch (or group of batches) of papers lands in one transaction, so an interrupted
    build leaves whole papers only; rerunning it completes the store (IRIs are
    deterministic). The counts of the statistics graph are recomputed at the end. With
    `shards_dir`, no store is touched: the ontology and every batch are written there as
    N-Quads shards for any triple store's bulk loader (kg.shards.ShardWriter).
    Batches of new papers are bulk-loaded in groups of up to `group_quads` quads (one batch
    per load: 1). `lenient` (the default) skips the bulk loader's IRI checks of the mapper's
    own output, a sixth of the load's CPU: every IRI the mapper writes is the checked base
    with a percent-encoded path, or was checked by Oxigraph as it was written (links).
    """
    started = time.perf_counter()
    base = check_base(base)  # before anything is read or written
    summary = BuildSummary()
    papers = iter_papers(paths, summary.read, on_skip)
    # The first paper runs the identity pass over every file: unreadable input fails here,
    # before the store is created or touched.
    first = next(papers, None)

    def all_papers() -> Iterator[PaperRecord]:
        if first is not None:
            yield first
        yield from papers

    if shards_dir is not None:
        writer = ShardWriter(shards_dir)
        for index, result in enumerate(engine(batched(all_papers(), batch_size), base), 1):
            if index == 1:
                writer.write(0, ontology_nquads(_run_mapper(base, result)))
            writer.write(index, result.nquads)
            if progress:
                progress(len(result.papers))
        if not writer.written:
            writer.write(0, ontology_nquads(_run_mapper(base, None)))
        summary.shards, summary.triples_after = writer.written, writer.quads
        summary.seconds = time.perf_counter() - started
        return summary
    # The store is ours from here, before the extractor loads: another build or a reader
    # gets a one-line error at once. It is opened only once the engine runs, and written
    # only when the first batch is back: an engine that fails to start (an unreachable
    # cluster) leaves an existing store untouched and a new one not even created.
    with reserve_store(store_path) as reservation:
        batches: Iterable[list[PaperRecord]] = batched(all_papers(), batch_size)
        if reservation.exists:
            batches = _adopting(reservation, batches, base)
        loader: BatchLoader | None = None
        try:
            for result in engine(batches, base):
                if loader is None:
                    loader = BatchLoader(_start(reservation, _run_mapper(base, result), summary),
                                         group_quads=group_quads, lenient=lenient)
                summary.conflicts += loader.add(result)
                if progress:
                    progress(len(result.papers))
            if loader is None:  # no papers: the store still gets the ontology and the run
                loader = BatchLoader(_start(reservation, _run_mapper(base, None), summary),
                                     group_quads=group_quads, lenient=lenient)
            loader.flush()
        except BaseException:
            # Stopped early: a group being loaded lands whole before the store is let go.
            if loader is not None:
                loader.close()
            raise
        store = loader.store
        counting = time.perf_counter()
        refresh_counts(store, base)
        summary.counts_seconds = time.perf_counter() - counting
        store.flush()
        clear_stale(store_path)
        summary.triples_after = triple_count(store)
    summary.seconds = time.perf_counter() - started
    return summary


def _run_mapper(base: str, first: BatchResult | None) -> GraphMapper:
    """The mapper naming this build's run: the extractor configuration comes with the first
    result, so this process never loads an extractor of its own (seconds of CPU and
    hundreds of MB the workers already spend); only a build without papers loads one."""
    config = first.config_hash if first is not None and first.config_hash else None
    return GraphMapper(base, config or get_extractor().config_hash)


def _start(reservation: Reservation, mapper: GraphMapper, summary: BuildSummary) -> ox.Store:
    """Open (or create) the store and describe the run in it, before the first batch lands."""
    store = reservation.open()
    # Until the counts are recomputed at the end, they may not match the facts.
    mark_stale(reservation.path)
    summary.triples_before = triple_count(store)
    load_ontology(store, mapper.base)
    add_batch(store, mapper.run_quads())
    return store


def _adopting(reservation: Reservation, batches: Iterable[list[PaperRecord]],
              base: str) -> Iterator[list[PaperRecord]]:
    """The batches with identities adopted from an existing store, which is opened when the
    engine asks for the first batch."""
    store = reservation.open()
    # Only papers stored by an earlier build can lend an identity: the identity pass has
    # already joined this build's own records. A store without keyed papers needs no lookup.
    if not has_keyed_papers(store):
        yield from batches
        return
    for batch in batches:
        yield list(adopt_stored_people(store, adopt_stored_identities(store, batch, base)))
