"""Stores for the report and review-table tests: the demo corpus built with `kg build`, and the
viewer's hand-written fixture (hostile titles and names) as a store."""

from __future__ import annotations

import gc
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.ontology import PREFIXES
from kg.store import open_store

HOSTILE_FIXTURE = Path(__file__).parent / "viewer_fixture.ttl"
B = "https://w3id.org/medimg-kg/"
KG = PREFIXES["kg"]


@pytest.fixture(scope="session")
def demo_store_path(tmp_path_factory: pytest.TempPathFactory, demo_corpus: Path) -> Path:
    """The demo corpus as `kg build` stores it."""
    path = tmp_path_factory.mktemp("demo") / "store"
    result = CliRunner().invoke(cli, ["build", str(demo_corpus), "--store", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="session")
def hostile_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/outputs/viewer_fixture.ttl in a store, its hostile dataset used as well as
    proposed (a proposing paper also uses, as `kg build` writes it)."""
    path = tmp_path_factory.mktemp("hostile") / "store"
    store = open_store(path)
    store.bulk_load(path=str(HOSTILE_FIXTURE), format=ox.RdfFormat.TURTLE)
    store.add(ox.Quad(ox.NamedNode(B + "paper/doi/10.1000/xyz.3"),
                      ox.NamedNode(KG + "usesDataset"), ox.NamedNode(B + "dataset/evil")))
    store.flush()
    del store
    gc.collect()  # releases the RocksDB lock before read-only opens
    return path
