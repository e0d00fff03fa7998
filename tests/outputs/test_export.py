"""kg.outputs.export: one function and one format registry for Python callers and the CLI."""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic

from kg.cli import cli
from kg.errors import ExportError, ProjectionError
from kg.outputs import FORMATS, export
from kg.store import open_store

FIXTURE = Path(__file__).parent / "viewer_fixture.ttl"


@pytest.fixture
def store(tmp_path: Path) -> ox.Store:
    store = open_store(tmp_path / "store")
    store.bulk_load(path=str(FIXTURE), format=ox.RdfFormat.TURTLE)
    return store


def test_turtle_export_parses_back_to_the_stored_graph(store, tmp_path):
    done = export(store, "turtle", tmp_path / "g.ttl")
    assert done.triples == len(store) and done.path == tmp_path / "g.ttl"
    stored = rdflib.Graph().parse(FIXTURE, format="turtle")
    assert isomorphic(rdflib.Graph().parse(done.path, format="turtle"), stored)


def test_network_export_takes_the_projection_selection(store, tmp_path):
    done = export(store, "graphml", tmp_path / "g.graphml", types=["model", "dataset"])
    graph = nx.read_graphml(done.path)
    assert (done.nodes, done.edges) == (graph.number_of_nodes(), graph.number_of_edges())
    assert {data["type"] for _, data in graph.nodes(data=True)} == {"model", "dataset"}


def test_csv_export_counts_its_rows(store, tmp_path):
    done = export(store, "csv", tmp_path / "papers.csv")
    with open(done.path, newline="", encoding="utf-8") as fh:
        assert done.rows == len(list(csv.DictReader(fh))) > 0


@pytest.mark.parametrize("fmt, options, message", [
    ("docx", {}, "unknown export format 'docx'; choose from turtle, nt, nq, trig, jsonld"),
    ("turtle", {"types": ["model"]}, "the turtle export takes no option types"),
])
def test_an_unknown_format_or_option_is_an_export_error(store, tmp_path, fmt, options, message):
    with pytest.raises(ExportError, match=message):
        export(store, fmt, tmp_path / "out", **options)
    assert not (tmp_path / "out").exists()


def test_a_failed_export_keeps_the_previous_file_and_leaves_no_temporary(store, tmp_path):
    out = tmp_path / "g.graphml"
    out.write_text("the previous export")
    with pytest.raises(ProjectionError, match="no node named"):
        export(store, "graphml", out, focus="nothing of that name")
    with pytest.raises(ExportError, match=r"cannot write .*: folder .* does not exist"):
        export(store, "turtle", tmp_path / "missing" / "g.ttl")
    assert out.read_text() == "the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.graphml", "store"]


def test_the_cli_offers_exactly_the_registered_formats():
    result = CliRunner().invoke(cli, ["export", "--help"])
    offered = result.output.split("--format [", 1)[1].split("]", 1)[0].split("|")
    assert offered == list(FORMATS)
