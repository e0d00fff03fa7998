"""GraphML and GEXF files (for Gephi, Cytoscape, yEd) from the same projection the viewer draws.

Both formats take only scalar attributes, so lists (aliases, authors, code links) are joined
with " | ", the link table becomes one attribute per link kind, and missing values are left
out rather than written as empty strings. The selection record (what was left out) goes into
the graph-level attributes. Both are XML: text values lose the characters XML 1.0 cannot hold
(kg.outputs.xmlchars).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox

from kg.outputs.projection import omitted_summary, project
from kg.outputs.xmlchars import xml_text
from kg.shards import write_output

_SEPARATOR = " | "


def write_graphml(store: ox.Store, path: str | Path, **selection: Any) -> tuple[int, int]:
    """Project the store (selection as for projection.project) and write GraphML to `path`.

    Returns the numbers of nodes and edges written. To write an already selected graph, use
    `nx.write_graphml(flatten(graph), path)`.
    """
    graph = project(store, **selection)
    _write(lambda g, p: nx.write_graphml(g, p, encoding="utf-8"), flatten(graph), path)
    return graph.number_of_nodes(), graph.number_of_edges()


def write_gexf(store: ox.Store, path: str | Path, **selection: Any) -> tuple[int, int]:
    """Project the store (selection as for projection.project) and write GEXF 1.2 to `path`.

    Returns the numbers of nodes and edges written.
    """
    graph = project(store, **selection)
    _write(lambda g, p: nx.write_gexf(g, p, encoding="utf-8"), flatten(graph), path)
    return graph.number_of_nodes(), graph.number_of_edges()


def flatten(graph: nx.Graph) -> nx.Graph:
    """A copy of a projection with only str/int/float/bool attributes, as both formats need,
    and only characters XML 1.0 can hold in the strings."""
    flat = nx.Graph()
    for key, value in graph.graph.items():
        if isinstance(value, (dict, list)):
            flat.graph[key] = xml_text(json.dumps(value, sort_keys=True))
        elif isinstance(value, str):
            flat.graph[key] = xml_text(value)
        elif value is not None:
            flat.graph[key] = value
    summary = omitted_summary(graph)
    if summary:
        flat.graph["omitted_summary"] = xml_text(summary)
    for node, data in graph.nodes(data=True):
        flat.add_node(node, **_scalars(data))
    for a, b, data in graph.edges(data=True):
        flat.add_edge(a, b, **_scalars(data))
    return flat


def _scalars(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if value is None or value == [] or value == {}:
            continue
        if key == "links" and isinstance(value, dict):
            for kind, url in value.items():
                out[f"link_{kind.lower()}"] = xml_text(str(url))
        elif isinstance(value, (list, tuple, set)):
            out[key] = xml_text(_SEPARATOR.join(str(v) for v in value))
        elif isinstance(value, dict):
            out[key] = xml_text(json.dumps(value, sort_keys=True))
        elif isinstance(value, str):
            out[key] = xml_text(value)
        elif isinstance(value, (int, float, bool)):
            out[key] = value
        else:
            out[key] = xml_text(str(value))
    return out


def _write(writer: Any, graph: nx.Graph, path: str | Path) -> None:
    write_output(path, lambda tmp: writer(graph, str(tmp)))
