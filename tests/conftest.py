"""Shared fixtures: where the team's demo corpus and the shared evaluation corpus live."""

from __future__ import annotations

import gc
import signal
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import DEFAULT_BASE
from kg.counts import refresh_counts
from kg.store import open_store

# A job started in the background by a non-interactive shell (nohup, `cmd &` in a CI script)
# ignores SIGINT, and its children inherit that: the tests that press Ctrl-C on kg would then
# test nothing. With a handler here, every process the tests start gets the default again.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEMO = ROOT / "demo"


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    """../shared/corpus when it is there (it is beside every checkout we run on)."""
    corpus = SHARED / "corpus"
    if not (corpus / "listings").is_dir():
        pytest.skip("../shared/corpus is not beside this checkout")
    return corpus


@pytest.fixture(scope="session")
def demo_corpus() -> Path:
    return DEMO


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk store holding tests/query_fixture.ttl and its counts (as a build leaves
    them), for the query, serve and push tests."""
    path = tmp_path_factory.mktemp("fixture") / "store"
    store = open_store(path)
    store.load(path=str(ROOT / "tests" / "query_fixture.ttl"), format=ox.RdfFormat.TURTLE)
    refresh_counts(store, DEFAULT_BASE)
    store.flush()
    del store
    gc.collect()  # releases the RocksDB lock before read-only opens
    return path


@pytest.fixture(scope="session")
def fixture_triples() -> int:
    """How many triples tests/query_fixture.ttl holds, i.e. the store_path store."""
    return sum(1 for _ in ox.parse(path=str(ROOT / "tests" / "query_fixture.ttl"),
                                   format=ox.RdfFormat.TURTLE))
