"""Counts of what the store holds (`kg stats`)."""

from __future__ import annotations

import pyoxigraph as ox

from kg.graph import used_link
from kg.ontology import SPARQL_PREFIXES
from kg.store import select

_COUNTS = {
    "papers": "?x a schema:ScholarlyArticle",
    "people": "?x a schema:Person",
    "organizations": "?x a schema:Organization",
    **{plural: f"?p {ox.NamedNode(used_link(kind))} ?x"
       for kind, plural in (("model", "models"), ("dataset", "datasets"),
                            ("modality", "modalities"), ("task", "tasks"))},
    "link_assertions": "?x a kg:LinkAssertion",
    "mentions": "?x kg:supports ?assertion",
    "code_repositories": "?x a schema:SoftwareSourceCode",
}


def store_stats(store: ox.Store) -> dict[str, int]:
    """Distinct papers, people, entities in use, mentions and triples.

    Models, datasets, modalities and tasks count those some paper links to, not every
    vocabulary entry the store knows.
    """
    selects = " ".join(f"?{name}" for name in _COUNTS)
    parts = " ".join(
        f"{{ SELECT (COUNT(DISTINCT ?x) AS ?{name}) WHERE {{ {pattern} }} }}"
        for name, pattern in _COUNTS.items()
    )
    row = next(iter(select(store, f"{SPARQL_PREFIXES} SELECT {selects} WHERE {{ {parts} }}")))
    stats = {name: int(row[name].value) for name in _COUNTS}
    stats["triples"] = int(
        next(iter(select(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value
    )
    return stats
