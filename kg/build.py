"""`kg build`: read, extract and load listings into the on-disk store, batch by batch."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg import DEFAULT_BASE
from kg.errors import StoreError
from kg.graph import GraphMapper
from kg.identity import paper_path
from kg.ontology import KG, SCHEMA, data_path, vocab_paths
from kg.pipeline import ReadSummary, SkipHandler, batched, get_extractor, iter_papers
from kg.records import PaperRecord
from kg.resolve import adopt_stored_identities
from kg.store import add_batch, open_store, triple_count

BATCH_SIZE = 512


@dataclass
class BuildSummary:
    """Counts a user sees after a build."""

    read: ReadSummary = field(default_factory=ReadSummary)
    triples_before: int = 0
    triples_after: int = 0
    conflicts: int = 0  # papers already stored with different metadata (stored values kept)
    seconds: float = 0.0
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
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS)


@dataclass(frozen=True)
class BatchResult:
    """What one batch becomes: its papers' IRIs and their quads as N-Quads bytes.

    Bytes, not quad objects, so the result crosses process and machine boundaries cheaply
    and can be written as a shard as it is.
    """

    papers: list[str]
    nquads: bytes


def process_batch(records: Sequence[PaperRecord], base: str = DEFAULT_BASE) -> BatchResult:
    """Extract entities from a batch and map it to quads: the unit of work of every engine."""
    extractor = get_extractor()
    mapper = GraphMapper(base, extractor.config_hash)
    lines: list[str] = []
    for record, mentions in zip(records, extractor.extract(records), strict=True):
        lines.extend(mapper.paper_lines(record, mentions))
    # N-Triples lines are N-Quads in the default graph.
    return BatchResult(
        [f"{mapper.base}{paper_path(r)}" for r in records], "".join(lines).encode("utf-8")
    )


def sequential_engine(
    batches: Iterable[list[PaperRecord]], base: str
) -> Iterator[BatchResult]:
    """Run batches one after another in this process."""
    for batch in batches:
        yield process_batch(batch, base)


Engine = Callable[[Iterable[list[PaperRecord]], str], Iterator[BatchResult]]


def build(
    paths: Sequence[str | Path],
    store_path: str | Path,
    base: str = DEFAULT_BASE,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    on_skip: SkipHandler | None = None,
    engine: Engine = sequential_engine,
    shards_dir: str | Path | None = None,
) -> BuildSummary:
    """Build or extend the store at `store_path` from the listings in `paths`.

    Each batch of papers lands in one transaction, so an interrupted build leaves whole
    papers only; rerunning it completes the store (IRIs are deterministic). With
    `shards_dir`, no store is touched: the ontology and every batch are written there as
    N-Quads shards for any triple store's bulk loader (kg.engines.ShardWriter).
    """
    started = time.perf_counter()
    summary = BuildSummary()
    papers = iter_papers(paths, summary.read, on_skip)
    # The first paper runs the identity pass over every file: unreadable input fails here,
    # before the store is created or touched.
    first = next(papers, None)
    mapper = GraphMapper(base, get_extractor().config_hash)

    def all_papers() -> Iterator[PaperRecord]:
        if first is not None:
            yield first
        yield from papers

    if shards_dir is not None:
        from kg.engines import ShardWriter  # kg.engines imports this module

        writer = ShardWriter(shards_dir)
        writer.write(0, ontology_nquads(mapper))
        for index, result in enumerate(engine(batched(all_papers(), batch_size), mapper.base), 1):
            writer.write(index, result.nquads)
            if progress:
                progress(len(result.papers))
        summary.shards, summary.triples_after = writer.written, writer.quads
        summary.seconds = time.perf_counter() - started
        return summary
    store = open_store(store_path)
    summary.triples_before = triple_count(store)
    load_ontology(store, mapper.base)
    add_batch(store, mapper.run_quads())
    batches: Iterable[list[PaperRecord]] = batched(all_papers(), batch_size)
    # Only papers stored by an earlier build can lend an identity: the identity pass has
    # already joined this build's own records. A first build skips the per-batch lookup.
    if _has_keyed_papers(store):
        batches = (adopt_stored_identities(store, batch, mapper.base) for batch in batches)
    for result in engine(batches, mapper.base):
        summary.conflicts += load_batch(store, result)
        if progress:
            progress(len(result.papers))
    store.flush()
    summary.triples_after = triple_count(store)
    summary.seconds = time.perf_counter() - started
    return summary


# Oxigraph's bulk loader turns up to this many quads into one set of SST files and ingests
# them with a single RocksDB IngestExternalFiles call: all of the batch lands, or none of it.
_BULK_CHUNK = 1_000_000


def load_batch(store: ox.Store, result: BatchResult) -> int:
    """Load one batch in one transaction; returns how many of its papers conflicted."""
    stored = _stored_values(store, result.papers) if _any_stored(store, result.papers) else {}
    if not stored:
        try:
            if result.nquads.count(b"\n") < _BULK_CHUNK:
                # The bulk loader writes SST files directly: several times faster than a
                # transactional load (measured in bench/throughput.py), and still atomic here.
                store.bulk_load(result.nquads, format=ox.RdfFormat.N_QUADS)
            else:
                store.load(result.nquads, format=ox.RdfFormat.N_QUADS)
        except OSError as exc:
            raise StoreError(f"writing to the store failed: {exc}") from None
        return 0
    quads = list(ox.parse(result.nquads, format=ox.RdfFormat.N_QUADS))
    kept, conflicts = _keep_stored_values(stored, quads)
    add_batch(store, kept)
    return conflicts


_A = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_KEYS = (ox.NamedNode(str(KG.titleKey)), ox.NamedNode(str(KG.abstractKey)))


def _has_keyed_papers(store: ox.Store) -> bool:
    return any(next(store.quads_for_pattern(None, key, None, None), None) for key in _KEYS)


def _any_stored(store: ox.Store, papers: Sequence[str]) -> bool:
    # One index lookup per paper; the conflict query only runs when one is already there.
    return any(next(store.quads_for_pattern(ox.NamedNode(iri), _A, None, None), None)
               for iri in papers)


# Properties a paper has once; when a later build brings a different value the stored one
# stays (first source wins) and mentions counted in the replaced text are left out.
_SINGLE = {str(SCHEMA.name): "title", str(SCHEMA.abstract): "abstract",
           str(SCHEMA.datePublished): None}


def _stored_values(store: ox.Store, papers: Sequence[str]) -> dict[tuple[str, str], set[str]]:
    """Single-valued properties the store already holds for these papers."""
    iris = " ".join(f"<{iri}>" for iri in papers)
    preds = " ".join(f"<{p}>" for p in _SINGLE)
    stored: dict[tuple[str, str], set[str]] = {}
    query = f"SELECT * {{ VALUES ?p {{ {iris} }} VALUES ?pred {{ {preds} }} ?p ?pred ?o }}"
    for row in store.query(query):
        stored.setdefault((row["p"].value, row["pred"].value), set()).add(row["o"].value)
    return stored


def _keep_stored_values(
    stored: dict[tuple[str, str], set[str]], quads: list[ox.Quad]
) -> tuple[list[ox.Quad], int]:
    """Drop new single values that contradict stored ones; return the quads and conflict count."""
    replaced: dict[str, set[str | None]] = {}
    kept = []
    for quad in quads:
        values = stored.get((quad.subject.value, quad.predicate.value))
        if values and quad.object.value not in values:
            replaced.setdefault(quad.subject.value, set()).add(_SINGLE[quad.predicate.value])
            continue
        kept.append(quad)
    fields = {paper: names - {None} for paper, names in replaced.items()}
    if any(fields.values()):
        kept = _drop_mentions_in(kept, fields)
    return kept, len(replaced)


def _mention_of(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> str | None:
    """The mention IRI a mention, target or selector IRI belongs to."""
    paper, sep, rest = getattr(term, "value", "").partition("/mention/")
    return f"{paper}/mention/{rest.split('/', 1)[0]}" if sep else None


def _drop_mentions_in(quads: list[ox.Quad], fields: dict[str, set[str]]) -> list[ox.Quad]:
    """Remove mentions whose offsets count in a title or abstract that was not stored, and the
    paper links that only those mentions supported."""
    doomed = {
        _mention_of(q.subject) for q in quads
        if q.predicate.value.endswith("#textField")
        and q.object.value in fields.get(q.subject.value.split("/mention/", 1)[0], ())
    }
    if not doomed:
        return quads
    supported = {
        (q.subject.value.split("/mention/", 1)[0], q.object.value) for q in quads
        if q.predicate.value.endswith("#hasBody") and _mention_of(q.subject) not in doomed
    }

    def unsupported_link(q: ox.Quad) -> bool:
        return (q.predicate.value.rpartition("#")[2] in _LINKS
                and (q.subject.value, q.object.value) not in supported)

    return [q for q in quads if _mention_of(q.subject) not in doomed and not unsupported_link(q)]


_LINKS = {"usesModel", "proposesModel", "usesDataset", "proposesDataset", "imagingModality",
          "addressesTask"}
