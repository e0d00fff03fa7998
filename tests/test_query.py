"""kg.query and `kg query`: named questions on a known graph, safe parameters, formats, errors."""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg import query as q
from kg.cli import cli
from kg.counts import refresh_counts
from kg.errors import QueryError
from kg.store import open_store, triple_count

FIXTURE = Path(__file__).with_name("query_fixture.ttl")
B = "https://w3id.org/medimg-kg/"

INJECTIONS = [
    "} ; DROP ALL",
    '"} ; DROP ALL ; #',
    '" } UNION { ?paper ?p ?o } #',
    "') } UNION { ?paper ?p ?o } #",
    '""" ) } } DROP ALL #',
    "{ }",
    "\\u0022 } ; DROP ALL #",
    "\\\" } ; DROP ALL #",
    "x\n} ; DROP ALL\n#",
    "VALUES ?entity { UNDEF }",
    "<https://w3id.org/medimg-kg/modality/ct> } ; DROP ALL #",
]


@pytest.fixture()
def store(store_path: Path) -> ox.Store:
    return open_store(store_path, read_only=True)


def rows(result) -> list[dict[str, str]]:
    """Solutions as {variable: lexical value}, unbound variables left out."""
    names = [v.value for v in result.variables]
    return [
        {n: s[n].value for n in names if s[n] is not None}
        for s in result
    ]


def column(result, name: str) -> list[str]:
    return [row.get(name, "") for row in rows(result)]


# ---------------------------------------------------------------- named questions


def test_every_named_question_is_listed_with_description_and_slots() -> None:
    queries = q.list_queries()
    assert [x.name for x in queries] == [
        "coauthors", "datasets-per-modality", "evidence", "modality-task-counts",
        "models-with-dataset", "most-used-datasets", "papers-with-code",
        "proposed-models-per-year",
    ]
    for named in queries:
        assert named.description, named.name
        for param in named.params:
            assert param.description
            # exactly one slot per declared parameter (a row count: one or more LIMIT slots,
            # all given the value), so binding can never miss or double
            kinds = q.slots(named.text).get(param.name, [])
            assert kinds == ["values"] or kinds and set(kinds) == {"limit"}, param.name
            assert (named.text.count(f"VALUES ?{param.name} {{ UNDEF }}")
                    + named.text.count(f"  # ${param.name}\n")) == len(kinds), param.name


def test_named_questions_run_unbound_as_plain_sparql(store: ox.Store) -> None:
    # Every .rq file is valid SPARQL on its own (slots are UNDEF), for any other client.
    for named in q.list_queries():
        result = store.query(named.text)
        list(result)


def test_most_used_datasets(store: ox.Store) -> None:
    result = rows(q.run_named(store, "most-used-datasets"))
    assert [(r["name"], r["papers"]) for r in result] == [
        ("BraTS", "2"), ("LIDC-IDRI", "2"), ("CheXpert", "1"),
    ]
    assert result[0]["dataset"] == B + "dataset/brats"


@pytest.mark.parametrize("modality", ["CT", "ct", "Computed Tomography", f"<{B}modality/ct>"])
def test_most_used_datasets_for_one_modality(store: ox.Store, modality: str) -> None:
    result = rows(q.run_named(store, "most-used-datasets", {"modality": modality}))
    assert [(r["name"], r["papers"]) for r in result] == [("LIDC-IDRI", "2"), ("BraTS", "1")]


def test_most_used_datasets_by_dicom_code(store: ox.Store) -> None:
    result = rows(q.run_named(store, "most-used-datasets", {"modality": "DX"}))
    assert [(r["name"], r["papers"]) for r in result] == [("CheXpert", "1")]


@pytest.mark.parametrize("dataset", ["BraTS", "brats", "Brain Tumor Segmentation Challenge"])
def test_models_with_dataset(store: ox.Store, dataset: str) -> None:
    result = rows(q.run_named(store, "models-with-dataset", {"dataset": dataset}))
    assert [(r["name"], r["papers"]) for r in result] == [
        ("MedSAM", "1"), ("SAM", "1"), ("U-Net", "1"),
    ]


