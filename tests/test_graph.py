"""The graph mapping: deterministic IRIs, the RDF model of docs/rdf-model.md, valid terms."""

from __future__ import annotations

import pyoxigraph as ox
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.graph import GraphMapper
from kg.identity import paper_path
from kg.ontology import SPARQL_PREFIXES
from kg.records import Author, Mention, PaperRecord, SourceRef

BASE = "https://example.org/kg/"


def _record(**changes) -> PaperRecord:
    fields = dict(
        title="Test-Time Adaptation for Tumour Segmentation",
        abstract="We propose ShiftGuard. It adapts nnU-Net at test time.",
        authors=[Author("Maria Example", "Maria", "Example"),
                 Author("Imaging Consortium", is_organization=True)],
        date="2026-01-05", arxiv="2601.00011", code=["https://github.com/example/shiftguard"],
        sources=[SourceRef("/data/a.txt", 3, "arxiv-listing")],
    )
    fields.update(changes)
    return PaperRecord(**fields)


def _mention() -> Mention:
    return Mention(kind="model", entity_key="model/shiftguard", name="ShiftGuard",
                   surface="ShiftGuard", field="abstract", start=11, end=21,
                   sentence_start=0, sentence_end=22, confidence=0.9, extractor="kg_rules",
                   role="proposed")


def _store(quads) -> ox.Store:
    store = ox.Store()
    store.extend(quads)
    return store


def test_same_input_gives_identical_quads():
    first = GraphMapper(BASE, "cfg").paper_quads(_record(), [_mention()])
    second = GraphMapper(BASE, "cfg").paper_quads(_record(), [_mention()])
    assert first == second
    assert not any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
                   for q in first)


def test_proposed_model_is_linked_with_evidence_and_offsets():
    store = _store(GraphMapper(BASE, "cfg").paper_quads(_record(), [_mention()]))
    rows = list(store.query(SPARQL_PREFIXES + """
        SELECT ?model ?sentence ?start ?end ?exact WHERE {
          ?paper kg:proposesModel ?model ; kg:usesModel ?model ;
                 <https://schema.org/abstract> ?text .
          ?m oa:hasBody ?model ; oa:hasTarget ?paper ; kg:textField "abstract" ;
             oa:start ?start ; oa:end ?end ; oa:exact ?exact ;
             kg:sentenceStart ?s0 ; kg:sentenceEnd ?s1 .
          BIND(SUBSTR(?text, ?s0 + 1, ?s1 - ?s0) AS ?sentence)
        }"""))
    assert len(rows) == 1
    row = rows[0]
    assert row["model"].value == BASE + "model/shiftguard"
    assert row["sentence"].value == "We propose ShiftGuard."
    assert (int(row["start"].value), int(row["end"].value)) == (11, 21)
    assert row["exact"].value == "ShiftGuard"


def test_authors_keep_order_and_organisations_are_not_people():
    store = _store(GraphMapper(BASE, "cfg").paper_quads(_record()))
    rows = list(store.query("""
        PREFIX schema: <https://schema.org/>
        SELECT ?pos ?type ?name WHERE {
          ?paper schema:author ?role . ?role schema:position ?pos ; schema:author ?who .
          ?who a ?type ; schema:name ?name } ORDER BY ?pos"""))
    found = [(int(r["pos"].value), r["type"].value.rsplit("/", 1)[1], r["name"].value)
             for r in rows]
    assert found == [(1, "Person", "Maria Example"), (2, "Organization", "Imaging Consortium")]


def test_partial_dates_keep_their_precision():
    for date, datatype in [("2026-01-05", "date"), ("2026-01", "gYearMonth"), ("2026", "gYear")]:
        quads = GraphMapper(BASE).paper_quads(_record(date=date))
        (value,) = [q.object for q in quads if q.predicate.value == "https://schema.org/datePublished"]
        assert value.value == date and value.datatype.value.endswith("#" + datatype)


def test_malformed_url_becomes_a_literal_not_an_error():
    quads = GraphMapper(BASE).paper_quads(_record(code=["not a url with spaces"]))
    repos = [q.object for q in quads if q.predicate.value == "https://schema.org/codeRepository"]
    assert repos == [ox.Literal("not a url with spaces")]


@settings(max_examples=200)
@given(
    arxiv=st.one_of(st.none(), st.from_regex(r"\A[0-9]{4}\.[0-9]{4,5}\Z")),
    doi=st.one_of(st.none(), st.text(min_size=1, max_size=40)),
    title=st.one_of(st.none(), st.text(max_size=80)),
)
def test_minted_paper_iris_are_always_valid(arxiv, doi, title):
    record = _record(arxiv=arxiv, doi=doi, title=title, abstract="An abstract.")
    ox.NamedNode(BASE + paper_path(record))  # raises on an invalid IRI
