"""A networkx projection of the stored graph: papers and the things they link to, as one network.

The store holds much more than a picture needs (roles, mention nodes, sources, runs). The
projection keeps six node types - papers, authors, models, datasets, modalities, tasks - with
an edge from each paper to each of its authors and entities, and carries the metadata the
viewer's hover cards and the GraphML/GEXF exports show. Selection (types, focus, min degree,
max nodes, since) happens here, and every reduction is recorded in `graph.graph["omitted"]`,
so whoever draws or exports the result can say what was left out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import combinations
from typing import Any

import networkx as nx
import pyoxigraph as ox

from kg import DEFAULT_BASE
from kg.errors import ProjectionError
from kg.graph import LINK_PROPERTIES
from kg.ontology import SPARQL_PREFIXES
from kg.store import select

NODE_TYPES: tuple[str, ...] = ("paper", "author", "model", "dataset", "modality", "task")


def _relation(kind: str, role: str) -> str:
    # Models and datasets are used or proposed; a paper's modalities and tasks just are.
    if kind in ("model", "dataset"):
        return "proposes" if role == "proposed" else "uses"
    return kind


# Paper -> entity properties: the entity type each implies and the edge relation it gives.
# A proposing paper also carries the "uses" triple; "proposes" wins for the edge.
_LINKS: dict[str, tuple[str, str]] = {
    prop: (kind, _relation(kind, role)) for prop, (kind, role) in LINK_PROPERTIES.items()
}


def project(
    store: ox.Store,
    *,
    types: Iterable[str] | None = None,
    focus: str | None = None,
    depth: int = 1,
    min_degree: int = 0,
    max_nodes: int | None = None,
    since: int | str | None = None,
    base: str = DEFAULT_BASE,
) -> nx.Graph:
    """Project the store into an undirected networkx graph and reduce it to a selection.

    Nodes are IRIs with attributes `label`, `type` (one of NODE_TYPES), `aliases`, `papers`
    (number of papers linked, before selection) and, after selection, `degree`. Papers also
    carry `title`, `date`, `authors`, `arxiv`, `doi`, `url`, `links` (arXiv/DOI/URL pages) and
    `code`. Edges carry `relation` ("author", "uses", "proposes", "modality", "task", or
    "co-occurs" when papers are not among `types`) and `weight`.

    Selection, in this order: `since` (papers dated from that year or ISO date on; undated
    papers go too), `types` (without "paper", the remaining types are linked by the papers
    they share, `weight` counting them), `focus` (IRI, base-relative IRI, label, alias or arXiv
    id) with its neighbourhood to `depth` hops, `min_degree`, `max_nodes` (entities shared by
    two or more papers first, then papers, other entities and authors; most connected first).
    `graph.graph["selection"]` and `graph.graph["omitted"]` record what was asked and dropped.
    """
    wanted = _check_types(types)
    if depth < 0:
        raise ProjectionError(f"depth must be 0 or more, not {depth}")
    if min_degree < 0:
        raise ProjectionError(f"min degree must be 0 or more, not {min_degree}")
    if max_nodes is not None and max_nodes < 1:
        raise ProjectionError(f"max nodes must be at least 1, not {max_nodes}")
    since_key = _since_key(since)

    full = full_graph(store)
    omitted = _Omissions(full)
    graph: nx.Graph = full

    if since_key is not None:
        graph = _apply_since(graph, since_key)
        omitted.step("since", graph)
    if set(wanted) != set(NODE_TYPES):
        graph = _apply_types(graph, wanted)
        omitted.step("types", graph)
    focus_node = None
    if focus is not None:
        focus_node = find_node(graph, focus, base=base)
        graph = nx.ego_graph(graph, focus_node, radius=depth).copy()
        omitted.step("focus", graph)
    if min_degree:
        keep = [n for n, d in graph.degree() if d >= min_degree or n == focus_node]
        graph = graph.subgraph(keep).copy()
        omitted.step("min_degree", graph)
    if max_nodes is not None and graph.number_of_nodes() > max_nodes:
        graph = graph.subgraph(_most_connected(graph, max_nodes, focus_node)).copy()
        omitted.step("max_nodes", graph)

    for node, degree in graph.degree():
        graph.nodes[node]["degree"] = degree
    graph.graph["selection"] = {
        "types": list(wanted),
        "focus": focus,
        "focus_node": focus_node,
        "depth": depth,
        "min_degree": min_degree,
        "max_nodes": max_nodes,
        "since": since_key,
    }
    graph.graph["omitted"] = omitted.record(graph)
    return graph


def full_graph(store: ox.Store) -> nx.Graph:
    """Every paper with its authors and linked entities, without any selection."""
    graph = nx.Graph()
    _add_papers(store, graph)
    _add_authors(store, graph)
    _add_code(store, graph)
    _add_entities(store, graph)
    for node, data in graph.nodes(data=True):
        if data["type"] != "paper":
            data["papers"] = graph.degree(node)
    return graph


def find_node(graph: nx.Graph, focus: str, *, base: str = DEFAULT_BASE) -> str:
    """The node `focus` names: an IRI, an IRI relative to `base`, a label, alias or arXiv id.

    Labels and aliases match without regard to case; when several nodes share one, the most
    connected wins (ties by IRI), so the answer is stable.
    """
    for candidate in (focus, base + focus.lstrip("/")):
        if candidate in graph:
            return candidate
    wanted = focus.strip().casefold()
    matches = [
        node
        for node, data in graph.nodes(data=True)
        if data["label"].casefold() == wanted
        or any(alias.casefold() == wanted for alias in data.get("aliases", ()))
        or (data.get("arxiv") or "").casefold() == wanted
    ]
    if not matches:
        raise ProjectionError(f"no node named {focus!r} in the selected graph")
    return min(matches, key=lambda node: (-graph.degree(node), node))


def omitted_summary(graph: nx.Graph) -> str | None:
    """One sentence saying what the selection left out, or None when nothing was."""
    record = graph.graph.get("omitted") or {}
    if not record.get("nodes"):
        return None
    by_type = ", ".join(
        f"{count:,} {kind if count == 1 else _PLURALS[kind]}"
        for kind, count in record["by_type"].items()
    )
    steps = ", ".join(f"{_STEP_NAMES[s['step']]}: {s['nodes']:,}" for s in record["steps"])
    return (
        f"Showing {graph.number_of_nodes():,} of {record['total_nodes']:,} nodes and "
        f"{graph.number_of_edges():,} of {record['total_edges']:,} edges. "
        f"Left out {record['nodes']:,} nodes ({by_type}) by {steps}."
    )


_PLURALS = {
    "paper": "papers",
    "author": "authors",
    "model": "models",
    "dataset": "datasets",
    "modality": "modalities",
    "task": "tasks",
}
_STEP_NAMES = {
    "since": "date",
    "types": "type",
    "focus": "distance from the focus",
    "min_degree": "minimum degree",
    "max_nodes": "node limit",
}


# --- reading the store ------------------------------------------------------------------


def _rows(store: ox.Store, query: str) -> Iterable[ox.QuerySolution]:
    return select(store, SPARQL_PREFIXES + query)


def _text(term: Any) -> str | None:
    return None if term is None else str(term.value)


def _add_papers(store: ox.Store, graph: nx.Graph) -> None:
    fields = {
        "title": "schema:name",
        "date": "schema:datePublished",
        "arxiv": "kg:arxivId",
        "doi": "bibo:doi",
        "pmid": "bibo:pmid",
        "url": "schema:url",
    }
    for row in _rows(store, "SELECT ?p WHERE { ?p a schema:ScholarlyArticle }"):
        iri = row["p"].value
        graph.add_node(iri, type="paper", **{key: None for key in fields})
    # One query per property keeps multi-valued properties from multiplying rows.
    for key, prop in fields.items():
        query = f"SELECT ?p ?v WHERE {{ ?p a schema:ScholarlyArticle ; {prop} ?v }}"
        for row in _rows(store, query):
            data = graph.nodes[row["p"].value]
            value = _text(row["v"])
            # Merged records may carry two values; keep the smallest so output is stable.
            if value is not None and (data[key] is None or value < data[key]):
                data[key] = value
    for iri, data in graph.nodes(data=True):
        data["label"] = data["title"] or iri.rsplit("/", 1)[-1]
        data["aliases"] = [a for a in (data["arxiv"], data["doi"]) if a]
        data["links"] = _paper_links(data)
        data["authors"] = []
        data["code"] = []


def _paper_links(data: dict[str, Any]) -> dict[str, str]:
    links: dict[str, str] = {}
    if data["arxiv"]:
        links["arXiv"] = f"https://arxiv.org/abs/{data['arxiv']}"
    if data["doi"]:
        links["DOI"] = f"https://doi.org/{data['doi']}"
    if data["pmid"]:
        links["PubMed"] = f"https://pubmed.ncbi.nlm.nih.gov/{data['pmid']}/"
    if data["url"] and data["url"] not in links.values():
        links["page"] = data["url"]
    return links


def _add_authors(store: ox.Store, graph: nx.Graph) -> None:
    names: dict[str, set[str]] = defaultdict(set)
    by_paper: dict[str, list[tuple[int, str]]] = defaultdict(list)
    query = """
    SELECT ?p ?pos ?a ?name WHERE {
      ?p a schema:ScholarlyArticle ; schema:author ?r .
      ?r schema:author ?a .
      OPTIONAL { ?r schema:position ?pos }
      OPTIONAL { ?a schema:name ?name }
    }"""
    for row in _rows(store, query):
        paper, author = row["p"].value, row["a"].value
        position = int(row["pos"].value) if row["pos"] is not None else 10**6
        by_paper[paper].append((position, author))
        if row["name"] is not None:
            names[author].add(row["name"].value)
    for author in {a for pairs in by_paper.values() for _, a in pairs}:
        # The longest written form is the most complete ("Dong Ma" over "D. Ma").
        forms = sorted(names.get(author, ()), key=lambda n: (-len(n), n))
        label = forms[0] if forms else author.rsplit("/", 1)[-1]
        graph.add_node(author, type="author", label=label, aliases=forms[1:])
    for paper, pairs in by_paper.items():
        ordered = sorted(set(pairs))
        seen: list[str] = []
        for position, author in ordered:
            if author not in seen:
                seen.append(author)
                graph.add_edge(paper, author, relation="author", weight=1, position=position)
        graph.nodes[paper]["authors"] = [graph.nodes[a]["label"] for a in seen]


def _add_code(store: ox.Store, graph: nx.Graph) -> None:
    query = "SELECT ?p ?u WHERE { ?p kg:releasesCode ?c . ?c schema:codeRepository ?u }"
    for row in _rows(store, query):
        paper = row["p"].value
        if paper in graph:
            graph.nodes[paper]["code"] = sorted({*graph.nodes[paper]["code"], row["u"].value})


def _add_entities(store: ox.Store, graph: nx.Graph) -> None:
    values = " ".join(f"<{iri}>" for iri in _LINKS)
    query = f"""SELECT ?p ?rel ?e WHERE {{
      VALUES ?rel {{ {values} }}
      ?p a schema:ScholarlyArticle ; ?rel ?e .
    }}"""
    links: dict[tuple[str, str], str] = {}
    kinds: dict[str, str] = {}
    for row in _rows(store, query):
        paper, entity = row["p"].value, row["e"].value
        kind, relation = _LINKS[row["rel"].value]
        kinds[entity] = kind
        if links.get((paper, entity)) != "proposes":
            links[(paper, entity)] = relation
    labels = _labels(store)
    for entity, kind in kinds.items():
        if entity in graph:  # an IRI that is both a paper and an entity stays a paper
            continue
        pref, alts, notations = labels.get(entity, (None, [], []))
        label = pref or entity.rsplit("/", 1)[-1]
        aliases = sorted({a for a in alts if a != label}, key=lambda a: (a.casefold(), a))
        graph.add_node(entity, type=kind, label=label, aliases=aliases)
        if notations:
            graph.nodes[entity]["notation"] = ", ".join(sorted(notations))
    for (paper, entity), relation in links.items():
        if paper != entity:
            graph.add_edge(paper, entity, relation=relation, weight=1)


def _labels(store: ox.Store) -> dict[str, tuple[str | None, list[str], list[str]]]:
    """Preferred label, alternative labels and notations of every labelled node."""
    pref: dict[str, list[tuple[int, str]]] = defaultdict(list)
    alts: dict[str, list[str]] = defaultdict(list)
    notations: dict[str, list[str]] = defaultdict(list)
    query = """SELECT ?e ?kind ?l WHERE {
      { ?e rdfs:label ?l BIND("pref" AS ?kind) }
      UNION { ?e skos:prefLabel ?l BIND("pref" AS ?kind) }
      UNION { ?e skos:altLabel ?l BIND("alt" AS ?kind) }
      UNION { ?e skos:notation ?l BIND("notation" AS ?kind) }
      FILTER(isIRI(?e))
    }"""
    for row in _rows(store, query):
        entity, kind, literal = row["e"].value, row["kind"].value, row["l"]
        if kind == "pref":
            # English or untagged labels first; the rest only when nothing better exists.
            rank = 0 if getattr(literal, "language", None) in (None, "en") else 1
            pref[entity].append((rank, literal.value))
        elif kind == "alt":
            alts[entity].append(literal.value)
        else:
            notations[entity].append(literal.value)
    result: dict[str, tuple[str | None, list[str], list[str]]] = {}
    for entity in {*pref, *alts, *notations}:
        ranked = sorted(pref.get(entity, ()))
        result[entity] = (
            ranked[0][1] if ranked else None,
            [label for _, label in ranked[1:]] + alts.get(entity, []),
            notations.get(entity, []),
        )
    return result


# --- selection --------------------------------------------------------------------------


def _check_types(types: Iterable[str] | None) -> tuple[str, ...]:
    if types is None:
        return NODE_TYPES
    wanted = [t.strip().lower() for t in types if t.strip()]
    unknown = sorted(set(wanted) - set(NODE_TYPES))
    if unknown:
        raise ProjectionError(
            f"unknown node type {', '.join(unknown)} (choose from {', '.join(NODE_TYPES)})"
        )
    if not wanted:
        raise ProjectionError("no node types selected")
    return tuple(t for t in NODE_TYPES if t in wanted)


def _since_key(since: int | str | None) -> str | None:
    if since is None:
        return None
    key = str(since).strip()
    parts = key.split("-")
    if not (1 <= len(parts) <= 3 and all(p.isdigit() for p in parts) and len(parts[0]) == 4):
        raise ProjectionError(f"since must be a year or ISO date (YYYY[-MM[-DD]]), not {since!r}")
    return key


def _apply_since(graph: nx.Graph, since: str) -> nx.Graph:
    # Dates compare as strings at the precision of `since`; an undated paper cannot qualify.
    papers = [
        n
        for n, d in graph.nodes(data=True)
        if d["type"] == "paper" and d.get("date") and d["date"][: len(since)] >= since
    ]
    keep = set(papers)
    for paper in papers:
        keep.update(graph.neighbors(paper))
    return graph.subgraph(keep).copy()


def _apply_types(graph: nx.Graph, wanted: tuple[str, ...]) -> nx.Graph:
    keep = [n for n, d in graph.nodes(data=True) if d["type"] in wanted]
    if "paper" in wanted:
        return graph.subgraph(keep).copy()
    # Without papers there are no direct edges; link what papers share instead.
    projected = nx.Graph()
    projected.add_nodes_from((n, graph.nodes[n]) for n in keep)
    shared: Counter[tuple[str, str]] = Counter()
    for node, data in graph.nodes(data=True):
        if data["type"] != "paper":
            continue
        kept = sorted(m for m in graph.neighbors(node) if m in projected)
        shared.update(combinations(kept, 2))
    for (a, b), count in shared.items():
        projected.add_edge(a, b, relation="co-occurs", weight=count)
    return projected


# What a picture of the field keeps first when it must be cut: the focus, then modalities,
# tasks, datasets and models shared by two or more papers, then papers (those linking the
# most entities first), then the remaining entities, then authors, who are the most numerous
# and say the least about the field (1,008 MICCAI papers have 3,066 authors).
_ENTITY_TYPES = frozenset({"modality", "task", "dataset", "model"})


def _most_connected(graph: nx.Graph, limit: int, focus: str | None) -> list[str]:
    def rank(item: tuple[str, int]) -> tuple[int, int, str, str]:
        node, degree = item
        kind = graph.nodes[node]["type"]
        if node == focus:
            tier = 0
        elif kind in _ENTITY_TYPES:
            tier = 1 if degree >= 2 else 3
        elif kind == "paper":
            tier = 2
            degree = sum(1 for m in graph.neighbors(node)
                         if graph.nodes[m]["type"] in _ENTITY_TYPES)
        else:
            tier = 4
        # Ties by name, so models and datasets of one degree take turns rather than all the
        # models going first.
        return (tier, -degree, graph.nodes[node]["label"].casefold(), node)

    ranked = sorted(graph.degree(), key=rank)
    return [node for node, _ in ranked[:limit]]


class _Omissions:
    """Counts what each selection step removed, for the record the viewer shows."""

    def __init__(self, full: nx.Graph) -> None:
        self.full = full
        self.before = full.number_of_nodes()
        self.steps: list[dict[str, Any]] = []

    def step(self, name: str, graph: nx.Graph) -> None:
        removed = self.before - graph.number_of_nodes()
        self.before = graph.number_of_nodes()
        if removed > 0:
            self.steps.append({"step": name, "nodes": removed})

    def record(self, graph: nx.Graph) -> dict[str, Any]:
        left_out = Counter(
            data["type"] for node, data in self.full.nodes(data=True) if node not in graph
        )
        return {
            "total_nodes": self.full.number_of_nodes(),
            "total_edges": self.full.number_of_edges(),
            "nodes": sum(left_out.values()),
            "edges": max(self.full.number_of_edges() - graph.number_of_edges(), 0),
            "by_type": {kind: left_out[kind] for kind in NODE_TYPES if left_out[kind]},
            "steps": self.steps,
        }
