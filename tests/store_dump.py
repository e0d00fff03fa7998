"""Comparing whole stores: their N-Quads lines, less the times the counts were computed."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg import DEFAULT_BASE
from kg.counts import stats_graph
from kg.ontology import PROV

_TIMES = (f"<{PROV.generatedAtTime}>".encode(), f"<{PROV.endedAtTime}>".encode())


def comparable_lines(store: ox.Store, base: str = DEFAULT_BASE) -> set[bytes]:
    """Every quad of `store` as an N-Quads line, except the time stamps of its statistics
    graph: two builds of the same files compute the same counts at different times."""
    stats = f"{stats_graph(base)} .".encode()
    return {line for line in store.dump(format=ox.RdfFormat.N_QUADS).splitlines()
            if not (line.endswith(stats) and any(t in line for t in _TIMES))}


def read_only_lines(path: Path) -> set[bytes]:
    """comparable_lines of the store at `path`, opened by Oxigraph alone (no lock is kept)."""
    return comparable_lines(ox.Store.read_only(str(path)))
