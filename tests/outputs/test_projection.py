"""kg.outputs.projection: the networkx view that the viewer and GraphML/GEXF exports share."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.errors import ProjectionError
from kg.outputs.projection import NODE_TYPES, find_node, omitted_summary, project
from kg.store import open_store

FIXTURE = Path(__file__).parent / "viewer_fixture.ttl"
B = "https://w3id.org/medimg-kg/"
MEDSAM = B + "paper/arxiv/2401.00001"
IMG = B + "paper/arxiv/2402.00002"
SCRIPT = B + "paper/doi/10.1000/xyz.3"
UNET_PAPER = B + "paper/title/abcdef0123456789"


@pytest.fixture
def store(tmp_path: Path) -> ox.Store:
    store = open_store(tmp_path / "store")
    store.bulk_load(path=str(FIXTURE), format=ox.RdfFormat.TURTLE)
    return store


def test_full_projection_has_every_node_type_and_only_linked_entities(store: ox.Store) -> None:
    graph = project(store)
    kinds = {data["type"] for _, data in graph.nodes(data=True)}
    assert kinds == set(NODE_TYPES)
    assert graph.number_of_nodes() == 21
    assert graph.number_of_edges() == 24
    # PET is in the modality scheme but no paper uses it; mention nodes and roles are no nodes.
    assert B + "modality/pet" not in graph
    assert not any("/mention/" in n or "/author/" in n for n in graph)
    assert graph.graph["omitted"]["nodes"] == 0
    assert omitted_summary(graph) is None


def test_paper_metadata(store: ox.Store) -> None:
    paper = project(store).nodes[MEDSAM]
    assert paper["label"] == paper["title"] == "MedSAM: Segment Anything in Medical Images"
    assert paper["date"] == "2024-01-15"
    assert paper["authors"] == ["Jun Ma", "Bo Wang"]
    assert paper["arxiv"] == "2401.00001"
    assert paper["links"] == {"arXiv": "https://arxiv.org/abs/2401.00001"}
    assert paper["code"] == ["https://github.com/bowang-lab/MedSAM"]
    assert paper["degree"] == 7


def test_hostile_titles_are_kept_verbatim(store: ox.Store) -> None:
    graph = project(store)
    assert graph.nodes[IMG]["title"] == "<img src=x onerror=alert(1)>"
    assert graph.nodes[SCRIPT]["title"] == "</script><script>alert(1)</script>"
    assert graph.nodes[SCRIPT]["links"] == {"DOI": "https://doi.org/10.1000/xyz.3"}


def test_entities_labels_aliases_and_paper_counts(store: ox.Store) -> None:
    graph = project(store)
    sam = graph.nodes[B + "model/sam"]
    assert (sam["type"], sam["label"], sam["aliases"], sam["papers"]) == (
        "model", "SAM", ["Segment Anything Model"], 2)
    mri = graph.nodes[B + "modality/mri"]
    assert (mri["label"], mri["notation"], mri["papers"]) == ("MRI", "MR", 3)
    # The most complete written form names a person; the others become aliases.
    ma = graph.nodes[B + "person/ma-j"]
    assert (ma["type"], ma["label"], ma["aliases"]) == ("author", "Jun Ma", ["J. Ma"])
    assert graph.nodes[B + "org/mila"]["type"] == "author"


def test_edge_relations(store: ox.Store) -> None:
    graph = project(store)
    assert graph.edges[MEDSAM, B + "model/medsam"]["relation"] == "proposes"
    assert graph.edges[MEDSAM, B + "model/sam"]["relation"] == "uses"
    assert graph.edges[MEDSAM, B + "person/wang-b"]["relation"] == "author"
    assert graph.edges[MEDSAM, B + "person/wang-b"]["position"] == 2
    assert graph.edges[MEDSAM, B + "modality/ct"]["relation"] == "modality"
    assert graph.edges[MEDSAM, B + "task/segmentation"]["relation"] == "task"


def test_types_with_papers_keeps_direct_edges(store: ox.Store) -> None:
    graph = project(store, types=["paper", "model"])
    assert {d["type"] for _, d in graph.nodes(data=True)} == {"paper", "model"}
    assert graph.number_of_nodes() == 7
    assert graph.graph["omitted"]["by_type"] == {
        "author": 6, "dataset": 3, "modality": 3, "task": 2}


def test_types_without_papers_link_by_shared_papers(store: ox.Store) -> None:
    graph = project(store, types=["model", "modality"])
    edge = graph.edges[B + "model/sam", B + "modality/mri"]
    assert edge == {"relation": "co-occurs", "weight": 2}
    assert graph.edges[B + "model/u-net", B + "modality/x-ray"]["weight"] == 1


def test_focus_by_label_alias_iri_and_arxiv_id(store: ox.Store) -> None:
    graph = project(store)
    assert find_node(graph, "segment anything model") == B + "model/sam"
    assert find_node(graph, "UNet") == B + "model/u-net"
    assert find_node(graph, "model/sam") == B + "model/sam"
    assert find_node(graph, B + "model/sam") == B + "model/sam"
    assert find_node(graph, "2401.00001") == MEDSAM


def test_focus_and_depth(store: ox.Store) -> None:
    one = project(store, focus="SAM", depth=1)
    assert set(one) == {B + "model/sam", MEDSAM, IMG}
    two = project(store, focus="SAM", depth=2)
    assert B + "person/ma-j" in two and B + "dataset/brats" in two
    assert two.graph["selection"]["focus_node"] == B + "model/sam"
    assert "distance from the focus" in omitted_summary(one)


def test_unknown_focus_and_types_are_errors(store: ox.Store) -> None:
    with pytest.raises(ProjectionError, match="no node named 'Nope'"):
        project(store, focus="Nope")
    with pytest.raises(ProjectionError, match="unknown node type gene"):
        project(store, types=["paper", "gene"])
    with pytest.raises(ProjectionError, match="since must be a year"):
        project(store, since="last year")
    with pytest.raises(ProjectionError, match="max nodes"):
        project(store, max_nodes=0)


def test_min_degree(store: ox.Store) -> None:
    graph = project(store, min_degree=2)
    assert all(graph.nodes[n]["papers"] >= 2 for n in graph if graph.nodes[n]["type"] != "paper")
    assert B + "person/lee-k" not in graph
    assert graph.graph["omitted"]["steps"][0]["step"] == "min_degree"


def test_max_nodes_keeps_shared_entities_then_papers_then_authors(store: ox.Store) -> None:
    graph = project(store, max_nodes=4)
    assert graph.number_of_nodes() == 4
    # Entities of two or more papers come first (MRI has 3; SAM, U-Net and BraTS 2 each),
    # before papers that have more links (a paper's authors count for nothing here).
    assert set(graph) == {B + "modality/mri", B + "model/sam", B + "model/u-net",
                          B + "dataset/brats"}
    # Then papers, those linking the most entities first (5, 4, 4; ties by IRI).
    assert set(project(store, max_nodes=7)) - set(graph) == {MEDSAM, SCRIPT, UNET_PAPER}
    # Then the other entities; authors only when everything else fits (4 + 4 + 7 = 15).
    kept = project(store, max_nodes=15)
    assert {kept.nodes[n]["type"] for n in kept} == set(NODE_TYPES) - {"author"}
    assert kept.graph["omitted"]["by_type"] == {"author": 6}
    record = graph.graph["omitted"]
    assert (record["total_nodes"], record["nodes"]) == (21, 17)
    assert record["steps"] == [{"step": "max_nodes", "nodes": 17}]
    summary = omitted_summary(graph)
    assert summary.startswith("Showing 4 of 21 nodes")
    assert "node limit: 17" in summary


def test_since_drops_older_and_undated_papers(store: ox.Store) -> None:
    graph = project(store, since=2022)
    papers = {n for n, d in graph.nodes(data=True) if d["type"] == "paper"}
    assert papers == {MEDSAM, IMG}
    assert B + "model/u-net" not in graph  # only used by the 2019 and 2021 papers
    assert project(store, since="2024-02").nodes.keys() >= {IMG}
    assert MEDSAM not in project(store, since="2024-02")


def test_empty_store(tmp_path: Path) -> None:
    graph = project(open_store(tmp_path / "empty"))
    assert graph.number_of_nodes() == 0
    assert omitted_summary(graph) is None


@pytest.fixture(scope="module")
def listings_store(tmp_path_factory: pytest.TempPathFactory, shared_corpus: Path) -> ox.Store:
    """The shared corpus's 215 real listing papers, built with `kg build`."""
    from click.testing import CliRunner

    from kg.cli import cli

    path = tmp_path_factory.mktemp("listings") / "store"
    result = CliRunner().invoke(cli, ["build", str(shared_corpus / "listings"), "--store",
                                      str(path)])
    assert result.exit_code == 0, result.output
    return open_store(path, read_only=True)


def test_max_nodes_keeps_every_shared_dataset_and_model_before_authors(
    listings_store: ox.Store,
) -> None:
    full = project(listings_store)
    kinds = {n: d["type"] for n, d in full.nodes(data=True)}
    shared = {n for n, d in full.nodes(data=True)
              if d["type"] in ("dataset", "model") and d["papers"] >= 2}
    others = [n for n, kind in kinds.items() if kind != "author"]
    assert len(shared) > 20 and len(others) < full.number_of_nodes()
    # Room for everything but the authors: no author is drawn, nothing else is left out.
    graph = project(listings_store, max_nodes=len(others))
    assert set(graph) == set(others)
    assert graph.graph["omitted"]["by_type"] == {
        "author": sum(1 for k in kinds.values() if k == "author")}
    # Little room: every dataset and model of two or more papers is still there.
    small = project(listings_store, max_nodes=len(shared) + 40)
    assert shared <= set(small)
    assert not any(small.nodes[n]["type"] == "author" for n in small)
