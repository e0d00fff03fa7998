"""Node positions computed in Python, so the browser draws a placed graph instead of simulating one.

Small components use networkx's spring layout. Large ones (networkx's own force layouts are
dense O(n^2) in memory without scipy, which we do not depend on) start from pivot MDS over
breadth-first distances, which gets the global shape right, then run a few Fruchterman-Reingold
rounds with approximate repulsion: a random sample for the far field and same-cell neighbours
on a grid for the near field. Components are then packed side by side, largest first.
Positions are deterministic for a given graph and seed.
"""

from __future__ import annotations

import math
from collections.abc import Hashable

import networkx as nx
import numpy as np

# Up to this size networkx's dense spring layout is fast enough (well under a second).
_SPRING_LIMIT = 400
_PIVOTS = 40
_ROUNDS = 70
_SAMPLE = 200
_CELL_NEIGHBOURS = 12


def layout(
    graph: nx.Graph, *, seed: int = 7, spacing: float = 70.0
) -> dict[Hashable, tuple[float, float]]:
    """x/y for every node, in pixels, with neighbours about `spacing` apart."""
    rng = np.random.default_rng(seed)
    nodes = sorted(graph.nodes, key=str)
    index = {node: i for i, node in enumerate(nodes)}
    edges = np.array([(index[a], index[b]) for a, b in graph.edges()], dtype=np.int64)
    edges = edges.reshape(-1, 2)
    components = sorted(
        (sorted(c, key=index.__getitem__) for c in nx.connected_components(graph)),
        key=lambda c: (-len(c), index[c[0]]),
    )
    label = np.zeros(len(nodes), dtype=np.int64)
    for number, members in enumerate(components):
        label[[index[m] for m in members]] = number
    edge_label = label[edges[:, 0]] if len(edges) else np.zeros(0, dtype=np.int64)
    placed: list[tuple[list[Hashable], np.ndarray]] = []
    for number, members in enumerate(components):
        if len(members) <= 2:
            placed.append((members, _tiny(len(members))))
            continue
        local = np.full(len(nodes), -1, dtype=np.int64)
        local[[index[m] for m in members]] = np.arange(len(members))
        own = local[edges[edge_label == number]]
        placed.append((members, _component(graph, members, own, rng, seed)))
    return {
        node: (round(float(x) * spacing, 1), round(float(y) * spacing, 1))
        for node, (x, y) in _pack(placed).items()
    }


def _tiny(n: int) -> np.ndarray:
    return np.zeros((1, 2)) if n == 1 else np.array([[-0.5, 0.0], [0.5, 0.0]])


def _component(
    graph: nx.Graph,
    members: list[Hashable],
    edges: np.ndarray,
    rng: np.random.Generator,
    seed: int,
) -> np.ndarray:
    """Positions with edges about one unit long, centred on the origin."""
    if len(members) <= _SPRING_LIMIT:
        pos = nx.spring_layout(graph.subgraph(members), seed=seed, iterations=80)
        coords = np.array([pos[node] for node in members], dtype=float)
    else:
        coords = _large(edges, len(members), rng)
    coords = coords - coords.mean(axis=0)
    lengths = np.linalg.norm(coords[edges[:, 0]] - coords[edges[:, 1]], axis=1)
    by_edges = 1.0 / max(float(np.median(lengths)), 1e-9)
    # Hubs pull dense graphs into a ball with short edges; spread those to about one node
    # per unit of area (a disc of n units has an RMS radius of sqrt(n / 2 pi)).
    rms = math.sqrt(float((coords**2).sum(axis=1).mean())) or 1.0
    by_area = math.sqrt(len(members) / (2 * math.pi)) / rms
    return coords * max(by_edges, by_area)


