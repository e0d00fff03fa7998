"""XML exports stay well-formed whatever a listing puts in a title (issue 12, M10).

XML 1.0 cannot hold most C0 control characters, not even as character references, so the
rdfxml, graphml and gexf writers leave them out; every other character of the title stays.
The files are read back with real XML parsers (expat through ElementTree, rdflib, networkx).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
import rdflib
from click.testing import CliRunner

from kg.cli import cli

# \x01, ESC (an ANSI colour sequence) and the noncharacter U+FFFF are not XML 1.0 characters;
# é and U+202E are. (The reader turns \x0b, \x1f and the tab into spaces.)
TITLE = "Deep \x01Learning for \x1b[31mCT\x1b[0m\x0b Segmentation\x1f\uffff of t\u00e9\tst \u202e"
SCHEMA_NAME = rdflib.URIRef("https://schema.org/name")


def xml_char(c: str) -> bool:
    """XML 1.0's Char production."""
    n = ord(c)
    return (n in (0x9, 0xA, 0xD) or 0x20 <= n <= 0xD7FF or 0xE000 <= n <= 0xFFFD
            or 0x10000 <= n <= 0x10FFFF)

LISTING = f"""Sort by:

{TITLE}

Sample JK, Example M

arxiv logopreprintJan 18 2026
We train a U-Net on CT scans \x02with\x1b[0m control characters in the abstract.

"""


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    listing = folder / "radai.txt"
    listing.write_text(LISTING, encoding="utf-8")
    store = folder / "store"
    result = CliRunner().invoke(cli, ["build", str(listing), "--store", str(store),
                                      "--workers", "1"])
    assert result.exit_code == 0, result.output
    return store


@pytest.fixture(scope="module")
def stored_title(hostile_store, tmp_path_factory) -> str:
    """The title as stored, read from the N-Triples export (which escapes every character)."""
    path = _export(hostile_store, "nt", tmp_path_factory.mktemp("nt") / "g.nt")
    titles = {str(o) for s, o in rdflib.Graph().parse(path, format="nt").subject_objects(
        SCHEMA_NAME) if "Learning" in str(o)}
    assert len(titles) == 1
    title = titles.pop()
    assert "\x01" in title and "\x1b" in title and "\uffff" in title and "\u202e" in title
    return title


def _export(store: Path, fmt: str, path: Path) -> Path:
    result = CliRunner().invoke(cli, ["export", "--format", fmt, "-o", str(path),
                                      "--store", str(store)])
    assert result.exit_code == 0, result.output
    return path


def test_rdfxml_export_is_well_formed(hostile_store, stored_title, tmp_path):
    path = _export(hostile_store, "rdfxml", tmp_path / "g.rdf")
    ET.parse(path)  # expat: raises ParseError on a character XML 1.0 forbids
    graph = rdflib.Graph().parse(path, format="xml")
    titles = {str(o) for o in graph.objects(None, SCHEMA_NAME)}
    assert "".join(c for c in stored_title if xml_char(c)) in titles
    abstracts = {str(o) for o in graph.objects(None, rdflib.URIRef("https://schema.org/abstract"))}
    assert any("scans with[0m control" in a for a in abstracts)


@pytest.mark.parametrize("fmt, read", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_network_exports_are_well_formed(hostile_store, stored_title, tmp_path, fmt, read):
    path = _export(hostile_store, fmt, tmp_path / f"g.{fmt}")
    ET.parse(path)
    graph = read(path)
    labels = {data.get("label") for _, data in graph.nodes(data=True)}
    assert "".join(c for c in stored_title if xml_char(c)) in labels, labels