def test_models_with_dataset_counts_papers(store: ox.Store) -> None:
    result = rows(q.run_named(store, "models-with-dataset", {"dataset": "LIDC-IDRI"}))
    assert sorted((r["name"], r["papers"]) for r in result) == [
        ("MedSAM", "1"), ("SAM", "1"), ("Swin UNETR", "1"), ("U-Net", "1"),
    ]


def test_datasets_per_modality(store: ox.Store) -> None:
    result = rows(q.run_named(store, "datasets-per-modality"))
    got = {r["name"]: (r["datasets"], sorted(r["dataset_names"].split(", "))) for r in result}
    assert got == {
        "CT": ("2", ["BraTS", "LIDC-IDRI"]),
        "MRI": ("2", ["BraTS", "LIDC-IDRI"]),
        "X-ray radiography": ("1", ["CheXpert"]),
    }


def test_proposed_models_per_year(store: ox.Store) -> None:
    result = rows(q.run_named(store, "proposed-models-per-year"))
    assert [(r["year"], r["papers"], r["models"], r["model_names"]) for r in result] == [
        ("2022", "1", "1", "CheXNet-2"), ("2023", "1", "1", "MedSAM"),
    ]


@pytest.mark.parametrize("author", ["Ma D", "dong ma", "ma-d", f"<{B}person/ma-d>"])
def test_coauthors(store: ox.Store, author: str) -> None:
    result = rows(q.run_named(store, "coauthors", {"author": author}))
    assert [(r["name"], r["shared_papers"], r["titles"]) for r in result] == [
        ("Bo Wang", "1", "MedSAM: Segment Anything in Medical Images"),
        ("C. Li", "1", "CheXNet-2: chest X-ray classification"),
    ]


def test_coauthors_of_unknown_author_is_empty(store: ox.Store) -> None:
    assert rows(q.run_named(store, "coauthors", {"author": "Nobody N"})) == []


def test_papers_with_code(store: ox.Store) -> None:
    result = rows(q.run_named(store, "papers-with-code"))
    assert [(r["paper"], r["repository"]) for r in result] == [
        (B + "paper/arxiv/2301.00001", "https://github.com/example/MedSAM"),
        (B + "paper/doi/10.1000/xyz.123", "https://github.com/example/chexnet2"),
    ]
    assert result[0]["title"] == "MedSAM: Segment Anything in Medical Images"
    assert result[0]["date"] == "2023-01-15"


def test_papers_with_code_limit_keeps_the_newest(store: ox.Store) -> None:
    result = rows(q.run_named(store, "papers-with-code", {"limit": "1"}))
    assert [(r["paper"], r["date"]) for r in result] == [
        (B + "paper/arxiv/2301.00001", "2023-01-15"),
    ]


def test_papers_with_code_without_a_date_come_last() -> None:
    store = ox.Store()
    store.load(path=str(FIXTURE), format=ox.RdfFormat.TURTLE)
    paper, code = ox.NamedNode(B + "paper/arxiv/2303.00003"), ox.NamedNode(B + "code/undated")
    store.add(ox.Quad(paper, ox.NamedNode(q.PREFIXES["kg"] + "releasesCode"), code))
    store.add(ox.Quad(code, ox.NamedNode("https://schema.org/codeRepository"),
                      ox.NamedNode("https://github.com/example/undated")))
    refresh_counts(store, B)  # as a build does after loading
    everything = rows(q.run_named(store, "papers-with-code"))
    assert [r["paper"] for r in everything] == [
        B + "paper/arxiv/2301.00001", B + "paper/doi/10.1000/xyz.123", paper.value,
    ]
    assert "date" not in everything[-1]
    two = rows(q.run_named(store, "papers-with-code", {"limit": "2"}))
    assert [r["paper"] for r in two] == [r["paper"] for r in everything[:2]]


