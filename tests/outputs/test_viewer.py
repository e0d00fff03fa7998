"""The viewer's HTML without a browser: self-contained, escaped, with the selection recorded."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest

from kg.errors import ExportError
from kg.outputs.projection import project
from kg.outputs.viewer import PHYSICS_LIMIT, render_html, write_viewer
from kg.store import open_store

FIXTURE = Path(__file__).parent / "viewer_fixture.ttl"
HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "<b onmouseover=alert(1)>Eve</b>",
    "<iframe src=javascript:alert(1)>",
]


@pytest.fixture
def store(tmp_path: Path) -> ox.Store:
    store = open_store(tmp_path / "store")
    store.bulk_load(path=str(FIXTURE), format=ox.RdfFormat.TURTLE)
    return store


@pytest.fixture
def page(store: ox.Store, tmp_path: Path) -> str:
    write_viewer(store, tmp_path / "graph.html")
    return (tmp_path / "graph.html").read_text(encoding="utf-8")


def _data(text: str) -> dict:
    match = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', text, re.S)
    assert match
    return json.loads(match.group(1))


def test_no_hostile_string_appears_raw(page: str) -> None:
    for hostile in HOSTILE:
        assert hostile not in page
    # Exactly the three script elements of the template: data, vis-network, viewer. (An
    # opening "<script>" inside a JS string is inert; only a closing one could end an element.)
    assert len(re.findall(r"^<script\b", page, re.I | re.M)) == 3
    assert len(re.findall(r"</script", page, re.I)) == 3


def test_data_block_round_trips_hostile_text(page: str) -> None:
    data = _data(page)
    labels = {n["label"] for n in data["nodes"]}
    assert {HOSTILE[0], HOSTILE[1], HOSTILE[2], HOSTILE[3]} <= labels
    block = page.split('id="kg-data">', 1)[1].split("</script>", 1)[0]
    assert not set("<>&") & set(block)


def test_line_separators_are_escaped() -> None:
    graph = nx.Graph()
    graph.add_node("n", label="a\u2028b\u2029c & <d>", type="model", aliases=[], papers=1)
    text = render_html(graph)
    block = text.split('id="kg-data">', 1)[1].split("</script>", 1)[0]
    assert "\u2028" not in block and "\u2029" not in block
    assert "\\u2028" in block and "\\u0026" in block and "\\u003c" in block
    assert _data(text)["nodes"][0]["label"] == "a\u2028b\u2029c & <d>"


def test_self_contained_with_no_remote_reference(page: str) -> None:
    assert "cdn" not in page.lower().replace("cdnjs", "cdn")  # no CDN of any name
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "<link" not in page.lower()
    assert "sourceMappingURL" not in page
    assert "vis-network" in page  # inlined, not fetched


def test_content_security_policy_allows_only_our_scripts(page: str) -> None:
    csp = html.unescape(re.search(r'Content-Security-Policy" content="([^"]+)"', page).group(1))
    assert "default-src 'none'" in csp
    assert len(re.findall(r"'sha256-[A-Za-z0-9+/=]+'", csp)) == 2
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]


def test_nodes_have_positions_types_and_cards(page: str) -> None:
    data = _data(page)
    assert len(data["nodes"]) == 21 and len(data["edges"]) == 24
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in data["nodes"])
    assert len({(n["x"], n["y"]) for n in data["nodes"]}) == 21  # placed, not piled up
    paper = next(n for n in data["nodes"] if n["label"].startswith("MedSAM:"))
    assert paper["authors"] == ["Jun Ma", "Bo Wang"]
    assert paper["links"] == [["arXiv", "https://arxiv.org/abs/2401.00001"]]
    assert paper["code"] == ["https://github.com/bowang-lab/MedSAM"]
    assert [t["id"] for t in data["types"]] == [
        "paper", "author", "model", "dataset", "modality", "task"]
    assert data["meta"]["physics"] is True


def test_physics_off_above_the_limit() -> None:
    graph = nx.path_graph(PHYSICS_LIMIT + 1)
    for node in graph:
        graph.nodes[node].update(label=f"n{node}", type="model", papers=1)
    data = _data(render_html(graph))
    assert data["meta"]["physics"] is False
    assert len({(n["x"], n["y"]) for n in data["nodes"]}) == PHYSICS_LIMIT + 1


def test_reduced_graph_says_what_was_left_out(store: ox.Store) -> None:
    text = render_html(project(store, max_nodes=4))
    notice = re.search(r'<p id="kg-omitted">([^<]*)</p>', text)
    assert notice, "the notice is in the static HTML, visible without JavaScript"
    assert notice.group(1).startswith("Showing 4 of 21 nodes")
    assert "node limit: 17" in notice.group(1)
    assert _data(text)["meta"]["selection"]["max_nodes"] == 4


def test_full_graph_has_hidden_notice(page: str) -> None:
    assert '<p id="kg-omitted" hidden></p>' in page


def test_title_is_escaped(store: ox.Store, tmp_path: Path) -> None:
    write_viewer(store, tmp_path / "t.html", title="<script>alert(1)</script>")
    text = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>" in text


def test_unwritable_path_is_a_kg_error(store: ox.Store, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="cannot write"):
        write_viewer(store, tmp_path / "missing" / "graph.html")
