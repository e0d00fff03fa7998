"""kg.query and `kg query`: named questions on a known graph, safe parameters, formats, errors."""

from __future__ import annotations

import csv
import gc
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg import query as q
from kg.cli import cli
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
            # exactly one slot per declared parameter, so binding can never miss or double
            assert len(q.slots(named.text).get(param.name, [])) == 1, param.name
            assert (named.text.count(f"VALUES ?{param.name} {{ UNDEF }}")
                    + named.text.count(f"  # ${param.name}\n")) == 1, param.name


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


def test_cli_named_question(store_path: Path) -> None:
    result = invoke("query", "--store", str(store_path), "--name", "models-with-dataset",
                    "--param", "dataset=BraTS", "--format", "csv")
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