@pytest.mark.parametrize("limit", ["0", "-1", "ten", "1.5", "1_000", "10 # x", "", "1" * 19])
def test_papers_with_code_limit_must_be_a_whole_number(store: ox.Store, limit: str) -> None:
    with pytest.raises(QueryError, match="'limit' must be a whole number from 1"):
        q.run_named(store, "papers-with-code", {"limit": limit})


def test_modality_task_counts(store: ox.Store) -> None:
    result = rows(q.run_named(store, "modality-task-counts"))
    assert [(r["modality"], r["task"], r["papers"]) for r in result] == [
        ("MRI", "segmentation", "2"),
        ("CT", "detection", "1"),
        ("CT", "segmentation", "1"),
        ("X-ray radiography", "classification", "1"),
    ]


def test_evidence_for_a_paper(store: ox.Store) -> None:
    result = rows(q.run_named(store, "evidence", {"paper": "2301.00001"}))
    assert [(r["entity_name"], r["role"], r["field"], r["start"], r["end"], r["quote"])
            for r in result] == [
        ("BraTS", "used", "abstract", "69", "74", "BraTS"),
        ("MedSAM", "proposed", "abstract", "11", "17", "MedSAM"),
        ("MedSAM", "proposed", "title", "0", "6", "MedSAM"),
    ]
    assert result[1]["sentence"] == "We propose MedSAM, a foundation model built on SAM."
    assert result[1]["extractor"] == "kg_model_rules"
    assert float(result[1]["confidence"]) == pytest.approx(0.95)


@pytest.mark.parametrize("entity", ["MedSAM", "medsam", f"<{B}model/medsam>"])
def test_evidence_for_one_fact(store: ox.Store, entity: str) -> None:
    result = rows(q.run_named(store, "evidence", {"paper": f"<{B}paper/arxiv/2301.00001>",
                                                    "entity": entity}))
    assert [(r["field"], r["start"], r["end"]) for r in result] == [
        ("abstract", "11", "17"), ("title", "0", "6"),
    ]


def test_evidence_offsets_point_at_the_quote(store: ox.Store) -> None:
    abstract = next(iter(store.query(
        "SELECT ?a WHERE { ?p kg:arxivId '2301.00001' ; schema:abstract ?a }",
        prefixes=q.PREFIXES)))["a"].value
    for r in rows(q.run_named(store, "evidence", {"paper": "2301.00001"})):
        if r["field"] == "abstract":
            assert abstract[int(r["start"]):int(r["end"])] == r["quote"]


def test_evidence_by_doi(store: ox.Store) -> None:
    assert rows(q.run_named(store, "evidence", {"paper": "10.1000/XYZ.123"})) == []
    assert rows(q.run_named(store, "evidence", {"paper": "2302.00002"})) == []


# ---------------------------------------------------------------- safe parameters


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_values_are_plain_literals(store: ox.Store, value: str) -> None:
    before = triple_count(store)
    assert rows(q.run_named(store, "most-used-datasets", {"modality": value})) == []
    assert rows(q.run_named(store, "models-with-dataset", {"dataset": value})) == []
    assert rows(q.run_named(store, "coauthors", {"author": value})) == []
    assert rows(q.run_named(store, "evidence", {"paper": value})) == []
    assert rows(q.run_named(store, "evidence", {"paper": "2301.00001", "entity": value})) == []
    assert triple_count(store) == before


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_value_matches_itself_exactly(value: str) -> None:
    # The positive control: a dataset literally named like the attack is found, once.
    store = ox.Store()
    store.load(path=str(FIXTURE), format=ox.RdfFormat.TURTLE)
    evil = ox.NamedNode(B + "dataset/evil")
    paper = ox.NamedNode(B + "paper/arxiv/2302.00002")
    store.add(ox.Quad(evil, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                      ox.Literal(value)))
    store.add(ox.Quad(paper, ox.NamedNode(q.PREFIXES["kg"] + "usesDataset"), evil))
    # Every dataset the build writes is typed; the question looks datasets up by type.
    store.add(ox.Quad(evil, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                      ox.NamedNode("https://schema.org/Dataset")))
    refresh_counts(store, B)  # as a build does after loading
    result = rows(q.run_named(store, "models-with-dataset", {"dataset": value}))
    assert [(r["name"], r["papers"]) for r in result] == [("U-Net", "1")]


