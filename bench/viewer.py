"""Viewer benchmark: generate the HTML for a synthetic 5,000-node, 20,000-edge graph, open it.

    .venv/bin/python bench/viewer.py [--nodes 5000] [--edges 20000] [--keep DIR]

Builds a synthetic store following docs/rdf-model.md (papers, authors via roles, models,
datasets, modalities, tasks), then times `write_viewer` (projection + layout + HTML) and, in
headless Chromium from /usr/bin/chromium, how long the page takes to become interactive
(first frame drawn with every handler attached), to focus a searched node and to hide and
restore a node type. Targets (issue 4): generated < 10 s, interactive < 3 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from kg.ontology import PREFIXES
from kg.outputs.viewer import write_viewer
from kg.store import open_store

B = "https://w3id.org/medimg-kg/"
KG = PREFIXES["kg"]
SCHEMA = "https://schema.org/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Share of nodes per type (papers 40 %, authors 48 %, ...) and of extra edges per link kind.
SHARES = {"paper": 0.40, "author": 0.48, "model": 0.08, "dataset": 0.03, "task": 0.0074}
LINKS = {"author": 4.0, "model": 2.0, "dataset": 1.5, "modality": 1.0, "task": 1.5}
PREDICATE = {
    "model": KG + "usesModel",
    "dataset": KG + "usesDataset",
    "modality": KG + "imagingModality",
    "task": KG + "addressesTask",
}
MODALITIES = ["ct", "mri", "x-ray", "mammography", "ultrasound", "pet", "spect", "oct",
              "fundus-photography", "histopathology", "dermoscopy", "endoscopy", "microscopy"]


def synthetic_quads(n_nodes: int, n_edges: int, seed: int = 1) -> list[ox.Quad]:
    """A store whose projection has exactly `n_nodes` nodes and `n_edges` edges."""
    rnd = random.Random(seed)
    counts = {kind: max(1, int(n_nodes * share)) for kind, share in SHARES.items()}
    counts["modality"] = len(MODALITIES)
    counts["paper"] += n_nodes - sum(counts.values())
    iris = {kind: [f"{B}{kind}/{i}" for i in range(count)] for kind, count in counts.items()}
    iris["modality"] = [f"{B}modality/{slug}" for slug in MODALITIES]
    iris["author"] = [f"{B}person/author-{i}" for i in range(counts["author"])]
    iris["paper"] = [f"{B}paper/arxiv/2401.{i:05d}" for i in range(counts["paper"])]
    quads: list[ox.Quad] = []

    def add(s: str, p: str, o: ox.NamedNode | ox.Literal) -> None:
        quads.append(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), o))

    for i, paper in enumerate(iris["paper"]):
        add(paper, RDF_TYPE, ox.NamedNode(SCHEMA + "ScholarlyArticle"))
        add(paper, SCHEMA + "name", ox.Literal(f"Synthetic paper {i} on segmentation"))
        add(paper, SCHEMA + "datePublished", ox.Literal(f"20{15 + i % 10}-0{1 + i % 9}-01"))
        add(paper, KG + "arxivId", ox.Literal(f"2401.{i:05d}"))
    for kind in ("author", "model", "dataset", "modality", "task"):
        for i, iri in enumerate(iris[kind]):
            if kind == "author":
                add(iri, RDF_TYPE, ox.NamedNode(SCHEMA + "Person"))
                add(iri, SCHEMA + "name", ox.Literal(f"Author {i}"))
            else:
                add(iri, RDFS_LABEL if kind in ("model", "dataset") else SKOS + "prefLabel",
                    ox.Literal(f"{kind.title()} {i}"))

    links: set[tuple[str, str, str]] = set()
    positions: dict[str, int] = {}

    def link(paper: str, kind: str, entity: str) -> None:
        if (paper, kind, entity) in links:
            return
        links.add((paper, kind, entity))
        if kind == "author":
            positions[paper] = positions.get(paper, 0) + 1
            role = f"{paper}/author/{positions[paper]}"
            add(paper, SCHEMA + "author", ox.NamedNode(role))
            add(role, SCHEMA + "position", ox.Literal(str(positions[paper]),
                datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
            add(role, SCHEMA + "author", ox.NamedNode(entity))
        else:
            add(paper, PREDICATE[kind], ox.NamedNode(entity))

    papers = iris["paper"]
    # Every node gets one edge first, so the projection has all of them.
    for paper in papers:
        link(paper, "author", rnd.choice(iris["author"]))
    for kind in ("author", "model", "dataset", "modality", "task"):
        for entity in iris[kind]:
            link(rnd.choice(papers), kind, entity)
    kinds, weights = list(LINKS), list(LINKS.values())
    while len(links) < n_edges:
        kind = rnd.choices(kinds, weights)[0]
        pool = iris[kind]
        # Popular entities are very popular (heavy tail), authors much less so.
        pick = rnd.randrange(len(pool)) if kind == "author" else min(
            int(rnd.paretovariate(1.1)) - 1, len(pool) - 1)
        link(rnd.choice(papers), kind, pool[pick])
    return quads


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--edges", type=int, default=20000)
    parser.add_argument("--keep", type=Path, help="write the store and HTML here")
    parser.add_argument("--screenshot", type=Path, help="save a screenshot of the page")
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="kg-bench-viewer-"))
    work.mkdir(parents=True, exist_ok=True)
    store = open_store(work / "store")
    store.bulk_extend(synthetic_quads(args.nodes, args.edges))
    store.flush()
    html_path = work / "graph.html"

    started = time.perf_counter()
    graph = write_viewer(store, html_path, max_nodes=None)
    generated = time.perf_counter() - started
    size_mb = html_path.stat().st_size / 1e6
    print(f"graph: {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges")
    print(f"generated in {generated:.2f} s ({size_mb:.1f} MB HTML)")

    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} missing: browser timings skipped")
        return 0
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        external: list[str] = []
        page.on("request", lambda r: None if r.url.startswith("file:") else external.append(r.url))
        started = time.perf_counter()
        page.goto(html_path.resolve().as_uri(), wait_until="commit")
        ready = "() => window.kgViewer && kgViewer.ready"
        page.wait_for_function(ready, timeout=60_000, polling=20)
        wall = time.perf_counter() - started
        # Longest stretch the page could not answer input, from first frame to all edges drawn.
        page.evaluate("""() => {
            window.kgBenchGap = 0;
            let last = performance.now();
            (function tick() {
                const now = performance.now();
                window.kgBenchGap = Math.max(window.kgBenchGap, now - last);
                last = now;
                if (!kgViewer.complete) setTimeout(tick, 0);
            })();
        }""")
        page.wait_for_function("() => kgViewer.complete", timeout=60_000, polling=20)
        ready_ms, complete_ms, gap = page.evaluate(
            "[kgViewer.readyAt, kgViewer.completeAt, window.kgBenchGap]")
        drawn = page.evaluate("[kgViewer.drawnNodeCount(), kgViewer.drawnEdgeCount()]")
        print(f"interactive in {wall:.2f} s (first frame {ready_ms / 1000:.2f} s after navigation "
              f"start); all edges drawn at {complete_ms / 1000:.2f} s, longest input stall "
              f"meanwhile {gap:.0f} ms; {drawn[0]:,} nodes and {drawn[1]:,} edges drawn, "
              f"{len(external)} network requests")
        # Interaction latency: from the call until the next frame has been drawn.
        timing = """async (action) => {
            const t0 = performance.now();
            const drawn = new Promise((ok) => kgViewer.network.once("afterDrawing", ok));
            action === "focus" ? kgViewer.focusNode(0) :
              action === "hide" ? kgViewer.setTypeVisible("author", false) :
              kgViewer.setTypeVisible("author", true);
            kgViewer.network.redraw();
            await drawn;
            return performance.now() - t0;
        }"""
        for action in ("focus", "hide", "show"):
            print(f"{action}: {page.evaluate(timing, action):.0f} ms to the next frame")
        if args.screenshot:
            page.evaluate("kgViewer.network.fit({animation: false})")
            page.wait_for_timeout(500)
            page.screenshot(path=str(args.screenshot))
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
