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
    # The query docs/rdf-model.md gives for a link's quote and sentence.
    rows = list(store.query(SPARQL_PREFIXES + """
        SELECT ?model ?role ?sentence ?start ?end ?quote WHERE {
          ?paper kg:proposesModel ?model ; kg:usesModel ?model ;
                 <https://schema.org/abstract> ?text .
          ?a oa:hasTarget ?paper ; oa:hasBody ?model ; kg:linkRole ?role .
          ?m kg:supports ?a ; kg:textField "abstract" ; oa:start ?start ; oa:end ?end ;
             kg:sentenceStart ?s0 ; kg:sentenceEnd ?s1 .
          BIND(SUBSTR(?text, ?start + 1, ?end - ?start) AS ?quote)
          BIND(SUBSTR(?text, ?s0 + 1, ?s1 - ?s0) AS ?sentence)
        }"""))
    assert len(rows) == 1
    row = rows[0]
    assert row["model"].value == BASE + "model/shiftguard"
    assert row["role"].value == "proposed"
    assert row["sentence"].value == "We propose ShiftGuard."
    assert (int(row["start"].value), int(row["end"].value)) == (11, 21)
    assert row["quote"].value == "ShiftGuard"


def test_one_assertion_per_link_carries_what_its_mentions_share():
    again = Mention(kind="model", entity_key="model/shiftguard", name="ShiftGuard",
                    surface="ShiftGuard", field="title", start=0, end=10, sentence_start=0,
                    sentence_end=44, confidence=0.6, extractor="kg_vocabulary", role="proposed")
    quads = GraphMapper(BASE, "cfg").paper_quads(_record(), [_mention(), again])
    store = _store(quads)
    (row,) = list(store.query(SPARQL_PREFIXES + """
        SELECT ?a (COUNT(DISTINCT ?m) AS ?mentions) (MAX(?c) AS ?confidence)
               (GROUP_CONCAT(DISTINCT ?x; separator=",") AS ?extractors) WHERE {
          ?a a kg:LinkAssertion ; kg:confidence ?c ; kg:extractor ?x ;
             prov:wasGeneratedBy ?run . ?m kg:supports ?a } GROUP BY ?a"""))
    assert int(row["mentions"].value) == 2
    assert float(row["confidence"].value) == 0.9
    assert sorted(row["extractors"].value.split(",")) == ["kg_rules", "kg_vocabulary"]
    # A mention holds only where it is: the assertion, the text field, offsets and sentence.
    mentions = {q.subject for q in quads if q.predicate.value.endswith("#supports")}
    assert {len([q for q in quads if q.subject == m]) for m in mentions} == {6}


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
