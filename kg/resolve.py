"""Recognise papers already in the store that a new listing gives under another identity.

Within one build the identity pass of kg.pipeline merges every record of a paper. Across
builds the store is the only memory: a record without an arXiv id whose title or abstract
opening matches a stored paper adopts that paper's id, and a stored paper that was minted
from its title is renamed when a later listing brings its arXiv id. Either way the paper
stays one node.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pyoxigraph as ox

from kg.identity import paper_path, text_keys
from kg.records import PaperRecord

_KG = "https://w3id.org/medimg-kg/ontology#"


def adopt_stored_identities(
    store: ox.Store, batch: Sequence[PaperRecord], base: str
) -> list[PaperRecord]:
    """Return the batch with ids adopted from matching stored papers (renaming those that
    were minted from a title when the batch brings their arXiv id)."""
    wanted = {key for record in batch for key in text_keys(record)}
    if not wanted:
        return list(batch)
    values = " ".join(str(ox.Literal(key)) for key in sorted(wanted))
    rows = store.query(
        f"SELECT ?paper ?key ?arxiv WHERE {{ VALUES ?key {{ {values} }} "
        f"{{ ?paper <{_KG}titleKey> ?key }} UNION {{ ?paper <{_KG}abstractKey> ?key }} "
        f"OPTIONAL {{ ?paper <{_KG}arxivId> ?arxiv }} }}"
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
    prefix = old + "/"

    def moved(term):
        if isinstance(term, ox.NamedNode) and (term.value == old or term.value.startswith(prefix)):
            return ox.NamedNode(new + term.value[len(old):])
        return term

    owned = f"FILTER(?x = {ox.NamedNode(old)} || STRSTARTS(STR(?x), {ox.Literal(prefix)}))"
    quads = {
        ox.Quad(q[0], q[1], q[2], ox.DefaultGraph())
        for query in (f"SELECT ?x ?p ?o WHERE {{ ?x ?p ?o {owned} }}",
                      f"SELECT ?s ?p ?x WHERE {{ ?s ?p ?x {owned} }}")
        for q in (tuple(row) for row in store.query(query))
    }
    if not quads:
        return
    delete = " ".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    insert = " ".join(f"{moved(q.subject)} {q.predicate} {moved(q.object)} ." for q in quads)
    store.update(f"DELETE DATA {{ {delete} }} ; INSERT DATA {{ {insert} }}")
