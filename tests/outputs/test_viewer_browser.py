"""The viewer in headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

Offline (no request beyond the file itself), no console errors, the drawn node count matches
the selection, search focuses, type checkboxes hide and restore, hostile text stays text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox
import pytest

from kg.outputs.viewer import render_html, write_viewer
from kg.store import open_store

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
sync_api = pytest.importorskip("playwright.sync_api")

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FIXTURE = Path(__file__).parent / "viewer_fixture.ttl"
B = "https://w3id.org/medimg-kg/"
IMG_TITLE = "<img src=x onerror=alert(1)>"
SCRIPT_TITLE = "</script><script>alert(1)</script>"


@dataclass
class Opened:
    page: Any
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def node_id(self, iri: str) -> int:
        return self.page.evaluate(
            "(iri) => kgViewer.nodes.get({filter: () => true}).length &&"
            " JSON.parse(document.getElementById('kg-data').textContent)"
            ".nodes.find((n) => n.iri === iri).id",
            iri,
        )

    def dom_point(self, node: int) -> tuple[float, float]:
        point = self.page.evaluate(
            """(id) => {
                const p = kgViewer.network.canvasToDOM(kgViewer.network.getPosition(id));
                const box = document.getElementById("kg-graph").getBoundingClientRect();
                return [box.left + p.x, box.top + p.y];
            }""",
            node,
        )
        return point[0], point[1]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    contexts = []

    def opener(path: Path) -> Opened:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        contexts.append(context)
        page = context.new_page()
        opened = Opened(page)
        page.on("request", lambda r: opened.requests.append(r.url))
        page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: opened.errors.append(str(e)))

        def on_dialog(dialog: Any) -> None:
            opened.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(path.resolve().as_uri())
        page.wait_for_function(
            "() => window.kgViewer && kgViewer.ready && kgViewer.stable && kgViewer.complete"
        )
        return opened

    yield opener
    for context in contexts:
        context.close()


@pytest.fixture
def store(tmp_path: Path) -> ox.Store:
    store = open_store(tmp_path / "store")
    store.bulk_load(path=str(FIXTURE), format=ox.RdfFormat.TURTLE)
    return store


@pytest.fixture
def viewer(store: ox.Store, tmp_path: Path, open_page: Any) -> Opened:
    write_viewer(store, tmp_path / "graph.html")
    return open_page(tmp_path / "graph.html")


def test_opens_offline_without_errors(viewer: Opened, tmp_path: Path) -> None:
    viewer.page.wait_for_timeout(300)
    assert viewer.requests == [(tmp_path / "graph.html").resolve().as_uri()]
    assert viewer.errors == []
    assert viewer.dialogs == []


def test_drawn_node_count_matches_selection(
    store: ox.Store, tmp_path: Path, open_page: Any
) -> None:
    graph = write_viewer(store, tmp_path / "small.html", max_nodes=4)
    opened = open_page(tmp_path / "small.html")
    assert opened.page.evaluate("kgViewer.drawnNodeCount()") == graph.number_of_nodes() == 4
    assert opened.page.evaluate("kgViewer.drawnEdgeCount()") == graph.number_of_edges()
    notice = opened.page.locator("#kg-omitted")
    assert notice.is_visible()
    assert notice.inner_text().startswith("Showing 4 of 21 nodes")
    assert opened.errors == []


def test_full_graph_draws_every_node(viewer: Opened) -> None:
    assert viewer.page.evaluate("kgViewer.drawnNodeCount()") == 21
    assert viewer.page.evaluate("kgViewer.drawnEdgeCount()") == 24
    assert not viewer.page.locator("#kg-omitted").is_visible()
    assert viewer.page.locator("#kg-stats").inner_text() == "21 nodes \u00b7 24 edges shown"


def test_search_by_alias_focuses_the_node(viewer: Opened) -> None:
    page = viewer.page
    sam = viewer.node_id(B + "model/sam")
    page.fill("#kg-search", "segment anything model")
    page.press("#kg-search", "Enter")
    assert page.evaluate("kgViewer.focused") == sam
    assert page.evaluate("kgViewer.network.getSelectedNodes()") == [sam]
    # The view moves so that the node ends up in the middle.
    page.wait_for_function(
        """(id) => {
            const view = kgViewer.network.getViewPosition();
            const node = kgViewer.network.getPosition(id);
            return Math.hypot(view.x - node.x, view.y - node.y) < 1;
        }""",
        arg=sam,
    )
    card = page.locator("#kg-card")
    assert card.is_visible()
    assert card.locator("h3").inner_text() == "SAM"
    assert "Segment Anything Model" in card.inner_text()


def test_search_suggestions_by_label(viewer: Opened) -> None:
    page = viewer.page
    page.fill("#kg-search", "unet")
    option = page.locator("#kg-suggestions button").first
    assert option.locator(".kg-name").inner_text() == "U-Net"
    option.click()
    assert page.evaluate("kgViewer.focused") == viewer.node_id(B + "model/u-net")
    assert page.locator("#kg-suggestions").is_hidden()


def test_type_checkbox_hides_and_restores_nodes(viewer: Opened) -> None:
    page = viewer.page
    before = page.evaluate("kgViewer.network.getPositions()")
    page.uncheck("#kg-types input[data-type='author']")
    assert page.evaluate("kgViewer.drawnNodeCount()") == 21 - 6
    assert page.evaluate("kgViewer.drawnEdgeCount()") == 24 - 8  # no edge left dangling
    assert page.locator("#kg-stats").inner_text() == "15 nodes \u00b7 16 edges shown"
    page.check("#kg-types input[data-type='author']")
    assert page.evaluate("kgViewer.drawnNodeCount()") == 21
    assert page.evaluate("kgViewer.drawnEdgeCount()") == 24
    # Everyone comes back to where they were: the view is not rebuilt.
    after = page.evaluate("kgViewer.network.getPositions()")
    assert after.keys() == before.keys()
    for key, point in before.items():
        assert abs(after[key]["x"] - point["x"]) < 1 and abs(after[key]["y"] - point["y"]) < 1
    assert viewer.errors == []


def test_search_reveals_a_hidden_type(viewer: Opened) -> None:
    page = viewer.page
    page.uncheck("#kg-types input[data-type='model']")
    page.fill("#kg-search", "MedSAM")
    page.press("#kg-search", "Enter")
    assert page.evaluate("kgViewer.drawnNodeCount()") == 21
    assert page.is_checked("#kg-types input[data-type='model']")


def test_click_highlights_the_neighbourhood(viewer: Opened) -> None:
    page = viewer.page
    mri = viewer.node_id(B + "modality/mri")
    page.mouse.click(*viewer.dom_point(mri))
    faded = page.evaluate(
        "kgViewer.nodes.get().filter((n) => n.group.endsWith('-faded')).map((n) => n.id)"
    )
    neighbours = page.evaluate("(id) => kgViewer.network.getConnectedNodes(id)", mri)
    assert len(neighbours) == 3
    assert set(faded) == set(range(21)) - {mri, *neighbours}
    assert page.locator("#kg-card h3").inner_text() == "MRI"
    # Clicking the background clears the highlight.
    page.mouse.click(5, 795)
    faded = "kgViewer.nodes.get().filter((n) => n.group.endsWith('-faded')).length"
    assert page.evaluate(faded) == 0


def test_hostile_titles_stay_text(viewer: Opened) -> None:
    page = viewer.page
    for iri, title in ((B + "paper/arxiv/2402.00002", IMG_TITLE),
                       (B + "paper/doi/10.1000/xyz.3", SCRIPT_TITLE)):
        node = viewer.node_id(iri)
        page.mouse.move(*viewer.dom_point(node))
        card = page.locator("#kg-card")
        card.wait_for(state="visible")
        assert card.locator("h3").inner_text() == title
        page.mouse.move(5, 795)
        page.wait_for_timeout(400)
    page.fill("#kg-search", "<")
    labels = page.locator("#kg-suggestions .kg-name").all_inner_texts()
    assert IMG_TITLE in labels and "<b onmouseover=alert(1)>Eve</b>" in labels
    page.locator("#kg-suggestions button", has_text="onmouseover").hover()
    page.wait_for_timeout(200)
    markup = "document.querySelectorAll('img, iframe, svg, b, object, embed').length"
    assert page.evaluate(markup) == 0
    assert page.evaluate("document.scripts.length") == 3
    assert viewer.dialogs == []
    assert viewer.errors == []


def test_card_links_are_real_links_and_only_http(viewer: Opened) -> None:
    page = viewer.page
    page.evaluate("(id) => kgViewer.focusNode(id)", viewer.node_id(B + "paper/arxiv/2401.00001"))
    links = page.locator("#kg-card a")
    assert links.evaluate_all("(as) => as.map((a) => a.href)") == [
        "https://arxiv.org/abs/2401.00001",
        "https://github.com/bowang-lab/MedSAM",
    ]
    assert links.first.get_attribute("rel") == "noopener noreferrer"
    card = page.locator("#kg-card").inner_text()
    assert "Jun Ma, Bo Wang" in card and "2024-01-15" in card
    # A javascript: code address is shown as text, never as a link.
    page.evaluate("(id) => kgViewer.focusNode(id)", viewer.node_id(B + "paper/doi/10.1000/xyz.3"))
    hrefs = page.locator("#kg-card a").evaluate_all("(as) => as.map((a) => a.href)")
    assert hrefs == ["https://doi.org/10.1000/xyz.3"]
    assert "javascript:alert(1)" in page.locator("#kg-card").inner_text()


def test_large_graph_uses_python_positions_without_physics(
    tmp_path: Path, open_page: Any
) -> None:
    graph = nx.barabasi_albert_graph(600, 2, seed=4)
    for node in graph:
        graph.nodes[node].update(label=f"Model {node}", type="model", papers=1)
    (tmp_path / "large.html").write_text(render_html(graph), encoding="utf-8")
    opened = open_page(tmp_path / "large.html")
    assert opened.page.evaluate("kgViewer.drawnNodeCount()") == 600
    assert opened.page.evaluate("kgViewer.network.physics.physicsEnabled") is False
    placed = opened.page.evaluate(
        """() => {
            const data = JSON.parse(document.getElementById('kg-data').textContent);
            const now = kgViewer.network.getPositions();
            const near = (n) => Math.abs(now[n.id].x - n.x) < 1 && Math.abs(now[n.id].y - n.y) < 1;
            return data.nodes.every(near);
        }"""
    )
    assert placed
    assert opened.errors == []


def _open_with_fragment(browser: Any, path: Path, fragment: str) -> Opened:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    opened = Opened(page)
    page.on("request", lambda r: opened.requests.append(r.url))
    page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: opened.errors.append(str(e)))
    page.goto(path.resolve().as_uri() + fragment)
    page.wait_for_function(
        "() => window.kgViewer && kgViewer.ready && kgViewer.stable && kgViewer.complete")
    return opened


@pytest.mark.parametrize("fragment, iri", [
    ("#focus=MedSAM", B + "model/medsam"),
    ("#focus=segment%20anything%20model&type=model", B + "model/sam"),
    ("#focus=" + B + "dataset/brats", B + "dataset/brats"),
])
def test_focus_in_the_address_centres_that_node(
    store: ox.Store, tmp_path: Path, browser: Any, fragment: str, iri: str
) -> None:
    write_viewer(store, tmp_path / "graph.html")
    opened = _open_with_fragment(browser, tmp_path / "graph.html", fragment)
    page = opened.page
    node = opened.node_id(iri)
    page.wait_for_function("(id) => kgViewer.focused === id", arg=node)
    page.wait_for_function(
        """(id) => {
            const view = kgViewer.network.getViewPosition();
            const node = kgViewer.network.getPosition(id);
            return Math.hypot(view.x - node.x, view.y - node.y) < 1;
        }""",
        arg=node,
    )
    assert page.evaluate("kgViewer.network.getSelectedNodes()") == [node]
    assert page.locator("#kg-card").is_visible()
    assert opened.errors == []
    page.context.close()


def test_focus_on_an_unknown_name_says_so(store: ox.Store, tmp_path: Path, browser: Any) -> None:
    write_viewer(store, tmp_path / "graph.html")
    opened = _open_with_fragment(browser, tmp_path / "graph.html", "#focus=NoSuchModel")
    page = opened.page
    page.wait_for_function(
        "() => document.getElementById('kg-stats').textContent.startsWith('No node named')")
    assert page.evaluate("kgViewer.focused") is None
    # A later change of the address focuses without reloading.
    page.evaluate("window.location.hash = 'focus=MRI&type=modality'")
    mri = opened.node_id(B + "modality/mri")
    page.wait_for_function("(id) => kgViewer.focused === id", arg=mri)
    assert opened.errors == []
    page.context.close()


def test_most_connected_nodes_are_labelled_at_the_first_frame(
    tmp_path: Path, open_page: Any
) -> None:
    graph = nx.barabasi_albert_graph(1200, 2, seed=5)
    for node in graph:
        graph.nodes[node].update(label=f"Model {node}", type="model", papers=1)
    (tmp_path / "large.html").write_text(render_html(graph), encoding="utf-8")
    opened = open_page(tmp_path / "large.html")
    page = opened.page
    # Zoomed out to fit 1,200 nodes, vis-network itself draws no label.
    assert page.evaluate("kgViewer.network.getScale() * 14 < 7")
    labelled = page.evaluate("kgViewer.labelled")
    degrees = page.evaluate(
        "JSON.parse(document.getElementById('kg-data').textContent).nodes"
        ".map((n) => [n.id, n.degree])")
    by_degree = sorted(degrees, key=lambda item: (-item[1], item[0]))
    assert 10 <= len(labelled) <= 30
    assert labelled[0] == by_degree[0][0]  # the hub always gets its label
    lowest_labelled = min(dict(degrees)[n] for n in labelled)
    assert lowest_labelled >= by_degree[60][1]  # the labels go to the most connected
    assert opened.errors == []
