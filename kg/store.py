"""The on-disk Oxigraph store: opening it, loading batches atomically, counting."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import MissingStoreError, StoreError

DEFAULT_STORE = "kg-store"
# The marker file tells a store directory made by us from any other directory.
_MARKER = "MEDIMG_KG_STORE"


def open_store(path: str | Path = DEFAULT_STORE, *, read_only: bool = False) -> ox.Store:
    """Open (or, for writing, create) the store at `path`.

    Read-only opening never creates anything, so a mistyped `--store` is reported instead of
    silently querying an empty new store.
    """
    path = Path(path)
    if read_only:
        if not (path / _MARKER).exists():
            raise MissingStoreError(f"no store at {path}")
        try:
            return ox.Store.read_only(str(path))
        except OSError as exc:
            raise StoreError(f"cannot open store {path}: {first_line(exc)}") from None
    if path.exists() and not path.is_dir():
        raise StoreError(f"{path} exists and is not a directory")
    if path.is_dir() and any(path.iterdir()) and not (path / _MARKER).exists():
        raise StoreError(f"{path} is a non-empty directory that is not a medimg-kg store")
    try:
        store = ox.Store(str(path))
    except OSError as exc:
        raise StoreError(f"cannot open store {path}: {first_line(exc)}") from None
    (path / _MARKER).touch()
    return store


def is_store(path: str | Path) -> bool:
    """Whether `path` is a store folder made by this package."""
    return (Path(path) / _MARKER).exists()


def optimize(store: ox.Store) -> None:
    """Compact the store's files (RocksDB compaction): after many builds into one store,
    reads get faster and the folder smaller."""
    try:
        store.optimize()
    except OSError as exc:
        raise StoreError(f"optimizing the store failed: {first_line(exc)}") from None


def add_batch(store: ox.Store, quads: Iterable[ox.Quad]) -> None:
    """Insert one batch in a single transaction: all of it lands, or none of it."""
    try:
        store.extend(quads)
    except OSError as exc:
        raise StoreError(f"writing to the store failed: {first_line(exc)}") from None


def select(store: ox.Store, query: str, **options: Any) -> ox.QuerySolutions:
    """Rows of a SELECT query (`options` as for `Store.query`)."""
    rows = store.query(query, **options)
    if not isinstance(rows, ox.QuerySolutions):
        raise TypeError(f"not a SELECT query: {query[:60]!r}")
    return rows


def triple_count(store: ox.Store) -> int:
    """Number of triples in the default graph: the facts, without the counts kept in the
    statistics graph (kg.counts)."""
    # len() walks one index without decoding terms; the named graphs are small, and counted
    # one by one (with the graph unbound, COUNT(*) walks the default graph too).
    named = 0
    for graph in store.named_graphs():
        rows = select(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
        named += int(next(iter(rows))["n"].value)
    return len(store) - named


def first_line(exc: BaseException) -> str:
    """The first line of an error's message (RocksDB's carry several)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