def _large(edges: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    pos = _pivot_mds(edges, n)
    # Nodes with equal distances to every pivot (a paper's authors) start in one spot.
    pos = pos / (np.abs(pos).max() or 1.0) * math.sqrt(n)
    pos += rng.normal(scale=0.3, size=pos.shape)
    return _refine(pos, edges, rng)


def _pivot_mds(edges: np.ndarray, n: int) -> np.ndarray:
    indptr, indices = _csr(edges, n)
    k = min(_PIVOTS, n)
    dist = np.zeros((n, k))
    nearest = np.full(n, np.inf)
    pivot = int(np.argmax(np.diff(indptr)))  # start from the best-connected node
    for j in range(k):
        column = _bfs(indptr, indices, pivot)
        dist[:, j] = column
        nearest = np.minimum(nearest, column)
        pivot = int(np.argmax(nearest))  # next pivot: farthest from all pivots so far
    sq = dist**2
    centred = sq - sq.mean(axis=0) - sq.mean(axis=1, keepdims=True) + sq.mean()
    centred *= -0.5
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    return u[:, :2] * s[:2]


def _csr(edges: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Adjacency as compressed rows; BFS over networkx views is ~20x slower."""
    both = np.concatenate([edges, edges[:, ::-1]])
    both = both[np.argsort(both[:, 0], kind="stable")]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(both[:, 0], minlength=n), out=indptr[1:])
    return indptr, both[:, 1].copy()


def _bfs(indptr: np.ndarray, indices: np.ndarray, source: int) -> np.ndarray:
    """Hop distances from `source`, one vectorised step per level."""
    dist = np.full(len(indptr) - 1, -1.0)
    dist[source] = 0.0
    frontier = np.array([source])
    level = 0.0
    while len(frontier):
        level += 1.0
        starts, lengths = indptr[frontier], indptr[frontier + 1] - indptr[frontier]
        total = int(lengths.sum())
        if not total:
            break
        # Concatenate the neighbour ranges of every frontier node without a Python loop.
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        found = np.unique(indices[offsets])
        frontier = found[dist[found] < 0]
        dist[frontier] = level
    dist[dist < 0] = level
    return dist


def _refine(pos: np.ndarray, edges: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Fruchterman-Reingold with ideal edge length 1 and approximate repulsion."""
    n = len(pos)
    src, dst = edges[:, 0], edges[:, 1]
    temperature = math.sqrt(n) * 0.1
    cool = temperature / (_ROUNDS + 1)
    sample_size = min(_SAMPLE, n)
    for round_ in range(_ROUNDS):
        disp = np.zeros_like(pos)
        # Far field: repulsion from a random sample, scaled up to stand for everyone.
        sample = rng.choice(n, size=sample_size, replace=False)
        dx = pos[:, 0, None] - pos[None, sample, 0]
        dy = pos[:, 1, None] - pos[None, sample, 1]
        inverse = 1.0 / (dx * dx + dy * dy + 1e-4)
        weight = (n - 1) / sample_size
        disp[:, 0] += (dx * inverse).sum(axis=1) * weight
        disp[:, 1] += (dy * inverse).sum(axis=1) * weight
        # Near field: repulsion between nodes sharing a grid cell (grid shifts every round).
        disp += _near_repulsion(pos, 0.5 * (round_ % 2))
        # Attraction along edges: d^2 / k towards the neighbour.
        delta = pos[src] - pos[dst]
        length = np.sqrt(np.einsum("ij,ij->i", delta, delta)) + 1e-9
        pull = delta * length[:, None]
        for axis in range(2):
            disp[:, axis] -= np.bincount(src, weights=pull[:, axis], minlength=n)
            disp[:, axis] += np.bincount(dst, weights=pull[:, axis], minlength=n)
        size = np.sqrt(np.einsum("ij,ij->i", disp, disp)) + 1e-9
        pos += disp / size[:, None] * np.minimum(size, temperature)[:, None]
        temperature = max(temperature - cool, 0.02)
    return pos


def _near_repulsion(pos: np.ndarray, shift: float) -> np.ndarray:
    cell = 2.0
    cells = np.floor(pos / cell + shift).astype(np.int64)
    key = cells[:, 0] * 1_000_003 + cells[:, 1]
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    n = len(pos)
    firsts, seconds = [], []
    for offset in range(1, _CELL_NEIGHBOURS + 1):
        same = np.nonzero(sorted_key[:-offset] == sorted_key[offset:])[0]
        if not len(same):
            break
        firsts.append(order[same])
        seconds.append(order[same + offset])
    disp = np.zeros_like(pos)
    if not firsts:
        return disp
    a, b = np.concatenate(firsts), np.concatenate(seconds)
    delta = pos[a] - pos[b]
    push = delta / (np.einsum("ij,ij->i", delta, delta) + 1e-4)[:, None]
    for axis in range(2):
        disp[:, axis] += np.bincount(a, weights=push[:, axis], minlength=n)
        disp[:, axis] -= np.bincount(b, weights=push[:, axis], minlength=n)
    return disp


def _pack(placed: list[tuple[list[Hashable], np.ndarray]]) -> dict[Hashable, np.ndarray]:
    """Shelf packing: components left to right in rows about as wide as the largest."""
    boxes = []
    for nodes, coords in placed:
        low, high = coords.min(axis=0), coords.max(axis=0)
        boxes.append((nodes, coords - low, high - low + 1.5))  # 1.5 units of margin
    total_area = sum(float(size[0] * size[1]) for _, _, size in boxes)
    row_width = max(math.sqrt(total_area) * 1.2, float(boxes[0][2][0]) if boxes else 0.0)
    result: dict[Hashable, np.ndarray] = {}
    x = y = row_height = 0.0
    for nodes, coords, size in boxes:
        if x > 0 and x + size[0] > row_width:
            x, y, row_height = 0.0, y + row_height, 0.0
        for node, point in zip(nodes, coords, strict=True):
            result[node] = point + (x, y)
        x += float(size[0])
        row_height = max(row_height, float(size[1]))
    if result:
        centre = np.mean(np.array(list(result.values())), axis=0)
        result = {node: point - centre for node, point in result.items()}
    return result
