"""The interactive HTML viewer: one self-contained file that draws a projection with vis-network.

Our own template, not pyvis's: pyvis's "in_line" page still loads Bootstrap from a CDN and its
"local" page loads vis-network from one. vis-network's JavaScript is read from the installed
pyvis package at render time and inlined, so the page makes no network request at all; a
Content-Security-Policy with hashes of our two scripts enforces that (no fetches, no other
scripts, even if something slipped through escaping).

All data travels as JSON inside `<script type="application/json">` with <, >, & and the JS
line separators escaped, and the page puts it on screen only through textContent and canvas
text. Positions are computed here (kg.outputs.layout); the browser simulates physics only for
small graphs.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Hashable
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox

from kg import __version__
from kg.errors import ExportError
from kg.outputs.layout import layout
from kg.outputs.projection import NODE_TYPES, omitted_summary, project

# Above this many nodes the browser gets fixed positions and no physics at all.
PHYSICS_LIMIT = 300
# Above this many nodes edges hide while dragging or zooming, to keep panning smooth.
LARGE_GRAPH = 2000
# `kg viz` draws at most this many nodes unless told otherwise (5,000 opens in ~1 s).
DEFAULT_MAX_NODES = 5000

TYPE_STYLE: dict[str, tuple[str, str, str]] = {
    # type: (colour, singular, plural); colours from the Tableau 10 palette.
    "paper": ("#4e79a7", "Paper", "Papers"),
    "author": ("#f28e2b", "Author", "Authors"),
    "model": ("#e15759", "Model", "Models"),
    "dataset": ("#59a14f", "Dataset", "Datasets"),
    "modality": ("#b07aa1", "Modality", "Modalities"),
    "task": ("#edc948", "Task", "Tasks"),
}
_PAPER_FIELDS = ("date", "authors", "code")
_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
# Characters that could end the JSON's script element or start markup, plus the two that
# old JavaScript parsers treat as line ends; all become \uXXXX escapes, which JSON allows.
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_ESCAPE_RE = re.compile("[<>&\u2028\u2029]")


def write_viewer(
    store: ox.Store,
    path: str | Path,
    *,
    title: str = "medimg-kg graph",
    **selection: Any,
) -> nx.Graph:
    """Project the store (see projection.project for `selection`), write the viewer to `path`.

    Returns the projected graph, so callers can report what was drawn and left out.
    """
    graph = project(store, **selection)
    text = render_html(graph, title=title)
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    return graph


def render_html(graph: nx.Graph, *, title: str = "medimg-kg graph") -> str:
    """The complete viewer page for `graph` (a projection: nodes with `label` and `type`)."""
    payload = _payload(graph, title)
    scripts = {"VIS_JS": _script(_vis_js()), "VIEWER_JS": _script(_asset("viewer.js"))}
    hashes = " ".join(f"'sha256-{_sha256(code)}'" for code in scripts.values())
    csp = (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
        "img-src data:; font-src data:; base-uri 'none'; form-action 'none'"
    )
    summary = payload["meta"]["omitted"]
    values = {
        "CSP": csp,
        "VERSION": __version__,
        "TITLE": html.escape(title),
        "STYLE": _asset("viewer.css").replace("</", "<\\/"),
        "STATS": html.escape(
            f"{graph.number_of_nodes():,} nodes \u00b7 {graph.number_of_edges():,} edges"
        ),
        "OMITTED": html.escape(summary or ""),
        "OMITTED_HIDDEN": "" if summary else " hidden",
        "DATA": _json_for_html(payload),
        **scripts,
    }
    # One pass: text substituted in is never scanned again for placeholders.
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], _asset("viewer_template.html"))


def _payload(graph: nx.Graph, title: str) -> dict[str, Any]:
    order = sorted(graph.nodes, key=str)
    ids = {node: i for i, node in enumerate(order)}
    positions = layout(graph)
    relations: list[str] = []
    edges = []
    for a, b, data in graph.edges(data=True):
        relation = str(data.get("relation", "link"))
        if relation not in relations:
            relations.append(relation)
        edges.append([ids[a], ids[b], relations.index(relation)])
    return {
        "meta": {
            "title": title,
            "physics": graph.number_of_nodes() <= PHYSICS_LIMIT,
            "large": LARGE_GRAPH,
            "omitted": omitted_summary(graph),
            "selection": graph.graph.get("selection"),
        },
        "types": [
            {"id": kind, "color": color, "singular": one, "plural": many}
            for kind, (color, one, many) in TYPE_STYLE.items()
        ],
        "relations": relations,
        "nodes": [_node(node, graph, ids[node], positions[node]) for node in order],
        "edges": edges,
    }


def _node(
    node: Hashable, graph: nx.Graph, number: int, position: tuple[float, float]
) -> dict[str, Any]:
    data = graph.nodes[node]
    kind = data.get("type") if data.get("type") in NODE_TYPES else "paper"
    item: dict[str, Any] = {
        "id": number,
        "iri": str(node),
        "label": str(data.get("label") or node),
        "type": kind,
        "x": position[0],
        "y": position[1],
        "degree": graph.degree(node),
    }
    if data.get("aliases"):
        item["aliases"] = [str(a) for a in data["aliases"]]
    if kind == "paper":
        for key in _PAPER_FIELDS:
            if data.get(key):
                item[key] = data[key]
        if data.get("links"):
            item["links"] = [[str(k), str(v)] for k, v in data["links"].items()]
    else:
        item["papers"] = data.get("papers")
        if data.get("notation"):
            item["notation"] = str(data["notation"])
    return item


def _json_for_html(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _JSON_ESCAPE_RE.sub(lambda m: _JSON_ESCAPES[m.group(0)], text)


def _asset(name: str) -> str:
    return resources.files("kg.outputs").joinpath(name).read_text(encoding="utf-8")


def _vis_js() -> str:
    """vis-network's standalone build as shipped inside the installed pyvis package."""
    lib = resources.files("pyvis").joinpath("templates", "lib")
    candidates = sorted(
        (d for d in lib.iterdir() if d.name.startswith("vis-") and d.is_dir()),
        key=lambda d: tuple(int(p) for p in re.findall(r"\d+", d.name)),
    )
    if not candidates:
        raise ExportError("vis-network is missing from the installed pyvis package")
    code = candidates[-1].joinpath("vis-network.min.js").read_text(encoding="utf-8")
    # A source-map comment would make an open developer console fetch a file; drop it.
    return re.sub(r"^//# sourceMappingURL=.*$", "", code, flags=re.MULTILINE)


def _script(code: str) -> str:
    """Code ready to sit inside <script>: the text the browser will hash for the CSP."""
    # The HTML parser turns CR LF into LF before the CSP hash is taken; match it. A literal
    # "</script" would end the element early (none in vis 9.1.2, but stay safe for others).
    code = code.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
