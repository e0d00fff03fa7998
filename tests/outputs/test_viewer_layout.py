"""kg.outputs.layout: deterministic positions that spread nodes out instead of piling them up."""

from __future__ import annotations

import math
import random

import networkx as nx
import numpy as np

from kg.outputs.layout import layout


def _bipartite(n_papers: int, n_entities: int, n_edges: int, seed: int = 3) -> nx.Graph:
    rnd = random.Random(seed)
    graph = nx.Graph()
    while graph.number_of_edges() < n_edges:
        entity = int(rnd.paretovariate(1.2)) % n_entities
        graph.add_edge(f"p{rnd.randrange(n_papers)}", f"e{entity}")
    return graph


def test_every_node_gets_a_distinct_finite_position() -> None:
    graph = _bipartite(700, 300, 2500)
    pos = layout(graph)
    assert set(pos) == set(graph)
    points = np.array(list(pos.values()))
    assert np.isfinite(points).all()
    assert len({tuple(p) for p in points}) == len(points)


def test_large_graph_is_spread_not_a_ring() -> None:
    graph = _bipartite(700, 300, 2500)
    points = np.array(list(layout(graph, spacing=1.0).values()))
    radius = np.linalg.norm(points - points.mean(axis=0), axis=1)
    # A ring puts nearly everyone at the same radius; a placed graph fills the disc.
    assert radius.std() / radius.mean() > 0.3
    # About one node per unit of area or sparser: nodes are not piled in one spot.
    area = np.ptp(points[:, 0]) * np.ptp(points[:, 1])
    assert area >= 0.5 * len(points)


def test_neighbours_are_closer_than_strangers() -> None:
    graph = _bipartite(700, 300, 2500)
    pos = layout(graph)
    nodes = list(graph)
    edge = np.mean([math.dist(pos[a], pos[b]) for a, b in graph.edges()])
    rnd = random.Random(5)
    pairs = [(rnd.choice(nodes), rnd.choice(nodes)) for _ in range(2000)]
    stranger = np.mean([math.dist(pos[a], pos[b]) for a, b in pairs])
    assert edge < 0.6 * stranger


def test_deterministic_and_handles_components() -> None:
    graph = nx.disjoint_union_all([nx.star_graph(5), nx.path_graph(2), nx.empty_graph(3)])
    assert layout(graph) == layout(graph)
    assert len(set(layout(graph).values())) == graph.number_of_nodes()
    assert layout(nx.Graph()) == {}