def test_bind_writes_terms_not_text() -> None:
    text = "SELECT * WHERE { VALUES ?a { UNDEF } VALUES ?b { UNDEF } }"
    bound = q.bind(text, {"a": "VALUES ?b { UNDEF }", "b": 'x" }'})
    assert bound == ('SELECT * WHERE { VALUES ?a { "VALUES ?b { UNDEF }" } '
                     'VALUES ?b { "x\\" }" } }')
    iri = q.bind("SELECT * WHERE { VALUES ?a { UNDEF } }", {"a": "<http://example.org/x>"})
    assert "VALUES ?a { <http://example.org/x> }" in iri


def test_bind_limit_slot() -> None:
    text = "SELECT * WHERE { VALUES ?a { UNDEF } } LIMIT 100  # $n\n"
    assert q.slots(text) == {"a": ["values"], "n": ["limit"]}
    assert q.bind(text, {}) == text
    assert q.bind(text, {"n": "7", "a": "LIMIT 5  # $n"}) == (
        'SELECT * WHERE { VALUES ?a { "LIMIT 5  # $n" } } LIMIT 7  # $n\n')


def test_a_row_count_may_fill_several_limit_slots() -> None:
    text = "SELECT * { { SELECT * { ?s ?p ?o } LIMIT 10  # $n\n } } LIMIT 10  # $n\n"
    assert q.slots(text) == {"n": ["limit", "limit"]}
    assert q.bind(text, {"n": "3"}).count("LIMIT 3  # $n") == 2
    with pytest.raises(QueryError, match="needs exactly one"):
        q.bind("SELECT * { VALUES ?n { UNDEF } } LIMIT 10  # $n\n", {"n": "3"})


def test_bind_errors() -> None:
    declared = [q.Param("dataset", "d"), q.Param("modality", "m", optional=True)]
    text = "SELECT * WHERE { VALUES ?dataset { UNDEF } VALUES ?modality { UNDEF } }"
    with pytest.raises(QueryError, match="unknown parameter 'nope' .*dataset, modality"):
        q.bind(text, {"dataset": "x", "nope": "y"}, declared)
    with pytest.raises(QueryError, match="missing required parameter 'dataset'"):
        q.bind(text, {"modality": "CT"}, declared)
    with pytest.raises(QueryError, match=r"needs exactly one `VALUES \?x \{ UNDEF \}` slot"):
        q.bind("SELECT * WHERE { ?s ?p ?x }", {"x": "1"})
    with pytest.raises(QueryError, match="invalid IRI"):
        q.bind("SELECT * WHERE { VALUES ?x { UNDEF } }", {"x": "<not an iri>"})
    with pytest.raises(QueryError, match="not of the form key=value"):
        q.parse_param("novalue")
    assert q.parse_param("key=a=b") == ("key", "a=b")
    assert q.parse_param("author= Ma D\r") == ("author", "Ma D")


def test_unknown_named_query() -> None:
    with pytest.raises(QueryError, match="no named query 'nope' \\(known: coauthors, "):
        q.load_query("nope")


# ---------------------------------------------------------------- errors and updates


def test_malformed_query_reports_parser_message_and_position(store: ox.Store) -> None:
    with pytest.raises(QueryError) as info:
        q.run(store, "SELECT ?x WHERE {\n ?x ?y }")
    assert str(info.value).startswith("SPARQL syntax error at line 2, column 9: expected")


@pytest.mark.parametrize("update", [
    "DROP ALL",
    f"# harmless?\nPREFIX kg: <{q.PREFIXES['kg']}>\nCLEAR DEFAULT",
    "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
    "delete where { ?s ?p ?o }",
])
def test_updates_are_refused_by_default(store: ox.Store, update: str) -> None:
    before = triple_count(store)
    with pytest.raises(QueryError, match="this is a SPARQL update; it is refused"):
        q.run(store, update)
    assert triple_count(store) == before


