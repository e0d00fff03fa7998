"""GraphML and GEXF exports of the viewer's projection, read back with networkx."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest

from kg.errors import ExportError
from kg.outputs.network import flatten, write_gexf, write_graphml
from kg.outputs.projection import project
from kg.store import open_store

FIXTURE = Path(__file__).parent / "viewer_fixture.ttl"
B = "https://w3id.org/medimg-kg/"
MEDSAM = B + "paper/arxiv/2401.00001"


@pytest.fixture
def store(tmp_path: Path) -> ox.Store:
    store = open_store(tmp_path / "store")
    store.bulk_load(path=str(FIXTURE), format=ox.RdfFormat.TURTLE)
    return store


def test_graphml_round_trip(store: ox.Store, tmp_path: Path) -> None:
    assert write_graphml(store, tmp_path / "g.graphml") == (21, 24)
    back = nx.read_graphml(tmp_path / "g.graphml")
    assert set(back) == set(project(store))
    assert back.number_of_edges() == 24
    paper = back.nodes[MEDSAM]
    assert paper["type"] == "paper"
    assert paper["authors"] == "Jun Ma | Bo Wang"
    assert paper["link_arxiv"] == "https://arxiv.org/abs/2401.00001"
    assert paper["degree"] == 7
    assert back.nodes[B + "model/u-net"]["aliases"] == "UNet | Unet"
    assert back.edges[MEDSAM, B + "model/medsam"]["relation"] == "proposes"
    assert back.nodes[B + "paper/arxiv/2402.00002"]["label"] == "<img src=x onerror=alert(1)>"


def test_graphml_records_the_selection(store: ox.Store, tmp_path: Path) -> None:
    write_graphml(store, tmp_path / "g.graphml", max_nodes=4)
    back = nx.read_graphml(tmp_path / "g.graphml")
    assert back.number_of_nodes() == 4
    assert json.loads(back.graph["omitted"])["nodes"] == 17
    assert back.graph["omitted_summary"].startswith("Showing 4 of 21 nodes")


def test_gexf_round_trip(store: ox.Store, tmp_path: Path) -> None:
    counts = write_gexf(store, tmp_path / "g.gexf", types=["model", "dataset"])
    back = nx.read_gexf(tmp_path / "g.gexf")
    assert set(back) == set(project(store, types=["model", "dataset"]))
    assert counts == (back.number_of_nodes(), back.number_of_edges()) == (6, 6)
    assert back.nodes[B + "model/sam"]["label"] == "SAM"
    assert back.edges[B + "model/sam", B + "dataset/brats"]["weight"] == 1.0


def test_flatten_leaves_only_scalars(store: ox.Store) -> None:
    flat = flatten(project(store))
    for _, data in flat.nodes(data=True):
        assert all(isinstance(v, (str, int, float, bool)) for v in data.values())


def test_unwritable_path(store: ox.Store, tmp_path: Path) -> None:
    with pytest.raises(ExportError):
        write_graphml(store, tmp_path / "no" / "g.graphml")
