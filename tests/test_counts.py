"""The materialised counts (kg.counts): equal to the facts, kept current by builds and
`kg optimize`, marked stale by updates, left out of exports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg import DEFAULT_BASE
from kg.cli import cli
from kg.counts import STALE_MARKER, TABLES, refresh_counts, stats_graph, table_graph
from kg.ontology import PREFIXES
from kg.store import open_store, triple_count

# The same counts, computed from the facts with plain joins (no sub-selects, no CONSTRUCT).
FACTS = {
    "modality-dataset": """SELECT ?a ?b (COUNT(DISTINCT ?p) AS ?n) WHERE {
        ?p kg:imagingModality ?a ; kg:usesDataset ?b } GROUP BY ?a ?b""",
    "modality-task": """SELECT ?a ?b (COUNT(DISTINCT ?p) AS ?n) WHERE {
        ?p kg:imagingModality ?a ; kg:addressesTask ?b } GROUP BY ?a ?b""",
    "model-dataset": """SELECT ?a ?b (COUNT(DISTINCT ?p) AS ?n) WHERE {
        ?p kg:usesModel ?a ; kg:usesDataset ?b } GROUP BY ?a ?b""",
}
STORED = {
    "modality-dataset": "?r kg:modality ?a ; kg:dataset ?b ; kg:papers ?n",
    "modality-task": "?r kg:modality ?a ; kg:task ?b ; kg:papers ?n",
    "model-dataset": "?r kg:model ?a ; kg:dataset ?b ; kg:papers ?n",
}


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def rows(store: ox.Store, query: str) -> set[tuple[str, ...]]:
    return {tuple(term.value if term is not None else "" for term in row)
            for row in store.query(query, prefixes=PREFIXES)}


def assert_counts_match_facts(store: ox.Store, some: bool = True) -> None:
    for name, facts in FACTS.items():
        graph = next(table_graph(DEFAULT_BASE, t) for t in TABLES if t.name == name)
        stored = rows(store, f"SELECT ?a ?b ?n WHERE {{ GRAPH {graph} {{ {STORED[name]} }} }}")
        assert stored == rows(store, facts), name
        assert stored or not some, name
    entities = table_graph(DEFAULT_BASE, TABLES[0])
    used = rows(store, "SELECT ?e (COUNT(DISTINCT ?p) AS ?n) WHERE { VALUES ?l { kg:usesModel "
                       "kg:usesDataset kg:imagingModality kg:addressesTask } ?p ?l ?e } "
                       "GROUP BY ?e")
    assert rows(store, f"SELECT ?e ?n WHERE {{ GRAPH {entities} {{ ?e kg:papers ?n }} }}") == used
    proposed = rows(store, "SELECT ?e (COUNT(DISTINCT ?p) AS ?n) WHERE { VALUES ?l { "
                           "kg:proposesModel kg:proposesDataset } ?p ?l ?e } GROUP BY ?e")
    assert rows(store, f"SELECT ?e ?n WHERE {{ GRAPH {entities} {{ ?e kg:proposingPapers ?n }} }}"
                ) == proposed
    years = rows(store, """SELECT ?y (COUNT(DISTINCT ?p) AS ?n) WHERE {
        ?p a schema:ScholarlyArticle OPTIONAL { ?p schema:datePublished ?d }
        BIND(COALESCE(SUBSTR(STR(?d), 1, 4), "") AS ?y) } GROUP BY ?y""")
    graph = next(table_graph(DEFAULT_BASE, t) for t in TABLES if t.name == "years")
    assert rows(store, f"""SELECT ?y ?n WHERE {{ GRAPH {graph} {{ ?r kg:papers ?n
        OPTIONAL {{ ?r kg:year ?year }} }} BIND(COALESCE(STR(?year), "") AS ?y) }}""") == years


@pytest.fixture(scope="module")
def built(tmp_path_factory, demo_corpus: Path) -> Path:
    store = tmp_path_factory.mktemp("counts") / "store"
    # Two builds: the second adds papers to a store that already has counts.
    assert run("build", demo_corpus / "radai-slice.txt", "--store", store).exit_code == 0
    result = run("build", demo_corpus, "--store", store)
    assert result.exit_code == 0, result.output
    assert "counts            recomputed in" in result.output
    return store


def test_a_build_leaves_counts_equal_to_the_facts(built):
    store = ox.Store.read_only(str(built))
    assert_counts_match_facts(store)
    assert not (built / STALE_MARKER).exists()
    description = rows(store, f"SELECT ?t ?run WHERE {{ GRAPH {stats_graph(DEFAULT_BASE)} {{ "
                              "?g a kg:Statistics ; prov:generatedAtTime ?t ; "
                              "prov:wasGeneratedBy ?run }}")
    assert len(description) == 1


def test_counts_stay_out_of_the_facts_and_the_exports(built, tmp_path):
    store = ox.Store.read_only(str(built))
    graphs = set(store.named_graphs())
    assert graphs == {stats_graph(DEFAULT_BASE), *(table_graph(DEFAULT_BASE, t) for t in TABLES)}
    facts = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    assert triple_count(store) == facts < len(store)
    out = tmp_path / "graph.trig"
    assert run("export", "--format", "trig", "-o", out, "--store", built).exit_code == 0
    exported = list(ox.parse(path=str(out), format=ox.RdfFormat.TRIG))
    assert len(exported) == facts
    assert {q.graph_name for q in exported} == {ox.DefaultGraph()}


def test_an_update_marks_the_counts_stale_until_optimize(built, tmp_path):
    store_dir = tmp_path / "store"
    shutil.copytree(built, store_dir)
    question = ("query", "--name", "most-used-datasets", "--format", "json", "--store", store_dir)
    before = run(*question)
    assert before.exit_code == 0 and before.stderr == ""
    update = run("query", "--allow-update", "--store", store_dir,
                 "DELETE WHERE { ?p kg:usesDataset ?d }")
    assert update.exit_code == 0, update.output
    assert (store_dir / STALE_MARKER).exists()
    stale = run(*question)
    assert stale.exit_code == 0
    assert stale.stderr.startswith("Warning: the store was changed since its counts")
    assert json.loads(stale.stdout) == json.loads(before.stdout)  # the old counts, flagged
    optimized = run("optimize", "--store", store_dir)
    assert optimized.exit_code == 0, optimized.output
    assert optimized.output.startswith(f"Optimized {store_dir}: counts recomputed in ")
    assert not (store_dir / STALE_MARKER).exists()
    after = run(*question)
    assert after.stderr == "" and json.loads(after.stdout)["results"]["bindings"] == []
    assert_counts_match_facts(open_store(store_dir, read_only=True), some=False)


def test_a_read_only_query_does_not_mark_the_counts_stale(built):
    assert run("query", "--store", built, "SELECT * WHERE { ?s ?p ?o } LIMIT 1").exit_code == 0
    assert not (built / STALE_MARKER).exists()


def test_a_store_without_counts_says_so(built, tmp_path):
    # The facts alone, as a store loaded from shards or an export has them.
    facts = tmp_path / "facts.nq"
    assert run("export", "--format", "nq", "-o", facts, "--store", built).exit_code == 0
    store_dir = tmp_path / "loaded"
    store = open_store(store_dir)
    store.load(path=str(facts), format=ox.RdfFormat.N_QUADS)
    del store
    result = run("query", "--name", "modality-task-counts", "--store", store_dir)
    assert result.exit_code == 0
    assert result.stderr.startswith("Warning: the store has no counts")
    assert run("optimize", "--store", store_dir).exit_code == 0
    fixed = run("query", "--name", "modality-task-counts", "--store", store_dir)
    assert fixed.stderr == "" and "Segmentation" in fixed.stdout


def test_counts_under_another_base_replace_the_old_ones(built, tmp_path):
    store_dir = tmp_path / "store"
    shutil.copytree(built, store_dir)
    store = open_store(store_dir)
    refresh_counts(store, "https://example.org/other/")
    descriptions = {q.graph_name.value for q in store.quads_for_pattern(
        None, None, ox.NamedNode(PREFIXES["kg"] + "Statistics"), None)}
    assert descriptions == {"https://example.org/other/graph/stats"}
    assert all(g.value.startswith("https://example.org/other/") for g in store.named_graphs())


def test_refreshing_unchanged_facts_changes_only_the_time(built, tmp_path):
    store_dir = tmp_path / "store"
    shutil.copytree(built, store_dir)
    store = open_store(store_dir)

    def counts() -> set[ox.Quad]:
        return {q for q in store.quads_for_pattern(None, None, None, None)
                if not isinstance(q.graph_name, ox.DefaultGraph)
                and not q.predicate.value.endswith(("generatedAtTime", "endedAtTime"))}

    before = counts()
    refresh_counts(store, DEFAULT_BASE)
    assert counts() == before