def test_update_with_allow_update(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    store.load(path=str(FIXTURE), format=ox.RdfFormat.TURTLE)
    n = triple_count(store)
    result = q.run(store, "DELETE WHERE { ?s kg:nameKey ?k }", allow_update=True)
    assert result == q.UpdateSummary(n, n - 4)
    out = io.BytesIO()
    q.write_result(result, "table", out)
    assert out.getvalue() == f"update applied: {n} -> {n - 4} triples\n".encode()


def test_is_update() -> None:
    assert q.is_update("PREFIX a: <http://x#> BASE <http://y/> # c\n INSERT DATA {}")
    assert not q.is_update("PREFIX a: <http://x#insert> SELECT * WHERE {}")
    assert not q.is_update("# DROP ALL\nASK {}")


# ---------------------------------------------------------------- formats


SELECT_CT = ("SELECT ?name ?notation WHERE { ?m skos:prefLabel ?name ; skos:notation ?notation "
             "FILTER(?notation = 'CT') }")


def test_formats(store: ox.Store) -> None:
    def render(fmt: str, text: str = SELECT_CT) -> str:
        out = io.BytesIO()
        q.write_result(q.run(store, text), fmt, out)
        return out.getvalue().decode()

    assert render("table") == "name  notation\n----  --------\nCT    CT\n"
    assert list(csv.reader(io.StringIO(render("csv")))) == [["name", "notation"], ["CT", "CT"]]
    assert render("tsv").splitlines() == ["?name\t?notation", '"CT"@en\t"CT"']
    data = json.loads(render("json"))
    assert data["head"]["vars"] == ["name", "notation"]
    assert data["results"]["bindings"][0]["name"] == {"type": "literal", "value": "CT",
                                                       "xml:lang": "en"}
    assert render("table", "ASK { ?s a schema:ScholarlyArticle }") == "true\n"
    assert json.loads(render("json", "ASK { ?s a schema:Nothing }")) == {"head": {},
                                                                          "boolean": False}
    turtle = render("table", f"CONSTRUCT WHERE {{ <{B}modality/ct> skos:notation ?n }}")
    assert "skos:notation" in turtle
    triples = list(ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE))
    assert [t.object.value for t in triples] == ["CT"]
    with pytest.raises(QueryError, match="unknown format"):
        q.write_result(q.run(store, SELECT_CT), "xml", io.BytesIO())


def test_table_cells_are_compact_and_single_line() -> None:
    assert q.compact_iri(q.PREFIXES["kg"] + "usesModel") == "kg:usesModel"
    assert q.compact_iri(B + "model/sam") == B + "model/sam"
    store = ox.Store()
    long_text = "word " * 40 + "\nsecond line"
    store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"),
                      ox.Literal(long_text)))
    out = io.BytesIO()
    q.write_result(store.query("SELECT ?o WHERE { ?s ?p ?o }"), "table", out)
    line = out.getvalue().decode().splitlines()[2]
    assert len(line) == q.MAX_CELL and line.endswith("…")


# ---------------------------------------------------------------- kg query (CLI)


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_cli_list() -> None:
    result = invoke("query", "--list")
    assert result.exit_code == 0, result.output
    assert "most-used-datasets\n  Datasets ranked by the number of papers" in result.output
    assert "  --param modality=... (optional)  imaging modality" in result.output


@pytest.mark.parametrize("value", ["BraTS", "BraTS\r"])  # "\r": copied from a CSV answer
def test_cli_named_question(store_path: Path, value: str) -> None:
    result = invoke("query", "--store", str(store_path), "--name", "models-with-dataset",
                    "--param", f"dataset={value}", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "model,name,papers",
        f"{B}model/medsam,MedSAM,1",
        f"{B}model/sam,SAM,1",
        f"{B}model/u-net,U-Net,1",
    ]


