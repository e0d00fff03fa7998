"""What happens when a batch lands in a store that may already hold some of its papers.

Within one build the identity pass (kg.reading) has already merged every record of a paper.
Across builds the store is the only memory, and this module is the write policy:

- Recognising stored papers (`adopt_stored_identities`): a record without an arXiv id whose
  title or abstract key matches a stored paper adopts that paper's id; a stored paper that
  was minted from its title is renamed when a later record brings its arXiv id
  (`rename_paper`). Either way the paper stays one node.
- Loading (`load_batch`, `BatchLoader`): a batch none of whose papers is stored goes in
  through the bulk loader (one set of SST files, all or nothing), or one transaction when it
  is very large; during a build, consecutive such batches are grouped into one bulk load.
  Otherwise the first source wins: a single-valued property (title, abstract, date) keeps
  its stored value, the new value is left out with the mentions whose offsets count in it,
  the assertions only those mentions supported and the links only those assertions held,
  and the paper counts as a conflict. A link assertion already stored keeps its role,
  confidence, extractors and run (new mentions may still point to it).

Which properties are single-valued, what assertion and mention nodes are and which
properties are links comes from kg.graph; this module parses no IRI.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace

import pyoxigraph as ox

from kg.errors import StoreError
from kg.graph import (
    LINK_PROPERTIES,
    SINGLE_VALUED,
    link_holds,
    owned_prefix,
    provenance_in,
    term_value,
)
from kg.identity import paper_path, text_keys
from kg.ontology import KG, RDF
from kg.records import PaperRecord
from kg.store import add_batch, first_line, select
from kg.work import BatchResult

# Oxigraph's bulk loader turns up to this many quads into one set of SST files and ingests
# them with a single RocksDB IngestExternalFiles call: all of the batch lands, or none of it.
BULK_LIMIT = 1_000_000
# A build groups batches of new papers up to about this many quads per bulk load: every load
# writes SST files that overlap the earlier ones, and RocksDB compacts them together, so
# fewer, larger loads cost less CPU (measured in bench/throughput.py).
GROUP_QUADS = 400_000

_A = ox.NamedNode(str(RDF.type))
# A build writes from two threads: bulk loads on the BatchLoader's, renames of stored papers
# on the reading side (adopt_stored_identities). Oxigraph's bulk loader is not made to run
# beside a transaction, so they take turns.
_WRITING = threading.Lock()
_TEXT_KEYS = (ox.NamedNode(str(KG.titleKey)), ox.NamedNode(str(KG.abstractKey)))


# ------------------------------------------------------------------------ identities


def has_keyed_papers(store: ox.Store) -> bool:
    """Whether any stored paper can lend its identity (a first build skips the lookups)."""
    return any(next(store.quads_for_pattern(None, key, None, None), None) for key in _TEXT_KEYS)


def adopt_stored_identities(
    store: ox.Store, batch: Sequence[PaperRecord], base: str
) -> list[PaperRecord]:
    """Return the batch with ids adopted from matching stored papers (renaming those that
    were minted from a title when the batch brings their arXiv id)."""
    wanted = {key for record in batch for key in text_keys(record)}
    if not wanted:
        return list(batch)
    values = " ".join(str(ox.Literal(key)) for key in sorted(wanted))
    title_key, abstract_key = _TEXT_KEYS
    rows = select(
        store,
        f"SELECT ?paper ?key ?arxiv WHERE {{ VALUES ?key {{ {values} }} "
        f"{{ ?paper {title_key} ?key }} UNION {{ ?paper {abstract_key} ?key }} "
        f"OPTIONAL {{ ?paper {ox.NamedNode(str(KG.arxivId))} ?arxiv }} }}"
    )
    stored: dict[str, list[tuple[str, str | None]]] = {}
    for row in rows:
        arxiv = row["arxiv"].value if row["arxiv"] is not None else None
        stored.setdefault(row["key"].value, []).append((row["paper"].value, arxiv))
    if not stored:
        return list(batch)
    adopted = []
    for record in batch:
        matches = [m for key in text_keys(record) for m in stored.get(key, ())]
        if not record.arxiv:
            ids = sorted({arxiv for _, arxiv in matches if arxiv})
            if len(ids) == 1:  # ambiguous matches are left alone rather than guessed
                record = replace(record, arxiv=ids[0])
        else:
            ours = base + paper_path(record)
            for paper, arxiv in matches:
                if arxiv is None and paper != ours:
                    rename_paper(store, paper, ours)
        adopted.append(record)
    return adopted


def rename_paper(store: ox.Store, old: str, new: str) -> None:
    """Move a paper and the nodes minted under its IRI (roles, sources, mentions) to `new`.

    Nodes under the paper keep their suffixes, so the result equals a build that knew the
    new identity from the start. One SPARQL update, so the move is atomic.
    """
    prefix = owned_prefix(old)

    Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

    def moved(term: Term) -> Term:
        if isinstance(term, ox.NamedNode) and (term.value == old or term.value.startswith(prefix)):
            return ox.NamedNode(new + term.value[len(old):])
        return term

    owned = f"FILTER(?x = {ox.NamedNode(old)} || STRSTARTS(STR(?x), {ox.Literal(prefix)}))"
    quads = {
        ox.Quad(s, p, o, ox.DefaultGraph())
        for query in (f"SELECT ?x ?p ?o WHERE {{ ?x ?p ?o {owned} }}",
                      f"SELECT ?s ?p ?x WHERE {{ ?s ?p ?x {owned} }}")
        for s, p, o in (tuple(row) for row in select(store, query))
    }
    if not quads:
        return
    delete = " ".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    insert = " ".join(f"{moved(q.subject)} {q.predicate} {moved(q.object)} ." for q in quads)
    with _WRITING:  # not while a BatchLoader's bulk load is going on
        store.update(f"DELETE DATA {{ {delete} }} ; INSERT DATA {{ {insert} }}")


# ---------------------------------------------------------------------------- loading


def load_batch(store: ox.Store, result: BatchResult, bulk_limit: int = BULK_LIMIT) -> int:
    """Load one batch atomically; returns how many of its papers conflicted with stored ones.

    A batch of new papers goes through the bulk loader when it has fewer than `bulk_limit`
    quads, else through one transaction; a batch with stored papers keeps their stored
    single values (see the module docstring).
    """
    stored = _stored_values(store, result.papers) if _any_stored(store, result.papers) else {}
    if not stored:
        try:
            if result.nquads.count(b"\n") < bulk_limit:
                # The bulk loader writes SST files directly: several times faster than a
                # transactional load (measured in bench/throughput.py), and still atomic here.
                store.bulk_load(result.nquads, format=ox.RdfFormat.N_QUADS)
            else:
                store.load(result.nquads, format=ox.RdfFormat.N_QUADS)
        except OSError as exc:
            raise StoreError(f"writing to the store failed: {first_line(exc)}") from None
        return 0
    quads = list(ox.parse(result.nquads, format=ox.RdfFormat.N_QUADS))
    kept, conflicts = keep_stored_values(stored, quads)
    add_batch(store, keep_stored_assertions(store, kept))
    return conflicts


class BatchLoader:
    """Loads a build's batches in order: batches of new papers are bulk-loaded together, in
    groups of up to `group_quads` quads (each group all or nothing), and a batch holding a
    stored paper goes through `load_batch` after the group before it has landed.

    A full group is loaded on a thread of its own while the build goes on reading (Oxigraph
    releases the GIL while it loads): the build's process would otherwise leave its
    extraction workers waiting for the next batch during every load. One load runs at a
    time, in order; its error is raised by the next call. `flush()` loads what is waiting
    and returns once everything has landed; `close()` waits for a load in flight without
    raising (for a build that stops early).

    Papers do not repeat across the batches of one build (the identity pass merged them);
    if one does, the group holding it is loaded first. Call `flush()` at the end.
    `lenient` skips the loader's IRI validation, for quads the mapper wrote itself.
    """

    def __init__(self, store: ox.Store, group_quads: int = GROUP_QUADS,
                 lenient: bool = False) -> None:
        self.store = store
        self.group_quads = group_quads
        self.lenient = lenient
        self._pending: list[bytes] = []
        self._papers: set[str] = set()
        self._quads = 0
        self._loading: threading.Thread | None = None
        self._loading_papers: set[str] = set()
        self._failure: BaseException | None = None

    def add(self, result: BatchResult) -> int:
        """Take one batch; returns how many of its papers conflicted with stored ones."""
        if not (self._papers.isdisjoint(result.papers)
                and self._loading_papers.isdisjoint(result.papers)):
            self.flush()
        if _any_stored(self.store, result.papers):
            self.flush()
            return load_batch(self.store, result)
        self._pending.append(result.nquads)
        self._papers.update(result.papers)
        self._quads += result.nquads.count(b"\n")
        if self._quads >= self.group_quads:
            self._start_load()
        return 0

    def flush(self) -> None:
        """Load the waiting group; return once every group has landed."""
        self._start_load()
        self._wait()

    def close(self) -> None:
        """Wait for a load in flight, keeping quiet about its failure (the build is being
        stopped by another error already)."""
        if self._loading is not None:
            self._loading.join()
            self._loading = None

    def _start_load(self) -> None:
        self._wait()  # one load at a time, in order
        if not self._pending:
            return
        data, quads = b"".join(self._pending), self._quads
        self._loading_papers = self._papers
        self._pending, self._papers, self._quads = [], set(), 0
        self._loading = threading.Thread(target=self._load_reporting, args=(data, quads),
                                         name="kg-bulk-load")
        self._loading.start()

    def _wait(self) -> None:
        self.close()
        self._loading_papers = set()
        failure, self._failure = self._failure, None
        if failure is not None:
            raise failure

    def _load_reporting(self, data: bytes, quads: int) -> None:
        try:
            self._load(data, quads)
        except BaseException as exc:  # raised in the build's thread by the next call
            self._failure = exc

    def _load(self, data: bytes, quads: int) -> None:
        try:
            with _WRITING:
                if quads < BULK_LIMIT:
                    self.store.bulk_load(data, format=ox.RdfFormat.N_QUADS, lenient=self.lenient)
                else:
                    self.store.load(data, format=ox.RdfFormat.N_QUADS, lenient=self.lenient)
        except OSError as exc:
            raise StoreError(f"writing to the store failed: {first_line(exc)}") from None


def keep_stored_assertions(store: ox.Store, quads: list[ox.Quad]) -> list[ox.Quad]:
    """Leave out what the quads say about assertions the store already holds: a stored
    assertion keeps its one role, confidence and run (a later extraction of the same paper
    does not add a second set). Mentions pointing to it and links are kept."""
    assertions, _ = provenance_in(quads)
    stored = {a.node for a in assertions
              if next(store.quads_for_pattern(ox.NamedNode(a.node), _A, None, None), None)}
    if not stored:
        return quads
    return [q for q in quads if term_value(q.subject) not in stored]


def _any_stored(store: ox.Store, papers: Sequence[str]) -> bool:
    # One index lookup per paper; the conflict query only runs when one is already there.
    return any(next(store.quads_for_pattern(ox.NamedNode(iri), _A, None, None), None)
               for iri in papers)


def _stored_values(store: ox.Store, papers: Sequence[str]) -> dict[tuple[str, str], set[str]]:
    """Single-valued properties the store already holds for these papers."""
    iris = " ".join(str(ox.NamedNode(iri)) for iri in papers)
    preds = " ".join(str(ox.NamedNode(p)) for p in SINGLE_VALUED)
    stored: dict[tuple[str, str], set[str]] = {}
    query = f"SELECT * {{ VALUES ?p {{ {iris} }} VALUES ?pred {{ {preds} }} ?p ?pred ?o }}"
    for row in select(store, query):
        stored.setdefault((row["p"].value, row["pred"].value), set()).add(row["o"].value)
    return stored


def keep_stored_values(
    stored: dict[tuple[str, str], set[str]], quads: list[ox.Quad]
) -> tuple[list[ox.Quad], int]:
    """Drop new single values that contradict stored ones, and the mentions counted in the
    dropped text; return the quads to add and how many papers conflicted."""
    replaced: dict[str, set[str | None]] = {}
    kept = []
    for quad in quads:
        values = stored.get((term_value(quad.subject), quad.predicate.value))
        if values and term_value(quad.object) not in values:
            replaced.setdefault(term_value(quad.subject), set()).add(
                SINGLE_VALUED[quad.predicate.value])
            continue
        kept.append(quad)
    fields = {paper: {name for name in names if name} for paper, names in replaced.items()}
    if any(fields.values()):
        kept = _drop_mentions_in(kept, fields)
    return kept, len(replaced)


def _drop_mentions_in(quads: list[ox.Quad], fields: dict[str, set[str]]) -> list[ox.Quad]:
    """Remove mentions whose offsets count in a title or abstract that was not stored, the
    assertions left without a mention and the links left without an assertion."""
    assertions, occurrences = provenance_in(quads)
    paper_of = {a.node: a.paper for a in assertions}
    doomed = {o.node for o in occurrences
              if o.field in fields.get(paper_of.get(o.assertion, ""), ())}
    if not doomed:
        return quads
    supported = {o.assertion for o in occurrences if o.node not in doomed}
    doomed |= {a.node for a in assertions if a.node not in supported}
    roles: dict[tuple[str, str], set[str]] = {}
    for a in assertions:
        if a.node in supported:
            roles.setdefault((a.paper, a.entity), set()).add(a.role)

    def unsupported_link(q: ox.Quad) -> bool:
        if q.predicate.value not in LINK_PROPERTIES:
            return False
        held = roles.get((term_value(q.subject), term_value(q.object)), ())
        return not any(link_holds(q.predicate.value, role) for role in held)

    return [q for q in quads if term_value(q.subject) not in doomed and not unsupported_link(q)]
