"""`kg build`, `kg extract`, `kg stats`, `kg export` and `kg validate` on the demo corpus."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic

from kg.cli import cli
from kg.graph import LINK_PROPERTIES
from kg.ontology import PREFIXES
from kg.query import run_named


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory, demo_corpus: Path) -> Path:
    store = tmp_path_factory.mktemp("built") / "store"
    result = run("build", demo_corpus, "--store", store)
    assert result.exit_code == 0, result.output
    return store


def test_build_prints_a_summary(tmp_path, demo_corpus):
    result = run("build", demo_corpus, "--store", tmp_path / "s")
    assert result.exit_code == 0
    assert "papers            9" in result.output
    assert "duplicates merged 2" in result.output
    assert "records skipped   0" in result.output


def test_extract_prints_one_line_per_distinct_paper(demo_corpus):
    result = run("extract", demo_corpus)
    assert result.exit_code == 0
    papers = [json.loads(line) for line in result.output.splitlines()]
    assert len(papers) == 9
    assert len({p["id"] for p in papers}) == 9
    merged = next(p for p in papers if p["identifiers"]["arxiv"] == "2601.00011")
    # The arXiv listing has no title; the Hugging Face page has no id: one paper with both.
    assert merged["title"] == "Test-Time Adaptation for Brain Tumour Segmentation Across Scanners"
    assert merged["date"] == "2026-01-05"
    assert {s["format"] for s in merged["sources"]} == {"arxiv-listing", "hf-papers"}
    assert {"id", "title", "abstract", "authors", "authors_complete", "date", "identifiers",
            "url", "code", "sources", "models", "datasets", "modalities"} <= set(merged)


def test_building_twice_changes_nothing(tmp_path, demo_corpus):
    store = tmp_path / "s"
    run("build", demo_corpus, "--store", store)
    first = run("stats", "--json", "--store", store).output
    quads = ox.Store.read_only(str(store)).dump(format=ox.RdfFormat.N_QUADS)
    again = run("build", demo_corpus, "--store", store)
    assert "triples added     0" in again.output
    assert run("stats", "--json", "--store", store).output == first
    # every quad, the counts and the time they were computed included
    assert set(ox.Store.read_only(str(store)).dump(format=ox.RdfFormat.N_QUADS).splitlines()) \
        == set(quads.splitlines())


def test_building_more_files_adds_to_the_store(tmp_path, demo_corpus):
    store = tmp_path / "s"
    run("build", demo_corpus / "radai-slice.txt", "--store", store)
    small = json.loads(run("stats", "--json", "--store", store).output)
    run("build", demo_corpus, "--store", store)
    full = json.loads(run("stats", "--json", "--store", store).output)
    assert small["papers"] == 2 and full["papers"] == 9


def test_stats_counts(built):
    counts = json.loads(run("stats", "--json", "--store", built).output)
    assert counts["papers"] == 9
    # "Maria Example", "Example M" and "Example, M." are one person across three listings.
    assert counts["people"] == 4
    assert counts["modalities"] >= 5
    assert counts["triples"] > 500


@pytest.mark.parametrize("fmt,parser", [("turtle", "turtle"), ("nt", "nt"), ("nq", "nquads"),
                                        ("trig", "trig"), ("jsonld", "json-ld")])
def test_exports_parse_back_to_the_same_graph(built, tmp_path, fmt, parser):
    out = tmp_path / f"graph.{fmt}"
    result = run("export", "--format", fmt, "-o", out, "--store", built)
    assert result.exit_code == 0, result.output
    stored = ox.Store.read_only(str(built))
    expected = rdflib.Graph()
    expected.parse(data=stored.dump(format=ox.RdfFormat.N_TRIPLES,
                                    from_graph=ox.DefaultGraph()), format="nt")
    if parser in ("nquads", "trig"):
        exported = rdflib.Dataset()
        exported.parse(out, format=parser)
        triples = rdflib.Graph()
        for s, p, o, _ in exported.quads((None, None, None, None)):
            triples.add((s, p, o))
    else:
        triples = rdflib.Graph().parse(out, format=parser)
    assert len(triples) == len(expected)
    assert isomorphic(triples, expected)


def test_csv_export_has_a_row_per_paper(built, tmp_path):
    out = tmp_path / "papers.csv"
    assert run("export", "--format", "csv", "-o", out, "--store", built).exit_code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "paper,title,date,arxiv,models,datasets,modalities"
    assert len(lines) == 1 + 9


def test_validate_passes_on_a_built_graph(built):
    result = run("validate", "--store", built)
    assert result.exit_code == 0, result.output
    assert "conforms" in result.output


def test_validate_reports_violations(tmp_path, built):
    broken = tmp_path / "broken"
    shutil.copytree(built, broken)
    store = ox.Store(str(broken))
    role = ox.NamedNode("https://w3id.org/medimg-kg/paper/arxiv/2601.00011/author/99")
    store.add(ox.Quad(role, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                      ox.NamedNode("https://schema.org/Role")))
    del store
    result = CliRunner().invoke(cli, ["validate", "--store", str(broken)])
    assert result.exit_code == 1
    assert "SHACL violation" in result.output


def test_a_link_without_its_assertion_is_a_violation(tmp_path, built):
    broken = tmp_path / "broken"
    shutil.copytree(built, broken)
    store = ox.Store(str(broken))
    assertion = next(iter(store.query(
        "SELECT ?a WHERE { ?a a kg:LinkAssertion ; kg:linkRole 'proposed' } LIMIT 1",
        prefixes=PREFIXES)))["a"]
    for quad in list(store.quads_for_pattern(assertion, None, None, None)):
        store.remove(quad)
    del store
    result = CliRunner().invoke(cli, ["validate", "--store", str(broken), "--report"])
    assert result.exit_code == 1
    assert "has no link assertion in that role" in result.output


def test_evidence_gives_sentence_offsets_and_quote_for_every_link(built):
    store = ox.Store.read_only(str(built))
    values = " ".join(f"<{prop}>" for prop in LINK_PROPERTIES)
    links = [(row["p"].value, row["e"].value) for row in store.query(
        f"SELECT DISTINCT ?p ?e WHERE {{ VALUES ?link {{ {values} }} ?p ?link ?e }}")]
    texts = {(row["p"].value, row["f"].value): row["t"].value for row in store.query(
        "SELECT ?p ?f ?t WHERE { { ?p schema:name ?t BIND('title' AS ?f) } "
        "UNION { ?p schema:abstract ?t BIND('abstract' AS ?f) } }", prefixes=PREFIXES)}
    assert len(links) > 30
    for paper, entity in links:
        rows = list(run_named(store, "evidence", {"paper": f"<{paper}>", "entity": f"<{entity}>"}))
        assert rows, (paper, entity)
        for row in rows:
            text = texts[(paper, row["field"].value)]
            start, end = int(row["start"].value), int(row["end"].value)
            assert row["quote"].value == text[start:end] != ""
            assert row["quote"].value in row["sentence"].value
            assert row["role"].value in ("used", "proposed") and row["extractor"].value
            assert 0 < float(row["confidence"].value) <= 1


def test_every_command_has_help():
    for name in cli.commands:
        result = run(name, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output, name