def test_cli_named_question_with_limit(store_path: Path) -> None:
    result = invoke("query", "--store", str(store_path), "--name", "papers-with-code",
                    "--param", "limit=1", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "paper,title,date,repository",
        f"{B}paper/arxiv/2301.00001,MedSAM: Segment Anything in Medical Images,2023-01-15,"
        "https://github.com/example/MedSAM",
    ]
    bad = invoke("query", "--store", str(store_path), "--name", "papers-with-code",
                 "--param", "limit=all")
    assert bad.exit_code == 1 and "Error: parameter 'limit' must be a whole number" in bad.output


def test_cli_injection_param_gives_no_error_no_rows(store_path: Path) -> None:
    result = invoke("query", "--store", str(store_path), "--name", "most-used-datasets",
                    "--param", "modality=} ; DROP ALL", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["dataset,name,papers"]


def test_cli_query_argument_file_and_stdin(store_path: Path, tmp_path: Path) -> None:
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?p a schema:ScholarlyArticle }"
    by_arg = invoke("query", "--store", str(store_path), text)
    assert by_arg.exit_code == 0, by_arg.output
    assert by_arg.output == "n\n-\n4\n"
    (tmp_path / "q.rq").write_text(text)
    assert invoke("query", "--store", str(store_path), "-f", str(tmp_path / "q.rq")).output \
        == by_arg.output
    assert invoke("query", "--store", str(store_path), "-", input=text).output == by_arg.output
    assert invoke("query", "--store", str(store_path), "-f", "-", input=text).output \
        == by_arg.output


def test_cli_param_for_ad_hoc_query(store_path: Path) -> None:
    text = "SELECT ?p WHERE { VALUES ?id { UNDEF } ?p kg:arxivId ?id }"
    result = invoke("query", "--store", str(store_path), text, "-p", "id=2302.00002",
                    "--format", "tsv")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["?p", f"<{B}paper/arxiv/2302.00002>"]


def test_cli_errors(store_path: Path, tmp_path: Path) -> None:
    malformed = invoke("query", "--store", str(store_path), "SELEC ?x")
    assert malformed.exit_code == 1
    assert malformed.output.startswith("Error: SPARQL syntax error at line 1, column")
    update = invoke("query", "--store", str(store_path), "DROP ALL")
    assert update.exit_code == 1
    assert "Error: this is a SPARQL update; it is refused unless updates are allowed " \
           "(--allow-update)" in update.output
    missing = invoke("query", "--store", str(tmp_path / "none"), "ASK {}")
    assert missing.exit_code == 1 and "Error: no store at" in missing.output
    unknown = invoke("query", "--store", str(store_path), "--name", "nope")
    assert unknown.exit_code == 1 and "Error: no named query 'nope'" in unknown.output
    required = invoke("query", "--store", str(store_path), "--name", "coauthors")
    assert required.exit_code == 1
    assert "Error: missing required parameter 'author'" in required.output


@pytest.mark.parametrize("args", [
    [],
    ["ASK {}", "--name", "coauthors"],
    ["--list", "--name", "coauthors"],
    ["ASK {}", "-p", "novalue"],
    ["ASK {}", "-p", "a=1", "-p", "a=2"],
])
def test_cli_usage_errors(args: list[str]) -> None:
    assert invoke("query", *args).exit_code == 2


def test_cli_allow_update(tmp_path: Path) -> None:
    path = tmp_path / "store"
    store = open_store(path)
    store.load(path=str(FIXTURE), format=ox.RdfFormat.TURTLE)
    n = triple_count(store)
    del store
    gc.collect()
    result = invoke("query", "--store", str(path), "--allow-update",
                    "DELETE WHERE { ?s kg:nameKey ?k }")
    assert result.exit_code == 0, result.output
    assert result.output == f"update applied: {n} -> {n - 4} triples\n"
    count = invoke("query", "--store", str(path), "--format", "csv",
                   "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert count.output.splitlines()[1] == str(n - 4)


def test_issue_5_named_questions_all_run_from_cli(store_path: Path) -> None:
    params = {"models-with-dataset": ["-p", "dataset=BraTS"], "coauthors": ["-p", "author=ma-d"],
              "evidence": ["-p", "paper=2301.00001"]}
    for named in q.list_queries():
        result = invoke("query", "--store", str(store_path), "--name", named.name,
                        "--format", "json", *params.get(named.name, []))
        assert result.exit_code == 0, (named.name, result.output)
        assert json.loads(result.output)["results"]["bindings"], named.name


# ---------------------------------------------------------------- issue 12: hostile queries, data

KG = str(Path(sys.executable).with_name("kg"))
WAIT = 15.0
FOUR_WAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
HOSTILE = "Red \x1b[31mALERT\x1b[0m \u202eevil\u202c bell\x07 end"


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return found


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://h/> { ?s ?p ?o } }",
    "select * where { service silent <http://h/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o.SERVICE <http://h/> { } }",
    "SELECT * WHERE { ?s ?p 1SERVICE <http://h/> { } }",
    "SELECT * WHERE { ?s ?p <x>SERVICE <http://h/> { } }",
    "SELECT * WHERE { \\u0053ERVICE <http://h/> { } }",
    # a local-name escape \' must not open a string that hides what follows
    "PREFIX e: <http://e/> SELECT * WHERE { ?s ?p e:a\\' . SERVICE <http://h/> { } } #'",
    "LOAD <file:///etc/passwd>",
    "load<http://h/> INTO GRAPH <http://g/>",
])
def test_issue_12_remote_operations_are_found(text: str) -> None:
    assert q.remote_operations(text)
    with pytest.raises(QueryError, match="refused: it would make this process fetch a URL"):
        q.refuse_remote(text)


@pytest.mark.parametrize("text", [
    "SELECT ?service WHERE { ?service schema:serviceType 'SERVICE' } # SERVICE <http://h/>",
    "SELECT * WHERE { <http://e/SERVICE> ?p \"\"\"LOAD <x> SERVICE\"\"\" }",
    "SELECT * WHERE { ?s ?p \"a\\\"SERVICE\" }",
])
def test_issue_12_keywords_inside_names_strings_and_comments_are_harmless(text: str) -> None:
    assert q.remote_operations(text) == []


def test_issue_12_kg_query_refuses_service_and_load(tmp_path: Path) -> None:
    from test_serve import Listener

    listener = Listener()
    try:
        path = tmp_path / "store"
        store = open_store(path)
        store.load(path=str(FIXTURE), format=ox.RdfFormat.TURTLE)
        del store
        gc.collect()
        service = f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"
        refused = invoke("query", "--store", str(path), service)
        assert refused.exit_code == 1
        assert refused.output == ("Error: SERVICE refused: it would make this process fetch a "
                                  "URL (pass --allow-remote to allow it)\n")
        load = invoke("query", "--store", str(path), "--allow-update", f"LOAD <{listener.url}>")
        assert load.exit_code == 1 and load.output.startswith("Error: LOAD refused")
        assert listener.hits == []
        # allowed on request: the listener is reached, so the refusal above is real
        invoke("query", "--store", str(path), "--allow-remote", service)
        assert listener.hits and listener.hits[0].startswith(b"POST /sparql")
    finally:
        listener.close()


def test_issue_12_kg_query_timeout(store_path: Path) -> None:
    result = invoke("query", "--store", str(store_path), "--timeout", "1", FOUR_WAY)
    assert result.exit_code == 1
    assert result.output == ("Error: the query ran past its time limit of 1 s and was stopped "
                             "(see --timeout)\n")


def test_issue_12_ctrl_c_stops_kg_query(store_path: Path) -> None:
    process = subprocess.Popen([KG, "query", "--store", str(store_path), FOUR_WAY],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + WAIT
        while not children(process.pid):  # the query process runs
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        worker = children(process.pid)[0]
        time.sleep(0.5)  # well inside the query
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=WAIT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert (out, err) == ("", "Interrupted: the query was stopped.\n")
    assert not running(worker)


def test_issue_12_undecodable_param_is_one_error_line(store_path: Path) -> None:
    result = subprocess.run([KG.encode(), b"query", b"--store", str(store_path).encode(),
                             b"--name", b"coauthors", b"--param", b"author=\xff"],
                            capture_output=True, timeout=WAIT)
    assert result.returncode == 1
    assert result.stderr == (b"Error: the value of parameter 'author' is not valid UTF-8 text "
                             b"(byte 0xff at character 1)\n")
    query = subprocess.run([KG.encode(), b"query", b"--store", str(store_path).encode(),
                            b"SELECT * WHERE { ?s ?p '\xe9' }"], capture_output=True, timeout=WAIT)
    assert query.returncode == 1
    assert query.stderr.startswith(b"Error: the query is not valid UTF-8 text (byte 0xe9")


@pytest.mark.parametrize("value", [
    "\x00", "\x1b[2J", "\ud800", "<>", "< >", "<not an iri>", "<http://e/a b>", "x" * 100_000,
    "\u202e", "a=b=c", "} ; DROP ALL", "",
])
def test_issue_12_odd_param_values_give_no_traceback(store_path: Path, value: str) -> None:
    result = invoke("query", "--store", str(store_path), "--name", "coauthors",
                    "--param", f"author={value}", "--format", "csv")
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if result.exit_code == 1:
        assert result.output.startswith("Error: ") and result.output.count("\n") == 1


def test_issue_12_query_file_not_utf8(store_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "q.rq"
    bad.write_bytes(b"SELECT * WHERE { ?s ?p '\xff' }")
    result = invoke("query", "--store", str(store_path), "-f", str(bad))
    assert result.exit_code == 1
    assert result.output == f"Error: {bad} is not UTF-8 text (byte 0xff at offset 24)\n"


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "store"
    store = open_store(path)
    store.add(ox.Quad(ox.NamedNode(f"{B}paper/x"), ox.NamedNode("https://schema.org/name"),
                      ox.Literal(HOSTILE)))
    del store
    gc.collect()
    return path


TITLE = "SELECT ?t WHERE { ?p <https://schema.org/name> ?t }"


def test_issue_12_table_output_escapes_control_and_bidi_characters(hostile_store: Path) -> None:
    result = invoke("query", "--store", str(hostile_store), TITLE)
    assert result.exit_code == 0
    assert result.output.splitlines()[2] == \
        "Red \\x1b[31mALERT\\x1b[0m \\u202eevil\\u202c bell\\x07 end"


def test_issue_12_csv_and_json_to_a_pipe_are_exact(hostile_store: Path) -> None:
    csv_out = subprocess.run([KG, "query", "--store", str(hostile_store), "--format", "csv",
                              TITLE], capture_output=True, timeout=WAIT)
    assert csv_out.stdout.decode("utf-8").splitlines() == ["t", HOSTILE]
    json_out = subprocess.run([KG, "query", "--store", str(hostile_store), "--format", "json",
                               TITLE], capture_output=True, timeout=WAIT)
    value = json.loads(json_out.stdout)["results"]["bindings"][0]["t"]["value"]
    assert value == HOSTILE


def test_issue_12_csv_to_a_terminal_is_escaped(hostile_store: Path) -> None:
    import pty

    leader, follower = pty.openpty()
    try:
        process = subprocess.run([KG, "query", "--store", str(hostile_store), "--format", "csv",
                                  TITLE], stdout=follower, stderr=subprocess.PIPE, timeout=WAIT)
        os.close(follower)
        follower = -1
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the terminal has no writer any more
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    assert process.returncode == 0, process.stderr
    text = shown.decode("utf-8")
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert "Red \\x1b[31mALERT\\x1b[0m \\u202eevil\\u202c bell\\x07 end" in text


def test_terminal_safe_keeps_split_characters_whole() -> None:
    sink = io.BytesIO()
    safe = q.TerminalSafe(sink)
    for byte in "é\x1b→\u202e".encode():
        safe.write(bytes([byte]))
    safe.flush()
    assert sink.getvalue().decode() == "é\\x1b→\\u202e"
